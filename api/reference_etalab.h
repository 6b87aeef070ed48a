/* The data/ folder of the npm package @etalab/decoupage-administratif
 * (departements.json, epci.json, communes.json), read strictly into the
 * rows `prevex reference load` writes (reference/README.md). */
#ifndef API_REFERENCE_ETALAB_H
#define API_REFERENCE_ETALAB_H

#include "domain/err.h"
#include "domain/reference.h"

struct reference_etalab {
	struct reference_departement *departements; /* metropolitan and overseas (DROM) */
	int departement_count;
	struct reference_row *communes; /* the communes actuelles of those départements */
	int commune_count;
	int epci_count;                 /* EPCIs in epci.json */
	long skipped;                   /* entries left out: other commune types, collectivités d'outre-mer */
};

/* Reads the three files of dir; on ERR_INVALID the message names the file
 * and the entry at fault, and *out holds nothing. The caller frees *out
 * with reference_etalab_free() in every case. */
int reference_etalab_read(struct reference_etalab *out, const char *dir, struct err *err);

void reference_etalab_free(struct reference_etalab *e);

#endif
