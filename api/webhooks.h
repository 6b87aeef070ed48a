/* /v1/webhooks: an organisation's HTTPS endpoints for its change feed, and
 * the deliveries made to each. An organisation manages its own webhooks
 * only; another's do not exist for it (404). */
#ifndef API_WEBHOOKS_H
#define API_WEBHOOKS_H

#include "api/http.h"

int webhooks_create(struct req *req, struct reply *rep, struct err *err);
int webhooks_list(struct req *req, struct reply *rep, struct err *err);
int webhooks_get(struct req *req, struct reply *rep, struct err *err);
int webhooks_delete(struct req *req, struct reply *rep, struct err *err);
int webhooks_list_deliveries(struct req *req, struct reply *rep, struct err *err);

#endif
