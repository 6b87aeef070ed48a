/* GET /v1/events: the change feed of the caller's organisation. */
#ifndef API_FEED_H
#define API_FEED_H

#include "api/http.h"
#include "storage/feed_store.h"

/* The relations through which kind may read each type of resource the feed
 * speaks of, from the policy table: the feed and the webhooks hand out what
 * the organisation could read through the API, nothing more. */
void feed_masks_for(enum org_kind kind, struct feed_masks *out);

/* GET /v1/events?after=CURSOR&limit=N&wait=SECONDS */
int feed_list(struct req *req, struct reply *rep, struct err *err);

#endif
