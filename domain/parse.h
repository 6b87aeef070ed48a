/* Strict parsing of numbers and identifiers that come from outside. */
#ifndef DOMAIN_PARSE_H
#define DOMAIN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/err.h"

/* Parses a whole decimal string into [min, max]. Returns 0 on success,
 * -1 on an empty string, trailing characters, overflow or a value out of range. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Byte sizes with an optional k, M or G suffix (powers of 1024). */
int parse_size(const char *s, int64_t min, int64_t max, int64_t *out);

/* The value of a hexadecimal digit, or -1 when c is none. */
int parse_hex_digit(char c);

/* A canonical lower- or upper-case UUID (8-4-4-4-12 hex digits). */
bool parse_is_uuid(const char *s);

/* The index of s among the count stable names (JSON and SQL spellings of
 * an enumeration); ERR_INVALID on field otherwise, s NULL included. */
int parse_name_index(int *out, const char *s, const char *const *names, int count, const char *field,
		     struct err *err);

/* Define fn, the name of an enumeration's value (NULL out of range), and
 * fn, its parser through parse_name_index(), over a table of names. */
#define PARSE_DEFINE_NAME_FN(fn, type, names, count) \
	const char *fn(type v) { return (unsigned)v < (count) ? (names)[v] : NULL; }
#define PARSE_DEFINE_PARSE_FN(fn, type, names, count)                                           \
	int fn(type *out, const char *s, const char *field, struct err *err)                    \
	{                                                                                       \
		int v = 0;                                                                      \
		int rc = parse_name_index(&v, s, names, count, field, err);                     \
		if (rc == ERR_OK)                                                               \
			*out = (type)v;                                                         \
		return rc;                                                                      \
	}

#endif
