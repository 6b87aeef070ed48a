/* /v1/sync: the mobile apps' offline sync of the outreach cases assigned to
 * the caller's organisation. GET hands out what changed since a cursor,
 * tombstones included; POST applies a batch of changes made offline, each
 * in its own savepoint with its own result, idempotent by change_id. */
#ifndef API_SYNC_H
#define API_SYNC_H

#include <stdint.h>

#include "api/http.h"

/* A batch holds at most 500 changes; each, texts at their longest, stays
 * under 16 KiB. */
#define SYNC_MAX_BODY_BYTES (INT64_C(8) << 20)

int sync_pull(struct req *req, struct reply *rep, struct err *err);
int sync_push(struct req *req, struct reply *rep, struct err *err);

#endif
