/*
 * coupon.c — coupons and their redemption (see coupon.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "coupon.h"
#include "valid.h"

#define MONEY_FMT(c) (long long)((c) / 100), (int)((c) % 100)

static const char SQL_CODE_USED[] = "SELECT 1 FROM main.coupon WHERE code = :code";

int op_coupon_new_code(op_db *db, char out[16])
{
	static const char alpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (int tries = 0; tries < 20; tries++) {
		unsigned char r[8];
		sqlite3_randomness(sizeof(r), r);
		for (int i = 0; i < 8; i++)
			out[i] = alpha[r[i] % 32];
		out[8] = '\0';
		sqlite3_stmt *st = op_db_stmt(db, SQL_CODE_USED);
		int rc;
		if (!st || op_bind_text(db, st, ":code", out) < 0 || (rc = op_db_step(db, st)) < 0)
			return -1;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;
	}
	return op_errc(op_db_err(db), EX_SOFTWARE, "coupon: cannot find an unused code");
}

/* A code as typed: trimmed, upper case; 3-32 of A-Z 0-9 '-'. */
static int norm_code(op_db *db, char out[40], const char *in)
{
	size_t n = 0;
	while (*in == ' ')
		in++;
	for (; *in && *in != ' '; in++) {
		unsigned char ch = (unsigned char)*in;
		if (!(isalnum(ch) || ch == '-') || ch >= 0x80 || n >= 32)
			return op_errc(op_db_err(db), EX_DATAERR, "coupon: a code is 3 to 32 "
				       "letters, digits or '-'");
		out[n++] = (char)toupper(ch);
	}
	while (*in == ' ')
		in++;
	out[n] = '\0';
	if (*in || n < 3)
		return op_errc(op_db_err(db), EX_DATAERR, "coupon: a code is 3 to 32 "
			       "letters, digits or '-'");
	return 0;
}

/* "50" (money), "10%", "9折" / "8.5折" (that much of the price: 10%, 15% off). */
int op_coupon_parse_value(op_db *db, const char *in, const char **kind, int64_t *v)
{
	const char *why;
	size_t n = strlen(in);
	char buf[32];
	if (n && n < sizeof(buf) && in[n - 1] == '%') {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 1), in);
		if (op_valid_int(v, buf, 1, 100, &why) < 0)
			return op_errc(op_db_err(db), EX_DATAERR, "value: %s: %s", in, why);
		*kind = "percent";
		return 0;
	}
	if (n > 3 && n < sizeof(buf) && strcmp(in + n - 3, "折") == 0) {
		int64_t tenths;
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 3), in);
		/* 9折 is 90% of the price, 8.5折 85%: as money-like decimals */
		if (op_valid_money(&tenths, buf, &why) < 0 || tenths % 10 || tenths < 100 ||
		    tenths > 990)
			return op_errc(op_db_err(db), EX_DATAERR, "value: %s is not a discount "
				       "like 9折 or 8.5折", in);
		*v = 100 - tenths / 10;
		*kind = "percent";
		return 0;
	}
	if (op_valid_money(v, in, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "value: %s", why);
	if (*v <= 0)
		return op_errc(op_db_err(db), EX_DATAERR, "value: must be more than 0.00");
	*kind = "amount";
	return 0;
}

static const char SQL_ADD[] =
	"INSERT INTO main.coupon(code, campaign_id, customer_id, kind, value, min_spend,"
	" valid_from, valid_until, branch)"
	" VALUES (:code, :campaign, :customer, :kind, :value, :min, coalesce(:from, op_today()),"
	" :until, (SELECT value FROM meta WHERE key = 'site')) RETURNING id";

int op_coupon_make(op_db *db, const char *code, const char *campaign_id,
		   const char *customer_id, const char *kind, int64_t value,
		   int64_t min_spend, const char *from, const char *until,
		   char code_out[40], char **id)
{
	sqlite3_stmt *st;
	if (code)
		snprintf(code_out, 40, "%s", code);
	else if (op_coupon_new_code(db, code_out) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_ADD)) || op_bind_text(db, st, ":code", code_out) < 0 ||
	    op_bind_text(db, st, ":campaign", campaign_id) < 0 ||
	    op_bind_text(db, st, ":customer", customer_id) < 0 ||
	    op_bind_text(db, st, ":kind", kind) < 0 || op_bind_int(db, st, ":value", value) < 0 ||
	    op_bind_int(db, st, ":min", min_spend) < 0 || op_bind_text(db, st, ":from", from) < 0 ||
	    op_bind_text(db, st, ":until", until) < 0 || op_db_step(db, st) != SQLITE_ROW) {
		if (st)
			sqlite3_reset(st);
		return -1;
	}
	int rc = 0;
	if (id && !(*id = strdup((const char *)sqlite3_column_text(st, 0))))
		rc = op_errc(op_db_err(db), EX_OSERR, "out of memory");
	sqlite3_reset(st);
	return rc;
}

int op_coupon_add(op_db *db, const struct op_coupon_def *d, char **id)
{
	char code[40], from[16], until[16], made[40];
	const char *why, *kind;
	int64_t value, min = 0;
	int own = !op_db_in_txn(db), rc;
	sqlite3_stmt *st;

	if (d->code && norm_code(db, code, d->code) < 0)
		return -1;
	if (!d->value)
		return op_errc(op_db_err(db), EX_USAGE, "value: a coupon needs a value "
			       "(money like 50, or a percentage like 10%% or 9折)");
	if (op_coupon_parse_value(db, d->value, &kind, &value) < 0)
		return -1;
	if (d->min_spend && op_valid_money(&min, d->min_spend, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "min-spend: %s", why);
	if (d->from && op_valid_date(from, sizeof(from), d->from, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "from: %s", why);
	if (!d->until)
		return op_errc(op_db_err(db), EX_USAGE, "until: a coupon needs its last valid day");
	if (op_valid_date(until, sizeof(until), d->until, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "until: %s", why);
	if (d->from && strcmp(until, from) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "until: %s is before %s", until, from);
	if (d->code) {
		if (!(st = op_db_stmt(db, SQL_CODE_USED)) || op_bind_text(db, st, ":code", code) < 0 ||
		    (rc = op_db_step(db, st)) < 0)
			return -1;
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			return op_errc(op_db_err(db), EX_DATAERR, "code: %s is already a coupon", code);
	}
	if (own && op_db_begin(db, d->staff) < 0)
		return -1;
	if (op_coupon_make(db, d->code ? code : NULL, d->campaign_id, d->customer_id, kind,
			   value, min, d->from ? from : NULL, until, made, id) < 0 ||
	    (own && op_db_commit(db) < 0)) {
		if (own)
			op_db_rollback(db);
		return -1;
	}
	return 0;
}

/* The coupon with code, and its first use by customer (order number,
 * date, branch) if any. A coupon of a customer merged into another is
 * the kept customer's. */
static const char SQL_COUPON[] =
	"SELECT p.id, p.kind, p.value, p.min_spend, p.valid_from, p.valid_until,"
	" p.customer_id IS NULL OR p.customer_id = :cust"
	"  OR (SELECT merged_into FROM main.customer WHERE id = p.customer_id) = :cust,"
	" (SELECT coalesce(r.order_no, o.order_no, r.order_id) || ' (' || r.at || ', ' || coalesce(r.branch, '?') || ')'"
	"  FROM main.coupon_redemption r LEFT JOIN main.sales_order o ON o.id = r.order_id"
	"  WHERE r.coupon_id = p.id AND (p.customer_id IS NOT NULL OR r.customer_id = :cust)"
	"  ORDER BY r.at LIMIT 1)"
	" FROM main.coupon p WHERE p.code = :code";

int op_coupon_check(op_db *db, const char *code_in, const char *customer_id,
		    int64_t total, const char *date, int64_t *discount, char **coupon_id)
{
	char code[40], today[16];
	sqlite3_stmt *st;
	op_err *e = op_db_err(db);
	int rc, ret = -1;

	if (norm_code(db, code, code_in) < 0)
		return -1;
	if (!date) {
		op_db_today(db, today);	/* the local business day, like orders */
		date = today;
	}
	if (!(st = op_db_stmt(db, SQL_COUPON)) || op_bind_text(db, st, ":code", code) < 0 ||
	    op_bind_text(db, st, ":cust", customer_id) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		op_errc(e, EX_NOINPUT, "coupon: no coupon with code %s", code);
		goto out;
	}
	const char *kind = (const char *)sqlite3_column_text(st, 1);
	int64_t value = sqlite3_column_int64(st, 2), min = sqlite3_column_int64(st, 3);
	const char *from = (const char *)sqlite3_column_text(st, 4);
	const char *until = (const char *)sqlite3_column_text(st, 5);
	const char *used = (const char *)sqlite3_column_text(st, 7);
	if (!sqlite3_column_int(st, 6))
		op_errc(e, EX_DATAERR, "coupon: %s belongs to another customer", code);
	else if (used)
		op_errc(e, EX_DATAERR, "coupon: %s was already used on order %s", code, used);
	else if (strcmp(date, from) < 0)
		op_errc(e, EX_DATAERR, "coupon: %s is valid from %s", code, from);
	else if (strcmp(date, until) > 0)
		op_errc(e, EX_DATAERR, "coupon: %s expired on %s", code, until);
	else if (total < min)
		op_errc(e, EX_DATAERR, "coupon: %s needs a minimum spend of %lld.%02d; "
			"this order comes to %lld.%02d", code, MONEY_FMT(min), MONEY_FMT(total));
	else {
		/* a percentage rounds half up to the cent; money never exceeds the total */
		int64_t d = strcmp(kind, "percent") == 0 ? (total * value + 50) / 100 : value;
		*discount = d > total ? total : d;
		if (coupon_id && !(*coupon_id = strdup((const char *)sqlite3_column_text(st, 0))))
			op_errc(e, EX_OSERR, "out of memory");
		else
			ret = 0;
	}
out:
	sqlite3_reset(st);
	return ret;
}

static const char SQL_ORDER[] =
	"SELECT customer_id, total, order_date FROM main.sales_order WHERE id = :id";
static const char SQL_TAKE_OFF[] =
	"UPDATE main.sales_order SET total = total - :d, discount = discount + :d WHERE id = :id";
static const char SQL_REDEEM[] =
	"INSERT INTO main.coupon_redemption(coupon_id, customer_id, order_id, discount, staff, branch,"
	" order_no) VALUES (:coupon, :cust, :order, :d, :staff, (SELECT value FROM meta WHERE key = 'site'),"
	" (SELECT order_no FROM main.sales_order WHERE id = :order))";

int op_coupon_redeem(op_db *db, const char *code, const char *order_id,
		     const char *staff, int64_t *discount)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_ORDER);
	char cust[64], date[16], *coupon = NULL;
	int64_t total, d;
	int rc;

	if (!st || op_bind_text(db, st, ":id", order_id) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return op_errc(op_db_err(db), EX_NOINPUT, "no order with id %s", order_id);
	}
	snprintf(cust, sizeof(cust), "%s", (const char *)sqlite3_column_text(st, 0));
	total = sqlite3_column_int64(st, 1);
	snprintf(date, sizeof(date), "%s", (const char *)sqlite3_column_text(st, 2));
	sqlite3_reset(st);
	if (op_coupon_check(db, code, cust, total, date, &d, &coupon) < 0)
		return -1;
	rc = -1;
	if ((st = op_db_stmt(db, SQL_TAKE_OFF)) && op_bind_int(db, st, ":d", d) == 0 &&
	    op_bind_text(db, st, ":id", order_id) == 0 && op_db_run(db, st) == 0 &&
	    (st = op_db_stmt(db, SQL_REDEEM)) && op_bind_text(db, st, ":coupon", coupon) == 0 &&
	    op_bind_text(db, st, ":cust", cust) == 0 &&
	    op_bind_text(db, st, ":order", order_id) == 0 && op_bind_int(db, st, ":d", d) == 0 &&
	    op_bind_text(db, st, ":staff", staff) == 0 && op_db_run(db, st) == 0)
		rc = 0;
	free(coupon);
	if (rc == 0 && discount)
		*discount = d;
	return rc;
}
