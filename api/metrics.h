/* Prometheus metrics: requests by route template, method and status, a
 * latency histogram per route, and the database pool. */
#ifndef API_METRICS_H
#define API_METRICS_H

#include <stddef.h>

#include "domain/policy.h"
#include "storage/pool.h"

/* route: index into routes[], or -1 when no route matched. */
void metrics_observe(int route, const char *method, int status, double seconds);

/* A request refused past its organisation's budget (429), by kind. */
void metrics_budget_refused(enum org_kind kind);

/* Returns a new string in the text exposition format 0.0.4; the caller
 * free()s it. NULL when out of memory. */
char *metrics_render(const struct pool_stats *pool, size_t *len);

#endif
