/*
 * bench.c — what the journal and the sync engine cost, each measured side
 * by side with a baseline in the same run. `make bench` runs tools/bench.sh,
 * which runs one subcommand per process:
 *
 *   bench journal [N]   Write overhead of the journal triggers. Two fresh
 *       stores from op_db_open(OP_DB_CREATE [| OP_DB_NOJOURNAL]) +
 *       op_db_init_site("B1") — the same schema, FTS and numbering triggers
 *       included; only the journal triggers differ. Each gets N (100,000)
 *       customer inserts (name, phone, email, address; deterministic PRNG,
 *       data generated before the clock starts) through one prepared INSERT
 *       with the default UUIDv7 id, 1000 rows per op_db_begin/op_db_commit
 *       transaction as the CLI writes; then one UPDATE of email and notes
 *       per customer by id, 1000 per transaction. The stores take turns
 *       transaction by transaction (who goes first alternates), and each
 *       store's phases are the sum of its transactions' CLOCK_MONOTONIC
 *       times, so a machine busy with other work burdens both alike; process
 *       CPU time is summed the same way and reported too. Three runs on fresh
 *       files, medians reported. The journaled store must hold exactly 2N
 *       journal rows and the other none, or the bench fails.
 *
 *   bench sync [N]      End-to-end engine throughput against SQLite's session
 *       extension. Branch B1 makes N inserts + N updates (2N changes, with
 *       explicit deterministic ids) and stamps them (op_sync_stamp, 5000),
 *       untimed. Timed: the loop outpostd runs minus the socket —
 *       op_sync_build for "HQ" -> op_deflate (level 6) -> op_inflate_capped
 *       -> op_sync_apply at HQ from "B1" -> op_sync_peer_acked, from = upto
 *       until upto == from. Baseline: a second store made exactly like the
 *       branch makes the same 2N changes (same ids, same values) under
 *       sqlite3session — one changeset of N inserts, one of N updates — and
 *       sqlite3changeset_apply applies them to an empty store opened with
 *       OP_DB_NOJOURNAL (and OP_DB_DAEMON, as HQ), one transaction each;
 *       only those applies are timed.
 *       The timed stores are opened as outpostd opens them (OP_DB_DAEMON,
 *       stock settings). Process CPU time of both sides is reported too.
 *       Both replicas must end with N customers whose content hashes equal
 *       the branch's, and pass the FTS integrity check.
 *
 *   bench catchup [N]   A backlog of N (1,000,000) customer inserts, made and
 *       stamped at a branch in a child process, then applied at HQ batch by
 *       batch with the loop above; prints the peak RSS (getrusage ru_maxrss)
 *       of this process, which builds and applies in-process — outpostd's
 *       path is the same engine, split over two processes. ru_maxrss counts
 *       mapped library pages too (ICU's collation data is a few MiB of it).
 *
 * Connections that only prepare data (never timed) run with synchronous=OFF
 * and a larger page cache, to keep the whole bench within minutes. Stores
 * live in a fresh directory under $TMPDIR (or /tmp), removed at exit.
 */
/* The session API is declared only with these; Debian's libsqlite3 has
 * them compiled in. They must come before anything includes sqlite3.h. */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "sync.h"
#include "wire.h"

#define TXN_ROWS 1000		/* rows per write transaction */
#define STAMP_CHUNK 5000
#define RUNS 3
#define SEED 20260101u
#define BASE_MS 1767225600000ull	/* 2026-01-01, the ids' time part */
#define STAFF "li.na"

/* --- deterministic customers --- */

struct rng { uint64_t s; };

/* splitmix64: tiny, fast, and good enough for test data. */
static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/* Row i's own stream: any row can be regenerated alone. */
static struct rng rng_for(int64_t i, unsigned stream)
{
	struct rng r = { SEED * 0x2545f4914f6cdd1dull ^ ((uint64_t)i << 4) ^ stream };
	rng_next(&r);
	return r;
}

struct pair { const char *han, *pin; };

static const struct pair SURNAMES[] = {
	{"王","wang"}, {"李","li"}, {"张","zhang"}, {"刘","liu"}, {"陈","chen"},
	{"杨","yang"}, {"黄","huang"}, {"赵","zhao"}, {"吴","wu"}, {"周","zhou"},
	{"徐","xu"}, {"孙","sun"}, {"马","ma"}, {"朱","zhu"}, {"胡","hu"},
	{"郭","guo"}, {"何","he"}, {"高","gao"}, {"林","lin"}, {"罗","luo"},
	{"郑","zheng"}, {"梁","liang"}, {"谢","xie"}, {"宋","song"}, {"唐","tang"},
	{"许","xu"}, {"韩","han"}, {"冯","feng"}, {"邓","deng"}, {"曹","cao"},
	{"彭","peng"}, {"曾","zeng"}, {"萧","xiao"}, {"田","tian"}, {"董","dong"},
	{"潘","pan"}, {"袁","yuan"}, {"蔡","cai"}, {"蒋","jiang"}, {"余","yu"},
	{"欧阳","ouyang"}, {"司马","sima"},
};
static const struct pair GIVEN[] = {
	{"伟","wei"}, {"芳","fang"}, {"娜","na"}, {"敏","min"}, {"静","jing"},
	{"丽","li"}, {"强","qiang"}, {"磊","lei"}, {"军","jun"}, {"洋","yang"},
	{"勇","yong"}, {"艳","yan"}, {"杰","jie"}, {"娟","juan"}, {"涛","tao"},
	{"明","ming"}, {"超","chao"}, {"秀","xiu"}, {"霞","xia"}, {"平","ping"},
	{"刚","gang"}, {"桂","gui"}, {"英","ying"}, {"华","hua"}, {"玉","yu"},
	{"兰","lan"}, {"萍","ping"}, {"鹏","peng"}, {"辉","hui"}, {"建","jian"},
	{"国","guo"}, {"文","wen"}, {"红","hong"}, {"梅","mei"}, {"晨","chen"},
	{"宇","yu"}, {"浩","hao"}, {"欣","xin"}, {"怡","yi"}, {"婷","ting"},
	{"雪","xue"}, {"琳","lin"}, {"子","zi"}, {"涵","han"}, {"思","si"},
	{"雨","yu"}, {"轩","xuan"}, {"嘉","jia"}, {"佳","jia"}, {"博","bo"},
};
static const char *const MOBILE[] = {
	"130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
	"151", "152", "155", "156", "157", "158", "159", "166", "176", "177",
	"178", "180", "181", "182", "183", "185", "186", "187", "188", "189",
	"191", "198", "199",
};
static const char *const MAILHOST[] = {
	"163.com", "126.com", "qq.com", "sina.com", "foxmail.com", "139.com",
	"outlook.com", "gmail.com",
};
static const struct { const char *city, *district; } PLACES[] = {
	{"上海市", "浦东新区"}, {"上海市", "徐汇区"}, {"上海市", "静安区"},
	{"北京市", "朝阳区"}, {"北京市", "海淀区"}, {"广州市", "天河区"},
	{"深圳市", "南山区"}, {"深圳市", "福田区"}, {"杭州市", "西湖区"},
	{"成都市", "武侯区"}, {"南京市", "鼓楼区"}, {"武汉市", "江汉区"},
	{"苏州市", "工业园区"}, {"西安市", "雁塔区"}, {"重庆市", "渝中区"},
	{"天津市", "和平区"},
};
static const char *const ROADS[] = {
	"人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "世纪大道",
	"南京西路", "淮海中路", "科技园路", "文化路", "新华路",
};
static const char *const NOTES[] = {
	"回访：对新款布艺沙发感兴趣", "已加微信，周末到店看样品", "预算有限，关注促销活动",
	"老客户推荐，重点跟进", "需要上门量尺，约下周", "偏好北欧风格，浅色实木",
	"已购餐桌椅，跟进售后", "询问定制衣柜交期",
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct cust {
	char id[40], name[16], pin[24], phone[20], email[48], address[96];
};
struct upd {
	char email[48], notes[96];
};

static void gen_customer(int64_t i, struct cust *c)
{
	struct rng r = rng_for(i, 1);
	const struct pair *sn = &SURNAMES[rng_below(&r, N_OF(SURNAMES))];
	const struct pair *g1 = &GIVEN[rng_below(&r, N_OF(GIVEN))];
	const struct pair *g2 = rng_below(&r, 3) ? &GIVEN[rng_below(&r, N_OF(GIVEN))] : NULL;
	uint64_t ts = BASE_MS + (uint64_t)i, rnd = rng_next(&r);

	snprintf(c->id, sizeof(c->id), "%08x-%04x-7%03x-%x%03x-%012llx",
		 (unsigned)((ts >> 16) & 0xffffffff), (unsigned)(ts & 0xffff),
		 (unsigned)(rnd & 0xfff), (unsigned)(8 | ((rnd >> 12) & 3)),
		 (unsigned)((rnd >> 14) & 0xfff),
		 (unsigned long long)(rng_next(&r) & 0xffffffffffffull));
	snprintf(c->name, sizeof(c->name), "%s%s%s", sn->han, g1->han, g2 ? g2->han : "");
	snprintf(c->pin, sizeof(c->pin), "%s%s.%s", g1->pin, g2 ? g2->pin : "", sn->pin);
	snprintf(c->phone, sizeof(c->phone), "+86%s%04u%04u",
		 MOBILE[rng_below(&r, N_OF(MOBILE))], rng_below(&r, 10000),
		 rng_below(&r, 10000));
	if (rng_below(&r, 4) == 0)
		snprintf(c->email, sizeof(c->email), "%u@qq.com",
			 10000 + rng_below(&r, 2000000000u));
	else
		snprintf(c->email, sizeof(c->email), "%s%u@%s", c->pin,
			 rng_below(&r, 100), MAILHOST[rng_below(&r, N_OF(MAILHOST))]);
	unsigned p = rng_below(&r, N_OF(PLACES)), no = 1 + rng_below(&r, 999);
	const char *road = ROADS[rng_below(&r, N_OF(ROADS))];
	if (rng_below(&r, 2))
		snprintf(c->address, sizeof(c->address), "%s%s%s%u号%u栋%u室",
			 PLACES[p].city, PLACES[p].district, road, no,
			 1 + rng_below(&r, 20), 101 + rng_below(&r, 3000));
	else
		snprintf(c->address, sizeof(c->address), "%s%s%s%u号",
			 PLACES[p].city, PLACES[p].district, road, no);
}

/* The later edit of customer i: a new address at a new host, and a note. */
static void gen_update(int64_t i, const struct cust *c, struct upd *u)
{
	struct rng r = rng_for(i, 2);
	snprintf(u->email, sizeof(u->email), "%s%u@%s", c->pin, 100 + rng_below(&r, 900),
		 MAILHOST[rng_below(&r, N_OF(MAILHOST))]);
	snprintf(u->notes, sizeof(u->notes), "%s（2026-%02u-%02u）",
		 NOTES[rng_below(&r, N_OF(NOTES))], 1 + rng_below(&r, 12),
		 1 + rng_below(&r, 28));
}

/* --- small helpers --- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: unlike wall time, not inflated while other
 * programs hold the CPUs. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double median3(const double v[RUNS])
{
	double a = v[0], b = v[1], c = v[2];
	if (a > b) { double t = a; a = b; b = t; }
	if (b > c) b = c;
	return a > b ? a : b;
}

static double maxrss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;	/* Linux: KiB */
}

/* Copy the store's error into e with context; returns -1. */
static int db_fail(op_err *e, op_db *db, const char *what)
{
	op_err *de = op_db_err(db);
	return op_errc(e, de->code ? de->code : EX_SOFTWARE, "%s: %s", what, de->msg);
}

static int store_path(char *out, size_t n, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, n, "%s/%s.db", dir, name) >= n)
		return -1;
	return 0;
}

/* Remove a store and its WAL files; missing files are fine. */
static void store_remove(const char *dir, const char *name)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[512];
	for (size_t i = 0; i < N_OF(sfx); i++)
		if ((size_t)snprintf(p, sizeof(p), "%s/%s.db%s", dir, name, sfx[i]) < sizeof(p))
			unlink(p);
}

static int store_open(op_db **out, const char *dir, const char *name, int flags,
		      const char *site, int hq, op_err *e)
{
	char path[512];
	*out = NULL;
	if (store_path(path, sizeof(path), dir, name) < 0)
		return op_errc(e, EX_SOFTWARE, "temporary directory path too long");
	if (op_db_open(out, path, flags, e) < 0)
		return -1;
	if (site && op_db_init_site(*out, site, hq) < 0) {
		db_fail(e, *out, "cannot set the site");
		op_db_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* For connections that only prepare data (never timed): no fsync, a larger
 * page cache. Both are per connection; timed work always runs on a store
 * opened afresh with the stock settings. */
static int setup_pragmas(op_db *db, op_err *e)
{
	if (op_db_exec(db, "PRAGMA synchronous = OFF") < 0 ||
	    op_db_exec(db, "PRAGMA cache_size = -65536") < 0)
		return db_fail(e, db, "setup pragmas");
	return 0;
}

static int64_t count_of(op_db *db, const char *sql)
{
	sqlite3_stmt *st = op_db_stmt(db, sql);
	int64_t n = -1;
	if (st && op_db_step(db, st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return n;
}

static const char SQL_INS[] =
	"INSERT INTO customer(name, phone, email, address)"
	" VALUES (:name, :phone, :email, :address)";
static const char SQL_INS_ID[] =
	"INSERT INTO customer(id, name, phone, email, address)"
	" VALUES (:id, :name, :phone, :email, :address)";
static const char SQL_UPD[] =
	"UPDATE customer SET email = :email, notes = :notes WHERE id = :id";
static const char SQL_IDS[] = "SELECT id FROM customer ORDER BY rowid";
static const char SQL_NCUST[] = "SELECT count(*) FROM customer";
static const char SQL_NJOURNAL[] = "SELECT count(*) FROM journal";
static const char SQL_DUMP[] =
	"SELECT id, name, phone, email, address, notes FROM customer ORDER BY id";
static const char SQL_FTS_CHECK[] =
	"INSERT INTO customer_fts(customer_fts) VALUES ('integrity-check')";

/* Insert cs[0..n) in transactions of TXN_ROWS; with_ids: the generated id,
 * else the column default (what `outpost customer add` does). */
static int insert_customers(op_db *db, const struct cust *cs, int64_t n,
			    int with_ids, op_err *e)
{
	const char *sql = with_ids ? SQL_INS_ID : SQL_INS;

	for (int64_t i = 0; i < n; i += TXN_ROWS) {
		if (op_db_begin(db, STAFF) < 0)
			return db_fail(e, db, "insert");
		for (int64_t k = i; k < n && k < i + TXN_ROWS; k++) {
			const struct cust *c = &cs[k];
			sqlite3_stmt *st = op_db_stmt(db, sql);
			if (!st || (with_ids && op_bind_text(db, st, ":id", c->id) < 0) ||
			    op_bind_text(db, st, ":name", c->name) < 0 ||
			    op_bind_text(db, st, ":phone", c->phone) < 0 ||
			    op_bind_text(db, st, ":email", c->email) < 0 ||
			    op_bind_text(db, st, ":address", c->address) < 0 ||
			    op_db_run(db, st) < 0) {
				db_fail(e, db, "insert");
				op_db_rollback(db);
				return -1;
			}
		}
		if (op_db_commit(db) < 0)
			return db_fail(e, db, "insert");
	}
	return 0;
}

/* The ids of the first n customers in insertion order, as one malloc'd
 * array of 40-byte strings (caller frees), or NULL with e set. */
static char (*read_ids(op_db *db, int64_t n, op_err *e))[40]
{
	char (*ids)[40] = calloc((size_t)n, sizeof(*ids));
	sqlite3_stmt *st = op_db_stmt(db, SQL_IDS);
	int64_t k = 0;
	int rc;

	if (!ids) {
		op_errc(e, EX_OSERR, "out of memory");
		return NULL;
	}
	if (!st) {
		db_fail(e, db, "read ids");
		free(ids);
		return NULL;
	}
	while (k < n && (rc = op_db_step(db, st)) == SQLITE_ROW)
		snprintf(ids[k++], sizeof(ids[0]), "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (k < n) {
		op_errc(e, EX_SOFTWARE, "read ids: found %lld customers, expected %lld",
			(long long)k, (long long)n);
		free(ids);
		return NULL;
	}
	return ids;
}

/* One UPDATE by id per customer, in transactions of TXN_ROWS. */
static int update_customers(op_db *db, char (*ids)[40], const struct upd *us,
			    int64_t n, op_err *e)
{
	for (int64_t i = 0; i < n; i += TXN_ROWS) {
		if (op_db_begin(db, STAFF) < 0)
			return db_fail(e, db, "update");
		for (int64_t k = i; k < n && k < i + TXN_ROWS; k++) {
			sqlite3_stmt *st = op_db_stmt(db, SQL_UPD);
			if (!st || op_bind_text(db, st, ":email", us[k].email) < 0 ||
			    op_bind_text(db, st, ":notes", us[k].notes) < 0 ||
			    op_bind_text(db, st, ":id", ids[k]) < 0 ||
			    op_db_run(db, st) < 0) {
				db_fail(e, db, "update");
				op_db_rollback(db);
				return -1;
			}
			if (sqlite3_changes(op_db_handle(db)) != 1) {
				op_db_rollback(db);
				return op_errc(e, EX_SOFTWARE, "update: customer %s not found",
					       ids[k]);
			}
		}
		if (op_db_commit(db) < 0)
			return db_fail(e, db, "update");
	}
	return 0;
}

/* Generated customers [0, n) and their later edits. */
struct dataset {
	struct cust *c;
	struct upd *u;
	int64_t n;
};

static int dataset_make(struct dataset *d, int64_t n, op_err *e)
{
	d->n = n;
	d->c = calloc((size_t)n, sizeof(*d->c));
	d->u = calloc((size_t)n, sizeof(*d->u));
	if (!d->c || !d->u) {
		free(d->c);
		free(d->u);
		return op_errc(e, EX_OSERR, "out of memory for %lld customers", (long long)n);
	}
	for (int64_t i = 0; i < n; i++) {
		gen_customer(i, &d->c[i]);
		gen_update(i, &d->c[i], &d->u[i]);
	}
	return 0;
}

static void dataset_free(struct dataset *d)
{
	free(d->c);
	free(d->u);
}

/* FNV-1a over every customer's id, name, phone, email, address and notes
 * (created_at differs between replicas made at different times). */
static int content_hash(op_db *db, uint64_t *out, op_err *e)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_DUMP);
	uint64_t h = 1469598103934665603ull;
	int rc;

	if (!st)
		return db_fail(e, db, "content hash");
	while ((rc = op_db_step(db, st)) == SQLITE_ROW)
		for (int c = 0; c < 6; c++) {
			const unsigned char *p = sqlite3_column_text(st, c);
			int len = sqlite3_column_bytes(st, c);
			for (int k = 0; k < len; k++)
				h = (h ^ p[k]) * 1099511628211ull;
			h = (h ^ (p ? 0x1f : 0x1e)) * 1099511628211ull;
		}
	sqlite3_reset(st);
	if (rc < 0)
		return db_fail(e, db, "content hash");
	*out = h;
	return 0;
}

/* Fail unless sql counts exactly want. */
static int expect_count(op_db *db, const char *what, const char *sql,
			int64_t want, op_err *e)
{
	int64_t n = count_of(db, sql);
	if (n < 0)
		return db_fail(e, db, what);
	if (n != want)
		return op_errc(e, EX_SOFTWARE, "%s: %lld rows, expected %lld", what,
			       (long long)n, (long long)want);
	return 0;
}

/* --- journal --- */

/* Wall and CPU seconds of one store's insert [0] and update [1] phases. */
struct jtimes { double wall[2], cpu[2]; };

/* One run: both stores fresh, fed chunk by chunk in turn (the first to go
 * alternates per chunk and per run), so a machine that gets busier or
 * quieter mid-run weighs on both sides alike. */
static int journal_run(const char *dir, const struct dataset *d, int run,
		       struct jtimes t[2], op_err *e)
{
	static const char *const name[2] = { "journal", "nojournal" };
	op_db *db[2] = { NULL, NULL };
	char (*ids[2])[40] = { NULL, NULL };
	int rc = -1;

	memset(t, 0, 2 * sizeof(*t));
	for (int k = 0; k < 2; k++) {
		store_remove(dir, name[k]);
		if (store_open(&db[k], dir, name[k], OP_DB_CREATE | (k ? OP_DB_NOJOURNAL : 0),
			       "B1", 0, e) < 0)
			goto out;
	}
	for (int phase = 0; phase < 2; phase++) {
		for (int k = 0; phase == 1 && k < 2; k++)
			if (!(ids[k] = read_ids(db[k], d->n, e)))
				goto out;
		for (int64_t i = 0, c = 0; i < d->n; i += TXN_ROWS, c++) {
			int64_t m = d->n - i < TXN_ROWS ? d->n - i : TXN_ROWS;
			for (int j = 0; j < 2; j++) {
				int k = j ^ (int)((c + run) % 2);
				double w0 = now_s(), c0 = cpu_s();
				if (phase == 0 ? insert_customers(db[k], d->c + i, m, 0, e) < 0 :
				    update_customers(db[k], ids[k] + i, d->u + i, m, e) < 0)
					goto out;
				t[k].wall[phase] += now_s() - w0;
				t[k].cpu[phase] += cpu_s() - c0;
			}
		}
	}
	/* The figure is only worth something if the triggers really ran. */
	if (expect_count(db[0], "journaled store: customers", SQL_NCUST, d->n, e) < 0 ||
	    expect_count(db[1], "store without journal: customers", SQL_NCUST, d->n, e) < 0 ||
	    expect_count(db[0], "journaled store: journal", SQL_NJOURNAL, 2 * d->n, e) < 0 ||
	    expect_count(db[1], "store without journal: journal", SQL_NJOURNAL, 0, e) < 0)
		goto out;
	rc = 0;
out:
	for (int k = 0; k < 2; k++) {
		free(ids[k]);
		op_db_free(db[k]);
		store_remove(dir, name[k]);
	}
	return rc;
}

static int bench_journal(const char *dir, int64_t n, op_err *e)
{
	struct dataset d;
	/* [store][measure][run]: measure 0 insert, 1 update, 2 both */
	double w[2][3][RUNS], c[2][3][RUNS], mw[2][3], mc[2][3];

	if (dataset_make(&d, n, e) < 0)
		return -1;
	for (int run = 0; run < RUNS; run++) {
		struct jtimes t[2];
		if (journal_run(dir, &d, run, t, e) < 0) {
			dataset_free(&d);
			return -1;
		}
		for (int k = 0; k < 2; k++)
			for (int m = 0; m < 2; m++) {
				w[k][m][run] = t[k].wall[m];
				c[k][m][run] = t[k].cpu[m];
			}
		for (int k = 0; k < 2; k++) {
			w[k][2][run] = t[k].wall[0] + t[k].wall[1];
			c[k][2][run] = t[k].cpu[0] + t[k].cpu[1];
		}
		printf("journal: run %d: insert %.2f / %.2f s, update %.2f / %.2f s"
		       " (with / without journal)\n", run + 1, t[0].wall[0], t[1].wall[0],
		       t[0].wall[1], t[1].wall[1]);
		fflush(stdout);
	}
	dataset_free(&d);
	for (int k = 0; k < 2; k++)
		for (int m = 0; m < 3; m++) {
			mw[k][m] = median3(w[k][m]);
			mc[k][m] = median3(c[k][m]);
		}
	printf("journal: insert %lld customers: %.2f s with journal, %.2f s without (%.2fx)\n",
	       (long long)n, mw[0][0], mw[1][0], mw[0][0] / mw[1][0]);
	printf("journal: update %lld customers: %.2f s with journal, %.2f s without (%.2fx)\n",
	       (long long)n, mw[0][1], mw[1][1], mw[0][1] / mw[1][1]);
	printf("journal: insert+update overhead %.2fx (target <= 1.5x)\n",
	       mw[0][2] / mw[1][2]);
	printf("journal: in CPU time: insert %.2fx, update %.2fx, insert+update %.2fx\n",
	       mc[0][0] / mc[1][0], mc[0][1] / mc[1][1], mc[0][2] / mc[1][2]);
	printf("journal: verified %lld journal rows in the journaled store, 0 in the other\n",
	       (long long)(2 * n));
	return 0;
}

/* --- sync --- */

struct pump_stats {
	uint64_t batches, wire, raw_bytes, z_bytes;
	size_t max_raw;
};

/* Everything src has for dst, batch by batch, as outpostd does it without
 * the socket (daemon/net.c send_batch/on_batch, tests/unit pump()). */
static int pump(op_db *sdb, op_sync *src, op_db *ddb, op_sync *dst,
		struct pump_stats *ps, op_err *e)
{
	const char *to = op_db_site(ddb), *me = op_db_site(sdb), *why = NULL;
	op_buf raw, z, in;
	uint64_t recv, acked, from, upto, count;
	int perr, rc = -1;

	memset(ps, 0, sizeof(*ps));
	op_buf_init(&raw, 0);
	op_buf_init(&z, OP_WIRE_MAX_FRAME);
	op_buf_init(&in, 0);
	if (op_sync_peer_get(dst, me, &recv, &acked) < 0) {
		db_fail(e, ddb, "peer");
		goto out;
	}
	for (from = recv;; from = upto) {
		op_buf_reset(&raw);
		if (op_sync_build(src, to, op_db_schema_max(), from, &raw, &upto, &count) < 0) {
			db_fail(e, sdb, "build");
			goto out;
		}
		if (upto == from)
			break;
		if (upto < from) {
			op_errc(e, EX_SOFTWARE, "build went back from %llu to %llu",
				(unsigned long long)from, (unsigned long long)upto);
			goto out;
		}
		op_buf_reset(&z);
		if (op_deflate(&z, raw.p, raw.len, 6, &why) < 0) {
			op_errc(e, EX_SOFTWARE, "deflate: %s", why);
			goto out;
		}
		op_buf_reset(&in);
		if (op_inflate_capped(&in, z.p, z.len, OP_WIRE_MAX_RAW, &why) < 0 ||
		    in.len != raw.len) {
			op_errc(e, EX_SOFTWARE, "inflate: %s", why ? why : "size differs");
			goto out;
		}
		if (op_sync_apply(dst, me, in.p, in.len, count, upto, &perr) < 0) {
			db_fail(e, ddb, "apply");
			goto out;
		}
		if (op_sync_peer_acked(src, to, upto) < 0) {
			db_fail(e, sdb, "ack");
			goto out;
		}
		ps->batches++;
		ps->wire += count;
		ps->raw_bytes += raw.len;
		ps->z_bytes += z.len;
		if (raw.len > ps->max_raw)
			ps->max_raw = raw.len;
	}
	rc = 0;
out:
	op_buf_free(&raw);
	op_buf_free(&z);
	op_buf_free(&in);
	return rc;
}

struct changeset { void *p; int n; };

/* Insert d's customers, then update them, on db under sqlite3session: one
 * changeset per phase (one session for both would fold each update into
 * its insert, and apply half the changes). */
static int capture(op_db *db, const struct dataset *d, struct changeset *ins,
		   struct changeset *upd, op_err *e)
{
	sqlite3 *h = op_db_handle(db);
	sqlite3_session *ss = NULL;
	char (*ids)[40] = NULL;
	int rc = -1;

	for (int phase = 0; phase < 2; phase++) {
		struct changeset *cs = phase ? upd : ins;
		if (sqlite3session_create(h, "main", &ss) != SQLITE_OK ||
		    sqlite3session_attach(ss, "customer") != SQLITE_OK) {
			op_errc(e, EX_SOFTWARE, "session: %s", sqlite3_errmsg(h));
			goto out;
		}
		if (phase == 0 && insert_customers(db, d->c, d->n, 1, e) < 0)
			goto out;
		if (phase == 1 && (!(ids = read_ids(db, d->n, e)) ||
				   update_customers(db, ids, d->u, d->n, e) < 0))
			goto out;
		if (sqlite3session_changeset(ss, &cs->n, &cs->p) != SQLITE_OK) {
			op_errc(e, EX_SOFTWARE, "session changeset: %s", sqlite3_errmsg(h));
			goto out;
		}
		sqlite3session_delete(ss);
		ss = NULL;
	}
	rc = 0;
out:
	if (ss)
		sqlite3session_delete(ss);
	free(ids);
	return rc;
}

/* How many records of kind op (SQLITE_INSERT...) cs holds. */
static int64_t changeset_count(const struct changeset *cs, int op)
{
	sqlite3_changeset_iter *it = NULL;
	int64_t n = 0;
	if (sqlite3changeset_start(&it, cs->n, cs->p) != SQLITE_OK)
		return -1;
	while (sqlite3changeset_next(it) == SQLITE_ROW) {
		const char *tab;
		int ncol, kind, ind;
		if (sqlite3changeset_op(it, &tab, &ncol, &kind, &ind) == SQLITE_OK &&
		    kind == op)
			n++;
	}
	return sqlite3changeset_finalize(it) == SQLITE_OK ? n : -1;
}

static int on_conflict(void *arg, int why, sqlite3_changeset_iter *it)
{
	(*(int *)arg)++;
	return SQLITE_CHANGESET_ABORT;
}

/* Apply cs to db in one transaction: the timed part of the baseline. */
static int changeset_apply(op_db *db, const struct changeset *cs, op_err *e)
{
	int conflicts = 0;
	if (op_db_exec(db, "BEGIN IMMEDIATE") < 0)
		return db_fail(e, db, "changeset apply");
	if (sqlite3changeset_apply(op_db_handle(db), cs->n, cs->p, NULL, on_conflict,
				   &conflicts) != SQLITE_OK) {
		if (conflicts)
			op_errc(e, EX_SOFTWARE, "changeset apply: %d conflicts", conflicts);
		else
			db_fail(e, db, "changeset apply");
		op_db_rollback(db);
		return -1;
	}
	if (op_db_exec(db, "COMMIT") < 0) {
		db_fail(e, db, "changeset apply");
		op_db_rollback(db);
		return -1;
	}
	return 0;
}

static int bench_sync(const char *dir, int64_t n, op_err *e)
{
	struct dataset d = { 0 };
	struct changeset ci = { 0 }, cu = { 0 };
	struct pump_stats ps;
	op_db *br = NULL, *hq = NULL, *cap = NULL, *tgt = NULL;
	op_sync *sbr = NULL, *shq = NULL;
	char (*ids)[40] = NULL;
	uint64_t h_br, h_hq, h_tgt;
	int64_t stamped;
	int rc = -1;
	double t0, c0, x, y, y1, xc, yc;

	if (dataset_make(&d, n, e) < 0)
		return -1;
	/* The branch's 2n changes, stamped into versions (untimed). */
	if (store_open(&br, dir, "branch", OP_DB_CREATE, "B1", 0, e) < 0 ||
	    setup_pragmas(br, e) < 0 || op_sync_new(&sbr, br, NULL, e) < 0 ||
	    insert_customers(br, d.c, n, 1, e) < 0 || !(ids = read_ids(br, n, e)) ||
	    update_customers(br, ids, d.u, n, e) < 0)
		goto out;
	if ((stamped = op_sync_stamp(sbr, STAMP_CHUNK)) < 0) {
		db_fail(e, br, "stamp");
		goto out;
	}
	if (stamped != 2 * n) {
		op_errc(e, EX_SOFTWARE, "stamped %lld journal entries, expected %lld",
			(long long)stamped, (long long)(2 * n));
		goto out;
	}
	/* From here on, stores as outpostd opens them. */
	op_sync_free(sbr);
	op_db_free(br);
	sbr = NULL;
	if (store_open(&br, dir, "branch", OP_DB_DAEMON, NULL, 0, e) < 0 ||
	    op_sync_new(&sbr, br, NULL, e) < 0 ||
	    store_open(&hq, dir, "hq", OP_DB_CREATE | OP_DB_DAEMON, "HQ", 1, e) < 0 ||
	    op_sync_new(&shq, hq, NULL, e) < 0)
		goto out;

	t0 = now_s();
	c0 = cpu_s();
	if (pump(br, sbr, hq, shq, &ps, e) < 0)
		goto out;
	x = now_s() - t0;
	xc = cpu_s() - c0;

	if (expect_count(hq, "HQ customers", SQL_NCUST, n, e) < 0 ||
	    content_hash(br, &h_br, e) < 0 || content_hash(hq, &h_hq, e) < 0)
		goto out;
	if (h_br != h_hq) {
		op_errc(e, EX_SOFTWARE, "HQ's customers differ from the branch's");
		goto out;
	}
	if (op_db_exec(hq, SQL_FTS_CHECK) < 0) {
		db_fail(e, hq, "HQ full-text index");
		goto out;
	}

	/* Baseline: the same changes through the session extension. */
	if (store_open(&cap, dir, "capture", OP_DB_CREATE, "B1", 0, e) < 0 ||
	    setup_pragmas(cap, e) < 0 || capture(cap, &d, &ci, &cu, e) < 0)
		goto out;
	int64_t nci = changeset_count(&ci, SQLITE_INSERT),
		ncu = changeset_count(&cu, SQLITE_UPDATE);
	if (nci != n || ncu != n) {
		op_errc(e, EX_SOFTWARE, "changesets hold %lld inserts and %lld updates,"
			" expected %lld each", (long long)nci, (long long)ncu, (long long)n);
		goto out;
	}
	/* Foreign keys off as at HQ (OP_DB_DAEMON): the same rules for both. */
	if (store_open(&tgt, dir, "target", OP_DB_CREATE | OP_DB_DAEMON | OP_DB_NOJOURNAL,
		       "HQ", 1, e) < 0)
		goto out;
	t0 = now_s();
	c0 = cpu_s();
	if (changeset_apply(tgt, &ci, e) < 0)
		goto out;
	y1 = now_s() - t0;
	if (changeset_apply(tgt, &cu, e) < 0)
		goto out;
	y = now_s() - t0;
	yc = cpu_s() - c0;
	if (expect_count(tgt, "changeset target customers", SQL_NCUST, n, e) < 0 ||
	    content_hash(tgt, &h_tgt, e) < 0)
		goto out;
	if (h_tgt != h_br) {
		op_errc(e, EX_SOFTWARE, "the changeset target's customers differ from the branch's");
		goto out;
	}
	if (op_db_exec(tgt, SQL_FTS_CHECK) < 0) {
		db_fail(e, tgt, "changeset target full-text index");
		goto out;
	}

	printf("sync (in-process): %lld changes branch->HQ in %.2f s (%.0f changes/s), "
	       "sqlite3changeset_apply %.2f s: ratio Y/X = %.2f (target >= 0.5)\n",
	       (long long)(2 * n), x, (double)(2 * n) / x, y, y / x);
	printf("sync: compressed bytes per change: %.1f\n", (double)ps.z_bytes / (double)(2 * n));
	printf("sync: in CPU time: engine %.2f s, sqlite3changeset_apply %.2f s: ratio %.2f\n",
	       xc, yc, yc / xc);
	printf("sync: %llu batches, %llu values on the wire, %.1f MB raw -> %.1f MB deflated;"
	       " changesets %.1f MB (%lld inserts in %.2f s + %lld updates in %.2f s)\n",
	       (unsigned long long)ps.batches, (unsigned long long)ps.wire,
	       (double)ps.raw_bytes / 1e6, (double)ps.z_bytes / 1e6,
	       (double)(ci.n + cu.n) / 1e6, (long long)nci, y1, (long long)ncu, y - y1);
	printf("sync: verified HQ and the changeset target hold the branch's %lld customers"
	       " (content hash, FTS integrity)\n", (long long)n);
	rc = 0;
out:
	sqlite3_free(ci.p);
	sqlite3_free(cu.p);
	free(ids);
	op_sync_free(sbr);
	op_sync_free(shq);
	op_db_free(br);
	op_db_free(hq);
	op_db_free(cap);
	op_db_free(tgt);
	dataset_free(&d);
	store_remove(dir, "branch");
	store_remove(dir, "hq");
	store_remove(dir, "capture");
	store_remove(dir, "target");
	return rc;
}

/* --- catchup --- */

/* The branch's backlog: n inserts, stamped. Runs in a child so that its
 * memory is not counted in the parent's peak RSS. */
static int catchup_backlog(const char *dir, int64_t n, op_err *e)
{
	struct cust *chunk = calloc(TXN_ROWS, sizeof(*chunk));
	op_db *br = NULL;
	op_sync *s = NULL;
	int64_t stamped;
	int rc = -1;

	if (!chunk)
		return op_errc(e, EX_OSERR, "out of memory");
	if (store_open(&br, dir, "cu-branch", OP_DB_CREATE, "B1", 0, e) < 0 ||
	    setup_pragmas(br, e) < 0 || op_sync_new(&s, br, NULL, e) < 0)
		goto out;
	for (int64_t i = 0; i < n; i += TXN_ROWS) {
		int64_t m = n - i < TXN_ROWS ? n - i : TXN_ROWS;
		for (int64_t k = 0; k < m; k++)
			gen_customer(i + k, &chunk[k]);
		if (insert_customers(br, chunk, m, 1, e) < 0)
			goto out;
	}
	if ((stamped = op_sync_stamp(s, STAMP_CHUNK)) < 0) {
		db_fail(e, br, "stamp");
		goto out;
	}
	if (stamped != n) {
		op_errc(e, EX_SOFTWARE, "stamped %lld journal entries, expected %lld",
			(long long)stamped, (long long)n);
		goto out;
	}
	rc = 0;
out:
	op_sync_free(s);
	op_db_free(br);
	free(chunk);
	return rc;
}

static int bench_catchup(const char *dir, int64_t n, op_err *e)
{
	op_db *br = NULL, *hq = NULL;
	op_sync *sbr = NULL, *shq = NULL;
	struct pump_stats ps;
	int status, rc = -1;
	double t0, t1, rss0;
	pid_t pid;

	t0 = now_s();
	fflush(stdout);
	if ((pid = fork()) < 0)
		return op_errc(e, EX_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		op_err ce = { 0 };
		if (catchup_backlog(dir, n, &ce) < 0) {
			fprintf(stderr, "bench: catchup backlog: %s\n", ce.msg);
			_exit(ce.code ? ce.code : EX_SOFTWARE);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return op_errc(e, EX_OSERR, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		op_errc(e, EX_SOFTWARE, "making the backlog failed");
		goto out;
	}
	printf("catchup: backlog of %lld inserts made and stamped at the branch in %.1f s"
	       " (child process)\n", (long long)n, now_s() - t0);
	fflush(stdout);

	if (store_open(&br, dir, "cu-branch", OP_DB_DAEMON, NULL, 0, e) < 0 ||
	    op_sync_new(&sbr, br, NULL, e) < 0 ||
	    store_open(&hq, dir, "cu-hq", OP_DB_CREATE | OP_DB_DAEMON, "HQ", 1, e) < 0 ||
	    op_sync_new(&shq, hq, NULL, e) < 0)
		goto out;
	rss0 = maxrss_mib();
	t0 = now_s();
	if (pump(br, sbr, hq, shq, &ps, e) < 0)
		goto out;
	t1 = now_s();
	if (expect_count(hq, "HQ customers", SQL_NCUST, n, e) < 0)
		goto out;
	double rss = maxrss_mib();
	printf("catchup (in-process): %lld-change backlog applied at HQ in %.1f s (%.0f changes/s),"
	       " %llu batches of <= %.0f KiB raw\n", (long long)n, t1 - t0,
	       (double)n / (t1 - t0), (unsigned long long)ps.batches,
	       (double)ps.max_raw / 1024.0);
	printf("catchup (in-process): peak RSS %.1f MiB (%.1f MiB before the first batch; target <= 64 MiB)"
	       " — in-process build+apply; outpostd's path is the same engine\n", rss, rss0);
	rc = 0;
out:
	op_sync_free(sbr);
	op_sync_free(shq);
	op_db_free(br);
	op_db_free(hq);
	store_remove(dir, "cu-branch");
	store_remove(dir, "cu-hq");
	return rc;
}

/* --- gen: stores for tools/bench_e2e.sh --- */

#define GEN_CHUNK 10000

/* Write a changeset to path; -1 with e set. */
static int changeset_save(const struct changeset *cs, const char *path, op_err *e)
{
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(cs->p, 1, (size_t)cs->n, fp) != (size_t)cs->n) {
		if (fp)
			fclose(fp);
		return op_errc(e, EX_CANTCREAT, "cannot write '%s': %s", path, strerror(errno));
	}
	return fclose(fp) == 0 ? 0 : op_errc(e, EX_CANTCREAT, "cannot write '%s'", path);
}

/* Customers [first, first+n) into db as a clerk adds them (journaled, in
 * transactions of TXN_ROWS), then, with upd, one edit of each; each phase
 * under its own session when cs_prefix is set (PREFIX.ins, PREFIX.upd). */
static int gen_fill(op_db *db, int64_t first, int64_t n, int upd,
		    const char *cs_prefix, op_err *e)
{
	struct cust *cs = calloc(GEN_CHUNK, sizeof(*cs));
	struct upd *us = calloc(GEN_CHUNK, sizeof(*us));
	char (*ids)[40] = calloc(GEN_CHUNK, sizeof(*ids));
	sqlite3 *h = op_db_handle(db);
	int rc = -1;

	if (!cs || !us || !ids) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (int phase = 0; phase < 1 + !!upd; phase++) {
		sqlite3_session *ss = NULL;
		struct changeset c = { 0 };
		char path[512];
		if (cs_prefix && (sqlite3session_create(h, "main", &ss) != SQLITE_OK ||
				  sqlite3session_attach(ss, "customer") != SQLITE_OK)) {
			op_errc(e, EX_SOFTWARE, "session: %s", sqlite3_errmsg(h));
			goto out;
		}
		for (int64_t i = 0; i < n; i += GEN_CHUNK) {
			int64_t m = n - i < GEN_CHUNK ? n - i : GEN_CHUNK;
			for (int64_t k = 0; k < m; k++) {
				gen_customer(first + i + k, &cs[k]);
				gen_update(first + i + k, &cs[k], &us[k]);
				memcpy(ids[k], cs[k].id, sizeof(ids[k]));
			}
			if (phase == 0 ? insert_customers(db, cs, m, 1, e) < 0 :
			    update_customers(db, ids, us, m, e) < 0) {
				sqlite3session_delete(ss);
				goto out;
			}
		}
		if (!ss)
			continue;
		snprintf(path, sizeof(path), "%s.%s", cs_prefix, phase ? "upd" : "ins");
		int ok = sqlite3session_changeset(ss, &c.n, &c.p) == SQLITE_OK &&
			 changeset_save(&c, path, e) == 0;
		sqlite3_free(c.p);
		sqlite3session_delete(ss);
		if (!ok) {
			if (!e->msg[0])
				op_errc(e, EX_SOFTWARE, "session changeset: %s", sqlite3_errmsg(h));
			goto out;
		}
	}
	rc = 0;
out:
	free(cs);
	free(us);
	free(ids);
	return rc;
}

/* bench gen DB SITE FIRST N [hq] [upd] [cs=PREFIX]: a store at DB (created
 * if missing) for site SITE, with generated customers FIRST..FIRST+N-1
 * written through the journal; untimed preparation for bench_e2e.sh. */
static int gen_main(int argc, char **argv)
{
	op_err e = { 0 };
	op_db *db = NULL;
	int hq = 0, upd = 0;
	const char *cs_prefix = NULL;
	char *end1, *end2;

	if (argc < 6) {
		fprintf(stderr, "usage: bench gen DB SITE FIRST N [hq] [upd] [cs=PREFIX]\n");
		return EX_USAGE;
	}
	long long first = strtoll(argv[4], &end1, 10), n = strtoll(argv[5], &end2, 10);
	if (*end1 || *end2 || first < 0 || n < 0) {
		fprintf(stderr, "bench gen: FIRST and N must be numbers\n");
		return EX_USAGE;
	}
	for (int i = 6; i < argc; i++) {
		if (strcmp(argv[i], "hq") == 0)
			hq = 1;
		else if (strcmp(argv[i], "upd") == 0)
			upd = 1;
		else if (strncmp(argv[i], "cs=", 3) == 0)
			cs_prefix = argv[i] + 3;
		else {
			fprintf(stderr, "bench gen: unknown option '%s'\n", argv[i]);
			return EX_USAGE;
		}
	}
	if (op_db_open(&db, argv[2], OP_DB_CREATE, &e) < 0 ||
	    (!op_db_site(db) && op_db_init_site(db, argv[3], hq) < 0 &&
	     db_fail(&e, db, "cannot set the site")) ||
	    setup_pragmas(db, &e) < 0 || gen_fill(db, first, n, upd, cs_prefix, &e) < 0) {
		fprintf(stderr, "bench gen: %s\n", e.msg);
		op_db_free(db);
		return e.code ? e.code : EX_SOFTWARE;
	}
	op_db_free(db);
	return 0;
}

/* --- main --- */

static const struct {
	const char *name;
	int (*run)(const char *dir, int64_t n, op_err *e);
	int64_t n;
} CMDS[] = {
	{ "journal", bench_journal, 100000 },
	{ "sync", bench_sync, 100000 },
	{ "catchup", bench_catchup, 1000000 },
};

static int usage(void)
{
	fprintf(stderr, "usage: bench journal|sync|catchup [N]\n"
			"       bench gen DB SITE FIRST N [hq] [upd] [cs=PREFIX]\n");
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	op_err e = { 0 };
	int64_t n;
	size_t i;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "gen") == 0)
		return gen_main(argc, argv);
	if (argc < 2 || argc > 3)
		return usage();
	for (i = 0; i < N_OF(CMDS) && strcmp(argv[1], CMDS[i].name) != 0; i++)
		;
	if (i == N_OF(CMDS))
		return usage();
	n = CMDS[i].n;
	if (argc == 3) {
		char *end;
		errno = 0;
		long long v = strtoll(argv[2], &end, 10);
		if (errno || *end || v < 1 || v > 100000000) {
			fprintf(stderr, "bench: N must be a number from 1 to 100000000\n");
			return EX_USAGE;
		}
		n = v;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/outpost-bench-XXXXXX",
			     tmp && *tmp ? tmp : "/tmp") >= sizeof(dir) || !mkdtemp(dir)) {
		fprintf(stderr, "bench: cannot make a temporary directory: %s\n",
			strerror(errno));
		return EX_CANTCREAT;
	}
	rc = CMDS[i].run(dir, n, &e);
	rmdir(dir);
	if (rc < 0) {
		fprintf(stderr, "bench: %s: %s\n", CMDS[i].name, e.msg);
		return e.code ? e.code : EX_SOFTWARE;
	}
	return 0;
}
