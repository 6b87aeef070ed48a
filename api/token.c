#include "api/token.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/audit.h"
#include "api/json_in.h"
#include "api/jwt.h"
#include "api/log.h"
#include "api/problem.h"
#include "api/secret.h"
#include "api/tx.h"
#include "domain/parse.h"
#include "storage/audit_store.h"
#include "storage/orgs_store.h"

/* Failed secrets are counted per source address and client id together
 * (what one address may try for one client) and per source address alone
 * (one address trying many client ids), never per client id alone: ids are
 * not secret, and a per-client limit would let anyone lock a partner out
 * from anywhere. Secrets are 256 random bits, so guesses spread over many
 * addresses gain nothing; the failures a client id gathers across addresses
 * are counted only to be logged. */
#define THROTTLE_WINDOW_S 300
#define THROTTLE_MAX_PER_PAIR 5
#define THROTTLE_MAX_PER_ADDRESS 30
#define THROTTLE_LOG_PER_CLIENT 20

/* A well-formed hash of a secret nobody has, checked when the client does
 * not exist so that the answer takes as long as for a wrong secret. */
static const char dummy_hash[] =
	"sha256$00000000000000000000000000000000$"
	"0000000000000000000000000000000000000000000000000000000000000000";

struct token_request {
	const struct req *req;
	char client_id[64];
	char secret[128];
	char scope[256];
	bool scope_given;
	char pair_key[160];
	char address_key[80];
	char client_key[80];
	struct client_credentials client;
	int retry_after;
	int client_failures; /* of a known client, in the window, from every address */
	bool authenticated;
};

/* An RFC 6749 error, answered as problem+json with its error code. */
static int oauth_error(struct reply *rep, const struct req *req, enum err_code code, const char *error,
		       const char *description, struct err *err)
{
	err_set(err, code, "", "%s", description);
	problem_reply(rep, req, err);
	json_object_set_new(rep->body, "error", json_string(error));
	json_object_set_new(rep->body, "error_description", json_string(description));
	if (code == ERR_UNAUTHORIZED)
		reply_header(rep, "WWW-Authenticate", "Basic realm=\"prevex\", error=\"invalid_client\"");
	return ERR_OK; /* the reply is complete */
}

static int form_or_json(const struct req *req, const char *key, char *out, size_t len, bool *present,
			struct err *err)
{
	*present = false;
	if (req->body != NULL)
		return json_in_string(req->body, key, false, out, len, present, err);
	const char *v = u_map_get(req->u->map_post_body, key);
	if (v == NULL)
		return ERR_OK;
	if (strlen(v) >= len)
		return err_set(err, ERR_INVALID, key, "%s is too long", key);
	snprintf(out, len, "%s", v);
	*present = true;
	return ERR_OK;
}

/* The source address as throttling sees it: an IPv4 address, or the /64 of
 * an IPv6 one (one host commonly holds a whole /64). */
static void client_address(const struct req *req, char *out, size_t len)
{
	const struct sockaddr *sa = req->u->client_address;
	snprintf(out, len, "unknown");
	if (sa != NULL && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)len);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		struct in6_addr a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&a)) {
			inet_ntop(AF_INET, &a.s6_addr[12], out, (socklen_t)len);
			return;
		}
		memset(&a.s6_addr[8], 0, 8);
		char text[INET6_ADDRSTRLEN];
		if (inet_ntop(AF_INET6, &a, text, sizeof(text)) != NULL)
			snprintf(out, len, "%s/64", text);
	}
}

static int token_check_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct token_request *t = ctx;
	int rc = throttle_store_check(conn, t->pair_key, THROTTLE_MAX_PER_PAIR, THROTTLE_WINDOW_S, &t->retry_after,
				      err);
	if (rc == ERR_OK)
		rc = throttle_store_check(conn, t->address_key, THROTTLE_MAX_PER_ADDRESS, THROTTLE_WINDOW_S,
					  &t->retry_after, err);
	if (rc != ERR_OK)
		return rc;
	bool known = parse_is_uuid(t->client_id);
	if (known) {
		rc = clients_store_find(conn, t->client_id, &t->client, err);
		if (rc == ERR_NOT_FOUND)
			known = false;
		else if (rc != ERR_OK)
			return rc;
	}
	bool match = secret_verify(t->secret, known ? t->client.secret_hash : dummy_hash);
	t->authenticated = known && match && t->client.active;
	/* The address's own count stays: one right secret must not buy an
	 * address a new budget for guessing other clients' secrets. */
	if (t->authenticated)
		return throttle_store_clear(conn, t->pair_key, err);
	rc = throttle_store_fail(conn, t->pair_key, THROTTLE_WINDOW_S, NULL, err);
	if (rc == ERR_OK)
		rc = throttle_store_fail(conn, t->address_key, THROTTLE_WINDOW_S, NULL, err);
	if (rc == ERR_OK && known)
		rc = throttle_store_fail(conn, t->client_key, THROTTLE_WINDOW_S, &t->client_failures, err);
	return rc;
}

/* Every word of requested must be one of granted. */
static bool scope_within(const char *requested, const char *granted)
{
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", requested);
	char *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		if (!policy_scope_has(granted, w))
			return false;
	return true;
}

int token_issue(struct req *req, struct reply *rep, struct err *err)
{
	struct token_request *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	t->req = req;
	char grant[64];
	bool has_grant, has_id, has_secret;
	int rc = ERR_OK;
	if (req->body != NULL) {
		static const char *const allowed[] = { "grant_type", "client_id", "client_secret", "scope", NULL };
		rc = json_in_keys(req->body, allowed, NULL, err);
	}
	if (rc == ERR_OK)
		rc = form_or_json(req, "grant_type", grant, sizeof(grant), &has_grant, err);
	if (rc == ERR_OK)
		rc = form_or_json(req, "client_id", t->client_id, sizeof(t->client_id), &has_id, err);
	if (rc == ERR_OK)
		rc = form_or_json(req, "client_secret", t->secret, sizeof(t->secret), &has_secret, err);
	if (rc == ERR_OK)
		rc = form_or_json(req, "scope", t->scope, sizeof(t->scope), &t->scope_given, err);
	if (rc != ERR_OK)
		goto done;
	if (!has_grant || strcmp(grant, "client_credentials") != 0) {
		rc = oauth_error(rep, req, ERR_INVALID, has_grant ? "unsupported_grant_type" : "invalid_request",
				 "grant_type must be client_credentials", err);
		goto done;
	}
	const char *basic_user = req->u->auth_basic_user, *basic_password = req->u->auth_basic_password;
	if (basic_user != NULL && (has_id || has_secret)) {
		rc = oauth_error(rep, req, ERR_INVALID, "invalid_request",
				 "send the credentials either in Authorization: Basic or in the body, not both", err);
		goto done;
	}
	if (basic_user != NULL) {
		snprintf(t->client_id, sizeof(t->client_id), "%s", basic_user);
		snprintf(t->secret, sizeof(t->secret), "%s", basic_password ? basic_password : "");
	} else if (!has_id || !has_secret) {
		rc = oauth_error(rep, req, ERR_UNAUTHORIZED, "invalid_client", "client authentication failed", err);
		goto done;
	}
	char address[64];
	client_address(req, address, sizeof(address));
	snprintf(t->pair_key, sizeof(t->pair_key), "pair:%.60s|%.63s", address, t->client_id);
	snprintf(t->address_key, sizeof(t->address_key), "address:%.60s", address);
	snprintf(t->client_key, sizeof(t->client_key), "client:%.63s", t->client_id);

	rc = tx_run(req, token_check_tx, t, err);
	if (rc == ERR_TOO_MANY) {
		char retry[16];
		snprintf(retry, sizeof(retry), "%d", t->retry_after);
		problem_reply(rep, req, err);
		reply_header(rep, "Retry-After", retry);
		rc = ERR_OK;
		goto done;
	}
	if (rc != ERR_OK)
		goto done;
	if (t->client_failures >= THROTTLE_LOG_PER_CLIENT && t->client_failures % THROTTLE_LOG_PER_CLIENT == 0)
		log_json(LOG_WARN, "token_failures_for_client",
			 json_pack("{ss ss si si}", "request_id", req->request_id, "client_id", t->client_id, "failures",
				   t->client_failures, "window_s", THROTTLE_WINDOW_S));
	if (!t->authenticated) {
		log_json(LOG_INFO, "token_refused", json_pack("{ss}", "request_id", req->request_id));
		rc = oauth_error(rep, req, ERR_UNAUTHORIZED, "invalid_client", "client authentication failed", err);
		goto done;
	}
	if (t->scope_given && (t->scope[0] == '\0' || !scope_within(t->scope, t->client.scopes))) {
		rc = oauth_error(rep, req, ERR_INVALID, "invalid_scope",
				 "the requested scope exceeds the client's scope", err);
		goto done;
	}
	if (req->app->keys == NULL) {
		rc = err_set(err, ERR_UNAVAILABLE, "", "no signing key is configured");
		goto done;
	}
	struct jwt_claims claims = { 0 };
	time_t now = time(NULL);
	snprintf(claims.iss, sizeof(claims.iss), "%s", req->app->cfg.jwt_issuer);
	snprintf(claims.aud, sizeof(claims.aud), "%s", req->app->cfg.jwt_audience);
	snprintf(claims.sub, sizeof(claims.sub), "%s", t->client.client_id);
	snprintf(claims.org, sizeof(claims.org), "%s", t->client.org_id);
	snprintf(claims.kind, sizeof(claims.kind), "%s", t->client.kind);
	snprintf(claims.scope, sizeof(claims.scope), "%s", t->scope_given ? t->scope : t->client.scopes);
	claims.iat = now;
	claims.nbf = now;
	claims.exp = now + req->app->cfg.token_ttl_s;
	char *token = NULL;
	rc = jwt_token_issue(&token, req->app->keys, &claims, err);
	if (rc == ERR_OK) {
		reply_header(rep, "Pragma", "no-cache");
		rc = reply_json(rep, 200, json_pack("{ss ss sI ss}", "access_token", token, "token_type", "Bearer",
						    "expires_in", (json_int_t)req->app->cfg.token_ttl_s,
						    "scope", claims.scope));
	}
	free(token);
done:
	explicit_bzero(t->secret, sizeof(t->secret));
	free(t);
	return rc;
}

struct me_work {
	const char *org_id; /* borrowed from the request's actor */
	char *org;          /* owned: the organisation as an OrganisationRef */
};

static int me_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct me_work *w = ctx;
	return orgs_store_ref(conn, w->org_id, &w->org, err);
}

int token_me(struct req *req, struct reply *rep, struct err *err)
{
	const struct actor *a = &req->actor;
	struct me_work w = { .org_id = a->org_id, .org = NULL };
	json_t *org = NULL;
	/* An instant, like every *_at (openapi/VOCABULARY.md). */
	char expires[32] = "";
	time_t exp = (time_t)a->expires_at;
	struct tm tm;
	if (gmtime_r(&exp, &tm) != NULL)
		strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
	int rc = tx_run(req, me_tx, &w, err);
	if (rc == ERR_OK && (org = json_loads(w.org, 0, NULL)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "an organisation reference is not JSON");
	if (rc == ERR_OK) {
		/* "o" hands org over to the new object. */
		rc = reply_json(rep, 200, json_pack("{ss so ss ss ss}", "client_id", a->client_id, "org", org, "kind",
						    policy_kind_to_string(a->kind), "scope", a->scope, "expires_at",
						    expires));
		org = NULL;
	}
	json_decref(org);
	free(w.org);
	return rc;
}

int token_jwks(struct req *req, struct reply *rep, struct err *err)
{
	if (req->app->keys == NULL)
		return reply_json(rep, 200, json_pack("{s[]}", "keys"));
	reply_header(rep, "Cache-Control", "public, max-age=300");
	return reply_json(rep, 200, jwt_keyring_jwks(req->app->keys));
}
