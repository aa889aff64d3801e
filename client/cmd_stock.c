/*
 * cmd_stock.c — `outpost stock receive|return|adjust|safe|list`: what each
 * branch has on hand of each product.
 *
 * Every movement is a stock_move row and a change of stock.on_hand, a
 * counter column (schema/016_stock.sql): a receipt booked at HQ for a
 * branch and that branch's sales while it is offline add up wherever they
 * meet. The stock row of a product at a branch has the id PRODUCT@BRANCH,
 * so every store holds the same row. Sales move stock when an order is
 * shipped, and a returned order brings it back (cmd_stock_order, called by
 * `order status`). Quantities are in the product's unit, exact, like order
 * quantities. Below its safe level a product gets a line in `remind`.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "items.h"
#include "record.h"

static const char SQL_STOCK_ADD[] =
	"INSERT INTO main.stock(id, product_id, branch, on_hand)"
	" VALUES (:pid || '@' || :branch, :pid, :branch, :d)"
	" ON CONFLICT(id) DO UPDATE SET on_hand = on_hand + excluded.on_hand";
static const char SQL_MOVE[] =
	"INSERT INTO main.stock_move(product_id, branch, kind, qty, order_id, staff, notes)"
	" VALUES (:pid, :branch, :kind, :d, :order, :staff, :notes)";

/* Book one movement of d steps. Inside a transaction; 0 or -1. */
static int move(struct op_cli *cli, const char *pid, const char *branch, const char *kind,
		int64_t d, const char *order, const char *notes)
{
	op_db *db = cli->db;
	sqlite3_stmt *st;

	if (!(st = op_db_stmt(db, SQL_MOVE)) || op_bind_text(db, st, ":pid", pid) < 0 ||
	    op_bind_text(db, st, ":branch", branch) < 0 || op_bind_text(db, st, ":kind", kind) < 0 ||
	    op_bind_int(db, st, ":d", d) < 0 || op_bind_text(db, st, ":order", order) < 0 ||
	    op_bind_text(db, st, ":staff", cli->as) < 0 ||
	    op_bind_text(db, st, ":notes", notes) < 0 || op_db_run(db, st) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_STOCK_ADD)) || op_bind_text(db, st, ":pid", pid) < 0 ||
	    op_bind_text(db, st, ":branch", branch) < 0 || op_bind_int(db, st, ":d", d) < 0 ||
	    op_db_run(db, st) < 0)
		return -1;
	return 0;
}

static const char SQL_ORDER_LINES[] =
	"SELECT i.product_id, o.branch, sum(i.qty) FROM order_item i"
	" JOIN sales_order o ON o.id = i.order_id"
	" WHERE i.order_id = :id AND i.product_id IS NOT NULL AND o.branch IS NOT NULL"
	" GROUP BY i.product_id, o.branch";

int cmd_stock_order(struct op_cli *cli, const char *order, const char *kind)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_ORDER_LINES);
	struct { char *pid, *branch; int64_t q; } l[64];
	int n = 0, rc = 0;

	if (!st || op_bind_text(db, st, ":id", order) < 0)
		return -1;
	while (n < 64 && (rc = op_db_step(db, st)) == SQLITE_ROW) {
		l[n].pid = strdup((const char *)sqlite3_column_text(st, 0));
		l[n].branch = strdup((const char *)sqlite3_column_text(st, 1));
		l[n].q = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	rc = rc < 0 ? -1 : 0;
	for (int k = 0; k < n; k++) {
		if (rc == 0 && (!l[k].pid || !l[k].branch ||
				move(cli, l[k].pid, l[k].branch, kind,
				     strcmp(kind, "sale") == 0 ? -l[k].q : l[k].q, order, NULL) < 0))
			rc = -1;
		free(l[k].pid);
		free(l[k].branch);
	}
	return rc;
}

/* SKU, quantity (signed when sign), branch: the common arguments. */
struct target {
	char *pid;
	int scale;
	char unit[32], branch[32];
	int64_t qty;
};

static const char SQL_PRODUCT[] = "SELECT id, qty_scale, unit FROM product WHERE sku = :sku";

static int target(struct op_cli *cli, const char *sku, const char *qty, int sign,
		  const char *branch, struct target *t)
{
	const char *why;
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_PRODUCT);
	int rc, neg = 0;

	memset(t, 0, sizeof(*t));
	if (!st || op_bind_text(cli->db, st, ":sku", sku) < 0 || (rc = op_db_step(cli->db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return op_errc(&cli->err, EX_DATAERR, "sku: no product with sku '%s'", sku);
	t->pid = strdup((const char *)sqlite3_column_text(st, 0));
	t->scale = sqlite3_column_int(st, 1);
	snprintf(t->unit, sizeof(t->unit), "%s", (const char *)sqlite3_column_text(st, 2));
	sqlite3_reset(st);
	if (qty) {
		if (sign && (*qty == '-' || *qty == '+'))
			neg = *qty++ == '-';
		if (op_valid_qty(&t->qty, qty, t->scale, &why) < 0)
			return op_errc(&cli->err, EX_DATAERR, "quantity '%s' %s: %s", qty, t->unit, why);
		if (neg)
			t->qty = -t->qty;
	}
	if (!branch && op_db_is_hq(cli->db))
		return op_errc(&cli->err, EX_USAGE, "branch: at HQ, say whose stock (--branch CODE)");
	snprintf(t->branch, sizeof(t->branch), "%s", branch ? branch : op_db_site(cli->db) ?
		 op_db_site(cli->db) : "");
	if (!t->branch[0])
		return op_errc(&cli->err, EX_CONFIG, "store has no site; run 'outpost init --site CODE' first");
	return 0;
}

static const char SQL_ONE[] =
	"SELECT p.sku, p.name, s.branch, " ITEMS_QTY("s.on_hand", "p.qty_scale") " AS on_hand,"
	" p.unit, " ITEMS_QTY("s.safe_level", "p.qty_scale") " AS safe_level,"
	" CASE WHEN s.on_hand < s.safe_level THEN 'LOW' ELSE '' END AS state"
	" FROM stock s JOIN product p ON p.id = s.product_id WHERE s.id = :id";

/* receive, return and adjust: one movement, then the stock line. */
static int cmd_move(struct op_cli *cli, int argc, char **argv, const char *kind)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { "notes", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[2];
	int npos, rc, adjust = strcmp(kind, "adjust") == 0;
	struct target t;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 2, 2, &npos)) >= 0)
		return rc;
	if (adjust && !cli_opt(spec, "notes"))
		return cli_error(cli, EX_USAGE, "notes: say why stock is adjusted (--notes)");
	if (target(cli, pos[0], pos[1], adjust, cli_opt(spec, "branch"), &t) < 0) {
		free(t.pid);
		return cli_fail(cli);
	}
	char *sid = sqlite3_mprintf("%s@%s", t.pid, t.branch);
	sqlite3_stmt *st;
	if (op_db_begin(cli->db, cli->as) < 0 ||
	    move(cli, t.pid, t.branch, kind, t.qty, NULL, cli_opt(spec, "notes")) < 0 ||
	    op_db_commit(cli->db) < 0) {
		op_db_rollback(cli->db);
		rc = cli_fail(cli);
	} else if (!(st = op_db_stmt(cli->db, SQL_ONE)) || op_bind_text(cli->db, st, ":id", sid) < 0 ||
		   op_db_step(cli->db, st) != SQLITE_ROW) {
		rc = cli_fail(cli);
	} else {
		op_out_record_stmt(cli->out, cli->fmt, st);
		sqlite3_reset(st);
		rc = 0;
	}
	sqlite3_free(sid);
	free(t.pid);
	return rc;
}

static int cmd_receive(struct op_cli *cli, int argc, char **argv)
{
	return cmd_move(cli, argc, argv, "receipt");
}

static int cmd_return(struct op_cli *cli, int argc, char **argv)
{
	return cmd_move(cli, argc, argv, "return");
}

static int cmd_adjust(struct op_cli *cli, int argc, char **argv)
{
	return cmd_move(cli, argc, argv, "adjust");
}

static const char SQL_SAFE[] =
	"INSERT INTO main.stock(id, product_id, branch, safe_level)"
	" VALUES (:pid || '@' || :branch, :pid, :branch, :level)"
	" ON CONFLICT(id) DO UPDATE SET safe_level = excluded.safe_level";

static int cmd_safe(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[2];
	int npos, rc;
	struct target t;
	sqlite3_stmt *st;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 2, 2, &npos)) >= 0)
		return rc;
	if (target(cli, pos[0], pos[1], 0, cli_opt(spec, "branch"), &t) < 0) {
		free(t.pid);
		return cli_fail(cli);
	}
	if (op_db_begin(cli->db, cli->as) < 0 || !(st = op_db_stmt(cli->db, SQL_SAFE)) ||
	    op_bind_text(cli->db, st, ":pid", t.pid) < 0 ||
	    op_bind_text(cli->db, st, ":branch", t.branch) < 0 ||
	    op_bind_int(cli->db, st, ":level", t.qty) < 0 || op_db_run(cli->db, st) < 0 ||
	    op_db_commit(cli->db) < 0) {
		op_db_rollback(cli->db);
		rc = cli_fail(cli);
	} else {
		fprintf(cli->out, _("safe level of %s at %s: %s %s\n"), pos[0], t.branch, pos[1], t.unit);
		rc = 0;
	}
	free(t.pid);
	return rc;
}

static const char SQL_LIST[] =
	"SELECT p.sku, p.name, s.branch, " ITEMS_QTY("s.on_hand", "p.qty_scale") " AS on_hand,"
	" p.unit, " ITEMS_QTY("s.safe_level", "p.qty_scale") " AS safe_level,"
	" CASE WHEN s.on_hand < s.safe_level THEN 'LOW' ELSE '' END AS state"
	" FROM stock s JOIN product p ON p.id = s.product_id"
	" WHERE (:branch IS NULL OR s.branch = :branch)"
	"   AND (NOT :low OR s.on_hand < s.safe_level)"
	" ORDER BY s.branch, p.sku";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { "low", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":branch", cli_opt(spec, "branch")) < 0 ||
	    op_bind_int(cli->db, st, ":low", cli_opt(spec, "low") != NULL) < 0)
		return cli_fail(cli);
	return cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}

const struct op_cmd op_cmds_stock[] = {
	{ "stock", "receive", cmd_receive, "stock receive SKU QTY [--branch CODE] [--notes N]",
	  "goods in (QTY in the product's unit; at HQ, --branch says whose stock)" },
	{ "stock", "return", cmd_return, "stock return SKU QTY [--branch CODE] [--notes N]",
	  "goods back from a customer (a returned order comes back by itself)" },
	{ "stock", "adjust", cmd_adjust, "stock adjust SKU [+|-]QTY --notes WHY [--branch CODE]",
	  "a correction after a count, a breakage ..." },
	{ "stock", "safe", cmd_safe, "stock safe SKU LEVEL [--branch CODE]",
	  "the safe level: below it, remind shows a low-stock line" },
	{ "stock", "list", cmd_list, "stock list [--branch CODE] [--low]",
	  "on hand per product and branch (shipped orders have been taken off)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
