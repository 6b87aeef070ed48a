/* The audit trail of the API: who read or wrote what. */
#ifndef API_AUDIT_H
#define API_AUDIT_H

#include <libpq-fe.h>

#include "api/http.h"

/* Appends a row for the caller of req, on conn, inside the caller's
 * transaction: the row commits or rolls back with the work it describes. */
int audit_record(PGconn *conn, const struct req *req, const char *action, const char *resource_type,
		 const char *resource_id, const char *outcome, struct err *err);

/* GET /v1/audit */
int audit_list(struct req *req, struct reply *rep, struct err *err);

#endif
