#include "api/households_json.h"

#include <stdio.h>
#include <string.h>

#include "api/json_in.h"
#include "domain/date.h"
#include "domain/parse.h"
#include "domain/reference.h"

static const char *const household_allowed[] = {
	"address", "sector", "landlord", "occupants", "rent_cents", "charges_cents", "lease_signed_on", "income_cents",
	"housing_benefit", "caf_number", "contact", "vulnerability_notes", "holder_name", NULL,
};
static const char *const household_refused[] = {
	"id", "version", "created_by_org", "created_at", "updated_at", "stage", "commune", "epci", "procedures", NULL,
};

/* Puts prefix before the field and the message of a nested member's error. */
static int nested(int rc, const char *prefix, struct err *err)
{
	if (rc != ERR_OK)
		err_nest(err, prefix, true);
	return rc;
}

static bool is_absent(const json_t *v)
{
	return v == NULL;
}

/* An object member that must be an object (or null when nullable). */
static int object_member(const json_t *body, const char *key, bool nullable, const json_t **out, struct err *err)
{
	*out = json_object_get(body, key);
	if (*out == NULL)
		return ERR_OK;
	if (json_is_null(*out) && nullable)
		return ERR_OK;
	if (!json_is_object(*out))
		return err_set(err, ERR_INVALID, key, "%s must be an object%s", key, nullable ? " or null" : "");
	return ERR_OK;
}

/* The failure of one member, if any, joins the others of the body. */
static void gather(struct err *err, int rc, const struct err *one)
{
	if (rc != ERR_OK)
		err_add(err, one);
}

static int read_address(const json_t *a, struct household_input *out, struct err *err)
{
	static const char *const allowed[] = { "line", "postcode", "insee", NULL };
	bool present;
	struct err one;
	err_clear(err);
	gather(err, json_in_keys(a, allowed, NULL, &one), &one);
	gather(err,
	       json_in_text(a, "line", true, TEXT_LINE, out->address_line, sizeof(out->address_line), &present, &one),
	       &one);
	int rc = json_in_string(a, "postcode", true, out->postcode, sizeof(out->postcode), &present, &one);
	if (rc == ERR_OK && (strlen(out->postcode) != 5 || strspn(out->postcode, "0123456789") != 5))
		rc = err_set(&one, ERR_INVALID, "postcode", "postcode must be 5 digits");
	gather(err, rc, &one);
	rc = json_in_string(a, "insee", true, out->insee, sizeof(out->insee), &present, &one);
	if (rc == ERR_OK && !reference_insee_is_valid(out->insee))
		rc = err_set(&one, ERR_INVALID, "insee", "insee must be a commune code like 91174");
	gather(err, rc, &one);
	return nested(err->code, "address", err);
}

static int read_landlord(const json_t *l, struct household_input *out, struct err *err)
{
	static const char *const allowed[] = { "organisation_id", "name", "contact", NULL };
	bool has_org = false, has_name = false, present;
	int rc = json_in_keys(l, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_string(l, "organisation_id", false, out->landlord_org_id, sizeof(out->landlord_org_id),
				    &has_org, err);
	if (rc == ERR_OK && has_org && !parse_is_uuid(out->landlord_org_id))
		rc = err_set(err, ERR_INVALID, "organisation_id", "organisation_id must be a UUID");
	if (rc == ERR_OK)
		rc = json_in_text(l, "name", false, TEXT_LINE, out->landlord_name, sizeof(out->landlord_name), &has_name,
				  err);
	if (rc == ERR_OK)
		rc = json_in_text(l, "contact", false, TEXT_MULTILINE, out->landlord_contact,
				  sizeof(out->landlord_contact), &present, err);
	if (rc == ERR_OK && has_org == has_name)
		rc = err_set(err, ERR_INVALID, "organisation_id",
			     "give either organisation_id (a landlord organisation) or name (a private person)");
	if (rc == ERR_OK && has_org && present)
		rc = err_set(err, ERR_INVALID, "contact", "contact goes with a private landlord's name");
	out->landlord_is_org = has_org;
	return nested(rc, "landlord", err);
}

static int read_occupants(const json_t *o, struct household_input *out, struct err *err)
{
	static const char *const allowed[] = { "adults", "children", NULL };
	int64_t adults = 0, children = 0;
	bool present;
	int rc = json_in_keys(o, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_int(o, "adults", true, 0, 1000, &adults, &present, err);
	if (rc == ERR_OK)
		rc = json_in_int(o, "children", false, 0, 1000, &children, &present, err);
	out->adults = (int)adults;
	out->children = (int)children;
	return nested(rc, "occupants", err);
}

static int read_benefit(const json_t *b, struct household_input *out, struct err *err)
{
	static const char *const allowed[] = { "kind", "paid_to", NULL };
	char kind[16], paid_to[16];
	bool present;
	out->paid_to = PAYEE_NONE;
	int rc = json_in_keys(b, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_string(b, "kind", true, kind, sizeof(kind), &present, err);
	if (rc == ERR_OK && household_parse_benefit(kind, &out->benefit) != 0)
		rc = err_set(err, ERR_INVALID, "kind", "kind must be none, al or apl");
	if (rc == ERR_OK)
		rc = json_in_string(b, "paid_to", false, paid_to, sizeof(paid_to), &present, err);
	if (rc == ERR_OK && present && household_parse_payee(paid_to, &out->paid_to) != 0)
		rc = err_set(err, ERR_INVALID, "paid_to", "paid_to must be tenant or landlord");
	return nested(rc, "housing_benefit", err);
}

static int read_contact(const json_t *c, struct household_input *out, struct err *err)
{
	static const char *const allowed[] = { "phone", "email", NULL };
	bool present;
	int rc = json_in_keys(c, allowed, NULL, err);
	if (rc == ERR_OK)
		rc = json_in_text(c, "phone", false, TEXT_LINE, out->phone, sizeof(out->phone), &present, err);
	if (rc == ERR_OK)
		rc = json_in_text(c, "email", false, TEXT_LINE, out->email, sizeof(out->email), &present, err);
	return nested(rc, "contact", err);
}

/* A nullable cents member: *given when the member is there, *known when it
 * is a number. */
static int read_cents(const json_t *body, const char *key, bool *given, bool *known, int64_t *out,
		      struct err *err)
{
	const json_t *v = json_object_get(body, key);
	*given = v != NULL;
	*known = false;
	if (v == NULL || json_is_null(v))
		return ERR_OK;
	return json_in_int(body, key, true, 0, HOUSEHOLD_MAX_MONTHLY_CENTS, out, known, err);
}

/* A nullable free-text member: null clears it, a string sets it. */
static int read_text(const json_t *body, const char *key, enum text_kind kind, char *out, size_t len,
		     unsigned group, unsigned *set, struct err *err)
{
	bool present;
	if (json_object_get(body, key) == NULL)
		return ERR_OK;
	*set |= group;
	return json_in_text(body, key, false, kind, out, len, &present, err);
}

/* A nullable caf_number: null clears it; a string matches ^[0-9A-Z]{1,20}$. */
static int read_caf_number(const json_t *body, struct household_input *out, struct err *err)
{
	bool present;
	if (json_object_get(body, "caf_number") == NULL)
		return ERR_OK;
	out->set |= POLICY_FIELD_CAF_NUMBER;
	int rc = json_in_string(body, "caf_number", false, out->caf_number, sizeof(out->caf_number), &present, err);
	size_t n = strlen(out->caf_number);
	if (rc == ERR_OK && present &&
	    (n < 1 || n > 20 || strspn(out->caf_number, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n))
		rc = err_set(err, ERR_INVALID, "caf_number", "caf_number must be 1 to 20 digits or capital letters");
	return rc;
}

static int read_sector(const json_t *body, struct household_input *out, struct err *err)
{
	char sector[16];
	bool present = false;
	int rc = json_in_string(body, "sector", false, sector, sizeof(sector), &present, err);
	if (rc == ERR_OK && present) {
		out->set |= HOUSEHOLD_SECTOR;
		if (household_parse_sector(sector, &out->sector) != 0)
			rc = err_set(err, ERR_INVALID, "sector", "sector must be social or private");
	}
	if (rc == ERR_OK && json_is_null(json_object_get(body, "sector")))
		rc = err_set(err, ERR_INVALID, "sector", "sector must be social or private");
	return rc;
}

/* An object member read by reader when present (and not null, when
 * nullable), marking group as set. */
static int read_group(const json_t *body, const char *key, bool nullable, unsigned group,
		      int (*reader)(const json_t *, struct household_input *, struct err *), struct household_input *out,
		      struct err *err)
{
	const json_t *v;
	int rc = object_member(body, key, nullable, &v, err);
	if (rc != ERR_OK || is_absent(v))
		return rc;
	out->set |= group;
	if (json_is_null(v))
		return ERR_OK;
	return reader(v, out, err);
}

static int read_money(const json_t *body, struct household_input *out, struct err *err)
{
	struct err one;
	bool income_given = false, known = false;
	int rc = read_cents(body, "rent_cents", &out->rent_given, &out->rent_known, &out->rent_cents, &one);
	gather(err, rc, &one);
	rc = read_cents(body, "charges_cents", &out->charges_given, &out->charges_known, &out->charges_cents, &one);
	gather(err, rc, &one);
	rc = households_json_read_lease(body, &out->lease_given, &out->lease_known, &out->lease_signed_on, &one);
	gather(err, rc, &one);
	if (out->rent_given || out->charges_given || out->lease_given)
		out->set |= POLICY_FIELD_RENT;
	rc = read_cents(body, "income_cents", &income_given, &known, &out->income_cents, &one);
	gather(err, rc, &one);
	out->income_known = known;
	if (income_given)
		out->set |= POLICY_FIELD_INCOME;
	return err->code;
}

/* The lease holder's name comes with imported acts and signals, where it
 * serves to match them; a household's is corrected here, or erased with
 * null. It is not part of the household's answer (only of its export). */
static int read_holder(const json_t *body, bool creating, struct household_input *out, struct err *err)
{
	bool present = false;
	if (json_object_get(body, "holder_name") == NULL)
		return ERR_OK;
	if (creating)
		return err_set(err, ERR_INVALID, "holder_name",
			       "holder_name comes with imported acts and signals; it is corrected on an existing household");
	out->holder_given = true;
	return json_in_text(body, "holder_name", false, TEXT_LINE, out->holder_name, sizeof(out->holder_name),
			    &present, err);
}

int households_json_read(const json_t *body, bool creating, struct household_input *out, struct err *err)
{
	/* Each member is read on its own: one answer lists every member at
	 * fault, not only the first. */
	memset(out, 0, sizeof(*out));
	struct err one;
	err_clear(err);
	gather(err, json_in_keys(body, household_allowed, household_refused, &one), &one);
	gather(err, read_group(body, "address", false, POLICY_FIELD_ADDRESS, read_address, out, &one), &one);
	gather(err, read_sector(body, out, &one), &one);
	gather(err, read_group(body, "landlord", true, POLICY_FIELD_LANDLORD, read_landlord, out, &one), &one);
	gather(err, read_group(body, "occupants", false, POLICY_FIELD_OCCUPANTS, read_occupants, out, &one), &one);
	read_money(body, out, err);
	if (json_object_get(body, "housing_benefit") != NULL)
		out->benefit = BENEFIT_NONE;
	gather(err, read_group(body, "housing_benefit", true, POLICY_FIELD_HOUSING_BENEFIT, read_benefit, out, &one),
	       &one);
	gather(err, read_caf_number(body, out, &one), &one);
	gather(err, read_group(body, "contact", true, POLICY_FIELD_CONTACT, read_contact, out, &one), &one);
	gather(err, read_text(body, "vulnerability_notes", TEXT_MULTILINE, out->vulnerability_notes,
			      sizeof(out->vulnerability_notes), POLICY_FIELD_VULNERABILITY, &out->set, &one),
	       &one);
	gather(err, read_holder(body, creating, out, &one), &one);
	if (err->code == ERR_OK && !creating && out->set == 0 && !out->holder_given)
		err_set(err, ERR_INVALID, "", "the body changes nothing");
	return err->code;
}

int households_json_read_lease(const json_t *body, bool *given, bool *known, struct date *out, struct err *err)
{
	const json_t *v = json_object_get(body, "lease_signed_on");
	*given = v != NULL;
	*known = false;
	if (v == NULL || json_is_null(v))
		return ERR_OK;
	return json_in_date(body, "lease_signed_on", true, DATE_KIND_LEASE, NULL, out, known, err);
}

unsigned households_json_fields(enum org_kind kind, unsigned relations)
{
	unsigned fields = 0;
	for (int r = 0; r < POLICY_REL__COUNT; r++)
		if (relations & (1u << r))
			fields |= policy_household_fields(kind, (enum policy_relation)r);
	return fields;
}

void households_json_mask(json_t *household, unsigned fields)
{
	for (unsigned bit = 1; bit & POLICY_FIELD_ALL; bit <<= 1) {
		if (fields & bit)
			continue;
		for (const char *const *m = household_group_members((enum policy_field)bit); *m != NULL; m++)
			json_object_del(household, *m);
	}
}

const char *households_json_outside(unsigned set, unsigned fields)
{
	for (unsigned bit = 1; bit & POLICY_FIELD_ALL; bit <<= 1)
		if ((set & bit) && !(fields & bit))
			return household_group_members((enum policy_field)bit)[0];
	return NULL;
}

/* A date of the procedure (its events, the hearing, the prefect's notice)
 * into *out; *present says whether it came. */
static int read_date(const json_t *body, const char *key, bool required, struct date *out, bool *present,
		     struct err *err)
{
	return json_in_date(body, key, required, DATE_KIND_ACT, NULL, out, present, err);
}

static int event_keys(const json_t *body, enum event_kind kind, struct err *err)
{
	static const char *const refused[] = { "id", "seq", "procedure_id", "recorded_by_org", "created_at", NULL };
	static const char *const plain[] = { "kind", "date", "corrects", NULL };
	static const char *const payment_order[] = { "kind", "date", "corrects", "debt_cents", "rent_cents",
						     "months_unpaid", "lease_signed_on", NULL };
	static const char *const summons[] = { "kind", "date", "corrects", "hearing_on", "court",
					       "prefet_notified_on", NULL };
	static const char *const judgment[] = { "kind", "date", "corrects", "outcome", "delay_months", NULL };
	static const char *const order_to_leave[] = { "kind", "date", "corrects", "delay_months",
						      "prefet_notified_on", NULL };
	static const char *const eviction[] = { "kind", "date", "corrects", "with_cfp", NULL };
	const char *const *allowed = plain;
	switch (kind) {
	case EVENT_PAYMENT_ORDER: allowed = payment_order; break;
	case EVENT_SUMMONS: allowed = summons; break;
	case EVENT_JUDGMENT: allowed = judgment; break;
	case EVENT_ORDER_TO_LEAVE: allowed = order_to_leave; break;
	case EVENT_EVICTION: allowed = eviction; break;
	default: break;
	}
	return json_in_keys(body, allowed, refused, err);
}

/* The members of ev's kind, each read on its own: their failures join
 * err's. */
static void read_event_data(const json_t *body, struct event *ev, struct err *err)
{
	int64_t n = 0;
	bool present = false;
	char text[PROCEDURE_COURT_LEN] = "";
	struct err one;
	int rc;
	switch (ev->kind) {
	case EVENT_PAYMENT_ORDER:
		gather(err, json_in_int(body, "debt_cents", true, 0, INT64_MAX, &ev->payment_order.debt_cents, &present, &one),
		       &one);
		gather(err, json_in_int(body, "rent_cents", true, 0, INT64_MAX, &ev->payment_order.rent_cents, &present, &one),
		       &one);
		ev->payment_order.months_unpaid = -1;
		rc = json_in_int(body, "months_unpaid", false, 0, 1200, &n, &present, &one);
		if (rc == ERR_OK && present)
			ev->payment_order.months_unpaid = (int)n;
		gather(err, rc, &one);
		gather(err,
		       households_json_read_lease(body, &present, &ev->payment_order.lease_known,
						  &ev->payment_order.lease_signed_on, &one),
		       &one);
		break;
	case EVENT_SUMMONS:
		gather(err, read_date(body, "hearing_on", true, &ev->summons.hearing_date, &present, &one), &one);
		rc = json_in_text(body, "court", true, TEXT_LINE, text, sizeof(text), &present, &one);
		if (rc == ERR_OK)
			snprintf(ev->summons.court, sizeof(ev->summons.court), "%s", text);
		gather(err, rc, &one);
		gather(err,
		       read_date(body, "prefet_notified_on", false, &ev->summons.prefet_notified_on,
				 &ev->summons.prefet_notified, &one),
		       &one);
		break;
	case EVENT_JUDGMENT:
		rc = json_in_string(body, "outcome", true, text, sizeof(text), &present, &one);
		if (rc == ERR_OK)
			rc = procedure_parse_outcome(&ev->judgment.outcome, text, "outcome", &one);
		gather(err, rc, &one);
		rc = json_in_int(body, "delay_months", false, 0, 1000, &n, &present, &one);
		ev->judgment.delay_months = rc == ERR_OK && present ? (int)n : 0;
		gather(err, rc, &one);
		break;
	case EVENT_ORDER_TO_LEAVE:
		rc = json_in_int(body, "delay_months", false, 0, 1000, &n, &present, &one);
		ev->order_to_leave.delay_months = rc == ERR_OK && present ? (int)n : 0;
		gather(err, rc, &one);
		gather(err,
		       read_date(body, "prefet_notified_on", false, &ev->order_to_leave.prefet_notified_on,
				 &ev->order_to_leave.prefet_notified, &one),
		       &one);
		break;
	case EVENT_EVICTION:
		gather(err, json_in_bool(body, "with_cfp", true, &ev->eviction.with_cfp, &present, &one), &one);
		break;
	default:
		break;
	}
}

int households_json_read_event(const json_t *body, struct event *ev, const char **corrects, struct err *err)
{
	memset(ev, 0, sizeof(*ev));
	*corrects = NULL;
	char kind[32], corrected[40];
	bool present;
	int rc = json_in_string(body, "kind", true, kind, sizeof(kind), &present, err);
	if (rc == ERR_OK)
		rc = procedure_parse_kind(&ev->kind, kind, "kind", err);
	if (rc != ERR_OK)
		return rc;
	/* The kind says which members come: each is then read on its own, so
	 * that one answer lists every member at fault. */
	struct err one;
	err_clear(err);
	gather(err, event_keys(body, ev->kind, &one), &one);
	gather(err, read_date(body, "date", true, &ev->date, &present, &one), &one);
	rc = json_in_string(body, "corrects", false, corrected, sizeof(corrected), &present, &one);
	if (rc == ERR_OK && present && !parse_is_uuid(corrected))
		rc = err_set(&one, ERR_INVALID, "corrects", "corrects must be the id of an event of this procedure");
	if (rc == ERR_OK && present) {
		ev->correction = true;
		*corrects = json_string_value(json_object_get(body, "corrects"));
	}
	gather(err, rc, &one);
	read_event_data(body, ev, err);
	return err->code;
}
