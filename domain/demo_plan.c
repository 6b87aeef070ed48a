#include "domain/demo_plan.h"

#include <stdio.h>
#include <string.h>

void demo_rng_init(struct demo_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t demo_rng_next(struct demo_rng *r)
{
	uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

int demo_rng_below(struct demo_rng *r, int n)
{
	return n <= 1 ? 0 : (int)(demo_rng_next(r) % (uint64_t)n);
}

void demo_plan_split(int total, const int *weights, int n, int *out)
{
	long long sum = 0;
	for (int i = 0; i < n; i++)
		sum += weights[i];
	int given = 0;
	long long rem[64] = { 0 };
	for (int i = 0; i < n; i++) {
		out[i] = sum > 0 ? (int)((long long)total * weights[i] / sum) : 0;
		rem[i] = sum > 0 ? (long long)total * weights[i] % sum : 0;
		given += out[i];
	}
	while (given < total && n > 0) {
		int best = 0;
		for (int i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		out[best]++;
		rem[best] = -1;
		given++;
	}
}

int demo_plan_percent(int n, int d)
{
	return d > 0 ? (200 * n + d) / (2 * d) : 0;
}

static void even_months(struct demo_acts_year *a)
{
	static const int ones[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	demo_plan_split(a->summons, ones, 12, a->summons_by_month);
}

/* The seed's figures (shared/domain.md); where it gives a percentage only,
 * counts that round to it; where it is silent (2019, 2022, the split by
 * kind), plausible counts. */
void demo_plan_essonne(struct demo_plan *p)
{
	memset(p, 0, sizeof(*p));
	static const char *const sirens[DEMO_EPCIS] = {
		"200057859", /* Cœur d'Essonne */
		"200059228", /* Grand Paris Sud */
		"200056232", /* Paris-Saclay */
		"200058477", /* Val d'Yerres Val de Seine */
		"200017846", /* Étampois Sud-Essonne */
		"200054781", /* Métropole du Grand Paris (Essonne communes) */
		"249100546", /* Val d'Essonne */
		"249100553", /* Entre Juine et Renarde */
		"249100595", /* Dourdannais en Hurepoix */
		"249100074", /* Pays de Limours */
		"249100157", /* Deux Vallées */
		"247800584", /* Versailles Grand Parc (Bièvres) */
	};
	static const int weights[DEMO_EPCIS] = { 200, 350, 320, 180, 55, 150, 60, 30, 28, 26, 20, 5 };
	for (int i = 0; i < DEMO_EPCIS; i++) {
		p->epci_siren[i] = sirens[i];
		p->epci_weight[i] = weights[i];
	}

	/* Acts: about 30 % fewer at every stage in 2020 than in 2019, more
	 * CFP granted in 2021, summons at 230 a month in 2022. */
	static const struct demo_acts_year acts[DEMO_YEARS] = {
		{ 5200, 3400, 1500, 1100, 420, 260, 40, 700, 1000, { 0 } },
		{ 3640, 2380, 1050, 770, 294, 182, 28, 490, 700, { 0 } },
		{ 4100, 2650, 1200, 900, 520, 330, 30, 560, 800, { 0 } },
		{ 4500, 2760, 1300, 1000, 480, 300, 35, 600, 850, { 0 } },
	};
	for (int y = 0; y < DEMO_YEARS; y++) {
		p->acts[y] = acts[y];
		even_months(&p->acts[y]);
	}

	/* Referrals by EPCI: 2021 against 2020, Cœur d'Essonne 55 -> 65
	 * (+18 %), Grand Paris Sud 40 -> 72 (+80 %), Paris-Saclay 36 -> 40
	 * (+11 %). Complex referrals 2020: Étampois 4, Cœur d'Essonne 27,
	 * Val d'Yerres Val de Seine 33. */
	static const struct demo_referrals_year refs[DEMO_YEARS] = {
		{ { 60, 45, 38, 50, 10, 30, 9, 5, 4, 3, 4, 2 }, { 20, 10, 8, 25, 3, 5 }, 165, 55, 40, 35, 215 },
		{ { 55, 40, 36, 48, 9, 30, 8, 4, 3, 2, 3, 2 }, { 27, 0, 0, 33, 4 }, 150, 50, 40, 27, 193 },
		{ { 65, 72, 40, 42, 8, 28, 7, 4, 4, 3, 2, 1 }, { 22, 25, 9, 15, 2, 6 }, 182, 54, 40, 32, 192 },
		{ { 68, 75, 44, 45, 10, 30, 8, 4, 3, 1, 1, 1 }, { 20, 24, 10, 14, 3, 5 }, 190, 60, 40, 38, 230 },
	};
	/* Prevention letters: 4,554 and 4,869 sent; 8 % and 7 % answered
	 * (364 and 341); 111 and 146 resumed paying; 67 and 71 debts settled;
	 * 31 and 47 meetings; 796 and 703 contacts with the ADIL. */
	static const struct demo_letters_year letters[DEMO_YEARS] = {
		{ 4300, 350, 95, 60, 28, 820 },
		{ 4554, 364, 111, 67, 31, 796 },
		{ 4869, 341, 146, 71, 47, 703 },
		{ 5100, 360, 150, 70, 50, 720 },
	};
	/* The mobile team began in April 2021: 126 cases at 31/12/2021, no
	 * contact 61 % (77), contact established 23 % (29), NPAI 16 % (20),
	 * 73 home visits, 5 debts settled, 10 landlords contacting the ADIL. */
	static const struct demo_mobile_year mobile[DEMO_YEARS] = {
		{ 0 },
		{ 0 },
		{ 126, 77, 29, 20, 73, 5, 10 },
		{ 150, 80, 45, 25, 60, 8, 14 },
	};
	for (int y = 0; y < DEMO_YEARS; y++) {
		p->referrals[y] = refs[y];
		p->letters[y] = letters[y];
		p->mobile[y] = mobile[y];
	}

	/* MASP 2021: 21 effective, 15 started, 12 renewed, 14 months on
	 * average. Six MASP 2 from ALFI's start in June 2020, renewed in 2021
	 * (19 months each on average); six begun in 2021 for 6 months and
	 * renewed for 6; nine begun in 2021 for 12 months. 2022: 18 more. */
	static const struct demo_measure measures[] = {
		{ { 2020, 6, 15 }, 2, 12, 6 }, { { 2020, 7, 1 }, 2, 12, 7 }, { { 2020, 8, 3 }, 2, 12, 7 },
		{ { 2020, 9, 1 }, 2, 12, 7 }, { { 2020, 10, 5 }, 2, 12, 7 }, { { 2020, 11, 2 }, 2, 12, 8 },
		{ { 2021, 1, 11 }, 1, 6, 6 }, { { 2021, 2, 8 }, 1, 6, 6 }, { { 2021, 3, 8 }, 1, 6, 6 },
		{ { 2021, 4, 12 }, 1, 6, 6 }, { { 2021, 5, 10 }, 1, 6, 6 }, { { 2021, 6, 7 }, 1, 6, 6 },
		{ { 2021, 1, 18 }, 1, 12, 0 }, { { 2021, 2, 15 }, 2, 12, 0 }, { { 2021, 3, 22 }, 1, 12, 0 },
		{ { 2021, 4, 19 }, 1, 12, 0 }, { { 2021, 6, 14 }, 2, 12, 0 }, { { 2021, 7, 5 }, 1, 12, 0 },
		{ { 2021, 9, 13 }, 1, 12, 0 }, { { 2021, 10, 11 }, 2, 12, 0 }, { { 2021, 11, 8 }, 1, 12, 0 },
		{ { 2022, 1, 10 }, 1, 12, 6 }, { { 2022, 1, 24 }, 2, 12, 0 }, { { 2022, 2, 7 }, 1, 12, 0 },
		{ { 2022, 2, 21 }, 1, 12, 6 }, { { 2022, 3, 7 }, 2, 12, 0 }, { { 2022, 3, 21 }, 1, 12, 0 },
		{ { 2022, 4, 4 }, 1, 12, 6 }, { { 2022, 4, 25 }, 2, 12, 0 }, { { 2022, 5, 9 }, 1, 12, 0 },
		{ { 2022, 5, 23 }, 1, 12, 6 }, { { 2022, 6, 13 }, 2, 12, 0 }, { { 2022, 7, 4 }, 1, 12, 0 },
		{ { 2022, 9, 5 }, 1, 12, 6 }, { { 2022, 9, 19 }, 2, 12, 0 }, { { 2022, 10, 3 }, 1, 12, 0 },
		{ { 2022, 10, 17 }, 1, 12, 0 }, { { 2022, 11, 7 }, 2, 12, 0 }, { { 2022, 11, 21 }, 1, 12, 0 },
	};
	p->measure_count = (int)(sizeof(measures) / sizeof(measures[0]));
	for (int i = 0; i < p->measure_count; i++)
		p->measures[i] = measures[i];
}

void demo_plan_scale_unit(const struct demo_acts_year *e, struct demo_acts_year *out)
{
	memset(out, 0, sizeof(*out));
	int d = DEMO_SCALE_DIVISOR;
	out->payment_order = e->payment_order / d;
	out->summons = e->summons / d;
	out->order_to_leave = e->order_to_leave / d;
	out->cfp_request = e->cfp_request / d;
	out->cfp_granted = e->cfp_granted / d;
	out->eviction_with_cfp = e->eviction_with_cfp / d;
	out->eviction_without_cfp = e->eviction_without_cfp / d;
	out->judgment_only = e->judgment_only / d;
	out->po_prefixed = e->po_prefixed / d;
	even_months(out);
}

/* Days from the summons to each later act, and the last month a chain
 * of that depth may start in so that its acts stay in the year and an
 * eviction falls outside the winter truce. */
enum { HEARING = 63, LEAVE = 93, CFP_REQUEST = 158, CFP_GRANTED = 188, EVICTION = 210, LEFT = 153,
       PO_BEFORE = 75 };
static const int last_month[DEMO_DEPTH__COUNT] = {
	[DEMO_PAYMENT_ORDER_ONLY] = 12, [DEMO_SUMMONS_ONLY] = 12, [DEMO_JUDGMENT_ONLY] = 10, [DEMO_LEAVE] = 9,
	[DEMO_LEAVE_EVICTED] = 5, [DEMO_CFP_REQUESTED] = 6, [DEMO_CFP_GRANTED] = 5, [DEMO_EVICTED] = 3,
};

/* The month a chain of depth d starts in: the one with the most room left
 * among those it may start in, the earliest on a tie, its room taken; -1
 * when none has room. */
static int month_take(int room[12], int d)
{
	int best = -1;
	for (int m = 0; m < last_month[d]; m++)
		if (room[m] > 0 && (best < 0 || room[m] > room[best]))
			best = m;
	if (best >= 0)
		room[best]--;
	return best;
}

static void depth_counts(const struct demo_acts_year *a, int n[DEMO_DEPTH__COUNT])
{
	n[DEMO_EVICTED] = a->eviction_with_cfp;
	n[DEMO_CFP_GRANTED] = a->cfp_granted - a->eviction_with_cfp;
	n[DEMO_CFP_REQUESTED] = a->cfp_request - a->cfp_granted;
	n[DEMO_LEAVE_EVICTED] = a->eviction_without_cfp;
	n[DEMO_LEAVE] = a->order_to_leave - a->cfp_request - a->eviction_without_cfp;
	n[DEMO_JUDGMENT_ONLY] = a->judgment_only;
	n[DEMO_SUMMONS_ONLY] = a->summons - a->judgment_only - a->order_to_leave;
	n[DEMO_PAYMENT_ORDER_ONLY] = a->payment_order - a->po_prefixed;
}

int demo_plan_chain_count(const struct demo_acts_year *a)
{
	int n[DEMO_DEPTH__COUNT], total = 0;
	depth_counts(a, n);
	for (int d = 0; d < DEMO_DEPTH__COUNT; d++)
		total += n[d] > 0 ? n[d] : 0;
	return total;
}

static int pick_epci(const struct demo_plan *p, struct demo_rng *rng)
{
	int sum = 0;
	for (int i = 0; i < DEMO_EPCIS; i++)
		sum += p->epci_weight[i];
	int x = demo_rng_below(rng, sum);
	for (int i = 0; i < DEMO_EPCIS; i++) {
		if (x < p->epci_weight[i])
			return i;
		x -= p->epci_weight[i];
	}
	return 0;
}

int demo_plan_chains(const struct demo_plan *p, const struct demo_acts_year *a, int year, struct demo_rng *rng,
		     struct demo_chain *out)
{
	int n[DEMO_DEPTH__COUNT];
	depth_counts(a, n);
	for (int d = 0; d < DEMO_DEPTH__COUNT; d++)
		if (n[d] < 0)
			return -1;
	int room[12], count = 0, prefixed = 0;
	memcpy(room, a->summons_by_month, sizeof(room));
	/* Deepest first: each takes the month with the most room left among
	 * those it may start in, the earliest on a tie. */
	for (int d = DEMO_DEPTH__COUNT - 1; d >= DEMO_SUMMONS_ONLY; d--) {
		for (int i = 0; i < n[d]; i++) {
			int best = month_take(room, d);
			if (best < 0)
				return -1;
			struct demo_chain *c = &out[count++];
			memset(c, 0, sizeof(*c));
			c->depth = (enum demo_depth)d;
			c->start = (struct date){ year, best + 1, 1 + demo_rng_below(rng, 28) };
			c->private_sector = demo_rng_below(rng, 100) < 45;
			c->epci = pick_epci(p, rng);
			/* A payment order 75 days before, when it stays in the year. */
			if (prefixed < a->po_prefixed && best >= 3 && demo_rng_below(rng, 2) == 0) {
				c->has_payment_order = true;
				prefixed++;
			}
		}
	}
	/* Any prefix still owed goes to the latest summons chains that can
	 * take one. */
	for (int i = count - 1; i >= 0 && prefixed < a->po_prefixed; i--)
		if (!out[i].has_payment_order && out[i].start.m >= 4) {
			out[i].has_payment_order = true;
			prefixed++;
		}
	if (prefixed < a->po_prefixed)
		return -1;
	static const int ones[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	int po_months[12];
	demo_plan_split(n[DEMO_PAYMENT_ORDER_ONLY], ones, 12, po_months);
	for (int m = 0; m < 12; m++)
		for (int i = 0; i < po_months[m]; i++) {
			struct demo_chain *c = &out[count++];
			memset(c, 0, sizeof(*c));
			c->depth = DEMO_PAYMENT_ORDER_ONLY;
			c->has_payment_order = true;
			c->start = (struct date){ year, m + 1, 1 + demo_rng_below(rng, 28) };
			c->private_sector = demo_rng_below(rng, 100) < 45;
			c->epci = pick_epci(p, rng);
			c->settled = demo_rng_below(rng, 5) == 0;
		}
	return count;
}

static struct event *push(struct event *out, int *n, enum event_kind kind, const struct date *on)
{
	struct event *ev = &out[(*n)++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->date = *on;
	return ev;
}

int demo_plan_chain_events(const struct demo_chain *c, struct event *out)
{
	int n = 0;
	struct date s = c->start, d;
	/* Amounts vary with the day, deterministically. */
	int64_t rent = 55000 + 1000 * (int64_t)(s.d % 20);
	if (c->depth == DEMO_PAYMENT_ORDER_ONLY || c->has_payment_order) {
		struct date po = s;
		if (c->depth != DEMO_PAYMENT_ORDER_ONLY)
			date_add_days(&po, &s, -PO_BEFORE);
		struct event *ev = push(out, &n, EVENT_PAYMENT_ORDER, &po);
		ev->payment_order.rent_cents = rent;
		ev->payment_order.debt_cents = rent * (2 + s.d % 4);
		ev->payment_order.months_unpaid = 2 + s.d % 4;
		if (c->depth == DEMO_PAYMENT_ORDER_ONLY) {
			date_add_days(&d, &po, 40);
			if (c->settled && d.y == po.y)
				push(out, &n, EVENT_DEBT_SETTLED, &d);
			return n;
		}
	}
	struct event *ev = push(out, &n, EVENT_SUMMONS, &s);
	date_add_days(&ev->summons.hearing_date, &s, HEARING);
	snprintf(ev->summons.court, sizeof(ev->summons.court), "Tribunal judiciaire d'Évry-Courcouronnes");
	ev->summons.prefet_notified = true;
	date_add_days(&ev->summons.prefet_notified_on, &s, 3);
	if (c->depth == DEMO_SUMMONS_ONLY)
		return n;
	date_add_days(&d, &s, HEARING);
	ev = push(out, &n, EVENT_JUDGMENT, &d);
	if (c->depth == DEMO_JUDGMENT_ONLY) {
		bool dismissed = s.d % 5 == 0;
		ev->judgment.outcome = dismissed ? JUDGMENT_DISMISSED : JUDGMENT_PAYMENT_DELAYS;
		ev->judgment.delay_months = dismissed ? 0 : 12 + s.d % 12;
		return n;
	}
	ev->judgment.outcome = JUDGMENT_TERMINATION_AND_EVICTION;
	date_add_days(&d, &s, LEAVE);
	ev = push(out, &n, EVENT_ORDER_TO_LEAVE, &d);
	ev->order_to_leave.prefet_notified = true;
	date_add_days(&ev->order_to_leave.prefet_notified_on, &d, 3);
	if (c->depth == DEMO_LEAVE)
		return n;
	if (c->depth == DEMO_LEAVE_EVICTED) {
		date_add_days(&d, &s, LEFT);
		push(out, &n, EVENT_EVICTION, &d)->eviction.with_cfp = false;
		return n;
	}
	date_add_days(&d, &s, CFP_REQUEST);
	push(out, &n, EVENT_CFP_REQUEST, &d);
	if (c->depth == DEMO_CFP_REQUESTED)
		return n;
	date_add_days(&d, &s, CFP_GRANTED);
	push(out, &n, EVENT_CFP_GRANTED, &d);
	if (c->depth == DEMO_CFP_GRANTED)
		return n;
	date_add_days(&d, &s, EVICTION);
	push(out, &n, EVENT_EVICTION, &d)->eviction.with_cfp = true;
	return n;
}

/* Rent 600 + charges 100 euros unless said: the old test needs 1,400 euros
 * of debt. Outcomes: 0 maintained, 1 suspended, 2 paid to the landlord
 * (enum benefit_decision_outcome). */
static const struct demo_caf_case caf_cases[] = {
	/* December 2026, the old test: twice the rent and charges. */
	{ { 2026, 12, 4 }, 152000, 60000, 10000, { 2026, 8, 5 }, DEMO_DECISION_NONE, 0, 0, 0 },
	{ { 2026, 12, 11 }, 98000, 60000, 10000, { 2026, 10, 5 }, DEMO_DECISION_NONE, 0, 0, 0 },
	{ { 2026, 12, 18 }, 110000, 48000, 7000, { 2026, 10, 1 }, DEMO_DECISION_NONE, 0, 0, 0 },
	{ { 2026, 12, 29 }, 64000, -1, -1, { 2026, 11, 2 }, DEMO_DECISION_NONE, 0, 0, 0 },
	/* January and February 2027: over 450 euros, or three months after
	 * the first missed payment; each constituted one opens a decision. */
	{ { 2027, 1, 5 }, 45000, 52000, 8000, { 2026, 12, 5 }, DEMO_DECISION_NONE, 0, 0, 0 },
	{ { 2027, 1, 8 }, 52000, 52000, 8000, { 2026, 11, 5 }, DEMO_DECISION_APPLIED, 0, 12, 19 },
	{ { 2027, 1, 14 }, 38000, 45000, 5000, { 2026, 10, 10 }, DEMO_DECISION_DECIDED, 2, 20, 0 },
	{ { 2027, 1, 21 }, 98000, 61000, 9000, { 2026, 10, 21 }, DEMO_DECISION_APPLIED, 1, 9, 14 },
	{ { 2027, 2, 2 }, 61000, 58000, 7000, { 2026, 10, 25 }, DEMO_DECISION_OPEN, 0, 0, 0 },
	{ { 2027, 2, 9 }, 21000, 47000, 6000, { 2026, 12, 1 }, DEMO_DECISION_NONE, 0, 0, 0 },
	{ { 2027, 2, 16 }, 30000, 50000, 5000, { 2026, 11, 16 }, DEMO_DECISION_OPEN, 0, 0, 0 },
	{ { 2027, 2, 23 }, 47500, -1, -1, { 0, 0, 0 }, DEMO_DECISION_DECIDED, 0, 6, 0 },
};

int demo_plan_caf_cases(const struct demo_caf_case **out)
{
	*out = caf_cases;
	return (int)(sizeof(caf_cases) / sizeof(caf_cases[0]));
}

/* Sums of the populations of the communes of @etalab/decoupage-administratif
 * 6.0.0's communes.json (communes actuelles), by département. */
static const struct demo_departement departements[DEMO_DEPARTEMENTS] = {
	{ "01", 679344 }, { "02", 523342 }, { "03", 333298 }, { "04", 168054 }, { "05", 143467 }, { "06", 1128418 },
	{ "07", 334231 }, { "08", 265893 }, { "09", 155722 }, { "10", 310447 }, { "11", 379648 }, { "12", 279609 },
	{ "13", 2087658 }, { "14", 709441 }, { "15", 144196 }, { "16", 352683 }, { "17", 672279 }, { "18", 298660 },
	{ "19", 240826 }, { "21", 540100 }, { "22", 611859 }, { "23", 115527 }, { "24", 417614 }, { "25", 547163 },
	{ "26", 524207 }, { "27", 602714 }, { "28", 433129 }, { "29", 933455 }, { "2A", 168306 }, { "2B", 187180 },
	{ "30", 770940 }, { "31", 1471468 }, { "32", 192645 }, { "33", 1690493 }, { "34", 1230289 },
	{ "35", 1120666 }, { "36", 216069 }, { "37", 619362 }, { "38", 1298990 }, { "39", 257973 },
	{ "40", 433570 }, { "41", 328543 }, { "42", 774133 }, { "43", 228654 }, { "44", 1487570 }, { "45", 691268 },
	{ "46", 176473 }, { "47", 333602 }, { "48", 76486 }, { "49", 833776 }, { "50", 497522 }, { "51", 563076 },
	{ "52", 168331 }, { "53", 305468 }, { "54", 732236 }, { "55", 180290 }, { "56", 783390 }, { "57", 1051309 },
	{ "58", 201417 }, { "59", 2615635 }, { "60", 829899 }, { "61", 275201 }, { "62", 1457905 },
	{ "63", 664453 }, { "64", 706564 }, { "65", 231349 }, { "66", 496855 }, { "67", 1163810 }, { "68", 770738 },
	{ "69", 1914667 }, { "70", 233185 }, { "71", 550310 }, { "72", 566733 }, { "73", 448226 }, { "74", 861158 },
	{ "75", 2103778 }, { "76", 1260964 }, { "77", 1468108 }, { "78", 1485086 }, { "79", 375229 },
	{ "80", 565413 }, { "81", 397352 }, { "82", 265817 }, { "83", 1119307 }, { "84", 572056 }, { "85", 713609 },
	{ "86", 438897 }, { "87", 373167 }, { "88", 357248 }, { "89", 332267 }, { "90", 140255 }, { "91", 1338485 },
	{ "92", 1654712 }, { "93", 1704316 }, { "94", 1426929 }, { "95", 1281653 }, { "971", 384160 },
	{ "972", 360630 }, { "973", 293996 }, { "974", 889679 }, { "976", 256518 },
};

int demo_plan_departements(const struct demo_departement **out)
{
	*out = departements;
	return DEMO_DEPARTEMENTS;
}

int demo_plan_departement_find(const char *code)
{
	for (int i = 0; i < DEMO_DEPARTEMENTS; i++)
		if (strcmp(departements[i].code, code) == 0)
			return i;
	return -1;
}

static int scaled(int n, double f)
{
	return (int)((double)n * f + 0.5);
}

static int at_most(int n, int max)
{
	return n < max ? n : max;
}

/* Whether demo_plan_chains() finds a month for every chain of a, picking
 * as it does. */
static bool calendar_fits(const struct demo_acts_year *a)
{
	int n[DEMO_DEPTH__COUNT], room[12];
	depth_counts(a, n);
	memcpy(room, a->summons_by_month, sizeof(room));
	for (int d = DEMO_DEPTH__COUNT - 1; d >= DEMO_SUMMONS_ONLY; d--)
		for (int i = 0; i < n[d]; i++)
			if (month_take(room, d) < 0)
				return false;
	return true;
}

/* The acts of chains of depths n, summons spread evenly; no payment
 * order yet. */
static void acts_from_depths(const int n[DEMO_DEPTH__COUNT], struct demo_acts_year *out)
{
	memset(out, 0, sizeof(*out));
	out->eviction_with_cfp = n[DEMO_EVICTED];
	out->cfp_granted = out->eviction_with_cfp + n[DEMO_CFP_GRANTED];
	out->cfp_request = out->cfp_granted + n[DEMO_CFP_REQUESTED];
	out->eviction_without_cfp = n[DEMO_LEAVE_EVICTED];
	out->order_to_leave = n[DEMO_LEAVE] + out->cfp_request + out->eviction_without_cfp;
	out->judgment_only = n[DEMO_JUDGMENT_ONLY];
	out->summons = n[DEMO_SUMMONS_ONLY] + out->judgment_only + out->order_to_leave;
	even_months(out);
}

/* Each depth scaled on its own, the acts rebuilt from the depths. */
static void acts_scale(const struct demo_acts_year *e, double f, struct demo_acts_year *out)
{
	int n[DEMO_DEPTH__COUNT];
	depth_counts(e, n);
	for (int d = 0; d < DEMO_DEPTH__COUNT; d++)
		n[d] = scaled(n[d], f);
	if (n[DEMO_PAYMENT_ORDER_ONLY] == 0)
		n[DEMO_PAYMENT_ORDER_ONLY] = 1;
	acts_from_depths(n, out);
	/* Small sizes round the deep chains up more than the calendar's early
	 * months: those that do not fit stop at the summons. */
	while (!calendar_fits(out)) {
		int d = DEMO_DEPTH__COUNT - 1;
		while (d > DEMO_JUDGMENT_ONLY && n[d] == 0)
			d--;
		if (n[d] == 0)
			break;
		n[d]--;
		n[DEMO_SUMMONS_ONLY]++;
		acts_from_depths(n, out);
	}
	/* Prefixed chains start from April. */
	int from_april = 0;
	for (int m = 3; m < 12; m++)
		from_april += out->summons_by_month[m];
	out->po_prefixed = at_most(scaled(e->po_prefixed, f), from_april);
	out->payment_order = n[DEMO_PAYMENT_ORDER_ONLY] + out->po_prefixed;
}

static void referrals_scale(const struct demo_referrals_year *e, double f, const int *weights,
			    struct demo_referrals_year *out)
{
	int total = 0, complex = 0;
	for (int i = 0; i < DEMO_EPCIS; i++) {
		total += e->by_epci[i];
		complex += e->complex_by_epci[i];
	}
	memset(out, 0, sizeof(*out));
	total = scaled(total, f);
	demo_plan_split(total, weights, DEMO_EPCIS, out->by_epci);
	demo_plan_split(scaled(complex, f), weights, DEMO_EPCIS, out->complex_by_epci);
	for (int i = 0; i < DEMO_EPCIS; i++)
		out->complex_by_epci[i] = at_most(out->complex_by_epci[i], out->by_epci[i]);
	out->social_landlord = at_most(scaled(e->social_landlord, f), total);
	out->private_landlord = at_most(scaled(e->private_landlord, f), total - out->social_landlord);
	out->signalled = total - out->social_landlord - out->private_landlord;
	/* At least one session, weekly at most. */
	out->commissions = scaled(e->commissions, f);
	out->commissions = out->commissions < 1 ? 1 : at_most(out->commissions, 52);
	out->examined = at_most(scaled(e->examined, f), total);
}

static void letters_scale(const struct demo_letters_year *e, double f, struct demo_letters_year *out)
{
	out->sent = scaled(e->sent, f);
	out->answered = at_most(scaled(e->answered, f), out->sent);
	out->payment_resumed = at_most(scaled(e->payment_resumed, f), out->answered);
	out->debt_settled = at_most(scaled(e->debt_settled, f), out->answered - out->payment_resumed);
	out->meetings = at_most(scaled(e->meetings, f), out->answered - out->payment_resumed - out->debt_settled);
	/* The contacts name the year's letters' households. */
	out->adil_contacts = out->sent > 0 ? scaled(e->adil_contacts, f) : 0;
}

void demo_plan_national(struct demo_plan *out, int *caf_count, const struct demo_plan *e, int d, int per_million,
			const int *weights)
{
	long long total = 0;
	for (int i = 0; i < DEMO_DEPARTEMENTS; i++)
		total += departements[i].population;
	/* The département's payment orders a year over the Essonne's of the
	 * last year. */
	double f = (double)DEMO_NATIONAL_PAYMENT_ORDERS * departements[d].population / (double)total *
		   per_million / 1e6 / e->acts[DEMO_YEARS - 1].payment_order;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < DEMO_EPCIS; i++)
		out->epci_weight[i] = weights[i];
	for (int y = 0; y < DEMO_YEARS; y++) {
		acts_scale(&e->acts[y], f, &out->acts[y]);
		referrals_scale(&e->referrals[y], f, weights, &out->referrals[y]);
		letters_scale(&e->letters[y], f, &out->letters[y]);
		/* A letter goes to a household the year's procedures reached. */
		int reached = demo_plan_chain_count(&out->acts[y]);
		if (out->letters[y].sent > reached)
			letters_scale(&e->letters[y], (double)reached / e->letters[y].sent, &out->letters[y]);
	}
	const struct demo_caf_case *cases = NULL;
	*caf_count = scaled(demo_plan_caf_cases(&cases), f);
}
