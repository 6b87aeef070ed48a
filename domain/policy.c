#include "domain/policy.h"

#include <string.h>

#define K(k) (1u << ORG_KIND_##k)
#define R(r) (1u << POLICY_REL_##r)

/* Kind groups used by several rules. */
#define WIDE      (K(PREFECTURE) | K(DEPARTEMENT))
#define LANDLORDS (K(SOCIAL_LANDLORD) | K(PRIVATE_LANDLORD))
#define PARTNERS  (LANDLORDS | K(CAF) | K(ADIL) | K(SOCIAL_SERVICE) | K(ASSOCIATION))
#define OPERATORS (K(ADIL) | K(SOCIAL_SERVICE) | K(ASSOCIATION))
/* Every kind that works on cases: not the national delegation, which reads
 * the national key figures and nothing else. */
#define EVERY_KIND (((1u << ORG_KIND__COUNT) - 1) & ~K(NATIONAL))
/* Prefecture and departement hold DEPARTEMENT on every case, nothing else. */
#define CASE_BOUND (EVERY_KIND & ~WIDE)

struct policy_rule {
	enum policy_action action;
	unsigned kinds;     /* bitmask of 1u << enum org_kind */
	unsigned relations; /* bitmask of 1u << enum policy_relation */
};

/* The whole table: a triple is allowed when one rule covers it. Bailiffs
 * only ever hold FILER and only reach procedure data; landlords never reach
 * diagnostics, outreach or measures; social services reach the households
 * of their territory but only the diagnostics and measures assigned to
 * them. */
static const struct policy_rule policy_rules[] = {
	{ POLICY_ADMIN_ORGANISATIONS, K(PREFECTURE), R(NONE) },
	{ POLICY_ADMIN_CLIENTS, K(PREFECTURE), R(NONE) },
	{ POLICY_READ_AUDIT, WIDE, R(NONE) },

	/* Every kind may bring a household in (act, referral, signal, file);
	 * the others then hold FILER on the record they created. */
	{ POLICY_CREATE_HOUSEHOLD, EVERY_KIND, R(NONE) },

	{ POLICY_READ_HOUSEHOLD, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_HOUSEHOLD, CASE_BOUND, R(FILER) },
	{ POLICY_READ_HOUSEHOLD, LANDLORDS, R(LANDLORD) },
	{ POLICY_READ_HOUSEHOLD, OPERATORS, R(ASSIGNED) },
	{ POLICY_READ_HOUSEHOLD, PARTNERS, R(ADDRESSEE) },
	{ POLICY_READ_HOUSEHOLD, K(SOCIAL_SERVICE), R(TERRITORY) },
	{ POLICY_READ_HOUSEHOLD, K(CAF), R(BENEFICIARY) },

	/* As reading, less ADDRESSEE: an addressee reports on its
	 * recommendation, it does not keep the record. */
	{ POLICY_UPDATE_HOUSEHOLD, WIDE, R(DEPARTEMENT) },
	{ POLICY_UPDATE_HOUSEHOLD, CASE_BOUND, R(FILER) },
	{ POLICY_UPDATE_HOUSEHOLD, LANDLORDS, R(LANDLORD) },
	{ POLICY_UPDATE_HOUSEHOLD, OPERATORS, R(ASSIGNED) },
	{ POLICY_UPDATE_HOUSEHOLD, K(SOCIAL_SERVICE), R(TERRITORY) },
	{ POLICY_UPDATE_HOUSEHOLD, K(CAF), R(BENEFICIARY) },

	/* The préfecture keys in procedures that reach it on paper. */
	{ POLICY_FILE_PROCEDURE, K(BAILIFF) | K(PREFECTURE), R(NONE) },
	{ POLICY_ADD_BAILIFF_ACT, K(BAILIFF), R(FILER) },
	{ POLICY_ADD_BAILIFF_ACT, K(PREFECTURE), R(DEPARTEMENT) },
	{ POLICY_ADD_PREFECT_DECISION, K(PREFECTURE), R(DEPARTEMENT) },
	/* The bailiff carries the eviction out; the préfecture records it too. */
	{ POLICY_ADD_EVICTION, K(BAILIFF), R(FILER) },
	{ POLICY_ADD_EVICTION, K(PREFECTURE), R(DEPARTEMENT) },
	/* Which ending each kind may record (over-indebtedness for the Banque
	 * de France, debt settled through the FSL...) is the procedure's rule. */
	{ POLICY_ADD_EARLY_ENDING, WIDE, R(DEPARTEMENT) },
	{ POLICY_ADD_EARLY_ENDING, K(BAILIFF) | K(BANQUE_DE_FRANCE), R(FILER) },
	{ POLICY_ADD_EARLY_ENDING, LANDLORDS, R(LANDLORD) },

	{ POLICY_READ_PROCEDURE, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_PROCEDURE, CASE_BOUND, R(FILER) },
	{ POLICY_READ_PROCEDURE, LANDLORDS, R(LANDLORD) },
	{ POLICY_READ_PROCEDURE, OPERATORS, R(ASSIGNED) },
	{ POLICY_READ_PROCEDURE, PARTNERS, R(ADDRESSEE) },
	{ POLICY_READ_PROCEDURE, K(SOCIAL_SERVICE), R(TERRITORY) },
	{ POLICY_READ_PROCEDURE, K(CAF), R(BENEFICIARY) },

	/* Administrative referrals by landlords, signalled files by partners. */
	{ POLICY_CREATE_REFERRAL, WIDE, R(DEPARTEMENT) },
	{ POLICY_CREATE_REFERRAL, PARTNERS, R(FILER) },
	{ POLICY_CREATE_REFERRAL, LANDLORDS, R(LANDLORD) },
	{ POLICY_CREATE_REFERRAL, OPERATORS, R(ASSIGNED) },
	{ POLICY_CREATE_REFERRAL, K(SOCIAL_SERVICE), R(TERRITORY) },
	{ POLICY_CREATE_REFERRAL, K(CAF), R(BENEFICIARY) },

	{ POLICY_READ_REFERRAL, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_REFERRAL, PARTNERS, R(FILER) | R(ADDRESSEE) },
	{ POLICY_READ_REFERRAL, LANDLORDS, R(LANDLORD) },
	{ POLICY_READ_REFERRAL, OPERATORS, R(ASSIGNED) },
	{ POLICY_READ_REFERRAL, K(SOCIAL_SERVICE), R(TERRITORY) },
	{ POLICY_READ_REFERRAL, K(CAF), R(BENEFICIARY) },

	{ POLICY_MANAGE_COMMISSIONS, WIDE, R(NONE) },

	/* A recommendation is seen by the secretariat and its addressee only. */
	{ POLICY_READ_RECOMMENDATION, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_RECOMMENDATION, PARTNERS, R(ADDRESSEE) },
	{ POLICY_REPORT_RECOMMENDATION, WIDE, R(DEPARTEMENT) },
	{ POLICY_REPORT_RECOMMENDATION, PARTNERS, R(ADDRESSEE) },

	/* The diagnostic goes to the CCAPEX (run by the State) and is done by
	 * the département or the operator it is assigned to. */
	{ POLICY_READ_DIAGNOSTIC, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_DIAGNOSTIC, K(SOCIAL_SERVICE) | K(ASSOCIATION), R(ASSIGNED) },
	{ POLICY_WRITE_DIAGNOSTIC, K(DEPARTEMENT), R(DEPARTEMENT) },
	{ POLICY_WRITE_DIAGNOSTIC, K(SOCIAL_SERVICE) | K(ASSOCIATION), R(ASSIGNED) },

	/* The mobile team: ADIL and an association, steered by both authorities. */
	{ POLICY_READ_OUTREACH, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_OUTREACH, K(ADIL) | K(ASSOCIATION), R(ASSIGNED) },
	{ POLICY_WRITE_OUTREACH, WIDE, R(DEPARTEMENT) },
	{ POLICY_WRITE_OUTREACH, K(ADIL) | K(ASSOCIATION), R(ASSIGNED) },

	{ POLICY_READ_PREVENTION_LETTER, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_PREVENTION_LETTER, K(ADIL), R(ASSIGNED) },
	{ POLICY_WRITE_PREVENTION_LETTER, WIDE, R(DEPARTEMENT) },
	{ POLICY_WRITE_PREVENTION_LETTER, K(ADIL), R(ASSIGNED) },

	/* MASP is the département's; the State reads it as part of the case. */
	{ POLICY_READ_MEASURE, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_MEASURE, K(SOCIAL_SERVICE) | K(ASSOCIATION), R(ASSIGNED) },
	{ POLICY_WRITE_MEASURE, K(DEPARTEMENT), R(DEPARTEMENT) },
	{ POLICY_WRITE_MEASURE, K(SOCIAL_SERVICE) | K(ASSOCIATION), R(ASSIGNED) },

	{ POLICY_READ_STATS_ALL, WIDE | K(NATIONAL), R(NONE) },
	{ POLICY_READ_STATS_OWN, EVERY_KIND, R(NONE) },

	{ POLICY_IMPORT_ACTS, K(BAILIFF), R(NONE) },
	{ POLICY_IMPORT_CAF_SIGNALS, K(CAF), R(NONE) },
	{ POLICY_IMPORT_ADIL_CONTACTS, K(ADIL), R(NONE) },

	{ POLICY_MANAGE_WEBHOOKS, EVERY_KIND, R(NONE) },

	/* A CAF reads the signals it sent (storage keeps it to its own). */
	{ POLICY_READ_CAF_SIGNALS, WIDE | K(CAF), R(NONE) },
	/* A benefit decision is the CCAPEX's, addressed to the CAF that sent
	 * the signal; it gives the CAF nothing on the household itself. */
	{ POLICY_READ_BENEFIT_DECISION, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_BENEFIT_DECISION, K(CAF), R(ADDRESSEE) },
	{ POLICY_APPLY_BENEFIT_DECISION, K(CAF), R(ADDRESSEE) },
	/* Only the organisation the report was oriented to reports on it: the
	 * local actor, or the département as the FSL's. Storage gives the
	 * relation to the addressee alone (DEPARTEMENT to a département, as on
	 * every case), and none to anyone else. */
	{ POLICY_REPORT_ORIENTATION, K(DEPARTEMENT), R(DEPARTEMENT) },
	{ POLICY_REPORT_ORIENTATION, OPERATORS, R(ADDRESSEE) },

	/* Erasure is the authorities' administrators' (the admin scope), who
	 * answer for the record; the retention rules are theirs to read. */
	{ POLICY_ERASE_HOUSEHOLD, WIDE, R(DEPARTEMENT) },
	{ POLICY_READ_RETENTION_RULES, WIDE, R(NONE) },

	/* The right of access (GDPR art. 15) is answered by the controllers of
	 * the département's records, never by a partner holding a part. */
	{ POLICY_EXPORT_HOUSEHOLD, WIDE, R(DEPARTEMENT) },
};

static const char *const kind_names[ORG_KIND__COUNT] = {
	[ORG_KIND_PREFECTURE] = "prefecture",
	[ORG_KIND_DEPARTEMENT] = "departement",
	[ORG_KIND_BAILIFF] = "bailiff",
	[ORG_KIND_SOCIAL_LANDLORD] = "social_landlord",
	[ORG_KIND_PRIVATE_LANDLORD] = "private_landlord",
	[ORG_KIND_CAF] = "caf",
	[ORG_KIND_ADIL] = "adil",
	[ORG_KIND_SOCIAL_SERVICE] = "social_service",
	[ORG_KIND_ASSOCIATION] = "association",
	[ORG_KIND_BANQUE_DE_FRANCE] = "banque_de_france",
	[ORG_KIND_NATIONAL] = "national",
};

static const char *const action_names[POLICY_ACTION__COUNT] = {
	[POLICY_ADMIN_ORGANISATIONS] = "admin_organisations",
	[POLICY_ADMIN_CLIENTS] = "admin_clients",
	[POLICY_READ_AUDIT] = "read_audit",
	[POLICY_CREATE_HOUSEHOLD] = "create_household",
	[POLICY_READ_HOUSEHOLD] = "read_household",
	[POLICY_UPDATE_HOUSEHOLD] = "update_household",
	[POLICY_FILE_PROCEDURE] = "file_procedure",
	[POLICY_ADD_BAILIFF_ACT] = "add_bailiff_act",
	[POLICY_ADD_PREFECT_DECISION] = "add_prefect_decision",
	[POLICY_ADD_EVICTION] = "add_eviction",
	[POLICY_ADD_EARLY_ENDING] = "add_early_ending",
	[POLICY_READ_PROCEDURE] = "read_procedure",
	[POLICY_CREATE_REFERRAL] = "create_referral",
	[POLICY_READ_REFERRAL] = "read_referral",
	[POLICY_MANAGE_COMMISSIONS] = "manage_commissions",
	[POLICY_READ_RECOMMENDATION] = "read_recommendation",
	[POLICY_REPORT_RECOMMENDATION] = "report_recommendation",
	[POLICY_READ_DIAGNOSTIC] = "read_diagnostic",
	[POLICY_WRITE_DIAGNOSTIC] = "write_diagnostic",
	[POLICY_READ_OUTREACH] = "read_outreach",
	[POLICY_WRITE_OUTREACH] = "write_outreach",
	[POLICY_READ_PREVENTION_LETTER] = "read_prevention_letter",
	[POLICY_WRITE_PREVENTION_LETTER] = "write_prevention_letter",
	[POLICY_READ_MEASURE] = "read_measure",
	[POLICY_WRITE_MEASURE] = "write_measure",
	[POLICY_READ_STATS_ALL] = "read_stats_all",
	[POLICY_READ_STATS_OWN] = "read_stats_own",
	[POLICY_IMPORT_ACTS] = "import_acts",
	[POLICY_IMPORT_CAF_SIGNALS] = "import_caf_signals",
	[POLICY_IMPORT_ADIL_CONTACTS] = "import_adil_contacts",
	[POLICY_MANAGE_WEBHOOKS] = "manage_webhooks",
	[POLICY_READ_CAF_SIGNALS] = "read_caf_signals",
	[POLICY_READ_BENEFIT_DECISION] = "read_benefit_decision",
	[POLICY_APPLY_BENEFIT_DECISION] = "apply_benefit_decision",
	[POLICY_REPORT_ORIENTATION] = "report_orientation",
	[POLICY_ERASE_HOUSEHOLD] = "erase_household",
	[POLICY_READ_RETENTION_RULES] = "read_retention_rules",
	[POLICY_EXPORT_HOUSEHOLD] = "export_household",
};

static const char *const relation_names[POLICY_REL__COUNT] = {
	[POLICY_REL_NONE] = "none",
	[POLICY_REL_DEPARTEMENT] = "departement",
	[POLICY_REL_FILER] = "filer",
	[POLICY_REL_LANDLORD] = "landlord",
	[POLICY_REL_ASSIGNED] = "assigned",
	[POLICY_REL_ADDRESSEE] = "addressee",
	[POLICY_REL_TERRITORY] = "territory",
	[POLICY_REL_BENEFICIARY] = "beneficiary",
};

/* Household field groups by kind; policy_household_fields() gives them only
 * where the kind may read the household at all. */
static const unsigned kind_fields[ORG_KIND__COUNT] = {
	[ORG_KIND_PREFECTURE] = POLICY_FIELD_ALL,
	[ORG_KIND_DEPARTEMENT] = POLICY_FIELD_ALL,
	[ORG_KIND_BAILIFF] = POLICY_FIELD_ADDRESS | POLICY_FIELD_RENT | POLICY_FIELD_LANDLORD,
	[ORG_KIND_SOCIAL_LANDLORD] = POLICY_FIELD_ADDRESS | POLICY_FIELD_OCCUPANTS |
		POLICY_FIELD_RENT | POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_LANDLORD,
	[ORG_KIND_PRIVATE_LANDLORD] = POLICY_FIELD_ADDRESS | POLICY_FIELD_OCCUPANTS |
		POLICY_FIELD_RENT | POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_LANDLORD,
	[ORG_KIND_CAF] = POLICY_FIELD_ALL & ~(POLICY_FIELD_INCOME | POLICY_FIELD_VULNERABILITY),
	[ORG_KIND_ADIL] = POLICY_FIELD_ALL & ~(POLICY_FIELD_INCOME | POLICY_FIELD_CAF_NUMBER |
					      POLICY_FIELD_VULNERABILITY),
	[ORG_KIND_SOCIAL_SERVICE] = POLICY_FIELD_ALL,
	[ORG_KIND_ASSOCIATION] = POLICY_FIELD_ALL,
	[ORG_KIND_BANQUE_DE_FRANCE] = POLICY_FIELD_ADDRESS | POLICY_FIELD_RENT |
		POLICY_FIELD_LANDLORD,
	[ORG_KIND_NATIONAL] = 0,
};

const char *policy_kind_to_string(enum org_kind kind)
{
	if ((unsigned)kind >= ORG_KIND__COUNT)
		return "";
	return kind_names[kind];
}

int policy_kind_from_string(const char *s, enum org_kind *out)
{
	if (s == NULL)
		return -1;
	for (int k = 0; k < ORG_KIND__COUNT; k++) {
		if (strcmp(s, kind_names[k]) == 0) {
			*out = (enum org_kind)k;
			return 0;
		}
	}
	return -1;
}

const char *policy_action_to_string(enum policy_action action)
{
	if ((unsigned)action >= POLICY_ACTION__COUNT)
		return "";
	return action_names[action];
}

const char *policy_relation_to_string(enum policy_relation rel)
{
	if ((unsigned)rel >= POLICY_REL__COUNT)
		return "";
	return relation_names[rel];
}

bool policy_kind_reads_cases(enum org_kind kind)
{
	return kind != ORG_KIND_NATIONAL;
}

bool policy_kind_is_departement_wide(enum org_kind kind)
{
	return kind == ORG_KIND_PREFECTURE || kind == ORG_KIND_DEPARTEMENT;
}

bool policy_allows_any(enum org_kind kind, enum policy_action action,
		       unsigned relations)
{
	if ((unsigned)kind >= ORG_KIND__COUNT || (unsigned)action >= POLICY_ACTION__COUNT)
		return false;
	for (size_t i = 0; i < sizeof(policy_rules) / sizeof(policy_rules[0]); i++) {
		const struct policy_rule *r = &policy_rules[i];
		if (r->action == action && (r->kinds & (1u << kind)) != 0 &&
		    (r->relations & relations) != 0)
			return true;
	}
	return false;
}

bool policy_allows(enum org_kind kind, enum policy_action action,
		   enum policy_relation rel)
{
	if ((unsigned)rel >= POLICY_REL__COUNT)
		return false;
	return policy_allows_any(kind, action, 1u << rel);
}

const char *policy_action_required_scope(enum policy_action action)
{
	switch (action) {
	case POLICY_ADMIN_ORGANISATIONS:
	case POLICY_ADMIN_CLIENTS:
	case POLICY_READ_AUDIT:
	case POLICY_ERASE_HOUSEHOLD:
		return "admin";
	default:
		return NULL;
	}
}

bool policy_allows_scoped(enum org_kind kind, enum policy_action action,
			  enum policy_relation rel, const char *scopes)
{
	if (!policy_allows(kind, action, rel))
		return false;
	const char *needed = policy_action_required_scope(action);
	return needed == NULL || policy_scope_has(scopes, needed);
}

bool policy_scope_has(const char *scopes, const char *scope)
{
	if (scopes == NULL || scope == NULL || scope[0] == '\0')
		return false;
	size_t want = strlen(scope);
	const char *p = scopes;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if ((size_t)(p - word) == want && memcmp(word, scope, want) == 0)
			return true;
	}
	return false;
}

unsigned policy_household_fields(enum org_kind kind, enum policy_relation rel)
{
	if (!policy_allows(kind, POLICY_READ_HOUSEHOLD, rel))
		return 0;
	return kind_fields[kind];
}
