/* RFC 9457 problem details: the one place that turns an error into an HTTP
 * status and a body, and the catalogue of problem types, each served as a
 * page under /problems/. */
#ifndef API_PROBLEM_H
#define API_PROBLEM_H

#include "api/http.h"
#include "domain/err.h"

int problem_status(enum err_code code);

/* Fills rep with an application/problem+json body for err. A 500 gets a
 * generic detail; the cause is logged with the request id. */
void problem_reply(struct reply *rep, const struct req *req, const struct err *err);

/* A problem embedded in a larger answer (a sync change, an import item):
 * {type, code, detail, field?, errors?}, field a JSON Pointer into the
 * item. Returns a new reference; the caller json_decref()s it. */
json_t *problem_item_json(const struct err *err);

/* "a.b[2].c" -> "/a/b/2/c" (RFC 6901, '~' and '/' escaped) into out. */
void problem_pointer(char *out, size_t len, const char *field);

/* The type URI of a reason into out: "/problems/<slug>", a reference
 * resolved against the request's URI (RFC 9457 3.1.1). */
void problem_type(char *out, size_t len, enum err_reason reason);

/* GET /problems and GET /problems/{code}: the catalogue as HTML (or JSON
 * when asked for). Public: it documents the API and holds no data. */
int problem_catalogue(struct req *req, struct reply *rep, struct err *err);
int problem_page(struct req *req, struct reply *rep, struct err *err);

#endif
