/* Issue 16 end to end: erasure of a household (POST
 * /v1/households/{id}/erasure) and `prevex purge` applying the retention
 * rules. What is left is read through the API and, for the free text of
 * attached records, straight from the database. Each test makes its own
 * parties and households. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

/* Personal values the tests write; none may be left after an anonymisation. */
#define SECRETS "Peupliers|Dufresne|0611223344|famille-x@example\\.org|7654321|DOSSIER-HX|secret-"

/* Webhooks may point at the loopback address: a webhook of a partner
 * shows what it would be sent. */
static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), "PREVEX_WEBHOOK_ALLOW_LOOPBACK=1", "PREVEX_WEBHOOK_POLL_MS=50",
			      NULL };
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

static json_t *call_if(const struct party *p, const char *method, const char *path, const char *body, int version,
		       int *status)
{
	char headers[64];
	snprintf(headers, sizeof(headers), "If-Match: \"%d\"\r\n", version);
	return fixtures_call_json(&server, p, method, path, body, headers, status);
}

static void expect(const json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want,
		      json_string_value(json_object_get(j, "detail")));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

/* Sends and checks the status; copies the answer's id into id when given. */
static void send_ok(const struct party *p, const char *method, const char *path, const char *body, int want,
		    char *id)
{
	int status = 0;
	json_t *j = call(p, method, path, body, &status);
	expect(j, status, want, NULL);
	if (id != NULL)
		snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void expect_status(const struct party *p, const char *method, const char *path, const char *body, int want,
			  const char *field)
{
	int status = 0;
	json_t *j = call(p, method, path, body, &status);
	expect(j, status, want, field);
	json_decref(j);
}

/* A private-sector household with every personal member set, by p. */
static void household_full(const struct party *p, char *id)
{
	send_ok(p, "POST", "/v1/households",
		"{\"address\":{\"line\":\"12 rue des Peupliers\",\"postcode\":\"91100\",\"insee\":\"91174\"},"
		"\"sector\":\"private\",\"landlord\":{\"name\":\"M. Dufresne\",\"contact\":\"0611223344\"},"
		"\"occupants\":{\"adults\":2,\"children\":1},\"rent_cents\":61000,\"charges_cents\":9000,"
		"\"income_cents\":143000,\"housing_benefit\":{\"kind\":\"al\",\"paid_to\":\"tenant\"},"
		"\"caf_number\":\"7654321\",\"contact\":{\"phone\":\"0611223344\",\"email\":\"famille-x@example.org\"},"
		"\"vulnerability_notes\":\"secret-notes: parent isolé, maladie\"}",
		201, id);
}

/* A procedure on hh by the préfecture, with a payment order on day (under
 * the bailiff's reporting threshold: no referral opens); closed
 * by a debt settled on closed_on unless NULL. Its id into proc. */
static void procedure(const char *hh, const char *day, const char *closed_on, char *proc)
{
	char path[128], body[256];
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	send_ok(&admin, "POST", path, "{\"reference\":\"DOSSIER-HX-42\"}", 201, proc);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	snprintf(body, sizeof(body), "{\"kind\":\"payment_order\",\"date\":\"%s\",\"debt_cents\":30000,"
		 "\"rent_cents\":61000,\"months_unpaid\":1}", day);
	send_ok(&admin, "POST", path, body, 201, NULL);
	if (closed_on != NULL) {
		snprintf(body, sizeof(body), "{\"kind\":\"debt_settled\",\"date\":\"%s\"}", closed_on);
		send_ok(&admin, "POST", path, body, 201, NULL);
	}
}

/* A letter, a MASP measure (ended), an outreach case and its intervention
 * on hh, each with free text, dated in year. */
static void field_work(const struct party *dep, const struct party *team, const char *hh, int year)
{
	char body[512], id[40], path[128];
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"%d-03-06\",\"channel\":\"post\","
		 "\"answered\":true,\"answered_on\":\"%d-03-20\",\"outcomes\":[\"payment_resumed\",\"debt_settled\"],"
		 "\"note\":\"secret-letter: a appelé en pleurs\"}", hh, year, year);
	send_ok(&admin, "POST", "/v1/prevention-letters", body, 201, NULL);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"%d-01-09\",\"planned_end_on\":\"%d-12-31\",\"note\":\"secret-masp: dettes de jeu\"}",
		 hh, team->org_id, year, year);
	send_ok(dep, "POST", "/v1/masp", body, 201, id);
	snprintf(path, sizeof(path), "/v1/masp/%s", id);
	snprintf(body, sizeof(body), "{\"status\":\"completed\",\"end_on\":\"%d-11-30\"}", year);
	int status = 0;
	json_t *j = call_if(dep, "PATCH", path, body, 1, &status);
	expect(j, status, 200, NULL);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"opened_on\":\"%d-02-01\","
		 "\"note\":\"secret-case: voisin violent\"}", hh, team->org_id, year);
	send_ok(&admin, "POST", "/v1/outreach/cases", body, 201, id);
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s/interventions", id);
	snprintf(body, sizeof(body), "{\"kind\":\"home_visit\",\"date\":\"%d-02-10\",\"agent\":\"K. Diallo\","
		 "\"outcome\":\"secret-outcome: rencontré Mme\",\"note\":\"secret-visit: enfants seuls\"}", year);
	send_ok(team, "POST", path, body, 201, NULL);
}

/* How many rows of the household and of everything attached to it hold a
 * personal value the tests wrote. */
static int secrets_left(const char *hh)
{
	const char *params[] = { hh, SECRETS };
	char out[32];
	fixtures_sql_value(
		"SELECT count(*) FROM ("
		" SELECT to_jsonb(x)::text t FROM households x WHERE x.id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM procedures x WHERE x.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM diagnostics x WHERE x.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM referrals x WHERE x.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM opinions x JOIN referrals r ON r.id = x.referral_id"
		"  WHERE r.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM recommendations x JOIN referrals r ON r.id = x.referral_id"
		"  WHERE r.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM prevention_letters x WHERE x.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM masp_measures x WHERE x.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM outreach_cases x WHERE x.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM outreach_interventions x JOIN outreach_cases c ON c.id = x.case_id"
		"  WHERE c.household_id = $1"
		" UNION ALL SELECT to_jsonb(x)::text FROM feed_events x WHERE x.payload ->> 'household_id' = $1::text"
		") s WHERE s.t ~ $2",
		2, params, out, sizeof(out));
	return atoi(out);
}

static json_t *get_household(const struct party *p, const char *hh, int want)
{
	char path[96];
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, want, NULL);
	return j;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The household still carries everything household_full() gave it. */
static void assert_identified(const char *hh)
{
	json_t *j = get_household(&admin, hh, 200);
	ck_assert_str_eq(str(json_object_get(j, "address"), "line"), "12 rue des Peupliers");
	ck_assert_str_eq(str(json_object_get(j, "landlord"), "name"), "M. Dufresne");
	ck_assert_str_eq(str(j, "caf_number"), "7654321");
	ck_assert_str_eq(str(json_object_get(j, "contact"), "email"), "famille-x@example.org");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "income_cents")), 143000);
	ck_assert(json_is_null(json_object_get(j, "erased_at")));
	json_decref(j);
	ck_assert_int_gt(secrets_left(hh), 0);
}

/* The household answers anonymised: no name, address, contact, income or
 * note; its commune, rent and occupants kept. */
static void assert_anonymised(const char *hh)
{
	json_t *j = get_household(&admin, hh, 200);
	ck_assert_ptr_nonnull(str(j, "erased_at"));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "address"), "line")));
	ck_assert_str_eq(str(json_object_get(j, "address"), "insee"), "91174");
	ck_assert_str_eq(str(json_object_get(j, "commune"), "insee"), "91174");
	ck_assert(json_is_null(json_object_get(j, "landlord")));
	ck_assert(json_is_null(json_object_get(j, "caf_number")));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "contact"), "phone")));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "contact"), "email")));
	ck_assert(json_is_null(json_object_get(j, "income_cents")));
	ck_assert(json_is_null(json_object_get(j, "vulnerability_notes")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rent_cents")), 61000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "occupants"), "adults")), 2);
	json_decref(j);
	ck_assert_int_eq(secrets_left(hh), 0);
}

static void erasure_path(char *out, size_t len, const char *hh)
{
	snprintf(out, len, "/v1/households/%s/erasure", hh);
}

/* The household.erased events of hh in p's feed, from its start. */
static int erased_events(const struct party *p, const char *hh, json_t **last)
{
	char path[640] = "/v1/events?limit=500";
	int found = 0;
	for (int page = 0; page < 200; page++) {
		int status = 0;
		json_t *j = call(p, "GET", path, NULL, &status);
		expect(j, status, 200, NULL);
		json_t *items = json_object_get(j, "items"), *e;
		size_t i;
		json_array_foreach(items, i, e) {
			if (strcmp(str(e, "type"), "household.erased") != 0 ||
			    strcmp(str(json_object_get(e, "resource"), "id"), hh) != 0)
				continue;
			found++;
			if (last != NULL) {
				json_decref(*last);
				*last = json_incref(e);
			}
		}
		size_t n = json_array_size(items);
		const char *next = str(j, "next_cursor");
		if (n == 0 || next == NULL) {
			json_decref(j);
			break;
		}
		snprintf(path, sizeof(path), "/v1/events?limit=500&after=%s", next);
		json_decref(j);
	}
	return found;
}

/* Waits (10 s at most) for a delivery of a household.erased event on hh
 * to the webhook; true when one came. */
static bool webhook_told(const struct party *p, const char *webhook, const char *hh)
{
	char path[160];
	snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries", webhook);
	for (int tries = 0; tries < 100; tries++) {
		int status = 0;
		json_t *j = call(p, "GET", path, NULL, &status);
		expect(j, status, 200, NULL);
		json_t *d;
		size_t i;
		bool found = false;
		json_array_foreach(json_object_get(j, "items"), i, d)
			found = found || (strcmp(str(d, "event_type"), "household.erased") == 0 &&
					  strcmp(str(json_object_get(d, "resource"), "id"), hh) == 0);
		json_decref(j);
		if (found)
			return true;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

START_TEST(erasure_anonymises_everything_attached)
{
	fixtures_admin(&server, &admin);
	struct party dep, service, team, stranger;
	fixtures_party(&server, &admin, "departement", NULL, "read write admin", &dep);
	fixtures_party(&server, &admin, "social_service", NULL, NULL, &service);
	fixtures_party(&server, &admin, "association", NULL, NULL, &team);
	fixtures_party(&server, &admin, "social_service", NULL, NULL, &stranger);
	char hh[40], proc[40], diag[40], body[512], path[128];
	household_full(&admin, hh);
	procedure(hh, "2025-06-02", "2025-07-01", proc);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\"}", hh, service.org_id);
	send_ok(&dep, "POST", "/v1/diagnostics", body, 201, diag);
	snprintf(path, sizeof(path), "/v1/diagnostics/%s", diag);
	int status = 0;
	json_t *j = call_if(&dep, "PATCH", path, "{\"note\":\"secret-diag: dépression\"}", 1, &status);
	expect(j, status, 200, NULL);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"kind\":\"signalled\",\"household_id\":\"%s\","
		 "\"reason\":\"secret-referral: signalé par l'école\"}", hh);
	send_ok(&admin, "POST", "/v1/referrals", body, 201, NULL);
	field_work(&dep, &team, hh, 2025);
	assert_identified(hh);
	char webhook[40];
	send_ok(&service, "POST", "/v1/webhooks", "{\"url\":\"http://127.0.0.1:9/hook\"}", 201, webhook);

	erasure_path(path, sizeof(path), hh);
	j = call(&dep, "POST", path, "{\"reason\":\"  demande de la personne (art. 17), courrier reçu  \"}", &status);
	expect(j, status, 200, NULL);
	char erased_at[40];
	snprintf(erased_at, sizeof(erased_at), "%s", str(j, "erased_at"));
	ck_assert(json_is_null(json_object_get(json_object_get(j, "address"), "line")));
	json_decref(j);
	assert_anonymised(hh);
	/* Keys, dates and stages stay: the procedure still reads, with its acts. */
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	j = call(&admin, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(j, "status"), "closed");
	ck_assert(json_is_null(json_object_get(j, "reference")));
	json_decref(j);
	const char *params[] = { hh };
	char reason[600];
	fixtures_sql_value("SELECT erasure_cause || ':' || erasure_reason FROM households WHERE id = $1", 1, params,
			   reason, sizeof(reason));
	ck_assert_str_eq(reason, "erasure:demande de la personne (art. 17), courrier reçu");

	/* The partners hear of it, without personal data; others do not. */
	json_t *event = NULL;
	ck_assert_int_eq(erased_events(&service, hh, &event), 1);
	json_t *data = json_object_get(event, "data");
	ck_assert_int_eq(json_object_size(data), 3);
	ck_assert_str_eq(str(data, "household_id"), hh);
	ck_assert_str_eq(str(data, "cause"), "erasure");
	ck_assert_ptr_nonnull(str(data, "erased_at"));
	json_decref(event);
	ck_assert_int_eq(erased_events(&admin, hh, NULL), 1);
	ck_assert_int_eq(erased_events(&stranger, hh, NULL), 0);
	ck_assert(webhook_told(&service, webhook, hh));

	/* Erasing again changes nothing and answers the record. */
	erasure_path(path, sizeof(path), hh);
	j = call(&admin, "POST", path, "{\"reason\":\"again\"}", &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(j, "erased_at"), erased_at);
	json_decref(j);
	ck_assert_int_eq(erased_events(&service, hh, NULL), 1);
	fixtures_sql_value("SELECT erasure_reason FROM households WHERE id = $1", 1, params, reason, sizeof(reason));
	ck_assert_str_eq(reason, "demande de la personne (art. 17), courrier reçu");
	char audit[32];
	fixtures_sql_value("SELECT string_agg(outcome, ',' ORDER BY id) FROM audit_log"
			   " WHERE action = 'erase' AND resource_id = $1::text", 1, params, audit, sizeof(audit));
	ck_assert_str_eq(audit, "ok,already");

	/* An erased household takes no personal data any more. */
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	j = fixtures_call_json(&server, &admin, "PATCH", path, "{\"contact\":{\"phone\":\"0611223344\"}}",
			       "If-Match: *\r\n", &status);
	ck_assert_int_eq(status, 409);
	ck_assert_str_eq(str(j, "code"), "household-erased");
	json_decref(j);
	ck_assert_int_eq(secrets_left(hh), 0);
}
END_TEST

START_TEST(erasure_refused_while_a_procedure_is_open)
{
	fixtures_admin(&server, &admin);
	char hh[40], proc[40], path[128];
	household_full(&admin, hh);
	procedure(hh, "2026-10-05", NULL, proc);
	erasure_path(path, sizeof(path), hh);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &admin, "POST", path, "{\"reason\":\"demande\"}", NULL, &resp), 409);
	ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
	char link[128];
	snprintf(link, sizeof(link), "</v1/procedures/%s>; rel=\"related\"", proc);
	ck_assert_str_eq(http_response_header(&resp, "Link"), link);
	json_t *j = harness_json(&resp);
	ck_assert_str_eq(str(j, "procedure_id"), proc);
	ck_assert_str_eq(str(j, "conflicting_id"), proc);
	ck_assert_str_eq(str(j, "code"), "household-still-followed");
	ck_assert_ptr_nonnull(strstr(str(j, "detail"), proc));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 409);
	json_decref(j);
	http_response_free(&resp);
	assert_identified(hh);
	ck_assert_int_eq(erased_events(&admin, hh, NULL), 0);
}
END_TEST

START_TEST(erasure_only_by_authorities_administrators)
{
	fixtures_admin(&server, &admin);
	struct party pref, dep, bailiff, landlord;
	fixtures_party(&server, &admin, "prefecture", NULL, NULL, &pref);
	fixtures_party(&server, &admin, "departement", NULL, NULL, &dep);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char hh[40], own[40], path[128];
	household_full(&admin, hh);
	erasure_path(path, sizeof(path), hh);
	const char *body = "{\"reason\":\"demande\"}";
	/* Without the admin scope, the authorities may read it but not erase it. */
	expect_status(&pref, "POST", path, body, 403, NULL);
	expect_status(&dep, "POST", path, body, 403, NULL);
	/* A partner that cannot see it is told nothing. */
	expect_status(&landlord, "POST", path, body, 404, NULL);
	expect_status(&bailiff, "POST", path, body, 404, NULL);
	/* One that can see it (its filer) may not erase it. */
	send_ok(&bailiff, "POST", "/v1/households",
		"{\"address\":{\"line\":\"4 rue Feray\",\"postcode\":\"91100\",\"insee\":\"91174\"},\"sector\":\"private\"}",
		201, own);
	erasure_path(path, sizeof(path), own);
	expect_status(&bailiff, "POST", path, body, 403, NULL);
	expect_status(&admin, "POST", "/v1/households/00000000-0000-0000-0000-000000000000/erasure", body, 404, NULL);
	expect_status(&admin, "POST", "/v1/households/not-a-uuid/erasure", body, 404, NULL);
	expect_status(NULL, "POST", path, body, 401, NULL);
	assert_identified(hh);
}
END_TEST

START_TEST(erasure_reason_is_checked)
{
	fixtures_admin(&server, &admin);
	char hh[40], path[128];
	household_full(&admin, hh);
	erasure_path(path, sizeof(path), hh);
	static const char *const bad[] = {
		"{}", "{\"reason\":\"\"}", "{\"reason\":\"   \"}", "{\"reason\":null}", "{\"reason\":42}",
		"{\"reason\":\"ok\",\"extra\":1}", "{\"reason\":\"a\\u0000b\"}", "{\"reason\":\"a\\u0007b\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = 0;
		json_t *j = call(&admin, "POST", path, bad[i], &status);
		ck_assert_msg(status == 400, "%s answered %d", bad[i], status);
		json_decref(j);
	}
	expect_status(&admin, "POST", path, "[\"reason\"]", 400, NULL);
	/* 500 characters at most, counted as characters (é is two bytes). */
	char body[2200];
	int n = snprintf(body, sizeof(body), "{\"reason\":\"");
	for (int i = 0; i < 501; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "é");
	snprintf(body + n, sizeof(body) - (size_t)n, "\"}");
	expect_status(&admin, "POST", path, body, 400, "reason");
	assert_identified(hh);
	/* One less is accepted. */
	memmove(body + n - 2, body + n, 3);
	expect_status(&admin, "POST", path, body, 200, NULL);
	assert_anonymised(hh);
}
END_TEST

/* The key figures of year and the acts of every year, as text. */
static char *figures(int year)
{
	char path[96];
	snprintf(path, sizeof(path), "/v1/stats/key-figures?year=%d", year);
	int status = 0;
	json_t *j = call(&admin, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	char *text = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

static char *acts(void)
{
	int status = 0;
	json_t *j = call(&admin, "GET", "/v1/stats/acts?from=2020-01-01&to=2026-12-31&by=year", NULL, &status);
	expect(j, status, 200, NULL);
	char *text = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

/* Moves every time the household and its records were written 3 years
 * back, as if nothing had happened on it since. */
static void age(const char *hh)
{
	const char *params[] = { hh };
	char out[16];
	fixtures_sql_value(
		"WITH h AS (UPDATE households SET created_at = created_at - interval '3 years',"
		"  updated_at = updated_at - interval '3 years' WHERE id = $1 RETURNING 1),"
		" p AS (UPDATE procedures SET created_at = created_at - interval '3 years',"
		"  updated_at = updated_at - interval '3 years' WHERE household_id = $1),"
		" l AS (UPDATE prevention_letters SET created_at = created_at - interval '3 years',"
		"  updated_at = updated_at - interval '3 years' WHERE household_id = $1),"
		" m AS (UPDATE masp_measures SET created_at = created_at - interval '3 years',"
		"  updated_at = updated_at - interval '3 years' WHERE household_id = $1),"
		" c AS (UPDATE outreach_cases SET created_at = created_at - interval '3 years',"
		"  updated_at = updated_at - interval '3 years' WHERE household_id = $1),"
		" i AS (UPDATE outreach_interventions SET created_at = created_at - interval '3 years',"
		"  updated_at = updated_at - interval '3 years'"
		"  WHERE case_id IN (SELECT id FROM outreach_cases WHERE household_id = $1))"
		" SELECT count(*) FROM h",
		1, params, out, sizeof(out));
	ck_assert_str_eq(out, "1");
}

/* A CAF signal that matches no household, dated day; its id into id. */
static void unmatched_signal(const struct party *caf, const char *day, char *id)
{
	char sfx[16], body[512];
	fixtures_suffix(sfx, sizeof(sfx));
	for (char *c = sfx; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	snprintf(body, sizeof(body),
		 "{\"external_id\":\"ret-%s\",\"caf_number\":\"U%s\",\"address\":{\"line\":\"9 impasse %s\","
		 "\"postcode\":\"91000\",\"insee\":\"91228\"},\"debt_cents\":50000,\"months_unpaid\":1,"
		 "\"benefit_status\":\"kept\",\"paid_to_landlord\":false,\"date\":\"%s\"}", sfx, sfx, sfx, day);
	int status = 0;
	json_t *j = call(caf, "POST", "/v1/caf-signals", body, &status);
	ck_assert_msg(status == 200 || status == 201, "POST /v1/caf-signals answered %d", status);
	ck_assert_str_eq(str(j, "match"), "unmatched");
	snprintf(id, 40, "%s", str(j, "id"));
	json_decref(j);
}

static int signals_with_id(const char *id)
{
	const char *params[] = { id };
	char n[16];
	fixtures_sql_value("SELECT count(*) FROM caf_signals WHERE id = $1", 1, params, n, sizeof(n));
	return atoi(n);
}

static char *household_state(const char *hh)
{
	const char *params[] = { hh };
	char out[128];
	fixtures_sql_value("SELECT version || ':' || updated_at || ':' || coalesce(erased_at::text, '-')"
			   " FROM households WHERE id = $1", 1, params, out, sizeof(out));
	return strdup(out);
}

/* A batch size that walks the households of the database in about twenty
 * batches, whether the test runs alone or after the demo data is loaded:
 * several batches, never thousands. */
static int batch_for_twenty(void)
{
	char n[32];
	fixtures_sql_value("SELECT count(*) FROM households WHERE erased_at IS NULL", 0, NULL, n, sizeof(n));
	int batch = atoi(n) / 20;
	return batch < 3 ? 3 : batch > 5000 ? 5000 : batch;
}

START_TEST(purge_anonymises_households_past_their_term)
{
	fixtures_admin(&server, &admin);
	struct party dep, team, caf;
	fixtures_party(&server, &admin, "departement", NULL, NULL, &dep);
	fixtures_party(&server, &admin, "association", NULL, NULL, &team);
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	char old[40], followed[40], recent[40], proc[40], old_signal[40], new_signal[40];
	household_full(&admin, old);
	procedure(old, "2023-03-01", "2023-05-02", proc);
	field_work(&dep, &team, old, 2023);
	household_full(&admin, followed);
	procedure(followed, "2023-03-01", NULL, proc);
	household_full(&admin, recent);
	field_work(&dep, &team, recent, 2024);
	age(old);
	age(followed);
	unmatched_signal(&caf, "2023-04-03", old_signal);
	unmatched_signal(&caf, "2026-10-01", new_signal);
	const char *signal_params[] = { old_signal };
	char aged[16];
	fixtures_sql_value("WITH s AS (UPDATE caf_signals SET created_at = created_at - interval '3 years',"
			   " updated_at = updated_at - interval '3 years' WHERE id = $1 RETURNING 1) SELECT count(*) FROM s",
			   1, signal_params, aged, sizeof(aged));
	ck_assert_str_eq(aged, "1");

	char *before[4] = { figures(2023), figures(2024), figures(2026), acts() };
	char *followed_before = household_state(followed), *recent_before = household_state(recent);

	/* A dry run says what it would do and changes nothing. */
	int batch = batch_for_twenty();
	char args[64];
	snprintf(args, sizeof(args), "purge --dry-run --batch %d", batch);
	char *out = fixtures_prevex(args);
	ck_assert_msg(strstr(out, "would anonymise ") != NULL && strstr(out, "would anonymise 0 ") == NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "dry run: nothing was changed"));
	free(out);
	assert_identified(old);
	ck_assert_int_eq(signals_with_id(old_signal), 1);

	snprintf(args, sizeof(args), "purge --batch %d", batch);
	out = fixtures_prevex(args);
	ck_assert_msg(strstr(out, "anonymised ") != NULL && strstr(out, "\nanonymised 0 ") == NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "households: batch "));
	free(out);
	assert_anonymised(old);
	ck_assert_int_eq(signals_with_id(old_signal), 0);
	ck_assert_int_eq(signals_with_id(new_signal), 1);
	assert_identified(followed);
	assert_identified(recent);
	char *s = household_state(followed);
	ck_assert_str_eq(s, followed_before);
	free(s);
	s = household_state(recent);
	ck_assert_str_eq(s, recent_before);
	free(s);

	/* The key figures of every year are what they were. */
	char *after[4] = { figures(2023), figures(2024), figures(2026), acts() };
	for (int i = 0; i < 4; i++) {
		ck_assert_str_eq(after[i], before[i]);
		free(after[i]);
	}

	const char *params[] = { old };
	char n[32];
	fixtures_sql_value("SELECT count(*) FROM audit_log WHERE action = 'anonymise' AND resource_id = $1::text", 1,
			   params, n, sizeof(n));
	ck_assert_str_eq(n, "1");
	fixtures_sql_value("SELECT count(*) FROM feed_events WHERE type = 'household.erased' AND resource_id = $1"
			   " AND payload ->> 'cause' = 'retention'", 1, params, n, sizeof(n));
	ck_assert_int_gt(atoi(n), 0);

	/* A second run finds nothing to do and changes nothing. */
	char *state = household_state(old);
	out = fixtures_prevex("purge");
	ck_assert_msg(strstr(out, "\nanonymised 0 ") != NULL || strncmp(out, "anonymised 0 ", 13) == 0, "%s", out);
	free(out);
	s = household_state(old);
	ck_assert_str_eq(s, state);
	free(s);
	free(state);
	for (int i = 0; i < 4; i++) {
		char *again = i == 3 ? acts() : figures(i == 0 ? 2023 : i == 1 ? 2024 : 2026);
		ck_assert_str_eq(again, before[i]);
		free(again);
		free(before[i]);
	}
	free(followed_before);
	free(recent_before);
}
END_TEST

/* A household a request holds is left for the next run: the purge does
 * not wait for it, and takes it once it is free. */
START_TEST(purge_skips_households_in_use)
{
	fixtures_admin(&server, &admin);
	char hh[40];
	household_full(&admin, hh);
	age(hh);
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	const char *params[] = { hh };
	PGresult *res = PQexec(conn, "BEGIN");
	PQclear(res);
	res = PQexecParams(conn, "SELECT 1 FROM households WHERE id = $1 FOR NO KEY UPDATE", 1, NULL, params, NULL,
			   NULL, 0);
	ck_assert_int_eq(PQntuples(res), 1);
	PQclear(res);
	free(fixtures_prevex("purge"));
	assert_identified(hh);
	res = PQexec(conn, "ROLLBACK");
	PQclear(res);
	PQfinish(conn);
	free(fixtures_prevex("purge"));
	assert_anonymised(hh);
}
END_TEST

START_TEST(purge_refuses_unknown_options)
{
	char out[1024];
	ck_assert_int_ne(fixtures_prevex_status("purge --dry-rum", out, sizeof(out)), 0);
	ck_assert_int_ne(fixtures_prevex_status("purge --batch 0", out, sizeof(out)), 0);
}
END_TEST

START_TEST(retention_rules_are_listed)
{
	fixtures_admin(&server, &admin);
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	int status = 0;
	json_t *j = call(&admin, "GET", "/v1/retention-rules", NULL, &status);
	expect(j, status, 200, NULL);
	json_t *items = json_object_get(j, "items"), *r;
	size_t i;
	bool household = false;
	json_array_foreach(items, i, r) {
		ck_assert_ptr_nonnull(str(r, "basis"));
		ck_assert_ptr_nonnull(str(r, "starts"));
		if (strcmp(str(r, "record"), "household") == 0) {
			household = true;
			ck_assert_str_eq(str(r, "term"), "P24M");
			ck_assert_str_eq(str(r, "action"), "anonymise");
		}
	}
	ck_assert(household);
	json_decref(j);
	expect_status(&landlord, "GET", "/v1/retention-rules", NULL, 403, NULL);
	expect_status(NULL, "GET", "/v1/retention-rules", NULL, 401, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("retention");
	TCase *tc = tcase_create("retention");
	tcase_set_timeout(tc, 240);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, erasure_anonymises_everything_attached);
	tcase_add_test(tc, erasure_refused_while_a_procedure_is_open);
	tcase_add_test(tc, erasure_only_by_authorities_administrators);
	tcase_add_test(tc, erasure_reason_is_checked);
	tcase_add_test(tc, purge_anonymises_households_past_their_term);
	tcase_add_test(tc, purge_skips_households_in_use);
	tcase_add_test(tc, purge_refuses_unknown_options);
	tcase_add_test(tc, retention_rules_are_listed);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
