/* Storage of households and procedures on a real PostgreSQL, one schema per
 * test: the relation bits the SQL gives against enum policy_relation, the
 * optimistic update, keyset pages, events and the reference loader. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/household.h"
#include "domain/policy.h"
#include "domain/reference.h"
#include "storage/db.h"
#include "storage/households_store.h"
#include "storage/migrate.h"
#include "storage/orgs_store.h"
#include "storage/procedures_store.h"
#include "storage/reference_store.h"
#include "support.h"

static char schema[32];
static PGconn *conn;

static void schema_setup(void)
{
	char url[2048];
	conn = support_migrated_schema(schema, sizeof(schema), url, sizeof(url));
	struct err err;
	ck_assert_int_eq(db_prepare_all(conn, &err), ERR_OK);
}

static void schema_teardown(void)
{
	PQfinish(conn);
	support_drop_schema(schema);
}

static void org(enum org_kind kind, const char *commune, char *id)
{
	struct org_input *in = calloc(1, sizeof(*in));
	ck_assert_ptr_nonnull(in);
	in->kind = kind;
	snprintf(in->name, sizeof(in->name), "%s %d", policy_kind_to_string(kind), rand());
	if (commune != NULL) {
		struct err e;
		ck_assert_int_eq(territory_add_commune(&in->territory, commune, "communes", &e), ERR_OK);
	}
	char *json = NULL;
	struct err err;
	ck_assert_int_eq(orgs_store_create(conn, in, NULL, &json, &err), ERR_OK);
	char *p = strstr(json, "\"id\" : \"");
	ck_assert_ptr_nonnull(p);
	snprintf(id, 37, "%s", p + 8);
	free(json);
	free(in);
}

static struct store_caller as(const char *org_id, enum org_kind kind)
{
	struct store_caller c = { .org_id = org_id, .kind = policy_kind_to_string(kind), .request_id = "test" };
	return c;
}

static void input(struct household_input *in, const char *insee, const char *landlord)
{
	memset(in, 0, sizeof(*in));
	in->set = POLICY_FIELD_ADDRESS | HOUSEHOLD_SECTOR | POLICY_FIELD_CAF_NUMBER;
	snprintf(in->address_line, sizeof(in->address_line), "1 rue de la Gare");
	snprintf(in->postcode, sizeof(in->postcode), "91100");
	snprintf(in->insee, sizeof(in->insee), "%s", insee);
	snprintf(in->caf_number, sizeof(in->caf_number), "1234567");
	if (landlord != NULL) {
		in->set |= POLICY_FIELD_LANDLORD;
		in->landlord_is_org = true;
		snprintf(in->landlord_org_id, sizeof(in->landlord_org_id), "%.36s", landlord); /* a UUID */
	}
}

/* The caller's relations to the household, or 0 when it is not visible. */
static unsigned relations(const char *household, const char *org_id, enum org_kind kind)
{
	struct store_caller c = as(org_id, kind);
	struct household_row row;
	struct err err;
	int rc = households_store_get(conn, &c, household, &row, &err);
	household_row_free(&row);
	if (rc == ERR_NOT_FOUND)
		return 0;
	ck_assert_int_eq(rc, ERR_OK);
	return row.relations;
}

START_TEST(relation_bits_follow_the_policy_enum)
{
	char pref[40], bailiff[40], landlord[40], service[40], far[40], caf[40], stranger[40];
	org(ORG_KIND_PREFECTURE, NULL, pref);
	org(ORG_KIND_BAILIFF, NULL, bailiff);
	org(ORG_KIND_SOCIAL_LANDLORD, NULL, landlord);
	org(ORG_KIND_SOCIAL_SERVICE, "91174", service);
	org(ORG_KIND_SOCIAL_SERVICE, "91377", far);
	org(ORG_KIND_CAF, "91174", caf);
	org(ORG_KIND_SOCIAL_LANDLORD, NULL, stranger);
	struct household_input in;
	input(&in, "91174", landlord);
	struct store_caller by = as(bailiff, ORG_KIND_BAILIFF);
	struct household_row row;
	struct err err;
	ck_assert_int_eq(households_store_create(conn, &by, &in, &row, &err), ERR_OK);
	char id[40];
	snprintf(id, sizeof(id), "%s", row.id);
	household_row_free(&row);

	ck_assert_uint_eq(relations(id, pref, ORG_KIND_PREFECTURE), 1u << POLICY_REL_DEPARTEMENT);
	ck_assert_uint_eq(relations(id, bailiff, ORG_KIND_BAILIFF), 1u << POLICY_REL_FILER);
	ck_assert_uint_eq(relations(id, landlord, ORG_KIND_SOCIAL_LANDLORD), 1u << POLICY_REL_LANDLORD);
	ck_assert_uint_eq(relations(id, service, ORG_KIND_SOCIAL_SERVICE), 1u << POLICY_REL_TERRITORY);
	ck_assert_uint_eq(relations(id, caf, ORG_KIND_CAF), 1u << POLICY_REL_BENEFICIARY);
	ck_assert_uint_eq(relations(id, far, ORG_KIND_SOCIAL_SERVICE), 0);
	ck_assert_uint_eq(relations(id, stranger, ORG_KIND_SOCIAL_LANDLORD), 0);

	/* A diagnostic assigned to the far service makes it ASSIGNED. */
	char proc[40], *json = NULL;
	ck_assert_int_eq(procedures_store_create(conn, &by, id, NULL, &json, proc, &err), ERR_OK);
	free(json);
	struct date on = { 2026, 1, 5 }, hearing = { 2026, 3, 5 };
	ck_assert_int_eq(procedures_store_request_diagnostic(conn, id, proc, &on, &hearing, &err), ERR_OK);
	PGresult *res = PQexec(conn, "SELECT assigned_org_id FROM diagnostics");
	ck_assert_str_eq(PQgetvalue(res, 0, 0), service);
	PQclear(res);
	const char *params[] = { far, id };
	res = PQexecParams(conn, "UPDATE diagnostics SET assigned_org_id = $1 WHERE household_id = $2", 2, NULL, params,
			   NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	ck_assert_uint_eq(relations(id, far, ORG_KIND_SOCIAL_SERVICE), 1u << POLICY_REL_ASSIGNED);
}
END_TEST

START_TEST(update_checks_the_version)
{
	char admin[40];
	org(ORG_KIND_PREFECTURE, NULL, admin);
	struct store_caller c = as(admin, ORG_KIND_PREFECTURE);
	struct household_input in;
	input(&in, "91377", NULL);
	struct household_row row, after;
	struct err err;
	ck_assert_int_eq(households_store_create(conn, &c, &in, &row, &err), ERR_OK);
	ck_assert_int_eq(row.version, 1);
	struct household_input patch = { .set = POLICY_FIELD_INCOME, .income_known = true, .income_cents = 90000 };
	ck_assert_int_eq(households_store_update(conn, &c, row.id, 1, &patch, &after, &err), ERR_OK);
	ck_assert_int_eq(after.version, 2);
	ck_assert_ptr_nonnull(strstr(after.json, "\"income_cents\" : 90000"));
	household_row_free(&after);
	ck_assert_int_eq(households_store_update(conn, &c, row.id, 1, &patch, &after, &err), ERR_PRECONDITION_FAILED);
	household_row_free(&row);
	in.set = POLICY_FIELD_ADDRESS | HOUSEHOLD_SECTOR;
	snprintf(in.insee, sizeof(in.insee), "91999");
	ck_assert_int_eq(households_store_create(conn, &c, &in, &row, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "address.insee");
}
END_TEST

/* households_store_insert_many and procedures_store_create_many: the rows
 * of single inserts, in one pipeline; a refused row fails the batch, names
 * its field, and leaves the connection usable once rolled back. */
START_TEST(pipelined_inserts_write_the_same_rows)
{
	char bailiff[40], landlord[40];
	org(ORG_KIND_BAILIFF, NULL, bailiff);
	org(ORG_KIND_SOCIAL_LANDLORD, NULL, landlord);
	struct store_caller c = as(bailiff, ORG_KIND_BAILIFF);
	struct household_input in[3];
	char ids[3][40], procs[3][40];
	struct err err;
	for (int i = 0; i < 3; i++)
		input(&in[i], "91377", landlord);
	ck_assert_int_eq(db_begin(conn, &err), ERR_OK);
	ck_assert_int_eq(households_store_insert_many(conn, &c, 3, in, ids, &err), ERR_OK);
	const char *hh[] = { ids[0], ids[1], ids[2] }, *refs[] = { "PIPE-1", "PIPE-2", "PIPE-3" };
	ck_assert_int_eq(procedures_store_create_many(conn, &c, 3, hh, refs, procs, &err), ERR_OK);
	ck_assert_int_eq(db_commit(conn, &err), ERR_OK);
	for (int i = 0; i < 3; i++) {
		ck_assert_str_ne(ids[i], ids[(i + 1) % 3]);
		ck_assert_uint_ne(relations(ids[i], bailiff, ORG_KIND_BAILIFF) & (1u << POLICY_REL_FILER), 0);
		struct procedure_record rec;
		ck_assert_int_eq(procedures_store_load(conn, &c, procs[i], false, &rec, &err), ERR_OK);
		ck_assert_str_eq(rec.household_id, ids[i]);
		procedure_record_clear(&rec);
	}
	snprintf(in[1].insee, sizeof(in[1].insee), "91999");
	ck_assert_int_eq(db_begin(conn, &err), ERR_OK);
	ck_assert_int_eq(households_store_insert_many(conn, &c, 3, in, ids, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "address.insee");
	db_rollback(conn);
	ck_assert_int_eq(households_store_insert(conn, &c, &in[0], ids[0], &err), ERR_OK);
}
END_TEST

START_TEST(lists_page_by_keyset_and_audit_each_row)
{
	char landlord[40];
	org(ORG_KIND_PRIVATE_LANDLORD, NULL, landlord);
	struct store_caller c = as(landlord, ORG_KIND_PRIVATE_LANDLORD);
	for (int i = 0; i < 3; i++) {
		struct household_input in;
		input(&in, "91174", landlord);
		struct household_row row;
		struct err err;
		ck_assert_int_eq(households_store_create(conn, &c, &in, &row, &err), ERR_OK);
		household_row_free(&row);
	}
	struct household_filter none = { 0 };
	struct page_cursor start = { 0 };
	struct household_page page;
	struct err err;
	ck_assert_int_eq(households_store_list(conn, &c, &none, &start, 2, &page, &err), ERR_OK);
	ck_assert_int_eq(page.count, 2);
	ck_assert(page.next.set);
	ck_assert_uint_eq(page.relations[0], 1u << POLICY_REL_FILER | 1u << POLICY_REL_LANDLORD);
	struct page_cursor next = page.next;
	household_page_free(&page);
	ck_assert_int_eq(households_store_list(conn, &c, &none, &next, 2, &page, &err), ERR_OK);
	ck_assert_int_eq(page.count, 1);
	ck_assert(!page.next.set);
	household_page_free(&page);
	PGresult *res = PQexec(conn, "SELECT count(*) FROM audit_log WHERE action = 'read' AND resource_type = 'household'");
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "3");
	PQclear(res);
}
END_TEST

START_TEST(events_are_append_only)
{
	char bailiff[40];
	org(ORG_KIND_BAILIFF, NULL, bailiff);
	struct store_caller c = as(bailiff, ORG_KIND_BAILIFF);
	struct household_input in;
	input(&in, "91174", NULL);
	struct household_row row;
	struct err err;
	ck_assert_int_eq(households_store_create(conn, &c, &in, &row, &err), ERR_OK);
	char proc[40], ev_id[40], *json = NULL;
	ck_assert_int_eq(procedures_store_create(conn, &c, row.id, "R-1", &json, proc, &err), ERR_OK);
	free(json);
	struct event ev = { .kind = EVENT_PAYMENT_ORDER, .date = { 2025, 10, 1 } };
	ev.payment_order.debt_cents = 150000;
	ev.payment_order.rent_cents = 50000;
	ev.payment_order.months_unpaid = -1;
	ck_assert_int_eq(procedures_store_append(conn, &c, proc, 0, &ev, NULL, "payment_order", "open", &json, ev_id, &err),
			 ERR_OK);
	free(json);
	/* Two writers numbering the same position: the constraint decides. */
	ck_assert_int_eq(procedures_store_append(conn, &c, proc, 0, &ev, NULL, "payment_order", "open", &json, ev_id, &err),
			 ERR_CONFLICT);
	struct procedure_record *rec = calloc(1, sizeof(*rec));
	ck_assert_int_eq(procedures_store_load(conn, &c, proc, true, rec, &err), ERR_OK);
	ck_assert_int_eq(rec->count, 1);
	ck_assert_int_eq(rec->events[0].kind, EVENT_PAYMENT_ORDER);
	ck_assert_int_eq(rec->events[0].payment_order.debt_cents, 150000);
	ck_assert_int_eq(rec->events[0].payment_order.months_unpaid, -1);
	ck_assert_int_eq(rec->version, 2);
	procedure_record_clear(rec);
	free(rec);
	PGresult *res = PQexec(conn, "UPDATE procedure_events SET debt_cents = 1");
	ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
	PQclear(res);
	struct store_caller other = as("00000000-0000-0000-0000-000000000000", ORG_KIND_BAILIFF);
	rec = calloc(1, sizeof(*rec));
	ck_assert_int_eq(procedures_store_load(conn, &other, proc, false, rec, &err), ERR_NOT_FOUND);
	free(rec);
	household_row_free(&row);
}
END_TEST

/* The rows of reference/communes.csv, read as `prevex reference load` does. */
static int csv_rows(struct reference_row **out)
{
	char path[1024];
	const char *dir = getenv("PREVEX_SOURCE_DIR");
	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/reference/communes.csv", dir);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char line[4096];
	struct reference_columns cols;
	struct reference_row *rows = calloc(1000, sizeof(*rows));
	int n = 0;
	long lineno = 0;
	struct err err;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (++lineno == 1)
			ck_assert_int_eq(reference_read_header(&cols, line, &err), ERR_OK);
		else
			ck_assert_int_eq(reference_read_row(&rows[n++], &cols, line, lineno, &err), ERR_OK);
	}
	fclose(f);
	*out = rows;
	return n;
}

static void digest(char *out, size_t len)
{
	PGresult *res = PQexec(conn, "SELECT md5(string_agg(c.insee || c.name || c.postcode || coalesce(c.epci_siren, '')"
				     " || coalesce(e.name, ''), ',' ORDER BY c.insee))"
				     " FROM communes c LEFT JOIN epcis e ON e.siren = c.epci_siren");
	snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

START_TEST(migration_holds_the_reference_csv)
{
	struct reference_row *rows = NULL;
	int n = csv_rows(&rows);
	char before[64], after[64];
	digest(before, sizeof(before));
	long epcis = 0, communes = 0;
	struct err err;
	ck_assert_int_eq(reference_store_load(conn, rows, n, &epcis, &communes, &err), ERR_OK);
	ck_assert_int_eq(communes, n);
	digest(after, sizeof(after));
	ck_assert_str_eq(before, after);
	PGresult *res = PQexec(conn, "SELECT count(*) FROM communes");
	ck_assert_int_eq(atoi(PQgetvalue(res, 0, 0)), n);
	PQclear(res);
	/* A later file updates and adds. */
	snprintf(rows[0].name, sizeof(rows[0].name), "Renamed");
	snprintf(rows[1].insee, sizeof(rows[1].insee), "91999");
	ck_assert_int_eq(reference_store_load(conn, rows, 2, &epcis, &communes, &err), ERR_OK);
	res = PQexec(conn, "SELECT count(*) FROM communes WHERE name = 'Renamed' OR insee = '91999'");
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
	PQclear(res);
	rows[1] = rows[0];
	ck_assert_int_eq(reference_store_load(conn, rows, 2, &epcis, &communes, &err), ERR_INVALID);
	free(rows);
}
END_TEST

START_TEST(reference_rows_are_checked)
{
	struct reference_columns cols;
	struct reference_row row;
	struct err err;
	char header[] = "\xEF\xBB\xBF" "code;insee;name;postcode;epci_siren;epci_name";
	ck_assert_int_eq(reference_read_header(&cols, header, &err), ERR_OK);
	ck_assert_int_eq(cols.sep, ';');
	char ok[] = "x;2A004;\"Ajaccio; la ville\";20000;;";
	ck_assert_int_eq(reference_read_row(&row, &cols, ok, 2, &err), ERR_OK);
	ck_assert_str_eq(row.name, "Ajaccio; la ville");
	ck_assert_str_eq(row.epci_siren, "");
	char bad_insee[] = "x;9117;Nowhere;91000;;";
	ck_assert_int_eq(reference_read_row(&row, &cols, bad_insee, 3, &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "insee");
	char bad_siren[] = "x;91174;Corbeil;91100;12;CA";
	ck_assert_int_eq(reference_read_row(&row, &cols, bad_siren, 4, &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "epci_siren");
	char no_postcode[] = "insee,name";
	ck_assert_int_eq(reference_read_header(&cols, no_postcode, &err), ERR_INVALID);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("households_store");
	TCase *tc = tcase_create("households_store");
	tcase_add_checked_fixture(tc, schema_setup, schema_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, relation_bits_follow_the_policy_enum);
	tcase_add_test(tc, update_checks_the_version);
	tcase_add_test(tc, pipelined_inserts_write_the_same_rows);
	tcase_add_test(tc, lists_page_by_keyset_and_audit_each_row);
	tcase_add_test(tc, events_are_append_only);
	tcase_add_test(tc, migration_holds_the_reference_csv);
	tcase_add_test(tc, reference_rows_are_checked);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
