/* Legal delays given from outside (a partner asking "when does 6 weeks from
 * this act end?") turned into the engine's struct duration, and their end
 * under CPC art. 640-642 with the same arithmetic the deadline engine uses
 * (rules_add_duration, rules_subtract_duration,
 * calendar_extend_to_working_day). Pure C. */
#ifndef DOMAIN_DELAY_H
#define DOMAIN_DELAY_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/rules.h"

/* The longest delay each unit takes: ten years, in its own unit. */
#define DELAY_MAX_DAYS 3650
#define DELAY_MAX_WEEKS 520
#define DELAY_MAX_MONTHS 120
#define DELAY_MAX_YEARS 10
#define DELAY_MAX_WORKING_DAYS 1000

/*
 * One amount and one unit, upper case, no sign, no spaces, no leading zero:
 *   "P15D"  15 days         (1 to 3650)
 *   "P6W"   6 weeks         (1 to 520)
 *   "P2M"   2 months        (1 to 120)
 *   "P1Y"   1 year, which art. 641 counts as 12 months (1 to 10)
 *   "15WD"  15 working days (1 to 1000)
 * Zero, combined units ("P1M15D"), times and fractions are refused.
 * ERR_INVALID naming field, out untouched, on anything else.
 */
int delay_parse(struct duration *out, const char *s, const char *field,
		struct err *err);

/* "days", "weeks", "months", "working_days"; "" for DURATION_NONE or a
 * value out of range. Static strings. */
const char *delay_unit_to_string(enum duration_unit unit);

/* "delay_to_act", "waiting_period", "notice_before"; "" otherwise. */
const char *delay_kind_to_string(enum rule_kind kind);
/* 0, or -1 for NULL, "threshold" or an unknown name (exact match). */
int delay_kind_from_string(const char *s, enum rule_kind *out);

struct delay_end {
	struct date unextended_end; /* from + duration, or from - duration */
	struct date end;            /* the day that counts */
	bool extended;              /* end is later than unextended_end */
};

/*
 * The end of dur counted from `from` as a delay of kind: a delay to act is
 * moved past a Saturday, Sunday or holiday (CPC art. 642); a waiting period
 * ends on its last day; a notice before `from` is counted backwards and
 * never moved. ERR_INVALID for an invalid date, a threshold kind, a
 * duration without a unit or a negative amount.
 */
int delay_end_compute(struct delay_end *out, const struct date *from,
		      const struct duration *dur, enum rule_kind kind,
		      struct err *err);

#endif
