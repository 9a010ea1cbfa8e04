#ifndef STAMINA_CSQLITE3_SHIM_H
#define STAMINA_CSQLITE3_SHIM_H

#include <sqlite3.h>

/* SQLITE_TRANSIENT, a cast Swift cannot import: SQLite copies the bound text or blob. */
static inline sqlite3_destructor_type stamina_sqlite3_transient(void) {
    return SQLITE_TRANSIENT;
}

/* Double-quoted strings are identifiers only, never string literals (as in SQLITE_DQS=0 builds),
   so that a misspelt column is an error. sqlite3_db_config is C-variadic, which Swift cannot call. */
static inline int stamina_sqlite3_disable_double_quoted_strings(sqlite3 *db) {
    int code = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)0);
    return code != SQLITE_OK ? code : sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)0);
}

#endif
