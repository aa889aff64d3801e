/*
 * test_wire_zlib.c — the capped zlib codec of wire.c: round trips, exact
 * caps, a zip bomb, corrupt, truncated and trailing-garbage streams.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "wire_test.h"

/* ------------------------------------------------------------- zlib */

Test(wire_zlib, round_trips_at_every_level)
{
	static const int levels[] = { -1, 0, 1, 6, 9 };
	const char *text = "Outpost keeps working when the branch is offline. ";
	op_buf in, z, out;
	const char *why = NULL;
	uint64_t seed = 7;

	op_buf_init(&in, 0);
	op_buf_init(&z, 0);
	op_buf_init(&out, 0);
	for (int i = 0; i < 2000; i++)
		op_put_str(&in, text, (size_t)-1);
	for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
		op_buf_reset(&z);
		op_buf_reset(&out);
		cr_assert_eq(op_deflate(&z, in.p, in.len, levels[l], &why), 0);
		cr_assert_eq(op_inflate_capped(&out, z.p, z.len, in.len, &why),
			     0, "%s", why);
		cr_assert(buf_eq(&out, in.p, in.len));
	}
	/* empty input is a valid (8-byte) stream */
	op_buf_reset(&z);
	op_buf_reset(&out);
	cr_assert_eq(op_deflate(&z, NULL, 0, 6, &why), 0);
	cr_assert(z.len > 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 0, &why), 0, "%s", why);
	cr_assert_eq(out.len, 0);
	/* 1 MiB of noise does not compress, but still round-trips */
	op_buf_reset(&in);
	for (int i = 0; i < (1 << 20) / 8; i++) {
		uint64_t v = rng_next(&seed);
		op_put_bytes(&in, &v, 8);
	}
	op_buf_reset(&z);
	op_buf_reset(&out);
	cr_assert_eq(op_deflate(&z, in.p, in.len, 9, &why), 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, in.len, &why), 0);
	cr_assert(buf_eq(&out, in.p, in.len));
	op_buf_free(&in);
	op_buf_free(&z);
	op_buf_free(&out);
}

Test(wire_zlib, bad_level_refused)
{
	op_buf z;
	const char *why = NULL;

	op_buf_init(&z, 0);
	cr_assert_eq(op_deflate(&z, "x", 1, 10, &why), -1);
	cr_assert(has(why, "level"));
	cr_assert_eq(op_deflate(&z, "x", 1, -2, &why), -1);
	cr_assert_eq(z.len, 0);
	op_buf_free(&z);
}

Test(wire_zlib, cap_is_exact)
{
	char data[1000];
	op_buf z, out;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	op_buf_init(&z, 0);
	op_buf_init(&out, 0);
	cr_assert_eq(op_deflate(&z, data, sizeof data, 6, &why), 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, sizeof data, &why), 0);
	cr_assert_eq(out.len, sizeof data);
	op_buf_free(&out);	/* a fresh buffer, to see what gets allocated */
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, sizeof data - 1,
				       &why), -1);
	cr_assert(has(why, "over"), "%s", why);
	cr_assert_eq(out.len, 0);
	cr_assert(out.cap <= sizeof data - 1, "allocated %zu", out.cap);
	op_buf_free(&out);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 0, &why), -1);
	cr_assert_eq(out.cap, 0, "nothing allocated for a zero cap");
	op_buf_free(&z);
	op_buf_free(&out);
}

/* 64 MiB of zeros, deflated by streaming (the test never holds 64 MiB). */
static void make_bomb(op_buf *z)
{
	static unsigned char zeros[1 << 16];
	unsigned char chunk[1 << 14];
	z_stream s;
	size_t left = 64u << 20;
	int ret;

	memset(&s, 0, sizeof s);
	cr_assert_eq(deflateInit(&s, 9), Z_OK);
	do {
		size_t n = left < sizeof zeros ? left : sizeof zeros;
		s.next_in = zeros;
		s.avail_in = (uInt)n;
		left -= n;
		do {
			s.next_out = chunk;
			s.avail_out = sizeof chunk;
			ret = deflate(&s, left ? Z_NO_FLUSH : Z_FINISH);
			cr_assert_neq(ret, Z_STREAM_ERROR);
			op_put_bytes(z, chunk, sizeof chunk - s.avail_out);
		} while (s.avail_out == 0);
	} while (left);
	cr_assert_eq(ret, Z_STREAM_END);
	deflateEnd(&s);
	cr_assert(!z->oom);
}

Test(wire_zlib, zip_bomb_refused_within_cap)
{
	op_buf z, out;
	const char *why = NULL;

	op_buf_init(&z, 0);
	make_bomb(&z);
	cr_assert(z.len < 128u << 10, "bomb is %zu bytes", z.len);
	cr_assert(z.len < OP_WIRE_MAX_FRAME, "it would pass the frame cap");

	op_buf_init(&out, 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, OP_WIRE_MAX_RAW, &why),
		     -1);
	cr_assert(has(why, "over"), "%s", why);
	cr_assert_eq(out.len, 0);
	cr_assert(out.cap <= OP_WIRE_MAX_RAW, "allocated %zu", out.cap);

	/* a smaller declared raw_len stops it sooner, and allocates less */
	op_buf_free(&out);
	op_buf_init(&out, 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 100000, &why), -1);
	cr_assert(out.cap <= 100000, "allocated %zu", out.cap);

	/* the buffer's own cap holds even when the caller's cap is huge */
	op_buf_free(&out);
	op_buf_init(&out, 1u << 20);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, SIZE_MAX, &why), -1);
	cr_assert(has(why, "buffer cap"), "%s", why);
	cr_assert(out.cap <= 1u << 20);
	op_buf_free(&out);
	op_buf_free(&z);
}

Test(wire_zlib, corrupt_streams_refused)
{
	char data[4000];
	op_buf z, out, bad;
	const char *why;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)("customer"[i % 8] + i / 500);
	op_buf_init(&z, 0);
	op_buf_init(&out, 0);
	op_buf_init(&bad, 0);
	cr_assert_eq(op_deflate(&z, data, sizeof data, 6, &why), 0);

	/* a corrupted byte is caught by the header check, the block
	 * structure or the Adler-32 trailer; the only corruption that may
	 * pass is one in bits zlib ignores (the padding of the last deflate
	 * byte), and then the output is the original */
	int refused = 0;
	for (size_t i = 0; i < z.len; i++) {
		op_buf_reset(&bad);
		op_put_bytes(&bad, z.p, z.len);
		bad.p[i] ^= 0x5a;
		op_buf_reset(&out);
		why = NULL;
		if (op_inflate_capped(&out, bad.p, bad.len, sizeof data,
				      &why) == 0) {
			cr_assert(buf_eq(&out, data, sizeof data),
				  "corrupt byte %zu gave wrong data", i);
			cr_assert_eq(i, z.len - 5, "corrupt byte %zu accepted",
				     i);
			continue;
		}
		refused++;
		cr_assert_not_null(why);
		cr_assert_eq(out.len, 0);
	}
	cr_assert(refused >= (int)z.len - 1);
	cr_assert_eq(op_inflate_capped(&out, "hello world", 11, 100, &why), -1);
	cr_assert_eq(op_inflate_capped(&out, "", 0, 100, &why), -1);
	cr_assert_eq(op_inflate_capped(&out, NULL, 0, 100, &why), -1);
	cr_assert(has(why, "empty"));
	op_buf_free(&z);
	op_buf_free(&out);
	op_buf_free(&bad);
}

Test(wire_zlib, gzip_and_raw_deflate_refused)
{
	static const char data[] = "only zlib-wrapped streams are spoken";
	unsigned char tmp[256];
	op_buf out;
	const char *why;

	op_buf_init(&out, 0);
	for (int wbits = -15; wbits <= 31; wbits += 46) {	/* -15, 31 */
		z_stream s;
		memset(&s, 0, sizeof s);
		cr_assert_eq(deflateInit2(&s, 6, Z_DEFLATED, wbits, 8,
					  Z_DEFAULT_STRATEGY), Z_OK);
		s.next_in = (unsigned char *)data;
		s.avail_in = sizeof data;
		s.next_out = tmp;
		s.avail_out = sizeof tmp;
		cr_assert_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
		size_t n = sizeof tmp - s.avail_out;
		deflateEnd(&s);
		cr_assert_eq(op_inflate_capped(&out, tmp, n, 1000, &why), -1,
			     "window bits %d accepted", wbits);
	}
	op_buf_free(&out);
}

Test(wire_zlib, trailing_garbage_and_truncation_refused)
{
	static const char data[] = "branch SH-02, 17 changes, 3 customers";
	op_buf z, out, cut;
	const char *why;

	op_buf_init(&z, 0);
	op_buf_init(&out, 0);
	op_buf_init(&cut, 0);
	cr_assert_eq(op_deflate(&z, data, sizeof data, 6, &why), 0);
	size_t n = z.len;

	op_put_bytes(&z, "x", 1);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 1000, &why), -1);
	cr_assert(has(why, "trailing"), "%s", why);
	/* a second complete stream after the first is garbage too */
	z.len = n;
	cr_assert_eq(op_deflate(&z, data, sizeof data, 6, &why), 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 1000, &why), -1);
	cr_assert(has(why, "trailing"), "%s", why);
	/* even when the first stream fills the cap exactly */
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, sizeof data, &why),
		     -1);
	cr_assert(has(why, "trailing"), "%s", why);
	cr_assert_eq(out.len, 0);

	for (size_t k = 0; k < n; k++) {
		op_buf_reset(&cut);
		op_put_bytes(&cut, z.p, k);
		op_buf_reset(&out);
		why = NULL;
		cr_assert_eq(op_inflate_capped(&out, cut.p, k, 1000, &why), -1,
			     "stream cut at %zu of %zu accepted", k, n);
		cr_assert_not_null(why);
		cr_assert_eq(out.len, 0);
	}
	op_buf_free(&z);
	op_buf_free(&out);
	op_buf_free(&cut);
}

Test(wire_zlib, appends_and_restores_on_failure)
{
	op_buf z, out;
	const char *why;

	op_buf_init(&z, 0);
	op_buf_init(&out, 0);
	op_put_bytes(&out, "abc", 3);
	cr_assert_eq(op_deflate(&z, "defgh", 5, 6, &why), 0);
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 5, &why), 0);
	cr_assert(buf_eq(&out, "abcdefgh", 8));
	/* the cap counts this call's output, not what was there */
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 4, &why), -1);
	cr_assert(buf_eq(&out, "abcdefgh", 8));
	z.p[z.len - 1] ^= 1;
	cr_assert_eq(op_inflate_capped(&out, z.p, z.len, 100, &why), -1);
	cr_assert(buf_eq(&out, "abcdefgh", 8));

	/* deflate into a buffer too small for the result: refused, restored */
	op_buf small;
	char noise[4096];
	uint64_t seed = 99;
	rng_fill(&seed, (unsigned char *)noise, sizeof noise);
	op_buf_init(&small, 1024);
	op_put_bytes(&small, "hdr", 3);
	cr_assert_eq(op_deflate(&small, noise, sizeof noise, 9, &why), -1);
	cr_assert(has(why, "cap"), "%s", why);
	cr_assert(buf_eq(&small, "hdr", 3));
	/* a buffer that already failed is not written to */
	small.oom = 1;
	cr_assert_eq(op_deflate(&small, "x", 1, 6, &why), -1);
	cr_assert_eq(op_inflate_capped(&small, z.p, z.len, 100, &why), -1);
	op_buf_free(&small);
	op_buf_free(&z);
	op_buf_free(&out);
}

