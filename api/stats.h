/* Statistics: the key figures of a year and the acts per period, as JSON
 * or, with Accept: text/csv, as CSV. The préfecture and the département
 * count every case; any other organisation its own cases only. */
#ifndef API_STATS_H
#define API_STATS_H

#include "api/http.h"

int stats_key_figures(struct req *req, struct reply *rep, struct err *err);
int stats_acts(struct req *req, struct reply *rep, struct err *err);

#endif
