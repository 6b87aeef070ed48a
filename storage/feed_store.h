/* The change feed: events per addressee organisation (feed_events of
 * migration 0006), written in the transaction of the change that causes
 * them, read in an order that never skips nor repeats an event. */
#ifndef STORAGE_FEED_STORE_H
#define STORAGE_FEED_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/err.h"
#include "storage/db.h"
#include "storage/orgs_store.h"

extern const struct db_stmt feed_store_statements[];

/* The relations (bitmasks of 1 << enum policy_relation) through which the
 * reader's kind may read each type of resource; an event reaches the
 * reader when its relations meet the mask of its resource type. */
struct feed_masks {
	unsigned procedure;
	unsigned referral;        /* and the opinions given on referrals */
	unsigned recommendation;
	unsigned diagnostic;
	unsigned benefit_decision;
	unsigned household;       /* household.erased */
};

/* The masks as statement parameters, in the order above. */
#define FEED_MASKS_COUNT 6
void feed_store_masks_text(char out[FEED_MASKS_COUNT][16], const struct feed_masks *masks);

/* A position in an organisation's feed: (pos, seq) of the last event
 * handed out. The start of the feed is (0, 0). */
struct feed_cursor {
	uint64_t pos;
	int64_t seq;
};

struct feed_page {
	struct json_page events;  /* feed_event_json() texts, in feed order */
	struct feed_cursor next;  /* where to resume; the same as after when nothing is newer */
};
void feed_page_free(struct feed_page *page);

/* Publishes one event for org_id, in conn's current transaction: it becomes
 * visible when that transaction commits. relations: the organisation's
 * relations to the resource; payload_json: a JSON object. *seq may be NULL. */
int feed_store_publish(PGconn *conn, const char *org_id, unsigned relations, const char *type,
		       const char *resource_type, const char *resource_id, const char *payload_json, int64_t *seq,
		       struct err *err);

/* Up to limit events of org_id after `after` that masks let it read. Only
 * events of transactions that have all ended are handed out, so none can
 * later appear before page->next. ERR_GONE when `after` lies before the
 * position up to which the feed was purged (feed_store_purge). */
int feed_store_read(PGconn *conn, const char *org_id, const struct feed_cursor *after, const struct feed_masks *masks,
		    int limit, struct feed_page *page, struct err *err);

struct feed_purged {
	long long events;       /* feed rows removed */
	long long deliveries;   /* delivered or failed webhook deliveries removed */
};

/* In a transaction of its own: removes the feed events created more than
 * retention_days ago, in feed order and never past a webhook's cursor, and
 * moves the feed's horizon; removes webhook deliveries that ended before
 * then, with their attempts. For the schema owner (`prevex purge`). A dry
 * run counts them and rolls back. */
int feed_store_purge(PGconn *conn, int retention_days, bool dry_run, struct feed_purged *out, struct err *err);

#endif
