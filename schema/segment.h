/*
 * segment.h — segments: saved, named filters over customers (issue 14).
 *
 * A filter is a set of keys with values — class, RFM, frequency, channel,
 * home branch or region, owner, gender, preference fields, tags, birthday
 * in a month-day range or within the next N days, last purchase before or
 * after a date, points, bought a product or category. It is stored as
 * canonical text, "class=important,major; style=现代简约" (segment.filter),
 * and applied by one fixed statement: every key is a bound parameter of
 * OP_SEG_WHERE, NULL when the filter does not use it, so no SQL is ever
 * built from what people type. `segment add|count`, `customer list` and
 * `campaign prepare` all select with it.
 */
#ifndef OP_SEGMENT_H
#define OP_SEGMENT_H

#include "db.h"

enum op_seg_kind {
	OP_SEG_LIST,	/* comma-separated words (an enum's when en is set) */
	OP_SEG_TEXT,	/* a part of the field's text */
	OP_SEG_ONE,	/* one word of an enum */
	OP_SEG_RFM,	/* minimum R,F,M scores: "4,*,3" */
	OP_SEG_MMDD,	/* month-day range "MM-DD..MM-DD" (may wrap the year) */
	OP_SEG_DAYS,	/* 0..366 days from today */
	OP_SEG_DATE,	/* YYYY-MM-DD */
	OP_SEG_INT,	/* 0 or more */
};

struct op_seg_key {
	const char *name;	/* "class": the option --class and the key */
	enum op_seg_kind kind;
	const struct op_enum *en;	/* LIST / ONE: the accepted words, or NULL */
	const char *help;	/* what it matches, one line */
};

#define OP_SEG_NKEYS 20
extern const struct op_seg_key op_seg_keys[OP_SEG_NKEYS];

/* A parsed filter: the canonical value of each key, or NULL. */
struct op_seg {
	char *val[OP_SEG_NKEYS];
};

/* The index of key name in op_seg_keys, or -1. */
int op_seg_key(const char *name);

/* Set key to raw (validated and made canonical; a NULL or empty raw
 * removes the key). 0, or -1 with e set (EX_DATAERR "KEY: reason", or
 * "unknown segment filter 'KEY'" naming the known ones). */
int op_seg_set(struct op_seg *s, const char *key, const char *raw, op_err *e);

/* Parse filter text "k=v; k=v" into s (cleared first). 0, or -1 with e
 * set naming the key or the part that is wrong. */
int op_seg_parse(struct op_seg *s, const char *text, op_err *e);

/* The canonical text of s ("" for no filter), malloc'd; NULL when out of
 * memory. */
char *op_seg_text(const struct op_seg *s);

/* Does s use any key? */
int op_seg_any(const struct op_seg *s);

void op_seg_clear(struct op_seg *s);

/* Bind every :s_* parameter of a statement that includes OP_SEG_WHERE
 * (those s does not use to NULL); today ('YYYY-MM-DD', NULL: the date
 * now) anchors birthday-within. 0, or -1 with the db error set. */
int op_seg_bind(op_db *db, sqlite3_stmt *st, const struct op_seg *s, const char *today);

/* Saved segments (table segment). op_segment_add: define name with the
 * canonical text of s (not empty) and notes (may be NULL), owned by this
 * branch at a branch store and chain-wide at HQ; 0 and *id (malloc'd,
 * may be NULL), or -1 with the db error set (EX_DATAERR naming the field,
 * a duplicate name). op_segment_load: the filter of the segment named
 * name into s (cleared first) and its *id (malloc'd, may be NULL); -1 with
 * EX_NOINPUT when there is none, EX_DATAERR when its filter has a key
 * this build does not know. op_segment_count: how many customers the
 * connection may see match s (birthday-within from today). */
int op_segment_add(op_db *db, const char *name, const struct op_seg *s,
		   const char *notes, const char *staff, char **id);
int op_segment_load(op_db *db, const char *name, struct op_seg *s, char **id);
int op_segment_count(op_db *db, const struct op_seg *s, const char *today, int64_t *n);

/* What a segment statement selects from: customers c, their class k. */
#define OP_SEG_FROM "customer c LEFT JOIN customer_class k ON k.customer_id = c.id"

/* SQL: the last day the customer bought (orders not cancelled or returned). */
#define OP_SEG_LASTBUY "(SELECT max(o.order_date) FROM sales_order o WHERE" \
	" o.customer_id = c.id AND o.status NOT IN ('cancelled', 'returned'))"
#define OP_SEG_IN(col, p) "(" p " IS NULL OR " col " IN (SELECT value FROM json_each(" p ")))"
#define OP_SEG_HAS(col, p) "(" p " IS NULL OR instr(" col ", " p ") > 0)"
#define OP_SEG_MD(lo, hi) "(" lo " IS NULL OR (c.birthday IS NOT NULL AND CASE WHEN " lo \
	" <= " hi " THEN substr(c.birthday, 6) BETWEEN " lo " AND " hi \
	" ELSE substr(c.birthday, 6) >= " lo " OR substr(c.birthday, 6) <= " hi " END))"
#define OP_SEG_BOUGHT(p, join, col) "(" p " IS NULL OR EXISTS (SELECT 1 FROM sales_order o" \
	" JOIN order_item i ON i.order_id = o.id " join " WHERE o.customer_id = c.id" \
	" AND o.status NOT IN ('cancelled', 'returned')" \
	" AND " col " IN (SELECT value FROM json_each(" p "))))"

/* The predicate of a filter over OP_SEG_FROM (merged duplicates never
 * match). */
#define OP_SEG_WHERE "c.merged_into IS NULL" \
	" AND " OP_SEG_IN("k.class", ":s_class") \
	" AND " OP_SEG_IN("k.freq", ":s_freq") \
	" AND (:s_rmin IS NULL OR k.r >= :s_rmin) AND (:s_fmin IS NULL OR k.f >= :s_fmin)" \
	" AND (:s_mmin IS NULL OR k.m >= :s_mmin)" \
	" AND " OP_SEG_IN("c.channel", ":s_channel") \
	" AND " OP_SEG_IN("c.home_branch", ":s_branch") \
	" AND " OP_SEG_IN("(SELECT b.region FROM branch b WHERE b.code = c.home_branch)", ":s_region") \
	" AND " OP_SEG_IN("c.owner", ":s_owner") \
	" AND (:s_gender IS NULL OR c.gender = :s_gender)" \
	" AND " OP_SEG_HAS("c.pref_style", ":s_style") \
	" AND " OP_SEG_HAS("c.pref_colour", ":s_colour") \
	" AND " OP_SEG_HAS("c.pref_material", ":s_material") \
	" AND " OP_SEG_HAS("c.pref_brand", ":s_brand") \
	" AND (:s_tag IS NULL OR EXISTS (SELECT 1 FROM json_each(:s_tag) j WHERE" \
	"  instr(',' || replace(c.tags, ' ', '') || ',', ',' || j.value || ',') > 0))" \
	" AND " OP_SEG_MD(":s_bd_from", ":s_bd_to") \
	" AND " OP_SEG_MD(":s_bw_from", ":s_bw_to") \
	" AND (:s_after IS NULL OR " OP_SEG_LASTBUY " >= :s_after)" \
	" AND (:s_before IS NULL OR " OP_SEG_LASTBUY " < :s_before)" \
	" AND (:s_points IS NULL OR c.points >= :s_points)" \
	" AND " OP_SEG_BOUGHT(":s_product", "", "i.sku") \
	" AND " OP_SEG_BOUGHT(":s_category", "JOIN product p ON p.id = i.product_id", "p.category")

#endif
