/*
 * config.c: reading the settings: the command line (sx_options_parse) and
 * the JSON config file (--config FILE), both through the option table of
 * options.c. The same settings come
 * from code (sx_app), the file and the command line, so one binary runs on
 * SQLite in development and PostgreSQL in production; the command line
 * wins over the file. The file's top-level keys are the option table's
 * file keys (options.c) and "databases" (read by dbconfig.c): a key that
 * is neither, or a value of the wrong type, stops start-up with one line
 * naming the file, the key and the fix, as a typo on the command line does.
 */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The top-level key dbconfig.c reads; checked there, entry by entry. */
#define DATABASES_KEY "databases"
/* Settings that name a folder: relative in the file means relative to the
 * file's own folder, so a config file works from any working directory.
 * (Built-in defaults stay relative to the working directory.) */
#define TEMPLATES_KEY "templates"
#define MIGRATIONS_KEY "migrations_dir"

/* The option a file key sets, or NULL. */
static const sx_option *
file_option(const char *key)
{
	for (size_t i = 0; i < sx_n_options; i++)
		if (sx_options[i].file_key != NULL &&
		    strcmp(sx_options[i].file_key, key) == 0)
			return &sx_options[i];
	return NULL;
}

/* "databases, listen, workers, ..." */
static void
known_keys(char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", DATABASES_KEY);

	for (size_t i = 0; i < sx_n_options && n < len; i++)
		if (sx_options[i].file_key != NULL)
			n += (size_t)snprintf(buf + n, len - n, ", %s",
			    sx_options[i].file_key);
}

/* The JSON type o's file value must have. */
static const char *
wanted_type(const sx_option *o)
{
	switch (o->kind) {
	case SX_OPT_FLAG:
		return "true or false";
	case SX_OPT_INT:
	case SX_OPT_LONG:
		return "a number";
	case SX_OPT_SIZE:
	case SX_OPT_MS:
		return "a number or a string";
	default:
		return "a string";
	}
}

static const char *
json_type(const cJSON *v)
{
	return cJSON_IsString(v) ? "a string" : cJSON_IsNumber(v) ? "a number" :
	    cJSON_IsBool(v) ? "a boolean" : cJSON_IsNull(v) ? "null" :
	    cJSON_IsArray(v) ? "an array" : "an object";
}

/*
 * Spells a file value as the command line would give it, in buf, when its
 * JSON type fits o. NULL when it does not.
 */
static const char *
value_text(const sx_option *o, const cJSON *v, char *buf, size_t len)
{
	switch (o->kind) {
	case SX_OPT_FLAG:
		return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "true" : "") : NULL;
	case SX_OPT_SIZE:
	case SX_OPT_MS:
		if (cJSON_IsString(v))
			return v->valuestring;
		/* fall through */
	case SX_OPT_INT:
	case SX_OPT_LONG:
		if (!cJSON_IsNumber(v))
			return NULL;
		/* %.17g spells a whole number as digits only, and anything
		 * else so that the option's own check refuses it */
		snprintf(buf, len, "%.17g", v->valuedouble);
		return buf;
	default:
		return cJSON_IsString(v) ? v->valuestring : NULL;
	}
}

/* Applies one top-level setting of the file. */
static int
file_setting(sx_config *cfg, const cJSON *v, const bool *seen, char *err,
    size_t errlen)
{
	const sx_option *o = file_option(v->string);
	char known[512], num[32], range[64], why[256];
	const char *text;

	if (o == NULL) {
		known_keys(known, sizeof(known));
		snprintf(err, errlen, "--config %s: unknown setting \"%s\" "
		    "(known: %s)", cfg->config_file, v->string, known);
		return -1;
	}
	if ((text = value_text(o, v, num, sizeof(num))) == NULL) {
		snprintf(err, errlen, "--config %s: \"%s\" must be %s (%s), not "
		    "%s: write it %s", cfg->config_file, v->string,
		    wanted_type(o), sx_option_takes(o, range, sizeof(range)),
		    json_type(v), o->kind == SX_OPT_FLAG ? "as true or false" :
		    o->kind == SX_OPT_STRING ? "in double quotes" :
		    "as a plain number, without quotes");
		return -1;
	}
	if (seen[o - sx_options] || (o->kind == SX_OPT_FLAG && *text == '\0'))
		return 0;	/* the command line wins; false sets nothing */
	if (sx_option_set(cfg, o, text, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--config %s: \"%s\" takes %s, got %s",
		    cfg->config_file, v->string,
		    sx_option_takes(o, range, sizeof(range)), text);
		return -1;
	}
	return 0;
}

/* Makes the string v, a path relative to folder dir, relative to the
 * working directory instead: "dir/v". Absolute paths stay. Returns 0, or
 * -1 when out of memory. */
static int
rebase_path(cJSON *v, const char *dir)
{
	char *joined;
	int rc;

	if (!cJSON_IsString(v) || v->valuestring[0] == '/' ||
	    v->valuestring[0] == '\0' || strcmp(dir, ".") == 0)
		return 0;
	if (asprintf(&joined, "%s/%s", dir, v->valuestring) < 0)
		return -1;
	rc = cJSON_SetValuestring(v, joined) != NULL ? 0 : -1;
	free(joined);
	return rc;
}

/* Rebases the file's folder settings (TEMPLATES_KEY, and MIGRATIONS_KEY
 * of every database) on the file's folder. */
static int
rebase_file_paths(sx_config *cfg, char *err, size_t errlen)
{
	char *copy = strdup(cfg->config_file);
	const char *slash = copy != NULL ? strrchr(copy, '/') : NULL;
	const char *dir = slash == NULL ? "." : slash == copy ? "/" : copy;
	cJSON *dbs = cJSON_GetObjectItemCaseSensitive(cfg->config_json,
	    DATABASES_KEY), *db;
	int rc;

	if (!cJSON_IsObject(dbs))
		dbs = NULL;
	rc = copy != NULL ? 0 : -1;
	if (slash > copy)
		copy[slash - copy] = '\0';
	if (rc == 0)
		rc = rebase_path(cJSON_GetObjectItemCaseSensitive(
		    cfg->config_json, TEMPLATES_KEY), dir);
	cJSON_ArrayForEach(db, dbs)
		if (rc == 0)
			rc = rebase_path(cJSON_GetObjectItemCaseSensitive(db,
			    MIGRATIONS_KEY), dir);
	free(copy);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int
sx_config_load_file(sx_config *cfg, const bool *seen, char *err,
    size_t errlen)
{
	const char *path = cfg->config_file;
	char *text = sx_read_file(path, NULL);
	const cJSON *v;

	if (text == NULL) {
		char abs[4096];
		int e = errno;

		snprintf(err, errlen, "--config %s: cannot read %s (%s)", path,
		    sx_path_absolute(path, abs, sizeof(abs)), strerror(e));
		return -1;
	}
	cJSON_Delete(cfg->config_json);
	cfg->config_json = cJSON_Parse(text);
	free(text);
	if (cfg->config_json == NULL || !cJSON_IsObject(cfg->config_json)) {
		snprintf(err, errlen, "--config %s: not a JSON object (check the "
		    "syntax near: %.20s)", path, cJSON_GetErrorPtr() ?
		    cJSON_GetErrorPtr() : "start");
		return -1;
	}
	if (rebase_file_paths(cfg, err, errlen) < 0)
		return -1;
	cJSON_ArrayForEach(v, cfg->config_json) {
		if (strcmp(v->string, DATABASES_KEY) == 0)
			continue;
		if (file_setting(cfg, v, seen, err, errlen) < 0)
			return -1;
	}
	return 0;
}

void
sx_config_free(sx_config *cfg)
{
	for (size_t i = 0; i < cfg->n_db_urls; i++)
		free((char *)cfg->db_urls[i].key);
	for (size_t i = 0; i < cfg->n_commit_modes; i++)
		free((char *)cfg->commit_modes[i].key);
	free(cfg->args.headers);
	cJSON_Delete(cfg->config_json);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- the parser ----------------------------------------------------------- */

/* The row for name (long name or alias), or NULL. */
static const sx_option *
find_option(const char *name)
{
	for (size_t i = 0; i < sx_n_options; i++)
		if (strcmp(name, sx_options[i].name) == 0 ||
		    (sx_options[i].alias != NULL &&
		    strcmp(name, sx_options[i].alias) == 0))
			return &sx_options[i];
	return NULL;
}

/* Commands that take o, for the message when another one is given it. */
static void
commands_of(const sx_option *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < SX_CMD__MAX; c++)
		if (o->commands & SX_FOR(c))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
			    "%s%s", n ? ", " : "", sx_cmds[c]);
}

/* Takes one option at argv[*i]; -1 with err. */
static int
take_option(sx_config *cfg, sx_cmd cmd, int argc, char *const *argv, int *i,
    bool *seen, char *err, size_t errlen)
{
	const char *arg = argv[*i];
	const sx_option *o = find_option(arg);
	char range[64], who[96];

	if (o == NULL) {
		snprintf(err, errlen, "unknown option %s", arg);
		return -1;
	}
	if (!(o->commands & SX_FOR(cmd))) {
		commands_of(o, who, sizeof(who));
		snprintf(err, errlen, "%s is not an option of %s (it is one of: "
		    "%s)", arg, sx_cmds[cmd], who);
		return -1;
	}
	seen[o - sx_options] = true;
	if (o->kind == SX_OPT_FLAG)
		return sx_option_set(cfg, o, "", err, errlen);
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "%s needs a value (%s)", arg,
		    sx_option_takes(o, range, sizeof(range)));
		return -1;
	}
	return sx_option_set(cfg, o, argv[++*i], err, errlen);
}

/* Prefixes err with the command's name. */
static sx_opts_rc
parse_error(sx_cmd cmd, char *err, size_t errlen)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s", err);
	snprintf(err, errlen, "%s: %s", sx_cmds[cmd], line);
	return SX_OPTS_ERROR;
}

sx_opts_rc
sx_options_parse(sx_config *cfg, sx_cmd cmd, int argc, char *const *argv,
    char *err, size_t errlen)
{
	bool *seen = calloc(sx_n_options, sizeof(bool));
	sx_cmd_args *a = &cfg->args;
	int rc = 0;

	if (seen == NULL) {
		snprintf(err, errlen, "out of memory");
		return parse_error(cmd, err, errlen);
	}
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			free(seen);
			return SX_OPTS_HELP;
		}
		if (arg[0] == '-' && arg[1] != '\0')
			rc = take_option(cfg, cmd, argc, argv, &i, seen, err,
			    errlen);
		else if (a->n_operands < SX_MAX_OPERANDS)
			a->operands[a->n_operands++] = arg;
		else {
			snprintf(err, errlen, "unexpected argument %s", arg);
			rc = -1;
		}
	}
	if (rc == 0 && cfg->config_file != NULL)
		rc = sx_config_load_file(cfg, seen, err, errlen);
	free(seen);
	return rc == 0 ? SX_OPTS_OK : parse_error(cmd, err, errlen);
}

/* "  --workers N" or "  -m, --message MSG" */
static int
print_synopsis(FILE *out, const sx_option *o)
{
	return fprintf(out, "  %s%s%s%s%s", o->alias ? o->alias : "",
	    o->alias ? ", " : "", o->name, o->arg ? " " : "",
	    o->arg ? o->arg : "");
}

void
sx_options_help(FILE *out, unsigned commands)
{
	enum { COLUMN = 25 };

	for (size_t i = 0; i < sx_n_options; i++) {
		const sx_option *o = &sx_options[i];
		int w;

		if ((o->commands & commands) != commands)
			continue;
		w = print_synopsis(out, o);
		if (w >= COLUMN)
			fprintf(out, "\n%*s", COLUMN, "");
		else
			fprintf(out, "%*s", COLUMN - w, "");
		for (const char *p = o->help; *p != '\0'; p++) {
			fputc(*p, out);
			if (*p == '\n')
				fprintf(out, "%*s", COLUMN, "");
		}
		fputc('\n', out);
	}
}
