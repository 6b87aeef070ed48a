/* /v1/recommendations: what the CCAPEX asked of an organisation, and its
 * report back (accepted, done or declined). */
#ifndef API_RECOMMENDATIONS_H
#define API_RECOMMENDATIONS_H

#include "api/http.h"

int recommendations_list(struct req *req, struct reply *rep, struct err *err);
int recommendations_get(struct req *req, struct reply *rep, struct err *err);
int recommendations_report(struct req *req, struct reply *rep, struct err *err);

#endif
