/*
 * coupon.h — coupons (019_campaigns.sql): codes for one customer or shared
 * (then once per customer), worth money or a percentage off, with a
 * minimum spend and a validity; redeemed on an order with every check
 * (known, valid on the order's day, the right customer, unused, spend).
 *
 * A redemption is a row, coupon_redemption, synced both ways: after sync a
 * code used at one branch is refused at the next. Two uses made while the
 * branches were apart both stand (both orders happened) and the second to
 * arrive is written to the conflict log by a trigger (019), for a manager.
 * Errors go to the db's error slot, naming the field ("coupon: ...").
 */
#ifndef OP_COUPON_H
#define OP_COUPON_H

#include <stdint.h>
#include "db.h"

/* What `coupon add` and a campaign's per-customer coupons are made of; raw
 * text as people type it, NULL when not given. */
struct op_coupon_def {
	const char *code;	/* NULL: a new random one */
	const char *value;	/* money "50" or a percentage "10%" (or 9折) */
	const char *min_spend;	/* money, NULL: none */
	const char *from, *until;	/* dates; from NULL: today */
	const char *customer_id;	/* NULL: shared */
	const char *campaign_id;	/* NULL: none */
	const char *staff;	/* who makes it (the journal's actor) */
};

/* A fresh random code (8 characters of A-Z and 2-9 without look-alikes)
 * not used in this store. 0, or -1 with the db error set. */
int op_coupon_new_code(op_db *db, char out[16]);

/* Validate d and insert a coupon (inside the caller's transaction, or its
 * own when there is none). 0 and *id (malloc'd, may be NULL to skip), or
 * -1 with the db error set: EX_DATAERR naming the field. */
int op_coupon_add(op_db *db, const struct op_coupon_def *d, char **id);

/* A coupon's value as typed: money "50" (kind "amount", cents), "10%" or
 * "9折" / "8.5折" (kind "percent", percent off). 0, or -1 with the db error
 * set (EX_DATAERR "value: ..."). */
int op_coupon_parse_value(op_db *db, const char *in, const char **kind, int64_t *value);

/* Insert a coupon from values already checked (inside the caller's
 * transaction): code NULL makes a random one; from NULL is today. 0 and
 * code_out (the code, 40 bytes), *id (malloc'd, may be NULL), or -1. */
int op_coupon_make(op_db *db, const char *code, const char *campaign_id,
		   const char *customer_id, const char *kind, int64_t value,
		   int64_t min_spend, const char *from, const char *until,
		   char code_out[40], char **id);

/* Check code for a purchase of total cents by customer on date (NULL:
 * today) without using it: 0 and *discount, *coupon_id (malloc'd, may be
 * NULL to skip), or -1 with the db error set (EX_NOINPUT unknown code,
 * EX_DATAERR expired, not yet valid, another customer's, used, below the
 * minimum spend). */
int op_coupon_check(op_db *db, const char *code, const char *customer_id,
		    int64_t total, const char *date, int64_t *discount, char **coupon_id);

/* Redeem code on order (inside the caller's transaction, after the order
 * and its items are written): the checks above against the order's
 * customer, total and date, then the discount is taken off the order's
 * total (and added to its discount) and the redemption recorded. 0 and
 * *discount (may be NULL), or -1 with the db error set. */
int op_coupon_redeem(op_db *db, const char *code, const char *order_id,
		     const char *staff, int64_t *discount);

#endif
