/*
 * cmd_channel.c — `outpost channel add|edit|list`: the source channels
 * (来源渠道) customers and orders are recorded with.
 *
 * The list is data, not code: HQ edits it (channel routes HQ -> branches
 * only, like the catalogue) and every store starts with the same seeded
 * rows (schema/012_channels_fields.sql). A channel has a code, stored in
 * customer.channel and sales_order.channel, a Chinese and an English name
 * and aliases; staff may type any of them (record.c, rec_channel). A
 * channel no longer used is made inactive rather than deleted, so old
 * customers still show its code.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

static const struct op_field F[] = {
	{ "code", "code", F_LINE, NULL, 0, 0, 1, NULL },
	{ "name", "name_zh", F_LINE, NULL, 0, 0, 1, NULL },
	{ "name-en", "name_en", F_LINE, NULL, 0, 0, 0, NULL },
	{ "aliases", "aliases", F_LINE, NULL, 0, 0, 0, NULL },
	{ "active", "active", F_BOOL, NULL, 0, 0, 0, NULL },
};
#define NF ((int)(sizeof(F) / sizeof(F[0])))

static const char SHOW_COLS[] =
	"code, name_zh AS name, name_en, aliases,"
	" CASE WHEN active THEN 'yes' ELSE 'no' END AS active, id";

/* The channel list belongs to HQ, like the catalogue. */
static int hq_only(struct op_cli *cli)
{
	if (op_db_is_hq(cli->db))
		return 0;
	return cli_error(cli, EX_NOPERM, "source channels are managed at HQ%s%s; "
			 "run this against the HQ store",
			 op_db_site(cli->db) ? " (this store is branch " : "",
			 op_db_site(cli->db) ? op_db_site(cli->db) : "");
}

/* A code is a word people and reports read: lowercase ASCII letters,
 * digits and '-', 1..32 characters. */
static int check_code(struct op_cli *cli, const char *code)
{
	size_t n = strlen(code);
	if (n == 0 || n > 32)
		return op_errc(&cli->err, EX_DATAERR, "code: must be 1 to 32 characters");
	for (const char *p = code; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return op_errc(&cli->err, EX_DATAERR, "code: '%s' may hold only "
				       "a-z, 0-9 and '-' (the name can be Chinese)", code);
	return 0;
}

/* Every name and alias of a channel must name only it. */
static const char SQL_TAKEN[] =
	"SELECT code FROM channel WHERE code <> :self AND (lower(code) = lower(:v)"
	" OR name_zh = :v OR lower(name_en) = lower(:v)"
	" OR instr('|' || lower(aliases) || '|', '|' || lower(:v) || '|') > 0)";

static int check_names(struct op_cli *cli, const char *self, const char *const *vals)
{
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_TAKEN);
	char one[256];

	for (int i = 0; i < 4; i++) {
		if (!vals[i] || !vals[i][0])
			continue;
		for (const char *p = vals[i]; *p; ) {
			size_t l = i == 3 ? strcspn(p, "|") : strlen(p);
			snprintf(one, sizeof(one), "%.*s", (int)l, p);
			p += l + (p[l] == '|');
			if (!one[0])
				continue;
			if (!st || op_bind_text(cli->db, st, ":self", self ? self : "") < 0 ||
			    op_bind_text(cli->db, st, ":v", one) < 0)
				return -1;
			int rc = op_db_step(cli->db, st);
			if (rc == SQLITE_ROW)
				op_errc(&cli->err, EX_DATAERR, "%s: '%s' already names channel %s",
					F[i].opt, one, sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			if (rc != SQLITE_DONE)
				return -1;
		}
	}
	return 0;
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[NF], *pos[1];
	int npos, rc;

	memset(vals, 0, sizeof(vals));
	if ((rc = rec_begin(cli, argc, argv, F, NF, vals, NULL, pos, 0, &npos)) >= 0)
		return rc;
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	if ((rc = hq_only(cli)) != 0)
		return rc;
	if ((vals[0] && check_code(cli, vals[0]) < 0) || check_names(cli, NULL, vals) < 0)
		return cli_fail(cli);
	return rec_add_show(cli, "channel", F, NF, vals, SHOW_COLS, NULL, NULL);
}

static int cmd_edit(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[NF], *pos[1];
	int npos, rc;
	char *id = NULL;

	memset(vals, 0, sizeof(vals));
	if ((rc = rec_begin(cli, argc, argv, F + 1, NF - 1, vals + 1, NULL, pos, 1, &npos)) >= 0)
		return rc;
	if (npos < 1) {
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	if ((rc = hq_only(cli)) != 0)
		return rc;
	if (cli_resolve(cli, "channel", "code", pos[0], &id) < 0 ||
	    check_names(cli, pos[0], vals) < 0) {
		free(id);
		return cli_fail(cli);
	}
	rc = rec_edit_show(cli, "channel", F + 1, NF - 1, vals + 1, id, SHOW_COLS, NULL, NULL);
	free(id);
	return rc;
}

static const char SQL_LIST[] =
	"SELECT code, name_zh AS name, name_en, aliases,"
	"       CASE WHEN active THEN 'yes' ELSE 'no' END AS active,"
	"       (SELECT count(*) FROM customer c WHERE c.channel = channel.code) AS customers"
	" FROM channel WHERE active OR :all ORDER BY rowid";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	return cmd_list_all(cli, argc, argv, SQL_LIST);
}

const struct op_cmd op_cmds_channel[] = {
	{ "channel", "add", cmd_add,
	  "channel add --code CODE --name 中文名 [--name-en NAME] [--aliases 'A|B']",
	  "add a source channel (HQ store only; it reaches branches by sync)" },
	{ "channel", "edit", cmd_edit,
	  "channel edit CODE [--name N] [--name-en N] [--aliases 'A|B'] [--active yes|no]",
	  "change a source channel (HQ store only; the code stays)" },
	{ "channel", "list", cmd_list, "channel list [--all]",
	  "the source channels staff may type, with how many customers each has" },
	{ NULL, NULL, NULL, NULL, NULL },
};
