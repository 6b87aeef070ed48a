#include "domain/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	if (v < min || v > max)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int parse_size(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (s == NULL || *s == '\0')
		return -1;
	size_t n = strlen(s);
	int64_t mult = 1;
	switch (s[n - 1]) {
	case 'k': case 'K': mult = 1024; break;
	case 'm': case 'M': mult = 1024 * 1024; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
	default: break;
	}
	if (mult == 1)
		return parse_i64(s, min, max, out);
	if (n < 2 || n > 32)
		return -1;
	char digits[32];
	memcpy(digits, s, n - 1);
	digits[n - 1] = '\0';
	int64_t v;
	if (parse_i64(digits, 0, INT64_MAX / mult, &v) != 0)
		return -1;
	v *= mult;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool parse_is_uuid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

int parse_name_index(int *out, const char *s, const char *const *names, int count, const char *field,
		     struct err *err)
{
	for (int i = 0; s != NULL && i < count; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return ERR_OK;
		}
	}
	return err_set(err, ERR_INVALID, field, "unknown value \"%.40s\" for %s", s ? s : "", field);
}
