/*
 * wire.h — encoding and decoding of protocol frames (see protocol.h and
 * docs/PROTOCOL.md).
 *
 * Everything a peer sends is hostile until decoded: every reader checks
 * bounds and returns -1 with a reason instead of trusting a length. Integers
 * are LEB128 varints (unsigned) or zigzag varints (signed); strings are a
 * varint length then bytes (not NUL-terminated on the wire). Batches are
 * zlib streams whose compressed size is capped at OP_WIRE_MAX_FRAME and
 * whose inflated size is capped at OP_WIRE_MAX_RAW while inflating (a small
 * frame cannot become a gigabyte).
 */
#ifndef OP_WIRE_H
#define OP_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

#define OP_WIRE_MAX_FRAME (4u << 20)	/* compressed frame cap, bytes */
#define OP_WIRE_MAX_RAW   (16u << 20)	/* inflated batch cap, bytes */
#define OP_WIRE_MAX_STR   (1u << 20)	/* any one string */
#define OP_WIRE_HDR_LEN   4
#define OP_WIRE_MAX_INC   64		/* incarnation id, bytes */

/* A growable byte buffer with a hard cap. */
typedef struct op_buf {
	unsigned char *p;
	size_t len, cap, max;	/* max: the hard cap (0 = OP_WIRE_MAX_RAW) */
	int oom;		/* set when a put failed; later puts do nothing */
} op_buf;

void op_buf_init(op_buf *b, size_t max);
void op_buf_reset(op_buf *b);		/* len = 0, keeps memory, clears oom */
void op_buf_free(op_buf *b);		/* NULL-safe */
void op_put_bytes(op_buf *b, const void *p, size_t n);
void op_put_uv(op_buf *b, uint64_t v);	/* LEB128 */
void op_put_sv(op_buf *b, int64_t v);	/* zigzag + LEB128 */
void op_put_str(op_buf *b, const char *s, size_t n); /* n == (size_t)-1: strlen */

/* A bounded reader over borrowed bytes. */
typedef struct op_rd {
	const unsigned char *p, *end;
	const char *err;	/* first error, static text; NULL while ok */
} op_rd;

void op_rd_init(op_rd *r, const void *p, size_t n);
int op_get_uv(op_rd *r, uint64_t *v);	/* 0 or -1 (r->err set) */
int op_get_sv(op_rd *r, int64_t *v);
/* A string: *s points into the input (not NUL-terminated), *n its length;
 * refuses lengths over OP_WIRE_MAX_STR or past the end. */
int op_get_str(op_rd *r, const char **s, size_t *n);
int op_get_bytes(op_rd *r, const void **p, size_t n);
int op_rd_done(const op_rd *r);		/* 1 when all input consumed */

/* Header frame. */
void op_wire_hdr(unsigned char out[OP_WIRE_HDR_LEN], int code);
/* 0 and *code, or -1 with *why: wrong length, bad magic, other version
 * (OP_PERR_VERSION in *perr), else OP_PERR_MALFORMED. */
int op_wire_hdr_parse(const void *p, size_t n, int *code, int *perr,
		      const char **why);

/* Message bodies. Strings inside decoded structs point into the frame. */
struct op_hello {
	const char *site; size_t site_len;
	uint64_t schema_version;
	uint64_t recv_ver;	/* highest HQ version this branch has applied */
	uint64_t next_batch;	/* seq of the next batch the branch will send */
	uint64_t wall_ms;	/* sender's clock, for drift */
	uint64_t head_ver;	/* the branch's highest own version (v2) */
	const char *incarnation; size_t incarnation_len; /* store identity (v2) */
};
struct op_welcome {
	const char *site; size_t site_len;
	uint64_t schema_version;
	uint64_t applied_batch;	/* highest VERSION of this branch HQ has committed
				 * (the name is historical; it is a version) */
	uint64_t wall_ms;
	uint64_t max_ahead_ms;	/* how far ahead HQ lets a clock run */
	int rebase;		/* 1: the branch went back in time; re-baseline (v2) */
	const char *incarnation; size_t incarnation_len; /* the branch's from now on */
	uint64_t site_hlc;	/* newest HLC HQ holds from this branch (v2) */
};
struct op_batch_hdr {
	uint64_t seq;		/* batch sequence, per direction, from 1 */
	uint64_t from_ver;	/* sender's local versions covered: (from, upto] */
	uint64_t upto_ver;
	uint64_t count;		/* number of changes */
	uint64_t raw_len;	/* inflated payload length */
	const unsigned char *z; size_t z_len;	/* the zlib stream */
};
struct op_ack { uint64_t seq, upto_ver; };
struct op_error_msg { uint64_t code; const char *msg; size_t msg_len; };

void op_enc_hello(op_buf *b, const struct op_hello *m);
void op_enc_welcome(op_buf *b, const struct op_welcome *m);
void op_enc_batch_hdr(op_buf *b, const struct op_batch_hdr *m); /* appends z */
void op_enc_ack(op_buf *b, const struct op_ack *m);
void op_enc_error(op_buf *b, uint64_t code, const char *msg);
void op_enc_ping(op_buf *b, uint64_t wall_ms);

/* Decoders: 0, or -1 with *why (static text). The whole body must be
 * consumed; trailing bytes are an error. */
int op_dec_hello(struct op_hello *m, const void *p, size_t n, const char **why);
int op_dec_welcome(struct op_welcome *m, const void *p, size_t n, const char **why);
int op_dec_batch_hdr(struct op_batch_hdr *m, const void *p, size_t n, const char **why);
int op_dec_ack(struct op_ack *m, const void *p, size_t n, const char **why);
int op_dec_error(struct op_error_msg *m, const void *p, size_t n, const char **why);
int op_dec_ping(uint64_t *wall_ms, const void *p, size_t n, const char **why);

/* One change inside a batch payload. */
enum op_vtype { OP_V_NULL = 0, OP_V_INT = 1, OP_V_REAL = 2, OP_V_TEXT = 3, OP_V_BLOB = 4 };
#define OP_COL_TOMBSTONE (-1)	/* the row was deleted at hlc */
#define OP_COL_ROW (-2)		/* the row was created at hlc (no value) */

struct op_change {
	uint64_t tbl;		/* table number from the table description */
	const char *gid; size_t gid_len;	/* global row id */
	int64_t col;		/* column number, or OP_COL_TOMBSTONE */
	uint64_t hlc;		/* hybrid logical clock of this value */
	uint64_t prev;		/* hlc the writer had seen before (0: none) */
	const char *site; size_t site_len;	/* site that wrote it */
	const char *staff; size_t staff_len;	/* who, may be empty */
	int vtype;		/* enum op_vtype */
	int64_t i; double r;
	const char *s; size_t s_len;	/* TEXT / BLOB bytes */
};

void op_enc_change(op_buf *b, const struct op_change *c);
/* Decode the next change from r; 0, or -1 (r->err says why). Unknown
 * vtype is an error. */
int op_dec_change(op_rd *r, struct op_change *c);

/* zlib. op_deflate compresses in[0..n) into out (appends). op_inflate_capped
 * inflates into out, failing as soon as the output would pass `cap` bytes
 * ("inflated batch over N bytes"), on a corrupt stream, or when the stream
 * does not end exactly at the end of the input. 0 or -1 with *why. */
int op_deflate(op_buf *out, const void *in, size_t n, int level, const char **why);
int op_inflate_capped(op_buf *out, const void *in, size_t n, size_t cap,
		      const char **why);

#endif
