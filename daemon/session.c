/*
 * session.c — the start of a sync session (see sync.h and docs/SYNC.md,
 * section 10): who is at the other end and which copy of its store it is.
 *
 * A branch opens with HELLO (its site, schema, cursor, newest version and
 * incarnation); HQ checks it against what it holds from that site and
 * answers WELCOME. A store whose counter went back (restored from a backup)
 * or that is another copy (a new PC) is given a fresh incarnation and
 * re-baselined: it numbers new versions past what HQ has, receives HQ's
 * whole stream again with its own rows, and stamps its journal only once
 * that is in. A retired incarnation is refused. Received batches are
 * checked against the peer's cursor here before sync.c applies them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"

int op_sync_rebasing(op_sync *s)
{
	return !s->hq && op_db_meta_int(s->db, "rebasing", 0) != 0;
}

int op_sync_caught_up(op_sync *s)
{
	if (!op_sync_rebasing(s))
		return 0;
	op_sync_logf(s, OP_LOG_INFO, "re-baseline done: this store has its history back from HQ");
	/* versions to here are what HQ had: the rechecked journal entries
	 * are measured against them */
	if (op_db_meta_int(s->db, "recheck_seq", 0) &&
	    op_db_meta_set_int(s->db, "recheck_ver", (int64_t)op_sync_head(s)) < 0)
		return -1;
	return op_db_meta_set_int(s->db, "rebasing", 0);
}

/* This store's incarnation (created by migration 008, renewed by a
 * re-baseline), copied into s->inc. */
static const char *incarnation(op_sync *s)
{
	char *v = op_db_meta_get(s->db, "incarnation");
	snprintf(s->inc, sizeof(s->inc), "%s", v ? v : "");
	free(v);
	return s->inc;
}

int op_sync_hello_fill(op_sync *s, const char *hq, struct op_hello *h)
{
	uint64_t recv = 0, acked = 0;
	memset(h, 0, sizeof(*h));
	if (op_sync_peer_get(s, hq, &recv, &acked) < 0)
		return -1;
	h->site = s->site;
	h->site_len = strlen(s->site);
	h->schema_version = (uint64_t)op_db_schema_max();
	h->recv_ver = recv;
	h->head_ver = op_sync_head(s);
	h->incarnation = incarnation(s);
	h->incarnation_len = strlen(s->inc);
	h->wall_ms = (uint64_t)op_sync_now(s);
	return 0;
}

static const char SQL_PEER_IDENT[] =
	"SELECT recv_ver, incarnation, next_incarnation, coalesce(retired, '')"
	" FROM peer WHERE site = :p";
static const char SQL_PEER_REFUSED[] =
	"UPDATE peer SET refused = refused + 1, last_error = :e WHERE site = :p";
static const char SQL_PEER_INC[] =
	"INSERT INTO peer(site, incarnation) VALUES (:p, :i)"
	" ON CONFLICT(site) DO UPDATE SET incarnation = excluded.incarnation";
static const char SQL_PEER_NEXT[] =
	"INSERT INTO peer(site, next_incarnation) VALUES (:p, :i)"
	" ON CONFLICT(site) DO UPDATE SET next_incarnation = excluded.next_incarnation";
static const char SQL_PEER_ADOPT[] =
	"UPDATE peer SET retired = trim(coalesce(retired, '') || ' ' ||"
	" coalesce(incarnation, '')), incarnation = next_incarnation,"
	" next_incarnation = NULL, rebase_upto = :v WHERE site = :p";
static const char SQL_SITE_HLC[] =
	"SELECT max(h) FROM (SELECT max(hlc) AS h FROM clock WHERE site = :p"
	" UNION ALL SELECT max(hlc) FROM counter WHERE site = :p)";

/* Is word w (n bytes) one of the space-separated words of list? */
static int in_list(const char *list, const char *w, size_t n)
{
	for (const char *p = list; n && *p; ) {
		size_t k = strcspn(p, " ");
		if (k == n && memcmp(p, w, n) == 0)
			return 1;
		p += k;
		p += *p == ' ';
	}
	return 0;
}

static int refuse(op_sync *s, const char *peer, int *perr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	*perr = OP_PERR_REFUSED;
	op_sync_logf(s, OP_LOG_ERR, "refused %s: %s", peer, s->why);
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PEER_REFUSED);
	if (st && op_bind_text(s->db, st, ":e", s->why) == 0 &&
	    op_bind_text(s->db, st, ":p", peer) == 0)
		op_db_run(s->db, st);
	return op_errc(op_db_err(s->db), EX_NOPERM, "%s", s->why);
}

static int peer_text_set(op_sync *s, const char *sql, const char *peer,
			 const char *v)
{
	sqlite3_stmt *st = op_db_stmt(s->db, sql);
	if (!st || op_bind_text(s->db, st, ":i", v) < 0 ||
	    op_bind_text(s->db, st, ":p", peer) < 0)
		return -1;
	return op_db_run(s->db, st);
}

int op_sync_hq_hello(op_sync *s, const char *key_site, const struct op_hello *h,
		     struct op_welcome *w, int *perr)
{
	uint64_t recv = 0;
	char cur[OP_WIRE_MAX_INC + 1] = "", next[OP_WIRE_MAX_INC + 1] = "", *retired = NULL;
	const char *inc = h->incarnation;
	size_t il = h->incarnation_len;
	int rc;

	memset(w, 0, sizeof(*w));
	*perr = OP_PERR_INTERNAL;
	if (h->site_len != strlen(key_site) || memcmp(h->site, key_site, h->site_len) != 0)
		return refuse(s, key_site, perr, "this connection's key belongs to %s, but its "
			      "HELLO says it is '%.*s'", key_site, (int)h->site_len, h->site);
	if (h->schema_version < 1) {
		*perr = OP_PERR_SCHEMA;
		return op_errc(op_db_err(s->db), EX_PROTOCOL, "schema version 0 cannot sync");
	}
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PEER_IDENT);
	if (!st || op_bind_text(s->db, st, ":p", key_site) < 0)
		return -1;
	if ((rc = op_db_step(s->db, st)) == SQLITE_ROW) {
		recv = (uint64_t)sqlite3_column_int64(st, 0);
		snprintf(cur, sizeof(cur), "%s", sqlite3_column_text(st, 1) ?
			 (const char *)sqlite3_column_text(st, 1) : "");
		snprintf(next, sizeof(next), "%s", sqlite3_column_text(st, 2) ?
			 (const char *)sqlite3_column_text(st, 2) : "");
		retired = strdup((const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_reset(st);
	if (rc < 0 || (rc == SQLITE_ROW && !retired)) {
		free(retired);
		return rc < 0 ? -1 : op_errc(op_db_err(s->db), EX_OSERR, "out of memory");
	}
	rc = 0;
	if (il && retired && in_list(retired, inc, il)) {
		rc = refuse(s, key_site, perr, "this copy of %s's store (incarnation %.*s) was "
			    "replaced by a re-baselined one; rebuild this PC with 'outpost "
			    "init --site %s --from-hq'", key_site, (int)il, inc, key_site);
		goto out;
	}
	snprintf(s->inc, sizeof(s->inc), "%.*s", (int)il, inc);
	w->site = s->site;
	w->site_len = strlen(s->site);
	w->schema_version = (uint64_t)op_db_schema_max();
	w->applied_batch = recv;
	w->incarnation = s->inc;
	w->incarnation_len = strlen(s->inc);
	if (op_db_begin(s->db, NULL) < 0) {
		rc = -1;
		goto out;
	}
	if (next[0] && il == strlen(next) && memcmp(inc, next, il) == 0) {
		/* the branch took the incarnation we gave it: from now on its
		 * old one is retired, and it gets its own history back */
		st = op_db_stmt(s->db, SQL_PEER_ADOPT);
		rc = !st || op_bind_int(s->db, st, ":v", (int64_t)op_sync_head(s)) < 0 ||
		     op_bind_text(s->db, st, ":p", key_site) < 0 ? -1 : op_db_run(s->db, st);
		op_sync_logf(s, OP_LOG_WARN, "%s re-baselined as incarnation %s: sending back its "
		      "own changes to version %llu", key_site, s->inc,
		      (unsigned long long)op_sync_head(s));
	} else if (recv > 0 && (h->head_ver < recv ||
				(cur[0] && (il != strlen(cur) || memcmp(inc, cur, il))))) {
		/* Its counter went back (restored from a backup) or it is another
		 * store (a new PC): it must re-baseline before it writes again. */
		uint64_t hlc = 0;
		char fresh[33];
		sqlite3_stmt *r = op_db_stmt(s->db, "SELECT lower(hex(randomblob(16)))");
		if (r && op_db_step(s->db, r) == SQLITE_ROW)
			snprintf(fresh, sizeof(fresh), "%s", sqlite3_column_text(r, 0));
		if (r)
			sqlite3_reset(r);
		/* A store speaking as the incarnation we know is a restored copy:
		 * its pending journal may hold entries the old copy already sent,
		 * up to the newest change we hold from it. A store of another
		 * incarnation (a new PC) holds none of the old copy's entries. */
		int same = !cur[0] || (il == strlen(cur) && memcmp(inc, cur, il) == 0);
		rc = !r || (same && op_sync_peer_int(s, SQL_SITE_HLC, key_site, &hlc) < 0) ||
		     peer_text_set(s, SQL_PEER_NEXT, key_site, fresh) < 0 ? -1 : 0;
		snprintf(s->inc, sizeof(s->inc), "%s", fresh);
		w->incarnation_len = strlen(s->inc);
		w->rebase = 1;
		w->site_hlc = hlc;
		op_sync_logf(s, OP_LOG_WARN, "%s is behind what HQ has from it (its versions to %llu, "
		      "HQ has them to %llu; incarnation %.*s, was %s): restored from a backup "
		      "or a new PC; re-baselining it", key_site,
		      (unsigned long long)h->head_ver, (unsigned long long)recv, (int)il, inc,
		      cur[0] ? cur : "unknown");
	} else if (il && (il != strlen(cur) || memcmp(inc, cur, il) != 0)) {
		rc = peer_text_set(s, SQL_PEER_INC, key_site, s->inc);
	}
	if (rc < 0 || op_db_commit(s->db) < 0) {
		op_db_rollback(s->db);
		rc = -1;
	}
out:
	free(retired);
	return rc;
}

/* Every version this store wrote itself gets a new number past base, in
 * the order it had: HQ's copy of them may come from another copy of this
 * store (the one the backup replaced), which numbered other changes the
 * same, so HQ may lack some of them although its cursor is past them.
 * They all go again; HQ keeps whichever of each is newer. */
static const char *const SQL_RENUMBER[] = {
	"CREATE TEMP TABLE rebase_renum(n INTEGER PRIMARY KEY, k INTEGER,"
	" tbl INTEGER, gid TEXT, col INTEGER)",
	"INSERT INTO rebase_renum(k, tbl, gid, col) SELECT k, tbl, gid, col FROM"
	" (SELECT 0 AS k, tbl, gid, col, ver FROM clock WHERE site = :me"
	"  UNION ALL SELECT 1, tbl, gid, col, ver FROM counter WHERE site = :me)"
	" ORDER BY ver, k",
	"UPDATE clock SET ver = :base + r.n FROM rebase_renum AS r WHERE r.k = 0"
	" AND clock.tbl = r.tbl AND clock.gid = r.gid AND clock.col = r.col",
	"UPDATE counter SET ver = :base + r.n FROM rebase_renum AS r WHERE r.k = 1"
	" AND counter.tbl = r.tbl AND counter.gid = r.gid AND counter.col = r.col"
	" AND counter.site = :me",
	"UPDATE meta SET value = :base + (SELECT count(*) FROM rebase_renum)"
	" WHERE key = 'ver'",
	"DROP TABLE rebase_renum",
};

static int renumber_own(op_sync *s, uint64_t base)
{
	for (size_t i = 0; i < sizeof(SQL_RENUMBER) / sizeof(SQL_RENUMBER[0]); i++) {
		sqlite3_stmt *st = op_db_stmt(s->db, SQL_RENUMBER[i]);
		if (!st)
			return -1;
		int me = sqlite3_bind_parameter_index(st, ":me");
		int b = sqlite3_bind_parameter_index(st, ":base");
		if ((me && sqlite3_bind_text(st, me, s->site, -1, SQLITE_STATIC) != SQLITE_OK) ||
		    (b && sqlite3_bind_int64(st, b, (int64_t)base) != SQLITE_OK))
			return op_db_fail(s->db, "renumbering this store's versions");
		if (op_db_run(s->db, st) < 0)
			return -1;
	}
	return 0;
}

static const char SQL_RECV_RESET[] =
	"INSERT INTO peer(site, recv_ver) VALUES (:p, 0)"
	" ON CONFLICT(site) DO UPDATE SET recv_ver = 0";
static const char SQL_JOURNAL_MAX[] = "SELECT coalesce(max(seq), 0) FROM journal";

/* The journal entries pending now may have been sent by the old copy of
 * this store (the one a backup replaced): each is checked, once HQ has
 * given this store's rows back, against what HQ had (stamp_one). */
static int recheck_pending(op_sync *s)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_JOURNAL_MAX);
	int64_t max = 0, from = op_db_meta_int(s->db, "stamped_seq", 0);
	if (!st)
		return -1;
	if (op_db_step(s->db, st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (max > from)
		op_sync_logf(s, OP_LOG_INFO, "journal entries %lld..%lld may have been sent by the "
			     "old copy of this store: each is checked against what HQ gives back",
			     (long long)from + 1, (long long)max);
	return op_db_meta_set_int(s->db, "recheck_seq", max > from ? max : 0) < 0 ||
	       op_db_meta_set_int(s->db, "recheck_from", op_db_meta_int(s->db, "ver", 0)) < 0 ||
	       op_db_meta_set_int(s->db, "recheck_ver", 0) < 0 ? -1 : 0;
}

int op_sync_branch_welcome(op_sync *s, const char *hq, const struct op_welcome *w,
			   uint64_t *cursor, int *rehello)
{
	uint64_t head = op_sync_head(s);
	char inc[OP_WIRE_MAX_INC + 1];

	*rehello = 0;
	*cursor = w->applied_batch;
	/* the clock's offset from HQ's, before anything below compares this
	 * store's times with HQ's (skip_sent) */
	op_sync_set_offset(s, op_sync_now(s) - (int64_t)w->wall_ms);
	if (!w->rebase) {
		if (w->applied_batch > head)
			return op_errc(op_db_err(s->db), EX_PROTOCOL, "HQ has this store's "
				       "changes to version %llu, past its newest (%llu): it was "
				       "restored from an older backup and HQ does not re-baseline it",
				       (unsigned long long)w->applied_batch,
				       (unsigned long long)head);
		return 0;
	}
	snprintf(inc, sizeof(inc), "%.*s", (int)w->incarnation_len, w->incarnation);
	if (!inc[0])
		return op_errc(op_db_err(s->db), EX_PROTOCOL, "HQ asked for a re-baseline "
			       "without an incarnation");
	if (op_db_begin(s->db, NULL) < 0)
		return -1;
	/* New versions are numbered past what HQ has; HQ's whole stream comes
	 * again (with our own rows); stamping waits until it is in. */
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_RECV_RESET);
	if (op_db_meta_set(s->db, "incarnation", inc) < 0 ||
	    op_db_meta_set_int(s->db, "ver", (int64_t)(head > w->applied_batch ? head :
						       w->applied_batch)) < 0 ||
	    renumber_own(s, head > w->applied_batch ? head : w->applied_batch) < 0 ||
	    op_db_meta_set_int(s->db, "rebasing", 1) < 0 ||
	    !st || op_bind_text(s->db, st, ":p", hq) < 0 || op_db_run(s->db, st) < 0 ||
	    recheck_pending(s) < 0 || op_db_commit(s->db) < 0) {
		op_db_rollback(s->db);
		return -1;
	}
	op_sync_logf(s, OP_LOG_WARN, "this store is behind what HQ has from it (versions to %llu, "
	      "HQ has %llu): restored from a backup or a new PC; re-baselining as "
	      "incarnation %s", (unsigned long long)head,
	      (unsigned long long)w->applied_batch, inc);
	*rehello = 1;
	return 0;
}

int op_sync_receive(op_sync *s, const char *peer, uint64_t from_ver,
		    uint64_t upto_ver, const void *raw, size_t n, uint64_t count,
		    uint64_t *ack_upto, int *perr)
{
	uint64_t recv, acked;

	*perr = OP_PERR_INTERNAL;
	if (op_sync_peer_get(s, peer, &recv, &acked) < 0)
		return -1;
	*ack_upto = recv;
	/* A gap (a batch lost before a reconnect): the ACK says where we are,
	 * and the sender resends from there. A duplicate: ACK, nothing else. */
	if (from_ver > recv)
		return 0;
	if (upto_ver > recv) {
		if (op_sync_apply(s, peer, raw, count ? n : 0, count, upto_ver, perr) < 0)
			return -1;
		*ack_upto = upto_ver;
	}
	/* HQ had nothing more for us, and nothing before it is missing: a
	 * re-baseline is complete (an empty batch after a gap says nothing) */
	if (count == 0 && op_sync_caught_up(s) < 0)
		return -1;
	return count > 0 && upto_ver > recv;
}
