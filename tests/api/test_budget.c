/* Issue 17, no partner can make another wait: each organisation's budget of
 * requests in flight. One CAF floods list calls from 40 clients at once,
 * round after round, while a préfecture reads: the préfecture is always
 * answered, the CAF gets 429 with Retry-After past its budget (never a 5xx)
 * and is answered again once the flood ends. A long poll of the feed does
 * not hold its organisation's budget while it sleeps. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

enum {
	POOL = 4,              /* database connections: the budget is half, 2 */
	FLOODERS = 40,         /* concurrent clients of the flooding CAF */
	FLOOD_CALLS = 12,      /* list calls of each, one after the other */
	FLOOD_ROUNDS = 4,
	READERS = 2,           /* the préfecture's clients: within its budget */
	FEED_WAIT_S = 3,
};

static struct harness server;

static void setup(void)
{
	/* One thread a connection: in the pool mode a connection waits for its
	 * worker, which may be busy with one of the flood's admitted lists (a
	 * limit the budget does not lift; bench/README.md), and the préfecture's
	 * answers would then depend on the machine's load. */
	static const char *const env[] = { "PREVEX_DB_POOL_SIZE=4", "PREVEX_HTTP_MODE=per-connection",
					   "PREVEX_WEBHOOK_WORKERS=0", "PREVEX_IMPORT_WORKERS=0", NULL };
	fixtures_server_start_with(&server, env);
}

static void teardown(void)
{
	harness_stop(&server);
}

static long long clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What one side of a round received. */
struct tally {
	atomic_int ok;           /* 200 */
	atomic_int refused;      /* 429, well formed */
	atomic_int bad_refusal;  /* 429 without Retry-After or the problem type */
	atomic_int other;        /* anything else, transport failures included */
	_Atomic int first_other; /* its status (0: no response) */
};

struct round {
	const struct party *caf, *prefecture;
	char prefecture_path[96];        /* a household the préfecture reads */
	pthread_barrier_t go;
	atomic_bool flooding;
	struct tally caf_got, prefecture_got;
};

static bool refusal_is_well_formed(const struct http_response *resp)
{
	const char *retry = http_response_header(resp, "Retry-After");
	const char *ctype = http_response_header(resp, "Content-Type");
	json_t *j = json_loads(resp->body, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "code"));
	bool ok = retry != NULL && atoi(retry) >= 1 && ctype != NULL &&
		  strncmp(ctype, "application/problem+json", 24) == 0 && code != NULL &&
		  strcmp(code, "too-many-requests") == 0 && json_integer_value(json_object_get(j, "status")) == 429;
	json_decref(j);
	return ok;
}

static void tally_call(struct tally *t, const struct party *p, const char *path)
{
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, p, "GET", path, NULL, NULL, &resp);
	if (status == 200) {
		atomic_fetch_add(&t->ok, 1);
	} else if (status == 429) {
		atomic_fetch_add(refusal_is_well_formed(&resp) ? &t->refused : &t->bad_refusal, 1);
	} else {
		int none = 0;
		atomic_compare_exchange_strong(&t->first_other, &none, status > 0 ? status : -1);
		atomic_fetch_add(&t->other, 1);
	}
	http_response_free(&resp);
}

static void *flood_run(void *arg)
{
	struct round *r = arg;
	pthread_barrier_wait(&r->go);
	for (int i = 0; i < FLOOD_CALLS; i++)
		tally_call(&r->caf_got, r->caf, "/v1/households?limit=100");
	return NULL;
}

static void *read_run(void *arg)
{
	struct round *r = arg;
	pthread_barrier_wait(&r->go);
	/* At least a few reads, and as many as the flood lasts. */
	for (int i = 0; i < 5 || atomic_load(&r->flooding); i++)
		tally_call(&r->prefecture_got, r->prefecture, r->prefecture_path);
	return NULL;
}

/* The value of the metric line that starts with name (labels included), or -1. */
static long long metric_value(const char *name)
{
	struct http_response resp = { 0 };
	ck_assert_int_eq(harness_get(&server, &resp, "/metrics", NULL), 0);
	ck_assert_int_eq(resp.status, 200);
	long long v = -1;
	size_t n = strlen(name);
	for (const char *line = resp.body; line != NULL && *line != '\0';) {
		if (strncmp(line, name, n) == 0 && line[n] == ' ')
			v = atoll(line + n + 1);
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	http_response_free(&resp);
	return v;
}

START_TEST(a_flooding_partner_gets_429_and_never_makes_another_wait)
{
	struct party admin, caf, prefecture;
	fixtures_admin(&server, &admin);
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &caf);
	fixtures_party(&server, &admin, "prefecture", NULL, NULL, &prefecture);
	long long refusals_before = metric_value("prevex_org_budget_refusals_total{kind=\"caf\"}");
	long long prefecture_refusals_before = metric_value("prevex_org_budget_refusals_total{kind=\"prefecture\"}");
	ck_assert_int_ge(refusals_before, 0);
	int refused_in_all = 0;
	int status = 0;
	json_t *hh = fixtures_call_json(&server, &prefecture, "POST", "/v1/households",
					"{\"address\":{\"line\":\"5 rue des Acacias\",\"postcode\":\"91000\","
					"\"insee\":\"91228\"},\"sector\":\"private\"}",
					NULL, &status);
	ck_assert_int_eq(status, 201);
	char household_path[96];
	snprintf(household_path, sizeof(household_path), "/v1/households/%s",
		 json_string_value(json_object_get(hh, "id")));
	json_decref(hh);

	for (int round = 0; round < FLOOD_ROUNDS; round++) {
		struct round *r = calloc(1, sizeof(*r));
		ck_assert_ptr_nonnull(r);
		r->caf = &caf;
		r->prefecture = &prefecture;
		snprintf(r->prefecture_path, sizeof(r->prefecture_path), "%s", household_path);
		atomic_store(&r->flooding, true);
		pthread_barrier_init(&r->go, NULL, FLOODERS + READERS);
		pthread_t flood[FLOODERS], read[READERS];
		for (int i = 0; i < READERS; i++)
			ck_assert_int_eq(pthread_create(&read[i], NULL, read_run, r), 0);
		for (int i = 0; i < FLOODERS; i++)
			ck_assert_int_eq(pthread_create(&flood[i], NULL, flood_run, r), 0);
		for (int i = 0; i < FLOODERS; i++)
			pthread_join(flood[i], NULL);
		atomic_store(&r->flooding, false);
		for (int i = 0; i < READERS; i++)
			pthread_join(read[i], NULL);
		pthread_barrier_destroy(&r->go);

		const struct tally *c = &r->caf_got, *p = &r->prefecture_got;
		ck_assert_msg(atomic_load(&p->other) == 0 && atomic_load(&p->refused) == 0 &&
				      atomic_load(&p->bad_refusal) == 0,
			      "round %d: the préfecture was refused %d times (429) and got %d other answers (first %d)"
			      " beside %d successes", round, atomic_load(&p->refused) + atomic_load(&p->bad_refusal),
			      atomic_load(&p->other), atomic_load(&p->first_other), atomic_load(&p->ok));
		ck_assert_int_ge(atomic_load(&p->ok), READERS * 5);
		ck_assert_msg(atomic_load(&c->other) == 0, "round %d: the CAF got %d answers neither 200 nor 429 (first %d)",
			      round, atomic_load(&c->other), atomic_load(&c->first_other));
		ck_assert_msg(atomic_load(&c->bad_refusal) == 0, "round %d: %d refusals without Retry-After or problem type",
			      round, atomic_load(&c->bad_refusal));
		ck_assert_msg(atomic_load(&c->refused) > 0, "round %d: %d calls from %d clients, none refused", round,
			      FLOODERS * FLOOD_CALLS, FLOODERS);
		ck_assert_msg(atomic_load(&c->ok) > 0, "round %d: the CAF got no answer at all within its budget", round);
		ck_assert_int_eq(atomic_load(&c->ok) + atomic_load(&c->refused), FLOODERS * FLOOD_CALLS);
		refused_in_all += atomic_load(&c->refused);
		free(r);

		/* The flood over, the CAF is answered again at once. */
		struct http_response resp = { 0 };
		ck_assert_int_eq(fixtures_call(&server, &caf, "GET", "/v1/households?limit=100", NULL, NULL, &resp), 200);
		http_response_free(&resp);
	}
	/* Every refusal counted under the CAF's kind, none under the préfecture's,
	 * and no organisation left in the table (no request is in flight). */
	ck_assert_int_ge(metric_value("prevex_org_budget_refusals_total{kind=\"caf\"}") - refusals_before, refused_in_all);
	ck_assert_int_eq(metric_value("prevex_org_budget_refusals_total{kind=\"prefecture\"}"),
			 prefecture_refusals_before);
	ck_assert_int_eq(metric_value("prevex_org_budget_orgs_in_flight"), 0);
}
END_TEST

struct feed_wait {
	const struct harness *h;
	const struct party *caf;
	int status;
	long long took_ms;
};

static void *feed_wait_run(void *arg)
{
	struct feed_wait *w = arg;
	char path[64];
	snprintf(path, sizeof(path), "/v1/events?wait=%d", FEED_WAIT_S);
	struct http_response resp = { 0 };
	long long start = clock_ms();
	w->status = fixtures_call(w->h, w->caf, "GET", path, NULL, NULL, &resp);
	w->took_ms = clock_ms() - start;
	http_response_free(&resp);
	return NULL;
}

/* On a server of its own, one thread per connection: in pool mode a
 * sleeping handler holds its epoll worker, and a request given to that
 * worker would wait for the poll whatever the budget. */
START_TEST(a_long_poll_does_not_hold_the_budget_while_it_sleeps)
{
	static const char *const env[] = { "PREVEX_DB_POOL_SIZE=4", "PREVEX_HTTP_MODE=per-connection",
					   "PREVEX_WEBHOOK_WORKERS=0", "PREVEX_IMPORT_WORKERS=0", NULL };
	struct harness h;
	fixtures_server_start_with(&h, env);
	struct party admin, caf;
	fixtures_admin(&h, &admin);
	fixtures_party(&h, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &caf);
	/* As many long polls as the budget (2): each would hold its share. */
	struct feed_wait waits[2] = { { .h = &h, .caf = &caf }, { .h = &h, .caf = &caf } };
	pthread_t threads[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, feed_wait_run, &waits[i]), 0);
	nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
	/* Each poll takes its place back for a moment every 250 ms to look for
	 * events: a list may meet both there, but not five times in a row. Were
	 * the sleeping polls counted, all five would be refused. */
	int status = 0;
	long long took = 0;
	char body[200] = "";
	for (int attempt = 0; attempt < 5 && status != 200; attempt++) {
		if (attempt > 0)
			nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
		struct http_response resp = { 0 };
		long long start = clock_ms();
		status = fixtures_call(&h, &caf, "GET", "/v1/households?limit=10", NULL, NULL, &resp);
		took = clock_ms() - start;
		snprintf(body, sizeof(body), "%s", status > 0 ? resp.body : "");
		http_response_free(&resp);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	harness_stop(&h);
	harness_discard_log(&h);
	ck_assert_msg(status == 200, "a list while two long polls sleep: %d %s", status, body);
	ck_assert_msg(took < 1500, "a list while two long polls sleep answered after %lld ms", took);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(waits[i].status, 200);
		/* They did wait: the list was answered beside them, not after. */
		ck_assert_msg(waits[i].took_ms >= FEED_WAIT_S * 1000 - 500, "a long poll answered after %lld ms",
			      waits[i].took_ms);
	}
}
END_TEST

START_TEST(a_bad_budget_setting_is_refused_at_start)
{
	static const char *const bad[] = { "PREVEX_ORG_MAX_INFLIGHT=-1", "PREVEX_ORG_MAX_INFLIGHT=many",
					   "PREVEX_ORG_MAX_INFLIGHT=1000001" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *env[] = { bad[i], NULL };
		struct harness h;
		ck_assert_msg(harness_start(&h, env) != 0, "prevex serve started with %s", bad[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("budget");
	TCase *tc = tcase_create("budget");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 280);
	tcase_add_test(tc, a_flooding_partner_gets_429_and_never_makes_another_wait);
	tcase_add_test(tc, a_long_poll_does_not_hold_the_budget_while_it_sleeps);
	tcase_add_test(tc, a_bad_budget_setting_is_refused_at_start);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
