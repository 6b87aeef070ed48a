/* The eviction procedure as a state machine over append-only events.
 *
 * States (stage, and status open | suspended | closed) and the events each
 * accepts; any other pair is refused with ERR_UNPROCESSABLE on "kind":
 *
 *   none              payment_order, summons
 *   payment_order     summons, ENDINGS
 *   summons           judgment (any outcome), ENDINGS
 *   judgment          order_to_leave, ENDINGS
 *     termination_and_eviction
 *   judgment          order_to_leave (the plan failed: the clause resumes),
 *     payment_delays  plan_respected, ENDINGS            [status suspended]
 *   judgment          nothing: the claim is gone          [status closed]
 *     dismissed
 *   order_to_leave    cfp_request, eviction without CFP, ENDINGS
 *   cfp_request       cfp_granted, cfp_refused, eviction without CFP,
 *                     cfp_request once the préfet's silence has become an
 *                     implicit refusal (dated after the answer's due day,
 *                     else refused on "date"), ENDINGS
 *   cfp_granted       eviction with or without CFP, ENDINGS
 *   cfp_refused       cfp_request, eviction without CFP, ENDINGS
 *   eviction          nothing                             [status closed]
 *   closed            nothing but corrections
 *
 *   ENDINGS = debt_settled, withdrawn, household_left, over_indebtedness;
 *   each closes the procedure. plan_respected closes it too but only ends a
 *   payment plan. An eviction with CFP needs a granted CFP ("with_cfp").
 *
 * Every event is dated on or after the previous accepted event (same day
 * allowed), else ERR_UNPROCESSABLE on "date". Late or premature acts are
 * accepted: deadlines.h flags them, because the service records what really
 * happened.
 *
 * Error fields are the JSON members of an event: kind, date, corrects,
 * debt_cents, rent_cents, months_unpaid, lease_signed_on, hearing_date,
 * court, prefet_notified_on, outcome, delay_months, with_cfp.
 */
#ifndef DOMAIN_PROCEDURE_H
#define DOMAIN_PROCEDURE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/err.h"

#define PROCEDURE_MAX_EVENTS 64
#define PROCEDURE_COURT_LEN 509 /* 127 characters of UTF-8, with the NUL */
#define PROCEDURE_MAX_PAYMENT_DELAY_MONTHS 36
#define PROCEDURE_MAX_LEAVE_DELAY_MONTHS 12

enum event_kind {
	EVENT_PAYMENT_ORDER,
	EVENT_SUMMONS,
	EVENT_JUDGMENT,
	EVENT_ORDER_TO_LEAVE,
	EVENT_CFP_REQUEST,
	EVENT_CFP_GRANTED,
	EVENT_CFP_REFUSED,
	EVENT_EVICTION,
	EVENT_DEBT_SETTLED,
	EVENT_PLAN_RESPECTED,
	EVENT_WITHDRAWN,
	EVENT_HOUSEHOLD_LEFT,
	EVENT_OVER_INDEBTEDNESS,
	EVENT__COUNT
};

enum judgment_outcome {
	JUDGMENT_TERMINATION_AND_EVICTION,
	JUDGMENT_PAYMENT_DELAYS,
	JUDGMENT_DISMISSED,
	JUDGMENT__COUNT
};

struct payment_order_data {
	int64_t debt_cents;     /* > 0 */
	int64_t rent_cents;     /* > 0, monthly, without charges */
	int months_unpaid;      /* consecutive; -1 when unknown */
	/* The lease's conclusion or last renewal, on or before the order:
	 * it decides the time to pay (domain/rules.h). */
	bool lease_known;
	struct date lease_signed_on;
};

struct summons_data {
	struct date hearing_date;       /* after the summons */
	char court[PROCEDURE_COURT_LEN];/* non-empty, NUL-terminated */
	bool prefet_notified;
	struct date prefet_notified_on; /* on or after the summons */
};

struct judgment_data {
	enum judgment_outcome outcome;
	int delay_months;   /* 1..36 for payment_delays, else 0 */
};

struct order_to_leave_data {
	int delay_months;   /* 0: the legal 2 months; 1..12 set by the judge */
	bool prefet_notified;
	struct date prefet_notified_on; /* on or after the order */
};

struct eviction_data {
	bool with_cfp;
};

/* Zero-initialised, an event is "not a correction". A correction repeats the
 * whole event, same kind, with the corrected data; corrects is the 0-based
 * position in the procedure's log of the event corrected (a correction may
 * itself be corrected). The union member used is the one of `kind`; kinds
 * without a member carry only their date. */
struct event {
	enum event_kind kind;
	struct date date;
	bool correction;
	int corrects;
	union {
		struct payment_order_data payment_order;
		struct summons_data summons;
		struct judgment_data judgment;
		struct order_to_leave_data order_to_leave;
		struct eviction_data eviction;
	};
};

enum procedure_stage {
	STAGE_NONE,
	STAGE_PAYMENT_ORDER,
	STAGE_SUMMONS,
	STAGE_JUDGMENT,
	STAGE_ORDER_TO_LEAVE,
	STAGE_CFP_REQUEST,
	STAGE_CFP_GRANTED,
	STAGE_CFP_REFUSED,
	STAGE_EVICTION,
	STAGE__COUNT
};

enum procedure_status {
	PROCEDURE_OPEN,
	PROCEDURE_SUSPENDED, /* payment delays granted: the clause is on hold */
	PROCEDURE_CLOSED,
	PROCEDURE__STATUS_COUNT
};

/* Derived from the acts; never set it by hand. */
struct procedure_state {
	enum procedure_stage stage;     /* the last stage reached */
	enum procedure_status status;
	enum judgment_outcome outcome;  /* once stage >= STAGE_JUDGMENT */
	enum event_kind closed_by;      /* when status is PROCEDURE_CLOSED */
	enum event_kind last_kind;
	struct date last_date;          /* of the latest act; none: {0,0,0} */
	struct date cfp_answer_due;     /* of the latest CFP request */
};

/* Caller-owned, no heap: copy it, put it on the stack, memset it. */
struct procedure {
	/* every event as received, corrections included */
	struct event log[PROCEDURE_MAX_EVENTS];
	int log_count;
	/* the acts in order; acts[i] is the log position holding the current
	 * data of act i (the act itself or its latest correction) */
	int acts[PROCEDURE_MAX_EVENTS];
	int act_count;
	/* the act each log entry records or corrects */
	int act_of[PROCEDURE_MAX_EVENTS];
	struct procedure_state state;
};

void procedure_init(struct procedure *p);

/* Appends ev to the log if the procedure accepts it; on error p is left as
 * it was. A correction replaces its act's data and re-validates every act
 * from the first, so that it cannot make a later act impossible. */
int procedure_apply_event(struct procedure *p, const struct event *ev,
			  struct err *err);

/* Rebuilds a procedure from its log in recorded order. On error the message
 * names the position of the first event refused, and out holds the events
 * before it. */
int procedure_replay(struct procedure *out, const struct event *events,
		     int count, struct err *err);

/* Act i (0 <= i < p->act_count) with its corrections applied. */
const struct event *procedure_act(const struct procedure *p, int i);
/* The latest act of that kind, NULL when there is none. */
const struct event *procedure_find_act(const struct procedure *p,
				       enum event_kind kind);

/* The bailiff reports a payment order to the CCAPEX when 2 consecutive
 * months are unpaid or the debt is at least 2 x the monthly rent without
 * charges (rule in force on the order's date; none before 29 July 2023).
 * False for any other kind of event. */
bool procedure_ccapex_report_required(const struct event *payment_order);

/* Stable snake_case names for the JSON layer; NULL for an out-of-range
 * value. The parsers accept exactly these names and return ERR_INVALID on
 * `field` otherwise. */
const char *procedure_kind_name(enum event_kind kind);
int procedure_parse_kind(enum event_kind *out, const char *s,
			 const char *field, struct err *err);
const char *procedure_outcome_name(enum judgment_outcome outcome);
int procedure_parse_outcome(enum judgment_outcome *out, const char *s,
			    const char *field, struct err *err);
const char *procedure_stage_name(enum procedure_stage stage);
int procedure_parse_stage(enum procedure_stage *out, const char *s,
			  const char *field, struct err *err);
const char *procedure_status_name(enum procedure_status status);
int procedure_parse_status(enum procedure_status *out, const char *s,
			   const char *field, struct err *err);

#endif
