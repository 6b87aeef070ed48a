/* OAuth 2.0 client credentials (RFC 6749 §4.4), the caller's identity, and
 * the public keys. */
#ifndef API_TOKEN_H
#define API_TOKEN_H

#include "api/http.h"

int token_issue(struct req *req, struct reply *rep, struct err *err);
int token_me(struct req *req, struct reply *rep, struct err *err);
int token_jwks(struct req *req, struct reply *rep, struct err *err);

#endif
