# The store under faults (tests/integration/test_store_faults.py): MariaDB
# SIGKILLed and restarted while client threads write and read through a
# 2-worker camid; 503s while it is down, service back without a camid
# restart, every 201 a row in the table. Uses store.so and scripts/devdb
# (a private MariaDB in a temporary directory); no test plugin of its own.
TESTS += tests/integration/test_store_faults.py
EXTRA_DIST += tests/integration/test_store_faults.py
