/* body.c: request body and query parsing (stub until implemented). */
#include "internal.h"
#include <string.h>
#include <strings.h>

const sx_kv *
sx_kv_find(const sx_kv *kv, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(kv[i].name, name) == 0)
			return &kv[i];
	return NULL;
}
long sx_url_decode(char *s, size_t len, bool plus) { (void)s; (void)plus; return (long)len; }
int sx_parse_urlencoded(sx_arena *a, const char *s, size_t len, sx_kv **out, size_t *n)
{ (void)a; (void)s; (void)len; *out = NULL; *n = 0; return 0; }
int sx_parse_cookies(sx_arena *a, const char *s, sx_kv **out, size_t *n)
{ (void)a; (void)s; *out = NULL; *n = 0; return 0; }
int sx_parse_multipart(sx_arena *a, const char *boundary, const char *body, size_t len,
    sx_kv **fields, size_t *n_fields, sx_upload **files, size_t *n_files, const char **why)
{ (void)a; (void)boundary; (void)body; (void)len; (void)why; *fields = NULL; *n_fields = 0; *files = NULL; *n_files = 0; return 0; }
sx_req_err sx_req_parse_body(sx_req *req, const char **why) { (void)req; (void)why; return SX_REQ_OK; }
