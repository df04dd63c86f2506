/* resolver.c: dependency keys -> database sessions, connections, pools (stub). */
#include "internal.h"
#include <stdio.h>
#include <string.h>

int
sx_dbset_open(sx_runtime *rt, char *err, size_t errlen)
{
	(void)rt; (void)err; (void)errlen;
	return 0;
}
void sx_dbset_free(struct sx_dbset *dbs) { (void)dbs; }
void sx_deps_release(sx_req *req) { (void)req; }

void *
sx_inject(sx_req *req, const char *key)
{
	req->pending_status = 500;
	req->pending_error = sx_req_printf(req, "dependency \"%s\": no provider", key);
	return NULL;
}

sx_db_conn *
sx_db(sx_req *req, const char *key)
{
	return sx_inject(req, key);
}

void
sx_req_assign_id(sx_req *req)
{
	const char *h = sx_req_header(req, "x-request-id");

	if (h != NULL && *h != '\0' && strlen(h) <= SX_REQUEST_ID_MAX)
		snprintf(req->id, sizeof(req->id), "%s", h);
	else
		sx_uuid4(req->id);
}
