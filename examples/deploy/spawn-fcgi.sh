#!/bin/sh
# Starts the hello app under spawn-fcgi: spawn-fcgi creates the unix
# socket (owner, group, mode) and starts the app with the listening socket
# on fd 0. The app, run with no arguments, finds the socket there and runs
# its own supervisor and workers, so spawn-fcgi needs to start it once
# (-F 1, the default).
#
# With HELLO_SPAWN_FOREGROUND set, spawn-fcgi stays in the foreground (-n)
# so a process manager (or a test) owns the app's process.
SOCKET=/run/hello/hello.sock
APP=/usr/local/bin/hello

set -e
rm -f "$SOCKET"
exec spawn-fcgi ${HELLO_SPAWN_FOREGROUND:+-n} -s "$SOCKET" -M 0660 \
	${HELLO_SPAWN_USER:+-u "$HELLO_SPAWN_USER" -g "$HELLO_SPAWN_GROUP"} \
	-- "$APP"
