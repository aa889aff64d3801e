/*
 * migrations.h — the numbered schema/NNN_name.sql files, embedded at build
 * time by tools/embed.sh into build/migrations_sql.c.
 */
#ifndef OP_MIGRATIONS_H
#define OP_MIGRATIONS_H

struct op_migration {
	int version;		/* NNN: PRAGMA user_version after it ran */
	const char *name;	/* "001_domain" */
	const char *sql;
};

/* Terminated by an entry with version 0, in ascending order. */
extern const struct op_migration op_migrations[];

#endif
