#include "domain/retention.h"

#include <stdio.h>
#include <string.h>

/* The CNIL's rule for social-action records: kept while the person is
 * followed, then 2 years after the last action. A household's records go
 * together: each is anonymised with its household (migration 0020,
 * household_anonymise()), whose last action counts every one of them. */
#define SOCIAL_MONTHS 24
#define SOCIAL_BASIS "CNIL, référentiel relatif aux traitements de données à caractère personnel mis en œuvre " \
	"dans le cadre de l'action sociale (durée de l'accompagnement, puis 2 ans après la dernière action); " \
	"RGPD art. 5.1.e"
#define SOCIAL_START "the household's last action: the latest record written or changed on it, or date it carries"

static const struct retention_rule rules[] = {
	{ "household", "the household's record: address, landlord, occupants, rent, income, benefits, CAF number,"
	  " contact, vulnerability notes, lease holder's name",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START,
	  "a procedure not closed, a MASP measure running, a referral before the CCAPEX, an orientation awaiting"
	  " its report or a benefit decision not applied", RETENTION_ANONYMISE, SOCIAL_BASIS, NULL },
	{ "procedure", "eviction procedures and their acts (the bailiff's file reference is erased; acts, dates,"
	  " stages and amounts stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, "the procedure is not closed (legal obligation to keep it)",
	  RETENTION_ANONYMISE, SOCIAL_BASIS "; CPCE L.412-1 and following (the préfet's part in the procedure)", NULL },
	{ "referral", "CCAPEX referrals, their history and orientations (reasons, notes and reports erased)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, "the referral is before the CCAPEX, an orientation awaits its report",
	  RETENTION_ANONYMISE, SOCIAL_BASIS "; décret 2015-1384 (CCAPEX), décret 2026-83", NULL },
	{ "opinion", "the CCAPEX's opinions and recommendations on the household (summary, text and comments erased;"
	  " decisions, addressees, dates and statuses stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, NULL, RETENTION_ANONYMISE,
	  SOCIAL_BASIS "; décret 2015-1384 (CCAPEX)", NULL },
	{ "diagnostic", "social and financial diagnostics (note and the report's comment erased; its amounts, causes"
	  " and proposals stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, NULL, RETENTION_ANONYMISE,
	  SOCIAL_BASIS "; décret 2021-8 (diagnostic social et financier)", NULL },
	{ "prevention_letter", "prevention letters and their answers (note erased; dates, channel and outcomes stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, NULL, RETENTION_ANONYMISE, SOCIAL_BASIS, NULL },
	{ "masp_measure", "MASP measures and renewals (note erased; type, operator and dates stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, "the end of the measure, or the household's last action when later",
	  "the measure is running", RETENTION_ANONYMISE, SOCIAL_BASIS "; CASF L.271-1 and following (MASP)", NULL },
	{ "outreach", "the mobile team's cases and interventions (notes and outcomes' text erased; dates, kinds and"
	  " case outcomes stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, NULL, RETENTION_ANONYMISE, SOCIAL_BASIS, NULL },
	{ "caf", "CAF signals, benefit decisions and ADIL contacts attached to the household (CAF number, address,"
	  " holder's name, reasons and subject erased; dates, amounts and decisions stay)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, SOCIAL_START, "a benefit decision not applied", RETENTION_ANONYMISE,
	  SOCIAL_BASIS "; décret 2026-84 (CAF arrears and benefit decisions)", NULL },
	{ "caf_unmatched", "CAF signals that matched no household (deleted), and the ADIL's contacts of no household"
	  " (subject erased; date, caller and outcome stay, as the key figures count them)",
	  SOCIAL_MONTHS, RETENTION_MONTHS, "the signal's or the contact's date, or its last change when later", NULL,
	  RETENTION_DELETE, SOCIAL_BASIS "; décret 2026-84", NULL },
	{ "audit", "the audit log: who read or wrote which record, when (ids only, no personal data)",
	  365, RETENTION_DAYS, "the access or change it records", NULL, RETENTION_DELETE,
	  "CNIL, recommandation relative aux mesures de journalisation (2021): 6 months to 1 year",
	  "prevex purge --days N" },
	{ "feed_event", "change-feed events (ids, statuses and dates, no personal data)",
	  90, RETENTION_DAYS, "the event's publication", "a webhook has not yet turned it into a delivery",
	  RETENTION_DELETE, "RGPD art. 5.1.c and 5.1.e (minimisation, limited retention)",
	  "prevex purge --feed-days M" },
	{ "webhook_delivery", "webhook deliveries and their attempts",
	  90, RETENTION_DAYS, "the delivery's end (delivered or given up)", "the delivery is pending",
	  RETENTION_DELETE, "RGPD art. 5.1.c and 5.1.e (minimisation, limited retention)",
	  "prevex purge --feed-days M" },
	{ "import", "bulk import requests: idempotency keys, answers and the items sent (which carry names and"
	  " addresses)",
	  48, RETENTION_HOURS, "the import request", "the import job is not finished", RETENTION_DELETE,
	  "RGPD art. 5.1.e (kept only to answer a repeated request)", "PREVEX_IMPORT_KEEP_HOURS (24 to 8760)" },
};

const struct retention_rule *retention_rules(size_t *count)
{
	*count = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

const struct retention_rule *retention_rule_find(const char *record)
{
	if (record == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].record, record) == 0)
			return &rules[i];
	return NULL;
}

const char *retention_unit_name(enum retention_unit unit)
{
	switch (unit) {
	case RETENTION_HOURS:
		return "hours";
	case RETENTION_DAYS:
		return "days";
	case RETENTION_MONTHS:
		return "months";
	}
	return "";
}

const char *retention_action_name(enum retention_action action)
{
	switch (action) {
	case RETENTION_ANONYMISE:
		return "anonymise";
	case RETENTION_DELETE:
		return "delete";
	}
	return "";
}

void retention_duration_format(char *out, size_t len, const struct retention_rule *rule)
{
	if (rule->unit == RETENTION_HOURS)
		snprintf(out, len, "PT%dH", rule->amount);
	else
		snprintf(out, len, "P%d%c", rule->amount, rule->unit == RETENTION_DAYS ? 'D' : 'M');
}

int retention_reason_check(const char *reason, struct err *err)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)reason; *p != '\0'; p++)
		chars += (*p & 0xC0) != 0x80;
	if (chars == 0 || chars > RETENTION_REASON_MAX)
		return err_set(err, ERR_INVALID, "reason", "reason takes 1 to %d characters", RETENTION_REASON_MAX);
	return ERR_OK;
}
