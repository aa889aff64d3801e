/*
 * labels.h — what a person reads over a column, and in which zone a time
 * is shown: the display settings out.c applies to tables for people.
 *
 * Column names are the --json keys and CSV headers (never translated);
 * tables and record views show the label of the column in the reader's
 * language instead (i18n.h, msgctxt "column"), and timestamps of the
 * columns that hold UTC in the store's local time (tz.h). JSON and CSV
 * keep the stored values: UTC timestamps, English keys.
 */
#ifndef OP_LABELS_H
#define OP_LABELS_H

#include <stddef.h>
#include "tz.h"

/* The header shown for column name (static, or name itself when the
 * catalogue has no label for it). */
const char *op_label(const char *name);

/* The word for what table holds, for messages ("customer" is 客户;
 * static, or table itself when the catalogue has none). */
const char *op_label_noun(const char *table);

/* True when the column holds money in yuan (total, paid, price ...). */
int op_label_is_money(const char *name);

/* True when the column holds a stored UTC timestamp (created_at, at,
 * received_at ...) that tables show in local time. */
int op_label_is_utc(const char *name);

/* The zone tables show times in (borrowed; lives as long as the store the
 * CLI opened). NULL: times are shown as stored. The CLI has one store per
 * run, so this is set once, by cli_db. */
void op_label_set_tz(op_tz *tz);

/* v shown for column name: a UTC timestamp in a UTC column converted into
 * buf (n >= 20) and buf returned; an enumeration's word in a state, kind
 * or status column translated (static); anything else is v itself. */
const char *op_label_value(const char *name, const char *v, char *buf, size_t n);

#endif
