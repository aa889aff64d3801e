/*
 * cmd_import.c — `outpost import customers FILE.csv [--dry-run]`.
 *
 * Stores start from spreadsheets. The first record of the file is the
 * header; each header names a customer field by any of the names in the
 * customer field table (cmd_customer.c: "姓名", "电话", "phone", ...), so
 * a sheet exported by Excel in a Chinese locale (GBK, see csv.h) imports as
 * it is. Real sheets carry more than that: a 序号 (row number) column, a
 * column nobody named. Those are reported once and skipped, or mapped with
 * --map 'COLUMN=FIELD'; --strict makes them fatal as they once were.
 *
 * Values are all-or-nothing: every row is validated exactly as `customer
 * add` validates its options, inside one transaction; one bad value rolls
 * the whole file back. Bad rows are all reported (up to a limit), each with
 * the line it starts on, so the sheet can be fixed in one pass. --dry-run
 * does the same work and rolls back at the end.
 *
 * A row whose customer is already in the store (the same phone; without a
 * phone the same email; without either an identical row), or earlier in
 * the same file, is a duplicate, reported on its line: by default its
 * values update the customer (--on-duplicate update; a row that says
 * nothing new changes nothing, so importing a file twice leaves the store
 * as the first import did), or it is skipped (skip), or added anyway
 * (add). A phone that already matches several customers is never guessed
 * at: the row is skipped and the customers named.
 *
 * Rows are validated with rec_norm and inserted the way rec_insert does it
 * (only the columns a row fills in are named, so column defaults apply),
 * but in batches of rows with one multi-row INSERT each, and with the
 * statements prepared once rather than per row: a prepare compiles the
 * journal and search triggers, and every statement makes FTS5 flush its
 * index. Row by row through rec_insert, 100,000 rows took 15 s; batched,
 * about 3 s.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "assign.h"
#include "cmds.h"
#include "csv.h"
#include "record.h"

#define NF op_customer_nfields
#define F op_customer_fields

/* How many bad rows are described before only counting the rest. */
#define MAX_REPORTED 20
/* Room for one normalised value (rec_insert allows the same). */
#define VALSZ 4096
/* INSERT statements kept, one per set of columns a row fills in (and
 * batch size). A sheet rarely has more than a handful of shapes. */
#define NINSERT 32
/* Rows per INSERT statement. SQLite opens a statement savepoint for every
 * INSERT inside the transaction and FTS5 flushes its pending index data at
 * each one: a row per statement spends most of its time in the search
 * index (12 s of CPU for 100,000 rows, against 3 s in batches of 64). */
#define BATCH_MAX 64

enum dup_mode { DUP_UPDATE, DUP_SKIP, DUP_ADD };
/* im->field[j] of a column that is not imported */
#define COL_BLANK (-1)		/* no header */
#define COL_SKIP (-2)		/* unknown header, or --map 'X=skip' */
#define COL_CUSTOM (-3)		/* a custom field: --map 'X=custom:KEY', --keep-unknown */
/* Custom-field columns a sheet may have. */
#define MAX_CUSTOM 32

/* A row's custom fields (borrowed from the row's cells and the header). */
struct custom {
	const char *key[MAX_CUSTOM], *val[MAX_CUSTOM];
	int n;
};

struct import {
	struct op_cli *cli;
	const char *name;	/* the file as the user named it */
	int strict;		/* unknown and blank-header columns are fatal */
	int keep_unknown;	/* unknown columns become custom fields */
	char **ckey;		/* per column: the custom field's key (COL_CUSTOM) */
	enum dup_mode dup;
	int ncols;		/* columns in the header */
	int *field;		/* per column: index into F, COL_BLANK or COL_SKIP */
	char *warned;		/* per column: its unheaded values were reported */
	long imported;		/* rows inserted */
	long bad;		/* rows refused */
	long updated, unchanged, skipped;	/* duplicates */
	long noted;		/* duplicate lines reported */
	char (*norm)[VALSZ];	/* NF normalised values of the current row */
	struct {
		uint64_t mask;	/* bit i: field i is in the column list */
		int rows;	/* rows in the VALUES list */
		sqlite3_stmt *st;
	} ins[NINSERT];
	int nins, next_evict;
	/* Valid rows not yet written, all filling the same fields (bmask);
	 * their values sit back to back in arena, boff[row][field]. */
	uint64_t bmask;
	int brows, bmax;
	long bline[BATCH_MAX];
	size_t boff[BATCH_MAX][OP_MAX_FIELDS];
	char *arena;
	size_t alen, acap;
	int constraint;		/* the last INSERT failed on a constraint */
};

static int is_blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* Copy a header cell without surrounding blanks: ASCII white space and the
 * ideographic space U+3000 that Chinese input methods type. */
static void trim_header(char *out, size_t n, const char *s)
{
	static const char IDSP[] = "\xe3\x80\x80";
	size_t len;

	for (;;) {
		if (isspace((unsigned char)*s))
			s++;
		else if (strncmp(s, IDSP, 3) == 0)
			s += 3;
		else
			break;
	}
	len = strlen(s);
	for (;;) {
		if (len && isspace((unsigned char)s[len - 1]))
			len--;
		else if (len >= 3 && memcmp(s + len - 3, IDSP, 3) == 0)
			len -= 3;
		else
			break;
	}
	snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), s);
}

/* The header names accepted, one field a line, after an unknown header. */
static void print_accepted(FILE *fp)
{
	fputs(_("accepted column names (any one of each line):\n"), fp);
	for (int i = 0; i < NF; i++) {
		fprintf(fp, "  %s", F[i].opt);
		if (strcmp(F[i].col, F[i].opt) != 0)
			fprintf(fp, ", %s", F[i].col);
		for (const char *h = F[i].headers; h && *h; ) {
			size_t l = strcspn(h, "|");
			/* the table repeats the column name among the headers */
			if (!(strlen(F[i].col) == l && strncmp(h, F[i].col, l) == 0))
				fprintf(fp, ", %.*s", (int)l, h);
			h += l + (h[l] == '|');
		}
		fputc('\n', fp);
	}
}

/* The --map target of header h ("COLUMN=FIELD" entries), or NULL. */
static const char *map_of(const char *h, const char *const *maps, int nmaps)
{
	for (int k = 0; k < nmaps; k++) {
		const char *eq = strchr(maps[k], '=');
		char col[256], t[256];
		size_t l = eq ? (size_t)(eq - maps[k]) : sizeof(col);
		if (l >= sizeof(col))
			continue;
		memcpy(col, maps[k], l);
		col[l] = '\0';
		trim_header(t, sizeof(t), col);
		if (strcmp(t, h) == 0)
			return eq + 1;
	}
	return NULL;
}

static int skip_word(const char *s)
{
	return !*s || strcmp(s, "-") == 0 || strcasecmp(s, "skip") == 0 ||
	       strcmp(s, "跳过") == 0 || strcmp(s, "忽略") == 0;
}

/* Headers of a row-number column, which is neither a field nor worth
 * keeping as one. */
static int row_number(const char *h)
{
	static const char *const names[] = { "序号", "行号", "#", "no", "no.", "编号序号", NULL };
	for (int i = 0; names[i]; i++)
		if (strcasecmp(h, names[i]) == 0)
			return 1;
	return 0;
}

/* Column j holds custom field key. 0, or -1 with cli->err set. */
static int set_custom(struct import *im, int j, const char *key)
{
	int n = 0;
	for (int k = 0; k < im->ncols; k++)
		n += im->field[k] == COL_CUSTOM;
	if (n >= MAX_CUSTOM)
		return op_errc(&im->cli->err, EX_DATAERR, "more than %d custom-field "
			       "columns", MAX_CUSTOM);
	if (custom_key_ok(im->cli, key) < 0)
		return -1;
	for (int k = 0; k < im->ncols; k++)
		if (im->field[k] == COL_CUSTOM && strcmp(im->ckey[k], key) == 0)
			return op_errc(&im->cli->err, EX_DATAERR, "two columns give the "
				       "custom field '%s'; keep one", key);
	if (!(im->ckey[j] = strdup(key)))
		return op_errc(&im->cli->err, EX_OSERR, "out of memory");
	im->field[j] = COL_CUSTOM;
	return 0;
}

/* Check the --map values before reading the file. 0, or an exit code. */
static int check_maps(struct op_cli *cli, const char *const *maps, int nmaps)
{
	for (int k = 0; k < nmaps; k++) {
		const char *eq = strchr(maps[k], '=');
		char to[256];
		if (!eq || eq == maps[k]) {
			int rc = cli_error(cli, EX_USAGE, "--map '%s': write it as "
					   "'COLUMN=FIELD' (or 'COLUMN=skip')", maps[k]);
			return rc;
		}
		trim_header(to, sizeof(to), eq + 1);
		if (strncmp(to, "custom:", 7) == 0) {
			if (custom_key_ok(cli, to + 7) < 0)
				return cli_fail(cli);
		} else if (!skip_word(to) && !rec_field(F, NF, to, 1)) {
			int rc = cli_error(cli, EX_USAGE, "--map '%s': no customer field "
					   "'%s'", maps[k], to);
			print_accepted(stderr);
			return rc;
		}
	}
	return 0;
}

/* Map the header record to fields. 0, or an exit code (error printed). */
static int map_header(struct import *im, char **cells, int n, long line,
		      const char *const *maps, int nmaps)
{
	struct op_cli *cli = im->cli;
	int at[OP_MAX_FIELDS];
	char h[256];

	for (int i = 0; i < NF; i++)
		at[i] = -1;
	im->ncols = n;
	im->field = calloc((size_t)n, sizeof(int));
	im->warned = calloc((size_t)n, 1);
	im->ckey = calloc((size_t)n, sizeof(char *));
	if (!im->field || !im->warned || !im->ckey)
		return cli_error(cli, EX_OSERR, "out of memory");
	for (int j = 0; j < n; j++) {
		trim_header(h, sizeof(h), cells[j]);
		im->field[j] = COL_BLANK;
		/* Excel leaves empty columns to the right of the data; what
		 * is written under them is reported when a row has some. */
		if (!h[0])
			continue;
		const char *to = map_of(h, maps, nmaps);
		char tob[256];
		if (to) {
			trim_header(tob, sizeof(tob), to);
			if (skip_word(tob)) {
				im->field[j] = COL_SKIP;
				continue;
			}
			if (strncmp(tob, "custom:", 7) == 0) {
				if (set_custom(im, j, tob + 7) < 0)
					return cli_fail(cli);
				continue;
			}
		}
		const struct op_field *f = rec_field(F, NF, to ? tob : h, 1);
		if (!f && !im->strict && row_number(h)) {
			cli_warn(cli, "line %ld: column %d '%s' is a row number; skipped",
				 line, j + 1, h);
			im->field[j] = COL_SKIP;
			continue;
		}
		if (!f && im->keep_unknown) {
			if (set_custom(im, j, h) < 0)
				return cli_fail(cli);
			continue;
		}
		if (!f && im->strict) {
			int rc = cli_error(cli, EX_DATAERR, "line %ld: unknown column "
					   "'%s' (column %d); nothing imported",
					   line, h, j + 1);
			print_accepted(stderr);
			return rc;
		}
		if (!f) {
			cli_warn(cli, "line %ld: column %d '%s' is not a customer field; "
				 "skipped (--map '%s=FIELD' imports it)", line, j + 1, h, h);
			im->field[j] = COL_SKIP;
			continue;
		}
		int i = (int)(f - F);
		if (at[i] >= 0) {
			char first[256];
			trim_header(first, sizeof(first), cells[at[i]]);
			return cli_error(cli, EX_DATAERR, "line %ld: columns '%s' and "
					 "'%s' both give the %s; keep one (--map '%s=skip')",
					 line, first, h, f->opt, h);
		}
		at[i] = j;
		im->field[j] = i;
	}
	for (int k = 0; k < nmaps; k++) {
		int found = 0;
		for (int j = 0; j < n && !found; j++) {
			trim_header(h, sizeof(h), cells[j]);
			found = h[0] && map_of(h, maps + k, 1) != NULL;
		}
		if (!found)
			cli_warn(cli, "--map '%s': the header has no such column", maps[k]);
	}
	int name = (int)(rec_field(F, NF, "name", 0) - F);
	if (at[name] < 0)
		return cli_error(cli, EX_DATAERR, "line %ld: no name column: the "
				 "header row needs one of name, 姓名, 客户姓名, "
				 "客户名称 (is the first line the header?)", line);
	return 0;
}

/* Report a refused row; the row's message is in cli->err or the db's. */
static void row_bad(struct import *im, long line)
{
	struct op_cli *cli = im->cli;
	op_err *e = cli->err.msg[0] ? &cli->err : op_db_err(cli->db);

	if (++im->bad <= MAX_REPORTED) {
		/* csv.h messages already start with the line */
		if (strncmp(e->msg, "line ", 5) == 0)
			cli_warn(cli, "%s", e->msg);
		else
			cli_warn(cli, "line %ld: %s", line, e->msg);
	}
	op_err_clear(&cli->err);
	op_err_clear(op_db_err(cli->db));
}

/* The INSERT of rows rows naming exactly the fields in mask, parameters in
 * row-major order, or NULL with the db error set. Kept for reuse. */
static sqlite3_stmt *insert_stmt(struct import *im, uint64_t mask, int rows)
{
	op_db *db = im->cli->db;
	sqlite3_stmt *st = NULL;
	int k, any = 0;

	for (k = 0; k < im->nins; k++)
		if (im->ins[k].mask == mask && im->ins[k].rows == rows) {
			sqlite3_reset(im->ins[k].st);
			sqlite3_clear_bindings(im->ins[k].st);
			return im->ins[k].st;
		}
	/* The SQL names columns from the constant field table only. */
	sqlite3_str *s = sqlite3_str_new(op_db_handle(db));
	sqlite3_str_appendall(s, "INSERT INTO main.customer(");
	for (int i = 0; i < NF; i++)
		if (mask & ((uint64_t)1 << i))
			sqlite3_str_appendf(s, "%s\"%w\"", any++ ? ", " : "", F[i].col);
	sqlite3_str_appendall(s, ") VALUES ");
	for (int r = 0; r < rows; r++) {
		sqlite3_str_appendall(s, r ? ", (" : "(");
		any = 0;
		for (int i = 0; i < NF; i++)
			if (mask & ((uint64_t)1 << i))
				sqlite3_str_appendall(s, any++ ? ", ?" : "?");
		sqlite3_str_appendall(s, ")");
	}
	char *sql = sqlite3_str_finish(s);
	if (!sql || sqlite3_prepare_v3(op_db_handle(db), sql, -1,
				       SQLITE_PREPARE_PERSISTENT, &st, NULL)) {
		sqlite3_free(sql);
		op_db_fail(db, "cannot prepare the import");
		return NULL;
	}
	sqlite3_free(sql);
	if (im->nins < NINSERT) {
		k = im->nins++;
	} else {
		k = im->next_evict;
		im->next_evict = (im->next_evict + 1) % NINSERT;
		sqlite3_finalize(im->ins[k].st);
	}
	im->ins[k].mask = mask;
	im->ins[k].rows = rows;
	im->ins[k].st = st;
	return st;
}

/* Insert batch rows from..from+rows-1 with one statement. 0, or -1 with
 * the db error set (the statement's changes are undone by SQLite). */
static int insert_rows(struct import *im, int from, int rows)
{
	op_db *db = im->cli->db;
	sqlite3_stmt *st = insert_stmt(im, im->bmask, rows);
	int p = 1;

	if (!st)
		return -1;
	for (int r = from; r < from + rows; r++)
		for (int i = 0; i < NF; i++)
			if ((im->bmask & ((uint64_t)1 << i)) &&
			    sqlite3_bind_text(st, p++, im->arena + im->boff[r][i],
					      -1, SQLITE_STATIC))
				return op_db_fail(db, "bind");
	if (op_db_step(db, st) != SQLITE_DONE) {
		/* only a constraint is the rows' fault (a damaged file is
		 * EX_DATAERR too, but no row will go in) */
		im->constraint = (sqlite3_errcode(op_db_handle(db)) & 0xff) ==
				 SQLITE_CONSTRAINT;
		return op_errctx(op_db_err(db), "cannot add customer");
	}
	sqlite3_reset(st);
	return 0;
}

/* Write the rows waiting in the batch. When the database refuses the batch
 * (a constraint), the rows go one by one to find and report the bad ones.
 * 0, or -1 on an error that ends the import (db error set). */
static int flush(struct import *im)
{
	op_db *db = im->cli->db;
	int rc = 0;

	if (!im->brows)
		return 0;
	if (insert_rows(im, 0, im->brows) == 0) {
		im->imported += im->brows;
	} else if (!im->constraint) {
		rc = -1;
	} else {
		op_err_clear(op_db_err(db));
		for (int r = 0; r < im->brows && rc == 0; r++) {
			if (insert_rows(im, r, 1) == 0)
				im->imported++;
			else if (im->constraint)
				row_bad(im, im->bline[r]);
			else
				rc = -1;
		}
	}
	im->brows = 0;
	im->alen = 0;
	return rc;
}

/* rec_insert for one row, batched: validate every given value, check the
 * required fields, and queue the non-empty ones. 0; -1 with cli->err set
 * for a bad value (EX_DATAERR); -2 on an error that ends the import. */
static int queue_row(struct import *im, const char *const *vals, long line)
{
	struct op_cli *cli = im->cli;
	uint64_t mask = 0;
	int null, nset = 0;

	for (int i = 0; i < NF; i++) {
		null = 1;
		if (vals[i] && rec_norm(cli, &F[i], vals[i], im->norm[i], VALSZ,
					&null) < 0)
			return -1;
		if (F[i].required && null)
			return op_errc(&cli->err, EX_DATAERR, "%s: is required",
				       F[i].opt);
		if (!null) {
			mask |= (uint64_t)1 << i;
			nset++;
		}
	}
	/* A batch holds rows of one shape; a new shape or a full batch
	 * writes what is waiting first, so rows go in in file order. */
	if (im->brows && (mask != im->bmask || im->brows == im->bmax) &&
	    flush(im) < 0)
		return -2;
	if (!im->brows) {
		im->bmask = mask;
		/* 999: the bound-parameter limit of the oldest SQLite builds */
		im->bmax = nset ? 999 / nset : BATCH_MAX;
		if (im->bmax > BATCH_MAX)
			im->bmax = BATCH_MAX;
	}
	int r = im->brows;
	for (int i = 0; i < NF; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		size_t len = strlen(im->norm[i]) + 1;
		if (im->alen + len > im->acap) {
			size_t cap = im->acap ? im->acap : 65536;
			while (cap < im->alen + len)
				cap *= 2;
			char *a = realloc(im->arena, cap);
			if (!a) {
				op_errc(&cli->err, EX_OSERR, "out of memory");
				return -2;
			}
			im->arena = a;
			im->acap = cap;
		}
		memcpy(im->arena + im->alen, im->norm[i], len);
		im->boff[r][i] = im->alen;
		im->alen += len;
	}
	im->bline[r] = line;
	im->brows++;
	return 0;
}

/* ---------------------------------------------------------- duplicates */

static const char SQL_BY_PHONE[] =
	"SELECT id, name FROM customer WHERE phone = :v AND merged_into IS NULL"
	" ORDER BY id LIMIT 2";
static const char SQL_BY_EMAIL[] =
	"SELECT id, name FROM customer WHERE email = :v AND merged_into IS NULL"
	" ORDER BY id LIMIT 2";

/* Is a row waiting in the batch whose field i is val? */
static int in_batch(const struct import *im, int i, const char *val)
{
	if (!(im->bmask & ((uint64_t)1 << i)))
		return 0;
	for (int r = 0; r < im->brows; r++)
		if (strcmp(im->arena + im->boff[r][i], val) == 0)
			return 1;
	return 0;
}

/* Report a duplicate line (the first MAX_REPORTED of them). */
static void dup_note(struct import *im, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void dup_note(struct import *im, long line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (++im->noted > MAX_REPORTED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_warn(im->cli, "line %ld: %s", line, msg);
}

/* The customers the row vals (normalised in im->norm, null[i] for empty)
 * is already: by phone, else email, else an identical row. Up to two ids
 * and names into id[], name[] (malloc'd); *key says which. The rows of the
 * batch are written first when one of them is the same customer, so the
 * store answers for the file too. Returns how many (0..2), or -1. */
static int find_existing(struct import *im, const int *null, char *id[2],
			 char *name[2], const char **key)
{
	op_db *db = im->cli->db;
	int phone = (int)(rec_field(F, NF, "phone", 0) - F),
	    email = (int)(rec_field(F, NF, "email", 0) - F),
	    nm = (int)(rec_field(F, NF, "name", 0) - F);
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	int n = 0, rc, k = !null[phone] ? phone : !null[email] ? email : -1;

	*key = k == phone ? "phone" : k == email ? "email" : "row";
	if (in_batch(im, k >= 0 ? k : nm, im->norm[k >= 0 ? k : nm]) && flush(im) < 0)
		return -1;
	if (k >= 0) {
		st = op_db_stmt(db, k == phone ? SQL_BY_PHONE : SQL_BY_EMAIL);
		if (!st || op_bind_text(db, st, ":v", im->norm[k]) < 0)
			return -1;
	} else {
		/* Without a key, only a row equal in every value it gives is
		 * the same customer: two 张伟 without phones may be two people. */
		sqlite3_str *q = sqlite3_str_new(op_db_handle(db));
		sqlite3_str_appendall(q, "SELECT id, name FROM customer WHERE merged_into IS NULL");
		for (int i = 0; i < NF; i++)
			if (!null[i])
				sqlite3_str_appendf(q, " AND \"%w\" IS ?%d", F[i].col, i + 1);
		sqlite3_str_appendall(q, " ORDER BY id LIMIT 2");
		if (!(sql = sqlite3_str_finish(q)) ||
		    sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL)) {
			sqlite3_free(sql);
			return op_db_fail(db, "duplicate lookup");
		}
		for (int i = 0; i < NF; i++)
			if (!null[i])
				sqlite3_bind_text(st, i + 1, im->norm[i], -1, SQLITE_STATIC);
	}
	while ((rc = op_db_step(db, st)) == SQLITE_ROW && n < 2) {
		id[n] = strdup((const char *)sqlite3_column_text(st, 0));
		name[n] = strdup((const char *)sqlite3_column_text(st, 1));
		n++;
	}
	if (sql) {
		sqlite3_finalize(st);
		sqlite3_free(sql);
	} else {
		sqlite3_reset(st);
	}
	return rc < 0 ? -1 : n;
}

/* Update customer id with the row's non-empty values (raw as typed,
 * normalised in im->norm) that differ from the stored ones; *what gets their field names ("" when none differ). 0, or
 * -1 with the error set. */
static int update_existing(struct import *im, const char *const *raw,
			   const int *null, const char *id, char *what, size_t whatsz)
{
	struct op_cli *cli = im->cli;
	const char *vals[OP_MAX_FIELDS] = { 0 };
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	int rc = -1, changed = 0;

	what[0] = '\0';
	/* one statement: which given values differ from the row's */
	sqlite3_str *q = sqlite3_str_new(op_db_handle(cli->db));
	sqlite3_str_appendall(q, "SELECT 0");
	for (int i = 0; i < NF; i++)
		if (!null[i])
			sqlite3_str_appendf(q, ", \"%w\" IS NOT ?%d", F[i].col, i + 1);
	sqlite3_str_appendf(q, " FROM customer WHERE id = ?%d", NF + 1);
	char *sql = sqlite3_str_finish(q);
	if (!sql || sqlite3_prepare_v2(op_db_handle(cli->db), sql, -1, &st, NULL)) {
		op_db_fail(cli->db, "duplicate update");
		goto out;
	}
	for (int i = 0; i < NF; i++)
		if (!null[i])
			sqlite3_bind_text(st, i + 1, im->norm[i], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, NF + 1, id, -1, SQLITE_STATIC);
	if (op_db_step(cli->db, st) != SQLITE_ROW)
		goto out;
	for (int i = 0, c = 1; i < NF; i++) {
		if (null[i])
			continue;
		if (sqlite3_column_int(st, c++)) {
			vals[i] = raw[i];	/* rec_update normalises */
			changed++;
			if (len < whatsz)
				len += (size_t)snprintf(what + len, whatsz - len, "%s%s",
							len ? ", " : "", F[i].opt);
		}
	}
	rc = changed ? rec_update(cli, "customer", F, NF, vals, id) : 0;
out:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc;
}

/* Set the row's custom fields on customer id, adding "custom:KEY" to
 * *what for each that changed. 0, or -1 with the error set. */
static int update_custom(struct import *im, const struct custom *cu,
			 const char *id, char *what, size_t whatsz)
{
	size_t len = strlen(what);
	for (int k = 0; k < cu->n; k++) {
		int changed;
		if (custom_set(im->cli, id, cu->key[k], cu->val[k], &changed) < 0)
			return -1;
		if (changed && len < whatsz)
			len += (size_t)snprintf(what + len, whatsz - len, "%scustom:%s",
						len ? ", " : "", cu->key[k]);
	}
	return 0;
}

/* A new row with custom fields needs its id for them, which a batched
 * INSERT does not give: it goes in alone, after the rows waiting. 0 when
 * it went in or was refused (counted in im->bad); -1 on an error that ends
 * the import. */
static int insert_custom(struct import *im, const char *const *vals,
			 const struct custom *cu, long line)
{
	struct op_cli *cli = im->cli;
	char *id = NULL, what[256] = "";

	if (flush(im) < 0)
		return -1;
	if (rec_insert(cli, "customer", F, NF, vals, &id) < 0 ||
	    update_custom(im, cu, id, what, sizeof(what)) < 0) {
		free(id);
		if (cli->err.code == EX_DATAERR || op_db_err(cli->db)->code == EX_DATAERR) {
			row_bad(im, line);
			return 0;
		}
		return -1;
	}
	im->imported++;
	free(id);
	return 0;
}

/* A row whose customer may be there already (not --on-duplicate add):
 * 1 when it was dealt with as a duplicate, 0 when it is new, -1 on an
 * error that ends the import. injected: the branch column was filled in
 * by the import, not the sheet (an update leaves the branch alone). */
static int import_dup(struct import *im, const char *const *vals,
		      const struct custom *cu, int injected, long line)
{
	struct op_cli *cli = im->cli;
	int null[OP_MAX_FIELDS], n, rc = 1;
	char *id[2] = { 0 }, *name[2] = { 0 }, what[256];
	const char *key;
	int branch = (int)(rec_field(F, NF, "branch", 0) - F);

	for (int i = 0; i < NF; i++) {
		null[i] = 1;
		/* a bad value is queue_row's to report */
		if (vals[i] && rec_norm(cli, &F[i], vals[i], im->norm[i], VALSZ, &null[i]) < 0) {
			op_err_clear(&cli->err);
			return 0;
		}
	}
	if ((n = find_existing(im, null, id, name, &key)) <= 0) {
		rc = n;
		goto out;
	}
	int k = strcmp(key, "phone") == 0 ? (int)(rec_field(F, NF, "phone", 0) - F) :
		strcmp(key, "email") == 0 ? (int)(rec_field(F, NF, "email", 0) - F) : -1;
	char keydesc[VALSZ + 16];
	if (k >= 0)
		snprintf(keydesc, sizeof(keydesc), "%s %s", key, im->norm[k]);
	else
		snprintf(keydesc, sizeof(keydesc), "the same row");
	if (n > 1) {
		im->skipped++;
		dup_note(im, line, "%s matches several customers (%s %s, %s %s); skipped: "
			 "merge them first (customer dupes)", keydesc, cli_short_id(id[0]),
			 name[0], cli_short_id(id[1]), name[1]);
	} else if (im->dup == DUP_SKIP) {
		im->skipped++;
		dup_note(im, line, "%s is already customer %s (%s); skipped", keydesc,
			 name[0], cli_short_id(id[0]));
	} else {
		if (injected)
			null[branch] = 1;
		if (update_existing(im, vals, null, id[0], what, sizeof(what)) < 0 ||
		    update_custom(im, cu, id[0], what, sizeof(what)) < 0) {
			rc = -1;
			goto out;
		}
		if (what[0])
			im->updated++;
		else
			im->unchanged++;
		dup_note(im, line, "%s is already customer %s (%s); %s%s", keydesc,
			 name[0], cli_short_id(id[0]), what[0] ? "updated: " : "unchanged",
			 what);
	}
out:
	for (int i = 0; i < 2; i++) {
		free(id[i]);
		free(name[i]);
	}
	return rc;
}

/* Validate and insert one data record. 0 when the row went in or was
 * refused (counted in im->bad); -1 on an error that ends the import. */
static int import_row(struct import *im, char **cells, int n, long line)
{
	struct op_cli *cli = im->cli;
	const char *vals[OP_MAX_FIELDS] = { 0 };
	int j;

	for (j = 0; j < n && is_blank(cells[j]); j++)
		;
	if (j == n)
		return 0;	/* an empty line, or a row of empty cells */
	if (n != im->ncols) {
		op_errc(&cli->err, EX_DATAERR, "%d field%s, header has %d", n,
			n == 1 ? "" : "s", im->ncols);
		row_bad(im, line);
		return 0;
	}
	struct custom cu = { .n = 0 };
	for (j = 0; j < n; j++) {
		if (im->field[j] >= 0)
			vals[im->field[j]] = cells[j];
		else if (im->field[j] == COL_CUSTOM && !is_blank(cells[j])) {
			cu.key[cu.n] = im->ckey[j];
			cu.val[cu.n++] = cells[j];
		} else if (im->field[j] == COL_BLANK && !is_blank(cells[j])) {
			if (im->strict) {
				op_errc(&cli->err, EX_DATAERR, "column %d has a value "
					"but no header", j + 1);
				row_bad(im, line);
				return 0;
			}
			if (!im->warned[j]++)
				cli_warn(cli, "line %ld: column %d has values but no "
					 "header; skipped", line, j + 1);
		}
	}
	/* As with `customer add`: a branch's customers are its own unless the
	 * sheet says which branch they belong to. */
	int branch = (int)(rec_field(F, NF, "branch", 0) - F), injected = 0;
	if ((!vals[branch] || is_blank(vals[branch])) && op_db_site(cli->db) &&
	    !op_db_is_hq(cli->db)) {
		vals[branch] = op_db_site(cli->db);
		injected = 1;
	}
	op_err_clear(&cli->err);
	if (im->dup != DUP_ADD) {
		int d = import_dup(im, vals, &cu, injected, line);
		if (d < 0)
			return -1;
		if (d > 0)
			return 0;
	}
	if (cu.n)
		return insert_custom(im, vals, &cu, line);
	switch (queue_row(im, vals, line)) {
	case -1:
		row_bad(im, line);
		break;
	case -2:
		return -1;
	}
	return 0;
}

/* Read standard input whole, for FILE "-". */
static int open_stdin(struct op_cli *cli, op_csv **out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return op_errc(&cli->err, EX_OSERR, "out of memory "
					       "reading standard input");
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, stdin);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		free(buf);
		return op_errc(&cli->err, EX_NOINPUT, "cannot read standard "
			       "input: %s", strerror(errno));
	}
	rc = op_csv_open_mem(out, buf ? buf : "", len, &cli->err);
	free(buf);
	return rc;
}

static const char *enc_name(enum op_csv_enc e)
{
	switch (e) {
	case OP_ENC_UTF8_BOM:
		return "utf-8 with BOM";
	case OP_ENC_GBK:
		return "gbk";
	case OP_ENC_UTF8:
		break;
	}
	return "utf-8";
}

static int cmd_customers(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "dry-run", 1, NULL }, { "strict", 1, NULL },
				  { "on-duplicate", 0, NULL }, { "keep-unknown", 1, NULL },
				  { NULL, 0, NULL } };
	static const char *const flags[] = { "dry-run", "strict", "keep-unknown", NULL };
	const char *pos[1], **maps = NULL, *od;
	char **rest = NULL;
	int npos, rc, dry, got, nrest, nmaps;
	int64_t mark = 0, assigned = 0, unmatched = 0;
	struct import im = { .cli = cli };
	op_csv *csv = NULL;
	char **cells;
	int n;
	long line;

	if (cli_split_multi(cli, argc, argv, "map", flags, &rest, &nrest, &maps, &nmaps) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if ((rc = cmd_begin(cli, nrest, rest, spec, pos, 1, 1, &npos)) >= 0 ||
	    (rc = check_maps(cli, maps, nmaps)) != 0)
		goto out;
	dry = cli_opt(spec, "dry-run") != NULL;
	im.strict = cli_opt(spec, "strict") != NULL;
	im.keep_unknown = cli_opt(spec, "keep-unknown") != NULL;
	if ((od = cli_opt(spec, "on-duplicate"))) {
		if (strcmp(od, "update") == 0)
			im.dup = DUP_UPDATE;
		else if (strcmp(od, "skip") == 0)
			im.dup = DUP_SKIP;
		else if (strcmp(od, "add") == 0)
			im.dup = DUP_ADD;
		else {
			rc = cli_error(cli, EX_USAGE, "on-duplicate: '%s' is not one of "
				       "update, skip, add", od);
			goto out;
		}
	}
	im.name = strcmp(pos[0], "-") == 0 ? "standard input" : pos[0];
	if ((strcmp(pos[0], "-") == 0 ? open_stdin(cli, &csv) :
	     op_csv_open(&csv, pos[0], &cli->err)) < 0) {
		rc = cli_fail(cli);
		goto out;
	}

	/* the header is the first line with something on it */
	while ((got = op_csv_next(csv, &cells, &n, &line, &cli->err)) > 0) {
		int j = 0;
		while (j < n && is_blank(cells[j]))
			j++;
		if (j < n)
			break;
	}
	if (got < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	if (got == 0) {
		rc = cli_error(cli, EX_DATAERR, "%s is empty: the first line must "
			       "be a header such as 姓名,电话,邮箱", im.name);
		goto out;
	}
	if ((rc = map_header(&im, cells, n, line, maps, nmaps)) != 0)
		goto out;
	if (!(im.norm = calloc((size_t)NF, VALSZ))) {
		rc = cli_error(cli, EX_OSERR, "out of memory");
		goto out;
	}

	if (op_db_begin(cli->db, cli->as) < 0 || op_assign_mark(cli->db, &mark) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	while ((got = op_csv_next(csv, &cells, &n, &line, &cli->err)) != 0) {
		if (got < 0) {
			if (cli->err.code != EX_DATAERR)
				goto fail;
			row_bad(&im, line);
			continue;
		}
		if (import_row(&im, cells, n, line) < 0)
			goto fail;
	}
	op_err_clear(&cli->err);
	/* New rows without an owner get one by the assignment rules. */
	if (flush(&im) < 0 || (!im.bad && op_assign_new(cli->db, mark, &assigned, &unmatched) < 0))
		goto fail;
	if (im.bad) {
		op_db_rollback(cli->db);
		if (im.bad > MAX_REPORTED)
			cli_warn(cli, "... and %ld more bad rows", im.bad - MAX_REPORTED);
		rc = cli_error(cli, EX_DATAERR, "%s: %ld bad row%s; nothing imported",
			       im.name, im.bad, im.bad == 1 ? "" : "s");
		goto out;
	}
	if (dry) {
		op_db_rollback(cli->db);
	} else if (op_db_commit(cli->db) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	if (im.noted > MAX_REPORTED)
		cli_warn(cli, "... and %ld more duplicate lines", im.noted - MAX_REPORTED);
	fprintf(cli->out, dry ? P_("would import %ld customer from %s (encoding %s)",
				   "would import %ld customers from %s (encoding %s)", im.imported) :
		P_("imported %ld customer from %s (encoding %s)",
		   "imported %ld customers from %s (encoding %s)", im.imported),
		im.imported, im.name, enc_name(op_csv_encoding(csv)));
	if (im.updated + im.unchanged + im.skipped)
		fprintf(cli->out, _("; %ld already there: %ld updated, %ld unchanged, "
			"%ld skipped"), im.updated + im.unchanged + im.skipped,
			im.updated, im.unchanged, im.skipped);
	fputc('\n', cli->out);
	if (assigned + unmatched)
		fprintf(cli->out, _("assignment rules: %lld given an owner, %lld matching no rule "
			"(no owner)\n"), (long long)assigned, (long long)unmatched);
	rc = 0;
	goto out;
fail:
	op_db_rollback(cli->db);
	rc = cli_fail(cli);
out:
	for (int k = 0; k < im.nins; k++)
		sqlite3_finalize(im.ins[k].st);
	free(im.arena);
	free(im.norm);
	free(im.field);
	free(im.warned);
	for (int j = 0; im.ckey && j < im.ncols; j++)
		free(im.ckey[j]);
	free(im.ckey);
	free(rest);
	free(maps);
	op_csv_free(csv);
	return rc;
}

const struct op_cmd op_cmds_import[] = {
	{ "import", "customers", cmd_customers,
	  "import customers FILE.csv [--dry-run] [--map 'COLUMN=FIELD']...\n"
	  "       [--on-duplicate update|skip|add] [--strict | --keep-unknown]",
	  "add every row of a spreadsheet (CSV: utf-8 or gbk; FILE - reads stdin); "
	  "a bad value imports nothing; unknown columns are skipped (--strict: refused; "
	  "--keep-unknown: custom fields; --map 'COLUMN=custom:KEY' one of them); "
	  "a customer already there (same phone, else email) is updated by default" },
	{ NULL, NULL, NULL, NULL, NULL },
};
