/* CAF signals as read one by one (the writes go through the import's
 * merge, imports_store_merge_caf(), whichever way a signal comes), and the
 * benefit decisions they open (migration 0017). Representations are JSON
 * text built by PostgreSQL (caf_signal_json(), benefit_decision_json()):
 * the caller free()s it. */
#ifndef STORAGE_CAF_STORE_H
#define STORAGE_CAF_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/caf.h"
#include "domain/date.h"
#include "domain/err.h"
#include "storage/db.h"
#include "storage/orgs_store.h"

extern const struct db_stmt caf_store_statements[];

/* --- signals --- */

struct caf_signal_filter {
	const char *household_id;   /* NULL: any */
	const char *constituted;    /* "true", "false", "unknown" or NULL: any */
};

/* org_id NULL: every organisation's signals; else that one's only.
 * departements_of: only those of that organisation's départements (their
 * household's, or their CAF's when matched to none); NULL: any. */
int caf_store_signal_list(PGconn *conn, const char *org_id, const char *departements_of,
			  const struct caf_signal_filter *f, const struct page_cursor *after, int limit,
			  struct json_page *page, struct err *err);
/* ERR_NOT_FOUND when absent or not org_id's (org_id NULL: any), or not of
 * departements_of's départements (NULL: any). */
int caf_store_signal_get(PGconn *conn, const char *id, const char *org_id, const char *departements_of, char **json,
			 struct err *err);

/* --- benefit decisions --- */

/* all: the caller reads every one; else addressee (NULL: none) its own. */
struct benefit_decision_filter {
	const char *status, *household_id, *caf_signal_id; /* NULL: any */
};
/* all_of: the préfecture or département that reads every decision on the
 * households of its départements (NULL: none; STORE_EVERY_CASE: every
 * one); addressee: the CAF that reads those addressed to it (NULL: none). */
int caf_store_decision_list(PGconn *conn, const char *all_of, const char *addressee,
			    const struct benefit_decision_filter *f, const struct page_cursor *after, int limit,
			    struct json_page *page, struct err *err);
int caf_store_decision_get(PGconn *conn, const char *id, const char *all_of, const char *addressee, char **json,
			   int *version, struct err *err);

struct benefit_decision_state {
	enum benefit_decision_status status;
	int version;
	struct date signalled_on;
	bool decided;
	struct date decided_on;
};
/* Locks it (FOR UPDATE); ERR_NOT_FOUND when absent or not visible. */
int caf_store_decision_lock(PGconn *conn, const char *id, const char *all_of, const char *addressee,
			    struct benefit_decision_state *out, struct err *err);
int caf_store_decision_decide(PGconn *conn, const char *id, enum benefit_decision_outcome decision,
			      const char *reasons, const struct date *decided_on, const char *org_id, struct err *err);
int caf_store_decision_apply(PGconn *conn, const char *id, const struct date *applied_on, struct err *err);
/* A correction of a decided decision's reasons (GDPR art. 16). */
int caf_store_decision_correct(PGconn *conn, const char *id, const char *reasons, struct err *err);

#endif
