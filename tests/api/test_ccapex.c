/* Issue 5 end to end: referrals, commissions and their agenda, opinions and
 * recommendations, CLILs and their letters, and a week of the operational
 * CCAPEX in which each organisation sees exactly its share. Each test makes
 * its own parties and households. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* Sends and checks the status (and field); frees the answer. */
static void send_expect(const struct party *p, const char *method, const char *path, const char *body,
			const char *headers, int want, const char *field)
{
	int status = 0;
	json_t *j = call(p, method, path, body, headers, &status);
	expect(j, status, want, field);
	json_decref(j);
}

/* Sends, expects want and copies the member "id" (when out is not NULL). */
static void create(const struct party *p, const char *path, const char *body, int want, char *out)
{
	int status = 0;
	json_t *j = call(p, "POST", path, body, NULL, &status);
	expect(j, status, want, NULL);
	if (out != NULL)
		snprintf(out, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void household(const struct party *p, const char *insee, const char *sector, const char *landlord,
		      const char *line, char *id)
{
	char body[1024], extra[128] = "";
	if (landlord != NULL)
		snprintf(extra, sizeof(extra), ",\"landlord\":{\"organisation_id\":\"%s\"}", landlord);
	json_t *l = json_string(line);
	char *line_json = json_dumps(l, JSON_ENCODE_ANY);
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":%s,\"postcode\":\"91000\",\"insee\":\"%s\"},\"sector\":\"%s\","
		 "%s\"rent_cents\":60000%s}", line_json, insee, sector,
		 /* A bailiff records no occupants. */
		 strcmp(p->kind, "bailiff") == 0 ? "" : "\"occupants\":{\"adults\":1,\"children\":1},", extra);
	free(line_json);
	json_decref(l);
	create(p, "/v1/households", body, 201, id);
}

static void referral(const struct party *p, const char *kind, const char *hh, const char *extra, char *id)
{
	char body[1024];
	snprintf(body, sizeof(body), "{\"kind\":\"%s\",\"household_id\":\"%s\",\"debt_cents\":240000,"
		 "\"months_unpaid\":4%s}", kind, hh, extra ? extra : "");
	create(p, "/v1/referrals", body, 201, id);
}

/* The resource's current ETag, as an If-Match header. */
static void if_match(const struct party *p, const char *path, char *out, size_t len)
{
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, p, "GET", path, NULL, NULL, &resp), 200);
	snprintf(out, len, "If-Match: %s\r\n", http_response_header(&resp, "ETag"));
	http_response_free(&resp);
}

static void patch(const struct party *p, const char *path, const char *body, int want, const char *field)
{
	char h[64];
	if_match(&admin, path, h, sizeof(h));
	send_expect(p, "PATCH", path, body, h, want, field);
}

static void admit(const char *referral_id)
{
	char path[96];
	snprintf(path, sizeof(path), "/v1/referrals/%s", referral_id);
	patch(&admin, path, "{\"status\":\"admissible\"}", 200, NULL);
}

static void commission(const char *level, const char *clil, const char *date, const char *extra, char *id)
{
	char body[4096];
	snprintf(body, sizeof(body), "{\"level\":\"%s\",\"date\":\"%s\"%s%s%s%s}", level, date,
		 clil ? ",\"clil_id\":\"" : "", clil ? clil : "", clil ? "\"" : "", extra ? extra : "");
	create(&admin, "/v1/commissions", body, 201, id);
}

/* The session's ETag as an If-Match header: its agenda changes with it. */
static void session_if_match(const char *commission_id, char *out, size_t len)
{
	char path[96];
	snprintf(path, sizeof(path), "/v1/commissions/%s", commission_id);
	if_match(&admin, path, out, len);
}

static void agenda_add(const char *commission_id, const char *referral_id, int want, const char *field)
{
	char path[96], body[96], h[64];
	snprintf(path, sizeof(path), "/v1/commissions/%s/agenda", commission_id);
	snprintf(body, sizeof(body), "{\"referral_id\":\"%s\"}", referral_id);
	session_if_match(commission_id, h, sizeof(h));
	send_expect(&admin, "POST", path, body, h, want, field);
}

static void session_status(const char *commission_id, const char *status)
{
	char path[96], body[64];
	snprintf(path, sizeof(path), "/v1/commissions/%s", commission_id);
	snprintf(body, sizeof(body), "{\"status\":\"%s\"}", status);
	patch(&admin, path, body, 200, NULL);
}

/* If-Match with the version of the opinion the session gave on the
 * referral, or "" when it gave none yet. */
static void opinion_if_match(const char *commission_id, const char *referral_id, char *out, size_t len)
{
	char path[96];
	out[0] = '\0';
	snprintf(path, sizeof(path), "/v1/referrals/%s", referral_id);
	int status = 0;
	json_t *j = call(&admin, "GET", path, NULL, NULL, &status);
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(j, "opinions"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "commission_id")), commission_id) == 0)
			snprintf(out, len, "If-Match: \"%lld\"\r\n",
				 (long long)json_integer_value(json_object_get(o, "version")));
	json_decref(j);
}

static void opinion(const char *commission_id, const char *referral_id, const char *body, int want, const char *field)
{
	char path[128], h[64];
	snprintf(path, sizeof(path), "/v1/commissions/%s/opinions/%s", commission_id, referral_id);
	opinion_if_match(commission_id, referral_id, h, sizeof(h));
	send_expect(&admin, "PUT", path, body, h[0] ? h : NULL, want, field);
}

static json_t *get(const struct party *p, const char *path, int want)
{
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, NULL, &status);
	expect(j, status, want, NULL);
	return j;
}

static json_t *get_referral(const struct party *p, const char *id, int want)
{
	char path[96];
	snprintf(path, sizeof(path), "/v1/referrals/%s", id);
	return get(p, path, want);
}

static bool list_has(const json_t *page, const char *id)
{
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(page, "items"), i, item)
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
			return true;
	return false;
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

START_TEST(referrals_are_checked)
{
	fixtures_admin(&server, &admin);
	struct party sl, other;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other);
	char hh[40], hidden[40], r1[40], r2[40], body[512], path[128];
	household(&sl, "91228", "social", sl.org_id, "3 rue des Lilas", hh);
	household(&other, "91228", "social", other.org_id, "4 rue des Lilas", hidden);

	referral(&sl, "social_landlord", hh, NULL, r1);
	json_t *j = get_referral(&sl, r1, 200);
	ck_assert_str_eq(str(j, "status"), "received");
	ck_assert_str_eq(str(json_object_get(j, "commune"), "insee"), "91228");
	ck_assert_str_eq(str(json_object_get(j, "epci"), "siren"), "200059228");
	ck_assert(json_is_true(json_object_get(json_object_get(j, "landlord_notice"), "late")) == false);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "history"), 0), "step"), "received");
	json_decref(j);

	/* A second open referral: 409 with a link to the open one. */
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\"}", hh);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &sl, "POST", "/v1/referrals", body, NULL, &resp), 409);
	char link[128];
	snprintf(link, sizeof(link), "</v1/referrals/%s>; rel=\"related\"", r1);
	ck_assert_str_eq(http_response_header(&resp, "Link"), link);
	j = harness_json(&resp);
	ck_assert_str_eq(fixtures_problem_at(j), "household_id");
	ck_assert_ptr_nonnull(strstr(str(j, "detail"), r1));
	/* The business reason and the open referral's id, for programs. */
	ck_assert_str_eq(str(j, "code"), "referral-already-open");
	ck_assert_str_eq(str(j, "type"), "/problems/referral-already-open");
	ck_assert_str_eq(str(j, "conflicting_id"), r1);
	json_decref(j);
	http_response_free(&resp);

	/* Bad input names the field. */
	snprintf(body, sizeof(body), "{\"kind\":\"tenant\",\"household_id\":\"%s\"}", hh);
	send_expect(&sl, "POST", "/v1/referrals", body, NULL, 400, "kind");
	snprintf(body, sizeof(body), "{\"kind\":\"private_landlord\",\"household_id\":\"%s\"}", hh);
	send_expect(&sl, "POST", "/v1/referrals", body, NULL, 422, "kind");
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\",\"status\":\"admissible\"}", hh);
	send_expect(&sl, "POST", "/v1/referrals", body, NULL, 400, "status");
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\"}", hidden);
	send_expect(&sl, "POST", "/v1/referrals", body, NULL, 422, "household_id");
	send_expect(&sl, "POST", "/v1/referrals",
		    "{\"kind\":\"social_landlord\",\"household_id\":\"00000000-0000-4000-8000-000000000000\"}", NULL, 422,
		    "household_id");
	send_expect(&sl, "POST", "/v1/referrals", "{\"kind\":\"social_landlord\",\"household_id\":\"x\"}", NULL, 400,
		    "household_id");
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\",\"debt_cents\":-1}", hidden);
	send_expect(&other, "POST", "/v1/referrals", body, NULL, 400, "debt_cents");
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\",\"summons_on\":\"9999-12-31\"}",
		 hidden);
	send_expect(&other, "POST", "/v1/referrals", body, NULL, 400, "summons_on");
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\",\"reason\":\"a\\u0000b\"}",
		 hidden);
	send_expect(&other, "POST", "/v1/referrals", body, NULL, 400, NULL);
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\",\"reason\":\"a\\u0085b\"}",
		 hidden);
	send_expect(&other, "POST", "/v1/referrals", body, NULL, 400, "reason");

	/* The other landlord does not see the referral; the secretariat handles it. */
	j = get_referral(&other, r1, 404);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/referrals/%s", r1);
	send_expect(&sl, "PATCH", path, "{\"status\":\"admissible\"}", "If-Match: \"1\"\r\n", 403, NULL);
	send_expect(&admin, "PATCH", path, "{\"status\":\"admissible\"}", NULL, 428, "If-Match");
	patch(&admin, path, "{\"status\":\"inadmissible\"}", 422, "inadmissible_reason");
	patch(&admin, path, "{\"status\":\"scheduled\"}", 422, "status");
	patch(&admin, path, "{\"status\":\"inadmissible\",\"inadmissible_reason\":\"  \"}", 400, "inadmissible_reason");
	patch(&admin, path, "{\"status\":\"inadmissible\",\"inadmissible_reason\":\" dette soldée \"}", 200, NULL);
	patch(&admin, path, "{\"status\":\"admissible\"}", 409, "status");
	j = get_referral(&sl, r1, 200);
	ck_assert_str_eq(str(j, "inadmissible_reason"), "dette soldée");
	json_decref(j);

	/* Rectification (GDPR art. 16): the secretariat corrects the referral's
	 * reason, or erases it; the referrer reads the correction. */
	patch(&admin, path, "{\"reason\":\"  \"}", 400, "reason");
	patch(&sl, path, "{\"reason\":\"Loyer impayé depuis mars\"}", 403, NULL);
	patch(&admin, path, "{\"reason\":\" Loyer impayé depuis mars \"}", 200, NULL);
	j = get_referral(&sl, r1, 200);
	ck_assert_str_eq(str(j, "reason"), "Loyer impayé depuis mars");
	ck_assert_str_eq(str(j, "status"), "inadmissible");
	json_decref(j);
	patch(&admin, path, "{\"reason\":null}", 200, NULL);
	j = get_referral(&sl, r1, 200);
	ck_assert(str(j, "reason") == NULL);
	json_decref(j);

	/* No longer open: a new referral may come. */
	referral(&sl, "social_landlord", hh, NULL, r2);
	ck_assert_str_ne(r1, r2);
}
END_TEST

START_TEST(late_landlord_referral_is_flagged)
{
	fixtures_admin(&server, &admin);
	struct party bailiff, sl, pl;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &pl);
	char hh[40], proc[40], path[128], r[40], hh2[40], r2[40], extra[128];
	household(&bailiff, "91174", "social", sl.org_id, "8 rue Feray", hh);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	create(&bailiff, path, "{\"reference\":\"CJ-2025-77\"}", 201, proc);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	/* A small payment order: no bailiff's report. */
	create(&bailiff, path, "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":30000,"
			       "\"rent_cents\":60000,\"months_unpaid\":1}", 201, NULL);
	create(&bailiff, path, "{\"kind\":\"summons\",\"date\":\"2025-11-03\",\"hearing_on\":\"2026-01-20\","
			       "\"court\":\"Tribunal judiciaire d'Évry\",\"prefet_notified_on\":\"2025-11-04\"}", 201, NULL);
	snprintf(extra, sizeof(extra), ",\"procedure_id\":\"%s\"", proc);
	referral(&sl, "social_landlord", hh, extra, r);
	json_t *j = get_referral(&sl, r, 200);
	json_t *notice = json_object_get(j, "landlord_notice");
	ck_assert_str_eq(str(notice, "summons_on"), "2025-11-03");
	ck_assert_str_eq(str(notice, "latest_referral_on"), "2025-09-03");
	ck_assert(json_is_true(json_object_get(notice, "late")));
	json_decref(j);

	/* A legal-entity private landlord before a distant summons (next year,
	 * within the window of hearing dates): on time. */
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char summons[80], latest[24];
	snprintf(summons, sizeof(summons), ",\"legal_entity\":true,\"summons_on\":\"%d-06-01\"", tm.tm_year + 1901);
	snprintf(latest, sizeof(latest), "%d-04-01", tm.tm_year + 1901);
	household(&pl, "91477", "private", pl.org_id, "1 rue de Paris", hh2);
	referral(&pl, "private_landlord", hh2, summons, r2);
	j = get_referral(&pl, r2, 200);
	notice = json_object_get(j, "landlord_notice");
	ck_assert_str_eq(str(notice, "latest_referral_on"), latest);
	ck_assert(json_is_false(json_object_get(notice, "late")));
	json_decref(j);
}
END_TEST

/* The judged scenario: a week of the operational CCAPEX. */
START_TEST(a_week_of_the_operational_ccapex)
{
	fixtures_admin(&server, &admin);
	struct party dept, sl, pl, ss, asso;
	fixtures_party(&server, &admin, "departement", NULL, NULL, &dept);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &pl);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91228\"]}", NULL, &ss);
	fixtures_party(&server, &admin, "association", NULL, NULL, &asso);
	char h1[40], h2[40], h3[40], h4[40], r1[40], r2[40], r3[40], r4[40], k[40], path[256], body[1024];

	/* Monday: landlords and partners refer cases. */
	household(&sl, "91477", "social", sl.org_id, "12 avenue de Stalingrad", h1);
	household(&pl, "91477", "private", pl.org_id, "2 rue de la Gare", h2);
	household(&ss, "91228", "private", NULL, "7 allée des Champs", h3);
	household(&admin, "91021", "social", NULL, "1 place de l'Église", h4);
	referral(&sl, "social_landlord", h1, ",\"reason\":\"impayés depuis quatre mois\"", r1);
	referral(&pl, "private_landlord", h2, ",\"legal_entity\":true", r2);
	referral(&ss, "signalled", h3, ",\"reason\":\"parent isolé, perte d'emploi\",\"complex\":true", r3);
	referral(&admin, "signalled", h4, NULL, r4);

	/* Tuesday: the secretariat (département) admits them and builds the agenda. */
	const char *all[] = { r1, r2, r3, r4 };
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/v1/referrals/%s", all[i]);
		char h[64];
		if_match(&dept, path, h, sizeof(h));
		send_expect(&dept, "PATCH", path, "{\"status\":\"admissible\"}", h, 200, NULL);
	}
	snprintf(body, sizeof(body), ",\"time\":\"14:00\",\"place\":\"Préfecture, salle 3\","
		 "\"territory\":{\"epcis\":[\"200059228\",\"200056232\"]},\"chair_org_ids\":[\"%s\",\"%s\"],"
		 "\"invited_org_ids\":[\"%s\",\"%s\"]", admin.org_id, dept.org_id, sl.org_id, ss.org_id);
	commission("operational", NULL, "2026-12-03", body, k);
	send_expect(&sl, "POST", "/v1/commissions", "{\"level\":\"operational\",\"date\":\"2026-12-03\"}", NULL, 403, NULL);
	send_expect(&admin, "POST", "/v1/commissions", "{\"level\":\"weekly\",\"date\":\"2026-12-03\"}", NULL, 400,
		    "level");
	send_expect(&admin, "POST", "/v1/commissions",
		    "{\"level\":\"operational\",\"date\":\"2026-12-03\",\"chair_org_ids\":[\"00000000-0000-4000-8000-000000000001\"]}",
		    NULL, 422, "chair_org_ids");
	/* Issue 13: a session date out of its window, a blank place. */
	send_expect(&admin, "POST", "/v1/commissions", "{\"level\":\"operational\",\"date\":\"0001-01-01\"}", NULL, 400,
		    "date");
	send_expect(&admin, "POST", "/v1/commissions", "{\"level\":\"operational\",\"date\":\"9999-12-31\"}", NULL, 400,
		    "date");
	send_expect(&admin, "POST", "/v1/commissions",
		    "{\"level\":\"operational\",\"date\":\"2026-12-03\",\"place\":\" \\u00a0 \"}", NULL, 400, "place");
	send_expect(&admin, "GET", "/v1/commissions?from=0001-01-01", NULL, NULL, 400, "from");
	agenda_add(k, r1, 201, NULL);
	agenda_add(k, r2, 201, NULL);
	agenda_add(k, r3, 201, NULL);
	agenda_add(k, r1, 409, "referral_id");
	snprintf(path, sizeof(path), "/v1/commissions/%s/agenda/%s", k, r2);
	/* The agenda changes with the session's ETag, as the session does. */
	char stale[64], fresh[64];
	session_if_match(k, stale, sizeof(stale));
	send_expect(&admin, "DELETE", path, NULL, NULL, 428, "If-Match");
	send_expect(&admin, "DELETE", path, NULL, "If-Match: \"999\"\r\n", 412, "If-Match");
	send_expect(&admin, "DELETE", path, NULL, stale, 204, NULL);
	send_expect(&admin, "DELETE", path, NULL, stale, 412, "If-Match");
	session_if_match(k, fresh, sizeof(fresh));
	ck_assert_str_ne(fresh, stale);
	send_expect(&admin, "DELETE", path, NULL, fresh, 404, NULL);
	snprintf(body, sizeof(body), "{\"referral_id\":\"%s\"}", r2);
	snprintf(path, sizeof(path), "/v1/commissions/%s/agenda", k);
	send_expect(&admin, "POST", path, body, NULL, 428, "If-Match");
	send_expect(&admin, "POST", path, body, "If-Match: *\r\n", 201, NULL);
	snprintf(path, sizeof(path), "/v1/commissions/%s/agenda/%s", k, r2);
	send_expect(&admin, "DELETE", path, NULL, "If-Match: *\r\n", 204, NULL);
	agenda_add(k, r2, 201, NULL);
	/* A referral sits on at most one open agenda. */
	char k2[40];
	commission("operational", NULL, "2026-12-10", NULL, k2);
	agenda_add(k2, r1, 409, "referral_id");

	/* Thursday: the session starts; the agenda is frozen. */
	session_status(k, "in_session");
	agenda_add(k, r4, 409, NULL);
	snprintf(body, sizeof(body),
		 "{\"summary\":\"Reprise du loyer courant, dette de 2 400 €.\","
		 "\"decisions\":[\"keep_with_payment_plan\",\"fsl_aid\"],"
		 "\"recommendations\":[{\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan d'apurement sur 24 mois\","
		 "\"due_on\":\"2026-12-31\"},{\"addressee_org_id\":\"%s\",\"text\":\"Instruire une aide FSL\","
		 "\"due_on\":\"2027-01-15\"}]}", sl.org_id, dept.org_id);
	opinion(k, r1, body, 201, NULL);
	snprintf(body, sizeof(body),
		 "{\"summary\":\"Situation de grande fragilité, accompagnement nécessaire.\","
		 "\"decisions\":[\"masp\",\"temporary_housing\"],"
		 "\"recommendations\":[{\"addressee_org_id\":\"%s\",\"text\":\"Proposer un logement temporaire\","
		 "\"due_on\":\"2027-01-31\"}]}", asso.org_id);
	opinion(k, r3, body, 201, NULL);
	/* Bad opinions. */
	opinion(k, r4, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", 422, "referral_id");
	opinion(k, r2, "{\"summary\":\"x\",\"decisions\":[\"eviction\"]}", 400, "decisions[0]");
	opinion(k, r2, "{\"summary\":\"x\",\"decisions\":[\"housing_benefit_kept\"]}", 422, "decisions[0]");
	opinion(k, r2, "{\"summary\":\"x\",\"decisions\":[\"masp\"],\"recommendations\":[{\"addressee_org_id\":"
		       "\"00000000-0000-4000-8000-000000000002\",\"text\":\"t\",\"due_on\":\"2026-12-31\"}]}",
		422, "recommendations[0].addressee_org_id");
	opinion(k, r2, "{\"summary\":\"x\",\"decisions\":[\"masp\"],\"recommendations\":[{\"addressee_org_id\":"
		       "\"not-an-id\",\"text\":\"t\",\"due_on\":\"2026-12-31\"}]}",
		400, "recommendations[0].addressee_org_id");
	opinion(k, r2, "{\"summary\":\"x\",\"decisions\":[\"masp\"],\"recommendations\":[{\"addressee_org_id\":"
		       "\"00000000-0000-4000-8000-000000000002\",\"text\":\"t\",\"due_on\":\"9999-12-31\"}]}",
		400, "recommendations[0].due_on");
	opinion(k, r2, "{\"summary\":\"x\",\"decisions\":[\"masp\"],\"recommendations\":[{\"addressee_org_id\":"
		       "\"00000000-0000-4000-8000-000000000002\",\"text\":\"  \",\"due_on\":\"2026-12-31\"}]}",
		400, "recommendations[0].text");
	opinion(k, r2, "{\"summary\":\"\\u0007\",\"decisions\":[\"masp\"]}", 400, "summary");
	opinion(k2, r2, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", 409, NULL);
	/* r2 was not examined: the session closes, it goes back to admissible. */
	session_status(k, "closed");
	opinion(k, r1, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", 409, NULL);
	json_t *j = get_referral(&admin, r2, 200);
	ck_assert_str_eq(str(j, "status"), "admissible");
	ck_assert(json_is_null(json_object_get(j, "agenda")));
	json_decref(j);
	agenda_add(k2, r2, 201, NULL);

	/* Each organisation sees exactly its share. */
	j = get_referral(&sl, r1, 200);
	ck_assert_str_eq(str(j, "status"), "examined");
	ck_assert_str_eq(str(j, "reason"), "impayés depuis quatre mois");
	json_t *op = json_array_get(json_object_get(j, "opinions"), 0);
	ck_assert(json_is_null(json_object_get(op, "summary")));
	ck_assert_int_eq(json_array_size(json_object_get(op, "decisions")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(op, "recommendations")), 1);
	ck_assert_str_eq(str(json_object_get(json_array_get(json_object_get(op, "recommendations"), 0), "addressee_org"), "id"), sl.org_id);
	json_decref(j);
	j = get_referral(&admin, r1, 200);
	op = json_array_get(json_object_get(j, "opinions"), 0);
	ck_assert_str_eq(str(op, "summary"), "Reprise du loyer courant, dette de 2 400 €.");
	ck_assert_int_eq(json_array_size(json_object_get(op, "recommendations")), 2);
	json_decref(j);
	j = get_referral(&ss, r3, 200);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "opinions"), 0), "summary"),
			 "Situation de grande fragilité, accompagnement nécessaire.");
	json_decref(j);
	json_decref(get_referral(&sl, r3, 404));
	json_decref(get_referral(&pl, r1, 404));
	json_decref(get_referral(&ss, r1, 404));
	/* The addressee of a recommendation reads the referral, without the social details. */
	j = get_referral(&asso, r3, 200);
	op = json_array_get(json_object_get(j, "opinions"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(op, "recommendations")), 1);
	json_decref(j);

	j = get(&sl, "/v1/referrals", 200);
	ck_assert(list_has(j, r1) && !list_has(j, r2) && !list_has(j, r3) && !list_has(j, r4));
	json_decref(j);
	j = get(&pl, "/v1/referrals", 200);
	ck_assert(list_has(j, r2) && !list_has(j, r1));
	json_decref(j);
	/* The social service's territory holds other tests' referrals too: one
	 * household at a time, so that no page boundary hides one. */
	const char *hs[] = { h1, h2, h3 }, *rs[] = { r1, r2, r3 };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/v1/referrals?household_id=%s", hs[i]);
		j = get(&ss, path, 200);
		ck_assert(list_has(j, rs[i]) == (i == 2));
		json_decref(j);
	}
	snprintf(path, sizeof(path), "/v1/referrals?household_id=%s", h4);
	j = get(&dept, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);

	/* The commission: its members read it, with the agenda they may see. */
	snprintf(path, sizeof(path), "/v1/commissions/%s", k);
	j = get(&admin, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "agenda")), 3);
	ck_assert_int_eq(json_array_size(json_object_get(j, "chair_orgs")), 2);
	/* Each member as {id, name, kind}: the préfecture and the département chair. */
	for (size_t i = 0; i < 2; i++) {
		const json_t *chair = json_array_get(json_object_get(j, "chair_orgs"), i);
		const char *kind = strcmp(str(chair, "id"), admin.org_id) == 0 ? "prefecture" : "departement";
		ck_assert_msg(strcmp(str(chair, "id"), admin.org_id) == 0 || strcmp(str(chair, "id"), dept.org_id) == 0,
			      "chair %s", str(chair, "id"));
		ck_assert_str_eq(str(chair, "kind"), kind);
		ck_assert_ptr_nonnull(str(chair, "name"));
	}
	ck_assert_int_eq(json_array_size(json_object_get(j, "invited_orgs")), 2);
	json_decref(j);
	j = get(&ss, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "agenda")), 1);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "agenda"), 0), "referral_id"), r3);
	json_decref(j);
	json_decref(get(&pl, path, 404));

	/* Friday: the addressees report back. */
	j = get(&sl, "/v1/recommendations", 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	char rec_sl[40], rec_asso[40], rec_dept[40];
	snprintf(rec_sl, sizeof(rec_sl), "%s", str(json_array_get(json_object_get(j, "items"), 0), "id"));
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "items"), 0), "status"), "pending");
	json_decref(j);
	j = get(&asso, "/v1/recommendations", 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	snprintf(rec_asso, sizeof(rec_asso), "%s", str(json_array_get(json_object_get(j, "items"), 0), "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/recommendations?referral_id=%s&addressee_org_id=%s", r1, dept.org_id);
	j = get(&admin, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	snprintf(rec_dept, sizeof(rec_dept), "%s", str(json_array_get(json_object_get(j, "items"), 0), "id"));
	json_decref(j);

	char h[64];
	snprintf(path, sizeof(path), "/v1/recommendations/%s", rec_sl);
	if_match(&sl, path, h, sizeof(h));
	send_expect(&sl, "PATCH", path, "{\"status\":\"accepted\",\"comment\":\"plan proposé au locataire\"}", h, 200,
		    NULL);
	send_expect(&sl, "PATCH", path, "{\"status\":\"done\"}", h, 412, "If-Match");
	if_match(&sl, path, h, sizeof(h));
	send_expect(&sl, "PATCH", path, "{\"status\":\"finished\"}", h, 400, "status");
	send_expect(&sl, "PATCH", path, "{\"status\":\"done\",\"text\":\"x\"}", h, 400, "text");
	send_expect(&sl, "PATCH", path, "{\"status\":\"done\",\"comment\":\"plan signé\"}", h, 200, NULL);
	if_match(&sl, path, h, sizeof(h));
	send_expect(&sl, "PATCH", path, "{\"status\":\"declined\",\"comment\":\"x\"}", h, 409, "status");
	json_decref(get(&asso, path, 404));
	send_expect(&asso, "PATCH", path, "{\"status\":\"declined\",\"comment\":\"x\"}", h, 404, NULL);

	snprintf(path, sizeof(path), "/v1/recommendations/%s", rec_asso);
	if_match(&asso, path, h, sizeof(h));
	send_expect(&asso, "PATCH", path, "{\"status\":\"declined\"}", h, 422, "comment");
	send_expect(&asso, "PATCH", path, "{\"status\":\"declined\",\"comment\":\"aucun logement disponible\"}", h, 200,
		    NULL);
	snprintf(path, sizeof(path), "/v1/recommendations/%s", rec_dept);
	if_match(&dept, path, h, sizeof(h));
	send_expect(&dept, "PATCH", path, "{\"status\":\"accepted\"}", h, 200, NULL);
	j = get(&admin, "/v1/recommendations?status=declined", 200);
	ck_assert(list_has(j, rec_asso) && !list_has(j, rec_sl));
	json_decref(j);

	json_decref(get(&sl, "/v1/recommendations/00000000-0000-4000-8000-000000000003", 404));

	/* Every read and write of the referral is in the audit log. */
	snprintf(path, sizeof(path), "/v1/audit?resource_type=referral&resource_id=%s", r1);
	j = get(&admin, path, 200);
	ck_assert_int_ge(json_array_size(json_object_get(j, "items")), 5);
	json_decref(j);
}
END_TEST

START_TEST(clils_and_escalation)
{
	fixtures_admin(&server, &admin);
	struct party sl, sl2, ss;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl2);
	fixtures_party(&server, &admin, "social_service", NULL, NULL, &ss);
	char suffix[16], body[1024], clil[40], clil2[40], hh[40], r[40], k[40], k2[40], path[128];
	fixtures_suffix(suffix, sizeof(suffix));

	snprintf(body, sizeof(body), "{\"name\":\"CLIL de Massy %s\",\"mode\":\"mono_landlord\",\"status\":\"renewed\","
		 "\"communes\":[\"91377\"],\"landlords\":[\"%s\",\"%s\"]}", suffix, sl.org_id, sl2.org_id);
	send_expect(&admin, "POST", "/v1/clils", body, NULL, 422, "landlords");
	snprintf(body, sizeof(body), "{\"name\":\"CLIL de Massy %s\",\"mode\":\"mono_landlord\",\"status\":\"renewed\","
		 "\"communes\":[\"91377\"],\"landlords\":[\"%s\"]}", suffix, ss.org_id);
	send_expect(&admin, "POST", "/v1/clils", body, NULL, 422, "landlords");
	snprintf(body, sizeof(body), "{\"name\":\"CLIL de Massy %s\",\"mode\":\"solo\",\"status\":\"renewed\","
		 "\"communes\":[\"91377\"],\"landlords\":[\"%s\"]}", suffix, sl.org_id);
	send_expect(&admin, "POST", "/v1/clils", body, NULL, 400, "mode");
	snprintf(body, sizeof(body), "{\"name\":\"CLIL de Massy %s\",\"mode\":\"mono_landlord\",\"status\":\"renewed\","
		 "\"communes\":[\"91377\"],\"landlords\":[\"%s\"]}", suffix, sl.org_id);
	send_expect(&sl, "POST", "/v1/clils", body, NULL, 403, NULL);
	create(&admin, "/v1/clils", body, 201, clil);
	send_expect(&admin, "POST", "/v1/clils", body, NULL, 409, "name");
	snprintf(body, sizeof(body), "{\"name\":\"CLIL de Palaiseau %s\",\"mode\":\"inter_landlord\",\"status\":\"initiated\","
		 "\"communes\":[\"91477\",\"91692\"],\"landlords\":[\"%s\",\"%s\"]}", suffix, sl.org_id, sl2.org_id);
	create(&admin, "/v1/clils", body, 201, clil2);
	snprintf(path, sizeof(path), "/v1/clils/%s", clil2);
	patch(&admin, path, "{\"mode\":\"mono_landlord\"}", 422, "landlords");
	patch(&admin, path, "{\"status\":\"experimented\",\"communes\":[\"91477\"]}", 200, NULL);
	json_t *j = get(&ss, path, 200);
	ck_assert_str_eq(str(j, "status"), "experimented");
	ck_assert_int_eq(json_array_size(json_object_get(j, "communes")), 1);
	ck_assert_int_eq(json_array_size(json_object_get(j, "landlords")), 2);
	json_decref(j);
	j = get(&sl, "/v1/clils?status=renewed&limit=500", 200);
	ck_assert(list_has(j, clil) && !list_has(j, clil2));
	json_decref(j);

	/* A CLIL session examines early arrears, then hands the case on. */
	send_expect(&admin, "POST", "/v1/commissions", "{\"level\":\"clil\",\"date\":\"2026-12-01\"}", NULL, 422, "clil_id");
	snprintf(body, sizeof(body), "{\"level\":\"operational\",\"date\":\"2026-12-01\",\"clil_id\":\"%s\"}", clil);
	send_expect(&admin, "POST", "/v1/commissions", body, NULL, 422, "clil_id");
	commission("clil", clil, "2026-12-01", NULL, k);
	household(&sl, "91377", "social", sl.org_id, "9 rue Gambetta", hh);
	referral(&sl, "social_landlord", hh, NULL, r);
	agenda_add(k, r, 409, "referral_id");   /* received: admit it first */
	admit(r);
	agenda_add(k, r, 201, NULL);
	session_status(k, "in_session");
	opinion(k, r, "{\"summary\":\"Impayé lourd.\",\"decisions\":[\"fsl_aid\"]}", 201, NULL);
	/* Given again during the session, the opinion replaces the first... */
	snprintf(body, sizeof(body), "{\"summary\":\"Impayé lourd, dette de 2 400 €.\",\"decisions\":[\"fsl_aid\",\"masp\"],"
		 "\"recommendations\":[{\"addressee_org_id\":\"%s\",\"text\":\"Suspendre la procédure\","
		 "\"due_on\":\"2026-12-15\"}]}", sl.org_id);
	opinion(k, r, body, 200, NULL);
	snprintf(path, sizeof(path), "/v1/recommendations?referral_id=%s", r);
	j = get(&sl, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	char rec[40], h[64];
	snprintf(rec, sizeof(rec), "%s", str(json_array_get(json_object_get(j, "items"), 0), "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/recommendations/%s", rec);
	if_match(&sl, path, h, sizeof(h));
	send_expect(&sl, "PATCH", path, "{\"status\":\"accepted\"}", h, 200, NULL);
	/* ...until an addressee has reported on it. */
	opinion(k, r, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", 409, "recommendations");
	session_status(k, "closed");
	snprintf(path, sizeof(path), "/v1/referrals/%s/escalation", r);
	send_expect(&sl, "POST", path, NULL, NULL, 403, NULL);
	/* Escalation changes the referral: its ETag, as a PATCH. */
	char referral_path[96];
	snprintf(referral_path, sizeof(referral_path), "/v1/referrals/%s", r);
	send_expect(&admin, "POST", path, NULL, NULL, 428, "If-Match");
	send_expect(&admin, "POST", path, NULL, "If-Match: \"999\"\r\n", 412, "If-Match");
	if_match(&admin, referral_path, h, sizeof(h));
	send_expect(&admin, "POST", path, NULL, h, 200, NULL);
	if_match(&admin, referral_path, h, sizeof(h));
	send_expect(&admin, "POST", path, NULL, h, 409, "status");
	commission("operational", NULL, "2026-12-10", NULL, k2);
	agenda_add(k2, r, 201, NULL);
	session_status(k2, "in_session");
	opinion(k2, r, "{\"summary\":\"Suite CLIL.\",\"decisions\":[\"keep_with_payment_plan\"]}", 201, NULL);
	session_status(k2, "closed");
	/* An operational examination goes nowhere further. */
	if_match(&admin, referral_path, h, sizeof(h));
	send_expect(&admin, "POST", path, NULL, h, 409, "status");
	j = get_referral(&admin, r, 200);
	ck_assert(json_is_true(json_object_get(j, "escalated")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "opinions")), 2);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "opinions"), 0), "level"), "clil");
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "opinions"), 1), "level"), "operational");
	const char *steps[] = { "received", "admitted", "scheduled", "examined", "escalated", "scheduled", "examined" };
	json_t *history = json_object_get(j, "history");
	ck_assert_int_eq(json_array_size(history), 7);
	for (size_t i = 0; i < 7; i++)
		ck_assert_str_eq(str(json_array_get(history, i), "step"), steps[i]);
	json_decref(j);
}
END_TEST

static int letter(const struct party *p, const char *referral_id, const char *kind, const char *query,
		  const char *accept, struct http_response *resp)
{
	char path[512], headers[128] = "";
	snprintf(path, sizeof(path), "/v1/referrals/%s/letters/%s%s", referral_id, kind, query ? query : "");
	if (accept != NULL)
		snprintf(headers, sizeof(headers), "Accept: %s\r\n", accept);
	return fixtures_call(&server, p, "GET", path, NULL, headers, resp);
}

static void letter_problem(const struct party *p, const char *r, const char *kind, const char *query, int want,
			   const char *field)
{
	struct http_response resp = { 0 };
	ck_assert_int_eq(letter(p, r, kind, query, "text/plain", &resp), want);
	json_t *j = harness_json(&resp);
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
	json_decref(j);
	http_response_free(&resp);
}

/* The recommendations of a referral, by status, as the prefecture reads them. */
static int recommendations_with(const char *referral_id, const char *status, char ids[][40], int max)
{
	char path[160];
	snprintf(path, sizeof(path), "/v1/recommendations?referral_id=%s&limit=100", referral_id);
	json_t *j = get(&admin, path, 200);
	int n = 0;
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(j, "items"), i, item) {
		if (status != NULL && strcmp(str(item, "status"), status) != 0)
			continue;
		if (n < max)
			snprintf(ids[n], 40, "%s", str(item, "id"));
		n++;
	}
	json_decref(j);
	return n;
}

/* Whether p's feed holds an event of type on resource id. */
static bool feed_has(const struct party *p, const char *type, const char *id)
{
	char path[96] = "/v1/events?limit=500";
	bool found = false;
	for (int round = 0; round < 20 && !found; round++) {
		json_t *j = get(p, path, 200);
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(j, "items"), i, item)
			if (strcmp(str(item, "type"), type) == 0 &&
			    strcmp(str(json_object_get(item, "resource"), "id"), id) == 0)
				found = true;
		const char *next = str(j, "next_cursor");
		bool more = json_array_size(json_object_get(j, "items")) > 0 && next != NULL;
		if (more)
			snprintf(path, sizeof(path), "/v1/events?limit=500&after=%s", next);
		json_decref(j);
		if (!more)
			break;
	}
	return found;
}

/* feed_has(), asked again for up to 5 s: an event is in the feed once every
 * transaction older than its own has ended, and the other tests' run
 * beside this one. */
static bool feed_eventually_has(const struct party *p, const char *type, const char *id)
{
	for (int round = 0; round < 50; round++) {
		if (feed_has(p, type, id))
			return true;
		usleep(100 * 1000);
	}
	return false;
}

START_TEST(replacing_an_opinion_keeps_its_recommendations)
{
	fixtures_admin(&server, &admin);
	struct party sl, asso;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	fixtures_party(&server, &admin, "association", NULL, NULL, &asso);
	char hh[40], r[40], k[40], body[2048], path[160], h[64];
	household(&sl, "91228", "social", sl.org_id, "12 rue Voltaire", hh);
	referral(&sl, "social_landlord", hh, NULL, r);
	admit(r);
	commission("operational", NULL, "2026-12-01", NULL, k);
	agenda_add(k, r, 201, NULL);
	session_status(k, "in_session");
	snprintf(body, sizeof(body), "{\"summary\":\"Dette de 2 400 €.\",\"decisions\":[\"fsl_aid\"],"
		 "\"recommendations\":[{\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan d'apurement\","
		 "\"due_on\":\"2026-12-20\"},{\"addressee_org_id\":\"%s\",\"text\":\"Accompagner le ménage\","
		 "\"due_on\":\"2026-12-21\"}]}", sl.org_id, asso.org_id);
	opinion(k, r, body, 201, NULL);
	char first[2][40];
	ck_assert_int_eq(recommendations_with(r, NULL, first, 2), 2);
	char plan[40], support[40];
	snprintf(path, sizeof(path), "/v1/recommendations/%s", first[0]);
	json_t *j = get(&admin, path, 200);
	bool plan_first = strcmp(str(json_object_get(j, "addressee_org"), "id"), sl.org_id) == 0;
	json_decref(j);
	snprintf(plan, sizeof(plan), "%s", first[plan_first ? 0 : 1]);
	snprintf(support, sizeof(support), "%s", first[plan_first ? 1 : 0]);
	/* The landlord reports on its recommendation. */
	snprintf(path, sizeof(path), "/v1/recommendations/%s", plan);
	if_match(&sl, path, h, sizeof(h));
	send_expect(&sl, "PATCH", path, "{\"status\":\"accepted\"}", h, 200, NULL);

	/* Replacing needs the opinion's ETag; the first one needed none. */
	char opath[160];
	snprintf(opath, sizeof(opath), "/v1/commissions/%s/opinions/%s", k, r);
	send_expect(&admin, "PUT", opath, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", NULL, 428, "If-Match");
	send_expect(&admin, "PUT", opath, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", "If-Match: \"7\"\r\n", 412,
		    "If-Match");
	/* Replaced: the plan is kept by its id, the support is dropped, a
	 * rehousing is added. */
	snprintf(body, sizeof(body), "{\"summary\":\"Dette de 2 400 €, relogement.\",\"decisions\":[\"fsl_aid\"],"
		 "\"recommendations\":[{\"id\":\"%s\",\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan d'apurement\","
		 "\"due_on\":\"2026-12-20\"},{\"addressee_org_id\":\"%s\",\"text\":\"Rechercher un relogement\","
		 "\"due_on\":\"2026-12-22\"}]}", plan, sl.org_id, asso.org_id);
	opinion(k, r, body, 200, NULL);
	char ids[4][40];
	ck_assert_int_eq(recommendations_with(r, NULL, ids, 4), 3);
	snprintf(path, sizeof(path), "/v1/recommendations/%s", plan);
	j = get(&sl, path, 200);
	ck_assert_str_eq(str(j, "status"), "accepted");
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/recommendations/%s", support);
	j = get(&asso, path, 200);
	ck_assert_str_eq(str(j, "status"), "withdrawn");
	ck_assert(str(j, "withdrawn_at") != NULL);
	json_decref(j);
	/* A withdrawn recommendation takes no report. */
	if_match(&asso, path, h, sizeof(h));
	send_expect(&asso, "PATCH", path, "{\"status\":\"accepted\"}", h, 409, "status");
	ck_assert(feed_eventually_has(&asso, "recommendation.withdrawn", support));
	ck_assert(!feed_has(&sl, "recommendation.withdrawn", plan));
	char rehousing[1][40];
	ck_assert_int_eq(recommendations_with(r, "pending", rehousing, 1), 1);

	/* The same opinion again, without ids: the same recommendations, matched
	 * by addressee and text. */
	snprintf(body, sizeof(body), "{\"summary\":\"Dette de 2 400 €, relogement.\",\"decisions\":[\"fsl_aid\"],"
		 "\"recommendations\":[{\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan d'apurement\","
		 "\"due_on\":\"2026-12-20\"},{\"addressee_org_id\":\"%s\",\"text\":\"Rechercher un relogement\","
		 "\"due_on\":\"2026-12-23\"}]}", sl.org_id, asso.org_id);
	opinion(k, r, body, 200, NULL);
	ck_assert_int_eq(recommendations_with(r, NULL, ids, 4), 3);
	ck_assert_int_eq(recommendations_with(r, "pending", ids, 4), 1);
	ck_assert_str_eq(ids[0], rehousing[0]);
	snprintf(path, sizeof(path), "/v1/recommendations/%s", rehousing[0]);
	j = get(&asso, path, 200);
	ck_assert_str_eq(str(j, "due_on"), "2026-12-23");
	json_decref(j);

	/* What cannot be: reviving a withdrawn one, changing a reported one,
	 * moving one to another addressee, an id from elsewhere. */
	snprintf(body, sizeof(body), "{\"summary\":\"x\",\"decisions\":[\"fsl_aid\"],\"recommendations\":[{\"id\":\"%s\","
		 "\"addressee_org_id\":\"%s\",\"text\":\"Accompagner le ménage\",\"due_on\":\"2026-12-21\"}]}",
		 support, asso.org_id);
	opinion(k, r, body, 422, "recommendations[0].id");
	snprintf(body, sizeof(body), "{\"summary\":\"x\",\"decisions\":[\"fsl_aid\"],\"recommendations\":[{\"id\":\"%s\","
		 "\"addressee_org_id\":\"%s\",\"text\":\"Un autre plan\",\"due_on\":\"2026-12-20\"}]}", plan, sl.org_id);
	opinion(k, r, body, 409, "recommendations[0]");
	snprintf(body, sizeof(body), "{\"summary\":\"x\",\"decisions\":[\"fsl_aid\"],\"recommendations\":[{\"id\":\"%s\","
		 "\"addressee_org_id\":\"%s\",\"text\":\"Rechercher un relogement\",\"due_on\":\"2026-12-23\"}]}",
		 rehousing[0], sl.org_id);
	opinion(k, r, body, 422, "recommendations[0].addressee_org_id");
	snprintf(body, sizeof(body), "{\"summary\":\"x\",\"decisions\":[\"fsl_aid\"],\"recommendations\":[{\"id\":"
		 "\"00000000-0000-4000-8000-000000000009\",\"addressee_org_id\":\"%s\",\"text\":\"t\","
		 "\"due_on\":\"2026-12-23\"}]}", sl.org_id);
	opinion(k, r, body, 422, "recommendations[0].id");
	snprintf(body, sizeof(body), "{\"summary\":\"x\",\"decisions\":[\"fsl_aid\"],\"recommendations\":[{\"id\":\"%s\","
		 "\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan d'apurement\",\"due_on\":\"2026-12-20\"},{\"id\":\"%s\","
		 "\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan d'apurement\",\"due_on\":\"2026-12-20\"}]}",
		 plan, sl.org_id, plan, sl.org_id);
	opinion(k, r, body, 422, "recommendations[1].id");
	/* Dropping the reported one would withdraw it: refused, nothing changed. */
	opinion(k, r, "{\"summary\":\"x\",\"decisions\":[\"masp\"]}", 409, "recommendations");
	ck_assert_int_eq(recommendations_with(r, "pending", ids, 4), 1);
	ck_assert_int_eq(recommendations_with(r, "withdrawn", ids, 4), 1);
}
END_TEST

START_TEST(clil_letters)
{
	fixtures_admin(&server, &admin);
	struct party sl, other;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other);
	char suffix[16], body[512], clil[40], hh[40], r[40], k[40];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(body, sizeof(body), "{\"name\":\"CLIL d'Étampes %s\",\"mode\":\"mono_landlord\",\"status\":\"renewed\","
		 "\"communes\":[\"91223\"],\"landlords\":[\"%s\"]}", suffix, sl.org_id);
	create(&admin, "/v1/clils", body, 201, clil);
	household(&sl, "91223", "social", sl.org_id, "5 rue <b>Saint-Jacques</b> & Cie", hh);
	referral(&sl, "social_landlord", hh, NULL, r);

	/* Not on an agenda yet: the letter would have a blank. */
	letter_problem(&sl, r, "information", NULL, 422, "commission_name");
	admit(r);
	commission("clil", clil, "2026-12-08", NULL, k);
	agenda_add(k, r, 201, NULL);

	struct http_response resp = { 0 };
	ck_assert_int_eq(letter(&sl, r, "information", NULL, "text/plain", &resp), 200);
	ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "text/plain; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(resp.body, "5 rue <b>Saint-Jacques</b> & Cie"));
	ck_assert_ptr_nonnull(strstr(resp.body, "91000 Étampes"));
	ck_assert_ptr_nonnull(strstr(resp.body, "8 décembre 2026"));
	ck_assert_ptr_nonnull(strstr(resp.body, "2\xe2\x80\xaf" "400,00\xc2\xa0\xe2\x82\xac"));
	ck_assert_ptr_nonnull(strstr(resp.body, "CLIL d'Étampes"));
	ck_assert_ptr_null(strstr(resp.body, "{{"));
	http_response_free(&resp);

	ck_assert_int_eq(letter(&sl, r, "information", NULL, "text/html", &resp), 200);
	ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(resp.body, "5 rue &lt;b&gt;Saint-Jacques&lt;/b&gt; &amp; Cie"));
	ck_assert_ptr_null(strstr(resp.body, "<b>"));
	ck_assert_ptr_nonnull(strstr(resp.body, "<p>Madame, Monsieur,</p>"));
	http_response_free(&resp);

	letter_problem(&sl, r, "information", NULL, 200, NULL);
	ck_assert_int_eq(letter(&sl, r, "information", NULL, "application/json", &resp), 406);
	http_response_free(&resp);
	letter_problem(&sl, r, "eviction", NULL, 404, "kind");
	letter_problem(&other, r, "information", NULL, 404, NULL);
	/* The invitation needs the session's time and place. */
	letter_problem(&sl, r, "invitation", NULL, 422, "session_time");
	char path[128], h[64];
	snprintf(path, sizeof(path), "/v1/commissions/%s", k);
	if_match(&admin, path, h, sizeof(h));
	send_expect(&admin, "PATCH", path, "{\"time\":\"09:30\"}", h, 200, NULL);
	letter_problem(&sl, r, "invitation", NULL, 422, "session_place");
	patch(&admin, path, "{\"place\":\"Mairie d'Étampes\"}", 200, NULL);
	ck_assert_int_eq(letter(&sl, r, "invitation", NULL, NULL, &resp), 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "9h30"));
	ck_assert_ptr_nonnull(strstr(resp.body, "Mairie d&#39;Étampes"));
	http_response_free(&resp);

	letter_problem(&sl, r, "recommendation", NULL, 422, "opinion_commission_name");
	session_status(k, "in_session");
	opinion(k, r, "{\"summary\":\"s\",\"decisions\":[\"keep_with_payment_plan\",\"fsl_aid\"]}", 201, NULL);
	ck_assert_int_eq(letter(&sl, r, "recommendation", NULL, "text/plain", &resp), 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "- le maintien dans le logement avec un plan d'apurement de la dette\n"
						"- une aide du Fonds de solidarité pour le logement (FSL)"));
	http_response_free(&resp);

	letter_problem(&sl, r, "appointment", NULL, 422, "appointment_with");
	letter_problem(&sl, r, "appointment", "?appointment_with=MDS&appointment_date=2026-12-32", 400, "appointment_date");
	ck_assert_int_eq(letter(&sl, r, "appointment",
				"?appointment_with=la%20MDS%20d%27%C3%89tampes&appointment_date=2026-12-15"
				"&appointment_time=10h00&appointment_place=12%20rue%20de%20la%20Juine",
				"text/plain", &resp), 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "la MDS d'Étampes, le 15 décembre 2026 à 10h00"));
	http_response_free(&resp);
}
END_TEST

/* --- décret 2026-83: bailiffs' reports oriented to a local actor --- */

/* A household of the bailiff in 91228 with its procedure and a payment order
 * over the reporting threshold; the bailiff_report referral it opened. */
static void bailiff_report(const struct party *bailiff, const char *landlord, const char *line, char *hh,
			   char *referral_id)
{
	char path[128], proc[40];
	household(bailiff, "91228", "social", landlord, line, hh);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	create(bailiff, path, "{\"reference\":\"CJ-2026-083\"}", 201, proc);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	create(bailiff, path, "{\"kind\":\"payment_order\",\"date\":\"2026-11-02\",\"debt_cents\":180000,"
			      "\"rent_cents\":60000,\"months_unpaid\":3}", 201, NULL);
	/* Received by the CCAPEX: the secretariat finds it. */
	snprintf(path, sizeof(path), "/v1/referrals?household_id=%s", hh);
	json_t *j = get(&admin, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_t *r = json_array_get(json_object_get(j, "items"), 0);
	ck_assert_str_eq(str(r, "kind"), "bailiff_report");
	ck_assert_str_eq(str(r, "status"), "received");
	ck_assert_str_eq(str(r, "procedure_id"), proc);
	snprintf(referral_id, 40, "%s", str(r, "id"));
	json_decref(j);
}

static void orient(const struct party *p, const char *referral_id, const char *actor, const char *addressee,
		   const char *extra, int want, const char *field)
{
	char path[128], body[512];
	snprintf(path, sizeof(path), "/v1/referrals/%s/orientation", referral_id);
	snprintf(body, sizeof(body), "{\"actor\":\"%s\",\"addressee_org_id\":\"%s\"%s}", actor, addressee, extra ? extra : "");
	send_expect(p, "POST", path, body, NULL, want, field);
}

/* The addressee's report, with its own current ETag. */
static void report(const struct party *p, const char *referral_id, const char *body, int want, const char *field)
{
	char path[128], h[64];
	snprintf(path, sizeof(path), "/v1/referrals/%s/orientation", referral_id);
	if_match(p, path, h, sizeof(h));
	send_expect(p, "PATCH", path, body, h, want, field);
}

/* The events of p's feed of type about the referral, as a new array. */
static json_t *feed_of(const struct party *p, const char *type, const char *referral_id)
{
	json_t *out = json_array();
	char path[640] = "/v1/events?limit=500";
	for (int pages = 0; pages < 200; pages++) {
		json_t *j = get(p, path, 200);
		json_t *items = json_object_get(j, "items");
		size_t i;
		json_t *e;
		json_array_foreach(items, i, e) {
			const json_t *res = json_object_get(e, "resource");
			if (strcmp(str(e, "type"), type) == 0 && strcmp(str(res, "id"), referral_id) == 0)
				json_array_append(out, e);
		}
		bool more = json_array_size(items) > 0;
		snprintf(path, sizeof(path), "/v1/events?limit=500&after=%s", str(j, "next_cursor"));
		json_decref(j);
		if (!more)
			return out;
	}
	ck_abort_msg("the feed never ended");
	return out;
}

static size_t feed_count(const struct party *p, const char *type, const char *referral_id)
{
	json_t *j = feed_of(p, type, referral_id);
	size_t n = json_array_size(j);
	json_decref(j);
	return n;
}

/* The status of the i-th event of events. */
static const char *event_status(const json_t *events, size_t i)
{
	return str(json_object_get(json_array_get(events, i), "data"), "status");
}

START_TEST(bailiff_reports_are_oriented)
{
	fixtures_admin(&server, &admin);
	struct party dept, bailiff, sl, service, other_service, asso, adil;
	fixtures_party(&server, &admin, "departement", NULL, NULL, &dept);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	/* Neither service covers 91228: only the orientation lets one read. */
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &service);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &other_service);
	fixtures_party(&server, &admin, "association", NULL, NULL, &asso);
	fixtures_party(&server, &admin, "adil", NULL, NULL, &adil);
	char hh[40], r[40], path[160], hpath[128], opath[128], today[16], yesterday[16], tomorrow[16], body[256];
	fixtures_sql_value("SELECT current_date::text", 0, NULL, today, sizeof(today));
	fixtures_sql_value("SELECT (current_date - 1)::text", 0, NULL, yesterday, sizeof(yesterday));
	fixtures_sql_value("SELECT (current_date + 1)::text", 0, NULL, tomorrow, sizeof(tomorrow));

	bailiff_report(&bailiff, sl.org_id, "9 rue Saint-Spire", hh, r);
	snprintf(opath, sizeof(opath), "/v1/referrals/%s/orientation", r);
	snprintf(hpath, sizeof(hpath), "/v1/households/%s", hh);
	json_decref(get_referral(&dept, r, 200));
	json_decref(get(&admin, opath, 404));
	/* Before the orientation, the service reads nothing of the case. */
	json_decref(get_referral(&service, r, 404));
	json_decref(get(&service, hpath, 404));

	/* Bad orientations, and those who may not orient. */
	orient(&admin, r, "caf", service.org_id, NULL, 400, "actor");
	orient(&admin, r, "social_service", "not-an-id", NULL, 400, "addressee_org_id");
	orient(&admin, r, "social_service", service.org_id, ",\"status\":\"done\"", 400, "status");
	orient(&admin, r, "adil", service.org_id, NULL, 422, "addressee_org_id");
	orient(&admin, r, "fsl", service.org_id, NULL, 422, "addressee_org_id");
	orient(&admin, r, "siao", adil.org_id, NULL, 422, "addressee_org_id");
	orient(&admin, r, "association", "00000000-0000-4000-8000-000000000009", NULL, 422, "addressee_org_id");
	orient(&bailiff, r, "social_service", service.org_id, NULL, 403, NULL);
	orient(&service, r, "social_service", service.org_id, NULL, 403, NULL);
	orient(&sl, r, "social_service", service.org_id, NULL, 403, NULL);
	snprintf(path, sizeof(path), "/v1/referrals/%s/orientation", "00000000-0000-4000-8000-00000000000a");
	send_expect(&admin, "POST", path, "{\"actor\":\"adil\",\"addressee_org_id\":\"00000000-0000-4000-8000-000000000009\"}",
		    NULL, 404, NULL);
	/* Only a bailiff's report is oriented. */
	char hh2[40], r2[40];
	household(&sl, "91228", "social", sl.org_id, "11 rue Saint-Spire", hh2);
	referral(&sl, "social_landlord", hh2, NULL, r2);
	orient(&admin, r2, "social_service", service.org_id, NULL, 422, "kind");

	/* The secretariat orients it to the social service. */
	orient(&admin, r, "social_service", service.org_id, ",\"note\":\"Famille connue, rappeler la MDS\"", 201, NULL);
	orient(&admin, r, "association", asso.org_id, NULL, 409, "orientation");
	orient(&dept, r, "association", asso.org_id, NULL, 409, "orientation");
	json_t *j = get(&service, opath, 200);
	ck_assert_str_eq(str(j, "referral_id"), r);
	ck_assert_str_eq(str(j, "household_id"), hh);
	ck_assert_str_eq(str(j, "actor"), "social_service");
	ck_assert_str_eq(str(json_object_get(j, "addressee_org"), "id"), service.org_id);
	ck_assert_str_eq(str(json_object_get(j, "oriented_by_org"), "id"), admin.org_id);
	ck_assert_str_eq(str(j, "oriented_on"), today);
	ck_assert_str_eq(str(j, "note"), "Famille connue, rappeler la MDS");
	ck_assert_str_eq(str(j, "status"), "pending");
	ck_assert(json_is_null(json_object_get(j, "reported_on")));
	json_decref(j);

	/* The addressee reads the referral and the household; nobody else
	 * gains anything. */
	j = get_referral(&service, r, 200);
	ck_assert_str_eq(str(j, "kind"), "bailiff_report");
	/* The procedure stays the bailiff's and the CCAPEX's. */
	snprintf(path, sizeof(path), "/v1/procedures/%s", str(j, "procedure_id"));
	json_decref(j);
	json_decref(get(&service, path, 404));
	json_decref(get(&admin, path, 200));
	j = get(&service, hpath, 200);
	ck_assert_str_eq(str(j, "id"), hh);
	/* Its household shows none of the procedures it may not read. */
	ck_assert(json_is_array(json_object_get(j, "procedures")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "procedures")), 0);
	json_decref(j);
	j = get(&admin, hpath, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "procedures")), 1);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "procedures"), 0), "id"), path + strlen("/v1/procedures/"));
	json_decref(j);
	/* It reads; it does not keep the record. */
	char hh_match[64];
	if_match(&service, hpath, hh_match, sizeof(hh_match));
	send_expect(&service, "PATCH", hpath, "{\"sector\":\"private\"}", hh_match, 403, NULL);
	j = get(&service, "/v1/referrals", 200);
	ck_assert(list_has(j, r) && !list_has(j, r2));
	json_decref(j);
	json_decref(get_referral(&other_service, r, 404));
	json_decref(get(&other_service, hpath, 404));
	json_decref(get(&other_service, opath, 404));
	json_decref(get(&asso, opath, 404));
	json_decref(get(&sl, opath, 404));
	json_decref(get(&bailiff, opath, 404));
	json_decref(get_referral(&bailiff, r, 404));
	json_decref(get(&dept, opath, 200));

	/* The addressee hears of it. */
	j = feed_of(&service, "orientation.addressed", r);
	ck_assert_int_eq(json_array_size(j), 1);
	json_t *data = json_object_get(json_array_get(j, 0), "data");
	ck_assert_str_eq(str(data, "actor"), "social_service");
	ck_assert_str_eq(str(data, "household_id"), hh);
	ck_assert_str_eq(str(json_object_get(json_array_get(j, 0), "resource"), "type"), "referral");
	json_decref(j);
	ck_assert_int_eq(feed_count(&other_service, "orientation.addressed", r), 0);

	/* The report back: who may, and bad ones. */
	char h[64];
	if_match(&service, opath, h, sizeof(h));
	send_expect(&service, "PATCH", opath, "{\"status\":\"accepted\"}", NULL, 428, NULL);
	send_expect(&other_service, "PATCH", opath, "{\"status\":\"accepted\"}", h, 404, NULL);
	send_expect(&asso, "PATCH", opath, "{\"status\":\"accepted\"}", h, 404, NULL);
	send_expect(&admin, "PATCH", opath, "{\"status\":\"accepted\"}", h, 403, NULL);
	send_expect(&dept, "PATCH", opath, "{\"status\":\"accepted\"}", h, 403, NULL);
	report(&service, r, "{\"status\":\"finished\"}", 400, "status");
	report(&service, r, "{\"status\":\"pending\"}", 409, "status");
	report(&service, r, "{\"status\":\"declined\"}", 422, "report");
	report(&service, r, "{\"status\":\"accepted\",\"reported_on\":\"2026-02-30\"}", 400, "reported_on");
	snprintf(body, sizeof(body), "{\"status\":\"accepted\",\"reported_on\":\"%s\"}", yesterday);
	report(&service, r, body, 422, "reported_on");
	snprintf(body, sizeof(body), "{\"status\":\"accepted\",\"reported_on\":\"%s\"}", tomorrow);
	report(&service, r, body, 422, "reported_on");
	report(&service, r, "{\"status\":\"accepted\",\"actor\":\"adil\"}", 400, "actor");
	snprintf(body, sizeof(body), "{\"status\":\"accepted\",\"report\":\"Rendez-vous fixé\",\"reported_on\":\"%s\"}",
		 today);
	report(&service, r, body, 200, NULL);
	send_expect(&service, "PATCH", opath, "{\"status\":\"done\"}", h, 412, "If-Match");
	report(&service, r, "{\"status\":\"done\",\"report\":\"Dossier FSL déposé, plan d'apurement signé\"}", 200, NULL);
	report(&service, r, "{\"status\":\"declined\",\"report\":\"x\"}", 409, "status");
	j = get(&admin, opath, 200);
	ck_assert_str_eq(str(j, "status"), "done");
	ck_assert_str_eq(str(j, "report"), "Dossier FSL déposé, plan d'apurement signé");
	ck_assert_str_eq(str(j, "reported_on"), today);
	ck_assert_str_eq(str(json_object_get(j, "reported_by_org"), "id"), service.org_id);
	json_decref(j);

	/* The secretariat hears of each report; the addressee of none. */
	j = feed_of(&admin, "orientation.reported", r);
	ck_assert_int_eq(json_array_size(j), 2);
	ck_assert_str_eq(event_status(j, 0), "accepted");
	ck_assert_str_eq(event_status(j, 1), "done");
	ck_assert_str_eq(str(json_object_get(json_object_get(json_array_get(j, 1), "data"), "addressee_org"), "id"), service.org_id);
	json_decref(j);
	ck_assert_int_eq(feed_count(&service, "orientation.reported", r), 0);
	ck_assert_int_eq(feed_count(&dept, "orientation.reported", r), 0);

	/* A second report goes to the SIAO through an association, which
	 * declines; the département orients it again, to the FSL, its own. */
	char hh3[40], r3[40], opath3[128];
	bailiff_report(&bailiff, NULL, "13 rue Saint-Spire", hh3, r3);
	snprintf(opath3, sizeof(opath3), "/v1/referrals/%s/orientation", r3);
	orient(&dept, r3, "siao", asso.org_id, NULL, 201, NULL);
	char hpath3[128];
	snprintf(hpath3, sizeof(hpath3), "/v1/households/%s", hh3);
	json_decref(get_referral(&asso, r3, 200));
	json_decref(get(&asso, hpath3, 200));
	report(&asso, r3, "{\"status\":\"declined\",\"report\":\"Aucune place disponible\"}", 200, NULL);
	orient(&dept, r3, "fsl", admin.org_id, NULL, 422, "addressee_org_id");
	orient(&dept, r3, "fsl", dept.org_id, NULL, 200, NULL);
	j = get(&dept, opath3, 200);
	ck_assert_str_eq(str(j, "actor"), "fsl");
	ck_assert_str_eq(str(json_object_get(j, "addressee_org"), "id"), dept.org_id);
	ck_assert_str_eq(str(j, "status"), "pending");
	ck_assert(json_is_null(json_object_get(j, "report")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 3);
	json_decref(j);
	/* The association no longer holds it. */
	json_decref(get(&asso, opath3, 404));
	json_decref(get_referral(&asso, r3, 404));
	json_decref(get(&asso, hpath3, 404));
	/* Only the département it was oriented to reports, not the préfecture. */
	if_match(&dept, opath3, h, sizeof(h));
	send_expect(&admin, "PATCH", opath3, "{\"status\":\"done\"}", h, 403, NULL);
	report(&dept, r3, "{\"status\":\"done\",\"report\":\"Aide FSL accordée\"}", 200, NULL);
	ck_assert_int_eq(feed_count(&dept, "orientation.addressed", r3), 1);
	ck_assert_int_eq(feed_count(&asso, "orientation.addressed", r3), 1);
	/* The département oriented it twice: it hears the association's
	 * decline and its own report. */
	j = feed_of(&dept, "orientation.reported", r3);
	ck_assert_int_eq(json_array_size(j), 2);
	ck_assert_str_eq(event_status(j, 0), "declined");
	ck_assert_str_eq(event_status(j, 1), "done");
	json_decref(j);

	/* A closed report is no longer oriented. */
	char hh4[40], r4[40];
	bailiff_report(&bailiff, NULL, "15 rue Saint-Spire", hh4, r4);
	snprintf(path, sizeof(path), "/v1/referrals/%s", r4);
	patch(&admin, path, "{\"status\":\"closed\"}", 200, NULL);
	orient(&admin, r4, "adil", adil.org_id, NULL, 409, "status");
	/* A path id that is no UUID names nothing. */
	json_decref(get(&admin, "/v1/referrals/not-an-id/orientation", 404));
}
END_TEST

/* Décret 2026-83: the central and the local CCAPEX, beside the old levels. */
START_TEST(commission_levels_of_the_decree)
{
	fixtures_admin(&server, &admin);
	char central[40], local[40], path[128];
	commission("central", NULL, "2027-01-14", ",\"title\":\"CCAPEX centrale\"", central);
	commission("local", NULL, "2027-01-21", ",\"territory\":{\"epcis\":[\"200059228\"],\"communes\":[\"91228\"]}",
		   local);
	send_expect(&admin, "POST", "/v1/commissions",
		    "{\"level\":\"local\",\"date\":\"2027-01-21\"}", NULL, 422, "territory");
	send_expect(&admin, "POST", "/v1/commissions",
		    "{\"level\":\"central\",\"date\":\"2027-01-21\",\"territory\":{\"communes\":[\"91228\"]}}", NULL, 422,
		    "territory");
	char clil_body[160];
	snprintf(clil_body, sizeof(clil_body), "{\"level\":\"local\",\"date\":\"2027-01-21\",\"clil_id\":\"%s\"}", local);
	send_expect(&admin, "POST", "/v1/commissions", clil_body, NULL, 422, "clil_id");
	snprintf(path, sizeof(path), "/v1/commissions/%s", central);
	json_t *j = get(&admin, path, 200);
	ck_assert_str_eq(str(j, "level"), "central");
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "territory"), "communes")), 0);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/commissions/%s", local);
	j = get(&admin, path, 200);
	ck_assert_str_eq(str(j, "level"), "local");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(j, "territory"), "epcis"), 0)),
			 "200059228");
	json_decref(j);
	j = get(&admin, "/v1/commissions?level=local&from=2027-01-21&to=2027-01-21", 200);
	ck_assert(list_has(j, local) && !list_has(j, central));
	json_decref(j);
	/* The older levels stay valid. */
	char older[40];
	commission("strategic", NULL, "2027-01-28", NULL, older);
	snprintf(path, sizeof(path), "/v1/commissions/%s", older);
	j = get(&admin, path, 200);
	ck_assert_str_eq(str(j, "level"), "strategic");
	json_decref(j);
}
END_TEST

/* The steps of the referral's history, by whom: "received:<org> ...". */
static void history_of(const char *referral_id, char *out, size_t len)
{
	json_t *j = get_referral(&admin, referral_id, 200);
	size_t i, used = 0;
	json_t *e;
	out[0] = '\0';
	json_array_foreach(json_object_get(j, "history"), i, e)
		used += (size_t)snprintf(out + used, len - used, "%s%s:%s", i ? " " : "", str(e, "step"),
					 str(json_object_get(e, "by_org"), "id"));
	json_decref(j);
}

/* A report on a household whose case the CCAPEX already follows (an open
 * referral) joins that referral, through the API or an import alike. */
START_TEST(a_report_on_a_followed_case_joins_its_referral)
{
	fixtures_admin(&server, &admin);
	struct party bailiff, sl;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &sl);
	char hh[2][40], r[2][40], proc[2][40], file[2][16], path[128], body[1024], want[256], got[256];
	for (int i = 0; i < 2; i++) {
		fixtures_suffix(file[i], sizeof(file[i]));
		household(&bailiff, "91228", "social", sl.org_id, i ? "19 rue Saint-Spire" : "17 rue Saint-Spire", hh[i]);
		referral(&sl, "social_landlord", hh[i], NULL, r[i]);
		snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh[i]);
		snprintf(body, sizeof(body), "{\"reference\":\"%s\"}", file[i]);
		create(&bailiff, path, body, 201, proc[i]);
	}
	/* One act through the API... */
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc[0]);
	create(&bailiff, path, "{\"kind\":\"payment_order\",\"date\":\"2026-11-02\",\"debt_cents\":180000,"
			       "\"rent_cents\":60000,\"months_unpaid\":3}", 201, NULL);
	/* ...and one in an import batch. */
	snprintf(body, sizeof(body),
		 "[{\"external_id\":\"%s-po\",\"file_reference\":\"%s\",\"kind\":\"payment_order\",\"date\":\"2026-11-02\","
		 "\"debt_cents\":180000,\"rent_cents\":60000,\"months_unpaid\":3}]", file[1], file[1]);
	char headers[96];
	snprintf(headers, sizeof(headers), "Idempotency-Key: report-%s\r\n", file[1]);
	int status = 0;
	json_t *j = call(&bailiff, "POST", "/v1/imports/acts", body, headers, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "results"), 0), "status"), "created");
	json_decref(j);
	for (int i = 0; i < 2; i++) {
		/* No second referral: the landlord's, still received, records the report. */
		snprintf(path, sizeof(path), "/v1/referrals?household_id=%s", hh[i]);
		j = get(&admin, path, 200);
		ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
		ck_assert(list_has(j, r[i]));
		json_decref(j);
		j = get_referral(&admin, r[i], 200);
		ck_assert_str_eq(str(j, "kind"), "social_landlord");
		ck_assert_str_eq(str(j, "status"), "received");
		ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 2);
		json_decref(j);
		snprintf(want, sizeof(want), "received:%s bailiff_reported:%s", sl.org_id, bailiff.org_id);
		history_of(r[i], got, sizeof(got));
		ck_assert_str_eq(got, want);
	}
	/* Two reports on a household the CCAPEX does not follow yet, in one
	 * batch (two files): one referral, and the second joins it. */
	char hh3[40], files3[2][16], proc3[40];
	household(&bailiff, "91228", "social", sl.org_id, "21 rue Saint-Spire", hh3);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh3);
	for (int i = 0; i < 2; i++) {
		fixtures_suffix(files3[i], sizeof(files3[i]));
		snprintf(body, sizeof(body), "{\"reference\":\"%s\"}", files3[i]);
		create(&bailiff, path, body, 201, proc3);
	}
	snprintf(body, sizeof(body),
		 "[{\"external_id\":\"%s-po\",\"file_reference\":\"%s\",\"kind\":\"payment_order\",\"date\":\"2026-11-02\","
		 "\"debt_cents\":180000,\"rent_cents\":60000,\"months_unpaid\":3},"
		 "{\"external_id\":\"%s-po\",\"file_reference\":\"%s\",\"kind\":\"payment_order\",\"date\":\"2026-11-03\","
		 "\"debt_cents\":190000,\"rent_cents\":60000,\"months_unpaid\":3}]",
		 files3[0], files3[0], files3[1], files3[1]);
	snprintf(headers, sizeof(headers), "Idempotency-Key: report-%s\r\n", files3[0]);
	j = call(&bailiff, "POST", "/v1/imports/acts", body, headers, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "results"), 0), "status"), "created");
	ck_assert_str_eq(str(json_array_get(json_object_get(j, "results"), 1), "status"), "created");
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/referrals?household_id=%s", hh3);
	j = get(&admin, path, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_t *first = json_array_get(json_object_get(j, "items"), 0);
	ck_assert_str_eq(str(first, "kind"), "bailiff_report");
	char r3[40];
	snprintf(r3, sizeof(r3), "%s", str(first, "id"));
	json_decref(j);
	snprintf(want, sizeof(want), "received:%s bailiff_reported:%s", bailiff.org_id, bailiff.org_id);
	history_of(r3, got, sizeof(got));
	ck_assert_str_eq(got, want);

	/* A bailiff's report keyed in by the secretariat on a followed case is
	 * refused, and leaves no trace. */
	snprintf(body, sizeof(body), "{\"kind\":\"bailiff_report\",\"household_id\":\"%s\"}", hh[0]);
	send_expect(&admin, "POST", "/v1/referrals", body, NULL, 409, "household_id");
	history_of(r[0], got, sizeof(got));
	snprintf(want, sizeof(want), "received:%s bailiff_reported:%s", sl.org_id, bailiff.org_id);
	ck_assert_str_eq(got, want);
	/* Once that referral is closed, the next report opens its own. */
	snprintf(path, sizeof(path), "/v1/referrals/%s", r[0]);
	patch(&admin, path, "{\"status\":\"closed\"}", 200, NULL);
	snprintf(body, sizeof(body), "{\"kind\":\"bailiff_report\",\"household_id\":\"%s\",\"procedure_id\":\"%s\"}",
		 hh[0], proc[0]);
	char keyed[40];
	create(&admin, "/v1/referrals", body, 201, keyed);
	j = get_referral(&admin, keyed, 200);
	ck_assert_str_eq(str(j, "kind"), "bailiff_report");
	ck_assert_str_eq(str(j, "procedure_id"), proc[0]);
	json_decref(j);
	snprintf(want, sizeof(want), "received:%s", admin.org_id);
	history_of(keyed, got, sizeof(got));
	ck_assert_str_eq(got, want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api_ccapex");
	TCase *tc = tcase_create("ccapex");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, referrals_are_checked);
	tcase_add_test(tc, late_landlord_referral_is_flagged);
	tcase_add_test(tc, a_week_of_the_operational_ccapex);
	tcase_add_test(tc, clils_and_escalation);
	tcase_add_test(tc, clil_letters);
	tcase_add_test(tc, bailiff_reports_are_oriented);
	tcase_add_test(tc, commission_levels_of_the_decree);
	tcase_add_test(tc, a_report_on_a_followed_case_joins_its_referral);
	tcase_add_test(tc, replacing_an_opinion_keeps_its_recommendations);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
