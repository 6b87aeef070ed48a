#include "api/reference_etalab.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One commune an EPCI names as a member. */
struct member {
	char insee[6];
	int epci;      /* index in epci.json */
	bool used;     /* a commune of communes.json took it */
};

static int by_insee(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->insee, ((const struct member *)b)->insee);
}

/* A string member of an object, or NULL. */
static const char *text(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Loads dir/name, which must hold a JSON array; *out is new (json_decref). */
static int load_array(json_t **out, const char *dir, const char *name, struct err *err)
{
	char path[4096];
	json_error_t jerr;
	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return err_set(err, ERR_INVALID, "", "the folder name is too long");
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		return err_set(err, ERR_INVALID, "", "%s: line %d: %.150s", name, jerr.line, jerr.text);
	if (!json_is_array(j)) {
		json_decref(j);
		return err_set(err, ERR_INVALID, "", "%s: not a JSON array", name);
	}
	*out = j;
	return ERR_OK;
}

/* The départements to keep (zone metro or drom); those of the collectivités
 * d'outre-mer (zone com) go to *others, whose communes are left out. */
static int read_departements(struct reference_etalab *out, json_t *others, const json_t *arr, struct err *err)
{
	size_t n = json_array_size(arr), i;
	out->departements = calloc(n ? n : 1, sizeof(*out->departements));
	if (out->departements == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	json_t *item;
	struct err why;
	err_clear(&why);
	json_array_foreach(arr, i, item) {
		const char *code = text(item, "code"), *name = text(item, "nom"), *region = text(item, "region");
		const char *zone = text(item, "zone");
		if (!json_is_object(item) || code == NULL || name == NULL || region == NULL || zone == NULL)
			return err_set(err, ERR_INVALID, "", "departements.json: entry %zu: code, nom, region and zone "
				       "must be strings", i + 1);
		if (strcmp(zone, "com") == 0) {
			if (json_array_append_new(others, json_string(code)) != 0)
				return err_set(err, ERR_INTERNAL, "", "out of memory");
			continue;
		}
		if (strcmp(zone, "metro") != 0 && strcmp(zone, "drom") != 0)
			return err_set(err, ERR_INVALID, "", "departements.json: entry %zu (%.8s): unknown zone %.20s",
				       i + 1, code, zone);
		struct reference_departement *d = &out->departements[out->departement_count];
		if (reference_set_departement(d, code, name, region, &why) != ERR_OK)
			return err_set(err, ERR_INVALID, "", "departements.json: entry %zu (%.8s): %.150s", i + 1, code,
				       why.message);
		for (int k = 0; k < out->departement_count; k++)
			if (strcmp(out->departements[k].code, code) == 0)
				return err_set(err, ERR_INVALID, "", "departements.json: département %.8s appears twice",
					       code);
		out->departement_count++;
	}
	return ERR_OK;
}

/* Every member of every EPCI, sorted by commune; a commune in two is refused. */
static int read_epcis(struct member **members, size_t *count, const json_t *arr, struct err *err)
{
	size_t n = 0, i, k;
	json_t *item, *m;
	json_array_foreach(arr, i, item)
		n += json_array_size(json_object_get(item, "membres"));
	*members = calloc(n ? n : 1, sizeof(**members));
	if (*members == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	*count = 0;
	json_array_foreach(arr, i, item) {
		const char *siren = text(item, "code"), *name = text(item, "nom");
		const json_t *list = json_object_get(item, "membres");
		if (!json_is_object(item) || siren == NULL || name == NULL || !json_is_array(list) ||
		    json_array_size(list) == 0)
			return err_set(err, ERR_INVALID, "", "epci.json: entry %zu: code and nom must be strings and "
				       "membres a non-empty array", i + 1);
		if (!reference_siren_is_valid(siren))
			return err_set(err, ERR_INVALID, "", "epci.json: entry %zu: code %.12s is not a SIREN (9 digits)",
				       i + 1, siren);
		json_array_foreach(list, k, m) {
			const char *insee = text(m, "code");
			if (!reference_insee_is_valid(insee))
				return err_set(err, ERR_INVALID, "", "epci.json: EPCI %s: member %zu: code must be a "
					       "commune code like 91174", siren, k + 1);
			struct member *to = &(*members)[(*count)++];
			snprintf(to->insee, sizeof(to->insee), "%s", insee);
			to->epci = (int)i;
		}
	}
	qsort(*members, *count, sizeof(**members), by_insee);
	for (k = 1; k < *count; k++)
		if (strcmp((*members)[k].insee, (*members)[k - 1].insee) == 0)
			return err_set(err, ERR_INVALID, "", "epci.json: commune %s is a member of two EPCIs",
				       (*members)[k].insee);
	return ERR_OK;
}

static bool kept(const struct reference_etalab *out, const char *code)
{
	for (int k = 0; k < out->departement_count; k++)
		if (strcmp(out->departements[k].code, code) == 0)
			return true;
	return false;
}

static bool other(const json_t *others, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(others, i, c)
		if (strcmp(json_string_value(c), code) == 0)
			return true;
	return false;
}

static int read_communes(struct reference_etalab *out, const json_t *arr, const json_t *epcis,
			 struct member *members, size_t member_count, const json_t *others, struct err *err)
{
	size_t n = json_array_size(arr), i;
	out->communes = calloc(n ? n : 1, sizeof(*out->communes));
	if (out->communes == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	json_t *item;
	struct err why;
	err_clear(&why);
	json_array_foreach(arr, i, item) {
		const char *type = text(item, "type"), *code = text(item, "code"), *name = text(item, "nom");
		const char *dept = text(item, "departement");
		if (!json_is_object(item) || type == NULL || code == NULL || name == NULL || dept == NULL)
			return err_set(err, ERR_INVALID, "", "communes.json: entry %zu: type, code, nom and departement "
				       "must be strings", i + 1);
		if (strcmp(type, "commune-actuelle") != 0 || other(others, dept)) {
			out->skipped++;
			continue;
		}
		if (!kept(out, dept))
			return err_set(err, ERR_INVALID, "", "communes.json: commune %.8s: département %.8s is not in "
				       "departements.json", code, dept);
		char derived[4];
		if (reference_insee_is_valid(code)) {
			reference_departement_of(derived, code);
			if (strcmp(derived, dept) != 0)
				return err_set(err, ERR_INVALID, "", "communes.json: commune %s: its code says "
					       "département %s, not %.8s", code, derived, dept);
		}
		const json_t *postcodes = json_object_get(item, "codesPostaux");
		const char *postcode = json_string_value(json_array_get(postcodes, 0));
		if (postcode == NULL)
			return err_set(err, ERR_INVALID, "", "communes.json: commune %.8s: codesPostaux must be a "
				       "non-empty array of strings", code);
		struct member key = { 0 }, *m = NULL;
		snprintf(key.insee, sizeof(key.insee), "%.5s", code);
		if (strlen(code) == 5)
			m = bsearch(&key, members, member_count, sizeof(*members), by_insee);
		const json_t *epci = m != NULL ? json_array_get(epcis, (size_t)m->epci) : NULL;
		if (reference_set_row(&out->communes[out->commune_count], code, name, postcode,
				      epci != NULL ? text(epci, "code") : "", epci != NULL ? text(epci, "nom") : "",
				      &why) != ERR_OK)
			return err_set(err, ERR_INVALID, "", "communes.json: commune %.8s: %.150s", code, why.message);
		if (m != NULL)
			m->used = true;
		out->commune_count++;
	}
	for (size_t k = 0; k < member_count; k++)
		if (!members[k].used)
			return err_set(err, ERR_INVALID, "", "epci.json: EPCI %s names commune %s, which communes.json "
				       "does not hold", text(json_array_get(epcis, (size_t)members[k].epci), "code"),
				       members[k].insee);
	return ERR_OK;
}

int reference_etalab_read(struct reference_etalab *out, const char *dir, struct err *err)
{
	memset(out, 0, sizeof(*out));
	json_t *deps = NULL, *epcis = NULL, *communes = NULL, *others = json_array();
	struct member *members = NULL;
	size_t member_count = 0;
	int rc = others != NULL ? ERR_OK : err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK)
		rc = load_array(&deps, dir, "departements.json", err);
	if (rc == ERR_OK)
		rc = load_array(&epcis, dir, "epci.json", err);
	if (rc == ERR_OK)
		rc = load_array(&communes, dir, "communes.json", err);
	if (rc == ERR_OK)
		rc = read_departements(out, others, deps, err);
	if (rc == ERR_OK)
		rc = read_epcis(&members, &member_count, epcis, err);
	if (rc == ERR_OK)
		rc = read_communes(out, communes, epcis, members, member_count, others, err);
	if (rc == ERR_OK)
		out->epci_count = (int)json_array_size(epcis);
	if (rc != ERR_OK)
		reference_etalab_free(out);
	free(members);
	json_decref(deps);
	json_decref(epcis);
	json_decref(communes);
	json_decref(others);
	return rc;
}

void reference_etalab_free(struct reference_etalab *e)
{
	free(e->departements);
	free(e->communes);
	memset(e, 0, sizeof(*e));
}
