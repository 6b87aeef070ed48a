/* Each organisation's budget of requests in flight: past it, 429 with
 * Retry-After, so that no partner can hold every database connection and
 * make the others wait. One table for the process, keyed by organisation id,
 * holding only the organisations that have a request in flight. */
#ifndef API_BUDGET_H
#define API_BUDGET_H

#include <stdint.h>

#include "domain/err.h"

/* The seconds a refused client is told to wait (Retry-After). */
#define BUDGET_RETRY_AFTER_S 1

/* Counts one more request of org_id in flight. ERR_OK when it had fewer than
 * limit (at least 1); ERR_TOO_MANY (counting nothing) when it has limit already;
 * ERR_UNAVAILABLE when out of memory. Each ERR_OK takes one budget_leave(). */
int budget_enter(const char *org_id, int64_t limit, struct err *err);

/* Ends one request of org_id counted by budget_enter(). */
void budget_leave(const char *org_id);

/* Organisations with a request in flight now (the table's size). */
int budget_orgs_in_flight(void);

#endif
