/*
 * classify.h — customer classification, the one writer of customer_class:
 * every customer ranked by spend, orders and last order over the year up
 * to a date, into the classes important, major, regular and small, with a
 * purchase frequency and R/F/M scores (docs/REPORTS.md, "Customer
 * classes"). `outpost classify` runs it and reports on the result
 * (client/classify.c); HQ's outpostd runs it after sync.
 */
#ifndef OP_CLASSIFY_H
#define OP_CLASSIFY_H

#include "db.h"

/* Replace the classes of the customers this connection sees (a manager's:
 * the branch's, through the scope views; HQ: all) in one transaction
 * written as staff (NULL: the connection's actor). as_of: "YYYY-MM-DD", or
 * NULL for today in the store's time zone; the year is the twelve months
 * up to it, inclusive. from and to, when not NULL, get the period's first
 * and last day. 0, or -1 with op_db_err(db) set (EX_DATAERR: a bad date). */
int op_classify(op_db *db, const char *as_of, const char *staff, char from[11],
		char to[11]);

#endif
