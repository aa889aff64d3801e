/*
 * error.c — formatting into the op_err slot (see error.h).
 */
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "i18n.h"

int op_errv(op_err *e, int code, const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	e->code = code;
	/* the message in the reader's language (i18n.h); the msgid when the
	 * process chose none (outpostd's log stays English) */
	if (vsnprintf(e->msg, sizeof(e->msg), _(fmt), ap) >= (int)sizeof(e->msg))
		memcpy(e->msg + sizeof(e->msg) - 4, "...", 4);
	return -1;
}

int op_errf(op_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	op_errv(e, EX_SOFTWARE, fmt, ap);
	va_end(ap);
	return -1;
}

int op_errc(op_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	op_errv(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int op_errctx(op_err *e, const char *fmt, ...)
{
	char prefix[256], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), _(fmt), ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old) >=
	    (int)sizeof(e->msg))
		memcpy(e->msg + sizeof(e->msg) - 4, "...", 4);	/* cut, say so */
	if (!e->code)
		e->code = EX_SOFTWARE;
	return -1;
}

void op_err_clear(op_err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}
