# 20-sales-sees-colleagues — a salesperson's customer list shows colleagues' customers
FILE=client/cmd_customer.c
TESTS=90_roles
FROM='	"   AND (:tag IS NULL OR instr('"','"' || tags || '"','"', '"','"' || :tag || '"','"') > 0)"
	"   AND (:mine IS NULL OR owner = :mine)'
TO='	"   AND (:tag IS NULL OR instr('"','"' || tags || '"','"', '"','"' || :tag || '"','"') > 0)"
	"   AND (:mine IS NULL OR 1)'
