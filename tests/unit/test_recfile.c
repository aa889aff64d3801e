/*
 * test_recfile.c — the history's record file (daemon/recfile.c): shards,
 * escaped names and back, and text that round-trips through parse.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "recfile.h"

Test(recfile, shard_is_the_hex_tail_lowercased)
{
	char sh[5];
	op_recfile_shard("0190a1b2-c3d4-7e5f-8a9b-00000000BEEF", sh);
	cr_assert_str_eq(sh, "beef");
	op_recfile_shard("c1", sh);
	cr_assert_str_eq(sh, "____", "too short");
	op_recfile_shard("order-00xz", sh);
	cr_assert_str_eq(sh, "____", "not hex");
	op_recfile_shard("abc\xc3\xa9", sh);
	cr_assert_str_eq(sh, "____", "not ASCII");
}

Test(recfile, names_escape_what_a_tree_cannot_hold_and_come_back)
{
	static const char *ids[] = { "0190a1b2-c3d4-7e5f-8a9b-00000000beef", "a/b", ".git", "..",
				     "x y%z", "张三", "a.b_c-d" };
	char name[400];
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cr_assert_eq(op_recfile_name(ids[i], name, sizeof(name)), 0);
		cr_assert_null(strchr(name, '/'));
		cr_assert_neq(name[0], '.');
		char *back = op_recfile_id(name);
		cr_assert_str_eq(back, ids[i]);
		free(back);
	}
	cr_assert_eq(op_recfile_name("a/b", name, sizeof(name)), 0);
	cr_assert_str_eq(name, "a%2Fb");
	cr_assert_eq(op_recfile_name("a.b_c-d", name, sizeof(name)), 0);
	cr_assert_str_eq(name, "a.b_c-d", "plain ids are their own names");
	cr_assert_eq(op_recfile_name("", name, sizeof(name)), 0, "an empty id has a file too");
	cr_assert_str_eq(name, "%00");
	char *empty = op_recfile_id(name);
	cr_assert_str_eq(empty, "");
	free(empty);
	cr_assert_eq(op_recfile_name("abcdef", name, 4), -1, "does not fit");
}

Test(recfile, path_is_table_shard_name)
{
	char p[512];
	const struct op_table *t = op_table_by_name("customer");
	cr_assert_eq(op_recfile_path(p, sizeof(p), t, "0190a1b2-c3d4-7e5f-8a9b-00000000beef"), 0);
	cr_assert_str_eq(p, "customer/be/ef/0190a1b2-c3d4-7e5f-8a9b-00000000beef");
	cr_assert_eq(op_recfile_path(p, sizeof(p), t, "c1"), 0);
	cr_assert_str_eq(p, "customer/__/__/c1");
}

Test(recfile, text_round_trips_and_skips_nulls)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const struct op_table *t = op_table_by_name("product");
	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	/* columns as the description lists them: id sku name category spec
	 * price active created_at ... */
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT 'p1', 'SKU-1', 'a\\b' || char(10) || 'c' || "
		"char(13), NULL, '', 199950, 1, '2025-01-01 00:00:00', NULL, NULL, NULL, NULL",
		-1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	char *buf = NULL;
	size_t cap = 0;
	long n = op_recfile_text(t, st, &buf, &cap);
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf, "id: p1\nsku: SKU-1\nname: a\\\\b\\nc\\r\nspec: \nprice: 199950\n"
			 "active: 1\ncreated_at: 2025-01-01 00:00:00\n");
	struct op_recfile r;
	cr_assert_eq(op_recfile_parse(&r, t, buf, (size_t)n), 0);
	cr_assert_str_eq(r.vals[2], "a\\b\nc\r");
	cr_assert_null(r.vals[3], "NULL is absent");
	cr_assert_str_eq(r.vals[4], "", "empty text is not NULL");
	cr_assert_str_eq(r.vals[5], "199950");
	op_recfile_free(&r);
	const char *odd = "name: x\nfuture_column: y\nnonsense\n";
	cr_assert_eq(op_recfile_parse(&r, t, odd, strlen(odd)), 0);
	cr_assert_str_eq(r.vals[2], "x");
	op_recfile_free(&r);
	free(buf);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
