/*
 * cmd_appt.c — `outpost appt add|done|cancel|list|show`: visits to the
 * customer's home. A curtain shop measures the windows (上门测量) before
 * it quotes and installs (安装) after production; a furniture shop
 * delivers; a complaint often ends in a repair visit, made from its ticket
 * (--ticket). A visit has a time slot, an address (the customer's unless
 * given), who goes, and when done a result and the measurements taken,
 * one line per window or room. `remind` lists each visit the day before
 * and on the day, and a visit still scheduled after its day as overdue
 * (remind.c).
 *
 * Times are typed and shown in the store's zone and stored in UTC, like
 * every other time (docs/LOCALE.md): `--at '2026-12-11 07:00'` at a
 * Beijing store is starts_at '2026-12-10 23:00:00'; tables show it local,
 * --json gives the stored UTC.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

static const struct op_field F[] = {
	{ "kind", "kind", F_ENUM, &op_enum_appt_kind, 0, 0, 0, NULL },
	{ "at", "starts_at", F_DATETIME, NULL, 0, 0, 1, NULL },
	{ "until", "ends_at", F_DATETIME, NULL, 0, 0, 0, NULL },
	{ "address", "address", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "staff", "staff", F_LINE, NULL, 0, 0, 0, NULL },
	{ "notes", "notes", F_TEXT, NULL, 0, 0, 0, NULL },
	/* not options */
	{ "customer", "customer_id", F_TEXT, NULL, 0, 0, 1, NULL },
	{ "order", "order_id", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "ticket", "ticket_id", F_TEXT, NULL, 0, 0, 0, NULL },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, NULL },
};
enum { I_KIND, I_AT, I_UNTIL, I_ADDRESS, I_STAFF, NU = 6, I_CUSTOMER = 6, I_ORDER,
       I_TICKET, I_BRANCH, NF };
_Static_assert(sizeof(F) / sizeof(F[0]) == NF, "appointment field indexes");

static const char SHOW_COLS[] =
	"id, kind, starts_at, ends_at,"
	" (SELECT name FROM customer c WHERE c.id = customer_id) AS customer,"
	" (SELECT phone FROM customer c WHERE c.id = customer_id) AS phone,"
	" address, staff, status, result, measurements,"
	" (SELECT order_no FROM sales_order o WHERE o.id = order_id) AS order_no,"
	" (SELECT ticket_no FROM ticket t WHERE t.id = ticket_id) AS ticket_no,"
	" notes, branch, created_at";

static const char SQL_TICKET[] =
	"SELECT customer_id, order_id FROM ticket WHERE id = :id";
static const char SQL_ADDRESS[] =
	"SELECT address FROM customer WHERE id = :id";

/* A typed local time (valid or not) made UTC into out; an invalid one is
 * left as typed, for the record layer to refuse naming its field. */
static const char *typed_utc(struct op_cli *cli, const char *typed, char *out, size_t n)
{
	char local[20];
	const char *why;

	if (!typed || op_valid_datetime(local, sizeof(local), typed, &why) < 0 ||
	    op_tz_utc(op_db_tz(cli->db), out, n, local) < 0)
		return typed;
	return out;
}

/* A one-column lookup by id into a malloc'd string (NULL when empty). */
static int lookup(struct op_cli *cli, const char *sql, const char *id, int col, char **out)
{
	sqlite3_stmt *st = op_db_stmt(cli->db, sql);
	int rc;

	*out = NULL;
	if (!st || op_bind_text(cli->db, st, ":id", id) < 0 || (rc = op_db_step(cli->db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW && sqlite3_column_text(st, col))
		*out = strdup((const char *)sqlite3_column_text(st, col));
	sqlite3_reset(st);
	return 0;
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt extra[] = { { "customer", 0, NULL }, { "order", 0, NULL },
				   { "ticket", 0, NULL }, { NULL, 0, NULL } };
	const char *vals[NF] = { 0 }, *pos[1];
	char *cust = NULL, *order = NULL, *ticket = NULL, *addr = NULL, until[32];
	char at_utc[20], until_utc[20];
	int npos, rc;

	if ((rc = rec_begin(cli, argc, argv, F, NU, vals, extra, pos, 0, &npos)) >= 0)
		return rc;
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	if (!extra[0].val && !extra[2].val) {
		rc = cli_error(cli, EX_USAGE, "--customer REF or --ticket REF is required");
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	/* A repair visit from a ticket: its customer and order. */
	if (extra[2].val) {
		if (cli_resolve(cli, "ticket", "ticket_no", extra[2].val, &ticket) < 0 ||
		    (!extra[0].val && lookup(cli, SQL_TICKET, ticket, 0, &cust) < 0) ||
		    (!extra[1].val && lookup(cli, SQL_TICKET, ticket, 1, &order) < 0))
			goto fail;
		if (!vals[I_KIND])
			vals[I_KIND] = "repair";
	}
	if (extra[0].val && cmd_customer_ref(cli, extra[0].val, &cust) < 0)
		goto fail;
	if (extra[1].val && cmd_order_ref(cli, extra[1].val, &order) < 0)
		goto fail;
	/* --until 11:30 ends the slot on the day it starts */
	if (vals[I_UNTIL] && vals[I_AT] && strlen(vals[I_UNTIL]) <= 5 && strchr(vals[I_UNTIL], ':')) {
		snprintf(until, sizeof(until), "%.10s %s", vals[I_AT], vals[I_UNTIL]);
		char norm_at[20];
		const char *why;
		if (op_valid_datetime(norm_at, sizeof(norm_at), vals[I_AT], &why) == 0)
			snprintf(until, sizeof(until), "%.10s %s", norm_at, vals[I_UNTIL]);
		vals[I_UNTIL] = until;
	}
	vals[I_AT] = typed_utc(cli, vals[I_AT], at_utc, sizeof(at_utc));
	vals[I_UNTIL] = typed_utc(cli, vals[I_UNTIL], until_utc, sizeof(until_utc));
	if (!vals[I_ADDRESS] && lookup(cli, SQL_ADDRESS, cust, 0, &addr) < 0)
		goto fail;
	if (!vals[I_ADDRESS])
		vals[I_ADDRESS] = addr;
	if (!vals[I_STAFF])
		vals[I_STAFF] = cli->as;
	vals[I_CUSTOMER] = cust;
	vals[I_ORDER] = order;
	vals[I_TICKET] = ticket;
	vals[I_BRANCH] = op_db_site(cli->db);
	rc = rec_add_show(cli, "appointment", F, NF, vals, SHOW_COLS, NULL, NULL);
	goto out;
fail:
	rc = cli_fail(cli);
out:
	free(cust);
	free(order);
	free(ticket);
	free(addr);
	return rc;
}

/* "客厅=2.8x2.6" -> "客厅: 2.80 x 2.60" (metres, to the centimetre);
 * anything else after the '=' is kept as written: "阳台=L 形, 3 扇". 0, or -1
 * with cli->err set. */
static int measurement(struct op_cli *cli, const char *in, sqlite3_str *out)
{
	const char *eq = strchr(in, '='), *why;
	char room[128], val[512], w[64], h[64];
	int64_t wv, hv;

	if (!eq || eq == in || (size_t)(eq - in) >= sizeof(room))
		return op_errc(&cli->err, EX_DATAERR, "measure: '%s' is not ROOM=WIDTHxHEIGHT", in);
	snprintf(room, sizeof(room), "%.*s", (int)(eq - in), in);
	snprintf(val, sizeof(val), "%s", eq + 1);
	if (op_valid_text(room, 64, &why) < 0 || op_valid_text(val, 400, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "measure: '%s': %s", in, why);
	char *x = strpbrk(val, "xX*\xc3");	/* x, X, *, or the start of × */
	if (x) {
		size_t xl = (unsigned char)*x == 0xc3 && (unsigned char)x[1] == 0x97 ? 2 : 1;
		snprintf(w, sizeof(w), "%.*s", (int)(x - val), val);
		snprintf(h, sizeof(h), "%s", x + xl);
		if (op_valid_qty(&wv, w, 2, &why) == 0 && op_valid_qty(&hv, h, 2, &why) == 0) {
			op_qty_format(w, sizeof(w), wv, 2);
			op_qty_format(h, sizeof(h), hv, 2);
			sqlite3_str_appendf(out, "%s: %s x %s", room, w, h);
			return 0;
		}
	}
	sqlite3_str_appendf(out, "%s: %s", room, val);
	return 0;
}

static const char SQL_DONE[] =
	"UPDATE main.appointment SET status = :status,"
	" result = coalesce(:result, result),"
	" measurements = CASE WHEN :m IS NULL THEN measurements"
	"   ELSE coalesce(measurements || char(10), '') || :m END"
	" WHERE id = :id AND status = 'scheduled'";

/* done and cancel: a scheduled visit ends. */
static int finish(struct op_cli *cli, int argc, char **argv, const char *status)
{
	struct cli_opt spec[] = { { "result", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], **ms = NULL;
	char **rest = NULL, *id = NULL, *m = NULL;
	int nrest, nms, npos, rc;
	sqlite3_str *s = NULL;

	if (cli_split_multi(cli, argc, argv, "measure", NULL, &rest, &nrest, &ms, &nms) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if ((rc = cmd_begin(cli, nrest, rest, spec, pos, 1, 1, &npos)) >= 0)
		goto out;
	if (nms && strcmp(status, "done") != 0) {
		rc = cli_error(cli, EX_USAGE, "--measure goes with appt done");
		goto out;
	}
	s = sqlite3_str_new(NULL);
	for (int k = 0; k < nms; k++) {
		if (k)
			sqlite3_str_appendchar(s, 1, '\n');
		if (measurement(cli, ms[k], s) < 0) {
			rc = cli_fail(cli);
			goto out;
		}
	}
	m = sqlite3_str_finish(s);
	s = NULL;
	if (cli_resolve(cli, "appointment", NULL, pos[0], &id) < 0) {
		rc = cli_fail(cli);
		goto out;
	}
	sqlite3_stmt *st;
	if (op_db_begin(cli->db, cli->as) < 0 || !(st = op_db_stmt(cli->db, SQL_DONE)) ||
	    op_bind_text(cli->db, st, ":status", status) < 0 ||
	    op_bind_text(cli->db, st, ":result", cli_opt(spec, "result")) < 0 ||
	    op_bind_text(cli->db, st, ":m", m && *m ? m : NULL) < 0 ||
	    op_bind_text(cli->db, st, ":id", id) < 0 || op_db_run(cli->db, st) < 0)
		goto fail;
	if (sqlite3_changes(op_db_handle(cli->db)) == 0) {
		op_errc(&cli->err, EX_DATAERR, "appointment %s is not scheduled any more "
			"(done or cancelled)", cli_short_id(id));
		goto fail;
	}
	if (op_db_commit(cli->db) < 0)
		goto fail;
	rc = rec_show(cli, "appointment", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	goto out;
fail:
	op_db_rollback(cli->db);
	rc = cli_fail(cli);
out:
	if (s)
		sqlite3_free(sqlite3_str_finish(s));
	sqlite3_free(m);
	free(id);
	free(rest);
	free(ms);
	return rc;
}

static int cmd_done(struct op_cli *cli, int argc, char **argv)
{
	return finish(cli, argc, argv, "done");
}

static int cmd_cancel(struct op_cli *cli, int argc, char **argv)
{
	return finish(cli, argc, argv, "cancelled");
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	return rec_show_ref(cli, argc, argv, "appointment", NULL, SHOW_COLS);
}

static const char SQL_LIST[] =
	"SELECT " CLI_SHORT_ID("a.id") " AS id, a.starts_at AS at,"
	"       substr(op_local(a.ends_at), 12, 5) AS until,"
	"       a.kind, c.name AS customer, c.phone, a.address, a.staff, a.status"
	" FROM appointment a LEFT JOIN customer c ON c.id = a.customer_id"
	" WHERE (:all OR a.status = 'scheduled')"
	"   AND (:from IS NULL OR a.starts_at >= op_utc(:from))"	/* local days */
	"   AND (:to IS NULL OR a.starts_at < op_utc(date(:to, '+1 day')))"
	"   AND (:staff IS NULL OR a.staff = :staff)"
	" ORDER BY a.starts_at, a.id";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "from", 0, NULL }, { "to", 0, NULL }, { "staff", 0, NULL },
				  { "all", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *why;
	char from[16], to[16];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "from") && op_valid_date(from, sizeof(from), cli_opt(spec, "from"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "from: %s", why);
	if (cli_opt(spec, "to") && op_valid_date(to, sizeof(to), cli_opt(spec, "to"), &why) < 0)
		return cli_error(cli, EX_DATAERR, "to: %s", why);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LIST);
	if (!st || op_bind_int(cli->db, st, ":all", cli_opt(spec, "all") != NULL) < 0 ||
	    op_bind_text(cli->db, st, ":from", cli_opt(spec, "from") ? from : NULL) < 0 ||
	    op_bind_text(cli->db, st, ":to", cli_opt(spec, "to") ? to : NULL) < 0 ||
	    op_bind_text(cli->db, st, ":staff", cli_opt(spec, "staff")) < 0)
		return cli_fail(cli);
	return cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}

const struct op_cmd op_cmds_appt[] = {
	{ "appt", "add", cmd_add,
	  "appt add --customer REF | --ticket REF --at 'DATE HH:MM' [--until HH:MM]\n"
	  "       [--kind measure|install|repair|delivery] [--address A] [--staff S]\n"
	  "       [--order REF] [--notes N]",
	  "book a home visit: 上门测量 measure (default), 安装 install, 维修 repair "
	  "(the default from a ticket), 送货 delivery; the address is the customer's unless given" },
	{ "appt", "done", cmd_done,
	  "appt done REF [--result R] [--measure ROOM=WIDTHxHEIGHT]...",
	  "the visit took place: its result and the measurements, one per window or room" },
	{ "appt", "cancel", cmd_cancel, "appt cancel REF [--result R]", "the visit will not happen" },
	{ "appt", "show", cmd_show, "appt show REF", "one visit" },
	{ "appt", "list", cmd_list,
	  "appt list [--from DATE] [--to DATE] [--staff S] [--all]",
	  "scheduled visits by time (--all: done and cancelled too)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
