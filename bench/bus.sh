#!/bin/bash
# bench/bus.sh - the bus: events/s and tasks/s through a camid plugin's
# handlers, next to a plain libzmq PUSH/PULL pair (and a plain DEALER/ROUTER
# echo) with the same frames, measured in the same run, on loopback.
#
# Usage: bench/bus.sh [BUILD_DIR]
#   BUILD_DIR holds core/camid and tests/plugins/.libs/benchbus.so (make
#   core/camid tests/plugins/benchbus.la); default: the current directory if
#   it has core/camid, else the repository's top dir.
# Environment: EVENTS (500000), TASKS (100000), WINDOW (100: tasks kept
#   outstanding by the client), ROUNDS (3: each figure is the median).
#
# Events: a C producer (bench/bus_load.c, built here with cc and pkg-config)
# publishes [bench.x][small JSON] to camid's events_in; the plugin benchbus
# counts them and notes the time of the first and the last; events/s is
# (count - 1) / (last - first). The plain pair is measured the same way at
# its receiver. Tasks: a DEALER keeps WINDOW bench.echo requests outstanding
# against tasks_in. Not a test: it prints figures and exits 0 whatever they
# are; 1 means the run failed, 2 that a tool is missing.
set -euo pipefail
export LC_ALL=C

EVENTS=${EVENTS:-500000}
TASKS=${TASKS:-100000}
WINDOW=${WINDOW:-100}
ROUNDS=${ROUNDS:-3}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

die() { echo "bench/bus.sh: $*" >&2; exit 1; }
missing() { echo "bench/bus.sh: $*" >&2; exit 2; }

case ${1:-} in
-h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -le 1 ] || die "usage: bench/bus.sh [BUILD_DIR]"
for v in EVENTS TASKS WINDOW ROUNDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number"
done
[ "$EVENTS" -ge 1000 ] || die "EVENTS must be at least 1000 for a meaningful rate"

if [ $# -eq 1 ]; then
    build=$1
elif [ -x core/camid ]; then
    build=.
else
    build=$top
fi
build=$(cd "$build" 2>/dev/null && pwd) || die "no such build directory: $1"
camid=$build/core/camid
plugin=$build/tests/plugins/.libs/benchbus.so
[ -x "$camid" ] || die "$camid not found; build it: $top/configure && make core/camid"
[ -f "$plugin" ] || die "$plugin not found; build it: make tests/plugins/benchbus.la"

command -v cc >/dev/null || missing "cc not found; install it: apt-get install gcc"
command -v pkg-config >/dev/null || missing "pkg-config not found; apt-get install pkg-config"
pkg-config --exists libzmq || missing "libzmq's pkg-config file not found; apt-get install libzmq3-dev"
command -v curl >/dev/null || missing "curl not found; install it: apt-get install curl"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || missing "python3 not found (used to pick free ports)"

pid=
tmp=
cleanup() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
    [ -z "$tmp" ] || rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tmp=$(mktemp -d /tmp/bench-bus.XXXXXX)
load=$tmp/bus_load
# shellcheck disable=SC2046 # pkg-config's words are the point
cc -O2 -std=c11 -Wall -Wextra -o "$load" "$here/bus_load.c" \
    $(pkg-config --cflags --libs libzmq) -lpthread || die "building bench/bus_load.c failed"

free_ports() { # n distinct free ports
    "$py" -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
read -r http_port in_port task_port <<<"$(free_ports 3)"
conf=$tmp/camid.conf
cat >"$conf" <<EOF
# written by bench/bus.sh
[camid]
workers = 1
log_level = warn
access_log = off

[listener.main]
address = 127.0.0.1:$http_port

# Default high-water marks and limits, as an admin would start with.
[bus]
events_in = tcp://127.0.0.1:$in_port
tasks_in = tcp://127.0.0.1:$task_port
events_in_topics = bench.
tasks_in_names = bench.

[plugin.benchbus]
module = $plugin
EOF
base=http://127.0.0.1:$http_port
"$camid" -c "$conf" >"$tmp/camid.log" 2>&1 &
pid=$!
for i in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$base/benchbus/stats" && break
    kill -0 "$pid" 2>/dev/null || die "camid exited; its log:"$'\n'"$(tail -20 "$tmp/camid.log")"
    [ "$i" -lt 100 ] || die "camid does not answer on $base; its log:"$'\n'"$(tail -20 "$tmp/camid.log")"
    sleep 0.1
done

field() { sed -E "s/.*\"$1\": *(-?[0-9]+).*/\\1/" <<<"$2"; }

# One events round through camid: the plugin's rate, first to last event.
camid_events() {
    local stats count last_count=-1 stalled=0
    curl -sf "$base/benchbus/reset" >/dev/null || die "GET /benchbus/reset failed"
    timeout 300 "$load" pub "tcp://127.0.0.1:$in_port" "$EVENTS" || die "the producer failed"
    # The producer has handed everything to ZeroMQ; wait until all is handled,
    # or until nothing moves for 5 s (then events were lost: a failed run).
    while :; do
        stats=$(curl -sf "$base/benchbus/stats") || die "GET /benchbus/stats failed"
        count=$(field count "$stats")
        [ "$count" -lt "$EVENTS" ] || break
        if [ "$count" = "$last_count" ]; then
            stalled=$((stalled + 1))
            [ "$stalled" -lt 50 ] || die "only $count of $EVENTS events arrived"
        else
            stalled=0
        fi
        last_count=$count
        sleep 0.1
    done
    [ "$count" -eq "$EVENTS" ] || die "$count events counted, $EVENTS sent"
    awk -v n="$count" -v a="$(field first_ns "$stats")" -v b="$(field last_ns "$stats")" \
        'BEGIN { printf "%.0f", (n - 1) / ((b - a) / 1e9) }'
}

figure() { # key line: "key value" from bus_load
    local out
    out=$(timeout 300 "$load" "$@") || die "bus_load $* failed"
    awk '{ print $2 }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# bench/bus.sh  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cores, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
echo "camid:   $camid ($("$camid" --version 2>&1 | head -1)), 1 worker, benchbus plugin"
echo "libzmq:  $(pkg-config --modversion libzmq); $EVENTS events and $TASKS tasks (window $WINDOW) per round, $ROUNDS rounds, medians"
echo "message: [bench.x][$(grep -o '^#define PAYLOAD .*' "$here/bus_load.c" | sed 's/^#define PAYLOAD "//; s/"$//; s/\\"/"/g')]"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

: >"$tmp/ev_camid"; : >"$tmp/ev_plain"; : >"$tmp/tk_camid"; : >"$tmp/tk_plain"
for round in $(seq "$ROUNDS"); do
    echo "round $round ..." >&2
    # Alternate the order so neither side always runs on a warmer machine.
    if [ $((round % 2)) -eq 1 ]; then
        camid_events >>"$tmp/ev_camid"; echo >>"$tmp/ev_camid"
        figure pair "$EVENTS" >>"$tmp/ev_plain"
    else
        figure pair "$EVENTS" >>"$tmp/ev_plain"
        camid_events >>"$tmp/ev_camid"; echo >>"$tmp/ev_camid"
    fi
    figure tasks "tcp://127.0.0.1:$task_port" "$TASKS" "$WINDOW" >>"$tmp/tk_camid"
    figure echo "$TASKS" "$WINDOW" >>"$tmp/tk_plain"
done
kill -0 "$pid" 2>/dev/null || die "camid exited during the run; its log:"$'\n'"$(tail -20 "$tmp/camid.log")"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo

ev_camid=$(median <"$tmp/ev_camid")
ev_plain=$(median <"$tmp/ev_plain")
tk_camid=$(median <"$tmp/tk_camid")
tk_plain=$(median <"$tmp/tk_plain")
each() { tr '\n' ' ' <"$1" | sed 's/ $//'; }
printf '%-44s %12s   %s\n' "" "median/s" "each round"
printf '%-44s %12.0f   %s\n' "events through camid's plugin handler" "$ev_camid" "$(each "$tmp/ev_camid")"
printf '%-44s %12.0f   %s\n' "events through a plain PUSH/PULL pair" "$ev_plain" "$(each "$tmp/ev_plain")"
printf '%-44s %12.0f   %s\n' "tasks through camid's plugin handler" "$tk_camid" "$(each "$tmp/tk_camid")"
printf '%-44s %12.0f   %s\n' "tasks through a plain DEALER/ROUTER echo" "$tk_plain" "$(each "$tmp/tk_plain")"
echo
awk -v a="$ev_camid" -v b="$ev_plain" 'BEGIN { printf "events_camid / events_plain = %.2f  (the issue asks >= 0.50)\n", a / b }'
awk -v a="$tk_camid" -v b="$tk_plain" 'BEGIN { printf "tasks_camid / tasks_plain   = %.2f\n", a / b }'
