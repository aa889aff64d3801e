/*
 * packmerge.c — merging the history's packs by copying them (see
 * gitpack.h, op_gitpack_consolidate).
 *
 * A pack's objects do not depend on where the pack begins: an object is
 * whole in itself, a delta names its base by id or by its distance back
 * within the same pack. So packs merge by copying what lies between each
 * one's 12-byte header and its 20-byte checksum, one after the other,
 * under a header that counts them all; each object keeps its bytes (and
 * the CRC-32 its index records), and its offset moves by where its pack's
 * copy begins. The index is the merge of the packs' indexes, each sorted
 * by id already. Nothing is inflated, nothing held per object: memory is
 * a few buffers whatever the packs' sizes. Every pack is checked against
 * its checksum as it is copied, so a damaged one stops the merge before
 * anything is removed.
 *
 * An object can be in two packs: a record or a directory that returns to
 * an earlier state is written again (the writer does not look for it
 * among the packs: that would cost a search of every pack per object),
 * and so is what a commit redoes after a crash. git refuses a pack that
 * holds an object twice, so a first pass over the indexes finds those,
 * and one copy of each is left out: its bytes are a hole in its pack's
 * copy, and the offsets after it move back by the hole. A copy is left
 * out only of a pack without deltas by distance (one of ours, or a merge
 * of ours), whose objects do not depend on where the others lie; when
 * both copies are in packs git made with such deltas, the packs are not
 * merged (git gc merges them).
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
#include "gitpack.h"
#include "gitpack_int.h"

/* A file read front to back through a buffer, by position (pread): one
 * index is read at two places at once. */
struct rd {
	int fd;
	off_t at;
	size_t len, pos;
	unsigned char b[8192];
};

static void rd_seek(struct rd *r, int fd, off_t at)
{
	r->fd = fd;
	r->at = at;
	r->len = r->pos = 0;
}

/* n bytes; 0, or -1 (errno set; EIO: the file ends first). */
static int rd_get(struct rd *r, void *out, size_t n)
{
	unsigned char *o = out;
	while (n) {
		if (r->pos == r->len) {
			ssize_t g = pread(r->fd, r->b, sizeof(r->b), r->at);
			if (g < 0 && errno == EINTR)
				continue;
			if (g <= 0) {
				if (g == 0)
					errno = EIO;
				return -1;
			}
			r->at += g;
			r->len = (size_t)g;
			r->pos = 0;
		}
		size_t k = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(o, r->b + r->pos, k);
		r->pos += k;
		o += k;
		n -= k;
	}
	return 0;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the parts of a version 2 index of n objects begin. */
#define IDX_IDS ((off_t)8 + 1024)
#define IDX_CRC(n) (IDX_IDS + (off_t)(n) * 20)
#define IDX_OFF(n) (IDX_IDS + (off_t)(n) * 24)
#define IDX_BIG(n) (IDX_IDS + (off_t)(n) * 28)

/* Bytes of a pack that are not copied: its header, a copy left out. */
struct hole {
	uint64_t start, end;
};

/* One pack being merged. */
struct src {
	char name[64];		/* pack-HEX.pack */
	int idx, pack;		/* their descriptors, or -1 */
	uint32_t n, fan[256];
	uint64_t size, base;	/* the pack's size; where its first byte copied lands */
	unsigned char sum[20];	/* its checksum, as its index records it */
	struct rd ids, col;	/* the merge's cursors into its index */
	uint32_t left, pos;	/* ids not yet taken; the place of the next */
	unsigned char cur[20];	/* the next one */
	int ofs_deltas;		/* has deltas by distance: 1, 0, or -1 not known yet */
	uint32_t *drop;		/* places (in its index) of the copies left out */
	size_t ndrop, dcap, dnext;
	struct hole *hole;	/* by start: the header, then the copies left out */
	uint64_t *below;	/* below[i]: the bytes of hole[0..i) */
	size_t nhole;
};

static int damaged(const char *pack_dir, const struct src *s, op_err *e)
{
	return op_errc(e, EX_DATAERR, "'%s/%.*s.idx' is damaged (its ids or offsets)", pack_dir,
		       (int)strlen(s->name) - 5, s->name);
}

static int src_open(struct src *s, const char *pack_dir, op_err *e)
{
	char path[4200];
	unsigned char h[IDX_IDS], ph[12], tail[20];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%.*s.idx", pack_dir, (int)strlen(s->name) - 5, s->name);
	if ((s->idx = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(s->idx, &st) < 0)
		return op_errc(e, EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	if (pread(s->idx, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, "\377tOc", 4) != 0 ||
	    get32(h + 4) != 2)
		return op_errc(e, EX_DATAERR, "'%s' is not a version 2 pack index", path);
	for (int b = 0; b < 256; b++) {
		s->fan[b] = get32(h + 8 + 4 * b);
		if (b && s->fan[b] < s->fan[b - 1])
			return op_errc(e, EX_DATAERR, "'%s' is damaged (its fanout)", path);
	}
	s->n = s->fan[255];
	off_t big = st.st_size - IDX_BIG(s->n) - 40;
	if (big < 0 || big % 8 != 0 || pread(s->idx, s->sum, 20, st.st_size - 40) != 20)
		return op_errc(e, EX_DATAERR, "'%s' is damaged (its size)", path);
	snprintf(path, sizeof(path), "%s/%s", pack_dir, s->name);
	if ((s->pack = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(s->pack, &st) < 0)
		return op_errc(e, EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	s->size = (uint64_t)st.st_size;
	if (s->size < 32 || pread(s->pack, ph, 12, 0) != 12 || memcmp(ph, "PACK", 4) != 0 ||
	    (get32(ph + 4) != 2 && get32(ph + 4) != 3) || get32(ph + 8) != s->n ||
	    pread(s->pack, tail, 20, st.st_size - 20) != 20 || memcmp(tail, s->sum, 20) != 0)
		return op_errc(e, EX_DATAERR, "'%s' does not match its index", path);
	s->ofs_deltas = -1;
	return 0;
}

/* The offset an index entry records (raw: its 32-bit field), checked to
 * lie within the pack's objects; 0 or -1. */
static int decode(const struct src *s, uint32_t raw, uint64_t *at)
{
	unsigned char f[8];
	*at = raw;
	if (raw & 0x80000000u) {
		if (pread(s->idx, f, 8, IDX_BIG(s->n) + (off_t)(raw & 0x7fffffffu) * 8) != 8)
			return -1;
		*at = (uint64_t)get32(f) << 32 | get32(f + 4);
	}
	return *at >= 12 && *at < s->size - 20 ? 0 : -1;
}

/* Every offset of s, in the index's order, to fn; 0 or -1 (damaged). */
static int each_offset(struct src *s, int (*fn)(struct src *, uint64_t), int *stop)
{
	unsigned char f[4];
	uint64_t at;
	rd_seek(&s->col, s->idx, IDX_OFF(s->n));
	for (uint32_t j = 0; j < s->n && !*stop; j++)
		if (rd_get(&s->col, f, 4) < 0 || decode(s, get32(f), &at) < 0 || fn(s, at) < 0)
			return -1;
	return 0;
}

static int is_ofs_delta(struct src *s, uint64_t at)
{
	unsigned char b;
	if (pread(s->pack, &b, 1, (off_t)at) != 1)
		return -1;
	if ((b >> 4 & 7) == 6)	/* OBJ_OFS_DELTA */
		s->ofs_deltas = 1;
	return 0;
}

/* Does s hold deltas by distance? Looked at once: the first byte of each
 * object. 1, 0, or -1 (damaged). */
static int has_ofs_deltas(struct src *s)
{
	if (s->ofs_deltas < 0) {
		s->ofs_deltas = 0;
		int *stop = &s->ofs_deltas;
		if (each_offset(s, is_ofs_delta, stop) < 0)
			return s->ofs_deltas = -1;
	}
	return s->ofs_deltas;
}

/* Is source a's next id before b's (ties: the earlier pack first)? */
static int src_before(const struct src *s, int a, int b)
{
	int c = memcmp(s[a].cur, s[b].cur, 20);
	return c < 0 || (c == 0 && a < b);
}

static void heap_down(const struct src *s, int *h, int nh, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < nh && src_before(s, h[l], h[m]))
			m = l;
		if (r < nh && src_before(s, h[r], h[m]))
			m = r;
		if (m == i)
			return;
		int t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Leave copy pos of s out; 0 or -1. */
static int drop(struct src *s, uint32_t pos, op_err *e)
{
	if (s->ndrop == s->dcap) {
		size_t c = s->dcap ? 2 * s->dcap : 16;
		uint32_t *p = realloc(s->drop, c * sizeof(*p));
		if (!p)
			return op_errc(e, EX_OSERR, "out of memory");
		s->drop = p;
		s->dcap = c;
	}
	s->drop[s->ndrop++] = pos;
	return 0;
}

enum part { P_DUPS, P_IDS, P_CRC, P_OFF, P_BIG };

/* How many of s's holes start before at. */
static size_t holes_before(const struct src *s, uint64_t at)
{
	size_t lo = 0, hi = s->nhole;
	while (lo < hi) {
		size_t m = (lo + hi) / 2;
		if (s->hole[m].start < at)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/* Where s's object at offset `at` lands in the merged pack. */
static uint64_t moved(const struct src *s, uint64_t at)
{
	return s->base + at - s->below[holes_before(s, at)];
}

/* One pass over the sources' ids merged in order. P_DUPS: find the ids
 * in two packs and choose the copies left out (*ndup counts them). The
 * others write one part of the merged index, the copies left out
 * skipped: the ids, their CRCs, their new offsets (P_BIG: those past
 * op_gitpack_big_offset, in 64 bits; *nbig counts them). */
static int merge_part(struct src *s, int k, int *h, enum part part, struct op_stream *st,
		      struct op_out *o, uint32_t *nbig, size_t *ndup, const char *pack_dir,
		      op_err *e)
{
	int nh = 0, keep = -1;	/* P_DUPS: the copy kept of the last id */
	uint32_t keep_pos = 0;
	unsigned char kept[20];
	for (int i = 0; i < k; i++) {
		rd_seek(&s[i].ids, s[i].idx, IDX_IDS);
		rd_seek(&s[i].col, s[i].idx, part == P_CRC ? IDX_CRC(s[i].n) : IDX_OFF(s[i].n));
		s[i].left = s[i].n;
		s[i].pos = 0;
		s[i].dnext = 0;
		if (s[i].left) {
			if (rd_get(&s[i].ids, s[i].cur, 20) < 0)
				return damaged(pack_dir, &s[i], e);
			h[nh++] = i;
		}
	}
	for (int i = nh / 2 - 1; i >= 0; i--)
		heap_down(s, h, nh, i);
	while (nh) {
		int ci = h[0];
		struct src *c = &s[ci];
		unsigned char f[4];
		uint64_t at;
		if (part == P_DUPS) {
			if (keep >= 0 && memcmp(kept, c->cur, 20) == 0) {
				/* the later copy goes, unless only the earlier can */
				int later = has_ofs_deltas(c), earlier = later ? has_ofs_deltas(&s[keep]) : 0;
				if (later < 0 || earlier < 0)
					return damaged(pack_dir, later < 0 ? c : &s[keep], e);
				if (later && earlier)
					return op_errc(e, EX_DATAERR, "'%s' and '%s' in '%s' both hold "
						       "object %02x%02x%02x… and deltas by distance: "
						       "not merged (git gc merges them)", s[keep].name,
						       c->name, pack_dir, kept[0], kept[1], kept[2]);
				if (later ? drop(&s[keep], keep_pos, e) : drop(c, c->pos, e))
					return -1;
				++*ndup;
				if (later)
					keep = ci, keep_pos = c->pos;
			} else {
				keep = ci;
				keep_pos = c->pos;
				memcpy(kept, c->cur, 20);
			}
		} else {
			int skip = c->dnext < c->ndrop && c->drop[c->dnext] == c->pos;
			c->dnext += skip;
			if (op_out_reserve(o, 20) < 0)
				return op_errc(e, EX_OSERR, "out of memory");
			if (part == P_IDS) {
				if (!skip) {
					memcpy(o->p + o->len, c->cur, 20);
					o->len += 20;
				}
			} else if (rd_get(&c->col, f, 4) < 0) {
				return damaged(pack_dir, c, e);
			} else if (skip) {
				;
			} else if (part == P_CRC) {
				memcpy(o->p + o->len, f, 4);
				o->len += 4;
			} else if (decode(c, get32(f), &at) < 0) {
				return damaged(pack_dir, c, e);
			} else {
				at = moved(c, at);
				if (part == P_OFF) {
					op_put32(o->p + o->len, at > op_gitpack_big_offset ?
						 0x80000000u | (*nbig)++ : (uint32_t)at);
					o->len += 4;
				} else if (at > op_gitpack_big_offset) {
					op_put32(o->p + o->len, (uint32_t)(at >> 32));
					op_put32(o->p + o->len + 4, (uint32_t)at);
					o->len += 8;
				}
			}
		}
		unsigned char prev[20];
		memcpy(prev, c->cur, 20);
		c->pos++;
		if (--c->left) {
			if (rd_get(&c->ids, c->cur, 20) < 0 || memcmp(prev, c->cur, 20) > 0)
				return damaged(pack_dir, c, e);
			heap_down(s, h, nh, 0);
		} else {
			h[0] = h[--nh];
			heap_down(s, h, nh, 0);
		}
		if (part != P_DUPS && o->len >= OP_STREAM_BYTES && op_stream_out(st, o, e) < 0)
			return -1;
	}
	return part == P_DUPS ? 0 : op_stream_out(st, o, e);
}

static int pos_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int hole_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct hole *)a)->start, y = ((const struct hole *)b)->start;
	return (x > y) - (x < y);
}

/* An object begins at `at`: a hole begun before it ends there at most. */
static int end_hole(struct src *s, uint64_t at)
{
	size_t lo = holes_before(s, at);
	if (lo > 0 && at < s->hole[lo - 1].end)
		s->hole[lo - 1].end = at;
	return 0;
}

/* s's holes, from its copies left out: each from its offset to where the
 * next object begins (or the checksum); fan loses their ids. */
static int src_holes(struct src *s, uint32_t fan[256], const char *pack_dir, op_err *e)
{
	int never = 0;
	s->nhole = 1 + s->ndrop;
	if (!(s->hole = malloc(s->nhole * sizeof(*s->hole))) ||
	    !(s->below = malloc((s->nhole + 1) * sizeof(*s->below))))
		return op_errc(e, EX_OSERR, "out of memory");
	s->hole[0] = (struct hole){ 0, 12 };
	qsort(s->drop, s->ndrop, sizeof(*s->drop), pos_cmp);
	for (size_t d = 0; d < s->ndrop; d++) {
		unsigned char f[20];
		uint64_t at;
		if (pread(s->idx, f, 4, IDX_OFF(s->n) + (off_t)s->drop[d] * 4) != 4 ||
		    decode(s, get32(f), &at) < 0 ||
		    pread(s->idx, f, 20, IDX_IDS + (off_t)s->drop[d] * 20) != 20)
			return damaged(pack_dir, s, e);
		s->hole[1 + d] = (struct hole){ at, s->size - 20 };
		for (int b = f[0]; b < 256; b++)
			fan[b]--;
	}
	qsort(s->hole, s->nhole, sizeof(*s->hole), hole_cmp);
	for (size_t i = 1; i < s->nhole; i++)
		if (s->hole[i].start == s->hole[i - 1].start)
			return damaged(pack_dir, s, e);
	if (s->ndrop && each_offset(s, end_hole, &never) < 0)
		return damaged(pack_dir, s, e);
	s->below[0] = 0;
	for (size_t i = 0; i < s->nhole; i++)
		s->below[i + 1] = s->below[i] + (s->hole[i].end - s->hole[i].start);
	return 0;
}

/* Copy s's objects, but for its holes, to the merged pack, checking the
 * whole pack against its checksum on the way. */
static int src_copy(struct src *s, struct op_stream *st, struct op_out *o, unsigned char *buf,
		    const char *pack_dir, op_err *e)
{
	struct op_sha1 check;
	unsigned char got[20];
	uint64_t at = 0, end = s->size - 20;
	size_t hi = 0;

	op_sha1_init(&check);
	while (at < end) {
		size_t want = end - at < OP_STREAM_BYTES ? (size_t)(end - at) : OP_STREAM_BYTES;
		ssize_t g = pread(s->pack, buf, want, (off_t)at);
		if (g < 0 && errno == EINTR)
			continue;
		if (g <= 0)
			return op_errc(e, EX_IOERR, "cannot read '%s/%s': %s", pack_dir, s->name,
				       g ? strerror(errno) : "it ends early");
		op_sha1_update(&check, buf, (size_t)g);
		uint64_t p = at, q = at + (uint64_t)g;
		while (p < q) {
			while (hi < s->nhole && s->hole[hi].end <= p)
				hi++;
			if (hi < s->nhole && s->hole[hi].start <= p) {
				p = s->hole[hi].end < q ? s->hole[hi].end : q;
				continue;
			}
			uint64_t to = hi < s->nhole && s->hole[hi].start < q ? s->hole[hi].start : q;
			if (op_out_reserve(o, (size_t)(to - p)) < 0)
				return op_errc(e, EX_OSERR, "out of memory");
			memcpy(o->p + o->len, buf + (p - at), (size_t)(to - p));
			o->len += (size_t)(to - p);
			p = to;
		}
		at = q;
		if (op_stream_out(st, o, e) < 0)
			return -1;
	}
	op_sha1_final(&check, got);
	if (memcmp(got, s->sum, 20) != 0)
		return op_errc(e, EX_DATAERR, "'%s/%s' is damaged (its checksum does not match)",
			       pack_dir, s->name);
	return 0;
}

/* s[0..k) into one new pack and its index in pack_dir, named made (its
 * name, pack-HEX.pack, can be one of theirs: when every copy of the
 * others was left out, it is that one again, byte for byte). */
static int merge_packs(struct src *s, int k, const char *pack_dir, char made[64], op_err *e)
{
	struct op_stream pk = { .fd = -1 }, ix = { .fd = -1 };
	struct op_out o = { 0 };
	uint64_t total = 0, base = 12;
	uint32_t fan[256] = { 0 }, nbig = 0;
	size_t ndup = 0;
	unsigned char sum[20], isum[20];
	char hex[41], path[4200];
	int rc = -1, *h = malloc((size_t)k * sizeof(*h));
	unsigned char *buf = malloc(OP_STREAM_BYTES);

	pk.tmp[0] = ix.tmp[0] = '\0';
	if (!h || !buf || op_out_reserve(&o, 8 + 1024) < 0) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (int i = 0; i < k; i++) {
		total += s[i].n;
		for (int b = 0; b < 256; b++)
			fan[b] += s[i].fan[b];
	}
	if (merge_part(s, k, h, P_DUPS, NULL, NULL, NULL, &ndup, pack_dir, e) < 0)
		goto out;
	for (int i = 0; i < k; i++) {
		if (src_holes(&s[i], fan, pack_dir, e) < 0)
			goto out;
		s[i].base = base;
		base += s[i].size - 20 - s[i].below[s[i].nhole];
	}
	total -= ndup;
	if (total > UINT32_MAX) {
		op_errc(e, EX_SOFTWARE, "too many objects for one pack");
		goto out;
	}
	snprintf(pk.tmp, sizeof(pk.tmp), "%s/tmp_outpost_%ld_pack", pack_dir, (long)getpid());
	snprintf(ix.tmp, sizeof(ix.tmp), "%s/tmp_outpost_%ld_idx", pack_dir, (long)getpid());
	op_sha1_init(&pk.sum);
	op_sha1_init(&ix.sum);
	if ((pk.fd = open(pk.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444)) < 0 ||
	    (ix.fd = open(ix.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444)) < 0) {
		op_errc(e, EX_IOERR, "cannot create '%s': %s", pk.fd < 0 ? pk.tmp : ix.tmp,
			strerror(errno));
		goto out;
	}
	memcpy(o.p, "PACK", 4);
	op_put32(o.p + 4, 2);
	op_put32(o.p + 8, (uint32_t)total);
	o.len = 12;
	if (op_stream_out(&pk, &o, e) < 0)
		goto out;
	for (int i = 0; i < k; i++)
		if (src_copy(&s[i], &pk, &o, buf, pack_dir, e) < 0)
			goto out;
	op_sha1_final(&pk.sum, sum);
	if (op_write_full(pk.fd, sum, 20) < 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", pk.tmp, strerror(errno));
		goto out;
	}

	memcpy(o.p, "\377tOc", 4);
	op_put32(o.p + 4, 2);
	for (int b = 0; b < 256; b++)
		op_put32(o.p + 8 + 4 * b, fan[b]);
	o.len = 8 + 1024;
	if (op_stream_out(&ix, &o, e) < 0)
		goto out;
	for (enum part p = P_IDS; p <= P_BIG; p++)
		if (merge_part(s, k, h, p, &ix, &o, &nbig, &ndup, pack_dir, e) < 0)
			goto out;
	memcpy(o.p, sum, 20);
	o.len = 20;
	if (op_stream_out(&ix, &o, e) < 0)
		goto out;
	op_sha1_final(&ix.sum, isum);
	if (op_write_full(ix.fd, isum, 20) < 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", ix.tmp, strerror(errno));
		goto out;
	}

	/* the pack first, then its index: a reader sees both or neither */
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	int pfd = pk.fd, ifd = ix.fd, bad;
	pk.fd = ix.fd = -1;
	bad = close(pfd) < 0;
	bad = close(ifd) < 0 || bad;
	snprintf(made, 64, "pack-%s.pack", hex);
	snprintf(path, sizeof(path), "%s/%s", pack_dir, made);
	if (bad || rename(pk.tmp, path) < 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/pack-%s.idx", pack_dir, hex);
	if (rename(ix.tmp, path) < 0) {
		op_errc(e, EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
		int theirs = 0;	/* the same bytes as one merged: it stays */
		for (int i = 0; i < k; i++)
			theirs |= !strcmp(s[i].name, made);
		snprintf(path, sizeof(path), "%s/%s", pack_dir, made);
		if (!theirs)
			unlink(path);
		goto out;
	}
	rc = 0;
out:
	if (pk.fd >= 0)
		close(pk.fd);
	if (ix.fd >= 0)
		close(ix.fd);
	if (rc < 0 && pk.tmp[0]) {
		unlink(pk.tmp);
		unlink(ix.tmp);
	}
	free(o.p);
	free(buf);
	free(h);
	return rc;
}

/* --- which packs merge --- */

struct packf {
	char name[64];
	off_t size;
};

static int packf_cmp(const void *a, const void *b)
{
	off_t x = ((const struct packf *)a)->size, y = ((const struct packf *)b)->size;
	return x < y ? -1 : x > y;
}

/* How many of the n packs pf (smallest first) to merge so that the merged
 * one and those left form a geometric progression: each pack at least
 * twice the size of all smaller ones together (git's `repack
 * --geometric=2`). That bounds the count at about log2 of the largest
 * over the smallest, and each byte is copied again only when its pack
 * grows by half or more. At least enough that at most max_packs remain,
 * and at most MERGE_AT_ONCE (descriptors; the rest merge next time). */
#define MERGE_AT_ONCE 64

size_t op_gitpack_pick(const off_t *size, size_t n, int max_packs)
{
	off_t below = 0;
	size_t take = 0;
	if (n <= (size_t)max_packs)
		return 0;
	for (size_t j = 0; j < n; j++) {
		if (size[j] < 2 * below)
			take = j + 1;
		below += size[j];
	}
	if (take < n - (size_t)max_packs + 1)
		take = n - (size_t)max_packs + 1;
	if (take < 2)
		take = 2;
	return take > MERGE_AT_ONCE ? MERGE_AT_ONCE : take;
}

int op_gitpack_consolidate(const char *pack_dir, int max_packs, op_err *e)
{
	struct packf *pf = NULL;
	struct src *s = NULL;
	off_t *size = NULL;
	size_t npf = 0, pcap = 0, take = 0;
	struct dirent *de;
	int rc = -1;
	DIR *dir = opendir(pack_dir);

	if (!dir)
		return errno == ENOENT ? 0 : op_errc(e, EX_IOERR, "cannot read '%s': %s",
						     pack_dir, strerror(errno));
	while ((de = readdir(dir))) {
		size_t l = strlen(de->d_name);
		struct stat st;
		char path[4200];
		if (l < 10 || l >= sizeof(pf->name) || strncmp(de->d_name, "pack-", 5) != 0 ||
		    strcmp(de->d_name + l - 5, ".pack") != 0)
			continue;
		/* a pack without its index is half-written (or its merge
		 * ended between the two renames): not ours to merge */
		snprintf(path, sizeof(path), "%s/%.*s.idx", pack_dir, (int)l - 5, de->d_name);
		if (access(path, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pack_dir, de->d_name);
		if (stat(path, &st) < 0)
			continue;
		if (npf == pcap) {
			struct packf *p = realloc(pf, (pcap = pcap ? 2 * pcap : 16) * sizeof(*p));
			if (!p) {
				op_errc(e, EX_OSERR, "out of memory");
				goto out;
			}
			pf = p;
		}
		snprintf(pf[npf].name, sizeof(pf->name), "%s", de->d_name);
		pf[npf++].size = st.st_size;
	}
	rc = 0;
	if (npf <= (size_t)max_packs)
		goto out;
	rc = -1;
	qsort(pf, npf, sizeof(*pf), packf_cmp);
	if (!(size = malloc(npf * sizeof(*size)))) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < npf; i++)
		size[i] = pf[i].size;
	take = op_gitpack_pick(size, npf, max_packs);
	if (!(s = calloc(take, sizeof(*s)))) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < take; i++)
		s[i].idx = s[i].pack = -1;
	for (size_t i = 0; i < take; i++) {
		snprintf(s[i].name, sizeof(s[i].name), "%s", pf[i].name);
		if (src_open(&s[i], pack_dir, e) < 0)
			goto out;
	}
	char made[64];
	if (merge_packs(s, (int)take, pack_dir, made, e) < 0)
		goto out;
	/* The new pack is in place: the merged ones go, each index first
	 * (a reader that has one open keeps it until it closes; one that
	 * misses rescans the folder). */
	for (size_t i = 0; i < take; i++) {
		char path[4200];
		size_t l = strlen(pf[i].name) - 5;
		if (!strcmp(pf[i].name, made))
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.idx", pack_dir, (int)l, pf[i].name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", pack_dir, pf[i].name);
		unlink(path);
	}
	rc = (int)take;
out:
	for (size_t i = 0; s && i < take; i++) {
		if (s[i].idx >= 0)
			close(s[i].idx);
		if (s[i].pack >= 0)
			close(s[i].pack);
		free(s[i].drop);
		free(s[i].hole);
		free(s[i].below);
	}
	closedir(dir);
	free(s);
	free(size);
	free(pf);
	return rc;
}
