/*
 * dbwait.h — waiting for the write lock (dbwait.c), for db.c only: the
 * busy handler every connection is opened with. The public side,
 * op_db_wal_trim and op_db_writer_waiting, is in db.h.
 */
#ifndef OP_DBWAIT_H
#define OP_DBWAIT_H

/* sqlite3_busy_handler's callback; arg is the op_db. */
int op_db_busy(void *arg, int tries);

#endif
