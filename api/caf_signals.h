/* /v1/caf-signals: one CAF signal at a time, as an import item is (the
 * same members, the same matching, the same judgement and the same
 * idempotence on external_id), and the signals read back with the test
 * they met under the rule of their date. A CAF writes and reads its own;
 * the préfecture and the département read them all. */
#ifndef API_CAF_SIGNALS_H
#define API_CAF_SIGNALS_H

#include "api/http.h"

int caf_signals_post(struct req *req, struct reply *rep, struct err *err);
int caf_signals_list(struct req *req, struct reply *rep, struct err *err);
int caf_signals_get(struct req *req, struct reply *rep, struct err *err);

#endif
