/*
 * setting.h — a store's own settings: what its printed sales slips and
 * quotations carry (store_setting, docs/SCHEMA.md): the shop's name,
 * address and phone, per site. They sync branch -> HQ -> every branch, so
 * HQ can print a branch's slip and a store rebuilt from HQ has its own
 * back. Without a name set, the branch table's name of the site is used.
 */
#ifndef OP_SETTING_H
#define OP_SETTING_H

#include "db.h"

/* Is key one of the settings ("name", "address", "phone")? */
int op_setting_key_ok(const char *key);

/* Set key of site to value (trimmed; "" or NULL clears it), in its own
 * transaction with actor (may be NULL) as the journal's staff. A branch
 * store sets only its own site's. 0, or -1 with the db error naming the
 * field (EX_DATAERR; EX_NOPERM for another site at a branch). */
int op_setting_set(op_db *db, const char *site, const char *key, const char *value,
		   const char *actor);

/* The value of key for site (name: falling back to the branch's name,
 * then to the site code), malloc'd, or NULL when unset. */
char *op_setting_get(op_db *db, const char *site, const char *key);

#endif
