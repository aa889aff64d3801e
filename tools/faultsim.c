/*
 * faultsim.c — a seeded, model-based fault harness for the sync engine, in
 * the spirit of Jepsen and of Automerge's convergence fuzzing (docs/FAULTS.md).
 *
 * One process drives HQ and several branches: real store files in a temp
 * dir and the real engine (sync.c), with the network replaced by in-process
 * queues of encoded, compressed batches. A seed decides a schedule of writes
 * (through the store's connection and through a stock sqlite3 connection),
 * offline periods, delivery faults (drop, duplicate, reorder), daemons
 * killed with SIGKILL in the middle of a merge or between its commit and its
 * ACK, clock skew, backups put back, branches rebuilt empty, and sites
 * upgrading their schema. Beside it runs a reference model of what every
 * replica must hold: per column the write with the greatest (hlc, site),
 * points the sum of every increment, deleted rows gone, a branch's own
 * follow-ups at HQ and at that branch. After a final fault-free sync every
 * replica's canonical dump must equal the model's.
 *
 * Time is the simulation's: a VFS wrapping the default one answers SQLite's
 * 'now' (the journal triggers' timestamps) and its randomness (UUIDv7 ids)
 * from the seed, and each engine's cfg.now_ms hook reads the same clock plus
 * that site's skew, so a seed replays exactly.
 *
 * This file is the driver: the schedule generator, the transport (queues,
 * sessions, delivery faults), the faults on stores and main. The reference
 * model, the canonical dumps and their comparison, the seeded randomness
 * and the simulated clock are in faultsim_model.c (faultsim.h).
 *
 *   faultsim [--seed N | --seeds A-B] [--branches N] [--steps N]
 *            [--without drop,dup,reorder,crash,restore,rebuild,skew,upgrade,offline] [-v]
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "db.h"
#include "faultsim.h"
#include "sync.h"
#include "tables.h"
#include "wire.h"

#define BASE_MS 1767225600000LL		/* 2026-01-01 */
#define WINDOW 4			/* batches in flight per session */
#define MAX_AHEAD_MS 300000LL

/* Fault kinds, each of which --without can turn off. */
static const char *const fault_names[] = {
	"drop", "dup", "reorder", "crash", "restore", "rebuild", "skew", "upgrade",
	"offline", NULL
};
enum { F_DROP = 1, F_DUP = 2, F_REORDER = 4, F_CRASH = 8, F_RESTORE = 16,
       F_REBUILD = 32, F_SKEW = 64, F_UPGRADE = 128, F_OFFLINE = 256 };

void trace(struct sim *m, const char *fmt, ...)
{
	va_list ap;
	if (!m->verbose)
		return;
	printf("[%6.1fs] ", (double)(m->now - BASE_MS) / 1000.0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int failf(struct sim *m, const char *fmt, ...)
{
	va_list ap;
	if (m->fail[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(m->fail, sizeof(m->fail), fmt, ap);
	va_end(ap);
	return -1;
}

/* The engine's log lines, shown in the schedule with -v. */
static void engine_log(void *arg, int level, const char *fmt, ...)
{
	struct site *x = arg;
	va_list ap;
	if (!x->sim->verbose || level > OP_LOG_INFO)
		return;
	printf("           %s engine: ", x->code);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int64_t site_now(void *arg)
{
	struct site *x = arg;
	return x->sim->now + x->skew;
}

/* --- opening and closing a site's store --- */

static int site_open(struct site *x, int create)
{
	op_err e = { 0 };
	on(x);
	if (op_db_open(&x->db, x->path, OP_DB_DAEMON | (create ? OP_DB_CREATE : 0), &e) < 0)
		return failf(x->sim, "%s: open: %s", x->code, e.msg);
	/* Durability against the OS is not what is tested: a killed process
	 * leaves its writes in the page cache either way. */
	sqlite3_exec(op_db_handle(x->db), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	if (create && op_db_init_site(x->db, x->code, x->hq) < 0)
		return failf(x->sim, "%s: init: %s", x->code, op_db_err(x->db)->msg);
	if (op_sync_new(&x->s, x->db, &x->cfg, &e) < 0)
		return failf(x->sim, "%s: engine: %s", x->code, e.msg);
	op_sync_set_offset(x->s, x->offset);
	return 0;
}

static void site_close(struct site *x)
{
	op_sync_free(x->s);
	op_db_free(x->db);
	if (x->raw)
		sqlite3_close(x->raw);
	x->s = NULL;
	x->db = NULL;
	x->raw = NULL;
}

sqlite3 *stock(struct site *x)
{
	if (!x->raw && sqlite3_open_v2(x->path, &x->raw, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(x->raw, 5000);
		sqlite3_exec(x->raw, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	}
	return x->raw;
}

/* --- the network: queues of encoded batches and ACKs --- */

static void q_clear(struct queue *q)
{
	for (int i = 0; i < q->n; i++)
		free(q->m[i].z);
	q->n = 0;
}

static void q_push(struct queue *q, const struct msg *msg)
{
	q->m = grow(q->m, q->n, &q->cap, sizeof(*q->m));
	q->m[q->n++] = *msg;
}

static struct msg q_take(struct queue *q, int i)
{
	struct msg out = q->m[i];
	memmove(&q->m[i], &q->m[i + 1], (size_t)(q->n - i - 1) * sizeof(*q->m));
	q->n--;
	return out;
}

/* The branch's session ends (disconnect, or either daemon restarted): what
 * was in flight is gone with the connection. */
static void session_end(struct site *b)
{
	b->online = 0;
	b->uploaded = 0;
	q_clear(&b->q_up);
	q_clear(&b->q_down);
}

/* Build and queue batches from x toward peer p while the window allows:
 * net.c's send_batch. An empty batch says "caught up", once per cursor. */
static int send_batches(struct site *x, struct site *p, struct sender *sd,
			struct queue *q, int peer_schema)
{
	op_buf raw, z;
	const char *why;
	int rc = 0;

	op_buf_init(&raw, OP_WIRE_MAX_RAW);
	op_buf_init(&z, OP_WIRE_MAX_FRAME);
	while (sd->inflight < WINDOW) {
		uint64_t upto, count;
		op_buf_reset(&raw);
		op_buf_reset(&z);
		if (op_sync_build(on(x)->s, p->code, peer_schema, sd->cursor, &raw, &upto,
				  &count) < 0) {
			rc = failf(x->sim, "%s: build for %s: %s", x->code, p->code,
				   op_db_err(x->db)->msg);
			break;
		}
		if (upto == sd->cursor) {
			if (sd->idle_sent == sd->cursor + 1)
				break;
			count = 0;
		}
		if (op_deflate(&z, raw.p, raw.len, 1, &why) < 0) {
			rc = failf(x->sim, "deflate: %s", why);
			break;
		}
		struct msg mm = { M_BATCH, ++sd->seq, sd->cursor, upto, count, raw.len,
				  malloc(z.len ? z.len : 1), z.len };
		memcpy(mm.z, z.p, z.len);
		q_push(q, &mm);
		x->sim->st.batches++;
		if (count == 0) {
			/* nothing of ours up to there (net.c leaves its cursor
			 * behind and says so again at every turn) */
			sd->cursor = upto;
			sd->idle_sent = upto + 1;
			break;
		}
		sd->cursor = upto;
		sd->idle_sent = 0;
		sd->inflight++;
	}
	op_buf_free(&raw);
	op_buf_free(&z);
	return rc;
}

static int64_t g_kill_countdown;

static int kill_progress(void *arg)
{
	(void)arg;
	if (--g_kill_countdown <= 0)
		raise(SIGKILL);
	return 0;
}

enum { RUN_DONE, RUN_FAILED, RUN_KILLED };
enum { KILL_NONE, KILL_MIDWAY, KILL_AFTER };

/* Run fn on x in a forked child that has opened the store itself, as the
 * daemon would; KILL_MIDWAY sends it SIGKILL after a seeded number of
 * SQLite VM steps, KILL_AFTER once fn has returned (commit done, no ACK).
 * The parent's own connections are closed around the fork (SQLite's rule
 * for fork) and the store is reopened after: a restarted daemon. */
static int in_child(struct site *x, int how, int64_t steps,
		    int (*fn)(struct site *, void *), void *arg)
{
	int status = 0;
	site_close(x);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return failf(x->sim, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (site_open(x, 0) < 0)
			_exit(3);
		if (how == KILL_MIDWAY) {
			g_kill_countdown = steps;
			sqlite3_progress_handler(op_db_handle(x->db), 17, kill_progress, NULL);
		}
		int rc = fn(x, arg);
		if (how == KILL_AFTER)
			raise(SIGKILL);
		_exit(rc < 0 ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	x->offset = 0;			/* learnt again at the next WELCOME */
	if (site_open(x, 0) < 0)
		return -1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return RUN_KILLED;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		return failf(x->sim, "%s: the child could not open the store", x->code);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? RUN_DONE : RUN_FAILED;
}

/* A daemon was killed and restarted: its sessions are gone. */
static void restarted(struct site *x)
{
	struct sim *m = x->sim;
	if (x->hq) {
		for (int i = 1; i < m->nsites; i++)
			session_end(&m->site[i]);
	} else {
		session_end(x);
	}
	absorb(x);
}

struct recv_arg {
	struct site *from;
	const struct msg *mm;
	const op_buf *raw;
	uint64_t ack;
	int perr;
};

/* What a receiver does with a batch once inflated (net.c's on_batch):
 * a gap is answered with where it is, a duplicate is acknowledged, the
 * rest is merged and recv_ver recorded in the same transaction. */
static int receive(struct site *x, void *argp)
{
	struct recv_arg *a = argp;
	const struct msg *mm = a->mm;
	int rc = op_sync_receive(x->s, a->from->code, mm->from, mm->upto, a->raw->p,
				 a->raw->len, mm->count, &a->ack, &a->perr);
	return rc < 0 ? -1 : 0;
}

/* With -v and FAULTSIM_ROW=id, the changes for that row in a batch. */
static void trace_row(struct sim *m, const struct site *x, const struct site *from,
		      const op_buf *raw, uint64_t count)
{
	const char *gid = getenv("FAULTSIM_ROW");
	op_rd rd;
	if (!m->verbose || !gid || !*gid)
		return;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(op_db_handle(from->db), "SELECT col, ver, hlc, site FROM clock"
			       " WHERE gid = ?1 UNION ALL SELECT 'pts', ver, hlc, site FROM"
			       " counter WHERE gid = ?1 ORDER BY 2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("           at %s: col %s ver %lld hlc %lld site %s\n", from->code,
			       sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
			       sqlite3_column_int64(st, 2), sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
	op_rd_init(&rd, raw->p, raw->len);
	for (uint64_t k = 0; k < count; k++) {
		struct op_change c;
		if (op_dec_change(&rd, &c) < 0)
			return;
		if (c.gid_len != strlen(gid) || memcmp(c.gid, gid, c.gid_len) != 0)
			continue;
		char v[64] = "NULL";
		if (c.vtype == OP_V_INT)
			snprintf(v, sizeof(v), "%lld", (long long)c.i);
		else if (c.vtype == OP_V_TEXT || c.vtype == OP_V_BLOB)
			snprintf(v, sizeof(v), "'%.*s'", (int)(c.s_len < 40 ? c.s_len : 40), c.s);
		printf("           to %s: col %lld %s hlc %llu site %.*s prev %llu\n", x->code,
		       (long long)c.col, v, (unsigned long long)c.hlc, (int)c.site_len, c.site,
		       (unsigned long long)c.prev);
	}
}

/* Deliver message mm to x from peer p (the session's branch is b). */
static int deliver(struct sim *m, struct site *x, struct site *p, struct site *b,
		   struct msg *mm, int faults)
{
	struct sender *sd = x->hq ? &b->down : &b->up;

	if (mm->kind == M_ACK) {
		if (sd->inflight > 0)
			sd->inflight--;
		op_sync_peer_acked(on(x)->s, p->code, mm->upto);
		if (mm->upto < sd->cursor && mm->seq == sd->seq) {
			sd->cursor = mm->upto;
			sd->inflight = 0;
		}
		return 0;
	}
	op_buf raw;
	const char *why = NULL;
	op_buf_init(&raw, OP_WIRE_MAX_RAW);
	if (op_inflate_capped(&raw, mm->z, mm->zlen, OP_WIRE_MAX_RAW, &why) < 0 ||
	    raw.len != mm->raw_len) {
		op_buf_free(&raw);
		return failf(m, "%s: batch from %s does not inflate: %s", x->code, p->code,
			     why ? why : "length");
	}
	if (mm->count == 0 && x->hq)
		b->uploaded = 1;
	trace_row(m, x, p, &raw, mm->count);
	struct recv_arg a = { p, mm, &raw, 0, 0 };
	int rc;
	int crash = faults && (m->faults & F_CRASH) && mm->count > 0 ?
		    (int)below(&m->r, 100) : 100;
	if (crash < 6) {
		int how = crash < 4 ? KILL_MIDWAY : KILL_AFTER;
		int64_t steps = 1 + (int64_t)below(&m->r, 400);
		rc = in_child(on(x), how, steps, receive, &a);
		if (rc < 0)
			goto out;
		trace(m, "%s killed %s merging batch %llu from %s (%s)", x->code,
		      how == KILL_MIDWAY ? "midway" : "after commit",
		      (unsigned long long)mm->seq, p->code,
		      rc == RUN_KILLED && how == KILL_MIDWAY ? "died" : "work done");
		if (how == KILL_MIDWAY)
			m->st.crash_apply++;
		else
			m->st.crash_commit++;
		restarted(x);
		rc = 0;
		goto out;
	}
	rc = receive(on(x), &a);
	absorb(x);
	if (rc < 0) {
		/* refused (a clock too far ahead, say): an ERROR, no ACK */
		trace(m, "%s refused batch %llu from %s: %s", x->code,
		      (unsigned long long)mm->seq, p->code, op_db_err(x->db)->msg);
		rc = 0;
		goto out;
	}
	struct msg ack = { M_ACK, mm->seq, 0, a.ack, 0, 0, NULL, 0 };
	q_push(x->hq ? &b->q_down : &b->q_up, &ack);
	rc = 0;
out:
	op_buf_free(&raw);
	return rc;
}

/* --- sessions --- */

/* HELLO, WELCOME (and a second HELLO when HQ has the branch re-baseline),
 * each side's decisions the engine's (op_sync_hq_hello and
 * op_sync_branch_welcome), the frames through the wire codec. */
static int connect_branch(struct sim *m, struct site *b)
{
	struct site *h = hq(m);
	int max = op_db_schema_max();

	for (int round = 0; round < 3; round++) {
		struct op_hello hi, hd;
		struct op_welcome w, wd;
		op_buf f;
		const char *why;
		int perr, rehello = 0;
		uint64_t cursor = 0;

		if (op_sync_hello_fill(on(b)->s, h->code, &hi) < 0)
			return failf(m, "%s: hello: %s", b->code, op_db_err(b->db)->msg);
		hi.schema_version = (uint64_t)b->schema;
		hi.next_batch = b->up.seq + 1;
		op_buf_init(&f, 0);
		op_enc_hello(&f, &hi);
		if (op_dec_hello(&hd, f.p, f.len, &why) < 0) {
			op_buf_free(&f);
			return failf(m, "%s: HELLO does not decode: %s", b->code, why);
		}
		/* HQ */
		if (op_sync_hq_hello(on(h)->s, b->code, &hd, &w, &perr) < 0) {
			op_buf_free(&f);
			if (perr == OP_PERR_REFUSED) {
				/* a copy of a retired incarnation (a backup from before a
				 * re-baseline): the operator rebuilds this PC from HQ */
				trace(m, "HQ refuses %s: %s", b->code, op_db_err(h->db)->msg);
				return 1;
			}
			return failf(m, "HQ: hello from %s: %s", b->code, op_db_err(h->db)->msg);
		}
		op_buf_free(&f);
		memset(&b->down, 0, sizeof(b->down));
		b->down.cursor = hd.recv_ver;
		b->peer_schema = (int)hd.schema_version < max ? (int)hd.schema_version : max;
		b->uploaded = 0;
		op_sync_peer_contact(h->s, b->code, (int)hd.schema_version,
				     (int64_t)hd.wall_ms - site_now(h), NULL);
		w.wall_ms = (uint64_t)site_now(h);
		w.max_ahead_ms = (uint64_t)MAX_AHEAD_MS;
		op_buf_init(&f, 0);
		op_enc_welcome(&f, &w);
		if (op_dec_welcome(&wd, f.p, f.len, &why) < 0) {
			op_buf_free(&f);
			return failf(m, "WELCOME does not decode: %s", why);
		}
		/* the branch */
		absorb(on(b));
		int rc = op_sync_branch_welcome(b->s, h->code, &wd, &cursor, &rehello);
		op_buf_free(&f);
		if (rc < 0)
			return failf(m, "%s: welcome: %s", b->code, op_db_err(b->db)->msg);
		if (wd.rebase)
			trace(m, "%s re-baselines (HQ has its versions to %llu)", b->code,
			      (unsigned long long)wd.applied_batch);
		if (rehello)
			continue;
		trace(m, "%s in session: HQ resumes from %llu, %s from %llu", b->code,
		      (unsigned long long)b->down.cursor, b->code, (unsigned long long)cursor);
		b->up.cursor = cursor;
		b->up.inflight = 0;
		b->up.idle_sent = 0;
		b->offset = site_now(b) - (int64_t)wd.wall_ms;
		op_sync_set_offset(b->s, b->offset);
		op_sync_peer_contact(b->s, h->code, (int)wd.schema_version, b->offset, NULL);
		b->online = 1;
		return 0;
	}
	return failf(m, "%s: still re-baselining after three HELLOs", b->code);
}

static int put_back(struct sim *m, struct site *b, int rebuild);

/* Connect b; a store HQ refuses for good is rebuilt from HQ first. */
static int go_online(struct sim *m, struct site *b)
{
	int rc = connect_branch(m, b);
	if (rc == 1 && put_back(m, b, 1) == 0)
		rc = connect_branch(m, b);
	return rc == 1 ? failf(m, "HQ refuses %s even rebuilt", b->code) : rc;
}

static int stamp_fn(struct site *x, void *arg)
{
	int chunk = *(int *)arg;
	return op_sync_stamp(x->s, chunk) < 0 ? -1 : 0;
}

/* A daemon's turn: stamp what is journaled, send what the window allows. */
static int pump(struct sim *m, struct site *x)
{
	int chunk = 1 + (int)below(&m->r, 40);
	if (!x->hq && !x->online)
		return 0;
	if (!op_sync_rebasing(on(x)->s) && op_sync_pending(x->s) > 0 && stamp_fn(x, &chunk) < 0)
		return failf(m, "%s: stamp: %s", x->code, op_db_err(x->db)->msg);
	absorb(x);
	if (!x->hq)
		return send_batches(x, hq(m), &x->up, &x->q_up, x->peer_schema);
	for (int i = 1; i < m->nsites; i++) {
		struct site *b = &m->site[i];
		if (b->online && b->uploaded &&
		    send_batches(x, b, &b->down, &b->q_down, b->peer_schema) < 0)
			return -1;
	}
	return 0;
}

/* Deliver one message on branch b's link, maybe dropped, duplicated or
 * taken out of order. */
static int deliver_one(struct sim *m, struct site *b, int faults)
{
	int dir = b->q_up.n && b->q_down.n ? (int)below(&m->r, 2) : b->q_up.n ? 0 : 1;
	struct queue *q = dir == 0 ? &b->q_up : &b->q_down;
	struct site *to = dir == 0 ? hq(m) : b, *from = dir == 0 ? b : hq(m);
	int i = 0, rc;

	if (!q->n)
		return 0;
	if (faults && (m->faults & F_REORDER) && q->n > 1 && pct(&m->r, 15)) {
		i = 1 + (int)below(&m->r, (uint64_t)q->n - 1);
		m->st.reorders++;
	}
	if (faults && (m->faults & F_DROP) && pct(&m->r, 5)) {
		struct msg gone = q_take(q, i);
		trace(m, "drop %s %llu %s->%s", gone.kind == M_ACK ? "ack" : "batch",
		      (unsigned long long)gone.seq, from->code, to->code);
		free(gone.z);
		m->st.drops++;
		return 0;
	}
	if (faults && (m->faults & F_DUP) && pct(&m->r, 7)) {
		struct msg copy = q->m[i];
		m->st.dups++;
		trace(m, "duplicate %s %llu %s->%s", copy.kind == M_ACK ? "ack" : "batch",
		      (unsigned long long)copy.seq, from->code, to->code);
		return deliver(m, to, from, b, &copy, faults);
	}
	struct msg mm = q_take(q, i);
	trace(m, "%s %llu %s->%s (%llu..%llu, %llu changes)", mm.kind == M_ACK ? "ack" : "batch",
	      (unsigned long long)mm.seq, from->code, to->code, (unsigned long long)mm.from,
	      (unsigned long long)mm.upto, (unsigned long long)mm.count);
	rc = deliver(m, to, from, b, &mm, faults);
	free(mm.z);
	return rc;
}


/* --- faults on stores --- */

/* A copy of b's store as a backup tool makes it (SQLite's backup API). */
static int take_backup(struct sim *m, struct site *b)
{
	sqlite3 *dst;
	op_db_remove(b->bpath);
	if (sqlite3_open_v2(b->bpath, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL))
		return failf(m, "backup open: %s", sqlite3_errmsg(dst));
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", op_db_handle(on(b)->db), "main");
	int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
	sqlite3_backup_finish(bk);
	sqlite3_close(dst);
	if (rc != SQLITE_DONE)
		return failf(m, "%s: backup failed (%d)", b->code, rc);
	b->have_backup = 1;
	b->b_maxseq = journal_max(b);
	b->b_stamped = stamped_seq(b);
	trace(m, "%s backed up (journal to %lld, stamped to %lld)", b->code,
	      (long long)b->b_maxseq, (long long)b->b_stamped);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	int rc = in && out ? 0 : -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	return rc;
}

/* Put b's backup back (rebuild: a fresh, empty store of the same site). */
static int put_back(struct sim *m, struct site *b, int rebuild)
{
	session_end(b);
	absorb(b);	/* what it stamped since it was last looked at */
	site_close(b);
	op_db_remove(b->path);
	memset(&b->up, 0, sizeof(b->up));
	b->offset = 0;
	if (!rebuild && copy_file(b->bpath, b->path) < 0)
		return failf(m, "%s: cannot copy the backup back", b->code);
	if (site_open(b, rebuild) < 0)
		return -1;
	if (rebuild) {
		b->have_backup = 0;	/* a new PC: the old one's backups stay there */
		b->schema = op_db_schema_max();
		model_restore(b, 0, 0);
		m->st.rebuilds++;
	} else {
		model_restore(b, b->b_maxseq, b->b_stamped);
		m->st.restores++;
	}
	trace(m, "%s %s", b->code, rebuild ? "rebuilt empty (to be filled from HQ)" :
	      "restored from its backup");
	return 0;
}

static int crash_stamp(struct sim *m, struct site *x)
{
	int chunk = 1 + (int)below(&m->r, 20);
	if ((!x->hq && !x->online) || op_sync_rebasing(on(x)->s) || op_sync_pending(x->s) <= 0)
		return 0;
	int rc = in_child(x, KILL_MIDWAY, 1 + (int64_t)below(&m->r, 300), stamp_fn, &chunk);
	if (rc < 0)
		return -1;
	trace(m, "%s killed while stamping (%s)", x->code, rc == RUN_KILLED ? "died" : "work done");
	m->st.crash_stamp++;
	restarted(x);
	return 0;
}

/* --- a schedule --- */

static struct site *any_branch(struct sim *m)
{
	return &m->site[1 + below(&m->r, (uint64_t)m->nsites - 1)];
}

static int step(struct sim *m)
{
	int k = (int)below(&m->r, 100);
	struct site *b = any_branch(m);

	m->now += 1 + (int64_t)below(&m->r, pct(&m->r, 3) ? 600000 : 3000);
	if (k < 36)
		return write_random(m, pct(&m->r, 20) ? hq(m) : b);
	if (k < 44) {
		if (!b->online && pct(&m->r, 70)) {
			trace(m, "%s connects", b->code);
			return go_online(m, b);
		}
		if (b->online && (m->faults & F_OFFLINE) && pct(&m->r, 35)) {
			trace(m, "%s goes offline", b->code);
			session_end(b);
			m->st.offline++;
		}
		return 0;
	}
	if (k < 58)
		return pump(m, pct(&m->r, 35) ? hq(m) : b);
	if (k < 90) {
		for (int i = 0; i < 4; i++) {
			struct site *c = any_branch(m);
			if (c->q_up.n || c->q_down.n)
				return deliver_one(m, c, 1);
		}
		return 0;
	}
	if (k < 92)
		return m->faults & F_CRASH ? crash_stamp(m, pct(&m->r, 30) ? hq(m) : b) : 0;
	if (k < 94)
		return m->faults & F_RESTORE ? take_backup(m, b) : 0;
	if (k < 96)
		return b->have_backup ? put_back(m, b, 0) : 0;
	if (k < 97)
		return m->faults & F_REBUILD ? put_back(m, b, 1) : 0;
	if (k < 98 && b->schema < op_db_schema_max()) {
		b->schema = op_db_schema_max();
		session_end(b);
		m->st.upgrades++;
		trace(m, "%s upgrades to schema %d", b->code, b->schema);
		return 0;
	}
	return pump(m, hq(m));
}

/* No faults, everyone online and upgraded, until nothing moves. */
static int settle(struct sim *m)
{
	int quiet = 0;
	for (int i = 1; i < m->nsites; i++) {
		struct site *b = &m->site[i];
		/* fresh sessions, as daemons reconnecting after a timeout */
		b->schema = op_db_schema_max();
		session_end(b);
		if (go_online(m, b) < 0)
			return -1;
	}
	for (int round = 0; round < 500 && quiet < 3; round++) {
		long before = m->st.batches;
		int busy = 0;
		m->now += 100;
		for (int i = 0; i < m->nsites; i++)
			if (pump(m, &m->site[i]) < 0)
				return -1;
		for (int i = 1; i < m->nsites; i++) {
			struct site *b = &m->site[i];
			while (b->q_up.n || b->q_down.n) {
				busy |= 1;
				if (deliver_one(m, b, 0) < 0)
					return -1;
			}
		}
		quiet = busy || m->st.batches != before ? 0 : quiet + 1;
	}
	if (quiet < 3)
		return failf(m, "no quiescence after 500 fault-free rounds");
	for (int i = 0; i < m->nsites; i++)
		if (op_sync_pending(on(&m->site[i])->s) > 0)
			return failf(m, "%s still has unstamped journal entries", m->site[i].code);
	return 0;
}

static void rm_dir(const char *dir)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "faultsim: cannot remove %s\n", dir);
}

static int run_seed(struct sim *m)
{
	/* stores are small: memory-backed when there is /dev/shm */
	const char *tmp = getenv("FAULTSIM_TMP");
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	int rc = -1, max = op_db_schema_max();

	m->r.s = m->seed * 0x2545f4914f6cdd1dull + 1;
	g_sqlite_rng.s = m->seed ^ 0x5eedull;
	sqlite3_randomness(0, NULL);	/* reseed SQLite's PRNG from the VFS */
	m->now = BASE_MS;
	snprintf(m->dir, sizeof(m->dir), "%s/faultsim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(m->dir))
		return failf(m, "mkdtemp: %s", strerror(errno));
	for (int i = 0; i < m->nsites; i++) {
		struct site *x = &m->site[i];
		memset(x, 0, sizeof(*x));
		x->idx = i;
		x->sim = m;
		x->hq = i == 0;
		if (i == 0)
			snprintf(x->code, sizeof(x->code), "HQ");
		else
			snprintf(x->code, sizeof(x->code), "B%d", i);
		snprintf(x->path, sizeof(x->path), "%s/%s.db", m->dir, x->code);
		snprintf(x->bpath, sizeof(x->bpath), "%s/%s.backup", m->dir, x->code);
		op_sync_cfg_default(&x->cfg);
		x->cfg.max_ahead_ms = MAX_AHEAD_MS;
		x->cfg.now_ms = site_now;
		x->cfg.now_arg = x;
		x->cfg.log = engine_log;
		x->cfg.log_arg = x;
		/* small batches, so a backlog takes several */
		x->cfg.batch_changes = 4 + (int)below(&m->r, 60);
		x->cfg.batch_bytes = 2048 + below(&m->r, 16384);
		x->schema = max;
		if (i > 0) {
			int k = (int)below(&m->r, 8);
			if (k == 0)
				x->skew = (int64_t)below(&m->r, 3 * 86400000ull);	/* days ahead */
			else if (k == 1)
				x->skew = -(int64_t)below(&m->r, 86400000ull);	/* hours behind */
			else if (k < 4)
				x->skew = (int64_t)below(&m->r, 2 * MAX_AHEAD_MS / 3) - MAX_AHEAD_MS / 3;
			if (!(m->faults & F_SKEW))
				x->skew = 0;
			m->st.skewed += x->skew != 0;
			if (pct(&m->r, 25) && (m->faults & F_UPGRADE))
				x->schema = max - 1;	/* an older outpost */
		}
		if (site_open(x, 1) < 0)
			goto out;
		trace(m, "%s: clock %+lld ms, schema %d, batches of %d changes / %zu bytes",
		      x->code, (long long)x->skew, x->schema, x->cfg.batch_changes,
		      x->cfg.batch_bytes);
	}
	for (int i = 0; i < m->steps && !m->fail[0]; i++)
		if (step(m) < 0)
			break;
	if (!m->fail[0] && settle(m) == 0)
		rc = check(m);
out:
	for (int i = 0; i < m->nsites; i++) {
		session_end(&m->site[i]);
		free(m->site[i].q_up.m);
		free(m->site[i].q_down.m);
		site_close(&m->site[i]);
	}
	model_free(m);
	if (!getenv("FAULTSIM_KEEP"))
		rm_dir(m->dir);
	return m->fail[0] ? -1 : rc;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: faultsim [--seed N | --seeds A-B] [--branches N] [--steps N]\n"
		"                [--without drop,dup,reorder,crash,restore,rebuild,skew,upgrade,offline] [-v]\n");
	return 64;
}

int main(int argc, char **argv)
{
	uint64_t first = 1, last = 1, branches = 3, steps = 300, v;
	unsigned faults = ~0u;
	int verbose = 0;
	long passed = 0, failed = 0;
	struct stats tot = { 0 };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (!val)
			return usage();
		i++;
		if (strcmp(a, "--seed") == 0 && parse_u64(val, &first) == 0) {
			last = first;
		} else if (strcmp(a, "--seeds") == 0 && strchr(val, '-')) {
			char lo[32];
			snprintf(lo, sizeof(lo), "%.*s", (int)(strchr(val, '-') - val), val);
			if (parse_u64(lo, &first) < 0 || parse_u64(strchr(val, '-') + 1, &last) < 0 ||
			    last < first)
				return usage();
		} else if (strcmp(a, "--branches") == 0 && parse_u64(val, &v) == 0 && v >= 1 &&
			   v < MAXSITES) {
			branches = v;
		} else if (strcmp(a, "--steps") == 0 && parse_u64(val, &v) == 0) {
			steps = v;
		} else if (strcmp(a, "--without") == 0) {
			for (int k = 0; fault_names[k]; k++) {
				const char *f = strstr(val, fault_names[k]);
				size_t n = strlen(fault_names[k]);
				if (f && (f == val || f[-1] == ',') && (f[n] == ',' || !f[n]))
					faults &= ~(1u << k);
			}
		} else {
			return usage();
		}
	}
	vfs_install();
	for (int k = 0; k < NTABS; k++) {
		const struct op_table *t = op_table_by_name(mtabs[k].name);
		mtabs[k].num = t->num;
		for (int c = 0; c < mtabs[k].ncols; c++)
			mtabs[k].colnum[c] = op_table_col(t, mtabs[k].cols[c]);
	}
	for (uint64_t seed = first; seed <= last; seed++) {
		struct sim *m = calloc(1, sizeof(*m));
		m->seed = seed;
		m->nsites = (int)branches + 1;
		m->steps = (int)steps;
		m->verbose = verbose;
		m->faults = faults;
		if (run_seed(m) < 0) {
			failed++;
			printf("FAIL seed %llu: %s\n  replay: build/tools/faultsim --seed %llu -v\n",
			       (unsigned long long)seed, m->fail, (unsigned long long)seed);
		} else {
			passed++;
		}
		long *t = (long *)&tot, *s = (long *)&m->st;
		for (size_t i = 0; i < sizeof(tot) / sizeof(long); i++)
			t[i] += s[i];
		fflush(stdout);
		free(m);
	}
	printf("writes %ld (%ld through sqlite3), batches %ld; faults: %ld dropped, "
	       "%ld duplicated, %ld reordered, %ld killed mid-merge, %ld killed after commit, "
	       "%ld killed mid-stamp, %ld restores, %ld rebuilds, %ld upgrades, %ld offline, "
	       "%ld skewed clocks\n", tot.writes, tot.stock, tot.batches, tot.drops, tot.dups,
	       tot.reorders, tot.crash_apply, tot.crash_commit, tot.crash_stamp, tot.restores,
	       tot.rebuilds, tot.upgrades, tot.offline, tot.skewed);
	printf("%ld passed, %ld failed\n", passed, failed);
	return failed ? 1 : 0;
}
