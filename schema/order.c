/*
 * order.c — taking an order (ops.h). An order is written whole or not at
 * all: the sales_order row and its order_item rows go in one transaction,
 * after every item has been checked against the catalogue, so a bad item
 * leaves nothing behind. Items are priced from the product table (or an
 * explicit per-item price, items.h), money is integer cents throughout,
 * and the order number ('SH01-20261122-0001') is given by the trigger in
 * 003_numbers.sql, so it carries the branch code.
 */
#include <stdlib.h>
#include <string.h>
#include "coupon.h"
#include "items.h"
#include "ops.h"

/* What `order add` takes from options (the first NU entries), then what
 * the command fills in itself. One table, so add validates every column
 * the same way rec_insert does for customers. */
const struct op_field op_order_fields[] = {
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
_Static_assert(sizeof(op_order_fields) / sizeof(op_order_fields[0]) == OP_ORD_NF,
	       "order field indexes");

static const char SQL_MERGED[] =
	"SELECT merged_into FROM customer WHERE id = :id AND merged_into IS NOT NULL";

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? strdup(s) : NULL;
}

/* A merged customer's orders go to the customer it was merged into. */
static int follow_merge(struct op_ctx *ctx, char **id)
{
	sqlite3_stmt *st = op_db_stmt(ctx->db, SQL_MERGED);
	int rc;

	if (!st || op_bind_text(ctx->db, st, ":id", *id) < 0 ||
	    (rc = op_db_step(ctx->db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		char *to = col_dup(st, 0);
		sqlite3_reset(st);
		if (!to)
			return op_errc(&ctx->err, EX_OSERR, "out of memory");
		free(*id);
		*id = to;
	}
	return 0;
}


int op_order_ready(struct op_ctx *ctx)
{
	/* the order's number and branch column carry the site code */
	if (!op_db_site(ctx->db))
		return op_errc(&ctx->err, EX_CONFIG,
			       "store has no site; run 'outpost init --site CODE' first");
	return 0;
}

int op_order_add(struct op_ctx *ctx, const char **vals, struct op_lines *L,
		 const char *discount, const char *coupon, char **id, char **merged_to)
{
	char *cust = NULL, today[11];

	*id = NULL;
	if (merged_to)
		*merged_to = NULL;
	if (op_order_ready(ctx) < 0)
		return -1;
	if (!vals[OP_ORD_CUSTOMER] || L->n == 0) {
		ctx->field = !vals[OP_ORD_CUSTOMER] ? "customer" : "item";
		return op_errc(&ctx->err, EX_DATAERR, "%s: is required", ctx->field);
	}
	if (!(cust = strdup(vals[OP_ORD_CUSTOMER])))
		return op_errc(&ctx->err, EX_OSERR, "out of memory");
	if (follow_merge(ctx, &cust) < 0)
		goto fail;
	if (merged_to && strcmp(cust, vals[OP_ORD_CUSTOMER]) != 0 &&
	    !(*merged_to = strdup(cust))) {
		op_errc(&ctx->err, EX_OSERR, "out of memory");
		goto fail;
	}
	if (op_db_begin(ctx->db, ctx->as) < 0 || op_items_price_all(ctx, L, discount) < 0)
		goto fail;
	vals[OP_ORD_CUSTOMER] = cust;
	vals[OP_ORD_TOTAL] = L->total_s;
	vals[OP_ORD_DISCOUNT] = L->discount_s;
	vals[OP_ORD_STAFF] = ctx->as;
	vals[OP_ORD_BRANCH] = op_db_site(ctx->db);
	if (!vals[OP_ORD_DATE]) {
		/* the local business day: numbered and dated as the shop sees it */
		op_db_today(ctx->db, today);
		vals[OP_ORD_DATE] = today;
	}
	if (op_rec_insert(ctx, "sales_order", op_order_fields, OP_ORD_NF, vals, id) < 0 ||
	    op_items_insert_all(ctx, "order_item", *id, L) < 0 ||
	    (coupon && op_coupon_redeem(ctx->db, coupon, *id, ctx->as, NULL) < 0) ||
	    op_db_commit(ctx->db) < 0)
		goto fail;
	vals[OP_ORD_CUSTOMER] = NULL;
	if (vals[OP_ORD_DATE] == today)
		vals[OP_ORD_DATE] = NULL;
	free(cust);
	return 0;
fail:
	op_db_rollback(ctx->db);
	vals[OP_ORD_CUSTOMER] = NULL;
	if (vals[OP_ORD_DATE] == today)
		vals[OP_ORD_DATE] = NULL;
	free(cust);
	free(*id);
	*id = NULL;
	if (merged_to) {
		free(*merged_to);
		*merged_to = NULL;
	}
	return -1;
}
