/*
 * html.h — pages written by the server: a growing buffer and the one
 * place text becomes HTML. html_fmt's %s escapes (& < > " ' become
 * entities), so a handler never pastes a value into markup unescaped;
 * %r inserts trusted markup (a literal of the program, or a fragment
 * this module built); %d and %D are integers. No other conversion exists.
 */
#ifndef OP_HTML_H
#define OP_HTML_H

#include <stddef.h>
#include <stdint.h>

struct op_html {
	char *buf;	/* NUL-terminated; NULL until something is written */
	size_t len, cap;
	int oom;	/* an allocation failed: the page is incomplete */
};

/* Append text escaped, or markup as is. */
void html_text(struct op_html *h, const char *s);
void html_raw(struct op_html *h, const char *s);
void html_rawn(struct op_html *h, const char *s, size_t n);
/* Append fmt with %s (escaped text; NULL writes nothing), %r (raw
 * markup), %d (int), %D (int64_t) and %%. */
void html_fmt(struct op_html *h, const char *fmt, ...);
/* Take the buffer (the caller frees it; "" when empty) and reset h. */
char *html_take(struct op_html *h, size_t *len);
void html_free(struct op_html *h);

/* Escape s into out (at most n bytes with the NUL): for tests. */
void html_escape(char *out, size_t n, const char *s);

#endif
