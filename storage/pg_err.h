/* Turns a failed libpq result into an err code, by SQLSTATE only. */
#ifndef STORAGE_PG_ERR_H
#define STORAGE_PG_ERR_H

#include <libpq-fe.h>

#include "domain/err.h"

/* res may be NULL (the connection failed). Fills err with a message safe to
 * show a client; the server's own message, which may quote data, is only
 * logged by the caller through pg_err_detail(). */
int pg_err_from_result(const PGresult *res, const PGconn *conn, struct err *err);

/* The SQLSTATE of res, or "" when there is none. Borrowed from res. */
const char *pg_err_sqlstate(const PGresult *res);

/* The constraint name PostgreSQL reported, or "" (borrowed from res). */
const char *pg_err_constraint(const PGresult *res);

#endif
