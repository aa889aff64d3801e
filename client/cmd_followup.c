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

static const char SHOW_COLS[] =
	"id, customer_id,"
	" (SELECT c.name FROM customer c WHERE c.id = customer_id) AS customer,"
	" (SELECT c.phone FROM customer c WHERE c.id = customer_id) AS phone,"
	" at, staff, kind, purpose, opinion, next_action, next_due, branch";

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[OP_FU_NALL] = { 0 }, *pos[1];
	char *cust = NULL, *id = NULL;
	int npos, rc;

	if ((rc = rec_begin(cli, argc, argv, op_followup_fields, OP_FU_NOPTS, vals, NULL,
			    pos, 0, &npos)) >= 0)
		return rc;
	if (!vals[OP_FU_CUSTOMER]) {
		cli_error(cli, EX_USAGE, "followup add: --customer REF is required");
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	/* the time first: a bad --at is reported before the customer is looked up */
	if (op_followup_check_at(&cli->ctx, vals[OP_FU_AT]) < 0 ||
	    cmd_customer_ref(cli, vals[OP_FU_CUSTOMER], &cust) < 0)
		return cli_fail(cli);
	vals[OP_FU_CUSTOMER] = cust;
	if (op_followup_add(&cli->ctx, vals, &id) < 0)
		rc = cli_fail(cli);
	else
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
				  { "limit", 0, NULL }, { "all", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;
	int64_t limit = 1000;
	char *cust = NULL;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_limit_opt(cli, spec, limit, &limit) < 0)
		return cli_fail(cli);
	if (cli_opt(spec, "customer") &&
	    cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":customer", cust) < 0 ||
	    op_bind_text(cli->db, st, ":staff", cli_opt(spec, "staff")) < 0 ||
	    op_bind_int(cli->db, st, ":limit", limit) < 0 ||
	    cli_print_limited(cli, st, limit) < 0)
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
	" ORDER BY d.next_due, c.name COLLATE name, d.seq";

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
	  "followup list [--customer REF] [--staff CODE] [--limit N | --all]",
	  "follow-ups, newest first" },
	{ "followup", "due", cmd_due, "followup due [--days N] [--staff CODE]",
	  "customers whose newest follow-up asks for another by today + N days" },
	{ NULL, NULL, NULL, NULL, NULL },
};
