/*
 * items.h — the lines of an order or a quote (operations layer), as staff
 * type them:
 * "SKU:QTY[:PRICE[:DISCOUNT]]". The quantity is in the product's unit
 * (3.5 of a fabric sold by the metre), the price per unit (the
 * catalogue's unless given), the discount off the line in money (50) or
 * as a percentage (10%) or 折 (9折 = 10% off). cmd_order.c and cmd_quote.c
 * share them, so an order and a quote are priced the same way.
 */
#ifndef OP_ITEMS_H
#define OP_ITEMS_H

#include "ops.h"

struct op_item {
	const char *arg;	/* as typed (an --item value, a form field) */
	char sku[128], qtys[64], discs[32];	/* qtys, discs: as typed */
	int64_t qty, price;	/* qty in steps of the unit; price < 0: the product's */
	int64_t discount, line;	/* cents off the line; the line's total after it */
	int scale;		/* the unit's decimals (product.qty_scale) */
	char *product_id, *name, *spec, *unit;
};

/* Parse item k's text (no database). 0, or -1 with ctx->err (EX_DATAERR,
 * "item K: ...") and ctx->field the item's part at fault ("sku", "qty",
 * "price"; op_items_price: "sku", "qty", "discount"), for a form to show
 * the reason beside that line's field. */
int op_items_parse(struct op_ctx *ctx, int k, struct op_item *it);

/* Price item k from the catalogue (inside the transaction that writes it),
 * adding its line to *total. 0, or -1 with ctx->err set. */
int op_items_price(struct op_ctx *ctx, int k, struct op_item *it, int64_t *total);

/* Insert it as a line of parent into table ("order_item", whose parent
 * column is order_id, or "quote_item", quote_id). 0, or -1. */
int op_items_insert(struct op_ctx *ctx, const char *table, const char *parent,
		 const struct op_item *it);

/* A discount off base cents: money ("50", "¥50") or "10%" or "9折". 0 and
 * *cents (at most base), or -1 with ctx->err "WHAT: ..." (EX_DATAERR). */
int op_items_discount(struct op_ctx *ctx, const char *what, const char *in,
		   int64_t base, int64_t *cents);

/* Free the strings of n items and the array. */
void op_items_free(struct op_item *items, int n);

/* The lines of one `order add` or `quote add`; rest and args are the
 * command line's (client/items.c items_begin), NULL for other callers. */
struct op_lines {
	char **rest;		/* argv without the --item options */
	const char **args;	/* the --item values */
	struct op_item *items;
	int n;
	int64_t total, discount;	/* cents: after every discount; the whole one */
	char total_s[32], discount_s[32];	/* the same as text, for rec_insert */
	int bad;		/* op_items_price_all failed on item bad (1-based), 0 */
};

/* Price every line (inside the transaction) and take disc (may be NULL)
 * off the whole; fills total and discount. 0, or -1 with ctx->err set. */
int op_items_price_all(struct op_ctx *ctx, struct op_lines *L, const char *disc);
/* Insert every line into table under parent (op_items_insert). 0, or -1. */
int op_items_insert_all(struct op_ctx *ctx, const char *table, const char *parent,
		     const struct op_lines *L);
/* Free the items of L (and its argv pieces) and clear it. */
void op_items_end(struct op_lines *L);

/* SQL: a quantity of scale decimals: whole units stay integers (JSON 3),
 * others exact decimal text (JSON "3.50"), as op_qty_format writes them. */
#define ITEMS_QTY(q, scale) "CASE WHEN " scale " = 0 THEN " q " ELSE printf('%d.%0*d', " \
	q " / " ITEMS_POW10(scale) ", " scale ", " q " % " ITEMS_POW10(scale) ") END"
#define ITEMS_POW10(scale) "(CASE " scale " WHEN 0 THEN 1 WHEN 1 THEN 10 WHEN 2 THEN 100 ELSE 1000 END)"

#endif
