/*
 * cmd_coupon.c — `outpost coupon add|list|check`: coupons made by hand
 * (a shared code for a campaign, or one customer's); campaigns make their
 * per-customer ones at prepare. Redeeming is `order add --coupon CODE`
 * (cmd_order.c); every check is schema/coupon.c's.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "coupon.h"

#define MONEY(col) "printf('%d.%02d', " col " / 100, " col " % 100)"
#define VALUE "CASE p.kind WHEN 'amount' THEN " MONEY("p.value") " ELSE p.value || '%' END"
#define USES "(SELECT count(*) FROM coupon_redemption r WHERE r.coupon_id = p.id)"

/* What show and list print of a coupon p (its customer c, campaign m). */
#define COLS "p.code, " VALUE " AS value, " MONEY("p.min_spend") " AS min_spend," \
	" p.valid_from, p.valid_until, coalesce(c.name, 'shared') AS customer," \
	" m.name AS campaign, " USES " AS uses"
#define FROM " FROM coupon p LEFT JOIN customer c ON c.id = p.customer_id" \
	" LEFT JOIN campaign m ON m.id = p.campaign_id"

static const char SQL_SHOW[] =
	"SELECT " COLS ", p.branch, p.created_at" FROM " WHERE p.id = :id";

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "code", 0, NULL }, { "value", 0, NULL },
				  { "min-spend", 0, NULL }, { "from", 0, NULL },
				  { "until", 0, NULL }, { "customer", 0, NULL },
				  { "campaign", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char *cust = NULL, *id = NULL, camp[64] = "";
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "customer") && cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	if (cli_opt(spec, "campaign")) {
		sqlite3_stmt *st = op_db_stmt(cli->db, "SELECT id FROM campaign WHERE name = :n");
		if (!st || op_bind_text(cli->db, st, ":n", cli_opt(spec, "campaign")) < 0) {
			free(cust);
			return cli_fail(cli);
		}
		if (op_db_step(cli->db, st) == SQLITE_ROW)
			snprintf(camp, sizeof(camp), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (!camp[0]) {
			free(cust);
			return cli_error(cli, EX_DATAERR, "campaign: no campaign named %s",
					 cli_opt(spec, "campaign"));
		}
	}
	struct op_coupon_def d = {
		.code = cli_opt(spec, "code"), .value = cli_opt(spec, "value"),
		.min_spend = cli_opt(spec, "min-spend"), .from = cli_opt(spec, "from"),
		.until = cli_opt(spec, "until"), .customer_id = cust,
		.campaign_id = camp[0] ? camp : NULL, .staff = cli->as,
	};
	sqlite3_stmt *st = NULL;
	if (op_coupon_add(cli->db, &d, &id) < 0 || !(st = op_db_stmt(cli->db, SQL_SHOW)) ||
	    op_bind_text(cli->db, st, ":id", id) < 0 || op_db_step(cli->db, st) != SQLITE_ROW)
		rc = cli_fail(cli);
	else {
		op_out_record_stmt(cli->out, cli->fmt, st);
		rc = 0;
	}
	if (st)
		sqlite3_reset(st);
	free(cust);
	free(id);
	return rc;
}

static const char SQL_LIST[] =
	"SELECT " COLS FROM
	" WHERE (:campaign IS NULL OR m.name = :campaign)"
	"   AND (:customer IS NULL OR p.customer_id = :customer)"
	"   AND (:unused = 0 OR " USES " = 0)"
	" ORDER BY p.created_at, p.code";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "campaign", 0, NULL }, { "customer", 0, NULL },
				  { "unused", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char *cust = NULL;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "customer") && cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":campaign", cli_opt(spec, "campaign")) < 0 ||
	    op_bind_text(cli->db, st, ":customer", cust) < 0 ||
	    op_bind_int(cli->db, st, ":unused", cli_opt(spec, "unused") != NULL) < 0 ||
	    cli_print_rows(cli, st) < 0)
		rc = cli_fail(cli);
	else
		rc = 0;
	free(cust);
	return rc;
}

/* What `order add --coupon` would take off, without an order. */
static int cmd_check(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "customer", 0, NULL }, { "amount", 0, NULL },
				  { "date", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *why;
	char *cust = NULL, date[16];
	int64_t amount, d;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (!cli_opt(spec, "customer") || !cli_opt(spec, "amount"))
		return cli_error(cli, EX_USAGE, "%s is required",
				 cli_opt(spec, "customer") ? "--amount MONEY" : "--customer REF");
	if (op_valid_money(&amount, cli_opt(spec, "amount"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "amount: %s", why);
	if (cli_opt(spec, "date") && op_valid_date(date, sizeof(date), cli_opt(spec, "date"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "date: %s", why);
	if (cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	if (op_coupon_check(cli->db, pos[0], cust, amount, cli_opt(spec, "date") ? date : NULL,
			    &d, NULL) < 0)
		rc = cli_fail(cli);
	else {
		char a[32], b[32];
		const char *names[] = { "coupon", "amount", "discount", "to_pay" };
		snprintf(a, sizeof(a), "%lld.%02d", (long long)(d / 100), (int)(d % 100));
		snprintf(b, sizeof(b), "%lld.%02d", (long long)((amount - d) / 100),
			 (int)((amount - d) % 100));
		const char *vals[] = { pos[0], cli_opt(spec, "amount"), a, b };
		op_out_record(cli->out, cli->fmt, 4, names, vals, NULL);
		rc = 0;
	}
	free(cust);
	return rc;
}

const struct op_cmd op_cmds_coupon[] = {
	{ "coupon", "add", cmd_add,
	  "coupon add --value V --until DATE [--code CODE] [--min-spend M] [--from DATE]\n"
	  "       [--customer REF] [--campaign NAME]",
	  "make a coupon (V: 50 off, 10% or 9折; without --customer it is shared, once per customer)" },
	{ "coupon", "list", cmd_list, "coupon list [--campaign NAME] [--customer REF] [--unused]",
	  "coupons with their value, validity and uses" },
	{ "coupon", "check", cmd_check,
	  "coupon check CODE --customer REF --amount MONEY [--date DATE]",
	  "what order add --coupon CODE would take off, or why it is refused" },
	{ NULL, NULL, NULL, NULL, NULL },
};
