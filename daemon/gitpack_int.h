/*
 * gitpack_int.h — what the pack writer (gitpack.c) and the pack merge
 * (packmerge.c) share: SHA-1 fed in pieces, a growing buffer, the pack
 * file being written and hashed on the way.
 */
#ifndef OP_GITPACK_INT_H
#define OP_GITPACK_INT_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* SHA-1 fed in pieces: a pack is hashed as it is written out. */
struct op_sha1 {
	uint32_t h[5];
	unsigned char part[64];
	size_t npart;
	uint64_t total;
};

void op_sha1_init(struct op_sha1 *c);
void op_sha1_update(struct op_sha1 *c, const void *p, size_t n);
void op_sha1_final(struct op_sha1 *c, unsigned char out[20]);

/* A buffer that grows. */
struct op_out {
	unsigned char *p;
	size_t len, cap;
};

/* Room for `more` bytes past len; 0, or -1 when out of memory. */
int op_out_reserve(struct op_out *o, size_t more);

/* v big-endian at p. */
void op_put32(unsigned char *p, uint32_t v);

/* All of buf to fd; 0, or -1 with errno set. */
int op_write_full(int fd, const void *buf, size_t n);

/* The pack is written out as it is made, hashed on the way, in pieces of
 * about this much: memory stays the same whatever the pack's size (a
 * merge of 64 MiB of packs once held all of it, twice over while the
 * buffer doubled). */
#define OP_STREAM_BYTES ((size_t)1 << 20)

/* The pack being written: its temporary file, the bytes already out. */
struct op_stream {
	int fd;
	char tmp[4200];
	uint64_t base;
	struct op_sha1 sum;
};

/* o's bytes to the file, hashed; o is emptied. 0 or -1 with e set. */
int op_stream_out(struct op_stream *st, struct op_out *o, op_err *e);

#endif
