/*
 * db.h — a store: one SQLite database holding a site's domain tables and
 * its sync layer.
 *
 * op_db_open opens (and with OP_DB_CREATE creates) the file, sets WAL, a busy
 * timeout and foreign keys, runs any pending migrations, regenerates the
 * journal triggers when the table description changed, and registers the
 * "pinyin" collation (ICU) used to sort Chinese names. All SQL goes through
 * op_db_stmt, which prepares each statement once (persistent) and hands it
 * back reset; parameters are bound by name and an unknown name is an error.
 *
 * Writes happen between op_db_begin and op_db_commit, which write the acting
 * staff member (or the "applying remote changes" flag) into the op_ctx row
 * that the journal triggers read, and reset it before committing.
 */
#ifndef OP_DB_H
#define OP_DB_H

struct op_table;

#include <stdint.h>
#include <sqlite3.h>
#include "error.h"
#include "tz.h"

typedef struct op_db op_db;

#define OP_DB_CREATE   0x01	/* create the file if missing */
#define OP_DB_DAEMON   0x02	/* foreign keys off: remote rows arrive in any order */
#define OP_DB_READONLY 0x04	/* open read-only, no migrations */
#define OP_DB_NOJOURNAL 0x08	/* (benchmarks only) no journal triggers */

/* Schema version this build creates and understands. */
int op_db_schema_max(void);

/* Open path. Returns 0 and *out (free with op_db_free), or -1 with e set:
 * EX_NOINPUT when the file does not exist and OP_DB_CREATE is not given,
 * EX_CANTCREAT when it cannot be created, EX_DATAERR when the store's
 * schema is newer than this build. */
int op_db_open(op_db **out, const char *path, int flags, op_err *e);
void op_db_free(op_db *db);
/* Remove a closed store's files (the database, its -wal, -shm and -waiting);
 * missing files are not an error. */
void op_db_remove(const char *path);
/* How large the write-ahead log may grow: the daemon trims it past this,
 * a command's commit copies it only past this (SQLite's default: 4 MiB). */
#define OP_DB_WAL_MAX (64LL << 20)

/* When the store's write-ahead log has grown past max bytes (a reader
 * that kept a snapshot while batches streamed in keeps SQLite from
 * restarting it), copy it into the store and truncate it to nothing:
 * copied without holding writers off, cut (which holds them off) only
 * once no reader needs any of it, waiting briefly for readers. 1 when it was
 * truncated, 0 when small or busy (try again later), -1 on an error. */
int op_db_wal_trim(op_db *db, long long max);
/* Has a command been waiting for this store's write lock within the last
 * second (dbwait.c: it touches "<store>-waiting"), since *seen (the
 * note's time when this last said yes, 0 at first, then updated)? The
 * merge lets it in: once for each time it says so. */
int op_db_writer_waiting(const op_db *db, long long *seen);
/* What a writer that let a waiting command in (commit) then waits, for it
 * to take the lock: 5 ms (it tries every millisecond). */
void op_db_room_pause(void);

sqlite3 *op_db_handle(op_db *db);
op_err *op_db_err(op_db *db);
const char *op_db_path(const op_db *db);
/* The OP_DB_* flags the store was opened with. */
int op_db_flags(const op_db *db);
int op_db_schema_version(op_db *db);

/* Site identity, from meta. NULL / 0 before `outpost init`. The string is
 * owned by db and lives until op_db_free or the next op_db_init_site. */
const char *op_db_site(op_db *db);
int op_db_is_hq(op_db *db);
/* Record the site code and role once; -1 (EX_DATAERR) if the store already
 * has a different site. */
int op_db_init_site(op_db *db, const char *site, int hq);

/* The store's time zone (tz.h): meta 'tz', else op_tz_default(). Owned
 * by db, never NULL after op_db_open. Registered SQL functions use it:
 * op_local(ts) (UTC timestamp -> local; other values unchanged), op_utc(ts)
 * (local -> UTC) and op_today() (the local business date). */
op_tz *op_db_tz(op_db *db);
/* Set and record the zone (meta 'tz' and the numbering triggers' offset,
 * meta 'utc_offset'); -1 (EX_DATAERR naming tz) for an unknown zone. */
int op_db_set_tz(op_db *db, const char *zone);
/* The local business date now, "YYYY-MM-DD". */
void op_db_today(op_db *db, char out[11]);

/* meta key/value helpers. op_db_meta_get returns a malloc'd copy or NULL. */
char *op_db_meta_get(op_db *db, const char *key);
int op_db_meta_set(op_db *db, const char *key, const char *value);
int64_t op_db_meta_int(op_db *db, const char *key, int64_t dflt);
int op_db_meta_set_int(op_db *db, const char *key, int64_t v);

/* The cached prepared statement for sql (a string constant: cached by its
 * address), reset with bindings cleared, or NULL with the db error set. */
sqlite3_stmt *op_db_stmt(op_db *db, const char *sql);

/* Typed binds by parameter name (":name"); -1 with the db error set when the
 * statement has no such parameter. NULL text binds NULL. */
int op_bind_text(op_db *db, sqlite3_stmt *st, const char *name, const char *v);
int op_bind_int(op_db *db, sqlite3_stmt *st, const char *name, int64_t v);
int op_bind_null(op_db *db, sqlite3_stmt *st, const char *name);
int op_bind_double(op_db *db, sqlite3_stmt *st, const char *name, double v);
int op_bind_value(op_db *db, sqlite3_stmt *st, const char *name,
		  const sqlite3_value *v);

/* Step: SQLITE_ROW or SQLITE_DONE, or -1 with the error translated (a
 * constraint failure becomes EX_DATAERR naming the constraint). */
int op_db_step(op_db *db, sqlite3_stmt *st);
/* Step a statement that returns no rows to completion; 0 or -1. */
int op_db_run(op_db *db, sqlite3_stmt *st);

/* Execute trusted constant SQL (no parameters), e.g. "SAVEPOINT x". */
int op_db_exec(op_db *db, const char *sql);

/* Transactions. op_db_begin: BEGIN IMMEDIATE and record staff (may be NULL)
 * as the actor of every journal entry until commit. op_db_begin_apply: the
 * same but journal triggers stay quiet (remote changes) and the search
 * index is brought up to date in bulk (op_db_search_flush) at commit, not
 * row by row (009_search_bulk.sql). op_db_commit resets the context and
 * commits; op_db_rollback is NULL-safe and never fails. */
int op_db_begin(op_db *db, const char *staff);
int op_db_begin_apply(op_db *db);
int op_db_commit(op_db *db);
/* Inside op_db_begin_apply: index the customers written so far (call it
 * before writing with the context changed). 0 or -1. */
int op_db_search_flush(op_db *db);

/* A merge writes with the store's triggers off (op_db_triggers): what the
 * search triggers of 009_search_bulk.sql note for the bulk index, it notes
 * itself. Is column c of table t in the search index? */
int op_db_search_col(const struct op_table *t, int c);
/* Note the customer with id gid for the index: OP_SEARCH_NEW after its
 * insert, OP_SEARCH_OLD before an update of a search column or its delete
 * (the values the index holds). Nothing for other tables. 0 or -1. */
enum { OP_SEARCH_NEW, OP_SEARCH_OLD };
int op_db_search_note(op_db *db, const struct op_table *t, const char *gid, size_t gl,
		      int kind);
/* Triggers on (1) or off (0) for this connection's next statements; 1 when
 * the store can merge without them (its search index is kept in bulk). A
 * change recompiles the cached statements, so callers switch once a
 * batch, not a row. */
int op_db_triggers(op_db *db, int on);
/* Bring the name keys of search (024_name_keys.sql) up to date for the
 * customers written since: in a transaction of its own unless one is open;
 * nothing on a store opened read-only or older than schema 24. 0 or -1. */
int op_db_name_keys(op_db *db);
/* in as a name key is spelt (ASCII lowered, blanks dropped) into out (n
 * bytes, cut at a character); -1 when it was cut, else 0. */
int op_name_key_fold(const char *in, char *out, size_t n);
void op_db_rollback(op_db *db);
int op_db_in_txn(op_db *db);

/* Translate the connection's last error into db's error slot: "what: msg". */
int op_db_fail(op_db *db, const char *what);

/* The connection's row scope, owned by db and kept for scope.c (see
 * scope.h); all zero when nobody signed in. */
struct op_db_scope {
	int kind;		/* enum op_scope_kind */
	char text[96];		/* for report headers */
	char staff[64];
	char branch[32];	/* OP_SCOPE_BRANCH: the branch, "" for none */
	char role[16];		/* the signed-in role, whatever the kind */
};
struct op_db_scope *op_db_scope_slot(op_db *db);

/* The SQL expression that yields a fresh UUIDv7 (text), built from built-in
 * functions only. */
extern const char op_uuid7_sql[];

#endif
