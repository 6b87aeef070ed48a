/* The CLIL toolbox letters to the tenant: information before the session,
 * invitation to it, the commission's recommendations (préconisations) and
 * an appointment. Templates are text files in templates/letters/ with
 * {{placeholders}}, compiled into the binary (templates/embed_letters.py);
 * they render as text/plain or as text/html, every value escaped. A
 * placeholder without a value refuses the letter (422 naming it): a letter
 * never goes out with a blank. */
#ifndef API_LETTERS_RENDER_H
#define API_LETTERS_RENDER_H

#include <stddef.h>

#include "api/http.h"
#include "domain/err.h"

struct letter_template {
	const char *kind;        /* "information", "invitation"... */
	const char *text;        /* UTF-8 with {{name}} placeholders */
};

/* In the generated letters_embedded.c. */
extern const struct letter_template letter_templates[];
extern const int letter_templates_count;

enum letter_format { LETTER_TEXT, LETTER_HTML };

/* The value of a placeholder, or NULL (or "") when it has none; borrowed. */
typedef const char *(*letter_lookup)(void *ctx, const char *name);

/* The template for kind, or NULL. */
const char *letters_template(const char *kind);

/* Renders tmpl into a malloc'd, NUL-terminated *out of *len bytes. Values
 * lose their control characters but line breaks; the HTML variant escapes
 * them and the template, and makes paragraphs of blank-line-separated
 * text. ERR_UNPROCESSABLE naming the first placeholder without a value;
 * ERR_INTERNAL for a malformed template. */
int letters_render(char **out, size_t *len, const char *tmpl, const char *title, enum letter_format fmt,
		   letter_lookup lookup, void *ctx, struct err *err);

/* Chooses text/html or text/plain from an Accept header (NULL: any) by
 * quality, HTML on a tie; ERR_NOT_ACCEPTABLE when neither is acceptable. */
int letters_negotiate(const char *accept, enum letter_format *out, struct err *err);

/* "3 décembre 2026" from "2026-12-03"; ERR_INVALID on field otherwise. */
int letters_french_date(char *out, size_t len, const char *iso, const char *field, struct err *err);

/* "1 234,56 €" */
void letters_french_amount(char *out, size_t len, long long cents);

/* GET /v1/referrals/{id}/letters/{kind} */
int letters_get(struct req *req, struct reply *rep, struct err *err);

#endif
