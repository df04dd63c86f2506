/*
 * dbset.h: what the resolver (resolver.c), the transaction wrapper
 * (transaction.c), the database configuration (dbconfig.c) and the request
 * ids (request_id.c) share. Framework-internal; apps never see it.
 *
 * A database's settings come from four layers, later ones winning:
 *   1. the app's code (sx_app.databases),
 *   2. the --config FILE, under "databases", keyed by any of the database's
 *      keys:
 *        {"databases": {"db_session": {
 *            "url": "postgresql:///app", "commit_mode": "autocommit",
 *            "pool_size": 5, "stmt_cache_size": 64,
 *            "extra_commit_statuses": [418], "extra_rollback_statuses": [],
 *            "migrations_dir": "db/migrations",
 *            "busy_timeout_ms": 5000, "acquire_timeout_ms": 5000,
 *            "statement_timeout_ms": 30000, "lock_timeout_ms": 5000}}}
 *      (a relative migrations_dir is relative to the file's folder);
 *   3. the environment: SX_DATABASE_URL (the first database's URL) and
 *      SX_DATABASE_<KEY> (the URL of the database with that key, upper-cased);
 *   4. the command line: --database KEY=URL, --commit-mode KEY=MODE.
 * Keys themselves come only from code: the file, the environment and the
 * command line name a database by one of them.
 */
#ifndef SX_DBSET_H
#define SX_DBSET_H

#include "core.h"

/* The three ways a database is injected. */
typedef enum sx_dbkey {
	SX_DBKEY_SESSION,	/* connection in a transaction the wrapper settles */
	SX_DBKEY_CONNECTION,	/* the same connection, no transaction begun */
	SX_DBKEY_POOL,		/* the sx_db_pool itself */
	SX_DBKEY__MAX
} sx_dbkey;

/* "session", "connection", "pool" */
extern const char *const sx_dbkeys[SX_DBKEY__MAX];

/* One database's settings after the four layers are merged. Strings and
 * arrays live in the owning sx_dbset's arena. */
typedef struct sx_dbconf {
	const char *url;
	const char *keys[SX_DBKEY__MAX];
	sx_commit_mode mode;
	int *commit_extra;	/* extra_commit_statuses */
	size_t n_commit_extra;
	int *rollback_extra;	/* extra_rollback_statuses */
	size_t n_rollback_extra;
	int pool_size;
	int stmt_cache_size;
	int busy_timeout_ms;	/* 0 = driver default */
	int acquire_timeout_ms;	/* 0 = pool default */
	int statement_timeout_ms; /* PostgreSQL; 0 = 30000, -1 = server's */
	int lock_timeout_ms;	/* PostgreSQL; 0 = 5000, -1 = server's */
	const char *migrations_dir;
} sx_dbconf;

/* Every database of a running app: settings, then one pool each. */
struct sx_dbset {
	sx_arena *arena;
	sx_dbconf *conf;
	sx_db_pool **pools;	/* parallel to conf; NULL until opened */
	size_t n;
};

/*
 * Merges code, config file and command line into a new set (pools not yet
 * opened) and checks every rule that needs no database: duplicate keys,
 * unknown commit modes, a status in both extra lists, overrides naming no
 * database, malformed config entries, routes naming unknown keys. Returns
 * the set, or NULL with a one-line message in err. URLs are checked by
 * sx_dbset_open, which calls this.
 */
struct sx_dbset *sx_dbset_configure(const sx_app *app,
    const sx_config *cfg, char *err, size_t errlen);

/* How far sx_dbset_configure_settings checks. */
typedef enum sx_dbset_check {
	SX_DBSET_CHECK_SETTINGS,	/* the settings only: a URL may be
					   missing (db make-migration) */
	SX_DBSET_CHECK_READY,		/* and every database has a URL;
					   with --migrate, its migrations
					   folder exists */
	SX_DBSET_CHECK__MAX
} sx_dbset_check;

/* sx_dbset_configure with the checks named. Free the set's arena and the
 * set itself (sx_dbset_free does, and closes any pools). */
struct sx_dbset *sx_dbset_configure_settings(const sx_app *app,
    const sx_config *cfg, sx_dbset_check check, char *err, size_t errlen);

/* The migrations folder of db (or dir, when not NULL: --dir) as an
 * absolute path in buf, which it returns. */
const char *sx_dbconf_migrations_dir(const sx_dbconf *db, const char *dir,
    char *buf, size_t len);

/* The connection options db's config entry sets (statement cache, SQLite
 * busy timeout, PostgreSQL statement and lock timeouts): what the pools
 * and every command that opens db on its own connect with. */
sx_db_options sx_dbconf_conn_options(const sx_dbconf *db);

/* 0 when that folder exists, else -1 with one line in err naming the
 * database and the absolute path looked for. */
int sx_dbconf_migrations_check(const sx_dbconf *db, const char *dir,
    char *err, size_t errlen);

/* A URL, or a message quoting one, fit for printing: the password, if
 * any, is masked (in a copy in a). Used by every message that shows a
 * URL: start-up, the log and the db commands. */
const char *sx_dbset_redact_url(sx_arena *a, const char *url);

/* Finds the database with key among any of its keys: its index and, in
 * *kind, which key it is. -1 when no database has the key. */
int sx_dbset_find(const struct sx_dbset *dbs, const char *key,
    sx_dbkey *kind);

/* One database as one request sees it. */
typedef struct sx_dep_slot {
	sx_db_conn *conn;	/* taken from the pool on first use, else NULL */
	bool session;		/* used through its session key: the wrapper
				   settles the transaction */
	bool traced;		/* reports to the query trace (trace.c) */
} sx_dep_slot;

/* A request's resolver state: one slot a database, parallel to
 * sx_dbset.conf; made on the first sx_inject of the request. */
struct sx_deps {
	sx_dep_slot *slots;
};

/* Database i's connection for this request, taken from its pool on first
 * use; with SX_DBKEY_SESSION also inside a transaction the wrapper settles.
 * NULL with the request's pending error set when it cannot be had. */
sx_db_conn *sx_deps_conn(sx_req *req, size_t i, sx_dbkey kind);
/* Records why an injection failed (the handler's failure passes it on)
 * and returns NULL. */
void *sx_inject_failed(sx_req *req, int status, const char *msg);

/* The index in dbs of the database that holds the sessions (cfg's
 * database, else the first), or -1 with a one-line message (sessions.c). */
int sx_sessions_store_db(const struct sx_dbset *dbs,
    const sx_session_config *cfg, char *err, size_t errlen);

/* What the wrapper does to one database's open transaction. */
typedef enum sx_tx_action {
	SX_TX_COMMIT,
	SX_TX_ROLLBACK,
	SX_TX__MAX
} sx_tx_action;

/* "commit", "rollback" */
extern const char *const sx_tx_actions[SX_TX__MAX];

/*
 * The commit decision, as a pure function: manual
 * never commits (what the handler left open is rolled back); autocommit
 * commits 2xx, autocommit_include_redirect 2xx and 3xx; a status in the
 * extra commit list commits, one in the extra rollback list rolls back; a
 * failed handler or aborted request always rolls back.
 */
sx_tx_action sx_tx_decide(const sx_dbconf *db, int status,
    bool failed);
/*
 * True when the request's session transactions begin read-first
 * (sx_db_set_begin_read: no SQLite write lock until the first write): a
 * safe method (GET, HEAD, OPTIONS) on a route not flagged SX_WRITE_ROUTE.
 */
bool sx_tx_reads_first(const sx_req *req);

/*
 * Checks a candidate request id: trims blanks at both ends, cuts it to
 * SX_REQUEST_ID_MAX characters, and accepts it only if every character is
 * visible ASCII (0x21-0x7e). Writes the id to out (SX_REQUEST_ID_MAX + 1
 * bytes) and returns true, or returns false (empty, or a character outside
 * that range: the id is dropped whole rather than rewritten, so it still
 * matches what the upstream logged when it is kept).
 */
bool sx_request_id_clean(const char *in, char *out);

#endif
