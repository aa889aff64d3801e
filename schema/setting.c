/*
 * setting.c — a store's own settings (see setting.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "setting.h"

static const char *const keys[] = { "name", "address", "phone" };

int op_setting_key_ok(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (key && strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

static const char SQL_SET[] =
	"INSERT INTO main.store_setting(id, site, key, value)"
	" VALUES (:site || '/' || :key, :site, :key, :value)"
	" ON CONFLICT(id) DO UPDATE SET value = excluded.value"
	" WHERE value IS NOT excluded.value";

int op_setting_set(op_db *db, const char *site, const char *key, const char *value,
		   const char *actor)
{
	op_err *e = op_db_err(db);
	const char *own = op_db_site(db);
	char v[512];
	sqlite3_stmt *st;

	if (!op_setting_key_ok(key))
		return op_errc(e, EX_USAGE, "'%s' is not a setting (name, address or phone)",
			       key ? key : "");
	if (!site || !*site)
		return op_errc(e, EX_CONFIG, "store has no site; run 'outpost init --site CODE' first");
	if (!op_db_is_hq(db) && own && strcmp(site, own) != 0)
		return op_errc(e, EX_NOPERM, "branch: this store is %s and sets only its own "
			       "settings; HQ sets any branch's", own);
	while (value && isspace((unsigned char)*value))
		value++;
	size_t n = value ? strlen(value) : 0;
	while (n && isspace((unsigned char)value[n - 1]))
		n--;
	if (n >= sizeof(v))
		return op_errc(e, EX_DATAERR, "%s: at most %zu bytes", key, sizeof(v) - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x20)
			return op_errc(e, EX_DATAERR, "%s: must be one line of text", key);
	snprintf(v, sizeof(v), "%.*s", (int)n, value ? value : "");
	if (op_db_begin(db, actor) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_SET)) || op_bind_text(db, st, ":site", site) < 0 ||
	    op_bind_text(db, st, ":key", key) < 0 ||
	    op_bind_text(db, st, ":value", n ? v : NULL) < 0 || op_db_run(db, st) < 0 ||
	    op_db_commit(db) < 0) {
		op_db_rollback(db);
		return -1;
	}
	return 0;
}

static const char SQL_GET[] =
	"SELECT coalesce((SELECT value FROM main.store_setting WHERE site = :site AND key = :key),"
	" CASE :key WHEN 'name' THEN coalesce((SELECT name FROM main.branch WHERE code = :site),"
	" :site) END)";

char *op_setting_get(op_db *db, const char *site, const char *key)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_GET);
	char *v = NULL;

	if (!st || op_bind_text(db, st, ":site", site) < 0 || op_bind_text(db, st, ":key", key) < 0)
		return NULL;
	if (op_db_step(db, st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}
