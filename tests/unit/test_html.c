/*
 * test_html.c — the one place text becomes HTML (client/html.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "html.h"

Test(html, escape)
{
	char out[256];
	html_escape(out, sizeof(out), "<script>alert('x') & \"y\"</script>");
	cr_assert_str_eq(out, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	html_escape(out, sizeof(out), "张伟");
	cr_assert_str_eq(out, "张伟");
}

Test(html, fmt_escapes_s_and_not_r)
{
	struct op_html h = { 0 };
	html_fmt(&h, "<a href=\"/c?id=%s\">%s</a>%r %d %D %%", "x\"><b", "<i>", "<br>", -3,
		 (int64_t)1 << 40);
	cr_assert_str_eq(h.buf, "<a href=\"/c?id=x&quot;&gt;&lt;b\">&lt;i&gt;</a><br> -3 1099511627776 %");
	html_fmt(&h, "%s", (const char *)NULL);
	size_t len;
	char *b = html_take(&h, &len);
	cr_assert_eq(len, strlen(b));
	cr_assert_null(h.buf);
	free(b);
}

Test(html, grows)
{
	struct op_html h = { 0 };
	for (int i = 0; i < 10000; i++)
		html_text(&h, "&");
	cr_assert_eq(h.len, 50000);
	cr_assert_eq(h.oom, 0);
	html_free(&h);
	char *b = html_take(&h, NULL);
	cr_assert_str_eq(b, "");
	free(b);
}
