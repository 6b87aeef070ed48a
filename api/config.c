#include "api/config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/log.h"
#include "domain/parse.h"

enum var_kind { VAR_STRING, VAR_INT, VAR_SIZE, VAR_LISTEN, VAR_LOG_LEVEL, VAR_HTTP_MODE };

struct var {
	const char *name;
	enum var_kind kind;
	const char *def;
	int64_t min, max;
	size_t offset;
	size_t size; /* for strings */
	const char *help;
};

#define STR(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define NUM(field) offsetof(struct config, field), 0

static const struct var vars[] = {
	{ "PREVEX_DATABASE_URL", VAR_STRING, "", 0, 0, STR(database_url),
	  "libpq URL or conninfo of the service's database (required)" },
	{ "PREVEX_ADMIN_DATABASE_URL", VAR_STRING, "", 0, 0, STR(admin_database_url),
	  "database URL of the schema owner, for migrate and purge (default: PREVEX_DATABASE_URL)" },
	{ "PREVEX_REPLICA_DATABASE_URL", VAR_STRING, "", 0, 0, STR(replica_database_url),
	  "database URL of a read-only replica for the statistics' reads (default: none; the primary"
	  " answers whenever the replica does not)" },
	{ "PREVEX_LISTEN", VAR_LISTEN, "127.0.0.1:8080", 0, 0, 0, 0,
	  "address and port to serve on: IPV4:PORT or [IPV6]:PORT" },
	{ "PREVEX_DB_POOL_SIZE", VAR_INT, "8", 1, 256, NUM(db_pool_size),
	  "database connections kept open" },
	{ "PREVEX_DB_ACQUIRE_TIMEOUT_MS", VAR_INT, "2000", 1, 60000, NUM(db_acquire_timeout_ms),
	  "longest wait for a free database connection before answering 503" },
	{ "PREVEX_STATEMENT_TIMEOUT_MS", VAR_INT, "5000", 1, 3600000, NUM(statement_timeout_ms),
	  "PostgreSQL statement_timeout of every connection" },
	{ "PREVEX_CONNECT_TIMEOUT_S", VAR_INT, "5", 1, 300, NUM(connect_timeout_s),
	  "timeout of a new database connection" },
	{ "PREVEX_LOG_LEVEL", VAR_LOG_LEVEL, "info", 0, 0, NUM(log_level),
	  "debug, info, warn or error" },
	{ "PREVEX_MAX_BODY_SIZE", VAR_SIZE, "1M", 1024, (int64_t)1 << 30, NUM(max_body_size),
	  "largest request body accepted (bytes, or with a k, M or G suffix); larger gets 413" },
	{ "PREVEX_CONNECTION_TIMEOUT_S", VAR_INT, "30", 1, 3600, NUM(connection_timeout_s),
	  "an idle or stalled HTTP connection is closed after this many seconds" },
	{ "PREVEX_MAX_CONNECTIONS", VAR_INT, "4096", 16, 1000000, NUM(max_connections),
	  "open HTTP connections accepted in total" },
	{ "PREVEX_MAX_CONNECTIONS_PER_IP", VAR_INT, "1024", 1, 1000000, NUM(max_connections_per_ip),
	  "open HTTP connections accepted from one client address" },
	{ "PREVEX_CONNECTION_MEMORY_LIMIT", VAR_SIZE, "64k", 8192, 16 * 1024 * 1024, NUM(connection_memory_limit),
	  "memory for the headers and buffers of one HTTP connection" },
	{ "PREVEX_HEADER_TIMEOUT_S", VAR_INT, "10", 1, 300, NUM(header_timeout_s),
	  "a request line and its header fields must arrive whole within this many seconds, whatever their pace" },
	{ "PREVEX_MAX_PENDING_CONNECTIONS", VAR_INT, "16384", 16, 1000000, NUM(max_pending_connections),
	  "connections whose first request head is still arriving; past it the oldest is cut" },
	{ "PREVEX_BODY_MIN_RATE", VAR_SIZE, "1k", 1, (int64_t)1 << 30, NUM(body_min_rate),
	  "a request body must arrive at this many bytes a second at least, over every 10 s" },
	{ "PREVEX_BODY_BUDGET", VAR_SIZE, "256M", (int64_t)1 << 20, (int64_t)1 << 40, NUM(body_budget),
	  "request bodies held in memory at once, in all (bytes, or k, M, G); past it 503" },
	{ "PREVEX_ORG_MAX_INFLIGHT", VAR_INT, "0", 0, 1000000, NUM(org_max_inflight),
	  "requests of one organisation in flight at once; past it 429 with Retry-After; 0: half of"
	  " PREVEX_DB_POOL_SIZE (at least 1), so that no organisation can hold every database connection" },
	{ "PREVEX_HTTP_THREADS", VAR_INT, "0", 0, 1024, NUM(http_threads),
	  "HTTP worker threads in pool mode; 0 means as many as database connections" },
	{ "PREVEX_HTTP_MODE", VAR_HTTP_MODE, "pool", 0, 0, NUM(http_mode),
	  "pool (epoll with a thread pool) or per-connection (one thread each)" },
	{ "PREVEX_SHUTDOWN_TIMEOUT_S", VAR_INT, "10", 0, 600, NUM(shutdown_timeout_s),
	  "on SIGTERM, longest wait for requests in flight" },
	{ "PREVEX_JWT_KEYS_DIR", VAR_STRING, ".local/keys", 0, 0, STR(jwt_keys_dir),
	  "folder of the token signing keys, one <kid>.pem each" },
	{ "PREVEX_JWT_ISSUER", VAR_STRING, "prevex", 0, 0, STR(jwt_issuer),
	  "iss claim of the tokens issued and accepted" },
	{ "PREVEX_JWT_AUDIENCE", VAR_STRING, "prevex-api", 0, 0, STR(jwt_audience),
	  "aud claim of the tokens issued and accepted" },
	{ "PREVEX_TOKEN_TTL_S", VAR_INT, "900", 60, 86400, NUM(token_ttl_s),
	  "lifetime of an access token" },
	{ "PREVEX_FEED_MAX_WAITERS", VAR_INT, "0", 0, 4096, NUM(feed_max_waiters),
	  "GET /v1/events?wait= requests allowed to wait at once (others answer at once); 0: a quarter of the HTTP threads in pool mode, 64 per-connection" },
	{ "PREVEX_WEBHOOK_WORKERS", VAR_INT, "2", 0, 64, NUM(webhook_workers),
	  "webhook delivery threads, each with a database connection of its own; 0: deliver none from this process" },
	{ "PREVEX_WEBHOOK_ALLOW_LOOPBACK", VAR_INT, "0", 0, 1, NUM(webhook_allow_loopback),
	  "TESTS ONLY: 1 lets webhooks use http://127.0.0.1; never set it in production" },
	{ "PREVEX_WEBHOOK_TIMEOUT_MS", VAR_INT, "10000", 100, 60000, NUM(webhook_timeout_ms),
	  "longest webhook delivery request, connection included" },
	{ "PREVEX_WEBHOOK_POLL_MS", VAR_INT, "1000", 10, 60000, NUM(webhook_poll_ms),
	  "pause of an idle delivery thread before it looks for work again" },
	{ "PREVEX_WEBHOOK_BACKOFF_BASE_MS", VAR_INT, "10000", 10, 3600000, NUM(webhook_backoff_base_ms),
	  "delay before the first retry of a failed delivery; doubled at each failure" },
	{ "PREVEX_WEBHOOK_BACKOFF_MAX_S", VAR_INT, "3600", 1, 86400, NUM(webhook_backoff_max_s),
	  "longest delay between two attempts of a delivery" },
	{ "PREVEX_WEBHOOK_RETRY_FOR_S", VAR_INT, "86400", 1, 2592000, NUM(webhook_retry_for_s),
	  "a delivery is retried this long after its first attempt, then marked failed" },
	{ "PREVEX_IMPORT_SYNC_MAX", VAR_INT, "1000", 0, 50000, NUM(import_sync_max),
	  "imports of more items answer 202 with a job that import workers apply" },
	{ "PREVEX_IMPORT_WORKERS", VAR_INT, "1", 0, 16, NUM(import_workers),
	  "import job threads, sharing the database pool; the first also keeps the organisations' act counts"
	  " (org_acts) refreshed; 0: apply no job from this process" },
	{ "PREVEX_IMPORT_CHUNK", VAR_INT, "1000", 1, 50000, NUM(import_chunk),
	  "items of a job applied and committed together" },
	{ "PREVEX_IMPORT_POLL_MS", VAR_INT, "500", 10, 60000, NUM(import_poll_ms),
	  "pause of an idle import worker before it looks for jobs again" },
	{ "PREVEX_IMPORT_KEEP_HOURS", VAR_INT, "48", 24, 8760, NUM(import_keep_hours),
	  "finished imports and their Idempotency-Keys are kept this long (at least 24)" },
};

static int parse_listen(struct config *cfg, const char *v)
{
	const char *colon = strrchr(v, ':');
	if (colon == NULL || colon == v)
		return -1;
	size_t hlen = (size_t)(colon - v);
	char host[64];
	if (v[0] == '[') {
		if (hlen < 3 || v[hlen - 1] != ']' || hlen - 2 >= sizeof(host))
			return -1;
		memcpy(host, v + 1, hlen - 2);
		host[hlen - 2] = '\0';
		unsigned char buf[16];
		if (inet_pton(AF_INET6, host, buf) != 1)
			return -1;
	} else {
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, v, hlen);
		host[hlen] = '\0';
		unsigned char buf[4];
		if (inet_pton(AF_INET, host, buf) != 1)
			return -1;
	}
	int64_t port;
	if (parse_i64(colon + 1, 1, 65535, &port) != 0)
		return -1;
	snprintf(cfg->listen_host, sizeof(cfg->listen_host), "%s", host);
	cfg->listen_port = (int)port;
	return 0;
}

static int set_var(struct config *cfg, const struct var *var, const char *v)
{
	char *base = (char *)cfg;
	int64_t n;
	switch (var->kind) {
	case VAR_STRING:
		if (strlen(v) >= var->size)
			return -1;
		memcpy(base + var->offset, v, strlen(v) + 1);
		return 0;
	case VAR_INT:
		if (parse_i64(v, var->min, var->max, &n) != 0)
			return -1;
		*(int64_t *)(base + var->offset) = n;
		return 0;
	case VAR_SIZE:
		if (parse_size(v, var->min, var->max, &n) != 0)
			return -1;
		*(int64_t *)(base + var->offset) = n;
		return 0;
	case VAR_LISTEN:
		return parse_listen(cfg, v);
	case VAR_LOG_LEVEL: {
		int level = log_level_from_string(v);
		if (level < 0)
			return -1;
		cfg->log_level = level;
		return 0;
	}
	case VAR_HTTP_MODE:
		if (strcmp(v, "pool") == 0)
			cfg->http_mode = HTTP_MODE_POOL;
		else if (strcmp(v, "per-connection") == 0)
			cfg->http_mode = HTTP_MODE_PER_CONNECTION;
		else
			return -1;
		return 0;
	}
	return -1;
}

static void describe_range(const struct var *var, char *buf, size_t len)
{
	switch (var->kind) {
	case VAR_INT:
	case VAR_SIZE:
		snprintf(buf, len, "an integer from %lld to %lld%s", (long long)var->min,
			 (long long)var->max, var->kind == VAR_SIZE ? " (k, M or G suffix allowed)" : "");
		break;
	case VAR_LISTEN:
		snprintf(buf, len, "IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8080");
		break;
	case VAR_LOG_LEVEL:
		snprintf(buf, len, "debug, info, warn or error");
		break;
	case VAR_HTTP_MODE:
		snprintf(buf, len, "pool or per-connection");
		break;
	case VAR_STRING:
		snprintf(buf, len, "a string shorter than %zu bytes", var->size);
		break;
	}
}

int config_load(struct config *cfg, char *msg, size_t msg_len)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const struct var *var = &vars[i];
		const char *v = getenv(var->name);
		bool from_env = v != NULL && *v != '\0';
		if (set_var(cfg, var, from_env ? v : var->def) != 0) {
			char expected[128];
			describe_range(var, expected, sizeof(expected));
			snprintf(msg, msg_len, "%s: invalid value \"%.64s\": expected %s",
				 var->name, from_env ? v : var->def, expected);
			return -1;
		}
	}
	if (cfg->admin_database_url[0] == '\0')
		memcpy(cfg->admin_database_url, cfg->database_url, sizeof(cfg->database_url));
	if (cfg->http_threads == 0)
		cfg->http_threads = cfg->db_pool_size;
	if (cfg->org_max_inflight == 0)
		cfg->org_max_inflight = cfg->db_pool_size / 2 > 1 ? cfg->db_pool_size / 2 : 1;
	if (cfg->http_mode == HTTP_MODE_POOL && cfg->http_threads < cfg->db_pool_size) {
		/* A blocking libpq call stalls its whole epoll worker: with fewer
		 * workers than connections, requests would queue behind each other
		 * while connections sit idle. */
		snprintf(msg, msg_len, "PREVEX_HTTP_THREADS (%lld) must not be lower than PREVEX_DB_POOL_SIZE (%lld)",
			 (long long)cfg->http_threads, (long long)cfg->db_pool_size);
		return -1;
	}
	return 0;
}

void config_print_help(FILE *out)
{
	fprintf(out, "Environment variables:\n");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		fprintf(out, "  %-32s %s\n  %-32s default: %s\n", vars[i].name, vars[i].help, "",
			vars[i].def[0] ? vars[i].def : "(none)");
}
