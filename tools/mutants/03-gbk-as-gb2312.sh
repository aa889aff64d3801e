# 03-gbk-as-gb2312 — GBK sheets decoded as GB2312 (issue 15)
FILE=client/csv.c
TESTS=10_customer_store
FROM='iconv_open("UTF-8", "GB18030")'
TO='iconv_open("UTF-8", "GB2312")'
