/*
 * test_dbconfig.c: the database settings checks that need no database: merging the
 * databases' settings from code, config file and command line, every
 * start-up refusal with its message, the commit decision table, and the
 * request id rules.
 */
/* testutil.h calls cr_fail in the form of Criterion's new assertion API. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "../testutil.h"

#include "dbset.h"
#include "options.h"

static int
noop(sx_req *req, sx_res *res)
{
	(void)req;
	return sx_text(res, 200, "ok");
}

static char err[1024];

/* Configures app with command-line options (NULL-terminated). */
static struct sx_dbset *
configure(const sx_app *app, const char *const *options)
{
	sx_config cfg = {0};
	struct sx_dbset *dbs;
	char *argv[32] = { "test" };
	int argc = 1;

	while (options != NULL && options[argc - 1] != NULL) {
		cr_assert_lt(argc, 31);
		argv[argc] = (char *)options[argc - 1];
		argc++;
	}
	cr_assert_eq(sx_options_parse(&cfg, SX_CMD_TEST, argc, argv, err,
	    sizeof(err)), SX_OPTS_OK, "options refused: %s", err);
	err[0] = '\0';
	dbs = sx_dbset_configure(app, &cfg, err, sizeof(err));
	sx_config_free(&cfg);
	return dbs;
}

static void
dbset_free(struct sx_dbset *dbs)
{
	sx_arena_free(dbs->arena);
	free(dbs);
}

/* Writes text to a fresh file and returns its path (caller frees). */
static char *
write_config(const char *text)
{
	char *dir = sx_test_tmpdir(), *path;
	FILE *f;

	cr_assert(asprintf(&path, "%s/config.json", dir) > 0);
	free(dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static const sx_database one_db[] = {{ .url = "sqlite:x.db" }};

Test(dbconfig, defaults)
{
	const sx_route routes[] = {
		{ SX_GET, "/", noop, SX_DEPS("db_session", "db_connection", "db_pool"), NULL, NULL },
	};
	const sx_app app = { .name = "t", SX_ROUTE_TABLE(routes),
	    SX_DATABASE_TABLE(one_db) };
	struct sx_dbset *dbs = configure(&app, NULL);

	cr_assert_not_null(dbs, "%s", err);
	cr_assert_str_eq(dbs->conf[0].keys[SX_DBKEY_SESSION], "db_session");
	cr_assert_str_eq(dbs->conf[0].keys[SX_DBKEY_CONNECTION], "db_connection");
	cr_assert_str_eq(dbs->conf[0].keys[SX_DBKEY_POOL], "db_pool");
	cr_assert_eq(dbs->conf[0].mode, SX_COMMIT_MANUAL);
	cr_assert_str_eq(dbs->conf[0].migrations_dir, "migrations");
	cr_assert_str_eq(dbs->conf[0].url, "sqlite:x.db");
	dbset_free(dbs);
}

Test(dbconfig, route_with_unknown_key_is_refused)
{
	const sx_route routes[] = {
		{ SX_GET, "/", noop, SX_DEPS("db_session"), NULL, NULL },
		{ SX_GET, "/report", noop, SX_DEPS("analytics_session"), NULL, NULL },
	};
	const sx_app app = { .name = "t", SX_ROUTE_TABLE(routes),
	    SX_DATABASE_TABLE(one_db) };

	cr_assert_null(configure(&app, NULL));
	cr_assert_str_eq(err, "route GET /report: dependency \"analytics_session\" "
	    "is not provided by any database (known: db_session, db_connection, "
	    "db_pool)");
}

Test(dbconfig, shared_session_key_is_refused)
{
	const sx_database dbs[] = {
		{ .url = "sqlite:a.db" },
		{ .url = "sqlite:b.db", .connection_key = "b_conn", .pool_key = "b_pool" },
	};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };

	cr_assert_null(configure(&app, NULL));
	cr_assert_str_eq(err, "key \"db_session\" is used twice: as the session key "
	    "of database #1 and the session key of database #2 (give each database "
	    "its own session_key, connection_key and pool_key)");
}

Test(dbconfig, key_shared_across_kinds_is_refused)
{
	const sx_database dbs[] = {
		{ .url = "sqlite:a.db", .session_key = "a", .connection_key = "a_c",
		  .pool_key = "shared" },
		{ .url = "sqlite:b.db", .session_key = "b", .connection_key = "shared",
		  .pool_key = "b_p" },
	};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };

	cr_assert_null(configure(&app, NULL));
	cr_assert_str_eq(err, "key \"shared\" is used twice: as the pool key of "
	    "database #1 and the connection key of database #2 (give each database "
	    "its own session_key, connection_key and pool_key)");
}

Test(dbconfig, key_shared_within_one_database_is_refused)
{
	const sx_database dbs[] = {
		{ .url = "sqlite:a.db", .session_key = "a", .connection_key = "a" },
	};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };

	cr_assert_null(configure(&app, NULL));
	cr_assert(strstr(err, "key \"a\" is used twice: as the session key of "
	    "database #1 and the connection key of database #1") != NULL, "%s", err);
}

Test(dbconfig, status_in_both_lists_is_refused)
{
	const sx_database dbs[] = {
		{ .url = "sqlite:a.db", .commit_mode = SX_COMMIT_AUTO,
		  .extra_commit_statuses = (const int[]){ 418, 409, 0 },
		  .extra_rollback_statuses = (const int[]){ 201, 409, 0 } },
	};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };

	cr_assert_null(configure(&app, NULL));
	cr_assert_str_eq(err, "database \"db_session\": status 409 is in both "
	    "extra_commit_statuses and extra_rollback_statuses (keep it in one)");
}

Test(dbconfig, status_that_is_not_http_is_refused)
{
	const sx_database dbs[] = {
		{ .url = "sqlite:a.db", .extra_commit_statuses = (const int[]){ 42, 0 } },
	};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };

	cr_assert_null(configure(&app, NULL));
	cr_assert_str_eq(err, "database \"db_session\": 42 in extra_commit_statuses "
	    "is not an HTTP status (100-599)");
}

Test(dbconfig, unknown_commit_mode_is_refused)
{
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(one_db) };

	cr_assert_null(configure(&app, (const char *const[]){ "--commit-mode",
	    "db_connection=autocomit", NULL }));
	cr_assert_str_eq(err, "database \"db_session\": unknown commit mode "
	    "\"autocomit\" in --commit-mode (valid: manual, autocommit, "
	    "autocommit_include_redirect)");
}

Test(dbconfig, override_of_unknown_key_is_refused)
{
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(one_db) };

	cr_assert_null(configure(&app, (const char *const[]){ "--database",
	    "analytics=sqlite:y.db", NULL }));
	cr_assert_str_eq(err, "--database analytics=sqlite:y.db: no database has "
	    "the key \"analytics\" (known: db_session, db_connection, db_pool)");
}

Test(dbconfig, database_without_url_is_refused)
{
	const sx_database dbs[] = {{ .session_key = "main" ,
	    .connection_key = "main_conn", .pool_key = "main_pool" }};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };

	cr_assert_null(configure(&app, NULL));
	cr_assert_str_eq(err, "database \"main\": no URL (set .url in the code, "
	    "\"url\" in the config file, or use --database main=URL)");
}

Test(dbconfig, command_line_wins_over_file_and_file_over_code)
{
	const sx_database dbs[] = {
		{ .url = "sqlite:code.db", .commit_mode = SX_COMMIT_AUTO,
		  .extra_commit_statuses = (const int[]){ 418, 0 }, .pool_size = 3 },
	};
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(dbs) };
	char *path = write_config("{\"databases\": {\"db_pool\": {"
	    "\"url\": \"sqlite:file.db\", \"commit_mode\": \"manual\", "
	    "\"pool_size\": 5, \"extra_rollback_statuses\": [201, 202], "
	    "\"migrations_dir\": \"/m\", \"busy_timeout_ms\": 100}}}");
	struct sx_dbset *d;

	/* file over code */
	d = configure(&app, (const char *const[]){ "--config", path, NULL });
	cr_assert_not_null(d, "%s", err);
	cr_assert_str_eq(d->conf[0].url, "sqlite:file.db");
	cr_assert_eq(d->conf[0].mode, SX_COMMIT_MANUAL);
	cr_assert_eq(d->conf[0].pool_size, 5);
	cr_assert_eq(d->conf[0].busy_timeout_ms, 100);
	cr_assert_str_eq(d->conf[0].migrations_dir, "/m");
	cr_assert_eq(d->conf[0].n_commit_extra, 1, "code's list kept");
	cr_assert_eq(d->conf[0].n_rollback_extra, 2);
	cr_assert_eq(d->conf[0].rollback_extra[1], 202);
	dbset_free(d);
	/* command line over file */
	d = configure(&app, (const char *const[]){ "--config", path,
	    "--database", "db_session=sqlite:cli.db",
	    "--commit-mode", "db_connection=autocommit_include_redirect", NULL });
	cr_assert_not_null(d, "%s", err);
	cr_assert_str_eq(d->conf[0].url, "sqlite:cli.db");
	cr_assert_eq(d->conf[0].mode, SX_COMMIT_AUTO_REDIRECT);
	dbset_free(d);
	free(path);
}

Test(dbconfig, config_file_mistakes_are_refused)
{
	const sx_app app = { .name = "t", SX_DATABASE_TABLE(one_db) };
	static const struct { const char *json, *msg; } cases[] = {
		{ "{\"databases\": {\"db_session\": {\"pool_sise\": 4}}}",
		  "config file: databases.db_session has no setting \"pool_sise\" "
		  "(known: url, commit_mode, pool_size, stmt_cache_size, "
		  "extra_commit_statuses, extra_rollback_statuses, migrations_dir, "
		  "busy_timeout_ms, acquire_timeout_ms, statement_timeout_ms, "
		  "lock_timeout_ms)" },
		{ "{\"databases\": {\"other\": {\"url\": \"sqlite:o.db\"}}}",
		  "config file: databases.other: no database has the key \"other\" "
		  "(known: db_session, db_connection, db_pool)" },
		{ "{\"databases\": {\"db_session\": {\"commit_mode\": \"auto\"}}}",
		  "database \"db_session\": unknown commit mode \"auto\" in the config "
		  "file (valid: manual, autocommit, autocommit_include_redirect)" },
		{ "{\"databases\": {\"db_session\": {\"extra_commit_statuses\": 418}}}",
		  "config file: databases.db_session.extra_commit_statuses must be an "
		  "array of HTTP status codes, e.g. [418]" },
		{ "{\"databases\": {\"db_session\": {\"pool_size\": 0}}}",
		  "config file: databases.db_session.pool_size must be an integer of "
		  "at least 1" },
		{ "{\"databases\": {\"db_session\": {\"extra_commit_statuses\": [409],"
		  " \"extra_rollback_statuses\": [409]}}}",
		  "database \"db_session\": status 409 is in both extra_commit_statuses "
		  "and extra_rollback_statuses (keep it in one)" },
	};

	for (size_t i = 0; i < SX_NELEM(cases); i++) {
		char *path = write_config(cases[i].json);

		cr_assert_null(configure(&app, (const char *const[]){ "--config",
		    path, NULL }), "case %zu accepted", i);
		cr_assert_str_eq(err, cases[i].msg, "case %zu", i);
		free(path);
	}
}

/* ---- the commit decision -------------------------------------------------- */

Test(tx_decide, mode_by_status_matrix)
{
	static const int statuses[] = { 200, 201, 204, 301, 302, 400, 404, 418, 500, 503 };
	/* expected commit per mode, in the order of statuses; 418 is an extra
	 * commit status */
	static const bool expect[SX_COMMIT__MAX][SX_NELEM(statuses)] = {
		[SX_COMMIT_MANUAL] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		[SX_COMMIT_AUTO] = { 1, 1, 1, 0, 0, 0, 0, 1, 0, 0 },
		[SX_COMMIT_AUTO_REDIRECT] = { 1, 1, 1, 1, 1, 0, 0, 1, 0, 0 },
	};
	int extra[] = { 418 };

	for (int m = 0; m < SX_COMMIT__MAX; m++)
		for (size_t s = 0; s < SX_NELEM(statuses); s++) {
			sx_dbconf db = { .mode = (sx_commit_mode)m,
			    .commit_extra = extra, .n_commit_extra = 1 };
			sx_tx_action a = sx_tx_decide(&db, statuses[s], false);

			cr_assert_eq(a == SX_TX_COMMIT, expect[m][s], "%s %d: %s",
			    sx_commit_modes[m], statuses[s], sx_tx_actions[a]);
			cr_assert_eq(sx_tx_decide(&db, statuses[s], true),
			    SX_TX_ROLLBACK, "a failed handler rolls back");
		}
}

Test(tx_decide, rollback_extras_win_and_418_without_extra_rolls_back)
{
	int rb[] = { 201, 302 };
	sx_dbconf db = { .mode = SX_COMMIT_AUTO_REDIRECT, .rollback_extra = rb,
	    .n_rollback_extra = 2 };

	cr_assert_eq(sx_tx_decide(&db, 201, false), SX_TX_ROLLBACK);
	cr_assert_eq(sx_tx_decide(&db, 302, false), SX_TX_ROLLBACK);
	cr_assert_eq(sx_tx_decide(&db, 200, false), SX_TX_COMMIT);
	cr_assert_eq(sx_tx_decide(&db, 418, false), SX_TX_ROLLBACK);
	cr_assert_eq(sx_tx_decide(&db, 199, false), SX_TX_ROLLBACK);
}

/* ---- request ids ---------------------------------------------------------- */

Test(request_id, kept_trimmed_cut_or_dropped)
{
	char out[SX_REQUEST_ID_MAX + 1], long_id[300];

	cr_assert(sx_request_id_clean("abc", out));
	cr_assert_str_eq(out, "abc");
	cr_assert(sx_request_id_clean(" \tabc-1_2.3 \t", out));
	cr_assert_str_eq(out, "abc-1_2.3");
	cr_assert(sx_request_id_clean("00-4bf92f3577b34da6a3ce929d0e0e4736-"
	    "00f067aa0ba902b7-01", out), "traceparent form");
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	cr_assert(sx_request_id_clean(long_id, out));
	cr_assert_eq(strlen(out), SX_REQUEST_ID_MAX);
	cr_assert_not(sx_request_id_clean(NULL, out));
	cr_assert_not(sx_request_id_clean("", out));
	cr_assert_not(sx_request_id_clean("  \t ", out));
	cr_assert_not(sx_request_id_clean("a b", out), "blank inside");
	cr_assert_not(sx_request_id_clean("ab\x01", out), "control character");
	cr_assert_not(sx_request_id_clean("ab\r\nX-Evil: 1", out), "CR/LF");
	cr_assert_not(sx_request_id_clean("caf\xc3\xa9", out), "not ASCII");
}

/* ---- the config file's top level ------------------------------------------- */

/* Reads "--config FILE" with options as the test client would; returns
 * what the parser said, with its message in err. */
static sx_opts_rc
parse_config(const char *json, sx_config *cfg, char **path)
{
	char *argv[] = { "test", "--config", NULL, NULL };

	*path = write_config(json);
	argv[2] = *path;
	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	return sx_options_parse(cfg, SX_CMD_SERVE, 3, argv, err, sizeof(err));
}

Test(config_file, top_level_mistakes_are_refused)
{
	static const struct { const char *json, *msg; } cases[] = {
		{ "{\"databses\": {}}",
		  "unknown setting \"databses\" (known: databases, log_file, "
		  "templates, max_body, migrate, trace_sql, slow_query_ms, "
		  "log_format, db_wait, debug, no_metrics, listen, workers, threads, "
		  "socket_mode, socket_owner, max_requests, read_timeout, "
		  "write_timeout, shutdown_timeout)" },
		{ "{\"workers\": \"4\"}",
		  "\"workers\" must be a number (1 to 256), not a string: write it "
		  "as a plain number, without quotes" },
		{ "{\"workers\": 0}", "\"workers\" takes 1 to 256, got 0" },
		{ "{\"threads\": 2.5}", "\"threads\" takes 1 to 1024, got 2.5" },
		{ "{\"listen\": 9000}",
		  "\"listen\" must be a string (a unix socket path, HOST:PORT or "
		  ":PORT), not a number: write it in double quotes" },
		{ "{\"migrate\": \"yes\"}",
		  "\"migrate\" must be true or false" },
		{ "{\"max_body\": \"lots\"}",
		  "\"max_body\" takes a positive number of bytes (K and M "
		  "suffixes), got lots" },
	};

	for (size_t i = 0; i < SX_NELEM(cases); i++) {
		sx_config cfg;
		char *path, *want;

		cr_assert_eq(parse_config(cases[i].json, &cfg, &path),
		    SX_OPTS_ERROR, "case %zu accepted", i);
		cr_assert(asprintf(&want, "serve: --config %s: %s", path,
		    cases[i].msg) > 0);
		cr_assert(strncmp(err, want, strlen(want)) == 0,
		    "case %zu: got \"%s\", want \"%s\"", i, err, want);
		free(want);
		free(path);
		sx_config_free(&cfg);
	}
}

Test(config_file, top_level_settings_yield_to_the_command_line)
{
	sx_config cfg;
	char *path;

	/* --workers before --config: the file comes after, yet yields */
	char *argv[] = { "test", "--workers", "7", "--config", NULL, NULL };

	path = write_config("{\"workers\": 3, \"threads\": 2, "
	    "\"max_body\": \"2K\", \"read_timeout\": \"500ms\", "
	    "\"migrate\": true, \"listen\": \"/tmp/s.sock\"}");
	argv[4] = path;
	memset(&cfg, 0, sizeof(cfg));
	cr_assert_eq(sx_options_parse(&cfg, SX_CMD_SERVE, 5, argv, err,
	    sizeof(err)), SX_OPTS_OK, "%s", err);
	cr_assert_eq(cfg.workers, 7, "the command line wins");
	cr_assert_eq(cfg.threads, 2);
	cr_assert_eq(cfg.max_body, 2048);
	cr_assert_eq(cfg.read_timeout_ms, 500);
	cr_assert(cfg.auto_migrate);
	cr_assert_str_eq(cfg.listen, "/tmp/s.sock");
	free(path);
	sx_config_free(&cfg);
}
