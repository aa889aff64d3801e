/*
 * test_packread.c — the history's objects read with pread
 * (daemon/packread.c) give what libgit2's own reader gives: every object
 * of packs we wrote, loose ones, and of the packs `git gc` makes of them
 * with deltas; a pack written after the reader opened is found, a pack
 * merged away under it does not lose an object, nothing is mapped.
 */
#include <criterion/criterion.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gitpack.h"
#include "packread.h"

#define NOBJ 400

static char dir[] = "/tmp/op-packread-XXXXXX", objs[300], packs[300];
static git_repository *repo;
static git_odb *disk;
static git_oid ids[NOBJ + 2];

/* Record-like blobs that share most of their text, so that git gc finds
 * deltas between them. */
static size_t body(int i, char *b, size_t n)
{
	int k = snprintf(b, n, "id: %d\nname: 顾客 %d\n", i, i);
	for (int l = 0; l < 40 && (size_t)k < n - 64; l++)
		k += snprintf(b + k, n - (size_t)k, "field%02d: the same long value %d\n", l,
			      l == i % 40 ? i : l);
	return (size_t)k;
}

/* n new blobs from `from` as one pack of ours. */
static void write_pack(int from, int n)
{
	git_odb *mem;
	git_odb_backend *mp;
	op_err e = { 0 };
	char b[4096];
	cr_assert_eq(git_odb_new(&mem), 0);
	cr_assert_eq(git_mempack_new(&mp), 0);
	cr_assert_eq(git_odb_add_backend(mem, mp, 1), 0);
	for (int i = from; i < from + n; i++)
		cr_assert_eq(git_odb_write(&ids[i], mem, b, body(i, b, sizeof(b)),
					   GIT_OBJECT_BLOB), 0);
	cr_assert_eq(op_gitpack_write(mem, packs, ids + from, (size_t)n, &e), 0, "%s", e.msg);
	git_odb_free(mem);
}

static void setup(void)
{
	cr_assert(mkdtemp(dir));
	git_libgit2_init();
	cr_assert_eq(git_repository_init(&repo, dir, 1), 0);
	cr_assert_eq(git_repository_odb(&disk, repo), 0);
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	snprintf(packs, sizeof(packs), "%s/objects/pack", dir);
}

static void teardown(void)
{
	char cmd[400];
	git_odb_free(disk);
	git_repository_free(repo);
	git_libgit2_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(packread, .init = setup, .fini = teardown);

static int mapped_packs(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "grep -q '%s' /proc/%d/maps", packs, (int)getpid());
	return system(cmd) == 0;
}

/* Every object through both readers: the same type, size and bytes. */
static void same_as_libgit2(git_odb *mine, int n)
{
	git_odb *fresh;
	git_repository *r;
	cr_assert_eq(git_repository_open_bare(&r, dir), 0);
	cr_assert_eq(git_repository_odb(&fresh, r), 0);
	for (int i = 0; i < n; i++) {
		git_odb_object *a, *b;
		cr_assert_eq(git_odb_read(&a, fresh, &ids[i]), 0, "libgit2 reads object %d", i);
		cr_assert_eq(git_odb_read(&b, mine, &ids[i]), 0, "object %d: %s", i,
			     git_error_last() ? git_error_last()->message : "");
		cr_assert_eq(git_odb_object_type(a), git_odb_object_type(b));
		cr_assert_eq(git_odb_object_size(a), git_odb_object_size(b), "object %d", i);
		cr_assert_eq(memcmp(git_odb_object_data(a), git_odb_object_data(b),
				    git_odb_object_size(a)), 0, "object %d differs", i);
		size_t len;
		git_object_t t;
		cr_assert_eq(git_odb_read_header(&len, &t, mine, &ids[i]), 0);
		cr_assert_eq(len, git_odb_object_size(a));
		git_odb_object_free(a);
		git_odb_object_free(b);
	}
	git_odb_free(fresh);
	git_repository_free(r);
}

/* libgit2's own reader maps what it reads: none of its open while ours
 * reads. */
static void close_libgit2(void)
{
	git_odb_free(disk);
	git_repository_free(repo);
	disk = NULL;
	repo = NULL;
	cr_assert_not(mapped_packs(), "libgit2 still maps a pack");
}

Test(packread, reads_what_libgit2_reads_without_mapping_a_pack)
{
	git_odb *mine;
	op_err e = { 0 };
	char b[4096];

	write_pack(0, 150);
	write_pack(150, 150);
	/* loose ones too, and a big one whose size takes several header bytes */
	for (int i = 300; i < 310; i++)
		cr_assert_eq(git_odb_write(&ids[i], disk, b, body(i, b, sizeof(b)),
					   GIT_OBJECT_BLOB), 0);
	char *big = malloc(200000);
	for (int i = 0; i < 200000; i++)
		big[i] = (char)('a' + i % 23);
	cr_assert_eq(git_odb_write(&ids[310], disk, big, 200000, GIT_OBJECT_BLOB), 0);
	/* and a big packed one that does not deflate: read in steps */
	git_odb *mem;
	git_odb_backend *mp;
	uint32_t x = 99;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		big[i] = (char)x;
	}
	cr_assert_eq(git_odb_new(&mem), 0);
	cr_assert_eq(git_mempack_new(&mp), 0);
	cr_assert_eq(git_odb_add_backend(mem, mp, 1), 0);
	cr_assert_eq(git_odb_write(&ids[311], mem, big, 200000, GIT_OBJECT_BLOB), 0);
	cr_assert_eq(op_gitpack_write(mem, packs, ids + 311, 1, &e), 0, "%s", e.msg);
	git_odb_free(mem);
	free(big);

	close_libgit2();
	cr_assert_eq(op_packread_odb(&mine, objs, &e), 0, "%s", e.msg);
	for (int i = 0; i < 312; i++)
		cr_assert(git_odb_exists(mine, &ids[i]), "object %d", i);
	cr_assert_not(mapped_packs(), "a pack or index is mapped");
	same_as_libgit2(mine, 312);
	git_oid none;
	memset(&none, 0x5a, sizeof(none));
	cr_assert_not(git_odb_exists(mine, &none));
	git_odb_object *o;
	cr_assert_eq(git_odb_read(&o, mine, &none), GIT_ENOTFOUND);

	/* a pack written after the reader opened is found */
	write_pack(312, 40);
	same_as_libgit2(mine, 352);
	git_odb_free(mine);
}

/* git gc rewrites everything as one pack with deltas (by offset), and the
 * packs the reader had open go: it reads every object still. */
Test(packread, reads_the_deltas_of_a_pack_git_gc_made)
{
	git_odb *mine;
	op_err e = { 0 };
	char cmd[600];

	write_pack(0, 200);
	write_pack(200, 200);
	cr_assert_eq(op_packread_odb(&mine, objs, &e), 0, "%s", e.msg);
	same_as_libgit2(mine, NOBJ);
	/* (no ref holds them: -k keeps the unreachable objects in the pack) */
	snprintf(cmd, sizeof(cmd), "cd %s && git repack -a -d -f -k -q --window=50 --depth=20 && "
		 "test $(ls objects/pack/*.pack | wc -l) = 1 && "
		 "git verify-pack -v objects/pack/*.idx | grep -q 'chain length = '", dir);
	cr_assert_eq(system(cmd), 0, "git repack made one pack with deltas");
	same_as_libgit2(mine, NOBJ);
	git_odb_free(mine);
	close_libgit2();
	cr_assert_eq(op_packread_odb(&mine, objs, &e), 0, "%s", e.msg);
	for (int i = 0; i < NOBJ; i++)
		cr_assert(git_odb_exists(mine, &ids[i]), "object %d", i);
	cr_assert_not(mapped_packs());
	same_as_libgit2(mine, NOBJ);
	git_odb_free(mine);
}

/* A pack cut short (a full disk, a bad copy): its objects are errors that
 * say so, not a crash and not other bytes. */
Test(packread, a_truncated_pack_is_an_error)
{
	git_odb *mine;
	git_odb_object *o;
	op_err e = { 0 };
	char cmd[600];
	write_pack(0, 50);
	close_libgit2();
	snprintf(cmd, sizeof(cmd), "cd %s && truncate -s 300 pack-*.pack", packs);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(op_packread_odb(&mine, objs, &e), 0, "%s", e.msg);
	int errors = 0;
	for (int i = 0; i < 50; i++) {
		int r = git_odb_read(&o, mine, &ids[i]);
		if (r == 0) {
			char b[4096];
			size_t n = body(i, b, sizeof(b));
			cr_assert_eq(git_odb_object_size(o), n);
			cr_assert_eq(memcmp(git_odb_object_data(o), b, n), 0);
			git_odb_object_free(o);
		} else {
			errors++;
			cr_assert(git_error_last() && strstr(git_error_last()->message, "history pack"),
				  "%s", git_error_last() ? git_error_last()->message : "no message");
		}
	}
	cr_assert_gt(errors, 40);
	git_odb_free(mine);
}

/* A pack big enough that a fanout bucket holds more ids than are read at
 * once (70,000 objects: ~273 a bucket): found by narrowing, every one. */
Test(packread, finds_every_object_of_a_big_pack)
{
	enum { N = 70000 };
	git_oid *big = malloc(N * sizeof(*big));
	git_odb *mem, *mine;
	git_odb_backend *mp;
	op_err e = { 0 };
	char b[64];
	cr_assert(big);
	cr_assert_eq(git_odb_new(&mem), 0);
	cr_assert_eq(git_mempack_new(&mp), 0);
	cr_assert_eq(git_odb_add_backend(mem, mp, 1), 0);
	for (int i = 0; i < N; i++) {
		int n = snprintf(b, sizeof(b), "record %d\n", i);
		cr_assert_eq(git_odb_write(&big[i], mem, b, (size_t)n, GIT_OBJECT_BLOB), 0);
	}
	cr_assert_eq(op_gitpack_write(mem, packs, big, N, &e), 0, "%s", e.msg);
	git_odb_free(mem);
	close_libgit2();
	cr_assert_eq(op_packread_odb(&mine, objs, &e), 0, "%s", e.msg);
	for (int i = 0; i < N; i++) {
		git_odb_object *o;
		int n = snprintf(b, sizeof(b), "record %d\n", i);
		cr_assert_eq(git_odb_read(&o, mine, &big[i]), 0, "object %d", i);
		cr_assert_eq(git_odb_object_size(o), (size_t)n);
		cr_assert_eq(memcmp(git_odb_object_data(o), b, (size_t)n), 0, "object %d", i);
		git_odb_object_free(o);
	}
	git_oid none = big[0];
	none.id[19] ^= 1;
	cr_assert_not(git_odb_exists(mine, &none));
	git_odb_free(mine);
	free(big);
}
