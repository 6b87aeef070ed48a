/* The head of an HTTP/1.x request (request line and header fields), checked
 * strictly before libmicrohttpd sees it: ambiguous framing, malformed lines
 * and oversized heads are answered by us, as problem+json, never passed on.
 * Pure C: no I/O, no allocation, so that any byte string can be fed to it. */
#ifndef API_HTTP_HEAD_H
#define API_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

struct http_head_limits {
	size_t max_head;     /* request line and fields, blank line included */
	size_t max_target;   /* the request target (path and query) */
	int max_fields;      /* header fields */
	int max_params;      /* query parameters */
};

#define HTTP_HEAD_INCOMPLETE 0

struct http_head_verdict {
	int status;          /* HTTP_HEAD_INCOMPLETE, 200 when acceptable, else the status to answer */
	const char *detail;  /* static: why, when status is neither 0 nor 200 */
	size_t head_len;     /* bytes of the head, blank line included, when complete */
	bool has_body;       /* Content-Length above 0, or chunked */
	bool chunked;
	unsigned long long content_length;
};

/* Judges the first len bytes a client sent. A head that is not complete yet
 * is still refused at once when what has arrived cannot start a valid one,
 * or is already over a limit. */
void http_head_check(struct http_head_verdict *v, const char *buf, size_t len,
		     const struct http_head_limits *lim);

/* Like http_head_check(), then judges what has arrived after the head as
 * far as it goes: the framing of a chunked body, and the heads of requests
 * sent behind it on the same connection (pipelined). The verdict is the
 * first head's when all of that is sound or still arriving, and the first
 * fault's otherwise. */
void http_stream_check(struct http_head_verdict *v, const char *buf, size_t len,
		       const struct http_head_limits *lim);

#endif
