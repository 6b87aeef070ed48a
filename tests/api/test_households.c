/* Issue 4 end to end: households over HTTP. Creation and reading with the
 * field masks, bad inputs, If-Match, visibility per organisation (lists
 * included), pagination and filters, the audit of reads, and two
 * concurrent PATCHes with one ETag. Each test makes its own parties. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
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

static json_t *call(const struct party *p, const char *method, const char *path, const char *body,
		    const char *headers, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, headers, status);
}

/* A household body in commune insee; extra is more members (",..." or ""). */
static void body_of(char *out, size_t len, const char *insee, const char *extra)
{
	snprintf(out, len,
		 "{\"address\":{\"line\":\"3 allée des Tilleuls\",\"postcode\":\"91000\",\"insee\":\"%s\"},"
		 "\"sector\":\"social\",\"occupants\":{\"adults\":1,\"children\":2}%s}",
		 insee, extra);
}

/* Creates a household as p; copies its id. Fails the test unless 201. */
static void create(const struct party *p, const char *body, char *id)
{
	int status = 0;
	json_t *j = call(p, "POST", "/v1/households", body, NULL, &status);
	ck_assert_msg(status == 201, "POST /v1/households answered %d: %s", status,
		      json_string_value(json_object_get(j, "detail")));
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static const char *full_extra =
	",\"rent_cents\":52000,\"charges_cents\":8000,\"income_cents\":110000,"
	"\"housing_benefit\":{\"kind\":\"apl\",\"paid_to\":\"landlord\"},\"caf_number\":\"7654321\","
	"\"contact\":{\"phone\":\"06 12 34 56 78\",\"email\":\"menage@example.org\"},"
	"\"vulnerability_notes\":\"parent isolé\"";

static void assert_problem(const json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want,
		      json_string_value(json_object_get(j, "detail")));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

START_TEST(creates_and_reads_with_etag)
{
	char body[2048], id[40], path[96];
	body_of(body, sizeof(body), "91174", full_extra);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &admin, "POST", "/v1/households", body, NULL, &resp), 201);
	ck_assert_str_eq(http_response_header(&resp, "ETag"), "\"1\"");
	json_t *j = harness_json(&resp);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	ck_assert_str_eq(http_response_header(&resp, "Location"), path);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "epci"), "siren")), "200059228");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "commune"), "name")), "Corbeil-Essonnes");
	ck_assert_str_eq(json_string_value(json_object_get(j, "stage")), "none");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "created_by_org"), "id")), admin.org_id);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "created_by_org"), "kind")), "prefecture");
	json_decref(j);
	http_response_free(&resp);

	int status = 0;
	j = call(&admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "income_cents")), 110000);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rent_cents")), 52000);
	ck_assert_str_eq(json_string_value(json_object_get(j, "caf_number")), "7654321");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "housing_benefit"), "paid_to")), "landlord");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "occupants"), "children")), 2);
	json_decref(j);

	j = call(&admin, "GET", "/v1/households/00000000-0000-0000-0000-000000000000", NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	j = call(&admin, "GET", "/v1/households/not-a-uuid", NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
}
END_TEST

START_TEST(bad_inputs_name_the_field)
{
	static const struct {
		const char *body;
		int status;
		const char *field;
	} cases[] = {
		{ "{\"sector\":\"social\",\"occupants\":{\"adults\":1}}", 400, "address" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"9117\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1}}", 400, "address.insee" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"9100\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1}}", 400, "address.postcode" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91999\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1}}", 422, "address.insee" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"public\","
		  "\"occupants\":{\"adults\":1}}", 400, "sector" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":\"two\"}}", 400, "occupants.adults" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":0}}", 422, "occupants.adults" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"rent_cents\":-5}", 400, "rent_cents" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"housing_benefit\":{\"kind\":\"apl\"}}", 422, "housing_benefit.paid_to" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"landlord\":{\"organisation_id\":\"nope\"}}", 400,
		  "landlord.organisation_id" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"landlord\":{\"organisation_id\":\"00000000-0000-0000-0000-000000000000\"}}",
		  422, "landlord.organisation_id" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"contact\":{\"email\":\"nobody\"}}", 422, "contact.email" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"version\":3}", 400, "version" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"stage\":\"summons\"}", 400, "stage" },
		{ "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\","
		  "\"occupants\":{\"adults\":1},\"colour\":\"blue\"}", 400, "colour" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = 0;
		json_t *j = call(&admin, "POST", "/v1/households", cases[i].body, NULL, &status);
		ck_assert_msg(status == cases[i].status, "case %zu answered %d, wanted %d", i, status, cases[i].status);
		ck_assert_msg(strcmp(fixtures_problem_at(j), cases[i].field) == 0,
			      "case %zu names %s, wanted %s", i, fixtures_problem_at(j),
			      cases[i].field);
		json_decref(j);
	}
}
END_TEST

/* Issue 13: what statistics would later refuse is refused at the door,
 * naming the field; names are stored trimmed. */
START_TEST(implausible_text_is_refused)
{
	static const char *addr = "{\"address\":{\"line\":\"x\",\"postcode\":\"91000\",\"insee\":\"91174\"},";
	static const struct {
		const char *members;
		const char *field;
	} cases[] = {
		{ "\"sector\":\"social\",\"occupants\":{\"adults\":1},\"caf_number\":\"\"}", "caf_number" },
		{ "\"sector\":\"social\",\"occupants\":{\"adults\":1},\"caf_number\":\" 123\"}", "caf_number" },
		{ "\"sector\":\"private\",\"landlord\":{\"name\":\"   \"}}", "landlord.name" },
		{ "\"sector\":\"private\",\"landlord\":{\"name\":\"\\t\\n\"}}", "landlord.name" },
		{ "\"sector\":\"private\",\"landlord\":{\"name\":\"Du\\u0001pont\"}}", "landlord.name" },
		{ "\"sector\":\"private\",\"landlord\":{\"name\":\"Du\\u007fpont\"}}", "landlord.name" },
		{ "\"sector\":\"private\",\"landlord\":{\"name\":\"Du\\u0085pont\"}}", "landlord.name" },
		{ "\"sector\":\"private\",\"landlord\":{\"name\":\"Du\\npont\"}}", "landlord.name" },
		{ "\"sector\":\"social\",\"contact\":{\"phone\":\"\"}}", "contact.phone" },
		{ "\"sector\":\"social\",\"contact\":{\"email\":\" \"}}", "contact.email" },
		{ "\"sector\":\"social\",\"vulnerability_notes\":\"\\u001b[2J\"}", "vulnerability_notes" },
		{ "\"sector\":\"social\",\"vulnerability_notes\":\"  \\n \"}", "vulnerability_notes" },
	};
	char body[1024];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = 0;
		snprintf(body, sizeof(body), "%s%s", addr, cases[i].members);
		json_t *j = call(&admin, "POST", "/v1/households", body, NULL, &status);
		ck_assert_msg(status == 400, "case %zu answered %d, wanted 400", i, status);
		ck_assert_msg(strcmp(fixtures_problem_at(j), cases[i].field) == 0,
			      "case %zu names %s, wanted %s", i, fixtures_problem_at(j),
			      cases[i].field);
		json_decref(j);
	}
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/households",
			 "{\"address\":{\"line\":\"   \",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\"}",
			 NULL, &status);
	assert_problem(j, status, 400, "address.line");
	json_decref(j);
	/* Invalid UTF-8 never reaches a reader. */
	j = call(&admin, "POST", "/v1/households",
		 "{\"address\":{\"line\":\"\xff\xfe\",\"postcode\":\"91000\",\"insee\":\"91174\"},\"sector\":\"social\"}",
		 NULL, &status);
	assert_problem(j, status, 400, NULL);
	json_decref(j);

	char id[40], path[96];
	snprintf(body, sizeof(body),
		 "%s\"sector\":\"private\",\"landlord\":{\"name\":\"  Dupont  \",\"contact\":\" 1 rue X\\n91000 \"},"
		 "\"vulnerability_notes\":\"\\tligne 1\\r\\nligne 2 \"}", addr);
	create(&admin, body, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	j = call(&admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "landlord"), "name")), "Dupont");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "landlord"), "contact")), "1 rue X\n91000");
	ck_assert_str_eq(json_string_value(json_object_get(j, "vulnerability_notes")), "ligne 1\r\nligne 2");
	json_decref(j);
	/* null still clears an optional member. */
	j = call(&admin, "PATCH", path, "{\"vulnerability_notes\":null}", "If-Match: \"1\"\r\n", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_null(json_string_value(json_object_get(j, "vulnerability_notes")));
	json_decref(j);
}
END_TEST

START_TEST(patch_needs_the_current_etag)
{
	char body[2048], id[40], path[96];
	body_of(body, sizeof(body), "91174", "");
	create(&admin, body, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	int status = 0;
	json_t *j = call(&admin, "PATCH", path, "{\"rent_cents\":61000}", NULL, &status);
	assert_problem(j, status, 428, "If-Match");
	json_decref(j);
	j = call(&admin, "PATCH", path, "{\"rent_cents\":61000}", "If-Match: \"7\"\r\n", &status);
	assert_problem(j, status, 412, "If-Match");
	json_decref(j);
	j = call(&admin, "PATCH", path, "{\"id\":\"x\"}", "If-Match: \"1\"\r\n", &status);
	assert_problem(j, status, 400, "id");
	json_decref(j);

	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &admin, "PATCH", path, "{\"rent_cents\":61000,\"charges_cents\":null}",
				       "If-Match: \"1\"\r\n", &resp), 200);
	ck_assert_str_eq(http_response_header(&resp, "ETag"), "\"2\"");
	j = harness_json(&resp);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rent_cents")), 61000);
	ck_assert(json_is_null(json_object_get(j, "charges_cents")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "occupants"), "adults")), 1);
	json_decref(j);
	http_response_free(&resp);

	j = call(&admin, "PATCH", path, "{\"income_cents\":1}", "If-Match: \"1\"\r\n", &status);
	assert_problem(j, status, 412, "If-Match");
	json_decref(j);
}
END_TEST

/* Does the list the party sees hold id? Walks every page. */
/* The item of p's household list (with query) whose id is id: a new
 * reference, or NULL when not listed. */
static json_t *list_item(const struct party *p, const char *query, const char *id)
{
	char path[512];
	char cursor[256] = "";
	for (int pages = 0; pages < 1000; pages++) {
		snprintf(path, sizeof(path), "/v1/households?limit=500%s%s%s", query, cursor[0] ? "&cursor=" : "", cursor);
		int status = 0;
		json_t *j = call(p, "GET", path, NULL, NULL, &status);
		ck_assert_int_eq(status, 200);
		json_t *items = json_object_get(j, "items"), *item, *found = NULL;
		size_t i;
		json_array_foreach(items, i, item)
			if (found == NULL && strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
				found = json_incref(item);
		const char *next = json_string_value(json_object_get(j, "next_cursor"));
		if (next != NULL)
			snprintf(cursor, sizeof(cursor), "%s", next);
		json_decref(j);
		if (found != NULL || next == NULL)
			return found;
	}
	return NULL;
}

static bool listed(const struct party *p, const char *query, const char *id)
{
	json_t *item = list_item(p, query, id);
	json_decref(item);
	return item != NULL;
}

/* A procedure filed by p on the household; its id into id. */
static void procedure_filed(const struct party *p, const char *household_id, const char *reference, char *id)
{
	char path[128], body[128];
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", household_id);
	snprintf(body, sizeof(body), "{\"reference\":\"%s\"}", reference);
	int status = 0;
	json_t *j = call(p, "POST", path, body, NULL, &status);
	assert_problem(j, status, 201, NULL);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

/* The ids of the household's procedures, in order, joined by spaces. */
static void procedure_ids(const json_t *household, char *out, size_t len)
{
	const json_t *procs = json_object_get(household, "procedures");
	ck_assert_msg(json_is_array(procs), "no procedures array");
	out[0] = '\0';
	size_t i, used = 0;
	json_t *p;
	json_array_foreach(procs, i, p) {
		ck_assert_ptr_nonnull(json_string_value(json_object_get(p, "stage")));
		ck_assert_ptr_nonnull(json_object_get(p, "reference"));
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? " " : "",
					 json_string_value(json_object_get(p, "id")));
		ck_assert(used < len);
	}
}

/* The ids GET /v1/procedures?household_id= gives p, in the same form. */
static void procedure_ids_listed(const struct party *p, const char *household_id, char *out, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures?household_id=%s&limit=100", household_id);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	json_object_set(j, "procedures", json_object_get(j, "items"));
	procedure_ids(j, out, len);
	json_decref(j);
}

START_TEST(procedures_ride_with_the_household)
{
	struct party bailiff, other_bailiff, landlord;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &other_bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char extra[256], body[2048], hh[40], bare[40], p1[40], p2[40], path[96], want[128], got[128], listed_ids[128];
	snprintf(extra, sizeof(extra), ",\"rent_cents\":60000,\"landlord\":{\"organisation_id\":\"%s\"}", landlord.org_id);
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"2 rue Feray\",\"postcode\":\"91100\",\"insee\":\"91174\"},"
		 "\"sector\":\"social\"%s}", extra);
	create(&bailiff, body, hh);
	create(&bailiff, body, bare);
	procedure_filed(&bailiff, hh, "CJ-2026-101", p1);
	procedure_filed(&bailiff, hh, "CJ-2026-102", p2);
	snprintf(want, sizeof(want), "%s %s", p1, p2);

	/* The filer, the landlord and the préfecture see both, oldest first,
	 * as GET /v1/procedures lists them for the household. */
	const struct party *readers[] = { &bailiff, &landlord, &admin };
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		int status = 0;
		json_t *j = call(readers[i], "GET", path, NULL, NULL, &status);
		ck_assert_int_eq(status, 200);
		procedure_ids(j, got, sizeof(got));
		ck_assert_str_eq(got, want);
		json_t *first = json_array_get(json_object_get(j, "procedures"), 0);
		ck_assert_str_eq(json_string_value(json_object_get(first, "reference")), "CJ-2026-101");
		ck_assert_str_eq(json_string_value(json_object_get(first, "stage")), "none");
		json_decref(j);
		procedure_ids_listed(readers[i], hh, listed_ids, sizeof(listed_ids));
		ck_assert_str_eq(listed_ids, want);
		/* The list carries them too. */
		j = list_item(readers[i], "", hh);
		ck_assert_ptr_nonnull(j);
		procedure_ids(j, got, sizeof(got));
		ck_assert_str_eq(got, want);
		json_decref(j);
	}

	/* A household without procedures has an empty array. */
	snprintf(path, sizeof(path), "/v1/households/%s", bare);
	int status = 0;
	json_t *j = call(&bailiff, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	procedure_ids(j, got, sizeof(got));
	ck_assert_str_eq(got, "");
	json_decref(j);

	/* The list is the service's to keep: a client does not send it. */
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	j = call(&bailiff, "PATCH", path, "{\"procedures\":[]}", "If-Match: *\r\n", &status);
	assert_problem(j, status, 400, "procedures");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "detail")), "set by the service"));
	json_decref(j);

	/* Another bailiff reads neither the household nor its procedures. */
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	j = call(&other_bailiff, "GET", path, NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	ck_assert(!listed(&other_bailiff, "", hh));
	procedure_ids_listed(&other_bailiff, hh, listed_ids, sizeof(listed_ids));
	ck_assert_str_eq(listed_ids, "");
}
END_TEST

START_TEST(landlords_see_only_their_households)
{
	struct party a, b;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &a);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &b);
	char extra[1024], body[2048], ha[40], hb[40], path[96];
	snprintf(extra, sizeof(extra), "%s,\"landlord\":{\"organisation_id\":\"%s\"}", full_extra, a.org_id);
	body_of(body, sizeof(body), "91174", extra);
	create(&admin, body, ha);
	snprintf(extra, sizeof(extra), "%s,\"landlord\":{\"organisation_id\":\"%s\"}", full_extra, b.org_id);
	body_of(body, sizeof(body), "91174", extra);
	create(&admin, body, hb);

	int status = 0;
	snprintf(path, sizeof(path), "/v1/households/%s", ha);
	json_t *j = call(&a, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(json_object_get(j, "rent_cents"));
	ck_assert_ptr_nonnull(json_object_get(j, "housing_benefit"));
	ck_assert_ptr_null(json_object_get(j, "income_cents"));
	ck_assert_ptr_null(json_object_get(j, "caf_number"));
	ck_assert_ptr_null(json_object_get(j, "vulnerability_notes"));
	ck_assert_ptr_null(json_object_get(j, "contact"));
	json_decref(j);

	snprintf(path, sizeof(path), "/v1/households/%s", hb);
	j = call(&a, "GET", path, NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	j = call(&a, "PATCH", path, "{\"rent_cents\":1}", "If-Match: \"1\"\r\n", &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	ck_assert(listed(&a, "", ha));
	ck_assert(!listed(&a, "", hb));
	ck_assert(listed(&b, "", hb));

	/* A landlord may not write what it may not read. */
	snprintf(path, sizeof(path), "/v1/households/%s", ha);
	j = call(&a, "PATCH", path, "{\"income_cents\":1}", "If-Match: \"1\"\r\n", &status);
	assert_problem(j, status, 403, "income_cents");
	json_decref(j);
	j = call(&a, "PATCH", path, "{\"rent_cents\":49000}", "If-Match: \"1\"\r\n", &status);
	ck_assert_int_eq(status, 200);
	json_decref(j);
}
END_TEST

START_TEST(bailiff_sees_no_income)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char body[2048], id[40], path[96];
	body_of(body, sizeof(body), "91377", full_extra);
	int status = 0;
	json_t *j = call(&bailiff, "POST", "/v1/households", body, NULL, &status);
	assert_problem(j, status, 403, "occupants");
	json_decref(j);
	/* What serving acts needs: the address, the rent and the landlord. */
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"8 rue Gambetta\",\"postcode\":\"91300\",\"insee\":\"91377\"},"
		 "\"sector\":\"private\",\"rent_cents\":90000,\"landlord\":{\"name\":\"SCI Gambetta\"}}");
	create(&bailiff, body, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	j = call(&admin, "PATCH", path,
		 "{\"occupants\":{\"adults\":2},\"income_cents\":150000,\"vulnerability_notes\":\"santé\"}",
		 "If-Match: \"1\"\r\n", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "income_cents")), 150000);
	json_decref(j);
	j = call(&bailiff, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rent_cents")), 90000);
	ck_assert_ptr_nonnull(json_object_get(j, "address"));
	ck_assert_ptr_nonnull(json_object_get(j, "landlord"));
	ck_assert_ptr_null(json_object_get(j, "income_cents"));
	ck_assert_ptr_null(json_object_get(j, "occupants"));
	ck_assert_ptr_null(json_object_get(j, "vulnerability_notes"));
	ck_assert_ptr_null(json_object_get(j, "caf_number"));
	json_decref(j);
	j = call(&bailiff, "GET", "/v1/households", NULL, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(j, "items"), 0), "income_cents"));
	json_decref(j);
}
END_TEST

START_TEST(social_service_sees_its_territory)
{
	struct party near, far, by_epci;
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91228\"]}", NULL, &near);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &far);
	fixtures_party(&server, &admin, "social_service", "{\"epcis\":[\"200059228\"]}", NULL, &by_epci);
	char body[2048], inside[40], outside[40], path[96];
	body_of(body, sizeof(body), "91228", full_extra);
	create(&admin, body, inside);
	body_of(body, sizeof(body), "91377", full_extra);
	create(&admin, body, outside);

	int status = 0;
	snprintf(path, sizeof(path), "/v1/households/%s", inside);
	json_t *j = call(&near, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(json_object_get(j, "vulnerability_notes"));
	json_decref(j);
	j = call(&far, "GET", path, NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	j = call(&by_epci, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/households/%s", outside);
	j = call(&near, "GET", path, NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	ck_assert(listed(&near, "&commune=91228", inside));
	ck_assert(!listed(&near, "", outside));
	ck_assert(listed(&by_epci, "&epci=200059228", inside));
	ck_assert(!listed(&by_epci, "", outside));
}
END_TEST

START_TEST(lists_page_and_filter)
{
	struct party landlord;
	fixtures_party(&server, &admin, "private_landlord", NULL, NULL, &landlord);
	char extra[512], body[2048], ids[4][40];
	snprintf(extra, sizeof(extra), ",\"landlord\":{\"organisation_id\":\"%s\"}", landlord.org_id);
	const char *communes[] = { "91174", "91377", "91174" };
	for (int i = 0; i < 3; i++) {
		body_of(body, sizeof(body), communes[i], extra);
		create(&admin, body, ids[i]);
	}
	int status = 0;
	json_t *j = call(&landlord, "GET", "/v1/households?limit=2", NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id")), ids[0]);
	char next[256], path[512];
	snprintf(next, sizeof(next), "%s", json_string_value(json_object_get(j, "next_cursor")));
	json_decref(j);
	/* A row inserted while paging comes after the cursor, once. */
	body_of(body, sizeof(body), "91174", extra);
	create(&admin, body, ids[3]);
	snprintf(path, sizeof(path), "/v1/households?limit=2&cursor=%s", next);
	j = call(&landlord, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id")), ids[2]);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 1), "id")), ids[3]);
	ck_assert(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);

	j = call(&landlord, "GET", "/v1/households?commune=91377", NULL, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	j = call(&landlord, "GET", "/v1/households?epci=200059228&sector=social&stage=none", NULL, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	j = call(&landlord, "GET", "/v1/households?sector=private", NULL, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = call(&landlord, "GET", "/v1/households?stage=summons", NULL, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = call(&landlord, "GET", "/v1/households?updated_since=2999-01-01T00:00:00Z", NULL, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);

	static const struct {
		const char *query;
		const char *field;
	} bad[] = {
		{ "commune=abc", "commune" }, { "epci=12", "epci" }, { "sector=x", "sector" },
		{ "stage=trial", "stage" }, { "updated_since=yesterday", "updated_since" }, { "limit=0", "limit" },
		{ "limit=501", "limit" }, { "cursor=%%%", "cursor" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/v1/households?%s", bad[i].query);
		j = call(&landlord, "GET", path, NULL, NULL, &status);
		assert_problem(j, status, 400, bad[i].field);
		json_decref(j);
	}
}
END_TEST

START_TEST(reads_are_audited)
{
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char extra[512], body[2048], id[40], path[256];
	snprintf(extra, sizeof(extra), ",\"landlord\":{\"organisation_id\":\"%s\"}", landlord.org_id);
	body_of(body, sizeof(body), "91174", extra);
	create(&admin, body, id);
	int status = 0;
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	json_decref(call(&landlord, "GET", path, NULL, NULL, &status));
	ck_assert_int_eq(status, 200);
	json_decref(call(&landlord, "GET", "/v1/households", NULL, NULL, &status));
	ck_assert_int_eq(status, 200);
	snprintf(path, sizeof(path), "/v1/audit?resource_type=household&resource_id=%s&organisation_id=%s&action=read",
		 id, landlord.org_id);
	json_t *j = call(&admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	/* One row for the single read, one for the list that showed it. */
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);
}
END_TEST

struct patcher {
	const char *path;
	const char *body;
	int status;
};

static void *patch_once(void *arg)
{
	struct patcher *p = arg;
	struct http_response resp = { 0 };
	char all[4096];
	snprintf(all, sizeof(all), "Authorization: Bearer %s\r\nContent-Type: application/json\r\nIf-Match: \"1\"\r\n",
		 admin.token);
	if (http_send(&resp, HARNESS_HOST, server.port, "PATCH", p->path, all, p->body, strlen(p->body)) == 0)
		p->status = resp.status;
	http_response_free(&resp);
	return NULL;
}

START_TEST(concurrent_patches_lose_nothing)
{
	char body[2048], id[40], path[96];
	body_of(body, sizeof(body), "91174", "");
	for (int round = 0; round < 5; round++) {
		create(&admin, body, id);
		snprintf(path, sizeof(path), "/v1/households/%s", id);
		struct patcher a = { path, "{\"rent_cents\":11100}", 0 }, b = { path, "{\"rent_cents\":22200}", 0 };
		pthread_t ta, tb;
		ck_assert_int_eq(pthread_create(&ta, NULL, patch_once, &a), 0);
		ck_assert_int_eq(pthread_create(&tb, NULL, patch_once, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		ck_assert_msg((a.status == 200 && b.status == 412) || (a.status == 412 && b.status == 200),
			      "round %d: %d and %d", round, a.status, b.status);
		int status = 0;
		json_t *j = call(&admin, "GET", path, NULL, NULL, &status);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 2);
		ck_assert_int_eq(json_integer_value(json_object_get(j, "rent_cents")), a.status == 200 ? 11100 : 22200);
		json_decref(j);
	}
}
END_TEST

/* Issue 14: the lease's date, in the rent group: who reads the rent reads
 * and sets it; null clears it; a bad date is 400 naming it; a household the
 * caller cannot read is 404, whatever it sends. */
/* Issue 15: HTTP's conditional requests and HEAD, and Link on pages. */
START_TEST(conditional_requests_head_and_links)
{
	char body[2048], id[40], path[96], h[96];
	body_of(body, sizeof(body), "91174", "");
	create(&admin, body, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);

	/* If-Match: * changes whatever the version is. */
	int status = 0;
	json_t *j = call(&admin, "PATCH", path, "{\"rent_cents\":62000}", "If-Match: *\r\n", &status);
	assert_problem(j, status, 200, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 2);
	json_decref(j);

	/* If-None-Match: the ETag held, weak or strong, or *: 304 and no body. */
	const char *held[] = { "\"2\"", "W/\"2\"", "\"1\", \"2\"", "*" };
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		struct http_response resp = { 0 };
		snprintf(h, sizeof(h), "If-None-Match: %s\r\n", held[i]);
		ck_assert_int_eq(fixtures_call(&server, &admin, "GET", path, NULL, h, &resp), 304);
		ck_assert_uint_eq(resp.body_len, 0);
		ck_assert_str_eq(http_response_header(&resp, "ETag"), "\"2\"");
		http_response_free(&resp);
	}
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &admin, "GET", path, NULL, "If-None-Match: \"1\"\r\n", &resp), 200);
	ck_assert_uint_gt(resp.body_len, 0);
	http_response_free(&resp);
	/* Another organisation's household stays a 404, conditional or not. */
	struct party other;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other);
	ck_assert_int_eq(fixtures_call(&server, &other, "GET", path, NULL, "If-None-Match: *\r\n", &resp), 404);
	http_response_free(&resp);

	/* HEAD: GET's status and headers, no body. */
	ck_assert_int_eq(fixtures_call(&server, &admin, "HEAD", path, NULL, NULL, &resp), 200);
	ck_assert_uint_eq(resp.body_len, 0);
	ck_assert_str_eq(http_response_header(&resp, "ETag"), "\"2\"");
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, &other, "HEAD", path, NULL, NULL, &resp), 404);
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, NULL, "HEAD", path, NULL, NULL, &resp), 401);
	http_response_free(&resp);
	ck_assert_int_eq(fixtures_call(&server, &admin, "DELETE", path, NULL, NULL, &resp), 405);
	ck_assert_ptr_nonnull(strstr(http_response_header(&resp, "Allow"), "HEAD"));
	http_response_free(&resp);

	/* Link: rel="next" on each page but the last; following it walks the list. */
	create(&admin, body, id);
	create(&admin, body, id);
	char next[1024] = "/v1/households?commune=91174&limit=1";
	int pages = 0;
	for (;;) {
		ck_assert_int_eq(fixtures_call(&server, &admin, "GET", next, NULL, NULL, &resp), 200);
		j = harness_json(&resp);
		const char *cursor = json_string_value(json_object_get(j, "next_cursor"));
		const char *link = http_response_header(&resp, "Link");
		pages++;
		if (link == NULL) {
			ck_assert_ptr_null(cursor);
			json_decref(j);
			http_response_free(&resp);
			break;
		}
		ck_assert_ptr_nonnull(cursor);
		ck_assert_msg(link[0] == '<' && strstr(link, ">; rel=\"next\"") != NULL, "Link: %s", link);
		ck_assert_ptr_nonnull(strstr(link, "commune=91174"));
		ck_assert_ptr_nonnull(strstr(link, "limit=1"));
		size_t n = (size_t)(strstr(link, ">;") - link - 1);
		ck_assert_uint_lt(n, sizeof(next));
		memcpy(next, link + 1, n);
		next[n] = '\0';
		json_decref(j);
		http_response_free(&resp);
		ck_assert_int_lt(pages, 10000);
	}
	ck_assert_int_ge(pages, 3);
}
END_TEST

/* The lease holder's name imports record is corrected or erased (GDPR
 * art. 16): it is not in the household's answer, only in its export. */
static const char *exported_holder(const char *id)
{
	static char name[256];
	char path[128];
	int status = 0;
	snprintf(path, sizeof(path), "/v1/households/%s/export", id);
	json_t *j = call(&admin, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	const char *v = json_string_value(json_object_get(json_object_get(j, "household"), "holder_name"));
	snprintf(name, sizeof(name), "%s", v != NULL ? v : "");
	json_decref(j);
	return name;
}

START_TEST(holder_name_is_corrected)
{
	char body[1024], id[40], path[96];
	body_of(body, sizeof(body), "91174", ",\"holder_name\":\"Mme Exemple\"");
	int status = 0;
	json_t *j = call(&admin, "POST", "/v1/households", body, NULL, &status);
	assert_problem(j, status, 400, "holder_name");
	json_decref(j);
	body_of(body, sizeof(body), "91174", "");
	create(&admin, body, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	ck_assert_str_eq(exported_holder(id), "");

	j = call(&admin, "PATCH", path, "{\"holder_name\":\"  \"}", "If-Match: *\r\n", &status);
	assert_problem(j, status, 400, "holder_name");
	json_decref(j);
	j = call(&admin, "PATCH", path, "{\"holder_name\":\" Mme Exemple Titulaire \"}", "If-Match: *\r\n", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_null(json_object_get(j, "holder_name"));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 2);
	json_decref(j);
	ck_assert_str_eq(exported_holder(id), "Mme Exemple Titulaire");

	j = call(&admin, "PATCH", path, "{\"holder_name\":null}", "If-Match: \"2\"\r\n", &status);
	ck_assert_int_eq(status, 200);
	json_decref(j);
	ck_assert_str_eq(exported_holder(id), "");
}
END_TEST

START_TEST(lease_date_rides_with_the_rent)
{
	struct party bailiff, other_bailiff, landlord;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &other_bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char body[1024], id[40], path[96];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"8 rue Gambetta\",\"postcode\":\"91300\",\"insee\":\"91377\"},"
		 "\"sector\":\"social\",\"rent_cents\":90000,\"lease_signed_on\":\"2023-07-28\","
		 "\"landlord\":{\"organisation_id\":\"%s\"}}", landlord.org_id);
	create(&bailiff, body, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	int status = 0;
	json_t *j = call(&bailiff, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(j, "lease_signed_on")), "2023-07-28");
	json_decref(j);
	j = call(&landlord, "GET", path, NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(j, "lease_signed_on")), "2023-07-28");
	json_decref(j);

	/* The landlord renews the lease; the rent stays. */
	j = call(&landlord, "PATCH", path, "{\"lease_signed_on\":\"2026-07-01\"}", "If-Match: \"1\"\r\n", &status);
	assert_problem(j, status, 200, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "lease_signed_on")), "2026-07-01");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "rent_cents")), 90000);
	json_decref(j);

	static const char *const bad[] = {
		"{\"lease_signed_on\":\"2023-02-29\"}", "{\"lease_signed_on\":\"1949-12-31\"}",
		"{\"lease_signed_on\":\"9999-01-01\"}", "{\"lease_signed_on\":20230729}",
		"{\"lease_signed_on\":\"28/07/2023\"}", "{\"lease_signed_on\":true}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = call(&bailiff, "PATCH", path, bad[i], "If-Match: \"2\"\r\n", &status);
		assert_problem(j, status, 400, "lease_signed_on");
		json_decref(j);
	}
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"8 rue Gambetta\",\"postcode\":\"91300\",\"insee\":\"91377\"},"
		 "\"sector\":\"private\",\"lease_signed_on\":\"1949-12-31\"}");
	j = call(&bailiff, "POST", "/v1/households", body, NULL, &status);
	assert_problem(j, status, 400, "lease_signed_on");
	json_decref(j);

	/* Another bailiff neither reads nor sets it. */
	j = call(&other_bailiff, "PATCH", path, "{\"lease_signed_on\":\"2024-01-01\"}", "If-Match: \"2\"\r\n",
		 &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);
	j = call(&other_bailiff, "GET", path, NULL, NULL, &status);
	assert_problem(j, status, 404, NULL);
	json_decref(j);

	/* null clears it, and nothing was changed by the refusals. */
	j = call(&bailiff, "PATCH", path, "{\"lease_signed_on\":null}", "If-Match: \"2\"\r\n", &status);
	assert_problem(j, status, 200, NULL);
	ck_assert(json_is_null(json_object_get(j, "lease_signed_on")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 3);
	json_decref(j);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("households");
	TCase *tc = tcase_create("households");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, admin_new, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, creates_and_reads_with_etag);
	tcase_add_test(tc, bad_inputs_name_the_field);
	tcase_add_test(tc, implausible_text_is_refused);
	tcase_add_test(tc, patch_needs_the_current_etag);
	tcase_add_test(tc, landlords_see_only_their_households);
	tcase_add_test(tc, bailiff_sees_no_income);
	tcase_add_test(tc, social_service_sees_its_territory);
	tcase_add_test(tc, lists_page_and_filter);
	tcase_add_test(tc, reads_are_audited);
	tcase_add_test(tc, concurrent_patches_lose_nothing);
	tcase_add_test(tc, lease_date_rides_with_the_rent);
	tcase_add_test(tc, holder_name_is_corrected);
	tcase_add_test(tc, conditional_requests_head_and_links);
	tcase_add_test(tc, procedures_ride_with_the_household);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
