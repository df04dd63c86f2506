#!/usr/bin/env bash
# The hello example as a plain CGI program: the request in environment
# variables and the body on stdin, as Apache's mod_cgi runs it, mounted at
# /cgi-bin/hello.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "hello as CGI"
hello=$top_builddir/examples/hello/hello

# cgi METHOD PATH_INFO [QUERY] [BODY] [CONTENT_TYPE]: runs one request.
cgi() {
	local body=${4:-}
	printf "%s" "$body" | env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		REQUEST_METHOD="$1" SCRIPT_NAME=/cgi-bin/hello PATH_INFO="$2" \
		REQUEST_URI="/cgi-bin/hello$2${3:+?$3}" QUERY_STRING="${3:-}" \
		CONTENT_LENGTH="${#body}" CONTENT_TYPE="${5:-}" HTTP_ACCEPT='*/*' \
		${SX_WRAP:-} "$hello" 2>>"$SX_TMP/app.log" | tr -d '\r'
}
status() { head -n 1 | sed 's/^Status: //; s/ .*//'; }
body() { sed '1,/^$/d'; }

sx_check "GET / status" 200 "$(cgi GET / | status)"
sx_check "GET / body" "Hello, World!" "$(cgi GET / | body)"
sx_check "GET /json" '{"message":"Hello, World!"}' "$(cgi GET /json | body)"
sx_check "GET /greet/ada" '{"hello":"ada"}' "$(cgi GET /greet/ada | body)"
sx_check "GET /greet/x/y is 404" 404 "$(cgi GET /greet/x/y | status)"
sx_check "DELETE /json is 405" 405 "$(cgi DELETE /json | status)"
sx_check_contains "405 Allow" "Allow: GET, HEAD" "$(cgi DELETE /json)"
sx_check "POST /echo form" '{"a":"1","b":"two words"}' "$(cgi POST /echo '' 'a=1&b=two+words' application/x-www-form-urlencoded | body)"
sx_check "POST /echo JSON" '{"k":true}' "$(cgi POST /echo '' '{"k":true}' application/json | body)"
sx_check "POST /echo broken JSON" 400 "$(cgi POST /echo '' '{"k":' application/json | status)"
sx_check "the mount point itself is /" 200 "$(printf '' | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SCRIPT_NAME=/cgi-bin/hello REQUEST_URI=/cgi-bin/hello "$hello" 2>/dev/null | tr -d '\r' | status)"
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
sx_check "body over the limit is 413" 413 "$(cgi POST /echo '' "$big" text/plain | status)"
sx_check "a body cut short gets no response" "" "$(printf 'abc' | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/echo CONTENT_LENGTH=10 CONTENT_TYPE=text/plain "$hello" 2>/dev/null)"
sx_end
