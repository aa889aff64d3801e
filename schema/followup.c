/*
 * followup.c — follow-up calls and visits (回访记录) as an operation
 * (ops.h). Each follow-up may set the next one's due date; the reminders
 * (client/remind.c, `followup due`) count only a customer's newest. The
 * time of a follow-up is local wall time as people give it, stored in
 * UTC like every other time in the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include "ops.h"

static const struct op_enum_alias kind_v[] = {
	{ "call", "phone|telephone|电话|打电话|电话回访" },
	{ "visit", "home-visit|上门|拜访|走访|到店|上门回访" },
	{ "message", "msg|sms|text|wechat|微信|短信|消息" },
	{ NULL, NULL }
};
static const struct op_enum followup_kind = { "follow-up kind", kind_v };

/* The options, then the columns outpost fills in itself. */
const struct op_field op_followup_fields[] = {
	{ "customer", "customer_id", F_TEXT, NULL, 0, 0, 1, "客户|customer_id" },
	{ "kind", "kind", F_ENUM, &followup_kind, 0, 0, 0, "方式|回访方式|type" },
	{ "purpose", "purpose", F_TEXT, NULL, 0, 0, 0, "目的|回访目的" },
	{ "opinion", "opinion", F_TEXT, NULL, 0, 0, 0, "意见|客户意见|反馈" },
	{ "next-action", "next_action", F_TEXT, NULL, 0, 0, 0, "下一步|下次行动" },
	{ "next-due", "next_due", F_DATE, NULL, 0, 0, 0, "下次回访|下次回访日期" },
	{ "at", "at", F_DATETIME, NULL, 0, 0, 0, "时间|回访时间" },
	{ "staff", "staff", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
};

/* Local wall time -> UTC, by the store's time zone (tz.h, op_db). */
static const char SQL_TO_UTC[] = "SELECT op_utc(:at)";



/* at (local, as typed) normalised and turned into UTC in out. */
static int at_utc(struct op_ctx *ctx, const char *raw, char *out, size_t n, int *isnull)
{
	char local[32];
	sqlite3_stmt *st;

	if (op_rec_norm(ctx, &op_followup_fields[OP_FU_AT], raw, local, sizeof(local),
			isnull) < 0)
		return -1;
	if (*isnull)
		return 0;
	if (!(st = op_db_stmt(ctx->db, SQL_TO_UTC)) ||
	    op_bind_text(ctx->db, st, ":at", local) < 0 ||
	    op_db_step(ctx->db, st) != SQLITE_ROW)
		return -1;
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return 0;
}

int op_followup_check_at(struct op_ctx *ctx, const char *raw)
{
	char utc[32];
	int isnull;
	return raw ? at_utc(ctx, raw, utc, sizeof(utc), &isnull) : 0;
}

int op_followup_add(struct op_ctx *ctx, const char **vals, char **id)
{
	char utc[32];
	int isnull;

	*id = NULL;
	if (vals[OP_FU_AT]) {
		if (at_utc(ctx, vals[OP_FU_AT], utc, sizeof(utc), &isnull) < 0)
			return -1;
		if (!isnull)
			vals[OP_FU_AT] = utc;
	}
	vals[OP_FU_STAFF] = ctx->as;
	vals[OP_FU_BRANCH] = op_db_site(ctx->db);
	if (op_db_begin(ctx->db, ctx->as) < 0 ||
	    op_rec_insert(ctx, "followup", op_followup_fields, OP_FU_NALL, vals, id) < 0 ||
	    op_db_commit(ctx->db) < 0) {
		op_db_rollback(ctx->db);
		free(*id);
		*id = NULL;
		return -1;
	}
	return 0;
}
