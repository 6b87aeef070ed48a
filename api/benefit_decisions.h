/* /v1/benefit-decisions: from 1 January 2027 the CCAPEX decides whether a
 * household's housing benefit is maintained, suspended or paid to the
 * landlord once the CAF signals a constituted unpaid; the CAF that sent the
 * signal is its addressee and reports when it has applied the decision. */
#ifndef API_BENEFIT_DECISIONS_H
#define API_BENEFIT_DECISIONS_H

#include "api/http.h"

int benefit_decisions_list(struct req *req, struct reply *rep, struct err *err);
int benefit_decisions_get(struct req *req, struct reply *rep, struct err *err);
int benefit_decisions_update(struct req *req, struct reply *rep, struct err *err);

#endif
