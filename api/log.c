#include "api/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int current_level = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

int log_level_from_string(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

int log_enabled(enum log_level level)
{
	return (int)level >= atomic_load(&current_level);
}

void log_format_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

void log_json(enum log_level level, const char *event, json_t *fields)
{
	if (!log_enabled(level)) {
		json_decref(fields);
		return;
	}
	char now[40];
	log_format_now(now, sizeof(now));
	json_t *line = json_object();
	json_object_set_new(line, "time", json_string(now));
	json_object_set_new(line, "level", json_string(level_names[level]));
	json_object_set_new(line, "event", json_string(event));
	if (json_is_object(fields))
		json_object_update(line, fields);
	json_decref(fields);
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (text != NULL) {
		/* One fprintf per line: stdio locks the stream, so lines from
		 * concurrent requests never interleave. */
		fprintf(stderr, "%s\n", text);
		free(text);
	}
	json_decref(line);
}

void log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_json(level, event, json_pack("{ss}", "msg", msg));
}
