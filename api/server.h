/* The HTTP server: libmicrohttpd through ulfius, with explicit limits. */
#ifndef API_SERVER_H
#define API_SERVER_H

#include <signal.h>

#include "api/app.h"

/* Serves until one of the signals in stop_signals arrives (they must be
 * blocked in every thread beforehand), then stops accepting, lets the
 * requests in flight finish within the shutdown timeout, and returns 0;
 * returns 1 when the server cannot start. */
int server_run(struct app *app, const sigset_t *stop_signals);

#endif
