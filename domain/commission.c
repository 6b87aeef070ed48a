#include "domain/commission.h"

#include <stdio.h>
#include <string.h>

#include "domain/caf.h"
#include "domain/parse.h"


static const char *const level_names[COMMISSION_LEVEL__COUNT] = {
	[COMMISSION_OPERATIONAL] = "operational",
	[COMMISSION_DOCTRINAL] = "doctrinal",
	[COMMISSION_STRATEGIC] = "strategic",
	[COMMISSION_CLIL] = "clil",
	[COMMISSION_CENTRAL] = "central",
	[COMMISSION_LOCAL] = "local",
};

static const char *const status_names[COMMISSION_STATUS__COUNT] = {
	[COMMISSION_PLANNED] = "planned",
	[COMMISSION_IN_SESSION] = "in_session",
	[COMMISSION_CLOSED] = "closed",
};

static const char *const decision_names[DECISION__COUNT] = {
	[DECISION_KEEP_WITH_PAYMENT_PLAN] = "keep_with_payment_plan",
	[DECISION_FSL_AID] = "fsl_aid",
	[DECISION_MASP] = "masp",
	[DECISION_AVDL_SUPPORT] = "avdl_support",
	[DECISION_REHOUSING] = "rehousing",
	[DECISION_TEMPORARY_HOUSING] = "temporary_housing",
	[DECISION_CFP_DEFERRAL_ADVICE] = "cfp_deferral_advice",
	[DECISION_HOUSING_BENEFIT_KEPT] = "housing_benefit_kept",
	[DECISION_HOUSING_BENEFIT_SUSPENDED] = "housing_benefit_suspended",
};

static const char *const decision_labels_fr[DECISION__COUNT] = {
	[DECISION_KEEP_WITH_PAYMENT_PLAN] = "le maintien dans le logement avec un plan d'apurement de la dette",
	[DECISION_FSL_AID] = "une aide du Fonds de solidarité pour le logement (FSL)",
	[DECISION_MASP] = "une mesure d'accompagnement social personnalisé (MASP)",
	[DECISION_AVDL_SUPPORT] = "un accompagnement social lié au logement (AVDL)",
	[DECISION_REHOUSING] = "un relogement",
	[DECISION_TEMPORARY_HOUSING] = "un hébergement ou un logement temporaire",
	[DECISION_CFP_DEFERRAL_ADVICE] = "un avis sur le report du concours de la force publique",
	[DECISION_HOUSING_BENEFIT_KEPT] = "le maintien de l'aide au logement",
	[DECISION_HOUSING_BENEFIT_SUSPENDED] = "la suspension de l'aide au logement",
};

static const char *const recommendation_names[RECOMMENDATION_STATUS__COUNT] = {
	[RECOMMENDATION_PENDING] = "pending",
	[RECOMMENDATION_ACCEPTED] = "accepted",
	[RECOMMENDATION_DONE] = "done",
	[RECOMMENDATION_DECLINED] = "declined",
	[RECOMMENDATION_WITHDRAWN] = "withdrawn",
};

static const char *const mode_names[CLIL_MODE__COUNT] = {
	[CLIL_MONO_LANDLORD] = "mono_landlord",
	[CLIL_INTER_LANDLORD] = "inter_landlord",
};

static const char *const clil_status_names[CLIL_STATUS__COUNT] = {
	[CLIL_RENEWED] = "renewed",
	[CLIL_EXPERIMENTED] = "experimented",
	[CLIL_INITIATED] = "initiated",
};

PARSE_DEFINE_NAME_FN(commission_level_name, enum commission_level, level_names, COMMISSION_LEVEL__COUNT)
PARSE_DEFINE_PARSE_FN(commission_parse_level, enum commission_level, level_names, COMMISSION_LEVEL__COUNT)
PARSE_DEFINE_NAME_FN(commission_status_name, enum commission_status, status_names, COMMISSION_STATUS__COUNT)
PARSE_DEFINE_PARSE_FN(commission_parse_status, enum commission_status, status_names, COMMISSION_STATUS__COUNT)
PARSE_DEFINE_NAME_FN(opinion_decision_name, enum opinion_decision, decision_names, DECISION__COUNT)
PARSE_DEFINE_PARSE_FN(opinion_parse_decision, enum opinion_decision, decision_names, DECISION__COUNT)
PARSE_DEFINE_NAME_FN(opinion_decision_label_fr, enum opinion_decision, decision_labels_fr, DECISION__COUNT)
PARSE_DEFINE_NAME_FN(recommendation_status_name, enum recommendation_status, recommendation_names,
		     RECOMMENDATION_STATUS__COUNT)
PARSE_DEFINE_PARSE_FN(recommendation_parse_status, enum recommendation_status, recommendation_names,
		      RECOMMENDATION_STATUS__COUNT)
PARSE_DEFINE_NAME_FN(clil_mode_name, enum clil_mode, mode_names, CLIL_MODE__COUNT)
PARSE_DEFINE_PARSE_FN(clil_parse_mode, enum clil_mode, mode_names, CLIL_MODE__COUNT)
PARSE_DEFINE_NAME_FN(clil_status_name, enum clil_status, clil_status_names, CLIL_STATUS__COUNT)
PARSE_DEFINE_PARSE_FN(clil_parse_status, enum clil_status, clil_status_names, CLIL_STATUS__COUNT)

int commission_check_level(enum commission_level level, bool has_clil, struct err *err)
{
	if (level == COMMISSION_CLIL && !has_clil)
		return err_set_reason(err, ERR_REASON_COMMISSION_LEVEL_MISMATCH, "clil_id", "a CLIL session names its CLIL");
	if (level != COMMISSION_CLIL && has_clil)
		return err_set_reason(err, ERR_REASON_COMMISSION_LEVEL_MISMATCH, "clil_id", "only a session of level clil belongs to a CLIL");
	return ERR_OK;
}

int commission_check_territory(enum commission_level level, bool has_territory, struct err *err)
{
	if (level == COMMISSION_LOCAL && !has_territory)
		return err_set_reason(err, ERR_REASON_COMMISSION_LEVEL_MISMATCH, "territory", "a local CCAPEX names its territory");
	if (level == COMMISSION_CENTRAL && has_territory)
		return err_set_reason(err, ERR_REASON_COMMISSION_LEVEL_MISMATCH, "territory", "the central CCAPEX covers the whole département");
	return ERR_OK;
}

int commission_check_status_change(enum commission_status from, enum commission_status to, struct err *err)
{
	if ((from == COMMISSION_PLANNED && to == COMMISSION_IN_SESSION) ||
	    (from == COMMISSION_IN_SESSION && to == COMMISSION_CLOSED))
		return ERR_OK;
	const char *a = commission_status_name(from), *b = commission_status_name(to);
	return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "a commission that is %s cannot become %s", a ? a : "?",
		       b ? b : "?");
}

int commission_check_agenda_change(enum commission_status status, struct err *err)
{
	if (status == COMMISSION_PLANNED)
		return ERR_OK;
	return err_set_reason(err, ERR_REASON_AGENDA_FROZEN, "", "the agenda is frozen once the session has started");
}

int commission_check_opinion(enum commission_status status, struct err *err)
{
	if (status == COMMISSION_IN_SESSION)
		return ERR_OK;
	return err_set_reason(err, ERR_REASON_OPINION_OUTSIDE_SESSION, "",
		       status == COMMISSION_PLANNED ? "the session has not started: opinions are given in session"
						    : "the session is closed: its opinions are final");
}

int opinion_check_decisions(const enum opinion_decision *decisions, int count, const struct date *session,
			    struct err *err)
{
	if (count <= 0)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_VALUES, "decisions", "an opinion gives at least one decision");
	unsigned seen = 0;
	for (int i = 0; i < count; i++) {
		char field[32];
		snprintf(field, sizeof(field), "decisions[%d]", i);
		if ((unsigned)decisions[i] >= DECISION__COUNT)
			return err_set(err, ERR_INVALID, field, "unknown decision");
		if (seen & (1u << decisions[i]))
			return err_set_reason(err, ERR_REASON_GIVEN_TWICE, field, "%s is given twice",
				       decision_names[decisions[i]]);
		seen |= 1u << decisions[i];
		bool benefit = decisions[i] == DECISION_HOUSING_BENEFIT_KEPT ||
			       decisions[i] == DECISION_HOUSING_BENEFIT_SUSPENDED;
		/* Décret 2026-84: from 1 January 2027 the CCAPEX decides
		 * whether housing benefit is kept (domain/caf.h). */
		struct date since;
		caf_benefit_decisions_since(&since);
		if (benefit && date_cmp(session, &since) < 0)
			return err_set_reason(err, ERR_REASON_RULE_NOT_IN_FORCE, field,
				       "the CCAPEX decides on housing benefit from 1 January 2027 (décret 2026-84)");
	}
	if ((seen & (1u << DECISION_HOUSING_BENEFIT_KEPT)) && (seen & (1u << DECISION_HOUSING_BENEFIT_SUSPENDED)))
		return err_set_reason(err, ERR_REASON_INCONSISTENT_VALUES, "decisions",
			       "housing benefit is either kept or suspended, not both");
	return ERR_OK;
}

int recommendation_check_due(const struct date *due, const struct date *session, const char *field,
			     struct err *err)
{
	if (date_cmp(due, session) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, field, "a recommendation falls due after the session gives it");
	return ERR_OK;
}

int recommendation_check_report(enum recommendation_status from, enum recommendation_status to,
				bool has_comment, struct err *err)
{
	if (from == RECOMMENDATION_WITHDRAWN)
		return err_set_reason(err, ERR_REASON_RECORD_FINAL, "status", "the recommendation was withdrawn: it takes no report");
	if (to == RECOMMENDATION_WITHDRAWN)
		return err_set_reason(err, ERR_REASON_RECORD_FINAL, "status",
			       "a recommendation is withdrawn by giving its opinion again without it");
	bool ok = (from == RECOMMENDATION_PENDING && to != RECOMMENDATION_PENDING) ||
		  (from == RECOMMENDATION_ACCEPTED && (to == RECOMMENDATION_DONE || to == RECOMMENDATION_DECLINED));
	if (!ok) {
		const char *a = recommendation_status_name(from), *b = recommendation_status_name(to);
		return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "a recommendation that is %s cannot become %s",
			       a ? a : "?", b ? b : "?");
	}
	if (to == RECOMMENDATION_DECLINED && !has_comment)
		return err_set_reason(err, ERR_REASON_REASON_REQUIRED, "comment", "say why the recommendation is declined");
	return ERR_OK;
}

/* "recommendations[i]" or "recommendations[i].member", into buf. */
static const char *given_field(char *buf, size_t len, int i, const char *member)
{
	snprintf(buf, len, "recommendations[%d]%s%s", i, member[0] ? "." : "", member);
	return buf;
}

static bool held_is_final(const struct recommendation_held *h)
{
	return h->status != RECOMMENDATION_PENDING;
}

int opinion_match_recommendations(int *match, const struct recommendation_held *held, int nheld,
				  const struct recommendation_given *given, int ngiven, struct err *err)
{
	bool taken[OPINION_MAX_RECOMMENDATIONS * 2] = { false };
	char f[64];
	if (nheld > (int)(sizeof(taken) / sizeof(taken[0])))
		return err_set(err, ERR_INTERNAL, "", "too many recommendations held");
	for (int i = 0; i < ngiven; i++) {
		match[i] = -1;
		if (given[i].id == NULL || given[i].id[0] == '\0')
			continue;
		for (int k = 0; k < nheld; k++)
			if (strcmp(held[k].id, given[i].id) == 0)
				match[i] = k;
		if (match[i] < 0)
			return err_set_reason(err, ERR_REASON_RECOMMENDATION_NOT_IN_FORCE, given_field(f, sizeof(f), i, "id"),
				       "%s is not a recommendation in force on this opinion", given[i].id);
		if (taken[match[i]])
			return err_set_reason(err, ERR_REASON_GIVEN_TWICE, given_field(f, sizeof(f), i, "id"),
				       "%s is given twice", given[i].id);
		taken[match[i]] = true;
		if (strcmp(held[match[i]].addressee, given[i].addressee) != 0)
			return err_set_reason(err, ERR_REASON_RECOMMENDATION_NOT_IN_FORCE, given_field(f, sizeof(f), i, "addressee_org_id"),
				       "%s keeps its addressee: leave it out to withdraw it, and give a new one",
				       given[i].id);
	}
	for (int i = 0; i < ngiven; i++) {
		if (given[i].id != NULL && given[i].id[0] != '\0')
			continue;
		for (int k = 0; k < nheld && match[i] < 0; k++)
			if (!taken[k] && strcmp(held[k].addressee, given[i].addressee) == 0 &&
			    strcmp(held[k].text, given[i].text) == 0) {
				match[i] = k;
				taken[k] = true;
			}
	}
	for (int i = 0; i < ngiven; i++) {
		const struct recommendation_held *h = match[i] >= 0 ? &held[match[i]] : NULL;
		if (h != NULL && held_is_final(h) &&
		    (strcmp(h->text, given[i].text) != 0 || date_cmp(&h->due, &given[i].due) != 0)) {
			err_set_reason(err, ERR_REASON_RECOMMENDATION_REPORTED, given_field(f, sizeof(f), i, ""),
				       "its addressee has reported on %s: it is kept as it is or not at all", h->id);
			return err_conflicting(err, h->id);
		}
	}
	for (int k = 0; k < nheld; k++)
		if (!taken[k] && held_is_final(&held[k])) {
			err_set_reason(err, ERR_REASON_RECOMMENDATION_REPORTED, "recommendations",
				       "its addressee has reported on recommendation %s: it cannot be withdrawn",
				       held[k].id);
			return err_conflicting(err, held[k].id);
		}
	return ERR_OK;
}

int clil_check_landlords(enum clil_mode mode, int count, struct err *err)
{
	if (mode == CLIL_MONO_LANDLORD && count != 1)
		return err_set_reason(err, ERR_REASON_CLIL_LANDLORD_COUNT, "landlords", "a mono-landlord CLIL has exactly one landlord");
	if (mode == CLIL_INTER_LANDLORD && count < 2)
		return err_set_reason(err, ERR_REASON_CLIL_LANDLORD_COUNT, "landlords", "an inter-landlord CLIL has at least two landlords");
	return ERR_OK;
}
