/*
 * wire.c — encoding and decoding of protocol frames: the daemon's
 * hostile-input boundary.
 *
 * Everything here works on bytes a peer chose. Readers (op_rd) never step
 * past their end, never trust a length before comparing it with what is
 * left, and never allocate: decoded strings point into the frame. The only
 * allocations on the decoding side are the inflated batch payload, grown
 * while inflating and never past the caller's cap, and zlib's own fixed
 * state. Writers (op_buf) have a hard cap; a put that would pass it sets
 * `oom` and every later put is a no-op, so a caller checks once at the end.
 *
 * Canonical forms. Varints must be minimal (no trailing 0x80 0x00 padding),
 * so every value has exactly one encoding and decode(encode(x)) == x and
 * encode(decode(bytes)) == bytes for every accepted message. The encoders
 * refuse (set `oom`) anything the matching decoder would refuse — an empty
 * site id, a gid over 64 bytes, an unknown vtype, an empty zlib stream —
 * so a local bug shows up as a failed put on this side, not as a MALFORMED
 * error from the peer after the batch has gone out.
 *
 * The byte-by-byte layouts are in docs/PROTOCOL.md.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "wire.h"

#define WIRE_MAX_SITE	32	/* site id, bytes */
#define WIRE_MAX_GID	64	/* global row id, bytes */
#define WIRE_MAX_STAFF	64	/* staff id, bytes (may be empty) */
#define WIRE_UV_MAX_LEN	10	/* ceil(64 / 7) */
/* The smallest encoded change: tbl(1) gid(1+1) col(1) hlc(1) prev(1)
 * site(1+1) staff(1) vtype(1), NULL value. A batch cannot hold more
 * changes than raw_len / this. */
#define WIRE_CHANGE_MIN	10
#define WIRE_ZCHUNK	(64u << 10)	/* first output allocation for zlib */

/* ---------------------------------------------------------------- buffer */

static size_t buf_max(const op_buf *b)
{
	return b->max ? b->max : OP_WIRE_MAX_RAW;
}

static void buf_fail(op_buf *b)
{
	b->oom = 1;
}

/* Set the capacity to exactly ncap bytes (ncap >= len). 0, or -1 with
 * b->oom set. */
static int buf_setcap(op_buf *b, size_t ncap)
{
	unsigned char *np;

	if (ncap > buf_max(b)) {
		buf_fail(b);
		return -1;
	}
	np = realloc(b->p, ncap);
	if (!np) {
		buf_fail(b);
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

/* Make room for `need` bytes in total (not extra); never past the cap.
 * Growth is geometric so n puts cost O(n). 0, or -1 with b->oom set. */
static int buf_grow(op_buf *b, size_t need)
{
	size_t max = buf_max(b), ncap;

	if (b->oom)
		return -1;
	if (need <= b->cap)
		return 0;
	if (need > max) {
		buf_fail(b);
		return -1;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	if (ncap > max)
		ncap = max;
	return buf_setcap(b, ncap);
}

void op_buf_init(op_buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max ? max : OP_WIRE_MAX_RAW;
	b->oom = 0;
}

void op_buf_reset(op_buf *b)
{
	b->len = 0;
	b->oom = 0;
}

/* Frees the memory; b keeps its max and can be used again. */
void op_buf_free(op_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void op_put_bytes(op_buf *b, const void *p, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (!p || n > SIZE_MAX - b->len) {
		buf_fail(b);
		return;
	}
	if (buf_grow(b, b->len + n) < 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void op_put_uv(op_buf *b, uint64_t v)
{
	unsigned char tmp[WIRE_UV_MAX_LEN];
	size_t n = 0;

	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	op_put_bytes(b, tmp, n);
}

void op_put_sv(op_buf *b, int64_t v)
{
	/* zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...; in unsigned arithmetic
	 * that never shifts a set bit out, so no sanitizer has a word to say */
	uint64_t u = (uint64_t)v;

	op_put_uv(b, v < 0 ? (~u << 1) | 1 : u << 1);
}

void op_put_str(op_buf *b, const char *s, size_t n)
{
	if (n == (size_t)-1)
		n = s ? strlen(s) : 0;
	/* a string the peer would refuse is not worth sending */
	if (n > OP_WIRE_MAX_STR || (n && !s)) {
		buf_fail(b);
		return;
	}
	op_put_uv(b, n);
	op_put_bytes(b, s, n);
}

/* ---------------------------------------------------------------- reader */

static int rd_fail(op_rd *r, const char *why)
{
	if (!r->err)
		r->err = why;
	return -1;
}

static size_t rd_left(const op_rd *r)
{
	return (size_t)(r->end - r->p);
}

void op_rd_init(op_rd *r, const void *p, size_t n)
{
	/* NULL + 0 is undefined; point an empty reader at a real object */
	static const unsigned char none[1];

	r->err = NULL;
	if (!p) {
		r->p = r->end = none;
		if (n)
			r->err = "no input";
		return;
	}
	r->p = p;
	r->end = r->p + n;
}

int op_get_uv(op_rd *r, uint64_t *v)
{
	uint64_t x = 0;
	int i;

	if (r->err)
		return -1;
	for (i = 0; i < WIRE_UV_MAX_LEN; i++) {
		unsigned c;

		if (r->p == r->end)
			return rd_fail(r, "truncated varint");
		c = *r->p++;
		if (i == WIRE_UV_MAX_LEN - 1) {
			/* the 10th byte carries bit 63 only */
			if (c & 0x80)
				return rd_fail(r, "varint longer than 10 bytes");
			if (c > 1)
				return rd_fail(r, "varint overflows 64 bits");
		}
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			if (c == 0 && i > 0)
				return rd_fail(r, "varint not minimally encoded");
			*v = x;
			return 0;
		}
	}
	return rd_fail(r, "varint longer than 10 bytes"); /* not reached */
}

int op_get_sv(op_rd *r, int64_t *v)
{
	uint64_t u;

	if (op_get_uv(r, &u) < 0)
		return -1;
	u = u & 1 ? ~(u >> 1) : u >> 1;
	memcpy(v, &u, sizeof *v);	/* two's complement, no conversion */
	return 0;
}

int op_get_str(op_rd *r, const char **s, size_t *n)
{
	uint64_t len;

	if (op_get_uv(r, &len) < 0)
		return -1;
	if (len > OP_WIRE_MAX_STR)
		return rd_fail(r, "string over 1 MiB");
	if (len > rd_left(r))
		return rd_fail(r, "string runs past the end of the frame");
	*s = (const char *)r->p;
	*n = (size_t)len;
	r->p += len;
	return 0;
}

int op_get_bytes(op_rd *r, const void **p, size_t n)
{
	if (r->err)
		return -1;
	if (n > rd_left(r))
		return rd_fail(r, "field runs past the end of the frame");
	*p = r->p;
	r->p += n;
	return 0;
}

int op_rd_done(const op_rd *r)
{
	return !r->err && r->p == r->end;
}

/* A string with a length in [lo, hi]; the two reasons name the field. */
static int get_str_in(op_rd *r, const char **s, size_t *n, size_t lo,
		      size_t hi, const char *short_why, const char *long_why)
{
	if (op_get_str(r, s, n) < 0)
		return -1;
	if (*n < lo)
		return rd_fail(r, short_why);
	if (*n > hi)
		return rd_fail(r, long_why);
	return 0;
}

static int get_site(op_rd *r, const char **s, size_t *n)
{
	return get_str_in(r, s, n, 1, WIRE_MAX_SITE, "site id is empty",
			  "site id over 32 bytes");
}

static int site_ok(const char *s, size_t n)
{
	return s && n >= 1 && n <= WIRE_MAX_SITE;
}

/* ---------------------------------------------------------------- header */

void op_wire_hdr(unsigned char out[OP_WIRE_HDR_LEN], int code)
{
	out[0] = 'O';
	out[1] = 'P';
	out[2] = OP_PROTO_VERSION;
	out[3] = (unsigned char)code;
}

int op_wire_hdr_parse(const void *p, size_t n, int *code, int *perr,
		      const char **why)
{
	const unsigned char *h = p;
	const char *w;
	int e = OP_PERR_MALFORMED;

	if (!h || n != OP_WIRE_HDR_LEN)
		w = "header frame is not 4 bytes";
	else if (h[0] != 'O' || h[1] != 'P')
		w = "header frame does not start with \"OP\"";
	else if (h[2] != OP_PROTO_VERSION) {
		w = "protocol version not spoken";
		e = OP_PERR_VERSION;
	} else {
		/* unknown codes are the dispatcher's call (OP_PERR_UNKNOWN) */
		if (code)
			*code = h[3];
		return 0;
	}
	if (perr)
		*perr = e;
	if (why)
		*why = w;
	return -1;
}

/* ---------------------------------------------------------------- bodies */

/* Common tail of every decoder: the body must be consumed exactly. */
static int dec_end(op_rd *r, void *m, size_t msz, const char **why)
{
	if (!r->err && r->p != r->end)
		r->err = "trailing bytes after message body";
	if (!r->err)
		return 0;
	memset(m, 0, msz);	/* no half-decoded pointers escape */
	if (why)
		*why = r->err;
	return -1;
}

/* An incarnation id: 0..OP_WIRE_MAX_INC bytes (empty: not known). */
static void get_inc(op_rd *r, const char **s, size_t *n)
{
	if (op_get_str(r, s, n) == 0 && *n > OP_WIRE_MAX_INC && !r->err)
		r->err = "incarnation over 64 bytes";
}

void op_enc_hello(op_buf *b, const struct op_hello *m)
{
	if (!site_ok(m->site, m->site_len)) {
		buf_fail(b);
		return;
	}
	op_put_str(b, m->site, m->site_len);
	op_put_uv(b, m->schema_version);
	op_put_uv(b, m->recv_ver);
	op_put_uv(b, m->next_batch);
	op_put_uv(b, m->wall_ms);
	op_put_uv(b, m->head_ver);
	if (m->incarnation_len > OP_WIRE_MAX_INC) {
		buf_fail(b);
		return;
	}
	op_put_str(b, m->incarnation, m->incarnation_len);
}

int op_dec_hello(struct op_hello *m, const void *p, size_t n, const char **why)
{
	op_rd r;

	memset(m, 0, sizeof *m);
	op_rd_init(&r, p, n);
	get_site(&r, &m->site, &m->site_len);
	op_get_uv(&r, &m->schema_version);
	op_get_uv(&r, &m->recv_ver);
	op_get_uv(&r, &m->next_batch);
	op_get_uv(&r, &m->wall_ms);
	op_get_uv(&r, &m->head_ver);
	get_inc(&r, &m->incarnation, &m->incarnation_len);
	return dec_end(&r, m, sizeof *m, why);
}

void op_enc_welcome(op_buf *b, const struct op_welcome *m)
{
	if (!site_ok(m->site, m->site_len)) {
		buf_fail(b);
		return;
	}
	op_put_str(b, m->site, m->site_len);
	op_put_uv(b, m->schema_version);
	op_put_uv(b, m->applied_batch);
	op_put_uv(b, m->wall_ms);
	op_put_uv(b, m->max_ahead_ms);
	if (m->incarnation_len > OP_WIRE_MAX_INC || m->rebase > 1) {
		buf_fail(b);
		return;
	}
	op_put_uv(b, (uint64_t)m->rebase);
	op_put_str(b, m->incarnation, m->incarnation_len);
	op_put_uv(b, m->site_hlc);
}

int op_dec_welcome(struct op_welcome *m, const void *p, size_t n,
		   const char **why)
{
	op_rd r;

	memset(m, 0, sizeof *m);
	op_rd_init(&r, p, n);
	get_site(&r, &m->site, &m->site_len);
	op_get_uv(&r, &m->schema_version);
	op_get_uv(&r, &m->applied_batch);
	op_get_uv(&r, &m->wall_ms);
	op_get_uv(&r, &m->max_ahead_ms);
	uint64_t rebase = 0;
	op_get_uv(&r, &rebase);
	if (!r.err && rebase > 1)
		r.err = "welcome rebase flag is not 0 or 1";
	m->rebase = (int)rebase;
	get_inc(&r, &m->incarnation, &m->incarnation_len);
	op_get_uv(&r, &m->site_hlc);
	return dec_end(&r, m, sizeof *m, why);
}

/* The checks a batch header must pass, shared by encoder and decoder.
 * Beyond the caps: batches count from 1 (0 means "none" in WELCOME and
 * ACK bookkeeping), and `count` must be possible in `raw_len` bytes, so a
 * receiver never loops on a count the payload cannot hold. */
static const char *batch_check(const struct op_batch_hdr *m)
{
	if (m->seq == 0)
		return "batch seq 0 (batches count from 1)";
	if (m->upto_ver < m->from_ver)
		return "batch upto_ver below from_ver";
	if (m->raw_len > OP_WIRE_MAX_RAW)
		return "batch raw_len over 16 MiB";
	if (m->count > m->raw_len / WIRE_CHANGE_MIN)
		return "batch count does not fit in raw_len";
	if (m->z_len == 0)
		return "batch has no zlib stream";
	if (m->z_len > OP_WIRE_MAX_FRAME)
		return "batch zlib stream over 4 MiB";
	return NULL;
}

void op_enc_batch_hdr(op_buf *b, const struct op_batch_hdr *m)
{
	if (batch_check(m) || !m->z) {
		buf_fail(b);
		return;
	}
	op_put_uv(b, m->seq);
	op_put_uv(b, m->from_ver);
	op_put_uv(b, m->upto_ver);
	op_put_uv(b, m->count);
	op_put_uv(b, m->raw_len);
	op_put_bytes(b, m->z, m->z_len);
}

int op_dec_batch_hdr(struct op_batch_hdr *m, const void *p, size_t n,
		     const char **why)
{
	op_rd r;
	const char *bad;

	memset(m, 0, sizeof *m);
	op_rd_init(&r, p, n);
	op_get_uv(&r, &m->seq);
	op_get_uv(&r, &m->from_ver);
	op_get_uv(&r, &m->upto_ver);
	op_get_uv(&r, &m->count);
	op_get_uv(&r, &m->raw_len);
	if (!r.err) {
		/* the zlib stream is the rest of the body */
		m->z = r.p;
		m->z_len = rd_left(&r);
		r.p = r.end;
		if ((bad = batch_check(m)))
			rd_fail(&r, bad);
	}
	return dec_end(&r, m, sizeof *m, why);
}

void op_enc_ack(op_buf *b, const struct op_ack *m)
{
	op_put_uv(b, m->seq);
	op_put_uv(b, m->upto_ver);
}

int op_dec_ack(struct op_ack *m, const void *p, size_t n, const char **why)
{
	op_rd r;

	memset(m, 0, sizeof *m);
	op_rd_init(&r, p, n);
	op_get_uv(&r, &m->seq);
	op_get_uv(&r, &m->upto_ver);
	return dec_end(&r, m, sizeof *m, why);
}

void op_enc_error(op_buf *b, uint64_t code, const char *msg)
{
	op_put_uv(b, code);
	op_put_str(b, msg ? msg : "", (size_t)-1);
}

int op_dec_error(struct op_error_msg *m, const void *p, size_t n,
		 const char **why)
{
	op_rd r;

	memset(m, 0, sizeof *m);
	op_rd_init(&r, p, n);
	op_get_uv(&r, &m->code);
	op_get_str(&r, &m->msg, &m->msg_len);
	return dec_end(&r, m, sizeof *m, why);
}

void op_enc_ping(op_buf *b, uint64_t wall_ms)
{
	op_put_uv(b, wall_ms);
}

int op_dec_ping(uint64_t *wall_ms, const void *p, size_t n, const char **why)
{
	op_rd r;

	*wall_ms = 0;
	op_rd_init(&r, p, n);
	op_get_uv(&r, wall_ms);
	return dec_end(&r, wall_ms, sizeof *wall_ms, why);
}

/* ---------------------------------------------------------------- changes */

static const char *change_check(const struct op_change *c)
{
	if (!c->gid || c->gid_len < 1 || c->gid_len > WIRE_MAX_GID)
		return "change gid not 1..64 bytes";
	if (c->col < OP_COL_ROW)
		return "change column below -2";
	if (!site_ok(c->site, c->site_len))
		return "change site not 1..32 bytes";
	if (c->staff_len > WIRE_MAX_STAFF || (c->staff_len && !c->staff))
		return "change staff over 64 bytes";
	switch (c->vtype) {
	case OP_V_NULL: case OP_V_INT: case OP_V_REAL:
		return NULL;
	case OP_V_TEXT: case OP_V_BLOB:
		if (c->s_len > OP_WIRE_MAX_STR || (c->s_len && !c->s))
			return "change value over 1 MiB";
		return NULL;
	}
	return "change has an unknown value type";
}

void op_enc_change(op_buf *b, const struct op_change *c)
{
	unsigned char vt, le[8];
	uint64_t bits;
	int i;

	if (change_check(c)) {
		buf_fail(b);
		return;
	}
	op_put_uv(b, c->tbl);
	op_put_str(b, c->gid, c->gid_len);
	op_put_uv(b, c->hlc);
	op_put_uv(b, c->prev);
	op_put_str(b, c->site, c->site_len);
	op_put_str(b, c->staff, c->staff_len);
	op_put_sv(b, c->col);
	vt = (unsigned char)c->vtype;
	op_put_bytes(b, &vt, 1);
	switch (c->vtype) {
	case OP_V_INT:
		op_put_sv(b, c->i);
		break;
	case OP_V_REAL:
		memcpy(&bits, &c->r, sizeof bits);
		for (i = 0; i < 8; i++)
			le[i] = (unsigned char)(bits >> (8 * i));
		op_put_bytes(b, le, 8);
		break;
	case OP_V_TEXT:
	case OP_V_BLOB:
		op_put_str(b, c->s, c->s_len);
		break;
	}
}

int op_dec_change(op_rd *r, struct op_change *c)
{
	const void *vp;
	const unsigned char *le;
	uint64_t bits = 0;
	int i;

	memset(c, 0, sizeof *c);
	op_get_uv(r, &c->tbl);
	get_str_in(r, &c->gid, &c->gid_len, 1, WIRE_MAX_GID,
		   "change gid is empty", "change gid over 64 bytes");
	op_get_uv(r, &c->hlc);
	op_get_uv(r, &c->prev);
	get_str_in(r, &c->site, &c->site_len, 1, WIRE_MAX_SITE,
		   "change site is empty", "change site over 32 bytes");
	get_str_in(r, &c->staff, &c->staff_len, 0, WIRE_MAX_STAFF,
		   "", "change staff over 64 bytes");
	if (!op_get_sv(r, &c->col) && c->col < OP_COL_ROW)
		rd_fail(r, "change column below -2");
	if (op_get_bytes(r, &vp, 1) == 0) {
		c->vtype = *(const unsigned char *)vp;
		switch (c->vtype) {
		case OP_V_NULL:
			break;
		case OP_V_INT:
			op_get_sv(r, &c->i);
			break;
		case OP_V_REAL:
			if (op_get_bytes(r, &vp, 8) < 0)
				break;
			le = vp;
			for (i = 0; i < 8; i++)
				bits |= (uint64_t)le[i] << (8 * i);
			memcpy(&c->r, &bits, sizeof c->r);
			break;
		case OP_V_TEXT:
		case OP_V_BLOB:
			op_get_str(r, &c->s, &c->s_len);
			break;
		default:
			rd_fail(r, "change has an unknown value type");
		}
	}
	if (r->err) {
		memset(c, 0, sizeof *c);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- zlib */

static const char *zerr(int ret)
{
	switch (ret) {
	case Z_MEM_ERROR:	return "zlib: out of memory";
	case Z_DATA_ERROR:	return "corrupt zlib stream";
	case Z_NEED_DICT:	return "corrupt zlib stream (asks for a dictionary)";
	case Z_STREAM_ERROR:	return "zlib: inconsistent stream state";
	case Z_VERSION_ERROR:	return "zlib: library version mismatch";
	case Z_BUF_ERROR:	return "truncated zlib stream";
	default:		return "zlib: unexpected error";
	}
}

static int zfail(const char **why, const char *w)
{
	if (why)
		*why = w;
	return -1;
}

/* Feed the next slice of input when zlib has used up the last one (avail_in
 * is a uInt; inputs past 4 GiB go in slices). */
static void zfeed(z_stream *z, const unsigned char **in, size_t *left)
{
	size_t n;

	if (z->avail_in || !*left)
		return;
	n = *left < UINT_MAX ? *left : UINT_MAX;
	z->next_in = (unsigned char *)*in;	/* zlib's API is not const */
	z->avail_in = (uInt)n;
	*in += n;
	*left -= n;
}

/* Free room in b, growing geometrically but never past `lim` bytes of
 * capacity in total. 0 and b->cap > b->len, or -1 (at the limit, or realloc
 * failed); b->oom is left alone, the caller reports and restores. */
static int zroom(op_buf *b, size_t lim)
{
	size_t grow;

	if (b->cap > b->len)
		return 0;
	if (b->len >= lim)
		return -1;
	grow = b->cap < WIRE_ZCHUNK ? WIRE_ZCHUNK : b->cap;
	if (grow > lim - b->len)
		grow = lim - b->len;
	if (buf_setcap(b, b->len + grow) < 0) {
		b->oom = 0;
		return -1;
	}
	return 0;
}

/* Appends a zlib (RFC 1950) stream; the output is bounded by out's own cap.
 * On failure out->len is back where it was. */
int op_deflate(op_buf *out, const void *in, size_t n, int level,
	       const char **why)
{
	z_stream z;
	const unsigned char *ip = in;
	size_t left = n, start = out->len, lim = buf_max(out);
	const char *w = NULL;
	int ret, flush;

	if (out->oom)
		return zfail(why, "output buffer already failed");
	if (!in && n)
		return zfail(why, "no input");
	if (level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION)
		return zfail(why, "zlib level not in -1..9");
	memset(&z, 0, sizeof z);
	if ((ret = deflateInit(&z, level)) != Z_OK)
		return zfail(why, zerr(ret));
	do {
		zfeed(&z, &ip, &left);
		/* once the last slice is in, every call must finish */
		flush = left ? Z_NO_FLUSH : Z_FINISH;
		if (zroom(out, lim) < 0) {
			w = out->len >= lim ? "compressed batch over the buffer cap"
					    : "zlib: out of memory";
			goto out;
		}
		z.next_out = out->p + out->len;
		z.avail_out = (uInt)(out->cap - out->len < UINT_MAX
				     ? out->cap - out->len : UINT_MAX);
		ret = deflate(&z, flush);
		out->len = (size_t)(z.next_out - out->p);
		if (ret == Z_STREAM_ERROR) {
			w = zerr(ret);
			goto out;
		}
	} while (ret != Z_STREAM_END);
out:
	deflateEnd(&z);
	if (w) {
		out->len = start;
		return zfail(why, w);
	}
	return 0;
}

/* Accepts only a zlib (RFC 1950) stream, Adler-32 checked; gzip and raw
 * deflate are refused. `cap` bounds this call's output, out->max the
 * buffer's capacity; neither is ever allocated past. On failure out->len is
 * back where it was (the memory stays for reuse). */
int op_inflate_capped(op_buf *out, const void *in, size_t n, size_t cap,
		      const char **why)
{
	z_stream z;
	const unsigned char *ip = in;
	unsigned char probe;
	size_t left = n, start = out->len, lim;
	const char *w = NULL;
	int ret, buf_bound = 0;

	if (out->oom)
		return zfail(why, "output buffer already failed");
	if (!in || !n)
		return zfail(why, "empty zlib stream");
	/* never allocate past start + cap, nor past the buffer's own cap */
	lim = cap > SIZE_MAX - start ? SIZE_MAX : start + cap;
	if (lim > buf_max(out)) {
		lim = buf_max(out);
		buf_bound = 1;
	}
	memset(&z, 0, sizeof z);
	if ((ret = inflateInit(&z)) != Z_OK)
		return zfail(why, zerr(ret));
	for (;;) {
		size_t room = cap - (out->len - start);
		int probing;

		zfeed(&z, &ip, &left);
		if (room && zroom(out, lim) < 0 && out->len < lim) {
			w = "zlib: out of memory";
			goto out;
		}
		/* At a cap, one byte on the stack tells "the stream ends
		 * exactly here" from "more to come" without growing the
		 * buffer past the cap. */
		probing = room == 0 || out->cap == out->len;
		if (probing) {
			z.next_out = &probe;
			z.avail_out = 1;
		} else {
			size_t free_ = out->cap - out->len;

			if (free_ > room)
				free_ = room;
			if (free_ > UINT_MAX)
				free_ = UINT_MAX;
			z.next_out = out->p + out->len;
			z.avail_out = (uInt)free_;
		}
		ret = inflate(&z, Z_NO_FLUSH);
		if (probing) {
			if (z.avail_out == 0) {
				w = room == 0 || !buf_bound
				    ? "inflated batch over the cap"
				    : "inflated batch over the buffer cap";
				goto out;
			}
		} else {
			out->len = (size_t)(z.next_out - out->p);
		}
		if (ret == Z_STREAM_END) {
			if (z.avail_in || left)
				w = "trailing bytes after zlib stream";
			goto out;
		}
		if (ret == Z_BUF_ERROR && (z.avail_in || left)) {
			/* no progress though input remains: cannot happen
			 * with output room, but never spin on it */
			w = "zlib: no progress";
			goto out;
		}
		if (ret != Z_OK) {
			w = zerr(ret);
			goto out;
		}
	}
out:
	inflateEnd(&z);
	if (w) {
		out->len = start;
		return zfail(why, w);
	}
	return 0;
}
