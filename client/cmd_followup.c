/*
 * cmd_followup.c — `outpost followup add|list|due`: follow-up calls and
 * visits (回访记录) and the reminders they leave behind.
 *
 * Each follow-up may set the next one's due date. Only a customer's newest
 * follow-up counts for reminders: calling a customer again replaces the
 * earlier promise (its next_due, or none). Dates people type (--next-due)
 * are calendar dates of the store, so "today" is the local date; the time
 * of a follow-up (--at, local wall time as typed) is stored in UTC like
 * every other time in the store.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

static const struct op_enum_alias kind_v[] = {
	{ "call", "phone|telephone|电话|打电话|电话回访" },
	{ "visit", "home-visit|上门|拜访|走访|到店|上门回访" },
	{ "message", "msg|sms|text|wechat|微信|短信|消息" },
	{ NULL, NULL }
};
static const struct op_enum followup_kind = { "follow-up kind", kind_v };

/* The options, then the columns outpost fills in itself. */
static const struct op_field add_fields[] = {
	{ "customer", "customer_id", F_TEXT, NULL, 0, 0, 1, "客户|customer_id" },
	{ "kind", "kind", F_ENUM, &followup_kind, 0, 0, 0, "方式|回访方式|type" },
	{ "purpose", "purpose", F_TEXT, NULL, 0, 0, 0, "目的|回访目的" },
	{ "opinion", "opinion", F_TEXT, NULL, 0, 0, 0, "意见|客户意见|反馈" },
	{ "next-action", "next_action", F_TEXT, NULL, 0, 0, 0, "下一步|下次行动" },
	{ "next-due", "next_due", F_DATE, NULL, 0, 0, 0, "下次回访|下次回访日期" },
	{ "at", "at", F_DATETIME, NULL, 0, 0, 0, "时间|回访时间" },
	{ "staff", "staff", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
};
enum { A_CUSTOMER, A_KIND, A_PURPOSE, A_OPINION, A_NEXT_ACTION, A_NEXT_DUE,
       A_AT, A_NOPTS, A_STAFF = A_NOPTS, A_BRANCH, A_NALL };

static const char SHOW_COLS[] =
	"id, customer_id,"
	" (SELECT c.name FROM customer c WHERE c.id = customer_id) AS customer,"
	" (SELECT c.phone FROM customer c WHERE c.id = customer_id) AS phone,"
	" at, staff, kind, purpose, opinion, next_action, next_due, branch";

/* Local wall time -> UTC, by the store's time zone (tz.h). */
static const char SQL_TO_UTC[] = "SELECT op_utc(:at)";


static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[A_NALL] = { 0 }, *pos[1];
	char *cust = NULL, *id = NULL, local[32], utc[32];
	int npos, rc, isnull;

	if ((rc = rec_begin(cli, argc, argv, add_fields, A_NOPTS, vals, NULL, pos, 0, &npos)) >= 0)
		return rc;
	if (!vals[A_CUSTOMER]) {
		cli_error(cli, EX_USAGE, "followup add: --customer REF is required");
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	if (vals[A_AT]) {
		if (rec_norm(cli, &add_fields[A_AT], vals[A_AT], local, sizeof(local),
			     &isnull) < 0)
			return cli_fail(cli);
		if (!isnull) {
			sqlite3_stmt *st = op_db_stmt(cli->db, SQL_TO_UTC);
			if (!st || op_bind_text(cli->db, st, ":at", local) < 0 ||
			    op_db_step(cli->db, st) != SQLITE_ROW)
				return cli_fail(cli);
			snprintf(utc, sizeof(utc), "%s", (const char *)sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			vals[A_AT] = utc;
		}
	}
	if (cmd_customer_ref(cli, vals[A_CUSTOMER], &cust) < 0)
		return cli_fail(cli);
	vals[A_CUSTOMER] = cust;
	vals[A_STAFF] = cli->as;
	vals[A_BRANCH] = op_db_site(cli->db);
	if (op_db_begin(cli->db, cli->as) < 0 ||
	    rec_insert(cli, "followup", add_fields, A_NALL, vals, &id) < 0 ||
	    op_db_commit(cli->db) < 0) {
		op_db_rollback(cli->db);
		free(cust);
		free(id);
		return cli_fail(cli);
	}
	rc = rec_show(cli, "followup", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	free(cust);
	free(id);
	return rc;
}

static const char SQL_LIST[] =
	"SELECT f.at, c.name AS customer, c.phone,"
	"       f.staff, f.kind, f.purpose, f.opinion, f.next_action, f.next_due"
	"  FROM followup f LEFT JOIN customer c ON c.id = f.customer_id"
	" WHERE (:customer IS NULL OR f.customer_id = :customer)"
	"   AND (:staff IS NULL OR f.staff = :staff)"
	" ORDER BY f.at DESC, f.rowid DESC LIMIT :limit";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "customer", 0, NULL }, { "staff", 0, NULL },
				  { "limit", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *why;
	int npos, rc;
	int64_t limit = 1000;
	char *cust = NULL;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "limit") &&
	    op_valid_int(&limit, cli_opt(spec, "limit"), 1, 10000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "limit: %s", why);
	if (cli_opt(spec, "customer") &&
	    cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":customer", cust) < 0 ||
	    op_bind_text(cli->db, st, ":staff", cli_opt(spec, "staff")) < 0 ||
	    op_bind_int(cli->db, st, ":limit", limit) < 0 ||
	    cli_print_rows(cli, st) < 0)
		rc = cli_fail(cli);
	else
		rc = 0;
	free(cust);
	return rc;
}

/* Each customer's newest follow-up, if it asks for another one by the
 * local date today + :days. days_left is 0 on the due date, positive while
 * it is still ahead, negative once overdue; "when" says it in words (the
 * formats bound translated). The staff filter applies after the newest is
 * picked: a colleague's later call supersedes my reminder. */
static const char SQL_DUE[] =
	"WITH latest AS ("
	"  SELECT f.*, f.rowid AS seq, row_number() OVER (PARTITION BY f.customer_id"
	"                                 ORDER BY f.at DESC, f.rowid DESC) AS rn"
	"    FROM followup f),"
	" d AS (SELECT l.*, CAST(julianday(l.next_due) - julianday(op_today())"
	"       AS INTEGER) AS n FROM latest l WHERE l.rn = 1 AND l.next_due IS NOT NULL)"
	"SELECT d.next_due, CASE WHEN d.n = 0 THEN :today"
	"         WHEN d.n > 0 THEN printf(:ahead, d.n) ELSE printf(:late, -d.n) END AS \"when\","
	"       d.n AS days_left,"
	"       c.name AS customer, c.phone, d.staff, d.next_action,"
	"       d.at AS last_at, d.kind AS last_kind"
	"  FROM d LEFT JOIN customer c ON c.id = d.customer_id"
	" WHERE d.next_due <= date(julianday(op_today()) + :days)"
	"   AND (:staff IS NULL OR d.staff = :staff)"
	" ORDER BY d.next_due, c.name COLLATE pinyin, d.seq";

static int cmd_due(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "days", 0, NULL }, { "staff", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1], *why;
	int npos, rc;
	int64_t days = 0;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "days") &&
	    op_valid_int(&days, cli_opt(spec, "days"), 0, 3660, &why) < 0)
		return cli_error(cli, EX_DATAERR, "days: %s", why);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_DUE);
	if (!st || op_bind_int(cli->db, st, ":days", days) < 0 ||
	    op_bind_text(cli->db, st, ":staff", cli_opt(spec, "staff")) < 0 ||
	    op_bind_text(cli->db, st, ":today", _("due today")) < 0 ||
	    /* TRANSLATORS: a follow-up due in %d days (SQLite printf) */
	    op_bind_text(cli->db, st, ":ahead", _("in %d days")) < 0 ||
	    op_bind_text(cli->db, st, ":late", _("%d days overdue")) < 0 ||
	    cli_print_rows(cli, st) < 0)
		return cli_fail(cli);
	return 0;
}

const struct op_cmd op_cmds_followup[] = {
	{ "followup", "add", cmd_add,
	  "followup add --customer REF [--kind call|visit|message] [--purpose P]\n"
	  "       [--opinion O] [--next-action A] [--next-due DATE] [--at DATETIME]",
	  "record a follow-up call or visit (by --as STAFF, at this branch)" },
	{ "followup", "list", cmd_list,
	  "followup list [--customer REF] [--staff CODE] [--limit N]",
	  "follow-ups, newest first" },
	{ "followup", "due", cmd_due, "followup due [--days N] [--staff CODE]",
	  "customers whose newest follow-up asks for another by today + N days" },
	{ NULL, NULL, NULL, NULL, NULL },
};
