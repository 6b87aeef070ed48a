/* Issue 6, domain rules: diagnostic statuses and deadlines, outreach and
 * letter vocabularies, MASP durations and renewals. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain/diagnostic.h"
#include "domain/masp.h"
#include "domain/outreach.h"

static struct date day(int y, int m, int d)
{
	struct date x = { y, m, d };
	return x;
}

START_TEST(diagnostic_transitions)
{
	ck_assert(diagnostic_transition_allowed(DIAGNOSTIC_REQUESTED, DIAGNOSTIC_INTERVIEW_OFFERED));
	ck_assert(diagnostic_transition_allowed(DIAGNOSTIC_REQUESTED, DIAGNOSTIC_CARENCE));
	ck_assert(diagnostic_transition_allowed(DIAGNOSTIC_INTERVIEW_OFFERED, DIAGNOSTIC_DONE));
	ck_assert(diagnostic_transition_allowed(DIAGNOSTIC_INTERVIEW_OFFERED, DIAGNOSTIC_CARENCE));
	ck_assert(diagnostic_transition_allowed(DIAGNOSTIC_REQUESTED, DIAGNOSTIC_REQUESTED));
	ck_assert(!diagnostic_transition_allowed(DIAGNOSTIC_REQUESTED, DIAGNOSTIC_DONE));
	ck_assert(!diagnostic_transition_allowed(DIAGNOSTIC_INTERVIEW_OFFERED, DIAGNOSTIC_REQUESTED));
	ck_assert(!diagnostic_transition_allowed(DIAGNOSTIC_DONE, DIAGNOSTIC_CARENCE));
	ck_assert(!diagnostic_transition_allowed(DIAGNOSTIC_CARENCE, DIAGNOSTIC_INTERVIEW_OFFERED));
	ck_assert(!diagnostic_transition_allowed(DIAGNOSTIC__STATUS_COUNT, DIAGNOSTIC_DONE));
	enum diagnostic_status s;
	ck_assert_int_eq(diagnostic_status_parse("interview_offered", &s), 0);
	ck_assert_int_eq(s, DIAGNOSTIC_INTERVIEW_OFFERED);
	ck_assert_int_eq(diagnostic_status_parse("Done", &s), -1);
	ck_assert_int_eq(diagnostic_status_parse(NULL, &s), -1);
	ck_assert_str_eq(diagnostic_status_name(DIAGNOSTIC_CARENCE), "carence");
	ck_assert_ptr_null(diagnostic_status_name(DIAGNOSTIC__STATUS_COUNT));
}
END_TEST

START_TEST(diagnostic_checks)
{
	struct err err = { 0 };
	struct diagnostic_state before = { .status = DIAGNOSTIC_REQUESTED, .requested_on = day(2026, 1, 5) };
	struct diagnostic_state after = before;
	after.status = DIAGNOSTIC_INTERVIEW_OFFERED;
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "interview_offered_on");
	after.has_interview = true;
	after.interview_offered_on = day(2026, 1, 4);
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_UNPROCESSABLE);
	after.interview_offered_on = day(2026, 1, 9);
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_OK);

	before = after;
	after.status = DIAGNOSTIC_DONE;
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "report");
	after.has_report = true;
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "report_sent_on");
	after.has_report_sent = true;
	after.report_sent_on = day(2026, 1, 8);
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_UNPROCESSABLE);
	after.report_sent_on = day(2026, 2, 2);
	ck_assert_int_eq(diagnostic_check(&before, &after, &err), ERR_OK);

	/* Final statuses no longer change; carence needs its date. */
	ck_assert_int_eq(diagnostic_check(&after, &after, &err), ERR_CONFLICT);
	struct diagnostic_state carence = before;
	carence.status = DIAGNOSTIC_CARENCE;
	ck_assert_int_eq(diagnostic_check(&before, &carence, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "carence_on");
	carence.has_carence = true;
	carence.carence_on = day(2026, 1, 20);
	ck_assert_int_eq(diagnostic_check(&before, &carence, &err), ERR_OK);
	struct diagnostic_state back = before;
	back.status = DIAGNOSTIC_REQUESTED;
	ck_assert_int_eq(diagnostic_check(&before, &back, &err), ERR_CONFLICT);
	ck_assert_str_eq(err.field, "status");
	/* A report date without the done status. */
	struct diagnostic_state early = before;
	early.has_report_sent = true;
	early.report_sent_on = day(2026, 1, 20);
	ck_assert_int_eq(diagnostic_check(&before, &early, &err), ERR_UNPROCESSABLE);
	ck_assert(diagnostic_cause_is_known("job_loss"));
	ck_assert(!diagnostic_cause_is_known("laziness"));
	ck_assert(diagnostic_proposal_is_known("fsl_aid"));
	ck_assert(!diagnostic_proposal_is_known(NULL));
}
END_TEST

static const struct deadline *find(const struct deadline_list *l, const char *name)
{
	for (int i = 0; i < l->count; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

START_TEST(diagnostic_deadline_dates)
{
	/* Requested Monday 3 November 2025: 11 November is a holiday, so the
	 * 15th working day after is Tuesday 25 November. Hearing Tuesday
	 * 20 January 2026: 5 working days before is Tuesday 13 January. */
	struct diagnostic_state s = { .status = DIAGNOSTIC_REQUESTED, .requested_on = day(2025, 11, 3),
				      .has_hearing = true, .hearing_date = day(2026, 1, 20) };
	struct deadline_list l;
	struct date today = day(2025, 11, 20);
	diagnostic_deadlines(&l, &s, &today);
	ck_assert_int_eq(l.count, 2);
	const struct deadline *offer = find(&l, "diagnostic_interview_offer");
	const struct deadline *report = find(&l, "diagnostic_report");
	ck_assert_int_eq(date_cmp(&offer->due, &(struct date){ 2025, 11, 25 }), 0);
	ck_assert_int_eq(date_cmp(&report->due, &(struct date){ 2026, 1, 13 }), 0);
	ck_assert_int_eq(offer->status, DEADLINE_PENDING);
	ck_assert_int_eq(l.flag_count, 0);

	today = day(2025, 11, 26);
	diagnostic_deadlines(&l, &s, &today);
	ck_assert_int_eq(find(&l, "diagnostic_interview_offer")->status, DEADLINE_LATE);
	ck_assert_str_eq(l.flags[0], "diagnostic_interview_offer_late");

	/* Offered on the due day: met; report sent a day late: late. */
	s.status = DIAGNOSTIC_DONE;
	s.has_interview = true;
	s.interview_offered_on = day(2025, 11, 25);
	s.has_report = s.has_report_sent = true;
	s.report_sent_on = day(2026, 1, 14);
	today = day(2026, 3, 1);
	diagnostic_deadlines(&l, &s, &today);
	ck_assert_int_eq(find(&l, "diagnostic_interview_offer")->status, DEADLINE_MET);
	ck_assert_int_eq(find(&l, "diagnostic_report")->status, DEADLINE_LATE);
	ck_assert_int_eq(l.flag_count, 1);
	ck_assert_str_eq(l.flags[0], "diagnostic_report_late");

	/* A carence before the report's due day drops the pending report. */
	struct diagnostic_state c = { .status = DIAGNOSTIC_CARENCE, .requested_on = day(2025, 11, 3),
				      .has_hearing = true, .hearing_date = day(2026, 1, 20), .has_interview = true,
				      .interview_offered_on = day(2025, 11, 10), .has_carence = true,
				      .carence_on = day(2025, 12, 1) };
	diagnostic_deadlines(&l, &c, &today);
	ck_assert_int_eq(l.count, 1);
	ck_assert_ptr_null(find(&l, "diagnostic_report"));
	/* Without a hearing date there is no report deadline. */
	struct diagnostic_state h = { .status = DIAGNOSTIC_REQUESTED, .requested_on = day(2025, 11, 3) };
	diagnostic_deadlines(&l, &h, &today);
	ck_assert_int_eq(l.count, 1);
}
END_TEST

START_TEST(outreach_vocabularies)
{
	enum outreach_outcome o;
	enum intervention_kind k;
	enum letter_channel c;
	enum letter_outcome lo;
	ck_assert_int_eq(outreach_outcome_parse("npai", &o), 0);
	ck_assert_int_eq(o, OUTREACH_NPAI);
	ck_assert_int_eq(outreach_outcome_parse("gone", &o), -1);
	ck_assert_int_eq(intervention_kind_parse("home_visit", &k), 0);
	ck_assert_int_eq(k, INTERVENTION_HOME_VISIT);
	ck_assert_int_eq(intervention_kind_parse("visit", &k), -1);
	ck_assert_int_eq(letter_channel_parse("registered_post", &c), 0);
	ck_assert_int_eq(letter_channel_parse(NULL, &c), -1);
	ck_assert_int_eq(letter_outcome_parse("adil_contact", &lo), 0);
	ck_assert_int_eq(lo, LETTER_ADIL_CONTACT);
	ck_assert_str_eq(outreach_outcome_name(OUTREACH_CONTACT_ESTABLISHED), "contact_established");
	ck_assert_str_eq(intervention_kind_name(INTERVENTION_PHONE_CALL), "phone_call");
	ck_assert_str_eq(letter_channel_name(LETTER_SMS), "sms");
	ck_assert_str_eq(letter_outcome_name(LETTER_MEETING_CCAS), "meeting_ccas");
	ck_assert_ptr_null(outreach_outcome_name(OUTREACH__OUTCOME_COUNT));

	struct err err = { 0 };
	struct date opened = day(2026, 1, 10), today = day(2026, 2, 1);
	ck_assert_int_eq(intervention_check_date(&(struct date){ 2026, 1, 10 }, &opened, &today, &err), ERR_OK);
	ck_assert_int_eq(intervention_check_date(&(struct date){ 2026, 1, 9 }, &opened, &today, &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(intervention_check_date(&(struct date){ 2026, 2, 2 }, &opened, &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "date");
}
END_TEST

START_TEST(letter_rules)
{
	struct err err = { 0 };
	struct date today = day(2026, 3, 1);
	struct letter_state s = { .sent_on = day(2026, 2, 1) };
	ck_assert_int_eq(letter_check(&s, &today, &err), ERR_OK);
	s.outcomes = 1u << LETTER_PAYMENT_RESUMED;
	ck_assert_int_eq(letter_check(&s, &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "outcomes");
	s.answered = true;
	ck_assert_int_eq(letter_check(&s, &today, &err), ERR_OK);
	s.has_answered_on = true;
	s.answered_on = day(2026, 1, 31);
	ck_assert_int_eq(letter_check(&s, &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "answered_on");
	s.answered_on = day(2026, 2, 10);
	ck_assert_int_eq(letter_check(&s, &today, &err), ERR_OK);
	s.answered = false;
	s.outcomes = 0;
	ck_assert_int_eq(letter_check(&s, &today, &err), ERR_UNPROCESSABLE);
	struct letter_state future = { .sent_on = day(2026, 3, 2) };
	ck_assert_int_eq(letter_check(&future, &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "sent_on");
}
END_TEST

START_TEST(masp_rules)
{
	struct err err = { 0 };
	struct masp_state s = { .status = MASP_ACTIVE, .start_on = day(2025, 1, 15), .planned_end_on = day(2025, 7, 14) };
	ck_assert_int_eq(masp_check_new(&s, &err), ERR_UNPROCESSABLE);
	s.planned_end_on = day(2025, 7, 15);
	ck_assert_int_eq(masp_check_new(&s, &err), ERR_OK);
	s.planned_end_on = day(2027, 1, 15);
	ck_assert_int_eq(masp_check_new(&s, &err), ERR_OK);
	s.planned_end_on = day(2027, 1, 16);
	ck_assert_int_eq(masp_check_new(&s, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "planned_end_on");

	/* Renewals: after the planned end, 2 years at most, 4 in all. */
	s.planned_end_on = day(2026, 1, 15);
	struct date on = day(2025, 12, 1);
	ck_assert_int_eq(masp_check_renewal(&s, &on, &(struct date){ 2028, 1, 15 }, &err), ERR_OK);
	ck_assert_int_eq(masp_check_renewal(&s, &on, &(struct date){ 2026, 1, 15 }, &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(masp_check_renewal(&s, &on, &(struct date){ 2028, 1, 16 }, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "until_on");
	ck_assert_int_eq(masp_check_renewal(&s, &(struct date){ 2026, 1, 16 }, &(struct date){ 2027, 1, 1 }, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "renewed_on");
	s.planned_end_on = day(2028, 1, 15);
	ck_assert_int_eq(masp_check_renewal(&s, &(struct date){ 2027, 12, 1 }, &(struct date){ 2029, 1, 16 }, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_int_eq(masp_check_renewal(&s, &(struct date){ 2027, 12, 1 }, &(struct date){ 2029, 1, 15 }, &err),
			 ERR_OK);

	/* Ending a measure. */
	struct masp_state after = s;
	after.status = MASP_COMPLETED;
	ck_assert_int_eq(masp_check_change(&s, &after, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "end_on");
	after.has_end = true;
	after.end_on = day(2024, 12, 1);
	ck_assert_int_eq(masp_check_change(&s, &after, &err), ERR_UNPROCESSABLE);
	after.end_on = day(2026, 3, 1);
	ck_assert_int_eq(masp_check_change(&s, &after, &err), ERR_OK);
	ck_assert_int_eq(masp_check_change(&after, &after, &err), ERR_CONFLICT);
	ck_assert_int_eq(masp_check_renewal(&after, &on, &(struct date){ 2029, 1, 1 }, &err), ERR_CONFLICT);
	struct masp_state active_with_end = s;
	active_with_end.has_end = true;
	active_with_end.end_on = day(2026, 3, 1);
	ck_assert_int_eq(masp_check_change(&s, &active_with_end, &err), ERR_UNPROCESSABLE);
	enum masp_status st;
	ck_assert_int_eq(masp_status_parse("interrupted", &st), 0);
	ck_assert_int_eq(masp_status_parse("paused", &st), -1);
	ck_assert_str_eq(masp_status_name(MASP_COMPLETED), "completed");
}
END_TEST

static Suite *field_work_suite(void)
{
	Suite *s = suite_create("field_work");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, diagnostic_transitions);
	tcase_add_test(tc, diagnostic_checks);
	tcase_add_test(tc, diagnostic_deadline_dates);
	tcase_add_test(tc, outreach_vocabularies);
	tcase_add_test(tc, letter_rules);
	tcase_add_test(tc, masp_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(field_work_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
