/* The demo dataset: Essonne 2019-2022 as domain/demo_plan.c plans it,
 * recorded through the stores and domain rules the API uses (households,
 * procedure events through the state machine and their side effects,
 * referrals, commissions, opinions, letters, outreach, MASP; CAF signals
 * on both sides of 1 January 2027 and the benefit decisions they open). The bailiff's
 * acts go in batches through the code of POST /v1/imports/acts, as a
 * bailiff's system pushes them; the préfecture's, one at a time. It never
 * writes an aggregate. Each part is loaded once: a marker procedure
 * reference, written in the part's transaction, makes a second run skip it. */
#ifndef API_DEMO_H
#define API_DEMO_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"

/* The demo organisations the dataset acts as (ids, NUL-terminated). */
struct demo_orgs {
	char prefecture[40], departement[40], bailiff[40], social_landlord[2][40], private_landlord[40];
	char adil[40], association[40], caf[40];
};

struct demo_counts {
	long households, procedures, events, referrals, commissions, letters, contacts, cases, measures;
	long caf_signals, benefit_decisions;
	bool essonne_skipped;
	int scale_units_skipped;
};

/* Loads the Essonne dataset, then scale units of extra procedure flow
 * (each DEMO_SCALE_DIVISOR-th of Essonne's, over the same years). Runs its
 * own transactions on conn. */
int demo_load(PGconn *conn, const struct demo_orgs *orgs, int scale, struct demo_counts *out, struct err *err);

#endif
