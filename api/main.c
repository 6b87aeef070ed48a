/* prevex: the command line. `serve` runs the API; the others are the
 * operator's tools around it. */
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api/app.h"
#include "api/cli.h"
#include "api/cli_reference.h"
#include "api/jwt.h"
#include "api/config.h"
#include "api/import_worker.h"
#include "api/log.h"
#include "api/router.h"
#include "api/server.h"
#include "api/webhook_worker.h"
#include "storage/migrate.h"
#include "storage/pool.h"

#ifndef PREVEX_VERSION
#define PREVEX_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* Loads the configuration; prints the reason and returns -1 when it is bad. */
static int load_config(struct config *cfg, bool need_database)
{
	char msg[256];
	if (config_load(cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "prevex: %s\n", msg);
		return -1;
	}
	if (need_database && cfg->database_url[0] == '\0') {
		fprintf(stderr, "prevex: PREVEX_DATABASE_URL is not set (see `prevex serve --help`)\n");
		return -1;
	}
	log_set_level((enum log_level)cfg->log_level);
	return 0;
}

/* Returns a new connection the caller PQfinish()es, or NULL after printing why. */
static PGconn *connect_once(const char *url, const struct config *cfg)
{
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%lld", (long long)cfg->connect_timeout_s);
	const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *values[] = { url, timeout, "prevex-admin", NULL };
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "prevex: cannot connect to the database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, NULL, NULL);
	return conn;
}

static void quiet_notices(void *arg, const char *message)
{
}

static int cmd_migrate(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("usage: prevex migrate\n\nApplies the pending migrations to PREVEX_ADMIN_DATABASE_URL\n"
		       "(default PREVEX_DATABASE_URL), each in its own transaction, under an advisory lock.\n");
		return 0;
	}
	struct config cfg;
	if (load_config(&cfg, true) != 0)
		return 2;
	PGconn *conn = connect_once(cfg.admin_database_url, &cfg);
	if (conn == NULL)
		return 1;
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	struct err err;
	err_clear(&err);
	int applied = 0, version = 0;
	int rc = migrate_run(conn, &applied, stdout, &err);
	if (rc == ERR_OK)
		rc = migrate_check(conn, &version, &err);
	PQfinish(conn);
	if (rc != ERR_OK) {
		fprintf(stderr, "prevex migrate: %s\n", err.message);
		return 1;
	}
	printf("schema at version %d (%d applied now)\n", version, applied);
	return 0;
}

/* Lets `serve` hold as many idle connections as the limits allow. */
static void raise_file_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmd_serve(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("usage: prevex serve\n\nServes the API until SIGTERM or SIGINT.\n\n");
		config_print_help(stdout);
		return 0;
	}
	struct app app;
	memset(&app, 0, sizeof(app));
	if (load_config(&app.cfg, true) != 0)
		return 2;
	char msg[256];
	if (router_check_table(msg, sizeof(msg)) != 0) {
		fprintf(stderr, "prevex: %s\n", msg);
		return 1;
	}
	/* Before any thread exists: jansson's hash seed, and the signals that
	 * only main's sigwait() may receive. */
	json_object_seed(0);
	signal(SIGPIPE, SIG_IGN);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	raise_file_limit();

	PGconn *conn = connect_once(app.cfg.database_url, &app.cfg);
	if (conn == NULL)
		return 1;
	struct err err;
	err_clear(&err);
	int version = 0;
	int rc = migrate_check(conn, &version, &err);
	PQfinish(conn);
	if (rc != ERR_OK) {
		fprintf(stderr, "prevex serve: refusing to start: %s\n", err.message);
		return 1;
	}
	struct pool_config pc = {
		.conninfo = app.cfg.database_url,
		.size = (int)app.cfg.db_pool_size,
		.acquire_timeout_ms = (int)app.cfg.db_acquire_timeout_ms,
		.statement_timeout_ms = (int)app.cfg.statement_timeout_ms,
		.connect_timeout_s = (int)app.cfg.connect_timeout_s,
		.application_name = "prevex",
	};
	if (jwt_keyring_load(&app.keys, app.cfg.jwt_keys_dir, &err) != ERR_OK) {
		fprintf(stderr, "prevex serve: token keys in %s: %s (create one with `prevex keys generate`)\n",
			app.cfg.jwt_keys_dir, err.message);
		return 1;
	}
	if (pool_new(&app.pool, &pc, &err) != ERR_OK) {
		fprintf(stderr, "prevex serve: %s\n", err.message);
		jwt_keyring_free(app.keys);
		return 1;
	}
	/* Statistics read on a replica when one is named: a pool of its own,
	 * opened lazily like the first. */
	pc.conninfo = app.cfg.replica_database_url;
	pc.application_name = "prevex-replica";
	if (app.cfg.replica_database_url[0] != '\0' && pool_new(&app.replica_pool, &pc, &err) != ERR_OK) {
		fprintf(stderr, "prevex serve: %s\n", err.message);
		pool_free(app.pool);
		jwt_keyring_free(app.keys);
		return 1;
	}
	/* Webhook deliveries run beside the server, on connections of their own. */
	struct webhook_worker *webhooks = NULL;
	if (webhook_worker_start(&webhooks, &app, &err) != ERR_OK) {
		fprintf(stderr, "prevex serve: %s\n", err.message);
		pool_free(app.replica_pool);
		pool_free(app.pool);
		jwt_keyring_free(app.keys);
		return 1;
	}
	/* Import jobs resume where they stopped: their chunks are in the database. */
	struct import_worker *imports = NULL;
	if (import_worker_start(&imports, &app) != 0) {
		fprintf(stderr, "prevex serve: cannot start the import workers\n");
		pool_free(app.replica_pool);
		pool_free(app.pool);
		jwt_keyring_free(app.keys);
		return 1;
	}
	rc = server_run(&app, &stop);
	import_worker_stop(imports);
	webhook_worker_stop(webhooks);
	pool_free(app.replica_pool);
	pool_free(app.pool);
	jwt_keyring_free(app.keys);
	return rc;
}

static int cmd_version(int argc, char **argv)
{
	printf("prevex %s (schema version %d)\n", PREVEX_VERSION, migration_files_count);
	return 0;
}

static const struct command commands[] = {
	{ "serve", cmd_serve, "serve the API (see `prevex serve --help` for its settings)" },
	{ "migrate", cmd_migrate, "apply the pending database migrations" },
	{ "keys", cli_keys, "keys generate: add a token signing key to PREVEX_JWT_KEYS_DIR" },
	{ "org", cli_org, "org add: create an organisation (bootstrap)" },
	{ "client", cli_client, "client add: create an API client and print its secret once" },
	{ "reference", cli_reference, "reference load FILE | --etalab DIR: upsert communes and EPCIs (and départements)" },
	{ "demo-data", cli_demo_data, "load the demo data set [--clients-file FILE]" },
	{ "purge", cli_purge, "apply the retention rules: anonymise households past their term, delete audit rows,"
	  " feed events, ended webhook deliveries and imports past retention [--dry-run] [--days N] [--feed-days M]"
	  " [--batch B]" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "list the commands" },
};

static int cmd_help(int argc, char **argv)
{
	printf("usage: prevex COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-12s %s\n", commands[i].name, commands[i].summary);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(argc, argv);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc, argv);
	fprintf(stderr, "prevex: unknown command \"%s\"; see `prevex help`\n", argv[1]);
	return 2;
}
