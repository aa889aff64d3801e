/*
 * test_sync.c — the sync engine without a network: stores side by side,
 * batches built by one and applied by the other, convergence checked by
 * comparing canonical dumps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "sync.h"

struct site {
	op_db *db;
	op_sync *s;
	char path[256];
};

static char dir[128];

static void open_site(struct site *x, const char *code, int hq)
{
	op_err e = { 0 };
	snprintf(x->path, sizeof(x->path), "%s/%s.db", dir, code);
	cr_assert_eq(op_db_open(&x->db, x->path, OP_DB_CREATE | OP_DB_DAEMON, &e), 0, "%s", e.msg);
	cr_assert_eq(op_db_init_site(x->db, code, hq), 0);
	cr_assert_eq(op_sync_new(&x->s, x->db, NULL, &e), 0, "%s", e.msg);
}

static void close_site(struct site *x)
{
	op_sync_free(x->s);
	op_db_free(x->db);
}

static void exec(struct site *x, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(op_db_handle(x->db), sql, NULL, NULL, &msg);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

static char *q1(struct site *x, const char *sql)
{
	sqlite3_stmt *st;
	static char buf[4][512];
	static int k;
	char *out = buf[k++ & 3];
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(x->db), sql, -1, &st, NULL), SQLITE_OK,
		     "%s", sqlite3_errmsg(op_db_handle(x->db)));
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, 512, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* Send everything from a to b (both directions are the same call). */
static void pump(struct site *a, struct site *b)
{
	const char *peer = op_db_site(b->db), *me = op_db_site(a->db);
	uint64_t recv, acked;
	cr_assert_eq(op_sync_stamp(a->s, 1000) >= 0, 1);
	cr_assert_eq(op_sync_peer_get(b->s, me, &recv, &acked), 0);
	uint64_t from = recv;
	for (int guard = 0; guard < 1000; guard++) {
		op_buf raw;
		uint64_t upto, count;
		int perr;
		op_buf_init(&raw, 0);
		cr_assert_eq(op_sync_build(a->s, peer, 99, from, &raw, &upto, &count), 0,
			     "%s", op_db_err(a->db)->msg);
		if (upto == from) {
			op_buf_free(&raw);
			break;
		}
		cr_assert_eq(op_sync_apply(b->s, me, raw.p, raw.len, count, upto, &perr), 0,
			     "%s", op_db_err(b->db)->msg);
		op_buf_free(&raw);
		cr_assert_eq(op_sync_peer_acked(a->s, peer, upto), 0);
		from = upto;
	}
}

/* One batch of everything from version 0, built by a for b and merged
 * there (as a re-baseline's stream would reach b). */
static void send_all_once(struct site *a, struct site *b)
{
	op_buf raw;
	uint64_t upto, count;
	int perr;
	op_buf_init(&raw, 0);
	cr_assert_eq(op_sync_build(a->s, op_db_site(b->db), 99, 0, &raw, &upto, &count), 0);
	cr_assert_eq(op_sync_apply(b->s, op_db_site(a->db), raw.p, raw.len, count, upto, &perr), 0,
		     "%s", op_db_err(b->db)->msg);
	op_buf_free(&raw);
}

/* A canonical dump of the customers a replica holds. */
static char *dump(struct site *x)
{
	return strdup(q1(x, "SELECT group_concat(r, char(10)) FROM (SELECT "
		"id || '|' || name || '|' || coalesce(phone,'') || '|' || coalesce(email,'')"
		" || '|' || points AS r FROM customer ORDER BY id)"));
}

static struct site hq, a, b;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/op-sync-XXXXXX");
	cr_assert(mkdtemp(dir));
	open_site(&hq, "HQ", 1);
	open_site(&a, "A", 0);
	open_site(&b, "B", 0);
}

static void teardown(void)
{
	close_site(&hq);
	close_site(&a);
	close_site(&b);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		cr_log_warn("cleanup failed");
}

static void round_all(void)
{
	pump(&a, &hq);
	pump(&b, &hq);
	pump(&hq, &a);
	pump(&hq, &b);
}

TestSuite(sync, .init = setup, .fini = teardown);

/* A merge runs with triggers off: every trigger of the schema must be one
 * merge.c knows what to do about, or a migration could add a rule that
 * merged rows silently skip. */
Test(sync, every_trigger_is_known_to_the_merge)
{
	struct site a;
	sqlite3_stmt *st;
	int n = 0;
	open_site(&a, "SH01", 0);
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(a.db), "SELECT name FROM sqlite_master"
					" WHERE type = 'trigger'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		cr_expect_neq(op_sync_trigger_kind(name), 0,
			      "trigger %s: say in daemon/merge.c what it does during a merge", name);
		n++;
	}
	sqlite3_finalize(st);
	cr_expect_gt(n, 20);
	cr_expect_eq(op_sync_trigger_kind("customer_rule_new"), 0);
	close_site(&a);
}

/* The search index of merged customers, kept without triggers: new,
 * edited and deleted customers are found as the index says. */
Test(sync, merged_customers_are_indexed)
{
	struct site a, b;
	open_site(&a, "SH01", 0);
	open_site(&b, "BJ01", 0);
	exec(&a, "INSERT INTO customer(name, phone) VALUES ('Zhang Wei', '+8613800138000')");
	exec(&a, "INSERT INTO customer(name, phone) VALUES ('Li Na', '+8613900139000')");
	pump(&a, &b);
	cr_assert_str_eq(q1(&b, "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH 'Zhang'"), "1");
	exec(&a, "UPDATE customer SET name = 'Zhang Min' WHERE name = 'Zhang Wei'");
	exec(&a, "DELETE FROM customer WHERE name = 'Li Na'");
	pump(&a, &b);
	cr_expect_str_eq(q1(&b, "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH 'Wei'"), "0");
	cr_expect_str_eq(q1(&b, "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH 'Min'"), "1");
	cr_expect_str_eq(q1(&b, "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH 'Li'"), "0");
	cr_expect_str_eq(q1(&b, "SELECT count(*) FROM customer_fts"), "1");
	cr_expect_str_eq(q1(&b, "SELECT count(*) FROM search_pending"), "0");
	/* the index agrees with the rows (FTS5's own check) */
	exec(&b, "INSERT INTO customer_fts(customer_fts) VALUES ('integrity-check')");
	close_site(&a);
	close_site(&b);
}

Test(sync, insert_reaches_everyone)
{
	exec(&a, "INSERT INTO customer(name, phone) VALUES ('张三', '+8613800138000')");
	exec(&b, "INSERT INTO customer(name) VALUES ('李四')");
	round_all();
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "2");
	char *da = dump(&a), *db = dump(&b), *dh = dump(&hq);
	cr_assert_str_eq(da, dh);
	cr_assert_str_eq(db, dh);
	free(da); free(db); free(dh);
	/* orders go up only */
	exec(&a, "INSERT INTO sales_order(customer_id, total) SELECT id, 100 FROM customer WHERE name='张三'");
	round_all();
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM sales_order"), "1");
	cr_assert_str_eq(q1(&b, "SELECT count(*) FROM sales_order"), "0");
}

Test(sync, concurrent_edit_converges_and_is_logged)
{
	exec(&a, "INSERT INTO customer(name, email) VALUES ('王五', 'w@x.cn')");
	round_all();
	exec(&a, "UPDATE customer SET email = 'a@x.cn'");
	usleep(3000);
	exec(&b, "UPDATE customer SET email = 'b@x.cn'");
	/* deliver in the opposite order too: result must not depend on it */
	pump(&b, &hq);
	pump(&a, &hq);
	pump(&hq, &a);
	pump(&hq, &b);
	cr_assert_str_eq(q1(&hq, "SELECT email FROM customer"), "b@x.cn");
	cr_assert_str_eq(q1(&a, "SELECT email FROM customer"), "b@x.cn");
	cr_assert_str_eq(q1(&b, "SELECT email FROM customer"), "b@x.cn");
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM conflict"), "1");
	cr_assert_str_eq(q1(&hq, "SELECT lost FROM conflict"), "a@x.cn");
}

Test(sync, sequential_edit_is_not_a_conflict)
{
	exec(&a, "INSERT INTO customer(name, email) VALUES ('王五', 'w@x.cn')");
	round_all();
	exec(&b, "UPDATE customer SET email = 'b@x.cn'");
	round_all();
	exec(&a, "UPDATE customer SET email = 'a2@x.cn'");
	round_all();
	cr_assert_str_eq(q1(&b, "SELECT email FROM customer"), "a2@x.cn");
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM conflict"), "0");
}

Test(sync, points_merge_as_counter)
{
	exec(&a, "INSERT INTO customer(name) VALUES ('赵六')");
	round_all();
	exec(&a, "UPDATE customer SET points = points + 50");
	exec(&b, "UPDATE customer SET points = points + 30");
	round_all();
	round_all();
	cr_assert_str_eq(q1(&hq, "SELECT points FROM customer"), "80");
	cr_assert_str_eq(q1(&a, "SELECT points FROM customer"), "80");
	cr_assert_str_eq(q1(&b, "SELECT points FROM customer"), "80");
}

Test(sync, delete_beats_edit)
{
	exec(&a, "INSERT INTO customer(name) VALUES ('钱七')");
	round_all();
	exec(&a, "DELETE FROM customer");
	exec(&b, "UPDATE customer SET notes = 'vip'");
	round_all();
	round_all();
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "0");
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM customer"), "0");
	cr_assert_str_eq(q1(&b, "SELECT count(*) FROM customer"), "0");
	cr_assert_str_eq(q1(&hq, "SELECT reason FROM conflict"), "edited after delete");
}

Test(sync, same_batch_twice_changes_nothing)
{
	exec(&a, "INSERT INTO customer(name, points) VALUES ('孙八', 10)");
	cr_assert_eq(op_sync_stamp(a.s, 0), 1);	/* the one insert */
	cr_assert_eq(op_sync_stamp(a.s, 100), 0);	/* nothing left */
	op_buf raw;
	uint64_t upto, count;
	int perr;
	op_buf_init(&raw, 0);
	cr_assert_eq(op_sync_build(a.s, "HQ", 99, 0, &raw, &upto, &count), 0);
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), 0);
	char *d1 = dump(&hq);
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), 0);
	char *d2 = dump(&hq);
	cr_assert_str_eq(d1, d2);
	cr_assert_str_eq(q1(&hq, "SELECT points FROM customer"), "10");
	op_buf_free(&raw);
	free(d1); free(d2);
}

Test(sync, remote_apply_is_not_journaled)
{
	exec(&a, "INSERT INTO customer(name) VALUES ('周九')");
	pump(&a, &hq);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM journal"), "0");
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "1");
}

static int64_t clock_at;
static int64_t fake_now(void *arg) { (void)arg; return clock_at; }

Test(sync, gc_only_below_every_peers_ack)
{
	struct op_sync_cfg cfg;
	op_sync *g;
	op_err e = { 0 };
	exec(&a, "INSERT INTO customer(name) VALUES ('吴十')");
	round_all();
	exec(&a, "DELETE FROM customer");
	pump(&a, &hq);
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM clock WHERE col = -1"), "1");
	op_sync_cfg_default(&cfg);
	cfg.now_ms = fake_now;
	clock_at = op_sync_now(a.s) + (int64_t)100 * 86400 * 1000;	/* 100 days on */
	cr_assert_eq(op_sync_new(&g, a.db, &cfg, &e), 0);
	/* HQ has acknowledged A's versions (pump acks), so A may drop them */
	cr_assert_gt(op_sync_gc(g), 0);
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM clock WHERE col = -1"), "0");
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM journal"), "0");
	op_sync_free(g);
	/* B never acknowledged anything from HQ: HQ keeps its tombstone */
	cr_assert_eq(op_sync_new(&g, hq.db, &cfg, &e), 0);
	exec(&hq, "INSERT INTO peer(site, acked_ver) VALUES ('Z', 0)");
	op_sync_gc(g);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM clock WHERE col = -1"), "1");
	op_sync_free(g);
}

static int count_steps(void *arg) { ++*(long *)arg; return 0; }

/* HQ runs the clean-up every minute: what it reads must be what it
 * drops, not the whole store. Steps counted in SQLite's progress
 * callback (one per 100 virtual machine instructions). */
static long gc_steps(struct site *x, op_sync *g, int64_t *dropped)
{
	long steps = 0;
	sqlite3_progress_handler(op_db_handle(x->db), 100, count_steps, &steps);
	*dropped = op_sync_gc(g);
	sqlite3_progress_handler(op_db_handle(x->db), 0, NULL, NULL);
	return steps;
}

Test(sync, gc_reads_what_it_drops_not_the_store)
{
	struct op_sync_cfg cfg;
	op_sync *g;
	op_err e = { 0 };
	int64_t n;
	exec(&a, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 3000)"
		 " INSERT INTO customer(name) SELECT 'c' || i FROM k");
	exec(&a, "INSERT INTO customer(id, name) VALUES ('gone-1', '吴十')");
	pump(&a, &hq);
	exec(&a, "DELETE FROM customer WHERE id = 'gone-1'");
	pump(&a, &hq);
	op_sync_cfg_default(&cfg);
	cfg.now_ms = fake_now;
	/* a day on: nothing is old enough, and nothing may be read through */
	clock_at = op_sync_now(a.s) + (int64_t)86400 * 1000;
	cr_assert_eq(op_sync_new(&g, a.db, &cfg, &e), 0);
	long young = gc_steps(&a, g, &n);
	cr_assert_eq(n, 0);
	cr_assert_lt(young, 20, "%ld steps to drop nothing from 3,000 customers", young);
	op_sync_free(g);
	cr_assert_eq(op_sync_new(&g, hq.db, &cfg, &e), 0);
	young = gc_steps(&hq, g, &n);
	cr_assert_eq(n, 0);
	cr_assert_lt(young, 20, "HQ: %ld steps to drop nothing", young);
	op_sync_free(g);
	/* two edits not yet stamped, so not acknowledged by HQ: they stay,
	 * the old one too though a young one follows it */
	exec(&a, "UPDATE customer SET name = '吴十一' WHERE name = 'c1'");
	exec(&a, "UPDATE customer SET name = '吴十二' WHERE name = 'c2'");
	exec(&a, "UPDATE journal SET ts = ts + 200 * 86400000 WHERE seq = (SELECT max(seq) FROM journal)");
	/* 100 days on: the journal and the tombstone go, the live rows stay */
	clock_at = op_sync_now(a.s) + (int64_t)100 * 86400 * 1000;
	cr_assert_eq(op_sync_new(&g, a.db, &cfg, &e), 0);
	cr_assert_gt(gc_steps(&a, g, &n), 0);
	cr_assert_eq(n, 3003, "%lld dropped", (long long)n);	/* 3,002 journal rows, 1 tombstone */
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM journal"), "2");
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM clock WHERE col = -1"), "0");
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM customer"), "3000");
	/* and once dropped, the next clean-up reads next to nothing again */
	long after = gc_steps(&a, g, &n);
	cr_assert_eq(n, 0);
	cr_assert_lt(after, 20, "%ld steps after the clean-up", after);
	op_sync_free(g);
}

Test(sync, offline_edit_of_a_merged_duplicate_lands_on_the_kept_row)
{
	exec(&a, "INSERT INTO customer(id, name, phone) VALUES ('keep-1', '张伟', '+8613800138000')");
	exec(&b, "INSERT INTO customer(id, name, phone) VALUES ('dup-1', '张伟', '+8613800138000')");
	round_all();
	/* HQ merges dup into keep; meanwhile B, offline, edits the duplicate */
	exec(&hq, "UPDATE customer SET merged_into = 'keep-1' WHERE id = 'dup-1'");
	exec(&b, "UPDATE customer SET email = 'zw@new.cn', points = points + 20 WHERE id = 'dup-1'");
	round_all();
	round_all();
	round_all();
	cr_assert_str_eq(q1(&hq, "SELECT email FROM customer WHERE id = 'keep-1'"), "zw@new.cn");
	cr_assert_str_eq(q1(&a, "SELECT email FROM customer WHERE id = 'keep-1'"), "zw@new.cn");
	cr_assert_str_eq(q1(&b, "SELECT email FROM customer WHERE id = 'keep-1'"), "zw@new.cn");
	cr_assert_str_eq(q1(&b, "SELECT merged_into FROM customer WHERE id = 'dup-1'"), "keep-1");
	cr_assert_str_eq(q1(&hq, "SELECT points FROM customer WHERE id = 'keep-1'"), "20");
	cr_assert_str_eq(q1(&a, "SELECT points FROM customer WHERE id = 'keep-1'"), "20");
	cr_assert_str_eq(q1(&b, "SELECT points FROM customer WHERE id = 'dup-1'"), "0");
	cr_assert_str_eq(q1(&hq, "SELECT points FROM customer WHERE id = 'dup-1'"), "0");
	char *d1 = dump(&hq), *d2 = dump(&a), *d3 = dump(&b);
	cr_assert_str_eq(d1, d2);
	cr_assert_str_eq(d1, d3);
	free(d1); free(d2); free(d3);
}

Test(sync, delete_after_unseen_edit_is_logged)
{
	exec(&a, "INSERT INTO customer(name) VALUES ('郑十一')");
	round_all();
	exec(&b, "UPDATE customer SET notes = 'call back'");
	pump(&b, &hq);		/* HQ has B's edit ... */
	exec(&a, "DELETE FROM customer");	/* ... A deletes without seeing it */
	pump(&a, &hq);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "0");
	cr_assert_str_eq(q1(&hq, "SELECT reason || ':' || lost FROM conflict"),
			 "deleted after a concurrent edit:call back");
}

Test(sync, unique_clash_is_logged_not_stalling)
{
	/* a branch made a product locally with the sku HQ then uses */
	exec(&a, "INSERT INTO product(sku, name, price) VALUES ('SKU-1', 'local', 100)");
	exec(&hq, "INSERT INTO product(sku, name, price) VALUES ('SKU-1', 'hq', 200)");
	exec(&hq, "INSERT INTO customer(name) VALUES ('后来的')");
	pump(&hq, &a);		/* must not fail */
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM customer"), "1");
	cr_assert_str_eq(q1(&a, "SELECT name FROM product"), "local");
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM conflict WHERE reason LIKE 'refused here:%'"), "1");
}

/* Issue 8, defect 1: an edit in the same stamping pass moves the row's
 * marker forward; its counter contribution must follow, not travel ahead
 * of the row and be dropped. */
Test(sync, initial_points_travel_with_their_row)
{
	exec(&a, "INSERT INTO customer(id, name, points) VALUES ('r', 'R', 10)");
	exec(&a, "INSERT INTO customer(id, name) VALUES ('s', 'S')");
	exec(&a, "UPDATE customer SET notes = 'x' WHERE id = 'r'");
	round_all();
	round_all();
	cr_assert_str_eq(q1(&hq, "SELECT points || notes FROM customer WHERE id = 'r'"), "10x");
	cr_assert_str_eq(q1(&b, "SELECT points FROM customer WHERE id = 'r'"), "10");
}

/* Identity is the key: a batch whose changes name another site is refused
 * whole at HQ, and nothing of it is applied. */
Test(sync, hq_refuses_changes_in_another_sites_name)
{
	op_buf raw;
	uint64_t upto, count;
	int perr = 0;
	exec(&a, "INSERT INTO customer(id, name, points) VALUES ('r', 'R', 10)");
	cr_assert(op_sync_stamp(a.s, 100) > 0);
	op_buf_init(&raw, 0);
	cr_assert_eq(op_sync_build(a.s, "HQ", 99, 0, &raw, &upto, &count), 0);
	cr_assert(count > 0);
	cr_assert_eq(op_sync_apply(hq.s, "B", raw.p, raw.len, count, upto, &perr), -1);
	cr_assert_eq(perr, OP_PERR_REFUSED);
	cr_assert(strstr(op_db_err(hq.db)->msg, "says site 'A'"), "%s", op_db_err(hq.db)->msg);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "0");
	/* the same batch from its real sender applies */
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), 0);
	cr_assert_str_eq(q1(&hq, "SELECT points FROM customer WHERE id = 'r'"), "10");
	op_buf_free(&raw);
}

/* A value a store missed although it holds the same version (it did not
 * know the column when the row came, on an older schema) is taken when the
 * row is sent again, without a conflict. */
Test(sync, resend_fills_a_value_the_store_missed)
{
	exec(&a, "INSERT INTO customer(id, name, email) VALUES ('r', 'R', 'r@x.cn')");
	round_all();
	exec(&hq, "UPDATE op_ctx SET applying = 1; UPDATE customer SET email = NULL;"
		  " UPDATE op_ctx SET applying = 0; UPDATE peer SET recv_ver = 0");
	cr_assert_str_eq(q1(&hq, "SELECT coalesce(email, '-') FROM customer"), "-");
	pump(&a, &hq);
	cr_assert_str_eq(q1(&hq, "SELECT email FROM customer"), "r@x.cn");
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM conflict"), "0");
}

/* A deleted id cannot be inserted again (by any SQLite client): the
 * tombstone would win everywhere else and the row would diverge. */
Test(sync, deleted_id_cannot_come_back)
{
	exec(&a, "INSERT INTO customer(id, name) VALUES ('r', 'R')");
	exec(&a, "DELETE FROM customer WHERE id = 'r'");
	cr_assert(op_sync_stamp(a.s, 100) > 0);
	char *msg = NULL;
	int rc = sqlite3_exec(op_db_handle(a.db), "INSERT INTO customer(id, name) "
			      "VALUES ('r', 'again')", NULL, NULL, &msg);
	cr_assert_neq(rc, SQLITE_OK);
	cr_assert(msg && strstr(msg, "deleted row cannot come back"), "%s", msg ? msg : "");
	sqlite3_free(msg);
	exec(&a, "INSERT INTO customer(name) VALUES ('new id')");
}

static void hello_of(struct site *x, struct op_hello *h)
{
	cr_assert_eq(op_sync_hello_fill(x->s, "HQ", h), 0);
}

/* The HQ side of the handshake: a HELLO naming another site is refused and
 * counted; a store behind HQ's record is re-baselined with a new
 * incarnation; once it takes it, the old one is retired and refused. */
Test(sync, hello_identity_and_rebaseline)
{
	struct op_hello h;
	struct op_welcome w;
	int perr = 0, rehello = 0;
	uint64_t cursor = 0;

	exec(&hq, "INSERT INTO peer(site, pubkey) VALUES ('A', 'ka'), ('B', 'kb')");
	hello_of(&a, &h);
	cr_assert_eq(op_sync_hq_hello(hq.s, "B", &h, &w, &perr), -1);
	cr_assert_eq(perr, OP_PERR_REFUSED);
	cr_assert_str_eq(q1(&hq, "SELECT refused FROM peer WHERE site = 'B'"), "1");
	cr_assert(strstr(q1(&hq, "SELECT last_error FROM peer WHERE site = 'B'"), "belongs to B"));

	/* A syncs for real, then goes back in time (HQ has more of it) */
	exec(&a, "INSERT INTO customer(id, name, points) VALUES ('r', 'R', 5)");
	round_all();
	hello_of(&a, &h);
	cr_assert_eq(op_sync_hq_hello(hq.s, "A", &h, &w, &perr), 0);
	cr_assert_eq(w.rebase, 0);
	char old[80];
	snprintf(old, sizeof(old), "%.*s", (int)h.incarnation_len, h.incarnation);
	exec(&a, "UPDATE meta SET value = 1 WHERE key = 'ver'");
	hello_of(&a, &h);
	cr_assert_eq(op_sync_hq_hello(hq.s, "A", &h, &w, &perr), 0);
	cr_assert_eq(w.rebase, 1);
	cr_assert(w.site_hlc > 0);
	cr_assert(w.incarnation_len == 32 && memcmp(w.incarnation, old, 32) != 0);
	cr_assert_eq(op_sync_branch_welcome(a.s, "HQ", &w, &cursor, &rehello), 0);
	cr_assert_eq(rehello, 1);
	cr_assert_eq(op_sync_rebasing(a.s), 1);
	cr_assert(op_sync_head(a.s) >= w.applied_batch);
	/* the new HELLO carries the new incarnation: HQ retires the old one */
	hello_of(&a, &h);
	cr_assert_eq(h.recv_ver, 0);
	cr_assert_eq(op_sync_hq_hello(hq.s, "A", &h, &w, &perr), 0);
	cr_assert_eq(w.rebase, 0);
	cr_assert(strstr(q1(&hq, "SELECT retired FROM peer WHERE site = 'A'"), old));
	cr_assert_neq(atoi(q1(&hq, "SELECT rebase_upto FROM peer WHERE site = 'A'")), 0);
	/* a copy still speaking as the old incarnation is refused */
	struct op_hello stale = h;
	stale.incarnation = old;
	stale.incarnation_len = strlen(old);
	cr_assert_eq(op_sync_hq_hello(hq.s, "A", &stale, &w, &perr), -1);
	cr_assert_eq(perr, OP_PERR_REFUSED);
	cr_assert(strstr(op_db_err(hq.db)->msg, "--from-hq"), "%s", op_db_err(hq.db)->msg);
}

Test(sync, row_whose_name_changed_since_creation_reaches_a_new_peer)
{
	/* a's marker for the first row, then another row, then a later
	 * version of the first row's NOT NULL name: the row image alone
	 * must be enough to create the row at HQ */
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-1', 'old name')");
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-2', 'other')");
	cr_assert_geq(op_sync_stamp(a.s, 1000), 0);
	exec(&a, "UPDATE customer SET name = 'new name' WHERE id = 'c-1'");
	pump(&a, &hq);
	cr_assert_str_eq(q1(&hq, "SELECT name FROM customer WHERE id = 'c-1'"), "new name");
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM conflict"), "0");
	pump(&hq, &b);
	cr_assert_str_eq(q1(&b, "SELECT name FROM customer WHERE id = 'c-1'"), "new name");
}

Test(sync, rebasing_keeps_unstamped_local_writes)
{
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-1', 'x')");
	pump(&a, &hq);
	exec(&hq, "UPDATE customer SET notes = 'hq', points = points + 10");
	cr_assert_geq(op_sync_stamp(hq.s, 1000), 0);
	/* a, restored and re-baselining, made writes its journal still holds
	 * unstamped while HQ's stream comes in */
	exec(&a, "UPDATE customer SET notes = 'mine', points = points + 5");
	exec(&a, "INSERT OR REPLACE INTO meta(key, value) VALUES ('rebasing', 1)");
	pump(&hq, &a);
	cr_assert_str_eq(q1(&a, "SELECT notes || ' ' || points FROM customer"), "mine 15");
	cr_assert_eq(op_sync_caught_up(a.s), 0);
	pump(&a, &hq);
	cr_assert_str_eq(q1(&hq, "SELECT notes || ' ' || points FROM customer"), "mine 15");
	cr_assert_str_eq(q1(&a, "SELECT notes || ' ' || points FROM customer"), "mine 15");
}

Test(sync, rebasing_keeps_a_local_delete)
{
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-1', 'x')");
	pump(&a, &hq);
	/* a re-baselines: HQ sends its rows back while a's delete waits */
	exec(&a, "INSERT OR REPLACE INTO meta(key, value) VALUES ('rebasing', 1)");
	exec(&a, "DELETE FROM customer WHERE id = 'c-1'");
	exec(&hq, "INSERT INTO peer(site, recv_ver) VALUES ('A', 0)"
		  " ON CONFLICT(site) DO NOTHING");
	/* as the re-baseline stream does: a's own row, from HQ */
	exec(&hq, "UPDATE customer SET notes = 'from hq'");
	cr_assert_geq(op_sync_stamp(hq.s, 1000), 0);
	exec(&hq, "UPDATE clock SET site = 'HQ' WHERE col = -2");
	send_all_once(&hq, &a);
	cr_assert_str_eq(q1(&a, "SELECT count(*) FROM customer"), "0");
	cr_assert_eq(op_sync_caught_up(a.s), 0);
	pump(&a, &hq);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "0");
}

Test(sync, own_rows_sent_back_carry_their_nulls)
{
	exec(&a, "INSERT INTO customer(id, name, email) VALUES ('c-1', 'x', 'old@x.cn')");
	exec(&a, "UPDATE customer SET email = NULL");
	pump(&a, &hq);		/* one pass: HQ has the row with no email */
	/* a comes back from a backup that had the row as first written,
	 * its journal unstamped; HQ sends a its own rows back */
	exec(&a, "UPDATE op_ctx SET applying = 1; UPDATE customer SET email = 'old@x.cn';"
		 " UPDATE op_ctx SET applying = 0; DELETE FROM clock");
	exec(&hq, "UPDATE peer SET rebase_upto = (SELECT value FROM meta WHERE key = 'ver')"
		  " WHERE site = 'A'");
	send_all_once(&hq, &a);
	cr_assert_str_eq(q1(&a, "SELECT coalesce(email, 'NULL') FROM customer"), "NULL");
}

/* A new store for a site HQ has versions of (a PC rebuilt with init) is
 * re-baselined too, but none of its journal can be the old copy's:
 * site_hlc is 0, so its first writes are all sent. */
Test(sync, new_store_for_a_known_site_keeps_its_first_writes)
{
	struct site n;
	struct op_hello h;
	struct op_welcome w;
	int perr = 0, rehello = 0;
	uint64_t cursor = 0;
	op_err e = { 0 };

	exec(&hq, "INSERT INTO peer(site, pubkey) VALUES ('A', 'ka')");
	exec(&a, "INSERT INTO customer(id, name) VALUES ('r', 'R')");
	round_all();
	hello_of(&a, &h);
	cr_assert_eq(op_sync_hq_hello(hq.s, "A", &h, &w, &perr), 0);	/* records A's incarnation */
	snprintf(n.path, sizeof(n.path), "%s/A-new.db", dir);
	cr_assert_eq(op_db_open(&n.db, n.path, OP_DB_CREATE | OP_DB_DAEMON, &e), 0, "%s", e.msg);
	cr_assert_eq(op_db_init_site(n.db, "A", 0), 0);
	cr_assert_eq(op_sync_new(&n.s, n.db, NULL, &e), 0, "%s", e.msg);
	exec(&n, "INSERT INTO customer(id, name) VALUES ('early', 'written before the first sync')");
	hello_of(&n, &h);
	cr_assert_eq(op_sync_hq_hello(hq.s, "A", &h, &w, &perr), 0);
	cr_assert_eq(w.rebase, 1);
	cr_assert_eq(w.site_hlc, 0);
	cr_assert_eq(op_sync_branch_welcome(n.s, "HQ", &w, &cursor, &rehello), 0);
	cr_assert_eq(op_sync_pending(n.s), 1, "the early write is still to be sent");
	close_site(&n);
}

/* Build one batch of everything from a for HQ, within a stream from 0 whose
 * first build saw `head` (0: no stream); its change count. */
static uint64_t build_count(struct site *x, uint64_t head, op_buf *raw, uint64_t *upto)
{
	uint64_t count;
	op_buf_init(raw, 0);
	op_sync_set_stream(x->s, 0, head);
	cr_assert_eq(op_sync_build(x->s, "HQ", 99, 0, raw, upto, &count), 0);
	op_sync_set_stream(x->s, 0, 0);
	return count;
}

Test(sync, stream_sends_a_column_version_once)
{
	op_buf raw;
	uint64_t upto, plain, streamed;
	int perr;
	exec(&a, "INSERT INTO customer(name, phone) VALUES ('赵六', '+8613800138006')");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 1);
	exec(&a, "UPDATE customer SET email = 'z@x.cn'");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 1);
	uint64_t head = op_sync_head(a.s);

	/* Without a stream the edit goes out in the row's image and again by
	 * itself; within one that began after the edit, once. */
	plain = build_count(&a, 0, &raw, &upto);
	op_buf_free(&raw);
	streamed = build_count(&a, head, &raw, &upto);
	cr_assert_eq(streamed + 1, plain, "plain %llu, streamed %llu",
		     (unsigned long long)plain, (unsigned long long)streamed);
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, streamed, upto, &perr), 0,
		     "%s", op_db_err(hq.db)->msg);
	op_buf_free(&raw);
	cr_assert_str_eq(q1(&hq, "SELECT email FROM customer"), "z@x.cn");
	/* the value arrived with its own version, not the row's */
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM clock WHERE col > 0"), "1");
	cr_assert_str_eq(q1(&hq, "SELECT hlc FROM clock WHERE col > 0"),
			 q1(&a, "SELECT hlc FROM clock WHERE col > 0"));

	/* An edit the stream's first build did not see is sent by itself. */
	exec(&a, "UPDATE customer SET email = 'z2@x.cn'");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 1);
	streamed = build_count(&a, head, &raw, &upto);
	op_buf_free(&raw);
	plain = build_count(&a, 0, &raw, &upto);
	op_buf_free(&raw);
	cr_assert_eq(streamed, plain);
	/* nor is anything left out when the marker is below the stream */
	op_buf_init(&raw, 0);
	uint64_t count, mk = (uint64_t)atoll(q1(&a, "SELECT ver FROM clock WHERE col = -2"));
	op_sync_set_stream(a.s, mk, op_sync_head(a.s));
	cr_assert_eq(op_sync_build(a.s, "HQ", 99, mk, &raw, &upto, &count), 0);
	op_sync_set_stream(a.s, 0, 0);
	op_buf_free(&raw);
	cr_assert_eq(count, 1);
}

/* A row's marker goes out in one batch, a later clear of one of its
 * columns in the next (faultsim seed 1634). The image must carry the
 * clear at its own version: left out, the receiver would create the row
 * with that column NULL at the row's version, holding the clear's effect
 * without its version, and should the clear's own batch never come (the
 * branch rebuilt from HQ), the insert's value would be lost for good. */
Test(sync, image_carries_a_cleared_column_at_its_own_version)
{
	struct op_sync_cfg cfg;
	op_sync *g;
	op_err e = { 0 };
	op_buf raw;
	uint64_t upto, count;
	int perr;

	exec(&a, "INSERT INTO customer(id, name, phone) VALUES ('c-1', 'x', '+8613800138001')");
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-2', 'y')");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 2);
	exec(&a, "UPDATE customer SET phone = NULL WHERE id = 'c-1'");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 1);
	op_sync_cfg_default(&cfg);
	cfg.batch_changes = 1;	/* the marker alone */
	cr_assert_eq(op_sync_new(&g, a.db, &cfg, &e), 0, "%s", e.msg);
	op_buf_init(&raw, 0);
	cr_assert_eq(op_sync_build(g, "HQ", 99, 0, &raw, &upto, &count), 0);
	op_sync_free(g);
	cr_assert_eq(upto, 1, "one version in the batch, not %llu", (unsigned long long)upto);
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), 0,
		     "%s", op_db_err(hq.db)->msg);
	op_buf_free(&raw);
	cr_assert_str_eq(q1(&hq, "SELECT coalesce(phone, 'NULL') FROM customer WHERE id = 'c-1'"),
			 "NULL");
	/* the NULL arrived with the clear's version, not the row's */
	cr_assert_str_eq(q1(&hq, "SELECT hlc FROM clock WHERE gid = 'c-1' AND col = 4"),
			 q1(&a, "SELECT hlc FROM clock WHERE gid = 'c-1' AND col = 4"));
}

/* A branch whose clock is hours behind HQ's stamps in HQ's time: the
 * translated journal time is not "from the future" because it is ahead
 * of the branch's own clock (faultsim seed 1375). Clamped to that clock,
 * its writes went out hours older than they were, and after a restore
 * the recheck took a write made since for one the old copy had sent. */
Test(sync, slow_clock_stamps_in_hq_time)
{
	const int64_t behind = (int64_t)5 * 3600 * 1000;
	op_sync_set_offset(a.s, -behind);
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-1', 'x')");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 1);
	int64_t ms = atoll(q1(&a, "SELECT hlc >> 16 FROM clock WHERE gid = 'c-1'"));
	int64_t hq_now = op_sync_now(a.s) + behind;
	cr_assert(ms > hq_now - 60000 && ms <= hq_now, "stamped at %lld, HQ's time is %lld",
		  (long long)ms, (long long)hq_now);
	/* a journal time ahead of HQ's time by more than max-ahead is still
	 * replaced by the clock's time, in HQ's time */
	exec(&a, "INSERT INTO customer(id, name) VALUES ('c-2', 'y')");
	exec(&a, "UPDATE journal SET ts = ts + 86400000 WHERE gid = 'c-2'");
	cr_assert_eq(op_sync_stamp(a.s, 1000), 1);
	ms = atoll(q1(&a, "SELECT hlc >> 16 FROM clock WHERE gid = 'c-2'"));
	hq_now = op_sync_now(a.s) + behind;
	cr_assert(ms > hq_now - 60000 && ms <= hq_now, "stamped at %lld, HQ's time is %lld",
		  (long long)ms, (long long)hq_now);
}

static int commits;
static int count_commit(void *arg) { (void)arg; commits++; return 0; }

/* waiting_note(x, age): x's "-waiting" note, touched age seconds ago
 * (what a command's busy handler leaves, dbwait.c); age < 0 removes it. */
static void waiting_note(struct site *x, int age)
{
	char p[300];
	snprintf(p, sizeof(p), "%s-waiting", x->path);
	if (age < 0) {
		unlink(p);
		return;
	}
	FILE *f = fopen(p, "w");
	cr_assert(f);
	fclose(f);
	struct timespec t[2];
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age;
	t[1] = t[0];
	cr_assert_eq(utimensat(AT_FDCWD, p, t, 0), 0);
}

/* A clerk's write goes first: when a command waits for the write lock
 * (its note is fresh) a big batch commits what it has and goes on, once
 * for each touch of the note, and for a while after in short parts, so
 * that the clerk's next write waits for a short one; a stale note or
 * none, and no clerk lately: in one. A bad change at the batch's end is
 * refused before any part is written, and the clock ends past every
 * change merged. */
Test(sync, merge_makes_room_for_a_waiting_command)
{
	op_buf raw;
	uint64_t upto, count;
	int perr = 0;
	struct op_sync_stats st;

	/* a note two seconds old, no command lately: one commit */
	exec(&a, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
		 " INSERT INTO customer(id, name) SELECT 'd-' || i, 'D' || i FROM n");
	sqlite3_commit_hook(op_db_handle(hq.db), count_commit, NULL);
	waiting_note(&hq, 2);
	commits = 0;
	pump(&a, &hq);
	op_sync_stats(hq.s, &st);
	cr_assert_gt(st.applied, 1000);
	cr_assert_eq(st.rooms, 0, "%llu pauses", (unsigned long long)st.rooms);
	cr_assert_eq(commits, 1);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "3000");

	exec(&a, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
		 " INSERT INTO customer(id, name) SELECT 'c-' || i, 'C' || i FROM n");
	cr_assert(op_sync_stamp(a.s, 10000) > 0);
	op_buf_init(&raw, 0);
	cr_assert_eq(op_sync_build(a.s, "HQ", 99, 0, &raw, &upto, &count), 0);
	cr_assert_geq(count, 1500, "a batch of %llu", (unsigned long long)count);
	waiting_note(&hq, 0);
	commits = 0;

	cr_assert_eq(op_sync_apply(hq.s, "B", raw.p, raw.len, count, upto, &perr), -1);
	cr_assert_eq(perr, OP_PERR_REFUSED);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "3000");
	cr_assert_eq(commits, 0);

	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), 0,
		     "%s", op_db_err(hq.db)->msg);
	op_sync_stats(hq.s, &st);
	cr_assert_eq(st.rooms, 1, "%llu pauses for one note", (unsigned long long)st.rooms);
	/* the rest in parts of a few hundred changes */
	cr_assert_geq((uint64_t)commits, 1 + count / 300, "%d commits for %llu changes", commits,
		      (unsigned long long)count);
	cr_assert_eq(atoll(q1(&hq, "SELECT recv_ver FROM peer WHERE site = 'A'")), (long long)upto);
	op_buf_free(&raw);
	pump(&a, &hq);	/* what the batch did not hold */
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "6000");
	cr_assert_geq(strtoull(q1(&hq, "SELECT value FROM meta WHERE key = 'hlc'"), NULL, 10),
		      strtoull(q1(&a, "SELECT max(hlc) FROM clock"), NULL, 10));
	sqlite3_commit_hook(op_db_handle(hq.db), NULL, NULL);
	waiting_note(&hq, -1);
}

/* A batch that fails after a part was committed for a waiting command
 * (here: its cursor cannot be written, as when the daemon dies there)
 * comes again and lands: every row once, no conflict, the cursor at its
 * end. */
Test(sync, batch_failing_after_a_part_lands_when_sent_again)
{
	op_buf raw;
	uint64_t upto, count;
	int perr = 0;
	exec(&a, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
		 " INSERT INTO customer(id, name) SELECT 'c-' || i, 'C' || i FROM n");
	cr_assert(op_sync_stamp(a.s, 10000) > 0);
	op_buf_init(&raw, 0);
	cr_assert_eq(op_sync_build(a.s, "HQ", 99, 0, &raw, &upto, &count), 0);
	exec(&hq, "CREATE TEMP TRIGGER no_cursor BEFORE UPDATE ON peer"
		  " BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
		  " CREATE TEMP TRIGGER no_new_cursor BEFORE INSERT ON peer"
		  " BEGIN SELECT RAISE(ABORT, 'disk full'); END");
	waiting_note(&hq, 0);
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), -1);
	long long part = atoll(q1(&hq, "SELECT count(*) FROM customer"));
	cr_assert_gt(part, 0, "a part was committed");
	cr_assert_lt(part, 2000);
	exec(&hq, "DROP TRIGGER no_cursor; DROP TRIGGER no_new_cursor");
	waiting_note(&hq, -1);
	cr_assert_eq(op_sync_apply(hq.s, "A", raw.p, raw.len, count, upto, &perr), 0,
		     "%s", op_db_err(hq.db)->msg);
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM customer"), "2000");
	cr_assert_str_eq(q1(&hq, "SELECT count(*) FROM conflict"), "0");
	cr_assert_eq(atoll(q1(&hq, "SELECT recv_ver FROM peer WHERE site = 'A'")), (long long)upto);
	op_buf_free(&raw);
	char *x = dump(&a), *y = dump(&hq);
	cr_assert_str_eq(x, y);
	free(x);
	free(y);
}
