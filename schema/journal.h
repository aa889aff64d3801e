/*
 * journal.h — the change journal: triggers generated from the table
 * description (tables.h) that append one small row per local write.
 *
 * The triggers use only built-in SQL functions, so writes from the stock
 * sqlite3 shell are journaled exactly like writes from outpost. While the
 * op_ctx row says "applying", they stay quiet: that is how outpostd applies
 * remote changes without journaling them as local ones.
 */
#ifndef OP_JOURNAL_H
#define OP_JOURNAL_H

#include "db.h"

enum op_jop { OP_J_INSERT = 1, OP_J_UPDATE = 2, OP_J_DELETE = 3 };

/* 1 when the store's journal triggers are the ones this build installs
 * (enabled or not), else 0. Reads only. */
int op_journal_current(op_db *db, int enabled);
/* (Re)create the triggers when the description changed since the last call
 * (a signature is kept in meta). enabled = 0 drops them (benchmarks). Must be
 * called inside a write transaction. 0 or -1 with the db error set. */
int op_journal_install(op_db *db, int enabled);

/* The CREATE TRIGGER statements for the description, as one malloc'd
 * string (for docs and tests). NULL when out of memory. */
char *op_journal_sql(void);

#endif
