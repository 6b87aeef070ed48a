#include "api/auth.h"

#include <string.h>
#include <strings.h>

#include "api/jwt.h"
#include "api/log.h"
#include "domain/parse.h"
#include "storage/orgs_store.h"

/* Tokens may be a little ahead of our clock; never behind for exp. */
#define CLOCK_SKEW_S 60

static int reject(const struct req *req, const char *reason, struct err *err)
{
	log_json(LOG_INFO, "auth_rejected",
		 json_pack("{ss ss}", "request_id", req->request_id, "reason", reason));
	return err_set(err, ERR_UNAUTHORIZED, "", "a valid bearer token is required");
}

int auth_verify_token(struct req *req, struct err *err)
{
	if (req_query(req, "access_token") != NULL)
		return reject(req, "token passed in the URL", err);
	const char *header = req_header(req, "Authorization");
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return reject(req, "no bearer token", err);
	const char *token = header + 7;
	while (*token == ' ')
		token++;
	if (*token == '\0')
		return reject(req, "empty bearer token", err);
	if (req->app->keys == NULL)
		return reject(req, "no verification key configured", err);

	struct jwt_claims claims;
	struct jwt_verify_opts opts = {
		.now = time(NULL),
		.issuer = req->app->cfg.jwt_issuer,
		.audience = req->app->cfg.jwt_audience,
		.max_skew_s = CLOCK_SKEW_S,
	};
	char reason[160];
	if (jwt_token_verify(&claims, req->app->keys, token, &opts, reason, sizeof(reason)) != 0)
		return reject(req, reason, err);
	/* Ours are always UUIDs: anything else is no token of ours, whoever
	 * signed it, and must not reach the database as a malformed value. */
	if (!parse_is_uuid(claims.sub) || !parse_is_uuid(claims.org))
		return reject(req, "sub or org is not a UUID", err);
	enum org_kind kind;
	if (policy_kind_from_string(claims.kind, &kind) != 0)
		return reject(req, "unknown organisation kind in token", err);

	struct actor *a = &req->actor;
	a->authenticated = false;
	a->kind = kind;
	a->expires_at = claims.exp;
	snprintf(a->client_id, sizeof(a->client_id), "%s", claims.sub);
	snprintf(a->org_id, sizeof(a->org_id), "%s", claims.org);
	snprintf(a->scope, sizeof(a->scope), "%s", claims.scope);
	return ERR_OK;
}

int auth_confirm_client(struct req *req, struct err *err)
{
	/* Revocation and disabled organisations take effect at once: ask the
	 * database on every request. */
	PGconn *conn = NULL;
	bool active = false;
	int rc = pool_acquire(req->app->pool, &conn, err);
	if (rc == ERR_OK)
		rc = clients_store_is_active(conn, req->actor.client_id, req->actor.org_id, &active, err);
	pool_release(req->app->pool, conn);
	if (rc != ERR_OK)
		return rc;
	if (!active)
		return reject(req, "client revoked or organisation disabled", err);
	req->actor.authenticated = true;
	return ERR_OK;
}

int auth_require(const struct req *req, enum policy_action action, struct err *err)
{
	if (policy_allows_scoped(req->actor.kind, action, POLICY_REL_NONE, req->actor.scope))
		return ERR_OK;
	return err_set(err, ERR_FORBIDDEN, "", "this organisation or client may not %s",
		       policy_action_to_string(action));
}
