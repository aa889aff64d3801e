/*
 * test_syncstat.c — the figures of `sync status` (schema/syncstat.h) that
 * the CLI prints and the web's 同步 page shows.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "syncstat.h"
#include "unit_store.h"

static void exec(op_db *db, const char *sql)
{
	cr_assert_eq(op_db_exec(db, sql), 0, "%s", op_db_err(db)->msg);
}

Test(syncstat, a_branch_never_in_contact)
{
	char dir[64], path[128];
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "syncstat", "SH01");
	struct op_sync_status *s;
	int64_t before;

	cr_assert_eq(op_sync_status_read(db, 0, &s), 0, "%s", op_db_err(db)->msg);
	before = s->unsent;
	op_sync_status_free(s);
	exec(db, "INSERT INTO customer(name) VALUES ('张三'), ('李四')");
	exec(db, "INSERT INTO conflict(tbl, gid, col, kept, lost, reason) VALUES (3, 'x', 1, 'a', 'b', 'r')");
	cr_assert_eq(op_sync_status_read(db, 0, &s), 0, "%s", op_db_err(db)->msg);
	cr_assert_not(s->hq);
	cr_assert_str_eq(s->site, "SH01");
	cr_assert_not(s->has_hq, "no HQ row yet");
	cr_assert_null(s->last_contact);
	cr_assert_eq(s->contact_age_s, -1);
	cr_assert_eq(s->unsent, before + 2, "two journaled inserts wait (got %lld)",
		     (long long)s->unsent);
	cr_assert_geq(s->lag_s, 0, "the oldest of them has an age");
	cr_assert_eq(s->open_conflicts, 1);
	cr_assert_eq(s->schema_version, op_db_schema_version(db));
	op_sync_status_free(s);

	exec(db, "INSERT INTO meta(key, value) VALUES ('sync_error', 'HQ did not answer')");
	cr_assert_eq(op_sync_status_read(db, 0, &s), 0);
	cr_assert_str_eq(s->last_error, "HQ did not answer", "a branch that never reached HQ says why");
	op_sync_status_free(s);
	op_sync_status_free(NULL);
	unit_store_remove(db, dir);
}

Test(syncstat, a_branch_with_its_hq_row)
{
	char dir[64], path[128];
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "syncstat", "SH01");
	struct op_sync_status *s;

	exec(db, "INSERT INTO peer(site, pubkey, last_contact, recv_ver, acked_ver, drift_ms)"
		 " VALUES ('HQ', 'k', datetime('now', '-90 seconds'), 7, 0, -12)");
	cr_assert_eq(op_sync_status_read(db, 0, &s), 0, "%s", op_db_err(db)->msg);
	cr_assert(s->has_hq);
	cr_assert_str_eq(s->hq_site, "HQ");
	cr_assert(s->has_recv_ver && s->recv_ver == 7);
	cr_assert(s->has_drift && s->drift_ms == -12);
	cr_assert_not(s->has_hq_schema, "HQ's schema is unknown until it says");
	cr_assert(s->contact_age_s >= 89 && s->contact_age_s <= 120, "age %lld",
		  (long long)s->contact_age_s);
	cr_assert_geq(s->unsent, 0);
	op_sync_status_free(s);
	unit_store_remove(db, dir);
}
