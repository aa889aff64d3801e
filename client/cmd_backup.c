/*
 * cmd_backup.c — `outpost backup [DIR...]|list|verify|restore`: verified
 * snapshots of the store, taken while staff keep working (daemon/backup.h,
 * docs/OPERATIONS.md). outpostd takes them on a schedule with --backup
 * DIR; these commands take one now, list and check them, and put one back.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backup.h"
#include "cmds.h"

static int keep_opt(struct op_cli *cli, const struct cli_opt *spec, const char *name, int *v)
{
	const char *s = cli_opt(spec, name), *why;
	int64_t n;
	if (!s)
		return 0;
	if (op_valid_int(&n, s, 0, 10000, &why) < 0)
		return op_errc(&cli->err, EX_USAGE, "%s: %s", name, why);
	*v = (int)n;
	return 0;
}

static int cmd_backup(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "keep-daily", 0, NULL }, { "keep-weekly", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[OP_BACKUP_MAX_TARGETS];
	struct op_backup_cfg cfg;
	struct op_backup_result res;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, OP_BACKUP_MAX_TARGETS, &npos)) >= 0)
		return rc;
	op_backup_cfg_default(&cfg);
	if (keep_opt(cli, spec, "keep-daily", &cfg.daily) < 0 ||
	    keep_opt(cli, spec, "keep-weekly", &cfg.weekly) < 0)
		return cli_fail(cli);
	for (int i = 0; i < npos; i++)
		cfg.targets[cfg.ntargets++] = pos[i];
	rc = op_backup_run(cli->db, &cfg, op_backup_now(&cfg), &res, &cli->err);
	if (res.written)
		fprintf(cli->out, P_("snapshot %s (%.1f MiB, verified) in %d of %d target; "
				     "retention removed %d\n",
				     "snapshot %s (%.1f MiB, verified) in %d of %d targets; "
				     "retention removed %d\n", cfg.ntargets),
			res.name, (double)res.bytes / 1048576.0, res.written, cfg.ntargets,
			res.removed);
	return rc < 0 ? cli_fail(cli) : 0;
}

struct list_state {
	op_out *o;
	const char *dir;
};

static void list_row(const char *name, time_t t, void *arg)
{
	struct list_state *ls = arg;
	char when[24], path[4200];
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(path, sizeof(path), "%s/%s", ls->dir, name);
	const char *vals[] = { name, when, path };
	op_out_row(ls->o, vals, NULL);
}

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "json", 1, NULL }, { NULL, 0, NULL } };
	static const char *const cols[] = { "snapshot", "time", "path" };
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "json"))
		cli->fmt = OP_FMT_JSON;
	if (!op_db_site(cli->db))
		return cli_error(cli, EX_CONFIG, "this store has no site yet");
	struct list_state ls = { op_out_new(cli->out, cli->fmt), pos[0] };
	op_out_cols(ls.o, 3, cols);
	rc = op_backup_list(pos[0], op_db_site(cli->db), list_row, &ls, &cli->err);
	op_out_end(ls.o);
	return rc < 0 ? cli_fail(cli) : 0;
}

static int cmd_verify(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_parse(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (op_backup_verify(pos[0], &cli->err) < 0)
		return cli_fail(cli);
	fprintf(cli->out, "%s: ok\n", pos[0]);
	return 0;
}

static int cmd_restore(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { NULL, 0, NULL } };
	const char *pos[1];
	char *aside = NULL;
	int npos, rc;

	if ((rc = cmd_parse(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	/* The store is replaced underneath: no handle of ours stays on it. */
	op_db_free(cli->db);
	cli->db = NULL;
	if (op_backup_restore(pos[0], cli->db_path, &aside, &cli->err) < 0)
		return cli_fail(cli);
	if (aside)
		fprintf(cli->out, _("restored %s from %s; the store it replaced is at %s\n"),
			cli->db_path, pos[0], aside);
	else
		fprintf(cli->out, _("restored %s from %s\n"), cli->db_path, pos[0]);
	fputs(_("its next sync re-baselines it: HQ sends back what it already "
		"had from this branch\n"), cli->out);
	free(aside);
	return 0;
}

const struct op_cmd op_cmds_backup[] = {
	{ "backup", "list", cmd_list, "backup list DIR [--json]",
	  "this store's snapshots in DIR, newest first" },
	{ "backup", "verify", cmd_verify, "backup verify FILE",
	  "check a snapshot: it opens, passes integrity_check and has a site" },
	{ "backup", "restore", cmd_restore, "backup restore SNAPSHOT",
	  "put a snapshot in place of the store (stop outpostd first); the old store is "
	  "moved aside and the next sync re-baselines" },
	{ "backup", NULL, cmd_backup, "backup DIR... [--keep-daily N] [--keep-weekly N]",
	  "a verified snapshot of the store in each DIR while staff keep working; keeps "
	  "7 daily and 4 weekly (defaults)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
