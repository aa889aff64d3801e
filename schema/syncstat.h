/*
 * syncstat.h — how sync is going, as figures: the operation beneath
 * `outpost sync status` and the web screen's 同步 page, and the health of
 * the branches and of the store's own machinery (history, backups) that
 * outpostd's systemd summary and `--stale` read too (daemon/health.h).
 *
 * Everything is read from the tables outpostd keeps (peer, journal,
 * stamp_mark, clock, counter, conflict, meta), so it works with the daemon
 * stopped. Sync status is about the store, not about rows: it reads the
 * whole journal even for a reader confined to a scope (schema/scope.h).
 *
 * A branch's state, as HQ sees it (the first that applies):
 *   refused  revoked, or refused (another site's key, a retired copy) since
 *            its last good contact
 *   stale    never in contact, or not for longer than the stale limit
 *   behind   HQ holds changes the branch has not acknowledged, the branch
 *            has changes HQ has not received, or its last contact failed
 *   ok       none of these
 */
#ifndef OP_SYNCSTAT_H
#define OP_SYNCSTAT_H

#include <stdint.h>
#include "db.h"
#include "error.h"

#define OP_HEALTH_STALE_DEFAULT (24 * 3600)

struct op_health_branch {
	const char *site;
	const char *state;		/* "ok", "behind", "stale", "refused" */
	const char *last_contact;	/* UTC text, NULL: never */
	int64_t age_s;			/* since last contact; -1: never */
	int64_t recv_ver, acked_ver;
	int64_t pending;		/* HQ's versions it has not acknowledged */
	int64_t unreceived;		/* its versions HQ has not received; -1: unknown */
	int64_t lag_s;			/* age of the oldest change it lacks; -1: none */
	int64_t drift_ms;		/* -1 and has_drift 0 when unknown */
	int has_drift;
	int64_t schema_version;		/* 0: unknown */
	int revoked;
	int64_t refused;
	const char *last_error, *last_error_at;
};

/* Call cb for every peer of an HQ store with its health, in site order;
 * stale_s is the stale limit. Strings live until cb returns. Returns the
 * number of branches (not revoked) that are stale or refused, or -1 with
 * the db error set. */
int op_health_branches(op_db *db, int64_t stale_s,
		       void (*cb)(const struct op_health_branch *b, void *arg), void *arg);

/* This store's own machinery, from meta: NULL when fine / never. */
struct op_health_store {
	char *history_error, *history_error_at;
	char *backup_last, *backup_error;
	char *sync_error;		/* a branch that never reached HQ: why */
};
void op_health_store_read(op_db *db, struct op_health_store *h);
void op_health_store_free(struct op_health_store *h);

/* ",1,3," — the numbers of the tables whose changes flow `route`. */
void op_health_route_tables(char *out, size_t n, unsigned route);

/* The figures of `sync status`. Strings are owned by the struct; NULL is
 * "none" (never in contact, no error). */
struct op_sync_status {
	int hq;				/* this store is HQ */
	char *site;
	int64_t schema_version;
	int64_t open_conflicts;
	struct op_health_store store;	/* history, backups, a branch's sync error */
	int unhealthy;			/* history or backups failing */

	/* a branch: its HQ row (has_hq 0: never in contact) */
	int has_hq;
	char *hq_site, *hq_pubkey, *last_contact, *last_error;
	int64_t recv_ver, drift_ms, hq_schema_version, acked_ver;
	int has_recv_ver, has_drift, has_hq_schema;
	int64_t unsent;			/* changes HQ has not acknowledged */
	int64_t lag_s;			/* age of the oldest of them; -1: none */
	int64_t contact_age_s;		/* since the last contact; -1: never */

	/* HQ: every branch, in site order */
	int64_t active_branches, unstamped;
	struct op_health_branch *branches;
	size_t nbranches;
	int nbad;			/* branches stale or refused (not revoked) */
};

/* Read the status of db into *out (the caller frees it with
 * op_sync_status_free); stale_s is the limit past which a branch is stale
 * (OP_HEALTH_STALE_DEFAULT when 0). 0, or -1 with the db error set. */
int op_sync_status_read(op_db *db, int64_t stale_s, struct op_sync_status **out);
void op_sync_status_free(struct op_sync_status *s);

#endif
