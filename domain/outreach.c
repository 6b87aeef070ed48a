#include "domain/outreach.h"

#include <string.h>

static int parse_name(const char *const *names, int count, const char *s)
{
	for (int i = 0; s != NULL && i < count; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static const char *const outcome_names[OUTREACH__OUTCOME_COUNT] = {
	[OUTREACH_NO_CONTACT] = "no_contact",
	[OUTREACH_CONTACT_ESTABLISHED] = "contact_established",
	[OUTREACH_NPAI] = "npai",
};

static const char *const kind_names[INTERVENTION__KIND_COUNT] = {
	[INTERVENTION_LETTER] = "letter",
	[INTERVENTION_PHONE_CALL] = "phone_call",
	[INTERVENTION_HOME_VISIT] = "home_visit",
	[INTERVENTION_MEETING] = "meeting",
};

static const char *const channel_names[LETTER__CHANNEL_COUNT] = {
	[LETTER_POST] = "post",
	[LETTER_REGISTERED_POST] = "registered_post",
	[LETTER_EMAIL] = "email",
	[LETTER_SMS] = "sms",
	[LETTER_HAND_DELIVERED] = "hand_delivered",
};

static const char *const letter_outcome_names[LETTER__OUTCOME_COUNT] = {
	[LETTER_PAYMENT_RESUMED] = "payment_resumed",
	[LETTER_DEBT_SETTLED] = "debt_settled",
	[LETTER_MEETING_MDS] = "meeting_mds",
	[LETTER_MEETING_CCAS] = "meeting_ccas",
	[LETTER_MEETING_ASSOCIATION] = "meeting_association",
	[LETTER_ADIL_CONTACT] = "adil_contact",
};

const char *outreach_outcome_name(enum outreach_outcome o)
{
	return (unsigned)o < OUTREACH__OUTCOME_COUNT ? outcome_names[o] : NULL;
}

int outreach_outcome_parse(const char *s, enum outreach_outcome *out)
{
	int i = parse_name(outcome_names, OUTREACH__OUTCOME_COUNT, s);
	if (i >= 0)
		*out = (enum outreach_outcome)i;
	return i >= 0 ? 0 : -1;
}

const char *intervention_kind_name(enum intervention_kind k)
{
	return (unsigned)k < INTERVENTION__KIND_COUNT ? kind_names[k] : NULL;
}

int intervention_kind_parse(const char *s, enum intervention_kind *out)
{
	int i = parse_name(kind_names, INTERVENTION__KIND_COUNT, s);
	if (i >= 0)
		*out = (enum intervention_kind)i;
	return i >= 0 ? 0 : -1;
}

const char *letter_channel_name(enum letter_channel c)
{
	return (unsigned)c < LETTER__CHANNEL_COUNT ? channel_names[c] : NULL;
}

int letter_channel_parse(const char *s, enum letter_channel *out)
{
	int i = parse_name(channel_names, LETTER__CHANNEL_COUNT, s);
	if (i >= 0)
		*out = (enum letter_channel)i;
	return i >= 0 ? 0 : -1;
}

const char *letter_outcome_name(enum letter_outcome o)
{
	return (unsigned)o < LETTER__OUTCOME_COUNT ? letter_outcome_names[o] : NULL;
}

int letter_outcome_parse(const char *s, enum letter_outcome *out)
{
	int i = parse_name(letter_outcome_names, LETTER__OUTCOME_COUNT, s);
	if (i >= 0)
		*out = (enum letter_outcome)i;
	return i >= 0 ? 0 : -1;
}

int intervention_check_date(const struct date *done_on, const struct date *opened_on, const struct date *today,
			    struct err *err)
{
	if (date_cmp(done_on, opened_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "date", "date is before the case was opened");
	if (date_cmp(done_on, today) > 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "date", "date is in the future");
	return ERR_OK;
}

int letter_check(const struct letter_state *s, const struct date *today, struct err *err)
{
	if (date_cmp(&s->sent_on, today) > 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "sent_on", "sent_on is in the future");
	if (s->has_answered_on && !s->answered)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "answered_on", "answered_on needs answered: true");
	if (s->has_answered_on && date_cmp(&s->answered_on, &s->sent_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "answered_on", "answered_on is before the letter was sent");
	if (s->has_answered_on && date_cmp(&s->answered_on, today) > 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "answered_on", "answered_on is in the future");
	if (s->outcomes != 0 && !s->answered)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "outcomes", "outcomes are recorded once the household answered");
	return ERR_OK;
}
