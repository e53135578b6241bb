#!/bin/sh
# scripts/devdb against a real MariaDB: a private server in a fresh temp dir
# on a free port. start is idempotent, user cami reaches database cami over
# TCP and the socket, reset empties the database and leaves the server up,
# stop is clean and idempotent, a port held by another server is refused.
#
# Run by `make check` (CAMI_TOP_SRCDIR set).
# Exit: 0 pass, 77 skip (mariadb-install-db not installed), 1 fail.
set -u

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

src=${CAMI_TOP_SRCDIR:?run me from make check}
devdb=$src/scripts/devdb
PATH=$PATH:/usr/sbin:/sbin
export PATH
command -v mariadb-install-db >/dev/null 2>&1 ||
    { echo "SKIP: mariadb-install-db not found (apt-get install mariadb-server)"; exit 77; }
command -v mariadb >/dev/null 2>&1 || fail "mariadb not found (apt-get install mariadb-client)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cami-devdb.XXXXXX") || fail "mktemp"
CAMI_DEVDB_DIR=$tmp/db
export CAMI_DEVDB_DIR
cleanup() {
    "$devdb" stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A port nobody listens on now; the kernel picks it.
port=$(/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || fail "no free port"
CAMI_DEVDB_PORT=$port
export CAMI_DEVDB_PORT

# run NAME EXPECTED-RC CMD...: CMD's output in $tmp/NAME.out, shown on failure.
run() {
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/$name.out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$tmp/$name.out" >&2
        fail "$name: exit $rc, expected $want"
    fi
}

sql_tcp() {
    mariadb --no-defaults -ucami -pcami -h127.0.0.1 -P"$port" cami --batch --skip-column-names -e "$1"
}

sql_sock() {
    mariadb --no-defaults -ucami -pcami -S "$CAMI_DEVDB_DIR/mariadbd.sock" cami --batch --skip-column-names -e "$1"
}

run start 0 "$devdb" start
grep -q "127.0.0.1:$port" "$tmp/start.out" || fail "start does not say where it listens"
grep -q "mariadbd.sock" "$tmp/start.out" || fail "start does not print the socket"
pid=$(cat "$CAMI_DEVDB_DIR/mariadbd.pid") || fail "no pid file"

run start_again 0 "$devdb" start
[ "$(cat "$CAMI_DEVDB_DIR/mariadbd.pid")" = "$pid" ] || fail "a second start restarted the server"
grep -q "already running" "$tmp/start_again.out" || fail "a second start does not say it was running"

run status 0 "$devdb" status
grep -q "running" "$tmp/status.out" || fail "status does not say running"

[ "$(sql_tcp 'select 1')" = 1 ] || fail "user cami over TCP"
[ "$(sql_sock 'select 1')" = 1 ] || fail "user cami over the socket"

# env: what tests and camid configs use to find the server.
run env 0 "$devdb" env
(
    unset CAMI_DB_SOCKET CAMI_DB_PORT
    eval "$(cat "$tmp/env.out")"
    [ "$CAMI_DB_PORT" = "$port" ] && [ "$CAMI_DB_SOCKET" = "$CAMI_DEVDB_DIR/mariadbd.sock" ] &&
        [ "$(mariadb --no-defaults -u"$CAMI_DB_USER" -p"$CAMI_DB_PASSWORD" -h"$CAMI_DB_HOST" \
            -P"$CAMI_DB_PORT" "$CAMI_DB_NAME" --skip-column-names -e 'select 2')" = 2 ]
) || { cat "$tmp/env.out" >&2; fail "env lines do not reach the server"; }

sql_tcp 'create table t (x int primary key); insert into t values (42)' || fail "create table"
[ "$(sql_sock 'select x from t')" = 42 ] || fail "row not visible over the socket"

# Another devdb may not take a port this one holds, and must say why.
run taken 1 env CAMI_DEVDB_DIR="$tmp/other" "$devdb" start
grep -q "port $port .*taken" "$tmp/taken.out" || { cat "$tmp/taken.out" >&2; fail "no clear message for a taken port"; }
[ ! -e "$tmp/other/data" ] || fail "a refused start created a data directory"

run reset 0 "$devdb" reset
[ "$(cat "$CAMI_DEVDB_DIR/mariadbd.pid")" = "$pid" ] || fail "reset restarted the server"
[ -z "$(sql_tcp 'show tables')" ] || fail "reset left tables behind"
run status_after_reset 0 "$devdb" status

run stop 0 "$devdb" stop
[ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ] || fail "mariadbd $pid still runs after stop"
run status_stopped 3 "$devdb" status
grep -q "not running" "$tmp/status_stopped.out" || fail "status does not say not running"
run stop_again 0 "$devdb" stop
grep -q "not running" "$tmp/stop_again.out" || fail "a second stop does not say it was not running"

# reset on a stopped server starts it again, with an empty database.
run reset_stopped 0 "$devdb" reset
run status_restarted 0 "$devdb" status
[ "$(sql_tcp 'select count(*) from information_schema.tables where table_schema = "cami"')" = 0 ] ||
    fail "reset of a stopped server left tables"
run stop_final 0 "$devdb" stop

echo "PASS: devdb start/status/env/reset/stop on port $port"
