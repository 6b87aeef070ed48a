/* Reading request bodies strictly: the shape and types of the input, with
 * 400 naming the field at fault. Business rules live in domain/. */
#ifndef API_JSON_IN_H
#define API_JSON_IN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/err.h"

/* ERR_INVALID naming the first member of obj that is not in allowed (a
 * NULL-terminated list); members in refused (NULL-terminated, may be NULL)
 * get a message saying the client may not set them. */
int json_in_keys(const json_t *obj, const char *const *allowed, const char *const *refused,
		 struct err *err);

/* Copies the string member key into out. Absent: ERR_OK with *present false
 * when optional, ERR_INVALID when required. null counts as absent. */
int json_in_string(const json_t *obj, const char *key, bool required, char *out, size_t len,
		   bool *present, struct err *err);

/* An integer member within [min, max]. */
int json_in_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
		int64_t *out, bool *present, struct err *err);

int json_in_bool(const json_t *obj, const char *key, bool required, bool *out, bool *present,
		 struct err *err);

#endif
