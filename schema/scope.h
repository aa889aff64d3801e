/*
 * scope.h — which rows a signed-in staff member may read: the one
 * mechanism behind DOMAIN.md's rule "a salesperson sees only their own
 * customers, a manager the branch, HQ everything".
 *
 * op_scope_set confines a connection, once, at sign-in: for every table
 * that holds customer data it creates a TEMP view with the table's own
 * name. SQLite resolves an unqualified name in the temp schema first, so
 * every read the connection makes — list, show, search, export, reports,
 * classes, reminders, the journal, conflicts — sees the view, whatever
 * command (or interface added later) runs it. The views select from
 * main.<table> with the role's predicate, mask phone numbers for the roles
 * that do not need them, and carry the base table's rowid as a column
 * named rowid, so "ORDER BY rowid" and "c.rowid IN (...)" still work.
 *
 * Writes from a scoped connection name main.<table> (a view cannot be
 * written; an unqualified INSERT fails loudly rather than leaking).
 * Main-schema triggers resolve names in main, so journaling is unchanged.
 * The daemon never calls op_scope_set: it syncs everything.
 */
#ifndef OP_SCOPE_H
#define OP_SCOPE_H

#include "db.h"

enum op_scope_kind {
	OP_SCOPE_ALL = 0,	/* hq, admin, or nobody signed in */
	OP_SCOPE_OWNER,		/* sales: customers they own, and those customers' rows */
	OP_SCOPE_BRANCH,	/* manager, service: the branch's customers and rows */
};

/* The scope of role ("sales" "service" "manager" "hq" "admin"). */
enum op_scope_kind op_scope_of_role(const char *role);
/* Whether role sees phone numbers masked ("+86138****8000"). */
int op_scope_masks(const char *role);

/* Confine db to what staff (of role, at branch) may read. branch may be
 * NULL: then a branch store's own site. Idempotent per connection (a
 * second call replaces the views). 0, or -1 with the db error set. A
 * manager or service account with no branch at HQ sees no customer rows. */
int op_scope_set(op_db *db, const char *staff, const char *role, const char *branch);

/* The connection's scope: kind, and a phrase for report headers ("only
 * customers owned by li.na", "branch SH01 only") or NULL when unscoped.
 * The string lives as long as db. */
enum op_scope_kind op_scope_kind(op_db *db);
const char *op_scope_text(op_db *db);
/* The branch a BRANCH scope is confined to ("" when it has none), or
 * NULL for any other scope. */
const char *op_scope_branch(op_db *db);
/* The signed-in staff member of a scoped connection, or NULL. */
const char *op_scope_staff(op_db *db);
/* Whether table (a main table name) is shadowed by a scope view. */
int op_scope_covers(const char *table);

/* The access audit (010_access.sql): a listing in JSON or CSV of this
 * many rows or more is a bulk read and is recorded. */
#define OP_ACCESS_BULK 20

/* Record that staff (NULL: the signed-in person, if any) read rows rows
 * of personal data by what ("export customer"), in its own transaction
 * (journaled: it syncs to HQ). 0, or -1 with the db error set. */
int op_access_record(op_db *db, const char *staff, const char *what, int64_t rows);

#endif
