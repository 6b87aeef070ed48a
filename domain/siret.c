#include "domain/siret.h"

#include <string.h>

enum { SIRET_LEN = 14 };

static const char la_poste_siren[] = "356000000";
static const char la_poste_head_office[] = "35600000000048";

/* Doubles every second digit counting from the right, check digit excluded. */
static bool siret_luhn_holds(const char *s)
{
	int sum = 0;
	for (int i = 0; i < SIRET_LEN; i++) {
		int d = s[SIRET_LEN - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

static bool siret_digit_sum_is_multiple_of_5(const char *s)
{
	int sum = 0;
	for (int i = 0; i < SIRET_LEN; i++)
		sum += s[i] - '0';
	return sum % 5 == 0;
}

bool siret_is_valid(const char *s)
{
	if (s == NULL)
		return false;
	for (int i = 0; i < SIRET_LEN; i++) {
		/* Compares bytes, not isdigit(): the locale must not widen the set. */
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	if (s[SIRET_LEN] != '\0')
		return false;
	if (memcmp(s, la_poste_siren, sizeof(la_poste_siren) - 1) == 0) {
		if (strcmp(s, la_poste_head_office) == 0)
			return siret_luhn_holds(s);
		return siret_digit_sum_is_multiple_of_5(s);
	}
	return siret_luhn_holds(s);
}
