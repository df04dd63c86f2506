/*
 * conn.c: the driver-neutral layer. It picks a driver from the URL, keeps
 * the last error of each connection, turns begin/commit/rollback into
 * transactions and nested savepoints, and builds the shortcuts (one row,
 * scalars, batches) on top of the driver's single exec.
 */
#include "db_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

static const char *const sx_db_errs[SX_DB_ERR__MAX] = {
	[SX_DB_OK] = "success",
	[SX_DB_NO_ROW] = "no row found",
	[SX_DB_ERR_URL] = "invalid database URL",
	[SX_DB_ERR_CONNECT] = "could not connect to the database",
	[SX_DB_ERR_LOST] = "database connection lost",
	[SX_DB_ERR_SQL] = "SQL error",
	[SX_DB_ERR_UNIQUE] = "unique constraint violated",
	[SX_DB_ERR_FOREIGN_KEY] = "foreign key constraint violated",
	[SX_DB_ERR_CONSTRAINT] = "constraint violated",
	[SX_DB_ERR_BUSY] = "database busy or locked",
	[SX_DB_ERR_SERIALIZATION] =
	    "serialization failure or deadlock (retry the transaction)",
	[SX_DB_ERR_POOL_EXHAUSTED] = "no database connection became free in "
	    "time (raise the pool size or acquire timeout)",
	[SX_DB_ERR_TYPE] = "value has another type than asked for",
	[SX_DB_ERR_RANGE] = "column or parameter out of range",
	[SX_DB_ERR_STATE] = "call not valid in this state",
	[SX_DB_ERR_NOMEM] = "out of memory",
	[SX_DB_ERR_TOO_MANY] = "query returned more than the one row expected",
	[SX_DB_ERR_TIMEOUT] = "statement timed out (raise statement_timeout_ms "
	    "or make the query faster)",
};

static const char *const sx_db_dialects[SX_DB_DIALECT__MAX] = {
	[SX_DB_SQLITE] = "sqlite",
	[SX_DB_POSTGRES] = "postgres",
};

const char *
sx_db_strerror(sx_db_err err)
{
	if ((unsigned)err >= SX_DB_ERR__MAX)
		return "unknown database error";
	return sx_db_errs[err];
}

const char *
sx_db_dialect_name(sx_db_dialect d)
{
	if ((unsigned)d >= SX_DB_DIALECT__MAX)
		return "unknown";
	return sx_db_dialects[d];
}

/* ---- passwords out of messages ---- */

/* One '*' for each character hidden, as the framework's log lines do. */
static void
mask(sx_buf *out, size_t n)
{
	while (n-- > 0)
		sx_buf_putc(out, '*');
}

/* Copies the userinfo password of the URL authority at p (just after
 * "://") masked; returns where copying goes on. Quotes do not end the
 * authority: RFC 3986 allows ' in a user name (o'neil) and libpq takes
 * a " there too, so in a message that quotes a URL a little more than
 * the password may be masked, never less. */
static const char *
redact_authority(const char *p, sx_buf *out)
{
	size_t end = strcspn(p, "/?# \t\r\n");
	const char *at = NULL, *colon;

	for (size_t i = 0; i < end; i++)
		if (p[i] == '@')
			at = p + i;
	if (at == NULL || (colon = memchr(p, ':', (size_t)(at - p))) == NULL)
		return p;
	sx_buf_append(out, p, (size_t)(colon + 1 - p));
	mask(out, (size_t)(at - colon - 1));
	return at;
}

/* At p, "password" as a conninfo key or URL query parameter: copies the
 * key and '=' and masks the value; returns where copying goes on, or p
 * when p holds no such key. */
static const char *
redact_keyword(const char *p, sx_buf *out)
{
	const char *v = p + 8;

	if (strncasecmp(p, "password", 8) != 0)
		return p;
	v += strspn(v, " \t");
	if (*v != '=')
		return p;
	v++;
	v += strspn(v, " \t");
	sx_buf_append(out, p, (size_t)(v - p));
	if (*v == '\'') {		/* 'quoted value', \' escapes a quote */
		const char *q = v;

		for (q++; *q != '\0' && *q != '\''; q++)
			if (*q == '\\' && q[1] != '\0')
				q++;
		q += *q == '\'';
		mask(out, (size_t)(q - v));
		return q;
	}
	mask(out, strcspn(v, " \t\r\n&#\"'"));
	return v + strcspn(v, " \t\r\n&#\"'");
}

/*
 * Writes text to out with every password it may quote masked: the one of
 * a URL's user:password@ and every "password=" value (conninfo or query).
 * Returns 0, or -1 when memory ran out.
 */
static int
redact(const char *text, sx_buf *out)
{
	const char *p = text, *next;

	sx_buf_reset(out);
	while (*p != '\0') {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			sx_buf_puts(out, "://");
			p = redact_authority(p + 3, out);
			continue;
		}
		if ((*p == 'p' || *p == 'P') &&
		    (next = redact_keyword(p, out)) != p) {
			p = next;
			continue;
		}
		sx_buf_putc(out, *p++);
	}
	return sx_buf_putc(out, '\0') < 0 ? -1 : 0;
}

/* True when text may quote a password (a URL with userinfo, a password
 * key): the cheap test before redact. */
static bool
may_hold_password(const char *text)
{
	return strstr(text, "://") != NULL ||
	    strcasestr(text, "password") != NULL;
}

void
sx_db_redact(const char *text, char *out, size_t outlen)
{
	sx_buf b = SX_BUF_INIT;

	if (out == NULL || outlen == 0)
		return;
	if (text == NULL)
		text = "";
	if (!may_hold_password(text))
		snprintf(out, outlen, "%s", text);
	else if (redact(text, &b) < 0)
		snprintf(out, outlen, "(message withheld: out of memory)");
	else
		snprintf(out, outlen, "%s", b.data);
	sx_buf_free(&b);
}

/* Formats a message into a caller's errbuf, passwords masked: messages
 * written there quote URLs and libpq's text, and end up in logs. */
void
sx_db_errbuf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	sx_buf b = SX_BUF_INIT;
	va_list ap;
	int rc;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	rc = sx_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0 || b.data == NULL)
		snprintf(errbuf, errlen,
		    "out of memory formatting a database error");
	else
		sx_db_redact(b.data, errbuf, errlen);
	sx_buf_free(&b);
}

void
sx_db_clear_error(sx_db_conn *c)
{
	if (c->err.code == SX_DB_OK)
		return;
	c->err.code = SX_DB_OK;
	c->err.sqlstate[0] = '\0';
	c->err.native = 0;
	sx_buf_reset(&c->errmsg);
	c->err.message = "";
}

sx_db_err
sx_db_fail(sx_db_conn *c, sx_db_err code, const char *sqlstate, int native,
    const char *fmt, ...)
{
	va_list ap;
	size_t len;

	c->err.code = code;
	snprintf(c->err.sqlstate, sizeof(c->err.sqlstate), "%s",
	    sqlstate != NULL ? sqlstate : "");
	c->err.native = native;
	sx_buf_reset(&c->errmsg);
	va_start(ap, fmt);
	if (sx_buf_vprintf(&c->errmsg, fmt, ap) < 0)
		sx_buf_reset(&c->errmsg);
	va_end(ap);
	/* Driver messages often end in a newline; a log line should not. */
	len = c->errmsg.len;
	while (len > 0 && (c->errmsg.data[len - 1] == '\n' ||
	    c->errmsg.data[len - 1] == ' '))
		c->errmsg.data[--len] = '\0';
	c->errmsg.len = len;
	if (c->errmsg.data != NULL && may_hold_password(c->errmsg.data)) {
		sx_buf safe = SX_BUF_INIT;

		if (redact(c->errmsg.data, &safe) == 0) {
			safe.len = strlen(safe.data);
			sx_buf_free(&c->errmsg);
			c->errmsg = safe;
		} else {
			sx_buf_free(&safe);
			sx_buf_reset(&c->errmsg);
		}
	}
	c->err.message = c->errmsg.data != NULL ? c->errmsg.data :
	    sx_db_strerror(code);
	if (code == SX_DB_ERR_LOST) {
		/* The server session is gone, and any transaction with it. */
		c->broken = true;
		c->tx_depth = 0;
	}
	return code;
}

bool
sx_db_only_trailing_space(const char *p)
{
	while (p != NULL && *p != '\0') {
		if (strchr(" \t\n\r;", *p) != NULL) {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			if (end == NULL)
				return false;
			p = end + 2;
		} else {
			return false;
		}
	}
	return true;
}

/* True when port (up to len bytes) is a number from 1 to 65535. */
static bool
port_ok(const char *port, size_t len)
{
	long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (port[i] < '0' || port[i] > '9')
			return false;
		v = v * 10 + (port[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/*
 * Checks the port of parsed PostgreSQL options: a number, or a comma list
 * of them, one per host (an empty entry takes the default). libpq itself
 * only finds out when it connects.
 */
static sx_db_err
check_ports(const PQconninfoOption *o, char *errbuf, size_t errlen)
{
	for (; o->keyword != NULL; o++) {
		const char *p;
		size_t n;

		if (strcmp(o->keyword, "port") != 0 || o->val == NULL)
			continue;
		for (p = o->val;; p += n + 1) {
			n = strcspn(p, ",");
			if (n > 0 && !port_ok(p, n)) {
				sx_db_errbuf(errbuf, errlen, "database URL has "
				    "port \"%.*s\", not a number from 1 to "
				    "65535 (write host:PORT, e.g. "
				    "localhost:5432)", (int)(n > 40 ? 40 : n),
				    p);
				return SX_DB_ERR_URL;
			}
			if (p[n] == '\0')
				break;
		}
	}
	return SX_DB_OK;
}

/*
 * Splits a URL into its driver and the target the driver opens: the path
 * for SQLite, the whole URL or conninfo for PostgreSQL. Returns SX_DB_OK or
 * SX_DB_ERR_URL with a message naming the accepted forms.
 */
static sx_db_err
url_parse(const char *url, const sx_db_driver **drv, const char **target,
    char *errbuf, size_t errlen)
{
	char safe[48];
	sx_db_err err;

	if (url == NULL || *url == '\0') {
		sx_db_errbuf(errbuf, errlen, "empty database URL "
		    "(use sqlite:PATH or postgresql://...)");
		return SX_DB_ERR_URL;
	}
	if (strncmp(url, "sqlite:", 7) == 0) {
		const char *path = url + 7;

		/* sqlite:///abs/path and sqlite://rel/path read like URLs. */
		if (strncmp(path, "//", 2) == 0)
			path += 2;
		if (*path == '\0') {
			sx_db_errbuf(errbuf, errlen, "database URL \"%s\" has "
			    "no file path (use sqlite:PATH or sqlite::memory:)",
			    url);
			return SX_DB_ERR_URL;
		}
		*drv = &sx_db_sqlite_driver;
		*target = path;
		return SX_DB_OK;
	}
	if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0 ||
	    (strchr(url, '=') != NULL && strstr(url, "://") == NULL)) {
		char *perr = NULL;
		PQconninfoOption *opts = PQconninfoParse(url, &perr);

		if (opts == NULL) {
			sx_db_errbuf(errbuf, errlen,
			    "database URL does not parse: %.*s", perr != NULL ?
			    (int)strcspn(perr, "\n") : 13, perr != NULL ? perr :
			    "out of memory");
			if (perr != NULL)
				PQfreemem(perr);
			return SX_DB_ERR_URL;
		}
		err = check_ports(opts, errbuf, errlen);
		PQconninfoFree(opts);
		if (err != SX_DB_OK)
			return err;
		*drv = &sx_db_postgres_driver;
		*target = url;
		return SX_DB_OK;
	}
	/* Masked before it is cut short: a cut may drop the '@' that shows
	 * where the password ends. */
	sx_db_redact(url, safe, sizeof(safe));
	sx_db_errbuf(errbuf, errlen, "database URL \"%s\" has an unknown "
	    "scheme (use sqlite:PATH, sqlite::memory:, postgresql://... or "
	    "key=value conninfo)", safe);
	return SX_DB_ERR_URL;
}

sx_db_err
sx_db_url_check(const char *url, char *errbuf, size_t errlen)
{
	const sx_db_driver *drv;
	const char *target;

	return url_parse(url, &drv, &target, errbuf, errlen);
}

static void
stmt_evict(void *ctx, void *stmt)
{
	sx_db_conn *c = ctx;

	c->drv->stmt_free(c, stmt);
}

/*
 * Opens a connection by URL. On success *out is the caller's (sx_db_close);
 * on failure errbuf names the problem and *out is NULL.
 */
sx_db_err
sx_db_open(const char *url, const sx_db_options *opt, sx_db_conn **out,
    char *errbuf, size_t errlen)
{
	const sx_db_driver *drv;
	const char *target;
	sx_db_conn *c;
	sx_db_err err;

	*out = NULL;
	if ((err = url_parse(url, &drv, &target, errbuf, errlen)) != SX_DB_OK)
		return err;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		sx_db_errbuf(errbuf, errlen,
		    "out of memory opening the database");
		return SX_DB_ERR_NOMEM;
	}
	c->drv = drv;
	if (opt != NULL)
		c->opt = *opt;
	if (c->opt.stmt_cache_size == 0)
		c->opt.stmt_cache_size = 64;
	if (c->opt.busy_timeout_ms <= 0)
		c->opt.busy_timeout_ms = 5000;
	if (c->opt.connect_timeout_s <= 0)
		c->opt.connect_timeout_s = 10;
	if (c->opt.statement_timeout_ms == 0)
		c->opt.statement_timeout_ms = 30000;
	if (c->opt.lock_timeout_ms == 0)
		c->opt.lock_timeout_ms = 5000;
	c->err.message = "";
	c->opened_ms = c->released_ms = sx_now_ms();
	if (sx_db_stmtcache_init(&c->cache, c->opt.stmt_cache_size, stmt_evict,
	    c) < 0) {
		free(c);
		sx_db_errbuf(errbuf, errlen,
		    "out of memory opening the database");
		return SX_DB_ERR_NOMEM;
	}
	if ((err = drv->open(c, target, errbuf, errlen)) != SX_DB_OK) {
		sx_db_stmtcache_destroy(&c->cache);
		sx_buf_free(&c->errmsg);
		free(c);
		return err;
	}
	*out = c;
	return SX_DB_OK;
}

void
sx_db_close(sx_db_conn *c)
{
	if (c == NULL)
		return;
	sx_db_set_request_scope(c, false);
	c->closing = true;
	sx_db_stmtcache_destroy(&c->cache);
	c->drv->close(c);
	sx_buf_free(&c->errmsg);
	free(c);
}

/* ---- request scope ---- */

/* Scalar text handed out in request scope: freed with the scope. */
typedef struct owned_text {
	sx_db_owned own;
	char s[];
} owned_text;

void
sx_db_own(sx_db_conn *c, sx_db_owned *o)
{
	if (!c->scoped || o == NULL)
		return;
	o->next = c->owned;
	o->prev = &c->owned;
	if (c->owned != NULL)
		c->owned->prev = &o->next;
	c->owned = o;
}

/*
 * Turning the scope on lists every result and scalar text the connection
 * hands out from then on; turning it off frees whatever is still listed
 * (what the caller did not free early) and stops listing. A pool turns it
 * off when the connection comes back, and closing does too.
 */
void
sx_db_set_request_scope(sx_db_conn *c, bool on)
{
	sx_db_owned *o;

	if (c == NULL)
		return;
	while (!on && (o = c->owned) != NULL) {
		sx_db_disown(o);
		if (o->is_result)
			sx_db_result_free((sx_db_result *)o);
		else
			free(o);
	}
	c->scoped = on;
}

/* A copy of s for a caller: listed with c in request scope (freed with
 * it), else plain malloc'd memory the caller frees. NULL when out of
 * memory. */
static char *
scalar_copy(sx_db_conn *c, const char *s)
{
	size_t len = strlen(s) + 1;
	owned_text *t;

	if (!c->scoped)
		return strdup(s);
	if ((t = malloc(sizeof(*t) + len)) == NULL)
		return NULL;
	memset(&t->own, 0, sizeof(t->own));
	sx_db_own(c, &t->own);
	memcpy(t->s, s, len);
	return t->s;
}

sx_db_dialect
sx_db_conn_dialect(const sx_db_conn *c)
{
	return c->drv->dialect;
}

const sx_db_error_info *
sx_db_last_error(const sx_db_conn *c)
{
	return &c->err;
}

static sx_db_err autobegin(sx_db_conn *c);
void
sx_db_set_observer(sx_db_conn *c, sx_db_observer fn, void *ctx)
{
	c->observer = fn;
	c->observer_ctx = ctx;
}

/* A statement timed for the observer: rows returned, else rows changed. */
static sx_db_err
observed_exec(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, sx_db_result **out)
{
	double t0 = sx_now_ms();
	sx_db_err err = c->drv->exec(c, sql, params, n, out);
	const sx_db_result *r = out != NULL ? *out : NULL;

	c->observer(c->observer_ctx, sql, sx_now_ms() - t0, r == NULL ? -1 :
	    r->ncols > 0 ? (int64_t)r->nrows : r->affected, err);
	return err;
}

/*
 * Checks parameters before any is sent: an array when n > 0, and a known
 * type tag in each (a garbage tag is what binding a value built by hand
 * with the wrong fields gives). Returns SX_DB_OK or the error recorded.
 */
static sx_db_err
check_params(sx_db_conn *c, const sx_db_value *params, size_t n)
{
	if (n > 0 && params == NULL)
		return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0,
		    "%zu parameters announced but none given", n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned)params[i].type >= SX_DB_TYPE__MAX)
			return sx_db_fail(c, SX_DB_ERR_TYPE, NULL, 0,
			    "parameter $%zu has unknown type tag %u (build "
			    "parameters with SX_PARAMS or the SX_P* macros)",
			    i + 1, (unsigned)params[i].type);
	return SX_DB_OK;
}

/* True for a character that may continue an identifier ("a$1" is one). */
static bool
ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$';
}

/* Skips a quoted string or identifier starting at p (its opening quote);
 * an E'...' string also takes backslash escapes. Returns what follows. */
static const char *
skip_quoted(const char *sql, const char *p)
{
	char q = *p;
	bool esc = q == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
	    (p - 1 == sql || !ident_char(p[-2]));

	for (p++; *p != '\0' && *p != q; p++)
		if (esc && *p == '\\' && p[1] != '\0')
			p++;
	return *p != '\0' ? p + 1 : p;
}

/* At p, a '$': skips a dollar-quoted string ($$...$$, $tag$...$tag$) and
 * returns what follows, or returns p when none starts there. */
static const char *
skip_dollar_quoted(const char *sql, const char *p)
{
	const char *t = p + 1, *end;
	size_t tl;

	if (p > sql && ident_char(p[-1]))
		return p;
	while (isalnum((unsigned char)*t) || *t == '_')
		t++;
	if (*t != '$')
		return p;
	tl = (size_t)(t + 1 - p);
	for (end = t + 1; (end = strchr(end, '$')) != NULL; end++)
		if (strncmp(end, p, tl) == 0)
			return end + tl;
	return p + strlen(p);
}

/*
 * The highest $N placeholder of sql, skipping strings, quoted
 * identifiers, comments and dollar-quoted bodies: the parameter count the
 * statement takes on both drivers.
 */
static size_t
placeholder_count(const char *sql)
{
	const char *p = sql, *next;
	size_t max = 0;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			p = skip_quoted(sql, p);
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			next = strstr(p + 2, "*/");
			p = next != NULL ? next + 2 : p + strlen(p);
		} else if (*p == '$' && isdigit((unsigned char)p[1]) &&
		    (p == sql || !ident_char(p[-1]))) {
			size_t num = 0;

			for (p++; isdigit((unsigned char)*p); p++)
				num = num < 100000 ? num * 10 + (size_t)(*p - '0') :
				    num;
			max = num > max ? num : max;
		} else if (*p == '$' && (next = skip_dollar_quoted(sql, p)) != p) {
			p = next;
		} else {
			p++;
		}
	}
	return max;
}

sx_db_err
sx_db_count_mismatch(sx_db_conn *c, size_t want, size_t n)
{
	return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0, "statement uses "
	    "$1..$%zu but %zu parameters were given", want, n);
}

sx_db_err
sx_db_check_count(sx_db_conn *c, const char *sql, size_t n)
{
	size_t want = sql != NULL ? placeholder_count(sql) : 0;

	return want == n ? SX_DB_OK : sx_db_count_mismatch(c, want, n);
}

sx_db_err
sx_db_exec(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **out)
{
	sx_db_err err;

	if (out != NULL)
		*out = NULL;
	sx_db_clear_error(c);
	if (check_params(c, params, n) != SX_DB_OK)
		return c->err.code;
	if (c->autobegin && c->tx_depth == 0 && autobegin(c) != SX_DB_OK)
		return c->err.code;
	err = c->observer == NULL ? c->drv->exec(c, sql, params, n, out) :
	    observed_exec(c, sql, params, n, out);
	if (err == SX_DB_OK && out != NULL && *out != NULL)
		sx_db_own(c, &(*out)->own);
	return err;
}

sx_db_err
sx_db_exec_script(sx_db_conn *c, const char *sql)
{
	sx_db_clear_error(c);
	if (c->autobegin && c->tx_depth == 0 && autobegin(c) != SX_DB_OK)
		return c->err.code;
	return c->drv->exec_script(c, sql);
}

/* One row: the result stays positioned before its first row, and the
 * getters read row 0 until sx_db_next moves. */
/* Runs a query for at most max rows (the driver may stop reading there)
 * and hands back its result: SX_DB_NO_ROW (and *out = NULL) when no row
 * came back. */
static sx_db_err
run_rows(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, unsigned max, sx_db_result **out)
{
	sx_db_result *r;
	sx_db_err err;

	*out = NULL;
	c->max_rows = max;
	err = sx_db_exec(c, sql, params, n, &r);
	c->max_rows = 0;
	if (err != SX_DB_OK)
		return err;
	if (sx_db_rows(r) == 0) {
		sx_db_result_free(r);
		return SX_DB_NO_ROW;
	}
	*out = r;
	return SX_DB_OK;
}

sx_db_err
sx_db_one(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **out)
{
	sx_db_err err = run_rows(c, sql, params, n, 1, out);

	/* The same answer on every driver: the first row only. */
	if (err == SX_DB_OK && (*out)->nrows > 1)
		(*out)->nrows = 1;
	return err;
}

sx_db_err
sx_db_exactly_one(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, sx_db_result **out)
{
	sx_db_err err = run_rows(c, sql, params, n, 2, out);

	if (err != SX_DB_OK || (*out)->nrows == 1)
		return err;
	sx_db_result_free(*out);
	*out = NULL;
	return sx_db_fail(c, SX_DB_ERR_TOO_MANY, NULL, 0, "query returned more "
	    "than one row where exactly one was expected (add to its WHERE, or "
	    "use sx_db_one for the first row)");
}

/* Runs a one-row query and hands back its first cell (or an error). */
static sx_db_err
scalar_cell(sx_db_conn *c, const char *sql, const sx_db_value *params, size_t n,
    sx_db_result **r, const sx_db_cell **cell)
{
	sx_db_err err;

	if ((err = sx_db_one(c, sql, params, n, r)) != SX_DB_OK)
		return err;
	if ((*cell = sx_db_result_cell(*r, 0)) == NULL) {
		sx_db_result_free(*r);
		*r = NULL;
		return sx_db_fail(c, SX_DB_ERR_RANGE, NULL, 0,
		    "scalar query returned no column");
	}
	return SX_DB_OK;
}

sx_db_err
sx_db_scalar_int_or_null(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, int64_t *out, bool *is_null)
{
	sx_db_result *r;
	const sx_db_cell *cell;
	sx_db_err err;

	*out = 0;
	if (is_null != NULL)
		*is_null = false;
	if ((err = scalar_cell(c, sql, params, n, &r, &cell)) != SX_DB_OK)
		return err;
	if (cell->type == SX_DB_NULL && is_null != NULL)
		*is_null = true;
	else if (cell->type == SX_DB_BOOL)	/* EXISTS (...) on PostgreSQL */
		*out = cell->v.b;
	else if (!sx_db_cell_int(r, cell, out))
		err = sx_db_fail(c, SX_DB_ERR_TYPE, NULL, 0,
		    "scalar is %s, not an integer%s", cell->type == SX_DB_NULL ?
		    "NULL" : "another type", cell->type == SX_DB_NULL ?
		    " (use sx_db_scalar_int_or_null or COALESCE)" : "");
	sx_db_result_free(r);
	return err;
}

sx_db_err
sx_db_scalar_int(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, int64_t *out)
{
	return sx_db_scalar_int_or_null(c, sql, params, n, out, NULL);
}

sx_db_err
sx_db_scalar_text_or_null(sx_db_conn *c, const char *sql,
    const sx_db_value *params, size_t n, char **out)
{
	sx_db_result *r;
	const sx_db_cell *cell;
	const char *s;
	sx_db_err err;

	*out = NULL;
	if ((err = scalar_cell(c, sql, params, n, &r, &cell)) != SX_DB_OK)
		return err;
	if (cell->type != SX_DB_NULL && ((s = sx_db_get_text(r, 0)) == NULL ||
	    (*out = scalar_copy(c, s)) == NULL))
		err = sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0,
		    "out of memory copying a scalar");
	sx_db_result_free(r);
	return err;
}

sx_db_err
sx_db_scalar_text(sx_db_conn *c, const char *sql, const sx_db_value *params,
    size_t n, char **out)
{
	sx_db_err err = sx_db_scalar_text_or_null(c, sql, params, n, out);

	if (err == SX_DB_OK && *out == NULL)
		err = sx_db_fail(c, SX_DB_ERR_TYPE, NULL, 0, "scalar is NULL, not "
		    "text (use sx_db_scalar_text_or_null or COALESCE)");
	return err;
}

/* ---- transactions ---- */

/* Runs one transaction-control statement through the script path (no
 * statement cache: they are few and PgBouncer-safe that way). */
static sx_db_err
tx_statement(sx_db_conn *c, const char *fmt, int depth)
{
	char sql[64];

	snprintf(sql, sizeof(sql), fmt, depth);
	return c->drv->exec_script(c, sql);
}

/* Ends a failed outermost COMMIT: the caller must find no open transaction,
 * but must see the COMMIT's error, not the clean-up's. */
static void
tx_abandon(sx_db_conn *c)
{
	sx_db_error_info saved = c->err;
	sx_buf msg = c->errmsg;

	c->tx_depth = 0;
	if (c->broken || !c->drv->native_in_tx(c))
		return;
	c->errmsg = (sx_buf)SX_BUF_INIT;
	c->drv->exec_script(c, "ROLLBACK");
	sx_buf_free(&c->errmsg);
	c->errmsg = msg;
	c->err = saved;
	c->err.message = c->errmsg.data != NULL ? c->errmsg.data : "";
	c->broken = c->broken || saved.code == SX_DB_ERR_LOST;
}

sx_db_err
sx_db_begin(sx_db_conn *c)
{
	sx_db_err err;

	sx_db_clear_error(c);
	if (c->tx_depth == 0)
		err = c->drv->exec_script(c, c->begin_read &&
		    c->drv->begin_read_sql != NULL ? c->drv->begin_read_sql :
		    c->drv->begin_sql);
	else
		err = tx_statement(c, "SAVEPOINT sx_%d", c->tx_depth);
	if (err == SX_DB_OK)
		c->tx_depth++;
	return err;
}

static sx_db_err commit_outer(sx_db_conn *c);

sx_db_err
sx_db_begin_tagged(sx_db_conn *c, const char *tag)
{
	char sql[128], clean[64];
	size_t k = 0;
	double t0;
	sx_db_err err;

	if (tag == NULL || c->tx_depth != 0 || c->drv->dialect != SX_DB_POSTGRES)
		return sx_db_begin(c);
	for (; *tag != '\0' && k < sizeof(clean) - 1; tag++)
		if (strchr("-_.: ", *tag) != NULL || isalnum((unsigned char)*tag))
			clean[k++] = *tag;
	clean[k] = '\0';
	/* one round trip: the simple protocol takes both statements */
	snprintf(sql, sizeof(sql), "%s; SET LOCAL application_name = '%s'",
	    c->drv->begin_sql, clean);
	sx_db_clear_error(c);
	t0 = sx_now_ms();
	if ((err = c->drv->exec_script(c, sql)) == SX_DB_OK)
		c->tx_depth = 1;
	if (c->observer != NULL)
		c->observer(c->observer_ctx, sql, sx_now_ms() - t0, -1, err);
	return err;
}

/*
 * Commits the innermost level: releases a savepoint, or commits the
 * transaction. A failing outermost COMMIT reports its own class (unique,
 * foreign key, busy, serialization...) and leaves no transaction open.
 * A PostgreSQL transaction aborted by an earlier error cannot commit: it is
 * rolled back and SX_DB_ERR_STATE returned.
 */
sx_db_err
sx_db_commit(sx_db_conn *c)
{
	sx_db_err err;

	sx_db_clear_error(c);
	if (c->tx_depth == 0)
		return sx_db_fail(c, SX_DB_ERR_STATE, NULL, 0,
		    "commit without a transaction (call sx_db_begin first)");
	if (c->tx_depth > 1) {
		err = tx_statement(c, "RELEASE SAVEPOINT sx_%d",
		    c->tx_depth - 1);
		if (err == SX_DB_OK || c->broken)
			c->tx_depth = c->broken ? 0 : c->tx_depth - 1;
		return err;
	}
	return commit_outer(c);
}

/*
 * Commits the outermost transaction, with every savepoint still open in it
 * (COMMIT ends them all on both drivers). An aborted PostgreSQL transaction
 * is rolled back and reported; a failing COMMIT leaves none open.
 */
static sx_db_err
commit_outer(sx_db_conn *c)
{
	sx_db_err err;

	if (!c->broken && c->drv->tx_failed(c)) {
		c->drv->exec_script(c, "ROLLBACK");
		c->tx_depth = 0;
		return sx_db_fail(c, SX_DB_ERR_STATE, "25P02", 0,
		    "transaction was aborted by an earlier error and has been "
		    "rolled back, not committed");
	}
	err = c->drv->exec_script(c, "COMMIT");
	if (err != SX_DB_OK)
		tx_abandon(c);
	c->tx_depth = 0;
	return err;
}

static sx_db_err rollback_outer(sx_db_conn *c);

/* Rolls back the innermost level: to the savepoint (which is then
 * released), or the whole transaction. */
sx_db_err
sx_db_rollback(sx_db_conn *c)
{
	sx_db_err err;

	sx_db_clear_error(c);
	if (c->tx_depth == 0)
		return sx_db_fail(c, SX_DB_ERR_STATE, NULL, 0,
		    "rollback without a transaction (call sx_db_begin first)");
	if (c->tx_depth > 1) {
		err = tx_statement(c, "ROLLBACK TO SAVEPOINT sx_%d",
		    c->tx_depth - 1);
		if (err == SX_DB_OK)
			err = tx_statement(c, "RELEASE SAVEPOINT sx_%d",
			    c->tx_depth - 1);
		if (err == SX_DB_OK)
			c->tx_depth--;
		else if (c->broken)
			c->tx_depth = 0;
		return err;
	}
	return rollback_outer(c);
}

/* Rolls back the outermost transaction and every savepoint in it. */
static sx_db_err
rollback_outer(sx_db_conn *c)
{
	c->tx_depth = 0;
	if (c->broken)
		return SX_DB_OK;	/* the server already dropped it */
	return c->drv->exec_script(c, "ROLLBACK");
}

bool
sx_db_in_transaction(const sx_db_conn *c)
{
	return c->tx_depth > 0 || (!c->broken && c->drv->native_in_tx(c));
}

/* True when c has a transaction to settle; else records SX_DB_ERR_STATE
 * naming what was asked (the caller then returns it). */
static bool
settle_open(sx_db_conn *c, const char *what)
{
	sx_db_clear_error(c);
	if (c->tx_depth > 0 || (!c->broken && c->drv->native_in_tx(c)))
		return true;
	sx_db_fail(c, SX_DB_ERR_STATE, NULL, 0, "%s without a transaction "
	    "(call sx_db_begin first)", what);
	return false;
}

sx_db_err
sx_db_commit_all(sx_db_conn *c)
{
	if (!settle_open(c, "commit"))
		return c->err.code;
	c->tx_depth = 1;
	return commit_outer(c);
}

sx_db_err
sx_db_rollback_all(sx_db_conn *c)
{
	if (!settle_open(c, "rollback"))
		return c->err.code;
	return rollback_outer(c);
}

void
sx_db_set_autobegin(sx_db_conn *c, bool on)
{
	c->autobegin = on;
}

void
sx_db_set_begin_read(sx_db_conn *c, bool on)
{
	c->begin_read = on;
}

/*
 * A session's statement found no transaction open (the handler ended the
 * one it had): begins one first, unless the server session is already in
 * one. The statement fails with the BEGIN's error if it cannot.
 */
static sx_db_err
autobegin(sx_db_conn *c)
{
	if (!c->broken && c->drv->native_in_tx(c))
		return SX_DB_OK;
	return sx_db_begin(c);
}

/* ---- batches ---- */

sx_db_err
sx_db_batch(sx_db_conn *c, const sx_db_stmt *stmts, size_t n,
    sx_db_result **results)
{
	sx_db_result **res = results;
	sx_db_err err;
	size_t i;

	sx_db_clear_error(c);
	if (res == NULL && (res = calloc(n > 0 ? n : 1, sizeof(*res))) == NULL)
		return sx_db_fail(c, SX_DB_ERR_NOMEM, NULL, 0,
		    "out of memory for a batch");
	for (i = 0; i < n; i++)
		res[i] = NULL;
	err = SX_DB_OK;
	for (i = 0; i < n && err == SX_DB_OK; i++)
		err = check_params(c, stmts[i].params, stmts[i].n);
	if (err == SX_DB_OK && c->autobegin && c->tx_depth == 0)
		err = autobegin(c);
	if (err == SX_DB_OK)
		err = c->drv->batch(c, stmts, n, res);
	if (err != SX_DB_OK || results == NULL) {
		for (i = 0; i < n; i++) {
			sx_db_result_free(res[i]);
			res[i] = NULL;
		}
	}
	for (i = 0; i < n && results != NULL; i++)
		if (res[i] != NULL)
			sx_db_own(c, &res[i]->own);
	if (results == NULL)
		free(res);
	return err;
}

/* Cheap liveness, then a round trip: SX_DB_OK when the connection works. */
sx_db_err
sx_db_ping(sx_db_conn *c)
{
	sx_db_clear_error(c);
	if (c->broken || !c->drv->seems_alive(c))
		return SX_DB_ERR_LOST;
	return sx_db_exec(c, "SELECT 1", NULL, 0, NULL);
}

void
sx_db_cache_stats_get(const sx_db_conn *c, sx_db_cache_stats *st)
{
	st->hits = c->cache.hits;
	st->misses = c->cache.misses;
	st->evictions = c->cache.evictions;
	st->size = c->cache.size;
}
