#include "api/json_in.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static bool listed(const char *key, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(key, *list) == 0)
			return true;
	return false;
}

int json_in_keys(const json_t *obj, const char *const *allowed, const char *const *refused,
		 struct err *err)
{
	const char *key;
	json_t *value;
	int rc = ERR_OK;
	json_object_foreach((json_t *)obj, key, value) {
		if (listed(key, allowed))
			continue;
		struct err one;
		if (listed(key, refused))
			err_set_reason(&one, ERR_REASON_READ_ONLY_MEMBER, key, "%.60s is set by the service, not by the client",
				       key);
		else
			err_set_reason(&one, ERR_REASON_UNKNOWN_MEMBER, key, "unknown field %.60s", key);
		if (err == NULL)
			return one.code;
		/* Every member at fault, not only the first. */
		if (rc == ERR_OK)
			*err = one;
		else
			err_add(err, &one);
		rc = one.code;
	}
	return rc;
}

static const json_t *member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static int absent(const char *key, bool required, bool *present, struct err *err)
{
	if (present != NULL)
		*present = false;
	if (required)
		return err_set(err, ERR_INVALID, key, "%s is required", key);
	return ERR_OK;
}

int json_in_string(const json_t *obj, const char *key, bool required, char *out, size_t len,
		   bool *present, struct err *err)
{
	const json_t *v = member(obj, key);
	if (v == NULL)
		return absent(key, required, present, err);
	if (!json_is_string(v))
		return err_set(err, ERR_INVALID, key, "%s must be a string", key);
	size_t n = json_string_length(v);
	if (n >= len)
		return err_set(err, ERR_INVALID, key, "%s is longer than %zu bytes", key, len - 1);
	if (strlen(json_string_value(v)) != n)
		return err_set(err, ERR_INVALID, key, "%s must not contain NUL characters", key);
	if (!plausible_text_ok(json_string_value(v), TEXT_LINE))
		return err_set(err, ERR_INVALID, key, "%s must not contain control characters", key);
	memcpy(out, json_string_value(v), n + 1);
	if (present != NULL)
		*present = true;
	return ERR_OK;
}

int json_in_text(const json_t *obj, const char *key, bool required, enum text_kind kind, char *out, size_t len,
		 bool *present, struct err *err)
{
	const json_t *v = member(obj, key);
	if (v == NULL)
		return absent(key, required, present, err);
	if (!json_is_string(v))
		return err_set(err, ERR_INVALID, key, "%s must be a string", key);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return err_set(err, ERR_INVALID, key, "%s must not contain NUL characters", key);
	int rc = plausible_text_check(s, kind, key, err);
	if (rc != ERR_OK)
		return rc;
	size_t start, n, chars = 0;
	plausible_trim_span(s, &start, &n);
	for (size_t i = start; i < start + n; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (chars > (len - 1) / 4 || n >= len)
		return err_set(err, ERR_INVALID, key, "%s is longer than %zu characters", key, (len - 1) / 4);
	memcpy(out, s + start, n);
	out[n] = '\0';
	if (present != NULL)
		*present = true;
	return ERR_OK;
}

int json_in_date(const json_t *obj, const char *key, bool required, enum date_kind kind, const struct date *today,
		 struct date *out, bool *present, struct err *err)
{
	const json_t *v = member(obj, key);
	if (v == NULL)
		return absent(key, required, present, err);
	if (!json_is_string(v))
		return err_set(err, ERR_INVALID, key, "%s must be a date written YYYY-MM-DD", key);
	struct date now;
	if (today == NULL) {
		json_in_today(&now);
		today = &now;
	}
	int rc = plausible_date_parse(out, json_string_value(v), kind, today, key, err);
	if (present != NULL)
		*present = rc == ERR_OK;
	return rc;
}

void json_in_today(struct date *out)
{
	/* Paris is UTC+1 or UTC+2: two hours ahead is never a day behind it,
	 * and the windows are years wide. */
	time_t t = time(NULL) + 2 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	*out = (struct date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

int json_in_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
		int64_t *out, bool *present, struct err *err)
{
	const json_t *v = member(obj, key);
	if (v == NULL)
		return absent(key, required, present, err);
	if (!json_is_integer(v))
		return err_set(err, ERR_INVALID, key, "%s must be an integer", key);
	json_int_t n = json_integer_value(v);
	if (n < min || n > max)
		return err_set(err, ERR_INVALID, key, "%s must be between %lld and %lld", key, (long long)min,
			       (long long)max);
	*out = n;
	if (present != NULL)
		*present = true;
	return ERR_OK;
}

int json_in_bool(const json_t *obj, const char *key, bool required, bool *out, bool *present,
		 struct err *err)
{
	const json_t *v = member(obj, key);
	if (v == NULL)
		return absent(key, required, present, err);
	if (!json_is_boolean(v))
		return err_set(err, ERR_INVALID, key, "%s must be true or false", key);
	*out = json_is_true(v);
	if (present != NULL)
		*present = true;
	return ERR_OK;
}
