#include "storage/households_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/parse.h"

/* Parameters of households_insert. */
#define HOUSEHOLD_INSERT_PARAMS 21

/* The caller's relations come from a lateral join so that the function runs
 * once per row, for the filter and for the answer. The addressee of a
 * bailiff's report's orientation reads the household too (0018). */
#define VISIBLE_FROM \
	" FROM households h CROSS JOIN LATERAL (SELECT household_relations(h, $1::uuid, $2::text)" \
	" | orientation_household_relations(h.id, $1::uuid, $2::text) AS rel) r"

/* household_marked_json() and the procedures the caller reads under the relations
 * in mask (0022). */
#define WITH_PROCEDURES(mask) "household_with_procedures_json(h, $1::uuid, $2::text, " mask "::integer)"

const struct db_stmt households_store_statements[] = {
	{ "households_landlord_ok",
	  "SELECT 1 FROM organisations WHERE id = $1 AND kind IN ('social_landlord', 'private_landlord')" },
	/* False when the commune exists, is not the household $3's already
	 * (NULL: a new one) and is of none of the organisation's départements
	 * (an unknown commune is the foreign key's to refuse). */
	{ "households_departement_ok",
	  "SELECT NOT EXISTS (SELECT 1 FROM communes c WHERE c.insee = $2)"
	  " OR EXISTS (SELECT 1 FROM households h WHERE h.id = $3::uuid AND h.insee = $2)"
	  " OR EXISTS (SELECT 1 FROM organisation_departements d"
	  "  WHERE d.organisation_id = $1::uuid AND d.departement_code = insee_departement($2))" },
	{ "households_insert",
	  "INSERT INTO households (address_line, postcode, insee, sector, landlord_org_id, landlord_name,"
	  " landlord_contact, adults, children, rent_cents, charges_cents, income_cents, housing_benefit,"
	  " benefit_paid_to, caf_number, phone, email, vulnerability_notes, created_by_org, created_by_client,"
	  " lease_signed_on)"
	  " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, 'none'), $14, $15, $16, $17,"
	  " $18, $19, $20, $21::date"
	  /* No row when the landlord named is no landlord organisation. */
	  " WHERE $5::uuid IS NULL OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = $5"
	  "  AND o.kind IN ('social_landlord', 'private_landlord'))"
	  " RETURNING id" },
	{ "households_get",
	  "SELECT " WITH_PROCEDURES("$4") ", h.version, r.rel, h.erased_at IS NOT NULL" VISIBLE_FROM
	  " WHERE h.id = $3 AND r.rel <> 0" },
	{ "households_list",
	  "WITH" DB_VISIBLE_CTE("$1", "$2", "255") " page AS" DB_VISIBLE_PAGE("h.id", "insee_departement(h.insee)", "$1", "$2", "255",
	  "SELECT h.id, h.created_at, " WITH_PROCEDURES("$13") " AS j, r.rel" VISIBLE_FROM,
	  "   AND r.rel <> 0"
	  "   AND ($3::text IS NULL OR h.insee = $3)"
	  "   AND ($4::text IS NULL OR h.insee IN (SELECT c.insee FROM communes c WHERE c.epci_siren = $4))"
	  "   AND ($5::text IS NULL OR h.sector = $5)"
	  "   AND ($6::text IS NULL OR household_stage(h.id) = $6)"
	  "   AND ($7::timestamptz IS NULL OR h.updated_at >= $7::timestamptz)"
	  "   AND ($8::timestamptz IS NULL OR (h.created_at, h.id) > ($8::timestamptz, $9::uuid))",
	  "h", "$10::int + 1") ","
	  " audit AS (INSERT INTO audit_log (client_id, organisation_id, action, resource_type, resource_id,"
	  "  request_id, outcome)"
	  "  SELECT $11::uuid, $1::uuid, 'read', 'household', s.id::text, $12, 'ok'"
	  "  FROM (SELECT id FROM page ORDER BY created_at, id LIMIT $10::int) s)"
	  " SELECT j, rel, created_at::text, id FROM page ORDER BY page.created_at, page.id" },
	{ "households_update",
	  "UPDATE households SET"
	  " address_line = CASE WHEN $3::boolean THEN $4 ELSE address_line END,"
	  " postcode = CASE WHEN $3::boolean THEN $5 ELSE postcode END,"
	  " insee = CASE WHEN $3::boolean THEN $6 ELSE insee END,"
	  " sector = CASE WHEN $7::boolean THEN $8 ELSE sector END,"
	  " landlord_org_id = CASE WHEN $9::boolean THEN $10::uuid ELSE landlord_org_id END,"
	  " landlord_name = CASE WHEN $9::boolean THEN $11 ELSE landlord_name END,"
	  " landlord_contact = CASE WHEN $9::boolean THEN $12 ELSE landlord_contact END,"
	  " adults = CASE WHEN $13::boolean THEN $14::integer ELSE adults END,"
	  " children = CASE WHEN $13::boolean THEN $15::integer ELSE children END,"
	  " rent_cents = CASE WHEN $16::boolean THEN $17::bigint ELSE rent_cents END,"
	  " charges_cents = CASE WHEN $18::boolean THEN $19::bigint ELSE charges_cents END,"
	  " income_cents = CASE WHEN $20::boolean THEN $21::bigint ELSE income_cents END,"
	  " housing_benefit = CASE WHEN $22::boolean THEN $23 ELSE housing_benefit END,"
	  " benefit_paid_to = CASE WHEN $22::boolean THEN $24 ELSE benefit_paid_to END,"
	  " caf_number = CASE WHEN $25::boolean THEN $26 ELSE caf_number END,"
	  " phone = CASE WHEN $27::boolean THEN $28 ELSE phone END,"
	  " email = CASE WHEN $27::boolean THEN $29 ELSE email END,"
	  " vulnerability_notes = CASE WHEN $30::boolean THEN $31 ELSE vulnerability_notes END,"
	  " lease_signed_on = CASE WHEN $32::boolean THEN $33::date ELSE lease_signed_on END,"
	  " holder_name = CASE WHEN $34::boolean THEN $35 ELSE holder_name END,"
	  " version = version + 1, updated_at = now()"
	  " WHERE id = $1 AND ($2::integer = 0 OR version = $2) RETURNING id" },
	{ "households_export",
	  /* One statement, one snapshot: everything held on the household, and
	   * every audit row about it or a record attached to it. */
	  "WITH ids (t, id) AS ("
	  "  SELECT 'household', $1::uuid::text UNION ALL SELECT 'household_timeline', $1::uuid::text"
	  "  UNION ALL SELECT 'procedure', p.id::text FROM procedures p WHERE p.household_id = $1::uuid"
	  "  UNION ALL SELECT 'procedure_event', e.id::text FROM procedures p"
	  "   JOIN procedure_events e ON e.procedure_id = p.id WHERE p.household_id = $1::uuid"
	  "  UNION ALL SELECT 'referral', r.id::text FROM referrals r WHERE r.household_id = $1::uuid"
	  "  UNION ALL SELECT 'recommendation', m.id::text FROM referrals r"
	  "   JOIN recommendations m ON m.referral_id = r.id WHERE r.household_id = $1::uuid"
	  "  UNION ALL SELECT 'diagnostic', d.id::text FROM diagnostics d WHERE d.household_id = $1::uuid"
	  "  UNION ALL SELECT 'outreach_case', c.id::text FROM outreach_cases c WHERE c.household_id = $1::uuid"
	  "  UNION ALL SELECT 'outreach_intervention', i.id::text FROM outreach_cases c"
	  "   JOIN outreach_interventions i ON i.case_id = c.id WHERE c.household_id = $1::uuid"
	  "  UNION ALL SELECT 'prevention_letter', l.id::text FROM prevention_letters l WHERE l.household_id = $1::uuid"
	  "  UNION ALL SELECT 'masp_measure', m.id::text FROM masp_measures m WHERE m.household_id = $1::uuid"
	  "  UNION ALL SELECT 'caf_signal', s.id::text FROM caf_signals s WHERE s.household_id = $1::uuid"
	  "  UNION ALL SELECT 'benefit_decision', b.id::text FROM benefit_decisions b WHERE b.household_id = $1::uuid)"
	  " SELECT json_build_object("
	  "  'exported_at', rfc3339(now()),"
	  /* The lease holder's name, as imports match it, is held too. */
	  "  'household', (household_with_procedures_json(h, $2::uuid, $3::text, $4::integer)::jsonb"
	  "   || jsonb_build_object('holder_name', h.holder_name))::json,"
	  "  'procedures', coalesce((SELECT json_agg((procedure_json(p)::jsonb || jsonb_build_object('events',"
	  "    coalesce((SELECT jsonb_agg(procedure_event_json(e)::jsonb ORDER BY e.seq) FROM procedure_events e"
	  "     WHERE e.procedure_id = p.id), '[]'::jsonb)))::json ORDER BY p.created_at, p.id)"
	  "   FROM procedures p WHERE p.household_id = h.id), '[]'::json),"
	  "  'referrals', coalesce((SELECT json_agg((ccapex_referral_json(r, $2::uuid, true, true)::jsonb"
	  "    || jsonb_build_object('orientation', (SELECT orientation_json(o) FROM referral_orientations o"
	  "     WHERE o.referral_id = r.id)))::json ORDER BY r.created_at, r.id)"
	  "   FROM referrals r WHERE r.household_id = h.id), '[]'::json),"
	  "  'diagnostics', coalesce((SELECT json_agg(field_diagnostic_json(d) ORDER BY d.created_at, d.id)"
	  "   FROM diagnostics d WHERE d.household_id = h.id), '[]'::json),"
	  "  'prevention_letters', coalesce((SELECT json_agg(prevention_letter_json(l) ORDER BY l.created_at, l.id)"
	  "   FROM prevention_letters l WHERE l.household_id = h.id), '[]'::json),"
	  "  'masp_measures', coalesce((SELECT json_agg(masp_measure_json(m) ORDER BY m.created_at, m.id)"
	  "   FROM masp_measures m WHERE m.household_id = h.id), '[]'::json),"
	  "  'outreach_cases', coalesce((SELECT json_agg(outreach_case_full_json(c) ORDER BY c.created_at, c.id)"
	  "   FROM outreach_cases c WHERE c.household_id = h.id), '[]'::json),"
	  "  'caf_signals', coalesce((SELECT json_agg(caf_signal_json(s) ORDER BY s.created_at, s.id)"
	  "   FROM caf_signals s WHERE s.household_id = h.id), '[]'::json),"
	  "  'benefit_decisions', coalesce((SELECT json_agg(benefit_decision_json(b) ORDER BY b.created_at, b.id)"
	  "   FROM benefit_decisions b WHERE b.household_id = h.id), '[]'::json),"
	  "  'adil_contacts', coalesce((SELECT json_agg(json_build_object('id', a.id, 'org',"
	  "    org_ref_json(a.organisation_id), 'letter_id', a.letter_id, 'date', a.contact_on, 'caller', a.caller,"
	  "    'subject', a.subject, 'outcome', a.outcome, 'created_at', rfc3339(a.created_at))"
	  "    ORDER BY a.contact_on, a.created_at, a.id)"
	  "   FROM adil_contacts a WHERE a.household_id = h.id), '[]'::json),"
	  "  'access_log', coalesce((SELECT json_agg(json_build_object('at', rfc3339(a.at),"
	  "    'org', CASE WHEN o.id IS NOT NULL THEN json_build_object('id', o.id, 'name', o.name,"
	  "     'kind', o.kind) END,"
	  "    'client_id', a.client_id, 'action', a.action, 'resource_type', a.resource_type,"
	  "    'resource_id', a.resource_id, 'outcome', a.outcome) ORDER BY a.id)"
	  "   FROM ids JOIN audit_log a ON a.resource_type = ids.t AND a.resource_id = ids.id"
	  "   LEFT JOIN organisations o ON o.id = a.organisation_id), '[]'::json))"
	  " FROM households h WHERE h.id = $1::uuid" },
	{ NULL, NULL },
};

void household_row_free(struct household_row *row)
{
	if (row == NULL)
		return;
	free(row->json);
	row->json = NULL;
}

void household_page_free(struct household_page *page)
{
	if (page == NULL)
		return;
	for (int i = 0; i < page->count; i++)
		free(page->items[i]);
	free(page->items);
	free(page->relations);
	page->items = NULL;
	page->relations = NULL;
	page->count = 0;
}

static const char *opt(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static const char *flag(bool b)
{
	return b ? "true" : "false";
}

/* Text forms of the numbers of an input, kept alive with the parameters. */
struct numbers {
	char adults[16], children[16], rent[24], charges[24], income[24], lease[DATE_STR_LEN];
};

static void numbers_fill(struct numbers *n, const struct household_input *in)
{
	snprintf(n->adults, sizeof(n->adults), "%d", in->adults);
	snprintf(n->children, sizeof(n->children), "%d", in->children);
	snprintf(n->rent, sizeof(n->rent), "%lld", (long long)in->rent_cents);
	snprintf(n->charges, sizeof(n->charges), "%lld", (long long)in->charges_cents);
	snprintf(n->income, sizeof(n->income), "%lld", (long long)in->income_cents);
	n->lease[0] = '\0';
	if (in->lease_known)
		date_format(n->lease, &in->lease_signed_on);
}

static int landlord_refused(struct err *err)
{
	return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "landlord.organisation_id",
		       "landlord.organisation_id names no social or private landlord organisation");
}

static int landlord_check(PGconn *conn, const struct household_input *in, struct err *err)
{
	if (!(in->set & POLICY_FIELD_LANDLORD) || !in->landlord_is_org)
		return ERR_OK;
	const char *params[] = { in->landlord_org_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "households_landlord_ok", 1, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = landlord_refused(err);
	PQclear(res);
	return rc;
}

/* A household is created in, or moved to, a commune of one of the acting
 * organisation's départements: elsewhere, that département's préfecture
 * keeps it and the organisation loses sight of it. A household that
 * stays in its commune is not moved. */
static int departement_check(PGconn *conn, const char *org_id, const char *insee, const char *household_id,
			     struct err *err)
{
	const char *params[] = { org_id, insee, household_id };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "households_departement_ok", 3, params, err);
	if (rc == ERR_OK && strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		rc = err_set_reason(err, ERR_REASON_COMMUNE_OUTSIDE_DEPARTEMENTS, "address.insee",
				    "address.insee names a commune of a département the organisation is not of");
	PQclear(res);
	return rc;
}

/* Names the field behind a constraint the input broke. */
static int constraint_field(int rc, struct err *err)
{
	if (rc == ERR_UNPROCESSABLE && strstr(err->field, "insee") != NULL)
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "address.insee", "address.insee names no known commune");
	if (rc == ERR_UNPROCESSABLE && strstr(err->field, "landlord") != NULL)
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, "landlord.organisation_id",
			       "landlord.organisation_id names no organisation");
	return rc;
}

static int row_from(struct household_row *out, const PGresult *res, const char *id, struct err *err)
{
	out->json = strdup(PQgetvalue(res, 0, 0));
	if (out->json == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int64_t v = 0;
	parse_i64(PQgetvalue(res, 0, 1), 0, INT32_MAX, &v);
	out->version = (int)v;
	parse_i64(PQgetvalue(res, 0, 2), 0, INT32_MAX, &v);
	out->relations = (unsigned)v;
	out->erased = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	snprintf(out->id, sizeof(out->id), "%s", id);
	return ERR_OK;
}

int households_store_get(PGconn *conn, const struct store_caller *caller, const char *id,
			 struct household_row *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char mask[16];
	snprintf(mask, sizeof(mask), "%u", caller->procedure_relations);
	const char *params[] = { caller->org_id, caller->kind, id, mask };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "households_get", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such household");
	if (rc == ERR_OK)
		rc = row_from(out, res, id, err);
	PQclear(res);
	return rc;
}

/* The parameters of households_insert for in, borrowed from in, caller
 * and n (which numbers_fill() fills). */
static void insert_params(const char *params[HOUSEHOLD_INSERT_PARAMS], struct numbers *n, const struct store_caller *caller,
			  const struct household_input *in)
{
	numbers_fill(n, in);
	bool landlord = (in->set & POLICY_FIELD_LANDLORD) != 0;
	bool person = landlord && !in->landlord_is_org && in->landlord_name[0] != '\0';
	bool benefit = (in->set & POLICY_FIELD_HOUSING_BENEFIT) != 0;
	const char *values[HOUSEHOLD_INSERT_PARAMS] = {
		in->address_line, in->postcode, in->insee, household_sector_name(in->sector),
		landlord && in->landlord_is_org ? in->landlord_org_id : NULL,
		person ? in->landlord_name : NULL, person ? opt(in->landlord_contact) : NULL,
		(in->set & POLICY_FIELD_OCCUPANTS) ? n->adults : NULL,
		(in->set & POLICY_FIELD_OCCUPANTS) ? n->children : NULL,
		(in->set & POLICY_FIELD_RENT) && in->rent_given && in->rent_known ? n->rent : NULL,
		(in->set & POLICY_FIELD_RENT) && in->charges_given && in->charges_known ? n->charges : NULL,
		(in->set & POLICY_FIELD_INCOME) && in->income_known ? n->income : NULL,
		benefit ? household_benefit_name(in->benefit) : NULL,
		benefit && in->paid_to != PAYEE_NONE ? household_payee_name(in->paid_to) : NULL,
		(in->set & POLICY_FIELD_CAF_NUMBER) ? opt(in->caf_number) : NULL,
		(in->set & POLICY_FIELD_CONTACT) ? opt(in->phone) : NULL,
		(in->set & POLICY_FIELD_CONTACT) ? opt(in->email) : NULL,
		(in->set & POLICY_FIELD_VULNERABILITY) ? opt(in->vulnerability_notes) : NULL,
		caller->org_id, caller->client_id,
		(in->set & POLICY_FIELD_RENT) && in->lease_given && in->lease_known ? n->lease : NULL,
	};
	memcpy(params, values, sizeof(values));
}

/* The new household's id from households_insert's result; no row: the
 * landlord named is no landlord organisation. */
static int insert_id(const PGresult *res, char id[40], struct err *err)
{
	if (PQntuples(res) == 0)
		return landlord_refused(err);
	snprintf(id, 40, "%s", PQgetvalue(res, 0, 0));
	return ERR_OK;
}

int households_store_insert(PGconn *conn, const struct store_caller *caller, const struct household_input *in,
			    char id[40], struct err *err)
{
	struct numbers n;
	const char *params[HOUSEHOLD_INSERT_PARAMS];
	insert_params(params, &n, caller, in);
	PGresult *res = NULL;
	int rc = departement_check(conn, caller->org_id, in->insee, NULL, err);
	if (rc == ERR_OK)
		rc = constraint_field(db_exec(&res, conn, "households_insert", HOUSEHOLD_INSERT_PARAMS, params, err),
				      err);
	if (rc == ERR_OK)
		rc = insert_id(res, id, err);
	PQclear(res);
	return rc;
}

int households_store_insert_many(PGconn *conn, const struct store_caller *caller, int count,
				 const struct household_input *in, char (*ids)[40], struct err *err)
{
	size_t cap = (size_t)(count > 0 ? count : 1);
	struct numbers *n = calloc(cap, sizeof(*n));               /* owned */
	const char *(*params)[HOUSEHOLD_INSERT_PARAMS] = calloc(cap, sizeof(*params)); /* owned; borrowed values */
	PGresult **res = calloc(cap, sizeof(*res));                /* owned, with its results */
	int rc = n && params && res ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < count; i++)
		insert_params(params[i], &n[i], caller, &in[i]);
	if (rc == ERR_OK)
		rc = constraint_field(db_exec_pipelined(res, conn, "households_insert", count, HOUSEHOLD_INSERT_PARAMS,
							&params[0][0], err),
				      err);
	for (int i = 0; rc == ERR_OK && i < count; i++)
		rc = insert_id(res[i], ids[i], err);
	db_results_free(res, count);
	free(params);
	free(n);
	return rc;
}

int households_store_create(PGconn *conn, const struct store_caller *caller, const struct household_input *in,
			    struct household_row *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char id[40];
	int rc = households_store_insert(conn, caller, in, id, err);
	if (rc == ERR_OK)
		rc = households_store_get(conn, caller, id, out, err);
	return rc;
}

static int page_copy(struct household_page *page, const PGresult *res, int n, struct err *err)
{
	page->items = calloc((size_t)(n ? n : 1), sizeof(char *));
	page->relations = calloc((size_t)(n ? n : 1), sizeof(unsigned));
	if (page->items == NULL || page->relations == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; i < n; i++) {
		page->items[i] = strdup(PQgetvalue(res, i, 0));
		if (page->items[i] == NULL)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
		int64_t rel = 0;
		parse_i64(PQgetvalue(res, i, 1), 0, INT32_MAX, &rel);
		page->relations[i] = (unsigned)rel;
		page->count++;
	}
	return ERR_OK;
}

int households_store_list(PGconn *conn, const struct store_caller *caller, const struct household_filter *filter,
			  const struct page_cursor *after, int limit, struct household_page *page, struct err *err)
{
	memset(page, 0, sizeof(*page));
	char lim[16], mask[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(mask, sizeof(mask), "%u", caller->procedure_relations);
	const char *params[] = {
		caller->org_id, caller->kind, filter->insee, filter->epci_siren, filter->sector, filter->stage,
		filter->updated_since, after->set ? after->after_time : NULL, after->set ? after->after_id : NULL,
		lim, caller->client_id, caller->request_id, mask,
	};
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "households_list", 13, params, err);
	if (rc != ERR_OK)
		return rc;
	int n = PQntuples(res);
	if (n > limit) {
		page->next.set = true;
		snprintf(page->next.after_time, sizeof(page->next.after_time), "%s", PQgetvalue(res, limit - 1, 2));
		snprintf(page->next.after_id, sizeof(page->next.after_id), "%s", PQgetvalue(res, limit - 1, 3));
		n = limit;
	}
	rc = page_copy(page, res, n, err);
	PQclear(res);
	return rc;
}

int households_store_update(PGconn *conn, const struct store_caller *caller, const char *id, int version,
			    const struct household_input *p, struct household_row *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	struct numbers n;
	numbers_fill(&n, p);
	char ver[16];
	snprintf(ver, sizeof(ver), "%d", version);
	unsigned s = p->set;
	bool person = !p->landlord_is_org && p->landlord_name[0] != '\0';
	const char *params[] = {
		id, ver,
		flag(s & POLICY_FIELD_ADDRESS), p->address_line, p->postcode, p->insee,
		flag(s & HOUSEHOLD_SECTOR), household_sector_name(p->sector),
		flag(s & POLICY_FIELD_LANDLORD), p->landlord_is_org ? p->landlord_org_id : NULL,
		person ? p->landlord_name : NULL, person ? opt(p->landlord_contact) : NULL,
		flag(s & POLICY_FIELD_OCCUPANTS), n.adults, n.children,
		flag((s & POLICY_FIELD_RENT) && p->rent_given), p->rent_known ? n.rent : NULL,
		flag((s & POLICY_FIELD_RENT) && p->charges_given), p->charges_known ? n.charges : NULL,
		flag(s & POLICY_FIELD_INCOME), p->income_known ? n.income : NULL,
		flag(s & POLICY_FIELD_HOUSING_BENEFIT), household_benefit_name(p->benefit),
		p->paid_to != PAYEE_NONE ? household_payee_name(p->paid_to) : NULL,
		flag(s & POLICY_FIELD_CAF_NUMBER), opt(p->caf_number),
		flag(s & POLICY_FIELD_CONTACT), opt(p->phone), opt(p->email),
		flag(s & POLICY_FIELD_VULNERABILITY), opt(p->vulnerability_notes),
		flag((s & POLICY_FIELD_RENT) && p->lease_given), p->lease_known ? n.lease : NULL,
		flag(p->holder_given), opt(p->holder_name),
	};
	PGresult *res = NULL;
	int rc = landlord_check(conn, p, err);
	if (rc == ERR_OK && (s & POLICY_FIELD_ADDRESS))
		rc = departement_check(conn, caller->org_id, p->insee, id, err);
	if (rc == ERR_OK)
		rc = constraint_field(db_exec(&res, conn, "households_update", 35, params, err), err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_PRECONDITION_FAILED, "If-Match",
			     "the household has changed since version %d; fetch it again", version);
	PQclear(res);
	if (rc == ERR_OK)
		rc = households_store_get(conn, caller, id, out, err);
	return rc;
}

int households_store_export(PGconn *conn, const struct store_caller *caller, const char *id, char **json,
			    struct err *err)
{
	*json = NULL;
	char mask[16];
	snprintf(mask, sizeof(mask), "%u", caller->procedure_relations);
	const char *params[] = { id, caller->org_id, caller->kind, mask };
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "households_export", 4, params, err);
	if (rc == ERR_OK && PQntuples(res) == 0)
		rc = err_set(err, ERR_NOT_FOUND, "", "no such household");
	if (rc == ERR_OK && (*json = strdup(PQgetvalue(res, 0, 0))) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	PQclear(res);
	return rc;
}
