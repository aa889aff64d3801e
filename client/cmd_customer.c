/*
 * cmd_customer.c — `outpost customer add|edit|show|list|search|delete`.
 *
 * The field table (op_customer_fields), add, edit and search are the
 * operations layer's (schema/customer.c); the commands here parse options,
 * resolve the references people type and print what the operation did.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"
#include "scope.h"
#include "assign.h"
#include "segment.h"

#define NF op_customer_nfields
#define F op_customer_fields

static const char SHOW_COLS[] =
	"id, name, gender, birthday, phone, email, address, employer, title, interests,"
	" pref_style AS style, pref_colour AS colour, pref_material AS material,"
	" pref_brand AS brand, CASE WHEN budget IS NOT NULL THEN printf('%.2f', budget / 100.0) END AS budget, channel, owner,"
	" home_branch AS branch, tags, notes, flags, points, created_at, merged_into, wechat,"
	" (SELECT name FROM main.assign_rule r WHERE r.id = customer.assign_rule) AS assigned_by,"
	" no_contact,"
	" (SELECT group_concat(key || '=' || value, '; ') FROM"
	"   (SELECT key, value FROM customer_attr WHERE customer_id = customer.id"
	"    AND value IS NOT NULL ORDER BY key)) AS custom";

int cmd_customer_ref(struct op_cli *cli, const char *ref, char **id)
{
	char phone[32];
	const char *why;
	if (op_valid_phone(phone, sizeof(phone), ref, &why) == 0)
		ref = phone;
	if (cli_resolve(cli, "customer", "phone,name", ref, id) == 0)
		return 0;
	if (cli->err.code == EX_NOINPUT)
		op_customer_hidden(&cli->ctx, ref);
	return -1;
}

/* A phone is how the counter finds a customer again: a second customer
 * with the same one is refused unless --allow-duplicate (two people
 * sharing a family phone). op_customer_add refuses it; before that, the
 * command lists who has it, so the person can use that one. 0, or -1
 * with cli->err set. */
static int check_phone_free(struct op_cli *cli, const char *raw)
{
	char phone[64];
	int n;

	if ((n = op_customer_phone_taken(&cli->ctx, raw, phone, sizeof(phone))) <= 0)
		return n;
	if ((n = cli_same(cli, "customer", "phone", phone, NULL, 1)) <= 0)
		return n;
	if (n == 1)
		return op_errc(&cli->err, EX_DATAERR, "phone: %s already belongs to the "
			       "customer above (use that one); give --allow-duplicate to "
			       "register another person with it", phone);
	return op_errc(&cli->err, EX_DATAERR, "phone: %s already belongs to the customers "
		       "above (use one of them); give --allow-duplicate to register another "
		       "person with it", phone);
}

/* add and edit take --custom KEY=VALUE as often as needed: it is split
 * out of argv and the command runs on the rest. */
typedef int (*write_fn)(struct op_cli *cli, int argc, char **argv,
			const char *const *kv, int nkv);

static int with_custom(struct op_cli *cli, int argc, char **argv, write_fn fn)
{
	static const char *const flags[] = { "allow-duplicate", NULL };
	char **rest = NULL;
	const char **kv = NULL;
	int nrest, nkv, rc;

	if (cli_split_multi(cli, argc, argv, "custom", flags, &rest, &nrest, &kv, &nkv) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	rc = fn(cli, nrest, rest, kv, nkv);
	free(rest);
	free(kv);
	return rc;
}

struct kvs {
	const char *const *kv;
	int n;
};

static int set_custom(struct op_ctx *ctx, const char *id, void *arg)
{
	const struct kvs *c = arg;
	return custom_set_all(cli_of(ctx), id, c->kv, c->n);
}

static int add_main(struct op_cli *cli, int argc, char **argv,
		    const char *const *kv, int nkv)
{
	const char *vals[OP_MAX_FIELDS] = { 0 }, *pos[1];
	struct cli_opt extra[] = { { "allow-duplicate", 1, NULL }, { NULL, 0, NULL } };
	int npos, rc;

	if ((rc = rec_begin(cli, argc, argv, F, NF, vals, extra, pos, 0, &npos)) >= 0)
		return rc;
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	int phone = (int)(rec_field(F, NF, "phone", 0) - F);
	if (!extra[0].val && check_phone_free(cli, vals[phone]) < 0)
		return cli_fail(cli);
	struct kvs c = { kv, nkv };
	struct op_assign a;
	char *id;
	if (op_customer_add(&cli->ctx, vals, extra[0].val != NULL, set_custom, &c, &a, &id) < 0)
		return cli_fail(cli);
	if (a.skipped[0])
		cli_warn(cli, "assign: rule %s matched, but none of its staff is active", a.skipped);
	if (a.staff[0])
		cli_warn(cli, "assign: owner %s, by rule %s", a.staff, a.rule);
	else if (a.nrules)
		cli_warn(cli, "assign: no rule matches this customer, so it has no owner; "
			 "a manager gives one with 'outpost customer edit %s --owner STAFF'",
			 cli_short_id(id));
	rc = rec_show(cli, "customer", SHOW_COLS, id);
	if (rc < 0 && cli->err.code == EX_NOINPUT && op_scope_kind(cli->db) != OP_SCOPE_ALL) {
		/* Assigned to a colleague: the scope hides it now (docs/ROLES.md). */
		if (a.rule[0])
			fprintf(cli->out, _("registered customer %s; owner %s, by rule %s. It is in "
				"their list, not yours: %s\n"), cli_short_id(id),
				a.staff[0] ? a.staff : _("none"), a.rule, op_scope_text(cli->db));
		else
			fprintf(cli->out, _("registered customer %s; owner %s. It is in their list, "
				"not yours: %s\n"), cli_short_id(id), a.staff[0] ? a.staff : _("none"),
				op_scope_text(cli->db));
		op_err_clear(&cli->err);
		rc = 0;
	} else {
		rc = rc < 0 ? cli_fail(cli) : 0;
	}
	free(id);
	return rc;
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	return with_custom(cli, argc, argv, add_main);
}

/* What edit does beyond the fields, inside the edit's transaction: the
 * custom fields, and --add-points as a relative change (which merges as
 * a counter across branches). */
struct edit_extra {
	const char *const *kv;
	int nkv;
	const char *add_points;
};

static int edit_hook(struct op_ctx *ctx, const char *id, void *arg)
{
	const struct edit_extra *x = arg;
	static const char SQL[] = "UPDATE main.customer SET points = points + :d WHERE id = :id";
	sqlite3_stmt *st;
	const char *why;
	int64_t d;

	if (custom_set_all(cli_of(ctx), id, x->kv, x->nkv) < 0)
		return -1;
	if (!x->add_points)
		return 0;
	if (op_valid_int(&d, x->add_points, -1000000000, 1000000000, &why) < 0) {
		ctx->field = "add-points";
		return op_errc(&ctx->err, EX_DATAERR, "add-points: %s", why);
	}
	if (!(st = op_db_stmt(ctx->db, SQL)) || op_bind_int(ctx->db, st, ":d", d) < 0 ||
	    op_bind_text(ctx->db, st, ":id", id) < 0 || op_db_run(ctx->db, st) < 0)
		return -1;
	return 0;
}

static int edit_main(struct op_cli *cli, int argc, char **argv,
		     const char *const *kv, int nkv)
{
	const char *vals[OP_MAX_FIELDS] = { 0 }, *pos[1];
	struct cli_opt extra[] = { { "add-points", 0, NULL }, { NULL, 0, NULL } };
	int npos, rc;
	char *id = NULL;

	if ((rc = rec_begin(cli, argc, argv, F, NF, vals, extra, pos, 1, &npos)) >= 0)
		return rc;
	if (npos < 1) {
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (cli_db(cli, &cli->db) < 0 || cmd_customer_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	int given = nkv > 0 || extra[0].val;
	for (int i = 0; i < NF; i++)
		given |= vals[i] != NULL;
	if (!given) {
		op_errc(&cli->err, EX_USAGE, "nothing to change: give at least one --field");
		goto fail;
	}
	struct edit_extra x = { kv, nkv, extra[0].val };
	if (op_customer_edit(&cli->ctx, vals, id, edit_hook, &x) < 0)
		goto fail;
	rc = rec_show(cli, "customer", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
fail:
	free(id);
	return cli_fail(cli);
}

static int cmd_edit(struct op_cli *cli, int argc, char **argv)
{
	return with_custom(cli, argc, argv, edit_main);
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	char *id = NULL;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cmd_customer_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	rc = rec_show(cli, "customer", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
}

/* The segment filters (schema/segment.h) narrow the list; --owner,
 * --branch and --tag are three of them. */
static const char SQL_LIST[] =
	"SELECT " CLI_SHORT_ID("c.id") " AS id, c.name, c.phone, c.email, c.owner,"
	"       c.home_branch AS branch, c.points FROM " OP_SEG_FROM
	" WHERE " OP_SEG_WHERE
	" ORDER BY c.name COLLATE name, c.id LIMIT :limit";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[3 + OP_SEG_NKEYS] = { { "limit", 0, NULL }, { "all", 1, NULL } };
	struct op_seg seg = { 0 };
	const char *pos[1];
	int npos, rc;
	int64_t limit = 1000;

	cmd_seg_spec(spec + 2);
	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_limit_opt(cli, spec, limit, &limit) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st = NULL;
	if (cmd_seg_opts(cli, spec + 2, &seg) < 0 || !(st = op_db_stmt(cli->db, SQL_LIST)) ||
	    op_seg_bind(cli->db, st, &seg, NULL) < 0 || op_bind_int(cli->db, st, ":limit", limit) < 0)
		rc = cli_fail(cli);
	else
		rc = cli_print_limited(cli, st, limit) < 0 ? cli_fail(cli) : 0;
	op_seg_clear(&seg);
	return rc;
}

static int cmd_search(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "limit", 0, NULL }, { "all", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;
	int64_t limit = 100;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cli_limit_opt(cli, spec, limit, &limit) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st;
	if (op_customer_search(&cli->ctx, pos[0], limit, &st) < 0)
		return cli_fail(cli);
	rc = cli_print_limited(cli, st, limit) < 0 ? cli_fail(cli) : 0;
	sqlite3_reset(st);
	return rc;
}

static int cmd_delete(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	char *id = NULL;
	static const char SQL[] = "DELETE FROM main.customer WHERE id = :id";

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cmd_customer_ref(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st;
	if (op_db_begin(cli->db, cli->as) < 0 || !(st = op_db_stmt(cli->db, SQL)) ||
	    op_bind_text(cli->db, st, ":id", id) < 0)
		goto fail;
	if (op_db_run(cli->db, st) < 0) {
		if (op_db_err(cli->db)->code == EX_DATAERR)
			op_errc(&cli->err, EX_DATAERR, "customer %s still has orders, "
				"tickets or follow-ups; they must go first", cli_short_id(id));
		goto fail;
	}
	if (op_db_commit(cli->db) < 0)
		goto fail;
	fprintf(cli->out, _("deleted customer %s\n"), id);
	free(id);
	return 0;
fail:
	op_db_rollback(cli->db);
	free(id);
	return cli_fail(cli);
}

const struct op_cmd op_cmds_customer[] = {
	{ "customer", "add", cmd_add,
	  "customer add --name NAME [--phone P] [--email E] [--gender G] [--birthday D]\n"
	  "       [--address A] [--employer E] [--title T] [--interests I] [--style S]\n"
	  "       [--colour C] [--material M] [--brand B] [--budget MONEY] [--channel C]\n"
	  "       [--owner STAFF] [--branch CODE] [--tags T,T] [--notes N] [--flags F] [--points N]\n"
	  "       [--wechat ID] [--no-contact yes|no] [--custom KEY=VALUE]... [--allow-duplicate]",
	  "register a customer (a phone that is already a customer's is refused "
	  "unless --allow-duplicate)" },
	{ "customer", "edit", cmd_edit,
	  "customer edit REF [--FIELD VALUE]... [--custom KEY=VALUE]... [--add-points N]",
	  "change fields (\"\" clears one, KEY= a custom one); --add-points adds to "
	  "points as a counter" },
	{ "customer", "show", cmd_show, "customer show REF",
	  "one customer (REF: the short id lists show, the id or its first 6+ characters, "
	  "phone, or exact name; several matches are listed)" },
	{ "customer", "list", cmd_list,
	  "customer list [--owner STAFF] [--branch CODE] [--tag TAG] [--limit N | --all]\n"
	  "       [segment filters]",
	  "customers sorted by name (pinyin order); every filter of segment add narrows it" },
	{ "customer", "search", cmd_search, "customer search QUERY [--limit N | --all]",
	  "find by any part of a name, its pinyin or initials, phone digits, email or custom "
	  "field, or a WeChat id" },
	{ "customer", "delete", cmd_delete, "customer delete REF",
	  "delete a customer who has no orders, tickets or follow-ups" },
	{ NULL, NULL, NULL, NULL, NULL },
};
