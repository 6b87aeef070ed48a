#include "api/letters_render.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/audit.h"
#include "api/json_in.h"
#include "api/referrals.h"
#include "api/tx.h"
#include "domain/commission.h"
#include "domain/date.h"
#include "domain/parse.h"

#define PLACEHOLDER_MAX 48

struct buf {
	char *data;
	size_t len, cap;
	bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* One character of text or of a value: escaped for HTML, control
 * characters but line breaks dropped for both; a line break within a value
 * is <br> in HTML. */
static void put_char(struct buf *b, enum letter_format fmt, char ch)
{
	unsigned char c = (unsigned char)ch;
	if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
		buf_str(b, " ");
		return;
	}
	if (fmt == LETTER_TEXT) {
		buf_add(b, &ch, 1);
		return;
	}
	switch (c) {
	case '&': buf_str(b, "&amp;"); break;
	case '<': buf_str(b, "&lt;"); break;
	case '>': buf_str(b, "&gt;"); break;
	case '"': buf_str(b, "&quot;"); break;
	case '\'': buf_str(b, "&#39;"); break;
	case '\n': buf_str(b, "<br>\n"); break;
	default: buf_add(b, &ch, 1);
	}
}

const char *letters_template(const char *kind)
{
	for (int i = 0; kind != NULL && i < letter_templates_count; i++)
		if (strcmp(letter_templates[i].kind, kind) == 0)
			return letter_templates[i].text;
	return NULL;
}

int letters_render(char **out, size_t *len, const char *tmpl, const char *title, enum letter_format fmt,
		   letter_lookup lookup, void *ctx, struct err *err)
{
	*out = NULL;
	*len = 0;
	struct buf b = { 0 };
	int rc = ERR_OK;
	if (fmt == LETTER_HTML) {
		buf_str(&b, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
		for (const char *t = title; *t; t++)
			put_char(&b, fmt, *t);
		buf_str(&b, "</title>\n</head>\n<body>\n<p>");
	}
	/* Trailing line breaks of the file are not a paragraph. */
	size_t n = strlen(tmpl);
	while (n > 0 && tmpl[n - 1] == '\n')
		n--;
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		if (fmt == LETTER_HTML && tmpl[i] == '\n' && tmpl[i + 1] == '\n') {
			/* A blank line ends a paragraph. */
			while (i + 1 < n && tmpl[i + 1] == '\n')
				i++;
			buf_str(&b, "</p>\n<p>");
			continue;
		}
		if (tmpl[i] != '{' || tmpl[i + 1] != '{') {
			put_char(&b, fmt, tmpl[i]);
			continue;
		}
		const char *end = strstr(tmpl + i + 2, "}}");
		size_t name_len = end ? (size_t)(end - (tmpl + i + 2)) : 0;
		if (end == NULL || name_len == 0 || name_len >= PLACEHOLDER_MAX) {
			rc = err_set(err, ERR_INTERNAL, "", "a letter template has a malformed placeholder");
			break;
		}
		char name[PLACEHOLDER_MAX];
		memcpy(name, tmpl + i + 2, name_len);
		name[name_len] = '\0';
		const char *value = lookup(ctx, name);
		if (value == NULL || value[0] == '\0') {
			rc = err_set_reason(err, ERR_REASON_LETTER_INCOMPLETE, name, "the letter needs %s, which is not known", name);
			break;
		}
		for (const char *v = value; *v; v++)
			put_char(&b, fmt, *v);
		i += name_len + 3;
	}
	if (fmt == LETTER_HTML)
		buf_str(&b, "</p>\n</body>\n</html>\n");
	else
		buf_str(&b, "\n");
	if (rc == ERR_OK && b.failed)
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc != ERR_OK) {
		free(b.data);
		return rc;
	}
	*out = b.data;
	*len = b.len;
	return ERR_OK;
}

int letters_negotiate(const char *accept, enum letter_format *out, struct err *err)
{
	if (accept == NULL || accept[0] == '\0') {
		*out = LETTER_HTML;
		return ERR_OK;
	}
	double html = http_accept_quality(accept, "text/html"), text = http_accept_quality(accept, "text/plain");
	if (html <= 0 && text <= 0)
		return err_set(err, ERR_NOT_ACCEPTABLE, "Accept", "a letter is text/html or text/plain");
	*out = html >= text ? LETTER_HTML : LETTER_TEXT;
	return ERR_OK;
}

int letters_french_date(char *out, size_t len, const char *iso, const char *field, struct err *err)
{
	static const char *const months[] = { "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
					      "août", "septembre", "octobre", "novembre", "décembre" };
	struct date d;
	int rc = date_parse(&d, iso, field, err);
	if (rc == ERR_OK)
		snprintf(out, len, "%d%s %s %d", d.d, d.d == 1 ? "er" : "", months[d.m - 1], d.y);
	return rc;
}

void letters_french_amount(char *out, size_t len, long long cents)
{
	char digits[32], grouped[48];
	long long euros = cents / 100;
	int rest = (int)(cents % 100);
	snprintf(digits, sizeof(digits), "%lld", euros);
	size_t nd = strlen(digits), g = 0;
	for (size_t i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0) {
			/* U+202F narrow no-break space, the French thousands separator. */
			memcpy(grouped + g, "\xe2\x80\xaf", 3);
			g += 3;
		}
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	snprintf(out, len, "%s,%02d\xc2\xa0\xe2\x82\xac", grouped, rest);
}

/* --- the endpoint --- */

struct letter_fields {
	json_t *data;                /* the facts from storage */
	const struct req *req;
	const char *referral_id;
	char letter_date[48], session_date[48], session_time[16], opinion_date[48];
	char commission_name[512], opinion_commission_name[512];
	char debt[48], reference[16], appointment_date[48];
	char *decisions;             /* malloc'd, one line per decision */
};

static const char *data_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void commission_name(char *out, size_t len, const json_t *session)
{
	const char *level = data_string(session, "level"), *clil = data_string(session, "clil_name");
	out[0] = '\0';
	if (level == NULL)
		return;
	if (strcmp(level, "clil") == 0 && clil != NULL)
		snprintf(out, len, "la commission locale des impayés locatifs (CLIL) « %s »", clil);
	else
		snprintf(out, len, "la commission de coordination des actions de prévention des expulsions "
				   "locatives (CCAPEX)");
}

static void session_time(char *out, size_t len, const char *hhmm)
{
	out[0] = '\0';
	if (hhmm != NULL && strlen(hhmm) == 5)
		snprintf(out, len, "%.2sh%.2s", hhmm, hhmm + 3);
}

static int fields_prepare(struct letter_fields *f, struct err *err)
{
	const json_t *session = json_object_get(f->data, "session");
	const json_t *opinion = json_object_get(f->data, "opinion");
	int rc = letters_french_date(f->letter_date, sizeof(f->letter_date), data_string(f->data, "today"), "today",
				     err);
	if (rc != ERR_OK)
		return err_set(err, ERR_INTERNAL, "", "the database's date is not a date");
	if (data_string(session, "date") != NULL &&
	    letters_french_date(f->session_date, sizeof(f->session_date), data_string(session, "date"), "session_date",
				err) != ERR_OK)
		return ERR_INTERNAL;
	if (data_string(opinion, "date") != NULL &&
	    letters_french_date(f->opinion_date, sizeof(f->opinion_date), data_string(opinion, "date"), "opinion_date",
				err) != ERR_OK)
		return ERR_INTERNAL;
	session_time(f->session_time, sizeof(f->session_time), data_string(session, "time"));
	commission_name(f->commission_name, sizeof(f->commission_name), session);
	commission_name(f->opinion_commission_name, sizeof(f->opinion_commission_name), opinion);
	const json_t *debt = json_object_get(f->data, "debt_cents");
	if (json_is_integer(debt))
		letters_french_amount(f->debt, sizeof(f->debt), (long long)json_integer_value(debt));
	for (int i = 0; i < 8; i++)
		f->reference[i] = (char)toupper((unsigned char)f->referral_id[i]);
	f->reference[8] = '\0';
	const json_t *decisions = json_object_get(opinion, "decisions");
	size_t n = json_array_size(decisions), cap = n * 160 + 1, used = 0;
	f->decisions = calloc(1, cap);
	if (f->decisions == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	for (size_t i = 0; i < n; i++) {
		enum opinion_decision d;
		if (opinion_parse_decision(&d, json_string_value(json_array_get(decisions, i)), "decisions", err) != ERR_OK)
			return err_set(err, ERR_INTERNAL, "", "a stored decision is unknown");
		used += (size_t)snprintf(f->decisions + used, cap - used, "%s- %s", i ? "\n" : "",
					 opinion_decision_label_fr(d));
	}
	const char *day = req_query(f->req, "appointment_date");
	struct date today, appointment;
	json_in_today(&today);
	if (day != NULL &&
	    (plausible_date_parse(&appointment, day, DATE_KIND_QUERY, &today, "appointment_date", err) != ERR_OK ||
	     letters_french_date(f->appointment_date, sizeof(f->appointment_date), day, "appointment_date", err) != ERR_OK))
		return ERR_INVALID;
	return ERR_OK;
}

static const char *field_lookup(void *ctx, const char *name)
{
	struct letter_fields *f = ctx;
	const json_t *session = json_object_get(f->data, "session");
	static const char *const direct[] = { "address_line", "postcode", "commune", "landlord_name", NULL };
	for (int i = 0; direct[i] != NULL; i++)
		if (strcmp(name, direct[i]) == 0)
			return data_string(f->data, name);
	if (strcmp(name, "session_place") == 0)
		return data_string(session, "place");
	if (strncmp(name, "appointment_", 12) == 0)
		return strcmp(name, "appointment_date") == 0 ? f->appointment_date : req_query(f->req, name);
	struct { const char *name; const char *value; } computed[] = {
		{ "letter_date", f->letter_date }, { "session_date", f->session_date },
		{ "session_time", f->session_time }, { "commission_name", f->commission_name },
		{ "opinion_date", f->opinion_date }, { "opinion_commission_name", f->opinion_commission_name },
		{ "debt", f->debt }, { "reference", f->reference }, { "decisions", f->decisions },
	};
	for (size_t i = 0; i < sizeof(computed) / sizeof(computed[0]); i++)
		if (strcmp(name, computed[i].name) == 0)
			return computed[i].value;
	return NULL;
}

struct letter_read {
	const struct req *req;
	struct ccapex_viewer viewer;
	const char *id;
	const char *kind;
	char *json;
};

static int letters_get_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct letter_read *l = ctx;
	unsigned relations = 0;
	int rc = ccapex_store_letter_data(conn, l->id, &l->viewer, &l->json, &relations, err);
	if (rc == ERR_OK)
		rc = audit_record(conn, l->req, "letter", "referral", l->id, "ok", err);
	return rc;
}

/* Appointment details come with the request; they are checked as input. */
static int check_appointment_query(const struct req *req, struct err *err)
{
	static const char *const names[] = { "appointment_time", "appointment_place", "appointment_with" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = req_query(req, names[i]);
		if (v != NULL && strlen(v) > 200)
			return err_set(err, ERR_INVALID, names[i], "%s is at most 200 bytes", names[i]);
	}
	return ERR_OK;
}

int letters_get(struct req *req, struct reply *rep, struct err *err)
{
	struct letter_read l = { .req = req, .kind = req_param(req, "kind") };
	struct letter_fields f = { .req = req };
	enum letter_format fmt;
	char *text = NULL;
	size_t len = 0;
	const char *tmpl = letters_template(l.kind);
	ccapex_viewer_of(req, &l.viewer);
	/* A letter carries the tenant's address: only who may read it. */
	unsigned mask = 0;
	for (int r = POLICY_REL_NONE + 1; r < POLICY_REL__COUNT; r++)
		if (policy_household_fields(req->actor.kind, (enum policy_relation)r) & POLICY_FIELD_ADDRESS)
			mask |= 1u << r;
	l.viewer.read_mask &= mask;
	int rc = req_path_uuid(req, "id", &l.id, err);
	if (rc == ERR_OK && tmpl == NULL)
		rc = err_set(err, ERR_NOT_FOUND, "kind", "no such letter: information, invitation, recommendation or "
						       "appointment");
	if (rc == ERR_OK)
		rc = letters_negotiate(req_header(req, "Accept"), &fmt, err);
	if (rc == ERR_OK)
		rc = check_appointment_query(req, err);
	if (rc == ERR_OK)
		rc = tx_run(req, letters_get_tx, &l, err);
	if (rc == ERR_OK && (f.data = json_loads(l.json, 0, NULL)) == NULL)
		rc = err_set(err, ERR_INTERNAL, "", "the letter's data is not JSON");
	f.referral_id = l.id;
	if (rc == ERR_OK)
		rc = fields_prepare(&f, err);
	if (rc == ERR_OK)
		rc = letters_render(&text, &len, tmpl, l.kind, fmt, field_lookup, &f, err);
	if (rc == ERR_OK) {
		reply_header(rep, "Vary", "Accept");
		rc = reply_text(rep, 200, fmt == LETTER_HTML ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
				text, len);
	}
	free(f.decisions);
	json_decref(f.data);
	free(l.json);
	return rc;
}
