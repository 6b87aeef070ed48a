/* French working days, public holidays and the winter truce: what CPC
 * art. 640-642 and CPCE L.412-6 need to turn a legal delay into a date.
 * Holidays are the 11 of metropolitan France outside Alsace-Moselle (which
 * adds Good Friday and 26 December): the service runs for the Essonne. */
#ifndef DOMAIN_CALENDAR_H
#define DOMAIN_CALENDAR_H

#include <stdbool.h>

#include "domain/date.h"

#define CALENDAR_HOLIDAYS_PER_YEAR 11

struct holiday {
	struct date date;
	const char *name; /* static, stable snake_case, e.g. "whit_monday" */
};

/* Easter Sunday (Gregorian computus); year >= 1583. */
void calendar_easter(struct date *out, int year);

/* The year's holidays in calendar order. Ascension can fall on 1 or 8 May,
 * so two entries may share a date. */
void calendar_holidays(struct holiday out[CALENDAR_HOLIDAYS_PER_YEAR],
		       int year);

bool calendar_is_holiday(const struct date *d);
/* Monday to Friday, less the public holidays. */
bool calendar_is_working_day(const struct date *d);

/* CPCE L.141-1: an eviction may be carried out on any day but a Sunday or a
 * public holiday (Saturdays included). */
bool calendar_is_enforcement_day(const struct date *d);

/* In the functions below out may alias the input, which must be valid. */

/* The n-th working day strictly after from (n >= 0; 0 gives from itself). */
void calendar_add_working_days(struct date *out, const struct date *from,
			       int n);
/* The n-th working day strictly before from (n >= 0; 0 gives from). */
void calendar_subtract_working_days(struct date *out, const struct date *from,
				    int n);

/* CPC art. 642: a delay to act that ends on a Saturday, Sunday or holiday
 * runs to the next working day; a working day is left as it is. Never use
 * it for a minimum notice before a date, which is not extended. */
void calendar_extend_to_working_day(struct date *out, const struct date *due);

/* 1 November to 31 March inclusive (CPCE L.412-6). */
bool calendar_in_winter_truce(const struct date *d);
/* d itself outside the truce, else the 1 April that ends it. */
void calendar_skip_winter_truce(struct date *out, const struct date *d);

/* The first day on or after d on which an eviction may be carried out:
 * outside the winter truce, neither a Sunday nor a public holiday. */
void calendar_next_eviction_day(struct date *out, const struct date *d);

#endif
