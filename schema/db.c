/*
 * db.c — opening, migrating and talking to a store (see db.h).
 *
 * Migrations are the embedded schema/NNN_*.sql files, applied in order inside
 * one transaction each, with PRAGMA user_version recording the last one. The
 * token op_uuid7 in a migration stands for the UUIDv7 default expression, so
 * the SQL files stay readable. After migrating, the journal triggers are
 * regenerated from the table description (journal.c) whenever it changed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <unicode/ucol.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>
#include "db.h"
#include "dbwait.h"
#include "journal.h"
#include "migrations.h"
#include "surname.h"
#include "tables.h"

/* 48-bit Unix milliseconds, version 7, variant 10, 74 random bits. */
const char op_uuid7_sql[] =
	"(lower(substr(printf('%012x',CAST((julianday('now')-2440587.5)*86400000 AS INTEGER)),1,8)"
	"||'-'||substr(printf('%012x',CAST((julianday('now')-2440587.5)*86400000 AS INTEGER)),9,4)"
	"||'-7'||substr(hex(randomblob(2)),2,3)"
	"||'-'||substr('89ab',1+(random()&3),1)||substr(hex(randomblob(2)),2,3)"
	"||'-'||hex(randomblob(6))))";

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct op_db {
	sqlite3 *db;
	char *path;
	op_err err;
	int flags;
	int applying;		/* op_ctx.applying of the open transaction */
	char *site;
	int hq;
	struct stmt_slot *slots;
	size_t nslots, used;
	UCollator *coll;
	UTransliterator *pinyin;	/* op_pinyin's and the name keys', on first use (pinyin_tr) */
	int pinyin_failed;
	struct op_db_scope scope;
	op_tz *tz;		/* meta 'tz', else op_tz_default */
};

/* OUTPOST_TEST_SCHEMA_CAP=N makes this build behave as a build of schema N
 * (it migrates stores only that far and leaves newer columns alone): the
 * upgrade tests use it to make a store "the way the migrations do" at an
 * older version. Read once; not for production use. */
int op_db_schema_max(void)
{
	static int max;
	if (!max) {
		const char *cap = getenv("OUTPOST_TEST_SCHEMA_CAP");
		int v = 0;
		for (const struct op_migration *m = op_migrations; m->version; m++)
			v = m->version;
		if (cap && *cap) {
			char *end;
			long c = strtol(cap, &end, 10);
			if (!*end && c >= 1 && c < v)
				v = (int)c;
		}
		max = v;
	}
	return max;
}

sqlite3 *op_db_handle(op_db *db) { return db->db; }
op_err *op_db_err(op_db *db) { return &db->err; }
struct op_db_scope *op_db_scope_slot(op_db *db) { return &db->scope; }
int op_db_flags(const op_db *db) { return db->flags; }
const char *op_db_path(const op_db *db) { return db->path; }

int op_db_fail(op_db *db, const char *what)
{
	int rc = sqlite3_extended_errcode(db->db);
	const char *msg = sqlite3_errmsg(db->db);
	int code = EX_SOFTWARE;

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		code = EX_DATAERR;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = EX_TEMPFAIL;
		msg = "the store is busy (another program holds a write lock)";
		break;
	case SQLITE_FULL:
		code = EX_IOERR;
		msg = "the disk is full; nothing was written";
		break;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		code = EX_IOERR;
		break;
	case SQLITE_READONLY:
		code = EX_NOPERM;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = EX_DATAERR;
		msg = "the store file is damaged or is not an Outpost store";
		break;
	}
	if (what)
		return op_errc(&db->err, code, "%s: %s", what, msg);
	return op_errc(&db->err, code, "%s", msg);
}

int op_db_exec(op_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = (sqlite3_errcode(db->db) & 0xff) == SQLITE_CONSTRAINT ?
			EX_DATAERR : EX_SOFTWARE;
		op_errc(&db->err, code, "%s", msg ? msg : sqlite3_errmsg(db->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* --- statement cache: open addressing on the SQL string's address --- */

static size_t slot_hash(const char *sql, size_t n)
{
	uintptr_t h = (uintptr_t)sql;
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (n - 1);
}

static int slots_grow(op_db *db)
{
	size_t n = db->nslots ? db->nslots * 2 : 64;
	struct stmt_slot *s = calloc(n, sizeof(*s));
	if (!s)
		return op_errc(&db->err, EX_OSERR, "out of memory");
	for (size_t i = 0; i < db->nslots; i++) {
		if (!db->slots[i].sql)
			continue;
		size_t j = slot_hash(db->slots[i].sql, n);
		while (s[j].sql)
			j = (j + 1) & (n - 1);
		s[j] = db->slots[i];
	}
	free(db->slots);
	db->slots = s;
	db->nslots = n;
	return 0;
}

/* A copy of sql without its "INDEXED BY name" hints, or NULL when it has
 * none. A connection confined to a scope (scope.h) reads views, and a view
 * has no index to name: the hints, written for the base tables, would make
 * the statement fail to prepare. */
static char *drop_index_hints(const char *sql)
{
	static const char hint[] = " INDEXED BY ";
	if (!strstr(sql, hint))
		return NULL;
	char *out = malloc(strlen(sql) + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = sql, *q; ; ) {
		if (!(q = strstr(p, hint))) {
			memcpy(o, p, strlen(p) + 1);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q + sizeof(hint) - 1;
		while (*p && *p != ' ' && *p != ',' && *p != ')')
			p++;
	}
	return out;
}

sqlite3_stmt *op_db_stmt(op_db *db, const char *sql)
{
	size_t i;

	if (db->used * 2 >= db->nslots && slots_grow(db) < 0)
		return NULL;
	i = slot_hash(sql, db->nslots);
	while (db->slots[i].sql && db->slots[i].sql != sql)
		i = (i + 1) & (db->nslots - 1);
	if (db->slots[i].sql) {
		sqlite3_stmt *st = db->slots[i].st;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	sqlite3_stmt *st = NULL;
	char *plain = db->scope.kind ? drop_index_hints(sql) : NULL;
	int rc = sqlite3_prepare_v3(db->db, plain ? plain : sql, -1,
				    SQLITE_PREPARE_PERSISTENT, &st, NULL);
	free(plain);
	if (rc != SQLITE_OK) {
		op_db_fail(db, "internal: cannot prepare statement");
		return NULL;
	}
	db->slots[i].sql = sql;
	db->slots[i].st = st;
	db->used++;
	return st;
}

static int param(op_db *db, sqlite3_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i == 0)
		op_errf(&db->err, "internal: statement has no parameter %s", name);
	return i;
}

#define BIND(call) do { \
	int i_ = param(db, st, name); \
	if (i_ == 0) return -1; \
	if ((call) != SQLITE_OK) return op_db_fail(db, "bind"); \
	return 0; \
} while (0)

int op_bind_text(op_db *db, sqlite3_stmt *st, const char *name, const char *v)
{
	BIND(v ? sqlite3_bind_text(st, i_, v, -1, SQLITE_TRANSIENT)
	       : sqlite3_bind_null(st, i_));
}

int op_bind_int(op_db *db, sqlite3_stmt *st, const char *name, int64_t v)
{
	BIND(sqlite3_bind_int64(st, i_, v));
}

int op_bind_null(op_db *db, sqlite3_stmt *st, const char *name)
{
	BIND(sqlite3_bind_null(st, i_));
}

int op_bind_double(op_db *db, sqlite3_stmt *st, const char *name, double v)
{
	BIND(sqlite3_bind_double(st, i_, v));
}

int op_bind_value(op_db *db, sqlite3_stmt *st, const char *name,
		  const sqlite3_value *v)
{
	BIND(sqlite3_bind_value(st, i_, v));
}

int op_db_step(op_db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	op_db_fail(db, NULL);
	sqlite3_reset(st);
	return -1;
}

int op_db_run(op_db *db, sqlite3_stmt *st)
{
	int rc;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- meta --- */

static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = :k";
static const char SQL_META_SET[] =
	"INSERT INTO meta(key, value) VALUES (:k, :v) "
	"ON CONFLICT(key) DO UPDATE SET value = excluded.value";

char *op_db_meta_get(op_db *db, const char *key)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_META_GET);
	char *v = NULL;
	if (!st || op_bind_text(db, st, ":k", key) < 0)
		return NULL;
	if (op_db_step(db, st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}

int64_t op_db_meta_int(op_db *db, const char *key, int64_t dflt)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_META_GET);
	int64_t v = dflt;
	if (!st || op_bind_text(db, st, ":k", key) < 0)
		return dflt;
	if (op_db_step(db, st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

int op_db_meta_set(op_db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_META_SET);
	if (!st || op_bind_text(db, st, ":k", key) < 0 ||
	    op_bind_text(db, st, ":v", value) < 0)
		return -1;
	return op_db_run(db, st);
}

int op_db_meta_set_int(op_db *db, const char *key, int64_t v)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_META_SET);
	if (!st || op_bind_text(db, st, ":k", key) < 0 ||
	    op_bind_int(db, st, ":v", v) < 0)
		return -1;
	return op_db_run(db, st);
}

static void load_site(op_db *db)
{
	free(db->site);
	db->site = op_db_meta_get(db, "site");
	char *role = op_db_meta_get(db, "role");
	db->hq = role && strcmp(role, "hq") == 0;
	free(role);
}

/* --- time zone (tz.h) --- */

/* The SQLite modifier the numbering triggers add to a UTC time to get the
 * local business day (020_local_time.sql): "+480 minutes". Refreshed at
 * open and when the zone is set; a zone with DST is right from the next
 * open after the change. */
static int write_offset(op_db *db)
{
	char mod[32], *old;
	int rc = 0;

	snprintf(mod, sizeof(mod), "%+d minutes", op_tz_offset(db->tz, time(NULL)));
	old = op_db_meta_get(db, "utc_offset");
	if (!old || strcmp(old, mod) != 0)
		rc = op_db_meta_set(db, "utc_offset", mod);
	free(old);
	return rc;
}

static void load_tz(op_db *db)
{
	char *zone = op_db_meta_get(db, "tz"), dflt[64];
	op_tz *tz = NULL;

	if (!zone || op_tz_open(&tz, zone) < 0) {
		op_tz_default(dflt, sizeof(dflt));
		if (op_tz_open(&tz, dflt) < 0)
			op_tz_open(&tz, "UTC");
	}
	free(zone);
	op_tz_free(db->tz);
	db->tz = tz;
	/* a busy store keeps the old modifier until the next open */
	if (!(db->flags & OP_DB_READONLY) && db->site && sqlite3_get_autocommit(db->db))
		write_offset(db);
}

op_tz *op_db_tz(op_db *db) { return db->tz; }

int op_db_set_tz(op_db *db, const char *zone)
{
	op_tz *tz;

	if (op_tz_open(&tz, zone) < 0)
		return op_errc(&db->err, EX_DATAERR, "tz: unknown time zone '%s' "
			       "(use an IANA name such as Asia/Shanghai)", zone);
	op_tz_free(db->tz);
	db->tz = tz;
	if (op_db_meta_set(db, "tz", zone) < 0 || write_offset(db) < 0)
		return -1;
	return 0;
}

void op_db_today(op_db *db, char out[11])
{
	op_tz_date(db->tz, out, 11, time(NULL));
}

/* op_local(ts): a stored UTC timestamp in the store's zone; anything else
 * (NULL, a date, text) comes back unchanged. op_utc(ts) the reverse.
 * op_today(): the local business date. */
static void tz_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	op_db *db = sqlite3_user_data(ctx);
	char out[20];

	if (argc == 0)
		op_db_today(db, out);
	else if (op_tz_local(db->tz, out, sizeof(out),
			     (const char *)sqlite3_value_text(argv[0])) < 0) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static void tz_utc_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	op_db *db = sqlite3_user_data(ctx);
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	char out[20];

	if (op_tz_utc(db->tz, out, sizeof(out), in) < 0)
		sqlite3_result_value(ctx, argv[0]);
	else
		sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static void register_tz(op_db *db)
{
	sqlite3_create_function(db->db, "op_local", 1, SQLITE_UTF8, db, tz_fn, NULL, NULL);
	sqlite3_create_function(db->db, "op_today", 0, SQLITE_UTF8, db, tz_fn, NULL, NULL);
	sqlite3_create_function(db->db, "op_utc", 1, SQLITE_UTF8, db, tz_utc_fn, NULL, NULL);
}

const char *op_db_site(op_db *db) { return db->site; }
int op_db_is_hq(op_db *db) { return db->hq; }

int op_db_init_site(op_db *db, const char *site, int hq)
{
	if (db->site) {
		if (strcmp(db->site, site) != 0 || db->hq != !!hq)
			return op_errc(&db->err, EX_DATAERR,
				       "store is already initialised as site %s (%s)",
				       db->site, db->hq ? "hq" : "branch");
		return 0;
	}
	if (op_db_exec(db, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (op_db_meta_set(db, "site", site) < 0 ||
	    op_db_meta_set(db, "role", hq ? "hq" : "branch") < 0 ||
	    op_db_exec(db, "INSERT OR IGNORE INTO meta(key, value) "
		       "VALUES ('created_at', datetime('now'))") < 0) {
		op_db_rollback(db);
		return -1;
	}
	if (op_db_exec(db, "COMMIT") < 0) {
		op_db_rollback(db);
		return -1;
	}
	load_site(db);
	return 0;
}

/* --- transactions --- */

static const char SQL_CTX[] =
	"UPDATE op_ctx SET staff = :staff, applying = :applying WHERE id = 1";

static int set_ctx(op_db *db, const char *staff, int applying)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_CTX);
	if (!st || op_bind_text(db, st, ":staff", staff) < 0 ||
	    op_bind_int(db, st, ":applying", applying) < 0)
		return -1;
	return op_db_run(db, st);
}

static int begin(op_db *db, const char *staff, int applying)
{
	if (op_db_exec(db, "BEGIN IMMEDIATE") < 0)
		return op_db_fail(db, "cannot start a write");
	if (set_ctx(db, staff, applying) < 0) {
		op_db_rollback(db);
		return -1;
	}
	db->applying = applying;
	return 0;
}

int op_db_begin(op_db *db, const char *staff) { return begin(db, staff, 0); }
/* applying = 2: remote, and the search index in bulk (009_search_bulk.sql);
 * a build behaving as an older schema (OUTPOST_TEST_SCHEMA_CAP) has no
 * search_pending table and keeps the index row by row. */
#define SCHEMA_SEARCH_BULK 9
int op_db_begin_apply(op_db *db)
{
	return begin(db, NULL, op_db_schema_max() >= SCHEMA_SEARCH_BULK ? 2 : 1);
}

static const char SQL_SEARCH_STALE[] =
	"INSERT INTO customer_fts(customer_fts, rowid, name, phone, email, address)"
	" SELECT 'delete', rid, name, phone, email, address FROM search_pending"
	" WHERE indexed";
static const char SQL_SEARCH_FRESH[] =
	"INSERT INTO customer_fts(rowid, name, phone, email, address)"
	" SELECT c.rowid, c.name, c.phone, c.email, c.address FROM search_pending p"
	" JOIN customer c ON c.rowid = p.rid";
/* the batch's customers: their name keys are made before the next search */
static const char SQL_SEARCH_NAMES[] =
	"INSERT OR IGNORE INTO name_stale(rid) SELECT rid FROM search_pending";
static const char SQL_SEARCH_DONE[] = "DELETE FROM search_pending";
#define SCHEMA_NAME_KEYS 24

int op_db_search_flush(op_db *db)
{
	static const char *const sql[] = {
		SQL_SEARCH_STALE, SQL_SEARCH_FRESH, SQL_SEARCH_NAMES, SQL_SEARCH_DONE
	};
	if (op_db_schema_max() < SCHEMA_SEARCH_BULK)
		return 0;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (sql[i] == SQL_SEARCH_NAMES && op_db_schema_max() < SCHEMA_NAME_KEYS)
			continue;
		sqlite3_stmt *st = op_db_stmt(db, sql[i]);
		if (!st || op_db_run(db, st) < 0)
			return -1;
	}
	return 0;
}

int op_db_search_col(const struct op_table *t, int c)
{
	static const char *const cols[] = { "name", "phone", "email", "address" };
	if (strcmp(t->name, "customer") != 0 || c < 0 || c >= t->ncols)
		return 0;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (strcmp(t->cols[c].name, cols[i]) == 0)
			return 1;
	return 0;
}

/* What customer_fts_bulk_i and _u/_d insert (009_search_bulk.sql). */
static const char SQL_SEARCH_NOTE_NEW[] =
	"INSERT OR IGNORE INTO search_pending(rid, indexed)"
	" SELECT rowid, 0 FROM customer WHERE id = ?1";
static const char SQL_SEARCH_NOTE_OLD[] =
	"INSERT OR IGNORE INTO search_pending(rid, indexed, name, phone, email, address)"
	" SELECT rowid, 1, name, phone, email, address FROM customer WHERE id = ?1";

int op_db_search_note(op_db *db, const struct op_table *t, const char *gid, size_t gl,
		      int kind)
{
	if (strcmp(t->name, "customer") != 0 || op_db_schema_max() < SCHEMA_SEARCH_BULK)
		return 0;
	sqlite3_stmt *st = op_db_stmt(db, kind == OP_SEARCH_NEW ? SQL_SEARCH_NOTE_NEW
							 : SQL_SEARCH_NOTE_OLD);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, gid, (int)gl, SQLITE_STATIC);
	return op_db_run(db, st);
}

int op_db_triggers(op_db *db, int on)
{
	int now = -1;
	if (!on && op_db_schema_max() < SCHEMA_SEARCH_BULK)
		on = 1;	/* the index is kept row by row, by its triggers */
	if (sqlite3_db_config(db->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, on, &now) != SQLITE_OK)
		return op_db_fail(db, "cannot switch triggers");
	return now;
}

int op_db_commit(op_db *db)
{
	int bulk = db->applying == 2;
	db->applying = 0;
	if ((bulk && op_db_search_flush(db) < 0) || set_ctx(db, NULL, 0) < 0 ||
	    op_db_exec(db, "COMMIT") < 0) {
		op_err saved = db->err;
		op_db_rollback(db);
		db->err = saved;
		return -1;
	}
	return 0;
}

void op_db_rollback(op_db *db)
{
	if (db)
		db->applying = 0;
	if (db && !sqlite3_get_autocommit(db->db))
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

int op_db_in_txn(op_db *db) { return !sqlite3_get_autocommit(db->db); }

/* --- collation --- */

static int pinyin_cmp(void *arg, int n1, const void *s1, int n2, const void *s2)
{
	UErrorCode status = U_ZERO_ERROR;
	UCollationResult r = ucol_strcollUTF8((UCollator *)arg, s1, n1, s2, n2,
					      &status);
	if (U_FAILURE(status)) {
		int c = memcmp(s1, s2, (size_t)(n1 < n2 ? n1 : n2));
		return c ? c : n1 - n2;
	}
	return r == UCOL_LESS ? -1 : r == UCOL_GREATER ? 1 : 0;
}

/* The "name" collation: pinyin order with the first character(s) read as
 * a surname (surname.h): 曾 sorts among zeng, not ceng. Equal readings
 * fall back to the plain comparison, so distinct names never tie. */
static int name_cmp(void *arg, int n1, const void *s1, int n2, const void *s2)
{
	const struct op_surname *a = op_surname_of(s1, (size_t)n1),
				*b = op_surname_of(s2, (size_t)n2);
	char k1[256], k2[256];
	int l1, l2, r;

	if (!a && !b)
		return pinyin_cmp(arg, n1, s1, n2, s2);
	l1 = a ? snprintf(k1, sizeof(k1), "%s%.*s", a->proxy,
			  n1 - (int)strlen(a->hanzi), (const char *)s1 + strlen(a->hanzi))
	       : snprintf(k1, sizeof(k1), "%.*s", n1, (const char *)s1);
	l2 = b ? snprintf(k2, sizeof(k2), "%s%.*s", b->proxy,
			  n2 - (int)strlen(b->hanzi), (const char *)s2 + strlen(b->hanzi))
	       : snprintf(k2, sizeof(k2), "%.*s", n2, (const char *)s2);
	if (l1 >= (int)sizeof(k1) || l2 >= (int)sizeof(k2))
		return pinyin_cmp(arg, n1, s1, n2, s2);	/* names this long: no reading */
	r = pinyin_cmp(arg, l1, k1, l2, k2);
	return r ? r : pinyin_cmp(arg, n1, s1, n2, s2);
}

#define PINYIN_RULES "Han-Latin; Latin-ASCII; Lower"

/* The transliterator of op_pinyin and the name keys, built on first use:
 * building it parses ICU's Han-Latin rules, a few hundred milliseconds that
 * every command and every daemon start paid although only a search with
 * stale keys and the duplicate finder read pinyin. NULL when ICU lacks the
 * rules. */
static UTransliterator *pinyin_tr(op_db *db)
{
	if (!db->pinyin && !db->pinyin_failed) {
		UChar id[64];
		UErrorCode ust = U_ZERO_ERROR;
		u_uastrcpy(id, PINYIN_RULES);
		db->pinyin = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &ust);
		if (U_FAILURE(ust)) {
			db->pinyin = NULL;
			db->pinyin_failed = 1;
		}
	}
	return db->pinyin;
}

/* name read in toneless pinyin into out (n bytes), lower case, syllables
 * separated by spaces ("张伟" -> "zhang wei"); a polyphonic surname is read
 * as a surname (曾 zeng, not ceng). -1 when it cannot be read (too long,
 * not UTF-8, the transliterator failed). */
static int to_pinyin(op_db *db, const char *in, char *out, size_t n)
{
	UTransliterator *tr = pinyin_tr(db);
	UChar buf[512];
	int32_t len = 0, limit;
	UErrorCode st = U_ZERO_ERROR;
	const struct op_surname *sn;
	size_t pre = 0;

	if ((sn = op_surname_of(in, strlen(in)))) {
		pre = (size_t)snprintf(out, n, "%s%s", sn->pinyin,
				       in[strlen(sn->hanzi)] ? " " : "");
		if (pre >= n)
			return -1;
		in += strlen(sn->hanzi);
	}
	if (!tr)
		return -1;
	u_strFromUTF8(buf, 512, &len, in, -1, &st);
	if (U_FAILURE(st) || len >= 511)
		return -1;
	limit = len;
	utrans_transUChars(tr, buf, &len, 512, 0, &limit, &st);
	if (U_FAILURE(st))
		return -1;
	u_strToUTF8(out + pre, (int32_t)(n - pre), NULL, buf, len, &st);
	return U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING ? -1 : 0;
}

/* op_pinyin(text): to_pinyin's reading; other text is lowered. For
 * finding names that sound alike (duplicate customers). */
static void pinyin_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	char out[1024];

	(void)argc;
	if (!in)
		sqlite3_result_null(ctx);
	else if (to_pinyin(sqlite3_user_data(ctx), in, out, sizeof(out)) < 0)
		sqlite3_result_value(ctx, argv[0]);
	else
		sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

/* --- the name keys search reads (024_name_keys.sql) --- */

#define KEY_MAX 64	/* bytes of a key; a longer query is cut to this */
#define KEY_STARTS 24	/* keys begin at the first 24 characters/syllables */

/* One key as a JSON string, cut to KEY_MAX bytes at a character. */
static void json_key(sqlite3_str *s, const char *k, size_t len, int *n)
{
	if (len > KEY_MAX) {
		len = KEY_MAX;
		while (len && ((unsigned char)k[len] & 0xc0) == 0x80)
			len--;
	}
	if (!len)
		return;
	sqlite3_str_appendall(s, (*n)++ ? ",\"" : "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)k[i];
		if (c == '"' || c == '\\')
			sqlite3_str_appendf(s, "\\%c", c);
		else if (c < 0x20)
			sqlite3_str_appendf(s, "\\u%04x", c);
		else
			sqlite3_str_appendchar(s, 1, (char)c);
	}
	sqlite3_str_appendchar(s, 1, '"');
}

int op_name_key_fold(const char *in, char *out, size_t n)
{
	size_t o = 0;
	for (; *in && o + 1 < n; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		out[o++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	if (((unsigned char)*in & 0xc0) == 0x80) {	/* cut inside a character: drop it */
		while (o && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
		if (o)
			o--;
	}
	out[o] = '\0';
	return *in ? -1 : 0;
}

/* Keys of text folded (op_name_key_fold) from each of its first
 * KEY_STARTS characters on: any part of it is the start of one. */
static void suffix_keys(sqlite3_str *s, const char *text, int *n)
{
	char fold[1024];
	op_name_key_fold(text, fold, sizeof(fold));
	for (size_t i = 0, k = 0; fold[i] && k < KEY_STARTS; i++)
		if (((unsigned char)fold[i] & 0xc0) != 0x80) {
			json_key(s, fold + i, strlen(fold + i), n);
			k++;
		}
}

/* op_name_keys(name, email): a JSON array of the keys a customer is found
 * by, each matched by its beginning: the name (lower case, no blanks) and
 * the email from each of their characters on, so any part of them is the
 * start of a key ("张伟明", "伟明", "明"); and the name's pinyin from each
 * syllable on, in full and as initials ("zhangweiming", "zwm", "weiming",
 * "wm", …). */
static void keys_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	const char *email = argc > 1 ? (const char *)sqlite3_value_text(argv[1]) : NULL;
	char py[1024], full[1024], ini[256];
	const char *syl[KEY_STARTS];
	int n = 0, ns = 0;
	sqlite3_str *s;

	if (!in && !email) {
		sqlite3_result_null(ctx);
		return;
	}
	s = sqlite3_str_new(NULL);
	sqlite3_str_appendchar(s, 1, '[');
	if (email)
		suffix_keys(s, email, &n);
	if (in)
		suffix_keys(s, in, &n);
	if (in && to_pinyin(sqlite3_user_data(ctx), in, py, sizeof(py)) == 0) {
		for (char *p = strtok(py, " \t"); p && ns < KEY_STARTS; p = strtok(NULL, " \t"))
			syl[ns++] = p;
		for (int i = 0; i < ns; i++) {
			size_t fl = 0, il = 0;
			for (int j = i; j < ns; j++) {
				fl += (size_t)snprintf(full + fl, fl < sizeof(full) ? sizeof(full) - fl : 0,
						       "%s", syl[j]);
				if (il + 1 < sizeof(ini))
					ini[il++] = (char)tolower((unsigned char)syl[j][0]);
			}
			ini[il] = '\0';
			json_key(s, full, fl < sizeof(full) ? fl : sizeof(full) - 1, &n);
			json_key(s, ini, il, &n);
		}
	}
	sqlite3_str_appendchar(s, 1, ']');
	int len = sqlite3_str_length(s);
	char *out = sqlite3_str_finish(s);
	if (!out)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_text(ctx, out, len, sqlite3_free);
}

/* ICU's sort key of UTF-8 text s (n bytes) appended to str; 0 on success. */
static int append_sortkey(sqlite3_str *str, const UCollator *coll, const char *s, int n)
{
	UChar buf[512];
	uint8_t key[2048];
	int32_t len = 0;
	UErrorCode st = U_ZERO_ERROR;

	u_strFromUTF8(buf, 512, &len, s, n, &st);
	if (U_FAILURE(st) || len > 512)
		return -1;
	int32_t kl = ucol_getSortKey(coll, buf, len, key, sizeof(key));
	if (kl <= 0 || kl > (int32_t)sizeof(key))
		return -1;
	sqlite3_str_append(str, (const char *)key, kl);
	return 0;
}

/* op_name_sortkey(name): a BLOB whose byte order is the "name" collation's
 * (name_cmp): the sort key of the name with its surname read as a surname,
 * then that of the name itself, the tie-break. An index of these puts the
 * customers in name order without calling ICU per comparison. */
static void sortkey_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *in = (const char *)sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	const struct op_surname *sn;
	char k[256];
	int kl = n;
	sqlite3_str *s;

	(void)argc;
	if (!in) {
		sqlite3_result_null(ctx);
		return;
	}
	if ((sn = op_surname_of(in, (size_t)n)))
		kl = snprintf(k, sizeof(k), "%s%.*s", sn->proxy, n - (int)strlen(sn->hanzi),
			      in + strlen(sn->hanzi));
	if (!sn || kl >= (int)sizeof(k))
		kl = snprintf(k, sizeof(k), "%.*s", n, in) < (int)sizeof(k) ? n : -1;
	s = sqlite3_str_new(NULL);
	if (kl < 0 || append_sortkey(s, sqlite3_user_data(ctx), k, kl) < 0 ||
	    append_sortkey(s, sqlite3_user_data(ctx), in, n) < 0) {
		sqlite3_free(sqlite3_str_finish(s));
		sqlite3_result_blob(ctx, in, n, SQLITE_TRANSIENT);	/* too long: bytes */
		return;
	}
	int len = sqlite3_str_length(s);
	sqlite3_result_blob(ctx, sqlite3_str_finish(s), len, sqlite3_free);
}

/* The search keys of customers changed since the last search: the triggers
 * of 024 only note the row (they must run in a plain sqlite3 shell); the
 * keys are made here, with ICU, in one statement for all of them. */
static const char SQL_KEYS_ANY[] = "SELECT 1 FROM main.name_stale LIMIT 1";
static const char SQL_KEYS_DROP[] =
	"DELETE FROM main.customer_key WHERE rid IN (SELECT rid FROM main.name_stale)";
static const char SQL_SORT_DROP[] =
	"DELETE FROM main.customer_sortkey WHERE rid IN (SELECT rid FROM main.name_stale)";
static const char SQL_KEYS_MAKE[] =
	"INSERT OR IGNORE INTO main.customer_key(key, rid)"
	" SELECT j.value, c.rowid FROM main.name_stale s JOIN main.customer c ON c.rowid = s.rid,"
	"  json_each(op_name_keys(c.name, c.email)) j ORDER BY 1";	/* in index order */
static const char SQL_SORT_MAKE[] =
	"INSERT INTO main.customer_sortkey(rid, sk) SELECT c.rowid, op_name_sortkey(c.name)"
	"  FROM main.name_stale s JOIN main.customer c ON c.rowid = s.rid";
static const char SQL_KEYS_DONE[] = "DELETE FROM main.name_stale";

int op_db_name_keys(op_db *db)
{
	static const char *const sql[] = {
		SQL_KEYS_DROP, SQL_SORT_DROP, SQL_KEYS_MAKE, SQL_SORT_MAKE, SQL_KEYS_DONE
	};
	sqlite3_stmt *st;
	int own = !op_db_in_txn(db), rc;

	if (op_db_schema_max() < SCHEMA_NAME_KEYS || (db->flags & OP_DB_READONLY) || !db->coll)
		return 0;
	if (!(st = op_db_stmt(db, SQL_KEYS_ANY)) || (rc = op_db_step(db, st)) < 0)
		return -1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return 0;
	if (!pinyin_tr(db))	/* keys without pinyin would miss customers silently */
		return op_errf(&db->err, "cannot read names as pinyin: ICU has no \"%s\" "
				 "transliterator", PINYIN_RULES);
	if (own && op_db_begin(db, NULL) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (!(st = op_db_stmt(db, sql[i])) || op_db_run(db, st) < 0) {
			if (own)
				op_db_rollback(db);
			return op_errctx(&db->err, "cannot bring the name search keys up to date");
		}
	return own ? op_db_commit(db) : 0;
}

/* --- migrations --- */

/* The migration's SQL with the op_uuid7 token expanded. */
static char *expand_sql(const char *sql)
{
	static const char tok[] = "(op_uuid7)";
	size_t n = 0, toklen = sizeof(tok) - 1, explen = strlen(op_uuid7_sql);
	for (const char *p = sql; (p = strstr(p, tok)); p += toklen)
		n++;
	char *out = malloc(strlen(sql) + n * explen + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = sql, *q; ; p = q + toklen) {
		q = strstr(p, tok);
		size_t len = q ? (size_t)(q - p) : strlen(p);
		memcpy(o, p, len);
		o += len;
		if (!q)
			break;
		memcpy(o, op_uuid7_sql, explen);
		o += explen;
	}
	*o = '\0';
	return out;
}

int op_db_schema_version(op_db *db)
{
	sqlite3_stmt *st = op_db_stmt(db, "PRAGMA user_version");
	int v = -1;
	if (st && op_db_step(db, st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

static int migrate(op_db *db)
{
	int have = op_db_schema_version(db), max = op_db_schema_max();
	int want_journal = !(db->flags & OP_DB_NOJOURNAL);

	if (have < 0)
		return -1;
	if (have > max)
		return op_errc(&db->err, EX_DATAERR,
			       "store schema version %d is newer than this outpost "
			       "understands (%d); upgrade outpost", have, max);
	/* Up to date, the usual case: no write lock, so opening a store never
	 * waits for a writer (an import, the daemon's catch-up). */
	if (have == max && op_journal_current(db, want_journal))
		return 0;
	if (op_db_exec(db, "BEGIN IMMEDIATE") < 0)
		return op_db_fail(db, "cannot migrate");
	for (const struct op_migration *m = op_migrations; m->version; m++) {
		if (m->version <= have || m->version > max)
			continue;
		/* 025 turns typed local times into UTC with op_utc(): the zone
		 * is the one the migrations so far left in meta 'tz' */
		if (m->version >= 25 && !db->tz) {
			load_tz(db);
			register_tz(db);
		}
		char *sql = expand_sql(m->sql), pragma[64];
		if (!sql) {
			op_db_rollback(db);
			return op_errc(&db->err, EX_OSERR, "out of memory");
		}
		int rc = op_db_exec(db, sql);
		free(sql);
		if (rc < 0) {
			op_errctx(&db->err, "migration %s", m->name);
			op_db_rollback(db);
			return -1;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 m->version);
		if (op_db_exec(db, pragma) < 0) {
			op_db_rollback(db);
			return -1;
		}
	}
	/* Columns this upgrade brings were left out of what peers sent us:
	 * ask every peer for everything again (docs/SYNC.md, section 7). */
	if (have > 0 && op_tables_since_max() > have &&
	    op_db_exec(db, "UPDATE peer SET recv_ver = 0") < 0) {
		op_db_rollback(db);
		return -1;
	}
	if (op_journal_install(db, want_journal) < 0) {
		op_errctx(&db->err, "cannot install journal triggers");
		op_db_rollback(db);
		return -1;
	}
	if (op_db_exec(db, "COMMIT") < 0) {
		op_db_rollback(db);
		return -1;
	}
	return 0;
}

static int empty_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

int op_db_open(op_db **out, const char *path, int flags, op_err *e)
{
	op_db *db = calloc(1, sizeof(*db));
	int oflags = SQLITE_OPEN_NOMUTEX;
	UErrorCode ust = U_ZERO_ERROR;

	*out = NULL;
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return op_errc(e, EX_OSERR, "out of memory");
	}
	db->flags = flags;
	if (flags & OP_DB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE;
	if ((flags & OP_DB_CREATE) && !(flags & OP_DB_READONLY))
		oflags |= SQLITE_OPEN_CREATE;
	else if (access(path, F_OK) != 0) {
		op_errc(e, EX_NOINPUT, "no store at '%s' (run 'outpost init --site CODE' "
			"first, or pass --db)", path);
		goto fail;
	} else if (empty_file(path)) {
		/* SQLite would take it for a new database and migrate it into an
		 * empty store: a truncated or half-copied store must not vanish
		 * under a read command. */
		op_errc(e, EX_DATAERR, "store '%s' is an empty file (0 bytes), not an Outpost "
			"store: restore it from a backup ('outpost backup restore'), or remove "
			"it and run 'outpost init'", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &db->db, oflags, NULL) != SQLITE_OK) {
		op_errc(e, (flags & OP_DB_CREATE) ? EX_CANTCREAT : EX_NOINPUT,
			"cannot open store '%s': %s", path,
			db->db ? sqlite3_errmsg(db->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->db, 1);
	sqlite3_busy_handler(db->db, op_db_busy, db);
	db->coll = ucol_open("zh", &ust);
	if (U_SUCCESS(ust))
	{
		sqlite3_create_collation_v2(db->db, "pinyin", SQLITE_UTF8, db->coll,
					    pinyin_cmp, NULL);
		sqlite3_create_collation_v2(db->db, "name", SQLITE_UTF8, db->coll,
					    name_cmp, NULL);
		sqlite3_create_function(db->db, "op_name_sortkey", 1,
					SQLITE_UTF8 | SQLITE_DETERMINISTIC, db->coll, sortkey_fn,
					NULL, NULL);
	}
	/* the transliterator itself is built on first use (pinyin_tr) */
	sqlite3_create_function(db->db, "op_pinyin", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, db,
				pinyin_fn, NULL, NULL);
	sqlite3_create_function(db->db, "op_name_keys", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, db,
				keys_fn, NULL, NULL);
	if (op_db_exec(db, (flags & OP_DB_DAEMON) ? "PRAGMA foreign_keys = OFF"
					     : "PRAGMA foreign_keys = ON") < 0)
		goto fail_db;
	if (!(flags & OP_DB_READONLY)) {
		if (op_db_exec(db, "PRAGMA journal_mode = WAL") < 0)
			goto fail_db;
		/* A command's commit does not copy the log into the store
		 * (SQLite's automatic checkpoint, every 1000 pages) until the
		 * log is past OP_DB_WAL_MAX: beside a daemon the log holds the
		 * daemon's writes, and a clerk's `customer add` during a
		 * catch-up copied thousands of pages and synced the store. The
		 * daemon's own commits keep SQLite's checkpoint (without it
		 * the log it left was copied whole as it closed, and an upload
		 * took 14% longer), and it trims the log past that limit
		 * (op_db_wal_trim). */
		if (!(flags & OP_DB_DAEMON))
			sqlite3_wal_autocheckpoint(db->db, (int)(OP_DB_WAL_MAX / 4096));
		if (migrate(db) < 0)
			goto fail_db;
	} else if (op_db_schema_version(db) < 1) {
		op_errc(e, EX_DATAERR, "'%s' is not an Outpost store", path);
		goto fail;
	}
	load_site(db);
	load_tz(db);
	register_tz(db);
	*out = db;
	return 0;

fail_db:
	if ((sqlite3_extended_errcode(db->db) & 0xff) == SQLITE_NOTADB)
		/* a file of another kind given as --db: bad input, not a bug */
		op_errc(e, EX_DATAERR, "'%s' is not an Outpost store (not an SQLite "
			"database); pass the store with --db or $OUTPOST_DB", path);
	else
		op_errc(e, db->err.code ? db->err.code : EX_SOFTWARE, "%s: %s", path,
			db->err.msg);
fail:
	op_db_free(db);
	return -1;
}

void op_db_free(op_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nslots; i++)
		if (db->slots[i].st)
			sqlite3_finalize(db->slots[i].st);
	free(db->slots);
	if (db->db)
		sqlite3_close_v2(db->db);
	if (db->coll)
		ucol_close(db->coll);
	if (db->pinyin)
		utrans_close(db->pinyin);
	op_tz_free(db->tz);
	free(db->site);
	free(db->path);
	free(db);
}

void op_db_remove(const char *path)
{
	char p[4096];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-waiting", path);
	unlink(p);
}
