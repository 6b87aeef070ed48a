/* The social & financial diagnostic (DSF): its statuses, their order, the
 * dates each one needs, and its two legal deadlines (décret 2021-8): the
 * interview offered within 15 working days of the request, the report sent
 * at least 5 working days before the hearing. Late acts are accepted and
 * flagged, never refused. Pure C. */
#ifndef DOMAIN_DIAGNOSTIC_H
#define DOMAIN_DIAGNOSTIC_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/deadlines.h"
#include "domain/err.h"

#define DIAGNOSTIC_INTERVIEW_WORKING_DAYS 15
#define DIAGNOSTIC_REPORT_WORKING_DAYS 5

/* requested -> interview_offered -> done | carence; requested -> carence
 * (nobody could be reached to offer an interview). done and carence are
 * final. */
enum diagnostic_status {
	DIAGNOSTIC_REQUESTED,
	DIAGNOSTIC_INTERVIEW_OFFERED,
	DIAGNOSTIC_DONE,
	DIAGNOSTIC_CARENCE,
	DIAGNOSTIC__STATUS_COUNT
};

struct diagnostic_state {
	enum diagnostic_status status;
	struct date requested_on;
	bool has_hearing;
	struct date hearing_date;
	bool has_interview;
	struct date interview_offered_on;
	bool has_report;            /* the structured report is recorded */
	bool has_report_sent;
	struct date report_sent_on;
	bool has_carence;
	struct date carence_on;
};

/* Static snake_case name; NULL out of range. */
const char *diagnostic_status_name(enum diagnostic_status s);
/* 0, or -1 for an unknown name. */
int diagnostic_status_parse(const char *s, enum diagnostic_status *out);

/* The closed vocabularies of the report's causes and proposals. */
bool diagnostic_cause_is_known(const char *s);
bool diagnostic_proposal_is_known(const char *s);

/* True when a diagnostic may go from one status to the other; staying in
 * the same status is allowed (other members change). */
bool diagnostic_transition_allowed(enum diagnostic_status from, enum diagnostic_status to);

/* Checks the state a change leads to, from the state before it:
 * ERR_CONFLICT (409) on "status" when a final diagnostic changes or the
 * transition is not allowed; ERR_UNPROCESSABLE (422) on the member at fault
 * when a status lacks its date or report, or a date comes before the
 * request. */
int diagnostic_check(const struct diagnostic_state *before, const struct diagnostic_state *after,
		     struct err *err);

/* The deadlines "diagnostic_interview_offer" and "diagnostic_report" (the
 * latter only with a hearing date), judged against today, or against the
 * day the diagnostic closed (report sent, carence) when it is closed; a
 * closed diagnostic drops the deadlines still pending. Flags:
 * "diagnostic_interview_offer_late", "diagnostic_report_late". */
void diagnostic_deadlines(struct deadline_list *out, const struct diagnostic_state *s, const struct date *today);

#endif
