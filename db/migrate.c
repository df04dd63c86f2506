/*
 * migrate.c: runs a migration plan against one database.
 *
 * Each migration runs in its own transaction together with the insert (or
 * delete) of its sx_migrations row, so a database is always at a version
 * some file describes: a failing statement rolls back the whole migration.
 *
 * Two processes upgrading one database at once must not apply a migration
 * twice. On PostgreSQL the whole run holds a session advisory lock on a fixed
 * key and reads the applied versions only after taking it. On SQLite each
 * migration's transaction starts by taking the write lock (a write that
 * changes nothing), then checks again that the version is still pending:
 * whoever gets the lock second sees the first one's row and skips.
 */
#include "migrate_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "SXMIGRAT" folded into a bigint: the advisory lock every upgrade takes. */
#define SX_MIG_LOCK_KEY "6014257001294271572"

static const char *const sql_create[SX_DB_DIALECT__MAX] = {
	"CREATE TABLE IF NOT EXISTS sx_migrations ("
	"version TEXT PRIMARY KEY, description TEXT NOT NULL, "
	"applied_at TEXT NOT NULL, execution_ms INTEGER NOT NULL, "
	"checksum TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS sx_migrations ("
	"version TEXT PRIMARY KEY, description TEXT NOT NULL, "
	"applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
	"execution_ms BIGINT NOT NULL, checksum TEXT NOT NULL)",
};

static const char *const sql_exists[SX_DB_DIALECT__MAX] = {
	"SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	"AND name = 'sx_migrations'",
	"SELECT CASE WHEN to_regclass('sx_migrations') IS NULL THEN 0 ELSE 1 END",
};

static const char *const sql_select[SX_DB_DIALECT__MAX] = {
	"SELECT version, description, applied_at, execution_ms, checksum "
	"FROM sx_migrations ORDER BY version",
	"SELECT version, description, "
	"to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS applied_at, "
	"execution_ms, checksum FROM sx_migrations ORDER BY version",
};

static const char *const sql_insert[SX_DB_DIALECT__MAX] = {
	"INSERT INTO sx_migrations (version, description, applied_at, "
	"execution_ms, checksum) VALUES ($1, $2, "
	"strftime('%Y-%m-%d %H:%M:%S', 'now'), $3, $4)",
	"INSERT INTO sx_migrations (version, description, applied_at, "
	"execution_ms, checksum) VALUES ($1, $2, now(), $3, $4)",
};

static const char sql_delete[] = "DELETE FROM sx_migrations WHERE version = $1";
static const char sql_is_applied[] =
    "SELECT count(*) FROM sx_migrations WHERE version = $1";
static const char sql_update_checksum[] =
    "UPDATE sx_migrations SET checksum = $2 WHERE version = $1";
/* Takes SQLite's write lock at the start of a transaction, changing nothing. */
static const char sql_sqlite_write_lock[] =
    "UPDATE sx_migrations SET version = version WHERE 0";

/* A row of sx_migrations. */
typedef struct applied_row {
	const char *version, *description, *applied_at, *checksum;
	int64_t ms;
} applied_row;

/* State of one run: the plan, the applied rows, whether we hold the lock. */
typedef struct mig_run {
	sx_db_conn *c;
	const sx_migrate_opts *o;
	sx_db_dialect d;
	sx_mig_plan plan;
	applied_row *rows;
	size_t n_rows;
	bool table;		/* sx_migrations exists */
	bool locked;		/* PostgreSQL advisory lock held */
	char *err;
	size_t errlen;
} mig_run;

/* Copies the connection's last error message (valid until the next call). */
static void
db_message(mig_run *r, sx_buf *b)
{
	const sx_db_error_info *e = sx_db_last_error(r->c);

	sx_buf_puts(b, e && e->message && *e->message ? e->message :
	    "(no message from the driver)");
}

/* Fills err with "what: driver message". */
static sx_db_err
fail_db(mig_run *r, sx_db_err rc, const char *what)
{
	sx_buf b = SX_BUF_INIT;

	db_message(r, &b);
	snprintf(r->err, r->errlen, "%s: %s (%s)", what,
	    b.data ? b.data : "", sx_db_strerror(rc));
	sx_buf_free(&b);
	return rc;
}

static sx_db_err
read_applied(mig_run *r)
{
	sx_db_result *res = NULL;
	sx_arena *a = r->plan.arena;
	sx_db_err rc;
	size_t i = 0;

	r->n_rows = 0;
	if (!r->table)
		return SX_DB_OK;
	if ((rc = sx_db_exec(r->c, sql_select[r->d], NULL, 0, &res)) != SX_DB_OK)
		return fail_db(r, rc, "reading sx_migrations");
	r->rows = sx_arena_alloc(a, (sx_db_rows(res) + 1) * sizeof(applied_row));
	if (r->rows == NULL) {
		sx_db_result_free(res);
		return SX_DB_ERR_NOMEM;
	}
	while (sx_db_next(res)) {
		applied_row *row = &r->rows[i++];
		const char *at = sx_db_text(res, "applied_at");

		row->version = sx_arena_strdup(a, sx_db_text(res, "version"));
		row->description = sx_arena_strdup(a, sx_db_text(res, "description"));
		row->applied_at = sx_arena_strdup(a, at ? at : "");
		row->checksum = sx_arena_strdup(a, sx_db_text(res, "checksum"));
		row->ms = sx_db_int(res, "execution_ms");
	}
	r->n_rows = i;
	sx_db_result_free(res);
	return SX_DB_OK;
}

static const applied_row *
applied_find(const mig_run *r, const char *version)
{
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].version && strcmp(r->rows[i].version, version) == 0)
			return &r->rows[i];
	return NULL;
}

/* Index in the plan of the last applied migration, or -1 (base). */
static long
current_index(const mig_run *r)
{
	for (size_t i = r->plan.n; i > 0; i--)
		if (applied_find(r, r->plan.m[i - 1].version) != NULL)
			return (long)i - 1;
	return -1;
}

static const char *
current_name(const mig_run *r)
{
	long i = current_index(r);

	return i < 0 ? "base" : r->plan.m[i].version;
}

/*
 * Loads the plan and looks at the database. With write set, takes the
 * PostgreSQL advisory lock and creates sx_migrations when missing; reads the
 * applied rows last, after the lock, so they are current.
 */
static sx_db_err
run_start(mig_run *r, sx_db_conn *c, const sx_migrate_opts *o, bool write,
    char *err, size_t errlen)
{
	int64_t exists = 0;
	sx_db_err rc;

	memset(r, 0, sizeof(*r));
	r->c = c, r->o = o, r->err = err, r->errlen = errlen;
	r->d = sx_db_conn_dialect(c);
	if (errlen > 0)
		err[0] = '\0';
	if ((rc = sx_mig_plan_load(&r->plan, o, r->d, err, errlen)) != SX_DB_OK)
		return rc;
	if (write && r->d == SX_DB_POSTGRES) {
		rc = sx_db_exec_script(c, "SELECT pg_advisory_lock(" SX_MIG_LOCK_KEY ")");
		if (rc != SX_DB_OK)
			return fail_db(r, rc, "taking the migrations lock");
		r->locked = true;
	}
	if (write) {
		if ((rc = sx_db_exec_script(c, sql_create[r->d])) != SX_DB_OK)
			return fail_db(r, rc, "creating the sx_migrations table");
		r->table = true;
	} else {
		if ((rc = sx_db_scalar_int(c, sql_exists[r->d], NULL, 0, &exists))
		    != SX_DB_OK)
			return fail_db(r, rc, "looking for the sx_migrations table");
		r->table = exists != 0;
	}
	return read_applied(r);
}

static void
run_end(mig_run *r)
{
	if (r->locked)
		(void)sx_db_exec_script(r->c,
		    "SELECT pg_advisory_unlock(" SX_MIG_LOCK_KEY ")");
	sx_mig_plan_free(&r->plan);
}

/*
 * Resolves a revision to a plan index: -1 for "base", n-1 for "head", else
 * a version, a file name (with or without ".sql") or an app number.
 */
static sx_db_err
resolve_target(mig_run *r, const char *target, long *pos)
{
	const sx_mig_plan *p = &r->plan;
	char *end;
	long number;

	if (strcmp(target, "base") == 0) {
		*pos = -1;
		return SX_DB_OK;
	}
	if (strcmp(target, "head") == 0) {
		*pos = (long)p->n - 1;
		return SX_DB_OK;
	}
	if ((*pos = sx_mig_plan_find(p, target)) >= 0)
		return SX_DB_OK;
	for (size_t i = 0; i < p->n; i++) {
		size_t len = strcspn(p->m[i].file, ".");

		if (strcmp(p->m[i].file, target) == 0 ||
		    (strlen(target) == len && strncmp(p->m[i].file, target, len) == 0)) {
			*pos = (long)i;
			return SX_DB_OK;
		}
	}
	number = strtol(target, &end, 10);
	if (end != target && *end == '\0')
		for (size_t i = 0; i < p->n; i++)
			if (strncmp(p->m[i].version, "ext_", 4) != 0 &&
			    p->m[i].number == number) {
				*pos = (long)i;
				return SX_DB_OK;
			}
	snprintf(r->err, r->errlen, "unknown revision \"%s\" (give a version "
	    "such as %s, a file name, \"head\" or \"base\"; `db history` lists them)",
	    target, p->n > 0 ? p->m[0].version : "0001");
	return SX_DB_ERR_RANGE;
}

/*
 * Stops when an applied migration's file changed since it was applied,
 * unless forced; forced, records the new checksum so later runs agree.
 */
static sx_db_err
check_changed(mig_run *r)
{
	for (size_t i = 0; i < r->plan.n; i++) {
		const sx_mig *m = &r->plan.m[i];
		const applied_row *row = applied_find(r, m->version);
		sx_db_err rc;

		if (row == NULL || row->checksum == NULL ||
		    strcmp(row->checksum, m->checksum) == 0)
			continue;
		if (!r->o->force) {
			snprintf(r->err, r->errlen, "%s was changed after it was "
			    "applied (its checksum differs from the recorded one): "
			    "restore the file and put the change in a new migration, "
			    "or pass --force to accept it", m->path);
			return SX_DB_ERR_STATE;
		}
		if (r->o->dry_run)
			continue;
		rc = sx_db_exec(r->c, sql_update_checksum,
		    SX_PARAMS(SX_PTEXT(m->version), SX_PTEXT(m->checksum)), NULL);
		if (rc != SX_DB_OK)
			return fail_db(r, rc, "recording a changed checksum");
		if (r->o->out != NULL)
			fprintf(r->o->out, "accepted changed %s (--force)\n", m->file);
	}
	return SX_DB_OK;
}

/* Prints a statement's first line, shortened, into b (for messages). */
static void
statement_excerpt(sx_buf *b, const char *sql)
{
	size_t len = strcspn(sql, "\n");

	if (len > 72)
		sx_buf_printf(b, "%.69s...", sql);
	else
		sx_buf_printf(b, "%.*s%s", (int)len, sql, sql[len] ? " ..." : "");
}

/*
 * True when a statement begins or ends a transaction of its own: BEGIN,
 * COMMIT, END, START TRANSACTION, ABORT, or ROLLBACK other than ROLLBACK TO
 * a savepoint. In a migration such a statement would commit part of it
 * outside the transaction that records its version.
 */
static bool
controls_transaction(const char *sql)
{
	static const char *const words[] = { "BEGIN", "COMMIT", "END", "START",
	    "ABORT" };
	size_t len = 0;

	while (isalpha((unsigned char)sql[len]))
		len++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && strncasecmp(sql, words[i], len) == 0)
			return true;
	if (len != 8 || strncasecmp(sql, "ROLLBACK", 8) != 0)
		return false;
	/* ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name stays inside. */
	for (const char *p = sql + 8; *p != '\0'; p++)
		if (strncasecmp(p, "TO", 2) == 0 && isspace((unsigned char)p[-1]) &&
		    (p[2] == '\0' || isspace((unsigned char)p[2])))
			return false;
	return true;
}

/*
 * Runs one section statement by statement inside the open transaction. On a
 * failure fills err naming the file, the statement and the driver's message.
 * A statement that would end the transaction early is refused before any
 * statement runs.
 */
static sx_db_err
run_section(mig_run *r, const sx_mig *m, bool up, long at_version)
{
	const char *sql = up ? m->up : m->down;
	sx_sql_stmt *st;
	size_t n;
	sx_db_err rc;

	if (sx_sql_split(r->plan.arena, sql, r->d, up ? m->up_line : m->down_line,
	    &st, &n) < 0)
		return SX_DB_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		sx_buf b = SX_BUF_INIT;

		if (!controls_transaction(st[i].sql))
			continue;
		sx_buf_printf(&b, "%s (%s): statement %zu at line %u: ", m->path,
		    up ? "up" : "down", i + 1, st[i].line);
		statement_excerpt(&b, st[i].sql);
		sx_buf_printf(&b, ": each migration already runs in its own "
		    "transaction; remove this statement (the database stays at "
		    "version %s)",
		    at_version < 0 ? "base" : r->plan.m[at_version].version);
		snprintf(r->err, r->errlen, "%s", b.data ? b.data : "");
		sx_buf_free(&b);
		return SX_DB_ERR_STATE;
	}
	for (size_t i = 0; i < n; i++) {
		sx_buf b = SX_BUF_INIT;

		if ((rc = sx_db_exec_script(r->c, st[i].sql)) == SX_DB_OK)
			continue;
		sx_buf_printf(&b, "%s (%s): statement %zu at line %u failed: ",
		    m->path, up ? "up" : "down", i + 1, st[i].line);
		statement_excerpt(&b, st[i].sql);
		sx_buf_puts(&b, ": ");
		db_message(r, &b);
		sx_buf_printf(&b, "; rolled back, the database stays at version %s",
		    at_version < 0 ? "base" : r->plan.m[at_version].version);
		snprintf(r->err, r->errlen, "%s", b.data ? b.data : "");
		sx_buf_free(&b);
		return rc;
	}
	return SX_DB_OK;
}

/* Prints what a section would run, for --dry-run. */
static sx_db_err
print_section(mig_run *r, const sx_mig *m, bool up)
{
	sx_sql_stmt *st;
	size_t n;

	if (r->o->out == NULL)
		return SX_DB_OK;
	if (sx_sql_split(r->plan.arena, up ? m->up : m->down, r->d,
	    up ? m->up_line : m->down_line, &st, &n) < 0)
		return SX_DB_ERR_NOMEM;
	fprintf(r->o->out, "-- %s %s (dry run, not applied)\n", up ? "up" : "down",
	    m->file);
	for (size_t i = 0; i < n; i++)
		fprintf(r->o->out, "%s;\n", st[i].sql);
	return SX_DB_OK;
}

/*
 * Applies (up) or reverts (down) migration i in its own transaction with its
 * row. Skips it when another process did the same meanwhile. at is the
 * version the database stays at if this fails (for the message).
 */
static sx_db_err
migrate_one(mig_run *r, size_t i, bool up, long at)
{
	const sx_mig *m = &r->plan.m[i];
	double t0 = sx_now_ms();
	int64_t present = 0, ms;
	sx_db_err rc;

	if (r->o->dry_run)
		return print_section(r, m, up);
	if ((rc = sx_db_begin(r->c)) != SX_DB_OK)
		return fail_db(r, rc, "starting a transaction");
	if (r->d == SX_DB_SQLITE &&
	    (rc = sx_db_exec_script(r->c, sql_sqlite_write_lock)) != SX_DB_OK) {
		fail_db(r, rc, "taking the database's write lock");
		goto rollback;
	}
	rc = sx_db_scalar_int(r->c, sql_is_applied, SX_PARAMS(SX_PTEXT(m->version)),
	    &present);
	if (rc != SX_DB_OK) {
		fail_db(r, rc, "reading sx_migrations");
		goto rollback;
	}
	if ((present != 0) == up) {
		/* Another process got here first. */
		(void)sx_db_rollback(r->c);
		if (r->o->out != NULL)
			fprintf(r->o->out, "skipped  %s (already %s by another run)\n",
			    m->file, up ? "applied" : "reverted");
		return SX_DB_OK;
	}
	if ((rc = run_section(r, m, up, at)) != SX_DB_OK)
		goto rollback;
	ms = (int64_t)(sx_now_ms() - t0 + 0.5);
	if (up)
		rc = sx_db_exec(r->c, sql_insert[r->d], SX_PARAMS(SX_PTEXT(m->version),
		    SX_PTEXT(m->description), SX_PINT(ms), SX_PTEXT(m->checksum)), NULL);
	else
		rc = sx_db_exec(r->c, sql_delete, SX_PARAMS(SX_PTEXT(m->version)), NULL);
	if (rc != SX_DB_OK) {
		fail_db(r, rc, "recording the migration in sx_migrations");
		goto rollback;
	}
	if ((rc = sx_db_commit(r->c)) != SX_DB_OK) {
		fail_db(r, rc, m->file);
		goto rollback;
	}
	if (r->o->out != NULL)
		fprintf(r->o->out, "%s  %s (%" PRId64 " ms)\n",
		    up ? "applied " : "reverted", m->file, ms);
	return SX_DB_OK;
rollback:
	if (sx_db_in_transaction(r->c))
		(void)sx_db_rollback(r->c);
	return rc;
}

sx_db_err
sx_migrate_upgrade(sx_db_conn *c, const sx_migrate_opts *o, const char *target,
    char *err, size_t errlen)
{
	mig_run r;
	long pos, at;
	size_t done = 0;
	sx_db_err rc;

	if ((rc = run_start(&r, c, o, !o->dry_run, err, errlen)) != SX_DB_OK)
		goto out;
	pos = (long)r.plan.n - 1;
	if (target != NULL && (rc = resolve_target(&r, target, &pos)) != SX_DB_OK)
		goto out;
	if ((rc = check_changed(&r)) != SX_DB_OK)
		goto out;
	at = current_index(&r);
	for (long i = 0; i <= pos; i++) {
		if (applied_find(&r, r.plan.m[i].version) != NULL)
			continue;
		if ((rc = migrate_one(&r, (size_t)i, true, at)) != SX_DB_OK)
			goto out;
		at = i > at ? i : at;
		done++;
	}
	if (o->out != NULL && done == 0)
		fprintf(o->out, "nothing to apply: the database is at version %s\n",
		    current_name(&r));
out:
	run_end(&r);
	return rc;
}

sx_db_err
sx_migrate_downgrade(sx_db_conn *c, const sx_migrate_opts *o, const char *target,
    char *err, size_t errlen)
{
	mig_run r;
	long pos, cur;
	sx_db_err rc;

	if ((rc = run_start(&r, c, o, !o->dry_run, err, errlen)) != SX_DB_OK)
		goto out;
	cur = current_index(&r);
	if (cur < 0) {
		if (o->out != NULL)
			fprintf(o->out, "nothing to revert: the database is at base\n");
		goto out;
	}
	/* One step back: the applied migration before the current one. */
	for (pos = cur - 1; pos >= 0; pos--)
		if (applied_find(&r, r.plan.m[pos].version) != NULL)
			break;
	if (target != NULL && (rc = resolve_target(&r, target, &pos)) != SX_DB_OK)
		goto out;
	if ((rc = check_changed(&r)) != SX_DB_OK)
		goto out;
	for (long i = cur; i > pos; i--) {
		if (applied_find(&r, r.plan.m[i].version) == NULL)
			continue;
		if ((rc = migrate_one(&r, (size_t)i, false, i)) != SX_DB_OK)
			goto out;
	}
	if (o->out != NULL && cur <= pos)
		fprintf(o->out, "nothing to revert: the database is at version %s\n",
		    current_name(&r));
out:
	run_end(&r);
	return rc;
}

sx_db_err
sx_migrate_stamp(sx_db_conn *c, const sx_migrate_opts *o, const char *target,
    char *err, size_t errlen)
{
	mig_run r;
	long pos;
	sx_db_err rc;

	if ((rc = run_start(&r, c, o, true, err, errlen)) != SX_DB_OK)
		goto out;
	if ((rc = resolve_target(&r, target, &pos)) != SX_DB_OK)
		goto out;
	if ((rc = sx_db_begin(c)) != SX_DB_OK) {
		fail_db(&r, rc, "starting a transaction");
		goto out;
	}
	for (size_t i = 0; i < r.plan.n && rc == SX_DB_OK; i++) {
		const sx_mig *m = &r.plan.m[i];
		bool applied = applied_find(&r, m->version) != NULL;

		if ((long)i <= pos && !applied)
			rc = sx_db_exec(c, sql_insert[r.d], SX_PARAMS(SX_PTEXT(m->version),
			    SX_PTEXT(m->description), SX_PINT(0), SX_PTEXT(m->checksum)),
			    NULL);
		else if ((long)i > pos && applied)
			rc = sx_db_exec(c, sql_delete, SX_PARAMS(SX_PTEXT(m->version)),
			    NULL);
	}
	if (rc == SX_DB_OK)
		rc = sx_db_commit(c);
	if (rc != SX_DB_OK) {
		fail_db(&r, rc, "stamping sx_migrations");
		if (sx_db_in_transaction(c))
			(void)sx_db_rollback(c);
		goto out;
	}
	if (o->out != NULL)
		fprintf(o->out, "stamped: the database is recorded at version %s\n",
		    pos < 0 ? "base" : r.plan.m[pos].version);
out:
	run_end(&r);
	return rc;
}

sx_db_err
sx_migrate_status_get(sx_db_conn *c, const sx_migrate_opts *o,
    sx_migrate_status *st, char *err, size_t errlen)
{
	mig_run r;
	sx_db_err rc;
	size_t k = 0;
	long cur;

	memset(st, 0, sizeof(*st));
	if ((rc = run_start(&r, c, o, false, err, errlen)) != SX_DB_OK)
		goto out;
	st->items = sx_arena_alloc(r.plan.arena,
	    (r.plan.n + r.n_rows + 1) * sizeof(sx_migration_info));
	if (st->items == NULL) {
		rc = SX_DB_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < r.plan.n; i++) {
		const sx_mig *m = &r.plan.m[i];
		const applied_row *row = applied_find(&r, m->version);
		sx_migration_info *it = &st->items[k++];

		it->version = m->version;
		it->description = m->description;
		it->file = m->file;
		it->applied = row != NULL;
		if (row != NULL) {
			it->applied_at = row->applied_at;
			it->execution_ms = row->ms;
			it->changed = strcmp(row->checksum, m->checksum) != 0;
		} else
			st->pending++;
	}
	for (size_t i = 0; i < r.n_rows; i++) {
		sx_migration_info *it;

		if (sx_mig_plan_find(&r.plan, r.rows[i].version) >= 0)
			continue;
		it = &st->items[k++];
		it->version = r.rows[i].version;
		it->description = r.rows[i].description;
		it->applied = true;
		it->applied_at = r.rows[i].applied_at;
		it->execution_ms = r.rows[i].ms;
	}
	st->n = k;
	cur = current_index(&r);
	st->current = cur >= 0 ? r.plan.m[cur].version : NULL;
	/* The status keeps the plan's arena: it owns every string above. */
	st->arena = r.plan.arena;
	r.plan.arena = NULL;
out:
	run_end(&r);
	return rc;
}

void
sx_migrate_status_free(sx_migrate_status *st)
{
	sx_arena_free(st->arena);
	memset(st, 0, sizeof(*st));
}
