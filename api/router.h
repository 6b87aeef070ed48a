/* One dispatcher for every request: request id, body limits, route matching,
 * media types, authentication, the handler, problem+json, metrics, the log. */
#ifndef API_ROUTER_H
#define API_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include <ulfius.h>

#include "api/http.h"

typedef int (*route_handler)(struct req *req, struct reply *rep, struct err *err);

enum route_flags {
	ROUTE_PUBLIC = 1 << 0,      /* no bearer token */
	ROUTE_BODY_JSON = 1 << 1,   /* takes a JSON object */
	ROUTE_BODY_FORM = 1 << 2,   /* also takes application/x-www-form-urlencoded */
	ROUTE_BODY_RAW = 1 << 3,    /* takes a body the handler reads itself (imports) */
};

struct route {
	const char *method;
	const char *path;      /* template: /v1/households/{id} */
	route_handler handler;
	unsigned flags;
};

/* The routes whose body may exceed the global PREVEX_MAX_BODY_SIZE, with
 * their own limit in bytes; in api/routes.c. Every other route has the
 * global one. */
struct route_body_limit {
	const char *method;
	const char *path;      /* a template of the route table */
	int64_t max_body;
};
extern const struct route_body_limit route_body_limits[];
extern const size_t route_body_limits_count;

/* The route table, in api/routes.c. */
extern const struct route routes[];
extern const size_t routes_count;

/* The ulfius default endpoint: every request comes through here.
 * user_data is the struct app. */
int router_dispatch(const struct _u_request *u, struct _u_response *resp, void *user_data);

/* The largest body any route takes: ulfius must keep one byte more. */
int64_t router_max_body(int64_t global_limit);

/* Checks the route table at start-up: templates well formed, no duplicates. */
int router_check_table(char *msg, size_t len);

#endif
