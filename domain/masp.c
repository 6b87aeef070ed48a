#include "domain/masp.h"

#include <string.h>

static const char *const status_names[MASP__STATUS_COUNT] = {
	[MASP_ACTIVE] = "active",
	[MASP_COMPLETED] = "completed",
	[MASP_INTERRUPTED] = "interrupted",
};

const char *masp_status_name(enum masp_status s)
{
	return (unsigned)s < MASP__STATUS_COUNT ? status_names[s] : NULL;
}

int masp_status_parse(const char *s, enum masp_status *out)
{
	for (int i = 0; s != NULL && i < MASP__STATUS_COUNT; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum masp_status)i;
			return 0;
		}
	}
	return -1;
}

/* True when to is within months of from (to <= from + months). */
static bool within_months(const struct date *from, const struct date *to, int months)
{
	struct date limit;
	date_add_months(&limit, from, months);
	return date_cmp(to, &limit) <= 0;
}

int masp_check_new(const struct masp_state *s, struct err *err)
{
	struct date min;
	date_add_months(&min, &s->start_on, MASP_MIN_MONTHS);
	if (date_cmp(&s->planned_end_on, &min) < 0 ||
	    !within_months(&s->start_on, &s->planned_end_on, MASP_MAX_CONTRACT_MONTHS))
		return err_set_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "planned_end_on",
			       "a MASP contract runs 6 months to 2 years from start_on");
	return ERR_OK;
}

int masp_check_change(const struct masp_state *before, const struct masp_state *after, struct err *err)
{
	if (before->status != MASP_ACTIVE)
		return err_set_reason(err, ERR_REASON_RECORD_FINAL, "status", "the measure has ended: it no longer changes");
	if (after->status == MASP_ACTIVE && after->has_end)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "end_on", "an active measure has no end_on");
	if (after->status != MASP_ACTIVE && !after->has_end)
		return err_set_reason(err, ERR_REASON_INCONSISTENT_WITH_STATUS, "end_on", "a measure that ended needs end_on");
	if (after->has_end && date_cmp(&after->end_on, &after->start_on) < 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "end_on", "end_on is before start_on");
	return ERR_OK;
}

int masp_check_renewal(const struct masp_state *s, const struct date *renewed_on, const struct date *until,
		       struct err *err)
{
	if (s->status != MASP_ACTIVE)
		return err_set_reason(err, ERR_REASON_STATUS_TRANSITION_REFUSED, "status", "only an active measure is renewed");
	if (date_cmp(renewed_on, &s->start_on) < 0 || date_cmp(renewed_on, &s->planned_end_on) > 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "renewed_on",
			       "a measure is renewed between its start and its planned end");
	if (date_cmp(until, &s->planned_end_on) <= 0)
		return err_set_reason(err, ERR_REASON_DATES_OUT_OF_ORDER, "until_on", "until_on must be after the planned end");
	if (!within_months(&s->planned_end_on, until, MASP_MAX_CONTRACT_MONTHS))
		return err_set_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "until_on", "a renewal runs 2 years at most");
	if (!within_months(&s->start_on, until, MASP_MAX_TOTAL_MONTHS))
		return err_set_reason(err, ERR_REASON_VALUE_OUT_OF_RANGE, "until_on", "a MASP lasts 4 years at most, renewals included");
	return ERR_OK;
}
