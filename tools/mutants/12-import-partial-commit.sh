# 12-import-partial-commit — an import with bad rows commits the good ones
FILE=client/cmd_import.c
TESTS=10_customer_store
FROM='	if (im.bad) {
		op_db_rollback(cli->db);'
TO='	if (im.bad) {
		op_db_commit(cli->db);'
