#!/usr/bin/python3
"""MariaDB killed and restarted while a load runs: 503s while it is down,
service back without restarting camid, every 201 in the table.

camid runs with 2 workers and the store (over TCP, as etc/camid.d/store.conf
sets it up) against a private MariaDB that the test starts with
scripts/devdb in a temporary directory. Client threads send requests
continuously, each over one keep-alive connection, and record every answer;
after a moment the test SIGKILLs mariadbd (no shutdown, no goodbye to the
clients), keeps the load running about 2 s, starts the server again with the
same DevDB.start() and waits until every client gets answers again. Then:

- nothing but 201/200 and 503 was answered; no connection was reset or
  closed, no request went unanswered past its deadline;
- every answer received before the kill was a success; every 503 carries
  Retry-After and a JSON {"error": "..."} body;
- writes: every 201's Location id is a row in the table with the values
  sent; no request wrote two rows; a row whose request was answered 503
  (written, then the server died before its answer) may exist only for a
  request sent before the kill: the test counts and prints those;
- camid is the same process with the same two workers, and lists answer.

Users (one INSERT per POST) and measurements (an INSERT, then the row read
back: "return_data") are written side by side, so both paths see the kill.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_store_faults.py
"""

import json
import os
import re
import signal
import sys
import threading
import time
from collections import Counter

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (PLUGIN_DIR, DevDB, ProtocolError, RawConn, ReadTimeout,  # noqa: E402
                     ServerTestCase, main, require_built, scaled, tail, wait_until)

STORE_SO = os.path.join(PLUGIN_DIR, "store.so")
API = "/api/v1/"
# Per request, scaled by RawConn: an answer later than this is a hang.
REQUEST_TIMEOUT = 10.0
# How long the load runs against a dead server (wall time: the store
# answers 503 at once whatever the slowdown).
OUTAGE_S = 2.0
JSON_HEADERS = [("Content-Type", "application/json")]

DB = None


def setUpModule():
    global DB
    require_built(STORE_SO)
    DB = DevDB().start()


def tearDownModule():
    if DB is not None:
        DB.destroy()


# ---------------------------------------------------------------------------
# The server under the store

def mariadbd_pid():
    """The pid of the devdb's mariadbd, checked against its command line (a
    stale pid file must not make the test kill something else)."""
    with open(os.path.join(DB.dir, "mariadbd.pid")) as f:
        pid = int(f.read().split()[0])
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        cmdline = f.read().decode("utf-8", "replace")
    if DB.dir not in cmdline:
        raise AssertionError("pid %d is not the devdb's mariadbd: %r" % (pid, cmdline))
    return pid


def dead(pid):
    """Gone, or a zombie nobody reaped (a container's init may not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def kill_mariadbd():
    """SIGKILL the server: its sockets close under the store's feet."""
    pid = mariadbd_pid()
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: dead(pid), 10, "mariadbd (pid %d) to die" % pid)
    return pid


# ---------------------------------------------------------------------------
# The load

class Answer:
    """One request and what came of it: a response, or an error (the
    connection closed or reset, or no answer in time)."""

    __slots__ = ("thread", "key", "t0", "t1", "resp", "error")

    def __init__(self, thread, key, t0, t1, resp=None, error=None):
        self.thread, self.key, self.t0, self.t1 = thread, key, t0, t1
        self.resp, self.error = resp, error

    @property
    def status(self):
        return self.resp.status if self.resp is not None else None

    def __repr__(self):
        what = self.error if self.resp is None else "%d %r" % (self.resp.status,
                                                                 self.resp.body[:200])
        return "<thread %d %s sent %.3f, %.3f s: %s>" % (self.thread, self.key, self.t0,
                                                         self.t1 - self.t0, what)


class Load:
    """`threads` client threads, each sending request(thread, n) ->
    (key, method, target, body) over one keep-alive connection to `port`
    until stop(); every answer is kept in `answers`."""

    def __init__(self, port, threads, request):
        self.port = port
        self.request = request
        self.answers = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(scaled(REQUEST_TIMEOUT) + 5)
        stuck = [t.name for t in self.threads if t.is_alive()]
        if stuck:
            raise AssertionError("client threads did not stop: %s" % stuck)

    def _run(self, thread):
        conn = None
        n = 0
        while not self.stopping.is_set():
            key, method, target, body = self.request(thread, n)
            n += 1
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = RawConn(self.port, timeout=REQUEST_TIMEOUT)
                resp = conn.request(method, target, JSON_HEADERS if body else None, body)
                answer = Answer(thread, key, t0, time.monotonic(), resp=resp)
                if "close" in resp.connection_tokens():
                    conn.close()
                    conn = None
            except (ProtocolError, ReadTimeout, OSError) as e:
                answer = Answer(thread, key, t0, time.monotonic(),
                                error="%s: %s" % (type(e).__name__, e))
                if conn is not None:
                    conn.close()
                conn = None
            with self.lock:
                self.answers.append(answer)
        if conn is not None:
            conn.close()

    def snapshot(self):
        with self.lock:
            return list(self.answers)

    def count(self, status, sent_after=0.0):
        return sum(1 for a in self.snapshot() if a.status == status and a.t0 >= sent_after)

    def threads_served_since(self, status, since):
        """Every thread's latest answer is `status` and was sent after `since`."""
        last = {}
        for a in self.snapshot():
            last[a.thread] = a
        return len(last) == len(self.threads) and all(
            a.status == status and a.t0 >= since for a in last.values())


# ---------------------------------------------------------------------------

class KillWhileLoaded(ServerTestCase):
    """One camid (2 workers) for both tests; each test kills and restarts
    the server once, so camid lives through two outages."""

    @classmethod
    def setUpClass(cls):
        store = {k: v for k, v in DB.store_config(host="127.0.0.1", port=DB.port,
                                                  socket=None).items() if v is not None}
        cls.server_options = {"camid": {"workers": 2, "access_log": "off"},
                              "plugins": {"store": store}}
        super().setUpClass()
        # Migrations run right after start: until then a table may be missing.
        wait_until(lambda: cls._status(API + "measurement/?limit=1") == 200, 20,
                   "the store's resources to answer (migrations applied)", interval=0.1)
        # The port answers as soon as the supervisor binds it; each worker
        # says when it is ready.
        cls.workers = wait_until(lambda: len(cls._worker_pids()) == 2 and cls._worker_pids(),
                                 10, "both workers ready")

    @classmethod
    def _status(cls, target):
        try:
            with RawConn(cls.server.port(), timeout=5) as c:
                return c.request("GET", target).status
        except (ProtocolError, OSError):
            return None

    @classmethod
    def _worker_pids(cls):
        """Worker pids from the "worker ready (pid N" lines: a worker the
        supervisor had to start again adds a line."""
        return [int(p) for p in re.findall(r"worker ready \(pid (\d+)", cls.server.stderr())]

    def setUp(self):
        DB.start()   # idempotent: up whatever an earlier test did

    # -- plain calls, each on a connection of its own --
    def call(self, method, target, body=None):
        data = json.dumps(body) if body is not None else None
        with RawConn(self.server.port(), timeout=REQUEST_TIMEOUT) as c:
            return c.request(method, target, JSON_HEADERS if data else None, data)

    def create(self, resource, body):
        r = self.call("POST", API + resource + "/", body)
        self.assertEqual(r.status, 201, r)
        return location_id(r, resource)

    # -- the outage --
    def outage(self, load, success, warm):
        """Run `load` until `warm` successes, kill mariadbd, keep loading
        OUTAGE_S, restart it, wait until every client thread is served
        again, stop the load. Returns (t_kill0, t_kill1, t_restarted)."""
        started = time.monotonic()
        load.start()
        try:
            wait_until(lambda: load.count(success) >= warm, 20,
                       "%d answers %d before the kill" % (warm, success))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
            t_kill0 = time.monotonic()
            kill_mariadbd()
            t_kill1 = time.monotonic()
            time.sleep(OUTAGE_S)
            # Some 503s came back (a slow machine may need longer for them).
            wait_until(lambda: load.count(503, t_kill1) >= len(load.threads), 20,
                       "503s from the load while the server is down")
            DB.start()
            t_restarted = time.monotonic()
            wait_until(lambda: load.threads_served_since(success, t_restarted), 30,
                       "every client served (%d) again after the restart" % success,
                       interval=0.05)
        finally:
            load.stop()
        return t_kill0, t_kill1, t_restarted

    def check_answers(self, answers, success, t_kill0, label):
        """Only successes and well-formed 503s, no connection trouble;
        successes only before the kill. Prints a summary."""
        errors = [a for a in answers if a.resp is None]
        self.assertEqual(errors, [], "%s: requests without an answer (reset, closed or timed "
                                     "out); first ones: %r" % (label, errors[:5]))
        odd = [a for a in answers if a.status not in (success, 503)]
        self.assertEqual(odd, [], "%s: answers other than %d and 503: %s; first ones: %r" %
                         (label, success, Counter(a.status for a in odd), odd[:5]))
        early = [a for a in answers if a.t1 < t_kill0 and a.status != success]
        self.assertEqual(early, [], "%s: failures before the kill" % label)
        for a in answers:
            if a.status == 503:
                self.assert_503(a.resp)
        n503 = sum(1 for a in answers if a.status == 503)
        self.assertGreater(n503, 0, "%s: no 503 at all: did the kill happen?" % label)
        slowest = max(answers, key=lambda a: a.t1 - a.t0)
        sys.stderr.write("\n%s: %d answers (%d x %d, %d x 503), slowest %.3f s (%d)\n" %
                         (label, len(answers), len(answers) - n503, success, n503,
                          slowest.t1 - slowest.t0, slowest.status))

    def assert_503(self, r):
        self.assertEqual(r.status, 503)
        self.assertRegex(r.header("Retry-After") or "", r"^[1-9][0-9]*$",
                         "503 without a Retry-After: %r" % r)
        self.assertEqual((r.header("Content-Type") or "").split(";")[0].strip(),
                         "application/json", r)
        body = r.json()
        self.assertIsInstance(body, dict, r)
        self.assertIsInstance(body.get("error"), str, r)
        self.assertIn("database is unavailable", body["error"])

    def check_camid_survived(self):
        self.assertTrue(self.server.running(), "camid exited:\n" + tail(self.server.stderr()))
        self.assertEqual(self._worker_pids(), self.workers,
                         "a worker was started again: camid did not ride out the outage")
        self.assertEqual(len(self.workers), 2)
        for pid in self.workers:
            self.assertFalse(dead(pid), "worker %d is gone" % pid)
        log = self.server.stderr()
        self.assertIn("database reachable again", log)
        # Which workers saw the outage depends on where the kernel put the
        # clients' connections (SO_REUSEPORT): said, not asserted.
        saw = sorted(set(re.findall(r"\[(worker \d+)\] warn store: database unreachable", log)))
        sys.stderr.write("workers that saw the server go away so far: %s\n" %
                         (", ".join(saw) or "none logged"))

    # -- the tests --
    def test_writes_through_a_kill(self):
        owner = self.create("user", {"username": "fault-owner"})
        owner_uri = API + "user/%s/" % owner
        base_ts = 1700000000

        def request(thread, n):
            # Even threads create users, odd ones measurements; the key
            # (username, or the unique timestamp) finds the row again.
            if thread % 2 == 0:
                name = "w%d-%d" % (thread, n)
                return (("user", name), "POST", API + "user/",
                        json.dumps({"username": name, "first_name": "T%d" % thread}))
            ts = base_ts + thread * 10000000 + n
            return (("measurement", ts), "POST", API + "measurement/",
                    json.dumps({"user": owner_uri, "measurement_type": "pulse",
                                "unit_type": "bpm", "timestamp": ts,
                                "value_info": {"value": n}}))

        load = Load(self.server.port(), 6, request)
        t_kill0, t_kill1, _ = self.outage(load, 201, warm=30)
        answers = load.snapshot()
        self.check_answers(answers, 201, t_kill0, "writes")

        # What is in the tables, by key.
        rows = {}
        for line in DB.sql("SELECT id, username FROM store_user "
                           "WHERE username LIKE 'w%'").splitlines()[1:]:
            rid, name = line.split("\t")
            rows.setdefault(("user", name), []).append(int(rid))
        for line in DB.sql("SELECT id, timestamp FROM store_measurement WHERE user_id = %s"
                           % int(owner)).splitlines()[1:]:
            rid, ts = line.split("\t")
            rows.setdefault(("measurement", int(ts)), []).append(int(rid))
        twice = {k: v for k, v in rows.items() if len(v) > 1}
        self.assertEqual(twice, {}, "requests that wrote more than one row")

        by_key = {a.key: a for a in answers}
        self.assertEqual(len(by_key), len(answers))
        missing, wrong_id = [], []
        for a in answers:
            if a.status != 201:
                continue
            got = location_id(a.resp, a.key[0])
            if a.key not in rows:
                missing.append(a)
            elif rows[a.key] != [int(got)]:
                wrong_id.append((a, rows[a.key]))
            if a.key[0] == "measurement":
                obj = a.resp.json()
                self.assertEqual((obj["id"], obj["timestamp"], obj["user"]),
                                 (int(got), str(a.key[1]), owner_uri), a)
        self.assertEqual(missing, [], "201 answered but no row in the table")
        self.assertEqual(wrong_id, [], "201's Location names another row")

        strays = [k for k in rows if k not in by_key]
        self.assertEqual(strays, [], "rows no request of the load asked for")
        ambiguous = [by_key[k] for k in rows if by_key[k].status != 201]
        # Written, then the server died before the answer: only a request
        # already sent when the server was killed can be one of those.
        late = [a for a in ambiguous if a.t0 > t_kill1]
        self.assertEqual(late, [], "rows written by requests sent after the kill, answered %s"
                         % Counter(a.status for a in late))
        sys.stderr.write("writes: %d rows; %d of them written by requests answered 503 "
                         "(in flight at the kill): %s\n" % (len(rows), len(ambiguous),
                                                            [a.key for a in ambiguous]))

        self.check_camid_survived()
        # Lists agree with the tables.
        users = int(DB.sql("SELECT COUNT(*) FROM store_user").splitlines()[1])
        r = self.call("GET", API + "user/?limit=5")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["meta"]["total_count"], users)
        self.assertEqual(len(r.json()["users"]), 5)
        r = self.call("GET", API + "measurement/?user=%s&limit=20" % owner)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["meta"]["total_count"],
                         sum(1 for k in rows if k[0] == "measurement"))
        stamps = [int(m["timestamp"]) for m in body["measurements"]]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual(len(stamps), min(20, body["meta"]["total_count"]))

    def test_reads_through_a_kill(self):
        owner = self.create("user", {"username": "fault-reader"})
        for n in range(25):
            self.create("measurement", {"user": API + "user/%s/" % owner,
                                        "measurement_type": "weight", "unit_type": "kg",
                                        "timestamp": 1600000000 + n,
                                        "value_info": {"value": 70 + n / 10}})
        target = API + "measurement/?user=%s&limit=20" % owner
        expected = self.call("GET", target)
        self.assertEqual(expected.status, 200, expected)
        page = expected.json()
        self.assertEqual(page["meta"]["total_count"], 25)
        self.assertEqual(len(page["measurements"]), 20)

        load = Load(self.server.port(), 6, lambda thread, n: ((thread, n), "GET", target, None))
        t_kill0, _, _ = self.outage(load, 200, warm=40)
        answers = load.snapshot()
        self.check_answers(answers, 200, t_kill0, "reads")
        wrong = [a for a in answers if a.status == 200 and a.resp.json() != page]
        self.assertEqual(wrong, [], "a list that differs from the one before the load")
        self.check_camid_survived()


def location_id(resp, resource):
    """The id at the end of a 201's Location: /api/v1/<resource>/<id>/."""
    loc = resp.header("Location") or ""
    m = re.fullmatch(re.escape(API + resource) + r"/([0-9]+)/", loc)
    if m is None:
        raise AssertionError("201 without a Location of a %s: %r" % (resource, resp))
    return m.group(1)


if __name__ == "__main__":
    main()
