/* Field work: diagnostics, outreach cases and their interventions, mobile
 * teams, prevention letters and MASP measures. Every statement filters on
 * field_relations() (migration 0004) against the caller's mask of allowed
 * relations (bits 1 << enum policy_relation), so that lists, single reads
 * and writes agree; representations are JSON text built by PostgreSQL. */
#ifndef STORAGE_FIELD_STORE_H
#define STORAGE_FIELD_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"
#include "storage/db.h"
#include "storage/orgs_store.h"

extern const struct db_stmt field_store_statements[];

enum field_resource {
	FIELD_DIAGNOSTIC,
	FIELD_OUTREACH_CASE,
	FIELD_LETTER,
	FIELD_MEASURE,
	FIELD__RESOURCE_COUNT
};

/* Who asks; borrowed strings. */
struct field_caller {
	const char *org_id;
	const char *kind;        /* policy_kind_to_string() */
	const char *client_id;   /* NULL when unknown */
	const char *request_id;  /* for the audit rows a list writes */
};

struct field_row {
	char id[40];
	char *json;              /* owned */
	int version;
	struct date today;       /* in Europe/Paris, from the database */
};
void field_row_clear(struct field_row *row);

/* NULL members do not filter. state is the resource's status (diagnostic,
 * measure), outcome (case: "open" for none yet) or channel (letter). */
struct field_filter {
	const char *household_id;
	const char *state;
	const char *assigned_org_id;
};

/* ERR_NOT_FOUND when absent or no relation in allowed. lock: FOR UPDATE. */
int field_store_get(PGconn *conn, enum field_resource r, const struct field_caller *caller, unsigned allowed,
		    const char *id, bool lock, struct field_row *out, struct err *err);

/* One page in (created_at, id) order, with one audit row ("read") per
 * item returned, in the same statement. */
int field_store_list(PGconn *conn, enum field_resource r, const struct field_caller *caller, unsigned allowed,
		     const struct field_filter *filter, const struct page_cursor *after, int limit,
		     struct json_page *page, struct err *err);

/* Creates from input (a JSON object of checked members, with
 * "household_id") on a household the caller holds a relation in
 * household_allowed to (household_relations() of 0003): ERR_UNPROCESSABLE
 * on "household_id" otherwise. id (40 bytes) receives the new id. */
int field_store_create(PGconn *conn, enum field_resource r, const struct field_caller *caller,
		       unsigned household_allowed, const char *input, char *id, struct err *err);
/* field_store_create for inputs[0 .. count) in one round trip (a
 * pipeline), for a writer that needs no id back. Stops at the first
 * refused; the caller's transaction is then aborted. */
int field_store_create_many(PGconn *conn, enum field_resource r, const struct field_caller *caller,
			    unsigned household_allowed, int count, const char *const *inputs, struct err *err);

/* Applies patch (a JSON object of checked members: present sets, null
 * clears) and moves the version on. The caller has read the row with lock
 * in the same transaction. */
int field_store_update(PGconn *conn, enum field_resource r, const char *id, const char *patch, struct err *err);

/* Deletes an outreach case and its interventions. */
int field_store_delete_case(PGconn *conn, const char *id, struct err *err);

/* The kind of an enabled organisation; ERR_NOT_FOUND when none. */
int field_store_org_kind(PGconn *conn, const char *org_id, char *kind, size_t len, struct err *err);

/* Opens the mobile team's case for a diagnostic in carence when the
 * household is in the private sector and at the summons stage (rule in
 * field_mobile_team_for(), 0004); nothing otherwise, or when it exists. */
int field_store_offer_mobile_team(PGconn *conn, const struct field_caller *caller, const char *diagnostic_id,
				  struct err *err);

/* Interventions of a case. input may carry "id" (made by a mobile app):
 * ERR_CONFLICT when that id exists. */
int field_store_intervention_create(PGconn *conn, const struct field_caller *caller, const char *case_id,
				    const char *input, struct field_row *out, struct err *err);
/* The intervention with its case's id in *case_id, if the caller holds a
 * relation in allowed to the case; lock: FOR UPDATE. */
int field_store_intervention_get(PGconn *conn, const struct field_caller *caller, unsigned allowed, const char *id,
				 bool lock, struct field_row *out, char *case_id, struct err *err);
int field_store_intervention_update(PGconn *conn, const char *id, const char *patch, struct field_row *out,
				    struct err *err);
int field_store_intervention_delete(PGconn *conn, const char *id, struct err *err);

/* Mobile teams. */
int field_store_team_add(PGconn *conn, const char *org_id, struct err *err);
/* ERR_NOT_FOUND when the organisation was not flagged. */
int field_store_team_remove(PGconn *conn, const char *org_id, struct err *err);
int field_store_team_list(PGconn *conn, struct json_page *page, struct err *err);

/* A renewal of a measure until until, decided on renewed_on. */
int field_store_masp_renew(PGconn *conn, const struct field_caller *caller, const char *id, const char *renewed_on,
			   const char *until, struct err *err);

/* Yearly figures over what the caller may read, as a JSON text. */
int field_store_summary(PGconn *conn, enum field_resource r, const struct field_caller *caller, unsigned allowed,
			int year, char **json, struct err *err);

#endif
