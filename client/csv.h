/*
 * csv.h — reading the spreadsheets stores start from.
 *
 * Excel in China writes CSV in GBK (CP936); newer tools write UTF-8, often
 * with a byte-order mark. op_csv_open detects which: a UTF-8 BOM, else valid
 * UTF-8, else GBK converted to UTF-8 with iconv (a byte sequence that is not
 * GBK either is an error naming the line). Fields follow RFC 4180: quoted
 * fields may hold commas, doubled quotes and newlines; CRLF or LF line ends;
 * a trailing empty line is ignored. Whole file is read (bounded at 256 MiB).
 */
#ifndef OP_CSV_H
#define OP_CSV_H

#include "error.h"

typedef struct op_csv op_csv;

enum op_csv_enc { OP_ENC_UTF8, OP_ENC_UTF8_BOM, OP_ENC_GBK };

/* Open and decode path. Returns 0, or -1 with e set (EX_NOINPUT if the file
 * cannot be read, EX_DATAERR if it is not UTF-8 nor GBK). */
int op_csv_open(op_csv **out, const char *path, op_err *e);

/* The same from memory (copied), for tests and stdin. */
int op_csv_open_mem(op_csv **out, const char *buf, size_t len, op_err *e);

enum op_csv_enc op_csv_encoding(const op_csv *c);

/* Next record. Returns 1 with *fields (n of them, UTF-8, NUL-terminated,
 * borrowed until the next call) and *line (1-based line where the record
 * starts), 0 at end of file, -1 on a malformed record (an unterminated quote,
 * a quote inside an unquoted field, junk after a closing quote) with e set to
 * "line N: reason" and code EX_DATAERR. */
int op_csv_next(op_csv *c, char ***fields, int *n, long *line, op_err *e);

void op_csv_free(op_csv *c);

/* Write one CSV field, quoting when needed. */
void op_csv_field(FILE *fp, const char *s);

#endif
