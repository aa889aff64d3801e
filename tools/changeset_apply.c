/*
 * changeset_apply.c — the baseline of tools/bench_e2e.sh: how fast SQLite's
 * own session extension applies the same changes outpostd syncs.
 *
 *   changeset_apply [--bare] DB CHANGESET...
 *
 * Creates DB (it must not exist) as an HQ store without journal triggers
 * (OP_DB_NOJOURNAL): the same tables, indexes and search index (FTS5 and
 * its triggers) as a real store; with --bare every trigger is dropped
 * first, leaving the tables and indexes only. Then applies each CHANGESET
 * file (written by `bench gen ... cs=PREFIX`) with sqlite3changeset_apply,
 * one transaction each, stock settings, and prints one line:
 *
 *   changes N seconds S zlib6 BYTES
 *
 * where N counts the changeset's records (an insert or an update of one
 * row each), S the wall time of the applies alone, and BYTES the size of
 * the changesets compressed whole at zlib level 6 (the encoding the wire
 * is compared with). Exits non-zero on any conflict or error.
 */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "db.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The whole of path, malloc'd (caller frees), or NULL. */
static void *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	void *p = NULL;
	long len;
	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) > 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (p = malloc((size_t)len)) &&
	    fread(p, 1, (size_t)len, fp) != (size_t)len) {
		free(p);
		p = NULL;
	}
	if (p)
		*n = (size_t)len;
	fclose(fp);
	return p;
}

static int on_conflict(void *arg, int why, sqlite3_changeset_iter *it)
{
	(*(int *)arg)++;
	return SQLITE_CHANGESET_ABORT;
}

static int64_t records(const void *p, size_t n)
{
	sqlite3_changeset_iter *it = NULL;
	int64_t k = 0;
	if (sqlite3changeset_start(&it, (int)n, (void *)p) != SQLITE_OK)
		return -1;
	while (sqlite3changeset_next(it) == SQLITE_ROW)
		k++;
	return sqlite3changeset_finalize(it) == SQLITE_OK ? k : -1;
}

static const char SQL_TRIGGERS[] = "SELECT name FROM sqlite_master WHERE type = 'trigger'";

/* Drop every trigger of db: the bare schema. */
static int drop_triggers(op_db *db)
{
	sqlite3 *h = op_db_handle(db);
	sqlite3_stmt *st = NULL;
	char names[256][128];
	int n = 0;
	if (sqlite3_prepare_v2(h, SQL_TRIGGERS, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (n < 256 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(names[n++], sizeof(names[0]), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		char *sql = sqlite3_mprintf("DROP TRIGGER \"%w\"", names[i]);
		int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	op_err e = { 0 };
	op_db *db = NULL;
	int bare = 0, a = 1, rc = 1;
	int64_t changes = 0;
	uLong zbytes = 0;
	double secs = 0;

	if (argc > 1 && strcmp(argv[1], "--bare") == 0)
		bare = 1, a++;
	if (argc - a < 2) {
		fprintf(stderr, "usage: changeset_apply [--bare] DB CHANGESET...\n");
		return EX_USAGE;
	}
	if (access(argv[a], F_OK) == 0) {
		fprintf(stderr, "changeset_apply: '%s' exists\n", argv[a]);
		return EX_CANTCREAT;
	}
	if (op_db_open(&db, argv[a], OP_DB_CREATE | OP_DB_NOJOURNAL | OP_DB_DAEMON, &e) < 0 ||
	    op_db_init_site(db, "HQ", 1) < 0 || (bare && drop_triggers(db) < 0)) {
		fprintf(stderr, "changeset_apply: %s\n", e.msg[0] ? e.msg : op_db_err(db)->msg);
		goto out;
	}
	for (int i = a + 1; i < argc; i++) {
		size_t n = 0;
		void *p = slurp(argv[i], &n);
		int conflicts = 0;
		if (!p) {
			fprintf(stderr, "changeset_apply: cannot read '%s': %s\n", argv[i],
				strerror(errno));
			goto out;
		}
		uLongf zn = compressBound((uLong)n);
		void *z = malloc(zn);
		if (!z || compress2(z, &zn, p, (uLong)n, 6) != Z_OK) {
			fprintf(stderr, "changeset_apply: cannot compress '%s'\n", argv[i]);
			free(z);
			free(p);
			goto out;
		}
		free(z);
		zbytes += zn;
		changes += records(p, n);
		double t0 = now_s();
		int ok = op_db_exec(db, "BEGIN IMMEDIATE") == 0 &&
			 sqlite3changeset_apply(op_db_handle(db), (int)n, p, NULL, on_conflict,
						&conflicts) == SQLITE_OK &&
			 op_db_exec(db, "COMMIT") == 0;
		secs += now_s() - t0;
		free(p);
		if (!ok) {
			fprintf(stderr, "changeset_apply: '%s': %s (%d conflicts)\n", argv[i],
				sqlite3_errmsg(op_db_handle(db)), conflicts);
			goto out;
		}
	}
	printf("changes %lld seconds %.3f zlib6 %lu\n", (long long)changes, secs,
	       (unsigned long)zbytes);
	rc = 0;
out:
	op_db_free(db);
	return rc;
}
