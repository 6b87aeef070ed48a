/* Issue 4 end to end: eviction procedures over HTTP. A bailiff files one
 * from the payment order to the eviction; who sees what; the state machine's
 * refusals; corrections; deadlines and flags; the side effects (diagnostic
 * request, CCAPEX referral, préfecture queue) and the timeline. */
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

static void expect(const json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want,
		      json_string_value(json_object_get(j, "detail")));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

/* A household in commune insee created by p (landlord: an organisation id
 * or NULL); its id into id. */
static void household(const struct party *p, const char *insee, const char *landlord, char *id)
{
	char body[1024], extra[256] = "";
	if (landlord != NULL)
		snprintf(extra, sizeof(extra), ",\"landlord\":{\"organisation_id\":\"%s\"}", landlord);
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"5 place du Marché\",\"postcode\":\"91000\",\"insee\":\"%s\"},"
		 "\"sector\":\"social\",\"rent_cents\":60000%s}", insee, extra);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/households", body, &status);
	expect(j, status, 201, NULL);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void procedure(const struct party *p, const char *household_id, char *id)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", household_id);
	int status = 0;
	json_t *j = call(p, "POST", path, "{\"reference\":\"CJ-2026-001\"}", &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "stage")), "none");
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

/* Posts an event; returns the answer (a new reference) and its status. */
static json_t *event(const struct party *p, const char *procedure_id, const char *body, int *status)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", procedure_id);
	return call(p, "POST", path, body, status);
}

static void event_ok(const struct party *p, const char *procedure_id, const char *body, char *event_id)
{
	int status = 0;
	json_t *j = event(p, procedure_id, body, &status);
	expect(j, status, 201, NULL);
	if (event_id != NULL)
		snprintf(event_id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static int get_status(const struct party *p, const char *path)
{
	int status = 0;
	json_decref(call(p, "GET", path, NULL, &status));
	return status;
}

static bool has_string(const json_t *array, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(array, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* The items of a timeline of one type. */
static size_t count_type(const json_t *timeline, const char *type)
{
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(json_object_get(timeline, "items"), i, v)
		n += strcmp(json_string_value(json_object_get(v, "type")), type) == 0;
	return n;
}

/* The open queue item of a procedure, as a new reference, or NULL. */
static json_t *queue_item(const char *procedure_id)
{
	char path[512], cursor[256] = "";
	for (;;) {
		snprintf(path, sizeof(path), "/v1/queue?limit=500%s%s", cursor[0] ? "&cursor=" : "", cursor);
		int status = 0;
		json_t *j = call(&admin, "GET", path, NULL, &status);
		ck_assert_int_eq(status, 200);
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(j, "items"), i, v) {
			if (strcmp(json_string_value(json_object_get(v, "procedure_id")), procedure_id) == 0) {
				json_incref(v);
				json_decref(j);
				return v;
			}
		}
		const char *next = json_string_value(json_object_get(j, "next_cursor"));
		if (next == NULL) {
			json_decref(j);
			return NULL;
		}
		snprintf(cursor, sizeof(cursor), "%s", next);
		json_decref(j);
	}
}

/* The social service a diagnostic in commune insee goes to: the oldest one
 * whose territory lists the commune (none here covers it by EPCI only).
 * Other tests make services too, so the answer is computed, not assumed. */
static void expected_assignee(const char *insee, char *out)
{
	char path[512], cursor[256] = "";
	out[0] = '\0';
	while (out[0] == '\0') {
		snprintf(path, sizeof(path), "/v1/organisations?kind=social_service&limit=500%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		int status = 0;
		json_t *j = call(&admin, "GET", path, NULL, &status);
		ck_assert_int_eq(status, 200);
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(j, "items"), i, o) {
			json_t *communes = json_object_get(json_object_get(o, "territory"), "communes");
			if (out[0] == '\0' && has_string(communes, insee) && !json_is_true(json_object_get(o, "disabled")))
				snprintf(out, 40, "%s", json_string_value(json_object_get(o, "id")));
		}
		const char *next = json_string_value(json_object_get(j, "next_cursor"));
		snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
		json_decref(j);
		if (next == NULL)
			break;
	}
}

START_TEST(bailiff_files_from_payment_order_to_eviction)
{
	struct party bailiff, landlord, other_landlord, service, far_service, other_bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &other_bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other_landlord);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91228\"]}", NULL, &service);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &far_service);
	char hh[40], proc[40], path[160];
	household(&bailiff, "91228", landlord.org_id, hh);
	procedure(&bailiff, hh, proc);

	/* 3 months unpaid, debt over 2 months of rent: a bailiff_report. */
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":180000,"
				 "\"rent_cents\":60000,\"months_unpaid\":3}", NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2025-11-03\",\"hearing_on\":\"2026-01-20\","
				 "\"court\":\"Tribunal judiciaire d'Évry\",\"prefet_notified_on\":\"2025-11-04\"}", NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"judgment\",\"date\":\"2026-01-20\",\"outcome\":\"termination_and_eviction\"}",
		 NULL);
	char order_id[40];
	event_ok(&bailiff, proc, "{\"kind\":\"order_to_leave\",\"date\":\"2026-02-10\",\"prefet_notified_on\":\"2026-02-11\"}",
		 order_id);
	json_t *q = queue_item(proc);
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(json_string_value(json_object_get(q, "kind")), "order_to_leave");
	ck_assert_str_eq(json_string_value(json_object_get(q, "event_id")), order_id);
	ck_assert_str_eq(json_string_value(json_object_get(q, "due_on")), "2026-04-12");
	json_decref(q);
	event_ok(&bailiff, proc, "{\"kind\":\"cfp_request\",\"date\":\"2026-04-15\"}", NULL);
	q = queue_item(proc);
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(json_string_value(json_object_get(q, "kind")), "cfp_request");
	ck_assert_str_eq(json_string_value(json_object_get(q, "due_on")), "2026-06-15");
	json_decref(q);

	int status = 0;
	json_t *j = event(&bailiff, proc, "{\"kind\":\"cfp_granted\",\"date\":\"2026-05-04\"}", &status);
	expect(j, status, 403, "kind");
	json_decref(j);
	event_ok(&admin, proc, "{\"kind\":\"cfp_granted\",\"date\":\"2026-05-04\"}", NULL);
	ck_assert_ptr_null(queue_item(proc));
	event_ok(&bailiff, proc, "{\"kind\":\"eviction\",\"date\":\"2026-06-02\",\"with_cfp\":true}", NULL);

	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	j = call(&admin, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(j, "stage")), "eviction");
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "closed");
	ck_assert_int_eq(json_array_size(json_object_get(j, "events")), 7);
	ck_assert(has_string(json_object_get(j, "flags"), "ccapex_report_required"));
	json_t *deadlines = json_object_get(j, "deadlines");
	ck_assert_int_gt(json_array_size(deadlines), 0);
	size_t i;
	json_t *d;
	bool notice = false;
	json_array_foreach(deadlines, i, d) {
		ck_assert_ptr_nonnull(json_object_get(d, "due_on"));
		ck_assert_ptr_nonnull(json_object_get(d, "status"));
		if (strcmp(json_string_value(json_object_get(d, "name")), "summons_notice_to_prefet") == 0) {
			notice = true;
			ck_assert_str_eq(json_string_value(json_object_get(d, "status")), "met");
		}
	}
	ck_assert(notice);
	json_decref(j);

	/* Who sees it: the préfecture, the filer, the landlord, the social
	 * service of the commune; nobody else. */
	ck_assert_int_eq(get_status(&bailiff, path), 200);
	ck_assert_int_eq(get_status(&landlord, path), 200);
	ck_assert_int_eq(get_status(&service, path), 200);
	ck_assert_int_eq(get_status(&other_landlord, path), 404);
	ck_assert_int_eq(get_status(&far_service, path), 404);
	ck_assert_int_eq(get_status(&other_bailiff, path), 404);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	j = call(&landlord, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 7);
	json_decref(j);
	ck_assert_int_eq(get_status(&other_landlord, path), 404);

	/* The timeline, filtered by what each may read. */
	snprintf(path, sizeof(path), "/v1/households/%s/timeline", hh);
	j = call(&admin, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count_type(j, "procedure_event"), 7);
	ck_assert_int_eq(count_type(j, "referral"), 1);
	ck_assert_int_eq(count_type(j, "diagnostic"), 1);
	json_t *first = json_array_get(json_object_get(j, "items"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "date")), "2025-09-01");
	json_t *diag = NULL, *ref = NULL;
	json_array_foreach(json_object_get(j, "items"), i, d) {
		if (strcmp(json_string_value(json_object_get(d, "type")), "diagnostic") == 0)
			diag = json_object_get(d, "item");
		if (strcmp(json_string_value(json_object_get(d, "type")), "referral") == 0)
			ref = json_object_get(d, "item");
	}
	char assignee[40];
	expected_assignee("91228", assignee);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(diag, "assigned_org"), "id")), assignee);
	ck_assert_str_eq(json_string_value(json_object_get(diag, "status")), "requested");
	ck_assert_str_eq(json_string_value(json_object_get(diag, "hearing_on")), "2026-01-20");
	ck_assert_str_eq(json_string_value(json_object_get(ref, "kind")), "bailiff_report");
	ck_assert_str_eq(json_string_value(json_object_get(ref, "status")), "received");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ref, "commune"), "insee")), "91228");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ref, "epci"), "siren")), "200059228");
	ck_assert_int_eq(json_integer_value(json_object_get(ref, "debt_cents")), 180000);
	json_decref(j);
	j = call(&landlord, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count_type(j, "procedure_event"), 7);
	ck_assert_int_eq(count_type(j, "diagnostic"), 0);
	json_decref(j);
	/* A social service reads a diagnostic only when it is assigned one. */
	j = call(&service, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count_type(j, "diagnostic"), strcmp(assignee, service.org_id) == 0 ? 1 : 0);
	json_decref(j);
	j = call(&bailiff, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count_type(j, "procedure_event"), 7);
	ck_assert_int_eq(count_type(j, "diagnostic"), 0);
	ck_assert_int_eq(count_type(j, "referral"), 0);
	json_decref(j);
	ck_assert_int_eq(get_status(&other_landlord, path), 404);

	/* The household shows its current stage, and filters by it. */
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	j = call(&landlord, "GET", path, NULL, &status);
	ck_assert_str_eq(json_string_value(json_object_get(j, "stage")), "eviction");
	json_decref(j);
	j = call(&landlord, "GET", "/v1/households?stage=eviction", NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	ck_assert_int_eq(get_status(&service, path), 200);
	ck_assert_int_eq(get_status(&far_service, path), 404);
}
END_TEST

START_TEST(small_payment_order_opens_no_referral)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40], path[128];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":60000,"
				 "\"rent_cents\":60000,\"months_unpaid\":1}", NULL);
	snprintf(path, sizeof(path), "/v1/households/%s/timeline", hh);
	int status = 0;
	json_t *j = call(&admin, "GET", path, NULL, &status);
	ck_assert_int_eq(count_type(j, "referral"), 0);
	json_decref(j);
}
END_TEST

START_TEST(impossible_sequences_and_dates_are_422)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	int status = 0;
	json_t *j = event(&bailiff, proc, "{\"kind\":\"judgment\",\"date\":\"2025-10-01\",\"outcome\":\"dismissed\"}", &status);
	expect(j, status, 422, "kind");
	json_decref(j);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":50000,"
				 "\"rent_cents\":60000}", NULL);
	j = event(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2025-09-01\",\"hearing_on\":\"2025-12-01\","
				  "\"court\":\"TJ Évry\"}", &status);
	expect(j, status, 422, "date");
	json_decref(j);
	j = event(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-02\",\"debt_cents\":1,\"rent_cents\":1}",
		  &status);
	expect(j, status, 422, "kind");
	json_decref(j);
	j = event(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2025-11-01\",\"hearing_on\":\"2025-10-01\","
				  "\"court\":\"TJ Évry\"}", &status);
	expect(j, status, 422, "hearing_on");
	json_decref(j);
	/* The refused events left nothing behind. */
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	j = call(&bailiff, "GET", path, NULL, &status);
	ck_assert_int_eq(json_array_size(json_object_get(j, "events")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "stage")), "payment_order");
	json_decref(j);
}
END_TEST

START_TEST(bad_events_are_400)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
		{ "{\"kind\":\"trial\",\"date\":\"2025-10-01\"}", "kind" },
		{ "{\"date\":\"2025-10-01\"}", "kind" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-02-30\",\"debt_cents\":1,\"rent_cents\":1}", "date" },
		{ "{\"kind\":\"payment_order\",\"date\":\"01/10/2025\",\"debt_cents\":1,\"rent_cents\":1}", "date" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"rent_cents\":1}", "debt_cents" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":\"1\",\"rent_cents\":1}", "debt_cents" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,\"court\":\"x\"}",
		  "court" },
		{ "{\"kind\":\"summons\",\"date\":\"2025-10-01\",\"court\":\"x\"}", "hearing_on" },
		{ "{\"kind\":\"withdrawn\",\"date\":\"2025-10-01\",\"id\":\"x\"}", "id" },
		{ "{\"kind\":\"withdrawn\",\"date\":\"2025-10-01\",\"corrects\":\"7\"}", "corrects" },
		{ "{\"kind\":\"eviction\",\"date\":\"2025-10-01\"}", "with_cfp" },
		/* Issue 13: dates outside 1990-01-01 .. today + 2 years, blank or control text. */
		{ "{\"kind\":\"payment_order\",\"date\":\"1989-12-31\",\"debt_cents\":1,\"rent_cents\":1}", "date" },
		{ "{\"kind\":\"payment_order\",\"date\":\"0001-01-01\",\"debt_cents\":1,\"rent_cents\":1}", "date" },
		{ "{\"kind\":\"payment_order\",\"date\":\"9999-12-31\",\"debt_cents\":1,\"rent_cents\":1}", "date" },
		{ "{\"kind\":\"summons\",\"date\":\"2025-10-01\",\"hearing_on\":\"9999-12-31\",\"court\":\"x\"}",
		  "hearing_on" },
		{ "{\"kind\":\"summons\",\"date\":\"2025-10-01\",\"hearing_on\":\"2025-12-01\",\"court\":\"x\","
		  "\"prefet_notified_on\":\"0001-01-01\"}", "prefet_notified_on" },
		{ "{\"kind\":\"summons\",\"date\":\"2025-10-01\",\"hearing_on\":\"2025-12-01\",\"court\":\"  \"}",
		  "court" },
		{ "{\"kind\":\"summons\",\"date\":\"2025-10-01\",\"hearing_on\":\"2025-12-01\",\"court\":\"TJ\\u0001\"}",
		  "court" },
		/* Issue 14: the lease's date, on payment orders only. */
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,"
		  "\"lease_signed_on\":\"2023-02-29\"}", "lease_signed_on" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,"
		  "\"lease_signed_on\":\"1949-12-31\"}", "lease_signed_on" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,"
		  "\"lease_signed_on\":\"9999-12-31\"}", "lease_signed_on" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,"
		  "\"lease_signed_on\":20230729}", "lease_signed_on" },
		{ "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,"
		  "\"lease_signed_on\":\"29/07/2023\"}", "lease_signed_on" },
		{ "{\"kind\":\"summons\",\"date\":\"2025-10-01\",\"hearing_on\":\"2025-12-01\",\"court\":\"x\","
		  "\"lease_signed_on\":\"2023-07-29\"}", "lease_signed_on" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = 0;
		json_t *j = event(&bailiff, proc, cases[i].body, &status);
		ck_assert_msg(status == 400, "case %zu answered %d", i, status);
		ck_assert_msg(strcmp(fixtures_problem_at(j), cases[i].field) == 0,
			      "case %zu names %s", i, fixtures_problem_at(j));
		json_decref(j);
	}
}
END_TEST

/* The first day of the window of acts is accepted, the day before is not
 * (bad_events_are_400). */
START_TEST(acts_from_1990_on_are_accepted)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"1990-01-01\",\"debt_cents\":50000,"
				 "\"rent_cents\":60000}", NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"1990-03-01\",\"hearing_on\":\"1990-06-01\","
				 "\"court\":\"  TJ Évry \"}", NULL);
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	int status = 0;
	json_t *j = call(&bailiff, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	json_t *events = json_object_get(j, "events");
	ck_assert_int_eq(json_array_size(events), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(events, 0), "date")), "1990-01-01");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(events, 1), "court")), "TJ Évry");
	json_decref(j);
}
END_TEST

START_TEST(corrections_append_and_point_back)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40], po[40], body[512], path[128];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":50000,"
				 "\"rent_cents\":60000}", po);
	snprintf(body, sizeof(body), "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":55000,"
				     "\"rent_cents\":60000,\"corrects\":\"%s\"}", po);
	int status = 0;
	json_t *j = event(&bailiff, proc, body, &status);
	expect(j, status, 201, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "corrects")), po);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"kind\":\"summons\",\"date\":\"2025-11-01\",\"hearing_on\":\"2026-01-10\","
				     "\"court\":\"TJ\",\"corrects\":\"%s\"}", po);
	j = event(&bailiff, proc, body, &status);
	expect(j, status, 422, "kind");
	json_decref(j);
	j = event(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1,"
				  "\"corrects\":\"00000000-0000-0000-0000-000000000000\"}", &status);
	expect(j, status, 422, "corrects");
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	j = call(&bailiff, "GET", path, NULL, &status);
	json_t *events = json_object_get(j, "events");
	ck_assert_int_eq(json_array_size(events), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(events, 0), "debt_cents")), 50000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(events, 1), "debt_cents")), 55000);
	json_decref(j);
}
END_TEST

START_TEST(late_acts_are_recorded_and_flagged)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40], path[128];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	event_ok(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2025-03-03\",\"hearing_on\":\"2025-03-20\","
				 "\"court\":\"TJ Évry\"}", NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"judgment\",\"date\":\"2025-03-20\",\"outcome\":\"termination_and_eviction\"}",
		 NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"order_to_leave\",\"date\":\"2025-04-01\"}", NULL);
	/* Within the two months, and in the winter truce: recorded, flagged. */
	event_ok(&bailiff, proc, "{\"kind\":\"eviction\",\"date\":\"2025-11-15\",\"with_cfp\":false}", NULL);
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	int status = 0;
	json_t *j = call(&admin, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert(has_string(json_object_get(j, "flags"), "eviction_during_winter_truce"));
	ck_assert(has_string(json_object_get(j, "flags"), "summons_notice_to_prefet_late"));
	json_decref(j);
	/* Closed: only corrections may follow. */
	j = event(&bailiff, proc, "{\"kind\":\"debt_settled\",\"date\":\"2025-12-01\"}", &status);
	expect(j, status, 422, "kind");
	json_decref(j);
}
END_TEST

START_TEST(who_may_act)
{
	struct party bailiff, landlord, stranger;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &stranger);
	char hh[40], proc[40], path[128];
	household(&bailiff, "91174", landlord.org_id, hh);
	procedure(&bailiff, hh, proc);
	int status = 0;
	json_t *j = event(&landlord, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,"
					   "\"rent_cents\":1}", &status);
	expect(j, status, 403, "kind");
	json_decref(j);
	j = event(&stranger, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,"
				   "\"rent_cents\":1}", &status);
	expect(j, status, 404, NULL);
	json_decref(j);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-10-01\",\"debt_cents\":1,\"rent_cents\":1}",
		 NULL);
	/* The landlord may record an early ending. */
	event_ok(&landlord, proc, "{\"kind\":\"debt_settled\",\"date\":\"2025-10-20\"}", NULL);
	/* Only the préfecture works the queue; landlords file no procedure. */
	j = call(&bailiff, "GET", "/v1/queue", NULL, &status);
	expect(j, status, 403, NULL);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	j = call(&landlord, "POST", path, "{}", &status);
	expect(j, status, 403, NULL);
	json_decref(j);
	j = call(&stranger, "POST", path, "{}", &status);
	expect(j, status, 404, NULL);
	json_decref(j);
	j = call(&bailiff, "POST", path, "{\"stage\":\"summons\"}", &status);
	expect(j, status, 400, "stage");
	json_decref(j);
	ck_assert_int_eq(get_status(&bailiff, "/v1/procedures/00000000-0000-0000-0000-000000000000"), 404);
}
END_TEST

/* The deadline named of a procedure's representation, or NULL. */
static const json_t *deadline_of(const json_t *procedure, const char *name)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(procedure, "deadlines"), i, d)
		if (strcmp(json_string_value(json_object_get(d, "name")), name) == 0)
			return d;
	return NULL;
}

/* GET /v1/procedures/{id} as p: a new reference. */
static json_t *procedure_get(const struct party *p, const char *id)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s", id);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	return j;
}

/* The deadline name of procedure id: its due day, status and rule. */
static void expect_deadline(const struct party *p, const char *id, const char *name, const char *due,
			    const char *status, const char *version, const char *basis)
{
	json_t *j = procedure_get(p, id);
	const json_t *d = deadline_of(j, name);
	ck_assert_msg(d != NULL, "no deadline %s", name);
	ck_assert_str_eq(json_string_value(json_object_get(d, "due_on")), due);
	ck_assert_str_eq(json_string_value(json_object_get(d, "status")), status);
	const json_t *rule = json_object_get(d, "rule");
	ck_assert_str_eq(json_string_value(json_object_get(rule, "version")), version);
	ck_assert_str_eq(json_string_value(json_object_get(rule, "basis")), basis);
	json_decref(j);
}

static bool procedure_flagged(const struct party *p, const char *id, const char *flag)
{
	json_t *j = procedure_get(p, id);
	bool found = has_string(json_object_get(j, "flags"), flag);
	json_decref(j);
	return found;
}

#define BASIS_6W "loi 89-462 art. 24, loi 2023-668 art. 10"
#define BASIS_KEPT "loi 89-462 art. 24; Cass. avis 24-70.002"
#define BASIS_UNKNOWN "loi 89-462 art. 24; lease date unknown: the longer delay (Cass. avis 24-70.002)"

/* Payment orders of 10 March 2025: + 6 weeks = Monday 21 April, Easter
 * Monday, so Tuesday 22 April; + 2 months = Saturday 10 May, so Monday
 * 12 May. Today (2026 or later) both have expired. */
/* The ids of a page of GET /v1/procedures (query after the "?"), as p. */
static int listed_ids(const struct party *p, const char *query, char ids[][40], int max)
{
	char path[512];
	snprintf(path, sizeof(path), "/v1/procedures?%s", query);
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	int n = 0;
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(j, "items"), i, item) {
		if (n < max)
			snprintf(ids[n], 40, "%s", json_string_value(json_object_get(item, "id")));
		n++;
	}
	json_decref(j);
	return n;
}

/* Issue 15: the way back from what a partner holds (its file reference, a
 * household) to the procedures, each organisation seeing only its own. */
START_TEST(procedures_are_found_by_reference_household_and_stage)
{
	struct party bailiff, other, landlord;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &other);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char hh[40], p1[40], p2[40], path[160], body[256], ref[64], sfx[16];
	fixtures_suffix(sfx, sizeof(sfx));
	snprintf(ref, sizeof(ref), "CJ-WAY-%s", sfx);
	household(&bailiff, "91228", landlord.org_id, hh);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	snprintf(body, sizeof(body), "{\"reference\":\"%s\"}", ref);
	int status = 0;
	json_t *j = call(&bailiff, "POST", path, body, &status);
	expect(j, status, 201, NULL);
	snprintf(p1, sizeof(p1), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	procedure(&bailiff, hh, p2);
	event_ok(&bailiff, p2, "{\"kind\":\"payment_order\",\"date\":\"2026-09-01\",\"debt_cents\":90000,"
			       "\"rent_cents\":60000}", NULL);

	char ids[8][40], q[256];
	snprintf(q, sizeof(q), "reference=%s", ref);
	ck_assert_int_eq(listed_ids(&bailiff, q, ids, 8), 1);
	ck_assert_str_eq(ids[0], p1);
	snprintf(q, sizeof(q), "household_id=%s", hh);
	ck_assert_int_eq(listed_ids(&bailiff, q, ids, 8), 2);
	snprintf(q, sizeof(q), "household_id=%s&stage=payment_order", hh);
	ck_assert_int_eq(listed_ids(&bailiff, q, ids, 8), 1);
	ck_assert_str_eq(ids[0], p2);
	snprintf(q, sizeof(q), "household_id=%s&status=open&updated_since=2000-01-01T00:00:00Z&limit=1", hh);
	ck_assert_int_eq(listed_ids(&bailiff, q, ids, 8), 1);
	snprintf(q, sizeof(q), "household_id=%s&updated_since=2999-01-01T00:00:00Z", hh);
	ck_assert_int_eq(listed_ids(&bailiff, q, ids, 8), 0);
	/* The landlord of the household and the préfecture read them; another
	 * bailiff sees nothing of them. */
	snprintf(q, sizeof(q), "household_id=%s", hh);
	ck_assert_int_eq(listed_ids(&admin, q, ids, 8), 2);
	ck_assert_int_eq(listed_ids(&landlord, q, ids, 8), 2);
	ck_assert_int_eq(listed_ids(&other, q, ids, 8), 0);
	snprintf(q, sizeof(q), "reference=%s", ref);
	ck_assert_int_eq(listed_ids(&other, q, ids, 8), 0);
	/* Bad filters name themselves. */
	static const char *const bad[][2] = {
		{ "/v1/procedures?household_id=12", "household_id" },
		{ "/v1/procedures?stage=hearing", "stage" },
		{ "/v1/procedures?status=gone", "status" },
		{ "/v1/procedures?updated_since=yesterday", "updated_since" },
		{ "/v1/procedures?reference=", "reference" },
		{ "/v1/procedures?limit=0", "limit" },
		{ "/v1/procedures?cursor=zz", "cursor" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = call(&bailiff, "GET", bad[i][0], NULL, &status);
		expect(j, status, 400, bad[i][1]);
		json_decref(j);
	}
	j = call(NULL, "GET", "/v1/procedures", NULL, &status);
	ck_assert_int_eq(status, 401);
	json_decref(j);
}
END_TEST

START_TEST(time_to_pay_follows_the_lease)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], recent[40], old[40], unknown[40], po[40], body[512], path[128];
	const char *n = "payment_order_time_to_pay";
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, recent);
	procedure(&bailiff, hh, old);
	procedure(&bailiff, hh, unknown);
	event_ok(&bailiff, recent, "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				   "\"rent_cents\":60000,\"lease_signed_on\":\"2023-07-29\"}", NULL);
	event_ok(&bailiff, old, "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				"\"rent_cents\":60000,\"lease_signed_on\":\"2023-07-28\"}", NULL);
	event_ok(&bailiff, unknown, "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				    "\"rent_cents\":60000}", po);
	expect_deadline(&bailiff, recent, n, "2025-04-22", "expired", "2023-07-29", BASIS_6W);
	expect_deadline(&bailiff, old, n, "2025-05-12", "expired", "1989-07-08", BASIS_KEPT);
	expect_deadline(&bailiff, unknown, n, "2025-05-12", "expired", "1989-07-08", BASIS_UNKNOWN);
	ck_assert(!procedure_flagged(&bailiff, recent, "lease_date_unknown"));
	ck_assert(!procedure_flagged(&bailiff, old, "lease_date_unknown"));
	ck_assert(procedure_flagged(&bailiff, unknown, "lease_date_unknown"));
	json_t *j = procedure_get(&bailiff, recent);
	const json_t *ev = json_array_get(json_object_get(j, "events"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "lease_signed_on")), "2023-07-29");
	const json_t *rule = json_object_get(deadline_of(j, n), "rule");
	ck_assert_str_eq(json_string_value(json_object_get(rule, "id")), n);
	json_decref(j);
	j = procedure_get(&bailiff, unknown);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(j, "events"), 0), "lease_signed_on"));
	json_decref(j);

	/* The household's lease date serves the act that has none. */
	snprintf(path, sizeof(path), "/v1/households/%s", hh);
	int status = 0;
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"lease_signed_on\":\"2024-01-01\"}",
			       "If-Match: \"1\"\r\n", &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "lease_signed_on")), "2024-01-01");
	json_decref(j);
	expect_deadline(&bailiff, unknown, n, "2025-04-22", "expired", "2023-07-29", BASIS_6W);
	ck_assert(!procedure_flagged(&bailiff, unknown, "lease_date_unknown"));
	/* The act's own date wins over the household's. */
	expect_deadline(&bailiff, old, n, "2025-05-12", "expired", "1989-07-08", BASIS_KEPT);

	/* A correction carries the lease date, or drops it. */
	snprintf(body, sizeof(body), "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				     "\"rent_cents\":60000,\"lease_signed_on\":\"2019-09-01\",\"corrects\":\"%s\"}", po);
	char fix[40];
	event_ok(&bailiff, unknown, body, fix);
	expect_deadline(&bailiff, unknown, n, "2025-05-12", "expired", "1989-07-08", BASIS_KEPT);
	j = procedure_get(&bailiff, unknown);
	ev = json_array_get(json_object_get(j, "events"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "lease_signed_on")), "2019-09-01");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "corrects")), po);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				     "\"rent_cents\":60000,\"corrects\":\"%s\"}", fix);
	event_ok(&bailiff, unknown, body, NULL);
	expect_deadline(&bailiff, unknown, n, "2025-04-22", "expired", "2023-07-29", BASIS_6W);

	/* A household lease signed after the order is a later renewal: the
	 * lease the order was served under is unknown. */
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"lease_signed_on\":\"2025-06-01\"}",
			       "If-Match: \"2\"\r\n", &status);
	expect(j, status, 200, NULL);
	json_decref(j);
	expect_deadline(&bailiff, unknown, n, "2025-05-12", "expired", "1989-07-08", BASIS_UNKNOWN);
	ck_assert(procedure_flagged(&bailiff, unknown, "lease_date_unknown"));

	/* A lease after the order is refused, naming the member. */
	char other[40];
	procedure(&bailiff, hh, other);
	j = event(&bailiff, other, "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				   "\"rent_cents\":60000,\"lease_signed_on\":\"2025-03-11\"}", &status);
	expect(j, status, 422, "lease_signed_on");
	json_decref(j);
	event_ok(&bailiff, other, "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				  "\"rent_cents\":60000,\"lease_signed_on\":\"2025-03-10\"}", NULL);
	expect_deadline(&bailiff, other, n, "2025-04-22", "expired", "2023-07-29", BASIS_6W);
}
END_TEST

/* Each deadline names its rule; the kinds keep their own statuses; a closed
 * procedure keeps its deadlines, judged on its closing day (5 May 2025):
 * summons Friday 2 May 2025, hearing Tuesday 2 September: notice due
 * 22 July, interview offer 26 May (8 May is a holiday), report 26 August. */
START_TEST(closed_procedure_keeps_its_deadlines)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], proc[40];
	household(&bailiff, "91174", NULL, hh);
	procedure(&bailiff, hh, proc);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-03-10\",\"debt_cents\":90000,"
				 "\"rent_cents\":60000,\"lease_signed_on\":\"2025-01-01\"}", NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2025-05-02\",\"hearing_on\":\"2025-09-02\","
				 "\"court\":\"TJ Évry\"}", NULL);
	event_ok(&bailiff, proc, "{\"kind\":\"withdrawn\",\"date\":\"2025-05-05\"}", NULL);
	static const struct {
		const char *name, *due, *status, *rule, *version, *basis;
	} want[] = {
		{ "payment_order_time_to_pay", "2025-04-22", "expired", "payment_order_time_to_pay", "2023-07-29",
		  BASIS_6W },
		{ "summons_notice_to_prefet", "2025-07-22", "pending", "summons_notice_to_prefet", "2023-07-29",
		  "loi 89-462 art. 24 III, loi 2023-668 art. 10" },
		{ "diagnostic_interview_offer", "2025-05-26", "pending", "diagnostic_interview_offer", "2021-01-08",
		  "decret 2021-8" },
		{ "diagnostic_report", "2025-08-26", "pending", "diagnostic_report_notice", "2021-01-08",
		  "decret 2021-8" },
	};
	json_t *j = procedure_get(&bailiff, proc);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "closed");
	ck_assert_int_eq(json_array_size(json_object_get(j, "deadlines")), 4);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const json_t *d = deadline_of(j, want[i].name);
		ck_assert_msg(d != NULL, "no deadline %s", want[i].name);
		ck_assert_str_eq(json_string_value(json_object_get(d, "due_on")), want[i].due);
		ck_assert_str_eq(json_string_value(json_object_get(d, "status")), want[i].status);
		const json_t *rule = json_object_get(d, "rule");
		ck_assert_str_eq(json_string_value(json_object_get(rule, "id")), want[i].rule);
		ck_assert_str_eq(json_string_value(json_object_get(rule, "version")), want[i].version);
		ck_assert_str_eq(json_string_value(json_object_get(rule, "basis")), want[i].basis);
	}
	ck_assert(!has_string(json_object_get(j, "flags"), "lease_date_unknown"));
	json_decref(j);
}
END_TEST

/* Order to leave 31 January 2024: the delay ends 31 March, the truce too;
 * 1 April 2024 is Easter Monday, so the earliest eviction is 2 April. An
 * eviction on Ascension (9 May 2024) or a Sunday is recorded and flagged;
 * on a Saturday it is not. */
START_TEST(evictions_on_sundays_and_holidays_are_flagged)
{
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	static const struct {
		const char *date;
		bool flagged;
	} cases[] = { { "2024-05-09", true }, { "2024-05-12", true }, { "2024-05-11", false }, { "2024-04-02", false } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char hh[40], proc[40], body[160];
		household(&bailiff, "91174", NULL, hh);
		procedure(&bailiff, hh, proc);
		event_ok(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2023-09-04\",\"hearing_on\":\"2023-12-05\","
					 "\"court\":\"TJ Évry\"}", NULL);
		event_ok(&bailiff, proc, "{\"kind\":\"judgment\",\"date\":\"2023-12-05\","
					 "\"outcome\":\"termination_and_eviction\"}", NULL);
		event_ok(&bailiff, proc, "{\"kind\":\"order_to_leave\",\"date\":\"2024-01-31\"}", NULL);
		json_t *j = procedure_get(&bailiff, proc);
		ck_assert_str_eq(json_string_value(json_object_get(j, "earliest_eviction_on")), "2024-04-02");
		json_decref(j);
		snprintf(body, sizeof(body), "{\"kind\":\"eviction\",\"date\":\"%s\",\"with_cfp\":false}", cases[i].date);
		event_ok(&bailiff, proc, body, NULL);
		ck_assert_msg(procedure_flagged(&bailiff, proc, "eviction_on_sunday_or_holiday") == cases[i].flagged,
			      "eviction on %s", cases[i].date);
		ck_assert(!procedure_flagged(&bailiff, proc, "eviction_premature"));
		expect_deadline(&bailiff, proc, "order_to_leave_delay", "2024-03-31", "expired", "2012-06-01",
				"CPCE L.412-1");
	}
}
END_TEST

/* Rectification (GDPR art. 16): the filer corrects the reference (under
 * If-Match) or erases it; another bailiff, a landlord cannot. */
START_TEST(the_reference_is_corrected)
{
	struct party bailiff, other_bailiff, landlord;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &other_bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	char hh[40], proc[40], path[160];
	household(&bailiff, "91228", landlord.org_id, hh);
	procedure(&bailiff, hh, proc);
	snprintf(path, sizeof(path), "/v1/procedures/%s", proc);
	int status = 0;
	const char *v1 = "If-Match: \"1\"\r\n";
	json_t *j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"reference\":\"CJ-2026-0042\"}", NULL,
				       &status);
	expect(j, status, 428, "If-Match");
	json_decref(j);
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{}", v1, &status);
	expect(j, status, 400, "reference");
	json_decref(j);
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"reference\":\"x\",\"stage\":\"summons\"}", v1,
			       &status);
	expect(j, status, 400, "stage");
	json_decref(j);
	j = fixtures_call_json(&server, &other_bailiff, "PATCH", path, "{\"reference\":\"X\"}", v1, &status);
	expect(j, status, 404, NULL);
	json_decref(j);
	j = fixtures_call_json(&server, &landlord, "PATCH", path, "{\"reference\":\"X\"}", v1, &status);
	expect(j, status, 403, NULL);
	json_decref(j);
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"reference\":\" CJ-2026-0042 \"}", v1, &status);
	expect(j, status, 200, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "reference")), "CJ-2026-0042");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 2);
	json_decref(j);
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"reference\":null}", v1, &status);
	expect(j, status, 412, "If-Match");
	json_decref(j);
	j = fixtures_call_json(&server, &bailiff, "PATCH", path, "{\"reference\":null}", "If-Match: \"2\"\r\n",
			       &status);
	expect(j, status, 200, NULL);
	ck_assert(json_is_null(json_object_get(j, "reference")) || json_object_get(j, "reference") == NULL);
	json_decref(j);
	j = call(&landlord, "GET", path, NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 3);
	json_decref(j);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("procedures");
	TCase *tc = tcase_create("procedures");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, admin_new, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bailiff_files_from_payment_order_to_eviction);
	tcase_add_test(tc, small_payment_order_opens_no_referral);
	tcase_add_test(tc, impossible_sequences_and_dates_are_422);
	tcase_add_test(tc, bad_events_are_400);
	tcase_add_test(tc, acts_from_1990_on_are_accepted);
	tcase_add_test(tc, corrections_append_and_point_back);
	tcase_add_test(tc, late_acts_are_recorded_and_flagged);
	tcase_add_test(tc, who_may_act);
	tcase_add_test(tc, time_to_pay_follows_the_lease);
	tcase_add_test(tc, closed_procedure_keeps_its_deadlines);
	tcase_add_test(tc, evictions_on_sundays_and_holidays_are_flagged);
	tcase_add_test(tc, procedures_are_found_by_reference_household_and_stage);
	tcase_add_test(tc, the_reference_is_corrected);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
