#include "api/http_head.h"

#include <string.h>
#include <strings.h>

#include "domain/parse.h"

#define METHOD_MAX 16
/* "HTTP/1.1\r": what follows the target's space on a request line. */
#define VERSION_LEN 9

static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void refuse(struct http_head_verdict *v, int status, const char *detail)
{
	v->status = status;
	v->detail = detail;
}

/* A head still arriving: refused once it cannot fit the limits any more. */
static void wait_for_more(struct http_head_verdict *v, size_t len, bool in_target,
			  const struct http_head_limits *lim)
{
	if (in_target && len > lim->max_target + METHOD_MAX + 1)
		refuse(v, 414, "the request target is too long");
	else if (len >= lim->max_head)
		refuse(v, 431, "the request head (request line and header fields) is too large");
	else
		v->status = HTTP_HEAD_INCOMPLETE;
}

static int query_params(const char *target, size_t len)
{
	const char *q = memchr(target, '?', len);
	if (q == NULL || q + 1 == target + len)
		return 0;
	int n = 1;
	for (const char *p = q + 1; p < target + len; p++)
		n += *p == '&';
	return n;
}

/* Checks what follows the target: "HTTP/1.1\r" or "HTTP/1.0\r" once the line
 * is whole, or a prefix of one while it is not. Sets *http10. */
static int version_check(const char *s, size_t n, bool whole, bool *http10)
{
	static const char *const accepted[] = { "HTTP/1.1\r", "HTTP/1.0\r" };
	if (whole && (n == 0 || s[n - 1] != '\r'))
		return 400;
	for (int i = 0; i < 2; i++) {
		if (whole ? (n == VERSION_LEN && memcmp(s, accepted[i], VERSION_LEN) == 0)
			  : (n <= VERSION_LEN && memcmp(s, accepted[i], n) == 0)) {
			*http10 = i == 1;
			return whole ? 200 : HTTP_HEAD_INCOMPLETE;
		}
	}
	if (n >= 8 && memcmp(s, "HTTP/", 5) == 0 && is_digit((unsigned char)s[5]) && s[6] == '.' &&
	    is_digit((unsigned char)s[7]))
		return 505;
	if (!whole && n < 8 && memcmp(s, "HTTP/", n < 5 ? n : 5) == 0)
		return HTTP_HEAD_INCOMPLETE;
	return 400;
}

struct framing {
	bool host, length, chunked;
	unsigned long long content_length;
};

/* One header field line, CRLF excluded; 0 or the status refusing it. */
static int field_check(const char *line, size_t n, struct framing *f, const char **detail)
{
	size_t k = 0;
	while (k < n && is_tchar((unsigned char)line[k]))
		k++;
	if (k == 0 && n > 0 && (line[0] == ' ' || line[0] == '\t')) {
		*detail = "obsolete line folding is not accepted";
		return 400;
	}
	if (k == 0 || k == n || line[k] != ':') {
		*detail = "a header field is malformed (a name, then a colon with no space before it)";
		return 400;
	}
	const char *value = line + k + 1, *end = line + n;
	for (const char *p = value; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*detail = "a header field holds a control character";
			return 400;
		}
	}
	while (value < end && (*value == ' ' || *value == '\t'))
		value++;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - value);
	if (k == 14 && strncasecmp(line, "Content-Length", k) == 0) {
		if (f->length) {
			*detail = "more than one Content-Length";
			return 400;
		}
		if (vlen == 0 || vlen > 18) {
			*detail = "Content-Length must be a decimal number of bytes";
			return 400;
		}
		unsigned long long cl = 0;
		for (size_t i = 0; i < vlen; i++) {
			if (!is_digit((unsigned char)value[i])) {
				*detail = "Content-Length must be a decimal number of bytes";
				return 400;
			}
			cl = cl * 10 + (unsigned long long)(value[i] - '0');
		}
		f->length = true;
		f->content_length = cl;
	} else if (k == 17 && strncasecmp(line, "Transfer-Encoding", k) == 0) {
		if (f->chunked || vlen != 7 || strncasecmp(value, "chunked", 7) != 0) {
			*detail = "Transfer-Encoding must be chunked, once";
			return 400;
		}
		f->chunked = true;
	} else if (k == 4 && strncasecmp(line, "Host", k) == 0) {
		if (f->host) {
			*detail = "more than one Host";
			return 400;
		}
		f->host = true;
	}
	return 0;
}

/* The request line, whole or not. Returns 200 when it is whole and good,
 * with *next after it. */
static int request_line_check(struct http_head_verdict *v, const char *buf, size_t len,
			      const struct http_head_limits *lim, bool *http10, const char **next)
{
	const char *eol = memchr(buf, '\n', len);
	size_t n = eol ? (size_t)(eol - buf) : len;
	size_t i = 0;
	while (i < n && i <= METHOD_MAX && is_tchar((unsigned char)buf[i]))
		i++;
	if (i > METHOD_MAX || i == 0 || (i < n && buf[i] != ' ') || (i == n && eol != NULL)) {
		refuse(v, i == 0 && n == 0 && eol == NULL ? HTTP_HEAD_INCOMPLETE : 400,
		       "the request line is malformed (METHOD /path HTTP/1.1)");
		return v->status;
	}
	if (i == n) {
		wait_for_more(v, len, false, lim);
		return v->status;
	}
	size_t t0 = i + 1, j = t0;
	while (j < n && buf[j] > 0x20 && buf[j] < 0x7f)
		j++;
	if (j - t0 > lim->max_target) {
		refuse(v, 414, "the request target is too long");
		return v->status;
	}
	if (j == n && eol == NULL) {
		wait_for_more(v, len, true, lim);
		return v->status;
	}
	if (j == n || buf[j] != ' ') {
		refuse(v, 400, "the request target holds a character that must be percent-encoded, or the request line is malformed");
		return v->status;
	}
	if (j == t0 || buf[t0] != '/') {
		refuse(v, 400, "the request target must be a path starting with /");
		return v->status;
	}
	if (query_params(buf + t0, j - t0) > lim->max_params) {
		refuse(v, 400, "too many query parameters");
		return v->status;
	}
	int status = version_check(buf + j + 1, n - j - 1, eol != NULL, http10);
	if (status == HTTP_HEAD_INCOMPLETE)
		wait_for_more(v, len, false, lim);
	else if (status != 200)
		refuse(v, status, status == 505 ? "only HTTP/1.1 and HTTP/1.0 are served"
						: "the request line is malformed (METHOD /path HTTP/1.1)");
	else
		*next = eol + 1;
	return status == 200 ? 200 : v->status;
}

void http_head_check(struct http_head_verdict *v, const char *buf, size_t len,
		     const struct http_head_limits *lim)
{
	memset(v, 0, sizeof(*v));
	bool http10 = false;
	const char *p = NULL;
	if (request_line_check(v, buf, len, lim, &http10, &p) != 200)
		return;
	const char *end = buf + len;
	struct framing f = { 0 };
	int fields = 0;
	for (;;) {
		const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (eol == NULL) {
			wait_for_more(v, len, false, lim);
			return;
		}
		if (eol == p || eol[-1] != '\r') {
			refuse(v, 400, "header lines must end with CRLF");
			return;
		}
		size_t n = (size_t)(eol - 1 - p);
		if (n == 0) {
			v->head_len = (size_t)(eol + 1 - buf);
			break;
		}
		if (++fields > lim->max_fields) {
			refuse(v, 431, "too many header fields");
			return;
		}
		const char *detail = NULL;
		int status = field_check(p, n, &f, &detail);
		if (status != 0) {
			refuse(v, status, detail);
			return;
		}
		p = eol + 1;
	}
	if (v->head_len > lim->max_head)
		refuse(v, 431, "the request head (request line and header fields) is too large");
	else if (f.length && f.chunked)
		refuse(v, 400, "Content-Length and Transfer-Encoding together are ambiguous");
	else if (f.chunked && http10)
		refuse(v, 400, "HTTP/1.0 has no chunked transfer coding");
	else if (!f.host && !http10)
		refuse(v, 400, "HTTP/1.1 requires a Host header");
	else
		v->status = 200;
	v->has_body = f.chunked || (f.length && f.content_length > 0);
	v->chunked = f.chunked;
	v->content_length = f.content_length;
}

/* Walks a chunked body from buf. Returns 0 when it is sound as far as it
 * has arrived (*used 0: not whole yet), or 400; *used is the length of the
 * whole body once its last chunk and trailer have arrived. */
static int chunks_check(const char *buf, size_t len, size_t *used)
{
	size_t pos = 0;
	*used = 0;
	for (;;) {
		unsigned long long size = 0;
		size_t digits = 0;
		while (pos < len && parse_hex_digit(buf[pos]) >= 0) {
			if (++digits > 15)
				return 400;
			size = size * 16 + (unsigned long long)parse_hex_digit(buf[pos]);
			pos++;
		}
		if (pos == len)
			return 0;
		if (digits == 0)
			return 400;
		if (buf[pos] == ';') { /* a chunk extension: visible characters */
			while (pos < len && buf[pos] != '\r' && buf[pos] != '\n') {
				unsigned char c = (unsigned char)buf[pos];
				if ((c < 0x20 && c != '\t') || c == 0x7f)
					return 400;
				pos++;
			}
			if (pos == len)
				return 0;
		}
		if (buf[pos] != '\r')
			return 400;
		if (++pos == len)
			return 0;
		if (buf[pos++] != '\n')
			return 400;
		if (size == 0)
			break;
		if (size > len - pos)
			return 0;
		pos += size;
		if (pos == len)
			return 0;
		if (buf[pos] != '\r')
			return 400;
		if (++pos == len)
			return 0;
		if (buf[pos++] != '\n')
			return 400;
	}
	/* The trailer: field lines, then an empty line. */
	for (;;) {
		const char *eol = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
		if (eol == NULL)
			return 0;
		size_t end = (size_t)(eol - buf);
		if (end == pos || buf[end - 1] != '\r')
			return 400;
		for (size_t i = pos; i + 1 < end; i++) {
			unsigned char c = (unsigned char)buf[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return 400;
		}
		bool empty = end == pos + 1;
		pos = end + 1;
		if (empty)
			break;
	}
	*used = pos;
	return 0;
}

#define PIPELINED_MAX 16

void http_stream_check(struct http_head_verdict *v, const char *buf, size_t len,
		       const struct http_head_limits *lim)
{
	http_head_check(v, buf, len, lim);
	size_t pos = v->head_len;
	struct http_head_verdict cur = *v;
	for (int n = 0; cur.status == 200 && n < PIPELINED_MAX; n++) {
		size_t body = 0;
		if (cur.chunked) {
			if (chunks_check(buf + pos, len - pos, &body) != 0) {
				refuse(v, 400, "the chunked body is malformed");
				return;
			}
			if (body == 0)
				return;
		} else if (cur.content_length > len - pos) {
			return;
		} else {
			body = (size_t)cur.content_length;
		}
		pos += body;
		if (pos == len)
			return;
		http_head_check(&cur, buf + pos, len - pos, lim);
		if (cur.status != 200 && cur.status != HTTP_HEAD_INCOMPLETE) {
			refuse(v, cur.status, cur.detail);
			return;
		}
		pos += cur.head_len;
	}
}
