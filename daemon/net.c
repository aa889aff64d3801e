/*
 * net.c — outpostd's network loop for both roles (see daemon.h).
 *
 * One thread, one zmq_poll loop. HQ: a ROUTER socket (CURVE server) and the
 * ZAP REP socket on inproc://zeromq.zap.01, which admits a connection only
 * when its public key is an enrolled, unrevoked peer in hq.db and names the
 * branch as the connection's User-Id: HQ never trusts a site code written
 * inside a message. Branch: a DEALER (CURVE client pinned to HQ's key).
 *
 * Every frame from a peer is decoded by wire.c, which refuses anything
 * malformed; a refusal becomes an ERROR frame to that peer and the loop goes
 * on, so one bad branch cannot stall the others.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "daemon.h"
#include "net_int.h"
#include "db.h"
#include "health.h"
#include "classify.h"
#include "history.h"
#include "sync.h"
#include "wire.h"

#define MAX_SESSIONS 4096
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

static void sync_log(void *arg, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	op_log(level, "%s", buf);
}

void op_dcfg_default(struct op_dcfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_s = 30;
	cfg->heartbeat_s = 5;
	cfg->max_ahead_ms = 5 * 60 * 1000;
	cfg->log_level = OP_LOG_INFO;
	cfg->window = 8;
	cfg->batch_bytes = 512 * 1024;
	cfg->classify_s = 300;
	op_backup_cfg_default(&cfg->backup);
}

/* Send [rid] hdr body. */
/* Send [rid] hdr body with the header of protocol version `version`
 * (ours, except to refuse a peer in the version it speaks). */
static int send_msg_v(struct dctx *d, const struct session *s, int code,
		      const op_buf *body, int version)
{
	unsigned char hdr[OP_WIRE_HDR_LEN];
	op_wire_hdr(hdr, code);
	hdr[2] = (unsigned char)version;
	if (d->cfg->hq && zmq_send(d->sock, s->rid, s->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	if (zmq_send(d->sock, hdr, sizeof(hdr), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	if (zmq_send(d->sock, body ? body->p : NULL, body ? body->len : 0, ZMQ_DONTWAIT) < 0)
		return -1;
	return 0;
}

static int send_msg(struct dctx *d, const struct session *s, int code,
		    const op_buf *body)
{
	return send_msg_v(d, s, code, body, OP_PROTO_VERSION);
}

static void send_error(struct dctx *d, const struct session *s, int code,
		       const char *msg)
{
	op_buf_reset(&d->body);
	op_enc_error(&d->body, (uint64_t)code, msg);
	send_msg(d, s, OP_MSG_ERROR, &d->body);
}

/* Build, compress and send the next batch to s, this store's newest
 * version being head; 1 sent, 0 nothing, -1. */
static int send_batch(struct dctx *d, struct session *s, uint64_t head)
{
	uint64_t upto, count;
	const char *why;

	if (s->cursor > head) {
		/* Only a store restored behind its peer's record gets here (a
		 * protocol-2 HQ re-baselines it first): say so once. */
		if (!s->stuck++)
			op_log(OP_LOG_ERR, "%s has this store's changes to version %llu, past its "
			       "newest (%llu): restored from an older backup? nothing can be sent",
			       s->site, (unsigned long long)s->cursor,
			       (unsigned long long)head);
		return 0;
	}
	/* Caught up and told so, and nothing new since: no batch to build
	 * (an idle HQ must not rebuild empty batches for every branch). */
	if (s->idle_sent == s->cursor + 1 && head == s->cursor)
		return 0;
	/* A stream runs from a cursor on while batches follow each other;
	 * the cursor set back (a resend, a new session) starts another. */
	if (!s->stream_head || s->cursor != s->stream_next) {
		s->stream_from = s->cursor;
		s->stream_head = head;
	}
	op_sync_set_stream(d->sync, s->stream_from, s->stream_head);
	op_buf_reset(&d->raw);
	int br = op_sync_build(d->sync, s->site, s->schema, s->cursor, &d->raw, &upto,
			       &count);
	op_sync_set_stream(d->sync, 0, 0);
	s->stream_next = upto;
	if (br < 0) {
		op_log(OP_LOG_ERR, "cannot build a batch for %s: %s", s->site,
		       op_db_err(d->db)->msg);
		return -1;
	}
	if (upto == s->cursor) {
		if (s->idle_sent == s->cursor + 1)
			return 0;
		count = 0;	/* "caught up": an empty batch */
	}
	op_buf_reset(&d->z);
	if (op_deflate(&d->z, d->raw.p, d->raw.len, 6, &why) < 0) {
		op_log(OP_LOG_ERR, "cannot compress a batch: %s", why);
		return -1;
	}
	struct op_batch_hdr h = { .seq = ++s->seq, .from_ver = s->cursor,
				  .upto_ver = upto, .count = count,
				  .raw_len = d->raw.len, .z = d->z.p, .z_len = d->z.len };
	op_buf_reset(&d->body);
	op_enc_batch_hdr(&d->body, &h);
	if (d->body.oom || send_msg(d, s, OP_MSG_BATCH, &d->body) < 0) {
		op_log(OP_LOG_WARN, "cannot send a batch to %s: %s", s->site,
		       d->body.oom ? "over the frame cap" : zmq_strerror(zmq_errno()));
		return -1;
	}
	if (count == 0) {
		/* nothing for this peer up to `upto`: the cursor moves there */
		s->cursor = upto;
		s->idle_sent = s->cursor + 1;
		return 0;
	}
	op_log(OP_LOG_DEBUG, "sent %s %llu changes (%zu -> %zu bytes), versions %llu..%llu",
	       s->site, (unsigned long long)count, d->raw.len, d->z.len,
	       (unsigned long long)s->cursor, (unsigned long long)upto);
	s->cursor = upto;
	s->idle_sent = 0;
	s->inflight++;
	s->progress = op_net_mono_ms();
	return 1;
}

/* Local writes stamped into versions (all of them, in short transactions:
 * stamped a chunk a turn, an edit stamped after its row was sent would go
 * again), and the history's to commit. */
static void stamp_some(struct dctx *d)
{
	int64_t n = op_sync_stamp(d->sync, 2000);
	if (n < 0)
		op_log(OP_LOG_ERR, "cannot stamp the journal: %s", op_db_err(d->db)->msg);
	op_net_history_stamped(d, n);
}

/* head: op_sync_head, read once a turn for every session (an idle HQ's
 * turn reads it once, not once a branch). */
static void pump_out(struct dctx *d, struct session *s, uint64_t head)
{
	int sent = 0;
	while (s->ready && s->inflight < d->cfg->window && send_batch(d, s, head) == 1)
		sent++;
	/* A long catch-up says how far it has got, every 10 seconds. */
	int64_t now = op_net_mono_ms();
	if (sent && now - s->last_progress > 10000) {
		if (s->last_progress && head > s->cursor)
			op_log(OP_LOG_INFO, "catching up %s: sent to version %llu of %llu (%.0f%%)",
			       s->site, (unsigned long long)s->cursor, (unsigned long long)head,
			       100.0 * (double)s->cursor / (double)head);
		s->last_progress = now;
	}
}

static void round_add(struct session *s, const struct op_batch_hdr *h,
		      const struct op_sync_stats *st, int64_t ms)
{
	struct round *r = &s->round;
	int64_t now = op_net_mono_ms();
	if (!r->batches)
		r->started = r->said = now - ms;	/* from the first batch's start */
	r->batches++;
	r->changes += h->count;
	r->merged += st->applied;
	r->unchanged += st->ignored;
	r->conflicts += st->conflicts;
	r->ms += ms;
	/* a long catch-up says how far it has got, every 10 seconds */
	if (now - r->said >= 10000) {
		op_log(OP_LOG_INFO, "receiving from %s: %llu changes in %llu batches so far "
		       "(%lld s), at version %llu", s->site, (unsigned long long)r->changes,
		       (unsigned long long)r->batches, (long long)((now - r->started) / 1000),
		       (unsigned long long)h->upto_ver);
		r->said = now;
	}
}

/* The peer has nothing more: one line for the round. */
static void round_log(struct session *s, uint64_t ver)
{
	struct round *r = &s->round;
	if (!r->batches)
		return;
	op_log(OP_LOG_INFO, "received %llu changes from %s in %llu batch%s, %lld ms "
	       "(%lld ms applying; %llu merged, %llu unchanged, %llu conflicts), now at "
	       "version %llu", (unsigned long long)r->changes, s->site,
	       (unsigned long long)r->batches, r->batches == 1 ? "" : "es",
	       (long long)(op_net_mono_ms() - r->started), (long long)r->ms,
	       (unsigned long long)r->merged, (unsigned long long)r->unchanged,
	       (unsigned long long)r->conflicts, (unsigned long long)ver);
	memset(r, 0, sizeof(*r));
}

/* A BATCH from s: inflate under the cap, merge, ACK after commit. */
static void on_batch(struct dctx *d, struct session *s, const void *p, size_t n)
{
	struct op_batch_hdr h;
	const char *why;
	int perr;

	if (op_dec_batch_hdr(&h, p, n, &why) < 0) {
		send_error(d, s, OP_PERR_MALFORMED, why);
		op_log(OP_LOG_WARN, "%s sent a malformed batch: %s", s->site, why);
		return;
	}
	op_buf_reset(&d->raw);
	if (op_inflate_capped(&d->raw, h.z, h.z_len, OP_WIRE_MAX_RAW, &why) < 0 ||
	    d->raw.len != h.raw_len) {
		why = why ? why : "inflated size differs from the header";
		send_error(d, s, strstr(why, "over") ? OP_PERR_TOO_BIG : OP_PERR_MALFORMED, why);
		op_log(OP_LOG_WARN, "%s sent a batch that does not inflate: %s", s->site, why);
		return;
	}
	/* An empty batch ends the peer's round: HQ's first from a branch
	 * (it has sent all it had), a branch's from HQ (caught up). */
	int round_end = h.count == 0 && !(d->cfg->hq && s->uploaded);
	if (h.count == 0 && d->cfg->hq)
		s->uploaded = 1;
	/* A commit has one author: another peer's batches since the last
	 * commit are committed first (their snapshot taken before this). */
	if (d->hist_dirty && strcmp(d->hist_site, s->site) != 0)
		op_net_history_flush(d);
	int64_t t0 = op_net_mono_ms();
	d->batch_at = t0;
	uint64_t ack;
	int merged = op_sync_receive(d->sync, s->site, h.from_ver, h.upto_ver, d->raw.p,
				     d->raw.len, h.count, &ack, &perr);
	if (merged < 0) {
		send_error(d, s, perr, op_db_err(d->db)->msg);
		op_log(perr == OP_PERR_REFUSED ? OP_LOG_ERR : OP_LOG_WARN,
		       "batch %llu from %s refused: %s", (unsigned long long)h.seq, s->site,
		       op_db_err(d->db)->msg);
		op_sync_peer_contact(d->sync, s->site, s->schema, s->drift,
				     op_db_err(d->db)->msg);
		s->failed = 1;
		return;
	}
	s->progress = op_net_mono_ms();
	if (merged > 0) {
		s->failed = 0;
		struct op_sync_stats st;
		op_sync_stats(d->sync, &st);
		d->applied = 1;
		op_log(OP_LOG_DEBUG, "applied %llu changes from %s in %lld ms "
		       "(%llu merged, %llu unchanged, %llu conflicts, %llu pauses for a command), "
		       "now at version %llu",
		       (unsigned long long)h.count, s->site, (long long)(op_net_mono_ms() - t0),
		       (unsigned long long)st.applied, (unsigned long long)st.ignored,
		       (unsigned long long)st.conflicts, (unsigned long long)st.rooms,
		       (unsigned long long)h.upto_ver);
		round_add(s, &h, &st, op_net_mono_ms() - t0);
	}
	if (round_end)
		round_log(s, h.upto_ver);
	struct op_ack a = { h.seq, ack };
	op_buf_reset(&d->body);
	op_enc_ack(&d->body, &a);
	send_msg(d, s, OP_MSG_ACK, &d->body);
	/* After the ACK, for both roles: the batch's changes (and at a branch
	 * its own, sent since) go to the history, committed by the history
	 * worker (histwork.c) at most every HIST_EVERY_MS, at the end of a
	 * peer's round, when the loop is idle and before the changes of
	 * another peer are merged (above): never by the loop itself, which
	 * paused it for seconds (a branch gives up after 5 s without
	 * progress); packs stay few because they are merged in the
	 * background (history_repack). */
	if (!d->hist_dirty)
		d->hist_at = op_net_mono_ms();
	d->hist_dirty = 1;
	snprintf(d->hist_site, sizeof(d->hist_site), "%s", s->site);
	op_net_history_due(d, h.count == 0);
}

static void on_ack(struct dctx *d, struct session *s, const void *p, size_t n)
{
	struct op_ack a;
	const char *why;
	if (op_dec_ack(&a, p, n, &why) < 0) {
		send_error(d, s, OP_PERR_MALFORMED, why);
		return;
	}
	if (s->inflight > 0)
		s->inflight--;
	s->progress = op_net_mono_ms();
	op_sync_peer_acked(d->sync, s->site, a.upto_ver);
	if (a.upto_ver < s->cursor && a.seq == s->seq) {
		/* The peer is behind what we sent (it lost a batch): resend. */
		s->cursor = a.upto_ver;
		s->stream_head = 0;
		s->inflight = 0;
	}
}

/* --- HQ --- */

static const char SQL_ALLOWED[] =
	"SELECT site FROM peer WHERE pubkey = :k AND revoked_at IS NULL";
static const char SQL_SITE_OK[] =
	"SELECT 1 FROM peer WHERE site = :s AND pubkey IS NOT NULL AND revoked_at IS NULL";

/* Answer one ZAP request: 200 with the branch's site as User-Id, or 400. */
static void zap_handle(struct dctx *d)
{
	zmq_msg_t f[8];
	int n = 0, more = 1;
	char site[40] = "";

	while (more && n < 8) {
		zmq_msg_init(&f[n]);
		if (zmq_msg_recv(&f[n], d->zap, 0) < 0)
			break;
		more = zmq_msg_more(&f[n]);
		n++;
	}
	while (more) {	/* drain a request with too many frames */
		zmq_msg_t x;
		zmq_msg_init(&x);
		zmq_msg_recv(&x, d->zap, 0);
		more = zmq_msg_more(&x);
		zmq_msg_close(&x);
	}
	if (n >= 7 && zmq_msg_size(&f[5]) == 5 &&
	    memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 && zmq_msg_size(&f[6]) == 32) {
		char z85[41];
		zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32);
		sqlite3_stmt *st = op_db_stmt(d->db, SQL_ALLOWED);
		if (st && op_bind_text(d->db, st, ":k", z85) == 0 &&
		    op_db_step(d->db, st) == SQLITE_ROW)
			snprintf(site, sizeof(site), "%s", sqlite3_column_text(st, 0));
		if (st)
			sqlite3_reset(st);
		if (!site[0])
			op_log(OP_LOG_WARN, "refused a connection with key %.12s…: not enrolled "
			       "(or revoked)", z85);
	}
	const char *status = site[0] ? "200" : "400";
	const char *text = site[0] ? "OK" : "key not enrolled";
	zmq_send(d->zap, "1.0", 3, ZMQ_SNDMORE);
	if (n >= 2)
		zmq_send(d->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	else
		zmq_send(d->zap, "", 0, ZMQ_SNDMORE);
	zmq_send(d->zap, status, 3, ZMQ_SNDMORE);
	zmq_send(d->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(d->zap, site, strlen(site), ZMQ_SNDMORE);
	zmq_send(d->zap, "", 0, 0);
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
}

static struct session *hq_session(struct dctx *d, const void *rid, size_t len,
				  const char *site)
{
	struct session *free_slot = NULL;
	for (int i = 0; i < d->nsess; i++) {
		struct session *s = &d->sess[i];
		if (s->rid_len == len && memcmp(s->rid, rid, len) == 0)
			return s;
		if (!s->rid_len && !free_slot)
			free_slot = s;
	}
	if (!free_slot) {
		if (d->nsess >= MAX_SESSIONS || len > sizeof(free_slot->rid))
			return NULL;
		free_slot = &d->sess[d->nsess++];
	}
	memset(free_slot, 0, sizeof(*free_slot));
	memcpy(free_slot->rid, rid, len);
	free_slot->rid_len = len;
	snprintf(free_slot->site, sizeof(free_slot->site), "%s", site);
	return free_slot;
}

static void hq_hello(struct dctx *d, struct session *s, const void *p, size_t n)
{
	struct op_hello h;
	struct op_welcome w;
	const char *why;
	int64_t now = op_net_now_ms();
	int perr;

	if (op_dec_hello(&h, p, n, &why) < 0) {
		send_error(d, s, OP_PERR_MALFORMED, why);
		return;
	}
	s->ready = 0;
	/* identity, incarnation and re-baselining are the engine's call */
	if (op_sync_hq_hello(d->sync, s->site, &h, &w, &perr) < 0) {
		send_error(d, s, perr, op_db_err(d->db)->msg);
		if (perr != OP_PERR_REFUSED)
			op_log(OP_LOG_WARN, "HELLO from %s refused: %s", s->site,
			       op_db_err(d->db)->msg);
		return;
	}
	s->schema = (int)(h.schema_version < (uint64_t)op_db_schema_max() ?
			  h.schema_version : (uint64_t)op_db_schema_max());
	if (h.schema_version != (uint64_t)op_db_schema_max())
		op_log(OP_LOG_INFO, "%s runs schema %llu, HQ %d: syncing the columns "
		       "both know", s->site, (unsigned long long)h.schema_version,
		       op_db_schema_max());
	s->ready = 1;
	s->uploaded = 0;
	s->cursor = h.recv_ver;
	s->stream_head = 0;
	s->inflight = 0;
	s->idle_sent = 0;
	s->stuck = 0;
	int64_t drift = (int64_t)h.wall_ms - now;
	s->drift = drift;
	op_sync_peer_contact(d->sync, s->site, (int)h.schema_version, drift, NULL);
	op_health_hello(d->db, s->site, h.head_ver);
	w.wall_ms = (uint64_t)now;
	w.max_ahead_ms = (uint64_t)d->cfg->max_ahead_ms;
	op_buf_reset(&d->body);
	op_enc_welcome(&d->body, &w);
	send_msg(d, s, OP_MSG_WELCOME, &d->body);
	op_log(OP_LOG_INFO, "%s connected (schema %llu, has our versions to %llu, we have "
	       "theirs to %llu, clock %+lld ms)", s->site, (unsigned long long)h.schema_version,
	       (unsigned long long)h.recv_ver, (unsigned long long)w.applied_batch,
	       (long long)drift);
	if (drift > d->cfg->max_ahead_ms || drift < -d->cfg->max_ahead_ms)
		op_log(OP_LOG_WARN, "%s's clock is %+lld s off HQ's; its changes are stamped "
		       "in HQ time", s->site, (long long)(drift / 1000));
}

static void hq_message(struct dctx *d)
{
	zmq_msg_t f[3];
	int n = 0, more = 1, code, perr;
	const char *why;
	char user[64] = "";

	while (more) {
		zmq_msg_t x;
		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, d->sock, 0) < 0) {
			zmq_msg_close(&x);
			break;
		}
		more = zmq_msg_more(&x);
		if (n < 3) {
			f[n++] = x;
		} else {
			zmq_msg_close(&x);
			n++;
		}
	}
	if (n < 1)
		return;
	if (n >= 2) {
		const char *uid = zmq_msg_gets(&f[1], "User-Id");
		if (uid)
			snprintf(user, sizeof(user), "%s", uid);
	}
	struct session tmp = { 0 }, *s;
	memcpy(tmp.rid, zmq_msg_data(&f[0]), zmq_msg_size(&f[0]) < sizeof(tmp.rid) ?
	       zmq_msg_size(&f[0]) : sizeof(tmp.rid));
	tmp.rid_len = zmq_msg_size(&f[0]);
	snprintf(tmp.site, sizeof(tmp.site), "%s", user[0] ? user : "?");
	if (n != 3) {
		send_error(d, &tmp, OP_PERR_MALFORMED, "a message has a header and a body frame");
		op_log(OP_LOG_WARN, "%s sent a message of %d frames", tmp.site, n - 1);
		goto out;
	}
	if (!user[0]) {
		send_error(d, &tmp, OP_PERR_REFUSED, "no authenticated identity");
		goto out;
	}
	/* Revocation takes effect at the next message, without a restart. */
	sqlite3_stmt *st = op_db_stmt(d->db, SQL_SITE_OK);
	int allowed = st && op_bind_text(d->db, st, ":s", user) == 0 &&
		      op_db_step(d->db, st) == SQLITE_ROW;
	if (st)
		sqlite3_reset(st);
	if (!allowed) {
		send_error(d, &tmp, OP_PERR_REFUSED, "this branch is not enrolled");
		goto out;
	}
	if (op_wire_hdr_parse(zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), &code, &perr,
			      &why) < 0) {
		if (perr == OP_PERR_VERSION) {
			/* answered in the peer's own version, whose header and
			 * ERROR layout every version keeps: it can read why */
			int theirs = ((const unsigned char *)zmq_msg_data(&f[1]))[2];
			char msg[128];
			snprintf(msg, sizeof(msg), "protocol version %d is not spoken here (HQ "
				 "speaks %d): upgrade outpost on this branch", theirs,
				 OP_PROTO_VERSION);
			op_buf_reset(&d->body);
			op_enc_error(&d->body, OP_PERR_VERSION, msg);
			send_msg_v(d, &tmp, OP_MSG_ERROR, &d->body, theirs);
			op_log(OP_LOG_ERR, "%s speaks protocol version %d; refused", user, theirs);
			goto out;
		}
		send_error(d, &tmp, perr, why);
		op_log(OP_LOG_WARN, "%s sent a bad header: %s", user, why);
		goto out;
	}
	if (zmq_msg_size(&f[2]) > OP_WIRE_MAX_FRAME + 64) {
		send_error(d, &tmp, OP_PERR_TOO_BIG, "frame over the size cap");
		op_log(OP_LOG_WARN, "%s sent a frame of %zu bytes: refused", user,
		       zmq_msg_size(&f[2]));
		goto out;
	}
	s = hq_session(d, zmq_msg_data(&f[0]), zmq_msg_size(&f[0]), user);
	if (!s) {
		send_error(d, &tmp, OP_PERR_INTERNAL, "too many sessions");
		goto out;
	}
	s->last_seen = op_net_mono_ms();
	op_log_peer(s->site);
	const void *p = zmq_msg_data(&f[2]);
	size_t len = zmq_msg_size(&f[2]);
	/* A branch whose connection came back by itself (HQ restarted) still
	 * thinks it has a session: tell it to start one. */
	if (!s->ready && code != OP_MSG_HELLO && code != OP_MSG_BYE &&
	    code != OP_MSG_ERROR) {
		send_error(d, s, OP_PERR_NOT_READY, "HELLO first");
		goto out;
	}
	switch (code) {
	case OP_MSG_HELLO:
		hq_hello(d, s, p, len);
		break;
	case OP_MSG_BATCH:
		on_batch(d, s, p, len);
		break;
	case OP_MSG_ACK:
		on_ack(d, s, p, len);
		break;
	case OP_MSG_PING: {
		uint64_t w;
		if (op_dec_ping(&w, p, len, &why) < 0) {
			send_error(d, s, OP_PERR_MALFORMED, why);
			break;
		}
		op_buf_reset(&d->body);
		op_enc_ping(&d->body, (uint64_t)op_net_now_ms());
		send_msg(d, s, OP_MSG_PONG, &d->body);
		break;
	}
	case OP_MSG_BYE:
		op_log(OP_LOG_INFO, "%s said goodbye", s->site);
		memset(s, 0, sizeof(*s));
		break;
	case OP_MSG_ERROR: {
		struct op_error_msg e;
		if (op_dec_error(&e, p, len, &why) == 0)
			op_log(OP_LOG_WARN, "%s reports error %llu: %.*s", s->site,
			       (unsigned long long)e.code, (int)e.msg_len, e.msg);
		break;
	}
	default:
		send_error(d, s, OP_PERR_UNKNOWN, "unknown message code");
	}
out:
	op_log_peer(NULL);
	for (int i = 0; i < n && i < 3; i++)
		zmq_msg_close(&f[i]);
}

/* --- keys and sockets --- */

/* Read a Z85 key (40 characters) from the first line of path. */
static int read_key(op_err *e, const char *path, char out[41])
{
	FILE *fp = fopen(path, "r");
	char line[128];
	if (!fp)
		return op_errc(e, EX_CONFIG, "cannot read key '%s': %s (run 'outpost keys "
			       "init')", path, strerror(errno));
	int ok = fgets(line, sizeof(line), fp) != NULL;
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	uint8_t raw[32];
	if (!ok || strlen(line) != 40 || !zmq_z85_decode(raw, line))
		return op_errc(e, EX_CONFIG, "'%s' does not hold a Z85 CURVE key", path);
	memcpy(out, line, 41);
	return 0;
}

static int setup(struct dctx *d)
{
	const struct op_dcfg *cfg = d->cfg;
	char secret[41], public[41], path[4096];
	struct op_sync_cfg sc;
	int zero = 0, one = 1;
	int64_t maxmsg = (int64_t)OP_WIRE_MAX_FRAME * 2;

	if (op_db_open(&d->db, cfg->db, OP_DB_DAEMON, &d->err) < 0)
		return -1;
	if (!op_db_site(d->db))
		return op_errc(&d->err, EX_CONFIG, "%s has no site; run 'outpost init' first",
			       cfg->db);
	if (!!op_db_is_hq(d->db) != !!cfg->hq)
		return op_errc(&d->err, EX_CONFIG, "%s is a %s store; run outpostd %s",
			       cfg->db, op_db_is_hq(d->db) ? "HQ" : "branch",
			       op_db_is_hq(d->db) ? "--hq" : "--branch");
	op_sync_cfg_default(&sc);
	sc.max_ahead_ms = cfg->max_ahead_ms;
	sc.batch_bytes = cfg->batch_bytes;
	sc.log = sync_log;
	if (op_sync_new(&d->sync, d->db, &sc, &d->err) < 0)
		return -1;
	if (!cfg->hq)
		op_log_peer(op_db_site(d->db));	/* every line of a branch is its own */
	op_net_history_baseline(d);
	snprintf(path, sizeof(path), "%s.key", cfg->db);
	if (read_key(&d->err, cfg->key_file ? cfg->key_file : path, secret) < 0)
		return -1;
	if (zmq_curve_public(public, secret) < 0)
		return op_errc(&d->err, EX_CONFIG, "cannot derive the public key: %s",
			       zmq_strerror(zmq_errno()));
	op_buf_init(&d->raw, OP_WIRE_MAX_RAW);
	op_buf_init(&d->z, OP_WIRE_MAX_FRAME);
	op_buf_init(&d->body, OP_WIRE_MAX_FRAME + 256);
	d->zctx = zmq_ctx_new();
	if (cfg->hq) {
		d->sess = calloc(MAX_SESSIONS, sizeof(*d->sess));
		d->zap = zmq_socket(d->zctx, ZMQ_REP);
		if (!d->sess || !d->zap || zmq_bind(d->zap, ZAP_ENDPOINT) < 0)
			return op_errc(&d->err, EX_SOFTWARE, "cannot start the ZAP handler: %s",
				       zmq_strerror(zmq_errno()));
		d->sock = zmq_socket(d->zctx, ZMQ_ROUTER);
		zmq_setsockopt(d->sock, ZMQ_CURVE_SERVER, &one, sizeof(one));
		zmq_setsockopt(d->sock, ZMQ_CURVE_SECRETKEY, secret, 40);
		zmq_setsockopt(d->sock, ZMQ_ZAP_DOMAIN, "outpost", 7);
		zmq_setsockopt(d->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
		zmq_setsockopt(d->sock, ZMQ_LINGER, &zero, sizeof(zero));
		if (zmq_bind(d->sock, cfg->endpoint) < 0)
			return op_errc(&d->err, EX_UNAVAILABLE, "cannot listen on %s: %s",
				       cfg->endpoint, zmq_strerror(zmq_errno()));
		op_log(OP_LOG_INFO, "listening on %s as HQ site %s (schema %d, key %.12s…)",
		       cfg->endpoint, op_db_site(d->db), op_db_schema_max(), public);
	} else {
		char hqkey[41];
		char *meta = cfg->hq_key ? NULL : op_db_meta_get(d->db, "hq_pubkey");
		const char *k = cfg->hq_key ? cfg->hq_key : meta;
		uint8_t raw[32];
		if (!k || strlen(k) != 40 || !zmq_z85_decode(raw, k)) {
			free(meta);
			return op_errc(&d->err, EX_CONFIG, "HQ's public key is not set: run "
				       "'outpost peer hq KEY' or pass --hq-key");
		}
		memcpy(hqkey, k, 41);
		free(meta);
		if (!(d->sess = calloc(1, sizeof(*d->sess))))
			return op_errc(&d->err, EX_OSERR, "out of memory");
		d->nsess = 1;
		/* The branch's one session keeps the three keys for reconnects. */
		memcpy(d->sess[0].rid, hqkey, 41);
		memcpy(d->sess[0].rid + 64, public, 41);
		memcpy(d->sess[0].rid + 128, secret, 41);
	}
	return 0;
}

/* Send HELLO on the branch's socket: a new session. */
static int branch_hello(struct dctx *d)
{
	struct session *s = &d->sess[0];
	struct op_hello h;

	s->ready = 0;
	s->inflight = 0;
	s->idle_sent = 0;
	s->stuck = 0;
	if (op_sync_hello_fill(d->sync, s->site[0] ? s->site : "HQ", &h) < 0)
		return op_errc(&d->err, EX_SOFTWARE, "cannot read the sync state: %s",
			       op_db_err(d->db)->msg);
	h.next_batch = s->seq + 1;
	op_buf_reset(&d->body);
	op_enc_hello(&d->body, &h);
	return send_msg(d, s, OP_MSG_HELLO, &d->body) < 0 ?
		op_errc(&d->err, EX_SOFTWARE, "cannot send HELLO: %s", zmq_strerror(zmq_errno())) : 0;
}

/* (Re)create the branch's DEALER: a fresh socket is a fresh session. */
static int branch_connect(struct dctx *d)
{
	int zero = 0, hb = d->cfg->heartbeat_s * 1000;
	int64_t maxmsg = (int64_t)OP_WIRE_MAX_FRAME * 2;
	struct session *s = &d->sess[0];

	if (d->sock)
		zmq_close(d->sock);
	d->sock = zmq_socket(d->zctx, ZMQ_DEALER);
	zmq_setsockopt(d->sock, ZMQ_CURVE_SERVERKEY, s->rid, 40);
	zmq_setsockopt(d->sock, ZMQ_CURVE_PUBLICKEY, s->rid + 64, 40);
	zmq_setsockopt(d->sock, ZMQ_CURVE_SECRETKEY, s->rid + 128, 40);
	zmq_setsockopt(d->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(d->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
	zmq_setsockopt(d->sock, ZMQ_HEARTBEAT_IVL, &hb, sizeof(hb));
	if (zmq_connect(d->sock, d->cfg->endpoint) < 0)
		return op_errc(&d->err, EX_CONFIG, "cannot connect to %s: %s",
			       d->cfg->endpoint, zmq_strerror(zmq_errno()));
	return branch_hello(d);
}

/* A message from HQ. Returns 1 when HQ said we are caught up. */
static int branch_message(struct dctx *d, int *fatal)
{
	struct session *s = &d->sess[0];
	zmq_msg_t f[2];
	int n = 0, more = 1, code, perr, caught = 0;
	const char *why;

	while (more) {
		zmq_msg_t x;
		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, d->sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&x);
			break;
		}
		more = zmq_msg_more(&x);
		if (n < 2)
			f[n++] = x;
		else
			zmq_msg_close(&x), n++;
	}
	if (n != 2 || op_wire_hdr_parse(zmq_msg_data(&f[0]), zmq_msg_size(&f[0]), &code,
					 &perr, &why) < 0) {
		op_log(OP_LOG_WARN, "HQ sent a malformed message; ignored");
		goto out;
	}
	s->last_seen = op_net_mono_ms();
	const void *p = zmq_msg_data(&f[1]);
	size_t len = zmq_msg_size(&f[1]);
	switch (code) {
	case OP_MSG_WELCOME: {
		struct op_welcome w;
		if (op_dec_welcome(&w, p, len, &why) < 0) {
			op_log(OP_LOG_ERR, "bad WELCOME from HQ: %s", why);
			break;
		}
		snprintf(s->site, sizeof(s->site), "%.*s", (int)w.site_len, w.site);
		s->schema = (int)(w.schema_version < (uint64_t)op_db_schema_max() ?
				  w.schema_version : (uint64_t)op_db_schema_max());
		int rehello = 0;
		s->stream_head = 0;
		if (op_sync_branch_welcome(d->sync, s->site, &w, &s->cursor, &rehello) < 0) {
			op_log(OP_LOG_ERR, "%s", op_db_err(d->db)->msg);
			op_sync_peer_contact(d->sync, s->site, (int)w.schema_version, s->drift,
					     op_db_err(d->db)->msg);
			*fatal = 1;
			break;
		}
		if (rehello) {		/* re-baselining: a new session as the new store */
			if (branch_hello(d) < 0)
				*fatal = 1;
			break;
		}
		s->ready = 1;
		s->progress = op_net_mono_ms();
		int64_t offset = op_net_now_ms() - (int64_t)w.wall_ms;
		s->drift = -offset;
		op_sync_set_offset(d->sync, offset);
		op_sync_peer_contact(d->sync, s->site, (int)w.schema_version, offset, NULL);
		if (offset > d->cfg->max_ahead_ms || offset < -d->cfg->max_ahead_ms)
			op_log(OP_LOG_WARN, "this clock is %+lld s off HQ's; stamping changes "
			       "in HQ time (clamped)", (long long)(offset / 1000));
		op_log(OP_LOG_INFO, "connected to %s (schema %llu); HQ has our changes to "
		       "version %llu", s->site, (unsigned long long)w.schema_version,
		       (unsigned long long)w.applied_batch);
		break;
	}
	case OP_MSG_BATCH: {
		struct op_batch_hdr h;
		if (op_dec_batch_hdr(&h, p, len, &why) == 0 && h.count == 0)
			caught = 1;
		on_batch(d, s, p, len);
		break;
	}
	case OP_MSG_ACK:
		on_ack(d, s, p, len);
		break;
	case OP_MSG_PONG:
		break;
	case OP_MSG_PING: {
		op_buf_reset(&d->body);
		op_enc_ping(&d->body, (uint64_t)op_net_now_ms());
		send_msg(d, s, OP_MSG_PONG, &d->body);
		break;
	}
	case OP_MSG_ERROR: {
		struct op_error_msg e;
		if (op_dec_error(&e, p, len, &why) < 0)
			break;
		op_log(OP_LOG_ERR, "HQ refused: %.*s (error %llu)", (int)e.msg_len, e.msg,
		       (unsigned long long)e.code);
		char msg[300];
		snprintf(msg, sizeof(msg), "%.*s", (int)e.msg_len, e.msg);
		op_sync_peer_contact(d->sync, s->site[0] ? s->site : "HQ", s->schema, s->drift, msg);
		if (e.code == OP_PERR_SCHEMA || e.code == OP_PERR_VERSION ||
		    e.code == OP_PERR_REFUSED)
			*fatal = 1;
		else if (e.code == OP_PERR_NOT_READY)
			*fatal = 3;			/* HQ lost our session: HELLO again */
		else
			s->ready = 0, *fatal = 2;	/* retry after a pause */
		break;
	}
	default:
		op_log(OP_LOG_WARN, "HQ sent unknown message %d", code);
	}
out:
	for (int i = 0; i < n && i < 2; i++)
		zmq_msg_close(&f[i]);
	return caught;
}

static int branch_run(struct dctx *d, volatile sig_atomic_t *stop)
{
	struct session *s = &d->sess[0];
	int64_t start = op_net_mono_ms(), last_ping = 0, connected_at;
	int64_t hello_at = start;	/* --timeout counts from the last new session */
	int caught = 0, rc = 0;

	if (branch_connect(d) < 0)
		return -1;
	connected_at = op_net_mono_ms();
	s->last_seen = 0;
	while (!*stop) {
		zmq_pollitem_t it = { d->sock, 0, ZMQ_POLLIN, 0 };
		int64_t now = op_net_mono_ms();
		if (zmq_poll(&it, 1, 100) < 0 && zmq_errno() != EINTR)
			return op_errc(&d->err, EX_SOFTWARE, "poll: %s", zmq_strerror(zmq_errno()));
		while (it.revents & ZMQ_POLLIN) {
			int fatal = 0;
			caught |= branch_message(d, &fatal);
			if (fatal == 1)
				return op_errc(&d->err, EX_CONFIG, "HQ refused this branch");
			if (fatal == 2) {
				sleep(1);
				break;
			}
			if (fatal == 3) {
				if (branch_connect(d) < 0)
					return -1;
				connected_at = hello_at = op_net_mono_ms();
				s->last_seen = 0;
				caught = 0;
				break;
			}
			zmq_pollitem_t again = { d->sock, 0, ZMQ_POLLIN, 0 };
			if (zmq_poll(&again, 1, 0) <= 0)
				break;
		}
		op_net_history_due(d, !(it.revents & ZMQ_POLLIN));
		op_net_chores(d);
		now = op_net_mono_ms();
		if (!s->ready) {
			if (d->cfg->once && now - (s->last_seen > hello_at ? s->last_seen : hello_at) >
					    d->cfg->timeout_s * 1000L)
				return op_errc(&d->err, EX_UNAVAILABLE,
					       "HQ at %s did not answer within %d s (unreachable, "
					       "or this branch's key is not enrolled)",
					       d->cfg->endpoint, d->cfg->timeout_s);
			if (now - connected_at > 5000L) {	/* resend HELLO */
				if (branch_connect(d) < 0)
					return -1;
				connected_at = now;
			}
			continue;
		}
		/* Local writes reach HQ as soon as they are journaled (once a
		 * re-baseline has brought this store's own history back). */
		if (!op_sync_rebasing(d->sync) && op_sync_pending(d->sync) > 0)
			stamp_some(d);
		pump_out(d, s, op_sync_head(d->sync));
		/* A --once round that has caught up is about to exit, and
		 * exiting waits for the merge: it starts none then (its first
		 * idle turn started one, beside the round). */
		if (!(d->cfg->once && caught))
			op_net_history_repack(d, 0);
		if (now - last_ping > d->cfg->heartbeat_s * 1000L) {
			op_buf_reset(&d->body);
			op_enc_ping(&d->body, (uint64_t)op_net_now_ms());
			send_msg(d, s, OP_MSG_PING, &d->body);
			last_ping = now;
		}
		if (s->last_seen && now - s->last_seen > 3L * d->cfg->heartbeat_s * 1000) {
			op_log(OP_LOG_WARN, "HQ silent for %d s; reconnecting",
			       3 * d->cfg->heartbeat_s);
			if (branch_connect(d) < 0)
				return -1;
			connected_at = hello_at = now;
			s->last_seen = 0;
			caught = 0;
			continue;
		}
		if (d->cfg->once && caught && s->inflight == 0 &&
		    op_sync_pending(d->sync) == 0 && s->idle_sent == s->cursor + 1) {
			if (s->failed) {
				rc = op_errc(&d->err, EX_TEMPFAIL, "a batch from %s was refused "
					     "(see above); not in sync", s->site);
				break;
			}
			op_log(OP_LOG_INFO, "in sync with %s", s->site);
			break;
		}
		if (d->cfg->once && now - s->progress > d->cfg->timeout_s * 1000L && s->stuck)
			return op_errc(&d->err, EX_PROTOCOL, "no progress with %s for %d s "
				       "(see above); not in sync", s->site, d->cfg->timeout_s);
		if (d->cfg->once && now - s->progress > d->cfg->timeout_s * 1000L)
			return op_errc(&d->err, EX_UNAVAILABLE, "no progress with %s for %d s; "
				       "not in sync", s->site, d->cfg->timeout_s);
		if (d->cfg->once && now - start > d->cfg->timeout_s * 1000L * 10)
			return op_errc(&d->err, EX_UNAVAILABLE, "sync did not finish in time");
	}
	if (s->ready)
		send_msg(d, s, OP_MSG_BYE, NULL);
	op_sync_gc(d->sync);
	return rc < 0 ? -1 : rc;
}

/* HQ reclassifies once no batch has come for this long (hq_run). */
#define QUIET_MS 2000

static int hq_run(struct dctx *d, volatile sig_atomic_t *stop)
{
	/* the first reclassification is due at the first merge */
	int64_t last_gc = op_net_mono_ms();
	int64_t last_classify = last_gc - d->cfg->classify_s * 1000L;
	while (!*stop) {
		zmq_pollitem_t it[2] = { { d->sock, 0, ZMQ_POLLIN, 0 },
					 { d->zap, 0, ZMQ_POLLIN, 0 } };
		if (zmq_poll(it, 2, 100) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			return op_errc(&d->err, EX_SOFTWARE, "poll: %s", zmq_strerror(zmq_errno()));
		}
		if (it[1].revents & ZMQ_POLLIN)
			zap_handle(d);
		for (int k = 0; k < 256 && (it[0].revents & ZMQ_POLLIN); k++) {
			hq_message(d);
			zmq_pollitem_t again = { d->sock, 0, ZMQ_POLLIN, 0 };
			if (zmq_poll(&again, 1, 0) <= 0)
				break;
		}
		if (op_sync_pending(d->sync) > 0)
			stamp_some(d);
		int64_t now = op_net_mono_ms();
		uint64_t head = op_sync_head(d->sync);
		for (int i = 0; i < d->nsess; i++) {
			struct session *s = &d->sess[i];
			if (!s->rid_len)
				continue;
			if (now - s->last_seen > 6L * d->cfg->heartbeat_s * 1000) {
				op_log(OP_LOG_INFO, "%s went quiet; session closed", s->site);
				memset(s, 0, sizeof(*s));
				continue;
			}
			/* Upload before download: a branch's pending edits reach HQ
			 * before HQ's changes (a delete, say) can land on them. */
			if (s->uploaded)
				pump_out(d, s, head);
		}
		op_net_history_due(d, !(it[0].revents & ZMQ_POLLIN));
		op_net_history_repack(d, 0);
		if (now - last_gc > 60000) {
			op_sync_gc(d->sync);
			last_gc = now;
		}
		op_net_chores(d);
		/* Customer classes follow the consolidated data: recomputed
		 * after sync, at most every --classify-every seconds, once no
		 * batch has come for QUIET_MS: over 200,000 customers it takes
		 * 8-25 s, in which the loop answers no one, and a branch
		 * uploading meanwhile took HQ for gone and reconnected. Never
		 * quiet (many busy branches): at the latest one interval late. */
		int64_t every = d->cfg->classify_s * 1000L;
		int quiet = !(it[0].revents & ZMQ_POLLIN) && now - d->batch_at >= QUIET_MS;
		if (d->applied && d->cfg->classify_s > 0 && now - last_classify > every &&
		    (quiet || now - last_classify > 2 * every)) {
			op_db *cdb = NULL;
			op_err ce = { 0 };
			int64_t t0 = op_net_mono_ms();
			/* On a connection of its own, closed after: whatever the
			 * report sets (pragmas, its cache) leaves with it. */
			if (op_db_open(&cdb, d->cfg->db, OP_DB_DAEMON, &ce) < 0 ||
			    op_classify(cdb, NULL, NULL, NULL, NULL) < 0)
				op_log(OP_LOG_WARN, "classify after sync failed: %s",
				       cdb ? op_db_err(cdb)->msg : ce.msg);
			else
				op_log(OP_LOG_INFO, "customers reclassified in %lld ms",
				       (long long)(op_net_mono_ms() - t0));
			op_db_free(cdb);
			d->applied = 0;
			last_classify = now;
		}
	}
	return 0;
}

int op_daemon_run(const struct op_dcfg *cfg, volatile sig_atomic_t *stop)
{
	/* A daemon that stays merges packs a minute after it starts; a
	 * --once run at its first idle moment, while HQ answers. */
	struct dctx d = { .cfg = cfg, .repack_at = cfg->once ? 0 : op_net_mono_ms() };
	int rc;

	op_log_set_level(cfg->log_level);
	if (setup(&d) < 0)
		rc = -1;
	else if (cfg->ready && (cfg->ready(), 0))
		rc = -1;
	else
		rc = cfg->hq ? hq_run(&d, stop) : branch_run(&d, stop);
	op_net_history_end(&d);
	if (rc < 0)
		op_log(OP_LOG_ERR, "%s", d.err.msg[0] ? d.err.msg : op_db_err(d.db)->msg);
	/* why a branch gave up is kept for `sync status`, not only logged */
	if (rc < 0 && !cfg->hq && d.db && d.err.msg[0] &&
	    op_health_record_error(d.db, d.err.msg) < 0)
		op_log(OP_LOG_WARN, "cannot record the error: %s", op_db_err(d.db)->msg);
	int code = rc < 0 ? (d.err.code ? d.err.code : EX_SOFTWARE) : 0;
	if (d.sock)
		zmq_close(d.sock);
	if (d.zap)
		zmq_close(d.zap);
	if (d.zctx)
		zmq_ctx_term(d.zctx);
	free(d.sess);
	op_buf_free(&d.raw);
	op_buf_free(&d.z);
	op_buf_free(&d.body);
	op_sync_free(d.sync);
	op_db_free(d.db);
	return code;
}
