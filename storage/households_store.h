/* Households. Every read goes through household_relations() (migration
 * 0003): the SQL returns only the households the caller may see, with its
 * relations to each as a bitmask of 1 << enum policy_relation, so that
 * lists, single reads and updates agree. Representations are JSON text
 * built by household_json(); the api layer removes the fields the caller's
 * relations do not show. */
#ifndef STORAGE_HOUSEHOLDS_STORE_H
#define STORAGE_HOUSEHOLDS_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/err.h"
#include "domain/household.h"
#include "storage/db.h"
#include "storage/orgs_store.h"

extern const struct db_stmt households_store_statements[];

/* Who asks; borrowed strings. */
struct store_caller {
	const char *org_id;
	const char *kind;        /* policy_kind_to_string() */
	const char *client_id;   /* NULL when unknown */
	const char *request_id;  /* for the audit rows a list writes */
	/* The relations (1 << enum policy_relation) under which the caller
	 * reads a procedure: the household's procedures it is shown. */
	unsigned procedure_relations;
};

struct household_row {
	char id[40];
	char *json;              /* owned */
	int version;
	unsigned relations;
	bool erased;             /* anonymised (migration 0020): it takes no personal data */
};
void household_row_free(struct household_row *row);

/* NULL members do not filter. */
struct household_filter {
	const char *insee;
	const char *epci_siren;
	const char *sector;
	const char *stage;
	const char *updated_since; /* RFC 3339 */
};

struct household_page {
	int count;
	char **items;            /* owned JSON texts */
	unsigned *relations;     /* owned, one per item */
	struct page_cursor next;
};
void household_page_free(struct household_page *page);

/* ERR_UNPROCESSABLE on "address.insee" for an unknown commune and on
 * "landlord.organisation_id" when it names no landlord organisation. */
int households_store_create(PGconn *conn, const struct store_caller *caller, const struct household_input *in,
			    struct household_row *out, struct err *err);

/* households_store_create without the read-back, for a writer that needs
 * only the new household's id (the demo dataset): the same checks and the
 * same row. */
int households_store_insert(PGconn *conn, const struct store_caller *caller, const struct household_input *in,
			    char id[40], struct err *err);

/* households_store_insert for in[0 .. count), in one round trip (a
 * pipeline): ids[i] for in[i]. Stops at the first refused, which err
 * names; the caller's transaction is then aborted. */
int households_store_insert_many(PGconn *conn, const struct store_caller *caller, int count,
				 const struct household_input *in, char (*ids)[40], struct err *err);

/* ERR_NOT_FOUND when there is no such household or the caller may not see it. */
int households_store_get(PGconn *conn, const struct store_caller *caller, const char *id,
			 struct household_row *out, struct err *err);

/* One page in (created_at, id) order; appends one audit row ("read",
 * "household") per household returned, in the same statement. */
int households_store_list(PGconn *conn, const struct store_caller *caller, const struct household_filter *filter,
			  const struct page_cursor *after, int limit, struct household_page *page, struct err *err);

/* Changes the groups set in patch->set when the version is still version:
 * ERR_PRECONDITION_FAILED otherwise. The caller has read the household in
 * the same transaction (households_store_get) and checked its rights. */
int households_store_update(PGconn *conn, const struct store_caller *caller, const char *id, int version,
			    const struct household_input *patch, struct household_row *out, struct err *err);

/* Everything held on the household id, as one JSON document (*json, which
 * the caller free()s): the household, its procedures with their events,
 * referrals with their history, opinions, recommendations and orientation,
 * diagnostics, prevention letters, MASP measures, outreach cases, CAF
 * signals, benefit decisions, ADIL contacts, and every audit row about any
 * of them. One statement, hence one snapshot. It does not check the
 * caller's rights: the caller has read the household with
 * households_store_get() in the same transaction and checked them. */
int households_store_export(PGconn *conn, const struct store_caller *caller, const char *id, char **json,
			    struct err *err);

#endif
