#include "domain/referral.h"

#include <string.h>

#include "domain/rules.h"

static const char *const kind_names[REFERRAL_KIND__COUNT] = {
	[REFERRAL_SOCIAL_LANDLORD] = "social_landlord",
	[REFERRAL_PRIVATE_LANDLORD] = "private_landlord",
	[REFERRAL_SIGNALLED] = "signalled",
	[REFERRAL_BAILIFF_REPORT] = "bailiff_report",
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

static int parse_name(int *out, const char *s, const char *const *names, int count, const char *field,
		      struct err *err)
{
	for (int i = 0; s != NULL && i < count; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return ERR_OK;
		}
	}
	return err_set(err, ERR_INVALID, field, "unknown %s \"%.40s\"", field, s ? s : "");
}

const char *referral_kind_name(enum referral_kind kind)
{
	return (unsigned)kind < REFERRAL_KIND__COUNT ? kind_names[kind] : NULL;
}

int referral_parse_kind(enum referral_kind *out, const char *s, const char *field, struct err *err)
{
	int v = 0;
	int rc = parse_name(&v, s, kind_names, REFERRAL_KIND__COUNT, field, err);
	if (rc == ERR_OK)
		*out = (enum referral_kind)v;
	return rc;
}

const char *referral_status_name(enum referral_status status)
{
	return (unsigned)status < REFERRAL_STATUS__COUNT ? status_names[status] : NULL;
}

int referral_parse_status(enum referral_status *out, const char *s, const char *field, struct err *err)
{
	int v = 0;
	int rc = parse_name(&v, s, status_names, REFERRAL_STATUS__COUNT, field, err);
	if (rc == ERR_OK)
		*out = (enum referral_status)v;
	return rc;
}

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
			return err_set(err, ERR_CONFLICT, "status",
				       "only a referral a CLIL examined goes on to the operational CCAPEX");
		*out = transitions[i].to;
		return ERR_OK;
	}
	return err_set(err, ERR_CONFLICT, "status", "a referral that is %s cannot be %s", from_name, step_name);
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
		return err_set(err, ERR_UNPROCESSABLE, "kind",
			       "a bailiff's report is opened by the payment order, not referred");
	return err_set(err, ERR_UNPROCESSABLE, "kind", "a %s may not make a referral of kind %s",
		       policy_kind_to_string(caller), kind_names[kind]);
}

int referral_check_notice(struct referral_notice *out, enum referral_kind kind, bool legal_entity,
			  const struct date *referred_on, const struct date *summons, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (kind == REFERRAL_SOCIAL_LANDLORD && !legal_entity)
		return err_set(err, ERR_UNPROCESSABLE, "legal_entity", "a social landlord is a legal entity");
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
