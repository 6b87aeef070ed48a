#include "domain/calendar.h"

/* Anonymous Gregorian algorithm (Meeus, Jones, Butcher). */
void calendar_easter(struct date *out, int year)
{
	int a = year % 19;
	int b = year / 100;
	int c = year % 100;
	int d = b / 4;
	int e = b % 4;
	int f = (b + 8) / 25;
	int g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4;
	int k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;
	out->y = year;
	out->m = month;
	out->d = day;
}

void calendar_holidays(struct holiday out[CALENDAR_HOLIDAYS_PER_YEAR],
		       int year)
{
	static const struct {
		int m, d;
		int easter_offset; /* used when m == 0 */
		const char *name;
	} table[CALENDAR_HOLIDAYS_PER_YEAR] = {
		{1, 1, 0, "new_year"},
		{0, 0, 1, "easter_monday"},
		{5, 1, 0, "labour_day"},
		{5, 8, 0, "victory_in_europe_day"},
		{0, 0, 39, "ascension"},
		{0, 0, 50, "whit_monday"},
		{7, 14, 0, "national_day"},
		{8, 15, 0, "assumption"},
		{11, 1, 0, "all_saints"},
		{11, 11, 0, "armistice_day"},
		{12, 25, 0, "christmas"},
	};
	struct date easter;
	calendar_easter(&easter, year);
	for (int i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR; i++) {
		out[i].name = table[i].name;
		if (table[i].m == 0) {
			date_add_days(&out[i].date, &easter,
				      table[i].easter_offset);
		} else {
			out[i].date.y = year;
			out[i].date.m = table[i].m;
			out[i].date.d = table[i].d;
		}
	}
	/* Insertion sort, stable, because only Ascension moves around 1 and
	 * 8 May. */
	for (int i = 1; i < CALENDAR_HOLIDAYS_PER_YEAR; i++) {
		struct holiday h = out[i];
		int j = i - 1;
		while (j >= 0 && date_cmp(&out[j].date, &h.date) > 0) {
			out[j + 1] = out[j];
			j--;
		}
		out[j + 1] = h;
	}
}

bool calendar_is_holiday(const struct date *d)
{
	struct holiday h[CALENDAR_HOLIDAYS_PER_YEAR];
	calendar_holidays(h, d->y);
	for (int i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR; i++)
		if (date_cmp(&h[i].date, d) == 0)
			return true;
	return false;
}

bool calendar_is_working_day(const struct date *d)
{
	return date_weekday(d) < WEEKDAY_SATURDAY && !calendar_is_holiday(d);
}

bool calendar_is_enforcement_day(const struct date *d)
{
	return date_weekday(d) != WEEKDAY_SUNDAY && !calendar_is_holiday(d);
}

static void step_working_days(struct date *out, const struct date *from,
			      int n, int step)
{
	struct date d = *from;
	while (n > 0) {
		date_add_days(&d, &d, step);
		if (calendar_is_working_day(&d))
			n--;
	}
	*out = d;
}

void calendar_add_working_days(struct date *out, const struct date *from,
			       int n)
{
	step_working_days(out, from, n, 1);
}

void calendar_subtract_working_days(struct date *out, const struct date *from,
				    int n)
{
	step_working_days(out, from, n, -1);
}

void calendar_extend_to_working_day(struct date *out, const struct date *due)
{
	struct date d = *due;
	while (!calendar_is_working_day(&d))
		date_add_days(&d, &d, 1);
	*out = d;
}

bool calendar_in_winter_truce(const struct date *d)
{
	return d->m >= 11 || d->m <= 3;
}

void calendar_skip_winter_truce(struct date *out, const struct date *d)
{
	if (!calendar_in_winter_truce(d)) {
		*out = *d;
		return;
	}
	out->y = d->m >= 11 ? d->y + 1 : d->y;
	out->m = 4;
	out->d = 1;
}

/* A Sunday or holiday skipped on 31 October lands on 1 or 2 November, in
 * the truce again: hence the loop. */
void calendar_next_eviction_day(struct date *out, const struct date *d)
{
	struct date day = *d;
	for (;;) {
		calendar_skip_winter_truce(&day, &day);
		if (calendar_is_enforcement_day(&day))
			break;
		date_add_days(&day, &day, 1);
	}
	*out = day;
}
