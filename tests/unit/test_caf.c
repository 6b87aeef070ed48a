/* The CAF arrears test at its boundaries on both sides of 1 January 2027,
 * and the steps of a benefit decision. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/caf.h"
#include "domain/rules.h"

#define TEST(t) (1u << (t))

static struct caf_arrears_facts facts(struct date on, int64_t debt)
{
	return (struct caf_arrears_facts){ .on = on, .debt_cents = debt };
}

static struct caf_arrears judge(const struct caf_arrears_facts *f)
{
	struct caf_arrears a;
	struct err e;
	ck_assert_int_eq(caf_judge_arrears(&a, f, &e), ERR_OK);
	return a;
}

static struct caf_arrears_facts with_rent(struct caf_arrears_facts f, int64_t rent, int64_t charges)
{
	f.rent_known = f.charges_known = true;
	f.rent_cents = rent;
	f.charges_cents = charges;
	return f;
}

static struct caf_arrears_facts with_first_missed(struct caf_arrears_facts f, struct date d)
{
	f.first_missed_known = true;
	f.first_missed_on = d;
	return f;
}

static const struct date last_old = { 2026, 12, 31 }, first_new = { 2027, 1, 1 };

START_TEST(old_test_two_months_of_rent_with_charges)
{
	/* 2 x (400 + 50) = 900 euros. */
	struct caf_arrears_facts f = with_rent(facts(last_old, 89999), 40000, 5000);
	struct caf_arrears a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_NOT_CONSTITUTED);
	ck_assert_uint_eq(a.tests_met, 0);
	f.debt_cents = 90000;
	a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_CONSTITUTED);
	ck_assert_uint_eq(a.tests_met, TEST(CAF_TEST_TWO_MONTHS_RENT_WITH_CHARGES));
	ck_assert(!a.opens_benefit_decision);
	ck_assert(a.version_known);
	ck_assert_int_eq(date_cmp(&a.version, &(struct date){ 2016, 9, 1 }), 0);
	ck_assert_ptr_nonnull(strstr(a.basis, "2016-748"));
	/* Charges count: 2 x rent alone is not enough. */
	f.debt_cents = 80000;
	a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_NOT_CONSTITUTED);
	/* The new tests do not apply before 2027: over 450 euros, a year
	 * after the first missed payment, still not constituted. */
	f = with_first_missed(with_rent(facts(last_old, 60000), 40000, 5000), (struct date){ 2025, 12, 1 });
	a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_NOT_CONSTITUTED);
	ck_assert_uint_eq(a.tests_met, 0);
}
END_TEST

START_TEST(old_test_unknown_without_rent_or_charges)
{
	struct caf_arrears_facts f = facts(last_old, 1000000);
	ck_assert_int_eq(judge(&f).constituted, CAF_UNKNOWN);
	f.rent_known = true;
	f.rent_cents = 40000;
	ck_assert_int_eq(judge(&f).constituted, CAF_UNKNOWN);
	f.charges_known = true;
	f.charges_cents = 0;
	ck_assert_int_eq(judge(&f).constituted, CAF_CONSTITUTED);
	/* From the day décret 2016-748 applies; before it no test is known. */
	f.on = (struct date){ 2016, 9, 1 };
	ck_assert_int_eq(judge(&f).constituted, CAF_CONSTITUTED);
	f.on = (struct date){ 2016, 8, 31 };
	struct caf_arrears a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_UNKNOWN);
	ck_assert_uint_eq(a.tests_met, 0);
	ck_assert_ptr_null(a.basis);
	ck_assert(!a.opens_benefit_decision);
}
END_TEST

START_TEST(new_test_debt_over_450_euros)
{
	struct caf_arrears_facts f = with_first_missed(facts(first_new, 45000), (struct date){ 2026, 12, 1 });
	struct caf_arrears a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_NOT_CONSTITUTED);
	ck_assert(!a.opens_benefit_decision);
	ck_assert(a.version_known);
	ck_assert_int_eq(date_cmp(&a.version, &first_new), 0);
	ck_assert_ptr_nonnull(strstr(a.basis, "2026-84"));
	f.debt_cents = 45001;
	a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_CONSTITUTED);
	ck_assert_uint_eq(a.tests_met, TEST(CAF_TEST_DEBT_OVER_450));
	ck_assert(a.opens_benefit_decision);
	/* Over 450 euros needs no date of first missed payment. */
	f = facts(first_new, 45001);
	ck_assert_int_eq(judge(&f).constituted, CAF_CONSTITUTED);
	f.debt_cents = 45000;
	ck_assert_int_eq(judge(&f).constituted, CAF_UNKNOWN);
	/* The old test does not apply from 2027: 2 x (rent + charges) reached. */
	f = with_first_missed(with_rent(facts(first_new, 20000), 5000, 1000), (struct date){ 2026, 12, 1 });
	a = judge(&f);
	ck_assert_int_eq(a.constituted, CAF_NOT_CONSTITUTED);
	ck_assert_uint_eq(a.tests_met, 0);
}
END_TEST

struct months_case {
	struct date first_missed, on;
	bool met;
};

/* CPC art. 641: the same day number three months later, or that month's
 * last day. */
static const struct months_case months_cases[] = {
	{ { 2026, 10, 1 }, { 2027, 1, 1 }, true },
	{ { 2026, 10, 2 }, { 2027, 1, 1 }, false },
	{ { 2026, 10, 2 }, { 2027, 1, 2 }, true },
	{ { 2026, 10, 31 }, { 2027, 1, 30 }, false },
	{ { 2026, 10, 31 }, { 2027, 1, 31 }, true },
	{ { 2026, 11, 30 }, { 2027, 2, 27 }, false },
	{ { 2026, 11, 30 }, { 2027, 2, 28 }, true },
	{ { 2026, 11, 28 }, { 2027, 2, 28 }, true },
	{ { 2027, 11, 30 }, { 2028, 2, 28 }, false },
	{ { 2027, 11, 30 }, { 2028, 2, 29 }, true },
	{ { 2027, 3, 15 }, { 2027, 6, 14 }, false },
	{ { 2027, 3, 15 }, { 2027, 6, 15 }, true },
};

START_TEST(new_test_three_months_after_the_first_missed_payment)
{
	const struct months_case *c = &months_cases[_i];
	struct caf_arrears_facts f = with_first_missed(facts(c->on, 10000), c->first_missed);
	struct caf_arrears a = judge(&f);
	ck_assert_int_eq(a.constituted, c->met ? CAF_CONSTITUTED : CAF_NOT_CONSTITUTED);
	ck_assert_uint_eq(a.tests_met, c->met ? TEST(CAF_TEST_THREE_MONTHS_AFTER_FIRST_MISSED) : 0);
	ck_assert(a.opens_benefit_decision == c->met);
	/* Both tests met at once are both named. */
	f.debt_cents = 50000;
	a = judge(&f);
	ck_assert_uint_eq(a.tests_met, TEST(CAF_TEST_DEBT_OVER_450) |
					       (c->met ? TEST(CAF_TEST_THREE_MONTHS_AFTER_FIRST_MISSED) : 0));
}
END_TEST

/* Where every datum is known, the judgement and rules_threshold_reached()
 * agree, on both sides of the change. */
START_TEST(agrees_with_the_rules_table)
{
	static const struct date days[] = { { 2026, 12, 30 }, { 2026, 12, 31 }, { 2027, 1, 1 }, { 2027, 1, 2 },
					    { 2027, 4, 1 } };
	static const int64_t debts[] = { 0, 44999, 45000, 45001, 89999, 90000, 200000 };
	static const struct date missed[] = { { 2026, 9, 30 }, { 2026, 10, 1 }, { 2026, 10, 2 }, { 2026, 12, 31 } };
	for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++)
		for (size_t k = 0; k < sizeof(debts) / sizeof(debts[0]); k++)
			for (size_t m = 0; m < sizeof(missed) / sizeof(missed[0]); m++) {
				struct caf_arrears_facts f =
					with_first_missed(with_rent(facts(days[d], debts[k]), 40000, 5000), missed[m]);
				struct caf_arrears a = judge(&f);
				struct arrears r = { .debt_cents = f.debt_cents, .rent_cents = 40000,
						     .charges_cents = 5000, .months_unpaid = -1,
						     .first_missed_known = true, .first_missed_on = missed[m] };
				bool reached = false;
				struct err e;
				ck_assert_int_eq(rules_threshold_reached(&reached, RULE_CAF_ARREARS, &r, &days[d], &e),
						 ERR_OK);
				ck_assert_int_eq(a.constituted, reached ? CAF_CONSTITUTED : CAF_NOT_CONSTITUTED);
			}
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(caf_arrears_test_name(CAF_TEST_TWO_MONTHS_RENT_WITH_CHARGES), "two_months_rent_with_charges");
	ck_assert_str_eq(caf_arrears_test_name(CAF_TEST_DEBT_OVER_450), "debt_over_450");
	ck_assert_str_eq(caf_arrears_test_name(CAF_TEST_THREE_MONTHS_AFTER_FIRST_MISSED),
			 "three_months_after_first_missed");
	ck_assert_ptr_null(caf_arrears_test_name(CAF_TEST__COUNT));
	struct date since;
	caf_benefit_decisions_since(&since);
	ck_assert_int_eq(date_cmp(&since, &first_new), 0);
	enum benefit_decision_outcome o;
	enum benefit_decision_status s;
	ck_assert_int_eq(benefit_decision_parse_outcome("paid_to_landlord", &o), 0);
	ck_assert_int_eq(o, BENEFIT_PAID_TO_LANDLORD);
	ck_assert_int_eq(benefit_decision_parse_outcome("kept", &o), -1);
	ck_assert_int_eq(benefit_decision_parse_outcome(NULL, &o), -1);
	ck_assert_int_eq(benefit_decision_parse_status("applied", &s), 0);
	ck_assert_int_eq(s, BENEFIT_DECISION_APPLIED);
	ck_assert_str_eq(benefit_decision_status_name(BENEFIT_DECISION_OPEN), "open");
	ck_assert_ptr_null(benefit_decision_outcome_name(BENEFIT__OUTCOME_COUNT));
}
END_TEST

START_TEST(decision_steps)
{
	struct err e;
	struct date signalled = { 2027, 1, 10 }, before = { 2027, 1, 9 }, later = { 2027, 2, 3 };
	ck_assert_int_eq(benefit_decision_check_decide(BENEFIT_DECISION_OPEN, &signalled, &signalled, &e), ERR_OK);
	ck_assert_int_eq(benefit_decision_check_decide(BENEFIT_DECISION_OPEN, &signalled, &before, &e),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(e.field, "decided_on");
	ck_assert_int_eq(benefit_decision_check_decide(BENEFIT_DECISION_DECIDED, &signalled, &later, &e), ERR_CONFLICT);
	ck_assert_int_eq(benefit_decision_check_decide(BENEFIT_DECISION_APPLIED, &signalled, &later, &e), ERR_CONFLICT);
	ck_assert_int_eq(benefit_decision_check_apply(BENEFIT_DECISION_DECIDED, &signalled, &later, &e), ERR_OK);
	ck_assert_int_eq(benefit_decision_check_apply(BENEFIT_DECISION_DECIDED, &signalled, &signalled, &e), ERR_OK);
	ck_assert_int_eq(benefit_decision_check_apply(BENEFIT_DECISION_DECIDED, &signalled, &before, &e),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(e.field, "applied_on");
	ck_assert_int_eq(benefit_decision_check_apply(BENEFIT_DECISION_OPEN, &signalled, &later, &e), ERR_CONFLICT);
	ck_assert_str_eq(e.field, "status");
	ck_assert_int_eq(benefit_decision_check_apply(BENEFIT_DECISION_APPLIED, &signalled, &later, &e), ERR_CONFLICT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("caf");
	TCase *tc = tcase_create("caf");
	tcase_add_test(tc, old_test_two_months_of_rent_with_charges);
	tcase_add_test(tc, old_test_unknown_without_rent_or_charges);
	tcase_add_test(tc, new_test_debt_over_450_euros);
	tcase_add_loop_test(tc, new_test_three_months_after_the_first_missed_payment, 0,
			    (int)(sizeof(months_cases) / sizeof(months_cases[0])));
	tcase_add_test(tc, agrees_with_the_rules_table);
	tcase_add_test(tc, names);
	tcase_add_test(tc, decision_steps);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
