/* Issue 17, départements as tenants: every organisation belongs to one or
 * more départements, and the préfecture and the Conseil départemental see
 * the cases of theirs only. A préfecture of the Yvelines (78) beside the
 * Essonne's (91): neither reads, lists, hears of or counts the other's
 * households. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	fixtures_server_start(&server);
	/* A commune of the Yvelines beside the Essonne's reference data (the
	 * server has migrated the schema). */
	char one[8];
	fixtures_sql_value("WITH c AS (INSERT INTO communes (insee, name, postcode) VALUES ('78646', 'Versailles', '78000')"
			   " ON CONFLICT DO NOTHING) SELECT 1", 0, NULL, one, sizeof(one));
	fixtures_admin(&server, &admin);
}

static void teardown(void)
{
	harness_stop(&server);
}

static json_t *call(const struct party *p, const char *method, const char *path, const char *body, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, NULL, status);
}

static const char *str(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s != NULL ? s : "";
}

static void expect(const json_t *j, int status, int want)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want, str(j, "detail"));
}

static int status_of(const struct party *p, const char *path)
{
	int status = 0;
	json_decref(call(p, "GET", path, NULL, &status));
	return status;
}

/* A new organisation of kind made by creator in the départements given
 * as a JSON array (NULL: none given), one client of scope and a token. */
static void party_in(const struct party *creator, const char *kind, const char *departements, const char *scope,
		     struct party *out)
{
	if (departements != NULL)
		fixtures_party_in(&server, creator, kind, departements, scope, out);
	else
		fixtures_party(&server, creator, kind, NULL, scope, out);
}

/* The organisation's départements, as a JSON text ("[\"91\"]"). */
static void departements_of(const char *org_id, char *out, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/organisations/%s", org_id);
	int status = 0;
	json_t *o = call(&admin, "GET", path, NULL, &status);
	expect(o, status, 200);
	char *text = json_dumps(json_object_get(o, "departements"), JSON_COMPACT);
	snprintf(out, len, "%s", text ? text : "");
	free(text);
	json_decref(o);
}

static void household(const struct party *p, const char *insee, const char *postcode, char *id)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"3 rue des Tenants\",\"postcode\":\"%s\",\"insee\":\"%s\"},"
		 "\"sector\":\"private\",\"rent_cents\":70000}", postcode, insee);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/households", body, &status);
	expect(j, status, 201);
	snprintf(id, 40, "%s", str(j, "id"));
	json_decref(j);
}

static void procedure(const struct party *p, const char *household_id, char *id)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", household_id);
	int status = 0;
	json_t *j = call(p, "POST", path, "{\"reference\":\"CJ-TENANTS-1\"}", &status);
	expect(j, status, 201);
	snprintf(id, 40, "%s", str(j, "id"));
	json_decref(j);
}

static void event_ok(const struct party *p, const char *procedure_id, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", procedure_id);
	int status = 0;
	json_t *j = call(p, "POST", path, body, &status);
	expect(j, status, 201);
	json_decref(j);
}

/* A case taken to the préfecture's queue: payment order (a bailiff's
 * report to the CCAPEX), summons (a diagnostic), judgment, order to leave. */
static void case_to_queue(const struct party *bailiff, const char *procedure_id)
{
	event_ok(bailiff, procedure_id, "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":210000,"
					"\"rent_cents\":70000,\"months_unpaid\":3}");
	event_ok(bailiff, procedure_id, "{\"kind\":\"summons\",\"date\":\"2025-11-03\",\"hearing_on\":\"2026-01-20\","
					"\"court\":\"Tribunal judiciaire\",\"prefet_notified_on\":\"2025-11-04\"}");
	event_ok(bailiff, procedure_id,
		 "{\"kind\":\"judgment\",\"date\":\"2026-01-20\",\"outcome\":\"termination_and_eviction\"}");
	event_ok(bailiff, procedure_id,
		 "{\"kind\":\"order_to_leave\",\"date\":\"2026-02-10\",\"prefet_notified_on\":\"2026-02-11\"}");
}

/* Whether an item of a list (every page, the next one's query parameter
 * next_param) matches id. */
static bool pages_hold(const struct party *p, const char *first, const char *next_param,
		       bool (*match)(const json_t *item, const char *key, const char *id), const char *key,
		       const char *id)
{
	char path[512], next[256] = "";
	bool found = false;
	for (int round = 0; round < 200 && !found; round++) {
		snprintf(path, sizeof(path), "%s%s%s%s", first, next[0] ? "&" : "", next[0] ? next_param : "", next);
		int status = 0;
		json_t *j = call(p, "GET", path, NULL, &status);
		expect(j, status, 200);
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(j, "items"), i, v)
			found = found || match(v, key, id);
		const char *cursor = json_string_value(json_object_get(j, "next_cursor"));
		bool more = cursor != NULL && json_array_size(json_object_get(j, "items")) > 0;
		if (more)
			snprintf(next, sizeof(next), "=%s", cursor);
		json_decref(j);
		if (!more)
			break;
	}
	return found;
}

static bool member_is(const json_t *item, const char *key, const char *id)
{
	return strcmp(str(item, key), id) == 0;
}

/* An event on the resource id, or on the household id. */
static bool event_on(const json_t *item, const char *key, const char *id)
{
	(void)key;
	return strcmp(str(json_object_get(item, "resource"), "id"), id) == 0 ||
	       strcmp(str(json_object_get(item, "payload"), "household_id"), id) == 0;
}

static bool list_has(const struct party *p, const char *first, const char *key, const char *id)
{
	return pages_hold(p, first, "cursor", member_is, key, id);
}

static bool feed_has(const struct party *p, const char *id)
{
	return pages_hold(p, "/v1/events?limit=500", "after", event_on, NULL, id);
}

/* The payment orders of 2025 in p's key figures, of the scope named. */
static long long payment_orders_of(const struct party *p, const char *scope)
{
	int status = 0;
	json_t *j = call(p, "GET", "/v1/stats/key-figures?year=2025", NULL, &status);
	expect(j, status, 200);
	ck_assert_str_eq(str(j, "scope"), scope);
	json_t *n = json_object_get(json_object_get(j, "acts_by_stage"), "payment_order");
	ck_assert_msg(json_is_integer(n), "no acts_by_stage.payment_order");
	long long v = json_integer_value(n);
	json_decref(j);
	return v;
}

static long long payment_orders(const struct party *p)
{
	return payment_orders_of(p, "departement");
}

/* The first item of type in the household's timeline, its id, read by p. */
static void timeline_item(const struct party *p, const char *household_id, const char *type, char *id)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/households/%s/timeline", household_id);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200);
	id[0] = '\0';
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "items"), i, v)
		if (id[0] == '\0' && strcmp(str(v, "type"), type) == 0)
			snprintf(id, 40, "%s", str(json_object_get(v, "item"), "id"));
	json_decref(j);
	ck_assert_msg(id[0] != '\0', "no %s in the timeline", type);
}

START_TEST(organisations_belong_to_departements)
{
	char deps[64];
	departements_of(admin.org_id, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"91\"]");

	/* None given: the creator's. */
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	departements_of(bailiff.org_id, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"91\"]");

	struct party several;
	party_in(&admin, "bailiff", "[\"78\",\"2A\",\"971\",\"91\"]", "read write", &several);
	departements_of(several.org_id, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"2A\",\"78\",\"91\",\"971\"]");

	/* A 78 préfecture's administrator creates in 78 by default. */
	struct party pref78, made78;
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	party_in(&pref78, "social_landlord", NULL, "read write", &made78);
	departements_of(made78.org_id, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"78\"]");

	static const char *const bad[] = { "[]", "\"91\"", "[91]", "[\"7\"]", "[\"00\"]", "[\"20\"]", "[\"2C\"]",
					   "[\"970\"]", "[\"96\"]", "[\"9712\"]", "[\"91\",\"91\"]", "[null]", "{}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[256];
		snprintf(body, sizeof(body), "{\"kind\":\"bailiff\",\"name\":\"bad %zu\",\"departements\":%s}", i, bad[i]);
		int status = 0;
		json_t *j = call(&admin, "POST", "/v1/organisations", body, &status);
		ck_assert_msg(status == 400, "%s answered %d", bad[i], status);
		ck_assert_str_eq(fixtures_problem_at(j), "departements");
		json_decref(j);
	}
}
END_TEST

START_TEST(a_prefecture_sees_its_departement_only)
{
	struct party pref78, dep78, bailiff;
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	party_in(&admin, "departement", "[\"78\"]", "read write", &dep78);
	party_in(&admin, "bailiff", "[\"91\",\"78\"]", "read write", &bailiff);
	long long before78 = payment_orders(&pref78), before91 = payment_orders(&admin);

	char hh[40], proc[40], referral[40], diagnostic[40], path[256];
	household(&bailiff, "91228", "91000", hh);
	procedure(&bailiff, hh, proc);
	case_to_queue(&bailiff, proc);
	timeline_item(&admin, hh, "referral", referral);
	timeline_item(&admin, hh, "diagnostic", diagnostic);

	/* The Essonne's préfecture sees it all. */
	const struct party *const readers91[] = { &admin };
	for (size_t k = 0; k < 1; k++) {
		snprintf(path, sizeof(path), "/v1/households/%s", hh);
		ck_assert_int_eq(status_of(readers91[k], path), 200);
		snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
		ck_assert_int_eq(status_of(readers91[k], path), 200);
		snprintf(path, sizeof(path), "/v1/referrals/%s", referral);
		ck_assert_int_eq(status_of(readers91[k], path), 200);
		snprintf(path, sizeof(path), "/v1/diagnostics/%s", diagnostic);
		ck_assert_int_eq(status_of(readers91[k], path), 200);
		snprintf(path, sizeof(path), "/v1/households/%s/export", hh);
		ck_assert_int_eq(status_of(readers91[k], path), 200);
	}
	ck_assert(list_has(&admin, "/v1/queue?limit=500", "procedure_id", proc));
	ck_assert(feed_has(&admin, proc));
	snprintf(path, sizeof(path), "/v1/procedures?household_id=%s&limit=10", hh);
	ck_assert(list_has(&admin, path, "id", proc));
	ck_assert_int_eq(payment_orders(&admin), before91 + 1);

	/* The Yvelines' préfecture and département see nothing of it. */
	const struct party *const others[] = { &pref78, &dep78 };
	for (size_t k = 0; k < 2; k++) {
		const struct party *p = others[k];
		snprintf(path, sizeof(path), "/v1/households/%s", hh);
		ck_assert_int_eq(status_of(p, path), 404);
		snprintf(path, sizeof(path), "/v1/households/%s/timeline", hh);
		ck_assert_int_eq(status_of(p, path), 404);
		snprintf(path, sizeof(path), "/v1/households/%s/export", hh);
		ck_assert_int_eq(status_of(p, path), 404);
		snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
		ck_assert_int_eq(status_of(p, path), 404);
		snprintf(path, sizeof(path), "/v1/referrals/%s", referral);
		ck_assert_int_eq(status_of(p, path), 404);
		snprintf(path, sizeof(path), "/v1/diagnostics/%s", diagnostic);
		ck_assert_int_eq(status_of(p, path), 404);
		ck_assert(!list_has(p, "/v1/households?limit=500", "id", hh));
		snprintf(path, sizeof(path), "/v1/procedures?household_id=%s&limit=10", hh);
		ck_assert(!list_has(p, path, "id", proc));
		ck_assert(!list_has(p, "/v1/procedures?limit=500", "id", proc));
		ck_assert(!list_has(p, "/v1/referrals?limit=500", "id", referral));
		ck_assert(!list_has(p, "/v1/diagnostics?limit=500", "id", diagnostic));
		ck_assert(!feed_has(p, proc));
		ck_assert(!feed_has(p, hh));
		ck_assert_int_eq(payment_orders(p), before78);
	}
	ck_assert(!list_has(&pref78, "/v1/queue?limit=500", "procedure_id", proc));

	/* The audit log of the Essonne's préfecture is its own département's. */
	snprintf(path, sizeof(path), "/v1/audit?organisation_id=%s&resource_id=%s&limit=10", admin.org_id, hh);
	const struct party *const auditors[] = { &admin, &pref78 };
	for (size_t k = 0; k < 2; k++) {
		int status = 0;
		json_t *j = call(auditors[k], "GET", path, NULL, &status);
		expect(j, status, 200);
		if (k == 0)
			ck_assert_int_gt(json_array_size(json_object_get(j, "items")), 0);
		else
			ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
		json_decref(j);
	}

	/* A write through a relation it does not hold: 404 as well. */
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	int status = 0;
	json_t *j = call(&pref78, "POST", path, "{\"kind\":\"cfp_request\",\"date\":\"2026-04-15\"}", &status);
	expect(j, status, 404);
	json_decref(j);
}
END_TEST

START_TEST(a_household_of_78_is_the_78_prefecture_s)
{
	struct party pref78, bailiff;
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	party_in(&admin, "bailiff", "[\"91\",\"78\"]", "read write", &bailiff);
	long long before78 = payment_orders(&pref78), before91 = payment_orders(&admin);

	char hh[40], proc[40], referral[40], path[256];
	household(&bailiff, "78646", "78000", hh);
	procedure(&bailiff, hh, proc);
	case_to_queue(&bailiff, proc);
	timeline_item(&pref78, hh, "referral", referral);

	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	ck_assert_int_eq(status_of(&pref78, path), 200);
	ck_assert_int_eq(status_of(&admin, path), 404);
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	ck_assert_int_eq(status_of(&pref78, path), 200);
	ck_assert_int_eq(status_of(&admin, path), 404);
	snprintf(path, sizeof(path), "/v1/referrals/%s", referral);
	ck_assert_int_eq(status_of(&pref78, path), 200);
	ck_assert_int_eq(status_of(&admin, path), 404);
	ck_assert(list_has(&pref78, "/v1/queue?limit=500", "procedure_id", proc));
	ck_assert(!list_has(&admin, "/v1/queue?limit=500", "procedure_id", proc));
	ck_assert(feed_has(&pref78, proc));
	ck_assert(!feed_has(&admin, proc));
	ck_assert(list_has(&pref78, "/v1/households?limit=500", "id", hh));
	ck_assert_int_eq(payment_orders(&pref78), before78 + 1);
	ck_assert_int_eq(payment_orders(&admin), before91);

	/* The bailiff that filed it reads it, whichever its département. */
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	ck_assert_int_eq(status_of(&bailiff, path), 200);
}
END_TEST

START_TEST(a_prefecture_manages_its_departement_s_sessions)
{
	struct party pref78;
	fixtures_party_in(&server, &admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	char k91[40], k78[40], path[256];
	const struct party *const secretariats[] = { &admin, &pref78 };
	char *const ids[] = { k91, k78 };
	for (size_t i = 0; i < 2; i++) {
		int status = 0;
		json_t *j = call(secretariats[i], "POST", "/v1/commissions",
				 "{\"level\":\"operational\",\"date\":\"2026-12-10\"}", &status);
		expect(j, status, 201);
		snprintf(ids[i], 40, "%s", str(j, "id"));
		json_decref(j);
	}
	for (size_t i = 0; i < 2; i++) {
		const struct party *p = secretariats[i];
		const char *own = ids[i], *other = ids[1 - i];
		snprintf(path, sizeof(path), "/v1/commissions/%s", own);
		ck_assert_int_eq(status_of(p, path), 200);
		snprintf(path, sizeof(path), "/v1/commissions/%s", other);
		ck_assert_int_eq(status_of(p, path), 404);
		ck_assert(list_has(p, "/v1/commissions?limit=500", "id", own));
		ck_assert(!list_has(p, "/v1/commissions?limit=500", "id", other));
		/* Nor changes it. */
		int status = 0;
		json_t *j = fixtures_call_json(&server, p, "PATCH", path, "{\"place\":\"Ailleurs\"}", "If-Match: *\r\n",
					       &status);
		expect(j, status, 404);
		json_decref(j);
	}

	/* A CLIL is changed by its own département's secretariat only. */
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char suffix[16], body[512], clil[40];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(body, sizeof(body), "{\"name\":\"CLIL tenants %s\",\"mode\":\"mono_landlord\",\"status\":\"renewed\","
		 "\"communes\":[\"91377\"],\"landlords\":[\"%s\"]}", suffix, landlord.org_id);
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/clils", body, &status);
	expect(j, status, 201);
	snprintf(clil, sizeof(clil), "%s", str(j, "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/clils/%s", clil);
	const struct party *const editors[] = { &pref78, &admin };
	const int wanted[] = { 404, 200 };
	for (size_t i = 0; i < 2; i++) {
		j = fixtures_call_json(&server, editors[i], "PATCH", path, "{\"status\":\"experimented\"}", "If-Match: *\r\n",
				       &status);
		expect(j, status, wanted[i]);
		json_decref(j);
	}
}
END_TEST

START_TEST(the_national_delegation_counts_and_reads_nothing_personal)
{
	struct party national, pref78, bailiff;
	fixtures_party(&server, &admin, "national", NULL, NULL, &national);
	fixtures_party_in(&server, &admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	fixtures_party_in(&server, &admin, "bailiff", "[\"91\",\"78\"]", "read write", &bailiff);
	long long before = payment_orders_of(&national, "national");
	char hh[2][40], proc[2][40], path[256];
	const char *const insee[] = { "91228", "78646" }, *const postcode[] = { "91000", "78000" };
	for (int i = 0; i < 2; i++) {
		household(&bailiff, insee[i], postcode[i], hh[i]);
		procedure(&bailiff, hh[i], proc[i]);
		event_ok(&bailiff, proc[i], "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":210000,"
					    "\"rent_cents\":70000,\"months_unpaid\":3}");
	}
	/* Both départements' acts in the national figures. */
	ck_assert_int_eq(payment_orders_of(&national, "national"), before + 2);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/v1/households/%s", hh[i]);
		ck_assert_int_eq(status_of(&national, path), 403);
		snprintf(path, sizeof(path), "/v1/households/%s/export", hh[i]);
		ck_assert_int_eq(status_of(&national, path), 403);
		snprintf(path, sizeof(path), "/v1/procedures/%s", proc[i]);
		ck_assert_int_eq(status_of(&national, path), 403);
	}
	static const char *const lists[] = { "/v1/households", "/v1/procedures", "/v1/referrals", "/v1/diagnostics",
					     "/v1/queue", "/v1/commissions", "/v1/audit" };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		ck_assert_msg(status_of(&national, lists[i]) == 403, "%s", lists[i]);
	int status = 0;
	json_t *j = call(&national, "POST", "/v1/households",
			 "{\"address\":{\"line\":\"1 rue\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
			 "\"sector\":\"private\"}", &status);
	expect(j, status, 403);
	json_decref(j);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tenants");
	TCase *tc = tcase_create("departements");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, organisations_belong_to_departements);
	tcase_add_test(tc, a_prefecture_sees_its_departement_only);
	tcase_add_test(tc, a_household_of_78_is_the_78_prefecture_s);
	tcase_add_test(tc, a_prefecture_manages_its_departement_s_sessions);
	tcase_add_test(tc, the_national_delegation_counts_and_reads_nothing_personal);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
