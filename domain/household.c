#include "domain/household.h"

#include <string.h>

static const char *const sector_names[SECTOR__COUNT] = { "social", "private" };
static const char *const benefit_names[BENEFIT__COUNT] = { "none", "al", "apl" };
static const char *const payee_names[PAYEE__COUNT] = { "none", "tenant", "landlord" };

static const char *name_of(const char *const *names, int count, int v)
{
	return v >= 0 && v < count ? names[v] : NULL;
}

static int parse_name(const char *const *names, int count, const char *s, int *out)
{
	for (int i = 0; s != NULL && i < count; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

const char *household_sector_name(enum housing_sector s)
{
	return name_of(sector_names, SECTOR__COUNT, (int)s);
}

const char *household_benefit_name(enum housing_benefit b)
{
	return name_of(benefit_names, BENEFIT__COUNT, (int)b);
}

const char *household_payee_name(enum benefit_payee p)
{
	return name_of(payee_names, PAYEE__COUNT, (int)p);
}

int household_parse_sector(const char *s, enum housing_sector *out)
{
	int v;
	if (parse_name(sector_names, SECTOR__COUNT, s, &v) != 0)
		return -1;
	*out = (enum housing_sector)v;
	return 0;
}

int household_parse_benefit(const char *s, enum housing_benefit *out)
{
	int v;
	if (parse_name(benefit_names, BENEFIT__COUNT, s, &v) != 0)
		return -1;
	*out = (enum housing_benefit)v;
	return 0;
}

int household_parse_payee(const char *s, enum benefit_payee *out)
{
	int v;
	/* "none" is what a benefit of none implies; clients never send it. */
	if (parse_name(payee_names, PAYEE__COUNT, s, &v) != 0 || v == PAYEE_NONE)
		return -1;
	*out = (enum benefit_payee)v;
	return 0;
}

/* Characters, not bytes, of UTF-8 text; -1 with a control character. */
static long text_chars(const char *s, bool allow_newlines)
{
	long n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && !(allow_newlines && (*p == '\n' || *p == '\r' || *p == '\t'))) || *p == 0x7f)
			return -1;
		if ((*p & 0xC0) != 0x80)
			n++;
	}
	return n;
}

static bool phone_is_valid(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!(*p == ' ' || *p == '.' || *p == '-' || (*p == '+' && p == s)))
			return false;
	}
	return digits >= 8 && digits <= 15;
}

/* One @, something on each side, a dot in the domain, no spaces. */
static bool email_is_valid(const char *s)
{
	const char *at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strpbrk(s, " \t\r\n<>,;\"") != NULL)
		return false;
	const char *dot = strrchr(at + 1, '.');
	return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static bool caf_number_is_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static bool money_ok(int64_t v)
{
	return v >= 0 && v <= HOUSEHOLD_MAX_MONTHLY_CENTS;
}

static void check_address(const struct household_input *in, struct err *err)
{
	long n = text_chars(in->address_line, false);
	if (n < 1 || n > 300)
		err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "address.line", "the address line is 1 to 300 characters");
}

static void check_landlord(const struct household_input *in, struct err *err)
{
	if (in->landlord_is_org || in->landlord_name[0] == '\0')
		return;
	long n = text_chars(in->landlord_name, false);
	if (n < 1 || n > 200)
		err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "landlord.name", "the landlord's name is 1 to 200 characters");
	n = text_chars(in->landlord_contact, true);
	if (n < 0 || n > 300)
		err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "landlord.contact", "the landlord's contact is at most 300 characters");
}

int household_check(const struct household_input *in, bool creating, struct err *err)
{
	/* Every member is checked: the answer lists each one at fault. */
	unsigned set = in->set;
	err_clear(err);
	if (creating && (set & POLICY_FIELD_ADDRESS) == 0)
		err_add_reason(err, ERR_REASON_INVALID_REQUEST, "address", "address is required");
	if (creating && (set & HOUSEHOLD_SECTOR) == 0)
		err_add_reason(err, ERR_REASON_INVALID_REQUEST, "sector", "sector is required");
	if (set & POLICY_FIELD_ADDRESS)
		check_address(in, err);
	if (set & POLICY_FIELD_LANDLORD)
		check_landlord(in, err);
	/* A social landlord is an organisation (HLM, SEM): a person's name
	 * there is a mistake. Checked when both come in one request. */
	if ((set & HOUSEHOLD_SECTOR) && (set & POLICY_FIELD_LANDLORD) && in->sector == SECTOR_SOCIAL &&
	    !in->landlord_is_org && in->landlord_name[0] != '\0')
		err_add_reason(err, ERR_REASON_LANDLORD_MUST_BE_ORGANISATION, "landlord",
			       "a social-sector household's landlord is an organisation (landlord.organisation_id)");
	if (set & POLICY_FIELD_OCCUPANTS) {
		if (in->adults < 1 || in->adults > HOUSEHOLD_MAX_OCCUPANTS)
			err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "occupants.adults",
				       "a household has 1 to %d adults", HOUSEHOLD_MAX_OCCUPANTS);
		if (in->children < 0 || in->children > HOUSEHOLD_MAX_OCCUPANTS)
			err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "occupants.children",
				       "children are 0 to %d", HOUSEHOLD_MAX_OCCUPANTS);
	}
	if ((set & POLICY_FIELD_RENT) && in->rent_given && in->rent_known && !money_ok(in->rent_cents))
		err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "rent_cents", "the monthly rent is out of range");
	if ((set & POLICY_FIELD_RENT) && in->charges_given && in->charges_known && !money_ok(in->charges_cents))
		err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "charges_cents", "the monthly charges are out of range");
	if ((set & POLICY_FIELD_INCOME) && in->income_known && !money_ok(in->income_cents))
		err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "income_cents", "the monthly income is out of range");
	if (set & POLICY_FIELD_HOUSING_BENEFIT) {
		if (in->benefit == BENEFIT_NONE && in->paid_to != PAYEE_NONE)
			err_add_reason(err, ERR_REASON_INCONSISTENT_VALUES, "housing_benefit.paid_to",
				       "no benefit is paid to anyone");
		if (in->benefit != BENEFIT_NONE && in->paid_to == PAYEE_NONE)
			err_add_reason(err, ERR_REASON_INCONSISTENT_VALUES, "housing_benefit.paid_to",
				       "say whether the benefit is paid to the tenant or to the landlord");
	}
	if ((set & POLICY_FIELD_CAF_NUMBER) && in->caf_number[0] != '\0' && !caf_number_is_valid(in->caf_number))
		err_add_reason(err, ERR_REASON_MALFORMED_VALUE, "caf_number", "a CAF number is 1 to 20 digits or capitals");
	if (set & POLICY_FIELD_CONTACT) {
		if (in->phone[0] != '\0' && !phone_is_valid(in->phone))
			err_add_reason(err, ERR_REASON_MALFORMED_VALUE, "contact.phone", "not a phone number");
		if (in->email[0] != '\0' && !email_is_valid(in->email))
			err_add_reason(err, ERR_REASON_MALFORMED_VALUE, "contact.email", "not an email address");
	}
	if (set & POLICY_FIELD_VULNERABILITY) {
		long n = text_chars(in->vulnerability_notes, true);
		if (n < 0 || n > 2000)
			err_add_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "vulnerability_notes",
				       "notes are at most 2000 characters, without control characters");
	}
	return err->code;
}

static const char *const address_members[] = { "address", NULL };
static const char *const occupants_members[] = { "occupants", NULL };
static const char *const rent_members[] = { "rent_cents", "charges_cents", "lease_signed_on", NULL };
static const char *const income_members[] = { "income_cents", NULL };
static const char *const benefit_members[] = { "housing_benefit", NULL };
static const char *const caf_members[] = { "caf_number", NULL };
static const char *const contact_members[] = { "contact", NULL };
static const char *const notes_members[] = { "vulnerability_notes", NULL };
static const char *const landlord_members[] = { "landlord", NULL };
static const char *const no_members[] = { NULL };

const char *const *household_group_members(enum policy_field group)
{
	switch (group) {
	case POLICY_FIELD_ADDRESS: return address_members;
	case POLICY_FIELD_OCCUPANTS: return occupants_members;
	case POLICY_FIELD_RENT: return rent_members;
	case POLICY_FIELD_INCOME: return income_members;
	case POLICY_FIELD_HOUSING_BENEFIT: return benefit_members;
	case POLICY_FIELD_CAF_NUMBER: return caf_members;
	case POLICY_FIELD_CONTACT: return contact_members;
	case POLICY_FIELD_VULNERABILITY: return notes_members;
	case POLICY_FIELD_LANDLORD: return landlord_members;
	case POLICY_FIELD_ALL:
	default: return no_members;
	}
}
