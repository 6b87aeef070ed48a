#include "domain/organisation.h"

#include <stdio.h>
#include <string.h>

bool org_insee_is_valid(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return false;
	bool corsica = s[0] == '2' && (s[1] == 'A' || s[1] == 'B');
	for (int i = 0; i < 5; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && !(i == 1 && corsica))
			return false;
	return true;
}

bool org_departement_is_valid(const char *s)
{
	if (s == NULL)
		return false;
	size_t n = strlen(s);
	bool digits2 = n == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9';
	if (digits2)
		return strcmp(s, "00") != 0 && strcmp(s, "20") != 0 && strcmp(s, "95") <= 0;
	if (n == 2)
		return s[0] == '2' && (s[1] == 'A' || s[1] == 'B');
	return n == 3 && s[0] == '9' && s[1] == '7' && s[2] >= '1' && s[2] <= '9';
}

bool org_siren_is_valid(const char *s)
{
	if (s == NULL || strlen(s) != 9)
		return false;
	for (int i = 0; i < 9; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool org_name_is_valid(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	return chars <= ORG_NAME_MAX;
}

int territory_add_commune(struct territory *t, const char *insee, const char *field, struct err *err)
{
	if (!org_insee_is_valid(insee))
		return err_set(err, ERR_INVALID, field, "an INSEE commune code has 5 characters, e.g. \"91228\"");
	for (int i = 0; i < t->ncommunes; i++)
		if (strcmp(t->communes[i], insee) == 0)
			return err_set(err, ERR_INVALID, field, "commune %s is listed twice", insee);
	if (t->ncommunes == ORG_MAX_COMMUNES)
		return err_set(err, ERR_INVALID, field, "at most %d communes", ORG_MAX_COMMUNES);
	memcpy(t->communes[t->ncommunes++], insee, 6);
	return ERR_OK;
}

int territory_add_epci(struct territory *t, const char *siren, const char *field, struct err *err)
{
	if (!org_siren_is_valid(siren))
		return err_set(err, ERR_INVALID, field, "an EPCI is named by its SIREN, 9 digits");
	for (int i = 0; i < t->nepcis; i++)
		if (strcmp(t->epcis[i], siren) == 0)
			return err_set(err, ERR_INVALID, field, "EPCI %s is listed twice", siren);
	if (t->nepcis == ORG_MAX_EPCIS)
		return err_set(err, ERR_INVALID, field, "at most %d EPCIs", ORG_MAX_EPCIS);
	memcpy(t->epcis[t->nepcis++], siren, 10);
	return ERR_OK;
}

int org_add_departement(struct org_input *in, const char *code, const char *field, struct err *err)
{
	if (!org_departement_is_valid(code))
		return err_set(err, ERR_INVALID, field, "a département code is \"91\", \"2A\" or \"971\"");
	for (int i = 0; i < in->ndepartements; i++)
		if (strcmp(in->departements[i], code) == 0)
			return err_set(err, ERR_INVALID, field, "département %s is listed twice", code);
	if (in->ndepartements == ORG_MAX_DEPARTEMENTS)
		return err_set(err, ERR_INVALID, field, "at most %d départements", ORG_MAX_DEPARTEMENTS);
	snprintf(in->departements[in->ndepartements++], sizeof(in->departements[0]), "%s", code);
	return ERR_OK;
}

static void literal(char *buf, size_t len, int n, const char *codes, size_t stride)
{
	size_t used = (size_t)snprintf(buf, len, "{");
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", codes + (size_t)i * stride);
	if (used < len)
		snprintf(buf + used, len - used, "}");
}

void territory_communes_literal(const struct territory *t, char *buf, size_t len)
{
	literal(buf, len, t->ncommunes, &t->communes[0][0], sizeof(t->communes[0]));
}

void territory_epcis_literal(const struct territory *t, char *buf, size_t len)
{
	literal(buf, len, t->nepcis, &t->epcis[0][0], sizeof(t->epcis[0]));
}

void org_departements_literal(const struct org_input *in, char *buf, size_t len)
{
	literal(buf, len, in->ndepartements, &in->departements[0][0], sizeof(in->departements[0]));
}
