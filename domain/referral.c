#include "domain/referral.h"

#include <string.h>

#include "domain/parse.h"

#include "domain/rules.h"

static const char *const kind_names[REFERRAL_KIND__COUNT] = {
	[REFERRAL_SOCIAL_LANDLORD] = "social_landlord",
	[REFERRAL_PRIVATE_LANDLORD] = "private_landlord",
	[REFERRAL_SIGNALLED] = "signalled",
	[REFERRAL_BAILIFF_REPORT] = "bailiff_report",
};

static const char *const actor_names[ORIENTATION_ACTOR__COUNT] = {
	[ORIENTATION_SOCIAL_SERVICE] = "social_service",
	[ORIENTATION_ASSOCIATION] = "association",
	[ORIENTATION_ADIL] = "adil",
	[ORIENTATION_FSL] = "fsl",
	[ORIENTATION_SIAO] = "siao",
};

static const char *const orientation_status_names[ORIENTATION_STATUS__COUNT] = {
	[ORIENTATION_PENDING] = "pending",
	[ORIENTATION_ACCEPTED] = "accepted",
	[ORIENTATION_DONE] = "done",
	[ORIENTATION_DECLINED] = "declined",
};

static const char *const status_names[REFERRAL_STATUS__COUNT] = {
	[REFERRAL_RECEIVED] = "received",
	[REFERRAL_ADMISSIBLE] = "admissible",
	[REFERRAL_INADMISSIBLE] = "inadmissible",
	[REFERRAL_SCHEDULED] = "scheduled",
	[REFERRAL_EXAMINED] = "examined",
	[REFERRAL_CLOSED] = "closed",
};

static const char *const step_names[REFERRAL_STEP__COUNT] = {
	[REFERRAL_ADMIT] = "admitted",
	[REFERRAL_REJECT] = "rejected",
	[REFERRAL_SCHEDULE] = "scheduled",
	[REFERRAL_UNSCHEDULE] = "unscheduled",
	[REFERRAL_EXAMINE] = "examined",
	[REFERRAL_ESCALATE] = "escalated",
	[REFERRAL_CLOSE] = "closed",
};

/* The only allowed pairs; the escalation also needs a CLIL's examination. */
struct transition {
	enum referral_status from;
	enum referral_step step;
	enum referral_status to;
};

static const struct transition transitions[] = {
	{ REFERRAL_RECEIVED, REFERRAL_ADMIT, REFERRAL_ADMISSIBLE },
	{ REFERRAL_RECEIVED, REFERRAL_REJECT, REFERRAL_INADMISSIBLE },
	{ REFERRAL_RECEIVED, REFERRAL_CLOSE, REFERRAL_CLOSED },
	{ REFERRAL_ADMISSIBLE, REFERRAL_SCHEDULE, REFERRAL_SCHEDULED },
	{ REFERRAL_ADMISSIBLE, REFERRAL_CLOSE, REFERRAL_CLOSED },
	{ REFERRAL_SCHEDULED, REFERRAL_UNSCHEDULE, REFERRAL_ADMISSIBLE },
	{ REFERRAL_SCHEDULED, REFERRAL_EXAMINE, REFERRAL_EXAMINED },
	{ REFERRAL_EXAMINED, REFERRAL_EXAMINE, REFERRAL_EXAMINED },
	{ REFERRAL_EXAMINED, REFERRAL_CLOSE, REFERRAL_CLOSED },
	{ REFERRAL_EXAMINED, REFERRAL_ESCALATE, REFERRAL_ADMISSIBLE },
};

PARSE_DEFINE_NAME_FN(referral_kind_name, enum referral_kind, kind_names, REFERRAL_KIND__COUNT)
PARSE_DEFINE_PARSE_FN(referral_parse_kind, enum referral_kind, kind_names, REFERRAL_KIND__COUNT)
PARSE_DEFINE_NAME_FN(referral_status_name, enum referral_status, status_names, REFERRAL_STATUS__COUNT)
PARSE_DEFINE_PARSE_FN(referral_parse_status, enum referral_status, status_names, REFERRAL_STATUS__COUNT)
PARSE_DEFINE_NAME_FN(orientation_actor_name, enum orientation_actor, actor_names, ORIENTATION_ACTOR__COUNT)
PARSE_DEFINE_PARSE_FN(orientation_parse_actor, enum orientation_actor, actor_names, ORIENTATION_ACTOR__COUNT)
PARSE_DEFINE_NAME_FN(orientation_status_name, enum orientation_status, orientation_status_names,
		     ORIENTATION_STATUS__COUNT)
PARSE_DEFINE_PARSE_FN(orientation_parse_status, enum orientation_status, orientation_status_names,
		      ORIENTATION_STATUS__COUNT)

const char *referral_step_name(enum referral_step step)
{
	return (unsigned)step < REFERRAL_STEP__COUNT ? step_names[step] : NULL;
}

bool referral_status_is_open(enum referral_status status)
{
	return status == REFERRAL_RECEIVED || status == REFERRAL_ADMISSIBLE || status == REFERRAL_SCHEDULED ||
	       status == REFERRAL_EXAMINED;
}

int referral_step_apply(enum referral_status *out, enum referral_status from, enum referral_step step,
			bool examined_by_clil, struct err *err)
{
	const char *from_name = referral_status_name(from), *step_name = referral_step_name(step);
	if (from_name == NULL || step_name == NULL)
		return err_set(err, ERR_INTERNAL, "", "referral status or step out of range");
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		if (transitions[i].from != from || transitions[i].step != step)
			continue;
		if (step == REFERRAL_ESCALATE && !examined_by_clil)
			return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status",
				       "only a referral a CLIL examined goes on to the operational CCAPEX");
		*out = transitions[i].to;
		return ERR_OK;
	}
	return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "a referral that is %s cannot be %s", from_name, step_name);
}

int referral_check_origin(enum org_kind caller, enum referral_kind kind, struct err *err)
{
	if ((unsigned)kind >= REFERRAL_KIND__COUNT)
		return err_set(err, ERR_INVALID, "kind", "unknown kind");
	if (policy_kind_is_departement_wide(caller))
		return ERR_OK;
	switch (caller) {
	case ORG_KIND_SOCIAL_LANDLORD:
		if (kind == REFERRAL_SOCIAL_LANDLORD)
			return ERR_OK;
		break;
	case ORG_KIND_PRIVATE_LANDLORD:
		if (kind == REFERRAL_PRIVATE_LANDLORD)
			return ERR_OK;
		break;
	case ORG_KIND_CAF:
	case ORG_KIND_ADIL:
	case ORG_KIND_SOCIAL_SERVICE:
	case ORG_KIND_ASSOCIATION:
		if (kind == REFERRAL_SIGNALLED)
			return ERR_OK;
		break;
	default:
		break;
	}
	if (kind == REFERRAL_BAILIFF_REPORT)
		return err_set_reason(err, ERR_REASON_REFERRAL_KIND_REFUSED, "kind",
			       "a bailiff's report is opened by the payment order, not referred");
	return err_set_reason(err, ERR_REASON_REFERRAL_KIND_REFUSED, "kind", "a %s may not make a referral of kind %s",
		       policy_kind_to_string(caller), kind_names[kind]);
}

int referral_check_notice(struct referral_notice *out, enum referral_kind kind, bool legal_entity,
			  const struct date *referred_on, const struct date *summons, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (kind == REFERRAL_SOCIAL_LANDLORD && !legal_entity)
		return err_set_reason(err, ERR_REASON_LANDLORD_MUST_BE_ORGANISATION, "legal_entity", "a social landlord is a legal entity");
	out->applies = legal_entity && (kind == REFERRAL_SOCIAL_LANDLORD || kind == REFERRAL_PRIVATE_LANDLORD);
	if (!out->applies || summons == NULL)
		return ERR_OK;
	/* Judged under the rule in force on the summons' own date. */
	int rc = rules_due_date(&out->latest, RULE_LANDLORD_REFERRAL_NOTICE, summons, summons, NULL, err);
	if (rc != ERR_OK)
		return rc;
	out->summons_known = true;
	out->summons = *summons;
	out->late = date_cmp(referred_on, &out->latest) > 0;
	return ERR_OK;
}

int orientation_check_referral(enum referral_kind kind, enum referral_status status, bool has_current,
			       enum orientation_status current, struct err *err)
{
	if (kind != REFERRAL_BAILIFF_REPORT)
		return err_set_reason(err, ERR_REASON_REFERRAL_KIND_REFUSED, "kind", "only a bailiff's report is oriented, not a referral of kind %s",
			       referral_kind_name(kind) ? referral_kind_name(kind) : "?");
	if (status == REFERRAL_CLOSED || status == REFERRAL_INADMISSIBLE)
		return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "a referral that is %s is no longer oriented",
			       status_names[status]);
	if (has_current && current != ORIENTATION_DECLINED)
		return err_set_reason(err, ERR_REASON_REPORT_ALREADY_ORIENTED, "orientation",
			       "the report is oriented already; it is oriented again once its addressee declines");
	return ERR_OK;
}

int orientation_check_addressee(enum orientation_actor actor, enum org_kind addressee, struct err *err)
{
	bool fits = false;
	switch (actor) {
	case ORIENTATION_SOCIAL_SERVICE:
		fits = addressee == ORG_KIND_SOCIAL_SERVICE;
		break;
	case ORIENTATION_ASSOCIATION:
		fits = addressee == ORG_KIND_ASSOCIATION;
		break;
	case ORIENTATION_ADIL:
		fits = addressee == ORG_KIND_ADIL;
		break;
	case ORIENTATION_FSL:
		fits = addressee == ORG_KIND_DEPARTEMENT;
		break;
	case ORIENTATION_SIAO:
		fits = addressee == ORG_KIND_ASSOCIATION || addressee == ORG_KIND_SOCIAL_SERVICE;
		break;
	default:
		return err_set(err, ERR_INVALID, "actor", "unknown actor");
	}
	if (!fits)
		return err_set_reason(err, ERR_REASON_WRONG_ORGANISATION_KIND, "addressee_org_id", "a %s does not take up a report oriented to the %s",
			       policy_kind_to_string(addressee), actor_names[actor]);
	return ERR_OK;
}

int orientation_check_report(enum orientation_status from, enum orientation_status to, bool has_report,
			     const struct date *reported_on, const struct date *oriented_on,
			     const struct date *today, struct err *err)
{
	bool ok = (from == ORIENTATION_PENDING && to != ORIENTATION_PENDING) ||
		  (from == ORIENTATION_ACCEPTED && (to == ORIENTATION_DONE || to == ORIENTATION_DECLINED));
	if (!ok) {
		const char *a = orientation_status_name(from), *b = orientation_status_name(to);
		return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "an orientation that is %s cannot become %s", a ? a : "?",
			       b ? b : "?");
	}
	if (to == ORIENTATION_DECLINED && !has_report)
		return err_set_reason(err, ERR_REASON_REASON_REQUIRED, "report", "say why the orientation is declined");
	if (date_cmp(reported_on, oriented_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "reported_on", "a report comes on or after the orientation");
	if (date_cmp(reported_on, today) > 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "reported_on", "a report is dated today at the latest");
	return ERR_OK;
}
