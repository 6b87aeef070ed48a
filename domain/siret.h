/* SIRET: the 14-digit identifier of a French establishment (SIREN + NIC). */
#ifndef DOMAIN_SIRET_H
#define DOMAIN_SIRET_H

#include <stdbool.h>

/* True when s is exactly 14 ASCII digits (no spaces, no sign) whose Luhn
 * check holds. La Poste's establishments (SIREN 356000000) were numbered
 * before the Luhn rule and do not follow it: INSEE makes the sum of their
 * digits a multiple of 5 instead. Its head office, 356 000 000 00048, is the
 * one La Poste SIRET that follows the ordinary Luhn rule and is accepted too.
 * NULL is not valid. */
bool siret_is_valid(const char *s);

#endif
