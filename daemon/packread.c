/*
 * packread.c — reading a repository's packs without mapping them (see
 * packread.h).
 *
 * libgit2 maps every pack index it searches, whole, and the windows of
 * the packs it reads; a history commit looks up old trees all over the
 * repository, so in one commit every page of every index became part of
 * the daemon's memory (a 1M-record history has ~60 MiB of indexes). This
 * backend reads the same files with pread: per pack it keeps the fanout
 * table (1 KiB) and an open descriptor of each file; a look-up reads the
 * ids of the one fanout bucket the id falls in, then the object's offset,
 * then the object: as many bytes as deflate can have made of its size
 * (most are records of a few hundred bytes), inflated in 16 KiB steps
 * when larger. Deltas (packs that
 * `git gc` rewrote) are resolved, by offset and by id.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <git2/sys/odb_backend.h>
#include "packread.h"

#define IDX_HDR (8 + 1024)
#define CHUNK 16384
#define DELTA_DEPTH 64		/* git gc's default chain is 50 */
#define BUCKET_READ 256		/* ids read in one go: 5 KiB */

struct rpack {
	char name[80];		/* pack-<id> (no extension) */
	int fi, fp;		/* the index and the pack */
	uint32_t fan[256];
	off_t pack_size;
	int seen;
};

struct backend {
	git_odb_backend parent;
	char dir[4096];		/* objects/pack */
	struct rpack *p;
	size_t np, cap, last;	/* last: the pack that answered last */
	unsigned char *bucket;	/* a bucket's ids, reused */
	size_t bucketcap;
};

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int fail(const char *what, const struct rpack *p)
{
	char msg[200];
	snprintf(msg, sizeof(msg), "history pack %s: %s", p ? p->name : "?", what);
	git_error_set_str(GIT_ERROR_ODB, msg);
	return -1;
}

static int full_pread(int fd, void *buf, size_t n, off_t at)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, at + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void pack_close(struct rpack *p)
{
	if (p->fi >= 0)
		close(p->fi);
	if (p->fp >= 0)
		close(p->fp);
	p->fi = p->fp = -1;
}

/* Open dir/name.idx and .pack; 0, or -1 when either is missing or the
 * index is not version 2 (skipped: git would not read it either). */
static int pack_open(struct backend *b, const char *name, struct rpack *p)
{
	char path[4200];
	unsigned char hdr[IDX_HDR];
	struct stat st;
	memset(p, 0, sizeof(*p));
	p->fi = p->fp = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s.idx", b->dir, name);
	if ((p->fi = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.pack", b->dir, name);
	if ((p->fp = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(p->fp, &st) < 0 ||
	    full_pread(p->fi, hdr, sizeof(hdr), 0) < 0 || memcmp(hdr, "\377tOc", 4) != 0 ||
	    be32(hdr + 4) != 2) {
		pack_close(p);
		return -1;
	}
	p->pack_size = st.st_size;
	for (int i = 0; i < 256; i++)
		p->fan[i] = be32(hdr + 8 + 4 * i);
	return 0;
}

/* (Re)read the folder: packs written since are added, packs merged away
 * (a repack) are closed. libgit2 asks for it after a look-up found
 * nothing, before it gives up. */
static int scan(struct backend *b)
{
	DIR *d = opendir(b->dir);
	if (!d)
		return errno == ENOENT ? 0 : fail("cannot read the pack folder", NULL);
	for (size_t i = 0; i < b->np; i++)
		b->p[i].seen = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 10 || l >= 80 || strncmp(de->d_name, "pack-", 5) != 0 ||
		    strcmp(de->d_name + l - 4, ".idx") != 0)
			continue;
		char name[80];
		snprintf(name, sizeof(name), "%.*s", (int)(l - 4), de->d_name);
		size_t i;
		for (i = 0; i < b->np && strcmp(b->p[i].name, name) != 0; i++)
			;
		if (i < b->np) {
			b->p[i].seen = 1;
			continue;
		}
		if (b->np == b->cap) {
			size_t c = b->cap ? 2 * b->cap : 16;
			struct rpack *n = realloc(b->p, c * sizeof(*n));
			if (!n) {
				closedir(d);
				return fail("out of memory", NULL);
			}
			b->p = n;
			b->cap = c;
		}
		if (pack_open(b, name, &b->p[b->np]) == 0)
			b->p[b->np++].seen = 1;
	}
	closedir(d);
	size_t k = 0;
	for (size_t i = 0; i < b->np; i++) {
		if (b->p[i].seen)
			b->p[k++] = b->p[i];
		else
			pack_close(&b->p[i]);
	}
	b->np = k;
	b->last = 0;
	return 0;
}

/* The offset of id in pack p: 1, 0 when it is not there, -1 on an error. */
static int pack_find(struct backend *b, struct rpack *p, const git_oid *id, off_t *off)
{
	unsigned first = id->id[0];
	uint32_t lo = first ? p->fan[first - 1] : 0, hi = p->fan[first], n = p->fan[255];
	if (hi <= lo)
		return 0;
	if (hi > n)
		return fail("bad fanout table", p);
	/* A big pack's bucket (a million objects: 80 KiB) is narrowed with
	 * one id read at a time to at most BUCKET_READ ids, read at once. */
	while (hi - lo > BUCKET_READ) {
		uint32_t m = lo + (hi - lo) / 2;
		unsigned char one[20];
		if (full_pread(p->fi, one, 20, IDX_HDR + (off_t)m * 20) < 0)
			return fail("index truncated", p);
		int c = memcmp(one, id->id, 20);
		if (c == 0) {
			lo = m;
			hi = m + 1;
		} else if (c < 0) {
			lo = m + 1;
		} else {
			hi = m;
		}
	}
	if (hi <= lo)
		return 0;
	size_t len = (size_t)(hi - lo) * 20;
	if (len > b->bucketcap) {
		unsigned char *x = realloc(b->bucket, len);
		if (!x)
			return fail("out of memory", p);
		b->bucket = x;
		b->bucketcap = len;
	}
	if (full_pread(p->fi, b->bucket, len, IDX_HDR + (off_t)lo * 20) < 0)
		return fail("index truncated", p);
	size_t l = 0, h = hi - lo;
	while (l < h) {
		size_t m = (l + h) / 2;
		int c = memcmp(b->bucket + m * 20, id->id, 20);
		if (c == 0) {
			uint32_t at = lo + (uint32_t)m;
			unsigned char b4[4], b8[8];
			off_t base = IDX_HDR + (off_t)n * 24;	/* past the ids and CRCs */
			if (full_pread(p->fi, b4, 4, base + (off_t)at * 4) < 0)
				return fail("index truncated", p);
			uint32_t o = be32(b4);
			if (o & 0x80000000u) {
				if (full_pread(p->fi, b8, 8, base + (off_t)n * 4 +
					       (off_t)(o & 0x7fffffffu) * 8) < 0)
					return fail("index truncated", p);
				*off = (off_t)((uint64_t)be32(b8) << 32 | be32(b8 + 4));
			} else {
				*off = o;
			}
			return 1;
		}
		if (c < 0)
			l = m + 1;
		else
			h = m;
	}
	return 0;
}

/* Which pack holds id: the one that answered last first. 1, 0, -1. */
static int find(struct backend *b, const git_oid *id, struct rpack **pp, off_t *off)
{
	for (size_t k = 0; k < b->np; k++) {
		size_t i = (b->last + k) % b->np;
		int r = pack_find(b, &b->p[i], id, off);
		if (r < 0)
			return -1;
		if (r) {
			b->last = i;
			*pp = &b->p[i];
			return 1;
		}
	}
	return 0;
}

/* Inflate exactly n bytes from p at off into out. */
static int inflate_at(struct rpack *p, off_t off, unsigned char *out, size_t n)
{
	unsigned char in[CHUNK];
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return fail("out of memory", p);
	z.next_out = out;
	z.avail_out = (uInt)n;
	int zr = Z_OK;
	while (zr != Z_STREAM_END) {
		if (z.avail_in == 0) {
			if (off >= p->pack_size)
				break;
			/* most objects are small: read what deflate can have
			 * made of n bytes (zlib's deflateBound), not a chunk */
			size_t k = n + (n >> 10) + 64;
			if (k > sizeof(in) || z.total_in > 0)
				k = sizeof(in);
			if ((off_t)k > p->pack_size - off)
				k = (size_t)(p->pack_size - off);
			if (full_pread(p->fp, in, k, off) < 0)
				break;
			off += (off_t)k;
			z.next_in = in;
			z.avail_in = (uInt)k;
		}
		/* a zero-length object still has its stream's end to read */
		unsigned char spare;
		if (z.avail_out == 0) {
			z.next_out = &spare;
			z.avail_out = 1;
			zr = inflate(&z, Z_NO_FLUSH);
			if (z.avail_out == 0)
				break;	/* more than its header said */
			continue;
		}
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			break;
	}
	size_t got = z.total_out;
	inflateEnd(&z);
	return zr == Z_STREAM_END && got == n ? 0 : fail("object does not inflate", p);
}

static size_t delta_size(const unsigned char **s, const unsigned char *end)
{
	size_t v = 0;
	int shift = 0;
	while (*s < end && shift < 64) {
		unsigned char c = *(*s)++;
		v |= (size_t)(c & 0x7f) << shift;
		shift += 7;
		if (!(c & 0x80))
			break;
	}
	return v;
}

/* Apply delta d[0..dn) to base: a new buffer of the size it names. */
/* The buffer of an object: libgit2's (git_odb_backend_data_alloc) for the
 * one handed to it (top), plain memory for a delta's base. */
static unsigned char *obj_alloc(git_odb_backend *top, size_t n)
{
	return top ? git_odb_backend_data_alloc(top, n ? n : 1) : malloc(n ? n : 1);
}

static void obj_free(git_odb_backend *top, void *o)
{
	if (top)
		git_odb_backend_data_free(top, o);
	else
		free(o);
}

static int delta_apply(struct rpack *p, git_odb_backend *top, const unsigned char *base,
		       size_t bn, const unsigned char *d, size_t dn, unsigned char **out,
		       size_t *on)
{
	const unsigned char *s = d, *end = d + dn;
	if (delta_size(&s, end) != bn)
		return fail("delta for another base", p);
	size_t n = delta_size(&s, end), w = 0;
	unsigned char *o = obj_alloc(top, n);
	if (!o)
		return fail("out of memory", p);
	while (s < end) {
		unsigned char op = *s++;
		if (op & 0x80) {
			size_t at = 0, len = 0;
			for (int i = 0; i < 4; i++)
				if (op & (1 << i) && s < end)
					at |= (size_t)*s++ << (8 * i);
			for (int i = 0; i < 3; i++)
				if (op & (0x10 << i) && s < end)
					len |= (size_t)*s++ << (8 * i);
			if (!len)
				len = 0x10000;
			if (at + len > bn || w + len > n)
				break;
			memcpy(o + w, base + at, len);
			w += len;
		} else if (op) {
			if ((size_t)(end - s) < op || w + op > n)
				break;
			memcpy(o + w, s, op);
			s += op;
			w += op;
		} else {
			break;
		}
	}
	if (s != end || w != n) {
		obj_free(top, o);
		return fail("bad delta", p);
	}
	*out = o;
	*on = n;
	return 0;
}

static int read_at(struct backend *b, git_odb_backend *top, struct rpack *p, off_t off,
		   int depth, unsigned char **out, size_t *n, git_object_t *type);

/* The object id (any pack of this backend), in top's buffer (obj_alloc). */
static int read_id(struct backend *b, git_odb_backend *top, const git_oid *id, int depth,
		   unsigned char **out, size_t *n, git_object_t *type)
{
	struct rpack *p;
	off_t off;
	int r = find(b, id, &p, &off);
	if (r <= 0)
		return r < 0 ? -1 : GIT_ENOTFOUND;
	return read_at(b, top, p, off, depth, out, n, type);
}

static int read_at(struct backend *b, git_odb_backend *top, struct rpack *p, off_t off,
		   int depth, unsigned char **out, size_t *n, git_object_t *type)
{
	unsigned char h[32];
	size_t hn = (size_t)(p->pack_size - off) < sizeof(h) ? (size_t)(p->pack_size - off) :
		    sizeof(h);
	if (off < 12 || off >= p->pack_size || full_pread(p->fp, h, hn, off) < 0)
		return fail("object offset outside the pack", p);
	size_t i = 0, size = h[0] & 15;
	int t = (h[0] >> 4) & 7, shift = 4;
	while (h[i] & 0x80 && i + 1 < hn && shift < 64)
		size |= (size_t)(h[++i] & 0x7f) << shift, shift += 7;
	i++;
	if (t >= GIT_OBJECT_COMMIT && t <= GIT_OBJECT_TAG) {
		unsigned char *o = obj_alloc(top, size);
		if (!o)
			return fail("out of memory", p);
		if (inflate_at(p, off + (off_t)i, o, size) < 0) {
			obj_free(top, o);
			return -1;
		}
		*out = o;
		*n = size;
		*type = (git_object_t)t;
		return 0;
	}
	if ((t != GIT_OBJECT_OFS_DELTA && t != GIT_OBJECT_REF_DELTA) || depth >= DELTA_DEPTH)
		return fail(depth >= DELTA_DEPTH ? "delta chain too long" : "unknown object type", p);
	unsigned char *base = NULL, *delta = NULL;
	size_t bn = 0;
	int r;
	if (t == GIT_OBJECT_OFS_DELTA) {
		size_t back = 0;
		if (i >= hn)
			return fail("truncated delta", p);
		unsigned char c = h[i++];
		back = c & 0x7f;
		while (c & 0x80 && i < hn) {
			c = h[i++];
			back = ((back + 1) << 7) | (c & 0x7f);
		}
		if ((off_t)back > off || back == 0)
			return fail("delta base outside the pack", p);
		r = read_at(b, NULL, p, off - (off_t)back, depth + 1, &base, &bn, type);
	} else {
		git_oid bid;
		if (i + 20 > hn)
			return fail("truncated delta", p);
		memcpy(bid.id, h + i, 20);
		i += 20;
		r = read_id(b, NULL, &bid, depth + 1, &base, &bn, type);
		if (r == GIT_ENOTFOUND)
			return fail("delta base missing", p);
	}
	if (r < 0)
		return -1;
	if (!(delta = malloc(size ? size : 1))) {
		free(base);
		return fail("out of memory", p);
	}
	r = inflate_at(p, off + (off_t)i, delta, size) < 0 ? -1 :
	    delta_apply(p, top, base, bn, delta, size, out, n);
	free(base);
	free(delta);
	return r;
}

/* --- the backend's entry points --- */

static int be_read(void **data, size_t *len, git_object_t *type, git_odb_backend *gb,
		   const git_oid *id)
{
	unsigned char *o;
	int r = read_id((struct backend *)gb, gb, id, 0, &o, len, type);
	if (r == 0)
		*data = o;
	return r;
}

static int be_read_header(size_t *len, git_object_t *type, git_odb_backend *gb,
			  const git_oid *id)
{
	struct backend *b = (struct backend *)gb;
	unsigned char *o;
	int r = read_id(b, NULL, id, 0, &o, len, type);
	if (r == 0)
		free(o);
	return r;
}

static int be_exists(git_odb_backend *gb, const git_oid *id)
{
	struct backend *b = (struct backend *)gb;
	struct rpack *p;
	off_t off;
	return find(b, id, &p, &off) > 0;
}

static int be_refresh(git_odb_backend *gb) { return scan((struct backend *)gb); }

static void be_free(git_odb_backend *gb)
{
	struct backend *b = (struct backend *)gb;
	for (size_t i = 0; i < b->np; i++)
		pack_close(&b->p[i]);
	free(b->p);
	free(b->bucket);
	free(b);
}

int op_packread_odb(git_odb **out, const char *objects_dir, op_err *e)
{
	git_odb *odb = NULL;
	git_odb_backend *loose = NULL;
	struct backend *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return op_errc(e, EX_OSERR, "out of memory");
	if (git_odb_init_backend(&b->parent, GIT_ODB_BACKEND_VERSION) < 0) {
		free(b);
		return op_errc(e, EX_SOFTWARE, "cannot set up the history's pack reader");
	}
	snprintf(b->dir, sizeof(b->dir), "%s/pack", objects_dir);
	b->parent.read = be_read;
	b->parent.read_header = be_read_header;
	b->parent.exists = be_exists;
	b->parent.refresh = be_refresh;
	b->parent.free = be_free;
	if (scan(b) < 0) {
		const git_error *ge = git_error_last();
		op_errc(e, EX_IOERR, "%s", ge ? ge->message : "cannot read the history's packs");
		be_free(&b->parent);
		return -1;
	}
	/* loose objects first (few, and the newest), then the packs */
	if (git_odb_new(&odb) < 0 || git_odb_add_backend(odb, &b->parent, 1) < 0) {
		be_free(&b->parent);
		git_odb_free(odb);
		return op_errc(e, EX_SOFTWARE, "cannot set up the history's objects");
	}
	if (git_odb_backend_loose(&loose, objects_dir, -1, 0, 0, 0) < 0 ||
	    git_odb_add_backend(odb, loose, 2) < 0) {
		if (loose)
			loose->free(loose);
		git_odb_free(odb);
		return op_errc(e, EX_SOFTWARE, "cannot read the history's loose objects");
	}
	*out = odb;
	return 0;
}
