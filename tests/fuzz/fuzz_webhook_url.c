/* libFuzzer: webhook callback URLs (domain/webhook_url.c): the syntax and
 * the address classes. Nothing here resolves a name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/webhook_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct webhook_url u;
	struct err err;
	if (webhook_url_parse(s, "url", &u, &err) == ERR_OK) {
		if (u.host[0] == '\0' || u.port < 1 || u.port > 65535 || strlen(u.host) > WEBHOOK_HOST_MAX)
			abort();
	}
	if (size == 4 || size == 16) {
		(void)webhook_addr_class_name(webhook_addr_classify(data, size));
		(void)webhook_addr_allowed(data, size, true);
		(void)webhook_addr_allowed(data, size, false);
	}
	free(s);
	return 0;
}
