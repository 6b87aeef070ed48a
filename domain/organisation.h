/* Partner organisations: what a valid one is. */
#ifndef DOMAIN_ORGANISATION_H
#define DOMAIN_ORGANISATION_H

#include <stdbool.h>

#include "domain/err.h"
#include "domain/policy.h"

#define ORG_NAME_MAX 200
#define ORG_MAX_COMMUNES 1000
#define ORG_MAX_EPCIS 100
#define ORG_MAX_DEPARTEMENTS 101

/* The territory an organisation covers. */
struct territory {
	int ncommunes;
	char communes[ORG_MAX_COMMUNES][6];   /* INSEE codes */
	int nepcis;
	char epcis[ORG_MAX_EPCIS][10];        /* SIREN of the EPCI */
};

struct org_input {
	enum org_kind kind;
	char name[ORG_NAME_MAX * 4 + 1];      /* UTF-8: up to 200 characters */
	bool has_siret;
	char siret[15];
	struct territory territory;
	/* The départements it belongs to; none given: its creator's. */
	int ndepartements;
	char departements[ORG_MAX_DEPARTEMENTS][4];
};

/* INSEE commune code: 5 characters, digits, or 2A/2B for Corsica. */
bool org_insee_is_valid(const char *s);
/* A département code: 2 digits from "01" to "95" ("91"; not "20"), "2A" or "2B"
 * for Corsica, 3 digits from "971" to "979" overseas. */
bool org_departement_is_valid(const char *s);
/* An EPCI's SIREN: 9 digits. */
bool org_siren_is_valid(const char *s);
/* A name: 1 to 200 characters (UTF-8), no control characters. */
bool org_name_is_valid(const char *s);

/* Appends a code to the territory, refusing malformed and duplicate codes
 * and a territory over its size. field names the input at fault. */
int territory_add_commune(struct territory *t, const char *insee, const char *field, struct err *err);
int territory_add_epci(struct territory *t, const char *siren, const char *field, struct err *err);

/* Appends a département code to in, refusing malformed and duplicate
 * codes. field names the input at fault. */
int org_add_departement(struct org_input *in, const char *code, const char *field, struct err *err);

/* Writes the codes as a PostgreSQL array literal ("{91228,91477}") into buf;
 * the codes are validated digits, so nothing needs quoting. */
void territory_communes_literal(const struct territory *t, char *buf, size_t len);
void territory_epcis_literal(const struct territory *t, char *buf, size_t len);
void org_departements_literal(const struct org_input *in, char *buf, size_t len);

#endif
