/* Key figures, counted from the recorded rows by set-based SQL: one
 * statement per family of figures, each answering one JSON object built by
 * PostgreSQL. Nothing is stored in advance; migration 0007 gives the
 * indexes. A NULL org_id counts the whole département; an organisation id
 * counts its own cases only (stats_own_households() of 0007).
 *
 * Percentages are integers rounded half away from zero (half up for the
 * non-negative shares), each beside the exact ratio. */
#ifndef STORAGE_STATS_STORE_H
#define STORAGE_STATS_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "storage/db.h"

extern const struct db_stmt stats_store_statements[];

enum stats_family {
	STATS_COMMISSIONS,      /* commissions_held, situations_examined */
	STATS_REFERRALS,        /* referrals_by_kind, _by_epci, complex_referrals_by_epci */
	STATS_ACTS,             /* acts_by_stage and their change on the year before */
	STATS_LETTERS,          /* prevention_letters */
	STATS_MOBILE_TEAM,      /* mobile_team */
	STATS_MASP,             /* masp */
	STATS__FAMILY_COUNT
};

/* One family's figures for year, as JSON text the caller free()s. */
int stats_store_key_figures(PGconn *conn, enum stats_family family, int year, const char *org_id, char **json,
			    struct err *err);

/* Acts per period between from and to (inclusive dates, "YYYY-MM-DD"),
 * every period present even when empty. by: "month" or "year"; epci and
 * sector may be NULL. *json is an array of
 * {"period", "payment_order", "summons", ...}; the caller free()s it. */
struct stats_acts_query {
	const char *from, *to, *by, *epci, *sector;
	const char *org_id;      /* NULL: the whole département */
};
int stats_store_acts(PGconn *conn, const struct stats_acts_query *q, char **json, struct err *err);

#endif
