/* /v1/referrals/{id}/orientation: the CCAPEX orients a bailiff's report to
 * a local actor and its addressee (décret 2026-83); the addressee reports
 * back (accepted, done or declined). */
#ifndef API_ORIENTATIONS_H
#define API_ORIENTATIONS_H

#include "api/http.h"

int orientations_orient(struct req *req, struct reply *rep, struct err *err);
int orientations_get(struct req *req, struct reply *rep, struct err *err);
int orientations_report(struct req *req, struct reply *rep, struct err *err);

#endif
