/* The gate in front of libmicrohttpd: one thread accepts every connection
 * and holds it, at the cost of a descriptor and a few dozen bytes, until the
 * head of its first request has arrived whole (read with MSG_PEEK, so that
 * nothing is consumed) and passed http_head_check(); only then is the
 * connection handed to the HTTP server. A head must arrive within the header
 * deadline, whatever its pace: slow senders are cut, and a client that sends
 * its head at once is never kept waiting behind them. When more connections
 * wait than max_pending, the oldest is cut. Every refusal is a real HTTP
 * answer in application/problem+json. */
#ifndef API_HTTP_GATE_H
#define API_HTTP_GATE_H

#include <sys/socket.h>

#include "api/http_head.h"
#include "domain/err.h"

struct http_gate;

/* Takes the connection, or returns the status to answer it with (503 when
 * the server is full); the gate then closes it. retry_after_s is set for a
 * 503. */
typedef int (*http_gate_admit_fn)(void *cls, int fd, const struct sockaddr *addr, socklen_t addrlen,
				  int *retry_after_s);

struct http_gate_config {
	int listen_fd;                 /* non-blocking, listening; stays the caller's */
	int header_timeout_ms;
	int max_pending;
	struct http_head_limits limits;
	http_gate_admit_fn admit;
	void *admit_cls;
};

struct http_gate_stats {
	long long accepted, handed_over, refused, timed_out, evicted;
	int pending;
};

/* Starts the gate's thread. */
int http_gate_start(struct http_gate **out, const struct http_gate_config *cfg, struct err *err);

/* Stops accepting (the listening socket stays open) and closes the
 * connections still waiting; NULL is accepted. */
void http_gate_free(struct http_gate *gate);

void http_gate_get_stats(struct http_gate *gate, struct http_gate_stats *out);

/* The bytes of a problem+json answer with Connection: close, in out
 * (NUL-terminated, truncated to len); returns their count. */
size_t http_gate_problem(char *out, size_t len, int status, const char *detail, int retry_after_s);

#endif
