#include "api/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/budget.h"
#include "api/router.h"

#define MAX_SERIES 2048
#define NBUCKETS 12
#define MAX_ROUTES 256

static const double bucket_bounds[NBUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

/* Only well-known methods become label values, so that a client cannot grow
 * the number of series by inventing methods. */
static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER" };
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

struct series {
	int route;   /* -1: unmatched */
	int method;
	int status;
	unsigned long long count;
};

struct histogram {
	unsigned long long buckets[NBUCKETS];
	unsigned long long count;
	double sum;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static size_t nseries;
static struct histogram histograms[MAX_ROUTES + 1]; /* [0]: unmatched */
static unsigned long long budget_refusals[ORG_KIND__COUNT];

static int method_index(const char *method)
{
	for (size_t i = 0; i + 1 < NMETHODS; i++)
		if (method != NULL && strcmp(method, methods[i]) == 0)
			return (int)i;
	return (int)NMETHODS - 1;
}

void metrics_observe(int route, const char *method, int status, double seconds)
{
	if (route >= MAX_ROUTES)
		route = -1;
	int m = method_index(method);
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < nseries; i++)
		if (series[i].route == route && series[i].method == m && series[i].status == status)
			break;
	if (i == nseries && nseries < MAX_SERIES)
		series[nseries++] = (struct series){ .route = route, .method = m, .status = status };
	if (i < nseries)
		series[i].count++;
	struct histogram *h = &histograms[route + 1];
	for (int b = 0; b < NBUCKETS; b++)
		if (seconds <= bucket_bounds[b])
			h->buckets[b]++;
	h->count++;
	h->sum += seconds;
	pthread_mutex_unlock(&lock);
}

void metrics_budget_refused(enum org_kind kind)
{
	if ((unsigned)kind >= ORG_KIND__COUNT)
		return;
	pthread_mutex_lock(&lock);
	budget_refusals[kind]++;
	pthread_mutex_unlock(&lock);
}

struct buf {
	char *data;
	size_t len, cap;
	int failed;
};

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *data = realloc(b->data, cap);
		if (data == NULL) {
			b->failed = 1;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
}

static const char *route_label(int route)
{
	return route < 0 ? "unmatched" : routes[route].path;
}

char *metrics_render(const struct pool_stats *pool, size_t *len)
{
	struct buf b = { .data = malloc(8192), .cap = 8192 };
	if (b.data == NULL)
		return NULL;
	b.data[0] = '\0';
	pthread_mutex_lock(&lock);
	buf_printf(&b, "# HELP prevex_http_requests_total HTTP requests answered, by route template, method and status.\n"
		       "# TYPE prevex_http_requests_total counter\n");
	for (size_t i = 0; i < nseries; i++)
		buf_printf(&b, "prevex_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
			   route_label(series[i].route), methods[series[i].method], series[i].status, series[i].count);
	buf_printf(&b, "# HELP prevex_http_request_duration_seconds Time to answer a request, by route template.\n"
		       "# TYPE prevex_http_request_duration_seconds histogram\n");
	for (int r = -1; r < (int)routes_count && r < MAX_ROUTES; r++) {
		const struct histogram *h = &histograms[r + 1];
		if (h->count == 0)
			continue;
		for (int k = 0; k < NBUCKETS; k++)
			buf_printf(&b, "prevex_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				   route_label(r), bucket_bounds[k], h->buckets[k]);
		buf_printf(&b, "prevex_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
			       "prevex_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
			       "prevex_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			   route_label(r), h->count, route_label(r), h->sum, route_label(r), h->count);
	}
	buf_printf(&b, "# HELP prevex_org_budget_refusals_total Requests refused (429) past their organisation's budget"
		       " of requests in flight, by organisation kind.\n"
		       "# TYPE prevex_org_budget_refusals_total counter\n");
	for (int k = 0; k < ORG_KIND__COUNT; k++)
		buf_printf(&b, "prevex_org_budget_refusals_total{kind=\"%s\"} %llu\n",
			   policy_kind_to_string((enum org_kind)k), budget_refusals[k]);
	pthread_mutex_unlock(&lock);
	buf_printf(&b, "# HELP prevex_org_budget_orgs_in_flight Organisations with a request in flight.\n"
		       "# TYPE prevex_org_budget_orgs_in_flight gauge\nprevex_org_budget_orgs_in_flight %d\n",
		   budget_orgs_in_flight());
	buf_printf(&b, "# HELP prevex_db_pool_size Database connections in the pool.\n"
		       "# TYPE prevex_db_pool_size gauge\nprevex_db_pool_size %d\n"
		       "# HELP prevex_db_pool_in_use Database connections lent to requests.\n"
		       "# TYPE prevex_db_pool_in_use gauge\nprevex_db_pool_in_use %d\n"
		       "# HELP prevex_db_pool_waiting Requests waiting for a database connection.\n"
		       "# TYPE prevex_db_pool_waiting gauge\nprevex_db_pool_waiting %d\n"
		       "# HELP prevex_db_connections_opened_total Database connections opened since start.\n"
		       "# TYPE prevex_db_connections_opened_total counter\nprevex_db_connections_opened_total %lld\n",
		   pool->size, pool->in_use, pool->waiting, pool->opened);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}
