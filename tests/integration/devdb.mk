# scripts/devdb, the project's private MariaDB, tested against a real server
# in its own temp dir on a free port, so it runs beside the other tests.
# The script ships in the tarball: distcheck runs the test from there.
dist_noinst_SCRIPTS += scripts/devdb
TESTS += tests/integration/test_devdb.sh
EXTRA_DIST += tests/integration/test_devdb.sh
