/*
 * slip.h — the printable sales slip (销售单) of an order and the quotation
 * (报价单) of a quote: one self-contained HTML page each (inline CSS, an
 * @page size of A4 or A5 with print margins, Chinese fonts by name, no
 * external asset), with the shop's name, address and phone (setting.h),
 * the items in their units, discounts, the total, what was paid and what
 * is outstanding, the salesperson and lines to sign on.
 *
 * The renderers read through the connection as it is, so a signed-in
 * person's scope (scope.h) applies: what they cannot see, they cannot
 * print. Every text from the store is escaped (op_html_esc). `outpost
 * order slip` and `outpost quote print` write the page to a file; a web
 * handler gets the same bytes in a buffer.
 */
#ifndef OP_SLIP_H
#define OP_SLIP_H

#include <stddef.h>
#include "db.h"

enum slip_paper { SLIP_A5, SLIP_A4 };

/* "a4" or "a5" (any case) into *p: 0, or -1 when it is neither. */
int slip_paper_parse(const char *s, enum slip_paper *p);

/* The sales slip of order id (slip_order_html) or the quotation of quote
 * id (slip_quote_html) as HTML: 0 and *html (malloc'd, NUL-terminated,
 * *len bytes; the caller frees it), or -1 with the db error set
 * (EX_NOINPUT when there is no such row in the connection's scope). */
int slip_order_html(op_db *db, const char *id, enum slip_paper paper,
		    char **html, size_t *len);
int slip_quote_html(op_db *db, const char *id, enum slip_paper paper,
		    char **html, size_t *len);

#endif
