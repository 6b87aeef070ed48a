#include "api/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/json_in.h"
#include "api/tx.h"
#include "domain/date.h"
#include "domain/parse.h"
#include "storage/stats_store.h"

/* Where each family goes in the answer: NULL merges it at the top. */
static const char *const family_key[STATS__FAMILY_COUNT] = {
	[STATS_COMMISSIONS] = NULL,
	[STATS_REFERRALS] = NULL,
	[STATS_ACTS] = NULL,
	[STATS_LETTERS] = "prevention_letters",
	[STATS_MOBILE_TEAM] = "mobile_team",
	[STATS_MASP] = "masp",
};

/* JSON unless the client asks for text/csv; 406 when it accepts neither. */
static int negotiate(const struct req *req, bool *csv, struct err *err)
{
	const char *accept = req_header(req, "Accept");
	*csv = false;
	if (accept == NULL || accept[0] == '\0')
		return ERR_OK;
	const char *c = strcasestr(accept, "text/csv"), *j = strcasestr(accept, "application/json");
	if (c != NULL) {
		*csv = j == NULL || c < j;
		return ERR_OK;
	}
	if (j != NULL || strcasestr(accept, "*/*") != NULL || strcasestr(accept, "application/*") != NULL)
		return ERR_OK;
	return err_set(err, ERR_NOT_ACCEPTABLE, "Accept", "statistics are application/json or text/csv");
}

/* Every case for the national delegation, the cases of its départements
 * for the préfecture and the département, else the caller's own: 403 when
 * it may read none. */
static int scope_of(const struct req *req, enum stats_scope *scope, const char **org_id, struct err *err)
{
	*org_id = req->actor.org_id;
	*scope = STATS_SCOPE_DEPARTEMENTS;
	if (auth_require(req, POLICY_READ_STATS_ALL, err) == ERR_OK) {
		if (req->actor.kind == ORG_KIND_NATIONAL) {
			*scope = STATS_SCOPE_ALL;
			*org_id = NULL;
		}
		return ERR_OK;
	}
	*scope = STATS_SCOPE_OWN;
	return auth_require(req, POLICY_READ_STATS_OWN, err);
}

static const char *scope_name(enum stats_scope scope)
{
	return scope == STATS_SCOPE_OWN ? "own_cases" : scope == STATS_SCOPE_ALL ? "national" : "departement";
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static int csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		return fputs(s, f) < 0 ? -1 : 0;
	fputc('"', f);
	for (; *s != '\0'; s++)
		if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
			return -1;
	return fputc('"', f) == EOF ? -1 : 0;
}

static void csv_value(FILE *f, const json_t *v)
{
	char *text = NULL;
	if (json_is_string(v))
		csv_field(f, json_string_value(v));
	else if (!json_is_null(v) && (text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10))) != NULL)
		csv_field(f, text);
	free(text);
}

/* figure,value rows, the figure a dotted path; array items are named by
 * the SIREN of their "epci" member when they have one. */
static void csv_flatten(FILE *f, const char *path, const json_t *v)
{
	char sub[256];
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", k);
			csv_flatten(f, sub, m);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) {
			const char *name = json_string_value(json_object_get(json_object_get(m, "epci"), "siren"));
			if (name != NULL)
				snprintf(sub, sizeof(sub), "%s.%s", path, name);
			else
				snprintf(sub, sizeof(sub), "%s.%zu", path, i);
			csv_flatten(f, sub, m);
		}
	} else {
		csv_field(f, path);
		fputc(',', f);
		csv_value(f, v);
		fputs("\r\n", f);
	}
}

/* A header row from the first item's members, then one row per item. */
static void csv_table(FILE *f, const json_t *items)
{
	const json_t *first = json_array_get(items, 0);
	const char *k;
	json_t *m;
	bool comma = false;
	json_object_foreach((json_t *)first, k, m) {
		if (comma)
			fputc(',', f);
		csv_field(f, k);
		comma = true;
	}
	fputs("\r\n", f);
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		comma = false;
		json_object_foreach((json_t *)first, k, m) {
			if (comma)
				fputc(',', f);
			csv_value(f, json_object_get(item, k));
			comma = true;
		}
		fputs("\r\n", f);
	}
}

/* Steals o. */
static int reply_csv(struct reply *rep, json_t *o, bool table, struct err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL) {
		json_decref(o);
		return err_set(err, ERR_INTERNAL, "", "cannot build the CSV");
	}
	if (table)
		csv_table(f, json_object_get(o, "items"));
	else {
		fputs("figure,value\r\n", f);
		csv_flatten(f, "", o);
	}
	fclose(f);
	json_decref(o);
	return reply_text(rep, 200, "text/csv; charset=utf-8", text, len);
}

struct key_figures {
	struct req *req;
	int year;
	enum stats_scope scope;
	const char *org_id;
	char *json[STATS__FAMILY_COUNT];
};

static int key_figures_read(PGconn *conn, void *ctx, struct err *err)
{
	struct key_figures *k = ctx;
	/* A retried transaction drops what the attempt before read. */
	stats_store_figures_clear(k->json);
	return stats_store_key_figures(conn, k->year, k->scope, k->org_id, k->json, err);
}

static int key_figures_audit(PGconn *conn, void *ctx, struct err *err)
{
	struct key_figures *k = ctx;
	return audit_record(conn, k->req, "read", "key_figures", NULL, "ok", err);
}

int stats_key_figures(struct req *req, struct reply *rep, struct err *err)
{
	struct key_figures k = { .req = req };
	bool csv = false;
	int64_t year = 0;
	int rc = scope_of(req, &k.scope, &k.org_id, err);
	if (rc == ERR_OK)
		rc = negotiate(req, &csv, err);
	const char *y = req_query(req, "year");
	if (rc == ERR_OK && (y == NULL || parse_i64(y, 1900, 2999, &year) != 0))
		rc = err_set(err, ERR_INVALID, "year", "year is required, a year such as 2021");
	k.year = (int)year;
	if (rc == ERR_OK)
		rc = tx_run_read(req, key_figures_read, key_figures_audit, &k, err);
	json_t *o = rc == ERR_OK ? json_pack("{si ss ss}", "year", k.year, "scope",
					     scope_name(k.scope),
					     "percent_rounding", "half_up")
				 : NULL;
	for (int f = 0; rc == ERR_OK && f < STATS__FAMILY_COUNT; f++) {
		json_t *part = json_loads(k.json[f], 0, NULL);
		if (o == NULL || !json_is_object(part))
			rc = err_set(err, ERR_INTERNAL, "", "figures of family %d are not an object", f);
		else if (family_key[f] == NULL)
			json_object_update(o, part);
		else
			json_object_set(o, family_key[f], part);
		json_decref(part);
	}
	stats_store_figures_clear(k.json);
	if (rc != ERR_OK) {
		json_decref(o);
		return rc;
	}
	reply_header(rep, "Vary", "Accept");
	return csv ? reply_csv(rep, o, false, err) : reply_json(rep, 200, o);
}

struct acts_query {
	struct req *req;
	struct stats_acts_query q;
	char *json;
};

static int acts_read(PGconn *conn, void *ctx, struct err *err)
{
	struct acts_query *a = ctx;
	free(a->json);
	a->json = NULL;
	return stats_store_acts(conn, &a->q, &a->json, err);
}

static int acts_audit(PGconn *conn, void *ctx, struct err *err)
{
	struct acts_query *a = ctx;
	return audit_record(conn, a->req, "read", "acts_statistics", NULL, "ok", err);
}

static int acts_params(const struct req *req, struct stats_acts_query *q, struct err *err)
{
	struct date from, to;
	q->from = req_query(req, "from");
	q->to = req_query(req, "to");
	q->by = req_query(req, "by");
	q->epci = req_query(req, "epci");
	q->sector = req_query(req, "sector");
	if (q->from == NULL || date_parse(&from, q->from, "from", err) != ERR_OK)
		return err_set(err, ERR_INVALID, "from", "from is required, a date YYYY-MM-DD");
	if (q->to == NULL || date_parse(&to, q->to, "to", err) != ERR_OK)
		return err_set(err, ERR_INVALID, "to", "to is required, a date YYYY-MM-DD");
	struct date today;
	json_in_today(&today);
	int rc = plausible_date_check(&from, DATE_KIND_QUERY, &today, "from", err);
	if (rc == ERR_OK)
		rc = plausible_date_check(&to, DATE_KIND_QUERY, &today, "to", err);
	if (rc != ERR_OK)
		return rc;
	if (date_cmp(&from, &to) > 0)
		return err_set(err, ERR_INVALID, "to", "to is before from");
	if (date_diff_days(&from, &to) > 366 * 30)
		return err_set(err, ERR_INVALID, "to", "a period of 30 years at most");
	if (q->by == NULL)
		q->by = "month";
	if (strcmp(q->by, "month") != 0 && strcmp(q->by, "year") != 0)
		return err_set(err, ERR_INVALID, "by", "by is month or year");
	if (q->epci != NULL && (strlen(q->epci) != 9 || strspn(q->epci, "0123456789") != 9))
		return err_set(err, ERR_INVALID, "epci", "epci is a SIREN of 9 digits");
	if (q->sector != NULL && strcmp(q->sector, "social") != 0 && strcmp(q->sector, "private") != 0)
		return err_set(err, ERR_INVALID, "sector", "sector is social or private");
	return ERR_OK;
}

int stats_acts(struct req *req, struct reply *rep, struct err *err)
{
	struct acts_query a = { .req = req };
	bool csv = false;
	int rc = scope_of(req, &a.q.scope, &a.q.org_id, err);
	if (rc == ERR_OK)
		rc = negotiate(req, &csv, err);
	if (rc == ERR_OK)
		rc = acts_params(req, &a.q, err);
	if (rc == ERR_OK)
		rc = tx_run_read(req, acts_read, acts_audit, &a, err);
	json_t *items = rc == ERR_OK ? json_loads(a.json, 0, NULL) : NULL;
	free(a.json);
	if (rc == ERR_OK && !json_is_array(items))
		rc = err_set(err, ERR_INTERNAL, "", "the acts are not an array");
	if (rc != ERR_OK) {
		json_decref(items);
		return rc;
	}
	json_t *o = json_pack("{ss ss ss ss? ss? ss so}", "from", a.q.from, "to", a.q.to, "by", a.q.by,
			      "epci_siren", a.q.epci, "sector", a.q.sector,
			      "scope", scope_name(a.q.scope), "items", items);
	if (o == NULL)
		return err_set(err, ERR_INTERNAL, "", "cannot build the acts");
	reply_header(rep, "Vary", "Accept");
	return csv ? reply_csv(rep, o, true, err) : reply_json(rep, 200, o);
}
