# Faults as tests: the apps behind a real nginx while their database
# restarts or is locked, a worker is killed, or the server is stopped.
# load.py is the bounded write load they (and tests/scaleout) drive.
SX_FAULT_TESTS = tests/faults/pg-restart.sh tests/faults/sqlite-faults.sh \
	tests/faults/pg-worker-faults.sh
dist_check_SCRIPTS += $(SX_FAULT_TESTS)
TESTS += $(SX_FAULT_TESTS)
EXTRA_DIST += tests/faults/lib-faults.sh tests/faults/load.py
