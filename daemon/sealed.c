/*
 * sealed.c — the encrypted off-site backup (see sealed.h for the format).
 *
 * Push walks the commits the backup lacks (ours, hiding the last pushed
 * one), has libgit2's packbuilder write their objects as one packfile and
 * encrypts the pack as it streams out. Unpack decrypts each file in push
 * order into git's indexer, in a fresh bare repository, and points main
 * at the last commit: the result is an ordinary history repository that
 * `history log|show|customer|restore` read like the live one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include <sodium.h>
#include "history_int.h"
#include "sealed.h"

#define MARKER "OUTPOST-BACKUP"
#define MARKER_HEAD "outpost sealed history v1\n"
#define MAGIC "OPSEAL1\n"
#define MAGIC_LEN 8
#define FKEY crypto_secretstream_xchacha20poly1305_KEYBYTES
#define SEALED_FKEY (crypto_box_SEALBYTES + FKEY)
#define HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define CHUNK 65536

static int hex_to_bin(unsigned char *out, size_t n, const char *hex)
{
	size_t len;
	return sodium_hex2bin(out, n, hex, strlen(hex), NULL, &len, NULL) == 0 && len == n
		? 0 : -1;
}

int op_sealed_keygen(const char *secret_path, char pk_hex[65], op_err *e)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	char sk_hex[2 * crypto_box_SECRETKEYBYTES + 1];
	int fd, rc = -1;

	if (sodium_init() < 0)
		return op_errc(e, EX_SOFTWARE, "libsodium failed to start");
	fd = open(secret_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 && errno == EEXIST)
		return op_errc(e, EX_CANTCREAT, "cannot create the key file '%s': %s "
			       "(a key is never overwritten)", secret_path, strerror(errno));
	if (fd < 0)
		return op_errc(e, EX_IOERR, "cannot create the key file '%s': %s",
			       secret_path, strerror(errno));
	crypto_box_keypair(pk, sk);
	sodium_bin2hex(sk_hex, sizeof(sk_hex), sk, sizeof(sk));
	sodium_bin2hex(pk_hex, 65, pk, sizeof(pk));
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		op_errc(e, EX_IOERR, "cannot write '%s': %s", secret_path, strerror(errno));
		goto out;
	}
	fprintf(fp, "# outpost backup secret key: keep it off the PC; restores need it\n"
		"secret %s\npublic %s\n", sk_hex, pk_hex);
	if (fclose(fp) != 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", secret_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk_hex, sizeof(sk_hex));
	if (rc < 0)
		unlink(secret_path);
	return rc;
}

/* The key file's keypair; 0 or -1 with e set. */
static int read_key(const char *path, unsigned char pk[32], unsigned char sk[32], op_err *e)
{
	FILE *fp = fopen(path, "r");
	char line[256];
	int have = 0;
	if (!fp)
		return op_errc(e, EX_NOINPUT, "key: cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "secret ", 7) == 0 && hex_to_bin(sk, 32, line + 7) == 0)
			have |= 1;
		else if (strncmp(line, "public ", 7) == 0 && hex_to_bin(pk, 32, line + 7) == 0)
			have |= 2;
	}
	sodium_memzero(line, sizeof(line));
	fclose(fp);
	if (have != 3)
		return op_errc(e, EX_DATAERR, "key: '%s' is not an outpost backup key "
			       "(made by 'outpost history keygen')", path);
	return 0;
}

int op_sealed_is_backup(const char *dir)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/" MARKER, dir);
	return access(p, F_OK) == 0;
}

/* The recipient of backup dir (hex, 64 characters) into pk_hex; 0, or -1. */
static int backup_recipient(const char *dir, char pk_hex[65], op_err *e)
{
	char p[4096], line[160];
	snprintf(p, sizeof(p), "%s/" MARKER, dir);
	FILE *fp = fopen(p, "r");
	int ok = 0;
	if (!fp)
		return op_errc(e, EX_NOINPUT, "'%s' is not an outpost backup: %s", dir, strerror(errno));
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "recipient ", 10) == 0 && strlen(line) >= 74) {
			snprintf(pk_hex, 65, "%.64s", line + 10);
			ok = 1;
		}
	fclose(fp);
	return ok ? 0 : op_errc(e, EX_DATAERR, "'%s/" MARKER "' names no recipient key", dir);
}

/* The backup's files in push order (names "NNNNNN-<40 hex>.sealed"). */
struct files {
	char **name;
	size_t n;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->name[i]);
	free(f->name);
}

static int list_files(const char *dir, struct files *f, op_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	memset(f, 0, sizeof(*f));
	if (!d)
		return op_errc(e, EX_IOERR, "cannot read '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l != 6 + 1 + 40 + 7 || strcmp(de->d_name + 47, ".sealed") != 0)
			continue;
		char **nn = realloc(f->name, (f->n + 1) * sizeof(*nn));
		if (nn)
			f->name = nn;
		if (!nn || !(nn[f->n] = strdup(de->d_name))) {
			closedir(d);
			files_free(f);
			return op_errc(e, EX_OSERR, "out of memory");
		}
		f->n++;
	}
	closedir(d);
	if (f->n > 1)
		qsort(f->name, f->n, sizeof(*f->name), cmp_names);
	return 0;
}

/* --- push --- */

struct writer {
	FILE *fp;
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char buf[CHUNK];
	size_t len;
	int failed;
};

static int put_chunk(struct writer *w, unsigned char tag)
{
	unsigned char out[CHUNK + ABYTES], be[4];
	unsigned long long clen;
	crypto_secretstream_xchacha20poly1305_push(&w->st, out, &clen, w->buf, w->len,
						   NULL, 0, tag);
	be[0] = (unsigned char)(clen >> 24);
	be[1] = (unsigned char)(clen >> 16);
	be[2] = (unsigned char)(clen >> 8);
	be[3] = (unsigned char)clen;
	if (fwrite(be, 1, 4, w->fp) != 4 || fwrite(out, 1, clen, w->fp) != clen)
		w->failed = 1;
	w->len = 0;
	return w->failed ? -1 : 0;
}

static int on_pack(void *data, size_t size, void *arg)
{
	struct writer *w = arg;
	const unsigned char *p = data;
	while (size) {
		size_t take = CHUNK - w->len < size ? CHUNK - w->len : size;
		memcpy(w->buf + w->len, p, take);
		w->len += take;
		p += take;
		size -= take;
		if (w->len == CHUNK && put_chunk(w, 0) < 0)
			return -1;
	}
	return 0;
}

static int write_marker(const char *dir, const char *pk_hex, op_err *e)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/" MARKER, dir);
	FILE *fp = fopen(p, "w");
	if (!fp || fprintf(fp, MARKER_HEAD "recipient %s\n", pk_hex) < 0 || fclose(fp) != 0)
		return op_errc(e, EX_IOERR, "cannot write '%s': %s", p, strerror(errno));
	return 0;
}

/* mkdir -p, the last component new (0) or already there (-1, EEXIST). */
static int mkdirs(const char *dir)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST)
				return -1;
			*q = '/';
		}
	return mkdir(p, 0700);
}

int op_sealed_push(op_history *h, const char *dir, const char *pk_hex,
		   struct op_history_pushed *res, op_err *e)
{
	unsigned char pk[crypto_box_PUBLICKEYBYTES], fkey[FKEY], sealed[SEALED_FKEY], hdr[HDR];
	git_oid ours, theirs, id;
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	struct files f = { 0 };
	struct writer *w = NULL;
	char ours_hex[GIT_OID_HEXSZ + 1], tmp[4096], final[4096], have_pk[65];
	int rc = -1, have_theirs = 0;

	memset(res, 0, sizeof(*res));
	if (sodium_init() < 0)
		return op_errc(e, EX_SOFTWARE, "libsodium failed to start");
	if (hex_to_bin(pk, sizeof(pk), pk_hex) < 0)
		return op_errc(e, EX_DATAERR, "backup key: '%s' is not a public key", pk_hex);
	if (git_reference_name_to_id(&ours, h->repo, REF_MAIN) < 0)
		return op_errc(e, EX_NOINPUT, "the history at '%s' has no commits yet", h->path);
	if (mkdirs(dir) == 0) {
		res->created = 1;
		if (write_marker(dir, pk_hex, e) < 0)
			return -1;
	} else if (errno != EEXIST) {
		return op_errc(e, EX_CANTCREAT, "cannot create '%s': %s", dir, strerror(errno));
	} else if (!op_sealed_is_backup(dir)) {
		return op_errc(e, EX_DATAERR, "'%s' exists and is not an outpost backup "
			       "(give a new path)", dir);
	}
	if (backup_recipient(dir, have_pk, e) < 0)
		return -1;
	if (strcasecmp(have_pk, pk_hex) != 0)
		return op_errc(e, EX_DATAERR, "'%s' is sealed to another key than this store's "
			       "backup key; push to a new path", dir);
	if (list_files(dir, &f, e) < 0)
		return -1;
	if (f.n && git_oid_fromstrn(&theirs, f.name[f.n - 1] + 7, GIT_OID_HEXSZ) == 0)
		have_theirs = 1;
	if (have_theirs && git_oid_equal(&ours, &theirs)) {
		rc = 0;
		goto out;
	}
	if (have_theirs && git_graph_descendant_of(h->repo, &ours, &theirs) != 1) {
		op_errc(e, EX_DATAERR, "the backup at '%s' is not an earlier state of this "
			"history (another store's?); push to a new path", dir);
		goto out;
	}
	if (git_revwalk_new(&walk, h->repo) < 0 || git_revwalk_push(walk, &ours) < 0 ||
	    (have_theirs && git_revwalk_hide(walk, &theirs) < 0)) {
		op_hist_gitfail(e, EX_SOFTWARE, "cannot walk the history");
		goto out;
	}
	while (git_revwalk_next(&id, walk) == 0)
		res->commits++;
	git_revwalk_reset(walk);
	if (git_revwalk_push(walk, &ours) < 0 || (have_theirs && git_revwalk_hide(walk, &theirs) < 0) ||
	    git_packbuilder_new(&pb, h->repo) < 0 || git_packbuilder_insert_walk(pb, walk) < 0) {
		op_hist_gitfail(e, EX_SOFTWARE, "cannot pack the history");
		goto out;
	}
	res->objects = git_packbuilder_object_count(pb);
	git_oid_tostr(ours_hex, sizeof(ours_hex), &ours);
	snprintf(final, sizeof(final), "%s/%06zu-%s.sealed", dir, f.n + 1, ours_hex);
	snprintf(tmp, sizeof(tmp), "%s/.%06zu.tmp", dir, f.n + 1);
	if (!(w = sodium_malloc(sizeof(*w)))) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	memset(w, 0, sizeof(*w));
	if (!(w->fp = fopen(tmp, "wb"))) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_keygen(fkey);
	crypto_box_seal(sealed, fkey, sizeof(fkey), pk);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, hdr, fkey);
	sodium_memzero(fkey, sizeof(fkey));
	if (fwrite(MAGIC, 1, MAGIC_LEN, w->fp) != MAGIC_LEN ||
	    fwrite(sealed, 1, sizeof(sealed), w->fp) != sizeof(sealed) ||
	    fwrite(hdr, 1, sizeof(hdr), w->fp) != sizeof(hdr))
		w->failed = 1;
	if (!w->failed && git_packbuilder_foreach(pb, on_pack, w) < 0 && !w->failed) {
		op_hist_gitfail(e, EX_SOFTWARE, "cannot pack the history");
		goto out;
	}
	if (!w->failed)
		put_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	if (fclose(w->fp) != 0)
		w->failed = 1;
	w->fp = NULL;
	if (w->failed || rename(tmp, final) != 0) {
		op_errc(e, EX_IOERR, "cannot write the backup '%s': %s", final, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (w) {
		if (w->fp)
			fclose(w->fp);
		sodium_free(w);
	}
	if (rc < 0)
		unlink(tmp);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	files_free(&f);
	return rc;
}

/* --- unpack --- */

/* Decrypt one sealed file into the indexer; 0 or -1 with e set. */
static int unseal(const char *path, const unsigned char pk[32], const unsigned char sk[32],
		  git_indexer *idx, git_indexer_progress *prog, op_err *e)
{
	unsigned char magic[MAGIC_LEN], sealed[SEALED_FKEY], fkey[FKEY], hdr[HDR], be[4];
	unsigned char *in = NULL, *out = NULL;
	crypto_secretstream_xchacha20poly1305_state st;
	FILE *fp = fopen(path, "rb");
	int rc = -1, done = 0;

	if (!fp)
		return op_errc(e, EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	if (fread(magic, 1, MAGIC_LEN, fp) != MAGIC_LEN || memcmp(magic, MAGIC, MAGIC_LEN) != 0 ||
	    fread(sealed, 1, sizeof(sealed), fp) != sizeof(sealed) ||
	    fread(hdr, 1, sizeof(hdr), fp) != sizeof(hdr)) {
		op_errc(e, EX_DATAERR, "'%s' is not a sealed backup file", path);
		goto out;
	}
	if (crypto_box_seal_open(fkey, sealed, sizeof(sealed), pk, sk) != 0) {
		op_errc(e, EX_NOPERM, "key: this is not the key the backup was sealed to");
		goto out;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st, hdr, fkey) != 0) {
		op_errc(e, EX_DATAERR, "'%s': damaged header", path);
		goto out;
	}
	in = malloc(CHUNK + ABYTES);
	out = malloc(CHUNK);
	if (!in || !out) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	while (!done) {
		unsigned long long mlen;
		unsigned char tag;
		size_t clen;
		if (fread(be, 1, 4, fp) != 4) {
			op_errc(e, EX_DATAERR, "'%s' is cut short (no final chunk)", path);
			goto out;
		}
		clen = (size_t)be[0] << 24 | (size_t)be[1] << 16 | (size_t)be[2] << 8 | be[3];
		if (clen < ABYTES || clen > CHUNK + ABYTES || fread(in, 1, clen, fp) != clen ||
		    crypto_secretstream_xchacha20poly1305_pull(&st, out, &mlen, &tag, in, clen,
							       NULL, 0) != 0) {
			op_errc(e, EX_DATAERR, "'%s' is damaged (a chunk does not decrypt)", path);
			goto out;
		}
		done = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		if (mlen && git_indexer_append(idx, out, (size_t)mlen, prog) < 0) {
			op_hist_gitfail(e, EX_DATAERR, "'%s': the decrypted pack is damaged", path);
			goto out;
		}
	}
	rc = 0;
out:
	sodium_memzero(fkey, sizeof(fkey));
	free(in);
	if (out)
		sodium_memzero(out, CHUNK);
	free(out);
	fclose(fp);
	return rc;
}

int op_sealed_unpack(const char *dir, const char *key_path, const char *to_repo,
		     op_err *e)
{
	unsigned char pk[32], sk[32];
	char pk_hex[65], have_hex[65], packdir[4096], p[4096];
	struct files f = { 0 };
	git_repository *repo = NULL;
	git_reference *ref = NULL;
	git_oid head;
	int rc = -1, inited = 0;

	if (sodium_init() < 0)
		return op_errc(e, EX_SOFTWARE, "libsodium failed to start");
	if (!key_path)
		return op_errc(e, EX_NOPERM, "'%s' is an encrypted backup: give the "
			       "administrator's backup key with --key FILE", dir);
	if (backup_recipient(dir, have_hex, e) < 0 || read_key(key_path, pk, sk, e) < 0)
		return -1;
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, sizeof(pk));
	if (strcasecmp(pk_hex, have_hex) != 0) {
		op_errc(e, EX_NOPERM, "key: '%s' is not the key '%s' was sealed to", key_path, dir);
		goto out;
	}
	if (list_files(dir, &f, e) < 0)
		goto out;
	if (!f.n) {
		op_errc(e, EX_NOINPUT, "the backup '%s' holds no push yet", dir);
		goto out;
	}
	git_libgit2_init();
	inited = 1;
	if (op_hist_repo_open(&repo, to_repo, 1, NULL, e) < 0)
		goto out;
	snprintf(packdir, sizeof(packdir), "%s/objects/pack", to_repo);
	for (size_t i = 0; i < f.n; i++) {
		git_indexer *idx = NULL;
		git_indexer_progress prog;
		git_indexer_options io;
		git_odb *odb = NULL;
		git_indexer_options_init(&io, GIT_INDEXER_OPTIONS_VERSION);
		snprintf(p, sizeof(p), "%s/%s", dir, f.name[i]);
		if (git_repository_odb(&odb, repo) < 0 ||
		    git_indexer_new(&idx, packdir, 0, odb, &io) < 0) {
			git_odb_free(odb);
			op_hist_gitfail(e, EX_SOFTWARE, "cannot unpack the backup");
			goto out;
		}
		int u = unseal(p, pk, sk, idx, &prog, e);
		if (u == 0 && git_indexer_commit(idx, &prog) < 0)
			u = op_hist_gitfail(e, EX_DATAERR, "'%s': the decrypted pack is damaged", p);
		git_indexer_free(idx);
		git_odb_free(odb);
		if (u < 0)
			goto out;
	}
	if (git_oid_fromstrn(&head, f.name[f.n - 1] + 7, GIT_OID_HEXSZ) < 0 ||
	    git_reference_create(&ref, repo, REF_MAIN, &head, 1, "unsealed backup") < 0) {
		op_hist_gitfail(e, EX_DATAERR, "the backup's last push names no commit it holds");
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	git_reference_free(ref);
	git_repository_free(repo);
	files_free(&f);
	if (inited)
		git_libgit2_shutdown();
	return rc;
}
