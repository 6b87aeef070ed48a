/* Import jobs: threads that apply the stored items of large imports chunk
 * by chunk, each chunk committed with its items' results, so that a server
 * stopped mid-job resumes at the first chunk not applied. Several replicas
 * share the work (FOR UPDATE SKIP LOCKED). Also purges import keys past
 * their retention. */
#ifndef API_IMPORT_WORKER_H
#define API_IMPORT_WORKER_H

#include "api/app.h"

struct import_worker;

/* Starts cfg.import_workers threads (none when 0); *out is NULL then.
 * Returns 0, or -1 when a thread cannot start (nothing is left running). */
int import_worker_start(struct import_worker **out, struct app *app);

/* Asks the threads to stop after their current chunk and joins them; accepts NULL. */
void import_worker_stop(struct import_worker *w);

#endif
