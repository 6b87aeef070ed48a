#include "api/router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/auth.h"
#include "api/budget.h"
#include "api/log.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "domain/policy.h"

#define MAX_SEGMENTS 12

static bool request_id_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > REQUEST_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static void request_id_assign(struct req *req)
{
	const char *given = req_header(req, "X-Request-Id");
	if (request_id_is_valid(given)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s", given);
		return;
	}
	unsigned char raw[16] = { 0 };
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* Never fails on Linux ≥ 3.17 for 16 bytes; keep the id unique anyway. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(raw, &ts, sizeof(ts) < sizeof(raw) ? sizeof(ts) : sizeof(raw));
	}
	for (int i = 0; i < 16; i++)
		snprintf(req->request_id + 2 * i, 3, "%02x", raw[i]);
}

/* Splits a path into at most MAX_SEGMENTS segments; returns their count, or
 * -1 for a path that is not absolute, is too deep, or has an empty segment
 * (a trailing slash included), which no route has. */
static int path_split(const char *path, const char *seg[], size_t seglen[])
{
	if (path == NULL || path[0] != '/')
		return -1;
	if (path[1] == '\0')
		return 0;
	int n = 0;
	const char *p = path + 1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || n == MAX_SEGMENTS)
			return -1;
		seg[n] = p;
		seglen[n] = len;
		n++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	return n;
}

/* True when the path matches the template; captures the {params} into req
 * (when req is not NULL). */
static bool route_match(const struct route *route, int n, const char *seg[], const size_t seglen[],
			struct req *req)
{
	const char *tseg[MAX_SEGMENTS];
	size_t tlen[MAX_SEGMENTS];
	if (path_split(route->path, tseg, tlen) != n)
		return false;
	for (int i = 0; i < n; i++) {
		bool is_param = tlen[i] > 2 && tseg[i][0] == '{' && tseg[i][tlen[i] - 1] == '}';
		if (!is_param && (tlen[i] != seglen[i] || memcmp(tseg[i], seg[i], seglen[i]) != 0))
			return false;
	}
	if (req == NULL)
		return true;
	for (int i = 0; i < n && req->nparams < ROUTE_MAX_PARAMS; i++) {
		size_t name_len = tlen[i] - 2;
		if (!(tlen[i] > 2 && tseg[i][0] == '{') || name_len >= sizeof(req->param_names[0]))
			continue;
		memcpy(req->param_names[req->nparams], tseg[i] + 1, name_len);
		req->param_names[req->nparams][name_len] = '\0';
		req->param_values[req->nparams] = strndup(seg[i], seglen[i]);
		req->nparams++;
	}
	return true;
}

int router_check_table(char *msg, size_t len)
{
	for (size_t i = 0; i < routes_count; i++) {
		const char *seg[MAX_SEGMENTS];
		size_t seglen[MAX_SEGMENTS];
		int n = path_split(routes[i].path, seg, seglen);
		int nparams = 0;
		for (int k = 0; k < n; k++) {
			if (seg[k][0] != '{')
				continue;
			if (seglen[k] < 3 || seglen[k] - 2 >= 24 || seg[k][seglen[k] - 1] != '}')
				n = -1;
			nparams++;
		}
		if (n < 0 || nparams > ROUTE_MAX_PARAMS) {
			snprintf(msg, len, "route %s: malformed template", routes[i].path);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(routes[i].method, routes[j].method) == 0 &&
			    strcmp(routes[i].path, routes[j].path) == 0) {
				snprintf(msg, len, "route %s %s is declared twice", routes[i].method, routes[i].path);
				return -1;
			}
		}
	}
	return 0;
}

/* HEAD is GET without the body (RFC 9110 9.3.2): every GET route takes it,
 * and libmicrohttpd sends the head alone. */
static bool method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

/* Finds the route for method and path. Returns it, or NULL with *code set to
 * ERR_NOT_FOUND, or ERR_METHOD_NOT_ALLOWED and allow filled. */
static const struct route *router_find(struct req *req, char *allow, size_t allow_len, int *code,
				       const struct route **path_route)
{
	const char *seg[MAX_SEGMENTS];
	size_t seglen[MAX_SEGMENTS];
	*path_route = NULL;
	allow[0] = '\0';
	int n = path_split(req->path, seg, seglen);
	if (n < 0) {
		*code = ERR_NOT_FOUND;
		return NULL;
	}
	for (size_t i = 0; i < routes_count; i++) {
		if (!route_match(&routes[i], n, seg, seglen, NULL))
			continue;
		if (method_matches(routes[i].method, req->method)) {
			route_match(&routes[i], n, seg, seglen, req);
			return &routes[i];
		}
		if (*path_route == NULL)
			*path_route = &routes[i];
		size_t used = strlen(allow);
		snprintf(allow + used, allow_len - used, "%s%s%s", used ? ", " : "", routes[i].method,
			 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
	}
	*code = *path_route ? ERR_METHOD_NOT_ALLOWED : ERR_NOT_FOUND;
	return NULL;
}

static int check_body(struct req *req, struct err *err)
{
	const struct route *route = req->route;
	const char *ctype = req_header(req, "Content-Type");
	size_t len = req->u->binary_body_length;
	if (route->flags & ROUTE_BODY_RAW)
		return ERR_OK;
	if (!(route->flags & (ROUTE_BODY_JSON | ROUTE_BODY_FORM))) {
		if (len > 0)
			return err_set(err, ERR_UNSUPPORTED_MEDIA, "", "this endpoint takes no request body");
		return ERR_OK;
	}
	if ((route->flags & ROUTE_BODY_FORM) && http_media_type_is(ctype, "application/x-www-form-urlencoded"))
		return ERR_OK;
	if (!http_media_type_is(ctype, "application/json"))
		return err_set(err, ERR_UNSUPPORTED_MEDIA, "Content-Type", "expected Content-Type: application/json%s",
			       (route->flags & ROUTE_BODY_FORM) ? " or application/x-www-form-urlencoded" : "");
	return http_parse_json_body(req, err);
}

static int64_t route_max_body(const struct route *route, int64_t global_limit)
{
	for (size_t i = 0; route != NULL && i < route_body_limits_count; i++)
		if (strcmp(route_body_limits[i].method, route->method) == 0 &&
		    strcmp(route_body_limits[i].path, route->path) == 0)
			return route_body_limits[i].max_body;
	return global_limit;
}

/* The matched route's own limit, else the global one: an unknown path or
 * method never gets more than PREVEX_MAX_BODY_SIZE. */
static int check_size(const struct req *req, struct err *err)
{
	int64_t limit = route_max_body(req->route, req->app->cfg.max_body_size);
	const char *announced = req_header(req, "Content-Length");
	if (announced != NULL) {
		errno = 0;
		char *end = NULL;
		unsigned long long n = strtoull(announced, &end, 10);
		if (errno == 0 && end != announced && *end == '\0' && n > (unsigned long long)limit)
			return err_set(err, ERR_TOO_LARGE, "", "the request body exceeds %lld bytes", (long long)limit);
	}
	/* ulfius keeps at most limit + 1 bytes (see server.c): more means the
	 * client sent too much, announced or chunked. */
	if (req->u->binary_body_length > (size_t)limit)
		return err_set(err, ERR_TOO_LARGE, "", "the request body exceeds %lld bytes", (long long)limit);
	return ERR_OK;
}

static void reply_send(struct reply *rep, const struct req *req, struct _u_response *resp)
{
	char *text = NULL;
	size_t len = 0;
	if (rep->body != NULL) {
		text = json_dumps(rep->body, JSON_COMPACT);
		len = text ? strlen(text) : 0;
		if (text == NULL) {
			rep->status = 500;
			rep->content_type = "application/problem+json";
		}
	} else if (rep->text != NULL) {
		text = rep->text;
		len = rep->text_len;
		rep->text = NULL;
	}
	resp->status = (long)rep->status;
	if (text != NULL) {
		ulfius_set_binary_body_response(resp, (unsigned int)rep->status, text, len);
		free(text);
		u_map_put(resp->map_header, "Content-Type", rep->content_type ? rep->content_type : "application/json");
	}
	u_map_put(resp->map_header, "X-Request-Id", req->request_id);
	if (!u_map_has_key_case(resp->map_header, "Cache-Control"))
		u_map_put(resp->map_header, "Cache-Control", "no-store");
	u_map_put(resp->map_header, "X-Content-Type-Options", "nosniff");
	if (atomic_load(&req->app->draining) || rep->status == 413)
		u_map_put(resp->map_header, "Connection", "close");
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void request_log(const struct req *req, const struct route *route, int status, double secs)
{
	enum log_level level = status >= 500 ? LOG_ERROR : LOG_INFO;
	if (!log_enabled(level))
		return;
	json_t *fields = json_pack("{ss ss* ss? si sf}",
				   "request_id", req->request_id,
				   "method", req->method,
				   "route", route ? route->path : NULL,
				   "status", status,
				   "duration_ms", secs * 1000.0);
	/* The org of a verified token, also when the request was refused after
	 * it (past the budget, client revoked). */
	if (fields != NULL && req->actor.org_id[0] != '\0')
		json_object_set_new(fields, "org", json_string(req->actor.org_id));
	log_json(level, "request", fields);
}

/* Answers rc (with err) and the request's log line and metrics. */
static bool is_read(const struct req *req)
{
	return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

/* Whether etag is among the entity tags of an If-None-Match value, or the
 * value is "*". Weak comparison (RFC 9110 8.8.3.2): W/"3" matches "3". */
static bool etag_listed(const char *list, const char *etag)
{
	size_t want = strlen(etag);
	const char *p = list;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *start = p;
		while (*p != '\0' && *p != ',')
			p++;
		const char *end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end - start == 1 && *start == '*')
			return true;
		if (end - start > 2 && start[0] == 'W' && start[1] == '/')
			start += 2;
		if ((size_t)(end - start) == want && memcmp(start, etag, want) == 0)
			return true;
	}
	return false;
}

/* A read whose ETag the client already holds (If-None-Match): 304, without
 * a body (RFC 9110 13.1.2, 15.4.5). */
static void reply_not_modified(struct reply *rep, const struct req *req)
{
	if (rep->status != 200 || !is_read(req))
		return;
	const char *list = req_header(req, "If-None-Match");
	const char *etag = u_map_get_case(rep->headers, "ETag");
	if (list == NULL || etag == NULL || !etag_listed(list, etag))
		return;
	rep->status = 304;
	json_decref(rep->body);
	rep->body = NULL;
	free(rep->text);
	rep->text = NULL;
}

/* A page that has a next one: Link: <the same query, cursor moved>; rel="next"
 * (RFC 8288), beside the body's next_cursor. A page is last when its
 * next_cursor is null, has_more is false, or it has no items. */
static void reply_link_next(struct reply *rep, const struct req *req)
{
	if (rep->status != 200 || !is_read(req) || req->route == NULL || !json_is_object(rep->body))
		return;
	const char *next = json_string_value(json_object_get(rep->body, "next_cursor"));
	const json_t *more = json_object_get(rep->body, "has_more");
	const json_t *items = json_object_get(rep->body, "items");
	if (next == NULL || (more != NULL && !json_is_true(more)) || (items != NULL && json_array_size(items) == 0))
		return;
	const char *param = (req->route->flags & ROUTE_CURSOR_AFTER) ? "after" : "cursor";
	struct _u_map *query = req->u->map_url;
	const char **keys = query ? u_map_enum_keys(query) : NULL;
	size_t cap = strlen(req->path) + strlen(next) * 3 + 64, used = 0;
	for (int i = 0; keys != NULL && keys[i] != NULL; i++)
		cap += (strlen(keys[i]) + strlen(u_map_get(query, keys[i]))) * 3 + 2;
	char *link = malloc(cap);
	if (link == NULL)
		return;
	used += (size_t)snprintf(link, cap, "<%s", req->path);
	char sep = '?';
	for (int i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (strcmp(keys[i], param) == 0)
			continue;
		char *k = ulfius_url_encode(keys[i]), *v = ulfius_url_encode(u_map_get(query, keys[i]));
		if (k != NULL && v != NULL)
			used += (size_t)snprintf(link + used, cap - used, "%c%s=%s", sep, k, v);
		sep = '&';
		u_free(k);
		u_free(v);
	}
	char *c = ulfius_url_encode(next);
	if (c != NULL)
		snprintf(link + used, cap - used, "%c%s=%s>; rel=\"next\"", sep, param, c);
	u_free(c);
	if (c != NULL)
		reply_header(rep, "Link", link);
	free(link);
}

static void router_finish(struct req *req, struct reply *rep, struct _u_response *resp, int rc,
			  struct err *err, const struct route *path_route)
{
	if (rc != ERR_OK) {
		if (err->code == ERR_OK)
			err_set(err, (enum err_code)rc, "", "%s", "");
		problem_reply(rep, req, err);
	} else {
		reply_link_next(rep, req);
		reply_not_modified(rep, req);
	}
	const struct route *observed = req->route ? req->route : path_route;
	reply_send(rep, req, resp);
	double secs = seconds_since(&req->start);
	metrics_observe(observed ? (int)(observed - routes) : -1, req->method, rep->status, secs);
	request_log(req, observed, rep->status, secs);
	json_decref(rep->body);
	free(rep->text);
	json_decref(req->body);
	for (int i = 0; i < req->nparams; i++)
		free(req->param_values[i]);
}

/* Matches the route; 404 or 405 (with Allow) when none does. */
static int router_route(struct req *req, struct reply *rep, const struct route **path_route, struct err *err)
{
	char allow[128];
	int code = ERR_OK;
	req->route = router_find(req, allow, sizeof(allow), &code, path_route);
	if (req->route != NULL)
		return ERR_OK;
	if (code != ERR_METHOD_NOT_ALLOWED)
		return err_set(err, ERR_NOT_FOUND, "", "no such resource");
	reply_header(rep, "Allow", allow);
	return err_set(err, ERR_METHOD_NOT_ALLOWED, "", "%s is not allowed here; allowed: %s", req->method, allow);
}

/* The media type of a body about to come, before any of it is read. */
static int check_media(const struct req *req, struct err *err)
{
	unsigned flags = req->route->flags;
	const char *ctype = req_header(req, "Content-Type");
	if (flags & ROUTE_BODY_RAW)
		return ERR_OK;
	if (!(flags & (ROUTE_BODY_JSON | ROUTE_BODY_FORM)))
		return err_set(err, ERR_UNSUPPORTED_MEDIA, "", "this endpoint takes no request body");
	if ((flags & ROUTE_BODY_FORM) && http_media_type_is(ctype, "application/x-www-form-urlencoded"))
		return ERR_OK;
	if (!http_media_type_is(ctype, "application/json"))
		return err_set(err, ERR_UNSUPPORTED_MEDIA, "Content-Type", "expected Content-Type: application/json%s",
			       (flags & ROUTE_BODY_FORM) ? " or application/x-www-form-urlencoded" : "");
	return ERR_OK;
}

int router_admit(const struct _u_request *u, struct _u_response *resp, struct app *app, bool has_body,
		 struct router_ticket *t)
{
	struct req req = { .u = u, .app = app, .method = u->http_verb, .path = u->url_path };
	struct reply rep = { .status = 200, .headers = resp->map_header };
	struct err err;
	err_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &req.start);
	request_id_assign(&req);
	t->start = req.start;
	snprintf(t->request_id, sizeof(t->request_id), "%s", req.request_id);

	const struct route *path_route = NULL;
	int rc = router_route(&req, &rep, &path_route, &err);
	t->body_limit = route_max_body(req.route, app->cfg.max_body_size);
	if (rc == ERR_OK || rc == ERR_NOT_FOUND || rc == ERR_METHOD_NOT_ALLOWED) {
		/* Too large is said first, whatever the path. */
		int size_rc = check_size(&req, &err);
		if (size_rc != ERR_OK)
			rc = size_rc;
	}
	if (rc == ERR_OK && has_body)
		rc = check_media(&req, &err);
	if (rc == ERR_OK && !(req.route->flags & ROUTE_PUBLIC)) {
		rc = auth_verify_token(&req, &err);
		t->actor = req.actor;
		t->token_checked = rc == ERR_OK;
	}
	if (rc == ERR_OK) {
		for (int i = 0; i < req.nparams; i++)
			free(req.param_values[i]);
		return ERR_OK;
	}
	router_finish(&req, &rep, resp, rc, &err, path_route);
	return rc;
}

void router_refuse(const struct _u_request *u, struct _u_response *resp, struct app *app,
		   const struct router_ticket *t, const struct err *refusal)
{
	struct req req = { .u = u, .app = app, .method = u->http_verb, .path = u->url_path, .start = t->start };
	struct reply rep = { .status = 200, .headers = resp->map_header };
	struct err err = *refusal;
	snprintf(req.request_id, sizeof(req.request_id), "%s", t->request_id);
	const struct route *path_route = NULL;
	char allow[128];
	int code = ERR_OK;
	req.route = router_find(&req, allow, sizeof(allow), &code, &path_route);
	router_finish(&req, &rep, resp, err.code, &err, path_route);
}

/* Counts the request in its organisation's budget of requests in flight,
 * once the token is verified (its org claim is signed) and before the
 * database confirms the client: a request past the budget costs no
 * connection. */
static int router_budget_enter(struct req *req, struct reply *rep, struct err *err)
{
	int rc = budget_enter(req->actor.org_id, req->app->cfg.org_max_inflight, err);
	if (rc == ERR_OK) {
		req->in_budget = true;
	} else if (rc == ERR_TOO_MANY) {
		char retry[16];
		snprintf(retry, sizeof(retry), "%d", BUDGET_RETRY_AFTER_S);
		reply_header(rep, "Retry-After", retry);
		metrics_budget_refused(req->actor.kind);
	}
	return rc;
}

void router_budget_pause(struct req *req)
{
	if (!req->in_budget)
		return;
	budget_leave(req->actor.org_id);
	req->in_budget = false;
}

bool router_budget_resume(struct req *req)
{
	struct err err;
	err_clear(&err);
	if (req->in_budget)
		return true;
	if (budget_enter(req->actor.org_id, req->app->cfg.org_max_inflight, &err) != ERR_OK)
		return false;
	req->in_budget = true;
	return true;
}

void router_dispatch(const struct _u_request *u, struct _u_response *resp, struct app *app,
		     const struct router_ticket *t)
{
	struct req req = { .u = u, .app = app, .method = u->http_verb, .path = u->url_path, .start = t->start };
	struct reply rep = { .status = 200, .headers = resp->map_header };
	struct err err;
	err_clear(&err);
	snprintf(req.request_id, sizeof(req.request_id), "%s", t->request_id);

	const struct route *path_route = NULL;
	int rc = router_route(&req, &rep, &path_route, &err);
	if (rc == ERR_OK)
		rc = check_size(&req, &err);
	if (rc == ERR_OK)
		rc = check_body(&req, &err);
	if (rc == ERR_OK && !(req.route->flags & ROUTE_PUBLIC)) {
		if (t->token_checked)
			req.actor = t->actor;
		else
			rc = auth_verify_token(&req, &err);
		if (rc == ERR_OK)
			rc = router_budget_enter(&req, &rep, &err);
		if (rc == ERR_OK)
			rc = auth_confirm_client(&req, &err);
		/* A kind that reads no case reaches the figures alone. */
		if (rc == ERR_OK && !policy_kind_reads_cases(req.actor.kind) && !(req.route->flags & ROUTE_NO_CASE))
			rc = err_set(&err, ERR_FORBIDDEN, "", "this organisation reads the key figures only");
	}
	if (rc == ERR_OK)
		rc = req.route->handler(&req, &rep, &err);
	router_budget_pause(&req);
	router_finish(&req, &rep, resp, rc, &err, path_route);
}
