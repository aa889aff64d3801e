/*
 * commands.c — the command table and the dispatcher.
 *
 * Each command group (cmd_*.c) exports a table of its subcommands; this file
 * lists the groups in help order. `outpost GROUP SUB ARGS` runs
 * GROUP's SUB with argv[0] = SUB; `outpost GROUP --help` lists SUBs.
 */
#include <string.h>
#include "cli.h"
#include "cmds.h"

static const struct op_cmd *const groups[] = {
	op_cmds_store, op_cmds_customer, op_cmds_channel, op_cmds_product, op_cmds_order,
	op_cmds_quote, op_cmds_payment, op_cmds_appt, op_cmds_stock,
	op_cmds_segment, op_cmds_campaign, op_cmds_coupon,
	op_cmds_ticket, op_cmds_followup, op_cmds_staff, op_cmds_import,
	op_cmds_sync, op_cmds_status, op_cmds_merge, op_cmds_report, op_cmds_history,
	op_cmds_backup,
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

/* Flattened at first use for help listings and dispatch. */
#define MAXCMDS 128
static struct op_cmd flat[MAXCMDS + 1];

static const struct op_cmd *all(void)
{
	if (!flat[0].group) {
		int k = 0;
		for (size_t g = 0; g < NGROUPS; g++)
			for (const struct op_cmd *c = groups[g]; c && c->group && k < MAXCMDS; c++)
				flat[k++] = *c;
	}
	return flat;
}

static void group_usage(const char *group, FILE *fp)
{
	fprintf(fp, "usage: outpost %s COMMAND [ARGS]\n\n", group);
	for (const struct op_cmd *c = all(); c->group; c++)
		if (strcmp(c->group, group) == 0)
			fprintf(fp, "  %-40s %s\n", c->usage, c->help ? c->help : "");
}

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int op_cli_dispatch(struct op_cli *cli, int argc, char **argv)
{
	const char *group = argv[0], *sub = argc > 1 ? argv[1] : NULL;
	int known = 0;

	for (const struct op_cmd *c = all(); c->group; c++) {
		if (strcmp(c->group, group) != 0)
			continue;
		known = 1;
		cli->cmd = c;
		if (!c->name || (sub && strcmp(c->name, sub) == 0)) {
			int skip = c->name ? 1 : 0;
			if (!wants_help(argc - skip, argv + skip) && cli_authorize(cli, c) < 0)
				return cli_fail(cli);
			return c->fn(cli, argc - skip, argv + skip);
		}
	}
	if (!known) {
		fprintf(stderr, "outpost: unknown command '%s' (see 'outpost --help')\n",
			group);
		return EX_USAGE;
	}
	if (sub && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)) {
		group_usage(group, stdout);
		return 0;
	}
	if (sub)
		fprintf(stderr, "outpost: unknown command '%s %s'\n", group, sub);
	group_usage(group, stderr);
	return EX_USAGE;
}

const struct op_cmd *op_cli_commands(void) { return all(); }

int cmd_begin(struct op_cli *cli, int argc, char **argv,
	      struct cli_opt *spec, const char **pos, int minpos, int maxpos,
	      int *npos)
{
	op_db *db;
	int rc = cmd_parse(cli, argc, argv, spec, pos, minpos, maxpos, npos);

	if (rc >= 0)
		return rc;
	if (cli_db(cli, &db) < 0)
		return cli_fail(cli);
	return -1;
}

int cmd_parse(struct op_cli *cli, int argc, char **argv,
	      struct cli_opt *spec, const char **pos, int minpos, int maxpos,
	      int *npos)
{
	const struct op_cmd *self = cli->cmd;
	int help = 0;

	if (cli_parse(cli, argc, argv, spec, pos, maxpos, npos, &help) < 0) {
		int rc = cli_fail(cli);
		cli_usage(self, stderr);
		return rc;
	}
	if (help) {
		cli_usage(self, stdout);
		return 0;
	}
	if (*npos < minpos) {
		op_errc(&cli->err, EX_USAGE, "missing argument");
		int rc = cli_fail(cli);
		cli_usage(self, stderr);
		return rc;
	}
	return -1;
}

int cmd_list_sql(struct op_cli *cli, int argc, char **argv, const char *sql)
{
	const char *pos[1];
	int npos, rc;
	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 0, 0, &npos)) >= 0)
		return rc;
	sqlite3_stmt *st = op_db_stmt(cli->db, sql);
	return !st || cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}
