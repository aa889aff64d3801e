/*
 * html.c — the page buffer and HTML escaping (html.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "html.h"

void html_rawn(struct op_html *h, const char *s, size_t n)
{
	if (h->oom)
		return;
	if (h->len + n + 1 > h->cap) {
		size_t cap = h->cap ? h->cap : 4096;
		while (h->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(h->buf, cap);
		if (!b) {
			h->oom = 1;
			return;
		}
		h->buf = b;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void html_raw(struct op_html *h, const char *s)
{
	if (s)
		html_rawn(h, s, strlen(s));
}

void html_text(struct op_html *h, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *ent;
		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		html_rawn(h, run, (size_t)(s - run));
		html_raw(h, ent);
		run = s + 1;
	}
	html_rawn(h, run, (size_t)(s - run));
}

void html_fmt(struct op_html *h, const char *fmt, ...)
{
	va_list ap;
	char num[32];
	const char *run = fmt;

	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		html_rawn(h, run, (size_t)(p - run));
		switch (*++p) {
		case 's':
			html_text(h, va_arg(ap, const char *));
			break;
		case 'r':
			html_raw(h, va_arg(ap, const char *));
			break;
		case 'd':
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
			html_raw(h, num);
			break;
		case 'D':
			snprintf(num, sizeof(num), "%" PRId64, va_arg(ap, int64_t));
			html_raw(h, num);
			break;
		case '%':
			html_raw(h, "%");
			break;
		default:	/* a programmer's error: show it rather than guess */
			html_raw(h, "%?");
			if (!*p)
				p--;
			break;
		}
		run = p + 1;
	}
	html_raw(h, run);
	va_end(ap);
}

char *html_take(struct op_html *h, size_t *len)
{
	char *b = h->buf ? h->buf : strdup("");
	if (len)
		*len = h->buf ? h->len : 0;
	h->buf = NULL;
	h->len = h->cap = 0;
	h->oom = 0;
	return b;
}

void html_free(struct op_html *h)
{
	free(h->buf);
	h->buf = NULL;
	h->len = h->cap = 0;
}

void html_escape(char *out, size_t n, const char *s)
{
	struct op_html h = { 0 };
	html_text(&h, s);
	snprintf(out, n, "%s", h.buf ? h.buf : "");
	html_free(&h);
}
