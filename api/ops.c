#include "api/ops.h"

#include "api/metrics.h"
#include "storage/migrate.h"
#include "storage/ops_store.h"

int ops_healthz(struct req *req, struct reply *rep, struct err *err)
{
	return reply_json(rep, 200, json_pack("{ss}", "status", "ok"));
}

int ops_readyz(struct req *req, struct reply *rep, struct err *err)
{
	PGconn *conn = NULL;
	int version = 0, count = 0;
	int rc = pool_acquire(req->app->pool, &conn, err);
	if (rc == ERR_OK)
		rc = ops_store_schema_version(conn, &version, &count, err);
	pool_release(req->app->pool, conn);
	if (rc != ERR_OK)
		return err_set(err, ERR_UNAVAILABLE, "", "the database is unavailable");
	if (version != migration_files_count || count != migration_files_count)
		return err_set(err, ERR_UNAVAILABLE, "", "the database schema is at version %d, this binary expects %d",
			       version, migration_files_count);
	return reply_json(rep, 200, json_pack("{ss si}", "status", "ready", "schema_version", version));
}

int ops_metrics(struct req *req, struct reply *rep, struct err *err)
{
	struct pool_stats stats;
	pool_get_stats(req->app->pool, &stats);
	size_t len = 0;
	char *text = metrics_render(&stats, &len);
	if (text == NULL)
		return err_set(err, ERR_INTERNAL, "", "cannot render metrics");
	return reply_text(rep, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
