/*
 * wire_test.h — helpers the wire codec tests share (test_wire.c,
 * test_wire_zlib.c): a seeded PRNG and small comparisons.
 */
#ifndef OP_WIRE_TEST_H
#define OP_WIRE_TEST_H

#include <stdint.h>
#include <string.h>
#include "wire.h"

/* ------------------------------------------------------------- helpers */

/* xorshift64*: small, seeded, the same sequence on every machine */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline size_t rng_below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rng_next(s) % n) : 0;
}

static inline void rng_fill(uint64_t *s, unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng_next(s);
}

static inline int buf_eq(const op_buf *b, const void *p, size_t n)
{
	return !b->oom && b->len == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

static inline int has(const char *why, const char *needle)
{
	return why && strstr(why, needle) != NULL;
}


#endif
