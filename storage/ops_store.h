/* What the operations endpoints ask of the database. */
#ifndef STORAGE_OPS_STORE_H
#define STORAGE_OPS_STORE_H

#include <libpq-fe.h>

#include "domain/err.h"
#include "storage/db.h"

extern const struct db_stmt ops_store_statements[];

/* The highest migration version applied, and how many are applied. */
int ops_store_schema_version(PGconn *conn, int *version, int *count, struct err *err);

#endif
