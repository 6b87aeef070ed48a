/* Issue 17: two `prevex serve` replicas on one database, as behind a load
 * balancer. An import job whose replica is killed (SIGKILL) in the middle
 * of a chunk is finished by the other one, every item applied exactly
 * once: a chunk is claimed by a row lock of its transaction, which the
 * death of the connection releases with everything the chunk wrote. And
 * the statistics read on a PostgreSQL replica when one is configured. */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

#define ITEMS 10000
#define CHUNK "200"

static struct harness replica_a, replica_b;
static const char *keys_env;

/* Starts a replica whose connections carry application_name name (served
 * as the service's role, migrated as the owner, as the harness does), with
 * two import workers polling often and small chunks. */
static void start_replica(struct harness *h, const char *name)
{
	static char base[1024];
	if (base[0] == '\0') {
		const char *app = getenv("PREVEX_TEST_APP_DATABASE_URL");
		snprintf(base, sizeof(base), "%s", app != NULL && app[0] != '\0' ? app : getenv("PREVEX_TEST_DATABASE_URL"));
	}
	char url[2048];
	snprintf(url, sizeof(url), "%s%sapplication_name=%s", base, strchr(base, '?') != NULL ? "&" : "?", name);
	ck_assert_int_eq(setenv("PREVEX_TEST_APP_DATABASE_URL", url, 1), 0);
	const char *env[] = { keys_env, "PREVEX_IMPORT_SYNC_MAX=1000", "PREVEX_IMPORT_POLL_MS=50",
			      "PREVEX_IMPORT_CHUNK=" CHUNK, "PREVEX_IMPORT_WORKERS=2", NULL };
	ck_assert_msg(harness_start(h, env) == 0, "%s: %s", name, h->error);
}

static void setup(void)
{
	keys_env = fixtures_keys_env();
}

static void teardown(void)
{
	harness_stop(&replica_a);
	harness_stop(&replica_b);
}

/* n CAF signals of one organisation, every 250th bad (a negative debt). */
static char *caf_batch(int n, const char *tag)
{
	size_t cap = (size_t)n * 300 + 16, len = 0;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	len += (size_t)snprintf(s + len, cap - len, "[");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"%s{\"external_id\":\"rep-%s-%d\",\"caf_number\":\"%s%07d\","
					"\"address\":{\"line\":\"%d rue des Tilleuls\",\"postcode\":\"91000\","
					"\"insee\":\"91228\"},\"debt_cents\":%d,\"months_unpaid\":3,"
					"\"benefit_status\":\"kept\",\"paid_to_landlord\":true,\"date\":\"2026-11-20\"}",
					i ? "," : "", tag, i, tag, i, i, i % 250 == 3 ? -5 : 120000 + i);
	snprintf(s + len, cap - len, "]");
	return s;
}

static long long counted(const json_t *job, const char *status)
{
	return (long long)json_integer_value(json_object_get(json_object_get(job, "counts"), status));
}

/* Whether replica name is inside a chunk of the job: one of its
 * connections holds a transaction id (the chunk's FOR UPDATE of the job's
 * row takes one; nothing else writes meanwhile), once a chunk is committed
 * and while items are pending. *pending is the items still pending. */
static bool inside_a_chunk(PGconn *conn, const char *job, const char *name, long long *pending)
{
	const char *params[] = { job, name };
	PGresult *res = PQexecParams(conn,
				     "SELECT count(*) FILTER (WHERE status = 'pending'),"
				     " count(*) FILTER (WHERE status <> 'pending'),"
				     " (SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
				     "   WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock'"
				     "   AND a.application_name = $2 AND a.datname = current_database())"
				     " FROM import_items WHERE import_id = $1::uuid",
				     2, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
	*pending = atoll(PQgetvalue(res, 0, 0));
	bool inside = *pending > 0 && atoll(PQgetvalue(res, 0, 1)) > 0 && atoll(PQgetvalue(res, 0, 2)) > 0;
	PQclear(res);
	return inside;
}

START_TEST(a_job_survives_the_death_of_its_replica)
{
	/* Replica B starts once A is dead: started beside it, its workers
	 * could take every chunk before A holds one, and A would never be
	 * caught inside a chunk. */
	start_replica(&replica_a, "prevex-replica-a");
	struct party admin, caf;
	fixtures_admin(&replica_a, &admin);
	fixtures_party(&replica_a, &admin, "caf", NULL, NULL, &caf);

	char tag[16];
	fixtures_suffix(tag, sizeof(tag));
	for (char *c = tag; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	tag[6] = '\0';
	char *body = caf_batch(ITEMS, tag);
	char headers[128];
	snprintf(headers, sizeof(headers), "Idempotency-Key: replicas-%s\r\n", tag);
	struct http_response resp = { 0 };
	int status = fixtures_call(&replica_a, &caf, "POST", "/v1/imports/caf-signals", body, headers, &resp);
	ck_assert_msg(status == 202, "answered %d: %s", status, resp.body);
	char location[256];
	snprintf(location, sizeof(location), "%s", http_response_header(&resp, "Location"));
	http_response_free(&resp);
	free(body);

	/* Kill replica A while one of its workers is inside a chunk, once a
	 * chunk has been committed and before the job is done. */
	const char *job_id = strrchr(location, '/') + 1;
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	bool killed = false;
	long long pending = ITEMS;
	for (int i = 0; i < 20000 && !killed && pending > 0; i++) {
		if (inside_a_chunk(conn, job_id, "prevex-replica-a", &pending)) {
			ck_assert_int_eq(harness_signal(&replica_a, SIGKILL), 0);
			ck_assert_int_eq(harness_wait(&replica_a, 5000), 128 + SIGKILL);
			killed = true;
		}
	}
	PQfinish(conn);
	ck_assert_msg(killed, "replica A was never caught inside a chunk (%lld items pending)", pending);
	fprintf(stderr, "replicas: replica A killed inside a chunk, %lld of %d items pending\n", pending, ITEMS);
	start_replica(&replica_b, "prevex-replica-b");

	/* Replica B finishes it alone. */
	json_t *job = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 600; i++) {
		json_decref(job);
		job = fixtures_call_json(&replica_b, &caf, "GET", location, NULL, NULL, &status);
		ck_assert_int_eq(status, 200);
		if (strcmp(json_string_value(json_object_get(job, "status")), "done") == 0)
			break;
		usleep(50000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_str_eq(json_string_value(json_object_get(job, "status")), "done");
	fprintf(stderr, "replicas: job finished by replica B %.1f s after replica A was killed\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	/* Exactly once: an item applied twice would read "unchanged" the
	 * second time, an item lost would stay pending or have no signal. */
	long long bad = (ITEMS + 246) / 250;
	ck_assert_int_eq(json_integer_value(json_object_get(job, "processed")), ITEMS);
	ck_assert_int_eq(counted(job, "pending"), 0);
	ck_assert_int_eq(counted(job, "rejected"), bad);
	ck_assert_int_eq(counted(job, "created"), ITEMS - bad);
	ck_assert_int_eq(counted(job, "updated"), 0);
	ck_assert_int_eq(counted(job, "unchanged"), 0);
	json_decref(job);

	char like[64], n[32];
	snprintf(like, sizeof(like), "rep-%s-%%", tag);
	const char *params[] = { caf.org_id, like };
	fixtures_sql_value("SELECT count(*) FROM caf_signals WHERE organisation_id = $1 AND external_id LIKE $2",
			   2, params, n, sizeof(n));
	ck_assert_int_eq(atoll(n), ITEMS - bad);
	fixtures_sql_value("SELECT count(DISTINCT external_id) FROM caf_signals WHERE organisation_id = $1"
			   " AND external_id LIKE $2", 2, params, n, sizeof(n));
	ck_assert_int_eq(atoll(n), ITEMS - bad);
	/* Every item's result names its own signal, and no signal twice. */
	const char *job_params[] = { job_id };
	fixtures_sql_value("SELECT count(DISTINCT resource_id) FROM import_items WHERE import_id = $1::uuid"
			   " AND status = 'created'", 1, job_params, n, sizeof(n));
	ck_assert_int_eq(atoll(n), ITEMS - bad);
	harness_discard_log(&replica_a);
}
END_TEST

/* A replica serving with PREVEX_REPLICA_DATABASE_URL set to url; the
 * service's role, application_name "prevex" on the primary. */
static void start_with_replica_url(struct harness *h, const char *url)
{
	char env_url[2048];
	snprintf(env_url, sizeof(env_url), "PREVEX_REPLICA_DATABASE_URL=%s", url);
	const char *env[] = { keys_env, env_url, "PREVEX_IMPORT_WORKERS=0", "PREVEX_WEBHOOK_WORKERS=0", NULL };
	ck_assert_msg(harness_start(h, env) == 0, "%s", h->error);
}

static long long audited(const char *client_id, const char *resource_type)
{
	const char *params[] = { client_id, resource_type };
	char n[32];
	fixtures_sql_value("SELECT count(*) FROM audit_log WHERE client_id = $1::uuid AND resource_type = $2"
			   " AND action = 'read' AND outcome = 'ok'", 2, params, n, sizeof(n));
	return atoll(n);
}

/* The statistics' reads go to the replica the URL names (here the same
 * database under another application_name), the audit row to the primary;
 * with the replica unreachable the primary answers, the same figures. */
START_TEST(statistics_read_on_the_replica_or_on_the_primary)
{
	const char *app = getenv("PREVEX_TEST_APP_DATABASE_URL");
	char base[1024], url[2048];
	snprintf(base, sizeof(base), "%s", app != NULL && app[0] != '\0' ? app : getenv("PREVEX_TEST_DATABASE_URL"));
	snprintf(url, sizeof(url), "%s%sapplication_name=prevex-stats-ro", base, strchr(base, '?') ? "&" : "?");
	start_with_replica_url(&replica_a, url);
	struct party admin;
	fixtures_admin(&replica_a, &admin);
	const char *paths[] = { "/v1/stats/key-figures?year=2025",
				"/v1/stats/acts?from=2025-01-01&to=2025-12-31&by=month" };
	const char *types[] = { "key_figures", "acts_statistics" };
	char *on_replica[2];
	for (int i = 0; i < 2; i++) {
		long long before = audited(admin.client_id, types[i]);
		struct http_response resp = { 0 };
		int status = fixtures_call(&replica_a, &admin, "GET", paths[i], NULL, NULL, &resp);
		ck_assert_msg(status == 200, "%s answered %d: %s", paths[i], status, resp.body);
		on_replica[i] = strdup(resp.body);
		http_response_free(&resp);
		ck_assert_int_eq(audited(admin.client_id, types[i]), before + 1);
	}
	char n[32];
	fixtures_sql_value("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'prevex-stats-ro'"
			   " AND datname = current_database()", 0, NULL, n, sizeof(n));
	ck_assert_int_ge(atoi(n), 1);
	harness_stop(&replica_a);

	/* The replica unreachable: a socket folder that does not exist. */
	start_with_replica_url(&replica_b, "postgresql://prevex_app@/prevex?host=/nonexistent-prevex-replica"
					   "&application_name=prevex-stats-gone");
	for (int i = 0; i < 2; i++) {
		long long before = audited(admin.client_id, types[i]);
		json_t *j = fixtures_call_json(&replica_b, &admin, "GET", paths[i], NULL, NULL, &(int){ 0 });
		json_t *expected = json_loads(on_replica[i], 0, NULL);
		ck_assert_msg(json_equal(j, expected), "%s differs on the primary", paths[i]);
		json_decref(j);
		json_decref(expected);
		free(on_replica[i]);
		ck_assert_int_eq(audited(admin.client_id, types[i]), before + 1);
	}
	/* A refused request is refused, not handed over. */
	int status = 0;
	json_decref(fixtures_call_json(&replica_b, &admin, "GET", "/v1/stats/key-figures?year=x", NULL, NULL, &status));
	ck_assert_int_eq(status, 400);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replicas");
	TCase *tc = tcase_create("replicas");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_job_survives_the_death_of_its_replica);
	tcase_add_test(tc, statistics_read_on_the_replica_or_on_the_primary);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
