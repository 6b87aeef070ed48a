/* MASP measures (mesure d'accompagnement social personnalisé, CASF
 * L.271-1 ff.): a contract of 6 months to 2 years, renewable, 4 years at
 * most in all. Pure C. */
#ifndef DOMAIN_MASP_H
#define DOMAIN_MASP_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"

#define MASP_MIN_MONTHS 6
#define MASP_MAX_CONTRACT_MONTHS 24
#define MASP_MAX_TOTAL_MONTHS 48

enum masp_status {
	MASP_ACTIVE,
	MASP_COMPLETED,     /* ran to its end */
	MASP_INTERRUPTED,   /* ended early: refusal, move, another measure */
	MASP__STATUS_COUNT
};

const char *masp_status_name(enum masp_status s);
int masp_status_parse(const char *s, enum masp_status *out);

struct masp_state {
	enum masp_status status;
	struct date start_on;
	struct date planned_end_on;   /* the contract's end, moved by renewals */
	bool has_end;
	struct date end_on;           /* when it actually ended */
	int renewals;
};

/* A new contract: 6 to 24 months (ERR_UNPROCESSABLE on "planned_end_on"). */
int masp_check_new(const struct masp_state *s, struct err *err);

/* A change of status or end: only an active measure changes (ERR_CONFLICT
 * on "status"); an ended one has end_on, not before the start, and an
 * active one has none (ERR_UNPROCESSABLE). */
int masp_check_change(const struct masp_state *before, const struct masp_state *after, struct err *err);

/* A renewal of an active measure on renewed_on, not before the start nor
 * after the planned end, to until: after the planned end, a contract of at
 * most 24 months, and 48 months from the start in all. ERR_CONFLICT on
 * "status" for a measure that ended, ERR_UNPROCESSABLE on the member. */
int masp_check_renewal(const struct masp_state *s, const struct date *renewed_on, const struct date *until,
		       struct err *err);

#endif
