#ifndef TESTS_API_FIXTURES_H
#define TESTS_API_FIXTURES_H

/*
 * Parties for the end-to-end tests: an organisation of a given kind, one API
 * client and a token, made through the real binary and the real API. Every
 * name carries a random suffix, so tests never depend on each other.
 */

#include <jansson.h>

#include "tests/api/harness.h"

struct party {
	char org_id[40];
	char kind[32];
	char client_id[40];
	char secret[64];
	char token[2048];
};

/*
 * Makes a fresh keys folder (prevex keys generate) and returns the
 * "PREVEX_JWT_KEYS_DIR=..." entry to pass to harness_start() in extra_env.
 * Borrowed static string; call once per process, before harness_start().
 */
const char *fixtures_keys_env(void);

/*
 * An administrator of a new prefecture, made with `prevex org add` and
 * `prevex client add --scope "read write admin"` (the bootstrap path), then
 * a token from POST /v1/token. Fails the test on any error.
 */
void fixtures_admin(const struct harness *h, struct party *out);

/*
 * A new organisation of kind made by admin through POST /v1/organisations,
 * with the territory given as JSON (or NULL for none), one client with
 * scope (NULL: "read write") and a token.
 */
void fixtures_party(const struct harness *h, const struct party *admin, const char *kind,
		    const char *territory_json, const char *scope, struct party *out);

/* The same in the départements given as a JSON array ("[\"78\"]"), with no
 * territory, made with the command line (an administrator makes and
 * administers organisations of its own départements only): admin is not
 * used. */
void fixtures_party_in(const struct harness *h, const struct party *admin, const char *kind,
		       const char *departements_json, const char *scope, struct party *out);

/* A token for the client, or fails the test. */
void fixtures_token(const struct harness *h, const char *client_id, const char *secret, char *out,
		    size_t len);

/*
 * Sends method path with the party's bearer token (party may be NULL: no
 * token) and body as application/json (or NULL), plus extra headers
 * ("Name: v\r\n..." or NULL). Returns the status; *resp owns its memory.
 */
int fixtures_call(const struct harness *h, const struct party *party, const char *method,
		  const char *path, const char *body, const char *headers, struct http_response *resp);

/* fixtures_call, then the body as JSON: a new reference or NULL. */
json_t *fixtures_call_json(const struct harness *h, const struct party *party, const char *method,
			   const char *path, const char *body, const char *headers, int *status);

/* Runs `prevex args` as the schema owner on the test database; its
 * standard output as a new string the caller free()s. Fails the test when
 * the command fails. */
char *fixtures_prevex(const char *args);

/* Runs `prevex args` as fixtures_prevex() does, for a command that may
 * fail: its standard output and error into out (len bytes), its exit
 * status returned. */
int fixtures_prevex_status(const char *args, char *out, size_t len);

/* The first value of the one row sql answers, run on the test database
 * (PREVEX_TEST_DATABASE_URL) with text parameters, into out ("" for NULL). */
void fixtures_sql_value(const char *sql, int n, const char *const *params, char *out, size_t len);

/* harness_start() with a fresh keys folder (fixtures_keys_env()), or
 * aborts with the harness's error: for an unchecked fixture. */
void fixtures_server_start(struct harness *h);

/* The same with extra_env too (a NULL-terminated list of at most 14
 * "NAME=value", or NULL). */
void fixtures_server_start_with(struct harness *h, const char *const extra_env[]);

/* fixtures_server_start(), a commune of the Yvelines (78646, Versailles)
 * beside the Essonne's reference data, and an administrator of a 91
 * préfecture (fixtures_admin()): the setup of the tenants' tests. */
void fixtures_two_departements(struct harness *h, struct party *admin);

/* Runs every test of s; EXIT_SUCCESS when none failed. Frees s. */
struct Suite;
int fixtures_run_suite(struct Suite *s);

/* Where a problem says the failure lies, in the dotted form the tests name
 * members with: field "/address/postcode" gives "address.postcode",
 * "/recommendations/0/id" gives "recommendations[0].id"; else parameter or
 * header; NULL when it names none. The string lives in a buffer of the
 * calling thread until its next call. */
const char *fixtures_problem_at(const json_t *problem);

/* A random suffix for names ("a1b2c3d4"). */
void fixtures_suffix(char *out, size_t len);

#endif
