/* Shared by the storage tests: each test works in a schema of its own, so
 * tests are independent and can run in any order against one database. */
#ifndef TESTS_STORAGE_SUPPORT_H
#define TESTS_STORAGE_SUPPORT_H

#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "storage/migrate.h"

/* The database under test; the suite fails, never skips, without it. */
static inline const char *support_database_url(void)
{
	const char *url = getenv("PREVEX_TEST_DATABASE_URL");
	ck_assert_msg(url != NULL && *url != '\0', "PREVEX_TEST_DATABASE_URL must name a test database");
	return url;
}

/* Writes a fresh schema name into buf. */
static inline void support_schema_name(char *buf, size_t len)
{
	unsigned int r = 0;
	ck_assert_int_eq(getrandom(&r, sizeof(r), 0), (ssize_t)sizeof(r));
	snprintf(buf, len, "t_%08x", r);
}

/* A URL whose connections use schema first (search_path). */
static inline void support_schema_url(char *buf, size_t len, const char *schema)
{
	const char *url = support_database_url();
	snprintf(buf, len, "%s%coptions=-csearch_path%%3D%s", url, strchr(url, '?') ? '&' : '?', schema);
}

/* Returns a new connection (caller PQfinish()es) to url. */
static inline PGconn *support_connect(const char *url)
{
	PGconn *conn = PQconnectdb(url);
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(conn));
	return conn;
}

static inline void support_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(conn));
	PQclear(res);
}

/* Creates the schema through a connection of its own. */
static inline void support_create_schema(const char *schema)
{
	PGconn *conn = support_connect(support_database_url());
	const char *params[] = { schema };
	PGresult *res = PQexecParams(conn, "SELECT format('CREATE SCHEMA %I', $1::text)", 1, NULL, params,
				     NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	support_exec(conn, PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
}

static inline void support_drop_schema(const char *schema)
{
	PGconn *conn = support_connect(support_database_url());
	const char *params[] = { schema };
	PGresult *res = PQexecParams(conn, "SELECT format('DROP SCHEMA %I CASCADE', $1::text)", 1, NULL,
				     params, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	support_exec(conn, PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
}

/* A fresh schema with every migration applied: its name into schema, a URL
 * whose connections use it into url; returns a connection to it (the
 * caller PQfinish()es). */
static inline PGconn *support_migrated_schema(char *schema, size_t schema_len, char *url, size_t url_len)
{
	support_schema_name(schema, schema_len);
	support_create_schema(schema);
	support_schema_url(url, url_len, schema);
	PGconn *conn = support_connect(url);
	struct err err;
	int applied = 0;
	ck_assert_int_eq(migrate_run(conn, &applied, NULL, &err), ERR_OK);
	return conn;
}

#endif
