#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/organisation.h"
#include "domain/parse.h"

START_TEST(integers_are_parsed_whole_and_in_range)
{
	int64_t v = 0;
	ck_assert_int_eq(parse_i64("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(parse_i64("-7", -10, 10, &v), 0);
	ck_assert_int_eq(v, -7);
	ck_assert_int_eq(parse_i64("100", 0, 100, &v), 0);
	ck_assert_int_eq(v, 100);
	ck_assert_int_eq(parse_i64("101", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64("-1", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64("", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64(NULL, 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64(" 4", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64("4 ", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64("4x", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64("5,7", 0, 100, &v), -1);
	ck_assert_int_eq(parse_i64("99999999999999999999", 0, INT64_MAX, &v), -1);
	ck_assert_int_eq(v, 100); /* untouched by failures */
}
END_TEST

START_TEST(sizes_take_binary_suffixes)
{
	int64_t v = 0;
	ck_assert_int_eq(parse_size("1024", 0, INT64_MAX, &v), 0);
	ck_assert_int_eq(v, 1024);
	ck_assert_int_eq(parse_size("64k", 0, INT64_MAX, &v), 0);
	ck_assert_int_eq(v, 65536);
	ck_assert_int_eq(parse_size("1M", 0, INT64_MAX, &v), 0);
	ck_assert_int_eq(v, 1048576);
	ck_assert_int_eq(parse_size("2G", 0, INT64_MAX, &v), 0);
	ck_assert_int_eq(v, 2147483648LL);
	ck_assert_int_eq(parse_size("1M", 0, 1000, &v), -1);
	ck_assert_int_eq(parse_size("k", 0, INT64_MAX, &v), -1);
	ck_assert_int_eq(parse_size("1.5M", 0, INT64_MAX, &v), -1);
	ck_assert_int_eq(parse_size("-1k", 0, INT64_MAX, &v), -1);
	ck_assert_int_eq(parse_size("9999999999999999G", 0, INT64_MAX, &v), -1);
}
END_TEST

START_TEST(uuids_are_canonical)
{
	ck_assert(parse_is_uuid("123e4567-e89b-42d3-a456-426614174000"));
	ck_assert(parse_is_uuid("123E4567-E89B-42D3-A456-426614174000"));
	ck_assert(!parse_is_uuid("123e4567e89b42d3a456426614174000"));
	ck_assert(!parse_is_uuid("123e4567-e89b-42d3-a456-42661417400"));
	ck_assert(!parse_is_uuid("123e4567-e89b-42d3-a456-4266141740000"));
	ck_assert(!parse_is_uuid("g23e4567-e89b-42d3-a456-426614174000"));
	ck_assert(!parse_is_uuid("123e4567-e89b-42d3-a456-426614174000,1"));
	ck_assert(!parse_is_uuid(NULL));
}
END_TEST

START_TEST(commune_and_epci_codes)
{
	ck_assert(org_insee_is_valid("91228"));
	ck_assert(org_insee_is_valid("2A004"));
	ck_assert(org_insee_is_valid("2B033"));
	ck_assert(!org_insee_is_valid("3A004"));
	ck_assert(!org_insee_is_valid("9122"));
	ck_assert(!org_insee_is_valid("912288"));
	ck_assert(!org_insee_is_valid("91a28"));
	ck_assert(org_siren_is_valid("200057859"));
	ck_assert(!org_siren_is_valid("20005785"));
	ck_assert(!org_siren_is_valid("20005785x"));
}
END_TEST

START_TEST(names_count_characters_not_bytes)
{
	char name[ORG_NAME_MAX * 2 + 2];
	/* 200 two-byte characters are a valid name; 201 are not. */
	for (int i = 0; i < ORG_NAME_MAX; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[2 * ORG_NAME_MAX] = '\0';
	ck_assert(org_name_is_valid(name));
	memcpy(name + 2 * ORG_NAME_MAX - 2, "\xc3\xa9" "e", 4);
	ck_assert(!org_name_is_valid(name));
	ck_assert(org_name_is_valid("Préfecture de l'Essonne"));
	ck_assert(!org_name_is_valid(""));
	ck_assert(!org_name_is_valid("tab\there"));
	ck_assert(!org_name_is_valid(NULL));
}
END_TEST

START_TEST(territories_refuse_duplicates_and_render_literals)
{
	struct territory *t = calloc(1, sizeof(*t));
	struct err err;
	ck_assert_int_eq(territory_add_commune(t, "91228", "c", &err), ERR_OK);
	ck_assert_int_eq(territory_add_commune(t, "91174", "c", &err), ERR_OK);
	ck_assert_int_eq(territory_add_commune(t, "91228", "c", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "c");
	ck_assert_int_eq(territory_add_commune(t, "x", "c", &err), ERR_INVALID);
	ck_assert_int_eq(territory_add_epci(t, "200057859", "e", &err), ERR_OK);
	ck_assert_int_eq(territory_add_epci(t, "2000578", "e", &err), ERR_INVALID);
	char buf[64];
	territory_communes_literal(t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{91228,91174}");
	territory_epcis_literal(t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{200057859}");
	memset(t, 0, sizeof(*t));
	territory_communes_literal(t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "{}");
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, integers_are_parsed_whole_and_in_range);
	tcase_add_test(tc, sizes_take_binary_suffixes);
	tcase_add_test(tc, uuids_are_canonical);
	tcase_add_test(tc, commune_and_epci_codes);
	tcase_add_test(tc, names_count_characters_not_bytes);
	tcase_add_test(tc, territories_refuse_duplicates_and_render_literals);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
