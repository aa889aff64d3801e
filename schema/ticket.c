/*
 * ticket.c — after-sales tickets (售后服务记录) as operations (ops.h):
 * open one, and take a step on it (update, reply, close).
 *
 * A ticket moves open -> in_progress -> resolved -> closed (a resolved one
 * may be reopened to in_progress; closed is final), and every step a person
 * takes is a ticket_step row: the step that opened it, each update and the
 * close, with who did it and the status after it. The ticket row carries the
 * current state; its first_reply_at is set by the first step after opening,
 * so reports can check the 24-hour first-reply rule for complaints. Opening
 * writes the ticket and its first step in one transaction, as does every
 * later step with its change to the ticket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

/* ticket open: the options people type first, then the columns the
 * operation fills in itself. */
const struct op_field op_ticket_open_fields[] = {
	{ "customer", "customer_id", F_TEXT, NULL, 0, 0, 1, "客户|customer_id" },
	{ "problem", "problem", F_TEXT, NULL, 0, 0, 1, "问题|问题描述|description" },
	{ "kind", "kind", F_ENUM, &op_enum_ticket_kind, 0, 0, 0, "类型|type" },
	{ "order", "order_id", F_TEXT, NULL, 0, 0, 0, "订单|订单号|order_no" },
	{ "handler", "handler", F_TEXT, NULL, 0, 0, 0, "处理人|负责人" },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "received-at", "received_at", F_DATETIME, NULL, 0, 0, 0, NULL },
};

static const char SQL_STATE[] =
	"SELECT status, ticket_no FROM ticket WHERE id = :id";

static const char SQL_ORDER_CUSTOMER[] =
	"SELECT customer_id FROM sales_order WHERE id = :id";

static const char SQL_STAFF_KNOWN[] = "SELECT 1 FROM staff WHERE code = :code";

static const char SQL_ADD_STEP[] =
	"INSERT INTO main.ticket_step(ticket_id, at, staff, status, action)"
	" VALUES (:ticket, :at, :staff, :status, :action)";

/* The first step after opening is the first reply; closing stamps
 * closed_at. Unchanged columns are written back as they were, which the
 * journal does not count as a change. */
static const char SQL_APPLY_STEP[] =
	"UPDATE main.ticket SET status = :status,"
	"  handler = coalesce(:handler, handler),"
	"  result = coalesce(:result, result),"
	"  satisfaction = coalesce(:satisfaction, satisfaction),"
	"  first_reply_at = coalesce(first_reply_at, :now),"
	"  closed_at = CASE WHEN :status = 'closed' THEN :now ELSE closed_at END"
	" WHERE id = :id";


/* A handler must be someone the store knows, so reports per person add up. */
static int check_handler(struct op_ctx *ctx, const char *code)
{
	sqlite3_stmt *st = op_db_stmt(ctx->db, SQL_STAFF_KNOWN);
	int rc;

	if (!st || op_bind_text(ctx->db, st, ":code", code) < 0 ||
	    (rc = op_db_step(ctx->db, st)) < 0)
		return -1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		ctx->field = "handler";
		return op_errc(&ctx->err, EX_NOINPUT, "handler: no staff member '%s' "
			       "(see 'outpost staff list')", code);
	}
	return 0;
}

/* open -> in_progress | resolved | closed; in_progress -> resolved | closed;
 * resolved -> closed | in_progress (reopened); closed is final. */
static int transition_ok(const char *from, const char *to)
{
	static const struct { const char *from, *to; } ok[] = {
		{ "open", "in_progress" }, { "open", "resolved" }, { "open", "closed" },
		{ "in_progress", "resolved" }, { "in_progress", "closed" },
		{ "resolved", "closed" }, { "resolved", "in_progress" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(ok[i].from, from) == 0 && strcmp(ok[i].to, to) == 0)
			return 1;
	return 0;
}

/* One step on ticket id: check the move from its current status to
 * status (NULL: stays), change the ticket and append the step. Inside a
 * transaction. 0 or -1 with the error in ctx->err or the db. */
static int take_step(struct op_ctx *ctx, const char *id, const struct op_ticket_step *s)
{
	op_db *db = ctx->db;
	sqlite3_stmt *st;
	char now[20], from[16], no[64];
	const char *to;
	int rc;

	if (!(st = op_db_stmt(db, SQL_STATE)) || op_bind_text(db, st, ":id", id) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return op_errc(&ctx->err, EX_NOINPUT, "no ticket with id %s", id);
	}
	snprintf(from, sizeof(from), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(no, sizeof(no), "%s", sqlite3_column_type(st, 1) == SQLITE_NULL ?
		 id : (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);

	if (strcmp(from, "closed") == 0)
		return op_errc(&ctx->err, EX_DATAERR,
			       "ticket %s is closed; a closed ticket takes no more steps", no);
	to = s->status ? s->status : from;
	if (s->status && !transition_ok(from, to)) {
		ctx->field = "status";
		if (strcmp(from, to) == 0)
			return op_errc(&ctx->err, EX_DATAERR,
				       "status: ticket %s is already %s", no, from);
		return op_errc(&ctx->err, EX_DATAERR,
			       "status: ticket %s cannot go from %s to %s (%s)", no, from, to,
			       strcmp(from, "open") == 0 ? "open goes to in_progress, resolved or closed" :
			       strcmp(from, "in_progress") == 0 ? "in_progress goes to resolved or closed" :
			       "resolved goes to closed, or back to in_progress");
	}
	if (s->handler && check_handler(ctx, s->handler) < 0)
		return -1;

	op_now(now);
	if (!(st = op_db_stmt(db, SQL_APPLY_STEP)) ||
	    op_bind_text(db, st, ":status", to) < 0 ||
	    op_bind_text(db, st, ":handler", s->handler) < 0 ||
	    op_bind_text(db, st, ":result", s->result) < 0 ||
	    (s->satisfaction ? op_bind_int(db, st, ":satisfaction", s->satisfaction) :
			       op_bind_null(db, st, ":satisfaction")) < 0 ||
	    op_bind_text(db, st, ":now", now) < 0 ||
	    op_bind_text(db, st, ":id", id) < 0 || op_db_run(db, st) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_ADD_STEP)) ||
	    op_bind_text(db, st, ":ticket", id) < 0 ||
	    op_bind_text(db, st, ":at", now) < 0 ||
	    op_bind_text(db, st, ":staff", ctx->as) < 0 ||
	    op_bind_text(db, st, ":status", to) < 0 ||
	    op_bind_text(db, st, ":action", s->action) < 0 || op_db_run(db, st) < 0)
		return -1;
	return 0;
}


int op_ticket_step(struct op_ctx *ctx, const char *id, const struct op_ticket_step *s)
{
	if (op_db_begin(ctx->db, ctx->as) < 0 || take_step(ctx, id, s) < 0 ||
	    op_db_commit(ctx->db) < 0) {
		op_db_rollback(ctx->db);
		return -1;
	}
	return 0;
}

int op_ticket_open(struct op_ctx *ctx, const char **vals, char **id)
{
	char now[20];

	*id = NULL;
	if (vals[OP_TK_ORDER] && *vals[OP_TK_ORDER]) {
		sqlite3_stmt *st = op_db_stmt(ctx->db, SQL_ORDER_CUSTOMER);
		int step;
		if (!st || op_bind_text(ctx->db, st, ":id", vals[OP_TK_ORDER]) < 0 ||
		    (step = op_db_step(ctx->db, st)) < 0)
			goto fail;
		int mine = step == SQLITE_ROW &&
			   strcmp((const char *)sqlite3_column_text(st, 0), vals[OP_TK_CUSTOMER]) == 0;
		sqlite3_reset(st);
		if (!mine) {
			ctx->field = "order";
			op_errc(&ctx->err, EX_DATAERR, "order: %s belongs to another customer",
				vals[OP_TK_ORDER]);
			goto fail;
		}
	}
	if (vals[OP_TK_HANDLER] && *vals[OP_TK_HANDLER] &&
	    check_handler(ctx, vals[OP_TK_HANDLER]) < 0)
		goto fail;
	/* The ticket's number and its first step share one clock reading. */
	op_now(now);
	vals[OP_TK_RECEIVED] = now;
	vals[OP_TK_BRANCH] = op_db_site(ctx->db);
	if (op_db_begin(ctx->db, ctx->as) < 0 ||
	    op_rec_insert(ctx, "ticket", op_ticket_open_fields, OP_TK_NALL, vals, id) < 0)
		goto fail;
	sqlite3_stmt *st = op_db_stmt(ctx->db, SQL_ADD_STEP);
	if (!st || op_bind_text(ctx->db, st, ":ticket", *id) < 0 ||
	    op_bind_text(ctx->db, st, ":at", now) < 0 ||
	    op_bind_text(ctx->db, st, ":staff", ctx->as) < 0 ||
	    op_bind_text(ctx->db, st, ":status", "open") < 0 ||
	    op_bind_text(ctx->db, st, ":action", "opened") < 0 ||
	    op_db_run(ctx->db, st) < 0 || op_db_commit(ctx->db) < 0)
		goto fail;
	return 0;
fail:
	op_db_rollback(ctx->db);
	free(*id);
	*id = NULL;
	return -1;
}
