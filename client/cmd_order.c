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
#include "record.h"

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
};
enum { NU = 6, I_CUSTOMER = 6, I_TOTAL, I_STAFF, I_BRANCH, NF };
_Static_assert(sizeof(F) / sizeof(F[0]) == NF, "order field indexes");

/* Largest order total and line total, in cents: the money limit of valid.h. */
#define MAX_CENTS INT64_C(10000000000000)

#define MONEY(col) "printf('%d.%02d', " col " / 100, " col " % 100)"
/* A quantity of scale decimals: whole units stay integers (JSON 3), others
 * are exact decimal text (JSON "3.50"), as op_qty_format writes them. */
#define QTY(q, scale) "CASE WHEN " scale " = 0 THEN " q " ELSE printf('%d.%0*d', " \
	q " / " POW10(scale) ", " scale ", " q " % " POW10(scale) ") END"
#define POW10(scale) "(CASE " scale " WHEN 1 THEN 10 WHEN 2 THEN 100 ELSE 1000 END)"


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
	"       c.phone, " MONEY("o.total") " AS total,"
	"       " MONEY(ORDER_PAID("o.id")) " AS paid,"
	"       " MONEY("(o.total - " ORDER_PAID("o.id") ")") " AS outstanding, o.payment,"
	"       o.delivery_address, o.expected_date AS expected,"
	"       o.delivered_date AS delivered, o.status, o.channel, o.notes,"
	"       o.staff, o.branch, o.created_at"
	" FROM sales_order o LEFT JOIN customer c ON c.id = o.customer_id"
	" WHERE o.id = :id";
static const char SQL_ITEMS[] =
	"SELECT row_number() OVER (ORDER BY rowid) AS \"#\", sku, name, spec,"
	"       " QTY("qty", "qty_scale") " AS qty, unit,"
	"       " MONEY("unit_price") " AS unit_price,"
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

/* Print order id: the order vertically and then its items as a table (CSV:
 * the order's two lines, a blank line, the items), or with --json one
 * object whose "items" member is an array. 0, or -1 with the error set. */
static int show_order(struct op_cli *cli, const char *id)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_SHOW), *it;
	int rc, n = 0;

	if (!st || op_bind_text(db, st, ":id", id) < 0)
		return -1;
	if ((rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_DONE)
		return op_errc(&cli->err, EX_NOINPUT, "no order with id %s", id);

	if (cli->fmt != OP_FMT_JSON) {
		op_out_record_stmt(cli->out, cli->fmt, st);
		sqlite3_reset(st);
		if (!(it = op_db_stmt(db, SQL_ITEMS)) || op_bind_text(db, it, ":id", id) < 0)
			return -1;
		fputc('\n', cli->out);
		op_out *o = op_out_new(cli->out, cli->fmt);
		n = op_out_stmt(o, it);
		op_out_end(o);
		sqlite3_reset(it);
		return n < 0 ? op_db_fail(db, "order items") : 0;
	}

	fputc('{', cli->out);
	json_members(cli->out, st);
	sqlite3_reset(st);
	fputs(", \"items\": [", cli->out);
	if (!(it = op_db_stmt(db, SQL_ITEMS)) || op_bind_text(db, it, ":id", id) < 0)
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

struct item {
	const char *arg;	/* "SKU:QTY[:PRICE]" as typed (argv) */
	char sku[128], qtys[64];	/* qtys: the quantity as typed */
	int64_t qty, price;	/* qty in steps of the unit; price < 0: the product's */
	int scale;		/* the unit's decimals (product.qty_scale) */
	char *product_id, *name, *spec, *unit;
	int64_t line;
};

/* Parse item k's text (no database): SKU, quantity, optional price. */
static int parse_item(struct op_cli *cli, int k, struct item *it)
{
	const char *a = it->arg, *c1 = strchr(a, ':'), *c2, *why;
	char *qty = it->qtys;

	it->price = -1;
	if (!c1 || c1 == a)
		return op_errc(&cli->err, EX_DATAERR, "item %d: '%s' is not "
			       "SKU:QTY[:PRICE]", k, a);
	if ((size_t)(c1 - a) >= sizeof(it->sku))
		return op_errc(&cli->err, EX_DATAERR, "item %d: sku is too long", k);
	memcpy(it->sku, a, (size_t)(c1 - a));
	it->sku[c1 - a] = '\0';
	c2 = strchr(c1 + 1, ':');
	size_t ql = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	if (ql >= sizeof(it->qtys))
		ql = sizeof(it->qtys) - 1;
	memcpy(qty, c1 + 1, ql);
	qty[ql] = '\0';
	/* the quantity is checked against the product's unit (price_item) */
	if (!qty[0])
		return op_errc(&cli->err, EX_DATAERR, "item %d: quantity: empty", k);
	if (c2 && op_valid_money(&it->price, c2 + 1, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "item %d: price '%s': %s",
			       k, c2 + 1, why);
	return 0;
}

static const char SQL_PRODUCT[] =
	"SELECT id, name, spec, price, active, unit, qty_scale FROM product WHERE sku = :sku";
static const char SQL_ITEM_INSERT[] =
	"INSERT INTO main.order_item(order_id, product_id, sku, name, spec, qty,"
	"                       unit_price, line_total, unit, qty_scale)"
	" VALUES (:order, :product, :sku, :name, :spec, :qty, :price, :line,"
	"         :unit, :scale)";
static const char SQL_MERGED[] =
	"SELECT merged_into FROM customer WHERE id = :id AND merged_into IS NOT NULL";

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? strdup(s) : NULL;
}

/* Price item k from the catalogue; adds its line to *total. Inside the
 * order's transaction, so the prices read are the ones written. */
static int price_item(struct op_cli *cli, int k, struct item *it, int64_t *total)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_PRODUCT);
	int rc;

	if (!st || op_bind_text(db, st, ":sku", it->sku) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_DONE)
		return op_errc(&cli->err, EX_DATAERR, "item %d: no product with sku '%s'",
			       k, it->sku);
	if (!sqlite3_column_int(st, 4)) {
		sqlite3_reset(st);
		return op_errc(&cli->err, EX_DATAERR, "item %d: product '%s' is no "
			       "longer sold", k, it->sku);
	}
	it->product_id = col_dup(st, 0);
	it->name = col_dup(st, 1);
	it->spec = col_dup(st, 2);
	it->unit = col_dup(st, 5);
	it->scale = sqlite3_column_int(st, 6);
	if (it->price < 0)
		it->price = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	if (!it->product_id || !it->name)
		return op_errc(&cli->err, EX_OSERR, "out of memory");
	const char *why;
	if (op_valid_qty(&it->qty, it->qtys, it->scale, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "item %d: quantity '%s' %s: %s",
			       k, it->qtys, it->unit ? it->unit : "", why);
	if (op_line_total(&it->line, it->qty, it->scale, it->price) < 0 ||
	    it->line > MAX_CENTS)
		return op_errc(&cli->err, EX_DATAERR, "item %d: line total is too large", k);
	*total += it->line;
	if (*total > MAX_CENTS)
		return op_errc(&cli->err, EX_DATAERR, "item %d: order total is too large", k);
	return 0;
}

static int insert_item(struct op_cli *cli, const char *order, const struct item *it)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_ITEM_INSERT);

	if (!st || op_bind_text(db, st, ":order", order) < 0 ||
	    op_bind_text(db, st, ":product", it->product_id) < 0 ||
	    op_bind_text(db, st, ":sku", it->sku) < 0 ||
	    op_bind_text(db, st, ":name", it->name) < 0 ||
	    op_bind_text(db, st, ":spec", it->spec) < 0 ||
	    op_bind_int(db, st, ":qty", it->qty) < 0 ||
	    op_bind_int(db, st, ":price", it->price) < 0 ||
	    op_bind_int(db, st, ":line", it->line) < 0 ||
	    op_bind_text(db, st, ":unit", it->unit) < 0 ||
	    op_bind_int(db, st, ":scale", it->scale) < 0 || op_db_run(db, st) < 0)
		return op_errctx(op_db_err(db), "cannot add order item");
	return 0;
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
	struct cli_opt extra[] = { { "customer", 0, NULL }, { NULL, 0, NULL } };
	const char *vals[NF], *pos[1], **args = NULL;
	char **rest = NULL, *cust = NULL, *id = NULL, total_s[32];
	struct item *items = NULL;
	int nrest = 0, nitems = 0, npos, help, rc = 0, k;
	int64_t total = 0;

	memset(vals, 0, sizeof(vals));
	if (cli_split_multi(cli, argc, argv, "item", NULL, &rest, &nrest, &args, &nitems) < 0 ||
	    rec_parse(cli, nrest, rest, F, NU, vals, extra, pos, 0, &npos, &help) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		goto out;
	}
	if (help) {
		cli_usage(cli->cmd, stdout);
		goto out;
	}
	if (!extra[0].val || nitems == 0) {
		op_errc(&cli->err, EX_USAGE, "%s is required", !extra[0].val ?
			"--customer REF" : "at least one --item SKU:QTY[:PRICE]");
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		goto out;
	}
	if (cli_db(cli, &cli->db) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	if ((rc = need_site(cli)) != 0)
		goto out;
	if (cmd_customer_ref(cli, extra[0].val, &cust) < 0 || follow_merge(cli, &cust) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	if (!(items = calloc((size_t)nitems, sizeof(*items)))) {
		rc = cli_error(cli, EX_OSERR, "out of memory");
		goto out;
	}
	for (k = 0; k < nitems; k++) {
		items[k].arg = args[k];
		if (parse_item(cli, k + 1, &items[k]) < 0) {
			rc = cli_fail(cli);
			goto out;
		}
	}

	if (op_db_begin(cli->db, cli->as) < 0)
		goto fail;
	for (k = 0; k < nitems; k++)
		if (price_item(cli, k + 1, &items[k], &total) < 0)
			goto fail;
	snprintf(total_s, sizeof(total_s), "%lld", (long long)total);
	vals[I_CUSTOMER] = cust;
	vals[I_TOTAL] = total_s;
	vals[I_STAFF] = cli->as;
	vals[I_BRANCH] = op_db_site(cli->db);
	if (rec_insert(cli, "sales_order", F, NF, vals, &id) < 0)
		goto fail;
	for (k = 0; k < nitems; k++)
		if (insert_item(cli, id, &items[k]) < 0)
			goto fail;
	if (op_db_commit(cli->db) < 0)
		goto fail;
	rc = show_order(cli, id) < 0 ? cli_fail(cli) : 0;
	goto out;
fail:
	op_db_rollback(cli->db);
	rc = cli_fail(cli);
out:
	for (k = 0; items && k < nitems; k++) {
		free(items[k].product_id);
		free(items[k].name);
		free(items[k].spec);
		free(items[k].unit);
	}
	free(items);
	free(rest);
	free(args);
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
	    op_bind_text(db, st, ":old", old) < 0 || op_db_run(db, st) < 0 ||
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
	  "order add --customer REF --item SKU:QTY[:PRICE] [--item ...] [--payment P]\n"
	  "       [--delivery-address A] [--expected DATE] [--channel C] [--notes N]\n"
	  "       [--date DATE]",
	  "record an order; items are priced from the catalogue unless PRICE is given" },
	{ "order", "show", cmd_show, "order show REF",
	  "one order and its items (REF: id, its first 6+ characters, or order number)" },
	{ "order", "list", cmd_list,
	  "order list [--customer REF] [--status S] [--from DATE] [--to DATE] [--limit N]",
	  "orders, newest first" },
	{ "order", "status", cmd_status, "order status REF NEW_STATUS [--note N] [--force]",
	  "move an order along pending -> shipped -> delivered -> completed, "
	  "or to cancelled / returned;\nan order with a balance due completes only "
	  "with a manager's --force" },
	{ NULL, NULL, NULL, NULL, NULL },
};
