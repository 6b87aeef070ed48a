/* libFuzzer: the gate's check of what a client sends first
 * (api/http_head.c). A head judged good must also be good when judged
 * alone, and every strict prefix of it must wait for more: the gate
 * never refuses a good head for arriving slowly. */
#include <stdint.h>
#include <stdlib.h>

#include "api/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct http_head_limits limits = {
	.max_head = 4096, .max_target = 1024, .max_fields = 32, .max_params = 16,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_head_verdict v, alone, prefix;
	http_stream_check(&v, buf, size, &limits);
	if (v.status != 200)
		return 0;
	http_head_check(&alone, buf, v.head_len, &limits);
	if (alone.status != 200 || alone.head_len != v.head_len)
		abort();
	for (size_t n = 0; n < v.head_len; n += 1 + n / 8) {
		http_head_check(&prefix, buf, n, &limits);
		if (prefix.status != HTTP_HEAD_INCOMPLETE)
			abort();
	}
	return 0;
}
