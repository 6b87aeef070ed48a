/* Opaque pagination cursors: base64url of the keyset position. */
#ifndef API_CURSOR_H
#define API_CURSOR_H

#include "api/http.h"
#include "storage/orgs_store.h"

/* Writes the cursor for next into out (at least 160 bytes). */
void cursor_encode(const struct page_cursor *next, char *out, size_t len);

/* Reads a cursor's text (NULL or "" leave out->set false); ERR_INVALID
 * naming "cursor" when it is not one of ours. */
int cursor_parse(const char *text, struct page_cursor *out, struct err *err);

/* Reads the `cursor` query parameter into *out (out->set false when absent);
 * ERR_INVALID naming "cursor" when it is not one of ours. */
int cursor_from_query(const struct req *req, struct page_cursor *out, struct err *err);

/* cursor_from_query() for a list keyed by (created_at, a UUID id). */
int cursor_from_query_uuid(const struct req *req, struct page_cursor *out, struct err *err);

/* Reads `limit`: default def, 1..max, else ERR_INVALID naming "limit". */
int cursor_limit(const struct req *req, int def, int max, int *out, struct err *err);

/* Returns a new {"items": [...], "next_cursor": ...} object built from the
 * page's JSON texts; NULL when out of memory or an item is not JSON. */
json_t *cursor_page_json(const struct json_page *page);

#endif
