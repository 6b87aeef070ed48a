#include "domain/rules.h"

#include <stddef.h>

#include "domain/calendar.h"

#define ORIGIN {1, 1, 1}
/* Entries into force of the texts a first version rests on. Loi 89-462 of
 * 6 July 1989 (JO of the 8th) stands for its article 24 as it read before
 * loi 2023-668, whatever its earlier history: the engine does not tell those
 * versions apart. */
#define LOI_89_462 {1989, 7, 8}
/* The CPCE, ordonnance 2011-1895 and decret 2012-783: 1 June 2012. */
#define CPCE {2012, 6, 1}
/* Loi 2014-366 (ALUR) of 24 March 2014, JO of the 26th, in force the 27th. */
#define LOI_ALUR {2014, 3, 27}
/* Decret 2021-8 of 5 January 2021, JO of the 7th, in force the 8th. */
#define DECRET_2021_8 {2021, 1, 8}
/* Décret 2016-748 of 6 June 2016 applies from 1 September 2016: before,
 * the engine knows no CAF test. */
#define DECRET_2016_748 {2016, 9, 1}
/* Loi 2023-668 of 27 July 2023, published on the 28th, in force the 29th. */
#define LOI_2023_668 {2023, 7, 29}
#define DECRET_2026_84 {2027, 1, 1}

/* A time to pay kept at 2 months for a lease running before loi 2023-668,
 * when the act comes under it or the lease's date is unknown. */
#define BASIS_LEASE_BEFORE_2023 "loi 89-462 art. 24; Cass. avis 24-70.002"
#define BASIS_LEASE_UNKNOWN \
	"loi 89-462 art. 24; lease date unknown: the longer delay " \
	"(Cass. avis 24-70.002)"

/* Versions of one rule are listed oldest first. */
static const struct rule rules[] = {
	{RULE_PAYMENT_ORDER_TIME_TO_PAY, RULE_DELAY_TO_ACT,
	 ORIGIN, LOI_89_462, {2, DURATION_MONTHS}, {0},
	 "loi 89-462 art. 24"},
	{RULE_PAYMENT_ORDER_TIME_TO_PAY, RULE_DELAY_TO_ACT,
	 LOI_2023_668, LOI_2023_668, {6, DURATION_WEEKS}, {0},
	 "loi 89-462 art. 24, loi 2023-668 art. 10"},
	{RULE_DIAGNOSTIC_INTERVIEW_OFFER, RULE_DELAY_TO_ACT,
	 ORIGIN, DECRET_2021_8, {15, DURATION_WORKING_DAYS},
	 {0}, "decret 2021-8"},
	{RULE_CFP_ANSWER, RULE_DELAY_TO_ACT,
	 ORIGIN, CPCE, {2, DURATION_MONTHS}, {0},
	 "CPCE R.153-1"},
	{RULE_ORDER_TO_LEAVE_DELAY, RULE_WAITING_PERIOD,
	 ORIGIN, CPCE, {2, DURATION_MONTHS}, {0},
	 "CPCE L.412-1"},
	{RULE_CFP_REQUEST_WAIT, RULE_WAITING_PERIOD,
	 ORIGIN, CPCE, {2, DURATION_MONTHS}, {0},
	 "CPCE R.153-1"},
	{RULE_SUMMONS_NOTICE_TO_PREFET, RULE_NOTICE_BEFORE,
	 ORIGIN, LOI_89_462, {2, DURATION_MONTHS}, {0},
	 "loi 89-462 art. 24 III"},
	{RULE_SUMMONS_NOTICE_TO_PREFET, RULE_NOTICE_BEFORE,
	 LOI_2023_668, LOI_2023_668, {6, DURATION_WEEKS}, {0},
	 "loi 89-462 art. 24 III, loi 2023-668 art. 10"},
	{RULE_DIAGNOSTIC_REPORT_NOTICE, RULE_NOTICE_BEFORE,
	 ORIGIN, DECRET_2021_8, {5, DURATION_WORKING_DAYS},
	 {0}, "decret 2021-8"},
	{RULE_LANDLORD_REFERRAL_NOTICE, RULE_NOTICE_BEFORE,
	 ORIGIN, LOI_ALUR, {2, DURATION_MONTHS}, {0},
	 "loi 2014-366 (ALUR)"},
	/* Before 2023 the thresholds were set by each departement's prefectoral
	 * order, which the engine does not know. */
	{RULE_CCAPEX_REPORT, RULE_THRESHOLD,
	 LOI_2023_668, LOI_2023_668, {0, DURATION_NONE},
	 {.months_unpaid = 2, .rent_multiple = 2},
	 "loi 89-462 art. 24 II, loi 2023-668, decret 2026-83"},
	/* Décret 2016-748 of 6 June 2016 (JO of the 7th) applies from
	 * 1 September 2016; the engine knows no CAF test before it. */
	{RULE_CAF_ARREARS, RULE_THRESHOLD,
	 DECRET_2016_748, DECRET_2016_748, {0, DURATION_NONE},
	 {.rent_multiple = 2, .rent_with_charges = true},
	 "decret 2016-748"},
	{RULE_CAF_ARREARS, RULE_THRESHOLD,
	 DECRET_2026_84, DECRET_2026_84, {0, DURATION_NONE},
	 {.months_after_first_missed = 3, .debt_over_cents = 45000},
	 "decret 2026-84"},
};

int rules_find(const struct rule **out, enum rule_id id,
	       const struct date *on, struct err *err)
{
	if (!date_is_valid(on))
		return err_set(err, ERR_INVALID, "date", "not a valid date");
	const struct rule *found = NULL;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].id == id && date_cmp(&rules[i].since, on) <= 0)
			found = &rules[i];
	if (found == NULL) {
		char day[DATE_STR_LEN];
		date_format(day, on);
		return err_set(err, ERR_NOT_FOUND, "date",
			       "no version of rule %d was in force on %s",
			       (int)id, day);
	}
	*out = found;
	return ERR_OK;
}

int rules_duration_for(struct duration *out, enum rule_id id,
		       const struct date *on, struct err *err)
{
	const struct rule *r = NULL;
	int rc = rules_find(&r, id, on, err);
	if (rc != ERR_OK)
		return rc;
	if (r->kind == RULE_THRESHOLD)
		return err_set(err, ERR_INVALID, "", "rule %d is a threshold",
			       (int)id);
	*out = r->duration;
	return ERR_OK;
}

int rules_applied(struct rule_applied *out, enum rule_id id,
		  const struct date *on, struct err *err)
{
	const struct rule *r = NULL;
	int rc = rules_find(&r, id, on, err);
	if (rc == ERR_OK)
		*out = (struct rule_applied){ id, r->version, r->source };
	return rc;
}

void rules_end_of(struct date *end, struct date *unextended, enum rule_kind kind, const struct date *from,
		  const struct duration *dur)
{
	struct date last;
	if (kind == RULE_NOTICE_BEFORE)
		rules_subtract_duration(&last, from, dur);
	else
		rules_add_duration(&last, from, dur);
	if (unextended != NULL)
		*unextended = last;
	if (kind == RULE_DELAY_TO_ACT)
		calendar_extend_to_working_day(&last, &last);
	*end = last;
}

static int due_under(struct date *out, const struct rule *r,
		     const struct date *from, const struct duration *dur,
		     struct err *err)
{
	if (!date_is_valid(from))
		return err_set(err, ERR_INVALID, "date", "not a valid date");
	if (r->kind == RULE_THRESHOLD)
		return err_set(err, ERR_INVALID, "", "rule %d is a threshold",
			       (int)r->id);
	rules_end_of(out, NULL, r->kind, from, dur != NULL ? dur : &r->duration);
	return ERR_OK;
}

int rules_due_date(struct date *out, enum rule_id id, const struct date *on,
		   const struct date *from, const struct duration *dur,
		   struct err *err)
{
	return rules_due_date_applied(out, NULL, id, on, from, dur, err);
}

int rules_due_date_applied(struct date *out, struct rule_applied *applied,
			   enum rule_id id, const struct date *on,
			   const struct date *from, const struct duration *dur,
			   struct err *err)
{
	const struct rule *r = NULL;
	int rc = rules_find(&r, id, on, err);
	if (rc == ERR_OK)
		rc = due_under(out, r, from, dur, err);
	if (rc == ERR_OK && applied != NULL)
		*applied = (struct rule_applied){ id, r->version, r->source };
	return rc;
}

int rules_time_to_pay(struct date *due, struct rule_applied *applied,
		      const struct date *act, const struct date *lease,
		      struct err *err)
{
	const struct rule *of_act = NULL, *kept = NULL;
	int rc = rules_find(&of_act, RULE_PAYMENT_ORDER_TIME_TO_PAY, act, err);
	if (rc != ERR_OK)
		return rc;
	if (lease != NULL && !date_is_valid(lease))
		return err_set(err, ERR_INVALID, "lease_signed_on",
			       "not a valid date");
	if (lease != NULL && date_cmp(lease, act) > 0)
		return err_set(err, ERR_INVALID, "lease_signed_on",
			       "the lease is dated after the payment order");
	if (lease != NULL) {
		rc = rules_find(&kept, RULE_PAYMENT_ORDER_TIME_TO_PAY, lease,
				err);
		if (rc != ERR_OK)
			return rc;
	} else {
		const struct date origin = ORIGIN;
		rc = rules_find(&kept, RULE_PAYMENT_ORDER_TIME_TO_PAY, &origin,
				err);
		if (rc != ERR_OK)
			return rc;
	}
	rc = due_under(due, kept, act, NULL, err);
	if (rc != ERR_OK)
		return rc;
	applied->id = RULE_PAYMENT_ORDER_TIME_TO_PAY;
	applied->version = kept->version;
	applied->basis = kept->source;
	/* The act's own version would differ: say why it does not apply. */
	if (kept != of_act)
		applied->basis = lease != NULL ? BASIS_LEASE_BEFORE_2023
					       : BASIS_LEASE_UNKNOWN;
	return ERR_OK;
}

const char *rules_id_name(enum rule_id id)
{
	static const char *const names[RULE__COUNT] = {
		[RULE_PAYMENT_ORDER_TIME_TO_PAY] = "payment_order_time_to_pay",
		[RULE_DIAGNOSTIC_INTERVIEW_OFFER] =
			"diagnostic_interview_offer",
		[RULE_CFP_ANSWER] = "cfp_answer",
		[RULE_ORDER_TO_LEAVE_DELAY] = "order_to_leave_delay",
		[RULE_CFP_REQUEST_WAIT] = "cfp_request_wait",
		[RULE_SUMMONS_NOTICE_TO_PREFET] = "summons_notice_to_prefet",
		[RULE_DIAGNOSTIC_REPORT_NOTICE] = "diagnostic_report_notice",
		[RULE_LANDLORD_REFERRAL_NOTICE] = "landlord_referral_notice",
		[RULE_CCAPEX_REPORT] = "ccapex_report",
		[RULE_CAF_ARREARS] = "caf_arrears",
	};
	if ((int)id < 0 || id >= RULE__COUNT)
		return NULL;
	return names[id];
}

static void shift_duration(struct date *out, const struct date *from,
			   const struct duration *dur, int sign)
{
	switch (dur->unit) {
	case DURATION_DAYS:
		date_add_days(out, from, sign * dur->amount);
		break;
	case DURATION_WEEKS:
		date_add_days(out, from, sign * 7 * dur->amount);
		break;
	case DURATION_MONTHS:
		date_add_months(out, from, sign * dur->amount);
		break;
	case DURATION_WORKING_DAYS:
		if (sign > 0)
			calendar_add_working_days(out, from, dur->amount);
		else
			calendar_subtract_working_days(out, from, dur->amount);
		break;
	case DURATION_NONE:
	default:
		*out = *from;
		break;
	}
}

void rules_add_duration(struct date *out, const struct date *from,
			const struct duration *dur)
{
	shift_duration(out, from, dur, 1);
}

void rules_subtract_duration(struct date *out, const struct date *from,
			     const struct duration *dur)
{
	shift_duration(out, from, dur, -1);
}

/* debt >= k x rent, written as a division so that no product overflows:
 * for positive integers, debt >= k*rent exactly when debt/k >= rent. */
static bool debt_reaches_multiple(int64_t debt, int k, int64_t rent)
{
	return rent > 0 && debt >= 0 && debt / k >= rent;
}

static enum threshold_result judged(bool met)
{
	return met ? THRESHOLD_MET : THRESHOLD_NOT_MET;
}

static enum threshold_result rent_multiple_test(const struct threshold *t, const struct arrears *a)
{
	if (t->rent_multiple <= 0)
		return THRESHOLD_NOT_MADE;
	if (a->rent_cents < 0 || (t->rent_with_charges && a->charges_cents < 0))
		return THRESHOLD_UNKNOWN;
	int64_t rent = a->rent_cents;
	if (t->rent_with_charges && a->charges_cents > 0)
		rent = rent > INT64_MAX - a->charges_cents ? INT64_MAX : rent + a->charges_cents;
	return judged(debt_reaches_multiple(a->debt_cents, t->rent_multiple, rent));
}

static enum threshold_result months_after_test(const struct threshold *t, const struct arrears *a,
					       const struct date *on)
{
	if (t->months_after_first_missed <= 0)
		return THRESHOLD_NOT_MADE;
	if (!a->first_missed_known || !date_is_valid(&a->first_missed_on))
		return THRESHOLD_UNKNOWN;
	struct date from;
	date_add_months(&from, &a->first_missed_on, t->months_after_first_missed);
	return judged(date_cmp(on, &from) >= 0);
}

int rules_threshold_tests(struct threshold_tests *out, const struct rule **applied, enum rule_id id,
			  const struct arrears *a, const struct date *on, struct err *err)
{
	const struct rule *r = NULL;
	int rc = rules_find(&r, id, on, err);
	if (rc != ERR_OK)
		return rc;
	if (r->kind != RULE_THRESHOLD)
		return err_set(err, ERR_INVALID, "", "rule %d is a duration", (int)id);
	const struct threshold *t = &r->threshold;
	out->months_unpaid = t->months_unpaid <= 0 ? THRESHOLD_NOT_MADE
			     : a->months_unpaid < 0 ? THRESHOLD_UNKNOWN
						    : judged(a->months_unpaid >= t->months_unpaid);
	out->rent_multiple = rent_multiple_test(t, a);
	out->months_after_first_missed = months_after_test(t, a, on);
	out->debt_over = t->debt_over_cents <= 0 ? THRESHOLD_NOT_MADE : judged(a->debt_cents > t->debt_over_cents);
	if (applied != NULL)
		*applied = r;
	return ERR_OK;
}

int rules_threshold_reached(bool *out, enum rule_id id,
			    const struct arrears *a, const struct date *on,
			    struct err *err)
{
	struct threshold_tests t;
	int rc = rules_threshold_tests(&t, NULL, id, a, on, err);
	if (rc == ERR_NOT_FOUND) {
		err_clear(err);
		*out = false;
		return ERR_OK;
	}
	if (rc != ERR_OK)
		return rc;
	*out = t.months_unpaid == THRESHOLD_MET || t.rent_multiple == THRESHOLD_MET ||
	       t.months_after_first_missed == THRESHOLD_MET || t.debt_over == THRESHOLD_MET;
	return ERR_OK;
}
