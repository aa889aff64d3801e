/*
 * labels.c — column labels and local times for tables (see labels.h).
 *
 * One table: every column a person meets in a list or a record, with its
 * label marked for translation in context "column" (so "status" the
 * header and "status" a word elsewhere can differ). Under LANG=C the
 * label is the column name, exactly as before.
 */
#include <stdio.h>
#include <string.h>
#include "i18n.h"
#include "labels.h"

/* msgctxt "column": "column\004name" is how gettext stores it */
#define NC_(ctx, s) ctx "\004" s

static const char *const LABELS[] = {
	NC_("column", "id"), NC_("column", "name"), NC_("column", "phone"),
	NC_("column", "email"), NC_("column", "gender"), NC_("column", "birthday"),
	NC_("column", "address"), NC_("column", "channel"), NC_("column", "owner"),
	NC_("column", "home_branch"), NC_("column", "branch"), NC_("column", "points"),
	NC_("column", "tags"), NC_("column", "notes"), NC_("column", "created_at"),
	NC_("column", "customer"), NC_("column", "customer_id"), NC_("column", "class"),
	NC_("column", "order_no"), NC_("column", "date"), NC_("column", "order_date"),
	NC_("column", "status"), NC_("column", "total"), NC_("column", "paid"),
	NC_("column", "outstanding"), NC_("column", "discount"), NC_("column", "payment"),
	NC_("column", "expected"), NC_("column", "expected_date"),
	NC_("column", "delivered_date"), NC_("column", "delivery_address"),
	NC_("column", "items"), NC_("column", "staff"), NC_("column", "sku"),
	NC_("column", "product"), NC_("column", "category"), NC_("column", "spec"),
	NC_("column", "unit"), NC_("column", "price"), NC_("column", "unit_price"),
	NC_("column", "qty"), NC_("column", "line_total"), NC_("column", "active"),
	NC_("column", "ticket_no"), NC_("column", "kind"), NC_("column", "problem"),
	NC_("column", "received_at"), NC_("column", "handler"), NC_("column", "result"),
	NC_("column", "satisfaction"), NC_("column", "first_reply_at"),
	NC_("column", "closed_at"), NC_("column", "action"), NC_("column", "at"),
	NC_("column", "purpose"), NC_("column", "opinion"), NC_("column", "next_action"),
	NC_("column", "next_due"), NC_("column", "days_left"), NC_("column", "last_at"),
	NC_("column", "last_kind"), NC_("column", "due"), NC_("column", "state"),
	NC_("column", "what"), NC_("column", "why"), NC_("column", "since"),
	NC_("column", "code"), NC_("column", "region"), NC_("column", "role"),
	NC_("column", "quote_no"), NC_("column", "valid_until"), NC_("column", "amount"),
	NC_("column", "method"), NC_("column", "paid_at"), NC_("column", "starts_at"),
	NC_("column", "ends_at"), NC_("column", "on_hand"), NC_("column", "safe_level"),
	NC_("column", "site"), NC_("column", "seq"), NC_("column", "op"),
	NC_("column", "tbl"), NC_("column", "score"), NC_("column", "reason"),
	NC_("column", "customers"), NC_("column", "orders"), NC_("column", "value"),
	NC_("column", "key"), NC_("column", "last_contact"), NC_("column", "resolved_at"),
	NC_("column", "title"), NC_("column", "name_zh"), NC_("column", "name_en"),
	NC_("column", "aliases"), NC_("column", "precision"), NC_("column", "when"),
	NC_("column", "hq"), NC_("column", "hq_pubkey"), NC_("column", "unsent"),
	NC_("column", "lag_seconds"), NC_("column", "drift_ms"), NC_("column", "schema_version"),
	NC_("column", "hq_schema_version"), NC_("column", "open_conflicts"),
	NC_("column", "last_error"), NC_("column", "last_error_at"), NC_("column", "revoked"),
	NC_("column", "unreceived"), NC_("column", "total_due"),
	NC_("column", "active_branches"), NC_("column", "unstamped"), NC_("column", "pending"),
	NC_("column", "refused"), NC_("column", "acked_ver"), NC_("column", "recv_ver"),
	NC_("column", "history_error"), NC_("column", "history_error_at"),
	NC_("column", "backup_last"), NC_("column", "backup_error"), NC_("column", "refunded"), NC_("column", "balance"),
	NC_("column", "author"), NC_("column", "brand"), NC_("column", "budget"),
	NC_("column", "buyers"), NC_("column", "buyers_pct"), NC_("column", "campaign"),
	NC_("column", "column"), NC_("column", "columns"), NC_("column", "commit"),
	NC_("column", "conversion_pct"), NC_("column", "converted"), NC_("column", "cost"),
	NC_("column", "cost_per"), NC_("column", "count"), NC_("column", "coupon"),
	NC_("column", "coupon_discount"), NC_("column", "coupon_min"),
	NC_("column", "coupon_until"), NC_("column", "coupon_value"),
	NC_("column", "coupons"), NC_("column", "colour"), NC_("column", "custom"),
	NC_("column", "days_late"), NC_("column", "enquiries"), NC_("column", "filter"),
	NC_("column", "followups"), NC_("column", "freq"), NC_("column", "group"),
	NC_("column", "holdout"), NC_("column", "holdout_pct"),
	NC_("column", "incremental_sales"), NC_("column", "kept"), NC_("column", "kept_site"),
	NC_("column", "label"), NC_("column", "last_here"), NC_("column", "last_order"),
	NC_("column", "lost"), NC_("column", "lost_site"), NC_("column", "matched"),
	NC_("column", "material"), NC_("column", "max_spend"), NC_("column", "metric"),
	NC_("column", "min_gap"), NC_("column", "min_spend"), NC_("column", "month"),
	NC_("column", "net"), NC_("column", "no_address"), NC_("column", "no_contact"),
	NC_("column", "note"), NC_("column", "of"), NC_("column", "order_total"),
	NC_("column", "orders_per_customer"), NC_("column", "path"),
	NC_("column", "products"), NC_("column", "pubkey"), NC_("column", "quarter"),
	NC_("column", "queued"), NC_("column", "quoted"), NC_("column", "quotes"),
	NC_("column", "rated"), NC_("column", "recent"), NC_("column", "redeemed"),
	NC_("column", "redeemed_pct"), NC_("column", "resolution"),
	NC_("column", "responded"), NC_("column", "response_pct"), NC_("column", "returned"),
	NC_("column", "roi_pct"), NC_("column", "row"), NC_("column", "rule"),
	NC_("column", "sales"), NC_("column", "sales_per_customer"), NC_("column", "seed"),
	NC_("column", "segment"), NC_("column", "sent"), NC_("column", "share_pct"),
	NC_("column", "skipped"), NC_("column", "snapshot"), NC_("column", "spend"),
	NC_("column", "starts"), NC_("column", "ends"), NC_("column", "style"),
	NC_("column", "summary"), NC_("column", "table"), NC_("column", "template"),
	NC_("column", "tickets"), NC_("column", "time"), NC_("column", "to_pay"),
	NC_("column", "today"), NC_("column", "turns_here"), NC_("column", "until"),
	NC_("column", "uplift_per_customer"), NC_("column", "uses"),
	NC_("column", "valid_from"), NC_("column", "window"), NC_("column", "message"),
	NC_("column", "interests"), NC_("column", "employer"), NC_("column", "pref_brand"),
	NC_("column", "pref_colour"), NC_("column", "pref_material"),
	NC_("column", "pref_style"), NC_("column", "created_by"), NC_("column", "sent_at"),
	NC_("column", "priority"), NC_("column", "auto"), NC_("column", "reply_late"),
	NC_("column", "enrolled_at"), NC_("column", "revoked_at"),
	NC_("column", "chart"), NC_("column", "flags"), NC_("column", "merged_into"),
	NC_("column", "wechat"), NC_("column", "assigned_by"),
	NC_("column", "prepared_at"),
	NULL
};

/* Words of the enumerations (valid.c), shown translated in the columns
 * that hold them; JSON and CSV keep the canonical words. */
static const char *const VALUES[] = {
	NC_("value", "due"), NC_("value", "overdue"), NC_("value", "today"),
	NC_("value", "upcoming"), NC_("value", "low"), NC_("value", "enquiry"),
	NC_("value", "followup"), NC_("value", "birthday"), NC_("value", "complaint"),
	NC_("value", "delivery"), NC_("value", "visit"), NC_("value", "stock"),
	NC_("value", "pending"), NC_("value", "shipped"), NC_("value", "delivered"),
	NC_("value", "completed"), NC_("value", "cancelled"), NC_("value", "returned"),
	NC_("value", "open"), NC_("value", "in_progress"), NC_("value", "resolved"),
	NC_("value", "closed"), NC_("value", "repair"), NC_("value", "return"),
	NC_("value", "installation"), NC_("value", "other"), NC_("value", "call"),
	NC_("value", "message"), NC_("value", "scheduled"), NC_("value", "done"),
	NC_("value", "measure"), NC_("value", "install"), NC_("value", "expired"),
	NC_("value", "converted"), NC_("value", "deposit"), NC_("value", "refund"),
	NC_("value", "male"), NC_("value", "female"), NC_("value", "ok"),
	NC_("value", "stale"), NC_("value", "behind"), NC_("value", "refused"),
	/* a report's summary rows (metric) */
	NC_("value", "buyers"), NC_("value", "repurchase_rate"), NC_("value", "churn_rate"),
	NC_("value", "tickets"), NC_("value", "average_satisfaction"), NC_("value", "complaints"),
	NC_("value", "complaints_unanswered_late"), NC_("value", "orders"), NC_("value", "sales"),
	NC_("value", "average_order_value"), NC_("value", "return_rate"),
	NC_("value", "overdue_deliveries"),
	/* campaign kinds (schema/campaign.c) */
	NC_("value", "greeting"), NC_("value", "promotion"), NC_("value", "new-product"),
	NC_("value", "member-day"), NC_("value", "win-back"),
	NULL
};

/* What a table holds, named in messages ("no customer matches 'x'"). */
static const char *const NOUNS[] = {
	NC_("noun", "customer"), NC_("noun", "sales_order"), NC_("noun", "order"),
	NC_("noun", "product"), NC_("noun", "ticket"), NC_("noun", "followup"),
	NC_("noun", "staff"), NC_("noun", "branch"), NC_("noun", "quote"),
	NC_("noun", "campaign"), NC_("noun", "segment"), NC_("noun", "coupon"),
	NC_("noun", "appointment"), NC_("noun", "payment"), NC_("noun", "channel"),
	NC_("noun", "assign_rule"), NC_("noun", "item"), NC_("noun", "step"),
	NULL
};
static const char *const VALUE_COLS[] = {
	"state", "kind", "status", "last_kind", "gender", "metric", NULL
};

/* Words whose meaning depends on the column, each in its own context:
 * a person's or a site's role ("sales" is 销售 there, 销售额 as a
 * metric), the unit of a report's summary row, and the customers
 * report's segment of buyers. */
static const char *const ROLES[] = {
	NC_("role", "sales"), NC_("role", "service"), NC_("role", "manager"),
	NC_("role", "hq"), NC_("role", "admin"), NC_("role", "branch"), NULL
};
static const char *const UNITS[] = {
	NC_("unit", "customers"), NC_("unit", "tickets"), NC_("unit", "orders"),
	NC_("unit", "yuan"), NULL
};
static const char *const SEGMENTS[] = {
	NC_("segment", "new"), NC_("segment", "returning"), NULL
};
/* a journal entry's operation (log) */
static const char *const OPS[] = {
	NC_("op", "insert"), NC_("op", "update"), NC_("op", "delete"), NULL
};
/* what a list shows for no branch (a segment or campaign of the whole
 * chain) and for no customer (a coupon anyone may use) */
static const char *const NO_BRANCH[] = { NC_("branch", "chain-wide"), NULL };
static const char *const NO_CUSTOMER[] = { NC_("customer", "shared"), NULL };
/* the sales by channel of orders whose customer has no channel */
static const char *const NO_CHANNEL[] = { NC_("channel", "(unknown)"), NULL };
static const struct {
	const char *col, *ctx;
	const char *const *words;
} WORD_COLS[] = {
	{ "role", "role", ROLES }, { "unit", "unit", UNITS },
	{ "segment", "segment", SEGMENTS }, { "op", "op", OPS },
	{ "branch", "branch", NO_BRANCH }, { "customer", "customer", NO_CUSTOMER },
	{ "channel", "channel", NO_CHANNEL },
};

/* Columns that hold a UTC timestamp (the schema stores times as UTC). */
static const char *const UTC_COLS[] = {
	"created_at", "received_at", "first_reply_at", "closed_at", "at", "last_at",
	"paid_at", "resolved_at", "revoked_at", "enrolled_at", "last_contact",
	"undone_at", "computed_at", "last_error_at", "updated_at", "since", "due",
	"starts_at", "ends_at", "prepared_at", "sent_at",
	NULL
};

/* Columns of money in yuan ("4009.00"): --json writes them as numbers
 * with their two decimals, as the reports do (docs/SCHEMA.md, money). */
static const char *const MONEY_COLS[] = {
	"total", "paid", "outstanding", "discount", "amount", "price", "unit_price",
	"line_total", "balance", "refunded", "total_due", "budget", "order_total",
	"spend", "sales", "net", "returned", "deposit", NULL
};

static op_tz *display_tz;

/* word translated in context ctx when table has it, else word */
static const char *in_context(const char *const *table, const char *ctx,
			      const char *word)
{
	char key[96];
	const char *t;

	if (!word || strlen(word) > 80)
		return word;
	snprintf(key, sizeof(key), "%s\004%s", ctx, word);
	for (const char *const *l = table; *l; l++) {
		if (strcmp(*l, key) != 0)
			continue;
		t = dgettext(OP_TEXTDOMAIN, *l);
		return t == *l ? word : t;
	}
	return word;
}

const char *op_label(const char *name)
{
	return in_context(LABELS, "column", name);
}

const char *op_label_noun(const char *table)
{
	return in_context(NOUNS, "noun", table);
}

static int in_list(const char *const *list, const char *name)
{
	for (; name && *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

int op_label_is_money(const char *name)
{
	return in_list(MONEY_COLS, name);
}

int op_label_is_utc(const char *name)
{
	return in_list(UTC_COLS, name);
}

void op_label_set_tz(op_tz *tz) { display_tz = tz; }

const char *op_label_value(const char *name, const char *v, char *buf, size_t n)
{
	if (v && in_list(VALUE_COLS, name))
		return in_context(VALUES, "value", v);
	for (size_t i = 0; v && name && i < sizeof(WORD_COLS) / sizeof(WORD_COLS[0]); i++)
		if (strcmp(WORD_COLS[i].col, name) == 0)
			return in_context(WORD_COLS[i].words, WORD_COLS[i].ctx, v);
	if (!display_tz || !v || !op_label_is_utc(name) ||
	    op_tz_local(display_tz, buf, n, v) < 0)
		return v;
	return buf;
}
