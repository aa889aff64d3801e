/*
 * test_packread.c — the history's objects read with pread
 * (daemon/packread.c) give what libgit2's own reader gives: every object
 * of packs we wrote, loose ones, and of the packs `git gc` makes of them
 * with deltas; a pack written after the reader opened is found, a pack
 * merged away under it does not lose an object, nothing is mapped.
 * And the packs merged by copying (daemon/gitpack.c, suite packmerge):
 * every object reads back and git verifies the result, deltas and 64-bit
 * offsets included; a damaged pack or a full disk stops the merge and
 * loses nothing.
 */
#include <criterion/criterion.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "gitpack.h"
#include "packread.h"

#define NOBJ 400

static char dir[] = "/tmp/op-packread-XXXXXX", objs[300], packs[300];
static git_repository *repo;
static git_odb *disk;
static git_oid ids[1000];

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

/* --- packs merged by copying (gitpack.c) --- */

TestSuite(packmerge, .init = setup, .fini = teardown);

static int count_packs(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^pack-.*\\.pack$'", packs);
	FILE *p = popen(cmd, "r");
	int n = -1;
	cr_assert(p);
	cr_assert_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* Objects 0..n) are there, each with the bytes body() gave it, read by
 * libgit2 and by ours; git verify-pack (every object inflated, resolved
 * and hashed, every CRC and checksum) accepts each pack; nothing of a
 * merge's is left behind. */
static void all_there(int n)
{
	git_odb *mine, *fresh;
	git_repository *r;
	op_err e = { 0 };
	char cmd[600], b[4096];
	snprintf(cmd, sizeof(cmd), "cd %s && for i in objects/pack/*.idx; do "
		 "git verify-pack $i >/dev/null || exit 1; done && "
		 "test -z \"$(ls objects/pack | grep -v '^pack-')\"", dir);
	cr_assert_eq(system(cmd), 0, "git verify-pack accepts every pack, no temporary file");
	cr_assert_eq(git_repository_open_bare(&r, dir), 0);
	cr_assert_eq(git_repository_odb(&fresh, r), 0);
	cr_assert_eq(op_packread_odb(&mine, objs, &e), 0, "%s", e.msg);
	for (int i = 0; i < n; i++) {
		size_t len = body(i, b, sizeof(b));
		git_odb *by[2] = { fresh, mine };
		for (int k = 0; k < 2; k++) {
			git_odb_object *o;
			cr_assert_eq(git_odb_read(&o, by[k], &ids[i]), 0, "object %d (%s)", i,
				     k ? "ours" : "libgit2");
			cr_assert_eq(git_odb_object_size(o), len, "object %d", i);
			cr_assert_eq(memcmp(git_odb_object_data(o), b, len), 0, "object %d", i);
			git_odb_object_free(o);
		}
	}
	git_odb_free(mine);
	git_odb_free(fresh);
	git_repository_free(r);
}

/* A pack git made with deltas (by offset) and nine of ours of different
 * sizes: merged down to four, every object as it was. */
Test(packmerge, merges_packs_by_copying_them_deltas_and_all)
{
	op_err e = { 0 };
	char cmd[600];
	write_pack(0, 200);
	write_pack(200, 200);
	snprintf(cmd, sizeof(cmd), "cd %s && git repack -a -d -f -k -q --window=50 --depth=20 && "
		 "git verify-pack -v objects/pack/*.idx | grep -q 'chain length = '", dir);
	cr_assert_eq(system(cmd), 0, "git repack made a pack with deltas");
	int at = 400;
	for (int k = 1; k <= 9; k++, at += 10 * k)
		write_pack(at, 10 * (k + 1));
	close_libgit2();
	cr_assert_eq(count_packs(), 10);
	int n = op_gitpack_consolidate(packs, 4, &e);
	cr_assert_geq(n, 7, "%d merged: %s", n, e.msg);
	cr_assert_leq(count_packs(), 4);
	cr_assert_eq(count_packs(), 10 - n + 1);
	all_there(at);
	cr_assert_eq(op_gitpack_consolidate(packs, 4, &e), 0, "nothing more to merge");
}

/* Offsets past 31 bits go to the index's 64-bit table: with the limit
 * lowered, a merged pack of a few hundred KiB has most of its objects
 * there, and git and both readers find them. */
Test(packmerge, offsets_past_31_bits_go_to_the_64_bit_table)
{
	op_err e = { 0 };
	char cmd[600];
	op_gitpack_big_offset = 4000;
	write_pack(0, 100);
	write_pack(100, 100);
	write_pack(200, 100);
	close_libgit2();
	cr_assert_eq(op_gitpack_consolidate(packs, 1, &e), 3, "%s", e.msg);
	/* the index is longer than one without the table by 8 bytes an entry */
	snprintf(cmd, sizeof(cmd), "test $(stat -c %%s %s/pack-*.idx) -gt %d", packs,
		 8 + 1024 + 300 * 28 + 40 + 200 * 8);
	cr_assert_eq(system(cmd), 0, "the merged index has a 64-bit offset table");
	all_there(300);
	op_gitpack_big_offset = 0x7fffffff;
}

/* An object in two packs (a commit redone after a crash): both copies
 * stay, listed side by side, and git accepts it. */
Test(packmerge, an_object_in_two_packs_stays_readable)
{
	op_err e = { 0 };
	write_pack(0, 60);
	write_pack(30, 60);
	close_libgit2();
	cr_assert_eq(op_gitpack_consolidate(packs, 1, &e), 2, "%s", e.msg);
	all_there(90);
}

/* Beside a pack git made with deltas by distance, the copy left out is
 * the one in our pack, whichever comes first; when both copies are in
 * such packs, nothing is merged and the error says why. */
Test(packmerge, the_copy_left_out_is_never_in_a_pack_with_deltas)
{
	op_err e = { 0 };
	char cmd[900];
	write_pack(0, 200);
	write_pack(200, 200);
	snprintf(cmd, sizeof(cmd), "cd %s && git repack -a -d -f -k -q --window=50 --depth=20", dir);
	cr_assert_eq(system(cmd), 0);
	write_pack(100, 50);	/* smaller: merged first, its copies go */
	write_pack(350, 100);	/* 350..399 in both */
	close_libgit2();
	cr_assert_eq(op_gitpack_consolidate(packs, 1, &e), 3, "%s", e.msg);
	all_there(450);

	/* all in one pack by git, and a second pack by git of 200 of them:
	 * with deltas by id, its copies go; by distance, nothing merges */
	for (int ofs = 0; ofs < 2; ofs++) {
		snprintf(cmd, sizeof(cmd), "cd %s && git repack -a -d -f -k -q --window=50 "
			 "--depth=20 && git show-index < $(ls objects/pack/pack-*.idx) | "
			 "awk '{ print $2 }' | sed -n '1,200p' | git pack-objects %s "
			 "--no-reuse-delta --window=50 -q objects/pack/pack >/dev/null && "
			 "test $(ls objects/pack/*.pack | wc -l) = 2 && "
			 "for i in objects/pack/*.idx; do git verify-pack -v $i | "
			 "grep -q 'chain length = ' || exit 1; done", dir,
			 ofs ? "--delta-base-offset" : "");
		cr_assert_eq(system(cmd), 0, "two packs git made with deltas, sharing 200 objects");
		e = (op_err){ 0 };
		int n = op_gitpack_consolidate(packs, 1, &e);
		if (!ofs) {
			cr_assert_eq(n, 2, "%s", e.msg);
		} else {
			cr_assert_eq(n, -1);
			cr_assert_eq(e.code, EX_DATAERR, "%s", e.msg);
			cr_assert(strstr(e.msg, "git gc"), "%s", e.msg);
			cr_assert_eq(count_packs(), 2, "nothing merged, nothing removed");
		}
		all_there(450);
	}
}

/* One byte flipped in a pack, or a pack cut short: the merge stops with
 * why, every pack stays as it was, nothing is left behind. */
Test(packmerge, a_damaged_pack_stops_the_merge_and_loses_nothing)
{
	op_err e = { 0 };
	char cmd[600];
	for (int k = 0; k < 6; k++)
		write_pack(50 * k, 50);
	close_libgit2();
	snprintf(cmd, sizeof(cmd), "cd %s && p=$(ls pack-*.pack | sed -n 3p) && cp $p /tmp/op-pm-$$ "
		 "&& chmod u+w $p && printf 'X' | dd of=$p bs=1 seek=2000 conv=notrunc 2>/dev/null",
		 packs);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(op_gitpack_consolidate(packs, 2, &e), -1);
	cr_assert_eq(e.code, EX_DATAERR, "%s", e.msg);
	cr_assert(strstr(e.msg, "damaged"), "%s", e.msg);
	cr_assert_eq(count_packs(), 6, "no pack removed");
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls %s | grep -v '^pack-')\"", packs);
	cr_assert_eq(system(cmd), 0, "no temporary file left");

	snprintf(cmd, sizeof(cmd), "cd %s && p=$(ls pack-*.pack | sed -n 4p) && chmod u+w $p && "
		 "truncate -s 1000 $p", packs);
	cr_assert_eq(system(cmd), 0);
	e = (op_err){ 0 };
	cr_assert_eq(op_gitpack_consolidate(packs, 2, &e), -1);
	cr_assert_eq(e.code, EX_DATAERR, "%s", e.msg);
	cr_assert(strstr(e.msg, "does not match its index") || strstr(e.msg, "damaged"), "%s",
		  e.msg);
	cr_assert_eq(count_packs(), 6, "no pack removed");
}

/* A full disk (here: a file size limit below the merged pack's size)
 * while the merged pack is written: the merge says why, every pack stays,
 * no temporary file is left, and a later merge with room succeeds. */
Test(packmerge, a_full_disk_stops_the_merge_and_loses_nothing)
{
	op_err e = { 0 };
	struct rlimit was, lim;
	for (int k = 0; k < 4; k++)
		write_pack(100 * k, 100);
	close_libgit2();
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	lim = was;
	lim.rlim_cur = 20000;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(op_gitpack_consolidate(packs, 1, &e), -1);
	cr_assert_eq(e.code, EX_IOERR, "%s", e.msg);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	cr_assert_eq(count_packs(), 4, "no pack removed");
	all_there(400);
	e = (op_err){ 0 };
	cr_assert_eq(op_gitpack_consolidate(packs, 1, &e), 4, "%s", e.msg);
	all_there(400);
}

/* Which packs merge: none up to the limit; past it the smallest, so that
 * the rest grow geometrically (each at least twice all smaller ones). */
Test(packmerge, the_smallest_packs_merge_until_the_sizes_grow_geometrically)
{
	off_t equal[10] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
	off_t geo[10] = { 1, 2, 6, 18, 54, 162, 486, 1458, 4374, 13122 };
	off_t mixed[6] = { 1, 1, 1, 100, 1000, 5000 };
	cr_assert_eq(op_gitpack_pick(equal, 8, 8), 0, "at the limit: none");
	cr_assert_eq(op_gitpack_pick(equal, 10, 8), 10, "equal sizes: all");
	cr_assert_eq(op_gitpack_pick(geo, 10, 8), 3, "already geometric: just under the limit");
	cr_assert_eq(op_gitpack_pick(mixed, 6, 4), 3, "the three small ones, not the big");
	cr_assert_eq(op_gitpack_pick(mixed, 6, 5), 3);
	off_t many[100];
	for (int i = 0; i < 100; i++)
		many[i] = 7;
	cr_assert_eq(op_gitpack_pick(many, 100, 8), 64, "at most 64 at once");
}
