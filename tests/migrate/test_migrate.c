/*
 * test_migrate.c: the migration engine over real SQLite files and a real
 * PostgreSQL server (SX_TEST_PG_URL). Each PostgreSQL test works in a schema
 * of its own, so tests may run side by side on one server.
 */
#include <criterion/criterion.h>

/* testutil.h fails a skipped PostgreSQL test in CI; this file uses the
 * classic assertion macros, where that failure is cr_assert_fail. */
#ifndef cr_fail
#define cr_fail(...) cr_assert_fail(__VA_ARGS__)
#endif
#include "../testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core.h"
#include "migrate_internal.h"

/* One test's world: a folder of migrations and a database. */
typedef struct mctx {
	sx_db_dialect d;
	char *tmp;		/* temporary folder */
	char dir[1024];		/* its migrations folder */
	char url[1024];
	char schema[64];	/* PostgreSQL only */
	sx_db_conn *c;
} mctx;

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* Opens a connection of the test's database (in its schema on PostgreSQL). */
static sx_db_conn *
ctx_connect(mctx *t)
{
	sx_db_conn *c = NULL;
	char err[512] = "", sql[256];

	cr_assert_eq(sx_db_open(t->url, NULL, &c, err, sizeof(err)), SX_DB_OK,
	    "open %s: %s", t->url, err);
	if (t->d == SX_DB_POSTGRES) {
		snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s; "
		    "SET search_path TO %s", t->schema, t->schema);
		cr_assert_eq(sx_db_exec_script(c, sql), SX_DB_OK, "%s",
		    sx_db_last_error(c)->message);
	}
	return c;
}

static void
ctx_init(mctx *t, sx_db_dialect d)
{
	memset(t, 0, sizeof(*t));
	t->d = d;
	t->tmp = sx_test_tmpdir();
	snprintf(t->dir, sizeof(t->dir), "%s/migrations", t->tmp);
	cr_assert_eq(mkdir(t->dir, 0777), 0);
	if (d == SX_DB_SQLITE)
		snprintf(t->url, sizeof(t->url), "sqlite:%s/test.db", t->tmp);
	else {
		unsigned char r[4];

		snprintf(t->url, sizeof(t->url), "%s", SX_TEST_PG_URL());
		sx_random_bytes(r, sizeof(r));
		snprintf(t->schema, sizeof(t->schema), "mig_%d_%02x%02x%02x%02x",
		    (int)getpid(), r[0], r[1], r[2], r[3]);
	}
	t->c = ctx_connect(t);
}

static void
ctx_free(mctx *t)
{
	char cmd[600];

	if (t->d == SX_DB_POSTGRES && t->c != NULL) {
		char sql[128];

		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", t->schema);
		(void)sx_db_exec_script(t->c, sql);
	}
	sx_db_close(t->c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->tmp);
	(void)system(cmd);
	free(t->tmp);
}

static sx_migrate_opts
opts(mctx *t, FILE *out)
{
	return (sx_migrate_opts){ .dir = t->dir, .out = out };
}

static bool
table_exists(mctx *t, const char *name)
{
	int64_t n = -1;
	sx_db_err rc;

	if (t->d == SX_DB_SQLITE)
		rc = sx_db_scalar_int(t->c, "SELECT count(*) FROM sqlite_master "
		    "WHERE type = 'table' AND name = $1", SX_PARAMS(SX_PTEXT(name)), &n);
	else
		rc = sx_db_scalar_int(t->c, "SELECT count(*) FROM pg_tables WHERE "
		    "schemaname = current_schema() AND tablename = $1",
		    SX_PARAMS(SX_PTEXT(name)), &n);
	cr_assert_eq(rc, SX_DB_OK, "%s", sx_db_last_error(t->c)->message);
	return n > 0;
}

static int64_t
count_rows(mctx *t, const char *table)
{
	char sql[128];
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	cr_assert_eq(sx_db_scalar_int(t->c, sql, NULL, 0, &n), SX_DB_OK, "%s",
	    sx_db_last_error(t->c)->message);
	return n;
}

/* The current version as `db current` sees it ("base" when none). */
static void
assert_current(mctx *t, const char *want, size_t pending)
{
	sx_migrate_opts o = opts(t, NULL);
	sx_migrate_status st;
	char err[1024] = "";

	cr_assert_eq(sx_migrate_status_get(t->c, &o, &st, err, sizeof(err)),
	    SX_DB_OK, "status: %s", err);
	cr_expect_str_eq(st.current ? st.current : "base", want);
	cr_expect_eq(st.pending, pending, "pending %zu, expected %zu",
	    st.pending, pending);
	for (size_t i = 0; i < st.n; i++) {
		/* history: exactly the versions up to current are applied */
		bool before = st.current != NULL &&
		    strcmp(st.items[i].version, st.current) <= 0;

		cr_expect_eq(st.items[i].applied, before, "version %s applied=%d",
		    st.items[i].version, st.items[i].applied);
		if (st.items[i].applied)
			cr_expect_neq(st.items[i].applied_at[0], 0);
	}
	sx_migrate_status_free(&st);
}

static void
upgrade_ok(mctx *t, const char *target)
{
	sx_migrate_opts o = opts(t, NULL);
	char err[2048] = "";

	cr_assert_eq(sx_migrate_upgrade(t->c, &o, target, err, sizeof(err)),
	    SX_DB_OK, "upgrade: %s", err);
}

static void
downgrade_ok(mctx *t, const char *target)
{
	sx_migrate_opts o = opts(t, NULL);
	char err[2048] = "";

	cr_assert_eq(sx_migrate_downgrade(t->c, &o, target, err, sizeof(err)),
	    SX_DB_OK, "downgrade: %s", err);
}

/* Three migrations; the second has a file per dialect. */
static void
write_three(mctx *t)
{
	write_file(t->dir, "0001_create_users.sql",
	    "-- the users\n"
	    "-- migrate:up\n"
	    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
	    "INSERT INTO users (id, name) VALUES (1, 'semi;colon ''quoted''');\n"
	    "-- migrate:down\n"
	    "DROP TABLE users;\n");
	write_file(t->dir, "0002_add_posts.sqlite.sql",
	    "-- migrate:up\n"
	    "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);\n"
	    "CREATE TRIGGER posts_body AFTER INSERT ON posts BEGIN\n"
	    "  UPDATE posts SET body = CASE WHEN NEW.body IS NULL THEN ';' ELSE NEW.body END\n"
	    "  WHERE id = NEW.id;\n"
	    "END;\n"
	    "-- migrate:down\n"
	    "DROP TABLE posts;\n");
	write_file(t->dir, "0002_add_posts.postgres.sql",
	    "-- migrate:up\n"
	    "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);\n"
	    "CREATE FUNCTION posts_body() RETURNS trigger AS $fn$\n"
	    "BEGIN NEW.body := coalesce(NEW.body, ';'); RETURN NEW; END;\n"
	    "$fn$ LANGUAGE plpgsql;\n"
	    "CREATE TRIGGER posts_body BEFORE INSERT ON posts\n"
	    "  FOR EACH ROW EXECUTE FUNCTION posts_body();\n"
	    "-- migrate:down\n"
	    "DROP TABLE posts;\n"
	    "DROP FUNCTION posts_body();\n");
	write_file(t->dir, "0002_add_posts.sql",
	    "-- migrate:up\nTHIS FILE IS SHADOWED BY THE DIALECT FILES;\n"
	    "-- migrate:down\n");
	write_file(t->dir, "0003_add_tags.sql",
	    "-- migrate:up\n"
	    "CREATE TABLE tags (name TEXT PRIMARY KEY);\n"
	    "/* a comment; with a semicolon */\n"
	    "INSERT INTO tags VALUES ('c'); -- trailing; comment\n"
	    "-- migrate:down\n"
	    "DROP TABLE tags;\n");
	write_file(t->dir, "README.txt", "not a migration\n");
}

static void
up_down_up(sx_db_dialect d)
{
	mctx t;

	ctx_init(&t, d);
	write_three(&t);
	assert_current(&t, "base", 3);
	upgrade_ok(&t, NULL);
	assert_current(&t, "0003", 0);
	cr_expect(table_exists(&t, "tags"));
	cr_expect_eq(count_rows(&t, "sx_migrations"), 3);
	cr_expect_eq(count_rows(&t, "tags"), 1);
	sx_db_exec_script(t.c, "INSERT INTO posts (id) VALUES (1)");
	{
		char *body = NULL;

		cr_assert_eq(sx_db_scalar_text(t.c, "SELECT body FROM posts", NULL, 0,
		    &body), SX_DB_OK);
		cr_expect_str_eq(body, ";", "the dialect's trigger ran");
		free(body);
	}
	downgrade_ok(&t, NULL);
	assert_current(&t, "0002", 1);
	cr_expect_not(table_exists(&t, "tags"));
	cr_expect(table_exists(&t, "posts"));
	downgrade_ok(&t, "base");
	assert_current(&t, "base", 3);
	cr_expect_not(table_exists(&t, "users"));
	cr_expect_eq(count_rows(&t, "sx_migrations"), 0);
	upgrade_ok(&t, "2");
	assert_current(&t, "0002", 1);
	upgrade_ok(&t, "head");
	assert_current(&t, "0003", 0);
	downgrade_ok(&t, "0001_create_users.sql");
	assert_current(&t, "0001", 2);
	upgrade_ok(&t, NULL);
	assert_current(&t, "0003", 0);
	ctx_free(&t);
}

Test(migrate_sqlite, up_down_up) { up_down_up(SX_DB_SQLITE); }
Test(migrate_postgres, up_down_up) { up_down_up(SX_DB_POSTGRES); }

static void
changed_file_refused(sx_db_dialect d)
{
	mctx t;
	sx_migrate_opts o;
	char err[2048] = "";

	ctx_init(&t, d);
	write_three(&t);
	upgrade_ok(&t, "2");
	write_file(t.dir, "0001_create_users.sql",
	    "-- migrate:up\n"
	    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);\n"
	    "-- migrate:down\nDROP TABLE users;\n");
	o = opts(&t, NULL);
	cr_assert_neq(sx_migrate_upgrade(t.c, &o, NULL, err, sizeof(err)), SX_DB_OK);
	cr_expect(strstr(err, "0001_create_users.sql") != NULL, "names the file: %s", err);
	cr_expect(strstr(err, "--force") != NULL, "names the fix: %s", err);
	assert_current(&t, "0002", 1);	/* nothing applied */
	cr_expect_not(table_exists(&t, "tags"));
	o.force = true;
	cr_assert_eq(sx_migrate_upgrade(t.c, &o, NULL, err, sizeof(err)), SX_DB_OK,
	    "%s", err);
	assert_current(&t, "0003", 0);
	/* forced once, the new checksum is recorded: later runs agree */
	o.force = false;
	cr_assert_eq(sx_migrate_downgrade(t.c, &o, NULL, err, sizeof(err)), SX_DB_OK,
	    "%s", err);
	assert_current(&t, "0002", 1);
	ctx_free(&t);
}

Test(migrate_sqlite, changed_file_refused) { changed_file_refused(SX_DB_SQLITE); }
Test(migrate_postgres, changed_file_refused) { changed_file_refused(SX_DB_POSTGRES); }

static void
failure_rolls_back(sx_db_dialect d)
{
	mctx t;
	sx_migrate_opts o;
	char err[2048] = "";

	ctx_init(&t, d);
	write_file(t.dir, "0001_one.sql",
	    "-- migrate:up\nCREATE TABLE one (x INTEGER);\n-- migrate:down\nDROP TABLE one;\n");
	write_file(t.dir, "0002_broken.sql",
	    "-- migrate:up\n"
	    "CREATE TABLE half (x INTEGER);\n"
	    "INSERT INTO half VALUES (1);\n"
	    "\n"
	    "INSERT INTO no_such_table VALUES (1);\n"
	    "CREATE TABLE never (x INTEGER);\n"
	    "-- migrate:down\nDROP TABLE half;\n");
	o = opts(&t, NULL);
	cr_assert_neq(sx_migrate_upgrade(t.c, &o, NULL, err, sizeof(err)), SX_DB_OK);
	cr_expect(strstr(err, "0002_broken.sql") != NULL, "names the file: %s", err);
	cr_expect(strstr(err, "statement 3 at line 5") != NULL, "names the statement: %s", err);
	cr_expect(strstr(err, "INSERT INTO no_such_table") != NULL, "quotes it: %s", err);
	cr_expect(strstr(err, "version 0001") != NULL, "says where it stays: %s", err);
	cr_expect(table_exists(&t, "one"));
	cr_expect_not(table_exists(&t, "half"), "the failing file's first statement was rolled back");
	cr_expect_not(table_exists(&t, "never"));
	cr_expect_not(sx_db_in_transaction(t.c));
	assert_current(&t, "0001", 1);
	cr_expect_eq(count_rows(&t, "sx_migrations"), 1);
	ctx_free(&t);
}

/* A file that manages its own transaction is refused before it runs. */
static void
own_transaction_refused(sx_db_dialect d)
{
	mctx t;
	sx_migrate_opts o;
	char err[2048] = "";

	ctx_init(&t, d);
	write_file(t.dir, "0001_one.sql",
	    "-- migrate:up\nCREATE TABLE one (x INTEGER);\n"
	    "SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE s;\n"
	    "-- migrate:down\nDROP TABLE one;\n");
	write_file(t.dir, "0002_own_tx.sql",
	    "-- migrate:up\nCREATE TABLE early (x INTEGER);\nCOMMIT;\n"
	    "CREATE TABLE late (x INTEGER);\n-- migrate:down\nDROP TABLE late;\n");
	o = opts(&t, NULL);
	cr_assert_neq(sx_migrate_upgrade(t.c, &o, NULL, err, sizeof(err)), SX_DB_OK);
	cr_expect(strstr(err, "0002_own_tx.sql") != NULL, "names the file: %s", err);
	cr_expect(strstr(err, "statement 2 at line 3") != NULL, "names the statement: %s", err);
	cr_expect(strstr(err, "own transaction") != NULL, "says why: %s", err);
	cr_expect(table_exists(&t, "one"), "savepoints inside a migration are fine");
	cr_expect_not(table_exists(&t, "early"), "nothing of the refused file ran");
	assert_current(&t, "0001", 1);
	ctx_free(&t);
}

Test(migrate_sqlite, own_transaction_refused) { own_transaction_refused(SX_DB_SQLITE); }
Test(migrate_postgres, own_transaction_refused) { own_transaction_refused(SX_DB_POSTGRES); }

Test(migrate_sqlite, failure_rolls_back) { failure_rolls_back(SX_DB_SQLITE); }
Test(migrate_postgres, failure_rolls_back) { failure_rolls_back(SX_DB_POSTGRES); }

static void
dry_run_changes_nothing(sx_db_dialect d)
{
	mctx t;
	sx_migrate_opts o;
	char err[2048] = "", *text = NULL;
	size_t len = 0;
	FILE *out;

	ctx_init(&t, d);
	write_three(&t);
	out = open_memstream(&text, &len);
	o = opts(&t, out);
	o.dry_run = true;
	cr_assert_eq(sx_migrate_upgrade(t.c, &o, NULL, err, sizeof(err)), SX_DB_OK,
	    "%s", err);
	fclose(out);
	cr_expect(strstr(text, "CREATE TABLE tags (name TEXT PRIMARY KEY);") != NULL,
	    "shows the SQL: %s", text);
	cr_expect(strstr(text, "SHADOWED") == NULL, "the shadowed file is not used: %s", text);
	cr_expect_not(table_exists(&t, "users"));
	cr_expect_not(table_exists(&t, "sx_migrations"), "not even the version table");
	free(text);
	/* applied for real, a dry downgrade leaves it at head */
	upgrade_ok(&t, NULL);
	o.out = NULL;
	cr_assert_eq(sx_migrate_downgrade(t.c, &o, "base", err, sizeof(err)), SX_DB_OK);
	assert_current(&t, "0003", 0);
	cr_expect(table_exists(&t, "users"));
	ctx_free(&t);
}

Test(migrate_sqlite, dry_run_changes_nothing) { dry_run_changes_nothing(SX_DB_SQLITE); }
Test(migrate_postgres, dry_run_changes_nothing) { dry_run_changes_nothing(SX_DB_POSTGRES); }

static void
stamp(sx_db_dialect d)
{
	mctx t;
	sx_migrate_opts o;
	char err[2048] = "";

	ctx_init(&t, d);
	write_three(&t);
	o = opts(&t, NULL);
	cr_assert_eq(sx_migrate_stamp(t.c, &o, "0002", err, sizeof(err)), SX_DB_OK,
	    "%s", err);
	assert_current(&t, "0002", 1);
	cr_expect_not(table_exists(&t, "users"), "stamp runs no SQL");
	cr_assert_eq(sx_migrate_stamp(t.c, &o, "base", err, sizeof(err)), SX_DB_OK);
	assert_current(&t, "base", 3);
	cr_expect_neq(sx_migrate_stamp(t.c, &o, "0009", err, sizeof(err)), SX_DB_OK);
	cr_expect(strstr(err, "unknown revision \"0009\"") != NULL, "%s", err);
	ctx_free(&t);
}

Test(migrate_sqlite, stamp) { stamp(SX_DB_SQLITE); }
Test(migrate_postgres, stamp) { stamp(SX_DB_POSTGRES); }

/*
 * Several processes, each with its own connection, upgrade at once. Every
 * migration inserts into a side table, so one applied twice would show.
 */
static void
concurrent_upgrades(sx_db_dialect d)
{
	enum { PROCS = 4 };
	const char *slow = d == SX_DB_POSTGRES ? "SELECT pg_sleep(0.05);\n" :
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 20000) SELECT count(*) FROM n;\n";
	char name[64], text[512];
	pid_t pids[PROCS];
	mctx t;

	ctx_init(&t, d);
	write_file(t.dir, "0001_side.sql", "-- migrate:up\nCREATE TABLE side "
	    "(version TEXT NOT NULL);\n-- migrate:down\nDROP TABLE side;\n");
	for (int v = 2; v <= 6; v++) {
		snprintf(name, sizeof(name), "%04d_step.sql", v);
		snprintf(text, sizeof(text), "-- migrate:up\n%sINSERT INTO side "
		    "VALUES ('%04d');\n-- migrate:down\nDELETE FROM side WHERE "
		    "version = '%04d';\n", slow, v, v);
		write_file(t.dir, name, text);
	}
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		cr_assert_neq(pids[i], -1);
		if (pids[i] == 0) {
			sx_migrate_opts o = opts(&t, NULL);
			sx_db_conn *c = NULL;
			char err[2048] = "", sql[256];
			int rc;

			if (sx_db_open(t.url, NULL, &c, err, sizeof(err)) != SX_DB_OK)
				_exit(3);
			if (d == SX_DB_POSTGRES) {
				snprintf(sql, sizeof(sql), "SET search_path TO %s", t.schema);
				if (sx_db_exec_script(c, sql) != SX_DB_OK)
					_exit(4);
			}
			rc = sx_migrate_upgrade(c, &o, NULL, err, sizeof(err));
			if (rc != SX_DB_OK)
				fprintf(stderr, "process %d: %s\n", i, err);
			sx_db_close(c);
			_exit(rc == SX_DB_OK ? 0 : 1);
		}
	}
	for (int i = 0; i < PROCS; i++) {
		int status = 0;

		cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
		cr_expect_eq(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
		    "upgrade process %d failed (status %d)", i, status);
	}
	cr_expect_eq(count_rows(&t, "sx_migrations"), 6);
	cr_expect_eq(count_rows(&t, "side"), 5, "each migration ran once");
	assert_current(&t, "0006", 0);
	ctx_free(&t);
}

Test(migrate_sqlite, concurrent_upgrades) { concurrent_upgrades(SX_DB_SQLITE); }
Test(migrate_postgres, concurrent_upgrades) { concurrent_upgrades(SX_DB_POSTGRES); }

/* At head: all applied, none pending; at base: none applied. */
static void
assert_head(mctx *t, bool head)
{
	sx_migrate_opts o = opts(t, NULL);
	sx_migrate_status st;
	char err[1024] = "";

	cr_assert_eq(sx_migrate_status_get(t->c, &o, &st, err, sizeof(err)),
	    SX_DB_OK, "status: %s", err);
	cr_expect_gt(st.n, 0);
	cr_expect_eq(st.pending, head ? 0 : st.n, "%zu pending in %s", st.pending,
	    t->dir);
	cr_expect_eq(st.current != NULL, head);
	if (head)
		cr_expect_str_eq(st.current, st.items[st.n - 1].version);
	sx_migrate_status_free(&st);
}

/* One folder of migrations: up, down to base, up again. */
static void
folder_up_down_up(sx_db_dialect d, const char *dir)
{
	mctx t;

	ctx_init(&t, d);
	snprintf(t.dir, sizeof(t.dir), "%s", dir);
	upgrade_ok(&t, NULL);
	assert_head(&t, true);
	downgrade_ok(&t, "base");
	assert_head(&t, false);
	upgrade_ok(&t, NULL);
	assert_head(&t, true);
	ctx_free(&t);
}

/*
 * Every example's migrations folder; a folder of folders (one per database,
 * as in multidb) is a folder each. Returns how many folders were run.
 */
static int
folders_up_down_up(sx_db_dialect d, const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	bool has_sql = false;
	int seen = 0;

	if (dh == NULL)
		return 0;
	while ((e = readdir(dh)) != NULL) {
		char sub[1024];
		struct stat sb;

		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(sub, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			seen += folders_up_down_up(d, sub);
		else if (strstr(e->d_name, ".sql") != NULL)
			has_sql = true;
	}
	closedir(dh);
	if (has_sql) {
		folder_up_down_up(d, dir);
		seen++;
	}
	return seen;
}

static void
examples_up_down_up(sx_db_dialect d)
{
	DIR *dh = opendir(SX_SRCDIR "/examples");
	struct dirent *e;
	int seen = 0;

	cr_assert_not_null(dh);
	while ((e = readdir(dh)) != NULL) {
		char dir[1024];

		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), SX_SRCDIR "/examples/%s/migrations", e->d_name);
		seen += folders_up_down_up(d, dir);
	}
	closedir(dh);
	if (seen == 0)
		cr_log_info("no example has a migrations folder yet");
}

Test(migrate_sqlite, examples) { examples_up_down_up(SX_DB_SQLITE); }
Test(migrate_postgres, examples) { examples_up_down_up(SX_DB_POSTGRES); }

Test(migrate_files, make_migration_numbering)
{
	char *tmp = sx_test_tmpdir(), dir[512], err[512] = "", *path = NULL, *text;
	char cmd[600];

	snprintf(dir, sizeof(dir), "%s/migrations", tmp);
	cr_assert_eq(sx_migrate_new_file(dir, "Create users!", &path, err,
	    sizeof(err)), SX_DB_OK, "%s", err);
	cr_expect(strstr(path, "/migrations/0001_create_users.sql") != NULL, "%s", path);
	text = sx_read_file(path, NULL);
	cr_expect_str_eq(text, "-- migrate:up\n\n-- migrate:down\n");
	free(text);
	free(path);
	write_file(dir, "0007_later.postgres.sql", "-- migrate:up\n");
	cr_assert_eq(sx_migrate_new_file(dir, "add index", &path, err, sizeof(err)),
	    SX_DB_OK, "%s", err);
	cr_expect(strstr(path, "/0008_add_index.sql") != NULL, "%s", path);
	free(path);
	cr_expect_neq(sx_migrate_new_file(dir, "--- ", &path, err, sizeof(err)),
	    SX_DB_OK);
	cr_expect(strstr(err, "-m") != NULL, "%s", err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	(void)system(cmd);
	free(tmp);
}

/* Bad folders are refused with the file named. */
Test(migrate_files, bad_files)
{
	static const struct { const char *name, *text, *want; } cases[] = {
		{ "create_users.sql", "-- migrate:up\n", "starts with its number" },
		{ "0001_x.mysql.sql", "-- migrate:up\n", "unexpected '.'" },
		{ "0001_x.sql", "CREATE TABLE t (x int);\n-- migrate:up\n", "SQL before" },
		{ "0001_x.sql", "CREATE TABLE t (x int);\n", "no \"-- migrate:up\"" },
		{ "0001_x.sql", "-- migrate:up\n-- migrate:down\n-- migrate:up\n", ":3: unexpected" },
	};

	for (size_t i = 0; i < SX_NELEM(cases); i++) {
		char *tmp = sx_test_tmpdir(), err[1024] = "", cmd[600];
		sx_migrate_opts o = { .dir = tmp };
		sx_mig_plan plan;

		write_file(tmp, cases[i].name, cases[i].text);
		cr_expect_neq(sx_mig_plan_load(&plan, &o, SX_DB_SQLITE, err,
		    sizeof(err)), SX_DB_OK, "case %zu", i);
		cr_expect(strstr(err, cases[i].name) != NULL, "names %s: %s",
		    cases[i].name, err);
		cr_expect(strstr(err, cases[i].want) != NULL, "case %zu: %s", i, err);
		sx_mig_plan_free(&plan);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		(void)system(cmd);
		free(tmp);
	}
	{
		char *tmp = sx_test_tmpdir(), err[1024] = "", cmd[600];
		sx_migrate_opts o = { .dir = tmp };
		sx_mig_plan plan;

		write_file(tmp, "0001_a.sql", "-- migrate:up\n");
		write_file(tmp, "1_b.sql", "-- migrate:up\n");
		cr_expect_neq(sx_mig_plan_load(&plan, &o, SX_DB_SQLITE, err,
		    sizeof(err)), SX_DB_OK);
		cr_expect(strstr(err, "version 0001 is in two files") != NULL, "%s", err);
		sx_mig_plan_free(&plan);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		(void)system(cmd);
		free(tmp);
	}
}

/* Extension folders come first, versioned ext_NAME_NNNN. */
Test(migrate_files, extensions)
{
	char *tmp = sx_test_tmpdir(), ext[600], err[1024] = "", cmd[600];
	sx_migrate_ext exts[] = { { .name = "sessions", .dir = ext } };
	sx_migrate_opts o = { .dir = tmp, .exts = exts, .n_exts = 1 };
	sx_mig_plan plan;

	snprintf(ext, sizeof(ext), "%s/ext", tmp);
	cr_assert_eq(mkdir(ext, 0777), 0);
	write_file(tmp, "0001_app.sql", "-- migrate:up\nSELECT 1;\n");
	write_file(ext, "0001_sessions.sql", "-- migrate:up\nSELECT 2;\n");
	cr_assert_eq(sx_mig_plan_load(&plan, &o, SX_DB_POSTGRES, err, sizeof(err)),
	    SX_DB_OK, "%s", err);
	cr_assert_eq(plan.n, 2);
	cr_expect_str_eq(plan.m[0].version, "ext_sessions_0001");
	cr_expect_str_eq(plan.m[1].version, "0001");
	cr_expect_eq(strlen(plan.m[0].checksum), 64);
	sx_mig_plan_free(&plan);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	(void)system(cmd);
	free(tmp);
}

/* Splits and checks each statement's text and line. */
static void
expect_split(sx_db_dialect d, const char *sql, size_t n, const char *const *want,
    const unsigned *lines)
{
	sx_arena *a = sx_arena_new(1024);
	sx_sql_stmt *st;
	size_t got;

	cr_assert_eq(sx_sql_split(a, sql, d, 1, &st, &got), 0);
	cr_assert_eq(got, n, "%zu statements in \"%s\", expected %zu", got, sql, n);
	for (size_t i = 0; i < n; i++) {
		cr_expect_str_eq(st[i].sql, want[i]);
		if (lines != NULL)
			cr_expect_eq(st[i].line, lines[i], "statement %zu at line %u",
			    i, st[i].line);
	}
	sx_arena_free(a);
}

Test(migrate_split, quotes_and_comments)
{
	const char *want[] = {
		"SELECT 'a;b', \"c;d\"", "SELECT 1 /* x; */ + 2", "SELECT 3",
	};
	const unsigned lines[] = { 2, 3, 5 };

	expect_split(SX_DB_SQLITE,
	    "-- lead; comment\nSELECT 'a;b', \"c;d\";\nSELECT 1 /* x; */ + 2;\n"
	    "-- only a comment;\n  SELECT 3  ;  -- tail\n;\n", 3, want, lines);
}

Test(migrate_split, postgres_bodies)
{
	const char *want[] = {
		"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
		"CREATE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
		"SELECT E'it\\'s;'",
		"CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
		"SELECT $1",
		"SELECT 4",
	};

	expect_split(SX_DB_POSTGRES,
	    "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
	    "CREATE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\n"
	    "SELECT E'it\\'s;';\n"
	    "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
	    "SELECT CASE WHEN true THEN 2 END; END;\n"
	    "SELECT $1;\n"
	    "/* outer /* inner; */ still; */ SELECT 4;\n", 6, want, NULL);
}

Test(migrate_split, sqlite_triggers)
{
	const char *want[] = {
		"CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO y VALUES (1); "
		"UPDATE y SET v = CASE WHEN v THEN 1 END; END",
		"SELECT [a;b], `c;d`",
		"BEGIN",
	};

	expect_split(SX_DB_SQLITE,
	    "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO y VALUES (1); "
	    "UPDATE y SET v = CASE WHEN v THEN 1 END; END;\n"
	    "SELECT [a;b], `c;d`;\nBEGIN;", 3, want, NULL);
}
