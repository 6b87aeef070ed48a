/* Issue 7 end to end: `prevex demo-data` loads the Essonne 2019-2022
 * dataset, and GET /v1/stats/key-figures and /v1/stats/acts give back the
 * seed's key figures (shared/domain.md) exactly, as JSON and as CSV; an
 * organisation other than the préfecture and the département counts its
 * own cases only. The dataset is loaded once per database: a second run
 * finds it and skips it. No other test records anything dated 2019-2022. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party prefecture, landlord, caf;   /* the demo's, from its clients file */

/* The EPCIs of the seed's figures, by SIREN. */
#define COEUR_ESSONNE "200057859"
#define GRAND_PARIS_SUD "200059228"
#define PARIS_SACLAY "200056232"
#define VAL_YERRES "200058477"
#define ETAMPOIS "200017846"

static const char *const stages[] = { "payment_order", "summons", "order_to_leave", "cfp_request", "cfp_granted",
				      "eviction_with_cfp" };
#define STAGE_COUNT (sizeof(stages) / sizeof(stages[0]))

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* `prevex demo-data --clients-file FILE` on the test database, as the
 * owner, the way fixtures.c runs the binary. */
static void demo_data(const char *clients_file)
{
	const char *bin = getenv("PREVEX_BIN"), *db = getenv("PREVEX_TEST_DATABASE_URL");
	ck_assert_msg(bin != NULL && db != NULL, "PREVEX_BIN and PREVEX_TEST_DATABASE_URL must be set");
	setenv("PREVEX_DATABASE_URL", db, 1);
	unsetenv("PREVEX_ADMIN_DATABASE_URL");
	char cmd[1024], line[1024];
	snprintf(cmd, sizeof(cmd), "'%s' demo-data --clients-file '%s' 2>&1", bin, clients_file);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p) != NULL)
		fprintf(stderr, "%s", line);
	int status = pclose(p);
	ck_assert_msg(status == 0, "prevex demo-data failed (%d)", status);
}

/* The demo client of the organisation named name, with a token. */
static void demo_party(const json_t *clients, const char *name, struct party *out)
{
	memset(out, 0, sizeof(*out));
	size_t i;
	json_t *c;
	json_array_foreach(clients, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "org_name")), name) != 0)
			continue;
		snprintf(out->org_id, sizeof(out->org_id), "%s", json_string_value(json_object_get(c, "org_id")));
		snprintf(out->kind, sizeof(out->kind), "%s", json_string_value(json_object_get(c, "kind")));
		snprintf(out->client_id, sizeof(out->client_id), "%s", json_string_value(json_object_get(c, "client_id")));
		snprintf(out->secret, sizeof(out->secret), "%s", json_string_value(json_object_get(c, "client_secret")));
		fixtures_token(&server, out->client_id, out->secret, out->token, sizeof(out->token));
		return;
	}
	ck_abort_msg("no demo client for %s", name);
}

static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
	char clients_file[] = "/tmp/prevex-test-demo-clients-XXXXXX";
	int fd = mkstemp(clients_file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	demo_data(clients_file);
	fprintf(stderr, "test_stats: demo-data took %.1f s\n", seconds_since(&t0));
	json_error_t jerr;
	json_t *clients = json_load_file(clients_file, 0, &jerr);
	unlink(clients_file);
	ck_assert_msg(json_is_array(clients), "the clients file: %s", jerr.text);
	demo_party(clients, "Préfecture de l'Essonne", &prefecture);
	demo_party(clients, "Bailleur social Essonne Habitat", &landlord);
	demo_party(clients, "CAF de l'Essonne", &caf);
	json_decref(clients);
}

static void teardown(void)
{
	harness_stop(&server);
}

/* The member at a dotted path ("prevention_letters.sent"), borrowed. */
static json_t *at(json_t *j, const char *path)
{
	char key[128];
	const char *p = path;
	while (j != NULL && *p != '\0') {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		j = json_object_get(j, key);
		p += n + (p[n] == '.');
	}
	return j;
}

static long long num(json_t *j, const char *path)
{
	json_t *v = at(j, path);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

#define ASSERT_FIGURE(j, path, want) ck_assert_msg(num(j, path) == (want), "%s: %lld, want %lld", path, \
						  num(j, path), (long long)(want))

/* The item of an array whose "epci" has this siren, borrowed, or NULL. */
static json_t *epci_item(json_t *items, const char *siren)
{
	size_t i;
	json_t *m;
	json_array_foreach(items, i, m) {
		if (strcmp(json_string_value(json_object_get(json_object_get(m, "epci"), "siren")), siren) == 0)
			return m;
	}
	return NULL;
}

static json_t *get_json(const struct party *p, const char *path, int want)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "GET", path, NULL, NULL, &status);
	ck_assert_msg(status == want, "GET %s answered %d, want %d", path, status, want);
	return j;
}

static json_t *key_figures(const struct party *p, int year)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/stats/key-figures?year=%d", year);
	return get_json(p, path, 200);
}

START_TEST(key_figures_2020)
{
	json_t *j = key_figures(&prefecture, 2020);
	ck_assert_str_eq(json_string_value(at(j, "scope")), "departement");
	ASSERT_FIGURE(j, "commissions_held", 27);
	ASSERT_FIGURE(j, "situations_examined", 193);
	ASSERT_FIGURE(j, "prevention_letters.sent", 4554);
	ASSERT_FIGURE(j, "prevention_letters.response_rate", 8);
	ASSERT_FIGURE(j, "prevention_letters.payment_resumed", 111);
	ASSERT_FIGURE(j, "prevention_letters.debts_settled", 67);
	ASSERT_FIGURE(j, "prevention_letters.meetings", 31);
	ASSERT_FIGURE(j, "prevention_letters.adil_contacts", 796);
	json_t *complex = at(j, "complex_referrals_by_epci");
	static const struct { const char *siren; int count; } want[] = {
		{ ETAMPOIS, 4 }, { COEUR_ESSONNE, 27 }, { VAL_YERRES, 33 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *e = epci_item(complex, want[i].siren);
		ck_assert_msg(e != NULL, "no complex referrals for %s", want[i].siren);
		ASSERT_FIGURE(e, "count", want[i].count);
	}
	/* Acts transmitted: 30 % fewer at every stage than in 2019. */
	for (size_t i = 0; i < STAGE_COUNT; i++) {
		char path[64];
		snprintf(path, sizeof(path), "acts_change_percent.%s", stages[i]);
		ASSERT_FIGURE(j, path, -30);
		snprintf(path, sizeof(path), "acts_by_stage.%s", stages[i]);
		ck_assert_int_gt(num(j, path), 0);
	}
	json_decref(j);
}
END_TEST

START_TEST(key_figures_2021)
{
	json_t *j = key_figures(&prefecture, 2021);
	ASSERT_FIGURE(j, "year", 2021);
	ASSERT_FIGURE(j, "commissions_held", 32);
	ASSERT_FIGURE(j, "situations_examined", 192);
	ASSERT_FIGURE(j, "prevention_letters.sent", 4869);
	ASSERT_FIGURE(j, "prevention_letters.change_percent.sent", 7);
	ASSERT_FIGURE(j, "prevention_letters.response_rate", 7);
	ASSERT_FIGURE(j, "prevention_letters.payment_resumed", 146);
	ASSERT_FIGURE(j, "prevention_letters.change_percent.payment_resumed", 32);
	ASSERT_FIGURE(j, "prevention_letters.debts_settled", 71);
	ASSERT_FIGURE(j, "prevention_letters.change_percent.debts_settled", 6);
	ASSERT_FIGURE(j, "prevention_letters.meetings", 47);
	ASSERT_FIGURE(j, "prevention_letters.change_percent.meetings", 52);
	ASSERT_FIGURE(j, "prevention_letters.adil_contacts", 703);
	json_t *epcis = at(j, "referrals_by_epci");
	static const struct { const char *siren; int change; } want[] = {
		{ COEUR_ESSONNE, 18 }, { GRAND_PARIS_SUD, 80 }, { PARIS_SACLAY, 11 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *e = epci_item(epcis, want[i].siren);
		ck_assert_msg(e != NULL, "no referrals for %s", want[i].siren);
		ASSERT_FIGURE(e, "change_percent", want[i].change);
	}
	ASSERT_FIGURE(j, "mobile_team.cases", 126);
	ASSERT_FIGURE(j, "mobile_team.no_contact.percent", 61);
	ASSERT_FIGURE(j, "mobile_team.contact_established.percent", 23);
	ASSERT_FIGURE(j, "mobile_team.npai.percent", 16);
	ASSERT_FIGURE(j, "mobile_team.home_visits", 73);
	ASSERT_FIGURE(j, "mobile_team.debts_settled", 5);
	ASSERT_FIGURE(j, "mobile_team.landlords_contacting_adil", 10);
	ASSERT_FIGURE(j, "masp.effective", 21);
	ASSERT_FIGURE(j, "masp.started", 15);
	ASSERT_FIGURE(j, "masp.renewed", 12);
	ASSERT_FIGURE(j, "masp.average_months", 14);
	json_decref(j);
}
END_TEST

/* 2022: summons back up to about 230 a month. */
START_TEST(summons_by_month_2022)
{
	json_t *j = get_json(&prefecture, "/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=month", 200);
	json_t *items = at(j, "items");
	ck_assert_int_eq(json_array_size(items), 12);
	long long total = 0;
	size_t i;
	json_t *m;
	json_array_foreach(items, i, m) {
		char period[16];
		snprintf(period, sizeof(period), "2022-%02d", (int)i % 12 + 1);
		ck_assert_str_eq(json_string_value(json_object_get(m, "period")), period);
		long long n = num(m, "summons");
		ck_assert_msg(n >= 200 && n <= 260, "%s: %lld summons", period, n);
		total += n;
	}
	ck_assert_int_eq((total + 6) / 12, 230);
	json_decref(j);

	/* By year, the same fall of 30 % as the key figures give. */
	j = get_json(&prefecture, "/v1/stats/acts?from=2019-01-01&to=2020-12-31&by=year", 200);
	items = at(j, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	for (size_t k = 0; k < STAGE_COUNT; k++) {
		long long before = num(json_array_get(items, 0), stages[k]), after = num(json_array_get(items, 1), stages[k]);
		ck_assert_msg(before > 0 && (after - before) * 100 == -30 * before, "%s: %lld then %lld", stages[k], before,
			      after);
	}
	json_decref(j);
}
END_TEST

/* The value of figure in a figure,value CSV, or NULL. */
static const char *csv_value(const char *csv, const char *figure, char *out, size_t len)
{
	char head[160];
	snprintf(head, sizeof(head), "\r\n%s,", figure);
	const char *p = strstr(csv, head);
	if (p == NULL)
		return NULL;
	p += strlen(head);
	snprintf(out, len, "%.*s", (int)strcspn(p, "\r\n"), p);
	return out;
}

static void csv_expect(const char *csv, json_t *j, const char *figure)
{
	char got[64], want[64];
	ck_assert_msg(csv_value(csv, figure, got, sizeof(got)) != NULL, "no %s in the CSV", figure);
	snprintf(want, sizeof(want), "%lld", num(j, figure));
	ck_assert_msg(strcmp(got, want) == 0, "%s: %s in the CSV, %s in the JSON", figure, got, want);
}

START_TEST(csv_gives_the_same_numbers)
{
	json_t *j = key_figures(&prefecture, 2021);
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, &prefecture, "GET", "/v1/stats/key-figures?year=2021", NULL,
				   "Accept: text/csv\r\n", &resp);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(http_response_header(&resp, "Content-Type"), "text/csv"));
	ck_assert_int_eq(strncmp(resp.body, "figure,value\r\n", 14), 0);
	static const char *const figures[] = {
		"commissions_held", "situations_examined", "prevention_letters.sent", "prevention_letters.response_rate",
		"prevention_letters.payment_resumed", "prevention_letters.debts_settled", "prevention_letters.meetings",
		"prevention_letters.adil_contacts", "mobile_team.cases", "mobile_team.no_contact.percent",
		"mobile_team.contact_established.percent", "mobile_team.npai.percent", "mobile_team.home_visits",
		"masp.effective", "masp.started", "masp.renewed", "masp.average_months", "acts_by_stage.summons",
	};
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		csv_expect(resp.body, j, figures[i]);
	char got[64];
	ck_assert_ptr_nonnull(csv_value(resp.body, "referrals_by_epci." GRAND_PARIS_SUD ".change_percent", got, sizeof(got)));
	ck_assert_str_eq(got, "80");
	ck_assert_ptr_nonnull(csv_value(resp.body, "commissions_held", got, sizeof(got)));
	ck_assert_str_eq(got, "32");
	http_response_free(&resp);
	json_decref(j);

	/* The acts as a table: a header, then one row per month. */
	status = fixtures_call(&server, &prefecture, "GET", "/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=month",
			       NULL, "Accept: text/csv\r\n", &resp);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(strncmp(resp.body, "period,payment_order,summons,", 29), 0);
	j = get_json(&prefecture, "/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=month", 200);
	int rows = 0;
	for (const char *p = strstr(resp.body, "\r\n"); p != NULL && p[2] != '\0'; p = strstr(p + 2, "\r\n")) {
		char period[16];
		long long po = -1, su = -1;
		ck_assert_int_eq(sscanf(p + 2, "%15[^,],%lld,%lld", period, &po, &su), 3);
		json_t *item = json_array_get(at(j, "items"), (size_t)rows);
		ck_assert_str_eq(period, json_string_value(json_object_get(item, "period")));
		ck_assert_int_eq(po, num(item, "payment_order"));
		ck_assert_int_eq(su, num(item, "summons"));
		rows++;
	}
	ck_assert_int_eq(rows, 12);
	json_decref(j);
	http_response_free(&resp);
}
END_TEST

static void expect_status(const char *path, const char *headers, int want)
{
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, &prefecture, "GET", path, NULL, headers, &resp);
	ck_assert_msg(status == want, "GET %s answered %d, want %d", path, status, want);
	http_response_free(&resp);
}

START_TEST(bad_requests)
{
	expect_status("/v1/stats/key-figures?year=2021", "Accept: application/xml\r\n", 406);
	expect_status("/v1/stats/acts?from=2022-01-01&to=2022-12-31", "Accept: text/html\r\n", 406);
	expect_status("/v1/stats/key-figures?year=2021", "Accept: application/json\r\n", 200);
	static const char *const bad[] = {
		"/v1/stats/key-figures", "/v1/stats/key-figures?year=", "/v1/stats/key-figures?year=twenty",
		"/v1/stats/key-figures?year=1800", "/v1/stats/key-figures?year=2021x", "/v1/stats/key-figures?year=99999",
		"/v1/stats/acts?to=2022-12-31", "/v1/stats/acts?from=2022-01-01", "/v1/stats/acts?from=2022-13-01&to=2022-12-31",
		"/v1/stats/acts?from=2022-01-01&to=2022-02-30", "/v1/stats/acts?from=2022-06-01&to=2022-01-01",
		"/v1/stats/acts?from=1950-01-01&to=2022-01-01", "/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=week",
		"/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_status(bad[i], NULL, 400);
}
END_TEST

static void create(const struct party *p, const char *path, const char *body, char *id, char *day)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "POST", path, body, NULL, &status);
	ck_assert_msg(status == 201, "POST %s answered %d", path, status);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	if (day != NULL)
		snprintf(day, 11, "%s", json_string_value(json_object_get(j, "referred_on")));
	json_decref(j);
}

/* A household of p's on which p makes a referral; returns the day it was made. */
static void own_referral(const struct party *p, int n, char day[11])
{
	char body[512], household[40], referral[40];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"%d rue des Tilleuls\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		 "\"sector\":\"social\",\"occupants\":{\"adults\":1,\"children\":2},\"rent_cents\":55000,"
		 "\"landlord\":{\"organisation_id\":\"%s\"}}", n, p->org_id);
	create(p, "/v1/households", body, household, NULL);
	snprintf(body, sizeof(body), "{\"kind\":\"social_landlord\",\"household_id\":\"%s\",\"debt_cents\":180000,"
		 "\"months_unpaid\":3}", household);
	create(p, "/v1/referrals", body, referral, day);
}

/* A social landlord counts its own cases: fewer than the préfecture, and
 * exactly those it made. */
START_TEST(landlord_counts_its_own_cases)
{
	json_t *all = key_figures(&prefecture, 2021), *own = key_figures(&landlord, 2021);
	ck_assert_str_eq(json_string_value(at(own, "scope")), "own_cases");
	static const char *const subset[] = {
		"prevention_letters.sent", "prevention_letters.answered", "acts_by_stage.payment_order",
		"acts_by_stage.summons", "situations_examined", "referrals_total",
	};
	for (size_t i = 0; i < sizeof(subset) / sizeof(subset[0]); i++) {
		long long a = num(all, subset[i]), o = num(own, subset[i]);
		ck_assert_msg(o > 0 && o < a, "%s: %lld of the landlord's, %lld in all", subset[i], o, a);
	}
	json_decref(all);
	json_decref(own);
	json_t *series_all = get_json(&prefecture, "/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=year", 200);
	json_t *series_own = get_json(&landlord, "/v1/stats/acts?from=2022-01-01&to=2022-12-31&by=year", 200);
	ck_assert_str_eq(json_string_value(at(series_own, "scope")), "own_cases");
	long long a = num(json_array_get(at(series_all, "items"), 0), "summons");
	long long o = num(json_array_get(at(series_own, "items"), 0), "summons");
	ck_assert_msg(o > 0 && o < a, "2022 summons: %lld of the landlord's, %lld in all", o, a);
	json_decref(series_all);
	json_decref(series_own);

	/* A new landlord's cases, made through the API today, and one of
	 * another landlord's that it must not count. */
	struct party admin, mine, other;
	fixtures_admin(&server, &admin);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &mine);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other);
	char day[11] = "", first_day[11] = "";
	for (int i = 0; i < 3; i++) {
		own_referral(&mine, i + 1, day);
		if (i == 0)
			snprintf(first_day, sizeof(first_day), "%s", day);
	}
	own_referral(&other, 9, day);
	int year = atoi(first_day);
	ck_assert_msg(year > 2022 && strncmp(first_day, day, 4) == 0, "the referrals were made on %s and %s", first_day,
		      day);
	own = key_figures(&mine, year);
	all = key_figures(&prefecture, year);
	ASSERT_FIGURE(own, "referrals_total", 3);
	ASSERT_FIGURE(own, "referrals_by_kind.social_landlord", 3);
	ASSERT_FIGURE(own, "prevention_letters.sent", 0);
	ASSERT_FIGURE(own, "situations_examined", 0);
	ASSERT_FIGURE(own, "mobile_team.cases", 0);
	ASSERT_FIGURE(own, "masp.effective", 0);
	for (size_t i = 0; i < STAGE_COUNT; i++) {
		char path[64];
		snprintf(path, sizeof(path), "acts_by_stage.%s", stages[i]);
		ASSERT_FIGURE(own, path, 0);
	}
	ck_assert_int_gt(num(all, "referrals_total"), 3);
	ck_assert_int_ge(num(all, "referrals_by_kind.social_landlord"), 4);
	json_decref(own);
	json_decref(all);
}
END_TEST

/* One number from the test database, as its owner. */
static long long db_number(const char *query)
{
	char v[32];
	fixtures_sql_value(query, 0, NULL, v, sizeof(v));
	return strtoll(v, NULL, 10);
}

/* What 0014 keeps as cases are written equals what the records say, at
 * every moment: each organisation's cases, each household's acts, and each
 * organisation's acts as org_acts and what is pending give them. */
static void assert_counts_match_records(void)
{
	ck_assert_int_eq(db_number("SELECT sum(rows) FROM stats_counts_drift()"), 0);
}

START_TEST(counts_kept_on_write_match_the_records)
{
	assert_counts_match_records();
	/* Not vacuous: the demo's organisations have cases and acts, and its
	 * load ended with a refresh that left nothing pending. */
	ck_assert_int_gt(db_number("SELECT count(*) FROM case_parties WHERE n > 0"), 10000);
	ck_assert_int_gt(db_number("SELECT count(DISTINCT organisation_id) FROM org_acts WHERE n > 0"), 3);
	ck_assert_int_gt(db_number("SELECT sum(n) FROM org_acts WHERE organisation_id = every_case()"), 40000);
}
END_TEST

static void household_of(const struct party *p, const char *landlord_id, char id[40], int *version)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"3 allée des Acacias\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		 "\"sector\":\"social\",\"rent_cents\":60000,\"landlord\":{\"organisation_id\":\"%s\"}}",
		 landlord_id);
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "POST", "/v1/households", body, NULL, &status);
	ck_assert_msg(status == 201, "POST /v1/households answered %d: %s", status,
		      json_string_value(json_object_get(j, "detail")));
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	*version = (int)json_integer_value(json_object_get(j, "version"));
	json_decref(j);
}

static void set_landlord(const struct party *p, const char *household, int *version, const char *landlord_id)
{
	char path[96], body[128], if_match[48];
	snprintf(path, sizeof(path), "/v1/households/%s", household);
	snprintf(body, sizeof(body), "{\"landlord\":{\"organisation_id\":\"%s\"}}", landlord_id);
	snprintf(if_match, sizeof(if_match), "If-Match: \"%d\"\r\n", *version);
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "PATCH", path, body, if_match, &status);
	ck_assert_msg(status == 200, "PATCH %s answered %d: %s", path, status,
		      json_string_value(json_object_get(j, "detail")));
	*version = (int)json_integer_value(json_object_get(j, "version"));
	json_decref(j);
}

static long long acts_of(const struct party *p, int year, const char *stage)
{
	char path[64];
	snprintf(path, sizeof(path), "acts_by_stage.%s", stage);
	json_t *j = key_figures(p, year);
	long long n = num(j, path);
	json_decref(j);
	return n;
}

/* An act counts in the figures as soon as it is recorded, for every case
 * and for each organisation whose case it is; a landlord that takes the
 * household over counts its acts, and stops when it hands it back. Read
 * before and after the service moves them into org_acts. */
START_TEST(acts_count_at_once_for_every_party)
{
	struct party admin, bailiff, first, second;
	fixtures_admin(&server, &admin);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &first);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &second);
	const int year = 2025;
	long long every_before = acts_of(&prefecture, year, "payment_order");

	char household[40], path[128];
	int version = 0, status = 0;
	household_of(&bailiff, first.org_id, household, &version);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", household);
	json_t *j = fixtures_call_json(&server, &bailiff, "POST", path, "{\"reference\":\"CJ-STATS-1\"}", NULL, &status);
	ck_assert_msg(status == 201, "POST %s answered %d", path, status);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	j = fixtures_call_json(&server, &bailiff, "POST", path,
			       "{\"kind\":\"payment_order\",\"date\":\"2025-03-03\",\"debt_cents\":180000,"
			       "\"rent_cents\":60000,\"months_unpaid\":3}", NULL, &status);
	ck_assert_msg(status == 201, "POST %s answered %d", path, status);
	json_decref(j);

	ck_assert_int_eq(acts_of(&prefecture, year, "payment_order"), every_before + 1);
	ck_assert_int_eq(acts_of(&bailiff, year, "payment_order"), 1);
	ck_assert_int_eq(acts_of(&first, year, "payment_order"), 1);
	ck_assert_int_eq(acts_of(&second, year, "payment_order"), 0);
	ck_assert_int_eq(acts_of(&bailiff, year - 1, "payment_order"), 0);
	ck_assert_int_eq(acts_of(&bailiff, year, "summons"), 0);
	assert_counts_match_records();

	set_landlord(&bailiff, household, &version, second.org_id);
	ck_assert_int_eq(acts_of(&second, year, "payment_order"), 1);
	ck_assert_int_eq(acts_of(&first, year, "payment_order"), 0);
	assert_counts_match_records();

	/* The service's worker refreshes every few seconds: the same figures
	 * once nothing is pending. */
	for (int i = 0; i < 100 && db_number("SELECT count(*) FROM org_acts_dirty") > 0; i++)
		usleep(100 * 1000);
	ck_assert_int_eq(db_number("SELECT count(*) FROM org_acts_pending"), 0);
	ck_assert_int_eq(acts_of(&second, year, "payment_order"), 1);
	ck_assert_int_eq(acts_of(&first, year, "payment_order"), 0);
	ck_assert_int_eq(acts_of(&bailiff, year, "payment_order"), 1);
	ck_assert_int_eq(acts_of(&prefecture, year, "payment_order"), every_before + 1);

	set_landlord(&bailiff, household, &version, first.org_id);
	ck_assert_int_eq(acts_of(&second, year, "payment_order"), 0);
	ck_assert_int_eq(acts_of(&first, year, "payment_order"), 1);
	assert_counts_match_records();
}
END_TEST

/* The reform of 1 January 2027 in the demo: the CAF's signals judged
 * under both tests, and benefit decisions at each step. */
START_TEST(caf_signals_and_benefit_decisions_of_early_2027)
{
	json_t *j = get_json(&caf, "/v1/caf-signals?limit=500", 200);
	int demo = 0, old_rule = 0, new_rule = 0, by_rent = 0, by_debt = 0, by_months = 0;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(j, "items"), i, s) {
		if (strncmp(json_string_value(json_object_get(s, "external_id")), "DEMO-CAF-2027-", 14) != 0)
			continue;
		demo++;
		json_t *a = json_object_get(s, "arrears");
		const char *date = json_string_value(json_object_get(s, "date"));
		json_t *version = json_object_get(json_object_get(a, "rule"), "version");
		if (strcmp(date, "2027-01-01") < 0) {
			old_rule++;
			ck_assert_str_eq(json_string_value(version), "2016-09-01");
		} else {
			new_rule++;
			ck_assert_str_eq(json_string_value(version), "2027-01-01");
		}
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(a, "tests_met"), k, t) {
			by_rent += strcmp(json_string_value(t), "two_months_rent_with_charges") == 0;
			by_debt += strcmp(json_string_value(t), "debt_over_450") == 0;
			by_months += strcmp(json_string_value(t), "three_months_after_first_missed") == 0;
		}
	}
	json_decref(j);
	ck_assert_int_eq(demo, 12);
	ck_assert_int_ge(old_rule, 2);
	ck_assert_int_ge(new_rule, 2);
	ck_assert_int_ge(by_rent, 1);
	ck_assert_int_ge(by_debt, 1);
	ck_assert_int_ge(by_months, 1);
	static const char *const statuses[] = { "open", "decided", "applied" };
	for (size_t k = 0; k < 3; k++) {
		char path[96];
		snprintf(path, sizeof(path), "/v1/benefit-decisions?status=%s&limit=500", statuses[k]);
		j = get_json(&caf, path, 200);
		ck_assert_int_ge(json_array_size(json_object_get(j, "items")), 1);
		json_decref(j);
	}
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("key figures");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, key_figures_2020);
	tcase_add_test(tc, key_figures_2021);
	tcase_add_test(tc, summons_by_month_2022);
	tcase_add_test(tc, csv_gives_the_same_numbers);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, landlord_counts_its_own_cases);
	tcase_add_test(tc, counts_kept_on_write_match_the_records);
	tcase_add_test(tc, acts_count_at_once_for_every_party);
	tcase_add_test(tc, caf_signals_and_benefit_decisions_of_early_2027);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
