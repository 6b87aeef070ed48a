#include "api/field_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/audit.h"
#include "api/cursor.h"
#include "api/json_in.h"
#include "api/tx.h"
#include "domain/parse.h"

void field_caller_of(const struct req *req, struct field_caller *out)
{
	out->org_id = req->actor.org_id;
	out->kind = policy_kind_to_string(req->actor.kind);
	out->client_id = req->actor.client_id[0] != '\0' ? req->actor.client_id : NULL;
	out->request_id = req->request_id;
}

unsigned field_mask(const struct req *req, enum policy_action action)
{
	unsigned mask = 0;
	for (int r = POLICY_REL_NONE + 1; r < POLICY_REL__COUNT; r++)
		if (policy_allows(req->actor.kind, action, (enum policy_relation)r))
			mask |= 1u << r;
	return mask;
}

int field_require_any(const struct req *req, enum policy_action action, unsigned *mask, struct err *err)
{
	*mask = field_mask(req, action);
	if (*mask == 0)
		return err_set(err, ERR_FORBIDDEN, "", "this organisation may not %s", policy_action_to_string(action));
	return ERR_OK;
}

int field_reply_row(struct reply *rep, int status, const struct field_row *row, struct err *err)
{
	json_t *o = json_loads(row->json, 0, NULL);
	if (o == NULL)
		return err_set(err, ERR_INTERNAL, "", "a representation is not JSON");
	reply_etag(rep, row->version);
	return reply_json(rep, status, o);
}

bool field_in_is_null(const json_t *obj, const char *key)
{
	return json_is_null(json_object_get(obj, key));
}

/* The string member key, or NULL when absent or null; ERR_INVALID when
 * required and absent, or not a string. */
static int member_string(const json_t *obj, const char *key, bool required, const char **out, struct err *err)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? err_set(err, ERR_INVALID, key, "%s is required", key) : ERR_OK;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return err_set(err, ERR_INVALID, key, "%s must be a string", key);
	*out = json_string_value(v);
	return ERR_OK;
}

int field_in_date(const json_t *obj, const char *key, bool required, enum date_kind kind, struct date *out,
		  bool *present, struct err *err)
{
	const char *s = NULL;
	int rc = member_string(obj, key, required, &s, err);
	if (present != NULL)
		*present = s != NULL;
	if (rc == ERR_OK && s != NULL && date_parse(out, s, key, err) != ERR_OK)
		rc = err_set(err, ERR_INVALID, key, "%s must be a date YYYY-MM-DD", key);
	struct date today;
	json_in_today(&today);
	if (rc == ERR_OK && s != NULL)
		rc = plausible_date_check(out, kind, &today, key, err);
	return rc;
}

int field_in_uuid(const json_t *obj, const char *key, bool required, char out[37], bool *present,
		  struct err *err)
{
	const char *s = NULL;
	int rc = member_string(obj, key, required, &s, err);
	if (present != NULL)
		*present = s != NULL;
	if (rc == ERR_OK && s != NULL && !parse_is_uuid(s))
		rc = err_set(err, ERR_INVALID, key, "%s must be a UUID", key);
	if (rc == ERR_OK && s != NULL)
		snprintf(out, 37, "%s", s);
	return rc;
}

int field_in_text(const json_t *obj, const char *key, bool required, enum text_kind kind, size_t max_chars,
		  char *out, size_t len, bool *present, struct err *err)
{
	const char *s = NULL;
	int rc = member_string(obj, key, required, &s, err);
	if (present != NULL)
		*present = s != NULL;
	if (rc != ERR_OK || s == NULL)
		return rc;
	rc = plausible_text_check(s, kind, key, err);
	if (rc != ERR_OK)
		return rc;
	size_t start, n, chars = 0;
	plausible_trim_span(s, &start, &n);
	for (size_t i = start; i < start + n; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (chars > max_chars || n >= len)
		return err_set(err, ERR_INVALID, key, "%s must be 1 to %zu characters", key, max_chars);
	memcpy(out, s + start, n);
	out[n] = '\0';
	if (n != strlen(s) && json_string_set(json_object_get(obj, key), out) != 0)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	return ERR_OK;
}

bool field_json_date(const json_t *obj, const char *key, struct date *out)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s != NULL && date_parse(out, s, key, NULL) == ERR_OK;
}

int field_query_year(const struct req *req, int *year, struct err *err)
{
	const char *s = req_query(req, "year");
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	int64_t y = tm.tm_year + 1900;
	if (s != NULL && parse_i64(s, 2000, 2100, &y) != 0)
		return err_set(err, ERR_INVALID, "year", "year must be a year from 2000 to 2100");
	*year = (int)y;
	return ERR_OK;
}

json_t *field_copy_members(const json_t *body, const char *const *keys)
{
	json_t *out = json_object();
	for (; out != NULL && *keys != NULL; keys++) {
		json_t *v = json_object_get(body, *keys);
		if (v != NULL && json_object_set_new(out, *keys, json_deep_copy(v)) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

struct handle_op {
	const struct req *req;
	const struct field_create_spec *create;
	const json_t *input;
	char new_id[40];
	struct field_caller caller;
	enum field_resource resource;
	unsigned mask;
	const char *id;
	const char *audit_type;
	struct field_filter filter;
	struct page_cursor after;
	int limit;
	int year;
	struct json_page page;
	struct field_row row;
	char *summary;
};

static void handle_op_clear(struct handle_op *op)
{
	json_page_free(&op->page);
	field_row_clear(&op->row);
	free(op->summary);
}

static int list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct handle_op *op = ctx;
	return field_store_list(conn, op->resource, &op->caller, op->mask, &op->filter, &op->after, op->limit,
				&op->page, err);
}

int field_handle_list(struct req *req, struct reply *rep, const struct field_list_spec *spec, struct err *err)
{
	struct handle_op op = { .req = req, .resource = spec->resource };
	field_caller_of(req, &op.caller);
	op.filter.household_id = req_query(req, "household_id");
	op.filter.state = req_query(req, spec->state_param);
	op.filter.assigned_org_id = req_query(req, spec->assigned_param);
	int rc = field_require_any(req, spec->read, &op.mask, err);
	if (rc == ERR_OK && op.filter.household_id != NULL && !parse_is_uuid(op.filter.household_id))
		rc = err_set(err, ERR_INVALID, "household_id", "household_id must be a UUID");
	if (rc == ERR_OK && op.filter.assigned_org_id != NULL && !parse_is_uuid(op.filter.assigned_org_id))
		rc = err_set(err, ERR_INVALID, spec->assigned_param, "%s must be a UUID", spec->assigned_param);
	if (rc == ERR_OK && op.filter.state != NULL && !spec->state_ok(op.filter.state))
		rc = err_set(err, ERR_INVALID, spec->state_param, "unknown %s", spec->state_param);
	if (rc == ERR_OK)
		rc = cursor_from_query(req, &op.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, 50, 500, &op.limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, list_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, cursor_page_json(&op.page));
	handle_op_clear(&op);
	return rc;
}

static int get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct handle_op *op = ctx;
	int rc = field_store_get(conn, op->resource, &op->caller, op->mask, op->id, false, &op->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "read", op->audit_type, op->id, "ok", err);
	return rc;
}

int field_handle_get(struct req *req, struct reply *rep, enum field_resource r, enum policy_action read,
		     const char *audit_type, struct err *err)
{
	struct handle_op op = { .req = req, .resource = r, .audit_type = audit_type };
	field_caller_of(req, &op.caller);
	op.mask = field_mask(req, read);
	int rc = req_path_uuid(req, "id", &op.id, err);
	if (rc == ERR_OK)
		rc = tx_run(req, get_tx, &op, err);
	if (rc == ERR_OK)
		rc = field_reply_row(rep, 200, &op.row, err);
	handle_op_clear(&op);
	return rc;
}

static int summary_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct handle_op *op = ctx;
	return field_store_summary(conn, op->resource, &op->caller, op->mask, op->year, &op->summary, err);
}

int field_handle_summary(struct req *req, struct reply *rep, enum field_resource r, enum policy_action read,
			 struct err *err)
{
	struct handle_op op = { .req = req, .resource = r };
	field_caller_of(req, &op.caller);
	int rc = field_require_any(req, read, &op.mask, err);
	if (rc == ERR_OK)
		rc = field_query_year(req, &op.year, err);
	if (rc == ERR_OK)
		rc = tx_run(req, summary_tx, &op, err);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, json_loads(op.summary, 0, NULL));
	handle_op_clear(&op);
	return rc;
}

static int create_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct handle_op *op = ctx;
	const struct field_create_spec *spec = op->create;
	char *text = NULL;
	int rc = spec->before != NULL ? spec->before(conn, op->req, op->input, err) : ERR_OK;
	if (rc == ERR_OK && (text = json_dumps(op->input, JSON_COMPACT)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = field_store_create(conn, op->resource, &op->caller, op->mask, text, op->new_id, err);
	if (rc == ERR_OK)
		rc = field_store_get(conn, op->resource, &op->caller, field_mask(op->req, spec->read), op->new_id, false,
				     &op->row, err);
	if (rc == ERR_OK && spec->after != NULL)
		rc = spec->after(op->input, &op->row, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, op->req, "create", spec->audit_type, op->new_id, "ok", err);
	free(text);
	return rc;
}

int field_handle_create(struct req *req, struct reply *rep, const struct field_create_spec *spec, unsigned mask,
			json_t *input, struct err *err)
{
	struct handle_op op = { .req = req, .create = spec, .input = input, .resource = spec->resource,
				.mask = mask };
	field_caller_of(req, &op.caller);
	int rc = tx_run(req, create_tx, &op, err);
	if (rc == ERR_OK) {
		char location[96];
		snprintf(location, sizeof(location), "%s/%s", spec->location, op.new_id);
		reply_header(rep, "Location", location);
		rc = (spec->reply != NULL ? spec->reply : field_reply_row)(rep, 201, &op.row, err);
	}
	json_decref(input);
	handle_op_clear(&op);
	return rc;
}
