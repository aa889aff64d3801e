/*
 * test_csv.c — unit tests for client/csv.c: the encodings Excel writes
 * (UTF-8, UTF-8 with a byte-order mark, GBK), RFC 4180 quoting, line
 * numbers in records and in errors, and the field writer.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

#define ZHANGSAN "\xe5\xbc\xa0\xe4\xb8\x89"	/* 张三 in UTF-8 */

static op_csv *open_str(const char *s, size_t len)
{
	op_csv *c = NULL;
	op_err e = { 0 };

	cr_assert_eq(op_csv_open_mem(&c, s, len, &e), 0, "open: %s", e.msg);
	cr_assert_not_null(c);
	return c;
}

#define OPEN(lit) open_str(lit, sizeof(lit) - 1)

/* Read the next record and check it is exactly the given fields. */
static void expect(op_csv *c, long want_line, int want_n, ...)
{
	char **f;
	int n, i;
	long line;
	op_err e = { 0 };
	va_list ap;

	cr_assert_eq(op_csv_next(c, &f, &n, &line, &e), 1, "next: %s", e.msg);
	cr_assert_eq(line, want_line, "record line %ld, want %ld", line,
		     want_line);
	cr_assert_eq(n, want_n, "record on line %ld has %d fields, want %d",
		     line, n, want_n);
	va_start(ap, want_n);
	for (i = 0; i < n; i++) {
		const char *w = va_arg(ap, const char *);

		cr_assert_str_eq(f[i], w, "line %ld field %d", line, i);
	}
	va_end(ap);
}

static void expect_end(op_csv *c)
{
	char **f;
	int n;
	long line;
	op_err e = { 0 };

	cr_assert_eq(op_csv_next(c, &f, &n, &line, &e), 0);
	cr_assert_eq(op_csv_next(c, &f, &n, &line, &e), 0);
}

static void expect_error(op_csv *c, const char *msg)
{
	char **f;
	int n;
	long line;
	op_err e = { 0 };

	cr_assert_eq(op_csv_next(c, &f, &n, &line, &e), -1);
	cr_assert_eq(e.code, EX_DATAERR);
	cr_assert(strstr(e.msg, msg), "error '%s' lacks '%s'", e.msg, msg);
}

Test(csv_read, utf8_simple)
{
	op_csv *c = OPEN("name,phone\n" ZHANGSAN ",13800138000\nLi,\n");

	cr_assert_eq(op_csv_encoding(c), OP_ENC_UTF8);
	expect(c, 1, 2, "name", "phone");
	expect(c, 2, 2, ZHANGSAN, "13800138000");
	expect(c, 3, 2, "Li", "");
	expect_end(c);
	op_csv_free(c);
}

Test(csv_read, bom_stripped)
{
	op_csv *c = OPEN("\xef\xbb\xbfname,city\r\n" ZHANGSAN ",\xe4\xb8\x8a"
			 "\xe6\xb5\xb7\r\n");

	cr_assert_eq(op_csv_encoding(c), OP_ENC_UTF8_BOM);
	expect(c, 1, 2, "name", "city");
	expect(c, 2, 2, ZHANGSAN, "\xe4\xb8\x8a\xe6\xb5\xb7");
	expect_end(c);
	op_csv_free(c);
}

Test(csv_read, gbk_decoded)
{
	/* 姓名,电话 / 张三,13800138000 as Excel writes them in GBK */
	op_csv *c = OPEN("\xd0\xd5\xc3\xfb,\xb5\xe7\xbb\xb0\r\n"
			 "\xd5\xc5\xc8\xfd,13800138000\r\n"
			 "\"\xd5\xc5,\xc8\xfd\",\x80" "5\r\n");

	cr_assert_eq(op_csv_encoding(c), OP_ENC_GBK);
	expect(c, 1, 2, "\xe5\xa7\x93\xe5\x90\x8d", "\xe7\x94\xb5\xe8\xaf\x9d");
	expect(c, 2, 2, ZHANGSAN, "13800138000");
	/* quoting still works after decoding; 0x80 is code page 936's euro */
	expect(c, 3, 2, "\xe5\xbc\xa0,\xe4\xb8\x89", "\xe2\x82\xac" "5");
	expect_end(c);
	op_csv_free(c);
}

Test(csv_read, gbk_large_grows_buffer)
{
	size_t reps = 20000, i, len;
	char *buf = malloc(reps * 7 + 1);
	op_csv *c;
	char **f;
	int n;
	long line;
	op_err e = { 0 };

	/* all two-byte characters: the UTF-8 is half as long again */
	for (i = 0; i < reps; i++)
		memcpy(buf + i * 7, "\xd5\xc5\xc8\xfd,\x80\n", 7);
	len = reps * 7;
	c = open_str(buf, len);
	cr_assert_eq(op_csv_encoding(c), OP_ENC_GBK);
	for (i = 0; i < reps; i++) {
		cr_assert_eq(op_csv_next(c, &f, &n, &line, &e), 1);
		cr_assert_eq(line, (long)i + 1);
		cr_assert_str_eq(f[0], ZHANGSAN);
		cr_assert_str_eq(f[1], "\xe2\x82\xac");
	}
	expect_end(c);
	op_csv_free(c);
	free(buf);
}

Test(csv_read, neither_utf8_nor_gbk)
{
	op_csv *c = NULL;
	op_err e = { 0 };
	static const char bad[] = "\xd5\xc5\xc8\xfd\nok\n\xff\xfe\xfd\n";
	static const char badbom[] = "\xef\xbb\xbf" "a\nb\n\xd5\xc5\n";
	static const char utf16[] = "\xff\xfen\0a\0";

	cr_assert_eq(op_csv_open_mem(&c, bad, sizeof(bad) - 1, &e), -1);
	cr_assert_null(c);
	cr_assert_eq(e.code, EX_DATAERR);
	cr_assert(strstr(e.msg, "line 3: neither utf-8 nor gbk"), "%s", e.msg);

	cr_assert_eq(op_csv_open_mem(&c, badbom, sizeof(badbom) - 1, &e), -1);
	cr_assert(strstr(e.msg, "line 3: not valid utf-8"), "%s", e.msg);

	cr_assert_eq(op_csv_open_mem(&c, utf16, sizeof(utf16) - 1, &e), -1);
	cr_assert(strstr(e.msg, "utf-16"), "%s", e.msg);

	cr_assert_eq(op_csv_open_mem(&c, "a\nb\0c\n", 6, &e), -1);
	cr_assert(strstr(e.msg, "line 2: NUL byte"), "%s", e.msg);

	/* a lead byte cut off at the end of the file */
	cr_assert_eq(op_csv_open_mem(&c, "\xd5\xc5\n\xd5", 4, &e), -1);
	cr_assert(strstr(e.msg, "line 2:"), "%s", e.msg);
}

Test(csv_read, quoted_fields)
{
	op_csv *c = OPEN("a,\"b,c\",\"say \"\"hi\"\"\",\"multi\nline\"\n"
			 "\"\",\"\"\"\"\n"
			 "next,\"x\r\ny\"\r\n"
			 "last,row\n");

	expect(c, 1, 4, "a", "b,c", "say \"hi\"", "multi\nline");
	expect(c, 3, 2, "", "\"");
	expect(c, 4, 2, "next", "x\r\ny");
	expect(c, 6, 2, "last", "row");
	expect_end(c);
	op_csv_free(c);
}

Test(csv_read, empty_fields_and_lines)
{
	op_csv *c = OPEN(",,\na,\n\n\"\"\nz\n\n\r\n\n");

	expect(c, 1, 3, "", "", "");
	expect(c, 2, 2, "a", "");
	expect(c, 3, 1, "");		/* an empty line inside the file */
	expect(c, 4, 1, "");
	expect(c, 5, 1, "z");
	expect_end(c);			/* trailing empty lines ignored */
	op_csv_free(c);
}

Test(csv_read, line_ends)
{
	op_csv *c = OPEN("a,b\rc,d\r\ne,f\ng,h");

	expect(c, 1, 2, "a", "b");
	expect(c, 2, 2, "c", "d");
	expect(c, 3, 2, "e", "f");
	expect(c, 4, 2, "g", "h");	/* no newline at the end */
	expect_end(c);
	op_csv_free(c);
}

Test(csv_read, empty_input)
{
	op_csv *c = OPEN("");

	cr_assert_eq(op_csv_encoding(c), OP_ENC_UTF8);
	expect_end(c);
	op_csv_free(c);
	c = OPEN("\xef\xbb\xbf");
	cr_assert_eq(op_csv_encoding(c), OP_ENC_UTF8_BOM);
	expect_end(c);
	op_csv_free(c);
	op_csv_free(NULL);
}

Test(csv_errors, unterminated_quote)
{
	op_csv *c = OPEN("name,note\n" ZHANGSAN ",ok\nLi,\"never closed\n"
			 "more,text\n");

	expect(c, 1, 2, "name", "note");
	expect(c, 2, 2, ZHANGSAN, "ok");
	expect_error(c, "line 3: unterminated quote");
	expect_end(c);
	op_csv_free(c);
}

Test(csv_errors, unterminated_quote_line_counts_quoted_newlines)
{
	op_csv *c = OPEN("\"a\nb\",c\n\"x");

	expect(c, 1, 2, "a\nb", "c");
	expect_error(c, "line 3: unterminated quote");
	op_csv_free(c);
}

Test(csv_errors, stray_quotes_then_continue)
{
	op_csv *c = OPEN("a,5\" screen,b\n\"x\"y,z\nok,1\n\"q\" ,r\nend\n");

	expect_error(c, "line 1: quote inside an unquoted field");
	expect_error(c, "line 2: text after a closing quote");
	/* the reader goes on at the next line */
	expect(c, 3, 2, "ok", "1");
	expect_error(c, "line 4: text after a closing quote");
	expect(c, 5, 1, "end");
	expect_end(c);
	op_csv_free(c);
}

Test(csv_file, open_and_missing)
{
	char path[] = "/tmp/op_csv_testXXXXXX";
	int fd = mkstemp(path);
	op_csv *c = NULL;
	op_err e = { 0 };
	FILE *fp;

	cr_assert(fd >= 0);
	fp = fdopen(fd, "wb");
	fputs("\xd5\xc5\xc8\xfd,1\r\n", fp);
	fclose(fp);
	cr_assert_eq(op_csv_open(&c, path, &e), 0, "%s", e.msg);
	cr_assert_eq(op_csv_encoding(c), OP_ENC_GBK);
	expect(c, 1, 2, ZHANGSAN, "1");
	expect_end(c);
	op_csv_free(c);
	unlink(path);

	c = NULL;
	cr_assert_eq(op_csv_open(&c, path, &e), -1);
	cr_assert_null(c);
	cr_assert_eq(e.code, EX_NOINPUT);
	cr_assert(strstr(e.msg, "cannot open '/tmp/op_csv_test"), "%s", e.msg);
	cr_assert(strstr(e.msg, "No such file"), "%s", e.msg);
}

Test(csv_write, field_quoting)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	op_csv_field(fp, "plain");
	fputc('|', fp);
	op_csv_field(fp, ZHANGSAN);
	fputc('|', fp);
	op_csv_field(fp, "a,b");
	fputc('|', fp);
	op_csv_field(fp, "say \"hi\"");
	fputc('|', fp);
	op_csv_field(fp, "two\nlines");
	fputc('|', fp);
	op_csv_field(fp, "cr\r");
	fputc('|', fp);
	op_csv_field(fp, "");
	fputc('|', fp);
	op_csv_field(fp, NULL);
	fputc('|', fp);
	op_csv_field(fp, " spaced ");
	fclose(fp);
	cr_assert_str_eq(buf, "plain|" ZHANGSAN "|\"a,b\"|\"say \"\"hi\"\"\"|"
			 "\"two\nlines\"|\"cr\r\"||| spaced ");
	free(buf);
}

Test(csv_write, round_trip)
{
	static const char *const vals[] = { "a,b", "\"", "x\r\ny", "",
					    ZHANGSAN, "end" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	op_csv *c;
	int i;

	for (i = 0; i < 6; i++) {
		if (i)
			fputc(',', fp);
		op_csv_field(fp, vals[i]);
	}
	fputs("\r\n", fp);
	fclose(fp);
	c = open_str(buf, len);
	expect(c, 1, 6, "a,b", "\"", "x\r\ny", "", ZHANGSAN, "end");
	expect_end(c);
	op_csv_free(c);
	free(buf);
}
