/* libFuzzer: the reference CSV of communes (domain/reference.c), read line
 * by line as `prevex reference load` reads it (api/cli_reference.c): the
 * first line is the header, the line ends (LF or CRLF) removed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	struct reference_columns cols;
	static struct reference_row row;
	struct err err;
	bool header = true;
	long lineno = 0;
	char *line = buf;
	while (line != NULL && (size_t)(line - buf) < size) {
		char *nl = memchr(line, '\n', size - (size_t)(line - buf));
		if (nl != NULL)
			*nl = '\0';
		size_t n = strlen(line);
		while (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		lineno++;
		if (header) {
			if (reference_read_header(&cols, line, &err) != ERR_OK)
				break;
			header = false;
		} else {
			(void)reference_read_row(&row, &cols, line, lineno, &err);
		}
		line = nl ? nl + 1 : NULL;
	}

	/* The splitter alone, on the whole input, with either separator. */
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *fields[REFERENCE_MAX_FIELDS];
	int count = 0;
	(void)reference_split(buf, size % 2 ? ';' : ',', fields, &count, &err);
	(void)reference_insee_is_valid(buf);
	(void)reference_siren_is_valid(buf);
	free(buf);
	return 0;
}
