/* The mobile team's cases and interventions, and the prevention letters of
 * the socio-legal follow-up: their closed vocabularies. Pure C. */
#ifndef DOMAIN_OUTREACH_H
#define DOMAIN_OUTREACH_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"

/* Byte sizes with the NUL (UTF-8: up to 4 bytes a character). */
#define OUTREACH_AGENT_BYTES 801      /* 200 characters */
#define OUTREACH_OUTCOME_BYTES 801    /* 200 characters */
#define FIELD_NOTE_BYTES 8001         /* 2000 characters */

/* The outcome of a case, as the mobile team's figures count it. */
enum outreach_outcome {
	OUTREACH_NO_CONTACT,
	OUTREACH_CONTACT_ESTABLISHED,
	OUTREACH_NPAI,                 /* mail returned: the household is gone */
	OUTREACH__OUTCOME_COUNT
};

enum intervention_kind {
	INTERVENTION_LETTER,
	INTERVENTION_PHONE_CALL,
	INTERVENTION_HOME_VISIT,
	INTERVENTION_MEETING,
	INTERVENTION__KIND_COUNT
};

enum letter_channel {
	LETTER_POST,
	LETTER_REGISTERED_POST,
	LETTER_EMAIL,
	LETTER_SMS,
	LETTER_HAND_DELIVERED,
	LETTER__CHANNEL_COUNT
};

/* What a letter led to; a household may do several. */
enum letter_outcome {
	LETTER_PAYMENT_RESUMED,
	LETTER_DEBT_SETTLED,
	LETTER_MEETING_MDS,
	LETTER_MEETING_CCAS,
	LETTER_MEETING_ASSOCIATION,
	LETTER_ADIL_CONTACT,
	LETTER__OUTCOME_COUNT
};

/* Static snake_case names, NULL out of range; parsers return 0, or -1 for
 * an unknown name (exact match). */
const char *outreach_outcome_name(enum outreach_outcome o);
int outreach_outcome_parse(const char *s, enum outreach_outcome *out);
const char *intervention_kind_name(enum intervention_kind k);
int intervention_kind_parse(const char *s, enum intervention_kind *out);
const char *letter_channel_name(enum letter_channel c);
int letter_channel_parse(const char *s, enum letter_channel *out);
const char *letter_outcome_name(enum letter_outcome o);
int letter_outcome_parse(const char *s, enum letter_outcome *out);

/* An intervention happens on or after the day its case opened, and not in
 * the future: ERR_UNPROCESSABLE on "date". */
int intervention_check_date(const struct date *done_on, const struct date *opened_on, const struct date *today,
			    struct err *err);

/* A letter's state after a change: an answer date only with an answer, not
 * before the letter; outcomes only once the household answered or acted
 * (an outcome is itself an answer), sent_on not in the future.
 * ERR_UNPROCESSABLE on the member at fault. */
struct letter_state {
	struct date sent_on;
	bool answered;
	bool has_answered_on;
	struct date answered_on;
	unsigned outcomes;            /* bits 1u << enum letter_outcome */
};
int letter_check(const struct letter_state *s, const struct date *today, struct err *err);

#endif
