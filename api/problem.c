#include "api/problem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/log.h"
#include "api/router.h"

struct problem_kind {
	int status;
	const char *title;
};

static const struct problem_kind kinds[ERR__COUNT] = {
	[ERR_OK] = { 200, "OK" },
	[ERR_INVALID] = { 400, "Bad request" },
	[ERR_UNAUTHORIZED] = { 401, "Unauthorized" },
	[ERR_FORBIDDEN] = { 403, "Forbidden" },
	[ERR_NOT_FOUND] = { 404, "Not found" },
	[ERR_METHOD_NOT_ALLOWED] = { 405, "Method not allowed" },
	[ERR_NOT_ACCEPTABLE] = { 406, "Not acceptable" },
	[ERR_CONFLICT] = { 409, "Conflict" },
	[ERR_GONE] = { 410, "Gone" },
	[ERR_PRECONDITION_FAILED] = { 412, "Precondition failed" },
	[ERR_TOO_LARGE] = { 413, "Content too large" },
	[ERR_UNSUPPORTED_MEDIA] = { 415, "Unsupported media type" },
	[ERR_UNPROCESSABLE] = { 422, "Unprocessable content" },
	[ERR_PRECONDITION_REQUIRED] = { 428, "Precondition required" },
	[ERR_TOO_MANY] = { 429, "Too many requests" },
	[ERR_UNAVAILABLE] = { 503, "Service unavailable" },
	[ERR_INTERNAL] = { 500, "Internal server error" },
};

/* What each problem type means for a client, and what it can do about it:
 * the pages under /problems/. */
struct problem_doc {
	const char *title;
	const char *meaning;
};

static const struct problem_doc docs[ERR_REASON__COUNT] = {
	[ERR_REASON_INVALID_REQUEST] = { "Invalid request",
		"A member, parameter or header does not have the type, format or bounds the OpenAPI description gives. "
		"field (a JSON Pointer into the body), parameter or header names it; errors lists every failure found. "
		"Fix the request; sending it again unchanged fails again." },
	[ERR_REASON_UNAUTHORIZED] = { "Token missing, invalid or expired",
		"The request carries no bearer token, or one that is not valid now. Get a new token from POST /v1/tokens." },
	[ERR_REASON_FORBIDDEN] = { "Not allowed for this organisation",
		"The token is valid but the caller's organisation (its kind, its scopes) may not do this." },
	[ERR_REASON_NOT_FOUND] = { "No such resource",
		"The resource does not exist, or the caller's organisation may not see it: the two are not told apart." },
	[ERR_REASON_METHOD_NOT_ALLOWED] = { "Method not allowed",
		"The path exists but not with this method; the Allow header lists the methods it takes." },
	[ERR_REASON_NOT_ACCEPTABLE] = { "No acceptable representation",
		"The Accept header names no media type this operation answers with." },
	[ERR_REASON_CONFLICT] = { "Conflict",
		"The request conflicts with the current state of the resource." },
	[ERR_REASON_GONE] = { "Gone",
		"The resource, or the cursor, existed but has expired; start again from the beginning." },
	[ERR_REASON_VERSION_MISMATCH] = { "Version mismatch",
		"If-Match names a version that is no longer the current one: someone changed the resource since it was read. "
		"Read it again, apply the change to the current version and send it with the new ETag." },
	[ERR_REASON_CONTENT_TOO_LARGE] = { "Content too large",
		"The body is larger than this operation takes; split it (imports take batches)." },
	[ERR_REASON_UNSUPPORTED_MEDIA_TYPE] = { "Unsupported media type",
		"Content-Type names a media type this operation does not take (application/json for most)." },
	[ERR_REASON_UNPROCESSABLE] = { "Unprocessable content",
		"The request is well formed but a rule refuses it." },
	[ERR_REASON_IF_MATCH_REQUIRED] = { "If-Match required",
		"This write replaces state: send the ETag you read in If-Match (or * to replace any version)." },
	[ERR_REASON_TOO_MANY_REQUESTS] = { "Too many requests",
		"The caller sent more than its budget; wait for Retry-After seconds." },
	[ERR_REASON_UNAVAILABLE] = { "Service unavailable",
		"The database or a dependency is unavailable or overloaded; nothing was changed. Retry after Retry-After seconds." },
	[ERR_REASON_INTERNAL_ERROR] = { "Internal error",
		"An unexpected failure; nothing was changed. Quote request_id when reporting it." },
	[ERR_REASON_MALFORMED_JSON] = { "Malformed JSON",
		"The body is not one JSON object (a syntax error, a duplicate member, invalid UTF-8, too deep)." },
	[ERR_REASON_UNKNOWN_MEMBER] = { "Unknown member",
		"The body has a member this operation does not know; errors lists each of them. Check the spelling against the OpenAPI description." },
	[ERR_REASON_READ_ONLY_MEMBER] = { "Read-only member",
		"The body sets a member the server computes (id, version, timestamps, derived values); leave it out." },
	[ERR_REASON_REFERRAL_ALREADY_OPEN] = { "The household already has an open referral",
		"A household has one open referral to the CCAPEX at a time. conflicting_id (and the Link header) names it: "
		"add to it, or wait until it is closed." },
	[ERR_REASON_REFERRAL_NOT_READY] = { "The referral is not ready for this step",
		"The referral must first be declared admissible (or reach the status the step needs) before it goes on an agenda." },
	[ERR_REASON_STATUS_TRANSITION_REFUSED] = { "Status change refused",
		"The resource's status machine does not allow going from its current status to the one asked for "
		"(referral, orientation, diagnostic, commission, recommendation, MASP measure, benefit decision). "
		"The OpenAPI description of the resource gives its machine." },
	[ERR_REASON_RECORD_FINAL] = { "The record is final",
		"The record has reached a final status (a done diagnostic, an ended measure, a withdrawn recommendation) and no longer changes." },
	[ERR_REASON_AGENDA_FROZEN] = { "The agenda is frozen",
		"A commission's agenda changes only while the session is planned." },
	[ERR_REASON_OPINION_OUTSIDE_SESSION] = { "Opinions are given in session",
		"A commission gives or replaces opinions only while its session is in progress." },
	[ERR_REASON_RECOMMENDATION_REPORTED] = { "The recommendation has a report",
		"Its addressee has reported on the recommendation: a new opinion keeps it as it is, or the report would be lost. "
		"conflicting_id names the recommendation." },
	[ERR_REASON_REPORT_ALREADY_ORIENTED] = { "The report is oriented already",
		"A bailiff's report is oriented once; it is oriented again only after its addressee declines." },
	[ERR_REASON_ALREADY_EXISTS] = { "Already exists",
		"A resource with this identifier (an id chosen by the client, a SIRET, a key) exists already." },
	[ERR_REASON_CONCURRENT_CHANGE] = { "Concurrent change",
		"Another request changed the same records at the same time; nothing was changed. Retry." },
	[ERR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT] = { "Idempotency-Key in flight",
		"A request with this Idempotency-Key is still being processed; retry later to get its answer." },
	[ERR_REASON_CHANGE_ID_REUSED] = { "change_id used for another change",
		"A sync change_id names one change for good; this one was already used with other content." },
	[ERR_REASON_SYNC_CONFLICT] = { "Sync conflict",
		"The change was made on a version of the record that is no longer the current one, or names a record "
		"created meanwhile; current holds the record as it is now: merge and send the change again." },
	[ERR_REASON_HOUSEHOLD_STILL_FOLLOWED] = { "The household is still followed",
		"A procedure of the household is not closed: the law obliges to keep its record while it runs, so it is "
		"not erased. conflicting_id (and procedure_id, and the Link header) names the procedure." },
	[ERR_REASON_HOUSEHOLD_ERASED] = { "The household was erased",
		"The household's personal data were erased (GDPR art. 17, or its retention term): it takes none any more." },
	[ERR_REASON_IDEMPOTENCY_KEY_REUSED] = { "Idempotency-Key used with another body",
		"An Idempotency-Key names one request; use a new key for a different body." },
	[ERR_REASON_UNKNOWN_REFERENCE] = { "Unknown reference",
		"A member names a resource (household, procedure, referral, organisation, commune, EPCI) that does not exist "
		"or that the caller may not act on." },
	[ERR_REASON_WRONG_ORGANISATION_KIND] = { "Wrong kind of organisation",
		"The organisation named (an assignee, an operator, an addressee) is not of a kind that may take this role, or is disabled." },
	[ERR_REASON_DATES_OUT_OF_ORDER] = { "Dates out of order",
		"A date comes before the one it must follow (an act before the previous act, a report before the request), "
		"or lies in the future." },
	[ERR_REASON_INCONSISTENT_WITH_STATUS] = { "Inconsistent with the status",
		"A member is missing for the status given (a done diagnostic needs its report), or is given with a status it does not go with." },
	[ERR_REASON_INCONSISTENT_VALUES] = { "Inconsistent values",
		"Two members contradict each other (a missed payment with no debt, a benefit paid to no one)." },
	[ERR_REASON_VALUE_OUT_OF_RANGE] = { "Value out of range",
		"A number, a duration or a length lies outside what the rules allow (a MASP contract of 6 months to 2 years, a positive rent)." },
	[ERR_REASON_MALFORMED_VALUE] = { "Malformed value",
		"A phone number, an email address or a CAF number does not have its form." },
	[ERR_REASON_GIVEN_TWICE] = { "Given twice",
		"A list holds the same decision or the same id twice." },
	[ERR_REASON_REASON_REQUIRED] = { "Say why",
		"Declining a recommendation or an orientation, or declaring a referral inadmissible, needs its reason." },
	[ERR_REASON_PROCEDURE_EVENT_REFUSED] = { "Procedure event refused",
		"The act cannot follow the procedure's current stage (for example an order to leave before a judgment), "
		"or a correction does not match the event it corrects." },
	[ERR_REASON_PROCEDURE_FULL] = { "Procedure full",
		"A procedure holds a bounded number of events; this one holds the most it can." },
	[ERR_REASON_CONTRADICTS_PROCEDURE] = { "Contradicts the procedure",
		"A member contradicts what the procedure records (a summons date other than the recorded summons)." },
	[ERR_REASON_REFERRAL_KIND_REFUSED] = { "Referral kind refused",
		"The caller's kind of organisation may not make a referral of this kind, or the kind does not allow this step "
		"(only a bailiff's report is oriented)." },
	[ERR_REASON_STATUS_NOT_SETTABLE] = { "Status not settable here",
		"This status is reached through another operation (the agenda, the opinion, the escalation)." },
	[ERR_REASON_COMMISSION_LEVEL_MISMATCH] = { "Commission level mismatch",
		"A CLIL session names its CLIL, a local CCAPEX its territory; the central CCAPEX names neither." },
	[ERR_REASON_CLIL_LANDLORD_COUNT] = { "CLIL landlord count",
		"A mono-landlord CLIL has exactly one landlord, an inter-landlord CLIL at least two." },
	[ERR_REASON_RULE_NOT_IN_FORCE] = { "Rule not in force",
		"The decision rests on a text not in force on the date given (the CCAPEX decides on housing benefit from 1 January 2027)." },
	[ERR_REASON_RECOMMENDATION_NOT_IN_FORCE] = { "Recommendation not in force",
		"A replacing opinion names a recommendation that is not in force on this opinion, or changes the addressee of one it keeps." },
	[ERR_REASON_LANDLORD_MUST_BE_ORGANISATION] = { "The landlord must be an organisation",
		"A social-sector household's landlord is a social landlord organisation, named by its id." },
	[ERR_REASON_IMPORT_AMBIGUOUS_MATCH] = { "Ambiguous match",
		"Several known households or procedures match the imported act; nothing was attached. Send identifiers that single one out." },
	[ERR_REASON_IMPORT_UNCONFIRMED_MATCH] = { "Unconfirmed match",
		"The CAF number is known but neither the address nor the holder's name confirms it; nothing was attached." },
	[ERR_REASON_IMPORT_HOUSEHOLD_NEEDED] = { "Household needed",
		"The act opens a new file and no known household matches: send the household with it." },
	[ERR_REASON_IMPORT_ACT_MISMATCH] = { "Act mismatch",
		"The external_id names an act of another file, or of another kind: an act keeps its file and its kind." },
	[ERR_REASON_WEBHOOK_ADDRESS_REFUSED] = { "Webhook address refused",
		"The webhook's host does not resolve, or resolves to an address webhooks may not reach (private, loopback, link-local)." },
	[ERR_REASON_LETTER_INCOMPLETE] = { "Letter incomplete",
		"The letter's template needs a value that is not known for this household or procedure." },
	[ERR_REASON_COMMUNE_OUTSIDE_DEPARTEMENTS] = { "Commune outside the organisation's départements",
		"A household is created in, or moved to, a commune of one of the départements of the organisation that "
		"acts (its departements): another département's préfecture and Conseil départemental keep its cases. "
		"field names the commune's code." },
};

/* Answered by the connection gate (api/http_gate.c) before any route: no
 * err_code of their own. */
static const struct {
	const char *code;
	int status;
	struct problem_doc doc;
} transport_docs[] = {
	{ "request-timeout", 408, { "Request timeout",
		"The request's head or body did not arrive in time (a slow or stalled client); send it again." } },
	{ "uri-too-long", 414, { "URI too long", "The request target is longer than the service takes." } },
	{ "header-fields-too-large", 431, { "Request header fields too large",
		"The request's headers are larger than the service takes." } },
	{ "http-version-not-supported", 505, { "HTTP version not supported",
		"The service speaks HTTP/1.0 and HTTP/1.1." } },
};

static enum err_code problem_code(enum err_code code)
{
	if ((int)code <= 0 || code >= ERR__COUNT)
		return ERR_INTERNAL;
	return code;
}

int problem_status(enum err_code code)
{
	return kinds[problem_code(code)].status;
}

void problem_type(char *out, size_t len, enum err_reason reason)
{
	snprintf(out, len, "/problems/%s", err_reason_slug(reason));
}

void problem_pointer(char *out, size_t len, const char *field)
{
	size_t n = 0;
	out[0] = '\0';
	if (field == NULL || field[0] == '\0' || len < 2)
		return;
	bool start = true;
	for (const char *c = field; *c != '\0' && n + 3 < len; c++) {
		if (*c == '.' || *c == '[') {
			start = true;
			continue;
		}
		if (*c == ']')
			continue;
		if (start) {
			out[n++] = '/';
			start = false;
		}
		if (*c == '~' || *c == '/') {
			out[n++] = '~';
			out[n++] = *c == '~' ? '0' : '1';
		} else {
			out[n++] = *c;
		}
	}
	out[n] = '\0';
}

enum location { LOCATION_NONE, LOCATION_BODY, LOCATION_PARAMETER, LOCATION_HEADER };

/* Where the member a failure names lies: a header (its name is capitalised:
 * If-Match, Idempotency-Key), a path or query parameter of the request, or
 * the body. req may be NULL: an embedded problem, whose fields are its
 * item's. */
static enum location problem_locate(const struct req *req, const char *field)
{
	if (field == NULL || field[0] == '\0')
		return LOCATION_NONE;
	if (isupper((unsigned char)field[0]))
		return LOCATION_HEADER;
	if (req == NULL)
		return LOCATION_BODY;
	if (req_param(req, field) != NULL || (req->u != NULL && req_query(req, field) != NULL))
		return LOCATION_PARAMETER;
	bool has_body = req->body != NULL ||
			(req->route != NULL && (req->route->flags & (ROUTE_BODY_JSON | ROUTE_BODY_RAW)) &&
			 req->method != NULL && strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
			 strcmp(req->method, "DELETE") != 0);
	return has_body ? LOCATION_BODY : LOCATION_PARAMETER;
}

/* Sets field (a JSON Pointer), parameter or header on o. */
static void problem_set_location(json_t *o, const struct req *req, const char *field)
{
	char pointer[160];
	switch (problem_locate(req, field)) {
	case LOCATION_NONE:
		break;
	case LOCATION_BODY:
		problem_pointer(pointer, sizeof(pointer), field);
		json_object_set_new(o, "field", json_string(pointer));
		break;
	case LOCATION_PARAMETER:
		json_object_set_new(o, "parameter", json_string(field));
		break;
	case LOCATION_HEADER:
		json_object_set_new(o, "header", json_string(field));
		break;
	}
}

/* One entry of errors[]: {type, code, detail, field|parameter|header}.
 * Returns a new reference, NULL when detail is not valid UTF-8. */
static json_t *problem_entry(const struct req *req, enum err_code code, enum err_reason reason, const char *field,
			     const char *detail)
{
	char type[96];
	enum err_reason r = err_reason_of(problem_code(code), reason);
	problem_type(type, sizeof(type), r);
	json_t *o = json_pack("{ss ss ss}", "type", type, "code", err_reason_slug(r), "detail", detail);
	if (o != NULL)
		problem_set_location(o, req, field);
	return o;
}

/* errors[]: err itself, then each further failure it gathered. */
static json_t *problem_errors(const struct req *req, const struct err *err, const char *detail)
{
	json_t *list = json_array();
	json_array_append_new(list, problem_entry(req, err->code, err->reason, err->field, detail));
	for (unsigned i = 0; i < err->n_more && i < ERR_MORE_MAX; i++) {
		const struct err_item *it = &err->more[i];
		json_t *e = problem_entry(req, it->code, it->reason, it->field, it->message);
		if (e != NULL)
			json_array_append_new(list, e);
	}
	return list;
}

static json_t *problem_json(const struct req *req, const struct err *err, const char *detail)
{
	enum err_code code = problem_code(err->code);
	enum err_reason reason = err_reason_of(code, err->reason);
	char type[96];
	problem_type(type, sizeof(type), reason);
	json_t *body = json_pack("{ss ss ss si ss}", "type", type, "code", err_reason_slug(reason), "title",
				 docs[reason].title ? docs[reason].title : kinds[code].title, "status",
				 kinds[code].status, "detail", detail);
	if (body == NULL) /* a detail that is not valid UTF-8 */
		body = json_pack("{ss ss ss si}", "type", type, "code", err_reason_slug(reason), "title",
				 kinds[code].title, "status", kinds[code].status);
	if (body == NULL)
		return NULL;
	problem_set_location(body, req, err->field);
	if (err->conflicting_id[0] != '\0')
		json_object_set_new(body, "conflicting_id", json_string(err->conflicting_id));
	if (code == ERR_INVALID || code == ERR_UNPROCESSABLE || err->n_more > 0)
		json_object_set_new(body, "errors", problem_errors(req, err, detail));
	return body;
}

void problem_reply(struct reply *rep, const struct req *req, const struct err *err)
{
	enum err_code code = problem_code(err->code);
	const char *detail = err->message[0] ? err->message : kinds[code].title;
	if (code == ERR_INTERNAL) {
		log_json(LOG_ERROR, "internal_error",
			 json_pack("{ss ss}", "request_id", req->request_id, "cause", detail));
		detail = "an unexpected error occurred; quote the request id when reporting it";
	}
	json_t *body = problem_json(req, err, detail);
	if (body != NULL) {
		json_object_set_new(body, "request_id", json_string(req->request_id));
		if (req->path != NULL)
			json_object_set_new(body, "instance", json_string(req->path));
	}
	json_decref(rep->body);
	rep->body = body;
	rep->status = kinds[code].status;
	rep->content_type = "application/problem+json";
	if (code == ERR_UNAVAILABLE)
		reply_header(rep, "Retry-After", "2");
	if (code == ERR_UNAUTHORIZED)
		reply_header(rep, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
}

json_t *problem_item_json(const struct err *err)
{
	const char *detail = err->message[0] ? err->message : kinds[problem_code(err->code)].title;
	return problem_json(NULL, err, detail);
}

/* --- the catalogue, served ------------------------------------------------------------ */

static const char page_head[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	"<title>%s</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}"
	"code{background:#f3f3f3;padding:0 .2em}dt{margin-top:1em;font-weight:bold}</style></head><body>\n";

static int reply_page(struct reply *rep, char *html, int n)
{
	if (html == NULL || n < 0) {
		free(html);
		return ERR_INTERNAL;
	}
	reply_header(rep, "Cache-Control", "public, max-age=3600");
	return reply_text(rep, 200, "text/html; charset=utf-8", html, (size_t)n);
}

/* The status a reason is answered with. */
static int reason_status(enum err_reason r)
{
	return problem_status(err_reason_code(r));
}

int problem_catalogue(struct req *req, struct reply *rep, struct err *err)
{
	(void)req;
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	if (f == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	fprintf(f, page_head, "prevex problem types");
	fputs("<h1>Problem types</h1>\n<p>Every error prevex answers is an <code>application/problem+json</code> "
	      "document (RFC 9457). Its <code>type</code> is one of the URIs below, and <code>code</code> its last "
	      "segment: program against <code>code</code>. <code>field</code> is a JSON Pointer (RFC 6901) into the "
	      "request body, <code>parameter</code> a path or query parameter, <code>header</code> a request header. "
	      "<code>errors</code> lists every failure found in the request, the first being the one "
	      "<code>detail</code> describes.</p>\n<dl>\n", f);
	for (int r = ERR_REASON_INVALID_REQUEST; r < ERR_REASON__COUNT; r++)
		fprintf(f, "<dt id=\"%s\"><a href=\"/problems/%s\">%s</a> (%d)</dt><dd>%s</dd>\n",
			err_reason_slug((enum err_reason)r), err_reason_slug((enum err_reason)r), docs[r].title,
			reason_status((enum err_reason)r), docs[r].meaning);
	for (size_t t = 0; t < sizeof(transport_docs) / sizeof(transport_docs[0]); t++)
		fprintf(f, "<dt id=\"%s\"><a href=\"/problems/%s\">%s</a> (%d)</dt><dd>%s</dd>\n", transport_docs[t].code,
			transport_docs[t].code, transport_docs[t].doc.title, transport_docs[t].status,
			transport_docs[t].doc.meaning);
	fputs("</dl>\n</body></html>\n", f);
	bool failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed) {
		free(html);
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	return reply_page(rep, html, (int)len);
}

static int reply_type_page(struct reply *rep, const char *code, int status, const struct problem_doc *doc,
			   struct err *err)
{
	char head[sizeof(page_head) + 160], *page = NULL;
	snprintf(head, sizeof(head), page_head, doc->title);
	int n = asprintf(&page, "%s<h1>%s</h1>\n<p>Status <strong>%d</strong>. Type <code>/problems/%s</code>, "
			 "code <code>%s</code>.</p>\n<p>%s</p>\n<p><a href=\"/problems\">All problem types</a></p>\n"
			 "</body></html>\n", head, doc->title, status, code, code, doc->meaning);
	if (n < 0)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	return reply_page(rep, page, n);
}

int problem_page(struct req *req, struct reply *rep, struct err *err)
{
	const char *code = req_param(req, "code");
	for (int r = ERR_REASON_INVALID_REQUEST; code != NULL && r < ERR_REASON__COUNT; r++)
		if (strcmp(code, err_reason_slug((enum err_reason)r)) == 0)
			return reply_type_page(rep, code, reason_status((enum err_reason)r), &docs[r], err);
	for (size_t t = 0; code != NULL && t < sizeof(transport_docs) / sizeof(transport_docs[0]); t++)
		if (strcmp(code, transport_docs[t].code) == 0)
			return reply_type_page(rep, code, transport_docs[t].status, &transport_docs[t].doc, err);
	return err_set(err, ERR_NOT_FOUND, "", "no such problem type: the catalogue is at /problems");
}
