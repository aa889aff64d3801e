/*
 * cmd_customer.c — `outpost customer add|edit|show|list|search|delete`.
 *
 * The field table below is the one description of a customer as people
 * type it: options, validation, and the spreadsheet headers import accepts
 * (English and Chinese). Search finds by any part of a name, phone digits or
 * email: 3+ characters through the FTS5 trigram index, shorter queries
 * (2-character Chinese names) by instr() over the table.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"
#include "scope.h"
#include "segment.h"

const struct op_field op_customer_fields[] = {
	{ "name", "name", F_LINE, NULL, 0, 0, 1, "姓名|客户姓名|客户名称|名字|customer|customer name" },
	{ "gender", "gender", F_ENUM, &op_enum_gender, 0, 0, 0, "性别|sex" },
	{ "birthday", "birthday", F_DATE, NULL, 0, 0, 0, "生日|出生日期|birth date|dob" },
	{ "phone", "phone", F_PHONE, NULL, 0, 0, 0, "电话|手机|手机号|联系电话|mobile|tel|telephone" },
	{ "email", "email", F_EMAIL, NULL, 0, 0, 0, "邮箱|电子邮件|电子邮箱|e-mail|mail" },
	{ "address", "address", F_TEXT, NULL, 0, 0, 0, "地址|住址|联系地址" },
	{ "employer", "employer", F_TEXT, NULL, 0, 0, 0, "单位|工作单位|公司|company" },
	{ "title", "title", F_TEXT, NULL, 0, 0, 0, "职务|职位|job title" },
	{ "interests", "interests", F_TEXT, NULL, 0, 0, 0, "兴趣|爱好|兴趣爱好|hobbies" },
	{ "style", "pref_style", F_TEXT, NULL, 0, 0, 0, "风格|喜欢风格|pref_style" },
	{ "colour", "pref_colour", F_TEXT, NULL, 0, 0, 0, "颜色|喜欢颜色|color|pref_colour" },
	{ "material", "pref_material", F_TEXT, NULL, 0, 0, 0, "材质|材料|pref_material" },
	{ "brand", "pref_brand", F_TEXT, NULL, 0, 0, 0, "品牌|pref_brand" },
	{ "budget", "budget", F_MONEY, NULL, 0, 0, 0, "预算" },
	{ "channel", "channel", F_CHANNEL, NULL, 0, 0, 0, "来源|来源渠道|渠道|客户来源|source" },
	{ "owner", "owner", F_TEXT, NULL, 0, 0, 0, "负责人|销售|销售人员|跟进人|salesperson" },
	{ "branch", "home_branch", F_TEXT, NULL, 0, 0, 0, "门店|所属门店|分店|home_branch|store" },
	{ "tags", "tags", F_TEXT, NULL, 0, 0, 0, "标签|tag" },
	{ "notes", "notes", F_TEXT, NULL, 0, 0, 0, "备注|说明|note|remarks" },
	{ "flags", "flags", F_TEXT, NULL, 0, 0, 0, "特别标注|标注|special" },
	{ "points", "points", F_INT, NULL, 0, 1000000000, 0, "积分|会员积分" },
	{ "wechat", "wechat", F_LINE, NULL, 0, 0, 0, "微信|微信号|微信id|weixin|wx|wechat id" },
	{ "no-contact", "no_contact", F_BOOL, NULL, 0, 0, 0,
	  "免打扰|拒绝营销|勿扰|不联系|do not contact|no contact|dnc" },
};
const int op_customer_nfields = sizeof(op_customer_fields) / sizeof(op_customer_fields[0]);

#define NF op_customer_nfields
#define F op_customer_fields

static const char SHOW_COLS[] =
	"id, name, gender, birthday, phone, email, address, employer, title, interests,"
	" pref_style AS style, pref_colour AS colour, pref_material AS material,"
	" pref_brand AS brand, CASE WHEN budget IS NOT NULL THEN printf('%.2f', budget / 100.0) END AS budget, channel, owner,"
	" home_branch AS branch, tags, notes, flags, points, created_at, merged_into, wechat,"
	" no_contact,"
	" (SELECT group_concat(key || '=' || value, '; ') FROM"
	"   (SELECT key, value FROM customer_attr WHERE customer_id = customer.id"
	"    AND value IS NOT NULL ORDER BY key)) AS custom";

/* A customer outside the signed-in person's scope is not in the scope
 * view at all; this names why, from the row's owner and home branch only. */
static const char SQL_HIDDEN[] =
	"SELECT coalesce(owner, ''), coalesce(home_branch, '') FROM main.customer"
	" WHERE phone = :ref OR name = :ref OR id = :ref"
	"  OR (length(:ref) >= 6 AND substr(id, -length(:ref)) = :ref) LIMIT 1";

int cmd_customer_ref(struct op_cli *cli, const char *ref, char **id)
{
	char phone[32];
	const char *why;
	if (op_valid_phone(phone, sizeof(phone), ref, &why) == 0)
		ref = phone;
	if (cli_resolve(cli, "customer", "phone,name", ref, id) == 0)
		return 0;
	if (cli->err.code != EX_NOINPUT || op_scope_kind(cli->db) == OP_SCOPE_ALL)
		return -1;
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_HIDDEN);
	if (st && op_bind_text(cli->db, st, ":ref", ref) == 0 &&
	    op_db_step(cli->db, st) == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(st, 0);
		const char *branch = (const char *)sqlite3_column_text(st, 1);
		if (op_scope_kind(cli->db) == OP_SCOPE_OWNER)
			op_errc(&cli->err, EX_NOPERM, "customer %s is not yours (owner: %s); "
				"sales staff work with their own customers, a manager with "
				"the branch's", ref, *owner ? owner : "nobody");
		else
			op_errc(&cli->err, EX_NOPERM, "customer %s belongs to branch %s; "
				"you work for %s (role hq sees every branch)", ref,
				*branch ? branch : "none", op_scope_text(cli->db));
	}
	if (st)
		sqlite3_reset(st);
	return -1;
}

/* A phone is how the counter finds a customer again: a second customer
 * with the same one is refused unless --allow-duplicate (two people
 * sharing a family phone). 0, or -1 with cli->err set. */
static int check_phone_free(struct op_cli *cli, const char *raw)
{
	const struct op_field *f = rec_field(F, NF, "phone", 0);
	char phone[64];
	int isnull, n;

	if (!raw || rec_norm(cli, f, raw, phone, sizeof(phone), &isnull) < 0 || isnull)
		return raw && cli->err.msg[0] ? -1 : 0;
	if ((n = cli_same(cli, "customer", "phone", phone, NULL, 1)) <= 0)
		return n;
	return op_errc(&cli->err, EX_DATAERR, "phone: %s already belongs to %s; "
		       "give --allow-duplicate to register another person with it",
		       phone, n == 1 ? "the customer above (use that one)" :
		       "the customers above (use one of them)");
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

static int set_custom(struct op_cli *cli, const char *id, void *arg)
{
	const struct kvs *c = arg;
	return custom_set_all(cli, id, c->kv, c->n);
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
	/* New customers belong to this branch unless told otherwise. */
	int branch = (int)(rec_field(F, NF, "branch", 0) - F),
	    owner = (int)(rec_field(F, NF, "owner", 0) - F);
	if (!vals[branch] && op_db_site(cli->db) && !op_db_is_hq(cli->db))
		vals[branch] = op_db_site(cli->db);
	if (!vals[owner] && cli->as)
		vals[owner] = cli->as;
	struct kvs c = { kv, nkv };
	return rec_add_show(cli, "customer", F, NF, vals, SHOW_COLS, set_custom, &c);
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	return with_custom(cli, argc, argv, add_main);
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
	if (op_db_begin(cli->db, cli->as) < 0)
		goto fail;
	int given = 0;
	for (int i = 0; i < NF; i++)
		given |= vals[i] != NULL;
	if (given && rec_update(cli, "customer", F, NF, vals, id) < 0)
		goto fail;
	if (custom_set_all(cli, id, kv, nkv) < 0)
		goto fail;
	given |= nkv > 0;
	if (extra[0].val) {
		/* A relative change merges as a counter across branches. */
		int64_t d;
		const char *why;
		if (op_valid_int(&d, extra[0].val, -1000000000, 1000000000, &why) < 0) {
			op_errc(&cli->err, EX_DATAERR, "add-points: %s", why);
			goto fail;
		}
		static const char SQL[] = "UPDATE main.customer SET points = points + :d WHERE id = :id";
		sqlite3_stmt *st = op_db_stmt(cli->db, SQL);
		if (!st || op_bind_int(cli->db, st, ":d", d) < 0 ||
		    op_bind_text(cli->db, st, ":id", id) < 0 || op_db_run(cli->db, st) < 0)
			goto fail;
	} else if (!given) {
		op_errc(&cli->err, EX_USAGE, "nothing to change: give at least one --field");
		goto fail;
	}
	if (op_db_commit(cli->db) < 0)
		goto fail;
	rc = rec_show(cli, "customer", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
fail:
	op_db_rollback(cli->db);
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
	" ORDER BY c.name COLLATE pinyin, c.id LIMIT :limit";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[2 + OP_SEG_NKEYS] = { { "limit", 0, NULL } };
	struct op_seg seg = { 0 };
	const char *pos[1], *why;
	int npos, rc;
	int64_t limit = 1000;

	cmd_seg_spec(spec + 1);
	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "limit") &&
	    op_valid_int(&limit, cli_opt(spec, "limit"), 1, 10000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "limit: %s", why);
	sqlite3_stmt *st = NULL;
	if (cmd_seg_opts(cli, spec + 1, &seg) < 0 || !(st = op_db_stmt(cli->db, SQL_LIST)) ||
	    op_seg_bind(cli->db, st, &seg, NULL) < 0 || op_bind_int(cli->db, st, ":limit", limit) < 0)
		rc = cli_fail(cli);
	else
		rc = cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
	op_seg_clear(&seg);
	return rc;
}

/* 3+ characters: the trigram index; fewer: a scan with instr(). Phone
 * digits are matched against the E.164 form either way; the WeChat id
 * (exactly, any case) and the custom fields' values (any part) too. */
#define OTHER_FIELDS(c) "lower(" c ".wechat) = lower(:q) OR " c ".id IN" \
	" (SELECT customer_id FROM customer_attr WHERE instr(value, :q) > 0)"
static const char SQL_SEARCH_FTS[] =
	"SELECT " CLI_SHORT_ID("c.id") " AS id, c.name, c.phone, c.email, c.owner,"
	"       c.home_branch AS branch, c.points FROM customer c"
	" WHERE c.merged_into IS NULL"
	"   AND (c.rowid IN (SELECT rowid FROM customer_fts"
	"        WHERE customer_fts MATCH :match)"
	"    OR (:digits IS NOT NULL AND instr(c.phone, :digits) > 0)"
	"    OR " OTHER_FIELDS("c") ")"
	" ORDER BY c.name COLLATE pinyin, c.id LIMIT :limit";
static const char SQL_SEARCH_SHORT[] =
	"SELECT " CLI_SHORT_ID("id") " AS id, name, phone, email, owner,"
	"       home_branch AS branch, points FROM customer"
	" WHERE merged_into IS NULL"
	"   AND (instr(name, :q) > 0"
	"    OR instr(lower(email), lower(:q)) > 0"
	"    OR (:digits IS NOT NULL AND instr(phone, :digits) > 0)"
	"    OR " OTHER_FIELDS("customer") ")"
	" ORDER BY name COLLATE pinyin, id LIMIT :limit";

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int cmd_search(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "limit", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *why;
	int npos, rc;
	int64_t limit = 100;
	char digits[64], *match = NULL;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "limit") &&
	    op_valid_int(&limit, cli_opt(spec, "limit"), 1, 10000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "limit: %s", why);
	const char *q = pos[0];
	while (isspace((unsigned char)*q))
		q++;
	if (!*q)
		return cli_error(cli, EX_USAGE, "search: empty query");
	/* A query of digits and phone punctuation also searches phones. */
	int phoneish = 1;
	for (const char *p = q; *p; p++)
		if (!isdigit((unsigned char)*p) && !strchr("+-() .", *p))
			phoneish = 0;
	size_t nd = phoneish ? op_phone_digits(digits, sizeof(digits), q) : 0;
	/* A leading trunk 0 of a landline is dropped in E.164. */
	const char *dg = digits;
	if (nd > 1 && digits[0] == '0')
		dg++, nd--;

	sqlite3_stmt *st;
	if (utf8_chars(q) >= 3) {
		/* One FTS5 phrase: quotes doubled, so any text is literal. */
		sqlite3_str *s = sqlite3_str_new(NULL);
		sqlite3_str_appendchar(s, 1, '"');
		for (const char *p = q; *p; p++) {
			if (*p == '"')
				sqlite3_str_appendchar(s, 1, '"');
			sqlite3_str_appendchar(s, 1, *p);
		}
		sqlite3_str_appendchar(s, 1, '"');
		match = sqlite3_str_finish(s);
		st = op_db_stmt(cli->db, SQL_SEARCH_FTS);
		if (!st || op_bind_text(cli->db, st, ":match", match) < 0 ||
		    op_bind_text(cli->db, st, ":q", q) < 0)
			goto fail;
	} else {
		st = op_db_stmt(cli->db, SQL_SEARCH_SHORT);
		if (!st || op_bind_text(cli->db, st, ":q", q) < 0)
			goto fail;
	}
	if (op_bind_text(cli->db, st, ":digits", nd ? dg : NULL) < 0 ||
	    op_bind_int(cli->db, st, ":limit", limit) < 0)
		goto fail;
	rc = cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
	sqlite3_free(match);
	return rc;
fail:
	sqlite3_free(match);
	return cli_fail(cli);
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
	fprintf(cli->out, "deleted customer %s\n", id);
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
	  "customer list [--owner STAFF] [--branch CODE] [--tag TAG] [--limit N] [segment filters]",
	  "customers sorted by name (pinyin order); every filter of segment add narrows it" },
	{ "customer", "search", cmd_search, "customer search QUERY [--limit N]",
	  "find by any part of a name, phone digits, email or custom field, or a WeChat id" },
	{ "customer", "delete", cmd_delete, "customer delete REF",
	  "delete a customer who has no orders, tickets or follow-ups" },
	{ NULL, NULL, NULL, NULL, NULL },
};
