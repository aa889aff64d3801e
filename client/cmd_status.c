/*
 * cmd_status.c — `outpost sync status`: how sync is going, the figures of
 * op_sync_status_read (schema/syncstat.h, which the web screen's 同步 page
 * shows too) printed as a record, a table or JSON. At a branch: what waits
 * to go to HQ and the last contact. At HQ: every branch with its state
 * (ok, behind, stale, refused). Both say whether the history and the
 * backups work; --stale makes it a health check.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "labels.h"
#include "syncout.h"
#include "syncstat.h"

/* The store's own machinery (history, backups) as status fields. */
static void health_fields(struct rec *r, const struct op_health_store *hs)
{
	rec_put(r, "history_error", hs->history_error, OP_K_TEXT);
	rec_put(r, "history_error_at", hs->history_error_at, OP_K_TEXT);
	rec_put(r, "backup_last", hs->backup_last, OP_K_TEXT);
	rec_put(r, "backup_error", hs->backup_error, OP_K_TEXT);
}

/* An integer that may be unknown. */
static void rec_opt_int(struct rec *r, const char *name, int has, int64_t v)
{
	if (has)
		rec_int(r, name, v);
	else
		rec_put(r, name, NULL, OP_K_INT);
}

/* An age in seconds: "5m 03s" for people, a number for machines, "-" or
 * null when there is none (-1). */
static void rec_age(struct rec *r, const char *name, int human, int64_t s)
{
	char buf[32];
	if (s < 0) {
		rec_put(r, name, human ? "-" : NULL, OP_K_INT);
	} else if (human) {
		fmt_age(buf, sizeof(buf), s);
		rec_put(r, name, buf, OP_K_TEXT);
	} else {
		rec_int(r, name, s);
	}
}

void sync_status_fields(const struct op_sync_status *s, int human, struct rec *r)
{
	char buf[64];

	rec_put(r, "site", s->site, OP_K_TEXT);
	rec_put(r, "role", s->hq ? "hq" : "branch", OP_K_TEXT);
	rec_int(r, "schema_version", s->schema_version);
	if (s->hq) {
		rec_int(r, "active_branches", s->active_branches);
		rec_int(r, "open_conflicts", s->open_conflicts);
		rec_int(r, "unstamped", s->unstamped);
		health_fields(r, &s->store);
		return;
	}
	rec_put(r, "hq", s->hq_site ? s->hq_site : human ? _("(not yet in contact)") : NULL,
		OP_K_TEXT);
	if (s->hq_pubkey && human)
		snprintf(buf, sizeof(buf), "%.12s…", s->hq_pubkey);
	rec_put(r, "hq_pubkey", s->hq_pubkey ? (human ? buf : s->hq_pubkey) :
		human ? _("not pinned: run 'outpost peer hq KEY'") : NULL, OP_K_TEXT);
	rec_put(r, "last_contact", s->last_contact ? s->last_contact : human ? _("never") : NULL,
		OP_K_TEXT);
	rec_int(r, "unsent", s->unsent);
	rec_age(r, "lag_seconds", human, s->lag_s);
	rec_opt_int(r, "drift_ms", s->has_drift, s->drift_ms);
	rec_opt_int(r, "hq_schema_version", s->has_hq_schema, s->hq_schema_version);
	rec_opt_int(r, "recv_ver", s->has_recv_ver, s->recv_ver);
	rec_int(r, "acked_ver", s->acked_ver);
	rec_int(r, "open_conflicts", s->open_conflicts);
	rec_put(r, "last_error", s->last_error, OP_K_TEXT);
	health_fields(r, &s->store);
}

static int status_branch(struct op_cli *cli, const struct op_sync_status *s,
			 int64_t stale_s)
{
	int unhealthy = s->unhealthy;
	struct rec r = { 0 };

	sync_status_fields(s, cli->fmt == OP_FMT_TABLE, &r);
	if (stale_s > 0 && (s->contact_age_s < 0 || s->contact_age_s > stale_s)) {
		char a[32];
		if (s->contact_age_s >= 0) {
			fmt_age(a, sizeof(a), s->contact_age_s);
			cli_warn(cli, "%s: last contact with HQ %s ago (limit %" PRId64 " s)",
				 s->site, a, stale_s);
		} else {
			cli_warn(cli, "%s: last contact with HQ never (limit %" PRId64 " s)",
				 s->site, stale_s);
		}
		unhealthy = 1;
	}
	rec_print(cli, &r);
	rec_clear(&r);
	return stale_s > 0 && unhealthy ? EX_UNAVAILABLE : 0;
}

const char *const sync_branch_cols[] = {
	"site", "state", "last_contact", "recv_ver", "acked_ver", "pending", "unreceived",
	"lag_seconds", "drift_ms", "schema_version", "revoked", "refused", "last_error_at",
	"last_error",
};
const int sync_branch_ncols = sizeof(sync_branch_cols) / sizeof(sync_branch_cols[0]);

void sync_branch_fields(const struct op_health_branch *b, int human, struct rec *r)
{
	rec_put(r, "site", b->site, OP_K_TEXT);
	rec_put(r, "state", b->state, OP_K_TEXT);
	rec_put(r, "last_contact", b->last_contact ? b->last_contact : human ? _("never") : NULL,
		OP_K_TEXT);
	rec_int(r, "recv_ver", b->recv_ver);
	rec_int(r, "acked_ver", b->acked_ver);
	rec_int(r, "pending", b->pending);
	rec_opt_int(r, "unreceived", b->unreceived >= 0, b->unreceived);
	rec_age(r, "lag_seconds", human, b->lag_s);
	rec_opt_int(r, "drift_ms", b->has_drift, b->drift_ms);
	rec_opt_int(r, "schema_version", b->schema_version != 0, b->schema_version);
	rec_put(r, "revoked", b->revoked ? (human ? _("yes") : "1") : NULL,
		human ? OP_K_TEXT : OP_K_INT);
	rec_int(r, "refused", b->refused);
	rec_put(r, "last_error_at", b->last_error_at, OP_K_TEXT);
	rec_put(r, "last_error", b->last_error, OP_K_TEXT);
}

static void hq_row(struct op_cli *cli, op_out *o, const struct op_health_branch *b,
		   int64_t stale_s)
{
	struct rec r = { 0 };
	char age[32], buf[20];

	sync_branch_fields(b, cli->fmt == OP_FMT_TABLE, &r);
	op_out_row(o, (const char *const *)r.vals, r.kinds);
	if (stale_s > 0 && !b->revoked && (b->state[0] == 's' || b->state[0] == 'r')) {
		if (b->age_s >= 0) {
			fmt_age(age, sizeof(age), b->age_s);
			cli_warn(cli, "%s is %s: last contact %s ago", b->site,
				 op_label_value("state", b->state, buf, sizeof(buf)), age);
		} else {
			cli_warn(cli, "%s is %s: last contact never", b->site,
				 op_label_value("state", b->state, buf, sizeof(buf)));
		}
	}
	rec_clear(&r);
}

static int status_hq(struct op_cli *cli, const struct op_sync_status *s, int64_t stale_s)
{
	int human = cli->fmt == OP_FMT_TABLE;
	struct rec tot = { 0 };

	sync_status_fields(s, human, &tot);

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
	op_out *o = op_out_new(cli->out, cli->fmt);
	op_out_cols(o, sync_branch_ncols, sync_branch_cols);
	for (size_t i = 0; i < s->nbranches; i++)
		hq_row(cli, o, &s->branches[i], stale_s);
	op_out_end(o);
	if (cli->fmt == OP_FMT_JSON)
		fputs("}\n", cli->out);
	rec_clear(&tot);
	return stale_s > 0 && (s->nbad > 0 || s->unhealthy) ? EX_UNAVAILABLE : 0;
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
	struct op_sync_status *s;
	if (op_sync_status_read(cli->db, stale_s, &s) < 0)
		return cli_fail(cli);
	rc = s->hq ? status_hq(cli, s, stale_s) : status_branch(cli, s, stale_s);
	op_sync_status_free(s);
	return rc;
}

const struct op_cmd op_cmds_status[] = {
	{ "sync", "status", cmd_sync_status, "sync status [--json] [--stale 6h]",
	  "what is waiting to sync, lag, clock drift, conflicts, last error; at HQ every "
	  "branch's state (--stale: exit 69 when one is silent longer, or refused)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
