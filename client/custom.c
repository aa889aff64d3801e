/*
 * custom.c — free custom fields of customers (customer_attr, see
 * schema/012_channels_fields.sql): KEY -> value pairs that `customer
 * add|edit --custom KEY=VALUE`, import (--map 'COLUMN=custom:KEY',
 * --keep-unknown), `customer show` and `customer search` handle.
 *
 * A field's row id is the customer's id, '/', and the key, so a field set
 * at two sites while offline is one row whose value merges by last
 * writer. A field is cleared by setting its value NULL, never by deleting
 * the row: a deleted id stays deleted in sync.
 */
#include <string.h>
#include "cmds.h"

#define MAX_KEY_CHARS 64

static const char SQL_SET[] =
	"INSERT INTO main.customer_attr(id, customer_id, key, value)"
	" VALUES (:cid || '/' || :key, :cid, :key, :value)"
	" ON CONFLICT(id) DO UPDATE SET value = excluded.value"
	" WHERE value IS NOT excluded.value";

int custom_key_ok(struct op_cli *cli, const char *key)
{
	const char *why;

	if (op_valid_text(key, MAX_KEY_CHARS, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "custom: key '%s' %s", key, why);
	if (strpbrk(key, "=/"))
		return op_errc(&cli->err, EX_DATAERR, "custom: key '%s' may not contain "
			       "'=' or '/'", key);
	if (rec_field(op_customer_fields, op_customer_nfields, key, 0))
		return op_errc(&cli->err, EX_DATAERR, "custom: '%s' is a customer field; "
			       "use --%s", key, key);
	return 0;
}

int custom_set(struct op_cli *cli, const char *cid, const char *key,
	       const char *value, int *changed)
{
	op_db *db = cli->db;
	sqlite3_stmt *st = op_db_stmt(db, SQL_SET);
	const char *why;
	char v[4096];

	if (custom_key_ok(cli, key) < 0)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	snprintf(v, sizeof(v), "%s", value);
	for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); )
		v[--n] = '\0';
	if (v[0] && op_valid_lines(v, 2000, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "custom %s: %s", key, why);
	if (!st || op_bind_text(db, st, ":cid", cid) < 0 ||
	    op_bind_text(db, st, ":key", key) < 0 ||
	    op_bind_text(db, st, ":value", v[0] ? v : NULL) < 0 || op_db_run(db, st) < 0)
		return op_errctx(op_db_err(db), "cannot set custom field %s", key);
	if (changed)
		*changed = sqlite3_changes(op_db_handle(db)) > 0;
	return 0;
}

int custom_set_all(struct op_cli *cli, const char *cid, const char *const *kv, int n)
{
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		char key[256];
		if (!eq || eq == kv[i] || (size_t)(eq - kv[i]) >= sizeof(key))
			return op_errc(&cli->err, EX_USAGE, "custom: '%s' is not KEY=VALUE",
				       kv[i]);
		memcpy(key, kv[i], (size_t)(eq - kv[i]));
		key[eq - kv[i]] = '\0';
		if (custom_set(cli, cid, key, eq + 1, NULL) < 0)
			return -1;
	}
	return 0;
}
