#include "domain/procedure.h"

#include <stdio.h>
#include <string.h>

#include "domain/rules.h"

static const char *const kind_names[EVENT__COUNT] = {
	[EVENT_PAYMENT_ORDER] = "payment_order",
	[EVENT_SUMMONS] = "summons",
	[EVENT_JUDGMENT] = "judgment",
	[EVENT_ORDER_TO_LEAVE] = "order_to_leave",
	[EVENT_CFP_REQUEST] = "cfp_request",
	[EVENT_CFP_GRANTED] = "cfp_granted",
	[EVENT_CFP_REFUSED] = "cfp_refused",
	[EVENT_EVICTION] = "eviction",
	[EVENT_DEBT_SETTLED] = "debt_settled",
	[EVENT_PLAN_RESPECTED] = "plan_respected",
	[EVENT_WITHDRAWN] = "withdrawn",
	[EVENT_HOUSEHOLD_LEFT] = "household_left",
	[EVENT_OVER_INDEBTEDNESS] = "over_indebtedness",
};

static const char *const outcome_names[JUDGMENT__COUNT] = {
	[JUDGMENT_TERMINATION_AND_EVICTION] = "termination_and_eviction",
	[JUDGMENT_PAYMENT_DELAYS] = "payment_delays",
	[JUDGMENT_DISMISSED] = "dismissed",
};

static const char *const stage_names[STAGE__COUNT] = {
	[STAGE_NONE] = "none",
	[STAGE_PAYMENT_ORDER] = "payment_order",
	[STAGE_SUMMONS] = "summons",
	[STAGE_JUDGMENT] = "judgment",
	[STAGE_ORDER_TO_LEAVE] = "order_to_leave",
	[STAGE_CFP_REQUEST] = "cfp_request",
	[STAGE_CFP_GRANTED] = "cfp_granted",
	[STAGE_CFP_REFUSED] = "cfp_refused",
	[STAGE_EVICTION] = "eviction",
};

static const char *const status_names[PROCEDURE__STATUS_COUNT] = {
	[PROCEDURE_OPEN] = "open",
	[PROCEDURE_SUSPENDED] = "suspended",
	[PROCEDURE_CLOSED] = "closed",
};

const char *procedure_kind_name(enum event_kind kind)
{
	if ((int)kind < 0 || kind >= EVENT__COUNT)
		return NULL;
	return kind_names[kind];
}

const char *procedure_outcome_name(enum judgment_outcome outcome)
{
	if ((int)outcome < 0 || outcome >= JUDGMENT__COUNT)
		return NULL;
	return outcome_names[outcome];
}

const char *procedure_stage_name(enum procedure_stage stage)
{
	if ((int)stage < 0 || stage >= STAGE__COUNT)
		return NULL;
	return stage_names[stage];
}

const char *procedure_status_name(enum procedure_status status)
{
	if ((int)status < 0 || status >= PROCEDURE__STATUS_COUNT)
		return NULL;
	return status_names[status];
}

static int find_name(const char *const *names, int count, const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int procedure_parse_kind(enum event_kind *out, const char *s,
			 const char *field, struct err *err)
{
	int i = find_name(kind_names, EVENT__COUNT, s);
	if (i < 0)
		return err_set(err, ERR_INVALID, field, "unknown event kind");
	*out = (enum event_kind)i;
	return ERR_OK;
}

int procedure_parse_outcome(enum judgment_outcome *out, const char *s,
			    const char *field, struct err *err)
{
	int i = find_name(outcome_names, JUDGMENT__COUNT, s);
	if (i < 0)
		return err_set(err, ERR_INVALID, field,
			       "unknown judgment outcome");
	*out = (enum judgment_outcome)i;
	return ERR_OK;
}

int procedure_parse_stage(enum procedure_stage *out, const char *s,
			  const char *field, struct err *err)
{
	int i = find_name(stage_names, STAGE__COUNT, s);
	if (i < 0)
		return err_set(err, ERR_INVALID, field, "stage must be none or a stage of the procedure");
	*out = (enum procedure_stage)i;
	return ERR_OK;
}

int procedure_parse_status(enum procedure_status *out, const char *s,
			   const char *field, struct err *err)
{
	int i = find_name(status_names, PROCEDURE__STATUS_COUNT, s);
	if (i < 0)
		return err_set(err, ERR_INVALID, field, "status must be open, suspended or closed");
	*out = (enum procedure_status)i;
	return ERR_OK;
}

static void state_init(struct procedure_state *st)
{
	memset(st, 0, sizeof(*st));
	st->stage = STAGE_NONE;
	st->status = PROCEDURE_OPEN;
}

void procedure_init(struct procedure *p)
{
	memset(p, 0, sizeof(*p));
	state_init(&p->state);
}

const struct event *procedure_act(const struct procedure *p, int i)
{
	return &p->log[p->acts[i]];
}

const struct event *procedure_find_act(const struct procedure *p,
				       enum event_kind kind)
{
	for (int i = p->act_count - 1; i >= 0; i--)
		if (procedure_act(p, i)->kind == kind)
			return procedure_act(p, i);
	return NULL;
}

static int check_notified(bool notified, const struct date *on,
			  const struct event *ev, struct err *err)
{
	if (!notified)
		return ERR_OK;
	if (!date_is_valid(on))
		return err_set(err, ERR_INVALID, "prefet_notified_on",
			       "not a valid date");
	if (date_cmp(on, &ev->date) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "prefet_notified_on",
			       "the prefet cannot be notified of an act before "
			       "its date");
	return ERR_OK;
}

/* The event's own data, whatever the procedure's state. */
static int check_event(const struct event *ev, struct err *err)
{
	if ((int)ev->kind < 0 || ev->kind >= EVENT__COUNT)
		return err_set(err, ERR_INVALID, "kind", "unknown event kind");
	if (!date_is_valid(&ev->date))
		return err_set(err, ERR_INVALID, "date", "not a valid date");
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER: {
		/* Each member is checked: the answer lists every one at fault. */
		const struct payment_order_data *po = &ev->payment_order;
		struct err all;
		err_clear(&all);
		if (po->debt_cents <= 0)
			err_add_reason(&all, ERR_REASON_VALUE_OUT_OF_RANGE, "debt_cents",
				       "a payment order claims a positive debt");
		if (po->rent_cents <= 0)
			err_add_reason(&all, ERR_REASON_VALUE_OUT_OF_RANGE, "rent_cents",
				       "the monthly rent must be positive");
		if (po->months_unpaid < -1 || po->months_unpaid > 1200)
			err_add_reason(&all, ERR_REASON_VALUE_OUT_OF_RANGE, "months_unpaid",
				       "must be between 0 and 1200, or unknown");
		if (po->lease_known && !date_is_valid(&po->lease_signed_on))
			err_add_reason(&all, ERR_REASON_INVALID_REQUEST, "lease_signed_on",
				       "not a valid date");
		else if (po->lease_known &&
			 date_cmp(&po->lease_signed_on, &ev->date) > 0)
			err_add_reason(&all, ERR_REASON_DATES_OUT_OF_ORDER,
				       "lease_signed_on",
				       "the lease the order is served under "
				       "was signed on or before it");
		if (all.code != ERR_OK && err != NULL)
			*err = all;
		return all.code;
	}
	case EVENT_SUMMONS: {
		const struct summons_data *s = &ev->summons;
		struct err all;
		err_clear(&all);
		if (!date_is_valid(&s->hearing_date))
			err_add_reason(&all, ERR_REASON_INVALID_REQUEST, "hearing_on",
				       "not a valid date");
		else if (date_cmp(&s->hearing_date, &ev->date) <= 0)
			err_add_reason(&all, ERR_REASON_DATES_OUT_OF_ORDER, "hearing_on",
				       "the hearing comes after the summons");
		if (s->court[0] == '\0' ||
		    memchr(s->court, '\0', sizeof(s->court)) == NULL)
			err_add_reason(&all, ERR_REASON_VALUE_OUT_OF_RANGE, "court",
				       "must name the court, in at most %d "
				       "characters", (PROCEDURE_COURT_LEN - 1) / 4);
		struct err one;
		if (check_notified(s->prefet_notified, &s->prefet_notified_on, ev, &one) != ERR_OK)
			err_add(&all, &one);
		if (all.code != ERR_OK && err != NULL)
			*err = all;
		return all.code;
	}
	case EVENT_JUDGMENT: {
		const struct judgment_data *j = &ev->judgment;
		if ((int)j->outcome < 0 || j->outcome >= JUDGMENT__COUNT)
			return err_set(err, ERR_INVALID, "outcome",
				       "unknown judgment outcome");
		if (j->outcome == JUDGMENT_PAYMENT_DELAYS &&
		    (j->delay_months < 1 ||
		     j->delay_months > PROCEDURE_MAX_PAYMENT_DELAY_MONTHS))
			return err_set_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "delay_months",
				       "payment delays run from 1 to %d months",
				       PROCEDURE_MAX_PAYMENT_DELAY_MONTHS);
		if (j->outcome != JUDGMENT_PAYMENT_DELAYS &&
		    j->delay_months != 0)
			return err_set_reason(err, ERR_REASON_INCONSISTENT_VALUES, "delay_months",
				       "only payment_delays sets a delay");
		return ERR_OK;
	}
	case EVENT_ORDER_TO_LEAVE: {
		const struct order_to_leave_data *o = &ev->order_to_leave;
		if (o->delay_months < 0 ||
		    o->delay_months > PROCEDURE_MAX_LEAVE_DELAY_MONTHS)
			return err_set_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "delay_months",
				       "a judge sets 1 to %d months, or none "
				       "for the legal 2 months",
				       PROCEDURE_MAX_LEAVE_DELAY_MONTHS);
		return check_notified(o->prefet_notified,
				      &o->prefet_notified_on, ev, err);
	}
	case EVENT_CFP_REQUEST:
	case EVENT_CFP_GRANTED:
	case EVENT_CFP_REFUSED:
	case EVENT_EVICTION:
	case EVENT_DEBT_SETTLED:
	case EVENT_PLAN_RESPECTED:
	case EVENT_WITHDRAWN:
	case EVENT_HOUSEHOLD_LEFT:
	case EVENT_OVER_INDEBTEDNESS:
	case EVENT__COUNT:
	default:
		return ERR_OK;
	}
}

/* The transition table of procedure.h; closed procedures are refused
 * before this is asked. */
static bool kind_allowed(const struct procedure_state *st,
			 enum event_kind kind)
{
	enum procedure_stage s = st->stage;
	switch (kind) {
	case EVENT_PAYMENT_ORDER:
		return s == STAGE_NONE;
	case EVENT_SUMMONS:
		return s == STAGE_NONE || s == STAGE_PAYMENT_ORDER;
	case EVENT_JUDGMENT:
		return s == STAGE_SUMMONS;
	case EVENT_ORDER_TO_LEAVE:
		return s == STAGE_JUDGMENT;
	case EVENT_CFP_REQUEST:
		return s == STAGE_ORDER_TO_LEAVE || s == STAGE_CFP_REQUEST ||
		       s == STAGE_CFP_REFUSED;
	case EVENT_CFP_GRANTED:
	case EVENT_CFP_REFUSED:
		return s == STAGE_CFP_REQUEST;
	case EVENT_EVICTION:
		return s >= STAGE_ORDER_TO_LEAVE && s <= STAGE_CFP_REFUSED;
	case EVENT_PLAN_RESPECTED:
		return st->status == PROCEDURE_SUSPENDED;
	case EVENT_DEBT_SETTLED:
	case EVENT_WITHDRAWN:
	case EVENT_HOUSEHOLD_LEFT:
	case EVENT_OVER_INDEBTEDNESS:
		return s != STAGE_NONE;
	case EVENT__COUNT:
	default:
		return false;
	}
}

static void describe_state(char *out, size_t size,
			   const struct procedure_state *st)
{
	if (st->stage == STAGE_JUDGMENT)
		snprintf(out, size, "a judgment (%s)",
			 outcome_names[st->outcome]);
	else if (st->stage == STAGE_NONE)
		snprintf(out, size, "an empty procedure");
	else
		snprintf(out, size, "the %s stage", stage_names[st->stage]);
}

static void close_state(struct procedure_state *st, enum event_kind by)
{
	st->status = PROCEDURE_CLOSED;
	st->closed_by = by;
}

/* Checks ev against st and moves st on; st is untouched on error. */
static int advance(struct procedure_state *st, const struct event *ev,
		   struct err *err)
{
	const char *kind = kind_names[ev->kind];
	char day[DATE_STR_LEN], prev[DATE_STR_LEN];
	date_format(day, &ev->date);
	if (st->status == PROCEDURE_CLOSED)
		return err_set_reason(err, ERR_REASON_PROCEDURE_EVENT_REFUSED, "kind",
			       "%s cannot follow the %s that closed the "
			       "procedure; only corrections may",
			       kind, kind_names[st->closed_by]);
	if (!kind_allowed(st, ev->kind)) {
		char where[64];
		describe_state(where, sizeof(where), st);
		return err_set_reason(err, ERR_REASON_PROCEDURE_EVENT_REFUSED, "kind",
			       "%s cannot follow %s", kind, where);
	}
	if (ev->kind == EVENT_EVICTION && ev->eviction.with_cfp &&
	    st->stage != STAGE_CFP_GRANTED)
		return err_set_reason(err, ERR_REASON_PROCEDURE_EVENT_REFUSED, "with_cfp",
			       "an eviction with CFP needs the CFP granted "
			       "first");
	if (st->stage != STAGE_NONE &&
	    date_cmp(&ev->date, &st->last_date) < 0) {
		date_format(prev, &st->last_date);
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "date",
			       "%s on %s is earlier than the %s on %s",
			       kind, day, kind_names[st->last_kind], prev);
	}
	if (ev->kind == EVENT_CFP_REQUEST && st->stage == STAGE_CFP_REQUEST &&
	    date_cmp(&ev->date, &st->cfp_answer_due) <= 0) {
		date_format(prev, &st->cfp_answer_due);
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "date",
			       "a new cfp_request must wait for the prefet's "
			       "answer, or his silence until %s", prev);
	}

	struct procedure_state next = *st;
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER:
		next.stage = STAGE_PAYMENT_ORDER;
		break;
	case EVENT_SUMMONS:
		next.stage = STAGE_SUMMONS;
		break;
	case EVENT_JUDGMENT:
		next.stage = STAGE_JUDGMENT;
		next.outcome = ev->judgment.outcome;
		if (ev->judgment.outcome == JUDGMENT_DISMISSED)
			close_state(&next, ev->kind);
		else if (ev->judgment.outcome == JUDGMENT_PAYMENT_DELAYS)
			next.status = PROCEDURE_SUSPENDED;
		break;
	case EVENT_ORDER_TO_LEAVE:
		next.stage = STAGE_ORDER_TO_LEAVE;
		next.status = PROCEDURE_OPEN;
		break;
	case EVENT_CFP_REQUEST: {
		int rc = rules_due_date(&next.cfp_answer_due, RULE_CFP_ANSWER,
					&ev->date, &ev->date, NULL, err);
		if (rc != ERR_OK)
			return rc;
		next.stage = STAGE_CFP_REQUEST;
		break;
	}
	case EVENT_CFP_GRANTED:
		next.stage = STAGE_CFP_GRANTED;
		break;
	case EVENT_CFP_REFUSED:
		next.stage = STAGE_CFP_REFUSED;
		break;
	case EVENT_EVICTION:
		next.stage = STAGE_EVICTION;
		close_state(&next, ev->kind);
		break;
	case EVENT_DEBT_SETTLED:
	case EVENT_PLAN_RESPECTED:
	case EVENT_WITHDRAWN:
	case EVENT_HOUSEHOLD_LEFT:
	case EVENT_OVER_INDEBTEDNESS:
		close_state(&next, ev->kind);
		break;
	case EVENT__COUNT:
	default:
		return err_set(err, ERR_INVALID, "kind", "unknown event kind");
	}
	next.last_date = ev->date;
	next.last_kind = ev->kind;
	*st = next;
	return ERR_OK;
}

static int first_log_position(const struct procedure *p, int act)
{
	for (int i = 0; i < p->log_count; i++)
		if (p->act_of[i] == act)
			return i;
	return -1;
}

/* Replays every act with `replacement` standing for act `replaced`. */
static int rebuild_state(struct procedure_state *out,
			 const struct procedure *p, int replaced,
			 const struct event *replacement, struct err *err)
{
	struct procedure_state st;
	state_init(&st);
	for (int i = 0; i < p->act_count; i++) {
		const struct event *ev =
			i == replaced ? replacement : procedure_act(p, i);
		struct err why;
		err_clear(&why);
		int rc = advance(&st, ev, &why);
		if (rc != ERR_OK)
			return err_set(err, rc, why.field,
				       "with this correction, event %d (%s) "
				       "would be refused: %s",
				       first_log_position(p, i),
				       kind_names[ev->kind], why.message);
	}
	*out = st;
	return ERR_OK;
}

static void append_log(struct procedure *p, const struct event *ev, int act)
{
	p->log[p->log_count] = *ev;
	p->act_of[p->log_count] = act;
	if (act == p->act_count)
		p->act_count++;
	p->acts[act] = p->log_count;
	p->log_count++;
}

int procedure_apply_event(struct procedure *p, const struct event *ev,
			  struct err *err)
{
	int rc = check_event(ev, err);
	if (rc != ERR_OK)
		return rc;
	if (p->log_count >= PROCEDURE_MAX_EVENTS)
		return err_set_reason(err, ERR_REASON_PROCEDURE_FULL, "",
			       "a procedure holds at most %d events",
			       PROCEDURE_MAX_EVENTS);
	if (!ev->correction) {
		struct procedure_state next = p->state;
		rc = advance(&next, ev, err);
		if (rc != ERR_OK)
			return rc;
		append_log(p, ev, p->act_count);
		p->state = next;
		return ERR_OK;
	}

	if (ev->corrects < 0 || ev->corrects >= p->log_count)
		return err_set_reason(err, ERR_REASON_PROCEDURE_EVENT_REFUSED, "corrects",
			       "must name an earlier event of this procedure");
	int act = p->act_of[ev->corrects];
	const struct event *current = procedure_act(p, act);
	if (current->kind != ev->kind)
		return err_set_reason(err, ERR_REASON_PROCEDURE_EVENT_REFUSED, "kind",
			       "a correction keeps the kind of the event it "
			       "corrects (%s)", kind_names[current->kind]);
	struct procedure_state next;
	rc = rebuild_state(&next, p, act, ev, err);
	if (rc != ERR_OK)
		return rc;
	append_log(p, ev, act);
	p->state = next;
	return ERR_OK;
}

int procedure_replay(struct procedure *out, const struct event *events,
		     int count, struct err *err)
{
	procedure_init(out);
	if (count < 0 || count > PROCEDURE_MAX_EVENTS)
		return err_set_reason(err, ERR_REASON_PROCEDURE_FULL, "",
			       "a procedure holds at most %d events",
			       PROCEDURE_MAX_EVENTS);
	for (int i = 0; i < count; i++) {
		struct err why;
		err_clear(&why);
		int rc = procedure_apply_event(out, &events[i], &why);
		if (rc != ERR_OK)
			return err_set(err, rc, why.field, "event %d: %s", i,
				       why.message);
	}
	return ERR_OK;
}

bool procedure_ccapex_report_required(const struct event *payment_order)
{
	if (payment_order == NULL || payment_order->kind != EVENT_PAYMENT_ORDER)
		return false;
	struct arrears a = {
		.debt_cents = payment_order->payment_order.debt_cents,
		.rent_cents = payment_order->payment_order.rent_cents,
		.months_unpaid = payment_order->payment_order.months_unpaid,
	};
	bool required = false;
	if (rules_threshold_reached(&required, RULE_CCAPEX_REPORT, &a,
				    &payment_order->date, NULL) != ERR_OK)
		return false;
	return required;
}
