/*
 * testclient.c: requests run in-process through sx_dispatch, exactly as the
 * server runs them, with the CGI parameters a web server would send. Used by
 * the `request` command and by Criterion tests of apps (sx_test_*).
 */
#include "options.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sx_test_client {
	sx_runtime *rt;
	sx_config cfg;
	char **argv;		/* "test client", then own copies of the
				   options: cfg points into them */
	int argc;
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
	free(tc);
}
