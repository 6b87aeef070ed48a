#include "domain/reference.h"

#include <stdio.h>
#include <string.h>

int reference_split(char *line, char sep, char **fields, int *count, struct err *err)
{
	int n = 0;
	char *r = line, *w = line;
	for (;;) {
		if (n == REFERENCE_MAX_FIELDS)
			return err_set(err, ERR_INVALID, "", "more than %d columns", REFERENCE_MAX_FIELDS);
		fields[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return err_set(err, ERR_INVALID, "", "a quoted field is not closed");
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != sep && *r != '\0')
				return err_set(err, ERR_INVALID, "", "text after a closing quote");
		} else {
			while (*r != sep && *r != '\0')
				*w++ = *r++;
		}
		bool more = *r == sep;
		*w++ = '\0';
		if (!more)
			break;
		r++;
	}
	*count = n;
	return ERR_OK;
}

static int column(char **fields, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(fields[i], name) == 0)
			return i;
	return -1;
}

int reference_read_header(struct reference_columns *out, char *line, struct err *err)
{
	if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	out->sep = strchr(line, ',') == NULL && strchr(line, ';') != NULL ? ';' : ',';
	char *fields[REFERENCE_MAX_FIELDS];
	int count = 0;
	int rc = reference_split(line, out->sep, fields, &count, err);
	if (rc != ERR_OK)
		return rc;
	out->insee = column(fields, count, "insee");
	out->name = column(fields, count, "name");
	out->postcode = column(fields, count, "postcode");
	out->epci_siren = column(fields, count, "epci_siren");
	out->epci_name = column(fields, count, "epci_name");
	if (out->insee < 0 || out->name < 0 || out->postcode < 0)
		return err_set(err, ERR_INVALID, "", "line 1: the header must name the columns insee, name and postcode");
	if ((out->epci_siren < 0) != (out->epci_name < 0))
		return err_set(err, ERR_INVALID, "", "line 1: epci_siren and epci_name come together");
	return ERR_OK;
}

static bool digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool reference_insee_is_valid(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return false;
	bool dept = (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') ||
		    (s[0] == '2' && (s[1] == 'A' || s[1] == 'B'));
	return dept && digits(s + 2, 3);
}

bool reference_siren_is_valid(const char *s)
{
	return s != NULL && digits(s, 9);
}

/* 1 to 200 characters of UTF-8 without control characters. */
static bool name_is_valid(const char *s)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xC0) != 0x80)
			chars++;
	}
	return chars >= 1 && chars <= 200;
}

static const char *field(char **fields, int count, int col)
{
	return col >= 0 && col < count ? fields[col] : "";
}

int reference_set_row(struct reference_row *out, const char *insee, const char *name, const char *postcode,
		      const char *epci_siren, const char *epci_name, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (!reference_insee_is_valid(insee))
		return err_set(err, ERR_INVALID, "insee", "insee must be a commune code like 91174");
	if (!name_is_valid(name) || strlen(name) >= sizeof(out->name))
		return err_set(err, ERR_INVALID, "name", "name must be 1 to 200 characters");
	if (!digits(postcode, 5))
		return err_set(err, ERR_INVALID, "postcode", "postcode must be 5 digits");
	if (epci_siren[0] != '\0' && !reference_siren_is_valid(epci_siren))
		return err_set(err, ERR_INVALID, "epci_siren", "epci_siren must be 9 digits");
	if (epci_siren[0] != '\0' && (!name_is_valid(epci_name) || strlen(epci_name) >= sizeof(out->epci_name)))
		return err_set(err, ERR_INVALID, "epci_name", "epci_name must be 1 to 200 characters");
	snprintf(out->insee, sizeof(out->insee), "%s", insee);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->postcode, sizeof(out->postcode), "%s", postcode);
	if (epci_siren[0] != '\0') {
		snprintf(out->epci_siren, sizeof(out->epci_siren), "%s", epci_siren);
		snprintf(out->epci_name, sizeof(out->epci_name), "%s", epci_name);
	}
	return ERR_OK;
}

int reference_read_row(struct reference_row *out, const struct reference_columns *cols, char *line,
		       long lineno, struct err *err)
{
	memset(out, 0, sizeof(*out));
	char *fields[REFERENCE_MAX_FIELDS];
	int count = 0;
	struct err why;
	err_clear(&why);
	if (reference_split(line, cols->sep, fields, &count, &why) != ERR_OK)
		return err_set(err, ERR_INVALID, "", "line %ld: %s", lineno, why.message);
	if (reference_set_row(out, field(fields, count, cols->insee), field(fields, count, cols->name),
			      field(fields, count, cols->postcode), field(fields, count, cols->epci_siren),
			      field(fields, count, cols->epci_name), &why) != ERR_OK)
		return err_set(err, why.code, why.field, "line %ld: %.200s", lineno, why.message);
	return ERR_OK;
}

void reference_departement_of(char out[4], const char *insee)
{
	size_t n = strncmp(insee, "97", 2) == 0 ? 3 : 2;
	snprintf(out, 4, "%.*s", (int)n, insee);
}

/* 01 to 95, 2A, 2B or 971 to 979; metropolitan "20" no longer exists. */
bool reference_departement_is_valid(const char *s)
{
	if (s == NULL)
		return false;
	if (strcmp(s, "2A") == 0 || strcmp(s, "2B") == 0)
		return true;
	if (digits(s, 3))
		return s[0] == '9' && s[1] == '7' && s[2] != '0';
	return digits(s, 2) && strcmp(s, "00") != 0 && strcmp(s, "20") != 0 && strcmp(s, "96") < 0;
}

int reference_set_departement(struct reference_departement *out, const char *code, const char *name,
			      const char *region_code, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (!reference_departement_is_valid(code))
		return err_set(err, ERR_INVALID, "code", "a département code is 01 to 95, 2A, 2B or 971 to 979");
	if (!name_is_valid(name) || strlen(name) >= sizeof(out->name))
		return err_set(err, ERR_INVALID, "name", "name must be 1 to 200 characters");
	if (!digits(region_code, 2))
		return err_set(err, ERR_INVALID, "region", "a region code is 2 digits");
	snprintf(out->code, sizeof(out->code), "%s", code);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->region_code, sizeof(out->region_code), "%s", region_code);
	return ERR_OK;
}
