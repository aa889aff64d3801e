/*
 * cmd_ticket.c — `outpost ticket open|update|close|show|list`: after-sales
 * tickets (售后服务记录).
 *
 * A ticket moves open -> in_progress -> resolved -> closed (a resolved one
 * may be reopened to in_progress; closed is final), and every step a person
 * takes is a ticket_step row: the step that opened it, each update and the
 * close, with who did it and the status after it. The ticket row carries the
 * current state; its first_reply_at is set by the first step after opening,
 * so reports can check the 24-hour first-reply rule for complaints. Opening
 * writes the ticket and its first step in one transaction, as does every
 * later step with its change to the ticket.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

/* ticket open: the options people type first, then the columns outpost
 * fills in itself (not options). */
static const struct op_field update_fields[] = {
	{ "action", "action", F_TEXT, NULL, 0, 0, 1, NULL },
	{ "status", "status", F_ENUM, &op_enum_ticket_status, 0, 0, 0, NULL },
	{ "handler", "handler", F_TEXT, NULL, 0, 0, 0, NULL },
};
enum { U_ACTION, U_STATUS, U_HANDLER, U_N };

static const struct op_field close_fields[] = {
	{ "result", "result", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "satisfaction", "satisfaction", F_INT, NULL, 1, 5, 0, NULL },
};
enum { C_RESULT, C_SATISFACTION, C_N };

static const char SHOW_COLS[] =
	"id, ticket_no, customer_id,"
	" (SELECT c.name FROM customer c WHERE c.id = customer_id) AS customer,"
	" (SELECT c.phone FROM customer c WHERE c.id = customer_id) AS phone,"
	" (SELECT o.order_no FROM sales_order o WHERE o.id = order_id) AS order_no,"
	" kind, problem, received_at, handler, status, result, satisfaction,"
	" first_reply_at, closed_at, branch";

/* The same record as one JSON object with its steps as an array, built by
 * SQLite's JSON functions so the text is valid whatever the values hold. */
static const char SQL_SHOW_JSON[] =
	"SELECT json_object('id', t.id, 'ticket_no', t.ticket_no,"
	"  'customer_id', t.customer_id, 'customer', c.name, 'phone', c.phone,"
	"  'order_no', o.order_no, 'kind', t.kind, 'problem', t.problem,"
	"  'received_at', t.received_at, 'handler', t.handler, 'status', t.status,"
	"  'result', t.result, 'satisfaction', t.satisfaction,"
	"  'first_reply_at', t.first_reply_at, 'closed_at', t.closed_at,"
	"  'branch', t.branch, 'steps', json((SELECT json_group_array(json(s))"
	"    FROM (SELECT json_object('at', at, 'staff', staff, 'status', status,"
	"                             'action', action) AS s"
	"          FROM ticket_step WHERE ticket_id = t.id ORDER BY at, rowid))))"
	" FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id"
	" LEFT JOIN sales_order o ON o.id = t.order_id WHERE t.id = :id";

static const char SQL_STEPS[] =
	"SELECT at, staff, status, action FROM ticket_step"
	" WHERE ticket_id = :id ORDER BY at, rowid";



static int resolve_ticket(struct op_cli *cli, const char *ref, char **id)
{
	return cli_resolve(cli, "ticket", "ticket_no", ref, id);
}

/* Normalise the value of an option (NULL when not given, or given empty
 * for an optional field). 0 or -1 with cli->err set. */
static int norm_opt(struct op_cli *cli, const struct op_field *f, const char *raw,
		    char *buf, size_t n, const char **out)
{
	int isnull;

	*out = NULL;
	if (!raw) {
		if (f->required)
			return op_errc(&cli->err, EX_USAGE, "--%s is required", f->opt);
		return 0;
	}
	if (rec_norm(cli, f, raw, buf, n, &isnull) < 0)
		return -1;
	if (isnull && f->required)
		return op_errc(&cli->err, EX_DATAERR, "%s: is required", f->opt);
	*out = isnull ? NULL : buf;
	return 0;
}



static int cmd_open(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[OP_TK_NALL] = { 0 }, *pos[1];
	int npos, rc;
	char *cust = NULL, *order = NULL, *id = NULL;

	if ((rc = rec_begin(cli, argc, argv, op_ticket_open_fields, OP_TK_NOPTS, vals, NULL,
			    pos, 0, &npos)) >= 0)
		return rc;
	if (!vals[OP_TK_CUSTOMER] || !vals[OP_TK_PROBLEM]) {
		cli_error(cli, EX_USAGE, "ticket open: --customer and --problem are required");
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (cli_db(cli, &cli->db) < 0 ||
	    cmd_customer_ref(cli, vals[OP_TK_CUSTOMER], &cust) < 0)
		return cli_fail(cli);
	vals[OP_TK_CUSTOMER] = cust;
	rc = -1;
	if (vals[OP_TK_ORDER] && *vals[OP_TK_ORDER]) {
		if (cli_resolve(cli, "sales_order", "order_no", vals[OP_TK_ORDER], &order) < 0)
			goto out;
		vals[OP_TK_ORDER] = order;
	}
	if (op_ticket_open(&cli->ctx, vals, &id) == 0)
		rc = rec_show(cli, "ticket", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
out:
	if (rc < 0)
		rc = cli_fail(cli);
	free(cust);
	free(order);
	free(id);
	return rc;
}

/* Parse, resolve REF and take one step in a transaction; then show the
 * ticket. Shared by update and close, which differ in their options. */
static int run_step(struct op_cli *cli, const char *ref, const struct op_ticket_step *s)
{
	char *id = NULL;
	int rc;

	if (resolve_ticket(cli, ref, &id) < 0)
		return cli_fail(cli);
	if (op_ticket_step(&cli->ctx, id, s) < 0) {
		free(id);
		return cli_fail(cli);
	}
	rc = rec_show(cli, "ticket", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
}

static int cmd_update(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[U_N] = { 0 }, *pos[1];
	char action[4096], status[32], handler[256];
	struct op_ticket_step s = { 0 };
	int npos, rc;

	if ((rc = rec_begin(cli, argc, argv, update_fields, U_N, vals, NULL, pos, 1, &npos)) >= 0)
		return rc;
	if (npos < 1 || !vals[U_ACTION]) {
		cli_error(cli, EX_USAGE, npos < 1 ? "ticket update: which ticket?" :
			  "ticket update: --action TEXT is required (what was done)");
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (norm_opt(cli, &update_fields[U_ACTION], vals[U_ACTION], action,
		     sizeof(action), &s.action) < 0 ||
	    norm_opt(cli, &update_fields[U_STATUS], vals[U_STATUS], status,
		     sizeof(status), &s.status) < 0 ||
	    norm_opt(cli, &update_fields[U_HANDLER], vals[U_HANDLER], handler,
		     sizeof(handler), &s.handler) < 0 ||
	    cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	return run_step(cli, pos[0], &s);
}

static int cmd_close(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[C_N] = { 0 }, *pos[1], *sat = NULL, *why;
	char result[4096], satbuf[32], *action = NULL;
	struct op_ticket_step s = { .status = "closed" };
	int npos, rc;

	if ((rc = rec_begin(cli, argc, argv, close_fields, C_N, vals, NULL, pos, 1, &npos)) >= 0)
		return rc;
	if (npos < 1) {
		cli_error(cli, EX_USAGE, "ticket close: which ticket?");
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (norm_opt(cli, &close_fields[C_RESULT], vals[C_RESULT], result,
		     sizeof(result), &s.result) < 0 ||
	    norm_opt(cli, &close_fields[C_SATISFACTION], vals[C_SATISFACTION], satbuf,
		     sizeof(satbuf), &sat) < 0)
		return cli_fail(cli);
	if (sat && op_valid_int(&s.satisfaction, sat, 1, 5, &why) < 0)
		return cli_error(cli, EX_DATAERR, "satisfaction: %s", why);
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	action = s.result ? sqlite3_mprintf("closed: %s", s.result) :
			    sqlite3_mprintf("closed");
	if (!action)
		return cli_error(cli, EX_OSERR, "out of memory");
	s.action = action;
	rc = run_step(cli, pos[0], &s);
	sqlite3_free(action);
	return rc;
}

static int show_json(struct op_cli *cli, const char *id)
{
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_SHOW_JSON);
	int rc;

	if (!st || op_bind_text(cli->db, st, ":id", id) < 0 ||
	    (rc = op_db_step(cli->db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW)
		fprintf(cli->out, "%s\n", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return op_errc(&cli->err, EX_NOINPUT, "no ticket with id %s", id);
	return 0;
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	char *id = NULL;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (resolve_ticket(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	if (cli->fmt == OP_FMT_JSON) {
		rc = show_json(cli, id) < 0 ? cli_fail(cli) : 0;
		free(id);
		return rc;
	}
	/* People (and CSV) get the record, a blank line, then the steps. */
	if (rec_show(cli, "ticket", SHOW_COLS, id) < 0)
		goto fail;
	fputc('\n', cli->out);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_STEPS);
	if (!st || op_bind_text(cli->db, st, ":id", id) < 0 ||
	    cli_print_rows(cli, st) < 0)
		goto fail;
	free(id);
	return 0;
fail:
	free(id);
	return cli_fail(cli);
}

/* Tickets are named by ticket_no here: a short prefix of a UUIDv7 id says
 * little more than the minute it was made. reply_late: a complaint whose
 * first reply came (or is still missing) more than 24 hours after it was
 * received. */
static const char SQL_LIST[] =
	"SELECT t.ticket_no, t.received_at,"
	"       c.name AS customer, c.phone, t.kind, t.status, t.handler,"
	"       t.first_reply_at, t.satisfaction,"
	"       CASE WHEN t.kind = 'complaint' AND coalesce(t.first_reply_at,"
	"                 datetime('now')) > datetime(t.received_at, '+24 hours')"
	"            THEN 'yes' END AS reply_late"
	"  FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id"
	" WHERE (:status IS NULL OR t.status = :status)"
	"   AND (:customer IS NULL OR t.customer_id = :customer)"
	"   AND (:open = 0 OR t.status <> 'closed')"
	" ORDER BY t.received_at DESC, t.rowid DESC LIMIT :limit";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "status", 0, NULL }, { "customer", 0, NULL },
				  { "open", 1, NULL }, { "limit", 0, NULL }, { "all", 1, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1], *why, *status = NULL;
	int npos, rc;
	int64_t limit = 1000;
	char *cust = NULL;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "status") &&
	    op_valid_enum(&status, &op_enum_ticket_status, cli_opt(spec, "status"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "status: %s", why);
	if (cli_limit_opt(cli, spec, limit, &limit) < 0)
		return cli_fail(cli);
	if (cli_opt(spec, "customer") &&
	    cmd_customer_ref(cli, cli_opt(spec, "customer"), &cust) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":status", status) < 0 ||
	    op_bind_text(cli->db, st, ":customer", cust) < 0 ||
	    op_bind_int(cli->db, st, ":open", cli_opt(spec, "open") != NULL) < 0 ||
	    op_bind_int(cli->db, st, ":limit", limit) < 0 ||
	    cli_print_limited(cli, st, limit) < 0)
		rc = cli_fail(cli);
	else
		rc = 0;
	free(cust);
	return rc;
}

const struct op_cmd op_cmds_ticket[] = {
	{ "ticket", "open", cmd_open,
	  "ticket open --customer REF --problem TEXT [--kind K] [--order REF] [--handler STAFF]",
	  "log an after-sales ticket (kind: complaint repair return installation enquiry other)" },
	{ "ticket", "update", cmd_update,
	  "ticket update REF --action TEXT [--status S] [--handler STAFF]",
	  "record a step taken; --status moves it (open in_progress resolved closed)" },
	{ "ticket", "close", cmd_close,
	  "ticket close REF [--result TEXT] [--satisfaction 1-5]",
	  "close a ticket with its result and the customer's satisfaction" },
	{ "ticket", "show", cmd_show, "ticket show REF",
	  "one ticket and every step (REF: id or its first 6+ characters, or ticket number)" },
	{ "ticket", "list", cmd_list,
	  "ticket list [--status S] [--customer REF] [--open] [--limit N | --all]",
	  "tickets, newest first; --open: all that are not closed" },
	{ NULL, NULL, NULL, NULL, NULL },
};
