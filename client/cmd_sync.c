/*
 * cmd_sync.c — `outpost keys|peer|sync|conflicts`: the people's side of
 * sync. outpostd does the moving; these commands set it up and show how it
 * is going.
 *
 *   keys       this site's CURVE keypair, kept beside the store as Z85 text:
 *              <store>.key (the secret, mode 0600, read by outpostd) and
 *              <store>.pub (0644, what the other side is told).
 *   peer       HQ's allow-list: a peer row per branch with its public key;
 *              outpostd --hq accepts the keys of rows with revoked_at NULL.
 *              A branch instead pins HQ's key (meta 'hq_pubkey'). peer and
 *              meta are local tables: nothing written here is journaled.
 *   sync       status: in cmd_status.c (helpers shared through syncout.h).
 *   conflicts  the conflict log: list, show, resolve. Writing the value that
 *              lost (or a new one) is an ordinary local write inside
 *              op_db_begin, so the journal triggers record it and it syncs
 *              like any edit.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "cmds.h"
#include "conflict.h"
#include "syncout.h"
#include "record.h"
#include "tables.h"

#define KEY_LEN 40		/* a 32-byte CURVE key as Z85 text */
#define PATHSZ 4096

/* ------------------------------------------------------------ helpers */

/* Like cmd_begin, for commands that do not need the store open (keys live
 * beside it). -1 to go on, or the exit code to return. */
static int begin_nodb(struct op_cli *cli, int argc, char **argv,
		      struct cli_opt *spec)
{
	const char *pos[1];
	int npos, help, rc;

	if (cli_parse(cli, argc, argv, spec, pos, 0, &npos, &help) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (help) {
		cli_usage(cli->cmd, stdout);
		return 0;
	}
	return -1;
}

/* `--json` given after the command name works like the global option. */
void json_opt(struct op_cli *cli, const struct cli_opt *spec)
{
	if (cli_opt(spec, "json"))
		cli->fmt = OP_FMT_JSON;
}

int need_site(struct op_cli *cli)
{
	if (!op_db_site(cli->db))
		return op_errc(&cli->err, EX_CONFIG, "this store has no site yet; "
			       "run 'outpost init --site CODE' first");
	return 0;
}

/* A site code as `outpost init` takes it: 1-16 of [A-Za-z0-9_-], stored
 * upper case. 0, or -1 with cli->err set. */
static int site_code(struct op_cli *cli, const char *in, char out[17])
{
	size_t len = strlen(in);

	if (len == 0 || len > 16)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)in[i]) && in[i] != '-' && in[i] != '_')
			goto bad;
		out[i] = (char)toupper((unsigned char)in[i]);
	}
	out[len] = '\0';
	return 0;
bad:
	return op_errc(&cli->err, EX_DATAERR, "site: '%s' is not a site code "
		       "(1-16 letters, digits, '-' or '_')", in);
}

/* One integer from the first column of a one-row query; *isnull says the
 * value was NULL (then *v is 0). 0 or -1 with the db error set. */
int one_int(op_db *db, sqlite3_stmt *st, int64_t *v, int *isnull)
{
	int rc = op_db_step(db, st);

	*v = 0;
	if (isnull)
		*isnull = 1;
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(st, 0);
		if (isnull)
			*isnull = 0;
	}
	sqlite3_reset(st);
	return 0;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "42s", "5m 03s", "2h 10m", "3d 4h": an age for people. */
void fmt_age(char *out, size_t n, int64_t s)
{
	if (s < 60)
		snprintf(out, n, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(out, n, "%" PRId64 "m %02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, n, "%" PRId64 "h %02" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(out, n, "%" PRId64 "d %" PRId64 "h", s / 86400, s % 86400 / 3600);
}


void rec_put(struct rec *r, const char *name, const char *v,
		    enum op_kind k)
{
	if (r->n >= REC_MAX)
		return;
	r->names[r->n] = name;
	r->vals[r->n] = v ? strdup(v) : NULL;
	r->kinds[r->n] = r->vals[r->n] ? k : OP_K_NULL;
	r->n++;
}

void rec_int(struct rec *r, const char *name, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	rec_put(r, name, buf, OP_K_INT);
}

/* Column i of the current row of st, NULL staying NULL. */
void rec_col(struct rec *r, const char *name, sqlite3_stmt *st, int i)
{
	int t = sqlite3_column_type(st, i);
	rec_put(r, name, (const char *)sqlite3_column_text(st, i),
		t == SQLITE_INTEGER ? OP_K_INT : t == SQLITE_FLOAT ? OP_K_REAL :
		OP_K_TEXT);
}

void rec_clear(struct rec *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->vals[i]);
	r->n = 0;
}

void rec_print(struct op_cli *cli, const struct rec *r)
{
	op_out_record(cli->out, cli->fmt, r->n, r->names,
		      (const char *const *)r->vals, r->kinds);
}

/* The fields of r as JSON members, without the braces. */
void rec_json_members(FILE *fp, const struct rec *r)
{
	for (int i = 0; i < r->n; i++) {
		if (i)
			fputs(", ", fp);
		op_json_str(fp, r->names[i]);
		fputs(": ", fp);
		if (!r->vals[i])
			fputs("null", fp);
		else if (r->kinds[i] == OP_K_INT || r->kinds[i] == OP_K_REAL)
			fputs(r->vals[i], fp);
		else
			op_json_str(fp, r->vals[i]);
	}
}

/* ------------------------------------------------------------ keys */

static const char Z85[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	".-:+=^!/*?&<>()[]{}@%$#";

/* Check that in is a CURVE key in Z85 text and copy it to out. Blanks
 * around it are ignored (keys get pasted). 0, or -1 with e set
 * (EX_DATAERR, the message starting with what). */
static int z85_key(char out[KEY_LEN + 1], const char *in, const char *what,
		   op_err *e)
{
	uint8_t bin[32];
	size_t n;

	while (isspace((unsigned char)*in))
		in++;
	n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	if (n != KEY_LEN)
		return op_errc(e, EX_DATAERR, "%s: a CURVE public key is %d Z85 "
			       "characters, not %zu", what, KEY_LEN, n);
	for (size_t i = 0; i < n; i++)
		if (!strchr(Z85, in[i]))
			return op_errc(e, EX_DATAERR, "%s: character %zu is not "
				       "in the Z85 alphabet", what, i + 1);
	memcpy(out, in, n);
	out[n] = '\0';
	if (!zmq_z85_decode(bin, out))
		return op_errc(e, EX_DATAERR, "%s: not a Z85-encoded key: %s", what,
			       zmq_strerror(zmq_errno()));
	return 0;
}

static int key_paths(struct op_cli *cli, char *sec, char *pub, size_t n)
{
	if ((size_t)snprintf(sec, n, "%s.key", cli->db_path) >= n ||
	    (size_t)snprintf(pub, n, "%s.pub", cli->db_path) >= n)
		return op_errc(&cli->err, EX_USAGE, "store path '%s' is too long",
			       cli->db_path);
	return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write text into path, ending with exactly `mode`. With excl the file is
 * created by this call (O_EXCL: an existing file is an error). Otherwise a
 * private temporary file beside it is renamed over it, so no reader sees
 * half a key and a replaced secret is never world-readable on the way.
 * 0, or -1 with cli->err set. */
static int put_file(struct op_cli *cli, const char *path, const char *text,
		    mode_t mode, int excl)
{
	char tmp[PATHSZ];
	const char *made = path;
	int fd, err;

	if (excl) {
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	} else {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
			return op_errc(&cli->err, EX_CANTCREAT, "'%s': path too long", path);
		fd = mkostemp(tmp, O_CLOEXEC);	/* O_EXCL, mode 0600 */
		made = tmp;
	}
	if (fd < 0) {
		if (excl && errno == EEXIST)
			return op_errc(&cli->err, EX_CANTCREAT, "'%s' already exists: this "
				       "site has keys ('outpost keys show'); --force makes new "
				       "ones, and the other side must then be told the new "
				       "public key", path);
		return op_errc(&cli->err, EX_CANTCREAT, "cannot create '%s': %s", made,
			       strerror(errno));
	}
	/* fchmod: the mode is exact whatever the umask */
	if (write_all(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0 ||
	    fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlink(made);
		return op_errc(&cli->err, EX_IOERR, "cannot write '%s': %s", made,
			       strerror(err));
	}
	if (close(fd) < 0) {
		err = errno;
		unlink(made);
		return op_errc(&cli->err, EX_IOERR, "cannot write '%s': %s", made,
			       strerror(err));
	}
	if (!excl && rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		return op_errc(&cli->err, EX_CANTCREAT, "cannot replace '%s': %s",
			       path, strerror(err));
	}
	return 0;
}

/* This site's public key from <store>.pub. 0, or -1 with cli->err set:
 * EX_NOINPUT when there are no keys yet. */
static int read_pub(struct op_cli *cli, char out[KEY_LEN + 1])
{
	char sec[PATHSZ], pub[PATHSZ], line[256];
	FILE *fp;

	if (key_paths(cli, sec, pub, sizeof(pub)) < 0)
		return -1;
	if (!(fp = fopen(pub, "re"))) {
		if (errno == ENOENT)
			return op_errc(&cli->err, EX_NOINPUT,
				       "no keys yet; run 'outpost keys init'");
		return op_errc(&cli->err, EX_NOINPUT, "cannot read '%s': %s", pub,
			       strerror(errno));
	}
	if (!fgets(line, sizeof(line), fp))
		line[0] = '\0';
	fclose(fp);
	return z85_key(out, line, pub, &cli->err);
}

static int cmd_keys_init(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "force", 1, NULL }, { NULL, 0, NULL } };
	char pub[KEY_LEN + 1], sec[KEY_LEN + 1], line[KEY_LEN + 2];
	char secpath[PATHSZ], pubpath[PATHSZ];
	int rc, force;

	if ((rc = begin_nodb(cli, argc, argv, spec)) >= 0)
		return rc;
	force = cli_opt(spec, "force") != NULL;
	if (key_paths(cli, secpath, pubpath, sizeof(secpath)) < 0)
		return cli_fail(cli);
	if (zmq_curve_keypair(pub, sec) != 0)
		return cli_error(cli, EX_UNAVAILABLE, "cannot make a CURVE keypair: %s",
				 zmq_strerror(zmq_errno()));
	snprintf(line, sizeof(line), "%s\n", sec);
	/* Without --force the secret is created, never overwritten: that
	 * O_EXCL is also what stops two runs racing each other. */
	rc = put_file(cli, secpath, line, 0600, !force);
	explicit_bzero(sec, sizeof(sec));
	explicit_bzero(line, sizeof(line));
	if (rc < 0)
		return cli_fail(cli);
	snprintf(line, sizeof(line), "%s\n", pub);
	if (put_file(cli, pubpath, line, 0644, 0) < 0) {
		/* a secret without its public half is useless: start over */
		if (!force)
			unlink(secpath);
		return cli_fail(cli);
	}
	fprintf(cli->out, "%s\n", pub);
	fprintf(stderr, _("%s: secret key in %s (mode 600, for outpostd only); "
		"public key in %s\n"), cli->prog, secpath, pubpath);
	if (force)
		fprintf(stderr, _("%s: restart outpostd, and give the new public key "
			"to the other side (HQ: 'outpost peer enrol'; branches: "
			"'outpost peer hq')\n"), cli->prog);
	return 0;
}

static int cmd_keys_show(struct op_cli *cli, int argc, char **argv)
{
	char pub[KEY_LEN + 1];
	int rc;

	if ((rc = begin_nodb(cli, argc, argv, NULL)) >= 0)
		return rc;
	if (read_pub(cli, pub) < 0)
		return cli_fail(cli);
	fprintf(cli->out, "%s\n", pub);
	return 0;
}

/* ------------------------------------------------------------ peer */

static const char SQL_PEER_GET[] =
	"SELECT pubkey, revoked_at FROM peer WHERE site = :s";
static const char SQL_PEER_BY_KEY[] =
	"SELECT site FROM peer WHERE pubkey = :k AND site <> :s";
static const char SQL_PEER_ENROL[] =
	"INSERT INTO peer(site, pubkey) VALUES (:s, :k)"
	" ON CONFLICT(site) DO UPDATE SET pubkey = excluded.pubkey, revoked_at = NULL";
static const char SQL_PEER_REVOKE[] =
	"UPDATE peer SET revoked_at = datetime('now') WHERE site = :s";
static const char SQL_PEER_LIST[] =
	"SELECT site,"
	"       CASE WHEN :full OR pubkey IS NULL THEN pubkey"
	"            ELSE substr(pubkey, 1, 12) || '…' END AS pubkey,"
	"       enrolled_at, revoked_at, last_contact"
	"  FROM peer ORDER BY site";

/* Refuse this store's own public key where the other side's is wanted. */
static int not_own_key(struct op_cli *cli, const char *key, const char *hint)
{
	char own[KEY_LEN + 1];
	int same = read_pub(cli, own) == 0 && strcmp(own, key) == 0;

	op_err_clear(&cli->err);
	if (same)
		return op_errc(&cli->err, EX_DATAERR, "that is this store's own "
			       "public key; %s", hint);
	return 0;
}

static int cmd_peer_enrol(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[2];
	char site[17], key[KEY_LEN + 1], other[64], old[KEY_LEN + 1] = "";
	int npos, rc, existed = 0, revoked = 0;
	op_db *db;
	sqlite3_stmt *st;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 2, 2, &npos)) >= 0)
		return rc;
	db = cli->db;
	if (need_site(cli) < 0)
		return cli_fail(cli);
	if (!op_db_is_hq(db))
		return cli_error(cli, EX_NOPERM, "only HQ enrols branches");
	if (site_code(cli, pos[0], site) < 0 ||
	    z85_key(key, pos[1], "pubkey", &cli->err) < 0 ||
	    not_own_key(cli, key, "enrol the key 'outpost keys init' printed on "
			"the branch") < 0)
		return cli_fail(cli);
	if (strcmp(site, op_db_site(db)) == 0)
		return cli_error(cli, EX_DATAERR, "%s is this store's own site", site);

	if (op_db_begin(db, cli->as) < 0)
		return cli_fail(cli);
	if (!(st = op_db_stmt(db, SQL_PEER_BY_KEY)) ||
	    op_bind_text(db, st, ":k", key) < 0 || op_bind_text(db, st, ":s", site) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		goto fail;
	if (rc == SQLITE_ROW) {
		snprintf(other, sizeof(other), "%s", sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		op_errc(&cli->err, EX_DATAERR, "that key is already enrolled for %s; "
			"each branch makes its own keypair", other);
		goto fail;
	}
	sqlite3_reset(st);
	if (!(st = op_db_stmt(db, SQL_PEER_GET)) || op_bind_text(db, st, ":s", site) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		goto fail;
	if (rc == SQLITE_ROW) {
		existed = 1;
		revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			snprintf(old, sizeof(old), "%s", sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (!(st = op_db_stmt(db, SQL_PEER_ENROL)) || op_bind_text(db, st, ":s", site) < 0 ||
	    op_bind_text(db, st, ":k", key) < 0 || op_db_run(db, st) < 0 ||
	    op_db_commit(db) < 0)
		goto fail;

	if (!existed)
		fprintf(cli->out, _("enrolled %s (key %.12s…)\n"), site, key);
	else if (revoked)
		fprintf(cli->out, _("enrolled %s again (key %.12s…); its revocation is "
			"lifted\n"), site, key);
	else if (strcmp(old, key) == 0)
		fprintf(cli->out, _("%s is already enrolled with this key\n"), site);
	else
		fprintf(cli->out, _("%s now uses key %.12s…; the old key is no longer "
			"accepted\n"), site, key);
	return 0;
fail:
	op_db_rollback(db);
	return cli_fail(cli);
}

static int cmd_peer_revoke(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	char site[17];
	int npos, rc;
	op_db *db;
	sqlite3_stmt *st;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	db = cli->db;
	if (need_site(cli) < 0)
		return cli_fail(cli);
	/* Only HQ's peer rows are an allow-list; a branch pins HQ by key. */
	if (!op_db_is_hq(db))
		return cli_error(cli, EX_NOPERM, "only HQ revokes branches");
	if (site_code(cli, pos[0], site) < 0)
		return cli_fail(cli);
	if (op_db_begin(db, cli->as) < 0)
		return cli_fail(cli);
	if (!(st = op_db_stmt(db, SQL_PEER_GET)) || op_bind_text(db, st, ":s", site) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		goto fail;
	if (rc != SQLITE_ROW) {
		op_errc(&cli->err, EX_NOINPUT, "no enrolled site '%s' ('outpost peer "
			"list' shows them)", site);
		goto fail;
	}
	int already = sqlite3_column_type(st, 1) != SQLITE_NULL;
	sqlite3_reset(st);
	if (already) {
		op_db_rollback(db);
		fprintf(cli->out, _("%s was already revoked\n"), site);
		return 0;
	}
	if (!(st = op_db_stmt(db, SQL_PEER_REVOKE)) || op_bind_text(db, st, ":s", site) < 0 ||
	    op_db_run(db, st) < 0 || op_db_commit(db) < 0)
		goto fail;
	fprintf(cli->out, _("revoked %s: its key is no longer accepted\n"), site);
	return 0;
fail:
	op_db_rollback(db);
	return cli_fail(cli);
}

static int cmd_peer_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "json", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;
	sqlite3_stmt *st;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	json_opt(cli, spec);
	/* people get a recognisable prefix, programs the whole key */
	if (!(st = op_db_stmt(cli->db, SQL_PEER_LIST)) ||
	    op_bind_int(cli->db, st, ":full", cli->fmt != OP_FMT_TABLE) < 0)
		return cli_fail(cli);
	return cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}

static int cmd_peer_hq(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	char key[KEY_LEN + 1], *old = NULL;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (need_site(cli) < 0)
		return cli_fail(cli);
	if (op_db_is_hq(cli->db))
		return cli_error(cli, EX_NOPERM, "HQ does not pin a key of its own; "
				 "run 'outpost peer hq' on each branch");
	if (z85_key(key, pos[0], "pubkey", &cli->err) < 0 ||
	    not_own_key(cli, key, "give the key 'outpost keys show' prints at HQ") < 0)
		return cli_fail(cli);
	old = op_db_meta_get(cli->db, "hq_pubkey");
	if (op_db_meta_set(cli->db, "hq_pubkey", key) < 0) {
		free(old);
		return cli_fail(cli);
	}
	if (old && strcmp(old, key) != 0)
		fprintf(cli->out, _("pinned HQ's key %.12s… (replacing %.12s…); "
			"restart outpostd to use it\n"), key, old);
	else
		fprintf(cli->out, _("pinned HQ's key %.12s…\n"), key);
	free(old);
	return 0;
}

/* ------------------------------------------------------------ conflicts */

#define CONFLICT_COLS \
	"id, at, tbl, gid, col, kept, kept_site, lost, lost_site, reason," \
	" resolved_at, resolved_by, resolution, kept_hlc, lost_hlc"
enum { C_ID, C_AT, C_TBL, C_GID, C_COL, C_KEPT, C_KEPT_SITE, C_LOST,
       C_LOST_SITE, C_REASON, C_RES_AT, C_RES_BY, C_RES, C_KEPT_HLC,
       C_LOST_HLC };

static const char SQL_CF_OPEN[] =
	"SELECT " CONFLICT_COLS " FROM conflict WHERE resolved_at IS NULL ORDER BY id";
static const char SQL_CF_ALL[] =
	"SELECT " CONFLICT_COLS " FROM conflict ORDER BY id";
static const char SQL_CF_GET[] =
	"SELECT " CONFLICT_COLS " FROM conflict WHERE id = :id";
/* HLCs are milliseconds << 16 plus a counter (daemon/sync.c). */
static const char SQL_HLC_TIME[] =
	"SELECT datetime((:h >> 16) / 1000, 'unixepoch')";

/* Row lookups by table, prepared on first use from the table description's
 * constant names (never from data) and finalized together. */
struct rowq {
	op_db *db;
	sqlite3_stmt *label[64];
};

static void rowq_free(struct rowq *q)
{
	for (int i = 0; i < 64; i++)
		sqlite3_finalize(q->label[i]);
}

/* The human label of row gid ("张三") into out. 1, 0 when the row is gone,
 * -1 on error. */
static int row_label(struct rowq *q, const struct op_table *t, const char *gid,
		     char *out, size_t n)
{
	int i = (int)(t - op_tables), rc;
	sqlite3_stmt *st;

	out[0] = '\0';
	if (i < 0 || i >= 64)
		return -1;
	if (!q->label[i] && !(q->label[i] = op_conflict_row_stmt(q->db, t, t->label_sql, 0)))
		return -1;
	st = q->label[i];
	sqlite3_reset(st);
	if (op_bind_text(q->db, st, ":id", gid) < 0 || (rc = op_db_step(q->db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

static void table_name(char *out, size_t n, const struct op_table *t, int64_t num)
{
	if (t)
		snprintf(out, n, "%s", t->name);
	else
		snprintf(out, n, "table#%" PRId64, num);
}

/* A stored value for people: money as 12.34; with max > 0, text cut to max
 * characters and line breaks as spaces. NULL stays NULL; else malloc'd. */
static char *value_text(const struct op_table *t, int64_t col,
			sqlite3_stmt *st, int i, size_t max)
{
	const struct op_field *f = op_conflict_field(t, col);
	const char *v = (const char *)sqlite3_column_text(st, i);
	char *out;

	if (!v)
		return NULL;
	if (f && f->kind == F_MONEY && sqlite3_column_type(st, i) == SQLITE_INTEGER) {
		char buf[32];
		rec_money(buf, sizeof(buf), sqlite3_column_int64(st, i));
		return strdup(buf);
	}
	if (!(out = strdup(v)))
		return NULL;
	size_t chars = 0, k = 0;
	for (; out[k]; k++) {
		if (((unsigned char)out[k] & 0xc0) != 0x80 && max && chars++ == max)
			break;
		if (out[k] == '\n' || out[k] == '\r' || out[k] == '\t')
			out[k] = ' ';
	}
	if (out[k] && max) {
		char *cut = malloc(k + sizeof("…"));
		if (cut) {
			memcpy(cut, out, k);
			memcpy(cut + k, "…", sizeof("…"));
		}
		free(out);
		out = cut;
	}
	return out;
}

static void rec_value(struct rec *r, const char *name, const struct op_table *t,
		      int64_t col, sqlite3_stmt *st, int i, int human, size_t max)
{
	if (!human) {
		rec_col(r, name, st, i);
		return;
	}
	char *v = value_text(t, col, st, i, max);
	rec_put(r, name, v, OP_K_TEXT);
	free(v);
}

static int conflict_id(struct op_cli *cli, const char *s, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return op_errc(&cli->err, EX_USAGE, "'%s' is not a conflict number "
			       "('outpost conflicts list' shows them)", s);
	*id = v;
	return 0;
}

static int cmd_conflicts_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "all", 1, NULL }, { "json", 1, NULL },
				  { NULL, 0, NULL } };
	static const char *const names[] = {
		"id", "at", "table", "row", "column", "kept", "kept_site", "lost",
		"lost_site", "reason", "resolved_at", "resolution",
	};
	const char *pos[1];
	int npos, rc, all, human, ncols;
	struct rowq q = { 0 };
	struct rec r = { 0 };
	sqlite3_stmt *st;
	op_out *o;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	json_opt(cli, spec);
	all = cli_opt(spec, "all") != NULL;
	human = cli->fmt == OP_FMT_TABLE;
	ncols = all ? 12 : 10;
	q.db = cli->db;
	if (!(st = op_db_stmt(cli->db, all ? SQL_CF_ALL : SQL_CF_OPEN)))
		return cli_fail(cli);
	o = op_out_new(cli->out, cli->fmt);
	/* programs get the whole row id and the label apart */
	if (human) {
		op_out_cols(o, ncols, names);
	} else {
		const char *cols[14];
		int k = 0;
		for (int i = 0; i < ncols; i++) {
			cols[k++] = names[i];
			if (i == 3)
				cols[k++] = "label";
		}
		op_out_cols(o, k, cols);
	}
	while ((rc = op_db_step(cli->db, st)) == SQLITE_ROW) {
		int64_t tnum = sqlite3_column_int64(st, C_TBL), col = sqlite3_column_int64(st, C_COL);
		const struct op_table *t = op_table_by_num((uint64_t)tnum);
		const char *gid = (const char *)sqlite3_column_text(st, C_GID);
		char tname[32], cname[64], label[256], rowbuf[300];
		int found = t ? row_label(&q, t, gid, label, sizeof(label)) : 0;

		if (found < 0)
			break;
		table_name(tname, sizeof(tname), t, tnum);
		op_conflict_column(cname, sizeof(cname), t, col);
		rec_col(&r, "id", st, C_ID);
		rec_col(&r, "at", st, C_AT);
		rec_put(&r, "table", tname, OP_K_TEXT);
		if (human) {
			/* the random tail, as lists show it (the head is a time) */
			size_t gl = strlen(gid);
			snprintf(rowbuf, sizeof(rowbuf), "%s %s", gid + (gl > 8 ? gl - 8 : 0),
				 found ? label : "(gone)");
			rec_put(&r, "row", rowbuf, OP_K_TEXT);
		} else {
			rec_put(&r, "row", gid, OP_K_TEXT);
			rec_put(&r, "label", found ? label : NULL, OP_K_TEXT);
		}
		rec_put(&r, "column", cname, OP_K_TEXT);
		rec_value(&r, "kept", t, col, st, C_KEPT, human, 24);
		rec_col(&r, "kept_site", st, C_KEPT_SITE);
		rec_value(&r, "lost", t, col, st, C_LOST, human, 24);
		rec_col(&r, "lost_site", st, C_LOST_SITE);
		rec_col(&r, "reason", st, C_REASON);
		if (all) {
			rec_col(&r, "resolved_at", st, C_RES_AT);
			rec_col(&r, "resolution", st, C_RES);
		}
		op_out_row(o, (const char *const *)r.vals, r.kinds);
		rec_clear(&r);
	}
	sqlite3_reset(st);
	op_out_end(o);
	rec_clear(&r);
	rowq_free(&q);
	return rc == SQLITE_DONE ? 0 : cli_fail(cli);
}

/* The time part of an HLC, for people. */
static void rec_hlc_time(struct rec *r, const char *name, op_db *db,
			 sqlite3_stmt *cf, int i)
{
	sqlite3_stmt *st;
	if (sqlite3_column_type(cf, i) == SQLITE_NULL ||
	    !(st = op_db_stmt(db, SQL_HLC_TIME)) ||
	    op_bind_int(db, st, ":h", sqlite3_column_int64(cf, i)) < 0) {
		rec_put(r, name, NULL, OP_K_TEXT);
		return;
	}
	if (op_db_step(db, st) == SQLITE_ROW)
		rec_col(r, name, st, 0);
	else
		rec_put(r, name, NULL, OP_K_TEXT);
	sqlite3_reset(st);
}

static int cmd_conflicts_show(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "json", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc, human, found = 0;
	int64_t id;
	struct rowq q = { 0 };
	struct rec r = { 0 };
	sqlite3_stmt *st, *cur = NULL;
	op_db *db;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	json_opt(cli, spec);
	if (conflict_id(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	db = q.db = cli->db;
	human = cli->fmt == OP_FMT_TABLE;
	if (!(st = op_db_stmt(db, SQL_CF_GET)) || op_bind_int(db, st, ":id", id) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return cli_fail(cli);
	if (rc != SQLITE_ROW)
		return cli_error(cli, EX_NOINPUT, "no conflict %" PRId64, id);

	int64_t tnum = sqlite3_column_int64(st, C_TBL), col = sqlite3_column_int64(st, C_COL);
	const struct op_table *t = op_table_by_num((uint64_t)tnum);
	const char *gid = (const char *)sqlite3_column_text(st, C_GID);
	char tname[32], cname[64], label[256];
	rc = -1;
	if (t && (found = row_label(&q, t, gid, label, sizeof(label))) < 0)
		goto out;
	table_name(tname, sizeof(tname), t, tnum);
	op_conflict_column(cname, sizeof(cname), t, col);
	rec_col(&r, "id", st, C_ID);
	rec_col(&r, "at", st, C_AT);
	rec_put(&r, "table", tname, OP_K_TEXT);
	rec_put(&r, "row", gid, OP_K_TEXT);
	rec_put(&r, "label", found ? label : human ? "(row no longer exists)" : NULL,
		OP_K_TEXT);
	rec_put(&r, "column", cname, OP_K_TEXT);
	rec_value(&r, "kept", t, col, st, C_KEPT, human, 0);
	rec_col(&r, "kept_site", st, C_KEPT_SITE);
	rec_hlc_time(&r, "kept_time", db, st, C_KEPT_HLC);
	rec_value(&r, "lost", t, col, st, C_LOST, human, 0);
	rec_col(&r, "lost_site", st, C_LOST_SITE);
	rec_hlc_time(&r, "lost_time", db, st, C_LOST_HLC);
	/* what the row holds now: later edits may have moved on */
	if (found && col >= 1 && col < t->ncols) {
		if (!(cur = op_conflict_row_stmt(db, t, t->cols[col].name, 1)) ||
		    op_bind_text(db, cur, ":id", gid) < 0 || op_db_step(db, cur) != SQLITE_ROW)
			goto out;
		rec_value(&r, "current", t, col, cur, 0, human, 0);
	} else {
		rec_put(&r, "current", NULL, OP_K_TEXT);
	}
	rec_col(&r, "reason", st, C_REASON);
	rec_col(&r, "resolved_at", st, C_RES_AT);
	rec_col(&r, "resolved_by", st, C_RES_BY);
	rec_col(&r, "resolution", st, C_RES);
	rec_col(&r, "kept_hlc", st, C_KEPT_HLC);
	rec_col(&r, "lost_hlc", st, C_LOST_HLC);
	rec_print(cli, &r);
	rc = 0;
out:
	sqlite3_reset(st);
	sqlite3_finalize(cur);
	rec_clear(&r);
	rowq_free(&q);
	return rc < 0 ? cli_fail(cli) : 0;
}

static int cmd_conflicts_resolve(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "keep", 0, NULL }, { "value", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1];
	struct op_conflict_done d;
	int npos, rc;
	int64_t id;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (conflict_id(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	if (op_conflict_resolve(&cli->ctx, id, cli_opt(spec, "keep"), cli_opt(spec, "value"),
				&d) < 0) {
		rc = cli_fail(cli);
		if (cli->err.code == EX_USAGE)
			cli_usage(cli->cmd, stderr);
		return rc;
	}
	fprintf(cli->out, _("resolved conflict %" PRId64 " (%s): "), id, d.how);
	if (d.t)
		fprintf(cli->out, "%s %s%s%s, %s", d.t->name, cli_short_id(d.gid),
			*d.label ? " " : "", d.label, d.col);
	else
		fprintf(cli->out, "table#%" PRId64 " %s, %s", d.tnum, cli_short_id(d.gid), d.col);
	fputs(strcmp(d.how, "kept") == 0 ? _(" stays as it is\n") :
	      _(" written; it syncs like any edit\n"), cli->out);
	op_conflict_done_free(&d);
	return 0;
}

const struct op_cmd op_cmds_sync[] = {
	{ "keys", "init", cmd_keys_init, "keys init [--force]",
	  "make this site's CURVE keypair (<store>.key secret, <store>.pub public)" },
	{ "keys", "show", cmd_keys_show, "keys show",
	  "print this site's public key" },
	{ "peer", "enrol", cmd_peer_enrol, "peer enrol SITE PUBKEY",
	  "HQ: accept branch SITE, known by its public key" },
	{ "peer", "revoke", cmd_peer_revoke, "peer revoke SITE",
	  "HQ: stop accepting branch SITE" },
	{ "peer", "list", cmd_peer_list, "peer list [--json]",
	  "the sites this store syncs with" },
	{ "peer", "hq", cmd_peer_hq, "peer hq PUBKEY",
	  "branch: pin HQ's public key (outpostd talks to nothing else)" },
	{ "conflicts", "list", cmd_conflicts_list, "conflicts list [--all] [--json]",
	  "concurrent edits waiting for review (--all: resolved ones too)" },
	{ "conflicts", "show", cmd_conflicts_show, "conflicts show ID [--json]",
	  "one conflict in full, with the row's current value" },
	{ "conflicts", "resolve", cmd_conflicts_resolve,
	  "conflicts resolve ID --keep kept|lost | --value V",
	  "settle a conflict; a value written back syncs like any edit" },
	{ NULL, NULL, NULL, NULL, NULL },
};
