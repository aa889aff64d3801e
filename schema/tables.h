/*
 * tables.h — the one description of what is synced and how.
 *
 * Everything that is per table — the journal triggers, the merge rule of each
 * column, which way a table's changes flow, which schema version introduced a
 * column — is generated from the op_tables[] array in tables.c. Adding a
 * synced table is one entry there plus its CREATE TABLE in a migration.
 *
 * Table numbers and column numbers go on the wire: they are never reused or
 * renumbered. Column n of a table is op_tables[t].cols[n]; column 0 is
 * always the global id.
 */
#ifndef OP_TABLES_H
#define OP_TABLES_H

#include <stdint.h>

/* Column flags. */
#define OP_COL_COUNTER 0x01	/* merges by summing per-site deltas */
#define OP_COL_ID      0x02	/* the global id (column 0) */
#define OP_COL_MERGED  0x04	/* id of the row this one was merged into */

struct op_column {
	const char *name;
	unsigned flags;
	int since;		/* schema version that introduced it */
};

/* Routes: where a table's changes flow. */
#define OP_ROUTE_UP   0x01	/* branch -> HQ */
#define OP_ROUTE_DOWN 0x02	/* HQ -> every branch */

struct op_table {
	const char *name;
	int num;		/* wire number, never reused */
	unsigned route;
	int since;		/* schema version that introduced it */
	const struct op_column *cols;
	int ncols;
	int counter_col;	/* index of the counter column or -1 */
	int merged_col;		/* index of the OP_COL_MERGED column or -1 */
	const char *label_sql;	/* expression giving a human label for a row */
};

extern const struct op_table op_tables[];
extern const int op_ntables;

/* The table with wire number num, or NULL. */
const struct op_table *op_table_by_num(uint64_t num);
/* The table named name, or NULL. */
const struct op_table *op_table_by_name(const char *name);
/* The newest `since` of any table or column. */
int op_tables_since_max(void);
/* Is table t in this build's schema (op_db_schema_max)? A build capped at
 * an older schema (OUTPOST_TEST_SCHEMA_CAP) has no later tables: loops
 * over op_tables skip them, and the lookups by name and number do not
 * find them. */
int op_table_known(const struct op_table *t);
/* Is column c of t in this build's schema (op_db_schema_max)? */
int op_col_known(const struct op_table *t, int c);

/* Index of column name in t, or -1. */
int op_table_col(const struct op_table *t, const char *name);

#endif
