/* Issue 17, the national dataset: `prevex demo-data --national` on a slice
 * (the Yvelines, 78, at a hundredth of its size, beside the Essonne's
 * dataset) gives the département organisations of its own, belonging to
 * it, and households in its communes; the Essonne's key figures do not
 * move; the Yvelines' préfecture lists none of the Essonne's households
 * and reads none; a second run finds the département there and skips it.
 * Without the reference data for the département it fails and says which
 * command loads it. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;

static void setup(void)
{
	fixtures_server_start(&server);
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

static void sql_value(const char *sql, const char *param, char *out, size_t len)
{
	const char *params[] = { param };
	fixtures_sql_value(sql, param != NULL ? 1 : 0, params, out, len);
}

static long sql_long(const char *sql, const char *param)
{
	char v[64];
	sql_value(sql, param, v, sizeof(v));
	return strtol(v, NULL, 10);
}

/* The Yvelines in the reference, as `prevex reference load --etalab` would
 * bring it: its row and a few communes in three EPCIs. */
static void yvelines_reference(void)
{
	char one[8];
	sql_value("WITH d AS (INSERT INTO departements (code, name, region_code) VALUES ('78', 'Yvelines', '11')"
		  " ON CONFLICT (code) DO NOTHING),"
		  " e AS (INSERT INTO epcis (siren, name) VALUES ('200058519', 'CA Saint Germain Boucles de Seine'),"
		  " ('200059889', 'CU Grand Paris Seine et Oise') ON CONFLICT (siren) DO NOTHING)"
		  " SELECT 1",
		  NULL, one, sizeof(one));
	sql_value("WITH c AS (INSERT INTO communes (insee, name, postcode, epci_siren) VALUES"
		  " ('78646', 'Versailles', '78000', '247800584'), ('78423', 'Le Chesnay-Rocquencourt', '78150', '247800584'),"
		  " ('78551', 'Saint-Germain-en-Laye', '78100', '200058519'), ('78586', 'Sartrouville', '78500', '200058519'),"
		  " ('78498', 'Poissy', '78300', '200059889'), ('78361', 'Mantes-la-Jolie', '78200', '200059889')"
		  " ON CONFLICT (insee) DO NOTHING) SELECT 1",
		  NULL, one, sizeof(one));
}

/* The demo client of the organisation named name in the clients file. */
static void demo_party(const char *file, const char *name, struct party *out)
{
	json_error_t jerr;
	json_t *clients = json_load_file(file, 0, &jerr);
	ck_assert_msg(clients != NULL, "%s: %s", file, jerr.text);
	memset(out, 0, sizeof(*out));
	size_t i;
	json_t *c;
	json_array_foreach(clients, i, c) {
		if (strcmp(str(c, "org_name"), name) != 0)
			continue;
		snprintf(out->org_id, sizeof(out->org_id), "%s", str(c, "org_id"));
		snprintf(out->kind, sizeof(out->kind), "%s", str(c, "kind"));
		snprintf(out->client_id, sizeof(out->client_id), "%s", str(c, "client_id"));
		snprintf(out->secret, sizeof(out->secret), "%s", str(c, "client_secret"));
		fixtures_token(&server, out->client_id, out->secret, out->token, sizeof(out->token));
		json_decref(clients);
		return;
	}
	json_decref(clients);
	ck_abort_msg("no demo client for %s", name);
}

/* The key figures of years 2019-2022 as p reads them, one text. */
static char *key_figures(const struct party *p)
{
	size_t cap = 1 << 16, len = 0;
	char *all = calloc(1, cap);
	ck_assert_ptr_nonnull(all);
	for (int year = 2019; year <= 2022; year++) {
		char path[64];
		snprintf(path, sizeof(path), "/v1/stats/key-figures?year=%d", year);
		int status = 0;
		json_t *j = fixtures_call_json(&server, p, "GET", path, NULL, NULL, &status);
		ck_assert_msg(status == 200, "%s answered %d: %s", path, status, str(j, "detail"));
		char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		ck_assert_ptr_nonnull(text);
		size_t n = strlen(text);
		ck_assert(len + n + 1 < cap);
		memcpy(all + len, text, n + 1);
		len += n;
		free(text);
		json_decref(j);
	}
	return all;
}

START_TEST(without_the_reference_it_says_which_command_loads_it)
{
	char out[4096];
	/* The Pyrénées-Atlantiques: no test loads their communes. */
	long before = sql_long("SELECT count(*) FROM organisations", NULL);
	ck_assert_int_eq(fixtures_prevex_status("demo-data --national --departements 64 --per-mille 1", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "reference data for France is not loaded") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "scripts/reference-france") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "prevex reference load --etalab") != NULL, "%s", out);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM organisations", NULL), before);
	/* Not a département; options without --national. */
	ck_assert_int_eq(fixtures_prevex_status("demo-data --national --departements 20", out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "20 is no département") != NULL, "%s", out);
	ck_assert_int_eq(fixtures_prevex_status("demo-data --departements 78", out, sizeof(out)), 2);
	ck_assert_int_eq(fixtures_prevex_status("demo-data --national --per-mille 0", out, sizeof(out)), 2);
	ck_assert_int_eq(fixtures_prevex_status("demo-data --national --per-mille 1001", out, sizeof(out)), 2);
}
END_TEST

START_TEST(a_slice_of_the_national_dataset)
{
	char essonne_file[] = "/tmp/prevex-national-91-XXXXXX", national_file[] = "/tmp/prevex-national-78-XXXXXX";
	int fd = mkstemp(essonne_file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = mkstemp(national_file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	yvelines_reference();

	/* The Essonne's dataset first (skipped when another test loaded it),
	 * and its figures as its préfecture reads them. */
	char args[512];
	snprintf(args, sizeof(args), "demo-data --clients-file '%s'", essonne_file);
	free(fixtures_prevex(args));
	struct party pref91;
	demo_party(essonne_file, "Préfecture de l'Essonne", &pref91);
	char *before = key_figures(&pref91);
	long households91 = sql_long("SELECT count(*) FROM households WHERE insee_departement(insee) = '91'", NULL);

	snprintf(args, sizeof(args), "demo-data --national --departements 78 --per-mille 10 --clients-file '%s'",
		 national_file);
	char *out = fixtures_prevex(args);
	ck_assert_msg(strstr(out, "1 départements besides the Essonne at 10 per mille, 0 already there") != NULL ||
		      strstr(out, "1 already there") != NULL, "%s", out);
	free(out);

	/* Ten organisations of the Yvelines, each of it alone. */
	ck_assert_int_eq(sql_long("SELECT count(*) FROM organisations WHERE name LIKE '%(78)'", NULL), 10);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM organisations o WHERE o.name LIKE '%(78)' AND ARRAY(SELECT"
				  " d.departement_code FROM organisation_departements d WHERE d.organisation_id = o.id)"
				  " = '{78}'", NULL), 10);
	ck_assert_int_eq(sql_long("SELECT count(DISTINCT kind) FROM organisations WHERE name LIKE '%(78)'", NULL), 9);
	/* Its procedures, on households of its communes, with the
	 * diagnostics their summons asked for; its CCAPEX's referrals and
	 * sessions. */
	long procedures = sql_long("SELECT count(*) FROM procedures WHERE reference LIKE 'DEMO-N78-%'", NULL);
	ck_assert_int_gt(procedures, 50);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM procedures p JOIN households h ON h.id = p.household_id"
				  " WHERE p.reference LIKE 'DEMO-N78-%' AND insee_departement(h.insee) <> '78'", NULL), 0);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM households h JOIN organisations o ON o.id = h.created_by_org"
				  " WHERE o.name LIKE '%(78)' AND insee_departement(h.insee) <> '78'", NULL), 0);
	ck_assert_int_gt(sql_long("SELECT count(DISTINCT h.insee) FROM procedures p JOIN households h"
				  " ON h.id = p.household_id WHERE p.reference LIKE 'DEMO-N78-%'", NULL), 1);
	ck_assert_int_gt(sql_long("SELECT count(*) FROM diagnostics d JOIN procedures p ON p.id = d.procedure_id"
				  " WHERE p.reference LIKE 'DEMO-N78-%'", NULL), 0);
	ck_assert_int_gt(sql_long("SELECT count(*) FROM referrals r JOIN households h ON h.id = r.household_id"
				  " WHERE insee_departement(h.insee) = '78'", NULL), 0);
	ck_assert_int_gt(sql_long("SELECT count(*) FROM commissions WHERE departement_code = '78'", NULL), 0);
	/* The households' landlords are the Yvelines' own. */
	ck_assert_int_eq(sql_long("SELECT count(*) FROM procedures p JOIN households h ON h.id = p.household_id"
				  " JOIN organisations o ON o.id = h.landlord_org_id"
				  " WHERE p.reference LIKE 'DEMO-N78-%' AND o.name NOT LIKE '%(78)'", NULL), 0);

	/* The Essonne's figures and households have not moved (each run
	 * rotates the demo clients' secrets, the Essonne's too). */
	demo_party(national_file, "Préfecture de l'Essonne", &pref91);
	char *after = key_figures(&pref91);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM households WHERE insee_departement(insee) = '91'", NULL),
			 households91);

	/* The Yvelines' préfecture: its households, none of the Essonne's. */
	struct party pref78;
	demo_party(national_file, "Préfecture, Yvelines (78)", &pref78);
	int status = 0, seen = 0;
	json_t *j = fixtures_call_json(&server, &pref78, "GET", "/v1/households?limit=500", NULL, NULL, &status);
	ck_assert_int_eq(status, 200);
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(j, "items"), i, h) {
		const char *insee = json_string_value(json_object_get(json_object_get(h, "address"), "insee"));
		ck_assert_msg(insee != NULL && strncmp(insee, "78", 2) == 0, "the 78 préfecture lists %s",
			      insee ? insee : "(none)");
		seen++;
	}
	json_decref(j);
	ck_assert_int_gt(seen, 0);
	char hh91[40], path[128];
	sql_value("SELECT min(id::text) FROM households WHERE insee_departement(insee) = '91'", NULL, hh91, sizeof(hh91));
	snprintf(path, sizeof(path), "/v1/households/%s", hh91);
	json_decref(fixtures_call_json(&server, &pref78, "GET", path, NULL, NULL, &status));
	ck_assert_int_eq(status, 404);
	json_decref(fixtures_call_json(&server, &pref91, "GET", path, NULL, NULL, &status));
	ck_assert_int_eq(status, 200);

	/* Loaded once: a second run finds it and adds nothing. */
	out = fixtures_prevex(args);
	ck_assert_msg(strstr(out, "1 already there") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM procedures WHERE reference LIKE 'DEMO-N78-%'", NULL),
			 procedures);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM organisations WHERE name LIKE '%(78)'", NULL), 10);
	free(before);
	free(after);
	unlink(essonne_file);
	unlink(national_file);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("national");
	TCase *tc = tcase_create("national");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* The Essonne's dataset, when no test loaded it before. */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, without_the_reference_it_says_which_command_loads_it);
	tcase_add_test(tc, a_slice_of_the_national_dataset);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixtures_run_suite(suite());
}
