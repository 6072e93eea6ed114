// The part of SQLite's C API that this package calls (conn.go, scan.go,
// append.go). SQLite itself is
// compiled into github.com/mattn/go-sqlite3, whose sqlite3.h is not on
// this package's include path: the symbols are declared here once and
// resolved when the binary is linked.
#ifndef SESAME_SQLITE3_H
#define SESAME_SQLITE3_H

#include <string.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

extern int sqlite3_open_v2(const char*, sqlite3**, int, const char*);
extern int sqlite3_close_v2(sqlite3*);
extern int sqlite3_exec(sqlite3*, const char*, void*, void*, char**);
extern int sqlite3_busy_timeout(sqlite3*, int);
extern const char *sqlite3_errmsg(sqlite3*);
extern int sqlite3_get_autocommit(sqlite3*);
extern int sqlite3_changes(sqlite3*);

extern int sqlite3_prepare_v2(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
extern int sqlite3_finalize(sqlite3_stmt*);
extern sqlite3 *sqlite3_db_handle(sqlite3_stmt*);
extern int sqlite3_bind_parameter_count(sqlite3_stmt*);
extern int sqlite3_bind_text(sqlite3_stmt*, int, const char*, int, void(*)(void*));
extern int sqlite3_bind_blob(sqlite3_stmt*, int, const void*, int, void(*)(void*));
extern int sqlite3_bind_int64(sqlite3_stmt*, int, long long);
extern int sqlite3_step(sqlite3_stmt*);
extern int sqlite3_reset(sqlite3_stmt*);
extern const void *sqlite3_column_blob(sqlite3_stmt*, int);
extern const unsigned char *sqlite3_column_text(sqlite3_stmt*, int);
extern int sqlite3_column_bytes(sqlite3_stmt*, int);
extern long long sqlite3_column_int64(sqlite3_stmt*, int);

#endif
