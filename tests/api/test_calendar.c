/* The calendar partners read (GET /v1/calendar) and the end of a legal delay
 * (GET /v1/calendar/add), end to end. Every expected date and count below
 * was worked out by hand from a printed calendar, never by the code under
 * test. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct harness server;
static struct party admin, bailiff, association;

static void setup(void)
{
	fixtures_server_start(&server);
}

static void teardown(void)
{
	harness_stop(&server);
}

static void parties_new(void)
{
	fixtures_admin(&server, &admin);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "association", NULL, "read", &association);
}

/* GET path as p; 200 and the body, or fails the test. */
static json_t *get_ok(const struct party *p, const char *path)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, "GET", path, NULL, NULL, &status);
	ck_assert_msg(status == 200, "%s answered %d: %s", path, status,
		      json_string_value(json_object_get(j, "detail")));
	ck_assert_ptr_nonnull(j);
	return j;
}

/* GET path answers 400 problem+json naming field. */
static void expect_400(const char *path, const char *field)
{
	struct http_response resp = { 0 };
	int status = fixtures_call(&server, &bailiff, "GET", path, NULL, NULL, &resp);
	json_t *j = harness_json(&resp);
	ck_assert_msg(status == 400, "%s answered %d", path, status);
	ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "/problems/invalid-request");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 400);
	ck_assert_msg(fixtures_problem_at(j) != NULL &&
			      strcmp(fixtures_problem_at(j), field) == 0,
		      "%s: field %s, wanted %s (%s)", path, fixtures_problem_at(j), field,
		      json_string_value(json_object_get(j, "detail")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "detail")), field));
	json_decref(j);
	http_response_free(&resp);
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static bool flag(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);
	ck_assert_msg(json_is_boolean(v), "%s is not a boolean", key);
	return json_is_true(v);
}

struct want_day {
	const char *date, *weekday, *holiday, *name;
	bool working, truce, eviction;
};

/* The days of the answer to from..to are exactly want, in order. */
static void expect_days(const struct party *p, const char *from, const char *to, const struct want_day *want,
			size_t n)
{
	char path[128];
	snprintf(path, sizeof(path), "/v1/calendar?from=%s&to=%s", from, to);
	json_t *j = get_ok(p, path);
	ck_assert_str_eq(str(j, "from"), from);
	ck_assert_str_eq(str(j, "to"), to);
	const json_t *days = json_object_get(j, "days");
	ck_assert_uint_eq(json_array_size(days), n);
	for (size_t i = 0; i < n; i++) {
		const json_t *d = json_array_get(days, i);
		const json_t *h = json_object_get(d, "holiday");
		ck_assert_uint_eq(json_object_size(d), 6);
		ck_assert_str_eq(str(d, "date"), want[i].date);
		ck_assert_msg(strcmp(str(d, "weekday"), want[i].weekday) == 0, "%s: %s", want[i].date,
			      str(d, "weekday"));
		if (want[i].holiday == NULL) {
			ck_assert_msg(json_is_null(h), "%s: a holiday", want[i].date);
		} else {
			ck_assert_msg(json_is_object(h), "%s: no holiday", want[i].date);
			ck_assert_str_eq(str(h, "id"), want[i].holiday);
			ck_assert_str_eq(str(h, "name"), want[i].name);
		}
		ck_assert_msg(flag(d, "working_day") == want[i].working, "%s: working_day", want[i].date);
		ck_assert_msg(flag(d, "winter_truce") == want[i].truce, "%s: winter_truce", want[i].date);
		ck_assert_msg(flag(d, "eviction_allowed") == want[i].eviction, "%s: eviction_allowed", want[i].date);
	}
	json_decref(j);
}

/* Easter 2027 is Sunday 28 March; the truce ends on Wednesday 31 March. */
START_TEST(days_over_easter_2027)
{
	static const struct want_day want[] = {
		{"2027-03-26", "friday", NULL, NULL, true, true, false},
		{"2027-03-27", "saturday", NULL, NULL, false, true, false},
		{"2027-03-28", "sunday", NULL, NULL, false, true, false},
		{"2027-03-29", "monday", "easter_monday", "Lundi de Pâques", false, true, false},
		{"2027-03-30", "tuesday", NULL, NULL, true, true, false},
		{"2027-03-31", "wednesday", NULL, NULL, true, true, false},
		{"2027-04-01", "thursday", NULL, NULL, true, false, true},
		{"2027-04-02", "friday", NULL, NULL, true, false, true},
		{"2027-04-03", "saturday", NULL, NULL, false, false, true},
		{"2027-04-04", "sunday", NULL, NULL, false, false, false},
		{"2027-04-05", "monday", NULL, NULL, true, false, true},
	};
	expect_days(&bailiff, "2027-03-26", "2027-04-05", want, N(want));
}
END_TEST

/* May 2027: 1 and 8 May on Saturdays, Ascension Thursday 6 May, Whit
 * Monday 17 May; 15 August on a Sunday. */
START_TEST(days_may_and_august_2027)
{
	static const struct want_day may[] = {
		{"2027-05-01", "saturday", "labour_day", "Fête du Travail", false, false, false},
		{"2027-05-02", "sunday", NULL, NULL, false, false, false},
		{"2027-05-03", "monday", NULL, NULL, true, false, true},
		{"2027-05-04", "tuesday", NULL, NULL, true, false, true},
		{"2027-05-05", "wednesday", NULL, NULL, true, false, true},
		{"2027-05-06", "thursday", "ascension", "Ascension", false, false, false},
		{"2027-05-07", "friday", NULL, NULL, true, false, true},
		{"2027-05-08", "saturday", "victory_in_europe_day", "Victoire 1945", false, false, false},
		{"2027-05-09", "sunday", NULL, NULL, false, false, false},
		{"2027-05-10", "monday", NULL, NULL, true, false, true},
		{"2027-05-11", "tuesday", NULL, NULL, true, false, true},
		{"2027-05-12", "wednesday", NULL, NULL, true, false, true},
		{"2027-05-13", "thursday", NULL, NULL, true, false, true},
		{"2027-05-14", "friday", NULL, NULL, true, false, true},
		{"2027-05-15", "saturday", NULL, NULL, false, false, true},
		{"2027-05-16", "sunday", NULL, NULL, false, false, false},
		{"2027-05-17", "monday", "whit_monday", "Lundi de Pentecôte", false, false, false},
		{"2027-05-18", "tuesday", NULL, NULL, true, false, true},
	};
	static const struct want_day august[] = {
		{"2027-08-14", "saturday", NULL, NULL, false, false, true},
		{"2027-08-15", "sunday", "assumption", "Assomption", false, false, false},
		{"2027-08-16", "monday", NULL, NULL, true, false, true},
	};
	static const struct want_day one[] = {
		{"2027-07-14", "wednesday", "national_day", "Fête nationale", false, false, false},
	};
	expect_days(&association, "2027-05-01", "2027-05-18", may, N(may));
	expect_days(&admin, "2027-08-14", "2027-08-16", august, N(august));
	expect_days(&bailiff, "2027-07-14", "2027-07-14", one, N(one));
}
END_TEST

/* The truce starts on Monday 1 November 2027 (All Saints). */
START_TEST(days_truce_starts)
{
	static const struct want_day want[] = {
		{"2027-10-30", "saturday", NULL, NULL, false, false, true},
		{"2027-10-31", "sunday", NULL, NULL, false, false, false},
		{"2027-11-01", "monday", "all_saints", "Toussaint", false, true, false},
		{"2027-11-02", "tuesday", NULL, NULL, true, true, false},
	};
	expect_days(&bailiff, "2027-10-30", "2027-11-02", want, N(want));
}
END_TEST

/* 2028, a leap year from Saturday 1 January: 366 days, 53 Sundays, 11
 * holidays of which 9 on weekdays (1 January and 11 November are
 * Saturdays), 152 days of truce; from 1 April to 31 October, 214 days less
 * 31 Sundays and 7 holidays allow an eviction. */
START_TEST(days_whole_leap_year)
{
	json_t *j = get_ok(&bailiff, "/v1/calendar?from=2028-01-01&to=2028-12-31");
	const json_t *days = json_object_get(j, "days");
	int holidays = 0, working = 0, truce = 0, eviction = 0, sundays = 0;
	ck_assert_uint_eq(json_array_size(days), 366);
	ck_assert_str_eq(str(json_array_get(days, 59), "date"), "2028-02-29");
	for (size_t i = 0; i < json_array_size(days); i++) {
		const json_t *d = json_array_get(days, i);
		holidays += json_is_object(json_object_get(d, "holiday"));
		working += flag(d, "working_day");
		truce += flag(d, "winter_truce");
		eviction += flag(d, "eviction_allowed");
		sundays += strcmp(str(d, "weekday"), "sunday") == 0;
	}
	ck_assert_int_eq(holidays, 11);
	ck_assert_int_eq(sundays, 53);
	ck_assert_int_eq(working, 366 - 53 - 53 - 9);
	ck_assert_int_eq(truce, 31 + 29 + 31 + 30 + 31);
	ck_assert_int_eq(eviction, 214 - 31 - 7);
	json_decref(j);
}
END_TEST

START_TEST(days_bad_requests)
{
	expect_400("/v1/calendar", "from");
	expect_400("/v1/calendar?to=2027-01-31", "from");
	expect_400("/v1/calendar?from=2027-01-01", "to");
	expect_400("/v1/calendar?from=&to=2027-01-31", "from");
	expect_400("/v1/calendar?from=2027-13-01&to=2027-12-31", "from");
	expect_400("/v1/calendar?from=2027-1-1&to=2027-12-31", "from");
	expect_400("/v1/calendar?from=27-01-01&to=2027-12-31", "from");
	expect_400("/v1/calendar?from=2027-01-01&to=2027-02-29", "to");
	expect_400("/v1/calendar?from=2027-01-01&to=2027-01-31T00:00:00Z", "to");
	expect_400("/v1/calendar?from=2027-01-01&from=2027-01-02&to=2027-01-31", "from");
	expect_400("/v1/calendar?from=1989-12-31&to=1990-01-31", "from");
	expect_400("/v1/calendar?from=2100-12-01&to=2101-01-01", "to");
	expect_400("/v1/calendar?from=2027-01-02&to=2027-01-01", "to");
	expect_400("/v1/calendar?from=2027-01-01&to=2028-01-02", "to"); /* 367 days */
	expect_400("/v1/calendar?from=2028-01-01&to=2029-01-01", "to"); /* 367 */
	expect_400("/v1/calendar?from=1990-01-01&to=2100-12-31", "to");
	json_decref(get_ok(&bailiff, "/v1/calendar?from=2027-01-01&to=2028-01-01")); /* 366 days: the limit */
	json_decref(get_ok(&bailiff, "/v1/calendar?from=1990-01-01&to=1990-01-01"));
	json_decref(get_ok(&bailiff, "/v1/calendar?from=2100-12-31&to=2100-12-31"));
}
END_TEST

/* ---- the end of a delay ---- */

struct want_end {
	const char *query;
	const char *date, *delay, *kind, *unit;
	int amount;
	const char *end, *unextended_end;
};

START_TEST(add_each_kind_and_unit)
{
	static const struct want_end want[] = {
		/* 6 weeks from Monday 5 April 2027: Whit Monday, then Tuesday */
		{"date=2027-04-05&delay=P6W", "2027-04-05", "P6W", "delay_to_act", "weeks", 6, "2027-05-18",
		 "2027-05-17"},
		{"date=2027-04-05&delay=P6W&kind=delay_to_act", "2027-04-05", "P6W", "delay_to_act", "weeks", 6,
		 "2027-05-18", "2027-05-17"},
		{"date=2027-04-05&delay=P6W&kind=waiting_period", "2027-04-05", "P6W", "waiting_period", "weeks", 6,
		 "2027-05-17", "2027-05-17"},
		/* a summons at least 6 weeks before a hearing of 28 June 2027 */
		{"date=2027-06-28&delay=P6W&kind=notice_before", "2027-06-28", "P6W", "notice_before", "weeks", 6,
		 "2027-05-17", "2027-05-17"},
		/* 31 December + 2 months: Sunday 28 February, then Monday */
		{"date=2026-12-31&delay=P2M", "2026-12-31", "P2M", "delay_to_act", "months", 2, "2027-03-01",
		 "2027-02-28"},
		{"date=2026-12-31&delay=P2M&kind=waiting_period", "2026-12-31", "P2M", "waiting_period", "months", 2,
		 "2027-02-28", "2027-02-28"},
		{"date=2027-12-31&delay=P2M", "2027-12-31", "P2M", "delay_to_act", "months", 2, "2028-02-29",
		 "2028-02-29"},
		{"date=2027-04-30&delay=P2M&kind=notice_before", "2027-04-30", "P2M", "notice_before", "months", 2,
		 "2027-02-28", "2027-02-28"},
		/* 15 days from Friday 30 July 2027: Saturday 14 August, Sunday
		 * 15 August, Monday 16 */
		{"date=2027-07-30&delay=P15D", "2027-07-30", "P15D", "delay_to_act", "days", 15, "2027-08-16",
		 "2027-08-14"},
		{"date=2028-02-29&delay=P1Y", "2028-02-29", "P1Y", "delay_to_act", "months", 12, "2029-02-28",
		 "2029-02-28"},
		/* 2026: Friday 1 May, Friday 8 May, Ascension 14 May, Whit
		 * Monday 25 May */
		{"date=2026-04-30&delay=15WD", "2026-04-30", "15WD", "delay_to_act", "working_days", 15, "2026-05-27",
		 "2026-05-27"},
		{"date=2026-04-02&delay=30WD&kind=waiting_period", "2026-04-02", "30WD", "waiting_period",
		 "working_days", 30, "2026-05-20", "2026-05-20"},
		{"date=2026-05-27&delay=15WD&kind=notice_before", "2026-05-27", "15WD", "notice_before", "working_days",
		 15, "2026-04-30", "2026-04-30"},
	};
	for (size_t i = 0; i < N(want); i++) {
		char path[160];
		snprintf(path, sizeof(path), "/v1/calendar/add?%s", want[i].query);
		json_t *j = get_ok(i % 2 ? &association : &bailiff, path);
		const json_t *dur = json_object_get(j, "duration");
		ck_assert_uint_eq(json_object_size(j), 8);
		ck_assert_str_eq(str(j, "date"), want[i].date);
		ck_assert_str_eq(str(j, "delay"), want[i].delay);
		ck_assert_str_eq(str(j, "kind"), want[i].kind);
		ck_assert_str_eq(str(dur, "unit"), want[i].unit);
		ck_assert_int_eq(json_integer_value(json_object_get(dur, "amount")), want[i].amount);
		ck_assert_msg(strcmp(str(j, "end_on"), want[i].end) == 0, "%s: end %s", path, str(j, "end_on"));
		ck_assert_msg(strcmp(str(j, "unextended_end_on"), want[i].unextended_end) == 0, "%s: unextended %s", path,
			      str(j, "unextended_end_on"));
		ck_assert(flag(j, "extended") == (strcmp(want[i].end, want[i].unextended_end) != 0));
		ck_assert_str_eq(str(j, "rule"), "CPC art. 640-642");
		json_decref(j);
	}
}
END_TEST

START_TEST(add_bad_requests)
{
	expect_400("/v1/calendar/add", "date");
	expect_400("/v1/calendar/add?delay=P6W", "date");
	expect_400("/v1/calendar/add?date=2027-02-29&delay=P6W", "date");
	expect_400("/v1/calendar/add?date=1989-12-31&delay=P6W", "date");
	expect_400("/v1/calendar/add?date=2101-01-01&delay=P6W", "date");
	expect_400("/v1/calendar/add?date=2027-04-05", "delay");
	expect_400("/v1/calendar/add?date=2027-04-05&delay=", "delay");
	static const char *const delays[] = {
		"P", "P0W", "0WD", "P06W", "p6w", "15wd", "P6", "6W", "P1M15D", "PT6H", "P1.5M", "P-6W", "-P6W",
		"P%2B6W", "P6W%20", "P521W", "P3651D", "P121M", "P11Y", "1001WD", "P99999999999999999999W",
		"P6W,P2M", "P15WD",
	};
	for (size_t i = 0; i < N(delays); i++) {
		char path[160];
		snprintf(path, sizeof(path), "/v1/calendar/add?date=2027-04-05&delay=%s", delays[i]);
		expect_400(path, "delay");
	}
	expect_400("/v1/calendar/add?date=2027-04-05&delay=P6W&delay=P2M", "delay");
	expect_400("/v1/calendar/add?date=2027-04-05&delay=P6W&kind=", "kind");
	expect_400("/v1/calendar/add?date=2027-04-05&delay=P6W&kind=threshold", "kind");
	expect_400("/v1/calendar/add?date=2027-04-05&delay=P6W&kind=Delay_to_act", "kind");
	expect_400("/v1/calendar/add?date=2027-04-05&delay=P6W&kind=notice", "kind");
	/* the longest delays from the edges of the window */
	json_t *j = get_ok(&bailiff, "/v1/calendar/add?date=2100-12-31&delay=P10Y");
	ck_assert_str_eq(str(j, "unextended_end_on"), "2110-12-31");
	json_decref(j);
	j = get_ok(&bailiff, "/v1/calendar/add?date=1990-01-01&delay=1000WD&kind=notice_before");
	/* about 252 working days a year: four years earlier */
	ck_assert_msg(strcmp(str(j, "end_on"), "1985-06-01") > 0 && strcmp(str(j, "end_on"), "1986-06-01") < 0, "%s",
		      str(j, "end_on"));
	json_decref(j);
}
END_TEST

/* No case data: every kind of organisation may ask, with a read-only token
 * too. */
START_TEST(every_kind_may_ask)
{
	static const struct {
		const char *kind, *territory;
	} kinds[] = {
		{"prefecture", NULL}, {"departement", NULL}, {"bailiff", NULL}, {"social_landlord", NULL},
		{"private_landlord", NULL}, {"caf", NULL}, {"adil", NULL},
		{"social_service", "{\"communes\":[\"91228\"]}"}, {"association", NULL}, {"banque_de_france", NULL},
	};
	for (size_t i = 0; i < N(kinds); i++) {
		struct party p;
		fixtures_party(&server, &admin, kinds[i].kind, kinds[i].territory, "read", &p);
		json_t *j = get_ok(&p, "/v1/calendar?from=2027-05-17&to=2027-05-17");
		ck_assert_str_eq(str(json_object_get(json_array_get(json_object_get(j, "days"), 0), "holiday"), "id"),
				 "whit_monday");
		json_decref(j);
		j = get_ok(&p, "/v1/calendar/add?date=2027-04-05&delay=P6W");
		ck_assert_str_eq(str(j, "end_on"), "2027-05-18");
		json_decref(j);
	}
}
END_TEST

START_TEST(no_token)
{
	static const char *const paths[] = {
		"/v1/calendar?from=2027-01-01&to=2027-01-31",
		"/v1/calendar/add?date=2027-04-05&delay=P6W",
		"/v1/calendar",
	};
	struct party forged;
	memset(&forged, 0, sizeof(forged));
	snprintf(forged.token, sizeof(forged.token), "not.a.token");
	for (size_t i = 0; i < N(paths); i++)
		for (int k = 0; k < 2; k++) {
			struct http_response resp = { 0 };
			int status = fixtures_call(&server, k ? &forged : NULL, "GET", paths[i], NULL, NULL, &resp);
			ck_assert_msg(status == 401, "%s answered %d", paths[i], status);
			ck_assert_str_eq(http_response_header(&resp, "Content-Type"), "application/problem+json");
			json_t *j = harness_json(&resp);
			ck_assert_str_eq(str(j, "type"), "/problems/unauthorized");
			json_decref(j);
			http_response_free(&resp);
		}
}
END_TEST

static Suite *calendar_suite(void)
{
	Suite *s = suite_create("calendar");
	TCase *tc = tcase_create("calendar");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, parties_new, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, days_over_easter_2027);
	tcase_add_test(tc, days_may_and_august_2027);
	tcase_add_test(tc, days_truce_starts);
	tcase_add_test(tc, days_whole_leap_year);
	tcase_add_test(tc, days_bad_requests);
	tcase_add_test(tc, add_each_kind_and_unit);
	tcase_add_test(tc, add_bad_requests);
	tcase_add_test(tc, every_kind_may_ask);
	tcase_add_test(tc, no_token);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixtures_run_suite(calendar_suite());
}
