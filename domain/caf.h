/* The CAF's side of the law: when arrears of a housing-benefit recipient
 * are constituted (RULE_CAF_ARREARS of domain/rules.c, judged under the
 * version in force on the day the arrears are signalled), and the benefit
 * decisions the CCAPEX takes from 1 January 2027 (décret 2026-84). Pure C. */
#ifndef DOMAIN_CAF_H
#define DOMAIN_CAF_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/err.h"

/* The rule's name in JSON: arrears.rule.id. */
#define CAF_ARREARS_RULE_ID "caf_arrears"

/* The tests a version of the rule makes; each is met on its own. Names in
 * JSON: caf_arrears_test_name(). */
enum caf_arrears_test {
	CAF_TEST_TWO_MONTHS_RENT_WITH_CHARGES,   /* before 2027: debt >= 2 x (rent + charges) */
	CAF_TEST_DEBT_OVER_450,                  /* from 2027: debt > 450 euros */
	CAF_TEST_THREE_MONTHS_AFTER_FIRST_MISSED,/* from 2027: on or after first missed + 3 months */
	CAF_TEST__COUNT
};

enum caf_constituted {
	CAF_UNKNOWN,           /* the data the rule in force needs is missing */
	CAF_NOT_CONSTITUTED,
	CAF_CONSTITUTED,
};

/* What a signal says of the arrears. */
struct caf_arrears_facts {
	struct date on;                /* the day the arrears are signalled */
	int64_t debt_cents;            /* >= 0 */
	bool rent_known, charges_known, first_missed_known;
	int64_t rent_cents;            /* monthly, without charges */
	int64_t charges_cents;         /* monthly */
	struct date first_missed_on;
};

struct caf_arrears {
	enum caf_constituted constituted;
	unsigned tests_met;            /* bitmask of 1u << enum caf_arrears_test */
	bool version_known;            /* false: the version in force before any change the engine tracks */
	struct date version;           /* the day the applied version took effect */
	const char *basis;             /* static: the legal text; NULL when no version was in force */
	/* From 2027 a constituted unpaid opens a benefit decision at the
	 * CCAPEX; before, the CAF decides alone. */
	bool opens_benefit_decision;
};

/* Judges the facts under the version of RULE_CAF_ARREARS in force on
 * f->on. Each test of that version is met, not met, or unknown for lack of
 * data; the arrears are constituted when one test is met, not constituted
 * when every test is known and none is met, else unknown. ERR_INVALID when
 * f->on is not a valid date. */
int caf_judge_arrears(struct caf_arrears *out, const struct caf_arrears_facts *f, struct err *err);

/* "two_months_rent_with_charges", "debt_over_450",
 * "three_months_after_first_missed"; NULL out of range. */
const char *caf_arrears_test_name(enum caf_arrears_test t);

/* The first day benefit decisions open: 2027-01-01. */
void caf_benefit_decisions_since(struct date *out);

/* --- benefit decisions ----------------------------------------------------- */

/* open (waiting for the CCAPEX) -> decided -> applied (by the CAF). A
 * household has at most one that is not applied. */
enum benefit_decision_status {
	BENEFIT_DECISION_OPEN,
	BENEFIT_DECISION_DECIDED,
	BENEFIT_DECISION_APPLIED,
	BENEFIT_DECISION__STATUS_COUNT
};

enum benefit_decision_outcome {
	BENEFIT_MAINTAINED,
	BENEFIT_SUSPENDED,
	BENEFIT_PAID_TO_LANDLORD,
	BENEFIT__OUTCOME_COUNT
};

#define BENEFIT_DECISION_REASONS_MAX 4000 /* characters */

const char *benefit_decision_status_name(enum benefit_decision_status s);
const char *benefit_decision_outcome_name(enum benefit_decision_outcome o);
/* 0, or -1 for NULL or an unknown name. */
int benefit_decision_parse_status(const char *s, enum benefit_decision_status *out);
int benefit_decision_parse_outcome(const char *s, enum benefit_decision_outcome *out);

/* The secretariat decides an open decision: ERR_CONFLICT on "status"
 * otherwise; ERR_UNPROCESSABLE on "decided_on" when it comes before the
 * signal that opened it. */
int benefit_decision_check_decide(enum benefit_decision_status from, const struct date *signalled_on,
				  const struct date *decided_on, struct err *err);

/* The CAF reports a decided decision applied: ERR_CONFLICT on "status"
 * otherwise; ERR_UNPROCESSABLE on "applied_on" before the decision. */
int benefit_decision_check_apply(enum benefit_decision_status from, const struct date *decided_on,
				 const struct date *applied_on, struct err *err);

#endif
