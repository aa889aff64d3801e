/*
 * bench_reports.c — `classify` and every report on an HQ store the size of
 * a large chain: 1,000,000 customers and 5,000,000 orders by default.
 *
 *   build/tools/bench_reports [CUSTOMERS [ORDERS]] [--keep PATH]
 *
 * The store is made with op_db_open(OP_DB_CREATE | OP_DB_NOJOURNAL) and
 * op_db_init_site("HQ", hq) — the real schema, indexes and triggers, less
 * the journal triggers — and filled by INSERT ... SELECT from recursive
 * CTEs, deterministically (ids, dates and amounts are functions of the row
 * number; no PRNG state). To load quickly the secondary indexes and the
 * customer search triggers are dropped during the load and the indexes
 * built afterwards from their own CREATE statements (the search index is
 * left empty: search is not measured here). What is made:
 *   20 branches, 200 staff (sales), 500 products in 20 categories;
 *   CUSTOMERS customers (owner, home branch, source channel, a birthday for
 *     one in three), registered 2020-01-01 .. 2026-06-28;
 *   ORDERS orders dated 2023-07-01 .. 2026-06-30, skewed towards some
 *     customers (customer = x^2 / CUSTOMERS for x uniform), 10..5000 yuan,
 *     status 80% completed, 7% delivered, 3% shipped, 2% pending, 5%
 *     cancelled, 3% returned; half carry a channel, the rest fall back to
 *     the customer's; every tenth order has 2 items (ORDERS/5 items: a
 *     store's per-line detail is the part reports read least);
 *   ORDERS/50 tickets (60% complaints), ORDERS/10 follow-ups.
 * Then, on a fresh connection as the CLI would open it (no ANALYZE), it
 * times op_report_classify as of 2026-06-30 and each report for the 12
 * months to 2026-06-30, printed to /dev/null, each once, and prints
 *   reports: classify 1000000 customers: X s
 *   reports: sales --by month: X s (N rows)          ... per report
 * with "over target" when a report takes 2 s or more. Exit status is 0
 * unless something fails; missing a target is reported, not a failure.
 * The store is removed at exit unless --keep PATH names where to put it
 * (an existing PATH is reused without loading, to time again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "report.h"

#define AS_OF "2026-06-30"
#define TARGET_S 2.0

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process (user + system): on a machine shared with
 * other work the wall clock says more about the neighbours. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

#define SEQ(n) "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " n ") "

static const char SQL_BRANCHES[] = SEQ("20")
	"INSERT INTO branch(id, code, name, region, created_at)"
	" SELECT printf('b%035d', i), printf('B%02d', i), '分店' || i, '区域' || (i % 4),"
	" '2020-01-01 00:00:00' FROM s";
static const char SQL_STAFF[] = SEQ("200")
	"INSERT INTO staff(id, code, name, role, branch, created_at)"
	" SELECT printf('t%035d', i), printf('s%03d', i), '员工' || i, 'sales',"
	" printf('B%02d', 1 + (i - 1) % 20), '2020-01-01 00:00:00' FROM s";
static const char SQL_PRODUCTS[] = SEQ("500")
	"INSERT INTO product(id, sku, name, category, price, created_at)"
	" SELECT printf('p%035d', i), printf('SKU%04d', i), '产品' || i, '品类' || (i % 20),"
	" 1000 + (i * 37) % 50000, '2020-01-01 00:00:00' FROM s";
static const char SQL_CUSTOMERS[] = SEQ(":n")
	"INSERT INTO customer(id, name, phone, owner, home_branch, channel, birthday,"
	" created_at)"
	" SELECT printf('%08x-0000-7000-8000-%012x', i, i), '客户' || i,"
	" printf('+86138%08d', i), printf('s%03d', 1 + i % 200),"
	" printf('B%02d', 1 + (i % 200) % 20),"
	" CASE i % 6 WHEN 0 THEN 'walk-in' WHEN 1 THEN 'website' WHEN 2 THEN 'social'"
	"  WHEN 3 THEN 'phone' WHEN 4 THEN 'referral' ELSE 'other' END,"
	" CASE WHEN i % 3 = 0 THEN date(2440000.5 + (i * 7919) % 18000) END,"
	" datetime(2458849.5 + i * 2370.0 / :n) FROM s";
/* jd 2460126.5 is 2023-07-01. */
static const char SQL_ORDERS[] = SEQ(":m")
	"INSERT INTO sales_order(id, order_no, order_date, customer_id, total, payment,"
	" expected_date, delivered_date, status, channel, staff, branch, created_at)"
	" SELECT printf('%08x-0000-7000-9000-%012x', i, i),"
	"  printf('B%02d-%08d', 1 + (c % 200) % 20, i), d, printf('%08x-0000-7000-8000-%012x', c, c),"
	"  1000 + h3 % 499000, 'wechat', date(d, '+7 days'),"
	"  CASE WHEN st IN ('delivered', 'completed') THEN date(d, '+6 days') END, st,"
	"  CASE WHEN h4 % 2 = 1 THEN CASE h3 % 6 WHEN 0 THEN 'walk-in' WHEN 1 THEN 'website'"
	"   WHEN 2 THEN 'social' WHEN 3 THEN 'phone' WHEN 4 THEN 'referral' ELSE 'other' END END,"
	"  printf('s%03d', 1 + c % 200), printf('B%02d', 1 + (c % 200) % 20), d || ' 10:00:00'"
	" FROM (SELECT i, 1 + (x * x) / :n AS c, date(2460126.5 + h2 % 1096) AS d, h3, h4,"
	"   CASE WHEN h4 % 100 < 80 THEN 'completed' WHEN h4 % 100 < 87 THEN 'delivered'"
	"    WHEN h4 % 100 < 90 THEN 'shipped' WHEN h4 % 100 < 92 THEN 'pending'"
	"    WHEN h4 % 100 < 97 THEN 'cancelled' ELSE 'returned' END AS st"
	"  FROM (SELECT i, ((i * 2654435761) % 4294967291) % :n AS x,"
	"   (i * 40503 + 12345) % 1000003 AS h2, (i * 69069 + 1) % 2147483647 AS h3,"
	"   (i * 48271) % 2147483647 AS h4 FROM s))";
static const char SQL_ITEMS[] =
	"WITH RECURSIVE s(i) AS (SELECT 10 UNION ALL SELECT i + 10 FROM s WHERE i + 10 <= :m),"
	" k(j) AS (VALUES (1), (2))"
	" INSERT INTO order_item(id, order_id, product_id, sku, name, qty, unit_price, line_total)"
	" SELECT printf('%08x-%04x-7000-a000-%012x', i, j, i),"
	"  printf('%08x-0000-7000-9000-%012x', i, i), printf('p%035d', p), printf('SKU%04d', p),"
	"  '产品' || p, q, 1000 + (p * 37) % 50000, q * (1000 + (p * 37) % 50000)"
	" FROM (SELECT i, j, 1 + (i * 31 + j * 17) % 500 AS p, 1 + (i + j) % 3 AS q FROM s, k)";
static const char SQL_TICKETS[] = SEQ(":m / 50")
	"INSERT INTO ticket(id, ticket_no, customer_id, kind, problem, received_at, handler,"
	" status, satisfaction, first_reply_at, closed_at, branch)"
	" SELECT printf('%08x-0000-7000-b000-%012x', i, i), printf('T-%08d', i),"
	"  printf('%08x-0000-7000-8000-%012x', c, c),"
	"  CASE WHEN i % 5 < 3 THEN 'complaint' ELSE 'repair' END, '问题' || i, r,"
	"  printf('s%03d', 1 + c % 200), st,"
	"  CASE WHEN st IN ('resolved', 'closed') THEN 1 + i % 5 END,"
	"  CASE WHEN st <> 'open' THEN datetime(r, '+' || (i % 48) || ' hours') END,"
	"  CASE WHEN st = 'closed' THEN datetime(r, '+3 days') END,"
	"  printf('B%02d', 1 + (c % 200) % 20)"
	" FROM (SELECT i, 1 + (i * 7919) % :n AS c,"
	"  datetime(2460126.5 + (i * 613) % 1096 + (i % 24) / 24.0) AS r,"
	"  CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'resolved'"
	"   ELSE 'closed' END AS st FROM s)";
static const char SQL_FOLLOWUPS[] = SEQ(":m / 10")
	"INSERT INTO followup(id, customer_id, at, staff, kind, purpose, branch)"
	" SELECT printf('%08x-0000-7000-c000-%012x', i, i), printf('%08x-0000-7000-8000-%012x', c, c),"
	"  datetime(2460126.5 + (i * 389) % 1096 + (i % 10) / 10.0), printf('s%03d', 1 + c % 200),"
	"  'call', '回访', printf('B%02d', 1 + (c % 200) % 20)"
	" FROM (SELECT i, 1 + (i * 104729) % :n AS c FROM s)";

static const char SQL_SCHEMA_OF[] =
	"SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
	" AND ((type = 'index' AND tbl_name IN ('customer', 'sales_order', 'order_item',"
	"  'ticket', 'followup')) OR (type = 'trigger' AND tbl_name = 'customer'"
	"  AND name LIKE 'customer_fts_%'))";

struct saved { char *type, *name, *sql; };

static int fail(op_db *db, const char *what)
{
	fprintf(stderr, "bench_reports: %s: %s\n", what, op_db_err(db)->msg);
	return -1;
}

static int run_n(op_db *db, const char *sql, long long n, long long m)
{
	sqlite3_stmt *st = op_db_stmt(db, sql);
	if (!st)
		return -1;
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		if (op_bind_int(db, st, name, strcmp(name, ":n") == 0 ? n : m) < 0)
			return -1;
	}
	return op_db_run(db, st);
}

static int load(const char *path, long long n, long long m)
{
	op_err e = { 0 };
	op_db *db;
	struct saved *sv = NULL;
	size_t nsv = 0;
	int rc = -1;
	double t0 = now_s();

	if (op_db_open(&db, path, OP_DB_CREATE | OP_DB_NOJOURNAL, &e) < 0) {
		fprintf(stderr, "bench_reports: %s\n", e.msg);
		return -1;
	}
	/* No rollback journal while loading: the data is written once, and a
	 * failed load is thrown away anyway. */
	if (op_db_init_site(db, "HQ", 1) < 0 ||
	    op_db_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		       " PRAGMA cache_size = -1000000; PRAGMA foreign_keys = OFF") < 0) {
		fail(db, "setup");
		goto out;
	}
	sqlite3_stmt *st = op_db_stmt(db, SQL_SCHEMA_OF);
	while (st && op_db_step(db, st) == SQLITE_ROW) {
		struct saved *g = realloc(sv, sizeof(*sv) * (nsv + 1));
		if (!g)
			goto out;
		sv = g;
		sv[nsv].type = strdup((const char *)sqlite3_column_text(st, 0));
		sv[nsv].name = strdup((const char *)sqlite3_column_text(st, 1));
		sv[nsv].sql = strdup((const char *)sqlite3_column_text(st, 2));
		nsv++;
	}
	if (st)
		sqlite3_reset(st);
	if (op_db_exec(db, "BEGIN") < 0)
		goto err;
	for (size_t i = 0; i < nsv; i++) {
		char drop[256];
		snprintf(drop, sizeof(drop), "DROP %s \"%s\"", sv[i].type, sv[i].name);
		if (op_db_exec(db, drop) < 0)
			goto err;
	}
	static const struct { const char *what, *sql; } steps[] = {
		{ "branches", SQL_BRANCHES }, { "staff", SQL_STAFF },
		{ "products", SQL_PRODUCTS }, { "customers", SQL_CUSTOMERS },
		{ "orders", SQL_ORDERS }, { "items", SQL_ITEMS },
		{ "tickets", SQL_TICKETS }, { "follow-ups", SQL_FOLLOWUPS },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		double t1 = now_s();
		if (run_n(db, steps[i].sql, n, m) < 0) {
			fail(db, steps[i].what);
			goto out_rb;
		}
		printf("   %s: %.1f s\n", steps[i].what, now_s() - t1);
	}
	double t1 = now_s();
	for (size_t i = 0; i < nsv; i++)
		if (op_db_exec(db, sv[i].sql) < 0)
			goto err;
	if (op_db_exec(db, "COMMIT") < 0 || op_db_exec(db, "PRAGMA journal_mode = WAL") < 0)
		goto err;
	printf("   indexes: %.1f s\n", now_s() - t1);
	printf("reports: loaded %lld customers, %lld orders, %lld items, %lld tickets, "
	       "%lld follow-ups in %.1f s\n", n, m, m / 10 * 2, m / 50, m / 10, now_s() - t0);
	rc = 0;
	goto out;
err:
	fail(db, "load");
out_rb:
	op_db_rollback(db);
out:
	for (size_t i = 0; i < nsv; i++) {
		free(sv[i].type);
		free(sv[i].name);
		free(sv[i].sql);
	}
	free(sv);
	op_db_free(db);
	return rc;
}

static int timed(op_db *db, FILE *null, const char *label, const char *name,
		 const char *by, int *over)
{
	struct op_report_opts o = { .to = AS_OF, .by = by, .days = -1 };
	op_report *r;
	double t0 = now_s(), c0 = cpu_s();

	if (op_report_run(&r, db, name, &o) < 0)
		return fail(db, label);
	op_report_print(null, r, OP_FMT_TABLE, NULL);
	double dt = now_s() - t0;
	printf("reports: %-24s %6.2f s (cpu %.2f s, %zu rows)%s\n", label, dt,
	       cpu_s() - c0, op_report_rows(r, NULL),
	       dt >= TARGET_S ? "  over target (2 s)" : "");
	*over += dt >= TARGET_S;
	op_report_free(r);
	return 0;
}

int main(int argc, char **argv)
{
	long long n = 1000000, m = 5000000;
	const char *keep = NULL;
	char dir[4096] = "", path[4200];
	int npos = 0, rc = 1, over = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
			keep = argv[++i];
		} else {
			char *end;
			long long v = strtoll(argv[i], &end, 10);
			if (*end || v < 10 || v > 100000000 || npos > 1) {
				fprintf(stderr, "usage: bench_reports [CUSTOMERS [ORDERS]] [--keep PATH]\n");
				return 2;
			}
			if (npos++ == 0)
				n = v;
			else
				m = v;
		}
	}
	if (keep) {
		snprintf(path, sizeof(path), "%s", keep);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/bench_reports.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror("bench_reports: mkdtemp");
			return 1;
		}
		snprintf(path, sizeof(path), "%s/hq.db", dir);
	}
	printf("== reports bench: %lld customers, %lld orders, as of " AS_OF "\n", n, m);
	if ((!keep || access(path, F_OK) != 0) && load(path, n, m) < 0)
		goto out;

	op_err e = { 0 };
	op_db *db;
	FILE *null = fopen("/dev/null", "w");
	if (!null || op_db_open(&db, path, OP_DB_NOJOURNAL, &e) < 0) {
		fprintf(stderr, "bench_reports: %s\n", e.msg[0] ? e.msg : "cannot open /dev/null");
		goto out;
	}
	op_report *r;
	double t0 = now_s(), c0 = cpu_s();
	if (op_report_classify(&r, db, AS_OF, NULL) < 0) {
		fail(db, "classify");
		goto close;
	}
	printf("reports: classify %lld customers: %.2f s (cpu %.2f s)\n", n, now_s() - t0,
	       cpu_s() - c0);
	op_report_print(stdout, r, OP_FMT_TABLE, "classes");
	op_report_free(r);

	static const struct { const char *label, *name, *by; } runs[] = {
		{ "sales --by month", "sales", "month" },
		{ "sales --by quarter", "sales", "quarter" },
		{ "sales --by branch", "sales", "branch" },
		{ "sales --by staff", "sales", "staff" },
		{ "products --by product", "products", "product" },
		{ "products --by category", "products", "category" },
		{ "customers", "customers", NULL },
		{ "channels", "channels", NULL },
		{ "service", "service", NULL },
		{ "orders", "orders", NULL },
		{ "staff", "staff", NULL },
	};
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		if (timed(db, null, runs[i].label, runs[i].name, runs[i].by, &over) < 0)
			goto close;

	struct op_report_opts o = { .to = AS_OF, .days = -1 };
	t0 = now_s();
	c0 = cpu_s();
	if (op_report_html(null, db, &o) < 0) {
		fail(db, "html");
		goto close;
	}
	printf("reports: %-24s %6.2f s (cpu %.2f s, every report on one page)\n", "html",
	       now_s() - t0, cpu_s() - c0);
	struct op_report_opts ro = { .now = AS_OF " 09:00:00", .days = 7, .staff = "s001" };
	t0 = now_s();
	c0 = cpu_s();
	if (op_report_remind(&r, db, &ro) < 0) {
		fail(db, "remind");
		goto close;
	}
	printf("reports: %-24s %6.2f s (cpu %.2f s, %zu reminders)\n", "remind --staff s001",
	       now_s() - t0, cpu_s() - c0, op_report_rows(r, NULL));
	op_report_free(r);
	printf("reports: %d of %zu reports over the 2 s target\n", over,
	       sizeof(runs) / sizeof(runs[0]));
	rc = 0;
close:
	op_db_free(db);
	fclose(null);
out:
	if (!keep) {
		char f[4300];
		static const char *const sfx[] = { "", "-wal", "-shm" };
		for (int i = 0; i < 3; i++) {
			snprintf(f, sizeof(f), "%s%s", path, sfx[i]);
			unlink(f);
		}
		rmdir(dir);
	}
	return rc;
}
