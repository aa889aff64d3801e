/*
 * campaign.h — campaigns (issue 14): a segment, a kind, a message template,
 * a channel, a cost and a window; prepared into an outbox, exported for the
 * shop's SMS gateway / WeCom / call list, answered, and measured against a
 * hold-out control group (docs/REPORTS.md, "Campaigns").
 *
 * Outpost prepares and measures; it sends nothing. Every operation here is
 * one transaction, validates its input naming the field, and works the
 * same at a branch (the branch's customers) and at HQ (all of them): which
 * customers a connection sees is its scope (scope.h). Errors go to the
 * db's error slot.
 *
 * Hold-out: a customer is held out when splitmix64(seed XOR fnv1a64(id))
 * mod 10000 < holdout% x 100. The seed is drawn once when the campaign is
 * defined (or given) and stored with it, so the draw replays anywhere, for
 * any customer, in any order — a branch and HQ choose alike.
 */
#ifndef OP_CAMPAIGN_H
#define OP_CAMPAIGN_H

#include <stdint.h>
#include "db.h"

/* Step st (a statement with :name selecting from campaign) for the campaign
 * named name: 0 with the row current (reset st when done), or -1 with the
 * db error set (EX_NOINPUT "no campaign named ...") and st reset. */
int op_campaign_step_named(op_db *db, sqlite3_stmt *st, const char *name);

/* The hold-out draw for customer id: 1 when held out. */
int op_campaign_held_out(int64_t seed, int holdout_pct, const char *id);

/* `campaign add`: raw text as typed, NULL when not given. */
struct op_campaign_def {
	const char *name, *kind, *segment, *channel;
	const char *template;	/* len bytes (may hold a NUL, which is refused) */
	size_t template_len;
	const char *starts, *ends;	/* dates; starts NULL: today; ends NULL: starts + 30 days */
	const char *cost, *cost_per;	/* money */
	const char *holdout;	/* "10%" or "10" */
	const char *seed;	/* NULL: random */
	const char *min_gap;	/* days, NULL: 7 */
	const char *coupon_value;	/* per-customer coupons: "50", "10%", "9折" */
	const char *coupon_min;	/* their minimum spend */
	const char *coupon_until;	/* their last day, NULL: the campaign's end */
	const char *coupon_code;	/* or a shared coupon's code */
	int auto_daily;		/* prepared by `outpost remind` every day */
	const char *staff;
};
/* 0 and *id (malloc'd, may be NULL), or -1 with the db error set. */
int op_campaign_add(op_db *db, const struct op_campaign_def *d, char **id);

/* What a prepare did. */
struct op_campaign_prep {
	int64_t matched;	/* in the segment and this store's, not yet prepared */
	int64_t no_contact;	/* skipped: do-not-contact */
	int64_t no_address;	/* skipped: no phone / WeChat / address for the channel */
	int64_t recent;		/* skipped: a message within the minimum gap */
	int64_t holdout;	/* recorded as the control group */
	int64_t queued;		/* messages rendered into the outbox */
	int64_t coupons;	/* coupons made for them */
};
/* Render the campaign named name for today (NULL: the date now) into the
 * outbox. Customers already prepared for it (here or anywhere this store
 * has synced from) are left alone, so running it again adds only the
 * customers who joined the segment since. 0 and *r, or -1 (EX_NOINPUT no
 * such campaign, EX_DATAERR outside its window or another branch's). */
int op_campaign_prepare(op_db *db, const char *name, const char *today,
			const char *staff, struct op_campaign_prep *r);

/* Prepare every auto campaign whose window holds today; for each, calls
 * done(arg, name, r) after its commit. 0, or -1 at the first failure. */
typedef void (*op_campaign_done)(void *arg, const char *name,
				 const struct op_campaign_prep *r);
int op_campaign_auto(op_db *db, const char *today, const char *staff,
		     op_campaign_done done, void *arg);

/* Where an export goes: row() per queued message (the columns of
 * OP_CAMPAIGN_EXPORT_COLS), then finish(), which must make the file
 * complete and durable; the rows are marked sent in the same transaction
 * only when both succeeded. Either returns 0, or -1 with the db error
 * set. */
#define OP_CAMPAIGN_EXPORT_NCOLS 7
extern const char *const op_campaign_export_cols[OP_CAMPAIGN_EXPORT_NCOLS];
struct op_export_sink {
	int (*row)(void *arg, const char *const *vals);
	int (*finish)(void *arg);
	/* after finish, when marking or committing failed: undo the file */
	void (*abort)(void *arg);
	void *arg;
};
/* 0 and *rows, or -1 with nothing marked. */
int op_campaign_export(op_db *db, const char *name, const char *staff,
		       const struct op_export_sink *sink, int64_t *rows);

/* Record a response of customer_id to the campaign: kind replied |
 * visited | declined | opt-out (回复 到店 拒绝 退订); opt-out also sets the
 * customer's do-not-contact flag. The customer must be in the campaign's
 * outbox. 0, or -1 with the db error set. */
int op_campaign_record(op_db *db, const char *name, const char *customer_id,
		       const char *kind, const char *notes, const char *staff,
		       const char **canon);	/* the kind recorded (static), may be NULL */

/* One group of a campaign report (docs/REPORTS.md). Money in cents. */
struct op_campaign_group {
	int64_t customers;	/* contacted: sent; hold-out: recorded */
	int64_t responded;	/* with a response recorded */
	int64_t redeemed;	/* who used one of the campaign's coupons */
	int64_t buyers;		/* with an order in the window */
	int64_t orders;		/* orders in the window */
	int64_t sales;		/* their totals */
};
struct op_campaign_stats {
	char name[128], kind[16], channel[16], starts[16], ends[16];
	int holdout_pct;
	int64_t seed;
	int64_t queued;		/* prepared, not exported yet */
	struct op_campaign_group sent, held;
	int64_t discount;	/* taken off by its coupons */
	int64_t cost;		/* fixed + per message x sent */
	int has_control;	/* the hold-out group is not empty */
	double uplift_per_customer;	/* sales per customer, contacted - hold-out (cents) */
	double incremental;	/* uplift x contacted (cents) */
	double net;		/* incremental - cost (cents) */
	double roi;		/* net / cost, NaN when cost is 0 */
};
/* 0 and *s, or -1 (EX_NOINPUT no such campaign). */
int op_campaign_report(op_db *db, const char *name, struct op_campaign_stats *s);

#endif
