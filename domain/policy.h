/* Who may do what: one table of allow rules over (organisation kind, action,
 * relation to the resource), and the household fields each kind may see.
 * Pure C. Everything not allowed by a rule is refused. */
#ifndef DOMAIN_POLICY_H
#define DOMAIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum org_kind {
	ORG_KIND_PREFECTURE,       /* préfecture, sous-préfectures, DDETS */
	ORG_KIND_DEPARTEMENT,      /* conseil départemental: DDS, MDS, STS, FSL */
	ORG_KIND_BAILIFF,          /* commissaire de justice */
	ORG_KIND_SOCIAL_LANDLORD,
	ORG_KIND_PRIVATE_LANDLORD,
	ORG_KIND_CAF,              /* CAF and MSA */
	ORG_KIND_ADIL,
	ORG_KIND_SOCIAL_SERVICE,   /* MDS, CCAS, STS */
	ORG_KIND_ASSOCIATION,
	ORG_KIND_BANQUE_DE_FRANCE,
	ORG_KIND_NATIONAL,         /* the ministry's delegation (DIHAL): national key figures only */
	ORG_KIND__COUNT
};

/* Actions are of two sorts. A collection action acts on no existing case
 * (creating one, importing, administering, statistics, commission sessions):
 * it is always checked with POLICY_REL_NONE. A case action acts on a
 * household or on something that hangs on one: it is checked with the
 * caller's relation to that resource, and never allowed with
 * POLICY_REL_NONE. */
enum policy_action {
	POLICY_ADMIN_ORGANISATIONS,     /* collection; needs the admin scope */
	POLICY_ADMIN_CLIENTS,           /* collection; needs the admin scope */
	POLICY_READ_AUDIT,              /* collection */
	POLICY_CREATE_HOUSEHOLD,        /* collection */
	POLICY_READ_HOUSEHOLD,          /* case */
	POLICY_UPDATE_HOUSEHOLD,        /* case; only the fields policy_household_fields() gives */
	POLICY_FILE_PROCEDURE,          /* collection; the household must also be readable */
	POLICY_ADD_BAILIFF_ACT,         /* case: payment_order, summons, hearing, judgment,
	                                   order_to_leave, cfp_request */
	POLICY_ADD_PREFECT_DECISION,    /* case: cfp_granted, cfp_refused */
	POLICY_ADD_EVICTION,            /* case: eviction carried out */
	POLICY_ADD_EARLY_ENDING,        /* case: debt settled, plan kept, claim withdrawn,
	                                   household left, over-indebtedness */
	POLICY_READ_PROCEDURE,          /* case */
	POLICY_CREATE_REFERRAL,         /* case: a referral is about an existing household */
	POLICY_READ_REFERRAL,           /* case; includes the opinion given on it */
	POLICY_MANAGE_COMMISSIONS,      /* collection: sessions, agendas, opinions */
	POLICY_READ_RECOMMENDATION,     /* case */
	POLICY_REPORT_RECOMMENDATION,   /* case: pending, accepted, done, declined */
	POLICY_READ_DIAGNOSTIC,         /* case */
	POLICY_WRITE_DIAGNOSTIC,        /* case: request, assignment, interview, report */
	POLICY_READ_OUTREACH,           /* case: mobile team */
	POLICY_WRITE_OUTREACH,          /* case */
	POLICY_READ_PREVENTION_LETTER,  /* case */
	POLICY_WRITE_PREVENTION_LETTER, /* case */
	POLICY_READ_MEASURE,            /* case: MASP */
	POLICY_WRITE_MEASURE,           /* case */
	POLICY_READ_STATS_ALL,          /* collection: the whole département */
	POLICY_READ_STATS_OWN,          /* collection: what the organisation recorded */
	POLICY_IMPORT_ACTS,             /* collection: bailiffs' bulk acts */
	POLICY_IMPORT_CAF_SIGNALS,      /* collection */
	POLICY_IMPORT_ADIL_CONTACTS,    /* collection */
	POLICY_MANAGE_WEBHOOKS,         /* collection: the organisation's own subscriptions */
	POLICY_READ_CAF_SIGNALS,        /* collection: a CAF its own, the secretariat all */
	POLICY_READ_BENEFIT_DECISION,   /* case: the secretariat and the addressee CAF; deciding
	                                   is POLICY_MANAGE_COMMISSIONS */
	POLICY_APPLY_BENEFIT_DECISION,  /* case: the addressee CAF reports it applied */
	POLICY_REPORT_ORIENTATION,      /* case: the addressee of a bailiff's report's orientation;
	                                   storage gives no relation to anyone else */
	POLICY_ERASE_HOUSEHOLD,         /* case: GDPR art. 17; needs the admin scope */
	POLICY_READ_RETENTION_RULES,    /* collection */
	POLICY_EXPORT_HOUSEHOLD,        /* case: everything held on a household and who read it
	                                   (GDPR art. 15), for the person's right of access */
	POLICY_ACTION__COUNT
};

/* The caller's relation to the resource, computed by storage for this one
 * resource. An organisation holding several relations to it is allowed when
 * any of them is (policy_allows_any). */
enum policy_relation {
	POLICY_REL_NONE,         /* no relation; the only one for collection actions */
	POLICY_REL_DEPARTEMENT,  /* prefecture and departement hold it on every case */
	POLICY_REL_FILER,        /* created the resource, or the household record it hangs on */
	POLICY_REL_LANDLORD,     /* is the landlord of the household */
	POLICY_REL_ASSIGNED,     /* operator of a diagnostic, an outreach case, a letter
	                            follow-up or a measure on the household */
	POLICY_REL_ADDRESSEE,    /* a recommendation on the household, or the orientation of
	                            a bailiff's report on it, is addressed to it */
	POLICY_REL_TERRITORY,    /* social service covering the household's commune */
	POLICY_REL_BENEFICIARY,  /* CAF: the household is its allocataire */
	POLICY_REL__COUNT
};

/* Household field groups. The household's id, the names of the lease
 * holders, its commune and EPCI and its timestamps come with every visible
 * household; these bits cover the rest.
 *   prefecture, departement, social_service, association: everything.
 *   bailiff: address, rent, landlord (what serving acts needs; no occupants,
 *     income, benefits, CAF number, contact or notes).
 *   social and private landlords: address, occupants, rent, housing benefit
 *     (often paid to them directly), landlord; never income, the CAF number,
 *     contact details gathered by social workers or vulnerability notes.
 *   caf: all but income and vulnerability notes.
 *   adil: all but income, the CAF number and vulnerability notes.
 *   banque_de_france: address, rent, landlord (to match its file).
 *   national: nothing (it reads no household).
 * A relation that does not let the kind read the household gives 0. */
enum policy_field {
	POLICY_FIELD_ADDRESS         = 1u << 0,
	POLICY_FIELD_OCCUPANTS       = 1u << 1,
	POLICY_FIELD_RENT            = 1u << 2, /* rent, charges, arrears, lease date */
	POLICY_FIELD_INCOME          = 1u << 3,
	POLICY_FIELD_HOUSING_BENEFIT = 1u << 4,
	POLICY_FIELD_CAF_NUMBER      = 1u << 5,
	POLICY_FIELD_CONTACT         = 1u << 6, /* phone, email */
	POLICY_FIELD_VULNERABILITY   = 1u << 7, /* social notes */
	POLICY_FIELD_LANDLORD        = 1u << 8,
	POLICY_FIELD_ALL             = (1u << 9) - 1
};

/* Kind names as they appear in JSON and in tokens ("social_landlord"...).
 * policy_kind_to_string returns a static string, "" for a value out of range.
 * policy_kind_from_string returns 0, or -1 for NULL or an unknown name
 * (exact, case-sensitive match). */
const char *policy_kind_to_string(enum org_kind kind);
int policy_kind_from_string(const char *s, enum org_kind *out);

/* Static names for logs ("read_household", "territory"); "" when out of range. */
const char *policy_action_to_string(enum policy_action action);
const char *policy_relation_to_string(enum policy_relation rel);

/* True when prefecture or departement: storage gives them
 * POLICY_REL_DEPARTEMENT on every case. */
bool policy_kind_is_departement_wide(enum org_kind kind);
/* Whether the kind works on cases: all but the national delegation, which
 * reads the national key figures only. */
bool policy_kind_reads_cases(enum org_kind kind);

bool policy_allows(enum org_kind kind, enum policy_action action,
		   enum policy_relation rel);

/* relations is a bitmask of (1u << enum policy_relation). */
bool policy_allows_any(enum org_kind kind, enum policy_action action,
		       unsigned relations);

/* The scope an action needs besides the table ("admin"), or NULL. */
const char *policy_action_required_scope(enum policy_action action);

/* policy_allows() and, where the action needs a scope, scopes holds it. */
bool policy_allows_scoped(enum org_kind kind, enum policy_action action,
			  enum policy_relation rel, const char *scopes);

/* True when the space-separated list scopes holds scope as a whole word:
 * "admin" is in "read admin" but not in "administrator" or "read:admin".
 * NULL or empty arguments give false. */
bool policy_scope_has(const char *scopes, const char *scope);

/* Bitmask of enum policy_field the kind may see of a household it holds
 * this relation to; 0 when it may not read the household at all. Several
 * relations: OR the masks. */
unsigned policy_household_fields(enum org_kind kind, enum policy_relation rel);

#endif
