/*
 * query.c: what handlers check on every request, answered in one call:
 * typed query parameters (400 with a reason), the limit/offset of a page,
 * and the declarative validation of a JSON body (422 naming each field).
 * Each checker returns 0 when the input fits, or -1 after answering.
 */
#include "sextant.h"
#include "http.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Answers 400 with reason and returns -1. */
static int
bad_query(sx_req *req, const char *reason)
{
	sx_error(req->res, 400, reason);
	return -1;
}

/* The value of query argument name, or NULL when absent or empty. */
static const char *
query_value(const sx_req *req, const char *name)
{
	const char *v = sx_req_query(req, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
sx_req_query_int(sx_req *req, const char *name, int64_t def, int64_t min,
    int64_t max, int64_t *out)
{
	const char *v = query_value(req, name);
	char *end;
	long long n;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v || n < min || n > max)
		return bad_query(req, sx_req_printf(req, "\"%s\" must be an "
		    "integer from %" PRId64 " to %" PRId64, name, min, max));
	*out = n;
	return 0;
}

int
sx_req_query_double(sx_req *req, const char *name, double def, double min,
    double max, double *out)
{
	const char *v = query_value(req, name);
	char *end;
	double d;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || end == v || !isfinite(d) || d < min ||
	    d > max)
		return bad_query(req, sx_req_printf(req, "\"%s\" must be a "
		    "number from %g to %g", name, min, max));
	*out = d;
	return 0;
}

int
sx_req_query_bool(sx_req *req, const char *name, bool def, bool *out)
{
	static const char *const truths[] = { "true", "1", "yes", "on" };
	static const char *const lies[] = { "false", "0", "no", "off" };
	const char *v = query_value(req, name);

	*out = def;
	if (v == NULL)
		return 0;
	for (size_t i = 0; i < SX_NELEM(truths); i++) {
		if (strcasecmp(v, truths[i]) == 0 || strcasecmp(v, lies[i]) == 0) {
			*out = strcasecmp(v, truths[i]) == 0;
			return 0;
		}
	}
	return bad_query(req, sx_req_printf(req, "\"%s\" must be true or false",
	    name));
}

int
sx_req_page(sx_req *req, int64_t def_limit, int64_t max_limit, sx_page *out)
{
	if (sx_req_query_int(req, "limit", def_limit, 1, max_limit,
	    &out->limit) != 0)
		return -1;
	return sx_req_query_int(req, "offset", 0, 0, INT64_MAX, &out->offset);
}

int
sx_error_fields(sx_res *res, cJSON *fields)
{
	sx_req *req = sx_res_req(res);
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || fields == NULL) {
		cJSON_Delete(o);
		cJSON_Delete(fields);
		return -1;
	}
	cJSON_AddStringToObject(o, "error", "validation failed");
	cJSON_AddItemToObject(o, "fields", fields);
	cJSON_AddStringToObject(o, "request_id", req != NULL ? sx_req_id(req) : "");
	return sx_json(res, 422, o);
}

/* True when s is one of the NULL-terminated allowed values (or any value
 * is allowed). */
static bool
allowed(const char *const *values, const char *s)
{
	if (values == NULL)
		return true;
	for (; *values != NULL; values++)
		if (strcmp(*values, s) == 0)
			return true;
	return false;
}

/* "a, b, c": the allowed values, for the reason of a value not among them. */
static const char *
allowed_list(sx_req *req, const char *const *values)
{
	const char *list = "";

	for (size_t i = 0; values[i] != NULL; i++)
		list = sx_req_printf(req, "%s%s%s", list, i ? ", " : "", values[i]);
	return list;
}

/* True when n lies within f's bounds (none when min and max are 0; a max of
 * 0 alone means no upper bound). */
static bool
in_bounds(const sx_field *f, double n)
{
	if (f->min == 0 && f->max == 0)
		return true;
	return n >= f->min && (f->max == 0 || n <= f->max);
}

/* The reason a value is out of f's bounds: "from 1 to 200 characters". */
static const char *
bounds_reason(sx_req *req, const sx_field *f, const char *what)
{
	if (f->max == 0)
		return sx_req_printf(req, "must be at least %g%s", f->min, what);
	return sx_req_printf(req, "must be from %g to %g%s", f->min, f->max, what);
}

/* Why the strings of an SX_FIELD_STRINGS array do not fit, or NULL. */
static const char *
strings_reason(sx_req *req, const sx_field *f, const cJSON *v)
{
	const cJSON *e;

	if (!cJSON_IsArray(v))
		return "must be an array of strings";
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return "must be an array of strings";
		if (!allowed(f->allowed, e->valuestring))
			return sx_req_printf(req, "each must be one of: %s",
			    allowed_list(req, f->allowed));
	}
	if (!in_bounds(f, cJSON_GetArraySize(v)))
		return bounds_reason(req, f, " items");
	return NULL;
}

/* Why value v does not fit field f, or NULL when it does. */
static const char *
field_reason(sx_req *req, const sx_field *f, const cJSON *v)
{
	switch (f->type) {
	case SX_FIELD_STRING:
		if (!cJSON_IsString(v))
			return "must be a string";
		if (!in_bounds(f, strlen(v->valuestring)))
			return bounds_reason(req, f, " characters");
		if (!allowed(f->allowed, v->valuestring))
			return sx_req_printf(req, "must be one of: %s",
			    allowed_list(req, f->allowed));
		return NULL;
	case SX_FIELD_INT:
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
		    fabs(v->valuedouble) > 9007199254740992.0)
			return "must be an integer";
		return in_bounds(f, v->valuedouble) ? NULL :
		    bounds_reason(req, f, "");
	case SX_FIELD_NUMBER:
		if (!cJSON_IsNumber(v))
			return "must be a number";
		return in_bounds(f, v->valuedouble) ? NULL :
		    bounds_reason(req, f, "");
	case SX_FIELD_BOOL:
		return cJSON_IsBool(v) ? NULL : "must be true or false";
	case SX_FIELD_STRINGS:
		return strings_reason(req, f, v);
	default:
		return "has a field type the app's table does not define";
	}
}

int
sx_validate(sx_req *req, const sx_field *fields, size_t n)
{
	const cJSON *body = sx_req_json(req);
	cJSON *bad;

	if (!cJSON_IsObject(body)) {
		sx_error(req->res, 400, "the body must be a JSON object "
		    "(Content-Type: application/json)");
		return -1;
	}
	if ((bad = cJSON_CreateObject()) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(body,
		    fields[i].name);
		const char *why;

		if (v == NULL || cJSON_IsNull(v))
			why = fields[i].required ? "required" : NULL;
		else
			why = field_reason(req, &fields[i], v);
		if (why != NULL)
			cJSON_AddStringToObject(bad, fields[i].name, why);
	}
	if (bad->child == NULL) {
		cJSON_Delete(bad);
		return 0;
	}
	sx_error_fields(req->res, bad);
	return -1;
}
