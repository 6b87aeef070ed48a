/* The complete policy table, written out again by hand: every triple listed
 * here must be allowed and every other one refused. */
#include <check.h>
#include <stdlib.h>

#include "domain/policy.h"

struct allowed {
	enum org_kind kind;
	enum policy_action action;
	enum policy_relation rel;
};

#define A(kind, action, rel) { ORG_KIND_##kind, POLICY_##action, POLICY_REL_##rel }

static const struct allowed expected[] = {
	/* prefecture: the whole département, the administration, the préfet's acts */
	A(PREFECTURE, ADMIN_ORGANISATIONS, NONE),
	A(PREFECTURE, ADMIN_CLIENTS, NONE),
	A(PREFECTURE, READ_AUDIT, NONE),
	A(DEPARTEMENT, READ_AUDIT, NONE),
	A(PREFECTURE, ERASE_HOUSEHOLD, DEPARTEMENT),
	A(DEPARTEMENT, ERASE_HOUSEHOLD, DEPARTEMENT),
	A(PREFECTURE, READ_RETENTION_RULES, NONE),
	A(DEPARTEMENT, READ_RETENTION_RULES, NONE),
	A(PREFECTURE, CREATE_HOUSEHOLD, NONE),
	A(PREFECTURE, FILE_PROCEDURE, NONE),
	A(PREFECTURE, MANAGE_COMMISSIONS, NONE),
	A(PREFECTURE, READ_STATS_ALL, NONE),
	A(PREFECTURE, READ_STATS_OWN, NONE),
	A(PREFECTURE, MANAGE_WEBHOOKS, NONE),
	A(PREFECTURE, READ_CAF_SIGNALS, NONE),
	A(PREFECTURE, READ_BENEFIT_DECISION, DEPARTEMENT),
	A(PREFECTURE, READ_HOUSEHOLD, DEPARTEMENT),
	A(PREFECTURE, UPDATE_HOUSEHOLD, DEPARTEMENT),
	A(PREFECTURE, ADD_BAILIFF_ACT, DEPARTEMENT),
	A(PREFECTURE, ADD_PREFECT_DECISION, DEPARTEMENT),
	A(PREFECTURE, ADD_EVICTION, DEPARTEMENT),
	A(PREFECTURE, ADD_EARLY_ENDING, DEPARTEMENT),
	A(PREFECTURE, READ_PROCEDURE, DEPARTEMENT),
	A(PREFECTURE, CREATE_REFERRAL, DEPARTEMENT),
	A(PREFECTURE, READ_REFERRAL, DEPARTEMENT),
	A(PREFECTURE, READ_RECOMMENDATION, DEPARTEMENT),
	A(PREFECTURE, REPORT_RECOMMENDATION, DEPARTEMENT),
	A(PREFECTURE, READ_DIAGNOSTIC, DEPARTEMENT),
	A(PREFECTURE, READ_OUTREACH, DEPARTEMENT),
	A(PREFECTURE, WRITE_OUTREACH, DEPARTEMENT),
	A(PREFECTURE, READ_PREVENTION_LETTER, DEPARTEMENT),
	A(PREFECTURE, WRITE_PREVENTION_LETTER, DEPARTEMENT),
	A(PREFECTURE, READ_MEASURE, DEPARTEMENT),
	A(PREFECTURE, EXPORT_HOUSEHOLD, DEPARTEMENT),

	/* departement: the whole département, the social side */
	A(DEPARTEMENT, CREATE_HOUSEHOLD, NONE),
	A(DEPARTEMENT, MANAGE_COMMISSIONS, NONE),
	A(DEPARTEMENT, READ_STATS_ALL, NONE),
	A(DEPARTEMENT, READ_STATS_OWN, NONE),
	A(DEPARTEMENT, MANAGE_WEBHOOKS, NONE),
	A(DEPARTEMENT, READ_CAF_SIGNALS, NONE),
	A(DEPARTEMENT, READ_BENEFIT_DECISION, DEPARTEMENT),
	A(DEPARTEMENT, READ_HOUSEHOLD, DEPARTEMENT),
	A(DEPARTEMENT, UPDATE_HOUSEHOLD, DEPARTEMENT),
	A(DEPARTEMENT, ADD_EARLY_ENDING, DEPARTEMENT),
	A(DEPARTEMENT, READ_PROCEDURE, DEPARTEMENT),
	A(DEPARTEMENT, CREATE_REFERRAL, DEPARTEMENT),
	A(DEPARTEMENT, READ_REFERRAL, DEPARTEMENT),
	A(DEPARTEMENT, READ_RECOMMENDATION, DEPARTEMENT),
	A(DEPARTEMENT, REPORT_RECOMMENDATION, DEPARTEMENT),
	A(DEPARTEMENT, READ_DIAGNOSTIC, DEPARTEMENT),
	A(DEPARTEMENT, WRITE_DIAGNOSTIC, DEPARTEMENT),
	A(DEPARTEMENT, READ_OUTREACH, DEPARTEMENT),
	A(DEPARTEMENT, WRITE_OUTREACH, DEPARTEMENT),
	A(DEPARTEMENT, READ_PREVENTION_LETTER, DEPARTEMENT),
	A(DEPARTEMENT, WRITE_PREVENTION_LETTER, DEPARTEMENT),
	A(DEPARTEMENT, READ_MEASURE, DEPARTEMENT),
	A(DEPARTEMENT, WRITE_MEASURE, DEPARTEMENT),
	A(DEPARTEMENT, REPORT_ORIENTATION, DEPARTEMENT),
	A(DEPARTEMENT, EXPORT_HOUSEHOLD, DEPARTEMENT),

	/* bailiff: what it filed, procedure data only */
	A(BAILIFF, CREATE_HOUSEHOLD, NONE),
	A(BAILIFF, FILE_PROCEDURE, NONE),
	A(BAILIFF, READ_STATS_OWN, NONE),
	A(BAILIFF, IMPORT_ACTS, NONE),
	A(BAILIFF, MANAGE_WEBHOOKS, NONE),
	A(BAILIFF, READ_HOUSEHOLD, FILER),
	A(BAILIFF, UPDATE_HOUSEHOLD, FILER),
	A(BAILIFF, ADD_BAILIFF_ACT, FILER),
	A(BAILIFF, ADD_EVICTION, FILER),
	A(BAILIFF, ADD_EARLY_ENDING, FILER),
	A(BAILIFF, READ_PROCEDURE, FILER),

	/* social landlord: its tenants, its referrals, what is addressed to it */
	A(SOCIAL_LANDLORD, CREATE_HOUSEHOLD, NONE),
	A(SOCIAL_LANDLORD, READ_STATS_OWN, NONE),
	A(SOCIAL_LANDLORD, MANAGE_WEBHOOKS, NONE),
	A(SOCIAL_LANDLORD, READ_HOUSEHOLD, FILER),
	A(SOCIAL_LANDLORD, UPDATE_HOUSEHOLD, FILER),
	A(SOCIAL_LANDLORD, READ_PROCEDURE, FILER),
	A(SOCIAL_LANDLORD, CREATE_REFERRAL, FILER),
	A(SOCIAL_LANDLORD, READ_REFERRAL, FILER),
	A(SOCIAL_LANDLORD, READ_HOUSEHOLD, LANDLORD),
	A(SOCIAL_LANDLORD, UPDATE_HOUSEHOLD, LANDLORD),
	A(SOCIAL_LANDLORD, ADD_EARLY_ENDING, LANDLORD),
	A(SOCIAL_LANDLORD, READ_PROCEDURE, LANDLORD),
	A(SOCIAL_LANDLORD, CREATE_REFERRAL, LANDLORD),
	A(SOCIAL_LANDLORD, READ_REFERRAL, LANDLORD),
	A(SOCIAL_LANDLORD, READ_HOUSEHOLD, ADDRESSEE),
	A(SOCIAL_LANDLORD, READ_PROCEDURE, ADDRESSEE),
	A(SOCIAL_LANDLORD, READ_REFERRAL, ADDRESSEE),
	A(SOCIAL_LANDLORD, READ_RECOMMENDATION, ADDRESSEE),
	A(SOCIAL_LANDLORD, REPORT_RECOMMENDATION, ADDRESSEE),

	/* private landlord: the same for the private sector */
	A(PRIVATE_LANDLORD, CREATE_HOUSEHOLD, NONE),
	A(PRIVATE_LANDLORD, READ_STATS_OWN, NONE),
	A(PRIVATE_LANDLORD, MANAGE_WEBHOOKS, NONE),
	A(PRIVATE_LANDLORD, READ_HOUSEHOLD, FILER),
	A(PRIVATE_LANDLORD, UPDATE_HOUSEHOLD, FILER),
	A(PRIVATE_LANDLORD, READ_PROCEDURE, FILER),
	A(PRIVATE_LANDLORD, CREATE_REFERRAL, FILER),
	A(PRIVATE_LANDLORD, READ_REFERRAL, FILER),
	A(PRIVATE_LANDLORD, READ_HOUSEHOLD, LANDLORD),
	A(PRIVATE_LANDLORD, UPDATE_HOUSEHOLD, LANDLORD),
	A(PRIVATE_LANDLORD, ADD_EARLY_ENDING, LANDLORD),
	A(PRIVATE_LANDLORD, READ_PROCEDURE, LANDLORD),
	A(PRIVATE_LANDLORD, CREATE_REFERRAL, LANDLORD),
	A(PRIVATE_LANDLORD, READ_REFERRAL, LANDLORD),
	A(PRIVATE_LANDLORD, READ_HOUSEHOLD, ADDRESSEE),
	A(PRIVATE_LANDLORD, READ_PROCEDURE, ADDRESSEE),
	A(PRIVATE_LANDLORD, READ_REFERRAL, ADDRESSEE),
	A(PRIVATE_LANDLORD, READ_RECOMMENDATION, ADDRESSEE),
	A(PRIVATE_LANDLORD, REPORT_RECOMMENDATION, ADDRESSEE),

	/* caf: its beneficiaries, its signals */
	A(CAF, CREATE_HOUSEHOLD, NONE),
	A(CAF, READ_STATS_OWN, NONE),
	A(CAF, IMPORT_CAF_SIGNALS, NONE),
	A(CAF, MANAGE_WEBHOOKS, NONE),
	A(CAF, READ_CAF_SIGNALS, NONE),
	/* the benefit decisions addressed to it: read and report applied */
	A(CAF, READ_BENEFIT_DECISION, ADDRESSEE),
	A(CAF, APPLY_BENEFIT_DECISION, ADDRESSEE),
	A(CAF, READ_HOUSEHOLD, FILER),
	A(CAF, UPDATE_HOUSEHOLD, FILER),
	A(CAF, READ_PROCEDURE, FILER),
	A(CAF, CREATE_REFERRAL, FILER),
	A(CAF, READ_REFERRAL, FILER),
	A(CAF, READ_HOUSEHOLD, BENEFICIARY),
	A(CAF, UPDATE_HOUSEHOLD, BENEFICIARY),
	A(CAF, READ_PROCEDURE, BENEFICIARY),
	A(CAF, CREATE_REFERRAL, BENEFICIARY),
	A(CAF, READ_REFERRAL, BENEFICIARY),
	A(CAF, READ_HOUSEHOLD, ADDRESSEE),
	A(CAF, READ_PROCEDURE, ADDRESSEE),
	A(CAF, READ_REFERRAL, ADDRESSEE),
	A(CAF, READ_RECOMMENDATION, ADDRESSEE),
	A(CAF, REPORT_RECOMMENDATION, ADDRESSEE),

	/* adil: legal contacts, prevention letters, the mobile team */
	A(ADIL, CREATE_HOUSEHOLD, NONE),
	A(ADIL, READ_STATS_OWN, NONE),
	A(ADIL, IMPORT_ADIL_CONTACTS, NONE),
	A(ADIL, MANAGE_WEBHOOKS, NONE),
	A(ADIL, READ_HOUSEHOLD, FILER),
	A(ADIL, UPDATE_HOUSEHOLD, FILER),
	A(ADIL, READ_PROCEDURE, FILER),
	A(ADIL, CREATE_REFERRAL, FILER),
	A(ADIL, READ_REFERRAL, FILER),
	A(ADIL, READ_HOUSEHOLD, ASSIGNED),
	A(ADIL, UPDATE_HOUSEHOLD, ASSIGNED),
	A(ADIL, READ_PROCEDURE, ASSIGNED),
	A(ADIL, CREATE_REFERRAL, ASSIGNED),
	A(ADIL, READ_REFERRAL, ASSIGNED),
	A(ADIL, READ_OUTREACH, ASSIGNED),
	A(ADIL, WRITE_OUTREACH, ASSIGNED),
	A(ADIL, READ_PREVENTION_LETTER, ASSIGNED),
	A(ADIL, WRITE_PREVENTION_LETTER, ASSIGNED),
	A(ADIL, READ_HOUSEHOLD, ADDRESSEE),
	A(ADIL, READ_PROCEDURE, ADDRESSEE),
	A(ADIL, READ_REFERRAL, ADDRESSEE),
	A(ADIL, READ_RECOMMENDATION, ADDRESSEE),
	A(ADIL, REPORT_RECOMMENDATION, ADDRESSEE),
	A(ADIL, REPORT_ORIENTATION, ADDRESSEE),

	/* social service: its territory's households, its assigned diagnostics */
	A(SOCIAL_SERVICE, CREATE_HOUSEHOLD, NONE),
	A(SOCIAL_SERVICE, READ_STATS_OWN, NONE),
	A(SOCIAL_SERVICE, MANAGE_WEBHOOKS, NONE),
	A(SOCIAL_SERVICE, READ_HOUSEHOLD, FILER),
	A(SOCIAL_SERVICE, UPDATE_HOUSEHOLD, FILER),
	A(SOCIAL_SERVICE, READ_PROCEDURE, FILER),
	A(SOCIAL_SERVICE, CREATE_REFERRAL, FILER),
	A(SOCIAL_SERVICE, READ_REFERRAL, FILER),
	A(SOCIAL_SERVICE, READ_HOUSEHOLD, ASSIGNED),
	A(SOCIAL_SERVICE, UPDATE_HOUSEHOLD, ASSIGNED),
	A(SOCIAL_SERVICE, READ_PROCEDURE, ASSIGNED),
	A(SOCIAL_SERVICE, CREATE_REFERRAL, ASSIGNED),
	A(SOCIAL_SERVICE, READ_REFERRAL, ASSIGNED),
	A(SOCIAL_SERVICE, READ_DIAGNOSTIC, ASSIGNED),
	A(SOCIAL_SERVICE, WRITE_DIAGNOSTIC, ASSIGNED),
	A(SOCIAL_SERVICE, READ_MEASURE, ASSIGNED),
	A(SOCIAL_SERVICE, WRITE_MEASURE, ASSIGNED),
	A(SOCIAL_SERVICE, READ_HOUSEHOLD, TERRITORY),
	A(SOCIAL_SERVICE, UPDATE_HOUSEHOLD, TERRITORY),
	A(SOCIAL_SERVICE, READ_PROCEDURE, TERRITORY),
	A(SOCIAL_SERVICE, CREATE_REFERRAL, TERRITORY),
	A(SOCIAL_SERVICE, READ_REFERRAL, TERRITORY),
	A(SOCIAL_SERVICE, READ_HOUSEHOLD, ADDRESSEE),
	A(SOCIAL_SERVICE, READ_PROCEDURE, ADDRESSEE),
	A(SOCIAL_SERVICE, READ_REFERRAL, ADDRESSEE),
	A(SOCIAL_SERVICE, READ_RECOMMENDATION, ADDRESSEE),
	A(SOCIAL_SERVICE, REPORT_RECOMMENDATION, ADDRESSEE),
	A(SOCIAL_SERVICE, REPORT_ORIENTATION, ADDRESSEE),

	/* association: the cases assigned to it (outreach, diagnostics, MASP) */
	A(ASSOCIATION, CREATE_HOUSEHOLD, NONE),
	A(ASSOCIATION, READ_STATS_OWN, NONE),
	A(ASSOCIATION, MANAGE_WEBHOOKS, NONE),
	A(ASSOCIATION, READ_HOUSEHOLD, FILER),
	A(ASSOCIATION, UPDATE_HOUSEHOLD, FILER),
	A(ASSOCIATION, READ_PROCEDURE, FILER),
	A(ASSOCIATION, CREATE_REFERRAL, FILER),
	A(ASSOCIATION, READ_REFERRAL, FILER),
	A(ASSOCIATION, READ_HOUSEHOLD, ASSIGNED),
	A(ASSOCIATION, UPDATE_HOUSEHOLD, ASSIGNED),
	A(ASSOCIATION, READ_PROCEDURE, ASSIGNED),
	A(ASSOCIATION, CREATE_REFERRAL, ASSIGNED),
	A(ASSOCIATION, READ_REFERRAL, ASSIGNED),
	A(ASSOCIATION, READ_DIAGNOSTIC, ASSIGNED),
	A(ASSOCIATION, WRITE_DIAGNOSTIC, ASSIGNED),
	A(ASSOCIATION, READ_OUTREACH, ASSIGNED),
	A(ASSOCIATION, WRITE_OUTREACH, ASSIGNED),
	A(ASSOCIATION, READ_MEASURE, ASSIGNED),
	A(ASSOCIATION, WRITE_MEASURE, ASSIGNED),
	A(ASSOCIATION, READ_HOUSEHOLD, ADDRESSEE),
	A(ASSOCIATION, READ_PROCEDURE, ADDRESSEE),
	A(ASSOCIATION, READ_REFERRAL, ADDRESSEE),
	A(ASSOCIATION, READ_RECOMMENDATION, ADDRESSEE),
	A(ASSOCIATION, REPORT_RECOMMENDATION, ADDRESSEE),
	A(ASSOCIATION, REPORT_ORIENTATION, ADDRESSEE),

	/* banque_de_france: its over-indebtedness files and their effect */
	A(BANQUE_DE_FRANCE, CREATE_HOUSEHOLD, NONE),
	A(BANQUE_DE_FRANCE, READ_STATS_OWN, NONE),
	/* national: the national key figures, nothing personal */
	A(NATIONAL, READ_STATS_ALL, NONE),
	A(BANQUE_DE_FRANCE, MANAGE_WEBHOOKS, NONE),
	A(BANQUE_DE_FRANCE, READ_HOUSEHOLD, FILER),
	A(BANQUE_DE_FRANCE, UPDATE_HOUSEHOLD, FILER),
	A(BANQUE_DE_FRANCE, ADD_EARLY_ENDING, FILER),
	A(BANQUE_DE_FRANCE, READ_PROCEDURE, FILER),
};

static bool expected_allows(enum org_kind k, enum policy_action a, enum policy_relation r)
{
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (expected[i].kind == k && expected[i].action == a && expected[i].rel == r)
			return true;
	}
	return false;
}

START_TEST(complete_table)
{
	int allowed = 0;
	for (int k = 0; k < ORG_KIND__COUNT; k++) {
		for (int a = 0; a < POLICY_ACTION__COUNT; a++) {
			for (int r = 0; r < POLICY_REL__COUNT; r++) {
				bool want = expected_allows(k, a, r);
				bool got = policy_allows(k, a, r);
				ck_assert_msg(want == got, "%s %s %s: expected %s",
					      policy_kind_to_string(k), policy_action_to_string(a),
					      policy_relation_to_string(r),
					      want ? "allowed" : "refused");
				allowed += got;
			}
		}
	}
	ck_assert_int_eq(allowed, (int)(sizeof(expected) / sizeof(expected[0])));
}
END_TEST

/* Each expected triple appears once, so the count above is meaningful. */
START_TEST(expected_has_no_duplicates)
{
	size_t n = sizeof(expected) / sizeof(expected[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert(!(expected[i].kind == expected[j].kind &&
				    expected[i].action == expected[j].action &&
				    expected[i].rel == expected[j].rel));
}
END_TEST

static bool is_collection(enum policy_action a)
{
	switch (a) {
	case POLICY_ADMIN_ORGANISATIONS: case POLICY_ADMIN_CLIENTS:
	case POLICY_READ_AUDIT: case POLICY_CREATE_HOUSEHOLD:
	case POLICY_FILE_PROCEDURE: case POLICY_MANAGE_COMMISSIONS:
	case POLICY_READ_STATS_ALL: case POLICY_READ_STATS_OWN:
	case POLICY_IMPORT_ACTS: case POLICY_IMPORT_CAF_SIGNALS:
	case POLICY_IMPORT_ADIL_CONTACTS: case POLICY_MANAGE_WEBHOOKS:
	case POLICY_READ_CAF_SIGNALS: case POLICY_READ_RETENTION_RULES:
		return true;
	default:
		return false;
	}
}

/* Collection actions only with NONE, case actions never with NONE; bailiffs
 * only through FILER; prefecture and departement only through NONE or
 * DEPARTEMENT, and nobody else through DEPARTEMENT. */
START_TEST(structural_properties)
{
	for (int k = 0; k < ORG_KIND__COUNT; k++) {
		for (int a = 0; a < POLICY_ACTION__COUNT; a++) {
			for (int r = 0; r < POLICY_REL__COUNT; r++) {
				if (!policy_allows(k, a, r))
					continue;
				ck_assert(is_collection(a) == (r == POLICY_REL_NONE));
				if (k == ORG_KIND_BAILIFF)
					ck_assert(r == POLICY_REL_NONE || r == POLICY_REL_FILER);
				if (r != POLICY_REL_NONE)
					ck_assert(policy_kind_is_departement_wide(k) ==
						  (r == POLICY_REL_DEPARTEMENT));
			}
		}
	}
}
END_TEST

START_TEST(domain_rules_spelled_out)
{
	static const enum org_kind landlords[] = { ORG_KIND_SOCIAL_LANDLORD,
						   ORG_KIND_PRIVATE_LANDLORD };
	for (int r = 0; r < POLICY_REL__COUNT; r++) {
		for (size_t i = 0; i < 2; i++) {
			ck_assert(!policy_allows(landlords[i], POLICY_READ_DIAGNOSTIC, r));
			ck_assert(!policy_allows(landlords[i], POLICY_WRITE_DIAGNOSTIC, r));
			ck_assert(!policy_allows(landlords[i], POLICY_READ_MEASURE, r));
			ck_assert(!policy_allows(landlords[i], POLICY_READ_OUTREACH, r));
		}
		/* a bailiff reaches nothing social */
		ck_assert(!policy_allows(ORG_KIND_BAILIFF, POLICY_READ_DIAGNOSTIC, r));
		ck_assert(!policy_allows(ORG_KIND_BAILIFF, POLICY_READ_REFERRAL, r));
		ck_assert(!policy_allows(ORG_KIND_BAILIFF, POLICY_READ_RECOMMENDATION, r));
		ck_assert(!policy_allows(ORG_KIND_BAILIFF, POLICY_READ_MEASURE, r));
		/* only the préfet decides on the police assistance */
		for (int k = 0; k < ORG_KIND__COUNT; k++)
			if (k != ORG_KIND_PREFECTURE)
				ck_assert(!policy_allows(k, POLICY_ADD_PREFECT_DECISION, r));
	}
	/* social services: territory shows the household, not its diagnostic */
	ck_assert(policy_allows(ORG_KIND_SOCIAL_SERVICE, POLICY_READ_HOUSEHOLD,
				POLICY_REL_TERRITORY));
	ck_assert(!policy_allows(ORG_KIND_SOCIAL_SERVICE, POLICY_READ_DIAGNOSTIC,
				 POLICY_REL_TERRITORY));
	ck_assert(policy_allows(ORG_KIND_SOCIAL_SERVICE, POLICY_READ_DIAGNOSTIC,
				POLICY_REL_ASSIGNED));
	/* a relation a kind cannot hold gives nothing */
	ck_assert(!policy_allows(ORG_KIND_CAF, POLICY_READ_HOUSEHOLD, POLICY_REL_TERRITORY));
	ck_assert(!policy_allows(ORG_KIND_ASSOCIATION, POLICY_READ_HOUSEHOLD,
				 POLICY_REL_BENEFICIARY));
	ck_assert(!policy_allows(ORG_KIND_BAILIFF, POLICY_READ_HOUSEHOLD,
				 POLICY_REL_DEPARTEMENT));
	ck_assert(!policy_allows(ORG_KIND_BAILIFF, POLICY_READ_HOUSEHOLD, POLICY_REL_NONE));
}
END_TEST

START_TEST(out_of_range_is_refused)
{
	ck_assert(!policy_allows((enum org_kind)ORG_KIND__COUNT, POLICY_CREATE_HOUSEHOLD,
				 POLICY_REL_NONE));
	ck_assert(!policy_allows((enum org_kind)-1, POLICY_CREATE_HOUSEHOLD, POLICY_REL_NONE));
	ck_assert(!policy_allows(ORG_KIND_PREFECTURE, (enum policy_action)POLICY_ACTION__COUNT,
				 POLICY_REL_NONE));
	ck_assert(!policy_allows(ORG_KIND_PREFECTURE, POLICY_READ_HOUSEHOLD,
				 (enum policy_relation)POLICY_REL__COUNT));
	ck_assert(!policy_allows(ORG_KIND_PREFECTURE, POLICY_READ_HOUSEHOLD,
				 (enum policy_relation)40));
	ck_assert_uint_eq(policy_household_fields((enum org_kind)99, POLICY_REL_FILER), 0);
	ck_assert_str_eq(policy_kind_to_string((enum org_kind)99), "");
	ck_assert_str_eq(policy_action_to_string((enum policy_action)99), "");
	ck_assert_str_eq(policy_relation_to_string((enum policy_relation)99), "");
}
END_TEST

START_TEST(allows_any)
{
	unsigned landlord_and_addressee = (1u << POLICY_REL_LANDLORD) | (1u << POLICY_REL_ADDRESSEE);
	ck_assert(policy_allows_any(ORG_KIND_SOCIAL_LANDLORD, POLICY_REPORT_RECOMMENDATION,
				    landlord_and_addressee));
	ck_assert(policy_allows_any(ORG_KIND_SOCIAL_LANDLORD, POLICY_ADD_EARLY_ENDING,
				    landlord_and_addressee));
	ck_assert(!policy_allows_any(ORG_KIND_SOCIAL_LANDLORD, POLICY_READ_DIAGNOSTIC,
				     0xffffffffu));
	ck_assert(!policy_allows_any(ORG_KIND_PREFECTURE, POLICY_READ_HOUSEHOLD, 0));
	for (int k = 0; k < ORG_KIND__COUNT; k++)
		for (int a = 0; a < POLICY_ACTION__COUNT; a++)
			for (int r = 0; r < POLICY_REL__COUNT; r++)
				ck_assert(policy_allows_any(k, a, 1u << r) == expected_allows(k, a, r));
}
END_TEST

START_TEST(kind_strings)
{
	static const char *const names[ORG_KIND__COUNT] = {
		"prefecture", "departement", "bailiff", "social_landlord",
		"private_landlord", "caf", "adil", "social_service", "association",
		"banque_de_france", "national",
	};
	for (int k = 0; k < ORG_KIND__COUNT; k++)
		ck_assert(policy_kind_reads_cases(k) == (k != ORG_KIND_NATIONAL));
	for (int k = 0; k < ORG_KIND__COUNT; k++) {
		enum org_kind out = ORG_KIND__COUNT;
		ck_assert_str_eq(policy_kind_to_string(k), names[k]);
		ck_assert_int_eq(policy_kind_from_string(names[k], &out), 0);
		ck_assert_int_eq(out, k);
	}
	static const char *const bad[] = {
		"", "Prefecture", "PREFECTURE", "prefecture ", " prefecture", "prefect",
		"prefecturex", "social-landlord", "landlord", "msa", "banque de france",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum org_kind out = ORG_KIND_CAF;
		ck_assert_int_eq(policy_kind_from_string(bad[i], &out), -1);
		ck_assert_int_eq(out, ORG_KIND_CAF);
	}
	enum org_kind out = ORG_KIND_CAF;
	ck_assert_int_eq(policy_kind_from_string(NULL, &out), -1);
	ck_assert_str_eq(policy_action_to_string(POLICY_READ_HOUSEHOLD), "read_household");
	ck_assert_str_eq(policy_relation_to_string(POLICY_REL_TERRITORY), "territory");
	for (int a = 0; a < POLICY_ACTION__COUNT; a++)
		ck_assert(policy_action_to_string(a)[0] != '\0');
	for (int r = 0; r < POLICY_REL__COUNT; r++)
		ck_assert(policy_relation_to_string(r)[0] != '\0');
}
END_TEST

START_TEST(scopes)
{
	ck_assert(policy_scope_has("admin", "admin"));
	ck_assert(policy_scope_has("read admin", "admin"));
	ck_assert(policy_scope_has("admin read", "admin"));
	ck_assert(policy_scope_has("  read   admin  ", "admin"));
	ck_assert(policy_scope_has("read write", "write"));
	ck_assert(!policy_scope_has("administrator", "admin"));
	ck_assert(!policy_scope_has("read:admin", "admin"));
	ck_assert(!policy_scope_has("admin:read", "admin"));
	ck_assert(!policy_scope_has("xadmin", "admin"));
	ck_assert(!policy_scope_has("adm", "admin"));
	ck_assert(!policy_scope_has("Admin", "admin"));
	ck_assert(!policy_scope_has("read,admin", "admin"));
	ck_assert(!policy_scope_has("read\tadmin", "admin"));
	ck_assert(!policy_scope_has("", "admin"));
	ck_assert(!policy_scope_has("   ", "admin"));
	ck_assert(!policy_scope_has(NULL, "admin"));
	ck_assert(!policy_scope_has("admin", NULL));
	ck_assert(!policy_scope_has("admin", ""));
	ck_assert(!policy_scope_has("read admin", "read admin"));
}
END_TEST

START_TEST(admin_needs_scope)
{
	ck_assert_str_eq(policy_action_required_scope(POLICY_ADMIN_CLIENTS), "admin");
	ck_assert_str_eq(policy_action_required_scope(POLICY_ADMIN_ORGANISATIONS), "admin");
	ck_assert_str_eq(policy_action_required_scope(POLICY_READ_AUDIT), "admin");
	ck_assert_str_eq(policy_action_required_scope(POLICY_ERASE_HOUSEHOLD), "admin");
	ck_assert(!policy_allows_scoped(ORG_KIND_DEPARTEMENT, POLICY_ERASE_HOUSEHOLD, POLICY_REL_DEPARTEMENT,
					"read write"));
	ck_assert(policy_allows_scoped(ORG_KIND_DEPARTEMENT, POLICY_ERASE_HOUSEHOLD, POLICY_REL_DEPARTEMENT,
				       "read write admin"));
	ck_assert_ptr_null(policy_action_required_scope(POLICY_READ_HOUSEHOLD));
	ck_assert(policy_allows_scoped(ORG_KIND_PREFECTURE, POLICY_ADMIN_CLIENTS,
				       POLICY_REL_NONE, "read admin"));
	ck_assert(!policy_allows_scoped(ORG_KIND_PREFECTURE, POLICY_ADMIN_CLIENTS,
					POLICY_REL_NONE, "administrator"));
	ck_assert(!policy_allows_scoped(ORG_KIND_PREFECTURE, POLICY_ADMIN_ORGANISATIONS,
					POLICY_REL_NONE, NULL));
	ck_assert(!policy_allows_scoped(ORG_KIND_DEPARTEMENT, POLICY_ADMIN_ORGANISATIONS,
					POLICY_REL_NONE, "admin"));
	ck_assert(!policy_allows_scoped(ORG_KIND_BAILIFF, POLICY_ADMIN_CLIENTS,
					POLICY_REL_NONE, "admin"));
	ck_assert(policy_allows_scoped(ORG_KIND_BAILIFF, POLICY_READ_PROCEDURE,
				       POLICY_REL_FILER, ""));
	ck_assert(!policy_allows_scoped(ORG_KIND_BAILIFF, POLICY_READ_PROCEDURE,
					POLICY_REL_NONE, "admin"));
}
END_TEST

/* The redaction masks, kind by kind, for every relation that reads. */
START_TEST(household_fields)
{
	const unsigned all = POLICY_FIELD_ADDRESS | POLICY_FIELD_OCCUPANTS | POLICY_FIELD_RENT |
		POLICY_FIELD_INCOME | POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_CAF_NUMBER |
		POLICY_FIELD_CONTACT | POLICY_FIELD_VULNERABILITY | POLICY_FIELD_LANDLORD;
	ck_assert_uint_eq(POLICY_FIELD_ALL, all);
	const unsigned landlord = POLICY_FIELD_ADDRESS | POLICY_FIELD_OCCUPANTS |
		POLICY_FIELD_RENT | POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_LANDLORD;
	const unsigned procedure_only = POLICY_FIELD_ADDRESS | POLICY_FIELD_RENT |
		POLICY_FIELD_LANDLORD;
	const unsigned caf = POLICY_FIELD_ADDRESS | POLICY_FIELD_OCCUPANTS | POLICY_FIELD_RENT |
		POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_CAF_NUMBER | POLICY_FIELD_CONTACT |
		POLICY_FIELD_LANDLORD;
	const unsigned adil = POLICY_FIELD_ADDRESS | POLICY_FIELD_OCCUPANTS | POLICY_FIELD_RENT |
		POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_CONTACT | POLICY_FIELD_LANDLORD;
	static const struct {
		enum org_kind kind;
		enum policy_relation rel;
		int mask; /* 0 all, 1 landlord, 2 procedure_only, 3 caf, 4 adil */
	} reads[] = {
		{ ORG_KIND_PREFECTURE, POLICY_REL_DEPARTEMENT, 0 },
		{ ORG_KIND_DEPARTEMENT, POLICY_REL_DEPARTEMENT, 0 },
		{ ORG_KIND_BAILIFF, POLICY_REL_FILER, 2 },
		{ ORG_KIND_SOCIAL_LANDLORD, POLICY_REL_FILER, 1 },
		{ ORG_KIND_SOCIAL_LANDLORD, POLICY_REL_LANDLORD, 1 },
		{ ORG_KIND_SOCIAL_LANDLORD, POLICY_REL_ADDRESSEE, 1 },
		{ ORG_KIND_PRIVATE_LANDLORD, POLICY_REL_FILER, 1 },
		{ ORG_KIND_PRIVATE_LANDLORD, POLICY_REL_LANDLORD, 1 },
		{ ORG_KIND_PRIVATE_LANDLORD, POLICY_REL_ADDRESSEE, 1 },
		{ ORG_KIND_CAF, POLICY_REL_FILER, 3 },
		{ ORG_KIND_CAF, POLICY_REL_BENEFICIARY, 3 },
		{ ORG_KIND_CAF, POLICY_REL_ADDRESSEE, 3 },
		{ ORG_KIND_ADIL, POLICY_REL_FILER, 4 },
		{ ORG_KIND_ADIL, POLICY_REL_ASSIGNED, 4 },
		{ ORG_KIND_ADIL, POLICY_REL_ADDRESSEE, 4 },
		{ ORG_KIND_SOCIAL_SERVICE, POLICY_REL_FILER, 0 },
		{ ORG_KIND_SOCIAL_SERVICE, POLICY_REL_ASSIGNED, 0 },
		{ ORG_KIND_SOCIAL_SERVICE, POLICY_REL_TERRITORY, 0 },
		{ ORG_KIND_SOCIAL_SERVICE, POLICY_REL_ADDRESSEE, 0 },
		{ ORG_KIND_ASSOCIATION, POLICY_REL_FILER, 0 },
		{ ORG_KIND_ASSOCIATION, POLICY_REL_ASSIGNED, 0 },
		{ ORG_KIND_ASSOCIATION, POLICY_REL_ADDRESSEE, 0 },
		{ ORG_KIND_BANQUE_DE_FRANCE, POLICY_REL_FILER, 2 },
	};
	const unsigned masks[] = { all, landlord, procedure_only, caf, adil };
	for (int k = 0; k < ORG_KIND__COUNT; k++) {
		for (int r = 0; r < POLICY_REL__COUNT; r++) {
			unsigned want = 0;
			for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
				if (reads[i].kind == (enum org_kind)k &&
				    reads[i].rel == (enum policy_relation)r)
					want = masks[reads[i].mask];
			ck_assert_msg(policy_household_fields(k, r) == want, "%s %s: %#x, want %#x",
				      policy_kind_to_string(k), policy_relation_to_string(r),
				      policy_household_fields(k, r), want);
		}
	}
	/* The domain's sentences, checked on their own. */
	const unsigned social = POLICY_FIELD_INCOME | POLICY_FIELD_CAF_NUMBER |
		POLICY_FIELD_VULNERABILITY;
	for (int r = 0; r < POLICY_REL__COUNT; r++) {
		ck_assert_uint_eq(policy_household_fields(ORG_KIND_SOCIAL_LANDLORD, r) & social, 0);
		ck_assert_uint_eq(policy_household_fields(ORG_KIND_PRIVATE_LANDLORD, r) & social, 0);
		ck_assert_uint_eq(policy_household_fields(ORG_KIND_BAILIFF, r) &
				  (social | POLICY_FIELD_HOUSING_BENEFIT | POLICY_FIELD_CONTACT |
				   POLICY_FIELD_OCCUPANTS), 0);
	}
	ck_assert(policy_household_fields(ORG_KIND_BAILIFF, POLICY_REL_FILER) &
		  POLICY_FIELD_ADDRESS);
	ck_assert_uint_eq(policy_household_fields(ORG_KIND_BAILIFF, POLICY_REL_NONE), 0);
	ck_assert_uint_eq(policy_household_fields(ORG_KIND_SOCIAL_SERVICE, POLICY_REL_NONE), 0);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");
	tcase_add_test(tc, complete_table);
	tcase_add_test(tc, expected_has_no_duplicates);
	tcase_add_test(tc, structural_properties);
	tcase_add_test(tc, domain_rules_spelled_out);
	tcase_add_test(tc, out_of_range_is_refused);
	tcase_add_test(tc, allows_any);
	tcase_add_test(tc, kind_strings);
	tcase_add_test(tc, scopes);
	tcase_add_test(tc, admin_needs_scope);
	tcase_add_test(tc, household_fields);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
