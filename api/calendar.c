#include "api/calendar.h"

#include "domain/calendar_day.h"
#include "domain/delay.h"

#define CALENDAR_RULE "CPC art. 640-642"

/* The query parameter name as a date of the service's window. */
static int query_date(const struct req *req, const char *name, struct date *out, struct err *err)
{
	const char *s = req_query(req, name);
	if (s == NULL)
		return err_set(err, ERR_INVALID, name, "%s is required (YYYY-MM-DD)", name);
	return calendar_day_parse(out, s, name, err);
}

/* Returns a new reference, or NULL when out of memory. */
static json_t *day_json(const struct date *d)
{
	struct calendar_day day;
	char s[DATE_STR_LEN];
	calendar_day_describe(&day, d);
	date_format(s, d);
	json_t *holiday = day.holiday_id == NULL ? json_null()
						  : json_pack("{ss ss}", "id", day.holiday_id, "name", day.holiday_name);
	return json_pack("{ss ss sb so sb sb}", "date", s, "weekday", calendar_day_weekday_name(day.weekday),
			 "working_day", day.working_day, "holiday", holiday, "winter_truce", day.winter_truce,
			 "eviction_allowed", day.eviction_allowed);
}

/* Returns a new reference, or NULL when out of memory. */
static json_t *days_json(const struct date *from, const struct date *to)
{
	json_t *days = json_array();
	for (struct date d = *from; days != NULL && date_cmp(&d, to) <= 0; date_add_days(&d, &d, 1))
		if (json_array_append_new(days, day_json(&d)) != 0) {
			json_decref(days);
			days = NULL;
		}
	return days;
}

int calendar_list_days(struct req *req, struct reply *rep, struct err *err)
{
	struct date from, to;
	int rc = query_date(req, "from", &from, err);
	if (rc == ERR_OK)
		rc = query_date(req, "to", &to, err);
	if (rc == ERR_OK)
		rc = calendar_day_check_range(&from, &to, "to", err);
	if (rc != ERR_OK)
		return rc;
	json_t *days = days_json(&from, &to);
	if (days == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	char f[DATE_STR_LEN], t[DATE_STR_LEN];
	date_format(f, &from);
	date_format(t, &to);
	/* json_pack's o steals days, even when it fails */
	return reply_json(rep, 200, json_pack("{ss ss so}", "from", f, "to", t, "days", days));
}

int calendar_add_delay(struct req *req, struct reply *rep, struct err *err)
{
	struct date from;
	struct duration dur;
	enum rule_kind kind = RULE_DELAY_TO_ACT;
	struct delay_end end;
	const char *delay = req_query(req, "delay"), *kind_s = req_query(req, "kind");
	int rc = query_date(req, "date", &from, err);
	if (rc == ERR_OK)
		rc = delay_parse(&dur, delay, "delay", err);
	if (rc == ERR_OK && kind_s != NULL && delay_kind_from_string(kind_s, &kind) != 0)
		rc = err_set(err, ERR_INVALID, "kind", "kind must be delay_to_act, waiting_period or notice_before");
	if (rc == ERR_OK)
		rc = delay_end_compute(&end, &from, &dur, kind, err);
	if (rc != ERR_OK)
		return rc;
	char d[DATE_STR_LEN], e[DATE_STR_LEN], u[DATE_STR_LEN];
	date_format(d, &from);
	date_format(e, &end.end);
	date_format(u, &end.unextended_end);
	return reply_json(rep, 200,
			  json_pack("{ss ss s{si ss} ss ss ss sb ss}", "date", d, "delay", delay, "duration", "amount",
				    dur.amount, "unit", delay_unit_to_string(dur.unit), "kind",
				    delay_kind_to_string(kind), "end_on", e, "unextended_end_on", u, "extended",
				    end.extended, "rule", CALENDAR_RULE));
}
