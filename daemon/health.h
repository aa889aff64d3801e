/*
 * health.h — is every branch in sync, and is this store's own machinery
 * (history, backups) working? Read from the tables outpostd keeps, so it
 * works with the daemon stopped: `outpost sync status` prints it, `--stale`
 * turns it into an exit code for cron or a systemd alert, and outpostd puts
 * a summary on systemd's STATUS= line (docs/OPERATIONS.md "What to watch").
 *
 * A branch's state, as HQ sees it (the first that applies):
 *   refused  revoked, or refused (another site's key, a retired copy) since
 *            its last good contact
 *   stale    never in contact, or not for longer than the stale limit
 *   behind   HQ holds changes the branch has not acknowledged, the branch
 *            has changes HQ has not received, or its last contact failed
 *   ok       none of these
 */
#ifndef OP_HEALTH_H
#define OP_HEALTH_H

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

/* HQ: the branch's newest version from its HELLO. 0 or -1. */
int op_health_hello(op_db *db, const char *site, uint64_t head_ver);

/* A branch's daemon gave up (HQ unreachable, refused): record why in its
 * HQ row's last_error, or in meta when it never reached HQ. 0 or -1. */
int op_health_record_error(op_db *db, const char *msg);

/* One line for systemd's STATUS=, into out[n]. */
void op_health_summary(op_db *db, char *out, size_t n);

/* Tell systemd (NOTIFY_SOCKET) msg, e.g. "READY=1", "WATCHDOG=1",
 * "STATUS=...": nothing when not run by systemd. */
void op_health_notify(const char *msg);

/* The watchdog interval systemd asked for (WATCHDOG_USEC), in ms; 0: none. */
int64_t op_health_watchdog_ms(void);

#endif
