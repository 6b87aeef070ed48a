/* /v1/referrals: referrals to the CCAPEX (saisines), their handling by the
 * secretariat, and the helpers the other CCAPEX resources share. */
#ifndef API_REFERRALS_H
#define API_REFERRALS_H

#include "api/http.h"
#include "storage/ccapex_store.h"

int referrals_create(struct req *req, struct reply *rep, struct err *err);
int referrals_list(struct req *req, struct reply *rep, struct err *err);
int referrals_get(struct req *req, struct reply *rep, struct err *err);
int referrals_update(struct req *req, struct reply *rep, struct err *err);
int referrals_escalate(struct req *req, struct reply *rep, struct err *err);

/* The relations (bitmask of 1 << enum policy_relation) through which kind
 * may do action. */
unsigned ccapex_relations_allowing(enum org_kind kind, enum policy_action action);

/* The caller as the CCAPEX queries see it: what it may read of a referral
 * and whether it sees the social details and every recommendation. */
void ccapex_viewer_of(const struct req *req, struct ccapex_viewer *out);

/* Replies with the JSON text (status 200 or 201), adding ETag when version
 * is positive and Location when location is not NULL. */
int ccapex_reply_text_json(struct reply *rep, int status, const char *json, int version, const char *location);

/* An optional query parameter that must be a UUID: ERR_INVALID naming it. */
int ccapex_query_uuid(const struct req *req, const char *name, const char **out, struct err *err);

/* Reads an optional array member of UUIDs into a uuid[] literal ("{}" when
 * absent) of at most max ids: ERR_INVALID naming the member. *count gets
 * the number of distinct ids. Returns a malloc'd literal in *out. */
int ccapex_uuid_array(const json_t *body, const char *key, int max, char **out, int *count, struct err *err);

#endif
