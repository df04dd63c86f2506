/*
 * options.c: every option of every command, in one table, and how a value
 * is checked and stored (config.c parses the command line and the config
 * file through these rows). A row gives the option's name, alias, kind of
 * value and range, where the value goes in sx_config, its --help line, the
 * commands that take it and its key in the --config file (config.c reads
 * the file through the same rows). A new option is one new row: parsing,
 * the range check, the error message, --help and the config file follow.
 */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sx_cmds[SX_CMD__MAX] = {
	[SX_CMD_SERVE] = "serve",
	[SX_CMD_REQUEST] = "request",
	[SX_CMD_RENDER] = "render",
	[SX_CMD_DB] = "db",
	[SX_CMD_TEST] = "test client",
	[SX_CMD_SESSIONS] = "sessions",
};

#define CFG(field) offsetof(sx_config, field)
#define ARGS(field) (offsetof(sx_config, args) + offsetof(sx_cmd_args, field))

static int set_database(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static int set_commit_mode(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static int set_config_file(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static int set_slow_query_ms(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static int set_log_format(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static int set_db_wait(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static int set_header(sx_config *cfg, const char *value, char *err,
    size_t errlen);
static bool socket_mode_ok(const char *value);
static bool socket_owner_ok(const char *value);

#define DB SX_FOR(SX_CMD_DB)
#define SERVE SX_FOR(SX_CMD_SERVE)
#define REQUEST SX_FOR(SX_CMD_REQUEST)

const sx_option sx_options[] = {
	/* every command */
	{ .name = "--database", .kind = SX_OPT_CALL, .arg = "KEY=URL",
	  .set = set_database, .commands = SX_FOR_ALL,
	  .takes = "KEY=URL (e.g. db_session=sqlite:app.db)",
	  .help = "database URL for a key (sqlite:FILE, postgresql://...)" },
	{ .name = "--commit-mode", .kind = SX_OPT_CALL, .arg = "KEY=MODE",
	  .set = set_commit_mode, .commands = SX_FOR_ALL,
	  .takes = "KEY=MODE (e.g. db_session=autocommit)",
	  .help = "manual, autocommit or autocommit_include_redirect" },
	{ .name = "--config", .kind = SX_OPT_CALL, .arg = "FILE",
	  .set = set_config_file, .commands = SX_FOR_ALL,
	  .takes = "a JSON file",
	  .help = "JSON file with the same settings (see sextant-app(1))" },
	{ .name = "--log", .kind = SX_OPT_STRING, .arg = "FILE",
	  .offset = CFG(log_file), .file_key = "log_file",
	  .commands = SX_FOR_ALL, .takes = "a file name",
	  .help = "log to FILE instead of stderr" },
	{ .name = "--templates", .kind = SX_OPT_STRING, .arg = "DIR",
	  .offset = CFG(templates_dir), .file_key = "templates",
	  .commands = SX_FOR_RUN | SX_FOR(SX_CMD_RENDER),
	  .takes = "a folder",
	  .help = "templates folder (default: the app's, else \""
	      SX_DEFAULT_TEMPLATES_DIR "\")" },
	{ .name = "--max-body", .kind = SX_OPT_SIZE, .arg = "BYTES",
	  .offset = CFG(max_body), .file_key = "max_body",
	  .commands = SX_FOR_RUN,
	  .takes = "a positive number of bytes (K and M suffixes)",
	  .help = "request body limit (K and M suffixes; default: the\n"
	      "app's, else " SX_DEFAULT_MAX_BODY_TEXT ")" },
	{ .name = "--migrate", .kind = SX_OPT_FLAG, .offset = CFG(auto_migrate),
	  .file_key = "migrate", .commands = SX_FOR_RUN,
	  .help = "apply every database's pending migrations at start-up" },

	{ .name = "--trace-sql", .kind = SX_OPT_FLAG, .offset = CFG(trace_sql),
	  .file_key = "trace_sql", .commands = SX_FOR_RUN,
	  .help = "log every statement: request id, ms, rows, first line" },
	{ .name = "--slow-query-ms", .kind = SX_OPT_CALL, .arg = "MS",
	  .set = set_slow_query_ms, .file_key = "slow_query_ms",
	  .commands = SX_FOR_RUN,
	  .takes = "milliseconds (0 turns the slow-query log off)",
	  .help = "log statements slower than MS (default "
	      SX_STR(SX_DEFAULT_SLOW_QUERY_MS) "; 0 = off)" },
	{ .name = "--log-format", .kind = SX_OPT_CALL, .arg = "FORMAT",
	  .set = set_log_format, .file_key = "log_format",
	  .commands = SX_FOR_ALL, .takes = "text or json",
	  .help = "text (default) or json: one JSON object a line" },
	{ .name = "--db-wait", .kind = SX_OPT_CALL, .arg = "S",
	  .set = set_db_wait, .file_key = "db_wait", .commands = SX_FOR_RUN,
	  .takes = "seconds, 0 to " SX_STR(SX_MAX_DB_WAIT_S),
	  .help = "at start-up, retry a database server that refuses\n"
	      "or times out for S seconds (default "
	      SX_STR(SX_DEFAULT_DB_WAIT_S) "; 0 = try once)" },
	{ .name = "--debug", .kind = SX_OPT_FLAG, .offset = CFG(debug),
	  .file_key = "debug", .commands = SX_FOR_RUN,
	  .help = "show a 500's cause to the client (never in production)" },
	{ .name = "--no-metrics", .kind = SX_OPT_FLAG, .offset = CFG(metrics_off),
	  .file_key = "no_metrics", .commands = SX_FOR_RUN,
	  .help = "keep no request counters, even with /metrics mounted" },

	/* serve */
	{ .name = "--listen", .kind = SX_OPT_STRING, .arg = "ADDR",
	  .offset = CFG(listen), .file_key = "listen", .commands = SERVE,
	  .takes = "a unix socket path, HOST:PORT or :PORT",
	  .help = "unix socket path, HOST:PORT or :PORT; without it\n"
	      "the socket inherited from systemd (LISTEN_FDS) or\n"
	      "on fd 0 (spawn-fcgi, mod_fcgid)" },
	{ .name = "--workers", .kind = SX_OPT_INT, .arg = "N",
	  .min = 1, .max = SX_MAX_WORKERS, .offset = CFG(workers),
	  .file_key = "workers", .commands = SERVE,
	  .help = "worker processes (default " SX_STR(SX_DEFAULT_WORKERS) ")" },
	{ .name = "--threads", .kind = SX_OPT_INT, .arg = "M",
	  .min = 1, .max = SX_MAX_THREADS, .offset = CFG(threads),
	  .file_key = "threads", .commands = SERVE,
	  .help = "request threads per worker (default "
	      SX_STR(SX_DEFAULT_THREADS) ")" },
	{ .name = "--socket-mode", .kind = SX_OPT_STRING, .arg = "MODE",
	  .offset = CFG(socket_mode), .check = socket_mode_ok,
	  .file_key = "socket_mode", .commands = SERVE,
	  .takes = "an octal mode like 0660",
	  .help = "octal permissions of a unix socket, e.g. 0660" },
	{ .name = "--socket-owner", .kind = SX_OPT_STRING, .arg = "USER[:GROUP]",
	  .offset = CFG(socket_owner), .check = socket_owner_ok,
	  .file_key = "socket_owner", .commands = SERVE,
	  .takes = "USER or USER:GROUP",
	  .help = "owner of a unix socket" },
	{ .name = "--max-requests", .kind = SX_OPT_LONG, .arg = "N",
	  .min = 0, .max = SX_MAX_REQUESTS_LIMIT, .offset = CFG(max_requests),
	  .file_key = "max_requests", .commands = SERVE,
	  .takes = "a count (0 = no limit)",
	  .help = "recycle a worker after N requests (0 = never)" },
	{ .name = "--read-timeout", .kind = SX_OPT_MS, .arg = "T",
	  .min = 1, .max = SX_MAX_TIMEOUT_S * 1000L,
	  .offset = CFG(read_timeout_ms), .file_key = "read_timeout",
	  .commands = SERVE, .takes = "seconds (30, 30s) or 500ms",
	  .help = "drop a request not received whole in T\n(seconds, or with "
	      "ms: 500ms; default " SX_STR(SX_DEFAULT_READ_TIMEOUT_S) ")" },
	{ .name = "--write-timeout", .kind = SX_OPT_MS, .arg = "T",
	  .min = 1, .max = SX_MAX_TIMEOUT_S * 1000L,
	  .offset = CFG(write_timeout_ms), .file_key = "write_timeout",
	  .commands = SERVE, .takes = "seconds (30, 30s) or 500ms",
	  .help = "drop a connection whose peer reads none of the response\n"
	      "for T (default " SX_STR(SX_DEFAULT_WRITE_TIMEOUT_S) ")" },
	{ .name = "--shutdown-timeout", .kind = SX_OPT_INT, .arg = "S",
	  .min = 1, .max = SX_MAX_TIMEOUT_S, .offset = CFG(shutdown_timeout_s),
	  .file_key = "shutdown_timeout", .commands = SERVE,
	  .takes = "seconds, 1 to " SX_STR(SX_MAX_TIMEOUT_S),
	  .help = "seconds in-flight requests get on stop (default "
	      SX_STR(SX_DEFAULT_SHUTDOWN_TIMEOUT_S) ")" },

	/* request */
	{ .name = "--header", .alias = "-H", .kind = SX_OPT_CALL,
	  .arg = "'Name: value'", .set = set_header, .commands = REQUEST,
	  .takes = "'Name: value'", .help = "a request header (repeatable)" },
	{ .name = "--data", .alias = "-d", .kind = SX_OPT_STRING,
	  .arg = "BODY|@FILE", .offset = ARGS(data), .commands = REQUEST,
	  .takes = "a body, or @FILE to read one",
	  .help = "the request body, or @FILE to read it from FILE" },

	/* sessions */
	{ .name = "--verbose", .alias = "-v", .kind = SX_OPT_FLAG,
	  .offset = ARGS(verbose), .commands = SX_FOR(SX_CMD_SESSIONS),
	  .help = "delete-expired: also print the counts before" },

	/* db */
	{ .name = "--key", .kind = SX_OPT_STRING, .arg = "KEY",
	  .offset = ARGS(key), .commands = DB | SX_FOR(SX_CMD_SESSIONS),
	  .takes = "a database's key",
	  .help = "the database with this key (default: every database,\n"
	      "in the order the app declares them)" },
	{ .name = "--dir", .kind = SX_OPT_STRING, .arg = "DIR",
	  .offset = ARGS(dir), .commands = DB, .takes = "a folder",
	  .help = "migrations folder (default: the database's\n"
	      "migrations_dir, else \"" SX_DEFAULT_MIGRATIONS_DIR "\")" },
	{ .name = "--dry-run", .kind = SX_OPT_FLAG, .offset = ARGS(dry_run),
	  .commands = DB,
	  .help = "upgrade/downgrade: print the SQL, change nothing" },
	{ .name = "--force", .kind = SX_OPT_FLAG, .offset = ARGS(force),
	  .commands = DB, .help = "go on although an applied file changed" },
	{ .name = "--message", .alias = "-m", .kind = SX_OPT_STRING,
	  .arg = "MSG", .offset = ARGS(message), .commands = DB,
	  .takes = "a description (e.g. -m \"create users\")",
	  .help = "make-migration: what the migration does" },
};

const size_t sx_n_options = SX_NELEM(sx_options);

/* ---- values --------------------------------------------------------------- */

/* Parses a whole decimal number in [min, max]. */
static bool
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "30", "30s" or "500ms" as milliseconds in [min, max]. */
static bool
parse_duration_ms(const char *s, long min, long max, long *ms)
{
	size_t len = strlen(s);
	char num[32];
	long scale = 1000, v;

	if (len > 2 && strcmp(s + len - 2, "ms") == 0) {
		scale = 1;
		len -= 2;
	} else if (len > 1 && s[len - 1] == 's') {
		len -= 1;
	}
	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	if (!parse_long(num, 0, max / scale, &v) || v * scale < min)
		return false;
	*ms = v * scale;
	return true;
}

/* A positive number of bytes with an optional K or M suffix. */
static bool
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v == 0 || v > (1ULL << 40))
		return false;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (*end != '\0')
		return false;
	*out = (size_t)v;
	return true;
}

bool
sx_socket_mode_parse(const char *s, mode_t *mode)
{
	char *end;
	long v;

	if (*s < '0' || *s > '7')
		return false;
	v = strtol(s, &end, 8);
	if (*end != '\0' || v > 0777)
		return false;
	*mode = (mode_t)v;
	return true;
}

static bool
socket_mode_ok(const char *value)
{
	mode_t mode;

	return sx_socket_mode_parse(value, &mode);
}

static bool
socket_owner_ok(const char *value)
{
	return *value != ':';
}

const char *
sx_option_takes(const sx_option *o, char *buf, size_t len)
{
	if (o->takes != NULL)
		return o->takes;
	snprintf(buf, len, "%ld to %ld", o->min, o->max);
	return buf;
}

/* Where o's value goes in cfg. */
static void *
field(sx_config *cfg, const sx_option *o)
{
	return (char *)cfg + o->offset;
}

/* Converts value by o's kind into its field; false when it does not fit. */
static bool
store(sx_config *cfg, const sx_option *o, const char *value)
{
	long v;

	switch (o->kind) {
	case SX_OPT_FLAG:
		*(bool *)field(cfg, o) = true;
		return true;
	case SX_OPT_STRING:
		if (*value == '\0' || (o->check != NULL && !o->check(value)))
			return false;
		*(const char **)field(cfg, o) = value;
		return true;
	case SX_OPT_INT:
	case SX_OPT_LONG:
		if (!parse_long(value, o->min, o->max, &v))
			return false;
		if (o->kind == SX_OPT_INT)
			*(int *)field(cfg, o) = (int)v;
		else
			*(long *)field(cfg, o) = v;
		return true;
	case SX_OPT_MS:
		if (!parse_duration_ms(value, o->min, o->max, &v))
			return false;
		*(int *)field(cfg, o) = (int)v;
		return true;
	case SX_OPT_SIZE:
		return parse_size(value, field(cfg, o));
	default:
		return false;
	}
}

int
sx_option_set(sx_config *cfg, const sx_option *o, const char *value,
    char *err, size_t errlen)
{
	char range[64];

	if (o->kind == SX_OPT_CALL)
		return o->set(cfg, value, err, errlen);
	if (store(cfg, o, value))
		return 0;
	snprintf(err, errlen, "%s takes %s, got \"%s\"", o->name,
	    sx_option_takes(o, range, sizeof(range)), value);
	return -1;
}

/* ---- the options that do more than store a value ---------------------------- */

/* Splits "KEY=VALUE" for --database and --commit-mode. */
static int
add_override(sx_override *list, size_t *n, const char *opt, const char *arg,
    const char *example, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0') {
		snprintf(err, errlen, "%s: expected KEY=VALUE, got \"%s\" (e.g. "
		    "%s db_session=%s)", opt, arg, opt, example);
		return -1;
	}
	if (*n == SX_MAX_OVERRIDES) {
		snprintf(err, errlen, "%s: at most %d given", opt,
		    SX_MAX_OVERRIDES);
		return -1;
	}
	if ((list[*n].key = strndup(arg, (size_t)(eq - arg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	list[*n].value = eq + 1;
	(*n)++;
	return 0;
}

static int
set_database(sx_config *cfg, const char *value, char *err, size_t errlen)
{
	return add_override(cfg->db_urls, &cfg->n_db_urls, "--database", value,
	    "sqlite:app.db", err, errlen);
}

static int
set_commit_mode(sx_config *cfg, const char *value, char *err, size_t errlen)
{
	return add_override(cfg->commit_modes, &cfg->n_commit_modes,
	    "--commit-mode", value, "autocommit", err, errlen);
}

/* --slow-query-ms: 0 turns the log off (-1 in sx_config, where 0 means
 * the default). */
static int
set_slow_query_ms(sx_config *cfg, const char *value, char *err,
    size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno != 0 || v < 0 ||
	    v > SX_MAX_TIMEOUT_S * 1000L) {
		snprintf(err, errlen, "--slow-query-ms: expected milliseconds "
		    "from 0 (off) to %ld, got \"%s\"", SX_MAX_TIMEOUT_S * 1000L,
		    value);
		return -1;
	}
	cfg->slow_query_ms = v == 0 ? -1 : v;
	return 0;
}

/* --db-wait: 0 means try once (-1 in sx_config, where 0 means the
 * default). */
static int
set_db_wait(sx_config *cfg, const char *value, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (*value < '0' || *value > '9' || *end != '\0' || errno != 0 ||
	    v > SX_MAX_DB_WAIT_S) {
		snprintf(err, errlen, "--db-wait: expected seconds from 0 (try "
		    "once) to %d, got \"%s\"", SX_MAX_DB_WAIT_S, value);
		return -1;
	}
	cfg->db_wait_s = v == 0 ? -1 : (int)v;
	return 0;
}

static int
set_log_format(sx_config *cfg, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "json") != 0 && strcmp(value, "text") != 0) {
		snprintf(err, errlen, "--log-format: expected text or json, got "
		    "\"%s\"", value);
		return -1;
	}
	cfg->log_json = value[0] == 'j';
	return 0;
}

/* Names the file; sx_options_parse reads it once the command line is read,
 * so that the command line wins whatever the order. */
static int
set_config_file(sx_config *cfg, const char *value, char *err, size_t errlen)
{
	if (cfg->config_file != NULL) {
		snprintf(err, errlen, "--config: given twice (%s and %s): keep "
		    "one file", cfg->config_file, value);
		return -1;
	}
	cfg->config_file = value;
	return 0;
}

static int
set_header(sx_config *cfg, const char *value, char *err, size_t errlen)
{
	sx_cmd_args *a = &cfg->args;
	const char **h;

	if (strchr(value, ':') == NULL || *value == ':') {
		snprintf(err, errlen, "-H expects 'Name: value', got \"%s\"",
		    value);
		return -1;
	}
	if ((h = realloc(a->headers, (a->n_headers + 2) * sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->headers = h;
	h[a->n_headers++] = value;
	h[a->n_headers] = NULL;
	return 0;
}
