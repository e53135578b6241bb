#!/bin/bash
# bench/http.sh - wrk against camid's hello route and against nginx returning
# the same body, one worker each, same wrk settings, one server at a time.
#
# Usage: bench/http.sh [BUILD_DIR]
#   BUILD_DIR holds core/camid and plugins/.libs/hello.so; default: the
#   current directory if it has core/camid, else the repository's top dir.
# Environment: DURATION (10s), CONNECTIONS (64), THREADS (1), WARMUP (2s);
#   ROUNDS (1): run the three servers that many times, rotating their order,
#   and report each run and the medians; VERBOSE=1 also prints wrk's output.
#
# Not a test: it prints figures and exits 0 whatever they are. Exit 1 means
# the run itself failed (a server did not start or answered wrong); exit 2
# means a tool is missing. wrk shares the machine's cores with the server,
# so the server's CPU time per request is the sharper figure; req/s moves
# with whatever else the machine is doing.
set -euo pipefail
export LC_ALL=C

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-1}
VERBOSE=${VERBOSE:-0}
NGINX=/usr/sbin/nginx
BODY='{"message":"Hello, World!"}'

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

die() { echo "bench/http.sh: $*" >&2; exit 1; }
missing() { echo "bench/http.sh: $*" >&2; exit 2; }

case ${1:-} in
-h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -le 1 ] || die "usage: bench/http.sh [BUILD_DIR]"

if [ $# -eq 1 ]; then
    build=$1
elif [ -x core/camid ]; then
    build=.
else
    build=$top
fi
build=$(cd "$build" 2>/dev/null && pwd) || die "no such build directory: $1"
camid=$build/core/camid
plugdir=$build/plugins/.libs
[ -x "$camid" ] || die "$camid not found; build it: $top/configure && make core/camid plugins/hello.la"
[ -f "$plugdir/hello.so" ] || die "$plugdir/hello.so not found; build it: make plugins/hello.la"

# A duration as wrk takes it (N, Ns, Nm, Nh) -> seconds, for the time bounds.
to_secs() {
    [[ $1 =~ ^([0-9]+)([smh]?)$ ]] || die "bad duration '$1' (expected e.g. 10s, 1m)"
    local n=${BASH_REMATCH[1]}
    case ${BASH_REMATCH[2]} in
    m) n=$((n * 60)) ;;
    h) n=$((n * 3600)) ;;
    esac
    [ "$n" -gt 0 ] || die "duration '$1' must be positive"
    echo "$n"
}
to_secs "$DURATION" >/dev/null
to_secs "$WARMUP" >/dev/null
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive number"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive number"
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "ROUNDS must be a number from 1 to 99"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS must be at least THREADS (wrk's rule)"

command -v wrk >/dev/null || missing "wrk not found; install it: apt-get install wrk"
command -v curl >/dev/null || missing "curl not found; install it: apt-get install curl"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || missing "python3 not found (used to pick free ports)"

# ---- cleanup: every process we start is in $pids until it is stopped ------
pids=()
tmp=
policy_rc=
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# Workers are grandchildren: check the pid still names our server before
# signalling it, so a recycled pid is never hit.
stop_worker() {
    local pid=$1 comm
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    case $comm in camid|nginx) ;; *) return 0 ;; esac
    kill -KILL "$pid" 2>/dev/null || true
}
stop_all() {
    local i
    for i in "${!pids[@]}"; do
        case ${pids[$i]} in
        w:*) ;;
        *) stop_pid "${pids[$i]}" ;;
        esac
    done
    for i in "${!pids[@]}"; do
        case ${pids[$i]} in w:*) stop_worker "${pids[$i]#w:}" ;; esac
    done
    pids=()
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_all
    [ -z "$policy_rc" ] || rm -f "$policy_rc"
    [ -z "$tmp" ] || rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- nginx: Debian's, installed only when we are root and it is absent ----
if [ ! -x "$NGINX" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        missing "$NGINX not found; install it (as root): apt-get install nginx-light"
    fi
    echo "installing nginx-light (Debian) ..." >&2
    # Keep the package from starting the system nginx service on port 80.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy_rc=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
        chmod 755 "$policy_rc"
    fi
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get install -y --no-install-recommends nginx-light >&2 ||
        { timeout 300 apt-get update >&2 &&
          timeout 600 apt-get install -y --no-install-recommends nginx-light >&2; } ||
        missing "apt-get install nginx-light failed"
    [ -x "$NGINX" ] || missing "nginx-light installed but $NGINX is missing"
fi

tmp=$(mktemp -d /tmp/bench-http.XXXXXX)
chmod 755 "$tmp" # nginx's worker may run as nobody

free_port() {
    "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- /proc readers ----------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
# utime + stime in clock ticks, all threads of the process. The comm field can
# hold spaces and parentheses, so fields are counted after its last ')'.
cpu_ticks() {
    local s
    s=$(<"/proc/$1/stat") || die "server process $1 exited during the run"
    s=${s##*) }
    # shellcheck disable=SC2086 # word splitting is the point
    set -- $s
    echo $((${12} + ${13}))
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# The one child of $1 whose command line starts with $2 (waits up to 10 s).
find_worker() {
    local parent=$1 want=$2 i c cmd found n
    for i in $(seq 100); do
        found='' n=0
        for c in $(pgrep -P "$parent" || true); do
            cmd=$(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null) || continue
            if [[ $cmd == "$want"* ]]; then
                found=$c n=$((n + 1))
            fi
        done
        if [ "$n" -eq 1 ]; then echo "$found"; return 0; fi
        [ "$n" -le 1 ] || die "expected one worker under pid $parent, found $n"
        kill -0 "$parent" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

wait_listening() {
    local url=$1 pid=$2 i
    for i in $(seq 100); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

check_body() {
    local name=$1 url=$2 out code body
    out=$(curl -sS --max-time 5 -w '\n%{http_code} %{content_type}' "$url") ||
        die "$name: curl $url failed"
    body=${out%$'\n'*}
    code=${out##*$'\n'}
    if [ "$body" != "$BODY" ] || [[ $code != "200 application/json"* ]]; then
        die "$name answered $url with '$code' and body '$body'; expected 200 application/json and '$BODY'"
    fi
}

# wrk's "1.23ms" -> microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        if (match(v, /^[0-9.]+/) == 0) { print "nan"; exit }
        n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
        f = u == "us" ? 1 : u == "ms" ? 1e3 : u == "s" ? 1e6 : u == "m" ? 6e7 : u == "h" ? 3.6e9 : -1
        if (f < 0) print "nan"; else printf "%.0f", n * f }'
}

run_wrk() { # duration url
    timeout --foreground -k 5 $(($(to_secs "$1") + 30)) \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --latency "$2"
}

# ---- one server: check, idle RSS, warm up, measure -------------------------
# Each measured run appends one line to $tmp/results:
#   key round req/s requests p99_us cpu_us_per_req cpu_ticks idle_kB sup_idle_kB peak_kB
measure() { # key label round url supervisor_pid worker_pid
    local key=$1 label=$2 round=$3 url=$4 sup=$5 wpid=$6 out t0 t1 reqs rps p99 cpu_us idle sup_idle errs
    check_body "$label" "$url"
    idle=$(status_kb "$wpid" VmRSS)
    sup_idle=$(status_kb "$sup" VmRSS)
    echo "  $label: warm-up $WARMUP ..." >&2
    run_wrk "$WARMUP" "$url" >"$tmp/$key-warmup.txt" ||
        die "$label: wrk warm-up failed: $(cat "$tmp/$key-warmup.txt")"
    echo "  $label: measuring $DURATION ..." >&2
    t0=$(cpu_ticks "$wpid")
    out=$(run_wrk "$DURATION" "$url") || die "$label: wrk failed: $out"
    t1=$(cpu_ticks "$wpid")
    [ "$VERBOSE" = 0 ] || printf '%s\n' "--- wrk, $label, round $round ---" "$out" "" >&2
    if grep -q 'Non-2xx or 3xx' <<<"$out"; then
        die "$label: wrong answers during the run: $(grep 'Non-2xx' <<<"$out")"
    fi
    reqs=$(awk '/requests in/ { print $1; exit }' <<<"$out")
    rps=$(awk '/^Requests\/sec:/ { print $2; exit }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2; exit }' <<<"$out")
    if ! [[ ${reqs:-} =~ ^[1-9][0-9]*$ ]] || [ -z "${rps:-}" ] || [ -z "${p99:-}" ]; then
        die "$label: could not read wrk's output:"$'\n'"$out"
    fi
    cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$reqs" 'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
    echo "$key $round $rps $reqs $(to_us "$p99") $cpu_us $((t1 - t0)) $idle $sup_idle $(status_kb "$wpid" VmHWM)" \
        >>"$tmp/results"
    errs=$(grep 'Socket errors' <<<"$out" | sed 's/^ *//') || true
    [ -z "$errs" ] || echo "$label, round $round: wrk $errs" >>"$tmp/notes"
}

run_camid() { # key label round access_log
    local key=$1 label=$2 round=$3 alog=$4 port conf url pid wpid
    port=$(free_port)
    conf=$tmp/$key.conf
    cat >"$conf" <<EOF
# written by bench/http.sh
[camid]
workers = 1
plugin_dir = $plugdir
log_level = warn
access_log = $alog

[listener.main]
address = 127.0.0.1:$port

[plugin.hello]
module = hello
greeting = Hello
EOF
    url=http://127.0.0.1:$port/hello
    echo "$label: $camid on 127.0.0.1:$port" >&2
    "$camid" -c "$conf" >"$tmp/$key.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wpid=$(find_worker "$pid" "$camid") ||
        die "$label did not start; its log:"$'\n'"$(tail -20 "$tmp/$key.log")"
    pids+=("w:$wpid")
    wait_listening "$url" "$pid" ||
        die "$label does not answer on $url; its log:"$'\n'"$(tail -20 "$tmp/$key.log")"
    measure "$key" "$label" "$round" "$url" "$pid" "$wpid"
    stop_all
}

run_nginx() { # key label round
    local key=$1 label=$2 round=$3 port conf url pid wpid paths='' m d built
    built=$("$NGINX" -V 2>&1)
    port=$(free_port)
    conf=$tmp/nginx.conf
    # A *_temp_path line for every module compiled in, so nothing is created
    # outside the temp dir.
    for m in client_body fastcgi proxy scgi uwsgi; do
        [ "$m" = client_body ] || [[ $built != *"--without-http_${m}_module"* ]] || continue
        d=$tmp/nginx-$m
        paths+="    ${m}_temp_path $d;"$'\n'
    done
    awk -v tmp="$tmp" -v port="$port" -v paths="$paths" '
        $0 == "@TEMP_PATHS@" { printf "%s", paths; next }
        { gsub(/@TMP@/, tmp); gsub(/@PORT@/, port); print }' \
        "$here/nginx.conf.in" >"$conf"
    url=http://127.0.0.1:$port/hello
    echo "nginx: $NGINX on 127.0.0.1:$port" >&2
    "$NGINX" -p "$tmp" -e "$tmp/nginx-error.log" -c "$conf" >"$tmp/nginx.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wpid=$(find_worker "$pid" "nginx: worker process") ||
        die "nginx did not start; its logs:"$'\n'"$(tail -20 "$tmp/nginx.log" "$tmp/nginx-error.log" 2>&1)"
    pids+=("w:$wpid")
    wait_listening "$url" "$pid" ||
        die "nginx does not answer on $url; its logs:"$'\n'"$(tail -20 "$tmp/nginx.log" "$tmp/nginx-error.log" 2>&1)"
    measure "$key" "$label" "$round" "$url" "$pid" "$wpid"
    stop_all
}

# ---- run ---------------------------------------------------------------------
declare -A LABEL=([camid]="camid" [camid_log]="camid (access log on)" [nginx]="nginx")
SERVERS=(camid camid_log nginx)
run_server() { # key round
    case $1 in
    camid) run_camid camid "${LABEL[camid]}" "$2" off ;;
    camid_log)
        run_camid camid_log "${LABEL[camid_log]}" "$2" "$tmp/access.log"
        [ -s "$tmp/access.log" ] || die "camid with access_log on wrote nothing to $tmp/access.log"
        ;;
    nginx) run_nginx nginx "${LABEL[nginx]}" "$2" ;;
    esac
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# bench/http.sh  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cores, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
echo "camid:   $camid ($("$camid" --version 2>&1 | head -1))"
echo "nginx:   $("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
echo "wrk:     wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
[ "$ROUNDS" = 1 ] || echo "rounds:  $ROUNDS, the order of servers rotating each round"
echo "load average before: $(load)"

: >"$tmp/results"
: >"$tmp/notes"
for round in $(seq "$ROUNDS"); do
    for i in 0 1 2; do
        run_server "${SERVERS[$(((i + round - 1) % 3))]}" "$round"
    done
done

echo "load average after:  $(load)"
echo

# Column $2 of the results of server $1: the median ("med") or the maximum.
pick() {
    awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$tmp/results" | sort -g |
        awk -v how="$3" '{ v[NR] = $1 }
            END { if (how == "max") print v[NR]
                  else if (NR % 2) print v[(NR + 1) / 2]
                  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
row() { # label req/s p99_us cpu idle peak
    printf '%-24s %10.0f %8.2f %11.2f %8s kB %8s kB\n' "$1" "$2" "$(awk -v u="$3" 'BEGIN { print u / 1000 }')" "$4" "$5" "$6"
}
header() { printf '%-24s %10s %8s %11s %11s %11s\n' "$1" req/s "p99 ms" "CPU us/req" "idle RSS" "peak RSS"; }

if [ "$ROUNDS" != 1 ]; then
    header "each run (in run order)"
    while read -r k r rps _ p99 cpu _ idle _ peak; do
        row "${LABEL[$k]} #$r" "$rps" "$p99" "$cpu" "$idle" "$peak"
    done <"$tmp/results"
    echo
    header "median of $ROUNDS runs"
else
    header server
fi
declare -A RPS CPU
for k in "${SERVERS[@]}"; do
    RPS[$k]=$(pick "$k" 3 med)
    CPU[$k]=$(pick "$k" 6 med)
    row "${LABEL[$k]}" "${RPS[$k]}" "$(pick "$k" 5 med)" "${CPU[$k]}" "$(pick "$k" 8 max)" "$(pick "$k" 10 max)"
done
[ "$ROUNDS" = 1 ] || echo "(RSS columns: the largest of the $ROUNDS runs)"
echo
while read -r k r _ reqs _ _ ticks _ sidle _; do
    [ "$ROUNDS" = 1 ] && r='' || r=" #$r"
    printf '%-28s %8s requests, worker CPU %5s ticks of 1/%s s, supervisor/master idle RSS %s kB\n' \
        "${LABEL[$k]}$r:" "$reqs" "$ticks" "$clk_tck" "$sidle"
done <"$tmp/results"
echo "camid access log: $(wc -l <"$tmp/access.log") lines (all its warm-ups and measured runs)"
[ ! -s "$tmp/notes" ] || cat "$tmp/notes"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for k in camid camid_log; do
    echo "${LABEL[$k]} vs nginx:"
    echo "  req/s        camid/nginx = $(ratio "${RPS[$k]}" "${RPS[nginx]}")  (>= 1.00: camid serves at least nginx's rate)"
    echo "  CPU per req  nginx/camid = $(ratio "${CPU[nginx]}" "${CPU[$k]}")  (>= 1.00: camid uses no more CPU per request)"
done
