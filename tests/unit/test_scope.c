/*
 * test_scope.c — the row scope views (schema/scope.h) and the access audit.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "scope.h"
#include "unit_store.h"

static char dir[128], path[256];
static op_db *db;

static void sql(const char *s)
{
	cr_assert_eq(op_db_exec(db, s), 0, "%s: %s", s, op_db_err(db)->msg);
}

static long long count(const char *q)
{
	sqlite3_stmt *st;
	long long n = -1;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), q, -1, &st, NULL), SQLITE_OK,
		     "%s: %s", q, sqlite3_errmsg(op_db_handle(db)));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void setup(void)
{
	db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "scope", "SH01");
	sql("INSERT INTO customer(id, name, phone, owner, home_branch) VALUES"
	    " ('c1', 'a', '+8613800138000', 'li.na', 'SH01'),"
	    " ('c2', 'b', '+8613900139000', 'wang', 'SH01'),"
	    " ('c3', 'c', '+8613700137000', 'zhou', 'BJ01');"
	    "INSERT INTO sales_order(id, customer_id, total, branch) VALUES"
	    " ('o1', 'c1', 100, 'SH01'), ('o2', 'c2', 200, 'SH01'), ('o3', 'c3', 300, 'BJ01');"
	    "INSERT INTO order_item(order_id, name, qty, unit_price, line_total)"
	    " SELECT id, 'x', 1, total, total FROM sales_order;");
}

static void teardown(void)
{
	unit_store_remove(db, dir);
}

TestSuite(scope, .init = setup, .fini = teardown);

Test(scope, roles_map_to_kinds)
{
	cr_assert_eq(op_scope_of_role("sales"), OP_SCOPE_OWNER);
	cr_assert_eq(op_scope_of_role("manager"), OP_SCOPE_BRANCH);
	cr_assert_eq(op_scope_of_role("service"), OP_SCOPE_BRANCH);
	cr_assert_eq(op_scope_of_role("hq"), OP_SCOPE_ALL);
	cr_assert_eq(op_scope_of_role(NULL), OP_SCOPE_ALL);
	cr_assert(op_scope_masks("service"));
	cr_assert_not(op_scope_masks("manager"));
}

Test(scope, unscoped_sees_all)
{
	cr_assert_eq(count("SELECT count(*) FROM customer"), 3);
	cr_assert_null(op_scope_text(db));
}

Test(scope, sales_sees_own_rows_through_every_table)
{
	cr_assert_eq(op_scope_set(db, "li.na", "sales", "SH01"), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(count("SELECT count(*) FROM customer"), 1);
	cr_assert_eq(count("SELECT count(*) FROM sales_order"), 1);
	cr_assert_eq(count("SELECT count(*) FROM order_item"), 1);
	cr_assert_eq(count("SELECT count(*) FROM journal WHERE tbl = 3"), 1);
	cr_assert_str_eq(op_scope_text(db), "only customers owned by li.na");
	/* the view carries the base rowid */
	cr_assert_eq(count("SELECT rowid FROM customer"),
		     count("SELECT rowid FROM main.customer WHERE id = 'c1'"));
}

Test(scope, manager_sees_the_branch)
{
	cr_assert_eq(op_scope_set(db, "mgr", "manager", NULL), 0);
	cr_assert_eq(count("SELECT count(*) FROM customer"), 2);
	cr_assert_eq(count("SELECT sum(total) FROM sales_order"), 300);
	cr_assert_str_eq(op_scope_branch(db), "SH01");
}

Test(scope, service_sees_phones_masked)
{
	cr_assert_eq(op_scope_set(db, "fix", "service", "SH01"), 0);
	cr_assert_eq(count("SELECT count(*) FROM customer WHERE phone = '+86138****8000'"), 1);
	cr_assert_eq(count("SELECT count(*) FROM customer WHERE phone LIKE '%138001%'"), 0);
}

Test(scope, writes_name_main_and_views_cannot_be_dropped)
{
	cr_assert_eq(op_scope_set(db, "li.na", "sales", "SH01"), 0);
	cr_assert_neq(op_db_exec(db, "UPDATE customer SET notes = 'x'"), 0);
	sql("UPDATE main.customer SET notes = 'x' WHERE id = 'c1'");
	cr_assert_neq(op_db_exec(db, "PRAGMA temp_store = FILE"), 0);
	cr_assert_neq(op_db_exec(db, "DROP VIEW temp.customer"), 0);
	cr_assert_eq(count("SELECT count(*) FROM customer"), 1);
}

Test(scope, index_hints_are_dropped_when_scoped)
{
	static const char q[] = "SELECT count(*) FROM sales_order INDEXED BY sales_order_cust";
	cr_assert_eq(op_scope_set(db, "mgr", "manager", "SH01"), 0);
	sqlite3_stmt *st = op_db_stmt(db, q);
	cr_assert_not_null(st, "%s", op_db_err(db)->msg);
	cr_assert_eq(op_db_step(db, st), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(st, 0), 2);
	sqlite3_reset(st);
}

Test(scope, access_is_recorded_and_journaled)
{
	cr_assert_eq(op_scope_set(db, "mgr", "manager", "SH01"), 0);
	cr_assert_eq(op_access_record(db, NULL, "export customer", 2), 0, "%s",
		     op_db_err(db)->msg);
	cr_assert_eq(count("SELECT count(*) FROM main.access_log WHERE staff = 'mgr'"
			   " AND role = 'manager' AND branch = 'SH01' AND rows = 2"), 1);
	cr_assert_eq(count("SELECT count(*) FROM main.journal WHERE tbl = 10"), 1);
	cr_assert_eq(count("SELECT count(*) FROM access_log"), 1);
}
