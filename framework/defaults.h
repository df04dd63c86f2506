/*
 * defaults.h: every default and limit of an app's settings, in one place.
 * The option table (options.c) quotes them in --help, the commands and the
 * server fall back on them, and the scaffolding tool (tools/sextant.c)
 * writes the same folder names into a new app. Plain macros only, so any
 * file may include it without pulling in the rest of the framework.
 */
#ifndef SX_DEFAULTS_H
#define SX_DEFAULTS_H

/* Spells a macro's value as a string, for help texts. */
#define SX_STR_(x) #x
#define SX_STR(x) SX_STR_(x)

/* serve: processes and threads */
#define SX_DEFAULT_WORKERS 1
#define SX_MAX_WORKERS 256
#define SX_DEFAULT_THREADS 4
#define SX_MAX_THREADS 1024

/* serve: time limits */
#define SX_DEFAULT_READ_TIMEOUT_S 30
#define SX_DEFAULT_READ_TIMEOUT_MS (SX_DEFAULT_READ_TIMEOUT_S * 1000)
#define SX_DEFAULT_WRITE_TIMEOUT_S 30
#define SX_DEFAULT_WRITE_TIMEOUT_MS (SX_DEFAULT_WRITE_TIMEOUT_S * 1000)
#define SX_DEFAULT_SHUTDOWN_TIMEOUT_S 30
#define SX_MAX_TIMEOUT_S 86400		/* one day */
#define SX_MAX_REQUESTS_LIMIT (1L << 40)

/* requests */
#define SX_DEFAULT_MAX_BODY_TEXT "1M"
#define SX_DEFAULT_MAX_BODY ((size_t)1 << 20)

/* folders, relative to the working directory unless an app names others */
#define SX_DEFAULT_MIGRATIONS_DIR "migrations"
#define SX_DEFAULT_TEMPLATES_DIR "templates"

/* The keys a database answers to when the app names none. */
#define SX_DEFAULT_SESSION_KEY "db_session"
#define SX_DEFAULT_CONNECTION_KEY "db_connection"
#define SX_DEFAULT_POOL_KEY "db_pool"

/* Start-up: how long a database server that is not up yet is waited for
 * (--db-wait), and how long between two tries. */
#define SX_DEFAULT_DB_WAIT_S 30
#define SX_MAX_DB_WAIT_S 3600
#define SX_DB_RETRY_MS 1000

/* Statements slower than this are logged (--slow-query-ms). */
#define SX_DEFAULT_SLOW_QUERY_MS 200

#endif
