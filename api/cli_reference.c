#include "api/cli_reference.h"

#include <errno.h>
#include <stdbool.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config.h"
#include "api/reference_etalab.h"
#include "domain/reference.h"
#include "storage/db.h"
#include "storage/reference_store.h"

/* A whole file in memory: the official list is about 35,000 communes. */
struct rows {
	struct reference_row *items;
	int count, cap;
};

static int rows_push(struct rows *r, const struct reference_row *row)
{
	if (r->count == r->cap) {
		int cap = r->cap ? r->cap * 2 : 256;
		struct reference_row *items = realloc(r->items, sizeof(*items) * (size_t)cap);
		if (items == NULL)
			return -1;
		r->items = items;
		r->cap = cap;
	}
	r->items[r->count++] = *row;
	return 0;
}

static void chomp(char *line)
{
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
}

/* Reads and checks every line; prints the first problem. */
static int read_file(const char *path, struct rows *rows)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "prevex reference: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;
	struct reference_columns cols;
	struct reference_row row;
	struct err err;
	err_clear(&err);
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		chomp(line);
		if (lineno == 1) {
			if (reference_read_header(&cols, line, &err) != ERR_OK)
				rc = 1;
		} else if (line[0] != '\0') {
			if (reference_read_row(&row, &cols, line, lineno, &err) != ERR_OK)
				rc = 1;
			else if (rows_push(rows, &row) != 0)
				{
				err_set(&err, ERR_INTERNAL, "", "out of memory");
				rc = 1;
			}
		}
	}
	if (rc == 0 && ferror(f))
		rc = err_set(&err, ERR_INTERNAL, "", "cannot read the file: %s", strerror(errno));
	if (rc == 0 && lineno == 0)
		rc = err_set(&err, ERR_INVALID, "", "the file is empty");
	if (rc != 0)
		fprintf(stderr, "prevex reference: %s: %s\n", path, err.message);
	free(line);
	fclose(f);
	return rc != 0 ? 1 : 0;
}

/* What one run writes: the rows of a CSV, or the package's three files. */
struct input {
	struct rows rows;
	struct reference_etalab etalab;
	bool is_etalab;
};

static int load(PGconn *conn, const struct input *in)
{
	struct err err;
	err_clear(&err);
	long departements = 0, epcis = 0, communes = 0;
	PGresult *res = PQexec(conn, "BEGIN");
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? ERR_OK : ERR_UNAVAILABLE;
	PQclear(res);
	if (rc == ERR_OK && in->is_etalab)
		rc = reference_store_load_departements(conn, in->etalab.departements, in->etalab.departement_count,
						       &departements, &err);
	if (rc == ERR_OK && in->is_etalab)
		rc = reference_store_load(conn, in->etalab.communes, in->etalab.commune_count, &epcis, &communes,
					  &err);
	else if (rc == ERR_OK)
		rc = reference_store_load(conn, in->rows.items, in->rows.count, &epcis, &communes, &err);
	if (rc == ERR_OK) {
		res = PQexec(conn, "COMMIT");
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? ERR_OK : ERR_UNAVAILABLE;
		if (rc != ERR_OK)
			snprintf(err.message, sizeof(err.message), "%s", PQerrorMessage(conn));
		PQclear(res);
	} else {
		PQclear(PQexec(conn, "ROLLBACK"));
	}
	if (rc != ERR_OK) {
		fprintf(stderr, "prevex reference: nothing loaded: %s\n", err.message);
		return 1;
	}
	if (in->is_etalab)
		printf("reference data loaded: %ld départements, %ld EPCIs, %ld communes (%ld entries left out: "
		       "other commune types, collectivités d'outre-mer)\n",
		       departements, epcis, communes, in->etalab.skipped);
	else
		printf("reference data loaded: %ld EPCIs, %ld communes\n", epcis, communes);
	return 0;
}

/* Reads FILE, or --etalab DIR; prints the first problem. */
static int read_input(struct input *in, int argc, char **argv)
{
	if (argc == 3) {
		in->is_etalab = false;
		return read_file(argv[2], &in->rows);
	}
	in->is_etalab = true;
	struct err err;
	err_clear(&err);
	if (reference_etalab_read(&in->etalab, argv[3], &err) != ERR_OK) {
		fprintf(stderr, "prevex reference: %s: %s\n", argv[3], err.message);
		return 1;
	}
	return 0;
}

int cli_reference(int argc, char **argv)
{
	bool usage = argc < 3 || strcmp(argv[1], "load") != 0;
	if (!usage)
		usage = argc == 4 ? strcmp(argv[2], "--etalab") != 0 : argc != 3 || argv[2][0] == '-';
	if (usage) {
		fprintf(stderr, "usage: prevex reference load FILE\n"
				"       prevex reference load --etalab DIR\n\n"
				"Upserts the EPCIs, then the communes, of FILE in one transaction.\n"
				"FILE is a CSV whose header names insee, name, postcode and optionally\n"
				"epci_siren and epci_name (see reference/README.md).\n"
				"With --etalab, DIR is the data/ folder of the npm package\n"
				"@etalab/decoupage-administratif (departements.json, epci.json,\n"
				"communes.json): départements, EPCIs and communes of the whole of France.\n");
		return 2;
	}
	struct input in = { 0 };
	int rc = read_input(&in, argc, argv);
	struct config cfg;
	char msg[256];
	PGconn *conn = NULL;
	if (rc == 0 && config_load(&cfg, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "prevex: %s\n", msg);
		rc = 2;
	}
	if (rc == 0 && cfg.admin_database_url[0] == '\0') {
		fprintf(stderr, "prevex: PREVEX_DATABASE_URL is not set\n");
		rc = 2;
	}
	if (rc == 0) {
		const char *keys[] = { "dbname", "application_name", NULL };
		const char *values[] = { cfg.admin_database_url, "prevex-reference", NULL };
		conn = PQconnectdbParams(keys, values, 1);
		struct err err;
		err_clear(&err);
		if (PQstatus(conn) != CONNECTION_OK) {
			fprintf(stderr, "prevex: cannot connect to the database: %s", PQerrorMessage(conn));
			rc = 1;
		} else if (db_session_start(conn, &err) != ERR_OK) {
			fprintf(stderr, "prevex: %s (is the schema migrated?)\n", err.message);
			rc = 1;
		}
	}
	if (rc == 0)
		rc = load(conn, &in);
	PQfinish(conn);
	free(in.rows.items);
	reference_etalab_free(&in.etalab);
	return rc;
}
