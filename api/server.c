#include "api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <ulfius.h>
#include <unistd.h>

#include "api/log.h"
#include "api/router.h"

/* Requests between their first line and the end of their response, and open
 * connections: a graceful stop waits for both to reach zero. */
static atomic_int requests_in_flight;
static atomic_int connections_open;

static void *on_request_started(void *cls, const char *uri, struct MHD_Connection *con)
{
	atomic_fetch_add(&requests_in_flight, 1);
	return ulfius_uri_logger(cls, uri);
}

static void on_request_completed(void *cls, struct MHD_Connection *con, void **con_cls,
				 enum MHD_RequestTerminationCode toe)
{
	mhd_request_completed(cls, con, con_cls, toe);
	atomic_fetch_sub(&requests_in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&connections_open, 1);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub(&connections_open, 1);
}

__attribute__((format(printf, 2, 0)))
static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_msg(LOG_WARN, "http_server", "%s", msg);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Waits until nothing is in flight and every connection has closed (clients
 * get Connection: close once draining), or until nothing has been in flight
 * for a while: an idle keep-alive client cannot hold the stop. */
static void server_drain(int timeout_s)
{
	int quiet_ms = 0;
	for (int waited = 0; waited < timeout_s * 1000; waited += 10) {
		int inflight = atomic_load(&requests_in_flight);
		int open = atomic_load(&connections_open);
		if (inflight == 0 && open == 0)
			return;
		quiet_ms = inflight == 0 ? quiet_ms + 10 : 0;
		if (quiet_ms >= 500)
			return;
		sleep_ms(10);
	}
	log_msg(LOG_WARN, "shutdown", "%d requests still in flight after %d s", atomic_load(&requests_in_flight), timeout_s);
}

int server_run(struct app *app, const sigset_t *stop_signals)
{
	const struct config *cfg = &app->cfg;
	struct _u_instance instance;
	struct sockaddr_storage addr;
	memset(&addr, 0, sizeof(addr));
	unsigned int flags = MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (strchr(cfg->listen_host, ':') != NULL) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET6, cfg->listen_host, &a6->sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET, cfg->listen_host, &a4->sin_addr);
	}
	if (ulfius_init_instance(&instance, (unsigned int)cfg->listen_port, NULL, NULL) != U_OK) {
		log_msg(LOG_ERROR, "start", "cannot initialise the HTTP framework");
		return 1;
	}
	/* ulfius silently truncates a body at max_post_body_size: keep one byte
	 * more than the limit so the router can tell an oversized body and
	 * answer 413, however it was sent. */
	instance.max_post_body_size = (size_t)router_max_body(cfg->max_body_size) + 1;
	ulfius_set_default_endpoint(&instance, router_dispatch, app);

	struct MHD_OptionItem options[16];
	int n = 0;
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_error, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &addr };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout_s, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)cfg->max_connections_per_ip, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->connection_memory_limit, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_request_completed, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_started, NULL };
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL };
	if (cfg->http_mode == HTTP_MODE_POOL) {
		flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
		options[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->http_threads, NULL };
	} else {
		flags |= MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	}
	options[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	if (ulfius_start_framework_with_mhd_options(&instance, flags, options) != U_OK) {
		log_msg(LOG_ERROR, "start", "cannot listen on %s:%d: %s", cfg->listen_host, cfg->listen_port,
			strerror(errno));
		ulfius_clean_instance(&instance);
		return 1;
	}
	log_json(LOG_INFO, "listening",
		 json_pack("{ss si ss si}", "host", cfg->listen_host, "port", cfg->listen_port,
			   "mode", cfg->http_mode == HTTP_MODE_POOL ? "pool" : "per-connection",
			   "threads", (int)cfg->http_threads));

	int sig = 0;
	while (sigwait(stop_signals, &sig) != 0)
		;
	log_msg(LOG_INFO, "shutdown", "signal %d: draining", sig);
	atomic_store(&app->draining, 1);
	/* New clients are refused at once rather than left in the backlog; the
	 * descriptor itself may only be closed once MHD's threads are gone. */
	MHD_socket listen_fd = MHD_quiesce_daemon(instance.mhd_daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		shutdown(listen_fd, SHUT_RDWR);
	server_drain((int)cfg->shutdown_timeout_s);
	ulfius_stop_framework(&instance);
	ulfius_clean_instance(&instance);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	log_msg(LOG_INFO, "shutdown", "stopped");
	return 0;
}
