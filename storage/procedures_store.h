/* Eviction procedures, their append-only events, and what the events open:
 * diagnostic requests, CCAPEX referrals, the préfecture's work queue. Reads
 * go through procedure_relations() (migration 0003): a procedure the caller
 * may not see is ERR_NOT_FOUND. */
#ifndef STORAGE_PROCEDURES_STORE_H
#define STORAGE_PROCEDURES_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/procedure.h"
#include "storage/db.h"
#include "storage/households_store.h"
#include "storage/orgs_store.h"

extern const struct db_stmt procedures_store_statements[];

/* A procedure and its events, as the domain replays them. */
struct procedure_record {
	char id[40];
	char household_id[40];
	char *json;                         /* owned: procedure_json() */
	int version;
	unsigned relations;
	struct date today;                  /* in Europe/Paris, from the database */
	bool household_lease_known;         /* the household's lease_signed_on */
	struct date household_lease;
	int count;
	struct event events[PROCEDURE_MAX_EVENTS];
	char event_ids[PROCEDURE_MAX_EVENTS][40];
	char *event_json[PROCEDURE_MAX_EVENTS]; /* owned */
};
/* Frees what the record owns; the record itself is the caller's. */
void procedure_record_clear(struct procedure_record *r);

/* A new, empty procedure on a household the caller has read. */
int procedures_store_create(PGconn *conn, const struct store_caller *caller, const char *household_id,
			    const char *reference, char **json, char *id, struct err *err);
/* procedures_store_create for count households (references[i] on
 * household_ids[i]) in one round trip (a pipeline), for a writer that needs
 * only the new ids: ids[i]. */
int procedures_store_create_many(PGconn *conn, const struct store_caller *caller, int count,
				 const char *const *household_ids, const char *const *references, char (*ids)[40],
				 struct err *err);

/* Filters of the procedure list; NULL members do not filter. */
struct procedure_filter {
	const char *reference;
	const char *household_id;
	const char *stage;
	const char *status;
	const char *updated_since;  /* RFC 3339 date-time or date */
};

/* One page, in (created_at, id) order, of the procedures on which the
 * caller holds a relation in relations (bits 1u << enum policy_relation),
 * with one audit row ("read") per item, in the same statement. */
int procedures_store_list(PGconn *conn, const struct store_caller *caller, unsigned relations,
			  const struct procedure_filter *filter, const struct page_cursor *after, int limit,
			  struct json_page *page, struct err *err);

/* A correction of the procedure's reference (GDPR art. 16); NULL erases
 * it. The caller holds the procedure locked (procedures_store_load). */
int procedures_store_set_reference(PGconn *conn, const char *id, const char *reference, struct err *err);

/* Loads a procedure and its events in order. lock: SELECT ... FOR UPDATE,
 * so that event posts on one procedure never interleave. ERR_NOT_FOUND
 * when absent or not visible to the caller. */
int procedures_store_load(PGconn *conn, const struct store_caller *caller, const char *id, bool lock,
			  struct procedure_record *out, struct err *err);

/* Appends ev as event number seq and moves the procedure to stage and
 * status; corrects_id names the corrected event or is NULL. A new act (not
 * a correction) closes the procedure's open item of the préfecture's
 * queue. *json is the new event's representation (caller free()s), id its
 * id. */
int procedures_store_append(PGconn *conn, const struct store_caller *caller, const char *procedure_id, int seq,
			    const struct event *ev, const char *corrects_id, const char *stage, const char *status,
			    char **json, char *id, struct err *err);

/* A summons's diagnostic request, assigned to the social service whose
 * territory covers the household's commune (a commune match before an EPCI
 * match, then the oldest), or to nobody when none does. */
int procedures_store_request_diagnostic(PGconn *conn, const char *household_id, const char *procedure_id,
					const struct date *requested_on, const struct date *hearing_date,
					struct err *err);

/* A bailiff_report referral located by the household's commune and EPCI. */
int procedures_store_open_referral(PGconn *conn, const struct store_caller *caller, const char *household_id,
				   const char *procedure_id, const struct event *payment_order, struct err *err);

/* Opens a queue item of kind for the event (due_on may be NULL), closing
 * the procedure's open one if any. procedures_store_append already closes
 * it for every new act. */
int procedures_store_queue(PGconn *conn, const char *procedure_id, const char *household_id, const char *event_id,
			   const char *kind, const struct date *event_date, const struct date *due_on,
			   struct err *err);

/* Open queue items of the households of org_id's départements, in order;
 * after_id is the last id seen or NULL. */
int procedures_store_queue_list(PGconn *conn, const char *org_id, const char *after_id, int limit,
				struct json_page *page, struct err *err);

/* Every event, referral and diagnostic of a household in date order, each
 * {"type", "date", "item"} with the caller's relations to it: the api
 * keeps what the policy lets the caller read. */
struct timeline {
	int count;
	char **items;           /* owned JSON texts */
	char (*types)[24];      /* owned: procedure_event, referral, diagnostic */
	unsigned *relations;    /* owned */
};
void timeline_free(struct timeline *t);
int procedures_store_timeline(PGconn *conn, const struct store_caller *caller, const char *household_id,
			      struct timeline *out, struct err *err);

#endif
