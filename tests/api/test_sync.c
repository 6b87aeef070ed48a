/* Issue 6 end to end: the mobile apps' offline sync. Two devices of one
 * team edit the same case offline; replayed batches change nothing; a stale
 * change comes back as a conflict with the current record; each item of a
 * batch has its own result; reassigned and deleted cases become tombstones;
 * pages follow one another without gaps. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

static json_t *call(const struct party *p, const char *method, const char *path, const char *body, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, NULL, status);
}

static void expect(const json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want,
		      json_string_value(json_object_get(j, "detail")));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static long long num(const json_t *j, const char *key)
{
	return (long long)json_integer_value(json_object_get(j, key));
}

/* A fresh random UUID (version 4). */
static void uuid_new(char *out)
{
	char a[16], b[16], c[16], d[16];
	fixtures_suffix(a, sizeof(a));
	fixtures_suffix(b, sizeof(b));
	fixtures_suffix(c, sizeof(c));
	fixtures_suffix(d, sizeof(d));
	snprintf(out, 37, "%.8s-%.4s-4%.3s-8%.3s-%.4s%.8s", a, b, b + 4, c, c + 3, d);
}

/* A case of the préfecture's on a new household, assigned to team. */
static void open_case(const struct party *team, char *case_id)
{
	char body[512], hh[40];
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/households",
			 "{\"address\":{\"line\":\"4 rue du Port\",\"postcode\":\"91100\",\"insee\":\"91174\"},"
			 "\"sector\":\"private\",\"occupants\":{\"adults\":2,\"children\":0}}", &status);
	expect(j, status, 201, NULL);
	snprintf(hh, sizeof(hh), "%s", str(j, "id"));
	json_decref(j);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"opened_on\":\"2025-12-01\"}",
		 hh, team->org_id);
	j = call(&admin, "POST", "/v1/outreach/cases", body, &status);
	expect(j, status, 201, NULL);
	snprintf(case_id, 40, "%s", str(j, "id"));
	json_decref(j);
}

/* GET /v1/sync from cursor (NULL: the first sync); a new reference. */
static json_t *pull(const struct party *p, const char *cursor, int limit)
{
	char path[256];
	int n = snprintf(path, sizeof(path), "/v1/sync?limit=%d", limit);
	if (cursor != NULL)
		snprintf(path + n, sizeof(path) - (size_t)n, "&cursor=%s", cursor);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	return j;
}

/* The change about id in a pull, or NULL. */
static const json_t *change_for(const json_t *page, const char *id)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(page, "changes"), i, c)
		if (strcmp(str(c, "id"), id) == 0)
			return c;
	return NULL;
}

/* POST /v1/sync with the changes (a JSON array text); the results array,
 * as a new reference. */
static json_t *push(const struct party *p, const char *changes)
{
	size_t len = strlen(changes) + 32;
	char *body = malloc(len);
	ck_assert_ptr_nonnull(body);
	snprintf(body, len, "{\"changes\":%s}", changes);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/sync", body, &status);
	free(body);
	expect(j, status, 200, NULL);
	json_t *results = json_incref(json_object_get(j, "results"));
	json_decref(j);
	ck_assert_ptr_nonnull(results);
	return results;
}

static json_t *get_case(const struct party *p, const char *case_id)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s", case_id);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	return j;
}

START_TEST(two_devices_same_case)
{
	fixtures_admin(&server, &admin);
	struct party device1, device2;
	fixtures_party(&server, &admin, "association", "{\"communes\":[\"91174\"]}", NULL, &device1);
	/* A second client of the same organisation: the team's other tablet. */
	device2 = device1;
	char path[128], body[256];
	snprintf(path, sizeof(path), "/v1/organisations/%s/clients", device1.org_id);
	int status = 0;
	json_t *c = call(&admin, "POST", path, "{\"name\":\"tablet 2\"}", &status);
	expect(c, status, 201, NULL);
	snprintf(device2.client_id, sizeof(device2.client_id), "%s", str(c, "client_id"));
	snprintf(device2.secret, sizeof(device2.secret), "%s", str(c, "client_secret"));
	json_decref(c);
	fixtures_token(&server, device2.client_id, device2.secret, device2.token, sizeof(device2.token));

	char case_id[40];
	open_case(&device1, case_id);
	json_t *first = pull(&device1, NULL, 100);
	const json_t *kase = change_for(first, case_id);
	ck_assert_ptr_nonnull(kase);
	ck_assert_str_eq(str(kase, "op"), "upsert");
	ck_assert_int_eq(num(json_object_get(kase, "record"), "version"), 1);
	/* Where to go, offline. */
	ck_assert_str_eq(str(json_object_get(json_object_get(json_object_get(kase, "record"), "household"), "address"),
			     "line"), "4 rue du Port");
	char cursor[128];
	snprintf(cursor, sizeof(cursor), "%s", str(first, "next_cursor"));
	json_decref(first);

	/* Both devices work offline from version 1, then sync. */
	char u1[37], u2[37], u3[37], u4[37], i1[37], i2[37], batch1[2048], batch2[2048];
	uuid_new(u1);
	uuid_new(u2);
	uuid_new(u3);
	uuid_new(u4);
	uuid_new(i1);
	uuid_new(i2);
	snprintf(batch1, sizeof(batch1),
		 "[{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,"
		 "\"data\":{\"outcome\":\"contact_established\",\"note\":\"Rencontre le 10/12\"}},"
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"create\",\"id\":\"%s\","
		 "\"case_id\":\"%s\",\"data\":{\"kind\":\"home_visit\",\"date\":\"2025-12-10\",\"agent\":\"A. Martin\","
		 "\"outcome\":\"entretien au domicile\"}}]", u1, case_id, u2, i1, case_id);
	snprintf(batch2, sizeof(batch2),
		 "[{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,"
		 "\"data\":{\"outcome\":\"no_contact\"}},"
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"create\",\"id\":\"%s\","
		 "\"case_id\":\"%s\",\"data\":{\"kind\":\"phone_call\",\"date\":\"2025-12-09\",\"agent\":\"B. Petit\","
		 "\"outcome\":\"messagerie\"}}]", u3, case_id, u4, i2, case_id);
	json_t *r1 = push(&device1, batch1);
	ck_assert_int_eq(json_array_size(r1), 2);
	ck_assert_str_eq(str(json_array_get(r1, 0), "status"), "applied");
	ck_assert_str_eq(str(json_array_get(r1, 0), "change_id"), u1);
	ck_assert_int_eq(num(json_object_get(json_array_get(r1, 0), "record"), "version"), 2);
	ck_assert_str_eq(str(json_array_get(r1, 1), "status"), "applied");
	ck_assert_int_eq(num(json_array_get(r1, 1), "code"), 201);

	json_t *r2 = push(&device2, batch2);
	const json_t *conflict = json_array_get(r2, 0);
	ck_assert_str_eq(str(conflict, "status"), "conflict");
	ck_assert_int_eq(num(conflict, "code"), 409);
	/* The current record comes back: device 1's change is not lost. */
	ck_assert_str_eq(str(json_object_get(conflict, "record"), "outcome"), "contact_established");
	ck_assert_int_eq(num(json_object_get(conflict, "record"), "version"), 2);
	ck_assert_str_eq(str(json_object_get(conflict, "problem"), "type"), "/problems/sync-conflict");
	/* Appending an intervention never conflicts: both are kept. */
	ck_assert_str_eq(str(json_array_get(r2, 1), "status"), "applied");

	json_t *k = get_case(&device1, case_id);
	ck_assert_str_eq(str(k, "outcome"), "contact_established");
	ck_assert_int_eq(num(k, "version"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(k, "interventions")), 2);
	json_decref(k);

	/* Device 2 pulls what changed since its last sync. */
	json_t *page = pull(&device2, cursor, 100);
	ck_assert_int_eq(num(json_object_get(change_for(page, case_id), "record"), "version"), 2);
	ck_assert_ptr_nonnull(change_for(page, i1));
	ck_assert_ptr_nonnull(change_for(page, i2));
	ck_assert_str_eq(str(change_for(page, i1), "entity"), "outreach_intervention");
	snprintf(cursor, sizeof(cursor), "%s", str(page, "next_cursor"));
	json_decref(page);

	/* Replaying either batch answers the same and changes nothing. */
	json_t *again1 = push(&device1, batch1), *again2 = push(&device2, batch2);
	ck_assert(json_equal(again1, r1));
	ck_assert(json_equal(again2, r2));
	json_decref(again1);
	json_decref(again2);
	k = get_case(&device1, case_id);
	ck_assert_int_eq(num(k, "version"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(k, "interventions")), 2);
	json_decref(k);
	page = pull(&device2, cursor, 100);
	ck_assert_int_eq(json_array_size(json_object_get(page, "changes")), 0);
	ck_assert(json_is_false(json_object_get(page, "has_more")));
	ck_assert_str_eq(str(page, "next_cursor"), cursor);
	json_decref(page);

	/* Device 2 merges and resends on the current version. */
	char u5[37], batch3[512];
	uuid_new(u5);
	snprintf(batch3, sizeof(batch3),
		 "[{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":2,"
		 "\"data\":{\"follow_up\":{\"landlord_contacted_adil\":true}}}]", u5, case_id);
	json_t *r3 = push(&device2, batch3);
	ck_assert_str_eq(str(json_array_get(r3, 0), "status"), "applied");
	const json_t *rec = json_object_get(json_array_get(r3, 0), "record");
	ck_assert_int_eq(num(rec, "version"), 3);
	ck_assert_str_eq(str(rec, "outcome"), "contact_established");
	ck_assert(json_is_true(json_object_get(json_object_get(rec, "follow_up"), "landlord_contacted_adil")));
	json_decref(r3);
	json_decref(r1);
	json_decref(r2);

	/* A change_id reused for another change is refused, not replayed. */
	snprintf(body, sizeof(body),
		 "[{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":3,"
		 "\"data\":{\"outcome\":\"npai\"}}]", u1, case_id);
	json_t *reused = push(&device1, body);
	ck_assert_str_eq(str(json_array_get(reused, 0), "status"), "rejected");
	ck_assert_str_eq(fixtures_problem_at(json_object_get(json_array_get(reused, 0), "problem")), "change_id");
	json_decref(reused);
}
END_TEST

START_TEST(batch_items_fail_alone)
{
	fixtures_admin(&server, &admin);
	struct party team, other, landlord;
	fixtures_party(&server, &admin, "association", NULL, NULL, &team);
	fixtures_party(&server, &admin, "association", NULL, NULL, &other);
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &landlord);
	char case_id[40], other_case[40];
	open_case(&team, case_id);
	open_case(&other, other_case);
	char ids[9][37], batch[6144], soon[16];
	for (int i = 0; i < 9; i++)
		uuid_new(ids[i]);
	/* In the future, yet within the window of field-work dates. */
	time_t t = time(NULL) + 30 * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(soon, sizeof(soon), "%Y-%m-%d", &tm);
	snprintf(batch, sizeof(batch), "["
		 /* 0: good intervention */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"create\",\"id\":\"%s\","
		 "\"case_id\":\"%s\",\"data\":{\"kind\":\"letter\",\"date\":\"2025-12-02\",\"agent\":\"A\",\"outcome\":\"envoyé\"}},"
		 /* 1: no change_id */
		 "{\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,\"data\":{}},"
		 /* 2: unknown entity */
		 "{\"change_id\":\"%s\",\"entity\":\"household\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,\"data\":{}},"
		 /* 3: bad outcome */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,"
		 "\"data\":{\"outcome\":\"moved\"}},"
		 /* 4: an intervention in the future */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"create\",\"id\":\"%s\","
		 "\"case_id\":\"%s\",\"data\":{\"kind\":\"letter\",\"date\":\"%s\",\"agent\":\"A\",\"outcome\":\"x\"}},"
		 /* 5: another team's case */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,"
		 "\"data\":{\"outcome\":\"npai\"}},"
		 /* 6: the team may not reassign */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,"
		 "\"data\":{\"assigned_org_id\":\"%s\"}},"
		 /* 7: good case update */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"base_version\":1,"
		 "\"data\":{\"outcome\":\"npai\",\"follow_up\":{\"debt_settled\":false}}},"
		 /* 8: update without base_version */
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\",\"data\":{}},"
		 /* 9: not an object */
		 "42]",
		 ids[0], ids[1], case_id, case_id, ids[2], case_id, ids[3], case_id, ids[4], ids[5], case_id, soon, ids[6],
		 other_case, ids[7], case_id, other.org_id, ids[8], case_id, ids[1], case_id);
	json_t *r = push(&team, batch);
	ck_assert_int_eq(json_array_size(r), 10);
	static const struct {
		const char *status;
		int code;
		const char *field;
	} want[] = {
		{ "applied", 201, NULL }, { "rejected", 400, "change_id" }, { "rejected", 400, "entity" },
		{ "rejected", 400, "outcome" }, { "rejected", 422, "date" }, { "rejected", 404, NULL },
		{ "rejected", 403, "assigned_org_id" }, { "applied", 200, NULL }, { "rejected", 400, "base_version" },
		{ "rejected", 400, NULL },
	};
	for (size_t i = 0; i < 10; i++) {
		const json_t *x = json_array_get(r, i);
		ck_assert_msg(strcmp(str(x, "status"), want[i].status) == 0 && num(x, "code") == want[i].code,
			      "item %zu: %s %lld (%s)", i, str(x, "status"), num(x, "code"),
			      str(json_object_get(x, "problem"), "detail"));
		if (want[i].field != NULL)
			ck_assert_str_eq(fixtures_problem_at(json_object_get(x, "problem")), want[i].field);
		if (strcmp(want[i].status, "rejected") == 0)
			ck_assert_ptr_nonnull(str(json_object_get(x, "problem"), "detail"));
	}
	json_decref(r);
	/* The good items are kept, the bad ones left no trace. */
	json_t *k = get_case(&team, case_id);
	ck_assert_str_eq(str(k, "outcome"), "npai");
	ck_assert_int_eq(num(k, "version"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(k, "interventions")), 1);
	json_decref(k);
	k = get_case(&other, other_case);
	ck_assert(json_is_null(json_object_get(k, "outcome")));
	json_decref(k);

	/* Whole-request refusals. */
	int status = 0;
	json_t *j = call(&team, "POST", "/v1/sync", "{\"changes\":{}}", &status);
	expect(j, status, 400, "changes");
	json_decref(j);
	j = call(&team, "POST", "/v1/sync", "{\"changes\":[],\"device\":\"x\"}", &status);
	expect(j, status, 400, "device");
	json_decref(j);
	j = call(&landlord, "POST", "/v1/sync", "{\"changes\":[]}", &status);
	expect(j, status, 403, NULL);
	json_decref(j);
	j = call(&landlord, "GET", "/v1/sync", NULL, &status);
	expect(j, status, 403, NULL);
	json_decref(j);
	j = call(&team, "GET", "/v1/sync?cursor=bm9wZQ", NULL, &status);
	expect(j, status, 400, "cursor");
	json_decref(j);

	/* Updating and deleting an intervention by its version. */
	char u[3][37], changes[1024];
	for (int i = 0; i < 3; i++)
		uuid_new(u[i]);
	snprintf(changes, sizeof(changes),
		 "[{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"update\",\"id\":\"%s\","
		 "\"base_version\":1,\"data\":{\"note\":\"AR reçu\"}},"
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"delete\",\"id\":\"%s\",\"base_version\":1},"
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"delete\",\"id\":\"%s\",\"base_version\":2}]",
		 u[0], ids[1], u[1], ids[1], u[2], ids[1]);
	r = push(&team, changes);
	ck_assert_str_eq(str(json_array_get(r, 0), "status"), "applied");
	ck_assert_str_eq(str(json_object_get(json_array_get(r, 0), "record"), "note"), "AR reçu");
	ck_assert_str_eq(str(json_array_get(r, 1), "status"), "conflict");
	ck_assert_int_eq(num(json_object_get(json_array_get(r, 1), "record"), "version"), 2);
	ck_assert_str_eq(str(json_array_get(r, 2), "status"), "applied");
	json_decref(r);
	k = get_case(&team, case_id);
	ck_assert_int_eq(json_array_size(json_object_get(k, "interventions")), 0);
	json_decref(k);
}
END_TEST

START_TEST(tombstones_and_pages)
{
	fixtures_admin(&server, &admin);
	struct party team, other;
	fixtures_party(&server, &admin, "association", NULL, NULL, &team);
	fixtures_party(&server, &admin, "association", NULL, NULL, &other);
	char case_id[40], path[128], body[1024];
	open_case(&team, case_id);
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s/interventions", case_id);
	char ids[3][40];
	for (int i = 0; i < 3; i++) {
		int status = 0;
		snprintf(body, sizeof(body), "{\"kind\":\"phone_call\",\"date\":\"2025-12-0%d\",\"agent\":\"C\","
			 "\"outcome\":\"pas de réponse\"}", i + 2);
		json_t *j = call(&team, "POST", path, body, &status);
		expect(j, status, 201, NULL);
		snprintf(ids[i], sizeof(ids[i]), "%s", str(j, "id"));
		json_decref(j);
	}
	/* Page by page, one record at a time, until has_more is false. */
	char cursor[128] = "";
	int seen = 0, pages = 0;
	for (;;) {
		json_t *page = pull(&team, cursor[0] ? cursor : NULL, 1);
		seen += (int)json_array_size(json_object_get(page, "changes"));
		snprintf(cursor, sizeof(cursor), "%s", str(page, "next_cursor"));
		bool more = json_is_true(json_object_get(page, "has_more"));
		json_decref(page);
		ck_assert_int_lt(++pages, 10);
		if (!more)
			break;
	}
	ck_assert_int_eq(seen, 4);
	json_t *page = pull(&other, NULL, 100);
	ck_assert_int_eq(json_array_size(json_object_get(page, "changes")), 0);
	char other_cursor[128];
	snprintf(other_cursor, sizeof(other_cursor), "%s", str(page, "next_cursor"));
	json_decref(page);

	/* Reassigned: the old team gets tombstones, the new one the records. */
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s", case_id);
	snprintf(body, sizeof(body), "{\"assigned_org_id\":\"%s\"}", other.org_id);
	int status = 0;
	json_t *j = fixtures_call_json(&server, &admin, "PATCH", path, body, "If-Match: \"1\"\r\n", &status);
	expect(j, status, 200, NULL);
	json_decref(j);
	page = pull(&team, cursor, 100);
	ck_assert_int_eq(json_array_size(json_object_get(page, "changes")), 4);
	ck_assert_str_eq(str(change_for(page, case_id), "op"), "tombstone");
	ck_assert(json_is_null(json_object_get(change_for(page, case_id), "record")));
	ck_assert_str_eq(str(change_for(page, ids[0]), "op"), "tombstone");
	snprintf(cursor, sizeof(cursor), "%s", str(page, "next_cursor"));
	json_decref(page);
	page = pull(&other, other_cursor, 100);
	ck_assert_str_eq(str(change_for(page, case_id), "op"), "upsert");
	ck_assert_str_eq(str(change_for(page, ids[2]), "op"), "upsert");
	snprintf(other_cursor, sizeof(other_cursor), "%s", str(page, "next_cursor"));
	json_decref(page);
	/* A device of the old team that syncs from scratch sees nothing. */
	page = pull(&team, NULL, 100);
	ck_assert_ptr_null(change_for(page, case_id));
	json_decref(page);
	j = call(&team, "GET", path, NULL, &status);
	expect(j, status, 404, NULL);
	json_decref(j);

	/* Deleted: a tombstone for the new team. */
	j = fixtures_call_json(&server, &admin, "DELETE", path, NULL, "If-Match: \"2\"\r\n", &status);
	ck_assert_int_eq(status, 204);
	json_decref(j);
	page = pull(&other, other_cursor, 100);
	ck_assert_str_eq(str(change_for(page, case_id), "op"), "tombstone");
	ck_assert_str_eq(str(change_for(page, ids[1]), "op"), "tombstone");
	json_decref(page);
	/* The old team's rows are buried again: tombstones, never records. */
	page = pull(&team, cursor, 100);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(page, "changes"), i, c)
		ck_assert_str_eq(str(c, "op"), "tombstone");
	json_decref(page);

	/* Sync reads are audited per case. */
	char audit[200];
	snprintf(audit, sizeof(audit), "/v1/audit?action=sync_read&organisation_id=%s", other.org_id);
	j = call(&admin, "GET", audit, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_ge(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
}
END_TEST

/* One POST /v1/sync sent from a thread of its own. */
struct racer {
	const struct party *party;
	const char *body;
	int rc;
	int status;
	json_t *results;           /* owned */
};

static void *race(void *arg)
{
	struct racer *r = arg;
	char headers[2300];
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
		 r->party->token);
	struct http_response resp = { 0 };
	r->rc = http_send(&resp, HARNESS_HOST, server.port, "POST", "/v1/sync", headers, r->body, strlen(r->body));
	if (r->rc == 0) {
		r->status = resp.status;
		json_t *j = harness_json(&resp);
		r->results = json_incref(json_object_get(j, "results"));
		json_decref(j);
	}
	http_response_free(&resp);
	return NULL;
}

static void race_two(struct racer *a, struct racer *b)
{
	pthread_t ta, tb;
	ck_assert_int_eq(pthread_create(&ta, NULL, race, a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, race, b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a->rc, 0);
	ck_assert_int_eq(b->rc, 0);
}

START_TEST(concurrent_devices)
{
	fixtures_admin(&server, &admin);
	struct party team;
	fixtures_party(&server, &admin, "association", NULL, NULL, &team);
	char case_id[40], u1[37], u2[37], i1[37], batch[1024], other[1024];
	open_case(&team, case_id);
	uuid_new(u1);
	uuid_new(u2);
	uuid_new(i1);
	/* The same batch sent twice at once (a retry while the first is still
	 * running): applied once, both answers the same. */
	snprintf(batch, sizeof(batch), "{\"changes\":["
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_case\",\"op\":\"update\",\"id\":\"%s\","
		 "\"base_version\":1,\"data\":{\"outcome\":\"contact_established\"}},"
		 "{\"change_id\":\"%s\",\"entity\":\"outreach_intervention\",\"op\":\"create\",\"id\":\"%s\","
		 "\"case_id\":\"%s\",\"data\":{\"kind\":\"meeting\",\"date\":\"2025-12-03\",\"agent\":\"D\","
		 "\"outcome\":\"RDV au CCAS\"}}]}", u1, case_id, u2, i1, case_id);
	struct racer a = { .party = &team, .body = batch }, b = { .party = &team, .body = batch };
	race_two(&a, &b);
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_eq(b.status, 200);
	ck_assert(json_equal(a.results, b.results));
	ck_assert_str_eq(str(json_array_get(a.results, 0), "status"), "applied");
	json_decref(a.results);
	json_decref(b.results);
	json_t *k = get_case(&team, case_id);
	ck_assert_int_eq(num(k, "version"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(k, "interventions")), 1);
	json_decref(k);

	/* Two devices change the same case from the same version at once: one
	 * is applied, the other is a conflict carrying the first's result. */
	uuid_new(u1);
	uuid_new(u2);
	snprintf(batch, sizeof(batch), "{\"changes\":[{\"change_id\":\"%s\",\"entity\":\"outreach_case\","
		 "\"op\":\"update\",\"id\":\"%s\",\"base_version\":2,\"data\":{\"outcome\":\"npai\"}}]}",
		 u1, case_id);
	snprintf(other, sizeof(other), "{\"changes\":[{\"change_id\":\"%s\",\"entity\":\"outreach_case\","
		 "\"op\":\"update\",\"id\":\"%s\",\"base_version\":2,\"data\":{\"outcome\":\"no_contact\"}}]}",
		 u2, case_id);
	struct racer c = { .party = &team, .body = batch }, d = { .party = &team, .body = other };
	race_two(&c, &d);
	ck_assert_int_eq(c.status, 200);
	ck_assert_int_eq(d.status, 200);
	const json_t *rc = json_array_get(c.results, 0), *rd = json_array_get(d.results, 0);
	bool c_won = strcmp(str(rc, "status"), "applied") == 0;
	const json_t *won = c_won ? rc : rd, *lost = c_won ? rd : rc;
	ck_assert_str_eq(str(won, "status"), "applied");
	ck_assert_str_eq(str(lost, "status"), "conflict");
	ck_assert_str_eq(str(json_object_get(lost, "record"), "outcome"),
			 str(json_object_get(won, "record"), "outcome"));
	ck_assert_int_eq(num(json_object_get(lost, "record"), "version"), 3);
	json_decref(c.results);
	json_decref(d.results);
}
END_TEST

static Suite *sync_suite(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("sync");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_devices_same_case);
	tcase_add_test(tc, batch_items_fail_alone);
	tcase_add_test(tc, tombstones_and_pages);
	tcase_add_test(tc, concurrent_devices);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sync_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
