/*
 * cmd_order.c — `outpost order add|show|list|status`.
 *
 * An order is written whole or not at all: the sales_order row and its
 * order_item rows go in one transaction, after every item has been checked
 * against the catalogue, so a bad item leaves nothing behind. Items are
 * priced from the product table (or an explicit per-item price), money is
 * integer cents throughout, and the order number ('SH01-20261122-0001') is
 * given by the trigger in schema/003_numbers.sql, so it carries the branch
 * code. Status moves only along op_order_transition_ok (valid.h).
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "coupon.h"
#include "record.h"
#include "items.h"

/* What `order add` takes from options (the first NU entries), then what
 * the command fills in itself. One table, so add validates every column
 * the same way rec_insert does for customers. */
static const struct op_field F[] = {
	{ "payment", "payment", F_ENUM, &op_enum_payment, 0, 0, 0, "付款方式|支付方式|付款|支付" },
	{ "delivery-address", "delivery_address", F_TEXT, NULL, 0, 0, 0, "送货地址|收货地址|配送地址" },
	{ "expected", "expected_date", F_DATE, NULL, 0, 0, 0, "预计送货日期|预计交货日期|交货日期" },
	{ "channel", "channel", F_CHANNEL, NULL, 0, 0, 0, "渠道|来源|销售渠道" },
	{ "notes", "notes", F_TEXT, NULL, 0, 0, 0, "备注|说明" },
	{ "date", "order_date", F_DATE, NULL, 0, 0, 0, "日期|下单日期|订单日期" },
	/* not options */
	{ "customer", "customer_id", F_TEXT, NULL, 0, 0, 1, NULL },
	{ "total", "total", F_INT, NULL, 0, INT64_MAX, 1, NULL },
	{ "staff", "staff", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "discount", "discount", F_INT, NULL, 0, INT64_MAX, 0, NULL },
};
enum { NU = 6, I_CUSTOMER = 6, I_TOTAL, I_STAFF, I_BRANCH, I_DISCOUNT, NF };
_Static_assert(sizeof(F) / sizeof(F[0]) == NF, "order field indexes");

/* Largest order total and line total, in cents: the money limit of valid.h. */
#define MAX_CENTS INT64_C(10000000000000)

#define MONEY(col) "printf('%d.%02d', " col " / 100, " col " % 100)"


/* An order REF: id, id prefix or order number. The messages say "order",
 * the word staff use, rather than the table's name. */
int cmd_order_ref(struct op_cli *cli, const char *ref, char **id)
{
	if (cli_resolve(cli, "sales_order", "order_no", ref, id) == 0)
		return 0;
	if (cli->err.code == EX_NOINPUT)
		op_errc(&cli->err, EX_NOINPUT, "no order matches '%s'", ref);
	else if (cli->err.code == EX_USAGE)
		op_errc(&cli->err, EX_USAGE, "empty order reference");
	else if (cli->err.code == EX_DATAERR)
		op_errc(&cli->err, EX_DATAERR, "'%s' matches more than one order; "
			"give the order number or one of the ids above", ref);
	return -1;
}

/* An order needs a site: its number and branch column carry the code. */
static int need_site(struct op_cli *cli)
{
	if (op_db_site(cli->db))
		return 0;
	return cli_error(cli, EX_CONFIG,
			 "store has no site; run 'outpost init --site CODE' first");
}

/* ------------------------------------------------------------ show */

static const char SQL_SHOW[] =
	"SELECT o.id, o.order_no, o.order_date AS date, c.name AS customer,"
	"       c.phone, " MONEY("o.discount") " AS discount, " MONEY("o.total") " AS total,"
	"       " MONEY(ORDER_PAID("o.id")) " AS paid,"
	"       " MONEY("(o.total - " ORDER_PAID("o.id") ")") " AS outstanding, o.payment,"
	"       o.delivery_address, o.expected_date AS expected,"
	"       o.delivered_date AS delivered, o.status, o.channel, o.notes,"
	"       o.staff, o.branch, o.created_at"
	" FROM sales_order o LEFT JOIN customer c ON c.id = o.customer_id"
	" WHERE o.id = :id";
static const char SQL_ITEMS[] =
	"SELECT row_number() OVER (ORDER BY rowid) AS \"#\", sku, name, spec,"
	"       " ITEMS_QTY("qty", "qty_scale") " AS qty, unit,"
	"       " MONEY("unit_price") " AS unit_price,"
	"       " MONEY("discount") " AS discount,"
	"       " MONEY("line_total") " AS line_total"
	" FROM order_item WHERE order_id = :id ORDER BY rowid";

/* The columns of st's current row as JSON members "name": value, without
 * braces. Money columns are text ("4009.00") so no reader rounds them
 * through a float. */
static void json_members(FILE *fp, sqlite3_stmt *st)
{
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		op_json_str(fp, sqlite3_column_name(st, i));
		fputs(": ", fp);
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			fputs("null", fp);
			break;
		case SQLITE_INTEGER:
			fprintf(fp, "%lld", (long long)sqlite3_column_int64(st, i));
			break;
		default:
			op_json_str(fp, (const char *)sqlite3_column_text(st, i));
			break;
		}
	}
}

/* The head row vertically and then its items as a table (CSV: the head's
 * two lines, a blank line, the items), or with --json one object whose
 * "items" member is an array; see cmds.h. */
int cmd_show_with_items(struct op_cli *cli, const char *head_sql, const char *items_sql,
			const char *what, const char *id)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, head_sql), *it;
	int rc, n = 0;

	if (!st || op_bind_text(db, st, ":id", id) < 0)
		return -1;
	if ((rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_DONE)
		return op_errc(&cli->err, EX_NOINPUT, "no %s with id %s", what, id);

	if (cli->fmt != OP_FMT_JSON) {
		op_out_record_stmt(cli->out, cli->fmt, st);
		sqlite3_reset(st);
		if (!(it = op_db_stmt(db, items_sql)) || op_bind_text(db, it, ":id", id) < 0)
			return -1;
		fputc('\n', cli->out);
		op_out *o = op_out_new(cli->out, cli->fmt);
		n = op_out_stmt(o, it);
		op_out_end(o);
		sqlite3_reset(it);
		return n < 0 ? op_db_fail(db, "items") : 0;
	}

	fputc('{', cli->out);
	json_members(cli->out, st);
	sqlite3_reset(st);
	fputs(", \"items\": [", cli->out);
	if (!(it = op_db_stmt(db, items_sql)) || op_bind_text(db, it, ":id", id) < 0)
		return -1;
	while ((rc = op_db_step(db, it)) == SQLITE_ROW) {
		fputs(n++ ? ", {" : "{", cli->out);
		json_members(cli->out, it);
		fputc('}', cli->out);
	}
	sqlite3_reset(it);
	fputs("]}\n", cli->out);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int show_order(struct op_cli *cli, const char *id)
{
	return cmd_show_with_items(cli, SQL_SHOW, SQL_ITEMS, "order", id);
}

int cmd_order_show(struct op_cli *cli, const char *id)
{
	return show_order(cli, id);
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	char *id = NULL;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cmd_order_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	rc = show_order(cli, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
}

/* ------------------------------------------------------------ add */

static const char SQL_MERGED[] =
	"SELECT merged_into FROM customer WHERE id = :id AND merged_into IS NOT NULL";

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? strdup(s) : NULL;
}

/* A merged customer's orders go to the customer it was merged into. */
static int follow_merge(struct op_cli *cli, char **id)
{
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_MERGED);
	int rc;

	if (!st || op_bind_text(cli->db, st, ":id", *id) < 0 ||
	    (rc = op_db_step(cli->db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		char *to = col_dup(st, 0);
		sqlite3_reset(st);
		if (!to)
			return op_errc(&cli->err, EX_OSERR, "out of memory");
		cli_warn(cli, "customer %s was merged into %s; the order goes to %s",
			 cli_short_id(*id), cli_short_id(to), cli_short_id(to));
		free(*id);
		*id = to;
	}
	return 0;
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt extra[] = { { "customer", 0, NULL }, { "discount", 0, NULL },
				   { "coupon", 0, NULL }, { NULL, 0, NULL } };
	const char *vals[NF];
	char *cust = NULL, *id = NULL;
	struct op_lines L;
	int rc;

	memset(vals, 0, sizeof(vals));
	if ((rc = items_begin(cli, argc, argv, F, NU, vals, extra, &L)) >= 0)
		goto out;
	if ((rc = need_site(cli)) != 0)
		goto out;
	if (cmd_customer_ref(cli, extra[0].val, &cust) < 0 || follow_merge(cli, &cust) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	if (op_db_begin(cli->db, cli->as) < 0 || items_price_all(cli, &L, extra[1].val) < 0)
		goto fail;
	vals[I_CUSTOMER] = cust;
	vals[I_TOTAL] = L.total_s;
	vals[I_DISCOUNT] = L.discount_s;
	vals[I_STAFF] = cli->as;
	vals[I_BRANCH] = op_db_site(cli->db);
	if (rec_insert(cli, "sales_order", F, NF, vals, &id) < 0 ||
	    items_insert_all(cli, "order_item", id, &L) < 0 ||
	    (extra[2].val && op_coupon_redeem(cli->db, extra[2].val, id, cli->as, NULL) < 0) ||
	    op_db_commit(cli->db) < 0)
		goto fail;
	rc = show_order(cli, id) < 0 ? cli_fail(cli) : 0;
	goto out;
fail:
	op_db_rollback(cli->db);
	rc = cli_fail(cli);
out:
	items_end(&L);
	free(cust);
	free(id);
	return rc;
}

/* ------------------------------------------------------------ list */

static const char SQL_LIST[] =
	"SELECT o.order_no, o.order_date AS date, c.name AS customer,"
	"       " MONEY("o.total") " AS total, o.status, o.staff"
	" FROM sales_order o LEFT JOIN customer c ON c.id = o.customer_id"
	" WHERE (:customer IS NULL OR o.customer_id = :customer)"
	"   AND (:status IS NULL OR o.status = :status)"
	"   AND (:from IS NULL OR o.order_date >= :from)"
	"   AND (:to IS NULL OR o.order_date <= :to)"
	" ORDER BY o.order_date DESC, o.order_no DESC LIMIT :limit";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "customer", 0, NULL }, { "status", 0, NULL },
				  { "from", 0, NULL }, { "to", 0, NULL },
				  { "limit", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *why, *status = NULL;
	char from[16], to[16], *cust = NULL;
	int npos, rc;
	int64_t limit = 1000;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "limit") &&
	    op_valid_int(&limit, cli_opt(spec, "limit"), 1, 10000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "limit: %s", why);
	if (cli_opt(spec, "status") &&
	    op_valid_enum(&status, &op_enum_order_status, cli_opt(spec, "status"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "status: %s", why);
	if (cli_opt(spec, "from") &&
	    op_valid_date(from, sizeof(from), cli_opt(spec, "from"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "from: %s", why);
	if (cli_opt(spec, "to") &&
	    op_valid_date(to, sizeof(to), cli_opt(spec, "to"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "to: %s", why);
	if (cli_opt(spec, "customer") &&
	    cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":customer", cust) < 0 ||
	    op_bind_text(cli->db, st, ":status", status) < 0 ||
	    op_bind_text(cli->db, st, ":from", cli_opt(spec, "from") ? from : NULL) < 0 ||
	    op_bind_text(cli->db, st, ":to", cli_opt(spec, "to") ? to : NULL) < 0 ||
	    op_bind_int(cli->db, st, ":limit", limit) < 0)
		rc = cli_fail(cli);
	else
		rc = cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
	free(cust);
	return rc;
}

/* ------------------------------------------------------------ status */

static const char SQL_STATUS_GET[] =
	"SELECT o.status, o.order_no, o.total - " ORDER_PAID("o.id")
	" FROM sales_order o WHERE o.id = :id";
/* Delivery ends the wait: the delivered date is today unless one was
 * recorded already. A note is appended to the notes, dated ("; " between:
 * notes are one line, op_valid_text refuses line breaks). */
static const char SQL_STATUS_SET[] =
	"UPDATE main.sales_order SET status = :new,"
	"  delivered_date = CASE WHEN :delivered AND coalesce(delivered_date, '') = ''"
	"                        THEN date('now') ELSE delivered_date END,"
	"  notes = CASE WHEN :note IS NULL THEN notes"
	"               ELSE coalesce(nullif(notes, '') || '; ', '')"
	"                    || date('now') || ' ' || :new || ': ' || :note END"
	" WHERE id = :id AND status = :old";

/* "shipped, cancelled": the statuses from may move to. */
static void next_statuses(char *out, size_t n, const char *from)
{
	size_t len = 0;
	out[0] = '\0';
	for (const struct op_enum_alias *a = op_enum_order_status.v; a->canon; a++)
		if (op_order_transition_ok(from, a->canon) && len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s",
						len ? ", " : "", a->canon);
}

/* Completing an order that still has due cents outstanding: refused
 * unless a manager (manager, hq or admin; anyone in a store nobody has
 * secured) says so with --force. Then the note records who and how much.
 * 0, or -1 with cli->err set. */
static int balance_due(struct op_cli *cli, int64_t due, int force, const char **note,
		       char *buf, size_t bufsz)
{
	char amt[32];

	rec_money(amt, sizeof(amt), due);
	if (!force)
		return op_errc(&cli->err, EX_DATAERR, "order has %s outstanding; record "
			       "the balance first (payment add), or a manager may "
			       "complete it with --force", amt);
	if (cli->role[0] && strcmp(cli->role, "manager") != 0 &&
	    strcmp(cli->role, "hq") != 0 && strcmp(cli->role, "admin") != 0)
		return op_errc(&cli->err, EX_NOPERM, "completing an order with %s "
			       "outstanding needs the role manager, hq or admin (%s is %s)",
			       amt, cli->as, cli->role);
	/* *note may point into buf already: build aside, then copy */
	sqlite3_str *s = sqlite3_str_new(NULL);
	sqlite3_str_appendf(s, "%s%scompleted with %s outstanding by %s",
			    *note ? *note : "", *note ? "; " : "", amt,
			    cli->as ? cli->as : "?");
	char *t = sqlite3_str_finish(s);
	snprintf(buf, bufsz, "%s", t ? t : "");
	sqlite3_free(t);
	*note = buf;
	return 0;
}

static int cmd_status(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "note", 0, NULL }, { "force", 1, NULL },
				  { NULL, 0, NULL } };
	const char *pos[2], *why, *to, *note;
	char *id = NULL, old[32], next[128], notebuf[4096];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 2, 2, &npos)) >= 0)
		return rc;
	if (op_valid_enum(&to, &op_enum_order_status, pos[1], &why) < 0)
		return cli_error(cli, EX_DATAERR, "status: %s", why);
	if ((note = cli_opt(spec, "note"))) {
		static const struct op_field note_f = { "note", "notes", F_TEXT, NULL, 0, 0, 0, NULL };
		int isnull;
		if (rec_norm(cli, &note_f, note, notebuf, sizeof(notebuf), &isnull) < 0)
			return cli_fail(cli);
		note = isnull ? NULL : notebuf;
	}
	if (cmd_order_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);

	op_db *db = cli->db;
	sqlite3_stmt *st;
	if (op_db_begin(db, cli->as) < 0 || !(st = op_db_stmt(db, SQL_STATUS_GET)) ||
	    op_bind_text(db, st, ":id", id) < 0 || (rc = op_db_step(db, st)) < 0)
		goto fail;
	if (rc == SQLITE_DONE) {
		op_errc(&cli->err, EX_NOINPUT, "no order with id %s", id);
		goto fail;
	}
	snprintf(old, sizeof(old), "%s", (const char *)sqlite3_column_text(st, 0));
	int64_t due = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	if (strcmp(old, to) == 0) {
		op_errc(&cli->err, EX_DATAERR, "order is already %s", old);
		goto fail;
	}
	if (!op_order_transition_ok(old, to)) {
		next_statuses(next, sizeof(next), old);
		if (next[0])
			op_errc(&cli->err, EX_DATAERR, "cannot go from %s to %s "
				"(%s may become: %s)", old, to, old, next);
		else
			op_errc(&cli->err, EX_DATAERR, "cannot go from %s to %s "
				"(%s is final)", old, to, old);
		goto fail;
	}
	if (strcmp(to, "completed") == 0 && due > 0 &&
	    balance_due(cli, due, cli_opt(spec, "force") != NULL, &note, notebuf,
			sizeof(notebuf)) < 0)
		goto fail;
	int delivered = strcmp(to, "delivered") == 0 || strcmp(to, "completed") == 0;
	if (!(st = op_db_stmt(db, SQL_STATUS_SET)) ||
	    op_bind_text(db, st, ":new", to) < 0 ||
	    op_bind_int(db, st, ":delivered", delivered) < 0 ||
	    op_bind_text(db, st, ":note", note) < 0 ||
	    op_bind_text(db, st, ":id", id) < 0 ||
	    op_bind_text(db, st, ":old", old) < 0 || op_db_run(db, st) < 0)
		goto fail;
	/* goods leave stock when shipped, and come back when returned */
	int left = strcmp(old, "pending") != 0;
	if ((strcmp(to, "shipped") == 0 && cmd_stock_order(cli, id, "sale") < 0) ||
	    (strcmp(to, "returned") == 0 && left && cmd_stock_order(cli, id, "return") < 0) ||
	    op_db_commit(db) < 0)
		goto fail;
	rc = show_order(cli, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
fail:
	op_db_rollback(db);
	free(id);
	return cli_fail(cli);
}

const struct op_cmd op_cmds_order[] = {
	{ "order", "add", cmd_add,
	  "order add --customer REF --item SKU:QTY[:PRICE[:DISCOUNT]] [--item ...] [--payment P]\n"
	  "       [--delivery-address A] [--expected DATE] [--channel C] [--notes N]\n"
	  "       [--date DATE] [--discount MONEY|N%|N折] [--coupon CODE]",
	  "record an order; QTY in the product's unit (3.5 for metres); items are priced "
	  "from the catalogue unless PRICE (per unit) is given; DISCOUNT and --discount take "
	  "money off a line or the whole order (50, 10%, 9折); --coupon redeems a coupon on it" },
	{ "order", "show", cmd_show, "order show REF",
	  "one order and its items (REF: id, its first 6+ characters, or order number)" },
	{ "order", "list", cmd_list,
	  "order list [--customer REF] [--status S] [--from DATE] [--to DATE] [--limit N]",
	  "orders, newest first" },
	{ "order", "status", cmd_status, "order status REF NEW_STATUS [--note N] [--force]",
	  "move an order along pending -> shipped -> delivered -> completed, "
	  "or to cancelled / returned; an order with a balance due completes only "
	  "with a manager's --force" },
	{ NULL, NULL, NULL, NULL, NULL },
};
