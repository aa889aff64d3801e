/*
 * health.h — is every branch in sync, and is this store's own machinery
 * (history, backups) working? Read from the tables outpostd keeps, so it
 * works with the daemon stopped: `outpost sync status` prints it, `--stale`
 * turns it into an exit code for cron or a systemd alert, and outpostd puts
 * a summary on systemd's STATUS= line (docs/OPERATIONS.md "What to watch").
 *
 * The figures themselves (a branch's state, the store's machinery) are
 * schema/syncstat.h's.
 */
#ifndef OP_HEALTH_H
#define OP_HEALTH_H

#include <stdint.h>
#include "db.h"
#include "error.h"
#include "syncstat.h"

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
