/*
 * testclient.c: requests run in-process through sx_dispatch, exactly as the
 * server runs them, with the CGI parameters a web server would send. Used by
 * the `request` command and by Criterion tests of apps (sx_test_*).
 */
#include "options.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct sx_test_client {
	sx_runtime *rt;
	sx_config cfg;
	char **argv;		/* "test client", then own copies of the
				   options: cfg points into them */
	int argc;
	/* sx_test_client_fresh: what to throw away when the client goes */
	char *tmpdir;		/* the SQLite files' folder */
	char *pg_url;		/* the server the schemas are on */
	char *schemas[SX_MAX_OVERRIDES];
	size_t n_schemas;
};

/* The request body and the response, both in memory. */
typedef struct mem_io {
	sx_membody body;
	sx_buf out;
} mem_io;

static long
mem_read(void *ctx, char *buf, size_t n)
{
	return sx_membody_read(&((mem_io *)ctx)->body, buf, n);
}

static int
mem_write(void *ctx, const char *buf, size_t n)
{
	mem_io *m = ctx;

	return sx_buf_append(&m->out, buf, n);
}

/* Adds "NAME=value" to an env array sized by synthetic_env. */
static int
env_add(sx_arena *a, char ***env, size_t *n, const char *name, const char *value)
{
	if (((*env)[*n] = sx_arena_printf(a, "%s=%s", name, value)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* Turns "Name: value" into HTTP_NAME (CONTENT_TYPE/LENGTH without prefix). */
static int
env_add_header(sx_arena *a, char ***env, size_t *n, const char *line)
{
	const char *colon = strchr(line, ':'), *v;
	char *name;
	size_t i, nlen;

	if (colon == NULL || colon == line)
		return -1;
	nlen = (size_t)(colon - line);
	if ((name = sx_arena_alloc(a, nlen + 6)) == NULL)
		return -1;
	if (strncasecmp(line, "content-type", nlen) == 0 && nlen == 12)
		strcpy(name, "CONTENT_TYPE");
	else if (strncasecmp(line, "content-length", nlen) == 0 && nlen == 14)
		return 0;	/* computed from the body */
	else {
		memcpy(name, "HTTP_", 5);
		for (i = 0; i < nlen; i++)
			name[5 + i] = line[i] == '-' ? '_' :
			    (char)toupper((unsigned char)line[i]);
		name[5 + nlen] = '\0';
	}
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	return env_add(a, env, n, name, v);
}

/* Builds the CGI parameters nginx would send for this request. */
static char **
synthetic_env(sx_arena *a, const char *method, const char *target,
    const char *const *headers, size_t body_len)
{
	char **env, len[32];
	size_t n = 0, n_headers = 0;
	const char *q = strchr(target, '?');
	char *path = sx_arena_strndup(a, target, q ? (size_t)(q - target) :
	    strlen(target));

	while (headers != NULL && headers[n_headers] != NULL)
		n_headers++;
	/* eight fixed parameters, CONTENT_LENGTH, the headers, the NULL */
	env = sx_arena_alloc(a, (10 + n_headers) * sizeof(char *));
	if (path == NULL || env == NULL ||
	    env_add(a, &env, &n, "GATEWAY_INTERFACE", "CGI/1.1") < 0 ||
	    env_add(a, &env, &n, "SERVER_PROTOCOL", "HTTP/1.1") < 0 ||
	    env_add(a, &env, &n, "REQUEST_METHOD", method) < 0 ||
	    env_add(a, &env, &n, "REQUEST_URI", target) < 0 ||
	    env_add(a, &env, &n, "SCRIPT_NAME", path) < 0 ||
	    env_add(a, &env, &n, "QUERY_STRING", q ? q + 1 : "") < 0 ||
	    env_add(a, &env, &n, "REMOTE_ADDR", "127.0.0.1") < 0 ||
	    env_add(a, &env, &n, "SERVER_NAME", "localhost") < 0)
		return NULL;
	if (body_len > 0) {
		snprintf(len, sizeof(len), "%zu", body_len);
		if (env_add(a, &env, &n, "CONTENT_LENGTH", len) < 0)
			return NULL;
	}
	for (; headers != NULL && *headers != NULL; headers++)
		if (env_add_header(a, &env, &n, *headers) < 0)
			return NULL;
	return env;
}

int
sx_run_inprocess(sx_runtime *rt, const char *method, const char *target,
    const char *const *headers, const void *body, size_t len, sx_buf *out)
{
	sx_arena *a = sx_arena_new(8192);
	mem_io m = { { body, body ? len : 0, 0 }, SX_BUF_INIT };
	sx_io io = { NULL, mem_read, mem_write, &m, false };
	int rc = -1;

	if (a == NULL)
		return -1;
	if ((io.envp = synthetic_env(a, method, target, headers, m.body.len)) != NULL) {
		sx_dispatch(rt, &io, a);
		rc = 0;
	}
	*out = m.out;
	sx_arena_free(a);
	return rc;
}

sx_test_client *
sx_test_client_new(const sx_app *app, const char *const *options, char *err,
    size_t errlen)
{
	sx_test_client *tc = calloc(1, sizeof(*tc));
	int i;

	if (tc == NULL)
		return NULL;
	while (options != NULL && options[tc->argc] != NULL)
		tc->argc++;
	tc->argc++;	/* argv[0], as a command line has */
	/* The settings keep pointers into their arguments, so the client owns
	 * copies: the caller may free its strings once this returns. */
	if ((tc->argv = calloc((size_t)tc->argc + 1, sizeof(char *))) == NULL ||
	    (tc->argv[0] = strdup(sx_cmds[SX_CMD_TEST])) == NULL)
		goto nomem;
	for (i = 1; i < tc->argc; i++)
		if ((tc->argv[i] = strdup(options[i - 1])) == NULL)
			goto nomem;
	/* argv[0] is the program's name: the options start at 1 */
	switch (sx_options_parse(&tc->cfg, SX_CMD_TEST, tc->argc, tc->argv,
	    err, errlen)) {
	case SX_OPTS_OK:
		if (tc->cfg.args.n_operands == 0)
			break;
		snprintf(err, errlen, "test client: unexpected argument %s",
		    tc->cfg.args.operands[0]);
		goto fail;
	case SX_OPTS_HELP:
		snprintf(err, errlen, "test client: --help is for commands");
		goto fail;
	default:
		goto fail;
	}
	/* quiet unless a test asks for a log (--log, or SX_TEST_LOG set) */
	if (tc->cfg.log_file == NULL && getenv("SX_TEST_LOG") == NULL)
		tc->cfg.log_file = "/dev/null";
	if ((tc->rt = sx_runtime_new(app, &tc->cfg, err, errlen)) == NULL) {
		sx_test_client_free(tc);
		return NULL;
	}
	return tc;
nomem:
	snprintf(err, errlen, "test client: out of memory");
fail:
	sx_test_client_free(tc);
	return NULL;
}

/* Splits a raw CGI-form response into status, headers and body. Returns
 * NULL when the response is malformed or memory ran out. */
static sx_test_response *
parse_response(sx_buf *raw)
{
	sx_test_response *r = calloc(1, sizeof(*r));
	char *p = raw->data, *end, *line, *colon, *save = NULL;
	size_t cap = 0;

	if (r == NULL || p == NULL)
		goto fail;
	end = strstr(p, "\r\n\r\n");
	if (end == NULL)
		goto fail;
	*end = '\0';
	for (line = strtok_r(p, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		for (colon++; *colon == ' '; colon++)
			;
		if (strcasecmp(line, "status") == 0) {
			r->status = atoi(colon);
			continue;
		}
		if (r->n_headers == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			sx_kv *h = realloc(r->headers, ncap * sizeof(sx_kv));

			if (h == NULL)
				goto fail;
			r->headers = h;
			cap = ncap;
		}
		r->headers[r->n_headers].name = strdup(line);
		r->headers[r->n_headers].value = strdup(colon);
		r->headers[r->n_headers].len = strlen(colon);
		r->n_headers++;
		if (r->headers[r->n_headers - 1].name == NULL ||
		    r->headers[r->n_headers - 1].value == NULL)
			goto fail;
	}
	r->body_len = raw->len - (size_t)(end + 4 - raw->data);
	if ((r->body = malloc(r->body_len + 1)) == NULL)
		goto fail;
	memcpy(r->body, end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	r->json = cJSON_ParseWithLength(r->body, r->body_len);
	return r;
fail:
	sx_test_response_free(r);
	return NULL;
}

sx_test_response *
sx_test_request(sx_test_client *tc, const char *method, const char *path,
    const char *const *headers, const void *body, size_t len)
{
	sx_buf raw = SX_BUF_INIT;
	sx_test_response *r = NULL;

	if (sx_run_inprocess(tc->rt, method, path, headers, body, len, &raw) == 0)
		r = parse_response(&raw);
	sx_buf_free(&raw);
	return r;
}

const char *
sx_test_header(const sx_test_response *r, const char *name)
{
	const sx_kv *kv = sx_kv_find(r->headers, r->n_headers, name);

	return kv ? kv->value : NULL;
}

void
sx_test_response_free(sx_test_response *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_headers; i++) {
		free((char *)r->headers[i].name);
		free((char *)r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	cJSON_Delete(r->json);
	free(r);
}

/* Removes the fresh databases of tc: the SQLite folder and its files,
 * the PostgreSQL schemas. */
static void
drop_fresh(sx_test_client *tc)
{
	sx_db_conn *c = NULL;
	DIR *dh;

	if (tc->n_schemas > 0 && sx_db_open(tc->pg_url, NULL, &c, NULL, 0) ==
	    SX_DB_OK) {
		for (size_t i = 0; i < tc->n_schemas; i++) {
			char sql[96];

			snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE",
			    tc->schemas[i]);
			sx_db_exec_script(c, sql);
		}
		sx_db_close(c);
	}
	for (size_t i = 0; i < tc->n_schemas; i++)
		free(tc->schemas[i]);
	if (tc->tmpdir != NULL && (dh = opendir(tc->tmpdir)) != NULL) {
		struct dirent *e;

		while ((e = readdir(dh)) != NULL) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", tc->tmpdir, e->d_name);
			unlink(path);
		}
		closedir(dh);
		rmdir(tc->tmpdir);
	}
	free(tc->tmpdir);
	free(tc->pg_url);
}

void
sx_test_client_free(sx_test_client *tc)
{
	if (tc == NULL)
		return;
	sx_runtime_free(tc->rt);
	sx_config_free(&tc->cfg);
	for (int i = 0; tc->argv != NULL && i < tc->argc; i++)
		free(tc->argv[i]);
	free(tc->argv);
	drop_fresh(tc);
	free(tc);
}

/* A new, empty schema on pg_url (its name into tc), and the URL whose
 * search_path is it (malloc'd); NULL with a message. */
static char *
fresh_schema(sx_test_client *tc, const char *pg_url, char *err, size_t errlen)
{
	unsigned char rnd[8];
	char schema[40], sql[80], why[512] = "", *url = NULL;
	sx_db_conn *c;

	sx_random_bytes(rnd, sizeof(rnd));
	snprintf(schema, sizeof(schema), "sx_test_%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	if (sx_db_open(pg_url, NULL, &c, why, sizeof(why)) != SX_DB_OK) {
		snprintf(err, errlen, "test client: %s", why);
		return NULL;
	}
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	if (sx_db_exec_script(c, sql) != SX_DB_OK)
		snprintf(err, errlen, "test client: %s: %s", sql,
		    sx_db_last_error(c)->message);
	else if (asprintf(&url, "%s%soptions=-csearch_path%%3D%s", pg_url,
	    strchr(pg_url, '?') ? "&" : "?", schema) < 0)
		url = NULL;
	else
		tc->schemas[tc->n_schemas++] = strdup(schema);
	sx_db_close(c);
	return url;
}

/* The URL of a fresh database for the key: a file in tc->tmpdir, or a
 * schema on pg_url. */
static char *
fresh_url(sx_test_client *tc, const char *key, const char *pg_url, char *err,
    size_t errlen)
{
	char *url;

	if (pg_url != NULL)
		return fresh_schema(tc, pg_url, err, errlen);
	if (asprintf(&url, "sqlite:%s/%s.db", tc->tmpdir, key) < 0)
		return NULL;
	return url;
}

sx_test_client *
sx_test_client_fresh(const sx_app *app, const char *pg_url,
    const char *const *options, char *err, size_t errlen)
{
	sx_test_client *holder = calloc(1, sizeof(*holder)), *tc = NULL;
	const char *opts[2 * SX_MAX_OVERRIDES + 64];
	char *owned[SX_MAX_OVERRIDES] = { NULL };
	size_t n = 0, k;
	char tmpl[] = "/tmp/sx-test-XXXXXX";

	if (holder == NULL || app->n_databases > SX_MAX_OVERRIDES ||
	    (pg_url == NULL && (holder->tmpdir = strdup(mkdtemp(tmpl) ? tmpl :
	    "")) == NULL) || (pg_url != NULL && (holder->pg_url =
	    strdup(pg_url)) == NULL)) {
		snprintf(err, errlen, "test client: cannot make fresh databases "
		    "(out of memory, a temporary folder, or more than %d "
		    "databases)", SX_MAX_OVERRIDES);
		goto out;
	}
	for (k = 0; k < app->n_databases; k++) {
		const char *key = app->databases[k].session_key ?
		    app->databases[k].session_key : "db_session";
		char *url = fresh_url(holder, key, pg_url, err, errlen);

		if (url == NULL || asprintf(&owned[k], "%s=%s", key, url) < 0) {
			free(url);
			goto out;
		}
		free(url);
		opts[n++] = "--database";
		opts[n++] = owned[k];
	}
	if (app->n_databases > 0)
		opts[n++] = "--migrate";
	for (size_t i = 0; options != NULL && options[i] != NULL &&
	    n < SX_NELEM(opts) - 1; i++)
		opts[n++] = options[i];
	opts[n] = NULL;
	if ((tc = sx_test_client_new(app, opts, err, errlen)) != NULL) {
		/* the client now owns the throwaway databases */
		tc->tmpdir = holder->tmpdir;
		tc->pg_url = holder->pg_url;
		memcpy(tc->schemas, holder->schemas, sizeof(tc->schemas));
		tc->n_schemas = holder->n_schemas;
		free(holder);
		holder = NULL;
	}
out:
	for (k = 0; k < SX_MAX_OVERRIDES; k++)
		free(owned[k]);
	if (holder != NULL) {
		drop_fresh(holder);
		free(holder);
	}
	return tc;
}
