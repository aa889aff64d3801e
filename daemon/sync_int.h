/*
 * sync_int.h — what sync.c (stamp, build, apply, peers) and session.c (the
 * HELLO / WELCOME handshake) share. Not for other modules: they use sync.h.
 */
#ifndef OP_SYNC_INT_H
#define OP_SYNC_INT_H

#include "sync.h"
#include "tables.h"

#define COL_ROW (-2)		/* clock entry for the whole row (creation) */

#define MAXT 64

struct tstmt {
	sqlite3_stmt *sel;	/* SELECT every column WHERE id = ?1 */
	sqlite3_stmt *ins;	/* INSERT every column */
	sqlite3_stmt *del;	/* DELETE WHERE id = ?1 */
	sqlite3_stmt *sum;	/* UPDATE counter column = sum of contributions,
				 * plus local deltas not stamped yet (re-baselining) */
	sqlite3_stmt *upd[64];	/* UPDATE one column WHERE id = ?2 */
};

struct op_sync {
	op_db *db;
	struct op_sync_cfg cfg;
	const char *site;
	int hq;
	int64_t offset;
	uint64_t ver;		/* last version handed out (valid inside txn) */
	uint64_t hlc;		/* last HLC (valid inside txn) */
	struct tstmt t[MAXT];
	struct op_sync_stats st;
	char inc[OP_WIRE_MAX_INC + 1];	/* incarnation sent in HELLO / WELCOME */
	char why[300];			/* reason of the last refusal */
	int rebasing;			/* during an apply: journal left unstamped */
	int quiet;			/* during an apply: triggers off (merge.c) */
	long long room_seen;		/* the waiting note room was last made for */
	int64_t room_at;		/* monotonic ms room was last made */
	/* After a re-baseline, journal entries to recheck_seq may have been
	 * sent by the copy of this store a backup replaced; versions past
	 * recheck_from to recheck_ver are what HQ gave back (meta, loaded per
	 * stamping pass) */
	int64_t recheck_seq;
	uint64_t recheck_from, recheck_ver;
	uint64_t img_from, img_head;	/* the stream being built (op_sync_set_stream) */
};

/* Log through cfg.log, if any, at the given OP_LOG_* level. */
void op_sync_logf(op_sync *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One integer of peer's row from a "SELECT x FROM peer WHERE site = :p";
 * 0 when there is no row. */
int op_sync_peer_int(op_sync *s, const char *sql, const char *peer, uint64_t *v);


/* counter.jts exists (migration 023): a store of an older schema (a
 * build capped by OUTPOST_TEST_SCHEMA_CAP) has no such column. */
#define OP_SCHEMA_COUNTER_JTS 23
#define HAS_JTS() (op_db_schema_max() >= OP_SCHEMA_COUNTER_JTS)

/* Shared by sync.c, merge.c and session.c. */
struct ver { uint64_t hlc; char site[40]; uint64_t ver; int found; };
sqlite3_stmt * op_sync_upd_stmt(op_sync *s, const struct op_table *t, int c);
void op_sync_state_load(op_sync *s);
int op_sync_state_save(op_sync *s);
int op_sync_hlc_recv(op_sync *s, uint64_t h);
int op_sync_clock_get(op_sync *s, int t, const char *gid, size_t gl, int col,
		     struct ver *v);
int op_sync_col_version(op_sync *s, int t, const char *gid, size_t gl, int col,
		       struct ver *v);
int op_sync_clock_put(op_sync *s, int t, const char *gid, size_t gl, int col,
		     uint64_t hlc, const char *site, size_t sl, uint64_t prev,
		     const char *staff, size_t stl);
int op_sync_drop_row_state(op_sync *s, int t, const char *gid, size_t gl);
int64_t op_sync_stamp_in_txn(op_sync *s, int64_t n);
/* A journal time (this store's clock) in HQ's time: translated when this
 * clock is off by more than max_ahead_ms, as stamping does. */
int64_t op_sync_hq_time(op_sync *s, int64_t ts);
/* The time stamping gives a journal entry of time ts: in HQ's time, and
 * this clock's time (in HQ's time too) when ts is further ahead of it
 * than max_ahead_ms. */
int64_t op_sync_journal_time(op_sync *s, int64_t ts);
/* Is the version v (found) one HQ gave back during the re-baseline (not
 * one this store held when it learnt it was restored: its writes since
 * had seen those), at least as new as a journal entry of time ts (HQ
 * time)? Then the old copy of this store sent the entry, or it was
 * overwritten since. */
int op_sync_superseded(op_sync *s, const struct ver *v, int64_t ts);

#endif
