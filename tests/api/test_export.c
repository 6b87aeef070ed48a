/* Issue 16, the right of access (GDPR art. 15): GET /v1/households/{id}/export
 * gives everything held on a household and who read or wrote it, as JSON or
 * as a French HTML page, to the préfecture and the département only. Each
 * test makes its own parties and records. */
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
}

static void teardown(void)
{
	harness_stop(&server);
}

static void admin_new(void)
{
	fixtures_admin(&server, &admin);
}

/* Sends, expects want and returns the answer (a new reference). */
static json_t *send_json(const struct party *p, const char *method, const char *path, const char *body,
			 const char *headers, int want)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, method, path, body, headers, &status);
	ck_assert_msg(status == want, "%s %s as %s answered %d, wanted %d: %s (%s)", method, path, p ? p->kind : "nobody", status, want,
		      json_string_value(json_object_get(j, "detail")), json_string_value(json_object_get(j, "field")));
	return j;
}

static void send_expect(const struct party *p, const char *method, const char *path, const char *body,
			const char *headers, int want)
{
	json_decref(send_json(p, method, path, body, headers, want));
}

/* POSTs, expects 201, copies the member "id" into id (40 bytes). */
static void create(const struct party *p, const char *path, const char *body, char *id)
{
	json_t *j = send_json(p, "POST", path, body, NULL, 201);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static bool has_id(const json_t *items, const char *id)
{
	size_t i;
	const json_t *item;
	json_array_foreach(items, i, item)
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
			return true;
	return false;
}

/* Whether the access log holds an entry by org with this action. */
static bool logged(const json_t *doc, const char *org_id, const char *action)
{
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(doc, "access_log"), i, e) {
		const char *who = json_string_value(json_object_get(json_object_get(e, "org"), "id"));
		if (who != NULL && strcmp(who, org_id) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "action")), action) == 0)
			return true;
	}
	return false;
}

/* A case with one record of every kind. */
struct case_records {
	struct party departement, bailiff, caf, service, team, adil;
	char hh[40], procedure[40], diagnostic[40], referral[40], letter[40], measure[40], outreach[40];
	char signal[40], caf_no[24], tag[16];
};

static void case_build(struct case_records *c)
{
	char body[2048], path[192], commission[40];
	fixtures_suffix(c->tag, sizeof(c->tag));
	snprintf(c->caf_no, sizeof(c->caf_no), "E%.8s", c->tag);
	for (char *p = c->caf_no; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	fixtures_party(&server, &admin, "departement", NULL, NULL, &c->departement);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &c->bailiff);
	fixtures_party(&server, &admin, "caf", "{\"communes\":[\"91228\"]}", NULL, &c->caf);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91228\"]}", NULL, &c->service);
	fixtures_party(&server, &admin, "association", NULL, NULL, &c->team);
	fixtures_party(&server, &admin, "adil", NULL, NULL, &c->adil);

	/* The bailiff brings the household in, with a private landlord whose
	 * name would be markup if the page did not escape it. */
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"7 impasse des Essais %s\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		 "\"sector\":\"private\",\"rent_cents\":61000,"
		 "\"landlord\":{\"name\":\"Mme <script>alert(1)</script> Exemple\",\"contact\":\"boîte 4\"}}",
		 c->tag);
	create(&c->bailiff, "/v1/households", body, c->hh);
	snprintf(path, sizeof(path), "/v1/households/%s", c->hh);
	snprintf(body, sizeof(body),
		 "{\"occupants\":{\"adults\":2,\"children\":1},\"income_cents\":143000,\"caf_number\":\"%s\","
		 "\"contact\":{\"phone\":\"06 00 00 00 00\",\"email\":\"export-%s@example.org\"},"
		 "\"vulnerability_notes\":\"Note d'essai & <b>gras</b> %s\"}", c->caf_no, c->tag, c->tag);
	send_expect(&admin, "PATCH", path, body, "If-Match: *\r\n", 200);

	/* A procedure: the summons opens the diagnostic request. */
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", c->hh);
	create(&c->bailiff, path, "{\"reference\":\"CJ-EXPORT\"}", c->procedure);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", c->procedure);
	send_expect(&c->bailiff, "POST", path,
		    "{\"kind\":\"summons\",\"date\":\"2026-11-02\",\"hearing_on\":\"2027-01-20\","
		    "\"court\":\"Tribunal judiciaire d'Évry\",\"prefet_notified_on\":\"2026-11-03\"}", NULL, 201);
	snprintf(path, sizeof(path), "/v1/diagnostics?household_id=%s", c->hh);
	json_t *j = send_json(&c->departement, "GET", path, NULL, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	snprintf(c->diagnostic, 40, "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id")));
	json_decref(j);

	/* A referral, examined by a session that gives an opinion with a
	 * recommendation. */
	snprintf(body, sizeof(body), "{\"kind\":\"signalled\",\"household_id\":\"%s\",\"debt_cents\":240000,"
		 "\"months_unpaid\":4,\"reason\":\"Perte d'emploi %s\"}", c->hh, c->tag);
	create(&c->departement, "/v1/referrals", body, c->referral);
	snprintf(path, sizeof(path), "/v1/referrals/%s", c->referral);
	send_expect(&admin, "PATCH", path, "{\"status\":\"admissible\"}", "If-Match: *\r\n", 200);
	create(&admin, "/v1/commissions", "{\"level\":\"operational\",\"date\":\"2026-12-17\"}", commission);
	snprintf(path, sizeof(path), "/v1/commissions/%s/agenda", commission);
	snprintf(body, sizeof(body), "{\"referral_id\":\"%s\"}", c->referral);
	send_expect(&admin, "POST", path, body, "If-Match: *\r\n", 201);
	snprintf(path, sizeof(path), "/v1/commissions/%s", commission);
	send_expect(&admin, "PATCH", path, "{\"status\":\"in_session\"}", "If-Match: *\r\n", 200);
	snprintf(path, sizeof(path), "/v1/commissions/%s/opinions/%s", commission, c->referral);
	snprintf(body, sizeof(body),
		 "{\"summary\":\"Avis d'essai %s\",\"decisions\":[\"fsl_aid\"],\"recommendations\":"
		 "[{\"addressee_org_id\":\"%s\",\"text\":\"Instruire une aide FSL\",\"due_on\":\"2027-01-15\"}]}",
		 c->tag, c->departement.org_id);
	send_expect(&admin, "PUT", path, body, NULL, 201);

	/* A prevention letter, a MASP measure, an outreach case with an
	 * intervention. */
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2026-10-01\",\"channel\":\"post\","
		 "\"operator_org_id\":\"%s\",\"note\":\"Courrier d'essai %s\"}", c->hh, c->adil.org_id, c->tag);
	create(&admin, "/v1/prevention-letters", body, c->letter);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":1,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2026-02-01\",\"planned_end_on\":\"2027-02-01\"}", c->hh, c->team.org_id);
	create(&c->departement, "/v1/masp", body, c->measure);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"opened_on\":\"2026-11-20\"}",
		 c->hh, c->team.org_id);
	create(&admin, "/v1/outreach/cases", body, c->outreach);
	snprintf(path, sizeof(path), "/v1/outreach/cases/%s/interventions", c->outreach);
	send_expect(&c->team, "POST", path, "{\"kind\":\"home_visit\",\"date\":\"2026-11-25\",\"agent\":\"A. Essai\","
		    "\"outcome\":\"personne absente\"}", NULL, 201);

	/* A CAF signal of 2027, constituted: it opens a benefit decision. */
	snprintf(body, sizeof(body),
		 "{\"external_id\":\"x-%s\",\"caf_number\":\"%s\",\"address\":{\"line\":\"7 impasse des Essais\","
		 "\"postcode\":\"91000\",\"insee\":\"91228\"},\"debt_cents\":60000,\"months_unpaid\":2,"
		 "\"benefit_status\":\"kept\",\"paid_to_landlord\":false,\"date\":\"2027-01-05\"}", c->tag, c->caf_no);
	create(&c->caf, "/v1/caf-signals", body, c->signal);
}

static json_t *export_as(const struct party *p, const char *hh, int want)
{
	char path[160];
	snprintf(path, sizeof(path), "/v1/households/%s/export", hh);
	return send_json(p, "GET", path, NULL, NULL, want);
}

START_TEST(export_holds_every_record_and_its_readers)
{
	struct case_records c;
	case_build(&c);
	/* The social service of the commune reads the household. */
	char path[160];
	snprintf(path, sizeof(path), "/v1/households/%s", c.hh);
	send_expect(&c.service, "GET", path, NULL, NULL, 200);

	const struct party *controllers[] = { &admin, &c.departement };
	for (int k = 0; k < 2; k++) {
		json_t *doc = export_as(controllers[k], c.hh, 200);
		const json_t *h = json_object_get(doc, "household");
		ck_assert_str_eq(json_string_value(json_object_get(h, "id")), c.hh);
		ck_assert_int_eq(json_integer_value(json_object_get(h, "income_cents")), 143000);
		ck_assert_str_eq(json_string_value(json_object_get(h, "caf_number")), c.caf_no);
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(h, "vulnerability_notes")), c.tag));
		const json_t *procs = json_object_get(doc, "procedures");
		ck_assert(has_id(procs, c.procedure));
		ck_assert_int_eq(json_array_size(json_object_get(json_array_get(procs, 0), "events")), 1);
		const json_t *refs = json_object_get(doc, "referrals");
		ck_assert(has_id(refs, c.referral));
		const json_t *opinions = json_object_get(json_array_get(refs, 0), "opinions");
		ck_assert_int_eq(json_array_size(opinions), 1);
		ck_assert_int_eq(json_array_size(json_object_get(json_array_get(opinions, 0), "recommendations")), 1);
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(refs, 0), "reason")), c.tag));
		ck_assert(has_id(json_object_get(doc, "diagnostics"), c.diagnostic));
		ck_assert(has_id(json_object_get(doc, "prevention_letters"), c.letter));
		ck_assert(has_id(json_object_get(doc, "masp_measures"), c.measure));
		ck_assert(has_id(json_object_get(doc, "outreach_cases"), c.outreach));
		const json_t *outreach = json_array_get(json_object_get(doc, "outreach_cases"), 0);
		ck_assert_int_eq(json_array_size(json_object_get(outreach, "interventions")), 1);
		ck_assert(has_id(json_object_get(doc, "caf_signals"), c.signal));
		ck_assert_int_eq(json_array_size(json_object_get(doc, "benefit_decisions")), 1);
		/* Who wrote and who read. */
		ck_assert(logged(doc, c.bailiff.org_id, "create"));
		ck_assert(logged(doc, admin.org_id, "update"));
		ck_assert(logged(doc, c.service.org_id, "read"));
		ck_assert(logged(doc, c.team.org_id, "create"));
		ck_assert(logged(doc, controllers[k]->org_id, "export"));
		json_decref(doc);
	}
	/* The département's export is in the next one. */
	json_t *doc = export_as(&admin, c.hh, 200);
	ck_assert(logged(doc, c.departement.org_id, "export"));
	json_decref(doc);

	/* The page: French, self-contained, every value escaped. */
	struct http_response resp = { 0 };
	snprintf(path, sizeof(path), "/v1/households/%s/export", c.hh);
	ck_assert_int_eq(fixtures_call(&server, &c.departement, "GET", path, NULL, "Accept: text/html\r\n", &resp), 200);
	ck_assert_ptr_nonnull(strstr(http_response_header(&resp, "Content-Type"), "text/html"));
	ck_assert_ptr_nonnull(strstr(resp.body, "<meta charset=\"utf-8\">"));
	ck_assert_ptr_nonnull(strstr(resp.body, "<title>Données détenues sur le ménage"));
	ck_assert_ptr_nonnull(strstr(resp.body, "Mme &lt;script&gt;alert(1)&lt;/script&gt; Exemple"));
	ck_assert_ptr_null(strstr(resp.body, "<script"));
	ck_assert_ptr_nonnull(strstr(resp.body, "&amp; &lt;b&gt;gras&lt;/b&gt;"));
	ck_assert_ptr_null(strstr(resp.body, "http://"));
	ck_assert_ptr_null(strstr(resp.body, "https://"));
	ck_assert_ptr_nonnull(strstr(resp.body, "Qui a consulté ou modifié ces données"));
	http_response_free(&resp);
	/* ?format=html gives the page without an Accept header. */
	snprintf(path, sizeof(path), "/v1/households/%s/export?format=html", c.hh);
	ck_assert_int_eq(fixtures_call(&server, &admin, "GET", path, NULL, NULL, &resp), 200);
	ck_assert_ptr_nonnull(strstr(http_response_header(&resp, "Content-Type"), "text/html"));
	http_response_free(&resp);

	/* The partners that see the household may not export it. */
	json_decref(export_as(&c.bailiff, c.hh, 403));
	json_decref(export_as(&c.caf, c.hh, 403));
	json_decref(export_as(&c.service, c.hh, 403));
	/* The mobile team holds a case, not the household record: 404. */
	json_decref(export_as(&c.team, c.hh, 404));
}
END_TEST

START_TEST(unknown_unseen_and_unacceptable)
{
	struct party landlord, departement;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "departement", NULL, NULL, &departement);
	char hh[40], path[160];
	create(&admin, "/v1/households",
	       "{\"address\":{\"line\":\"1 place de l'Essai\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
	       "\"sector\":\"social\"}", hh);
	json_decref(export_as(&admin, "00000000-0000-4000-8000-000000000000", 404));
	json_decref(export_as(&admin, "not-a-uuid", 404));
	/* A household the landlord does not see is no household to it. */
	json_decref(export_as(&landlord, hh, 404));
	json_decref(send_json(NULL, "GET", "/v1/households/00000000-0000-4000-8000-000000000000/export", NULL,
			      NULL, 401));
	snprintf(path, sizeof(path), "/v1/households/%s/export", hh);
	send_expect(&departement, "GET", path, NULL, "Accept: text/csv\r\n", 406);
	send_expect(&departement, "GET", path, NULL, "Accept: application/json;q=0, text/html;q=0\r\n", 406);
	json_t *j = send_json(&departement, "GET", path, NULL, "Accept: */*\r\n", 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "household"), "id")), hh);
	ck_assert_int_eq(json_array_size(json_object_get(j, "procedures")), 0);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/households/%s/export?format=pdf", hh);
	json_t *p = send_json(&departement, "GET", path, NULL, NULL, 400);
	ck_assert_str_eq(json_string_value(json_object_get(p, "parameter")), "format");
	json_decref(p);
}
END_TEST

/* n copies of the UTF-8 character c into a new string the caller free()s. */
static char *repeat(const char *c, int n)
{
	size_t k = strlen(c);
	char *s = malloc(k * (size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < n; i++)
		memcpy(s + k * (size_t)i, c, k);
	s[k * (size_t)n] = '\0';
	return s;
}

/* Free text is limited in characters, as the OpenAPI's maxLength and the
 * columns count them: the server refuses one more with 400 naming the
 * member, and takes the limit in two-byte characters. */
START_TEST(free_text_is_limited_in_characters)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char *body = malloc(20000), path[160], hh[40], proc[40];
	ck_assert_ptr_nonnull(body);
	const char *head = "{\"address\":{\"line\":\"2 rue de l'Essai\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
			   "\"sector\":\"social\",\"vulnerability_notes\":\"";
	char *notes = repeat("a", 2001);
	snprintf(body, 20000, "%s%s\"}", head, notes);
	json_t *j = send_json(&admin, "POST", "/v1/households", body, NULL, 400);
	ck_assert_str_eq(json_string_value(json_object_get(j, "field")), "/vulnerability_notes");
	json_decref(j);
	free(notes);
	notes = repeat("é", 2000);
	snprintf(body, 20000, "%s%s\"}", head, notes);
	j = send_json(&admin, "POST", "/v1/households", body, NULL, 201);
	ck_assert_str_eq(json_string_value(json_object_get(j, "vulnerability_notes")), notes);
	json_decref(j);
	free(notes);

	create(&bailiff, "/v1/households",
	       "{\"address\":{\"line\":\"4 rue de l'Essai\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
	       "\"sector\":\"social\"}", hh);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	char *ref = repeat("x", 101);
	snprintf(body, 20000, "{\"reference\":\"%s\"}", ref);
	j = send_json(&bailiff, "POST", path, body, NULL, 400);
	ck_assert_str_eq(json_string_value(json_object_get(j, "field")), "/reference");
	json_decref(j);
	free(ref);
	ref = repeat("é", 100);
	snprintf(body, 20000, "{\"reference\":\"%s\"}", ref);
	create(&bailiff, path, body, proc);
	free(ref);

	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	char *court = repeat("a", 128);
	snprintf(body, 20000, "{\"kind\":\"summons\",\"date\":\"2026-11-02\",\"hearing_on\":\"2027-01-20\","
		 "\"court\":\"%s\",\"prefet_notified_on\":\"2026-11-03\"}", court);
	j = send_json(&bailiff, "POST", path, body, NULL, 400);
	ck_assert_str_eq(json_string_value(json_object_get(j, "field")), "/court");
	json_decref(j);
	free(court);
	court = repeat("é", 127);
	snprintf(body, 20000, "{\"kind\":\"summons\",\"date\":\"2026-11-02\",\"hearing_on\":\"2027-01-20\","
		 "\"court\":\"%s\",\"prefet_notified_on\":\"2026-11-03\"}", court);
	send_expect(&bailiff, "POST", path, body, NULL, 201);
	free(court);
	free(body);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, admin_new, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, export_holds_every_record_and_its_readers);
	tcase_add_test(tc, unknown_unseen_and_unacceptable);
	tcase_add_test(tc, free_text_is_limited_in_characters);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
