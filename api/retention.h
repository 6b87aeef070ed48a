/* Retention and erasure (GDPR art. 17): POST /v1/households/{id}/erasure
 * and GET /v1/retention-rules. The rules are domain/retention.c's table;
 * an erasure anonymises through storage/retention_store.c, as the purge
 * does. */
#ifndef API_RETENTION_H
#define API_RETENTION_H

#include "api/http.h"

int retention_erase_household(struct req *req, struct reply *rep, struct err *err);
int retention_list_rules(struct req *req, struct reply *rep, struct err *err);

#endif
