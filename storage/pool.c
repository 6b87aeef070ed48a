#include "storage/pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/db.h"

/* After a failed open, no other open is tried for this long, doubled at
 * each further failure up to the cap: while PostgreSQL is away, requests
 * answer at once instead of each knocking at its door. */
enum { RETRY_FIRST_MS = 50, RETRY_MAX_MS = 250 };

enum slot_state {
	SLOT_FREE,    /* conn is NULL, or an idle connection ready to lend */
	SLOT_OPENING, /* reserved by owner, who is opening its connection */
	SLOT_LENT,    /* conn belongs to owner until owner gives it back */
};

/* A slot belongs to the thread that reserved it, and only that thread
 * frees it: pool_release() finds it by the connection it lent and the
 * thread it lent it to, never by its looks. */
struct slot {
	enum slot_state state;
	PGconn *conn;
	pthread_t owner; /* meaningful unless SLOT_FREE */
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct slot *slots;
	int size;
	int waiting;
	long long opened;      /* connections opened since start */
	int failures;          /* opens failed in a row; 0 once one succeeds */
	bool probing;          /* an open is under way while failures > 0 */
	struct timespec retry_at; /* while failures > 0, no open before this */
	char last_error[sizeof(((struct err *)0)->message)];
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
	/* The application name first, so that one the URL gives wins (libpq
	 * keeps the last value of a key): each replica may name itself in
	 * pg_stat_activity. The timeout after it: ours wins. */
	const char *keys[] = { "application_name", "dbname", "connect_timeout" };
	const char *values[] = { cfg->application_name ? cfg->application_name : "prevex", cfg->conninfo,
				 timeout };
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
		/* The cause (a socket path, a host name) is for the operator's
		 * log, not for clients: they get a generic 503. */
		char cause[256];
		snprintf(cause, sizeof(cause), "%s", conn ? PQerrorMessage(conn) : "out of memory");
		cause[strcspn(cause, "\n")] = '\0';
		pthread_mutex_lock(&pool->lock);
		bool first = pool->failures == 0;
		pthread_mutex_unlock(&pool->lock);
		if (first)
			fprintf(stderr, "prevex: database unreachable: %s\n", cause);
		err_set(err, ERR_UNAVAILABLE, "", "the database is unreachable; try again shortly");
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

/* Whether an idle connection may be lent. An idle backend sends nothing
 * unless it is going away (terminated, or the server shutting down), so
 * anything to read on its socket means the connection is lost: better to
 * find out here than in the middle of a request. */
static bool pool_conn_usable(PGconn *conn)
{
	if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE)
		return false;
	struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };
	if (pfd.fd < 0)
		return false;
	return poll(&pfd, 1, 0) == 0;
}

static void timespec_add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A free slot, one with an idle connection first; NULL if none. Called
 * with the lock held. */
static struct slot *pool_find_free(struct pool *pool)
{
	struct slot *found = NULL;
	for (int i = 0; i < pool->size; i++) {
		struct slot *s = &pool->slots[i];
		if (s->state != SLOT_FREE)
			continue;
		if (s->conn != NULL)
			return s;
		if (found == NULL)
			found = s;
	}
	return found;
}

/* Whether PostgreSQL was unreachable at the last attempt and it is not
 * time to try again (or another thread is trying). Called with the lock
 * held. */
static bool pool_backing_off(struct pool *pool)
{
	if (pool->failures == 0)
		return false;
	if (pool->probing)
		return true;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return timespec_before(&now, &pool->retry_at);
}

/* Notes how an open ended. Called with the lock held. */
static void pool_note_open(struct pool *pool, bool opened, const struct err *err)
{
	pool->probing = false;
	if (opened) {
		pool->opened++;
		pool->failures = 0;
		return;
	}
	if (pool->failures < 16)
		pool->failures++;
	long delay = RETRY_FIRST_MS << (pool->failures - 1);
	if (delay > RETRY_MAX_MS)
		delay = RETRY_MAX_MS;
	clock_gettime(CLOCK_MONOTONIC, &pool->retry_at);
	timespec_add_ms(&pool->retry_at, delay);
	snprintf(pool->last_error, sizeof(pool->last_error), "%s",
		 err != NULL && err->message[0] != '\0' ? err->message : "database unreachable");
}

int pool_acquire(struct pool *pool, PGconn **conn, struct err *err)
{
	*conn = NULL;
	struct err local;
	if (err == NULL)
		err = &local;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	timespec_add_ms(&deadline, pool->acquire_timeout_ms);

	PGconn *stale = NULL;
	int rc = ERR_OK;
	pthread_mutex_lock(&pool->lock);
	struct slot *slot = pool_find_free(pool);
	while (slot == NULL) {
		/* With PostgreSQL away, whatever frees a slot will not make it
		 * usable: answer now rather than at the timeout. */
		if (pool_backing_off(pool)) {
			rc = err_set(err, ERR_UNAVAILABLE, "", "%s", pool->last_error);
			goto unlock;
		}
		pool->waiting++;
		int w = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
		pool->waiting--;
		slot = pool_find_free(pool);
		if (slot == NULL && w == ETIMEDOUT) {
			rc = err_set(err, ERR_UNAVAILABLE, "", "no database connection free within %d ms",
				     pool->acquire_timeout_ms);
			goto unlock;
		}
	}
	if (slot->conn != NULL && !pool_conn_usable(slot->conn)) {
		stale = slot->conn;
		slot->conn = NULL;
	}
	if (slot->conn != NULL) {
		slot->state = SLOT_LENT;
		slot->owner = pthread_self();
		*conn = slot->conn;
		goto unlock;
	}
	if (pool_backing_off(pool)) {
		rc = err_set(err, ERR_UNAVAILABLE, "", "%s", pool->last_error);
		/* This thread may have been woken for the slot it leaves free:
		 * pass the wake-up on. */
		pthread_cond_signal(&pool->freed);
		goto unlock;
	}
	if (pool->failures > 0)
		pool->probing = true;
	slot->state = SLOT_OPENING;
	slot->owner = pthread_self();
	pthread_mutex_unlock(&pool->lock);

	/* Outside the lock: the slot is this thread's alone until it says so. */
	PQfinish(stale);
	stale = NULL;
	PGconn *opened = pool_open(pool, err);

	pthread_mutex_lock(&pool->lock);
	pool_note_open(pool, opened != NULL, err);
	if (opened != NULL) {
		slot->conn = opened;
		slot->state = SLOT_LENT;
		*conn = opened;
	} else {
		slot->state = SLOT_FREE;
		pthread_cond_signal(&pool->freed);
		rc = ERR_UNAVAILABLE;
	}
unlock:
	pthread_mutex_unlock(&pool->lock);
	PQfinish(stale);
	return rc;
}

void pool_release(struct pool *pool, PGconn *conn)
{
	if (conn == NULL)
		return;
	bool broken = PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE;
	pthread_t self = pthread_self();
	struct slot *slot = NULL;
	pthread_mutex_lock(&pool->lock);
	for (int i = 0; i < pool->size && slot == NULL; i++) {
		struct slot *s = &pool->slots[i];
		if (s->state == SLOT_LENT && s->conn == conn && pthread_equal(s->owner, self))
			slot = s;
	}
	if (slot != NULL) {
		if (broken)
			slot->conn = NULL;
		slot->state = SLOT_FREE;
		pthread_cond_signal(&pool->freed);
	}
	pthread_mutex_unlock(&pool->lock);
	if (slot == NULL) {
		/* Not lent by this pool to this thread: a caller's bug. Leave
		 * every slot as it is; the connection, if it is not ours, is
		 * not ours to close either. */
		fprintf(stderr, "pool_release: connection %p was not lent to this thread\n", (void *)conn);
		return;
	}
	if (broken)
		PQfinish(conn);
}

void pool_get_stats(struct pool *pool, struct pool_stats *out)
{
	pthread_mutex_lock(&pool->lock);
	out->size = pool->size;
	out->in_use = 0;
	for (int i = 0; i < pool->size; i++)
		out->in_use += pool->slots[i].state != SLOT_FREE;
	out->waiting = pool->waiting;
	out->opened = pool->opened;
	pthread_mutex_unlock(&pool->lock);
}
