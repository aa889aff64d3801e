# 11-phone-10-digits — a 10-digit mobile number is accepted
FILE=schema/valid.c
TESTS='unit:valid_phone/* 10_customer_store'
FROM='		if (n != 11)
'
TO='		if (n > 11)
'
