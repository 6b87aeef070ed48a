/* Reference communes and EPCIs: upserted in bulk, set-based. */
#ifndef STORAGE_REFERENCE_STORE_H
#define STORAGE_REFERENCE_STORE_H

#include <libpq-fe.h>

#include "domain/err.h"
#include "domain/reference.h"
#include "storage/db.h"

extern const struct db_stmt reference_store_statements[];

/* Upserts the EPCIs the rows name, then the communes, with two statements
 * on conn (the caller holds the transaction). Two rows naming one EPCI with
 * different names, or one commune twice, are ERR_INVALID. *epcis and
 * *communes receive the number of rows written. */
int reference_store_load(PGconn *conn, const struct reference_row *rows, int count, long *epcis, long *communes,
			 struct err *err);

/* Upserts the départements (name and region of an existing one are
 * updated), with one statement on conn; codes must be distinct. *written
 * receives the number of rows written. */
int reference_store_load_departements(PGconn *conn, const struct reference_departement *deps, int count,
				      long *written, struct err *err);

#endif
