/* A fixed-size pool of libpq connections, safe to share between threads.
 *
 * Connections are opened lazily, outside the pool's lock, and reopened
 * after a failure, with every prepared statement of storage/db.c and the
 * statement_timeout, so that the service recovers by itself when PostgreSQL
 * restarts. Each slot belongs to the thread that reserved it until that
 * thread gives it back; the counts are read from the slots. While
 * PostgreSQL cannot be reached, one thread at a time tries again after a
 * short, growing pause (50 ms to 0.25 s) and the others are answered
 * ERR_UNAVAILABLE at once. */
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
	int in_use;       /* slots lent or being opened */
	int waiting;      /* threads waiting for a free slot */
	long long opened; /* connections opened since start */
};

/* On success *out is a new pool; the caller pool_free()s it. Opens no
 * connection yet: call pool_check() to try one. */
int pool_new(struct pool **out, const struct pool_config *cfg, struct err *err);
void pool_free(struct pool *pool);

/* Borrows a connection, waiting at most the acquire timeout. Returns ERR_OK,
 * or ERR_UNAVAILABLE (*conn NULL) when none was free in time or PostgreSQL
 * cannot be reached. The connection belongs to the calling thread until
 * that thread gives it back with pool_release(). */
int pool_acquire(struct pool *pool, PGconn **conn, struct err *err);

/* Gives back a connection this thread acquired (NULL is accepted and
 * ignored). The pool finds its slot by the connection and the thread. A
 * connection left broken, or inside a transaction, is closed and its slot
 * opens a new one on its next use. */
void pool_release(struct pool *pool, PGconn *conn);

void pool_get_stats(struct pool *pool, struct pool_stats *out);

#endif
