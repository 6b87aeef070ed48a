/* Issue 5: the referral's status machine and rules, the commission's
 * session, opinions, recommendations and CLILs, and the letter renderer. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/letters_render.h"
#include "domain/commission.h"
#include "domain/referral.h"

static struct date day(int y, int m, int d)
{
	struct date out = { y, m, d };
	return out;
}

START_TEST(referral_names_round_trip)
{
	struct err err;
	for (int k = 0; k < REFERRAL_KIND__COUNT; k++) {
		enum referral_kind out;
		ck_assert_int_eq(referral_parse_kind(&out, referral_kind_name((enum referral_kind)k), "kind", &err), ERR_OK);
		ck_assert_int_eq(out, k);
	}
	enum referral_kind kind;
	ck_assert_int_eq(referral_parse_kind(&kind, "landlord", "kind", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "kind");
	ck_assert_int_eq(referral_parse_kind(&kind, NULL, "kind", &err), ERR_INVALID);
	enum referral_status st;
	ck_assert_int_eq(referral_parse_status(&st, "examined", "status", &err), ERR_OK);
	ck_assert_int_eq(st, REFERRAL_EXAMINED);
	ck_assert_ptr_null(referral_kind_name(REFERRAL_KIND__COUNT));
}
END_TEST

START_TEST(referral_status_machine)
{
	struct err err;
	enum referral_status to;
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_RECEIVED, REFERRAL_ADMIT, false, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_ADMISSIBLE);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_RECEIVED, REFERRAL_REJECT, false, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_INADMISSIBLE);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_ADMISSIBLE, REFERRAL_SCHEDULE, false, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_SCHEDULED);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_SCHEDULED, REFERRAL_UNSCHEDULE, false, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_ADMISSIBLE);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_SCHEDULED, REFERRAL_EXAMINE, false, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_EXAMINED);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_EXAMINED, REFERRAL_EXAMINE, false, &err), ERR_OK);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_EXAMINED, REFERRAL_CLOSE, false, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_CLOSED);
	/* Refused pairs. */
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_RECEIVED, REFERRAL_SCHEDULE, false, &err), ERR_CONFLICT);
	ck_assert_str_eq(err.field, "status");
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_INADMISSIBLE, REFERRAL_ADMIT, false, &err), ERR_CONFLICT);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_CLOSED, REFERRAL_ADMIT, false, &err), ERR_CONFLICT);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_SCHEDULED, REFERRAL_CLOSE, false, &err), ERR_CONFLICT);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_ADMISSIBLE, REFERRAL_EXAMINE, false, &err), ERR_CONFLICT);
	/* Escalation: only after a CLIL's examination. */
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_EXAMINED, REFERRAL_ESCALATE, false, &err), ERR_CONFLICT);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_EXAMINED, REFERRAL_ESCALATE, true, &err), ERR_OK);
	ck_assert_int_eq(to, REFERRAL_ADMISSIBLE);
	ck_assert_int_eq(referral_step_apply(&to, REFERRAL_SCHEDULED, REFERRAL_ESCALATE, true, &err), ERR_CONFLICT);
	ck_assert(referral_status_is_open(REFERRAL_EXAMINED));
	ck_assert(!referral_status_is_open(REFERRAL_INADMISSIBLE));
	ck_assert(!referral_status_is_open(REFERRAL_CLOSED));
}
END_TEST

START_TEST(referral_origin)
{
	struct err err;
	ck_assert_int_eq(referral_check_origin(ORG_KIND_SOCIAL_LANDLORD, REFERRAL_SOCIAL_LANDLORD, &err), ERR_OK);
	ck_assert_int_eq(referral_check_origin(ORG_KIND_SOCIAL_LANDLORD, REFERRAL_PRIVATE_LANDLORD, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "kind");
	ck_assert_int_eq(referral_check_origin(ORG_KIND_PRIVATE_LANDLORD, REFERRAL_PRIVATE_LANDLORD, &err), ERR_OK);
	ck_assert_int_eq(referral_check_origin(ORG_KIND_SOCIAL_SERVICE, REFERRAL_SIGNALLED, &err), ERR_OK);
	ck_assert_int_eq(referral_check_origin(ORG_KIND_CAF, REFERRAL_SIGNALLED, &err), ERR_OK);
	ck_assert_int_eq(referral_check_origin(ORG_KIND_SOCIAL_SERVICE, REFERRAL_SOCIAL_LANDLORD, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_int_eq(referral_check_origin(ORG_KIND_BAILIFF, REFERRAL_BAILIFF_REPORT, &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(referral_check_origin(ORG_KIND_BAILIFF, REFERRAL_SIGNALLED, &err), ERR_UNPROCESSABLE);
	for (int k = 0; k < REFERRAL_KIND__COUNT; k++)
		ck_assert_int_eq(referral_check_origin(ORG_KIND_PREFECTURE, (enum referral_kind)k, &err), ERR_OK);
}
END_TEST

START_TEST(landlord_notice)
{
	struct err err;
	struct referral_notice n;
	struct date summons = day(2026, 3, 31), before = day(2026, 1, 30), on = day(2026, 1, 31), after = day(2026, 2, 1);
	/* 31 March less 2 months: 31 January is the latest day. */
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_SOCIAL_LANDLORD, true, &before, &summons, &err), ERR_OK);
	ck_assert(n.applies && n.summons_known && !n.late);
	ck_assert_int_eq(date_cmp(&n.latest, &on), 0);
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_SOCIAL_LANDLORD, true, &on, &summons, &err), ERR_OK);
	ck_assert(!n.late);
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_SOCIAL_LANDLORD, true, &after, &summons, &err), ERR_OK);
	ck_assert(n.late);
	/* End of month: 30 April less 2 months is 28 February... */
	struct date s2 = day(2026, 4, 30), feb = day(2026, 2, 28);
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_PRIVATE_LANDLORD, true, &feb, &s2, &err), ERR_OK);
	ck_assert_int_eq(date_cmp(&n.latest, &feb), 0);
	ck_assert(!n.late);
	/* A private person, a signalled file: the rule does not apply. */
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_PRIVATE_LANDLORD, false, &after, &summons, &err), ERR_OK);
	ck_assert(!n.applies && !n.late);
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_SIGNALLED, true, &after, &summons, &err), ERR_OK);
	ck_assert(!n.applies);
	/* No summons yet: on time so far. */
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_SOCIAL_LANDLORD, true, &after, NULL, &err), ERR_OK);
	ck_assert(n.applies && !n.summons_known && !n.late);
	ck_assert_int_eq(referral_check_notice(&n, REFERRAL_SOCIAL_LANDLORD, false, &after, NULL, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "legal_entity");
}
END_TEST

START_TEST(commission_session)
{
	struct err err;
	ck_assert_int_eq(commission_check_level(COMMISSION_CLIL, true, &err), ERR_OK);
	ck_assert_int_eq(commission_check_level(COMMISSION_CLIL, false, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "clil_id");
	ck_assert_int_eq(commission_check_level(COMMISSION_OPERATIONAL, true, &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(commission_check_level(COMMISSION_STRATEGIC, false, &err), ERR_OK);
	ck_assert_int_eq(commission_check_status_change(COMMISSION_PLANNED, COMMISSION_IN_SESSION, &err), ERR_OK);
	ck_assert_int_eq(commission_check_status_change(COMMISSION_IN_SESSION, COMMISSION_CLOSED, &err), ERR_OK);
	ck_assert_int_eq(commission_check_status_change(COMMISSION_PLANNED, COMMISSION_CLOSED, &err), ERR_CONFLICT);
	ck_assert_int_eq(commission_check_status_change(COMMISSION_CLOSED, COMMISSION_IN_SESSION, &err), ERR_CONFLICT);
	ck_assert_int_eq(commission_check_agenda_change(COMMISSION_PLANNED, &err), ERR_OK);
	ck_assert_int_eq(commission_check_agenda_change(COMMISSION_IN_SESSION, &err), ERR_CONFLICT);
	ck_assert_int_eq(commission_check_agenda_change(COMMISSION_CLOSED, &err), ERR_CONFLICT);
	ck_assert_int_eq(commission_check_opinion(COMMISSION_IN_SESSION, &err), ERR_OK);
	ck_assert_int_eq(commission_check_opinion(COMMISSION_PLANNED, &err), ERR_CONFLICT);
	ck_assert_int_eq(commission_check_opinion(COMMISSION_CLOSED, &err), ERR_CONFLICT);
	enum commission_level level;
	ck_assert_int_eq(commission_parse_level(&level, "doctrinal", "level", &err), ERR_OK);
	ck_assert_int_eq(commission_parse_level(&level, "weekly", "level", &err), ERR_INVALID);
}
END_TEST

START_TEST(opinion_decisions)
{
	struct err err;
	struct date y2026 = day(2026, 12, 3), y2027 = day(2027, 1, 7);
	enum opinion_decision ok[] = { DECISION_KEEP_WITH_PAYMENT_PLAN, DECISION_FSL_AID };
	ck_assert_int_eq(opinion_check_decisions(ok, 2, &y2026, &err), ERR_OK);
	ck_assert_int_eq(opinion_check_decisions(ok, 0, &y2026, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "decisions");
	enum opinion_decision twice[] = { DECISION_MASP, DECISION_MASP };
	ck_assert_int_eq(opinion_check_decisions(twice, 2, &y2026, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "decisions[1]");
	enum opinion_decision benefit[] = { DECISION_FSL_AID, DECISION_HOUSING_BENEFIT_KEPT };
	ck_assert_int_eq(opinion_check_decisions(benefit, 2, &y2026, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "decisions[1]");
	ck_assert_int_eq(opinion_check_decisions(benefit, 2, &y2027, &err), ERR_OK);
	enum opinion_decision both[] = { DECISION_HOUSING_BENEFIT_KEPT, DECISION_HOUSING_BENEFIT_SUSPENDED };
	ck_assert_int_eq(opinion_check_decisions(both, 2, &y2027, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "decisions");
	for (int d = 0; d < DECISION__COUNT; d++) {
		enum opinion_decision out;
		ck_assert_ptr_nonnull(opinion_decision_label_fr((enum opinion_decision)d));
		ck_assert_int_eq(opinion_parse_decision(&out, opinion_decision_name((enum opinion_decision)d), "d", &err),
				 ERR_OK);
	}
}
END_TEST

START_TEST(recommendation_reports)
{
	struct err err;
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_PENDING, RECOMMENDATION_ACCEPTED, false, &err), ERR_OK);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_PENDING, RECOMMENDATION_DONE, false, &err), ERR_OK);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_ACCEPTED, RECOMMENDATION_DONE, true, &err), ERR_OK);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_PENDING, RECOMMENDATION_DECLINED, false, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "comment");
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_PENDING, RECOMMENDATION_DECLINED, true, &err), ERR_OK);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_DONE, RECOMMENDATION_DECLINED, true, &err),
			 ERR_CONFLICT);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_ACCEPTED, RECOMMENDATION_ACCEPTED, false, &err),
			 ERR_CONFLICT);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_PENDING, RECOMMENDATION_PENDING, false, &err),
			 ERR_CONFLICT);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_WITHDRAWN, RECOMMENDATION_ACCEPTED, false, &err),
			 ERR_CONFLICT);
	ck_assert_int_eq(recommendation_check_report(RECOMMENDATION_PENDING, RECOMMENDATION_WITHDRAWN, true, &err),
			 ERR_CONFLICT);
	struct date session = day(2026, 12, 3), due = day(2026, 12, 2);
	ck_assert_int_eq(recommendation_check_due(&due, &session, "x", &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(recommendation_check_due(&session, &session, "x", &err), ERR_OK);
}
END_TEST

#define A "00000000-0000-4000-8000-00000000000a"
#define B "00000000-0000-4000-8000-00000000000b"

START_TEST(recommendations_given_again)
{
	struct err err;
	struct recommendation_held held[] = {
		{ "r1", A, "plan", day(2026, 12, 20), RECOMMENDATION_ACCEPTED },
		{ "r2", B, "support", day(2026, 12, 21), RECOMMENDATION_PENDING },
		{ "r3", B, "support", day(2026, 12, 22), RECOMMENDATION_PENDING },
	};
	int match[4];
	/* By id, by addressee and text (the first one left), and new. */
	struct recommendation_given g1[] = {
		{ "", B, "support", day(2026, 12, 30) },
		{ "r1", A, "plan", day(2026, 12, 20) },
		{ "", B, "rehousing", day(2026, 12, 30) },
		{ "", B, "support", day(2026, 12, 30) },
	};
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g1, 4, &err), ERR_OK);
	ck_assert_int_eq(match[0], 1);
	ck_assert_int_eq(match[1], 0);
	ck_assert_int_eq(match[2], -1);
	ck_assert_int_eq(match[3], 2);
	/* An id claims its recommendation before any match by text. */
	struct recommendation_given g2[] = {
		{ "", B, "support", day(2026, 12, 30) },
		{ "r2", B, "support, revised", day(2026, 12, 30) },
		{ "", A, "plan", day(2026, 12, 20) },
	};
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g2, 3, &err), ERR_OK);
	ck_assert_int_eq(match[0], 2);
	ck_assert_int_eq(match[1], 1);
	ck_assert_int_eq(match[2], 0);
	/* The reported one, changed or left out. */
	struct recommendation_given g3[] = { { "r1", A, "plan", day(2026, 12, 21) } };
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g3, 1, &err), ERR_CONFLICT);
	ck_assert_str_eq(err.field, "recommendations[0]");
	struct recommendation_given g4[] = { { "", A, "another plan", day(2026, 12, 20) } };
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g4, 1, &err), ERR_CONFLICT);
	ck_assert_str_eq(err.field, "recommendations");
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, NULL, 0, &err), ERR_CONFLICT);
	ck_assert_int_eq(opinion_match_recommendations(match, held + 1, 2, NULL, 0, &err), ERR_OK);
	/* Unknown id, an id twice, another addressee. */
	struct recommendation_given g5[] = { { "r1", A, "plan", day(2026, 12, 20) }, { "r9", A, "x", day(2026, 12, 20) } };
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g5, 2, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "recommendations[1].id");
	struct recommendation_given g6[] = { { "r1", A, "plan", day(2026, 12, 20) }, { "r1", A, "plan", day(2026, 12, 20) } };
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g6, 2, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "recommendations[1].id");
	struct recommendation_given g7[] = { { "r1", A, "plan", day(2026, 12, 20) }, { "r2", A, "support", day(2026, 12, 21) } };
	ck_assert_int_eq(opinion_match_recommendations(match, held, 3, g7, 2, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "recommendations[1].addressee_org_id");
}
END_TEST

START_TEST(clil_landlords)
{
	struct err err;
	ck_assert_int_eq(clil_check_landlords(CLIL_MONO_LANDLORD, 1, &err), ERR_OK);
	ck_assert_int_eq(clil_check_landlords(CLIL_MONO_LANDLORD, 2, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "landlords");
	ck_assert_int_eq(clil_check_landlords(CLIL_MONO_LANDLORD, 0, &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(clil_check_landlords(CLIL_INTER_LANDLORD, 1, &err), ERR_UNPROCESSABLE);
	ck_assert_int_eq(clil_check_landlords(CLIL_INTER_LANDLORD, 3, &err), ERR_OK);
	enum clil_status st;
	ck_assert_int_eq(clil_parse_status(&st, "experimented", "status", &err), ERR_OK);
	ck_assert_int_eq(clil_parse_status(&st, "Experimented", "status", &err), ERR_INVALID);
}
END_TEST

static const char *lookup_table(void *ctx, const char *name)
{
	const char *const *kv = ctx;
	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

START_TEST(render_text_and_html)
{
	struct err err;
	const char *values[] = { "name", "Dupont & <Fils>", "lines", "a\nb", "ctl", "x\ry\x01z", NULL };
	char *out = NULL;
	size_t len = 0;
	const char *tmpl = "Bonjour {{name}},\n\n{{lines}} {{ctl}}\nfin\n";
	ck_assert_int_eq(letters_render(&out, &len, tmpl, "t", LETTER_TEXT, lookup_table, values, &err), ERR_OK);
	ck_assert_str_eq(out, "Bonjour Dupont & <Fils>,\n\na\nb x y z\nfin\n");
	ck_assert_uint_eq(len, strlen(out));
	free(out);
	ck_assert_int_eq(letters_render(&out, &len, tmpl, "t", LETTER_HTML, lookup_table, values, &err), ERR_OK);
	ck_assert_ptr_nonnull(strstr(out, "<p>Bonjour Dupont &amp; &lt;Fils&gt;,</p>\n<p>a<br>\nb x y z<br>\nfin</p>"));
	ck_assert_ptr_null(strstr(out, "<Fils>"));
	free(out);
	/* A missing or empty value refuses the letter, naming it. */
	const char *missing[] = { "name", "", NULL };
	ck_assert_int_eq(letters_render(&out, &len, tmpl, "t", LETTER_TEXT, lookup_table, missing, &err),
			 ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "name");
	ck_assert_ptr_null(out);
	ck_assert_int_eq(letters_render(&out, &len, "{{broken", "t", LETTER_TEXT, lookup_table, values, &err),
			 ERR_INTERNAL);
}
END_TEST

/* Every template renders, and names only placeholders the endpoint fills. */
START_TEST(templates_are_complete)
{
	static const char *const known[] = {
		"letter_date", "address_line", "postcode", "commune", "landlord_name", "debt", "reference",
		"commission_name", "session_date", "session_time", "session_place", "opinion_commission_name",
		"opinion_date", "decisions", "appointment_with", "appointment_date", "appointment_time",
		"appointment_place",
	};
	const char *values[2 * (sizeof(known) / sizeof(known[0])) + 1];
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		values[2 * i] = known[i];
		values[2 * i + 1] = "v";
	}
	values[2 * (sizeof(known) / sizeof(known[0]))] = NULL;
	const char *kinds[] = { "information", "invitation", "recommendation", "appointment" };
	ck_assert_int_eq(letter_templates_count, 4);
	for (size_t k = 0; k < 4; k++) {
		struct err err;
		char *out = NULL;
		size_t len;
		const char *tmpl = letters_template(kinds[k]);
		ck_assert_ptr_nonnull(tmpl);
		ck_assert_int_eq(letters_render(&out, &len, tmpl, kinds[k], LETTER_HTML, lookup_table, values, &err),
				 ERR_OK);
		ck_assert_ptr_null(strstr(out, "{{"));
		free(out);
	}
	ck_assert_ptr_null(letters_template("eviction"));
}
END_TEST

START_TEST(accept_negotiation)
{
	struct err err;
	enum letter_format f;
	ck_assert_int_eq(letters_negotiate(NULL, &f, &err), ERR_OK);
	ck_assert_int_eq(f, LETTER_HTML);
	ck_assert_int_eq(letters_negotiate("text/plain", &f, &err), ERR_OK);
	ck_assert_int_eq(f, LETTER_TEXT);
	ck_assert_int_eq(letters_negotiate("text/html;q=0.5, text/plain;q=0.9", &f, &err), ERR_OK);
	ck_assert_int_eq(f, LETTER_TEXT);
	ck_assert_int_eq(letters_negotiate("text/*", &f, &err), ERR_OK);
	ck_assert_int_eq(f, LETTER_HTML);
	ck_assert_int_eq(letters_negotiate("*/*;q=0.1, text/html;q=0", &f, &err), ERR_OK);
	ck_assert_int_eq(f, LETTER_TEXT);
	ck_assert_int_eq(letters_negotiate("application/json", &f, &err), ERR_NOT_ACCEPTABLE);
	ck_assert_int_eq(letters_negotiate("text/html;q=0, text/plain;q=0", &f, &err), ERR_NOT_ACCEPTABLE);
}
END_TEST

START_TEST(french_formats)
{
	struct err err;
	char out[64];
	ck_assert_int_eq(letters_french_date(out, sizeof(out), "2026-12-03", "d", &err), ERR_OK);
	ck_assert_str_eq(out, "3 décembre 2026");
	ck_assert_int_eq(letters_french_date(out, sizeof(out), "2027-01-01", "d", &err), ERR_OK);
	ck_assert_str_eq(out, "1er janvier 2027");
	ck_assert_int_eq(letters_french_date(out, sizeof(out), "2027-02-30", "d", &err), ERR_INVALID);
	letters_french_amount(out, sizeof(out), 123456);
	ck_assert_str_eq(out, "1\xe2\x80\xaf" "234,56\xc2\xa0\xe2\x82\xac");
	letters_french_amount(out, sizeof(out), 5);
	ck_assert_str_eq(out, "0,05\xc2\xa0\xe2\x82\xac");
}
END_TEST

/* Décret 2026-83: the central CCAPEX covers the whole département, a local
 * one names its territory; the older levels take either. */
START_TEST(commission_levels_of_2026_83)
{
	struct err err;
	enum commission_level level;
	ck_assert_int_eq(commission_parse_level(&level, "central", "level", &err), ERR_OK);
	ck_assert_int_eq(level, COMMISSION_CENTRAL);
	ck_assert_int_eq(commission_parse_level(&level, "local", "level", &err), ERR_OK);
	ck_assert_int_eq(level, COMMISSION_LOCAL);
	ck_assert_int_eq(commission_parse_level(&level, "regional", "level", &err), ERR_INVALID);
	for (int l = 0; l < COMMISSION_LEVEL__COUNT; l++) {
		ck_assert_int_eq(commission_parse_level(&level, commission_level_name((enum commission_level)l), "level",
							&err), ERR_OK);
		ck_assert_int_eq(level, l);
	}
	ck_assert_int_eq(commission_check_level(COMMISSION_CENTRAL, false, &err), ERR_OK);
	ck_assert_int_eq(commission_check_level(COMMISSION_LOCAL, true, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "clil_id");
	ck_assert_int_eq(commission_check_territory(COMMISSION_LOCAL, true, &err), ERR_OK);
	ck_assert_int_eq(commission_check_territory(COMMISSION_LOCAL, false, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "territory");
	ck_assert_int_eq(commission_check_territory(COMMISSION_CENTRAL, false, &err), ERR_OK);
	ck_assert_int_eq(commission_check_territory(COMMISSION_CENTRAL, true, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "territory");
	static const enum commission_level older[] = { COMMISSION_OPERATIONAL, COMMISSION_DOCTRINAL,
						       COMMISSION_STRATEGIC, COMMISSION_CLIL };
	for (size_t i = 0; i < sizeof(older) / sizeof(older[0]); i++) {
		ck_assert_int_eq(commission_check_territory(older[i], true, &err), ERR_OK);
		ck_assert_int_eq(commission_check_territory(older[i], false, &err), ERR_OK);
	}
}
END_TEST

/* Which organisation kind takes up a report oriented to each actor: the
 * whole table, every kind against every actor. */
START_TEST(orientation_addressee_fits_actor)
{
	struct err err;
	struct fit {
		enum orientation_actor actor;
		enum org_kind kind;
	};
	static const struct fit fits[] = {
		{ ORIENTATION_SOCIAL_SERVICE, ORG_KIND_SOCIAL_SERVICE },
		{ ORIENTATION_ASSOCIATION, ORG_KIND_ASSOCIATION },
		{ ORIENTATION_ADIL, ORG_KIND_ADIL },
		{ ORIENTATION_FSL, ORG_KIND_DEPARTEMENT },
		{ ORIENTATION_SIAO, ORG_KIND_ASSOCIATION },
		{ ORIENTATION_SIAO, ORG_KIND_SOCIAL_SERVICE },
	};
	int allowed = 0;
	for (int a = 0; a < ORIENTATION_ACTOR__COUNT; a++) {
		for (int k = 0; k < ORG_KIND__COUNT; k++) {
			bool want = false;
			for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++)
				want = want || (fits[i].actor == (enum orientation_actor)a &&
						fits[i].kind == (enum org_kind)k);
			int rc = orientation_check_addressee((enum orientation_actor)a, (enum org_kind)k, &err);
			ck_assert_msg((rc == ERR_OK) == want, "%s to a %s: %d", orientation_actor_name(a),
				      policy_kind_to_string(k), rc);
			if (rc != ERR_OK) {
				ck_assert_int_eq(rc, ERR_UNPROCESSABLE);
				ck_assert_str_eq(err.field, "addressee_org_id");
			}
			allowed += rc == ERR_OK;
		}
	}
	ck_assert_int_eq(allowed, (int)(sizeof(fits) / sizeof(fits[0])));
	enum orientation_actor actor;
	ck_assert_int_eq(orientation_parse_actor(&actor, "fsl", "actor", &err), ERR_OK);
	ck_assert_int_eq(actor, ORIENTATION_FSL);
	ck_assert_int_eq(orientation_parse_actor(&actor, "caf", "actor", &err), ERR_INVALID);
	ck_assert_str_eq(err.field, "actor");
	ck_assert_int_eq(orientation_parse_actor(&actor, NULL, "actor", &err), ERR_INVALID);
	ck_assert_ptr_null(orientation_actor_name(ORIENTATION_ACTOR__COUNT));
}
END_TEST

START_TEST(orientation_of_a_referral)
{
	struct err err;
	for (int k = 0; k < REFERRAL_KIND__COUNT; k++) {
		int rc = orientation_check_referral((enum referral_kind)k, REFERRAL_RECEIVED, false, ORIENTATION_PENDING,
						    &err);
		ck_assert_int_eq(rc, k == REFERRAL_BAILIFF_REPORT ? ERR_OK : ERR_UNPROCESSABLE);
		if (rc != ERR_OK)
			ck_assert_str_eq(err.field, "kind");
	}
	/* While the CCAPEX follows it. */
	ck_assert_int_eq(orientation_check_referral(REFERRAL_BAILIFF_REPORT, REFERRAL_EXAMINED, false,
						    ORIENTATION_PENDING, &err), ERR_OK);
	ck_assert_int_eq(orientation_check_referral(REFERRAL_BAILIFF_REPORT, REFERRAL_CLOSED, false,
						    ORIENTATION_PENDING, &err), ERR_CONFLICT);
	ck_assert_str_eq(err.field, "status");
	ck_assert_int_eq(orientation_check_referral(REFERRAL_BAILIFF_REPORT, REFERRAL_INADMISSIBLE, false,
						    ORIENTATION_PENDING, &err), ERR_CONFLICT);
	/* Oriented once, again only after a decline. */
	for (int s = 0; s < ORIENTATION_STATUS__COUNT; s++) {
		int rc = orientation_check_referral(REFERRAL_BAILIFF_REPORT, REFERRAL_ADMISSIBLE, true,
						    (enum orientation_status)s, &err);
		ck_assert_int_eq(rc, s == ORIENTATION_DECLINED ? ERR_OK : ERR_CONFLICT);
		if (rc != ERR_OK)
			ck_assert_str_eq(err.field, "orientation");
	}
}
END_TEST

/* The addressee's report: every pair of statuses, and its date. */
START_TEST(orientation_reports)
{
	struct err err;
	struct date oriented = day(2026, 12, 1), today = day(2026, 12, 3);
	static const struct {
		enum orientation_status from, to;
	} allowed[] = {
		{ ORIENTATION_PENDING, ORIENTATION_ACCEPTED }, { ORIENTATION_PENDING, ORIENTATION_DONE },
		{ ORIENTATION_PENDING, ORIENTATION_DECLINED }, { ORIENTATION_ACCEPTED, ORIENTATION_DONE },
		{ ORIENTATION_ACCEPTED, ORIENTATION_DECLINED },
	};
	for (int f = 0; f < ORIENTATION_STATUS__COUNT; f++) {
		for (int t = 0; t < ORIENTATION_STATUS__COUNT; t++) {
			bool want = false;
			for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				want = want || (allowed[i].from == (enum orientation_status)f &&
						allowed[i].to == (enum orientation_status)t);
			int rc = orientation_check_report((enum orientation_status)f, (enum orientation_status)t, true,
							  &today, &oriented, &today, &err);
			ck_assert_msg((rc == ERR_OK) == want, "%s -> %s: %d", orientation_status_name(f),
				      orientation_status_name(t), rc);
			if (!want) {
				ck_assert_int_eq(rc, ERR_CONFLICT);
				ck_assert_str_eq(err.field, "status");
			}
		}
	}
	/* Declining says why; the others need not. */
	ck_assert_int_eq(orientation_check_report(ORIENTATION_PENDING, ORIENTATION_DECLINED, false, &today, &oriented,
						  &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "report");
	ck_assert_int_eq(orientation_check_report(ORIENTATION_PENDING, ORIENTATION_ACCEPTED, false, &today, &oriented,
						  &today, &err), ERR_OK);
	/* Dated from the orientation to today, both included. */
	struct date before = day(2026, 11, 30), tomorrow = day(2026, 12, 4);
	ck_assert_int_eq(orientation_check_report(ORIENTATION_PENDING, ORIENTATION_DONE, false, &oriented, &oriented,
						  &today, &err), ERR_OK);
	ck_assert_int_eq(orientation_check_report(ORIENTATION_PENDING, ORIENTATION_DONE, false, &before, &oriented,
						  &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "reported_on");
	ck_assert_int_eq(orientation_check_report(ORIENTATION_PENDING, ORIENTATION_DONE, false, &tomorrow, &oriented,
						  &today, &err), ERR_UNPROCESSABLE);
	ck_assert_str_eq(err.field, "reported_on");
	enum orientation_status st;
	ck_assert_int_eq(orientation_parse_status(&st, "done", "status", &err), ERR_OK);
	ck_assert_int_eq(st, ORIENTATION_DONE);
	ck_assert_int_eq(orientation_parse_status(&st, "finished", "status", &err), ERR_INVALID);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ccapex");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, referral_names_round_trip);
	tcase_add_test(tc, referral_status_machine);
	tcase_add_test(tc, referral_origin);
	tcase_add_test(tc, landlord_notice);
	tcase_add_test(tc, commission_session);
	tcase_add_test(tc, opinion_decisions);
	tcase_add_test(tc, recommendation_reports);
	tcase_add_test(tc, clil_landlords);
	tcase_add_test(tc, recommendations_given_again);
	tcase_add_test(tc, render_text_and_html);
	tcase_add_test(tc, templates_are_complete);
	tcase_add_test(tc, accept_negotiation);
	tcase_add_test(tc, french_formats);
	tcase_add_test(tc, commission_levels_of_2026_83);
	tcase_add_test(tc, orientation_addressee_fits_actor);
	tcase_add_test(tc, orientation_of_a_referral);
	tcase_add_test(tc, orientation_reports);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
