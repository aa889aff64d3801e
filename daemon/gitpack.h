/*
 * gitpack.h — writing many new git objects at once as one pack file.
 *
 * libgit2 writes objects loose, one file each, and its packbuilder spends
 * most of its time searching for deltas among objects that are small and
 * unlike each other (history records, the trees above them). The history
 * writer (history.c) therefore writes its new objects into a version 2
 * pack itself — each object zlib-deflated, no deltas — with its version 2
 * index, into the repository's objects/pack, where libgit2 (and git) find
 * it. `git gc` may later repack with deltas; the files are ordinary git
 * packs either way.
 */
#ifndef OP_GITPACK_H
#define OP_GITPACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <git2.h>
#include "error.h"

/* Write objects ids[0..n) (read from `from`) as one pack and its index
 * into pack_dir (a repository's objects/pack). Duplicate ids are written
 * once. The pack goes to its file as it is made (about 1 MiB at a time,
 * or one object when larger); only the index (28 bytes an object) is
 * built in memory. Returns 0, or -1 with e set (no partial pack is left
 * visible). */
int op_gitpack_write(git_odb *from, const char *pack_dir, const git_oid *ids, size_t n,
		     op_err *e);

/* When pack_dir holds more than max_packs packs, merge the smallest into
 * one, so that the merged pack and those left grow geometrically (each at
 * least twice all smaller ones together) and at most max_packs remain.
 * Packs merge by copying their objects as they are (nothing inflated,
 * nothing kept per object: memory does not grow with the packs), each
 * checked against its checksum first; the merged ones are removed.
 * Returns the number of packs merged (0: none needed), or -1 with e set
 * (the packs are then left as they were). */
int op_gitpack_consolidate(const char *pack_dir, int max_packs, op_err *e);

/* How many of n packs of these sizes (smallest first) a consolidation
 * merges (0: none). */
size_t op_gitpack_pick(const off_t *size, size_t n, int max_packs);

/* Offsets past this go to the index's 64-bit table (git: 2^31 - 1);
 * tests lower it to try that table on small packs. */
extern uint64_t op_gitpack_big_offset;

/* SHA-1 of p[0..n): the checksum a pack ends with. */
void op_gitpack_sha1(const void *p, size_t n, unsigned char out[20]);

#endif
