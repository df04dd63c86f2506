/*
 * multidb: two databases side by side, each under its own keys. Users live
 * in the primary database, events in the analytics one; a route declares
 * the keys it needs and gets each database's session by key. At the end of
 * a request the wrapper settles the databases in the order they are
 * declared below.
 *
 *	./multidb request --migrate POST /users -H 'Content-Type: application/json' -d '{"name":"Ada"}'
 *	./multidb serve --database analytics_session=postgresql:///analytics
 */
#include <string.h>

#include <sextant.h>

#ifndef SX_EXAMPLE_DIR
#define SX_EXAMPLE_DIR ""	/* migrations/ relative to the working directory */
#endif

static int
count_rows(sx_req *req, const char *key, const char *sql, int64_t *n)
{
	sx_db_conn *db = sx_db(req, key);

	return db != NULL && sx_db_scalar_int(db, sql, NULL, 0, n) == SX_DB_OK ?
	    0 : -1;
}

static int
combined_report(sx_req *req, sx_res *res)
{
	int64_t users, events;
	cJSON *o;

	if (count_rows(req, "primary_session", "SELECT count(*) FROM users",
	    &users) < 0 ||
	    count_rows(req, "analytics_session", "SELECT count(*) FROM events",
	    &events) < 0)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "users", (double)users);
	cJSON_AddNumberToObject(o, "events", (double)events);
	return sx_json(res, 200, o);
}

/* Inserts {"name": ...} of the body into table through key; 201 with the
 * new row. */
static int
insert_named(sx_req *req, sx_res *res, const char *key, const char *sql)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(sx_req_json(req),
	    "name");
	sx_db_conn *db;
	sx_db_result *r;
	cJSON *row;

	if (!cJSON_IsString(name) || *name->valuestring == '\0' ||
	    strlen(name->valuestring) > 200)
		return sx_error(res, 400, "expected a JSON body {\"name\": "
		    "\"...\"} with a name of 1 to 200 bytes");
	if ((db = sx_db(req, key)) == NULL)
		return -1;
	if (sx_db_exec(db, sql, SX_PARAMS(SX_PTEXT(name->valuestring)), &r) !=
	    SX_DB_OK)
		return -1;
	sx_db_next(r);
	row = sx_db_row_json(r);
	sx_db_result_free(r);
	return sx_json(res, 201, row);
}

static int
create_user(sx_req *req, sx_res *res)
{
	return insert_named(req, res, "primary_session",
	    "INSERT INTO users (name) VALUES ($1) RETURNING id, name");
}

static int
create_event(sx_req *req, sx_res *res)
{
	return insert_named(req, res, "analytics_session",
	    "INSERT INTO events (name) VALUES ($1) RETURNING id, name");
}

static const sx_route routes[] = {
	{ SX_GET, "/", sx_handler_index, NULL, "index", NULL },
	{ SX_GET, "/combined-report", combined_report,
	  SX_DEPS("primary_session", "analytics_session"), "combined_report", NULL },
	{ SX_POST, "/users", create_user, SX_DEPS("primary_session"), "create_user", NULL },
	{ SX_POST, "/events", create_event, SX_DEPS("analytics_session"), "create_event", NULL },
};

static const sx_database databases[] = {
	{
		.url = "sqlite:multidb_primary.db",
		.session_key = "primary_session",
		.connection_key = "primary_connection",
		.pool_key = "primary_pool",
		.commit_mode = SX_COMMIT_AUTO,
		.migrations_dir = SX_EXAMPLE_DIR "migrations/primary",
	},
	{
		.url = "sqlite:multidb_analytics.db",
		.session_key = "analytics_session",
		.connection_key = "analytics_connection",
		.pool_key = "analytics_pool",
		.commit_mode = SX_COMMIT_AUTO,
		.migrations_dir = SX_EXAMPLE_DIR "migrations/analytics",
	},
};

static const sx_app multidb_app = {
	.name = "multidb",
	.description = "Users in one database, events in another.",
	SX_ROUTE_TABLE(routes),
	SX_DATABASE_TABLE(databases),
};

#ifndef SX_EXAMPLE_NO_MAIN
int
main(int argc, char **argv)
{
	return sx_main(argc, argv, &multidb_app);
}
#endif
