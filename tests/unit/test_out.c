/*
 * test_out.c — unit tests for client/out.c: display widths of mixed
 * Chinese/ASCII text, aligned tables, JSON and CSV as programs read them,
 * the vertical record view and text bars. Output goes to a memory stream
 * and is compared byte for byte.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

struct cap {
	FILE *fp;
	char *buf;
	size_t len;
};

static void cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->fp = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->fp);
}

/* Close the stream and return what was written (freed by cap_free). */
static const char *cap_text(struct cap *c)
{
	fclose(c->fp);
	c->fp = NULL;
	return c->buf;
}

static void cap_free(struct cap *c)
{
	free(c->buf);
}

Test(out_width, ascii_and_cjk)
{
	cr_assert_eq(op_display_width(""), 0);
	cr_assert_eq(op_display_width(NULL), 0);
	cr_assert_eq(op_display_width("abc"), 3);
	cr_assert_eq(op_display_width("\xe5\xbc\xa0\xe4\xb8\x89"), 4);	/* 张三 */
	cr_assert_eq(op_display_width("Li \xe6\x9d\x8e"), 5);		/* Li 李 */
	cr_assert_eq(op_display_width("\xe3\x80\x82"), 2);			/* 。 */
	cr_assert_eq(op_display_width("\xef\xbc\xa1\xef\xbc\xa2"), 4);	/* ＡＢ */
	cr_assert_eq(op_display_width("\xef\xbf\xa5"), 2);			/* ￥ */
	cr_assert_eq(op_display_width("\xed\x95\x9c\xea\xb5\xad"), 4);	/* 한국 */
	cr_assert_eq(op_display_width("\xe3\x82\xab\xe3\x82\xbf"), 4);	/* カタ */
	cr_assert_eq(op_display_width("\xf0\x9f\x98\x80"), 2);		/* 😀 */
	cr_assert_eq(op_display_width("\xf0\xa0\x80\x80"), 2);		/* U+20000 */
	cr_assert_eq(op_display_width("\xc3\xa9"), 1);			/* é */
	cr_assert_eq(op_display_width("\xc2\xa5"), 1);			/* ¥ */
	cr_assert_eq(op_display_width("\xe2\x96\x88"), 1);			/* █ */
}

Test(out_width, zero_and_invalid)
{
	cr_assert_eq(op_display_width("e\xcc\x81"), 1);	/* e + U+0301 */
	cr_assert_eq(op_display_width("a\xe2\x80\x8b" "b"), 2);	/* ZWSP */
	cr_assert_eq(op_display_width("\xe2\x9c\x8c\xef\xb8\x8f"), 1); /* ✌ VS16 */
	cr_assert_eq(op_display_width("\xe3\x81\x8b\xe3\x82\x99"), 2); /* が */
	cr_assert_eq(op_display_width("a\tb"), 3);
	cr_assert_eq(op_display_width("\xff\xfe"), 2);
	cr_assert_eq(op_display_width("\xd5\xc5\xc8\xfd"), 4);	/* GBK bytes */
	cr_assert_eq(op_display_width("\xe5\xbc"), 2);		/* truncated */
	cr_assert_eq(op_display_width("\xed\xa0\x80"), 3);	/* surrogate */
}

Test(out_width, grapheme_clusters)
{
	/* 👨‍👩‍👧: man ZWJ woman ZWJ girl, one cluster of two cells */
	cr_assert_eq(op_display_width("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
				      "\xe2\x80\x8d\xf0\x9f\x91\xa7"), 2);
	/* 👍🏽: thumbs up and a skin tone */
	cr_assert_eq(op_display_width("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 2);
	/* 🇨🇳: two regional indicators, one flag */
	cr_assert_eq(op_display_width("\xf0\x9f\x87\xa8\xf0\x9f\x87\xb3"), 2);
	/* 张👨‍👩‍👧三 */
	cr_assert_eq(op_display_width("\xe5\xbc\xa0\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
				      "\xe2\x80\x8d\xf0\x9f\x91\xa7\xe4\xb8\x89"), 6);
}

Test(out_width, pad)
{
	struct cap c;

	cap_open(&c);
	op_pad(c.fp, "\xe5\xbc\xa0\xe4\xb8\x89", 6);
	fputc('|', c.fp);
	op_pad(c.fp, "ab", 1);
	fputc('|', c.fp);
	op_pad(c.fp, NULL, 2);
	fputc('|', c.fp);
	cr_assert_str_eq(cap_text(&c), "\xe5\xbc\xa0\xe4\xb8\x89  |ab|  |");
	cap_free(&c);
}

Test(out_table, mixed_cjk_ascii)
{
	static const char *const cols[] = { "id", "name", "city" };
	static const char *const r1[] = { "1", "\xe5\xbc\xa0\xe4\xb8\x89",
					  "Beijing" };
	static const char *const r2[] = { "12", "Li Lei",
					  "\xe4\xb8\x8a\xe6\xb5\xb7" };
	static const enum op_kind k[] = { OP_K_INT, OP_K_TEXT, OP_K_TEXT };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_TABLE);
	op_out_cols(o, 3, cols);
	op_out_row(o, r1, k);
	op_out_row(o, r2, k);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c),
			 "id  name    city\n"
			 "--  ------  -------\n"
			 " 1  \xe5\xbc\xa0\xe4\xb8\x89    Beijing\n"
			 "12  Li Lei  \xe4\xb8\x8a\xe6\xb5\xb7\n");
	cap_free(&c);
}

Test(out_table, numbers_right_nulls_empty)
{
	static const char *const cols[] = { "\xe5\xa7\x93\xe5\x90\x8d",
					    "amount", "note" };	/* 姓名 */
	static const char *const r1[] = { "\xe7\x8e\x8b\xe4\xba\x94", /* 王五 */
					   "123456789.5", NULL };
	static const char *const r2[] = { "Ann", "7", "two\nlines" };
	static const enum op_kind k[] = { OP_K_TEXT, OP_K_REAL, OP_K_NULL };
	static const enum op_kind k2[] = { OP_K_TEXT, OP_K_INT, OP_K_TEXT };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_TABLE);
	op_out_cols(o, 3, cols);
	op_out_row(o, r1, k);
	op_out_row(o, r2, k2);
	op_out_end(o);
	/* the note's newline prints as a space so the row stays one line */
	cr_assert_str_eq(cap_text(&c),
			 "\xe5\xa7\x93\xe5\x90\x8d       amount  note\n"
			 "----  -----------  ---------\n"
			 "\xe7\x8e\x8b\xe4\xba\x94  123456789.5\n"
			 "Ann             7  two lines\n");
	cap_free(&c);
}

Test(out_table, empty_prints_header)
{
	static const char *const cols[] = { "id", "name" };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_TABLE);
	op_out_cols(o, 2, cols);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c), "id  name\n--  ----\n");
	cap_free(&c);
	op_out_end(NULL);
}

Test(out_table, kinds_null_means_text)
{
	static const char *const cols[] = { "n" };
	static const char *const r1[] = { "5" };
	static const char *const r2[] = { "100" };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_TABLE);
	op_out_cols(o, 1, cols);
	op_out_row(o, r1, NULL);
	op_out_row(o, r2, NULL);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c), "n\n---\n5\n100\n");
	cap_free(&c);
}

Test(out_json, escaping)
{
	struct cap c;

	cap_open(&c);
	op_json_str(c.fp, "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f"
		    "\xe5\xbc\xa0\xe4\xb8\x89");
	fputc(' ', c.fp);
	op_json_str(c.fp, NULL);
	fputc(' ', c.fp);
	op_json_str(c.fp, "bad\xff\xd5" "x");
	fputc(' ', c.fp);
	op_json_str(c.fp, "\xe2\x80\xa8");
	fputc(' ', c.fp);
	op_json_str(c.fp, "");
	cr_assert_str_eq(cap_text(&c),
			 "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f"
			 "\xe5\xbc\xa0\xe4\xb8\x89\" null "
			 "\"bad\xef\xbf\xbd\xef\xbf\xbdx\" \"\\u2028\" \"\"");
	cap_free(&c);
}

Test(out_json, rows)
{
	static const char *const cols[] = { "id", "name", "total", "note",
					    "odd" };
	static const char *const r1[] = { "1", "\xe5\xbc\xa0\xe4\xb8\x89",
					  "12.5", NULL, "Inf" };
	static const char *const r2[] = { "-2", "say \"hi\"", "1e+20", "x",
					  "007" };
	static const enum op_kind k[] = { OP_K_INT, OP_K_TEXT, OP_K_REAL,
					  OP_K_NULL, OP_K_REAL };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_JSON);
	op_out_cols(o, 5, cols);
	op_out_row(o, r1, k);
	op_out_row(o, r2, k);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c),
			 "[\n"
			 "{\"id\": 1, \"name\": \"\xe5\xbc\xa0\xe4\xb8\x89\", "
			 "\"total\": 12.5, \"note\": null, \"odd\": \"Inf\"},\n"
			 "{\"id\": -2, \"name\": \"say \\\"hi\\\"\", "
			 "\"total\": 1e+20, \"note\": \"x\", \"odd\": \"007\"}\n"
			 "]\n");
	cap_free(&c);
}

Test(out_json, empty)
{
	static const char *const cols[] = { "id" };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_JSON);
	op_out_cols(o, 1, cols);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c), "[]\n");
	cap_free(&c);
}

Test(out_csv, rows)
{
	static const char *const cols[] = { "name", "note", "n" };
	static const char *const r1[] = { "\xe5\xbc\xa0\xe4\xb8\x89",
					  "a,b", "1" };
	static const char *const r2[] = { "say \"hi\"", "two\nlines", NULL };
	struct cap c;
	op_out *o;

	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_CSV);
	op_out_cols(o, 3, cols);
	op_out_row(o, r1, NULL);
	op_out_row(o, r2, NULL);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c),
			 "name,note,n\r\n"
			 "\xe5\xbc\xa0\xe4\xb8\x89,\"a,b\",1\r\n"
			 "\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
	cap_free(&c);
}

Test(out_record, vertical)
{
	static const char *const names[] = { "name", "phone", "notes",
					     "\xe5\xa4\x87\xe6\xb3\xa8\xe4\xba\x8c" };
	static const char *const vals[] = { "\xe5\xbc\xa0\xe4\xb8\x89",
					    "+8613800138000", "line1\r\nline2",
					    NULL };
	struct cap c;

	cap_open(&c);
	op_out_record(c.fp, OP_FMT_TABLE, 4, names, vals, NULL);
	/* widest name 备注二 is 6 cells; values start at column 8 */
	cr_assert_str_eq(cap_text(&c),
			 "name    \xe5\xbc\xa0\xe4\xb8\x89\n"
			 "phone   +8613800138000\n"
			 "notes   line1\n"
			 "        line2\n"
			 "\xe5\xa4\x87\xe6\xb3\xa8\xe4\xba\x8c\n");
	cap_free(&c);
}

Test(out_record, json_and_csv)
{
	static const char *const names[] = { "id", "name" };
	static const char *const vals[] = { "7", "a,b" };
	static const enum op_kind k[] = { OP_K_INT, OP_K_TEXT };
	struct cap c;

	cap_open(&c);
	op_out_record(c.fp, OP_FMT_JSON, 2, names, vals, k);
	op_out_record(c.fp, OP_FMT_CSV, 2, names, vals, k);
	cr_assert_str_eq(cap_text(&c),
			 "{\"id\": 7, \"name\": \"a,b\"}\n"
			 "id,name\r\n7,\"a,b\"\r\n");
	cap_free(&c);
}

static sqlite3 *test_db(void)
{
	sqlite3 *db;

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
		"CREATE TABLE c(id INTEGER, name TEXT, spend REAL, key BLOB);"
		"INSERT INTO c VALUES(1, '\xe5\xbc\xa0\xe4\xb8\x89', 1200.5, NULL);"
		"INSERT INTO c VALUES(2, 'Li', NULL, x'00ff');",
		NULL, NULL, NULL), SQLITE_OK);
	return db;
}

Test(out_stmt, json_table_and_record)
{
	sqlite3 *db = test_db();
	sqlite3_stmt *st;
	struct cap c;
	op_out *o;

	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT * FROM c ORDER BY id", -1,
					&st, NULL), SQLITE_OK);
	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_JSON);
	cr_assert_eq(op_out_stmt(o, st), 2);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c),
			 "[\n"
			 "{\"id\": 1, \"name\": \"\xe5\xbc\xa0\xe4\xb8\x89\", "
			 "\"spend\": 1200.5, \"key\": null},\n"
			 "{\"id\": 2, \"name\": \"Li\", \"spend\": null, "
			 "\"key\": \"00ff\"}\n"
			 "]\n");
	cap_free(&c);

	sqlite3_reset(st);
	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_TABLE);
	cr_assert_eq(op_out_stmt(o, st), 2);
	op_out_end(o);
	cr_assert_str_eq(cap_text(&c),
			 "id  name   spend  key\n"
			 "--  ----  ------  ----\n"
			 " 1  \xe5\xbc\xa0\xe4\xb8\x89  1200.5\n"
			 " 2  Li            00ff\n");
	cap_free(&c);

	sqlite3_reset(st);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cap_open(&c);
	op_out_record_stmt(c.fp, OP_FMT_TABLE, st);
	cr_assert_str_eq(cap_text(&c),
			 "id     1\n"
			 "name   \xe5\xbc\xa0\xe4\xb8\x89\n"
			 "spend  1200.5\n"
			 "key\n");
	cap_free(&c);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

Test(out_stmt, step_error)
{
	sqlite3 *db = test_db();
	sqlite3_stmt *st;
	struct cap c;
	op_out *o;

	/* integer overflow is only found when the row is computed */
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT abs(-9223372036854775807 - 1)",
					-1, &st, NULL), SQLITE_OK);
	cap_open(&c);
	o = op_out_new(c.fp, OP_FMT_CSV);
	cr_assert_eq(op_out_stmt(o, st), -1);
	op_out_end(o);
	cr_assert(strstr(sqlite3_errmsg(db), "overflow"));
	/* the header was written before the failing row */
	cr_assert_str_eq(cap_text(&c), "abs(-9223372036854775807 - 1)\r\n");
	cap_free(&c);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

Test(out_bar, blocks)
{
	struct cap c;

	cap_open(&c);
	op_bar(c.fp, 5, 10, 4);
	fputc('|', c.fp);
	op_bar(c.fp, 10, 10, 3);
	fputc('|', c.fp);
	op_bar(c.fp, 3, 16, 2);		/* 3/8 of a cell */
	fputc('|', c.fp);
	op_bar(c.fp, 1, 0, 2);		/* no scale: empty */
	fputc('|', c.fp);
	op_bar(c.fp, 20, 10, 2);	/* clamped */
	fputc('|', c.fp);
	op_bar(c.fp, -1, 10, 1);
	fputc('|', c.fp);
	cr_assert_str_eq(cap_text(&c),
			 "\xe2\x96\x88\xe2\x96\x88  |"
			 "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88|"
			 "\xe2\x96\x8d |"
			 "  |"
			 "\xe2\x96\x88\xe2\x96\x88|"
			 " |");
	cap_free(&c);
}
