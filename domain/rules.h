/* The legal rules as data. Each version of a rule carries the date it took
 * effect, so that an act is judged under the rule in force on the act's own
 * date (a summons served on 28 July 2023 keeps its 2 months' notice), except
 * the payment order's time to pay, which keeps to the rule in force on the
 * lease's date (Cass. avis 13 June 2024, n° 24-70.002): see
 * rules_time_to_pay(). */
#ifndef DOMAIN_RULES_H
#define DOMAIN_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/err.h"

enum rule_id {
	/* delays to act, counted after the act that starts them */
	RULE_PAYMENT_ORDER_TIME_TO_PAY,   /* before the lease ends */
	RULE_DIAGNOSTIC_INTERVIEW_OFFER,  /* after the request (the summons) */
	RULE_CFP_ANSWER,                  /* after the CFP request */
	/* waiting periods: the next act may come once they have run out */
	RULE_ORDER_TO_LEAVE_DELAY,        /* order to leave to eviction */
	RULE_CFP_REQUEST_WAIT,            /* order to leave to the prefet */
	/* minimum notices before a date, counted backwards, never extended */
	RULE_SUMMONS_NOTICE_TO_PREFET,    /* before the hearing */
	RULE_DIAGNOSTIC_REPORT_NOTICE,    /* before the hearing */
	RULE_LANDLORD_REFERRAL_NOTICE,    /* before the summons */
	/* arrears thresholds */
	RULE_CCAPEX_REPORT,               /* bailiff reports a payment order */
	RULE_CAF_ARREARS,                 /* arrears the CAF must act on */
	RULE__COUNT
};

enum duration_unit {
	DURATION_NONE, /* the rule is a threshold */
	DURATION_DAYS,
	DURATION_WEEKS,
	DURATION_MONTHS,
	DURATION_WORKING_DAYS,
};

struct duration {
	int amount;
	enum duration_unit unit;
};

/* Each test is reached on its own (they are alternatives); 0 disables it. */
struct threshold {
	int months_unpaid;            /* consecutive months unpaid >= this */
	int rent_multiple;            /* debt >= this x the monthly rent */
	bool rent_with_charges;       /* the rent rent_multiple applies to */
	int months_after_first_missed;/* on >= first missed payment + this */
	int64_t debt_over_cents;      /* debt > this */
};

/* How a duration turns into a date: CPC art. 642 extends only a delay to
 * act; the other kinds are not extended. */
enum rule_kind {
	RULE_DELAY_TO_ACT,    /* from + duration, moved to a working day */
	RULE_WAITING_PERIOD,  /* from + duration: its last day */
	RULE_NOTICE_BEFORE,   /* from - duration: the latest day to act */
	RULE_THRESHOLD,
};

struct rule {
	enum rule_id id;
	enum rule_kind kind;
	struct date since;        /* {1, 1, 1}: before any change we track */
	/* The day this version took effect, as clients are told it: since,
	 * or for a first version (since {1, 1, 1}, which also covers earlier
	 * acts) the entry into force of the text it rests on. */
	struct date version;
	struct duration duration;
	struct threshold threshold;
	const char *source;       /* the legal text: the basis clients read */
};

/* A rule as one deadline applied it: which rule, which version, on what
 * basis. basis is static; it is the version's source, or for a time to pay
 * kept under an older version than the act's, a text saying why. */
struct rule_applied {
	enum rule_id id;
	struct date version;
	const char *basis;
};

struct arrears {
	int64_t debt_cents;
	int64_t rent_cents;           /* monthly, without charges; -1 when unknown */
	int64_t charges_cents;        /* monthly; -1 when unknown */
	int months_unpaid;            /* consecutive; -1 when unknown */
	bool first_missed_known;
	struct date first_missed_on;
};

/* What one test of a threshold rule says of some arrears. */
enum threshold_result {
	THRESHOLD_NOT_MADE,   /* the version in force makes no such test */
	THRESHOLD_UNKNOWN,    /* it does, and a fact it needs is unknown */
	THRESHOLD_NOT_MET,
	THRESHOLD_MET,
};

/* Each test of struct threshold, judged; the rule is reached when one is
 * met. */
struct threshold_tests {
	enum threshold_result months_unpaid;
	enum threshold_result rent_multiple;
	enum threshold_result months_after_first_missed;
	enum threshold_result debt_over;
};

/* The version of the rule in force on `on`; *out points into a static
 * table. ERR_NOT_FOUND when the rule did not exist yet on that date. */
int rules_find(const struct rule **out, enum rule_id id,
	       const struct date *on, struct err *err);

/* The version rules_find() gives for `on`, as a deadline reports it. */
int rules_applied(struct rule_applied *out, enum rule_id id,
		  const struct date *on, struct err *err);

/* The time to pay of a payment order dated act: the act + the duration of
 * the version in force on the lease's date (lease: the day the lease was
 * concluded or last renewed; NULL when unknown), extended to a working day.
 * An unknown lease gets the oldest version (2 months, the tenant's longer
 * delay): the lease may date from before any change. A lease dated after
 * the act is not the lease the act was served under: ERR_INVALID on
 * "lease_signed_on". applied says the version and why it applies. */
int rules_time_to_pay(struct date *due, struct rule_applied *applied,
		      const struct date *act, const struct date *lease,
		      struct err *err);

/* Stable snake_case name of a rule ("payment_order_time_to_pay"); NULL out
 * of range. */
const char *rules_id_name(enum rule_id id);

/* ERR_NOT_FOUND as rules_find, ERR_INVALID for a threshold rule. */
int rules_duration_for(struct duration *out, enum rule_id id,
		       const struct date *on, struct err *err);

/* The date that the rule in force on `on` (the date of the act judged) sets
 * counting from `from`, per the rule's kind (see enum rule_kind); the two
 * differ for a notice before a hearing. dur replaces the rule's duration
 * when not NULL (a judge's delay). A delay "ends at the end of its last
 * day": the returned day is the last one of a waiting period, and the next
 * act may come the day after. ERR_NOT_FOUND as rules_find, ERR_INVALID for a
 * threshold rule. */
int rules_due_date(struct date *out, enum rule_id id, const struct date *on,
		   const struct date *from, const struct duration *dur,
		   struct err *err);

/* rules_due_date(), and in *applied (may be NULL) the version it applied,
 * as a deadline reports it. */
int rules_due_date_applied(struct date *out, struct rule_applied *applied,
			   enum rule_id id, const struct date *on,
			   const struct date *from, const struct duration *dur,
			   struct err *err);

/* The end of dur counted from `from` as a delay of kind (not a threshold):
 * a delay to act is moved past a Saturday, Sunday or holiday (CPC art.
 * 642), a waiting period ends on its last day, a notice before `from` is
 * counted backwards and never moved. *unextended (may be NULL) gets the day
 * before any move. from must be valid. The one computation of the engine's
 * deadlines and of GET /v1/calendar/add. */
void rules_end_of(struct date *end, struct date *unextended, enum rule_kind kind, const struct date *from,
		  const struct duration *dur);

/* Plain calendar arithmetic: no extension to a working day, which depends on
 * the kind of delay (see calendar_extend_to_working_day()). Working days
 * count strictly after (or before) from. out may alias from. */
void rules_add_duration(struct date *out, const struct date *from,
			const struct duration *dur);
void rules_subtract_duration(struct date *out, const struct date *from,
			     const struct duration *dur);

/* Each test of the threshold rule `id` in force on `on`, and in *applied
 * (may be NULL) that version. ERR_NOT_FOUND as rules_find, ERR_INVALID for
 * a duration rule. */
int rules_threshold_tests(struct threshold_tests *out, const struct rule **applied, enum rule_id id,
			  const struct arrears *a, const struct date *on, struct err *err);

/* Whether the threshold rule `id` in force on `on` is reached. A rule not
 * yet in force is not reached; ERR_INVALID for a duration rule. */
int rules_threshold_reached(bool *out, enum rule_id id,
			    const struct arrears *a, const struct date *on,
			    struct err *err);

#endif
