/* SIRET validation: Luhn, the La Poste exception, and strict shape. */
#include <check.h>
#include <stdlib.h>

#include "domain/siret.h"

/*
 * Luhn on 14 digits: counting positions from the left (1..14), the digits in
 * odd positions are doubled (9 subtracted when the double exceeds 9), the
 * others are taken as they are; the number is valid when the total is a
 * multiple of 10.
 *
 * 732 829 320 00074
 *   odd  7 2 2 3 0 0 7 -> 14-9=5, 4, 4, 6, 0, 0, 14-9=5 = 24
 *   even 3 8 9 2 0 0 4                              = 26   total 50: valid
 * 552 100 554 00013
 *   odd  5 2 0 5 4 0 1 -> 1, 4, 0, 1, 8, 0, 2        = 16
 *   even 5 1 0 5 0 0 3                              = 14   total 30: valid
 * 443 061 841 00047
 *   odd  4 3 6 8 1 0 4 -> 8, 6, 3, 7, 2, 0, 8        = 34
 *   even 4 0 1 4 0 0 7                              = 16   total 50: valid
 */
START_TEST(valid_luhn)
{
	ck_assert(siret_is_valid("73282932000074"));
	ck_assert(siret_is_valid("55210055400013"));
	ck_assert(siret_is_valid("44306184100047"));
}
END_TEST

/*
 * 732 829 320 00075: the check digit moves from 4 to 5, total 51.
 * 732 829 320 00047: the last two digits swapped: odd position 13 now holds 4
 *   (doubled 8 instead of 5) and position 14 holds 7 (instead of 4): 50 + 3
 *   + 3 = 56.
 * 552 100 554 00012: total 29.
 * 443 061 841 00046: total 49.
 */
START_TEST(invalid_luhn)
{
	ck_assert(!siret_is_valid("73282932000075"));
	ck_assert(!siret_is_valid("73282932000047"));
	ck_assert(!siret_is_valid("55210055400012"));
	ck_assert(!siret_is_valid("44306184100046"));
}
END_TEST

/*
 * La Poste (SIREN 356 000 000): the sum of the 14 digits must be a multiple
 * of 5 and the Luhn rule does not apply.
 * 356 000 000 49837: 3+5+6+4+9+8+3+7 = 45, a multiple of 5: valid, although
 *   its Luhn total is odd  3,6,0,0,0,9,3 -> 6,3,0,0,0,18-9=9,6 = 24,
 *   even 5,0,0,0,4,8,7 = 24, 48: Luhn alone would refuse it.
 * 356 000 000 00006: sum 3+5+6+6 = 20: valid.
 * 356 000 000 12345: sum 3+5+6+1+2+3+4+5 = 29: invalid.
 * 356 000 000 00014: Luhn holds (odd 3,6,1 -> 6,3,2 = 11; even 5,4 = 9;
 *   total 20) but the sum 3+5+6+1+4 = 19 is not a multiple of 5: invalid.
 * 356 000 000 00048, the head office: Luhn holds (odd 3,6,4 -> 6,3,8 = 17;
 *   even 5,8 = 13; total 30) while its sum is 26: accepted as INSEE's one
 *   exception to the exception.
 */
START_TEST(la_poste)
{
	ck_assert(siret_is_valid("35600000049837"));
	ck_assert(siret_is_valid("35600000000006"));
	ck_assert(!siret_is_valid("35600000012345"));
	ck_assert(!siret_is_valid("35600000000014"));
	ck_assert(siret_is_valid("35600000000048"));
	ck_assert(!siret_is_valid("35600000000049"));
}
END_TEST

START_TEST(wrong_shape)
{
	ck_assert(!siret_is_valid(NULL));
	ck_assert(!siret_is_valid(""));
	ck_assert(!siret_is_valid("7328293200007"));    /* 13 digits */
	ck_assert(!siret_is_valid("732829320000740"));  /* 15 digits */
	ck_assert(!siret_is_valid("732829320"));        /* a SIREN */
	ck_assert(!siret_is_valid("7328293200007A"));
	ck_assert(!siret_is_valid("A3282932000074"));
	ck_assert(!siret_is_valid("732 829 320 00074"));
	ck_assert(!siret_is_valid(" 73282932000074"));
	ck_assert(!siret_is_valid("73282932000074 "));
	ck_assert(!siret_is_valid("73282932000074\n"));
	ck_assert(!siret_is_valid("+3282932000074"));
	ck_assert(!siret_is_valid("-3282932000074"));
	ck_assert(!siret_is_valid("7328293200007\xd9\xa4")); /* Arabic-Indic four */
	ck_assert(!siret_is_valid("732829320O0074"));  /* letter O for zero */
}
END_TEST

static Suite *siret_suite(void)
{
	Suite *s = suite_create("siret");
	TCase *tc = tcase_create("siret");
	tcase_add_test(tc, valid_luhn);
	tcase_add_test(tc, invalid_luhn);
	tcase_add_test(tc, la_poste);
	tcase_add_test(tc, wrong_shape);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(siret_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
