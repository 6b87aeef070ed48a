/* Bulk ingest: idempotency keys, import jobs and their items, and the
 * set-based writes of imported items. Rows go to a temporary staging table
 * by COPY (PQputCopyData), then one INSERT ... ON CONFLICT merges them, so
 * that a batch costs a handful of round trips whatever its size; created,
 * updated and unchanged come from the merge's RETURNING. Staging tables are
 * per connection, ON COMMIT DELETE ROWS. */
#ifndef STORAGE_IMPORTS_STORE_H
#define STORAGE_IMPORTS_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/imports.h"
#include "domain/procedure.h"
#include "storage/households_store.h"

/* One item's outcome. */
struct import_result {
	enum import_status status;
	enum import_match match;
	int candidates;          /* households matching, when ambiguous and the importer reads them all; else 0 */
	char field[64];          /* rejected: the member at fault */
	char reason[256];        /* rejected: why */
	enum err_reason why;     /* rejected: the problem type */
	char resource_id[40];    /* the signal, contact or event written */
	char procedure_id[40];   /* acts: the file's procedure, "" otherwise */
	char household_id[40];   /* acts: its household */
};

/* Marks r rejected with err's field and message. */
void import_result_reject(struct import_result *r, const struct err *err);

/* --- idempotency keys and jobs ------------------------------------------------ */

struct import_claim {
	bool found;              /* the key was used before: replay */
	char id[40];
	int http_status;
	char *response;          /* owned: the stored answer */
};
void import_claim_clear(struct import_claim *c);

/* Inside the request's transaction: ERR_CONFLICT while another request holds
 * the key, ERR_UNPROCESSABLE on "Idempotency-Key" when the key was used with
 * another body, else ERR_OK with out->found when it was used with this one. */
int imports_store_claim(PGconn *conn, const char *org_id, const char *key, const char *request_hash,
			struct import_claim *out, struct err *err);

struct import_record {
	const char *id;          /* made by the caller, so that the answer can name it */
	const char *org_id, *org_kind, *client_id;
	const char *key, *request_hash;
	enum import_kind kind;
	int item_count;
	bool is_job;
	int http_status;
	const char *response;
};
int imports_store_save(PGconn *conn, const struct import_record *rec, struct err *err);

/* A job's items, stored in the request's transaction: payloads[i] is item
 * i's JSON text; results[i] is IMPORT_PENDING, or IMPORT_REJECTED already. */
int imports_store_stage_items(PGconn *conn, const char *import_id, int n, const char *const *external_ids,
			      const char *const *payloads, const struct import_result *results, struct err *err);

struct import_chunk {
	char id[40];
	char org_id[40];
	char org_kind[32];
	char client_id[40];      /* "" when none */
	enum import_kind kind;
	int count;
	int *idx;                /* owned */
	char **payloads;         /* owned */
};
void import_chunk_clear(struct import_chunk *c);

/* Locks the oldest unfinished job no other worker holds (FOR UPDATE SKIP
 * LOCKED) and reads up to limit of its pending items in order. ERR_NOT_FOUND
 * when there is none. */
int imports_store_next_chunk(PGconn *conn, int limit, struct import_chunk *out, struct err *err);

/* Records the results of the chunk's items; the job is done when none is
 * pending any more. */
int imports_store_record_results(PGconn *conn, const struct import_chunk *chunk,
				 const struct import_result *results, struct err *err);

/* An import of the organisation: *json is a new malloc'd text the caller
 * frees: for a job {id, kind, status, item_count, processed, counts,
 * results, next_results_after, created_at, finished_at}, results holding
 * at most results_limit processed items of index above results_after (-1:
 * from the first), and next_results_after the index to ask after for more
 * (null when there is none yet); else the stored answer. ERR_NOT_FOUND
 * when it is not the organisation's. */
int imports_store_get(PGconn *conn, const char *org_id, const char *id, int results_after, int results_limit,
		      char **json, int *http_status,
		      struct err *err);

/* Deletes finished imports older than hours (at least 24): the number deleted. */
int imports_store_purge(PGconn *conn, int hours, long long *deleted, struct err *err);

/* --- CAF signals and ADIL contacts ------------------------------------------------ */

/* items[i] is NULL for an item already rejected (results[i] says why). */
int imports_store_merge_caf(PGconn *conn, const struct store_caller *caller, int n,
			    const char *const *external_ids, const struct import_caf_signal *const *items,
			    struct import_result *results, struct err *err);
int imports_store_merge_adil(PGconn *conn, const struct store_caller *caller, int n,
			     const char *const *external_ids, const struct import_adil_contact *const *items,
			     struct import_result *results, struct err *err);

/* --- acts ------------------------------------------------------------------------------ */

/* Serialises the act imports of one organisation (a transaction lock). */
int imports_store_lock_acts(PGconn *conn, const char *org_id, struct err *err);

/* A bailiff's file, as a batch of acts finds or opens it. */
struct import_file {
	const char *reference;           /* borrowed */
	int first_item;                  /* the first item naming it */
	/* filled by imports_store_find_files / imports_store_open_files */
	bool found;
	char procedure_id[40];
	char household_id[40];
	unsigned relations;
	enum import_match match;
	int candidates;
	struct err problem;              /* code != ERR_OK: every act of the file is rejected */
	/* Opened by imports_store_open_files, which writes its household; its
	 * procedure is written by imports_store_write_acts with the state its
	 * acts leave it in (set by the caller after the replay), so that no
	 * stage update follows the insert. */
	bool opened;
	const char *stage_after, *status_after;   /* static names; NULL: "none", "open" */
	int event_count;
};

/* Locks (FOR UPDATE, in id order) the procedures the files name: by the
 * organisation's earlier imports, else by a procedure it filed with that
 * reference (several: a problem on "file_reference"). *today is the day in
 * Europe/Paris. */
int imports_store_find_files(PGconn *conn, const struct store_caller *caller, int n, struct import_file *files,
			     struct date *today, struct err *err);

/* Opens a file for each one not found, on the household the first act
 * names (by CAF number, or address and holder name), or on a new household
 * made from its "household", which it writes; an ambiguous match, a
 * missing household, an unknown commune or landlord is the file's problem.
 * A CAF number matches a household the importer cannot read only when the
 * act's address (commune and street) or holder name confirms it, as folded
 * by import_fold() (0015); otherwise the file is IMPORT_MATCH_UNCONFIRMED,
 * opens nothing and creates no household, and no count is kept of the
 * households that carry the number.
 * The procedure itself is written by imports_store_write_acts. acts is
 * indexed by item. */
int imports_store_open_files(PGconn *conn, const struct store_caller *caller, int n, struct import_file *files,
			     const struct import_act *const *acts, struct err *err);

/* The recorded events of the found files, in order, for the domain to
 * replay; ids and external ids beside them. */
struct import_history {
	int count, cap;
	struct event *events;        /* owned */
	char (*event_ids)[40];       /* owned */
};
void import_history_clear(struct import_history *h);
/* histories[f] for files[f] (left empty when the file was not found); the
 * caller import_history_clear()s each. */
int imports_store_load_histories(PGconn *conn, int n, const struct import_file *files,
				 struct import_history *histories, struct err *err);

/* The acts already imported under these external ids: event_id is the
 * event first recorded, procedure_id its procedure, hash the content last
 * applied. Missing ones are left "". */
struct import_act_ref {
	char event_id[40];
	char procedure_id[40];
	char hash[65];
};
int imports_store_act_refs(PGconn *conn, const char *org_id, int n, const char *const *external_ids,
			   struct import_act_ref *out, struct err *err);

/* One act the domain accepted, with what it sets going. event_id empty:
 * unchanged (only its reference is merged). */
struct import_act_row {
	int item;
	char event_id[40];           /* made by the caller */
	char ref_event_id[40];       /* the act's first event; = event_id for a new act */
	const char *procedure_id, *household_id;   /* borrowed */
	int seq;
	const struct event *ev;      /* borrowed */
	const char *corrects_id;     /* borrowed, or NULL */
	const char *external_id;     /* borrowed */
	char hash[65];
	bool proc_new;               /* its procedure is one of the opened files */
	const char *stage_before, *stage_after, *status_after;
	bool diagnostic, referral;
	const char *queue_kind;      /* NULL, order_to_leave, cfp_request */
	bool queue_has_due;
	struct date queue_due;
	bool queue_open;             /* the procedure's last queue item of the batch */
};

/* Writes the procedures of the opened files, the acts' events, the stages
 * of the procedures found, the change feed of the stage changes, the side
 * effects and the references, then sets results[row.item] created, updated
 * or unchanged. */
int imports_store_write_acts(PGconn *conn, const struct store_caller *caller, int nfiles,
			     const struct import_file *files, int n, const struct import_act_row *rows,
			     struct import_result *results, struct err *err);

#endif
