/* 1 January 2027 end to end: CAF signals, single and imported, judged
 * under the rule of their date and read back with the test they met; the
 * benefit decisions that constituted unpaids open from 2027, one at most
 * per household whatever the concurrency, their steps, their feed events,
 * and every organisation that may not see or take them. Each test makes
 * its own parties and households. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"
#include "tests/api/http_client.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	/* 32 concurrent signals of one CAF race for one decision: its budget of
	 * requests in flight (test_budget.c) must not refuse them first. */
	const char *env[] = { fixtures_keys_env(), "PREVEX_ORG_MAX_INFLIGHT=1000000", NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
	fixtures_admin(&server, &admin);
}

static void teardown(void)
{
	harness_stop(&server);
}

static json_t *call(const struct party *p, const char *method, const char *path, const char *body,
		    const char *headers, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, headers, status);
}

static void expect(json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s (%s)", status, want,
		      json_string_value(json_object_get(j, "detail")), fixtures_problem_at(j));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

static void send_expect(const struct party *p, const char *method, const char *path, const char *body,
			const char *headers, int want, const char *field)
{
	int status = 0;
	json_t *j = call(p, method, path, body, headers, &status);
	expect(j, status, want, field);
	json_decref(j);
}

/* A CAF number nobody else carries: capitals and digits. */
static void caf_number(char *out, size_t len)
{
	char sfx[16];
	fixtures_suffix(sfx, sizeof(sfx));
	snprintf(out, len, "T%s", sfx);
	for (char *c = out; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
}

/* A household of commune 91228 carrying the CAF number; its id in id. */
static void household(const char *caf_no, char *id)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"3 rue des Lilas\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		 "\"sector\":\"private\",\"caf_number\":\"%s\"}", caf_no);
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/households", body, NULL, &status);
	expect(j, status, 201, NULL);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void unique(char *out, size_t len, const char *prefix)
{
	char sfx[16];
	fixtures_suffix(sfx, sizeof(sfx));
	snprintf(out, len, "%s%s", prefix, sfx);
}

/* One signal's members; extra (may be "") is appended inside the object. */
static void signal_body(char *out, size_t len, const char *ext, const char *caf_no, const char *date, long debt,
			const char *extra)
{
	snprintf(out, len,
		 "{\"external_id\":\"%s\",\"caf_number\":\"%s\",\"address\":{\"line\":\"3 rue des Lilas\","
		 "\"postcode\":\"91000\",\"insee\":\"91228\"},\"debt_cents\":%ld,\"months_unpaid\":1,"
		 "\"benefit_status\":\"kept\",\"paid_to_landlord\":false,\"date\":\"%s\"%s}",
		 ext, caf_no, debt, date, extra);
}

/* POSTs one signal, expects want, returns the answer. */
static json_t *post_signal(const struct party *p, const char *body, int want)
{
	int status = 0;
	json_t *j = call(p, "POST", "/v1/caf-signals", body, NULL, &status);
	expect(j, status, want, NULL);
	return j;
}

/* Checks a signal's arrears: constituted ("true", "false", "null"), the
 * tests met (comma-separated, "" none), the rule version (a date) and a
 * piece of its basis; basis NULL: no rule was in force, rule is null. */
static void expect_arrears(const json_t *arrears, const char *constituted, const char *tests, const char *version,
			   const char *basis)
{
	ck_assert_msg(json_is_object(arrears), "no arrears");
	const json_t *c = json_object_get(arrears, "constituted");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(json_is_null(c) ? "null" : json_is_true(c) ? "true" : "false", constituted);
	char got[256] = "";
	const json_t *list = json_object_get(arrears, "tests_met");
	ck_assert(json_is_array(list));
	for (size_t i = 0; i < json_array_size(list); i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
			 json_string_value(json_array_get(list, i)));
	ck_assert_str_eq(got, tests);
	const json_t *rule = json_object_get(arrears, "rule");
	ck_assert_ptr_nonnull(rule);
	if (basis == NULL) {
		ck_assert(json_is_null(rule));
		return;
	}
	ck_assert_str_eq(json_string_value(json_object_get(rule, "id")), "caf_arrears");
	const json_t *v = json_object_get(rule, "version");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_is_null(v) ? "null" : json_string_value(v), version);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rule, "basis")), basis));
}

/* Sends a new signal (a fresh external_id), expects 201 and its arrears as
 * expect_arrears() checks them; its id into id when not NULL. */
static void new_signal(const struct party *p, const char *caf_no, const char *date, long debt, const char *extra,
		       const char *const want[4], char *id)
{
	char ext[64], body[1024];
	unique(ext, sizeof(ext), "s-");
	signal_body(body, sizeof(body), ext, caf_no, date, debt, extra);
	json_t *j = post_signal(p, body, 201);
	expect_arrears(json_object_get(j, "arrears"), want[0], want[1], want[2], want[3]);
	if (id != NULL)
		snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

/* The benefit decisions the caller sees for the household. */
static json_t *decisions_of(const struct party *p, const char *household_id)
{
	char path[160];
	snprintf(path, sizeof(path), "/v1/benefit-decisions?household_id=%s", household_id);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, NULL, &status);
	expect(j, status, 200, NULL);
	json_t *items = json_incref(json_object_get(j, "items"));
	json_decref(j);
	return items;
}

START_TEST(single_signals_on_both_sides_of_2027)
{
	struct party caf, other_caf, prefecture, adil;
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &caf);
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &other_caf);
	fixtures_party(&server, &admin, "prefecture", NULL, NULL, &prefecture);
	fixtures_party(&server, &admin, "adil", NULL, NULL, &adil);
	char caf_no[24], hh[40], ext[64], body[1024], path[128], id[40];
	caf_number(caf_no, sizeof(caf_no));
	household(caf_no, hh);

	/* 31 December 2026: the old test, 2 x (rent + charges) = 900 euros. */
	unique(ext, sizeof(ext), "s-");
	signal_body(body, sizeof(body), ext, caf_no, "2026-12-31", 90000,
		    ",\"rent_cents\":40000,\"charges_cents\":5000,\"first_missed_on\":\"2026-09-01\"");
	json_t *j = post_signal(&caf, body, 201);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "match")), "matched");
	ck_assert_str_eq(json_string_value(json_object_get(j, "household_id")), hh);
	ck_assert_str_eq(json_string_value(json_object_get(j, "date")), "2026-12-31");
	expect_arrears(json_object_get(j, "arrears"), "true", "two_months_rent_with_charges", "2016-09-01", "2016-748");
	json_decref(j);
	/* The same again: unchanged; one cent less: updated, not constituted,
	 * though over 450 euros and four months after the first missed payment. */
	j = post_signal(&caf, body, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 1);
	json_decref(j);
	signal_body(body, sizeof(body), ext, caf_no, "2026-12-31", 89999,
		    ",\"rent_cents\":40000,\"charges_cents\":5000,\"first_missed_on\":\"2026-09-01\"");
	j = post_signal(&caf, body, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), id);
	expect_arrears(json_object_get(j, "arrears"), "false", "", "2016-09-01", "2016-748");
	json_decref(j);
	/* Without the charges the old test cannot be made. */
	static const char *const old_unknown[4] = { "null", "", "2016-09-01", "2016-748" };
	new_signal(&caf, caf_no, "2026-12-31", 500000, ",\"rent_cents\":40000", old_unknown, NULL);
	/* Before 1 September 2016 no CAF test is known: no rule, unknown. */
	static const char *const no_rule[4] = { "null", "", NULL, NULL };
	new_signal(&caf, caf_no, "2016-08-31", 500000, ",\"rent_cents\":40000,\"charges_cents\":0", no_rule, NULL);
	static const char *const first_day[4] = { "true", "two_months_rent_with_charges", "2016-09-01", "2016-748" };
	new_signal(&caf, caf_no, "2016-09-01", 500000, ",\"rent_cents\":40000,\"charges_cents\":0", first_day, NULL);
	/* Before 2027 nothing opens. */
	json_t *items = decisions_of(&prefecture, hh);
	ck_assert_int_eq(json_array_size(items), 0);
	json_decref(items);

	/* 1 January 2027: exactly 450 euros is not over 450 euros... */
	static const char *const new_no[4] = { "false", "", "2027-01-01", "2026-84" };
	new_signal(&caf, caf_no, "2027-01-01", 45000,
		   ",\"first_missed_on\":\"2026-10-02\",\"rent_cents\":10000,\"charges_cents\":0", new_no, NULL);
	/* ... and without a first missed payment, unknown. */
	static const char *const new_unknown[4] = { "null", "", "2027-01-01", "2026-84" };
	new_signal(&caf, caf_no, "2027-01-01", 45000, "", new_unknown, NULL);
	/* Three months to the day after the first missed payment. */
	static const char *const by_months[4] = { "true", "three_months_after_first_missed", "2027-01-01", "2026-84" };
	char three_months[40];
	new_signal(&caf, caf_no, "2027-01-01", 100, ",\"first_missed_on\":\"2026-10-01\"", by_months, three_months);
	/* 450.01 euros; read back by the CAF and by the préfecture. */
	static const char *const by_debt[4] = { "true", "debt_over_450", "2027-01-01", "2026-84" };
	new_signal(&caf, caf_no, "2027-02-15", 45001, "", by_debt, id);
	snprintf(path, sizeof(path), "/v1/caf-signals/%s", id);
	int status = 0;
	j = call(&caf, "GET", path, NULL, NULL, &status);
	expect(j, status, 200, NULL);
	expect_arrears(json_object_get(j, "arrears"), "true", "debt_over_450", "2027-01-01", "2026-84");
	json_decref(j);
	j = call(&prefecture, "GET", path, NULL, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "debt_cents")), 45001);
	json_decref(j);
	/* Another CAF does not see it; an ADIL may not read signals at all. */
	send_expect(&other_caf, "GET", path, NULL, NULL, 404, NULL);
	send_expect(&adil, "GET", path, NULL, NULL, 403, NULL);
	send_expect(&adil, "GET", "/v1/caf-signals", NULL, NULL, 403, NULL);
	send_expect(&adil, "POST", "/v1/caf-signals", body, NULL, 403, NULL);
	send_expect(&prefecture, "POST", "/v1/caf-signals", body, NULL, 403, NULL);

	/* The CAF's list holds its own only, filtered. */
	snprintf(path, sizeof(path), "/v1/caf-signals?household_id=%s&constituted=true&limit=500", hh);
	j = call(&caf, "GET", path, NULL, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	j = call(&other_caf, "GET", path, NULL, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/caf-signals?household_id=%s&constituted=unknown", hh);
	j = call(&prefecture, "GET", path, NULL, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	send_expect(&caf, "GET", "/v1/caf-signals?constituted=maybe", NULL, NULL, 400, "constituted");
	/* A page at a time: each of its eight signals once. */
	char cursor[256] = "", seen[8][40], page_path[512];
	int count = 0;
	for (int page = 0; page < 10; page++) {
		snprintf(page_path, sizeof(page_path), "/v1/caf-signals?household_id=%s&limit=4%s%s", hh,
			 cursor[0] ? "&cursor=" : "", cursor);
		j = call(&caf, "GET", page_path, NULL, NULL, &status);
		expect(j, status, 200, NULL);
		size_t k;
		json_t *it;
		json_array_foreach(json_object_get(j, "items"), k, it) {
			ck_assert_int_lt(count, 8);
			snprintf(seen[count], sizeof(seen[count]), "%s", json_string_value(json_object_get(it, "id")));
			for (int m = 0; m < count; m++)
				ck_assert_str_ne(seen[m], seen[count]);
			count++;
		}
		const char *next = json_string_value(json_object_get(j, "next_cursor"));
		snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
		json_decref(j);
		if (cursor[0] == '\0')
			break;
	}
	ck_assert_int_eq(count, 8);

	/* One decision opened, by the first constituted signal of 2027. */
	items = decisions_of(&prefecture, hh);
	ck_assert_int_eq(json_array_size(items), 1);
	json_t *d = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "status")), "open");
	ck_assert_str_eq(json_string_value(json_object_get(d, "caf_signal_id")), three_months);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(d, "addressee_org"), "id")), caf.org_id);
	ck_assert_str_eq(json_string_value(json_object_get(d, "signalled_on")), "2027-01-01");
	json_decref(items);
}
END_TEST

struct bad_case {
	const char *extra, *date;
	int status;
	const char *field;
};

START_TEST(bad_signals_are_refused)
{
	static const struct bad_case cases[] = {
		{ "", "1999-12-31", 400, "date" },
		{ "", "2029-12-31", 400, "date" },
		{ "", "2027-02-30", 400, "date" },
		{ ",\"rent_cents\":-1", "2026-12-01", 400, "rent_cents" },
		{ ",\"charges_cents\":\"12\"", "2026-12-01", 400, "charges_cents" },
		{ ",\"first_missed_on\":\"2027-01-02\"", "2027-01-01", 422, "first_missed_on" },
		{ ",\"first_missed_on\":\"1999-01-01\"", "2027-01-01", 400, "first_missed_on" },
		{ ",\"surprise\":1", "2027-01-01", 400, NULL },
	};
	struct party caf;
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	char caf_no[24], ext[64], body[1024];
	caf_number(caf_no, sizeof(caf_no));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unique(ext, sizeof(ext), "b-");
		signal_body(body, sizeof(body), ext, caf_no, cases[i].date, 1000, cases[i].extra);
		send_expect(&caf, "POST", "/v1/caf-signals", body, NULL, cases[i].status, cases[i].field);
	}
	/* No date at all: the rule of its date cannot be chosen. */
	unique(ext, sizeof(ext), "b-");
	snprintf(body, sizeof(body),
		 "{\"external_id\":\"%s\",\"caf_number\":\"%s\",\"address\":{\"line\":\"1 rue\",\"postcode\":\"91000\","
		 "\"insee\":\"91228\"},\"debt_cents\":1000,\"months_unpaid\":1,\"benefit_status\":\"kept\","
		 "\"paid_to_landlord\":false}", ext, caf_no);
	send_expect(&caf, "POST", "/v1/caf-signals", body, NULL, 400, "date");
	send_expect(&caf, "POST", "/v1/caf-signals", "[]", NULL, 400, NULL);
	send_expect(&caf, "GET", "/v1/caf-signals/not-a-uuid", NULL, NULL, 404, NULL);
	send_expect(&caf, "GET", "/v1/caf-signals/6d1f7d4e-8f0c-4a57-9d43-2d3c6a0c9f11", NULL, NULL, 404, NULL);
	/* An unknown commune: the merge's refusal. */
	unique(ext, sizeof(ext), "b-");
	snprintf(body, sizeof(body),
		 "{\"external_id\":\"%s\",\"caf_number\":\"%s\",\"address\":{\"line\":\"1 rue\",\"postcode\":\"91000\","
		 "\"insee\":\"99999\"},\"debt_cents\":1000,\"months_unpaid\":1,\"benefit_status\":\"kept\","
		 "\"paid_to_landlord\":false,\"date\":\"2027-01-05\"}", ext, caf_no);
	send_expect(&caf, "POST", "/v1/caf-signals", body, NULL, 422, "address.insee");
}
END_TEST

static json_t *import_signals(const struct party *p, const char *body)
{
	char headers[256], key[64];
	unique(key, sizeof(key), "k-");
	snprintf(headers, sizeof(headers), "Idempotency-Key: %s\r\n", key);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/imports/caf-signals", body, headers, &status);
	expect(j, status, 200, NULL);
	return j;
}

START_TEST(imported_signals_on_both_sides_of_2027)
{
	struct party caf, prefecture;
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &caf);
	fixtures_party(&server, &admin, "prefecture", NULL, NULL, &prefecture);
	char caf_no[24], hh[40], tag[16], item[5][1024], body[6000];
	caf_number(caf_no, sizeof(caf_no));
	household(caf_no, hh);
	unique(tag, sizeof(tag), "");
	static const struct {
		const char *date;
		long debt;
		const char *extra;
	} items[5] = {
		{ "2026-12-31", 120000, ",\"rent_cents\":50000,\"charges_cents\":10000" },
		{ "2026-12-31", 119999, ",\"rent_cents\":50000,\"charges_cents\":10000" },
		{ "2027-01-01", 45000, ",\"first_missed_on\":\"2026-10-01\"" },
		{ "2027-01-01", 45001, ",\"first_missed_on\":\"2026-10-02\"" },
		{ "2027-01-01", 45000, ",\"first_missed_on\":\"2026-10-02\"" },
	};
	static const char *const want[5][3] = {
		{ "true", "two_months_rent_with_charges", "2016-09-01" },
		{ "false", "", "2016-09-01" },
		{ "true", "three_months_after_first_missed", "2027-01-01" },
		{ "true", "debt_over_450", "2027-01-01" },
		{ "false", "", "2027-01-01" },
	};
	size_t len = (size_t)snprintf(body, sizeof(body), "[");
	for (int i = 0; i < 5; i++) {
		char ext[64];
		snprintf(ext, sizeof(ext), "imp-%s-%d", tag, i);
		signal_body(item[i], sizeof(item[i]), ext, caf_no, items[i].date, items[i].debt, items[i].extra);
		len += (size_t)snprintf(body + len, sizeof(body) - len, "%s%s", i ? "," : "", item[i]);
	}
	snprintf(body + len, sizeof(body) - len, "]");
	json_t *j = import_signals(&caf, body);
	json_t *results = json_object_get(j, "results");
	ck_assert_int_eq(json_array_size(results), 5);
	for (int i = 0; i < 5; i++) {
		json_t *r = json_array_get(results, (size_t)i);
		ck_assert_str_eq(json_string_value(json_object_get(r, "status")), "created");
		const char *basis = strcmp(want[i][2], "2016-09-01") == 0 ? "2016-748" : "2026-84";
		expect_arrears(json_object_get(r, "arrears"), want[i][0], want[i][1], want[i][2], basis);
		/* Read back one by one, the same judgement. */
		char path[128];
		snprintf(path, sizeof(path), "/v1/caf-signals/%s", json_string_value(json_object_get(r, "id")));
		int status = 0;
		json_t *s = call(&caf, "GET", path, NULL, NULL, &status);
		expect(s, status, 200, NULL);
		expect_arrears(json_object_get(s, "arrears"), want[i][0], want[i][1], want[i][2], basis);
		ck_assert_str_eq(json_string_value(json_object_get(s, "date")), items[i].date);
		json_decref(s);
	}
	json_decref(j);
	/* Two constituted signals of 2027 in one batch: one decision. */
	json_t *ds = decisions_of(&prefecture, hh);
	ck_assert_int_eq(json_array_size(ds), 1);
	json_decref(ds);
	/* The same batch again, under another key: unchanged, still one. */
	j = import_signals(&caf, body);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "counts"), "unchanged")), 5);
	expect_arrears(json_object_get(json_array_get(json_object_get(j, "results"), 3), "arrears"), "true",
		       "debt_over_450", "2027-01-01", "2026-84");
	json_decref(j);
	ds = decisions_of(&prefecture, hh);
	ck_assert_int_eq(json_array_size(ds), 1);
	json_decref(ds);
}
END_TEST

struct poster {
	const char *body;
	const char *token;
	int status;
};

static void *post_once(void *arg)
{
	struct poster *p = arg;
	struct http_response resp = { 0 };
	char headers[4096];
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\nContent-Type: application/json\r\n", p->token);
	if (http_send(&resp, HARNESS_HOST, server.port, "POST", "/v1/caf-signals", headers, p->body,
		      strlen(p->body)) == 0)
		p->status = resp.status;
	http_response_free(&resp);
	return NULL;
}

#define CONCURRENT 32

START_TEST(concurrent_signals_open_one_decision)
{
	struct party caf, prefecture;
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &caf);
	fixtures_party(&server, &admin, "prefecture", NULL, NULL, &prefecture);
	char caf_no[24], hh[40], tag[16];
	caf_number(caf_no, sizeof(caf_no));
	household(caf_no, hh);
	unique(tag, sizeof(tag), "");
	static char bodies[CONCURRENT][1024];
	struct poster posters[CONCURRENT];
	pthread_t threads[CONCURRENT];
	for (int i = 0; i < CONCURRENT; i++) {
		char ext[64];
		snprintf(ext, sizeof(ext), "c-%s-%d", tag, i);
		signal_body(bodies[i], sizeof(bodies[i]), ext, caf_no, "2027-01-15", 50000 + i, "");
		posters[i] = (struct poster){ bodies[i], caf.token, 0 };
	}
	for (int i = 0; i < CONCURRENT; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, post_once, &posters[i]), 0);
	for (int i = 0; i < CONCURRENT; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < CONCURRENT; i++)
		ck_assert_msg(posters[i].status == 201, "signal %d answered %d", i, posters[i].status);
	json_t *ds = decisions_of(&prefecture, hh);
	ck_assert_int_eq(json_array_size(ds), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ds, 0), "status")), "open");
	json_decref(ds);
	char count[16];
	const char *params[] = { hh };
	fixtures_sql_value("SELECT count(*) FROM benefit_decisions WHERE household_id = $1", 1, params, count,
			   sizeof(count));
	ck_assert_str_eq(count, "1");
}
END_TEST

/* The events of the party's feed about resource_id, in order, as
 * "type,type"; waits for them to settle (up to 10 s) until want is there. */
static void feed_types(const struct party *p, const char *resource_id, const char *want, char *out, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		out[0] = '\0';
		char after[256] = "";
		for (int pages = 0; pages < 50; pages++) {
			char path[400];
			snprintf(path, sizeof(path), "/v1/events?limit=500%s%s", after[0] ? "&after=" : "", after);
			int status = 0;
			json_t *j = call(p, "GET", path, NULL, NULL, &status);
			expect(j, status, 200, NULL);
			json_t *items = json_object_get(j, "items");
			for (size_t i = 0; i < json_array_size(items); i++) {
				json_t *e = json_array_get(items, i);
				const char *rid = json_string_value(json_object_get(json_object_get(e, "resource"), "id"));
				if (rid != NULL && strcmp(rid, resource_id) == 0)
					snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "," : "",
						 json_string_value(json_object_get(e, "type")));
			}
			snprintf(after, sizeof(after), "%s", json_string_value(json_object_get(j, "next_cursor")));
			size_t n = json_array_size(items);
			json_decref(j);
			if (n == 0)
				break;
		}
		if (strcmp(out, want) == 0)
			return;
		usleep(100000);
	}
}

static void etag_of(const struct party *p, const char *path, char *out, size_t len)
{
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, p, "GET", path, NULL, NULL, &resp), 200);
	snprintf(out, len, "If-Match: %s\r\n", http_response_header(&resp, "ETag"));
	http_response_free(&resp);
}

START_TEST(a_decision_decided_and_applied)
{
	struct party caf, other_caf, departement, landlord, bailiff;
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &caf);
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &other_caf);
	fixtures_party(&server, &admin, "departement", NULL, NULL, &departement);
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char caf_no[24], hh[40], ext[64], body[1024], path[128], id[40], h[128];
	caf_number(caf_no, sizeof(caf_no));
	household(caf_no, hh);
	unique(ext, sizeof(ext), "d-");
	signal_body(body, sizeof(body), ext, caf_no, "2027-01-20", 60000, ",\"first_missed_on\":\"2026-11-05\"");
	json_decref(post_signal(&caf, body, 201));
	json_t *items = decisions_of(&caf, hh);
	ck_assert_int_eq(json_array_size(items), 1);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(json_array_get(items, 0), "id")));
	json_decref(items);
	snprintf(path, sizeof(path), "/v1/benefit-decisions/%s", id);

	/* Nobody else sees it, nor changes it. */
	const struct party *outsiders[] = { &other_caf, &landlord, &bailiff };
	for (size_t i = 0; i < 3; i++) {
		send_expect(outsiders[i], "GET", path, NULL, NULL, 404, NULL);
		send_expect(outsiders[i], "PATCH", path,
			    "{\"decision\":\"suspended\",\"reasons\":\"r\",\"decided_on\":\"2027-01-25\"}",
			    "If-Match: \"1\"\r\n", 404, NULL);
		send_expect(outsiders[i], "PATCH", path, "{\"applied_on\":\"2027-01-25\"}", "If-Match: \"1\"\r\n", 404,
			    NULL);
		items = decisions_of(outsiders[i], hh);
		ck_assert_int_eq(json_array_size(items), 0);
		json_decref(items);
	}
	/* The CAF reads it but does not decide; nothing to apply yet. */
	etag_of(&caf, path, h, sizeof(h));
	send_expect(&caf, "PATCH", path, "{\"decision\":\"maintained\",\"reasons\":\"r\",\"decided_on\":\"2027-01-25\"}",
		    h, 403, NULL);
	send_expect(&caf, "PATCH", path, "{\"applied_on\":\"2027-01-25\"}", h, 409, "status");
	/* Reasons are corrected once there are some. */
	send_expect(&departement, "PATCH", path, "{\"reasons\":\"r\"}", h, 422, "reasons");
	/* The secretariat decides: the members together, dated from the signal. */
	send_expect(&departement, "PATCH", path, "{\"decision\":\"maintained\",\"decided_on\":\"2027-01-25\"}", h, 400,
		    "reasons");
	send_expect(&departement, "PATCH", path, "{\"decision\":\"kept\",\"reasons\":\"r\",\"decided_on\":\"2027-01-25\"}",
		    h, 400, "decision");
	send_expect(&departement, "PATCH", path,
		    "{\"decision\":\"maintained\",\"reasons\":\"r\",\"decided_on\":\"2027-01-19\"}", h, 422,
		    "decided_on");
	send_expect(&departement, "PATCH", path,
		    "{\"decision\":\"maintained\",\"reasons\":\"r\",\"decided_on\":\"2027-01-25\",\"applied_on\":\"2027-01-26\"}",
		    h, 400, NULL);
	send_expect(&departement, "PATCH", path, "{\"status\":\"decided\"}", h, 400, NULL);
	send_expect(&departement, "PATCH", path,
		    "{\"decision\":\"paid_to_landlord\",\"reasons\":\"r\",\"decided_on\":\"2027-01-25\"}", NULL, 428,
		    "If-Match");
	send_expect(&departement, "PATCH", path,
		    "{\"decision\":\"paid_to_landlord\",\"reasons\":\"r\",\"decided_on\":\"2027-01-25\"}",
		    "If-Match: \"7\"\r\n", 412, "If-Match");
	int status = 0;
	json_t *j = call(&departement, "PATCH", path,
			 "{\"decision\":\"paid_to_landlord\",\"reasons\":\"Le bailleur accepte un plan.\","
			 "\"decided_on\":\"2027-01-25\"}", h, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "decided");
	ck_assert_str_eq(json_string_value(json_object_get(j, "decision")), "paid_to_landlord");
	ck_assert_str_eq(json_string_value(json_object_get(j, "decided_on")), "2027-01-25");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "decided_by_org"), "id")), departement.org_id);
	json_decref(j);
	etag_of(&caf, path, h, sizeof(h));
	send_expect(&departement, "PATCH", path,
		    "{\"decision\":\"suspended\",\"reasons\":\"r\",\"decided_on\":\"2027-01-26\"}", h, 409, "status");
	/* The secretariat does not report it applied; the CAF does. */
	send_expect(&departement, "PATCH", path, "{\"applied_on\":\"2027-01-28\"}", h, 403, NULL);
	send_expect(&caf, "PATCH", path, "{\"applied_on\":\"2027-01-24\"}", h, 422, "applied_on");
	j = call(&caf, "PATCH", path, "{\"applied_on\":\"2027-01-28\"}", h, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "applied");
	ck_assert_str_eq(json_string_value(json_object_get(j, "applied_on")), "2027-01-28");
	json_decref(j);
	etag_of(&caf, path, h, sizeof(h));
	send_expect(&caf, "PATCH", path, "{\"applied_on\":\"2027-01-29\"}", h, 409, "status");
	send_expect(&caf, "GET", "/v1/benefit-decisions?status=closed", NULL, NULL, 400, "status");

	/* Rectification (GDPR art. 16): the secretariat corrects the reasons of
	 * a decision taken, nothing else changes; the CAF may not. */
	send_expect(&caf, "PATCH", path, "{\"reasons\":\"Plan d'apurement signé.\"}", h, 403, NULL);
	send_expect(&departement, "PATCH", path, "{\"reasons\":\"  \"}", h, 400, "reasons");
	j = call(&departement, "PATCH", path, "{\"reasons\":\"Plan d'apurement signé.\"}", h, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "reasons")), "Plan d'apurement signé.");
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "applied");
	ck_assert_str_eq(json_string_value(json_object_get(j, "decision")), "paid_to_landlord");
	ck_assert_str_eq(json_string_value(json_object_get(j, "applied_on")), "2027-01-28");
	json_decref(j);

	/* The feed: the CAF and the secretariat hear of each step. */
	char types[256];
	const char *all = "benefit_decision.opened,benefit_decision.decided,benefit_decision.applied";
	feed_types(&caf, id, all, types, sizeof(types));
	ck_assert_str_eq(types, all);
	feed_types(&departement, id, all, types, sizeof(types));
	ck_assert_str_eq(types, all);
	feed_types(&other_caf, id, "", types, sizeof(types));
	ck_assert_str_eq(types, "");

	/* Applied, it no longer holds the household: a new unpaid opens another. */
	unique(ext, sizeof(ext), "d-");
	signal_body(body, sizeof(body), ext, caf_no, "2027-03-01", 70000, "");
	json_decref(post_signal(&caf, body, 201));
	items = decisions_of(&departement, hh);
	ck_assert_int_eq(json_array_size(items), 2);
	json_decref(items);
	/* The decision gave the other CAF nothing on the household. */
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	send_expect(&landlord, "GET", path, NULL, NULL, 404, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api_caf");
	TCase *tc = tcase_create("caf");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, single_signals_on_both_sides_of_2027);
	tcase_add_test(tc, bad_signals_are_refused);
	tcase_add_test(tc, imported_signals_on_both_sides_of_2027);
	tcase_add_test(tc, concurrent_signals_open_one_decision);
	tcase_add_test(tc, a_decision_decided_and_applied);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
