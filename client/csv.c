/*
 * csv.c — reading and writing CSV (see csv.h).
 *
 * Imports start from whatever the store's spreadsheet exported: Excel in a
 * Chinese locale writes GBK, newer tools UTF-8 (Excel's "CSV UTF-8" adds a
 * byte-order mark), old Macs end lines with a bare CR. The whole file is
 * read and decoded to UTF-8 once, up front, so that an encoding problem is
 * reported before any row is imported; the records are then cut from the
 * decoded text one at a time, keeping track of the line each starts on so
 * every complaint can point at a line the user can find in the sheet.
 *
 * GBK is decoded with iconv's GB18030 (a superset of GBK) with one
 * exception: byte 0x80, which Windows code page 936 uses for the euro sign
 * and GB18030 does not accept.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "valid.h"

#define CSV_MAX_BYTES ((size_t)256 << 20)

struct op_csv {
	enum op_csv_enc enc;
	char *data;		/* decoded UTF-8, NUL-terminated */
	size_t len, pos;
	long line;		/* line at pos, 1-based */
	/* the current record: field text back to back, NUL-separated */
	char *rec;
	size_t reclen, reccap;
	size_t *offs;		/* where each field starts in rec */
	char **fields;
	int nfields, fieldcap, fieldscap;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* The line number of byte off in buf: what the user sees in an editor. */
static long line_at(const char *buf, size_t off)
{
	long line = 1;
	size_t i;

	for (i = 0; i < off; i++) {
		if (buf[i] == '\n')
			line++;
		else if (buf[i] == '\r' && (i + 1 >= off || buf[i + 1] != '\n'))
			line++;
	}
	return line;
}

/* ------------------------------------------------------------ decoding */

static int gbk_to_utf8(char **out, size_t *outlen, const char *in, size_t len,
		       op_err *e)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	size_t cap = len + len / 2 + 16, used = 0;
	char *buf = NULL, *ip = (char *)in;
	size_t ileft = len;
	int rc = -1;

	if (cd == (iconv_t)-1)
		return op_errc(e, EX_UNAVAILABLE, "cannot convert from gbk: %s",
			       strerror(errno));
	buf = malloc(cap);
	if (!buf) {
		op_errc(e, EX_OSERR, "out of memory");
		goto out;
	}
	while (ileft) {
		char *op = buf + used;
		size_t oleft = cap - used - 1;

		if (iconv(cd, &ip, &ileft, &op, &oleft) != (size_t)-1) {
			used = (size_t)(op - buf);
			break;
		}
		used = (size_t)(op - buf);
		if (errno == E2BIG || (errno == EILSEQ &&
				       (unsigned char)*ip == 0x80 &&
				       cap - used - 1 < 3)) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				op_errc(e, EX_OSERR, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
			continue;
		}
		if (errno == EILSEQ && (unsigned char)*ip == 0x80) {
			memcpy(buf + used, "\xe2\x82\xac", 3);	/* € */
			used += 3;
			ip++;
			ileft--;
			continue;
		}
		/* EILSEQ, or EINVAL for a sequence cut off at the end */
		op_errc(e, EX_DATAERR, "line %ld: neither utf-8 nor gbk text "
			"(byte 0x%02x); save the file as CSV UTF-8",
			line_at(in, (size_t)(ip - in)), (unsigned char)*ip);
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	iconv_close(cd);
	return rc;
}

/* The first byte of buf that is not valid UTF-8, for the error message. */
static size_t first_bad_utf8(const char *buf, size_t len)
{
	size_t lo = 0;

	/* line by line: a newline byte never sits inside a UTF-8 sequence */
	while (lo < len) {
		size_t end = lo;

		while (end < len && buf[end] != '\n')
			end++;
		if (!op_utf8_valid(buf + lo, end - lo))
			return lo;
		lo = end + 1;
	}
	return len;
}

int op_csv_open_mem(op_csv **out, const char *buf, size_t len, op_err *e)
{
	op_csv *c;
	const char *nul;

	*out = NULL;
	if (len > CSV_MAX_BYTES)
		return op_errc(e, EX_DATAERR, "file larger than 256 MiB");
	if (len >= 2 && (((unsigned char)buf[0] == 0xff &&
			  (unsigned char)buf[1] == 0xfe) ||
			 ((unsigned char)buf[0] == 0xfe &&
			  (unsigned char)buf[1] == 0xff)))
		return op_errc(e, EX_DATAERR, "line 1: utf-16 text is not "
			       "supported; save the file as CSV UTF-8");
	nul = memchr(buf, '\0', len);
	if (nul)
		return op_errc(e, EX_DATAERR, "line %ld: NUL byte in the file; "
			       "is it a spreadsheet rather than CSV?",
			       line_at(buf, (size_t)(nul - buf)));
	c = calloc(1, sizeof(*c));
	if (!c)
		return op_errc(e, EX_OSERR, "out of memory");
	c->line = 1;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		c->enc = OP_ENC_UTF8_BOM;
		buf += 3;
		len -= 3;
		if (!op_utf8_valid(buf, len)) {
			op_errc(e, EX_DATAERR, "line %ld: not valid utf-8 although "
				"the file starts with a utf-8 byte-order mark",
				line_at(buf, first_bad_utf8(buf, len)));
			goto fail;
		}
	} else if (op_utf8_valid(buf, len)) {
		c->enc = OP_ENC_UTF8;
	} else {
		c->enc = OP_ENC_GBK;
		if (gbk_to_utf8(&c->data, &c->len, buf, len, e) < 0)
			goto fail;
		*out = c;
		return 0;
	}
	c->data = malloc(len + 1);
	if (!c->data) {
		op_errc(e, EX_OSERR, "out of memory");
		goto fail;
	}
	memcpy(c->data, buf, len);
	c->data[len] = '\0';
	c->len = len;
	*out = c;
	return 0;
fail:
	op_csv_free(c);
	return -1;
}

int op_csv_open(op_csv **out, const char *path, op_err *e)
{
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	int rc = -1;

	*out = NULL;
	fp = fopen(path, "rb");
	if (!fp)
		return op_errc(e, EX_NOINPUT, "cannot open '%s': %s", path,
			       strerror(errno));
	for (;;) {
		if (grow((void **)&buf, &cap, len + 65536, 1) < 0) {
			op_errc(e, EX_OSERR, "out of memory reading '%s'", path);
			goto out;
		}
		got = fread(buf + len, 1, cap - len, fp);
		len += got;
		if (len > CSV_MAX_BYTES) {
			op_errc(e, EX_DATAERR, "'%s' is larger than 256 MiB",
				path);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		op_errc(e, EX_NOINPUT, "cannot read '%s': %s", path,
			strerror(errno));
		goto out;
	}
	rc = op_csv_open_mem(out, buf ? buf : "", len, e);
out:
	free(buf);
	fclose(fp);
	return rc;
}

enum op_csv_enc op_csv_encoding(const op_csv *c)
{
	return c->enc;
}

void op_csv_free(op_csv *c)
{
	if (!c)
		return;
	free(c->data);
	free(c->rec);
	free(c->offs);
	free(c->fields);
	free(c);
}

/* ------------------------------------------------------------ records */

static int rec_put(op_csv *c, char ch)
{
	if (grow((void **)&c->rec, &c->reccap, c->reclen + 1, 1) < 0)
		return -1;
	c->rec[c->reclen++] = ch;
	return 0;
}

static int field_start(op_csv *c)
{
	size_t cap = (size_t)c->fieldcap;

	if (grow((void **)&c->offs, &cap, (size_t)c->nfields + 1,
		 sizeof(size_t)) < 0)
		return -1;
	c->fieldcap = (int)cap;
	c->offs[c->nfields++] = c->reclen;
	return 0;
}

/* Consume a line end at pos, if there is one. */
static int eol(op_csv *c)
{
	if (c->data[c->pos] == '\r') {
		c->pos += c->data[c->pos + 1] == '\n' ? 2 : 1;
		c->line++;
		return 1;
	}
	if (c->data[c->pos] == '\n') {
		c->pos++;
		c->line++;
		return 1;
	}
	return 0;
}

/* After a malformed record, go on at the next line so an import can
 * report every bad row rather than only the first. */
static void skip_line(op_csv *c)
{
	while (c->pos < c->len && !eol(c))
		c->pos++;
}

static int only_blank_lines(const op_csv *c)
{
	size_t i;

	for (i = c->pos; i < c->len; i++)
		if (c->data[i] != '\r' && c->data[i] != '\n')
			return 0;
	return 1;
}

int op_csv_next(op_csv *c, char ***fields, int *n, long *line, op_err *e)
{
	const char *d = c->data;
	long start;
	int i;

	/* trailing empty lines are not records */
	if (c->pos >= c->len || only_blank_lines(c)) {
		c->pos = c->len;
		return 0;
	}
	start = c->line;
	c->reclen = 0;
	c->nfields = 0;
	for (;;) {
		if (field_start(c) < 0)
			goto oom;
		if (d[c->pos] == '"') {
			long qline = c->line;

			c->pos++;
			for (;;) {
				if (c->pos >= c->len) {
					c->pos = c->len;
					return op_errc(e, EX_DATAERR, "line %ld: "
						       "unterminated quote",
						       qline);
				}
				if (d[c->pos] == '"') {
					if (d[c->pos + 1] != '"')
						break;
					c->pos++;
				} else if (d[c->pos] == '\n' ||
					   (d[c->pos] == '\r' &&
					    d[c->pos + 1] != '\n')) {
					c->line++;
				}
				if (rec_put(c, d[c->pos++]) < 0)
					goto oom;
			}
			c->pos++;	/* the closing quote */
			if (c->pos < c->len && d[c->pos] != ',' &&
			    d[c->pos] != '\r' && d[c->pos] != '\n') {
				long bad = c->line;

				skip_line(c);
				return op_errc(e, EX_DATAERR, "line %ld: text "
					       "after a closing quote (quotes "
					       "inside a field are doubled: "
					       "\"\")", bad);
			}
		} else {
			while (c->pos < c->len && d[c->pos] != ',' &&
			       d[c->pos] != '\r' && d[c->pos] != '\n') {
				if (d[c->pos] == '"') {
					long bad = c->line;

					skip_line(c);
					return op_errc(e, EX_DATAERR, "line %ld: "
						       "quote inside an unquoted "
						       "field (quote the whole "
						       "field and double the "
						       "quote)", bad);
				}
				if (rec_put(c, d[c->pos++]) < 0)
					goto oom;
			}
		}
		if (rec_put(c, '\0') < 0)
			goto oom;
		if (c->pos < c->len && d[c->pos] == ',') {
			c->pos++;
			continue;
		}
		eol(c);
		break;
	}
	if (c->nfields > c->fieldscap) {
		char **nf = realloc(c->fields, sizeof(char *) *
				    (size_t)c->fieldcap);

		if (!nf)
			goto oom;
		c->fields = nf;
		c->fieldscap = c->fieldcap;
	}
	for (i = 0; i < c->nfields; i++)
		c->fields[i] = c->rec + c->offs[i];
	*fields = c->fields;
	*n = c->nfields;
	*line = start;
	return 1;
oom:
	c->pos = c->len;
	return op_errc(e, EX_OSERR, "line %ld: out of memory", c->line);
}

void op_csv_field(FILE *fp, const char *s)
{
	const char *p;

	if (!s)
		return;
	if (!s[0] || !strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', fp);
		fputc(*p, fp);
	}
	fputc('"', fp);
}
