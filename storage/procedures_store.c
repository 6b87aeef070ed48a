#include "storage/procedures_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/parse.h"

#define LOAD_SQL \
	"SELECT procedure_json(p), p.version, procedure_relations(p, h, $2::uuid, $3::text), p.household_id," \
	" (now() AT TIME ZONE 'Europe/Paris')::date::text, h.lease_signed_on::text" \
	" FROM procedures p JOIN households h ON h.id = p.household_id WHERE p.id = $1"

const struct db_stmt procedures_store_statements[] = {
	{ "procedures_insert",
	  "INSERT INTO procedures (household_id, filed_by_org, reference) VALUES ($1, $2, $3)"
	  " RETURNING procedure_json(procedures), id" },
	{ "procedures_list",
	  "WITH" DB_VISIBLE_CTE("$1", "$2", "$3") " page AS" DB_VISIBLE_PAGE("p.household_id", "p.departement_code", "$1", "$2", "$3",
	  "SELECT p.id, p.created_at, procedure_json(p) AS j FROM procedures p JOIN households h ON h.id = p.household_id",
	  "   AND ($4::text IS NULL OR p.reference = $4) AND ($5::uuid IS NULL OR p.household_id = $5::uuid)"
	  "   AND ($6::text IS NULL OR p.stage = $6) AND ($7::text IS NULL OR p.status = $7)"
	  "   AND ($8::timestamptz IS NULL OR p.updated_at >= $8::timestamptz)"
	  "   AND ($9::timestamptz IS NULL OR (p.created_at, p.id) > ($9::timestamptz, $10::uuid))"
	  "   AND (procedure_relations(p, h, $1::uuid, $2::text) & $3::integer) <> 0",
	  "p", "$11::int + 1") ","
	  " audit AS (INSERT INTO audit_log (client_id, organisation_id, action, resource_type, resource_id,"
	  "  request_id, outcome)"
	  "  SELECT $12::uuid, $1::uuid, 'read', 'procedure', s.id::text, $13, 'ok'"
	  "  FROM (SELECT page.id FROM page ORDER BY page.created_at, page.id LIMIT $11::int) s)"
	  " SELECT j, created_at::text, id FROM page ORDER BY page.created_at, page.id" },
	{ "procedures_load", LOAD_SQL },
	{ "procedures_set_reference",
	  "UPDATE procedures SET reference = $2, version = version + 1, updated_at = now() WHERE id = $1::uuid" },
	{ "procedures_lock", LOAD_SQL " FOR UPDATE OF p" },
	{ "procedures_events",
	  "SELECT e.id, e.kind, e.event_date::text, e.corrects, e.debt_cents, e.rent_cents, e.months_unpaid,"
	  " e.hearing_date::text, e.court, e.prefet_notified_on::text, e.outcome, e.delay_months, e.with_cfp,"
	  " procedure_event_json(e), e.lease_signed_on::text"
	  " FROM procedure_events e WHERE e.procedure_id = $1 ORDER BY e.seq" },
	{ "procedures_append",
	  "WITH e AS (INSERT INTO procedure_events (procedure_id, seq, kind, event_date, corrects, debt_cents,"
	  "  rent_cents, months_unpaid, hearing_date, court, prefet_notified_on, outcome, delay_months, with_cfp,"
	  "  organisation_id, client_id, lease_signed_on)"
	  "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $19::date)"
	  "  RETURNING procedure_event_json(procedure_events) AS j, id),"
	  " p AS (UPDATE procedures SET stage = $17, status = $18, event_count = event_count + 1,"
	  "  version = version + 1, updated_at = now() WHERE id = $1),"
	  /* A new act (not a correction) closes the préfecture's open item;
	   * the act that opens a new one does so after this statement. */
	  " q AS (UPDATE prefecture_queue SET status = 'done', done_at = now()"
	  "  WHERE procedure_id = $1 AND status = 'open' AND $5::uuid IS NULL)"
	  " SELECT j, id FROM e" },
	{ "procedures_request_diagnostic",
	  "INSERT INTO diagnostics (household_id, procedure_id, assigned_org_id, requested_on, hearing_date)"
	  " SELECT h.id, $2,"
	  /* The services whose territory covers the commune (territory_covers()
	   * of 0007), found from the commune rather than asked one by one. */
	  "  (SELECT o.id FROM (SELECT oc.organisation_id AS org, true AS by_commune FROM organisation_communes oc"
	  "                     WHERE oc.insee = h.insee"
	  "                     UNION ALL SELECT oe.organisation_id, false FROM communes c"
	  "                     JOIN organisation_epcis oe ON oe.epci_siren = c.epci_siren WHERE c.insee = h.insee) t"
	  "   JOIN organisations o ON o.id = t.org"
	  "   WHERE o.kind = 'social_service' AND NOT o.disabled"
	  "   ORDER BY t.by_commune DESC, o.created_at, o.id LIMIT 1),"
	  "  $3::date, $4::date"
	  " FROM households h WHERE h.id = $1" },
	{ "procedures_open_referral",
	  "INSERT INTO referrals (household_id, procedure_id, kind, debt_cents, months_unpaid, insee, epci_siren,"
	  " created_by_org)"
	  " SELECT h.id, $2, 'bailiff_report', $3, $4, h.insee, c.epci_siren, $5"
	  " FROM households h JOIN communes c ON c.insee = h.insee WHERE h.id = $1"
	  /* A household with a referral already open keeps that one: the
	   * bailiff's report joins the case the CCAPEX already follows, as an
	   * entry of its history (the trigger of 0018). */
	  " ON CONFLICT (household_id) WHERE status IN ('received', 'admissible', 'scheduled', 'examined')"
	  " DO NOTHING" },
	/* Closes and opens in one round trip. The count reads the whole of
	 * closed before the row is inserted, so the open item is closed before
	 * the new one meets prefecture_queue_one_open. */
	{ "procedures_queue_replace",
	  "WITH closed AS (UPDATE prefecture_queue SET status = 'done', done_at = now()"
	  "  WHERE procedure_id = $2 AND status = 'open' RETURNING id)"
	  " INSERT INTO prefecture_queue (kind, procedure_id, household_id, event_id, event_date, due_on)"
	  " SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM closed) >= 0" },
	{ "procedures_queue_list",
	  /* The items of the households of the caller's départements (0024),
	   * each département's read in order by its index (0029). */
	  "SELECT prefecture_queue_json(q), q.id FROM organisation_departements od"
	  " CROSS JOIN LATERAL (SELECT * FROM prefecture_queue x WHERE x.departement_code = od.departement_code"
	  "  AND x.status = 'open' AND ($1::bigint IS NULL OR x.id > $1::bigint) ORDER BY x.id LIMIT $2::int + 1) q"
	  " WHERE od.organisation_id = $3::uuid"
	  " ORDER BY q.id LIMIT $2::int + 1" },
	{ "procedures_timeline",
	  "SELECT t.type, json_build_object('type', t.type, 'date', t.d, 'item', t.j), t.rel FROM ("
	  "  SELECT 'procedure_event' AS type, e.event_date AS d, e.created_at AS at, e.seq AS n,"
	  "   procedure_event_json(e) AS j, pr.rel"
	  "  FROM households h JOIN procedures p ON p.household_id = h.id"
	  "  CROSS JOIN LATERAL (SELECT procedure_relations(p, h, $2::uuid, $3::text) AS rel) pr"
	  "  JOIN procedure_events e ON e.procedure_id = p.id WHERE h.id = $1"
	  " UNION ALL"
	  "  SELECT 'referral', (r.created_at AT TIME ZONE 'Europe/Paris')::date, r.created_at, 0, referral_json(r),"
	  "   household_relations(h, $2::uuid, $3::text)"
	  "  FROM households h JOIN referrals r ON r.household_id = h.id WHERE h.id = $1"
	  " UNION ALL"
	  /* DEPARTEMENT (2) for the département-wide kinds of the household's
	   * département, ASSIGNED (16) for the operator (field_relations()). */
	  "  SELECT 'diagnostic', d.requested_on, d.created_at, 0, diagnostic_json(d),"
	  "   field_relations(d.assigned_org_id, d.household_id, $2::uuid, $3::text)"
	  "  FROM diagnostics d WHERE d.household_id = $1"
	  ") t ORDER BY t.d, t.at, CASE t.type WHEN 'procedure_event' THEN 0 ELSE 1 END, t.n, t.type" },
	{ NULL, NULL },
};

void procedure_record_clear(struct procedure_record *r)
{
	if (r == NULL)
		return;
	free(r->json);
	r->json = NULL;
	for (int i = 0; i < r->count; i++) {
		free(r->event_json[i]);
		r->event_json[i] = NULL;
	}
	r->count = 0;
}

void timeline_free(struct timeline *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->count; i++)
		free(t->items[i]);
	free(t->items);
	free(t->types);
	free(t->relations);
	memset(t, 0, sizeof(*t));
}

static bool is_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) != 0;
}

static int64_t int_at(const PGresult *res, int row, int col, int64_t if_null)
{
	int64_t v = if_null;
	if (!is_null(res, row, col))
		parse_i64(PQgetvalue(res, row, col), INT64_MIN, INT64_MAX, &v);
	return v;
}

static int date_at(struct date *out, const PGresult *res, int row, int col, struct err *err)
{
	return date_parse(out, PQgetvalue(res, row, col), PQfname(res, col), err);
}

int procedures_store_create(PGconn *conn, const struct store_caller *caller, const char *household_id,
			    const char *reference, char **json, char *id, struct err *err)
{
	*json = NULL;
	const char *params[] = { household_id, caller->org_id, reference };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "procedures_insert", 3, params, err);
	if (rc == ERR_OK) {
		*json = strdup(PQgetvalue(res, 0, 0));
		snprintf(id, 40, "%s", PQgetvalue(res, 0, 1));
		if (*json == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}

int procedures_store_create_many(PGconn *conn, const struct store_caller *caller, int count,
				 const char *const *household_ids, const char *const *references, char (*ids)[40],
				 struct err *err)
{
	size_t cap = (size_t)(count > 0 ? count : 1);
	const char **params = calloc(cap * 3, sizeof(*params)); /* owned; borrowed values */
	PGresult **res = calloc(cap, sizeof(*res));             /* owned, with its results */
	int rc = params && res ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < count; i++) {
		params[3 * i] = household_ids[i];
		params[3 * i + 1] = caller->org_id;
		params[3 * i + 2] = references[i];
	}
	if (rc == ERR_OK)
		rc = db_exec_pipelined(res, conn, "procedures_insert", count, 3, params, err);
	for (int i = 0; rc == ERR_OK && i < count; i++)
		snprintf(ids[i], 40, "%s", PQgetvalue(res[i], 0, 1));
	db_results_free(res, count);
	free(params);
	return rc;
}

/* Row i of procedures_events into the domain's event; earlier rows are in
 * out already, so that a correction finds the position it corrects. */
static int event_from_row(struct procedure_record *out, const PGresult *res, int i, struct err *err)
{
	struct event *ev = &out->events[i];
	memset(ev, 0, sizeof(*ev));
	snprintf(out->event_ids[i], sizeof(out->event_ids[i]), "%s", PQgetvalue(res, i, 0));
	int rc = procedure_parse_kind(&ev->kind, PQgetvalue(res, i, 1), "kind", err);
	if (rc == ERR_OK)
		rc = date_at(&ev->date, res, i, 2, err);
	if (rc == ERR_OK && !is_null(res, i, 3)) {
		ev->correction = true;
		ev->corrects = -1;
		for (int j = 0; j < i; j++)
			if (strcmp(out->event_ids[j], PQgetvalue(res, i, 3)) == 0)
				ev->corrects = j;
	}
	if (rc != ERR_OK)
		return rc;
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER:
		ev->payment_order.debt_cents = int_at(res, i, 4, 0);
		ev->payment_order.rent_cents = int_at(res, i, 5, 0);
		ev->payment_order.months_unpaid = (int)int_at(res, i, 6, -1);
		ev->payment_order.lease_known = !is_null(res, i, 14);
		if (ev->payment_order.lease_known)
			rc = date_at(&ev->payment_order.lease_signed_on, res, i, 14, err);
		break;
	case EVENT_SUMMONS:
		rc = date_at(&ev->summons.hearing_date, res, i, 7, err);
		snprintf(ev->summons.court, sizeof(ev->summons.court), "%s", PQgetvalue(res, i, 8));
		ev->summons.prefet_notified = !is_null(res, i, 9);
		if (rc == ERR_OK && ev->summons.prefet_notified)
			rc = date_at(&ev->summons.prefet_notified_on, res, i, 9, err);
		break;
	case EVENT_JUDGMENT:
		rc = procedure_parse_outcome(&ev->judgment.outcome, PQgetvalue(res, i, 10), "outcome", err);
		ev->judgment.delay_months = (int)int_at(res, i, 11, 0);
		break;
	case EVENT_ORDER_TO_LEAVE:
		ev->order_to_leave.delay_months = (int)int_at(res, i, 11, 0);
		ev->order_to_leave.prefet_notified = !is_null(res, i, 9);
		if (ev->order_to_leave.prefet_notified)
			rc = date_at(&ev->order_to_leave.prefet_notified_on, res, i, 9, err);
		break;
	case EVENT_EVICTION:
		ev->eviction.with_cfp = strcmp(PQgetvalue(res, i, 12), "t") == 0;
		break;
	default:
		break;
	}
	if (rc == ERR_OK) {
		out->event_json[i] = strdup(PQgetvalue(res, i, 13));
		if (out->event_json[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	return rc;
}

int procedures_store_set_reference(PGconn *conn, const char *id, const char *reference, struct err *err)
{
	const char *params[] = { id, reference };
	return db_exec_discard(conn, "procedures_set_reference", 2, params, err);
}

int procedures_store_load(PGconn *conn, const struct store_caller *caller, const char *id, bool lock,
			  struct procedure_record *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { id, caller->org_id, caller->kind };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, lock ? "procedures_lock" : "procedures_load", 3, params, err);
	if (rc == ERR_OK && (PQntuples(res) == 0 || int_at(res, 0, 2, 0) == 0))
		rc = err_set(err, ERR_NOT_FOUND, "", "no such procedure");
	if (rc == ERR_OK) {
		snprintf(out->id, sizeof(out->id), "%s", id);
		out->json = strdup(PQgetvalue(res, 0, 0));
		out->version = (int)int_at(res, 0, 1, 0);
		out->relations = (unsigned)int_at(res, 0, 2, 0);
		snprintf(out->household_id, sizeof(out->household_id), "%s", PQgetvalue(res, 0, 3));
		rc = out->json == NULL ? err_set(err, ERR_INTERNAL, "", "out of memory")
				       : date_parse(&out->today, PQgetvalue(res, 0, 4), "today", err);
		out->household_lease_known = !is_null(res, 0, 5);
		if (rc == ERR_OK && out->household_lease_known)
			rc = date_parse(&out->household_lease, PQgetvalue(res, 0, 5), "lease_signed_on", err);
	}
	PQclear(res);
	res = NULL;
	if (rc == ERR_OK) {
		const char *p1[] = { id };
		rc = db_exec(&res, conn, "procedures_events", 1, p1, err);
	}
	if (rc == ERR_OK && PQntuples(res) > PROCEDURE_MAX_EVENTS)
		rc = err_set(err, ERR_INTERNAL, "", "procedure %s holds more events than the domain replays", id);
	for (int i = 0; rc == ERR_OK && i < PQntuples(res); i++) {
		rc = event_from_row(out, res, i, err);
		if (rc == ERR_OK)
			out->count++;
	}
	PQclear(res);
	return rc;
}

static void date_text(char out[DATE_STR_LEN], const struct date *d)
{
	date_format(out, d);
}

int procedures_store_append(PGconn *conn, const struct store_caller *caller, const char *procedure_id, int seq,
			    const struct event *ev, const char *corrects_id, const char *stage, const char *status,
			    char **json, char *id, struct err *err)
{
	*json = NULL;
	char seq_s[16], day[DATE_STR_LEN], debt[24], rent[24], months[16], hearing[DATE_STR_LEN];
	char notified[DATE_STR_LEN], delay[16], lease[DATE_STR_LEN];
	const char *p_debt = NULL, *p_rent = NULL, *p_months = NULL, *p_hearing = NULL, *p_court = NULL;
	const char *p_notified = NULL, *p_outcome = NULL, *p_delay = NULL, *p_cfp = NULL, *p_lease = NULL;
	snprintf(seq_s, sizeof(seq_s), "%d", seq);
	date_text(day, &ev->date);
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER:
		snprintf(debt, sizeof(debt), "%lld", (long long)ev->payment_order.debt_cents);
		snprintf(rent, sizeof(rent), "%lld", (long long)ev->payment_order.rent_cents);
		snprintf(months, sizeof(months), "%d", ev->payment_order.months_unpaid);
		p_debt = debt;
		p_rent = rent;
		p_months = ev->payment_order.months_unpaid >= 0 ? months : NULL;
		if (ev->payment_order.lease_known) {
			date_text(lease, &ev->payment_order.lease_signed_on);
			p_lease = lease;
		}
		break;
	case EVENT_SUMMONS:
		date_text(hearing, &ev->summons.hearing_date);
		p_hearing = hearing;
		p_court = ev->summons.court;
		if (ev->summons.prefet_notified) {
			date_text(notified, &ev->summons.prefet_notified_on);
			p_notified = notified;
		}
		break;
	case EVENT_JUDGMENT:
		p_outcome = procedure_outcome_name(ev->judgment.outcome);
		snprintf(delay, sizeof(delay), "%d", ev->judgment.delay_months);
		p_delay = ev->judgment.outcome == JUDGMENT_PAYMENT_DELAYS ? delay : NULL;
		break;
	case EVENT_ORDER_TO_LEAVE:
		snprintf(delay, sizeof(delay), "%d", ev->order_to_leave.delay_months);
		p_delay = ev->order_to_leave.delay_months > 0 ? delay : NULL;
		if (ev->order_to_leave.prefet_notified) {
			date_text(notified, &ev->order_to_leave.prefet_notified_on);
			p_notified = notified;
		}
		break;
	case EVENT_EVICTION:
		p_cfp = ev->eviction.with_cfp ? "true" : "false";
		break;
	default:
		break;
	}
	const char *params[] = {
		procedure_id, seq_s, procedure_kind_name(ev->kind), day, corrects_id, p_debt, p_rent, p_months,
		p_hearing, p_court, p_notified, p_outcome, p_delay, p_cfp, caller->org_id, caller->client_id,
		stage, status, p_lease,
	};
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "procedures_append", 19, params, err);
	if (rc == ERR_CONFLICT)
		rc = err_set_reason(err, ERR_REASON_CONCURRENT_CHANGE, "", "another event was recorded on this procedure at the same time; retry");
	if (rc == ERR_OK) {
		*json = strdup(PQgetvalue(res, 0, 0));
		snprintf(id, 40, "%s", PQgetvalue(res, 0, 1));
		if (*json == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	PQclear(res);
	return rc;
}

int procedures_store_request_diagnostic(PGconn *conn, const char *household_id, const char *procedure_id,
					const struct date *requested_on, const struct date *hearing_date,
					struct err *err)
{
	char on[DATE_STR_LEN], hearing[DATE_STR_LEN];
	date_text(on, requested_on);
	date_text(hearing, hearing_date);
	const char *params[] = { household_id, procedure_id, on, hearing };
	return db_exec_discard(conn, "procedures_request_diagnostic", 4, params, err);
}

int procedures_store_open_referral(PGconn *conn, const struct store_caller *caller, const char *household_id,
				   const char *procedure_id, const struct event *po, struct err *err)
{
	char debt[24], months[16];
	snprintf(debt, sizeof(debt), "%lld", (long long)po->payment_order.debt_cents);
	snprintf(months, sizeof(months), "%d", po->payment_order.months_unpaid);
	const char *params[] = { household_id, procedure_id, debt,
				 po->payment_order.months_unpaid >= 0 ? months : NULL, caller->org_id };
	return db_exec_discard(conn, "procedures_open_referral", 5, params, err);
}

int procedures_store_queue(PGconn *conn, const char *procedure_id, const char *household_id, const char *event_id,
			   const char *kind, const struct date *event_date, const struct date *due_on,
			   struct err *err)
{
	char on[DATE_STR_LEN], due[DATE_STR_LEN];
	date_text(on, event_date);
	if (due_on != NULL)
		date_text(due, due_on);
	const char *p6[] = { kind, procedure_id, household_id, event_id, on, due_on ? due : NULL };
	return db_exec_discard(conn, "procedures_queue_replace", 6, p6, err);
}

int procedures_store_queue_list(PGconn *conn, const char *org_id, const char *after_id, int limit,
				struct json_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = { after_id, lim, org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "procedures_queue_list", 3, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	if (n > limit) {
		page->next.set = true;
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 1));
		n = limit;
	}
	page->items = calloc((size_t)(n ? n : 1), sizeof(char *));
	if (page->items == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, 0));
		if (page->items[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		else
			page->count++;
	}
	PQclear(res);
	return rc;
}

int procedures_store_timeline(PGconn *conn, const struct store_caller *caller, const char *household_id,
			      struct timeline *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	const char *params[] = { household_id, caller->org_id, caller->kind };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "procedures_timeline", 3, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	size_t cap = (size_t)(n ? n : 1);
	out->items = calloc(cap, sizeof(char *));
	out->types = calloc(cap, sizeof(*out->types));
	out->relations = calloc(cap, sizeof(unsigned));
	if (out->items == NULL || out->types == NULL || out->relations == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		snprintf(out->types[i], sizeof(out->types[i]), "%s", PQgetvalue(res, i, 0));
		out->relations[i] = (unsigned)int_at(res, i, 2, 0);
		out->items[i] = strdup(PQgetvalue(res, i, 1));
		if (out->items[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		else
			out->count++;
	}
	PQclear(res);
	return rc;
}

int procedures_store_list(PGconn *conn, const struct store_caller *caller, unsigned relations,
			  const struct procedure_filter *filter, const struct page_cursor *after, int limit,
			  struct json_page *page, struct err *err)
{
	char rel[16], lim[16];
	snprintf(rel, sizeof(rel), "%u", relations);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *params[] = {
		caller->org_id, caller->kind, rel, filter->reference, filter->household_id, filter->stage,
		filter->status, filter->updated_since, after->set ? after->after_time : NULL,
		after->set ? after->after_id : NULL, lim, caller->client_id, caller->request_id,
	};
	return json_page_keyset(conn, "procedures_list", 13, params, limit, page, err);
}
