#ifndef TESTS_API_HARNESS_H
#define TESTS_API_HARNESS_H

/*
 * Starts the real `prevex` binary for end-to-end tests: `prevex migrate`,
 * then `prevex serve` on a free loopback port, against the database named by
 * PREVEX_TEST_DATABASE_URL. With check, start it from an unchecked fixture
 * (tcase_add_unchecked_fixture) so one server lives across a test case's
 * forked tests; a test that stops its server starts its own instead.
 */

#include <jansson.h>
#include <limits.h>
#include <sys/types.h>

#include "tests/api/http_client.h"

#define HARNESS_HOST "127.0.0.1"

struct harness {
	pid_t pid;                /* of `prevex serve`; 0 when not running */
	int port;
	char log_path[PATH_MAX];  /* the server's stdout and stderr, migrate's too */
	char keys_dir[PATH_MAX];  /* the signing-key folder the harness made, or "" */
	char error[512];          /* why harness_start failed */
};

/*
 * Migrates the database and starts `prevex serve`, returning once
 * GET /healthz answers 200 (at most 10 s). extra_env is NULL or a
 * NULL-terminated list of "NAME=value" added to (or replacing) the built
 * environment: PREVEX_DATABASE_URL, PREVEX_LISTEN, PREVEX_LOG_LEVEL=warn (or
 * PREVEX_TEST_LOG_LEVEL when set)
 * (PATH, HOME, TMPDIR, TZ and the sanitizers' options pass through). Unless
 * extra_env names a PREVEX_JWT_KEYS_DIR, a fresh one beside the log gets one
 * key from `prevex keys generate` and is removed when the server stops.
 * Returns 0, or -1 with h->error set, the log printed to stderr and nothing
 * left running. A missing PREVEX_BIN or PREVEX_TEST_DATABASE_URL is an error.
 */
int harness_start(struct harness *h, const char *extra_env[]);

/*
 * Sends SIGTERM, waits up to 10 s (then SIGKILL) and returns the exit code,
 * 128 + the signal number if a signal ended it, or -1 if nothing was running.
 */
int harness_stop(struct harness *h);

/* Sends sig to the server without waiting; 0 or -1. */
int harness_signal(const struct harness *h, int sig);

/*
 * Waits up to timeout_ms for the server to exit by itself; returns the status
 * as harness_stop() does, or -2 if it is still running at the deadline.
 */
int harness_wait(struct harness *h, int timeout_ms);

/* Copies the server log (its last 64 KiB) to stderr, if it has anything. */
void harness_print_log(const struct harness *h);

/*
 * Deletes the log once a run went well, so that runs do not pile up logs;
 * PREVEX_TEST_KEEP_LOGS=1 in the environment keeps them all.
 */
void harness_discard_log(struct harness *h);

/* GET path on the harness's server with the caller's extra headers (or NULL). */
int harness_get(const struct harness *h, struct http_response *out, const char *path,
		const char *headers);

/* Returns a new reference, or NULL if the body is not JSON; the caller json_decref()s it. */
json_t *harness_json(const struct http_response *resp);

#endif
