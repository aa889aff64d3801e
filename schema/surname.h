/*
 * surname.h — the reading of a Chinese surname, for sorting and pinyin.
 *
 * ICU reads a Han character by its most common reading: 曾 is "ceng",
 * 单 "dan", 解 "jie", 区 "qu", 仇 "chou". As a surname they are zeng,
 * shan, xie, ou, qiu. A name's first character(s) are read as a surname
 * when they are one of the polyphonic surnames in the table (compound
 * surnames such as 尉迟 yuchi and 万俟 moqi first).
 */
#ifndef OP_SURNAME_H
#define OP_SURNAME_H

#include <stddef.h>

struct op_surname {
	const char *hanzi;	/* "曾" */
	const char *proxy;	/* "增": characters ICU reads as the surname sounds */
	const char *pinyin;	/* "zeng" */
};

/* The polyphonic surname name starts with (longest first), or NULL. */
const struct op_surname *op_surname_of(const char *name, size_t len);

#endif
