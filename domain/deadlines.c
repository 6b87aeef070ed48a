#include "domain/deadlines.h"

#include <string.h>

#include "domain/calendar.h"
#include "domain/rules.h"

struct context {
	struct deadline_list *out;
	struct date ref; /* the day against which deadlines are judged */
	const struct date *household_lease; /* NULL: unknown */
};

static enum deadline_status status_of(const struct context *cx,
				      enum deadline_kind kind,
				      const struct date *due, bool done,
				      const struct date *done_on)
{
	if (kind == DEADLINE_FOR_PARTY)
		return date_cmp(&cx->ref, due) > 0 ? DEADLINE_EXPIRED
						   : DEADLINE_RUNNING;
	if (done)
		return date_cmp(done_on, due) <= 0 ? DEADLINE_MET
						   : DEADLINE_LATE;
	return date_cmp(&cx->ref, due) > 0 ? DEADLINE_LATE : DEADLINE_PENDING;
}

/* Returns the deadline added, or NULL when the list is full (at most 6
 * deadlines exist, so it cannot be). */
static struct deadline *add_deadline(struct context *cx, const char *name,
				     enum deadline_kind kind,
				     const struct rule_applied *rule,
				     const struct date *due, bool done,
				     const struct date *done_on)
{
	if (cx->out->count >= DEADLINES_MAX)
		return NULL;
	struct deadline *d = &cx->out->items[cx->out->count++];
	d->name = name;
	d->kind = kind;
	d->due = *due;
	d->status = status_of(cx, kind, due, done, done_on);
	d->done = done;
	if (done)
		d->done_on = *done_on;
	d->rule = *rule;
	return d;
}

static void add_flag(struct context *cx, const char *flag)
{
	struct deadline_list *out = cx->out;
	if (deadlines_has_flag(out, flag) ||
	    out->flag_count >= DEADLINES_MAX_FLAGS)
		return;
	out->flags[out->flag_count++] = flag;
}

static int payment_order_deadlines(struct context *cx,
				   const struct procedure *p, struct err *err)
{
	const struct event *po = procedure_find_act(p, EVENT_PAYMENT_ORDER);
	if (po == NULL)
		return ERR_OK;
	const struct date *lease = NULL;
	if (po->payment_order.lease_known)
		lease = &po->payment_order.lease_signed_on;
	else if (cx->household_lease != NULL &&
		 date_cmp(cx->household_lease, &po->date) <= 0)
		lease = cx->household_lease;
	struct date due;
	struct rule_applied rule;
	int rc = rules_time_to_pay(&due, &rule, &po->date, lease, err);
	if (rc != ERR_OK)
		return rc;
	const struct event *settled = procedure_find_act(p, EVENT_DEBT_SETTLED);
	add_deadline(cx, "payment_order_time_to_pay", DEADLINE_FOR_PARTY, &rule,
		     &due, settled != NULL, settled ? &settled->date : NULL);
	if (lease == NULL)
		add_flag(cx, "lease_date_unknown");
	if (procedure_ccapex_report_required(po))
		add_flag(cx, "ccapex_report_required");
	const struct event *summons = procedure_find_act(p, EVENT_SUMMONS);
	if (summons != NULL && date_cmp(&summons->date, &due) <= 0)
		add_flag(cx, "summons_premature");
	return ERR_OK;
}

static int summons_deadlines(struct context *cx, const struct procedure *p,
			     const struct diagnostic_dates *diag,
			     struct err *err)
{
	const struct event *ev = procedure_find_act(p, EVENT_SUMMONS);
	if (ev == NULL)
		return ERR_OK;
	const struct summons_data *s = &ev->summons;
	struct date notice, interview, report;
	struct rule_applied notice_rule, interview_rule, report_rule;
	int rc = rules_due_date_applied(&notice, &notice_rule,
					RULE_SUMMONS_NOTICE_TO_PREFET, &ev->date,
					&s->hearing_date, NULL, err);
	if (rc == ERR_OK)
		rc = rules_due_date_applied(&interview, &interview_rule,
					    RULE_DIAGNOSTIC_INTERVIEW_OFFER,
					    &ev->date, &ev->date, NULL, err);
	if (rc == ERR_OK)
		rc = rules_due_date_applied(&report, &report_rule,
					    RULE_DIAGNOSTIC_REPORT_NOTICE,
					    &ev->date, &s->hearing_date, NULL,
					    err);
	if (rc != ERR_OK)
		return rc;

	const struct deadline *d = add_deadline(
		cx, "summons_notice_to_prefet", DEADLINE_ON_ACTOR, &notice_rule,
		&notice, s->prefet_notified, &s->prefet_notified_on);
	if (d != NULL && d->status == DEADLINE_LATE)
		add_flag(cx, "summons_notice_to_prefet_late");
	add_deadline(cx, "diagnostic_interview_offer", DEADLINE_ON_ACTOR,
		     &interview_rule, &interview,
		     diag != NULL && diag->interview_offered,
		     diag ? &diag->interview_offered_on : NULL);
	add_deadline(cx, "diagnostic_report", DEADLINE_ON_ACTOR, &report_rule,
		     &report, diag != NULL && diag->report_sent,
		     diag ? &diag->report_sent_on : NULL);
	return ERR_OK;
}

static int order_to_leave_deadlines(struct context *cx,
				    const struct procedure *p, struct err *err)
{
	const struct event *ev = procedure_find_act(p, EVENT_ORDER_TO_LEAVE);
	if (ev == NULL)
		return ERR_OK;
	const struct order_to_leave_data *o = &ev->order_to_leave;
	struct duration judge = {o->delay_months, DURATION_MONTHS};
	struct date due;
	struct rule_applied rule;
	int rc = rules_due_date_applied(&due, &rule, RULE_ORDER_TO_LEAVE_DELAY,
					&ev->date, &ev->date,
					o->delay_months > 0 ? &judge : NULL,
					err);
	if (rc != ERR_OK)
		return rc;
	const struct event *left = procedure_find_act(p, EVENT_HOUSEHOLD_LEFT);
	add_deadline(cx, "order_to_leave_delay", DEADLINE_FOR_PARTY, &rule,
		     &due, left != NULL, left ? &left->date : NULL);

	struct deadline_list *out = cx->out;
	date_add_days(&out->earliest_eviction, &due, 1);
	calendar_next_eviction_day(&out->earliest_eviction,
				   &out->earliest_eviction);
	out->has_earliest_eviction = true;
	const struct event *eviction = procedure_find_act(p, EVENT_EVICTION);
	if (eviction != NULL && date_cmp(&eviction->date, &due) <= 0)
		add_flag(cx, "eviction_premature");

	if (!o->prefet_notified)
		return ERR_OK;
	struct date wait_end;
	rc = rules_due_date(&wait_end, RULE_CFP_REQUEST_WAIT,
			    &o->prefet_notified_on, &o->prefet_notified_on,
			    NULL, err);
	if (rc != ERR_OK)
		return rc;
	date_add_days(&out->earliest_cfp_request, &wait_end, 1);
	out->has_earliest_cfp_request = true;
	for (int i = 0; i < p->act_count; i++) {
		const struct event *a = procedure_act(p, i);
		if (a->kind == EVENT_CFP_REQUEST &&
		    date_cmp(&a->date, &out->earliest_cfp_request) < 0)
			add_flag(cx, "cfp_request_premature");
	}
	return ERR_OK;
}

/* Each request is answered by the first decision after it, if one came
 * before the next request. */
static int cfp_deadlines(struct context *cx, const struct procedure *p,
			 struct err *err)
{
	for (int i = 0; i < p->act_count; i++) {
		const struct event *req = procedure_act(p, i);
		if (req->kind != EVENT_CFP_REQUEST)
			continue;
		const struct event *answer = NULL;
		bool latest = true;
		for (int j = i + 1; j < p->act_count; j++) {
			const struct event *a = procedure_act(p, j);
			if (a->kind == EVENT_CFP_REQUEST) {
				latest = false;
				break;
			}
			if (answer == NULL && (a->kind == EVENT_CFP_GRANTED ||
					       a->kind == EVENT_CFP_REFUSED))
				answer = a;
		}
		struct date due;
		struct rule_applied rule;
		int rc = rules_due_date_applied(&due, &rule, RULE_CFP_ANSWER,
						&req->date, &req->date, NULL,
						err);
		if (rc != ERR_OK)
			return rc;
		bool silent = answer != NULL
				      ? date_cmp(&answer->date, &due) > 0
				      : date_cmp(&cx->ref, &due) > 0;
		if (silent)
			add_flag(cx, "cfp_implicit_refusal");
		if (latest)
			add_deadline(cx, "cfp_answer", DEADLINE_ON_ACTOR, &rule,
				     &due, answer != NULL,
				     answer ? &answer->date : NULL);
	}
	return ERR_OK;
}

static int check_diagnostic(const struct diagnostic_dates *diag,
			    struct err *err)
{
	if (diag == NULL)
		return ERR_OK;
	if (diag->interview_offered &&
	    !date_is_valid(&diag->interview_offered_on))
		return err_set(err, ERR_INVALID, "interview_offered_on",
			       "not a valid date");
	if (diag->report_sent && !date_is_valid(&diag->report_sent_on))
		return err_set(err, ERR_INVALID, "report_sent_on",
			       "not a valid date");
	return ERR_OK;
}

int deadlines_compute(struct deadline_list *out, const struct procedure *p,
		      const struct date *today,
		      const struct date *household_lease,
		      const struct diagnostic_dates *diag, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (!date_is_valid(today))
		return err_set(err, ERR_INVALID, "today", "not a valid date");
	if (household_lease != NULL && !date_is_valid(household_lease))
		return err_set(err, ERR_INVALID, "lease_signed_on",
			       "not a valid date");
	int rc = check_diagnostic(diag, err);
	if (rc != ERR_OK)
		return rc;

	struct context cx = {.out = out, .ref = *today,
			     .household_lease = household_lease};
	if (p->state.status == PROCEDURE_CLOSED &&
	    date_cmp(&p->state.last_date, today) < 0)
		cx.ref = p->state.last_date;
	rc = payment_order_deadlines(&cx, p, err);
	if (rc == ERR_OK)
		rc = summons_deadlines(&cx, p, diag, err);
	if (rc == ERR_OK)
		rc = order_to_leave_deadlines(&cx, p, err);
	if (rc == ERR_OK)
		rc = cfp_deadlines(&cx, p, err);
	if (rc != ERR_OK) {
		/* The rules table covers every date a valid procedure holds,
		 * so a failed lookup is a bug, not the caller's input. */
		memset(out, 0, sizeof(*out));
		return err_set(err, ERR_INTERNAL, "",
			       "a deadline rule is missing");
	}

	const struct event *eviction = procedure_find_act(p, EVENT_EVICTION);
	if (eviction != NULL && calendar_in_winter_truce(&eviction->date))
		add_flag(&cx, "eviction_during_winter_truce");
	if (eviction != NULL && !calendar_is_enforcement_day(&eviction->date))
		add_flag(&cx, "eviction_on_sunday_or_holiday");
	return ERR_OK;
}

const struct deadline *deadlines_find(const struct deadline_list *list,
				      const char *name)
{
	for (int i = 0; i < list->count; i++)
		if (strcmp(list->items[i].name, name) == 0)
			return &list->items[i];
	return NULL;
}

bool deadlines_has_flag(const struct deadline_list *list, const char *flag)
{
	for (int i = 0; i < list->flag_count; i++)
		if (strcmp(list->flags[i], flag) == 0)
			return true;
	return false;
}

const char *deadlines_status_name(enum deadline_status status)
{
	static const char *const names[DEADLINE__STATUS_COUNT] = {
		[DEADLINE_PENDING] = "pending",
		[DEADLINE_MET] = "met",
		[DEADLINE_LATE] = "late",
		[DEADLINE_RUNNING] = "running",
		[DEADLINE_EXPIRED] = "expired",
	};
	if ((int)status < 0 || status >= DEADLINE__STATUS_COUNT)
		return NULL;
	return names[status];
}
