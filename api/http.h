/* The request and reply a handler sees, and the helpers to read and fill them. */
#ifndef API_HTTP_H
#define API_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <ulfius.h>

#include "api/app.h"
#include "domain/err.h"
#include "domain/policy.h"

#define ROUTE_MAX_PARAMS 4
#define REQUEST_ID_MAX 64

struct route;

/* Who is calling, once the bearer token has been verified. */
struct actor {
	bool authenticated;
	char client_id[128];
	char org_id[64];
	enum org_kind kind;
	char scope[512];
	int64_t expires_at;      /* the token's exp */
};

struct req {
	const struct _u_request *u;      /* borrowed: valid while the request lives */
	struct app *app;                 /* borrowed */
	const struct route *route;       /* NULL when no route matched */
	const char *method;              /* borrowed from u */
	const char *path;                /* borrowed from u */
	char request_id[REQUEST_ID_MAX + 1];
	int nparams;
	char param_names[ROUTE_MAX_PARAMS][24];
	char *param_values[ROUTE_MAX_PARAMS];       /* owned */
	json_t *body;                    /* owned: the parsed JSON body, or NULL */
	struct actor actor;
	bool in_budget;                  /* counted in actor.org_id's budget (api/budget.h) */
	struct timespec start;
};

struct reply {
	int status;
	json_t *body;            /* owned: a JSON reply, or NULL */
	char *text;              /* owned: a non-JSON reply, or NULL */
	size_t text_len;
	const char *content_type;/* static string */
	struct _u_map *headers;  /* borrowed: the ulfius response's header map */
};

/* Borrowed values, valid while req lives; NULL when absent. */
const char *req_param(const struct req *req, const char *name);
const char *req_query(const struct req *req, const char *name);

/* The query parameter name as an integer from min to max, else if_absent
 * when it is not given; ERR_INVALID on name otherwise. */
int req_query_int(const struct req *req, const char *name, int min, int max, int if_absent, int *out,
		  struct err *err);
const char *req_header(const struct req *req, const char *name);

/* Steals body. */
int reply_json(struct reply *rep, int status, json_t *body);
/* Steals text (malloc'd). */
int reply_text(struct reply *rep, int status, const char *content_type, char *text, size_t len);
/* A reply without a body (204). */
void reply_empty(struct reply *rep, int status);
void reply_header(struct reply *rep, const char *name, const char *value);

/* The path parameter name as a UUID in *out (borrowed from req).
 * ERR_NOT_FOUND otherwise: an id that cannot exist names nothing (and ulfius
 * joins a repeated parameter of the same name with commas, no UUID either). */
int req_path_uuid(const struct req *req, const char *name, const char **out, struct err *err);

/* If-Match: * (RFC 9110 13.1.1): whatever the current version is. */
#define REQ_ANY_VERSION 0

/* The version an If-Match header names ("3", quotes included), or
 * REQ_ANY_VERSION for "*": 428 without the header, 412 when it cannot be
 * one of our ETags. Storage takes REQ_ANY_VERSION (0) as "any" too. */
int req_if_match(const struct req *req, int *version, struct err *err);

/* Whether the version If-Match asked for admits the current one. */
static inline bool req_version_matches(int wanted, int current)
{
	return wanted == REQ_ANY_VERSION || wanted == current;
}

/* ETag: "version", the form req_if_match() reads. */
void reply_etag(struct reply *rep, int version);

/* Parses the request body as one JSON object; 400 naming the position when
 * it is malformed, has duplicate keys or is not an object. */
int http_parse_json_body(struct req *req, struct err *err);

/* An RFC 3339 timestamp as a query gives it (2026-01-31T12:00:00Z, or with
 * an offset), in the shape PostgreSQL then parses. */
bool req_is_timestamp(const char *s);

/* True when the media type of value (a Content-Type header) is type,
 * ignoring case and parameters. */
bool http_media_type_is(const char *value, const char *type);

/* The quality an Accept header gives type ("text/html"): that of its most
 * specific matching range (the type itself, then its major type with any
 * subtype, then any type); -1 when no range matches. */
double http_accept_quality(const char *accept, const char *type);

#endif
