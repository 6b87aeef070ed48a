/* Issue 8, the change feed end to end: who sees which event, in which order,
 * exactly once, while writers commit out of order; long polling. */
#include <check.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), "PREVEX_WEBHOOK_WORKERS=0", NULL };
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

static void expect(const json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want,
		      json_string_value(json_object_get(j, "detail")));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

static PGconn *db(void)
{
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	return conn;
}

/* Runs sql with text parameters; copies the first value of the first row
 * into out (when not NULL). */
static void sql(PGconn *conn, const char *text, int n, const char *const *params, char *out, size_t len)
{
	PGresult *res = PQexecParams(conn, text, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", text, PQerrorMessage(conn));
	if (out != NULL) {
		ck_assert_int_ge(PQntuples(res), 1);
		snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
}

/* Publishes one event for org in conn's current transaction; its seq into seq. */
static void publish(PGconn *conn, const char *org, const char *relations, const char *resource_type,
		    const char *resource_id, const char *payload, char *seq)
{
	static const char *const types[][2] = {
		{ "procedure", "procedure.stage_changed" }, { "referral", "referral.examined" },
		{ "diagnostic", "diagnostic.assigned" }, { "recommendation", "recommendation.addressed" },
	};
	const char *type = NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i][0], resource_type) == 0)
			type = types[i][1];
	const char *params[] = { org, relations, type, resource_type, resource_id, payload };
	char out[32];
	sql(conn, "SELECT feed_publish($1, $2::integer, $3, $4, $5::uuid, $6::jsonb)", 6, params, out, sizeof(out));
	if (seq != NULL)
		snprintf(seq, 32, "%s", out);
}

static void new_uuid(PGconn *conn, char *out)
{
	sql(conn, "SELECT gen_random_uuid()", 0, NULL, out, 40);
}

/* GET /v1/events with the query (after= included when after is not NULL);
 * the answer, which must be 200. */
static json_t *feed(const struct party *p, const char *after, const char *query)
{
	char path[512];
	snprintf(path, sizeof(path), "/v1/events?%s%s%s", after ? "after=" : "", after ? after : "",
		 query ? query : "");
	int status = 0;
	json_t *j = call(p, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert(json_is_array(json_object_get(j, "items")));
	ck_assert(json_is_string(json_object_get(j, "next_cursor")));
	return j;
}

/* Follows the feed from after to its current end, limit events a page;
 * returns every event (a new array) and leaves the cursor in after. */
static json_t *drain(const struct party *p, char *after, int limit)
{
	json_t *all = json_array();
	for (int pages = 0; pages < 100; pages++) {
		char query[32];
		snprintf(query, sizeof(query), "&limit=%d", limit);
		json_t *j = feed(p, after[0] ? after : NULL, query);
		json_t *items = json_object_get(j, "items");
		snprintf(after, 128, "%s", json_string_value(json_object_get(j, "next_cursor")));
		size_t n = json_array_size(items);
		json_array_extend(all, items);
		json_decref(j);
		if (n == 0)
			return all;
	}
	ck_abort_msg("the feed never ended");
	return all;
}

/* The events of all that are about resource_id. */
static json_t *about(const json_t *all, const char *resource_id)
{
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(all, i, e) {
		const char *id = json_string_value(json_object_get(json_object_get(e, "resource"), "id"));
		if (id != NULL && strcmp(id, resource_id) == 0)
			json_array_append(out, e);
	}
	return out;
}

static const char *type_of(const json_t *events, size_t i)
{
	return json_string_value(json_object_get(json_array_get(events, i), "type"));
}

static const char *data_of(const json_t *events, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_array_get(events, i), "data"), key));
}

/* A household in 91228 made by p with landlord as its landlord, and a
 * procedure on it unless proc is NULL. */
static void case_new(const struct party *p, const char *landlord, char *hh, char *proc)
{
	char body[512], path[128];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"5 place du Marché\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		 "\"sector\":\"social\",\"rent_cents\":60000,\"landlord\":{\"organisation_id\":\"%s\"}}", landlord);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/households", body, &status);
	expect(j, status, 201, NULL);
	snprintf(hh, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	if (proc == NULL)
		return;
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	j = call(p, "POST", path, "{\"reference\":\"CJ-FEED-1\"}", &status);
	expect(j, status, 201, NULL);
	snprintf(proc, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void event_ok(const struct party *p, const char *proc, const char *body)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	int status = 0;
	json_t *j = call(p, "POST", path, body, &status);
	expect(j, status, 201, NULL);
	json_decref(j);
}

START_TEST(stage_changes_reach_the_organisations_of_the_case)
{
	fixtures_admin(&server, &admin);
	struct party bailiff, landlord, other_bailiff, other_landlord, far_service;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &other_bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other_landlord);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &far_service);
	char hh[40], proc[40];
	case_new(&bailiff, landlord.org_id, hh, proc);
	event_ok(&bailiff, proc, "{\"kind\":\"payment_order\",\"date\":\"2025-09-01\",\"debt_cents\":60000,"
				 "\"rent_cents\":60000,\"months_unpaid\":1}");
	event_ok(&bailiff, proc, "{\"kind\":\"summons\",\"date\":\"2025-11-03\",\"hearing_on\":\"2026-01-20\","
				 "\"court\":\"Tribunal judiciaire d'Évry\",\"prefet_notified_on\":\"2025-11-04\"}");

	/* The filer, the landlord and the préfecture see both stage changes,
	 * in order, once; a page of one event at a time changes nothing. */
	const struct party *involved[] = { &bailiff, &landlord, &admin };
	for (size_t k = 0; k < 3; k++) {
		for (int limit = 1; limit <= 100; limit += 99) {
			char after[128] = "";
			json_t *all = drain(involved[k], after, limit);
			json_t *mine = about(all, proc);
			ck_assert_msg(json_array_size(mine) == 2, "%s saw %zu events", involved[k]->kind, json_array_size(mine));
			ck_assert_str_eq(type_of(mine, 0), "procedure.stage_changed");
			ck_assert_str_eq(data_of(mine, 0, "stage"), "payment_order");
			ck_assert_str_eq(data_of(mine, 0, "previous_stage"), "none");
			ck_assert_str_eq(data_of(mine, 1, "stage"), "summons");
			ck_assert_str_eq(data_of(mine, 1, "household_id"), hh);
			ck_assert_int_lt(json_integer_value(json_object_get(json_array_get(mine, 0), "seq")),
					 json_integer_value(json_object_get(json_array_get(mine, 1), "seq")));
			json_decref(mine);
			json_decref(all);
		}
	}
	/* Nothing for those who have no part in the case. */
	const struct party *outsiders[] = { &other_bailiff, &other_landlord, &far_service };
	for (size_t k = 0; k < 3; k++) {
		char after[128] = "";
		json_t *all = drain(outsiders[k], after, 100);
		ck_assert_msg(json_array_size(all) == 0, "%s saw %zu events", outsiders[k]->kind, json_array_size(all));
		json_decref(all);
	}
}
END_TEST

/* Assigned diagnostics reach the operator when the policy lets it read
 * them: an association does, an ADIL does not. */
START_TEST(diagnostic_assignments_follow_the_policy)
{
	fixtures_admin(&server, &admin);
	struct party bailiff, landlord, association, adil;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "association", NULL, NULL, &association);
	fixtures_party(&server, &admin, "adil", NULL, NULL, &adil);
	char hh[40], proc[40], diag[40];
	case_new(&bailiff, landlord.org_id, hh, proc);
	PGconn *conn = db();
	const char *p1[] = { hh, proc };
	sql(conn, "INSERT INTO diagnostics (household_id, procedure_id, requested_on) VALUES ($1, $2, current_date)"
		  " RETURNING id", 2, p1, diag, sizeof(diag));
	const char *p2[] = { diag, adil.org_id };
	sql(conn, "UPDATE diagnostics SET assigned_org_id = $2 WHERE id = $1", 2, p2, NULL, 0);
	const char *p3[] = { diag, association.org_id };
	sql(conn, "UPDATE diagnostics SET assigned_org_id = $2 WHERE id = $1", 2, p3, NULL, 0);
	PQfinish(conn);

	char after[128] = "";
	json_t *all = drain(&association, after, 100);
	ck_assert_int_eq(json_array_size(all), 1);
	ck_assert_str_eq(type_of(all, 0), "diagnostic.assigned");
	ck_assert_str_eq(data_of(all, 0, "diagnostic_id"), diag);
	ck_assert_str_eq(data_of(all, 0, "household_id"), hh);
	json_decref(all);
	after[0] = '\0';
	all = drain(&adil, after, 100);
	ck_assert_int_eq(json_array_size(all), 0);
	json_decref(all);
}
END_TEST

/* A referral a landlord made, once examined; the opinion (once) and each
 * recommendation addressed to an organisation. */
START_TEST(referrals_opinions_and_recommendations)
{
	fixtures_admin(&server, &admin);
	struct party landlord, caf, bailiff;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	char hh[40], referral[40], commission[40], opinion[40], rec1[40], rec2[40], rec3[40];
	case_new(&landlord, landlord.org_id, hh, NULL);
	PGconn *conn = db();
	const char *p1[] = { hh, landlord.org_id };
	sql(conn, "INSERT INTO referrals (household_id, kind, insee, created_by_org) VALUES ($1, 'social_landlord',"
		  " '91228', $2) RETURNING id", 2, p1, referral, sizeof(referral));
	const char *p2[] = { admin.org_id };
	sql(conn, "INSERT INTO commissions (level, session_date, created_by_org) VALUES ('operational', current_date, $1)"
		  " RETURNING id", 1, p2, commission, sizeof(commission));
	const char *p3[] = { commission, referral, admin.org_id };
	sql(conn, "INSERT INTO agenda_items (commission_id, referral_id, position) VALUES ($1, $2, 1)", 2, p3, NULL, 0);
	sql(conn, "INSERT INTO opinions (commission_id, referral_id, summary, decisions, created_by_org)"
		  " VALUES ($1, $2, 'Maintien avec plan', '{fsl_aid}', $3) RETURNING id", 3, p3, opinion, sizeof(opinion));
	const char *p4[] = { opinion, referral, commission, landlord.org_id };
	const char *p5[] = { opinion, referral, commission, caf.org_id };
	const char *rec_sql = "INSERT INTO recommendations (opinion_id, referral_id, commission_id, addressee_org_id, body,"
			      " due_on) VALUES ($1, $2, $3, $4, 'Proposer un plan d''apurement', current_date + 30) RETURNING id";
	sql(conn, rec_sql, 4, p4, rec1, sizeof(rec1));
	sql(conn, rec_sql, 4, p4, rec2, sizeof(rec2));
	sql(conn, rec_sql, 4, p5, rec3, sizeof(rec3));
	const char *p6[] = { referral };
	sql(conn, "UPDATE referrals SET status = 'examined' WHERE id = $1", 1, p6, NULL, 0);
	/* A bailiff's own report, examined: bailiffs do not read referrals. */
	char hh2[40], proc2[40], referral2[40];
	case_new(&bailiff, landlord.org_id, hh2, proc2);
	const char *p7[] = { hh2, bailiff.org_id };
	sql(conn, "INSERT INTO referrals (household_id, kind, insee, created_by_org) VALUES ($1, 'bailiff_report',"
		  " '91228', $2) RETURNING id", 2, p7, referral2, sizeof(referral2));
	const char *p8[] = { referral2 };
	sql(conn, "UPDATE referrals SET status = 'examined' WHERE id = $1", 1, p8, NULL, 0);
	PQfinish(conn);

	char after[128] = "";
	json_t *all = drain(&landlord, after, 2);
	ck_assert_int_eq(json_array_size(all), 4);
	ck_assert_str_eq(type_of(all, 0), "opinion.issued");
	ck_assert_str_eq(data_of(all, 0, "opinion_id"), opinion);
	ck_assert_str_eq(type_of(all, 1), "recommendation.addressed");
	ck_assert_str_eq(data_of(all, 1, "recommendation_id"), rec1);
	ck_assert_str_eq(type_of(all, 2), "recommendation.addressed");
	ck_assert_str_eq(data_of(all, 2, "recommendation_id"), rec2);
	ck_assert_str_eq(type_of(all, 3), "referral.examined");
	ck_assert_str_eq(data_of(all, 3, "referral_id"), referral);
	json_decref(all);

	after[0] = '\0';
	all = drain(&caf, after, 100);
	ck_assert_int_eq(json_array_size(all), 2);
	ck_assert_str_eq(type_of(all, 0), "opinion.issued");
	ck_assert_str_eq(type_of(all, 1), "recommendation.addressed");
	ck_assert_str_eq(data_of(all, 1, "recommendation_id"), rec3);
	json_decref(all);

	after[0] = '\0';
	all = drain(&bailiff, after, 100);
	json_t *mine = about(all, referral2);
	ck_assert_int_eq(json_array_size(mine), 0);
	json_decref(mine);
	json_decref(all);
}
END_TEST

/* Two writers commit out of order: the reader hands out nothing a
 * still-running transaction may yet commit below, then every event once. */
START_TEST(concurrent_writers_committing_out_of_order)
{
	fixtures_admin(&server, &admin);
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	PGconn *a = db(), *b = db(), *c = db();
	char r1[40], r2[40], r3[40], s_a[32], s_b[32], s_c[32], s_x[32];
	new_uuid(c, r1);
	new_uuid(c, r2);
	new_uuid(c, r3);

	/* A takes its xid first and writes last; B writes, commits first. */
	sql(a, "BEGIN", 0, NULL, NULL, 0);
	sql(a, "SELECT pg_current_xact_id()", 0, NULL, NULL, 0);
	sql(b, "BEGIN", 0, NULL, NULL, 0);
	publish(b, bailiff.org_id, "4", "procedure", r2, "{\"n\":\"b\"}", s_b);
	sql(b, "COMMIT", 0, NULL, NULL, 0);
	publish(a, bailiff.org_id, "4", "procedure", r1, "{\"n\":\"a\"}", s_a);
	ck_assert_int_lt(atoll(s_b), atoll(s_a));

	/* B has committed, but A, older, may still commit: nothing yet. */
	char after[128] = "";
	json_t *first = drain(&bailiff, after, 100);
	ck_assert_int_eq(json_array_size(first), 0);
	json_decref(first);

	/* C commits an event the bailiff may not read while A is still open. */
	sql(c, "BEGIN", 0, NULL, NULL, 0);
	publish(c, bailiff.org_id, "16", "diagnostic", r3, "{\"n\":\"x\"}", s_x);
	publish(c, bailiff.org_id, "4", "procedure", r3, "{\"n\":\"c\"}", s_c);
	sql(c, "COMMIT", 0, NULL, NULL, 0);
	json_t *second = drain(&bailiff, after, 100);
	ck_assert_int_eq(json_array_size(second), 0);
	json_decref(second);

	sql(a, "COMMIT", 0, NULL, NULL, 0);
	json_t *all = drain(&bailiff, after, 1);
	ck_assert_int_eq(json_array_size(all), 3);
	/* In transaction order, A (the older xid) first; each once. */
	ck_assert_str_eq(data_of(all, 0, "n"), "a");
	ck_assert_str_eq(data_of(all, 1, "n"), "b");
	ck_assert_str_eq(data_of(all, 2, "n"), "c");
	json_decref(all);
	json_t *again = drain(&bailiff, after, 100);
	ck_assert_int_eq(json_array_size(again), 0);
	json_decref(again);
	PQfinish(a);
	PQfinish(b);
	PQfinish(c);
}
END_TEST

/* A second transaction that waited for the first one's lock on a resource
 * keeps its place after it, even with the smaller xid. */
START_TEST(one_resource_keeps_its_order)
{
	fixtures_admin(&server, &admin);
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	PGconn *a = db(), *b = db();
	char r[40];
	new_uuid(a, r);
	sql(b, "BEGIN", 0, NULL, NULL, 0);
	sql(b, "SELECT pg_current_xact_id()", 0, NULL, NULL, 0);
	sql(a, "BEGIN", 0, NULL, NULL, 0);
	publish(a, bailiff.org_id, "4", "procedure", r, "{\"n\":\"first\"}", NULL);
	sql(a, "COMMIT", 0, NULL, NULL, 0);
	publish(b, bailiff.org_id, "4", "procedure", r, "{\"n\":\"second\"}", NULL);
	sql(b, "COMMIT", 0, NULL, NULL, 0);
	char after[128] = "";
	json_t *all = drain(&bailiff, after, 100);
	ck_assert_int_eq(json_array_size(all), 2);
	ck_assert_str_eq(data_of(all, 0, "n"), "first");
	ck_assert_str_eq(data_of(all, 1, "n"), "second");
	json_decref(all);
	PQfinish(a);
	PQfinish(b);
}
END_TEST

/* `prevex purge --feed-days` removes old events in feed order, never past a
 * webhook's cursor; a cursor from before what was removed gets 410 rather
 * than a silent gap, and the feed read from its start goes on. */
START_TEST(purged_events_and_stale_cursors)
{
	fixtures_admin(&server, &admin);
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	PGconn *conn = db();
	char r[40], seq[3][32];
	new_uuid(conn, r);
	for (int i = 0; i < 3; i++) {
		char payload[32];
		snprintf(payload, sizeof(payload), "{\"n\":\"%d\"}", i);
		publish(conn, bailiff.org_id, "4", "procedure", r, payload, seq[i]);
	}
	char after_first[128] = "", after_all[128] = "";
	json_t *page = feed(&bailiff, NULL, "limit=1");
	ck_assert_int_eq(json_array_size(json_object_get(page, "items")), 1);
	snprintf(after_first, sizeof(after_first), "%s", json_string_value(json_object_get(page, "next_cursor")));
	json_decref(page);
	json_decref(drain(&bailiff, after_all, 100));

	/* The first two are old; a webhook has read up to the first only. */
	const char *old[] = { seq[0], seq[1] };
	sql(conn, "UPDATE feed_events SET created_at = now() - interval '100 days' WHERE seq IN ($1, $2)", 2, old,
	    NULL, 0);
	/* Webhooks other tests left behind (test_webhooks' receivers are gone)
	 * would hold the purge back: they are moved to the feed's end first,
	 * so that this test passes in any order on a shared database. */
	sql(conn, "UPDATE webhooks w SET cursor_pos = f.pos, cursor_seq = f.seq"
		  " FROM (SELECT pos, seq FROM feed_events ORDER BY pos DESC, seq DESC LIMIT 1) f"
		  " WHERE (w.cursor_pos, w.cursor_seq) < (f.pos, f.seq)", 0, NULL, NULL, 0);
	char behind[16];
	sql(conn, "SELECT count(*) FROM webhooks w, feed_events f WHERE f.seq = $1"
		  " AND (w.cursor_pos, w.cursor_seq) < (f.pos, f.seq)", 1, old, behind, sizeof(behind));
	ck_assert_msg(strcmp(behind, "0") == 0, "a webhook of another test lags behind this one's events");
	char hook[40];
	const char *hp[] = { bailiff.org_id, seq[0] };
	sql(conn, "INSERT INTO webhooks (organisation_id, url, secret, cursor_pos, cursor_seq)"
		  " SELECT $1, 'https://hooks.example.org/prevex', repeat('s', 32), f.pos, f.seq"
		  " FROM feed_events f WHERE f.seq = $2 RETURNING id", 2, hp, hook, sizeof(hook));

	/* Its deliveries: one delivered long ago, one still pending as long. */
	const char *hk[] = { hook };
	sql(conn, "INSERT INTO webhook_deliveries (webhook_id, feed_seq, event_type, resource_type, resource_id, body,"
		  " status, delivered_at, created_at) VALUES"
		  " ($1, 1, 'procedure.stage_changed', 'procedure', gen_random_uuid(), '{}', 'delivered',"
		  "  now() - interval '100 days', now() - interval '100 days'),"
		  " ($1, 2, 'procedure.stage_changed', 'procedure', gen_random_uuid(), '{}', 'pending', NULL,"
		  "  now() - interval '100 days')", 1, hk, NULL, 0);

	char *out = fixtures_prevex("purge --feed-days 90");
	ck_assert_ptr_nonnull(strstr(out, "feed events"));
	free(out);
	char kept[32];
	sql(conn, "SELECT string_agg(status, ',') FROM webhook_deliveries WHERE webhook_id = $1", 1, hk, kept,
	    sizeof(kept));
	ck_assert_str_eq(kept, "pending");
	char left[16];
	const char *all3[] = { seq[0], seq[1], seq[2] };
	sql(conn, "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM feed_events WHERE seq IN ($1, $2, $3)", 3,
	    all3, left, sizeof(left));
	char want[80];
	snprintf(want, sizeof(want), "%s,%s", seq[1], seq[2]);
	ck_assert_str_eq(left, want);   /* the webhook still needs the second */
	page = feed(&bailiff, after_first, NULL);   /* exactly at the horizon: nothing was lost */
	ck_assert_int_eq(json_array_size(json_object_get(page, "items")), 2);
	json_decref(page);

	sql(conn, "DELETE FROM webhooks WHERE id = $1", 1, hk, NULL, 0);
	out = fixtures_prevex("purge --feed-days 90");
	free(out);
	sql(conn, "SELECT coalesce(string_agg(seq::text, ',' ORDER BY seq), '') FROM feed_events"
		  " WHERE seq IN ($1, $2, $3)", 3, all3, left, sizeof(left));
	ck_assert_str_eq(left, seq[2]);

	struct http_response resp;
	char path[256];
	snprintf(path, sizeof(path), "/v1/events?after=%s", after_first);
	ck_assert_int_eq(fixtures_call(&server, &bailiff, "GET", path, NULL, NULL, &resp), 410);
	json_t *body = json_loads(resp.body, 0, NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(fixtures_problem_at(body), "after");
	ck_assert_int_eq(json_integer_value(json_object_get(body, "status")), 410);
	json_decref(body);
	bool problem = false;
	for (size_t i = 0; i < resp.header_count; i++)
		if (strcasecmp(resp.headers[i].name, "Content-Type") == 0 &&
		    strncmp(resp.headers[i].value, "application/problem+json", 24) == 0)
			problem = true;
	ck_assert(problem);
	http_response_free(&resp);

	/* From the start, the feed holds the third; after the end, nothing new. */
	char from_start[128] = "";
	json_t *all = drain(&bailiff, from_start, 100);
	ck_assert_int_eq(json_array_size(all), 1);
	ck_assert_str_eq(data_of(all, 0, "n"), "2");
	json_decref(all);
	page = feed(&bailiff, after_all, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
	PQfinish(conn);
}
END_TEST

struct waiter {
	const struct party *p;
	char after[128];
	json_t *answer;
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *wait_for_feed(void *arg)
{
	struct waiter *w = arg;
	char path[256];
	snprintf(path, sizeof(path), "/v1/events?after=%s&wait=10", w->after);
	double start = now_s();
	struct http_response resp = { 0 };
	char headers[2200];
	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\n", w->p->token);
	if (http_send(&resp, HARNESS_HOST, server.port, "GET", path, headers, NULL, 0) == 0 && resp.status == 200)
		w->answer = harness_json(&resp);
	http_response_free(&resp);
	w->seconds = now_s() - start;
	return NULL;
}

START_TEST(long_polling)
{
	fixtures_admin(&server, &admin);
	struct party bailiff;
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	/* Nothing new: the answer comes when the wait is over. */
	double start = now_s();
	json_t *j = feed(&bailiff, NULL, "wait=1");
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	ck_assert(now_s() - start >= 0.9);
	struct waiter w = { .p = &bailiff };
	snprintf(w.after, sizeof(w.after), "%s", json_string_value(json_object_get(j, "next_cursor")));
	json_decref(j);

	/* An event committed during the wait is answered at once. */
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, wait_for_feed, &w), 0);
	struct timespec pause = { 0, 600 * 1000000L };
	nanosleep(&pause, NULL);
	PGconn *conn = db();
	char r[40];
	new_uuid(conn, r);
	publish(conn, bailiff.org_id, "4", "procedure", r, "{\"n\":\"late\"}", NULL);
	PQfinish(conn);
	pthread_join(t, NULL);
	ck_assert_ptr_nonnull(w.answer);
	ck_assert_int_eq(json_array_size(json_object_get(w.answer, "items")), 1);
	ck_assert_msg(w.seconds < 5, "the wait took %.1f s", w.seconds);
	json_decref(w.answer);
}
END_TEST

START_TEST(bad_queries_are_refused)
{
	fixtures_admin(&server, &admin);
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	static const char *const bad[][2] = {
		{ "/v1/events?wait=31", "wait" },       { "/v1/events?wait=-1", "wait" },
		{ "/v1/events?wait=abc", "wait" },      { "/v1/events?limit=0", "limit" },
		{ "/v1/events?limit=501", "limit" },    { "/v1/events?after=zz%21", "after" },
		{ "/v1/events?after=Zm9v", "after" },   { "/v1/events?after=ZjEuLTEuMg", "after" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = 0;
		json_t *j = call(&landlord, "GET", bad[i][0], NULL, &status);
		expect(j, status, 400, bad[i][1]);
		json_decref(j);
	}
	int status = 0;
	json_decref(call(NULL, "GET", "/v1/events", NULL, &status));
	ck_assert_int_eq(status, 401);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("feed");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stage_changes_reach_the_organisations_of_the_case);
	tcase_add_test(tc, diagnostic_assignments_follow_the_policy);
	tcase_add_test(tc, referrals_opinions_and_recommendations);
	tcase_add_test(tc, concurrent_writers_committing_out_of_order);
	tcase_add_test(tc, one_resource_keeps_its_order);
	tcase_add_test(tc, purged_events_and_stale_cursors);
	tcase_add_test(tc, long_polling);
	tcase_add_test(tc, bad_queries_are_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
