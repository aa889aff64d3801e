/*
 * template.c — placeholder templates (see template.h). One table of
 * placeholders serves the check and the rendering, so whatever passes the
 * check renders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "template.h"
#include "valid.h"

static const struct {
	const char *zh, *en;
	unsigned bit;
} names[] = {
	{ "姓名", "name", OP_TPL_NAME }, { "称呼", "title", OP_TPL_TITLE },
	{ "积分", "points", OP_TPL_POINTS }, { "券码", "coupon", OP_TPL_COUPON },
	{ "门店", "store", OP_TPL_STORE },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static unsigned lookup(const char *s, size_t n)
{
	for (size_t i = 0; i < NNAMES; i++)
		if ((strlen(names[i].zh) == n && memcmp(names[i].zh, s, n) == 0) ||
		    (strlen(names[i].en) == n && memcmp(names[i].en, s, n) == 0))
			return names[i].bit;
	return 0;
}

int op_tpl_check(const char *tpl, size_t len, unsigned *uses, op_err *e)
{
	unsigned u = 0;
	if (!tpl || !len)
		return op_errc(e, EX_DATAERR, "template: empty");
	if (memchr(tpl, '\0', len))
		return op_errc(e, EX_DATAERR, "template: contains a NUL byte at offset %zu",
			       (size_t)((const char *)memchr(tpl, '\0', len) - tpl));
	if (!op_utf8_valid(tpl, len))
		return op_errc(e, EX_DATAERR, "template: not valid UTF-8");
	if (len > 4000)
		return op_errc(e, EX_DATAERR, "template: longer than 4000 bytes");
	for (size_t i = 0; i < len; i++) {
		if (tpl[i] == '}') {
			if (i + 1 < len && tpl[i + 1] == '}') {
				i++;
				continue;
			}
			return op_errc(e, EX_DATAERR, "template: '}' without '{' at offset %zu "
				       "(write }} for a brace)", i);
		}
		if (tpl[i] != '{')
			continue;
		if (i + 1 < len && tpl[i + 1] == '{') {
			i++;
			continue;
		}
		const char *close = memchr(tpl + i + 1, '}', len - i - 1);
		const char *open = memchr(tpl + i + 1, '{', len - i - 1);
		if (!close || (open && open < close))
			return op_errc(e, EX_DATAERR, "template: '{' at offset %zu is not closed "
				       "(write {{ for a brace)", i);
		size_t n = (size_t)(close - tpl) - i - 1;
		unsigned bit = lookup(tpl + i + 1, n);
		if (!bit)
			return op_errc(e, EX_DATAERR, "template: unknown placeholder {%.*s} "
				       "(known: {姓名} {称呼} {积分} {券码} {门店})", (int)n, tpl + i + 1);
		u |= bit;
		i += n + 1;
	}
	if (uses)
		*uses = u;
	return 0;
}

char *op_tpl_render(const char *tpl, const struct op_tpl_vars *v)
{
	char *buf = NULL, pts[32];
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);
	if (!fp)
		return NULL;
	snprintf(pts, sizeof(pts), "%lld", (long long)v->points);
	for (const char *p = tpl; *p; p++) {
		if ((*p == '{' || *p == '}') && p[1] == *p) {
			fputc(*p++, fp);
			continue;
		}
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (!close) {
			fputc(*p, fp);
			continue;
		}
		const char *val = "";
		switch (lookup(p + 1, (size_t)(close - p - 1))) {
		case OP_TPL_NAME: val = v->name; break;
		case OP_TPL_TITLE:
			val = !v->gender ? "" : strcmp(v->gender, "male") == 0 ? "先生" :
			      strcmp(v->gender, "female") == 0 ? "女士" : "";
			break;
		case OP_TPL_POINTS: val = pts; break;
		case OP_TPL_COUPON: val = v->coupon; break;
		case OP_TPL_STORE: val = v->store; break;
		}
		fputs(val ? val : "", fp);
		p = close;
	}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
