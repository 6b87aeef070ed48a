#include "api/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/parse.h"

const char *req_param(const struct req *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

const char *req_query(const struct req *req, const char *name)
{
	return u_map_get(req->u->map_url, name);
}

int req_query_int(const struct req *req, const char *name, int min, int max, int if_absent, int *out,
		  struct err *err)
{
	const char *s = req_query(req, name);
	int64_t v = if_absent;
	if (s != NULL && parse_i64(s, min, max, &v) != 0)
		return err_set(err, ERR_INVALID, name, "%s must be an integer from %d to %d", name, min, max);
	*out = (int)v;
	return ERR_OK;
}

const char *req_header(const struct req *req, const char *name)
{
	return u_map_get_case(req->u->map_header, name);
}

int reply_json(struct reply *rep, int status, json_t *body)
{
	json_decref(rep->body);
	free(rep->text);
	rep->text = NULL;
	rep->body = body;
	rep->status = status;
	rep->content_type = "application/json";
	return body != NULL ? ERR_OK : ERR_INTERNAL;
}

int reply_text(struct reply *rep, int status, const char *content_type, char *text, size_t len)
{
	json_decref(rep->body);
	rep->body = NULL;
	free(rep->text);
	rep->text = text;
	rep->text_len = len;
	rep->status = status;
	rep->content_type = content_type;
	return text != NULL ? ERR_OK : ERR_INTERNAL;
}

void reply_empty(struct reply *rep, int status)
{
	json_decref(rep->body);
	rep->body = NULL;
	free(rep->text);
	rep->text = NULL;
	rep->status = status;
	rep->content_type = NULL;
}

void reply_header(struct reply *rep, const char *name, const char *value)
{
	u_map_put(rep->headers, name, value);
}

bool req_is_timestamp(const char *s)
{
	size_t n = strlen(s);
	if (n < 20 || n > 35 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':')
		return false;
	return strspn(s, "0123456789-:.TZ+") == n;
}

bool http_media_type_is(const char *value, const char *type)
{
	if (value == NULL)
		return false;
	while (*value == ' ')
		value++;
	size_t n = strlen(type);
	if (strncasecmp(value, type, n) != 0)
		return false;
	char next = value[n];
	return next == '\0' || next == ';' || next == ' ';
}

double http_accept_quality(const char *accept, const char *type)
{
	double best = -1;
	int best_rank = -1;
	const char *p = accept;
	const char *slash = strchr(type, '/');
	size_t major = slash ? (size_t)(slash - type) : 0;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char range[128];
		if (n >= sizeof(range))
			n = sizeof(range) - 1;
		memcpy(range, p, n);
		range[n] = '\0';
		p += comma ? n + 1 : n;
		char *semi = strchr(range, ';');
		double q = 1.0;
		if (semi != NULL) {
			*semi = '\0';
			char *qp = strstr(semi + 1, "q=");
			if (qp != NULL) {
				char *endp = NULL;
				q = strtod(qp + 2, &endp);
				if (endp == qp + 2 || q < 0 || q > 1)
					q = 0;
			}
		}
		char *m = range;
		while (*m == ' ' || *m == '\t')
			m++;
		size_t ml = strlen(m);
		while (ml > 0 && (m[ml - 1] == ' ' || m[ml - 1] == '\t'))
			m[--ml] = '\0';
		int rank = -1;
		if (strcasecmp(m, type) == 0)
			rank = 2;
		else if (major > 0 && strncasecmp(m, type, major) == 0 && strcmp(m + major, "/*") == 0)
			rank = 1;
		else if (strcmp(m, "*/*") == 0)
			rank = 0;
		if (rank > best_rank) {
			best_rank = rank;
			best = q;
		}
	}
	return best;
}

int http_parse_json_body(struct req *req, struct err *err)
{
	const char *data = req->u->binary_body;
	size_t len = req->u->binary_body_length;
	if (data == NULL || len == 0)
		return err_set(err, ERR_INVALID, "", "a JSON object is required in the request body");
	json_error_t jerr;
	json_t *body = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL)
		return err_set_reason(err, ERR_REASON_MALFORMED_JSON, "", "malformed JSON at line %d, column %d (position %d): %s",
			       jerr.line, jerr.column, jerr.position, jerr.text);
	if (!json_is_object(body)) {
		json_decref(body);
		return err_set_reason(err, ERR_REASON_MALFORMED_JSON, "", "expected a JSON object at line 1, column 1 (position 0)");
	}
	req->body = body;
	return ERR_OK;
}

int req_path_uuid(const struct req *req, const char *name, const char **out, struct err *err)
{
	*out = req_param(req, name);
	if (!parse_is_uuid(*out))
		return err_set(err, ERR_NOT_FOUND, "", "no such resource");
	return ERR_OK;
}

int req_if_match(const struct req *req, int *version, struct err *err)
{
	const char *h = req_header(req, "If-Match");
	if (h == NULL)
		return err_set(err, ERR_PRECONDITION_REQUIRED, "If-Match",
			       "If-Match with the resource's ETag is required to change it");
	if (strcmp(h, "*") == 0) {
		*version = REQ_ANY_VERSION;
		return ERR_OK;
	}
	size_t n = strlen(h);
	char digits[16];
	int64_t v;
	if (n < 3 || n > 12 || h[0] != '"' || h[n - 1] != '"')
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match", "If-Match does not match the current ETag");
	memcpy(digits, h + 1, n - 2);
	digits[n - 2] = '\0';
	if (parse_i64(digits, 1, INT32_MAX, &v) != 0)
		return err_set(err, ERR_PRECONDITION_FAILED, "If-Match", "If-Match does not match the current ETag");
	*version = (int)v;
	return ERR_OK;
}

void reply_etag(struct reply *rep, int version)
{
	char etag[24];
	snprintf(etag, sizeof(etag), "\"%d\"", version);
	reply_header(rep, "ETag", etag);
}
