/* How long each kind of record is kept, from which event, on which legal
 * basis, and what becomes of it at term: the one table `prevex purge`
 * applies, GET /v1/retention-rules answers and the README documents. Pure C. */
#ifndef DOMAIN_RETENTION_H
#define DOMAIN_RETENTION_H

#include <stddef.h>

#include "domain/err.h"

/* An erasure's reason: free text that stays with the anonymised household
 * (so it must name no person), 1 to 500 characters. */
#define RETENTION_REASON_MAX 500
#define RETENTION_REASON_BYTES (RETENTION_REASON_MAX * 4 + 1)

enum retention_unit {
	RETENTION_HOURS,
	RETENTION_DAYS,
	RETENTION_MONTHS,
};

/* At term a record is anonymised (its identifying and free-text members
 * erased, its keys, dates, kinds and counted amounts kept, so that the key
 * figures of past years stay exact) or deleted (nothing depends on it). */
enum retention_action {
	RETENTION_ANONYMISE,
	RETENTION_DELETE,
};

struct retention_rule {
	const char *record;        /* stable id in JSON: "household", "audit"... */
	const char *covers;        /* the records the rule covers */
	int amount;                /* the term, in unit; the default where configurable */
	enum retention_unit unit;
	const char *starts;        /* the event the term runs from */
	const char *kept_while;    /* what keeps the record whatever its age, or NULL */
	enum retention_action action;
	const char *basis;         /* the legal basis */
	const char *setting;       /* how an operator changes the term, or NULL when fixed */
};

/* The whole table, in a fixed order; *count gets its length. Static. */
const struct retention_rule *retention_rules(size_t *count);

/* The rule of a record id, or NULL. */
const struct retention_rule *retention_rule_find(const char *record);

/* Static names for JSON: "hours", "days", "months"; "anonymise", "delete";
 * "" when out of range. */
const char *retention_unit_name(enum retention_unit unit);
const char *retention_action_name(enum retention_action action);

/* The term as an ISO 8601 duration ("P24M", "P365D", "PT48H"). */
void retention_duration_format(char *out, size_t len, const struct retention_rule *rule);

/* ERR_INVALID on "reason" unless the trimmed reason has 1 to
 * RETENTION_REASON_MAX characters (UTF-8 code points). */
int retention_reason_check(const char *reason, struct err *err);

#endif
