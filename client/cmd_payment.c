/*
 * cmd_payment.c — `outpost payment add|list|outstanding`: money received
 * against an order (deposit 定金, balance 尾款, a full payment) and money
 * given back (refund).
 *
 * A payment is a row (schema/013_payments.sql), never an update of a
 * total: two payments recorded offline at two sites are two rows, and
 * both count wherever they meet (HQ). What an order has been paid is the
 * sum of its payments less its refunds (ORDER_PAID in cmds.h); `order
 * show` prints it with the outstanding balance, and `order status REF
 * completed` refuses an order with a balance due unless a manager says
 * --force (cmd_order.c). A payment may not exceed what is outstanding, a
 * refund what was paid; a cancelled or returned order takes refunds only.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

static const struct op_field F[] = {
	{ "amount", "amount", F_MONEY, NULL, 0, 0, 1, NULL },
	{ "method", "method", F_ENUM, &op_enum_payment, 0, 0, 1, NULL },
	{ "kind", "kind", F_ENUM, &op_enum_payment_kind, 0, 0, 0, NULL },
	{ "notes", "notes", F_TEXT, NULL, 0, 0, 0, NULL },
	/* not options */
	{ "order", "order_id", F_TEXT, NULL, 0, 0, 1, NULL },
	{ "staff", "staff", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
};
enum { I_AMOUNT, I_METHOD, I_KIND, NU = 4, I_ORDER = 4, I_STAFF, I_BRANCH, NF };
_Static_assert(sizeof(F) / sizeof(F[0]) == NF, "payment field indexes");

#define MONEY(col) "printf('%d.%02d', " col " / 100, " col " % 100)"

static const char SQL_ORDER[] =
	"SELECT order_no, status, total, " ORDER_PAID("o.id") ","
	" (SELECT count(*) FROM payment WHERE order_id = o.id)"
	" FROM sales_order o WHERE o.id = :id";

static const char SHOW_COLS[] =
	"id, (SELECT order_no FROM sales_order o WHERE o.id = order_id) AS order_no,"
	" kind, " MONEY("amount") " AS amount, method, paid_at, staff, branch, notes,"
	" (SELECT " MONEY("o.total") " FROM sales_order o WHERE o.id = order_id) AS order_total,"
	" (SELECT " MONEY(ORDER_PAID("o.id")) " FROM sales_order o WHERE o.id = order_id) AS paid,"
	" (SELECT " MONEY("(o.total - " ORDER_PAID("o.id") ")") " FROM sales_order o"
	"   WHERE o.id = order_id) AS outstanding";

/* The order's state for a new payment of amount: its kind when none was
 * given (the first payment short of the total is a deposit, the one that
 * follows a balance), and the refusals. 0, or -1 with cli->err set. */
static int check_amount(struct op_cli *cli, const char *order, int64_t amount,
			const char **kind)
{
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_ORDER);
	char no[64], status[32], a[32], b[32];
	int64_t total, paid, count;
	int rc;

	if (!st || op_bind_text(cli->db, st, ":id", order) < 0 ||
	    (rc = op_db_step(cli->db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return op_errc(&cli->err, EX_NOINPUT, "no order with id %s", order);
	snprintf(no, sizeof(no), "%s", sqlite3_column_text(st, 0) ?
		 (const char *)sqlite3_column_text(st, 0) : cli_short_id(order));
	snprintf(status, sizeof(status), "%s", (const char *)sqlite3_column_text(st, 1));
	total = sqlite3_column_int64(st, 2);
	paid = sqlite3_column_int64(st, 3);
	count = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	rec_money(a, sizeof(a), amount);
	if (*kind && strcmp(*kind, "refund") == 0) {
		rec_money(b, sizeof(b), paid);
		if (amount > paid)
			return op_errc(&cli->err, EX_DATAERR, "amount: a refund of %s is "
				       "more than the %s paid on %s", a, b, no);
		return 0;
	}
	if (strcmp(status, "cancelled") == 0 || strcmp(status, "returned") == 0)
		return op_errc(&cli->err, EX_DATAERR, "order %s is %s; only a refund "
			       "can be recorded (--kind refund)", no, status);
	rec_money(b, sizeof(b), total - paid);
	if (amount > total - paid)
		return op_errc(&cli->err, EX_DATAERR, "amount: %s is more than the %s "
			       "outstanding on %s", a, b, no);
	if (!*kind)
		*kind = count ? "balance" : amount < total ? "deposit" : "payment";
	return 0;
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[NF] = { 0 }, *pos[1], *why;
	char *order = NULL;
	int npos, rc;
	int64_t amount;

	if ((rc = rec_begin(cli, argc, argv, F, NU, vals, NULL, pos, 1, &npos)) >= 0)
		return rc;
	if (npos < 1 || !vals[I_AMOUNT] || !vals[I_METHOD]) {
		op_errc(&cli->err, EX_USAGE, "%s is required", npos < 1 ? "ORDER" :
			!vals[I_AMOUNT] ? "--amount MONEY" : "--method M");
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (op_valid_money(&amount, vals[I_AMOUNT], &why) < 0)
		return cli_error(cli, EX_DATAERR, "amount: %s", why);
	if (amount == 0)
		return cli_error(cli, EX_DATAERR, "amount: must be more than 0.00");
	const char *kind = NULL;
	if (vals[I_KIND] && op_valid_enum(&kind, &op_enum_payment_kind, vals[I_KIND], &why) < 0)
		return cli_error(cli, EX_DATAERR, "kind: %s", why);
	if (cli_db(cli, &cli->db) < 0 || cmd_order_ref(cli, pos[0], &order) < 0)
		return cli_fail(cli);
	if (check_amount(cli, order, amount, &kind) < 0) {
		free(order);
		return cli_fail(cli);
	}
	vals[I_KIND] = kind;
	vals[I_ORDER] = order;
	vals[I_STAFF] = cli->as;
	vals[I_BRANCH] = op_db_site(cli->db);
	rc = rec_add_show(cli, "payment", F, NF, vals, SHOW_COLS, NULL, NULL);
	free(order);
	return rc;
}

static const char SQL_LIST[] =
	"SELECT " CLI_SHORT_ID("p.id") " AS id, o.order_no, c.name AS customer, p.kind,"
	"       " MONEY("p.amount") " AS amount, p.method, p.paid_at, p.staff, p.branch"
	" FROM payment p JOIN sales_order o ON o.id = p.order_id"
	" LEFT JOIN customer c ON c.id = o.customer_id"
	" WHERE (:order IS NULL OR p.order_id = :order)"
	"   AND (:from IS NULL OR p.paid_at >= :from)"
	"   AND (:to IS NULL OR p.paid_at < date(:to, '+1 day'))"
	" ORDER BY p.paid_at, p.id";

/* --from/--to as dates, --order as an order REF; 0 or -1 (error set). */
static int list_args(struct op_cli *cli, const struct cli_opt *spec, char from[16],
		     char to[16], char **order)
{
	const char *why;
	if (cli_opt(spec, "from") &&
	    op_valid_date(from, 16, cli_opt(spec, "from"), &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "from: %s", why);
	if (cli_opt(spec, "to") && op_valid_date(to, 16, cli_opt(spec, "to"), &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "to: %s", why);
	if (order && cli_opt(spec, "order") && cmd_order_ref(cli, cli_opt(spec, "order"), order) < 0)
		return -1;
	return 0;
}

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "order", 0, NULL }, { "from", 0, NULL },
				  { "to", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char from[16], to[16], *order = NULL;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (list_args(cli, spec, from, to, &order) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":order", order) < 0 ||
	    op_bind_text(cli->db, st, ":from", cli_opt(spec, "from") ? from : NULL) < 0 ||
	    op_bind_text(cli->db, st, ":to", cli_opt(spec, "to") ? to : NULL) < 0)
		rc = cli_fail(cli);
	else
		rc = cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
	free(order);
	return rc;
}

/* Orders still owed money: not cancelled or returned, total above what
 * was paid. */
static const char SQL_OUTSTANDING[] =
	"SELECT o.order_no, o.order_date AS date, c.name AS customer, c.phone,"
	"       " MONEY("o.total") " AS total, " MONEY("x.paid") " AS paid,"
	"       " MONEY("(o.total - x.paid)") " AS outstanding, o.status, o.staff, o.branch"
	" FROM (SELECT s.id, " ORDER_PAID("s.id") " AS paid FROM sales_order s"
	"       WHERE s.status NOT IN ('cancelled', 'returned')) x"
	" JOIN sales_order o ON o.id = x.id LEFT JOIN customer c ON c.id = o.customer_id"
	" WHERE o.total > x.paid AND (:branch IS NULL OR o.branch = :branch)"
	"   AND (:from IS NULL OR o.order_date >= :from) AND (:to IS NULL OR o.order_date <= :to)"
	" ORDER BY o.order_date, o.order_no";
static const char SQL_OUTSTANDING_SUM[] =
	"SELECT count(*) AS orders, " MONEY("coalesce(sum(o.total - x.paid), 0)") " AS outstanding"
	" FROM (SELECT s.id, " ORDER_PAID("s.id") " AS paid FROM sales_order s"
	"       WHERE s.status NOT IN ('cancelled', 'returned')) x"
	" JOIN sales_order o ON o.id = x.id"
	" WHERE o.total > x.paid AND (:branch IS NULL OR o.branch = :branch)"
	"   AND (:from IS NULL OR o.order_date >= :from) AND (:to IS NULL OR o.order_date <= :to)";

static int cmd_outstanding(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { "from", 0, NULL },
				  { "to", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char from[16], to[16];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (list_args(cli, spec, from, to, NULL) < 0)
		return cli_fail(cli);
	const char *const sqls[2] = { SQL_OUTSTANDING, SQL_OUTSTANDING_SUM };
	/* the total follows the rows in the text table only */
	for (int k = 0; k < (cli->fmt == OP_FMT_TABLE ? 2 : 1); k++) {
		sqlite3_stmt *st = op_db_stmt(cli->db, sqls[k]);
		if (k)
			fputc('\n', cli->out);
		if (!st || op_bind_text(cli->db, st, ":branch", cli_opt(spec, "branch")) < 0 ||
		    op_bind_text(cli->db, st, ":from", cli_opt(spec, "from") ? from : NULL) < 0 ||
		    op_bind_text(cli->db, st, ":to", cli_opt(spec, "to") ? to : NULL) < 0 ||
		    cli_print_rows(cli, st) < 0)
			return cli_fail(cli);
	}
	return 0;
}

const struct op_cmd op_cmds_payment[] = {
	{ "payment", "add", cmd_add,
	  "payment add ORDER --amount MONEY --method M [--kind deposit|balance|payment|refund]\n"
	  "       [--notes N]",
	  "record money received for an order, or a refund (M: 现金 微信 支付宝 银行卡 转账 ...; "
	  "without --kind the first payment short of the total is a deposit, later ones the balance)" },
	{ "payment", "list", cmd_list,
	  "payment list [--order REF] [--from DATE] [--to DATE]",
	  "payments and refunds in the order they were made" },
	{ "payment", "outstanding", cmd_outstanding,
	  "payment outstanding [--branch CODE] [--from DATE] [--to DATE]",
	  "orders with a balance due (not cancelled or returned), oldest first, and the total" },
	{ NULL, NULL, NULL, NULL, NULL },
};
