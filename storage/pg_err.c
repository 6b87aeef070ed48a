#include "storage/pg_err.h"

#include <string.h>

const char *pg_err_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return s ? s : "";
}

const char *pg_err_constraint(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	return s ? s : "";
}

int pg_err_from_result(const PGresult *res, const PGconn *conn, struct err *err)
{
	const char *state = pg_err_sqlstate(res);
	if (res == NULL || conn == NULL || PQstatus(conn) != CONNECTION_OK || state[0] == '\0')
		return err_set(err, ERR_UNAVAILABLE, "", "the database is unavailable");
	const char *constraint = pg_err_constraint(res);
	if (strcmp(state, "23505") == 0)
		return err_set_reason(err, ERR_REASON_ALREADY_EXISTS, constraint, "this resource already exists");
	if (strcmp(state, "23503") == 0)
		return err_set_reason(err, ERR_REASON_UNKNOWN_REFERENCE, constraint, "a referenced resource does not exist");
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0)
		return err_set(err, ERR_INVALID, constraint, "a value breaks a constraint");
	if (strncmp(state, "22", 2) == 0)
		return err_set(err, ERR_INVALID, "", "a value is out of range or malformed");
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return err_set_reason(err, ERR_REASON_CONCURRENT_CHANGE, "", "a concurrent change conflicted with this one; retry");
	if (strcmp(state, "57014") == 0)
		return err_set(err, ERR_UNAVAILABLE, "", "the database took too long to answer");
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)
		return err_set(err, ERR_UNAVAILABLE, "", "the database is unavailable");
	return err_set(err, ERR_INTERNAL, "", "unexpected database error %s", state);
}
