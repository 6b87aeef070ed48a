#include "storage/reference_store.h"

#include <stdlib.h>
#include <string.h>

const struct db_stmt reference_store_statements[] = {
	{ "reference_epcis_upsert",
	  "INSERT INTO epcis (siren, name)"
	  " SELECT DISTINCT s, n FROM unnest($1::text[], $2::text[]) AS x (s, n) WHERE s IS NOT NULL"
	  " ON CONFLICT (siren) DO UPDATE SET name = EXCLUDED.name" },
	{ "reference_communes_upsert",
	  "INSERT INTO communes (insee, name, postcode, epci_siren)"
	  " SELECT i, n, p, s FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x (i, n, p, s)"
	  " ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name, postcode = EXCLUDED.postcode,"
	  " epci_siren = EXCLUDED.epci_siren" },
	{ "reference_departements_upsert",
	  "INSERT INTO departements (code, name, region_code)"
	  " SELECT c, n, r FROM unnest($1::text[], $2::text[], $3::text[]) AS x (c, n, r)"
	  " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, region_code = EXCLUDED.region_code" },
	{ NULL, NULL },
};

/* A growable PostgreSQL array literal of text values ('{"a","b",NULL}'). */
struct array_text {
	char *buf;
	size_t len, cap;
};

static int array_put(struct array_text *a, const char *s, size_t n)
{
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		while (a->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(a->buf, cap);
		if (b == NULL)
			return -1;
		a->buf = b;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return 0;
}

/* Appends one element; NULL for an empty value. */
static int array_add(struct array_text *a, const char *value, int index)
{
	if (array_put(a, index == 0 ? "{" : ",", 1) != 0)
		return -1;
	if (value == NULL || value[0] == '\0')
		return array_put(a, "NULL", 4);
	if (array_put(a, "\"", 1) != 0)
		return -1;
	for (const char *p = value; *p; p++) {
		if ((*p == '"' || *p == '\\') && array_put(a, "\\", 1) != 0)
			return -1;
		if (array_put(a, p, 1) != 0)
			return -1;
	}
	return array_put(a, "\"", 1);
}

static int array_end(struct array_text *a, int count)
{
	return array_put(a, count == 0 ? "{}" : "}", count == 0 ? 2 : 1);
}

static int by_insee(const void *a, const void *b, void *rows)
{
	const struct reference_row *r = rows;
	return strcmp(r[*(const int *)a].insee, r[*(const int *)b].insee);
}

static int by_siren(const void *a, const void *b, void *rows)
{
	const struct reference_row *r = rows;
	return strcmp(r[*(const int *)a].epci_siren, r[*(const int *)b].epci_siren);
}

/* Both checks are over the file as a whole, which a per-row check cannot
 * see: sorted once by commune and once by EPCI, neighbours must differ. */
static int rows_consistent(const struct reference_row *rows, int count, struct err *err)
{
	int *order = malloc(sizeof(int) * (size_t)(count ? count : 1));
	if (order == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	int rc = ERR_OK;
	for (int i = 0; i < count; i++)
		order[i] = i;
	qsort_r(order, (size_t)count, sizeof(int), by_insee, (void *)rows);
	for (int i = 1; rc == ERR_OK && i < count; i++)
		if (strcmp(rows[order[i]].insee, rows[order[i - 1]].insee) == 0)
			rc = err_set(err, ERR_INVALID, "insee", "commune %s appears twice", rows[order[i]].insee);
	qsort_r(order, (size_t)count, sizeof(int), by_siren, (void *)rows);
	for (int i = 1; rc == ERR_OK && i < count; i++) {
		const struct reference_row *a = &rows[order[i - 1]], *b = &rows[order[i]];
		if (a->epci_siren[0] != '\0' && strcmp(a->epci_siren, b->epci_siren) == 0 &&
		    strcmp(a->epci_name, b->epci_name) != 0)
			rc = err_set(err, ERR_INVALID, "epci_name", "EPCI %s has two names", a->epci_siren);
	}
	free(order);
	return rc;
}

static long affected(const PGresult *res)
{
	return strtol(PQcmdTuples((PGresult *)res), NULL, 10);
}

int reference_store_load(PGconn *conn, const struct reference_row *rows, int count, long *epcis, long *communes,
			 struct err *err)
{
	*epcis = *communes = 0;
	struct array_text insee = { 0 }, name = { 0 }, postcode = { 0 }, siren = { 0 }, epci = { 0 };
	PGresult *res = NULL;
	int rc = rows_consistent(rows, count, err);
	for (int i = 0; rc == ERR_OK && i < count; i++) {
		if (array_add(&insee, rows[i].insee, i) != 0 || array_add(&name, rows[i].name, i) != 0 ||
		    array_add(&postcode, rows[i].postcode, i) != 0 || array_add(&siren, rows[i].epci_siren, i) != 0 ||
		    array_add(&epci, rows[i].epci_name, i) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	}
	if (rc == ERR_OK && (array_end(&insee, count) != 0 || array_end(&name, count) != 0 ||
			     array_end(&postcode, count) != 0 || array_end(&siren, count) != 0 ||
			     array_end(&epci, count) != 0))
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK) {
		const char *p[] = { siren.buf, epci.buf };
		rc = db_exec(&res, conn, "reference_epcis_upsert", 2, p, err);
		if (rc == ERR_OK)
			*epcis = affected(res);
		PQclear(res);
		res = NULL;
	}
	if (rc == ERR_OK) {
		const char *p[] = { insee.buf, name.buf, postcode.buf, siren.buf };
		rc = db_exec(&res, conn, "reference_communes_upsert", 4, p, err);
		if (rc == ERR_OK)
			*communes = affected(res);
		PQclear(res);
	}
	free(insee.buf);
	free(name.buf);
	free(postcode.buf);
	free(siren.buf);
	free(epci.buf);
	return rc;
}

int reference_store_load_departements(PGconn *conn, const struct reference_departement *deps, int count,
				      long *written, struct err *err)
{
	*written = 0;
	struct array_text code = { 0 }, name = { 0 }, region = { 0 };
	int rc = ERR_OK;
	for (int i = 0; rc == ERR_OK && i < count; i++)
		if (array_add(&code, deps[i].code, i) != 0 || array_add(&name, deps[i].name, i) != 0 ||
		    array_add(&region, deps[i].region_code, i) != 0)
			rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK && (array_end(&code, count) != 0 || array_end(&name, count) != 0 ||
			     array_end(&region, count) != 0))
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
	if (rc == ERR_OK) {
		PGresult *res = NULL;
		const char *p[] = { code.buf, name.buf, region.buf };
		rc = db_exec(&res, conn, "reference_departements_upsert", 3, p, err);
		if (rc == ERR_OK)
			*written = affected(res);
		PQclear(res);
	}
	free(code.buf);
	free(name.buf);
	free(region.buf);
	return rc;
}
