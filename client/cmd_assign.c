/*
 * cmd_assign.c — `outpost assign add|list|remove|test`: the rules that give
 * a new enquiry an owner.
 *
 * The rules and the decision are schema/assign.c's (op_assign_*): this
 * file parses options, resolves a channel as staff type it (code, name or
 * alias) and prints. `customer add` without --owner and `import` rows
 * without one call op_assign_customer / op_assign_new themselves.
 */
#include <stdlib.h>
#include <string.h>
#include "assign.h"
#include "cmds.h"
#include "record.h"

/* A channel as staff type it, to its code in out; "" stays "". */
static int channel_code(struct op_cli *cli, const char *in, char *out, size_t n)
{
	out[0] = '\0';
	if (!in || !*in)
		return 0;
	return rec_channel(cli, "channel", in, out, n);
}

static int cmd_list(struct op_cli *cli, int argc, char **argv);

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "staff", 0, NULL }, { "priority", 0, NULL },
				  { "branch", 0, NULL }, { "region", 0, NULL },
				  { "category", 0, NULL }, { "channel", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1], *why;
	char channel[64];
	int npos, rc;
	int64_t prio = -1;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (!cli_opt(spec, "staff"))
		return cli_error(cli, EX_USAGE, "staff: give the staff codes to deal to (--staff A,B)");
	if (cli_opt(spec, "priority") &&
	    op_valid_int(&prio, cli_opt(spec, "priority"), 0, 1000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "priority: %s", why);
	if (channel_code(cli, cli_opt(spec, "channel"), channel, sizeof(channel)) < 0)
		return cli_fail(cli);
	struct op_assign_rule r = {
		.name = pos[0], .priority = prio, .branch = cli_opt(spec, "branch"),
		.region = cli_opt(spec, "region"), .category = cli_opt(spec, "category"),
		.channel = channel, .staff = cli_opt(spec, "staff"), .actor = cli->as,
	};
	if (op_assign_rule_add(cli->db, &r, NULL) < 0)
		return cli_fail(cli);
	static const char *const argv_list[] = { "list", NULL };
	fprintf(cli->out, _("added rule %s; the rules in order:\n"), pos[0]);
	return cmd_list(cli, 1, (char **)argv_list);
}

static const char SQL_LIST[] =
	"SELECT r.priority, r.name, coalesce(r.branch, '*') AS branch, r.region, r.category,"
	"       r.channel, r.staff, t.last_staff AS last_here, coalesce(t.turns, 0) AS turns_here,"
	"       CASE WHEN r.active THEN 'yes' ELSE 'removed' END AS active"
	" FROM main.assign_rule r LEFT JOIN main.assign_turn t ON t.rule_id = r.id"
	" WHERE r.active OR :all ORDER BY r.active DESC, r.priority, r.name, r.id";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	return cmd_list_all(cli, argc, argv, SQL_LIST);
}

static int cmd_remove(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (op_assign_rule_remove(cli->db, pos[0], cli->as) < 0)
		return cli_fail(cli);
	fprintf(cli->out, _("removed rule %s (customers it assigned keep their owner)\n"), pos[0]);
	return 0;
}

/* Print an assignment's outcome as a record (assign test, customer add). */
void cmd_assign_print(struct op_cli *cli, const struct op_assign *a)
{
	const char *names[] = { "rule", "owner", "skipped" };
	const char *vals[] = { a->rule[0] ? a->rule : NULL, a->staff[0] ? a->staff : NULL,
			       a->skipped[0] ? a->skipped : NULL };
	op_out_record(cli->out, cli->fmt, 3, names, vals, NULL);
}

static int cmd_test(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { "region", 0, NULL },
				  { "category", 0, NULL }, { "interests", 0, NULL },
				  { "channel", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char channel[64];
	int npos, rc;
	struct op_assign a;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (channel_code(cli, cli_opt(spec, "channel"), channel, sizeof(channel)) < 0)
		return cli_fail(cli);
	const char *interests = cli_opt(spec, "interests") ? cli_opt(spec, "interests") :
				cli_opt(spec, "category");
	struct op_assign_facts f = { cli_opt(spec, "branch"), cli_opt(spec, "region"),
				     interests, channel[0] ? channel : NULL };
	if (op_assign_pick(cli->db, &f, 0, &a) < 0)
		return cli_fail(cli);
	if (!a.nrules)
		return cli_error(cli, EX_UNAVAILABLE, "no assignment rules are defined "
				 "(outpost assign add); a new customer's owner is whoever adds it");
	cmd_assign_print(cli, &a);
	if (!a.staff[0])
		cli_warn(cli, "no rule matches: a customer like this would have no owner");
	return 0;
}

const struct op_cmd op_cmds_assign[] = {
	{ "assign", "add", cmd_add,
	  "assign add NAME --staff A[,B...] [--priority N] [--branch CODE] [--region R]\n"
	  "       [--category C] [--channel CH]",
	  "a rule giving matching new customers to A, B, ... in turn (lowest priority first)" },
	{ "assign", "list", cmd_list, "assign list [--all]",
	  "the rules in the order they are tried, with this store's turn (--all: removed too)" },
	{ "assign", "remove", cmd_remove, "assign remove NAME",
	  "stop using a rule (customers it assigned keep their owner)" },
	{ "assign", "test", cmd_test,
	  "assign test [--branch CODE] [--region R] [--category C | --interests TEXT]\n"
	  "       [--channel CH]",
	  "which rule would fire for such a customer, and whose turn it is (changes nothing)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
