/* `prevex reference load --etalab DIR` on the fixture tests/fixtures/etalab,
 * a few entries of the package @etalab/decoupage-administratif in its own
 * format: départements 01, 29, 2A, 971 and 987 (a collectivité d'outre-mer),
 * eight communes actuelles, a commune déléguée and five EPCIs. Each test
 * runs the command on a schema of its own. */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "domain/reference.h"
#include "support.h"

static char schema[32], url[2048];
static PGconn *conn;

static void setup(void)
{
	conn = support_migrated_schema(schema, sizeof(schema), url, sizeof(url));
}

static void teardown(void)
{
	PQfinish(conn);
	support_drop_schema(schema);
}

/* Runs prevex with args on the test's schema; its stdout and stderr into
 * out (len bytes); returns its exit status. */
static int run(char *out, size_t len, const char *args)
{
	const char *bin = getenv("PREVEX_BIN");
	ck_assert_ptr_nonnull(bin);
	setenv("PREVEX_DATABASE_URL", url, 1);
	unsetenv("PREVEX_ADMIN_DATABASE_URL");
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int load(char *out, size_t len, const char *fixture)
{
	const char *dir = getenv("PREVEX_SOURCE_DIR");
	ck_assert_ptr_nonnull(dir);
	char args[2048];
	snprintf(args, sizeof(args), "reference load --etalab '%s/tests/fixtures/%s'", dir, fixture);
	return run(out, len, args);
}

/* One value of a query; "" for NULL or no row. */
static char *value(char *out, size_t len, const char *sql, const char *param)
{
	const char *params[] = { param };
	PGresult *res = PQexecParams(conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(conn));
	snprintf(out, len, "%s", PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return out;
}

/* Every reference row, as one digest. */
static void digest(char *out, size_t len)
{
	value(out, len,
	      "SELECT md5((SELECT string_agg(c.insee || c.name || c.postcode || coalesce(c.epci_siren, '') || "
	      "c.departement_code, ',' ORDER BY c.insee) FROM communes c) || (SELECT string_agg(e.siren || e.name, "
	      "',' ORDER BY e.siren) FROM epcis e) || (SELECT string_agg(d.code || d.name || d.region_code, ',' "
	      "ORDER BY d.code) FROM departements d))",
	      NULL);
}

static const char *commune(const char *insee)
{
	static char buf[512];
	return value(buf, sizeof(buf),
		     "SELECT c.name || '|' || c.postcode || '|' || coalesce(c.epci_siren, '') || '|' || "
		     "coalesce(e.name, '') || '|' || c.departement_code FROM communes c "
		     "LEFT JOIN epcis e ON e.siren = c.epci_siren WHERE c.insee = $1",
		     insee);
}

START_TEST(the_migration_gives_essonne_its_departement)
{
	char v[64];
	ck_assert_str_eq(value(v, sizeof(v), "SELECT name || '|' || region_code FROM departements WHERE code = '91'",
			       NULL),
			 "Essonne|11");
	/* Every commune of the migration is in Essonne, and derives it. */
	ck_assert_str_ne(value(v, sizeof(v), "SELECT count(*) FROM communes", NULL), "0");
	ck_assert_str_eq(value(v, sizeof(v), "SELECT count(*) FROM communes WHERE departement_code <> '91'", NULL),
			 "0");
}
END_TEST

START_TEST(the_package_loads_with_departements)
{
	char out[2048], v[128], before[64];
	value(before, sizeof(before), "SELECT count(*) FROM communes", NULL);
	ck_assert_int_eq(load(out, sizeof(out), "etalab"), 0);
	ck_assert_msg(strstr(out, "4 départements, 5 EPCIs, 8 communes (2 entries left out") != NULL, "%s", out);
	/* Eight more communes; the Essonne ones stay. */
	ck_assert_int_eq(atoi(value(v, sizeof(v), "SELECT count(*) FROM communes", NULL)), atoi(before) + 8);
	ck_assert_str_eq(commune("2A004"), "Ajaccio|20000|242010056|CA du Pays Ajaccien|2A");
	ck_assert_str_eq(commune("2A017"), "Appietto|20167|242010056|CA du Pays Ajaccien|2A");
	/* The first of its postcodes (97139, 97142). */
	ck_assert_str_eq(commune("97101"), "Les Abymes|97139|200018653|CA CAP Excellence|971");
	ck_assert_str_eq(commune("01053"), "Bourg-en-Bresse|01000|200071751|CA du Bassin de Bourg-en-Bresse|01");
	/* An island in no EPCI. */
	ck_assert_str_eq(commune("29155"), "Ouessant|29242|||29");
	/* A commune déléguée and a commune of French Polynesia are left out. */
	ck_assert_str_eq(commune("01015"), "");
	ck_assert_str_eq(commune("98711"), "");
	ck_assert_str_eq(value(v, sizeof(v), "SELECT count(*) FROM departements WHERE code = '987'", NULL), "0");
	ck_assert_str_eq(value(v, sizeof(v),
			       "SELECT string_agg(code || ':' || name || ':' || region_code, ',' ORDER BY code) "
			       "FROM departements",
			       NULL),
			 "01:Ain:84,29:Finistère:53,2A:Corse-du-Sud:94,91:Essonne:11,971:Guadeloupe:01");
	/* A second load changes nothing. */
	char first[64], second[64];
	digest(first, sizeof(first));
	ck_assert_int_eq(load(out, sizeof(out), "etalab"), 0);
	digest(second, sizeof(second));
	ck_assert_str_eq(first, second);
}
END_TEST

START_TEST(a_bad_package_changes_nothing)
{
	char out[2048], first[64], second[64];
	ck_assert_int_eq(load(out, sizeof(out), "etalab"), 0);
	digest(first, sizeof(first));
	/* Ajaccio renamed, then Pointe-à-Pitre (971) said to be in 972. */
	ck_assert_int_eq(load(out, sizeof(out), "etalab-bad"), 1);
	ck_assert_msg(strstr(out, "communes.json: commune 97120: its code says département 971, not 972") != NULL,
		      "%s", out);
	ck_assert_ptr_null(strstr(out, "reference data loaded"));
	digest(second, sizeof(second));
	ck_assert_str_eq(first, second);
	ck_assert_str_eq(commune("2A004"), "Ajaccio|20000|242010056|CA du Pays Ajaccien|2A");
	/* A folder without the package's files. */
	ck_assert_int_eq(load(out, sizeof(out), "nowhere"), 1);
	ck_assert_msg(strstr(out, "departements.json") != NULL, "%s", out);
	digest(second, sizeof(second));
	ck_assert_str_eq(first, second);
	/* Usage errors. */
	ck_assert_int_eq(run(out, sizeof(out), "reference load --etalab"), 2);
	ck_assert_int_eq(run(out, sizeof(out), "reference load --etalob x"), 2);
}
END_TEST

START_TEST(departements_are_derived_and_checked)
{
	const char *cases[][2] = { { "91174", "91" }, { "2A004", "2A" }, { "2B033", "2B" }, { "97101", "971" },
				   { "97611", "976" }, { "01001", "01" }, { "95127", "95" } };
	char dep[4];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reference_departement_of(dep, cases[i][0]);
		ck_assert_str_eq(dep, cases[i][1]);
		ck_assert(reference_departement_is_valid(dep));
	}
	const char *bad[] = { "", "9", "00", "20", "96", "970", "98", "984", "2C", "2a", "9711", NULL };
	for (int i = 0; i < 11; i++)
		ck_assert_msg(!reference_departement_is_valid(bad[i]), "%s", bad[i]);
	ck_assert(!reference_departement_is_valid(NULL));
	struct reference_departement d;
	struct err err;
	ck_assert_int_eq(reference_set_departement(&d, "2A", "Corse-du-Sud", "94", &err), ERR_OK);
	ck_assert_int_eq(reference_set_departement(&d, "2A", "", "94", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "name");
	ck_assert_int_eq(reference_set_departement(&d, "2A", "Corse-du-Sud", "9", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "region");
	ck_assert_int_eq(reference_set_departement(&d, "20", "Corse", "94", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "code");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reference");
	TCase *tc = tcase_create("reference");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_migration_gives_essonne_its_departement);
	tcase_add_test(tc, the_package_loads_with_departements);
	tcase_add_test(tc, a_bad_package_changes_nothing);
	tcase_add_test(tc, departements_are_derived_and_checked);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
