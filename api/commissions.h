/* /v1/commissions: sessions of the CCAPEX and of the CLILs, their agenda and
 * the opinions they give. Run by the secretariat (préfecture, département). */
#ifndef API_COMMISSIONS_H
#define API_COMMISSIONS_H

#include "api/http.h"

int commissions_create(struct req *req, struct reply *rep, struct err *err);
int commissions_list(struct req *req, struct reply *rep, struct err *err);
int commissions_get(struct req *req, struct reply *rep, struct err *err);
int commissions_update(struct req *req, struct reply *rep, struct err *err);
int commissions_agenda_add(struct req *req, struct reply *rep, struct err *err);
int commissions_agenda_remove(struct req *req, struct reply *rep, struct err *err);
int commissions_put_opinion(struct req *req, struct reply *rep, struct err *err);

#endif
