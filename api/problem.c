#include "api/problem.h"

#include <stdio.h>

#include "api/log.h"

struct problem_kind {
	int status;
	const char *title;
};

static const struct problem_kind kinds[ERR__COUNT] = {
	[ERR_OK] = { 200, "OK" },
	[ERR_INVALID] = { 400, "Bad request" },
	[ERR_UNAUTHORIZED] = { 401, "Unauthorized" },
	[ERR_FORBIDDEN] = { 403, "Forbidden" },
	[ERR_NOT_FOUND] = { 404, "Not found" },
	[ERR_METHOD_NOT_ALLOWED] = { 405, "Method not allowed" },
	[ERR_NOT_ACCEPTABLE] = { 406, "Not acceptable" },
	[ERR_CONFLICT] = { 409, "Conflict" },
	[ERR_GONE] = { 410, "Gone" },
	[ERR_PRECONDITION_FAILED] = { 412, "Precondition failed" },
	[ERR_TOO_LARGE] = { 413, "Content too large" },
	[ERR_UNSUPPORTED_MEDIA] = { 415, "Unsupported media type" },
	[ERR_UNPROCESSABLE] = { 422, "Unprocessable content" },
	[ERR_PRECONDITION_REQUIRED] = { 428, "Precondition required" },
	[ERR_TOO_MANY] = { 429, "Too many requests" },
	[ERR_UNAVAILABLE] = { 503, "Service unavailable" },
	[ERR_INTERNAL] = { 500, "Internal server error" },
};

static enum err_code problem_code(enum err_code code)
{
	if ((int)code <= 0 || code >= ERR__COUNT)
		return ERR_INTERNAL;
	return code;
}

int problem_status(enum err_code code)
{
	return kinds[problem_code(code)].status;
}

void problem_reply(struct reply *rep, const struct req *req, const struct err *err)
{
	enum err_code code = problem_code(err->code);
	const char *detail = err->message[0] ? err->message : kinds[code].title;
	if (code == ERR_INTERNAL) {
		log_json(LOG_ERROR, "internal_error",
			 json_pack("{ss ss}", "request_id", req->request_id, "cause", detail));
		detail = "an unexpected error occurred; quote the request id when reporting it";
	}
	char type[96];
	snprintf(type, sizeof(type), "urn:prevex:problem:%s", err_code_name(code));
	json_t *body = json_pack("{ss ss si ss ss}",
				 "type", type,
				 "title", kinds[code].title,
				 "status", kinds[code].status,
				 "detail", detail,
				 "request_id", req->request_id);
	if (body != NULL && req->path != NULL)
		json_object_set_new(body, "instance", json_string(req->path));
	if (body != NULL && err->field[0] != '\0')
		json_object_set_new(body, "field", json_string(err->field));
	if (body == NULL) /* a detail that is not valid UTF-8 */
		body = json_pack("{ss ss si ss}", "type", type, "title", kinds[code].title,
				 "status", kinds[code].status, "request_id", req->request_id);
	json_decref(rep->body);
	rep->body = body;
	rep->status = kinds[code].status;
	rep->content_type = "application/problem+json";
	if (code == ERR_UNAVAILABLE)
		reply_header(rep, "Retry-After", "2");
	if (code == ERR_UNAUTHORIZED)
		reply_header(rep, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
}
