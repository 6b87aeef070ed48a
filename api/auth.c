#include "api/auth.h"

#include "api/log.h"

int auth_authenticate(struct req *req, struct err *err)
{
	log_json(LOG_INFO, "auth_rejected",
		 json_pack("{ss ss}", "request_id", req->request_id, "reason", "no token verification configured"));
	return err_set(err, ERR_UNAUTHORIZED, "", "a valid bearer token is required");
}
