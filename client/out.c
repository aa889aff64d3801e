/*
 * out.c — printing records as aligned tables, JSON or CSV (see out.h).
 *
 * Every command hands its rows to an op_out instead of calling printf, so
 * one --json or --csv switch changes the output of all of them. JSON and
 * CSV are streamed row by row; human tables are kept until op_out_end,
 * because a column is only as wide as its widest cell, and "width" means
 * terminal cells: a Chinese name like 张三 takes four, an accent combining
 * with the letter before it none. The width tables below are ours (no
 * locale or ICU dependency) and cover what a store's data holds: CJK
 * ideographs and punctuation, kana, Hangul, full-width forms and emoji.
 *
 * The printing functions return nothing; running out of memory while
 * printing is not something a command can recover from, so it aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

#include "csv.h"
#include "labels.h"
#include "out.h"
#include "valid.h"

/* RFC 4180 ends CSV records with CRLF. */
#define CSV_EOL "\r\n"

struct op_out {
	FILE *fp;
	enum op_fmt fmt;
	int ncols;
	char **cols;
	/* tables: buffered cells, nrows * ncols, NULL for SQL NULL */
	char **cells;
	enum op_kind *kinds;
	size_t nrows, cap;
	/* JSON: rows written so far */
	size_t nout;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("outpost: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* Fresh zeroed arrays (never zero-sized, so NULL means out of memory). */
static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("outpost: out of memory\n", stderr);
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* ------------------------------------------------------------ width */

/* Cells of one code point, from ICU's Unicode data: combining marks,
 * format characters and Hangul medial/final jamo take none, East Asian
 * Wide/Fullwidth and emoji presentation take two. */
static int cp_width(UChar32 c)
{
	int8_t gc;

	if (c < 0x300)
		return 1;
	gc = u_charType(c);
	if (gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK || gc == U_FORMAT_CHAR)
		return 0;
	switch (u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE)) {
	case U_HST_VOWEL_JAMO:
	case U_HST_TRAILING_JAMO:
		return 0;
	}
	switch (u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH)) {
	case U_EA_WIDE:
	case U_EA_FULLWIDTH:
		return 2;
	}
	return u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION) ? 2 : 1;
}

/* Decode one UTF-8 sequence (valid.h); 0 when the byte at s does not start
 * a valid sequence (it then counts as one cell). */
static size_t dec(const unsigned char *s, uint32_t *cp)
{
	return op_utf8_decode(s, SIZE_MAX, cp);
}

/* A grapheme cluster (ICU's character break iterator: a ZWJ emoji
 * sequence, a letter and its marks, a flag) takes the cells of its first
 * code point that takes any: 👨‍👩‍👧 is two cells, not eight. An invalid
 * byte is one U+FFFD, one cell. */
int op_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	UChar stackbuf[256], *u = stackbuf;
	UErrorCode st = U_ZERO_ERROR;
	UBreakIterator *bi;
	int32_t n = 0, cap, a, b;
	size_t len;
	int w = 0;

	if (!s)
		return 0;
	for (len = 0; p[len] && p[len] < 0x80; len++)
		;
	if (!p[len])
		return (int)len;	/* ASCII */
	len += strlen((const char *)p + len);
	cap = (int32_t)(len + 1);
	if (cap > (int32_t)(sizeof(stackbuf) / sizeof(stackbuf[0])))
		u = xcalloc((size_t)cap, sizeof(UChar));
	while (*p) {
		uint32_t c;
		size_t k = dec(p, &c);

		if (!k) {
			c = 0xFFFD;
			k = 1;
		}
		U16_APPEND_UNSAFE(u, n, (UChar32)c);
		p += k;
	}
	bi = ubrk_open(UBRK_CHARACTER, "", u, n, &st);
	if (U_FAILURE(st)) {
		for (a = 0; a < n; ) {
			UChar32 c;
			U16_NEXT(u, a, n, c);
			w += cp_width(c);
		}
		goto out;
	}
	for (a = ubrk_first(bi); (b = ubrk_next(bi)) != UBRK_DONE; a = b) {
		int cw = 0;
		for (int32_t i = a; i < b && !cw; ) {
			UChar32 c;
			U16_NEXT(u, i, b, c);
			cw = cp_width(c);
		}
		w += cw;
	}
	ubrk_close(bi);
out:
	if (u != stackbuf)
		free(u);
	return w;
}

static void spaces(FILE *fp, int n)
{
	while (n-- > 0)
		fputc(' ', fp);
}

void op_pad(FILE *fp, const char *s, int cells)
{
	if (s)
		fputs(s, fp);
	spaces(fp, cells - op_display_width(s));
}

/* A table cell on one line: control characters (a newline in a note)
 * would break the columns, so they print as spaces; the width count
 * already gives them one cell. */
static void put_cell(FILE *fp, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

void op_bar(FILE *fp, double value, double max, int cells)
{
	/* U+2589..U+258F: 7/8 down to 1/8 */
	static const char *const part[8] = {
		"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
		"\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89",
	};
	long eighths = 0, i;

	if (cells <= 0)
		return;
	if (max > 0 && value > 0 && isfinite(value) && isfinite(max)) {
		double f = value >= max ? 1.0 : value / max;

		eighths = (long)(f * cells * 8 + 0.5);
	}
	for (i = 0; i < eighths / 8; i++)
		fputs("\xe2\x96\x88", fp);
	fputs(part[eighths % 8], fp);
	spaces(fp, cells - (int)(eighths / 8) - (eighths % 8 ? 1 : 0));
}

/* ------------------------------------------------------------ JSON, CSV */

void op_json_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	while (*p) {
		uint32_t c;
		size_t k;

		switch (*p) {
		case '"': fputs("\\\"", fp); p++; continue;
		case '\\': fputs("\\\\", fp); p++; continue;
		case '\n': fputs("\\n", fp); p++; continue;
		case '\r': fputs("\\r", fp); p++; continue;
		case '\t': fputs("\\t", fp); p++; continue;
		case '\b': fputs("\\b", fp); p++; continue;
		case '\f': fputs("\\f", fp); p++; continue;
		}
		if (*p < 0x20) {
			fprintf(fp, "\\u%04x", *p);
			p++;
			continue;
		}
		if (*p < 0x80) {
			fputc(*p++, fp);
			continue;
		}
		k = dec(p, &c);
		if (!k) {
			/* JSON must be UTF-8: stray bytes become U+FFFD */
			fputs("\xef\xbf\xbd", fp);
			p++;
		} else if (c == 0x2028 || c == 0x2029) {
			/* legal JSON, but not inside JavaScript strings */
			fprintf(fp, "\\u%04x", (unsigned)c);
			p += k;
		} else {
			fwrite(p, 1, k, fp);
			p += k;
		}
	}
	fputc('"', fp);
}

/* True when s is a JSON number, so an OP_K_INT/REAL value can go out
 * unquoted ("Inf" or "12abc" must not). */
static int json_number(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* The value pointer decides null-ness: a text under a stale OP_K_NULL
 * kind is still printed, as a string. Money is a number everywhere: the
 * "4009.00" of a money column goes out as 4009.00. */
void op_json_cell(FILE *fp, const char *name, const char *v, enum op_kind k)
{
	if (!v)
		fputs("null", fp);
	else if ((k == OP_K_INT || k == OP_K_REAL || op_label_is_money(name)) &&
		 json_number(v))
		fputs(v, fp);
	else
		op_json_str(fp, v);
}

static void json_object(FILE *fp, int n, const char *const *names,
			const char *const *vals, const enum op_kind *kinds)
{
	int i;

	fputc('{', fp);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		op_json_str(fp, names[i] ? names[i] : "");
		fputs(": ", fp);
		op_json_cell(fp, names[i], vals[i], kinds ? kinds[i] : OP_K_TEXT);
	}
	fputc('}', fp);
}

static void csv_line(FILE *fp, int n, const char *const *vals)
{
	int i;

	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', fp);
		op_csv_field(fp, vals[i]);
	}
	fputs(CSV_EOL, fp);
}

/* ------------------------------------------------------------ op_out */

op_out *op_out_new(FILE *fp, enum op_fmt fmt)
{
	op_out *o = xcalloc(1, sizeof(*o));

	o->fp = fp;
	o->fmt = fmt;
	return o;
}

void op_out_cols(op_out *o, int n, const char *const *names)
{
	int i;

	if (!o || o->cols || n < 0)
		return;
	o->ncols = n;
	o->cols = xcalloc((size_t)n, sizeof(char *));
	for (i = 0; i < n; i++)
		o->cols[i] = xstrdup(names[i] ? names[i] : "");
	if (o->fmt == OP_FMT_CSV)
		csv_line(o->fp, n, (const char *const *)o->cols);
}

void op_out_row(op_out *o, const char *const *vals, const enum op_kind *kinds)
{
	size_t base;
	int i;

	if (!o)
		return;
	switch (o->fmt) {
	case OP_FMT_JSON:
		fputs(o->nout++ ? ",\n" : "[\n", o->fp);
		json_object(o->fp, o->ncols, (const char *const *)o->cols, vals,
			    kinds);
		return;
	case OP_FMT_CSV:
		csv_line(o->fp, o->ncols, vals);
		return;
	case OP_FMT_TABLE:
		break;
	}
	if (o->nrows == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->cells = xrealloc(o->cells, sizeof(char *) * o->cap *
				    (size_t)o->ncols);
		o->kinds = xrealloc(o->kinds, sizeof(enum op_kind) * o->cap *
				    (size_t)o->ncols);
	}
	base = o->nrows * (size_t)o->ncols;
	for (i = 0; i < o->ncols; i++) {
		char local[32];
		const char *v = op_label_value(o->cols[i], vals[i], local, sizeof(local));

		o->cells[base + i] = v ? xstrdup(v) : NULL;
		o->kinds[base + i] = !vals[i] ? OP_K_NULL :
				     kinds ? kinds[i] : OP_K_TEXT;
	}
	o->nrows++;
}

static int numeric(enum op_kind k)
{
	return k == OP_K_INT || k == OP_K_REAL;
}

static void table_line(FILE *fp, int n, const int *w, const int *right,
		       char *const *vals, const enum op_kind *kinds)
{
	int i, last = -1;

	/* empty cells at the end of a line print nothing: no trailing blanks */
	for (i = 0; i < n; i++)
		if (vals[i] && vals[i][0])
			last = i;
	for (i = 0; i <= last; i++) {
		const char *v = vals[i] ? vals[i] : "";
		int pad = w[i] - op_display_width(v);
		int r = kinds ? numeric(kinds[i]) : right[i];

		if (i)
			fputs("  ", fp);
		if (r)
			spaces(fp, pad);
		put_cell(fp, v);
		if (!r && i < last)
			spaces(fp, pad);
	}
	fputc('\n', fp);
}

static void table_end(op_out *o)
{
	int n = o->ncols, i, *w, *right;
	size_t r;

	if (!o->cols)
		return;
	const char **head = xcalloc((size_t)n, sizeof(char *));
	w = xcalloc((size_t)n, sizeof(int));
	right = xcalloc((size_t)n, sizeof(int));
	for (i = 0; i < n; i++) {
		int any = 0, all = 1;

		head[i] = op_label(o->cols[i]);
		w[i] = op_display_width(head[i]);
		for (r = 0; r < o->nrows; r++) {
			const char *v = o->cells[r * (size_t)n + i];
			enum op_kind k = o->kinds[r * (size_t)n + i];
			int cw = op_display_width(v);

			if (cw > w[i])
				w[i] = cw;
			if (k != OP_K_NULL) {
				any = 1;
				all &= numeric(k);
			}
		}
		/* a heading sits over its numbers, right-aligned with them */
		right[i] = any && all;
	}
	table_line(o->fp, n, w, right, (char *const *)head, NULL);
	for (i = 0; i < n; i++) {
		int j;

		if (i)
			fputs("  ", o->fp);
		for (j = 0; j < w[i]; j++)
			fputc('-', o->fp);
	}
	fputc('\n', o->fp);
	for (r = 0; r < o->nrows; r++)
		table_line(o->fp, n, w, right, o->cells + r * (size_t)n,
			   o->kinds + r * (size_t)n);
	free(head);
	free(w);
	free(right);
}

void op_out_end(op_out *o)
{
	size_t i;
	int c;

	if (!o)
		return;
	switch (o->fmt) {
	case OP_FMT_TABLE:
		table_end(o);
		break;
	case OP_FMT_JSON:
		fputs(o->nout ? "\n]\n" : "[]\n", o->fp);
		break;
	case OP_FMT_CSV:
		break;
	}
	fflush(o->fp);
	for (i = 0; i < o->nrows * (size_t)o->ncols; i++)
		free(o->cells[i]);
	for (c = 0; c < o->ncols; c++)
		free(o->cols[c]);
	free(o->cells);
	free(o->kinds);
	free(o->cols);
	free(o);
}

/* ------------------------------------------------------------ statements */

static enum op_kind stmt_kind(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: return OP_K_INT;
	case SQLITE_FLOAT: return OP_K_REAL;
	case SQLITE_NULL: return OP_K_NULL;
	default: return OP_K_TEXT;
	}
}

/* The current row as strings. Blobs print as lowercase hex; they are
 * rare (keys, hashes) and raw bytes would garble a terminal. The strings
 * in vals are copies, freed by the caller with free_row. */
static void stmt_row(sqlite3_stmt *st, int n, char **vals, enum op_kind *kinds)
{
	static const char hex[] = "0123456789abcdef";
	int i, cols = sqlite3_column_count(st);

	for (i = 0; i < n; i++) {
		vals[i] = NULL;
		kinds[i] = OP_K_NULL;
		if (i >= cols)
			continue;
		kinds[i] = stmt_kind(st, i);
		if (kinds[i] == OP_K_NULL)
			continue;
		if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
			const unsigned char *b = sqlite3_column_blob(st, i);
			int len = sqlite3_column_bytes(st, i), j;

			vals[i] = xrealloc(NULL, (size_t)len * 2 + 1);
			for (j = 0; j < len; j++) {
				vals[i][2 * j] = hex[b[j] >> 4];
				vals[i][2 * j + 1] = hex[b[j] & 15];
			}
			vals[i][2 * len] = '\0';
		} else {
			const char *t = (const char *)sqlite3_column_text(st, i);

			vals[i] = xstrdup(t ? t : "");
		}
	}
}

static void free_row(int n, char **vals)
{
	int i;

	for (i = 0; i < n; i++)
		free(vals[i]);
}

static void stmt_cols(sqlite3_stmt *st, int n, const char **names)
{
	int i;

	for (i = 0; i < n; i++) {
		names[i] = sqlite3_column_name(st, i);
		if (!names[i])
			names[i] = "";
	}
}

int op_out_stmt(op_out *o, sqlite3_stmt *st)
{
	int64_t total;
	int rows = op_out_stmt_max(o, st, INT64_MAX, &total);

	return rows;
}

int op_out_stmt_max(op_out *o, sqlite3_stmt *st, int64_t max, int64_t *total)
{
	char **vals;
	enum op_kind *kinds;
	int rc, rows = 0, n;

	if (!o->cols) {
		const char **names;

		n = sqlite3_column_count(st);
		names = xcalloc((size_t)n, sizeof(char *));
		stmt_cols(st, n, names);
		op_out_cols(o, n, names);
		free(names);
	}
	n = o->ncols;
	vals = xcalloc((size_t)n, sizeof(char *));
	kinds = xcalloc((size_t)n, sizeof(enum op_kind));
	*total = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* past max the rows are only counted */
		if (++*total > max)
			continue;
		stmt_row(st, n, vals, kinds);
		op_out_row(o, (const char *const *)vals, kinds);
		free_row(n, vals);
		rows++;
	}
	free(vals);
	free(kinds);
	return rc == SQLITE_DONE ? rows : -1;
}

/* ------------------------------------------------------------ records */

void op_out_record(FILE *fp, enum op_fmt fmt, int n, const char *const *names,
		   const char *const *vals, const enum op_kind *kinds)
{
	int i, w = 0;

	switch (fmt) {
	case OP_FMT_JSON:
		json_object(fp, n, names, vals, kinds);
		fputc('\n', fp);
		return;
	case OP_FMT_CSV:
		csv_line(fp, n, names);
		csv_line(fp, n, vals);
		return;
	case OP_FMT_TABLE:
		break;
	}
	for (i = 0; i < n; i++) {
		int nw = op_display_width(op_label(names[i]));

		if (nw > w)
			w = nw;
	}
	for (i = 0; i < n; i++) {
		char local[32];
		const char *v = op_label_value(names[i], vals[i], local, sizeof(local));
		const char *label = names[i] ? op_label(names[i]) : "";

		if (!v || !*v) {
			fprintf(fp, "%s\n", label);
			continue;
		}
		op_pad(fp, label, w + 2);
		/* notes keep their line breaks, indented under the value */
		for (; *v; v++) {
			if (*v == '\n') {
				fputc('\n', fp);
				spaces(fp, w + 2);
			} else if (*v != '\r') {
				fputc((unsigned char)*v < 0x20 &&
				      *v != '\t' ? ' ' : *v, fp);
			}
		}
		fputc('\n', fp);
	}
}

void op_out_record_stmt(FILE *fp, enum op_fmt fmt, sqlite3_stmt *st)
{
	int n = sqlite3_column_count(st);
	const char **names = xcalloc((size_t)n, sizeof(char *));
	char **vals = xcalloc((size_t)n, sizeof(char *));
	enum op_kind *kinds = xcalloc((size_t)n, sizeof(enum op_kind));

	stmt_cols(st, n, names);
	stmt_row(st, n, vals, kinds);
	op_out_record(fp, fmt, n, names, (const char *const *)vals, kinds);
	free_row(n, vals);
	free(names);
	free(vals);
	free(kinds);
}

void op_html_esc(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\t')
				fputc(' ', fp);
			else
				fputc(*s, fp);
		}
	}
}
