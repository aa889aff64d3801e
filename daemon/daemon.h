/*
 * daemon.h — outpostd's two roles over ZeroMQ (net.c): HQ binds a ROUTER
 * with CURVE and a ZAP handler that admits only enrolled branch keys;
 * a branch connects a DEALER to it. Both sides run the session described in
 * docs/PROTOCOL.md on top of the sync engine (sync.h).
 */
#ifndef OP_DAEMON_H
#define OP_DAEMON_H

#include <signal.h>
#include <stdint.h>
#include "backup.h"
#include "error.h"

struct op_dcfg {
	int hq;			/* role: 1 HQ, 0 branch */
	const char *db;		/* store path */
	const char *endpoint;	/* HQ: listen; branch: connect */
	const char *key_file;	/* this site's secret key (Z85); default DB.key */
	const char *hq_key;	/* branch: HQ's public key; default meta hq_pubkey */
	int once;		/* branch: exit once both directions are drained */
	int timeout_s;		/* branch --once: give up after this long */
	int heartbeat_s;	/* PING interval; a peer silent 3x this is dead */
	int64_t max_ahead_ms;	/* HLC bound */
	int log_level;		/* OP_LOG_* threshold */
	int window;		/* unacknowledged batches in flight */
	size_t batch_bytes;	/* raw size a batch aims at */
	const char *history;	/* history repository (history.h); NULL: DB.git */
	int no_history;		/* --no-history: keep none */
	int classify_s;		/* HQ: reclassify customers after sync, at most this often */
	void (*ready)(void);	/* called once the socket is up (sd_notify) */
	struct op_backup_cfg backup;	/* --backup DIR...: snapshots on schedule */
	int backup_now;		/* --backup-now: one snapshot, then exit */
};

void op_dcfg_default(struct op_dcfg *cfg);

/* Run until *stop is set (signal) or, with once, until drained. Returns an
 * exit code: 0, EX_UNAVAILABLE when HQ could not be reached in time,
 * EX_CONFIG for bad keys or settings, EX_SOFTWARE otherwise. */
int op_daemon_run(const struct op_dcfg *cfg, volatile sig_atomic_t *stop);

/* Merge the packs of the history at path into one (history.h), logging
 * what was done; the exit code of the process that does it. The daemon
 * runs it in a process of its own, the same binary started with
 * OP_REPACK_OPTION and path (chores.c). */
#define OP_REPACK_OPTION "--repack-history"
int op_daemon_repack(const char *path);

/* Logging (log.c): to the journal with the level and BRANCH= field when
 * stderr is journald's, with ISO timestamps to a file, plainly to a
 * terminal. */
void op_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void op_log_set_level(int level);
/* The peer the following lines are about (BRANCH=); NULL: none. */
void op_log_peer(const char *site);

#endif
