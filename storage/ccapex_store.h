/* Referrals, CLILs, commissions with their agenda, opinions and
 * recommendations. Representations come back as JSON text built by
 * PostgreSQL (ccapex_*_json() in migrations/0005_ccapex.sql): the caller
 * free()s it. Visibility is decided in the SQL that fetches, from the masks
 * of struct ccapex_viewer, so that lists and single reads agree. */
#ifndef STORAGE_CCAPEX_STORE_H
#define STORAGE_CCAPEX_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/commission.h"
#include "domain/err.h"
#include "storage/db.h"
#include "storage/orgs_store.h"

extern const struct db_stmt ccapex_store_statements[];

#define CCAPEX_ID_LEN 37
#define CCAPEX_NAME_LEN 24

/* Who reads, and through which relations (bitmasks of 1 << enum
 * policy_relation) the policy lets it. Borrowed strings. */
struct ccapex_viewer {
	const char *org_id;
	const char *kind;            /* "social_landlord"... */
	unsigned read_mask;          /* relations that let it read a referral */
	unsigned social_mask;        /* relations that show the social details */
	bool all_recommendations;    /* every recommendation, not only its own */
};

/* --- referrals --- */

/* What a new referral needs to know of its household. */
struct ccapex_referral_target {
	unsigned relations;          /* the caller's relations to the household */
	char today[11];              /* the database's current date */
	bool procedure_ok;           /* no procedure given, or one of this household */
	bool has_summons;
	char summons[11];            /* the procedure's latest summons */
};
/* ERR_NOT_FOUND when there is no such household. */
int ccapex_store_referral_target(PGconn *conn, const char *household_id, const char *procedure_id,
				 const char *org_id, const char *kind, struct ccapex_referral_target *out,
				 struct err *err);

struct ccapex_referral_new {
	const char *household_id;
	const char *procedure_id;    /* NULL: none */
	const char *kind;
	const char *debt_cents;      /* decimal text, NULL: unknown */
	const char *months_unpaid;   /* NULL: unknown */
	const char *reason;          /* NULL: none */
	bool complex;
	bool legal_entity;
	const char *referred_on;
	bool notice_applies;
	const char *summons_date;    /* NULL: none known */
	const char *notice_latest;   /* NULL: none */
	bool notice_late;
	const char *org_id;
	const char *client_id;
};
/* Fills id. ERR_CONFLICT on "household_id" with open_id filled when the
 * household already has an open referral. */
int ccapex_store_referral_create(PGconn *conn, const struct ccapex_referral_new *in, char id[CCAPEX_ID_LEN],
				 char open_id[CCAPEX_ID_LEN], struct err *err);

/* ERR_NOT_FOUND when absent or not visible. version and relations may be NULL. */
int ccapex_store_referral_get(PGconn *conn, const char *id, const struct ccapex_viewer *v, char **json,
			      int *version, unsigned *relations, struct err *err);

struct ccapex_referral_filter {
	const char *status, *kind, *household_id, *epci; /* NULL: any */
};
int ccapex_store_referral_list(PGconn *conn, const struct ccapex_viewer *v, const struct ccapex_referral_filter *f,
			       const struct page_cursor *after, int limit, struct json_page *page, struct err *err);

/* The referral, locked for the rest of the transaction. */
struct ccapex_referral_lock {
	char status[CCAPEX_NAME_LEN];
	int version;
	bool clil_examined;          /* its latest examination was a CLIL's */
};
/* ERR_NOT_FOUND when absent or not visible. */
int ccapex_store_referral_lock(PGconn *conn, const char *id, const struct ccapex_viewer *v,
			       struct ccapex_referral_lock *out, struct err *err);

struct ccapex_referral_change {
	const char *status;          /* NULL: unchanged */
	const char *inadmissible_reason; /* with status "inadmissible" */
	bool reason_given;           /* a correction of the referral's reason */
	const char *reason;          /* its new text, NULL: erased */
	int complex;                 /* -1 unchanged, 0 or 1 */
	bool escalated;
	const char *step;            /* the history entry, NULL: none */
	const char *commission_id;   /* of the step, or NULL */
	const char *org_id;          /* who made the change */
};
int ccapex_store_referral_change(PGconn *conn, const char *id, const struct ccapex_referral_change *c,
				 struct err *err);

/* --- letters --- */

/* The facts the letters use, as JSON text; ERR_NOT_FOUND as a read. */
int ccapex_store_letter_data(PGconn *conn, const char *referral_id, const struct ccapex_viewer *v, char **json,
			     unsigned *relations, struct err *err);

/* --- CLILs --- */

/* communes is a text[] literal of checked INSEE codes. Fills id. ERR_CONFLICT
 * on "name"; ERR_UNPROCESSABLE on "communes". */
int ccapex_store_clil_create(PGconn *conn, const char *name, const char *mode, const char *status,
			     const char *communes, const char *org_id, char id[CCAPEX_ID_LEN], struct err *err);
/* Replaces the landlords with landlords (a uuid[] literal of count distinct
 * ids): ERR_UNPROCESSABLE on "landlords" when one is not a landlord. */
int ccapex_store_clil_set_landlords(PGconn *conn, const char *id, const char *landlords, int count,
				    struct err *err);
int ccapex_store_clil_get(PGconn *conn, const char *id, char **json, int *version, struct err *err);
int ccapex_store_clil_list(PGconn *conn, const char *status, const struct page_cursor *after, int limit,
			   struct json_page *page, struct err *err);
/* Locks the CLIL if it is of one of org_id's départements (0024), the
 * secretariat that manages it; ERR_NOT_FOUND when absent or another's. */
int ccapex_store_clil_lock(PGconn *conn, const char *id, const char *org_id, char mode[CCAPEX_NAME_LEN],
			   int *landlords, int *version, struct err *err);
/* NULL members are unchanged; communes replaces them when not NULL. */
int ccapex_store_clil_update(PGconn *conn, const char *id, const char *name, const char *mode, const char *status,
			     const char *communes, struct err *err);

/* --- commissions --- */

struct ccapex_commission_new {
	const char *level;
	const char *clil_id;         /* NULL unless level clil */
	const char *date;
	const char *time;            /* "HH:MM" or NULL */
	const char *place, *title;   /* NULL: none */
	const char *communes, *epcis;/* text[] literals */
	const char *chairs, *invited;/* uuid[] literals */
	const char *org_id;
};
/* ERR_UNPROCESSABLE naming clil_id, territory.communes, territory.epcis,
 * chairs or invited for an unknown reference. */
int ccapex_store_commission_create(PGconn *conn, const struct ccapex_commission_new *in, char id[CCAPEX_ID_LEN],
				   struct err *err);

/* wide: the caller sees every commission; otherwise those it chairs or is
 * invited to. v's read_mask filters the agenda. */
int ccapex_store_commission_get(PGconn *conn, const char *id, bool wide, const struct ccapex_viewer *v,
				char **json, int *version, struct err *err);
struct ccapex_commission_filter {
	const char *level, *status, *clil_id, *from, *to; /* NULL: any */
};
int ccapex_store_commission_list(PGconn *conn, bool wide, const struct ccapex_viewer *v,
				 const struct ccapex_commission_filter *f, const struct page_cursor *after, int limit,
				 struct json_page *page, struct err *err);

struct ccapex_commission_lock {
	char status[CCAPEX_NAME_LEN];
	char level[CCAPEX_NAME_LEN];
	char date[11];
	int version;
};
/* Locks the session if it is of one of org_id's départements (0024), the
 * secretariat that manages it; ERR_NOT_FOUND otherwise. */
int ccapex_store_commission_lock(PGconn *conn, const char *id, const char *org_id, struct ccapex_commission_lock *out,
				 struct err *err);

struct ccapex_commission_patch {
	const char *status;          /* NULL: unchanged */
	bool set_time, set_place, set_title;
	const char *time, *place, *title; /* NULL with set_*: removed */
};
int ccapex_store_commission_update(PGconn *conn, const char *id, const struct ccapex_commission_patch *p,
				   struct err *err);
/* At the close of a session: its agenda closes, and the referrals it did
 * not examine go back to admissible, with a history entry each. */
int ccapex_store_commission_close_agenda(PGconn *conn, const char *id, const char *org_id, struct err *err);

/* ERR_CONFLICT on "referral_id" when the referral is on another open agenda. */
int ccapex_store_agenda_add(PGconn *conn, const char *commission_id, const char *referral_id, int *position,
			    struct err *err);
/* ERR_NOT_FOUND when the referral is not on the agenda. */
int ccapex_store_agenda_remove(PGconn *conn, const char *commission_id, const char *referral_id, struct err *err);
/* A change of the session's agenda moves the session's version on, so that
 * If-Match on the session guards its agenda too. */
int ccapex_store_commission_touch(PGconn *conn, const char *commission_id, struct err *err);

/* Records or replaces the opinion; decisions is a text[] literal of checked
 * names. ERR_UNPROCESSABLE on "referral_id" when the referral is not on the
 * commission's agenda. */
int ccapex_store_opinion_put(PGconn *conn, const char *commission_id, const char *referral_id, const char *summary,
			     const char *decisions, const char *org_id, char id[CCAPEX_ID_LEN], bool *created,
			     int *version, struct err *err);
/* The opinion's recommendations in force (not withdrawn), locked, oldest
 * first. Caller-owned, zeroed before the first call; what a previous call
 * left in out is freed. Free with ccapex_held_free(). */
struct ccapex_held {
	int count;
	struct ccapex_held_item {
		char id[CCAPEX_ID_LEN];
		char addressee[CCAPEX_ID_LEN];
		char *text;    /* owned */
		char due[16];  /* YYYY-MM-DD */
		char status[16];
	} items[2 * OPINION_MAX_RECOMMENDATIONS];
};
int ccapex_store_recommendations_held(PGconn *conn, const char *opinion_id, struct ccapex_held *out,
				      struct err *err);
void ccapex_held_free(struct ccapex_held *held);
/* A recommendation given again: its due date is set, its version moves on
 * only if it changed. */
int ccapex_store_recommendation_keep(PGconn *conn, const char *id, const char *due_date, struct err *err);
/* The recommendations its opinion no longer gives, in one statement; ids is
 * a uuid[] literal ("{}" for none). */
int ccapex_store_recommendations_withdraw(PGconn *conn, const char *ids, struct err *err);
/* addressee_kinds: text[] literal of the kinds that may receive one.
 * ERR_UNPROCESSABLE on field when the addressee is not such an organisation. */
int ccapex_store_recommendation_add(PGconn *conn, const char *opinion_id, const char *addressee_id,
				    const char *text, const char *due_date, const char *addressee_kinds,
				    const char *field, struct err *err);
int ccapex_store_opinion_get(PGconn *conn, const char *opinion_id, char **json, struct err *err);

/* --- recommendations --- */

/* all: the caller reads every one; else addressee (NULL: none) its own. */
struct ccapex_recommendation_filter {
	const char *status, *referral_id, *addressee_id; /* NULL: any */
};
/* all_of: the préfecture or département that reads every recommendation
 * on the households of its départements (NULL: none; STORE_EVERY_CASE:
 * every one); addressee: the organisation that reads those addressed to it
 * (NULL: none). */
int ccapex_store_recommendation_list(PGconn *conn, const char *all_of, const char *addressee,
				     const struct ccapex_recommendation_filter *f, const struct page_cursor *after,
				     int limit, struct json_page *page, struct err *err);
int ccapex_store_recommendation_get(PGconn *conn, const char *id, const char *all_of, const char *addressee,
				    char **json, int *version, struct err *err);
/* Locks it; ERR_NOT_FOUND when absent or not visible. */
int ccapex_store_recommendation_lock(PGconn *conn, const char *id, const char *all_of, const char *addressee,
				     char status[CCAPEX_NAME_LEN], int *version, struct err *err);
int ccapex_store_recommendation_report(PGconn *conn, const char *id, const char *status, const char *comment,
				       const char *org_id, struct err *err);

/* --- shared by the stores that answer JSON built by PostgreSQL --- */

/* every_case() of 0014: the scope of every case, whatever its département. */
#define STORE_EVERY_CASE "00000000-0000-0000-0000-000000000000"

/* Runs stmt whose first row holds the JSON text in column 0 and, when
 * version is not NULL, the version in column 1; ERR_NOT_FOUND ("no such
 * <what>") without a row. *json is malloc'd for the caller. */
int ccapex_store_run_json(PGconn *conn, const char *stmt, int n, const char *const *params, char **json,
			  int *version, const char *what, struct err *err);

#endif
