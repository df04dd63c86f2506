/*
 * test_body.c: the request parsers of body.c: percent-decoding, urlencoded
 * pairs, Cookie headers, multipart/form-data (well-formed and each kind of
 * malformed body) and the Content-Type dispatch of sx_req_parse_body.
 */
#include "core.h"
#include <criterion/criterion.h>
#include <string.h>

static sx_arena *arena;

static void
setup(void)
{
	arena = sx_arena_new(4096);
	cr_assert_not_null(arena);
}

static void
teardown(void)
{
	sx_arena_free(arena);
}

TestSuite(url_decode, .init = setup, .fini = teardown);
TestSuite(urlencoded, .init = setup, .fini = teardown);
TestSuite(cookies, .init = setup, .fini = teardown);
TestSuite(multipart, .init = setup, .fini = teardown);
TestSuite(parse_body, .init = setup, .fini = teardown);

/* Decodes a copy of s and returns it (arena), with the length in *len. */
static char *
decode(const char *s, bool plus, long *len)
{
	char *copy = sx_arena_strdup(arena, s);

	*len = sx_url_decode(copy, strlen(copy), plus);
	return copy;
}

Test(url_decode, escapes_and_plus)
{
	long n;
	char *s = decode("a%20b+c%2Bd%c3%A9", true, &n);

	cr_assert_eq(n, 9);
	cr_assert_str_eq(s, "a b c+d\xc3\xa9");
	s = decode("a+b%2b", false, &n);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(s, "a+b+");
}

Test(url_decode, plain_text_is_unchanged)
{
	long n;
	char *s = decode("/posts/7", false, &n);

	cr_assert_eq(n, 8);
	cr_assert_str_eq(s, "/posts/7");
}

Test(url_decode, malformed_escapes_fail)
{
	long n;

	decode("%zz", true, &n);
	cr_assert_eq(n, -1);
	decode("ab%4", true, &n);
	cr_assert_eq(n, -1, "a truncated escape must fail");
	decode("%", true, &n);
	cr_assert_eq(n, -1);
	decode("%g0", false, &n);
	cr_assert_eq(n, -1);
}

Test(url_decode, nul_escape_keeps_length)
{
	long n;
	char *s = decode("a%00b", true, &n);

	cr_assert_eq(n, 3);
	cr_assert_eq(s[0], 'a');
	cr_assert_eq(s[1], '\0');
	cr_assert_eq(s[2], 'b');
}

Test(url_decode, does_not_read_past_len)
{
	/* The escape is cut by len: it must be refused, not completed from
	 * the bytes after len. */
	char s[] = "ab%41";

	cr_assert_eq(sx_url_decode(s, 4, false), -1);
	cr_assert_eq(sx_url_decode(s, 2, false), 2);
}

/* Parses s with sx_parse_urlencoded; returns its result. */
static int
urlenc(const char *s, sx_kv **kv, size_t *n)
{
	return sx_parse_urlencoded(arena, s, strlen(s), kv, n);
}

Test(urlencoded, pairs_flags_and_empty_values)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(urlenc("a=1&b=2&flag&empty=", &kv, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(kv[0].name, "a");
	cr_assert_str_eq(kv[0].value, "1");
	cr_assert_eq(kv[0].len, 1);
	cr_assert_str_eq(kv[1].name, "b");
	cr_assert_str_eq(kv[1].value, "2");
	cr_assert_str_eq(kv[2].name, "flag");
	cr_assert_str_eq(kv[2].value, "");
	cr_assert_eq(kv[2].len, 0);
	cr_assert_str_eq(kv[3].name, "empty");
	cr_assert_str_eq(kv[3].value, "");
}

Test(urlencoded, repeated_keys_kept_in_order)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(urlenc("x=1&y=a&x=2&x=3", &kv, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(kv[0].value, "1");
	cr_assert_str_eq(kv[2].value, "2");
	cr_assert_str_eq(kv[3].value, "3");
	cr_assert_str_eq(sx_kv_find(kv, n, "X")->value, "1",
	    "lookup is case-insensitive and returns the first");
	cr_assert_null(sx_kv_find(kv, n, "z"));
}

Test(urlencoded, empty_pieces_skipped)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(urlenc("&&a=1&&&b=&", &kv, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(kv[0].name, "a");
	cr_assert_str_eq(kv[1].name, "b");
	cr_assert_eq(urlenc("", &kv, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(urlenc("&", &kv, &n), 0);
	cr_assert_eq(n, 0);
}

Test(urlencoded, decoding_of_names_and_values)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(urlenc("first+name=Ada+Lovelace&q=a%26b%3Dc&e=x=y", &kv,
	    &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(kv[0].name, "first name");
	cr_assert_str_eq(kv[0].value, "Ada Lovelace");
	cr_assert_str_eq(kv[1].value, "a&b=c");
	cr_assert_str_eq(kv[2].value, "x=y", "only the first '=' splits");
}

Test(urlencoded, value_with_nul_fails)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(urlenc("bin=a%00b", &kv, &n), -1,
	    "a value holding NUL would be cut short as a C string");
	cr_assert_eq(urlenc("bin=a%01b", &kv, &n), 0);
	cr_assert_eq(kv[0].len, 3);
}

Test(urlencoded, malformed_fails)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(urlenc("a=%zz", &kv, &n), -1);
	cr_assert_eq(urlenc("ok=1&%4=1", &kv, &n), -1);
	cr_assert_eq(urlenc("a=1%", &kv, &n), -1);
	cr_assert_eq(urlenc("ad%00min=1", &kv, &n), -1,
	    "a name holding NUL cannot be looked up faithfully");
}

Test(urlencoded, stops_at_len)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(sx_parse_urlencoded(arena, "a=1&b=2", 3, &kv, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(kv[0].value, "1");
}

Test(cookies, simple_pairs)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(sx_parse_cookies(arena, "a=1; b=2", &kv, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(kv[0].name, "a");
	cr_assert_str_eq(kv[0].value, "1");
	cr_assert_str_eq(kv[1].name, "b");
	cr_assert_str_eq(kv[1].value, "2");
	cr_assert_eq(kv[1].len, 1);
}

Test(cookies, whitespace_trimmed_and_quotes_removed)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(sx_parse_cookies(arena, "  a = 1 ;\tb=\"quoted value\" ;c=",
	    &kv, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(kv[0].name, "a");
	cr_assert_str_eq(kv[0].value, "1");
	cr_assert_str_eq(kv[1].value, "quoted value");
	cr_assert_eq(kv[1].len, 12);
	cr_assert_str_eq(kv[2].name, "c");
	cr_assert_str_eq(kv[2].value, "");
}

Test(cookies, values_kept_as_sent)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(sx_parse_cookies(arena, "t=a=b%20c; q=\"", &kv, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(kv[0].value, "a=b%20c", "no decoding of cookie values");
	cr_assert_str_eq(kv[1].value, "\"", "a lone quote is not a quoted value");
}

Test(cookies, junk_skipped_leniently)
{
	sx_kv *kv;
	size_t n;

	cr_assert_eq(sx_parse_cookies(arena,
	    "junk; =x; a=1; ;; b c=2; ;d=3;(x)=4; \x01z=5", &kv, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(kv[0].name, "a");
	cr_assert_str_eq(kv[1].name, "d");
	cr_assert_str_eq(kv[1].value, "3");
	cr_assert_eq(sx_parse_cookies(arena, "", &kv, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(sx_parse_cookies(arena, ";;;", &kv, &n), 0);
	cr_assert_eq(n, 0);
}

/* ---- multipart ---------------------------------------------------------- */

typedef struct mp_result {
	int rc;
	sx_kv *fields;
	size_t n_fields;
	sx_upload *files;
	size_t n_files;
	const char *why;
} mp_result;

static mp_result
mp(const char *boundary, const char *body, size_t len)
{
	mp_result r = { 0 };

	r.rc = sx_parse_multipart(arena, boundary, body, len, &r.fields,
	    &r.n_fields, &r.files, &r.n_files, &r.why);
	if (r.rc != 0)
		cr_assert_not_null(r.why, "a failure must say why");
	return r;
}

#define MP(b, s) mp((b), (s), sizeof(s) - 1)

/* Asserts that body fails with a reason containing needle. */
static void
mp_fails(const char *boundary, const char *body, size_t len, const char *needle)
{
	mp_result r = mp(boundary, body, len);

	cr_assert_eq(r.rc, -1, "expected failure (%s)", needle);
	cr_assert_not_null(strstr(r.why, needle), "reason \"%s\" lacks \"%s\"",
	    r.why, needle);
}

#define MP_FAILS(b, s, needle) mp_fails((b), (s), sizeof(s) - 1, (needle))

Test(multipart, field_and_file_with_preamble_and_epilogue)
{
	mp_result r = MP("XyZ",
	    "This is the preamble.\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "Hello, world\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "line one\r\nline two\r\n"
	    "--XyZ--\r\n"
	    "This is the epilogue, ignored. --XyZ\r\n");

	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_eq(r.n_fields, 1);
	cr_assert_str_eq(r.fields[0].name, "title");
	cr_assert_str_eq(r.fields[0].value, "Hello, world");
	cr_assert_eq(r.fields[0].len, 12);
	cr_assert_eq(r.n_files, 1);
	cr_assert_str_eq(r.files[0].field, "upload");
	cr_assert_str_eq(r.files[0].filename, "a.txt");
	cr_assert_str_eq(r.files[0].content_type, "text/plain");
	/* The CRLF before a delimiter belongs to the delimiter. */
	cr_assert_eq(r.files[0].len, 18);
	cr_assert_eq(memcmp(r.files[0].data, "line one\r\nline two", 18), 0);
}

Test(multipart, unquoted_names_escaped_quotes_and_header_case)
{
	mp_result r = MP("b",
	    "--b\r\n"
	    "content-disposition: FORM-DATA; name=plain\r\n\r\n"
	    "1\r\n"
	    "--b\r\n"
	    "Content-Disposition: form-data;name=\"say \\\"hi\\\"; ok\"\r\n\r\n"
	    "2\r\n"
	    "--b\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"C:\\dir\\x.txt\"\r\n\r\n"
	    "3\r\n"
	    "--b--");

	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_eq(r.n_fields, 2);
	cr_assert_str_eq(r.fields[0].name, "plain");
	cr_assert_str_eq(r.fields[1].name, "say \"hi\"; ok",
	    "a quoted name may hold ';' and escaped quotes");
	cr_assert_eq(r.n_files, 1);
	cr_assert_str_eq(r.files[0].filename, "C:\\dir\\x.txt",
	    "backslashes of Windows paths are kept");
	cr_assert_str_eq(r.files[0].content_type, "application/octet-stream",
	    "a file part without Content-Type defaults to octet-stream");
}

Test(multipart, binary_data_with_nuls_and_crlf)
{
	static const char body[] =
	    "--bin\r\n"
	    "Content-Disposition: form-data; name=\"blob\"; filename=\"b.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "\0\x01\xff\r\n--bi\r\n--binary?\0\r\n"
	    "\r\n--bin--\r\n";
	mp_result r = mp("bin", body, sizeof(body) - 1);

	/* "\r\n--binary" starts like the delimiter but is not followed by
	 * CRLF or "--": RFC 2046 forbids it inside parts, so it is refused
	 * rather than cut silently. */
	cr_assert_eq(r.rc, -1);
	cr_assert_not_null(strstr(r.why, "not followed by CRLF"), "%s", r.why);
}

Test(multipart, binary_data_survives)
{
	static const char body[] =
	    "--bin\r\n"
	    "Content-Disposition: form-data; name=\"blob\"; filename=\"b.bin\"\r\n\r\n"
	    "\0\x01\xff\r\n--bi\r\n-\r\r\n\n\0"
	    "\r\n--bin\r\n"
	    "Content-Disposition: form-data; name=\"t\"\r\n\r\n"
	    "a\x01" "b"
	    "\r\n--bin--";
	mp_result r = mp("bin", body, sizeof(body) - 1);
	static const char expect[] = "\0\x01\xff\r\n--bi\r\n-\r\r\n\n\0";

	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_eq(r.n_files, 1);
	cr_assert_eq(r.files[0].len, sizeof(expect) - 1);
	cr_assert_eq(memcmp(r.files[0].data, expect, sizeof(expect) - 1), 0);
	cr_assert_eq(r.files[0].data[r.files[0].len], '\0', "NUL-terminated");
	cr_assert_eq(r.n_fields, 1);
	cr_assert_eq(r.fields[0].len, 3);
	cr_assert_eq(memcmp(r.fields[0].value, "a\x01" "b", 3), 0);
}

Test(multipart, nul_in_a_field_fails)
{
	static const char body[] =
	    "--bin\r\n"
	    "Content-Disposition: form-data; name=\"t\"\r\n\r\n"
	    "a\0b"
	    "\r\n--bin--";
	mp_result r = mp("bin", body, sizeof(body) - 1);

	cr_assert_eq(r.rc, -1, "a field is handed on as a C string");
	cr_assert_not_null(strstr(r.why, "NUL"), "%s", r.why);
}

Test(multipart, empty_values_files_and_headers_only_parts)
{
	mp_result r = MP("e",
	    "--e\r\n"
	    "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
	    "\r\n--e\r\n"
	    "Content-Disposition: form-data; name=\"nofile\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "\r\n--e\r\n"
	    "Content-Disposition: form-data; name=\"bare\"\r\n"
	    "\r\n--e--\r\n");

	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_eq(r.n_fields, 2);
	cr_assert_str_eq(r.fields[0].value, "");
	cr_assert_eq(r.fields[0].len, 0);
	cr_assert_str_eq(r.fields[1].name, "bare",
	    "a part of header lines only is an empty field");
	cr_assert_eq(r.fields[1].len, 0);
	cr_assert_eq(r.n_files, 1);
	cr_assert_str_eq(r.files[0].filename, "");
	cr_assert_eq(r.files[0].len, 0);
}

Test(multipart, no_parts_and_transport_padding)
{
	mp_result r = MP("z", "--z--\r\n");

	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_eq(r.n_fields + r.n_files, 0);
	r = MP("z", "--z  \t\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	    "v\r\n--z-- trailing");
	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_str_eq(r.fields[0].value, "v");
}

Test(multipart, many_parts)
{
	sx_buf b = SX_BUF_INIT;
	mp_result r;

	for (int i = 0; i < 300; i++)
		sx_buf_printf(&b, "--m\r\nContent-Disposition: form-data; "
		    "name=\"f%d\"\r\n\r\nvalue %d\r\n", i, i);
	sx_buf_puts(&b, "--m--\r\n");
	r = mp("m", b.data, b.len);
	cr_assert_eq(r.rc, 0, "%s", r.why);
	cr_assert_eq(r.n_fields, 300);
	cr_assert_str_eq(r.fields[299].name, "f299");
	cr_assert_str_eq(r.fields[299].value, "value 299");
	cr_assert_str_eq(r.fields[0].value, "value 0");
	sx_buf_free(&b);
}

Test(multipart, boundary_length_and_characters)
{
	char b70[71], b71[72];
	sx_buf body = SX_BUF_INIT;
	mp_result r;

	memset(b70, 'q', 70);
	b70[70] = '\0';
	memset(b71, 'q', 71);
	b71[71] = '\0';
	sx_buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=a"
	    "\r\n\r\nx\r\n--%s--", b70, b70);
	r = mp(b70, body.data, body.len);
	cr_assert_eq(r.rc, 0, "a 70-character boundary is allowed: %s", r.why);
	mp_fails(b71, body.data, body.len, "longer than 70");
	mp_fails("", body.data, body.len, "empty");
	mp_fails("a\r\nb", body.data, body.len, "characters");
	mp_fails("ends-with-space ", body.data, body.len, "characters");
	sx_buf_free(&body);
}

Test(multipart, malformed_bodies_each_say_why)
{
	MP_FAILS("b", "no delimiter at all", "does not contain its boundary");
	MP_FAILS("b", "", "does not contain its boundary");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",
	    "without the final delimiter");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b",
	    "without the final delimiter");
	MP_FAILS("b", "--b", "without the final delimiter");
	MP_FAILS("b", "--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--",
	    "no Content-Disposition");
	MP_FAILS("b", "--b\r\n\r\nv\r\n--b--", "no Content-Disposition");
	MP_FAILS("b", "--b\r\nContent-Disposition: attachment; name=a\r\n\r\n"
	    "v\r\n--b--", "not form-data");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; filename=x\r\n\r\n"
	    "v\r\n--b--", "no name");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
	    "v\r\n--b--", "unclosed quote");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; name=a; "
	    "filename=\"x\r\n\r\nv\r\n--b--", "unclosed quote");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; name=a\r\n"
	    "garbage line\r\n\r\nv\r\n--b--", "without ':'");
	MP_FAILS("b", "--b\r\nContent-Disposition: form-data; name=a\r\n--b--",
	    "not followed by a blank line");
	MP_FAILS("b", "--bXY\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	    "v\r\n--b--", "not followed by CRLF");
	MP_FAILS("b", "--b\nContent-Disposition: form-data; name=a\n\nv\n--b--\n",
	    "not followed by CRLF");
}

/* ---- sx_req_parse_body ----------------------------------------------------- */

static sx_req *
fake_req(const char *content_type, const char *body, size_t len)
{
	sx_req *req = sx_arena_alloc(arena, sizeof(*req));

	cr_assert_not_null(req);
	req->arena = arena;
	req->content_type = content_type;
	req->body = sx_arena_strndup(arena, body, len);
	req->body_len = len;
	return req;
}

#define REQ(ct, s) fake_req((ct), (s), sizeof(s) - 1)

static sx_req_err
parse(sx_req *req, const char **why)
{
	*why = NULL;
	return sx_req_parse_body(req, why);
}

Test(parse_body, urlencoded_with_parameters_any_case)
{
	sx_req *req = REQ("Application/X-WWW-Form-Urlencoded ; charset=UTF-8",
	    "name=Ada&lang=C");
	const char *why;

	cr_assert_eq(parse(req, &why), SX_REQ_OK);
	cr_assert_eq(req->n_forms, 2);
	cr_assert_str_eq(sx_req_form(req, "lang"), "C");
	req = REQ("application/x-www-form-urlencoded", "a=%zz");
	cr_assert_eq(parse(req, &why), SX_REQ_BAD);
	cr_assert_str_eq(why, "malformed percent-encoding, or a NUL byte (%00), "
	    "in the form body");
}

Test(parse_body, json_object_and_plus_json)
{
	sx_req *req = REQ("application/json; charset=utf-8",
	    " {\"a\": [1, 2], \"b\": \"x\"}\n ");
	const char *why;

	cr_assert_eq(parse(req, &why), SX_REQ_OK);
	cr_assert_not_null(req->json);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(req->json, "a")), 2);
	cJSON_Delete(req->json);
	req = REQ("application/problem+JSON", "[true]");
	cr_assert_eq(parse(req, &why), SX_REQ_OK);
	cr_assert(cJSON_IsArray(req->json));
	cJSON_Delete(req->json);
}

Test(parse_body, malformed_json_is_400)
{
	static const char *const bad[] = {
		"{", "{\"a\":}", "{} trailing", "nul", "[1,]", "\"unterminated",
	};
	const char *why;

	for (size_t i = 0; i < SX_NELEM(bad); i++) {
		sx_req *req = fake_req("application/json", bad[i], strlen(bad[i]));

		cr_assert_eq(parse(req, &why), SX_REQ_BAD, "accepted %s", bad[i]);
		cr_assert_str_eq(why, "malformed JSON body");
		cr_assert_null(req->json);
	}
}

Test(parse_body, json_with_embedded_nul_or_deep_nesting_is_400)
{
	static const char nul[] = "{\"a\":1}\0{}";
	char deep[4001];
	sx_req *req = fake_req("application/json", nul, sizeof(nul) - 1);
	const char *why;

	cr_assert_eq(parse(req, &why), SX_REQ_BAD);
	memset(deep, '[', 4000);
	deep[4000] = '\0';
	req = fake_req("application/json", deep, 4000);
	cr_assert_eq(parse(req, &why), SX_REQ_BAD);
	cr_assert_null(req->json);
}

Test(parse_body, multipart_with_quoted_boundary)
{
	sx_req *req = REQ("multipart/form-data; charset=utf-8; "
	    "boundary=\"a b:c\"",
	    "--a b:c\r\nContent-Disposition: form-data; name=f; filename=x.png\r\n"
	    "Content-Type: image/png\r\n\r\nPNG\r\n--a b:c--\r\n");
	const char *why;

	cr_assert_eq(parse(req, &why), SX_REQ_OK, "%s", why);
	cr_assert_eq(req->n_files, 1);
	cr_assert_str_eq(sx_req_file(req, "f")->content_type, "image/png");
	cr_assert_str_eq(sx_req_file(req, "f")->data, "PNG");
}

Test(parse_body, multipart_errors)
{
	sx_req *req = REQ("multipart/form-data", "--x\r\n");
	const char *why;

	cr_assert_eq(parse(req, &why), SX_REQ_BAD);
	cr_assert_not_null(strstr(why, "no boundary parameter"), "%s", why);
	req = REQ("multipart/form-data; boundary=\"x", "--x\r\n");
	cr_assert_eq(parse(req, &why), SX_REQ_BAD);
	cr_assert_not_null(strstr(why, "malformed boundary"), "%s", why);
	req = REQ("multipart/form-data; boundary=x", "--x\r\n");
	cr_assert_eq(parse(req, &why), SX_REQ_BAD);
	cr_assert_not_null(strstr(why, "final delimiter"), "%s", why);
}

Test(parse_body, other_types_and_empty_bodies_left_raw)
{
	sx_req *req = REQ("text/plain", "a=1&b=2");
	const char *why;

	cr_assert_eq(parse(req, &why), SX_REQ_OK);
	cr_assert_eq(req->n_forms, 0);
	cr_assert_null(req->json);
	cr_assert_str_eq(sx_req_body(req, NULL), "a=1&b=2");
	req = REQ(NULL, "{");
	cr_assert_eq(parse(req, &why), SX_REQ_OK);
	cr_assert_null(req->json);
	req = REQ("application/json", "");
	cr_assert_eq(parse(req, &why), SX_REQ_OK, "an empty body is not parsed");
	cr_assert_null(req->json);
	req = REQ("application/jsonx", "{");
	cr_assert_eq(parse(req, &why), SX_REQ_OK, "only exact types match");
}
