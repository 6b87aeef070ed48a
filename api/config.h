/* Service configuration, read once from the environment at start-up. */
#ifndef API_CONFIG_H
#define API_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum http_mode { HTTP_MODE_POOL, HTTP_MODE_PER_CONNECTION };

struct config {
	char database_url[1024];
	char admin_database_url[1024];
	char replica_database_url[1024];
	char listen_host[64];
	int listen_port;
	int64_t db_pool_size;
	int64_t db_acquire_timeout_ms;
	int64_t statement_timeout_ms;
	int64_t connect_timeout_s;
	int log_level; /* enum log_level */
	int64_t max_body_size;
	int64_t connection_timeout_s;
	int64_t max_connections;
	int64_t max_connections_per_ip;
	int64_t connection_memory_limit;
	int64_t header_timeout_s;        /* a request head must arrive whole within it */
	int64_t max_pending_connections; /* connections whose head is still arriving */
	int64_t body_min_rate;           /* bytes a second, over 10 s windows */
	int64_t body_budget;             /* request bodies held at once, in all */
	int64_t org_max_inflight;        /* requests in flight per organisation; 0 at load: half the pool */
	int64_t http_threads; /* 0: as many as database connections */
	enum http_mode http_mode;
	int64_t shutdown_timeout_s;
	char jwt_keys_dir[512];
	char jwt_issuer[128];
	char jwt_audience[128];
	int64_t token_ttl_s;
	int64_t feed_max_waiters;        /* 0: from the HTTP mode and threads */
	int64_t webhook_workers;         /* delivery threads; 0: none in this process */
	int64_t webhook_allow_loopback;  /* test only: http to 127.0.0.1 */
	int64_t webhook_timeout_ms;
	int64_t webhook_poll_ms;
	int64_t webhook_backoff_base_ms;
	int64_t webhook_backoff_max_s;
	int64_t webhook_retry_for_s;
	int64_t import_sync_max;         /* larger imports become jobs */
	int64_t import_workers;          /* import job threads; 0: none in this process */
	int64_t import_chunk;            /* items per job chunk, each its own transaction */
	int64_t import_poll_ms;
	int64_t import_keep_hours;       /* idempotency keys kept at least this long */
};

/* Reads every PREVEX_* variable; fills cfg with defaults for those unset.
 * On a bad value writes one clear line to msg and returns -1. */
int config_load(struct config *cfg, char *msg, size_t msg_len);

/* The list of variables, their defaults and meaning, for --help. */
void config_print_help(FILE *out);

#endif
