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
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	fixtures_two_departements(&server, &admin);
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

/* The party's organisation's départements, as a JSON text ("[\"91\"]"),
 * read by itself. */
static void departements_of(const struct party *p, char *out, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/organisations/%s", p->org_id);
	int status = 0;
	json_t *o = call(p, "GET", path, NULL, &status);
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

/* feed_has(), asked again for up to 5 s: an event is in the feed once every
 * transaction older than its own has ended, and the other tests' run
 * beside this one. */
static bool feed_eventually_has(const struct party *p, const char *id)
{
	for (int round = 0; round < 50; round++) {
		if (feed_has(p, id))
			return true;
		usleep(100 * 1000);
	}
	return false;
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

/* A number read with fixtures_sql_value(). */
static long long sql_count(const char *sql, int n, const char *const *params)
{
	char v[64];
	fixtures_sql_value(sql, n, params, v, sizeof(v));
	return strtoll(v, NULL, 10);
}

/* The last value the feed's identity drew (0 when none yet). */
static long long feed_seq_drawn(void)
{
	return sql_count("SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('feed_events', 'seq')), 0)", 0,
			 NULL);
}

/* Issue 17 at national scale: with eighty préfectures and Conseils
 * départementaux of other départements in the database, the events of a
 * 91 case reach the 91 préfectures and départements and them alone, and no
 * feed row is written then discarded (each value the feed's identity draws
 * is a row kept). */
START_TEST(a_91_event_is_written_for_the_91_recipients_only)
{
	char tag[16], v[64];
	fixtures_suffix(tag, sizeof(tag));
	const char *add[] = { tag };
	fixtures_sql_value("WITH o AS (INSERT INTO organisations (kind, name)"
			   "  SELECT CASE WHEN g % 2 = 0 THEN 'prefecture' ELSE 'departement' END, 'fan-out ' || $1 || ' ' || g"
			   "  FROM generate_series(1, 80) g RETURNING id),"
			   " d AS (INSERT INTO organisation_departements (organisation_id, departement_code)"
			   "  SELECT id, (ARRAY['78', '75', '2A', '971', '13', '69', '92', '93'])[1 + (row_number() OVER () % 8)::int]"
			   "  FROM o RETURNING 1)"
			   " SELECT count(*) FROM d", 1, add, v, sizeof(v));
	ck_assert_str_eq(v, "80");

	struct party dep91, bailiff;
	party_in(&admin, "departement", "[\"91\"]", "read write admin", &dep91);
	party_in(&admin, "bailiff", "[\"91\"]", "read write", &bailiff);
	static const char n91_sql[] =
		"SELECT count(*) FROM organisation_departements d JOIN organisations o ON o.id = d.organisation_id"
		" WHERE d.departement_code = '91' AND o.kind IN ('prefecture', 'departement')";
	long long n91 = sql_count(n91_sql, 0, NULL);
	ck_assert_int_ge(n91, 2);
	ck_assert_int_ge(sql_count("SELECT count(*) FROM organisations WHERE kind IN ('prefecture', 'departement')", 0,
				   NULL),
			 n91 + 80);

	long long first = feed_seq_drawn();
	char hh[40], proc[40], gone[40], path[128];
	household(&bailiff, "91228", "91000", hh);
	procedure(&bailiff, hh, proc);
	case_to_queue(&bailiff, proc);
	household(&bailiff, "91228", "91000", gone);
	snprintf(path, sizeof(path), "/v1/households/%s/erasure", gone);
	int status = 0;
	json_t *j = call(&dep91, "POST", path, "{\"reason\":\"demande de la personne\"}", &status);
	expect(j, status, 200);
	json_decref(j);
	long long last = feed_seq_drawn();

	char range[2][32];
	snprintf(range[0], sizeof(range[0]), "%lld", first);
	snprintf(range[1], sizeof(range[1]), "%lld", last);
	const char *in_range[] = { range[0], range[1] };
	long long written = sql_count("SELECT count(*) FROM feed_events WHERE seq > $1::bigint AND seq <= $2::bigint",
				      2, in_range);
	ck_assert_int_gt(written, 0);
	ck_assert_int_eq(written, last - first);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM feed_events f JOIN organisations o ON o.id = f.organisation_id"
				   " WHERE f.seq > $1::bigint AND f.seq <= $2::bigint"
				   " AND o.kind IN ('prefecture', 'departement')"
				   " AND NOT EXISTS (SELECT 1 FROM organisation_departements d"
				   "  WHERE d.organisation_id = o.id AND d.departement_code = '91')",
				   2, in_range),
			 0);

	/* Each stage change and the erasure: once to each 91 préfecture and département. */
	const char *on_proc[] = { proc };
	long long changes = sql_count("SELECT count(DISTINCT payload->>'stage') FROM feed_events"
				      " WHERE resource_id = $1::uuid AND type = 'procedure.stage_changed'", 1, on_proc);
	ck_assert_int_ge(changes, 4);
	static const char per_recipient[] =
		"SELECT count(*) FROM (SELECT f.organisation_id, count(*) AS n FROM feed_events f"
		" JOIN organisations o ON o.id = f.organisation_id AND o.kind IN ('prefecture', 'departement')"
		" WHERE f.resource_id = $1::uuid AND f.type = $2 GROUP BY f.organisation_id) r WHERE r.n = $3::bigint";
	char changes_s[32];
	snprintf(changes_s, sizeof(changes_s), "%lld", changes);
	const char *stage_rows[] = { proc, "procedure.stage_changed", changes_s };
	ck_assert_int_eq(sql_count(per_recipient, 3, stage_rows), n91);
	const char *erased_rows[] = { gone, "household.erased", "1" };
	ck_assert_int_eq(sql_count(per_recipient, 3, erased_rows), n91);
	ck_assert(feed_eventually_has(&admin, proc));
	ck_assert(feed_eventually_has(&dep91, proc));
	ck_assert(feed_eventually_has(&dep91, gone));
}
END_TEST

START_TEST(organisations_belong_to_departements)
{
	char deps[64];
	departements_of(&admin, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"91\"]");

	/* None given: the creator's. */
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	departements_of(&bailiff, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"91\"]");

	struct party several;
	party_in(&admin, "bailiff", "[\"78\",\"2A\",\"971\",\"91\"]", "read write", &several);
	departements_of(&several, deps, sizeof(deps));
	ck_assert_str_eq(deps, "[\"2A\",\"78\",\"91\",\"971\"]");

	/* A 78 préfecture's administrator creates in 78 by default. */
	struct party pref78, made78;
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	party_in(&pref78, "social_landlord", NULL, "read write", &made78);
	departements_of(&made78, deps, sizeof(deps));
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
	ck_assert(feed_eventually_has(&admin, proc));
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
	ck_assert(feed_eventually_has(&pref78, proc));
	ck_assert(!feed_has(&admin, proc));
	ck_assert(list_has(&pref78, "/v1/households?limit=500", "id", hh));
	ck_assert_int_eq(payment_orders(&pref78), before78 + 1);
	ck_assert_int_eq(payment_orders(&admin), before91);

	/* The bailiff that filed it reads it, whichever its département. */
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	ck_assert_int_eq(status_of(&bailiff, path), 200);
}
END_TEST

/* p makes a mono-landlord CLIL: the answer wanted, the new id (when id is
 * not NULL and it is made). */
static void clil_make(const struct party *p, const char *name, const char *commune, const char *landlord, int want,
		      char *id)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"mode\":\"mono_landlord\",\"status\":\"renewed\","
		 "\"communes\":[\"%s\"],\"landlords\":[\"%s\"]}", name, commune, landlord);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/clils", body, &status);
	expect(j, status, want);
	if (want == 409)
		ck_assert_str_eq(fixtures_problem_at(j), "name");
	if (id != NULL)
		snprintf(id, 40, "%s", str(j, "id"));
	json_decref(j);
}

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
	char suffix[16], name[64], clil[40];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(name, sizeof(name), "CLIL tenants %s", suffix);
	clil_make(&admin, name, "91377", landlord.org_id, 201, clil);
	int status = 0;
	json_t *j = NULL;
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


/* The problem's code and where it lies, "code@field". */
static void problem_where(const json_t *j, char *out, size_t len)
{
	const char *at = fixtures_problem_at(j);
	snprintf(out, len, "%s@%s", str(j, "code"), at ? at : "");
}

static void expect_outside(const json_t *j, int status, const char *field)
{
	char where[128], want[128];
	expect(j, status, 422);
	problem_where(j, where, sizeof(where));
	snprintf(want, sizeof(want), "commune-outside-departements@%s", field);
	ck_assert_str_eq(where, want);
}

static json_t *household_post(const struct party *p, const char *line, const char *insee, const char *postcode,
			      int *status)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"%s\",\"postcode\":\"%s\",\"insee\":\"%s\"},\"sector\":\"private\"}", line,
		 postcode, insee);
	return call(p, "POST", "/v1/households", body, status);
}

static const char *insee_of(const json_t *household)
{
	return str(json_object_get(household, "address"), "insee");
}

/* p moves the household at version to the commune insee: allowed (200,
 * moved) or refused as outside p's départements. */
static void move(const struct party *p, const char *id, int version, const char *insee, bool allowed)
{
	char path[128], body[256], headers[64];
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	snprintf(body, sizeof(body), "{\"address\":{\"line\":\"5 rue Moved\",\"postcode\":\"%.2s000\",\"insee\":\"%s\"}}",
		 insee, insee);
	snprintf(headers, sizeof(headers), "If-Match: \"%d\"\r\n", version);
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "PATCH", path, body, headers, &status);
	if (allowed) {
		expect(j, status, 200);
		ck_assert_str_eq(insee_of(j), insee);
	} else {
		expect_outside(j, status, "address.insee");
	}
	json_decref(j);
}

/* The households whose address line is line, counted in the database. */
static int households_at(const char *line)
{
	char n[16];
	const char *params[] = { line };
	fixtures_sql_value("SELECT count(*) FROM households WHERE address_line = $1", 1, params, n, sizeof(n));
	return atoi(n);
}

START_TEST(a_household_is_made_and_moved_in_its_maker_s_departements)
{
	struct party bailiff91, both, pref78;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff91);
	party_in(&admin, "bailiff", "[\"91\",\"78\"]", "read write", &both);
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	char suffix[16], line[64], path[128];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(line, sizeof(line), "9 rue Ailleurs %s", suffix);

	/* Created outside its départements: refused, nothing written. */
	int status = 0;
	json_t *j = household_post(&bailiff91, line, "78646", "78000", &status);
	expect_outside(j, status, "address.insee");
	json_decref(j);
	j = household_post(&admin, line, "78646", "78000", &status);
	expect_outside(j, status, "address.insee");
	json_decref(j);
	j = household_post(&pref78, line, "91228", "91000", &status);
	expect_outside(j, status, "address.insee");
	json_decref(j);
	ck_assert_int_eq(households_at(line), 0);
	/* An unknown commune stays an unknown reference. */
	j = household_post(&bailiff91, line, "78999", "78000", &status);
	expect(j, status, 422);
	ck_assert_str_eq(str(j, "code"), "unknown-reference");
	json_decref(j);

	/* In its own: created; an organisation of two départements in both. */
	char h91[40], hboth91[40], hboth78[40];
	household(&bailiff91, "91228", "91000", h91);
	household(&both, "91228", "91000", hboth91);
	household(&both, "78646", "78000", hboth78);
	snprintf(path, sizeof(path), "/v1/households/%s", hboth78);
	ck_assert_int_eq(status_of(&both, path), 200);
	ck_assert_int_eq(status_of(&pref78, path), 200);

	/* Moved outside: refused, the household unchanged; inside: moved. */
	move(&bailiff91, h91, 1, "78646", false);
	snprintf(path, sizeof(path), "/v1/households/%s", h91);
	j = call(&bailiff91, "GET", path, NULL, &status);
	expect(j, status, 200);
	ck_assert_str_eq(insee_of(j), "91228");
	json_decref(j);
	move(&bailiff91, h91, 1, "91377", true);
	/* The préfecture moves a household of its own to another département:
	 * refused as well (it would lose it). */
	move(&admin, h91, 2, "78646", false);
	/* Two départements: from one to the other and back. */
	move(&both, hboth91, 1, "78646", true);
	move(&both, hboth91, 2, "91228", true);
}
END_TEST

/* The acts import opens a file with a new household only in the
 * importer's départements: the item is refused with the problem type, the
 * others go on. */
/* The ids of a list's first page, comma-separated, in its order. */
static void first_page_ids(const struct party *p, const char *path, char *out, size_t len)
{
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200);
	size_t i, used = 0;
	json_t *v;
	out[0] = '\0';
	json_array_foreach(json_object_get(j, "items"), i, v)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", str(v, "id"));
	ck_assert_uint_lt(used, len);
	json_decref(j);
}

/* p's first page of households (of kind, its organisation's) is the
 * first 100 of those the relations functions give it, in page order. */
static void first_page_is_the_function_s(const struct party *p, const char *kind)
{
	char page[100 * 40], want[100 * 40];
	first_page_ids(p, "/v1/households?limit=100", page, sizeof(page));
	const char *params[] = { p->org_id, kind };
	fixtures_sql_value("SELECT string_agg(id::text, ',' ORDER BY created_at, id) FROM (SELECT h.id, h.created_at"
			   " FROM households h WHERE household_relations(h, $1, $2)"
			   " | orientation_household_relations(h.id, $1, $2) <> 0"
			   " ORDER BY h.created_at, h.id LIMIT 100) x",
			   2, params, want, sizeof(want));
	ck_assert_uint_eq(strlen(want), 100 * 37 - 1);
	ck_assert_str_eq(page, want);
}

/* A préfecture's and a département's lists with thousands of households in
 * their département (the demo's Essonne) read each of their départements'
 * rows in page order (0029): the first page is the function's first 100;
 * a household moved into the département brings its procedure and its
 * queue item along. */
START_TEST(a_departement_s_lists_at_size)
{
	ck_assert_msg(sql_count("SELECT count(*) FROM households WHERE insee_departement(insee) = '91'", 0, NULL) > 2000,
		      "the demo's Essonne (the stats test) is not loaded: the lists would not take this path");
	char path[256];
	first_page_is_the_function_s(&admin, "prefecture");

	/* Moved from 78 to 91 by a bailiff of both: the 91 préfecture lists its procedure. */
	struct party bailiff;
	party_in(&admin, "bailiff", "[\"91\",\"78\"]", "read write", &bailiff);
	char hh[40], proc[40];
	household(&bailiff, "78646", "78000", hh);
	procedure(&bailiff, hh, proc);
	case_to_queue(&bailiff, proc);
	snprintf(path, sizeof(path), "/v1/procedures?household_id=%s&limit=10", hh);
	ck_assert(!list_has(&admin, path, "id", proc));
	ck_assert(!list_has(&admin, "/v1/queue?limit=500", "procedure_id", proc));
	move(&bailiff, hh, 1, "91228", true);
	ck_assert(list_has(&admin, path, "id", proc));
	ck_assert(list_has(&admin, "/v1/queue?limit=500", "procedure_id", proc));
}
END_TEST

/* A social landlord of departements (a JSON array) made the landlord of
 * 2,100 of the demo's Essonne households that have a landlord
 * organisation (the first or the last by id: two tests, two sets), and of
 * a new household of 78 that a bailiff of 78 records, whose id it writes
 * to hh78. */
static void landlord_of_2100(const char *departements, const char *order, struct party *landlord, char hh78[40])
{
	struct party bailiff78;
	party_in(&admin, "social_landlord", departements, "read", landlord);
	party_in(&admin, "bailiff", "[\"78\"]", "read write", &bailiff78);
	const char *params[] = { landlord->org_id, order };
	ck_assert_int_eq(sql_count("WITH u AS (UPDATE households SET landlord_org_id = $1 WHERE id IN (SELECT id FROM"
				   " households WHERE insee_departement(insee) = '91' AND landlord_org_id IS NOT NULL"
				   " ORDER BY CASE WHEN $2 = 'asc' THEN id END, CASE WHEN $2 = 'desc' THEN id END DESC"
				   " LIMIT 2100) RETURNING 1) SELECT count(*) FROM u", 2, params), 2100);

	char body[512];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"4 rue des Bailleurs\",\"postcode\":\"78000\",\"insee\":\"78646\"},"
		 "\"sector\":\"social\",\"rent_cents\":60000,\"landlord\":{\"organisation_id\":\"%s\"}}", landlord->org_id);
	int status = 0;
	json_t *j = call(&bailiff78, "POST", "/v1/households", body, &status);
	expect(j, status, 201);
	snprintf(hh78, 40, "%s", str(j, "id"));
	json_decref(j);
}

/* A landlord of the Essonne with more than 2,000 households (0030): its
 * first page is the function's first 100, read from its département's
 * rows; a household of 78 it is the landlord of, outside its départements,
 * is in its list too. */
START_TEST(a_landlord_s_lists_at_size)
{
	struct party landlord;
	char hh78[40];
	landlord_of_2100("[\"91\"]", "asc", &landlord, hh78);
	first_page_is_the_function_s(&landlord, "social_landlord");
	ck_assert(list_has(&landlord, "/v1/households?commune=78646&limit=100", "id", hh78));
	char path[128];
	snprintf(path, sizeof(path), "/v1/households/%s", hh78);
	ck_assert_int_eq(status_of(&landlord, path), 200);
}
END_TEST

/* A landlord of the Yvelines whose 2,100 other households are in the
 * Essonne (0031): its candidates outside its départements are many in one
 * of them, and that département's rows are read in page order, tested
 * against them: its first page is still the function's first 100, and its
 * household of 78 is in its list. */
START_TEST(a_landlord_s_lists_outside_its_departements)
{
	struct party landlord;
	char hh78[40];
	landlord_of_2100("[\"78\"]", "desc", &landlord, hh78);
	const char *org[] = { landlord.org_id };
	ck_assert_int_eq(sql_count("SELECT count(*) FROM visible_household_candidates_outside($1, 'social_landlord', 255)"
				   " WHERE departement_code = '91'", 1, org), 2100);
	first_page_is_the_function_s(&landlord, "social_landlord");
	ck_assert(list_has(&landlord, "/v1/households?commune=78646&limit=100", "id", hh78));
}
END_TEST

START_TEST(an_import_opens_files_in_the_importer_s_departements)
{
	struct party bailiff91, both;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff91);
	party_in(&admin, "bailiff", "[\"91\",\"78\"]", "read write", &both);
	const struct party *const importers[] = { &bailiff91, &both };
	for (int k = 0; k < 2; k++) {
		char f[16], body[2048], headers[96], line78[64], line91[64];
		fixtures_suffix(f, sizeof(f));
		snprintf(line78, sizeof(line78), "1 rue Import %s", f);
		snprintf(line91, sizeof(line91), "2 rue Import %s", f);
		snprintf(body, sizeof(body),
			 "[{\"external_id\":\"%s-a\",\"file_reference\":\"%s-a\",\"kind\":\"payment_order\","
			 "\"date\":\"2025-09-01\",\"debt_cents\":180000,\"rent_cents\":60000,\"months_unpaid\":3,"
			 "\"household\":{\"address\":{\"line\":\"%s\",\"postcode\":\"78000\",\"insee\":\"78646\"},"
			 "\"sector\":\"private\"}},"
			 "{\"external_id\":\"%s-b\",\"file_reference\":\"%s-b\",\"kind\":\"payment_order\","
			 "\"date\":\"2025-09-01\",\"debt_cents\":180000,\"rent_cents\":60000,\"months_unpaid\":3,"
			 "\"household\":{\"address\":{\"line\":\"%s\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
			 "\"sector\":\"private\"}}]",
			 f, f, line78, f, f, line91);
		snprintf(headers, sizeof(headers), "Idempotency-Key: tenants-%s\r\n", f);
		int status = 0;
		json_t *j = fixtures_call_json(&server, importers[k], "POST", "/v1/imports/acts", body, headers, &status);
		expect(j, status, 200);
		const json_t *results = json_object_get(j, "results");
		const json_t *first = json_array_get(results, 0), *second = json_array_get(results, 1);
		ck_assert_str_eq(str(second, "status"), "created");
		if (k == 0) {
			ck_assert_str_eq(str(first, "status"), "rejected");
			char where[128];
			problem_where(json_object_get(first, "problem"), where, sizeof(where));
			ck_assert_str_eq(where, "commune-outside-departements@household.address.insee");
			ck_assert_int_eq(households_at(line78), 0);
		} else {
			ck_assert_str_eq(str(first, "status"), "created");
			ck_assert_int_eq(households_at(line78), 1);
		}
		ck_assert_int_eq(households_at(line91), 1);
		json_decref(j);
	}
}
END_TEST

START_TEST(a_clil_s_name_is_unique_in_its_departement)
{
	struct party pref78, landlord;
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &pref78);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char suffix[16], name[64], body[128], other[40], path[128];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(name, sizeof(name), "CLIL Nord %s", suffix);
	clil_make(&pref78, name, "78646", landlord.org_id, 201, NULL);
	clil_make(&admin, name, "91377", landlord.org_id, 201, NULL);
	clil_make(&admin, name, "91228", landlord.org_id, 409, NULL);
	clil_make(&pref78, name, "78646", landlord.org_id, 409, NULL);
	/* Renaming one to a name its département holds: refused too. */
	snprintf(body, sizeof(body), "CLIL Sud %s", suffix);
	clil_make(&admin, body, "91228", landlord.org_id, 201, other);
	snprintf(path, sizeof(path), "/v1/clils/%s", other);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	int status = 0;
	json_t *j = fixtures_call_json(&server, &admin, "PATCH", path, body, "If-Match: *\r\n", &status);
	expect(j, status, 409);
	ck_assert_str_eq(fixtures_problem_at(j), "name");
	json_decref(j);
}
END_TEST

/* The entries of the audit log that reader reads under query. */
static size_t audit_count(const struct party *reader, const char *query)
{
	char path[512];
	snprintf(path, sizeof(path), "/v1/audit?limit=500&%s", query);
	int status = 0;
	json_t *j = call(reader, "GET", path, NULL, &status);
	expect(j, status, 200);
	size_t n = json_array_size(json_object_get(j, "items"));
	json_decref(j);
	return n;
}

/* The organisations of the tests across two départements: préfectures
 * of 78 and of 78 and 91, a bailiff of both, and a 91 organisation of
 * kind local_kind. */
struct cast {
	struct party pref78, pref_both, both, local91;
};

static void cast_make(struct cast *c, const char *local_kind)
{
	party_in(&admin, "prefecture", "[\"78\"]", "read write admin", &c->pref78);
	party_in(&admin, "prefecture", "[\"78\",\"91\"]", "read write admin", &c->pref_both);
	party_in(&admin, "bailiff", "[\"91\",\"78\"]", "read write", &c->both);
	fixtures_party(&server, &admin, local_kind, NULL, NULL, &c->local91);
}

/* An entry about a record of a département is read by that département's
 * préfecture, whoever acted; another entry by the préfectures that share
 * a département with the organisation that acted. */
START_TEST(the_audit_log_follows_the_departement_of_what_it_records)
{
	struct cast c;
	cast_make(&c, "bailiff");
	char h91[40], h78[40], p91[40], p78[40], q[256];
	household(&c.both, "91228", "91000", h91);
	household(&c.both, "78646", "78000", h78);
	procedure(&c.both, h91, p91);
	procedure(&c.both, h78, p78);
	int status = 0;
	json_decref(call(&c.both, "GET", "/v1/referrals?limit=1", NULL, &status));
	expect(NULL, status, 200);
	json_decref(call(&c.local91, "GET", "/v1/referrals?limit=1", NULL, &status));
	expect(NULL, status, 200);
	/* A session of the Yvelines (the first département of its maker),
	 * made by a préfecture that is of the Essonne too. */
	char k78[40];
	json_t *j = call(&c.pref_both, "POST", "/v1/commissions", "{\"level\":\"operational\",\"date\":\"2026-12-11\"}",
			 &status);
	expect(j, status, 201);
	snprintf(k78, sizeof(k78), "%s", str(j, "id"));
	json_decref(j);

	const struct party *const readers[] = { &admin, &c.pref78, &c.pref_both };
	/* What each reads: the 91 records, the 78 records, the entries about
	 * nothing of the maker of both, and of the 91 bailiff. */
	const bool reads91[] = { true, false, true }, reads78[] = { false, true, true };
	for (size_t r = 0; r < 3; r++) {
		const struct party *p = readers[r];
		const char *const ids91[] = { h91, p91 }, *const ids78[] = { h78, p78, k78 };
		for (size_t i = 0; i < 2; i++) {
			snprintf(q, sizeof(q), "resource_id=%s", ids91[i]);
			ck_assert_msg((audit_count(p, q) > 0) == reads91[r], "reader %zu, 91 record %zu", r, i);
		}
		for (size_t i = 0; i < 3; i++) {
			snprintf(q, sizeof(q), "resource_id=%s", ids78[i]);
			ck_assert_msg((audit_count(p, q) > 0) == reads78[r], "reader %zu, 78 record %zu", r, i);
		}
		snprintf(q, sizeof(q), "organisation_id=%s&resource_type=referral&action=list", c.both.org_id);
		ck_assert_int_eq(audit_count(p, q), 1);
		snprintf(q, sizeof(q), "organisation_id=%s&resource_type=referral&action=list", c.local91.org_id);
		ck_assert_int_eq(audit_count(p, q), reads91[r] ? 1 : 0);
	}
}
END_TEST

/* An administrator makes organisations of its own départements, and
 * administers (reads, changes, gives and revokes clients) those whose
 * every département is one of its own: another's is a 404, so that no
 * administrator of the Yvelines mints a token of the Essonne. */
START_TEST(an_administrator_administers_its_own_departements)
{
	struct cast c;
	cast_make(&c, "social_landlord");

	/* Made in another département: refused; in its own: made. */
	int status = 0;
	json_t *j = call(&c.pref78, "POST", "/v1/organisations",
			 "{\"kind\":\"prefecture\",\"name\":\"Préfecture bis\",\"departements\":[\"91\"]}", &status);
	expect(j, status, 403);
	ck_assert_str_eq(fixtures_problem_at(j), "departements");
	json_decref(j);
	j = call(&admin, "POST", "/v1/organisations",
		 "{\"kind\":\"bailiff\",\"name\":\"Étude bis\",\"departements\":[\"91\",\"78\"]}", &status);
	expect(j, status, 403);
	json_decref(j);
	j = call(&c.pref_both, "POST", "/v1/organisations",
		 "{\"kind\":\"bailiff\",\"name\":\"Étude ter\",\"departements\":[\"91\",\"78\"]}", &status);
	expect(j, status, 201);
	json_decref(j);

	/* Each administrator on each organisation: 200 where it holds every
	 * département of it, 404 elsewhere. */
	const struct party *const admins[] = { &admin, &c.pref78, &c.pref_both };
	const struct party *const orgs[] = { &c.local91, &c.both, &c.pref78, &admin };
	const bool holds[3][4] = { { true, false, false, true }, { false, false, true, false }, { true, true, true, true } };
	for (size_t a = 0; a < 3; a++) {
		for (size_t o = 0; o < 4; o++) {
			const struct party *target = orgs[o];
			if (strcmp(target->org_id, admins[a]->org_id) == 0)
				continue;
			char path[160];
			int want = holds[a][o] ? 200 : 404;
			snprintf(path, sizeof(path), "/v1/organisations/%s", target->org_id);
			ck_assert_msg(status_of(admins[a], path) == want, "admin %zu reads org %zu", a, o);
			snprintf(path, sizeof(path), "/v1/organisations/%s/clients", target->org_id);
			ck_assert_msg(status_of(admins[a], path) == want, "admin %zu lists the clients of org %zu", a, o);
			j = call(admins[a], "POST", path, "{\"name\":\"minted\",\"scope\":\"read\"}", &status);
			ck_assert_msg(status == (holds[a][o] ? 201 : 404), "admin %zu gives org %zu a client: %d", a, o,
				      status);
			char minted[40];
			snprintf(minted, sizeof(minted), "%s", str(j, "client_id"));
			json_decref(j);
			snprintf(path, sizeof(path), "/v1/organisations/%s", target->org_id);
			j = fixtures_call_json(&server, admins[a], "PATCH", path, "{\"name\":\"Renamed\"}", "If-Match: *\r\n",
					       &status);
			ck_assert_msg(status == want, "admin %zu changes org %zu: %d", a, o, status);
			json_decref(j);
			/* The target's own client, revoked by another département's
			 * administrator: 404, and it still works. */
			if (!holds[a][o]) {
				snprintf(path, sizeof(path), "/v1/clients/%s", target->client_id);
				j = call(admins[a], "DELETE", path, NULL, &status);
				expect(j, status, 404);
				json_decref(j);
				ck_assert_int_eq(status_of(target, "/v1/me"), 200);
			} else if (minted[0] != '\0') {
				snprintf(path, sizeof(path), "/v1/clients/%s", minted);
				j = call(admins[a], "DELETE", path, NULL, &status);
				expect(j, status, 204);
				json_decref(j);
			}
		}
	}
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
	tcase_add_test(tc, a_household_is_made_and_moved_in_its_maker_s_departements);
	tcase_add_test(tc, an_import_opens_files_in_the_importer_s_departements);
	tcase_add_test(tc, a_clil_s_name_is_unique_in_its_departement);
	tcase_add_test(tc, the_audit_log_follows_the_departement_of_what_it_records);
	tcase_add_test(tc, an_administrator_administers_its_own_departements);
	tcase_add_test(tc, a_91_event_is_written_for_the_91_recipients_only);
	tcase_add_test(tc, a_departement_s_lists_at_size);
	tcase_add_test(tc, a_landlord_s_lists_at_size);
	tcase_add_test(tc, a_landlord_s_lists_outside_its_departements);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
