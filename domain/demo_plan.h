/* The demo dataset's plan: how many of what, per year, EPCI and month, for
 * Essonne 2019-2022, and the deterministic draws that place them (a
 * splitmix64 generator from a fixed seed). This file and its .c are the
 * only place the seed's figures (shared/domain.md) are written; the
 * generator (api/demo.c) records rows following the plan, and the
 * statistics count those rows. The plan holds figures, dates and real
 * commune codes only; the households api/demo.c makes from it have
 * invented addresses and no names of persons. Pure C. */
#ifndef DOMAIN_DEMO_PLAN_H
#define DOMAIN_DEMO_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/procedure.h"

#define DEMO_FIRST_YEAR 2019
#define DEMO_YEARS 4
#define DEMO_EPCIS 12
#define DEMO_MAX_MEASURES 64
#define DEMO_SEED UINT64_C(0x5EED0091CCA9E201)
/* A unit of --scale: the Essonne procedure flow divided by this. */
#define DEMO_SCALE_DIVISOR 12

struct demo_rng {
	uint64_t state;
};
void demo_rng_init(struct demo_rng *r, uint64_t seed);
uint64_t demo_rng_next(struct demo_rng *r);
/* Uniform in [0, n), n > 0. */
int demo_rng_below(struct demo_rng *r, int n);

/* Acts transmitted in a year, by stage, and how the chains that carry them
 * are shaped. */
struct demo_acts_year {
	int payment_order, summons, order_to_leave, cfp_request, cfp_granted, eviction_with_cfp;
	int eviction_without_cfp;  /* after an order to leave, the household gone */
	int judgment_only;         /* summons then a judgment that ends there */
	int po_prefixed;           /* summons chains that start with a payment order */
	int summons_by_month[12];  /* the summons' calendar */
};

struct demo_referrals_year {
	int by_epci[DEMO_EPCIS];
	int complex_by_epci[DEMO_EPCIS];
	int social_landlord, private_landlord, signalled;
	int commissions;           /* operational sessions held */
	int examined;              /* opinions given in them */
};

struct demo_letters_year {
	int sent, answered, payment_resumed, debt_settled, meetings, adil_contacts;
};

struct demo_mobile_year {
	int cases, no_contact, contact_established, npai;
	int home_visits, debts_settled, landlords_contacting_adil;
};

struct demo_measure {
	struct date start;
	int type;                  /* MASP 1 or 2 */
	int initial_months;
	int renewal_months;        /* 0: not renewed */
};

struct demo_plan {
	const char *epci_siren[DEMO_EPCIS];
	int epci_weight[DEMO_EPCIS];        /* population share, for households */
	struct demo_acts_year acts[DEMO_YEARS];
	struct demo_referrals_year referrals[DEMO_YEARS];
	struct demo_letters_year letters[DEMO_YEARS];
	struct demo_mobile_year mobile[DEMO_YEARS];
	struct demo_measure measures[DEMO_MAX_MEASURES];
	int measure_count;
};

/* The Essonne plan. */
void demo_plan_essonne(struct demo_plan *p);

/* One unit of --scale: the Essonne acts divided by DEMO_SCALE_DIVISOR. */
void demo_plan_scale_unit(const struct demo_acts_year *essonne, struct demo_acts_year *out);

/* How deep a procedure goes. */
enum demo_depth {
	DEMO_PAYMENT_ORDER_ONLY,
	DEMO_SUMMONS_ONLY,
	DEMO_JUDGMENT_ONLY,
	DEMO_LEAVE,
	DEMO_LEAVE_EVICTED,        /* eviction without CFP */
	DEMO_CFP_REQUESTED,
	DEMO_CFP_GRANTED,
	DEMO_EVICTED,              /* eviction with CFP */
	DEMO_DEPTH__COUNT
};

struct demo_chain {
	enum demo_depth depth;
	bool has_payment_order;
	struct date start;         /* the summons, or the payment order alone */
	bool private_sector;
	int epci;                  /* index in the plan */
	bool settled;              /* a payment order alone, then the debt settled */
};

/* The chains of a year, deepest first: every act of a chain falls in the
 * year, and the summons follow acts->summons_by_month. out holds at least
 * demo_plan_chain_count(acts). Returns the number written, or -1 when the
 * calendar cannot hold the deep chains. */
int demo_plan_chain_count(const struct demo_acts_year *acts);
int demo_plan_chains(const struct demo_plan *p, const struct demo_acts_year *acts, int year, struct demo_rng *rng,
		     struct demo_chain *out);

/* A chain's events in order, as a bailiff, the préfet and the bailiff
 * again transmit them; out holds 8. Returns the count. */
int demo_plan_chain_events(const struct demo_chain *c, struct event *out);

/* Splits total over n weights by largest remainder (ties to the first). */
void demo_plan_split(int total, const int *weights, int n, int *out);

/* The reform of 1 January 2027 at work: CAF signals on both sides of the
 * day, each under its own test, and the benefit decisions the constituted
 * ones of 2027 open, at each of their steps. */
enum demo_decision_step { DEMO_DECISION_NONE, DEMO_DECISION_OPEN, DEMO_DECISION_DECIDED, DEMO_DECISION_APPLIED };

struct demo_caf_case {
	struct date date;               /* the day the arrears are signalled */
	int64_t debt_cents;
	int64_t rent_cents, charges_cents;  /* -1: not sent */
	struct date first_missed_on;    /* {0}: not sent */
	enum demo_decision_step step;   /* how far its decision went, when it opens one */
	int outcome;                    /* enum benefit_decision_outcome, once decided */
	int decided_after, applied_after;   /* days after the signal */
};

/* The cases, in date order; *out points into a static table. */
int demo_plan_caf_cases(const struct demo_caf_case **out);

/* The national dataset (`prevex demo-data --national`): every département
 * of France with the flow of its population share of the country's payment
 * orders (2024: 171,000 a year, shared/domain.md), shaped like the Essonne's
 * year by year. The populations are the sums of the communes' populations
 * of @etalab/decoupage-administratif 6.0.0 (INSEE's légales), the package
 * the reference data for France comes from. */
#define DEMO_NATIONAL_PAYMENT_ORDERS 170000
#define DEMO_DEPARTEMENTS 101

struct demo_departement {
	const char *code;
	int population;
};

/* The 101 départements in code order; *out points into a static table. */
int demo_plan_departements(const struct demo_departement **out);

/* The index of code in that table, or -1. */
int demo_plan_departement_find(const char *code);

/* The plan of département d (an index in the table) at per_million
 * millionths of its share (1000000: its real size): the Essonne's acts,
 * referrals, sessions and letters by the ratio of its payment orders to the
 * Essonne's of 2022, each depth of procedure rounded on its own so that
 * the chains stay consistent, and at least one payment order a year (the
 * part's marker). The referrals are spread over the slots by weights[]
 * (DEMO_EPCIS of them, the caller's). No mobile team, MASP or CAF cases:
 * those are the Essonne's own; *caf_count receives the count of CAF cases
 * in proportion to the Essonne's. */
void demo_plan_national(struct demo_plan *out, int *caf_count, const struct demo_plan *essonne, int d,
			int per_million, const int *weights);

/* The percent of n over d rounded half up, as the statistics give it. */
int demo_plan_percent(int n, int d);

#endif
