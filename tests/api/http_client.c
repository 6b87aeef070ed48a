#include "tests/api/http_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A response is parsed again from its first byte whenever bytes arrive:
 * test responses are small, and it keeps the parser free of saved state. */
enum parse_result {
	PARSE_COMPLETE = 1,
	PARSE_NEED_MORE = 0,
};

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

struct framing {
	int chunked;
	int has_length;
	size_t length;
};

const char *http_client_strerror(int rc)
{
	switch (rc) {
	case HTTP_CLIENT_OK:
		return "ok";
	case HTTP_CLIENT_ERR_ARG:
		return "invalid argument";
	case HTTP_CLIENT_ERR_CONNECT:
		return "cannot connect";
	case HTTP_CLIENT_ERR_SEND:
		return "cannot send the request";
	case HTTP_CLIENT_ERR_TIMEOUT:
		return "timed out before a complete response";
	case HTTP_CLIENT_ERR_EMPTY:
		return "connection closed without a response (empty reply)";
	case HTTP_CLIENT_ERR_RESET:
		return "connection reset without a response";
	case HTTP_CLIENT_ERR_INCOMPLETE:
		return "connection ended inside the response";
	case HTTP_CLIENT_ERR_PARSE:
		return "malformed HTTP response";
	case HTTP_CLIENT_ERR_NOMEM:
		return "out of memory";
	default:
		return "unknown error";
	}
}

static int64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int deadline_remaining_ms(int64_t deadline)
{
	int64_t left = deadline - clock_now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

static int buf_append(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *grown;

		while (cap < b->len + len + 1)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (grown == NULL)
			return HTTP_CLIENT_ERR_NOMEM;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return HTTP_CLIENT_OK;
}

static int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

static int fd_set_nonblocking(int fd, int on, int *old_flags)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	if (old_flags != NULL)
		*old_flags = flags;
	return fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

/* Binds fd to the numeric source address, port chosen by the kernel: a
 * test can then come from 127.0.0.2 as another client would. */
static int bind_source(int fd, const struct addrinfo *ai, const char *source)
{
	struct addrinfo hints = { .ai_family = ai->ai_family, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST };
	struct addrinfo *list = NULL;
	int rc = -1;

	if (getaddrinfo(source, NULL, &hints, &list) == 0 && list != NULL)
		rc = bind(fd, list->ai_addr, list->ai_addrlen);
	if (list != NULL)
		freeaddrinfo(list);
	return rc;
}

static int connect_one(const struct addrinfo *ai, const char *source, int64_t deadline)
{
	int fd = -1;
	int rc = HTTP_CLIENT_ERR_CONNECT;
	int one = 1;
	int soerr = 0;
	socklen_t soerr_len = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		goto done;
	if (source != NULL && bind_source(fd, ai, source) != 0)
		goto done;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int n;

		if (errno != EINPROGRESS)
			goto done;
		do {
			n = poll(&pfd, 1, deadline_remaining_ms(deadline));
		} while (n < 0 && errno == EINTR);
		if (n <= 0)
			goto done;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) != 0 || soerr != 0)
			goto done;
	}
	/* Small writes (half a request line) must leave at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fd_set_nonblocking(fd, 0, NULL) != 0)
		goto done;
	rc = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int connect_until(const char *host, int port, const char *source, int64_t deadline)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *list = NULL;
	char service[16];
	int rc = HTTP_CLIENT_ERR_CONNECT;

	if (host == NULL || port <= 0 || port > 65535)
		return HTTP_CLIENT_ERR_ARG;
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &list) != 0)
		goto done;
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		rc = connect_one(ai, source, deadline);
		if (rc >= 0)
			break;
	}
done:
	if (list != NULL)
		freeaddrinfo(list);
	return rc;
}

int http_connect(const char *host, int port, int timeout_ms)
{
	return connect_until(host, port, NULL, clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0));
}

int http_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	const char *p = buf;
	size_t sent = 0;

	if (fd < 0 || (buf == NULL && len > 0))
		return HTTP_CLIENT_ERR_ARG;
	while (sent < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;
		int ready = poll(&pfd, 1, deadline_remaining_ms(deadline));

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return HTTP_CLIENT_ERR_SEND;
		if (ready == 0)
			return HTTP_CLIENT_ERR_TIMEOUT;
		n = send(fd, p + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0)
			return HTTP_CLIENT_ERR_SEND;
		sent += (size_t)n;
	}
	return HTTP_CLIENT_OK;
}

/* Returns the offset just past "\r\n\r\n" at or after from, or 0 if absent. */
static size_t find_head_end(const char *data, size_t len, size_t from)
{
	for (size_t i = from; i + 4 <= len; i++) {
		if (memcmp(data + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	}
	return 0;
}

static const char *find_crlf(const char *p, const char *end)
{
	for (; p + 1 < end; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	}
	return NULL;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* "HTTP/1.x NNN reason": 0 and *status, or HTTP_CLIENT_ERR_PARSE. */
static int parse_status_line(const char *p, const char *end, int *status, const char **reason,
			     size_t *reason_len)
{
	if (end - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ')
		return HTTP_CLIENT_ERR_PARSE;
	for (int i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return HTTP_CLIENT_ERR_PARSE;
	}
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (*status < 100)
		return HTTP_CLIENT_ERR_PARSE;
	if (end - p > 12 && p[12] != ' ')
		return HTTP_CLIENT_ERR_PARSE;
	*reason = end - p > 12 ? p + 13 : end;
	*reason_len = (size_t)(end - *reason);
	return HTTP_CLIENT_OK;
}

/*
 * Splits the header line [p, end) into a name and a trimmed value.
 * Returns 0, or HTTP_CLIENT_ERR_PARSE for a line without a colon.
 */
static int split_header_line(const char *p, const char *end, const char **name, size_t *name_len,
			     const char **value, size_t *value_len)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	const char *v;
	const char *v_end = end;

	if (colon == NULL || colon == p)
		return HTTP_CLIENT_ERR_PARSE;
	v = colon + 1;
	while (v < v_end && is_ows(*v))
		v++;
	while (v_end > v && is_ows(v_end[-1]))
		v_end--;
	*name = p;
	*name_len = (size_t)(colon - p);
	*value = v;
	*value_len = (size_t)(v_end - v);
	return HTTP_CLIENT_OK;
}

static int token_equals(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* Does the comma-separated list [v, v+len) end with the coding "chunked"? */
static int coding_is_chunked(const char *v, size_t len)
{
	const char *end = v + len;
	const char *last = v;

	for (const char *p = v; p < end; p++) {
		if (*p == ',')
			last = p + 1;
	}
	while (last < end && is_ows(*last))
		last++;
	return token_equals(last, (size_t)(end - last), "chunked");
}

static int parse_decimal_size(const char *v, size_t len, size_t *out)
{
	size_t n = 0;

	if (len == 0)
		return HTTP_CLIENT_ERR_PARSE;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (SIZE_MAX - 9) / 10)
			return HTTP_CLIENT_ERR_PARSE;
		n = n * 10 + (size_t)(v[i] - '0');
	}
	*out = n;
	return HTTP_CLIENT_OK;
}

static int scan_framing(const char *p, const char *head_end, struct framing *fr)
{
	memset(fr, 0, sizeof(*fr));
	while (p < head_end) {
		const char *eol = find_crlf(p, head_end);
		const char *name;
		const char *value;
		size_t name_len;
		size_t value_len;

		if (eol == NULL || eol == p)
			break;
		if (split_header_line(p, eol, &name, &name_len, &value, &value_len) != 0)
			return HTTP_CLIENT_ERR_PARSE;
		if (token_equals(name, name_len, "transfer-encoding") &&
		    coding_is_chunked(value, value_len)) {
			fr->chunked = 1;
		} else if (token_equals(name, name_len, "content-length")) {
			size_t n;

			if (parse_decimal_size(value, value_len, &n) != 0)
				return HTTP_CLIENT_ERR_PARSE;
			if (fr->has_length && fr->length != n)
				return HTTP_CLIENT_ERR_PARSE;
			fr->has_length = 1;
			fr->length = n;
		}
		p = eol + 2;
	}
	return HTTP_CLIENT_OK;
}

/*
 * Decodes a chunked body starting at p. Returns PARSE_COMPLETE with the
 * payload appended to body, PARSE_NEED_MORE, or HTTP_CLIENT_ERR_PARSE.
 */
static int decode_chunked(const char *p, const char *end, struct buf *body)
{
	for (;;) {
		const char *eol = find_crlf(p, end);
		size_t size = 0;
		const char *q = p;
		int digits = 0;

		if (eol == NULL)
			return PARSE_NEED_MORE;
		for (; q < eol && *q != ';' && !is_ows(*q); q++) {
			int d;

			if (*q >= '0' && *q <= '9')
				d = *q - '0';
			else if (*q >= 'a' && *q <= 'f')
				d = *q - 'a' + 10;
			else if (*q >= 'A' && *q <= 'F')
				d = *q - 'A' + 10;
			else
				return HTTP_CLIENT_ERR_PARSE;
			if (size > (SIZE_MAX >> 4))
				return HTTP_CLIENT_ERR_PARSE;
			size = size * 16 + (size_t)d;
			digits++;
		}
		if (digits == 0)
			return HTTP_CLIENT_ERR_PARSE;
		p = eol + 2;
		if (size == 0) {
			/* Trailer fields, then the empty line. */
			for (;;) {
				eol = find_crlf(p, end);
				if (eol == NULL)
					return PARSE_NEED_MORE;
				if (eol == p)
					return PARSE_COMPLETE;
				p = eol + 2;
			}
		}
		if ((size_t)(end - p) < size + 2)
			return PARSE_NEED_MORE;
		if (p[size] != '\r' || p[size + 1] != '\n')
			return HTTP_CLIENT_ERR_PARSE;
		if (buf_append(body, p, size) != 0)
			return HTTP_CLIENT_ERR_NOMEM;
		p += size + 2;
	}
}

static char *copy_span(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s != NULL) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static int fill_headers(struct http_response *out, const char *p, const char *head_end)
{
	size_t cap = 0;

	while (p < head_end) {
		const char *eol = find_crlf(p, head_end);
		const char *name;
		const char *value;
		size_t name_len;
		size_t value_len;

		if (eol == NULL || eol == p)
			break;
		if (split_header_line(p, eol, &name, &name_len, &value, &value_len) != 0)
			return HTTP_CLIENT_ERR_PARSE;
		if (out->header_count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct http_header *grown = realloc(out->headers, ncap * sizeof(*grown));

			if (grown == NULL)
				return HTTP_CLIENT_ERR_NOMEM;
			out->headers = grown;
			cap = ncap;
		}
		out->headers[out->header_count].name = copy_span(name, name_len);
		out->headers[out->header_count].value = copy_span(value, value_len);
		out->header_count++;
		if (out->headers[out->header_count - 1].name == NULL ||
		    out->headers[out->header_count - 1].value == NULL)
			return HTTP_CLIENT_ERR_NOMEM;
		p = eol + 2;
	}
	return HTTP_CLIENT_OK;
}

/*
 * Tries to parse one final response from data[0, len). eof says the peer will
 * send nothing more. Returns PARSE_COMPLETE (and fills *out), PARSE_NEED_MORE,
 * or a negative http_client_rc (and leaves *out empty).
 */
static int response_try_parse(struct http_response *out, const char *data, size_t len, int eof,
			      int head_request)
{
	struct buf body = { 0 };
	struct framing fr;
	const char *reason = NULL;
	const char *head_end_p;
	size_t reason_len = 0;
	size_t pos = 0;
	size_t head_end;
	int status = 0;
	int rc;

	for (;;) {
		const char *eol;

		head_end = find_head_end(data, len, pos);
		if (head_end == 0) {
			rc = eof ? (len == 0 ? HTTP_CLIENT_ERR_EMPTY : HTTP_CLIENT_ERR_INCOMPLETE)
				 : PARSE_NEED_MORE;
			goto done;
		}
		eol = find_crlf(data + pos, data + head_end);
		rc = parse_status_line(data + pos, eol, &status, &reason, &reason_len);
		if (rc != 0)
			goto done;
		if (status >= 200 || status == 101)
			break;
		pos = head_end;
	}
	head_end_p = data + head_end;
	rc = scan_framing(find_crlf(data + pos, head_end_p) + 2, head_end_p, &fr);
	if (rc != 0)
		goto done;

	if (head_request || status == 204 || status == 304 || status == 101) {
		rc = buf_append(&body, "", 0);
	} else if (fr.chunked) {
		rc = decode_chunked(head_end_p, data + len, &body);
		if (rc == PARSE_NEED_MORE && eof)
			rc = HTTP_CLIENT_ERR_INCOMPLETE;
		if (rc != PARSE_COMPLETE)
			goto done;
		rc = buf_append(&body, "", 0);
	} else if (fr.has_length) {
		if (len - head_end < fr.length) {
			rc = eof ? HTTP_CLIENT_ERR_INCOMPLETE : PARSE_NEED_MORE;
			goto done;
		}
		rc = buf_append(&body, head_end_p, fr.length);
	} else {
		if (!eof) {
			rc = PARSE_NEED_MORE;
			goto done;
		}
		rc = buf_append(&body, head_end_p, len - head_end);
	}
	if (rc != 0)
		goto done;

	out->status = status;
	out->reason = copy_span(reason, reason_len);
	if (out->reason == NULL) {
		rc = HTTP_CLIENT_ERR_NOMEM;
		goto done;
	}
	rc = fill_headers(out, find_crlf(data + pos, head_end_p) + 2, head_end_p);
	if (rc != 0)
		goto done;
	out->body = body.data;
	out->body_len = body.len;
	body.data = NULL;
	rc = PARSE_COMPLETE;
done:
	free(body.data);
	if (rc < 0)
		http_response_free(out);
	return rc;
}

static int request_is_head(const char *raw, size_t len)
{
	return len >= 5 && memcmp(raw, "HEAD ", 5) == 0;
}

static int exchange_until(struct http_response *out, int fd, const char *raw, size_t len,
			  int64_t deadline)
{
	struct buf rx = { 0 };
	size_t sent = 0;
	int writing = len > 0;
	int eof = 0;
	int reset = 0;
	int old_flags = 0;
	int nonblocking = 0;
	int head = request_is_head(raw, len);
	int rc;

	if (fd_set_nonblocking(fd, 1, &old_flags) != 0) {
		rc = HTTP_CLIENT_ERR_ARG;
		goto done;
	}
	nonblocking = 1;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ready;

		if (rx.len > 0 || eof) {
			rc = response_try_parse(out, rx.data ? rx.data : "", rx.len, eof, head);
			if (rc == PARSE_COMPLETE) {
				rc = HTTP_CLIENT_OK;
				goto done;
			}
			if (rc < 0) {
				if (rc == HTTP_CLIENT_ERR_EMPTY && reset)
					rc = HTTP_CLIENT_ERR_RESET;
				goto done;
			}
		}
		if (writing)
			pfd.events |= POLLOUT;
		ready = poll(&pfd, 1, deadline_remaining_ms(deadline));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			rc = HTTP_CLIENT_ERR_ARG;
			goto done;
		}
		if (ready == 0) {
			rc = HTTP_CLIENT_ERR_TIMEOUT;
			goto done;
		}
		if (writing && (pfd.revents & POLLOUT)) {
			ssize_t n = send(fd, raw + sent, len - sent, MSG_NOSIGNAL);

			if (n >= 0) {
				sent += (size_t)n;
				writing = sent < len;
			} else if (errno == EPIPE || errno == ECONNRESET) {
				/* The server may have answered early (413) and
				 * stopped reading: what it sent is still readable. */
				writing = 0;
			} else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
				rc = HTTP_CLIENT_ERR_SEND;
				goto done;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			char chunk[16384];
			ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

			if (n > 0) {
				rc = buf_append(&rx, chunk, (size_t)n);
				if (rc != 0)
					goto done;
			} else if (n == 0) {
				eof = 1;
				writing = 0;
			} else if (errno == ECONNRESET || errno == EPIPE) {
				eof = 1;
				reset = 1;
				writing = 0;
			} else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
				eof = 1;
				writing = 0;
			}
		}
	}
done:
	if (nonblocking)
		fcntl(fd, F_SETFL, old_flags);
	free(rx.data);
	return rc;
}

int http_exchange(struct http_response *out, int fd, const char *raw_request, size_t len,
		  int timeout_ms)
{
	if (out == NULL || fd < 0 || (raw_request == NULL && len > 0))
		return HTTP_CLIENT_ERR_ARG;
	memset(out, 0, sizeof(*out));
	return exchange_until(out, fd, raw_request, len,
			      clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0));
}

int http_request(struct http_response *out, const char *host, int port, const char *raw_request,
		 size_t len, int timeout_ms)
{
	return http_request_from(out, NULL, host, port, raw_request, len, timeout_ms);
}

int http_request_from(struct http_response *out, const char *source, const char *host, int port,
		      const char *raw_request, size_t len, int timeout_ms)
{
	int64_t deadline = clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int fd;
	int rc;

	if (out == NULL || (raw_request == NULL && len > 0))
		return HTTP_CLIENT_ERR_ARG;
	memset(out, 0, sizeof(*out));
	fd = connect_until(host, port, source, deadline);
	if (fd < 0)
		return fd;
	rc = exchange_until(out, fd, raw_request, len, deadline);
	close(fd);
	return rc;
}

static int method_omits_length(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
	       strcmp(method, "DELETE") == 0 || strcmp(method, "OPTIONS") == 0;
}

int http_send(struct http_response *out, const char *host, int port, const char *method,
	      const char *path, const char *headers, const char *body, size_t body_len)
{
	return http_send_from(out, NULL, host, port, method, path, headers, body, body_len);
}

/* One write() of rec to file, opened O_APPEND, under a lock: records of
 * threads and of successive test programs never interleave. */
static void record_append(const char *file, const struct buf *rec)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, rec->data, rec->len) != (ssize_t)rec->len)
			fprintf(stderr, "http_client: %s: short write\n", file);
		close(fd);
	}
	pthread_mutex_unlock(&lock);
}

/* With PREVEX_EXCHANGE_LOG naming a file, each exchange of http_send_from()
 * is appended to it for tests/check_responses.py, which checks every
 * response against openapi/openapi.yaml:
 *   EXCHANGE <method> <status> <header count> <body bytes>\n<path>\n
 *   <name>: <value>\n (each header) <body>\n
 * One write() per record on a file opened O_APPEND, under a lock: records of
 * threads and of successive test programs never interleave. */
static void record_exchange(const char *method, const char *path, const struct http_response *r)
{
	const char *file = getenv("PREVEX_EXCHANGE_LOG");
	if (file == NULL || *file == '\0' || strchr(path, '\n') != NULL)
		return;
	struct buf rec = { 0 };
	char line[160];
	snprintf(line, sizeof(line), "EXCHANGE %s %d %zu %zu\n", method, r->status, r->header_count, r->body_len);
	int rc = buf_append_str(&rec, line);
	rc = rc ? rc : buf_append_str(&rec, path);
	rc = rc ? rc : buf_append_str(&rec, "\n");
	for (size_t i = 0; rc == 0 && i < r->header_count; i++) {
		rc = buf_append_str(&rec, r->headers[i].name);
		rc = rc ? rc : buf_append_str(&rec, ": ");
		rc = rc ? rc : buf_append_str(&rec, r->headers[i].value);
		rc = rc ? rc : buf_append_str(&rec, "\n");
	}
	rc = rc ? rc : buf_append(&rec, r->body, r->body_len);
	rc = rc ? rc : buf_append_str(&rec, "\n");
	if (rc == 0)
		record_append(file, &rec);
	free(rec.data);
}

/* With PREVEX_REQUEST_LOG naming a file, the body of each request of
 * http_send_from() is appended to it for tests/check_logs.py, which looks
 * for the personal values the tests sent in the logs of the run:
 *   REQUEST <method> <body bytes>\n<path>\n<body>\n
 * Written as record_exchange() writes its records. */
static void record_request(const char *method, const char *path, const char *body, size_t body_len)
{
	const char *file = getenv("PREVEX_REQUEST_LOG");
	if (file == NULL || *file == '\0' || body_len == 0 || strchr(path, '\n') != NULL)
		return;
	struct buf rec = { 0 };
	char line[160];
	snprintf(line, sizeof(line), "REQUEST %s %zu\n", method, body_len);
	int rc = buf_append_str(&rec, line);
	rc = rc ? rc : buf_append_str(&rec, path);
	rc = rc ? rc : buf_append_str(&rec, "\n");
	rc = rc ? rc : buf_append(&rec, body, body_len);
	rc = rc ? rc : buf_append_str(&rec, "\n");
	if (rc == 0)
		record_append(file, &rec);
	free(rec.data);
}

int http_send_from(struct http_response *out, const char *source, const char *host, int port,
		   const char *method, const char *path, const char *headers, const char *body,
		   size_t body_len)
{
	struct buf req = { 0 };
	char line[128];
	int rc;

	if (out == NULL || host == NULL || method == NULL || path == NULL ||
	    (body == NULL && body_len > 0))
		return HTTP_CLIENT_ERR_ARG;
	memset(out, 0, sizeof(*out));
	rc = buf_append_str(&req, method);
	rc = rc ? rc : buf_append_str(&req, " ");
	rc = rc ? rc : buf_append_str(&req, path);
	rc = rc ? rc : buf_append_str(&req, " HTTP/1.1\r\nHost: ");
	rc = rc ? rc : buf_append_str(&req, host);
	snprintf(line, sizeof(line), ":%d\r\nConnection: close\r\n", port);
	rc = rc ? rc : buf_append_str(&req, line);
	if (headers != NULL)
		rc = rc ? rc : buf_append_str(&req, headers);
	if (body != NULL || !method_omits_length(method)) {
		snprintf(line, sizeof(line), "Content-Length: %zu\r\n", body_len);
		rc = rc ? rc : buf_append_str(&req, line);
	}
	rc = rc ? rc : buf_append_str(&req, "\r\n");
	if (body_len > 0)
		rc = rc ? rc : buf_append(&req, body, body_len);
	if (rc != 0)
		goto done;
	record_request(method, path, body, body_len);
	rc = http_request_from(out, source, host, port, req.data, req.len, HTTP_CLIENT_DEFAULT_TIMEOUT_MS);
	if (rc == 0)
		record_exchange(method, path, out);
done:
	free(req.data);
	return rc;
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	if (resp == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < resp->header_count; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	}
	return NULL;
}

size_t http_response_header_count(const struct http_response *resp, const char *name)
{
	size_t n = 0;

	if (resp == NULL || name == NULL)
		return 0;
	for (size_t i = 0; i < resp->header_count; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			n++;
	}
	return n;
}

void http_response_free(struct http_response *resp)
{
	if (resp == NULL)
		return;
	for (size_t i = 0; i < resp->header_count; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	free(resp->reason);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}
