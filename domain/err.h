/* Error codes shared by every layer, and the caller-owned error record. */
#ifndef DOMAIN_ERR_H
#define DOMAIN_ERR_H

#include <stdarg.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,              /* malformed or invalid input: 400 */
	ERR_UNAUTHORIZED,         /* no valid credentials: 401 */
	ERR_FORBIDDEN,            /* authenticated but not allowed: 403 */
	ERR_NOT_FOUND,            /* absent, or not visible to the caller: 404 */
	ERR_METHOD_NOT_ALLOWED,   /* 405 */
	ERR_NOT_ACCEPTABLE,       /* 406 */
	ERR_CONFLICT,             /* state conflict, duplicate: 409 */
	ERR_GONE,                 /* existed, removed for good: 410 */
	ERR_PRECONDITION_FAILED,  /* If-Match does not match: 412 */
	ERR_TOO_LARGE,            /* 413 */
	ERR_UNSUPPORTED_MEDIA,    /* 415 */
	ERR_UNPROCESSABLE,        /* a business rule refuses it: 422 */
	ERR_PRECONDITION_REQUIRED,/* If-Match missing: 428 */
	ERR_TOO_MANY,             /* throttled: 429 */
	ERR_UNAVAILABLE,          /* database or dependency down: 503 */
	ERR_INTERNAL,             /* a bug or an unexpected failure: 500 */
	ERR__COUNT
};

struct err {
	enum err_code code;
	char field[64];    /* the input field at fault, "" when none */
	char message[256]; /* one line, safe to show to the client */
};

/* Fills err (which may be NULL) and returns code, so that callers can write
 * `return err_set(err, ERR_INVALID, "limit", "must be between 1 and 500");`. */
int err_set(struct err *err, enum err_code code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void err_clear(struct err *err);
const char *err_code_name(enum err_code code);

#endif
