/*
 * faultsim.h — what the two halves of the fault harness share (private to
 * tools/faultsim.c and tools/faultsim_model.c, docs/FAULTS.md): the sites,
 * their sessions and queued messages, the reference model's rows and
 * entries, the simulation, the seeded randomness and the simulated clock.
 * faultsim.c drives the schedule, the transport and the faults;
 * faultsim_model.c keeps the model and compares every replica against it.
 */
#ifndef FAULTSIM_H
#define FAULTSIM_H

#include <stddef.h>
#include <stdint.h>
#include "db.h"
#include "sync.h"

#define MAXSITES 8

/* --- seeded randomness (faultsim_model.c) --- */

struct rng { uint64_t s; };

uint64_t rnd(struct rng *r);
uint64_t below(struct rng *r, uint64_t n);
int pct(struct rng *r, int p);

/* --- the simulated clock, seen by SQLite through a wrapping VFS --- */

extern int64_t g_clock_ms;	/* the clock of the site being driven */
extern struct rng g_sqlite_rng;	/* what SQLite's PRNG is seeded from */
void vfs_install(void);

/* --- sites, sessions, queued messages --- */

enum { M_BATCH, M_ACK };

struct msg {
	int kind;
	uint64_t seq, from, upto, count, raw_len;
	unsigned char *z;
	size_t zlen;
};

struct queue { struct msg *m; int n, cap; };

/* One direction of a session: the sending side's state (net.c's session). */
struct sender {
	uint64_t cursor, seq, idle_sent;
	int inflight;
};

struct site {
	int idx;
	char code[8];
	int hq;
	char path[320], bpath[320];
	op_db *db;
	op_sync *s;
	sqlite3 *raw;			/* a stock sqlite3 connection */
	struct op_sync_cfg cfg;
	int64_t skew;			/* its clock minus the simulation's */
	int64_t offset;			/* learnt at WELCOME */
	int schema;			/* schema version it speaks */
	struct sim *sim;
	/* branch: the session with HQ */
	int online, uploaded, peer_schema;
	struct sender up, down;		/* up: branch->HQ, down: HQ->branch */
	struct queue q_up, q_down;	/* messages in flight each way */
	/* backup */
	int have_backup;
	int64_t b_maxseq, b_stamped;
	int64_t stamped_seen;
};

/* --- the model --- */

enum { E_INS, E_COL, E_DEL, E_INC };

struct ent {
	int kind, col;			/* col: wire column number */
	char *val;			/* NULL: SQL NULL */
	int64_t delta;
	int site;
	int64_t jseq;			/* journal seq at its site */
	int detached;			/* its store went back: only its version remains */
	int held;			/* HQ had it when its store went back */
	uint64_t hlc;			/* once stamped: its version's hlc */
	int stamped, dominated, dead;
};

struct mrow {
	int tab;			/* index into mtabs */
	char gid[64];
	int creator;
	struct ent *e;
	int n, cap;
};

struct mtab {
	const char *name;
	int everywhere;			/* replicated to every branch */
	int ncols;
	const char *cols[4];
	int counter;			/* has points */
	int num, colnum[4];
};

enum { T_CUST, T_FUP, T_STAFF, NTABS };
extern struct mtab mtabs[NTABS];

struct stats {
	long writes, stock, drops, dups, reorders, crash_apply, crash_commit,
	     crash_stamp, restores, rebuilds, upgrades, offline, batches, skewed;
};

struct sim {
	uint64_t seed;
	unsigned faults;		/* F_* enabled */
	int nsites, steps, verbose;
	char dir[256];
	int64_t now;			/* HQ's (true) time, ms */
	struct rng r;
	struct site site[MAXSITES];
	struct mrow *rows;
	int nrows, caprows;
	long nval;
	struct stats st;
	char fail[1024];
};

static inline struct site *hq(struct sim *m) { return &m->site[0]; }

/* faultsim.c */
int failf(struct sim *m, const char *fmt, ...);

/* faultsim_model.c: the site being driven, SQL probes of a store */
struct site *on(struct site *x);
int64_t q_int(sqlite3 *db, const char *sql, const char *a, int64_t b);
int64_t journal_max(struct site *x);
int64_t stamped_seq(struct site *x);

/* faultsim_model.c: the model */
void *grow(void *p, int n, int *cap, size_t size);
struct mrow *row_find(struct sim *m, int tab, const char *gid);
struct mrow *row_add(struct sim *m, int tab, const char *gid, int creator);
struct ent *ent_add(struct mrow *r, int kind, int col, const char *val,
		    int64_t delta, int site, int64_t jseq);
void model_free(struct sim *m);
void absorb(struct site *x);
void model_restore(struct site *x, int64_t maxseq, int64_t stamped);
int check(struct sim *m);
/* faultsim.c, for faultsim_write.c */
void trace(struct sim *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
sqlite3 *stock(struct site *x);
/* faultsim_write.c: one random write at x, recorded in the model */
int write_random(struct sim *m, struct site *x);

#endif
