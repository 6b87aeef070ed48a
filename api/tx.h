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

#endif
