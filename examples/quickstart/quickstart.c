/*
 * quickstart: the users-and-posts web API of SQLSpec's Litestar
 * documentation, on one database injected as "db_session" in autocommit
 * mode: a 2xx response commits what the handler did, anything else rolls
 * it back, and the handlers never call commit.
 *
 *	./quickstart request --migrate POST /users \
 *	    -H 'Content-Type: application/json' -d '{"name":"Ada","email":"ada@example.org"}'
 *	./quickstart serve --database db_session=postgresql:///app --migrate
 */
#include <string.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/ relative to the working directory */
#endif

#define FIELD_MAX 200

/* A database failure as the client should see it: a busy database or a
 * lost connection (a server restart: the transaction is gone, nothing was
 * saved) is worth retrying (503), anything else is our fault (500). The driver's
 * message goes to the log, not to the client. */
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

/* A required string field of the JSON body, at most FIELD_MAX bytes; NULL
 * after answering 400 when it is missing or unfit. */
static const char *
json_field(sx_req *req, sx_res *res, const char *name, bool required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sx_req_json(req), name);

	if (v == NULL && !required)
		return NULL;
	if (!cJSON_IsString(v) || *v->valuestring == '\0' ||
	    strlen(v->valuestring) > FIELD_MAX) {
		sx_error(res, 400, sx_req_printf(req, "\"%s\" must be a non-empty "
		    "string of at most %d bytes", name, FIELD_MAX));
		return NULL;
	}
	return v->valuestring;
}

/* Answers with the current row of r as JSON and frees r. */
static int
row_response(sx_res *res, int status, sx_db_result *r)
{
	cJSON *row;

	sx_db_next(r);
	row = sx_db_row_json(r);
	sx_db_result_free(r);
	return sx_json(res, status, row);
}

static int
list_users(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_result *r;
	sx_db_err err;
	cJSON *o;

	if (db == NULL)
		return -1;
	if ((err = sx_db_exec(db, "SELECT id, name, email FROM users ORDER BY id "
	    "LIMIT 10", NULL, 0, &r)) != SX_DB_OK)
		return db_failed(req, res, db, err);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "users", sx_db_result_json(r));
	sx_db_result_free(r);
	return sx_json(res, 200, o);
}

static int
create_user(sx_req *req, sx_res *res)
{
	const char *name, *email;
	sx_db_conn *db;
	sx_db_result *r;
	sx_db_err err;

	if ((name = json_field(req, res, "name", true)) == NULL ||
	    (email = json_field(req, res, "email", true)) == NULL)
		return 0;
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	err = sx_db_exec(db, "INSERT INTO users (name, email) VALUES ($1, $2) "
	    "RETURNING id, name, email", SX_PARAMS(SX_PTEXT(name),
	    SX_PTEXT(email)), &r);
	if (err == SX_DB_ERR_UNIQUE)
		return sx_error(res, 409, "a user with this email already exists");
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	return row_response(res, 201, r);
}

static int
get_post(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_result *r;
	sx_db_err err;

	if (db == NULL)
		return -1;
	err = sx_db_one(db, "SELECT id, title, content FROM posts WHERE id = $1",
	    SX_PARAMS(SX_PINT(sx_req_param_int(req, "post_id"))), &r);
	if (err == SX_DB_NO_ROW)
		return sx_error(res, 404, "no post with this id");
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	return row_response(res, 200, r);
}

static int
create_post(sx_req *req, sx_res *res)
{
	const char *title, *content;
	sx_db_conn *db;
	sx_db_result *r;
	sx_db_err err;

	if ((title = json_field(req, res, "title", true)) == NULL ||
	    (content = json_field(req, res, "content", true)) == NULL)
		return 0;
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	err = sx_db_exec(db, "INSERT INTO posts (title, content) VALUES ($1, $2) "
	    "RETURNING id, title, content", SX_PARAMS(SX_PTEXT(title),
	    SX_PTEXT(content)), &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	return row_response(res, 201, r);
}

/* Changes the fields the body names; the others keep their values. */
static int
update_post(sx_req *req, sx_res *res)
{
	const cJSON *body = sx_req_json(req);
	const char *title = NULL, *content = NULL;
	sx_db_conn *db;
	sx_db_result *r;
	sx_db_err err;

	if (!cJSON_IsObject(body))
		return sx_error(res, 400, "expected a JSON object with \"title\" "
		    "and/or \"content\"");
	if ((cJSON_HasObjectItem(body, "title") &&
	    (title = json_field(req, res, "title", true)) == NULL) ||
	    (cJSON_HasObjectItem(body, "content") &&
	    (content = json_field(req, res, "content", true)) == NULL))
		return 0;
	if ((db = sx_db(req, "db_session")) == NULL)
		return -1;
	err = sx_db_exec(db, "UPDATE posts SET title = COALESCE($1, title), "
	    "content = COALESCE($2, content) WHERE id = $3 "
	    "RETURNING id, title, content", SX_PARAMS(
	    title ? SX_PTEXT(title) : SX_PNULL, content ? SX_PTEXT(content) : SX_PNULL,
	    SX_PINT(sx_req_param_int(req, "post_id"))), &r);
	if (err != SX_DB_OK)
		return db_failed(req, res, db, err);
	if (sx_db_rows(r) == 0) {
		sx_db_result_free(r);
		return sx_error(res, 404, "no post with this id");
	}
	return row_response(res, 200, r);
}

static int
delete_post(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, "db_session");
	sx_db_result *r;
	sx_db_err err;
	int64_t n;
	cJSON *o;

	if (db == NULL)
		return -1;
	if ((err = sx_db_exec(db, "DELETE FROM posts WHERE id = $1",
	    SX_PARAMS(SX_PINT(sx_req_param_int(req, "post_id"))), &r)) != SX_DB_OK)
		return db_failed(req, res, db, err);
	n = sx_db_affected(r);
	sx_db_result_free(r);
	if (n == 0)
		return sx_error(res, 404, "no post with this id");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "deleted");
	return sx_json(res, 200, o);
}

static const sx_route routes[] = {
	{ SX_GET, "/", sx_handler_index, NULL, "index", NULL },
	{ SX_GET, "/users", list_users, SX_DEPS("db_session"), "list_users", NULL },
	{ SX_POST, "/users", create_user, SX_DEPS("db_session"), "create_user", NULL },
	{ SX_GET, "/posts/{post_id:int}", get_post, SX_DEPS("db_session"), "get_post", NULL },
	{ SX_POST, "/posts", create_post, SX_DEPS("db_session"), "create_post", NULL },
	{ SX_PATCH, "/posts/{post_id:int}", update_post, SX_DEPS("db_session"), "update_post", NULL },
	{ SX_DELETE, "/posts/{post_id:int}", delete_post, SX_DEPS("db_session"), "delete_post", NULL },
	{ SX_GET, "/healthz", sx_handler_health, NULL, "health", NULL },
	{ SX_GET, "/readyz", sx_handler_ready, NULL, "ready", NULL },
	{ SX_GET, "/metrics", sx_handler_metrics, NULL, "metrics", NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite:quickstart.db",
	.commit_mode = SX_COMMIT_AUTO,
	.migrations_dir = SX_EXAMPLE_DIR "migrations",
}};

static const sx_app quickstart_app = {
	.name = "quickstart",
	.description = "Users and posts over one database in autocommit mode.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
	.max_body = 64 * 1024,
	.request_id_headers = (const char *const[]){ "X-Correlation-ID",
	    "traceparent", NULL },
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &quickstart_app);
}
#endif
