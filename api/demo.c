#include "api/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/imports.h"
#include "api/procedures.h"
#include "domain/caf.h"
#include "domain/commission.h"
#include "domain/demo_plan.h"
#include "domain/household.h"
#include "domain/masp.h"
#include "domain/outreach.h"
#include "domain/policy.h"
#include "domain/referral.h"
#include "storage/caf_store.h"
#include "storage/ccapex_store.h"
#include "storage/db.h"
#include "storage/demo_store.h"
#include "storage/field_store.h"
#include "storage/households_store.h"
#include "storage/procedures_store.h"
#include "storage/stats_store.h"

#define DEMO_MAX_REFERRALS 512
#define DEMO_MAX_SESSIONS 64

/* A household the procedures of a year reached, for the letters and the
 * mobile team that follow them. */
struct demo_reached {
	char household_id[40];
	struct date start;
	enum demo_depth depth;
	bool private_sector;
};

struct demo_ctx {
	PGconn *conn;
	const struct demo_orgs *o;
	struct demo_plan plan;          /* the part's */
	struct demo_plan essonne;
	struct demo_rng rng;
	struct date today;
	char insee[DEMO_EPCIS][DEMO_STORE_MAX_COMMUNES][6];
	char postcode[DEMO_EPCIS][DEMO_STORE_MAX_COMMUNES][6];
	int communes[DEMO_EPCIS];
	char slot_siren[DEMO_EPCIS][10];   /* a national département's EPCIs */
	char place[256];                   /* where the préfecture's sessions sit */
	const char *caf_prefix;            /* NULL: the Essonne's CAF cases */
	struct store_caller bailiff, prefecture, departement, social[2], private_landlord;
	struct field_caller field_pref, field_dep;
	struct ccapex_viewer viewer;
	struct demo_counts *n;
	struct demo_reached *reached;   /* owned */
	int reached_count;
	struct procedure proc;          /* the procedure being recorded */
};

static struct store_caller caller_of(const char *org_id, const char *kind)
{
	return (struct store_caller){ .org_id = org_id, .kind = kind, .client_id = NULL, .request_id = "demo-data" };
}

static void day_text(char out[DATE_STR_LEN], const struct date *d)
{
	date_format(out, d);
}

/* The same day, or the last of the year when it would spill over. */
static struct date in_year(const struct date *d, int year)
{
	struct date end = { year, 12, 31 };
	return date_cmp(d, &end) > 0 ? end : *d;
}

/* Streets of the demo: invented names, so that no demo household lies at
 * a real address (there is a rue de la République in many communes of
 * the Essonne). The demo holds no names of persons at all: its landlords
 * are organisations and its households carry no name, contact or note. */
static const char *const demo_streets[] = {
	"rue de l'Exemple-Fictif", "allée des Données-Inventées", "impasse du Jeu-d'Essai",
	"chemin de la Démonstration", "avenue Imaginaire",
};
#define DEMO_STREETS ((int)(sizeof(demo_streets) / sizeof(demo_streets[0])))

/* A household of the demo in in (drawn from the commune list and the
 * stream), as POST /v1/households takes it, checked. */
static int household_fill(struct demo_ctx *c, struct household_input *in, int epci, bool private_sector,
			  int landlord, struct err *err)
{
	memset(in, 0, sizeof(*in));
	/* A national département may have fewer groups of communes than
	 * slots: the first always has some. */
	if (c->communes[epci] == 0)
		epci = 0;
	int k = demo_rng_below(&c->rng, c->communes[epci]);
	in->set = POLICY_FIELD_ADDRESS | HOUSEHOLD_SECTOR | POLICY_FIELD_LANDLORD | POLICY_FIELD_OCCUPANTS;
	/* One draw, as before: the number picks the street too. */
	int number = 1 + demo_rng_below(&c->rng, 180);
	snprintf(in->address_line, sizeof(in->address_line), "%d %s", number, demo_streets[number % DEMO_STREETS]);
	snprintf(in->insee, sizeof(in->insee), "%s", c->insee[epci][k]);
	snprintf(in->postcode, sizeof(in->postcode), "%s", c->postcode[epci][k]);
	in->sector = private_sector ? SECTOR_PRIVATE : SECTOR_SOCIAL;
	in->landlord_is_org = true;
	const char *owner = private_sector ? c->o->private_landlord : c->o->social_landlord[landlord & 1];
	memcpy(in->landlord_org_id, owner, sizeof(in->landlord_org_id) - 1);
	in->adults = 1 + demo_rng_below(&c->rng, 2);
	in->children = demo_rng_below(&c->rng, 4);
	return household_check(in, true, err);
}

static int household_new(struct demo_ctx *c, const struct store_caller *caller, int epci, bool private_sector,
			 int landlord, char id[40], struct err *err)
{
	struct household_input *in = calloc(1, sizeof(*in));   /* owned */
	if (in == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = household_fill(c, in, epci, private_sector, landlord, err);
	if (rc == ERR_OK)
		rc = households_store_insert(c->conn, caller, in, id, err);
	if (rc == ERR_OK)
		c->n->households++;
	free(in);
	return rc;
}

/* Who transmits an act: the bailiff, or the préfecture for what only it
 * may record (its decisions, evictions carried out). */
static const struct store_caller *event_caller(struct demo_ctx *c, enum event_kind kind)
{
	if (policy_allows_any(ORG_KIND_BAILIFF, procedures_event_action(kind), 1u << POLICY_REL_FILER))
		return &c->bailiff;
	return &c->prefecture;
}

/* Chains whose bailiff's acts go to the database in one import batch. */
#define DEMO_BATCH_CHAINS 2000

/* A chain's file: its household and procedure, written with the
 * statements the API writes them with, and its acts, the bailiff's by the
 * import batch, the préfecture's one by one. */
struct demo_file {
	char household[40], procedure[40], reference[64];
	struct event events[8];
	int count;
	int by_bailiff;      /* the first by_bailiff events: the bailiff's, imported */
	struct date start;
	enum demo_depth depth;
	bool private_sector;
};

/* The files of chains[0 .. count), the first numbered first + 1: their
 * households and procedures, as POST /v1/households and POST
 * /v1/procedures write them, each kind in one round trip; then the acts
 * each chain plans. */
static int files_open(struct demo_ctx *c, const struct demo_chain *chains, int count, const char *prefix, int year,
		      int first, struct demo_file *files, struct err *err)
{
	size_t cap = (size_t)(count > 0 ? count : 1);
	struct household_input *in = calloc(cap, sizeof(*in));     /* owned */
	char (*households)[40] = calloc(cap, sizeof(*households)); /* owned */
	char (*procedures)[40] = calloc(cap, sizeof(*procedures)); /* owned */
	const char **hh = calloc(cap, sizeof(*hh));                 /* owned; borrowed values */
	const char **refs = calloc(cap, sizeof(*refs));             /* owned; borrowed values */
	int rc = in && households && procedures && hh && refs ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	/* The landlord alternates with the procedures recorded before. */
	for (int i = 0; rc == ERR_OK && i < count; i++)
		rc = household_fill(c, &in[i], chains[i].epci, chains[i].private_sector,
				    (int)((c->n->procedures + i) & 1), err);
	if (rc == ERR_OK)
		rc = households_store_insert_many(c->conn, &c->bailiff, count, in, households, err);
	if (rc == ERR_OK)
		c->n->households += count;
	for (int i = 0; rc == ERR_OK && i < count; i++) {
		snprintf(files[i].reference, sizeof(files[i].reference), "%s-%d-%06d", prefix, year, first + i + 1);
		hh[i] = households[i];
		refs[i] = files[i].reference;
	}
	if (rc == ERR_OK)
		rc = procedures_store_create_many(c->conn, &c->bailiff, count, hh, refs, procedures, err);
	if (rc == ERR_OK)
		c->n->procedures += count;
	for (int i = 0; rc == ERR_OK && i < count; i++) {
		struct demo_file *f = &files[i];
		const struct demo_chain *ch = &chains[i];
		memcpy(f->household, households[i], sizeof(f->household));
		memcpy(f->procedure, procedures[i], sizeof(f->procedure));
		f->count = demo_plan_chain_events(ch, f->events);
		f->by_bailiff = 0;
		while (f->by_bailiff < f->count && event_caller(c, f->events[f->by_bailiff].kind) == &c->bailiff)
			f->by_bailiff++;
		f->start = ch->start;
		f->depth = ch->depth;
		f->private_sector = ch->private_sector;
	}
	free(refs);
	free(hh);
	free(procedures);
	free(households);
	free(in);
	return rc;
}

/* Act i of f as a bailiff's system pushes it to POST /v1/imports/acts.
 * Returns a new reference, or NULL when out of memory. */
static json_t *act_item(const struct demo_file *f, int i)
{
	const struct event *ev = &f->events[i];
	char external_id[80], day[DATE_STR_LEN], other[DATE_STR_LEN];
	snprintf(external_id, sizeof(external_id), "%s/%d", f->reference, i + 1);
	day_text(day, &ev->date);
	json_t *o = json_pack("{ssssssss}", "external_id", external_id, "file_reference", f->reference, "kind",
			      procedure_kind_name(ev->kind), "date", day);
	int bad = o == NULL;
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER:
		bad = bad || json_object_set_new(o, "debt_cents", json_integer(ev->payment_order.debt_cents)) != 0 ||
		      json_object_set_new(o, "rent_cents", json_integer(ev->payment_order.rent_cents)) != 0 ||
		      (ev->payment_order.months_unpaid >= 0 &&
		       json_object_set_new(o, "months_unpaid", json_integer(ev->payment_order.months_unpaid)) != 0);
		break;
	case EVENT_SUMMONS:
		day_text(other, &ev->summons.hearing_date);
		bad = bad || json_object_set_new(o, "hearing_on", json_string(other)) != 0 ||
		      json_object_set_new(o, "court", json_string(ev->summons.court)) != 0;
		day_text(other, &ev->summons.prefet_notified_on);
		bad = bad || (ev->summons.prefet_notified &&
			      json_object_set_new(o, "prefet_notified_on", json_string(other)) != 0);
		break;
	case EVENT_JUDGMENT:
		bad = bad ||
		      json_object_set_new(o, "outcome", json_string(procedure_outcome_name(ev->judgment.outcome))) != 0 ||
		      (ev->judgment.outcome == JUDGMENT_PAYMENT_DELAYS &&
		       json_object_set_new(o, "delay_months", json_integer(ev->judgment.delay_months)) != 0);
		break;
	case EVENT_ORDER_TO_LEAVE:
		day_text(other, &ev->order_to_leave.prefet_notified_on);
		bad = bad || (ev->order_to_leave.delay_months > 0 &&
			      json_object_set_new(o, "delay_months", json_integer(ev->order_to_leave.delay_months)) != 0) ||
		      (ev->order_to_leave.prefet_notified &&
		       json_object_set_new(o, "prefet_notified_on", json_string(other)) != 0);
		break;
	case EVENT_EVICTION:
		bad = bad || json_object_set_new(o, "with_cfp", json_boolean(ev->eviction.with_cfp)) != 0;
		break;
	default:
		break;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The bailiff's acts of the files, through the import batch code that
 * POST /v1/imports/acts runs (the state machine, the side effects, the
 * change feed, set-based); each must be created. */
static int files_import(struct demo_ctx *c, const struct demo_file *files, int n, struct err *err)
{
	int acts = 0;
	for (int f = 0; f < n; f++)
		acts += files[f].by_bailiff;
	if (acts == 0)
		return ERR_OK;
	struct import_batch *b = imports_batch_new(IMPORT_ACTS, ORG_KIND_BAILIFF, acts);   /* owned */
	int rc = b != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int f = 0, k = 0; rc == ERR_OK && f < n; f++)
		for (int i = 0; rc == ERR_OK && i < files[f].by_bailiff; i++, k++) {
			json_t *item = act_item(&files[f], i);
			if (item == NULL)
				rc = err_set(err, ERR_INTERNAL, "", "out of memory");
			else
				imports_batch_read(b, k, item);   /* steals item */
			if (rc == ERR_OK && !b->valid[k])
				rc = err_set(err, ERR_INTERNAL, "", "act %d of %s refused: %s: %s", i + 1, files[f].reference,
					     b->results[k].field, b->results[k].reason);
		}
	if (rc == ERR_OK)
		rc = imports_batch_dedupe(b, err);
	if (rc == ERR_OK)
		rc = imports_batch_apply(c->conn, &c->bailiff, b, err);
	for (int k = 0; rc == ERR_OK && k < acts; k++)
		if (b->results[k].status != IMPORT_CREATED)
			rc = err_set(err, ERR_INTERNAL, "", "act %s not created: %s: %s", b->external_ids[k],
				     b->results[k].field, b->results[k].reason);
	imports_batch_free(b);
	return rc;
}

/* The acts left to the préfecture (its decisions, evictions), one by one
 * after the bailiff's, as its users record them. */
static int file_finish(struct demo_ctx *c, const struct demo_file *f, struct err *err)
{
	char event_id[40];
	char *json = NULL;
	int rc = ERR_OK;
	procedure_init(&c->proc);
	for (int i = 0; rc == ERR_OK && i < f->by_bailiff; i++)
		rc = procedure_apply_event(&c->proc, &f->events[i], err);
	for (int i = f->by_bailiff; rc == ERR_OK && i < f->count; i++) {
		rc = procedures_record_event(c->conn, event_caller(c, f->events[i].kind), f->procedure, f->household, i,
					     &c->today, &c->proc, &f->events[i], NULL, &json, event_id, err);
		free(json);
		json = NULL;
	}
	if (rc == ERR_OK)
		c->n->events += f->count;
	return rc;
}

static void file_keep(struct demo_ctx *c, const struct demo_file *f)
{
	struct demo_reached *r = &c->reached[c->reached_count++];
	snprintf(r->household_id, sizeof(r->household_id), "%s", f->household);
	r->start = f->start;
	r->depth = f->depth;
	r->private_sector = f->private_sector;
}

/* The procedures of a year; keep: remember the households reached. */
static int procedures_year(struct demo_ctx *c, const struct demo_acts_year *acts, int year, const char *prefix,
			   bool keep, struct err *err)
{
	int cap = demo_plan_chain_count(acts);
	struct demo_chain *chains = calloc((size_t)(cap ? cap : 1), sizeof(*chains));        /* owned */
	struct demo_file *files = calloc(DEMO_BATCH_CHAINS, sizeof(*files));                   /* owned */
	if (chains == NULL || files == NULL) {
		free(chains);
		free(files);
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	int n = demo_plan_chains(&c->plan, acts, year, &c->rng, chains);
	int rc = n < 0 ? err_set(err, ERR_INTERNAL, "", "the plan of %d does not fit its calendar", year) : ERR_OK;
	if (rc == ERR_OK && keep) {
		free(c->reached);
		c->reached = calloc((size_t)(n ? n : 1), sizeof(*c->reached));
		c->reached_count = 0;
		if (c->reached == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	for (int from = 0; rc == ERR_OK && from < n; from += DEMO_BATCH_CHAINS) {
		int count = n - from < DEMO_BATCH_CHAINS ? n - from : DEMO_BATCH_CHAINS;
		rc = files_open(c, &chains[from], count, prefix, year, from, files, err);
		if (rc == ERR_OK)
			rc = files_import(c, files, count, err);
		for (int i = 0; rc == ERR_OK && i < count; i++) {
			rc = file_finish(c, &files[i], err);
			if (rc == ERR_OK && keep)
				file_keep(c, &files[i]);
		}
	}
	free(files);
	free(chains);
	return rc;
}

static void shuffle(struct demo_rng *rng, int *v, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = demo_rng_below(rng, i + 1), t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* Moves a referral one step through domain/referral.h's machine. */
static int referral_step(struct demo_ctx *c, const char *id, enum referral_step step, const char *commission_id,
			 const char *reason, struct err *err)
{
	struct ccapex_referral_lock lock;
	enum referral_status from, to;
	int rc = ccapex_store_referral_lock(c->conn, id, &c->viewer, &lock, err);
	if (rc == ERR_OK)
		rc = referral_parse_status(&from, lock.status, "status", err);
	if (rc == ERR_OK)
		rc = referral_step_apply(&to, from, step, lock.clil_examined, err);
	if (rc != ERR_OK)
		return rc;
	struct ccapex_referral_change change = {
		.status = referral_status_name(to),
		.inadmissible_reason = reason,
		.complex = -1,
		.step = referral_step_name(step),
		.commission_id = commission_id,
		.org_id = c->o->prefecture,
	};
	return ccapex_store_referral_change(c->conn, id, &change, err);
}

static int commission_status(struct demo_ctx *c, const char *id, enum commission_status from,
			     enum commission_status to, struct err *err)
{
	int rc = commission_check_status_change(from, to, err);
	struct ccapex_commission_patch patch = { .status = commission_status_name(to) };
	if (rc == ERR_OK)
		rc = ccapex_store_commission_update(c->conn, id, &patch, err);
	if (rc == ERR_OK && to == COMMISSION_CLOSED)
		rc = ccapex_store_commission_close_agenda(c->conn, id, c->o->prefecture, err);
	return rc;
}

static int commission_new(struct demo_ctx *c, enum commission_level level, const struct date *on, char id[40],
			  struct err *err)
{
	char day[DATE_STR_LEN], chairs[96];
	day_text(day, on);
	snprintf(chairs, sizeof(chairs), "{%s,%s}", c->o->prefecture, c->o->departement);
	struct ccapex_commission_new in = {
		.level = commission_level_name(level), .date = day, .time = "14:00",
		.place = c->place, .communes = "{}", .epcis = "{}",
		.chairs = chairs, .invited = "{}", .org_id = c->o->prefecture,
	};
	int rc = commission_check_level(level, false, err);
	if (rc == ERR_OK)
		rc = ccapex_store_commission_create(c->conn, &in, id, err);
	if (rc == ERR_OK)
		c->n->commissions++;
	return rc;
}

struct demo_referral {
	char id[40];
	char landlord[40];
	int epci;
	bool complex, examined;
	enum referral_kind kind;
	struct date on;
	int session;
};

static int referral_new(struct demo_ctx *c, struct demo_referral *r, int year, struct err *err)
{
	static const enum org_kind origin[] = {
		[REFERRAL_SOCIAL_LANDLORD] = ORG_KIND_SOCIAL_LANDLORD,
		[REFERRAL_PRIVATE_LANDLORD] = ORG_KIND_PRIVATE_LANDLORD,
		[REFERRAL_SIGNALLED] = ORG_KIND_DEPARTEMENT,
	};
	bool private_sector = r->kind == REFERRAL_PRIVATE_LANDLORD ||
			      (r->kind == REFERRAL_SIGNALLED && demo_rng_below(&c->rng, 2) == 0);
	int landlord = demo_rng_below(&c->rng, 2);
	const struct store_caller *by = r->kind == REFERRAL_SOCIAL_LANDLORD ? &c->social[landlord]
				      : r->kind == REFERRAL_PRIVATE_LANDLORD ? &c->private_landlord : &c->departement;
	char household[40], open_id[40], day[DATE_STR_LEN];
	struct referral_notice notice;
	int rc = referral_check_origin(origin[r->kind], r->kind, err);
	if (rc == ERR_OK)
		rc = household_new(c, by, r->epci, private_sector, landlord, household, err);
	if (rc == ERR_OK)
		rc = referral_check_notice(&notice, r->kind, r->kind != REFERRAL_SIGNALLED, &r->on, NULL, err);
	if (rc != ERR_OK)
		return rc;
	snprintf(r->landlord, sizeof(r->landlord), "%s",
		 private_sector ? c->o->private_landlord : c->o->social_landlord[landlord]);
	day_text(day, &r->on);
	(void)year;
	struct ccapex_referral_new in = {
		.household_id = household, .kind = referral_kind_name(r->kind), .debt_cents = "250000",
		.months_unpaid = "4", .reason = "Impayés de loyer, reprise du paiement à organiser",
		.complex = r->complex, .legal_entity = r->kind != REFERRAL_SIGNALLED, .referred_on = day,
		.notice_applies = notice.applies, .org_id = by->org_id,
	};
	rc = ccapex_store_referral_create(c->conn, &in, r->id, open_id, err);
	if (rc == ERR_OK)
		c->n->referrals++;
	return rc;
}

static int opinion_give(struct demo_ctx *c, const char *commission, const struct date *session,
			const struct demo_referral *r, struct err *err)
{
	static const enum opinion_decision decisions[] = { DECISION_KEEP_WITH_PAYMENT_PLAN, DECISION_FSL_AID };
	char opinion[40], due[DATE_STR_LEN];
	bool created = false;
	int version = 0;
	struct date due_on;
	date_add_days(&due_on, session, 60);
	day_text(due, &due_on);
	int rc = opinion_check_decisions(decisions, 2, session, err);
	if (rc == ERR_OK)
		rc = recommendation_check_due(&due_on, session, "due_on", err);
	if (rc == ERR_OK)
		rc = ccapex_store_opinion_put(c->conn, commission, r->id, "Maintien dans les lieux avec plan d'apurement",
					      "{keep_with_payment_plan,fsl_aid}", c->o->prefecture, opinion, &created, &version,
					      err);
	if (rc == ERR_OK)
		rc = referral_step(c, r->id, REFERRAL_EXAMINE, commission, NULL, err);
	if (rc == ERR_OK)
		rc = ccapex_store_recommendation_add(c->conn, opinion, r->landlord,
						     "Proposer un plan d'apurement et saisir le FSL", due,
						     "{social_landlord,private_landlord}", "addressee_org_id", err);
	return rc;
}

static struct date session_date(int year, int k, int n)
{
	struct date d;
	date_add_days(&d, &(struct date){ year, 1, 1 }, 6 + k * 352 / n);
	while (date_weekday(&d) != WEEKDAY_TUESDAY)
		date_add_days(&d, &d, 1);
	return d;
}

/* The year's referrals, operational sessions and their opinions, and the
 * doctrinal and strategic sessions. */
static int ccapex_year(struct demo_ctx *c, int y, struct err *err)
{
	const struct demo_referrals_year *p = &c->plan.referrals[y];
	int year = DEMO_FIRST_YEAR + y, total = 0;
	static struct demo_referral refs[DEMO_MAX_REFERRALS];
	int order[DEMO_MAX_REFERRALS];
	for (int e = 0; e < DEMO_EPCIS; e++)
		for (int i = 0; i < p->by_epci[e] && total < DEMO_MAX_REFERRALS; i++) {
			memset(&refs[total], 0, sizeof(refs[total]));
			refs[total].epci = e;
			refs[total].complex = i < p->complex_by_epci[e];
			order[total] = total;
			total++;
		}
	if (p->commissions > DEMO_MAX_SESSIONS || p->examined > total)
		return err_set(err, ERR_INTERNAL, "", "the referral plan of %d does not fit", year);
	shuffle(&c->rng, order, total);
	for (int i = 0; i < total; i++) {
		struct demo_referral *r = &refs[order[i]];
		r->kind = i < p->social_landlord ? REFERRAL_SOCIAL_LANDLORD
			: i < p->social_landlord + p->private_landlord ? REFERRAL_PRIVATE_LANDLORD : REFERRAL_SIGNALLED;
	}
	shuffle(&c->rng, order, total);
	struct date sessions[DEMO_MAX_SESSIONS];
	for (int k = 0; k < p->commissions; k++)
		sessions[k] = session_date(year, k, p->commissions);
	for (int i = 0; i < total; i++) {
		struct demo_referral *r = &refs[order[i]];
		r->examined = i < p->examined;
		r->session = i % p->commissions;
		struct date first = { year, 1, 2 };
		if (r->examined)
			date_add_days(&r->on, &sessions[r->session], -(7 + demo_rng_below(&c->rng, 28)));
		else
			date_add_days(&r->on, &first, demo_rng_below(&c->rng, 350));
		if (date_cmp(&r->on, &first) < 0)
			r->on = first;
	}
	int rc = ERR_OK;
	for (int i = 0; rc == ERR_OK && i < total; i++) {
		struct demo_referral *r = &refs[i];
		rc = referral_new(c, r, year, err);
		if (rc != ERR_OK)
			break;
		if (r->examined)
			rc = referral_step(c, r->id, REFERRAL_ADMIT, NULL, NULL, err);
		else if (i % 2 == 0)
			rc = referral_step(c, r->id, REFERRAL_REJECT, NULL, "Dette soldée avant examen", err);
		else
			rc = referral_step(c, r->id, REFERRAL_CLOSE, NULL, NULL, err);
	}
	for (int k = 0; rc == ERR_OK && k < p->commissions; k++) {
		char id[40];
		int position = 0;
		rc = commission_new(c, COMMISSION_OPERATIONAL, &sessions[k], id, err);
		for (int i = 0; rc == ERR_OK && i < total; i++)
			if (refs[i].examined && refs[i].session == k) {
				rc = commission_check_agenda_change(COMMISSION_PLANNED, err);
				if (rc == ERR_OK)
					rc = ccapex_store_agenda_add(c->conn, id, refs[i].id, &position, err);
				if (rc == ERR_OK)
					rc = referral_step(c, refs[i].id, REFERRAL_SCHEDULE, id, NULL, err);
			}
		if (rc == ERR_OK)
			rc = commission_status(c, id, COMMISSION_PLANNED, COMMISSION_IN_SESSION, err);
		for (int i = 0; rc == ERR_OK && i < total; i++)
			if (refs[i].examined && refs[i].session == k) {
				rc = commission_check_opinion(COMMISSION_IN_SESSION, err);
				if (rc == ERR_OK)
					rc = opinion_give(c, id, &sessions[k], &refs[i], err);
			}
		if (rc == ERR_OK)
			rc = commission_status(c, id, COMMISSION_IN_SESSION, COMMISSION_CLOSED, err);
	}
	/* Two doctrinal sessions and the strategic committee: not operational,
	 * so not counted among the commissions held. */
	static const struct { enum commission_level level; int m, d; } others[] = {
		{ COMMISSION_DOCTRINAL, 6, 14 }, { COMMISSION_DOCTRINAL, 12, 6 }, { COMMISSION_STRATEGIC, 3, 31 },
	};
	for (size_t i = 0; rc == ERR_OK && i < sizeof(others) / sizeof(others[0]); i++) {
		char id[40];
		struct date on = { year, others[i].m, others[i].d };
		rc = commission_new(c, others[i].level, &on, id, err);
		if (rc == ERR_OK)
			rc = commission_status(c, id, COMMISSION_PLANNED, COMMISSION_IN_SESSION, err);
		if (rc == ERR_OK)
			rc = commission_status(c, id, COMMISSION_IN_SESSION, COMMISSION_CLOSED, err);
	}
	return rc;
}

static unsigned mask(enum policy_relation rel)
{
	return 1u << rel;
}

/* Prevention letters to the households the year's procedures reached,
 * their answers and outcomes, and the ADIL's contacts. */
static int letters_year(struct demo_ctx *c, int y, struct err *err)
{
	const struct demo_letters_year *p = &c->plan.letters[y];
	int year = DEMO_FIRST_YEAR + y;
	if (p->sent > c->reached_count)
		return err_set(err, ERR_INTERNAL, "", "%d letters for %d households in %d", p->sent, c->reached_count, year);
	static const char *const meetings[] = { "meeting_mds", "meeting_ccas", "meeting_association" };
	char (*inputs)[512] = calloc((size_t)(p->sent > 0 ? p->sent : 1), sizeof(*inputs));        /* owned */
	const char **texts = calloc((size_t)(p->sent > 0 ? p->sent : 1), sizeof(*texts));         /* owned; borrowed */
	int rc = inputs != NULL && texts != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < p->sent; i++) {
		const struct demo_reached *h = &c->reached[i];
		struct letter_state s = { 0 };
		date_add_days(&s.sent_on, &h->start, 10);
		s.sent_on = in_year(&s.sent_on, year);
		s.answered = i < p->answered;
		const char *outcome = NULL;
		int k = i;
		if (s.answered) {
			s.has_answered_on = true;
			date_add_days(&s.answered_on, &s.sent_on, 15);
			if (k < p->payment_resumed)
				outcome = "payment_resumed";
			else if ((k -= p->payment_resumed) < p->debt_settled)
				outcome = "debt_settled";
			else if ((k -= p->debt_settled) < p->meetings)
				outcome = meetings[k % 3];
		}
		if (outcome != NULL) {
			enum letter_outcome lo;
			letter_outcome_parse(outcome, &lo);
			s.outcomes = 1u << lo;
		}
		rc = letter_check(&s, &c->today, err);
		char sent[DATE_STR_LEN], answered[DATE_STR_LEN];
		day_text(sent, &s.sent_on);
		day_text(answered, &s.answered_on);
		snprintf(inputs[i], sizeof(inputs[i]),
			 "{\"household_id\": \"%s\", \"operator_org_id\": \"%s\", \"sent_on\": \"%s\", \"channel\": \"post\","
			 " \"answered\": %s, \"answered_on\": %s%s%s, \"outcomes\": [%s%s%s]}",
			 h->household_id, c->o->adil, sent, s.answered ? "true" : "false", s.answered ? "\"" : "",
			 s.answered ? answered : "null", s.answered ? "\"" : "", outcome ? "\"" : "", outcome ? outcome : "",
			 outcome ? "\"" : "");
		texts[i] = inputs[i];
	}
	/* The letters are independent of one another: one round trip. */
	if (rc == ERR_OK)
		rc = field_store_create_many(c->conn, FIELD_LETTER, &c->field_pref, mask(POLICY_REL_DEPARTEMENT), p->sent,
					     texts, err);
	if (rc == ERR_OK)
		c->n->letters += p->sent;
	free(texts);
	free(inputs);
	for (int i = 0; rc == ERR_OK && i < p->adil_contacts; i++) {
		struct date on;
		char day[DATE_STR_LEN];
		date_add_days(&on, &(struct date){ year, 1, 3 }, i * 355 / p->adil_contacts);
		day_text(day, &on);
		bool landlord = i % 4 == 3;
		rc = demo_store_adil_contact(c->conn, c->o->adil, landlord ? NULL : c->reached[i % p->sent].household_id, day,
					     landlord ? "landlord" : "household", c->o->adil, err);
		if (rc == ERR_OK)
			c->n->contacts++;
	}
	return rc;
}

static int intervention(struct demo_ctx *c, const char *case_id, const struct date *opened, const char *kind,
			const struct date *on, const char *outcome, struct err *err)
{
	enum intervention_kind k;
	char day[DATE_STR_LEN], input[320];
	struct field_row row = { 0 };
	day_text(day, on);
	snprintf(input, sizeof(input), "{\"kind\": \"%s\", \"date\": \"%s\", \"agent\": \"Équipe mobile PEX\","
		 " \"outcome\": \"%s\"}", kind, day, outcome);
	int rc = intervention_kind_parse(kind, &k) == 0 ? ERR_OK : err_set(err, ERR_INTERNAL, "", "unknown kind");
	if (rc == ERR_OK)
		rc = intervention_check_date(on, opened, &c->today, err);
	if (rc == ERR_OK)
		rc = field_store_intervention_create(c->conn, &c->field_dep, case_id, input, &row, err);
	field_row_clear(&row);
	return rc;
}

/* The mobile team's cases: private-sector households at the summons stage
 * whose diagnostic could not be done, from April in its first year. */
static int mobile_year(struct demo_ctx *c, int y, struct err *err)
{
	const struct demo_mobile_year *p = &c->plan.mobile[y];
	int year = DEMO_FIRST_YEAR + y, made = 0, visits = 0, rc = ERR_OK;
	struct date from = { year, y > 0 && c->plan.mobile[y - 1].cases == 0 ? 4 : 1, 1 }, until = { year, 11, 30 };
	for (int i = c->reached_count - 1; rc == ERR_OK && i >= 0 && made < p->cases; i--) {
		const struct demo_reached *h = &c->reached[i];
		if (h->depth != DEMO_SUMMONS_ONLY || !h->private_sector || date_cmp(&h->start, &from) < 0 ||
		    date_cmp(&h->start, &until) > 0)
			continue;
		struct date opened, on, end = { year, 12, 31 };
		date_add_days(&opened, &h->start, 20);
		char day[DATE_STR_LEN], input[256], id[40], patch[256];
		day_text(day, &opened);
		snprintf(input, sizeof(input), "{\"household_id\": \"%s\", \"assigned_org_id\": \"%s\", \"opened_on\": \"%s\"}",
			 h->household_id, c->o->association, day);
		rc = field_store_create(c->conn, FIELD_OUTREACH_CASE, &c->field_dep, mask(POLICY_REL_DEPARTEMENT), input, id,
					err);
		if (rc != ERR_OK)
			break;
		c->n->cases++;
		int k = made++;
		enum outreach_outcome outcome = k < p->contact_established ? OUTREACH_CONTACT_ESTABLISHED
					      : k < p->contact_established + p->npai ? OUTREACH_NPAI : OUTREACH_NO_CONTACT;
		rc = intervention(c, id, &opened, "letter", &opened, "Courrier de présentation", err);
		date_add_days(&on, &opened, 3);
		on = in_year(&on, year);
		if (rc == ERR_OK)
			rc = intervention(c, id, &opened, "phone_call", &on, "Appel", err);
		/* Home visits: one per contact made (those cases come first),
		 * then the door knocked on at households never reached, until
		 * the plan's count. */
		bool want = outcome == OUTREACH_CONTACT_ESTABLISHED ||
			    (outcome == OUTREACH_NO_CONTACT && visits < p->home_visits);
		date_add_days(&on, &opened, 8);
		if (date_cmp(&on, &end) > 0)
			on = end;
		if (rc == ERR_OK && want) {
			rc = intervention(c, id, &opened, "home_visit", &on, "Visite à domicile", err);
			visits++;
		}
		bool settled = outcome == OUTREACH_CONTACT_ESTABLISHED && k < p->debts_settled;
		bool landlord = outcome == OUTREACH_CONTACT_ESTABLISHED && k >= p->debts_settled &&
				k < p->debts_settled + p->landlords_contacting_adil;
		snprintf(patch, sizeof(patch), "{\"outcome\": \"%s\", \"debt_settled\": %s, \"landlord_contacted_adil\": %s}",
			 outreach_outcome_name(outcome), settled ? "true" : "false", landlord ? "true" : "false");
		if (rc == ERR_OK)
			rc = field_store_update(c->conn, FIELD_OUTREACH_CASE, id, patch, err);
	}
	if (rc == ERR_OK && (made < p->cases || visits < p->home_visits))
		rc = err_set(err, ERR_INTERNAL, "", "%d: %d cases and %d visits of %d and %d planned", year, made, visits,
			     p->cases, p->home_visits);
	return rc;
}

/* The MASP measures: created, renewed and, once their end has passed,
 * completed, each step checked by domain/masp.h. */
static int measures(struct demo_ctx *c, struct err *err)
{
	int rc = ERR_OK;
	for (int i = 0; rc == ERR_OK && i < c->plan.measure_count; i++) {
		const struct demo_measure *m = &c->plan.measures[i];
		struct masp_state s = { .status = MASP_ACTIVE, .start_on = m->start };
		date_add_months(&s.planned_end_on, &m->start, m->initial_months);
		char household[40], id[40], start[DATE_STR_LEN], end[DATE_STR_LEN], input[320], patch[128];
		rc = household_new(c, &c->departement, i % DEMO_EPCIS, i % 2 == 0, i, household, err);
		if (rc == ERR_OK)
			rc = masp_check_new(&s, err);
		day_text(start, &s.start_on);
		day_text(end, &s.planned_end_on);
		snprintf(input, sizeof(input), "{\"household_id\": \"%s\", \"type\": %d, \"operator_org_id\": \"%s\","
			 " \"start_on\": \"%s\", \"planned_end_on\": \"%s\"}", household, m->type,
			 m->type == 2 ? c->o->association : c->o->departement, start, end);
		if (rc == ERR_OK)
			rc = field_store_create(c->conn, FIELD_MEASURE, &c->field_dep, mask(POLICY_REL_DEPARTEMENT), input, id,
						err);
		if (rc == ERR_OK)
			c->n->measures++;
		if (rc == ERR_OK && m->renewal_months > 0) {
			struct date on, until;
			date_add_days(&on, &s.planned_end_on, -15);
			date_add_months(&until, &s.planned_end_on, m->renewal_months);
			rc = masp_check_renewal(&s, &on, &until, err);
			char on_s[DATE_STR_LEN], until_s[DATE_STR_LEN];
			day_text(on_s, &on);
			day_text(until_s, &until);
			if (rc == ERR_OK)
				rc = field_store_masp_renew(c->conn, &c->field_dep, id, on_s, until_s, err);
			s.planned_end_on = until;
			s.renewals++;
		}
		if (rc == ERR_OK && date_cmp(&s.planned_end_on, &c->today) <= 0) {
			struct masp_state after = s;
			after.status = MASP_COMPLETED;
			after.has_end = true;
			after.end_on = s.planned_end_on;
			rc = masp_check_change(&s, &after, err);
			day_text(end, &after.end_on);
			snprintf(patch, sizeof(patch), "{\"status\": \"completed\", \"end_on\": \"%s\"}", end);
			if (rc == ERR_OK)
				rc = field_store_update(c->conn, FIELD_MEASURE, id, patch, err);
		}
	}
	return rc;
}

/* Months from the first missed payment to the signal, at least one. */
static int months_between(const struct date *from, const struct date *to)
{
	int m = (to->y - from->y) * 12 + (to->m - from->m);
	return m > 0 ? m : 1;
}

/* A demo CAF case's signal, on a household of its own carrying its CAF
 * number; in is the household's, out the signal to check. */
static int caf_case_signal(struct demo_ctx *c, const struct demo_caf_case *k, int i, struct household_input *in,
			   char caf_no[HOUSEHOLD_CAF_BYTES], struct import_caf_signal *out, struct err *err)
{
	if (c->caf_prefix != NULL)
		snprintf(caf_no, HOUSEHOLD_CAF_BYTES, "DEMO%sC%04d", c->caf_prefix, i + 1);
	else
		snprintf(caf_no, HOUSEHOLD_CAF_BYTES, "DEMO2027C%02d", i + 1);
	int rc = household_fill(c, in, i % DEMO_EPCIS, true, 0, err);
	if (rc != ERR_OK)
		return rc;
	in->set |= POLICY_FIELD_CAF_NUMBER;
	snprintf(in->caf_number, sizeof(in->caf_number), "%s", caf_no);
	char id[40];
	rc = households_store_insert(c->conn, &c->departement, in, id, err);
	if (rc != ERR_OK)
		return rc;
	c->n->households++;
	*out = (struct import_caf_signal){
		.caf_number = caf_no, .address_line = in->address_line, .postcode = in->postcode, .insee = in->insee,
		.debt_cents = k->debt_cents, .benefit_status = CAF_BENEFIT_KEPT, .date = k->date,
		.rent_known = k->rent_cents >= 0, .rent_cents = k->rent_cents > 0 ? k->rent_cents : 0,
		.charges_known = k->charges_cents >= 0, .charges_cents = k->charges_cents > 0 ? k->charges_cents : 0,
		.first_missed_known = k->first_missed_on.y != 0, .first_missed_on = k->first_missed_on,
	};
	out->months_unpaid = out->first_missed_known ? months_between(&k->first_missed_on, &k->date) : 2;
	return import_check_caf_signal(out, &c->today, err);
}

/* The decision the signal opened, taken as far as the case says, through
 * the domain's steps. */
static int caf_case_decision(struct demo_ctx *c, const struct demo_caf_case *k, const char *signal_id,
			     struct err *err)
{
	struct benefit_decision_filter f = { .caf_signal_id = signal_id };
	struct page_cursor after = { 0 };
	struct json_page page = { 0 };
	int rc = caf_store_decision_list(c->conn, STORE_EVERY_CASE, NULL, &f, &after, 1, &page, err);
	json_t *d = rc == ERR_OK && page.count == 1 ? json_loads(page.items[0], 0, NULL) : NULL;
	if (rc == ERR_OK && d == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "the demo signal of %s opened no decision", signal_id);
	const char *id = json_string_value(json_object_get(d, "id"));
	struct date decided, applied;
	date_add_days(&decided, &k->date, k->decided_after);
	date_add_days(&applied, &k->date, k->applied_after);
	if (rc == ERR_OK && k->step >= DEMO_DECISION_DECIDED)
		rc = benefit_decision_check_decide(BENEFIT_DECISION_OPEN, &k->date, &decided, err);
	if (rc == ERR_OK && k->step >= DEMO_DECISION_DECIDED)
		rc = caf_store_decision_decide(c->conn, id, (enum benefit_decision_outcome)k->outcome,
					       "Examen en CCAPEX opérationnelle : situation et plan d'apurement.", &decided,
					       c->o->prefecture, err);
	if (rc == ERR_OK && k->step == DEMO_DECISION_APPLIED)
		rc = benefit_decision_check_apply(BENEFIT_DECISION_DECIDED, &decided, &applied, err);
	if (rc == ERR_OK && k->step == DEMO_DECISION_APPLIED)
		rc = caf_store_decision_apply(c->conn, id, &applied, err);
	if (rc == ERR_OK)
		c->n->benefit_decisions++;
	json_decref(d);
	json_page_free(&page);
	return rc;
}

/* The CAF's signals of December 2026 to February 2027, through the
 * import's merge as a CAF's system sends them: judged under the rule of
 * their date, the constituted ones of 2027 opening benefit decisions.
 * count < 0: the Essonne's cases; else count of them, the plan's cases in
 * turn, under c->caf_prefix. */
static int caf_2027(struct demo_ctx *c, int count, struct err *err)
{
	const struct demo_caf_case *plan = NULL;
	int planned = demo_plan_caf_cases(&plan), n = count < 0 ? planned : count;
	if (n == 0)
		return ERR_OK;
	struct demo_caf_case *cases = calloc((size_t)n, sizeof(*cases));   /* owned */
	for (int i = 0; cases != NULL && i < n; i++)
		cases[i] = plan[i % planned];
	struct household_input *in = calloc((size_t)n, sizeof(*in));
	struct import_caf_signal *signals = calloc((size_t)n, sizeof(*signals));
	const struct import_caf_signal **items = calloc((size_t)n, sizeof(*items));
	const char **ids = calloc((size_t)n, sizeof(*ids));
	char (*caf_no)[HOUSEHOLD_CAF_BYTES] = calloc((size_t)n, sizeof(*caf_no));
	char (*ext)[32] = calloc((size_t)n, sizeof(*ext));
	struct import_result *results = calloc((size_t)n, sizeof(*results));
	int rc = cases && in && signals && items && ids && caf_no && ext && results
			 ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		rc = caf_case_signal(c, &cases[i], i, &in[i], caf_no[i], &signals[i], err);
		if (c->caf_prefix != NULL)
			snprintf(ext[i], sizeof(ext[i]), "DEMO-CAF-%s-%04d", c->caf_prefix, i + 1);
		else
			snprintf(ext[i], sizeof(ext[i]), "DEMO-CAF-2027-%02d", i + 1);
		items[i] = &signals[i];
		ids[i] = ext[i];
	}
	struct store_caller caf = caller_of(c->o->caf, "caf");
	if (rc == ERR_OK)
		rc = imports_store_merge_caf(c->conn, &caf, n, ids, items, results, err);
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		if (results[i].status == IMPORT_REJECTED || results[i].match != IMPORT_MATCH_MATCHED)
			rc = err_set(err, ERR_INTERNAL, "", "demo CAF signal %d: %s", i + 1, results[i].reason);
		else
			c->n->caf_signals++;
		if (rc == ERR_OK && cases[i].step != DEMO_DECISION_NONE)
			rc = caf_case_decision(c, &cases[i], results[i].resource_id, err);
	}
	free(cases);
	free(in);
	free(signals);
	free(items);
	free(ids);
	free(caf_no);
	free(ext);
	free(results);
	return rc;
}

static int essonne(struct demo_ctx *c, struct err *err)
{
	int rc = field_store_team_add(c->conn, c->o->association, err);
	for (int y = 0; rc == ERR_OK && y < DEMO_YEARS; y++) {
		rc = procedures_year(c, &c->plan.acts[y], DEMO_FIRST_YEAR + y, "DEMO-ESSONNE", true, err);
		if (rc == ERR_OK)
			rc = ccapex_year(c, y, err);
		if (rc == ERR_OK)
			rc = letters_year(c, y, err);
		if (rc == ERR_OK && c->plan.mobile[y].cases > 0)
			rc = mobile_year(c, y, err);
	}
	if (rc == ERR_OK)
		rc = measures(c, err);
	if (rc == ERR_OK)
		rc = caf_2027(c, -1, err);
	return rc;
}

/* Runs part in its own transaction unless its marker is there. */
static int part(struct demo_ctx *c, const char *marker, int (*fn)(struct demo_ctx *, void *, struct err *), void *arg,
		bool *skipped, struct err *err)
{
	bool loaded = false;
	int rc = demo_store_loaded(c->conn, marker, &loaded, err);
	*skipped = loaded;
	if (rc != ERR_OK || loaded)
		return rc;
	rc = db_begin(c->conn, err);
	if (rc == ERR_OK)
		rc = fn(c, arg, err);
	if (rc == ERR_OK)
		rc = db_commit(c->conn, err);
	if (rc != ERR_OK)
		db_rollback(c->conn);
	return rc;
}

static int essonne_part(struct demo_ctx *c, void *arg, struct err *err)
{
	(void)arg;
	return essonne(c, err);
}

static int scale_part(struct demo_ctx *c, void *arg, struct err *err)
{
	int unit = *(int *)arg, rc = ERR_OK;
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "DEMO-S%03d", unit);
	for (int y = 0; rc == ERR_OK && y < DEMO_YEARS; y++) {
		struct demo_acts_year a;
		demo_plan_scale_unit(&c->plan.acts[y], &a);
		rc = procedures_year(c, &a, DEMO_FIRST_YEAR + y, prefix, false, err);
	}
	return rc;
}

/* The callers the dataset acts as: those of orgs. */
static void ctx_orgs(struct demo_ctx *c, const struct demo_orgs *orgs)
{
	c->o = orgs;
	c->bailiff = caller_of(orgs->bailiff, "bailiff");
	c->prefecture = caller_of(orgs->prefecture, "prefecture");
	c->departement = caller_of(orgs->departement, "departement");
	c->social[0] = caller_of(orgs->social_landlord[0], "social_landlord");
	c->social[1] = caller_of(orgs->social_landlord[1], "social_landlord");
	c->private_landlord = caller_of(orgs->private_landlord, "private_landlord");
	c->field_pref = (struct field_caller){ orgs->prefecture, "prefecture", NULL, "demo-data" };
	c->field_dep = (struct field_caller){ orgs->departement, "departement", NULL, "demo-data" };
	c->viewer = (struct ccapex_viewer){ orgs->prefecture, "prefecture", mask(POLICY_REL_DEPARTEMENT),
					    mask(POLICY_REL_DEPARTEMENT), true };
}

/* A national département: its procedures year by year (the bailiff's
 * batches, the diagnostics and referrals they set going), its CCAPEX and
 * letters, then its CAF signals. */
struct national_unit {
	char prefix[16];
	int caf_count;
};

static int national_part(struct demo_ctx *c, void *arg, struct err *err)
{
	const struct national_unit *u = arg;
	int rc = ERR_OK;
	for (int y = 0; rc == ERR_OK && y < DEMO_YEARS; y++) {
		rc = procedures_year(c, &c->plan.acts[y], DEMO_FIRST_YEAR + y, u->prefix, true, err);
		if (rc == ERR_OK)
			rc = ccapex_year(c, y, err);
		if (rc == ERR_OK)
			rc = letters_year(c, y, err);
	}
	if (rc == ERR_OK)
		rc = caf_2027(c, u->caf_count, err);
	return rc;
}

/* Département d of the national dataset: its groups of communes from the
 * reference, its plan, then its part unless loaded. */
static int national_departement(struct demo_ctx *c, const struct demo_departement_orgs *dep, int per_million,
				bool *skipped, struct err *err)
{
	int d = demo_plan_departement_find(dep->code), slots = 0, weights[DEMO_EPCIS] = { 0 };
	if (d < 0)
		return err_set(err, ERR_INVALID, "", "no département %s in France", dep->code);
	memset(c->communes, 0, sizeof(c->communes));
	int rc = demo_store_slots(c->conn, dep->code, DEMO_EPCIS, c->slot_siren, weights, &slots, err);
	for (int e = 0; rc == ERR_OK && e < slots; e++)
		rc = demo_store_communes(c->conn, dep->code, c->slot_siren[e], c->insee[e], c->postcode[e],
					 &c->communes[e], err);
	if (rc == ERR_OK && (slots == 0 || c->communes[0] == 0))
		rc = err_set(err, ERR_INVALID, "", "no commune of département %s: load the reference data for France"
			     " (scripts/reference-france, or prevex reference load --etalab DIR)", dep->code);
	if (rc != ERR_OK)
		return rc;
	struct national_unit u;
	demo_plan_national(&c->plan, &u.caf_count, &c->essonne, d, per_million, weights);
	snprintf(u.prefix, sizeof(u.prefix), "DEMO-N%s", dep->code);
	snprintf(c->place, sizeof(c->place), "Préfecture, %s (%s)", dep->name, dep->code);
	c->caf_prefix = dep->code;
	ctx_orgs(c, &dep->o);
	/* Each département draws from its own stream. */
	demo_rng_init(&c->rng, DEMO_SEED + 1000 + (uint64_t)d);
	char marker[48];
	snprintf(marker, sizeof(marker), "%s-%d-000001", u.prefix, DEMO_FIRST_YEAR);
	return part(c, marker, national_part, &u, skipped, err);
}

int demo_load(PGconn *conn, const struct demo_orgs *orgs, int scale, const struct demo_national *national,
	      struct demo_counts *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	struct demo_ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	c->conn = conn;
	c->n = out;
	demo_plan_essonne(&c->plan);
	c->essonne = c->plan;
	demo_rng_init(&c->rng, DEMO_SEED);
	ctx_orgs(c, orgs);
	snprintf(c->place, sizeof(c->place), "%s", "Préfecture de l'Essonne, Évry-Courcouronnes");
	char today[11];
	int rc = demo_store_today(conn, today, err);
	if (rc == ERR_OK)
		rc = date_parse(&c->today, today, "today", err);
	for (int e = 0; rc == ERR_OK && e < DEMO_EPCIS; e++) {
		rc = demo_store_communes(conn, "91", c->plan.epci_siren[e], c->insee[e], c->postcode[e],
					 &c->communes[e], err);
		if (rc == ERR_OK && c->communes[e] == 0)
			rc = err_set(err, ERR_INTERNAL, "", "no commune in EPCI %s: load the reference data", c->plan.epci_siren[e]);
	}
	if (rc == ERR_OK)
		rc = part(c, "DEMO-ESSONNE-2019-000001", essonne_part, NULL, &out->essonne_skipped, err);
	for (int unit = 1; rc == ERR_OK && unit <= scale; unit++) {
		char marker[48];
		bool skipped = false;
		snprintf(marker, sizeof(marker), "DEMO-S%03d-%d-000001", unit, DEMO_FIRST_YEAR);
		/* Each unit draws from its own stream, so a resumed load is the same. */
		demo_rng_init(&c->rng, DEMO_SEED + (uint64_t)unit);
		rc = part(c, marker, scale_part, &unit, &skipped, err);
		if (skipped)
			out->scale_units_skipped++;
	}
	int national_count = national != NULL ? national->count : 0;
	for (int i = 0; rc == ERR_OK && i < national_count; i++) {
		bool skipped = false;
		rc = national_departement(c, &national->departements[i], national->per_million, &skipped, err);
		if (skipped)
			out->departements_skipped++;
	}
	/* The organisations' acts, counted as the service counts them after
	 * any write; then vacuuming, which after a run that found everything
	 * there would cost as much as after a load, for nothing. */
	long long refreshed = 0;
	if (rc == ERR_OK)
		rc = stats_store_refresh_all(conn, &refreshed, err);
	if (rc == ERR_OK && (!out->essonne_skipped || out->scale_units_skipped < scale ||
			     out->departements_skipped < national_count))
		rc = demo_store_analyze(conn, err);
	free(c->reached);
	free(c);
	return rc;
}
