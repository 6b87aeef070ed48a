#include "api/budget.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A power of two; chains stay short while fewer organisations than this have
 * a request in flight, and those are bounded by the requests in flight. */
#define NBUCKETS 1024
#define ORG_ID_MAX 64

struct entry {
	char org_id[ORG_ID_MAX];
	int64_t in_flight;
	struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[NBUCKETS]; /* owned; an entry lives while its in_flight > 0 */
static int entries;

/* FNV-1a: ids are UUIDs from verified tokens, not chosen to collide. */
static unsigned bucket_of(const char *org_id)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)org_id; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h & (NBUCKETS - 1);
}

int budget_enter(const char *org_id, int64_t limit, struct err *err)
{
	if (strlen(org_id) >= ORG_ID_MAX)
		return err_set(err, ERR_INTERNAL, "", "organisation id too long for the budget");
	unsigned b = bucket_of(org_id);
	int rc = ERR_OK;
	pthread_mutex_lock(&lock);
	struct entry *e = buckets[b];
	while (e != NULL && strcmp(e->org_id, org_id) != 0)
		e = e->next;
	if (e != NULL && e->in_flight >= limit) {
		rc = err_set(err, ERR_TOO_MANY, "",
			     "this organisation has %lld requests in flight already, its budget; retry after %d s",
			     (long long)e->in_flight, BUDGET_RETRY_AFTER_S);
	} else if (e != NULL) {
		e->in_flight++;
	} else if ((e = calloc(1, sizeof(*e))) == NULL) {
		rc = err_set(err, ERR_UNAVAILABLE, "", "out of memory");
	} else {
		memcpy(e->org_id, org_id, strlen(org_id) + 1);
		e->in_flight = 1;
		e->next = buckets[b];
		buckets[b] = e;
		entries++;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void budget_leave(const char *org_id)
{
	unsigned b = bucket_of(org_id);
	pthread_mutex_lock(&lock);
	struct entry **link = &buckets[b];
	while (*link != NULL && strcmp((*link)->org_id, org_id) != 0)
		link = &(*link)->next;
	struct entry *e = *link;
	if (e != NULL && --e->in_flight <= 0) {
		*link = e->next;
		entries--;
		free(e);
	}
	pthread_mutex_unlock(&lock);
}

int budget_orgs_in_flight(void)
{
	pthread_mutex_lock(&lock);
	int n = entries;
	pthread_mutex_unlock(&lock);
	return n;
}
