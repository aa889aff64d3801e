/*
 * cli.h — what every `outpost` command gets: the parsed global options, the
 * store (opened on first use) and an error slot; plus the small helpers all
 * command groups share (option parsing, record lookup, exit codes).
 *
 * A command is a function `int cmd(struct op_cli *, int argc, char **argv)`
 * returning a sysexits.h code; argv[0] is the subcommand name. Commands
 * print records through out.h, diagnostics through cli_fail/cli_warn.
 */
#ifndef OP_CLI_H
#define OP_CLI_H

#include <stdio.h>
#include "db.h"
#include "ops.h"
#include "out.h"
#include "i18n.h"

/* The operation context (ops.h: db, err, field, as = --as STAFF, role)
 * comes first: cli->db and cli->err name its members, &cli->ctx is what
 * the operations a command calls take. */
struct op_cli {
	union {
		struct op_ctx ctx;
		struct { OP_CTX_MEMBERS };
	};
	const char *prog;	/* "outpost" */
	const char *db_path;	/* resolved --db / $OUTPOST_DB / XDG */
	enum op_fmt fmt;	/* --json / --csv on list commands */
	FILE *out;		/* stdout */
	const struct op_cmd *cmd;	/* the command running (set by dispatch) */
	const char *cmd_arg;	/* what the command reads, for the access audit ("customer") */
	char *unsealed;		/* a decrypted backup's temporary directory (cmd_history.c) */
};

/* The command context an operation hook (op_hook) was called with: the
 * ctx every command passes is &cli->ctx, at the start of struct op_cli. */
static inline struct op_cli *cli_of(struct op_ctx *ctx)
{
	return (struct op_cli *)(void *)ctx;
}

/* Sign-in and role check for command c (roles.c): 0, or -1 with cli->err
 * set (EX_NOPERM naming the roles that may run it). */
int cli_authorize(struct op_cli *cli, const struct op_cmd *c);
/* A PIN from $OUTPOST_PIN or the terminal (echo off); never prompts
 * without a terminal. */
int cli_pin_read(struct op_cli *cli, const char *who, char *pin, size_t n);
/* crypto_pwhash_str of pin into out (crypto_pwhash_STRBYTES = 128). */
int cli_pin_hash(struct op_cli *cli, const char *pin, char out[128]);

typedef int (*op_cmd_fn)(struct op_cli *cli, int argc, char **argv);

struct op_cmd {
	const char *group;	/* "customer" */
	const char *name;	/* "add"; NULL for a command without subcommands */
	op_cmd_fn fn;
	const char *usage;	/* "customer add --name NAME [--phone PHONE]..." */
	const char *help;	/* one line */
};

/* Every command, in help order (commands.c), ending with a NULL group. */
const struct op_cmd *op_cli_commands(void);

/* Run argv (after global options). Returns an exit code. */
int op_cli_dispatch(struct op_cli *cli, int argc, char **argv);

/* The store, opened on first call (0 or -1 with cli->err set). */
int cli_db(struct op_cli *cli, op_db **out);

/* Print "outpost: <msg>" to stderr from cli->err (or the db's error) and
 * return its exit code (EX_SOFTWARE if none was set). */
int cli_fail(struct op_cli *cli);
/* Format an error, print it, return code. */
int cli_error(struct op_cli *cli, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cli_warn(struct op_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print the usage of cmd (and its help line) to fp. */
void cli_usage(const struct op_cmd *cmd, FILE *fp);

/* Option parsing for commands: a small getopt_long over a spec table.
 * Long options only ("--name VALUE", "--name=VALUE", flags "--dry-run").
 * Parsed values are stored in spec[i].val (borrowed from argv); flags get
 * "1". Positional arguments are collected in order into pos (up to maxpos).
 * "--help" sets *help. Returns 0, or -1 with cli->err set (EX_USAGE). */
struct cli_opt {
	const char *name;	/* without dashes */
	int flag;		/* 1: takes no value */
	const char *val;	/* out */
};
int cli_parse(struct op_cli *cli, int argc, char **argv, struct cli_opt *spec,
	      const char **pos, int maxpos, int *npos, int *help);
const char *cli_opt(const struct cli_opt *spec, const char *name);

/* Take a repeatable option out of argv before cli_parse (which keeps one
 * value per option): every "--name V" / "--name=V" goes to *vals, the rest
 * to *rest (argv[0] first), both malloc'd arrays of borrowed strings.
 * Values of other options are stepped over, so "--notes --item" stays a
 * note; every other option takes a value except those in flags (a
 * NULL-terminated list of names, or NULL) and --help. 0, or -1 with
 * cli->err set (EX_USAGE) when --name has no value. */
int cli_split_multi(struct op_cli *cli, int argc, char **argv, const char *name,
		    const char *const *flags, char ***rest, int *nrest,
		    const char ***vals, int *nvals);

/* Resolve a row reference typed by a person to its id: the full id, an id
 * prefix or suffix (the short id lists show) of 6+ characters, or a value of one of the unique "key" columns
 * (e.g. customer phone, order_no, sku, staff code). 0 and *id (malloc'd), or
 * -1: EX_NOINPUT when nothing matches, EX_DATAERR when ambiguous: the
 * candidates (short id and what tells them apart: a customer's name, phone
 * and branch, other tables' label) are printed to stderr first, so the
 * person can pick one. */
int cli_resolve(struct op_cli *cli, const char *table, const char *keycols,
		const char *ref, char **id);

/* The rows of table whose col equals val (a customer merged into another
 * does not count): how many (up to 11), or -1 with the error set. *first
 * (when not NULL) gets the id of the first, malloc'd. With print, they are
 * listed on stderr as cli_resolve lists candidates. */
int cli_same(struct op_cli *cli, const char *table, const char *col,
	     const char *val, char **first, int print);

/* Print a statement's rows in cli->fmt. Returns rows printed or -1. A bulk
 * read (cli_audit) is recorded. A statement with a :short_ids parameter
 * gets 1 for the text table and 0 for --json and --csv, so CLI_SHORT_ID
 * columns carry the full id there. */
int cli_print_rows(struct op_cli *cli, sqlite3_stmt *st);
/* The same for a list cut at limit rows: its :limit parameter is lifted,
 * at most limit rows are printed, and when more matched, stderr says
 * "showing 100 of 2,345; use --limit N or --all" (in every format). */
int cli_print_limited(struct op_cli *cli, sqlite3_stmt *st, int64_t limit);
/* --limit N / --all of a list command into *limit (dflt when neither):
 * 0, or -1 with cli->err set (EX_DATAERR, EX_USAGE for both). */
int cli_limit_opt(struct op_cli *cli, const struct cli_opt *spec, int64_t dflt,
		  int64_t *limit);

/* The access audit of the command running, after it printed rows rows:
 * recorded (schema/scope.h op_access_record) when it is an export, or a
 * --json / --csv listing of OP_ACCESS_BULK rows or more, or always is
 * set (history restore). A failure to record is an error: the rows were
 * printed, but nobody may read in bulk unrecorded. 0 or -1. */
int cli_audit(struct op_cli *cli, int64_t rows, int always);

/* The short id people read and type: the last 8 characters of a UUIDv7
 * (its random tail; the start is a timestamp shared by rows made in the
 * same minute). cli_resolve matches it. As SQL for a listing column: */
#define CLI_SHORT_ID(col) OP_SHORT_ID(col)
/* ... and for a message: a pointer into id (borrowed, lives as long as id). */
const char *cli_short_id(const char *id);

/* The current UTC time as 'YYYY-MM-DD HH:MM:SS'. */
void cli_now(char out[20]);

#endif
