/* A household's record as clients give it, and the business rules on it.
 * The JSON shape is checked in api/households_json.c (400); the rules here
 * answer 422 on the JSON member at fault ("housing_benefit.paid_to"). Pure C. */
#ifndef DOMAIN_HOUSEHOLD_H
#define DOMAIN_HOUSEHOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/policy.h"

/* Byte sizes with the NUL; texts are UTF-8. */
#define HOUSEHOLD_LINE_BYTES 1201      /* 300 characters */
#define HOUSEHOLD_NAME_BYTES 801       /* 200 characters */
#define HOUSEHOLD_CONTACT_BYTES 1201   /* 300 characters */
#define HOUSEHOLD_CAF_BYTES 21
#define HOUSEHOLD_PHONE_BYTES 129      /* 32 characters */
#define HOUSEHOLD_EMAIL_BYTES 1017     /* 254 characters */
#define HOUSEHOLD_NOTES_BYTES 8001     /* 2000 characters */
#define HOUSEHOLD_MAX_OCCUPANTS 30
#define HOUSEHOLD_MAX_MONTHLY_CENTS INT64_C(100000000) /* 1 000 000 euros a month */

enum housing_sector { SECTOR_SOCIAL, SECTOR_PRIVATE, SECTOR__COUNT };
enum housing_benefit { BENEFIT_NONE, BENEFIT_AL, BENEFIT_APL, BENEFIT__COUNT };
enum benefit_payee { PAYEE_NONE, PAYEE_TENANT, PAYEE_LANDLORD, PAYEE__COUNT };

/* Groups of members a client sets together: the enum policy_field bits
 * (address, occupants, rent, income, housing benefit, CAF number, contact,
 * vulnerability notes, landlord) and the sector, which everyone who sees
 * the household sees. */
#define HOUSEHOLD_SECTOR (1u << 9)

struct household_input {
	unsigned set;                       /* groups present in the input */
	/* POLICY_FIELD_ADDRESS */
	char address_line[HOUSEHOLD_LINE_BYTES];
	char postcode[6];
	char insee[6];
	/* HOUSEHOLD_SECTOR */
	enum housing_sector sector;
	/* POLICY_FIELD_LANDLORD: an organisation, a private person, or none */
	bool landlord_is_org;
	char landlord_org_id[37];
	char landlord_name[HOUSEHOLD_NAME_BYTES];   /* "": none */
	char landlord_contact[HOUSEHOLD_CONTACT_BYTES];
	/* POLICY_FIELD_OCCUPANTS */
	int adults, children;
	/* POLICY_FIELD_RENT: the lease's terms, monthly amounts and the
	 * lease's date (conclusion or last renewal); each member may come
	 * alone, and one given but not known (JSON null) is cleared */
	bool rent_given, rent_known, charges_given, charges_known;
	int64_t rent_cents, charges_cents;
	bool lease_given, lease_known;
	struct date lease_signed_on;
	/* POLICY_FIELD_INCOME: monthly */
	bool income_known;
	int64_t income_cents;
	/* POLICY_FIELD_HOUSING_BENEFIT */
	enum housing_benefit benefit;
	enum benefit_payee paid_to;
	/* POLICY_FIELD_CAF_NUMBER, POLICY_FIELD_CONTACT,
	 * POLICY_FIELD_VULNERABILITY: "" clears them */
	char caf_number[HOUSEHOLD_CAF_BYTES];
	char phone[HOUSEHOLD_PHONE_BYTES];
	char email[HOUSEHOLD_EMAIL_BYTES];
	char vulnerability_notes[HOUSEHOLD_NOTES_BYTES];
	/* The lease holder's name, as imported acts and CAF signals give it:
	 * corrected (GDPR art. 16) with the address group's right; "" erases */
	bool holder_given;
	char holder_name[HOUSEHOLD_NAME_BYTES];
};

/* The groups a new household must carry: whoever brings it in knows where
 * it lives; a bailiff, say, does not know who lives there. */
#define HOUSEHOLD_REQUIRED (POLICY_FIELD_ADDRESS | HOUSEHOLD_SECTOR)

/* The rules on the groups present: occupants (at least one adult), amounts
 * within bounds, a benefit paid to someone and "none" paid to no one, a
 * social-sector landlord that is an organisation, contact formats.
 * creating: the required groups must all be there. Every rule is checked:
 * err (required) holds the first failure and the others in err->more. */
int household_check(const struct household_input *in, bool creating, struct err *err);

/* Stable names for JSON and SQL ("social", "apl", "landlord"); NULL out of range. */
const char *household_sector_name(enum housing_sector s);
const char *household_benefit_name(enum housing_benefit b);
const char *household_payee_name(enum benefit_payee p);
/* 0, or -1 for an unknown name. */
int household_parse_sector(const char *s, enum housing_sector *out);
int household_parse_benefit(const char *s, enum housing_benefit *out);
int household_parse_payee(const char *s, enum benefit_payee *out);

/* The JSON members each field group covers, in the representation the API
 * answers: NULL-terminated, static. */
const char *const *household_group_members(enum policy_field group);

#endif
