#include "api/tx.h"

#include <stdbool.h>

#include "api/log.h"
#include "storage/db.h"

/* Borrows a connection of pool, runs fn between begin and COMMIT, rolls
 * back when either fails, and gives the connection back. */
static int run_in(struct pool *pool, int (*begin)(PGconn *, struct err *), tx_fn fn, void *ctx,
		  struct err *err)
{
	PGconn *conn = NULL;
	int rc = pool_acquire(pool, &conn, err);
	if (rc != ERR_OK)
		return rc;
	rc = begin(conn, err);
	if (rc == ERR_OK)
		rc = fn(conn, ctx, err);
	if (rc == ERR_OK)
		rc = db_commit(conn, err);
	if (rc != ERR_OK)
		db_rollback(conn);
	pool_release(pool, conn);
	return rc;
}

int tx_run(struct req *req, tx_fn fn, void *ctx, struct err *err)
{
	return run_in(req->app->pool, db_begin, fn, ctx, err);
}

struct read_write {
	tx_fn read, write;
	void *ctx;
};

static int read_then_write(PGconn *conn, void *arg, struct err *err)
{
	struct read_write *rw = arg;
	int rc = rw->read(conn, rw->ctx, err);
	if (rc == ERR_OK)
		rc = rw->write(conn, rw->ctx, err);
	return rc;
}

int tx_run_read(struct req *req, tx_fn read, tx_fn write, void *ctx, struct err *err)
{
	if (req->app->replica_pool != NULL) {
		struct err replica_err;
		err_clear(&replica_err);
		int rc = run_in(req->app->replica_pool, db_begin_read_only, read, ctx, &replica_err);
		if (rc == ERR_OK)
			return tx_run(req, write, ctx, err);
		/* A replica that cannot answer hands over to the primary; a
		 * request the replica refused is refused. */
		bool hand_over = rc == ERR_UNAVAILABLE || rc == ERR_CONFLICT || rc == ERR_INTERNAL;
		if (!hand_over) {
			*err = replica_err;
			return rc;
		}
		log_msg(LOG_WARN, "replica", "read on the primary: %s", replica_err.message);
	}
	struct read_write rw = { read, write, ctx };
	return tx_run(req, read_then_write, &rw, err);
}
