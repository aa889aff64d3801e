/*
 * record.c — validate, insert and update rows from a field table (ops.h):
 * the one place a value people typed (an option, a form field, a
 * spreadsheet cell) becomes a column.
 *
 * The SQL here is assembled from the caller's constant field table (column
 * names) with every value bound as a parameter; it is prepared per call
 * because the set of columns varies with what the person gave. Writes name
 * main.<table>: a signed-in connection reads through scope views of the
 * same names (schema/scope.h), which cannot be written.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include "ops.h"

void op_now(char out[20])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

void op_ctx_clear(struct op_ctx *ctx)
{
	op_err_clear(&ctx->err);
	ctx->field = NULL;
}

void op_money(char *out, size_t n, int64_t cents)
{
	snprintf(out, n, "%s%" PRId64 ".%02" PRId64, cents < 0 ? "-" : "",
		 (cents < 0 ? -cents : cents) / 100, (cents < 0 ? -cents : cents) % 100);
}

static int is_blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

static int parse_bool(const char *s)
{
	static const char *yes[] = { "1", "yes", "y", "true", "on", "是", NULL };
	static const char *no[] = { "0", "no", "n", "false", "off", "否", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

static const char SQL_CHANNEL[] =
	"SELECT code FROM channel WHERE active AND (lower(code) = lower(:v)"
	" OR name_zh = :v OR lower(name_en) = lower(:v)"
	" OR instr('|' || lower(aliases) || '|', '|' || lower(:v) || '|') > 0)"
	" ORDER BY lower(code) = lower(:v) DESC, name_zh = :v DESC LIMIT 1";
static const char SQL_CHANNELS[] =
	"SELECT group_concat(code || ' ' || name_zh, ', ') FROM"
	" (SELECT code, name_zh FROM channel WHERE active ORDER BY rowid)";

int op_rec_channel(struct op_ctx *ctx, const char *opt, const char *in, char *out,
		size_t outsz)
{
	op_db *db = ctx->db;
	sqlite3_stmt *st;
	char v[256];
	int rc;

	/* trimmed like every other value */
	while (isspace((unsigned char)*in))
		in++;
	snprintf(v, sizeof(v), "%s", in);
	for (size_t n = strlen(v); n && isspace((unsigned char)v[n - 1]); )
		v[--n] = '\0';
	if (!db)
		return op_errc(&ctx->err, EX_SOFTWARE, "%s: no store open", opt);
	if (!(st = op_db_stmt(db, SQL_CHANNEL)) || op_bind_text(db, st, ":v", v) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (!(st = op_db_stmt(db, SQL_CHANNELS)) || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	ctx->field = opt;
	op_errc(&ctx->err, EX_DATAERR, "%s: '%s' is not a known source channel "
		"(known: %s; HQ adds one with 'outpost channel add')", opt, v,
		sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "none");
	sqlite3_reset(st);
	return -1;
}

int op_rec_norm(struct op_ctx *ctx, const struct op_field *f, const char *raw,
	     char *out, size_t outsz, int *isnull)
{
	const char *why = NULL, *canon;
	int64_t v;
	int rc = 0;

	*isnull = 0;
	if (is_blank(raw)) {
		*isnull = 1;
		out[0] = '\0';
		return 0;
	}
	switch (f->kind) {
	case F_TEXT:
	case F_LINE: {
		while (isspace((unsigned char)*raw))
			raw++;
		size_t len = strlen(raw);
		while (len && isspace((unsigned char)raw[len - 1]))
			len--;
		if (len >= outsz) {
			why = "is too long";
			rc = -1;
			break;
		}
		memcpy(out, raw, len);
		out[len] = '\0';
		rc = f->kind == F_LINE ? op_valid_text(out, 2000, &why)
				       : op_valid_lines(out, 2000, &why);
		break;
	}
	case F_PHONE:
		rc = op_valid_phone(out, outsz, raw, &why);
		break;
	case F_EMAIL:
		rc = op_valid_email(out, outsz, raw, &why);
		break;
	case F_DATE:
		rc = op_valid_date(out, outsz, raw, &why);
		break;
	case F_DATETIME:
		rc = op_valid_datetime(out, outsz, raw, &why);
		break;
	case F_MONEY:
		if ((rc = op_valid_money(&v, raw, &why)) == 0)
			snprintf(out, outsz, "%" PRId64, v);
		break;
	case F_INT:
		if ((rc = op_valid_int(&v, raw, f->lo, f->hi, &why)) == 0)
			snprintf(out, outsz, "%" PRId64, v);
		break;
	case F_ENUM:
		if ((rc = op_valid_enum(&canon, f->en, raw, &why)) == 0)
			snprintf(out, outsz, "%s", canon);
		break;
	case F_CHANNEL:
		return op_rec_channel(ctx, f->opt, raw, out, outsz);
	case F_BOOL:
		if ((v = parse_bool(raw)) < 0) {
			why = "must be yes or no";
			rc = -1;
		} else {
			snprintf(out, outsz, "%d", (int)v);
		}
		break;
	}
	if (rc < 0) {
		ctx->field = f->opt;
		return op_errc(&ctx->err, EX_DATAERR, "%s: %s", f->opt,
			       why ? why : "invalid value");
	}
	return 0;
}

const struct op_field *op_rec_field(const struct op_field *f, int n,
				 const char *name, int by_header)
{
	for (int i = 0; i < n; i++) {
		if (!by_header) {
			if (strcmp(f[i].opt, name) == 0)
				return &f[i];
			continue;
		}
		if (strcasecmp(f[i].opt, name) == 0 || strcasecmp(f[i].col, name) == 0)
			return &f[i];
		for (const char *h = f[i].headers; h && *h; ) {
			size_t l = strcspn(h, "|");
			if (strlen(name) == l && strncasecmp(h, name, l) == 0)
				return &f[i];
			h += l + (h[l] == '|');
		}
	}
	return NULL;
}

#define VALSZ 4096

int op_rec_insert(struct op_ctx *ctx, const char *table, const struct op_field *f,
	       int n, const char *const *vals, char **id)
{
	op_db *db = ctx->db;
	char (*norm)[VALSZ] = calloc((size_t)n, VALSZ);
	int *null = calloc((size_t)n, sizeof(int));
	sqlite3_str *s = NULL;
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	int rc = -1, any = 0;

	if (id)
		*id = NULL;
	if (!norm || !null) {
		op_errc(&ctx->err, EX_OSERR, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (vals[i] && op_rec_norm(ctx, &f[i], vals[i], norm[i], VALSZ, &null[i]) < 0)
			goto out;
		if (f[i].required && (!vals[i] || null[i])) {
			ctx->field = f[i].opt;
			op_errc(&ctx->err, EX_DATAERR, "%s: is required", f[i].opt);
			goto out;
		}
	}
	s = sqlite3_str_new(op_db_handle(db));
	sqlite3_str_appendf(s, "INSERT INTO main.\"%w\"(", table);
	for (int i = 0; i < n; i++)
		if (vals[i] && !null[i])
			sqlite3_str_appendf(s, "%s\"%w\"", any++ ? ", " : "", f[i].col);
	if (!any) {
		op_errc(&ctx->err, EX_USAGE, "nothing to add");
		goto out;
	}
	sqlite3_str_appendall(s, ") VALUES (");
	any = 0;
	for (int i = 0; i < n; i++)
		if (vals[i] && !null[i])
			sqlite3_str_appendf(s, "%s?%d", any++ ? ", " : "", i + 1);
	sqlite3_str_appendall(s, ") RETURNING id");
	sql = sqlite3_str_finish(s);
	s = NULL;
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL)) {
		op_db_fail(db, "insert");
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (vals[i] && !null[i])
			sqlite3_bind_text(st, i + 1, norm[i], -1, SQLITE_TRANSIENT);
	if (op_db_step(db, st) != SQLITE_ROW) {
		op_errctx(op_db_err(db), "cannot add %s", table);
		goto out;
	}
	if (id)
		*id = strdup((const char *)sqlite3_column_text(st, 0));
	rc = 0;
out:
	if (s)
		sqlite3_free(sqlite3_str_finish(s));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(norm);
	free(null);
	return rc;
}

int op_rec_update(struct op_ctx *ctx, const char *table, const struct op_field *f,
	       int n, const char *const *vals, const char *id)
{
	op_db *db = ctx->db;
	char (*norm)[VALSZ] = calloc((size_t)n, VALSZ);
	int *null = calloc((size_t)n, sizeof(int));
	sqlite3_str *s = NULL;
	sqlite3_stmt *st = NULL;
	char *sql = NULL;
	int rc = -1, any = 0;

	if (!norm || !null) {
		op_errc(&ctx->err, EX_OSERR, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!vals[i])
			continue;
		if (op_rec_norm(ctx, &f[i], vals[i], norm[i], VALSZ, &null[i]) < 0)
			goto out;
		if (f[i].required && null[i]) {
			ctx->field = f[i].opt;
			op_errc(&ctx->err, EX_DATAERR, "%s: is required and cannot be cleared",
				f[i].opt);
			goto out;
		}
	}
	s = sqlite3_str_new(op_db_handle(db));
	sqlite3_str_appendf(s, "UPDATE main.\"%w\" SET ", table);
	for (int i = 0; i < n; i++)
		if (vals[i])
			sqlite3_str_appendf(s, "%s\"%w\" = ?%d", any++ ? ", " : "",
					    f[i].col, i + 1);
	if (!any) {
		op_errc(&ctx->err, EX_USAGE, "nothing to change: give at least one --field");
		goto out;
	}
	sqlite3_str_appendf(s, " WHERE id = ?%d", n + 1);
	sql = sqlite3_str_finish(s);
	s = NULL;
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL)) {
		op_db_fail(db, "update");
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (vals[i]) {
			if (null[i])
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_text(st, i + 1, norm[i], -1, SQLITE_TRANSIENT);
		}
	sqlite3_bind_text(st, n + 1, id, -1, SQLITE_TRANSIENT);
	if (op_db_step(db, st) != SQLITE_DONE) {
		op_errctx(op_db_err(db), "cannot change %s", table);
		goto out;
	}
	if (sqlite3_changes(op_db_handle(db)) == 0) {
		op_errc(&ctx->err, EX_NOINPUT, "no %s with id %s", table, id);
		goto out;
	}
	rc = 0;
out:
	if (s)
		sqlite3_free(sqlite3_str_finish(s));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	free(norm);
	free(null);
	return rc;
}

