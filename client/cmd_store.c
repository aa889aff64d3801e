/*
 * cmd_store.c — commands about the store itself: init, log (the journal as
 * an audit trail), export, and store set|show: the shop's name, address
 * and phone that sales slips print (schema/setting.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/utf8.h>
#include <unicode/utf16.h>
#include "cmds.h"
#include "setting.h"
#include "tables.h"

static int mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int valid_site(const char *s, char *out, size_t n)
{
	size_t len = strlen(s);
	if (len == 0 || len > 16 || len >= n)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return -1;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[len] = '\0';
	return 0;
}

static int cmd_init(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "site", 0, NULL }, { "hq", 1, NULL },
				  { "from-hq", 1, NULL }, { "tz", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *zone;
	int npos, help;
	char site[17], dflt[64];
	op_tz *tz;

	if (cli_parse(cli, argc, argv, spec, pos, 0, &npos, &help) < 0)
		return cli_fail(cli);
	if (help) {
		cli_usage(cli->cmd, stdout);
		return 0;
	}
	const char *s = cli_opt(spec, "site");
	if (!s)
		return cli_error(cli, EX_USAGE, "init: --site CODE is required "
				 "(the branch code, e.g. SH01, or HQ with --hq)");
	if (valid_site(s, site, sizeof(site)) < 0)
		return cli_error(cli, EX_DATAERR, "site: '%s' is not a site code "
				 "(1-16 letters, digits, '-' or '_')", s);
	/* checked before the file exists: a bad zone leaves no store behind */
	zone = cli_opt(spec, "tz");
	if (zone && op_tz_open(&tz, zone) < 0)
		return cli_error(cli, EX_DATAERR, _("tz: unknown time zone '%s' (use an IANA "
				 "name such as Asia/Shanghai)"), zone);
	if (zone)
		op_tz_free(tz);
	int from_hq = cli_opt(spec, "from-hq") != NULL;
	if (from_hq && cli_opt(spec, "hq"))
		return cli_error(cli, EX_USAGE, "init: --from-hq rebuilds a branch; HQ is "
				 "the source, not a copy");
	if (from_hq && access(cli->db_path, F_OK) == 0)
		return cli_error(cli, EX_CANTCREAT, "init --from-hq: '%s' exists; a branch is "
				 "rebuilt into a new store file", cli->db_path);
	if (mkdirs(cli->db_path) < 0)
		return cli_error(cli, EX_CANTCREAT, "cannot create the folder for '%s': %s",
				 cli->db_path, strerror(errno));
	if (op_db_open(&cli->db, cli->db_path, OP_DB_CREATE, &cli->err) < 0)
		return cli_fail(cli);
	if (op_db_init_site(cli->db, site, cli_opt(spec, "hq") != NULL) < 0)
		return cli_fail(cli);
	/* --tz sets (or changes) the zone; a store without one gets the
	 * system's, Asia/Shanghai where the system names none */
	char *had = op_db_meta_get(cli->db, "tz");
	if (!zone && !had)
		op_tz_default(dflt, sizeof(dflt)), zone = dflt;
	free(had);
	if (zone && op_db_set_tz(cli->db, zone) < 0)
		return cli_fail(cli);
	/* Personal data: the store and its WAL files are for their owner only
	 * (SQLite gives new -wal/-shm files the store's mode). */
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s%s", cli->db_path, sfx[i]);
		if (chmod(p, 0600) != 0 && errno != ENOENT)
			return cli_error(cli, EX_NOPERM, "cannot make '%s' private (mode 600): %s",
					 p, strerror(errno));
	}
	fprintf(cli->out, _("store %s is site %s (%s), schema %d, time zone %s\n"),
		cli->db_path, op_db_site(cli->db), op_db_is_hq(cli->db) ? "hq" : "branch",
		op_db_schema_version(cli->db), op_tz_name(op_db_tz(cli->db)));
	if (from_hq)
		fprintf(cli->out, _("to rebuild it from HQ: 'outpost keys init' (or put the old PC's "
			"key back), enrol the key at HQ ('outpost peer enrol %s KEY'), pin HQ's key "
			"('outpost peer hq KEY'), then 'outpostd --branch --once': HQ finds the "
			"store is new and sends it everything %s had synced\n"), site, site);
	return 0;
}

/* Names of the columns set in an update's bitmask, "name, phone". */
static void col_names(char *out, size_t n, const struct op_table *t,
		      int64_t mask)
{
	size_t len = 0;
	out[0] = '\0';
	for (int c = 1; t && c < t->ncols && c < 63; c++)
		if (mask & ((int64_t)1 << c))
			len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s",
						len ? ", " : "", t->cols[c].name);
}

static const char SQL_LOG[] =
	"SELECT seq, datetime(ts / 1000, 'unixepoch') AS at, tbl, gid, op, cols,"
	"       delta, staff FROM journal"
	" WHERE (:tbl IS NULL OR tbl = :tbl) AND (:gid IS NULL OR gid = :gid"
	"   OR (length(:gid) >= 6 AND (substr(gid, 1, length(:gid)) = :gid"
	"       OR substr(gid, -length(:gid)) = :gid)))"
	"   AND (:staff IS NULL OR staff = :staff)"
	"   AND (:since IS NULL OR ts >= (julianday(:since) - 2440587.5) * 86400000)"
	" ORDER BY seq DESC LIMIT :limit";

/* The access audit (010_access.sql), newest first; through the scope
 * views like every read, so a manager sees the branch's. */
static const char SQL_ACCESS[] =
	"SELECT at, staff, role, branch, what, rows FROM access_log"
	" WHERE (:staff IS NULL OR staff = :staff)"
	"   AND (:since IS NULL OR at >= :since)"
	" ORDER BY at DESC, rowid DESC LIMIT :limit";

static int log_access(struct op_cli *cli, const struct cli_opt *spec, int64_t limit)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_ACCESS);
	if (!st || op_bind_text(db, st, ":staff", cli_opt(spec, "staff")) < 0 ||
	    op_bind_text(db, st, ":since", cli_opt(spec, "since")) < 0 ||
	    op_bind_int(db, st, ":limit", limit) < 0)
		return cli_fail(cli);
	return cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}

static int cmd_log(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "table", 0, NULL }, { "id", 0, NULL },
				  { "staff", 0, NULL }, { "since", 0, NULL },
				  { "limit", 0, NULL }, { "access", 1, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;
	const struct op_table *t = NULL;
	char *gid = NULL;
	int64_t limit = 50;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "table") && !(t = op_table_by_name(cli_opt(spec, "table"))))
		return cli_error(cli, EX_DATAERR, "table: no synced table '%s'",
				 cli_opt(spec, "table"));
	if (cli_opt(spec, "limit")) {
		const char *why;
		if (op_valid_int(&limit, cli_opt(spec, "limit"), 1, 1000000, &why) < 0)
			return cli_error(cli, EX_DATAERR, "limit: %s", why);
	}
	/* --since is typed by a person: a local date or time, compared as UTC */
	char since[20], local[20];
	if (cli_opt(spec, "since")) {
		const char *why;
		if (op_valid_datetime(local, sizeof(local), cli_opt(spec, "since"), &why) < 0)
			return cli_error(cli, EX_DATAERR, "since: %s", why);
		if (op_tz_utc(op_db_tz(cli->db), since, sizeof(since), local) < 0)
			return cli_error(cli, EX_DATAERR, "since: '%s' is not a time", local);
		spec[3].val = since;
	}
	if (cli_opt(spec, "access")) {
		if (cli_opt(spec, "table") || cli_opt(spec, "id"))
			return cli_error(cli, EX_USAGE, "--access lists reads, not rows: "
					 "it takes --staff, --since and --limit");
		return log_access(cli, spec, limit);
	}
	if (cli_opt(spec, "id")) {
		if (!t)
			return cli_error(cli, EX_USAGE, "--id needs --table");
		if (cli_resolve(cli, t->name, NULL, cli_opt(spec, "id"), &gid) < 0) {
			if (cli->err.code != EX_NOINPUT)
				return cli_fail(cli);	/* ambiguous: say so */
			/* a deleted row: its id (or 6+ of its first or last
			 * characters) as given */
			op_err_clear(&cli->err);
			gid = strdup(cli_opt(spec, "id"));
		}
	}
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_LOG);
	if (!st)
		return cli_fail(cli);
	if ((t ? op_bind_int(db, st, ":tbl", t->num) : op_bind_null(db, st, ":tbl")) < 0 ||
	    op_bind_text(db, st, ":gid", gid) < 0 ||
	    op_bind_text(db, st, ":staff", cli_opt(spec, "staff")) < 0 ||
	    op_bind_text(db, st, ":since", cli_opt(spec, "since")) < 0 ||
	    op_bind_int(db, st, ":limit", limit) < 0) {
		free(gid);
		return cli_fail(cli);
	}
	free(gid);

	static const char *const names[] = { "seq", "at", "site", "staff", "op",
					     "table", "id", "columns" };
	op_out *o = op_out_new(cli->out, cli->fmt);
	op_out_cols(o, 8, names);
	const char *site = op_db_site(db) ? op_db_site(db) : "";
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		static const char *const ops[] = { "?", "insert", "update", "delete" };
		const struct op_table *rt = op_table_by_num((uint64_t)sqlite3_column_int64(st, 2));
		int op = sqlite3_column_int(st, 4);
		char cols[512];
		if (op == 2)
			col_names(cols, sizeof(cols), rt, sqlite3_column_int64(st, 5));
		else
			cols[0] = '\0';
		if (sqlite3_column_type(st, 6) != SQLITE_NULL && sqlite3_column_int64(st, 6)) {
			size_t l = strlen(cols);
			snprintf(cols + l, sizeof(cols) - l, "%s(points %+lld)", l ? " " : "",
				 (long long)sqlite3_column_int64(st, 6));
		}
		const char *v[8] = {
			(const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1), site,
			(const char *)sqlite3_column_text(st, 7),
			ops[op >= 1 && op <= 3 ? op : 0], rt ? rt->name : "?",
			(const char *)sqlite3_column_text(st, 3), cols,
		};
		static const enum op_kind k[8] = { OP_K_INT, OP_K_TEXT, OP_K_TEXT,
			OP_K_TEXT, OP_K_TEXT, OP_K_TEXT, OP_K_TEXT, OP_K_TEXT };
		op_out_row(o, v, k);
	}
	sqlite3_reset(st);
	op_out_end(o);
	return rc == SQLITE_DONE ? 0 : cli_fail(cli);
}

/* Characters of the UTF-8 CSV in buf that the target encoding cannot
 * hold, reported per row on stderr (at most 20 lines); the count. */
static long unencodable(struct op_cli *cli, UConverter *cv, const char *enc,
			const char *buf, size_t len)
{
	long bad = 0, row = 0;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *eol = strstr(p, "\r\n");
		const char *e = eol ? eol : end;
		for (const char *q = p; q < e; ) {
			UChar32 c;
			int32_t i = 0, n = (int32_t)(e - q);
			U8_NEXT(q, i, n, c);
			UChar u[2];
			int32_t k = 0;
			char o[8];
			UErrorCode st = U_ZERO_ERROR;
			if (c >= 0x80) {
				U16_APPEND_UNSAFE(u, k, c);
				ucnv_reset(cv);
				ucnv_fromUChars(cv, o, sizeof(o), u, k, &st);
				if (U_FAILURE(st) && bad++ < 20)
					fprintf(stderr, _("%s: row %ld: '%.*s' (U+%04X) has no %s form\n"),
						cli->prog, row, i, q, (unsigned)c, enc);
			}
			q += i;
		}
		p = eol ? eol + 2 : end;
		row++;
	}
	return bad;
}

/* Write the CSV in buf to fp in encoding enc ("utf-8" or a converter ICU
 * knows, "gbk" "gb18030"), a UTF-8 byte-order mark first when bom (Excel
 * reads UTF-8 only with it). Nothing is written when a character has no
 * form in enc: 0, or -1 with cli->err set (EX_DATAERR). */
static int write_encoded(struct op_cli *cli, FILE *fp, const char *buf, size_t len,
			 const char *enc, int bom)
{
	UErrorCode st = U_ZERO_ERROR;
	UConverter *cv;

	if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0) {
		if ((bom && fputs("\xef\xbb\xbf", fp) == EOF) || fwrite(buf, 1, len, fp) != len)
			return op_errc(&cli->err, EX_IOERR, "export: cannot write: %s", strerror(errno));
		return 0;
	}
	cv = ucnv_open(enc, &st);
	if (U_FAILURE(st))
		return op_errc(&cli->err, EX_USAGE, "encoding: '%s' is not one of utf-8, gbk, gb18030", enc);
	ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
	long bad = unencodable(cli, cv, enc, buf, len);
	if (bad) {
		ucnv_close(cv);
		return op_errc(&cli->err, EX_DATAERR, "export: %ld character%s cannot be written "
			       "in %s (listed above); nothing written; use --encoding utf-8 or gb18030",
			       bad, bad == 1 ? "" : "s", enc);
	}
	int32_t cap = (int32_t)(len * 2 + 16), n;
	char *out = malloc((size_t)cap);
	st = U_ZERO_ERROR;
	n = out ? ucnv_convert(enc, "UTF-8", out, cap, buf, (int32_t)len, &st) : 0;
	ucnv_close(cv);
	if (!out || U_FAILURE(st)) {
		free(out);
		return op_errc(&cli->err, EX_DATAERR, "export: cannot convert to %s: %s", enc,
			       u_errorName(st));
	}
	if (fwrite(out, 1, (size_t)n, fp) != (size_t)n) {
		free(out);
		return op_errc(&cli->err, EX_IOERR, "export: cannot write: %s", strerror(errno));
	}
	free(out);
	return 0;
}

static int cmd_export(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "csv", 1, NULL }, { "json", 1, NULL },
				  { "output", 0, NULL }, { "encoding", 0, NULL },
				  { "bom", 1, NULL }, { "no-bom", 1, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	const struct op_table *t = op_table_by_name(pos[0]);
	if (!t) {
		char names[512];
		size_t len = 0;
		names[0] = '\0';
		for (int i = 0; i < op_ntables; i++)
			if (op_table_known(&op_tables[i]))
				len += (size_t)snprintf(names + len, len < sizeof(names) ?
							sizeof(names) - len : 0, "%s%s",
							len ? " " : "", op_tables[i].name);
		return cli_error(cli, EX_DATAERR, "export: no table '%s' (one of: %s)",
				 pos[0], names);
	}
	if (cli_opt(spec, "json"))
		cli->fmt = OP_FMT_JSON;
	else if (cli_opt(spec, "csv") || cli->fmt == OP_FMT_TABLE)
		cli->fmt = OP_FMT_CSV;
	const char *enc = cli_opt(spec, "encoding") ? cli_opt(spec, "encoding") : "utf-8",
		   *file = cli_opt(spec, "output");
	if (cli_opt(spec, "bom") && cli_opt(spec, "no-bom"))
		return cli_error(cli, EX_USAGE, "export: --bom and --no-bom: give one");
	if (cli->fmt == OP_FMT_JSON && (cli_opt(spec, "encoding") || cli_opt(spec, "bom")))
		return cli_error(cli, EX_USAGE, "export: --encoding and --bom are for CSV; JSON is utf-8");
	/* A CSV written to a file is for Excel: a BOM unless --no-bom (and
	 * never in GBK); on stdout, for programs: none unless --bom. */
	int bom = cli->fmt == OP_FMT_CSV && !cli_opt(spec, "no-bom") &&
		  (cli_opt(spec, "bom") || file) &&
		  (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0);
	cli->cmd_arg = t->name;
	sqlite3_stmt *st = NULL;
	/* The described columns, not "*": a scope view (scope.h) carries the
	 * rowid as a column of its own. */
	sqlite3_str *s = sqlite3_str_new(op_db_handle(cli->db));
	sqlite3_str_appendall(s, "SELECT ");
	for (int c = 0; c < t->ncols; c++)
		sqlite3_str_appendf(s, "%s\"%w\"", c ? ", " : "", t->cols[c].name);
	sqlite3_str_appendf(s, " FROM \"%w\" ORDER BY rowid", t->name);
	char *sql = sqlite3_str_finish(s);
	if (!sql || sqlite3_prepare_v2(op_db_handle(cli->db), sql, -1, &st, NULL)) {
		sqlite3_free(sql);
		op_db_fail(cli->db, "export");
		return cli_fail(cli);
	}
	sqlite3_free(sql);
	/* rows are gathered first: a character the encoding lacks writes
	 * nothing, and a file appears only whole */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *keep = cli->out;
	if (!mem) {
		sqlite3_finalize(st);
		return cli_error(cli, EX_OSERR, "out of memory");
	}
	cli->out = mem;
	rc = cli_print_rows(cli, st);
	cli->out = keep;
	fclose(mem);
	sqlite3_finalize(st);
	if (rc < 0) {
		free(buf);
		return cli_fail(cli);
	}
	FILE *fp = cli->out;
	char tmp[4096];
	if (file) {
		snprintf(tmp, sizeof(tmp), "%s.tmp%ld", file, (long)getpid());
		if (!(fp = fopen(tmp, "wx"))) {
			free(buf);
			return cli_error(cli, EX_CANTCREAT, "output: cannot create '%s': %s", tmp,
					 strerror(errno));
		}
	}
	rc = write_encoded(cli, fp, buf, len, enc, bom);
	free(buf);
	if (file) {
		if (fclose(fp) != 0 && rc == 0)
			rc = op_errc(&cli->err, EX_IOERR, "output: cannot write '%s': %s", file,
				     strerror(errno));
		if (rc == 0 && rename(tmp, file) != 0)
			rc = op_errc(&cli->err, EX_CANTCREAT, "output: cannot create '%s': %s", file,
				     strerror(errno));
		if (rc < 0)
			unlink(tmp);
	}
	return rc < 0 ? cli_fail(cli) : 0;
}

/* The site a setting command is about: --branch, or this store's. */
static const char *setting_site(struct op_cli *cli, const struct cli_opt *spec)
{
	return cli_opt(spec, "branch") ? cli_opt(spec, "branch") : op_db_site(cli->db);
}

static int cmd_show(struct op_cli *cli, int argc, char **argv);

static int cmd_set(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[2];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 2, 2, &npos)) >= 0)
		return rc;
	if (op_setting_set(cli->db, setting_site(cli, spec), pos[0], pos[1], cli->as) < 0)
		return cli_fail(cli);
	static const char *const show[] = { "show", NULL, NULL, NULL };
	const char *site[] = { "show", "--branch", setting_site(cli, spec), NULL };
	return cmd_show(cli, site[2] ? 3 : 1, (char **)(site[2] ? site : show));
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "branch", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1], *names[] = { "site", "name", "address", "phone" };
	char *vals[4] = { 0 };
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	const char *site = setting_site(cli, spec);
	if (!site)
		return cli_error(cli, EX_CONFIG, "store has no site; run 'outpost init --site CODE' first");
	vals[0] = strdup(site);
	for (int i = 1; i < 4; i++)
		vals[i] = op_setting_get(cli->db, site, names[i]);
	op_out_record(cli->out, cli->fmt, 4, names, (const char *const *)vals, NULL);
	for (int i = 0; i < 4; i++)
		free(vals[i]);
	return 0;
}

const struct op_cmd op_cmds_store[] = {
	{ "init", NULL, cmd_init, "init --site CODE [--hq | --from-hq] [--tz ZONE]",
	  "create the store (a branch, or HQ with --hq; --from-hq: a branch PC rebuilt from HQ)" },
	{ "log", NULL, cmd_log,
	  "log [--table T [--id ID]] [--staff CODE] [--since DATE] [--limit N]\n"
	  "       log --access [--staff CODE] [--since DATE] [--limit N]",
	  "the journal as an audit trail: who changed what, when, where; --access: who read personal data in bulk" },
	{ "export", NULL, cmd_export, "export TABLE [--csv|--json] [--output FILE] "
	  "[--encoding utf-8|gbk|gb18030] [--bom|--no-bom]",
	  "every row of a table as CSV (default) or JSON; CSV to a FILE starts with a UTF-8 "
	  "BOM for Excel (--no-bom: none), --encoding gbk for older Excel (refused, row by "
	  "row, when a character has no GBK form)" },
	{ "store", "set", cmd_set, "store set name|address|phone VALUE [--branch CODE]",
	  "what this store's sales slips print (\"\" clears; HQ: any branch's with --branch)" },
	{ "store", "show", cmd_show, "store show [--branch CODE]",
	  "the shop name, address and phone slips print (name: the branch's unless set)" },
	{ NULL, NULL, NULL, NULL, NULL },
};

