/*
 * sync_int.h — what sync.c (stamp, build, apply, peers) and session.c (the
 * HELLO / WELCOME handshake) share. Not for other modules: they use sync.h.
 */
#ifndef OP_SYNC_INT_H
#define OP_SYNC_INT_H

#include "sync.h"

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
};

/* Log through cfg.log, if any, at the given OP_LOG_* level. */
void op_sync_logf(op_sync *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One integer of peer's row from a "SELECT x FROM peer WHERE site = :p";
 * 0 when there is no row. */
int op_sync_peer_int(op_sync *s, const char *sql, const char *peer, uint64_t *v);

#endif
