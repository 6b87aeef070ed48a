/* The procedure state machine. The transition table below is written from
 * the law and the brief, not derived from the implementation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/procedure.h"

static struct date mk(int y, int m, int d)
{
	return (struct date){y, m, d};
}

static struct date plus(struct date d, int days)
{
	date_add_days(&d, &d, days);
	return d;
}

/* An event with valid data for its kind. */
static struct event ev_make(enum event_kind kind, struct date on)
{
	struct event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.date = on;
	switch (kind) {
	case EVENT_PAYMENT_ORDER:
		ev.payment_order.debt_cents = 300000;
		ev.payment_order.rent_cents = 80000;
		ev.payment_order.months_unpaid = -1;
		break;
	case EVENT_SUMMONS:
		ev.summons.hearing_date = plus(on, 60);
		snprintf(ev.summons.court, sizeof(ev.summons.court),
			 "Tribunal judiciaire d'Evry-Courcouronnes");
		break;
	case EVENT_JUDGMENT:
		ev.judgment.outcome = JUDGMENT_TERMINATION_AND_EVICTION;
		break;
	default:
		break;
	}
	return ev;
}

static struct event judgment(struct date on, enum judgment_outcome o)
{
	struct event ev = ev_make(EVENT_JUDGMENT, on);
	ev.judgment.outcome = o;
	ev.judgment.delay_months = o == JUDGMENT_PAYMENT_DELAYS ? 12 : 0;
	return ev;
}

static struct event eviction(struct date on, bool with_cfp)
{
	struct event ev = ev_make(EVENT_EVICTION, on);
	ev.eviction.with_cfp = with_cfp;
	return ev;
}

static void apply_ok(struct procedure *p, const struct event *ev)
{
	struct err e;
	err_clear(&e);
	int rc = procedure_apply_event(p, ev, &e);
	ck_assert_msg(rc == ERR_OK, "refused %s: %s (%s)",
		      procedure_kind_name(ev->kind), e.message, e.field);
}

static void apply_refused(struct procedure *p, const struct event *ev,
			  enum err_code code, const char *field)
{
	struct procedure before = *p;
	struct err e;
	err_clear(&e);
	int rc = procedure_apply_event(p, ev, &e);
	ck_assert_msg(rc == (int)code, "%s: got %d, expected %d (%s)",
		      procedure_kind_name(ev->kind), rc, (int)code, e.message);
	ck_assert_str_eq(e.field, field);
	ck_assert_int_eq(e.code, code);
	ck_assert(e.message[0] != '\0');
	ck_assert(strchr(e.message, '\n') == NULL);
	ck_assert_msg(memcmp(&before, p, sizeof(before)) == 0,
		      "a refused event changed the procedure");
}

/* ---- the transition table ---- */

enum {
	ST_NONE,
	ST_PAYMENT_ORDER,
	ST_SUMMONS,
	ST_JUDGMENT_TERMINATION,
	ST_JUDGMENT_DELAYS,
	ST_JUDGMENT_DISMISSED,
	ST_ORDER_TO_LEAVE,
	ST_CFP_REQUEST,
	ST_CFP_GRANTED,
	ST_CFP_REFUSED,
	ST_EVICTED,
	ST_CLOSED_EARLY,
	ST__COUNT
};

enum {
	P_PAYMENT_ORDER,
	P_SUMMONS,
	P_JUDGMENT_TERMINATION,
	P_JUDGMENT_DELAYS,
	P_JUDGMENT_DISMISSED,
	P_ORDER_TO_LEAVE,
	P_CFP_REQUEST,
	P_CFP_GRANTED,
	P_CFP_REFUSED,
	P_EVICTION_WITH_CFP,
	P_EVICTION_WITHOUT_CFP,
	P_DEBT_SETTLED,
	P_PLAN_RESPECTED,
	P_WITHDRAWN,
	P_HOUSEHOLD_LEFT,
	P_OVER_INDEBTEDNESS,
	P__COUNT
};

/* Y accepted; K refused on "kind"; W refused on "with_cfp".
 * Columns: PO SU JT JD JX OL CR CG CF EC EV DS PR WD HL OI */
static const char *const table[ST__COUNT] = {
	[ST_NONE]                 = "YYKKKKKKKKKKKKKK",
	[ST_PAYMENT_ORDER]        = "KYKKKKKKKKKYKYYY",
	[ST_SUMMONS]              = "KKYYYKKKKKKYKYYY",
	[ST_JUDGMENT_TERMINATION] = "KKKKKYKKKKKYKYYY",
	[ST_JUDGMENT_DELAYS]      = "KKKKKYKKKKKYYYYY",
	[ST_JUDGMENT_DISMISSED]   = "KKKKKKKKKKKKKKKK",
	[ST_ORDER_TO_LEAVE]       = "KKKKKKYKKWYYKYYY",
	[ST_CFP_REQUEST]          = "KKKKKKYYYWYYKYYY",
	[ST_CFP_GRANTED]          = "KKKKKKKKKYYYKYYY",
	[ST_CFP_REFUSED]          = "KKKKKKYKKWYYKYYY",
	[ST_EVICTED]              = "KKKKKKKKKKKKKKKK",
	[ST_CLOSED_EARLY]         = "KKKKKKKKKKKKKKKK",
};

static struct event probe_event(int probe, struct date on)
{
	switch (probe) {
	case P_PAYMENT_ORDER: return ev_make(EVENT_PAYMENT_ORDER, on);
	case P_SUMMONS: return ev_make(EVENT_SUMMONS, on);
	case P_JUDGMENT_TERMINATION:
		return judgment(on, JUDGMENT_TERMINATION_AND_EVICTION);
	case P_JUDGMENT_DELAYS: return judgment(on, JUDGMENT_PAYMENT_DELAYS);
	case P_JUDGMENT_DISMISSED: return judgment(on, JUDGMENT_DISMISSED);
	case P_ORDER_TO_LEAVE: return ev_make(EVENT_ORDER_TO_LEAVE, on);
	case P_CFP_REQUEST: return ev_make(EVENT_CFP_REQUEST, on);
	case P_CFP_GRANTED: return ev_make(EVENT_CFP_GRANTED, on);
	case P_CFP_REFUSED: return ev_make(EVENT_CFP_REFUSED, on);
	case P_EVICTION_WITH_CFP: return eviction(on, true);
	case P_EVICTION_WITHOUT_CFP: return eviction(on, false);
	case P_DEBT_SETTLED: return ev_make(EVENT_DEBT_SETTLED, on);
	case P_PLAN_RESPECTED: return ev_make(EVENT_PLAN_RESPECTED, on);
	case P_WITHDRAWN: return ev_make(EVENT_WITHDRAWN, on);
	case P_HOUSEHOLD_LEFT: return ev_make(EVENT_HOUSEHOLD_LEFT, on);
	default: return ev_make(EVENT_OVER_INDEBTEDNESS, on);
	}
}

/* Builds the state with events 100 days apart, past every answer delay;
 * returns the date of the last one. */
static struct date build_state(struct procedure *p, int state)
{
	static const int paths[ST__COUNT][8] = {
		[ST_NONE] = {-1},
		[ST_PAYMENT_ORDER] = {P_PAYMENT_ORDER, -1},
		[ST_SUMMONS] = {P_PAYMENT_ORDER, P_SUMMONS, -1},
		[ST_JUDGMENT_TERMINATION] = {P_PAYMENT_ORDER, P_SUMMONS,
					     P_JUDGMENT_TERMINATION, -1},
		[ST_JUDGMENT_DELAYS] = {P_PAYMENT_ORDER, P_SUMMONS,
					P_JUDGMENT_DELAYS, -1},
		[ST_JUDGMENT_DISMISSED] = {P_PAYMENT_ORDER, P_SUMMONS,
					   P_JUDGMENT_DISMISSED, -1},
		[ST_ORDER_TO_LEAVE] = {P_PAYMENT_ORDER, P_SUMMONS,
				       P_JUDGMENT_TERMINATION, P_ORDER_TO_LEAVE,
				       -1},
		[ST_CFP_REQUEST] = {P_PAYMENT_ORDER, P_SUMMONS,
				    P_JUDGMENT_TERMINATION, P_ORDER_TO_LEAVE,
				    P_CFP_REQUEST, -1},
		[ST_CFP_GRANTED] = {P_PAYMENT_ORDER, P_SUMMONS,
				    P_JUDGMENT_TERMINATION, P_ORDER_TO_LEAVE,
				    P_CFP_REQUEST, P_CFP_GRANTED, -1},
		[ST_CFP_REFUSED] = {P_PAYMENT_ORDER, P_SUMMONS,
				    P_JUDGMENT_TERMINATION, P_ORDER_TO_LEAVE,
				    P_CFP_REQUEST, P_CFP_REFUSED, -1},
		[ST_EVICTED] = {P_PAYMENT_ORDER, P_SUMMONS,
				P_JUDGMENT_TERMINATION, P_ORDER_TO_LEAVE,
				P_CFP_REQUEST, P_CFP_GRANTED,
				P_EVICTION_WITH_CFP, -1},
		[ST_CLOSED_EARLY] = {P_PAYMENT_ORDER, P_SUMMONS, P_WITHDRAWN,
				     -1},
	};
	procedure_init(p);
	struct date on = mk(2024, 1, 10);
	for (int i = 0; paths[state][i] >= 0; i++) {
		struct event ev = probe_event(paths[state][i], on);
		apply_ok(p, &ev);
		on = plus(on, 100);
	}
	return on;
}

START_TEST(test_transition_table)
{
	int state = _i / P__COUNT, probe = _i % P__COUNT;
	struct procedure *p = malloc(sizeof(*p));
	ck_assert_ptr_nonnull(p);
	struct date on = build_state(p, state);
	struct event ev = probe_event(probe, on);
	char want = table[state][probe];
	if (want == 'Y') {
		int acts = p->act_count;
		apply_ok(p, &ev);
		ck_assert_int_eq(p->act_count, acts + 1);
		ck_assert_int_eq(p->log_count, acts + 1);
	} else {
		apply_refused(p, &ev, ERR_UNPROCESSABLE,
			      want == 'W' ? "with_cfp" : "kind");
	}
	free(p);
}
END_TEST

/* Where each accepted probe leads: (stage, status). */
START_TEST(test_resulting_states)
{
	static const struct {
		int state, probe;
		enum procedure_stage stage;
		enum procedure_status status;
	} cases[] = {
		{ST_NONE, P_PAYMENT_ORDER, STAGE_PAYMENT_ORDER, PROCEDURE_OPEN},
		{ST_NONE, P_SUMMONS, STAGE_SUMMONS, PROCEDURE_OPEN},
		{ST_SUMMONS, P_JUDGMENT_DELAYS, STAGE_JUDGMENT,
		 PROCEDURE_SUSPENDED},
		{ST_SUMMONS, P_JUDGMENT_DISMISSED, STAGE_JUDGMENT,
		 PROCEDURE_CLOSED},
		{ST_SUMMONS, P_JUDGMENT_TERMINATION, STAGE_JUDGMENT,
		 PROCEDURE_OPEN},
		{ST_JUDGMENT_DELAYS, P_ORDER_TO_LEAVE, STAGE_ORDER_TO_LEAVE,
		 PROCEDURE_OPEN},
		{ST_JUDGMENT_DELAYS, P_PLAN_RESPECTED, STAGE_JUDGMENT,
		 PROCEDURE_CLOSED},
		{ST_CFP_REQUEST, P_CFP_REFUSED, STAGE_CFP_REFUSED,
		 PROCEDURE_OPEN},
		{ST_CFP_REFUSED, P_CFP_REQUEST, STAGE_CFP_REQUEST,
		 PROCEDURE_OPEN},
		{ST_CFP_GRANTED, P_EVICTION_WITH_CFP, STAGE_EVICTION,
		 PROCEDURE_CLOSED},
		{ST_ORDER_TO_LEAVE, P_EVICTION_WITHOUT_CFP, STAGE_EVICTION,
		 PROCEDURE_CLOSED},
		{ST_PAYMENT_ORDER, P_DEBT_SETTLED, STAGE_PAYMENT_ORDER,
		 PROCEDURE_CLOSED},
		{ST_CFP_REQUEST, P_OVER_INDEBTEDNESS, STAGE_CFP_REQUEST,
		 PROCEDURE_CLOSED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procedure p;
		struct date on = build_state(&p, cases[i].state);
		struct event ev = probe_event(cases[i].probe, on);
		apply_ok(&p, &ev);
		ck_assert_int_eq(p.state.stage, cases[i].stage);
		ck_assert_int_eq(p.state.status, cases[i].status);
		if (cases[i].status == PROCEDURE_CLOSED)
			ck_assert_int_eq(p.state.closed_by, ev.kind);
	}
}
END_TEST

/* ---- chronology ---- */

START_TEST(test_date_before_previous_stage)
{
	static const int path[] = {P_PAYMENT_ORDER, P_SUMMONS,
				   P_JUDGMENT_TERMINATION, P_ORDER_TO_LEAVE,
				   P_CFP_REQUEST, P_CFP_GRANTED,
				   P_EVICTION_WITH_CFP};
	struct procedure p;
	procedure_init(&p);
	struct date on = mk(2024, 3, 1);
	struct event first = probe_event(path[0], on);
	apply_ok(&p, &first);
	for (size_t i = 1; i < sizeof(path) / sizeof(path[0]); i++) {
		struct event early = probe_event(path[i], plus(on, -1));
		apply_refused(&p, &early, ERR_UNPROCESSABLE, "date");
		/* the same day as the previous stage is possible */
		struct event same = probe_event(path[i], on);
		apply_ok(&p, &same);
	}
	ck_assert_int_eq(p.state.stage, STAGE_EVICTION);
}
END_TEST

START_TEST(test_ending_before_previous_stage)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 3, 1));
	apply_ok(&p, &po);
	struct event settled = ev_make(EVENT_DEBT_SETTLED, mk(2024, 2, 29));
	apply_refused(&p, &settled, ERR_UNPROCESSABLE, "date");
	settled.date = mk(2024, 3, 1);
	apply_ok(&p, &settled);
}
END_TEST

/* A CFP request on Monday 9 June 2025: the answer is due 9 August, a
 * Saturday, extended to Monday 11 August. A new request needs the silence to
 * have run out: 12 August at the earliest. */
START_TEST(test_new_cfp_request_after_silence)
{
	struct procedure p;
	struct date on = build_state(&p, ST_ORDER_TO_LEAVE);
	ck_assert_int_lt(date_cmp(&on, &(struct date){2025, 6, 9}), 0);
	struct event req = ev_make(EVENT_CFP_REQUEST, mk(2025, 6, 9));
	apply_ok(&p, &req);
	struct event again = ev_make(EVENT_CFP_REQUEST, mk(2025, 8, 11));
	apply_refused(&p, &again, ERR_UNPROCESSABLE, "date");
	again.date = mk(2025, 8, 12);
	apply_ok(&p, &again);
	ck_assert_int_eq(p.state.stage, STAGE_CFP_REQUEST);
}
END_TEST

/* ---- event data ---- */

START_TEST(test_event_data_checked)
{
	struct procedure p;
	procedure_init(&p);
	struct date on = mk(2024, 3, 1);

	struct event ev = ev_make(EVENT_PAYMENT_ORDER, on);
	ev.payment_order.debt_cents = 0;
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "debt_cents");
	ev = ev_make(EVENT_PAYMENT_ORDER, on);
	ev.payment_order.rent_cents = 0;
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "rent_cents");
	ev = ev_make(EVENT_PAYMENT_ORDER, on);
	ev.payment_order.months_unpaid = -2;
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "months_unpaid");
	ev = ev_make(EVENT_PAYMENT_ORDER, mk(2023, 2, 29));
	apply_refused(&p, &ev, ERR_INVALID, "date");
	ev = ev_make(EVENT_PAYMENT_ORDER, on);
	ev.kind = (enum event_kind)99;
	apply_refused(&p, &ev, ERR_INVALID, "kind");

	ev = ev_make(EVENT_SUMMONS, on);
	ev.summons.hearing_date = on;
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "hearing_on");
	ev = ev_make(EVENT_SUMMONS, on);
	ev.summons.hearing_date = mk(2024, 4, 31);
	apply_refused(&p, &ev, ERR_INVALID, "hearing_on");
	ev = ev_make(EVENT_SUMMONS, on);
	ev.summons.court[0] = '\0';
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "court");
	ev = ev_make(EVENT_SUMMONS, on);
	memset(ev.summons.court, 'x', sizeof(ev.summons.court));
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "court");
	ev = ev_make(EVENT_SUMMONS, on);
	ev.summons.prefet_notified = true;
	ev.summons.prefet_notified_on = plus(on, -1);
	apply_refused(&p, &ev, ERR_UNPROCESSABLE, "prefet_notified_on");
	ev.summons.prefet_notified_on = on;
	apply_ok(&p, &ev);

	struct event j = judgment(on, JUDGMENT_PAYMENT_DELAYS);
	j.judgment.delay_months = 0;
	apply_refused(&p, &j, ERR_UNPROCESSABLE, "delay_months");
	j.judgment.delay_months = 37;
	apply_refused(&p, &j, ERR_UNPROCESSABLE, "delay_months");
	j = judgment(on, JUDGMENT_TERMINATION_AND_EVICTION);
	j.judgment.delay_months = 3;
	apply_refused(&p, &j, ERR_UNPROCESSABLE, "delay_months");
	j.judgment.outcome = (enum judgment_outcome)7;
	apply_refused(&p, &j, ERR_INVALID, "outcome");
	j = judgment(on, JUDGMENT_PAYMENT_DELAYS);
	j.judgment.delay_months = 36;
	apply_ok(&p, &j);

	struct event o = ev_make(EVENT_ORDER_TO_LEAVE, on);
	o.order_to_leave.delay_months = 13;
	apply_refused(&p, &o, ERR_UNPROCESSABLE, "delay_months");
	o.order_to_leave.delay_months = -1;
	apply_refused(&p, &o, ERR_UNPROCESSABLE, "delay_months");
	o.order_to_leave.delay_months = 12;
	o.order_to_leave.prefet_notified = true;
	o.order_to_leave.prefet_notified_on = mk(2024, 2, 30);
	apply_refused(&p, &o, ERR_INVALID, "prefet_notified_on");
	o.order_to_leave.prefet_notified_on = plus(on, 3);
	apply_ok(&p, &o);
}
END_TEST

START_TEST(test_payment_delays_bounds)
{
	for (int months = 1; months <= 36; months += 35) {
		struct procedure p;
		struct date on = build_state(&p, ST_SUMMONS);
		struct event j = judgment(on, JUDGMENT_PAYMENT_DELAYS);
		j.judgment.delay_months = months;
		apply_ok(&p, &j);
		ck_assert_int_eq(p.state.status, PROCEDURE_SUSPENDED);
	}
}
END_TEST

/* ---- corrections ---- */

START_TEST(test_correction_replaces_data)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 3, 1));
	apply_ok(&p, &po);
	struct event fix = po;
	fix.correction = true;
	fix.corrects = 0;
	fix.payment_order.debt_cents = 123456;
	apply_ok(&p, &fix);
	ck_assert_int_eq(p.log_count, 2);
	ck_assert_int_eq(p.act_count, 1);
	ck_assert_int_eq(procedure_act(&p, 0)->payment_order.debt_cents,
			 123456);
	/* the log keeps what was first recorded */
	ck_assert_int_eq(p.log[0].payment_order.debt_cents, 300000);

	/* a correction of the correction still corrects the payment order */
	struct event fix2 = fix;
	fix2.corrects = 1;
	fix2.payment_order.debt_cents = 99;
	apply_ok(&p, &fix2);
	ck_assert_int_eq(p.act_count, 1);
	ck_assert_int_eq(procedure_act(&p, 0)->payment_order.debt_cents, 99);
	ck_assert_ptr_eq(procedure_find_act(&p, EVENT_PAYMENT_ORDER),
			 procedure_act(&p, 0));
}
END_TEST

START_TEST(test_correction_refused)
{
	struct procedure p;
	struct date on = build_state(&p, ST_JUDGMENT_TERMINATION);
	(void)on;
	/* log: 0 payment order 2024-01-10, 1 summons 2024-04-19,
	 * 2 judgment 2024-07-28 */
	struct event fix = ev_make(EVENT_SUMMONS, mk(2024, 7, 29));
	fix.correction = true;
	fix.corrects = 1;
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "date");

	fix = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
	fix.correction = true;
	fix.corrects = 1;
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "kind");

	fix = ev_make(EVENT_SUMMONS, mk(2024, 4, 19));
	fix.correction = true;
	fix.corrects = 3;
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "corrects");
	fix.corrects = -1;
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "corrects");

	/* a correction moving the summons to the judgment's day is fine */
	fix.corrects = 1;
	fix.date = mk(2024, 7, 28);
	fix.summons.hearing_date = mk(2024, 9, 1);
	apply_ok(&p, &fix);
	ck_assert_int_eq(procedure_act(&p, 1)->date.m, 7);
}
END_TEST

START_TEST(test_correction_of_outcome)
{
	struct procedure p;
	struct date on = build_state(&p, ST_ORDER_TO_LEAVE);
	(void)on;
	/* a dismissal cannot be followed by the order to leave already
	 * recorded */
	struct event fix = judgment(mk(2024, 7, 28), JUDGMENT_DISMISSED);
	fix.correction = true;
	fix.corrects = 2;
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "kind");
	/* payment delays can: the plan failed */
	fix = judgment(mk(2024, 7, 28), JUDGMENT_PAYMENT_DELAYS);
	fix.correction = true;
	fix.corrects = 2;
	apply_ok(&p, &fix);
	ck_assert_int_eq(p.state.outcome, JUDGMENT_PAYMENT_DELAYS);
	ck_assert_int_eq(p.state.status, PROCEDURE_OPEN);
	ck_assert_int_eq(p.state.stage, STAGE_ORDER_TO_LEAVE);
}
END_TEST

START_TEST(test_correction_of_closed_procedure)
{
	struct procedure p;
	build_state(&p, ST_CLOSED_EARLY);
	/* log: 0 payment order, 1 summons 2024-04-19, 2 withdrawn 2024-07-28 */
	struct event fix = ev_make(EVENT_WITHDRAWN, mk(2024, 5, 2));
	fix.correction = true;
	fix.corrects = 2;
	apply_ok(&p, &fix);
	ck_assert_int_eq(p.state.status, PROCEDURE_CLOSED);
	ck_assert_int_eq(p.state.last_date.m, 5);
	fix.date = mk(2024, 4, 18);
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "date");
	/* anything but a correction is refused */
	struct event more = ev_make(EVENT_WITHDRAWN, mk(2024, 9, 1));
	apply_refused(&p, &more, ERR_UNPROCESSABLE, "kind");
}
END_TEST

START_TEST(test_replay)
{
	struct event log[6];
	log[0] = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
	log[1] = ev_make(EVENT_SUMMONS, mk(2024, 3, 1));
	log[2] = log[0];
	log[2].correction = true;
	log[2].corrects = 0;
	log[2].payment_order.debt_cents = 7777;
	log[3] = judgment(mk(2024, 5, 6), JUDGMENT_PAYMENT_DELAYS);
	log[4] = ev_make(EVENT_PLAN_RESPECTED, mk(2025, 5, 6));
	log[5] = log[1];
	log[5].correction = true;
	log[5].corrects = 1;
	log[5].date = mk(2024, 3, 4);

	struct procedure replayed, stepped;
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(procedure_replay(&replayed, log, 6, &e), ERR_OK);
	procedure_init(&stepped);
	for (int i = 0; i < 6; i++)
		apply_ok(&stepped, &log[i]);
	ck_assert(memcmp(&replayed, &stepped, sizeof(replayed)) == 0);
	ck_assert_int_eq(replayed.act_count, 4);
	ck_assert_int_eq(replayed.state.status, PROCEDURE_CLOSED);
	ck_assert_int_eq(replayed.state.closed_by, EVENT_PLAN_RESPECTED);
	ck_assert_int_eq(procedure_act(&replayed, 0)->payment_order.debt_cents,
			 7777);
	ck_assert_int_eq(procedure_act(&replayed, 1)->date.d, 4);

	/* a correction that makes the judgment precede the summons */
	log[5].date = mk(2024, 5, 7);
	log[5].summons.hearing_date = mk(2024, 8, 1);
	err_clear(&e);
	ck_assert_int_eq(procedure_replay(&replayed, log, 6, &e),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(e.field, "date");
	ck_assert_msg(strncmp(e.message, "event 5:", 8) == 0, "%s", e.message);
	ck_assert_ptr_nonnull(strstr(e.message, "event 3 (judgment)"));

	err_clear(&e);
	ck_assert_int_eq(procedure_replay(&replayed, log, 65, &e),
			 ERR_UNPROCESSABLE);
}
END_TEST

START_TEST(test_capacity)
{
	struct procedure p;
	procedure_init(&p);
	struct event po = ev_make(EVENT_PAYMENT_ORDER, mk(2024, 1, 10));
	apply_ok(&p, &po);
	struct event fix = po;
	fix.correction = true;
	fix.corrects = 0;
	for (int i = 1; i < PROCEDURE_MAX_EVENTS; i++)
		apply_ok(&p, &fix);
	ck_assert_int_eq(p.log_count, PROCEDURE_MAX_EVENTS);
	apply_refused(&p, &fix, ERR_UNPROCESSABLE, "");
}
END_TEST

/* ---- the bailiff's report to the CCAPEX ---- */

static bool report(struct date on, int64_t debt, int64_t rent, int months)
{
	struct event ev = ev_make(EVENT_PAYMENT_ORDER, on);
	ev.payment_order.debt_cents = debt;
	ev.payment_order.rent_cents = rent;
	ev.payment_order.months_unpaid = months;
	return procedure_ccapex_report_required(&ev);
}

START_TEST(test_report_threshold)
{
	struct date on = mk(2024, 1, 15);
	/* 2 x 800.00 EUR = 1,600.00 EUR */
	ck_assert(!report(on, 159999, 80000, -1));
	ck_assert(report(on, 160000, 80000, -1));
	ck_assert(report(on, 160001, 80000, -1));
	ck_assert(!report(on, 159999, 80000, 1));
	ck_assert(report(on, 1000, 80000, 2));
	ck_assert(!report(on, 1000, 80000, 1));
	ck_assert(!report(on, 1000, 80000, 0));
	/* odd rent: 2 x 333.33 = 666.66 */
	ck_assert(!report(on, 66665, 33333, -1));
	ck_assert(report(on, 66666, 33333, -1));
	/* huge amounts do not overflow */
	ck_assert(report(on, INT64_MAX, INT64_MAX / 2, -1));
	ck_assert(!report(on, INT64_MAX - 1, INT64_MAX / 2 + 1, -1));
	/* the 2023 law: nothing before 29 July 2023 */
	ck_assert(!report(mk(2023, 7, 28), 500000, 80000, 5));
	ck_assert(report(mk(2023, 7, 29), 500000, 80000, 5));

	struct event other = ev_make(EVENT_SUMMONS, on);
	ck_assert(!procedure_ccapex_report_required(&other));
	ck_assert(!procedure_ccapex_report_required(NULL));
}
END_TEST

/* ---- names ---- */

START_TEST(test_kind_names)
{
	static const char *const names[EVENT__COUNT] = {
		"payment_order", "summons", "judgment", "order_to_leave",
		"cfp_request", "cfp_granted", "cfp_refused", "eviction",
		"debt_settled", "plan_respected", "withdrawn",
		"household_left", "over_indebtedness",
	};
	for (int i = 0; i < EVENT__COUNT; i++) {
		ck_assert_str_eq(procedure_kind_name((enum event_kind)i),
				 names[i]);
		enum event_kind k = EVENT__COUNT;
		ck_assert_int_eq(procedure_parse_kind(&k, names[i], "kind",
						      NULL), ERR_OK);
		ck_assert_int_eq(k, i);
	}
	static const char *const bad[] = {"Payment_order", "payment_order ",
					  "", "eviction_", "hearing", "summon"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum event_kind k = EVENT_SUMMONS;
		struct err e;
		err_clear(&e);
		ck_assert_int_eq(procedure_parse_kind(&k, bad[i], "kind", &e),
				 ERR_INVALID);
		ck_assert_str_eq(e.field, "kind");
		ck_assert_int_eq(k, EVENT_SUMMONS);
	}
	enum event_kind k;
	ck_assert_int_eq(procedure_parse_kind(&k, NULL, "kind", NULL),
			 ERR_INVALID);
	ck_assert_ptr_null(procedure_kind_name(EVENT__COUNT));
	ck_assert_ptr_null(procedure_kind_name((enum event_kind)-1));
}
END_TEST

START_TEST(test_outcome_and_stage_names)
{
	static const char *const outcomes[] = {
		"termination_and_eviction", "payment_delays", "dismissed"};
	for (int i = 0; i < JUDGMENT__COUNT; i++) {
		enum judgment_outcome o = JUDGMENT__COUNT;
		enum judgment_outcome named = (enum judgment_outcome)i;
		ck_assert_str_eq(procedure_outcome_name(named), outcomes[i]);
		ck_assert_int_eq(procedure_parse_outcome(&o, outcomes[i],
							 "outcome", NULL),
				 ERR_OK);
		ck_assert_int_eq(o, i);
	}
	struct err e;
	err_clear(&e);
	enum judgment_outcome o;
	ck_assert_int_eq(procedure_parse_outcome(&o, "delays", "outcome", &e),
			 ERR_INVALID);
	ck_assert_str_eq(e.field, "outcome");
	ck_assert_ptr_null(procedure_outcome_name(JUDGMENT__COUNT));

	ck_assert_str_eq(procedure_stage_name(STAGE_NONE), "none");
	ck_assert_str_eq(procedure_stage_name(STAGE_CFP_REFUSED),
			 "cfp_refused");
	ck_assert_str_eq(procedure_stage_name(STAGE_EVICTION), "eviction");
	ck_assert_ptr_null(procedure_stage_name(STAGE__COUNT));
	ck_assert_str_eq(procedure_status_name(PROCEDURE_SUSPENDED),
			 "suspended");
	ck_assert_ptr_null(procedure_status_name(PROCEDURE__STATUS_COUNT));
}
END_TEST

static Suite *procedure_suite(void)
{
	Suite *s = suite_create("procedure");
	TCase *tc = tcase_create("transitions");
	tcase_add_loop_test(tc, test_transition_table, 0, ST__COUNT * P__COUNT);
	tcase_add_test(tc, test_resulting_states);
	tcase_add_test(tc, test_date_before_previous_stage);
	tcase_add_test(tc, test_ending_before_previous_stage);
	tcase_add_test(tc, test_new_cfp_request_after_silence);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_test(tc, test_event_data_checked);
	tcase_add_test(tc, test_payment_delays_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("corrections");
	tcase_add_test(tc, test_correction_replaces_data);
	tcase_add_test(tc, test_correction_refused);
	tcase_add_test(tc, test_correction_of_outcome);
	tcase_add_test(tc, test_correction_of_closed_procedure);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_capacity);
	suite_add_tcase(s, tc);

	tc = tcase_create("report_and_names");
	tcase_add_test(tc, test_report_threshold);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_outcome_and_stage_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(procedure_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
