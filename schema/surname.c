/*
 * surname.c — polyphonic surnames and their readings (see surname.h).
 *
 * The proxy of each surname is a character (or two) whose everyday reading
 * is the surname's, so ICU's pinyin collation puts 曾 among the zeng names;
 * ties are broken by the real name (db.c), so 曾 and 增 never compare equal.
 */
#include <string.h>
#include "surname.h"

static const struct op_surname SURNAMES[] = {
	/* compound surnames first: they are matched before their first half */
	{ "尉迟", "玉池", "yu chi" }, { "万俟", "莫齐", "mo qi" },
	{ "长孙", "掌孙", "zhang sun" }, { "单于", "缠于", "chan yu" },
	{ "曾", "增", "zeng" }, { "单", "善", "shan" }, { "解", "谢", "xie" },
	{ "区", "欧", "ou" }, { "仇", "求", "qiu" }, { "朴", "瓢", "piao" },
	{ "查", "渣", "zha" }, { "覃", "秦", "qin" }, { "乐", "月", "yue" },
	{ "盖", "葛", "ge" }, { "繁", "婆", "po" }, { "黑", "赫", "he" },
	{ "秘", "必", "bi" }, { "缪", "妙", "miao" }, { "种", "虫", "chong" },
	{ "员", "运", "yun" }, { "翟", "宅", "zhai" }, { "召", "邵", "shao" },
	{ "尉", "卫", "wei" }, { "句", "勾", "gou" }, { "过", "锅", "guo" },
	{ "任", "人", "ren" }, { "燕", "烟", "yan" }, { "纪", "己", "ji" },
	{ "牟", "谋", "mou" }, { "折", "蛇", "she" }, { "晟", "成", "cheng" },
	{ NULL, NULL, NULL }
};

const struct op_surname *op_surname_of(const char *name, size_t len)
{
	for (const struct op_surname *s = SURNAMES; name && s->hanzi; s++) {
		size_t n = strlen(s->hanzi);
		if (n <= len && memcmp(name, s->hanzi, n) == 0)
			return s;
	}
	return NULL;
}
