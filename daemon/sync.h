/*
 * sync.h — the sync engine: turning the local journal into versioned
 * changes, building outgoing batches, and merging incoming ones.
 *
 * It knows nothing of sockets: outpostd's network loop (net.c) calls it, and
 * so do the unit tests and benchmarks, with two stores side by side.
 *
 * Model (docs/SYNC.md): every value has a version (hybrid logical clock +
 * writer site) in the clock table, per row (col -2, when the row was
 * created), per column after a later write, and -1 for a tombstone. Every
 * clock or counter write gets the next local version number `ver`, which is
 * the cursor a peer resumes from. Merge is last-writer-wins per column on
 * (hlc, site); counter columns sum per-site contributions; tombstones win.
 */
#ifndef OP_SYNC_H
#define OP_SYNC_H

#include <stdint.h>
#include "db.h"
#include "wire.h"

typedef struct op_sync op_sync;

struct op_sync_cfg {
	int64_t max_ahead_ms;	/* a clock further ahead than this is clamped */
	size_t batch_bytes;	/* raw (inflated) size a batch aims at */
	int batch_changes;	/* and its change count cap */
	int64_t (*now_ms)(void *arg);	/* wall clock; NULL: real time */
	void *now_arg;
	void (*log)(void *arg, int level, const char *fmt, ...);
	void *log_arg;
};

/* Log levels passed to cfg->log. */
enum { OP_LOG_ERR = 3, OP_LOG_WARN = 4, OP_LOG_INFO = 6, OP_LOG_DEBUG = 7 };

void op_sync_cfg_default(struct op_sync_cfg *cfg);

/* Create an engine on an open store (borrowed; must outlive the engine) that
 * has a site. 0 or -1 with e set. */
int op_sync_new(op_sync **out, op_db *db, const struct op_sync_cfg *cfg,
		op_err *e);
void op_sync_free(op_sync *s);

/* Wall-clock offset to subtract from journal stamps, learnt at handshake:
 * local clock minus HQ clock. Used only when it exceeds max_ahead_ms. */
void op_sync_set_offset(op_sync *s, int64_t offset_ms);

/* Journal entries not yet stamped (cheap: compares two numbers). */
int64_t op_sync_pending(op_sync *s);

/* Stamp pending journal entries into versions, in its own short
 * transactions of at most `chunk` entries (0: all in the caller's open
 * transaction). Returns the number stamped, or -1 with the db error set. */
int64_t op_sync_stamp(op_sync *s, int chunk);

/* Highest local version. */
uint64_t op_sync_head(op_sync *s);

/* Build the next batch for peer `peer` (a site code) starting after version
 * `from`: changes whose table routes toward that peer (up when we are a
 * branch, down when we are HQ) and that the peer does not already have.
 * Appends the raw (uncompressed) change encoding to raw, sets *upto (the
 * last version covered; == from when there is nothing) and *count.
 * peer_schema limits columns to those the peer knows. 0 or -1. */
int op_sync_build(op_sync *s, const char *peer, int peer_schema, uint64_t from,
		  op_buf *raw, uint64_t *upto, uint64_t *count);

/* The stream the next op_sync_build continues: batches built one after
 * the other for the same peer since its cursor was `from`, the first of
 * them when this store's newest version was `head`. A column version no
 * newer than head, of a row whose creation marker is above from, already
 * went out inside that row's image (every column at its own version) and
 * is not sent again. head 0 (the default): no such stream, everything is
 * sent. The caller starts a new stream whenever the cursor is set back
 * (a resend, a new session). */
void op_sync_set_stream(op_sync *s, uint64_t from, uint64_t head);

/* Merge a raw batch of `count` changes received from peer. Every change
 * is decoded and checked first (identity, clock); then one transaction
 * stamps the local journal, applies, records peer.recv_ver = upto and
 * commits — in parts when a command waits for the write lock (merge.c,
 * make_room), the cursor with the last; applying the same batch again
 * changes nothing. Returns 0, or -1 with *perr an OP_PERR_* code for the
 * sender and the db error set (nothing applied when the batch was refused;
 * an error in the middle keeps the parts already committed, which the
 * batch sent again finds merged). */
int op_sync_apply(op_sync *s, const char *peer, const void *raw, size_t n,
		  uint64_t count, uint64_t upto, int *perr);

/* What trigger name does while a merge runs with triggers off (merge.c):
 * 0 when merge.c does not know it (a test fails on every such trigger). */
int op_sync_trigger_kind(const char *name);

/* A receiver's handling of a batch covering (from_ver, upto_ver]: a gap
 * or a duplicate applies nothing; otherwise the changes are merged and the
 * cursor recorded (op_sync_apply). *ack_upto is what to acknowledge.
 * Returns 1 when changes were merged, 0 when none, -1 with *perr. */
int op_sync_receive(op_sync *s, const char *peer, uint64_t from_ver,
		    uint64_t upto_ver, const void *raw, size_t n, uint64_t count,
		    uint64_t *ack_upto, int *perr);

/* Sessions (docs/SYNC.md, section 10). A branch's HELLO to HQ peer `hq`
 * (the peer row's site; "HQ" before the first WELCOME): site, schema, the
 * cursor, its newest version and its incarnation. Strings borrow s and
 * live until the next call. 0 or -1. */
int op_sync_hello_fill(op_sync *s, const char *hq, struct op_hello *h);
/* HQ's answer to a HELLO on a connection whose key belongs to key_site.
 * 0 with *w filled (site, schema, applied_batch, incarnation; w->rebase
 * when the branch went back in time and must re-baseline; wall_ms and
 * max_ahead_ms are the caller's), or -1 with *perr (OP_PERR_REFUSED when
 * the HELLO names another site or a retired incarnation, logged and
 * counted in peer.refused) and the db error set. */
int op_sync_hq_hello(op_sync *s, const char *key_site, const struct op_hello *h,
		     struct op_welcome *w, int *perr);
/* A branch acts on HQ's WELCOME: *cursor is where its sending resumes.
 * On a re-baseline it takes the new incarnation, numbers its versions past
 * HQ's cursor, asks for HQ's whole stream again and defers stamping until
 * it is in; *rehello is then set: send a fresh HELLO. 0 or -1. */
int op_sync_branch_welcome(op_sync *s, const char *hq, const struct op_welcome *w,
			   uint64_t *cursor, int *rehello);
/* Branch: a re-baseline is under way (stamping waits). */
int op_sync_rebasing(op_sync *s);
/* Branch: HQ said it has nothing more (an empty batch with no gap before
 * it; op_sync_receive calls this): ends a re-baseline. 0 or -1. */
int op_sync_caught_up(op_sync *s);

/* Statistics of the last apply (for logs and benchmarks). */
struct op_sync_stats {
	uint64_t applied, ignored, conflicts, clamped;
	uint64_t rooms;		/* times a waiting command was let in */
};
void op_sync_stats(op_sync *s, struct op_sync_stats *out);

/* Peer bookkeeping (peer table). */
int op_sync_peer_get(op_sync *s, const char *peer, uint64_t *recv_ver,
		     uint64_t *acked_ver);
int op_sync_peer_acked(op_sync *s, const char *peer, uint64_t acked_ver);
int op_sync_peer_contact(op_sync *s, const char *peer, int schema,
			 int64_t drift_ms, const char *error);

/* Drop what every peer has, once older than 90 days: journal entries and
 * tombstones whose versions every active peer acknowledged. Its own
 * transaction. Returns rows dropped or -1. */
int64_t op_sync_gc(op_sync *s);

/* Milliseconds since 1970 from cfg->now_ms or the real clock. */
int64_t op_sync_now(op_sync *s);

/* Milliseconds of the monotonic clock: for intervals, whatever the wall
 * clock does. */
int64_t op_mono_ms(void);

#endif
