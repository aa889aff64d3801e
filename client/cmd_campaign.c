/*
 * cmd_campaign.c — `outpost campaign add|show|list|prepare|outbox|export|
 * record` and `outpost report campaign NAME`: thin callers of
 * schema/campaign.h. What is here is what a terminal needs: reading a
 * template file, writing the export as CSV (UTF-8 with a BOM, RFC 4180
 * quoting, CRLF, as Excel and Chinese SMS gateways read it) into a
 * temporary file renamed into place once complete, and printing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "campaign.h"
#include "cmds.h"
#include "csv.h"

#define MONEY(col) "printf('%d.%02d', " col " / 100, " col " % 100)"

/* A template file's bytes (NUL bytes kept, to be refused by name). */
static int read_file(struct op_cli *cli, const char *path, char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 0;
	*buf = NULL;
	*len = 0;
	if (!fp)
		return op_errc(&cli->err, EX_NOINPUT, "template-file: cannot open %s: %s",
			       path, strerror(errno));
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			char *g = realloc(*buf, cap = cap ? cap * 2 : 8192);
			if (!g) {
				fclose(fp);
				return op_errc(&cli->err, EX_OSERR, "out of memory");
			}
			*buf = g;
		}
		size_t n = fread(*buf + *len, 1, 4096, fp);
		*len += n;
		if (n < 4096)
			break;
		if (*len > 65536) {
			fclose(fp);
			return op_errc(&cli->err, EX_DATAERR, "template-file: %s is too large", path);
		}
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad)
		return op_errc(&cli->err, EX_IOERR, "template-file: cannot read %s", path);
	(*buf)[*len] = '\0';
	/* an editor's final newline is not part of the message */
	while (*len && ((*buf)[*len - 1] == '\n' || (*buf)[*len - 1] == '\r'))
		(*buf)[--*len] = '\0';
	return 0;
}

enum { A_SEGMENT, A_KIND, A_CHANNEL, A_TEMPLATE, A_TFILE, A_STARTS, A_ENDS, A_COST,
       A_COST_PER, A_HOLDOUT, A_SEED, A_GAP, A_CVALUE, A_CMIN, A_CUNTIL, A_COUPON, A_AUTO,
       NA };

static const char SHOW_COLS[] =
	"id, name, kind, (SELECT name FROM segment s WHERE s.id = segment_id) AS segment,"
	" channel, template, starts, ends, " MONEY("cost") " AS cost,"
	" " MONEY("cost_per") " AS cost_per, holdout AS holdout_pct, seed, min_gap,"
	" CASE coupon_kind WHEN 'amount' THEN " MONEY("coupon_value")
	"  WHEN 'percent' THEN coupon_value || '%' END AS coupon_value,"
	" CASE WHEN coupon_kind IS NOT NULL THEN " MONEY("coupon_min") " END AS coupon_min,"
	" coupon_until, (SELECT code FROM coupon p WHERE p.id = coupon_id) AS coupon,"
	" auto, coalesce(branch, 'chain-wide') AS branch, created_by, created_at,"
	" (SELECT count(*) FROM campaign_outbox x WHERE x.campaign_id = campaign.id"
	"  AND x.status = 'queued') AS queued,"
	" (SELECT count(*) FROM campaign_outbox x WHERE x.campaign_id = campaign.id"
	"  AND x.status = 'sent') AS sent,"
	" (SELECT count(*) FROM campaign_outbox x WHERE x.campaign_id = campaign.id"
	"  AND x.status = 'holdout') AS holdout";

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[NA + 1] = {
		{ "segment", 0, NULL }, { "kind", 0, NULL }, { "channel", 0, NULL },
		{ "template", 0, NULL }, { "template-file", 0, NULL }, { "starts", 0, NULL },
		{ "ends", 0, NULL }, { "cost", 0, NULL }, { "cost-per", 0, NULL },
		{ "holdout", 0, NULL }, { "seed", 0, NULL }, { "min-gap", 0, NULL },
		{ "coupon-value", 0, NULL }, { "coupon-min", 0, NULL },
		{ "coupon-until", 0, NULL }, { "coupon", 0, NULL }, { "auto", 1, NULL },
		{ NULL, 0, NULL },
	};
	const char *pos[1];
	char *tpl = NULL, *id = NULL;
	size_t tlen = 0;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (spec[A_TEMPLATE].val && spec[A_TFILE].val)
		return cli_error(cli, EX_USAGE, "template: give --template or --template-file, not both");
	if (spec[A_TFILE].val && read_file(cli, spec[A_TFILE].val, &tpl, &tlen) < 0) {
		free(tpl);
		return cli_fail(cli);
	}
	struct op_campaign_def d = {
		.name = pos[0], .kind = spec[A_KIND].val, .segment = spec[A_SEGMENT].val,
		.channel = spec[A_CHANNEL].val,
		.template = tpl ? tpl : spec[A_TEMPLATE].val,
		.template_len = tpl ? tlen : spec[A_TEMPLATE].val ? strlen(spec[A_TEMPLATE].val) : 0,
		.starts = spec[A_STARTS].val, .ends = spec[A_ENDS].val, .cost = spec[A_COST].val,
		.cost_per = spec[A_COST_PER].val, .holdout = spec[A_HOLDOUT].val,
		.seed = spec[A_SEED].val, .min_gap = spec[A_GAP].val,
		.coupon_value = spec[A_CVALUE].val, .coupon_min = spec[A_CMIN].val,
		.coupon_until = spec[A_CUNTIL].val, .coupon_code = spec[A_COUPON].val,
		.auto_daily = spec[A_AUTO].val != NULL, .staff = cli->as,
	};
	if (op_campaign_add(cli->db, &d, &id) < 0 || rec_show(cli, "campaign", SHOW_COLS, id) < 0)
		rc = cli_fail(cli);
	free(tpl);
	free(id);
	return rc < 0 ? 0 : rc;
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	return rec_show_ref(cli, argc, argv, "campaign", "name", SHOW_COLS);
}

static const char SQL_LIST[] =
	"SELECT m.name, m.kind, s.name AS segment, m.channel, m.starts, m.ends,"
	" m.holdout AS holdout_pct, m.auto, coalesce(m.branch, 'chain-wide') AS branch,"
	" (SELECT count(*) FROM campaign_outbox x WHERE x.campaign_id = m.id"
	"  AND x.status = 'queued') AS queued,"
	" (SELECT count(*) FROM campaign_outbox x WHERE x.campaign_id = m.id"
	"  AND x.status = 'sent') AS sent"
	" FROM campaign m LEFT JOIN segment s ON s.id = m.segment_id"
	" ORDER BY m.starts DESC, m.name";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	return cmd_list_sql(cli, argc, argv, SQL_LIST);
}

static void print_prep(struct op_cli *cli, FILE *fp, const char *name,
		       const struct op_campaign_prep *r)
{
	const char *names[] = { "campaign", "matched", "no_contact", "no_address", "recent",
				"holdout", "queued", "coupons" };
	char v[7][32];
	const int64_t n[7] = { r->matched, r->no_contact, r->no_address, r->recent, r->holdout,
			       r->queued, r->coupons };
	const char *vals[8] = { name };
	enum op_kind kinds[8] = { OP_K_TEXT };
	for (int i = 0; i < 7; i++) {
		snprintf(v[i], sizeof(v[i]), "%lld", (long long)n[i]);
		vals[i + 1] = v[i];
		kinds[i + 1] = OP_K_INT;
	}
	op_out_record(fp, cli->fmt, 8, names, vals, kinds);
}

static int cmd_prepare(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "today", 0, NULL }, { NULL, 0, NULL } };
	struct op_campaign_prep r;
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (op_campaign_prepare(cli->db, pos[0], cli_opt(spec, "today"), cli->as, &r) < 0)
		return cli_fail(cli);
	print_prep(cli, cli->out, pos[0], &r);
	return 0;
}

static void auto_done(void *arg, const char *name, const struct op_campaign_prep *r)
{
	struct op_cli *cli = arg;
	if (r->queued || r->holdout)
		cli_warn(cli, "campaign %s: %lld message(s) prepared, %lld held out "
			 "(outpost campaign export %s FILE)\n", name, (long long)r->queued,
			 (long long)r->holdout, name);
}

int cmd_campaign_auto(struct op_cli *cli, const char *today)
{
	char day[16];
	/* remind is everyone's; preparing is for those who may prepare */
	if (cli->role[0] && strcmp(cli->role, "manager") != 0 && strcmp(cli->role, "hq") != 0 &&
	    strcmp(cli->role, "admin") != 0)
		return 0;
	if (today)
		snprintf(day, sizeof(day), "%.10s", today);
	return op_campaign_auto(cli->db, today ? day : NULL, cli->as, auto_done, cli);
}

static const char SQL_OUTBOX[] =
	"SELECT " CLI_SHORT_ID("c.id") " AS customer_id, c.name, x.status, x.address, x.message,"
	" (SELECT code FROM coupon p WHERE p.id = x.coupon_id) AS coupon, x.prepared_at,"
	" x.sent_at, x.branch"
	" FROM campaign_outbox x JOIN campaign m ON m.id = x.campaign_id"
	" JOIN customer c ON c.id = x.customer_id"
	" WHERE m.name = :name AND (:status IS NULL OR x.status = :status)"
	" ORDER BY x.status, c.id";

static int cmd_outbox(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "status", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *status;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	status = cli_opt(spec, "status");
	if (status && strcmp(status, "queued") && strcmp(status, "sent") && strcmp(status, "holdout"))
		return cli_error(cli, EX_DATAERR, "status: '%s' is not queued, sent or holdout", status);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_OUTBOX);
	if (!st || op_bind_text(cli->db, st, ":name", pos[0]) < 0 ||
	    op_bind_text(cli->db, st, ":status", status) < 0 || cli_print_rows(cli, st) < 0)
		return cli_fail(cli);
	return 0;
}

/* --- export: the CSV file --- */

struct csv_out {
	struct op_cli *cli;
	const char *path;
	char *tmp;		/* the file written, renamed to path at the end; NULL: direct */
	FILE *fp;
	int published;
};

static int csv_io(struct csv_out *o, const char *what)
{
	return op_errc(op_db_err(o->cli->db), EX_IOERR, "cannot %s %s: %s", what, o->path,
		       strerror(errno ? errno : EIO));
}

static void csv_line(FILE *fp, int n, const char *const *v)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', fp);
		op_csv_field(fp, v[i] ? v[i] : "");
	}
	fputs("\r\n", fp);
}

static int csv_open(struct csv_out *o)
{
	struct stat sb;
	errno = 0;
	if (strcmp(o->path, "-") == 0) {
		o->fp = stdout;
	} else if (stat(o->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		o->fp = fopen(o->path, "w");	/* a device or a pipe: written as it goes */
	} else {
		size_t n = strlen(o->path) + 16;
		if (!(o->tmp = malloc(n)))
			return op_errc(op_db_err(o->cli->db), EX_OSERR, "out of memory");
		snprintf(o->tmp, n, "%s.tmpXXXXXX", o->path);
		int fd = mkstemp(o->tmp);
		if (fd < 0 || !(o->fp = fdopen(fd, "w"))) {
			if (fd >= 0)
				close(fd);
			free(o->tmp);
			o->tmp = NULL;
			return csv_io(o, "create");
		}
	}
	if (!o->fp)
		return csv_io(o, "open");
	fputs("\xEF\xBB\xBF", o->fp);	/* UTF-8 BOM: Excel reads UTF-8 then */
	csv_line(o->fp, OP_CAMPAIGN_EXPORT_NCOLS, op_campaign_export_cols);
	return ferror(o->fp) ? csv_io(o, "write") : 0;
}

static int csv_row(void *arg, const char *const *vals)
{
	struct csv_out *o = arg;
	errno = 0;
	csv_line(o->fp, OP_CAMPAIGN_EXPORT_NCOLS, vals);
	return ferror(o->fp) ? csv_io(o, "write") : 0;
}

static int csv_finish(void *arg)
{
	struct csv_out *o = arg;
	FILE *fp = o->fp;
	int bad;
	errno = 0;
	bad = fflush(fp) != 0 || ferror(fp);
	if (!bad && o->tmp)
		bad = fsync(fileno(fp)) != 0;
	if (fp != stdout) {
		bad |= fclose(fp) != 0;
		o->fp = NULL;
	}
	if (bad)
		return csv_io(o, "write");
	if (o->tmp) {
		if (rename(o->tmp, o->path) != 0)
			return csv_io(o, "rename the finished file to");
		free(o->tmp);
		o->tmp = NULL;
		o->published = 1;
	}
	return 0;
}

static void csv_abort(void *arg)
{
	struct csv_out *o = arg;
	if (o->published)
		unlink(o->path);
}

/* After a failed export: nothing half-written stays behind. */
static void csv_cleanup(struct csv_out *o)
{
	if (o->fp && o->fp != stdout)
		fclose(o->fp);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
}

static int cmd_export(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[2];
	int npos, rc;
	int64_t rows;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 2, 2, &npos)) >= 0)
		return rc;
	struct csv_out o = { .cli = cli, .path = pos[1] };
	struct op_export_sink sink = { csv_row, csv_finish, csv_abort, &o };
	if (csv_open(&o) < 0 || op_campaign_export(cli->db, pos[0], cli->as, &sink, &rows) < 0) {
		csv_cleanup(&o);
		op_errctx(op_db_err(cli->db), "campaign export (nothing marked sent)");
		return cli_fail(cli);
	}
	csv_cleanup(&o);
	if (strcmp(pos[1], "-") != 0)
		fprintf(stderr, _("%s: %lld message(s) written to %s and marked sent\n"), cli->prog,
			(long long)rows, pos[1]);
	return 0;
}

static int cmd_record(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "response", 0, NULL }, { "notes", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[2];
	char *cust = NULL;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 2, 2, &npos)) >= 0)
		return rc;
	if (cmd_customer_ref(cli, pos[1], &cust) < 0)
		return cli_fail(cli);
	const char *kind = NULL;
	rc = op_campaign_record(cli->db, pos[0], cust, cli_opt(spec, "response"),
				cli_opt(spec, "notes"), cli->as, &kind) < 0 ? cli_fail(cli) : 0;
	if (rc == 0)
		fprintf(cli->out, _("%s: %s recorded for customer %s\n"), pos[0], kind,
			cli_short_id(cust));
	free(cust);
	return rc;
}

/* --- report campaign --- */

static void fmt_money(char *out, size_t n, double cents)
{
	if (isnan(cents))
		out[0] = '\0';
	else
		snprintf(out, n, "%.2f", cents / 100.0);
}

static void fmt_rate(char *out, size_t n, int64_t part, int64_t whole)
{
	if (whole)
		snprintf(out, n, "%.1f", 100.0 * (double)part / (double)whole);
	else
		out[0] = '\0';
}

static int cmd_report_campaign(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "json", 1, NULL }, { "csv", 1, NULL }, { NULL, 0, NULL } };
	struct op_campaign_stats s;
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "json"))
		cli->fmt = OP_FMT_JSON;
	else if (cli_opt(spec, "csv"))
		cli->fmt = OP_FMT_CSV;
	if (op_campaign_report(cli->db, pos[0], &s) < 0)
		return cli_fail(cli);

	const struct op_campaign_group *g[2] = { &s.sent, &s.held };
	enum { NG = 13 };
	const char *names[NG] = { "group", "customers", "responded", "response_pct", "redeemed",
				  "redeemed_pct", "buyers", "buyers_pct", "orders", "sales",
				  "orders_per_customer", "sales_per_customer", "share_pct" };
	const enum op_kind kinds[NG] = { OP_K_TEXT, OP_K_INT, OP_K_INT, OP_K_REAL, OP_K_INT,
					 OP_K_REAL, OP_K_INT, OP_K_REAL, OP_K_INT, OP_K_REAL,
					 OP_K_REAL, OP_K_REAL, OP_K_REAL };
	char v[2][NG][32];
	int64_t all = s.sent.customers + s.held.customers;
	for (int k = 0; k < 2; k++) {
		snprintf(v[k][0], 32, "%s", k ? "holdout" : "contacted");
		snprintf(v[k][1], 32, "%lld", (long long)g[k]->customers);
		snprintf(v[k][2], 32, "%lld", (long long)g[k]->responded);
		fmt_rate(v[k][3], 32, g[k]->responded, g[k]->customers);
		snprintf(v[k][4], 32, "%lld", (long long)g[k]->redeemed);
		fmt_rate(v[k][5], 32, g[k]->redeemed, g[k]->customers);
		snprintf(v[k][6], 32, "%lld", (long long)g[k]->buyers);
		fmt_rate(v[k][7], 32, g[k]->buyers, g[k]->customers);
		snprintf(v[k][8], 32, "%lld", (long long)g[k]->orders);
		fmt_money(v[k][9], 32, (double)g[k]->sales);
		if (g[k]->customers)
			snprintf(v[k][10], 32, "%.3f", (double)g[k]->orders / (double)g[k]->customers);
		else
			v[k][10][0] = '\0';
		fmt_money(v[k][11], 32, g[k]->customers ?
			  (double)g[k]->sales / (double)g[k]->customers : NAN);
		fmt_rate(v[k][12], 32, g[k]->customers, all);
	}
	char h[14][48];
	const char *hn[14] = { "campaign", "kind", "channel", "window", "holdout_pct", "seed",
			       "queued", "cost", "coupon_discount", "uplift_per_customer",
			       "incremental_sales", "net", "roi_pct", "note" };
	const enum op_kind hk[14] = { OP_K_TEXT, OP_K_TEXT, OP_K_TEXT, OP_K_TEXT, OP_K_INT,
				      OP_K_INT, OP_K_INT, OP_K_REAL, OP_K_REAL, OP_K_REAL,
				      OP_K_REAL, OP_K_REAL, OP_K_REAL, OP_K_TEXT };
	snprintf(h[0], 48, "%.47s", s.name);
	snprintf(h[1], 48, "%s", s.kind);
	snprintf(h[2], 48, "%s", s.channel);
	snprintf(h[3], 48, "%s..%s", s.starts, s.ends);
	snprintf(h[4], 48, "%d", s.holdout_pct);
	snprintf(h[5], 48, "%lld", (long long)s.seed);
	snprintf(h[6], 48, "%lld", (long long)s.queued);
	fmt_money(h[7], 48, (double)s.cost);
	fmt_money(h[8], 48, (double)s.discount);
	fmt_money(h[9], 48, s.uplift_per_customer);
	fmt_money(h[10], 48, s.incremental);
	fmt_money(h[11], 48, s.net);
	if (isnan(s.roi))
		h[12][0] = '\0';
	else
		snprintf(h[12], 48, "%.1f", 100.0 * s.roi);
	snprintf(h[13], 48, "%s", !s.has_control ? "no hold-out group: no uplift" :
		 s.cost == 0 ? "no cost: no ROI" : "");
	const char *hv[14];
	for (int i = 0; i < 14; i++)
		hv[i] = h[i][0] ? h[i] : NULL;
	if (cli->fmt == OP_FMT_JSON) {
		/* one object: the summary, then the two groups */
		fputs("{\"summary\":", cli->out);
		op_out_record(cli->out, cli->fmt, 14, hn, hv, hk);
		fputs(",\"groups\":", cli->out);
	} else if (cli->fmt == OP_FMT_TABLE) {
		op_out_record(cli->out, cli->fmt, 14, hn, hv, hk);
		fputc('\n', cli->out);
	}
	op_out *o = op_out_new(cli->out, cli->fmt);
	op_out_cols(o, NG, names);
	for (int k = 0; k < 2; k++) {
		const char *row[NG];
		for (int i = 0; i < NG; i++)
			row[i] = v[k][i][0] ? v[k][i] : NULL;
		op_out_row(o, row, kinds);
	}
	op_out_end(o);
	if (cli->fmt == OP_FMT_JSON)
		fputs("}\n", cli->out);
	return 0;
}

const struct op_cmd op_cmds_campaign[] = {
	{ "campaign", "add", cmd_add,
	  "campaign add NAME --segment S --kind K --channel sms|wechat|call|print\n"
	  "       (--template T | --template-file F) [--starts DATE] [--ends DATE] [--cost M]\n"
	  "       [--cost-per M] [--holdout P%] [--seed N] [--min-gap DAYS] [--auto]\n"
	  "       [--coupon-value V [--coupon-min M] [--coupon-until DATE] | --coupon CODE]",
	  "define a campaign (K: greeting promotion new-product member-day win-back; "
	  "placeholders {姓名} {称呼} {积分} {券码} {门店})" },
	{ "campaign", "show", cmd_show, "campaign show NAME", "a campaign and its outbox counts" },
	{ "campaign", "list", cmd_list, "campaign list", "campaigns, newest first" },
	{ "campaign", "prepare", cmd_prepare, "campaign prepare NAME [--today DATE]",
	  "render one message per customer of the segment into the outbox, holding out the control group" },
	{ "campaign", "outbox", cmd_outbox, "campaign outbox NAME [--status queued|sent|holdout]",
	  "the campaign's prepared messages and hold-out customers" },
	{ "campaign", "export", cmd_export, "campaign export NAME FILE",
	  "write the queued messages as CSV (UTF-8 with BOM) and mark them sent" },
	{ "campaign", "record", cmd_record,
	  "campaign record NAME CUSTOMER --response replied|visited|declined|opt-out [--notes N]",
	  "record a customer's response (opt-out 退订 also sets do-not-contact)" },
	{ "report", "campaign", cmd_report_campaign, "report campaign NAME",
	  "did it pay off: contacted vs hold-out, uplift, incremental sales, cost, ROI" },
	{ NULL, NULL, NULL, NULL, NULL },
};
