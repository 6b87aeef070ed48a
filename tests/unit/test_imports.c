/* The rules on imported items, one at a time. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/imports.h"

static const struct date today = { 2026, 12, 2 };

static struct import_caf_signal good_signal(void)
{
	return (struct import_caf_signal){ .caf_number = "1234567", .address_line = "2 rue Haute", .postcode = "91000",
					   .insee = "91228", .debt_cents = 120000, .months_unpaid = 3,
					   .benefit_status = CAF_BENEFIT_KEPT, .paid_to_landlord = true,
					   .date = { 2026, 11, 20 } };
}

START_TEST(caf_signals)
{
	struct err e;
	struct import_caf_signal s = good_signal();
	ck_assert_int_eq(import_check_caf_signal(&s, &today, &e), ERR_OK);
	s.caf_number = "12a";
	ck_assert_int_eq(import_check_caf_signal(&s, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "caf_number");
	s = good_signal();
	s.debt_cents = -1;
	ck_assert_int_eq(import_check_caf_signal(&s, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "debt_cents");
	s = good_signal();
	s.postcode = "9100";
	ck_assert_int_eq(import_check_caf_signal(&s, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "address.postcode");
	s = good_signal();
	s.months_unpaid = 2000;
	ck_assert_int_eq(import_check_caf_signal(&s, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "months_unpaid");
	s = good_signal();
	s.address_line = "two\nlines";
	ck_assert_int_eq(import_check_caf_signal(&s, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "address.line");
}
END_TEST

START_TEST(adil_contacts_and_external_ids)
{
	struct err e;
	struct import_adil_contact c = { .date = { 2021, 3, 4 }, .party = ADIL_PARTY_LANDLORD, .subject = "bail",
					 .outcome = ADIL_OUTCOME_INFORMATION_GIVEN };
	ck_assert_int_eq(import_check_adil_contact(&c, &today, &e), ERR_OK);
	c.household_id = "not-a-uuid";
	ck_assert_int_eq(import_check_adil_contact(&c, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "household_id");
	c.household_id = NULL;
	c.subject = "";
	ck_assert_int_eq(import_check_adil_contact(&c, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "subject");
	c.subject = "\t";
	ck_assert_int_eq(import_check_adil_contact(&c, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "subject");
	c.subject = "bail";
	c.date = (struct date){ 1999, 12, 31 };
	ck_assert_int_eq(import_check_adil_contact(&c, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "date");
	c.date = (struct date){ 9999, 12, 31 };
	ck_assert_int_eq(import_check_adil_contact(&c, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "date");
	c.date = (struct date){ 2021, 3, 4 };
	ck_assert_int_eq(import_check_external_id("CJ-2026/001", &e), ERR_OK);
	ck_assert_int_eq(import_check_external_id("", &e), ERR_INVALID);
	char longer[128];
	memset(longer, 'x', 101);
	longer[101] = '\0';
	ck_assert_int_eq(import_check_external_id(longer, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "external_id");
}
END_TEST

START_TEST(acts)
{
	struct err e;
	struct import_act a = { .file_reference = "CJ-1", .ev = { .kind = EVENT_SUMMONS, .date = { 2025, 11, 3 } } };
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_OK);
	a.ev.correction = true;
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "corrects");
	a.ev.correction = false;
	a.has_household = true;
	a.household = (struct import_household){ .address_line = "1 rue", .postcode = "91000", .insee = "91228",
						  .sector = SECTOR_SOCIAL, .landlord_name = "M. Dupont" };
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_UNPROCESSABLE);
	ck_assert_str_eq(e.field, "household.landlord");
	a.household.sector = SECTOR_PRIVATE;
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_OK);
	a.household.insee = "9";
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "household.address.insee");
	a.file_reference = NULL;
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "file_reference");
	/* Issue 13: dates in the window of acts, no blank or control text. */
	a.file_reference = "CJ-1";
	a.household.insee = "91228";
	a.ev.date = (struct date){ 1990, 1, 1 };
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_OK);
	a.ev.date = (struct date){ 1989, 12, 31 };
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "date");
	a.ev.date = (struct date){ 2028, 12, 3 };
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "date");
	a.ev.date = (struct date){ 2025, 11, 3 };
	a.holder_name = "   ";
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "holder_name");
	a.holder_name = "Du\xC2\x85pont";
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "holder_name");
	a.holder_name = NULL;
	a.caf_number = "";
	ck_assert_int_eq(import_check_act(&a, &today, &e), ERR_INVALID);
	ck_assert_str_eq(e.field, "caf_number");
}
END_TEST

START_TEST(duplicates_and_names)
{
	const char *ids[] = { "a", "b", NULL, "a", "c", "b", "a" };
	int first[7];
	ck_assert_int_eq(import_find_duplicates(ids, 7, first), 0);
	int want[] = { -1, -1, -1, 0, -1, 1, 0 };
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(first[i], want[i]);
	enum import_kind k;
	ck_assert_int_eq(import_parse_kind("caf-signals", &k), 0);
	ck_assert_int_eq(k, IMPORT_CAF_SIGNALS);
	ck_assert_int_eq(import_parse_kind("caf_signals", &k), -1);
	ck_assert_str_eq(import_kind_name(IMPORT_ADIL_CONTACTS), "adil-contacts");
	ck_assert_int_eq(import_policy_action(IMPORT_ACTS), POLICY_IMPORT_ACTS);
	ck_assert_ptr_null(import_status_name(IMPORT__STATUS_COUNT));
	enum import_match m;
	ck_assert_int_eq(import_parse_match("unconfirmed", &m), 0);
	ck_assert_int_eq(m, IMPORT_MATCH_UNCONFIRMED);
	ck_assert_str_eq(import_match_name(IMPORT_MATCH_UNCONFIRMED), "unconfirmed");
	ck_assert_ptr_null(import_match_name(IMPORT__MATCH_COUNT));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imports");
	TCase *tc = tcase_create("imports");
	tcase_add_test(tc, caf_signals);
	tcase_add_test(tc, adil_contacts_and_external_ids);
	tcase_add_test(tc, acts);
	tcase_add_test(tc, duplicates_and_names);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
