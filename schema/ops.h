/*
 * ops.h — the operations every interface calls: the CLI's commands
 * (client/cmd_*.c) and the web screen's handlers (client/web_*.c) are thin
 * callers of these. An operation validates what it is given, applies the
 * role rules, writes in one transaction and returns 0 with a result, or -1
 * with ctx->err set and, when one field is at fault, ctx->field naming it
 * (the field table's option name: "phone"), so a form can show the message
 * beside that field and a command can print it.
 *
 * An operation knows no screen and no network: it neither parses argv nor
 * an HTTP form, and prints nothing. References people type (a phone, the
 * short id lists show) are resolved by the caller; operations take row ids.
 *
 * The context is the signed-in person's connection: op_signin fills it
 * (role, staff code, scope views, schema/scope.h). The CLI's struct op_cli
 * embeds one; the web keeps one per session.
 */
#ifndef OP_OPS_H
#define OP_OPS_H

#include "db.h"
#include "error.h"
#include "valid.h"

/* The members of an operation context, also laid out at the start of
 * struct op_cli (client/cli.h) under the same names. */
#define OP_CTX_MEMBERS \
	op_db *db;		/* the store (opened by the caller) */ \
	op_err err;		/* the error of the last failed operation */ \
	const char *field;	/* the field that error is about, or NULL */ \
	const char *as;		/* the acting staff code (borrowed), or NULL */ \
	char role[16];		/* their role once signed in, or "" */

struct op_ctx {
	OP_CTX_MEMBERS
};

/* Clear err and field before an operation. */
void op_ctx_clear(struct op_ctx *ctx);

/* ------------------------------------------------------------ records */

enum op_fkind {
	F_TEXT,		/* trimmed UTF-8 text, line breaks allowed */
	F_LINE,		/* trimmed UTF-8 text on one line (names) */
	F_PHONE,	/* op_valid_phone -> E.164 */
	F_EMAIL,
	F_DATE,		/* YYYY-MM-DD */
	F_DATETIME,	/* YYYY-MM-DD HH:MM:SS */
	F_MONEY,	/* -> integer cents */
	F_INT,		/* integer, lo..hi */
	F_ENUM,		/* canonical word of en */
	F_BOOL,		/* yes/no/1/0/true/false/是/否 -> 1/0 */
	F_CHANNEL,	/* a row of the channel table (by code, name or alias) -> code */
};

/* One field of a record as people give it: one table per entity says
 * which option (or form field) sets which column, how the value is
 * validated and normalised (valid.h), and which spreadsheet header names
 * (English or Chinese) map to it. */
struct op_field {
	const char *opt;	/* option / form field name */
	const char *col;	/* column */
	enum op_fkind kind;
	const struct op_enum *en;	/* F_ENUM */
	int64_t lo, hi;		/* F_INT bounds */
	int required;		/* must be given on add */
	const char *headers;	/* '|'-separated CSV header names */
};

#define OP_MAX_FIELDS 32

/* Validate one raw value for f; writes the normalised text into out.
 * 0, or -1 with ctx->err "FIELD: reason" (EX_DATAERR) and ctx->field. An
 * empty raw value normalises to NULL (*out = '\0' and *isnull = 1). */
int op_rec_norm(struct op_ctx *ctx, const struct op_field *f, const char *raw,
		char *out, size_t outsz, int *isnull);

/* Insert a row into main.table from vals[i] (raw, NULL = not given) for
 * the n fields, validating each; required fields must be present. *id
 * gets the new row's id (malloc'd; NULL to skip). Inside a transaction. */
int op_rec_insert(struct op_ctx *ctx, const char *table, const struct op_field *f,
		  int n, const char *const *vals, char **id);

/* Update the given (non-NULL) vals of row id; "" clears a column (refused
 * for required fields). 0, or -1 (EX_USAGE when nothing was given,
 * EX_NOINPUT when the row does not exist). Inside a transaction. */
int op_rec_update(struct op_ctx *ctx, const char *table, const struct op_field *f,
		  int n, const char *const *vals, const char *id);

/* The field whose option name (or, by_header, CSV header, column, any
 * ASCII case) is name, or NULL. */
const struct op_field *op_rec_field(const struct op_field *f, int n,
				    const char *name, int by_header);

/* The code of the active channel named in (code, Chinese or English name,
 * or alias). 0 and out, or -1 with err "OPT: ..." listing the known ones. */
int op_rec_channel(struct op_ctx *ctx, const char *opt, const char *in, char *out,
		   size_t outsz);

/* The short id people read and type: the last 8 characters of a UUIDv7
 * (its random tail; the start is a timestamp shared by rows made in the
 * same minute). As SQL for a listing column, by the :short_ids parameter: */
#define OP_SHORT_ID(col) "CASE WHEN :short_ids THEN substr(" col ", -8) ELSE " col " END"

/* The current UTC time as 'YYYY-MM-DD HH:MM:SS'. */
void op_now(char out[20]);

/* Format cents as "1234.50". */
void op_money(char *out, size_t n, int64_t cents);

/* ------------------------------------------------------------ roles */

/* Whether the store is secured (any active staff member has a PIN):
 * 1, 0, or -1 with the db error set. */
int op_secured(op_db *db);

/* Whether code is an active staff member with a PIN: 1, 0, or -1. */
int op_staff_has_pin(struct op_ctx *ctx, const char *code);

/* Sign staff code in with pin: checks the libsodium hash, the account is
 * active, then confines ctx->db to what the role may read (op_scope_set)
 * and fills ctx->as (= code, borrowed) and ctx->role. pin NULL: no check
 * (an open store, where nobody has a PIN yet). 0, or -1 with EX_NOPERM
 * ("wrong PIN for CODE", "no active staff member 'CODE'"). */
int op_signin(struct op_ctx *ctx, const char *code, const char *pin);

/* Whether role may run `group name` (name NULL: the group's command
 * without a subcommand): the one table of who may run what. */
int op_role_may(const char *role, const char *group, const char *name);
/* The same as a refusal: 0 when allowed, else -1 with EX_NOPERM naming
 * the roles that may ("customer delete needs the role manager, hq or
 * admin (li.na is sales)"). */
int op_role_check(struct op_ctx *ctx, const char *group, const char *name);

/* ------------------------------------------------------------ customers */

extern const struct op_field op_customer_fields[];
extern const int op_customer_nfields;

/* Register a customer from vals (op_customer_nfields slots, raw values by
 * the field table, NULL = not given). A phone that is already a
 * customer's is refused (field "phone") unless allow_dup. New customers
 * belong to this branch unless vals say otherwise; without an owner in
 * vals the assignment rules decide (schema/assign.h: in a store without
 * rules the signed-in person owns it), and *a (may be NULL) says how.
 * hook (may be NULL) runs with the new id inside the same transaction.
 * 0 and *id (malloc'd), or -1: nothing is saved. */
struct op_assign;
typedef int (*op_hook)(struct op_ctx *ctx, const char *id, void *arg);
int op_customer_add(struct op_ctx *ctx, const char **vals, int allow_dup,
		    op_hook hook, void *arg, struct op_assign *a, char **id);

/* Change the given (non-NULL) vals of customer id, then run hook (may be
 * NULL), in one transaction. A customer out of ctx's scope is "not found"
 * (EX_NOINPUT), as one that does not exist. 0 or -1, nothing half-saved. */
int op_customer_edit(struct op_ctx *ctx, const char *const *vals, const char *id,
		     op_hook hook, void *arg);

/* How many customers (not merged away) already have the phone raw
 * normalises to (into phone, "" when raw is NULL or blank), whoever owns
 * them; or -1 with the error set (an invalid phone: field "phone"). */
int op_customer_phone_taken(struct op_ctx *ctx, const char *raw, char *phone, size_t n);

/* Why a customer matching ref (a phone in E.164, a name or an id) is not
 * visible in ctx's scope: sets err (EX_NOPERM naming the owner or branch)
 * and returns -1, or 0 when no such customer exists at all. */
int op_customer_hidden(struct op_ctx *ctx, const char *ref);

/* Customers matching q (any part of a name; the name's pinyin, in full
 * or as initials, from any syllable on, and Han mixed with pinyin such as
 * "张w"; phone digits; email, address (3+ characters); a custom field's
 * value; a WeChat id), at most limit, sorted by name in pinyin order with
 * surnames in their surname reading (a query of digits, a phone being
 * typed: by phone). *st gets a statement of the db's table (do not
 * finalize; reset when done) with the columns id (OP_SHORT_ID: the full
 * id unless :short_ids is bound to 1), name, phone, email, owner, branch,
 * points. 0, or -1 (EX_USAGE for an empty query). */
int op_customer_search(struct op_ctx *ctx, const char *q, int64_t limit,
		       sqlite3_stmt **st);
/* How many customers op_customer_search would find without a limit, into
 * *total, counting at most cap (*total == cap: cap or more). 0 or -1. */
int op_customer_search_total(struct op_ctx *ctx, const char *q, int64_t cap,
			     int64_t *total);

/* ------------------------------------------------------------ orders */

/* The order field table: what `order add` (or the order form) takes
 * (the first OP_ORD_NU entries), then what the operation fills in. */
extern const struct op_field op_order_fields[];
enum { OP_ORD_DATE = 5, OP_ORD_NU = 6, OP_ORD_CUSTOMER = 6, OP_ORD_TOTAL, OP_ORD_STAFF, OP_ORD_BRANCH,
       OP_ORD_DISCOUNT, OP_ORD_NF };

/* Whether the store can take orders (it has a site): 0, or -1 (EX_CONFIG). */
int op_order_ready(struct op_ctx *ctx);
/* Take an order: vals (OP_ORD_NF slots) with the customer's id, the lines
 * of L parsed (op_items_parse, items.h) and discount (may be NULL) off the
 * whole, and coupon (a code, may be NULL) redeemed on it (coupon.h). A
 * customer merged into another gets the order on the one it was
 * merged into: *merged_to (may be NULL) gets that id. The order and its
 * lines in one transaction: 0 and *id, or -1 with err (and field) set. */
struct op_lines;
int op_order_add(struct op_ctx *ctx, const char **vals, struct op_lines *L,
		 const char *discount, const char *coupon, char **id, char **merged_to);

/* ------------------------------------------------------------ service */

/* Field tables of ticket open and followup add: the options people type
 * (first op_ticket_nopts / op_followup_nopts entries), then columns the
 * operation fills in. */
extern const struct op_field op_ticket_open_fields[];
enum { OP_TK_CUSTOMER, OP_TK_PROBLEM, OP_TK_KIND, OP_TK_ORDER, OP_TK_HANDLER,
       OP_TK_NOPTS, OP_TK_BRANCH = OP_TK_NOPTS, OP_TK_RECEIVED, OP_TK_NALL };
extern const struct op_field op_followup_fields[];
enum { OP_FU_CUSTOMER, OP_FU_KIND, OP_FU_PURPOSE, OP_FU_OPINION, OP_FU_NEXT_ACTION,
       OP_FU_NEXT_DUE, OP_FU_AT, OP_FU_NOPTS, OP_FU_STAFF = OP_FU_NOPTS,
       OP_FU_BRANCH, OP_FU_NALL };

/* Open a ticket: vals (OP_TK_NALL slots) with the customer's id and, if
 * given, the order's id (which must be that customer's) and a known
 * handler; the ticket and its first step in one transaction. 0 and *id,
 * or -1 with err (and field) set. */
int op_ticket_open(struct op_ctx *ctx, const char **vals, char **id);

/* One step a person takes on a ticket: what was done, the status after
 * it (NULL: stays), a new handler, and on closing the result and the
 * customer's satisfaction (1-5, 0: not given). */
struct op_ticket_step {
	const char *action, *status, *handler, *result;
	int64_t satisfaction;
};
/* Take step s on ticket id: the move from its status must be allowed
 * (field "status" names a refused one), the ticket changes and the step
 * is appended, in one transaction. 0 or -1. */
int op_ticket_step(struct op_ctx *ctx, const char *id, const struct op_ticket_step *s);

/* Record a follow-up: vals (OP_FU_NALL slots) with the customer's id; at
 * is local wall time as typed, stored in UTC; by ctx->as at this branch.
 * 0 and *id, or -1 with err (and field) set. */
int op_followup_add(struct op_ctx *ctx, const char **vals, char **id);
/* Whether raw (may be NULL) is a time a follow-up can take: 0 or -1. */
int op_followup_check_at(struct op_ctx *ctx, const char *raw);

#endif
