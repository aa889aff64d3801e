/*
 * test_sealed.c — the encrypted backup (daemon/sealed.c): a push holds no
 * record in clear, is incremental, and unpacks with the right key only,
 * into a history that reads like the original.
 */
#include <criterion/criterion.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db.h"
#include "history.h"
#include "sealed.h"
#include "unit_store.h"

static char dir[128], dbpath[256], repo[300], key[300], bk[300];
static op_db *db;

static void write_sql(const char *sql)
{
	cr_assert_eq(op_db_begin(db, "alice"), 0);
	cr_assert_eq(op_db_exec(db, sql), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(op_db_commit(db), 0);
	struct op_history_result r;
	op_err e = { 0 };
	cr_assert_eq(op_history_commit_ex(db, NULL, "SH01", 0, &r, &e), 0, "%s", e.msg);
}

static void setup(void)
{
	db = unit_store_open(dir, sizeof(dir), dbpath, sizeof(dbpath), "sealed", "SH01");
	snprintf(repo, sizeof(repo), "%s.git", dbpath);
	snprintf(key, sizeof(key), "%s/admin.key", dir);
	snprintf(bk, sizeof(bk), "%s/usb/backup", dir);
	git_libgit2_init();
}

static void teardown(void)
{
	unit_store_remove(db, dir);
	git_libgit2_shutdown();
}

TestSuite(sealed, .init = setup, .fini = teardown);

static struct op_history_pushed push(const char *pk)
{
	op_history *h;
	op_err e = { 0 };
	struct op_history_pushed p;
	cr_assert_eq(op_history_open(&h, repo, &e), 0, "%s", e.msg);
	cr_assert_eq(op_sealed_push(h, bk, pk, &p, &e), 0, "%s", e.msg);
	op_history_free(h);
	return p;
}

Test(sealed, push_is_encrypted_incremental_and_unpacks_with_the_key)
{
	char pk[65], cmd[512], to[300];
	op_err e = { 0 };
	cr_assert_eq(op_sealed_keygen(key, pk, &e), 0, "%s", e.msg);
	struct stat st;
	cr_assert_eq(stat(key, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(op_sealed_keygen(key, pk, &e), -1, "a key is never overwritten");

	write_sql("INSERT INTO customer(id, name, phone) VALUES ('c1', 'Zhang', '+8613800138000')");
	struct op_history_pushed p = push(pk);
	cr_assert_eq(p.created, 1);
	cr_assert_eq(p.commits, 1);
	cr_assert(op_sealed_is_backup(bk));
	snprintf(cmd, sizeof(cmd), "grep -rq -e 13800138000 -e Zhang %s", bk);
	cr_assert_neq(system(cmd), 0, "no record in clear in the backup");
	cr_assert_eq(push(pk).commits, 0, "nothing new: nothing sent");
	write_sql("UPDATE customer SET name = 'Zhang Wei' WHERE id = 'c1'");
	p = push(pk);
	cr_assert_eq(p.commits, 1);
	cr_assert_eq(p.objects, 6, "only the new commit's objects");

	snprintf(to, sizeof(to), "%s/unpacked.git", dir);
	cr_assert_eq(op_sealed_unpack(bk, NULL, to, &e), -1);
	cr_assert_eq(e.code, EX_NOPERM);
	cr_assert(strstr(e.msg, "--key FILE"), "%s", e.msg);
	cr_assert_eq(op_sealed_unpack(bk, key, to, &e), 0, "%s", e.msg);
	git_repository *r;
	git_oid a, b;
	cr_assert_eq(git_repository_open(&r, to), 0);
	cr_assert_eq(git_reference_name_to_id(&a, r, "refs/heads/main"), 0);
	git_repository_free(r);
	cr_assert_eq(git_repository_open(&r, repo), 0);
	cr_assert_eq(git_reference_name_to_id(&b, r, "refs/heads/main"), 0);
	git_repository_free(r);
	cr_assert(git_oid_equal(&a, &b), "the unpacked history ends at our head");
	snprintf(cmd, sizeof(cmd), "git -C %s fsck --strict >/dev/null 2>&1", to);
	cr_assert_eq(system(cmd), 0, "git fsck on the unpacked history");
}

Test(sealed, another_key_is_refused)
{
	char pk[65], pk2[65], key2[300], to[300];
	op_err e = { 0 };
	snprintf(key2, sizeof(key2), "%s/other.key", dir);
	cr_assert_eq(op_sealed_keygen(key, pk, &e), 0);
	cr_assert_eq(op_sealed_keygen(key2, pk2, &e), 0);
	write_sql("INSERT INTO customer(id, name) VALUES ('c1', 'A')");
	push(pk);
	snprintf(to, sizeof(to), "%s/unpacked.git", dir);
	cr_assert_eq(op_sealed_unpack(bk, key2, to, &e), -1);
	cr_assert_eq(e.code, EX_NOPERM);
	op_history *h;
	struct op_history_pushed p;
	cr_assert_eq(op_history_open(&h, repo, &e), 0);
	cr_assert_eq(op_sealed_push(h, bk, pk2, &p, &e), -1, "sealed to another key");
	cr_assert_eq(e.code, EX_DATAERR);
	op_history_free(h);
}
