/* libFuzzer: dates (domain/date.c) and numbers and ids from outside
 * (domain/parse.c). A date read back formats as the input, and its day
 * number converts back to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	struct date d, back;
	struct err err;
	if (date_parse(&d, s, "date", &err) == ERR_OK) {
		char out[DATE_STR_LEN];
		date_format(out, &d);
		if (strcmp(out, s) != 0 || !date_is_valid(&d))
			abort();
		date_from_days(&back, date_to_days(&d));
		if (date_cmp(&back, &d) != 0)
			abort();
		(void)date_weekday(&d);
	}

	int64_t v;
	(void)parse_i64(s, INT64_MIN, INT64_MAX, &v);
	(void)parse_i64(s, -1, 50000, &v);
	(void)parse_size(s, 0, INT64_MAX, &v);
	(void)parse_size(s, 1024, (int64_t)1 << 30, &v);
	(void)parse_is_uuid(s);
	free(s);
	return 0;
}
