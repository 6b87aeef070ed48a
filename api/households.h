/* Households: POST, GET (list and one), PATCH, and a household's timeline.
 * Visibility is decided in SQL (storage/households_store.h); the fields
 * shown follow domain/policy.h's masks for the caller's relations. */
#ifndef API_HOUSEHOLDS_H
#define API_HOUSEHOLDS_H

#include "api/http.h"
#include "storage/households_store.h"

int households_create(struct req *req, struct reply *rep, struct err *err);
int households_list(struct req *req, struct reply *rep, struct err *err);
int households_get(struct req *req, struct reply *rep, struct err *err);
int households_update(struct req *req, struct reply *rep, struct err *err);
int households_timeline(struct req *req, struct reply *rep, struct err *err);

/* Helpers the procedure routes share. */
/* The caller as storage knows it; borrowed from req. */
void households_caller(const struct req *req, struct store_caller *out);
/* The path parameter name, which must be a UUID: else ERR_NOT_FOUND. */
int households_path_id(const struct req *req, const char *name, const char **out, struct err *err);
void households_etag(struct reply *rep, int version);

#endif
