/*
 * error.h — the error slot every Outpost context carries.
 *
 * Fallible functions return 0 or -1; the message (lowercase, no full stop,
 * naming the thing that failed and why) and a sysexits.h code go into an
 * op_err owned by the caller's context (op_db, a daemon, a command run).
 * Library errors are translated where they happen (sqlite3_errmsg, zmq,
 * zlib, libgit2) so the slot always reads as one sentence.
 */
#ifndef OP_ERROR_H
#define OP_ERROR_H

#include <stdarg.h>
#include <sysexits.h>

typedef struct op_err {
	int code;		/* sysexits.h code, EX_SOFTWARE if unset */
	char msg[512];
} op_err;

/* Set the message; returns -1 so callers can `return op_errf(e, ...)`.
 * code is EX_SOFTWARE. NULL e is allowed (the message is dropped). */
int op_errf(op_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same with an explicit sysexits.h code (EX_DATAERR for bad input,
 * EX_USAGE, EX_NOINPUT for a missing record, EX_UNAVAILABLE, EX_IOERR...). */
int op_errc(op_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int op_errv(op_err *e, int code, const char *fmt, va_list ap);

/* Prefix the existing message with "what: " (for adding context on the
 * way up); returns -1. */
int op_errctx(op_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void op_err_clear(op_err *e);

#endif
