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

#include "csv.h"
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

struct range {
	uint32_t lo, hi;
};

/* Combining marks, zero-width and format characters: no cell of their
 * own. Checked before the wide table (kana voicing marks sit inside it). */
static const struct range zero_w[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD },
	{ 0x05BF, 0x05BF }, { 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 },
	{ 0x05C7, 0x05C7 }, { 0x0610, 0x061A }, { 0x061C, 0x061C },
	{ 0x064B, 0x065F }, { 0x0670, 0x0670 }, { 0x06D6, 0x06DC },
	{ 0x06DF, 0x06E4 }, { 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED },
	{ 0x0900, 0x0902 }, { 0x093A, 0x093A }, { 0x093C, 0x093C },
	{ 0x0941, 0x0948 }, { 0x094D, 0x094D }, { 0x0951, 0x0957 },
	{ 0x0962, 0x0963 }, { 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A },
	{ 0x0E47, 0x0E4E }, { 0x0EB1, 0x0EB1 }, { 0x0EB4, 0x0EBC },
	{ 0x0EC8, 0x0ECD }, { 0x0F18, 0x0F19 }, { 0x0F71, 0x0F7E },
	{ 0x0F80, 0x0F84 }, { 0x1160, 0x11FF }, { 0x1AB0, 0x1AFF },
	{ 0x1DC0, 0x1DFF }, { 0x200B, 0x200F }, { 0x202A, 0x202E },
	{ 0x2060, 0x2064 }, { 0x20D0, 0x20FF }, { 0x302A, 0x302D },
	{ 0x3099, 0x309A }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F },
	{ 0xFEFF, 0xFEFF }, { 0x1F3FB, 0x1F3FF }, { 0xE0001, 0xE0001 },
	{ 0xE0020, 0xE007F }, { 0xE0100, 0xE01EF },
};

/* East Asian Wide and Fullwidth (UAX #11), grouped by block. */
static const struct range wide_w[] = {
	{ 0x1100, 0x115F },	/* Hangul Jamo leading consonants */
	{ 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 }, { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE },
	{ 0x2614, 0x2615 }, { 0x2648, 0x2653 }, { 0x267F, 0x267F },
	{ 0x2693, 0x2693 }, { 0x26A1, 0x26A1 }, { 0x26AA, 0x26AB },
	{ 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 }, { 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 },
	{ 0x26F5, 0x26F5 }, { 0x26FA, 0x26FA }, { 0x26FD, 0x26FD },
	{ 0x2705, 0x2705 }, { 0x270A, 0x270B }, { 0x2728, 0x2728 },
	{ 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27B0, 0x27B0 },
	{ 0x27BF, 0x27BF }, { 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 },
	{ 0x2B55, 0x2B55 },
	{ 0x2E80, 0x303E },	/* CJK radicals, Kangxi, CJK punctuation */
	{ 0x3041, 0x33FF },	/* kana, Bopomofo, Hangul compat, enclosed */
	{ 0x3400, 0x4DBF },	/* CJK extension A */
	{ 0x4E00, 0x9FFF },	/* CJK unified ideographs */
	{ 0xA000, 0xA4CF },	/* Yi */
	{ 0xA960, 0xA97F },	/* Hangul Jamo extended A */
	{ 0xAC00, 0xD7A3 },	/* Hangul syllables */
	{ 0xF900, 0xFAFF },	/* CJK compatibility ideographs */
	{ 0xFE10, 0xFE19 },	/* vertical forms */
	{ 0xFE30, 0xFE6F },	/* CJK compatibility and small forms */
	{ 0xFF00, 0xFF60 },	/* full-width ASCII and punctuation */
	{ 0xFFE0, 0xFFE6 },	/* full-width signs: ￥ ￠ */
	{ 0x16FE0, 0x16FE4 }, { 0x16FF0, 0x16FF1 },
	{ 0x17000, 0x18CFF },	/* Tangut */
	{ 0x18D00, 0x18D08 },
	{ 0x1AFF0, 0x1B2FF },	/* kana supplement and extensions */
	{ 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF }, { 0x1F18E, 0x1F18E },
	{ 0x1F191, 0x1F19A },
	{ 0x1F200, 0x1F202 }, { 0x1F210, 0x1F23B }, { 0x1F240, 0x1F248 },
	{ 0x1F250, 0x1F251 }, { 0x1F260, 0x1F265 },
	/* emoji */
	{ 0x1F300, 0x1F320 }, { 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C },
	{ 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA }, { 0x1F3CF, 0x1F3D3 },
	{ 0x1F3E0, 0x1F3F0 }, { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F43E },
	{ 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC }, { 0x1F4FF, 0x1F53D },
	{ 0x1F54B, 0x1F54E }, { 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A },
	{ 0x1F595, 0x1F596 }, { 0x1F5A4, 0x1F5A4 }, { 0x1F5FB, 0x1F64F },
	{ 0x1F680, 0x1F6C5 }, { 0x1F6CC, 0x1F6CC }, { 0x1F6D0, 0x1F6D2 },
	{ 0x1F6D5, 0x1F6D7 }, { 0x1F6DC, 0x1F6DF }, { 0x1F6EB, 0x1F6EC },
	{ 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7EB }, { 0x1F7F0, 0x1F7F0 },
	{ 0x1F90C, 0x1F93A }, { 0x1F93C, 0x1F945 }, { 0x1F947, 0x1F9FF },
	{ 0x1FA70, 0x1FAFF },
	{ 0x20000, 0x2FFFD },	/* CJK extensions B-F, compatibility supp. */
	{ 0x30000, 0x3FFFD },	/* CJK extension G */
};

static int in_table(uint32_t c, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c < t[mid].lo)
			hi = mid;
		else if (c > t[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

static int cp_width(uint32_t c)
{
	if (c < 0x300)
		return 1;
	if (in_table(c, zero_w, sizeof(zero_w) / sizeof(zero_w[0])))
		return 0;
	if (in_table(c, wide_w, sizeof(wide_w) / sizeof(wide_w[0])))
		return 2;
	return 1;
}

/* Decode one UTF-8 sequence (valid.h); 0 when the byte at s does not start
 * a valid sequence (it then counts as one cell). */
static size_t dec(const unsigned char *s, uint32_t *cp)
{
	return op_utf8_decode(s, SIZE_MAX, cp);
}

int op_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	if (!s)
		return 0;
	while (*p) {
		uint32_t c;
		size_t k = dec(p, &c);

		if (!k) {
			w++;
			p++;
			continue;
		}
		w += cp_width(c);
		p += k;
	}
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
 * kind is still printed, as a string. */
static void json_value(FILE *fp, const char *v, enum op_kind k)
{
	if (!v)
		fputs("null", fp);
	else if ((k == OP_K_INT || k == OP_K_REAL) && json_number(v))
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
		json_value(fp, vals[i], kinds ? kinds[i] : OP_K_TEXT);
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
		o->cells[base + i] = vals[i] ? xstrdup(vals[i]) : NULL;
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
	w = xcalloc((size_t)n, sizeof(int));
	right = xcalloc((size_t)n, sizeof(int));
	for (i = 0; i < n; i++) {
		int any = 0, all = 1;

		w[i] = op_display_width(o->cols[i]);
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
	table_line(o->fp, n, w, right, o->cols, NULL);
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
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
		int nw = op_display_width(names[i]);

		if (nw > w)
			w = nw;
	}
	for (i = 0; i < n; i++) {
		const char *v = vals[i] ? vals[i] : "";

		if (!*v) {
			fprintf(fp, "%s\n", names[i] ? names[i] : "");
			continue;
		}
		op_pad(fp, names[i] ? names[i] : "", w + 2);
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
