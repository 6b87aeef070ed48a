#include "tests/api/fixtures.h"

#include <check.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

void fixtures_server_start(struct harness *h)
{
	fixtures_server_start_with(h, NULL);
}

void fixtures_server_start_with(struct harness *h, const char *const extra[])
{
	const char *env[16] = { fixtures_keys_env() };
	for (size_t i = 0; extra != NULL && extra[i] != NULL && i + 2 < sizeof(env) / sizeof(env[0]); i++)
		env[i + 1] = extra[i];
	if (harness_start(h, env) != 0) {
		fprintf(stderr, "harness: %s\n", h->error);
		abort();
	}
}

int fixtures_run_suite(struct Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const char *fixtures_problem_at(const json_t *problem)
{
	static _Thread_local char at[256];
	const char *pointer = json_string_value(json_object_get(problem, "field"));
	if (pointer == NULL) {
		const char *p = json_string_value(json_object_get(problem, "parameter"));
		return p != NULL ? p : json_string_value(json_object_get(problem, "header"));
	}
	if (pointer[0] != '/') /* an import item's member, named as it is */
		return pointer;
	size_t n = 0;
	for (const char *c = pointer; *c != '\0' && n + 4 < sizeof(at);) {
		c++; /* the '/' */
		size_t seg = strcspn(c, "/");
		bool index = seg > 0 && strspn(c, "0123456789") == seg;
		if (index)
			at[n++] = '[';
		else if (n > 0)
			at[n++] = '.';
		for (size_t i = 0; i < seg && n + 2 < sizeof(at); i++) {
			if (c[i] == '~' && i + 1 < seg) {
				at[n++] = c[i + 1] == '1' ? '/' : '~';
				i++;
			} else {
				at[n++] = c[i];
			}
		}
		if (index)
			at[n++] = ']';
		c += seg;
	}
	at[n] = '\0';
	return at;
}

void fixtures_suffix(char *out, size_t len)
{
	unsigned int r = 0;
	ck_assert_int_eq(getrandom(&r, sizeof(r), 0), (ssize_t)sizeof(r));
	snprintf(out, len, "%08x", r);
}

/* Runs the prevex binary with args against the test database; returns its
 * stdout as a new string (caller free()s), or fails the test. */
static char *run_prevex(const char *args, const char *keys_dir)
{
	const char *bin = getenv("PREVEX_BIN"), *db = getenv("PREVEX_TEST_DATABASE_URL");
	ck_assert_msg(bin != NULL && db != NULL, "PREVEX_BIN and PREVEX_TEST_DATABASE_URL must be set");
	setenv("PREVEX_DATABASE_URL", db, 1);
	unsetenv("PREVEX_ADMIN_DATABASE_URL");
	if (keys_dir != NULL)
		setenv("PREVEX_JWT_KEYS_DIR", keys_dir, 1);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' %s", bin, args);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
	}
	out[len] = '\0';
	int status = pclose(p);
	ck_assert_msg(status == 0, "prevex %s failed (%d): %s", args, status, out);
	return out;
}

char *fixtures_prevex(const char *args)
{
	return run_prevex(args, NULL);
}

int fixtures_prevex_status(const char *args, char *out, size_t len)
{
	const char *bin = getenv("PREVEX_BIN"), *db = getenv("PREVEX_TEST_DATABASE_URL");
	ck_assert_msg(bin != NULL && db != NULL, "PREVEX_BIN and PREVEX_TEST_DATABASE_URL must be set");
	setenv("PREVEX_DATABASE_URL", db, 1);
	unsetenv("PREVEX_ADMIN_DATABASE_URL");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char keys_dir[64];
static pid_t keys_dir_owner;

/* Runs at exit of the process that made the folder, not of the forked
 * tests, which still read the key. */
static void keys_dir_remove(void)
{
	if (getpid() != keys_dir_owner)
		return;
	char path[128];
	snprintf(path, sizeof(path), "%s/test-key.pem", keys_dir);
	unlink(path);
	rmdir(keys_dir);
}

const char *fixtures_keys_env(void)
{
	static char env[512];
	snprintf(keys_dir, sizeof(keys_dir), "/tmp/prevex-test-keys-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(keys_dir));
	keys_dir_owner = getpid();
	atexit(keys_dir_remove);
	free(run_prevex("keys generate --kid test-key", keys_dir));
	snprintf(env, sizeof(env), "PREVEX_JWT_KEYS_DIR=%s", keys_dir);
	return env;
}

static void copy_member(const json_t *obj, const char *key, char *out, size_t len)
{
	const char *v = json_string_value(json_object_get(obj, key));
	ck_assert_msg(v != NULL, "no %s in the answer", key);
	snprintf(out, len, "%s", v);
}

void fixtures_token(const struct harness *h, const char *client_id, const char *secret, char *out, size_t len)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"grant_type\":\"client_credentials\",\"client_id\":\"%s\",\"client_secret\":\"%s\"}",
		 client_id, secret);
	int status = 0;
	json_t *j = fixtures_call_json(h, NULL, "POST", "/v1/token", body, NULL, &status);
	ck_assert_msg(status == 200, "token request answered %d", status);
	copy_member(j, "access_token", out, len);
	json_decref(j);
}

/* An organisation of kind in the départements listed ("78,91"; NULL: the
 * deployment's) and a client of scope, made with the command line (the
 * bootstrap path), and a token. */
static void cli_party(const struct harness *h, const char *kind, const char *departements, const char *scope,
		      struct party *out)
{
	memset(out, 0, sizeof(*out));
	char suffix[16], args[256];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(args, sizeof(args), "org add --kind %s --name '%s test %s'%s%s", kind,
		 strcmp(kind, "prefecture") == 0 ? "Préfecture" : kind, suffix, departements ? " --departements " : "",
		 departements ? departements : "");
	char *text = run_prevex(args, NULL);
	json_t *org = json_loads(text, 0, NULL);
	free(text);
	ck_assert_ptr_nonnull(org);
	copy_member(org, "id", out->org_id, sizeof(out->org_id));
	json_decref(org);
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	snprintf(args, sizeof(args), "client add --org %s --name admin --scope '%s'", out->org_id, scope);
	text = run_prevex(args, NULL);
	json_t *client = json_loads(text, 0, NULL);
	free(text);
	ck_assert_ptr_nonnull(client);
	copy_member(client, "client_id", out->client_id, sizeof(out->client_id));
	copy_member(client, "client_secret", out->secret, sizeof(out->secret));
	json_decref(client);
	fixtures_token(h, out->client_id, out->secret, out->token, sizeof(out->token));
}

void fixtures_admin(const struct harness *h, struct party *out)
{
	cli_party(h, "prefecture", NULL, "read write admin", out);
}

static void party_with(const struct harness *h, const struct party *admin, const char *kind, const char *members,
		       const char *scope, struct party *out);

void fixtures_party(const struct harness *h, const struct party *admin, const char *kind,
		    const char *territory_json, const char *scope, struct party *out)
{
	char members[4096] = "";
	if (territory_json != NULL)
		snprintf(members, sizeof(members), ",\"territory\":%s", territory_json);
	party_with(h, admin, kind, members, scope, out);
}

void fixtures_party_in(const struct harness *h, const struct party *admin, const char *kind,
		       const char *departements_json, const char *scope, struct party *out)
{
	(void)admin;
	char list[128];
	size_t n = 0;
	for (const char *p = departements_json; *p != '\0' && n + 1 < sizeof(list); p++)
		if (*p != '[' && *p != ']' && *p != '"' && *p != ' ')
			list[n++] = *p;
	list[n] = '\0';
	cli_party(h, kind, list, scope ? scope : "read write", out);
}

/* fixtures_party() with the members (",\"name\":value...") added to the
 * organisation's. */
static void party_with(const struct harness *h, const struct party *admin, const char *kind, const char *members,
		       const char *scope, struct party *out)
{
	memset(out, 0, sizeof(*out));
	char suffix[16], body[4608], path[128];
	fixtures_suffix(suffix, sizeof(suffix));
	snprintf(body, sizeof(body), "{\"kind\":\"%s\",\"name\":\"%s test %s\"%s}", kind, kind, suffix, members);
	int status = 0;
	json_t *org = fixtures_call_json(h, admin, "POST", "/v1/organisations", body, NULL, &status);
	ck_assert_msg(status == 201, "creating a %s answered %d", kind, status);
	copy_member(org, "id", out->org_id, sizeof(out->org_id));
	json_decref(org);
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	snprintf(path, sizeof(path), "/v1/organisations/%s/clients", out->org_id);
	snprintf(body, sizeof(body), "{\"name\":\"test\",\"scope\":\"%s\"}", scope ? scope : "read write");
	json_t *client = fixtures_call_json(h, admin, "POST", path, body, NULL, &status);
	ck_assert_msg(status == 201, "creating a client answered %d", status);
	copy_member(client, "client_id", out->client_id, sizeof(out->client_id));
	copy_member(client, "client_secret", out->secret, sizeof(out->secret));
	json_decref(client);
	fixtures_token(h, out->client_id, out->secret, out->token, sizeof(out->token));
}

int fixtures_call(const struct harness *h, const struct party *party, const char *method,
		  const char *path, const char *body, const char *headers, struct http_response *resp)
{
	char all[4096];
	snprintf(all, sizeof(all), "%s%s%s%s%s", party ? "Authorization: Bearer " : "", party ? party->token : "",
		 party ? "\r\n" : "", body ? "Content-Type: application/json\r\n" : "", headers ? headers : "");
	int rc = http_send(resp, HARNESS_HOST, h->port, method, path, all, body, body ? strlen(body) : 0);
	ck_assert_msg(rc == 0, "%s %s: %s", method, path, http_client_strerror(rc));
	return resp->status;
}

json_t *fixtures_call_json(const struct harness *h, const struct party *party, const char *method,
			   const char *path, const char *body, const char *headers, int *status)
{
	struct http_response resp = { 0 };
	*status = fixtures_call(h, party, method, path, body, headers, &resp);
	json_t *j = harness_json(&resp);
	http_response_free(&resp);
	return j;
}

void fixtures_sql_value(const char *sql, int n, const char *const *params, char *out, size_t len)
{
	PGconn *conn = PQconnectdb(getenv("PREVEX_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
		      PQerrorMessage(conn));
	snprintf(out, len, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
}

void fixtures_two_departements(struct harness *h, struct party *admin)
{
	fixtures_server_start(h);
	/* The server has migrated the schema. */
	char one[8];
	fixtures_sql_value("WITH c AS (INSERT INTO communes (insee, name, postcode) VALUES ('78646', 'Versailles', '78000')"
			   " ON CONFLICT DO NOTHING) SELECT 1", 0, NULL, one, sizeof(one));
	fixtures_admin(h, admin);
}
