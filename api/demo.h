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

/* The national dataset: the départements other than the Essonne, each with
 * its organisations. */
struct demo_departement_orgs {
	char code[4];
	char name[201];          /* the reference's: "Yvelines" */
	struct demo_orgs o;
};

struct demo_national {
	const struct demo_departement_orgs *departements;   /* borrowed */
	int count;
	int per_million;          /* of each one's real size; 1000000: real */
};

struct demo_counts {
	long households, procedures, events, referrals, commissions, letters, contacts, cases, measures;
	long caf_signals, benefit_decisions;
	bool essonne_skipped;
	int scale_units_skipped;
	int departements_skipped;
};

/* Loads the Essonne dataset, then scale units of extra procedure flow
 * (each DEMO_SCALE_DIVISOR-th of Essonne's, over the same years), then, when
 * national is not NULL, each of its départements (domain/demo_plan.h's
 * demo_plan_national(): procedures, their diagnostics and referrals,
 * CCAPEX referrals and sessions, letters, CAF signals), one transaction and
 * one marker each, in communes of its own. Runs its own transactions on
 * conn. */
int demo_load(PGconn *conn, const struct demo_orgs *orgs, int scale, const struct demo_national *national,
	      struct demo_counts *out, struct err *err);

#endif
