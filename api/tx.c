#include "api/tx.h"

#include "storage/db.h"

int tx_run(struct req *req, tx_fn fn, void *ctx, struct err *err)
{
	PGconn *conn = NULL;
	int rc = pool_acquire(req->app->pool, &conn, err);
	if (rc != ERR_OK)
		return rc;
	rc = db_begin(conn, err);
	if (rc == ERR_OK)
		rc = fn(conn, ctx, err);
	if (rc == ERR_OK)
		rc = db_commit(conn, err);
	if (rc != ERR_OK)
		db_rollback(conn);
	pool_release(req->app->pool, conn);
	return rc;
}
