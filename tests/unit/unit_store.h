/*
 * unit_store.h — a throw-away store for unit tests: a private directory
 * holding DIR/NAME.db, opened with OP_DB_CREATE as site SITE, and removed
 * with everything in it (WAL files, a history repository) afterwards.
 */
#ifndef OP_UNIT_STORE_H
#define OP_UNIT_STORE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "db.h"

/* dir (at least 64 bytes) gets the new directory, path the store's. */
static inline op_db *unit_store_open(char *dir, size_t dirsz, char *path, size_t pathsz,
				     const char *name, const char *site)
{
	op_err e = { 0 };
	op_db *db;
	snprintf(dir, dirsz, "/tmp/op-%s-XXXXXX", name);
	cr_assert(mkdtemp(dir));
	snprintf(path, pathsz, "%s/%s.db", dir, name);
	cr_assert_eq(op_db_open(&db, path, OP_DB_CREATE, &e), 0, "%s", e.msg);
	cr_assert_eq(op_db_init_site(db, site, 0), 0);
	return db;
}

static inline void unit_store_remove(op_db *db, const char *dir)
{
	char cmd[256];
	op_db_free(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("cleanup of %s failed", dir);
}

#endif
