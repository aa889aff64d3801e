/*
 * items.c — order and quote lines (see items.h), priced and written for
 * the order and quote operations. Money is integer cents
 * throughout: a line is op_line_total (qty x price / 10^scale, rounded
 * half up) less its discount, and a percentage discount is rounded half up
 * to the cent as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "items.h"

/* Largest order total and line total, in cents: the money limit of valid.h. */
#define MAX_CENTS INT64_C(10000000000000)

/* Copy field f (0-based, ':'-separated) of a into out; 1 when present. */
static int field(const char *a, int f, char *out, size_t n)
{
	for (; f > 0; f--) {
		if (!(a = strchr(a, ':')))
			return 0;
		a++;
	}
	size_t l = strcspn(a, ":");
	snprintf(out, n, "%.*s", (int)(l < n ? l : n - 1), a);
	return 1;
}

int op_items_parse(struct op_ctx *ctx, int k, struct op_item *it)
{
	const char *a = it->arg, *c1 = strchr(a, ':'), *why;
	char price[64];

	it->price = -1;
	ctx->field = "sku";	/* the item's part at fault, for a form */
	if (!c1 || c1 == a)
		return op_errc(&ctx->err, EX_DATAERR, "item %d: '%s' is not "
			       "SKU:QTY[:PRICE[:DISCOUNT]]", k, a);
	if ((size_t)(c1 - a) >= sizeof(it->sku))
		return op_errc(&ctx->err, EX_DATAERR, "item %d: sku is too long", k);
	memcpy(it->sku, a, (size_t)(c1 - a));
	it->sku[c1 - a] = '\0';
	field(a, 1, it->qtys, sizeof(it->qtys));
	/* the quantity is checked against the product's unit (op_items_price) */
	ctx->field = "qty";
	if (!it->qtys[0])
		return op_errc(&ctx->err, EX_DATAERR, "item %d: quantity: empty", k);
	ctx->field = "price";
	if (field(a, 2, price, sizeof(price)) && price[0] &&
	    op_valid_money(&it->price, price, &why) < 0)
		return op_errc(&ctx->err, EX_DATAERR, "item %d: price '%s': %s", k, price, why);
	field(a, 3, it->discs, sizeof(it->discs));
	ctx->field = NULL;
	return 0;
}

static const char SQL_PRODUCT[] =
	"SELECT id, name, spec, price, active, unit, qty_scale FROM product WHERE sku = :sku";

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? strdup(s) : NULL;
}

int op_items_price(struct op_ctx *ctx, int k, struct op_item *it, int64_t *total)
{
	op_db *db = ctx->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_PRODUCT);
	const char *why;
	char what[32];
	int64_t gross;
	int rc;

	if (!st || op_bind_text(db, st, ":sku", it->sku) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	ctx->field = "sku";	/* the item's part at fault, for a form */
	if (rc == SQLITE_DONE)
		return op_errc(&ctx->err, EX_DATAERR, "item %d: no product with sku '%s'",
			       k, it->sku);
	if (!sqlite3_column_int(st, 4)) {
		sqlite3_reset(st);
		return op_errc(&ctx->err, EX_DATAERR, "item %d: product '%s' is no "
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
		return op_errc(&ctx->err, EX_OSERR, "out of memory");
	ctx->field = "qty";
	if (op_valid_qty(&it->qty, it->qtys, it->scale, &why) < 0)
		return op_errc(&ctx->err, EX_DATAERR, "item %d: quantity '%s' %s: %s",
			       k, it->qtys, it->unit ? it->unit : "", why);
	if (op_line_total(&gross, it->qty, it->scale, it->price) < 0 || gross > MAX_CENTS)
		return op_errc(&ctx->err, EX_DATAERR, "item %d: line total is too large", k);
	snprintf(what, sizeof(what), "item %d: discount", k);
	ctx->field = "discount";
	it->discount = 0;
	if (it->discs[0] && op_items_discount(ctx, what, it->discs, gross, &it->discount) < 0)
		return -1;
	it->line = gross - it->discount;
	*total += it->line;
	ctx->field = "qty";
	if (*total > MAX_CENTS)
		return op_errc(&ctx->err, EX_DATAERR, "item %d: order total is too large", k);
	ctx->field = NULL;
	return 0;
}

int op_items_discount(struct op_ctx *ctx, const char *what, const char *in,
		   int64_t base, int64_t *cents)
{
	static const char ZHE[] = "\xe6\x8a\x98";	/* 折 */
	const char *why;
	char num[32];
	size_t n = strlen(in);
	int64_t v, off_bp = -1;	/* basis points off, for a percentage */

	while (n && in[n - 1] == ' ')
		n--;
	if (n && in[n - 1] == '%') {
		snprintf(num, sizeof(num), "%.*s", (int)(n - 1), in);
		if (op_valid_money(&v, num, &why) < 0 || v > 10000)
			return op_errc(&ctx->err, EX_DATAERR, "%s: '%s' is not a percentage "
				       "from 0%% to 100%%", what, in);
		off_bp = v;	/* 10.5% = 1050 hundredths of a percent */
	} else if (n > 3 && memcmp(in + n - 3, ZHE, 3) == 0) {
		snprintf(num, sizeof(num), "%.*s", (int)(n - 3), in);
		if (op_valid_money(&v, num, &why) < 0 || v <= 0 || v >= 1000)
			return op_errc(&ctx->err, EX_DATAERR, "%s: '%s': write 9折 for 10%% "
				       "off, 8.5折 for 15%%", what, in);
		off_bp = 10000 - v * 10;	/* 8.5折: pay 85%, 15% off */
	}
	if (off_bp >= 0) {
		/* half up, in integers */
		__int128 q = (__int128)base * off_bp;
		v = (int64_t)(q / 10000 + (q % 10000 * 2 >= 10000));
	} else if (op_valid_money(&v, in, &why) < 0) {
		return op_errc(&ctx->err, EX_DATAERR, "%s: %s", what, why);
	}
	if (v > base) {
		char a[32], b[32];
		op_money(a, sizeof(a), v);
		op_money(b, sizeof(b), base);
		return op_errc(&ctx->err, EX_DATAERR, "%s: %s is more than the %s it is "
			       "taken off", what, a, b);
	}
	*cents = v;
	return 0;
}

static const char SQL_ORDER_ITEM[] =
	"INSERT INTO main.order_item(order_id, product_id, sku, name, spec, qty,"
	"                       unit_price, line_total, unit, qty_scale, discount)"
	" VALUES (:parent, :product, :sku, :name, :spec, :qty, :price, :line,"
	"         :unit, :scale, :discount)";
static const char SQL_QUOTE_ITEM[] =
	"INSERT INTO main.quote_item(quote_id, product_id, sku, name, spec, qty,"
	"                       unit_price, line_total, unit, qty_scale, discount)"
	" VALUES (:parent, :product, :sku, :name, :spec, :qty, :price, :line,"
	"         :unit, :scale, :discount)";

int op_items_insert(struct op_ctx *ctx, const char *table, const char *parent,
		 const struct op_item *it)
{
	op_db *db = ctx->db;
	sqlite3_stmt *st = op_db_stmt(db, strcmp(table, "quote_item") == 0 ?
				      SQL_QUOTE_ITEM : SQL_ORDER_ITEM);

	if (!st || op_bind_text(db, st, ":parent", parent) < 0 ||
	    op_bind_text(db, st, ":product", it->product_id) < 0 ||
	    op_bind_text(db, st, ":sku", it->sku) < 0 ||
	    op_bind_text(db, st, ":name", it->name) < 0 ||
	    op_bind_text(db, st, ":spec", it->spec) < 0 ||
	    op_bind_int(db, st, ":qty", it->qty) < 0 ||
	    op_bind_int(db, st, ":price", it->price) < 0 ||
	    op_bind_int(db, st, ":line", it->line) < 0 ||
	    op_bind_text(db, st, ":unit", it->unit) < 0 ||
	    op_bind_int(db, st, ":scale", it->scale) < 0 ||
	    op_bind_int(db, st, ":discount", it->discount) < 0 || op_db_run(db, st) < 0)
		return op_errctx(op_db_err(db), "cannot add %s", table);
	return 0;
}

void op_items_free(struct op_item *items, int n)
{
	for (int k = 0; items && k < n; k++) {
		free(items[k].product_id);
		free(items[k].name);
		free(items[k].spec);
		free(items[k].unit);
	}
	free(items);
}

int op_items_price_all(struct op_ctx *ctx, struct op_lines *L, const char *disc)
{
	int64_t total = 0;

	L->bad = 0;
	for (int k = 0; k < L->n; k++)
		if (op_items_price(ctx, k + 1, &L->items[k], &total) < 0) {
			L->bad = k + 1;
			return -1;
		}
	L->discount = 0;
	if (disc && op_items_discount(ctx, "discount", disc, total, &L->discount) < 0)
		return -1;
	L->total = total - L->discount;
	snprintf(L->total_s, sizeof(L->total_s), "%lld", (long long)L->total);
	snprintf(L->discount_s, sizeof(L->discount_s), "%lld", (long long)L->discount);
	return 0;
}

int op_items_insert_all(struct op_ctx *ctx, const char *table, const char *parent,
		     const struct op_lines *L)
{
	for (int k = 0; k < L->n; k++)
		if (op_items_insert(ctx, table, parent, &L->items[k]) < 0)
			return -1;
	return 0;
}

void op_items_end(struct op_lines *L)
{
	op_items_free(L->items, L->n);
	free(L->rest);
	free(L->args);
	memset(L, 0, sizeof(*L));
}
