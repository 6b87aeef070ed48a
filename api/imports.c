#include "api/imports.h"
#include "api/problem.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/households.h"
#include "api/households_json.h"
#include "api/json_in.h"
#include "api/log.h"
#include "api/procedures.h"
#include "api/tx.h"
#include "domain/deadlines.h"
#include "domain/parse.h"
#include "storage/db.h"

/* --- reading items ------------------------------------------------------------------ */

struct import_batch *imports_batch_new(enum import_kind kind, enum org_kind org_kind, int n)
{
	struct import_batch *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	size_t cap = (size_t)(n > 0 ? n : 1);
	b->kind = kind;
	b->org_kind = org_kind;
	b->n = n;
	json_in_today(&b->today);
	b->items = calloc(cap, sizeof(json_t *));
	b->external_ids = calloc(cap, sizeof(char *));
	b->results = calloc(cap, sizeof(struct import_result));
	b->valid = calloc(cap, sizeof(bool));
	if (kind == IMPORT_CAF_SIGNALS)
		b->caf = calloc(cap, sizeof(*b->caf));
	else if (kind == IMPORT_ADIL_CONTACTS)
		b->adil = calloc(cap, sizeof(*b->adil));
	else
		b->acts = calloc(cap, sizeof(*b->acts));
	if (b->items == NULL || b->external_ids == NULL || b->results == NULL || b->valid == NULL ||
	    (b->caf == NULL && b->adil == NULL && b->acts == NULL)) {
		imports_batch_free(b);
		return NULL;
	}
	return b;
}

void imports_batch_free(struct import_batch *b)
{
	if (b == NULL)
		return;
	for (int i = 0; b->items != NULL && i < b->n; i++)
		json_decref(b->items[i]);
	free(b->items);
	free(b->external_ids);
	free(b->caf);
	free(b->adil);
	free(b->acts);
	free(b->results);
	free(b->valid);
	free(b);
}

/* A string member, borrowed from obj; absent or null leaves *out NULL. */
static int member_string(const json_t *obj, const char *key, const char *field, bool required, const char **out,
			 struct err *err)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? err_set(err, ERR_INVALID, field, "%s is required", field) : ERR_OK;
	if (!json_is_string(v))
		return err_set(err, ERR_INVALID, field, "%s must be a string", field);
	*out = json_string_value(v);
	return ERR_OK;
}

/* Names and free text are stored trimmed: trims the string member key of
 * obj in place (obj belongs to the batch), before it is read. */
static int trim_member(json_t *obj, const char *key, struct err *err)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);
	if (s == NULL || strlen(s) != json_string_length(v))
		return ERR_OK;
	size_t start, n;
	plausible_trim_span(s, &start, &n);
	if (start == 0 && n == json_string_length(v))
		return ERR_OK;
	char *copy = strndup(s + start, n);
	int rc = copy != NULL && json_string_set(v, copy) == 0 ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	free(copy);
	return rc;
}

static int member_int(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out, struct err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return err_set(err, ERR_INVALID, key, "%s is required", key);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return err_set(err, ERR_INVALID, key, "%s must be an integer between %lld and %lld", key, (long long)min,
			       (long long)max);
	*out = json_integer_value(v);
	return ERR_OK;
}

/* An optional integer member: absent or null leaves *known false. */
static int member_opt_int(const json_t *obj, const char *key, int64_t min, int64_t max, bool *known, int64_t *out,
			  struct err *err)
{
	const json_t *v = json_object_get(obj, key);
	*known = v != NULL && !json_is_null(v);
	return *known ? member_int(obj, key, min, max, out, err) : ERR_OK;
}

/* An optional date member: absent or null leaves *known false. */
static int member_opt_date(const json_t *obj, const char *key, bool *known, struct date *out, struct err *err)
{
	const char *s = NULL;
	int rc = member_string(obj, key, key, false, &s, err);
	*known = s != NULL;
	if (rc == ERR_OK && s != NULL)
		rc = date_parse(out, s, key, err);
	return rc;
}

static int read_caf(json_t *o, const struct date *today, struct import_caf_signal *s, struct err *err)
{
	static const char *const allowed[] = { "external_id", "caf_number", "address", "holder_name", "debt_cents",
					       "months_unpaid", "benefit_status", "paid_to_landlord", "date",
					       "rent_cents", "charges_cents", "first_missed_on", NULL };
	bool date_given = false;
	static const char *const address_keys[] = { "line", "postcode", "insee", NULL };
	const char *status = NULL;
	int64_t v = 0;
	int rc = json_in_keys(o, allowed, NULL, err);
	const json_t *address = json_object_get(o, "address");
	if (rc == ERR_OK && !json_is_object(address))
		rc = err_set(err, ERR_INVALID, "address", "address must be an object {line, postcode, insee}");
	if (rc == ERR_OK && json_in_keys(address, address_keys, NULL, err) != ERR_OK)
		rc = err_set(err, ERR_INVALID, "address", "address takes line, postcode and insee only");
	if (rc == ERR_OK)
		rc = trim_member((json_t *)address, "line", err);
	if (rc == ERR_OK)
		rc = trim_member(o, "holder_name", err);
	if (rc == ERR_OK)
		rc = member_string(o, "caf_number", "caf_number", true, &s->caf_number, err);
	if (rc == ERR_OK)
		rc = member_string(address, "line", "address.line", true, &s->address_line, err);
	if (rc == ERR_OK)
		rc = member_string(address, "postcode", "address.postcode", true, &s->postcode, err);
	if (rc == ERR_OK)
		rc = member_string(address, "insee", "address.insee", true, &s->insee, err);
	if (rc == ERR_OK)
		rc = member_string(o, "holder_name", "holder_name", false, &s->holder_name, err);
	if (rc == ERR_OK)
		rc = member_int(o, "debt_cents", INT64_MIN, INT64_MAX, &s->debt_cents, err);
	if (rc == ERR_OK)
		rc = member_int(o, "months_unpaid", INT32_MIN, INT32_MAX, &v, err);
	s->months_unpaid = (int)v;
	if (rc == ERR_OK)
		rc = member_string(o, "benefit_status", "benefit_status", true, &status, err);
	if (rc == ERR_OK && caf_parse_benefit_status(status, &s->benefit_status) != 0)
		rc = err_set(err, ERR_INVALID, "benefit_status", "benefit_status must be kept or suspended");
	const json_t *paid = json_object_get(o, "paid_to_landlord");
	if (rc == ERR_OK && !json_is_boolean(paid))
		rc = err_set(err, ERR_INVALID, "paid_to_landlord", "paid_to_landlord must be true or false");
	s->paid_to_landlord = json_is_true(paid);
	if (rc == ERR_OK)
		rc = member_opt_date(o, "date", &date_given, &s->date, err);
	if (rc == ERR_OK && !date_given)
		rc = err_set(err, ERR_INVALID, "date", "date is required: the day the arrears are signalled");
	if (rc == ERR_OK)
		rc = member_opt_int(o, "rent_cents", INT64_MIN, INT64_MAX, &s->rent_known, &s->rent_cents, err);
	if (rc == ERR_OK)
		rc = member_opt_int(o, "charges_cents", INT64_MIN, INT64_MAX, &s->charges_known, &s->charges_cents, err);
	if (rc == ERR_OK)
		rc = member_opt_date(o, "first_missed_on", &s->first_missed_known, &s->first_missed_on, err);
	if (rc == ERR_OK)
		rc = import_check_caf_signal(s, today, err);
	return rc;
}

int imports_read_caf_signal(json_t *o, const struct date *today, struct import_caf_signal *s, struct err *err)
{
	return read_caf(o, today, s, err);
}

static int read_adil(json_t *o, const struct date *today, struct import_adil_contact *c, struct err *err)
{
	static const char *const allowed[] = { "external_id", "date", "party", "household_id", "subject", "outcome",
					       NULL };
	const char *date = NULL, *party = NULL, *outcome = NULL;
	int rc = json_in_keys(o, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = trim_member(o, "subject", err);
	if (rc == ERR_OK)
		rc = member_string(o, "date", "date", true, &date, err);
	if (rc == ERR_OK)
		rc = date_parse(&c->date, date, "date", err);
	if (rc == ERR_OK)
		rc = member_string(o, "party", "party", true, &party, err);
	if (rc == ERR_OK && adil_parse_party(party, &c->party) != 0)
		rc = err_set(err, ERR_INVALID, "party", "party must be household or landlord");
	if (rc == ERR_OK)
		rc = member_string(o, "household_id", "household_id", false, &c->household_id, err);
	if (rc == ERR_OK)
		rc = member_string(o, "subject", "subject", true, &c->subject, err);
	if (rc == ERR_OK)
		rc = member_string(o, "outcome", "outcome", true, &outcome, err);
	if (rc == ERR_OK && adil_parse_outcome(outcome, &c->outcome) != 0)
		rc = err_set(err, ERR_INVALID, "outcome",
			     "outcome must be information_given, referred, letter_sent, follow_up or no_follow_up");
	if (rc == ERR_OK)
		rc = import_check_adil_contact(c, today, err);
	return rc;
}

/* The household of an act, read and checked as POST /v1/households reads
 * it, with the fields the importer's kind may set. */
static int read_act_household(json_t *hh, enum org_kind kind, struct import_household *out, struct err *err)
{
	struct household_input *in = calloc(1, sizeof(*in));
	if (in == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = json_is_object(hh) ? households_json_read(hh, true, in, err)
				    : err_set(err, ERR_INVALID, "", "must be an object, as POST /v1/households takes");
	/* What is kept is borrowed from hh: trimmed there as it was read. */
	if (rc == ERR_OK)
		rc = trim_member(json_object_get(hh, "address"), "line", err);
	if (rc == ERR_OK)
		rc = trim_member(json_object_get(hh, "landlord"), "name", err);
	if (rc == ERR_OK)
		rc = household_check(in, true, err);
	const char *outside = households_json_outside(in->set, households_json_fields(kind, 1u << POLICY_REL_FILER));
	if (rc == ERR_OK && outside != NULL)
		rc = err_set(err, ERR_FORBIDDEN, outside, "this organisation may not set %s", outside);
	if (rc == ERR_OK) {
		const json_t *address = json_object_get(hh, "address");
		const json_t *landlord = json_object_get(hh, "landlord");
		out->address_line = json_string_value(json_object_get(address, "line"));
		out->postcode = json_string_value(json_object_get(address, "postcode"));
		out->insee = json_string_value(json_object_get(address, "insee"));
		out->sector = in->sector;
		out->landlord_org_id = json_string_value(json_object_get(landlord, "organisation_id"));
		out->landlord_name = json_string_value(json_object_get(landlord, "name"));
		out->rent_known = (in->set & POLICY_FIELD_RENT) && in->rent_given && in->rent_known;
		out->rent_cents = in->rent_cents;
		out->lease_known = (in->set & POLICY_FIELD_RENT) && in->lease_given && in->lease_known;
		out->lease_signed_on = in->lease_signed_on;
	}
	if (rc != ERR_OK)
		err_nest(err, "household", false);
	free(in);
	return rc;
}

static int read_act(json_t *o, enum org_kind kind, const struct date *today, struct import_act *a, struct err *err)
{
	static const char *const own[] = { "external_id", "file_reference", "caf_number", "holder_name", "household",
					   NULL };
	json_t *ev = json_object();
	const char *key;
	json_t *v;
	const char *corrects = NULL;
	int rc = ev != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	json_object_foreach((json_t *)o, key, v) {
		bool mine = false;
		for (int k = 0; own[k] != NULL; k++)
			mine = mine || strcmp(own[k], key) == 0;
		if (!mine && rc == ERR_OK)
			json_object_set(ev, key, v);
	}
	if (rc == ERR_OK)
		rc = trim_member(o, "file_reference", err);
	if (rc == ERR_OK)
		rc = trim_member(o, "holder_name", err);
	if (rc == ERR_OK)
		rc = member_string(o, "file_reference", "file_reference", true, &a->file_reference, err);
	if (rc == ERR_OK)
		rc = member_string(o, "caf_number", "caf_number", false, &a->caf_number, err);
	if (rc == ERR_OK)
		rc = member_string(o, "holder_name", "holder_name", false, &a->holder_name, err);
	if (rc == ERR_OK)
		rc = households_json_read_event(ev, &a->ev, &corrects, err);
	json_t *hh = json_object_get(o, "household");
	a->has_household = hh != NULL && !json_is_null(hh);
	if (rc == ERR_OK && a->has_household)
		rc = read_act_household(hh, kind, &a->household, err);
	if (rc == ERR_OK)
		rc = import_check_act(a, today, err);
	json_decref(ev);
	return rc;
}

void imports_batch_read(struct import_batch *b, int i, json_t *item)
{
	struct err e;
	err_clear(&e);
	b->items[i] = item;
	int rc = ERR_OK;
	if (!json_is_object(item))
		rc = err_set(&e, ERR_INVALID, "", "an item is a JSON object");
	if (rc == ERR_OK)
		rc = member_string(item, "external_id", "external_id", true, &b->external_ids[i], &e);
	if (rc == ERR_OK)
		rc = import_check_external_id(b->external_ids[i], &e);
	if (rc != ERR_OK)
		b->external_ids[i] = NULL;
	if (rc == ERR_OK && b->kind == IMPORT_CAF_SIGNALS)
		rc = read_caf(item, &b->today, &b->caf[i], &e);
	else if (rc == ERR_OK && b->kind == IMPORT_ADIL_CONTACTS)
		rc = read_adil(item, &b->today, &b->adil[i], &e);
	else if (rc == ERR_OK)
		rc = read_act(item, b->org_kind, &b->today, &b->acts[i], &e);
	b->valid[i] = rc == ERR_OK;
	b->results[i].status = IMPORT_PENDING;
	if (rc != ERR_OK)
		import_result_reject(&b->results[i], &e);
}

int imports_batch_dedupe(struct import_batch *b, struct err *err)
{
	int *first = calloc((size_t)(b->n > 0 ? b->n : 1), sizeof(int));
	if (first == NULL || import_find_duplicates(b->external_ids, b->n, first) != 0) {
		free(first);
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	for (int i = 0; i < b->n; i++) {
		if (first[i] < 0)
			continue;
		char why[128];
		snprintf(why, sizeof(why), "this external_id already came at index %d of this batch", first[i]);
		b->valid[i] = false;
		b->results[i].status = IMPORT_REJECTED;
		snprintf(b->results[i].field, sizeof(b->results[i].field), "external_id");
		snprintf(b->results[i].reason, sizeof(b->results[i].reason), "%s", why);
		b->results[i].why = ERR_REASON_GIVEN_TWICE;
	}
	free(first);
	return ERR_OK;
}

/* --- applying acts ------------------------------------------------------------------ */

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	out[0] = '\0';
	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
		return;
	static const char hex[] = "0123456789abcdef";
	for (unsigned int i = 0; i < n && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
		out[2 * i + 2] = '\0';
	}
}

/* What makes an act the same act again: its file and its event members. */
static void act_hash(json_t *item, char out[65])
{
	/* A shallow copy: the members deleted are the copy's own. */
	json_t *copy = json_copy(item);
	char *text = NULL;
	if (copy != NULL) {
		json_object_del(copy, "household");
		json_object_del(copy, "caf_number");
		json_object_del(copy, "holder_name");
		text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	}
	sha256_hex(text ? text : "", text ? strlen(text) : 0, out);
	free(text);
	json_decref(copy);
}

struct by_file {
	const char *ref;
	int item;
};

static int by_file_cmp(const void *a, const void *b)
{
	const struct by_file *x = a, *y = b;
	int c = strcmp(x->ref, y->ref);
	return c != 0 ? c : (x->item > y->item) - (x->item < y->item);
}

/* Everything the acts of a batch need, freed at once. */
struct acts_work {
	struct by_file *order;           /* valid items grouped by file, in item order */
	int count;
	int *file_start;                 /* file f's items: order[file_start[f] .. file_start[f + 1]) */
	struct import_file *files;
	int nfiles;
	const struct import_act **act_of;/* by item */
	struct import_act_ref *refs;     /* by item */
	struct import_history *histories;
	struct import_act_row *rows;
	int nrows;
	struct event *events;            /* by item: the event applied (a correction, maybe) */
	char (*corrects)[40];            /* by item */
	struct procedure *p;
};

static void acts_work_free(struct acts_work *w)
{
	for (int f = 0; w->histories != NULL && f < w->nfiles; f++)
		import_history_clear(&w->histories[f]);
	free(w->order);
	free(w->file_start);
	free(w->files);
	free(w->act_of);
	free(w->refs);
	free(w->histories);
	free(w->rows);
	free(w->events);
	free(w->corrects);
	free(w->p);
}

static int acts_group(struct import_batch *b, struct acts_work *w, struct err *err)
{
	size_t cap = (size_t)(b->n > 0 ? b->n : 1);
	w->order = calloc(cap, sizeof(*w->order));
	w->file_start = calloc(cap + 1, sizeof(int));
	w->files = calloc(cap, sizeof(*w->files));
	w->act_of = calloc(cap, sizeof(*w->act_of));
	w->refs = calloc(cap, sizeof(*w->refs));
	w->histories = calloc(cap, sizeof(*w->histories));
	w->rows = calloc(cap, sizeof(*w->rows));
	w->events = calloc(cap, sizeof(*w->events));
	w->corrects = calloc(cap, sizeof(*w->corrects));
	w->p = calloc(1, sizeof(*w->p));
	if (!w->order || !w->file_start || !w->files || !w->act_of || !w->refs || !w->histories || !w->rows ||
	    !w->events || !w->corrects || !w->p)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; i < b->n; i++) {
		w->act_of[i] = &b->acts[i];
		if (b->valid[i])
			w->order[w->count++] = (struct by_file){ b->acts[i].file_reference, i };
	}
	qsort(w->order, (size_t)w->count, sizeof(*w->order), by_file_cmp);
	for (int k = 0; k < w->count; k++) {
		if (k > 0 && strcmp(w->order[k - 1].ref, w->order[k].ref) == 0)
			continue;
		struct import_file *f = &w->files[w->nfiles];
		w->file_start[w->nfiles++] = k;
		f->reference = w->order[k].ref;
		f->first_item = w->order[k].item;
		/* The household comes with the first act that carries one. */
		for (int j = k; j < w->count && strcmp(w->order[j].ref, f->reference) == 0; j++) {
			if (b->acts[w->order[j].item].has_household) {
				f->first_item = w->order[j].item;
				break;
			}
		}
	}
	w->file_start[w->nfiles] = w->count;
	return ERR_OK;
}

/* The side effects of an accepted event, as api/procedures.c computes them. */
static int act_effects(struct import_act_row *row, const struct procedure *p, const struct date *today,
		       struct err *err)
{
	const struct event *ev = row->ev;
	if (ev->correction)
		return ERR_OK;
	row->diagnostic = ev->kind == EVENT_SUMMONS;
	row->referral = ev->kind == EVENT_PAYMENT_ORDER && procedure_ccapex_report_required(ev);
	if (ev->kind == EVENT_CFP_REQUEST) {
		row->queue_kind = "cfp_request";
		row->queue_has_due = true;
		row->queue_due = p->state.cfp_answer_due;
	} else if (ev->kind == EVENT_ORDER_TO_LEAVE) {
		struct deadline_list dl;
		row->queue_kind = "order_to_leave";
		/* Only earliest_cfp_request is read: no lease date needed. */
		int rc = deadlines_compute(&dl, p, today, NULL, NULL, err);
		if (rc != ERR_OK)
			return rc;
		row->queue_has_due = dl.has_earliest_cfp_request;
		row->queue_due = dl.earliest_cfp_request;
	}
	return ERR_OK;
}

/* One file's acts through the state machine, in item order, after its
 * recorded history: each accepted act becomes a row to write. */
static void acts_replay_file(struct import_batch *b, struct acts_work *w, int f, const struct date *today)
{
	struct import_file *file = &w->files[f];
	struct import_history *h = &w->histories[f];
	struct procedure *p = w->p;
	char ids[PROCEDURE_MAX_EVENTS][40];
	struct err e;
	err_clear(&e);
	int last_row = -1;
	if (procedure_replay(p, h->events, h->count, &e) != ERR_OK)
		err_set(&file->problem, ERR_INTERNAL, "", "this file's procedure does not replay: %s", e.message);
	for (int i = 0; i < h->count; i++)
		snprintf(ids[i], sizeof(ids[i]), "%s", h->event_ids[i]);
	for (int k = w->file_start[f]; k < w->file_start[f + 1]; k++) {
		int item = w->order[k].item;
		struct import_result *res = &b->results[item];
		const struct import_act *a = &b->acts[item];
		const struct import_act_ref *ref = &w->refs[item];
		struct event *ev = &w->events[item];
		char hash[65];
		err_clear(&e);
		res->match = file->match;
		res->candidates = file->candidates;
		snprintf(res->procedure_id, sizeof(res->procedure_id), "%s", file->procedure_id);
		snprintf(res->household_id, sizeof(res->household_id), "%s", file->household_id);
		if (file->problem.code != ERR_OK) {
			import_result_reject(res, &file->problem);
			continue;
		}
		if (!policy_allows_any(b->org_kind, procedures_event_action(a->ev.kind), file->relations)) {
			err_set(&e, ERR_FORBIDDEN, "kind", "this organisation may not record a %s here",
				procedure_kind_name(a->ev.kind));
			import_result_reject(res, &e);
			continue;
		}
		act_hash(b->items[item], hash);
		*ev = a->ev;
		const char *corrects = NULL;
		if (ref->event_id[0] != '\0') {
			if (strcmp(ref->procedure_id, file->procedure_id) != 0) {
				err_set_reason(&e, ERR_REASON_IMPORT_ACT_MISMATCH, "file_reference",
					"this external_id names an act of another file");
				import_result_reject(res, &e);
				continue;
			}
			if (strcmp(ref->hash, hash) == 0) {
				struct import_act_row *row = &w->rows[w->nrows++];
				memset(row, 0, sizeof(*row));
				row->item = item;
				snprintf(row->ref_event_id, sizeof(row->ref_event_id), "%s", ref->event_id);
				row->procedure_id = file->procedure_id;
				row->household_id = file->household_id;
				row->ev = ev;
				row->external_id = b->external_ids[item];
				memcpy(row->hash, hash, sizeof(row->hash));
				continue;
			}
			int pos = -1;
			for (int j = 0; j < p->log_count && pos < 0; j++)
				if (strcmp(ids[j], ref->event_id) == 0)
					pos = j;
			if (pos < 0 || p->log[pos].kind != ev->kind) {
				err_set_reason(&e, ERR_REASON_IMPORT_ACT_MISMATCH, "kind",
					"an act keeps its kind: send a new external_id for another act");
				import_result_reject(res, &e);
				continue;
			}
			ev->correction = true;
			ev->corrects = p->acts[p->act_of[pos]];
			snprintf(w->corrects[item], sizeof(w->corrects[item]), "%s", ids[ev->corrects]);
			corrects = w->corrects[item];
		}
		if (p->log_count >= PROCEDURE_MAX_EVENTS) {
			err_set_reason(&e, ERR_REASON_PROCEDURE_FULL, "file_reference", "this procedure holds the most events it can");
			import_result_reject(res, &e);
			continue;
		}
		int seq = p->log_count;
		const char *stage_before = procedure_stage_name(p->state.stage);
		if (procedure_apply_event(p, ev, &e) != ERR_OK) {
			import_result_reject(res, &e);
			continue;
		}
		struct import_act_row *row = &w->rows[w->nrows];
		memset(row, 0, sizeof(*row));
		row->item = item;
		db_new_uuid(row->event_id);
		snprintf(row->ref_event_id, sizeof(row->ref_event_id), "%s",
			 ref->event_id[0] != '\0' ? ref->event_id : row->event_id);
		snprintf(ids[seq], sizeof(ids[seq]), "%s", row->event_id);
		row->procedure_id = file->procedure_id;
		row->household_id = file->household_id;
		row->seq = seq;
		row->ev = ev;
		row->corrects_id = corrects;
		row->external_id = b->external_ids[item];
		memcpy(row->hash, hash, sizeof(row->hash));
		row->proc_new = file->opened;
		row->stage_before = stage_before;
		row->stage_after = procedure_stage_name(p->state.stage);
		row->status_after = procedure_status_name(p->state.status);
		if (act_effects(row, p, today, &e) != ERR_OK) {
			import_result_reject(res, &e);
			continue;
		}
		if (!ev->correction)
			last_row = w->nrows;
		w->nrows++;
	}
	/* The préfecture's queue keeps open only the item of the last event. */
	if (last_row >= 0 && w->rows[last_row].queue_kind != NULL)
		w->rows[last_row].queue_open = true;
	file->stage_after = procedure_stage_name(p->state.stage);
	file->status_after = procedure_status_name(p->state.status);
	file->event_count = p->log_count;
}

static int apply_acts(PGconn *conn, const struct store_caller *caller, struct import_batch *b, struct err *err)
{
	struct acts_work w = { 0 };
	struct date today = { 0 };
	int rc = acts_group(b, &w, err);
	if (rc == ERR_OK)
		rc = imports_store_lock_acts(conn, caller->org_id, err);
	if (rc == ERR_OK)
		rc = imports_store_find_files(conn, caller, w.nfiles, w.files, &today, err);
	if (rc == ERR_OK)
		rc = imports_store_open_files(conn, caller, w.nfiles, w.files, w.act_of, err);
	const char **ext = rc == ERR_OK ? calloc((size_t)(b->n > 0 ? b->n : 1), sizeof(char *)) : NULL;
	if (rc == ERR_OK && ext == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < b->n; i++)
		ext[i] = b->valid[i] ? b->external_ids[i] : NULL;
	if (rc == ERR_OK)
		rc = imports_store_act_refs(conn, caller->org_id, b->n, ext, w.refs, err);
	free(ext);
	if (rc == ERR_OK)
		rc = imports_store_load_histories(conn, w.nfiles, w.files, w.histories, err);
	for (int f = 0; rc == ERR_OK && f < w.nfiles; f++)
		acts_replay_file(b, &w, f, &today);
	if (rc == ERR_OK)
		rc = imports_store_write_acts(conn, caller, w.nfiles, w.files, w.nrows, w.rows, b->results, err);
	acts_work_free(&w);
	return rc;
}

int imports_batch_apply(PGconn *conn, const struct store_caller *caller, struct import_batch *b, struct err *err)
{
	if (b->kind == IMPORT_ACTS)
		return apply_acts(conn, caller, b, err);
	size_t cap = (size_t)(b->n > 0 ? b->n : 1);
	int rc = ERR_OK;
	if (b->kind == IMPORT_CAF_SIGNALS) {
		const struct import_caf_signal **items = calloc(cap, sizeof(*items));
		if (items == NULL)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
		for (int i = 0; i < b->n; i++)
			items[i] = b->valid[i] ? &b->caf[i] : NULL;
		rc = imports_store_merge_caf(conn, caller, b->n, b->external_ids, items, b->results, err);
		free(items);
	} else {
		const struct import_adil_contact **items = calloc(cap, sizeof(*items));
		if (items == NULL)
			return err_set(err, ERR_INTERNAL, "", "out of memory");
		for (int i = 0; i < b->n; i++)
			items[i] = b->valid[i] ? &b->adil[i] : NULL;
		rc = imports_store_merge_adil(conn, caller, b->n, b->external_ids, items, b->results, err);
		free(items);
	}
	return rc;
}

/* --- the answer ----------------------------------------------------------------------- */

/* A CAF signal's judgement, as caf_arrears_json() of 0017 writes it on
 * reads. Returns a new reference, or NULL. */
static json_t *arrears_json(const struct caf_arrears *a)
{
	json_t *tests = json_array();
	for (int t = 0; tests != NULL && t < CAF_TEST__COUNT; t++)
		if (a->tests_met & (1u << t))
			json_array_append_new(tests, json_string(caf_arrears_test_name(t)));
	char version[DATE_STR_LEN];
	if (a->version_known)
		date_format(version, &a->version);
	json_t *rule = a->basis == NULL ? json_null()
					: json_pack("{ss ss? ss}", "id", CAF_ARREARS_RULE_ID, "version",
						    a->version_known ? version : NULL, "basis", a->basis);
	json_t *constituted = a->constituted == CAF_UNKNOWN ? json_null()
							   : json_boolean(a->constituted == CAF_CONSTITUTED);
	if (tests == NULL || rule == NULL) {
		json_decref(tests);
		json_decref(rule);
		return NULL;
	}
	return json_pack("{so so so}", "constituted", constituted, "tests_met", tests, "rule", rule);
}

/* The per-item results and counts. Returns a new reference, or NULL. */
/* {code, type, field, reason}: a rejected item's problem, as the stored
 * results give it (storage/imports_store.c). Returns a new reference. */
static json_t *import_problem_json(const struct import_result *r)
{
	char type[96], pointer[160];
	enum err_reason why = r->why != ERR_REASON_NONE ? r->why : ERR_REASON_UNPROCESSABLE;
	problem_type(type, sizeof(type), why);
	problem_pointer(pointer, sizeof(pointer), r->field);
	return json_pack("{ss ss ss ss}", "code", err_reason_slug(why), "type", type, "field", pointer, "reason",
			 r->reason);
}

static json_t *batch_answer(const struct import_batch *b, const char *id)
{
	json_t *results = json_array();
	int counts[IMPORT__STATUS_COUNT] = { 0 };
	bool ok = results != NULL;
	for (int i = 0; ok && i < b->n; i++) {
		const struct import_result *r = &b->results[i];
		counts[r->status]++;
		json_t *o = json_pack("{si ss* ss}", "index", i, "external_id", b->external_ids[i], "status",
				      import_status_name(r->status));
		if (o != NULL && b->external_ids[i] == NULL)
			json_object_set_new(o, "external_id", json_null());
		if (o != NULL && r->resource_id[0] != '\0' && r->status != IMPORT_REJECTED)
			json_object_set_new(o, "id", json_string(r->resource_id));
		/* The way back from the act to its file and household. */
		if (o != NULL && r->procedure_id[0] != '\0' && r->status != IMPORT_REJECTED) {
			json_object_set_new(o, "procedure_id", json_string(r->procedure_id));
			json_object_set_new(o, "household_id", json_string(r->household_id));
		}
		if (o != NULL && r->match != IMPORT_MATCH_NONE) {
			json_object_set_new(o, "match", json_string(import_match_name(r->match)));
			/* 0 when the count would tell of households the importer cannot read. */
			if (r->match == IMPORT_MATCH_AMBIGUOUS && r->candidates > 0)
				json_object_set_new(o, "candidates", json_integer(r->candidates));
		}
		if (o != NULL && r->status == IMPORT_REJECTED)
			json_object_set_new(o, "problem", import_problem_json(r));
		else if (o != NULL && b->kind == IMPORT_CAF_SIGNALS && b->valid[i])
			ok = json_object_set_new(o, "arrears", arrears_json(&b->caf[i].arrears)) == 0;
		ok = ok && o != NULL && json_array_append_new(results, o) == 0;
	}
	json_t *answer = ok ? json_pack("{ss ss si s{si si si si} so}", "id", id, "kind", import_kind_name(b->kind),
					"item_count", b->n, "counts", "created", counts[IMPORT_CREATED], "updated",
					counts[IMPORT_UPDATED], "unchanged", counts[IMPORT_UNCHANGED], "rejected",
					counts[IMPORT_REJECTED], "results", results)
			    : NULL;
	if (answer == NULL && ok)
		return NULL;
	if (!ok)
		json_decref(results);
	return answer;
}

/* --- POST /v1/imports/{id}, the id naming the kind ------------------------------------------------------------ */

struct import_work {
	struct req *req;
	struct store_caller caller;
	struct import_batch *batch;
	const char *key;
	char hash[65];
	char id[40];
	bool is_job;
	int status;              /* the answer's */
	char *answer;            /* owned: its JSON text */
	bool replayed;
};

static int key_check(const char *key, struct err *err)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0)
		return err_set(err, ERR_INVALID, "Idempotency-Key", "Idempotency-Key is required on imports");
	if (n > 255)
		return err_set(err, ERR_INVALID, "Idempotency-Key", "Idempotency-Key is longer than 255 characters");
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return err_set(err, ERR_INVALID, "Idempotency-Key", "Idempotency-Key is printable ASCII");
	return ERR_OK;
}

static int too_many(struct err *err)
{
	return err_set(err, ERR_TOO_LARGE, "", "an import takes at most %d items", IMPORT_MAX_ITEMS);
}

/* The body's items: a JSON array, or NDJSON (one object per line). */
static int read_items(struct import_work *w, enum import_kind kind, bool ndjson, struct err *err)
{
	const char *data = w->req->u->binary_body;
	size_t len = w->req->u->binary_body_length;
	if (data == NULL || len == 0)
		return err_set(err, ERR_INVALID, "", "the body holds the items to import");
	if (!ndjson) {
		json_error_t jerr;
		json_t *arr = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
		if (arr == NULL)
			return err_set(err, ERR_INVALID, "", "malformed JSON at line %d, column %d: %s", jerr.line,
				       jerr.column, jerr.text);
		if (!json_is_array(arr)) {
			json_decref(arr);
			return err_set(err, ERR_INVALID, "", "expected a JSON array of items");
		}
		if (json_array_size(arr) > IMPORT_MAX_ITEMS) {
			json_decref(arr);
			return too_many(err);
		}
		w->batch = imports_batch_new(kind, w->req->actor.kind, (int)json_array_size(arr));
		for (size_t i = 0; w->batch != NULL && i < json_array_size(arr); i++)
			imports_batch_read(w->batch, (int)i, json_incref(json_array_get(arr, i)));
		json_decref(arr);
		return w->batch ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	int lines = 0;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - data) : len;
		if (strspn(data + off, " \t\r") < end - off)
			lines++;
		off = end + 1;
	}
	if (lines > IMPORT_MAX_ITEMS)
		return too_many(err);
	w->batch = imports_batch_new(kind, w->req->actor.kind, lines);
	if (w->batch == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int i = 0;
	for (size_t off = 0; off < len && i < lines;) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - data) : len;
		if (strspn(data + off, " \t\r") < end - off) {
			json_t *item = json_loadb(data + off, end - off, JSON_REJECT_DUPLICATES, NULL);
			imports_batch_read(w->batch, i++, item);
		}
		off = end + 1;
	}
	return ERR_OK;
}

static int request_hash(struct import_work *w, enum import_kind kind, bool ndjson)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	const char *head = ndjson ? "ndjson\n" : "json\n";
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, import_kind_name(kind), strlen(import_kind_name(kind))) == 1 &&
		 EVP_DigestUpdate(ctx, "\n", 1) == 1 && EVP_DigestUpdate(ctx, head, strlen(head)) == 1 &&
		 EVP_DigestUpdate(ctx, w->req->u->binary_body, w->req->u->binary_body_length) == 1 &&
		 EVP_DigestFinal_ex(ctx, md, &n) == 1;
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; ok && i < n && i < 32; i++)
		snprintf(w->hash + 2 * i, 3, "%02x", md[i]);
	return ok ? 0 : -1;
}

static int save(PGconn *conn, struct import_work *w, struct err *err)
{
	char client[40] = "";
	if (w->caller.client_id != NULL && parse_is_uuid(w->caller.client_id))
		snprintf(client, sizeof(client), "%s", w->caller.client_id);
	struct import_record rec = {
		.id = w->id, .org_id = w->caller.org_id, .org_kind = w->caller.kind,
		.client_id = client[0] ? client : NULL, .key = w->key, .request_hash = w->hash,
		.kind = w->batch->kind, .item_count = w->batch->n, .is_job = w->is_job,
		.http_status = w->status, .response = w->answer,
	};
	return imports_store_save(conn, &rec, err);
}

static int stage_job(PGconn *conn, struct import_work *w, struct err *err)
{
	struct import_batch *b = w->batch;
	char **payloads = calloc((size_t)(b->n > 0 ? b->n : 1), sizeof(char *));
	int rc = payloads != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	for (int i = 0; rc == ERR_OK && i < b->n; i++) {
		payloads[i] = b->items[i] ? json_dumps(b->items[i], JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
		if (payloads[i] == NULL)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	if (rc == ERR_OK)
		rc = imports_store_stage_items(conn, w->id, b->n, b->external_ids, (const char *const *)payloads,
					       b->results, err);
	for (int i = 0; payloads != NULL && i < b->n; i++)
		free(payloads[i]);
	free(payloads);
	return rc;
}

static int imports_post_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct import_work *w = ctx;
	struct import_claim claim;
	int rc = imports_store_claim(conn, w->caller.org_id, w->key, w->hash, &claim, err);
	if (rc == ERR_OK && claim.found) {
		w->replayed = true;
		w->status = claim.http_status;
		w->answer = claim.response;
		claim.response = NULL;
		snprintf(w->id, sizeof(w->id), "%s", claim.id);
		import_claim_clear(&claim);
		return ERR_OK;
	}
	import_claim_clear(&claim);
	json_t *answer = NULL;
	if (rc == ERR_OK && w->is_job) {
		w->status = 202;
		answer = json_pack("{ss ss ss si}", "id", w->id, "kind", import_kind_name(w->batch->kind), "status",
				   "queued", "item_count", w->batch->n);
	} else if (rc == ERR_OK) {
		rc = imports_batch_apply(conn, &w->caller, w->batch, err);
		w->status = 200;
		answer = rc == ERR_OK ? batch_answer(w->batch, w->id) : NULL;
	}
	if (rc == ERR_OK && answer == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "cannot build the import's answer");
	if (rc == ERR_OK) {
		w->answer = json_dumps(answer, JSON_COMPACT);
		rc = w->answer ? save(conn, w, err) : err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	/* A job's items after its row, which they reference. */
	if (rc == ERR_OK && w->is_job)
		rc = stage_job(conn, w, err);
	json_decref(answer);
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "create", "import", w->id, "ok", err);
	return rc;
}

int imports_post(struct req *req, struct reply *rep, struct err *err)
{
	struct import_work w = { .req = req };
	enum import_kind kind = IMPORT_ACTS;
	households_caller(req, &w.caller);
	const char *ctype = req_header(req, "Content-Type");
	bool ndjson = http_media_type_is(ctype, "application/x-ndjson");
	int rc = import_parse_kind(req_param(req, "id"), &kind) == 0 ? ERR_OK
									: err_set(err, ERR_NOT_FOUND, "", "no such import kind");
	if (rc == ERR_OK)
		rc = auth_require(req, import_policy_action(kind), err);
	if (rc == ERR_OK && !ndjson && !http_media_type_is(ctype, "application/json"))
		rc = err_set(err, ERR_UNSUPPORTED_MEDIA, "Content-Type",
			     "expected Content-Type: application/json (an array) or application/x-ndjson");
	w.key = req_header(req, "Idempotency-Key");
	if (rc == ERR_OK)
		rc = key_check(w.key, err);
	if (rc == ERR_OK && request_hash(&w, kind, ndjson) != 0)
		rc = err_set(err, ERR_INTERNAL, "", "cannot hash the request");
	if (rc == ERR_OK)
		rc = read_items(&w, kind, ndjson, err);
	if (rc == ERR_OK)
		rc = imports_batch_dedupe(w.batch, err);
	if (rc == ERR_OK) {
		db_new_uuid(w.id);
		w.is_job = w.batch->n > req->app->cfg.import_sync_max;
		rc = tx_run(req, imports_post_tx, &w, err);
	}
	json_t *o = rc == ERR_OK ? json_loads(w.answer, 0, NULL) : NULL;
	if (rc == ERR_OK && o == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "stored import answer is not JSON");
	if (rc == ERR_OK) {
		if (w.status == 202) {
			char location[96];
			snprintf(location, sizeof(location), "/v1/imports/%s", w.id);
			reply_header(rep, "Location", location);
		}
		if (w.replayed)
			reply_header(rep, "Idempotent-Replayed", "true");
		rc = reply_json(rep, w.status, o);
	}
	free(w.answer);
	imports_batch_free(w.batch);
	return rc;
}

/* --- GET /v1/imports/{id} ------------------------------------------------------------------ */

/* A job's results come a page at a time. */
#define IMPORT_RESULTS_DEFAULT 1000
#define IMPORT_RESULTS_MAX 10000

struct import_read {
	const char *org_id, *id;
	int results_after, results_limit;
	char *json;
	int status;
};

static int imports_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct import_read *r = ctx;
	return imports_store_get(conn, r->org_id, r->id, r->results_after, r->results_limit, &r->json, &r->status,
				 err);
}

int imports_get(struct req *req, struct reply *rep, struct err *err)
{
	struct import_read r = { .org_id = req->actor.org_id };
	int rc = req_path_uuid(req, "id", &r.id, err);
	if (rc == ERR_OK)
		rc = req_query_int(req, "results_after", -1, IMPORT_MAX_ITEMS, -1, &r.results_after, err);
	if (rc == ERR_OK)
		rc = req_query_int(req, "results_limit", 1, IMPORT_RESULTS_MAX, IMPORT_RESULTS_DEFAULT,
				   &r.results_limit, err);
	if (rc == ERR_OK)
		rc = tx_run(req, imports_get_tx, &r, err);
	json_t *o = rc == ERR_OK ? json_loads(r.json, 0, NULL) : NULL;
	if (rc == ERR_OK && o == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "import %s is not JSON", r.id);
	if (rc == ERR_OK)
		rc = reply_json(rep, r.status == 202 ? 200 : r.status, o);
	free(r.json);
	return rc;
}
