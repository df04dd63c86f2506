/*
 * bookmarks: users, their bookmarks and the bookmarks' tags, as a JSON API
 * and one HTML page, on SQLite or PostgreSQL, written with the helpers of
 * sextant(3): typed query parameters and pages, declarative validation,
 * results straight to responses. Autocommit mode: a 2xx commits, anything
 * else rolls back, so a bookmark saved with its tags (three tables) is
 * kept or dropped as one.
 *
 *	GET    /                                the latest bookmarks (HTML)
 *	POST   /users                           {"name", "email"}: 201, 409, 422
 *	GET    /users/{id}                      200, 404
 *	POST   /users/{id}/bookmarks            {"url", "title", "tags"}: 201,
 *	                                        404 (no user), 409, 422
 *	GET    /users/{id}/bookmarks?tag=&limit=&offset=
 *	                                        {"items", "limit", "offset", "total"}
 *	GET    /bookmarks/{id}                  200, 404
 *	DELETE /bookmarks/{id}                  200, 404
 *	GET    /tags                            every tag and how many use it
 *
 *	./bookmarks serve --migrate                      (sqlite:bookmarks.db)
 *	./bookmarks serve --migrate --database db_session=postgresql:///bookmarks
 */
#include <string.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/, templates/ from here */
#endif

#define DB "db_session"
/* The bookmarks of user $1, those tagged $2 when $2 is not NULL. */
#define USER_TAG_FILTER " FROM bookmark_list WHERE user_id = $1 AND " \
	"(CAST($2 AS TEXT) IS NULL OR id IN (SELECT bt.bookmark_id FROM " \
	"bookmark_tags bt JOIN tags t ON t.id = bt.tag_id " \
	"WHERE t.name = CAST($2 AS TEXT)))"
#define BOOKMARK_COLUMNS "SELECT id, user_id, url, title, tags, created_at"

static const sx_field user_fields[] = {
	{ "name", SX_FIELD_STRING, .required = true, .min = 1, .max = 100 },
	{ "email", SX_FIELD_STRING, .required = true, .min = 3, .max = 200 },
};

static const sx_field bookmark_fields[] = {
	{ "url", SX_FIELD_STRING, .required = true, .min = 1, .max = 2000 },
	{ "title", SX_FIELD_STRING, .required = true, .min = 1, .max = 200 },
	{ "tags", SX_FIELD_STRINGS, .max = 10 },
};

/* A string member of the (validated) JSON body, or NULL. */
static const char *
body_str(sx_req *req, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    sx_req_json(req), name));
}

static int
create_user(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, DB);
	sx_db_result *r = NULL;
	sx_db_err err;
	cJSON *why;

	if (sx_validate(req, user_fields, SX_NELEM(user_fields)) != 0)
		return 0;
	if (strchr(body_str(req, "email"), '@') == NULL) {
		why = cJSON_CreateObject();
		cJSON_AddStringToObject(why, "email", "must be an email address");
		return sx_error_fields(res, why);
	}
	if (db == NULL)
		return -1;
	err = sx_db_exec(db, "INSERT INTO users (name, email) VALUES ($1, $2) "
	    "RETURNING id, name, email", SX_PARAMS(body_str(req, "name"),
	    body_str(req, "email")), &r);
	if (err == SX_DB_ERR_UNIQUE)
		return sx_error(res, 409, "a user with this email already exists");
	if (err != SX_DB_OK)
		return sx_res_db_error(res, db, err);
	return sx_json_row(res, 201, r, NULL);
}

static int
get_user(sx_req *req, sx_res *res)
{
	return sx_json_query_one(res, sx_db(req, DB), "SELECT id, name, email "
	    "FROM users WHERE id = $1", SX_PARAMS(sx_req_param_int(req, "user_id")),
	    "no user with this id");
}

/* Tags bookmark id with each name of tags, making the tags not yet known. */
static sx_db_err
add_tags(sx_db_conn *db, int64_t id, const cJSON *tags)
{
	const cJSON *t;
	sx_db_err err = SX_DB_OK;

	cJSON_ArrayForEach(t, tags) {
		if ((err = sx_db_exec(db, "INSERT INTO tags (name) VALUES ($1) "
		    "ON CONFLICT (name) DO NOTHING", SX_PARAMS(t->valuestring),
		    NULL)) != SX_DB_OK ||
		    (err = sx_db_exec(db, "INSERT INTO bookmark_tags (bookmark_id, "
		    "tag_id) SELECT $1, id FROM tags WHERE name = $2",
		    SX_PARAMS(id, t->valuestring), NULL)) != SX_DB_OK)
			break;
	}
	return err;
}

/* Saves a bookmark and its tags: bookmarks, tags and bookmark_tags, which
 * the 404 or 409 of a failure rolls back together. */
static int
create_bookmark(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, DB);
	sx_db_result *r = NULL;
	sx_db_err err;
	int64_t id;

	if (sx_validate(req, bookmark_fields, SX_NELEM(bookmark_fields)) != 0)
		return 0;
	if (db == NULL)
		return -1;
	err = sx_db_scalar_int(db, "INSERT INTO bookmarks (user_id, url, title) "
	    "VALUES ($1, $2, $3) RETURNING id", SX_PARAMS(sx_req_param_int(req,
	    "user_id"), body_str(req, "url"), body_str(req, "title")), &id);
	if (err == SX_DB_OK)
		err = add_tags(db, id, cJSON_GetObjectItem(sx_req_json(req), "tags"));
	if (err == SX_DB_OK)
		err = sx_db_one(db, BOOKMARK_COLUMNS " FROM bookmark_list "
		    "WHERE id = $1", SX_PARAMS(id), &r);
	if (err == SX_DB_ERR_FOREIGN_KEY)
		return sx_error(res, 404, "no user with this id");
	if (err == SX_DB_ERR_UNIQUE)
		return sx_error(res, 409, "this user has this bookmark already, "
		    "or a tag is given twice");
	if (err != SX_DB_OK)
		return sx_res_db_error(res, db, err);
	return sx_json_row(res, 201, r, NULL);
}

static int
list_bookmarks(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, DB);
	const char *tag = sx_req_query(req, "tag");
	int64_t user = sx_req_param_int(req, "user_id"), total;
	sx_db_result *r = NULL;
	sx_db_err err;
	sx_page page;

	if (sx_req_page(req, 20, 100, &page) != 0)
		return 0;
	if (db == NULL)
		return -1;
	if ((err = sx_db_scalar_int(db, "SELECT count(*)" USER_TAG_FILTER,
	    SX_PARAMS(user, tag), &total)) != SX_DB_OK ||
	    (err = sx_db_exec(db, BOOKMARK_COLUMNS USER_TAG_FILTER " ORDER BY id "
	    "LIMIT $3 OFFSET $4", SX_PARAMS(user, tag, page.limit, page.offset),
	    &r)) != SX_DB_OK)
		return sx_res_db_error(res, db, err);
	return sx_json_page(res, r, &page, total);
}

static int
get_bookmark(sx_req *req, sx_res *res)
{
	return sx_json_query_one(res, sx_db(req, DB), BOOKMARK_COLUMNS
	    " FROM bookmark_list WHERE id = $1",
	    SX_PARAMS(sx_req_param_int(req, "bookmark_id")),
	    "no bookmark with this id");
}

static int
delete_bookmark(sx_req *req, sx_res *res)
{
	return sx_json_query_one(res, sx_db(req, DB), "DELETE FROM bookmarks "
	    "WHERE id = $1 RETURNING id", SX_PARAMS(sx_req_param_int(req,
	    "bookmark_id")), "no bookmark with this id");
}

static int
list_tags(sx_req *req, sx_res *res)
{
	return sx_json_query(res, sx_db(req, DB), "SELECT t.name, count(bt.tag_id) "
	    "AS bookmarks FROM tags t LEFT JOIN bookmark_tags bt ON bt.tag_id = t.id "
	    "GROUP BY t.name ORDER BY t.name", NULL, 0);
}

/* The HTML page: the latest bookmarks of everyone. */
static int
index_page(sx_req *req, sx_res *res)
{
	sx_db_conn *db = sx_db(req, DB);
	sx_db_result *r;
	sx_db_err err;
	cJSON *data;

	if (db == NULL)
		return -1;
	if ((err = sx_db_exec(db, "SELECT url, title, tags FROM bookmark_list "
	    "ORDER BY id DESC LIMIT 50", NULL, 0, &r)) != SX_DB_OK)
		return sx_res_db_error(res, db, err);
	data = cJSON_CreateObject();
	cJSON_AddItemToObject(data, "bookmarks", sx_db_result_json(r));
	sx_db_result_free(r);
	return sx_render(res, 200, "index", data);	/* frees data */
}

static const sx_route routes[] = {
	{ SX_GET, "/", index_page, SX_DEPS(DB), "index", NULL },
	{ SX_POST, "/users", create_user, SX_DEPS(DB), "create_user", NULL },
	{ SX_GET, "/users/{user_id:int}", get_user, SX_DEPS(DB), "get_user", NULL },
	{ SX_POST, "/users/{user_id:int}/bookmarks", create_bookmark, SX_DEPS(DB),
	  "create_bookmark", NULL },
	{ SX_GET, "/users/{user_id:int}/bookmarks", list_bookmarks, SX_DEPS(DB),
	  "list_bookmarks", NULL },
	{ SX_GET, "/bookmarks/{bookmark_id:int}", get_bookmark, SX_DEPS(DB),
	  "get_bookmark", NULL },
	{ SX_DELETE, "/bookmarks/{bookmark_id:int}", delete_bookmark, SX_DEPS(DB),
	  "delete_bookmark", NULL },
	{ SX_GET, "/tags", list_tags, SX_DEPS(DB), "list_tags", NULL },
};

static const sx_database databases[] = {{
	.url = "sqlite:bookmarks.db",
	.commit_mode = SX_COMMIT_AUTO,
	.migrations_dir = SX_EXAMPLE_DIR "migrations",
}};

static const sx_app bookmarks_app = {
	.name = "bookmarks",
	.description = "Users, bookmarks and tags: a JSON API and one page.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
	.templates_dir = SX_EXAMPLE_DIR "templates",
	.max_body = 64 * 1024,
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &bookmarks_app);
}
#endif
