#include "api/router.h"

#include "api/audit.h"
#include "api/benefit_decisions.h"
#include "api/caf_signals.h"
#include "api/calendar.h"
#include "api/clils.h"
#include "api/commissions.h"
#include "api/households.h"
#include "api/households_export.h"
#include "api/imports.h"
#include "api/diagnostics.h"
#include "api/feed.h"
#include "api/letters.h"
#include "api/masp.h"
#include "api/outreach.h"
#include "api/sync.h"
#include "api/stats.h"
#include "api/ops.h"
#include "api/orgs.h"
#include "api/procedures.h"
#include "api/problem.h"
#include "api/orientations.h"
#include "api/recommendations.h"
#include "api/referrals.h"
#include "api/retention.h"
#include "api/letters_render.h"
#include "api/token.h"
#include "api/webhooks.h"

/* Every endpoint of the service. The OpenAPI description in
 * openapi/openapi.yaml says the same, route by route. */
const struct route routes[] = {
	{ "GET", "/healthz", ops_healthz, ROUTE_PUBLIC },
	{ "GET", "/readyz", ops_readyz, ROUTE_PUBLIC },
	{ "GET", "/metrics", ops_metrics, ROUTE_PUBLIC },
	{ "GET", "/.well-known/jwks.json", token_jwks, ROUTE_PUBLIC },
	{ "GET", "/problems", problem_catalogue, ROUTE_PUBLIC },
	{ "GET", "/problems/{code}", problem_page, ROUTE_PUBLIC },

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
	{ "POST", "/v1/households/{id}/erasure", retention_erase_household, ROUTE_BODY_JSON },
	{ "GET", "/v1/retention-rules", retention_list_rules, 0 },
	{ "GET", "/v1/households/{id}/export", households_export, 0 },
	{ "POST", "/v1/households/{id}/procedures", procedures_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/procedures", procedures_list, 0 },
	{ "GET", "/v1/procedures/{id}", procedures_get, 0 },
	{ "PATCH", "/v1/procedures/{id}", procedures_update, ROUTE_BODY_JSON },
	{ "POST", "/v1/procedures/{id}/events", procedures_add_event, ROUTE_BODY_JSON },
	{ "GET", "/v1/procedures/{id}/events", procedures_list_events, 0 },
	{ "GET", "/v1/queue", procedures_queue, 0 },

	{ "POST", "/v1/referrals", referrals_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/referrals", referrals_list, 0 },
	{ "GET", "/v1/referrals/{id}", referrals_get, 0 },
	{ "PATCH", "/v1/referrals/{id}", referrals_update, ROUTE_BODY_JSON },
	{ "POST", "/v1/referrals/{id}/escalation", referrals_escalate, 0 },
	{ "GET", "/v1/referrals/{id}/letters/{kind}", letters_get, 0 },
	{ "POST", "/v1/referrals/{id}/orientation", orientations_orient, ROUTE_BODY_JSON },
	{ "GET", "/v1/referrals/{id}/orientation", orientations_get, 0 },
	{ "PATCH", "/v1/referrals/{id}/orientation", orientations_report, ROUTE_BODY_JSON },
	{ "POST", "/v1/commissions", commissions_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/commissions", commissions_list, 0 },
	{ "GET", "/v1/commissions/{id}", commissions_get, 0 },
	{ "PATCH", "/v1/commissions/{id}", commissions_update, ROUTE_BODY_JSON },
	{ "POST", "/v1/commissions/{id}/agenda", commissions_agenda_add, ROUTE_BODY_JSON },
	{ "DELETE", "/v1/commissions/{id}/agenda/{referral_id}", commissions_agenda_remove, 0 },
	{ "PUT", "/v1/commissions/{id}/opinions/{referral_id}", commissions_put_opinion, ROUTE_BODY_JSON },
	{ "GET", "/v1/recommendations", recommendations_list, 0 },
	{ "GET", "/v1/recommendations/{id}", recommendations_get, 0 },
	{ "PATCH", "/v1/recommendations/{id}", recommendations_report, ROUTE_BODY_JSON },
	{ "GET", "/v1/benefit-decisions", benefit_decisions_list, 0 },
	{ "GET", "/v1/benefit-decisions/{id}", benefit_decisions_get, 0 },
	{ "PATCH", "/v1/benefit-decisions/{id}", benefit_decisions_update, ROUTE_BODY_JSON },
	{ "POST", "/v1/clils", clils_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/clils", clils_list, 0 },
	{ "GET", "/v1/clils/{id}", clils_get, 0 },
	{ "PATCH", "/v1/clils/{id}", clils_update, ROUTE_BODY_JSON },

	/* Field work: diagnostics, the mobile team and its sync, prevention
	 * letters, MASP. Literal segments come before {id} on the same path. */
	{ "GET", "/v1/diagnostics", diagnostics_list, 0 },
	{ "POST", "/v1/diagnostics", diagnostics_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/diagnostics/{id}", diagnostics_get, 0 },
	{ "PATCH", "/v1/diagnostics/{id}", diagnostics_update, ROUTE_BODY_JSON },
	{ "GET", "/v1/outreach/summary", outreach_summary, 0 },
	{ "GET", "/v1/outreach/teams", outreach_list_teams, 0 },
	{ "PUT", "/v1/outreach/teams/{id}", outreach_flag_team, 0 },
	{ "DELETE", "/v1/outreach/teams/{id}", outreach_unflag_team, 0 },
	{ "GET", "/v1/outreach/cases", outreach_list_cases, 0 },
	{ "POST", "/v1/outreach/cases", outreach_create_case, ROUTE_BODY_JSON },
	{ "GET", "/v1/outreach/cases/{id}", outreach_get_case, 0 },
	{ "PATCH", "/v1/outreach/cases/{id}", outreach_update_case, ROUTE_BODY_JSON },
	{ "DELETE", "/v1/outreach/cases/{id}", outreach_delete_case, 0 },
	{ "POST", "/v1/outreach/cases/{id}/interventions", outreach_add_intervention, ROUTE_BODY_JSON },
	{ "GET", "/v1/sync", sync_pull, 0 },
	{ "POST", "/v1/sync", sync_push, ROUTE_BODY_JSON },
	{ "GET", "/v1/prevention-letters/summary", prevention_letters_summary, 0 },
	{ "GET", "/v1/prevention-letters", prevention_letters_list, 0 },
	{ "POST", "/v1/prevention-letters", prevention_letters_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/prevention-letters/{id}", prevention_letters_get, 0 },
	{ "PATCH", "/v1/prevention-letters/{id}", prevention_letters_update, ROUTE_BODY_JSON },
	{ "GET", "/v1/masp/summary", masp_summary, 0 },
	{ "GET", "/v1/masp", masp_list, 0 },
	{ "POST", "/v1/masp", masp_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/masp/{id}", masp_get, 0 },
	{ "PATCH", "/v1/masp/{id}", masp_update, ROUTE_BODY_JSON },
	{ "POST", "/v1/masp/{id}/renewals", masp_renew, ROUTE_BODY_JSON },

	/* Statistics: JSON, or CSV with Accept: text/csv. */
	{ "GET", "/v1/stats/key-figures", stats_key_figures, ROUTE_NO_CASE },
	{ "GET", "/v1/stats/acts", stats_acts, ROUTE_NO_CASE },

	/* The French calendar and the end of a legal delay: no case data. */
	{ "GET", "/v1/calendar", calendar_list_days, 0 },
	{ "GET", "/v1/calendar/add", calendar_add_delay, 0 },

	{ "GET", "/v1/events", feed_list, ROUTE_CURSOR_AFTER },
	{ "POST", "/v1/webhooks", webhooks_create, ROUTE_BODY_JSON },
	{ "GET", "/v1/webhooks", webhooks_list, 0 },
	{ "GET", "/v1/webhooks/{id}", webhooks_get, 0 },
	{ "DELETE", "/v1/webhooks/{id}", webhooks_delete, 0 },
	{ "GET", "/v1/webhooks/{id}/deliveries", webhooks_list_deliveries, 0 },

	/* Bulk ingest: up to 50,000 items or 64 MiB per request. */
	{ "POST", "/v1/imports/{id}", imports_post, ROUTE_BODY_RAW },
	{ "GET", "/v1/imports/{id}", imports_get, 0 },
	{ "POST", "/v1/caf-signals", caf_signals_post, ROUTE_BODY_JSON },
	{ "GET", "/v1/caf-signals", caf_signals_list, 0 },
	{ "GET", "/v1/caf-signals/{id}", caf_signals_get, 0 },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

const struct route_body_limit route_body_limits[] = {
	{ "POST", "/v1/imports/{id}", IMPORT_MAX_BODY_BYTES },
	{ "POST", "/v1/sync", SYNC_MAX_BODY_BYTES },
};

const size_t route_body_limits_count = sizeof(route_body_limits) / sizeof(route_body_limits[0]);
