/*
 * packread.h — the history's objects read with pread instead of mapped
 * (packread.c): what a history commit and a pack merge look objects up
 * through, so that the index of every pack does not become part of the
 * daemon's memory. The packs are ordinary git packs (ours, or rewritten by
 * `git gc`, deltas included); loose objects are libgit2's.
 */
#ifndef OP_PACKREAD_H
#define OP_PACKREAD_H

#include <git2.h>
#include "error.h"

/* An object database over objects_dir (a repository's "objects"): its
 * loose objects, then its packs. 0 and *out (git_odb_free), or -1 with e
 * set. */
int op_packread_odb(git_odb **out, const char *objects_dir, op_err *e);

#endif
