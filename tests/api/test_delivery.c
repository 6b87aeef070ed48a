/* Delivery guarantees of GET /v1/sync and GET /v1/events, as properties:
 * while 32 writers change what a reader may see, in random interleavings,
 * readers walk the pages with random sizes (1, 7, 100 or any), resume
 * from cursors they kept or start again; a walk never hands out the same
 * change twice, and once the writers stop, every reader holds exactly what
 * the database says it is entitled to. The seed is printed; set
 * PREVEX_DELIVERY_SEED to replay it, PREVEX_DELIVERY_ROUNDS to repeat. */
#include <check.h>
#include <jansson.h>
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

#define WRITERS 32
#define READERS 4
#define OPS_PER_WRITER 6

static struct harness server;
static struct party admin;

static void setup(void)
{
	/* 32 writers of one organisation race the readers: its budget of
	 * requests in flight (test_budget.c) must not refuse them first. */
	const char *env[] = { fixtures_keys_env(), "PREVEX_ORG_MAX_INFLIGHT=1000000", NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

static unsigned seed_of_run(void)
{
	const char *s = getenv("PREVEX_DELIVERY_SEED");
	unsigned seed = s != NULL && *s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
	fprintf(stderr, "delivery: seed %u (PREVEX_DELIVERY_SEED to replay)\n", seed);
	return seed;
}

static int rounds(void)
{
	const char *s = getenv("PREVEX_DELIVERY_ROUNDS");
	int n = s != NULL && *s ? atoi(s) : 2;
	return n > 0 ? n : 1;
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* What the threads found wrong, told by the main thread. */
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static char fault[512];
static atomic_int faults;

/* Records the first fault: what happened and up to two details (NULL: none). */
static void report(const char *what, const char *a, const char *b)
{
	pthread_mutex_lock(&fault_lock);
	if (faults++ == 0)
		snprintf(fault, sizeof(fault), "%s %s %s", what, a ? a : "", b ? b : "");
	pthread_mutex_unlock(&fault_lock);
}

static void check_no_fault(void)
{
	ck_assert_msg(atomic_load(&faults) == 0, "%d faults, the first: %s", atomic_load(&faults), fault);
}

/* A call from any thread: the status, the body as JSON (a new reference,
 * or NULL). */
static json_t *call(const struct party *p, const char *method, const char *path, const char *body,
		    const char *headers, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, headers, status);
}

/* --- the mobile team's sync ---------------------------------------------------- */

struct world {
	struct party team, other, bailiff, prefecture;
	atomic_bool writing;
};

struct writer {
	struct world *w;
	unsigned rng;
	char cases[OPS_PER_WRITER + 1][40];  /* its cases still with the team */
	int ncases;
	int index;
};

/* A case of the préfecture's on a new household, assigned to the team;
 * false when a call failed (reported). */
static bool open_case(struct writer *wr)
{
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/households",
			 "{\"address\":{\"line\":\"7 rue du Bac\",\"postcode\":\"91100\",\"insee\":\"91174\"},"
			 "\"sector\":\"private\",\"occupants\":{\"adults\":1,\"children\":0}}", NULL, &status);
	char hh[40] = "", body[256];
	if (status == 201)
		snprintf(hh, sizeof(hh), "%s", str(j, "id"));
	json_decref(j);
	if (status != 201) {
		report("a household was refused", NULL, NULL);
		return false;
	}
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"opened_on\":\"2026-11-02\"}",
		 hh, wr->w->team.org_id);
	j = call(&admin, "POST", "/v1/outreach/cases", body, NULL, &status);
	if (status == 201 && wr->ncases < (int)(sizeof(wr->cases) / sizeof(wr->cases[0])))
		snprintf(wr->cases[wr->ncases++], 40, "%s", str(j, "id"));
	json_decref(j);
	if (status != 201)
		report("a case was refused", NULL, NULL);
	return status == 201;
}

/* The case's current ETag as an If-Match header. */
static bool etag_of(const char *path, char *out, size_t len)
{
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, &admin, "GET", path, NULL, NULL, &resp);
	const char *etag = status == 200 ? http_response_header(&resp, "ETag") : NULL;
	if (etag != NULL)
		snprintf(out, len, "If-Match: %s\r\n", etag);
	http_response_free(&resp);
	return etag != NULL;
}

/* Removes case k from the writer's list (it left the team). */
static void forget(struct writer *wr, int k)
{
	memmove(wr->cases[k], wr->cases[wr->ncases - 1], 40);
	wr->ncases--;
}

static void writer_step(struct writer *wr)
{
	int op = (int)(rand_r(&wr->rng) % 5);
	if (wr->ncases == 0 || op == 0) {
		open_case(wr);
		return;
	}
	int k = (int)(rand_r(&wr->rng) % (unsigned)wr->ncases);
	char path[160], body[256], h[96];
	int status = 0;
	json_t *j = NULL;
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s", wr->cases[k]);
	switch (op) {
	case 1:
		snprintf(path, sizeof(path), "/v1/outreach/cases/%s/interventions", wr->cases[k]);
		j = call(&wr->w->team, "POST", path,
			 "{\"kind\":\"phone_call\",\"date\":\"2026-11-20\",\"agent\":\"E\",\"outcome\":\"absent\"}", NULL,
			 &status);
		if (status != 201)
			report("an intervention was refused:", str(j, "detail"), NULL);
		break;
	case 2:
		snprintf(body, sizeof(body), "{\"note\":\"passage %d\"}", rand_r(&wr->rng) % 1000);
		if (etag_of(path, h, sizeof(h))) {
			j = call(&admin, "PATCH", path, body, h, &status);
			if (status != 200)
				report("a case update was refused:", str(j, "detail"), NULL);
		}
		break;
	case 3:
		snprintf(body, sizeof(body), "{\"assigned_org_id\":\"%s\"}", wr->w->other.org_id);
		if (etag_of(path, h, sizeof(h))) {
			j = call(&admin, "PATCH", path, body, h, &status);
			if (status != 200)
				report("a reassignment was refused:", str(j, "detail"), NULL);
			forget(wr, k);
		}
		break;
	default:
		if (etag_of(path, h, sizeof(h))) {
			j = call(&admin, "DELETE", path, NULL, h, &status);
			if (status != 204)
				report("a deletion was refused", NULL, NULL);
			forget(wr, k);
		}
		break;
	}
	json_decref(j);
}

static void *write_cases(void *arg)
{
	struct writer *wr = arg;
	for (int i = 0; i < OPS_PER_WRITER; i++)
		writer_step(wr);
	return NULL;
}

/* A device: what it holds (id -> version, tombstones removed) and where it
 * stands; walk_seen (id -> "op version") for the changes of the current
 * walk, which must never repeat one. */
struct device {
	struct world *w;
	unsigned rng;
	json_t *held;
	json_t *walk_seen;
	char cursor[256];
	int pages;
};

static int pick_limit(unsigned *rng)
{
	static const int sizes[] = { 1, 7, 100 };
	unsigned r = rand_r(rng) % 4;
	return r < 3 ? sizes[r] : 1 + (int)(rand_r(rng) % 50);
}

/* One page from the device's cursor; false when the walk is over. */
static bool device_page(struct device *d, int limit)
{
	char path[384];
	int n = snprintf(path, sizeof(path), "/v1/sync?limit=%d", limit);
	if (d->cursor[0])
		snprintf(path + n, sizeof(path) - (size_t)n, "&cursor=%s", d->cursor);
	int status = 0;
	json_t *page = call(&d->w->team, "GET", path, NULL, NULL, &status);
	if (status != 200) {
		report("no 200 for", path, status == 0 ? "(no answer)" : NULL);
		json_decref(page);
		return false;
	}
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(page, "changes"), i, c) {
		const char *id = str(c, "id"), *op = str(c, "op");
		json_int_t version = json_integer_value(json_object_get(json_object_get(c, "record"), "version"));
		char seen[64];
		snprintf(seen, sizeof(seen), "%s %lld", op, (long long)version);
		const char *before = json_string_value(json_object_get(d->walk_seen, id));
		if (before != NULL && strcmp(before, seen) == 0)
			report("the walk handed out twice:", id, seen);
		json_object_set_new(d->walk_seen, id, json_string(seen));
		if (strcmp(op, "tombstone") == 0)
			json_object_del(d->held, id);
		else
			json_object_set_new(d->held, id, json_integer(version));
	}
	snprintf(d->cursor, sizeof(d->cursor), "%s", str(page, "next_cursor"));
	bool more = json_is_true(json_object_get(page, "has_more"));
	json_decref(page);
	d->pages++;
	return more;
}

/* Starts again from nothing: a device reinstalled. */
static void device_reset(struct device *d)
{
	json_object_clear(d->held);
	json_object_clear(d->walk_seen);
	d->cursor[0] = '\0';
}

static void *read_sync(void *arg)
{
	struct device *d = arg;
	while (atomic_load(&d->w->writing)) {
		unsigned r = rand_r(&d->rng) % 10;
		if (r == 0)
			device_reset(d);
		else if (r < 3)
			json_object_clear(d->walk_seen); /* a new walk from the cursor kept */
		device_page(d, pick_limit(&d->rng));
	}
	return NULL;
}

/* What the team is entitled to, "id:version,..." in id order. */
static void sync_truth(const struct world *w, char *out, size_t len)
{
	const char *params[] = { w->team.org_id };
	fixtures_sql_value("SELECT coalesce(string_agg(id::text || ':' || version, ',' ORDER BY id::text), '')"
			   " FROM (SELECT c.id, c.version FROM outreach_cases c WHERE c.assigned_org_id = $1"
			   " UNION ALL SELECT i.id, i.version FROM outreach_interventions i"
			   " JOIN outreach_cases c ON c.id = i.case_id WHERE c.assigned_org_id = $1) t",
			   1, params, out, len);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The device's holding in the form of sync_truth(). */
static void device_holding(const struct device *d, char *out, size_t len)
{
	size_t n = json_object_size(d->held), k = 0, used = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	ck_assert_ptr_nonnull(keys);
	const char *key;
	json_t *v;
	json_object_foreach(d->held, key, v)
		keys[k++] = key;
	qsort(keys, n, sizeof(*keys), by_key);
	out[0] = '\0';
	for (k = 0; k < n && used < len; k++)
		used += (size_t)snprintf(out + used, len - used, "%s%s:%lld", k ? "," : "", keys[k],
					 (long long)json_integer_value(json_object_get(d->held, keys[k])));
	free(keys);
}

/* Walks on until the end, then compares with the truth; the server's own
 * workers may hold the horizon back a moment, so a short mismatch is read
 * again before it counts. */
static void device_settle(struct device *d, const struct world *w, size_t len)
{
	char *truth = malloc(len), *held = malloc(len);
	ck_assert(truth != NULL && held != NULL);
	bool same = false;
	for (int attempt = 0; attempt < 20 && !same; attempt++) {
		for (int guard = 0; guard < 100000 && device_page(d, pick_limit(&d->rng)); guard++)
			;
		sync_truth(w, truth, len);
		device_holding(d, held, len);
		same = strcmp(truth, held) == 0;
		if (!same)
			nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	ck_assert_msg(same, "the device holds\n%s\nbut is entitled to\n%s", held, truth);
	free(truth);
	free(held);
}

static void world_new(struct world *w)
{
	fixtures_admin(&server, &admin);
	fixtures_party(&server, &admin, "association", NULL, NULL, &w->team);
	fixtures_party(&server, &admin, "association", NULL, NULL, &w->other);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &w->bailiff);
	fixtures_party(&server, &admin, "prefecture", NULL, NULL, &w->prefecture);
	atomic_store(&w->writing, true);
}

/* Starts the readers, then the writers; when every writer is done, tells
 * the readers to stop and waits for them. Element i of an array is at
 * base + i * size. */
static void race(struct world *w, void *(*write)(void *), void *writers, size_t wsize, void *(*read)(void *),
		 void *readers, size_t rsize)
{
	pthread_t wt[WRITERS], rt[READERS];
	atomic_store(&faults, 0);
	for (int i = 0; i < READERS; i++)
		ck_assert_int_eq(pthread_create(&rt[i], NULL, read, (char *)readers + (size_t)i * rsize), 0);
	for (int i = 0; i < WRITERS; i++)
		ck_assert_int_eq(pthread_create(&wt[i], NULL, write, (char *)writers + (size_t)i * wsize), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(wt[i], NULL);
	atomic_store(&w->writing, false);
	for (int i = 0; i < READERS; i++)
		pthread_join(rt[i], NULL);
	check_no_fault();
}

START_TEST(a_walk_of_the_sync_delivers_each_change_once_and_everything)
{
	unsigned seed = seed_of_run();
	for (int round = 0; round < rounds(); round++) {
		struct world w;
		world_new(&w);
		struct writer writers[WRITERS];
		struct device devices[READERS];
		for (int i = 0; i < READERS; i++)
			devices[i] = (struct device){ .w = &w, .rng = seed + 1000u * (unsigned)round + (unsigned)i,
						      .held = json_object(), .walk_seen = json_object() };
		for (int i = 0; i < WRITERS; i++)
			writers[i] = (struct writer){ .w = &w, .index = i,
						      .rng = seed ^ (2654435761u * (unsigned)(i + 1 + 97 * round)) };
		race(&w, write_cases, writers, sizeof(writers[0]), read_sync, devices, sizeof(devices[0]));
		/* Each device walks to the end: it holds what it is entitled to. */
		for (int i = 0; i < READERS; i++) {
			ck_assert_int_gt(devices[i].pages, 0);
			device_settle(&devices[i], &w, 64 * 1024);
		}
		/* A new device's first sync, in pages of 1, 7 and 100: each
		 * record exactly once, and all of them. */
		static const int sizes[] = { 1, 7, 100 };
		for (int s = 0; s < 3; s++) {
			struct device fresh = { .w = &w, .held = json_object(), .walk_seen = json_object() };
			int pages = 0;
			while (device_page(&fresh, sizes[s]) && ++pages < 100000)
				;
			check_no_fault();
			char truth[64 * 1024], held[64 * 1024];
			sync_truth(&w, truth, sizeof(truth));
			device_holding(&fresh, held, sizeof(held));
			ck_assert_msg(strcmp(truth, held) == 0, "pages of %d: held\n%s\nentitled to\n%s", sizes[s], held,
				      truth);
			ck_assert_int_gt(strlen(truth), 0);
			json_decref(fresh.held);
			json_decref(fresh.walk_seen);
		}
		for (int i = 0; i < READERS; i++) {
			json_decref(devices[i].held);
			json_decref(devices[i].walk_seen);
		}
	}
}
END_TEST

/* --- the change feed ------------------------------------------------------------ */

struct filer {
	struct world *w;
	unsigned rng;
	int index;
};

/* A household and a procedure of the bailiff's, then its acts: each act that
 * changes the stage is an event of the préfecture's feed. */
static void *file_procedures(void *arg)
{
	struct filer *f = arg;
	static const char *const acts[] = {
		/* In parentheses: one string on two lines, not a missing comma. */
		("{\"kind\":\"payment_order\",\"date\":\"2026-01-05\",\"debt_cents\":120000,\"rent_cents\":60000,"
		 "\"months_unpaid\":2}"),
		"{\"kind\":\"summons\",\"date\":\"2026-04-01\",\"hearing_on\":\"2026-06-15\",\"court\":\"TJ Évry\"}",
		"{\"kind\":\"judgment\",\"date\":\"2026-06-15\",\"outcome\":\"termination_and_eviction\"}",
		"{\"kind\":\"order_to_leave\",\"date\":\"2026-07-01\"}",
	};
	for (int n = 0; n < 2; n++) {
		int status = 0;
		json_t *j = call(&f->w->bailiff, "POST", "/v1/households",
				 "{\"address\":{\"line\":\"2 rue Neuve\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
				 "\"sector\":\"private\",\"rent_cents\":60000}", NULL, &status);
		char hh[40] = "", proc[40] = "", path[128];
		if (status == 201)
			snprintf(hh, sizeof(hh), "%s", str(j, "id"));
		json_decref(j);
		if (status != 201) {
			report("a household was refused", NULL, NULL);
			return NULL;
		}
		snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
		j = call(&f->w->bailiff, "POST", path, "{\"reference\":\"CJ-DELIVERY\"}", NULL, &status);
		if (status == 201)
			snprintf(proc, sizeof(proc), "%s", str(j, "id"));
		json_decref(j);
		if (status != 201) {
			report("a procedure was refused", NULL, NULL);
			return NULL;
		}
		snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
		int count = 1 + (int)(rand_r(&f->rng) % 4);
		for (int a = 0; a < count; a++) {
			j = call(&f->w->bailiff, "POST", path, acts[a], NULL, &status);
			if (status != 201)
				report("an act was refused:", str(j, "detail"), acts[a]);
			json_decref(j);
		}
	}
	return NULL;
}

/* A reader of the préfecture's feed: every event seen (seq -> true), and
 * the events of the current walk, which must never repeat. */
struct feed_reader {
	struct world *w;
	unsigned rng;
	json_t *seen;
	json_t *walk_seen;
	char cursor[256];
	char kept[256];  /* an older cursor it may go back to */
};

/* One page; false when it was empty. */
static bool feed_page(struct feed_reader *r, int limit)
{
	char path[384];
	snprintf(path, sizeof(path), "/v1/events?limit=%d%s%s", limit, r->cursor[0] ? "&after=" : "", r->cursor);
	int status = 0;
	json_t *page = call(&r->w->prefecture, "GET", path, NULL, NULL, &status);
	if (status != 200) {
		report("no 200 for", path, NULL);
		json_decref(page);
		return false;
	}
	size_t i;
	json_t *e;
	json_t *items = json_object_get(page, "items");
	json_array_foreach(items, i, e) {
		char seq[32];
		snprintf(seq, sizeof(seq), "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
		if (json_object_get(r->walk_seen, seq) != NULL)
			report("the feed handed out twice: event", seq, NULL);
		json_object_set_new(r->walk_seen, seq, json_true());
		json_object_set_new(r->seen, seq, json_true());
	}
	snprintf(r->cursor, sizeof(r->cursor), "%s", str(page, "next_cursor"));
	bool more = json_array_size(items) > 0;
	json_decref(page);
	return more;
}

static void *read_feed(void *arg)
{
	struct feed_reader *r = arg;
	while (atomic_load(&r->w->writing)) {
		unsigned x = rand_r(&r->rng) % 10;
		if (x == 0) {
			snprintf(r->kept, sizeof(r->kept), "%s", r->cursor);
		} else if (x == 1) {
			/* Back to a cursor kept earlier: a new walk from there. */
			snprintf(r->cursor, sizeof(r->cursor), "%s", r->kept);
			json_object_clear(r->walk_seen);
		}
		feed_page(r, pick_limit(&r->rng));
	}
	return NULL;
}

START_TEST(a_walk_of_the_feed_delivers_each_event_once_and_everything)
{
	unsigned seed = seed_of_run();
	for (int round = 0; round < rounds(); round++) {
		struct world w;
		world_new(&w);
		struct filer filers[WRITERS];
		struct feed_reader readers[READERS];
		for (int i = 0; i < READERS; i++)
			readers[i] = (struct feed_reader){ .w = &w, .rng = seed + 77u * (unsigned)(i + 1 + round),
							   .seen = json_object(), .walk_seen = json_object() };
		for (int i = 0; i < WRITERS; i++)
			filers[i] = (struct filer){ .w = &w, .index = i, .rng = seed ^ (40503u * (unsigned)(i + 1 + round)) };
		race(&w, file_procedures, filers, sizeof(filers[0]), read_feed, readers, sizeof(readers[0]));
		char truth[64];
		const char *params[] = { w.prefecture.org_id };
		fixtures_sql_value("SELECT count(*) || ':' || coalesce(sum(seq), 0) FROM feed_events WHERE organisation_id = $1",
				   1, params, truth, sizeof(truth));
		ck_assert_msg(atoll(truth) >= WRITERS * 2, "only %s events", truth);
		for (int i = 0; i < READERS; i++) {
			char got[64] = "";
			for (int attempt = 0; attempt < 20; attempt++) {
				while (feed_page(&readers[i], pick_limit(&readers[i].rng)))
					;
				long long n = 0, sum = 0;
				const char *key;
				json_t *v;
				json_object_foreach(readers[i].seen, key, v) {
					n++;
					sum += atoll(key);
				}
				snprintf(got, sizeof(got), "%lld:%lld", n, sum);
				if (strcmp(got, truth) == 0)
					break;
				nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
			}
			check_no_fault();
			ck_assert_msg(strcmp(got, truth) == 0, "reader %d saw %s events (count:sum of seq), the feed holds %s",
				      i, got, truth);
			json_decref(readers[i].seen);
			json_decref(readers[i].walk_seen);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("delivery");
	TCase *tc = tcase_create("delivery");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 280);
	tcase_add_test(tc, a_walk_of_the_sync_delivers_each_change_once_and_everything);
	tcase_add_test(tc, a_walk_of_the_feed_delivers_each_event_once_and_everything);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
