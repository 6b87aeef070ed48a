#include "api/feed.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cursor.h"
#include "api/router.h"
#include "api/secret.h"
#include "api/tx.h"
#include "domain/parse.h"

#define FEED_LIMIT_DEFAULT 100
#define FEED_LIMIT_MAX 500
#define FEED_WAIT_MAX_S 30
#define FEED_POLL_MS 250
#define FEED_CURSOR_MAX 96

/* Requests waiting in GET /v1/events?wait= right now. In pool mode a
 * waiting handler holds its epoll worker (ulfius cannot suspend a
 * request), so only a few may wait at once; the others answer at once and
 * the client asks again. Between two looks at the feed the database
 * connection is back in the pool. */
static atomic_int feed_waiters;

static void mask_add(unsigned *mask, enum org_kind kind, enum policy_action action)
{
	for (int rel = POLICY_REL_NONE + 1; rel < POLICY_REL__COUNT; rel++)
		if (policy_allows(kind, action, (enum policy_relation)rel))
			*mask |= 1u << rel;
}

void feed_masks_for(enum org_kind kind, struct feed_masks *out)
{
	memset(out, 0, sizeof(*out));
	mask_add(&out->procedure, kind, POLICY_READ_PROCEDURE);
	mask_add(&out->referral, kind, POLICY_READ_REFERRAL);
	mask_add(&out->recommendation, kind, POLICY_READ_RECOMMENDATION);
	mask_add(&out->diagnostic, kind, POLICY_READ_DIAGNOSTIC);
	mask_add(&out->benefit_decision, kind, POLICY_READ_BENEFIT_DECISION);
	mask_add(&out->household, kind, POLICY_READ_HOUSEHOLD);
}

/* Cursors are opaque to clients: base64url of "f1.<pos>.<seq>". */
static void cursor_write(const struct feed_cursor *c, char *out, size_t len)
{
	char plain[64];
	int n = snprintf(plain, sizeof(plain), "f1.%" PRIu64 ".%" PRId64, c->pos, c->seq);
	if (n < 0 || (size_t)n >= sizeof(plain) || len < 4 * sizeof(plain) / 3 + 4) {
		out[0] = '\0';
		return;
	}
	secret_base64url((const unsigned char *)plain, (size_t)n, out);
}

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

static int cursor_read(const char *s, struct feed_cursor *out, struct err *err)
{
	size_t n = strlen(s);
	char plain[FEED_CURSOR_MAX];
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	if (n == 0 || n >= FEED_CURSOR_MAX || n % 4 == 1)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value(s[i]);
		if (v < 0)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			plain[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	plain[o] = '\0';
	char *seq = NULL;
	if (strncmp(plain, "f1.", 3) != 0 || (seq = strchr(plain + 3, '.')) == NULL)
		goto bad;
	*seq++ = '\0';
	int64_t pos, sq;
	/* xid8 values past INT64_MAX would take billions of years to reach. */
	if (parse_i64(plain + 3, 0, INT64_MAX, &pos) != 0 || parse_i64(seq, 0, INT64_MAX, &sq) != 0)
		goto bad;
	out->pos = (uint64_t)pos;
	out->seq = sq;
	return ERR_OK;
bad:
	return err_set(err, ERR_INVALID, "after", "after must be a next_cursor of this feed");
}

struct feed_read {
	const char *org_id;
	struct feed_cursor after;
	struct feed_masks masks;
	int limit;
	struct feed_page page;
};

static int feed_list_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct feed_read *r = ctx;
	return feed_store_read(conn, r->org_id, &r->after, &r->masks, r->limit, &r->page, err);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int waiters_cap(const struct config *cfg)
{
	if (cfg->feed_max_waiters > 0)
		return (int)cfg->feed_max_waiters;
	if (cfg->http_mode == HTTP_MODE_PER_CONNECTION)
		return 64;
	return cfg->http_threads >= 8 ? (int)(cfg->http_threads / 4) : 1;
}

static bool waiter_enter(int cap)
{
	int n = atomic_load(&feed_waiters);
	while (n < cap)
		if (atomic_compare_exchange_weak(&feed_waiters, &n, n + 1))
			return true;
	return false;
}

static json_t *page_json(const struct feed_page *page)
{
	json_t *items = json_array();
	for (int i = 0; items != NULL && i < page->events.count; i++) {
		json_t *item = json_loads(page->events.items[i], 0, NULL);
		if (item == NULL || json_array_append_new(items, item) != 0) {
			json_decref(items);
			return NULL;
		}
	}
	char cursor[FEED_CURSOR_MAX];
	cursor_write(&page->next, cursor, sizeof(cursor));
	return json_pack("{so ss}", "items", items, "next_cursor", cursor);
}

int feed_list(struct req *req, struct reply *rep, struct err *err)
{
	struct feed_read r = { .org_id = req->actor.org_id };
	const char *after = req_query(req, "after"), *wait_s = req_query(req, "wait");
	int64_t wait = 0;
	int rc = ERR_OK;
	if (after != NULL && *after != '\0')
		rc = cursor_read(after, &r.after, err);
	if (rc == ERR_OK)
		rc = cursor_limit(req, FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX, &r.limit, err);
	if (rc == ERR_OK && wait_s != NULL && parse_i64(wait_s, 0, FEED_WAIT_MAX_S, &wait) != 0)
		rc = err_set(err, ERR_INVALID, "wait", "wait must be a number of seconds from 0 to %d", FEED_WAIT_MAX_S);
	if (rc != ERR_OK)
		return rc;
	feed_masks_for(req->actor.kind, &r.masks);
	int64_t deadline = now_ms() + wait * 1000;
	bool waiting = false;
	for (;;) {
		feed_page_free(&r.page);
		rc = tx_run(req, feed_list_tx, &r, err);
		if (rc != ERR_OK || r.page.events.count > 0 || atomic_load(&req->app->draining))
			break;
		int64_t left = deadline - now_ms();
		if (left <= 0 || (!waiting && !(waiting = waiter_enter(waiters_cap(&req->app->cfg)))))
			break;
		/* Past the events this reader may not read, not to scan them again. */
		r.after = r.page.next;
		/* Asleep, the request leaves its organisation's budget; awake, it
		 * waits for room in it again, or answers the empty page at the end. */
		router_budget_pause(req);
		bool resumed = false;
		while (!resumed && left > 0) {
			sleep_ms(left < FEED_POLL_MS ? left : FEED_POLL_MS);
			resumed = router_budget_resume(req);
			left = deadline - now_ms();
		}
		if (!resumed)
			break;
	}
	if (waiting)
		atomic_fetch_sub(&feed_waiters, 1);
	if (rc == ERR_OK)
		rc = reply_json(rep, 200, page_json(&r.page));
	feed_page_free(&r.page);
	return rc;
}
