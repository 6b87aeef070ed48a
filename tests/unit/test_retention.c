/* The retention table (domain/retention.c): complete rows, ids found by
 * name, terms as ISO 8601 durations, and the erasure reason's limits. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/retention.h"

START_TEST(every_rule_is_complete_and_named_once)
{
	size_t n = 0;
	const struct retention_rule *rules = retention_rules(&n);
	ck_assert_uint_ge(n, 10);
	for (size_t i = 0; i < n; i++) {
		const struct retention_rule *r = &rules[i];
		ck_assert_msg(r->record[0] && r->covers[0] && r->starts[0] && r->basis[0], "rule %zu", i);
		ck_assert_int_gt(r->amount, 0);
		ck_assert_str_ne(retention_unit_name(r->unit), "");
		ck_assert_str_ne(retention_action_name(r->action), "");
		ck_assert_ptr_eq(retention_rule_find(r->record), r);
		for (size_t j = i + 1; j < n; j++)
			ck_assert_str_ne(r->record, rules[j].record);
	}
	ck_assert_ptr_null(retention_rule_find("nothing"));
	ck_assert_ptr_null(retention_rule_find(NULL));
}
END_TEST

/* The terms the purge and the documentation rely on. */
START_TEST(the_terms_of_the_law)
{
	const struct retention_rule *h = retention_rule_find("household");
	ck_assert_int_eq(h->unit, RETENTION_MONTHS);
	ck_assert_int_eq(h->amount, 24);
	ck_assert_int_eq(h->action, RETENTION_ANONYMISE);
	ck_assert_ptr_nonnull(h->kept_while);
	const struct retention_rule *audit = retention_rule_find("audit");
	ck_assert_int_eq(audit->unit, RETENTION_DAYS);
	ck_assert_int_ge(audit->amount, 183);
	ck_assert_int_le(audit->amount, 366);
	ck_assert_int_eq(audit->action, RETENTION_DELETE);
	/* Every record attached to a household goes with it. */
	static const char *const attached[] = { "procedure", "referral", "opinion", "diagnostic", "prevention_letter",
						"masp_measure", "outreach", "caf" };
	for (size_t i = 0; i < sizeof(attached) / sizeof(attached[0]); i++) {
		const struct retention_rule *r = retention_rule_find(attached[i]);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(r->amount, h->amount);
		ck_assert_int_eq(r->unit, h->unit);
		ck_assert_int_eq(r->action, RETENTION_ANONYMISE);
	}
}
END_TEST

START_TEST(durations_are_iso_8601)
{
	char out[24];
	retention_duration_format(out, sizeof(out), retention_rule_find("household"));
	ck_assert_str_eq(out, "P24M");
	retention_duration_format(out, sizeof(out), retention_rule_find("audit"));
	ck_assert_str_eq(out, "P365D");
	retention_duration_format(out, sizeof(out), retention_rule_find("import"));
	ck_assert_str_eq(out, "PT48H");
	ck_assert_str_eq(retention_unit_name((enum retention_unit)99), "");
	ck_assert_str_eq(retention_action_name((enum retention_action)99), "");
}
END_TEST

START_TEST(reason_counts_characters)
{
	struct err err;
	char text[RETENTION_REASON_BYTES];
	ck_assert_int_eq(retention_reason_check("demande", &err), ERR_OK);
	ck_assert_int_eq(retention_reason_check("", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "reason");
	/* 500 two-byte characters pass, 501 do not. */
	text[0] = '\0';
	for (int i = 0; i < RETENTION_REASON_MAX; i++)
		strcat(text, "é");
	ck_assert_int_eq(retention_reason_check(text, &err), ERR_OK);
	strcat(text, "é");
	ck_assert_int_eq(retention_reason_check(text, &err), ERR_INVALID);
	memset(text, 'a', RETENTION_REASON_MAX + 1);
	text[RETENTION_REASON_MAX + 1] = '\0';
	ck_assert_int_eq(retention_reason_check(text, &err), ERR_INVALID);
	text[RETENTION_REASON_MAX] = '\0';
	ck_assert_int_eq(retention_reason_check(text, &err), ERR_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("retention");
	TCase *tc = tcase_create("retention");
	tcase_add_test(tc, every_rule_is_complete_and_named_once);
	tcase_add_test(tc, the_terms_of_the_law);
	tcase_add_test(tc, durations_are_iso_8601);
	tcase_add_test(tc, reason_counts_characters);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
