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
	NC_("value", "stale"),
	NULL
};
static const char *const VALUE_COLS[] = {
	"state", "kind", "status", "last_kind", "gender", NULL
};

/* Columns that hold a UTC timestamp (the schema stores times as UTC). */
static const char *const UTC_COLS[] = {
	"created_at", "received_at", "first_reply_at", "closed_at", "at", "last_at",
	"paid_at", "resolved_at", "revoked_at", "enrolled_at", "last_contact",
	"undone_at", "computed_at", "last_error_at", "updated_at", "since", "due",
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
	if (!display_tz || !v || !op_label_is_utc(name) ||
	    op_tz_local(display_tz, buf, n, v) < 0)
		return v;
	return buf;
}
