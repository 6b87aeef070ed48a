#include "api/router.h"

#include "api/ops.h"

const struct route routes[] = {
	{ "GET", "/healthz", ops_healthz, ROUTE_PUBLIC },
	{ "GET", "/readyz", ops_readyz, ROUTE_PUBLIC },
	{ "GET", "/metrics", ops_metrics, ROUTE_PUBLIC },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
