/*
 * tables.c — the sync description of every synced table (see tables.h).
 *
 * Column lists mirror the CREATE TABLE statements in the migrations, in
 * order. The unit test test_tables checks the two agree, so a migration that
 * adds a column without adding it here (or the reverse) fails the build's
 * tests rather than silently not syncing.
 */
#include <stddef.h>
#include <string.h>
#include "db.h"
#include "tables.h"

#define COL(n) { n, 0, 1 }
#define ID { "id", OP_COL_ID, 1 }
#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct op_column branch_cols[] = {
	ID, COL("code"), COL("name"), COL("region"), COL("created_at"),
};
static const struct op_column staff_cols[] = {
	ID, COL("code"), COL("name"), COL("role"), COL("branch"), COL("phone"),
	COL("active"), COL("created_at"), { "pin_hash", 0, 7 },
};
static const struct op_column customer_cols[] = {
	ID, COL("name"), COL("gender"), COL("birthday"), COL("phone"),
	COL("email"), COL("address"), COL("employer"), COL("title"),
	COL("interests"), COL("pref_style"), COL("pref_colour"),
	COL("pref_material"), COL("pref_brand"), COL("budget"), COL("channel"),
	COL("owner"), COL("home_branch"), COL("tags"), COL("notes"),
	COL("flags"), { "points", OP_COL_COUNTER, 1 }, COL("created_at"),
	{ "merged_into", OP_COL_MERGED, 1 }, { "wechat", 0, 12 },
	{ "no_contact", 0, 19 },
};
static const struct op_column product_cols[] = {
	ID, COL("sku"), COL("name"), COL("category"), COL("spec"),
	COL("price"), COL("active"), COL("created_at"),
	{ "unit", 0, 11 }, { "qty_scale", 0, 11 },
};
static const struct op_column order_cols[] = {
	ID, COL("order_no"), COL("order_date"), COL("customer_id"),
	COL("total"), COL("payment"), COL("delivery_address"),
	COL("expected_date"), COL("delivered_date"), COL("status"),
	COL("channel"), COL("notes"), COL("staff"), COL("branch"),
	COL("created_at"), { "discount", 0, 14 }, { "quote_id", 0, 14 },
};
static const struct op_column item_cols[] = {
	ID, COL("order_id"), COL("product_id"), COL("sku"), COL("name"),
	COL("spec"), COL("qty"), COL("unit_price"), COL("line_total"),
	{ "unit", 0, 11 }, { "qty_scale", 0, 11 }, { "discount", 0, 14 },
};
static const struct op_column ticket_cols[] = {
	ID, COL("ticket_no"), COL("customer_id"), COL("order_id"), COL("kind"),
	COL("problem"), COL("received_at"), COL("handler"), COL("status"),
	COL("result"), COL("satisfaction"), COL("first_reply_at"),
	COL("closed_at"), COL("branch"),
};
static const struct op_column step_cols[] = {
	ID, COL("ticket_id"), COL("at"), COL("staff"), COL("status"),
	COL("action"),
};
static const struct op_column followup_cols[] = {
	ID, COL("customer_id"), COL("at"), COL("staff"), COL("kind"),
	COL("purpose"), COL("opinion"), COL("next_action"), COL("next_due"),
	COL("branch"),
};
static const struct op_column access_cols[] = {
	{ "id", OP_COL_ID, 10 }, { "at", 0, 10 }, { "staff", 0, 10 },
	{ "role", 0, 10 }, { "branch", 0, 10 }, { "what", 0, 10 },
	{ "rows", 0, 10 },
};

static const struct op_column channel_cols[] = {
	{ "id", OP_COL_ID, 12 }, { "code", 0, 12 }, { "name_zh", 0, 12 },
	{ "name_en", 0, 12 }, { "aliases", 0, 12 }, { "active", 0, 12 },
	{ "created_at", 0, 12 },
};
static const struct op_column attr_cols[] = {
	{ "id", OP_COL_ID, 12 }, { "customer_id", 0, 12 }, { "key", 0, 12 },
	{ "value", 0, 12 },
};
static const struct op_column payment_cols[] = {
	{ "id", OP_COL_ID, 13 }, { "order_id", 0, 13 }, { "kind", 0, 13 },
	{ "amount", 0, 13 }, { "method", 0, 13 }, { "paid_at", 0, 13 },
	{ "staff", 0, 13 }, { "branch", 0, 13 }, { "notes", 0, 13 },
};
static const struct op_column quote_cols[] = {
	{ "id", OP_COL_ID, 14 }, { "quote_no", 0, 14 }, { "quote_date", 0, 14 },
	{ "valid_until", 0, 14 }, { "customer_id", 0, 14 }, { "discount", 0, 14 },
	{ "total", 0, 14 }, { "status", 0, 14 }, { "order_id", 0, 14 },
	{ "notes", 0, 14 }, { "staff", 0, 14 }, { "branch", 0, 14 },
	{ "created_at", 0, 14 },
};
static const struct op_column quote_item_cols[] = {
	{ "id", OP_COL_ID, 14 }, { "quote_id", 0, 14 }, { "product_id", 0, 14 },
	{ "sku", 0, 14 }, { "name", 0, 14 }, { "spec", 0, 14 }, { "qty", 0, 14 },
	{ "unit_price", 0, 14 }, { "line_total", 0, 14 }, { "unit", 0, 14 },
	{ "qty_scale", 0, 14 }, { "discount", 0, 14 },
};
static const struct op_column appt_cols[] = {
	{ "id", OP_COL_ID, 15 }, { "customer_id", 0, 15 }, { "kind", 0, 15 },
	{ "starts_at", 0, 15 }, { "ends_at", 0, 15 }, { "address", 0, 15 },
	{ "staff", 0, 15 }, { "status", 0, 15 }, { "result", 0, 15 },
	{ "measurements", 0, 15 }, { "order_id", 0, 15 }, { "ticket_id", 0, 15 },
	{ "notes", 0, 15 }, { "branch", 0, 15 }, { "created_at", 0, 15 },
};
static const struct op_column stock_cols[] = {
	{ "id", OP_COL_ID, 16 }, { "product_id", 0, 16 }, { "branch", 0, 16 },
	{ "on_hand", OP_COL_COUNTER, 16 }, { "safe_level", 0, 16 },
};
static const struct op_column move_cols[] = {
	{ "id", OP_COL_ID, 16 }, { "product_id", 0, 16 }, { "branch", 0, 16 },
	{ "kind", 0, 16 }, { "qty", 0, 16 }, { "order_id", 0, 16 }, { "at", 0, 16 },
	{ "staff", 0, 16 }, { "notes", 0, 16 },
};

/* Campaigns and care (019_campaigns.sql): everything travels both ways. */
#define C19(n) { n, 0, 19 }
#define ID19 { "id", OP_COL_ID, 19 }
static const struct op_column segment_cols[] = {
	ID19, C19("name"), C19("filter"), C19("notes"), C19("branch"),
	C19("created_by"), C19("created_at"),
};
static const struct op_column campaign_cols[] = {
	ID19, C19("name"), C19("kind"), C19("segment_id"), C19("channel"),
	C19("template"), C19("starts"), C19("ends"), C19("cost"), C19("cost_per"),
	C19("holdout"), C19("seed"), C19("min_gap"), C19("coupon_kind"),
	C19("coupon_value"), C19("coupon_min"), C19("coupon_until"),
	C19("coupon_id"), C19("auto"), C19("branch"), C19("created_by"),
	C19("created_at"),
};
static const struct op_column coupon_cols[] = {
	ID19, C19("code"), C19("campaign_id"), C19("customer_id"), C19("kind"),
	C19("value"), C19("min_spend"), C19("valid_from"), C19("valid_until"),
	C19("branch"), C19("created_at"),
};
static const struct op_column outbox_cols[] = {
	ID19, C19("campaign_id"), C19("customer_id"), C19("status"),
	C19("address"), C19("message"), C19("coupon_id"), C19("prepared_at"),
	C19("sent_at"), C19("branch"),
};
static const struct op_column response_cols[] = {
	ID19, C19("campaign_id"), C19("customer_id"), C19("kind"), C19("at"),
	C19("staff"), C19("branch"), C19("notes"),
};
/* Column 3 (order_id) is the one 019's double-redemption conflict names. */
static const struct op_column redemption_cols[] = {
	ID19, C19("coupon_id"), C19("customer_id"), C19("order_id"),
	C19("discount"), C19("at"), C19("staff"), C19("branch"), C19("order_no"),
};

#define UP OP_ROUTE_UP
#define DOWN OP_ROUTE_DOWN
#define T(name, num, route, cols, counter, label) \
	{ name, num, route, 1, cols, NCOLS(cols), counter, -1, label }

const struct op_table op_tables[] = {
	T("branch",      1, DOWN,      branch_cols,   -1, "code"),
	T("staff",       2, DOWN,      staff_cols,    -1, "code"),
	{ "customer", 3, UP | DOWN, 1, customer_cols, NCOLS(customer_cols), 21, 23, "name" },
	T("product",     4, DOWN,      product_cols,  -1, "sku"),
	T("sales_order", 5, UP,        order_cols,    -1, "order_no"),
	T("order_item",  6, UP,        item_cols,     -1, "name"),
	T("ticket",      7, UP,        ticket_cols,   -1, "ticket_no"),
	T("ticket_step", 8, UP,        step_cols,     -1, "action"),
	T("followup",    9, UP,        followup_cols, -1, "purpose"),
	{ "access_log", 10, UP, 10, access_cols, NCOLS(access_cols), -1, -1, "what" },
	{ "channel", 20, DOWN, 12, channel_cols, NCOLS(channel_cols), -1, -1, "code" },
	{ "customer_attr", 21, UP | DOWN, 12, attr_cols, NCOLS(attr_cols), -1, -1, "key" },
	{ "payment", 22, UP, 13, payment_cols, NCOLS(payment_cols), -1, -1,
	  "kind || ' ' || printf('%d.%02d', amount / 100, amount % 100)" },
	{ "quote", 23, UP, 14, quote_cols, NCOLS(quote_cols), -1, -1, "quote_no" },
	{ "quote_item", 24, UP, 14, quote_item_cols, NCOLS(quote_item_cols), -1, -1, "name" },
	{ "appointment", 25, UP, 15, appt_cols, NCOLS(appt_cols), -1, -1, "kind || ' ' || starts_at" },
	{ "stock", 26, UP | DOWN, 16, stock_cols, NCOLS(stock_cols), 3, -1, "branch" },
	{ "stock_move", 27, UP, 16, move_cols, NCOLS(move_cols), -1, -1, "kind || ' ' || qty" },
	{ "segment", 40, UP | DOWN, 19, segment_cols, NCOLS(segment_cols), -1, -1, "name" },
	{ "campaign", 41, UP | DOWN, 19, campaign_cols, NCOLS(campaign_cols), -1, -1, "name" },
	{ "coupon", 44, UP | DOWN, 19, coupon_cols, NCOLS(coupon_cols), -1, -1, "code" },
	{ "campaign_outbox", 42, UP | DOWN, 19, outbox_cols, NCOLS(outbox_cols), -1, -1, "status" },
	{ "campaign_response", 43, UP | DOWN, 19, response_cols, NCOLS(response_cols), -1, -1, "kind" },
	{ "coupon_redemption", 45, UP | DOWN, 19, redemption_cols, NCOLS(redemption_cols), -1, -1,
	  "'discount ' || printf('%d.%02d', discount / 100, discount % 100)" },
};
const int op_ntables = NCOLS(op_tables);

int op_table_known(const struct op_table *t)
{
	return t->since <= op_db_schema_max();
}

const struct op_table *op_table_by_num(uint64_t num)
{
	for (int i = 0; i < op_ntables; i++)
		if ((uint64_t)op_tables[i].num == num)
			return op_table_known(&op_tables[i]) ? &op_tables[i] : NULL;
	return NULL;
}

const struct op_table *op_table_by_name(const char *name)
{
	for (int i = 0; i < op_ntables; i++)
		if (strcmp(op_tables[i].name, name) == 0)
			return op_table_known(&op_tables[i]) ? &op_tables[i] : NULL;
	return NULL;
}

int op_tables_since_max(void)
{
	int v = 0;
	for (int i = 0; i < op_ntables; i++) {
		const struct op_table *t = &op_tables[i];
		v = t->since > v ? t->since : v;
		for (int c = 0; c < t->ncols; c++)
			v = t->cols[c].since > v ? t->cols[c].since : v;
	}
	return v;
}

int op_col_known(const struct op_table *t, int c)
{
	return c >= 0 && c < t->ncols && t->cols[c].since <= op_db_schema_max();
}

int op_table_col(const struct op_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}
