/*
 * helpers.c: what every app wrote by hand around its database: a result's
 * rows (or one row, or a 404) as the JSON response, a page's envelope, a
 * database failure answered and logged in one call, and password hashing.
 */
#include "core.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SX_PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES,
    "SX_PASSWORD_HASH_MAX holds an Argon2id hash string");

int
sx_res_db_error(sx_res *res, sx_db_conn *db, sx_db_err err)
{
	sx_req *req = sx_res_req(res);
	const sx_db_error_info *e = db != NULL ? sx_db_last_error(db) : NULL;

	if (err == SX_DB_NO_ROW) {
		sx_error(res, 404, "not found");
		return -1;
	}
	if (req != NULL && e != NULL && e->sqlstate[0] != '\0')
		sx_req_log(req, "database error: %s: %s (SQLSTATE %s)",
		    sx_db_strerror(err), e->message, e->sqlstate);
	else if (req != NULL)
		sx_req_log(req, "database error: %s: %s (SQLite code %d)",
		    sx_db_strerror(err), e ? e->message : "no connection",
		    e ? e->native : 0);
	if (err == SX_DB_ERR_BUSY || err == SX_DB_ERR_SERIALIZATION ||
	    err == SX_DB_ERR_POOL_EXHAUSTED) {
		sx_error(res, 503, "the database is busy, retry shortly");
		sx_res_header(res, "Retry-After", "1");
	} else {
		sx_error(res, 500, "internal error");
	}
	return -1;
}

int
sx_json_rows(sx_res *res, int status, sx_db_result *r)
{
	cJSON *rows = r != NULL ? sx_db_result_json(r) : cJSON_CreateArray();

	sx_db_result_free(r);
	return rows != NULL ? sx_json(res, status, rows) : -1;
}

int
sx_json_row(sx_res *res, int status, sx_db_result *r, const char *not_found)
{
	cJSON *row;

	if (r == NULL || !sx_db_seek(r, 0)) {
		sx_db_result_free(r);
		return sx_error(res, 404, not_found ? not_found : "not found");
	}
	row = sx_db_row_json(r);
	sx_db_result_free(r);
	return row != NULL ? sx_json(res, status, row) : -1;
}

int
sx_json_query(sx_res *res, sx_db_conn *db, const char *sql,
    const sx_db_value *params, size_t n)
{
	sx_db_result *r = NULL;
	sx_db_err err;

	if (db == NULL)
		return -1;
	if ((err = sx_db_exec(db, sql, params, n, &r)) != SX_DB_OK)
		return sx_res_db_error(res, db, err);
	return sx_json_rows(res, 200, r);
}

int
sx_json_query_one(sx_res *res, sx_db_conn *db, const char *sql,
    const sx_db_value *params, size_t n, const char *not_found)
{
	sx_db_result *r = NULL;
	sx_db_err err;

	if (db == NULL)
		return -1;
	err = sx_db_one(db, sql, params, n, &r);
	if (err != SX_DB_OK && err != SX_DB_NO_ROW)
		return sx_res_db_error(res, db, err);
	return sx_json_row(res, 200, r, not_found);
}

int
sx_json_page(sx_res *res, sx_db_result *items, const sx_page *page,
    int64_t total)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *rows = items != NULL ? sx_db_result_json(items) :
	    cJSON_CreateArray();

	sx_db_result_free(items);
	if (o == NULL || rows == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(rows);
		return -1;
	}
	cJSON_AddItemToObject(o, "items", rows);
	cJSON_AddNumberToObject(o, "limit", (double)page->limit);
	cJSON_AddNumberToObject(o, "offset", (double)page->offset);
	cJSON_AddNumberToObject(o, "total", (double)total);
	return sx_json(res, 200, o);
}

int
sx_handler_index(sx_req *req, sx_res *res)
{
	const sx_app *app = req->app;
	cJSON *o = cJSON_CreateObject(), *routes = cJSON_AddArrayToObject(o,
	    "routes");

	cJSON_AddStringToObject(o, "name", app->name ? app->name : "");
	if (app->description != NULL)
		cJSON_AddStringToObject(o, "description", app->description);
	for (size_t i = 0; routes != NULL && i < app->n_routes; i++) {
		const sx_route *r = &app->routes[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "method",
		    (unsigned)r->method < SX_METHOD__MAX ? sx_methods[r->method] : "?");
		cJSON_AddStringToObject(e, "pattern", r->pattern);
		if (r->name != NULL)
			cJSON_AddStringToObject(e, "name", r->name);
		cJSON_AddItemToArray(routes, e);
	}
	return sx_json(res, 200, o);
}

/* True when SX_PASSWORD_FAST=1 asks for libsodium's minimum costs. */
static bool
fast_hash(void)
{
	const char *v = getenv("SX_PASSWORD_FAST");

	return v != NULL && strcmp(v, "1") == 0;
}

int
sx_password_hash(const char *password, char out[SX_PASSWORD_HASH_MAX])
{
	bool fast = fast_hash();

	if (sodium_init() < 0)
		return -1;
	return crypto_pwhash_str(out, password, strlen(password),
	    fast ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    fast ? crypto_pwhash_MEMLIMIT_MIN :
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

bool
sx_password_verify(const char *hash, const char *password)
{
	if (hash == NULL || password == NULL || sodium_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
