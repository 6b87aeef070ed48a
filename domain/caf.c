#include "domain/caf.h"

#include <stddef.h>
#include <string.h>

#include "domain/parse.h"
#include "domain/rules.h"

static const char *const test_names[CAF_TEST__COUNT] = {
	[CAF_TEST_TWO_MONTHS_RENT_WITH_CHARGES] = "two_months_rent_with_charges",
	[CAF_TEST_DEBT_OVER_450] = "debt_over_450",
	[CAF_TEST_THREE_MONTHS_AFTER_FIRST_MISSED] = "three_months_after_first_missed",
};
static const char *const status_names[BENEFIT_DECISION__STATUS_COUNT] = { "open", "decided", "applied" };
static const char *const outcome_names[BENEFIT__OUTCOME_COUNT] = { "maintained", "suspended", "paid_to_landlord" };

/* Décret 2026-84: the CCAPEX decides whether the benefit is kept. */
static const struct date decisions_since = { 2027, 1, 1 };

const char *caf_arrears_test_name(enum caf_arrears_test t)
{
	return (unsigned)t < CAF_TEST__COUNT ? test_names[t] : NULL;
}

void caf_benefit_decisions_since(struct date *out)
{
	*out = decisions_since;
}

int caf_judge_arrears(struct caf_arrears *out, const struct caf_arrears_facts *f, struct err *err)
{
	memset(out, 0, sizeof(*out));
	struct arrears a = {
		.debt_cents = f->debt_cents,
		.rent_cents = f->rent_known ? f->rent_cents : -1,
		.charges_cents = f->charges_known ? f->charges_cents : -1,
		.months_unpaid = -1,
		.first_missed_known = f->first_missed_known,
		.first_missed_on = f->first_missed_on,
	};
	struct threshold_tests t;
	const struct rule *r = NULL;
	int rc = rules_threshold_tests(&t, &r, RULE_CAF_ARREARS, &a, &f->on, err);
	if (rc == ERR_NOT_FOUND) {
		/* No version known that day (before 1 September 2016): nothing
		 * can be said, and the judgement names no rule. */
		err_clear(err);
		out->constituted = CAF_UNKNOWN;
		return ERR_OK;
	}
	if (rc != ERR_OK)
		return rc;
	/* The tests of the rule, each under its name. */
	const enum threshold_result results[CAF_TEST__COUNT] = {
		[CAF_TEST_TWO_MONTHS_RENT_WITH_CHARGES] = t.rent_multiple,
		[CAF_TEST_DEBT_OVER_450] = t.debt_over,
		[CAF_TEST_THREE_MONTHS_AFTER_FIRST_MISSED] = t.months_after_first_missed,
	};
	bool unknown = false;
	for (int i = 0; i < CAF_TEST__COUNT; i++) {
		if (results[i] == THRESHOLD_MET)
			out->tests_met |= 1u << i;
		unknown = unknown || results[i] == THRESHOLD_UNKNOWN;
	}
	out->constituted = out->tests_met != 0 ? CAF_CONSTITUTED : unknown ? CAF_UNKNOWN : CAF_NOT_CONSTITUTED;
	static const struct date origin = { 1, 1, 1 };
	out->version_known = date_cmp(&r->since, &origin) != 0;
	out->version = r->since;
	out->basis = r->source;
	out->opens_benefit_decision = out->constituted == CAF_CONSTITUTED && date_cmp(&f->on, &decisions_since) >= 0;
	return ERR_OK;
}

/* -1 when s is not among the names (the parsers below answer -1, not an
 * error, to their callers). */
static int name_index(const char *const *names, int count, const char *s)
{
	int v = -1;
	struct err ignored;
	return parse_name_index(&v, s, names, count, "", &ignored) == ERR_OK ? v : -1;
}

const char *benefit_decision_status_name(enum benefit_decision_status s)
{
	return (unsigned)s < BENEFIT_DECISION__STATUS_COUNT ? status_names[s] : NULL;
}

const char *benefit_decision_outcome_name(enum benefit_decision_outcome o)
{
	return (unsigned)o < BENEFIT__OUTCOME_COUNT ? outcome_names[o] : NULL;
}

int benefit_decision_parse_status(const char *s, enum benefit_decision_status *out)
{
	int v = name_index(status_names, BENEFIT_DECISION__STATUS_COUNT, s);
	if (v < 0)
		return -1;
	*out = (enum benefit_decision_status)v;
	return 0;
}

int benefit_decision_parse_outcome(const char *s, enum benefit_decision_outcome *out)
{
	int v = name_index(outcome_names, BENEFIT__OUTCOME_COUNT, s);
	if (v < 0)
		return -1;
	*out = (enum benefit_decision_outcome)v;
	return 0;
}

static int refuse_transition(enum benefit_decision_status from, enum benefit_decision_status to, struct err *err)
{
	const char *a = benefit_decision_status_name(from), *b = benefit_decision_status_name(to);
	return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "a benefit decision that is %s cannot become %s", a ? a : "?",
		       b ? b : "?");
}

int benefit_decision_check_decide(enum benefit_decision_status from, const struct date *signalled_on,
				  const struct date *decided_on, struct err *err)
{
	if (from != BENEFIT_DECISION_OPEN)
		return refuse_transition(from, BENEFIT_DECISION_DECIDED, err);
	if (date_cmp(decided_on, signalled_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "decided_on",
			       "decided_on comes before the signal that opened the decision");
	return ERR_OK;
}

int benefit_decision_check_apply(enum benefit_decision_status from, const struct date *decided_on,
				 const struct date *applied_on, struct err *err)
{
	if (from != BENEFIT_DECISION_DECIDED)
		return refuse_transition(from, BENEFIT_DECISION_APPLIED, err);
	if (date_cmp(applied_on, decided_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "applied_on", "applied_on comes before the decision");
	return ERR_OK;
}
