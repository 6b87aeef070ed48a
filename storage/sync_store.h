/* The mobile apps' sync: the change log they read from (sync_log of
 * migration 0004, paged on (xid, seq) below the snapshot's xmin: see the
 * migration for why) and the record of the changes they sent
 * (sync_changes), which makes a replayed change answer its first result. */
#ifndef STORAGE_SYNC_STORE_H
#define STORAGE_SYNC_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "storage/db.h"
#include "storage/field_store.h"

extern const struct db_stmt sync_store_statements[];

/* A position in an organisation's log: the writing transaction's xid and
 * the sequence number, both as decimal text ("0" and "0" before anything). */
struct sync_position {
	char xid[24];
	char seq[24];
};

struct sync_entry {
	char entity[32];       /* outreach_case, outreach_intervention */
	char id[40];
	char case_id[40];
	char *record;          /* owned JSON text; NULL for a tombstone */
};

struct sync_page {
	int count;
	struct sync_entry *items; /* owned */
	struct sync_position next; /* after the last item, or the position asked for */
	bool more;
};
void sync_page_free(struct sync_page *page);

/* The records of the caller's organisation changed after position, at
 * most limit, with one audit row per case handed out. Without tombstones
 * (a first sync, when the device holds nothing) a record that is gone is
 * skipped; the position still moves past it. */
int sync_store_read(PGconn *conn, const struct field_caller *caller, const struct sync_position *after,
		    bool tombstones, int limit, struct sync_page *page, struct err *err);

/* Savepoints by fixed names; nesting: item, then apply inside it. */
enum sync_savepoint { SYNC_SAVEPOINT_ITEM, SYNC_SAVEPOINT_APPLY };
int sync_store_savepoint(PGconn *conn, enum sync_savepoint sp, struct err *err);
int sync_store_release(PGconn *conn, enum sync_savepoint sp, struct err *err);
int sync_store_rollback_to(PGconn *conn, enum sync_savepoint sp, struct err *err);

/* Claims change_id for the caller's organisation, with the change's JSON
 * text (its fingerprint is kept). *claimed is true when the id is new;
 * else *stored is the first result (owned; NULL if none was recorded) and
 * *same tells whether the same organisation sent the same change. A
 * concurrent claim of the same id waits for the first to commit. */
int sync_store_claim(PGconn *conn, const struct field_caller *caller, const char *change_id, const char *change,
		     bool *claimed, char **stored, bool *same, struct err *err);

/* Records the result (JSON text) of a claimed change. */
int sync_store_finish(PGconn *conn, const char *change_id, const char *result, struct err *err);

#endif
