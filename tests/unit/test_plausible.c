#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/plausible.h"

static const struct date today = { 2026, 12, 2 };

static int check(const char *s, enum date_kind kind, struct err *e)
{
	struct date d = { 0, 0, 0 };
	err_clear(e);
	return plausible_date_parse(&d, s, kind, &today, "date", e);
}

START_TEST(act_dates_run_from_1990_to_two_years_ahead)
{
	struct err e;
	ck_assert_int_eq(check("1990-01-01", DATE_KIND_ACT, &e), ERR_OK);
	ck_assert_int_eq(check("2028-12-02", DATE_KIND_ACT, &e), ERR_OK);
	ck_assert_int_eq(check("1989-12-31", DATE_KIND_ACT, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "date");
	ck_assert_ptr_nonnull(strstr(e.message, "1990-01-01"));
	ck_assert_ptr_nonnull(strstr(e.message, "2028-12-02"));
	ck_assert_int_eq(check("2028-12-03", DATE_KIND_ACT, &e), ERR_INVALID);
	ck_assert_int_eq(check("0001-01-01", DATE_KIND_ACT, &e), ERR_INVALID);
	ck_assert_int_eq(check("9999-12-31", DATE_KIND_ACT, &e), ERR_INVALID);
	/* Malformed dates are refused before the window. */
	ck_assert_int_eq(check("2020-02-30", DATE_KIND_ACT, &e), ERR_INVALID);
	ck_assert_int_eq(check("2020-1-01", DATE_KIND_ACT, &e), ERR_INVALID);
}
END_TEST

START_TEST(each_kind_has_its_window)
{
	struct err e;
	ck_assert_int_eq(check("1900-01-01", DATE_KIND_BIRTH, &e), ERR_OK);
	ck_assert_int_eq(check("2026-12-02", DATE_KIND_BIRTH, &e), ERR_OK);
	ck_assert_int_eq(check("2026-12-03", DATE_KIND_BIRTH, &e), ERR_INVALID);
	ck_assert_int_eq(check("1899-12-31", DATE_KIND_BIRTH, &e), ERR_INVALID);
	ck_assert_int_eq(check("1950-01-01", DATE_KIND_LEASE, &e), ERR_OK);
	ck_assert_int_eq(check("1949-12-31", DATE_KIND_LEASE, &e), ERR_INVALID);
	ck_assert_int_eq(check("2027-12-02", DATE_KIND_LEASE, &e), ERR_OK);
	ck_assert_int_eq(check("2027-12-03", DATE_KIND_LEASE, &e), ERR_INVALID);
	ck_assert_int_eq(check("1999-12-31", DATE_KIND_COMMISSION, &e), ERR_INVALID);
	ck_assert_int_eq(check("2028-12-02", DATE_KIND_COMMISSION, &e), ERR_OK);
	ck_assert_int_eq(check("2000-01-01", DATE_KIND_FIELD_WORK, &e), ERR_OK);
	ck_assert_int_eq(check("2027-12-03", DATE_KIND_FIELD_WORK, &e), ERR_INVALID);
	ck_assert_int_eq(check("2036-12-02", DATE_KIND_PLAN, &e), ERR_OK);
	ck_assert_int_eq(check("2036-12-03", DATE_KIND_PLAN, &e), ERR_INVALID);
	/* Queries are wider, but not unbounded. */
	ck_assert_int_eq(check("1900-01-01", DATE_KIND_QUERY, &e), ERR_OK);
	ck_assert_int_eq(check("2126-12-02", DATE_KIND_QUERY, &e), ERR_OK);
	ck_assert_int_eq(check("0001-01-01", DATE_KIND_QUERY, &e), ERR_INVALID);
	ck_assert_int_eq(check("9999-12-31", DATE_KIND_QUERY, &e), ERR_INVALID);
}
END_TEST

START_TEST(a_leap_day_today_still_has_a_window)
{
	struct date leap = { 2028, 2, 29 }, first, last, d = { 2030, 2, 28 };
	plausible_date_window(DATE_KIND_ACT, &leap, &first, &last);
	ck_assert_int_eq(last.y, 2030);
	ck_assert_int_eq(last.m, 2);
	ck_assert_int_eq(last.d, 28);
	ck_assert_int_eq(plausible_date_check(&d, DATE_KIND_ACT, &leap, "date", NULL), ERR_OK);
	d.m = 3;
	d.d = 1;
	ck_assert_int_eq(plausible_date_check(&d, DATE_KIND_ACT, &leap, "date", NULL), ERR_INVALID);
}
END_TEST

START_TEST(failures_leave_the_output_untouched)
{
	struct date d = { 2020, 5, 6 };
	struct err e;
	ck_assert_int_eq(plausible_date_parse(&d, "1900-01-01", DATE_KIND_ACT, &today, "hearing_date", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "hearing_date");
	ck_assert_int_eq(d.y, 2020);
	ck_assert_int_eq(d.m, 5);
	ck_assert_int_eq(d.d, 6);
}
END_TEST

static const char *trimmed(const char *s)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	return plausible_trim(buf);
}

START_TEST(trimming_removes_white_space_at_both_ends_only)
{
	ck_assert_str_eq(trimmed("  Dupont  "), "Dupont");
	ck_assert_str_eq(trimmed("\t\r\nJean  Dupont\n"), "Jean  Dupont");
	ck_assert_str_eq(trimmed("\xC2\xA0" "Dupont" "\xC2\xA0"), "Dupont");
	ck_assert_str_eq(trimmed("L\xC3\xA9on"), "L\xC3\xA9on");
	ck_assert_str_eq(trimmed("   "), "");
	ck_assert_str_eq(trimmed(""), "");
	ck_assert_str_eq(trimmed("x"), "x");
	ck_assert(plausible_is_blank(""));
	ck_assert(plausible_is_blank(" \t\r\n\xC2\xA0"));
	ck_assert(!plausible_is_blank(" a "));
}
END_TEST

START_TEST(control_characters_are_refused_by_kind)
{
	ck_assert(plausible_text_ok("Dupont", TEXT_LINE));
	ck_assert(plausible_text_ok("L\xC3\xA9on \xE2\x82\xAC", TEXT_LINE));
	ck_assert(!plausible_text_ok("Du\x01pont", TEXT_LINE));
	ck_assert(!plausible_text_ok("Du\tpont", TEXT_LINE));
	ck_assert(!plausible_text_ok("Du\npont", TEXT_LINE));
	ck_assert(!plausible_text_ok("Du\x7Fpont", TEXT_LINE));
	ck_assert(!plausible_text_ok("Du\xC2\x80pont", TEXT_LINE));
	ck_assert(!plausible_text_ok("Du\xC2\x9Fpont", TEXT_LINE));
	ck_assert(plausible_text_ok("Du\xC2\xA0pont", TEXT_LINE));
	ck_assert(plausible_text_ok("one\r\ntwo\tthree", TEXT_MULTILINE));
	ck_assert(!plausible_text_ok("one\x1b[2Jtwo", TEXT_MULTILINE));
	ck_assert(!plausible_text_ok("one\x7F", TEXT_MULTILINE));
	ck_assert(!plausible_text_ok("one\xC2\x85two", TEXT_MULTILINE));
	struct err e;
	ck_assert_int_eq(plausible_text_check("   ", TEXT_LINE, "name", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "name");
	ck_assert_int_eq(plausible_text_check("a\x01", TEXT_LINE, "name", &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "name");
	ck_assert_int_eq(plausible_text_check("a\nb", TEXT_MULTILINE, "note", &e), ERR_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plausible");
	TCase *tc = tcase_create("plausible");
	tcase_add_test(tc, act_dates_run_from_1990_to_two_years_ahead);
	tcase_add_test(tc, each_kind_has_its_window);
	tcase_add_test(tc, a_leap_day_today_still_has_a_window);
	tcase_add_test(tc, failures_leave_the_output_untouched);
	tcase_add_test(tc, trimming_removes_white_space_at_both_ends_only);
	tcase_add_test(tc, control_characters_are_refused_by_kind);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
