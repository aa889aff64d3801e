/*
 * recfile.c — the record file: its place in the tree and its text (see
 * recfile.h). Writing and reading live side by side so they cannot drift.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "recfile.h"

void op_recfile_shard(const char *id, char out[5])
{
	size_t n = strlen(id);
	memcpy(out, "____", 5);
	if (n < 4)
		return;
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)id[n - 4 + i];
		if (c >= 0x80 || !isxdigit(c))
			return;
	}
	for (int i = 0; i < 4; i++)
		out[i] = (char)tolower((unsigned char)id[n - 4 + i]);
}

int op_recfile_name(const char *id, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		int keep = *p < 0x80 && (isalnum(*p) || *p == '_' || *p == '-' ||
					 (*p == '.' && p != (const unsigned char *)id));
		if (o + 4 >= n)
			return -1;
		if (keep) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (!*id) {	/* an empty id: "%00", which no other id can give */
		if (n < 4)
			return -1;
		memcpy(out, "%00", 4);
		return 0;
	}
	if (n)
		out[o] = '\0';
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *op_recfile_id(const char *name)
{
	char *out = malloc(strlen(name) + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = name; *p; p++) {
		if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

int op_recfile_path(char *out, size_t n, const struct op_table *t, const char *id)
{
	char sh[5], name[400];
	if (op_recfile_name(id, name, sizeof(name)) < 0)
		return -1;
	op_recfile_shard(id, sh);
	int w = snprintf(out, n, "%s/%.2s/%.2s/%s", t->name, sh, sh + 2, name);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

struct text {
	char **p;
	size_t *cap, len;
	int oom;
};

static void add(struct text *x, const void *s, size_t n)
{
	if (x->oom)
		return;
	if (x->len + n + 1 > *x->cap) {
		size_t cap = *x->cap ? *x->cap : 512;
		while (x->len + n + 1 > cap)
			cap *= 2;
		char *np = realloc(*x->p, cap);
		if (!np) {
			x->oom = 1;
			return;
		}
		*x->p = np;
		*x->cap = cap;
	}
	memcpy(*x->p + x->len, s, n);
	x->len += n;
	(*x->p)[x->len] = '\0';
}

long op_recfile_text(const struct op_table *t, sqlite3_stmt *st, char **buf, size_t *cap)
{
	struct text x = { buf, cap, 0, 0 };
	char num[64];

	add(&x, "", 0);
	for (int c = 0; c < t->ncols; c++) {
		int type = sqlite3_column_type(st, c);
		if (type == SQLITE_NULL)
			continue;
		add(&x, t->cols[c].name, strlen(t->cols[c].name));
		add(&x, ": ", 2);
		if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
			int k = type == SQLITE_INTEGER ?
				snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, c)) :
				snprintf(num, sizeof(num), "%.17g", sqlite3_column_double(st, c));
			add(&x, num, (size_t)k);
		} else {
			const unsigned char *s = sqlite3_column_text(st, c);
			size_t n = (size_t)sqlite3_column_bytes(st, c), from = 0;
			for (size_t i = 0; i < n; i++) {
				const char *esc = s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r" :
						  s[i] == '\\' ? "\\\\" : s[i] == '\0' ? "\\0" : NULL;
				if (!esc)
					continue;
				add(&x, s + from, i - from);
				add(&x, esc, 2);
				from = i + 1;
			}
			add(&x, s + from, n - from);
		}
		add(&x, "\n", 1);
	}
	return x.oom ? -1 : (long)x.len;
}

int op_recfile_parse(struct op_recfile *r, const struct op_table *t, const void *data,
		     size_t len)
{
	memset(r, 0, sizeof(*r));
	if (!(r->copy = malloc(len + 1)))
		return -1;
	memcpy(r->copy, data, len);
	r->copy[len] = '\0';
	for (char *line = r->copy, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		int c = op_table_col(t, line);
		if (c < 0 || c >= 64)
			continue;	/* a column this build does not know */
		char *v = colon + 1 + (colon[1] == ' '), *o = v;
		for (char *p = v; *p; p++) {
			if (*p == '\\' && (p[1] == 'n' || p[1] == 'r' || p[1] == '\\' || p[1] == '0')) {
				p++;
				*o++ = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == '0' ? '\0' : '\\';
			} else {
				*o++ = *p;
			}
		}
		r->lens[c] = (size_t)(o - v);
		*o = '\0';
		r->vals[c] = v;
	}
	return 0;
}

void op_recfile_free(struct op_recfile *r)
{
	free(r->copy);
	r->copy = NULL;
}
