#!/usr/bin/env bash
# Apache 2.4 with the shipped configurations (examples/deploy/apache/):
# mod_proxy_fcgi to the app's unix socket, and the app as a CGI program
# under mod_cgid. A private instance: own config, pid, logs and port.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/server/lib-server.sh"
sx_begin "hello behind Apache"
sx_require apache2 "apt-get install apache2"
mods=/usr/lib/apache2/modules
sx_start_app "$SXS_HELLO" serve --workers 2 --threads 2
sxs_site apache/proxy-fcgi.conf proxy-fcgi.conf
sxs_site apache/cgi.conf cgi.conf
SX_BASE="http://127.0.0.1:$SX_PORT"
# The CGI program: the built hello (a libtool wrapper in the build tree).
mkdir -p "$SX_TMP/cgi-bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$SXS_HELLO" >"$SX_TMP/cgi-bin/hello"
chmod 755 "$SX_TMP/cgi-bin/hello"
user=""
[ "$(id -u)" = 0 ] && user="User www-data
Group www-data"
cat >"$SX_TMP/apache.conf" <<CONF
ServerRoot "$SX_TMP"
ServerName localhost
Listen 127.0.0.1:$SX_PORT
PidFile "$SX_TMP/apache.pid"
ErrorLog "$SX_TMP/apache-error.log"
LogLevel warn
DefaultRuntimeDir "$SX_TMP"
$user
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule alias_module $mods/mod_alias.so
LoadModule cgid_module $mods/mod_cgid.so
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_fcgi_module $mods/mod_proxy_fcgi.so
ScriptSock "$SX_TMP/cgid.sock"
DocumentRoot "$SX_TMP"
Include "$SX_TMP/cgi.conf"
Include "$SX_TMP/proxy-fcgi.conf"
CONF
# ScriptAlias must win over the catch-all ProxyPass: exclude its prefix.
sed -i 's|^ProxyPass "/" |ProxyPass "/hello" "!"\nProxyPass "/" |' "$SX_TMP/proxy-fcgi.conf"
apache2 -f "$SX_TMP/apache.conf" -k start
sx_wait_for "$SX_PORT"
trap 'apache2 -f "$SX_TMP/apache.conf" -k stop 2>/dev/null; sleep 0.5; sx_cleanup' EXIT
sxs_check_hello_routes "" "proxy_fcgi:"
sxs_check_hello_routes /hello "CGI:"
# The CGI program logs to its stderr, which Apache puts in its error log;
# the FastCGI server saw only the proxy_fcgi requests.
sx_check_contains "CGI: the requests ran as CGI programs" "DELETE /json 405" "$(cat "$SX_TMP/apache-error.log")"
sx_check "proxy_fcgi: the FastCGI server saw its 5 requests only" 5 "$(grep -c -e ' GET /' -e ' DELETE /' "$SX_TMP/app.log")"
sxs_end
