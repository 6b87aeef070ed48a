/* One transaction per request. */
#ifndef API_TX_H
#define API_TX_H

#include <libpq-fe.h>

#include "api/http.h"

typedef int (*tx_fn)(PGconn *conn, void *ctx, struct err *err);

/* Borrows a connection, runs fn inside BEGIN ... COMMIT, rolls back when fn
 * or the commit fails, and gives the connection back: a failed request
 * changes nothing. */
int tx_run(struct req *req, tx_fn fn, void *ctx, struct err *err);

/*
 * A read that a replica may answer, then its writes (the audit row) on the
 * primary: read runs in a READ ONLY transaction on the replica pool when
 * there is one, then write in a transaction of its own on the primary. When
 * there is no replica, or it is unreachable, down or in conflict with its
 * recovery, read and write run in one transaction on the primary. read
 * must drop what an earlier attempt left in ctx.
 */
int tx_run_read(struct req *req, tx_fn read, tx_fn write, void *ctx, struct err *err);

#endif
