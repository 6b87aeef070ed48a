#include "domain/plausible.h"

#include <string.h>

/* One row per kind of date field: the first day accepted, and how far
 * after today the last one is. A field's kind is chosen where its reader
 * is (api/); the numbers live here only. */
static const struct {
	struct date first;
	int years_ahead;
	const char *what;
} windows[DATE_KIND__COUNT] = {
	/* The procedure-tracking era starts with the 1990 Besson law; a
	 * hearing is set at most about two years ahead. */
	[DATE_KIND_ACT] = { { 1990, 1, 1 }, 2, "an act or hearing date" },
	[DATE_KIND_BIRTH] = { { 1900, 1, 1 }, 0, "a birth date" },
	[DATE_KIND_LEASE] = { { 1950, 1, 1 }, 1, "a lease date" },
	[DATE_KIND_COMMISSION] = { { 2000, 1, 1 }, 2, "a commission date" },
	[DATE_KIND_FIELD_WORK] = { { 2000, 1, 1 }, 1, "a date of field work" },
	[DATE_KIND_PLAN] = { { 2000, 1, 1 }, 10, "a planned date" },
	[DATE_KIND_QUERY] = { { 1900, 1, 1 }, 100, "a date" },
	[DATE_KIND_CAF_SIGNAL] = { { 2000, 1, 1 }, 2, "a CAF signal date" },
};

void plausible_date_window(enum date_kind kind, const struct date *today, struct date *first, struct date *last)
{
	if ((int)kind < 0 || kind >= DATE_KIND__COUNT)
		kind = DATE_KIND_QUERY;
	*first = windows[kind].first;
	date_add_months(last, today, 12 * windows[kind].years_ahead);
}

int plausible_date_check(const struct date *d, enum date_kind kind, const struct date *today, const char *field,
			 struct err *err)
{
	struct date first, last;
	plausible_date_window(kind, today, &first, &last);
	if (date_cmp(d, &first) >= 0 && date_cmp(d, &last) <= 0)
		return ERR_OK;
	char a[DATE_STR_LEN], b[DATE_STR_LEN];
	date_format(a, &first);
	date_format(b, &last);
	return err_set(err, ERR_INVALID, field, "%.60s must be %s from %s to %s", field,
		       windows[(int)kind >= 0 && kind < DATE_KIND__COUNT ? kind : DATE_KIND_QUERY].what, a, b);
}

int plausible_date_parse(struct date *out, const char *s, enum date_kind kind, const struct date *today,
			 const char *field, struct err *err)
{
	struct date d;
	int rc = date_parse(&d, s, field, err);
	if (rc == ERR_OK)
		rc = plausible_date_check(&d, kind, today, field, err);
	if (rc == ERR_OK)
		*out = d;
	return rc;
}

/* Bytes of the white space at p: 0 when none. */
static size_t space_at(const unsigned char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		return 1;
	if (p[0] == 0xC2 && p[1] == 0xA0)
		return 2;
	return 0;
}

void plausible_trim_span(const char *s, size_t *start, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, end = 0, i = 0;
	while ((n = space_at(p + i)) > 0)
		i += n;
	*start = i;
	for (; p[i] != '\0'; i += n) {
		n = space_at(p + i);
		if (n == 0) {
			n = 1;
			end = i + 1;
		}
	}
	*len = end > *start ? end - *start : 0;
}

char *plausible_trim(char *s)
{
	size_t start, len;
	plausible_trim_span(s, &start, &len);
	memmove(s, s + start, len);
	s[len] = '\0';
	return s;
}

bool plausible_is_blank(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	while ((n = space_at(p)) > 0)
		p += n;
	return *p == '\0';
}

bool plausible_text_ok(const char *s, enum text_kind kind)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 && !(kind == TEXT_MULTILINE && (*p == '\t' || *p == '\n' || *p == '\r')))
			return false;
		if (*p == 0x7F)
			return false;
		/* U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return false;
	}
	return true;
}

int plausible_text_check(const char *s, enum text_kind kind, const char *field, struct err *err)
{
	if (!plausible_text_ok(s, kind))
		return err_set(err, ERR_INVALID, field, "%.60s must not contain control characters%s", field,
			       kind == TEXT_MULTILINE ? " other than tabs and line breaks" : "");
	if (plausible_is_blank(s))
		return err_set(err, ERR_INVALID, field, "%.60s must not be blank", field);
	return ERR_OK;
}
