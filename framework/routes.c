/*
 * routes.c: the route table a running app serves. Route groups
 * (sx_route_group) exist for whoever writes the table; the router, the
 * resolver and the guards see one flat table, built here at start-up: the
 * app's own routes, then each group's, with the group's prefix, dependency
 * keys and guards joined to each route's. The flat table is then validated
 * as a whole, so a group's route that duplicates another route or names an
 * unknown key stops start-up like any other.
 */
#include "core.h"

#include <stdio.h>
#include <string.h>

static size_t
list_len(const void *const *list)
{
	size_t n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	return n;
}

/* a then b, NULL-terminated, in the arena; a key in both is kept once. */
static const void **
join_lists(sx_arena *arena, const void *const *a, const void *const *b,
    bool dedupe)
{
	size_t na = list_len(a), nb = list_len(b), n = 0;
	const void **out = sx_arena_alloc(arena, (na + nb + 1) * sizeof(*out));

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < na; i++)
		out[n++] = a[i];
	for (size_t i = 0; i < nb; i++) {
		size_t k = 0;

		while (dedupe && k < na && strcmp(a[k], b[i]) != 0)
			k++;
		if (!dedupe || k == na)
			out[n++] = b[i];
	}
	out[n] = NULL;
	return out;
}

/* Checks a group's own settings. NULL when fine, else the reason. */
static const char *
group_problem(const sx_route_group *g)
{
	size_t len = g->prefix != NULL ? strlen(g->prefix) : 0;

	if (len > 0 && g->prefix[0] != '/')
		return "prefix must start with '/'";
	if (len > 1 && g->prefix[len - 1] == '/')
		return "prefix must not end with '/' (route patterns bring it)";
	if (g->routes == NULL && g->n_routes > 0)
		return "n_routes is set but routes is NULL (use SX_GROUP_ROUTES)";
	return NULL;
}

/* One route of group g, made into a route of the flat table. */
static int
join_route(sx_arena *arena, const sx_route_group *g, const sx_route *r,
    sx_route *out)
{
	const char *prefix = g->prefix != NULL ? g->prefix : "";

	*out = *r;
	out->pattern = r->pattern == NULL ? NULL : *prefix != '\0' &&
	    strcmp(r->pattern, "/") == 0 ? sx_arena_strdup(arena, prefix) :
	    sx_arena_printf(arena, "%s%s", prefix, r->pattern);
	if (g->name != NULL && r->name != NULL)
		out->name = sx_arena_printf(arena, "%s.%s", g->name, r->name);
	out->deps = (const char *const *)join_lists(arena,
	    (const void *const *)g->deps, (const void *const *)r->deps, true);
	out->guards = (const sx_guard *const *)join_lists(arena,
	    (const void *const *)g->guards, (const void *const *)r->guards,
	    false);
	return (r->pattern != NULL && out->pattern == NULL) ||
	    out->deps == NULL || out->guards == NULL ? -1 : 0;
}

const sx_app *
sx_routes_flatten(const sx_app *app, sx_arena *arena, char *err, size_t errlen)
{
	sx_app *flat = sx_arena_alloc(arena, sizeof(*flat));
	size_t n = app->n_routes, k;
	sx_route *routes;

	for (size_t g = 0; g < app->n_groups; g++)
		n += app->groups[g].n_routes;
	if (flat == NULL || (routes = sx_arena_alloc(arena,
	    (n + 1) * sizeof(*routes))) == NULL)
		goto nomem;
	*flat = *app;
	for (k = 0; k < app->n_routes; k++)
		routes[k] = app->routes[k];
	for (size_t g = 0; g < app->n_groups; g++) {
		const sx_route_group *grp = &app->groups[g];
		const char *why = group_problem(grp);

		if (why != NULL) {
			snprintf(err, errlen, "route group #%zu %s: %s", g + 1,
			    grp->name ? grp->name : grp->prefix ? grp->prefix :
			    "(unnamed)", why);
			return NULL;
		}
		for (size_t i = 0; i < grp->n_routes; i++)
			if (join_route(arena, grp, &grp->routes[i], &routes[k++]) < 0)
				goto nomem;
	}
	flat->routes = routes;
	flat->n_routes = n;
	flat->groups = NULL;
	flat->n_groups = 0;
	return flat;
nomem:
	snprintf(err, errlen, "route table: out of memory");
	return NULL;
}

bool
sx_route_declares(const sx_route *route, const char *key)
{
	for (const char *const *d = route != NULL ? route->deps : NULL;
	    d != NULL && *d != NULL; d++)
		if (strcmp(*d, key) == 0)
			return true;
	return false;
}
