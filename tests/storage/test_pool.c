#include <check.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "storage/db.h"
#include "storage/migrate.h"
#include "storage/ops_store.h"
#include "storage/pg_err.h"
#include "storage/pool.h"
#include "support.h"

static char schema[32];
static char url[2048];

/* The pool prepares statements that read the schema: give it one. */
static void schema_setup(void)
{
	support_schema_name(schema, sizeof(schema));
	support_create_schema(schema);
	support_schema_url(url, sizeof(url), schema);
	PGconn *conn = support_connect(url);
	struct err err;
	int applied;
	ck_assert_int_eq(migrate_run(conn, &applied, NULL, &err), ERR_OK);
	PQfinish(conn);
}

static void schema_teardown(void)
{
	support_drop_schema(schema);
}

static struct pool *pool_open(int size, int acquire_ms, int statement_ms)
{
	struct pool_config cfg = {
		.conninfo = url, .size = size, .acquire_timeout_ms = acquire_ms,
		.statement_timeout_ms = statement_ms, .connect_timeout_s = 5,
	};
	struct pool *pool = NULL;
	struct err err;
	ck_assert_int_eq(pool_new(&pool, &cfg, &err), ERR_OK);
	return pool;
}

static int backend_pid(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT pg_backend_pid()");
	int pid = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return pid;
}

START_TEST(lends_prepared_connections)
{
	struct pool *pool = pool_open(2, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	int version = 0, count = 0;
	ck_assert_int_eq(ops_store_schema_version(conn, &version, &count, &err), ERR_OK);
	ck_assert_int_eq(version, migration_files_count);
	struct pool_stats st;
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.size, 2);
	ck_assert_int_eq(st.in_use, 1);
	pool_release(pool, conn);
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.in_use, 0);
	pool_free(pool);
}
END_TEST

START_TEST(reuses_an_open_connection)
{
	struct pool *pool = pool_open(2, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	int pid = backend_pid(conn);
	pool_release(pool, conn);
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_eq(backend_pid(conn), pid);
	pool_release(pool, conn);
	struct pool_stats st;
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.opened, 1);
	pool_free(pool);
}
END_TEST

START_TEST(a_full_pool_answers_unavailable)
{
	struct pool *pool = pool_open(1, 200, 5000);
	PGconn *first = NULL, *second = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &first, &err), ERR_OK);
	ck_assert_int_eq(pool_acquire(pool, &second, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_null(second);
	ck_assert_ptr_nonnull(strstr(err.message, "no database connection free"));
	pool_release(pool, first);
	ck_assert_int_eq(pool_acquire(pool, &second, &err), ERR_OK);
	pool_release(pool, second);
	pool_free(pool);
}
END_TEST

START_TEST(replaces_a_broken_connection)
{
	struct pool *pool = pool_open(1, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	int pid = backend_pid(conn);
	PGconn *admin = support_connect(support_database_url());
	char sql[64];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
	support_exec(admin, sql);
	PQfinish(admin);
	int version, count;
	ck_assert_int_eq(ops_store_schema_version(conn, &version, &count, &err), ERR_UNAVAILABLE);
	pool_release(pool, conn);
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_ne(backend_pid(conn), pid);
	ck_assert_int_eq(ops_store_schema_version(conn, &version, &count, &err), ERR_OK);
	pool_release(pool, conn);
	pool_free(pool);
}
END_TEST

START_TEST(applies_the_statement_timeout)
{
	struct pool *pool = pool_open(1, 1000, 100);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	PGresult *res = PQexec(conn, "SELECT pg_sleep(2)");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	ck_assert_str_eq(pg_err_sqlstate(res), "57014");
	ck_assert_int_eq(pg_err_from_result(res, conn, &err), ERR_UNAVAILABLE);
	PQclear(res);
	pool_release(pool, conn);
	pool_free(pool);
}
END_TEST

START_TEST(an_unreachable_database_is_unavailable)
{
	struct pool_config cfg = {
		.conninfo = "postgresql://nobody@/nowhere?host=/nonexistent-prevex-socket-dir",
		.size = 1, .acquire_timeout_ms = 200, .statement_timeout_ms = 1000, .connect_timeout_s = 1,
	};
	struct pool *pool = NULL;
	struct err err;
	ck_assert_int_eq(pool_new(&pool, &cfg, &err), ERR_OK);
	PGconn *conn = NULL;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_null(conn);
	struct pool_stats st;
	pool_get_stats(pool, &st);
	ck_assert_int_eq(st.in_use, 0);
	pool_free(pool);
}
END_TEST

START_TEST(an_open_transaction_is_not_handed_on)
{
	struct pool *pool = pool_open(1, 1000, 5000);
	PGconn *conn = NULL;
	struct err err;
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_eq(db_begin(conn, &err), ERR_OK);
	int pid = backend_pid(conn);
	pool_release(pool, conn); /* forgotten transaction: the pool must not lend it again */
	ck_assert_int_eq(pool_acquire(pool, &conn, &err), ERR_OK);
	ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_IDLE);
	ck_assert_int_ne(backend_pid(conn), pid);
	pool_release(pool, conn);
	pool_free(pool);
}
END_TEST

/* Issue 13: PostgreSQL restarting under load. The old pool released "the
 * first in-use slot without a connection", which could be a slot another
 * thread was still opening; a failed open then freed it a second time, the
 * in-use count fell below the busy slots and pool_acquire took a NULL slot
 * (SIGSEGV).
 *
 * The pool connects through a proxy on a Unix socket of the test's own that
 * goes up and down like a restarting server: up, it relays to PostgreSQL;
 * going down, it cuts every relayed connection (queries in flight fail, and
 * their connections come back broken) and removes its socket, so that every
 * open fails at once, as on a stopped server, until it comes up again. */
enum { RACE_THREADS = 32, RACE_POOL = 4, RACE_MS = 5000, RACE_UP_MS = 1000, RACE_DOWN_MS = 200 };

struct proxy {
	char dir[64];            /* the socket's directory, as libpq's host */
	char path[100];          /* the socket */
	struct sockaddr_storage target;
	socklen_t target_len;
	atomic_bool stop;
	atomic_bool cycling;     /* false: stays up */
	atomic_int generation;   /* bumped at each going down: relays stop */
	atomic_int live;         /* relay threads still running */
	atomic_int downs;
};

struct relay {
	struct proxy *proxy;
	int client;
	int generation;
};

static long long race_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void race_sleep_ms(int ms)
{
	struct timespec pause = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&pause, NULL);
}

/* Copies what fd has to read into other; false at the end or on error. */
static bool relay_pass(int fd, int other)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(other, buf + off, (size_t)(n - off));
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static void *relay_run(void *arg)
{
	struct relay *r = arg;
	int server = socket(r->proxy->target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (server < 0 || connect(server, (struct sockaddr *)&r->proxy->target, r->proxy->target_len) != 0)
		goto done;
	while (atomic_load(&r->proxy->generation) == r->generation) {
		struct pollfd fds[2] = { { .fd = r->client, .events = POLLIN }, { .fd = server, .events = POLLIN } };
		int n = poll(fds, 2, 5);
		if (n < 0)
			break;
		if (fds[0].revents != 0 && !relay_pass(r->client, server))
			break;
		if (fds[1].revents != 0 && !relay_pass(server, r->client))
			break;
	}
done:
	if (server >= 0)
		close(server);
	close(r->client);
	atomic_fetch_sub(&r->proxy->live, 1);
	free(r);
	return NULL;
}

static int proxy_listen(struct proxy *p)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", p->path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(fd, 128), 0);
	return fd;
}

/* Removes the socket: new connections fail at once (ENOENT); then cuts
 * the relayed ones. */
static void proxy_go_down(struct proxy *p, int *listen_fd)
{
	unlink(p->path);
	close(*listen_fd);
	*listen_fd = -1;
	atomic_fetch_add(&p->generation, 1);
	atomic_fetch_add(&p->downs, 1);
}

static void *proxy_run(void *arg)
{
	struct proxy *p = arg;
	int listen_fd = proxy_listen(p);
	long long phase_end = race_now_ms() + RACE_UP_MS;
	while (!atomic_load(&p->stop)) {
		long long now = race_now_ms();
		if (listen_fd < 0) {
			if (now >= phase_end || !atomic_load(&p->cycling)) {
				listen_fd = proxy_listen(p);
				phase_end = now + RACE_UP_MS;
			} else {
				race_sleep_ms(5);
			}
			continue;
		}
		if (now >= phase_end && atomic_load(&p->cycling)) {
			proxy_go_down(p, &listen_fd);
			phase_end = now + RACE_DOWN_MS;
			continue;
		}
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
		if (poll(&pfd, 1, 5) <= 0)
			continue;
		int client = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (client < 0)
			continue;
		struct relay *r = calloc(1, sizeof(*r));
		ck_assert_ptr_nonnull(r);
		r->proxy = p;
		r->client = client;
		r->generation = atomic_load(&p->generation);
		atomic_fetch_add(&p->live, 1);
		pthread_t t;
		ck_assert_int_eq(pthread_create(&t, NULL, relay_run, r), 0);
		pthread_detach(t);
	}
	if (listen_fd >= 0)
		proxy_go_down(p, &listen_fd);
	return NULL;
}

/* Where the test database listens, from its URL: a Unix socket or TCP. */
static void proxy_target(struct proxy *p, PQconninfoOption *opts)
{
	const char *host = NULL, *hostaddr = NULL, *port = "5432";
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	if (hostaddr == NULL && (host == NULL || host[0] == '/')) {
		struct sockaddr_un *un = (struct sockaddr_un *)&p->target;
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s/.s.PGSQL.%s", host ? host : "/var/run/postgresql", port);
		p->target_len = sizeof(*un);
		return;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	ck_assert_int_eq(getaddrinfo(hostaddr ? hostaddr : host, port, &hints, &ai), 0);
	memcpy(&p->target, ai->ai_addr, ai->ai_addrlen);
	p->target_len = ai->ai_addrlen;
	freeaddrinfo(ai);
}

/* Starts the proxy, up; writes into conninfo the test schema's connection
 * string with the proxy as its host. */
static void proxy_start(struct proxy *p, pthread_t *thread, char *conninfo, size_t len)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/prevex-pool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(p->dir));
	snprintf(p->path, sizeof(p->path), "%s/.s.PGSQL.5432", p->dir);
	char *error = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &error);
	ck_assert_msg(opts != NULL, "%s", error ? error : "cannot parse the URL");
	proxy_target(p, opts);
	/* Everything else as the URL says, host and port replaced. */
	size_t used = (size_t)snprintf(conninfo, len, "host='%s' port=5432", p->dir);
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0' || strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "hostaddr") == 0 || strcmp(o->keyword, "port") == 0)
			continue;
		ck_assert_ptr_null(strchr(o->val, '\''));
		used += (size_t)snprintf(conninfo + used, len - used, " %s='%s'", o->keyword, o->val);
		ck_assert_uint_lt(used, len);
	}
	PQconninfoFree(opts);
	atomic_store(&p->cycling, true);
	ck_assert_int_eq(pthread_create(thread, NULL, proxy_run, p), 0);
}

static void proxy_stop(struct proxy *p, pthread_t thread)
{
	atomic_store(&p->stop, true);
	pthread_join(thread, NULL);
	for (int i = 0; i < 500 && atomic_load(&p->live) > 0; i++)
		race_sleep_ms(10);
	rmdir(p->dir);
}

struct race {
	struct pool *pool;
	atomic_bool stop;
	atomic_long ok, unavailable, other, queries_failed;
};

static void *race_client(void *arg)
{
	struct race *r = arg;
	unsigned long n = 0;
	while (!atomic_load(&r->stop)) {
		PGconn *conn = NULL;
		struct err err;
		int rc = pool_acquire(r->pool, &conn, &err);
		if (rc == ERR_UNAVAILABLE && conn == NULL) {
			atomic_fetch_add(&r->unavailable, 1);
			race_sleep_ms(1);
			continue;
		}
		if (rc != ERR_OK || conn == NULL) {
			atomic_fetch_add(&r->other, 1);
			continue;
		}
		atomic_fetch_add(&r->ok, 1);
		/* Now and then a transaction left open, which the pool must not
		 * lend again. */
		if (n++ % 16 == 15)
			PQclear(PQexec(conn, "BEGIN"));
		PGresult *res = PQexec(conn, "SELECT pg_sleep(0.02)");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			atomic_fetch_add(&r->queries_failed, 1);
		PQclear(res);
		pool_release(r->pool, conn);
	}
	return NULL;
}

START_TEST(survives_a_restarting_server_under_contention)
{
	struct proxy proxy;
	pthread_t proxy_thread;
	char conninfo[2048];
	proxy_start(&proxy, &proxy_thread, conninfo, sizeof(conninfo));
	struct race r = { 0 };
	struct pool_config cfg = {
		.conninfo = conninfo, .size = RACE_POOL, .acquire_timeout_ms = 500,
		.statement_timeout_ms = 5000, .connect_timeout_s = 5,
	};
	struct err err;
	ck_assert_int_eq(pool_new(&r.pool, &cfg, &err), ERR_OK);
	pthread_t clients[RACE_THREADS];
	for (int i = 0; i < RACE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&clients[i], NULL, race_client, &r), 0);
	long long end = race_now_ms() + RACE_MS;
	while (race_now_ms() < end) {
		struct pool_stats st;
		pool_get_stats(r.pool, &st);
		ck_assert_int_ge(st.in_use, 0);
		ck_assert_int_le(st.in_use, RACE_POOL);
		race_sleep_ms(10);
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(clients[i], NULL);
	atomic_store(&proxy.cycling, false);
	struct pool_stats st;
	pool_get_stats(r.pool, &st);
	fprintf(stderr, "race: %ld lent, %ld unavailable, %ld queries failed, %lld opened, %d downs\n",
		atomic_load(&r.ok), atomic_load(&r.unavailable), atomic_load(&r.queries_failed), st.opened,
		atomic_load(&proxy.downs));
	/* The server went down several times, and requests went through
	 * between. (Whether a down cut a query in flight depends on timing:
	 * queries_failed is reported, not asserted.) */
	ck_assert_int_ge(atomic_load(&proxy.downs), 3);
	ck_assert_int_gt(atomic_load(&r.ok), 0);
	ck_assert_int_gt(atomic_load(&r.unavailable), 0);
	ck_assert_int_eq(atomic_load(&r.other), 0);
	ck_assert_int_eq(st.in_use, 0);
	ck_assert_int_eq(st.waiting, 0);

	/* Nothing leaked: once the server stays up, every slot can be lent at
	 * once, each with a working connection of its own, and no more. */
	PGconn *all[RACE_POOL] = { 0 };
	int pids[RACE_POOL];
	for (int i = 0; i < RACE_POOL; i++) {
		int rc = ERR_UNAVAILABLE;
		for (int attempt = 0; attempt < 100 && rc != ERR_OK; attempt++) {
			rc = pool_acquire(r.pool, &all[i], &err);
			if (rc == ERR_OK && backend_pid(all[i]) <= 0) {
				/* a connection cut at the last going down */
				pool_release(r.pool, all[i]);
				rc = ERR_UNAVAILABLE;
			}
			if (rc != ERR_OK)
				race_sleep_ms(20);
		}
		ck_assert_msg(rc == ERR_OK, "slot %d: %s", i, err.message);
		pids[i] = backend_pid(all[i]);
		for (int j = 0; j < i; j++) {
			ck_assert_ptr_ne(all[i], all[j]);
			ck_assert_int_ne(pids[i], pids[j]);
		}
	}
	pool_get_stats(r.pool, &st);
	ck_assert_int_eq(st.in_use, RACE_POOL);
	PGconn *extra = NULL;
	ck_assert_int_eq(pool_acquire(r.pool, &extra, &err), ERR_UNAVAILABLE);
	ck_assert_ptr_null(extra);
	for (int i = 0; i < RACE_POOL; i++)
		pool_release(r.pool, all[i]);
	pool_get_stats(r.pool, &st);
	ck_assert_int_eq(st.in_use, 0);
	pool_free(r.pool);
	proxy_stop(&proxy, proxy_thread);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, schema_setup, schema_teardown);
	tcase_add_test(tc, lends_prepared_connections);
	tcase_add_test(tc, reuses_an_open_connection);
	tcase_add_test(tc, a_full_pool_answers_unavailable);
	tcase_add_test(tc, replaces_a_broken_connection);
	tcase_add_test(tc, applies_the_statement_timeout);
	tcase_add_test(tc, an_unreachable_database_is_unavailable);
	tcase_add_test(tc, an_open_transaction_is_not_handed_on);
	tcase_add_test(tc, survives_a_restarting_server_under_contention);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
