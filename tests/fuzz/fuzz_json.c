/* libFuzzer: request bodies through the JSON readers the handlers use
 * (api/json_in.c, households_json.c, orgs.c, outreach.c, referrals.c,
 * field_common.c, the import item readers) and the domain checks they feed.
 * Loaded as the server loads a body: JSON_REJECT_DUPLICATES. No database,
 * no server. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "api/field_common.h"
#include "api/households_json.h"
#include "api/imports.h"
#include "api/json_in.h"
#include "api/orgs.h"
#include "api/outreach.h"
#include "api/referrals.h"
#include "domain/household.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_object(const json_t *body)
{
	struct err err;
	static struct household_input hin;
	for (int creating = 0; creating < 2; creating++) {
		if (households_json_read(body, creating, &hin, &err) == ERR_OK)
			(void)household_check(&hin, creating, &err);
	}
	struct event ev;
	const char *corrects = NULL;
	(void)households_json_read_event(body, &ev, &corrects, &err);

	static struct territory t;
	(void)orgs_read_territory(json_object_get(body, "territory"), &t, &err);
	(void)orgs_read_territory(body, &t, &err);
	(void)outreach_check_case_patch(body, true, &err);
	(void)outreach_check_case_patch(body, false, &err);
	(void)outreach_check_intervention(body, true, &err);
	(void)outreach_check_intervention(body, false, &err);

	const char *keys[] = { "chairs", "invited", "landlords", "recommendations", NULL };
	for (size_t i = 0; keys[i] != NULL; i++) {
		char *lit = NULL;
		int count = 0;
		if (ccapex_uuid_array(body, keys[i], 50, &lit, &count, &err) == ERR_OK)
			free(lit);
	}

	/* The generic helpers over every member. */
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)body, key, value) {
		char text[256], uuid[37];
		struct date d;
		bool present, b;
		int64_t n;
		(void)field_in_date(body, key, false, DATE_KIND_ACT, &d, &present, &err);
		(void)field_in_uuid(body, key, false, uuid, &present, &err);
		(void)field_in_text(body, key, false, TEXT_MULTILINE, 100, text, sizeof(text), &present, &err);
		(void)field_json_date(body, key, &d);
		(void)json_in_string(body, key, true, text, sizeof(text), &present, &err);
		(void)json_in_int(body, key, true, INT64_MIN, INT64_MAX, &n, &present, &err);
		(void)json_in_int(body, key, true, 0, 100, &n, &present, &err);
		(void)json_in_bool(body, key, true, &b, &present, &err);
	}
	static const char *const allowed[] = { "a", "b", NULL };
	static const char *const refused[] = { "id", NULL };
	(void)json_in_keys(body, allowed, refused, &err);
}

static void read_items(const json_t *items)
{
	size_t n = json_array_size(items);
	for (int kind = 0; kind < IMPORT__KIND_COUNT; kind++) {
		struct import_batch *b = imports_batch_new((enum import_kind)kind, ORG_KIND_BAILIFF, (int)n);
		if (b == NULL)
			continue;
		for (size_t i = 0; i < n; i++)
			imports_batch_read(b, (int)i, json_incref(json_array_get(items, i)));
		struct err err;
		(void)imports_batch_dedupe(b, &err);
		imports_batch_free(b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (json_is_object(body)) {
		read_object(body);
		json_t *wrapped = json_pack("[O]", body);
		read_items(wrapped);
		json_decref(wrapped);
	} else if (json_is_array(body) && json_array_size(body) <= 64) {
		read_items(body);
	}
	json_decref(body);
	return 0;
}
