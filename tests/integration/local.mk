# Integration tests: built apps behind a real nginx, and as CGI programs.
EXTRA_DIST += tests/integration/lib.sh
dist_check_SCRIPTS += tests/integration/hello-nginx.sh tests/integration/hello-cgi.sh
TESTS += tests/integration/hello-nginx.sh tests/integration/hello-cgi.sh
dist_check_SCRIPTS += tests/integration/observe-nginx.sh
TESTS += tests/integration/observe-nginx.sh
