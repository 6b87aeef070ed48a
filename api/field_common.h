/* What the field-work resources (diagnostics, outreach, sync, prevention
 * letters, MASP) share: the caller, its masks of allowed relations, path
 * ids, If-Match and ETag, and strict readers of dates, ids and texts. */
#ifndef API_FIELD_COMMON_H
#define API_FIELD_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "api/http.h"
#include "domain/date.h"
#include "domain/plausible.h"
#include "storage/field_store.h"

#define FIELD_REL(r) (1u << POLICY_REL_##r)

void field_caller_of(const struct req *req, struct field_caller *out);

/* The relations (bits 1u << enum policy_relation) with which the policy
 * table lets the caller's kind do action: what the SQL filters on. */
unsigned field_mask(const struct req *req, enum policy_action action);

/* ERR_FORBIDDEN when no relation at all lets the caller's kind do action:
 * a whole family of resources it never reaches. */
int field_require_any(const struct req *req, enum policy_action action, unsigned *mask, struct err *err);

/* Replies row->json with its ETag. */
int field_reply_row(struct reply *rep, int status, const struct field_row *row, struct err *err);

/* Readers of one member of obj. Absent: ERR_OK with *present false, or
 * ERR_INVALID when required; null is "present and null" for *null
 * (a patch clears the member), absent for the others. */
int field_in_date(const json_t *obj, const char *key, bool required, enum date_kind kind, struct date *out,
		  bool *present, struct err *err);
int field_in_uuid(const json_t *obj, const char *key, bool required, char out[37], bool *present,
		  struct err *err);
/* Text of 1 to max_chars characters (UTF-8) once trimmed, not blank, without
 * the control characters kind refuses. The member of obj (the request's
 * own body, which field_copy_members() stores) is trimmed in place. */
int field_in_text(const json_t *obj, const char *key, bool required, enum text_kind kind, size_t max_chars,
		  char *out, size_t len, bool *present, struct err *err);
bool field_in_is_null(const json_t *obj, const char *key);

/* A new object holding the members of body named in keys (NULL-terminated)
 * that are present, null included; NULL when out of memory. */
json_t *field_copy_members(const json_t *body, const char *const *keys);

/* Dates of a representation: false when the member is null or absent. */
bool field_json_date(const json_t *obj, const char *key, struct date *out);

/* The year query parameter (2000 to 2100), else this year. */
int field_query_year(const struct req *req, int *year, struct err *err);

/* Generic handlers of the field resources. */
struct field_list_spec {
	enum field_resource resource;
	enum policy_action read;
	const char *state_param;             /* the query parameter filtering on the state */
	bool (*state_ok)(const char *value);  /* its values */
	const char *assigned_param;          /* the query parameter filtering on the operator */
};
int field_handle_list(struct req *req, struct reply *rep, const struct field_list_spec *spec, struct err *err);
/* POST of a new row, once the handler has checked its input. In one
 * transaction: before (optional: the organisations it names, say), the
 * insert with the caller's write relations mask, the row read back as the
 * caller may read it (spec->read), after (optional: rules that need the row,
 * such as today's date), an audit row; then 201 with Location
 * <location>/<id> and the row, by reply (NULL: field_reply_row). */
struct field_create_spec {
	enum field_resource resource;
	enum policy_action read;
	const char *audit_type;     /* "masp_measure" */
	const char *location;       /* "/v1/masp" */
	int (*before)(PGconn *conn, const struct req *req, const json_t *input, struct err *err);
	int (*after)(const json_t *input, const struct field_row *row, struct err *err);
	int (*reply)(struct reply *rep, int status, const struct field_row *row, struct err *err);
};
/* input: the members to store, owned: the call takes it in every case. */
int field_handle_create(struct req *req, struct reply *rep, const struct field_create_spec *spec, unsigned mask,
			json_t *input, struct err *err);

/* GET by the path's id, with an audit row of audit_type. */
int field_handle_get(struct req *req, struct reply *rep, enum field_resource r, enum policy_action read,
		     const char *audit_type, struct err *err);
/* The yearly figures over what the caller may read (?year=). */
int field_handle_summary(struct req *req, struct reply *rep, enum field_resource r, enum policy_action read,
			 struct err *err);

#endif
