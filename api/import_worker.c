#include "api/import_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/imports.h"
#include "api/log.h"
#include "storage/db.h"
#include "storage/imports_store.h"
#include "storage/stats_store.h"

#define PURGE_EVERY_S 3600
/* How often the first worker moves the acts written meanwhile into the
 * organisations' counts (org_acts of 0014). The figures are exact without
 * it; the fewer households wait, the faster they are read. */
#define STATS_REFRESH_EVERY_S 5

struct import_worker {
	struct app *app;
	int count;
	pthread_t *threads;
	atomic_int stop;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

/* Applies one chunk of the oldest unfinished job. Returns ERR_OK when a
 * chunk was applied, ERR_NOT_FOUND when there is no work. */
static int run_chunk(struct import_worker *w, struct err *err)
{
	struct app *app = w->app;
	PGconn *conn = NULL;
	struct import_chunk chunk = { 0 };
	struct import_batch *b = NULL;
	enum org_kind kind = ORG_KIND_BAILIFF;
	int rc = pool_acquire(app->pool, &conn, err);
	if (rc != ERR_OK)
		return rc;
	rc = db_begin(conn, err);
	if (rc == ERR_OK)
		rc = imports_store_next_chunk(conn, (int)app->cfg.import_chunk, &chunk, err);
	if (rc == ERR_OK && policy_kind_from_string(chunk.org_kind, &kind) != 0)
		rc = err_set(err, ERR_INTERNAL, "", "import %s: unknown organisation kind", chunk.id);
	if (rc == ERR_OK) {
		b = imports_batch_new(chunk.kind, kind, chunk.count);
		if (b == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	for (int i = 0; rc == ERR_OK && i < chunk.count; i++)
		imports_batch_read(b, i, json_loads(chunk.payloads[i], JSON_REJECT_DUPLICATES, NULL));
	if (rc == ERR_OK) {
		char request_id[64];
		snprintf(request_id, sizeof(request_id), "import-%s", chunk.id);
		struct store_caller caller = {
			.org_id = chunk.org_id, .kind = chunk.org_kind,
			.client_id = chunk.client_id[0] ? chunk.client_id : NULL, .request_id = request_id,
		};
		rc = imports_batch_apply(conn, &caller, b, err);
	}
	if (rc == ERR_OK)
		rc = imports_store_record_results(conn, &chunk, b->results, err);
	if (rc == ERR_OK)
		rc = db_commit(conn, err);
	if (rc != ERR_OK)
		db_rollback(conn);
	pool_release(app->pool, conn);
	if (rc == ERR_OK)
		log_msg(LOG_INFO, "import_worker", "import %s: %d items applied", chunk.id, chunk.count);
	imports_batch_free(b);
	import_chunk_clear(&chunk);
	return rc;
}

static void purge(struct import_worker *w)
{
	PGconn *conn = NULL;
	struct err err;
	err_clear(&err);
	long long deleted = 0;
	if (pool_acquire(w->app->pool, &conn, &err) != ERR_OK)
		return;
	if (imports_store_purge(conn, (int)w->app->cfg.import_keep_hours, &deleted, &err) != ERR_OK)
		log_msg(LOG_WARN, "import_worker", "purge: %s", err.message);
	else if (deleted > 0)
		log_msg(LOG_INFO, "import_worker", "purged %lld imports past retention", deleted);
	pool_release(w->app->pool, conn);
}

static void stats_refresh(struct import_worker *w)
{
	PGconn *conn = NULL;
	struct err err;
	err_clear(&err);
	long long households = 0;
	if (pool_acquire(w->app->pool, &conn, &err) != ERR_OK)
		return;
	if (stats_store_refresh(conn, &households, &err) != ERR_OK)
		log_msg(LOG_WARN, "import_worker", "acts refresh: %s", err.message);
	else if (households > 0)
		log_msg(LOG_INFO, "import_worker", "acts of %lld households counted for their organisations", households);
	pool_release(w->app->pool, conn);
}

static void pause_ms(struct import_worker *w, long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!atomic_load(&w->stop) && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&w->lock);
}

struct worker_arg {
	struct import_worker *w;
	int number;
};

static void *worker_main(void *arg)
{
	struct import_worker *w = ((struct worker_arg *)arg)->w;
	int number = ((struct worker_arg *)arg)->number;
	free(arg);
	time_t last_purge = 0, last_refresh = 0;
	while (!atomic_load(&w->stop)) {
		if (number == 0 && time(NULL) - last_purge >= PURGE_EVERY_S) {
			purge(w);
			last_purge = time(NULL);
		}
		if (number == 0 && time(NULL) - last_refresh >= STATS_REFRESH_EVERY_S) {
			stats_refresh(w);
			last_refresh = time(NULL);
		}
		struct err err;
		err_clear(&err);
		int rc = run_chunk(w, &err);
		if (rc == ERR_NOT_FOUND) {
			pause_ms(w, (long)w->app->cfg.import_poll_ms);
		} else if (rc != ERR_OK) {
			log_msg(LOG_ERROR, "import_worker", "chunk failed: %s", err.message);
			pause_ms(w, (long)w->app->cfg.import_poll_ms * 4);
		}
	}
	return NULL;
}

int import_worker_start(struct import_worker **out, struct app *app)
{
	*out = NULL;
	int n = (int)app->cfg.import_workers;
	if (n <= 0)
		return 0;
	struct import_worker *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -1;
	w->app = app;
	w->threads = calloc((size_t)n, sizeof(pthread_t));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	for (int i = 0; w->threads != NULL && i < n; i++) {
		struct worker_arg *arg = malloc(sizeof(*arg));
		if (arg == NULL)
			break;
		*arg = (struct worker_arg){ w, i };
		if (pthread_create(&w->threads[i], NULL, worker_main, arg) != 0) {
			free(arg);
			break;
		}
		w->count++;
	}
	if (w->count != n) {
		import_worker_stop(w);
		return -1;
	}
	*out = w;
	return 0;
}

void import_worker_stop(struct import_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->count; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w->threads);
	free(w);
}
