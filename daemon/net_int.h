/*
 * net_int.h — what net.c (the network loop) shares with chores.c (what the
 * loop does besides messages: history commits and repacks, snapshots,
 * systemd health). Internal to the daemon.
 */
#ifndef OP_NET_INT_H
#define OP_NET_INT_H

#include <stdint.h>
#include <sys/types.h>
#include "daemon.h"
#include "db.h"
#include "sync.h"
#include "wire.h"

/* Wall-clock and monotonic time, ms. */
int64_t op_net_now_ms(void);
int64_t op_net_mono_ms(void);

/* --- shared state of a running daemon --- */

/* What a peer sent in one round (up to the empty batch that says it has
 * nothing more): logged as one line, not one per batch. */
struct round {
	uint64_t batches, changes, merged, unchanged, conflicts;
	int64_t started, ms, said;	/* mono ms: first batch, applying, last progress line */
};

struct session {
	unsigned char rid[256];	/* ROUTER identity (HQ) */
	size_t rid_len;
	char site[40];
	int ready;		/* HELLO accepted */
	int schema;
	uint64_t cursor;	/* next batch starts after this version */
	uint64_t idle_sent;	/* cursor at which "caught up" was last sent */
	uint64_t stream_from, stream_head;	/* op_sync_set_stream; head 0: none yet */
	uint64_t stream_next;	/* where the stream's next batch starts */
	int inflight;
	uint64_t seq;		/* last batch seq sent */
	int64_t last_seen;	/* mono ms */
	int64_t last_progress;	/* mono ms of the last catch-up log line */
	int64_t drift;		/* peer clock minus ours at the handshake, ms */
	int failed;		/* the last batch from this peer was refused */
	int uploaded;		/* HQ: the branch said it has nothing more to send */
	int stuck;		/* the cursor is past our data (reported once) */
	int64_t progress;	/* mono ms of the last sign of progress */
	struct round round;	/* what this peer sent since its last "caught up" */
};

struct dctx {
	const struct op_dcfg *cfg;
	op_db *db;
	op_sync *sync;
	void *zctx, *sock, *zap;
	op_buf raw, z, body;
	op_err err;
	struct session *sess;	/* HQ: array of MAX_SESSIONS; branch: one */
	int nsess;
	int applied;		/* HQ: changes merged since the last classify */
	int64_t batch_at;	/* mono ms the last batch came in */
	int hist_dirty;		/* batches received since the last history commit */
	char hist_site[40];	/* the peer of the last of those batches */
	int64_t hist_at;	/* mono ms of the last history commit */
	struct op_histwork *hw;	/* the history worker, or NULL (commits here) */
	pid_t repack_pid;	/* the child merging the history's packs, or 0 */
	int64_t repack_at;	/* mono ms it was last started */
	int64_t wal_at;		/* mono ms of the last look at the write-ahead log */
	int64_t backup_checked;	/* mono ms of the last look at the snapshots */
	int64_t status_at, watchdog_at;	/* mono ms of the last STATUS=, WATCHDOG=1 */
};

/* Commit what the batches since the last commit brought to the history;
 * failing never stops sync. */
void op_net_history_flush(struct dctx *d);
/* Commit when due: now (now), or once a second has passed since the last. */
void op_net_history_due(struct dctx *d, int now);
/* Every minute, while nothing waits to be committed, merge the history's
 * small packs in a child process; wait: reap it (at exit). */
void op_net_history_repack(struct dctx *d, int wait);
/* The loop stamped n local writes (op_sync_stamp's result). */
void op_net_history_stamped(struct dctx *d, int64_t n);
/* At exit: the worker stopped, the last commit, the pack merge reaped. */
void op_net_history_end(struct dctx *d);
/* The history worker started, and a store's first history commit, for
 * data from before its history. */
void op_net_history_baseline(struct dctx *d);
/* Snapshots on schedule and systemd's watchdog and status line. */
void op_net_chores(struct dctx *d);

#endif
