/* Webhooks of an organisation, their deliveries and the attempts of each
 * (migration 0006). Representations come back as JSON text built by
 * PostgreSQL (webhook_json(), webhook_delivery_json()): the caller free()s
 * it. An organisation reaches only its own webhooks: any other is
 * ERR_NOT_FOUND. */
#ifndef STORAGE_WEBHOOKS_STORE_H
#define STORAGE_WEBHOOKS_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/err.h"
#include "storage/db.h"
#include "storage/feed_store.h"
#include "storage/orgs_store.h"

extern const struct db_stmt webhooks_store_statements[];

/* The webhook follows the organisation's feed from its current end. */
int webhooks_store_create(PGconn *conn, const char *org_id, const char *client_id, const char *url,
			  const char *description, const char *secret, char **json, struct err *err);
int webhooks_store_get(PGconn *conn, const char *org_id, const char *id, char **json, struct err *err);
int webhooks_store_list(PGconn *conn, const char *org_id, const struct page_cursor *after, int limit,
			struct json_page *page, struct err *err);
/* Deletes the webhook with its deliveries. */
int webhooks_store_delete(PGconn *conn, const char *org_id, const char *id, struct err *err);

/* Newest first; status NULL for any; after: id-only cursor (after_id). */
int webhooks_store_deliveries(PGconn *conn, const char *org_id, const char *webhook_id, const char *status,
			      const struct page_cursor *after, int limit, struct json_page *page, struct err *err);

/* --- the delivery worker --- */

#define WEBHOOKS_DUE_MAX 100

/* Webhooks whose organisation's feed has events past their cursor. */
struct webhook_due {
	int count;
	char ids[WEBHOOKS_DUE_MAX][40];
	char kinds[WEBHOOKS_DUE_MAX][32];
};
int webhooks_store_due_feeds(PGconn *conn, struct webhook_due *out, struct err *err);

/* Turns up to limit feed events past the webhook's cursor that masks let
 * its organisation read into pending deliveries, in feed order, and moves
 * the cursor; nothing when another worker holds the webhook. */
int webhooks_store_enqueue(PGconn *conn, const char *webhook_id, const struct feed_masks *masks, int limit,
			   int *enqueued, struct err *err);

/* A delivery a worker holds until lease_ms have passed. */
struct webhook_claim {
	char delivery_id[24];
	char attempt[16];           /* the attempt number: the lease's token */
	char webhook_id[40];
	char event_type[40];
	char url[2049];
	char secret[128];
	char *body;                 /* owned */
};
void webhook_claim_clear(struct webhook_claim *c);

/* The oldest due delivery that is the first pending one of its (webhook,
 * resource), so that each resource's deliveries go out one at a time and
 * in order. *found false when there is none. */
int webhooks_store_claim(PGconn *conn, int lease_ms, struct webhook_claim *out, bool *found, struct err *err);

struct webhook_retry {
	int64_t base_ms;            /* first delay, doubled at each failure */
	int64_t max_ms;             /* longest delay */
	int64_t retry_for_s;        /* after this long since the first attempt: failed */
};
/* Records the attempt; a failure is retried later or, past retry_for_s,
 * marked failed. status_code 0: no HTTP answer. error may be NULL. */
int webhooks_store_record(PGconn *conn, const struct webhook_claim *c, bool delivered, int status_code,
			  const char *error, int duration_ms, const struct webhook_retry *retry, struct err *err);

#endif
