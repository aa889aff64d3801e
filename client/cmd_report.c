/*
 * cmd_report.c — `outpost report ...`, `outpost classify [list]` and
 * `outpost remind`: the commands over report.c, classify.c and remind.c.
 *
 * Every report takes the period (--from/--to) and --branch, prints a
 * table with a text bar chart, or --json / --csv (given before the command
 * like everywhere, or after it); --section picks one table of a report
 * with several. `report html FILE` (also `report --html FILE`) writes all
 * of them as one HTML page. Definitions: docs/REPORTS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "report.h"

/* Options a report may take; each command accepts the ones its entry in
 * accepts[] lists. */
enum { O_FROM, O_TO, O_BY, O_BRANCH, O_LIMIT, O_MONTHS, O_SECTION, O_JSON,
       O_CSV, O_N };
static const struct cli_opt all_opts[O_N] = {
	{ "from", 0, NULL }, { "to", 0, NULL }, { "by", 0, NULL },
	{ "branch", 0, NULL }, { "limit", 0, NULL }, { "months", 0, NULL },
	{ "section", 0, NULL }, { "json", 1, NULL }, { "csv", 1, NULL },
};
#define PERIOD_OPTS (1u << O_FROM | 1u << O_TO | 1u << O_BRANCH | \
		     1u << O_SECTION | 1u << O_JSON | 1u << O_CSV)
static const struct { const char *name; unsigned opts; } accepts[] = {
	{ "sales", PERIOD_OPTS | 1u << O_BY },
	{ "products", PERIOD_OPTS | 1u << O_BY | 1u << O_LIMIT },
	{ "customers", PERIOD_OPTS | 1u << O_MONTHS },
	{ "channels", PERIOD_OPTS },
	{ "service", PERIOD_OPTS },
	{ "orders", PERIOD_OPTS | 1u << O_LIMIT },
	{ "staff", PERIOD_OPTS },
	{ "html", 1u << O_FROM | 1u << O_TO | 1u << O_BRANCH | 1u << O_LIMIT |
		  1u << O_MONTHS },
};

/* spec gets the options of mask, in all_opts order, NULL-terminated. */
static void build_spec(struct cli_opt *spec, unsigned mask)
{
	int k = 0;
	for (int i = 0; i < O_N; i++)
		if (mask & (1u << i))
			spec[k++] = all_opts[i];
	spec[k] = (struct cli_opt){ NULL, 0, NULL };
}

/* --json / --csv after the command override the global ones. */
static void take_fmt(struct op_cli *cli, const struct cli_opt *spec)
{
	if (cli_opt(spec, "json"))
		cli->fmt = OP_FMT_JSON;
	else if (cli_opt(spec, "csv"))
		cli->fmt = OP_FMT_CSV;
}

static int parse_count(struct op_cli *cli, const struct cli_opt *spec,
		       const char *name, int64_t lo, int64_t hi, int64_t *v)
{
	const char *why, *s = cli_opt(spec, name);
	if (s && op_valid_int(v, s, lo, hi, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "%s: %s", name, why);
	return 0;
}

/* Options into o; 0 or -1 with cli->err set. */
static int report_opts(struct op_cli *cli, const struct cli_opt *spec,
		       struct op_report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->from = cli_opt(spec, "from");
	o->to = cli_opt(spec, "to");
	o->by = cli_opt(spec, "by");
	o->branch = cli_opt(spec, "branch");
	o->days = -1;
	if (o->branch && !*o->branch)
		return op_errc(&cli->err, EX_USAGE, "branch: empty branch code");
	if (parse_count(cli, spec, "limit", 1, 1000000, &o->limit) < 0 ||
	    parse_count(cli, spec, "months", 1, 120, &o->months) < 0)
		return -1;
	return 0;
}

static int show(struct op_cli *cli, op_report *r, const char *section)
{
	int rc = 0;
	if (op_report_print(cli->out, r, cli->fmt, section) < 0)
		rc = cli_error(cli, EX_USAGE, "report %s has no section '%s'",
			       op_report_name(r), section);
	else if (cli_audit(cli, (int64_t)op_report_rows(r, section), 0) < 0)
		rc = cli_fail(cli);
	op_report_free(r);
	return rc;
}

static int cmd_report(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[O_N + 1];
	struct op_report_opts o;
	const char *pos[1];
	unsigned mask = 0;
	int npos, rc;
	op_report *r;

	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++)
		if (strcmp(accepts[i].name, argv[0]) == 0)
			mask = accepts[i].opts;
	build_spec(spec, mask);
	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	take_fmt(cli, spec);
	if (report_opts(cli, spec, &o) < 0)
		return cli_fail(cli);
	if (op_report_run(&r, cli->db, argv[0], &o) < 0)
		return cli_fail(cli);
	return show(cli, r, cli_opt(spec, "section"));
}

/* report html FILE, report --html FILE; FILE "-" is stdout. */
static int cmd_html(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[O_N + 1];
	struct op_report_opts o;
	const char *pos[1];
	int npos, rc;
	FILE *fp;

	build_spec(spec, accepts[sizeof(accepts) / sizeof(accepts[0]) - 1].opts);
	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (report_opts(cli, spec, &o) < 0)
		return cli_fail(cli);
	int to_stdout = strcmp(pos[0], "-") == 0;
	if (!(fp = to_stdout ? cli->out : fopen(pos[0], "w")))
		return cli_error(cli, EX_CANTCREAT, "cannot write '%s': %m", pos[0]);
	rc = op_report_html(fp, cli->db, &o);
	if (to_stdout) {
		if (rc < 0)
			return cli_fail(cli);
		return 0;
	}
	int werr = ferror(fp);
	if (fclose(fp) != 0)
		werr = 1;
	if (rc < 0) {
		remove(pos[0]);
		return cli_fail(cli);
	}
	if (werr) {
		remove(pos[0]);
		return cli_error(cli, EX_IOERR, "cannot write '%s': %m", pos[0]);
	}
	fprintf(stderr, _("wrote %s\n"), pos[0]);
	return 0;
}

static int cmd_classify(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "as-of", 0, NULL }, { "json", 1, NULL },
				  { "csv", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;
	op_report *r;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	take_fmt(cli, spec);
	if (op_report_classify(&r, cli->db, cli_opt(spec, "as-of"), cli->as) < 0)
		return cli_fail(cli);
	return show(cli, r, NULL);
}

static int cmd_classes(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "class", 0, NULL }, { "freq", 0, NULL },
				  { "owner", 0, NULL }, { "limit", 0, NULL },
				  { "json", 1, NULL }, { "csv", 1, NULL },
				  { NULL, 0, NULL } };
	struct op_report_opts o = { .days = -1 };
	const char *pos[1];
	int npos, rc;
	op_report *r;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	take_fmt(cli, spec);
	o.cls = cli_opt(spec, "class");
	o.freq = cli_opt(spec, "freq");
	o.staff = cli_opt(spec, "owner");
	if (parse_count(cli, spec, "limit", 1, 100000000, &o.limit) < 0)
		return cli_fail(cli);
	if (op_report_classes(&r, cli->db, &o) < 0)
		return cli_fail(cli);
	return show(cli, r, NULL);
}

static int cmd_remind(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "staff", 0, NULL }, { "days", 0, NULL },
				  { "branch", 0, NULL }, { "now", 0, NULL },
				  { "json", 1, NULL }, { "csv", 1, NULL },
				  { NULL, 0, NULL } };
	struct op_report_opts o = { .days = 7 };
	const char *pos[1];
	int npos, rc;
	op_report *r;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	take_fmt(cli, spec);
	if (parse_count(cli, spec, "days", 0, 3660, &o.days) < 0)
		return cli_fail(cli);
	o.staff = cli_opt(spec, "staff");
	o.branch = cli_opt(spec, "branch");
	o.now = cli_opt(spec, "now");
	if (cmd_campaign_auto(cli, o.now) < 0 || op_report_remind(&r, cli->db, &o) < 0)
		return cli_fail(cli);
	return show(cli, r, NULL);
}

#define PERIOD_USAGE "[--from DATE] [--to DATE] [--branch CODE]"
const struct op_cmd op_cmds_report[] = {
	{ "report", "sales", cmd_report,
	  "report sales " PERIOD_USAGE " [--by month|quarter|branch|staff]",
	  "sales (non-cancelled orders), returns and net per month, quarter, branch or salesperson" },
	{ "report", "products", cmd_report,
	  "report products " PERIOD_USAGE " [--by product|category] [--limit N]",
	  "best sellers by product or category" },
	{ "report", "customers", cmd_report,
	  "report customers [--months N] [--to DATE] [--branch CODE]",
	  "sales from new vs returning customers, repurchase and churn rates" },
	{ "report", "channels", cmd_report, "report channels " PERIOD_USAGE,
	  "sales by channel (the order's, else the customer's source)" },
	{ "report", "service", cmd_report, "report service " PERIOD_USAGE,
	  "average satisfaction, tickets by status, complaints answered within 24 h" },
	{ "report", "orders", cmd_report, "report orders " PERIOD_USAGE " [--limit N]",
	  "average order value, return rate, orders by status, overdue deliveries" },
	{ "report", "staff", cmd_report, "report staff " PERIOD_USAGE,
	  "per salesperson: follow-ups, enquiry conversion, sales, satisfaction" },
	{ "report", "html", cmd_html, "report html FILE " PERIOD_USAGE,
	  "every report as one self-contained HTML page with charts (FILE - : stdout)" },
	{ "report", "--html", cmd_html, "report --html FILE " PERIOD_USAGE,
	  "the same as report html FILE" },
	{ "classify", "list", cmd_classes,
	  "classify list [--class C] [--freq F] [--owner STAFF] [--limit N]",
	  "customers with their class (重要 主要 普通 小), frequency and RFM scores" },
	{ "classify", NULL, cmd_classify, "classify [--as-of DATE]",
	  "rank customers by 12-month spend into classes; frequency and RFM" },
	{ "remind", NULL, cmd_remind,
	  "remind [--staff CODE] [--days N] [--branch CODE] [--now DATETIME]",
	  "what is due: new enquiries, follow-ups by class, birthdays, complaints, deliveries" },
	{ NULL, NULL, NULL, NULL, NULL },
};
