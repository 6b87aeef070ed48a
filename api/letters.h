/* /v1/prevention-letters: letters sent to households, their answers and
 * what they led to, and the yearly figures of the socio-legal follow-up. */
#ifndef API_LETTERS_H
#define API_LETTERS_H

#include "api/http.h"

int prevention_letters_list(struct req *req, struct reply *rep, struct err *err);
int prevention_letters_create(struct req *req, struct reply *rep, struct err *err);
int prevention_letters_get(struct req *req, struct reply *rep, struct err *err);
int prevention_letters_update(struct req *req, struct reply *rep, struct err *err);
int prevention_letters_summary(struct req *req, struct reply *rep, struct err *err);

#endif
