#include "storage/migrate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg_err.h"

/* Any constant will do, as long as every prevex instance uses the same one. */
#define MIGRATE_LOCK_KEY "7089412375400150001"

static const char bootstrap_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version integer PRIMARY KEY,"
	" name text NOT NULL,"
	" checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now());"
	"GRANT SELECT ON schema_migrations TO PUBLIC;";

static int exec_simple(PGconn *conn, const char *sql, struct err *err, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = ERR_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		pg_err_from_result(res, conn, err);
		rc = err_set(err, err ? err->code : ERR_INTERNAL, "", "%s: %s", what,
			     msg ? msg : PQerrorMessage(conn));
	}
	PQclear(res);
	return rc;
}

/* Compares the applied rows with the embedded files. Returns ERR_OK with
 * *pending set to the first version to apply, or an error naming the file
 * that changed or the version this binary does not know. */
static int compare_applied(PGconn *conn, int *pending, int *highest, struct err *err)
{
	*pending = 1;
	*highest = 0;
	PGresult *res = PQexec(conn, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = pg_err_from_result(res, conn, err);
		PQclear(res);
		return rc;
	}
	int rc = ERR_OK;
	int n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		int version = atoi(PQgetvalue(res, i, 0));
		const char *name = PQgetvalue(res, i, 1);
		const char *sum = PQgetvalue(res, i, 2);
		*highest = version;
		if (version < 1 || version > migration_files_count) {
			rc = err_set(err, ERR_UNAVAILABLE, "", "database schema is ahead of this binary: "
				     "migration %d (%s) is applied but unknown here (binary knows up to %d)",
				     version, name, migration_files_count);
			break;
		}
		const struct migration_file *f = &migration_files[version - 1];
		if (version != i + 1) {
			rc = err_set(err, ERR_UNAVAILABLE, "", "migration %d is missing from schema_migrations", i + 1);
			break;
		}
		if (strcmp(f->sha256, sum) != 0) {
			rc = err_set(err, ERR_UNAVAILABLE, "", "migration %s has changed since it was applied "
				     "(recorded sha256 %.12s..., file %.12s...); add a new migration instead",
				     f->name, sum, f->sha256);
			break;
		}
		*pending = version + 1;
	}
	PQclear(res);
	return rc;
}

static int apply_one(PGconn *conn, const struct migration_file *f, struct err *err)
{
	int rc = exec_simple(conn, "BEGIN", err, "begin");
	if (rc == ERR_OK)
		rc = exec_simple(conn, f->sql, err, f->name);
	if (rc == ERR_OK) {
		char version[16];
		snprintf(version, sizeof(version), "%d", f->version);
		const char *params[] = { version, f->name, f->sha256 };
		PGresult *res = PQexecParams(conn,
			"INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
			3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_err_from_result(res, conn, err);
		PQclear(res);
	}
	if (rc == ERR_OK)
		rc = exec_simple(conn, "COMMIT", err, "commit");
	if (rc != ERR_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}

int migrate_run(PGconn *conn, int *applied, FILE *out, struct err *err)
{
	*applied = 0;
	int rc = exec_simple(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, "advisory lock");
	if (rc != ERR_OK)
		return rc;
	int pending = 1, highest = 0;
	rc = exec_simple(conn, bootstrap_sql, err, "schema_migrations");
	if (rc == ERR_OK)
		rc = compare_applied(conn, &pending, &highest, err);
	for (int v = pending; rc == ERR_OK && v <= migration_files_count; v++) {
		const struct migration_file *f = &migration_files[v - 1];
		rc = apply_one(conn, f, err);
		if (rc == ERR_OK) {
			(*applied)++;
			if (out != NULL)
				fprintf(out, "applied %s\n", f->name);
		}
	}
	PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
	return rc;
}

int migrate_check(PGconn *conn, int *version, struct err *err)
{
	*version = 0;
	PGresult *res = PQexec(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = pg_err_from_result(res, conn, err);
		PQclear(res);
		return rc;
	}
	bool exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exists)
		return err_set(err, ERR_UNAVAILABLE, "", "database has no schema yet: run `prevex migrate`");
	int pending = 1;
	int rc = compare_applied(conn, &pending, version, err);
	if (rc != ERR_OK)
		return rc;
	if (pending <= migration_files_count)
		return err_set(err, ERR_UNAVAILABLE, "", "database schema is behind this binary "
			       "(at version %d, expected %d): run `prevex migrate`", *version, migration_files_count);
	return ERR_OK;
}
