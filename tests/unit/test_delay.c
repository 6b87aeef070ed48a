/* Delays given from outside (P6W, P2M, 15WD ...), their end under CPC
 * art. 640-642, and the day-by-day calendar partners read. Every expected
 * date below was worked out by hand from a printed calendar, never by the
 * code under test. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/calendar_day.h"
#include "domain/date.h"
#include "domain/delay.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct date mk(int y, int m, int d)
{
	return (struct date){y, m, d};
}

static void assert_date(const struct date *got, const char *want, const char *what)
{
	char s[DATE_STR_LEN];
	date_format(s, got);
	ck_assert_msg(strcmp(s, want) == 0, "%s: got %s, expected %s", what, s, want);
}

/* ---- the parser ---- */

START_TEST(test_parse_good)
{
	static const struct {
		const char *s;
		int amount;
		enum duration_unit unit;
	} cases[] = {
		{"P1D", 1, DURATION_DAYS},
		{"P15D", 15, DURATION_DAYS},
		{"P3650D", 3650, DURATION_DAYS},
		{"P6W", 6, DURATION_WEEKS},
		{"P520W", 520, DURATION_WEEKS},
		{"P2M", 2, DURATION_MONTHS},
		{"P120M", 120, DURATION_MONTHS},
		{"P1Y", 12, DURATION_MONTHS},
		{"P10Y", 120, DURATION_MONTHS},
		{"1WD", 1, DURATION_WORKING_DAYS},
		{"15WD", 15, DURATION_WORKING_DAYS},
		{"1000WD", 1000, DURATION_WORKING_DAYS},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct duration d = {-1, DURATION_NONE};
		struct err e;
		err_clear(&e);
		ck_assert_msg(delay_parse(&d, cases[i].s, "delay", &e) == ERR_OK, "%s: %s", cases[i].s,
			      e.message);
		ck_assert_msg(d.amount == cases[i].amount && d.unit == cases[i].unit, "%s: got %d of unit %d",
			      cases[i].s, d.amount, (int)d.unit);
	}
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const cases[] = {
		"", "P", "PD", "P0D", "P0W", "P0M", "P0Y", "0WD", "P06W", "P00D", "015WD",
		"P-6W", "-P6W", "P+6W", "+15WD", "-15WD", "p6w", "P6w", "p2m", "15wd", "15Wd",
		"P6", "6W", "6", "WD", "P15WD", "P6WD", "P1M15D", "P1Y2M", "PT6H", "P1.5M",
		"P1,5M", " P6W", "P6W ", "P6W\n", "P 6W", "P6 W", "15 WD", "P6W6W", "P6WW",
		"P3651D", "P521W", "P121M", "P11Y", "1001WD", "P99999W", "P2147483647D",
		"P4294967302D", "P99999999999999999999W", "99999999999999999999WD",
		"P\xef\xbc\x96W", "\xe2\x80\x8bP6W",
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct duration d = {-7, DURATION_NONE};
		struct err e;
		err_clear(&e);
		ck_assert_msg(delay_parse(&d, cases[i], "delay", &e) == ERR_INVALID, "\"%s\" accepted", cases[i]);
		ck_assert_str_eq(e.field, "delay");
		ck_assert_msg(strstr(e.message, "delay") != NULL, "%s: %s", cases[i], e.message);
		ck_assert_msg(d.amount == -7 && d.unit == DURATION_NONE, "\"%s\" touched out", cases[i]);
	}
	struct duration d = {-7, DURATION_NONE};
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(delay_parse(&d, NULL, "delay", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "delay");
	ck_assert_int_eq(d.amount, -7);
}
END_TEST

START_TEST(test_parse_messages)
{
	struct duration d;
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(delay_parse(&d, "P521W", "delay", &e), ERR_INVALID);
	ck_assert_msg(strstr(e.message, "520 weeks") != NULL, "%s", e.message);
	ck_assert_int_eq(delay_parse(&d, "P11Y", "delay", &e), ERR_INVALID);
	ck_assert_msg(strstr(e.message, "10 years") != NULL, "%s", e.message);
	ck_assert_int_eq(delay_parse(&d, "0WD", "delay", &e), ERR_INVALID);
	ck_assert_msg(strstr(e.message, "1000 working_days") != NULL, "%s", e.message);
	ck_assert_int_eq(delay_parse(&d, "p6w", "delay", &e), ERR_INVALID);
	ck_assert_msg(strstr(e.message, "upper-case") != NULL, "%s", e.message);
	ck_assert_int_eq(delay_parse(&d, "P1M15D", "span", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "span");
	ck_assert_msg(strstr(e.message, "one amount and one unit") != NULL, "%s", e.message);
}
END_TEST

START_TEST(test_kind_names)
{
	static const enum rule_kind kinds[] = {RULE_DELAY_TO_ACT, RULE_WAITING_PERIOD, RULE_NOTICE_BEFORE};
	static const char *const names[] = {"delay_to_act", "waiting_period", "notice_before"};
	for (size_t i = 0; i < N(kinds); i++) {
		enum rule_kind k = RULE_THRESHOLD;
		ck_assert_str_eq(delay_kind_to_string(kinds[i]), names[i]);
		ck_assert_int_eq(delay_kind_from_string(names[i], &k), 0);
		ck_assert_int_eq(k, kinds[i]);
	}
	enum rule_kind k = RULE_DELAY_TO_ACT;
	ck_assert_str_eq(delay_kind_to_string(RULE_THRESHOLD), "");
	ck_assert_str_eq(delay_kind_to_string((enum rule_kind)99), "");
	ck_assert_int_eq(delay_kind_from_string("threshold", &k), -1);
	ck_assert_int_eq(delay_kind_from_string("Delay_to_act", &k), -1);
	ck_assert_int_eq(delay_kind_from_string("", &k), -1);
	ck_assert_int_eq(delay_kind_from_string(NULL, &k), -1);
	ck_assert_int_eq(k, RULE_DELAY_TO_ACT);
	ck_assert_str_eq(delay_unit_to_string(DURATION_WORKING_DAYS), "working_days");
	ck_assert_str_eq(delay_unit_to_string(DURATION_NONE), "");
}
END_TEST

/* ---- the end of a delay ---- */

START_TEST(test_end_table)
{
	static const struct {
		struct date from;
		const char *delay;
		enum rule_kind kind;
		const char *unextended, *end;
	} cases[] = {
		/* months: the same day number, or the month's last day */
		{{2026, 12, 31}, "P2M", RULE_WAITING_PERIOD, "2027-02-28", "2027-02-28"},
		/* ... a Sunday: a delay to act runs to Monday 1 March */
		{{2026, 12, 31}, "P2M", RULE_DELAY_TO_ACT, "2027-02-28", "2027-03-01"},
		/* leap year: Tuesday 29 February */
		{{2027, 12, 31}, "P2M", RULE_DELAY_TO_ACT, "2028-02-29", "2028-02-29"},
		{{2028, 2, 29}, "P1Y", RULE_DELAY_TO_ACT, "2029-02-28", "2029-02-28"},
		{{2028, 2, 29}, "P12M", RULE_WAITING_PERIOD, "2029-02-28", "2029-02-28"},
		/* 6 weeks from Monday 5 April 2027 end on Whit Monday: Tuesday */
		{{2027, 4, 5}, "P6W", RULE_DELAY_TO_ACT, "2027-05-17", "2027-05-18"},
		{{2027, 4, 5}, "P42D", RULE_DELAY_TO_ACT, "2027-05-17", "2027-05-18"},
		{{2027, 4, 5}, "P6W", RULE_WAITING_PERIOD, "2027-05-17", "2027-05-17"},
		/* 15 days from Friday 30 July 2027: Saturday 14 August, then
		 * Sunday 15 August (Assumption): Monday 16 */
		{{2027, 7, 30}, "P15D", RULE_DELAY_TO_ACT, "2027-08-14", "2027-08-16"},
		/* 2 weeks from 18 December 2026: Friday 1 January, then the
		 * weekend: Monday 4 January */
		{{2026, 12, 18}, "P2W", RULE_DELAY_TO_ACT, "2027-01-01", "2027-01-04"},
		/* working days in spring 2026: Easter Monday 6 April, Friday
		 * 1 May, Friday 8 May, Ascension 14 May, Whit Monday 25 May */
		{{2026, 4, 2}, "15WD", RULE_DELAY_TO_ACT, "2026-04-24", "2026-04-24"},
		{{2026, 4, 2}, "30WD", RULE_DELAY_TO_ACT, "2026-05-20", "2026-05-20"},
		{{2026, 4, 30}, "15WD", RULE_DELAY_TO_ACT, "2026-05-27", "2026-05-27"},
		{{2026, 4, 30}, "15WD", RULE_WAITING_PERIOD, "2026-05-27", "2026-05-27"},
		/* the N-th working day strictly after a holiday */
		{{2026, 5, 1}, "1WD", RULE_DELAY_TO_ACT, "2026-05-04", "2026-05-04"},
		/* notices before a date: backwards, never extended */
		{{2027, 6, 28}, "P6W", RULE_NOTICE_BEFORE, "2027-05-17", "2027-05-17"},
		{{2027, 4, 30}, "P2M", RULE_NOTICE_BEFORE, "2027-02-28", "2027-02-28"},
		{{2027, 3, 31}, "P1M", RULE_NOTICE_BEFORE, "2027-02-28", "2027-02-28"},
		{{2026, 5, 27}, "15WD", RULE_NOTICE_BEFORE, "2026-04-30", "2026-04-30"},
		{{2026, 5, 26}, "5WD", RULE_NOTICE_BEFORE, "2026-05-18", "2026-05-18"},
		{{2027, 1, 3}, "P2D", RULE_NOTICE_BEFORE, "2027-01-01", "2027-01-01"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct duration dur;
		struct delay_end r;
		struct err e;
		char what[64];
		err_clear(&e);
		snprintf(what, sizeof(what), "case %zu (%s, %s)", i, cases[i].delay,
			 delay_kind_to_string(cases[i].kind));
		ck_assert_int_eq(delay_parse(&dur, cases[i].delay, "delay", &e), ERR_OK);
		ck_assert_int_eq(delay_end_compute(&r, &cases[i].from, &dur, cases[i].kind, &e), ERR_OK);
		assert_date(&r.unextended_end, cases[i].unextended, what);
		assert_date(&r.end, cases[i].end, what);
		ck_assert_msg(r.extended == (strcmp(cases[i].unextended, cases[i].end) != 0), "%s: extended", what);
	}
}
END_TEST

/* The engine's own rule gives the same date as the service. */
START_TEST(test_end_matches_engine)
{
	const struct date from = mk(2027, 4, 5);
	struct date engine;
	struct delay_end r;
	struct duration dur;
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(rules_due_date(&engine, RULE_PAYMENT_ORDER_TIME_TO_PAY, &from, &from, NULL, &e), ERR_OK);
	ck_assert_int_eq(rules_duration_for(&dur, RULE_PAYMENT_ORDER_TIME_TO_PAY, &from, &e), ERR_OK);
	ck_assert_int_eq(delay_end_compute(&r, &from, &dur, RULE_DELAY_TO_ACT, &e), ERR_OK);
	ck_assert_int_eq(date_cmp(&engine, &r.end), 0);
	assert_date(&r.end, "2027-05-18", "time to pay");
}
END_TEST

/* Every duration rule of the engine, from every day of 2024 to 2030: the
 * service's end is the engine's due date. */
START_TEST(test_end_matches_every_rule)
{
	int compared = 0;
	for (int id = 0; id < RULE__COUNT; id++) {
		for (struct date d = mk(2024, 1, 1); d.y <= 2030; date_add_days(&d, &d, 1)) {
			const struct rule *r = NULL;
			struct date engine;
			struct delay_end mine;
			struct err e;
			err_clear(&e);
			if (rules_find(&r, (enum rule_id)id, &d, &e) != ERR_OK || r->kind == RULE_THRESHOLD)
				continue;
			ck_assert_int_eq(rules_due_date(&engine, (enum rule_id)id, &d, &d, NULL, &e), ERR_OK);
			ck_assert_int_eq(delay_end_compute(&mine, &d, &r->duration, r->kind, &e), ERR_OK);
			ck_assert_msg(date_cmp(&engine, &mine.end) == 0, "rule %d from %04d-%02d-%02d", id, d.y, d.m,
				      d.d);
			compared++;
		}
	}
	/* at least the eight duration rules of 2026, each over 2557 days */
	ck_assert_int_ge(compared, 8 * 2557);
}
END_TEST

START_TEST(test_end_refused)
{
	struct delay_end r;
	struct err e;
	struct date from = mk(2027, 4, 5), bad = mk(2027, 2, 29);
	struct duration six_weeks = {6, DURATION_WEEKS}, none = {6, DURATION_NONE}, negative = {-1, DURATION_DAYS},
			unknown = {6, (enum duration_unit)42};
	err_clear(&e);
	ck_assert_int_eq(delay_end_compute(&r, &bad, &six_weeks, RULE_DELAY_TO_ACT, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "date");
	ck_assert_int_eq(delay_end_compute(&r, &from, &six_weeks, RULE_THRESHOLD, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "kind");
	ck_assert_int_eq(delay_end_compute(&r, &from, &none, RULE_DELAY_TO_ACT, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "delay");
	ck_assert_int_eq(delay_end_compute(&r, &from, &negative, RULE_DELAY_TO_ACT, &e), ERR_INVALID);
	ck_assert_int_eq(delay_end_compute(&r, &from, &unknown, RULE_WAITING_PERIOD, &e), ERR_INVALID);
}
END_TEST

/* The longest delays from the edges of the window stay valid dates. */
START_TEST(test_end_extremes)
{
	static const char *const delays[] = {"P3650D", "P520W", "P120M", "P10Y", "1000WD"};
	static const enum rule_kind kinds[] = {RULE_DELAY_TO_ACT, RULE_WAITING_PERIOD, RULE_NOTICE_BEFORE};
	const struct date edges[] = {mk(1990, 1, 1), mk(2100, 12, 31)};
	for (size_t i = 0; i < N(delays); i++)
		for (size_t k = 0; k < N(kinds); k++)
			for (size_t j = 0; j < N(edges); j++) {
				struct duration dur;
				struct delay_end r;
				struct err e;
				err_clear(&e);
				ck_assert_int_eq(delay_parse(&dur, delays[i], "delay", &e), ERR_OK);
				ck_assert_int_eq(delay_end_compute(&r, &edges[j], &dur, kinds[k], &e), ERR_OK);
				ck_assert(date_is_valid(&r.end));
				ck_assert(date_cmp(&r.end, &edges[j]) != 0);
				ck_assert((date_cmp(&r.end, &edges[j]) < 0) == (kinds[k] == RULE_NOTICE_BEFORE));
				ck_assert(date_diff_days(&r.end, &edges[j]) <= 3660 &&
					  date_diff_days(&edges[j], &r.end) <= 3660);
			}
}
END_TEST

/* ---- the calendar of days ---- */

START_TEST(test_days_2027)
{
	static const struct {
		struct date d;
		const char *weekday, *holiday, *name;
		bool working, truce, eviction;
	} cases[] = {
		{{2027, 3, 28}, "sunday", NULL, NULL, false, true, false},   /* Easter Sunday: no holiday of its own */
		{{2027, 3, 29}, "monday", "easter_monday", "Lundi de Pâques", false, true, false},
		{{2027, 3, 30}, "tuesday", NULL, NULL, true, true, false},
		{{2027, 3, 31}, "wednesday", NULL, NULL, true, true, false},
		{{2027, 4, 1}, "thursday", NULL, NULL, true, false, true},
		{{2027, 4, 3}, "saturday", NULL, NULL, false, false, true},
		{{2027, 4, 4}, "sunday", NULL, NULL, false, false, false},
		{{2027, 5, 1}, "saturday", "labour_day", "Fête du Travail", false, false, false},
		{{2027, 5, 6}, "thursday", "ascension", "Ascension", false, false, false},
		{{2027, 5, 7}, "friday", NULL, NULL, true, false, true},
		{{2027, 5, 8}, "saturday", "victory_in_europe_day", "Victoire 1945", false, false, false},
		{{2027, 5, 16}, "sunday", NULL, NULL, false, false, false},
		{{2027, 5, 17}, "monday", "whit_monday", "Lundi de Pentecôte", false, false, false},
		{{2027, 7, 14}, "wednesday", "national_day", "Fête nationale", false, false, false},
		{{2027, 8, 15}, "sunday", "assumption", "Assomption", false, false, false},
		{{2027, 10, 30}, "saturday", NULL, NULL, false, false, true},
		{{2027, 10, 31}, "sunday", NULL, NULL, false, false, false},
		{{2027, 11, 1}, "monday", "all_saints", "Toussaint", false, true, false},
		{{2027, 11, 2}, "tuesday", NULL, NULL, true, true, false},
		{{2027, 11, 11}, "thursday", "armistice_day", "Armistice 1918", false, true, false},
		{{2027, 12, 25}, "saturday", "christmas", "Noël", false, true, false},
		{{2027, 1, 1}, "friday", "new_year", "Jour de l'an", false, true, false},
		{{2026, 10, 31}, "saturday", NULL, NULL, false, false, true},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct calendar_day day;
		char what[DATE_STR_LEN];
		date_format(what, &cases[i].d);
		calendar_day_describe(&day, &cases[i].d);
		ck_assert_int_eq(date_cmp(&day.date, &cases[i].d), 0);
		ck_assert_msg(strcmp(calendar_day_weekday_name(day.weekday), cases[i].weekday) == 0, "%s: %s", what,
			      calendar_day_weekday_name(day.weekday));
		if (cases[i].holiday == NULL) {
			ck_assert_msg(day.holiday_id == NULL && day.holiday_name == NULL, "%s: holiday %s", what,
				      day.holiday_id);
		} else {
			ck_assert_msg(day.holiday_id != NULL, "%s: no holiday", what);
			ck_assert_str_eq(day.holiday_id, cases[i].holiday);
			ck_assert_str_eq(day.holiday_name, cases[i].name);
		}
		ck_assert_msg(day.working_day == cases[i].working, "%s: working_day", what);
		ck_assert_msg(day.winter_truce == cases[i].truce, "%s: winter_truce", what);
		ck_assert_msg(day.eviction_allowed == cases[i].eviction, "%s: eviction_allowed", what);
	}
}
END_TEST

/* 2008: Ascension on Thursday 1 May; the day is named Labour Day. */
START_TEST(test_days_ascension_on_labour_day)
{
	struct calendar_day day;
	struct date d = mk(2008, 5, 1);
	calendar_day_describe(&day, &d);
	ck_assert_str_eq(day.holiday_id, "labour_day");
	ck_assert(!day.working_day && !day.eviction_allowed);
	ck_assert_str_eq(calendar_day_holiday_name("ascension"), "Ascension");
	ck_assert_ptr_null(calendar_day_holiday_name("easter_sunday"));
	ck_assert_ptr_null(calendar_day_holiday_name(NULL));
	ck_assert_str_eq(calendar_day_weekday_name((enum weekday)0), "");
	ck_assert_str_eq(calendar_day_weekday_name((enum weekday)8), "");
}
END_TEST

/* Every holiday of every year of the window has a French name. */
START_TEST(test_days_every_holiday_named)
{
	for (int y = CALENDAR_DAY_FIRST_YEAR; y <= CALENDAR_DAY_LAST_YEAR; y++) {
		struct holiday h[CALENDAR_HOLIDAYS_PER_YEAR];
		calendar_holidays(h, y);
		for (int i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR; i++) {
			struct calendar_day day;
			calendar_day_describe(&day, &h[i].date);
			ck_assert_ptr_nonnull(day.holiday_name);
			ck_assert(!day.working_day && !day.eviction_allowed);
		}
	}
}
END_TEST

START_TEST(test_days_window_and_range)
{
	static const struct {
		const char *s;
		bool ok;
	} dates[] = {
		{"1989-12-31", false}, {"1990-01-01", true}, {"2100-12-31", true}, {"2101-01-01", false},
		{"0001-01-01", false}, {"9999-12-31", false}, {"2027-02-29", false}, {"2027-3-1", false},
		{"", false},
	};
	for (size_t i = 0; i < N(dates); i++) {
		struct date d = {0, 0, 0};
		struct err e;
		err_clear(&e);
		int rc = calendar_day_parse(&d, dates[i].s, "from", &e);
		ck_assert_msg((rc == ERR_OK) == dates[i].ok, "%s: %d", dates[i].s, rc);
		if (!dates[i].ok) {
			ck_assert_str_eq(e.field, "from");
			ck_assert_int_eq(d.y, 0);
		}
	}
	struct err e;
	err_clear(&e);
	struct date from = mk(2028, 1, 1), leap_end = mk(2028, 12, 31), next = mk(2029, 1, 1);
	struct date before = mk(2027, 12, 31);
	ck_assert_int_eq(calendar_day_check_range(&from, &from, "to", &e), ERR_OK);
	ck_assert_int_eq(calendar_day_check_range(&from, &leap_end, "to", &e), ERR_OK);
	ck_assert_int_eq(calendar_day_check_range(&from, &next, "to", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "to");
	ck_assert_msg(strstr(e.message, "367") != NULL, "%s", e.message);
	ck_assert_int_eq(calendar_day_check_range(&from, &before, "to", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "to");
}
END_TEST

static Suite *delay_suite(void)
{
	Suite *s = suite_create("delay");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_messages);
	tcase_add_test(tc, test_kind_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("end");
	tcase_add_test(tc, test_end_table);
	tcase_add_test(tc, test_end_matches_engine);
	tcase_add_test(tc, test_end_matches_every_rule);
	tcase_add_test(tc, test_end_refused);
	tcase_add_test(tc, test_end_extremes);
	suite_add_tcase(s, tc);

	tc = tcase_create("days");
	tcase_add_test(tc, test_days_2027);
	tcase_add_test(tc, test_days_ascension_on_labour_day);
	tcase_add_test(tc, test_days_every_holiday_named);
	tcase_add_test(tc, test_days_window_and_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(delay_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
