/* Eviction procedures and their events; the préfecture's work queue. The
 * state machine is domain/procedure.h's; deadlines and flags come from
 * domain/deadlines.h. */
#ifndef API_PROCEDURES_H
#define API_PROCEDURES_H

#include <libpq-fe.h>

#include "api/http.h"
#include <jansson.h>

#include "domain/date.h"
#include "domain/deadlines.h"
#include "domain/policy.h"
#include "domain/procedure.h"

int procedures_create(struct req *req, struct reply *rep, struct err *err);
int procedures_list(struct req *req, struct reply *rep, struct err *err);
/* PATCH /v1/procedures/{id}: a correction of the reference (GDPR art. 16). */
int procedures_update(struct req *req, struct reply *rep, struct err *err);
int procedures_get(struct req *req, struct reply *rep, struct err *err);
int procedures_add_event(struct req *req, struct reply *rep, struct err *err);
int procedures_list_events(struct req *req, struct reply *rep, struct err *err);
int procedures_queue(struct req *req, struct reply *rep, struct err *err);

/* A deadline as the API answers it: {name, due, status, done_on?, rule:
 * {id, version, basis}}. Returns a new reference, or NULL. */
json_t *procedures_deadline_json(const struct deadline *d);

/* Who may record an event of that kind: domain/policy.h's case actions
 * (also the rule for imported acts). */
enum policy_action procedures_event_action(enum event_kind kind);

struct store_caller;
/* Applies ev to p (the procedure replayed from its seq events), appends it
 * as event number seq, and sets going what it triggers: a diagnostic
 * request, a CCAPEX referral, the préfecture's queue. Shared by the event
 * endpoint and the demo dataset. *json is the event's representation (the
 * caller free()s it), id its id. */
int procedures_record_event(PGconn *conn, const struct store_caller *caller, const char *procedure_id,
			    const char *household_id, int seq, const struct date *today, struct procedure *p,
			    const struct event *ev, const char *corrects_id, char **json, char *id, struct err *err);

#endif
