/*
 * conflict.h — settling the conflict log (docs/SYNC.md): the operation
 * beneath `outpost conflicts resolve` and the web screen's 同步 page, and
 * the small pieces both and `conflicts list/show` describe a conflict with.
 *
 * A conflict is a concurrent edit the merge overwrote (daemon/merge.c
 * writes them). Resolving keeps the value that won (kept), writes back the
 * one that lost (lost), or writes a new value; a value written back is an
 * ordinary edit, journaled as the acting staff member, so it syncs.
 */
#ifndef OP_CONFLICT_H
#define OP_CONFLICT_H

#include <stdint.h>
#include "ops.h"
#include "tables.h"

/* The column a conflict is about into out: a name, or what the negative
 * numbers of the clock table stand for ("(row)", "(deleted)"). */
void op_conflict_column(char *out, size_t n, const struct op_table *t, int64_t col);

/* The customer field for a column of t (validation and money), or NULL. */
const struct op_field *op_conflict_field(const struct op_table *t, int64_t col);

/* "SELECT <expr> FROM <t> WHERE id = :id", prepared (the caller finalizes
 * it): expr is a constant of tables.c, or with quote a column name. NULL
 * with the db error set. */
sqlite3_stmt *op_conflict_row_stmt(op_db *db, const struct op_table *t, const char *expr,
				   int quote);

/* What a resolve did, for the caller to say. */
struct op_conflict_done {
	const struct op_table *t;	/* NULL: a table this build does not know */
	int64_t tnum;
	char *gid;			/* the row (malloc'd) */
	char label[256];		/* the row's label ("张三"), "" when none */
	char col[64];			/* the column, as op_conflict_column */
	const char *how;		/* "kept", "lost" or "value" (static) */
};

/* Resolve conflict id: keep is "kept" or "lost", or NULL with value (the
 * new value as typed, validated like `customer edit`; "" clears). In one
 * transaction, as ctx->as. 0 with *done filled (free it with
 * op_conflict_done_free), or -1 with ctx->err set: EX_USAGE for neither
 * or both, EX_NOINPUT for no such conflict or row, EX_DATAERR when it is
 * resolved already or its value cannot be written back. */
int op_conflict_resolve(struct op_ctx *ctx, int64_t id, const char *keep, const char *value,
			struct op_conflict_done *done);
void op_conflict_done_free(struct op_conflict_done *done);

#endif
