/*
 * campaign_report.c — did a campaign pay off (op_campaign_report,
 * campaign.h; definitions in docs/REPORTS.md, "Campaigns"): the contacted
 * group (messages sent) against the hold-out group (recorded at prepare,
 * never contacted), each measured the same way over the campaign's window.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "campaign.h"

static const char SQL_HEAD[] =
	"SELECT id, name, kind, channel, starts, ends, holdout, seed, cost, cost_per,"
	" coupon_id, (SELECT count(*) FROM campaign_outbox x WHERE x.campaign_id = m.id"
	"  AND x.status = 'queued')"
	" FROM main.campaign m WHERE name = :name";

/* One group (:status 'sent' or 'holdout') of campaign :cid. Orders are the
 * group's customers' orders dated in the window, not cancelled or
 * returned; redemptions are uses of the campaign's coupons (its own or
 * its shared one) at any time. */
static const char SQL_GROUP[] =
	"WITH g AS (SELECT customer_id AS id FROM campaign_outbox"
	"  WHERE campaign_id = :cid AND status = :status),"
	" o AS (SELECT o.customer_id, count(*) AS n, sum(o.total) AS s FROM sales_order o"
	"  WHERE o.customer_id IN (SELECT id FROM g) AND o.status NOT IN ('cancelled', 'returned')"
	"  AND o.order_date BETWEEN :starts AND :ends GROUP BY o.customer_id)"
	" SELECT (SELECT count(*) FROM g),"
	" (SELECT count(DISTINCT r.customer_id) FROM campaign_response r"
	"  WHERE r.campaign_id = :cid AND r.customer_id IN (SELECT id FROM g)),"
	" (SELECT count(DISTINCT d.customer_id) FROM coupon_redemption d JOIN coupon p"
	"  ON p.id = d.coupon_id WHERE (p.campaign_id = :cid OR p.id = :shared)"
	"  AND d.customer_id IN (SELECT id FROM g)),"
	" (SELECT count(*) FROM o), (SELECT coalesce(sum(n), 0) FROM o),"
	" (SELECT coalesce(sum(s), 0) FROM o),"
	" (SELECT coalesce(sum(d.discount), 0) FROM coupon_redemption d JOIN coupon p"
	"  ON p.id = d.coupon_id WHERE (p.campaign_id = :cid OR p.id = :shared)"
	"  AND d.customer_id IN (SELECT id FROM g))";

static int group(op_db *db, const char *cid, const char *shared, const char *status,
		 const struct op_campaign_stats *s, struct op_campaign_group *g,
		 int64_t *discount)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_GROUP);
	if (!st || op_bind_text(db, st, ":cid", cid) < 0 ||
	    op_bind_text(db, st, ":status", status) < 0 ||
	    op_bind_text(db, st, ":shared", shared) < 0 ||
	    op_bind_text(db, st, ":starts", s->starts) < 0 ||
	    op_bind_text(db, st, ":ends", s->ends) < 0 || op_db_step(db, st) != SQLITE_ROW) {
		if (st)
			sqlite3_reset(st);
		return -1;
	}
	g->customers = sqlite3_column_int64(st, 0);
	g->responded = sqlite3_column_int64(st, 1);
	g->redeemed = sqlite3_column_int64(st, 2);
	g->buyers = sqlite3_column_int64(st, 3);
	g->orders = sqlite3_column_int64(st, 4);
	g->sales = sqlite3_column_int64(st, 5);
	*discount += sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	return 0;
}

int op_campaign_report(op_db *db, const char *name, struct op_campaign_stats *s)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_HEAD);
	char cid[64], shared[64];
	int64_t cost, cost_per;

	memset(s, 0, sizeof(*s));
	if (op_campaign_step_named(db, st, name) < 0)
		return -1;
	snprintf(cid, sizeof(cid), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(s->name, sizeof(s->name), "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(s->kind, sizeof(s->kind), "%s", (const char *)sqlite3_column_text(st, 2));
	snprintf(s->channel, sizeof(s->channel), "%s", (const char *)sqlite3_column_text(st, 3));
	snprintf(s->starts, sizeof(s->starts), "%s", (const char *)sqlite3_column_text(st, 4));
	snprintf(s->ends, sizeof(s->ends), "%s", (const char *)sqlite3_column_text(st, 5));
	s->holdout_pct = sqlite3_column_int(st, 6);
	s->seed = sqlite3_column_int64(st, 7);
	cost = sqlite3_column_int64(st, 8);
	cost_per = sqlite3_column_int64(st, 9);
	snprintf(shared, sizeof(shared), "%s", sqlite3_column_text(st, 10) ?
		 (const char *)sqlite3_column_text(st, 10) : "");
	s->queued = sqlite3_column_int64(st, 11);
	sqlite3_reset(st);
	if (group(db, cid, shared, "sent", s, &s->sent, &s->discount) < 0 ||
	    group(db, cid, shared, "holdout", s, &s->held, &s->discount) < 0)
		return -1;
	s->cost = cost + cost_per * s->sent.customers;
	s->has_control = s->held.customers > 0;
	double spc = s->sent.customers ? (double)s->sent.sales / (double)s->sent.customers : 0;
	double hpc = s->has_control ? (double)s->held.sales / (double)s->held.customers : 0;
	s->uplift_per_customer = s->has_control ? spc - hpc : NAN;
	s->incremental = s->has_control ? s->uplift_per_customer * (double)s->sent.customers : NAN;
	s->net = s->has_control ? s->incremental - (double)s->cost : NAN;
	s->roi = s->has_control && s->cost > 0 ? s->net / (double)s->cost : NAN;
	return 0;
}
