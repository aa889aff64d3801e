# 34-merge-skips-search — a merge, run with triggers off, forgets the search index of the customers it edits (issue 9)
FILE=schema/db.c
TESTS=unit:sync/merged_customers_are_indexed
FROM='	if (strcmp(t->name, "customer") != 0 || op_db_schema_max() < SCHEMA_SEARCH_BULK)
		return 0;'
TO='	if (kind == OP_SEARCH_OLD || strcmp(t->name, "customer") != 0)
		return 0;'
