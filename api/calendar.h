/* The French calendar for partners: days with their holiday, working-day,
 * winter-truce and enforcement flags, and the end of a legal delay under
 * CPC art. 640-642, computed by the engine's own domain code. No database;
 * any authenticated organisation may ask. */
#ifndef API_CALENDAR_H
#define API_CALENDAR_H

#include "api/http.h"

/* GET /v1/calendar?from=&to= */
int calendar_list_days(struct req *req, struct reply *rep, struct err *err);
/* GET /v1/calendar/add?date=&delay=&kind= */
int calendar_add_delay(struct req *req, struct reply *rep, struct err *err);

#endif
