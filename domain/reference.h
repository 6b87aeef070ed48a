/* Reference data: communes and their EPCI, read from a CSV whose header
 * names the columns. The format is documented in reference/README.md:
 *   insee,name,postcode,epci_siren,epci_name
 * in any order, separated by commas or semicolons (the header decides),
 * fields optionally quoted as RFC 4180 says; other columns are ignored and
 * the two epci columns may be left out or empty. Pure C. */
#ifndef DOMAIN_REFERENCE_H
#define DOMAIN_REFERENCE_H

#include <stdbool.h>

#include "domain/err.h"

#define REFERENCE_MAX_FIELDS 64
/* 200 characters of UTF-8, the schema's limit, and the NUL. */
#define REFERENCE_NAME_BYTES 801

struct reference_columns {
	char sep;          /* ',' or ';' */
	int insee, name, postcode, epci_siren, epci_name; /* -1: absent */
};

struct reference_row {
	char insee[6];
	char name[REFERENCE_NAME_BYTES];
	char postcode[6];
	char epci_siren[10];   /* "" when the commune belongs to no EPCI */
	char epci_name[REFERENCE_NAME_BYTES];
};

struct reference_departement {
	char code[4];          /* "91", "2A", "971" */
	char name[REFERENCE_NAME_BYTES];
	char region_code[3];
};

/* Splits one line (its end of line already removed) in place into at most
 * REFERENCE_MAX_FIELDS fields; quotes are removed and "" becomes ". */
int reference_split(char *line, char sep, char **fields, int *count, struct err *err);

/* Reads the header line (in place): finds the separator and the columns.
 * ERR_INVALID when insee, name or postcode is missing, or epci_siren comes
 * without epci_name. A UTF-8 byte order mark is skipped. */
int reference_read_header(struct reference_columns *out, char *line, struct err *err);

/* Reads and checks one data line (in place). Messages name the line. */
int reference_read_row(struct reference_row *out, const struct reference_columns *cols, char *line,
		       long lineno, struct err *err);

/* Checks and copies one commune's values; epci_siren "" for none.
 * ERR_INVALID with the field's name and a message that names no line. */
int reference_set_row(struct reference_row *out, const char *insee, const char *name, const char *postcode,
		      const char *epci_siren, const char *epci_name, struct err *err);

/* Checks and copies one département. */
int reference_set_departement(struct reference_departement *out, const char *code, const char *name,
			      const char *region_code, struct err *err);

/* The département of a valid INSEE code, as migration 0024 derives it: its
 * first two characters, its first three when it starts with 97. */
void reference_departement_of(char out[4], const char *insee);

bool reference_departement_is_valid(const char *s);
bool reference_insee_is_valid(const char *s);
bool reference_siren_is_valid(const char *s);

#endif
