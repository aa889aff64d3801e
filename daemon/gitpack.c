/*
 * gitpack.c — one pack from many new objects (see gitpack.h).
 *
 * Pack format version 2 (git's Documentation/gitformat-pack.txt): "PACK",
 * version, object count; per object a type-and-size header (4 bits of
 * size, then 7 per continuation byte) and the zlib-deflated content; the
 * SHA-1 of everything before it. The index (version 2) beside it: a fanout
 * table of 256 counts, the sorted object ids, the CRC-32 of each object's
 * packed bytes, their offsets (31 bits, or an index into a table of 64-bit
 * offsets), the pack's checksum and its own. Every object's id is known
 * already, so nothing needs the indexer's second pass (inflate and hash
 * everything again); libgit2 exposes no raw SHA-1, so the two checksums are
 * computed here (FIPS 180-4). Both files are written under temporary names
 * and renamed, the index last, as git does: a reader sees a whole pack or
 * none.
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
#include "gitpack.h"
#include "gitpack_int.h"

/* --- SHA-1 --- */

static uint32_t rol(uint32_t x, int s) { return x << s | x >> (32 - s); }

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}


void op_sha1_init(struct op_sha1 *c)
{
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
					0xc3d2e1f0 };
	memcpy(c->h, h0, sizeof(h0));
	c->npart = 0;
	c->total = 0;
}

void op_sha1_update(struct op_sha1 *c, const void *p, size_t n)
{
	const unsigned char *s = p;
	c->total += n;
	if (c->npart) {
		size_t k = 64 - c->npart < n ? 64 - c->npart : n;
		memcpy(c->part + c->npart, s, k);
		c->npart += k;
		s += k;
		n -= k;
		if (c->npart < 64)
			return;
		sha1_block(c->h, c->part);
		c->npart = 0;
	}
	for (; n >= 64; s += 64, n -= 64)
		sha1_block(c->h, s);
	memcpy(c->part, s, n);
	c->npart = n;
}

void op_sha1_final(struct op_sha1 *c, unsigned char out[20])
{
	unsigned char tail[128] = { 0 };
	size_t r = c->npart, tl = r + 9 <= 64 ? 64 : 128;
	memcpy(tail, c->part, r);
	tail[r] = 0x80;
	uint64_t bits = c->total * 8;
	for (int k = 0; k < 8; k++)
		tail[tl - 1 - (size_t)k] = (unsigned char)(bits >> (8 * k));
	sha1_block(c->h, tail);
	if (tl == 128)
		sha1_block(c->h, tail + 64);
	for (int k = 0; k < 5; k++) {
		out[4 * k] = (unsigned char)(c->h[k] >> 24);
		out[4 * k + 1] = (unsigned char)(c->h[k] >> 16);
		out[4 * k + 2] = (unsigned char)(c->h[k] >> 8);
		out[4 * k + 3] = (unsigned char)c->h[k];
	}
}

void op_gitpack_sha1(const void *p, size_t n, unsigned char out[20])
{
	struct op_sha1 c;
	op_sha1_init(&c);
	op_sha1_update(&c, p, n);
	op_sha1_final(&c, out);
}

/* --- the pack --- */

uint64_t op_gitpack_big_offset = 0x7fffffff;


int op_out_reserve(struct op_out *o, size_t more)
{
	if (o->len + more <= o->cap)
		return 0;
	size_t cap = o->cap ? o->cap : 1 << 16;
	while (cap < o->len + more)
		cap *= 2;
	unsigned char *p = realloc(o->p, cap);
	if (!p)
		return -1;
	o->p = p;
	o->cap = cap;
	return 0;
}

void op_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* An object of the pack: its id and its place in the caller's list. */
struct ent {
	git_oid id;
	size_t at;
};

/* By id, then by place: the first of equal ids is the one written. */
static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = git_oid_cmp(&x->id, &y->id);
	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* All of buf to fd; 0, or -1 with errno set. */
int op_write_full(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write buf to dir/final through a temporary file; 0 or -1 with e set. */
static int put_file(const char *dir, const char *final, const void *buf, size_t n, op_err *e)
{
	char tmp[4200], path[4200];
	snprintf(tmp, sizeof(tmp), "%s/tmp_outpost_%ld_%s", dir, (long)getpid(), final);
	snprintf(path, sizeof(path), "%s/%s", dir, final);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	if (fd < 0)
		return op_errc(e, EX_IOERR, "cannot create '%s': %s", tmp, strerror(errno));
	if (op_write_full(fd, buf, n) < 0) {
		int err = errno;
		close(fd);
		unlink(tmp);
		return op_errc(e, EX_IOERR, "cannot write '%s': %s", tmp, strerror(err));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		return op_errc(e, EX_IOERR, "cannot write '%s': %s", path, strerror(err));
	}
	return 0;
}


/* o's bytes to the file, hashed; o is emptied. 0 or -1 with e set. */
int op_stream_out(struct op_stream *st, struct op_out *o, op_err *e)
{
	op_sha1_update(&st->sum, o->p, o->len);
	if (op_write_full(st->fd, o->p, o->len) < 0)
		return op_errc(e, EX_IOERR, "cannot write '%s': %s", st->tmp, strerror(errno));
	st->base += o->len;
	o->len = 0;
	return 0;
}

int op_gitpack_write(git_odb *from, const char *pack_dir, const git_oid *ids, size_t n,
		     op_err *e)
{
	struct ent *sorted = NULL;
	unsigned char *keep = NULL;
	uint32_t *crc = NULL;
	uint64_t *off = NULL;
	struct op_out o = { 0 }, x = { 0 };
	struct op_stream st = { .fd = -1 };
	unsigned char sum[20];
	z_stream zs[2];
	size_t m = 0, nbig = 0;
	int rc = -1, zok = 0;

	if (n == 0)
		return 0;
	op_sha1_init(&st.sum);
	if (!(sorted = malloc(n * sizeof(*sorted))) || !(crc = malloc(n * sizeof(*crc))) ||
	    !(off = malloc(n * sizeof(*off))) || !(keep = calloc(n, 1)) ||
	    op_out_reserve(&o, 12) < 0) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	/* The objects are written in the caller's order (a merge reads its
	 * packs one after the other, in the order of their contents), the
	 * index lists them by id. */
	for (size_t i = 0; i < n; i++) {
		git_oid_cpy(&sorted[i].id, &ids[i]);
		sorted[i].at = i;
	}
	qsort(sorted, n, sizeof(*sorted), ent_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !git_oid_equal(&sorted[i - 1].id, &sorted[i].id)) {
			keep[sorted[i].at] = 1;
			sorted[m++] = sorted[i];
		}
	if (m > UINT32_MAX) {
		op_errc(e, EX_SOFTWARE, "too many objects for one pack");
		goto out;
	}
	snprintf(st.tmp, sizeof(st.tmp), "%s/tmp_outpost_%ld_pack", pack_dir, (long)getpid());
	if ((st.fd = open(st.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444)) < 0) {
		op_errc(e, EX_IOERR, "cannot create '%s': %s", st.tmp, strerror(errno));
		goto out;
	}
	memcpy(o.p, "PACK", 4);
	op_put32(o.p + 4, 2);
	op_put32(o.p + 8, (uint32_t)m);
	o.len = 12;

	/* Records (blobs) are small text: the fastest level compresses them
	 * about as well as the default (by a third). Trees are mostly object
	 * ids, which do not compress, and most of the bytes of a commit (a
	 * directory of 15 records is rewritten for one): they are stored,
	 * which costs a fifth of the time for a third more bytes. `git gc`
	 * recompresses both. */
	memset(zs, 0, sizeof(zs));
	if (deflateInit(&zs[0], Z_BEST_SPEED) != Z_OK ||
	    (zok = 1, deflateInit(&zs[1], Z_NO_COMPRESSION) != Z_OK)) {
		op_errc(e, EX_SOFTWARE, "zlib: cannot start deflate");
		goto out;
	}
	zok = 2;
	for (size_t i = 0; i < n; i++) {
		git_odb_object *obj;
		if (!keep[i])
			continue;
		if (git_odb_read(&obj, from, &ids[i]) < 0) {
			const git_error *ge = git_error_last();
			op_errc(e, EX_SOFTWARE, "cannot read object %s for a pack: %s",
				git_oid_tostr_s(&ids[i]), ge ? ge->message : "not found");
			goto out;
		}
		const void *data = git_odb_object_data(obj);
		size_t size = git_odb_object_size(obj), s = size;
		unsigned type = (unsigned)git_odb_object_type(obj);
		z_stream *z = &zs[type == GIT_OBJECT_TREE];
		if (deflateReset(z) != Z_OK ||
		    op_out_reserve(&o, 16 + deflateBound(z, (uLong)size)) < 0) {
			git_odb_object_free(obj);
			op_errc(e, EX_OSERR, "out of memory");
			goto out;
		}
		size_t start = o.len;
		unsigned char c = (unsigned char)((type & 7) << 4 | (s & 15));
		for (s >>= 4; s; s >>= 7) {
			o.p[o.len++] = c | 0x80;
			c = (unsigned char)(s & 0x7f);
		}
		o.p[o.len++] = c;
		z->next_in = (Bytef *)(uintptr_t)data;
		z->avail_in = (uInt)size;
		z->next_out = o.p + o.len;
		z->avail_out = (uInt)(o.cap - o.len);
		int zr = deflate(z, Z_FINISH);
		git_odb_object_free(obj);
		if (zr != Z_STREAM_END) {
			op_errc(e, EX_SOFTWARE, "zlib: deflate failed (%d)", zr);
			goto out;
		}
		o.len = (size_t)(z->next_out - o.p);
		off[i] = st.base + start;
		crc[i] = (uint32_t)crc32(0, o.p + start, (uInt)(o.len - start));
		nbig += off[i] > op_gitpack_big_offset;
		if (o.len >= OP_STREAM_BYTES && op_stream_out(&st, &o, e) < 0)
			goto out;
	}
	if (op_stream_out(&st, &o, e) < 0)
		goto out;
	op_sha1_final(&st.sum, sum);
	if (op_write_full(st.fd, sum, 20) < 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", st.tmp, strerror(errno));
		goto out;
	}

	/* The index. */
	if (op_out_reserve(&x, 8 + 1024 + m * (20 + 4 + 4) + nbig * 8 + 40) < 0) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	memcpy(x.p, "\377tOc", 4);
	op_put32(x.p + 4, 2);
	x.len = 8;
	size_t k = 0;
	for (int b = 0; b < 256; b++) {
		while (k < m && sorted[k].id.id[0] == b)
			k++;
		op_put32(x.p + x.len, (uint32_t)k);
		x.len += 4;
	}
	for (size_t i = 0; i < m; i++, x.len += 20)
		memcpy(x.p + x.len, sorted[i].id.id, 20);
	for (size_t i = 0; i < m; i++, x.len += 4)
		op_put32(x.p + x.len, crc[sorted[i].at]);
	size_t big = 0;
	for (size_t i = 0; i < m; i++, x.len += 4) {
		uint64_t at = off[sorted[i].at];
		op_put32(x.p + x.len, at > op_gitpack_big_offset ? 0x80000000u | (uint32_t)big++ : (uint32_t)at);
	}
	for (size_t i = 0; i < m; i++)
		if (off[sorted[i].at] > op_gitpack_big_offset) {
			op_put32(x.p + x.len, (uint32_t)(off[sorted[i].at] >> 32));
			op_put32(x.p + x.len + 4, (uint32_t)off[sorted[i].at]);
			x.len += 8;
		}
	memcpy(x.p + x.len, sum, 20);
	x.len += 20;
	op_gitpack_sha1(x.p, x.len, x.p + x.len);
	x.len += 20;

	char name[64], hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	char path[4200];
	snprintf(path, sizeof(path), "%s/pack-%s.pack", pack_dir, hex);
	int fd = st.fd;
	st.fd = -1;
	if (close(fd) < 0 || rename(st.tmp, path) < 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
		unlink(st.tmp);
		goto out;
	}
	snprintf(name, sizeof(name), "pack-%s.idx", hex);
	if (put_file(pack_dir, name, x.p, x.len, e) < 0)
		goto out;
	rc = 0;
out:
	if (st.fd >= 0) {
		close(st.fd);
		unlink(st.tmp);
	}
	for (int i = 0; i < zok; i++)
		deflateEnd(&zs[i]);
	free(o.p);
	free(x.p);
	free(off);
	free(crc);
	free(keep);
	free(sorted);
	return rc;
}

