/* Strict parsing of numbers and identifiers that come from outside. */
#ifndef DOMAIN_PARSE_H
#define DOMAIN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a whole decimal string into [min, max]. Returns 0 on success,
 * -1 on an empty string, trailing characters, overflow or a value out of range. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Byte sizes with an optional k, M or G suffix (powers of 1024). */
int parse_size(const char *s, int64_t min, int64_t max, int64_t *out);

/* The value of a hexadecimal digit, or -1 when c is none. */
int parse_hex_digit(char c);

/* A canonical lower- or upper-case UUID (8-4-4-4-12 hex digits). */
bool parse_is_uuid(const char *s);

#endif
