/* Issue 6 end to end: social diagnostics (who sees them, statuses,
 * report, deadlines), the carence that opens a mobile-team case, outreach
 * cases and interventions, prevention letters and MASP measures, with their
 * yearly figures. */
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

static void admin_new(void)
{
	fixtures_admin(&server, &admin);
}

static json_t *call(const struct party *p, const char *method, const char *path, const char *body, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, NULL, status);
}

/* With an If-Match header of version. */
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

static void expect_status(const struct party *p, const char *method, const char *path, const char *body, int want,
			  const char *field)
{
	int status = 0;
	json_t *j = call(p, method, path, body, &status);
	expect(j, status, want, field);
	json_decref(j);
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static int version_of(const json_t *j)
{
	return (int)json_integer_value(json_object_get(j, "version"));
}

/* A household of the sector in commune insee, created by p (a bailiff
 * gives no occupants: it may not know or set them). */
static void household(const struct party *p, const char *insee, const char *sector, char *id)
{
	char body[512];
	bool bailiff = strcmp(p->kind, "bailiff") == 0;
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"12 rue des Lilas\",\"postcode\":\"91100\",\"insee\":\"%s\"},"
		 "\"sector\":\"%s\"%s,\"rent_cents\":70000}", insee, sector,
		 bailiff ? "" : ",\"occupants\":{\"adults\":1,\"children\":1}");
	int status = 0;
	json_t *j = call(p, "POST", "/v1/households", body, &status);
	expect(j, status, 201, NULL);
	snprintf(id, 40, "%s", str(j, "id"));
	json_decref(j);
}

/* A bailiff's procedure at the summons stage on a new household: the
 * summons opens the diagnostic request, assigned to a social service that
 * covers the commune (the oldest of them: other tests make theirs too, so
 * the département then hands it to service, as it may). Its id goes in
 * diag_id; it is then at version 2. */
static void summons_case(const struct party *bailiff, const struct party *service, const char *sector, char *hh,
			 char *diag_id)
{
	char path[160], proc[40], body[128];
	struct party departement;
	fixtures_party(&server, &admin, "departement", NULL, NULL, &departement);
	household(bailiff, "91174", sector, hh);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	int status = 0;
	json_t *j = call(bailiff, "POST", path, "{\"reference\":\"CJ-FW-1\"}", &status);
	expect(j, status, 201, NULL);
	snprintf(proc, sizeof(proc), "%s", str(j, "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	j = call(bailiff, "POST", path,
		 "{\"kind\":\"summons\",\"date\":\"2025-11-03\",\"hearing_on\":\"2026-01-20\","
		 "\"court\":\"Tribunal judiciaire d'Évry\",\"prefet_notified_on\":\"2025-11-04\"}", &status);
	expect(j, status, 201, NULL);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/diagnostics?household_id=%s", hh);
	j = call(&departement, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	json_t *items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	const json_t *d = json_array_get(items, 0);
	snprintf(diag_id, 40, "%s", str(d, "id"));
	ck_assert_str_eq(str(d, "status"), "requested");
	ck_assert_ptr_nonnull(str(json_object_get(d, "assigned_org"), "id"));
	/* The list gives each diagnostic as GET /v1/diagnostics/{id} does. */
	char one[128];
	snprintf(one, sizeof(one), "/v1/diagnostics/%s", diag_id);
	json_t *single = call(&departement, "GET", one, NULL, &status);
	expect(single, status, 200, NULL);
	ck_assert_int_gt(json_array_size(json_object_get(d, "deadlines")), 0);
	ck_assert(json_equal(json_object_get(d, "deadlines"), json_object_get(single, "deadlines")));
	ck_assert(json_equal(json_object_get(d, "flags"), json_object_get(single, "flags")));
	json_decref(single);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/diagnostics/%s", diag_id);
	snprintf(body, sizeof(body), "{\"assigned_org_id\":\"%s\"}", service->org_id);
	j = call_if(&departement, "PATCH", path, body, 1, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(version_of(j), 2);
	json_decref(j);
}

static const json_t *deadline(const json_t *d, const char *name)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(d, "deadlines"), i, x)
		if (strcmp(str(x, "name"), name) == 0)
			return x;
	return NULL;
}

#define REPORT \
	"{\"budget\":{\"income_cents\":140000,\"housing_benefit_cents\":25000,\"rent_cents\":70000," \
	"\"expenses_cents\":60000},\"debt\":{\"rent_arrears_cents\":420000,\"other_debts_cents\":80000}," \
	"\"causes\":[\"job_loss\",\"separation\"],\"proposals\":[\"fsl_aid\",\"payment_plan\"]," \
	"\"comment\":\"Reprise d'emploi prévue en mars.\"}"

START_TEST(diagnostic_visibility)
{
	admin_new();
	struct party bailiff, service, far_service, landlord, association;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91174\"]}", NULL, &service);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &far_service);
	fixtures_party(&server, &admin, "private_landlord", "{\"communes\":[\"91174\"]}", NULL, &landlord);
	fixtures_party(&server, &admin, "association", "{\"communes\":[\"91174\"]}", NULL, &association);
	char hh[40], diag[40], path[160];
	summons_case(&bailiff, &service, "private", hh, diag);
	snprintf(path, sizeof(path), "/v1/diagnostics/%s", diag);

	int status = 0;
	json_t *d = call(&service, "GET", path, NULL, &status);
	expect(d, status, 200, NULL);
	ck_assert_str_eq(str(d, "status"), "requested");
	ck_assert_str_eq(str(json_object_get(d, "assigned_org"), "id"), service.org_id);
	ck_assert_str_eq(str(json_object_get(d, "assigned_org"), "kind"), "social_service");
	ck_assert_ptr_nonnull(str(json_object_get(d, "assigned_org"), "name"));
	ck_assert_str_eq(str(d, "requested_on"), "2025-11-03");
	/* 11 November is a holiday: the 15th working day is 25 November. */
	ck_assert_str_eq(str(deadline(d, "diagnostic_interview_offer"), "due_on"), "2025-11-25");
	ck_assert_str_eq(str(deadline(d, "diagnostic_report"), "due_on"), "2026-01-13");
	json_decref(d);

	/* The préfecture sees it; nobody else does, not even the landlord. */
	expect_status(&admin, "GET", path, NULL, 200, NULL);
	expect_status(&far_service, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", path, NULL, 404, NULL);
	expect_status(&association, "GET", path, NULL, 404, NULL);
	expect_status(&bailiff, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", "/v1/diagnostics", NULL, 403, NULL);
	expect_status(&bailiff, "GET", "/v1/diagnostics", NULL, 403, NULL);
	char list[160];
	snprintf(list, sizeof(list), "/v1/diagnostics?household_id=%s", hh);
	json_t *l = call(&far_service, "GET", list, NULL, &status);
	expect(l, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(l, "items")), 0);
	json_decref(l);
	/* Nor may they write it. */
	json_decref(call_if(&far_service, "PATCH", path, "{\"note\":\"x\"}", 2, &status));
	ck_assert_int_eq(status, 404);
	expect_status(&service, "GET", "/v1/diagnostics?status=lost", NULL, 400, "status");
	expect_status(&service, "GET", "/v1/diagnostics?household_id=12", NULL, 400, "household_id");
	expect_status(&service, "GET", "/v1/diagnostics/not-a-uuid", NULL, 404, NULL);

	/* Every read is in the audit log. */
	char audit[200];
	snprintf(audit, sizeof(audit), "/v1/audit?resource_type=diagnostic&resource_id=%s&organisation_id=%s", diag,
		 service.org_id);
	l = call(&admin, "GET", audit, NULL, &status);
	expect(l, status, 200, NULL);
	ck_assert_int_ge(json_array_size(json_object_get(l, "items")), 1);
	json_decref(l);
}
END_TEST

START_TEST(diagnostic_interview_report)
{
	admin_new();
	struct party bailiff, service, departement;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91174\"]}", NULL, &service);
	fixtures_party(&server, &admin, "departement", NULL, NULL, &departement);
	char hh[40], diag[40], path[160];
	summons_case(&bailiff, &service, "social", hh, diag);
	snprintf(path, sizeof(path), "/v1/diagnostics/%s", diag);
	int status = 0;

	json_t *j = call(&service, "PATCH", path, "{\"note\":\"x\"}", &status);
	expect(j, status, 428, "If-Match");
	json_decref(j);
	json_decref(call_if(&service, "PATCH", path, "{\"note\":\"x\"}", 8, &status));
	ck_assert_int_eq(status, 412);
	json_decref(call_if(&service, "PATCH", path, "{\"household_id\":\"x\"}", 2, &status));
	ck_assert_int_eq(status, 400);
	j = call_if(&service, "PATCH", path, "{\"status\":\"finished\"}", 2, &status);
	expect(j, status, 400, "status");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"interview_offered_on\":\"2025-13-01\"}", 2, &status);
	expect(j, status, 400, "interview_offered_on");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"status\":\"done\"}", 2, &status);
	expect(j, status, 409, "status");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"status\":\"interview_offered\"}", 2, &status);
	expect(j, status, 422, "interview_offered_on");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"assigned_org_id\":\"00000000-0000-4000-8000-000000000000\"}", 1,
		    &status);
	expect(j, status, 403, "assigned_org_id");
	json_decref(j);

	/* Offered a day late: accepted, and flagged. */
	j = call_if(&service, "PATCH", path, "{\"status\":\"interview_offered\",\"interview_offered_on\":\"2025-11-26\"}",
		    2, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(version_of(j), 3);
	ck_assert_str_eq(str(deadline(j, "diagnostic_interview_offer"), "status"), "late");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "flags"), 0)),
			 "diagnostic_interview_offer_late");
	json_decref(j);

	/* The report is structured. */
	j = call_if(&service, "PATCH", path,
		    "{\"status\":\"done\",\"report_sent_on\":\"2026-01-12\",\"report\":{\"budget\":{\"income_cents\":1},"
		    "\"debt\":{\"rent_arrears_cents\":1},\"causes\":[\"bad_luck\"],\"proposals\":[\"fsl_aid\"]}}",
		    3, &status);
	expect(j, status, 400, "report.causes");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"status\":\"done\",\"report_sent_on\":\"2026-01-12\",\"report\":"
		    "{\"budget\":{\"income_cents\":1},\"debt\":{},\"causes\":[\"job_loss\"],\"proposals\":[\"fsl_aid\"]}}",
		    3, &status);
	expect(j, status, 400, "report.debt");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"status\":\"done\",\"report_sent_on\":\"2026-01-12\"}", 3, &status);
	expect(j, status, 422, "report");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"status\":\"done\",\"report_sent_on\":\"2026-01-12\",\"report\":" REPORT "}",
		    3, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(j, "status"), "done");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(j, "report"), "debt"),
							    "rent_arrears_cents")), 420000);
	ck_assert_str_eq(str(deadline(j, "diagnostic_report"), "status"), "met");
	ck_assert_ptr_null(str(j, "outreach_case_id"));
	json_decref(j);
	/* A done diagnostic no longer changes. */
	j = call_if(&service, "PATCH", path, "{\"note\":\"after\"}", 4, &status);
	expect(j, status, 409, "status");
	json_decref(j);

	/* The département reads the report; it may also request one. */
	j = call(&departement, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert(json_is_array(json_object_get(json_object_get(j, "report"), "causes")));
	json_decref(j);
	char body[256];
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"requested_on\":\"2026-02-02\"}",
		 hh, service.org_id);
	j = call(&departement, "POST", "/v1/diagnostics", body, &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(str(j, "status"), "requested");
	json_decref(j);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\"}", hh, bailiff.org_id);
	expect_status(&departement, "POST", "/v1/diagnostics", body, 422, "assigned_org_id");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"status\":\"done\"}", hh);
	expect_status(&departement, "POST", "/v1/diagnostics", body, 400, "status");
	expect_status(&departement, "POST", "/v1/diagnostics",
		      "{\"household_id\":\"00000000-0000-4000-8000-000000000000\"}", 422, "household_id");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\"}", hh);
	expect_status(&service, "POST", "/v1/diagnostics", body, 403, NULL);
}
END_TEST

START_TEST(carence_offers_mobile_team)
{
	admin_new();
	struct party bailiff, service, far_team, team, landlord, other;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91174\"]}", NULL, &service);
	fixtures_party(&server, &admin, "association", "{\"communes\":[\"91223\"]}", NULL, &far_team);
	fixtures_party(&server, &admin, "association", "{\"epcis\":[\"200059228\"]}", NULL, &team);
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "association", NULL, NULL, &other);
	char path[160];
	/* Flagging a team is the administrators' act, for associations only. */
	snprintf(path, sizeof(path), "/v1/outreach/teams/%s", team.org_id);
	expect_status(&service, "PUT", path, NULL, 403, NULL);
	snprintf(path, sizeof(path), "/v1/outreach/teams/%s", landlord.org_id);
	expect_status(&admin, "PUT", path, NULL, 422, NULL);
	/* The set of mobile teams is the département's: start from none. */
	int status = 0;
	json_t *teams = call(&admin, "GET", "/v1/outreach/teams", NULL, &status);
	expect(teams, status, 200, NULL);
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(teams, "items"), i, t) {
		snprintf(path, sizeof(path), "/v1/outreach/teams/%s", str(json_object_get(t, "org"), "id"));
		expect_status(&admin, "DELETE", path, NULL, 204, NULL);
	}
	json_decref(teams);
	/* The team flagged first does not cover the commune: the one whose
	 * territory (here through its EPCI) covers it takes the case. */
	snprintf(path, sizeof(path), "/v1/outreach/teams/%s", far_team.org_id);
	expect_status(&admin, "PUT", path, NULL, 200, NULL);
	snprintf(path, sizeof(path), "/v1/outreach/teams/%s", team.org_id);
	expect_status(&admin, "PUT", path, NULL, 200, NULL);
	expect_status(&admin, "PUT", path, NULL, 200, NULL);

	char hh[40], diag[40], social_hh[40], social_diag[40];
	summons_case(&bailiff, &service, "private", hh, diag);
	summons_case(&bailiff, &service, "social", social_hh, social_diag);
	snprintf(path, sizeof(path), "/v1/diagnostics/%s", diag);
	json_t *j = call_if(&service, "PATCH", path, "{\"status\":\"carence\",\"carence_on\":\"2025-10-01\"}", 2, &status);
	expect(j, status, 422, "carence_on");
	json_decref(j);
	j = call_if(&service, "PATCH", path, "{\"status\":\"carence\",\"carence_on\":\"2025-11-28\"}", 2, &status);
	expect(j, status, 200, NULL);
	char case_id[40];
	ck_assert_ptr_nonnull(str(j, "outreach_case_id"));
	snprintf(case_id, sizeof(case_id), "%s", str(j, "outreach_case_id"));
	json_decref(j);

	snprintf(path, sizeof(path), "/v1/outreach/cases/%s", case_id);
	j = call(&team, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(json_object_get(j, "assigned_org"), "id"), team.org_id);
	ck_assert_str_eq(str(j, "diagnostic_id"), diag);
	ck_assert_str_eq(str(j, "household_id"), hh);
	ck_assert_int_eq(json_array_size(json_object_get(j, "interventions")), 0);
	json_decref(j);
	expect_status(&far_team, "GET", path, NULL, 404, NULL);
	expect_status(&other, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", "/v1/outreach/cases", NULL, 403, NULL);
	expect_status(&admin, "GET", path, NULL, 200, NULL);

	/* A social-sector carence stays with the social service. */
	snprintf(path, sizeof(path), "/v1/diagnostics/%s", social_diag);
	j = call_if(&service, "PATCH", path, "{\"status\":\"carence\",\"carence_on\":\"2025-11-28\"}", 2, &status);
	expect(j, status, 200, NULL);
	ck_assert(json_is_null(json_object_get(j, "outreach_case_id")));
	json_decref(j);

	j = call(&admin, "GET", "/v1/outreach/teams", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_ge(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/outreach/teams/%s", far_team.org_id);
	expect_status(&admin, "DELETE", path, NULL, 204, NULL);
	expect_status(&admin, "DELETE", path, NULL, 404, NULL);
}
END_TEST

/* A case opened by the préfecture on its own household, for team. */
static void open_case(const struct party *team, char *hh, char *case_id)
{
	char body[256];
	household(&admin, "91174", "private", hh);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"opened_on\":\"2025-12-01\"}",
		 hh, team->org_id);
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/outreach/cases", body, &status);
	expect(j, status, 201, NULL);
	snprintf(case_id, 40, "%s", str(j, "id"));
	json_decref(j);
}

START_TEST(outreach_case_work)
{
	admin_new();
	struct party team, other, adil;
	fixtures_party(&server, &admin, "association", NULL, NULL, &team);
	fixtures_party(&server, &admin, "association", NULL, NULL, &other);
	fixtures_party(&server, &admin, "adil", NULL, NULL, &adil);
	char hh[40], case_id[40], path[160], body[512];
	open_case(&team, hh, case_id);
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s/interventions", case_id);
	int status = 0;
	json_t *j = call(&team, "POST", path, "{\"kind\":\"home_visit\",\"date\":\"2025-12-05\",\"agent\":\"K. Diallo\","
		       "\"outcome\":\"absent, avis de passage\"}", &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(str(j, "kind"), "home_visit");
	json_decref(j);
	expect_status(&team, "POST", path, "{\"kind\":\"visit\",\"date\":\"2025-12-05\",\"agent\":\"K\",\"outcome\":\"x\"}",
		      400, "kind");
	expect_status(&team, "POST", path, "{\"kind\":\"letter\",\"date\":\"2025-12-05\",\"outcome\":\"x\"}", 400, "agent");
	/* Issue 13: blank or control text, a date out of its window. */
	expect_status(&team, "POST", path, "{\"kind\":\"letter\",\"date\":\"2025-12-05\",\"agent\":\" \",\"outcome\":\"x\"}",
		      400, "agent");
	expect_status(&team, "POST", path,
		      "{\"kind\":\"letter\",\"date\":\"2025-12-05\",\"agent\":\"K\\u0001\",\"outcome\":\"x\"}", 400, "agent");
	expect_status(&team, "POST", path,
		      "{\"kind\":\"letter\",\"date\":\"2025-12-05\",\"agent\":\"K\",\"outcome\":\"x\",\"note\":\"\\u009b\"}",
		      400, "note");
	expect_status(&team, "POST", path, "{\"kind\":\"letter\",\"date\":\"9999-12-31\",\"agent\":\"K\",\"outcome\":\"x\"}",
		      400, "date");
	j = call(&team, "POST", path, "{\"kind\":\"letter\",\"date\":\"2025-12-05\",\"agent\":\"  K. Diallo \","
		 "\"outcome\":\"x\",\"note\":\" ligne 1\\nligne 2\\n\"}", &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(str(j, "agent"), "K. Diallo");
	ck_assert_str_eq(str(j, "note"), "ligne 1\nligne 2");
	json_decref(j);
	expect_status(&team, "POST", path, "{\"kind\":\"letter\",\"date\":\"2025-11-05\",\"agent\":\"K\",\"outcome\":\"x\"}",
		      422, "date");
	expect_status(&team, "POST", path,
		      "{\"kind\":\"letter\",\"date\":\"2025-12-06\",\"agent\":\"K\",\"outcome\":\"x\",\"version\":1}", 400,
		      "version");
	expect_status(&other, "POST", path, "{\"kind\":\"letter\",\"date\":\"2025-12-06\",\"agent\":\"K\",\"outcome\":\"x\"}",
		      404, NULL);

	snprintf(path, sizeof(path), "/v1/outreach/cases/%s", case_id);
	j = call_if(&team, "PATCH", path, "{\"outcome\":\"contact_established\",\"follow_up\":{\"debt_settled\":true,"
		    "\"landlord_contacted_adil\":true},\"note\":\"Plan d'apurement signé\"}", 1, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(j, "outcome"), "contact_established");
	ck_assert(json_is_true(json_object_get(json_object_get(j, "follow_up"), "debt_settled")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "interventions")), 2);
	ck_assert_int_eq(version_of(j), 2);
	json_decref(j);
	expect_status(&team, "PATCH", path, "{\"outcome\":\"gone\"}", 428, "If-Match");
	j = call_if(&team, "PATCH", path, "{\"outcome\":\"npai\"}", 1, &status);
	expect(j, status, 412, "If-Match");
	json_decref(j);
	j = call_if(&team, "PATCH", path, "{\"outcome\":\"gone\"}", 2, &status);
	expect(j, status, 400, "outcome");
	json_decref(j);
	j = call_if(&team, "PATCH", path, "{\"follow_up\":{\"debt_settled\":\"yes\"}}", 2, &status);
	expect(j, status, 400, "follow_up");
	json_decref(j);
	snprintf(body, sizeof(body), "{\"assigned_org_id\":\"%s\"}", other.org_id);
	j = call_if(&team, "PATCH", path, body, 2, &status);
	expect(j, status, 403, "assigned_org_id");
	json_decref(j);
	j = call_if(&other, "PATCH", path, "{\"outcome\":\"npai\"}", 2, &status);
	expect(j, status, 404, NULL);
	json_decref(j);
	expect_status(&team, "DELETE", path, NULL, 428, "If-Match");
	json_decref(call_if(&team, "DELETE", path, NULL, 2, &status));
	ck_assert_int_eq(status, 404);

	/* The team's list and the yearly figures. */
	j = call(&team, "GET", "/v1/outreach/cases?outcome=contact_established", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	j = call(&other, "GET", "/v1/outreach/cases", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = call(&team, "GET", "/v1/outreach/summary?year=2025", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "cases")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "home_visits")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "debts_settled")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "landlords_contacted_adil")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "outcomes"), "contact_established")), 1);
	json_decref(j);
	expect_status(&team, "GET", "/v1/outreach/summary?year=20x5", NULL, 400, "year");

	/* Cases go to a team: an association or the ADIL. */
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\"}", hh, admin.org_id);
	expect_status(&admin, "POST", "/v1/outreach/cases", body, 422, "assigned_org_id");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\"}", hh, adil.org_id);
	expect_status(&admin, "POST", "/v1/outreach/cases", body, 201, NULL);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\"}", hh);
	expect_status(&team, "POST", "/v1/outreach/cases", body, 403, NULL);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"outcome\":\"npai\"}", hh);
	expect_status(&admin, "POST", "/v1/outreach/cases", body, 400, "outcome");
	/* The préfecture withdraws a case. */
	j = call_if(&admin, "DELETE", path, NULL, 2, &status);
	ck_assert_int_eq(status, 204);
	json_decref(j);
	expect_status(&team, "GET", path, NULL, 404, NULL);
}
END_TEST

START_TEST(prevention_letters)
{
	admin_new();
	struct party adil, other_adil, landlord;
	fixtures_party(&server, &admin, "adil", NULL, NULL, &adil);
	fixtures_party(&server, &admin, "adil", NULL, NULL, &other_adil);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char hh[40], admin_hh[40], body[512], path[160];
	household(&adil, "91174", "private", hh);
	household(&admin, "91174", "social", admin_hh);
	int status = 0;
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-03-03\",\"channel\":\"post\"}", hh);
	json_t *j = call(&adil, "POST", "/v1/prevention-letters", body, &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(str(json_object_get(j, "operator_org"), "id"), adil.org_id);
	ck_assert_str_eq(str(json_object_get(j, "operator_org"), "kind"), "adil");
	ck_assert(json_is_false(json_object_get(j, "answered")));
	char letter[40];
	snprintf(letter, sizeof(letter), "%s", str(j, "id"));
	json_decref(j);
	/* The ADIL records its own letters, on households it may read. */
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-03-03\",\"channel\":\"post\"}", admin_hh);
	expect_status(&adil, "POST", "/v1/prevention-letters", body, 422, "household_id");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-03-03\",\"channel\":\"post\","
		 "\"operator_org_id\":\"%s\"}", hh, other_adil.org_id);
	expect_status(&adil, "POST", "/v1/prevention-letters", body, 403, "operator_org_id");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-03-03\",\"channel\":\"pigeon\"}", hh);
	expect_status(&adil, "POST", "/v1/prevention-letters", body, 400, "channel");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"channel\":\"post\"}", hh);
	expect_status(&adil, "POST", "/v1/prevention-letters", body, 400, "sent_on");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"0001-01-01\",\"channel\":\"post\"}", hh);
	expect_status(&adil, "POST", "/v1/prevention-letters", body, 400, "sent_on");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"9999-12-31\",\"channel\":\"post\"}", hh);
	expect_status(&adil, "POST", "/v1/prevention-letters", body, 400, "sent_on");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-03-03\",\"channel\":\"post\"}", hh);
	expect_status(&landlord, "POST", "/v1/prevention-letters", body, 403, NULL);
	/* The préfecture sends for the ADIL. */
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-04-01\",\"channel\":\"email\","
		 "\"operator_org_id\":\"%s\"}", admin_hh, adil.org_id);
	expect_status(&admin, "POST", "/v1/prevention-letters", body, 201, NULL);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-04-01\",\"channel\":\"email\","
		 "\"operator_org_id\":\"%s\"}", admin_hh, landlord.org_id);
	expect_status(&admin, "POST", "/v1/prevention-letters", body, 422, "operator_org_id");

	snprintf(path, sizeof(path), "/v1/prevention-letters/%s", letter);
	expect_status(&other_adil, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", "/v1/prevention-letters", NULL, 403, NULL);
	j = call_if(&adil, "PATCH", path, "{\"outcomes\":[\"payment_resumed\"]}", 1, &status);
	expect(j, status, 422, "outcomes");
	json_decref(j);
	j = call_if(&adil, "PATCH", path, "{\"outcomes\":[\"payment_stopped\"]}", 1, &status);
	expect(j, status, 400, "outcomes");
	json_decref(j);
	j = call_if(&adil, "PATCH", path, "{\"household_id\":\"x\"}", 1, &status);
	expect(j, status, 400, "household_id");
	json_decref(j);
	j = call_if(&adil, "PATCH", path, "{\"answered\":true,\"answered_on\":\"2025-03-20\","
		    "\"outcomes\":[\"payment_resumed\",\"meeting_ccas\",\"adil_contact\"]}", 1, &status);
	expect(j, status, 200, NULL);
	ck_assert(json_is_true(json_object_get(j, "answered")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "outcomes")), 3);
	json_decref(j);

	j = call(&adil, "GET", "/v1/prevention-letters/summary?year=2025", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "sent")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "answered")), 1);
	ck_assert(json_real_value(json_object_get(j, "response_rate_percent")) == 50.0 ||
		  json_integer_value(json_object_get(j, "response_rate_percent")) == 50);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "payment_resumed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "meetings")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "adil_contacts")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "debt_settled")), 0);
	json_decref(j);
	j = call(&other_adil, "GET", "/v1/prevention-letters/summary?year=2025", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "sent")), 0);
	json_decref(j);
	j = call(&adil, "GET", "/v1/prevention-letters?channel=email", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
}
END_TEST

START_TEST(masp_measures)
{
	admin_new();
	struct party departement, operator, other, landlord;
	fixtures_party(&server, &admin, "departement", NULL, NULL, &departement);
	fixtures_party(&server, &admin, "association", NULL, NULL, &operator);
	fixtures_party(&server, &admin, "association", NULL, NULL, &other);
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &landlord);
	char hh[40], body[512], path[160], id[40], ended[40];
	household(&departement, "91174", "private", hh);
	int status = 0;
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":2,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"2026-02-01\"}", hh, operator.org_id);
	json_t *j = call(&departement, "POST", "/v1/masp", body, &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(str(j, "status"), "active");
	snprintf(id, sizeof(id), "%s", str(j, "id"));
	json_decref(j);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2024-01-01\",\"planned_end_on\":\"2025-01-01\"}", hh, operator.org_id);
	j = call(&departement, "POST", "/v1/masp", body, &status);
	expect(j, status, 201, NULL);
	snprintf(ended, sizeof(ended), "%s", str(j, "id"));
	json_decref(j);

	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":3,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"2026-02-01\"}", hh, operator.org_id);
	expect_status(&departement, "POST", "/v1/masp", body, 400, "type");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"9999-12-31\"}", hh, operator.org_id);
	expect_status(&departement, "POST", "/v1/masp", body, 400, "planned_end_on");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"0001-01-01\",\"planned_end_on\":\"2026-02-01\"}", hh, operator.org_id);
	expect_status(&departement, "POST", "/v1/masp", body, 400, "start_on");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"2025-03-01\"}", hh, operator.org_id);
	expect_status(&departement, "POST", "/v1/masp", body, 422, "planned_end_on");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"2026-02-01\"}", hh, landlord.org_id);
	expect_status(&departement, "POST", "/v1/masp", body, 422, "operator_org_id");
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"2026-02-01\",\"status\":\"active\"}", hh,
		 operator.org_id);
	expect_status(&departement, "POST", "/v1/masp", body, 400, "status");
	expect_status(&operator, "POST", "/v1/masp", body, 403, NULL);

	snprintf(path, sizeof(path), "/v1/masp/%s", id);
	expect_status(&operator, "GET", path, NULL, 200, NULL);
	expect_status(&other, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", path, NULL, 404, NULL);
	expect_status(&landlord, "GET", "/v1/masp", NULL, 403, NULL);

	/* Renewed by its operator, then ended. */
	snprintf(path, sizeof(path), "/v1/masp/%s/renewals", id);
	j = call_if(&operator, "POST", path, "{\"renewed_on\":\"2026-01-15\",\"until_on\":\"2029-01-01\"}", 1, &status);
	expect(j, status, 422, "until_on");
	json_decref(j);
	j = call_if(&operator, "POST", path, "{\"renewed_on\":\"2026-01-15\",\"until_on\":\"2027-02-01\"}", 1, &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(str(j, "planned_end_on"), "2027-02-01");
	ck_assert_int_eq(json_array_size(json_object_get(j, "renewals")), 1);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/masp/%s", ended);
	j = call_if(&operator, "PATCH", path, "{\"status\":\"completed\"}", 1, &status);
	expect(j, status, 422, "end_on");
	json_decref(j);
	j = call_if(&operator, "PATCH", path, "{\"status\":\"over\",\"end_on\":\"2025-03-01\"}", 1, &status);
	expect(j, status, 400, "status");
	json_decref(j);
	j = call_if(&operator, "PATCH", path, "{\"status\":\"completed\",\"end_on\":\"2025-03-01\"}", 1, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(str(j, "end_on"), "2025-03-01");
	json_decref(j);
	j = call_if(&operator, "PATCH", path, "{\"note\":\"x\"}", 2, &status);
	expect(j, status, 409, "status");
	json_decref(j);
	snprintf(body, sizeof(body), "{\"operator_org_id\":\"%s\"}", other.org_id);
	j = call_if(&operator, "PATCH", path, body, 2, &status);
	expect(j, status, 403, "operator_org_id");
	json_decref(j);

	/* 2025: both effective, one started, none renewed, one ended after 14
	 * months (1 January 2024 to 1 March 2025: 425 days). */
	j = call(&operator, "GET", "/v1/masp/summary?year=2025", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "effective")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "started")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "renewed")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "ended")), 1);
	ck_assert(json_real_value(json_object_get(j, "average_length_months")) == 14.0);
	json_decref(j);
	j = call(&operator, "GET", "/v1/masp/summary?year=2026", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "renewed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "effective")), 1);
	json_decref(j);
	j = call(&other, "GET", "/v1/masp/summary?year=2025", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "effective")), 0);
	json_decref(j);
}
END_TEST

static Suite *field_work_suite(void)
{
	Suite *s = suite_create("field_work");
	TCase *tc = tcase_create("field_work");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, diagnostic_visibility);
	tcase_add_test(tc, diagnostic_interview_report);
	tcase_add_test(tc, carence_offers_mobile_team);
	tcase_add_test(tc, outreach_case_work);
	tcase_add_test(tc, prevention_letters);
	tcase_add_test(tc, masp_measures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(field_work_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
