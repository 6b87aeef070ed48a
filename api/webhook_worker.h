/* Webhook deliveries: the threads `prevex serve` runs beside the HTTP
 * server, and the checks of callback addresses. libcurl is used here only. */
#ifndef API_WEBHOOK_WORKER_H
#define API_WEBHOOK_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "api/app.h"
#include "domain/webhook_url.h"

#define WEBHOOK_ADDR_TEXT_MAX 64

/* For the delivery threads only: it resolves names, which can take seconds,
 * so request threads check with webhook_url_parse and webhook_url_check_host
 * alone. Parses url, checks it as webhook_url_check_host does and resolves
 * its host: ERR_UNPROCESSABLE naming field when the host does not resolve,
 * or when any of its addresses is one the service must not reach
 * (loopback, private, link-local...). On success addr holds the numeric
 * address to connect to, and *out the parsed URL. */
int webhook_check_url(const char *url, bool allow_loopback, const char *field, struct webhook_url *out,
		      char addr[WEBHOOK_ADDR_TEXT_MAX], struct err *err);

struct webhook_worker;

/* Starts cfg.webhook_workers delivery threads, each with a database
 * connection of its own (none of the request pool's). Call from the main
 * thread before any other thread starts (libcurl's global set-up), with
 * the stop signals already blocked. *out is NULL when no thread is
 * configured. */
int webhook_worker_start(struct webhook_worker **out, struct app *app, struct err *err);

/* Asks the threads to stop, interrupts the deliveries in flight (they are
 * retried later: delivery is at least once) and joins them. Accepts NULL. */
void webhook_worker_stop(struct webhook_worker *w);

#endif
