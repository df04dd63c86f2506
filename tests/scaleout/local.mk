# Scale-out: three instances each of quickstart and auth on three loopback
# addresses behind one nginx upstream, one PostgreSQL, then PgBouncer.
dist_check_SCRIPTS += tests/scaleout/scaleout.sh
TESTS += tests/scaleout/scaleout.sh
