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

/* Replies with row as the caller may see it (its fields masked), and its
 * version as the ETag. */
int households_reply(struct req *req, struct reply *rep, int status, const struct household_row *row,
		     struct err *err);

/* The caller as storage knows it, for the procedure routes too; borrowed
 * from req. */
void households_caller(const struct req *req, struct store_caller *out);

#endif
