#include "storage/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/db.h"

struct slot {
	PGconn *conn;   /* NULL until opened, or after it broke */
	bool in_use;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct slot *slots;
	int size;
	int in_use;
	int waiting;
	long long opened; /* connections opened since start */
	int acquire_timeout_ms;
	char statement_timeout[16];
	char *conninfo_keys[8];
	char *conninfo_values[8];
};

static int pool_store_conninfo(struct pool *pool, const struct pool_config *cfg)
{
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", cfg->connect_timeout_s);
	snprintf(pool->statement_timeout, sizeof(pool->statement_timeout), "%d", cfg->statement_timeout_ms);
	const char *keys[] = { "dbname", "connect_timeout", "application_name" };
	const char *values[] = { cfg->conninfo, timeout,
				 cfg->application_name ? cfg->application_name : "prevex" };
	for (int i = 0; i < 3; i++) {
		pool->conninfo_keys[i] = strdup(keys[i]);
		pool->conninfo_values[i] = strdup(values[i]);
		if (pool->conninfo_keys[i] == NULL || pool->conninfo_values[i] == NULL)
			return -1;
	}
	return 0;
}

int pool_new(struct pool **out, const struct pool_config *cfg, struct err *err)
{
	*out = NULL;
	if (cfg->size < 1)
		return err_set(err, ERR_INTERNAL, "", "pool size must be at least 1");
	struct pool *pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	pool->slots = calloc((size_t)cfg->size, sizeof(*pool->slots));
	pthread_mutex_init(&pool->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->freed, &attr);
	pthread_condattr_destroy(&attr);
	pool->size = cfg->size;
	pool->acquire_timeout_ms = cfg->acquire_timeout_ms;
	if (pool->slots == NULL || pool_store_conninfo(pool, cfg) != 0) {
		pool_free(pool);
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	*out = pool;
	return ERR_OK;
}

void pool_free(struct pool *pool)
{
	if (pool == NULL)
		return;
	for (int i = 0; pool->slots != NULL && i < pool->size; i++)
		PQfinish(pool->slots[i].conn);
	for (int i = 0; i < 8; i++) {
		free(pool->conninfo_keys[i]);
		free(pool->conninfo_values[i]);
	}
	free(pool->slots);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* Opens a connection and prepares every statement; NULL on failure. */
static PGconn *pool_open(struct pool *pool, struct err *err)
{
	PGconn *conn = PQconnectdbParams((const char *const *)pool->conninfo_keys,
					 (const char *const *)pool->conninfo_values, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		err_set(err, ERR_UNAVAILABLE, "", "database unreachable: %s",
			conn ? PQerrorMessage(conn) : "out of memory");
		/* libpq messages end with a newline; keep the log line on one line. */
		if (err != NULL)
			err->message[strcspn(err->message, "\n")] = '\0';
		PQfinish(conn);
		return NULL;
	}
	/* Set after connecting rather than through the options parameter, which
	 * would replace the options the database URL may carry. */
	const char *params[] = { pool->statement_timeout };
	PGresult *res = PQexecParams(conn, "SELECT set_config('statement_timeout', $1, false)",
				     1, NULL, params, NULL, NULL, 0);
	bool set = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	if (!set) {
		err_set(err, ERR_UNAVAILABLE, "", "cannot set statement_timeout");
		PQfinish(conn);
		return NULL;
	}
	if (db_session_start(conn, err) != ERR_OK) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

int pool_acquire(struct pool *pool, PGconn **conn, struct err *err)
{
	*conn = NULL;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += pool->acquire_timeout_ms / 1000;
	deadline.tv_nsec += (long)(pool->acquire_timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&pool->lock);
	pool->waiting++;
	while (pool->in_use == pool->size) {
		int rc = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
		if (rc == ETIMEDOUT && pool->in_use == pool->size) {
			pool->waiting--;
			pthread_mutex_unlock(&pool->lock);
			return err_set(err, ERR_UNAVAILABLE, "", "no database connection free within %d ms",
				       pool->acquire_timeout_ms);
		}
	}
	pool->waiting--;
	/* Prefer a slot that is already open. */
	struct slot *slot = NULL;
	for (int i = 0; i < pool->size; i++) {
		if (pool->slots[i].in_use)
			continue;
		if (slot == NULL || (slot->conn == NULL && pool->slots[i].conn != NULL))
			slot = &pool->slots[i];
	}
	slot->in_use = true;
	pool->in_use++;
	PGconn *c = slot->conn;
	slot->conn = NULL;
	pthread_mutex_unlock(&pool->lock);

	if (c != NULL && PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		c = NULL;
	}
	if (c == NULL) {
		c = pool_open(pool, err);
		pthread_mutex_lock(&pool->lock);
		pool->opened++;
		if (c == NULL) {
			slot->in_use = false;
			pool->in_use--;
			pthread_cond_signal(&pool->freed);
			pthread_mutex_unlock(&pool->lock);
			return ERR_UNAVAILABLE;
		}
		pthread_mutex_unlock(&pool->lock);
	}
	/* The slot stays reserved (in_use, conn NULL) until the caller gives
	 * the connection back. */
	*conn = c;
	return ERR_OK;
}

void pool_release(struct pool *pool, PGconn *conn)
{
	if (conn == NULL)
		return;
	if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
		PQfinish(conn);
		conn = NULL;
	}
	pthread_mutex_lock(&pool->lock);
	for (int i = 0; i < pool->size; i++) {
		if (pool->slots[i].in_use && pool->slots[i].conn == NULL) {
			pool->slots[i].in_use = false;
			pool->slots[i].conn = conn;
			break;
		}
	}
	pool->in_use--;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

void pool_get_stats(struct pool *pool, struct pool_stats *out)
{
	pthread_mutex_lock(&pool->lock);
	out->size = pool->size;
	out->in_use = pool->in_use;
	out->waiting = pool->waiting;
	out->opened = pool->opened;
	pthread_mutex_unlock(&pool->lock);
}
