/* One JSON line per event on stderr. Never a token, a secret or personal data. */
#ifndef API_LOG_H
#define API_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
int log_level_from_string(const char *s);
int log_enabled(enum log_level level);

/* Writes {"time", "level", "event", ...fields}. Steals the reference to
 * fields (which may be NULL). */
void log_json(enum log_level level, const char *event, json_t *fields);

/* Writes {"time", "level", "event", "msg"} with a printf-style message. */
void log_msg(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Current UTC time as RFC 3339 with milliseconds, into buf (at least 32 bytes). */
void log_format_now(char *buf, size_t len);

#endif
