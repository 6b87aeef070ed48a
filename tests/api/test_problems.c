/* Errors partners can program against: a problem type per business reason,
 * each served as a page; the member at fault as a JSON Pointer, a parameter
 * or a header; every failure of a request together in errors[]. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/err.h"
#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	fixtures_server_start(&server);
	fixtures_admin(&server, &admin);
}

static void teardown(void)
{
	harness_stop(&server);
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* The entry of errors[] whose field is pointer, or NULL. */
static const json_t *error_at(const json_t *problem, const char *pointer)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(problem, "errors"), i, e)
		if (str(e, "field") != NULL && strcmp(str(e, "field"), pointer) == 0)
			return e;
	return NULL;
}

/* Creates a private-sector household as p; its id into id (40 bytes). */
static void household_new(const struct party *p, char *id)
{
	const char *body = "{\"address\":{\"line\":\"3 rue des Lilas\",\"postcode\":\"91170\",\"insee\":\"91174\"},"
			   "\"sector\":\"private\",\"landlord\":{\"name\":\"M. Durand\"}}";
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "POST", "/v1/households", body, NULL, &status);
	ck_assert_int_eq(status, 201);
	snprintf(id, 40, "%s", str(j, "id"));
	json_decref(j);
}

/* A household body with three members at fault, of three kinds: all three
 * come back, each with its own pointer and type. */
START_TEST(every_failure_of_a_body_comes_back)
{
	const char *body = "{\"address\":{\"line\":\"3 rue des Lilas\",\"postcode\":\"9117\",\"insee\":\"91174\"},"
			   "\"sector\":\"private\",\"rent_cents\":-5,\"colour\":\"blue\","
			   "\"contact\":{\"email\":\"x@example.org\",\"fax\":\"01\"}}";
	int status = 0;
	json_t *j = fixtures_call_json(&server, &admin, "POST", "/v1/households", body, NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_uint_ge(json_array_size(json_object_get(j, "errors")), 4);
	const json_t *postcode = error_at(j, "/address/postcode");
	const json_t *rent = error_at(j, "/rent_cents");
	const json_t *colour = error_at(j, "/colour");
	const json_t *fax = error_at(j, "/contact/fax");
	ck_assert_msg(postcode && rent && colour && fax, "errors: %s", json_dumps(json_object_get(j, "errors"), 0));
	ck_assert_str_eq(str(colour, "code"), "unknown-member");
	ck_assert_str_eq(str(colour, "type"), "/problems/unknown-member");
	ck_assert_str_eq(str(fax, "code"), "unknown-member");
	ck_assert_str_eq(str(postcode, "code"), "invalid-request");
	ck_assert_str_eq(str(rent, "code"), "invalid-request");
	/* The first of errors[] is the one detail and field describe. */
	const json_t *first = json_array_get(json_object_get(j, "errors"), 0);
	ck_assert_str_eq(str(first, "field"), str(j, "field"));
	ck_assert_str_eq(str(first, "detail"), str(j, "detail"));
	json_decref(j);

	/* The rules of the domain, too, are checked all together (422). */
	body = "{\"address\":{\"line\":\"3 rue des Lilas\",\"postcode\":\"91170\",\"insee\":\"91174\"},"
	       "\"sector\":\"private\",\"occupants\":{\"adults\":0},\"contact\":{\"email\":\"not-an-address\"},"
	       "\"housing_benefit\":{\"kind\":\"apl\"}}";
	j = fixtures_call_json(&server, &admin, "POST", "/v1/households", body, NULL, &status);
	ck_assert_int_eq(status, 422);
	ck_assert_ptr_nonnull(error_at(j, "/occupants/adults"));
	ck_assert_ptr_nonnull(error_at(j, "/contact/email"));
	ck_assert_ptr_nonnull(error_at(j, "/housing_benefit/paid_to"));
	ck_assert_str_eq(str(error_at(j, "/occupants/adults"), "code"), "value-out-of-range");
	ck_assert_str_eq(str(error_at(j, "/contact/email"), "code"), "malformed-value");
	ck_assert_str_eq(str(error_at(j, "/housing_benefit/paid_to"), "code"), "inconsistent-values");
	ck_assert_str_eq(str(j, "code"), str(json_array_get(json_object_get(j, "errors"), 0), "code"));
	json_decref(j);

	/* One failure: errors[] holds just it. */
	body = "{\"address\":{\"line\":\"3 rue des Lilas\",\"postcode\":\"91170\",\"insee\":\"91174\"},"
	       "\"sector\":\"public\"}";
	j = fixtures_call_json(&server, &admin, "POST", "/v1/households", body, NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(str(j, "field"), "/sector");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "errors")), 1);
	json_decref(j);
}
END_TEST

/* An act with several members at fault, at the JSON level and by the
 * rules: each comes back. */
START_TEST(every_failure_of_an_act_comes_back)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char id[40], path[128];
	int status = 0;
	household_new(&bailiff, id);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", id);
	json_t *j = fixtures_call_json(&server, &bailiff, "POST", path, "{\"reference\":\"PB-1\"}", NULL, &status);
	ck_assert_int_eq(status, 201);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", str(j, "id"));
	json_decref(j);

	/* JSON level: a string for a number, an unknown member, a bad date. */
	j = fixtures_call_json(&server, &bailiff, "POST", path,
			       "{\"kind\":\"payment_order\",\"date\":\"2026-13-01\",\"debt_cents\":\"lots\","
			       "\"rent_cents\":60000,\"tip\":1}",
			       NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_ptr_nonnull(error_at(j, "/date"));
	ck_assert_ptr_nonnull(error_at(j, "/debt_cents"));
	ck_assert_ptr_nonnull(error_at(j, "/tip"));
	ck_assert_ptr_null(error_at(j, "/rent_cents"));
	json_decref(j);

	/* The rules: no debt, no rent and a lease signed after the order. */
	j = fixtures_call_json(&server, &bailiff, "POST", path,
			       "{\"kind\":\"payment_order\",\"date\":\"2026-03-02\",\"debt_cents\":0,"
			       "\"rent_cents\":0,\"lease_signed_on\":\"2026-04-01\"}",
			       NULL, &status);
	ck_assert_int_eq(status, 422);
	ck_assert_str_eq(str(error_at(j, "/debt_cents"), "code"), "value-out-of-range");
	ck_assert_str_eq(str(error_at(j, "/rent_cents"), "code"), "value-out-of-range");
	ck_assert_str_eq(str(error_at(j, "/lease_signed_on"), "code"), "dates-out-of-order");
	json_decref(j);
}
END_TEST

/* Query parameters and headers are named as such, not as body pointers. */
START_TEST(parameters_and_headers_are_named_as_such)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, &admin, "GET", "/v1/households?limit=0", NULL, NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(str(j, "parameter"), "limit");
	ck_assert_ptr_null(json_object_get(j, "field"));
	json_decref(j);

	char id[40], path[96];
	household_new(&admin, id);
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	j = fixtures_call_json(&server, &admin, "PATCH", path, "{\"sector\":\"social\"}", NULL, &status);
	ck_assert_int_eq(status, 428);
	ck_assert_str_eq(str(j, "header"), "If-Match");
	ck_assert_str_eq(str(j, "code"), "if-match-required");
	ck_assert_ptr_null(json_object_get(j, "field"));
	json_decref(j);
	j = fixtures_call_json(&server, &admin, "PATCH", path, "{\"sector\":\"social\"}", "If-Match: \"9\"\r\n",
			       &status);
	ck_assert_int_eq(status, 412);
	ck_assert_str_eq(str(j, "code"), "version-mismatch");
	json_decref(j);
}
END_TEST

/* Malformed JSON has its own type. */
START_TEST(malformed_json_has_its_type)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, &admin, "POST", "/v1/households", "{\"sector\":", NULL, &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(str(j, "code"), "malformed-json");
	json_decref(j);
}
END_TEST

/* Every type a problem can name is served as a page, without a token; an
 * unknown one is 404. */
START_TEST(every_type_has_its_page)
{
	struct http_response resp = { 0 };
	ck_assert_int_eq(harness_get(&server, &resp, "/problems", NULL), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(http_response_header(&resp, "Content-Type"), "text/html"));
	for (int r = ERR_REASON_INVALID_REQUEST; r < ERR_REASON__COUNT; r++) {
		const char *slug = err_reason_slug((enum err_reason)r);
		char path[96], anchor[96];
		snprintf(anchor, sizeof(anchor), "id=\"%s\"", slug);
		ck_assert_msg(strstr(resp.body, anchor) != NULL, "the catalogue misses %s", slug);
		snprintf(path, sizeof(path), "/problems/%s", slug);
		struct http_response page = { 0 };
		ck_assert_int_eq(harness_get(&server, &page, path, NULL), 0);
		ck_assert_msg(page.status == 200, "%s answered %d", path, page.status);
		ck_assert_ptr_nonnull(strstr(page.body, slug));
		ck_assert_ptr_nonnull(strstr(page.body, "<h1>"));
		ck_assert_ptr_null(strstr(page.body, "(null)"));
		http_response_free(&page);
	}
	http_response_free(&resp);

	ck_assert_int_eq(harness_get(&server, &resp, "/problems/no-such-type", NULL), 0);
	ck_assert_int_eq(resp.status, 404);
	json_t *j = harness_json(&resp);
	ck_assert_str_eq(str(j, "code"), "not-found");
	json_decref(j);
	http_response_free(&resp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("problems");
	TCase *tc = tcase_create("problems");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_failure_of_a_body_comes_back);
	tcase_add_test(tc, every_failure_of_an_act_comes_back);
	tcase_add_test(tc, parameters_and_headers_are_named_as_such);
	tcase_add_test(tc, malformed_json_has_its_type);
	tcase_add_test(tc, every_type_has_its_page);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
