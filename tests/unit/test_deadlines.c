/* Deadlines and the rules table. Every due date is worked out by hand in
 * the comment above its test, with a printed calendar. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/deadlines.h"
#include "domain/rules.h"

static struct date mk(int y, int m, int d)
{
	return (struct date){y, m, d};
}

#define ck_assert_date(got, yy, mm, dd)                                     \
	do {                                                                \
		struct date got_ = (got);                                   \
		ck_assert_msg(got_.y == (yy) && got_.m == (mm) &&           \
				      got_.d == (dd),                       \
			      "got %04d-%02d-%02d, expected %04d-%02d-%02d", \
			      got_.y, got_.m, got_.d, (yy), (mm), (dd));    \
	} while (0)

static struct event ev_make(enum event_kind kind, struct date on)
{
	struct event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.date = on;
	if (kind == EVENT_PAYMENT_ORDER) {
		ev.payment_order.debt_cents = 100000;
		ev.payment_order.rent_cents = 80000;
		ev.payment_order.months_unpaid = -1;
		/* a lease of the act's day: the act's rule */
		ev.payment_order.lease_known = true;
		ev.payment_order.lease_signed_on = on;
	}
	return ev;
}

static struct event summons(struct date on, struct date hearing)
{
	struct event ev = ev_make(EVENT_SUMMONS, on);
	ev.summons.hearing_date = hearing;
	snprintf(ev.summons.court, sizeof(ev.summons.court), "TJ Evry");
	return ev;
}

static void add(struct procedure *p, const struct event *ev)
{
	struct err e;
	err_clear(&e);
	ck_assert_msg(procedure_apply_event(p, ev, &e) == ERR_OK, "%s: %s",
		      procedure_kind_name(ev->kind), e.message);
}

/* Payment order, summons and judgment long before `otl_on`, then the order
 * to leave with the judge's months (0: legal) and its notification. */
static void with_order_to_leave(struct procedure *p, struct date otl_on,
				int months, const struct date *notified_on)
{
	procedure_init(p);
	struct date start = otl_on;
	date_add_days(&start, &start, -300);
	struct event ev = ev_make(EVENT_PAYMENT_ORDER, start);
	add(p, &ev);
	struct date s_on = start, hearing;
	date_add_days(&s_on, &s_on, 60);
	date_add_days(&hearing, &s_on, 90);
	ev = summons(s_on, hearing);
	add(p, &ev);
	ev = ev_make(EVENT_JUDGMENT, hearing);
	ev.judgment.outcome = JUDGMENT_TERMINATION_AND_EVICTION;
	add(p, &ev);
	ev = ev_make(EVENT_ORDER_TO_LEAVE, otl_on);
	ev.order_to_leave.delay_months = months;
	if (notified_on != NULL) {
		ev.order_to_leave.prefet_notified = true;
		ev.order_to_leave.prefet_notified_on = *notified_on;
	}
	add(p, &ev);
}

static struct deadline_list compute(const struct procedure *p,
				    struct date today,
				    const struct diagnostic_dates *diag)
{
	struct deadline_list out;
	struct err e;
	err_clear(&e);
	ck_assert_msg(deadlines_compute(&out, p, &today, NULL, diag, &e) ==
			      ERR_OK,
		      "%s", e.message);
	return out;
}

static const struct deadline *must_find(const struct deadline_list *l,
					const char *name)
{
	const struct deadline *d = deadlines_find(l, name);
	ck_assert_msg(d != NULL, "no deadline %s", name);
	return d;
}

static void expect(const struct procedure *p, struct date today,
		   const struct diagnostic_dates *diag, const char *name,
		   struct date due, enum deadline_status status)
{
	struct deadline_list l = compute(p, today, diag);
	const struct deadline *d = must_find(&l, name);
	ck_assert_date(d->due, due.y, due.m, due.d);
	ck_assert_msg(d->status == status, "%s on %04d-%02d-%02d: %s, not %s",
		      name, today.y, today.m, today.d,
		      deadlines_status_name(d->status),
		      deadlines_status_name(status));
}

static bool flagged(const struct procedure *p, struct date today,
		    const char *flag)
{
	struct deadline_list l = compute(p, today, NULL);
	return deadlines_has_flag(&l, flag);
}

/* ---- rules table ---- */

START_TEST(test_rules_versions)
{
	struct duration d;
	struct date before = mk(2023, 7, 28), after = mk(2023, 7, 29);
	ck_assert_int_eq(rules_duration_for(&d, RULE_PAYMENT_ORDER_TIME_TO_PAY,
					    &before, NULL), ERR_OK);
	ck_assert(d.amount == 2 && d.unit == DURATION_MONTHS);
	ck_assert_int_eq(rules_duration_for(&d, RULE_PAYMENT_ORDER_TIME_TO_PAY,
					    &after, NULL), ERR_OK);
	ck_assert(d.amount == 6 && d.unit == DURATION_WEEKS);
	ck_assert_int_eq(rules_duration_for(&d, RULE_SUMMONS_NOTICE_TO_PREFET,
					    &before, NULL), ERR_OK);
	ck_assert(d.amount == 2 && d.unit == DURATION_MONTHS);
	ck_assert_int_eq(rules_duration_for(&d, RULE_SUMMONS_NOTICE_TO_PREFET,
					    &after, NULL), ERR_OK);
	ck_assert(d.amount == 6 && d.unit == DURATION_WEEKS);
	struct date y1990 = mk(1990, 1, 1);
	ck_assert_int_eq(rules_duration_for(&d, RULE_CFP_ANSWER, &y1990, NULL),
			 ERR_OK);
	ck_assert(d.amount == 2 && d.unit == DURATION_MONTHS);
	ck_assert_int_eq(rules_duration_for(&d, RULE_DIAGNOSTIC_INTERVIEW_OFFER,
					    &after, NULL), ERR_OK);
	ck_assert(d.amount == 15 && d.unit == DURATION_WORKING_DAYS);

	struct err e;
	err_clear(&e);
	ck_assert_int_eq(rules_duration_for(&d, RULE_CCAPEX_REPORT, &after, &e),
			 ERR_INVALID);
	ck_assert_int_eq(rules_duration_for(&d, RULE_CCAPEX_REPORT, &before,
					    &e), ERR_NOT_FOUND);
	struct date bad = mk(2023, 2, 29);
	ck_assert_int_eq(rules_duration_for(&d, RULE_CFP_ANSWER, &bad, &e),
			 ERR_INVALID);
	const struct rule *r = NULL;
	ck_assert_int_eq(rules_find(&r, RULE_PAYMENT_ORDER_TIME_TO_PAY, &after,
				    NULL), ERR_OK);
	ck_assert_date(r->since, 2023, 7, 29);
	ck_assert_int_eq(r->kind, RULE_DELAY_TO_ACT);
}
END_TEST

static bool caf(struct date on, int64_t debt, int64_t rent, int64_t charges,
		const struct date *first_missed)
{
	struct arrears a = {.debt_cents = debt, .rent_cents = rent,
			    .charges_cents = charges, .months_unpaid = -1};
	if (first_missed != NULL) {
		a.first_missed_known = true;
		a.first_missed_on = *first_missed;
	}
	bool reached = true;
	ck_assert_int_eq(rules_threshold_reached(&reached, RULE_CAF_ARREARS,
						 &a, &on, NULL), ERR_OK);
	return reached;
}

START_TEST(test_caf_arrears)
{
	struct date old = mk(2026, 12, 31), now = mk(2027, 1, 1);
	/* until 2026: 2 x (500 + 100) = 1,200.00 EUR */
	ck_assert(!caf(old, 119999, 50000, 10000, NULL));
	ck_assert(caf(old, 120000, 50000, 10000, NULL));
	ck_assert(!caf(old, 100001, 50000, 10000, NULL)); /* over 450 EUR */
	/* from 2027: debt over 450.00 EUR */
	ck_assert(!caf(now, 45000, 50000, 10000, NULL));
	ck_assert(caf(now, 45001, 50000, 10000, NULL));
	ck_assert(!caf(now, 40000, 10000, 0, NULL)); /* 4 x rent no longer */
	/* or 3 months after the first missed payment, 15 October 2026 */
	struct date missed = mk(2026, 10, 15);
	ck_assert(!caf(mk(2027, 1, 14), 100, 50000, 0, &missed));
	ck_assert(caf(mk(2027, 1, 15), 100, 50000, 0, &missed));
	/* the 3-month test does not exist before 2027 */
	ck_assert(!caf(old, 100, 50000, 0, &missed));
}
END_TEST

START_TEST(test_rules_due_date_kinds)
{
	struct date due, from = mk(2024, 3, 20);
	/* delay to act: 20 March + 6 weeks = 1 May (holiday) -> 2 May */
	ck_assert_int_eq(rules_due_date(&due, RULE_PAYMENT_ORDER_TIME_TO_PAY,
					&from, &from, NULL, NULL), ERR_OK);
	ck_assert_date(due, 2024, 5, 2);
	/* waiting period: 14 May + 2 months = 14 July, kept */
	from = mk(2024, 5, 14);
	ck_assert_int_eq(rules_due_date(&due, RULE_ORDER_TO_LEAVE_DELAY, &from,
					&from, NULL, NULL), ERR_OK);
	ck_assert_date(due, 2024, 7, 14);
	/* a judge's 3 months replace the 2 */
	struct duration judge = {3, DURATION_MONTHS};
	ck_assert_int_eq(rules_due_date(&due, RULE_ORDER_TO_LEAVE_DELAY, &from,
					&from, &judge, NULL), ERR_OK);
	ck_assert_date(due, 2024, 8, 14);
	/* notice before: 12 June - 42 days = 1 May, kept */
	struct date on = mk(2024, 1, 10), hearing = mk(2024, 6, 12);
	ck_assert_int_eq(rules_due_date(&due, RULE_SUMMONS_NOTICE_TO_PREFET,
					&on, &hearing, NULL, NULL), ERR_OK);
	ck_assert_date(due, 2024, 5, 1);
	ck_assert_int_eq(rules_due_date(&due, RULE_CAF_ARREARS, &on, &on, NULL,
					NULL), ERR_INVALID);
}
END_TEST

/* ---- time to pay after a payment order ---- */

/* 28 July 2023 (old rule): + 2 months = Thursday 28 September 2023. */
START_TEST(test_time_to_pay_old_rule)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2023, 7, 28));
	add(&p, &po);
	struct date due = mk(2023, 9, 28);
	const char *n = "payment_order_time_to_pay";
	expect(&p, mk(2023, 9, 27), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2023, 9, 28), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2023, 9, 29), NULL, n, due, DEADLINE_EXPIRED);

	static const struct {
		int day;
		enum deadline_status status;
	} paid[] = {{27, DEADLINE_RUNNING}, {28, DEADLINE_RUNNING},
		    {29, DEADLINE_EXPIRED}};
	for (size_t i = 0; i < 3; i++) {
		struct procedure q = p;
		struct event settled =
			ev_make(EVENT_DEBT_SETTLED, mk(2023, 9, paid[i].day));
		add(&q, &settled);
		expect(&q, mk(2024, 1, 1), NULL, n, due, paid[i].status);
		struct deadline_list l = compute(&q, mk(2024, 1, 1), NULL);
		ck_assert(must_find(&l, n)->done);
		ck_assert_int_eq(must_find(&l, n)->done_on.d, paid[i].day);
	}
}
END_TEST

/* 29 July 2023 (new rule): + 42 days = Saturday 9 September 2023, extended
 * to Monday 11 September. */
START_TEST(test_time_to_pay_new_rule_extended)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2023, 7, 29));
	add(&p, &po);
	struct date due = mk(2023, 9, 11);
	const char *n = "payment_order_time_to_pay";
	expect(&p, mk(2023, 9, 9), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2023, 9, 10), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2023, 9, 11), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2023, 9, 12), NULL, n, due, DEADLINE_EXPIRED);

	static const struct {
		int day;
		enum deadline_status status;
	} paid[] = {{10, DEADLINE_RUNNING}, {11, DEADLINE_RUNNING},
		    {12, DEADLINE_EXPIRED}};
	for (size_t i = 0; i < 3; i++) {
		struct procedure q = p;
		struct event settled =
			ev_make(EVENT_DEBT_SETTLED, mk(2023, 9, paid[i].day));
		add(&q, &settled);
		expect(&q, mk(2023, 12, 1), NULL, n, due, paid[i].status);
	}
}
END_TEST

/* 20 March 2024 + 42 days = Wednesday 1 May (holiday) -> Thursday 2 May;
 * 10 January 2024 + 42 days = Wednesday 21 February, a working day. */
START_TEST(test_time_to_pay_holiday_and_working_day)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 3, 20));
	add(&p, &po);
	const char *n = "payment_order_time_to_pay";
	expect(&p, mk(2024, 5, 2), NULL, n, mk(2024, 5, 2), DEADLINE_RUNNING);
	expect(&p, mk(2024, 5, 3), NULL, n, mk(2024, 5, 2), DEADLINE_EXPIRED);

	procedure_init(&p);
	po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
	add(&p, &po);
	expect(&p, mk(2024, 2, 21), NULL, n, mk(2024, 2, 21), DEADLINE_RUNNING);
	expect(&p, mk(2024, 2, 22), NULL, n, mk(2024, 2, 21), DEADLINE_EXPIRED);
}
END_TEST

/* Time to pay ends 21 February 2024 (order of 10 January). */
START_TEST(test_summons_premature)
{
	for (int day = 20; day <= 22; day++) {
		struct procedure p;
		procedure_init(&p);
		struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
		add(&p, &po);
		struct event s = summons(mk(2024, 2, day), mk(2024, 6, 12));
		add(&p, &s);
		ck_assert_int_eq(flagged(&p, mk(2024, 3, 1),
					 "summons_premature"), day <= 21);
	}
}
END_TEST

/* A closed procedure keeps its deadlines, judged on its closing day. */
START_TEST(test_closed_procedure_keeps_deadlines)
{
	/* withdrawn on 21 February, the last day of the time to pay */
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
	add(&p, &po);
	struct procedure q = p;
	struct event w = ev_make(EVENT_WITHDRAWN, mk(2024, 2, 21));
	add(&q, &w);
	expect(&q, mk(2024, 6, 1), NULL, "payment_order_time_to_pay",
	       mk(2024, 2, 21), DEADLINE_RUNNING);
	/* withdrawn on 22 February: the time to pay had run out unpaid */
	q = p;
	w.date = mk(2024, 2, 22);
	add(&q, &w);
	expect(&q, mk(2024, 6, 1), NULL, "payment_order_time_to_pay",
	       mk(2024, 2, 21), DEADLINE_EXPIRED);

	/* A summons whose hearing (12 June) comes after the closing day
	 * (1 March): its notice (1 May) and diagnostic deadlines stay
	 * pending, the interview offer's (15th working day after 15 February:
	 * 7 March) too. */
	procedure_init(&q);
	add(&q, &po);
	struct event s = summons(mk(2024, 2, 15), mk(2024, 6, 12));
	add(&q, &s);
	w.date = mk(2024, 3, 1);
	add(&q, &w);
	struct deadline_list l = compute(&q, mk(2024, 9, 1), NULL);
	ck_assert_int_eq(l.count, 4);
	ck_assert_int_eq(must_find(&l, "summons_notice_to_prefet")->status,
			 DEADLINE_PENDING);
	ck_assert_int_eq(must_find(&l, "diagnostic_interview_offer")->status,
			 DEADLINE_PENDING);
	ck_assert_date(must_find(&l, "diagnostic_interview_offer")->due, 2024,
		       3, 7);
	ck_assert_int_eq(must_find(&l, "diagnostic_report")->status,
			 DEADLINE_PENDING);
	ck_assert_int_eq(must_find(&l, "payment_order_time_to_pay")->status,
			 DEADLINE_EXPIRED);
	/* closed on 8 March instead: the interview offer is late */
	procedure_init(&q);
	add(&q, &po);
	add(&q, &s);
	w.date = mk(2024, 3, 8);
	add(&q, &w);
	l = compute(&q, mk(2024, 9, 1), NULL);
	ck_assert_int_eq(must_find(&l, "diagnostic_interview_offer")->status,
			 DEADLINE_LATE);
}
END_TEST

START_TEST(test_ccapex_report_flag)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
	po.payment_order.debt_cents = 159999;
	add(&p, &po);
	ck_assert(!flagged(&p, mk(2024, 1, 11), "ccapex_report_required"));
	procedure_init(&p);
	po.payment_order.debt_cents = 160000;
	add(&p, &po);
	ck_assert(flagged(&p, mk(2024, 1, 11), "ccapex_report_required"));
	procedure_init(&p);
	po.payment_order.debt_cents = 1000;
	po.payment_order.months_unpaid = 2;
	add(&p, &po);
	ck_assert(flagged(&p, mk(2024, 1, 11), "ccapex_report_required"));
}
END_TEST

/* ---- summons notice to the prefet ---- */

static void summons_only(struct procedure *p, struct date on,
			 struct date hearing, const struct date *notified)
{
	procedure_init(p);
	struct event s = summons(on, hearing);
	if (notified != NULL) {
		s.summons.prefet_notified = true;
		s.summons.prefet_notified_on = *notified;
	}
	add(p, &s);
}

/* Summons of 29 July 2023, hearing Wednesday 15 November 2023: 6 weeks
 * before is Wednesday 4 October. */
START_TEST(test_summons_notice_new_rule)
{
	const char *n = "summons_notice_to_prefet";
	const char *f = "summons_notice_to_prefet_late";
	struct date on = mk(2023, 7, 29), hearing = mk(2023, 11, 15);
	struct date due = mk(2023, 10, 4);
	struct procedure p;
	summons_only(&p, on, hearing, NULL);
	expect(&p, mk(2023, 10, 3), NULL, n, due, DEADLINE_PENDING);
	expect(&p, mk(2023, 10, 4), NULL, n, due, DEADLINE_PENDING);
	ck_assert(!flagged(&p, mk(2023, 10, 4), f));
	expect(&p, mk(2023, 10, 5), NULL, n, due, DEADLINE_LATE);
	ck_assert(flagged(&p, mk(2023, 10, 5), f));

	static const struct {
		int day;
		enum deadline_status status;
	} sent[] = {{3, DEADLINE_MET}, {4, DEADLINE_MET}, {5, DEADLINE_LATE}};
	for (size_t i = 0; i < 3; i++) {
		struct date when = mk(2023, 10, sent[i].day);
		summons_only(&p, on, hearing, &when);
		expect(&p, mk(2023, 11, 1), NULL, n, due, sent[i].status);
		ck_assert_int_eq(flagged(&p, mk(2023, 11, 1), f),
				 sent[i].status == DEADLINE_LATE);
	}
}
END_TEST

/* Summons of 28 July 2023, same hearing: 2 months before is Friday
 * 15 September 2023. */
START_TEST(test_summons_notice_old_rule)
{
	const char *n = "summons_notice_to_prefet";
	struct date on = mk(2023, 7, 28), hearing = mk(2023, 11, 15);
	struct date due = mk(2023, 9, 15);
	struct procedure p;
	for (int day = 14; day <= 16; day++) {
		struct date when = mk(2023, 9, day);
		summons_only(&p, on, hearing, &when);
		expect(&p, mk(2023, 11, 1), NULL, n, due,
		       day <= 15 ? DEADLINE_MET : DEADLINE_LATE);
	}
}
END_TEST

/* Never extended: hearing Wednesday 12 June 2024 - 42 days = Wednesday
 * 1 May, a holiday; hearing Thursday 30 November 2023 under the old rule
 * - 2 months = Saturday 30 September. Both stay where they fall. */
START_TEST(test_summons_notice_not_extended)
{
	const char *n = "summons_notice_to_prefet";
	struct procedure p;
	struct date when = mk(2024, 5, 2);
	summons_only(&p, mk(2024, 1, 10), mk(2024, 6, 12), &when);
	expect(&p, mk(2024, 6, 1), NULL, n, mk(2024, 5, 1), DEADLINE_LATE);
	when = mk(2024, 4, 30);
	summons_only(&p, mk(2024, 1, 10), mk(2024, 6, 12), &when);
	expect(&p, mk(2024, 6, 1), NULL, n, mk(2024, 5, 1), DEADLINE_MET);

	when = mk(2023, 10, 2);
	summons_only(&p, mk(2023, 7, 20), mk(2023, 11, 30), &when);
	expect(&p, mk(2023, 11, 1), NULL, n, mk(2023, 9, 30), DEADLINE_LATE);
	summons_only(&p, mk(2023, 7, 20), mk(2023, 11, 30), NULL);
	expect(&p, mk(2023, 9, 30), NULL, n, mk(2023, 9, 30),
	       DEADLINE_PENDING);
	expect(&p, mk(2023, 10, 1), NULL, n, mk(2023, 9, 30), DEADLINE_LATE);
}
END_TEST

/* ---- social diagnostic ---- */

/* Summons Friday 26 April 2024: the 15th working day after is Thursday
 * 23 May (1, 8, 9 and 20 May are holidays). */
START_TEST(test_diagnostic_interview)
{
	const char *n = "diagnostic_interview_offer";
	struct date due = mk(2024, 5, 23);
	struct procedure p;
	summons_only(&p, mk(2024, 4, 26), mk(2024, 7, 10), NULL);
	expect(&p, mk(2024, 5, 22), NULL, n, due, DEADLINE_PENDING);
	expect(&p, mk(2024, 5, 23), NULL, n, due, DEADLINE_PENDING);
	expect(&p, mk(2024, 5, 24), NULL, n, due, DEADLINE_LATE);
	for (int day = 22; day <= 24; day++) {
		struct diagnostic_dates diag = {
			.interview_offered = true,
			.interview_offered_on = mk(2024, 5, day),
		};
		expect(&p, mk(2024, 6, 1), &diag, n, due,
		       day <= 23 ? DEADLINE_MET : DEADLINE_LATE);
	}
}
END_TEST

/* Hearing Wednesday 22 May 2024: 5 working days strictly before are 21,
 * 17, 16, 15 and 14 May (20 May is Whit Monday): due Tuesday 14 May. */
START_TEST(test_diagnostic_report)
{
	const char *n = "diagnostic_report";
	struct date due = mk(2024, 5, 14);
	struct procedure p;
	summons_only(&p, mk(2024, 3, 1), mk(2024, 5, 22), NULL);
	expect(&p, mk(2024, 5, 13), NULL, n, due, DEADLINE_PENDING);
	expect(&p, mk(2024, 5, 14), NULL, n, due, DEADLINE_PENDING);
	expect(&p, mk(2024, 5, 15), NULL, n, due, DEADLINE_LATE);
	for (int day = 13; day <= 15; day++) {
		struct diagnostic_dates diag = {
			.report_sent = true,
			.report_sent_on = mk(2024, 5, day),
		};
		expect(&p, mk(2024, 6, 1), &diag, n, due,
		       day <= 14 ? DEADLINE_MET : DEADLINE_LATE);
	}
	struct diagnostic_dates bad = {.report_sent = true,
				       .report_sent_on = mk(2024, 2, 30)};
	struct deadline_list l;
	struct err e;
	err_clear(&e);
	struct date today = mk(2024, 6, 1);
	ck_assert_int_eq(deadlines_compute(&l, &p, &today, NULL, &bad, &e),
			 ERR_INVALID);
	ck_assert_str_eq(e.field, "report_sent_on");
	today = mk(2024, 6, 31);
	ck_assert_int_eq(deadlines_compute(&l, &p, &today, NULL, NULL, &e),
			 ERR_INVALID);
	ck_assert_str_eq(e.field, "today");
}
END_TEST

/* ---- order to leave and eviction ---- */

/* Order to leave 15 May 2024: + 2 months = Monday 15 July; eviction from
 * 16 July. */
START_TEST(test_order_to_leave_delay)
{
	const char *n = "order_to_leave_delay";
	struct date due = mk(2024, 7, 15);
	struct procedure p;
	with_order_to_leave(&p, mk(2024, 5, 15), 0, NULL);
	expect(&p, mk(2024, 7, 14), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2024, 7, 15), NULL, n, due, DEADLINE_RUNNING);
	expect(&p, mk(2024, 7, 16), NULL, n, due, DEADLINE_EXPIRED);
	struct deadline_list l = compute(&p, mk(2024, 6, 1), NULL);
	ck_assert(l.has_earliest_eviction);
	ck_assert_date(l.earliest_eviction, 2024, 7, 16);
	ck_assert(!l.has_earliest_cfp_request);

	for (int day = 14; day <= 16; day++) {
		struct procedure q = p;
		struct event left = ev_make(EVENT_HOUSEHOLD_LEFT,
					    mk(2024, 7, day));
		add(&q, &left);
		expect(&q, mk(2024, 9, 1), NULL, n, due,
		       day <= 15 ? DEADLINE_RUNNING : DEADLINE_EXPIRED);
	}
	for (int day = 14; day <= 16; day++) {
		struct procedure q = p;
		struct event ev = ev_make(EVENT_EVICTION, mk(2024, 7, day));
		add(&q, &ev);
		ck_assert_int_eq(flagged(&q, mk(2024, 9, 1),
					 "eviction_premature"), day <= 15);
	}
}
END_TEST

/* Not extended: 14 May 2024 + 2 months = Sunday 14 July (a holiday too);
 * eviction from Monday 15 July. A judge's 3 months from 15 May end on
 * 15 August, a holiday, kept; eviction from 16 August. */
START_TEST(test_order_to_leave_not_extended_and_judge_delay)
{
	const char *n = "order_to_leave_delay";
	struct procedure p;
	with_order_to_leave(&p, mk(2024, 5, 14), 0, NULL);
	expect(&p, mk(2024, 7, 15), NULL, n, mk(2024, 7, 14), DEADLINE_EXPIRED);
	struct deadline_list l = compute(&p, mk(2024, 6, 1), NULL);
	ck_assert_date(l.earliest_eviction, 2024, 7, 15);

	with_order_to_leave(&p, mk(2024, 5, 15), 3, NULL);
	expect(&p, mk(2024, 8, 15), NULL, n, mk(2024, 8, 15), DEADLINE_RUNNING);
	expect(&p, mk(2024, 8, 16), NULL, n, mk(2024, 8, 15), DEADLINE_EXPIRED);
	l = compute(&p, mk(2024, 6, 1), NULL);
	ck_assert_date(l.earliest_eviction, 2024, 8, 16);

	/* 12 months from 29 February 2024: 28 February 2025, in the truce */
	with_order_to_leave(&p, mk(2024, 2, 29), 12, NULL);
	l = compute(&p, mk(2024, 6, 1), NULL);
	ck_assert_date(must_find(&l, n)->due, 2025, 2, 28);
	ck_assert_date(l.earliest_eviction, 2025, 4, 1);
}
END_TEST

/* The earliest eviction date around the truce:
 *   30 Aug 2024 -> delay ends 30 Oct, eviction from 31 Oct (outside)
 *   31 Aug 2024 -> ends 31 Oct, from 1 Nov: in the truce -> 1 Apr 2025
 *   10 Sep 2024 -> ends 10 Nov, from 11 Nov -> 1 Apr 2025
 *   30 Jan 2025 -> ends 30 Mar, from 31 Mar -> 1 Apr 2025
 *   31 Jan 2025 -> ends 31 Mar, from 1 Apr 2025
 *    1 Feb 2025 -> ends 1 Apr, from 2 Apr 2025
 * and around days without eviction (CPCE L.141-1):
 *   31 Jan 2024 + 2 months = 31 Mar, from 1 Apr 2024, Easter Monday: 2 Apr
 *   31 Jan 2029 + 2 months = 31 Mar, from 1 Apr 2029, Sunday, then Easter
 *     Monday: 3 Apr
 *   8 Mar 2024 + 2 months = 8 May, from Thu 9 May 2024, Ascension: 10 May
 *   19 Mar 2024 + 2 months = 19 May, from Mon 20 May, Whit Monday: 21 May
 *   14 Jun 2024 + 2 months = 14 Aug, from Thu 15 Aug: Fri 16 Aug
 *   14 Jun 2026 + 2 months = 14 Aug, from Sat 15 Aug (a holiday), Sun 16:
 *     Mon 17 Aug
 *   1 Apr 2024 + 2 months = 1 Jun, from Sun 2 Jun 2024: Mon 3 Jun
 *   31 Mar 2024 + 2 months = 31 May, from Sat 1 Jun 2024: Saturday kept
 *   30 Aug 2027 + 2 months = 30 Oct, from Sun 31 Oct 2027, then 1 Nov in
 *     the truce: Sat 1 Apr 2028 */
START_TEST(test_earliest_eviction)
{
	static const struct {
		struct date otl, earliest;
	} cases[] = {
		{{2024, 8, 30}, {2024, 10, 31}},
		{{2024, 8, 31}, {2025, 4, 1}},
		{{2024, 9, 10}, {2025, 4, 1}},
		{{2025, 1, 30}, {2025, 4, 1}},
		{{2025, 1, 31}, {2025, 4, 1}},
		{{2025, 2, 1}, {2025, 4, 2}},
		{{2024, 1, 31}, {2024, 4, 2}},  {{2029, 1, 31}, {2029, 4, 3}},
		{{2024, 3, 8}, {2024, 5, 10}},  {{2024, 3, 19}, {2024, 5, 21}},
		{{2024, 6, 14}, {2024, 8, 16}}, {{2026, 6, 14}, {2026, 8, 17}},
		{{2024, 4, 1}, {2024, 6, 3}},   {{2024, 3, 31}, {2024, 6, 1}},
		{{2027, 8, 30}, {2028, 4, 1}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procedure p;
		with_order_to_leave(&p, cases[i].otl, 0, NULL);
		struct deadline_list l = compute(&p, cases[i].otl, NULL);
		ck_assert(l.has_earliest_eviction);
		ck_assert_date(l.earliest_eviction, cases[i].earliest.y,
			       cases[i].earliest.m, cases[i].earliest.d);
	}
}
END_TEST

START_TEST(test_eviction_during_truce)
{
	static const struct {
		struct date on;
		bool flag;
	} cases[] = {
		{{2024, 10, 31}, false}, {{2024, 11, 1}, true},
		{{2025, 3, 31}, true},   {{2025, 4, 1}, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procedure p;
		with_order_to_leave(&p, mk(2024, 5, 15), 0, NULL);
		struct event ev = ev_make(EVENT_EVICTION, cases[i].on);
		add(&p, &ev);
		ck_assert_int_eq(flagged(&p, mk(2025, 6, 1),
					 "eviction_during_winter_truce"),
				 cases[i].flag);
		ck_assert(!flagged(&p, mk(2025, 6, 1), "eviction_premature"));
	}
}
END_TEST

/* ---- CFP ---- */

/* Order to leave 15 May 2024 notified to the prefet 17 May: the wait ends
 * 17 July; a request may come from 18 July. */
START_TEST(test_cfp_request_premature)
{
	struct date notified = mk(2024, 5, 17);
	for (int day = 16; day <= 18; day++) {
		struct procedure p;
		with_order_to_leave(&p, mk(2024, 5, 15), 0, &notified);
		struct event req = ev_make(EVENT_CFP_REQUEST, mk(2024, 7, day));
		add(&p, &req);
		struct deadline_list l = compute(&p, mk(2024, 7, 20), NULL);
		ck_assert(l.has_earliest_cfp_request);
		ck_assert_date(l.earliest_cfp_request, 2024, 7, 18);
		ck_assert_int_eq(deadlines_has_flag(&l,
						    "cfp_request_premature"),
				 day <= 17);
	}
	/* 31 December + 2 months = 28 February 2025: from 1 March */
	struct procedure p;
	notified = mk(2024, 12, 31);
	with_order_to_leave(&p, mk(2024, 12, 30), 0, &notified);
	struct deadline_list l = compute(&p, mk(2025, 1, 5), NULL);
	ck_assert_date(l.earliest_cfp_request, 2025, 3, 1);
}
END_TEST

/* Request Monday 9 June 2025: + 2 months = Saturday 9 August, extended to
 * Monday 11 August. */
START_TEST(test_cfp_answer)
{
	const char *n = "cfp_answer";
	const char *f = "cfp_implicit_refusal";
	struct date due = mk(2025, 8, 11);
	struct procedure p;
	with_order_to_leave(&p, mk(2025, 3, 3), 0, NULL);
	struct event req = ev_make(EVENT_CFP_REQUEST, mk(2025, 6, 9));
	add(&p, &req);
	expect(&p, mk(2025, 8, 10), NULL, n, due, DEADLINE_PENDING);
	expect(&p, mk(2025, 8, 11), NULL, n, due, DEADLINE_PENDING);
	ck_assert(!flagged(&p, mk(2025, 8, 11), f));
	expect(&p, mk(2025, 8, 12), NULL, n, due, DEADLINE_LATE);
	ck_assert(flagged(&p, mk(2025, 8, 12), f));

	for (int day = 10; day <= 12; day++) {
		struct procedure q = p;
		struct event ans = ev_make(day == 11 ? EVENT_CFP_REFUSED
						     : EVENT_CFP_GRANTED,
					   mk(2025, 8, day));
		add(&q, &ans);
		expect(&q, mk(2025, 9, 1), NULL, n, due,
		       day <= 11 ? DEADLINE_MET : DEADLINE_LATE);
		ck_assert_int_eq(flagged(&q, mk(2025, 9, 1), f), day > 11);
	}
}
END_TEST

/* A new request on 12 August 2025 after the silence: its answer is due
 * 12 October, a Sunday, so Monday 13 October; the first request's implicit
 * refusal stays flagged. Request Wednesday 11 September 2024 + 2 months =
 * Monday 11 November, Armistice Day: due Tuesday 12 November. */
START_TEST(test_cfp_second_request_and_holiday)
{
	struct procedure p;
	with_order_to_leave(&p, mk(2025, 3, 3), 0, NULL);
	struct event req = ev_make(EVENT_CFP_REQUEST, mk(2025, 6, 9));
	add(&p, &req);
	req.date = mk(2025, 8, 12);
	add(&p, &req);
	struct deadline_list l = compute(&p, mk(2025, 8, 20), NULL);
	int answers = 0;
	for (int i = 0; i < l.count; i++)
		answers += strcmp(l.items[i].name, "cfp_answer") == 0;
	ck_assert_int_eq(answers, 1);
	ck_assert_date(must_find(&l, "cfp_answer")->due, 2025, 10, 13);
	ck_assert_int_eq(must_find(&l, "cfp_answer")->status, DEADLINE_PENDING);
	ck_assert(deadlines_has_flag(&l, "cfp_implicit_refusal"));

	with_order_to_leave(&p, mk(2024, 7, 1), 0, NULL);
	req.date = mk(2024, 9, 11);
	add(&p, &req);
	expect(&p, mk(2024, 11, 12), NULL, "cfp_answer", mk(2024, 11, 12),
	       DEADLINE_PENDING);
	expect(&p, mk(2024, 11, 13), NULL, "cfp_answer", mk(2024, 11, 12),
	       DEADLINE_LATE);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(deadlines_status_name(DEADLINE_MET), "met");
	ck_assert_str_eq(deadlines_status_name(DEADLINE_LATE), "late");
	ck_assert_str_eq(deadlines_status_name(DEADLINE_PENDING), "pending");
	ck_assert_str_eq(deadlines_status_name(DEADLINE_RUNNING), "running");
	ck_assert_str_eq(deadlines_status_name(DEADLINE_EXPIRED), "expired");
	ck_assert_ptr_null(deadlines_status_name(DEADLINE__STATUS_COUNT));
	struct procedure p;
	procedure_init(&p);
	struct deadline_list l = compute(&p, mk(2024, 1, 1), NULL);
	ck_assert_int_eq(l.count, 0);
	ck_assert_int_eq(l.flag_count, 0);
}
END_TEST

/* ---- the lease decides the time to pay (Cass. avis 24-70.002) ---- */

#define BASIS_2M "loi 89-462 art. 24"
#define BASIS_6W "loi 89-462 art. 24, loi 2023-668 art. 10"
#define BASIS_KEPT "loi 89-462 art. 24; Cass. avis 24-70.002"
#define BASIS_UNKNOWN                                                       \
	"loi 89-462 art. 24; lease date unknown: the longer delay "         \
	"(Cass. avis 24-70.002)"

/* lease {0}: unknown. Due dates worked out by hand:
 *   28 Jul 2023 + 2 months = Thu 28 Sep 2023
 *   29 Jul 2023 + 2 months = Fri 29 Sep 2023
 *   29 Jul 2023 + 42 days = Sat 9 Sep 2023 -> Mon 11 Sep
 *   10 Mar 2025 + 2 months = Sat 10 May 2025 -> Mon 12 May
 *   10 Mar 2025 + 42 days = Mon 21 Apr 2025, Easter Monday -> Tue 22 Apr
 *   16 Jun 2025 + 2 months = Sat 16 Aug 2025 -> Mon 18 Aug
 *   16 Jun 2025 + 42 days = Mon 28 Jul 2025 */
START_TEST(test_time_to_pay_follows_lease)
{
	static const struct {
		struct date act, lease, due;
		struct date version;
		const char *basis;
		bool unknown;
	} cases[] = {
		{{2023, 7, 28}, {2023, 7, 28}, {2023, 9, 28}, {1989, 7, 8},
		 BASIS_2M, false},
		{{2023, 7, 28}, {0, 0, 0}, {2023, 9, 28}, {1989, 7, 8},
		 BASIS_2M, true},
		{{2023, 7, 29}, {2023, 7, 29}, {2023, 9, 11}, {2023, 7, 29},
		 BASIS_6W, false},
		{{2023, 7, 29}, {2023, 7, 28}, {2023, 9, 29}, {1989, 7, 8},
		 BASIS_KEPT, false},
		{{2023, 7, 29}, {0, 0, 0}, {2023, 9, 29}, {1989, 7, 8},
		 BASIS_UNKNOWN, true},
		{{2025, 3, 10}, {2023, 7, 28}, {2025, 5, 12}, {1989, 7, 8},
		 BASIS_KEPT, false},
		{{2025, 3, 10}, {2023, 7, 29}, {2025, 4, 22}, {2023, 7, 29},
		 BASIS_6W, false},
		{{2025, 3, 10}, {1995, 1, 1}, {2025, 5, 12}, {1989, 7, 8},
		 BASIS_KEPT, false},
		{{2025, 3, 10}, {0, 0, 0}, {2025, 5, 12}, {1989, 7, 8},
		 BASIS_UNKNOWN, true},
		{{2025, 6, 16}, {2025, 6, 16}, {2025, 7, 28}, {2023, 7, 29},
		 BASIS_6W, false},
		{{2025, 6, 16}, {2023, 7, 28}, {2025, 8, 18}, {1989, 7, 8},
		 BASIS_KEPT, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procedure p;
		procedure_init(&p);
		struct event po = ev_make(EVENT_PAYMENT_ORDER, cases[i].act);
		po.payment_order.lease_known = !cases[i].unknown;
		po.payment_order.lease_signed_on = cases[i].lease;
		add(&p, &po);
		struct deadline_list l = compute(&p, cases[i].act, NULL);
		const struct deadline *d =
			must_find(&l, "payment_order_time_to_pay");
		ck_assert_msg(d->due.y == cases[i].due.y &&
				      d->due.m == cases[i].due.m &&
				      d->due.d == cases[i].due.d,
			      "case %zu: due %04d-%02d-%02d", i, d->due.y,
			      d->due.m, d->due.d);
		ck_assert_int_eq(d->kind, DEADLINE_FOR_PARTY);
		ck_assert_int_eq(d->status, DEADLINE_RUNNING);
		ck_assert_int_eq(d->rule.id, RULE_PAYMENT_ORDER_TIME_TO_PAY);
		ck_assert_date(d->rule.version, cases[i].version.y,
			       cases[i].version.m, cases[i].version.d);
		ck_assert_str_eq(d->rule.basis, cases[i].basis);
		ck_assert_int_eq(deadlines_has_flag(&l, "lease_date_unknown"),
				 cases[i].unknown);
		/* the day after the due day, the delay has expired */
		struct date after;
		date_add_days(&after, &cases[i].due, 1);
		l = compute(&p, after, NULL);
		ck_assert_int_eq(must_find(&l, "payment_order_time_to_pay")
					 ->status,
				 DEADLINE_EXPIRED);
	}
}
END_TEST

static const struct deadline *time_to_pay_with(struct deadline_list *l,
					       struct date act,
					       const struct date *own,
					       const struct date *household)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, act);
	po.payment_order.lease_known = own != NULL;
	if (own != NULL)
		po.payment_order.lease_signed_on = *own;
	add(&p, &po);
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(deadlines_compute(l, &p, &act, household, NULL, &e),
			 ERR_OK);
	return must_find(l, "payment_order_time_to_pay");
}

/* Act 10 March 2025 without its own lease date: the household's decides,
 * unless it is after the act (a renewal since); the act's own wins. */
START_TEST(test_time_to_pay_household_lease)
{
	struct deadline_list l;
	struct date act = mk(2025, 3, 10);
	struct date old = mk(2023, 7, 28), new = mk(2023, 7, 29);
	struct date later = mk(2025, 3, 11), same = mk(2025, 3, 10);
	const struct deadline *d = time_to_pay_with(&l, act, NULL, &new);
	ck_assert_date(d->due, 2025, 4, 22);
	ck_assert(!deadlines_has_flag(&l, "lease_date_unknown"));
	d = time_to_pay_with(&l, act, NULL, &old);
	ck_assert_date(d->due, 2025, 5, 12);
	ck_assert_str_eq(d->rule.basis, BASIS_KEPT);
	d = time_to_pay_with(&l, act, NULL, &same);
	ck_assert_date(d->due, 2025, 4, 22);
	d = time_to_pay_with(&l, act, NULL, &later);
	ck_assert_date(d->due, 2025, 5, 12);
	ck_assert_str_eq(d->rule.basis, BASIS_UNKNOWN);
	ck_assert(deadlines_has_flag(&l, "lease_date_unknown"));
	d = time_to_pay_with(&l, act, &old, &new);
	ck_assert_date(d->due, 2025, 5, 12);
	d = time_to_pay_with(&l, act, &new, &old);
	ck_assert_date(d->due, 2025, 4, 22);

	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, act);
	add(&p, &po);
	struct date bad = mk(2025, 2, 30);
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(deadlines_compute(&l, &p, &act, &bad, NULL, &e),
			 ERR_INVALID);
	ck_assert_str_eq(e.field, "lease_signed_on");
}
END_TEST

/* A payment order's lease is on or before it. */
START_TEST(test_lease_after_act_refused)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2025, 3, 10));
	po.payment_order.lease_signed_on = mk(2025, 3, 11);
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(procedure_apply_event(&p, &po, &e), ERR_UNPROCESSABLE);
	ck_assert_str_eq(e.field, "lease_signed_on");
	po.payment_order.lease_signed_on = mk(2025, 2, 30);
	ck_assert_int_eq(procedure_apply_event(&p, &po, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "lease_signed_on");
	po.payment_order.lease_signed_on = mk(2025, 3, 10);
	ck_assert_int_eq(procedure_apply_event(&p, &po, &e), ERR_OK);

	struct date due, act = mk(2025, 3, 10), lease = mk(2025, 3, 11);
	struct rule_applied r;
	ck_assert_int_eq(rules_time_to_pay(&due, &r, &act, &lease, &e),
			 ERR_INVALID);
	ck_assert_str_eq(e.field, "lease_signed_on");
}
END_TEST

/* Each deadline names its rule, version and basis; the procedural delays
 * follow the act's date whatever the lease. */
START_TEST(test_rule_members)
{
	static const struct {
		const char *name, *rule;
		struct date version;
		const char *basis;
		enum deadline_kind kind;
	} before[] = {
		{"summons_notice_to_prefet", "summons_notice_to_prefet",
		 {1989, 7, 8}, "loi 89-462 art. 24 III", DEADLINE_ON_ACTOR},
		{"diagnostic_interview_offer", "diagnostic_interview_offer",
		 {2021, 1, 8}, "decret 2021-8", DEADLINE_ON_ACTOR},
		{"diagnostic_report", "diagnostic_report_notice",
		 {2021, 1, 8}, "decret 2021-8", DEADLINE_ON_ACTOR},
		{"order_to_leave_delay", "order_to_leave_delay",
		 {2012, 6, 1}, "CPCE L.412-1", DEADLINE_FOR_PARTY},
		{"cfp_answer", "cfp_answer", {2012, 6, 1}, "CPCE R.153-1",
		 DEADLINE_ON_ACTOR},
	};
	/* order to leave 1 June 2023: the payment order 300 days before, the
	 * summons (4 October 2022) before 29 July 2023 */
	struct procedure p;
	with_order_to_leave(&p, mk(2023, 6, 1), 0, NULL);
	struct event req = ev_make(EVENT_CFP_REQUEST, mk(2023, 8, 2));
	add(&p, &req);
	struct deadline_list l = compute(&p, mk(2023, 8, 3), NULL);
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		const struct deadline *d = must_find(&l, before[i].name);
		ck_assert_str_eq(rules_id_name(d->rule.id), before[i].rule);
		ck_assert_date(d->rule.version, before[i].version.y,
			       before[i].version.m, before[i].version.d);
		ck_assert_str_eq(d->rule.basis, before[i].basis);
		ck_assert_int_eq(d->kind, before[i].kind);
	}
	/* a summons on 29 July 2023 comes under loi 2023-668, whatever the
	 * lease: a payment order with a lease of 1 January 2020 */
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2023, 5, 2));
	po.payment_order.lease_signed_on = mk(2020, 1, 1);
	add(&p, &po);
	struct event s = summons(mk(2023, 7, 29), mk(2023, 11, 30));
	add(&p, &s);
	l = compute(&p, mk(2023, 8, 1), NULL);
	const struct deadline *d = must_find(&l, "summons_notice_to_prefet");
	ck_assert_date(d->due, 2023, 10, 19);
	ck_assert_date(d->rule.version, 2023, 7, 29);
	ck_assert_str_eq(d->rule.basis,
			 "loi 89-462 art. 24 III, loi 2023-668 art. 10");
	ck_assert_str_eq(rules_id_name(RULE_CAF_ARREARS), "caf_arrears");
	ck_assert_ptr_null(rules_id_name(RULE__COUNT));
}
END_TEST

/* An eviction on a Sunday or a holiday is recorded and flagged. */
START_TEST(test_eviction_on_sunday_or_holiday)
{
	static const struct {
		struct date on;
		bool flag;
	} cases[] = {
		{{2025, 4, 21}, true},  /* Easter Monday */
		{{2025, 4, 22}, false},
		{{2025, 5, 29}, true},  /* Ascension */
		{{2025, 6, 9}, true},   /* Whit Monday */
		{{2025, 8, 15}, true},  {{2025, 8, 16}, false}, /* Saturday */
		{{2025, 8, 17}, true},  /* Sunday */
		{{2025, 7, 14}, true},  {{2025, 10, 31}, false},
		{{2025, 11, 1}, true},  {{2025, 11, 11}, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procedure p;
		with_order_to_leave(&p, mk(2025, 1, 15), 0, NULL);
		struct event ev = ev_make(EVENT_EVICTION, cases[i].on);
		add(&p, &ev);
		ck_assert_msg(flagged(&p, mk(2026, 1, 1),
				      "eviction_on_sunday_or_holiday") ==
				      cases[i].flag,
			      "case %zu", i);
	}
}
END_TEST

/* Every rule keyed on the act, on both sides of 29 July 2023: the
 * summons notice (hearing Wednesday 15 November 2023: 2 months before is
 * Friday 15 September, 6 weeks Wednesday 4 October) and the bailiff's
 * report threshold (none before the law); the time to pay of a lease of the
 * act's day (28 Jul + 2 months = Thu 28 Sep; 29 Jul + 6 weeks = Sat 9 Sep,
 * so Mon 11 Sep). */
START_TEST(test_act_rules_around_29_july_2023)
{
	static const struct {
		struct date on, notice, time_to_pay;
		struct date version;
		bool report;
	} cases[] = {
		{{2023, 7, 28}, {2023, 9, 15}, {2023, 9, 28}, {1989, 7, 8},
		 false},
		{{2023, 7, 29}, {2023, 10, 4}, {2023, 9, 11}, {2023, 7, 29},
		 true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procedure p;
		procedure_init(&p);
		struct event po = ev_make(EVENT_PAYMENT_ORDER, cases[i].on);
		po.payment_order.debt_cents = 160000; /* 2 x 800.00 EUR */
		add(&p, &po);
		struct event s = summons(cases[i].on, mk(2023, 11, 15));
		add(&p, &s);
		struct deadline_list l = compute(&p, cases[i].on, NULL);
		const struct deadline *n =
			must_find(&l, "summons_notice_to_prefet");
		ck_assert_date(n->due, cases[i].notice.y, cases[i].notice.m,
			       cases[i].notice.d);
		ck_assert_date(n->rule.version, cases[i].version.y,
			       cases[i].version.m, cases[i].version.d);
		const struct deadline *t =
			must_find(&l, "payment_order_time_to_pay");
		ck_assert_date(t->due, cases[i].time_to_pay.y,
			       cases[i].time_to_pay.m, cases[i].time_to_pay.d);
		ck_assert_date(t->rule.version, cases[i].version.y,
			       cases[i].version.m, cases[i].version.d);
		ck_assert_int_eq(
			deadlines_has_flag(&l, "ccapex_report_required"),
			cases[i].report);
	}
}
END_TEST

static Suite *deadlines_suite(void)
{
	Suite *s = suite_create("deadlines");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, test_rules_versions);
	tcase_add_test(tc, test_caf_arrears);
	tcase_add_test(tc, test_rules_due_date_kinds);
	suite_add_tcase(s, tc);

	tc = tcase_create("payment_order");
	tcase_add_test(tc, test_time_to_pay_old_rule);
	tcase_add_test(tc, test_time_to_pay_new_rule_extended);
	tcase_add_test(tc, test_time_to_pay_holiday_and_working_day);
	tcase_add_test(tc, test_summons_premature);
	tcase_add_test(tc, test_closed_procedure_keeps_deadlines);
	tcase_add_test(tc, test_ccapex_report_flag);
	tcase_add_test(tc, test_time_to_pay_follows_lease);
	tcase_add_test(tc, test_time_to_pay_household_lease);
	tcase_add_test(tc, test_lease_after_act_refused);
	tcase_add_test(tc, test_rule_members);
	tcase_add_test(tc, test_act_rules_around_29_july_2023);
	suite_add_tcase(s, tc);

	tc = tcase_create("summons");
	tcase_add_test(tc, test_summons_notice_new_rule);
	tcase_add_test(tc, test_summons_notice_old_rule);
	tcase_add_test(tc, test_summons_notice_not_extended);
	tcase_add_test(tc, test_diagnostic_interview);
	tcase_add_test(tc, test_diagnostic_report);
	suite_add_tcase(s, tc);

	tc = tcase_create("eviction");
	tcase_add_test(tc, test_order_to_leave_delay);
	tcase_add_test(tc, test_order_to_leave_not_extended_and_judge_delay);
	tcase_add_test(tc, test_earliest_eviction);
	tcase_add_test(tc, test_eviction_during_truce);
	tcase_add_test(tc, test_eviction_on_sunday_or_holiday);
	tcase_add_test(tc, test_cfp_request_premature);
	tcase_add_test(tc, test_cfp_answer);
	tcase_add_test(tc, test_cfp_second_request_and_holiday);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deadlines_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
