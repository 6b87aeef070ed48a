#include "storage/db.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "storage/audit_store.h"
#include "storage/caf_store.h"
#include "storage/demo_store.h"
#include "storage/stats_store.h"
#include "storage/ccapex_store.h"
#include "storage/feed_store.h"
#include "storage/field_store.h"
#include "storage/households_store.h"
#include "storage/ops_store.h"
#include "storage/orgs_store.h"
#include "storage/orientations_store.h"
#include "storage/pg_err.h"
#include "storage/procedures_store.h"
#include "storage/reference_store.h"
#include "storage/retention_store.h"
#include "storage/sync_store.h"
#include "storage/webhooks_store.h"

/* Every storage module's statements, prepared on each new connection. */
static const struct db_stmt *const statement_sets[] = {
	ops_store_statements,
	orgs_store_statements,
	audit_store_statements,
	ccapex_store_statements,
	orientations_store_statements,
	households_store_statements,
	procedures_store_statements,
	reference_store_statements,
	field_store_statements,
	sync_store_statements,
	feed_store_statements,
	webhooks_store_statements,
	stats_store_statements,
	demo_store_statements,
	caf_store_statements,
	retention_store_statements,
	NULL,
};

const char *db_statement_sql(const char *name)
{
	for (int s = 0; statement_sets[s] != NULL; s++)
		for (const struct db_stmt *st = statement_sets[s]; st->name != NULL; st++)
			if (strcmp(st->name, name) == 0)
				return st->sql;
	return NULL;
}

int db_prepare_all(PGconn *conn, struct err *err)
{
	for (int s = 0; statement_sets[s] != NULL; s++) {
		for (const struct db_stmt *st = statement_sets[s]; st->name != NULL; st++) {
			PGresult *res = PQprepare(conn, st->name, st->sql, 0, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				int rc = pg_err_from_result(res, conn, err);
				if (rc == ERR_INTERNAL || rc == ERR_INVALID)
					rc = err_set(err, ERR_UNAVAILABLE, "", "cannot prepare %s: schema out of date?", st->name);
				PQclear(res);
				return rc;
			}
			PQclear(res);
		}
	}
	return ERR_OK;
}

int db_session_start(PGconn *conn, struct err *err)
{
	PGresult *res = PQexec(conn, "SET jit = off");
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? ERR_OK : pg_err_from_result(res, conn, err);
	PQclear(res);
	return rc == ERR_OK ? db_prepare_all(conn, err) : rc;
}

int db_exec(PGresult **out, PGconn *conn, const char *name, int nparams,
	    const char *const *values, struct err *err)
{
	*out = NULL;
	PGresult *res = PQexecPrepared(conn, name, nparams, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		int rc = pg_err_from_result(res, conn, err);
		PQclear(res);
		return rc;
	}
	*out = res;
	return ERR_OK;
}

int db_exec_discard(PGconn *conn, const char *name, int nparams,
		    const char *const *values, struct err *err)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, name, nparams, values, err);
	PQclear(res);
	return rc;
}

int db_exec_pipelined(PGresult **out, PGconn *conn, const char *name, int count, int nparams,
		      const char *const *values, struct err *err)
{
	int rc = ERR_OK, sent = 0;
	for (int i = 0; i < count; i++)
		out[i] = NULL;
	if (count <= 0)
		return ERR_OK;
	if (PQenterPipelineMode(conn) != 1)
		return err_set(err, ERR_UNAVAILABLE, "", "cannot enter pipeline mode: %s", PQerrorMessage(conn));
	while (sent < count && PQsendQueryPrepared(conn, name, nparams, values + (size_t)sent * (size_t)nparams, NULL, NULL, 0) == 1)
		sent++;
	if (sent < count)
		rc = err_set(err, ERR_UNAVAILABLE, "", "cannot send %s: %s", name, PQerrorMessage(conn));
	if (PQpipelineSync(conn) != 1 && rc == ERR_OK)
		rc = err_set(err, ERR_UNAVAILABLE, "", "cannot end the pipeline: %s", PQerrorMessage(conn));
	/* Each statement's result and the NULL after it; past the first
	 * failure, PGRES_PIPELINE_ABORTED for each. */
	for (int i = 0; i < sent; i++) {
		PGresult *res = PQgetResult(conn);
		if (res == NULL) {
			if (rc == ERR_OK)
				rc = err_set(err, ERR_UNAVAILABLE, "", "no result for %s: %s", name, PQerrorMessage(conn));
			break;
		}
		ExecStatusType st = PQresultStatus(res);
		if (rc == ERR_OK && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)) {
			out[i] = res;
		} else {
			if (rc == ERR_OK)
				rc = pg_err_from_result(res, conn, err);
			PQclear(res);
		}
		PQclear(PQgetResult(conn));
	}
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL) {
		bool synced = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		PQclear(res);
		if (synced)
			break;
	}
	if (PQexitPipelineMode(conn) != 1 && rc == ERR_OK)
		rc = err_set(err, ERR_UNAVAILABLE, "", "cannot leave pipeline mode: %s", PQerrorMessage(conn));
	for (int i = 0; rc != ERR_OK && i < count; i++) {
		PQclear(out[i]);
		out[i] = NULL;
	}
	return rc;
}

void db_results_free(PGresult **out, int count)
{
	for (int i = 0; out != NULL && i < count; i++)
		PQclear(out[i]);
	free(out);
}

static int db_simple(PGconn *conn, const char *sql, struct err *err)
{
	PGresult *res = PQexec(conn, sql);
	int rc = ERR_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err_from_result(res, conn, err);
	PQclear(res);
	return rc;
}

int db_begin(PGconn *conn, struct err *err)
{
	return db_simple(conn, "BEGIN", err);
}

int db_begin_read_only(PGconn *conn, struct err *err)
{
	return db_simple(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
}

int db_commit(PGconn *conn, struct err *err)
{
	return db_simple(conn, "COMMIT", err);
}

void db_rollback(PGconn *conn)
{
	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	PQclear(PQexec(conn, "ROLLBACK"));
}

void db_new_uuid(char out[40])
{
	unsigned char r[16] = { 0 };
	ssize_t got = getrandom(r, sizeof(r), 0);
	for (size_t i = got > 0 ? (size_t)got : 0; i < sizeof(r); i++)
		r[i] = (unsigned char)rand();
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[r[i] >> 4];
		*o++ = hex[r[i] & 0x0f];
	}
	*o = '\0';
}
