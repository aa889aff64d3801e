/*
 * cmds.h — the command tables of each group (one cmd_*.c file each),
 * terminated by an entry with a NULL group.
 */
#ifndef OP_CMDS_H
#define OP_CMDS_H

#include "cli.h"

extern const struct op_cmd op_cmds_store[];	/* init, log, export */
extern const struct op_cmd op_cmds_customer[];	/* customer ... */
/* Groups below are weak while they are being written: a group whose file is
 * not linked is simply absent from the table. */
#define OP_GROUP extern __attribute__((weak)) const struct op_cmd
OP_GROUP op_cmds_product[];	/* product ... */
OP_GROUP op_cmds_order[];	/* order ... */
OP_GROUP op_cmds_ticket[];	/* ticket ... */
OP_GROUP op_cmds_followup[];	/* followup ... */
OP_GROUP op_cmds_staff[];	/* staff ..., branch ... */
OP_GROUP op_cmds_import[];	/* import customers */
OP_GROUP op_cmds_sync[];
OP_GROUP op_cmds_status[];	/* sync status */
OP_GROUP op_cmds_merge[];	/* customer dupes|merge|unmerge */
OP_GROUP op_cmds_report[];	/* report, classify, remind */
OP_GROUP op_cmds_channel[];	/* channel add|edit|list */
OP_GROUP op_cmds_payment[];	/* payment add|list|outstanding */
OP_GROUP op_cmds_quote[];	/* quote add|show|list|convert */
OP_GROUP op_cmds_appt[];	/* appt add|done|cancel|show|list */
OP_GROUP op_cmds_stock[];	/* stock receive|return|adjust|safe|list */
OP_GROUP op_cmds_backup[];	/* backup ... */
OP_GROUP op_cmds_segment[];	/* segment add|show|list|count */
OP_GROUP op_cmds_campaign[];	/* campaign ..., report campaign */
OP_GROUP op_cmds_coupon[];	/* coupon add|list|check */
OP_GROUP op_cmds_history[];	/* history ... */	/* sync status, keys, peers, conflicts */

/* Shared by groups: the customer field table, used by import too. */
#include "record.h"
extern const struct op_field op_customer_fields[];
extern const int op_customer_nfields;

/* A customer REF as staff type it: the id, its first or last 6+
 * characters, a phone number in any accepted form, or the exact name.
 * 0 and *id (malloc'd), or -1 with cli->err set (see cli_resolve). */
int cmd_customer_ref(struct op_cli *cli, const char *ref, char **id);

/* An order REF as staff type it: the order number, the id or its short
 * form. 0 and *id (malloc'd), or -1 with cli->err set. */
int cmd_order_ref(struct op_cli *cli, const char *ref, char **id);

/* Print a record with lines (an order, a quote): head_sql and items_sql
 * each take :id; what names it in "no WHAT with id". Order show's format,
 * for --json too. 0, or -1 with the error set. */
int cmd_show_with_items(struct op_cli *cli, const char *head_sql, const char *items_sql,
			const char *what, const char *id);
/* order show of order id (cmd_order.c): 0, or -1 with the error set. */
int cmd_order_show(struct op_cli *cli, const char *id);

/* SQL: cents paid on order id (payments less refunds; payment table).
 * id must be qualified ("o.id"): a bare id would be the payment's. */
#define ORDER_PAID(id) "(SELECT coalesce(sum(CASE kind WHEN 'refund' THEN -amount" \
	" ELSE amount END), 0) FROM payment WHERE order_id = " id ")"

/* Move stock for order's items at its branch (cmd_stock.c): kind "sale"
 * takes them off, "return" puts them back. Inside the transaction; 0 or -1. */
int cmd_stock_order(struct op_cli *cli, const char *order, const char *kind);

/* Custom fields (custom.c). custom_key_ok: 0 when key may name a custom
 * field, else -1 with cli->err. custom_set: set (value "" clears) field
 * key of customer cid; *changed (may be NULL) says whether the stored
 * value changed. custom_set_all: each "KEY=VALUE" of kv. Inside a
 * transaction; 0 or -1 with the error set. */
int custom_key_ok(struct op_cli *cli, const char *key);
int custom_set(struct op_cli *cli, const char *cid, const char *key,
	       const char *value, int *changed);
int custom_set_all(struct op_cli *cli, const char *cid, const char *const *kv, int n);

/* Segment filters as options (cmd_segment.c): cmd_seg_spec writes the
 * OP_SEG_NKEYS options and a terminator into spec; cmd_seg_opts sets what
 * was given into s. 0, or -1 with cli->err set naming the filter. */
struct op_seg;
void cmd_seg_spec(struct cli_opt *spec);
int cmd_seg_opts(struct op_cli *cli, const struct cli_opt *spec, struct op_seg *s);
/* `remind` prepares the campaigns marked --auto (cmd_campaign.c) when the
 * person running it may prepare campaigns; what was prepared is said on
 * stderr. today: 'YYYY-MM-DD...' or NULL. 0, or -1 with the error set. */
int cmd_campaign_auto(struct op_cli *cli, const char *today);

/* Common plumbing of a command: parse options with spec, print usage on
 * --help, check there are at least minpos positional arguments, open the
 * store. Returns -1 to go on, or an exit code the command should return at
 * once (0 after --help; the error already printed otherwise):
 *     if ((rc = cmd_begin(...)) >= 0) return rc;                          */
int cmd_begin(struct op_cli *cli, int argc, char **argv,
	      struct cli_opt *spec, const char **pos, int minpos, int maxpos,
	      int *npos);
/* A whole listing command without options: print sql's rows (a string
 * constant without parameters). Returns the exit code. */
int cmd_list_sql(struct op_cli *cli, int argc, char **argv, const char *sql);
/* The same without opening the store (commands that replace or only name
 * files). */
int cmd_parse(struct op_cli *cli, int argc, char **argv,
	      struct cli_opt *spec, const char **pos, int minpos, int maxpos,
	      int *npos);

#endif
