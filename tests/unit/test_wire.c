/*
 * test_wire.c — unit tests for daemon/wire.c, the protocol codec.
 *
 * wire.c is where a peer's bytes enter the daemon, so besides round trips
 * these tests throw everything a hostile or broken peer could send at the
 * decoders: every truncation of every message, trailing bytes, overlong and
 * overflowing varints, out-of-range fields, corrupt and truncated zlib
 * streams, trailing garbage after a stream, a zip bomb, and seeded random
 * and mutated frames. A decoder that accepts something must also be able to
 * re-encode it to the very same bytes (encodings are canonical).
 *
 * Suites are named wire_* (all unit tests link into one binary).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "wire.h"

#include "wire_test.h"

static struct op_hello sample_hello(void)
{
	struct op_hello m = {
		.site = "BJ-01", .site_len = 5,
		.schema_version = 7,
		.recv_ver = 1234567890123ULL,
		.next_batch = 300,
		.wall_ms = 1732300000000ULL,
		.head_ver = 4242,
		.incarnation = "0123456789abcdef0123456789abcdef", .incarnation_len = 32,
	};
	return m;
}

static struct op_welcome sample_welcome(void)
{
	struct op_welcome m = {
		.site = "HQ", .site_len = 2,
		.schema_version = 7,
		.applied_batch = 299,
		.wall_ms = 1732300000123ULL,
		.max_ahead_ms = 300000,
		.rebase = 1,
		.incarnation = "fedcba9876543210", .incarnation_len = 16,
		.site_hlc = 0x1234567890ULL,
	};
	return m;
}

/* A batch frame around a real zlib stream of `raw` (n bytes). */
static void make_batch(op_buf *frame, op_buf *z, const void *raw, size_t n,
		       uint64_t count)
{
	const char *why = NULL;
	struct op_batch_hdr h;

	op_buf_reset(z);
	cr_assert_eq(op_deflate(z, raw, n, 6, &why), 0, "%s", why);
	h = (struct op_batch_hdr){
		.seq = 42, .from_ver = 1000, .upto_ver = 1999,
		.count = count, .raw_len = n, .z = z->p, .z_len = z->len,
	};
	op_buf_reset(frame);
	op_enc_batch_hdr(frame, &h);
	cr_assert(!frame->oom);
}

static struct op_change sample_change(int vtype)
{
	static const char blob[] = { 0, 1, 2, '\0', (char)0xff, 'x' };
	struct op_change c = {
		.tbl = 3,
		.gid = "0193a5e2-7c4b-7def-8a01-23456789abcd", .gid_len = 36,
		.col = 5,
		.hlc = (1732300000000ULL << 16) | 7,
		.prev = (1732299999000ULL << 16) | 2,
		.site = "SH-02", .site_len = 5,
		.staff = "wang.li", .staff_len = 7,
		.vtype = vtype,
	};
	switch (vtype) {
	case OP_V_INT: c.i = -1234567890123LL; break;
	case OP_V_REAL: c.r = 3.25; break;
	case OP_V_TEXT: c.s = "张伟 Zhang Wei"; c.s_len = strlen(c.s); break;
	case OP_V_BLOB: c.s = blob; c.s_len = sizeof blob; break;
	}
	return c;
}

static void assert_change_eq(const struct op_change *a,
			     const struct op_change *b)
{
	cr_assert_eq(a->tbl, b->tbl);
	cr_assert_eq(a->gid_len, b->gid_len);
	cr_assert(memcmp(a->gid, b->gid, a->gid_len) == 0);
	cr_assert_eq(a->col, b->col);
	cr_assert_eq(a->hlc, b->hlc);
	cr_assert_eq(a->prev, b->prev);
	cr_assert_eq(a->site_len, b->site_len);
	cr_assert(memcmp(a->site, b->site, a->site_len) == 0);
	cr_assert_eq(a->staff_len, b->staff_len);
	cr_assert(a->staff_len == 0 ||
		  memcmp(a->staff, b->staff, a->staff_len) == 0);
	cr_assert_eq(a->vtype, b->vtype);
	switch (a->vtype) {
	case OP_V_INT:
		cr_assert_eq(a->i, b->i);
		break;
	case OP_V_REAL:
		cr_assert(memcmp(&a->r, &b->r, sizeof a->r) == 0);
		break;
	case OP_V_TEXT:
	case OP_V_BLOB:
		cr_assert_eq(a->s_len, b->s_len);
		cr_assert(a->s_len == 0 || memcmp(a->s, b->s, a->s_len) == 0);
		break;
	}
}

/* A change body written field by field, to build invalid ones. */
static void raw_change(op_buf *b, const char *gid, size_t gid_len,
		       int64_t col, const char *site, size_t site_len,
		       const char *staff, size_t staff_len, int vtype)
{
	unsigned char vt = (unsigned char)vtype;

	op_put_uv(b, 1);
	op_put_str(b, gid, gid_len);
	op_put_uv(b, 99);	/* hlc */
	op_put_uv(b, 98);	/* prev */
	op_put_str(b, site, site_len);
	op_put_str(b, staff, staff_len);
	op_put_sv(b, col);	/* after the fields a row's changes share (protocol 3) */
	op_put_bytes(b, &vt, 1);
}

static int dec_one_change(const op_buf *b, struct op_change *c,
			  const char **why)
{
	op_rd r;
	int rc;

	op_rd_init(&r, b->p, b->len);
	rc = op_dec_change(&r, c);
	*why = r.err;
	if (rc == 0 && !op_rd_done(&r)) {
		*why = "not all consumed";
		return -1;
	}
	return rc;
}

/* ------------------------------------------------------------- op_buf */

Test(wire_buf, init_zero_max_means_raw_cap)
{
	op_buf b;

	op_buf_init(&b, 0);
	cr_assert_eq(b.max, OP_WIRE_MAX_RAW);
	cr_assert_eq(b.len, 0);
	cr_assert_null(b.p);
	op_put_bytes(&b, "abc", 3);
	cr_assert(buf_eq(&b, "abc", 3));
	op_buf_free(&b);
	cr_assert_null(b.p);
}

Test(wire_buf, hard_cap_sets_oom_and_later_puts_do_nothing)
{
	op_buf b;

	op_buf_init(&b, 10);
	op_put_bytes(&b, "12345678", 8);
	cr_assert(!b.oom);
	op_put_bytes(&b, "abc", 3);
	cr_assert(b.oom);
	cr_assert_eq(b.len, 8);
	op_put_bytes(&b, "z", 1);
	op_put_uv(&b, 1);
	cr_assert_eq(b.len, 8, "puts after oom must be ignored");
	cr_assert(b.cap <= 10);
	op_buf_reset(&b);
	cr_assert(!b.oom);
	cr_assert_eq(b.len, 0);
	op_put_bytes(&b, "0123456789", 10);
	cr_assert(buf_eq(&b, "0123456789", 10));
	op_buf_free(&b);
}

Test(wire_buf, free_is_null_safe_and_idempotent)
{
	op_buf b;

	op_buf_free(NULL);
	op_buf_init(&b, 0);
	op_buf_free(&b);
	op_put_bytes(&b, "x", 1);
	cr_assert(buf_eq(&b, "x", 1));
	op_buf_free(&b);
	op_buf_free(&b);
}

Test(wire_buf, grows_byte_by_byte)
{
	op_buf b;
	size_t n = 1u << 20;

	op_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(i * 7);
		op_put_bytes(&b, &c, 1);
	}
	cr_assert(!b.oom);
	cr_assert_eq(b.len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(b.p[i], (unsigned char)(i * 7));
	op_buf_free(&b);
}

Test(wire_buf, put_str_strlen_and_limits)
{
	op_buf b;

	op_buf_init(&b, 0);
	op_put_str(&b, "abc", (size_t)-1);
	cr_assert(buf_eq(&b, "\x03" "abc", 4));
	op_buf_reset(&b);
	op_put_str(&b, NULL, (size_t)-1);
	op_put_str(&b, "", 0);
	cr_assert(buf_eq(&b, "\0\0", 2));
	/* longer than any decoder accepts: refused before reading it */
	op_buf_reset(&b);
	op_put_str(&b, "x", (size_t)OP_WIRE_MAX_STR + 1);
	cr_assert(b.oom);
	op_buf_free(&b);
}

/* ------------------------------------------------------------- varints */

static void check_uv_bytes(uint64_t v, const char *bytes, size_t n)
{
	op_buf b;
	op_rd r;
	uint64_t got = 0;

	op_buf_init(&b, 0);
	op_put_uv(&b, v);
	cr_assert(buf_eq(&b, bytes, n), "encoding of %llu",
		  (unsigned long long)v);
	op_rd_init(&r, b.p, b.len);
	cr_assert_eq(op_get_uv(&r, &got), 0);
	cr_assert_eq(got, v);
	cr_assert(op_rd_done(&r));
	op_buf_free(&b);
}

Test(wire_varint, known_encodings)
{
	check_uv_bytes(0, "\x00", 1);
	check_uv_bytes(1, "\x01", 1);
	check_uv_bytes(127, "\x7f", 1);
	check_uv_bytes(128, "\x80\x01", 2);
	check_uv_bytes(300, "\xac\x02", 2);
	check_uv_bytes(16383, "\xff\x7f", 2);
	check_uv_bytes(16384, "\x80\x80\x01", 3);
	check_uv_bytes(1ULL << 63,
		       "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10);
	check_uv_bytes(UINT64_MAX,
		       "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
}

Test(wire_varint, unsigned_round_trips)
{
	op_buf b;
	op_rd r;
	uint64_t got;

	op_buf_init(&b, 0);
	for (int k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;
		op_put_uv(&b, p - 1);
		op_put_uv(&b, p);
		op_put_uv(&b, p + 1);
	}
	op_put_uv(&b, UINT64_MAX);
	cr_assert(!b.oom);
	op_rd_init(&r, b.p, b.len);
	for (int k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;
		cr_assert_eq(op_get_uv(&r, &got), 0);
		cr_assert_eq(got, p - 1);
		cr_assert_eq(op_get_uv(&r, &got), 0);
		cr_assert_eq(got, p);
		cr_assert_eq(op_get_uv(&r, &got), 0);
		cr_assert_eq(got, p + 1);
	}
	cr_assert_eq(op_get_uv(&r, &got), 0);
	cr_assert_eq(got, UINT64_MAX);
	cr_assert(op_rd_done(&r));
	op_buf_free(&b);
}

Test(wire_varint, signed_zigzag)
{
	static const int64_t vals[] = {
		0, -1, 1, -2, 2, -64, 63, 64, -65, INT32_MIN, INT32_MAX,
		INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1,
	};
	op_buf b;
	op_rd r;
	int64_t got;

	op_buf_init(&b, 0);
	op_put_sv(&b, -1);
	op_put_sv(&b, 1);
	op_put_sv(&b, 0);
	cr_assert(buf_eq(&b, "\x01\x02\x00", 3));
	op_buf_reset(&b);
	op_put_sv(&b, INT64_MIN);
	cr_assert(buf_eq(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10));
	op_buf_reset(&b);
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
		op_put_sv(&b, vals[i]);
	op_rd_init(&r, b.p, b.len);
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		cr_assert_eq(op_get_sv(&r, &got), 0);
		cr_assert_eq(got, vals[i]);
	}
	cr_assert(op_rd_done(&r));
	op_buf_free(&b);
}

static const char *uv_refusal(const void *p, size_t n)
{
	op_rd r;
	uint64_t v;

	op_rd_init(&r, p, n);
	if (op_get_uv(&r, &v) == 0)
		return NULL;
	cr_assert_not_null(r.err);
	return r.err;
}

Test(wire_varint, overlong_overflowing_and_truncated_refused)
{
	/* 11 bytes: past 64 bits */
	cr_assert(has(uv_refusal("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00",
				 11), "10 bytes"));
	cr_assert(has(uv_refusal("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
				 11), "10 bytes"));
	/* 10th byte with more than bit 63 */
	cr_assert(has(uv_refusal("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
				 10), "overflow"));
	cr_assert(has(uv_refusal("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f",
				 10), "overflow"));
	/* padded (non-minimal) encodings of small numbers */
	cr_assert(has(uv_refusal("\x80\x00", 2), "minimal"));
	cr_assert(has(uv_refusal("\x81\x80\x00", 3), "minimal"));
	cr_assert(has(uv_refusal("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00",
				 10), "minimal"));
	/* truncated */
	cr_assert(has(uv_refusal("", 0), "truncated"));
	cr_assert(has(uv_refusal(NULL, 0), "truncated"));
	cr_assert(has(uv_refusal("\x80", 1), "truncated"));
	for (size_t n = 0; n < 10; n++)
		cr_assert_not_null(uv_refusal(
			"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", n),
			"prefix of %zu bytes", n);
}

Test(wire_varint, errors_are_sticky)
{
	op_rd r;
	uint64_t v;
	const char *s;
	size_t n;
	const void *p;

	op_rd_init(&r, "\x80\x00\x05", 3);
	cr_assert_eq(op_get_uv(&r, &v), -1);
	const char *first = r.err;
	cr_assert_eq(op_get_uv(&r, &v), -1);
	cr_assert_eq(op_get_str(&r, &s, &n), -1);
	cr_assert_eq(op_get_bytes(&r, &p, 0), -1);
	cr_assert_eq(r.err, first, "the first error is kept");
	cr_assert(!op_rd_done(&r));
}

Test(wire_varint, strings_and_bytes_bounded)
{
	op_buf b;
	op_rd r;
	const char *s;
	size_t n;
	const void *p;

	op_rd_init(&r, "\x05" "abc", 4);
	cr_assert_eq(op_get_str(&r, &s, &n), -1);
	cr_assert(has(r.err, "past the end"));

	/* a huge claimed length is refused without any bytes behind it */
	op_buf_init(&b, 0);
	op_put_uv(&b, (uint64_t)OP_WIRE_MAX_STR + 1);
	op_rd_init(&r, b.p, b.len);
	cr_assert_eq(op_get_str(&r, &s, &n), -1);
	cr_assert(has(r.err, "1 MiB"));
	op_buf_reset(&b);
	op_put_uv(&b, UINT64_MAX);
	op_rd_init(&r, b.p, b.len);
	cr_assert_eq(op_get_str(&r, &s, &n), -1);
	op_buf_free(&b);

	op_rd_init(&r, "\x00\x02hi", 4);
	cr_assert_eq(op_get_str(&r, &s, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(op_get_str(&r, &s, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert(memcmp(s, "hi", 2) == 0);
	cr_assert(op_rd_done(&r));

	op_rd_init(&r, "abc", 3);
	cr_assert_eq(op_get_bytes(&r, &p, 2), 0);
	cr_assert_eq(op_get_bytes(&r, &p, 2), -1);
	cr_assert(!op_rd_done(&r));
	op_rd_init(&r, "abc", 3);
	cr_assert_eq(op_get_bytes(&r, &p, SIZE_MAX), -1);

	op_rd_init(&r, NULL, 0);
	cr_assert(op_rd_done(&r));
}

/* ------------------------------------------------------------- header */

Test(wire_hdr, round_trip_and_refusals)
{
	unsigned char h[OP_WIRE_HDR_LEN];
	const char *why;
	int code, perr;

	for (int c = OP_MSG_HELLO; c <= OP_MSG_BYE; c++) {
		op_wire_hdr(h, c);
		cr_assert_eq(h[0], 'O');
		cr_assert_eq(h[1], 'P');
		cr_assert_eq(h[2], OP_PROTO_VERSION);
		cr_assert_eq(op_wire_hdr_parse(h, sizeof h, &code, &perr, &why),
			     0);
		cr_assert_eq(code, c);
	}
	/* an unknown code parses; the dispatcher answers OP_PERR_UNKNOWN */
	op_wire_hdr(h, 200);
	cr_assert_eq(op_wire_hdr_parse(h, 4, &code, &perr, &why), 0);
	cr_assert_eq(code, 200);

	op_wire_hdr(h, OP_MSG_PING);
	for (size_t n = 0; n < 8; n++) {
		unsigned char big[8] = { 'O', 'P', OP_PROTO_VERSION, 5 };
		if (n == 4)
			continue;
		why = NULL;
		perr = 0;
		cr_assert_eq(op_wire_hdr_parse(big, n, &code, &perr, &why), -1);
		cr_assert_eq(perr, OP_PERR_MALFORMED);
		cr_assert_not_null(why);
	}
	cr_assert_eq(op_wire_hdr_parse(NULL, 4, &code, &perr, &why), -1);
	cr_assert_eq(op_wire_hdr_parse("XP\x01\x01", 4, &code, &perr, &why), -1);
	cr_assert_eq(perr, OP_PERR_MALFORMED);
	cr_assert_eq(op_wire_hdr_parse("Op\x01\x01", 4, &code, &perr, &why), -1);
	/* protocol 1 (before incarnations) is refused with VERSION */
	cr_assert_eq(op_wire_hdr_parse("OP\x01\x01", 4, &code, &perr, &why), -1);
	cr_assert_eq(perr, OP_PERR_VERSION);
	/* protocol 2 (col before hlc in a change) too */
	cr_assert_eq(op_wire_hdr_parse("OP\x02\x01", 4, &code, &perr, &why), -1);
	cr_assert_eq(perr, OP_PERR_VERSION);
	cr_assert_eq(op_wire_hdr_parse("OP\x04\x01", 4, &code, &perr, &why), -1);
	cr_assert_eq(perr, OP_PERR_VERSION);
	cr_assert(has(why, "version"));
	cr_assert_eq(op_wire_hdr_parse("OP\x00\x01", 4, &code, &perr, &why), -1);
	cr_assert_eq(perr, OP_PERR_VERSION);
	/* out-parameters for the reason are optional */
	cr_assert_eq(op_wire_hdr_parse("OP\x09\x01", 4, &code, NULL, NULL), -1);
}

/* ------------------------------------------------------------- messages */

Test(wire_msg, hello_round_trip)
{
	struct op_hello in = sample_hello(), out;
	const char *why = NULL;
	op_buf b;

	op_buf_init(&b, 0);
	op_enc_hello(&b, &in);
	cr_assert(!b.oom);
	cr_assert_eq(op_dec_hello(&out, b.p, b.len, &why), 0, "%s", why);
	cr_assert_eq(out.site_len, 5);
	cr_assert(memcmp(out.site, "BJ-01", 5) == 0);
	cr_assert_eq(out.schema_version, in.schema_version);
	cr_assert_eq(out.recv_ver, in.recv_ver);
	cr_assert_eq(out.next_batch, in.next_batch);
	cr_assert_eq(out.wall_ms, in.wall_ms);
	cr_assert_eq(out.head_ver, 4242);
	cr_assert_eq(out.incarnation_len, 32);
	cr_assert(memcmp(out.incarnation, in.incarnation, 32) == 0);
	/* the site string points into the frame */
	cr_assert(out.site >= (const char *)b.p &&
		  out.site < (const char *)b.p + b.len);
	op_buf_free(&b);
}

Test(wire_msg, welcome_round_trip)
{
	struct op_welcome in = sample_welcome(), out;
	const char *why = NULL;
	op_buf b;

	in.applied_batch = UINT64_MAX;
	op_buf_init(&b, 0);
	op_enc_welcome(&b, &in);
	cr_assert(!b.oom);
	cr_assert_eq(op_dec_welcome(&out, b.p, b.len, &why), 0, "%s", why);
	cr_assert_eq(out.site_len, 2);
	cr_assert(memcmp(out.site, "HQ", 2) == 0);
	cr_assert_eq(out.schema_version, 7);
	cr_assert_eq(out.applied_batch, UINT64_MAX);
	cr_assert_eq(out.wall_ms, in.wall_ms);
	cr_assert_eq(out.max_ahead_ms, 300000);
	cr_assert_eq(out.rebase, 1);
	cr_assert_eq(out.incarnation_len, 16);
	cr_assert(memcmp(out.incarnation, "fedcba9876543210", 16) == 0);
	cr_assert_eq(out.site_hlc, 0x1234567890ULL);
	op_buf_free(&b);
}

Test(wire_msg, batch_round_trip)
{
	const char raw[] = "not really changes, but any bytes will do here";
	struct op_batch_hdr out;
	const char *why = NULL;
	op_buf frame, z, back;

	op_buf_init(&frame, 0);
	op_buf_init(&z, 0);
	op_buf_init(&back, 0);
	make_batch(&frame, &z, raw, sizeof raw, 2);
	cr_assert_eq(op_dec_batch_hdr(&out, frame.p, frame.len, &why), 0,
		     "%s", why);
	cr_assert_eq(out.seq, 42);
	cr_assert_eq(out.from_ver, 1000);
	cr_assert_eq(out.upto_ver, 1999);
	cr_assert_eq(out.count, 2);
	cr_assert_eq(out.raw_len, sizeof raw);
	cr_assert_eq(out.z_len, z.len);
	cr_assert(memcmp(out.z, z.p, z.len) == 0);
	cr_assert_eq(op_inflate_capped(&back, out.z, out.z_len, out.raw_len,
				       &why), 0, "%s", why);
	cr_assert(buf_eq(&back, raw, sizeof raw));
	op_buf_free(&frame);
	op_buf_free(&z);
	op_buf_free(&back);
}

Test(wire_msg, ack_error_ping_round_trip)
{
	struct op_ack a = { .seq = 1ULL << 40, .upto_ver = 77 }, a2;
	struct op_error_msg e;
	const char *why = NULL;
	uint64_t ms;
	op_buf b;

	op_buf_init(&b, 0);
	op_enc_ack(&b, &a);
	cr_assert_eq(op_dec_ack(&a2, b.p, b.len, &why), 0);
	cr_assert_eq(a2.seq, a.seq);
	cr_assert_eq(a2.upto_ver, 77);

	op_buf_reset(&b);
	op_enc_error(&b, OP_PERR_SCHEMA, "schema 9 is newer than 7");
	cr_assert_eq(op_dec_error(&e, b.p, b.len, &why), 0);
	cr_assert_eq(e.code, OP_PERR_SCHEMA);
	cr_assert_eq(e.msg_len, strlen("schema 9 is newer than 7"));
	cr_assert(memcmp(e.msg, "schema 9 is newer than 7", e.msg_len) == 0);

	op_buf_reset(&b);
	op_enc_error(&b, 1000, NULL);	/* unknown codes travel too */
	cr_assert_eq(op_dec_error(&e, b.p, b.len, &why), 0);
	cr_assert_eq(e.code, 1000);
	cr_assert_eq(e.msg_len, 0);

	op_buf_reset(&b);
	op_enc_ping(&b, 1732300000000ULL);
	cr_assert_eq(op_dec_ping(&ms, b.p, b.len, &why), 0);
	cr_assert_eq(ms, 1732300000000ULL);
	op_buf_reset(&b);
	op_enc_ping(&b, 0);
	cr_assert_eq(op_dec_ping(&ms, b.p, b.len, NULL), 0);
	cr_assert_eq(ms, 0);
	op_buf_free(&b);
}

/* Every body, encoded; `fixed` is 1 when its length is determined by its
 * fields (not BATCH, whose zlib stream is "the rest"). */
enum { M_HELLO, M_WELCOME, M_ACK, M_ERROR, M_PING, M_BATCH, M_COUNT };

static int dec_any(int kind, const void *p, size_t n, const char **why)
{
	struct op_hello h;
	struct op_welcome w;
	struct op_ack a;
	struct op_error_msg e;
	struct op_batch_hdr bh;
	uint64_t ms;

	switch (kind) {
	case M_HELLO: return op_dec_hello(&h, p, n, why);
	case M_WELCOME: return op_dec_welcome(&w, p, n, why);
	case M_ACK: return op_dec_ack(&a, p, n, why);
	case M_ERROR: return op_dec_error(&e, p, n, why);
	case M_PING: return op_dec_ping(&ms, p, n, why);
	case M_BATCH: return op_dec_batch_hdr(&bh, p, n, why);
	}
	return -1;
}

static void enc_any(int kind, op_buf *b, op_buf *z)
{
	struct op_hello h = sample_hello();
	struct op_welcome w = sample_welcome();
	struct op_ack a = { .seq = 123456789, .upto_ver = 987654321 };
	static const char raw[] = "0123456789abcdef0123456789abcdef";

	switch (kind) {
	case M_HELLO: op_enc_hello(b, &h); break;
	case M_WELCOME: op_enc_welcome(b, &w); break;
	case M_ACK: op_enc_ack(b, &a); break;
	case M_ERROR: op_enc_error(b, OP_PERR_REFUSED, "key not allowed"); break;
	case M_PING: op_enc_ping(b, 1732300000000ULL); break;
	case M_BATCH: make_batch(b, z, raw, sizeof raw, 3); break;
	}
	cr_assert(!b->oom);
}

Test(wire_msg, every_truncation_fails_cleanly)
{
	op_buf b, z, copy;
	const char *why;

	op_buf_init(&b, 0);
	op_buf_init(&z, 0);
	op_buf_init(&copy, 0);
	for (int k = 0; k < M_COUNT; k++) {
		op_buf_reset(&b);
		enc_any(k, &b, &z);
		size_t hdr = k == M_BATCH ? b.len - z.len : b.len;
		for (size_t n = 0; n < hdr; n++) {
			/* a copy of exactly n bytes, so ASan sees any overread */
			op_buf_reset(&copy);
			op_put_bytes(&copy, b.p, n);
			why = NULL;
			cr_assert_eq(dec_any(k, copy.p, n, &why), -1,
				     "kind %d, %zu of %zu bytes", k, n, b.len);
			cr_assert_not_null(why);
		}
		cr_assert_eq(dec_any(k, b.p, b.len, &why), 0, "kind %d", k);
	}
	op_buf_free(&b);
	op_buf_free(&z);
	op_buf_free(&copy);
}

Test(wire_msg, truncated_batch_stream_fails_at_inflate)
{
	static const char raw[] = "0123456789abcdef0123456789abcdef";
	struct op_batch_hdr h;
	op_buf b, z, out;
	const char *why;

	op_buf_init(&b, 0);
	op_buf_init(&z, 0);
	op_buf_init(&out, 0);
	make_batch(&b, &z, raw, sizeof raw, 3);
	size_t hdr = b.len - z.len;
	/* cutting the frame inside the stream leaves a valid header whose
	 * stream is then refused */
	for (size_t n = hdr; n < b.len; n++) {
		why = NULL;
		if (op_dec_batch_hdr(&h, b.p, n, &why) < 0) {
			cr_assert_eq(n, hdr, "only an empty stream is refused");
			cr_assert(has(why, "no zlib stream"));
			continue;
		}
		op_buf_reset(&out);
		cr_assert_eq(op_inflate_capped(&out, h.z, h.z_len, h.raw_len,
					       &why), -1, "cut at %zu", n);
		cr_assert_eq(out.len, 0);
	}
	op_buf_free(&b);
	op_buf_free(&z);
	op_buf_free(&out);
}

Test(wire_msg, trailing_bytes_refused)
{
	op_buf b, z;
	const char *why;

	op_buf_init(&b, 0);
	op_buf_init(&z, 0);
	for (int k = 0; k < M_COUNT; k++) {
		if (k == M_BATCH)
			continue;	/* its stream is "the rest"; see zlib */
		op_buf_reset(&b);
		enc_any(k, &b, &z);
		op_put_bytes(&b, "\0", 1);
		why = NULL;
		cr_assert_eq(dec_any(k, b.p, b.len, &why), -1, "kind %d", k);
		cr_assert(has(why, "trailing"), "kind %d: %s", k, why);
	}
	op_buf_free(&b);
	op_buf_free(&z);
}

Test(wire_msg, site_ids_bounded)
{
	struct op_hello h = sample_hello(), out;
	struct op_welcome w = sample_welcome(), wout;
	const char *why;
	op_buf b;
	char big[33];

	memset(big, 'A', sizeof big);
	op_buf_init(&b, 0);
	h.site_len = 0;
	op_enc_hello(&b, &h);
	cr_assert(b.oom, "the encoder refuses what the decoder would");
	op_buf_reset(&b);
	op_put_str(&b, "", 0);
	op_put_bytes(&b, "\0\0\0\0", 4);
	cr_assert_eq(op_dec_hello(&out, b.p, b.len, &why), -1);
	cr_assert(has(why, "empty"));
	cr_assert_null(out.site, "failed decode leaves no pointers behind");

	op_buf_reset(&b);
	op_put_str(&b, big, 33);
	op_put_bytes(&b, "\0\0\0\0", 4);
	cr_assert_eq(op_dec_welcome(&wout, b.p, b.len, &why), -1);
	cr_assert(has(why, "32"));
	op_buf_reset(&b);
	w.site = big;
	w.site_len = 33;
	op_enc_welcome(&b, &w);
	cr_assert(b.oom);
	op_buf_reset(&b);
	w.site_len = 32;
	op_enc_welcome(&b, &w);
	cr_assert_eq(op_dec_welcome(&wout, b.p, b.len, &why), 0);
	cr_assert_eq(wout.site_len, 32);
	op_buf_free(&b);
}

static const char *batch_refusal(uint64_t seq, uint64_t from, uint64_t upto,
				 uint64_t count, uint64_t raw_len, size_t z_len)
{
	static const char *why;
	struct op_batch_hdr h;
	op_buf b;
	unsigned char *z = calloc(1, z_len + 1);
	int rc;

	cr_assert_not_null(z);
	op_buf_init(&b, OP_WIRE_MAX_FRAME + 64);
	op_put_uv(&b, seq);
	op_put_uv(&b, from);
	op_put_uv(&b, upto);
	op_put_uv(&b, count);
	op_put_uv(&b, raw_len);
	op_put_bytes(&b, z, z_len);
	cr_assert(!b.oom);
	why = NULL;
	rc = op_dec_batch_hdr(&h, b.p, b.len, &why);
	if (rc < 0)
		cr_assert_null(h.z);
	else
		why = NULL;

	/* the encoder agrees */
	struct op_batch_hdr e = {
		.seq = seq, .from_ver = from, .upto_ver = upto, .count = count,
		.raw_len = raw_len, .z = z, .z_len = z_len,
	};
	op_buf_reset(&b);
	op_enc_batch_hdr(&b, &e);
	cr_assert_eq(b.oom, rc < 0);
	op_buf_free(&b);
	free(z);
	return rc < 0 ? why : NULL;
}

Test(wire_msg, batch_fields_checked)
{
	cr_assert_null(batch_refusal(1, 0, 0, 0, 0, 8));
	cr_assert_null(batch_refusal(1, 5, 5, 1, 10, 1));
	cr_assert(has(batch_refusal(0, 0, 1, 0, 0, 8), "seq 0"));
	cr_assert(has(batch_refusal(1, 10, 9, 0, 0, 8), "upto_ver"));
	cr_assert(has(batch_refusal(1, 0, 1, 0, OP_WIRE_MAX_RAW + 1ULL, 8),
		      "raw_len"));
	cr_assert(has(batch_refusal(1, 0, 1, 0, UINT64_MAX, 8), "raw_len"));
	/* the smallest change is 10 bytes */
	cr_assert(has(batch_refusal(1, 0, 1, 2, 19, 8), "count"));
	cr_assert_null(batch_refusal(1, 0, 1, 2, 20, 8));
	cr_assert(has(batch_refusal(1, 0, 1, UINT64_MAX, OP_WIRE_MAX_RAW, 8),
		      "count"));
	cr_assert(has(batch_refusal(1, 0, 1, 0, 0, 0), "no zlib stream"));
	cr_assert_null(batch_refusal(1, 0, 1, 0, 0, OP_WIRE_MAX_FRAME));
	cr_assert(has(batch_refusal(1, 0, 1, 0, 0, OP_WIRE_MAX_FRAME + 1),
		      "4 MiB"));
}

/* ------------------------------------------------------------- changes */

Test(wire_change, round_trip_every_type)
{
	static const double reals[] = { 0.0, -0.0, 1.0, -2.5e300, 5e-324,
					 INFINITY, -INFINITY, NAN };
	op_buf b;
	op_rd r;
	struct op_change in[24], out;
	size_t n = 0;

	for (int t = OP_V_NULL; t <= OP_V_BLOB; t++)
		in[n++] = sample_change(t);
	for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
		in[n] = sample_change(OP_V_REAL);
		in[n++].r = reals[i];
	}
	in[n] = sample_change(OP_V_NULL);
	in[n].col = OP_COL_TOMBSTONE;	/* a delete */
	in[n].prev = 0;
	in[n].staff = NULL;
	in[n++].staff_len = 0;
	in[n] = sample_change(OP_V_NULL);
	in[n].col = OP_COL_ROW;		/* a row created */
	in[n].hlc = UINT64_MAX;
	in[n++].prev = UINT64_MAX;
	in[n] = sample_change(OP_V_INT);
	in[n++].i = INT64_MIN;
	in[n] = sample_change(OP_V_TEXT);
	in[n].s = "";
	in[n++].s_len = 0;

	op_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		op_enc_change(&b, &in[i]);
	cr_assert(!b.oom);
	op_rd_init(&r, b.p, b.len);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(op_dec_change(&r, &out), 0, "change %zu: %s", i,
			     r.err);
		assert_change_eq(&in[i], &out);
	}
	cr_assert(op_rd_done(&r));
	op_buf_free(&b);
}

Test(wire_change, real_is_little_endian_ieee754)
{
	struct op_change c = sample_change(OP_V_REAL);
	op_buf b;

	c.r = 1.0;
	op_buf_init(&b, 0);
	op_enc_change(&b, &c);
	cr_assert(b.len > 8);
	cr_assert(memcmp(b.p + b.len - 8, "\0\0\0\0\0\0\xf0\x3f", 8) == 0);
	cr_assert_eq(b.p[b.len - 9], OP_V_REAL);
	op_buf_free(&b);
}

Test(wire_change, limits_refused_both_ways)
{
	char big[70];
	struct op_change c;
	const char *why;
	op_buf b;

	memset(big, 'g', sizeof big);
	op_buf_init(&b, 0);
#define REFUSED(g_, gl, col_, s_, sl, st_, stl, vt, needle) do {	\
		op_buf_reset(&b);					\
		raw_change(&b, g_, gl, col_, s_, sl, st_, stl, vt);	\
		cr_assert(!b.oom);					\
		cr_assert_eq(dec_one_change(&b, &c, &why), -1, needle);	\
		cr_assert(has(why, needle), "%s: %s", needle, why);	\
		cr_assert_null(c.gid);					\
	} while (0)
	REFUSED("", 0, 1, "S", 1, "", 0, OP_V_NULL, "gid is empty");
	REFUSED(big, 65, 1, "S", 1, "", 0, OP_V_NULL, "gid over 64");
	REFUSED("g", 1, -3, "S", 1, "", 0, OP_V_NULL, "below -2");
	REFUSED("g", 1, INT64_MIN, "S", 1, "", 0, OP_V_NULL, "below -2");
	REFUSED("g", 1, 1, "", 0, "", 0, OP_V_NULL, "site is empty");
	REFUSED("g", 1, 1, big, 33, "", 0, OP_V_NULL, "site over 32");
	REFUSED("g", 1, 1, "S", 1, big, 65, OP_V_NULL, "staff over 64");
	REFUSED("g", 1, 1, "S", 1, "", 0, 5, "unknown value type");
	REFUSED("g", 1, 1, "S", 1, "", 0, 255, "unknown value type");
#undef REFUSED
	/* the limits themselves are fine */
	op_buf_reset(&b);
	raw_change(&b, big, 64, OP_COL_ROW, big, 32, big, 64, OP_V_NULL);
	cr_assert_eq(dec_one_change(&b, &c, &why), 0, "%s", why);
	cr_assert_eq(c.gid_len, 64);
	cr_assert_eq(c.col, OP_COL_ROW);
	cr_assert_eq(c.hlc, 99);
	cr_assert_eq(c.prev, 98);

	/* the encoder refuses the same */
	struct op_change bad[] = {
		sample_change(OP_V_NULL), sample_change(OP_V_NULL),
		sample_change(OP_V_NULL), sample_change(OP_V_NULL),
		sample_change(OP_V_NULL), sample_change(OP_V_NULL),
		sample_change(OP_V_NULL),
	};
	bad[0].gid_len = 0;
	bad[1].gid = big, bad[1].gid_len = 65;
	bad[2].col = OP_COL_ROW - 1;
	bad[3].site_len = 0;
	bad[4].site = big, bad[4].site_len = 33;
	bad[5].staff = big, bad[5].staff_len = 65;
	bad[6].vtype = 9;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		op_buf_reset(&b);
		op_enc_change(&b, &bad[i]);
		cr_assert(b.oom, "bad change %zu encoded", i);
	}
	op_buf_free(&b);
}

Test(wire_change, every_truncation_fails)
{
	op_buf b, copy;
	struct op_change c;
	op_rd r;

	op_buf_init(&b, 0);
	op_buf_init(&copy, 0);
	for (int t = OP_V_NULL; t <= OP_V_BLOB; t++) {
		struct op_change in = sample_change(t);
		op_buf_reset(&b);
		op_enc_change(&b, &in);
		for (size_t n = 0; n < b.len; n++) {
			op_buf_reset(&copy);
			op_put_bytes(&copy, b.p, n);
			op_rd_init(&r, copy.p, n);
			cr_assert_eq(op_dec_change(&r, &c), -1,
				     "type %d cut at %zu", t, n);
			cr_assert_not_null(r.err);
			cr_assert_null(c.gid);
		}
	}
	op_buf_free(&b);
	op_buf_free(&copy);
}

Test(wire_change, batch_of_many_through_zlib)
{
	enum { N = 20000 };
	op_buf raw, frame, z, back;
	struct op_batch_hdr h;
	struct op_change c;
	char gid[32];
	const char *why = NULL;
	op_rd r;

	op_buf_init(&raw, 0);
	op_buf_init(&frame, OP_WIRE_MAX_FRAME + 64);
	op_buf_init(&z, OP_WIRE_MAX_FRAME);
	op_buf_init(&back, 0);
	for (int i = 0; i < N; i++) {
		struct op_change in = sample_change(i % 5);
		int n = snprintf(gid, sizeof gid, "row-%d", i);
		in.gid = gid;
		in.gid_len = (size_t)n;
		in.hlc += (uint64_t)i;
		op_enc_change(&raw, &in);
	}
	cr_assert(!raw.oom);
	make_batch(&frame, &z, raw.p, raw.len, N);
	cr_assert(z.len < raw.len / 3, "changes compress");
	cr_assert_eq(op_dec_batch_hdr(&h, frame.p, frame.len, &why), 0);
	cr_assert_eq(op_inflate_capped(&back, h.z, h.z_len, h.raw_len, &why),
		     0, "%s", why);
	cr_assert_eq(back.len, h.raw_len);
	op_rd_init(&r, back.p, back.len);
	for (uint64_t i = 0; i < h.count; i++) {
		cr_assert_eq(op_dec_change(&r, &c), 0, "%s", r.err);
		cr_assert_eq(c.vtype, (int)(i % 5));
	}
	cr_assert(op_rd_done(&r));
	op_buf_free(&raw);
	op_buf_free(&frame);
	op_buf_free(&z);
	op_buf_free(&back);
}

/* ------------------------------------------------------------- garbage */

/* Decode `p` as every kind of body; whatever is accepted must re-encode to
 * the same bytes. Returns how many decoders accepted it. */
static int decode_everything(const unsigned char *p, size_t n, op_buf *tmp)
{
	struct op_hello h;
	struct op_welcome w;
	struct op_batch_hdr bh;
	struct op_ack a;
	struct op_error_msg e;
	struct op_change c;
	const char *why;
	uint64_t ms;
	int code, perr, ok = 0;
	op_rd r;

#define SAME(enc) do {							\
		op_buf_reset(tmp);					\
		enc;							\
		cr_assert(buf_eq(tmp, p, n), "not canonical: " #enc);	\
		ok++;							\
	} while (0)
	why = NULL;
	if (op_wire_hdr_parse(p, n, &code, &perr, &why) == 0)
		ok++;
	else
		cr_assert_not_null(why);
	if (op_dec_hello(&h, p, n, &why) == 0)
		SAME(op_enc_hello(tmp, &h));
	if (op_dec_welcome(&w, p, n, &why) == 0)
		SAME(op_enc_welcome(tmp, &w));
	if (op_dec_batch_hdr(&bh, p, n, &why) == 0)
		SAME(op_enc_batch_hdr(tmp, &bh));
	if (op_dec_ack(&a, p, n, &why) == 0)
		SAME(op_enc_ack(tmp, &a));
	if (op_dec_error(&e, p, n, &why) == 0)
		SAME(op_put_uv(tmp, e.code); op_put_str(tmp, e.msg, e.msg_len));
	if (op_dec_ping(&ms, p, n, &why) == 0)
		SAME(op_enc_ping(tmp, ms));
#undef SAME
	/* as a change payload: each change consumes bytes, so this ends */
	op_rd_init(&r, p, n);
	while (!op_rd_done(&r)) {
		const unsigned char *at = r.p;
		if (op_dec_change(&r, &c) < 0) {
			cr_assert_not_null(r.err);
			break;
		}
		op_buf_reset(tmp);
		op_enc_change(tmp, &c);
		cr_assert(buf_eq(tmp, at, (size_t)(r.p - at)),
			  "change not canonical");
		ok++;
	}
	return ok;
}

/* The receiving side of a batch, as the daemon does it. */
static int receive_batch(const unsigned char *p, size_t n, op_buf *raw)
{
	struct op_batch_hdr h;
	struct op_change c;
	const char *why = NULL;
	op_rd r;

	if (op_dec_batch_hdr(&h, p, n, &why) < 0)
		return -1;
	op_buf_reset(raw);
	if (op_inflate_capped(raw, h.z, h.z_len, h.raw_len, &why) < 0) {
		cr_assert_not_null(why);
		cr_assert_eq(raw->len, 0);
		return -1;
	}
	cr_assert(raw->len <= h.raw_len);
	if (raw->len != h.raw_len)
		return -1;
	op_rd_init(&r, raw->p, raw->len);
	for (uint64_t i = 0; i < h.count; i++)
		if (op_dec_change(&r, &c) < 0)
			return -1;
	return op_rd_done(&r) ? 0 : -1;
}

Test(wire_garbage, random_bytes_never_crash)
{
	uint64_t seed = 0x6f7574706f7374ULL;	/* "outpost" */
	unsigned char buf[96];
	op_buf tmp, raw;

	op_buf_init(&tmp, 0);
	op_buf_init(&raw, 1u << 20);
	for (int it = 0; it < 200000; it++) {
		size_t n = rng_below(&seed, sizeof buf + 1);
		rng_fill(&seed, buf, n);
		/* bias towards small varints so decoders get further */
		if (it & 1)
			for (size_t i = 0; i < n; i++)
				buf[i] &= 0x3f;
		/* a heap copy of exactly n bytes: ASan catches overreads */
		unsigned char *p = malloc(n ? n : 1);
		cr_assert_not_null(p);
		memcpy(p, buf, n);
		decode_everything(p, n, &tmp);
		receive_batch(p, n, &raw);
		op_buf_reset(&raw);
		const char *why;
		if (op_inflate_capped(&raw, p, n, 4096, &why) < 0)
			cr_assert_eq(raw.len, 0);
		free(p);
	}
	op_buf_free(&tmp);
	op_buf_free(&raw);
}

Test(wire_garbage, mutated_frames_never_crash)
{
	uint64_t seed = 20241122;
	op_buf valid[M_COUNT + 2], z, tmp, raw, m;
	int accepted = 0;

	op_buf_init(&z, 0);
	op_buf_init(&tmp, 0);
	op_buf_init(&raw, 0);
	op_buf_init(&m, 0);
	for (int k = 0; k < M_COUNT; k++) {
		op_buf_init(&valid[k], 0);
		enc_any(k, &valid[k], &z);
	}
	/* a change payload, and a batch frame carrying real changes */
	op_buf_init(&valid[M_COUNT], 0);
	op_buf_init(&valid[M_COUNT + 1], 0);
	for (int t = OP_V_NULL; t <= OP_V_BLOB; t++) {
		struct op_change c = sample_change(t);
		op_enc_change(&valid[M_COUNT], &c);
	}
	make_batch(&valid[M_COUNT + 1], &z, valid[M_COUNT].p,
		   valid[M_COUNT].len, 5);
	cr_assert_eq(receive_batch(valid[M_COUNT + 1].p, valid[M_COUNT + 1].len,
				   &raw), 0);

	for (int it = 0; it < 100000; it++) {
		const op_buf *v = &valid[rng_below(&seed, M_COUNT + 2)];
		op_buf_reset(&m);
		op_put_bytes(&m, v->p, v->len);
		int edits = 1 + (int)rng_below(&seed, 4);
		for (int e = 0; e < edits; e++) {
			size_t at = rng_below(&seed, m.len);
			switch (rng_below(&seed, 5)) {
			case 0:		/* flip a bit */
				m.p[at] ^= (unsigned char)(1u << rng_below(&seed, 8));
				break;
			case 1:		/* set a byte */
				m.p[at] = (unsigned char)rng_next(&seed);
				break;
			case 2:		/* truncate */
				m.len = at;
				break;
			case 3: {	/* append */
				unsigned char x = (unsigned char)rng_next(&seed);
				op_put_bytes(&m, &x, 1);
				break;
			}
			case 4:		/* a huge varint */
				if (m.len >= at + 3) {
					m.p[at] = 0xff;
					m.p[at + 1] = 0xff;
					m.p[at + 2] = 0x7f;
				}
				break;
			}
		}
		unsigned char *p = malloc(m.len ? m.len : 1);
		cr_assert_not_null(p);
		memcpy(p, m.p, m.len);
		accepted += decode_everything(p, m.len, &tmp) > 0;
		receive_batch(p, m.len, &raw);
		free(p);
	}
	cr_assert(accepted > 0, "some mutations should still decode");
	for (int k = 0; k < M_COUNT + 2; k++)
		op_buf_free(&valid[k]);
	op_buf_free(&z);
	op_buf_free(&tmp);
	op_buf_free(&raw);
	op_buf_free(&m);
}
