/* Issue 8, webhooks end to end: registration and its address checks, one
 * organisation's webhooks hidden from the others, and a receiver on
 * 127.0.0.1 that fails for a while yet gets every delivery, signed, in
 * order for each resource, once it recovers; and a delivery whose replica
 * is killed attempted again by another replica, no event lost. */
#include <arpa/inet.h>
#include <check.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "tests/api/fixtures.h"
#include "tests/api/harness.h"

static struct harness server;
static struct party admin;

static void setup(void)
{
	const char *env[] = { fixtures_keys_env(), "PREVEX_WEBHOOK_ALLOW_LOOPBACK=1", "PREVEX_WEBHOOK_WORKERS=2",
			      "PREVEX_WEBHOOK_POLL_MS=50", "PREVEX_WEBHOOK_BACKOFF_BASE_MS=100",
			      "PREVEX_WEBHOOK_BACKOFF_MAX_S=1", "PREVEX_WEBHOOK_TIMEOUT_MS=2000", NULL };
	if (harness_start(&server, env) != 0) {
		fprintf(stderr, "harness: %s\n", server.error);
		abort();
	}
}

static void teardown(void)
{
	harness_stop(&server);
}

static json_t *call(const struct party *p, const char *method, const char *path, const char *body, int *status)
{
	return fixtures_call_json(&server, p, method, path, body, NULL, status);
}

static void expect(const json_t *j, int status, int want, const char *field)
{
	ck_assert_msg(status == want, "answered %d, wanted %d: %s", status, want,
		      json_string_value(json_object_get(j, "detail")));
	if (field != NULL)
		ck_assert_str_eq(fixtures_problem_at(j), field);
}

/* --- a receiver on 127.0.0.1 ------------------------------------------------ */

#define RECEIVED_MAX 64

struct receiver {
	int fd;
	int port;
	int fail_first;              /* answer 500 to this many requests */
	int hold_first_ms;           /* answer the first request this late */
	atomic_int holding;          /* 1 while the first request is held */
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t lock;
	int requests;
	int accepted;
	char *bodies[RECEIVED_MAX];  /* of the requests answered 200 */
	char signatures[RECEIVED_MAX][160];
};

static const char *header_value(const char *head, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
		if (strncasecmp(line + 2, name, n) == 0 && line[2 + n] == ':') {
			const char *v = line + 3 + n;
			while (*v == ' ')
				v++;
			size_t vlen = strcspn(v, "\r\n");
			snprintf(out, len, "%.*s", (int)(vlen < len ? vlen : len - 1), v);
			return out;
		}
	}
	return NULL;
}

static void serve_one(struct receiver *r, int fd)
{
	char buf[65536];
	size_t got = 0;
	char *end = NULL;
	struct pollfd pfd = { fd, POLLIN, 0 };
	while (end == NULL && got < sizeof(buf) - 1 && poll(&pfd, 1, 2000) > 0) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (end == NULL)
		return;
	char value[160];
	size_t length = header_value(buf, "Content-Length", value, sizeof(value)) ? (size_t)atol(value) : 0;
	size_t head = (size_t)(end + 4 - buf);
	while (got < head + length && got < sizeof(buf) - 1 && poll(&pfd, 1, 2000) > 0) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (r->hold_first_ms > 0 && r->requests == 0) {
		atomic_store(&r->holding, 1);
		struct timespec hold = { r->hold_first_ms / 1000, (r->hold_first_ms % 1000) * 1000000L };
		nanosleep(&hold, NULL);
		atomic_store(&r->holding, 0);
	}
	pthread_mutex_lock(&r->lock);
	bool ok = r->requests++ >= r->fail_first && r->accepted < RECEIVED_MAX;
	if (ok) {
		r->bodies[r->accepted] = strndup(buf + head, length);
		if (header_value(buf, "Prevex-Signature", value, sizeof(value)) == NULL)
			value[0] = '\0';
		snprintf(r->signatures[r->accepted], sizeof(r->signatures[0]), "%s", value);
		r->accepted++;
	}
	pthread_mutex_unlock(&r->lock);
	const char *answer = ok ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
				: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfail";
	/* The sender may be gone (a replica killed meanwhile): no SIGPIPE. */
	ssize_t w = send(fd, answer, strlen(answer), MSG_NOSIGNAL);
	(void)w;
}

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;
	while (!atomic_load(&r->stop)) {
		struct pollfd pfd = { r->fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		int fd = accept(r->fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(r, fd);
		close(fd);
	}
	return NULL;
}

static void receiver_start_holding(struct receiver *r, int fail_first, int hold_first_ms)
{
	memset(r, 0, sizeof(*r));
	r->fail_first = fail_first;
	r->hold_first_ms = hold_first_ms;
	pthread_mutex_init(&r->lock, NULL);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(r->fd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(r->fd, 16), 0);
	socklen_t len = sizeof(a);
	getsockname(r->fd, (struct sockaddr *)&a, &len);
	r->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&r->thread, NULL, receiver_main, r), 0);
}

static void receiver_start(struct receiver *r, int fail_first)
{
	receiver_start_holding(r, fail_first, 0);
}

static void receiver_stop(struct receiver *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->thread, NULL);
	close(r->fd);
}

static void receiver_free(struct receiver *r)
{
	for (int i = 0; i < r->accepted; i++)
		free(r->bodies[i]);
}

static int receiver_accepted(struct receiver *r)
{
	pthread_mutex_lock(&r->lock);
	int n = r->accepted;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* True when signature is "t=<time>,v1=<hex HMAC-SHA256 of "<time>.<body>">"
 * under secret, with a time within a minute of now. */
static bool signature_ok(const char *signature, const char *secret, const char *body)
{
	long long t = 0;
	char hex[80];
	if (sscanf(signature, "t=%lld,v1=%64[0-9a-f]", &t, hex) != 2 || strlen(hex) != 64)
		return false;
	if (llabs(t - (long long)time(NULL)) > 60)
		return false;
	size_t n = strlen(body) + 32;
	char *msg = malloc(n);
	int mlen = snprintf(msg, n, "%lld.%s", t, body);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, (size_t)mlen, mac, &maclen);
	free(msg);
	char want[80];
	for (unsigned int i = 0; i < maclen; i++)
		snprintf(want + 2 * i, 3, "%02x", mac[i]);
	return strcmp(want, hex) == 0;
}

/* --- the database, to write events as the other modules' triggers do ------- */

static PGconn *db(void)
{
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	return conn;
}

static void publish(PGconn *conn, const char *org, const char *relations, const char *type,
		    const char *resource_type, const char *resource_id, const char *payload)
{
	const char *params[] = { org, relations, type, resource_type, resource_id, payload };
	PGresult *res = PQexecParams(conn, "SELECT feed_publish($1, $2::integer, $3, $4, $5::uuid, $6::jsonb)", 6, NULL,
				     params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
	PQclear(res);
}

static void new_uuid(PGconn *conn, char *out)
{
	PGresult *res = PQexec(conn, "SELECT gen_random_uuid()");
	snprintf(out, 40, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* --- tests ------------------------------------------------------------------ */

static void webhook_new(const struct party *p, const char *url, char *id, char *secret)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"url\":\"%s\",\"description\":\"Suivi des dossiers\"}", url);
	int status = 0;
	json_t *j = call(p, "POST", "/v1/webhooks", body, &status);
	expect(j, status, 201, NULL);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	snprintf(secret, 80, "%s", json_string_value(json_object_get(j, "secret")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "url")), url);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "org"), "id")), p->org_id);
	json_decref(j);
}

START_TEST(callback_urls_are_checked)
{
	fixtures_admin(&server, &admin);
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	static const struct {
		const char *body;
		int status;
		const char *field;
		const char *says;
	} cases[] = {
		{ "{\"url\":\"http://example.org/hook\"}", 400, "url", "https" },
		{ "{\"url\":\"http://127.0.0.2:8080/hook\"}", 400, "url", "https" },
		{ "{\"url\":\"ftp://example.org/hook\"}", 400, "url", "https" },
		{ "{\"url\":\"https://user:pw@example.org/\"}", 400, "url", "user" },
		{ "{\"url\":\"https://example.org/#x\"}", 400, "url", "fragment" },
		{ "{\"url\":\"https://10.1.2.3/hook\"}", 422, "url", "private" },
		{ "{\"url\":\"https://192.168.1.10/hook\"}", 422, "url", "private" },
		{ "{\"url\":\"https://169.254.169.254/latest\"}", 422, "url", "link-local" },
		{ "{\"url\":\"https://100.64.0.7/\"}", 422, "url", "carrier-grade NAT" },
		{ "{\"url\":\"https://127.0.0.2/\"}", 422, "url", "loopback" },
		{ "{\"url\":\"https://[::1]/\"}", 422, "url", "loopback" },
		{ "{\"url\":\"https://[::ffff:10.0.0.1]/\"}", 422, "url", "private" },
		{ "{\"url\":\"https://[fe80::1]/\"}", 422, "url", "link-local" },
		{ "{\"url\":\"https://0.0.0.0/\"}", 422, "url", "unspecified" },
		{ "{\"url\":\"https://224.0.0.1/\"}", 422, "url", "multicast" },
		{ "{\"url\":\"https://no-such-host.invalid/\"}", 422, "url", "resolve" },
		{ "{}", 400, "url", NULL },
		{ "{\"url\":42}", 400, "url", NULL },
		{ "{\"url\":\"https://93.184.216.34/\",\"secret\":\"mine\"}", 400, "secret", NULL },
		{ "{\"url\":\"https://93.184.216.34/\",\"events\":[]}", 400, "events", NULL },
		{ "{\"url\":\"https://93.184.216.34/\",\"description\":\"\"}", 400, "description", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = 0;
		json_t *j = call(&landlord, "POST", "/v1/webhooks", cases[i].body, &status);
		expect(j, status, cases[i].status, cases[i].field);
		const char *detail = json_string_value(json_object_get(j, "detail"));
		if (cases[i].says != NULL)
			ck_assert_msg(detail != NULL && strstr(detail, cases[i].says) != NULL, "%s: %s", cases[i].body, detail);
		json_decref(j);
	}
	/* A public literal address passes (nothing is sent until an event). */
	char id[40], secret[80];
	webhook_new(&landlord, "https://93.184.216.34/prevex", id, secret);
	ck_assert(strncmp(secret, "whsec_", 6) == 0 && strlen(secret) > 40);
}
END_TEST

START_TEST(webhooks_belong_to_their_organisation)
{
	fixtures_admin(&server, &admin);
	struct party landlord, other;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "caf", NULL, NULL, &other);
	char id[40], secret[80], path[160];
	webhook_new(&landlord, "http://127.0.0.1:9/hook", id, secret);
	int status = 0;
	json_t *j = call(&landlord, "GET", "/v1/webhooks", NULL, &status);
	expect(j, status, 200, NULL);
	json_t *items = json_object_get(j, "items");
	ck_assert_int_eq(json_array_size(items), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), id);
	/* The secret is shown at creation only. */
	ck_assert_ptr_null(json_object_get(json_array_get(items, 0), "secret"));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/webhooks/%s", id);
	j = call(&landlord, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_ptr_null(json_object_get(j, "secret"));
	json_decref(j);

	/* Another organisation: no such webhook. */
	j = call(&other, "GET", "/v1/webhooks", NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	json_decref(call(&other, "GET", path, NULL, &status));
	ck_assert_int_eq(status, 404);
	json_decref(call(&other, "DELETE", path, NULL, &status));
	ck_assert_int_eq(status, 404);
	snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries", id);
	json_decref(call(&other, "GET", path, NULL, &status));
	ck_assert_int_eq(status, 404);
	json_decref(call(&landlord, "GET", "/v1/webhooks/not-a-uuid", NULL, &status));
	ck_assert_int_eq(status, 404);
	json_decref(call(NULL, "GET", "/v1/webhooks", NULL, &status));
	ck_assert_int_eq(status, 401);

	snprintf(path, sizeof(path), "/v1/webhooks/%s", id);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &landlord, "DELETE", path, NULL, NULL, &resp), 204);
	http_response_free(&resp);
	json_decref(call(&landlord, "GET", path, NULL, &status));
	ck_assert_int_eq(status, 404);
}
END_TEST

/* The receiver fails its first 3 requests, then accepts: every event the
 * landlord may read arrives once, signed, in order for each resource. */
START_TEST(failing_receiver_gets_every_delivery_in_order)
{
	fixtures_admin(&server, &admin);
	struct party landlord, other;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &other);
	struct receiver r;
	receiver_start(&r, 3);
	char url[96], id[40], secret[80];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
	webhook_new(&landlord, url, id, secret);

	PGconn *conn = db();
	char r1[40], r2[40], r3[40];
	new_uuid(conn, r1);
	new_uuid(conn, r2);
	new_uuid(conn, r3);
	const char *st = "procedure.stage_changed";
	publish(conn, landlord.org_id, "8", st, "procedure", r1, "{\"n\":1}");
	publish(conn, landlord.org_id, "8", st, "procedure", r2, "{\"n\":1}");
	publish(conn, landlord.org_id, "8", st, "procedure", r1, "{\"n\":2}");
	/* Landlords never read diagnostics: never delivered. */
	publish(conn, landlord.org_id, "16", "diagnostic.assigned", "diagnostic", r3, "{\"n\":1}");
	publish(conn, landlord.org_id, "8", st, "procedure", r1, "{\"n\":3}");
	publish(conn, landlord.org_id, "8", st, "procedure", r2, "{\"n\":2}");
	publish(conn, landlord.org_id, "8", st, "procedure", r1, "{\"n\":4}");
	/* Another organisation's event. */
	publish(conn, other.org_id, "8", st, "procedure", r1, "{\"n\":99}");
	PQfinish(conn);

	for (int i = 0; i < 300 && receiver_accepted(&r) < 6; i++) {
		struct timespec pause = { 0, 100 * 1000000L };
		nanosleep(&pause, NULL);
	}
	struct timespec pause = { 1, 0 };
	nanosleep(&pause, NULL);
	receiver_stop(&r);
	ck_assert_int_eq(r.accepted, 6);
	ck_assert_int_ge(r.requests, 9);

	int next[2] = { 1, 1 };
	long long seen[6];
	for (int i = 0; i < r.accepted; i++) {
		ck_assert_msg(signature_ok(r.signatures[i], secret, r.bodies[i]), "bad signature %s", r.signatures[i]);
		json_t *b = json_loads(r.bodies[i], 0, NULL);
		ck_assert_ptr_nonnull(b);
		ck_assert_str_eq(json_string_value(json_object_get(b, "webhook_id")), id);
		json_t *e = json_object_get(b, "event");
		ck_assert_str_eq(json_string_value(json_object_get(e, "type")), st);
		const char *res = json_string_value(json_object_get(json_object_get(e, "resource"), "id"));
		int n = (int)json_integer_value(json_object_get(json_object_get(e, "data"), "n"));
		int k = strcmp(res, r1) == 0 ? 0 : strcmp(res, r2) == 0 ? 1 : -1;
		ck_assert_msg(k >= 0, "a delivery about %s", res);
		ck_assert_msg(n == next[k], "resource %d: event %d arrived when %d was due", k, n, next[k]);
		next[k]++;
		seen[i] = json_integer_value(json_object_get(e, "seq"));
		for (int j = 0; j < i; j++)
			ck_assert_msg(seen[j] != seen[i], "event %lld delivered twice", seen[i]);
		json_decref(b);
	}
	ck_assert_int_eq(next[0], 5);
	ck_assert_int_eq(next[1], 3);
	receiver_free(&r);

	/* The attempts are visible to the organisation. */
	char path[160];
	snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?limit=4", id);
	int status = 0, attempts = 0, failures = 0, listed = 0;
	json_t *j = call(&landlord, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	for (int page = 0; j != NULL; page++) {
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(j, "items"), i, d) {
			listed++;
			ck_assert_str_eq(json_string_value(json_object_get(d, "status")), "delivered");
			ck_assert(json_is_null(json_object_get(d, "next_attempt_at")));
			attempts += (int)json_integer_value(json_object_get(d, "attempt_count"));
			size_t k;
			json_t *a;
			json_array_foreach(json_object_get(d, "attempts"), k, a) {
				if (json_integer_value(json_object_get(a, "status_code")) == 500) {
					failures++;
					ck_assert_str_eq(json_string_value(json_object_get(a, "error")),
							 "the receiver answered HTTP 500");
				}
			}
		}
		const char *cursor = json_string_value(json_object_get(j, "next_cursor"));
		if (cursor == NULL) {
			json_decref(j);
			break;
		}
		snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?limit=4&cursor=%s", id, cursor);
		json_decref(j);
		j = call(&landlord, "GET", path, NULL, &status);
		expect(j, status, 200, NULL);
	}
	ck_assert_int_eq(listed, 6);
	ck_assert_int_eq(failures, 3);
	ck_assert_int_eq(attempts, 9);

	snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?status=failed", id);
	j = call(&landlord, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries?status=lost", id);
	j = call(&landlord, "GET", path, NULL, &status);
	expect(j, status, 400, "status");
	json_decref(j);
}
END_TEST

/* A benefit decision's events reach the webhook of its addressee CAF, as
 * GET /v1/events gives them; a landlord, who may not read benefit
 * decisions, never gets one, whatever the relations its row carries. */
START_TEST(benefit_decisions_reach_the_addressee_caf)
{
	fixtures_admin(&server, &admin);
	struct party caf, landlord;
	fixtures_party(&server, &admin, "caf", NULL, NULL, &caf);
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	struct receiver rc, rl;
	receiver_start(&rc, 0);
	receiver_start(&rl, 0);
	char url[96], id[40], secret[80], lid[40], lsecret[80];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/caf", rc.port);
	webhook_new(&caf, url, id, secret);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/landlord", rl.port);
	webhook_new(&landlord, url, lid, lsecret);

	char sfx[16], caf_no[24], body[1024];
	fixtures_suffix(sfx, sizeof(sfx));
	snprintf(caf_no, sizeof(caf_no), "W%s", sfx);
	for (char *c = caf_no; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	snprintf(body, sizeof(body),
		 "{\"address\":{\"line\":\"5 rue Basse\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
		 "\"sector\":\"private\",\"caf_number\":\"%s\"}", caf_no);
	int status = 0;
	json_decref(call(&admin, "POST", "/v1/households", body, &status));
	ck_assert_int_eq(status, 201);
	snprintf(body, sizeof(body),
		 "{\"external_id\":\"w-%s\",\"caf_number\":\"%s\",\"address\":{\"line\":\"5 rue Basse\","
		 "\"postcode\":\"91000\",\"insee\":\"91228\"},\"debt_cents\":50000,\"months_unpaid\":2,"
		 "\"benefit_status\":\"kept\",\"paid_to_landlord\":false,\"date\":\"2027-01-04\"}", sfx, caf_no);
	json_decref(call(&caf, "POST", "/v1/caf-signals", body, &status));
	ck_assert_int_eq(status, 201);
	PGconn *conn = db();
	char r1[40], r2[40];
	new_uuid(conn, r1);
	new_uuid(conn, r2);
	publish(conn, landlord.org_id, "32", "benefit_decision.opened", "benefit_decision", r1, "{\"n\":1}");
	publish(conn, landlord.org_id, "8", "procedure.stage_changed", "procedure", r2, "{\"n\":2}");
	PQfinish(conn);
	for (int i = 0; i < 300 && (receiver_accepted(&rc) < 1 || receiver_accepted(&rl) < 1); i++) {
		struct timespec pause = { 0, 100 * 1000000L };
		nanosleep(&pause, NULL);
	}
	struct timespec pause = { 1, 0 };
	nanosleep(&pause, NULL);
	receiver_stop(&rc);
	receiver_stop(&rl);
	ck_assert_int_eq(rc.accepted, 1);
	ck_assert_msg(signature_ok(rc.signatures[0], secret, rc.bodies[0]), "bad signature");
	json_t *b = json_loads(rc.bodies[0], 0, NULL);
	json_t *e = json_object_get(b, "event");
	ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "benefit_decision.opened");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "resource"), "type")), "benefit_decision");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "data"), "status")), "open");
	json_decref(b);
	/* The landlord got its procedure event, after the decision's, and only it. */
	ck_assert_int_eq(rl.accepted, 1);
	b = json_loads(rl.bodies[0], 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "event"), "type")),
			 "procedure.stage_changed");
	json_decref(b);
	receiver_free(&rc);
	receiver_free(&rl);
}
END_TEST

/* Décret 2026-83: the orientation of a bailiff's report reaches its
 * addressee's webhook, and the report back the webhook of the secretariat
 * that oriented it. */
/* Sends and expects 200 or 201; the answer, a new reference. */
static json_t *sent(const struct party *p, const char *method, const char *path, const char *body,
		    const char *headers)
{
	int status = 0;
	json_t *j = fixtures_call_json(&server, p, method, path, body, headers, &status);
	ck_assert_msg(status == 200 || status == 201, "%s %s answered %d", method, path, status);
	return j;
}

/* The body of the first delivery r accepted of type, as a new reference,
 * waiting up to 30 seconds; NULL when none came. */
static json_t *delivery_of(struct receiver *r, const char *type)
{
	for (int tries = 0; tries < 300; tries++) {
		pthread_mutex_lock(&r->lock);
		json_t *found = NULL;
		for (int i = 0; i < r->accepted && found == NULL; i++) {
			json_t *b = json_loads(r->bodies[i], 0, NULL);
			const char *t = json_string_value(json_object_get(json_object_get(b, "event"), "type"));
			if (t != NULL && strcmp(t, type) == 0)
				found = json_incref(b);
			json_decref(b);
		}
		pthread_mutex_unlock(&r->lock);
		if (found != NULL)
			return found;
		struct timespec pause = { 0, 100 * 1000000L };
		nanosleep(&pause, NULL);
	}
	return NULL;
}

START_TEST(orientations_reach_both_sides)
{
	fixtures_admin(&server, &admin);
	struct party dept, bailiff, service;
	fixtures_party(&server, &admin, "departement", NULL, NULL, &dept);
	fixtures_party(&server, &admin, "bailiff", NULL, NULL, &bailiff);
	fixtures_party(&server, &admin, "social_service", "{\"communes\":[\"91223\"]}", NULL, &service);
	json_t *j = sent(&bailiff, "POST", "/v1/households",
			    "{\"address\":{\"line\":\"2 rue Saint-Spire\",\"postcode\":\"91000\",\"insee\":\"91228\"},"
			    "\"sector\":\"private\",\"rent_cents\":60000}", NULL);
	char hh[40], proc[40], ref[40], path[160], body[256];
	snprintf(hh, sizeof(hh), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/households/%s/procedures", hh);
	j = sent(&bailiff, "POST", path, "{\"reference\":\"CJ-WH-083\"}", NULL);
	snprintf(proc, sizeof(proc), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/procedures/%s/events", proc);
	json_decref(sent(&bailiff, "POST", path, "{\"kind\":\"payment_order\",\"date\":\"2026-11-02\",\"debt_cents\":180000,"
					   "\"rent_cents\":60000,\"months_unpaid\":3}", NULL));
	snprintf(path, sizeof(path), "/v1/referrals?household_id=%s", hh);
	int status = 0;
	j = call(&dept, "GET", path, NULL, &status);
	expect(j, status, 200, NULL);
	snprintf(ref, sizeof(ref), "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id")));
	json_decref(j);

	struct receiver to_service, to_dept;
	receiver_start(&to_service, 0);
	receiver_start(&to_dept, 0);
	char url[96], id[40], secret[80], dept_secret[80];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", to_service.port);
	webhook_new(&service, url, id, secret);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", to_dept.port);
	webhook_new(&dept, url, id, dept_secret);

	snprintf(path, sizeof(path), "/v1/referrals/%s/orientation", ref);
	snprintf(body, sizeof(body), "{\"actor\":\"siao\",\"addressee_org_id\":\"%s\"}", service.org_id);
	json_decref(sent(&dept, "POST", path, body, NULL));
	json_t *b = delivery_of(&to_service, "orientation.addressed");
	ck_assert_msg(b != NULL, "no orientation.addressed delivered to the addressee");
	json_t *e = json_object_get(b, "event");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "resource"), "id")), ref);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "data"), "actor")), "siao");
	json_decref(b);

	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&server, &service, "GET", path, NULL, NULL, &resp), 200);
	char headers[64];
	snprintf(headers, sizeof(headers), "If-Match: %s\r\n", http_response_header(&resp, "ETag"));
	http_response_free(&resp);
	json_decref(sent(&service, "PATCH", path, "{\"status\":\"done\",\"report\":\"Hébergement trouvé\"}", headers));
	b = delivery_of(&to_dept, "orientation.reported");
	ck_assert_msg(b != NULL, "no orientation.reported delivered to the secretariat");
	e = json_object_get(b, "event");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "data"), "status")), "done");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(e, "data"), "addressee_org"), "id")), service.org_id);
	json_decref(b);
	receiver_stop(&to_service);
	receiver_stop(&to_dept);
	/* The addressee heard of nothing else; its report is not its own news. */
	ck_assert_int_eq(to_service.accepted, 1);
	for (int i = 0; i < to_dept.accepted; i++)
		ck_assert(signature_ok(to_dept.signatures[i], dept_secret, to_dept.bodies[i]));
	receiver_free(&to_service);
	receiver_free(&to_dept);
}
END_TEST

/* --- a server without the loopback test setting ------------------------------ */

static struct harness strict;

static void strict_setup(void)
{
	const char *env[] = { "PREVEX_WEBHOOK_WORKERS=1", "PREVEX_WEBHOOK_POLL_MS=50",
			      "PREVEX_WEBHOOK_BACKOFF_BASE_MS=100", "PREVEX_WEBHOOK_BACKOFF_MAX_S=1",
			      "PREVEX_WEBHOOK_TIMEOUT_MS=2000", NULL };
	if (harness_start(&strict, env) != 0) {
		fprintf(stderr, "harness: %s\n", strict.error);
		abort();
	}
}

static void strict_teardown(void)
{
	harness_stop(&strict);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Registration resolves no name (a slow resolver would hold a request
 * thread for seconds): the delivery worker resolves at each attempt and
 * refuses what the name points to there. "localhost" resolves from
 * /etc/hosts, without any DNS traffic, to loopback, which this server
 * never reaches. */
START_TEST(host_names_are_resolved_at_delivery_only)
{
	struct party strict_admin, landlord;
	fixtures_admin(&strict, &strict_admin);
	fixtures_party(&strict, &strict_admin, "social_landlord", NULL, NULL, &landlord);
	int status = 0;
	int64_t started = monotonic_ms();
	json_t *j = fixtures_call_json(&strict, &landlord, "POST", "/v1/webhooks",
				       "{\"url\":\"https://localhost:9/hook\"}", NULL, &status);
	int64_t took = monotonic_ms() - started;
	expect(j, status, 201, NULL);
	ck_assert_msg(took < 1000, "registration took %lld ms", (long long)took);
	char id[40];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);

	/* Literal addresses need no resolution: still refused at once. */
	j = fixtures_call_json(&strict, &landlord, "POST", "/v1/webhooks", "{\"url\":\"https://127.0.0.1:9/hook\"}", NULL,
			       &status);
	expect(j, status, 422, "url");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "detail")), "loopback"));
	json_decref(j);

	PGconn *conn = db();
	char resource[40];
	new_uuid(conn, resource);
	publish(conn, landlord.org_id, "8", "procedure.stage_changed", "procedure", resource, "{\"n\":1}");
	PQfinish(conn);

	char path[160], error[300] = "";
	snprintf(path, sizeof(path), "/v1/webhooks/%s/deliveries", id);
	for (int i = 0; i < 100 && error[0] == '\0'; i++) {
		j = fixtures_call_json(&strict, &landlord, "GET", path, NULL, NULL, &status);
		expect(j, status, 200, NULL);
		json_t *d = json_array_get(json_object_get(j, "items"), 0);
		json_t *a = json_array_get(json_object_get(d, "attempts"), 0);
		if (a != NULL) {
			ck_assert_str_ne(json_string_value(json_object_get(d, "status")), "delivered");
			snprintf(error, sizeof(error), "%s", json_string_value(json_object_get(a, "error")));
		}
		json_decref(j);
		struct timespec pause = { 0, 100 * 1000000L };
		nanosleep(&pause, NULL);
	}
	ck_assert_msg(strstr(error, "loopback") != NULL, "attempt error: \"%s\"", error);
	/* Gone, so that no later test finds a webhook that lags behind the feed. */
	snprintf(path, sizeof(path), "/v1/webhooks/%s", id);
	struct http_response resp = { 0 };
	ck_assert_int_eq(fixtures_call(&strict, &landlord, "DELETE", path, NULL, NULL, &resp), 204);
	http_response_free(&resp);
}
END_TEST

/* --- two replicas: a delivery whose replica dies is attempted again ---------- */

#define REPLICA_EVENTS 8

static struct harness replica_b;

static void replicas_setup(void)
{
	setup();
}

static void replicas_teardown(void)
{
	harness_stop(&server);
	harness_stop(&replica_b);
}

/* The value of sql's one row on the test database, with one parameter. */
static long long db_count(PGconn *conn, const char *sql, const char *param)
{
	const char *params[] = { param };
	PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
	long long n = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

/* Replica A (the harness's server) is killed (SIGKILL) while the receiver
 * holds one of its deliveries; replica B takes the deliveries A had leased
 * once their lease has run out (the test ends the leases rather than wait
 * the 30 s margin), and every event reaches the receiver: each at most once
 * per attempt, none lost, every delivery recorded as delivered. */
START_TEST(a_dead_replicas_deliveries_are_attempted_again)
{
	fixtures_admin(&server, &admin);
	struct party landlord;
	fixtures_party(&server, &admin, "social_landlord", NULL, NULL, &landlord);
	struct receiver r;
	receiver_start_holding(&r, 0, 3000);
	char url[96], id[40], secret[80];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
	webhook_new(&landlord, url, id, secret);

	PGconn *conn = db();
	for (int i = 0; i < REPLICA_EVENTS; i++) {
		char res_id[40], payload[32];
		new_uuid(conn, res_id);
		snprintf(payload, sizeof(payload), "{\"n\":%d}", i);
		publish(conn, landlord.org_id, "8", "procedure.stage_changed", "procedure", res_id, payload);
	}
	for (int i = 0; i < 200 && !atomic_load(&r.holding); i++) {
		struct timespec pause = { 0, 50 * 1000000L };
		nanosleep(&pause, NULL);
	}
	ck_assert_msg(atomic_load(&r.holding), "replica A sent no delivery");
	ck_assert_int_eq(harness_signal(&server, SIGKILL), 0);
	ck_assert_int_eq(harness_wait(&server, 5000), 128 + SIGKILL);

	const char *env[] = { "PREVEX_WEBHOOK_ALLOW_LOOPBACK=1", "PREVEX_WEBHOOK_WORKERS=2",
			      "PREVEX_WEBHOOK_POLL_MS=50", "PREVEX_WEBHOOK_BACKOFF_BASE_MS=100",
			      "PREVEX_WEBHOOK_BACKOFF_MAX_S=1", "PREVEX_WEBHOOK_TIMEOUT_MS=2000", NULL };
	ck_assert_msg(harness_start(&replica_b, env) == 0, "%s", replica_b.error);
	/* A's leases, as they stand once timeout + margin have passed. */
	long long leased = db_count(conn,
				    "WITH d AS (UPDATE webhook_deliveries SET lease_until = now() - interval '1 second'"
				    " WHERE webhook_id = $1::uuid AND status = 'pending' AND lease_until > now()"
				    " RETURNING 1) SELECT count(*) FROM d", id);
	ck_assert_int_ge(leased, 1);

	const char *undelivered = "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1::uuid"
				  " AND status <> 'delivered'";
	for (int i = 0; i < 300 && db_count(conn, undelivered, id) > 0; i++) {
		struct timespec pause = { 0, 100 * 1000000L };
		nanosleep(&pause, NULL);
	}
	receiver_stop(&r);
	ck_assert_int_eq(db_count(conn, undelivered, id), 0);
	ck_assert_int_eq(db_count(conn, "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1::uuid", id),
			 REPLICA_EVENTS);
	ck_assert_int_ge(db_count(conn, "SELECT max(attempts) FROM webhook_deliveries WHERE webhook_id = $1::uuid",
				  id), 2);

	/* Every event received, each no more often than it was attempted. */
	int received[REPLICA_EVENTS] = { 0 };
	for (int i = 0; i < r.accepted; i++) {
		ck_assert_msg(signature_ok(r.signatures[i], secret, r.bodies[i]), "bad signature %s", r.signatures[i]);
		json_t *b = json_loads(r.bodies[i], 0, NULL);
		ck_assert_ptr_nonnull(b);
		json_t *e = json_object_get(b, "event");
		int n = (int)json_integer_value(json_object_get(json_object_get(e, "data"), "n"));
		ck_assert(n >= 0 && n < REPLICA_EVENTS);
		received[n]++;
		char seq[32];
		snprintf(seq, sizeof(seq), "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
		const char *params[] = { id, seq };
		PGresult *res = PQexecParams(conn, "SELECT attempts FROM webhook_deliveries WHERE webhook_id = $1::uuid"
					     " AND feed_seq = $2::bigint", 2, NULL, params, NULL, NULL, 0);
		ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s", PQerrorMessage(conn));
		int attempts = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		ck_assert_msg(received[n] <= attempts, "event %d received %d times in %d attempts", n, received[n],
			      attempts);
		json_decref(b);
	}
	for (int n = 0; n < REPLICA_EVENTS; n++)
		ck_assert_msg(received[n] >= 1, "event %d never received", n);
	receiver_free(&r);
	PQfinish(conn);
	harness_discard_log(&server);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webhooks");
	TCase *tc = tcase_create("webhooks");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, callback_urls_are_checked);
	tcase_add_test(tc, webhooks_belong_to_their_organisation);
	tcase_add_test(tc, failing_receiver_gets_every_delivery_in_order);
	tcase_add_test(tc, benefit_decisions_reach_the_addressee_caf);
	tcase_add_test(tc, orientations_reach_both_sides);
	suite_add_tcase(s, tc);
	TCase *registration = tcase_create("registration");
	tcase_set_timeout(registration, 120);
	tcase_add_unchecked_fixture(registration, strict_setup, strict_teardown);
	tcase_add_test(registration, host_names_are_resolved_at_delivery_only);
	suite_add_tcase(s, registration);
	/* Checked: the test kills its server, which must be its own child. */
	TCase *replicas = tcase_create("replicas");
	tcase_set_timeout(replicas, 120);
	tcase_add_checked_fixture(replicas, replicas_setup, replicas_teardown);
	tcase_add_test(replicas, a_dead_replicas_deliveries_are_attempted_again);
	suite_add_tcase(s, replicas);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
