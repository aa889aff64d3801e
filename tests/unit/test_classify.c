/*
 * test_classify.c — the classification's write (schema/classify.c) lets
 * a waiting command in between its parts, leaves every customer a class
 * the whole time, and drops the rows of customers gone since the last run.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "classify.h"
#include "unit_store.h"

static char dir[128], path[256];
static op_db *db;
static int commits;
static int count_commit(void *arg) { (void)arg; commits++; return 0; }

static void setup(void)
{
	db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "classify", "HQ");
}

static void teardown(void) { unit_store_remove(db, dir); }

TestSuite(classify, .init = setup, .fini = teardown);

static long long q1(const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

Test(classify, makes_room_for_a_waiting_command_and_drops_the_gone)
{
	char note[300];
	cr_assert_eq(op_db_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
				" FROM n WHERE i < 12000) INSERT INTO customer(id, name)"
				" SELECT printf('c-%05d', i), 'C' || i FROM n;"
				" INSERT INTO sales_order(id, customer_id, order_date, total, status)"
				" VALUES ('o-1', 'c-00007', date('now'), 99900, 'delivered')"), 0,
		     "%s", op_db_err(db)->msg);
	sqlite3_commit_hook(op_db_handle(db), count_commit, NULL);
	cr_assert_eq(op_classify(db, NULL, NULL, NULL, NULL), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(commits, 1, "no one waits: one transaction (%d)", commits);
	cr_assert_eq(q1("SELECT count(*) FROM customer_class"), 12000);

	/* a customer goes; a command waits: the next run commits in parts */
	cr_assert_eq(op_db_exec(db, "UPDATE customer SET merged_into = 'c-00001'"
				" WHERE id = 'c-00002'"), 0);
	snprintf(note, sizeof(note), "%s-waiting", path);
	int fd = open(note, O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	close(fd);
	commits = 0;
	cr_assert_eq(op_classify(db, NULL, NULL, NULL, NULL), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(commits, 2, "one part for the command's one note (%d commits)", commits);
	cr_assert_eq(q1("SELECT count(*) FROM customer_class"), 11999);
	cr_assert_eq(q1("SELECT count(*) FROM customer_class WHERE customer_id = 'c-00002'"), 0);
	cr_assert_eq(q1("SELECT count(DISTINCT computed_at) FROM customer_class"), 1);
	cr_assert_eq(q1("SELECT class = 'important' FROM customer_class"
			" WHERE customer_id = 'c-00007'"), 1);
	sqlite3_commit_hook(op_db_handle(db), NULL, NULL);
}
