/*
 * backup.h — snapshots of a store (docs/OPERATIONS.md, "Backups").
 *
 * A snapshot is a consistent copy of the store taken while staff keep
 * working (VACUUM INTO reads one snapshot of the WAL store; writers are not
 * blocked), checked with PRAGMA integrity_check before it counts, synced to
 * disk and renamed into place: a target directory holds only whole, verified
 * snapshots, named SITE-YYYYMMDDTHHMMSSZ.db. Each target keeps the newest
 * snapshot of each of the last `daily` days and of each of the last `weekly`
 * ISO weeks that have one (local time); older ones are removed.
 *
 * outpostd takes one when the newest snapshot in the first target is older
 * than --backup-every, whether or not HQ is reachable; `outpost backup` and
 * `outpostd --backup-now` (a systemd timer) take one on demand. Restoring one
 * (op_backup_restore) gives the store a fresh incarnation, so its next sync
 * re-baselines it (docs/SYNC.md, section 10): nothing already at HQ is lost.
 *
 * Tests only: OUTPOST_TEST_BACKUP_NOW (epoch seconds) sets the backup
 * clock's start and OUTPOST_TEST_BACKUP_SPEED (a factor) how fast it runs;
 * nothing else reads them.
 */
#ifndef OP_BACKUP_H
#define OP_BACKUP_H

#include <stdint.h>
#include <time.h>
#include "db.h"
#include "error.h"

#define OP_BACKUP_MAX_TARGETS 8

struct op_backup_cfg {
	const char *targets[OP_BACKUP_MAX_TARGETS];	/* directories */
	int ntargets;
	int daily, weekly;	/* retention; default 7 and 4 */
	int every_s;		/* outpostd: how often (default 86400) */
	/* the backup clock (op_backup_now) */
	time_t base, started;
	double speed;
};

/* Defaults, and the backup clock started now (or as the test variables
 * say). */
void op_backup_cfg_default(struct op_backup_cfg *cfg);

/* The backup clock's time: the wall clock, unless a test set it. */
time_t op_backup_now(const struct op_backup_cfg *cfg);

/* Write a verified snapshot of db to path (which must not exist): every
 * copy of a store that outpost writes goes through here. 0, or -1 with e
 * set and nothing left at path. */
int op_backup_snapshot(op_db *db, const char *path, op_err *e);

/* Check the store file at path: it opens, passes integrity_check and is an
 * Outpost store with a site. 0, or -1 with e set (EX_DATAERR). */
int op_backup_verify(const char *path, op_err *e);

struct op_backup_result {
	char name[64];		/* the snapshot's file name */
	int written;		/* targets that got it */
	int removed;		/* older snapshots removed by retention */
	int64_t bytes;
};

/* Take one snapshot into every target at time now, then apply retention
 * to each. A target that fails is reported in e (the others are still
 * written); returns 0 when every target got the snapshot, else -1. The
 * outcome is kept in meta (backup_last, backup_error) for sync status. */
int op_backup_run(op_db *db, const struct op_backup_cfg *cfg, time_t now,
		  struct op_backup_result *res, op_err *e);

/* Is a snapshot due: the newest in the first target older than every_s
 * at time now (or none)? */
int op_backup_due(const struct op_backup_cfg *cfg, const char *site, time_t now);

/* Remove the snapshots of site in dir that retention does not keep at time
 * now; returns how many were removed, or -1 with e set. */
int op_backup_prune(const char *dir, const char *site, int daily, int weekly, time_t now,
		    op_err *e);

/* The snapshots of site in dir, newest first, calling cb with each file
 * name and its time. Returns how many, or -1 with e set. */
int op_backup_list(const char *dir, const char *site,
		   void (*cb)(const char *name, time_t t, void *arg), void *arg, op_err *e);

/* Put the snapshot at from in place of the store at store_path: verified,
 * copied under a temporary name, given a fresh incarnation and renamed. An
 * existing store (with its -wal and -shm) is moved aside to
 * STORE.before-restore-TIME, never deleted; *aside says where (malloc'd,
 * NULL when there was none). 0, or -1 with e set. */
int op_backup_restore(const char *from, const char *store_path, char **aside, op_err *e);

#endif
