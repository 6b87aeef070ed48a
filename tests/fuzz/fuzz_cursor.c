/* libFuzzer: pagination cursors (api/cursor.c). A cursor read back must
 * encode to a cursor that reads the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct page_cursor c, again;
	struct err err;
	if (cursor_parse(text, &c, &err) == ERR_OK && c.set) {
		char enc[512];
		cursor_encode(&c, enc, sizeof(enc));
		if (cursor_parse(enc, &again, &err) != ERR_OK || !again.set ||
		    strcmp(c.after_time, again.after_time) != 0 || strcmp(c.after_id, again.after_id) != 0)
			abort();
	}
	free(text);
	return 0;
}
