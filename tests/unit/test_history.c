/*
 * test_history.c — the history repository (daemon/history.c): the record
 * file format and layout, incremental commits (only touched directories
 * change, nothing-changed makes no commit, a re-run after a crash writes
 * the same objects), authors and messages, timelines, finding deleted
 * records, restore and push. The repository is checked through libgit2
 * directly, not only through the module's own readers.
 */
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* A write by staff (NULL: none), journaled like an outpost command. */
static void write_as(const char *staff, const char *sql)
{
	cr_assert_eq(op_db_begin(db, staff), 0);
	exec(sql);
	cr_assert_eq(op_db_commit(db), 0);
}

static struct op_history_result commit_ok(void)
{
	struct op_history_result r;
	op_err e = { 0 };
	cr_assert_eq(op_history_commit_ex(db, NULL, "SH01", 0, &r, &e), 0, "%s", e.msg);
	return r;
}

static void setup(void)
{
	db = history_fixture_open("history", dir, sizeof(dir), dbpath, sizeof(dbpath), repo,
				  sizeof(repo));
}

static void teardown(void)
{
	history_fixture_close(db, dir);
}

TestSuite(history, .init = setup, .fini = teardown);

/* --- looking at the repository with libgit2 --- */

static git_repository *grepo(void)
{
	git_repository *r;
	cr_assert_eq(git_repository_open_bare(&r, repo), 0, "%s", git_error_last()->message);
	return r;
}

/* The text of path at main (malloc'd), or NULL when absent. */
static char *file_at(const char *path)
{
	git_repository *r = grepo();
	git_object *o;
	char spec[512];
	char *out = NULL;
	snprintf(spec, sizeof(spec), "main:%s", path);
	if (git_revparse_single(&o, r, spec) == 0) {
		cr_assert_eq(git_object_type(o), GIT_OBJECT_BLOB);
		git_blob *b = (git_blob *)o;
		out = strndup(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
		git_object_free(o);
	}
	git_repository_free(r);
	return out;
}

static void oid_at(const char *spec, git_oid *out)
{
	git_repository *r = grepo();
	git_object *o;
	cr_assert_eq(git_revparse_single(&o, r, spec), 0, "%s", spec);
	git_oid_cpy(out, git_object_id(o));
	git_object_free(o);
	git_repository_free(r);
}

static int commits(void)
{
	git_repository *r = grepo();
	git_revwalk *w;
	git_oid id;
	int n = 0;
	cr_assert_eq(git_revwalk_new(&w, r), 0);
	if (git_revwalk_push_ref(w, "refs/heads/main") == 0)
		while (git_revwalk_next(&id, w) == 0)
			n++;
	git_revwalk_free(w);
	git_repository_free(r);
	return n;
}

static char *head_message(void)
{
	git_repository *r = grepo();
	git_object *o;
	cr_assert_eq(git_revparse_single(&o, r, "main"), 0);
	char *m = strdup(git_commit_message((git_commit *)o));
	git_object_free(o);
	git_repository_free(r);
	return m;
}

static char *head_author(void)
{
	git_repository *r = grepo();
	git_object *o;
	char buf[256];
	cr_assert_eq(git_revparse_single(&o, r, "main"), 0);
	const git_signature *s = git_commit_author((git_commit *)o);
	snprintf(buf, sizeof(buf), "%s <%s>", s->name, s->email);
	git_object_free(o);
	git_repository_free(r);
	return strdup(buf);
}

#define C1 "0190a1b2-c3d4-7e5f-8a9b-00000000beef"
#define C2 "0190a1b2-c3d4-7e5f-8a9b-00000000cafe"

/* --- the format --- */

Test(history, record_file_is_one_field_per_line_in_description_order)
{
	write_as("alice", "INSERT INTO customer(id, name, phone, budget, notes, created_at) VALUES ('"
		 C1 "', '张三', '+8613800138000', 150000, 'line one\nline two \\ end',"
		 " '2025-01-02 03:04:05')");
	struct op_history_result r = commit_ok();
	cr_assert_eq(r.records, 1);
	cr_assert_eq(r.added, 1);
	cr_assert_eq(strlen(r.commit), 40);
	char *f = file_at("customer/be/ef/" C1);
	cr_assert_not_null(f, "sharded by the last four hex digits");
	cr_assert_str_eq(f, "id: " C1 "\nname: 张三\nphone: +8613800138000\nbudget: 150000\n"
			 "notes: line one\\nline two \\\\ end\npoints: 0\n"
			 "created_at: 2025-01-02 03:04:05\n");
	free(f);
}

Test(history, odd_ids_get_a_fallback_shard_and_escaped_names)
{
	write_as(NULL, "INSERT INTO customer(id, name) VALUES ('c1', 'short'), ('a/b.x', 'slash'),"
		 " ('.git', 'dot')");
	commit_ok();
	char *f;
	cr_assert_not_null(f = file_at("customer/__/__/c1"));
	free(f);
	cr_assert_not_null(f = file_at("customer/__/__/a%2Fb.x"));
	free(f);
	cr_assert_not_null(f = file_at("customer/__/__/%2Egit"));
	cr_assert(strstr(f, "id: .git\n"));
	free(f);
	op_history *h;
	op_err e = { 0 };
	cr_assert_eq(op_history_open(&h, repo, &e), 0, "%s", e.msg);
	char *id = NULL;
	cr_assert_eq(op_history_find(h, op_table_by_name("customer"), "a/b.x", &id, &e), 0, "%s", e.msg);
	cr_assert_str_eq(id, "a/b.x");
	free(id);
	op_history_free(h);
}

/* --- commits --- */

Test(history, nothing_changed_makes_no_commit)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	git_oid before, after;
	oid_at("main", &before);
	struct op_history_result r = commit_ok();
	cr_assert_str_eq(r.commit, "");
	cr_assert_eq(r.records, 0);
	oid_at("main", &after);
	cr_assert(git_oid_equal(&before, &after));
	cr_assert_eq(commits(), 1);
}

Test(history, a_rerun_after_a_crash_writes_the_same_objects)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A'), ('" C2 "', 'B')");
	commit_ok();
	/* As if the process died after the git commit, before the marks. */
	exec("DELETE FROM meta WHERE key IN ('history_ver', 'history_seq')");
	struct op_history_result r = commit_ok();
	cr_assert_str_eq(r.commit, "", "identical records: no commit");
	cr_assert_eq(commits(), 1);
	write_as("bob", "UPDATE customer SET email = 'b@x.cn' WHERE id = '" C2 "'");
	exec("DELETE FROM meta WHERE key IN ('history_ver', 'history_seq')");
	r = commit_ok();
	cr_assert_eq(r.records, 1, "only the record that really changed counts");
	char *m = head_message();
	cr_assert(strncmp(m, "SH01: 1 customer changed\n", 25) == 0, "%s", m);
	free(m);
}

Test(history, only_the_touched_directories_are_rewritten)
{
	cr_assert_eq(op_db_begin(db, "alice"), 0);
	for (int i = 0; i < 300; i++) {
		char sql[200];
		snprintf(sql, sizeof(sql), "INSERT INTO customer(id, name) VALUES "
			 "('0190a1b2-c3d4-7e5f-8a9b-0000000%05x', 'c%d')", i * 977, i);
		exec(sql);
	}
	cr_assert_eq(op_db_commit(db), 0);
	struct op_history_result r = commit_ok();
	cr_assert_eq(r.records, 300);
	char pack[512];
	snprintf(pack, sizeof(pack), "ls %s/objects/pack/*.pack >/dev/null 2>&1", repo);
	cr_assert_eq(system(pack), 0, "a large commit is written as a pack");

	write_as("bob", "UPDATE customer SET email = 'x@y.cn' WHERE name = 'c7'");
	r = commit_ok();
	cr_assert_eq(r.records, 1);
	/* Every other table/xx directory is the parent's, object for object. */
	git_repository *g = grepo();
	git_object *a, *b;
	cr_assert_eq(git_revparse_single(&a, g, "main~1:customer"), 0);
	cr_assert_eq(git_revparse_single(&b, g, "main:customer"), 0);
	git_tree *ta = (git_tree *)a, *tb = (git_tree *)b;
	cr_assert_eq(git_tree_entrycount(ta), git_tree_entrycount(tb));
	int differ = 0;
	for (size_t i = 0; i < git_tree_entrycount(ta); i++)
		differ += !git_oid_equal(git_tree_entry_id(git_tree_entry_byindex(ta, i)),
					 git_tree_entry_id(git_tree_entry_byindex(tb, i)));
	cr_assert_eq(differ, 1);
	git_object_free(a);
	git_object_free(b);
	git_repository_free(g);
}

Test(history, deleting_removes_the_file_and_empty_directories)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A'), ('" C2 "', 'B')");
	commit_ok();
	write_as("carol", "DELETE FROM customer WHERE id = '" C1 "'");
	struct op_history_result r = commit_ok();
	cr_assert_eq(r.deleted, 1);
	char *f = file_at("customer/be/ef/" C1);
	cr_assert_null(f);
	git_repository *g = grepo();
	git_object *o;
	cr_assert_neq(git_revparse_single(&o, g, "main:customer/be"), 0, "empty directory removed");
	cr_assert_eq(git_revparse_single(&o, g, "main:customer/ca/fe"), 0);
	git_object_free(o);
	git_repository_free(g);
	char *m = head_message();
	cr_assert(strstr(m, "SH01: 1 customer changed (1 deleted)\n"), "%s", m);
	cr_assert(strstr(m, "deleted  customer " C1 "  A\n"), "the label comes from the old file: %s", m);
	free(m);
}

Test(history, author_is_the_one_staff_member_else_the_site)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	char *a = head_author();
	cr_assert_str_eq(a, "alice <alice@SH01.outpost>");
	free(a);
	write_as("alice", "UPDATE customer SET email = 'a@x.cn' WHERE id = '" C1 "'");
	write_as("bob", "INSERT INTO customer(id, name) VALUES ('" C2 "', 'B')");
	commit_ok();
	a = head_author();
	cr_assert_str_eq(a, "SH01 <SH01@SH01.outpost>");
	free(a);
}

Test(history, message_summarises_per_table_and_lists_records)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', '张三'), ('" C2 "', '李四');"
		 "INSERT INTO sales_order(id, customer_id, order_no) VALUES"
		 " ('0190a1b2-c3d4-7e5f-8a9b-000000000001', '" C1 "', 'SH01-20250101-0001')");
	struct op_history_result r = commit_ok();
	cr_assert_str_eq(r.summary, "SH01: 2 customers, 1 order changed (3 new)");
	char *m = head_message();
	cr_assert(strstr(m, "\n\nnew      customer " C1 "  张三\n"), "%s", m);
	cr_assert(strstr(m, "new      order 0190a1b2-c3d4-7e5f-8a9b-000000000001  SH01-20250101-0001\n"), "%s", m);
	cr_assert(strstr(m, "\n\nOutpost-Site: SH01\nOutpost-Role: branch\n"), "%s", m);
	free(m);
}

Test(history, full_rebuild_catches_writes_the_journal_never_saw)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A'), ('" C2 "', 'B')");
	commit_ok();
	/* A remote-apply write is not journaled and (here) has no clock row. */
	cr_assert_eq(op_db_begin_apply(db), 0);
	exec("DELETE FROM customer WHERE id = '" C1 "'");
	cr_assert_eq(op_db_commit(db), 0);
	struct op_history_result r = commit_ok();
	cr_assert_str_eq(r.commit, "");
	op_err e = { 0 };
	cr_assert_eq(op_history_commit_ex(db, repo, NULL, OP_HISTORY_FULL, &r, &e), 0, "%s", e.msg);
	cr_assert_eq(r.deleted, 1);
	cr_assert_null(file_at("customer/be/ef/" C1));
}

/* --- reading --- */

struct evs {
	int n;
	char kinds[8][16], who[8][64], fields[8][128];
};

static int collect(const struct op_history_event *ev, void *arg)
{
	struct evs *x = arg;
	if (x->n >= 8)
		return 1;
	snprintf(x->kinds[x->n], 16, "%s", ev->kind == OP_HISTORY_NEW ? "new" :
		 ev->kind == OP_HISTORY_DELETED ? "deleted" : "changed");
	snprintf(x->who[x->n], 64, "%s@%s", ev->info.staff ? ev->info.staff : "-",
		 ev->info.site ? ev->info.site : "-");
	for (int i = 0; i < ev->nfields; i++) {
		size_t l = strlen(x->fields[x->n]);
		snprintf(x->fields[x->n] + l, 128 - l, "%s%s:%s>%s", i ? " " : "", ev->fields[i].name,
			 ev->fields[i].old ? ev->fields[i].old : "-",
			 ev->fields[i].new ? ev->fields[i].new : "-");
	}
	x->n++;
	return 0;
}

Test(history, timeline_says_who_changed_which_field_from_what_to_what)
{
	write_as("alice", "INSERT INTO customer(id, name, email) VALUES ('" C1 "', 'A', 'a@x.cn')");
	commit_ok();
	write_as("bob", "INSERT INTO customer(id, name) VALUES ('" C2 "', 'B')");
	commit_ok();
	write_as("bob", "UPDATE customer SET email = 'b@x.cn', notes = 'n' WHERE id = '" C1 "'");
	commit_ok();
	write_as("carol", "DELETE FROM customer WHERE id = '" C1 "'");
	commit_ok();

	op_history *h;
	op_err e = { 0 };
	struct evs x = { 0 };
	cr_assert_eq(op_history_open(&h, repo, &e), 0, "%s", e.msg);
	const struct op_table *t = op_table_by_name("customer");
	cr_assert_eq(op_history_timeline(h, t, C1, 0, collect, &x, &e), 3, "%s", e.msg);
	cr_assert_str_eq(x.kinds[0], "deleted");
	cr_assert_str_eq(x.who[0], "carol@SH01");
	cr_assert_str_eq(x.kinds[1], "changed");
	cr_assert_str_eq(x.who[1], "bob@SH01");
	cr_assert_str_eq(x.fields[1], "email:a@x.cn>b@x.cn notes:->n");
	cr_assert_str_eq(x.kinds[2], "new");
	cr_assert_str_eq(x.who[2], "alice@SH01");

	struct evs y = { 0 };
	cr_assert_eq(op_history_timeline(h, t, C1, 1, collect, &y, &e), 3);
	cr_assert_str_eq(y.kinds[0], "new", "reverse: oldest first");

	char *id = NULL;
	cr_assert_eq(op_history_find(h, t, "00beef", &id, &e), 0, "%s", e.msg);
	cr_assert_str_eq(id, C1, "a deleted record is found by its id's tail");
	free(id);
	cr_assert_eq(op_history_find(h, t, "0190a1b2", &id, &e), -1, "two records share that prefix");
	cr_assert_eq(e.code, EX_DATAERR);
	cr_assert_eq(op_history_find(h, t, "123456", &id, &e), -1);
	cr_assert_eq(e.code, EX_NOINPUT);
	struct evs z = { 0 };
	cr_assert_eq(op_history_timeline(h, t, "nope", 0, collect, &z, &e), 0);
	op_history_free(h);
}

struct authors {
	int n;
	char who[2][32];
};

static int log_cb(const struct op_history_info *c, void *arg)
{
	struct authors *x = arg;
	if (x->n < 2)
		snprintf(x->who[x->n], 32, "%s", c->author);
	x->n++;
	return 0;
}

Test(history, log_lists_commits_newest_first)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	write_as("bob", "INSERT INTO customer(id, name) VALUES ('" C2 "', 'B')");
	commit_ok();
	op_history *h;
	op_err e = { 0 };
	struct authors x = { 0 };
	cr_assert_eq(op_history_open(&h, repo, &e), 0);
	cr_assert_eq(op_history_log(h, log_cb, &x, &e), 0);
	cr_assert_eq(x.n, 2);
	cr_assert_str_eq(x.who[0], "bob");
	cr_assert_str_eq(x.who[1], "alice");
	op_history_free(h);
}

Test(history, restore_makes_a_new_store_as_of_a_commit)
{
	write_as("alice", "INSERT INTO customer(id, name, budget, notes) VALUES ('" C1 "', 'A', 990,"
		 " 'two\nlines'), ('" C2 "', 'B', NULL, NULL)");
	commit_ok();
	op_history *h;
	op_err e = { 0 };
	struct op_history_restored res;
	char to[300];
	snprintf(to, sizeof(to), "%s/restored.db", dir);
	cr_assert_eq(op_history_open(&h, repo, &e), 0);
	cr_assert_eq(op_history_restore(h, time(NULL) + 10, to, &res, &e), 0, "%s", e.msg);
	cr_assert_eq(res.records, 2);
	cr_assert_str_eq(res.site, "SH01");
	cr_assert_eq(res.hq, 0);
	cr_assert_eq(op_history_restore(h, time(NULL) + 10, to, &res, &e), -1);
	cr_assert_eq(e.code, EX_CANTCREAT);
	cr_assert_eq(op_history_restore(h, 1000, "/nonexistent/x.db", &res, &e), -1);
	cr_assert_eq(e.code, EX_NOINPUT);
	op_history_free(h);

	op_db *r;
	cr_assert_eq(op_db_open(&r, to, 0, &e), 0, "%s", e.msg);
	cr_assert_str_eq(op_db_site(r), "SH01");
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(r),
		"SELECT typeof(budget), budget, notes, (SELECT count(*) FROM journal) FROM customer"
		" WHERE id = '" C1 "'", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "integer", "money stays integer cents");
	cr_assert_eq(sqlite3_column_int(st, 1), 990);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 2), "two\nlines");
	cr_assert_eq(sqlite3_column_int(st, 3), 0, "restored rows are not journaled");
	sqlite3_finalize(st);
	op_db_free(r);
}

Test(history, push_sends_only_what_the_target_lacks)
{
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C1 "', 'A')");
	commit_ok();
	write_as("alice", "INSERT INTO customer(id, name) VALUES ('" C2 "', 'B')");
	commit_ok();
	op_history *h;
	op_err e = { 0 };
	struct op_history_pushed p;
	char to[300];
	snprintf(to, sizeof(to), "%s/backup/copy.git", dir);
	cr_assert_eq(op_history_open(&h, repo, &e), 0);
	cr_assert_eq(op_history_push(h, to, &p, &e), 0, "%s", e.msg);
	cr_assert_eq(p.created, 1);
	cr_assert_eq(p.commits, 2);
	uint64_t first = p.objects;
	cr_assert_eq(op_history_push(h, to, &p, &e), 0);
	cr_assert_eq(p.commits, 0);
	op_history_free(h);
	write_as("bob", "UPDATE customer SET name = 'AA' WHERE id = '" C1 "'");
	commit_ok();
	cr_assert_eq(op_history_open(&h, repo, &e), 0);
	cr_assert_eq(op_history_push(h, to, &p, &e), 0, "%s", e.msg);
	cr_assert_eq(p.created, 0);
	cr_assert_eq(p.commits, 1);
	cr_assert_eq(p.objects, 6, "commit, root, customer, xx, yy, blob (first push: %llu)",
		     (unsigned long long)first);
	op_history_free(h);
}

Test(history, times_people_type)
{
	time_t t;
	cr_assert_eq(op_history_parse_time("2025-03-01", &t), 0);
	cr_assert_eq(t, 1740873599, "a date is the end of that day, UTC");
	cr_assert_eq(op_history_parse_time("2025-03-01 10:20:30", &t), 0);
	cr_assert_eq(t, 1740824430);
	cr_assert_eq(op_history_parse_time("2025-03-01T10:20Z", &t), 0);
	cr_assert_eq(t, 1740824400);
	cr_assert_eq(op_history_parse_time("2025-02-30", &t), -1);
	cr_assert_eq(op_history_parse_time("yesterday", &t), -1);
	cr_assert_eq(op_history_parse_time("2025-03-01 25:00", &t), -1);
	cr_assert_eq(op_history_parse_time("2025-03-01 10:20:30 extra", &t), -1);
}

Test(history, a_store_without_a_site_is_refused)
{
	op_db *x;
	op_err e = { 0 };
	char p[300];
	snprintf(p, sizeof(p), "%s/nosite.db", dir);
	cr_assert_eq(op_db_open(&x, p, OP_DB_CREATE, &e), 0);
	cr_assert_eq(op_history_commit(x, NULL, NULL, &e), -1);
	cr_assert_eq(e.code, EX_CONFIG);
	op_db_free(x);
}
