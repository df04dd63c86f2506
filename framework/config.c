/*
 * config.c: the options every command shares, and the JSON config file.
 * The same settings come from code (sx_app), the command line and the
 * file, so one binary runs on SQLite in development and PostgreSQL in
 * production. The command line wins over the file.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits "KEY=VALUE" for --database and --commit-mode. */
static int
add_override(sx_override *list, size_t *n, const char *opt, const char *arg)
{
	const char *eq = arg != NULL ? strchr(arg, '=') : NULL;

	if (eq == NULL || eq == arg || eq[1] == '\0') {
		fprintf(stderr, "%s: expected KEY=VALUE, got \"%s\" "
		    "(e.g. %s db_session=%s)\n", opt, arg ? arg : "",
		    opt, strcmp(opt, "--database") == 0 ?
		    "sqlite:app.db" : "autocommit");
		return -1;
	}
	if (*n == SX_MAX_OVERRIDES) {
		fprintf(stderr, "%s: at most %d given\n", opt, SX_MAX_OVERRIDES);
		return -1;
	}
	list[*n].key = strndup(arg, (size_t)(eq - arg));
	list[*n].value = eq + 1;
	(*n)++;
	return 0;
}

static int
parse_size(const char *opt, const char *arg, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = arg ? strtoull(arg, &end, 10) : 0;
	if (arg == NULL || errno != 0 || end == arg || v == 0) {
		fprintf(stderr, "%s: expected a positive number of bytes, got \"%s\"\n",
		    opt, arg ? arg : "");
		return -1;
	}
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (*end != '\0') {
		fprintf(stderr, "%s: \"%s\" is not a size (use bytes, or a K or M suffix)\n",
		    opt, arg);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static int
load_config_file(sx_config *cfg, const char *path)
{
	char *text = sx_read_file(path, NULL);
	const cJSON *v;

	if (text == NULL) {
		fprintf(stderr, "--config %s: cannot read the file (%s)\n", path,
		    strerror(errno));
		return -1;
	}
	cJSON_Delete(cfg->config_json);
	cfg->config_json = cJSON_Parse(text);
	free(text);
	if (cfg->config_json == NULL || !cJSON_IsObject(cfg->config_json)) {
		fprintf(stderr, "--config %s: not a JSON object (check the syntax "
		    "near: %.20s)\n", path, cJSON_GetErrorPtr() ?
		    cJSON_GetErrorPtr() : "start");
		return -1;
	}
	cfg->config_file = path;
	if ((v = cJSON_GetObjectItem(cfg->config_json, "max_body")) && cJSON_IsNumber(v) && !cfg->max_body)
		cfg->max_body = (size_t)v->valuedouble;
	if ((v = cJSON_GetObjectItem(cfg->config_json, "templates")) && cJSON_IsString(v) && !cfg->templates_dir)
		cfg->templates_dir = v->valuestring;
	if ((v = cJSON_GetObjectItem(cfg->config_json, "log_file")) && cJSON_IsString(v) && !cfg->log_file)
		cfg->log_file = v->valuestring;
	if ((v = cJSON_GetObjectItem(cfg->config_json, "listen")) && cJSON_IsString(v) && !cfg->listen)
		cfg->listen = v->valuestring;
	if ((v = cJSON_GetObjectItem(cfg->config_json, "threads")) && cJSON_IsNumber(v) && !cfg->threads)
		cfg->threads = v->valueint;
	if ((v = cJSON_GetObjectItem(cfg->config_json, "workers")) && cJSON_IsNumber(v) && !cfg->workers)
		cfg->workers = v->valueint;
	return 0;
}

/* --trace-sql, --slow-query-ms MS (0 turns the slow-query log off),
 * --log-format text|json: same contract as sx_config_common_option. */
static int
observe_option(sx_config *cfg, const char *opt, const char *arg)
{
	char *end;

	if (strcmp(opt, "--trace-sql") == 0) {
		cfg->trace_sql = true;
		return 1;
	}
	if (strcmp(opt, "--slow-query-ms") == 0) {
		long v = arg != NULL ? strtol(arg, &end, 10) : -1;

		if (arg == NULL || *arg == '\0' || *end != '\0' || v < 0) {
			fprintf(stderr, "--slow-query-ms: expected milliseconds "
			    "(0 turns the slow-query log off), got \"%s\"\n",
			    arg ? arg : "");
			return -1;
		}
		cfg->slow_query_ms = v == 0 ? -1 : v;
		return 2;
	}
	if (strcmp(opt, "--log-format") == 0) {
		if (arg == NULL || (strcmp(arg, "json") != 0 &&
		    strcmp(arg, "text") != 0)) {
			fprintf(stderr, "--log-format: expected text or json, got "
			    "\"%s\"\n", arg ? arg : "");
			return -1;
		}
		cfg->log_json = arg[0] == 'j';
		return 2;
	}
	return 0;
}

/*
 * Takes one shared option at argv[i]. Returns how many arguments it used
 * (1 or 2), 0 when argv[i] is not a shared option, or -1 after printing a
 * one-line error.
 */
int
sx_config_common_option(sx_config *cfg, int argc, char **argv, int i)
{
	const char *opt = argv[i];
	const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

	if (strcmp(opt, "--database") == 0)
		return add_override(cfg->db_urls, &cfg->n_db_urls, opt, arg) < 0 ? -1 : 2;
	if (strcmp(opt, "--commit-mode") == 0)
		return add_override(cfg->commit_modes, &cfg->n_commit_modes, opt,
		    arg) < 0 ? -1 : 2;
	if (strcmp(opt, "--config") == 0) {
		if (arg == NULL) {
			fprintf(stderr, "--config: expected a file name\n");
			return -1;
		}
		return load_config_file(cfg, arg) < 0 ? -1 : 2;
	}
	if (strcmp(opt, "--templates") == 0 || strcmp(opt, "--log") == 0) {
		if (arg == NULL) {
			fprintf(stderr, "%s: expected a path\n", opt);
			return -1;
		}
		if (opt[2] == 't')
			cfg->templates_dir = arg;
		else
			cfg->log_file = arg;
		return 2;
	}
	if (strcmp(opt, "--migrate") == 0) {
		cfg->auto_migrate = true;
		return 1;
	}
	if (strcmp(opt, "--max-body") == 0)
		return parse_size(opt, arg, &cfg->max_body) < 0 ? -1 : 2;
	return observe_option(cfg, opt, arg);
}

void
sx_config_free(sx_config *cfg)
{
	for (size_t i = 0; i < cfg->n_db_urls; i++)
		free((char *)cfg->db_urls[i].key);
	for (size_t i = 0; i < cfg->n_commit_modes; i++)
		free((char *)cfg->commit_modes[i].key);
	cJSON_Delete(cfg->config_json);
	memset(cfg, 0, sizeof(*cfg));
}
