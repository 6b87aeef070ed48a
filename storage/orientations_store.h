/* The orientation of a bailiff's report (referral_orientations of
 * migrations/0018): the secretariat orients it, the addressee reports.
 * Representations come back as JSON text built by PostgreSQL
 * (orientation_json()): the caller free()s it. */
#ifndef STORAGE_ORIENTATIONS_STORE_H
#define STORAGE_ORIENTATIONS_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "storage/ccapex_store.h"
#include "storage/db.h"

extern const struct db_stmt orientations_store_statements[];

/* The referral to orient, locked for the rest of the transaction. */
struct orientation_target {
	char kind[CCAPEX_NAME_LEN];
	char status[CCAPEX_NAME_LEN];
	bool oriented;                       /* an orientation exists */
	char orientation_status[CCAPEX_NAME_LEN]; /* when oriented */
};

/* ERR_NOT_FOUND when absent or not visible through v's read_mask. */
int orientations_store_target(PGconn *conn, const char *referral_id, const struct ccapex_viewer *v,
			      struct orientation_target *out, struct err *err);

/* The kind of an organisation that is not disabled; ERR_UNPROCESSABLE on
 * "addressee_org_id" when there is none. */
int orientations_store_addressee_kind(PGconn *conn, const char *org_id, char kind[CCAPEX_NAME_LEN],
				      struct err *err);

/* Orients the report, or replaces a declined orientation. *created tells
 * which; ERR_CONFLICT on "orientation" when one not declined is there. */
int orientations_store_orient(PGconn *conn, const char *referral_id, const char *actor, const char *addressee_id,
			      const char *note, const char *org_id, bool *created, struct err *err);

/* all: the caller reads every orientation; otherwise those addressed to
 * org_id. ERR_NOT_FOUND otherwise. */
int orientations_store_get(PGconn *conn, const char *referral_id, bool all, const char *org_id, char **json,
			   int *version, struct err *err);

/* The orientation, locked, as all/org_id may see it. */
struct orientation_lock {
	char status[CCAPEX_NAME_LEN];
	int version;
	char oriented_on[11];
	char today[11];                      /* the database's current date */
	bool addressee;                      /* org_id is its addressee */
};

int orientations_store_lock(PGconn *conn, const char *referral_id, bool all, const char *org_id,
			    struct orientation_lock *out, struct err *err);

/* report NULL keeps the one given before. */
int orientations_store_report(PGconn *conn, const char *referral_id, const char *status, const char *report,
			      const char *reported_on, const char *org_id, struct err *err);

#endif
