#include "api/cursor.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "api/secret.h"
#include "domain/parse.h"

void cursor_encode(const struct page_cursor *next, char *out, size_t len)
{
	char plain[128];
	int n = snprintf(plain, sizeof(plain), "1|%s|%s", next->after_time, next->after_id);
	if (n < 0 || (size_t)n >= sizeof(plain) || len < 4 * sizeof(plain) / 3 + 4) {
		out[0] = '\0';
		return;
	}
	secret_base64url((const unsigned char *)plain, (size_t)n, out);
}

static bool time_chars_ok(const char *s)
{
	if (*s == '\0')
		return true; /* an id-only cursor */
	for (; *s; s++)
		if (!strchr("0123456789-:. +T", *s))
			return false;
	return true;
}

int cursor_parse(const char *c, struct page_cursor *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL || *c == '\0')
		return ERR_OK;
	size_t n = strlen(c);
	if (n > 200)
		return err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	char b64[212];
	size_t i;
	for (i = 0; i < n; i++) {
		char ch = c[i];
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			return err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
		b64[i] = ch;
	}
	while (i % 4 != 0)
		b64[i++] = '=';
	b64[i] = '\0';
	unsigned char plain[200];
	int len = EVP_DecodeBlock(plain, (const unsigned char *)b64, (int)i);
	if (len < 0)
		return err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (len > 0 && plain[len - 1] == '\0')
		len--;
	plain[len] = '\0';
	char *text = (char *)plain;
	char *bar1 = strchr(text, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
	if (strncmp(text, "1|", 2) != 0 || bar2 == NULL)
		return err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	*bar2 = '\0';
	const char *time = bar1 + 1, *id = bar2 + 1;
	int64_t num;
	if (strlen(time) >= sizeof(out->after_time) || !time_chars_ok(time) ||
	    !(parse_is_uuid(id) || parse_i64(id, 1, INT64_MAX, &num) == 0))
		return err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	snprintf(out->after_time, sizeof(out->after_time), "%s", time);
	snprintf(out->after_id, sizeof(out->after_id), "%s", id);
	out->set = true;
	return ERR_OK;
}

int cursor_from_query(const struct req *req, struct page_cursor *out, struct err *err)
{
	return cursor_parse(req_query(req, "cursor"), out, err);
}

int cursor_from_query_uuid(const struct req *req, struct page_cursor *out, struct err *err)
{
	int rc = cursor_from_query(req, out, err);
	if (rc == ERR_OK && out->set && (!parse_is_uuid(out->after_id) || out->after_time[0] == '\0'))
		return err_set(err, ERR_INVALID, "cursor", "not a cursor of this list");
	return rc;
}

int cursor_limit(const struct req *req, int def, int max, int *out, struct err *err)
{
	return req_query_int(req, "limit", 1, max, def, out, err);
}

json_t *cursor_page_json(const struct json_page *page)
{
	json_t *items = json_array();
	for (int i = 0; items != NULL && i < page->count; i++) {
		json_t *item = json_loads(page->items[i], 0, NULL);
		if (item == NULL || json_array_append_new(items, item) != 0) {
			json_decref(items);
			return NULL;
		}
	}
	json_t *next = json_null();
	if (page->next.set) {
		char buf[200];
		cursor_encode(&page->next, buf, sizeof(buf));
		json_decref(next);
		next = json_string(buf);
	}
	return json_pack("{so so}", "items", items, "next_cursor", next);
}
