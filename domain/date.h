/* Calendar dates without time zones: the law counts whole days, and local-time
 * struct tm arithmetic would shift them across daylight-saving changes. */
#ifndef DOMAIN_DATE_H
#define DOMAIN_DATE_H

#include <stdbool.h>

#include "domain/err.h"

/* Proleptic Gregorian; valid dates have 1 <= y <= 9999 so that they always
 * format as "YYYY-MM-DD". */
struct date {
	int y, m, d;
};

/* "YYYY-MM-DD" and its terminating NUL. */
#define DATE_STR_LEN 11

/* ISO 8601 numbering, so that a weekend test reads `>= WEEKDAY_SATURDAY`. */
enum weekday {
	WEEKDAY_MONDAY = 1,
	WEEKDAY_TUESDAY,
	WEEKDAY_WEDNESDAY,
	WEEKDAY_THURSDAY,
	WEEKDAY_FRIDAY,
	WEEKDAY_SATURDAY,
	WEEKDAY_SUNDAY,
};

bool date_is_leap_year(int y);
/* 0 when m is not a month. */
int date_days_in_month(int y, int m);
bool date_is_valid(const struct date *d);

/* Accepts exactly "YYYY-MM-DD" naming a real day: no sign, no spaces, no
 * trailing characters, no 2023-02-29. On failure returns ERR_INVALID with
 * `field` (the caller's name for the input, e.g. "hearing_on") in err and
 * leaves out untouched. */
int date_parse(struct date *out, const char *s, const char *field,
	       struct err *err);

/* d must be valid. */
void date_format(char out[DATE_STR_LEN], const struct date *d);

/* Days since 1970-01-01 (negative before it). d must be valid. */
int date_to_days(const struct date *d);
void date_from_days(struct date *out, int days);

/* In every function below out may point to the same struct as the input,
 * and the input must be valid. */
void date_add_days(struct date *out, const struct date *from, int days);
/* CPC art. 641: the same day number `months` later (earlier when negative),
 * or the last day of that month when it has no such day. */
void date_add_months(struct date *out, const struct date *from, int months);

/* <0, 0 or >0 as a is before, on or after b. */
int date_cmp(const struct date *a, const struct date *b);
/* b - a, in days. */
int date_diff_days(const struct date *a, const struct date *b);
enum weekday date_weekday(const struct date *d);

#endif
