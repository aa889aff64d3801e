/*
 * history_fixture.h — the store and repository setup shared by the
 * history unit tests (test_history.c, test_history_faults.c): a private
 * directory DIR holding the store DIR/sh01.db of site SH01, with its
 * history at DIR/sh01.db.git (not created here), libgit2 started, and
 * everything removed afterwards.
 */
#ifndef OP_HISTORY_FIXTURE_H
#define OP_HISTORY_FIXTURE_H

#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include "db.h"

/* dir gets the new directory /tmp/op-NAME-XXXXXX, dbpath the store's and
 * repo the history repository's path. */
static inline op_db *history_fixture_open(const char *name, char *dir, size_t dirsz,
					  char *dbpath, size_t dbsz, char *repo, size_t reposz)
{
	op_err e = { 0 };
	op_db *db;
	snprintf(dir, dirsz, "/tmp/op-%s-XXXXXX", name);
	cr_assert(mkdtemp(dir));
	snprintf(dbpath, dbsz, "%s/sh01.db", dir);
	snprintf(repo, reposz, "%s/sh01.db.git", dir);
	cr_assert_eq(op_db_open(&db, dbpath, OP_DB_CREATE, &e), 0, "%s", e.msg);
	cr_assert_eq(op_db_init_site(db, "SH01", 0), 0);
	/* Every store starts with the seeded channel list (012): rows the
	 * tests did not write. They leave the store, unjournaled, so each
	 * test sees only its own records. */
	cr_assert_eq(sqlite3_exec(op_db_handle(db), "UPDATE op_ctx SET applying = 1;"
				  " DELETE FROM channel; UPDATE op_ctx SET applying = 0",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	git_libgit2_init();
	return db;
}

static inline void history_fixture_close(op_db *db, const char *dir)
{
	char cmd[256];
	op_db_free(db);
	git_libgit2_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		cr_log_warn("cleanup failed");
}

#endif
