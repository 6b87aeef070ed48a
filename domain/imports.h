/* Bulk ingest: the kinds of import, the items each carries and the rules on
 * them, checked one item at a time so that a bad item never stops the
 * others. The JSON shape is read in api/imports.c; errors name the item's
 * member at fault ("debt_cents", "household.address.insee"). Pure C.
 * Strings in the item structs are borrowed from the caller's parsed body. */
#ifndef DOMAIN_IMPORTS_H
#define DOMAIN_IMPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/caf.h"
#include "domain/date.h"
#include "domain/err.h"
#include "domain/household.h"
#include "domain/policy.h"
#include "domain/procedure.h"

#define IMPORT_MAX_ITEMS 50000
#define IMPORT_MAX_BODY_BYTES (INT64_C(64) * 1024 * 1024)
#define IMPORT_EXTERNAL_ID_MAX 100  /* characters */
#define IMPORT_TEXT_MAX 200         /* subject, holder name: characters */

enum import_kind { IMPORT_ACTS, IMPORT_CAF_SIGNALS, IMPORT_ADIL_CONTACTS, IMPORT__KIND_COUNT };

enum import_status {
	IMPORT_PENDING,    /* a job's item not applied yet */
	IMPORT_CREATED,
	IMPORT_UPDATED,
	IMPORT_UNCHANGED,
	IMPORT_REJECTED,
	IMPORT__STATUS_COUNT
};

/* How an item was attached to a household (CAF signals and acts). */
enum import_match {
	IMPORT_MATCH_NONE,      /* the item named no household to look for */
	IMPORT_MATCH_MATCHED,   /* exactly one known household */
	IMPORT_MATCH_UNMATCHED, /* none: a CAF signal is kept unattached */
	IMPORT_MATCH_AMBIGUOUS, /* several: reported, never guessed */
	/* An act's CAF number names a household the importer cannot read and
	 * neither the address nor the holder's name on file confirms it: the
	 * act is rejected, nothing is attached or created, and the answer says
	 * nothing of the households that carry the number. */
	IMPORT_MATCH_UNCONFIRMED,
	IMPORT_MATCH_CREATED,   /* none: the act opened the household it gave */
	IMPORT__MATCH_COUNT
};

enum caf_benefit_status { CAF_BENEFIT_KEPT, CAF_BENEFIT_SUSPENDED, CAF_BENEFIT__COUNT };
enum adil_party { ADIL_PARTY_HOUSEHOLD, ADIL_PARTY_LANDLORD, ADIL_PARTY__COUNT };
enum adil_outcome {
	ADIL_OUTCOME_INFORMATION_GIVEN,
	ADIL_OUTCOME_REFERRED,
	ADIL_OUTCOME_LETTER_SENT,
	ADIL_OUTCOME_FOLLOW_UP,
	ADIL_OUTCOME_NO_FOLLOW_UP,
	ADIL_OUTCOME__COUNT
};

struct import_caf_signal {
	const char *caf_number;        /* [0-9A-Z]{1,20} */
	const char *address_line;      /* 1..300 characters */
	const char *postcode;          /* 5 digits */
	const char *insee;             /* 5 characters; the commune must exist (storage) */
	const char *holder_name;       /* NULL or 1..200 characters */
	int64_t debt_cents;            /* >= 0 */
	int months_unpaid;             /* 0..1200 */
	enum caf_benefit_status benefit_status;
	bool paid_to_landlord;
	/* The arrears, judged under the rule in force on date (domain/caf.h):
	 * date is required; rent, charges and the first missed payment are
	 * optional, and the judgement says unknown when the rule in force needs
	 * one that is missing. */
	struct date date;              /* the day the arrears are signalled */
	bool rent_known, charges_known, first_missed_known;
	int64_t rent_cents, charges_cents;   /* monthly; 0..HOUSEHOLD_MAX_MONTHLY_CENTS */
	struct date first_missed_on;   /* on or before date */
	struct caf_arrears arrears;    /* set by import_check_caf_signal() */
};

struct import_adil_contact {
	struct date date;
	enum adil_party party;
	const char *household_id;      /* NULL or a UUID */
	const char *subject;           /* 1..200 characters */
	enum adil_outcome outcome;
};

/* The household an act opens when its procedure is new and no known
 * household matches: the fields a bailiff may set on POST /v1/households. */
struct import_household {
	const char *address_line, *postcode, *insee;
	enum housing_sector sector;
	const char *landlord_org_id;   /* NULL, or a UUID */
	const char *landlord_name;     /* NULL, or a private landlord's name */
	bool rent_known;
	int64_t rent_cents;
	bool lease_known;
	struct date lease_signed_on;
};

struct import_act {
	const char *file_reference;    /* the bailiff's file: 1..100 characters */
	struct event ev;               /* never a correction as sent: resending an external_id corrects */
	const char *caf_number;        /* NULL, or a match key */
	const char *holder_name;       /* NULL, or 1..200 characters: a match key, kept on a new household */
	bool has_household;
	struct import_household household;
};

/* Stable names ("caf-signals", "created", "ambiguous"); NULL out of range. */
const char *import_kind_name(enum import_kind kind);
const char *import_status_name(enum import_status status);
const char *import_match_name(enum import_match match);
const char *caf_benefit_status_name(enum caf_benefit_status s);
const char *adil_party_name(enum adil_party p);
const char *adil_outcome_name(enum adil_outcome o);
/* 0, or -1 for NULL or an unknown name. */
int import_parse_kind(const char *s, enum import_kind *out);
int import_parse_status(const char *s, enum import_status *out);
int import_parse_match(const char *s, enum import_match *out);
int caf_parse_benefit_status(const char *s, enum caf_benefit_status *out);
int adil_parse_party(const char *s, enum adil_party *out);
int adil_parse_outcome(const char *s, enum adil_outcome *out);

/* The collection action that lets an organisation import items of kind. */
enum policy_action import_policy_action(enum import_kind kind);

/* ERR_INVALID on "external_id" unless 1..100 characters without control
 * characters. */
int import_check_external_id(const char *s, struct err *err);

/* The rules on one item; ERR_INVALID naming the member at fault. Texts
 * come trimmed (api/imports.c); blank ones and control characters are
 * refused. Dates must lie in the window of their kind (domain/plausible.h)
 * around today. */
/* import_check_caf_signal() also judges the arrears into s->arrears. */
int import_check_caf_signal(struct import_caf_signal *s, const struct date *today, struct err *err);
int import_check_adil_contact(const struct import_adil_contact *c, const struct date *today, struct err *err);
int import_check_act(const struct import_act *a, const struct date *today, struct err *err);

/* For each of the n ids, first[i] is the index of an earlier item with the
 * same id, or -1: an external_id comes at most once per batch. ids[i] may
 * be NULL (an item already rejected). Returns 0, or -1 when out of memory. */
int import_find_duplicates(const char *const *ids, int n, int *first);

#endif
