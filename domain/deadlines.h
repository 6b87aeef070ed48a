/* The legal deadlines of a procedure, computed from its acts and today.
 *
 * Deadlines (name: due date; the act that meets it or ends it):
 *   payment_order_time_to_pay   payment order + 6 weeks for a lease signed
 *                               (or last renewed) on or after 29 July 2023,
 *                               + 2 months for an older or unknown lease
 *                               (rules_time_to_pay()), extended to a working
 *                               day; debt_settled
 *   summons_notice_to_prefet    hearing - 6 weeks (2 months for a summons
 *                               dated before 29 July 2023), never extended;
 *                               the summons notified to the prefet
 *   diagnostic_interview_offer  15th working day after the summons (the
 *                               request); the interview offered
 *   diagnostic_report           5th working day before the hearing; the
 *                               report sent
 *   order_to_leave_delay        order to leave + 2 months, or the judge's
 *                               months, not extended (a waiting period, not
 *                               a delay to act); household_left
 *   cfp_answer                  latest cfp_request + 2 months, extended;
 *                               cfp_granted or cfp_refused
 *
 * Two kinds, each with its own statuses. A delay given to a party
 * (payment_order_time_to_pay, order_to_leave_delay) is "running" while the
 * reference day is on or before its due day, "expired" after; its act, if
 * any, is told by done/done_on. A delay on an actor (the others) is "met"
 * when its act happened on or before the due day, "late" when it happened
 * after, or has not happened and the reference day is past the due day,
 * "pending" otherwise. The reference day is today, or the closing date of a
 * closed procedure if earlier: a closed procedure keeps every deadline,
 * judged on its closing day (a pending one stays pending: nobody must act
 * any more).
 *
 * Each deadline names the rule version it applied (struct rule_applied):
 * the version in force on the act's date, except the time to pay, which
 * follows the lease: the payment order's lease_signed_on, else the
 * household's lease date when it is on or before the order (a later one is
 * a renewal after the order and says nothing of the lease it was served
 * under), else unknown.
 *
 * Flags (stable snake_case):
 *   ccapex_report_required         the payment order reaches the bailiff's
 *                                  report threshold
 *   lease_date_unknown             a payment order whose lease date is not
 *                                  known: the time to pay is 2 months
 *   summons_premature              summons on or before the last day of the
 *                                  time to pay
 *   summons_notice_to_prefet_late  summons_notice_to_prefet is late
 *   cfp_request_premature          a cfp_request before earliest_cfp_request
 *   cfp_implicit_refusal           a cfp_request left unanswered past its
 *                                  due day (a later answer does not undo it)
 *   eviction_premature             eviction before earliest_eviction, the
 *                                  truce and enforcement days aside
 *   eviction_during_winter_truce   eviction dated 1 November to 31 March
 *   eviction_on_sunday_or_holiday  eviction dated on a Sunday or a public
 *                                  holiday (CPCE L.141-1)
 *
 * A waiting period ends at the end of its last day, so the next act may come
 * the day after: earliest_cfp_request is the order to leave's notification to
 * the prefet + 2 months + 1 day; earliest_eviction is the first day after
 * order_to_leave_delay that is outside the winter truce and neither a Sunday
 * nor a public holiday (calendar_next_eviction_day()).
 */
#ifndef DOMAIN_DEADLINES_H
#define DOMAIN_DEADLINES_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/procedure.h"
#include "domain/rules.h"

#define DEADLINES_MAX 16
#define DEADLINES_MAX_FLAGS 16

enum deadline_status {
	/* a delay on an actor */
	DEADLINE_PENDING,
	DEADLINE_MET,
	DEADLINE_LATE,
	/* a delay given to a party */
	DEADLINE_RUNNING,
	DEADLINE_EXPIRED,
	DEADLINE__STATUS_COUNT
};

enum deadline_kind {
	DEADLINE_ON_ACTOR,  /* pending, met, late */
	DEADLINE_FOR_PARTY, /* running, expired */
};

struct deadline {
	const char *name;  /* static */
	enum deadline_kind kind;
	struct date due;
	enum deadline_status status;
	bool done;         /* the act happened */
	struct date done_on;
	struct rule_applied rule;
};

/* Dates of the social diagnostic, which lives outside the procedure. */
struct diagnostic_dates {
	bool interview_offered;
	struct date interview_offered_on;
	bool report_sent;
	struct date report_sent_on;
};

/* Caller-owned; names and flags point to static strings. */
struct deadline_list {
	struct deadline items[DEADLINES_MAX];
	int count;
	const char *flags[DEADLINES_MAX_FLAGS];
	int flag_count;
	bool has_earliest_cfp_request;
	struct date earliest_cfp_request;
	bool has_earliest_eviction;
	struct date earliest_eviction;
};

/* household_lease: the household's lease date, NULL when unknown; diag may
 * be NULL when no diagnostic date is known. Returns ERR_INVALID for an
 * invalid today, lease or diagnostic date, on field "today",
 * "lease_signed_on", "interview_offered_on" or "report_sent_on". */
int deadlines_compute(struct deadline_list *out, const struct procedure *p,
		      const struct date *today,
		      const struct date *household_lease,
		      const struct diagnostic_dates *diag, struct err *err);

const struct deadline *deadlines_find(const struct deadline_list *list,
				      const char *name);
bool deadlines_has_flag(const struct deadline_list *list, const char *flag);
const char *deadlines_status_name(enum deadline_status status);

#endif
