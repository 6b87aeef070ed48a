/* Key figures, counted from the recorded rows by set-based SQL: one
 * statement per family of figures, each answering one JSON object built by
 * PostgreSQL. No figure is stored in advance; migration 0007 gives the
 * indexes. The figures count every case (STATS_SCOPE_ALL), those of the
 * départements of an organisation (the préfecture's, the Conseil
 * départemental's), or an organisation's own cases only: the households
 * case_parties (0014) counts it on, whose acts household_acts keeps counted
 * by year and stage.
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

enum stats_scope {
	STATS_SCOPE_ALL,          /* every case */
	STATS_SCOPE_DEPARTEMENTS, /* the cases of org_id's départements */
	STATS_SCOPE_OWN,          /* org_id's own cases */
};

/* Every family's figures for year, json[f] the JSON text of family f. The
 * texts are the caller's: stats_store_figures_clear() frees them (json
 * starts empty; on error none is left). The département's figures are one
 * statement per family; an organisation's are one statement, so that its
 * own households are computed once for all the families. */
int stats_store_key_figures(PGconn *conn, int year, enum stats_scope scope, const char *org_id,
			    char *json[STATS__FAMILY_COUNT], struct err *err);
void stats_store_figures_clear(char *json[STATS__FAMILY_COUNT]);

/* Acts per period between from and to (inclusive dates, "YYYY-MM-DD"),
 * every period present even when empty. by: "month" or "year"; epci and
 * sector may be NULL. *json is an array of
 * {"period", "payment_order", "summons", ...}; the caller free()s it. */
struct stats_acts_query {
	const char *from, *to, *by, *epci, *sector;
	enum stats_scope scope;
	const char *org_id;      /* NULL with STATS_SCOPE_ALL */
};
int stats_store_acts(PGconn *conn, const struct stats_acts_query *q, char **json, struct err *err);

/* Moves the acts pending for org_acts into it (org_acts_refresh() of
 * 0014), in a transaction of its own: the figures are exact either way,
 * and read faster after. Sets *households to the number of households
 * refreshed (0 when none were marked, or another refresh was running). */
int stats_store_refresh(PGconn *conn, long long *households, struct err *err);

/* stats_store_refresh(), after any refresh already running has ended:
 * nothing stays pending (the demo load, which leaves the figures whole).
 * conn must be outside a transaction. */
int stats_store_refresh_all(PGconn *conn, long long *households, struct err *err);

#endif
