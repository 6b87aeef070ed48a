/* What input is plausible before it is stored: the window of dates each kind
 * of date field accepts, and the text rules (trimmed, not blank, no control
 * characters). Statistics and deadlines later trust what passed here, so a
 * 0001-01-01 hearing or a name of three spaces is refused at the door with
 * the field named. Pure C; "today" is a parameter so that tests are
 * deterministic. */
#ifndef DOMAIN_PLAUSIBLE_H
#define DOMAIN_PLAUSIBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/date.h"
#include "domain/err.h"

/* The kinds of date fields; each has one window in plausible.c. */
enum date_kind {
	DATE_KIND_ACT,         /* procedure events, hearings, summons, imported acts */
	DATE_KIND_BIRTH,       /* birth dates */
	DATE_KIND_LEASE,       /* lease dates */
	DATE_KIND_COMMISSION,  /* commission sessions */
	DATE_KIND_FIELD_WORK,  /* letters, diagnostics, outreach, MASP, ADIL contacts: done or about to be */
	DATE_KIND_PLAN,        /* planned ends, renewals, recommendation due dates */
	DATE_KIND_QUERY,       /* from/to filters of queries: wider */
	DATE_KIND_CAF_SIGNAL,  /* CAF signals and first missed payments: partners record 2027's now */
	DATE_KIND__COUNT
};

/* The first and last day a field of kind accepts, given today (valid). */
void plausible_date_window(enum date_kind kind, const struct date *today, struct date *first, struct date *last);

/* ERR_INVALID naming field when d (valid) is outside the window of kind;
 * the message says the window. */
int plausible_date_check(const struct date *d, enum date_kind kind, const struct date *today, const char *field,
			 struct err *err);

/* date_parse, then plausible_date_check; out untouched on failure. */
int plausible_date_parse(struct date *out, const char *s, enum date_kind kind, const struct date *today,
			 const char *field, struct err *err);

/* Names and single-line fields take no control character at all; free text
 * on several lines takes tabs and line breaks. Neither takes DEL or the C1
 * controls U+0080 to U+009F. */
enum text_kind { TEXT_LINE, TEXT_MULTILINE };

/* The part of s left by trimming: s + *start, *len bytes. */
void plausible_trim_span(const char *s, size_t *start, size_t *len);

/* Removes white space (space, tab, CR, LF, U+00A0) at both ends of the
 * UTF-8 string s, in place; returns s. */
char *plausible_trim(char *s);

/* Whether s is empty or only white space. */
bool plausible_is_blank(const char *s);

/* Whether s holds no control character that kind refuses. */
bool plausible_text_ok(const char *s, enum text_kind kind);

/* ERR_INVALID naming field when s holds a refused control character, or is
 * blank. */
int plausible_text_check(const char *s, enum text_kind kind, const char *field, struct err *err);

#endif
