/*
 * test_gitpack.c — packs written without libgit2's packbuilder
 * (daemon/gitpack.c): the SHA-1 against the FIPS test vectors, and a pack
 * of new objects that libgit2's indexer accepts and the stock git client
 * verifies, also when it is written out in several pieces.
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

/* A bare repository in a fresh directory dir (a mkdtemp template), its
 * object database, and an in-memory one to write new objects into. */
struct fixture {
	git_repository *repo;
	git_odb *disk, *mem;
};

static void fixture_up(struct fixture *f, char *dir)
{
	git_odb_backend *mp;
	cr_assert(mkdtemp(dir));
	git_libgit2_init();
	cr_assert_eq(git_repository_init(&f->repo, dir, 1), 0);
	cr_assert_eq(git_repository_odb(&f->disk, f->repo), 0);
	cr_assert_eq(git_odb_new(&f->mem), 0);
	cr_assert_eq(git_mempack_new(&mp), 0);
	cr_assert_eq(git_odb_add_backend(f->mem, mp, 1), 0);
}

static void fixture_down(struct fixture *f, const char *dir)
{
	char cmd[512];
	git_odb_free(f->mem);
	git_odb_free(f->disk);
	git_repository_free(f->repo);
	git_libgit2_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void hex(const unsigned char *d, char out[41])
{
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

Test(gitpack, sha1_test_vectors)
{
	unsigned char d[20];
	char h[41];
	op_gitpack_sha1("", 0, d);
	hex(d, h);
	cr_assert_str_eq(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	op_gitpack_sha1("abc", 3, d);
	hex(d, h);
	cr_assert_str_eq(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	op_gitpack_sha1(two, strlen(two), d);
	hex(d, h);
	cr_assert_str_eq(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "padding over two blocks");
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	op_gitpack_sha1(a, 1000000, d);
	free(a);
	hex(d, h);
	cr_assert_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

Test(gitpack, a_pack_libgit2_indexes_and_git_verifies)
{
	char dir[] = "/tmp/op-gitpack-XXXXXX", cmd[512];
	struct fixture f;
	git_odb *disk, *mem;
	git_oid ids[202];
	op_err e = { 0 };

	fixture_up(&f, dir);
	disk = f.disk, mem = f.mem;
	for (int i = 0; i < 200; i++) {
		char body[300];
		int n = snprintf(body, sizeof(body), "id: %d\nname: record %d\nnotes: %0*d\n", i, i,
				 i % 150, 0);
		cr_assert_eq(git_odb_write(&ids[i], mem, body, (size_t)n, GIT_OBJECT_BLOB), 0);
	}
	/* a big object: its size needs several header bytes */
	char *big = malloc(70000);
	memset(big, 'x', 70000);
	cr_assert_eq(git_odb_write(&ids[200], mem, big, 70000, GIT_OBJECT_BLOB), 0);
	free(big);
	git_oid_cpy(&ids[201], &ids[0]);	/* a duplicate is written once */
	snprintf(cmd, sizeof(cmd), "%s/objects/pack", dir);
	cr_assert_eq(op_gitpack_write(mem, cmd, ids, 202, &e), 0, "%s", e.msg);
	for (int i = 0; i < 201; i++)
		cr_assert(git_odb_exists(disk, &ids[i]), "object %d is in the repository", i);
	snprintf(cmd, sizeof(cmd), "cd %s && for i in objects/pack/*.idx; do "
		 "git verify-pack $i >/dev/null || exit 1; done && "
		 "test \"$(git count-objects -v | sed -n 's/^in-pack: //p')\" = 201", dir);
	cr_assert_eq(system(cmd), 0, "git verify-pack accepts the pack with 201 objects");
	fixture_down(&f, dir);
}

/* A pack of several MiB goes to its file in pieces: every piece is in the
 * checksum, every offset counts the pieces before it. */
Test(gitpack, a_pack_larger_than_one_piece)
{
	char dir[] = "/tmp/op-gitpack-XXXXXX", cmd[512];
	struct fixture f;
	git_oid ids[64];
	op_err e = { 0 };
	uint32_t x = 12345;
	size_t sz = 97 * 1024 + 13;	/* incompressible: the pack holds ~6 MiB */
	unsigned char *body = malloc(sz);

	cr_assert(body);
	fixture_up(&f, dir);
	git_odb *disk = f.disk, *mem = f.mem;
	for (int i = 0; i < 64; i++) {
		for (size_t k = 0; k < sz; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			body[k] = (unsigned char)x;
		}
		cr_assert_eq(git_odb_write(&ids[i], mem, body, sz - (size_t)i, GIT_OBJECT_BLOB), 0);
	}
	free(body);
	snprintf(cmd, sizeof(cmd), "%s/objects/pack", dir);
	cr_assert_eq(op_gitpack_write(mem, cmd, ids, 64, &e), 0, "%s", e.msg);
	for (int i = 0; i < 64; i++) {
		git_odb_object *o;
		cr_assert_eq(git_odb_read(&o, disk, &ids[i]), 0, "object %d reads back", i);
		cr_assert_eq(git_odb_object_size(o), sz - (size_t)i);
		git_odb_object_free(o);
	}
	snprintf(cmd, sizeof(cmd), "cd %s && test $(du -k objects/pack/*.pack | cut -f1) -gt 4096 && "
		 "git verify-pack objects/pack/*.idx >/dev/null && "
		 "test -z \"$(ls objects/pack | grep -v '^pack-')\"", dir);
	cr_assert_eq(system(cmd), 0, "git verify-pack accepts a pack of several pieces, no "
		     "temporary file is left");
	fixture_down(&f, dir);
}
