#include "storage/ops_store.h"

#include <stdlib.h>

const struct db_stmt ops_store_statements[] = {
	{ "ops_schema_version",
	  "SELECT coalesce(max(version), 0), count(*) FROM schema_migrations" },
	{ NULL, NULL },
};

int ops_store_schema_version(PGconn *conn, int *version, int *count, struct err *err)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "ops_schema_version", 0, NULL, err);
	if (rc != ERR_OK)
		return rc;
	*version = atoi(PQgetvalue(res, 0, 0));
	*count = atoi(PQgetvalue(res, 0, 1));
	PQclear(res);
	return ERR_OK;
}
