/* /v1/outreach: the mobile team's cases, their interventions, the
 * associations flagged as mobile teams, and the team's yearly figures. The
 * change functions run inside the caller's transaction and are shared with
 * /v1/sync, which replays the same changes made offline. */
#ifndef API_OUTREACH_H
#define API_OUTREACH_H

#include <jansson.h>
#include <libpq-fe.h>

#include "api/http.h"
#include "storage/field_store.h"

int outreach_list_cases(struct req *req, struct reply *rep, struct err *err);
int outreach_create_case(struct req *req, struct reply *rep, struct err *err);
int outreach_get_case(struct req *req, struct reply *rep, struct err *err);
int outreach_update_case(struct req *req, struct reply *rep, struct err *err);
int outreach_delete_case(struct req *req, struct reply *rep, struct err *err);
int outreach_add_intervention(struct req *req, struct reply *rep, struct err *err);
int outreach_list_teams(struct req *req, struct reply *rep, struct err *err);
int outreach_flag_team(struct req *req, struct reply *rep, struct err *err);
int outreach_unflag_team(struct req *req, struct reply *rep, struct err *err);
int outreach_summary(struct req *req, struct reply *rep, struct err *err);

/* Shape checks of a change's data (400 naming the member): a case patch
 * (outcome, follow_up, note; assigned_org_id only when with_assignment),
 * an intervention (every member required when creating). */
int outreach_check_case_patch(const json_t *data, bool with_assignment, struct err *err);
int outreach_check_intervention(const json_t *data, bool creating, struct err *err);

/* Changes in the caller's transaction, each with its audit row. A version
 * that is not the current one is ERR_PRECONDITION_FAILED; a record the
 * caller may not write is ERR_NOT_FOUND. *out is the record after it. */
int outreach_change_case(PGconn *conn, const struct req *req, const char *id, int version, const json_t *data,
			 struct field_row *out, struct err *err);
/* given_id: the intervention's id chosen by the client, or NULL. */
int outreach_create_intervention(PGconn *conn, const struct req *req, const char *case_id, const char *given_id,
				 const json_t *data, struct field_row *out, struct err *err);
int outreach_change_intervention(PGconn *conn, const struct req *req, const char *id, int version,
				 const json_t *data, struct field_row *out, struct err *err);
int outreach_remove_intervention(PGconn *conn, const struct req *req, const char *id, int version,
				 struct err *err);

/* The current record, as the caller may read it: a case (with its
 * interventions) or an intervention. */
int outreach_current(PGconn *conn, const struct req *req, bool intervention, const char *id, struct field_row *out,
		     struct err *err);

#endif
