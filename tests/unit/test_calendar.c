/* Dates and the French calendar. Every expected date below was worked out by
 * hand from a printed calendar, never by the code under test. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/date.h"

static struct date mk(int y, int m, int d)
{
	return (struct date){y, m, d};
}

#define ck_assert_date(got, yy, mm, dd)                                     \
	do {                                                                \
		struct date got_ = (got);                                   \
		ck_assert_msg(got_.y == (yy) && got_.m == (mm) &&           \
				      got_.d == (dd),                       \
			      "got %04d-%02d-%02d, expected %04d-%02d-%02d", \
			      got_.y, got_.m, got_.d, (yy), (mm), (dd));    \
	} while (0)

/* ---- dates ---- */

START_TEST(test_leap_years)
{
	ck_assert(date_is_leap_year(2024));
	ck_assert(date_is_leap_year(2000));
	ck_assert(!date_is_leap_year(1900));
	ck_assert(!date_is_leap_year(2100));
	ck_assert(!date_is_leap_year(2023));
	ck_assert_int_eq(date_days_in_month(2024, 2), 29);
	ck_assert_int_eq(date_days_in_month(2023, 2), 28);
	ck_assert_int_eq(date_days_in_month(2023, 4), 30);
	ck_assert_int_eq(date_days_in_month(2023, 12), 31);
	ck_assert_int_eq(date_days_in_month(2023, 13), 0);
}
END_TEST

START_TEST(test_parse_good)
{
	static const struct {
		const char *s;
		int y, m, d;
	} cases[] = {
		{"2024-02-29", 2024, 2, 29}, {"2023-07-29", 2023, 7, 29},
		{"0001-01-01", 1, 1, 1},     {"9999-12-31", 9999, 12, 31},
		{"2000-02-29", 2000, 2, 29}, {"2023-04-30", 2023, 4, 30},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date d = {0, 0, 0};
		struct err e;
		err_clear(&e);
		ck_assert_int_eq(date_parse(&d, cases[i].s, "date", &e),
				 ERR_OK);
		ck_assert_date(d, cases[i].y, cases[i].m, cases[i].d);
	}
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *const bad[] = {
		"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
		"2024-01-32", "2024-01-00", "2024-01-01x", "2024-1-01",
		" 2024-01-01", "2024/01/01", "", "20240101", "+024-01-01",
		"2024-01-1 ", "0000-01-01", "1900-02-29", "2100-02-29",
		"2024-01-01T00:00:00Z", "2024-O1-01", "-2024-01-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct date d = {7, 7, 7};
		struct err e;
		err_clear(&e);
		ck_assert_msg(date_parse(&d, bad[i], "hearing_date", &e) ==
				      ERR_INVALID,
			      "accepted \"%s\"", bad[i]);
		ck_assert_str_eq(e.field, "hearing_date");
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_date(d, 7, 7, 7);
	}
	struct date d = {7, 7, 7};
	ck_assert_int_eq(date_parse(&d, NULL, "date", NULL), ERR_INVALID);
}
END_TEST

START_TEST(test_format)
{
	char buf[DATE_STR_LEN];
	struct date d = mk(2024, 2, 9);
	date_format(buf, &d);
	ck_assert_str_eq(buf, "2024-02-09");
	d = mk(5, 1, 1);
	date_format(buf, &d);
	ck_assert_str_eq(buf, "0005-01-01");
	d = mk(2023, 12, 31);
	date_format(buf, &d);
	ck_assert_str_eq(buf, "2023-12-31");
}
END_TEST

START_TEST(test_epoch_days)
{
	struct date d = mk(1970, 1, 1);
	ck_assert_int_eq(date_to_days(&d), 0);
	d = mk(1969, 12, 31);
	ck_assert_int_eq(date_to_days(&d), -1);
	d = mk(2000, 1, 1);
	ck_assert_int_eq(date_to_days(&d), 10957);
	d = mk(2000, 3, 1);
	ck_assert_int_eq(date_to_days(&d), 11017);
	d = mk(2024, 1, 1); /* 1704067200 s / 86400 */
	ck_assert_int_eq(date_to_days(&d), 19723);
	d = mk(2024, 2, 29);
	ck_assert_int_eq(date_to_days(&d), 19782);
	date_from_days(&d, 19782);
	ck_assert_date(d, 2024, 2, 29);
	date_from_days(&d, -1);
	ck_assert_date(d, 1969, 12, 31);
	date_from_days(&d, 11017);
	ck_assert_date(d, 2000, 3, 1);
}
END_TEST

/* Walks day by day with a naive incrementer, independent of the formulas. */
START_TEST(test_epoch_days_walk)
{
	struct date d = mk(1600, 1, 1);
	int days = date_to_days(&d);
	/* plain comparisons: check's asserts mark each point through a pipe,
	 * too slow for 330,000 days */
	while (d.y < 2500) {
		struct date back;
		date_from_days(&back, days);
		if (date_cmp(&back, &d) != 0 || date_to_days(&d) != days)
			ck_abort_msg("%04d-%02d-%02d is not day %d", d.y, d.m,
				     d.d, days);
		if (d.d < date_days_in_month(d.y, d.m)) {
			d.d++;
		} else if (d.m < 12) {
			d.m++;
			d.d = 1;
		} else {
			d.y++;
			d.m = 1;
			d.d = 1;
		}
		days++;
	}
}
END_TEST

START_TEST(test_add_days)
{
	struct date d = mk(2024, 2, 28), r;
	date_add_days(&r, &d, 1);
	ck_assert_date(r, 2024, 2, 29);
	date_add_days(&r, &d, 2);
	ck_assert_date(r, 2024, 3, 1);
	d = mk(2023, 12, 31);
	date_add_days(&r, &d, 1);
	ck_assert_date(r, 2024, 1, 1);
	d = mk(2024, 3, 1);
	date_add_days(&r, &d, -1);
	ck_assert_date(r, 2024, 2, 29);
	d = mk(2023, 7, 29); /* 6 weeks: 2 days of July, 31 of August, 9 */
	date_add_days(&r, &d, 42);
	ck_assert_date(r, 2023, 9, 9);
	date_add_days(&d, &d, 0);
	ck_assert_date(d, 2023, 7, 29);
}
END_TEST

START_TEST(test_add_months)
{
	static const struct {
		struct date from;
		int months;
		struct date want;
	} cases[] = {
		{{2023, 1, 31}, 1, {2023, 2, 28}},
		{{2024, 1, 31}, 1, {2024, 2, 29}},
		{{2023, 12, 31}, 2, {2024, 2, 29}},
		{{2024, 12, 31}, 2, {2025, 2, 28}},
		{{2022, 12, 31}, 2, {2023, 2, 28}},
		{{2024, 3, 31}, 1, {2024, 4, 30}},
		{{2024, 5, 15}, 12, {2025, 5, 15}},
		{{2024, 11, 30}, 3, {2025, 2, 28}},
		{{2024, 8, 31}, 6, {2025, 2, 28}},
		{{2000, 1, 31}, 1, {2000, 2, 29}},
		{{1900, 1, 31}, 1, {1900, 2, 28}},
		{{2024, 3, 31}, -1, {2024, 2, 29}},
		{{2024, 1, 15}, -2, {2023, 11, 15}},
		{{2023, 7, 29}, 2, {2023, 9, 29}},
		{{2024, 2, 29}, 12, {2025, 2, 28}},
		{{2024, 2, 29}, 48, {2028, 2, 29}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date r;
		date_add_months(&r, &cases[i].from, cases[i].months);
		ck_assert_date(r, cases[i].want.y, cases[i].want.m,
			       cases[i].want.d);
	}
}
END_TEST

START_TEST(test_cmp_and_weekday)
{
	struct date a = mk(2024, 3, 1), b = mk(2024, 2, 29), c = mk(2024, 3, 1);
	ck_assert_int_gt(date_cmp(&a, &b), 0);
	ck_assert_int_lt(date_cmp(&b, &a), 0);
	ck_assert_int_eq(date_cmp(&a, &c), 0);
	struct date y1 = mk(2023, 12, 31), y2 = mk(2024, 1, 1);
	ck_assert_int_lt(date_cmp(&y1, &y2), 0);
	ck_assert_int_eq(date_diff_days(&b, &a), 1);
	ck_assert_int_eq(date_diff_days(&a, &b), -1);

	struct {
		struct date d;
		enum weekday w;
	} days[] = {
		{{1970, 1, 1}, WEEKDAY_THURSDAY},
		{{1969, 12, 31}, WEEKDAY_WEDNESDAY},
		{{2000, 1, 1}, WEEKDAY_SATURDAY},
		{{2024, 2, 29}, WEEKDAY_THURSDAY},
		{{2023, 7, 28}, WEEKDAY_FRIDAY},
		{{2023, 7, 29}, WEEKDAY_SATURDAY},
		{{2024, 7, 14}, WEEKDAY_SUNDAY},
		{{2026, 1, 5}, WEEKDAY_MONDAY},
	};
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		ck_assert_int_eq(date_weekday(&days[i].d), days[i].w);
}
END_TEST

/* ---- holidays ---- */

/* Easter Monday, Ascension Thursday and Whit Monday, from the published
 * French calendars. */
static const struct {
	int year;
	struct date easter_monday, ascension, whit_monday;
} movable[] = {
	{2019, {2019, 4, 22}, {2019, 5, 30}, {2019, 6, 10}},
	{2020, {2020, 4, 13}, {2020, 5, 21}, {2020, 6, 1}},
	{2021, {2021, 4, 5}, {2021, 5, 13}, {2021, 5, 24}},
	{2022, {2022, 4, 18}, {2022, 5, 26}, {2022, 6, 6}},
	{2023, {2023, 4, 10}, {2023, 5, 18}, {2023, 5, 29}},
	{2024, {2024, 4, 1}, {2024, 5, 9}, {2024, 5, 20}},
	{2025, {2025, 4, 21}, {2025, 5, 29}, {2025, 6, 9}},
	{2026, {2026, 4, 6}, {2026, 5, 14}, {2026, 5, 25}},
	{2027, {2027, 3, 29}, {2027, 5, 6}, {2027, 5, 17}},
	{2028, {2028, 4, 17}, {2028, 5, 25}, {2028, 6, 5}},
	{2029, {2029, 4, 2}, {2029, 5, 10}, {2029, 5, 21}},
	{2030, {2030, 4, 22}, {2030, 5, 30}, {2030, 6, 10}},
};

static struct date holiday_named(int year, const char *name)
{
	struct holiday h[CALENDAR_HOLIDAYS_PER_YEAR];
	calendar_holidays(h, year);
	for (int i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR; i++)
		if (strcmp(h[i].name, name) == 0)
			return h[i].date;
	ck_abort_msg("no holiday named %s", name);
	return mk(0, 0, 0);
}

START_TEST(test_movable_holidays)
{
	for (size_t i = 0; i < sizeof(movable) / sizeof(movable[0]); i++) {
		int y = movable[i].year;
		struct date em = holiday_named(y, "easter_monday");
		struct date as = holiday_named(y, "ascension");
		struct date wm = holiday_named(y, "whit_monday");
		ck_assert_date(em, movable[i].easter_monday.y,
			       movable[i].easter_monday.m,
			       movable[i].easter_monday.d);
		ck_assert_date(as, movable[i].ascension.y,
			       movable[i].ascension.m, movable[i].ascension.d);
		ck_assert_date(wm, movable[i].whit_monday.y,
			       movable[i].whit_monday.m,
			       movable[i].whit_monday.d);
		ck_assert(calendar_is_holiday(&movable[i].easter_monday));
		ck_assert(calendar_is_holiday(&movable[i].ascension));
		ck_assert(calendar_is_holiday(&movable[i].whit_monday));
		ck_assert(!calendar_is_working_day(&movable[i].ascension));
		ck_assert_int_eq(date_weekday(&movable[i].easter_monday),
				 WEEKDAY_MONDAY);
		ck_assert_int_eq(date_weekday(&movable[i].ascension),
				 WEEKDAY_THURSDAY);
		ck_assert_int_eq(date_weekday(&movable[i].whit_monday),
				 WEEKDAY_MONDAY);
		/* the Friday after Ascension ("pont") is worked */
		struct date fri;
		date_add_days(&fri, &movable[i].ascension, 1);
		ck_assert(calendar_is_working_day(&fri));
	}
}
END_TEST

START_TEST(test_easter_extremes)
{
	struct date e;
	calendar_easter(&e, 2285); /* earliest possible: 22 March */
	ck_assert_date(e, 2285, 3, 22);
	calendar_easter(&e, 2038); /* latest possible: 25 April */
	ck_assert_date(e, 2038, 4, 25);
	calendar_easter(&e, 2024);
	ck_assert_date(e, 2024, 3, 31);
	calendar_easter(&e, 2000);
	ck_assert_date(e, 2000, 4, 23);
}
END_TEST

START_TEST(test_holidays_2024_in_order)
{
	static const struct {
		int m, d;
		const char *name;
	} want[CALENDAR_HOLIDAYS_PER_YEAR] = {
		{1, 1, "new_year"},    {4, 1, "easter_monday"},
		{5, 1, "labour_day"},  {5, 8, "victory_in_europe_day"},
		{5, 9, "ascension"},   {5, 20, "whit_monday"},
		{7, 14, "national_day"}, {8, 15, "assumption"},
		{11, 1, "all_saints"}, {11, 11, "armistice_day"},
		{12, 25, "christmas"},
	};
	struct holiday h[CALENDAR_HOLIDAYS_PER_YEAR];
	calendar_holidays(h, 2024);
	for (int i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR; i++) {
		ck_assert_date(h[i].date, 2024, want[i].m, want[i].d);
		ck_assert_str_eq(h[i].name, want[i].name);
	}
}
END_TEST

/* Easter 2008 was on 23 March, so Ascension fell on 1 May. */
START_TEST(test_ascension_on_labour_day)
{
	struct holiday h[CALENDAR_HOLIDAYS_PER_YEAR];
	calendar_holidays(h, 2008);
	ck_assert_date(h[2].date, 2008, 5, 1);
	ck_assert_date(h[3].date, 2008, 5, 1);
	ck_assert_date(h[4].date, 2008, 5, 8);
	ck_assert_date(h[5].date, 2008, 5, 12); /* Whit Monday */
}
END_TEST

START_TEST(test_not_holidays)
{
	struct date d = mk(2024, 3, 29); /* Good Friday: Alsace-Moselle only */
	ck_assert(!calendar_is_holiday(&d));
	ck_assert(calendar_is_working_day(&d));
	d = mk(2024, 12, 26); /* Saint Stephen: Alsace-Moselle only */
	ck_assert(!calendar_is_holiday(&d));
	d = mk(2024, 3, 31); /* Easter Sunday: a Sunday, not a listed holiday */
	ck_assert(!calendar_is_holiday(&d));
	ck_assert(!calendar_is_working_day(&d));
	d = mk(2024, 5, 8);
	ck_assert(calendar_is_holiday(&d));
	d = mk(2024, 5, 11); /* Saturday */
	ck_assert(!calendar_is_holiday(&d));
	ck_assert(!calendar_is_working_day(&d));
	d = mk(2024, 5, 7); /* Tuesday */
	ck_assert(calendar_is_working_day(&d));
}
END_TEST

/* ---- working days ---- */

START_TEST(test_working_days_after)
{
	static const struct {
		struct date from;
		int n;
		struct date want;
	} cases[] = {
		{{2024, 5, 3}, 1, {2024, 5, 6}},   /* Fri -> Mon */
		{{2024, 5, 7}, 1, {2024, 5, 10}},  /* over 8 and 9 May */
		{{2024, 5, 7}, 3, {2024, 5, 14}},
		{{2024, 3, 30}, 1, {2024, 4, 2}},  /* Sat, Sun, Easter Monday */
		{{2024, 12, 24}, 2, {2024, 12, 27}},
		{{2024, 12, 27}, 5, {2025, 1, 6}}, /* over 1 January */
		{{2024, 5, 6}, 0, {2024, 5, 6}},
		/* 15: Apr 29, 30, May 2, 3, 6, 7, 10, 13, 14, 15, 16, 17, 21,
		 * 22, 23 (1, 8, 9 and 20 May are holidays) */
		{{2024, 4, 26}, 15, {2024, 5, 23}},
		/* a day that is itself a holiday starts the count */
		{{2024, 5, 1}, 1, {2024, 5, 2}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date r;
		calendar_add_working_days(&r, &cases[i].from, cases[i].n);
		ck_assert_date(r, cases[i].want.y, cases[i].want.m,
			       cases[i].want.d);
	}
}
END_TEST

START_TEST(test_working_days_before)
{
	static const struct {
		struct date from;
		int n;
		struct date want;
	} cases[] = {
		{{2024, 4, 1}, 1, {2024, 3, 29}},  /* to Good Friday */
		{{2024, 4, 2}, 1, {2024, 3, 29}},  /* over Easter Monday */
		/* 15, 14, 13, 10, then 9 and 8 May are holidays, 7 */
		{{2024, 5, 16}, 5, {2024, 5, 7}},
		{{2025, 1, 2}, 1, {2024, 12, 31}}, /* over 1 January */
		{{2024, 6, 3}, 1, {2024, 5, 31}},  /* Mon -> Fri */
		{{2024, 6, 3}, 0, {2024, 6, 3}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date r;
		calendar_subtract_working_days(&r, &cases[i].from, cases[i].n);
		ck_assert_date(r, cases[i].want.y, cases[i].want.m,
			       cases[i].want.d);
	}
}
END_TEST

START_TEST(test_extend_to_working_day)
{
	static const struct {
		struct date due, want;
	} cases[] = {
		{{2024, 6, 1}, {2024, 6, 3}},    /* Saturday */
		{{2024, 6, 2}, {2024, 6, 3}},    /* Sunday */
		{{2024, 7, 14}, {2024, 7, 15}},  /* Sunday and holiday */
		{{2024, 4, 30}, {2024, 4, 30}},  /* a working Tuesday */
		{{2024, 5, 8}, {2024, 5, 10}},   /* 8 May, then Ascension */
		{{2024, 11, 1}, {2024, 11, 4}},  /* holiday Friday, weekend */
		{{2024, 12, 28}, {2024, 12, 30}},
		{{2023, 12, 22}, {2023, 12, 22}},
		{{2026, 12, 25}, {2026, 12, 28}}, /* Christmas on a Friday */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date r = cases[i].due;
		calendar_extend_to_working_day(&r, &r);
		ck_assert_date(r, cases[i].want.y, cases[i].want.m,
			       cases[i].want.d);
	}
}
END_TEST

/* ---- winter truce ---- */

START_TEST(test_winter_truce_boundaries)
{
	struct date d = mk(2024, 10, 31);
	ck_assert(!calendar_in_winter_truce(&d));
	d = mk(2024, 11, 1);
	ck_assert(calendar_in_winter_truce(&d));
	d = mk(2024, 12, 31);
	ck_assert(calendar_in_winter_truce(&d));
	d = mk(2025, 1, 1);
	ck_assert(calendar_in_winter_truce(&d));
	d = mk(2025, 3, 31);
	ck_assert(calendar_in_winter_truce(&d));
	d = mk(2025, 4, 1);
	ck_assert(!calendar_in_winter_truce(&d));
	d = mk(2025, 7, 15);
	ck_assert(!calendar_in_winter_truce(&d));
}
END_TEST

START_TEST(test_skip_winter_truce)
{
	static const struct {
		struct date d, want;
	} cases[] = {
		{{2024, 11, 1}, {2025, 4, 1}},
		{{2024, 12, 31}, {2025, 4, 1}},
		{{2025, 2, 10}, {2025, 4, 1}},
		{{2025, 3, 31}, {2025, 4, 1}},
		{{2024, 10, 31}, {2024, 10, 31}},
		{{2025, 4, 1}, {2025, 4, 1}},
		{{2024, 2, 29}, {2024, 4, 1}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date r;
		calendar_skip_winter_truce(&r, &cases[i].d);
		ck_assert_date(r, cases[i].want.y, cases[i].want.m,
			       cases[i].want.d);
	}
}
END_TEST

/* ---- days of enforcement (CPCE L.141-1) ---- */

/* Easter Sundays 2024-2030 from the published tables, not the computus. */
static const struct date easter_sundays[] = {
	{2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5}, {2027, 3, 28},
	{2028, 4, 16}, {2029, 4, 1}, {2030, 4, 21},
};

/* Day of the week by Sakamoto's method, 0 = Sunday: independent of
 * date_weekday(). */
static int sakamoto_weekday(struct date d)
{
	static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
	int y = d.m < 3 ? d.y - 1 : d.y;
	return (y + y / 4 - y / 100 + y / 400 + t[d.m - 1] + d.d) % 7;
}

/* The public holidays of year from the hand Easter table: fixed days, then
 * Easter Monday, Ascension and Whit Monday as Easter + 1, 39 and 50 days. */
static bool hand_holiday(struct date d)
{
	static const int fixed[][2] = {{1, 1}, {5, 1}, {5, 8}, {7, 14},
				       {8, 15}, {11, 1}, {11, 11}, {12, 25}};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (d.m == fixed[i][0] && d.d == fixed[i][1])
			return true;
	struct date e = easter_sundays[d.y - 2024];
	static const int offsets[] = {1, 39, 50};
	for (size_t i = 0; i < 3; i++) {
		struct date h;
		date_add_days(&h, &e, offsets[i]);
		if (date_cmp(&h, &d) == 0)
			return true;
	}
	return false;
}

/* Every day of 2024-2030: Sundays and holidays are no days of enforcement,
 * every other day is, Saturdays included. */
START_TEST(test_enforcement_days_2024_2030)
{
	struct date d = mk(2024, 1, 1);
	int saturdays = 0, refused = 0;
	while (d.y <= 2030) {
		int wd = sakamoto_weekday(d);
		bool expected = wd != 0 && !hand_holiday(d);
		ck_assert_msg(calendar_is_enforcement_day(&d) == expected,
			      "%04d-%02d-%02d", d.y, d.m, d.d);
		saturdays += wd == 6 && calendar_is_enforcement_day(&d);
		refused += !expected;
		date_add_days(&d, &d, 1);
	}
	/* 365 Saturdays in those 7 years, a few of them holidays; 365 Sundays
	 * and 77 holidays, some on Sundays, refused */
	ck_assert_int_gt(saturdays, 350);
	ck_assert_int_gt(refused, 365 + 50);
}
END_TEST

/* The first eviction day on or after a day, worked out by hand:
 * Easter Monday, Ascension, Whit Monday and 15 August of each year give the
 * day after, unless it is a Sunday; the truce's end (1 April) moves past a
 * Sunday or Easter Monday. */
START_TEST(test_next_eviction_day)
{
	static const struct {
		struct date from, expected;
	} cases[] = {
		/* Easter Mondays */
		{{2024, 4, 1}, {2024, 4, 2}},   {{2025, 4, 21}, {2025, 4, 22}},
		{{2026, 4, 6}, {2026, 4, 7}},   {{2027, 3, 29}, {2027, 4, 1}},
		{{2028, 4, 17}, {2028, 4, 18}}, {{2029, 4, 2}, {2029, 4, 3}},
		{{2030, 4, 22}, {2030, 4, 23}},
		/* Ascension (Thursdays): the Friday after */
		{{2024, 5, 9}, {2024, 5, 10}},  {{2025, 5, 29}, {2025, 5, 30}},
		{{2026, 5, 14}, {2026, 5, 15}}, {{2027, 5, 6}, {2027, 5, 7}},
		{{2028, 5, 25}, {2028, 5, 26}}, {{2029, 5, 10}, {2029, 5, 11}},
		{{2030, 5, 30}, {2030, 5, 31}},
		/* Whit Mondays: the Tuesday after */
		{{2024, 5, 20}, {2024, 5, 21}}, {{2025, 6, 9}, {2025, 6, 10}},
		{{2026, 5, 25}, {2026, 5, 26}}, {{2027, 5, 17}, {2027, 5, 18}},
		{{2028, 6, 5}, {2028, 6, 6}},   {{2029, 5, 21}, {2029, 5, 22}},
		{{2030, 6, 10}, {2030, 6, 11}},
		/* 15 August; 2026 is a Saturday (a holiday: Sunday 16, so
		 * Monday 17); 2027 a Sunday */
		{{2024, 8, 15}, {2024, 8, 16}}, {{2025, 8, 15}, {2025, 8, 16}},
		{{2026, 8, 15}, {2026, 8, 17}}, {{2027, 8, 15}, {2027, 8, 16}},
		{{2028, 8, 15}, {2028, 8, 16}}, {{2029, 8, 15}, {2029, 8, 16}},
		{{2030, 8, 15}, {2030, 8, 16}},
		/* Sundays and Saturdays */
		{{2024, 6, 2}, {2024, 6, 3}},   {{2024, 6, 1}, {2024, 6, 1}},
		{{2026, 7, 11}, {2026, 7, 11}}, {{2026, 7, 12}, {2026, 7, 13}},
		/* 14 July 2024 is a Sunday and a holiday */
		{{2024, 7, 14}, {2024, 7, 15}},
		/* 1 and 8 May 2027 are Saturdays */
		{{2027, 5, 1}, {2027, 5, 3}},   {{2027, 5, 8}, {2027, 5, 10}},
		/* the truce: 31 October stays, 1 November and 31 March move
		 * to 1 April, which moves past a Sunday and Easter Monday */
		{{2024, 10, 31}, {2024, 10, 31}}, {{2024, 11, 1}, {2025, 4, 1}},
		{{2025, 3, 31}, {2025, 4, 1}},  {{2024, 3, 31}, {2024, 4, 2}},
		{{2029, 3, 31}, {2029, 4, 3}},  {{2028, 4, 1}, {2028, 4, 1}},
		/* 31 October 2027 is a Sunday: 1 November is in the truce */
		{{2027, 10, 31}, {2028, 4, 1}}, {{2026, 11, 11}, {2027, 4, 1}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date got;
		calendar_next_eviction_day(&got, &cases[i].from);
		ck_assert_date(got, cases[i].expected.y, cases[i].expected.m,
			       cases[i].expected.d);
		ck_assert(calendar_is_enforcement_day(&got));
		ck_assert(!calendar_in_winter_truce(&got));
	}
}
END_TEST

static Suite *calendar_suite(void)
{
	Suite *s = suite_create("calendar");
	TCase *tc = tcase_create("date");
	tcase_add_test(tc, test_leap_years);
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_epoch_days);
	tcase_add_test(tc, test_epoch_days_walk);
	tcase_add_test(tc, test_add_days);
	tcase_add_test(tc, test_add_months);
	tcase_add_test(tc, test_cmp_and_weekday);
	suite_add_tcase(s, tc);

	tc = tcase_create("holidays");
	tcase_add_test(tc, test_movable_holidays);
	tcase_add_test(tc, test_easter_extremes);
	tcase_add_test(tc, test_holidays_2024_in_order);
	tcase_add_test(tc, test_ascension_on_labour_day);
	tcase_add_test(tc, test_not_holidays);
	suite_add_tcase(s, tc);

	tc = tcase_create("working_days");
	tcase_add_test(tc, test_working_days_after);
	tcase_add_test(tc, test_working_days_before);
	tcase_add_test(tc, test_extend_to_working_day);
	suite_add_tcase(s, tc);

	tc = tcase_create("winter_truce");
	tcase_add_test(tc, test_winter_truce_boundaries);
	tcase_add_test(tc, test_skip_winter_truce);
	tcase_add_test(tc, test_enforcement_days_2024_2030);
	tcase_add_test(tc, test_next_eviction_day);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(calendar_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
