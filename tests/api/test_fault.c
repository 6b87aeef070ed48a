/* Issue 13: the service survives PostgreSQL restarting and stopping under
 * load. 32 clients create households and read them back through the real
 * `prevex serve` while a cluster of the test's own (tests/api/fault_pg.sh,
 * never the shared one) is restarted (`pg_ctl restart -m fast`) or stopped
 * then started, 20 times in a row. The server must not die; every request
 * must get a real answer, 2xx or a 503 problem+json with Retry-After (no
 * reset, no empty reply, no other status); and the households in the
 * database must be exactly those the server answered 201 for. */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

enum {
	CLIENTS = 32,      /* PREVEX_FAULT_CLIENTS overrides it, up to CLIENTS_MAX */
	CLIENTS_MAX = 256,
	FAULTS = 20,       /* restarts and stop-starts, alternately */
	RUN_MS = 500,      /* of traffic before each fault */
	DOWN_MS = 200,     /* between stop and start */
	SETTLE_MS = 1000,  /* of traffic after the last fault */
	HEAL_MAX_MS = 10000, /* for the first 201 once PostgreSQL is back */
	PAUSE_AFTER_503_MS = 100,
	BAD_KEPT = 8,
};

static char cluster[PATH_MAX];   /* the cluster's directory, from fault_pg.sh */

static struct harness server;
static struct party admin;
static char marker[32];

struct tally {
	atomic_bool stop;
	atomic_long requests, writes_ok, reads_ok, unavailable, bad;
	atomic_long slowest_ms;
	pthread_mutex_t lock;
	char bad_seen[BAD_KEPT][160];
	char why[BAD_KEPT][120];  /* the 503s' details, first seen first */
	long why_count[BAD_KEPT];
};

static struct tally tally = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Runs `fault_pg.sh verb arg`; its first output line into out (if any).
 * Returns the exit status, -1 if it could not run. */
static int cluster_command(const char *verb, const char *arg, char *out, size_t len)
{
	const char *script = getenv("PREVEX_FAULT_PG");
	if (script == NULL || script[0] == '\0')
		return -1;
	char cmd[PATH_MAX * 2 + 64];
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s'", script, verb, arg);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	char line[PATH_MAX] = "";
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	int status = pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (out != NULL)
		snprintf(out, len, "%s", line);
	return status;
}

/* Makes the cluster and points the harness and fixtures at it. The
 * unchecked fixture runs in the runner process, whose end the script's
 * watcher waits for to remove the cluster if teardown never runs. */
static void setup(void)
{
	char pid[32], url[PATH_MAX + 128];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (cluster_command("create", pid, cluster, sizeof(cluster)) != 0 || cluster[0] != '/') {
		fprintf(stderr, "fault: cannot make a PostgreSQL cluster with $PREVEX_FAULT_PG\n");
		abort();
	}
	snprintf(url, sizeof(url), "postgresql://prevex@/prevex?host=%s/run&port=5432", cluster);
	setenv("PREVEX_TEST_DATABASE_URL", url, 1);
	snprintf(url, sizeof(url), "postgresql://prevex_app@/prevex?host=%s/run&port=5432", cluster);
	setenv("PREVEX_TEST_APP_DATABASE_URL", url, 1);
}

static void teardown(void)
{
	if (cluster[0] != '\0')
		cluster_command("destroy", cluster, NULL, 0);
}

static void tally_bad(const char *what, int rc, const struct http_response *resp)
{
	long n = atomic_fetch_add(&tally.bad, 1);
	if (n >= BAD_KEPT)
		return;
	pthread_mutex_lock(&tally.lock);
	if (rc != HTTP_CLIENT_OK)
		snprintf(tally.bad_seen[n], sizeof(tally.bad_seen[n]), "%s: %s", what, http_client_strerror(rc));
	else
		snprintf(tally.bad_seen[n], sizeof(tally.bad_seen[n]), "%s: %d %.100s", what, resp->status,
			 resp->body ? resp->body : "");
	pthread_mutex_unlock(&tally.lock);
}

/* Counts a 503 under the first words of its detail. */
static void tally_why(const struct http_response *resp)
{
	json_t *j = harness_json(resp);
	const char *detail = json_string_value(json_object_get(j, "detail"));
	char why[120];
	snprintf(why, sizeof(why), "%.40s", detail != NULL ? detail : "?");
	json_decref(j);
	pthread_mutex_lock(&tally.lock);
	for (int i = 0; i < BAD_KEPT; i++) {
		if (tally.why[i][0] == '\0')
			snprintf(tally.why[i], sizeof(tally.why[i]), "%s", why);
		if (strcmp(tally.why[i], why) == 0) {
			tally.why_count[i]++;
			break;
		}
	}
	pthread_mutex_unlock(&tally.lock);
}

/* Files one answer; true if it is the wanted status. */
static bool tally_answer(const char *what, int rc, const struct http_response *resp, int wanted,
			 long long started)
{
	long elapsed = (long)(now_ms() - started);
	long slowest = atomic_load(&tally.slowest_ms);
	while (elapsed > slowest && !atomic_compare_exchange_weak(&tally.slowest_ms, &slowest, elapsed))
		;
	atomic_fetch_add(&tally.requests, 1);
	if (rc == HTTP_CLIENT_OK && resp->status == wanted)
		return true;
	if (rc == HTTP_CLIENT_OK && resp->status == 503) {
		const char *type = http_response_header(resp, "Content-Type");
		if (type != NULL && strncmp(type, "application/problem+json", 24) == 0 &&
		    http_response_header(resp, "Retry-After") != NULL) {
			atomic_fetch_add(&tally.unavailable, 1);
			tally_why(resp);
			sleep_ms(PAUSE_AFTER_503_MS);
			return false;
		}
	}
	tally_bad(what, rc, resp);
	return false;
}

static void *client_run(void *arg)
{
	char headers[2300], body[512];
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
		 admin.token);
	int n = snprintf(body, sizeof(body),
			 "{\"address\":{\"line\":\"1 rue des Pannes\",\"postcode\":\"91000\",\"insee\":\"91174\"},"
			 "\"sector\":\"social\",\"occupants\":{\"adults\":1,\"children\":0},"
			 "\"vulnerability_notes\":\"%s\"}", marker);
	while (!atomic_load(&tally.stop)) {
		struct http_response resp = { 0 };
		long long started = now_ms();
		int rc = http_send(&resp, HARNESS_HOST, server.port, "POST", "/v1/households", headers, body,
				   (size_t)n);
		if (!tally_answer("POST /v1/households", rc, &resp, 201, started)) {
			http_response_free(&resp);
			continue;
		}
		atomic_fetch_add(&tally.writes_ok, 1);
		json_t *j = harness_json(&resp);
		const char *id = json_string_value(json_object_get(j, "id"));
		char path[96];
		snprintf(path, sizeof(path), "/v1/households/%s", id ? id : "none");
		json_decref(j);
		http_response_free(&resp);
		started = now_ms();
		rc = http_send(&resp, HARNESS_HOST, server.port, "GET", path, headers, NULL, 0);
		if (tally_answer("GET /v1/households/{id}", rc, &resp, 200, started))
			atomic_fetch_add(&tally.reads_ok, 1);
		http_response_free(&resp);
	}
	return NULL;
}

START_TEST(survives_restarts_under_load)
{
	/* The clients are one organisation's: its budget of requests in flight
	 * (test_budget.c) is not what a restart of PostgreSQL tests. */
	const char *env[] = { fixtures_keys_env(), "PREVEX_ORG_MAX_INFLIGHT=1000000", NULL };
	ck_assert_msg(harness_start(&server, env) == 0, "harness: %s", server.error);
	fixtures_admin(&server, &admin);
	char suffix[16];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(marker, sizeof(marker), "fault-%s", suffix);

	int nclients = CLIENTS;
	const char *wanted = getenv("PREVEX_FAULT_CLIENTS");
	char *end = NULL;
	long n = wanted ? strtol(wanted, &end, 10) : 0;
	if (wanted != NULL && *end == '\0' && n > 0 && n <= CLIENTS_MAX)
		nclients = (int)n;
	long long started = now_ms();
	pthread_t clients[CLIENTS_MAX];
	for (int i = 0; i < nclients; i++)
		ck_assert_int_eq(pthread_create(&clients[i], NULL, client_run, NULL), 0);
	int restarts = 0, stops = 0;
	long long healing_total = 0, healing_max = 0;
	for (int i = 0; i < FAULTS; i++) {
		sleep_ms(RUN_MS);
		if (i % 2 == 0) {
			ck_assert_int_eq(cluster_command("restart", cluster, NULL, 0), 0);
			restarts++;
		} else {
			ck_assert_int_eq(cluster_command("stop", cluster, NULL, 0), 0);
			sleep_ms(DOWN_MS);
			ck_assert_int_eq(cluster_command("start", cluster, NULL, 0), 0);
			stops++;
		}
		ck_assert_msg(harness_wait(&server, 0) == -2, "prevex serve died at fault %d", i + 1);
		/* From PostgreSQL accepting connections again to the next 201. */
		long long up = now_ms();
		long writes = atomic_load(&tally.writes_ok);
		while (atomic_load(&tally.writes_ok) == writes && now_ms() - up < HEAL_MAX_MS)
			sleep_ms(5);
		long long healing = now_ms() - up;
		ck_assert_msg(healing < HEAL_MAX_MS, "no write went through for %d ms after fault %d", HEAL_MAX_MS, i + 1);
		healing_total += healing;
		if (healing > healing_max)
			healing_max = healing;
	}
	sleep_ms(SETTLE_MS);
	atomic_store(&tally.stop, true);
	for (int i = 0; i < nclients; i++)
		pthread_join(clients[i], NULL);
	long long elapsed = now_ms() - started;

	fprintf(stderr,
		"fault: %d restarts and %d stop-starts in %.1f s with %d clients: %ld requests, "
		"%ld 2xx (%ld writes, %ld reads), %ld 503, %ld other; slowest answer %ld ms; "
		"first 201 after PostgreSQL is back: %lld ms on average, at most %lld ms\n",
		restarts, stops, (double)elapsed / 1000.0, nclients, atomic_load(&tally.requests),
		atomic_load(&tally.writes_ok) + atomic_load(&tally.reads_ok), atomic_load(&tally.writes_ok),
		atomic_load(&tally.reads_ok), atomic_load(&tally.unavailable), atomic_load(&tally.bad),
		atomic_load(&tally.slowest_ms), healing_total / FAULTS, healing_max);
	for (int i = 0; i < BAD_KEPT && tally.why[i][0] != '\0'; i++)
		fprintf(stderr, "fault: %ld× 503 \"%s...\"\n", tally.why_count[i], tally.why[i]);
	for (long i = 0; i < atomic_load(&tally.bad) && i < BAD_KEPT; i++)
		fprintf(stderr, "fault: unexpected answer: %s\n", tally.bad_seen[i]);

	ck_assert_msg(harness_wait(&server, 0) == -2, "prevex serve died");
	ck_assert_int_eq(atomic_load(&tally.bad), 0);
	ck_assert_int_gt(atomic_load(&tally.unavailable), 0);
	struct http_response resp = { 0 };
	ck_assert_int_eq(harness_get(&server, &resp, "/readyz", NULL), HTTP_CLIENT_OK);
	ck_assert_int_eq(resp.status, 200);
	http_response_free(&resp);

	/* Every 201, and nothing else, left a household behind. */
	char count[32];
	const char *params[] = { marker };
	fixtures_sql_value("SELECT count(*) FROM households WHERE vulnerability_notes = $1", 1, params, count,
			   sizeof(count));
	ck_assert_int_eq(atol(count), atomic_load(&tally.writes_ok));

	ck_assert_int_eq(harness_stop(&server), 0);
	harness_discard_log(&server);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("fault");
	/* About a minute here; the sanitizers' build multiplies it by three. */
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, survives_restarts_under_load);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
