/* Bulk ingest: POST /v1/imports/{kind} (a JSON array or NDJSON of up to
 * 50,000 items, under an Idempotency-Key) and GET /v1/imports/{id}. Each
 * item is validated and applied on its own; batches over the synchronous
 * limit become jobs that api/import_worker.c applies. */
#ifndef API_IMPORTS_H
#define API_IMPORTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "api/http.h"
#include "domain/imports.h"
#include "storage/imports_store.h"

int imports_post(struct req *req, struct reply *rep, struct err *err);
int imports_get(struct req *req, struct reply *rep, struct err *err);

/* A batch of parsed items: everything indexed by item. */
struct import_batch {
	enum import_kind kind;
	enum org_kind org_kind;
	int n;
	json_t **items;                       /* owned; NULL for a line that is not JSON */
	const char **external_ids;            /* borrowed from items; NULL when missing */
	struct import_caf_signal *caf;        /* kind's array, or NULL */
	struct import_adil_contact *adil;
	struct import_act *acts;
	struct import_result *results;        /* owned */
	bool *valid;                          /* owned: passed the checks, to apply */
	struct date today;                    /* the day the windows of dates are drawn around */
};

/* A batch of n items the caller fills with imports_batch_read(); free with
 * imports_batch_free(), which accepts NULL. */
struct import_batch *imports_batch_new(enum import_kind kind, enum org_kind org_kind, int n);
void imports_batch_free(struct import_batch *b);

/* Item i: steals item (NULL: not JSON); checks it, or marks it rejected. */
void imports_batch_read(struct import_batch *b, int i, json_t *item);

/* One CAF signal's members as an import item carries them (external_id
 * aside), checked and judged; strings are borrowed from o, whose texts
 * are trimmed in place. For POST /v1/caf-signals. */
int imports_read_caf_signal(json_t *o, const struct date *today, struct import_caf_signal *s, struct err *err);

/* Rejects the items whose external_id came earlier in the batch. */
int imports_batch_dedupe(struct import_batch *b, struct err *err);

/* Applies the valid items inside the caller's transaction; fills results. */
int imports_batch_apply(PGconn *conn, const struct store_caller *caller, struct import_batch *b,
			struct err *err);

#endif
