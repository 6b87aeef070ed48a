#include "api/webhook_worker.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api/feed.h"
#include "api/log.h"
#include "storage/webhooks_store.h"

#ifndef PREVEX_VERSION
#define PREVEX_VERSION "0.1.0"
#endif

#define WORKER_THREADS_MAX 64
#define ENQUEUE_BATCH 200
#define LEASE_MARGIN_MS 30000
#define CONNECT_TIMEOUT_MS 5000

/* The address of sa into addr (4 or 16 bytes); its length, or 0. */
static size_t sockaddr_bytes(const struct sockaddr *sa, unsigned char addr[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

int webhook_check_url(const char *url, bool allow_loopback, const char *field, struct webhook_url *out,
		      char addr[WEBHOOK_ADDR_TEXT_MAX], struct err *err)
{
	addr[0] = '\0';
	int rc = webhook_url_parse(url, field, out, err);
	if (rc == ERR_OK)
		rc = webhook_url_check_host(out, allow_loopback, field, err);
	if (rc != ERR_OK)
		return rc;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *list = NULL;
	if (getaddrinfo(out->host, NULL, &hints, &list) != 0 || list == NULL)
		return err_set_reason(err, ERR_REASON_WEBHOOK_ADDRESS_REFUSED, field, "the host of %s does not resolve", field);
	/* Every address must be acceptable: the one connected to is then
	 * pinned, but a name that also points inside is refused outright. */
	for (const struct addrinfo *ai = list; ai != NULL && rc == ERR_OK; ai = ai->ai_next) {
		unsigned char bytes[16];
		size_t len = sockaddr_bytes(ai->ai_addr, bytes);
		if (!webhook_addr_allowed(bytes, len, allow_loopback))
			rc = err_set_reason(err, ERR_REASON_WEBHOOK_ADDRESS_REFUSED, field, "%s resolves to a %s address, which webhooks may not reach",
				     field, webhook_addr_class_name(webhook_addr_classify(bytes, len)));
		else if (addr[0] == '\0')
			inet_ntop(ai->ai_family, len == 4 ? (const void *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr
							  : (const void *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr,
				  addr, WEBHOOK_ADDR_TEXT_MAX);
	}
	freeaddrinfo(list);
	if (rc == ERR_OK && addr[0] == '\0')
		rc = err_set_reason(err, ERR_REASON_WEBHOOK_ADDRESS_REFUSED, field, "the host of %s has no usable address", field);
	return rc;
}

struct webhook_worker {
	struct app *app;            /* borrowed */
	struct pool *pool;          /* owned: one connection per thread */
	pthread_t threads[WORKER_THREADS_MAX];
	int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_int stop;
};

/* What one attempt came to. */
struct attempt {
	bool delivered;
	int status_code;
	char error[300];
};

struct transfer {
	struct webhook_worker *w;
	bool allow_loopback;
};

/* Refuses, at the last moment, any address the checks did not allow:
 * whatever curl was about to connect to is what gets checked. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	const struct transfer *t = clientp;
	unsigned char bytes[16];
	size_t len = sockaddr_bytes(&address->addr, bytes);
	if (purpose != CURLSOCKTYPE_IPCXN || !webhook_addr_allowed(bytes, len, t->allow_loopback))
		return CURL_SOCKET_BAD;
	return socket(address->family, address->socktype, address->protocol);
}

static size_t discard_body(char *data, size_t size, size_t n, void *userdata)
{
	return size * n;
}

static int abort_on_stop(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	const struct transfer *t = clientp;
	return atomic_load(&t->w->stop) ? 1 : 0;
}

/* "t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">" into out. */
static int sign(const char *secret, const char *body, long long t, char *out, size_t len)
{
	size_t blen = strlen(body);
	char *msg = malloc(blen + 32);
	if (msg == NULL)
		return -1;
	int mlen = snprintf(msg, blen + 32, "%lld.%s", t, body);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	bool ok = mlen > 0 && HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)mlen,
				   mac, &maclen) != NULL;
	free(msg);
	if (!ok || len < 24 + 2 * (size_t)maclen)
		return -1;
	int n = snprintf(out, len, "t=%lld,v1=", t);
	for (unsigned int i = 0; i < maclen; i++)
		n += snprintf(out + n, len - (size_t)n, "%02x", mac[i]);
	return 0;
}

static void deliver(struct webhook_worker *w, const struct webhook_claim *c, struct attempt *a)
{
	const struct config *cfg = &w->app->cfg;
	bool allow_loopback = cfg->webhook_allow_loopback != 0;
	struct webhook_url u;
	char addr[WEBHOOK_ADDR_TEXT_MAX];
	struct err err;
	err_clear(&err);
	memset(a, 0, sizeof(*a));
	/* Checked again at each attempt: what a name resolves to can change. */
	if (webhook_check_url(c->url, allow_loopback, "url", &u, addr, &err) != ERR_OK) {
		snprintf(a->error, sizeof(a->error), "%s", err.message);
		return;
	}
	char resolve[WEBHOOK_HOST_MAX + WEBHOOK_ADDR_TEXT_MAX + 16], signature[160] = "", header[256];
	snprintf(resolve, sizeof(resolve), strchr(addr, ':') ? "%s:%d:[%s]" : "%s:%d:%s", u.host, u.port, addr);
	struct curl_slist *pin = curl_slist_append(NULL, resolve), *headers = NULL;
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "User-Agent: prevex-webhooks/" PREVEX_VERSION);
	headers = curl_slist_append(headers, "Expect:");
	snprintf(header, sizeof(header), "Prevex-Delivery: %s", c->delivery_id);
	headers = curl_slist_append(headers, header);
	snprintf(header, sizeof(header), "Prevex-Event: %s", c->event_type);
	headers = curl_slist_append(headers, header);
	snprintf(header, sizeof(header), "Prevex-Webhook: %s", c->webhook_id);
	headers = curl_slist_append(headers, header);
	long long now = (long long)time(NULL);
	if (sign(c->secret, c->body, now, signature, sizeof(signature)) == 0) {
		snprintf(header, sizeof(header), "Prevex-Signature: %s", signature);
		headers = curl_slist_append(headers, header);
	}
	struct transfer t = { .w = w, .allow_loopback = allow_loopback };
	CURL *h = curl_easy_init();
	if (h == NULL || pin == NULL || headers == NULL || strstr(signature, "v1=") == NULL) {
		snprintf(a->error, sizeof(a->error), "cannot prepare the request");
		goto done;
	}
	long timeout = (long)cfg->webhook_timeout_ms;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, allow_loopback ? "http,https" : "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout < CONNECT_TIMEOUT_MS ? timeout : CONNECT_TIMEOUT_MS);
	/* No proxy from the environment: the address checked is the one reached. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(c->body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
	CURLcode cc = curl_easy_perform(h);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	a->status_code = (int)code;
	if (cc != CURLE_OK)
		snprintf(a->error, sizeof(a->error), "%s", cc == CURLE_ABORTED_BY_CALLBACK ? "interrupted: the service stopped"
											  : curl_easy_strerror(cc));
	else if (code >= 200 && code < 300)
		a->delivered = true;
	else
		snprintf(a->error, sizeof(a->error), "the receiver answered HTTP %ld", code);
done:
	curl_easy_cleanup(h);
	curl_slist_free_all(pin);
	curl_slist_free_all(headers);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Turns new feed events into deliveries. */
static void enqueue_all(PGconn *conn)
{
	struct webhook_due *due = malloc(sizeof(*due));
	struct err err;
	err_clear(&err);
	if (due == NULL || webhooks_store_due_feeds(conn, due, &err) != ERR_OK) {
		if (due != NULL)
			log_msg(LOG_WARN, "webhook_enqueue", "%s", err.message);
		free(due);
		return;
	}
	for (int i = 0; i < due->count; i++) {
		enum org_kind kind;
		struct feed_masks masks;
		int n = 0;
		if (policy_kind_from_string(due->kinds[i], &kind) != 0)
			continue;
		feed_masks_for(kind, &masks);
		if (webhooks_store_enqueue(conn, due->ids[i], &masks, ENQUEUE_BATCH, &n, &err) != ERR_OK)
			log_msg(LOG_WARN, "webhook_enqueue", "webhook %s: %s", due->ids[i], err.message);
	}
	free(due);
}

/* One round: new deliveries, then at most one attempt. True when an
 * attempt was made, so that the thread looks again at once. */
static bool work_once(struct webhook_worker *w)
{
	const struct config *cfg = &w->app->cfg;
	PGconn *conn = NULL;
	struct err err;
	err_clear(&err);
	struct webhook_claim claim;
	bool found = false;
	memset(&claim, 0, sizeof(claim));
	if (pool_acquire(w->pool, &conn, &err) != ERR_OK)
		return false;
	enqueue_all(conn);
	int rc = webhooks_store_claim(conn, (int)cfg->webhook_timeout_ms + LEASE_MARGIN_MS, &claim, &found, &err);
	/* No connection is held during the HTTP call. */
	pool_release(w->pool, conn);
	if (rc != ERR_OK)
		log_msg(LOG_WARN, "webhook_claim", "%s", err.message);
	if (rc != ERR_OK || !found)
		return false;
	struct attempt a;
	int64_t start = now_ms();
	deliver(w, &claim, &a);
	int duration = (int)(now_ms() - start);
	struct webhook_retry retry = { .base_ms = cfg->webhook_backoff_base_ms,
				       .max_ms = cfg->webhook_backoff_max_s * 1000,
				       .retry_for_s = cfg->webhook_retry_for_s };
	rc = pool_acquire(w->pool, &conn, &err);
	if (rc == ERR_OK) {
		rc = webhooks_store_record(conn, &claim, a.delivered, a.status_code, a.error[0] ? a.error : NULL,
					   duration, &retry, &err);
		pool_release(w->pool, conn);
	}
	log_json(a.delivered ? LOG_DEBUG : LOG_INFO, "webhook_delivery",
		 json_pack("{ss ss ss sb si ss si}", "webhook_id", claim.webhook_id, "delivery_id", claim.delivery_id,
			   "attempt", claim.attempt, "delivered", a.delivered, "status_code", a.status_code,
			   "error", a.error, "duration_ms", duration));
	if (rc != ERR_OK)
		log_msg(LOG_WARN, "webhook_record", "delivery %s: %s", claim.delivery_id, err.message);
	webhook_claim_clear(&claim);
	return true;
}

static void *worker_main(void *arg)
{
	struct webhook_worker *w = arg;
	while (!atomic_load(&w->stop)) {
		if (work_once(w))
			continue;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		int64_t ns = until.tv_nsec + (w->app->cfg.webhook_poll_ms % 1000) * 1000000;
		until.tv_sec += (time_t)(w->app->cfg.webhook_poll_ms / 1000 + ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		pthread_mutex_lock(&w->lock);
		while (!atomic_load(&w->stop) && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int webhook_worker_start(struct webhook_worker **out, struct app *app, struct err *err)
{
	*out = NULL;
	int n = (int)app->cfg.webhook_workers;
	if (n <= 0)
		return ERR_OK;
	if (n > WORKER_THREADS_MAX)
		n = WORKER_THREADS_MAX;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(err, ERR_INTERNAL, "", "cannot initialise libcurl");
	struct webhook_worker *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		curl_global_cleanup();
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	w->app = app;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	struct pool_config pc = {
		.conninfo = app->cfg.database_url,
		.size = n,
		.acquire_timeout_ms = (int)app->cfg.db_acquire_timeout_ms,
		.statement_timeout_ms = (int)app->cfg.statement_timeout_ms,
		.connect_timeout_s = (int)app->cfg.connect_timeout_s,
		.application_name = "prevex-webhooks",
	};
	int rc = pool_new(&w->pool, &pc, err);
	for (int i = 0; rc == ERR_OK && i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "cannot start a webhook thread");
		else
			w->nthreads++;
	}
	if (rc != ERR_OK) {
		webhook_worker_stop(w);
		return rc;
	}
	log_json(LOG_INFO, "webhook_workers", json_pack("{si}", "threads", n));
	*out = w;
	return ERR_OK;
}

void webhook_worker_stop(struct webhook_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pool_free(w->pool);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	curl_global_cleanup();
}
