/* What every handler shares: configuration, the database pool, the keys. */
#ifndef API_APP_H
#define API_APP_H

#include <stdatomic.h>

#include "api/config.h"
#include "storage/pool.h"

struct jwt_keyring;

struct app {
	struct config cfg;
	struct pool *pool;          /* owned */
	struct pool *replica_pool;  /* owned; NULL without PREVEX_REPLICA_DATABASE_URL */
	struct jwt_keyring *keys;   /* owned; NULL when no key is configured */
	atomic_int draining;        /* set on SIGTERM: answer, then close */
};

#endif
