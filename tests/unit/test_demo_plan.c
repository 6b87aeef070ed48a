/* The demo plan adds up to the seed's figures (shared/domain.md), and its
 * chains carry exactly the planned acts through the state machine. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/caf.h"
#include "domain/demo_plan.h"

static struct demo_plan plan;

static void setup(void)
{
	demo_plan_essonne(&plan);
}

static int sum(const int *v, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

static int change(int cur, int prev)
{
	/* Half away from zero, as the statistics round. */
	int d = 200 * (cur - prev);
	return d >= 0 ? (d + prev) / (2 * prev) : -((-d + prev) / (2 * prev));
}

START_TEST(test_referrals)
{
	const struct demo_referrals_year *r20 = &plan.referrals[1], *r21 = &plan.referrals[2];
	ck_assert_int_eq(r20->commissions, 27);
	ck_assert_int_eq(r21->commissions, 32);
	ck_assert_int_eq(r20->examined, 193);
	ck_assert_int_eq(r21->examined, 192);
	ck_assert_int_eq(change(r21->by_epci[0], r20->by_epci[0]), 18);
	ck_assert_int_eq(change(r21->by_epci[1], r20->by_epci[1]), 80);
	ck_assert_int_eq(change(r21->by_epci[2], r20->by_epci[2]), 11);
	ck_assert_int_eq(r20->complex_by_epci[4], 4);
	ck_assert_int_eq(r20->complex_by_epci[0], 27);
	ck_assert_int_eq(r20->complex_by_epci[3], 33);
	for (int y = 0; y < DEMO_YEARS; y++) {
		const struct demo_referrals_year *r = &plan.referrals[y];
		int total = sum(r->by_epci, DEMO_EPCIS);
		ck_assert_int_eq(r->social_landlord + r->private_landlord + r->signalled, total);
		ck_assert_int_le(r->examined, total);
		for (int e = 0; e < DEMO_EPCIS; e++)
			ck_assert_int_le(r->complex_by_epci[e], r->by_epci[e]);
	}
}
END_TEST

START_TEST(test_letters_and_mobile_team)
{
	const struct demo_letters_year *l20 = &plan.letters[1], *l21 = &plan.letters[2];
	ck_assert_int_eq(l20->sent, 4554);
	ck_assert_int_eq(l21->sent, 4869);
	ck_assert_int_eq(change(l21->sent, l20->sent), 7);
	ck_assert_int_eq(demo_plan_percent(l20->answered, l20->sent), 8);
	ck_assert_int_eq(demo_plan_percent(l21->answered, l21->sent), 7);
	ck_assert_int_eq(l20->payment_resumed, 111);
	ck_assert_int_eq(l21->payment_resumed, 146);
	ck_assert_int_eq(change(l21->payment_resumed, l20->payment_resumed), 32);
	ck_assert_int_eq(change(l21->debt_settled, l20->debt_settled), 6);
	ck_assert_int_eq(change(l21->meetings, l20->meetings), 52);
	ck_assert_int_eq(l20->adil_contacts, 796);
	ck_assert_int_eq(l21->adil_contacts, 703);
	for (int y = 0; y < DEMO_YEARS; y++) {
		const struct demo_letters_year *l = &plan.letters[y];
		ck_assert_int_le(l->payment_resumed + l->debt_settled + l->meetings, l->answered);
	}
	const struct demo_mobile_year *m = &plan.mobile[2];
	ck_assert_int_eq(m->cases, 126);
	ck_assert_int_eq(m->no_contact + m->contact_established + m->npai, m->cases);
	ck_assert_int_eq(demo_plan_percent(m->no_contact, m->cases), 61);
	ck_assert_int_eq(demo_plan_percent(m->contact_established, m->cases), 23);
	ck_assert_int_eq(demo_plan_percent(m->npai, m->cases), 16);
	ck_assert_int_eq(m->home_visits, 73);
	ck_assert_int_le(m->home_visits, m->contact_established + m->no_contact);
	ck_assert_int_le(m->debts_settled + m->landlords_contacting_adil, m->contact_established);
}
END_TEST

START_TEST(test_masp_2021)
{
	struct date y0 = { 2021, 1, 1 }, y1 = { 2021, 12, 31 };
	int effective = 0, started = 0, renewed = 0;
	long days = 0;
	for (int i = 0; i < plan.measure_count; i++) {
		const struct demo_measure *m = &plan.measures[i];
		struct date end, planned;
		date_add_months(&planned, &m->start, m->initial_months);
		date_add_months(&end, &planned, m->renewal_months);
		if (date_cmp(&m->start, &y1) > 0 || date_cmp(&end, &y0) < 0)
			continue;
		effective++;
		started += m->start.y == 2021;
		struct date on;
		date_add_days(&on, &planned, -15);
		renewed += m->renewal_months > 0 && on.y == 2021;
		days += date_diff_days(&m->start, &end);
	}
	ck_assert_int_eq(effective, 21);
	ck_assert_int_eq(started, 15);
	ck_assert_int_eq(renewed, 12);
	double months = (double)days / 30.4375 / effective;
	ck_assert_int_eq((int)(months + 0.5), 14);
}
END_TEST

START_TEST(test_chains_carry_the_acts)
{
	for (int y = 0; y < DEMO_YEARS; y++) {
		const struct demo_acts_year *a = &plan.acts[y];
		int year = DEMO_FIRST_YEAR + y, cap = demo_plan_chain_count(a);
		struct demo_chain *chains = calloc((size_t)cap, sizeof(*chains));
		struct demo_rng rng;
		demo_rng_init(&rng, DEMO_SEED);
		int n = demo_plan_chains(&plan, a, year, &rng, chains);
		ck_assert_int_eq(n, cap);
		int count[EVENT__COUNT] = { 0 }, with_cfp = 0, months[12] = { 0 };
		for (int i = 0; i < n; i++) {
			struct event ev[8];
			int k = demo_plan_chain_events(&chains[i], ev);
			struct procedure p;
			procedure_init(&p);
			for (int j = 0; j < k; j++) {
				struct err err;
				err_clear(&err);
				ck_assert_msg(procedure_apply_event(&p, &ev[j], &err) == ERR_OK, "%s", err.message);
				ck_assert_int_eq(ev[j].date.y, year);
				count[ev[j].kind]++;
				with_cfp += ev[j].kind == EVENT_EVICTION && ev[j].eviction.with_cfp;
				if (ev[j].kind == EVENT_SUMMONS)
					months[ev[j].date.m - 1]++;
				if (ev[j].kind == EVENT_EVICTION)
					ck_assert(ev[j].date.m >= 4 && ev[j].date.m <= 10);
			}
		}
		ck_assert_int_eq(count[EVENT_PAYMENT_ORDER], a->payment_order);
		ck_assert_int_eq(count[EVENT_SUMMONS], a->summons);
		ck_assert_int_eq(count[EVENT_ORDER_TO_LEAVE], a->order_to_leave);
		ck_assert_int_eq(count[EVENT_CFP_REQUEST], a->cfp_request);
		ck_assert_int_eq(count[EVENT_CFP_GRANTED], a->cfp_granted);
		ck_assert_int_eq(with_cfp, a->eviction_with_cfp);
		ck_assert_mem_eq(months, a->summons_by_month, sizeof(months));
		free(chains);
	}
	/* About 30 % fewer at every stage in 2020; 230 summons a month in 2022. */
	const struct demo_acts_year *a19 = &plan.acts[0], *a20 = &plan.acts[1];
	ck_assert_int_eq(change(a20->payment_order, a19->payment_order), -30);
	ck_assert_int_eq(change(a20->summons, a19->summons), -30);
	ck_assert_int_eq(change(a20->order_to_leave, a19->order_to_leave), -30);
	ck_assert_int_eq(change(a20->cfp_request, a19->cfp_request), -30);
	ck_assert_int_eq(change(a20->cfp_granted, a19->cfp_granted), -30);
	ck_assert_int_eq(change(a20->eviction_with_cfp, a19->eviction_with_cfp), -30);
	for (int m = 0; m < 12; m++)
		ck_assert_int_eq(plan.acts[3].summons_by_month[m], 230);
}
END_TEST

START_TEST(test_rng_is_fixed)
{
	struct demo_rng a, b;
	demo_rng_init(&a, DEMO_SEED);
	demo_rng_init(&b, DEMO_SEED);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(demo_rng_next(&a), demo_rng_next(&b));
	int parts[3];
	demo_plan_split(10, (const int[]){ 1, 1, 1 }, 3, parts);
	ck_assert_int_eq(parts[0] + parts[1] + parts[2], 10);
	ck_assert_int_eq(parts[0], 4);
}
END_TEST

/* The 2027 cases show the reform: signals under both tests, both new
 * tests met, and a decision at each step exactly where the judgement
 * opens one. */
START_TEST(test_caf_cases_show_both_tests)
{
	const struct demo_caf_case *k = NULL;
	int n = demo_plan_caf_cases(&k);
	unsigned tests_seen = 0;
	int old_rule = 0, new_rule = 0, steps[4] = { 0 };
	struct date change = { 2027, 1, 1 };
	for (int i = 0; i < n; i++) {
		struct caf_arrears_facts f = { .on = k[i].date, .debt_cents = k[i].debt_cents,
					       .rent_known = k[i].rent_cents >= 0, .rent_cents = k[i].rent_cents,
					       .charges_known = k[i].charges_cents >= 0,
					       .charges_cents = k[i].charges_cents,
					       .first_missed_known = k[i].first_missed_on.y != 0,
					       .first_missed_on = k[i].first_missed_on };
		struct caf_arrears a;
		struct err e;
		ck_assert_int_eq(caf_judge_arrears(&a, &f, &e), ERR_OK);
		tests_seen |= a.tests_met;
		if (date_cmp(&k[i].date, &change) < 0)
			old_rule++;
		else
			new_rule++;
		ck_assert_msg(a.opens_benefit_decision == (k[i].step != DEMO_DECISION_NONE), "case %d", i);
		steps[k[i].step]++;
		if (i > 0)
			ck_assert(date_cmp(&k[i - 1].date, &k[i].date) <= 0);
	}
	ck_assert_uint_eq(tests_seen, (1u << CAF_TEST__COUNT) - 1);
	ck_assert_int_ge(old_rule, 2);
	ck_assert_int_ge(new_rule, 2);
	ck_assert_int_ge(steps[DEMO_DECISION_OPEN], 1);
	ck_assert_int_ge(steps[DEMO_DECISION_DECIDED], 1);
	ck_assert_int_ge(steps[DEMO_DECISION_APPLIED], 1);
}
END_TEST

/* The national plans: the 101 départements, about 170,000 payment orders a
 * year at full size, and at every size from a thousandth the chains fit
 * their calendar, the letters their households and the sessions their
 * referrals. */
START_TEST(test_national_plans_fit)
{
	const struct demo_departement *deps = NULL;
	ck_assert_int_eq(demo_plan_departements(&deps), 101);
	long long population = 0;
	for (int d = 0; d < DEMO_DEPARTEMENTS; d++) {
		ck_assert_int_gt(deps[d].population, 50000);
		ck_assert_int_eq(demo_plan_departement_find(deps[d].code), d);
		population += deps[d].population;
	}
	ck_assert(population > 60000000 && population < 75000000);
	ck_assert_int_ge(demo_plan_departement_find("91"), 0);
	ck_assert_int_ge(demo_plan_departement_find("2A"), 0);
	ck_assert_int_ge(demo_plan_departement_find("976"), 0);
	ck_assert_int_lt(demo_plan_departement_find("20"), 0);
	ck_assert_int_lt(demo_plan_departement_find("975"), 0);
	static const int shares[] = { 1000, 10000, 100000, 1000000 };
	static const int weights[DEMO_EPCIS] = { 30, 20, 10, 5, 1 };
	for (size_t k = 0; k < sizeof(shares) / sizeof(shares[0]); k++) {
		long long orders = 0;
		for (int d = 0; d < DEMO_DEPARTEMENTS; d++) {
			struct demo_plan p;
			int caf = -1;
			demo_plan_national(&p, &caf, &plan, d, shares[k], weights);
			ck_assert_int_ge(caf, 0);
			orders += p.acts[DEMO_YEARS - 1].payment_order;
			for (int y = 0; y < DEMO_YEARS; y++) {
				int cap = demo_plan_chain_count(&p.acts[y]);
				struct demo_chain *chains = calloc((size_t)cap, sizeof(*chains));
				struct demo_rng rng;
				demo_rng_init(&rng, DEMO_SEED + (uint64_t)d);
				ck_assert_int_eq(demo_plan_chains(&p, &p.acts[y], DEMO_FIRST_YEAR + y, &rng, chains), cap);
				ck_assert_int_ge(p.acts[y].payment_order, 1);
				ck_assert_int_le(p.letters[y].sent, cap);
				ck_assert_int_le(p.letters[y].answered, p.letters[y].sent);
				const struct demo_referrals_year *r = &p.referrals[y];
				int total = sum(r->by_epci, DEMO_EPCIS);
				ck_assert_int_ge(r->commissions, 1);
				ck_assert_int_le(r->commissions, 52);
				ck_assert_int_le(r->examined, total);
				ck_assert_int_eq(r->social_landlord + r->private_landlord + r->signalled, total);
				/* None where the weights give no commune. */
				for (int e = 5; e < DEMO_EPCIS; e++)
					ck_assert_int_eq(r->by_epci[e], 0);
				free(chains);
			}
		}
		/* 170,000 a year at full size, in proportion below. */
		long long want = 170000LL * shares[k] / 1000000;
		ck_assert_msg(orders >= want - want / 50 - 101 && orders <= want + want / 50 + 101,
			      "%lld payment orders at %d per million", orders, shares[k]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("demo_plan");
	TCase *tc = tcase_create("plan");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_referrals);
	tcase_add_test(tc, test_letters_and_mobile_team);
	tcase_add_test(tc, test_masp_2021);
	tcase_add_test(tc, test_chains_carry_the_acts);
	tcase_add_test(tc, test_rng_is_fixed);
	tcase_add_test(tc, test_caf_cases_show_both_tests);
	tcase_add_test(tc, test_national_plans_fit);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
