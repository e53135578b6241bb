#!/bin/bash
# bench/store.sh - the store's REST list, GET /api/v1/measurement/?limit=20
# over 1000 seeded rows, served by camid and by the original-style
# Django/Tastypie stack (one gunicorn sync worker) on the same private
# MariaDB, same wrk settings, one server at a time, in the same run.
#
# Usage: bench/store.sh [BUILD_DIR]
#   BUILD_DIR holds core/camid and plugins/.libs/store.so (make core/camid
#   plugins/store.la); default: the current directory if it has core/camid,
#   else the repository's top dir.
# Environment: CONCURRENCY ("16 64 256": wrk connections, one run each),
#   DURATION (10s), WARMUP (2s, once per server), THREADS (1: wrk threads),
#   ROUNDS (1: repeat every run, report medians), ROWS (1000 measurements),
#   WORKERS (1: camid workers, or auto), POOL_SIZE (4: the store's
#   connections per worker; camid gets POOL_SIZE + 2 threads), PEER
#   ("original tuned": which peers to run; "none" skips them), DB_VIA
#   ("tcp": every server reaches MariaDB over TCP on 127.0.0.1, as from
#   another host; "socket": over its unix socket, as on one host),
#   VERBOSE=1 (also print wrk's output).
#
# The peers: Debian's python3-django (3.2), python3-django-tastypie (0.13),
# gunicorn and python3-mysqldb, installed here with apt-get when missing
# (run as root; otherwise the peers are skipped, saying why). "original" is
# the original CAMI store's MeasurementResource as it was written: user and
# device as Tastypie ForeignKeys without select_related (one query per row
# for its user), value_info parsed from text per row, and Django's default
# CONN_MAX_AGE = 0 (a new MariaDB connection per request). "tuned" is the
# same with select_related('user', 'device') and persistent connections.
# Both answer the same 20 rows as camid (checked before measuring).
# Debian's Tastypie 0.13.3 predates Django 2.0: the generated project's
# compat.py puts back, as aliases, the few names it imports that Django
# 2.0-3.0 removed, and "tastypie" is not an installed app (its ApiKey
# model does not load on Django 3.2; the list does not use it).
#
# Not a test: it prints figures and exits 0 whatever they are; 1 means the
# run itself failed, 2 that a tool is missing. wrk, the server and mariadbd
# share the machine's cores, so the CPU time per request of the server and
# of mariadbd (from /proc/PID/stat around each run) is the steadier figure.
set -euo pipefail
export LC_ALL=C

CONCURRENCY=${CONCURRENCY:-16 64 256}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-1}
ROWS=${ROWS:-1000}
WORKERS=${WORKERS:-1}
POOL_SIZE=${POOL_SIZE:-4}
PEER=${PEER:-original tuned}
DB_VIA=${DB_VIA:-tcp}
VERBOSE=${VERBOSE:-0}
LIST='/api/v1/measurement/?limit=20'
# The issue's figures: the original stack's rate here, and the targets.
ORIGINAL_RPS=600
TARGET_FACTOR=30
TARGET_P99_MS=10
PEER_PACKAGES=(python3-django python3-django-tastypie gunicorn python3-mysqldb python3-six)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")

die() { echo "bench/store.sh: $*" >&2; exit 1; }
missing() { echo "bench/store.sh: $*" >&2; exit 2; }
note() { echo "bench/store.sh: $*" >&2; }

case ${1:-} in
-h|--help) sed -n '2,38p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -le 1 ] || die "usage: bench/store.sh [BUILD_DIR]"

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
[ -x "$camid" ] || die "$camid not found; build it: $top/configure && make core/camid plugins/store.la"
[ -f "$plugdir/store.so" ] || die "$plugdir/store.so not found; build it: make plugins/store.la"

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
for c in $CONCURRENCY; do
    [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONCURRENCY must be positive numbers, not '$c'"
    [ "$c" -ge "$THREADS" ] || die "every CONCURRENCY must be at least THREADS (wrk's rule)"
done
[ -n "${CONCURRENCY// /}" ] || die "CONCURRENCY is empty"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive number"
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "ROUNDS must be a number from 1 to 99"
if ! [[ $ROWS =~ ^[1-9][0-9]*$ ]] || [ "$ROWS" -lt 20 ]; then
    die "ROWS must be a number, at least 20"
fi
[[ $WORKERS =~ ^([1-9][0-9]*|auto)$ ]] || die "WORKERS must be a positive number or auto"
if ! [[ $POOL_SIZE =~ ^[1-9][0-9]*$ ]] || [ "$POOL_SIZE" -gt 126 ]; then
    die "POOL_SIZE must be a number from 1 to 126 (camid's threads are POOL_SIZE + 2, at most 128)"
fi
case $DB_VIA in
tcp|socket) ;;
*) die "DB_VIA takes tcp or socket, not '$DB_VIA'" ;;
esac
peers=()
for p in $PEER; do
    case $p in
    original|tuned) peers+=("$p") ;;
    none) ;;
    *) die "PEER takes original, tuned or none, not '$p'" ;;
    esac
done

command -v wrk >/dev/null || missing "wrk not found; install it: apt-get install wrk"
command -v curl >/dev/null || missing "curl not found; install it: apt-get install curl"
py=/usr/bin/python3
[ -x "$py" ] || missing "$py not found (it seeds the rows, and Debian's Django runs on it)"
[ -x "$top/scripts/devdb" ] || die "$top/scripts/devdb not found"

# ---- cleanup: every process we start is stopped on exit ---------------------
pids=()     # our direct children: camid's supervisor, gunicorn masters
tmp=
db_started=
policy_rc=
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
devdb() { CAMI_DEVDB_DIR=$tmp/db CAMI_DEVDB_PORT=$db_port "$top/scripts/devdb" "$@"; }
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM HUP
    for p in "${pids[@]}"; do stop_pid "$p"; done
    [ -z "$db_started" ] || devdb stop >/dev/null 2>&1 || note "could not stop the MariaDB in $tmp/db"
    [ -z "$policy_rc" ] || rm -f "$policy_rc"
    [ -z "$tmp" ] || rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Short: the MariaDB socket path inside must fit in 107 bytes.
tmp=$(mktemp -d /tmp/bench-store.XXXXXX)

free_port() {
    "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- /proc readers ----------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
# utime + stime in clock ticks, all threads; the comm field may hold spaces
# and parentheses, so fields are counted after its last ')'.
ticks_of() {
    local s
    s=$(<"/proc/$1/stat") 2>/dev/null || { echo 0; return 0; }
    s=${s##*) }
    # shellcheck disable=SC2086 # word splitting is the point
    set -- $s
    echo $((${12} + ${13}))
}
# A process and its children (camid's workers, gunicorn's worker), summed.
tree_ticks() {
    local total c
    total=$(ticks_of "$1")
    for c in $(pgrep -P "$1" || true); do
        total=$((total + $(ticks_of "$c")))
    done
    echo "$total"
}

# Until the server and mariadbd stop using CPU (at most 60 s): a gunicorn
# sync worker still answers the requests a finished wrk left queued, which
# would otherwise delay the next run and count in its CPU time.
wait_idle() { # pid
    local i a b c d
    for i in $(seq 120); do
        a=$(tree_ticks "$1") c=$(ticks_of "$db_pid")
        sleep 0.5
        b=$(tree_ticks "$1") d=$(ticks_of "$db_pid")
        [ $((b - a + d - c)) -gt 2 ] || return 0
    done
    note "pid $1 still busy after 60 s; measuring anyway"
}

wait_status() { # url pid: until the url answers 200 (30 s)
    local i
    for i in $(seq 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")" = 200 ] && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# wrk's "1.23ms" -> microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        if (match(v, /^[0-9.]+/) == 0) { print "nan"; exit }
        n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
        f = u == "us" ? 1 : u == "ms" ? 1e3 : u == "s" ? 1e6 : u == "m" ? 6e7 : u == "h" ? 3.6e9 : -1
        if (f < 0) print "nan"; else printf "%.0f", n * f }'
}

run_wrk() { # duration connections url
    timeout --foreground -k 5 $(($(to_secs "$1") + 60)) \
        wrk -t"$THREADS" -c"$2" -d"$1" --timeout 10s --latency "$3"
}

# ---- the database -----------------------------------------------------------
db_port=$(free_port)
echo "starting a private MariaDB in $tmp/db on 127.0.0.1:$db_port ..." >&2
db_started=1
devdb start >"$tmp/devdb.log" 2>&1 || die "scripts/devdb start failed:"$'\n'"$(tail -20 "$tmp/devdb.log")"
db_pid=$(head -n 1 "$tmp/db/mariadbd.pid")
[[ $db_pid =~ ^[0-9]+$ ]] || die "no pid in $tmp/db/mariadbd.pid"

# ---- camid --------------------------------------------------------------------
camid_port=$(free_port)
cat >"$tmp/camid.conf" <<EOF
# written by bench/store.sh
[camid]
workers = $WORKERS
threads = $((POOL_SIZE + 2))
plugin_dir = $plugdir
log_level = warn
access_log = off

[listener.main]
address = 127.0.0.1:$camid_port

[plugin.store]
module = store
$(if [ "$DB_VIA" = socket ]; then echo "socket = $tmp/db/mariadbd.sock"; else printf 'host = 127.0.0.1\nport = %s\n' "$db_port"; fi)
user = cami
password = cami
database = cami
pool_size = $POOL_SIZE
EOF
echo "camid: $camid on 127.0.0.1:$camid_port ($WORKERS worker(s), pool_size $POOL_SIZE)" >&2
"$camid" -c "$tmp/camid.conf" >"$tmp/camid.log" 2>&1 &
camid_pid=$!
pids+=("$camid_pid")
camid_url=http://127.0.0.1:$camid_port
# Migrations run right after start: the list answers 200 once they are done.
wait_status "$camid_url$LIST" "$camid_pid" ||
    die "camid does not serve $LIST; its log:"$'\n'"$(tail -20 "$tmp/camid.log")"

# ---- seed: users and measurements through camid's own API ---------------------
echo "seeding $ROWS measurements of 5 users through POST $camid_url/api/v1/ ..." >&2
"$py" - "$camid_port" "$ROWS" <<'EOF' || die "seeding failed"
import http.client, json, sys
port, rows = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def post(path, body):
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status != 201:
        sys.exit("POST %s %r: %d %s" % (path, body, r.status, data[:300]))
    return r.getheader("Location")
users = [post("/api/v1/user/", {"username": "bench-%d" % i, "first_name": "Bench %d" % i})
         for i in range(5)]
kinds = [("weight", "kg", lambda n: {"value": 60 + n % 400 / 10}),
         ("pulse", "bpm", lambda n: {"value": 50 + n % 60}),
         ("blood_pressure", "mmhg",
          lambda n: {"systolic": 100 + n % 50, "diastolic": 60 + n % 30, "pulse": 50 + n % 60})]
for n in range(rows):
    kind, unit, value = kinds[n % 3]
    post("/api/v1/measurement/", {"user": users[n % 5], "measurement_type": kind,
                                  "unit_type": unit, "timestamp": 1700000000 + 60 * n,
                                  "timezone": "Europe/Bucharest", "value_info": value(n),
                                  "ok": n % 7 != 0})
EOF

# Statistics now, for every server alike: InnoDB otherwise recomputes them
# in the background some seconds after the seeding, and MariaDB 10.11's plan
# for the page flips with them (index read vs. whole-table sort), mid-run.
dbsql() {
    mariadb --no-defaults -S "$tmp/db/mariadbd.sock" -ucami -pcami --batch --skip-column-names \
        cami -e "$1"
}
dbsql "ANALYZE TABLE store_user, store_measurement" >/dev/null || die "ANALYZE TABLE failed"
# The plan MariaDB picks for the page as the peers send it (camid hints an
# unfiltered page to read its ordering index: plugins/store/store_rlearn.c).
server_plan=$(dbsql "EXPLAIN SELECT * FROM store_measurement ORDER BY timestamp DESC LIMIT 20" |
    awk -F'\t' 'NR == 1 { print "type " $4 ", key " $6 ", " ($10 == "" || $10 == "NULL" ? "no extra" : $10) }') ||
    die "EXPLAIN failed"

# The page as camid serves it: 20 ids, newest first, and total_count = ROWS.
page_ids() { # url name
    curl -sS --max-time 10 "$1" | "$py" -c '
import json, sys
rows, name = int(sys.argv[1]), sys.argv[2]
try:
    body = json.load(sys.stdin)
    got = [m["id"] for m in body["measurements"]]
    total = body["meta"]["total_count"]
except Exception as e:
    sys.exit("%s: not a measurement list: %s" % (name, e))
if total != rows or len(got) != 20:
    sys.exit("%s: %d rows of %s, expected 20 of %d" % (name, len(got), total, rows))
print(" ".join(str(i) for i in got))' "$ROWS" "$2"
}
camid_ids=$(page_ids "$camid_url$LIST" camid) || die "camid's list is not the expected page"

# ---- the peers: Django 3.2 + Tastypie 0.13 under gunicorn -----------------------
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
peer_skip=
ensure_peer_packages() {
    local want=() p
    for p in "${PEER_PACKAGES[@]}"; do installed "$p" || want+=("$p"); done
    [ ${#want[@]} -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        peer_skip="${want[*]} not installed, and only root may install them (apt-get install ${want[*]})"
        return 0
    fi
    echo "installing for the peer (Debian): ${want[*]} ..." >&2
    # Keep any package from starting a service.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy_rc=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
        chmod 755 "$policy_rc"
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! { timeout 600 apt-get install -y --no-install-recommends "${want[@]}" >&2 ||
           { timeout 300 apt-get update >&2 &&
             timeout 600 apt-get install -y --no-install-recommends "${want[@]}" >&2; }; }; then
        peer_skip="apt-get install ${want[*]} failed"
    fi
    [ -z "$policy_rc" ] || { rm -f "$policy_rc"; policy_rc=; }
}

# The original store's resource, on the tables camid's migrations made.
write_peer_project() {
    local d=$tmp/peer/cami_peer
    mkdir -p "$d"
    : >"$d/__init__.py"
    cat >"$d/compat.py" <<'EOF'
# Debian 12's Tastypie 0.13.3 was written for Django 1.8/1.9 and imports
# names Django 2.0-3.0 removed. Put them back, as aliases, before it loads.
# Nothing here changes what a request does.
import sys
import urllib.parse

import django.middleware.csrf
import django.urls
import django.utils.encoding
import django.db.models.sql.constants as sql_constants
import six
from django.db.models import Field
from django.db.models.sql.query import Query
from django.utils.crypto import constant_time_compare

sys.modules.setdefault("django.core.urlresolvers", django.urls)
sys.modules.setdefault("django.utils.six", six)
sys.modules.setdefault("django.utils.six.moves", six.moves)
sys.modules.setdefault("django.utils.six.moves.urllib", six.moves.urllib)
sys.modules.setdefault("django.utils.six.moves.urllib.parse", urllib.parse)
django.utils.six = six
if not hasattr(django.utils.encoding, "python_2_unicode_compatible"):
    django.utils.encoding.python_2_unicode_compatible = lambda cls: cls
if not hasattr(Field, "rel"):   # Django 2.0 renamed it remote_field
    Field.rel = property(lambda self: self.remote_field)
if not hasattr(django.middleware.csrf, "constant_time_compare"):
    django.middleware.csrf.constant_time_compare = constant_time_compare
if not hasattr(sql_constants, "QUERY_TERMS"):   # Django 1.9's list of lookups
    sql_constants.QUERY_TERMS = {
        "exact", "iexact", "contains", "icontains", "gt", "gte", "lt", "lte", "in",
        "startswith", "istartswith", "endswith", "iendswith", "range", "year", "month",
        "day", "week_day", "hour", "minute", "second", "isnull", "search", "regex", "iregex"}
if not hasattr(Query, "query_terms"):   # removed in Django 2.1
    Query.query_terms = property(lambda self: sql_constants.QUERY_TERMS)
EOF
    cat >"$d/settings_base.py" <<EOF
# written by bench/store.sh: the original CAMI store's stack, on the bench's MariaDB
import cami_peer.compat  # noqa: F401 (before Tastypie loads)

SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
# Not "tastypie" itself: its app only holds the ApiKey/ApiAccess models,
# which the list does not use and which Django 3.2 refuses (no on_delete).
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                  "django.contrib.sessions", "django.contrib.messages", "cami_peer"]
# Django's startproject middleware, as the original had (for Django 1.9).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "cami_peer.urls"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.mysql", "NAME": "cami", "USER": "cami",
    "PASSWORD": "cami", $(if [ "$DB_VIA" = socket ]; then echo "\"HOST\": \"$tmp/db/mariadbd.sock\","; else echo "\"HOST\": \"127.0.0.1\", \"PORT\": \"$db_port\","; fi)
    "OPTIONS": {"charset": "utf8mb4"},
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
TASTYPIE_DEFAULT_FORMATS = ["json"]
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
EOF
    cat >"$d/settings_original.py" <<'EOF'
# As the original: a new database connection per request, no select_related.
from cami_peer.settings_base import *  # noqa: F401,F403
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PEER_SELECT_RELATED = False
EOF
    cat >"$d/settings_tuned.py" <<'EOF'
# What a tuning pass would do: persistent connections, one query per page.
from cami_peer.settings_base import *  # noqa: F401,F403
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
PEER_SELECT_RELATED = True
EOF
    cat >"$d/models.py" <<'EOF'
# The store's tables (plugins/store/migrations), as unmanaged Django models.
from django.db import models


class User(models.Model):
    id = models.BigAutoField(primary_key=True)
    username = models.CharField(max_length=150, unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.CharField(max_length=254, null=True)
    is_active = models.BooleanField()
    date_joined = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "store_user"


class Device(models.Model):
    device_type = models.CharField(max_length=32)
    manufacturer = models.CharField(max_length=128, null=True)
    model = models.CharField(max_length=64, null=True)
    serial_number = models.CharField(max_length=64, null=True)

    class Meta:
        managed = False
        db_table = "store_device"


class Measurement(models.Model):
    user = models.ForeignKey(User, models.DO_NOTHING, db_column="user_id")
    device = models.ForeignKey(Device, models.DO_NOTHING, db_column="device_id", null=True)
    measurement_type = models.CharField(max_length=32)
    unit_type = models.CharField(max_length=16)
    timestamp = models.BigIntegerField()
    timezone = models.CharField(max_length=64, null=True)
    value_info = models.TextField()
    ok = models.BooleanField(null=True)

    class Meta:
        managed = False
        db_table = "store_measurement"
EOF
    cat >"$d/resources.py" <<'EOF'
# The original store's UserResource, DeviceResource and MeasurementResource
# (cami-project store/store/api/resources.py), for Tastypie 0.13.
import json

from django.conf import settings
from tastypie import fields
from tastypie.authorization import Authorization
from tastypie.constants import ALL, ALL_WITH_RELATIONS
from tastypie.resources import ModelResource

from cami_peer.models import Device, Measurement, User


class UserResource(ModelResource):
    class Meta:
        excludes = ["email"]
        queryset = User.objects.all()
        resource_name = "user"
        allowed_methods = ["get"]
        collection_name = "users"


class DeviceResource(ModelResource):
    class Meta:
        queryset = Device.objects.all()
        resource_name = "device"
        allowed_methods = ["get", "post", "put"]
        collection_name = "devices"
        always_return_data = True
        authorization = Authorization()


def measurements():
    # Newest first, as camid's default order (its key ends the order).
    qs = Measurement.objects.order_by("-timestamp", "id")
    if settings.PEER_SELECT_RELATED:
        qs = qs.select_related("user", "device")
    return qs


class MeasurementResource(ModelResource):
    user = fields.ForeignKey(UserResource, "user")
    device = fields.ForeignKey(DeviceResource, "device", null=True)

    class Meta:
        queryset = measurements()
        resource_name = "measurement"
        allowed_methods = ["get", "post", "put"]
        collection_name = "measurements"
        authorization = Authorization()
        always_return_data = True
        ordering = ["timestamp"]
        filtering = {"id": ALL, "measurement_type": ("exact", "iexact", "in"),
                     "user": ALL_WITH_RELATIONS, "device": ALL_WITH_RELATIONS,
                     "timestamp": ALL}

    def dehydrate_timestamp(self, bundle):
        return int(bundle.data["timestamp"])

    def dehydrate(self, bundle):
        # The original parsed the stored text per row (ast.literal_eval);
        # the column holds JSON here, so json.loads (cheaper, if anything).
        if "value_info" in bundle.data:
            bundle.data["value_info"] = json.loads(bundle.data["value_info"])
        return bundle
EOF
    cat >"$d/urls.py" <<'EOF'
from django.urls import include, re_path
from tastypie.api import Api

from cami_peer.resources import DeviceResource, MeasurementResource, UserResource

api = Api(api_name="v1")
api.register(UserResource())
api.register(DeviceResource())
api.register(MeasurementResource())
urlpatterns = [re_path(r"^api/", include(api.urls))]
EOF
    cat >"$d/wsgi.py" <<'EOF'
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
EOF
}

declare -A peer_url peer_pid
start_peer() { # variant
    local v=$1 port pid
    port=$(free_port)
    echo "peer $v: gunicorn (1 sync worker) on 127.0.0.1:$port" >&2
    (cd "$tmp/peer" && DJANGO_SETTINGS_MODULE=cami_peer.settings_$v PYTHONDONTWRITEBYTECODE=1 \
        exec "$py" -m gunicorn --workers 1 --worker-class sync --bind "127.0.0.1:$port" \
        --pythonpath "$tmp/peer" cami_peer.wsgi:application) >"$tmp/peer-$v.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_status "http://127.0.0.1:$port$LIST" "$pid" || {
        peer_skip="the peer '$v' did not serve $LIST; its log: $(tail -30 "$tmp/peer-$v.log")"
        return 1
    }
    peer_url[$v]=http://127.0.0.1:$port
    peer_pid[$v]=$pid
}

if [ ${#peers[@]} -gt 0 ]; then
    ensure_peer_packages
    if [ -z "$peer_skip" ]; then
        write_peer_project
        for v in "${peers[@]}"; do
            start_peer "$v" || break
            ids=$(page_ids "${peer_url[$v]}$LIST" "peer $v") ||
                die "the peer '$v' does not answer camid's page of $ROWS rows"
            [ "$ids" = "$camid_ids" ] ||
                die "the peer '$v' lists other rows than camid:"$'\n'"  camid: $camid_ids"$'\n'"  peer:  $ids"
        done
    fi
    if [ -n "$peer_skip" ]; then
        echo "bench/store.sh: SKIPPING THE PEERS: $peer_skip" >&2
        peers=()
    fi
fi

# ---- measure -----------------------------------------------------------------
# Each measured run appends to $tmp/results:
#   key conns round req/s requests p50_us p90_us p99_us server_us/req db_us/req errors
declare -A LABEL=([camid]="camid")
declare -A URL=([camid]="$camid_url$LIST") PID=([camid]="$camid_pid")
SERVERS=(camid)
for v in "${peers[@]}"; do
    LABEL[$v]="django $v"
    URL[$v]=${peer_url[$v]}$LIST
    PID[$v]=${peer_pid[$v]}
    SERVERS+=("$v")
done

measure() { # key conns round
    local key=$1 conns=$2 round=$3 out s0 s1 d0 d1 reqs rps p50 p90 p99 errs
    echo "  ${LABEL[$key]}: $conns connections, $DURATION ..." >&2
    wait_idle "${PID[$key]}"
    s0=$(tree_ticks "${PID[$key]}")
    d0=$(ticks_of "$db_pid")
    out=$(run_wrk "$DURATION" "$conns" "${URL[$key]}") || die "${LABEL[$key]}: wrk failed: $out"
    s1=$(tree_ticks "${PID[$key]}")
    d1=$(ticks_of "$db_pid")
    [ "$VERBOSE" = 0 ] || printf '%s\n' "--- wrk, ${LABEL[$key]}, $conns connections, round $round ---" "$out" "" >&2
    if grep -q 'Non-2xx or 3xx' <<<"$out"; then
        die "${LABEL[$key]}: wrong answers during the run: $(grep 'Non-2xx' <<<"$out")"
    fi
    reqs=$(awk '/requests in/ { print $1; exit }' <<<"$out")
    rps=$(awk '/^Requests\/sec:/ { print $2; exit }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2; exit }' <<<"$out")
    p90=$(awk '$1 == "90%" { print $2; exit }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2; exit }' <<<"$out")
    if ! [[ ${reqs:-} =~ ^[1-9][0-9]*$ ]] || [ -z "${rps:-}" ] || [ -z "${p99:-}" ]; then
        die "${LABEL[$key]}: could not read wrk's output:"$'\n'"$out"
    fi
    errs=$(grep 'Socket errors' <<<"$out" | sed 's/^ *Socket errors: *//; s/ /_/g') || true
    awk -v k="$key" -v c="$conns" -v r="$round" -v rps="$rps" -v n="$reqs" \
        -v p50="$(to_us "$p50")" -v p90="$(to_us "$p90")" -v p99="$(to_us "$p99")" \
        -v s=$((s1 - s0)) -v d=$((d1 - d0)) -v hz="$clk_tck" -v e="${errs:-none}" \
        'BEGIN { printf "%s %s %s %s %s %s %s %s %.1f %.1f %s\n", k, c, r, rps, n, p50, p90, p99,
                 s * 1e6 / hz / n, d * 1e6 / hz / n, e }' >>"$tmp/results"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# bench/store.sh  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cores, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
echo "camid:   $camid ($("$camid" --version 2>&1 | head -1)), workers = $WORKERS, store pool_size = $POOL_SIZE"
echo "mariadb: $("$(PATH=$PATH:/usr/sbin command -v mariadbd)" --version 2>&1 | head -1), reached over $DB_VIA"
if [ ${#peers[@]} -gt 0 ]; then
    echo "peers:   $(for p in "${PEER_PACKAGES[@]}"; do printf '%s %s, ' "$p" "$(dpkg-query -W -f='${Version}' "$p")"; done | sed 's/, $//')"
    echo "         one gunicorn sync worker each: ${peers[*]} (see bench/store.sh's header)"
else
    echo "peers:   none"
fi
echo "list:    GET $LIST over $ROWS rows (20 rows, total_count $ROWS); the same ids from every server"
echo "plan:    MariaDB's own for the page, after ANALYZE TABLE: $server_plan"
echo "wrk:     wrk -t$THREADS -c{${CONCURRENCY// /,}} -d$DURATION --timeout 10s --latency (after a $WARMUP warm-up per server)"
[ "$ROUNDS" = 1 ] || echo "rounds:  $ROUNDS, the order of servers rotating each round"
echo "load average before: $(load)"

: >"$tmp/results"
for key in "${SERVERS[@]}"; do
    echo "  ${LABEL[$key]}: warm-up $WARMUP ..." >&2
    run_wrk "$WARMUP" 64 "${URL[$key]}" >"$tmp/warmup-$key.txt" ||
        die "${LABEL[$key]}: wrk warm-up failed: $(cat "$tmp/warmup-$key.txt")"
    wait_idle "${PID[$key]}"
done
n=${#SERVERS[@]}
for round in $(seq "$ROUNDS"); do
    for conns in $CONCURRENCY; do
        for i in $(seq 0 $((n - 1))); do
            measure "${SERVERS[$(((i + round - 1) % n))]}" "$conns" "$round"
        done
    done
done
echo "load average after:  $(load)"
echo

# Column $3 of the runs of server $1 at $2 connections: the median.
pick() {
    awk -v k="$1" -v c="$2" -v col="$3" '$1 == k && $2 == c { print $col }' "$tmp/results" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
header() {
    printf '%-20s %5s %10s %8s %8s %8s %14s %14s\n' "$1" conns req/s "p50 ms" "p90 ms" "p99 ms" \
        "server us/req" "mariadb us/req"
}
if [ "$ROUNDS" != 1 ]; then
    header "each run"
    while read -r k c r rps _ p50 p90 p99 s d _; do
        printf '%-20s %5s %10.0f %8s %8s %8s %14s %14s\n' "${LABEL[$k]} #$r" "$c" "$rps" \
            "$(ms "$p50")" "$(ms "$p90")" "$(ms "$p99")" "$s" "$d"
    done <"$tmp/results"
    echo
    header "median of $ROUNDS"
else
    header server
fi
declare -A RPS P99
for conns in $CONCURRENCY; do
    for k in "${SERVERS[@]}"; do
        RPS[$k,$conns]=$(pick "$k" "$conns" 4)
        P99[$k,$conns]=$(pick "$k" "$conns" 8)
        printf '%-20s %5s %10.0f %8s %8s %8s %14s %14s\n' "${LABEL[$k]}" "$conns" "${RPS[$k,$conns]}" \
            "$(ms "$(pick "$k" "$conns" 6)")" "$(ms "$(pick "$k" "$conns" 7)")" \
            "$(ms "${P99[$k,$conns]}")" "$(pick "$k" "$conns" 9)" "$(pick "$k" "$conns" 10)"
    done
done
echo "(server us/req: CPU time of camid's supervisor and workers, or gunicorn's master and worker,"
echo " all threads, per request; mariadb us/req: mariadbd's, per request of that run)"
awk '$11 != "none" { printf "%s, %s connections, round %s: wrk socket errors %s\n", $1, $2, $3, $11 }' \
    "$tmp/results" | sed 's/_/ /g'
echo

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
for conns in $CONCURRENCY; do
    line="camid at $conns connections: $(ratio "${RPS[camid,$conns]}" 1) req/s"
    for v in "${peers[@]}"; do
        line+=", $(ratio "${RPS[camid,$conns]}" "${RPS[$v,$conns]}") x django $v"
    done
    echo "$line, $(ratio "${RPS[camid,$conns]}" "$ORIGINAL_RPS") x the issue's $ORIGINAL_RPS req/s"
done
if [[ " $CONCURRENCY " == *" 64 "* ]]; then
    echo
    echo "the issue's targets at 64 connections:"
    t_rps=$((ORIGINAL_RPS * TARGET_FACTOR))
    verdict() { [ "$1" = 1 ] && echo met || echo "NOT met"; }
    echo "  req/s >= $TARGET_FACTOR x $ORIGINAL_RPS = $t_rps: $(ratio "${RPS[camid,64]}" 1)," \
        "$(verdict "$(awk -v a="${RPS[camid,64]}" -v b="$t_rps" 'BEGIN { print (a >= b) }')")"
    for v in "${peers[@]}"; do
        echo "  req/s >= $TARGET_FACTOR x django $v (measured here): $(ratio "${RPS[camid,64]}" "${RPS[$v,64]}") x," \
            "$(verdict "$(awk -v a="${RPS[camid,64]}" -v b="${RPS[$v,64]}" -v f="$TARGET_FACTOR" 'BEGIN { print (a >= f * b) }')")"
    done
    echo "  p99 < $TARGET_P99_MS ms: $(ms "${P99[camid,64]}") ms," \
        "$(verdict "$(awk -v a="${P99[camid,64]}" -v b="$TARGET_P99_MS" 'BEGIN { print (a < b * 1000) }')")"
fi
