/* Eviction procedures and their events; the préfecture's work queue. The
 * state machine is domain/procedure.h's; deadlines and flags come from
 * domain/deadlines.h. */
#ifndef API_PROCEDURES_H
#define API_PROCEDURES_H

#include "api/http.h"

int procedures_create(struct req *req, struct reply *rep, struct err *err);
int procedures_get(struct req *req, struct reply *rep, struct err *err);
int procedures_add_event(struct req *req, struct reply *rep, struct err *err);
int procedures_list_events(struct req *req, struct reply *rep, struct err *err);
int procedures_queue(struct req *req, struct reply *rep, struct err *err);

#endif
