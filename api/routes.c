#include "api/router.h"

#include "api/audit.h"
#include "api/households.h"
#include "api/ops.h"
#include "api/orgs.h"
#include "api/procedures.h"
#include "api/token.h"

/* Every endpoint of the service. The OpenAPI description in
 * openapi/openapi.yaml says the same, route by route. */
const struct route routes[] = {
	{ "GET", "/healthz", ops_healthz, ROUTE_PUBLIC },
	{ "GET", "/readyz", ops_readyz, ROUTE_PUBLIC },
	{ "GET", "/metrics", ops_metrics, ROUTE_PUBLIC },
	{ "GET", "/.well-known/jwks.json", token_jwks, ROUTE_PUBLIC },

	{ "POST", "/v1/token", token_issue, ROUTE_PUBLIC | ROUTE_BODY_JSON | ROUTE_BODY_FORM },
	{ "GET", "/v1/me", token_me, 0 },

	{ "POST", "/v1/organisations", orgs_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/organisations", orgs_list, 0 },
	{ "GET", "/v1/organisations/{id}", orgs_get, 0 },
	{ "PATCH", "/v1/organisations/{id}", orgs_update, ROUTE_BODY_JSON },
	{ "POST", "/v1/organisations/{id}/clients", orgs_create_client, ROUTE_BODY_JSON },
	{ "GET", "/v1/organisations/{id}/clients", orgs_list_clients, 0 },
	{ "DELETE", "/v1/clients/{id}", orgs_revoke_client, 0 },

	{ "GET", "/v1/audit", audit_list, 0 },

	{ "POST", "/v1/households", households_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/households", households_list, 0 },
	{ "GET", "/v1/households/{id}", households_get, 0 },
	{ "PATCH", "/v1/households/{id}", households_update, ROUTE_BODY_JSON },
	{ "GET", "/v1/households/{id}/timeline", households_timeline, 0 },
	{ "POST", "/v1/households/{id}/procedures", procedures_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/procedures/{id}", procedures_get, 0 },
	{ "POST", "/v1/procedures/{id}/events", procedures_add_event, ROUTE_BODY_JSON },
	{ "GET", "/v1/procedures/{id}/events", procedures_list_events, 0 },
	{ "GET", "/v1/queue", procedures_queue, 0 },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
