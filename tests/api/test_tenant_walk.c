/* Issue 17, départements as tenants, tried on every read: a case of the
 * Essonne (91) and one of the Yvelines (78), each with every kind of record
 * (households, a procedure and its acts, a referral examined in a session
 * with a recommendation, a diagnostic, an outreach case, a MASP measure, a
 * prevention letter, a CAF signal and the benefit decision it opened).
 * Then every GET operation of openapi/openapi.yaml (the build's JSON of it,
 * tests/api/openapi_ops.py, as the sweep reads it: a new endpoint is walked
 * without a word here) is called by the other département's préfecture and
 * Conseil départemental, with each id of the case in each path parameter
 * and in each UUID query parameter, every page of each list followed. No
 * answer may hold any of the case's ids, its households' address, holder's
 * name or CAF number. The owner's préfecture walks the same requests, which
 * must find them: the walk can see a leak. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

#define CASE_IDS 32
#define WALK_PAGES 100

static struct harness server;
static struct party admin;

/* One département's case and its organisations. */
struct dep_case {
	const char *code, *insee, *postcode;
	struct party pref, dept, bailiff, adil, assoc, caf, landlord;
	char marker[48];   /* in every address line and holder's name */
	char caf_no[24];
	char ids[CASE_IDS][40];
	size_t n_ids;
	char household[40], procedure[40], referral[40], commission[40];
};

static void setup(void)
{
	fixtures_two_departements(&server, &admin);
}

static void teardown(void)
{
	harness_stop(&server);
}

static const char *str(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s != NULL ? s : "";
}

/* p's call, answered want; the answer's JSON (a new reference). */
static json_t *call_want(const struct party *p, const char *method, const char *path, const char *body,
			 const char *headers, int want)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, method, path, body, headers, &status);
	ck_assert_msg(status == want, "%s %s answered %d, wanted %d: %s", method, path, status, want, str(j, "detail"));
	return j;
}

static void add_id(struct dep_case *c, const char *id)
{
	ck_assert_msg(strlen(id) == 36, "not an id: '%s'", id);
	ck_assert(c->n_ids < CASE_IDS);
	snprintf(c->ids[c->n_ids++], 40, "%s", id);
}

/* POST, 201, the new id kept in the case (and in out when not NULL). */
static void create(struct dep_case *c, const struct party *p, const char *path, const char *body, const char *headers,
		   char *out)
{
	json_t *j = call_want(p, "POST", path, body, headers, 201);
	add_id(c, str(j, "id"));
	if (out != NULL)
		snprintf(out, 40, "%s", str(j, "id"));
	json_decref(j);
}

/* The ETag of path read by p, as an If-Match header. */
static void if_match(const struct party *p, const char *path, char *out, size_t len)
{
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, p, "GET", path, NULL, NULL, &resp), 200);
	const char *etag = http_response_header(&resp, "ETag");
	ck_assert_ptr_nonnull(etag);
	snprintf(out, len, "If-Match: %s\r\n", etag);
	http_response_free(&resp);
}

static void change(const struct party *p, const char *method, const char *path, const char *body, int want)
{
	char h[96];
	if_match(p, path, h, sizeof(h));
	json_decref(call_want(p, method, path, body, h, want));
}

/* The id of each item of the list path read by p, kept in the case;
 * out: the first (when not NULL). */
static void list_ids(struct dep_case *c, const struct party *p, const char *path, char *out)
{
	json_t *j = call_want(p, "GET", path, NULL, NULL, 200);
	size_t i;
	json_t *v;
	ck_assert_msg(json_array_size(json_object_get(j, "items")) > 0, "%s is empty", path);
	json_array_foreach(json_object_get(j, "items"), i, v) {
		add_id(c, str(v, "id"));
		if (out != NULL && i == 0)
			snprintf(out, 40, "%s", str(v, "id"));
	}
	json_decref(j);
}

static void timeline_ids(struct dep_case *c, const char *household_id)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/households/%s/timeline", household_id);
	json_t *j = call_want(&c->pref, "GET", path, NULL, NULL, 200);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "items"), i, v) {
		const char *type = str(v, "type"), *id = str(json_object_get(v, "item"), "id");
		if (strcmp(type, "referral") == 0 && c->referral[0] == '\0')
			snprintf(c->referral, sizeof(c->referral), "%s", id);
		if (strcmp(type, "referral") == 0 || strcmp(type, "diagnostic") == 0)
			add_id(c, id);
	}
	json_decref(j);
	ck_assert_msg(c->referral[0] != '\0', "no referral in the timeline");
}

static void household_new(struct dep_case *c, const struct party *p, const char *n, const char *extra, char *out)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"%s rue %s\",\"postcode\":\"%s\",\"insee\":\"%s\"},\"sector\":\"private\","
		 "\"rent_cents\":70000%s}", n, c->marker, c->postcode, c->insee, extra);
	create(c, p, "/v1/households", body, NULL, out);
}

static void event(const struct dep_case *c, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", c->procedure);
	json_decref(call_want(&c->bailiff, "POST", path, body, NULL, 201));
}

/* The procedure up to an order to leave: the bailiff's report makes a
 * referral, the summons a diagnostic. */
static void procedure_case(struct dep_case *c)
{
	char path[160], body[256];
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", c->household);
	create(c, &c->bailiff, path, "{\"reference\":\"CJ-WALK-1\"}", NULL, c->procedure);
	event(c, "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":210000,\"rent_cents\":70000,"
		 "\"months_unpaid\":3}");
	event(c, "{\"kind\":\"summons\",\"date\":\"2025-11-03\",\"hearing_on\":\"2026-01-20\",\"court\":\"Tribunal\","
		 "\"prefet_notified_on\":\"2025-11-04\"}");
	event(c, "{\"kind\":\"judgment\",\"date\":\"2026-01-20\",\"outcome\":\"termination_and_eviction\"}");
	event(c, "{\"kind\":\"order_to_leave\",\"date\":\"2026-02-10\",\"prefet_notified_on\":\"2026-02-11\"}");
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", c->procedure);
	list_ids(c, &c->pref, path, NULL);
	timeline_ids(c, c->household);
	/* The holder's name, as an import would bring it. */
	snprintf(path, sizeof(path), "/v1/households/%s", c->household);
	snprintf(body, sizeof(body), "{\"holder_name\":\"Holder %s\"}", c->marker);
	change(&c->pref, "PATCH", path, body, 200);
}

/* The referral admitted, put on a session's agenda and examined, with a
 * recommendation to the landlord. */
static void session_case(struct dep_case *c)
{
	char path[160], body[512];
	snprintf(path, sizeof(path), "/v1/referrals/%s", c->referral);
	change(&c->dept, "PATCH", path, "{\"status\":\"admissible\"}", 200);
	create(c, &c->pref, "/v1/commissions", "{\"level\":\"operational\",\"date\":\"2026-12-03\"}", NULL,
	       c->commission);
	snprintf(path, sizeof(path), "/v1/commissions/%s", c->commission);
	char h[96], agenda[160];
	if_match(&c->pref, path, h, sizeof(h));
	snprintf(agenda, sizeof(agenda), "/v1/commissions/%s/agenda", c->commission);
	snprintf(body, sizeof(body), "{\"referral_id\":\"%s\"}", c->referral);
	json_decref(call_want(&c->pref, "POST", agenda, body, h, 201));
	change(&c->pref, "PATCH", path, "{\"status\":\"in_session\"}", 200);
	snprintf(path, sizeof(path), "/v1/commissions/%s/opinions/%s", c->commission, c->referral);
	snprintf(body, sizeof(body),
		 "{\"summary\":\"Plan d'apurement %s\",\"decisions\":[\"keep_with_payment_plan\"],"
		 "\"recommendations\":[{\"addressee_org_id\":\"%s\",\"text\":\"Proposer un plan %s\","
		 "\"due_on\":\"2026-12-31\"}]}", c->marker, c->landlord.org_id, c->marker);
	json_t *j = call_want(&c->pref, "PUT", path, body, NULL, 201);
	if (strlen(str(j, "id")) == 36)
		add_id(c, str(j, "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/recommendations?referral_id=%s", c->referral);
	list_ids(c, &c->pref, path, NULL);
}

/* Field work, a CAF signal and the benefit decision it opens. */
static void other_records(struct dep_case *c)
{
	char body[512], hh_caf[40], hh_adil[40], path[160];
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"assigned_org_id\":\"%s\",\"opened_on\":\"2025-12-01\"}",
		 c->household, c->assoc.org_id);
	create(c, &c->pref, "/v1/outreach/cases", body, NULL, NULL);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"type\":2,\"operator_org_id\":\"%s\","
		 "\"start_on\":\"2025-02-01\",\"planned_end_on\":\"2026-02-01\"}", c->household, c->assoc.org_id);
	create(c, &c->dept, "/v1/masp", body, NULL, NULL);

	household_new(c, &c->adil, "3", ",\"occupants\":{\"adults\":1,\"children\":0}", hh_adil);
	snprintf(body, sizeof(body), "{\"household_id\":\"%s\",\"sent_on\":\"2025-03-03\",\"channel\":\"post\"}", hh_adil);
	create(c, &c->adil, "/v1/prevention-letters", body, NULL, NULL);

	snprintf(body, sizeof(body), ",\"caf_number\":\"%s\"", c->caf_no);
	household_new(c, &c->pref, "2", body, hh_caf);
	snprintf(body, sizeof(body),
		 "{\"external_id\":\"walk-%s\",\"caf_number\":\"%s\",\"address\":{\"line\":\"2 rue %s\","
		 "\"postcode\":\"%s\",\"insee\":\"%s\"},\"debt_cents\":60000,\"months_unpaid\":1,"
		 "\"benefit_status\":\"kept\",\"paid_to_landlord\":false,\"date\":\"2027-01-20\","
		 "\"first_missed_on\":\"2026-11-05\"}", c->marker, c->caf_no, c->marker, c->postcode, c->insee);
	create(c, &c->caf, "/v1/caf-signals", body, NULL, NULL);
	snprintf(path, sizeof(path), "/v1/benefit-decisions?household_id=%s", hh_caf);
	list_ids(c, &c->pref, path, NULL);
}

static void case_make(struct dep_case *c, const char *code, const char *insee, const char *postcode)
{
	memset(c, 0, sizeof(*c));
	c->code = code;
	c->insee = insee;
	c->postcode = postcode;
	char sfx[16], deps[32], territory[64];
	fixtures_suffix(sfx, sizeof(sfx));
	snprintf(c->marker, sizeof(c->marker), "Walk%s%s", code, sfx);
	snprintf(c->caf_no, sizeof(c->caf_no), "W%s%s", code, sfx);
	for (char *p = c->caf_no; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	snprintf(deps, sizeof(deps), "[\"%s\"]", code);
	snprintf(territory, sizeof(territory), "{\"communes\":[\"%s\"]}", insee);
	/* Each made by its préfecture: of its département. */
	fixtures_party_in(&server, &admin, "prefecture", deps, "read write admin", &c->pref);
	fixtures_party(&server, &c->pref, "departement", NULL, NULL, &c->dept);
	fixtures_party(&server, &c->pref, "bailiff", NULL, NULL, &c->bailiff);
	fixtures_party(&server, &c->pref, "adil", NULL, NULL, &c->adil);
	fixtures_party(&server, &c->pref, "association", NULL, NULL, &c->assoc);
	fixtures_party(&server, &c->pref, "caf", territory, NULL, &c->caf);
	fixtures_party(&server, &c->pref, "social_landlord", NULL, NULL, &c->landlord);

	household_new(c, &c->bailiff, "1", "", c->household);
	procedure_case(c);
	session_case(c);
	other_records(c);
}

/* --- the walk ------------------------------------------------------------- */

struct walk {
	const struct dep_case *victim;  /* whose case the reader must not see */
	const struct party *reader;
	long requests;
	long leaks;                     /* answers holding some of the case */
	int ops_holding;                /* operations with such an answer */
	char first_leak[512];
};

static const json_t *op_param(const json_t *op, const char *in, const char *name)
{
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(op, "params"), i, p)
		if (strcmp(str(p, "in"), in) == 0 && strcmp(str(p, "name"), name) == 0)
			return p;
	return NULL;
}

/* What of the case the answer to url holds, or NULL. A refusal echoes
 * the request (a problem's instance): an id the url carries counts in a
 * 2xx answer only. */
static const char *leaked(const struct dep_case *c, const char *url, const struct http_response *resp)
{
	if (strstr(resp->body, c->marker) != NULL)
		return c->marker;
	if (strstr(resp->body, c->caf_no) != NULL)
		return c->caf_no;
	bool refused = resp->status >= 400;
	for (size_t i = 0; i < c->n_ids; i++)
		if (strstr(resp->body, c->ids[i]) != NULL && !(refused && strstr(url, c->ids[i]) != NULL))
			return c->ids[i];
	return NULL;
}

/* GET path as the reader, again after a 429 (the organisation's budget);
 * the answer in resp. */
static void walk_get(struct walk *w, const char *path, struct http_response *resp)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		http_response_free(resp);
		memset(resp, 0, sizeof(*resp));
		int status = fixtures_call(&server, w->reader, "GET", path, NULL, NULL, resp);
		if (status != 429)
			break;
		usleep(200 * 1000);
	}
	w->requests++;
	ck_assert_msg(resp->status < 500, "GET %s answered %d", path, resp->status);
}

/* GET path and, while the answer has a next_cursor, its next pages
 * (query parameter next_param). */
static void walk_pages(struct walk *w, const char *path, const char *next_param)
{
	char page[4096];
	snprintf(page, sizeof(page), "%.2047s", path);
	for (int n = 0; n < WALK_PAGES; n++) {
		struct http_response resp = { 0 };
		walk_get(w, page, &resp);
		const char *what = leaked(w->victim, page, &resp);
		if (what != NULL) {
			if (getenv("WALK_VERBOSE") != NULL)
				fprintf(stderr, "tenant walk: %s: GET %.200s (%d) holds %s\n", w->reader->kind, page,
					resp.status, what);
			if (w->leaks++ == 0)
				snprintf(w->first_leak, sizeof(w->first_leak), "GET %.400s (%d) holds %.40s", page, resp.status,
					 what);
		}
		json_t *j = resp.status == 200 ? json_loads(resp.body, 0, NULL) : NULL;
		const char *cursor = json_string_value(json_object_get(j, "next_cursor"));
		bool more = next_param != NULL && cursor != NULL && cursor[0] != '\0' &&
			    json_array_size(json_object_get(j, "items")) > 0;
		if (more)
			snprintf(page, sizeof(page), "%.2047s%c%.16s=%.1000s", path, strchr(path, '?') ? '&' : '?', next_param,
				 cursor);
		json_decref(j);
		http_response_free(&resp);
		if (!more)
			break;
	}
}

/* The value of a required query parameter the walk does not vary. */
static const char *required_value(const json_t *p)
{
	const char *name = str(p, "name"), *format = str(p, "format");
	const json_t *values = json_object_get(p, "enum");
	if (json_array_size(values) > 0)
		return json_string_value(json_array_get(values, 0));
	if (strcmp(format, "date") == 0)
		return strcmp(name, "from") == 0 ? "2025-01-01" : "2026-12-31";
	if (strcmp(name, "year") == 0)
		return "2025";
	if (strcmp(name, "delay") == 0)
		return "P2M";
	return "1";
}

/* op's path with the parameters filled: the k-th path parameter takes
 * values[k]; then its required query parameters, limit at its largest,
 * and extra ("name=value" or NULL). */
static void walk_query(struct walk *w, const json_t *op, const char *path, const char *extra)
{
	char url[2048];
	size_t n = (size_t)snprintf(url, sizeof(url), "%s", path);
	char sep = '?';
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(op, "params"), i, p) {
		if (strcmp(str(p, "in"), "query") != 0)
			continue;
		const char *name = str(p, "name");
		const char *value = NULL;
		if (strcmp(name, "limit") == 0)
			value = "500";
		else if (json_is_true(json_object_get(p, "required")))
			value = required_value(p);
		if (value != NULL && n < sizeof(url)) {
			n += (size_t)snprintf(url + n, sizeof(url) - n, "%c%s=%s", sep, name, value);
			sep = '&';
		}
	}
	if (extra != NULL && n < sizeof(url))
		snprintf(url + n, sizeof(url) - n, "%c%s", sep, extra);
	const char *next = op_param(op, "query", "cursor") ? "cursor" : op_param(op, "query", "after") ? "after" : NULL;
	walk_pages(w, url, next);
}

/* Every request of op with its path so far (template from t on): each
 * value of each path parameter (an enum's values, else each id of the
 * case), then each id of the case in each UUID query parameter. */
static void walk_path(struct walk *w, const json_t *op, const char *t, char *built, size_t len)
{
	const char *open = strchr(t, '{');
	size_t at = strlen(built);
	if (open == NULL) {
		snprintf(built + at, len - at, "%s", t);
		walk_query(w, op, built, NULL);
		size_t i;
		const json_t *p;
		json_array_foreach(json_object_get(op, "params"), i, p) {
			if (strcmp(str(p, "in"), "query") != 0)
				continue;
			char extra[128];
			const char *name = str(p, "name");
			for (size_t k = 0; strcmp(str(p, "format"), "uuid") == 0 && k < w->victim->n_ids; k++) {
				snprintf(extra, sizeof(extra), "%s=%s", name, w->victim->ids[k]);
				walk_query(w, op, built, extra);
			}
			if (strcmp(name, "commune") == 0 || strcmp(name, "resource_id") == 0) {
				snprintf(extra, sizeof(extra), "%s=%s", name,
					 strcmp(name, "commune") == 0 ? w->victim->insee : w->victim->household);
				walk_query(w, op, built, extra);
			}
		}
		built[at] = '\0';
		return;
	}
	const char *close = strchr(open, '}');
	ck_assert_ptr_nonnull(close);
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
	snprintf(built + at, len - at, "%.*s", (int)(open - t), t);
	size_t base = strlen(built);
	const json_t *values = json_object_get(op_param(op, "path", name), "enum");
	size_t count = json_array_size(values) > 0 ? json_array_size(values) : w->victim->n_ids;
	for (size_t k = 0; k < count; k++) {
		const char *v = json_array_size(values) > 0 ? json_string_value(json_array_get(values, k)) : w->victim->ids[k];
		snprintf(built + base, len - base, "%s", v);
		walk_path(w, op, close + 1, built, len);
		built[base] = '\0';
	}
	built[at] = '\0';
}

static json_t *operations(void)
{
	const char *file = getenv("SWEEP_OPS");
	ck_assert_msg(file != NULL, "SWEEP_OPS names the operations file");
	json_error_t jerr;
	json_t *ops = json_load_file(file, 0, &jerr);
	ck_assert_msg(json_is_array(ops), "%s: %s", file, jerr.text);
	return ops;
}

/* Every GET of the spec by reader on victim's case; the walk's counts. */
static void walk_all(const json_t *ops, const struct party *reader, const struct dep_case *victim, struct walk *w)
{
	memset(w, 0, sizeof(*w));
	w->victim = victim;
	w->reader = reader;
	size_t i;
	const json_t *op;
	int gets = 0;
	json_array_foreach(ops, i, op) {
		if (strcmp(str(op, "method"), "GET") != 0)
			continue;
		gets++;
		char built[2048] = "";
		long before = w->leaks;
		walk_path(w, op, str(op, "path"), built, sizeof(built));
		w->ops_holding += w->leaks > before;
	}
	ck_assert_int_gt(gets, 40);
}

START_TEST(no_read_crosses_a_departement)
{
	json_t *ops = operations();
	static struct dep_case c91, c78;
	case_make(&c91, "91", "91228", "91000");
	case_make(&c78, "78", "78646", "78000");
	const struct dep_case *const victims[] = { &c91, &c78 }, *const readers[] = { &c78, &c91 };
	for (size_t v = 0; v < 2; v++) {
		const struct party *const others[] = { &readers[v]->pref, &readers[v]->dept };
		for (size_t r = 0; r < 2; r++) {
			struct walk w;
			walk_all(ops, others[r], victims[v], &w);
			fprintf(stderr, "tenant walk: the %s %s on the %s case: %ld requests, %ld leaks\n", readers[v]->code,
				others[r]->kind, victims[v]->code, w.requests, w.leaks);
			ck_assert_msg(w.leaks == 0, "the %s %s reads the %s case: %s (and %ld more)", readers[v]->code,
				      others[r]->kind, victims[v]->code, w.first_leak, w.leaks - 1);
		}
	}
	/* The same walk by the case's own préfecture finds it: in its
	 * household, procedure, referral, diagnostic, ... reads and lists. */
	struct walk own;
	walk_all(ops, &c91.pref, &c91, &own);
	fprintf(stderr, "tenant walk: the 91 prefecture on its own case: %ld requests, %ld answers of %d operations "
		"hold it\n", own.requests, own.leaks, own.ops_holding);
	ck_assert_int_gt(own.ops_holding, 20);
	json_decref(ops);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tenant_walk");
	TCase *tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 280);
	tcase_add_test(tc, no_read_crosses_a_departement);
	suite_add_tcase(s, tc);
	return fixtures_run_suite(s);
}
