#include "domain/diagnostic.h"

#include <string.h>

#include "domain/calendar.h"
#include "domain/rules.h"

static const char *const status_names[DIAGNOSTIC__STATUS_COUNT] = {
	[DIAGNOSTIC_REQUESTED] = "requested",
	[DIAGNOSTIC_INTERVIEW_OFFERED] = "interview_offered",
	[DIAGNOSTIC_DONE] = "done",
	[DIAGNOSTIC_CARENCE] = "carence",
};

const char *diagnostic_status_name(enum diagnostic_status s)
{
	if ((unsigned)s >= DIAGNOSTIC__STATUS_COUNT)
		return NULL;
	return status_names[s];
}

int diagnostic_status_parse(const char *s, enum diagnostic_status *out)
{
	for (int i = 0; s != NULL && i < DIAGNOSTIC__STATUS_COUNT; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum diagnostic_status)i;
			return 0;
		}
	}
	return -1;
}

static bool listed(const char *const *names, const char *s)
{
	for (; s != NULL && *names != NULL; names++)
		if (strcmp(*names, s) == 0)
			return true;
	return false;
}

bool diagnostic_cause_is_known(const char *s)
{
	static const char *const causes[] = {
		"job_loss", "income_drop", "separation", "illness", "bereavement", "over_indebtedness",
		"benefit_change", "rent_increase", "budget_management", "dispute_with_landlord", "other", NULL,
	};
	return listed(causes, s);
}

bool diagnostic_proposal_is_known(const char *s)
{
	static const char *const proposals[] = {
		"payment_plan", "fsl_aid", "housing_benefit_review", "over_indebtedness_file", "masp",
		"social_support", "rehousing", "payment_delays", "other", NULL,
	};
	return listed(proposals, s);
}

static bool is_final(enum diagnostic_status s)
{
	return s == DIAGNOSTIC_DONE || s == DIAGNOSTIC_CARENCE;
}

bool diagnostic_transition_allowed(enum diagnostic_status from, enum diagnostic_status to)
{
	if ((unsigned)from >= DIAGNOSTIC__STATUS_COUNT || (unsigned)to >= DIAGNOSTIC__STATUS_COUNT)
		return false;
	if (from == to)
		return true;
	switch (from) {
	case DIAGNOSTIC_REQUESTED:
		return to == DIAGNOSTIC_INTERVIEW_OFFERED || to == DIAGNOSTIC_CARENCE;
	case DIAGNOSTIC_INTERVIEW_OFFERED:
		return to == DIAGNOSTIC_DONE || to == DIAGNOSTIC_CARENCE;
	default:
		return false;
	}
}

static int not_before_request(const struct diagnostic_state *s, bool has, const struct date *d, const char *field,
			      struct err *err)
{
	if (has && date_cmp(d, &s->requested_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, field, "%s is before the request (requested_on)", field);
	return ERR_OK;
}

int diagnostic_check(const struct diagnostic_state *before, const struct diagnostic_state *after, struct err *err)
{
	if (is_final(before->status))
		return err_set_reason(err, ERR_REASON_RECORD_FINAL, "status", "the diagnostic is %s: it no longer changes",
			       diagnostic_status_name(before->status));
	if (!diagnostic_transition_allowed(before->status, after->status))
		return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "a diagnostic cannot go from %s to %s",
			       diagnostic_status_name(before->status), diagnostic_status_name(after->status));
	if (after->status != DIAGNOSTIC_REQUESTED && after->status != DIAGNOSTIC_CARENCE && !after->has_interview)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "interview_offered_on",
			       "interview_offered_on is required once an interview is offered");
	if (after->status == DIAGNOSTIC_DONE && !after->has_report)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "report", "a done diagnostic needs its report");
	if (after->status == DIAGNOSTIC_DONE && !after->has_report_sent)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "report_sent_on", "a done diagnostic needs report_sent_on");
	if (after->status == DIAGNOSTIC_CARENCE && !after->has_carence)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "carence_on", "a carence needs carence_on");
	if (after->status != DIAGNOSTIC_DONE && after->has_report_sent)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "report_sent_on", "report_sent_on comes with the done status");
	if (after->status != DIAGNOSTIC_CARENCE && after->has_carence)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "carence_on", "carence_on comes with the carence status");
	int rc = not_before_request(after, after->has_interview, &after->interview_offered_on, "interview_offered_on",
				    err);
	if (rc == ERR_OK)
		rc = not_before_request(after, after->has_report_sent, &after->report_sent_on, "report_sent_on", err);
	if (rc == ERR_OK)
		rc = not_before_request(after, after->has_carence, &after->carence_on, "carence_on", err);
	if (rc == ERR_OK && after->has_interview && after->has_report_sent &&
	    date_cmp(&after->report_sent_on, &after->interview_offered_on) < 0)
		rc = err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "report_sent_on", "report_sent_on is before the interview was offered");
	return rc;
}

/* rule: the version in force on the request's date (on). */
static void add(struct deadline_list *out, const char *name, enum rule_id rule, const struct date *on,
		const struct date *due, bool done, const struct date *done_on, const struct date *ref, bool closed,
		const char *late_flag)
{
	enum deadline_status status;
	if (done)
		status = date_cmp(done_on, due) <= 0 ? DEADLINE_MET : DEADLINE_LATE;
	else
		status = date_cmp(ref, due) > 0 ? DEADLINE_LATE : DEADLINE_PENDING;
	if ((status == DEADLINE_PENDING && closed) || out->count >= DEADLINES_MAX)
		return;
	struct deadline *d = &out->items[out->count++];
	d->name = name;
	d->due = *due;
	d->status = status;
	d->done = done;
	if (done)
		d->done_on = *done_on;
	d->rule = (struct rule_applied){ rule, { 0, 0, 0 }, "" };
	rules_applied(&d->rule, rule, on, NULL);
	if (status == DEADLINE_LATE && out->flag_count < DEADLINES_MAX_FLAGS)
		out->flags[out->flag_count++] = late_flag;
}

void diagnostic_deadlines(struct deadline_list *out, const struct diagnostic_state *s, const struct date *today)
{
	memset(out, 0, sizeof(*out));
	struct date ref = *today;
	bool closed = false;
	const struct date *closed_on = s->status == DIAGNOSTIC_DONE && s->has_report_sent ? &s->report_sent_on
				     : s->status == DIAGNOSTIC_CARENCE && s->has_carence ? &s->carence_on : NULL;
	if (closed_on != NULL) {
		closed = true;
		if (date_cmp(closed_on, &ref) < 0)
			ref = *closed_on;
	}
	struct date due;
	calendar_add_working_days(&due, &s->requested_on, DIAGNOSTIC_INTERVIEW_WORKING_DAYS);
	add(out, "diagnostic_interview_offer", RULE_DIAGNOSTIC_INTERVIEW_OFFER, &s->requested_on, &due,
	    s->has_interview, &s->interview_offered_on, &ref, closed, "diagnostic_interview_offer_late");
	if (s->has_hearing) {
		calendar_subtract_working_days(&due, &s->hearing_date, DIAGNOSTIC_REPORT_WORKING_DAYS);
		add(out, "diagnostic_report", RULE_DIAGNOSTIC_REPORT_NOTICE, &s->requested_on, &due,
		    s->has_report_sent, &s->report_sent_on, &ref, closed, "diagnostic_report_late");
	}
}
