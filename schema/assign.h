/*
 * assign.h — assignment rules: who gets a new enquiry (docs/SCHEMA.md,
 * assign_rule).
 *
 * HQ or a branch manager defines rules; every interface that registers a
 * customer without an owner (outpost customer add, import, the web) calls
 * op_assign_customer or op_assign_new on the same connection and inside
 * the same transaction as the INSERT, so one function decides for all of
 * them. Rules sync like customers (HQ's reach every branch), and the
 * round-robin turn is a row of this store (assign_turn), so a branch
 * offline applies HQ's rules and deals in turn by itself: the turn is per
 * store, not chain-wide.
 */
#ifndef OP_ASSIGN_H
#define OP_ASSIGN_H

#include <stdint.h>
#include "db.h"

/* What a new customer is matched on. Any member may be NULL. */
struct op_assign_facts {
	const char *branch;	/* home branch code */
	const char *region;	/* NULL: the home branch's region (branch table) */
	const char *interests;	/* free text holding product categories */
	const char *channel;	/* channel code */
};

/* The outcome of one assignment (or of a trial: op_assign_pick). */
struct op_assign {
	int nrules;		/* active rules in the store; 0: assignment is off */
	char rule_id[40];	/* the rule that decided, "" when none did */
	char rule[128];		/* its name */
	char staff[64];		/* the owner it gives, "" when none */
	char skipped[256];	/* rules that matched with no active member: "a, b" */
};

/* The rule that matches f and the member whose turn it is. With take,
 * the turn moves on (inside the caller's transaction); without, nothing
 * is written (outpost assign test). Rules are tried by priority, then
 * name; members in the order the rule lists them, starting after the one
 * given the last customer at this store, skipping staff who are inactive
 * or no longer exist. 0 with *out filled (out->staff "" when no rule
 * matched), or -1 with the db error set. */
int op_assign_pick(op_db *db, const struct op_assign_facts *f, int take,
		   struct op_assign *out);

/* Give customer id (just inserted, with the owner it defaults to or
 * none) its owner by the rules, recording the rule in
 * customer.assign_rule. When the store has no active rule, the row is
 * left as it is (the person adding a customer owns it, as before rules
 * existed); when rules exist, the rule's member replaces the default, and
 * when none matches the customer is left without owner (out->staff "").
 * Inside the caller's transaction. 0, or -1 with the db error set. */
int op_assign_customer(op_db *db, const char *id, struct op_assign *out);

/* op_assign_customer for every customer with rowid greater
 * than after that has no owner, in rowid order: an import's new rows.
 * *assigned and *unmatched count them (unmatched stays 0 when the store
 * has no rules). 0, or -1 with the db error set. */
int op_assign_new(op_db *db, int64_t after, int64_t *assigned, int64_t *unmatched);

/* The largest customer rowid now (0 for none), for op_assign_new. */
int op_assign_mark(op_db *db, int64_t *rowid);

/* A rule as defined. Every text member but name and staff may be NULL. */
struct op_assign_rule {
	const char *name;
	int64_t priority;	/* < 0: after the last active rule (+10) */
	const char *branch, *region, *category, *channel;
	const char *staff;	/* ','-separated staff codes */
	const char *actor;	/* who defines it (created_by), may be NULL */
};

/* Validate and add rule r, in its own transaction: the name new, the
 * priority free among active rules, branch, region, category (some
 * product's) and channel known, every member an active staff member. A
 * manager (a branch-scoped connection, scope.h) defines rules for their
 * own branch only: branch defaults to it, another is refused. 0 and
 * *id (malloc'd, may be NULL), or -1 with the db error naming the field
 * (EX_DATAERR; EX_NOPERM for another branch). */
int op_assign_rule_add(op_db *db, const struct op_assign_rule *r, char **id);

/* Make rule name inactive, in its own transaction (a manager: only their
 * branch's). 0, or -1 (EX_NOINPUT when there is no such active rule). */
int op_assign_rule_remove(op_db *db, const char *name, const char *actor);

#endif
