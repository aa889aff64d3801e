/*
 * report.h — the figures behind `outpost report`, `classify` and `remind`
 * (definitions in docs/REPORTS.md).
 *
 * A report is computed into an op_report: a few named sections, each a
 * small table of typed cells (text, counts, money, percentages) with one
 * column marked for the bar chart. Computing is separate from printing so
 * the CLI prints it as a table with text bars, JSON or CSV, the HTML page
 * draws the same sections as SVG charts, and tools/bench_reports.c times
 * exactly what the CLI runs. All SQL is static and goes through
 * op_db_stmt; nothing here writes except op_report_classify.
 *
 * Dates are 'YYYY-MM-DD' (the store's local calendar dates), times
 * 'YYYY-MM-DD HH:MM:SS' UTC as stored. Money is integer cents in the
 * store and yuan with two decimals in every output.
 */
#ifndef OP_REPORT_H
#define OP_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "db.h"
#include "out.h"

/* What a report covers. Every field may be left zero/NULL for its
 * default; the strings are borrowed for the duration of the call. */
struct op_report_opts {
	const char *from, *to;	/* period, inclusive; default: the 12 calendar
				 * months ending with the month of `to`, and
				 * `to` defaults to today (local date) */
	const char *branch;	/* branch code; default: every branch at HQ,
				 * the store's own site on a branch store */
	const char *by;		/* sales: month|quarter|branch|staff;
				 * products: product|category */
	int64_t limit;		/* products: rows (10); orders: overdue rows (20);
				 * classify list: rows (1000) */
	int64_t months;		/* customers: length of the period (3) */
	const char *now;	/* remind/service: UTC time, default the clock */
	int64_t days;		/* remind: look-ahead in days; < 0: 7 */
	const char *staff;	/* remind: a staff code */
	const char *cls;	/* classify list: class filter */
	const char *freq;	/* classify list: frequency filter */
};

typedef struct op_report op_report;

/* Every function below that reads the store tunes the connection for
 * large scans the first time: PRAGMA temp_store = MEMORY and a page cache
 * of at least 256 MiB (allocated only as pages are read). */

/* The reports `report NAME` runs, NULL-terminated, in the order the HTML
 * page shows them. */
extern const char *const op_report_names[];

/* Compute report name ("sales", "products", "customers", "channels",
 * "service", "orders", "staff") for o. Returns 0 and *out (free with
 * op_report_free), or -1 with op_db_err(db) set: EX_USAGE for an unknown
 * name or --by, EX_DATAERR for a bad date or a period that ends before it
 * starts, otherwise the translated SQLite error. */
int op_report_run(op_report **out, op_db *db, const char *name,
		  const struct op_report_opts *o);

/* Classify every customer as of as_of (NULL: today) and replace all rows
 * of customer_class in one transaction (op_db_begin with staff as the
 * actor). *out gets the counts per class and per frequency. 0 or -1 (db
 * error set; nothing written). */
int op_report_classify(op_report **out, op_db *db, const char *as_of,
		       const char *staff);

/* Customers with their stored class (classify list): o->cls, o->freq,
 * o->staff (owner) filter, o->limit rows, highest spend first. */
int op_report_classes(op_report **out, op_db *db,
		      const struct op_report_opts *o);

/* Reminders due by o->now + o->days (see docs/REPORTS.md), narrowed to
 * o->staff and o->branch. */
int op_report_remind(op_report **out, op_db *db,
		     const struct op_report_opts *o);

/* Print r to fp: an aligned table per section with a text bar chart, or
 * one JSON object (report meta + an array per section), or CSV (each
 * section's header and rows, sections separated by an empty line).
 * section, if not NULL, prints only that section; returns -1 (nothing
 * printed) when r has no such section, 0 otherwise. */
int op_report_print(FILE *fp, const op_report *r, enum op_fmt fmt,
		    const char *section);

/* The HTML page: every report of op_report_names for o (sales by month,
 * and by branch at HQ) as inline SVG bar charts and tables, one
 * self-contained UTF-8 document with no external references. 0, or -1
 * with the db error set (a write error on fp is the caller's to check). */
int op_report_html(FILE *fp, op_db *db, const struct op_report_opts *o);

/* Reading a computed report (read-only; owned by r). A section is a
 * table: ncols visible columns, nrows rows of cells (NULL for SQL NULL)
 * with their kinds, and per row the charted value and the scale it is
 * drawn against (scale <= 0: no bar on that row). */
struct op_rsec {
	const char *key;	/* JSON member, --section name: "sales" */
	const char *title;	/* "Sales by month" */
	int ncols;
	const char *const *names;
	const char *types;	/* per column: t text, i count, m money,
				 * p percent, n number */
	int bar;		/* the charted column, -1: none */
	size_t nrows;
	const char *const *cells;	/* nrows * ncols */
	const enum op_kind *kinds;
	const double *barv, *scale;	/* nrows each */
};
const char *op_report_name(const op_report *r);
const char *op_report_title(const op_report *r);	/* with period */
int op_report_nsections(const op_report *r);
const struct op_rsec *op_report_section(const op_report *r, int i);
/* Meta fields (from, to, branch, as_of...): key and value of the i-th,
 * or NULL past the end. The value may be NULL (JSON null). */
const char *op_report_meta(const op_report *r, int i, const char **value);

/* Rows in section (NULL: all sections), for callers that only count. */
size_t op_report_rows(const op_report *r, const char *section);

/* NULL-safe. */
void op_report_free(op_report *r);

#endif
