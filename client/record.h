/*
 * record.h — table-driven records for the client: one field table per
 * entity (struct op_field, ops.h) says which option sets which column, how
 * the value is validated and normalised (valid.h), and which spreadsheet
 * header names (English or Chinese) map to it. add, edit, import and show
 * all work from it. rec_norm, rec_insert, rec_update, rec_field and
 * rec_channel are the operations layer's op_rec_* (schema/record.c) with
 * the command's context (the store opened on demand for a channel).
 */
#ifndef OP_RECORD_H
#define OP_RECORD_H

#include "cli.h"
#include "ops.h"
#include "valid.h"

/* Validate one raw value for f; writes the normalised text into out.
 * 0, or -1 with cli->err "FIELD: reason" (EX_DATAERR). An empty raw
 * value normalises to NULL (*out = '\0' and *isnull = 1). */
int rec_norm(struct op_cli *cli, const struct op_field *f, const char *raw,
	     char *out, size_t outsz, int *isnull);

/* Insert a row into table from vals[i] (raw, NULL = not given) for the n
 * fields, validating each; required fields must be present. On success *id
 * gets the new row's id (malloc'd; pass NULL to skip). Must run inside a
 * transaction (op_db_begin). */
int rec_insert(struct op_cli *cli, const char *table, const struct op_field *f,
	       int n, const char *const *vals, char **id);

/* Update the given (non-NULL) vals of row id; "" clears a column (refused
 * for required fields). Returns 0, or -1 (EX_USAGE when nothing was given,
 * EX_NOINPUT when the row does not exist). Inside a transaction. */
int rec_update(struct op_cli *cli, const char *table, const struct op_field *f,
	       int n, const char *const *vals, const char *id);

/* The field whose option name or CSV header is name (case-insensitive for
 * ASCII), or NULL. */
const struct op_field *rec_field(const struct op_field *f, int n,
				 const char *name, int by_header);

/* Parse "--opt VALUE" for every field plus the extra options in spec
 * (which may be NULL); vals must have n slots. */
int rec_parse(struct op_cli *cli, int argc, char **argv,
	      const struct op_field *f, int n, const char **vals,
	      struct cli_opt *extra, const char **pos, int maxpos, int *npos,
	      int *help);

/* rec_parse plus what every field-driven command does with its result, as
 * cmd_begin does for the others: a parse error is printed with the usage,
 * --help prints the usage. Returns -1 to go on, or the exit code the
 * command should return at once:
 *     if ((rc = rec_begin(...)) >= 0) return rc;                          */
int rec_begin(struct op_cli *cli, int argc, char **argv,
	      const struct op_field *f, int n, const char **vals,
	      struct cli_opt *extra, const char **pos, int maxpos, int *npos);

/* What add and edit commands end with: in one transaction, insert the row
 * (rec_insert) or update row id (rec_update), run hook (may be NULL) with
 * the row's id, commit; then show the row with cols (rec_show). Returns
 * the command's exit code (the error printed). */
typedef int (*rec_hook)(struct op_cli *cli, const char *id, void *arg);
int rec_add_show(struct op_cli *cli, const char *table, const struct op_field *f,
		 int n, const char *const *vals, const char *cols, rec_hook hook,
		 void *arg);
int rec_edit_show(struct op_cli *cli, const char *table, const struct op_field *f,
		  int n, const char *const *vals, const char *id, const char *cols,
		  rec_hook hook, void *arg);

/* A whole `GROUP show REF` command: REF resolved in table (cli_resolve
 * with keycols), the row shown with cols. Returns the exit code. */
int rec_show_ref(struct op_cli *cli, int argc, char **argv, const char *table,
		 const char *keycols, const char *cols);

/* Show one row by id vertically (or as JSON/CSV): SELECT cols FROM table. */
int rec_show(struct op_cli *cli, const char *table, const char *cols,
	     const char *id);

/* The code of the active channel named in (code, Chinese or English name,
 * or alias; ASCII without case). 0 and out, or -1 with cli->err
 * "channel: ..." listing the known ones (EX_DATAERR). */
int rec_channel(struct op_cli *cli, const char *opt, const char *in, char *out,
		size_t outsz);

/* Format cents as "1234.50". */
void rec_money(char *out, size_t n, int64_t cents);

#endif
