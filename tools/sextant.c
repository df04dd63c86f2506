/*
 * sextant.c: the installed `sextant` command, which starts a new application
 * from one of the examples installed with the library.
 *
 *	sextant new NAME [--from EXAMPLE] [--dir DIR]
 *	sextant new --list
 *
 * The new folder holds the example's sources renamed after NAME, its
 * migrations and other files, a Makefile that builds against the installed
 * library through pkg-config, a Criterion test of the first route through
 * the in-process test client, a README and web server snippets. It builds
 * and answers `./NAME request GET /` with no edits. The sx_app is exported
 * and declared in NAME.h, and the Makefile lists the sources (SRCS), so
 * the app grows past one file: the test links every source but main(). Nothing is overwritten:
 * the target folder must not exist.
 *
 * Exit statuses: 0 success, 1 failure, 2 usage error.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "defaults.h"
#include "sx_util.h"

#ifndef SX_PKGDATADIR
#define SX_PKGDATADIR "/usr/local/share/sextant"
#endif
#define NAME_MAX_LEN 64

static const char usage_text[] =
    "usage: sextant new NAME [--from EXAMPLE] [--dir DIR]\n"
    "       sextant new --list\n"
    "Writes a standalone Sextant application NAME (letters, digits, '_')\n"
    "from an installed example (default: hello) into DIR (default: ./NAME).\n"
    "  --from EXAMPLE  the example to copy (sextant new --list shows them)\n"
    "  --dir DIR       where to write it; it must not exist yet\n"
    "  --list          list the installed examples\n"
    "Examples are read from " SX_PKGDATADIR "/examples, or from\n"
    "$SEXTANT_EXAMPLES when set. See sextant(1).\n";

/* What `new` was asked for. */
typedef struct scaffold {
	const char *name;	/* new app's name */
	const char *example;	/* example to copy */
	const char *root;	/* folder of examples */
	const char *dest;	/* folder to write */
	char *app_var;		/* the example's sx_app variable, renamed */
} scaffold;

static const char *
examples_root(void)
{
	const char *env = getenv("SEXTANT_EXAMPLES");

	return env != NULL && *env != '\0' ? env : SX_PKGDATADIR "/examples";
}

/* Formats a path into a malloc'd string (NULL only when out of memory). */
static char * SX_PRINTF(1, 2)
path_fmt(const char *fmt, ...)
{
	sx_buf b = SX_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sx_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		sx_buf_free(&b);
		return NULL;
	}
	return sx_buf_steal(&b);
}

static int
write_all(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wx");	/* never overwrite */

	if (f == NULL || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "sextant: cannot write %s (%s)\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "sextant: cannot write %s (%s)\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* An example is a folder holding EXAMPLE.c. */
static bool
is_example(const char *root, const char *name)
{
	char *c = path_fmt("%s/%s/%s.c", root, name, name);
	struct stat sb;
	bool yes = c != NULL && stat(c, &sb) == 0 && S_ISREG(sb.st_mode);

	free(c);
	return yes;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The installed examples, sorted; NULL-terminated, caller frees. */
static char **
list_examples(const char *root, size_t *n)
{
	DIR *dh = opendir(root);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (dh == NULL)
		return NULL;
	while ((e = readdir(dh)) != NULL) {
		if (e->d_name[0] == '.' || !is_example(root, e->d_name))
			continue;
		if (*n + 1 >= cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 8) * sizeof(*names));

			if (grown == NULL)
				break;
			names = grown;
		}
		names[(*n)++] = strdup(e->d_name);
		names[*n] = NULL;
	}
	closedir(dh);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void
free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The first sentence of the example's opening comment ("hello: the ..."). */
static void
print_summary(const char *root, const char *name)
{
	char *path = path_fmt("%s/%s/%s.c", root, name, name), *text, *p, *end;
	size_t len;

	text = path ? sx_read_file(path, &len) : NULL;
	free(path);
	p = text ? strstr(text, "/*") : NULL;
	if (p != NULL) {
		p += 2;
		while (*p == '\n' || *p == ' ' || *p == '*')
			p++;
		if (strncmp(p, name, strlen(name)) == 0 && p[strlen(name)] == ':')
			p += strlen(name) + 1;
		while (*p == ' ')
			p++;
		/* the sentence may wrap: join its lines, dropping the " * " */
		end = p + strcspn(p, ".");
		printf("  %-14s ", name);
		for (int col = 0; p < end && strncmp(p, "*/", 2) != 0; p++, col++) {
			if (col == 66) {
				fputs("...", stdout);
				break;
			}
			if (*p != '\n') {
				putchar(*p);
				continue;
			}
			while (p[1] == ' ' || p[1] == '\t' || p[1] == '*')
				p++;
			putchar(' ');
		}
		putchar('\n');
	} else
		printf("  %s\n", name);
	free(text);
}

static int
cmd_list(const char *root)
{
	size_t n;
	char **names = list_examples(root, &n);

	if (n == 0) {
		fprintf(stderr, "sextant: no examples in %s (install Sextant with "
		    "make install, or set SEXTANT_EXAMPLES)\n", root);
		free_list(names, n);
		return 1;
	}
	printf("Examples (sextant new NAME --from EXAMPLE):\n");
	for (size_t i = 0; i < n; i++)
		print_summary(root, names[i]);
	free_list(names, n);
	return 0;
}

/* A name is a C identifier and a file name: [A-Za-z][A-Za-z0-9_]*. */
static bool
valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NAME_MAX_LEN || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/*
 * Copies text replacing the example's name by the app's wherever it stands
 * as a word: not touching letters or digits on either side ("hello_json"
 * becomes "blog_json", "othello" stays).
 */
static int
rename_text(sx_buf *out, const char *text, size_t len, const char *from,
    const char *to)
{
	const size_t flen = strlen(from);
	size_t i = 0;

	while (i < len) {
		if (i + flen <= len && memcmp(text + i, from, flen) == 0 &&
		    (i == 0 || !isalnum((unsigned char)text[i - 1])) &&
		    (i + flen == len || !isalnum((unsigned char)text[i + flen]))) {
			if (sx_buf_puts(out, to) < 0)
				return -1;
			i += flen;
		} else if (sx_buf_putc(out, text[i++]) < 0)
			return -1;
	}
	return 0;
}

/* Finds "sx_app IDENT" in the renamed source: the app's variable. */
static char *
find_app_var(const char *src)
{
	const char *p = strstr(src, "sx_app ");

	while (p != NULL) {
		const char *q = p + 7, *end;

		while (*q == ' ')
			q++;
		for (end = q; isalnum((unsigned char)*end) || *end == '_'; end++)
			;
		while (*end == ' ')
			end++;
		if (end > q && *end == '=')
			return strndup(q, strcspn(q, " ="));
		p = strstr(p + 1, "sx_app ");
	}
	return NULL;
}

/* Replaces len bytes at off in b with text. Returns 0, or -1 when out of
 * memory. */
static int
splice(sx_buf *b, size_t off, size_t len, const char *text)
{
	sx_buf out = SX_BUF_INIT;

	if (sx_buf_append(&out, b->data, off) < 0 || sx_buf_puts(&out, text) < 0 ||
	    sx_buf_append(&out, b->data + off + len, b->len - off - len) < 0) {
		sx_buf_free(&out);
		return -1;
	}
	sx_buf_free(b);
	*b = out;
	return 0;
}

/* The end of the string literals (C concatenates adjacent ones) starting
 * at p. */
static const char *
skip_literals(const char *p)
{
	while (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p == '"')
			p++;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
	}
	return p;
}

/*
 * Makes the example's main source the new app's: its sx_app exported (not
 * static) for the tests and other source files to reach through NAME.h;
 * SX_EXAMPLE_NO_MAIN spelt SX_APP_NO_MAIN; its description the new app's
 * own. Returns 0, or -1 when out of memory.
 */
static int
adapt_main_source(const scaffold *s, sx_buf *b)
{
	const char *p;
	char *desc;
	int rc = 0;

	if (b->data != NULL && (p = strstr(b->data, "static const sx_app ")) != NULL)
		rc = splice(b, (size_t)(p - b->data), strlen("static "), "");
	while (rc == 0 && b->data != NULL &&
	    (p = strstr(b->data, "SX_EXAMPLE_NO_MAIN")) != NULL)
		rc = splice(b, (size_t)(p - b->data), strlen("SX_EXAMPLE_NO_MAIN"),
		    "SX_APP_NO_MAIN");
	if (rc != 0 || b->data == NULL ||
	    (p = strstr(b->data, ".description = \"")) == NULL)
		return rc;
	p += strlen(".description = ");
	if ((desc = path_fmt("\"%s, started from Sextant's %s example.\"",
	    s->name, s->example)) == NULL)
		return -1;
	{
		const char *end = skip_literals(p);

		while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\n'))
			end--;
		rc = splice(b, (size_t)(p - b->data), (size_t)(end - p), desc);
	}
	free(desc);
	return rc;
}

/* Copies one file, renaming C sources (file name and content). */
static int
copy_file(scaffold *s, const char *src, const char *dst_dir, const char *fname)
{
	size_t len, flen = strlen(fname);
	char *text = sx_read_file(src, &len), *dst;
	bool is_c = flen > 2 && (strcmp(fname + flen - 2, ".c") == 0 ||
	    strcmp(fname + flen - 2, ".h") == 0);
	sx_buf body = SX_BUF_INIT, name = SX_BUF_INIT;
	int rc = -1;

	if (text == NULL) {
		fprintf(stderr, "sextant: cannot read %s (%s)\n", src, strerror(errno));
		return -1;
	}
	if (rename_text(&name, fname, flen, s->example, s->name) < 0 ||
	    (dst = path_fmt("%s/%s", dst_dir, name.data)) == NULL)
		goto out;
	if (is_c) {
		if (rename_text(&body, text, len, s->example, s->name) < 0) {
			free(dst);
			goto out;
		}
		if (s->app_var == NULL)
			s->app_var = find_app_var(body.data ? body.data : "");
		if (strncmp(name.data, s->name, strlen(s->name)) == 0 &&
		    strcmp(name.data + strlen(s->name), ".c") == 0 &&
		    adapt_main_source(s, &body) < 0) {
			free(dst);
			goto out;
		}
		rc = write_all(dst, body.data ? body.data : "", body.len);
	} else
		rc = write_all(dst, text, len);
	free(dst);
out:
	free(text);
	sx_buf_free(&body);
	sx_buf_free(&name);
	return rc;
}

/* Skips build products and hidden files a source folder might hold. */
static bool
skip_entry(const char *fname, bool top)
{
	size_t len = strlen(fname);

	if (fname[0] == '.')
		return true;
	if (top && strcmp(fname, "README.md") == 0)
		return true;	/* the app gets a README of its own */
	return (len > 2 && strcmp(fname + len - 2, ".o") == 0) ||
	    (len > 3 && strcmp(fname + len - 3, ".lo") == 0) ||
	    (len > 3 && strcmp(fname + len - 3, ".db") == 0);
}

/* Copies a folder of the example into the app, recursively. */
static int
copy_tree(scaffold *s, const char *src_dir, const char *dst_dir, bool top)
{
	DIR *dh = opendir(src_dir);
	struct dirent *e;
	int rc = 0;

	if (dh == NULL) {
		fprintf(stderr, "sextant: cannot read %s (%s)\n", src_dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(dh)) != NULL) {
		char *src, *dst;
		struct stat sb;

		if (skip_entry(e->d_name, top))
			continue;
		if ((src = path_fmt("%s/%s", src_dir, e->d_name)) == NULL)
			rc = -1;
		else if (stat(src, &sb) != 0)
			;	/* vanished: nothing to copy */
		else if (S_ISDIR(sb.st_mode)) {
			if ((dst = path_fmt("%s/%s", dst_dir, e->d_name)) == NULL ||
			    mkdir(dst, 0777) != 0) {
				fprintf(stderr, "sextant: cannot create %s (%s)\n",
				    dst ? dst : e->d_name, strerror(errno));
				rc = -1;
			} else
				rc = copy_tree(s, src, dst, false);
			free(dst);
		} else if (S_ISREG(sb.st_mode) && (sb.st_mode & S_IXUSR) == 0)
			rc = copy_file(s, src, dst_dir, e->d_name);
		free(src);
	}
	closedir(dh);
	return rc;
}

/* Writes a generated file from a template where every "@NAME@" is the
 * app's name and "@APP@" its sx_app variable. */
static int
write_generated(const scaffold *s, const char *rel, const char *tmpl)
{
	sx_buf b = SX_BUF_INIT;
	char *path = path_fmt("%s/%s", s->dest, rel);
	int rc = -1;

	for (const char *p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "@NAME@", 6) == 0) {
			sx_buf_puts(&b, s->name);
			p += 5;
		} else if (strncmp(p, "@APP@", 5) == 0) {
			sx_buf_puts(&b, s->app_var);
			p += 4;
		} else
			sx_buf_putc(&b, *p);
	}
	if (path != NULL && b.data != NULL)
		rc = write_all(path, b.data, b.len);
	free(path);
	sx_buf_free(&b);
	return rc;
}

static const char makefile_tmpl[] =
    "# Builds @NAME@ against the installed Sextant (pkg-config sextant).\n"
    "# Set PKG_CONFIG_PATH when Sextant lives outside the default prefix.\n"
    "PKG_CONFIG ?= pkg-config\n"
    "CFLAGS ?= -O2 -g -Wall -Wextra\n"
    "SX_CFLAGS := $(shell $(PKG_CONFIG) --cflags sextant)\n"
    "SX_LIBS := $(shell $(PKG_CONFIG) --libs sextant)\n"
    "# Run without LD_LIBRARY_PATH wherever the library is installed.\n"
    "SX_RPATH := -Wl,-rpath,$(shell $(PKG_CONFIG) --variable=libdir sextant)\n"
    "CRITERION_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)\n"
    "\n"
    "# The app's sources: list new files here as the app grows. Each may\n"
    "# include @NAME@.h to reach the app table. The tests link them all,\n"
    "# built with -DSX_APP_NO_MAIN, which leaves main() out of @NAME@.c.\n"
    "SRCS = @NAME@.c\n"
    "HDRS = @NAME@.h\n"
    "\n"
    "all: @NAME@\n"
    "\n"
    "@NAME@: $(SRCS) $(HDRS)\n"
    "\t$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(SX_CFLAGS) -o $@ $(SRCS) $(LDFLAGS) $(SX_LIBS) $(SX_RPATH)\n"
    "\n"
    "tests/test_@NAME@: tests/test_@NAME@.c $(SRCS) $(HDRS)\n"
    "\t$(CC) -std=c11 -D_GNU_SOURCE -DSX_APP_NO_MAIN -I. $(CFLAGS) $(SX_CFLAGS) -o $@ tests/test_@NAME@.c $(SRCS) $(LDFLAGS) $(SX_LIBS) $(SX_RPATH) $(CRITERION_LIBS)\n"
    "\n"
    "check: tests/test_@NAME@\n"
    "\t./tests/test_@NAME@\n"
    "\n"
    "clean:\n"
    "\trm -f @NAME@ tests/test_@NAME@\n"
    "\n"
    ".PHONY: all check clean\n";

static const char header_tmpl[] =
    "/*\n"
    " * @NAME@.h: what the app's source files share. The app table, @APP@,\n"
    " * is defined in @NAME@.c; other source files and the tests reach it\n"
    " * through this header (list new files in the Makefile's SRCS).\n"
    " */\n"
    "#ifndef @NAME@_H\n"
    "#define @NAME@_H\n"
    "\n"
    "#include <sextant.h>\n"
    "\n"
    "extern const sx_app @APP@;\n"
    "\n"
    "#endif\n";

static const char test_tmpl[] =
    "/*\n"
    " * test_@NAME@.c: runs @NAME@ through the in-process test client (the\n"
    " * same pipeline as the server). `make check` runs it. Each test gets\n"
    " * fresh, migrated databases: temporary SQLite files, or with\n"
    " * SX_TEST_PG_URL set, a throwaway schema on that PostgreSQL server.\n"
    " * SX_TEST_LOG=1 shows the app's log.\n"
    " */\n"
    "#include <criterion/criterion.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "\n"
    "#include \"@NAME@.h\"\n"
    "\n"
    "static sx_test_client *\n"
    "client(void)\n"
    "{\n"
    "\tchar err[512] = \"\";\n"
    "\tsx_test_client *tc = sx_test_client_fresh(&@APP@,\n"
    "\t    getenv(\"SX_TEST_PG_URL\"), NULL, err, sizeof(err));\n"
    "\n"
    "\tcr_assert_not_null(tc, \"start-up failed: %s\", err);\n"
    "\treturn tc;\n"
    "}\n"
    "\n"
    "Test(@NAME@, index_answers)\n"
    "{\n"
    "\tsx_test_client *tc = client();\n"
    "\tsx_test_response *r = sx_test_request(tc, \"GET\", \"/\", NULL, NULL, 0);\n"
    "\n"
    "\tcr_assert_not_null(r);\n"
    "\tcr_expect(r->status >= 200 && r->status < 400, \"GET /: %d %s\",\n"
    "\t    r->status, r->body);\n"
    "\tsx_test_response_free(r);\n"
    "\tsx_test_client_free(tc);\n"
    "}\n";

static const char readme_tmpl[] =
    "# @NAME@\n"
    "\n"
    "A web application built with [Sextant](https://example.invalid/sextant),\n"
    "started with `sextant new`. Build it, then run it:\n"
    "\n"
    "    make\n"
    "    ./@NAME@ request GET /\n"
    "\n"
    "`./@NAME@ help` lists its commands: `serve` answers FastCGI\n"
    "(`./@NAME@ serve --listen /run/@NAME@.sock --migrate`), `routes` lists the\n"
    "routes, `db upgrade` applies the migrations in `migrations/`, and\n"
    "`make check` runs the test in `tests/`. See sextant-app(1).\n"
    "\n"
    "`deploy/` holds snippets for nginx and Apache httpd that pass requests to\n"
    "the FastCGI socket.\n";

static const char nginx_tmpl[] =
    "# nginx: pass every request to @NAME@ over FastCGI. Start the app with\n"
    "#   ./@NAME@ serve --listen /run/@NAME@/@NAME@.sock --socket-mode 0660\n"
    "# and give nginx's user the socket's group.\n"
    "upstream @NAME@ {\n"
    "    server unix:/run/@NAME@/@NAME@.sock;\n"
    "    keepalive 8;\n"
    "}\n"
    "\n"
    "server {\n"
    "    listen 80;\n"
    "    server_name @NAME@.example.com;\n"
    "\n"
    "    location / {\n"
    "        include fastcgi_params;\n"
    "        fastcgi_param SCRIPT_NAME \"\";\n"
    "        fastcgi_param PATH_INFO $uri;\n"
    "        fastcgi_keep_conn on;\n"
    "        fastcgi_pass @NAME@;\n"
    "    }\n"
    "}\n";

static const char apache_tmpl[] =
    "# Apache httpd (mod_proxy_fcgi): pass every request to @NAME@ over\n"
    "# FastCGI. Start the app with\n"
    "#   ./@NAME@ serve --listen /run/@NAME@/@NAME@.sock --socket-mode 0660\n"
    "# Needs: a2enmod proxy proxy_fcgi\n"
    "<VirtualHost *:80>\n"
    "    ServerName @NAME@.example.com\n"
    "    ProxyPass \"/\" \"unix:/run/@NAME@/@NAME@.sock|fcgi://localhost/\"\n"
    "</VirtualHost>\n"
    "\n"
    "# Or as CGI (one process a request), with mod_cgid:\n"
    "#   ScriptAlias /@NAME@ /srv/@NAME@/@NAME@\n";

static int
cmd_new(scaffold *s)
{
	char *src = NULL, *tests = NULL, *deploy = NULL, *mig = NULL;
	struct stat sb;
	int rc = 1;

	if (!is_example(s->root, s->example)) {
		size_t n;
		char **names = list_examples(s->root, &n);

		fprintf(stderr, "sextant: no example \"%s\" in %s (known:", s->example,
		    s->root);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s %s", i ? "," : "", names[i]);
		fprintf(stderr, "%s)\n", n ? "" : " none; install Sextant or set "
		    "SEXTANT_EXAMPLES");
		free_list(names, n);
		return 1;
	}
	if (lstat(s->dest, &sb) == 0) {
		fprintf(stderr, "sextant: %s already exists (choose another name, or "
		    "--dir DIR for a new folder)\n", s->dest);
		return 1;
	}
	if (mkdir(s->dest, 0777) != 0) {
		fprintf(stderr, "sextant: cannot create %s (%s)\n", s->dest,
		    strerror(errno));
		return 1;
	}
	if ((src = path_fmt("%s/%s", s->root, s->example)) == NULL ||
	    (tests = path_fmt("%s/tests", s->dest)) == NULL ||
	    (deploy = path_fmt("%s/deploy", s->dest)) == NULL ||
	    (mig = path_fmt("%s/" SX_DEFAULT_MIGRATIONS_DIR, s->dest)) == NULL)
		goto out;
	if (copy_tree(s, src, s->dest, true) != 0)
		goto out;
	if (s->app_var == NULL) {
		fprintf(stderr, "sextant: %s/%s.c declares no \"static const sx_app "
		    "NAME = {...}\" (is it a Sextant app?)\n", src, s->example);
		goto out;
	}
	if (mkdir(tests, 0777) != 0 || mkdir(deploy, 0777) != 0 ||
	    (mkdir(mig, 0777) != 0 && errno != EEXIST)) {
		fprintf(stderr, "sextant: cannot create folders in %s (%s)\n", s->dest,
		    strerror(errno));
		goto out;
	}
	{
		char *test_rel = path_fmt("tests/test_%s.c", s->name);
		char *header_path = path_fmt("%s.h", s->name);

		rc = test_rel == NULL || header_path == NULL ||
		    write_generated(s, "Makefile", makefile_tmpl) != 0 ||
		    write_generated(s, header_path, header_tmpl) != 0 ||
		    write_generated(s, test_rel, test_tmpl) != 0 ||
		    write_generated(s, "README.md", readme_tmpl) != 0 ||
		    write_generated(s, "deploy/nginx.conf", nginx_tmpl) != 0 ||
		    write_generated(s, "deploy/apache.conf", apache_tmpl) != 0 ||
		    write_generated(s, ".gitignore", "/@NAME@\n/tests/test_@NAME@\n*.db\n*.db-*\n") != 0;
		free(test_rel);
		free(header_path);
	}
	if (rc == 0)
		printf("Created %s from the %s example. Next:\n  cd %s && make && "
		    "./%s request GET /\n", s->dest, s->example, s->dest, s->name);
out:
	free(src);
	free(tests);
	free(deploy);
	free(mig);
	return rc;
}

int
main(int argc, char **argv)
{
	scaffold s = { .example = "hello", .root = examples_root() };
	bool list = false;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("sextant %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "new") != 0) {
		if (argc >= 2)
			fprintf(stderr, "sextant: unknown command \"%s\"\n", argv[1]);
		fputs(usage_text, stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--list") == 0)
			list = true;
		else if (strcmp(a, "--from") == 0 && i + 1 < argc)
			s.example = argv[++i];
		else if (strcmp(a, "--dir") == 0 && i + 1 < argc)
			s.dest = argv[++i];
		else if (strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "sextant: unknown option or missing value: %s "
			    "(see sextant --help)\n", a);
			return 2;
		} else if (s.name == NULL)
			s.name = a;
		else {
			fprintf(stderr, "sextant: unexpected argument \"%s\"\n", a);
			return 2;
		}
	}
	if (list)
		return cmd_list(s.root);
	if (s.name == NULL) {
		fprintf(stderr, "sextant new: expected a NAME (e.g. sextant new blog)\n");
		return 2;
	}
	if (!valid_name(s.name)) {
		fprintf(stderr, "sextant new: \"%s\" is not a valid name (start with a "
		    "letter; letters, digits and '_' only; at most %d characters)\n",
		    s.name, NAME_MAX_LEN);
		return 2;
	}
	if (s.dest == NULL)
		s.dest = s.name;
	rc = cmd_new(&s);
	free(s.app_var);
	return rc;
}
