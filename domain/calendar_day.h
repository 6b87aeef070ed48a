/* One day of the French calendar as partners read it: working day or not,
 * the public holiday and its French name, the winter truce, and whether an
 * eviction may be carried out on it. The window of dates and the longest
 * range the calendar service answers for. Pure C. */
#ifndef DOMAIN_CALENDAR_DAY_H
#define DOMAIN_CALENDAR_DAY_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"

/* Dates the calendar service takes: 1990-01-01 to 2100-12-31. */
#define CALENDAR_DAY_FIRST_YEAR 1990
#define CALENDAR_DAY_LAST_YEAR 2100
/* The longest range, both ends included: a leap year. */
#define CALENDAR_DAY_MAX_RANGE 366

struct calendar_day {
	struct date date;
	enum weekday weekday;
	bool working_day;          /* Monday to Friday, less the holidays */
	const char *holiday_id;    /* static ("whit_monday"); NULL when none */
	const char *holiday_name;  /* static French name; NULL when none */
	bool winter_truce;         /* 1 November to 31 March (CPCE L.412-6) */
	bool eviction_allowed;     /* not a Sunday, not a holiday (CPCE L.141-1),
	                              not in the truce */
};

/* d must be valid. When Ascension falls on 1 or 8 May, the day is named
 * after the fixed holiday. */
void calendar_day_describe(struct calendar_day *out, const struct date *d);

/* "monday" ... "sunday"; "" out of range. Static strings. */
const char *calendar_day_weekday_name(enum weekday w);

/* The French name of a holiday id of calendar_holidays() ("Lundi de
 * Pentecôte", UTF-8), or NULL for an unknown id. Static strings. */
const char *calendar_day_holiday_name(const char *id);

/* date_parse, then the window above; ERR_INVALID naming field, out
 * untouched, otherwise. */
int calendar_day_parse(struct date *out, const char *s, const char *field,
		       struct err *err);

/* ERR_INVALID naming to_field when to is before from or the range holds
 * more than CALENDAR_DAY_MAX_RANGE days. from and to must be valid. */
int calendar_day_check_range(const struct date *from, const struct date *to,
			     const char *to_field, struct err *err);

#endif
