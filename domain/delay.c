#include "domain/delay.h"

#include <stddef.h>
#include <string.h>


/* The amount at the start of s and, in *len, the digits read (0 when none,
 * or when a leading zero makes it malformed). More digits than any bound
 * needs read as -1, out of every range, never as an overflow. */
static int read_amount(const char *s, size_t *len)
{
	int v = 0;
	size_t n = 0;
	for (; s[n] >= '0' && s[n] <= '9'; n++)
		if (v >= 0)
			v = n < 6 ? v * 10 + (s[n] - '0') : -1;
	*len = n > 1 && s[0] == '0' ? 0 : n;
	return v;
}

static bool has_lower_case(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			return true;
	return false;
}

int delay_parse(struct duration *out, const char *s, const char *field,
		struct err *err)
{
	static const struct {
		const char *prefix, *suffix;
		enum duration_unit unit;
		int max, factor;
	} forms[] = {
		{"P", "D", DURATION_DAYS, DELAY_MAX_DAYS, 1},
		{"P", "W", DURATION_WEEKS, DELAY_MAX_WEEKS, 1},
		{"P", "M", DURATION_MONTHS, DELAY_MAX_MONTHS, 1},
		{"P", "Y", DURATION_MONTHS, DELAY_MAX_YEARS, 12},
		{"", "WD", DURATION_WORKING_DAYS, DELAY_MAX_WORKING_DAYS, 1},
	};
	if (s == NULL || s[0] == '\0')
		return err_set(err, ERR_INVALID, field, "%s is required", field);
	if (has_lower_case(s))
		return err_set(err, ERR_INVALID, field,
			       "%s takes upper-case designators: P6W, P2M, P15D, P1Y or 15WD",
			       field);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t plen = strlen(forms[i].prefix), len = 0;
		if (strncmp(s, forms[i].prefix, plen) != 0)
			continue;
		int amount = read_amount(s + plen, &len);
		if (len == 0 || strcmp(s + plen + len, forms[i].suffix) != 0)
			continue;
		if (amount < 1 || amount > forms[i].max)
			return err_set(err, ERR_INVALID, field,
				       "%s must be from 1 to %d %s", field,
				       forms[i].max,
				       forms[i].factor == 12 ? "years"
				       : delay_unit_to_string(forms[i].unit));
		out->amount = amount * forms[i].factor;
		out->unit = forms[i].unit;
		return ERR_OK;
	}
	return err_set(err, ERR_INVALID, field,
		       "%s must be one amount and one unit: P15D, P6W, P2M, P1Y or 15WD",
		       field);
}

const char *delay_unit_to_string(enum duration_unit unit)
{
	switch (unit) {
	case DURATION_DAYS:
		return "days";
	case DURATION_WEEKS:
		return "weeks";
	case DURATION_MONTHS:
		return "months";
	case DURATION_WORKING_DAYS:
		return "working_days";
	case DURATION_NONE:
	default:
		return "";
	}
}

static const char *const kind_names[] = {
	[RULE_DELAY_TO_ACT] = "delay_to_act",
	[RULE_WAITING_PERIOD] = "waiting_period",
	[RULE_NOTICE_BEFORE] = "notice_before",
};

#define KIND_NAMES_COUNT (sizeof(kind_names) / sizeof(kind_names[0]))

const char *delay_kind_to_string(enum rule_kind kind)
{
	if ((size_t)kind >= KIND_NAMES_COUNT || kind_names[kind] == NULL)
		return "";
	return kind_names[kind];
}

int delay_kind_from_string(const char *s, enum rule_kind *out)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < KIND_NAMES_COUNT; i++) {
		if (kind_names[i] != NULL && strcmp(s, kind_names[i]) == 0) {
			*out = (enum rule_kind)i;
			return 0;
		}
	}
	return -1;
}

int delay_end_compute(struct delay_end *out, const struct date *from,
		      const struct duration *dur, enum rule_kind kind,
		      struct err *err)
{
	if (!date_is_valid(from))
		return err_set(err, ERR_INVALID, "date", "not a valid date");
	if (dur->amount < 0 || dur->unit == DURATION_NONE ||
	    delay_unit_to_string(dur->unit)[0] == '\0')
		return err_set(err, ERR_INVALID, "delay",
			       "not a duration of days, weeks, months or working days");
	if (kind != RULE_DELAY_TO_ACT && kind != RULE_WAITING_PERIOD && kind != RULE_NOTICE_BEFORE)
		return err_set(err, ERR_INVALID, "kind",
			       "a threshold has no end date");
	struct delay_end r;
	rules_end_of(&r.end, &r.unextended_end, kind, from, dur);
	r.extended = date_cmp(&r.end, &r.unextended_end) != 0;
	*out = r;
	return ERR_OK;
}
