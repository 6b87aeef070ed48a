#ifndef TESTS_API_HTTP_CLIENT_H
#define TESTS_API_HTTP_CLIENT_H

/*
 * A raw HTTP/1.1 client over TCP for the end-to-end tests. It sends bytes as
 * given (malformed requests included) and reads one response, framed by
 * Content-Length, chunked transfer coding or the end of the connection, so
 * that it works on keep-alive connections as well as on Connection: close.
 * Every call is bounded by a timeout: a test never hangs on a silent server.
 */

#include <stddef.h>

#define HTTP_CLIENT_DEFAULT_TIMEOUT_MS 10000

enum http_client_rc {
	HTTP_CLIENT_OK = 0,
	HTTP_CLIENT_ERR_ARG = -1,
	HTTP_CLIENT_ERR_CONNECT = -2,    /* refused, unreachable, or connect timed out */
	HTTP_CLIENT_ERR_SEND = -3,       /* the request could not be written */
	HTTP_CLIENT_ERR_TIMEOUT = -4,    /* no complete response before the deadline */
	HTTP_CLIENT_ERR_EMPTY = -5,      /* the server closed without sending a byte */
	HTTP_CLIENT_ERR_RESET = -6,      /* the server reset without sending a byte */
	HTTP_CLIENT_ERR_INCOMPLETE = -7, /* the connection ended inside a response */
	HTTP_CLIENT_ERR_PARSE = -8,      /* the bytes received are not an HTTP/1.x response */
	HTTP_CLIENT_ERR_NOMEM = -9,
};

struct http_header {
	char *name;  /* as received */
	char *value; /* surrounding whitespace removed */
};

struct http_response {
	int status;
	char *reason;
	struct http_header *headers;
	size_t header_count;
	char *body;      /* de-chunked, NUL-terminated; never NULL after success */
	size_t body_len; /* without the terminating NUL */
};

/* Returns a static English description of an http_client_rc. */
const char *http_client_strerror(int rc);

/*
 * Opens a TCP connection to host:port (numeric IPv4/IPv6 or a name) and
 * returns a blocking socket descriptor the caller close()s, or a negative
 * http_client_rc.
 */
int http_connect(const char *host, int port, int timeout_ms);

/* Writes all of buf to fd within timeout_ms; 0 or a negative http_client_rc. */
int http_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/*
 * Sends raw_request on the open connection fd and reads exactly one final
 * response (interim 1xx responses are skipped). If the server answers and
 * stops reading before the whole request is written (an early 413), the
 * response is still read. On success *out owns its memory (http_response_free);
 * on failure *out is left empty.
 */
int http_exchange(struct http_response *out, int fd, const char *raw_request, size_t len,
		  int timeout_ms);

/* http_connect + http_exchange + close. */
int http_request(struct http_response *out, const char *host, int port,
		 const char *raw_request, size_t len, int timeout_ms);

/* http_request from the numeric local address source (NULL: the kernel's
 * choice); on Linux any 127.x.y.z reaches a server on 127.0.0.1. */
int http_request_from(struct http_response *out, const char *source, const char *host, int port,
		      const char *raw_request, size_t len, int timeout_ms);

/*
 * Builds "METHOD path HTTP/1.1" with Host, Connection: close, the caller's
 * headers ("Name: value\r\n..." or NULL) and Content-Length (left out only for
 * a bodiless GET, HEAD, DELETE or OPTIONS), then http_request()s it with
 * HTTP_CLIENT_DEFAULT_TIMEOUT_MS.
 */
int http_send(struct http_response *out, const char *host, int port, const char *method,
	      const char *path, const char *headers, const char *body, size_t body_len);

/* http_send from the numeric local address source (NULL: the kernel's choice). */
int http_send_from(struct http_response *out, const char *source, const char *host, int port,
		   const char *method, const char *path, const char *headers, const char *body,
		   size_t body_len);

/* Case-insensitive; the first header of that name. Borrowed: valid while resp lives. */
const char *http_response_header(const struct http_response *resp, const char *name);

/* How many headers of that name (case-insensitive) the response carries. */
size_t http_response_header_count(const struct http_response *resp, const char *name);

/* Releases what resp owns and empties it; accepts NULL and an emptied response. */
void http_response_free(struct http_response *resp);

#endif
