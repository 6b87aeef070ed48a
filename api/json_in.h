/* Reading request bodies strictly: the shape and types of the input, with
 * 400 naming the field at fault. Business rules live in domain/. */
#ifndef API_JSON_IN_H
#define API_JSON_IN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/plausible.h"

/* ERR_INVALID naming the first member of obj that is not in allowed (a
 * NULL-terminated list); members in refused (NULL-terminated, may be NULL)
 * get a message saying the client may not set them. */
int json_in_keys(const json_t *obj, const char *const *allowed, const char *const *refused,
		 struct err *err);

/* Copies the string member key into out. Absent: ERR_OK with *present false
 * when optional, ERR_INVALID when required. null counts as absent. A string
 * with a control character (C0, DEL, C1) is refused: identifiers, codes and
 * enumerations are single-line. */
int json_in_string(const json_t *obj, const char *key, bool required, char *out, size_t len,
		   bool *present, struct err *err);

/* The size of a buffer for a text of at most chars characters of UTF-8
 * (up to 4 bytes each), with its NUL. */
#define JSON_IN_TEXT_BYTES(chars) ((chars) * 4 + 1)

/* Names and free text: the string member key trimmed of white space at both
 * ends into out, refused (ERR_INVALID naming key) when it holds a control
 * character that kind refuses, or when it is blank: null clears, "" does
 * not. out is JSON_IN_TEXT_BYTES(n) bytes long (len) for a text of at most
 * n characters, as the OpenAPI's maxLength and the column's CHECK count
 * them: a longer text is refused (ERR_INVALID naming key), never left to
 * the database. Otherwise as json_in_string. */
int json_in_text(const json_t *obj, const char *key, bool required, enum text_kind kind, char *out, size_t len,
		 bool *present, struct err *err);

/* A date member "YYYY-MM-DD" within the window of its kind around today
 * (json_in_today() when NULL). */
int json_in_date(const json_t *obj, const char *key, bool required, enum date_kind kind, const struct date *today,
		 struct date *out, bool *present, struct err *err);

/* Today in France by the clock: the day the windows of dates are drawn
 * around. */
void json_in_today(struct date *out);

/* An integer member within [min, max]. */
int json_in_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
		int64_t *out, bool *present, struct err *err);

int json_in_bool(const json_t *obj, const char *key, bool required, bool *out, bool *present,
		 struct err *err);

#endif
