/* The right of access (GDPR art. 15): everything held on a household and
 * who read or wrote it, as one JSON document or as a French HTML page. */
#ifndef API_HOUSEHOLDS_EXPORT_H
#define API_HOUSEHOLDS_EXPORT_H

#include "api/http.h"

/* GET /v1/households/{id}/export: the préfecture and the département only
 * (403 for another kind that sees the household, 404 when it does not);
 * application/json by default, text/html by Accept or ?format=html, 406
 * when the client accepts neither. Audited as "export". */
int households_export(struct req *req, struct reply *rep, struct err *err);

#endif
