/*
 * test_conflict.c — settling a conflict (schema/conflict.h), the operation
 * beneath `conflicts resolve` and the web's 同步 page: kept, lost or a new
 * value, written back as an edit that is journaled, once only.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "conflict.h"
#include "unit_store.h"

static char *one(op_db *db, const char *sql)
{
	sqlite3_stmt *st;
	static char buf[256];
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(st, 0) ? (const char *)
		 sqlite3_column_text(st, 0) : "NULL");
	sqlite3_finalize(st);
	return buf;
}

static void exec(op_db *db, const char *sql)
{
	cr_assert_eq(op_db_exec(db, sql), 0, "%s", op_db_err(db)->msg);
}

Test(conflict, resolve_kept_lost_and_value)
{
	char dir[64], path[128];
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "conflict", "SH01");
	struct op_ctx ctx = { .db = db, .as = "mgr" };
	struct op_conflict_done d;

	exec(db, "INSERT INTO customer(id, name, notes) VALUES ('c1', '张三', '浅色')");
	/* 19 is customer.notes (schema/tables.c) */
	exec(db, "INSERT INTO conflict(tbl, gid, col, kept, lost, reason) VALUES"
		 " (3, 'c1', 19, '浅色', '深色', 'r'), (3, 'c1', 19, '浅色', '深色', 'r'),"
		 " (3, 'c1', 4, 'x', '1380013', 'r'), (99, 'z', 1, 'a', 'b', 'r')");

	cr_assert_eq(op_conflict_resolve(&ctx, 1, "lost", NULL, &d), 0, "%s", ctx.err.msg);
	cr_assert_str_eq(d.how, "lost");
	cr_assert_str_eq(d.col, "notes");
	cr_assert_str_eq(d.label, "张三");
	op_conflict_done_free(&d);
	cr_assert_str_eq(one(db, "SELECT notes FROM customer WHERE id = 'c1'"), "深色");
	cr_assert_str_eq(one(db, "SELECT resolution || ' ' || resolved_by FROM conflict WHERE id = 1"),
			 "lost mgr");
	cr_assert_str_eq(one(db, "SELECT count(*) FROM journal WHERE tbl = 3 AND op = 2 AND staff = 'mgr'"),
			 "1", "written back as mgr's edit, so it syncs");

	cr_assert_eq(op_conflict_resolve(&ctx, 1, "kept", NULL, &d), -1, "once only");
	cr_assert_eq(ctx.err.code, EX_DATAERR);

	op_ctx_clear(&ctx);
	cr_assert_eq(op_conflict_resolve(&ctx, 2, NULL, "  米色 ", &d), 0, "%s", ctx.err.msg);
	op_conflict_done_free(&d);
	cr_assert_str_eq(one(db, "SELECT notes FROM customer WHERE id = 'c1'"), "米色",
			 "a new value, normalised like customer edit");

	op_ctx_clear(&ctx);
	cr_assert_eq(op_conflict_resolve(&ctx, 3, NULL, "1380013", &d), -1,
		     "a new phone is validated like customer edit");
	cr_assert_eq(ctx.err.code, EX_DATAERR);
	cr_assert_str_eq(one(db, "SELECT resolved_at IS NULL FROM conflict WHERE id = 3"), "1",
			 "nothing half-saved");

	op_ctx_clear(&ctx);
	cr_assert_eq(op_conflict_resolve(&ctx, 4, "lost", NULL, &d), -1, "an unknown table");
	cr_assert(strstr(ctx.err.msg, "table number 99"), "%s", ctx.err.msg);
	op_ctx_clear(&ctx);
	cr_assert_eq(op_conflict_resolve(&ctx, 4, "kept", NULL, &d), 0, "kept always works");
	op_conflict_done_free(&d);

	op_ctx_clear(&ctx);
	cr_assert_eq(op_conflict_resolve(&ctx, 9, "kept", NULL, &d), -1);
	cr_assert_eq(ctx.err.code, EX_NOINPUT);
	op_ctx_clear(&ctx);
	cr_assert_eq(op_conflict_resolve(&ctx, 2, "both", NULL, &d), -1);
	cr_assert_eq(ctx.err.code, EX_USAGE);
	unit_store_remove(db, dir);
}
