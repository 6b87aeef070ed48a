/* A fixed-size pool of libpq connections, safe to share between threads.
 *
 * Connections are opened lazily and reopened after a failure, with every
 * prepared statement of storage/db.c and the statement_timeout, so that the
 * service recovers by itself when PostgreSQL restarts. */
#ifndef STORAGE_POOL_H
#define STORAGE_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"

struct pool;

struct pool_config {
	const char *conninfo;      /* URL or key=value string; copied */
	int size;                  /* connections, >= 1 */
	int acquire_timeout_ms;    /* longest wait for a free connection */
	int statement_timeout_ms;
	int connect_timeout_s;
	const char *application_name;
};

struct pool_stats {
	int size;
	int in_use;
	int waiting;
	long long opened; /* connections opened since start */
};

/* On success *out is a new pool; the caller pool_free()s it. Opens no
 * connection yet: call pool_check() to try one. */
int pool_new(struct pool **out, const struct pool_config *cfg, struct err *err);
void pool_free(struct pool *pool);

/* Borrows a connection, waiting at most the acquire timeout. Returns ERR_OK,
 * or ERR_UNAVAILABLE when none was free in time or PostgreSQL cannot be
 * reached. The connection belongs to the caller until pool_release(). */
int pool_acquire(struct pool *pool, PGconn **conn, struct err *err);

/* Gives the connection back. A connection left broken, or inside a
 * transaction, is closed and reopened on its next use. */
void pool_release(struct pool *pool, PGconn *conn);

void pool_get_stats(struct pool *pool, struct pool_stats *out);

#endif
