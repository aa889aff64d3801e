/*
 * out.h — how the client prints records: aligned tables for people, JSON
 * and CSV for programs.
 *
 * Commands never printf records themselves; they hand rows to an op_out.
 * Human tables are buffered until op_out_end so columns can be aligned by
 * display width: CJK (East Asian Wide/Fullwidth) code points count two
 * cells, combining marks zero. JSON output is an array of objects (one object
 * for op_out_record); CSV is RFC 4180 with a header line.
 */
#ifndef OP_OUT_H
#define OP_OUT_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

enum op_fmt { OP_FMT_TABLE, OP_FMT_JSON, OP_FMT_CSV };

/* Value kinds, so JSON can print numbers as numbers and NULL as null. */
enum op_kind { OP_K_NULL, OP_K_INT, OP_K_REAL, OP_K_TEXT };

typedef struct op_out op_out;

/* Create a printer writing to fp (borrowed, must outlive the op_out). */
op_out *op_out_new(FILE *fp, enum op_fmt fmt);

/* Declare the columns (copied). Must come before the first row. */
void op_out_cols(op_out *o, int n, const char *const *names);

/* One row: n values (copied), kinds may be NULL (all text; a NULL value is
 * printed empty in tables and CSV, null in JSON). */
void op_out_row(op_out *o, const char *const *vals, const enum op_kind *kinds);

/* Print every remaining row of a prepared statement, columns named by
 * sqlite3_column_name, kinds from sqlite3_column_type. Declares the columns
 * itself when none were declared. Returns the number of rows, or -1 on a
 * step error (the statement's error is left for the caller to read). */
int op_out_stmt(op_out *o, sqlite3_stmt *st);

/* The same printing at most max rows; *total gets how many the statement
 * gave (the rest are stepped through and counted, not printed). */
int op_out_stmt_max(op_out *o, sqlite3_stmt *st, int64_t max, int64_t *total);

/* Finish: tables are aligned and written (a "(no rows)" line to stderr
 * is NOT printed; an empty table prints just the header), JSON array closed.
 * Frees o. NULL-safe. */
void op_out_end(op_out *o);

/* One record shown vertically for people ("name    张三"), as one JSON
 * object, or as a one-row CSV. Field kinds as op_out_row. */
void op_out_record(FILE *fp, enum op_fmt fmt, int n, const char *const *names,
		   const char *const *vals, const enum op_kind *kinds);

/* Same from the current row of a statement (after sqlite3_step == ROW). */
void op_out_record_stmt(FILE *fp, enum op_fmt fmt, sqlite3_stmt *st);

/* JSON string escaping (UTF-8 passed through, control chars \uXXXX). */
void op_json_str(FILE *fp, const char *s);

/* One JSON value v of column name: null, a number (INT/REAL kinds, and
 * money columns, labels.h), else a string. */
void op_json_cell(FILE *fp, const char *name, const char *v, enum op_kind k);
/* HTML text and attribute escaping, the one place pages are escaped:
 * & < > " ' as entities, control characters (but tab) as spaces. NULL
 * prints nothing. */
void op_html_esc(FILE *fp, const char *s);

/* Terminal cells a UTF-8 string occupies (tabs count 1, invalid bytes 1). */
int op_display_width(const char *s);

/* Print s padded with spaces to `cells` display cells (left aligned). */
void op_pad(FILE *fp, const char *s, int cells);

/* A horizontal bar of `cells` cells scaled value/max, drawn with block
 * characters (█ and the eighth blocks ▏▎▍▌▋▊▉) for text charts. */
void op_bar(FILE *fp, double value, double max, int cells);

#endif
