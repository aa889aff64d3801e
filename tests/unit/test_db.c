/*
 * test_db.c — opening, migrating and talking to a store.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db.h"
#include "dbwait.h"

static char path[128];
static op_db *db;

static void setup(void)
{
	op_err e = { 0 };
	snprintf(path, sizeof(path), "/tmp/op-db-%d-XXXXXX", getpid());
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	unlink(path);
	cr_assert_eq(op_db_open(&db, path, OP_DB_CREATE, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
	char p[160];
	op_db_free(db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

TestSuite(db, .init = setup, .fini = teardown);

Test(db, migrates_to_latest)
{
	cr_assert_eq(op_db_schema_version(db), op_db_schema_max());
	cr_assert_gt(op_db_schema_max(), 1);
}

Test(db, missing_store_is_noinput)
{
	op_db *x = NULL;
	op_err e = { 0 };
	cr_assert_eq(op_db_open(&x, "/nonexistent/dir/x.db", 0, &e), -1);
	cr_assert_eq(e.code, EX_NOINPUT);
	cr_assert(strstr(e.msg, "outpost init"));
	cr_assert_null(x);
}

Test(db, newer_schema_refused)
{
	op_db *x = NULL;
	op_err e = { 0 };
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", op_db_schema_max() + 1);
	cr_assert_eq(op_db_exec(db, sql), 0);
	cr_assert_eq(op_db_open(&x, path, 0, &e), -1);
	cr_assert_eq(e.code, EX_DATAERR);
	cr_assert(strstr(e.msg, "newer"), "%s", e.msg);
}

Test(db, site_set_once)
{
	cr_assert_null(op_db_site(db));
	cr_assert_eq(op_db_init_site(db, "SH01", 0), 0);
	cr_assert_str_eq(op_db_site(db), "SH01");
	cr_assert_eq(op_db_is_hq(db), 0);
	cr_assert_eq(op_db_init_site(db, "SH01", 0), 0);
	cr_assert_eq(op_db_init_site(db, "BJ01", 0), -1);
	cr_assert_eq(op_db_err(db)->code, EX_DATAERR);
}

Test(db, statements_cached_and_named_binds_checked)
{
	static const char SQL[] = "SELECT :a + 1";
	sqlite3_stmt *a = op_db_stmt(db, SQL), *b = op_db_stmt(db, SQL);
	cr_assert_not_null(a);
	cr_assert_eq(a, b);
	cr_assert_eq(op_bind_int(db, a, ":a", 41), 0);
	cr_assert_eq(op_db_step(db, a), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(a, 0), 42);
	cr_assert_eq(op_bind_int(db, op_db_stmt(db, SQL), ":nope", 1), -1);
	cr_assert(strstr(op_db_err(db)->msg, ":nope"));
}

Test(db, meta_roundtrip)
{
	cr_assert_eq(op_db_meta_set(db, "k", "v"), 0);
	char *v = op_db_meta_get(db, "k");
	cr_assert_str_eq(v, "v");
	free(v);
	cr_assert_eq(op_db_meta_set_int(db, "n", 7), 0);
	cr_assert_eq(op_db_meta_int(db, "n", 0), 7);
	cr_assert_eq(op_db_meta_int(db, "absent", -3), -3);
}

Test(db, constraint_is_dataerr)
{
	cr_assert_eq(op_db_begin(db, "li.na"), 0);
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(phone) VALUES ('x')"), -1);
	cr_assert_eq(op_db_err(db)->code, EX_DATAERR);
	op_db_rollback(db);
	cr_assert_eq(op_db_in_txn(db), 0);
}

Test(db, pinyin_collation)
{
	sqlite3_stmt *st = op_db_stmt(db,
		"SELECT group_concat(n, ',') FROM (SELECT column1 AS n FROM"
		" (VALUES ('张'), ('安'), ('白')) ORDER BY n COLLATE pinyin)");
	cr_assert_eq(op_db_step(db, st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "安,白,张");
	sqlite3_reset(st);
}

/* op_pinyin builds its transliterator on first use, once per connection */
Test(db, pinyin_function_on_first_use)
{
	sqlite3_stmt *st = op_db_stmt(db, "SELECT op_pinyin(?1)");
	const char *want[][2] = { { "张伟", "zhang wei" }, { "曾明", "zeng ming" },
				  { "Anna", "anna" } };
	for (int i = 0; i < 3; i++) {
		sqlite3_bind_text(st, 1, want[i][0], -1, SQLITE_STATIC);
		cr_assert_eq(op_db_step(db, st), SQLITE_ROW);
		cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), want[i][1]);
		sqlite3_reset(st);
	}
	sqlite3_bind_null(st, 1);
	cr_assert_eq(op_db_step(db, st), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_type(st, 0), SQLITE_NULL);
	sqlite3_reset(st);
}

Test(db, uuid7_shape)
{
	sqlite3_stmt *st = op_db_stmt(db, "SELECT " "1");
	(void)st;
	cr_assert_eq(op_db_exec(db, "INSERT INTO customer(name) VALUES ('x'), ('y')"), 0);
	st = op_db_stmt(db, "SELECT id FROM customer ORDER BY rowid");
	int n = 0;
	char first[40] = "";
	while (op_db_step(db, st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		cr_assert_eq(strlen(id), 36);
		cr_assert_eq(id[14], '7');
		cr_assert(strchr("89ab", id[19]));
		cr_assert_str_neq(id, first);
		snprintf(first, sizeof(first), "%s", id);
		n++;
	}
	sqlite3_reset(st);
	cr_assert_eq(n, 2);
}

Test(db, a_zero_byte_store_is_not_made_into_an_empty_one)
{
	char p[200];
	op_err e = { 0 };
	op_db *x = NULL;
	snprintf(p, sizeof(p), "%s.empty", path);
	FILE *fp = fopen(p, "w");
	cr_assert_not_null(fp);
	fclose(fp);
	cr_assert_eq(op_db_open(&x, p, 0, &e), -1, "a read command refuses it");
	cr_assert_eq(e.code, EX_DATAERR, "%s", e.msg);
	cr_assert(strstr(e.msg, "empty"), "%s", e.msg);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, 0, "the file is left as it was");
	unlink(p);
}

static long long wal_size(void)
{
	char p[160];
	struct stat st;
	snprintf(p, sizeof(p), "%s-wal", path);
	return stat(p, &st) < 0 ? -1 : (long long)st.st_size;
}

/* A reader that keeps its snapshot holds the log up: nothing is cut
 * under it (and the trim does not wait long); once it has gone, the log
 * is copied in and cut to nothing, and the rows are all there. */
Test(db, wal_trimmed_past_its_limit)
{
	sqlite3 *r;
	sqlite3_stmt *st;
	cr_assert_eq(op_db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)"), 0);
	cr_assert_eq(sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(r, "BEGIN; SELECT count(*) FROM t", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 40; i++)
		cr_assert_eq(op_db_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
					" SELECT i + 1 FROM n WHERE i < 50)"
					" INSERT INTO t SELECT randomblob(4000) FROM n"), 0, "%s", op_db_err(db)->msg);
	long long before = wal_size();
	cr_assert_gt(before, 4 << 20, "wal %lld", before);
	cr_assert_eq(op_db_wal_trim(db, 1 << 20), 0, "trimmed under a reader");
	cr_assert_geq(wal_size(), before);
	cr_assert_eq(op_db_exec(db, "BEGIN"), 0);
	cr_assert_eq(op_db_wal_trim(db, 1 << 20), 0, "trimmed inside a transaction");
	cr_assert_eq(op_db_exec(db, "COMMIT"), 0);
	cr_assert_eq(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(op_db_wal_trim(db, before + 1), 0, "trimmed under its limit");
	cr_assert_eq(op_db_wal_trim(db, 1 << 20), 1, "%s", op_db_err(db)->msg);
	cr_assert_eq(wal_size(), 0);
	cr_assert_eq(sqlite3_prepare_v2(r, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(st, 0), 2001);
	sqlite3_finalize(st);
	sqlite3_close(r);
}

static long long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* A command's commit leaves the log to the daemon (op_db_wal_trim):
 * SQLite's automatic checkpoint, every 1000 pages, made a clerk's
 * `customer add` during a catch-up copy the daemon's writes into the
 * store and sync it (up to 300 ms). A connection with SQLite's default
 * does copy them: what the test would miss. */
Test(db, a_command_does_not_copy_the_daemons_log)
{
	sqlite3 *w;
	cr_assert_eq(op_db_exec(db, "CREATE TABLE t(x)"), 0);
	cr_assert_eq(sqlite3_open_v2(path, &w, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_wal_autocheckpoint(w, 0);	/* the daemon's writes stay in the log */
	cr_assert_eq(sqlite3_exec(w, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
				  " FROM n WHERE i < 1500) INSERT INTO t SELECT randomblob(4000)"
				  " FROM n", NULL, NULL, NULL), SQLITE_OK);
	long long store = file_size(path), log = wal_size();
	cr_assert_gt(log, 1000LL * 4096, "the log holds over 1000 pages (%lld bytes)", log);
	cr_assert_eq(op_db_exec(db, "INSERT INTO t VALUES (1)"), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(file_size(path), store, "the command copied the log into the store");
	sqlite3_wal_autocheckpoint(w, 1000);	/* SQLite's default */
	cr_assert_eq(sqlite3_exec(w, "INSERT INTO t VALUES (2)", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_gt(file_size(path), store, "SQLite's default copies it");
	sqlite3_close(w);
}

/* A command that finds the write lock held says so at once (the merge
 * then lets it in, daemon/merge.c); a daemon's connection never does, and
 * the note goes with the store. */
Test(db, waiting_writer_leaves_a_note)
{
	char p[160];
	op_db *d = NULL;
	op_err e = { 0 };
	snprintf(p, sizeof(p), "%s-waiting", path);
	long long seen = 0;
	struct timespec ms10 = { 0, 10000000 };
	cr_assert_eq(op_db_writer_waiting(db, &seen), 0);
	cr_assert_eq(op_db_open(&d, path, OP_DB_DAEMON, &e), 0, "%s", e.msg);
	cr_assert_eq(op_db_busy(d, 0), 1);
	cr_assert_eq(access(p, F_OK), -1, "a daemon left a note");
	cr_assert_eq(op_db_busy(db, 0), 1);
	cr_assert_eq(access(p, F_OK), 0);
	cr_assert_eq(op_db_writer_waiting(d, &seen), 1);
	cr_assert_eq(op_db_writer_waiting(d, &seen), 0, "the same note twice");
	nanosleep(&ms10, NULL);
	cr_assert_eq(op_db_busy(db, 100), 1);
	cr_assert_eq(op_db_writer_waiting(d, &seen), 1, "a note touched again");
	cr_assert_eq(op_db_busy(db, 101), 1);
	cr_assert_eq(op_db_busy(db, 5000), 0, "waited past its limit");
	op_db_free(d);
	op_db_free(db);
	db = NULL;
	op_db_remove(path);
	cr_assert_eq(access(p, F_OK), -1);
}
