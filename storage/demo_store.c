#include "storage/demo_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg_err.h"

const struct db_stmt demo_store_statements[] = {
	{ "demo_loaded", "SELECT EXISTS (SELECT 1 FROM procedures WHERE reference = $1)" },
	/* The national dataset: a département of the reference, its communes
	 * counted; its EPCIs with the most communes (communes of no EPCI
	 * together under ''); the communes of one of them in the département
	 * (some EPCIs reach into another: Versailles Grand Parc holds Bièvres). */
	{ "demo_departement",
	  "SELECT d.name, (SELECT count(*) FROM communes c WHERE c.departement_code = d.code)"
	  " FROM departements d WHERE d.code = $1" },
	{ "demo_slots",
	  "SELECT coalesce(epci_siren, ''), count(*) FROM communes WHERE departement_code = $1"
	  " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2::int" },
	{ "demo_slot_communes",
	  "SELECT insee, postcode FROM communes WHERE departement_code = $1 AND coalesce(epci_siren, '') = $2"
	  " ORDER BY insee LIMIT $3::int" },
	{ "demo_today", "SELECT (now() AT TIME ZONE 'Europe/Paris')::date::text" },
	{ "demo_adil_contact",
	  "INSERT INTO adil_contacts (organisation_id, household_id, contact_on, caller, created_by_org)"
	  " VALUES ($1, $2, $3, $4, $5)" },
	{ NULL, NULL },
};

int demo_store_loaded(PGconn *conn, const char *reference, bool *out, struct err *err)
{
	*out = false;
	const char *params[] = { reference };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "demo_loaded", 1, params, err);
	if (rc == ERR_OK)
		*out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int demo_store_departement(PGconn *conn, const char *code, char name[DEMO_STORE_NAME_BYTES], long *communes,
			   struct err *err)
{
	name[0] = '\0';
	*communes = 0;
	const char *params[] = { code };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "demo_departement", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 1) {
		snprintf(name, DEMO_STORE_NAME_BYTES, "%s", PQgetvalue(res, 0, 0));
		*communes = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return rc;
}

int demo_store_slots(PGconn *conn, const char *code, int max, char siren[][10], int *weights, int *count,
		     struct err *err)
{
	*count = 0;
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", max);
	const char *params[] = { code, lim };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "demo_slots", 2, params, err);
	for (int i = 0; rc == ERR_OK && i < PQntuples(res) && i < max; i++) {
		snprintf(siren[i], 10, "%s", PQgetvalue(res, i, 0));
		weights[i] = (int)strtol(PQgetvalue(res, i, 1), NULL, 10);
		(*count)++;
	}
	PQclear(res);
	return rc;
}

int demo_store_communes(PGconn *conn, const char *code, const char *epci_siren, char insee[][6], char postcode[][6],
			int *count, struct err *err)
{
	*count = 0;
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", DEMO_STORE_MAX_COMMUNES);
	const char *params[] = { code, epci_siren, lim };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "demo_slot_communes", 3, params, err);
	for (int i = 0; rc == ERR_OK && i < PQntuples(res); i++) {
		snprintf(insee[i], 6, "%s", PQgetvalue(res, i, 0));
		snprintf(postcode[i], 6, "%s", PQgetvalue(res, i, 1));
		(*count)++;
	}
	PQclear(res);
	return rc;
}

int demo_store_today(PGconn *conn, char today[11], struct err *err)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "demo_today", 0, NULL, err);
	if (rc == ERR_OK)
		snprintf(today, 11, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int demo_store_adil_contact(PGconn *conn, const char *adil_org_id, const char *household_id, const char *contact_on,
			    const char *caller, const char *created_by, struct err *err)
{
	const char *params[] = { adil_org_id, household_id, contact_on, caller, created_by };
	return db_exec_discard(conn, "demo_adil_contact", 5, params, err);
}

int demo_store_analyze(PGconn *conn, struct err *err)
{
	PGresult *res = PQexecParams(conn,
		"VACUUM (ANALYZE) households, procedures, procedure_events, diagnostics, referrals, commissions,"
		" opinions, prevention_letters, adil_contacts, outreach_cases, outreach_interventions, masp_measures,"
		" masp_renewals, case_parties, household_acts, org_acts, org_acts_applied, org_acts_applied_parties,"
		" org_acts_dirty",
		0, NULL, NULL, NULL, NULL, 0);
	int rc = ERR_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err_from_result(res, conn, err);
	PQclear(res);
	return rc;
}
