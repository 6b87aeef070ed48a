#include "domain/date.h"

#include <stdio.h>
#include <string.h>

bool date_is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && date_is_leap_year(y))
		return 29;
	return days[m - 1];
}

bool date_is_valid(const struct date *d)
{
	return d != NULL && d->y >= 1 && d->y <= 9999 && d->m >= 1 &&
	       d->m <= 12 && d->d >= 1 &&
	       d->d <= date_days_in_month(d->y, d->m);
}

static int digits_value(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int date_parse(struct date *out, const char *s, const char *field,
	       struct err *err)
{
	struct date d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits_value(s, 4, &d.y) != 0 ||
	    digits_value(s + 5, 2, &d.m) != 0 ||
	    digits_value(s + 8, 2, &d.d) != 0)
		return err_set(err, ERR_INVALID, field,
			       "must be a date written YYYY-MM-DD");
	if (!date_is_valid(&d))
		return err_set(err, ERR_INVALID, field,
			       "%s is not a day of the calendar", s);
	*out = d;
	return ERR_OK;
}

void date_format(char out[DATE_STR_LEN], const struct date *d)
{
	snprintf(out, DATE_STR_LEN, "%04d-%02d-%02d", d->y, d->m, d->d);
}

/* Howard Hinnant's days_from_civil: counting from 1 March puts the leap day
 * at the end of the year, which makes the month offsets a closed formula. */
int date_to_days(const struct date *d)
{
	int y = d->y - (d->m <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int mp = (d->m + 9) % 12;
	int doy = (153 * mp + 2) / 5 + d->d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_from_days(struct date *out, int days)
{
	int z = days + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int m = mp < 10 ? mp + 3 : mp - 9;
	out->d = doy - (153 * mp + 2) / 5 + 1;
	out->m = m;
	out->y = yoe + era * 400 + (m <= 2);
}

void date_add_days(struct date *out, const struct date *from, int days)
{
	date_from_days(out, date_to_days(from) + days);
}

void date_add_months(struct date *out, const struct date *from, int months)
{
	int total = from->y * 12 + (from->m - 1) + months;
	int y = total >= 0 ? total / 12 : (total - 11) / 12;
	int m = total - y * 12 + 1;
	int last = date_days_in_month(y, m);
	int d = from->d < last ? from->d : last;
	out->y = y;
	out->m = m;
	out->d = d;
}

int date_cmp(const struct date *a, const struct date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

int date_diff_days(const struct date *a, const struct date *b)
{
	return date_to_days(b) - date_to_days(a);
}

enum weekday date_weekday(const struct date *d)
{
	/* 1970-01-01 was a Thursday. */
	int r = ((date_to_days(d) % 7) + 7) % 7;
	return (enum weekday)((r + 3) % 7 + 1);
}
