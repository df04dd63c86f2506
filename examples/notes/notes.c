/*
 * notes: the flagship example, a small and complete web app. People
 * register, log in, and keep notes: list (20 a page, newest first), search
 * over title and body, create, edit, delete. HTML pages come from Mustache
 * templates sharing one layout; every form carries the session's CSRF
 * token; a flash message follows each action; a form that does not fit
 * comes back with the error next to the field and the input kept. The same
 * notes are a JSON API under /api/notes, authenticated by the same session.
 * Another user's note does not exist for you: 404, on pages and API alike.
 *
 *	GET  /                     the login form, or a redirect to /notes
 *	GET  /register, /login     forms; POST them to act
 *	POST /logout
 *	GET  /notes?q=&page=       your notes
 *	GET  /notes/new            POST /notes creates
 *	GET  /notes/{id}/edit      POST /notes/{id} saves, POST /notes/{id}/delete
 *	GET  /api/notes?q=&page=   200 {"notes":[...],"page":N,"has_next":bool}
 *	POST /api/notes            201 the note; 422 unfit field
 *	GET, PUT, DELETE /api/notes/{id}   200, 200, 204; 404 not yours
 *	(the API answers 401 without a logged-in session)
 *	GET  /static/...           the stylesheet
 *
 * Passwords are hashed with Argon2id (sx_password_hash). With
 * SX_PASSWORD_FAST=1 in the environment the hash uses libsodium's minimum
 * costs: for tests only, never in production.
 *
 *	./notes serve --migrate                               (sqlite:notes.db)
 *	./notes serve --migrate --database db_session=postgresql:///notes
 */
#include <stdlib.h>
#include <string.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/, templates/, static/ from here */
#endif

#define USERNAME_MAX 64
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024
#define TITLE_MAX 200
#define BODY_MAX 20000
#define PAGE_SIZE 20

/* ---- helpers shared by pages and API ----------------------------------- */

/* A database failure: busy is worth retrying (503), the rest is ours (500). */
static int
db_failed(sx_req *req, sx_res *res, sx_db_conn *db, sx_db_err err)
{
	sx_req_log(req, "query failed: %s: %s", sx_db_strerror(err),
	    sx_db_last_error(db)->message);
	if (err == SX_DB_ERR_BUSY || err == SX_DB_ERR_SERIALIZATION) {
		sx_error(res, 503, "the database is busy, retry shortly");
		return sx_res_header(res, "Retry-After", "1");
	}
	return sx_error(res, 500, "database error");
}

/* The logged-in user's id, or 0 when the session has none. */
static int64_t
current_user(sx_req *req)
{
	sx_session *s = sx_session_of(req);
	const cJSON *id = s ? sx_session_get(s, "user_id") : NULL;

	return cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0;
}

/* The problem with a note's title and body, one per field (NULL when the
 * field fits). Returns true when both fit. */
static bool
check_note(const char *title, const char *body, const char **title_err,
    const char **body_err)
{
	*title_err = *body_err = NULL;
	if (title == NULL || *title == '\0')
		*title_err = "Give the note a title.";
	else if (strlen(title) > TITLE_MAX)
		*title_err = "The title is too long: at most 200 characters.";
	if (body == NULL || *body == '\0')
		*body_err = "The note is empty: write something.";
	else if (strlen(body) > BODY_MAX)
		*body_err = "The note is too long: at most 20000 characters.";
	return *title_err == NULL && *body_err == NULL;
}

/* The LIKE pattern matching q anywhere, with %, _ and \ escaped. */
static char *
like_pattern(sx_req *req, const char *q)
{
	char *p = sx_req_alloc(req, 2 * strlen(q) + 3), *o = p;

	*o++ = '%';
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

/* The page number of ?page=, 1 when absent or not a positive number. */
static long
page_of(sx_req *req)
{
	const char *s = sx_req_query(req, "page");
	char *end;
	long n = s ? strtol(s, &end, 10) : 1;

	return s && (*end != '\0' || n < 1 || n > 1000000) ? 1 : n;
}

/*
 * One page of the user's notes, newest first, matching q when it is not
 * empty: PAGE_SIZE + 1 rows are asked for, so the caller knows whether a
 * next page exists.
 */
static sx_db_err
list_notes(sx_req *req, sx_db_conn *db, int64_t user, const char *q, long page,
    sx_db_result **r)
{
	int64_t off = (int64_t)(page - 1) * PAGE_SIZE;

	if (q == NULL || *q == '\0')
		return sx_db_exec(db, "SELECT id, title, body, created_at FROM notes "
		    "WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
		    SX_PARAMS(SX_PINT(user), SX_PINT(PAGE_SIZE + 1), SX_PINT(off)),
		    r);
	return sx_db_exec(db, "SELECT id, title, body, created_at FROM notes "
	    "WHERE user_id = $1 AND (lower(title) LIKE lower($2) ESCAPE '\\' "
	    "OR lower(body) LIKE lower($2) ESCAPE '\\') "
	    "ORDER BY id DESC LIMIT $3 OFFSET $4",
	    SX_PARAMS(SX_PINT(user), SX_PTEXT(like_pattern(req, q)),
	    SX_PINT(PAGE_SIZE + 1), SX_PINT(off)), r);
}

/* The user's note id into *r: SX_DB_NO_ROW when it is not theirs. */
static sx_db_err
find_note(sx_db_conn *db, int64_t user, int64_t id, sx_db_result **r)
{
	return sx_db_one(db, "SELECT id, title, body, created_at FROM notes "
	    "WHERE id = $1 AND user_id = $2", SX_PARAMS(SX_PINT(id),
	    SX_PINT(user)), r);
}

/* ---- HTML pages ------------------------------------------------------------ */

/* Renders template over data (taken) with what every page shows: the
 * logged-in user and the flash message, which is shown once. */
static int
page(sx_req *req, sx_res *res, int status, const char *tpl, cJSON *data)
{
	sx_session *s = sx_session_of(req);
	const cJSON *user = s ? sx_session_get(s, "username") : NULL;
	const cJSON *flash = s ? sx_session_get(s, "flash") : NULL;
	int rc;

	if (cJSON_IsString(user))
		cJSON_AddStringToObject(data, "user", user->valuestring);
	if (cJSON_IsString(flash)) {
		cJSON_AddStringToObject(data, "flash", flash->valuestring);
		sx_session_remove(s, "flash");
	}
	rc = sx_render(res, status, tpl, data);	/* frees data */
	return rc;
}

/* Leaves text for the next page and sends the browser to location. */
static int
flash_redirect(sx_req *req, sx_res *res, const char *text, const char *location)
{
	sx_session *s = sx_session_of(req);

	if (s == NULL || sx_session_set(s, "flash", cJSON_CreateString(text)) !=
	    SX_SESSION_OK)
		return -1;
	return sx_redirect(res, 303, location);
}

/* A form page with its error and the username kept. */
static int
account_form(sx_req *req, sx_res *res, int status, const char *tpl,
    const char *error)
{
	cJSON *d = cJSON_CreateObject();
	const char *user = sx_req_form(req, "username");

	if (error != NULL)
		cJSON_AddStringToObject(d, "error", error);
	if (user != NULL)
		cJSON_AddStringToObject(d, "username", user);
	return page(req, res, status, tpl, d);
}

static int
show_home(sx_req *req, sx_res *res)
{
	if (current_user(req) != 0)
		return sx_redirect(res, 303, "/notes");
	return account_form(req, res, 200, "login", NULL);
}

static int
show_login(sx_req *req, sx_res *res)
{
	return account_form(req, res, 200, "login", NULL);
}

static int
show_register(sx_req *req, sx_res *res)
{
	return account_form(req, res, 200, "register", NULL);
}

/* Logs user id in: a new session id (no fixation) holding who it is. */
static int
log_in(sx_req *req, int64_t id, const char *user)
{
	sx_session *s = sx_session_of(req);

	if (s == NULL || sx_session_rotate(s) != SX_SESSION_OK ||
	    sx_session_set(s, "user_id", cJSON_CreateNumber((double)id)) !=
	    SX_SESSION_OK ||
	    sx_session_set(s, "username", cJSON_CreateString(user)) !=
	    SX_SESSION_OK)
		return -1;
	return 0;
}

static int
do_register(sx_req *req, sx_res *res)
{
	const char *user = sx_req_form(req, "username");
	const char *pass = sx_req_form(req, "password");
	char hash[SX_PASSWORD_HASH_MAX];
	sx_db_result *r = NULL;
	sx_db_conn *db;
	sx_db_err err;
	int64_t id;

	if (user == NULL || *user == '\0' || strlen(user) > USERNAME_MAX)
		return account_form(req, res, 422, "register",
		    "Choose a username of 1 to 64 characters.");
	if (pass == NULL || strlen(pass) < PASSWORD_MIN || strlen(pass) > PASSWORD_MAX)
		return account_form(req, res, 422, "register",
		    "Choose a password of at least 8 characters.");
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	if (sx_password_hash(pass, hash) != 0)
		return sx_error(res, 503, "not enough memory to hash the password");
	err = sx_db_one(db, "INSERT INTO users (username, password_hash) "
	    "VALUES ($1, $2) RETURNING id", SX_PARAMS(SX_PTEXT(user),
	    SX_PTEXT(hash)), &r);
	if (err == SX_DB_ERR_UNIQUE)
		return account_form(req, res, 409, "register",
		    "This username is taken: choose another.");
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	sx_db_next(r);
	id = sx_db_int(r, "id");
	sx_db_result_free(r);
	if (log_in(req, id, user) != 0)
		return -1;
	return flash_redirect(req, res, "Welcome! Your account is ready.",
	    "/notes");
}

/* Checks the credentials: 0 and the user's id, 1 when they are wrong, -1
 * after answering a database failure. */
static int
check_password(sx_req *req, sx_res *res, sx_db_conn *db, const char *user,
    const char *pass, int64_t *id)
{
	sx_db_result *r = NULL;
	sx_db_err err = sx_db_one(db, "SELECT id, password_hash FROM users "
	    "WHERE username = $1", SX_PARAMS(SX_PTEXT(user)), &r);
	int rc = 1;

	if (err == SX_DB_NO_ROW)
		return 1;
	if (err != SX_DB_OK) {
		db_failed(req, res, db, err);
		return -1;
	}
	sx_db_next(r);
	if (sx_password_verify(sx_db_text(r, "password_hash"), pass)) {
		*id = sx_db_int(r, "id");
		rc = 0;
	}
	sx_db_result_free(r);
	return rc;
}

static int
do_login(sx_req *req, sx_res *res)
{
	const char *user = sx_req_form(req, "username");
	const char *pass = sx_req_form(req, "password");
	sx_db_conn *db;
	int64_t id = 0;
	int rc;

	if (user == NULL || pass == NULL || *user == '\0' ||
	    strlen(user) > USERNAME_MAX || strlen(pass) > PASSWORD_MAX)
		return account_form(req, res, 401, "login",
		    "Wrong username or password.");
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	if ((rc = check_password(req, res, db, user, pass, &id)) != 0)
		return rc < 0 ? 0 : account_form(req, res, 401, "login",
		    "Wrong username or password.");
	if (log_in(req, id, user) != 0)
		return -1;
	return flash_redirect(req, res, "You are logged in.", "/notes");
}

static int
do_logout(sx_req *req, sx_res *res)
{
	sx_session *s = sx_session_of(req);

	if (s == NULL)
		return -1;
	sx_session_clear(s);
	sx_session_rotate(s);
	return flash_redirect(req, res, "You are logged out.", "/login");
}

/* Sends a visitor who is not logged in to the login form. */
static sx_guard_result
login_required(sx_req *req, sx_res *res, const void *arg)
{
	(void)arg;
	if (current_user(req) != 0)
		return SX_GUARD_PASS;
	sx_redirect(res, 303, "/login");
	return SX_GUARD_ANSWERED;
}

static const sx_guard page_login = { "login_required", login_required, NULL };

/* Appends s percent-encoded for a query string. */
static void
url_encode(sx_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			sx_buf_putc(b, (char)c);
		else
			sx_buf_printf(b, "%%%02X", c);
	}
}

/* The link to another page of the list, keeping the search. */
static char *
page_link(sx_req *req, const char *q, long page)
{
	sx_buf b = {0};
	char *s;

	sx_buf_printf(&b, "/notes?page=%ld", page);
	if (q != NULL && *q != '\0') {
		sx_buf_puts(&b, "&q=");
		url_encode(&b, q);
	}
	s = sx_req_strdup(req, b.data ? b.data : "");
	sx_buf_free(&b);
	return s;
}

static int
show_notes(sx_req *req, sx_res *res)
{
	const char *q = sx_req_query(req, "q");
	long n = page_of(req);
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_result *r = NULL;
	cJSON *d, *list;
	sx_db_err err;
	size_t i = 0;

	if (db == NULL)
		return -1;
	if ((err = list_notes(req, db, current_user(req), q, n, &r)) != SX_DB_OK)
		return db_failed(req, res, db, err);
	d = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(d, "notes");
	while (sx_db_next(r) && i++ < PAGE_SIZE)
		cJSON_AddItemToArray(list, sx_db_row_json(r));
	if (q != NULL && *q != '\0')
		cJSON_AddStringToObject(d, "q", q);
	if (n > 1)
		cJSON_AddStringToObject(d, "prev", page_link(req, q, n - 1));
	if (sx_db_rows(r) > PAGE_SIZE)
		cJSON_AddStringToObject(d, "next", page_link(req, q, n + 1));
	cJSON_AddNumberToObject(d, "page", (double)n);
	sx_db_result_free(r);
	return page(req, res, 200, "notes", d);
}

/* The note form, for a new note (id 0) or an existing one, with what the
 * user typed and the errors next to their fields. */
static int
note_form(sx_req *req, sx_res *res, int status, int64_t id, const char *title,
    const char *body, const char *title_err, const char *body_err)
{
	cJSON *d = cJSON_CreateObject();

	if (id != 0) {
		cJSON_AddNumberToObject(d, "id", (double)id);
		cJSON_AddStringToObject(d, "action",
		    sx_req_printf(req, "/notes/%lld", (long long)id));
	} else
		cJSON_AddStringToObject(d, "action", "/notes");
	cJSON_AddStringToObject(d, "title", title ? title : "");
	cJSON_AddStringToObject(d, "body", body ? body : "");
	if (title_err != NULL)
		cJSON_AddStringToObject(d, "title_error", title_err);
	if (body_err != NULL)
		cJSON_AddStringToObject(d, "body_error", body_err);
	return page(req, res, status, "edit", d);
}

static int
show_new(sx_req *req, sx_res *res)
{
	return note_form(req, res, 200, 0, NULL, NULL, NULL, NULL);
}

static int
show_edit(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	int64_t id = sx_req_param_int(req, "id");
	sx_db_result *r = NULL;
	sx_db_err err;
	int rc;

	if (db == NULL)
		return -1;
	err = find_note(db, current_user(req), id, &r);
	if (err == SX_DB_NO_ROW)
		return sx_error(res, 404, "no such note");
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	sx_db_next(r);
	rc = note_form(req, res, 200, id, sx_db_text(r, "title"),
	    sx_db_text(r, "body"), NULL, NULL);
	sx_db_result_free(r);
	return rc;
}

/*
 * Saves the posted note: a new one when id is 0, else the user's note id
 * (404 when it is not theirs). An unfit field shows the form again.
 */
static int
save_note(sx_req *req, sx_res *res, int64_t id)
{
	const char *title = sx_req_form(req, "title");
	const char *body = sx_req_form(req, "body");
	const char *title_err, *body_err;
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_result *r = NULL;
	sx_db_err err;

	if (db == NULL)
		return -1;
	if (!check_note(title, body, &title_err, &body_err))
		return note_form(req, res, 422, id, title, body, title_err,
		    body_err);
	if (id == 0)
		err = sx_db_exec(db, "INSERT INTO notes (user_id, title, body) "
		    "VALUES ($1, $2, $3)", SX_PARAMS(SX_PINT(current_user(req)),
		    SX_PTEXT(title), SX_PTEXT(body)), &r);
	else
		err = sx_db_exec(db, "UPDATE notes SET title = $1, body = $2 "
		    "WHERE id = $3 AND user_id = $4", SX_PARAMS(SX_PTEXT(title),
		    SX_PTEXT(body), SX_PINT(id), SX_PINT(current_user(req))), &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	if (sx_db_affected(r) == 0) {
		sx_db_result_free(r);
		return sx_error(res, 404, "no such note");
	}
	sx_db_result_free(r);
	return flash_redirect(req, res, "Note saved.", "/notes");
}

static int
do_create(sx_req *req, sx_res *res)
{
	return save_note(req, res, 0);
}

static int
do_update(sx_req *req, sx_res *res)
{
	return save_note(req, res, sx_req_param_int(req, "id"));
}

/* Deletes the user's note id: true when it was theirs. */
static sx_db_err
delete_note(sx_db_conn *db, int64_t user, int64_t id, bool *gone)
{
	sx_db_result *r = NULL;
	sx_db_err err = sx_db_exec(db, "DELETE FROM notes WHERE id = $1 AND "
	    "user_id = $2", SX_PARAMS(SX_PINT(id), SX_PINT(user)), &r);

	*gone = err == SX_DB_OK && sx_db_affected(r) > 0;
	sx_db_result_free(r);
	return err;
}

static int
do_delete(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_err err;
	bool gone;

	if (db == NULL)
		return -1;
	err = delete_note(db, current_user(req), sx_req_param_int(req, "id"),
	    &gone);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	if (!gone)
		return sx_error(res, 404, "no such note");
	return flash_redirect(req, res, "Note deleted.", "/notes");
}

/* ---- JSON API ------------------------------------------------------------------ */

static sx_guard_result
api_login(sx_req *req, sx_res *res, const void *arg)
{
	(void)arg;
	if (current_user(req) != 0)
		return SX_GUARD_PASS;
	sx_error(res, 401, "log in first: POST /login");
	return SX_GUARD_ANSWERED;
}

static const sx_guard api_login_guard = { "api_login", api_login, NULL };

static int
api_list(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	long n = page_of(req);
	sx_db_result *r = NULL;
	cJSON *o, *list;
	sx_db_err err;
	size_t i = 0;

	if (db == NULL)
		return -1;
	err = list_notes(req, db, current_user(req), sx_req_query(req, "q"), n, &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "notes");
	while (sx_db_next(r) && i++ < PAGE_SIZE)
		cJSON_AddItemToArray(list, sx_db_row_json(r));
	cJSON_AddNumberToObject(o, "page", (double)n);
	cJSON_AddBoolToObject(o, "has_next", sx_db_rows(r) > PAGE_SIZE);
	sx_db_result_free(r);
	return sx_json(res, 200, o);
}

/* The note's fields from the JSON body: false after answering 422. */
static bool
api_fields(sx_req *req, sx_res *res, const char **title, const char **body)
{
	const cJSON *j = sx_req_json(req);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "title");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "body");
	const char *te, *be;

	*title = cJSON_IsString(t) ? t->valuestring : NULL;
	*body = cJSON_IsString(b) ? b->valuestring : NULL;
	if (check_note(*title, *body, &te, &be))
		return true;
	sx_error(res, 422, te ? te : be);
	return false;
}

/* Answers status with the user's note id, or 404. */
static int
api_note(sx_req *req, sx_res *res, sx_db_conn *db, int status, int64_t id)
{
	sx_db_result *r = NULL;
	sx_db_err err = find_note(db, current_user(req), id, &r);
	cJSON *o;

	if (err == SX_DB_NO_ROW)
		return sx_error(res, 404, "no such note");
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	sx_db_next(r);
	o = sx_db_row_json(r);
	sx_db_result_free(r);
	return sx_json(res, status, o);
}

static int
api_read(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");

	return db ? api_note(req, res, db, 200, sx_req_param_int(req, "id")) : -1;
}

static int
api_create(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	const char *title, *body;
	sx_db_result *r = NULL;
	sx_db_err err;
	int64_t id;

	if (db == NULL)
		return -1;
	if (!api_fields(req, res, &title, &body))
		return 0;
	err = sx_db_one(db, "INSERT INTO notes (user_id, title, body) VALUES "
	    "($1, $2, $3) RETURNING id", SX_PARAMS(SX_PINT(current_user(req)),
	    SX_PTEXT(title), SX_PTEXT(body)), &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	sx_db_next(r);
	id = sx_db_int(r, "id");
	sx_db_result_free(r);
	sx_res_header(res, "Location", sx_req_printf(req, "/api/notes/%lld",
	    (long long)id));
	return api_note(req, res, db, 201, id);
}

static int
api_update(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	int64_t id = sx_req_param_int(req, "id");
	const char *title, *body;
	sx_db_result *r = NULL;
	sx_db_err err;
	int64_t n;

	if (db == NULL)
		return -1;
	if (!api_fields(req, res, &title, &body))
		return 0;
	err = sx_db_exec(db, "UPDATE notes SET title = $1, body = $2 WHERE "
	    "id = $3 AND user_id = $4", SX_PARAMS(SX_PTEXT(title),
	    SX_PTEXT(body), SX_PINT(id), SX_PINT(current_user(req))), &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	n = sx_db_affected(r);
	sx_db_result_free(r);
	if (n == 0)
		return sx_error(res, 404, "no such note");
	return api_note(req, res, db, 200, id);
}

static int
api_delete(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_err err;
	bool gone;

	if (db == NULL)
		return -1;
	err = delete_note(db, current_user(req), sx_req_param_int(req, "id"),
	    &gone);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	if (!gone)
		return sx_error(res, 404, "no such note");
	return sx_res_status(res, 204);
}

/* ---- static files ------------------------------------------------------------- */

static int
static_files(sx_req *req, sx_res *res)
{
	static const sx_static_opts opts = { .dir = SX_EXAMPLE_DIR "static" };

	return sx_static_serve(req, res, &opts);
}

/* ---- the app ------------------------------------------------------------------ */

#define FORM SX_DEPS("db_session", "session", SX_FORM_ROUTE)
#define PAGE SX_GUARDS(&page_login)
#define API SX_DEPS("db_session", "session")
#define API_AUTH SX_GUARDS(&api_login_guard)

static const sx_route routes[] = {
	{ SX_GET, "/", show_home, FORM, "home", NULL },
	{ SX_GET, "/login", show_login, FORM, "login_form", NULL },
	{ SX_POST, "/login", do_login, FORM, "login", NULL },
	{ SX_GET, "/register", show_register, FORM, "register_form", NULL },
	{ SX_POST, "/register", do_register, FORM, "register", NULL },
	{ SX_POST, "/logout", do_logout, FORM, "logout", NULL },
	{ SX_GET, "/notes", show_notes, FORM, "notes", PAGE },
	{ SX_GET, "/notes/new", show_new, FORM, "new_note", PAGE },
	{ SX_POST, "/notes", do_create, FORM, "create_note", PAGE },
	{ SX_GET, "/notes/{id:int}/edit", show_edit, FORM, "edit_note", PAGE },
	{ SX_POST, "/notes/{id:int}", do_update, FORM, "update_note", PAGE },
	{ SX_POST, "/notes/{id:int}/delete", do_delete, FORM, "delete_note", PAGE },
	{ SX_GET, "/api/notes", api_list, API, "api_list", API_AUTH },
	{ SX_POST, "/api/notes", api_create, API, "api_create", API_AUTH },
	{ SX_GET, "/api/notes/{id:int}", api_read, API, "api_read", API_AUTH },
	{ SX_PUT, "/api/notes/{id:int}", api_update, API, "api_update", API_AUTH },
	{ SX_DELETE, "/api/notes/{id:int}", api_delete, API, "api_delete", API_AUTH },
	{ SX_GET, "/static/{path:path}", static_files, NULL, "static", NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite:notes.db",
	.commit_mode = SX_COMMIT_AUTO_REDIRECT,	/* a redirect after a post saves */
	.migrations_dir = SX_EXAMPLE_DIR "migrations",
}};

static const sx_app notes_app = {
	.name = "notes",
	.description = "Notes: register, log in, keep and search your notes.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
	.templates_dir = SX_EXAMPLE_DIR "templates",
	.max_body = 64 * 1024,
	.extensions = SX_EXTENSIONS("sessions"),
	.sessions = &(const sx_session_config){ .idle_timeout_s = 7 * 24 * 3600 },
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &notes_app);
}
#endif
