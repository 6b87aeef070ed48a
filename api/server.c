#include "api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <ulfius.h>
#include <unistd.h>

#include "api/http.h"
#include "api/http_gate.h"
#include "api/log.h"
#include "api/router.h"
#include "domain/parse.h"

/* A body's pace is judged over windows of this length: one that brings less
 * than PREVEX_BODY_MIN_RATE bytes a second over a whole window is cut. */
#define BODY_RATE_WINDOW_MS 10000
/* A refused body is read and dropped up to this much before the answer;
 * beyond it the connection is cut. */
#define DROP_MAX ((size_t)1 << 20)
/* Chunked bodies take their share of the body budget in steps this big. */
#define BUDGET_STEP ((int64_t)64 * 1024)
#define IP_BUCKETS 4096

/* Requests between their head and the end of their response, and open
 * connections: a graceful stop waits for both to reach zero. */
static atomic_int requests_in_flight;
static atomic_int connections_open;
/* Bytes of request bodies held (or promised to a body on its way). */
static atomic_llong body_bytes_held;

/* Open connections per client address, counted from libmicrohttpd's own
 * notifications so that each start has its end. */
struct ip_count {
	unsigned char addr[16];
	int n;
	struct ip_count *next;
};

static struct {
	pthread_mutex_t lock;
	struct ip_count *buckets[IP_BUCKETS];
	int total;
} conns = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct server {
	struct app *app;
	struct MHD_Daemon *daemon;
};

/* One request, from its head to the end of its response. */
struct exchange {
	struct _u_request u;          /* owned: ulfius_clean_request() frees its members */
	struct router_ticket ticket;
	bool answered;                /* a response is queued */
	bool chunked;
	int64_t announced;            /* Content-Length, or -1 */
	char *body;                   /* owned until handed to u */
	size_t body_len, body_cap;
	int64_t reserved;             /* bytes of the body budget held */
	bool dropping;                /* refused: read and drop the rest, then answer */
	size_t dropped;
	struct err refusal;
	long long window_start_ms;
	size_t window_bytes;
	const char *bad_query;        /* static: why the query is refused, or NULL */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* --- connections per address --------------------------------------------------- */

static void ip_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa != NULL && sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	}
}

static struct ip_count **ip_slot(const unsigned char key[16])
{
	unsigned h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	struct ip_count **p = &conns.buckets[h % IP_BUCKETS];
	while (*p != NULL && memcmp((*p)->addr, key, 16) != 0)
		p = &(*p)->next;
	return p;
}

/* Counts one connection more (delta 1) or less (-1) for the address. */
static void ip_count_add(const struct sockaddr *sa, int delta)
{
	unsigned char key[16];
	ip_key(sa, key);
	pthread_mutex_lock(&conns.lock);
	struct ip_count **p = ip_slot(key);
	if (*p == NULL && delta > 0 && (*p = calloc(1, sizeof(**p))) != NULL)
		memcpy((*p)->addr, key, 16);
	if (*p != NULL) {
		(*p)->n += delta;
		if ((*p)->n <= 0) {
			struct ip_count *gone = *p;
			*p = gone->next;
			free(gone);
		}
	}
	conns.total += delta;
	pthread_mutex_unlock(&conns.lock);
}

static void ip_counts_free(void)
{
	pthread_mutex_lock(&conns.lock);
	for (int i = 0; i < IP_BUCKETS; i++) {
		while (conns.buckets[i] != NULL) {
			struct ip_count *c = conns.buckets[i];
			conns.buckets[i] = c->next;
			free(c);
		}
	}
	conns.total = 0;
	pthread_mutex_unlock(&conns.lock);
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&connections_open, 1);
		ip_count_add(sa, 1);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub(&connections_open, 1);
		ip_count_add(sa, -1);
	}
}

/* The gate's hand-over: within the limits, the connection goes to
 * libmicrohttpd; past them the gate answers 503. */
static int server_admit(void *cls, int fd, const struct sockaddr *addr, socklen_t addrlen, int *retry_after_s)
{
	struct server *srv = cls;
	const struct config *cfg = &srv->app->cfg;
	unsigned char key[16];
	ip_key(addr, key);
	pthread_mutex_lock(&conns.lock);
	struct ip_count *c = *ip_slot(key);
	bool full = conns.total >= cfg->max_connections || (c != NULL && c->n >= cfg->max_connections_per_ip);
	pthread_mutex_unlock(&conns.lock);
	if (full || atomic_load(&srv->app->draining)) {
		*retry_after_s = 1;
		return 503;
	}
	/* libmicrohttpd closes the socket itself when it cannot take it. */
	if (MHD_add_connection(srv->daemon, fd, addr, addrlen) != MHD_YES)
		log_msg(LOG_WARN, "http_server", "cannot take a connection: %s", strerror(errno));
	return 0;
}

/* --- the request ------------------------------------------------------------------ */

static bool utf8_is_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (len == 0 || i + len > n || (c == 0xC0 || c == 0xC1) || c > 0xF4)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F)))
			return false;
		if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F)))
			return false;
		i += len;
	}
	return true;
}

/* Adds key=value to map, joining a repeated key's values with commas. */
static void map_add(struct _u_map *map, const char *key, const char *value)
{
	const char *before = u_map_get(map, key);
	if (before == NULL) {
		u_map_put(map, key, value);
		return;
	}
	size_t n = strlen(before) + strlen(value) + 2;
	char *joined = malloc(n);
	if (joined == NULL)
		return;
	snprintf(joined, n, "%s,%s", before, value);
	u_map_put(map, key, joined);
	free(joined);
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				      const char *value, size_t value_size)
{
	struct exchange *x = cls;
	map_add(x->u.map_header, key, value != NULL ? value : "");
	return MHD_YES;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				     const char *value, size_t value_size)
{
	struct exchange *x = cls;
	value = value != NULL ? value : "";
	if (strlen(key) != key_size || strlen(value) != value_size)
		x->bad_query = "a query parameter holds a NUL byte";
	else if (!utf8_is_valid((const unsigned char *)key, key_size) ||
		 !utf8_is_valid((const unsigned char *)value, value_size))
		x->bad_query = "a query parameter is not valid UTF-8";
	else
		map_add(x->u.map_url, key, value);
	return MHD_YES;
}

static char *strdup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Returns a new exchange the completion callback frees, or NULL. */
static struct exchange *exchange_new(struct MHD_Connection *con, const char *url, const char *method,
				     const char *version)
{
	struct exchange *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	if (ulfius_init_request(&x->u) != U_OK) {
		free(x);
		return NULL;
	}
	x->u.http_protocol = strdup_or_empty(version);
	x->u.http_verb = strdup_or_empty(method);
	x->u.http_url = strdup_or_empty(url);
	x->u.url_path = strdup_or_empty(url);
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info != NULL && info->client_addr != NULL) {
		x->u.client_address = calloc(1, sizeof(struct sockaddr_storage));
		if (x->u.client_address != NULL)
			memcpy(x->u.client_address, info->client_addr,
			       info->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
									 : sizeof(struct sockaddr_in));
	}
	if (x->u.http_protocol == NULL || x->u.http_verb == NULL || x->u.http_url == NULL ||
	    x->u.url_path == NULL) {
		ulfius_clean_request(&x->u);
		free(x);
		return NULL;
	}
	MHD_get_connection_values_n(con, MHD_HEADER_KIND, collect_header, x);
	MHD_get_connection_values_n(con, MHD_GET_ARGUMENT_KIND, collect_query, x);
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(con, &pass);
	if (user != NULL) {
		x->u.auth_basic_user = strdup(user);
		x->u.auth_basic_password = strdup_or_empty(pass);
	}
	MHD_free(user);
	MHD_free(pass);
	x->announced = -1;
	const char *cl = u_map_get_case(x->u.map_header, "Content-Length");
	if (cl != NULL)
		x->announced = strtoll(cl, NULL, 10);
	const char *te = u_map_get_case(x->u.map_header, "Transfer-Encoding");
	x->chunked = te != NULL && strcasecmp(te, "chunked") == 0;
	return x;
}

static void exchange_free(struct exchange *x)
{
	if (x == NULL)
		return;
	atomic_fetch_sub(&body_bytes_held, x->reserved);
	free(x->body);
	ulfius_clean_request(&x->u);
	free(x);
}

/* Takes n more bytes of the body budget; false when there is no room. */
static bool budget_take(const struct app *app, struct exchange *x, int64_t n)
{
	long long held = atomic_fetch_add(&body_bytes_held, n) + n;
	if (held > app->cfg.body_budget) {
		atomic_fetch_sub(&body_bytes_held, n);
		return false;
	}
	x->reserved += n;
	return true;
}

static void body_release(struct exchange *x)
{
	atomic_fetch_sub(&body_bytes_held, x->reserved);
	x->reserved = 0;
	free(x->body);
	x->body = NULL;
	x->body_len = x->body_cap = 0;
}

/* Queues resp as the answer; MHD_NO when it cannot. */
static enum MHD_Result exchange_queue(struct MHD_Connection *con, struct exchange *x, struct _u_response *resp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(resp->binary_body_length, resp->binary_body,
								 MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	for (int i = 0; resp->map_header != NULL && i < resp->map_header->nb_values; i++)
		MHD_add_response_header(r, resp->map_header->keys[i], resp->map_header->values[i]);
	enum MHD_Result ok = MHD_queue_response(con, (unsigned int)resp->status, r);
	MHD_destroy_response(r);
	x->answered = true;
	return ok;
}

static enum MHD_Result exchange_refuse(struct server *srv, struct MHD_Connection *con, struct exchange *x,
				       const struct err *refusal)
{
	struct _u_response resp;
	if (ulfius_init_response(&resp) != U_OK)
		return MHD_NO;
	router_refuse(&x->u, &resp, srv->app, &x->ticket, refusal);
	enum MHD_Result ok = exchange_queue(con, x, &resp);
	ulfius_clean_response(&resp);
	return ok;
}

/* Writes a problem+json answer straight to the socket and lets
 * libmicrohttpd close it: for a client cut in the middle of its body, when
 * libmicrohttpd can no longer queue a response. */
static enum MHD_Result exchange_cut(struct MHD_Connection *con, struct exchange *x, int status, const char *detail)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (info != NULL) {
		char answer[1024];
		size_t n = http_gate_problem(answer, sizeof(answer), status, detail, 1);
		(void)send(info->connect_fd, answer, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		shutdown(info->connect_fd, SHUT_WR);
	}
	log_json(LOG_INFO, "request_cut", json_pack("{ss si ss}", "request_id", x->ticket.request_id,
						     "status", status, "reason", detail));
	x->answered = true;
	return MHD_NO;
}

static enum MHD_Result exchange_admit(struct server *srv, struct MHD_Connection *con, struct exchange *x)
{
	struct app *app = srv->app;
	struct _u_response resp;
	if (ulfius_init_response(&resp) != U_OK)
		return MHD_NO;
	bool has_body = x->chunked || x->announced > 0;
	enum MHD_Result ok = MHD_YES;
	if (router_admit(&x->u, &resp, app, has_body, &x->ticket) != ERR_OK) {
		ok = exchange_queue(con, x, &resp);
		ulfius_clean_response(&resp);
		return ok;
	}
	ulfius_clean_response(&resp);
	struct err refusal;
	err_clear(&refusal);
	if (x->bad_query != NULL) {
		err_set(&refusal, ERR_INVALID, "", "%s", x->bad_query);
		return exchange_refuse(srv, con, x, &refusal);
	}
	if (x->announced > 0 && !budget_take(app, x, x->announced)) {
		err_set(&refusal, ERR_UNAVAILABLE, "", "too many request bodies are on their way; try again shortly");
		return exchange_refuse(srv, con, x, &refusal);
	}
	x->window_start_ms = now_ms();
	return ok;
}

/* n more bytes of the body. */
static enum MHD_Result exchange_take(struct server *srv, struct MHD_Connection *con, struct exchange *x,
				     const char *data, size_t n)
{
	const struct config *cfg = &srv->app->cfg;
	long long now = now_ms();
	if (now - x->window_start_ms >= BODY_RATE_WINDOW_MS) {
		if ((int64_t)x->window_bytes * 1000 < cfg->body_min_rate * (now - x->window_start_ms))
			return exchange_cut(con, x, 408, "the request body arrives too slowly");
		x->window_start_ms = now;
		x->window_bytes = 0;
	}
	x->window_bytes += n;
	if (x->dropping) {
		x->dropped += n;
		return x->dropped > DROP_MAX ? exchange_cut(con, x, x->refusal.code == ERR_TOO_LARGE ? 413 : 503,
							    x->refusal.message)
					     : MHD_YES;
	}
	if ((int64_t)(x->body_len + n) > x->ticket.body_limit) {
		body_release(x);
		x->dropping = true;
		x->dropped = n;
		err_set(&x->refusal, ERR_TOO_LARGE, "", "the request body exceeds %lld bytes",
			(long long)x->ticket.body_limit);
		return MHD_YES;
	}
	if (x->body_len + n + 1 > x->body_cap) {
		size_t cap;
		if (x->announced > 0 && (size_t)x->announced >= x->body_len + n) {
			cap = (size_t)x->announced + 1;
		} else {
			cap = x->body_cap ? x->body_cap * 2 : 16384;
			while (cap < x->body_len + n + 1)
				cap *= 2;
			if (x->reserved < (int64_t)cap &&
			    !budget_take(srv->app, x, (int64_t)cap - x->reserved + BUDGET_STEP)) {
				body_release(x);
				x->dropping = true;
				x->dropped = n;
				err_set(&x->refusal, ERR_UNAVAILABLE, "",
					"too many request bodies are on their way; try again shortly");
				return MHD_YES;
			}
		}
		char *grown = realloc(x->body, cap);
		if (grown == NULL)
			return exchange_cut(con, x, 503, "out of memory");
		x->body = grown;
		x->body_cap = cap;
	}
	memcpy(x->body + x->body_len, data, n);
	x->body_len += n;
	x->body[x->body_len] = '\0';
	return MHD_YES;
}

/* Decodes one application/x-www-form-urlencoded component in place;
 * false when it holds a NUL byte. */
static bool form_decode(char *s)
{
	char *out = s;
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '+') {
			*out++ = ' ';
		} else if (*p == '%' && parse_hex_digit(p[1]) >= 0 && parse_hex_digit(p[2]) >= 0) {
			char c = (char)(parse_hex_digit(p[1]) * 16 + parse_hex_digit(p[2]));
			if (c == '\0')
				return false;
			*out++ = c;
			p += 2;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	return true;
}

/* Fills u->map_post_body from a form body; false when it is malformed. */
static bool form_parse(struct _u_map *map, const char *body)
{
	char *copy = strdup(body);
	if (copy == NULL)
		return false;
	bool ok = true;
	char *save = NULL;
	for (char *pair = strtok_r(copy, "&", &save); pair != NULL && ok; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		char *value = eq ? eq + 1 : pair + strlen(pair);
		if (eq != NULL)
			*eq = '\0';
		ok = form_decode(pair) && form_decode(value) && utf8_is_valid((unsigned char *)pair, strlen(pair)) &&
		     utf8_is_valid((unsigned char *)value, strlen(value));
		if (ok)
			map_add(map, pair, value);
	}
	free(copy);
	return ok;
}

static enum MHD_Result exchange_answer(struct server *srv, struct MHD_Connection *con, struct exchange *x)
{
	if (x->dropping)
		return exchange_refuse(srv, con, x, &x->refusal);
	if (x->body != NULL) {
		x->u.binary_body = x->body;
		x->u.binary_body_length = x->body_len;
		x->body = NULL;
		const char *ctype = u_map_get_case(x->u.map_header, "Content-Type");
		if (http_media_type_is(ctype, "application/x-www-form-urlencoded") &&
		    (strlen(x->u.binary_body) != x->u.binary_body_length || !form_parse(x->u.map_post_body, x->u.binary_body))) {
			struct err refusal;
			err_set(&refusal, ERR_INVALID, "", "the form body is malformed");
			return exchange_refuse(srv, con, x, &refusal);
		}
	}
	struct _u_response resp;
	if (ulfius_init_response(&resp) != U_OK)
		return MHD_NO;
	router_dispatch(&x->u, &resp, srv->app, &x->ticket);
	enum MHD_Result ok = exchange_queue(con, x, &resp);
	ulfius_clean_response(&resp);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct server *srv = cls;
	struct exchange *x = *con_cls;
	if (x == NULL) {
		x = exchange_new(con, url, method, version);
		if (x == NULL)
			return MHD_NO;
		*con_cls = x;
		atomic_fetch_add(&requests_in_flight, 1);
		return exchange_admit(srv, con, x);
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return x->answered ? MHD_YES : exchange_take(srv, con, x, upload_data, n);
	}
	return x->answered ? MHD_YES : exchange_answer(srv, con, x);
}

static void on_request_completed(void *cls, struct MHD_Connection *con, void **con_cls,
				 enum MHD_RequestTerminationCode toe)
{
	struct exchange *x = *con_cls;
	if (x == NULL)
		return;
	exchange_free(x);
	*con_cls = NULL;
	atomic_fetch_sub(&requests_in_flight, 1);
}

__attribute__((format(printf, 2, 0)))
static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_msg(LOG_WARN, "http_server", "%s", msg);
}

/* Waits until nothing is in flight and every connection has closed (clients
 * get Connection: close once draining), or until nothing has been in flight
 * for a while: an idle keep-alive client cannot hold the stop. */
static void server_drain(int timeout_s)
{
	int quiet_ms = 0;
	for (int waited = 0; waited < timeout_s * 1000; waited += 10) {
		int inflight = atomic_load(&requests_in_flight);
		int open = atomic_load(&connections_open);
		if (inflight == 0 && open == 0)
			return;
		quiet_ms = inflight == 0 ? quiet_ms + 10 : 0;
		if (quiet_ms >= 500)
			return;
		sleep_ms(10);
	}
	log_msg(LOG_WARN, "shutdown", "%d requests still in flight after %d s", atomic_load(&requests_in_flight), timeout_s);
}

/* Returns a listening, non-blocking socket, or -1 with errno set. */
static int listen_socket(const struct config *cfg)
{
	struct sockaddr_storage addr;
	socklen_t len;
	memset(&addr, 0, sizeof(addr));
	if (strchr(cfg->listen_host, ':') != NULL) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET6, cfg->listen_host, &a6->sin6_addr);
		len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET, cfg->listen_host, &a4->sin_addr);
		len = sizeof(*a4);
	}
	int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static struct MHD_Daemon *server_start_mhd(struct server *srv)
{
	const struct config *cfg = &srv->app->cfg;
	unsigned int flags = MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
	struct MHD_OptionItem options[16];
	int n = 0;
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_error, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout_s, NULL };
	/* The gate keeps to the configured limits; libmicrohttpd's own would
	 * close a connection without a word. */
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)(cfg->max_connections + 256), NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->connection_memory_limit, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_request_completed, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL };
	if (cfg->http_mode == HTTP_MODE_POOL) {
		flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
		options[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->http_threads, NULL };
	} else {
		flags |= MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	}
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

int server_run(struct app *app, const sigset_t *stop_signals)
{
	const struct config *cfg = &app->cfg;
	/* Large bodies come from mmap and go back to the system when freed:
	 * what a burst of uploads took does not stay in the process. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	struct server srv = { .app = app };
	int listen_fd = listen_socket(cfg);
	if (listen_fd < 0) {
		log_msg(LOG_ERROR, "start", "cannot listen on %s:%d: %s", cfg->listen_host, cfg->listen_port,
			strerror(errno));
		return 1;
	}
	srv.daemon = server_start_mhd(&srv);
	if (srv.daemon == NULL) {
		log_msg(LOG_ERROR, "start", "cannot start the HTTP server");
		close(listen_fd);
		return 1;
	}
	struct http_gate_config gc = {
		.listen_fd = listen_fd,
		.header_timeout_ms = (int)cfg->header_timeout_s * 1000,
		.max_pending = (int)cfg->max_pending_connections,
		.limits = { .max_head = 16384, .max_target = 8192, .max_fields = 100, .max_params = 64 },
		.admit = server_admit,
		.admit_cls = &srv,
	};
	struct http_gate *gate = NULL;
	struct err err;
	err_clear(&err);
	if (http_gate_start(&gate, &gc, &err) != ERR_OK) {
		log_msg(LOG_ERROR, "start", "%s", err.message);
		MHD_stop_daemon(srv.daemon);
		close(listen_fd);
		return 1;
	}
	log_json(LOG_INFO, "listening",
		 json_pack("{ss si ss si}", "host", cfg->listen_host, "port", cfg->listen_port,
			   "mode", cfg->http_mode == HTTP_MODE_POOL ? "pool" : "per-connection",
			   "threads", (int)cfg->http_threads));

	int sig = 0;
	while (sigwait(stop_signals, &sig) != 0)
		;
	log_msg(LOG_INFO, "shutdown", "signal %d: draining", sig);
	atomic_store(&app->draining, 1);
	/* New clients are refused at once rather than left in the backlog. */
	http_gate_free(gate);
	close(listen_fd);
	server_drain((int)cfg->shutdown_timeout_s);
	MHD_stop_daemon(srv.daemon);
	ip_counts_free();
	log_msg(LOG_INFO, "shutdown", "stopped");
	return 0;
}
