#include "tests/api/harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	COMMAND_TIMEOUT_MS = 60000,
	READY_TIMEOUT_MS = 10000,
	STOP_TIMEOUT_MS = 10000,
	POLL_INTERVAL_MS = 20,
	HEALTH_POLL_TIMEOUT_MS = 1000,
	ENV_MAX = 64,
	LOG_TAIL_BYTES = 64 * 1024,
};

/* Variables passed through from the test's environment: the rest is built. */
static const char *const passthrough_env[] = {
	"PATH", "HOME", "TMPDIR", "TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL,
};

struct env_list {
	char *vars[ENV_MAX + 1]; /* NULL-terminated, each malloc()ed */
	size_t count;
};

static void harness_fail(struct harness *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void harness_fail(struct harness *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int status_to_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Adds or replaces "NAME=value"; 0, or -1 when full or out of memory. */
static int env_put(struct env_list *env, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	size_t name_len = eq ? (size_t)(eq - assignment) + 1 : strlen(assignment);
	char *copy = strdup(assignment);

	if (copy == NULL || eq == NULL) {
		free(copy);
		return -1;
	}
	for (size_t i = 0; i < env->count; i++) {
		if (strncmp(env->vars[i], assignment, name_len) == 0) {
			free(env->vars[i]);
			env->vars[i] = copy;
			return 0;
		}
	}
	if (env->count == ENV_MAX) {
		free(copy);
		return -1;
	}
	env->vars[env->count++] = copy;
	env->vars[env->count] = NULL;
	return 0;
}

static int env_put_pair(struct env_list *env, const char *name, const char *value)
{
	char *assignment = NULL;
	int rc = -1;

	if (asprintf(&assignment, "%s=%s", name, value) < 0)
		return -1;
	rc = env_put(env, assignment);
	free(assignment);
	return rc;
}

static void env_clear(struct env_list *env)
{
	for (size_t i = 0; i < env->count; i++)
		free(env->vars[i]);
	env->count = 0;
	env->vars[0] = NULL;
}

static int env_has(const struct env_list *env, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < env->count; i++) {
		if (strncmp(env->vars[i], name, len) == 0 && env->vars[i][len] == '=')
			return 1;
	}
	return 0;
}

static int env_build(struct harness *h, struct env_list *env, const char *database_url,
		     const char *extra_env[])
{
	char listen[64];
	int rc = -1;

	env->count = 0;
	env->vars[0] = NULL;
	for (size_t i = 0; passthrough_env[i] != NULL; i++) {
		const char *v = getenv(passthrough_env[i]);

		if (v != NULL && env_put_pair(env, passthrough_env[i], v) != 0)
			goto done;
	}
	snprintf(listen, sizeof(listen), "%s:%d", HARNESS_HOST, h->port);
	/* PREVEX_TEST_LOG_LEVEL: scripts/test logs everything for check_logs.py. */
	const char *level = getenv("PREVEX_TEST_LOG_LEVEL");
	if (env_put_pair(env, "PREVEX_DATABASE_URL", database_url) != 0 ||
	    env_put_pair(env, "PREVEX_LISTEN", listen) != 0 ||
	    env_put_pair(env, "PREVEX_LOG_LEVEL", level != NULL && level[0] != '\0' ? level : "warn") != 0)
		goto done;
	for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL; i++) {
		if (env_put(env, extra_env[i]) != 0) {
			harness_fail(h, "bad or too many extra_env entries at \"%s\"", extra_env[i]);
			goto done;
		}
	}
	/* The sanitizers' run is several times slower: scripts/test gives the
	 * server a longer statement timeout there, unless the test sets one. */
	const char *slow = getenv("PREVEX_TEST_STATEMENT_TIMEOUT_MS");
	if (slow != NULL && slow[0] != '\0' && !env_has(env, "PREVEX_STATEMENT_TIMEOUT_MS") &&
	    env_put_pair(env, "PREVEX_STATEMENT_TIMEOUT_MS", slow) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0 && h->error[0] == '\0')
		harness_fail(h, "cannot build the server's environment");
	return rc;
}

static int port_pick_free(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
		port = ntohs(addr.sin_port);
	close(fd);
	return port;
}

/* The directory of the test executable, which meson puts in the build dir. */
static int log_dir_find(char *out, size_t size)
{
	const char *forced = getenv("PREVEX_TEST_LOG_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (forced != NULL && forced[0] != '\0') {
		snprintf(out, size, "%s", forced);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	snprintf(out, size, "%s", dirname(exe));
	return 0;
}

/* Runs bin with args (NULL-terminated, without argv[0]); returns the pid or -1. */
static pid_t process_spawn(const char *bin, const char *const args[], char *const env[], int log_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;

	/* The child: no return from here. */
	{
		char *argv[8] = { (char *)bin };
		sigset_t none;
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		for (size_t i = 0; args[i] != NULL && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
			argv[i + 1] = (char *)args[i];
		/* A test process that dies must not leave a server behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		execve(bin, argv, env);
		{
			static const char msg[] = "harness: execve of PREVEX_BIN failed\n";
			ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);

			(void)ignored;
		}
		_exit(127);
	}
}

/* Waits up to timeout_ms; the status as harness_stop() returns it, or -2 at the deadline. */
static int process_wait(pid_t pid, int timeout_ms)
{
	long long deadline = clock_ms() + timeout_ms;
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status_to_code(status);
		if (r < 0 && errno != EINTR)
			return -1;
		if (clock_ms() >= deadline)
			return -2;
		sleep_ms(POLL_INTERVAL_MS / 4);
	}
}

static int process_kill(pid_t pid)
{
	int code;

	kill(pid, SIGKILL);
	code = process_wait(pid, STOP_TIMEOUT_MS);
	return code;
}

/* Runs `prevex args...` to completion; 0 if it exited 0, else -1 with h->error. */
static int command_run(struct harness *h, const char *bin, const char *const args[],
		       struct env_list *env, int log_fd)
{
	pid_t pid = process_spawn(bin, args, env->vars, log_fd);
	int code;

	if (pid < 0) {
		harness_fail(h, "fork: %s", strerror(errno));
		return -1;
	}
	code = process_wait(pid, COMMAND_TIMEOUT_MS);
	if (code == -2) {
		process_kill(pid);
		harness_fail(h, "`prevex %s` did not finish within %d ms", args[0],
			     COMMAND_TIMEOUT_MS);
		return -1;
	}
	if (code != 0) {
		harness_fail(h, "`prevex %s` exited with status %d", args[0], code);
		return -1;
	}
	return 0;
}

static void keys_dir_remove(struct harness *h)
{
	DIR *d;
	struct dirent *e;

	if (h->keys_dir[0] == '\0')
		return;
	d = opendir(h->keys_dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	rmdir(h->keys_dir);
	h->keys_dir[0] = '\0';
}

/*
 * `prevex serve` needs a token signing key: unless the caller named a folder,
 * make one beside the log, with one key, removed when the server stops.
 */
static int keys_dir_provide(struct harness *h, const char *bin, const char *dir,
			    struct env_list *env, int log_fd)
{
	static const char *const args[] = { "keys", "generate", "--kid", "e2e", NULL };
	int n;

	if (env_has(env, "PREVEX_JWT_KEYS_DIR"))
		return 0;
	n = snprintf(h->keys_dir, sizeof(h->keys_dir), "%s/prevex-keys-%d-%d", dir,
		     (int)getpid(), h->port);
	if (n < 0 || (size_t)n >= sizeof(h->keys_dir)) {
		h->keys_dir[0] = '\0';
		harness_fail(h, "keys directory name too long under %s", dir);
		return -1;
	}
	if (mkdir(h->keys_dir, 0700) != 0) {
		harness_fail(h, "cannot create %s: %s", h->keys_dir, strerror(errno));
		h->keys_dir[0] = '\0';
		return -1;
	}
	if (env_put_pair(env, "PREVEX_JWT_KEYS_DIR", h->keys_dir) != 0) {
		harness_fail(h, "cannot build the server's environment");
		return -1;
	}
	return command_run(h, bin, args, env, log_fd);
}

static int serve_wait_healthy(struct harness *h)
{
	long long deadline = clock_ms() + READY_TIMEOUT_MS;
	char request[160];
	int request_len;
	int last_status = 0;
	int last_rc = 0;

	request_len = snprintf(request, sizeof(request),
			       "GET /healthz HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n",
			       HARNESS_HOST, h->port);

	for (;;) {
		struct http_response resp;
		int status = 0;
		pid_t r = waitpid(h->pid, &status, WNOHANG);

		if (r == h->pid) {
			harness_fail(h, "`prevex serve` exited with status %d before answering /healthz",
				     status_to_code(status));
			h->pid = 0;
			return -1;
		}
		last_rc = http_request(&resp, HARNESS_HOST, h->port, request, (size_t)request_len,
				       HEALTH_POLL_TIMEOUT_MS);
		last_status = resp.status;
		http_response_free(&resp);
		if (last_rc == HTTP_CLIENT_OK && last_status == 200)
			return 0;
		if (clock_ms() >= deadline)
			break;
		sleep_ms(POLL_INTERVAL_MS);
	}
	if (last_rc != HTTP_CLIENT_OK)
		harness_fail(h, "GET /healthz failed for %d ms: %s", READY_TIMEOUT_MS,
			     http_client_strerror(last_rc));
	else
		harness_fail(h, "GET /healthz answered %d, not 200, for %d ms", last_status,
			     READY_TIMEOUT_MS);
	return -1;
}

int harness_start(struct harness *h, const char *extra_env[])
{
	static const char *const migrate_args[] = { "migrate", NULL };
	static const char *const serve_args[] = { "serve", NULL };
	struct env_list env = { .count = 0 };
	const char *bin = getenv("PREVEX_BIN");
	const char *database_url = getenv("PREVEX_TEST_DATABASE_URL");
	char dir[PATH_MAX];
	int log_fd = -1;
	int rc = -1;
	int n;

	memset(h, 0, sizeof(*h));
	if (bin == NULL || bin[0] == '\0') {
		harness_fail(h, "PREVEX_BIN is not set: it names the prevex binary (meson sets it)");
		goto done;
	}
	if (access(bin, X_OK) != 0) {
		harness_fail(h, "PREVEX_BIN=%s is not executable: %s", bin, strerror(errno));
		goto done;
	}
	if (database_url == NULL || database_url[0] == '\0') {
		harness_fail(h, "PREVEX_TEST_DATABASE_URL is not set: the API tests need a real "
				"PostgreSQL database (e.g. postgresql:///prevex_test?host=/tmp/pg)");
		goto done;
	}
	h->port = port_pick_free();
	if (h->port <= 0) {
		harness_fail(h, "cannot find a free port on %s: %s", HARNESS_HOST, strerror(errno));
		goto done;
	}
	if (log_dir_find(dir, sizeof(dir)) != 0) {
		harness_fail(h, "cannot find a directory for the server log");
		goto done;
	}
	n = snprintf(h->log_path, sizeof(h->log_path), "%s/prevex-serve-%d-%d.log", dir,
		     (int)getpid(), h->port);
	if (n < 0 || (size_t)n >= sizeof(h->log_path)) {
		harness_fail(h, "log directory name too long: %s", dir);
		goto done;
	}
	log_fd = open(h->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		harness_fail(h, "cannot create %s: %s", h->log_path, strerror(errno));
		goto done;
	}
	if (env_build(h, &env, database_url, extra_env) != 0)
		goto done;
	if (command_run(h, bin, migrate_args, &env, log_fd) != 0)
		goto done;
	if (keys_dir_provide(h, bin, dir, &env, log_fd) != 0)
		goto done;
	/* Migrate as the schema owner, serve as the service's own role when
	 * there is one: a missing GRANT then fails the tests, as it would fail
	 * in production. */
	const char *app_url = getenv("PREVEX_TEST_APP_DATABASE_URL");
	if (app_url != NULL && app_url[0] != '\0' && env_put_pair(&env, "PREVEX_DATABASE_URL", app_url) != 0) {
		harness_fail(h, "cannot set the service's database URL");
		goto done;
	}
	h->pid = process_spawn(bin, serve_args, env.vars, log_fd);
	if (h->pid < 0) {
		harness_fail(h, "fork: %s", strerror(errno));
		h->pid = 0;
		goto done;
	}
	if (serve_wait_healthy(h) != 0)
		goto done;
	rc = 0;
done:
	if (rc != 0) {
		if (h->pid > 0)
			process_kill(h->pid);
		h->pid = 0;
		keys_dir_remove(h);
		fprintf(stderr, "harness: %s\n", h->error);
		if (log_fd >= 0)
			harness_print_log(h);
	}
	if (log_fd >= 0)
		close(log_fd);
	env_clear(&env);
	return rc;
}

int harness_signal(const struct harness *h, int sig)
{
	if (h == NULL || h->pid <= 0)
		return -1;
	return kill(h->pid, sig);
}

int harness_wait(struct harness *h, int timeout_ms)
{
	int code;

	if (h == NULL || h->pid <= 0)
		return -1;
	code = process_wait(h->pid, timeout_ms);
	if (code != -2) {
		h->pid = 0;
		keys_dir_remove(h);
	}
	return code;
}

int harness_stop(struct harness *h)
{
	int code;

	if (h == NULL || h->pid <= 0)
		return -1;
	if (kill(h->pid, SIGTERM) != 0) {
		h->pid = 0;
		keys_dir_remove(h);
		return -1;
	}
	code = process_wait(h->pid, STOP_TIMEOUT_MS);
	if (code == -2) {
		fprintf(stderr, "harness: `prevex serve` ignored SIGTERM for %d ms: SIGKILL\n",
			STOP_TIMEOUT_MS);
		code = process_kill(h->pid);
	}
	h->pid = 0;
	keys_dir_remove(h);
	return code;
}

void harness_print_log(const struct harness *h)
{
	char chunk[4096];
	struct stat st;
	FILE *f;
	size_t n;

	if (h == NULL || h->log_path[0] == '\0')
		return;
	f = fopen(h->log_path, "r");
	if (f == NULL)
		return;
	if (fstat(fileno(f), &st) != 0 || st.st_size == 0) {
		fclose(f);
		return;
	}
	fprintf(stderr, "---- server log %s ----\n", h->log_path);
	if (st.st_size > LOG_TAIL_BYTES) {
		fseek(f, st.st_size - LOG_TAIL_BYTES, SEEK_SET);
		fprintf(stderr, "[... earlier lines left out ...]\n");
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, stderr);
	fprintf(stderr, "---- end of server log ----\n");
	fclose(f);
}

void harness_discard_log(struct harness *h)
{
	const char *keep = getenv("PREVEX_TEST_KEEP_LOGS");

	if (keep != NULL && keep[0] != '\0' && strcmp(keep, "0") != 0)
		return;
	if (h != NULL && h->log_path[0] != '\0') {
		unlink(h->log_path);
		h->log_path[0] = '\0';
	}
}

int harness_get(const struct harness *h, struct http_response *out, const char *path,
		const char *headers)
{
	return http_send(out, HARNESS_HOST, h->port, "GET", path, headers, NULL, 0);
}

json_t *harness_json(const struct http_response *resp)
{
	json_error_t error;

	if (resp == NULL || resp->body == NULL)
		return NULL;
	return json_loadb(resp->body, resp->body_len, 0, &error);
}
