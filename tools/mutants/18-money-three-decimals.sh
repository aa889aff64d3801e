# 18-money-three-decimals — money with three decimals is accepted
FILE=schema/valid.c
TESTS='unit:valid_money/* 10_customer_store'
FROM='if (++dec > 2)'
TO='if (++dec > 3)'
