#include "domain/err.h"

#include <stdio.h>
#include <string.h>

int err_set(struct err *err, enum err_code code, const char *field,
	    const char *fmt, ...)
{
	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct err *err)
{
	if (err == NULL)
		return;
	err->code = ERR_OK;
	err->field[0] = '\0';
	err->message[0] = '\0';
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
