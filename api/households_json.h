/* The JSON of households and procedure events: request bodies into the
 * domain's input structs (400 naming the member at fault, "address.insee"),
 * and the field masks applied to a household's representation. */
#ifndef API_HOUSEHOLDS_JSON_H
#define API_HOUSEHOLDS_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/err.h"
#include "domain/household.h"
#include "domain/policy.h"
#include "domain/procedure.h"

/* Reads a household body. creating: a POST (every group may come); else a
 * PATCH, where null clears an optional group. out->set says which came. */
int households_json_read(const json_t *body, bool creating, struct household_input *out, struct err *err);

/* The fields (enum policy_field) a kind holding relations (a bitmask of
 * 1 << enum policy_relation) may see of a household. */
unsigned households_json_fields(enum org_kind kind, unsigned relations);

/* Removes from a household representation the members fields does not show. */
void households_json_mask(json_t *household, unsigned fields);

/* The first group of set outside fields, as the JSON member a client sends
 * ("rent_cents"), or NULL when every group is inside. */
const char *households_json_outside(unsigned set, unsigned fields);

/* The optional member lease_signed_on of body (a household or a payment
 * order), a date in the lease window (domain/plausible.h): *given when the
 * member is there, *known when it is a date rather than null. */
int households_json_read_lease(const json_t *body, bool *given, bool *known, struct date *out, struct err *err);

/* Reads an event body. *corrects is the id of the corrected event, borrowed
 * from body, or NULL. */
int households_json_read_event(const json_t *body, struct event *out, const char **corrects, struct err *err);

#endif
