/*
 * cmd_status.c — `outpost sync status`: how sync is going, read from the
 * tables outpostd keeps (peer, journal, stamp_mark, clock, counter,
 * conflict, meta), so it works with the daemon stopped. At a branch: what
 * waits to go to HQ and the last contact. At HQ: every branch with its
 * state from daemon/health.h (ok, behind, stale, refused). Both say whether
 * the history and the backups work; --stale makes it a health check.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "health.h"
#include "syncout.h"
#include "tables.h"

/* The numbers of the tables routed one way, bound into the status queries
 * and matched with instr(), so their SQL stays constant. */
#define route_tables op_health_route_tables


/* On a branch: the HQ row (a branch has one peer; prefer one named HQ). */
static const char SQL_ST_HQ[] =
	"SELECT site, last_contact, acked_ver, recv_ver, drift_ms, schema_version,"
	"       last_error FROM peer"
	" ORDER BY site = 'HQ' DESC, revoked_at IS NOT NULL, last_contact DESC, site"
	" LIMIT 1";
/* Sync status is about the store, not about rows: the whole journal, even
 * for a reader confined to a scope (schema/scope.h). */
static const char SQL_ST_UNSTAMPED[] =
	"SELECT count(*) FROM main.journal WHERE seq > :stamped";
/* Our own versions the peer has not acknowledged, of tables routed its way. */
static const char SQL_ST_UNACKED[] =
	"SELECT (SELECT count(*) FROM clock WHERE ver > :acked AND site = :site"
	"          AND instr(:tbls, ',' || tbl || ',') > 0)"
	"     + (SELECT count(*) FROM counter WHERE ver > :acked AND site = :site"
	"          AND instr(:tbls, ',' || tbl || ',') > 0)";
/* The oldest journal entry HQ does not have yet. While stamped versions are
 * unacknowledged, stamp_mark says which journal entries those acked
 * versions covered; otherwise everything stamped is through. */
static const char SQL_ST_OLDEST[] =
	"SELECT min(ts) FROM main.journal WHERE seq > CASE WHEN :unacked > 0"
	"  THEN coalesce((SELECT max(seq_upto) FROM stamp_mark"
	"                 WHERE ver_upto <= :acked), 0)"
	"  ELSE :stamped END";
static const char SQL_ST_CONFLICTS[] =
	"SELECT count(*) FROM conflict WHERE resolved_at IS NULL";
static const char SQL_ST_BRANCHES[] =
	"SELECT count(*) FROM peer WHERE revoked_at IS NULL";
/* The store's own machinery (history, backups) as status fields; 1 when
 * something is failing. */
static int health_fields(struct rec *r, const struct op_health_store *hs)
{
	rec_put(r, "history_error", hs->history_error, OP_K_TEXT);
	rec_put(r, "history_error_at", hs->history_error_at, OP_K_TEXT);
	rec_put(r, "backup_last", hs->backup_last, OP_K_TEXT);
	rec_put(r, "backup_error", hs->backup_error, OP_K_TEXT);
	return hs->history_error || hs->backup_error;
}

static const char SQL_ST_AGE[] =
	"SELECT CAST((julianday('now') - julianday(max(last_contact))) * 86400 AS INTEGER)"
	"  FROM peer WHERE revoked_at IS NULL";

static int64_t contact_age(op_db *db)
{
	int64_t v;
	int isnull;
	sqlite3_stmt *st = op_db_stmt(db, SQL_ST_AGE);
	return st && one_int(db, st, &v, &isnull) == 0 && !isnull ? v : -1;
}

static int status_branch(struct op_cli *cli, int64_t stale_s)
{
	op_db *db = cli->db;
	const char *site = op_db_site(db);
	int human = cli->fmt == OP_FMT_TABLE, has_hq = 0, null_oldest;
	int64_t stamped = op_db_meta_int(db, "stamped_seq", 0), acked = 0;
	int64_t unstamped, unacked, oldest, conflicts;
	char tbls[256], buf[64];
	char *pin = op_db_meta_get(db, "hq_pubkey");
	struct rec hq = { 0 }, r = { 0 };
	sqlite3_stmt *st;
	int rc = -1, unhealthy = 0;

	route_tables(tbls, sizeof(tbls), OP_ROUTE_UP);
	if (!(st = op_db_stmt(db, SQL_ST_HQ)) || (rc = op_db_step(db, st)) < 0)
		goto out;
	if (rc == SQLITE_ROW) {
		has_hq = 1;
		acked = sqlite3_column_int64(st, 2);
		for (int i = 0; i < 7; i++)
			rec_col(&hq, sqlite3_column_name(st, i), st, i);
	}
	sqlite3_reset(st);
	rc = -1;
	if (!(st = op_db_stmt(db, SQL_ST_UNSTAMPED)) ||
	    op_bind_int(db, st, ":stamped", stamped) < 0 ||
	    one_int(db, st, &unstamped, NULL) < 0)
		goto out;
	if (!(st = op_db_stmt(db, SQL_ST_UNACKED)) ||
	    op_bind_int(db, st, ":acked", acked) < 0 ||
	    op_bind_text(db, st, ":site", site) < 0 ||
	    op_bind_text(db, st, ":tbls", tbls) < 0 ||
	    one_int(db, st, &unacked, NULL) < 0)
		goto out;
	if (!(st = op_db_stmt(db, SQL_ST_OLDEST)) ||
	    op_bind_int(db, st, ":unacked", unacked) < 0 ||
	    op_bind_int(db, st, ":acked", acked) < 0 ||
	    op_bind_int(db, st, ":stamped", stamped) < 0 ||
	    one_int(db, st, &oldest, &null_oldest) < 0)
		goto out;
	if (!(st = op_db_stmt(db, SQL_ST_CONFLICTS)) || one_int(db, st, &conflicts, NULL) < 0)
		goto out;

	/* hq fields: 0 site, 1 last_contact, 2 acked_ver, 3 recv_ver,
	 * 4 drift_ms, 5 schema_version, 6 last_error */
#define HQV(i) (has_hq ? hq.vals[i] : NULL)
#define HQK(i) (has_hq ? hq.kinds[i] : OP_K_NULL)
	rec_put(&r, "site", site, OP_K_TEXT);
	rec_put(&r, "role", "branch", OP_K_TEXT);
	rec_int(&r, "schema_version", op_db_schema_version(db));
	rec_put(&r, "hq", HQV(0) ? HQV(0) : human ? _("(not yet in contact)") : NULL,
		OP_K_TEXT);
	if (pin && human)
		snprintf(buf, sizeof(buf), "%.12s…", pin);
	rec_put(&r, "hq_pubkey", pin ? (human ? buf : pin) :
		human ? _("not pinned: run 'outpost peer hq KEY'") : NULL, OP_K_TEXT);
	rec_put(&r, "last_contact", HQV(1) ? HQV(1) : human ? _("never") : NULL,
		OP_K_TEXT);
	rec_int(&r, "unsent", unstamped + unacked);
	if (null_oldest) {
		rec_put(&r, "lag_seconds", human ? "-" : NULL, OP_K_INT);
	} else {
		int64_t lag = (now_ms() - oldest) / 1000;
		if (lag < 0)
			lag = 0;
		if (human) {
			fmt_age(buf, sizeof(buf), lag);
			rec_put(&r, "lag_seconds", buf, OP_K_TEXT);
		} else {
			rec_int(&r, "lag_seconds", lag);
		}
	}
	rec_put(&r, "drift_ms", HQV(4), HQK(4));
	rec_put(&r, "hq_schema_version", HQV(5), HQK(5));
	rec_put(&r, "recv_ver", HQV(3), HQK(3));
	rec_int(&r, "acked_ver", acked);
	rec_int(&r, "open_conflicts", conflicts);
	struct op_health_store hs;
	op_health_store_read(db, &hs);
	/* a branch that never reached HQ keeps why in meta */
	rec_put(&r, "last_error", has_hq ? HQV(6) : hs.sync_error, OP_K_TEXT);
	unhealthy = health_fields(&r, &hs);
	op_health_store_free(&hs);
	int64_t age = has_hq && HQV(1) ? contact_age(db) : -1;
	if (stale_s > 0 && (age < 0 || age > stale_s)) {
		char a[32] = "never";
		if (age >= 0)
			fmt_age(a, sizeof(a), age);
		cli_warn(cli, "%s: last contact with HQ %s%s (limit %" PRId64 " s)", site,
			 age >= 0 ? a : "never", age >= 0 ? " ago" : "", stale_s);
		unhealthy = 1;
	}
#undef HQV
#undef HQK
	rec_print(cli, &r);
	rc = 0;
out:
	rec_clear(&hq);
	rec_clear(&r);
	free(pin);
	return rc < 0 ? cli_fail(cli) : stale_s > 0 && unhealthy ? EX_UNAVAILABLE : 0;
}

static const char *const hq_cols[] = {
	"site", "state", "last_contact", "recv_ver", "acked_ver", "pending", "unreceived",
	"lag_seconds", "drift_ms", "schema_version", "revoked", "refused", "last_error_at",
	"last_error",
};
enum { NCOLS = sizeof(hq_cols) / sizeof(hq_cols[0]) };

struct hq_rows {
	struct op_cli *cli;
	op_out *o;
	int64_t stale_s;
};

static void hq_row(const struct op_health_branch *b, void *arg)
{
	struct hq_rows *h = arg;
	int human = h->cli->fmt == OP_FMT_TABLE;
	struct rec r = { 0 };
	char age[32];

	rec_put(&r, "site", b->site, OP_K_TEXT);
	rec_put(&r, "state", b->state, OP_K_TEXT);
	rec_put(&r, "last_contact", b->last_contact ? b->last_contact : human ? _("never") : NULL,
		OP_K_TEXT);
	rec_int(&r, "recv_ver", b->recv_ver);
	rec_int(&r, "acked_ver", b->acked_ver);
	rec_int(&r, "pending", b->pending);
	if (b->unreceived < 0)
		rec_put(&r, "unreceived", NULL, OP_K_INT);
	else
		rec_int(&r, "unreceived", b->unreceived);
	if (b->lag_s < 0) {
		rec_put(&r, "lag_seconds", human ? "-" : NULL, OP_K_INT);
	} else if (human) {
		fmt_age(age, sizeof(age), b->lag_s);
		rec_put(&r, "lag_seconds", age, OP_K_TEXT);
	} else {
		rec_int(&r, "lag_seconds", b->lag_s);
	}
	if (b->has_drift)
		rec_int(&r, "drift_ms", b->drift_ms);
	else
		rec_put(&r, "drift_ms", NULL, OP_K_INT);
	if (b->schema_version)
		rec_int(&r, "schema_version", b->schema_version);
	else
		rec_put(&r, "schema_version", NULL, OP_K_INT);
	rec_put(&r, "revoked", b->revoked ? (human ? _("yes") : "1") : NULL,
		human ? OP_K_TEXT : OP_K_INT);
	rec_int(&r, "refused", b->refused);
	rec_put(&r, "last_error_at", b->last_error_at, OP_K_TEXT);
	rec_put(&r, "last_error", b->last_error, OP_K_TEXT);
	op_out_row(h->o, (const char *const *)r.vals, r.kinds);
	if (h->stale_s > 0 && !b->revoked && (b->state[0] == 's' || b->state[0] == 'r')) {
		if (b->age_s >= 0)
			fmt_age(age, sizeof(age), b->age_s);
		cli_warn(h->cli, "%s is %s: last contact %s%s", b->site, b->state,
			 b->age_s >= 0 ? age : "never", b->age_s >= 0 ? " ago" : "");
	}
	rec_clear(&r);
}

static int status_hq(struct op_cli *cli, int64_t stale_s)
{
	op_db *db = cli->db;
	int human = cli->fmt == OP_FMT_TABLE;
	int64_t stamped = op_db_meta_int(db, "stamped_seq", 0);
	int64_t unstamped, conflicts, branches;
	struct rec tot = { 0 };
	struct op_health_store hs;
	sqlite3_stmt *st;
	int rc = -1, unhealthy;

	if (!(st = op_db_stmt(db, SQL_ST_UNSTAMPED)) ||
	    op_bind_int(db, st, ":stamped", stamped) < 0 ||
	    one_int(db, st, &unstamped, NULL) < 0 ||
	    !(st = op_db_stmt(db, SQL_ST_CONFLICTS)) || one_int(db, st, &conflicts, NULL) < 0 ||
	    !(st = op_db_stmt(db, SQL_ST_BRANCHES)) || one_int(db, st, &branches, NULL) < 0)
		goto out;
	rec_put(&tot, "site", op_db_site(db), OP_K_TEXT);
	rec_put(&tot, "role", "hq", OP_K_TEXT);
	rec_int(&tot, "schema_version", op_db_schema_version(db));
	rec_int(&tot, "active_branches", branches);
	rec_int(&tot, "open_conflicts", conflicts);
	rec_int(&tot, "unstamped", unstamped);
	op_health_store_read(db, &hs);
	unhealthy = health_fields(&tot, &hs);
	op_health_store_free(&hs);

	/* JSON: one object, the branches an array inside it. CSV: the
	 * branch table alone. People: totals, then the table. */
	if (cli->fmt == OP_FMT_JSON) {
		fputc('{', cli->out);
		rec_json_members(cli->out, &tot);
		fputs(", \"branches\": ", cli->out);
	} else if (human) {
		rec_print(cli, &tot);
		fputc('\n', cli->out);
	}
	struct hq_rows h = { cli, op_out_new(cli->out, cli->fmt), stale_s };
	op_out_cols(h.o, NCOLS, hq_cols);
	int bad = op_health_branches(db, stale_s > 0 ? stale_s : OP_HEALTH_STALE_DEFAULT,
				     hq_row, &h);
	op_out_end(h.o);
	if (cli->fmt == OP_FMT_JSON)
		fputs("}\n", cli->out);
	if (bad < 0)
		goto out;
	rc = stale_s > 0 && (bad > 0 || unhealthy) ? EX_UNAVAILABLE : 0;
out:
	rec_clear(&tot);
	return rc < 0 ? cli_fail(cli) : rc;
}

/* "6h", "90m", "2d", "45s" or plain seconds; -1 when it is none. */
static int64_t duration(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mul = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 :
		      !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : -1;
	return end == s || v <= 0 || mul < 0 || v > 366LL * 86400 ? -1 : (int64_t)v * mul;
}

static int cmd_sync_status(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "json", 1, NULL }, { "stale", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;
	int64_t stale_s = 0;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	json_opt(cli, spec);
	if (need_site(cli) < 0)
		return cli_fail(cli);
	if (cli_opt(spec, "stale") && (stale_s = duration(cli_opt(spec, "stale"))) < 0)
		return cli_error(cli, EX_USAGE, "stale: '%s' is not a duration (6h, 90m, 2d, "
				 "or seconds)", cli_opt(spec, "stale"));
	return op_db_is_hq(cli->db) ? status_hq(cli, stale_s) : status_branch(cli, stale_s);
}

const struct op_cmd op_cmds_status[] = {
	{ "sync", "status", cmd_sync_status, "sync status [--json] [--stale 6h]",
	  "what is waiting to sync, lag, clock drift, conflicts, last error; at HQ every "
	  "branch's state (--stale: exit 69 when one is silent longer, or refused)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
