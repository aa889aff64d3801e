/*
 * bench_history.c — what the history repository (daemon/history.c) costs
 * on a big store: committing a round of changes into a history that
 * already holds a million records, and the repository's size.
 *
 *   bench_history [N [M]]     N records (1,000,000), M changed (10,000)
 *
 * 1. A store (OP_DB_NOJOURNAL while filling, synchronous=OFF) gets N
 *    customers in one INSERT ... SELECT from a recursive CTE: name, phone,
 *    email, address, budget, tags, notes, created_at, and ids shaped like
 *    UUIDv7 whose last 16 bits are a multiplicative hash of the row number,
 *    so records spread over the 65,536 shard directories as random UUIDv7
 *    tails do. These rows have no clock or journal entries, as in a store
 *    filled before its history began: the first op_history_commit (no
 *    parent yet) writes every row. Timed and reported, not a target.
 * 2. The store is reopened with its journal triggers; M customers spread
 *    over the table (every N/M-th rowid) get a new email and notes in one
 *    op_db_begin("bench") transaction, and the journal is stamped into
 *    versions (op_sync_stamp) as outpostd does: M clock rows per column.
 *    Untimed.
 * 3. Timed (CLOCK_MONOTONIC): op_history_commit of those M records — read
 *    the changed set, write M blobs and the ~M leaf trees above them plus
 *    the 256 shard directories, the commit, one pack. Target <= 2 s.
 * 4. Timed: one more round with a single changed record (what a quiet
 *    branch's sync round costs HQ).
 * 5. Size: the repository directory as written — no `git gc`: the commits
 *    above write packs (libgit2 packbuilder, with deltas), small rounds
 *    would write loose objects — in MiB of disk blocks (du), scaled to a
 *    million records, with the loose object and pack counts.
 *
 * Checks: the commits report N, M and 1 records and the changed record's
 * file reads back with its new email; otherwise exit 1. The store and
 * repository are removed at the end, unless OUTPOST_BENCH_KEEP is set (the
 * directory is then printed, e.g. to compare with `git gc`).
 */
#include <dirent.h>
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "history.h"
#include "sync.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_history: %s: %s\n", what, msg);
	return 1;
}

static int exec(op_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(op_db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_history: %s\n", msg ? msg : "sql error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Disk blocks under path (du), loose objects and packs. */
static void usage_of(const char *path, uint64_t *bytes, uint64_t *loose, uint64_t *packs,
		     int depth)
{
	DIR *d = opendir(path);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[4096];
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (lstat(p, &st) != 0)
			continue;
		*bytes += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode)) {
			usage_of(p, bytes, loose, packs, depth + 1);
		} else if (strstr(path, "/objects/pack") && strstr(de->d_name, ".pack")) {
			(*packs)++;
		} else if (depth == 2 && strlen(de->d_name) == 38 && strstr(path, "/objects/")) {
			(*loose)++;
		}
	}
	closedir(d);
}

static void rm_rf(const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_history: cannot remove %s\n", path);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long m = argc > 2 ? strtol(argv[2], NULL, 10) : 10000;
	const char *tmp = getenv("TMPDIR");
	char dir[1024], db_path[1100], repo[1100], sql[2048];
	struct op_history_result res;
	op_err e = { 0 };
	op_db *db = NULL;
	op_sync *s = NULL;
	int rc = 1;

	if (n < 1 || m < 1 || m > n)
		return die("usage", "bench_history [N [M]] with 1 <= M <= N");
	snprintf(dir, sizeof(dir), "%s/bench-history-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return die("mkdtemp", dir);
	snprintf(db_path, sizeof(db_path), "%s/hq.db", dir);
	snprintf(repo, sizeof(repo), "%s/hq.db.git", dir);

	/* 1. N customers, no journal, then the first (full) history commit. */
	if (op_db_open(&db, db_path, OP_DB_CREATE | OP_DB_NOJOURNAL, &e) < 0 ||
	    op_db_init_site(db, "HQ", 1) < 0) {
		die("store", e.msg[0] ? e.msg : op_db_err(db)->msg);
		goto out;
	}
	snprintf(sql, sizeof(sql),
		 "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; BEGIN;"
		 "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %ld)"
		 " INSERT INTO customer(id, name, phone, email, address, budget, tags, notes,"
		 " home_branch, created_at)"
		 " SELECT printf('0190%%04x-%%04x-7%%03x-8%%03x-%%012x', i / 65536 %% 65536, i %% 65536,"
		 "   i %% 4096, (i * 7) %% 4096, (i * 2654435761) %% 281474976710656),"
		 "  '客户 ' || i, printf('+86138%%08d', i), 'c' || i || '@example.cn',"
		 "  '上海市 徐汇区 路 ' || i || ' 号', (i %% 100) * 100000, 'vip,linen',"
		 "  'prefers linen curtains; call after 6pm', 'SH0' || (i %% 9 + 1),"
		 "  '2025-01-01 10:00:00' FROM k; COMMIT;", n);
	double t0 = now_s();
	if (exec(db, sql) < 0)
		goto out;
	double t_fill = now_s() - t0;
	t0 = now_s();
	if (op_history_commit_ex(db, repo, "HQ", 0, &res, &e) < 0) {
		die("initial history commit", e.msg);
		goto out;
	}
	double t_full = now_s() - t0;
	if (res.records != (uint64_t)n) {
		fprintf(stderr, "bench_history: the first commit wrote %llu records, not %ld\n",
			(unsigned long long)res.records, n);
		goto out;
	}
	printf("history: store of %ld customers filled in %.1f s; first commit (every record) "
	       "%.1f s\n", n, t_fill, t_full);
	op_db_free(db);
	db = NULL;

	/* 2. M changes, journaled and stamped like outpostd's. */
	if (op_db_open(&db, db_path, 0, &e) < 0 || op_sync_new(&s, db, NULL, &e) < 0) {
		die("store", e.msg);
		goto out;
	}
	exec(db, "PRAGMA synchronous = OFF");
	snprintf(sql, sizeof(sql), "UPDATE customer SET email = 'new.' || email,"
		 " notes = 'changed by the bench' WHERE rowid %% %ld = 0", n / m);
	if (op_db_begin(db, "bench") < 0 || exec(db, sql) < 0 || op_db_commit(db) < 0 ||
	    op_sync_stamp(s, 5000) < 0) {
		die("changes", op_db_err(db)->msg);
		goto out;
	}
	long changed = n / (n / m);

	/* 3. The measurement. */
	t0 = now_s();
	if (op_history_commit_ex(db, repo, "SH01", 0, &res, &e) < 0) {
		die("history commit", e.msg);
		goto out;
	}
	double t_commit = now_s() - t0;
	if (res.records != (uint64_t)changed) {
		fprintf(stderr, "bench_history: the commit wrote %llu records, not %ld\n",
			(unsigned long long)res.records, changed);
		goto out;
	}
	printf("history: commit %ld changed records into %ld: %.2f s (target <= 2 s)%s\n",
	       changed, n, t_commit, t_commit <= 2.0 ? "" : "  ** over target **");

	/* 4. A one-record round. */
	if (op_db_begin(db, "bench") < 0 ||
	    exec(db, "UPDATE customer SET title = 'buyer' WHERE rowid = 1") < 0 ||
	    op_db_commit(db) < 0 || op_sync_stamp(s, 5000) < 0) {
		die("change", op_db_err(db)->msg);
		goto out;
	}
	t0 = now_s();
	if (op_history_commit_ex(db, repo, "SH01", 0, &res, &e) < 0 || res.records != 1) {
		die("one-record commit", e.msg[0] ? e.msg : "wrong record count");
		goto out;
	}
	printf("history: commit 1 changed record into %ld: %.1f ms\n", n, (now_s() - t0) * 1000);

	/* The changed record reads back. */
	op_history *h = NULL;
	int found = 0;
	if (op_history_open(&h, repo, &e) == 0) {
		git_repository *g = NULL;
		git_object *o = NULL;
		char spec[256];
		snprintf(spec, sizeof(spec), "main:customer/%02x/%02x/0190%04x-%04x-7%03x-8%03x-%012llx",
			 (unsigned)(((uint64_t)(n / m) * 2654435761u) >> 8 & 0xff),
			 (unsigned)(((uint64_t)(n / m) * 2654435761u) & 0xff),
			 (unsigned)((n / m) / 65536 % 65536), (unsigned)((n / m) % 65536),
			 (unsigned)((n / m) % 4096), (unsigned)((n / m) * 7 % 4096),
			 (unsigned long long)(((uint64_t)(n / m) * 2654435761u) % 281474976710656ull));
		if (git_repository_open_bare(&g, repo) == 0 && git_revparse_single(&o, g, spec) == 0 &&
		    git_object_type(o) == GIT_OBJECT_BLOB)
			found = strstr(git_blob_rawcontent((git_blob *)o), "email: new.c") != NULL;
		git_object_free(o);
		git_repository_free(g);
		op_history_free(h);
	}
	if (!found) {
		fprintf(stderr, "bench_history: the changed record does not read back\n");
		goto out;
	}

	/* 5. Size as written. */
	uint64_t bytes = 0, loose = 0, packs = 0;
	usage_of(repo, &bytes, &loose, &packs, 0);
	printf("history: repository size per million records: %.0f MiB (%.1f MiB for %ld records "
	       "and 3 commits, as written: no git gc; %llu packs, %llu loose objects)\n",
	       (double)bytes / 1048576.0 * 1e6 / (double)n, (double)bytes / 1048576.0, n,
	       (unsigned long long)packs, (unsigned long long)loose);
	rc = 0;
out:
	op_sync_free(s);
	op_db_free(db);
	if (getenv("OUTPOST_BENCH_KEEP"))
		printf("history: kept %s\n", dir);
	else
		rm_rf(dir);
	return rc;
}
