/*
 * test_history_faults.c — a history that never silently stops (issue 13):
 * a NUL byte in a text value, a ref lock left by a killed writer, a
 * temporary pack left between pack and index, an empty id, a restore that
 * hits a full disk or is given an empty path, a push to an empty mount
 * point, libgit2 configuration errors, the first commit of a store that
 * already held data, and a failure recorded where sync status sees it.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <git2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "db.h"
#include "history.h"
#include "history_fixture.h"
#include "tables.h"

static char dir[128], dbpath[256], repo[256];
static op_db *db;

static void exec(const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(op_db_handle(db), sql, NULL, NULL, &msg);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

static void write_as(const char *staff, const char *sql)
{
	cr_assert_eq(op_db_begin(db, staff), 0);
	exec(sql);
	cr_assert_eq(op_db_commit(db), 0);
}

static void commit_ok(void)
{
	op_err e = { 0 };
	cr_assert_eq(op_history_commit(db, NULL, "SH01", &e), 0, "%s", e.msg);
}

static void setup(void)
{
	db = history_fixture_open("histf", dir, sizeof(dir), dbpath, sizeof(dbpath), repo,
				  sizeof(repo));
}

static void teardown(void)
{
	history_fixture_close(db, dir);
}

TestSuite(history_faults, .init = setup, .fini = teardown);

#define C1 "0190a1b2-c3d4-7e5f-8a9b-00000000beef"

static op_history *open_h(void)
{
	op_history *h;
	op_err e = { 0 };
	cr_assert_eq(op_history_open(&h, repo, &e), 0, "%s", e.msg);
	return h;
}

static void restore_to(const char *to, int want, op_err *e)
{
	op_history *h = open_h();
	struct op_history_restored res;
	cr_assert_eq(op_history_restore(h, time(NULL) + 10, to, &res, e), want, "%s", e->msg);
	op_history_free(h);
}

/* Commit, restore the history into dir/r.db and open it. */
static op_db *restored(void)
{
	char to[300];
	op_err e = { 0 };
	op_db *r;
	snprintf(to, sizeof(to), "%s/r.db", dir);
	commit_ok();
	restore_to(to, 0, &e);
	cr_assert_eq(op_db_open(&r, to, 0, &e), 0, "%s", e.msg);
	return r;
}

static int64_t one(op_db *d, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(d), sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

Test(history_faults, a_nul_byte_in_a_text_value_restores_whole)
{
	write_as("alice", "INSERT INTO customer(id, name, notes, points) VALUES ('" C1 "', 'A',"
		 " 'before' || char(0) || 'after', 7)");
	op_db *r = restored();
	cr_assert_eq(one(r, "SELECT points FROM customer"), 7);
	cr_assert_eq(one(r, "SELECT length(CAST(notes AS BLOB)) FROM customer"), 12,
		     "the NUL and what follows it come back");
	cr_assert_eq(one(r, "SELECT notes = 'before' || char(0) || 'after' FROM customer"), 1);
	op_db_free(r);
}

static void old_file(const char *path)
{
	FILE *fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	fputs("0000000000000000000000000000000000000000\n", fp);
	fclose(fp);
	struct timeval tv[2] = { { time(NULL) - 3600, 0 }, { time(NULL) - 3600, 0 } };
	cr_assert_eq(utimes(path, tv), 0);
}

Test(history_faults, a_stale_ref_lock_of_a_killed_writer_is_recovered)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	char lock[400];
	snprintf(lock, sizeof(lock), "%s/refs/heads/main.lock", repo);
	old_file(lock);
	write_as("alice", "UPDATE customer SET name = 'B' WHERE id = '" C1 "'");
	commit_ok();
	cr_assert_neq(access(lock, F_OK), 0, "the stale lock is gone");
}

Test(history_faults, leftovers_between_pack_and_index_are_cleared)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	char tmp[400], orphan[400];
	snprintf(tmp, sizeof(tmp), "%s/objects/pack/tmp_outpost_999999_pack-%s.pack", repo,
		 "1111111111111111111111111111111111111111");
	snprintf(orphan, sizeof(orphan), "%s/objects/pack/pack-%s.pack", repo,
		 "2222222222222222222222222222222222222222");
	old_file(tmp);
	old_file(orphan);
	write_as("alice", "UPDATE customer SET name = 'B' WHERE id = '" C1 "'");
	commit_ok();
	cr_assert_neq(access(tmp, F_OK), 0, "the temporary pack is gone");
	cr_assert_neq(access(orphan, F_OK), 0, "the pack without an index is gone");
}

Test(history_faults, a_row_with_an_empty_id_is_in_the_history)
{
	write_as(NULL, "INSERT INTO customer(id, name) VALUES ('', 'no id')");
	op_db *r = restored();
	cr_assert_eq(one(r, "SELECT count(*) FROM customer WHERE id = '' AND name = 'no id'"), 1);
	op_db_free(r);
}

Test(history_faults, restore_to_an_empty_path_is_refused)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	op_err e = { 0 };
	restore_to("", -1, &e);
	cr_assert_eq(e.code, EX_USAGE, "%s", e.msg);
}

Test(history_faults, a_restore_that_hits_a_full_disk_leaves_nothing_behind)
{
	/* Enough rows that the store outgrows the file size limit. */
	write_as("alice", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
		 " WHERE i < 3000) INSERT INTO customer(name, notes)"
		 " SELECT 'c' || i, hex(randomblob(200)) FROM n");
	commit_ok();
	char to[300];
	op_err e = { 0 };
	snprintf(to, sizeof(to), "%s/full.db", dir);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit was, lim;
	getrlimit(RLIMIT_FSIZE, &was);
	lim = was;
	lim.rlim_cur = 256 * 1024;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	restore_to(to, -1, &e);
	setrlimit(RLIMIT_FSIZE, &was);
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)))
		cr_assert_null(strstr(de->d_name, "full.db"), "left behind: %s", de->d_name);
	closedir(d);
	restore_to(to, 0, &e);	/* the retry works */
}

Test(history_faults, push_to_an_existing_empty_directory)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	char to[300];
	snprintf(to, sizeof(to), "%s/mnt", dir);
	cr_assert_eq(mkdir(to, 0755), 0);
	op_history *h = open_h();
	struct op_history_pushed p;
	op_err e = { 0 };
	cr_assert_eq(op_history_push(h, to, &p, &e), 0, "%s", e.msg);
	cr_assert_eq(p.commits, 1);
	op_history_free(h);
}

Test(history_faults, a_broken_gitconfig_does_not_pass_for_a_missing_repository)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	char home[300], cfg[400];
	snprintf(home, sizeof(home), "%s/home", dir);
	cr_assert_eq(mkdir(home, 0755), 0);
	snprintf(cfg, sizeof(cfg), "%s/.gitconfig", home);
	FILE *fp = fopen(cfg, "w");
	fputs("[core\n\tbroken = \"\n", fp);
	fclose(fp);
	if (geteuid() == 0) {	/* with an owner check, libgit2 reads it */
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "chown -R 4242:4242 %s", repo);
		cr_assert_eq(system(cmd), 0);
	}
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	git_libgit2_shutdown();	/* search paths are read from $HOME at start */
	git_libgit2_init();
	op_history *h;
	op_err e = { 0 };
	int rc = op_history_open(&h, repo, &e);
	if (rc == 0) {
		op_history_free(h);
	} else {
		cr_assert_null(strstr(e.msg, "is not a git repository"), "%s", e.msg);
	}
	write_as("alice", "UPDATE customer SET name = 'B' WHERE id = '" C1 "'");
	cr_assert_eq(op_history_commit(db, NULL, "SH01", &e), 0,
		     "the store's own history does not read $HOME/.gitconfig: %s", e.msg);
}

Test(history_faults, a_repository_owned_by_another_user_opens)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	char cmd[400];
	if (geteuid() != 0)
		cr_skip_test("needs root to give the repository to another user");
	snprintf(cmd, sizeof(cmd), "chown -R 4242:4242 %s", repo);
	cr_assert_eq(system(cmd), 0);
	op_history *h;
	op_err e = { 0 };
	cr_assert_eq(op_history_open(&h, repo, &e), 0,
		     "the daemon's repository is read by the clerk's CLI: %s", e.msg);
	op_history_free(h);
}

Test(history_faults, a_failure_is_recorded_in_the_store_and_cleared_by_success)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	op_err e = { 0 };
	char bad[300];
	snprintf(bad, sizeof(bad), "%s/file", dir);
	FILE *fp = fopen(bad, "w");
	fputs("not a repository\n", fp);
	fclose(fp);
	cr_assert_eq(op_history_commit(db, bad, "SH01", &e), -1);
	char *msg = op_db_meta_get(db, "history_error");
	cr_assert_not_null(msg, "the failure is kept for sync status");
	cr_assert(strstr(msg, bad), "%s", msg);
	free(msg);
	commit_ok();
	cr_assert_null(op_db_meta_get(db, "history_error"));
}

Test(history_faults, first_commit_into_a_store_with_data_keeps_the_round_authored)
{
	/* HQ already holds data (written before its history began). */
	write_as("boss", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'old')");
	op_err e = { 0 };
	cr_assert_eq(op_history_baseline(db, NULL, &e), 0, "%s", e.msg);
	/* A branch's round: one clerk's record. */
	write_as("alice", "INSERT INTO customer(name) VALUES ('new')");
	commit_ok();
	git_repository *r;
	git_object *o;
	cr_assert_eq(git_repository_open_bare(&r, repo), 0);
	cr_assert_eq(git_revparse_single(&o, r, "main"), 0);
	const git_signature *s = git_commit_author((git_commit *)o);
	cr_assert_str_eq(s->name, "alice", "the round's one clerk is its author");
	cr_assert_eq(git_commit_parentcount((git_commit *)o), 1, "after a baseline commit");
	git_object_free(o);
	git_repository_free(r);
	/* A second baseline does nothing. */
	cr_assert_eq(op_history_baseline(db, NULL, &e), 0, "%s", e.msg);
}
