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
	ROUTE_CURSOR_AFTER = 1 << 4,/* its pages go on with ?after= (the feed), not ?cursor= */
	ROUTE_NO_CASE = 1 << 5,     /* reads no case: open to a kind that reads none (national) */
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

/* What the router decided about a request before its body: carried by the
 * server from router_admit() to router_dispatch(). */
struct router_ticket {
	char request_id[REQUEST_ID_MAX + 1];
	struct timespec start;
	int64_t body_limit;     /* the matched route's, else the global one */
	bool token_checked;     /* actor holds the verified token; the database check is still due */
	struct actor actor;
};

/*
 * Every request comes here first, with its head and before any byte of its
 * body: the request id, the route (404, 405), the announced size (413), the
 * media type of a body to come (415) and the bearer token's signature and
 * claims (401, no database). Returns ERR_OK when the body may be read;
 * otherwise resp holds the answer, already logged.
 */
int router_admit(const struct _u_request *u, struct _u_response *resp, struct app *app, bool has_body,
		 struct router_ticket *t);

/* Then, with the whole body in u: the handler, problem+json, metrics, the log. */
void router_dispatch(const struct _u_request *u, struct _u_response *resp, struct app *app,
		     const struct router_ticket *t);

/* Answers refusal (decided by the server after admission: a body too large
 * or too slow, no room for it) in resp, logged like any answer. */
void router_refuse(const struct _u_request *u, struct _u_response *resp, struct app *app,
		   const struct router_ticket *t, const struct err *refusal);

/* A handler that sleeps without the database (the feed's long poll) leaves
 * its organisation's budget of requests in flight while it sleeps, so that
 * waiting is not counted as work; resume counts it again, false when the
 * budget is full (then answer what there is). The router ends the count. */
void router_budget_pause(struct req *req);
bool router_budget_resume(struct req *req);

/* Checks the route table at start-up: templates well formed, no duplicates. */
int router_check_table(char *msg, size_t len);

#endif
