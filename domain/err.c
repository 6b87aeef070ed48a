#include "domain/err.h"

#include <stdio.h>
#include <string.h>

struct reason_kind {
	const char *slug;
	enum err_code code;
};

static const struct reason_kind reasons[ERR_REASON__COUNT] = {
	[ERR_REASON_NONE] = { "internal-error", ERR_INTERNAL },
	[ERR_REASON_INVALID_REQUEST] = { "invalid-request", ERR_INVALID },
	[ERR_REASON_UNAUTHORIZED] = { "unauthorized", ERR_UNAUTHORIZED },
	[ERR_REASON_FORBIDDEN] = { "forbidden", ERR_FORBIDDEN },
	[ERR_REASON_NOT_FOUND] = { "not-found", ERR_NOT_FOUND },
	[ERR_REASON_METHOD_NOT_ALLOWED] = { "method-not-allowed", ERR_METHOD_NOT_ALLOWED },
	[ERR_REASON_NOT_ACCEPTABLE] = { "not-acceptable", ERR_NOT_ACCEPTABLE },
	[ERR_REASON_CONFLICT] = { "conflict", ERR_CONFLICT },
	[ERR_REASON_GONE] = { "gone", ERR_GONE },
	[ERR_REASON_VERSION_MISMATCH] = { "version-mismatch", ERR_PRECONDITION_FAILED },
	[ERR_REASON_CONTENT_TOO_LARGE] = { "content-too-large", ERR_TOO_LARGE },
	[ERR_REASON_UNSUPPORTED_MEDIA_TYPE] = { "unsupported-media-type", ERR_UNSUPPORTED_MEDIA },
	[ERR_REASON_UNPROCESSABLE] = { "unprocessable", ERR_UNPROCESSABLE },
	[ERR_REASON_IF_MATCH_REQUIRED] = { "if-match-required", ERR_PRECONDITION_REQUIRED },
	[ERR_REASON_TOO_MANY_REQUESTS] = { "too-many-requests", ERR_TOO_MANY },
	[ERR_REASON_UNAVAILABLE] = { "unavailable", ERR_UNAVAILABLE },
	[ERR_REASON_INTERNAL_ERROR] = { "internal-error", ERR_INTERNAL },
	[ERR_REASON_MALFORMED_JSON] = { "malformed-json", ERR_INVALID },
	[ERR_REASON_UNKNOWN_MEMBER] = { "unknown-member", ERR_INVALID },
	[ERR_REASON_READ_ONLY_MEMBER] = { "read-only-member", ERR_INVALID },
	[ERR_REASON_REFERRAL_ALREADY_OPEN] = { "referral-already-open", ERR_CONFLICT },
	[ERR_REASON_REFERRAL_NOT_READY] = { "referral-not-ready", ERR_CONFLICT },
	[ERR_REASON_STATUS_TRANSITION_REFUSED] = { "status-transition-refused", ERR_CONFLICT },
	[ERR_REASON_RECORD_FINAL] = { "record-final", ERR_CONFLICT },
	[ERR_REASON_AGENDA_FROZEN] = { "agenda-frozen", ERR_CONFLICT },
	[ERR_REASON_OPINION_OUTSIDE_SESSION] = { "opinion-outside-session", ERR_CONFLICT },
	[ERR_REASON_RECOMMENDATION_REPORTED] = { "recommendation-reported", ERR_CONFLICT },
	[ERR_REASON_REPORT_ALREADY_ORIENTED] = { "report-already-oriented", ERR_CONFLICT },
	[ERR_REASON_ALREADY_EXISTS] = { "already-exists", ERR_CONFLICT },
	[ERR_REASON_CONCURRENT_CHANGE] = { "concurrent-change", ERR_CONFLICT },
	[ERR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT] = { "idempotency-key-in-flight", ERR_CONFLICT },
	[ERR_REASON_CHANGE_ID_REUSED] = { "change-id-reused", ERR_CONFLICT },
	[ERR_REASON_SYNC_CONFLICT] = { "sync-conflict", ERR_CONFLICT },
	[ERR_REASON_HOUSEHOLD_STILL_FOLLOWED] = { "household-still-followed", ERR_CONFLICT },
	[ERR_REASON_HOUSEHOLD_ERASED] = { "household-erased", ERR_CONFLICT },
	[ERR_REASON_IDEMPOTENCY_KEY_REUSED] = { "idempotency-key-reused", ERR_UNPROCESSABLE },
	[ERR_REASON_UNKNOWN_REFERENCE] = { "unknown-reference", ERR_UNPROCESSABLE },
	[ERR_REASON_WRONG_ORGANISATION_KIND] = { "wrong-organisation-kind", ERR_UNPROCESSABLE },
	[ERR_REASON_DATES_OUT_OF_ORDER] = { "dates-out-of-order", ERR_UNPROCESSABLE },
	[ERR_REASON_INCONSISTENT_WITH_STATUS] = { "inconsistent-with-status", ERR_UNPROCESSABLE },
	[ERR_REASON_INCONSISTENT_VALUES] = { "inconsistent-values", ERR_UNPROCESSABLE },
	[ERR_REASON_VALUE_OUT_OF_RANGE] = { "value-out-of-range", ERR_UNPROCESSABLE },
	[ERR_REASON_MALFORMED_VALUE] = { "malformed-value", ERR_UNPROCESSABLE },
	[ERR_REASON_GIVEN_TWICE] = { "given-twice", ERR_UNPROCESSABLE },
	[ERR_REASON_REASON_REQUIRED] = { "reason-required", ERR_UNPROCESSABLE },
	[ERR_REASON_PROCEDURE_EVENT_REFUSED] = { "procedure-event-refused", ERR_UNPROCESSABLE },
	[ERR_REASON_PROCEDURE_FULL] = { "procedure-full", ERR_UNPROCESSABLE },
	[ERR_REASON_CONTRADICTS_PROCEDURE] = { "contradicts-procedure", ERR_UNPROCESSABLE },
	[ERR_REASON_REFERRAL_KIND_REFUSED] = { "referral-kind-refused", ERR_UNPROCESSABLE },
	[ERR_REASON_STATUS_NOT_SETTABLE] = { "status-not-settable", ERR_UNPROCESSABLE },
	[ERR_REASON_COMMISSION_LEVEL_MISMATCH] = { "commission-level-mismatch", ERR_UNPROCESSABLE },
	[ERR_REASON_CLIL_LANDLORD_COUNT] = { "clil-landlord-count", ERR_UNPROCESSABLE },
	[ERR_REASON_RULE_NOT_IN_FORCE] = { "rule-not-in-force", ERR_UNPROCESSABLE },
	[ERR_REASON_RECOMMENDATION_NOT_IN_FORCE] = { "recommendation-not-in-force", ERR_UNPROCESSABLE },
	[ERR_REASON_LANDLORD_MUST_BE_ORGANISATION] = { "landlord-must-be-organisation", ERR_UNPROCESSABLE },
	[ERR_REASON_IMPORT_AMBIGUOUS_MATCH] = { "import-ambiguous-match", ERR_UNPROCESSABLE },
	[ERR_REASON_IMPORT_UNCONFIRMED_MATCH] = { "import-unconfirmed-match", ERR_UNPROCESSABLE },
	[ERR_REASON_IMPORT_HOUSEHOLD_NEEDED] = { "import-household-needed", ERR_UNPROCESSABLE },
	[ERR_REASON_IMPORT_ACT_MISMATCH] = { "import-act-mismatch", ERR_UNPROCESSABLE },
	[ERR_REASON_WEBHOOK_ADDRESS_REFUSED] = { "webhook-address-refused", ERR_UNPROCESSABLE },
	[ERR_REASON_LETTER_INCOMPLETE] = { "letter-incomplete", ERR_UNPROCESSABLE },
	[ERR_REASON_COMMUNE_OUTSIDE_DEPARTEMENTS] = { "commune-outside-departements", ERR_UNPROCESSABLE },
};

__attribute__((format(printf, 5, 0)))
static int err_vset(struct err *err, enum err_code code, enum err_reason reason, const char *field,
		    const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	err->reason = reason;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	err->conflicting_id[0] = '\0';
	err->n_more = 0;
	return code;
}

int err_set(struct err *err, enum err_code code, const char *field,
	    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = err_vset(err, code, ERR_REASON_NONE, field, fmt, ap);
	va_end(ap);
	return rc;
}

int err_set_reason(struct err *err, enum err_reason reason, const char *field,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = err_vset(err, err_reason_code(reason), reason, field, fmt, ap);
	va_end(ap);
	return rc;
}

int err_add(struct err *err, const struct err *one)
{
	if (err == NULL)
		return one->code;
	if (one->code == ERR_OK)
		return err->code;
	if (err->code == ERR_OK) {
		*err = *one;
		return err->code;
	}
	if (err->n_more < ERR_MORE_MAX) {
		struct err_item *it = &err->more[err->n_more];
		it->code = one->code;
		it->reason = one->reason;
		snprintf(it->field, sizeof(it->field), "%s", one->field);
		snprintf(it->message, sizeof(it->message), "%.159s", one->message);
	}
	err->n_more++;
	for (unsigned i = 0; i < one->n_more && i < ERR_MORE_MAX && err->n_more < ERR_MORE_MAX; i++)
		err->more[err->n_more++] = one->more[i];
	return err->code;
}

static void nest_one(char *field, size_t field_len, char *message, size_t message_len, const char *prefix,
		     bool with_message)
{
	/* Longer ones are cut: a field or a message is one bounded line. */
	char was[256];
	int room = (int)field_len - 1;
	snprintf(was, sizeof(was), "%s", field);
	snprintf(field, field_len, "%.*s%s%.*s", room / 3, prefix, was[0] ? "." : "", room - room / 3 - 1, was);
	if (!with_message)
		return;
	room = (int)message_len - 1;
	snprintf(was, sizeof(was), "%s", message);
	snprintf(message, message_len, "%.*s: %.*s", room / 4, prefix, room - room / 4 - 2, was);
}

int err_conflicting(struct err *err, const char *id)
{
	if (err == NULL)
		return ERR_CONFLICT;
	snprintf(err->conflicting_id, sizeof(err->conflicting_id), "%s", id ? id : "");
	return err->code;
}

void err_nest(struct err *err, const char *prefix, bool with_message)
{
	if (err == NULL || err->code == ERR_OK)
		return;
	nest_one(err->field, sizeof(err->field), err->message, sizeof(err->message), prefix, with_message);
	for (unsigned i = 0; i < err->n_more && i < ERR_MORE_MAX; i++)
		nest_one(err->more[i].field, sizeof(err->more[i].field), err->more[i].message,
			 sizeof(err->more[i].message), prefix, with_message);
}

int err_add_reason(struct err *err, enum err_reason reason, const char *field, const char *fmt, ...)
{
	struct err one;
	va_list ap;
	va_start(ap, fmt);
	err_vset(&one, err_reason_code(reason), reason, field, fmt, ap);
	va_end(ap);
	return err_add(err, &one);
}

void err_clear(struct err *err)
{
	if (err == NULL)
		return;
	err->code = ERR_OK;
	err->reason = ERR_REASON_NONE;
	err->field[0] = '\0';
	err->message[0] = '\0';
	err->conflicting_id[0] = '\0';
	err->n_more = 0;
}

const char *err_reason_slug(enum err_reason reason)
{
	if ((int)reason <= 0 || reason >= ERR_REASON__COUNT || reasons[reason].slug == NULL)
		return reasons[ERR_REASON_INTERNAL_ERROR].slug;
	return reasons[reason].slug;
}

enum err_code err_reason_code(enum err_reason reason)
{
	if ((int)reason <= 0 || reason >= ERR_REASON__COUNT || reasons[reason].slug == NULL)
		return ERR_INTERNAL;
	return reasons[reason].code;
}

enum err_reason err_reason_of(enum err_code code, enum err_reason reason)
{
	static const enum err_reason generic[ERR__COUNT] = {
		[ERR_INVALID] = ERR_REASON_INVALID_REQUEST,
		[ERR_UNAUTHORIZED] = ERR_REASON_UNAUTHORIZED,
		[ERR_FORBIDDEN] = ERR_REASON_FORBIDDEN,
		[ERR_NOT_FOUND] = ERR_REASON_NOT_FOUND,
		[ERR_METHOD_NOT_ALLOWED] = ERR_REASON_METHOD_NOT_ALLOWED,
		[ERR_NOT_ACCEPTABLE] = ERR_REASON_NOT_ACCEPTABLE,
		[ERR_CONFLICT] = ERR_REASON_CONFLICT,
		[ERR_GONE] = ERR_REASON_GONE,
		[ERR_PRECONDITION_FAILED] = ERR_REASON_VERSION_MISMATCH,
		[ERR_TOO_LARGE] = ERR_REASON_CONTENT_TOO_LARGE,
		[ERR_UNSUPPORTED_MEDIA] = ERR_REASON_UNSUPPORTED_MEDIA_TYPE,
		[ERR_UNPROCESSABLE] = ERR_REASON_UNPROCESSABLE,
		[ERR_PRECONDITION_REQUIRED] = ERR_REASON_IF_MATCH_REQUIRED,
		[ERR_TOO_MANY] = ERR_REASON_TOO_MANY_REQUESTS,
		[ERR_UNAVAILABLE] = ERR_REASON_UNAVAILABLE,
		[ERR_INTERNAL] = ERR_REASON_INTERNAL_ERROR,
	};
	/* A reason that disagrees with the code (the code was changed after
	 * the reason was set) gives way to the code's generic one. */
	if ((int)reason > 0 && reason < ERR_REASON__COUNT && err_reason_code(reason) == code)
		return reason;
	if ((int)code <= 0 || code >= ERR__COUNT || generic[code] == ERR_REASON_NONE)
		return ERR_REASON_INTERNAL_ERROR;
	return generic[code];
}

const char *err_code_name(enum err_code code)
{
	static const char *const names[ERR__COUNT] = {
		[ERR_OK] = "ok",
		[ERR_INVALID] = "invalid",
		[ERR_UNAUTHORIZED] = "unauthorized",
		[ERR_FORBIDDEN] = "forbidden",
		[ERR_NOT_FOUND] = "not_found",
		[ERR_METHOD_NOT_ALLOWED] = "method_not_allowed",
		[ERR_NOT_ACCEPTABLE] = "not_acceptable",
		[ERR_CONFLICT] = "conflict",
		[ERR_GONE] = "gone",
		[ERR_PRECONDITION_FAILED] = "precondition_failed",
		[ERR_TOO_LARGE] = "too_large",
		[ERR_UNSUPPORTED_MEDIA] = "unsupported_media_type",
		[ERR_UNPROCESSABLE] = "unprocessable",
		[ERR_PRECONDITION_REQUIRED] = "precondition_required",
		[ERR_TOO_MANY] = "too_many_requests",
		[ERR_UNAVAILABLE] = "unavailable",
		[ERR_INTERNAL] = "internal",
	};
	if ((int)code < 0 || code >= ERR__COUNT || names[code] == NULL)
		return "internal";
	return names[code];
}
