#include "api/households_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/households.h"
#include "api/letters_render.h"
#include "api/tx.h"
#include "storage/households_store.h"

enum export_format { EXPORT_JSON, EXPORT_HTML };

/* ?format= wins over Accept; JSON on a tie and without either. */
static int negotiate(const struct req *req, enum export_format *out, struct err *err)
{
	const char *format = req_query(req, "format");
	*out = EXPORT_JSON;
	if (format != NULL) {
		if (strcmp(format, "html") == 0)
			*out = EXPORT_HTML;
		else if (strcmp(format, "json") != 0)
			return err_set(err, ERR_INVALID, "format", "format is json or html");
		return ERR_OK;
	}
	const char *accept = req_header(req, "Accept");
	if (accept == NULL || accept[0] == '\0')
		return ERR_OK;
	double json = http_accept_quality(accept, "application/json");
	double html = http_accept_quality(accept, "text/html");
	if (json <= 0 && html <= 0)
		return err_set(err, ERR_NOT_ACCEPTABLE, "Accept", "an export is application/json or text/html");
	if (html > json)
		*out = EXPORT_HTML;
	return ERR_OK;
}

/* --- the French page --- */

/* Labels of the members the export holds, in the order the page shows
 * them; a member without one comes after, under its JSON name. */
static const char *const labels[][2] = {
	{ "id", "Identifiant" }, { "kind", "Nature" }, { "type", "Type" }, { "level", "Niveau" },
	{ "status", "État" }, { "stage", "Étape" }, { "reference", "Référence" }, { "external_id", "Référence du partenaire" },
	{ "holder_name", "Titulaire du bail" }, { "address", "Adresse" }, { "line", "Voie" },
	{ "postcode", "Code postal" }, { "insee", "Code INSEE" }, { "commune", "Commune" },
	{ "epci", "Intercommunalité (EPCI)" }, { "name", "Nom" }, { "siren", "SIREN" }, { "sector", "Parc" },
	{ "landlord", "Bailleur" }, { "contact", "Coordonnées" }, { "phone", "Téléphone" }, { "email", "Courriel" },
	{ "occupants", "Occupants" }, { "adults", "Adultes" }, { "children", "Enfants" },
	{ "rent_cents", "Loyer mensuel" }, { "charges_cents", "Charges mensuelles" },
	{ "lease_signed_on", "Date du bail" }, { "income_cents", "Ressources mensuelles" },
	{ "housing_benefit", "Aide au logement" }, { "paid_to", "Versée à" },
	{ "caf_number", "Numéro d'allocataire" }, { "vulnerability_notes", "Notes sociales" },
	{ "date", "Date" }, { "seq", "Rang" }, { "debt_cents", "Dette" }, { "months_unpaid", "Mois impayés" },
	{ "hearing_on", "Date d'audience" }, { "court", "Juridiction" }, { "prefet_notified_on", "Préfet informé le" },
	{ "outcome", "Issue" }, { "events", "Actes" }, { "event_count", "Nombre d'actes" },
	{ "referred_on", "Saisine du" }, { "reason", "Motif" }, { "complex", "Dossier complexe" },
	{ "legal_entity", "Bailleur personne morale" }, { "landlord_notice", "Délai de saisine du bailleur" },
	{ "inadmissible_reason", "Motif d'irrecevabilité" }, { "escalated", "Transmise à la CCAPEX" },
	{ "agenda", "Ordre du jour" }, { "opinions", "Avis de la commission" }, { "session_on", "Date de la séance" },
	{ "summary", "Avis" }, { "decisions", "Décisions" }, { "recommendations", "Préconisations" },
	{ "text", "Texte" }, { "due_on", "Échéance" }, { "comment", "Commentaire" },
	{ "history", "Historique" }, { "step", "Étape" }, { "orientation", "Orientation" }, { "actor", "Acteur" },
	{ "requested_on", "Demandé le" }, { "interview_offered_on", "Entretien proposé le" },
	{ "report", "Rapport" }, { "report_sent_on", "Rapport envoyé le" }, { "carence_on", "Carence le" },
	{ "sent_on", "Envoyé le" }, { "channel", "Canal" }, { "answered", "Réponse reçue" },
	{ "answered_on", "Réponse le" }, { "outcomes", "Suites" }, { "start_on", "Début" },
	{ "planned_end_on", "Fin prévue" }, { "end_on", "Fin" }, { "renewals", "Renouvellements" },
	{ "opened_on", "Ouvert le" }, { "follow_up", "Suivi" }, { "interventions", "Interventions" },
	{ "agent", "Intervenant" }, { "note", "Note" }, { "signalled_on", "Signalé le" },
	{ "first_missed_on", "Premier impayé le" }, { "benefit_status", "Aide au logement" },
	{ "paid_to_landlord", "Versée au bailleur" }, { "arrears", "Impayé constitué" }, { "match", "Rapprochement" },
	{ "decision", "Décision" }, { "reasons", "Motifs" }, { "decided_on", "Décidé le" },
	{ "applied_on", "Appliqué le" }, { "caller", "Appelant" }, { "subject", "Objet" },
	{ "household_id", "Ménage" }, { "procedure_id", "Procédure" }, { "referral_id", "Saisine" },
	{ "diagnostic_id", "Diagnostic" }, { "caf_signal_id", "Signalement CAF" }, { "case_id", "Accompagnement" },
	{ "commission_id", "Commission" }, { "organisation_id", "Organisation" }, { "organisation", "Organisation" },
	{ "org", "Organisation" },
	{ "assigned_org", "Organisme désigné" }, { "operator_org", "Opérateur" },
	{ "addressee_org", "Destinataire" }, { "filed_by_org", "Déposée par" }, { "created_by_org", "Créé par" },
	{ "recorded_by_org", "Enregistré par" }, { "oriented_by_org", "Orientée par" },
	{ "signalled_by_org", "Signalé par" }, { "by_org", "Par" },
	{ "decided_by_org", "Décidé par" }, { "reported_by_org", "Compte rendu par" }, { "version", "Version" },
	{ "created_at", "Créé le" }, { "updated_at", "Modifié le" },
};

/* French words for the values of the members that are codes. */
static const char *const code_members[] = { "kind", "type", "status", "stage", "sector", "paid_to", "channel",
					    "step", "decision", "caller", "match", "benefit_status", "actor", "level",
					    "action", "resource_type", "outcome_code" };
static const char *const codes[][2] = {
	{ "none", "aucune" }, { "social", "parc social" }, { "private", "parc privé" }, { "al", "allocation de logement" },
	{ "apl", "APL" }, { "tenant", "locataire" }, { "landlord", "bailleur" },
	{ "payment_order", "commandement de payer" }, { "summons", "assignation" }, { "judgment", "jugement" },
	{ "order_to_leave", "commandement de quitter les lieux" },
	{ "cfp_request", "demande de concours de la force publique" }, { "cfp_granted", "concours accordé" },
	{ "cfp_refused", "concours refusé" }, { "eviction", "expulsion" }, { "debt_settled", "dette soldée" },
	{ "plan_respected", "plan respecté" }, { "withdrawn", "retiré" }, { "household_left", "départ du ménage" },
	{ "over_indebtedness", "surendettement" }, { "open", "en cours" }, { "suspended", "suspendu" },
	{ "closed", "clos" }, { "received", "reçue" }, { "admissible", "recevable" }, { "inadmissible", "irrecevable" },
	{ "scheduled", "inscrite à l'ordre du jour" }, { "examined", "examinée" }, { "pending", "en attente" },
	{ "accepted", "acceptée" }, { "done", "fait" }, { "declined", "refusée" }, { "requested", "demandé" },
	{ "interview_offered", "entretien proposé" }, { "carence", "carence" }, { "active", "en cours" },
	{ "completed", "terminée" }, { "interrupted", "interrompue" }, { "post", "courrier" },
	{ "registered_post", "lettre recommandée" }, { "email", "courriel" }, { "hand_delivered", "remis en main propre" },
	{ "home_visit", "visite à domicile" }, { "phone_call", "appel téléphonique" }, { "letter", "courrier" },
	{ "meeting", "rendez-vous" }, { "signalled", "signalement" }, { "bailiff_report", "signalement du commissaire de justice" },
	{ "social_landlord", "bailleur social" }, { "private_landlord", "bailleur privé" },
	{ "maintained", "maintenue" }, { "paid_to_landlord", "versée au bailleur" }, { "kept", "maintenue" },
	{ "matched", "rapproché" }, { "unmatched", "non rapproché" }, { "ambiguous", "ambigu" },
	{ "read", "consultation" }, { "create", "création" }, { "update", "modification" }, { "export", "extraction" },
	{ "list", "consultation d'une liste" }, { "decided", "décidée" }, { "applied", "appliquée" },
	{ "opinion", "avis" }, { "orient", "orientation" }, { "decide", "décision" }, { "apply", "application" },
	{ "prefecture", "préfecture" }, { "departement", "département" }, { "bailiff", "commissaire de justice" },
	{ "caf", "CAF" }, { "adil", "ADIL" }, { "social_service", "service social" }, { "association", "association" },
	{ "banque_de_france", "Banque de France" }, { "national", "délégation nationale" }, { "household", "ménage" },
	{ "household_timeline", "historique du ménage" }, { "procedure", "procédure" }, { "procedure_event", "acte" },
	{ "referral", "saisine" }, { "recommendation", "préconisation" }, { "diagnostic", "diagnostic" },
	{ "outreach_case", "accompagnement" }, { "outreach_intervention", "intervention" },
	{ "prevention_letter", "courrier de prévention" }, { "masp_measure", "mesure MASP" },
	{ "caf_signal", "signalement CAF" }, { "benefit_decision", "décision sur l'aide au logement" },
	{ "ok", "effectué" },
};

static const char *pair_lookup(const char *const table[][2], size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i][0], key) == 0)
			return table[i][1];
	return NULL;
}

#define LOOKUP(table, key) pair_lookup(table, sizeof(table) / sizeof(table[0]), key)

static const char *label(const char *key)
{
	const char *l = LOOKUP(labels, key);
	return l != NULL ? l : key;
}

static bool is_code_member(const char *key)
{
	for (size_t i = 0; i < sizeof(code_members) / sizeof(code_members[0]); i++)
		if (strcmp(code_members[i], key) == 0)
			return true;
	return false;
}

/* The sections of the page, in order, with their French titles. */
static const char *const sections[][2] = {
	{ "procedures", "Procédures et actes" },
	{ "referrals", "Saisines de la CCAPEX, avis et préconisations" },
	{ "diagnostics", "Diagnostics sociaux et financiers" },
	{ "prevention_letters", "Courriers de prévention" },
	{ "masp_measures", "Mesures d'accompagnement social personnalisé (MASP)" },
	{ "outreach_cases", "Accompagnement de l'équipe mobile" },
	{ "caf_signals", "Signalements de la CAF" },
	{ "benefit_decisions", "Décisions sur l'aide au logement" },
	{ "adil_contacts", "Contacts avec l'ADIL" },
};

/* Text as HTML: the five special characters escaped, control characters
 * but line breaks and tabs dropped. */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *entity = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
				   : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
		if (entity != NULL)
			fputs(entity, f);
		else if (c >= 0x20 || c == '\n' || c == '\t')
			fputc(c, f);
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void put_value(FILE *f, const char *key, const json_t *v);
static void put_string(FILE *f, const char *key, const char *s);

static void put_member(FILE *f, const char *key, const json_t *v)
{
	if (v == NULL || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
		return;
	fputs("<dt>", f);
	put_text(f, label(key));
	fputs("</dt><dd>", f);
	put_value(f, key, v);
	fputs("</dd>\n", f);
}

/* The members in the order of the labels, then those without one. */
static void put_object(FILE *f, const json_t *o)
{
	const char *key;
	const json_t *v;
	fputs("<dl>\n", f);
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		put_member(f, labels[i][0], json_object_get(o, labels[i][0]));
	json_object_foreach((json_t *)o, key, v)
		if (LOOKUP(labels, key) == NULL)
			put_member(f, key, v);
	fputs("</dl>\n", f);
}

/* A string as the page shows it: a code in French, a date in French. */
static void put_string(FILE *f, const char *key, const char *s)
{
	const char *word = is_code_member(key) ? LOOKUP(codes, s) : NULL;
	char day[48];
	struct err ignored = { 0 };
	if (word != NULL)
		put_text(f, word);
	else if (strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
		 letters_french_date(day, sizeof(day), s, key, &ignored) == ERR_OK)
		put_text(f, day);
	else
		put_text(f, s);
}

static void put_value(FILE *f, const char *key, const json_t *v)
{
	if (json_is_object(v)) {
		put_object(f, v);
	} else if (json_is_array(v)) {
		fputs("<ol>\n", f);
		for (size_t i = 0; i < json_array_size(v); i++) {
			fputs("<li>", f);
			put_value(f, key, json_array_get(v, i));
			fputs("</li>\n", f);
		}
		fputs("</ol>\n", f);
	} else if (json_is_string(v)) {
		put_string(f, key, json_string_value(v));
	} else if (json_is_integer(v) && ends_with(key, "_cents")) {
		char amount[64];
		letters_french_amount(amount, sizeof(amount), (long long)json_integer_value(v));
		fputs(amount, f);
	} else if (json_is_integer(v)) {
		fprintf(f, "%lld", (long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "oui" : "non", f);
	}
}

/* A cell of the access log: key says how to show a code. */
static void put_cell(FILE *f, const char *key, const json_t *v)
{
	fputs("<td>", f);
	if (json_is_string(v))
		put_string(f, key, json_string_value(v));
	fputs("</td>", f);
}

static void put_access_log(FILE *f, const json_t *entries)
{
	fputs("<h2>Qui a consulté ou modifié ces données</h2>\n", f);
	if (json_array_size(entries) == 0) {
		fputs("<p>Aucune trace.</p>\n", f);
		return;
	}
	fputs("<table>\n<thead><tr><th>Date</th><th>Organisation</th><th>Nature de l'organisation</th>"
	      "<th>Action</th><th>Élément</th><th>Identifiant</th><th>Résultat</th></tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < json_array_size(entries); i++) {
		const json_t *e = json_array_get(entries, i), *org = json_object_get(e, "organisation");
		fputs("<tr>", f);
		put_cell(f, "at", json_object_get(e, "at"));
		put_cell(f, "name", json_object_get(org, "name"));
		put_cell(f, "kind", json_object_get(org, "kind"));
		put_cell(f, "action", json_object_get(e, "action"));
		put_cell(f, "resource_type", json_object_get(e, "resource_type"));
		put_cell(f, "resource_id", json_object_get(e, "resource_id"));
		put_cell(f, "outcome_code", json_object_get(e, "outcome"));
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

/* The page, into a malloc'd *out of *len bytes. */
static int render_html(char **out, size_t *len, const json_t *doc, struct err *err)
{
	FILE *f = open_memstream(out, len);
	if (f == NULL)
		return err_set(err, ERR_INTERNAL, "", "cannot build the page");
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>Données détenues sur le ménage (droit d'accès, RGPD art. 15)</title>\n"
	      "<style>body{font-family:sans-serif;margin:2em}dt{font-weight:bold}dd{margin-left:1.5em}"
	      "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}</style>\n"
	      "</head>\n<body>\n<h1>Données détenues sur le ménage</h1>\n<p>Extraction au titre du droit "
	      "d'accès (article 15 du RGPD), faite le ", f);
	put_text(f, json_string_value(json_object_get(doc, "exported_at")));
	fputs(".</p>\n<h2>Ménage</h2>\n", f);
	put_object(f, json_object_get(doc, "household"));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const json_t *items = json_object_get(doc, sections[i][0]);
		fputs("<h2>", f);
		put_text(f, sections[i][1]);
		fputs("</h2>\n", f);
		if (json_array_size(items) == 0)
			fputs("<p>Aucun.</p>\n", f);
		else
			put_value(f, sections[i][0], items);
	}
	put_access_log(f, json_object_get(doc, "access_log"));
	fputs("</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return err_set(err, ERR_INTERNAL, "", "cannot build the page");
	}
	return ERR_OK;
}

/* --- the endpoint --- */

struct export_work {
	struct req *req;
	struct store_caller caller;
	const char *id;
	struct household_row row;
	char *json;
};

static int export_tx(PGconn *conn, void *ctx, struct err *err)
{
	struct export_work *w = ctx;
	/* A retried transaction drops what the attempt before read. */
	household_row_free(&w->row);
	free(w->json);
	w->json = NULL;
	int rc = households_store_get(conn, &w->caller, w->id, &w->row, err);
	if (rc == ERR_OK && !policy_allows_any(w->req->actor.kind, POLICY_EXPORT_HOUSEHOLD, w->row.relations))
		rc = err_set(err, ERR_FORBIDDEN, "", "only the préfecture and the département export a household");
	if (rc == ERR_OK)
		rc = audit_record(conn, w->req, "export", "household", w->id, "ok", err);
	if (rc == ERR_OK)
		rc = households_store_export(conn, &w->caller, w->id, &w->json, err);
	return rc;
}

int households_export(struct req *req, struct reply *rep, struct err *err)
{
	struct export_work w = { .req = req };
	enum export_format fmt = EXPORT_JSON;
	json_t *doc = NULL;
	char *html = NULL;
	size_t len = 0;
	households_caller(req, &w.caller);
	int rc = req_path_uuid(req, "id", &w.id, err);
	if (rc == ERR_OK)
		rc = negotiate(req, &fmt, err);
	if (rc == ERR_OK)
		rc = tx_run(req, export_tx, &w, err);
	if (rc == ERR_OK && !json_is_object(doc = json_loads(w.json, 0, NULL)))
		rc = err_set(err, ERR_INTERNAL, "", "the export is not a JSON object");
	if (rc == ERR_OK) {
		reply_header(rep, "Vary", "Accept");
		if (fmt == EXPORT_HTML && (rc = render_html(&html, &len, doc, err)) == ERR_OK) {
			rc = reply_text(rep, 200, "text/html; charset=utf-8", html, len);
			html = NULL;
		} else if (fmt == EXPORT_JSON) {
			rc = reply_json(rep, 200, doc);
			doc = NULL;
		}
	}
	json_decref(doc);
	free(html);
	free(w.json);
	household_row_free(&w.row);
	return rc;
}
