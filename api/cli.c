#include "api/cli.h"

#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "api/config.h"
#include "api/demo.h"
#include "api/jwt.h"
#include "api/log.h"
#include "api/orgs.h"
#include "api/secret.h"
#include "domain/demo_plan.h"
#include "domain/parse.h"
#include "domain/retention.h"
#include "domain/siret.h"
#include "storage/audit_store.h"
#include "storage/feed_store.h"
#include "storage/db.h"
#include "storage/demo_store.h"
#include "storage/imports_store.h"
#include "storage/orgs_store.h"
#include "storage/retention_store.h"

/* The value following --name in argv, or NULL. */
static const char *option(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int usage(const char *text)
{
	fprintf(stderr, "usage: %s\n", text);
	return 2;
}

/* Opens the owner's connection with every statement prepared; NULL after
 * printing why. The caller PQfinish()es it. */
static PGconn *cli_connect(struct config *cfg)
{
	char msg[256];
	if (config_load(cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "prevex: %s\n", msg);
		return NULL;
	}
	if (cfg->admin_database_url[0] == '\0') {
		fprintf(stderr, "prevex: PREVEX_DATABASE_URL is not set\n");
		return NULL;
	}
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *values[] = { cfg->admin_database_url, "prevex-cli", NULL };
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	struct err err;
	err_clear(&err);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "prevex: cannot connect to the database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	if (db_session_start(conn, &err) != ERR_OK) {
		fprintf(stderr, "prevex: %s (is the schema migrated?)\n", err.message);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

int cli_keys(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			argc = 0;
	if (argc < 2 || strcmp(argv[1], "generate") != 0)
		return usage("prevex keys generate [--kid KID]   (into PREVEX_JWT_KEYS_DIR)");
	struct config cfg;
	char msg[256];
	if (config_load(&cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "prevex: %s\n", msg);
		return 2;
	}
	char kid[64];
	const char *given = option(argc, argv, "--kid");
	if (given != NULL) {
		snprintf(kid, sizeof(kid), "%s", given);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(kid, sizeof(kid), "%Y%m%dT%H%M%SZ", &tm);
	}
	if (mkdir(cfg.jwt_keys_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "prevex: cannot create %s: %s\n", cfg.jwt_keys_dir, strerror(errno));
		return 1;
	}
	struct err err;
	err_clear(&err);
	if (jwt_keyring_generate_key(cfg.jwt_keys_dir, kid, &err) != ERR_OK) {
		fprintf(stderr, "prevex: %s\n", err.message);
		return 1;
	}
	printf("%s/%s.pem\n", cfg.jwt_keys_dir, kid);
	return 0;
}

/* The item of a comma-separated list ("78,91") that p points at, into
 * code (len bytes; "" when it does not fit); returns the next item, NULL
 * after the last. */
static const char *list_next(const char *p, char *code, size_t len)
{
	size_t n = strcspn(p, ",");
	snprintf(code, len, "%.*s", n < len ? (int)n : 0, p);
	return p[n] == ',' ? p + n + 1 : NULL;
}

/* The départements of a comma-separated list ("78,91") into in. */
static int org_departements(struct org_input *in, const char *list)
{
	char code[8];
	struct err err;
	err_clear(&err);
	for (const char *p = list; p != NULL && *p != '\0';) {
		p = list_next(p, code, sizeof(code));
		if (org_add_departement(in, code, "--departements", &err) != ERR_OK) {
			fprintf(stderr, "prevex: --departements: %s\n", err.message);
			return 1;
		}
	}
	return 0;
}

/* Creates an organisation (of the départements listed, NULL: the
 * deployment's) and prints its JSON. */
static int org_add(PGconn *conn, const char *kind_s, const char *name, const char *siret, const char *departements,
		   char *id_out, size_t id_len, bool print)
{
	struct org_input *in = calloc(1, sizeof(*in));
	struct err err;
	err_clear(&err);
	char *json = NULL;
	int rc = 1;
	if (in == NULL)
		goto done;
	if (policy_kind_from_string(kind_s, &in->kind) != 0) {
		fprintf(stderr, "prevex: unknown kind \"%s\"\n", kind_s);
		goto done;
	}
	if (!org_name_is_valid(name) || strlen(name) >= sizeof(in->name)) {
		fprintf(stderr, "prevex: name must be 1 to 200 characters\n");
		goto done;
	}
	snprintf(in->name, sizeof(in->name), "%s", name);
	if (departements != NULL && org_departements(in, departements) != 0)
		goto done;
	if (siret != NULL) {
		if (!siret_is_valid(siret)) {
			fprintf(stderr, "prevex: invalid SIRET\n");
			goto done;
		}
		in->has_siret = true;
		snprintf(in->siret, sizeof(in->siret), "%s", siret);
	}
	if (orgs_store_create(conn, in, NULL, &json, &err) != ERR_OK) {
		fprintf(stderr, "prevex: %s\n", err.message);
		goto done;
	}
	json_t *o = json_loads(json, 0, NULL);
	snprintf(id_out, id_len, "%s", json_string_value(json_object_get(o, "id")));
	json_decref(o);
	if (print)
		printf("%s\n", json);
	rc = 0;
done:
	free(json);
	free(in);
	return rc;
}

int cli_org(int argc, char **argv)
{
	const char *kind = option(argc, argv, "--kind"), *name = option(argc, argv, "--name");
	if (argc < 2 || strcmp(argv[1], "add") != 0 || kind == NULL || name == NULL)
		return usage("prevex org add --kind KIND --name NAME [--siret SIRET] [--departements 91,78]");
	struct config cfg;
	PGconn *conn = cli_connect(&cfg);
	if (conn == NULL)
		return 1;
	char id[40];
	int rc = org_add(conn, kind, name, option(argc, argv, "--siret"), option(argc, argv, "--departements"), id,
			 sizeof(id), true);
	PQfinish(conn);
	return rc;
}

/* Creates a client; on success *out is a new JSON object with its secret
 * (the caller json_decref()s it). */
static int client_add(PGconn *conn, const char *org_id, const char *name, const char *scopes, json_t **out)
{
	*out = NULL;
	struct err err;
	err_clear(&err);
	char secret[SECRET_LEN + 1], hash[SECRET_HASH_LEN];
	char *org = NULL, *json = NULL;
	if (!parse_is_uuid(org_id)) {
		fprintf(stderr, "prevex: --org must be an organisation id\n");
		return 1;
	}
	int rc = orgs_store_get(conn, org_id, &org, NULL, &err);
	if (rc == ERR_OK) {
		json_t *o = json_loads(org, 0, NULL);
		enum org_kind kind = ORG_KIND__COUNT;
		policy_kind_from_string(json_string_value(json_object_get(o, "kind")), &kind);
		json_decref(o);
		rc = orgs_check_scopes(scopes, kind, "scope", &err);
	}
	if (rc == ERR_OK && (secret_generate(secret, sizeof(secret)) != 0 || secret_hash(secret, hash, sizeof(hash)) != 0))
		rc = err_set(&err, ERR_INTERNAL, "", "cannot draw a secret");
	if (rc == ERR_OK)
		rc = clients_store_create(conn, org_id, name, scopes, hash, &json, &err);
	if (rc == ERR_OK) {
		*out = json_loads(json, 0, NULL);
		json_object_set_new(*out, "client_secret", json_string(secret));
	} else {
		fprintf(stderr, "prevex: %s\n", err.message);
	}
	explicit_bzero(secret, sizeof(secret));
	free(org);
	free(json);
	return rc == ERR_OK ? 0 : 1;
}

int cli_client(int argc, char **argv)
{
	const char *org = option(argc, argv, "--org"), *name = option(argc, argv, "--name");
	const char *scope = option(argc, argv, "--scope");
	if (argc < 2 || strcmp(argv[1], "add") != 0 || org == NULL || name == NULL)
		return usage("prevex client add --org ORG_ID --name NAME [--scope \"read write admin\"]");
	struct config cfg;
	PGconn *conn = cli_connect(&cfg);
	if (conn == NULL)
		return 1;
	json_t *client = NULL;
	int rc = client_add(conn, org, name, scope ? scope : "read write", &client);
	if (rc == 0) {
		char *text = json_dumps(client, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", text ? text : "");
		free(text);
	}
	json_decref(client);
	PQfinish(conn);
	return rc;
}

/* The options of `prevex purge`. Unknown ones are errors: a typo must never
 * turn --dry-run into a real purge. The defaults are the retention table's
 * (domain/retention.c). */
struct purge_options {
	int64_t days, feed_days, batch;
	bool dry_run;
};

static int purge_options_read(int argc, char **argv, struct purge_options *o)
{
	o->days = retention_rule_find("audit")->amount;
	o->feed_days = retention_rule_find("feed_event")->amount;
	o->batch = 500;
	o->dry_run = false;
	for (int i = 1; i < argc; i++) {
		int64_t *target = NULL, max = 36500;
		if (strcmp(argv[i], "--dry-run") == 0) {
			o->dry_run = true;
			continue;
		}
		if (strcmp(argv[i], "--days") == 0)
			target = &o->days;
		else if (strcmp(argv[i], "--feed-days") == 0)
			target = &o->feed_days;
		else if (strcmp(argv[i], "--batch") == 0) {
			target = &o->batch;
			max = 5000;
		}
		if (target == NULL || i + 1 >= argc || parse_i64(argv[i + 1], 1, max, target) != 0)
			return -1;
		i++;
	}
	return 0;
}

/* Households past their term, batch after batch, each in a transaction of
 * its own; progress on stdout. */
static int purge_households(PGconn *conn, const struct purge_options *o, struct err *err)
{
	int months = retention_rule_find("household")->amount;
	char after[40] = "";
	long long scanned = 0, due = 0, done = 0;
	int batches = 0, rc = ERR_OK;
	do {
		struct retention_batch b;
		rc = retention_store_purge_batch(conn, after, (int)o->batch, months, o->dry_run, &b, err);
		if (rc != ERR_OK)
			break;
		batches++;
		scanned += b.scanned;
		due += b.past_term;
		done += b.anonymised;
		if (b.past_term > 0 || batches % 20 == 0)
			printf("households: batch %d, %lld scanned, %lld past their term, %lld anonymised\n", batches,
			       scanned, due, done);
		fflush(stdout);
		snprintf(after, sizeof(after), "%s", b.last_id);
	} while (after[0] != '\0');
	if (rc == ERR_OK && o->dry_run)
		printf("would anonymise %lld households past their term (%d months after their last action), of %lld"
		       " not yet anonymised\n", due, months, scanned);
	else if (rc == ERR_OK)
		printf("anonymised %lld households past their term (%d months after their last action), of %lld"
		       " not yet anonymised\n", done, months, scanned);
	return rc;
}

/* Imports past their keeping time, as the import workers purge them. */
static int purge_imports(PGconn *conn, int hours, bool dry_run, long long *deleted, struct err *err)
{
	int rc = db_begin(conn, err);
	if (rc == ERR_OK)
		rc = imports_store_purge(conn, hours, deleted, err);
	if (rc == ERR_OK && !dry_run)
		rc = db_commit(conn, err);
	else
		db_rollback(conn);
	return rc;
}

int cli_purge(int argc, char **argv)
{
	struct purge_options o;
	if (purge_options_read(argc, argv, &o) != 0)
		return usage("prevex purge [--dry-run] [--days N] [--feed-days M] [--batch B]\n"
			     "  applies the retention rules (GET /v1/retention-rules): households past their term\n"
			     "  anonymised, B at a time (default 500); audit rows older than N days (default 365);\n"
			     "  change-feed events and ended webhook deliveries older than M days (default 90);\n"
			     "  imports past PREVEX_IMPORT_KEEP_HOURS. --dry-run says what it would do, changes nothing");
	struct config cfg;
	PGconn *conn = cli_connect(&cfg);
	if (conn == NULL)
		return 1;
	struct err err;
	err_clear(&err);
	long long deleted = 0, imports = 0;
	struct feed_purged feed = { 0 };
	const char *verb = o.dry_run ? "would purge" : "purged";
	long long signals = 0, contacts = 0;
	int months = retention_rule_find("caf_unmatched")->amount;
	int rc = purge_households(conn, &o, &err);
	if (rc == ERR_OK)
		rc = retention_store_purge_unattached(conn, months, o.dry_run, &signals, &contacts, &err);
	if (rc == ERR_OK)
		printf("%s %lld CAF signals of no household and the subject of %lld ADIL contacts of no household,"
		       " older than %d months\n", verb, signals, contacts, months);
	if (rc == ERR_OK)
		rc = audit_store_purge(conn, (int)o.days, o.dry_run, &deleted, &err);
	if (rc == ERR_OK)
		printf("%s %lld audit rows older than %lld days\n", verb, deleted, (long long)o.days);
	if (rc == ERR_OK)
		rc = feed_store_purge(conn, (int)o.feed_days, o.dry_run, &feed, &err);
	if (rc == ERR_OK)
		printf("%s %lld feed events and %lld ended webhook deliveries older than %lld days\n", verb, feed.events,
		       feed.deliveries, (long long)o.feed_days);
	if (rc == ERR_OK)
		rc = purge_imports(conn, (int)cfg.import_keep_hours, o.dry_run, &imports, &err);
	if (rc == ERR_OK)
		printf("%s %lld imports older than %lld hours\n", verb, imports, (long long)cfg.import_keep_hours);
	PQfinish(conn);
	if (rc != ERR_OK) {
		fprintf(stderr, "prevex purge: %s\n", err.message);
		return 1;
	}
	if (o.dry_run)
		printf("dry run: nothing was changed\n");
	return 0;
}

/* One organisation of every kind, two social landlords so that
 * cross-organisation access can be tried. */
static const struct demo_org {
	const char *kind;
	const char *name;
	const char *scopes;
} demo_orgs[] = {
	{ "prefecture", "Préfecture de l'Essonne", "read write admin" },
	{ "departement", "Conseil départemental de l'Essonne", "read write" },
	{ "bailiff", "Étude de commissaires de justice Evry-Courcouronnes", "read write" },
	{ "social_landlord", "Bailleur social Essonne Habitat", "read write" },
	{ "social_landlord", "Bailleur social Val d'Orge Logement", "read write" },
	{ "private_landlord", "Gestion immobilière Corbeil", "read write" },
	{ "caf", "CAF de l'Essonne", "read write" },
	{ "adil", "ADIL de l'Essonne", "read write" },
	{ "social_service", "MDS de Corbeil-Essonnes", "read write" },
	{ "association", "Tout Azimut", "read write" },
	{ "banque_de_france", "Banque de France, secrétariat de la commission de surendettement", "read write" },
};

static int demo_find_org(PGconn *conn, const char *kind, const char *name, char *id, size_t len)
{
	const char *params[] = { kind, name };
	PGresult *res = PQexecParams(conn, "SELECT id FROM organisations WHERE kind = $1 AND name = $2",
				     2, NULL, params, NULL, NULL, 0);
	int found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (found)
		snprintf(id, len, "%s", PQgetvalue(res, 0, 0));
	int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? found : -1;
	PQclear(res);
	return rc;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The organisations of a département of the national dataset, in the
 * order of struct demo_orgs' members (national_orgs_set()). */
static const struct national_org {
	struct demo_org org;      /* name: before the département's name */
	const char *after;        /* after it */
} national_orgs[] = {
	{ { "prefecture", "Préfecture, ", "read write admin" }, "" },
	{ { "departement", "Conseil départemental, ", "read write" }, "" },
	{ { "bailiff", "Étude de commissaires de justice, ", "read write" }, "" },
	{ { "social_landlord", "Bailleur social ", "read write" }, " Habitat" },
	{ { "social_landlord", "Bailleur social ", "read write" }, " Logement" },
	{ { "private_landlord", "Gestion immobilière, ", "read write" }, "" },
	{ { "caf", "CAF, ", "read write" }, "" },
	{ { "adil", "ADIL, ", "read write" }, "" },
	{ { "social_service", "Service social départemental, ", "read write" }, "" },
	{ { "association", "Association d'accompagnement, ", "read write" }, "" },
};
#define NATIONAL_ORGS ((int)(sizeof(national_orgs) / sizeof(national_orgs[0])))
/* Without --departements, the clients go to the organisations of these. */
static const char *const national_client_departements[] = { "59", "75", "13", "93", "78" };

/* Finds or creates an organisation (of departement, NULL: the
 * deployment's); with a client, revokes the demo client it had and adds
 * one to list, with its secret. */
static int demo_org_client(PGconn *conn, const struct demo_org *d, const char *name, const char *departement,
			   bool with_client, char id[40], json_t *list)
{
	int found = demo_find_org(conn, d->kind, name, id, 40);
	int rc = found < 0 ? 1 : 0;
	if (rc == 0 && !found)
		rc = org_add(conn, d->kind, name, NULL, departement, id, 40, false);
	if (rc != 0 || !with_client)
		return rc;
	/* Secrets are shown once: each run revokes the demo client it made
	 * before and writes the new one's secret to the file. */
	const char *params[] = { id };
	PGresult *res = PQexecParams(conn,
		"UPDATE api_clients SET revoked_at = now() WHERE organisation_id = $1"
		" AND name = 'demo' AND revoked_at IS NULL", 1, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : 1;
	PQclear(res);
	json_t *client = NULL;
	if (rc == 0)
		rc = client_add(conn, id, "demo", d->scopes, &client);
	if (rc == 0) {
		json_t *item = json_pack("{ss ss ss ss ss}", "org_id", id, "org_name", name, "kind", d->kind, "client_id",
					 json_string_value(json_object_get(client, "client_id")), "client_secret",
					 json_string_value(json_object_get(client, "client_secret")));
		if (departement != NULL)
			json_object_set_new(item, "departement", json_string(departement));
		json_array_append_new(list, item);
	}
	json_decref(client);
	return rc;
}

static void national_orgs_set(struct demo_orgs *o, char ids[][40])
{
	char *const slot[] = { o->prefecture, o->departement, o->bailiff, o->social_landlord[0], o->social_landlord[1],
			       o->private_landlord, o->caf, o->adil, NULL, o->association };
	for (int i = 0; i < NATIONAL_ORGS; i++)
		if (slot[i] != NULL)
			memcpy(slot[i], ids[i], 40);
}

static bool listed(const char *list, const char *code)
{
	char item[8];
	for (const char *p = list; p != NULL && *p != '\0';) {
		p = list_next(p, item, sizeof(item));
		if (strcmp(item, code) == 0)
			return true;
	}
	return false;
}

/* The départements of the national dataset but the Essonne: those of list
 * (comma-separated codes; NULL: every one), each checked against the
 * reference data, with their organisations (and clients for some). *out is
 * new, even on failure: the caller free()s it. */
static int national_prepare(PGconn *conn, const char *list, json_t *clients, struct demo_departement_orgs **out,
			    int *count)
{
	const struct demo_departement *all = NULL;
	int n = demo_plan_departements(&all), rc = 0;
	*count = 0;
	*out = calloc((size_t)n, sizeof(**out));
	rc = *out != NULL ? 0 : 1;
	for (const char *p = list; rc == 0 && p != NULL && *p != '\0';) {
		char code[8];
		p = list_next(p, code, sizeof(code));
		if (demo_plan_departement_find(code) < 0) {
			fprintf(stderr, "prevex demo-data: --departements: %s is no département of France\n", code);
			rc = 1;
		}
	}
	struct err err;
	err_clear(&err);
	for (int i = 0; rc == 0 && i < n; i++) {
		if (strcmp(all[i].code, "91") == 0 || (list != NULL && !listed(list, all[i].code)))
			continue;
		struct demo_departement_orgs *d = &(*out)[(*count)++];
		long communes = 0;
		snprintf(d->code, sizeof(d->code), "%s", all[i].code);
		if (demo_store_departement(conn, d->code, d->name, &communes, &err) != ERR_OK) {
			fprintf(stderr, "prevex demo-data: %s\n", err.message);
			rc = 1;
		} else if (communes == 0) {
			fprintf(stderr, "prevex demo-data: the reference data for France is not loaded (département %s has"
				" no communes): run scripts/reference-france, or prevex reference load --etalab DIR on the"
				" data/ folder of @etalab/decoupage-administratif\n", d->code);
			rc = 1;
		}
		bool with_client = list != NULL;
		for (size_t k = 0; list == NULL && k < sizeof(national_client_departements) / sizeof(char *); k++)
			with_client = with_client || strcmp(national_client_departements[k], d->code) == 0;
		char ids[NATIONAL_ORGS][40];
		for (int k = 0; rc == 0 && k < NATIONAL_ORGS; k++) {
			char name[256];
			const struct national_org *g = &national_orgs[k];
			snprintf(name, sizeof(name), "%s%s%s (%s)", g->org.name, d->name, g->after, d->code);
			rc = demo_org_client(conn, &g->org, name, d->code, with_client, ids[k], clients);
		}
		if (rc == 0)
			national_orgs_set(&d->o, ids);
	}
	return rc;
}

int cli_demo_data(int argc, char **argv)
{
	const char *out = option(argc, argv, "--clients-file"), *scale_s = option(argc, argv, "--scale");
	const char *deps = option(argc, argv, "--departements"), *per_mille_s = option(argc, argv, "--per-mille");
	bool national = false;
	for (int i = 1; i < argc; i++)
		national = national || strcmp(argv[i], "--national") == 0;
	int64_t scale = 0, per_mille = 1000;
	if ((scale_s != NULL && parse_i64(scale_s, 0, 999, &scale) != 0) ||
	    (per_mille_s != NULL && parse_i64(per_mille_s, 1, 1000, &per_mille) != 0) ||
	    (!national && (deps != NULL || per_mille_s != NULL)) || (deps != NULL && deps[0] == '\0'))
		return usage("prevex demo-data [--clients-file FILE] [--scale N]\n"
			     "                  [--national [--departements 78,59,...] [--per-mille M]]\n"
			     "  --scale: N extra units of procedure flow, 0-999. --national: every département of\n"
			     "  France at its population's share of 170,000 payment orders a year (the reference data\n"
			     "  for France loaded first: scripts/reference-france); --departements: those only;\n"
			     "  --per-mille: M thousandths of their real size (1-1000, default 1000)");
	char ids[sizeof(demo_orgs) / sizeof(demo_orgs[0])][40];
	struct config cfg;
	PGconn *conn = cli_connect(&cfg);
	if (conn == NULL)
		return 1;
	/* The import batches the load runs create their staging tables once
	 * per connection: each later batch's CREATE ... IF NOT EXISTS would
	 * print a NOTICE. */
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	json_t *list = json_array();
	struct demo_departement_orgs *others = NULL;
	int other_count = 0, rc = 0;
	PQclear(PQexec(conn, "BEGIN"));
	for (size_t i = 0; rc == 0 && i < sizeof(demo_orgs) / sizeof(demo_orgs[0]); i++)
		rc = demo_org_client(conn, &demo_orgs[i], demo_orgs[i].name, NULL, true, ids[i], list);
	if (rc == 0 && national)
		rc = national_prepare(conn, deps, list, &others, &other_count);
	if (rc == 0) {
		PGresult *res = PQexec(conn, "COMMIT");
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : 1;
		PQclear(res);
	} else {
		PQclear(PQexec(conn, "ROLLBACK"));
	}
	/* The dataset, after the clients: their secrets rotate even when the
	 * dataset is already there and skipped. Indexes follow demo_orgs[]. */
	struct demo_counts counts;
	if (rc == 0) {
		struct demo_orgs o;
		memset(&o, 0, sizeof(o));
		snprintf(o.prefecture, sizeof(o.prefecture), "%s", ids[0]);
		snprintf(o.departement, sizeof(o.departement), "%s", ids[1]);
		snprintf(o.bailiff, sizeof(o.bailiff), "%s", ids[2]);
		snprintf(o.social_landlord[0], sizeof(o.social_landlord[0]), "%s", ids[3]);
		snprintf(o.social_landlord[1], sizeof(o.social_landlord[1]), "%s", ids[4]);
		snprintf(o.private_landlord, sizeof(o.private_landlord), "%s", ids[5]);
		snprintf(o.adil, sizeof(o.adil), "%s", ids[7]);
		snprintf(o.association, sizeof(o.association), "%s", ids[9]);
		snprintf(o.caf, sizeof(o.caf), "%s", ids[6]);
		struct demo_national n = { others, other_count, (int)per_mille * 1000 };
		struct err err;
		err_clear(&err);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (demo_load(conn, &o, (int)scale, national ? &n : NULL, &counts, &err) != ERR_OK) {
			fprintf(stderr, "prevex demo-data: %s\n", err.message);
			rc = 1;
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			if (counts.essonne_skipped)
				printf("demo dataset: Essonne 2019-2022 already loaded, skipped\n");
			printf("demo dataset: %ld households, %ld procedures, %ld procedure events, %ld referrals,"
			       " %ld commissions, %ld letters, %ld ADIL contacts, %ld outreach cases, %ld MASP measures,"
			       " %ld CAF signals, %ld benefit decisions recorded in %.1f s",
			       counts.households, counts.procedures, counts.events, counts.referrals, counts.commissions,
			       counts.letters, counts.contacts, counts.cases, counts.measures, counts.caf_signals,
			       counts.benefit_decisions, secs);
			if (scale > 0)
				printf(" (scale %lld, %d units already there)", (long long)scale, counts.scale_units_skipped);
			if (national)
				printf(" (national: %d départements besides the Essonne at %lld per mille, %d already there)",
				       other_count, (long long)per_mille, counts.departements_skipped);
			printf("\n");
		}
	}
	free(others);
	PQfinish(conn);
	if (rc == 0 && out != NULL) {
		/* The file holds secrets: readable by its owner only. */
		FILE *f = NULL;
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			f = fdopen(fd, "w");
		if (f == NULL || json_dumpf(list, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
			fprintf(stderr, "prevex: cannot write %s\n", out);
			rc = 1;
		}
		if (f != NULL)
			fclose(f);
		else if (fd >= 0)
			close(fd);
	}
	if (rc == 0)
		printf("demo data loaded: %zu organisations, %zu clients%s%s\n",
		       sizeof(demo_orgs) / sizeof(demo_orgs[0]) + (size_t)other_count * NATIONAL_ORGS,
		       json_array_size(list), out ? ", credentials in " : "", out ? out : "");
	json_decref(list);
	return rc;
}
