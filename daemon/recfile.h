/*
 * recfile.h — the record file of the history repository (history.h,
 * docs/HISTORY.md): where a record lives in the tree and what its file
 * says.
 *
 *   TABLE/xx/yy/NAME   xx yy: the last four characters of the id when they
 *                      are hex digits (UUIDv7 ids end in random ones),
 *                      lowercased, else "__/__"; NAME: the id, with bytes
 *                      outside [A-Za-z0-9._-] (and a leading '.') as %XX;
 *                      an empty id is "%00".
 *   "column: value\n"  one line per non-NULL column, in the order of the
 *                      table description (schema/tables.c); integers in
 *                      decimal (money stays cents), text as is with '\',
 *                      line feed, carriage return and NUL written \\ \n \r \0.
 *
 * The same row always gives the same bytes, so an unchanged record is the
 * same git object and costs nothing.
 */
#ifndef OP_RECFILE_H
#define OP_RECFILE_H

#include <stddef.h>
#include <sqlite3.h>
#include "tables.h"

/* The shard as SQL over column expression c: sorting by it groups records
 * the way the tree does. Must agree with op_recfile_shard. */
#define OP_RECFILE_SHARD_SQL(c) "CASE WHEN length(" c ") >= 4 AND lower(substr(" c \
	", -4)) GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN lower(substr(" c ", -4)) " \
	"ELSE '____' END"

/* The four shard characters of id ("____" for an id without a hex tail). */
void op_recfile_shard(const char *id, char out[5]);

/* The file name of id, into out[n]. 0, or -1 when the name does not fit. */
int op_recfile_name(const char *id, char *out, size_t n);

/* The id a file name stands for (malloc'd; NULL when out of memory). */
char *op_recfile_id(const char *name);

/* "TABLE/xx/yy/NAME" of record id of t. 0 or -1 as op_recfile_name. */
int op_recfile_path(char *out, size_t n, const struct op_table *t, const char *id);

/* The file of the row st is on, whose columns 0..t->ncols-1 are t's columns
 * in order, into *buf (grown with realloc; *cap its size). Returns the
 * length, or -1 when out of memory. */
long op_recfile_text(const struct op_table *t, sqlite3_stmt *st, char **buf, size_t *cap);

/* A file read back: vals[c] is column c of t (NULL: absent), unescaped,
 * pointing into one copy owned by the struct. Lines naming columns t does
 * not have are skipped. */
struct op_recfile {
	char *copy;
	const char *vals[64];
	size_t lens[64];	/* bytes of vals[c]: a value may hold a NUL */
};

/* 0, or -1 when out of memory. Free with op_recfile_free (also after -1). */
int op_recfile_parse(struct op_recfile *r, const struct op_table *t, const void *data,
		     size_t len);
void op_recfile_free(struct op_recfile *r);

#endif
