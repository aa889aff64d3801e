/*
 * test_campaign.c — unit tests for schema/campaign.c and coupon.c: the
 * hold-out draw is the documented function of (seed, id), and a coupon is
 * used once per customer — refused locally, logged as a conflict when a
 * second use arrives by sync.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "campaign.h"
#include "coupon.h"
#include "unit_store.h"

Test(campaign, holdout_draw)
{
	/* splitmix64(42 ^ fnv1a64(id)) % 10000, computed independently */
	static const struct { const char *id; int draw; } v[] = {
		{ "a", 1624 }, { "b", 2305 }, { "c", 1348 }, { "d", 5441 },
		{ "e", 5618 }, { "f", 3422 }, { "g", 6863 }, { "h", 3438 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int pct = v[i].draw / 100;	/* held out at pct+1, not at pct */
		cr_assert_eq(op_campaign_held_out(42, pct + 1, v[i].id), 1, "%s", v[i].id);
		cr_assert_eq(op_campaign_held_out(42, pct, v[i].id), 0, "%s", v[i].id);
	}
	cr_assert_eq(op_campaign_held_out(42, 0, "a"), 0);
	cr_assert_eq(op_campaign_held_out(42, 100, "a"), 1);
}

static int64_t one(op_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL), SQLITE_OK,
		     "%s", sqlite3_errmsg(op_db_handle(db)));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

Test(campaign, coupon_once_per_customer)
{
	char dir[64], path[128];
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "coupon", "SH01");
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(id, name) VALUES ('c1', '张伟'), ('c2', '李娜');"
		     " INSERT INTO sales_order(id, customer_id, total) VALUES ('o1', 'c1', 50000),"
		     " ('o2', 'c1', 50000), ('o3', 'c2', 10000)"), 0);
	struct op_coupon_def d = { .code = "spring-50", .value = "50", .min_spend = "200",
				   .until = "2199-12-31", .customer_id = "c1" };
	cr_assert_eq(op_coupon_add(db, &d, NULL), 0, "%s", op_db_err(db)->msg);
	int64_t off = 0;
	cr_assert_eq(op_db_begin(db, NULL), 0);
	cr_assert_eq(op_coupon_redeem(db, "SPRING-50", "o3", NULL, &off), -1);
	cr_assert(strstr(op_db_err(db)->msg, "belongs to another customer"), "%s", op_db_err(db)->msg);
	cr_assert_eq(op_coupon_redeem(db, " spring-50 ", "o1", NULL, &off), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(off, 5000);
	cr_assert_eq(op_coupon_redeem(db, "SPRING-50", "o2", NULL, &off), -1);
	cr_assert(strstr(op_db_err(db)->msg, "already used"), "%s", op_db_err(db)->msg);
	cr_assert_eq(op_db_commit(db), 0);
	cr_assert_eq(one(db, "SELECT total FROM sales_order WHERE id = 'o1'"), 45000);
	cr_assert_eq(one(db, "SELECT discount FROM sales_order WHERE id = 'o1'"), 5000);
	/* a plain SQL client cannot use it twice either */
	cr_assert_eq(op_db_exec(db, "INSERT INTO coupon_redemption(coupon_id, customer_id, order_id,"
		     " discount) SELECT id, 'c1', 'o2', 5000 FROM coupon"), -1);
	/* the same second use arriving by sync is kept and logged */
	cr_assert_eq(op_db_begin_apply(db), 0);
	cr_assert_eq(op_db_exec(db, "INSERT INTO coupon_redemption(id, coupon_id, customer_id, order_id,"
		     " discount, branch) SELECT 'r2', id, 'c1', 'o2', 5000, 'BJ01' FROM coupon"), 0,
		     "%s", op_db_err(db)->msg);
	cr_assert_eq(op_db_commit(db), 0);
	cr_assert_eq(one(db, "SELECT count(*) FROM coupon_redemption"), 2);
	cr_assert_eq(one(db, "SELECT count(*) FROM conflict WHERE tbl = 45 AND gid = 'r2' AND col = 3"
		     " AND kept = 'o1' AND lost = 'o2' AND lost_site = 'BJ01'"
		     " AND reason LIKE 'coupon SPRING-50 redeemed twice: at SH01 on % and at BJ01 on %'"), 1);
	unit_store_remove(db, dir);
}
