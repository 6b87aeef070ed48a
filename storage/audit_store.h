/* The append-only audit log, and the throttling of failed token requests. */
#ifndef STORAGE_AUDIT_STORE_H
#define STORAGE_AUDIT_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "storage/db.h"
#include "storage/orgs_store.h"

extern const struct db_stmt audit_store_statements[];

/* Borrowed strings; NULL where unknown. */
struct audit_entry {
	const char *client_id;
	const char *org_id;
	const char *action;        /* "read", "create", "update", "delete", "list", "purge" */
	const char *resource_type; /* "household", "organisation", ... */
	const char *resource_id;
	const char *request_id;
	const char *outcome;       /* "ok", "not_found", "denied", "failed" */
};

int audit_store_append(PGconn *conn, const struct audit_entry *entry, struct err *err);

struct audit_filter {
	const char *org_id;
	const char *client_id;
	const char *action;
	const char *resource_type;
	const char *resource_id;
	const char *since;         /* timestamptz text, inclusive */
	const char *until;         /* exclusive */
	/* The reader: only the entries its départements hold,
	 * audit_entry_readable() of 0025 (NULL: every entry). */
	const char *reader_id;
};

/* Newest first; after_id is the id of the last row of the previous page. */
int audit_store_list(PGconn *conn, const struct audit_filter *filter, const char *after_id, int limit,
		     struct json_page *page, struct err *err);

/* Deletes the rows older than retention_days, as the schema owner, and
 * records the purge itself (resource_id: how many rows went). A dry run
 * counts the rows and rolls back. */
int audit_store_purge(PGconn *conn, int retention_days, bool dry_run, long long *deleted, struct err *err);

/* ERR_TOO_MANY with *retry_after_s when key has failed max times in the
 * current window of window_s seconds. */
int throttle_store_check(PGconn *conn, const char *key, int max, int window_s, int *retry_after_s,
			 struct err *err);
/* Counts one more failure for key; *failures (may be NULL) gets the count
 * in the current window. */
int throttle_store_fail(PGconn *conn, const char *key, int window_s, int *failures, struct err *err);
int throttle_store_clear(PGconn *conn, const char *key, struct err *err);

#endif
