/*
 * cmd_staff.c — `outpost staff add|list` and `outpost branch add|list`:
 * the people who use Outpost and the stores they work at.
 *
 * Staff codes are the names people give with --as (and that the journal
 * records), so they are short and plain: 1-32 of A-Z a-z 0-9 . _ -, kept as
 * typed ("li.na"). Branch codes follow the site codes of `outpost init`:
 * 1-16 such characters, stored in upper case, so `--branch sh01` and the
 * site SH01 are the same store.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmds.h"
#include "record.h"

static const struct op_field staff_fields[] = {
	{ "code", "code", F_TEXT, NULL, 0, 0, 1, "工号|账号|登录名|login" },
	{ "name", "name", F_TEXT, NULL, 0, 0, 1, "姓名|名字" },
	{ "role", "role", F_ENUM, &op_enum_role, 0, 0, 0, "角色|岗位|职位" },
	{ "branch", "branch", F_TEXT, NULL, 0, 0, 0, "门店|分店|所属门店|store" },
	{ "phone", "phone", F_PHONE, NULL, 0, 0, 0, "电话|手机|mobile" },
};
enum { S_CODE, S_NAME, S_ROLE, S_BRANCH, S_PHONE, S_N };

static const struct op_field branch_fields[] = {
	{ "code", "code", F_TEXT, NULL, 0, 0, 1, "门店编号|编号" },
	{ "name", "name", F_TEXT, NULL, 0, 0, 1, "门店名称|名称" },
	{ "region", "region", F_TEXT, NULL, 0, 0, 0, "区域|地区" },
};
enum { B_CODE, B_NAME, B_REGION, B_N };

#define STAFF_CODE_MAX 32
#define BRANCH_CODE_MAX 16	/* the branch table's CHECK */

static const char STAFF_COLS[] =
	"id, code, name, role, branch, phone, active, created_at";
static const char BRANCH_COLS[] = "id, code, name, region, created_at";

static const char SQL_STAFF_EXISTS[] = "SELECT 1 FROM staff WHERE code = :code";
static const char SQL_BRANCH_EXISTS[] = "SELECT 1 FROM branch WHERE code = :code";

/* Check a code typed for --opt and copy it to out (upper-cased when upper).
 * 0, or -1 with cli->err set (EX_DATAERR). */
static int valid_code(struct op_cli *cli, const char *opt, const char *in,
		      size_t max, int upper, char *out, size_t outsz)
{
	size_t len = strlen(in);

	if (len == 0 || len > max || len >= outsz)
		return op_errc(&cli->err, EX_DATAERR, "%s: '%s' must be 1-%zu characters",
			       opt, in, max);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return op_errc(&cli->err, EX_DATAERR, "%s: '%s' may hold only "
				       "letters A-Z, digits and . _ -", opt, in);
		out[i] = (char)(upper ? toupper(c) : c);
	}
	out[len] = '\0';
	return 0;
}

/* 1 when sql (SELECT 1 ... :code) finds a row, 0 when not, -1 on error. */
static int exists(struct op_cli *cli, const char *sql, const char *code)
{
	sqlite3_stmt *st = op_db_stmt(cli->db, sql);
	int rc;

	if (!st || op_bind_text(cli->db, st, ":code", code) < 0 ||
	    (rc = op_db_step(cli->db, st)) < 0)
		return -1;
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* Parse the options of an add command from its field table; -1 to go on,
 * else the exit code to return. */
static int add_begin(struct op_cli *cli, int argc, char **argv,
		     const struct op_field *f, int n, const char **vals)
{
	const char *pos[1];
	int npos, rc;

	if ((rc = rec_begin(cli, argc, argv, f, n, vals, NULL, pos, 0, &npos)) >= 0)
		return rc;
	if (!vals[0] || !vals[1]) {
		cli_error(cli, EX_USAGE, "%s add: --code and --name are required",
			  cli->cmd->group);
		cli_usage(cli->cmd, stderr);
		return EX_USAGE;
	}
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	return -1;
}

/* Insert the record in a transaction unless its code is taken; show it. */
static int add_run(struct op_cli *cli, const char *table, const char *exists_sql,
		   const struct op_field *f, int n, const char **vals,
		   const char *cols)
{
	char *id = NULL;
	int rc, have;

	if (op_db_begin(cli->db, cli->as) < 0)
		return cli_fail(cli);
	if ((have = exists(cli, exists_sql, vals[0])) != 0) {
		if (have > 0)
			op_errc(&cli->err, EX_DATAERR, "code: %s '%s' already exists",
				table, vals[0]);
		goto fail;
	}
	if (rec_insert(cli, table, f, n, vals, &id) < 0 || op_db_commit(cli->db) < 0)
		goto fail;
	rc = rec_show(cli, table, cols, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
fail:
	op_db_rollback(cli->db);
	free(id);
	return cli_fail(cli);
}

static int cmd_staff_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[S_N] = { 0 };
	char code[STAFF_CODE_MAX + 1], branch[BRANCH_CODE_MAX + 1];
	int rc;

	if ((rc = add_begin(cli, argc, argv, staff_fields, S_N, vals)) >= 0)
		return rc;
	if (valid_code(cli, "code", vals[S_CODE], STAFF_CODE_MAX, 0, code,
		       sizeof(code)) < 0)
		return cli_fail(cli);
	vals[S_CODE] = code;
	/* Staff work at this branch unless told otherwise. */
	if (!vals[S_BRANCH] && op_db_site(cli->db) && !op_db_is_hq(cli->db))
		vals[S_BRANCH] = op_db_site(cli->db);
	if (vals[S_BRANCH] && *vals[S_BRANCH]) {
		if (valid_code(cli, "branch", vals[S_BRANCH], BRANCH_CODE_MAX, 1, branch,
			       sizeof(branch)) < 0)
			return cli_fail(cli);
		vals[S_BRANCH] = branch;
	}
	return add_run(cli, "staff", SQL_STAFF_EXISTS, staff_fields, S_N, vals,
		       STAFF_COLS);
}

static int cmd_branch_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[B_N] = { 0 };
	char code[BRANCH_CODE_MAX + 1];
	int rc;

	if ((rc = add_begin(cli, argc, argv, branch_fields, B_N, vals)) >= 0)
		return rc;
	if (valid_code(cli, "code", vals[B_CODE], BRANCH_CODE_MAX, 1, code,
		       sizeof(code)) < 0)
		return cli_fail(cli);
	vals[B_CODE] = code;
	return add_run(cli, "branch", SQL_BRANCH_EXISTS, branch_fields, B_N, vals,
		       BRANCH_COLS);
}

static const char SQL_STAFF_LIST[] =
	"SELECT code, name, role, branch, phone, active FROM staff"
	" WHERE (:branch IS NULL OR branch = :branch)"
	" ORDER BY branch, code";

static int cmd_staff_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *b;
	char branch[BRANCH_CODE_MAX + 1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if ((b = cli_opt(spec, "branch")) != NULL) {
		if (valid_code(cli, "branch", b, BRANCH_CODE_MAX, 1, branch,
			       sizeof(branch)) < 0)
			return cli_fail(cli);
		b = branch;
	}
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_STAFF_LIST);
	if (!st || op_bind_text(cli->db, st, ":branch", b) < 0 ||
	    cli_print_rows(cli, st) < 0)
		return cli_fail(cli);
	return 0;
}

static const char SQL_BRANCH_LIST[] =
	"SELECT b.code, b.name, b.region,"
	"       (SELECT count(*) FROM staff s WHERE s.branch = b.code"
	"           AND s.active) AS staff"
	"  FROM branch b ORDER BY b.code";

static int cmd_branch_list(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 0, 0, &npos)) >= 0)
		return rc;
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_BRANCH_LIST);
	if (!st || cli_print_rows(cli, st) < 0)
		return cli_fail(cli);
	return 0;
}

/* Read the new PIN: $OUTPOST_NEW_PIN in scripts, else twice from the
 * terminal (echo off). */
static int new_pin(struct op_cli *cli, const char *who, char *pin, size_t n)
{
	const char *env = getenv("OUTPOST_NEW_PIN");
	char again[256], label[80];
	if (env) {
		snprintf(pin, n, "%s", env);
		return 0;
	}
	if (!isatty(0))
		return op_errc(&cli->err, EX_USAGE, "set OUTPOST_NEW_PIN, or run from a "
			       "terminal to type the new PIN");
	snprintf(label, sizeof(label), "%s (new)", who);
	if (cli_pin_read(cli, label, pin, n) < 0)
		return -1;
	snprintf(label, sizeof(label), "%s (again)", who);
	if (cli_pin_read(cli, label, again, sizeof(again)) < 0)
		return -1;
	if (strcmp(pin, again) != 0)
		return op_errc(&cli->err, EX_DATAERR, "the two PINs differ; nothing changed");
	return 0;
}

static const char SQL_SET_PIN[] = "UPDATE staff SET pin_hash = :h WHERE code = :c";

static int cmd_staff_passwd(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	char pin[256], hash[128];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	/* One's own PIN, or anyone's for an admin (or before anyone signs in). */
	if (cli->role[0] && strcmp(cli->role, "admin") != 0 &&
	    (!cli->as || strcmp(cli->as, pos[0]) != 0))
		return cli_error(cli, EX_NOPERM, "staff passwd %s needs the role admin "
				 "(you may change your own)", pos[0]);
	if (!exists(cli, SQL_STAFF_EXISTS, pos[0]))
		return cli_error(cli, EX_NOINPUT, "no staff member '%s'", pos[0]);
	if (new_pin(cli, pos[0], pin, sizeof(pin)) < 0 || cli_pin_hash(cli, pin, hash) < 0)
		return cli_fail(cli);
	sqlite3_stmt *st;
	if (op_db_begin(cli->db, cli->as) < 0 || !(st = op_db_stmt(cli->db, SQL_SET_PIN)) ||
	    op_bind_text(cli->db, st, ":h", hash) < 0 ||
	    op_bind_text(cli->db, st, ":c", pos[0]) < 0 || op_db_run(cli->db, st) < 0 ||
	    op_db_commit(cli->db) < 0) {
		op_db_rollback(cli->db);
		return cli_fail(cli);
	}
	fprintf(cli->out, _("PIN set for %s\n"), pos[0]);
	return 0;
}

const struct op_cmd op_cmds_staff[] = {
	{ "staff", "passwd", cmd_staff_passwd, "staff passwd CODE",
	  "set a staff member's PIN (from the terminal, or $OUTPOST_NEW_PIN)" },
	{ "staff", "add", cmd_staff_add,
	  "staff add --code CODE --name NAME [--role sales|service|manager|hq|admin]\n"
	  "       [--branch CODE] [--phone P]",
	  "create a staff account (branch: this store unless given)" },
	{ "staff", "list", cmd_staff_list, "staff list [--branch CODE]",
	  "staff by branch" },
	{ "branch", "add", cmd_branch_add,
	  "branch add --code CODE --name NAME [--region R]", "register a branch" },
	{ "branch", "list", cmd_branch_list, "branch list",
	  "branches with their number of active staff" },
	{ NULL, NULL, NULL, NULL, NULL },
};
