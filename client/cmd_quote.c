/*
 * cmd_quote.c — `outpost quote add|show|list|convert`: quotations (报价单).
 *
 * A quote is priced like an order (items.h: quantities in units, per-line
 * and whole-quote discounts) and valid until a date (30 days unless
 * given). `quote convert` turns it into an order in one step and one
 * transaction: the order gets the quote's items, prices and discounts as
 * quoted (not today's catalogue), its sales_order.quote_id names the
 * quote, and the quote becomes 'converted' with the order's id. The
 * conversion rate per salesperson is a section of `report staff`.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "items.h"
#include "record.h"

static const struct op_field F[] = {
	{ "valid-until", "valid_until", F_DATE, NULL, 0, 0, 0, NULL },
	{ "notes", "notes", F_TEXT, NULL, 0, 0, 0, NULL },
	/* not options */
	{ "customer", "customer_id", F_TEXT, NULL, 0, 0, 1, NULL },
	{ "total", "total", F_INT, NULL, 0, INT64_MAX, 1, NULL },
	{ "discount", "discount", F_INT, NULL, 0, INT64_MAX, 0, NULL },
	{ "staff", "staff", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "date", "quote_date", F_DATE, NULL, 0, 0, 0, NULL },
};
enum { I_VALID, NU = 2, I_CUSTOMER = 2, I_TOTAL, I_DISCOUNT, I_STAFF, I_BRANCH, I_DATE, NF };
_Static_assert(sizeof(F) / sizeof(F[0]) == NF, "quote field indexes");

#define MONEY(col) "printf('%d.%02d', " col " / 100, " col " % 100)"

static const char SQL_SHOW[] =
	"SELECT q.id, q.quote_no, q.quote_date AS date, q.valid_until, c.name AS customer,"
	"       c.phone, " MONEY("q.discount") " AS discount, " MONEY("q.total") " AS total,"
	"       q.status, (SELECT order_no FROM sales_order o WHERE o.id = q.order_id) AS order_no,"
	"       q.notes, q.staff, q.branch, q.created_at"
	" FROM quote q LEFT JOIN customer c ON c.id = q.customer_id WHERE q.id = :id";
static const char SQL_ITEMS[] =
	"SELECT row_number() OVER (ORDER BY rowid) AS \"#\", sku, name, spec,"
	"       " ITEMS_QTY("qty", "qty_scale") " AS qty, unit,"
	"       " MONEY("unit_price") " AS unit_price, " MONEY("discount") " AS discount,"
	"       " MONEY("line_total") " AS line_total"
	" FROM quote_item WHERE quote_id = :id ORDER BY rowid";

static int quote_ref(struct op_cli *cli, const char *ref, char **id)
{
	return cli_resolve(cli, "quote", "quote_no", ref, id);
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt extra[] = { { "customer", 0, NULL }, { "discount", 0, NULL },
				   { NULL, 0, NULL } };
	const char *vals[NF];
	char *cust = NULL, *id = NULL, until[16], today[11];
	struct op_lines L;
	int rc;

	memset(vals, 0, sizeof(vals));
	if ((rc = items_begin(cli, argc, argv, F, NU, vals, extra, &L)) >= 0)
		goto out;
	if (cmd_customer_ref(cli, extra[0].val, &cust) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	if (op_db_begin(cli->db, cli->as) < 0 || op_items_price_all(&cli->ctx, &L, extra[1].val) < 0)
		goto fail;
	if (!vals[I_VALID]) {
		/* a month, as shops quote */
		sqlite3_stmt *st = op_db_stmt(cli->db, "SELECT date(op_today(), '+30 days')");
		if (!st || op_db_step(cli->db, st) != SQLITE_ROW)
			goto fail;
		snprintf(until, sizeof(until), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		vals[I_VALID] = until;
	}
	vals[I_CUSTOMER] = cust;
	vals[I_TOTAL] = L.total_s;
	vals[I_DISCOUNT] = L.discount_s;
	vals[I_STAFF] = cli->as;
	vals[I_BRANCH] = op_db_site(cli->db);
	op_db_today(cli->db, today);	/* the local business day, not UTC's */
	vals[I_DATE] = today;
	if (rec_insert(cli, "quote", F, NF, vals, &id) < 0 ||
	    op_items_insert_all(&cli->ctx, "quote_item", id, &L) < 0 || op_db_commit(cli->db) < 0)
		goto fail;
	rc = cmd_show_with_items(cli, SQL_SHOW, SQL_ITEMS, "quote", id) < 0 ? cli_fail(cli) : 0;
	goto out;
fail:
	op_db_rollback(cli->db);
	rc = cli_fail(cli);
out:
	op_items_end(&L);
	free(cust);
	free(id);
	return rc;
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	char *id = NULL;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (quote_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	rc = cmd_show_with_items(cli, SQL_SHOW, SQL_ITEMS, "quote", id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
}

static const char SQL_LIST[] =
	"SELECT q.quote_no, q.quote_date AS date, q.valid_until, c.name AS customer,"
	"       " MONEY("q.total") " AS total,"
	"       CASE WHEN q.status = 'open' AND q.valid_until < op_today() THEN 'expired'"
	"            ELSE q.status END AS status,"
	"       (SELECT order_no FROM sales_order o WHERE o.id = q.order_id) AS order_no, q.staff"
	" FROM quote q LEFT JOIN customer c ON c.id = q.customer_id"
	" WHERE (:customer IS NULL OR q.customer_id = :customer)"
	" ORDER BY q.quote_date DESC, q.quote_no DESC";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "customer", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char *cust = NULL;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "customer") && cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":customer", cust) < 0)
		rc = cli_fail(cli);
	else
		rc = cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
	free(cust);
	return rc;
}

static const char SQL_QUOTE_GET[] =
	"SELECT quote_no, status, valid_until, valid_until < op_today() FROM quote WHERE id = :id";
static const char SQL_CONVERT_ORDER[] =
	"INSERT INTO main.sales_order(customer_id, total, discount, quote_id, payment,"
	"                        delivery_address, expected_date, notes, staff, branch)"
	" SELECT customer_id, total, discount, id, :payment, :address, :expected,"
	"        'from quote ' || quote_no, coalesce(:staff, staff), :branch"
	" FROM quote WHERE id = :id RETURNING id";
static const char SQL_CONVERT_ITEMS[] =
	"INSERT INTO main.order_item(order_id, product_id, sku, name, spec, qty, unit_price,"
	"                       line_total, unit, qty_scale, discount)"
	" SELECT :order, product_id, sku, name, spec, qty, unit_price, line_total, unit,"
	"        qty_scale, discount FROM quote_item WHERE quote_id = :id ORDER BY rowid";
static const char SQL_CONVERT_DONE[] =
	"UPDATE main.quote SET status = 'converted', order_id = :order WHERE id = :id AND status = 'open'";

static int cmd_convert(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "payment", 0, NULL }, { "delivery-address", 0, NULL },
				  { "expected", 0, NULL }, { "allow-expired", 1, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1], *why, *payment = NULL;
	char *id = NULL, *order = NULL, expected[16], no[64];
	int npos, rc;
	op_db *db;
	sqlite3_stmt *st;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	db = cli->db;
	if (cli_opt(spec, "payment") &&
	    op_valid_enum(&payment, &op_enum_payment, cli_opt(spec, "payment"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "payment: %s", why);
	if (cli_opt(spec, "expected") &&
	    op_valid_date(expected, sizeof(expected), cli_opt(spec, "expected"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "expected: %s", why);
	if (!op_db_site(db))
		return cli_error(cli, EX_CONFIG, "store has no site; run 'outpost init --site CODE' first");
	if (quote_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	if (op_db_begin(db, cli->as) < 0 || !(st = op_db_stmt(db, SQL_QUOTE_GET)) ||
	    op_bind_text(db, st, ":id", id) < 0 || op_db_step(db, st) != SQLITE_ROW)
		goto fail;
	snprintf(no, sizeof(no), "%s", (const char *)sqlite3_column_text(st, 0));
	int open = strcmp((const char *)sqlite3_column_text(st, 1), "open") == 0;
	int expired = sqlite3_column_int(st, 3);
	char until[16];
	snprintf(until, sizeof(until), "%s", sqlite3_column_text(st, 2) ?
		 (const char *)sqlite3_column_text(st, 2) : "");
	sqlite3_reset(st);
	if (!open) {
		op_errc(&cli->err, EX_DATAERR, "quote %s is no longer open (already "
			"converted or cancelled)", no);
		goto fail;
	}
	if (expired && !cli_opt(spec, "allow-expired")) {
		op_errc(&cli->err, EX_DATAERR, "quote %s was valid until %s; quote again, "
			"or convert it at its prices with --allow-expired", no, until);
		goto fail;
	}
	if (!(st = op_db_stmt(db, SQL_CONVERT_ORDER)) || op_bind_text(db, st, ":id", id) < 0 ||
	    op_bind_text(db, st, ":payment", payment) < 0 ||
	    op_bind_text(db, st, ":address", cli_opt(spec, "delivery-address")) < 0 ||
	    op_bind_text(db, st, ":expected", cli_opt(spec, "expected") ? expected : NULL) < 0 ||
	    op_bind_text(db, st, ":staff", cli->as) < 0 ||
	    op_bind_text(db, st, ":branch", op_db_site(db)) < 0 ||
	    op_db_step(db, st) != SQLITE_ROW)
		goto fail;
	order = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (!order || !(st = op_db_stmt(db, SQL_CONVERT_ITEMS)) ||
	    op_bind_text(db, st, ":order", order) < 0 || op_bind_text(db, st, ":id", id) < 0 ||
	    op_db_run(db, st) < 0 || !(st = op_db_stmt(db, SQL_CONVERT_DONE)) ||
	    op_bind_text(db, st, ":order", order) < 0 || op_bind_text(db, st, ":id", id) < 0 ||
	    op_db_run(db, st) < 0 || op_db_commit(db) < 0)
		goto fail;
	rc = cmd_order_show(cli, order) < 0 ? cli_fail(cli) : 0;
	free(id);
	free(order);
	return rc;
fail:
	op_db_rollback(db);
	free(id);
	free(order);
	return cli_fail(cli);
}

const struct op_cmd op_cmds_quote[] = {
	{ "quote", "add", cmd_add,
	  "quote add --customer REF --item SKU:QTY[:PRICE[:DISCOUNT]] [--item ...]\n"
	  "       [--discount MONEY|N%|N折] [--valid-until DATE] [--notes N]",
	  "a quotation (报价单), priced like an order; valid 30 days unless given" },
	{ "quote", "show", cmd_show, "quote show REF", "one quote and its items" },
	{ "quote", "list", cmd_list, "quote list [--customer REF]",
	  "quotes, newest first (open ones past their date show as expired)" },
	{ "quote", "convert", cmd_convert,
	  "quote convert REF [--payment P] [--delivery-address A] [--expected DATE]\n"
	  "       [--allow-expired]",
	  "turn a quote into an order at the quoted prices, in one step" },
	{ NULL, NULL, NULL, NULL, NULL },
};
