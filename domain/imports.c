#include "domain/imports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/parse.h"
#include "domain/plausible.h"
#include "domain/reference.h"

static const char *const kind_names[IMPORT__KIND_COUNT] = { "acts", "caf-signals", "adil-contacts" };
static const char *const status_names[IMPORT__STATUS_COUNT] = { "pending", "created", "updated", "unchanged",
								 "rejected" };
static const char *const match_names[IMPORT__MATCH_COUNT] = { "none", "matched", "unmatched", "ambiguous",
								"unconfirmed", "created" };
static const char *const benefit_names[CAF_BENEFIT__COUNT] = { "kept", "suspended" };
static const char *const party_names[ADIL_PARTY__COUNT] = { "household", "landlord" };
static const char *const outcome_names[ADIL_OUTCOME__COUNT] = { "information_given", "referred", "letter_sent",
								"follow_up", "no_follow_up" };

static const char *name_of(const char *const *names, int count, int v)
{
	return v >= 0 && v < count ? names[v] : NULL;
}

static int parse_name(const char *const *names, int count, const char *s, int *out)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < count; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

const char *import_kind_name(enum import_kind kind)
{
	return name_of(kind_names, IMPORT__KIND_COUNT, (int)kind);
}

const char *import_status_name(enum import_status status)
{
	return name_of(status_names, IMPORT__STATUS_COUNT, (int)status);
}

const char *import_match_name(enum import_match match)
{
	return name_of(match_names, IMPORT__MATCH_COUNT, (int)match);
}

const char *caf_benefit_status_name(enum caf_benefit_status s)
{
	return name_of(benefit_names, CAF_BENEFIT__COUNT, (int)s);
}

const char *adil_party_name(enum adil_party p)
{
	return name_of(party_names, ADIL_PARTY__COUNT, (int)p);
}

const char *adil_outcome_name(enum adil_outcome o)
{
	return name_of(outcome_names, ADIL_OUTCOME__COUNT, (int)o);
}

int import_parse_kind(const char *s, enum import_kind *out)
{
	int v;
	if (parse_name(kind_names, IMPORT__KIND_COUNT, s, &v) != 0)
		return -1;
	*out = (enum import_kind)v;
	return 0;
}

int import_parse_status(const char *s, enum import_status *out)
{
	int v;
	if (parse_name(status_names, IMPORT__STATUS_COUNT, s, &v) != 0)
		return -1;
	*out = (enum import_status)v;
	return 0;
}

int import_parse_match(const char *s, enum import_match *out)
{
	int v;
	if (parse_name(match_names, IMPORT__MATCH_COUNT, s, &v) != 0)
		return -1;
	*out = (enum import_match)v;
	return 0;
}

int caf_parse_benefit_status(const char *s, enum caf_benefit_status *out)
{
	int v;
	if (parse_name(benefit_names, CAF_BENEFIT__COUNT, s, &v) != 0)
		return -1;
	*out = (enum caf_benefit_status)v;
	return 0;
}

int adil_parse_party(const char *s, enum adil_party *out)
{
	int v;
	if (parse_name(party_names, ADIL_PARTY__COUNT, s, &v) != 0)
		return -1;
	*out = (enum adil_party)v;
	return 0;
}

int adil_parse_outcome(const char *s, enum adil_outcome *out)
{
	int v;
	if (parse_name(outcome_names, ADIL_OUTCOME__COUNT, s, &v) != 0)
		return -1;
	*out = (enum adil_outcome)v;
	return 0;
}

enum policy_action import_policy_action(enum import_kind kind)
{
	switch (kind) {
	case IMPORT_CAF_SIGNALS:
		return POLICY_IMPORT_CAF_SIGNALS;
	case IMPORT_ADIL_CONTACTS:
		return POLICY_IMPORT_ADIL_CONTACTS;
	default:
		return POLICY_IMPORT_ACTS;
	}
}

/* Characters of a UTF-8 string, or -1 when it holds a control character
 * or is blank. */
static long text_chars(const char *s)
{
	if (!plausible_text_ok(s, TEXT_LINE) || plausible_is_blank(s))
		return -1;
	long n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

/* A required one-line text of 1..max characters. */
static int check_text(const char *s, long max, const char *field, struct err *err)
{
	long n = s != NULL ? text_chars(s) : 0;
	if (n < 1 || n > max)
		return err_set(err, ERR_INVALID, field, "%s must be 1 to %ld characters on one line", field, max);
	return ERR_OK;
}

static bool all_in(const char *s, const char *set, size_t min, size_t max)
{
	size_t n = strlen(s);
	return n >= min && n <= max && strspn(s, set) == n;
}

int import_check_external_id(const char *s, struct err *err)
{
	return check_text(s, IMPORT_EXTERNAL_ID_MAX, "external_id", err);
}

static int check_address(const char *line, const char *postcode, const char *insee, const char *prefix,
			 struct err *err)
{
	char field[64];
	snprintf(field, sizeof(field), "%saddress.line", prefix);
	int rc = check_text(line, 300, field, err);
	snprintf(field, sizeof(field), "%saddress.postcode", prefix);
	if (rc == ERR_OK && (postcode == NULL || !all_in(postcode, "0123456789", 5, 5)))
		rc = err_set(err, ERR_INVALID, field, "%s must be 5 digits", field);
	snprintf(field, sizeof(field), "%saddress.insee", prefix);
	if (rc == ERR_OK && (insee == NULL || !reference_insee_is_valid(insee)))
		rc = err_set(err, ERR_INVALID, field, "%s must be an INSEE code like 91174", field);
	return rc;
}

static bool caf_number_ok(const char *s)
{
	return s != NULL && all_in(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 20);
}

static int check_caf_arrears(struct import_caf_signal *s, const struct date *today, struct err *err)
{
	int rc = plausible_date_check(&s->date, DATE_KIND_CAF_SIGNAL, today, "date", err);
	if (rc == ERR_OK && s->rent_known && (s->rent_cents < 0 || s->rent_cents > HOUSEHOLD_MAX_MONTHLY_CENTS))
		rc = err_set(err, ERR_INVALID, "rent_cents", "rent_cents is out of bounds");
	if (rc == ERR_OK && s->charges_known && (s->charges_cents < 0 || s->charges_cents > HOUSEHOLD_MAX_MONTHLY_CENTS))
		rc = err_set(err, ERR_INVALID, "charges_cents", "charges_cents is out of bounds");
	if (rc == ERR_OK && s->first_missed_known)
		rc = plausible_date_check(&s->first_missed_on, DATE_KIND_CAF_SIGNAL, today, "first_missed_on", err);
	if (rc == ERR_OK && s->first_missed_known && date_cmp(&s->first_missed_on, &s->date) > 0)
		rc = err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "first_missed_on", "first_missed_on comes after the signal's date");
	if (rc == ERR_OK && s->first_missed_known && s->debt_cents == 0)
		rc = err_set_reason(err, ERR_REASON_INCONSISTENT_VALUES, "first_missed_on", "a payment was missed but the debt is 0");
	if (rc == ERR_OK) {
		struct caf_arrears_facts f = { .on = s->date, .debt_cents = s->debt_cents, .rent_known = s->rent_known,
					       .rent_cents = s->rent_cents, .charges_known = s->charges_known,
					       .charges_cents = s->charges_cents,
					       .first_missed_known = s->first_missed_known,
					       .first_missed_on = s->first_missed_on };
		rc = caf_judge_arrears(&s->arrears, &f, err);
	}
	return rc;
}

int import_check_caf_signal(struct import_caf_signal *s, const struct date *today, struct err *err)
{
	if (!caf_number_ok(s->caf_number))
		return err_set(err, ERR_INVALID, "caf_number", "caf_number must be 1 to 20 digits or capital letters");
	int rc = check_address(s->address_line, s->postcode, s->insee, "", err);
	if (rc == ERR_OK && s->holder_name != NULL)
		rc = check_text(s->holder_name, IMPORT_TEXT_MAX, "holder_name", err);
	if (rc == ERR_OK && s->debt_cents < 0)
		rc = err_set(err, ERR_INVALID, "debt_cents", "debt_cents must not be negative");
	if (rc == ERR_OK && (s->months_unpaid < 0 || s->months_unpaid > 1200))
		rc = err_set(err, ERR_INVALID, "months_unpaid", "months_unpaid must be between 0 and 1200");
	if (rc == ERR_OK && s->debt_cents == 0 && s->months_unpaid > 0)
		rc = err_set(err, ERR_INVALID, "debt_cents", "months are unpaid but the debt is 0");
	if (rc == ERR_OK && caf_benefit_status_name(s->benefit_status) == NULL)
		rc = err_set(err, ERR_INVALID, "benefit_status", "benefit_status must be kept or suspended");
	if (rc == ERR_OK)
		rc = check_caf_arrears(s, today, err);
	return rc;
}

int import_check_adil_contact(const struct import_adil_contact *c, const struct date *today, struct err *err)
{
	if (plausible_date_check(&c->date, DATE_KIND_FIELD_WORK, today, "date", err) != ERR_OK)
		return ERR_INVALID;
	if (adil_party_name(c->party) == NULL)
		return err_set(err, ERR_INVALID, "party", "party must be household or landlord");
	if (c->household_id != NULL && !parse_is_uuid(c->household_id))
		return err_set(err, ERR_INVALID, "household_id", "household_id must be the id of a household");
	int rc = check_text(c->subject, IMPORT_TEXT_MAX, "subject", err);
	if (rc == ERR_OK && adil_outcome_name(c->outcome) == NULL)
		rc = err_set(err, ERR_INVALID, "outcome", "outcome is not one of the known outcomes");
	return rc;
}

int import_check_act(const struct import_act *a, const struct date *today, struct err *err)
{
	int rc = check_text(a->file_reference, 100, "file_reference", err);
	if (rc == ERR_OK && a->ev.correction)
		rc = err_set(err, ERR_INVALID, "corrects", "send the act again with its external_id to correct it");
	if (rc == ERR_OK)
		rc = plausible_date_check(&a->ev.date, DATE_KIND_ACT, today, "date", err);
	if (rc == ERR_OK && a->caf_number != NULL && !caf_number_ok(a->caf_number))
		rc = err_set(err, ERR_INVALID, "caf_number", "caf_number must be 1 to 20 digits or capital letters");
	if (rc == ERR_OK && a->holder_name != NULL)
		rc = check_text(a->holder_name, IMPORT_TEXT_MAX, "holder_name", err);
	if (rc != ERR_OK || !a->has_household)
		return rc;
	const struct import_household *h = &a->household;
	rc = check_address(h->address_line, h->postcode, h->insee, "household.", err);
	if (rc == ERR_OK && household_sector_name(h->sector) == NULL)
		rc = err_set(err, ERR_INVALID, "household.sector", "household.sector must be social or private");
	if (rc == ERR_OK && h->landlord_org_id != NULL && !parse_is_uuid(h->landlord_org_id))
		rc = err_set(err, ERR_INVALID, "household.landlord.organisation_id",
			     "household.landlord.organisation_id must be an organisation id");
	if (rc == ERR_OK && h->landlord_name != NULL)
		rc = check_text(h->landlord_name, 200, "household.landlord.name", err);
	if (rc == ERR_OK && h->sector == SECTOR_SOCIAL && h->landlord_name != NULL)
		rc = err_set_reason(err, ERR_REASON_LANDLORD_MUST_BE_ORGANISATION, "household.landlord",
			     "a social-sector landlord is an organisation");
	if (rc == ERR_OK && h->rent_known && (h->rent_cents < 0 || h->rent_cents > HOUSEHOLD_MAX_MONTHLY_CENTS))
		rc = err_set(err, ERR_INVALID, "household.rent_cents", "household.rent_cents is out of bounds");
	return rc;
}

struct id_at {
	const char *id;
	int index;
};

static int id_at_cmp(const void *a, const void *b)
{
	const struct id_at *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

int import_find_duplicates(const char *const *ids, int n, int *first)
{
	struct id_at *v = malloc(sizeof(*v) * (size_t)(n > 0 ? n : 1));
	if (v == NULL)
		return -1;
	int m = 0;
	for (int i = 0; i < n; i++) {
		first[i] = -1;
		if (ids[i] != NULL)
			v[m++] = (struct id_at){ ids[i], i };
	}
	qsort(v, (size_t)m, sizeof(*v), id_at_cmp);
	for (int i = 1, run = 0; i < m; i++) {
		if (strcmp(v[run].id, v[i].id) != 0)
			run = i;
		else
			first[v[i].index] = v[run].index;
	}
	free(v);
	return 0;
}
