/* The little SQL the demo dataset needs beyond the stores the API uses:
 * whether a part is loaded, the communes of an EPCI, the ADIL's contacts
 * (no endpoint records them yet), and fresh planner statistics. */
#ifndef STORAGE_DEMO_STORE_H
#define STORAGE_DEMO_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "storage/db.h"

extern const struct db_stmt demo_store_statements[];

#define DEMO_STORE_MAX_COMMUNES 32

/* True when a procedure with that reference exists: the marker of a part
 * of the dataset, written in the same transaction as the part. */
int demo_store_loaded(PGconn *conn, const char *reference, bool *out, struct err *err);

#define DEMO_STORE_NAME_BYTES 201

/* The name of département code in the reference and its number of
 * communes; name "" and 0 when the reference does not hold it. */
int demo_store_departement(PGconn *conn, const char *code, char name[DEMO_STORE_NAME_BYTES], long *communes,
			   struct err *err);

/* Up to max groups of the département's communes, those of one EPCI each
 * (siren "" for the communes of none), the largest first: their SIRENs and
 * numbers of communes. */
int demo_store_slots(PGconn *conn, const char *code, int max, char siren[][10], int *weights, int *count,
		     struct err *err);

/* Up to DEMO_STORE_MAX_COMMUNES communes of the département in the EPCI
 * (epci_siren "" for those of none), in INSEE order. */
int demo_store_communes(PGconn *conn, const char *code, const char *epci_siren, char insee[][6], char postcode[][6],
			int *count, struct err *err);

/* The database's date in Europe/Paris, "YYYY-MM-DD". */
int demo_store_today(PGconn *conn, char today[11], struct err *err);

/* One legal-information contact of the ADIL (migration 0007). household_id
 * may be NULL. */
int demo_store_adil_contact(PGconn *conn, const char *adil_org_id, const char *household_id, const char *contact_on,
			    const char *caller, const char *created_by, struct err *err);

/* VACUUM (ANALYZE) of the tables the dataset fills, outside any
 * transaction: the statistics for the planner, and the visibility map that
 * lets the key figures count from index-only scans right after a load
 * instead of waiting for autovacuum. */
int demo_store_analyze(PGconn *conn, struct err *err);

#endif
