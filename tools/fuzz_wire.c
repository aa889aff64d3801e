/*
 * fuzz_wire.c — libFuzzer driver for daemon/wire.c, the protocol codec.
 *
 * Every input is handed to every decoder a peer can reach: the header frame,
 * each message body (HELLO, WELCOME, BATCH, ACK, ERROR, PING/PONG), a
 * sequence of changes, op_inflate_capped, and the whole receive path of a
 * batch (header -> inflate capped at raw_len -> `count` changes -> nothing
 * left over). Besides "no crash, no leak, no overread", it checks that what
 * a decoder accepts re-encodes to exactly the same bytes (the encodings are
 * canonical), and that inflating never yields more than the cap; a
 * violation aborts, which libFuzzer reports as a crash.
 *
 * Build and run (clang; from the top of the tree):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *         -Idaemon -Ischema tools/fuzz_wire.c daemon/wire.c -lz \
 *         -o build/fuzz_wire
 *   mkdir -p build/fuzz-corpus
 *   build/fuzz_wire -max_total_time=60 -rss_limit_mb=512 build/fuzz-corpus
 *
 * Random bytes almost never form a valid zlib stream, so one more path
 * gets the change decoder behind inflate: when the first byte is below
 * 0x40, the rest of the input is deflated and wrapped in a valid BATCH
 * whose count is that byte (at most what the payload can hold), then fed
 * through the receive path. Everything else runs on every input.
 *
 * There is no main(): this file is only built with -fsanitize=fuzzer (the
 * Makefile's tools/% rule is not meant for it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define FUZZ_CAP (1u << 20)	/* inflate cap for raw inputs: keeps runs fast */

static void check(int cond)
{
	if (!cond)
		abort();
}

static int same(const op_buf *b, const void *p, size_t n)
{
	return !b->oom && b->len == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

/* Every message decoder; whatever is accepted must re-encode identically. */
static void fuzz_bodies(const uint8_t *p, size_t n, op_buf *tmp)
{
	struct op_hello h;
	struct op_welcome w;
	struct op_batch_hdr bh;
	struct op_ack a;
	struct op_error_msg e;
	const char *why;
	uint64_t ms;
	int code, perr;

	why = NULL;
	if (op_wire_hdr_parse(p, n, &code, &perr, &why) == 0)
		check(n == OP_WIRE_HDR_LEN && code >= 0 && code < 256);
	else
		check(why != NULL);

	op_buf_reset(tmp);
	if (op_dec_hello(&h, p, n, &why) == 0) {
		op_enc_hello(tmp, &h);
		check(same(tmp, p, n));
	}
	op_buf_reset(tmp);
	if (op_dec_welcome(&w, p, n, &why) == 0) {
		op_enc_welcome(tmp, &w);
		check(same(tmp, p, n));
	}
	op_buf_reset(tmp);
	if (op_dec_batch_hdr(&bh, p, n, &why) == 0) {
		check(bh.z_len > 0 && bh.z_len <= OP_WIRE_MAX_FRAME);
		check(bh.raw_len <= OP_WIRE_MAX_RAW);
		check(bh.upto_ver >= bh.from_ver);
		op_enc_batch_hdr(tmp, &bh);
		check(same(tmp, p, n));
	}
	op_buf_reset(tmp);
	if (op_dec_ack(&a, p, n, &why) == 0) {
		op_enc_ack(tmp, &a);
		check(same(tmp, p, n));
	}
	op_buf_reset(tmp);
	if (op_dec_error(&e, p, n, &why) == 0) {
		op_put_uv(tmp, e.code);
		op_put_str(tmp, e.msg, e.msg_len);
		check(same(tmp, p, n));
	}
	op_buf_reset(tmp);
	if (op_dec_ping(&ms, p, n, &why) == 0) {
		op_enc_ping(tmp, ms);
		check(same(tmp, p, n));
	}
}

/* A change payload: up to `count` changes (UINT64_MAX: as many as there
 * are). 0 when exactly `count` changes filled it. */
static int fuzz_changes(const uint8_t *p, size_t n, uint64_t count,
			op_buf *tmp)
{
	struct op_change c;
	op_rd r;
	uint64_t i;

	op_rd_init(&r, p, n);
	for (i = 0; i < count && !op_rd_done(&r); i++) {
		const unsigned char *at = r.p;

		if (op_dec_change(&r, &c) < 0) {
			check(r.err != NULL);
			return -1;
		}
		check(c.gid_len >= 1 && c.gid_len <= 64);
		check(c.site_len >= 1 && c.site_len <= 32);
		check(c.staff_len <= 64 && c.col >= OP_COL_ROW);
		check(c.vtype >= OP_V_NULL && c.vtype <= OP_V_BLOB);
		op_buf_reset(tmp);
		op_enc_change(tmp, &c);
		check(same(tmp, at, (size_t)(r.p - at)));
	}
	return i == count && op_rd_done(&r) ? 0 : -1;
}

/* What the daemon does with a BATCH body. */
static void fuzz_receive(const uint8_t *p, size_t n, op_buf *raw, op_buf *tmp)
{
	struct op_batch_hdr h;
	const char *why = NULL;

	if (op_dec_batch_hdr(&h, p, n, &why) < 0)
		return;
	op_buf_reset(raw);
	if (op_inflate_capped(raw, h.z, h.z_len, h.raw_len, &why) < 0) {
		check(why != NULL && raw->len == 0);
		return;
	}
	check(raw->len <= h.raw_len);
	if (raw->len == h.raw_len)
		fuzz_changes(raw->p, raw->len, h.count, tmp);
}

/* Wrap p as a real batch, so mutations of the payload get past inflate. */
static void fuzz_wrapped(const uint8_t *p, size_t n, uint64_t count,
			 op_buf *raw, op_buf *tmp)
{
	op_buf z, frame;
	const char *why = NULL;
	struct op_batch_hdr h = { .seq = 1, .from_ver = 0, .upto_ver = 1 };

	op_buf_init(&z, OP_WIRE_MAX_FRAME);
	op_buf_init(&frame, OP_WIRE_MAX_FRAME + 64);
	if (op_deflate(&z, p, n, 1, &why) == 0) {
		h.count = count;
		h.raw_len = n;
		h.z = z.p;
		h.z_len = z.len;
		op_enc_batch_hdr(&frame, &h);
		if (!frame.oom)
			fuzz_receive(frame.p, frame.len, raw, tmp);
	}
	op_buf_free(&z);
	op_buf_free(&frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	op_buf tmp, raw;
	const char *why = NULL;

	op_buf_init(&tmp, 0);
	op_buf_init(&raw, 0);

	fuzz_bodies(data, size, &tmp);
	fuzz_changes(data, size, UINT64_MAX, &tmp);
	fuzz_receive(data, size, &raw, &tmp);

	/* the raw input as a zlib stream, capped */
	op_buf_reset(&raw);
	if (op_inflate_capped(&raw, data, size, FUZZ_CAP, &why) == 0)
		check(raw.len <= FUZZ_CAP);
	else
		check(why != NULL && raw.len == 0);
	check(raw.cap <= OP_WIRE_MAX_RAW);

	if (size >= 1 && data[0] < 0x40) {
		uint64_t count = data[0];

		if (count > (size - 1) / 10)	/* what a batch can hold */
			count = (size - 1) / 10;
		fuzz_wrapped(data + 1, size - 1, count, &raw, &tmp);
	}

	op_buf_free(&tmp);
	op_buf_free(&raw);
	return 0;
}
