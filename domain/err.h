/* Error codes shared by every layer, and the caller-owned error record. */
#ifndef DOMAIN_ERR_H
#define DOMAIN_ERR_H

#include <stdarg.h>
#include <stdbool.h>

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

/*
 * Why a request failed, one value per problem type a client can program
 * against (api/problem.c serves each as a page). The generic ones name what
 * an HTTP status says; the others a business reason. Each has one code.
 */
enum err_reason {
	ERR_REASON_NONE = 0,            /* the generic reason of the code */
	/* generic, one per status */
	ERR_REASON_INVALID_REQUEST,
	ERR_REASON_UNAUTHORIZED,
	ERR_REASON_FORBIDDEN,
	ERR_REASON_NOT_FOUND,
	ERR_REASON_METHOD_NOT_ALLOWED,
	ERR_REASON_NOT_ACCEPTABLE,
	ERR_REASON_CONFLICT,
	ERR_REASON_GONE,
	ERR_REASON_VERSION_MISMATCH,
	ERR_REASON_CONTENT_TOO_LARGE,
	ERR_REASON_UNSUPPORTED_MEDIA_TYPE,
	ERR_REASON_UNPROCESSABLE,
	ERR_REASON_IF_MATCH_REQUIRED,
	ERR_REASON_TOO_MANY_REQUESTS,
	ERR_REASON_UNAVAILABLE,
	ERR_REASON_INTERNAL_ERROR,
	/* 400: the shape of the request */
	ERR_REASON_MALFORMED_JSON,
	ERR_REASON_UNKNOWN_MEMBER,
	ERR_REASON_READ_ONLY_MEMBER,
	/* 409: the state of what the request changes */
	ERR_REASON_REFERRAL_ALREADY_OPEN,
	ERR_REASON_REFERRAL_NOT_READY,
	ERR_REASON_STATUS_TRANSITION_REFUSED,
	ERR_REASON_RECORD_FINAL,
	ERR_REASON_AGENDA_FROZEN,
	ERR_REASON_OPINION_OUTSIDE_SESSION,
	ERR_REASON_RECOMMENDATION_REPORTED,
	ERR_REASON_REPORT_ALREADY_ORIENTED,
	ERR_REASON_ALREADY_EXISTS,
	ERR_REASON_CONCURRENT_CHANGE,
	ERR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT,
	ERR_REASON_CHANGE_ID_REUSED,
	ERR_REASON_SYNC_CONFLICT,
	ERR_REASON_HOUSEHOLD_STILL_FOLLOWED,
	ERR_REASON_HOUSEHOLD_ERASED,
	/* 422: a rule refuses the content */
	ERR_REASON_IDEMPOTENCY_KEY_REUSED,
	ERR_REASON_UNKNOWN_REFERENCE,
	ERR_REASON_WRONG_ORGANISATION_KIND,
	ERR_REASON_DATES_OUT_OF_ORDER,
	ERR_REASON_INCONSISTENT_WITH_STATUS,
	ERR_REASON_INCONSISTENT_VALUES,
	ERR_REASON_VALUE_OUT_OF_RANGE,
	ERR_REASON_MALFORMED_VALUE,
	ERR_REASON_GIVEN_TWICE,
	ERR_REASON_REASON_REQUIRED,
	ERR_REASON_PROCEDURE_EVENT_REFUSED,
	ERR_REASON_PROCEDURE_FULL,
	ERR_REASON_CONTRADICTS_PROCEDURE,
	ERR_REASON_REFERRAL_KIND_REFUSED,
	ERR_REASON_STATUS_NOT_SETTABLE,
	ERR_REASON_COMMISSION_LEVEL_MISMATCH,
	ERR_REASON_CLIL_LANDLORD_COUNT,
	ERR_REASON_RULE_NOT_IN_FORCE,
	ERR_REASON_RECOMMENDATION_NOT_IN_FORCE,
	ERR_REASON_LANDLORD_MUST_BE_ORGANISATION,
	ERR_REASON_IMPORT_AMBIGUOUS_MATCH,
	ERR_REASON_IMPORT_UNCONFIRMED_MATCH,
	ERR_REASON_IMPORT_HOUSEHOLD_NEEDED,
	ERR_REASON_IMPORT_ACT_MISMATCH,
	ERR_REASON_WEBHOOK_ADDRESS_REFUSED,
	ERR_REASON_LETTER_INCOMPLETE,
	ERR_REASON_COMMUNE_OUTSIDE_DEPARTEMENTS,
	ERR_REASON__COUNT
};

/* A further failure of the same request, beyond the first (err_add). */
struct err_item {
	enum err_code code;
	enum err_reason reason;
	char field[64];
	char message[160];
};

#define ERR_MORE_MAX 8

struct err {
	enum err_code code;
	enum err_reason reason;   /* ERR_REASON_NONE: the generic one of code */
	char field[64];    /* the input field at fault, "" when none */
	char message[256]; /* one line, safe to show to the client */
	char conflicting_id[40]; /* the resource a 409 collides with, "" when none */
	unsigned n_more;          /* further failures found in the same request */
	struct err_item more[ERR_MORE_MAX];
};

/* Fills err (which may be NULL) and returns code, so that callers can write
 * `return err_set(err, ERR_INVALID, "limit", "must be between 1 and 500");`. */
int err_set(struct err *err, enum err_code code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* As err_set, for a business reason: the code is the reason's own. */
int err_set_reason(struct err *err, enum err_reason reason, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds the failure one to err (which may be NULL), so that a request's failures are answered
 * together: the first becomes err itself, the next ones go to err->more
 * (beyond ERR_MORE_MAX they are counted in n_more only). Returns err's
 * code, ERR_OK while nothing failed. */
int err_add(struct err *err, const struct err *one);

/* err_add of a failure given as err_set_reason's arguments. */
int err_add_reason(struct err *err, enum err_reason reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Names the failures of a member object from its parent: "line" becomes
 * "address.line" (prefix "address"), in err and in each further failure;
 * with_message also puts "address: " before their messages. */
/* Names the resource a conflict collides with (err may be NULL); returns
 * err's code. */
int err_conflicting(struct err *err, const char *id);

void err_nest(struct err *err, const char *prefix, bool with_message);

void err_clear(struct err *err);
const char *err_code_name(enum err_code code);

/* The reason's stable name ("referral-already-open"), and its code. */
const char *err_reason_slug(enum err_reason reason);
enum err_code err_reason_code(enum err_reason reason);

/* The reason a problem of err answers: err->reason, or its code's generic
 * one. */
enum err_reason err_reason_of(enum err_code code, enum err_reason reason);

#endif
