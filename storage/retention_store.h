/* Retention and erasure of households (migration 0020): the one
 * anonymisation of a household and everything attached to it, which an
 * erasure request and `prevex purge` both use, and the purge's batches. */
#ifndef STORAGE_RETENTION_STORE_H
#define STORAGE_RETENTION_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "storage/db.h"

extern const struct db_stmt retention_store_statements[];

enum retention_outcome {
	RETENTION_ANONYMISED,      /* done now */
	RETENTION_ALREADY,         /* it was anonymised before: nothing changed */
	RETENTION_MISSING,         /* no such household */
	RETENTION_OPEN_PROCEDURE,  /* a procedure is not closed: nothing changed */
};

struct retention_result {
	enum retention_outcome outcome;
	char open_procedure[40];   /* RETENTION_OPEN_PROCEDURE: the oldest procedure not closed */
};

/* Anonymises the household id and everything attached to it, in conn's
 * current transaction, with the household locked until it ends; publishes
 * household.erased on the feed. cause: "erasure" (reason: the
 * administrator's, no personal data) or "retention" (reason NULL). The
 * caller has checked the caller's rights. */
int retention_store_anonymise(PGconn *conn, const char *id, const char *cause, const char *reason,
			      struct retention_result *out, struct err *err);

struct retention_batch {
	int scanned;               /* households looked at (not anonymised before) */
	int past_term;             /* of which past their term, not followed (before locking) */
	int anonymised;            /* of which anonymised now (0 on a dry run) */
	char last_id[40];          /* where the next batch starts; "" when the scan is over */
};

/* One batch of the purge, in a transaction of its own: the next `limit`
 * households after after_id ("" from the start) in id order, those past a
 * term of `months` months after their last action and no longer followed
 * anonymised (household_anonymise(), cause "retention"), one audit row
 * each. Only those are locked, and those another transaction holds are
 * skipped until the next run, so that the purge never waits on the
 * service. A dry run locks and changes nothing and counts what would be
 * anonymised. */
int retention_store_purge_batch(PGconn *conn, const char *after_id, int limit, int months, bool dry_run,
				struct retention_batch *out, struct err *err);

/* In a transaction of its own: the CAF signals that matched no household,
 * signalled or changed more than `months` months ago, deleted (*signals);
 * the ADIL's contacts of no household as old lose their subject
 * (*contacts). A dry run counts them and rolls back. */
int retention_store_purge_unattached(PGconn *conn, int months, bool dry_run, long long *signals,
				     long long *contacts, struct err *err);

#endif
