/*
 * test_tables.c — the table description agrees with the migrations: every
 * synced table exists with exactly the described columns in order, so a
 * migration that adds a column without describing it fails here.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "tables.h"

Test(tables, description_matches_schema)
{
	op_db *db;
	op_err e = { 0 };
	char path[64];
	snprintf(path, sizeof(path), "/tmp/op-tables-%d.db", getpid());
	unlink(path);
	cr_assert_eq(op_db_open(&db, path, OP_DB_CREATE, &e), 0, "%s", e.msg);
	for (int i = 0; i < op_ntables; i++) {
		const struct op_table *t = &op_tables[i];
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s') ORDER BY cid",
			 t->name);
		sqlite3_stmt *st;
		cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
		int c = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			cr_assert_lt(c, t->ncols, "%s has more columns than described", t->name);
			cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), t->cols[c].name,
					 "%s column %d", t->name, c);
			c++;
		}
		sqlite3_finalize(st);
		cr_assert_eq(c, t->ncols, "%s: %d columns in schema, %d described", t->name,
			     c, t->ncols);
		cr_assert_str_eq(t->cols[0].name, "id");
		cr_assert_lt(t->ncols, 63, "the update bitmask holds 62 columns");
		for (int k = 0; k < t->ncols; k++) {
			cr_assert_eq(!!(t->cols[k].flags & OP_COL_COUNTER), k == t->counter_col,
				     "%s.%s counter flag", t->name, t->cols[k].name);
			cr_assert_eq(!!(t->cols[k].flags & OP_COL_MERGED), k == t->merged_col,
				     "%s.%s merged flag", t->name, t->cols[k].name);
		}
	}
	op_db_free(db);
	unlink(path);
}

Test(tables, numbers_unique_and_lookups)
{
	for (int i = 0; i < op_ntables; i++)
		for (int j = i + 1; j < op_ntables; j++)
			cr_assert_neq(op_tables[i].num, op_tables[j].num);
	cr_assert_eq(op_table_by_name("customer")->num, 3);
	cr_assert_eq(op_table_by_num(3), op_table_by_name("customer"));
	cr_assert_null(op_table_by_num(999));
	cr_assert_eq(op_table_col(op_table_by_name("customer"), "points"), 21);
	cr_assert(op_table_by_name("customer")->route & OP_ROUTE_UP);
	cr_assert(op_table_by_name("customer")->route & OP_ROUTE_DOWN);
	cr_assert_eq(op_table_by_name("sales_order")->route, OP_ROUTE_UP);
	cr_assert_eq(op_table_by_name("product")->route, OP_ROUTE_DOWN);
}
