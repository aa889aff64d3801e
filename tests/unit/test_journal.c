/*
 * test_journal.c — the generated journal triggers: every write journaled
 * once with its changed columns, quiet while applying, ids immutable.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "journal.h"
#include "tables.h"

static char path[128];
static op_db *db;

static void setup(void)
{
	op_err e = { 0 };
	snprintf(path, sizeof(path), "/tmp/op-journal-%d.db", getpid());
	unlink(path);
	cr_assert_eq(op_db_open(&db, path, OP_DB_CREATE, &e), 0, "%s", e.msg);
	cr_assert_eq(op_db_init_site(db, "SH01", 0), 0);
}

static void teardown(void)
{
	op_db_free(db);
	unlink(path);
}

static int64_t q(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

TestSuite(journal, .init = setup, .fini = teardown);

Test(journal, insert_update_delete)
{
	cr_assert_eq(op_db_begin(db, "li.na"), 0);
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(name, points) VALUES ('张三', 5)"), 0);
	cr_assert_eq(op_db_exec(db, "UPDATE customer SET email = 'a@b.cn', notes = 'n'"), 0);
	cr_assert_eq(op_db_exec(db, "UPDATE customer SET email = 'a@b.cn'"), 0); /* no change */
	cr_assert_eq(op_db_exec(db, "UPDATE customer SET points = points + 10"), 0);
	cr_assert_eq(op_db_exec(db, "DELETE FROM customer"), 0);
	cr_assert_eq(op_db_commit(db), 0);
	cr_assert_eq(q("SELECT count(*) FROM journal"), 4);
	cr_assert_eq(q("SELECT op FROM journal WHERE seq = 1"), 1);
	cr_assert_eq(q("SELECT delta FROM journal WHERE seq = 1"), 5);
	const struct op_table *t = op_table_by_name("customer");
	int64_t mask = ((int64_t)1 << op_table_col(t, "email")) |
		       ((int64_t)1 << op_table_col(t, "notes"));
	cr_assert_eq(q("SELECT cols FROM journal WHERE seq = 2"), mask);
	cr_assert_eq(q("SELECT delta FROM journal WHERE seq = 3"), 10);
	cr_assert_eq(q("SELECT op FROM journal WHERE seq = 4"), 3);
	cr_assert_eq(q("SELECT count(*) FROM journal WHERE staff = 'li.na'"), 4);
	/* the context is reset at commit */
	cr_assert_eq(q("SELECT staff IS NULL FROM op_ctx"), 1);
}

Test(journal, quiet_while_applying)
{
	cr_assert_eq(op_db_begin_apply(db), 0);
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(name) VALUES ('x')"), 0);
	cr_assert_eq(op_db_commit(db), 0);
	cr_assert_eq(q("SELECT count(*) FROM journal"), 0);
	cr_assert_eq(q("SELECT applying FROM op_ctx"), 0);
}

Test(journal, rollback_resets_context)
{
	cr_assert_eq(op_db_begin_apply(db), 0);
	op_db_rollback(db);
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(name) VALUES ('x')"), 0);
	cr_assert_eq(q("SELECT count(*) FROM journal"), 1);
}

Test(journal, ids_are_immutable)
{
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(name) VALUES ('x')"), 0);
	cr_assert_eq(op_db_exec(db, "UPDATE customer SET id = 'other'"), -1);
	cr_assert(strstr(op_db_err(db)->msg, "cannot be changed"));
}

Test(journal, every_synced_table_has_triggers)
{
	for (int i = 0; i < op_ntables; i++) {
		char sql[256];
		const char *n = op_tables[i].name;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_schema WHERE type = "
			 "'trigger' AND name IN ('op_j_%s_i', 'op_j_%s_u', 'op_j_%s_d', "
			 "'op_j_%s_id')", n, n, n, n);
		cr_assert_eq(q(sql), 4, "table %s", op_tables[i].name);
	}
}

Test(journal, order_number_carries_site)
{
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(id, name) VALUES ('c1', 'x');"
				"INSERT INTO sales_order(customer_id, order_date) VALUES ('c1', '2026-01-02');"
				"INSERT INTO sales_order(customer_id, order_date) VALUES ('c1', '2026-01-02')"), 0);
	cr_assert_eq(q("SELECT count(*) FROM sales_order WHERE order_no IN "
		       "('SH01-20260102-0001', 'SH01-20260102-0002')"), 2);
}

Test(journal, disabled_for_benchmarks)
{
	op_db *x;
	op_err e = { 0 };
	char p2[160];
	snprintf(p2, sizeof(p2), "%s.nj", path);
	unlink(p2);
	cr_assert_eq(op_db_open(&x, p2, OP_DB_CREATE | OP_DB_NOJOURNAL, &e), 0);
	cr_assert_eq(op_db_exec(x, "INSERT INTO customer(name) VALUES ('x')"), 0);
	sqlite3_stmt *st = op_db_stmt(x, "SELECT count(*) FROM journal");
	cr_assert_eq(op_db_step(x, st), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_reset(st);
	op_db_free(x);
	unlink(p2);
}
