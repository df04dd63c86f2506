#!/usr/bin/env bash
# The static files handler behind a real nginx over FastCGI: a 5 MB file
# arrives intact (streamed from disk by the app), a Range request returns
# exactly the bytes asked for, validators give 304, HEAD has the length, and
# nginx passing a raw "../" or "%2e%2e" to the app still gets a 404.
. "$top_srcdir/tests/integration/lib.sh"
sx_begin "static files behind nginx"
mkdir -p "$SX_TMP/static/css"
head -c 5242880 /dev/urandom >"$SX_TMP/static/big.bin"
printf 'body { margin: 0 }\n' >"$SX_TMP/static/css/site.css"
printf 'top secret\n' >"$SX_TMP/secret.txt"
sx_start_app "$top_builddir/tests/integration/staticapp" serve --threads 2
sx_start_nginx

want=$(sha256sum <"$SX_TMP/static/big.bin" | cut -d' ' -f1)
start=$(date +%s.%N)
sx_check "GET 5 MB file" 200 "$(sx_req GET /static/big.bin)"
end=$(date +%s.%N)
sx_check "5 MB file arrives intact" "$want" "$(sha256sum <"$SX_TMP/body" | cut -d' ' -f1)"
sx_check "Content-Length" 5242880 "$(sx_header Content-Length)"
sx_check "Content-Type" application/octet-stream "$(sx_header Content-Type)"
echo "# 5 MB through nginx in $(echo "$end - $start" | bc) s"

sx_check "Range request" 206 "$(sx_req GET /static/big.bin -H 'Range: bytes=1000000-1999999')"
sx_check "Range length" 1000000 "$(stat -c %s "$SX_TMP/body")"
sx_check "Range bytes" "$(tail -c +1000001 "$SX_TMP/static/big.bin" | head -c 1000000 | sha256sum)" \
	"$(sha256sum <"$SX_TMP/body")"
sx_check "Content-Range" "bytes 1000000-1999999/5242880" "$(sx_header Content-Range)"
sx_check "suffix range" 206 "$(sx_req GET /static/big.bin -H 'Range: bytes=-10')"
sx_check "suffix bytes" "$(tail -c 10 "$SX_TMP/static/big.bin" | sha256sum)" "$(sha256sum <"$SX_TMP/body")"
sx_check "unsatisfiable range" 416 "$(sx_req GET /static/big.bin -H 'Range: bytes=6000000-')"
sx_check "416 Content-Range" "bytes */5242880" "$(sx_header Content-Range)"

sx_check "CSS" 200 "$(sx_req GET /static/css/site.css)"
sx_check "CSS type" "text/css; charset=utf-8" "$(sx_header Content-Type)"
etag=$(sx_header ETag)
modified=$(sx_header Last-Modified)
sx_check "If-None-Match" 304 "$(sx_req GET /static/css/site.css -H "If-None-Match: $etag")"
sx_check "If-Modified-Since" 304 "$(sx_req GET /static/css/site.css -H "If-Modified-Since: $modified")"
sx_check "HEAD" 200 "$(sx_req HEAD /static/big.bin -I)"
sx_check "HEAD length" 5242880 "$(sx_header Content-Length)"

for path in /static/../secret.txt /static/%2e%2e/secret.txt /static/css/%2e%2e/%2e%2e/secret.txt \
	/static/css/ /static/css; do
	sx_check "$path is 404" 404 "$(sx_req GET "$path" --path-as-is)"
	sx_check_absent "$path leaks nothing" "secret" "$(sx_body)"
done
sx_end
