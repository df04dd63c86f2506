/*
 * auth: session-based authentication, the login example of SQLSpec's
 * Litestar documentation. Users live in the app's database; who is logged
 * in lives in a server-side session in the same database (the sessions
 * extension), written in the request's transaction.
 *
 *	POST /register {"username","password"}  201; 409 taken; 422 unfit field
 *	POST /login    {"username","password"}  200 {"status":"logged in"} + cookie
 *	GET  /profile                           {"user_id":N,"username":...} or 401
 *	POST /logout                            200
 *
 * Passwords are hashed with Argon2id (sx_password_hash) and
 * checked with sx_password_verify. Logging in gives the session a new
 * id (sx_session_rotate), so an id planted before login is worth nothing.
 *
 *	./auth serve --migrate                               (sqlite:auth.db)
 *	./auth serve --migrate --database db_session=postgresql:///app
 */
#include <string.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/ relative to the working directory */
#endif

#define USERNAME_MAX 64
#define PASSWORD_MAX 1024

/* A database failure: busy or a lost connection (a server restart; the
 * transaction is gone, nothing was saved) is worth retrying (503), the
 * rest is ours (500). */
static int
db_failed(sx_req *req, sx_res *res, sx_db_conn *db, sx_db_err err)
{
	sx_req_log(req, "query failed: %s: %s", sx_db_strerror(err),
	    sx_db_last_error(db)->message);
	if (err == SX_DB_ERR_BUSY || err == SX_DB_ERR_SERIALIZATION ||
	    err == SX_DB_ERR_LOST) {
		sx_error(res, 503, "the database is busy, retry shortly");
		return sx_res_header(res, "Retry-After", "1");
	}
	return sx_error(res, 500, "database error");
}

static int
message(sx_res *res, int status, const char *key, const char *text)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, key, text);
	return sx_json(res, status, o);
}

/* The string field name of the JSON body, 1..max bytes; NULL after
 * answering 422 when it is missing, empty or too long. */
static const char *
field(sx_req *req, sx_res *res, const char *name, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sx_req_json(req), name);

	if (!cJSON_IsString(v) || *v->valuestring == '\0' ||
	    strlen(v->valuestring) > max) {
		sx_error(res, 422, sx_req_printf(req, "\"%s\" must be a non-empty "
		    "string of at most %zu bytes", name, max));
		return NULL;
	}
	return v->valuestring;
}

static int
do_register(sx_req *req, sx_res *res)
{
	const char *user = field(req, res, "username", USERNAME_MAX);
	const char *pass = user ? field(req, res, "password", PASSWORD_MAX) : NULL;
	char hash[SX_PASSWORD_HASH_MAX];
	sx_db_conn *db;
	sx_db_err err;

	if (pass == NULL)
		return 0;
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	if (sx_password_hash(pass, hash) != 0)
		return sx_error(res, 503, "not enough memory to hash the password");
	err = sx_db_exec(db, "INSERT INTO users (username, password_hash) "
	    "VALUES ($1, $2)", SX_PARAMS(SX_PTEXT(user), SX_PTEXT(hash)), NULL);
	if (err == SX_DB_ERR_UNIQUE)
		return sx_error(res, 409, "this username is taken");
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	return message(res, 201, "status", "registered");
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
	const char *user = field(req, res, "username", USERNAME_MAX);
	const char *pass = user ? field(req, res, "password", PASSWORD_MAX) : NULL;
	sx_db_conn *db;
	sx_session *s;
	int64_t id = 0;
	int rc;

	if (pass == NULL)
		return 0;
	if ((db = sx_db(req, "db_session")) == NULL ||
	    (s = sx_session_of(req)) == NULL)
		return -1;
	if ((rc = check_password(req, res, db, user, pass, &id)) != 0)
		return rc < 0 ? 0 : message(res, 401, "error", "Invalid credentials");
	sx_session_rotate(s);
	if (sx_session_set(s, "user_id", cJSON_CreateNumber((double)id)) !=
	    SX_SESSION_OK ||
	    sx_session_set(s, "username", cJSON_CreateString(user)) != SX_SESSION_OK)
		return -1;
	return message(res, 200, "status", "logged in");
}

static int
do_profile(sx_req *req, sx_res *res)
{
	sx_session *s = sx_session_of(req);
	const cJSON *id, *user;
	cJSON *o;

	if (s == NULL)
		return -1;
	id = sx_session_get(s, "user_id");
	user = sx_session_get(s, "username");
	if (!cJSON_IsNumber(id) || !cJSON_IsString(user))
		return message(res, 401, "error", "Not authenticated");
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "user_id", id->valuedouble);
	cJSON_AddStringToObject(o, "username", user->valuestring);
	return sx_json(res, 200, o);
}

static int
do_logout(sx_req *req, sx_res *res)
{
	sx_session *s = sx_session_of(req);

	if (s == NULL)
		return -1;
	sx_session_destroy(s);
	return message(res, 200, "status", "logged out");
}

static const sx_route routes[] = {
	{ SX_GET, "/", sx_handler_index, NULL, "index", NULL },
	{ SX_GET, "/healthz", sx_handler_health, NULL, "health", NULL },
	{ SX_POST, "/register", do_register, SX_DEPS("db_session"), "register", NULL },
	{ SX_POST, "/login", do_login, SX_DEPS("db_session", "session"), "login", NULL },
	{ SX_GET, "/profile", do_profile, SX_DEPS("session"), "profile", NULL },
	{ SX_POST, "/logout", do_logout, SX_DEPS("session"), "logout", NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite:auth.db",
	.commit_mode = SX_COMMIT_AUTO,
	.migrations_dir = SX_EXAMPLE_DIR "migrations",
}};

static const sx_app auth_app = {
	.name = "auth",
	.description = "Session-based login: register, login, profile, logout.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
	.max_body = 16 * 1024,
	.extensions = SX_EXTENSIONS("sessions"),
	.sessions = &(const sx_session_config){ .idle_timeout_s = 3600 },
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &auth_app);
}
#endif
