#include "domain/calendar_day.h"

#include <stddef.h>
#include <string.h>

#include "domain/calendar.h"

static const struct {
	const char *id, *name;
} holiday_names[CALENDAR_HOLIDAYS_PER_YEAR] = {
	{"new_year", "Jour de l'an"},
	{"easter_monday", "Lundi de Pâques"},
	{"labour_day", "Fête du Travail"},
	{"victory_in_europe_day", "Victoire 1945"},
	{"ascension", "Ascension"},
	{"whit_monday", "Lundi de Pentecôte"},
	{"national_day", "Fête nationale"},
	{"assumption", "Assomption"},
	{"all_saints", "Toussaint"},
	{"armistice_day", "Armistice 1918"},
	{"christmas", "Noël"},
};

const char *calendar_day_holiday_name(const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR; i++)
		if (strcmp(holiday_names[i].id, id) == 0)
			return holiday_names[i].name;
	return NULL;
}

const char *calendar_day_weekday_name(enum weekday w)
{
	static const char *const names[] = {
		[WEEKDAY_MONDAY] = "monday",       [WEEKDAY_TUESDAY] = "tuesday",
		[WEEKDAY_WEDNESDAY] = "wednesday", [WEEKDAY_THURSDAY] = "thursday",
		[WEEKDAY_FRIDAY] = "friday",       [WEEKDAY_SATURDAY] = "saturday",
		[WEEKDAY_SUNDAY] = "sunday",
	};
	if (w < WEEKDAY_MONDAY || w > WEEKDAY_SUNDAY)
		return "";
	return names[w];
}

void calendar_day_describe(struct calendar_day *out, const struct date *d)
{
	struct holiday h[CALENDAR_HOLIDAYS_PER_YEAR];
	calendar_holidays(h, d->y);
	out->date = *d;
	out->weekday = date_weekday(d);
	out->holiday_id = NULL;
	/* calendar_holidays() sorts stably from a table where 1 and 8 May come
	 * before Ascension: the first match is the fixed holiday. */
	for (int i = 0; i < CALENDAR_HOLIDAYS_PER_YEAR && out->holiday_id == NULL; i++)
		if (date_cmp(&h[i].date, d) == 0)
			out->holiday_id = h[i].name;
	out->holiday_name = calendar_day_holiday_name(out->holiday_id);
	out->working_day = calendar_is_working_day(d);
	out->winter_truce = calendar_in_winter_truce(d);
	/* The engine's own test (earliest_eviction), and the truce. */
	out->eviction_allowed = calendar_is_enforcement_day(d) && !out->winter_truce;
}

int calendar_day_parse(struct date *out, const char *s, const char *field,
		       struct err *err)
{
	struct date d;
	struct err why;
	if (date_parse(&d, s, field, &why) != ERR_OK)
		return err_set(err, ERR_INVALID, field, "%s: %s", field,
			       why.message);
	if (d.y < CALENDAR_DAY_FIRST_YEAR || d.y > CALENDAR_DAY_LAST_YEAR)
		return err_set(err, ERR_INVALID, field,
			       "%s must be from %d-01-01 to %d-12-31", field,
			       CALENDAR_DAY_FIRST_YEAR, CALENDAR_DAY_LAST_YEAR);
	*out = d;
	return ERR_OK;
}

int calendar_day_check_range(const struct date *from, const struct date *to,
			     const char *to_field, struct err *err)
{
	int days = date_diff_days(from, to) + 1;
	if (days < 1)
		return err_set(err, ERR_INVALID, to_field,
			       "%s must not be before from", to_field);
	if (days > CALENDAR_DAY_MAX_RANGE)
		return err_set(err, ERR_INVALID, to_field,
			       "from..%s holds %d days; at most %d, both ends included",
			       to_field, days, CALENDAR_DAY_MAX_RANGE);
	return ERR_OK;
}
