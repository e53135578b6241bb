"""The store plugin against a real MariaDB: results and types, error codes,
parameters that cannot inject SQL, a slow query that delays nothing else,
transactions (commit, rollback, failure, idle timeout), query timeouts,
migrations (applied once, also by two camids starting together; an edited
applied file refused; the store.migrate task through camictl) and the server
going away and coming back without a camid restart.

camid loads store and storebed (tests/plugins/storebed.c: HTTP routes that
call the store service) and hello. The test starts its own MariaDB with
scripts/devdb in a temporary directory on a free port and stops it at the
end.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_store.py
"""

import json
import os
import signal
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402

from harness import (CAMICTL, PLUGIN_DIR, Camid, DevDB, ServerTestCase, main, render_config,  # noqa: E402
                     require_built, run_camid, run_camictl, scaled, test_plugin, wait_until)

STOREBED = test_plugin("storebed")
# The store's own migrations (plugins/store/migrations, compiled in), as
# recorded() lists them.
_OWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "store",
                    "migrations")
STORE_OWN = ["store\t%d\t%s" % (int(f.split("_")[0]), f)
             for f in sorted(os.listdir(_OWN)) if f.endswith(".sql")]
STORE_SO = os.path.join(PLUGIN_DIR, "store.so")
EDOWN, EDUPLICATE, ECONSTRAINT = -1001, -1002, -1003
EINVAL, ETIMEDOUT = -22, -110

DB = None


def setUpModule():
    global DB
    require_built(STOREBED, STORE_SO, CAMICTL)
    DB = DevDB().start()


def tearDownModule():
    if DB is not None:
        DB.destroy()


def plugins(store=None, storebed=None):
    """hello, store on the module's MariaDB (keys given as None are left
    out) and storebed."""
    keys = {k: v for k, v in DB.store_config(**(store or {})).items() if v is not None}
    return {"hello": {}, "store": keys,
            "storebed": dict({"module": STOREBED}, **(storebed or {}))}


class Client:
    """HTTP calls to storebed's routes on one camid."""

    def __init__(self, server):
        self.server = server

    def post(self, route, body, timeout=10.0):
        return requests.post(self.server.url("/storebed/" + route), json=body,
                             timeout=scaled(timeout))

    def query(self, sql, params=None):
        return self.post("query", {"sql": sql, "params": params})

    def exec(self, sql, params=None):
        return self.post("exec", {"sql": sql, "params": params})

    def rows(self, sql, params=None):
        r = self.query(sql, params)
        if r.status_code != 200:
            raise AssertionError("%s: %d %s" % (sql, r.status_code, r.text))
        return r.json()


class StoreCase(ServerTestCase):
    """One camid per class with store + storebed on the module's MariaDB
    (the harness's ServerTestCase does the rest of the lifecycle)."""

    store_keys = {}
    storebed_keys = {}
    bus_keys = None     # {key: value} for a [bus] section (tasks over camictl)

    @classmethod
    def setUpClass(cls):
        cls.server_options = {"plugins": plugins(cls.store_keys, cls.storebed_keys),
                              "bus": cls.bus_keys}
        super().setUpClass()
        cls.db = Client(cls.server)

    def assertError(self, r, http, status, text=None):
        self.assertEqual(r.status_code, http, r.text)
        body = r.json()
        self.assertEqual(body["status"], status, body)
        if text is not None:
            self.assertIn(text, body["error"])
        return body


TX_TIMEOUT_MS = int(scaled(0.8) * 1000)
# Longer than the slow query of test_slow_query_delays_nothing_else.
SLOW_S = scaled(2.0)
QUERY_TIMEOUT_MS = int((SLOW_S + 2) * 1000)


class Queries(StoreCase):
    store_keys = {"tx_timeout": TX_TIMEOUT_MS, "query_timeout": QUERY_TIMEOUT_MS}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.db.exec(
            "CREATE TABLE q_types (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,"
            " i INT, big BIGINT UNSIGNED, neg BIGINT, d DECIMAL(20,3), f DOUBLE,"
            " dt DATETIME, day DATE, t TEXT, n INT NULL, b TINYINT(1),"
            " email VARCHAR(20) UNIQUE, req VARCHAR(5) NOT NULL DEFAULT 'x')")
        assert r.status_code == 200, r.text

    def test_exec_and_types(self):
        r = self.db.exec(
            "INSERT INTO q_types (i, big, neg, d, f, dt, day, t, n, b) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [42, "18446744073709551615", -9223372036854775808, "12345678901234567.891", 1.5,
             "2026-11-27 21:30:00", "2026-11-27", "h\u00e9llo \u2713", None, True])
        self.assertEqual(r.status_code, 200, r.text)
        res = r.json()
        self.assertEqual(res["affected_rows"], 1)
        self.assertGreaterEqual(res["insert_id"], 1)
        rows = self.db.rows("SELECT i, big, neg, d, f, dt, day, t, n, b, i + 1 AS label "
                            "FROM q_types WHERE id = ?", [res["insert_id"]])
        self.assertEqual(rows, [{
            "i": 42, "big": "18446744073709551615", "neg": -9223372036854775808,
            "d": "12345678901234567.891", "f": 1.5, "dt": "2026-11-27 21:30:00",
            "day": "2026-11-27", "t": "h\u00e9llo \u2713", "n": None, "b": 1, "label": 43}])
        # An unsigned BIGINT that fits stays a number; false binds as 0.
        rows = self.db.rows("SELECT CAST(? AS UNSIGNED) AS u, ? AS f, ? AS s",
                            [9223372036854775807, False, "x"])
        self.assertEqual(rows, [{"u": 9223372036854775807, "f": 0, "s": "x"}])

    def test_query_without_rows_and_empty_result(self):
        self.assertEqual(self.db.rows("SELECT id FROM q_types WHERE id = ?", [-1]), [])

    def test_duplicate_key(self):
        self.assertEqual(self.db.exec("INSERT INTO q_types (email) VALUES (?)",
                                      ["a@example.org"]).status_code, 200)
        r = self.db.exec("INSERT INTO q_types (email) VALUES (?)", ["a@example.org"])
        self.assertError(r, 409, EDUPLICATE, "Duplicate entry")

    def test_constraints(self):
        self.assertError(self.db.exec("INSERT INTO q_types (req) VALUES (?)", [None]),
                         422, ECONSTRAINT, "cannot be null")
        self.assertError(self.db.exec("INSERT INTO q_types (req) VALUES (?)", ["too long"]),
                         422, ECONSTRAINT, "too long")
        self.assertError(self.db.exec("INSERT INTO q_types (i) VALUES (?)", [2 ** 40]),
                         422, ECONSTRAINT, "Out of range")

    def test_bad_sql_and_params(self):
        self.assertError(self.db.query("SELEC 1"), 400, EINVAL, "SQL syntax")
        self.assertError(self.db.query("SELECT * FROM no_such_table"), 400, EINVAL,
                         "doesn't exist")
        self.assertError(self.db.query("SELECT ? AS a", [1, 2]), 400, EINVAL,
                         "1 placeholder(s) but 2 parameter(s)")
        # Objects and arrays are refused before anything runs.
        self.assertError(self.db.query("SELECT ? AS a", [{"x": 1}]), 400, EINVAL)
        self.assertError(self.db.query("SELECT ? AS a", [[1]]), 400, EINVAL)

    def test_injection_through_params_is_inert(self):
        self.assertEqual(self.db.exec("CREATE TABLE q_inj (name VARCHAR(100))").status_code,
                         200)
        evil = "x'); DROP TABLE q_inj; --"
        self.assertEqual(self.db.exec("INSERT INTO q_inj VALUES (?)", [evil]).status_code, 200)
        self.assertEqual(self.db.rows("SELECT name FROM q_inj WHERE name = ?",
                                      ["' OR '1'='1"]), [])
        self.assertEqual(self.db.rows("SELECT name FROM q_inj"), [{"name": evil}])
        # Two statements in one text are a syntax error, never both run.
        self.assertError(self.db.query("SELECT 1; DROP TABLE q_inj"), 400, EINVAL)
        self.assertEqual(len(self.db.rows("SELECT name FROM q_inj")), 1)

    def test_slow_query_delays_nothing_else(self):
        # The first run prepares the statement on a pool thread; the second
        # runs on the loop with the non-blocking API (store_fast.c).
        for _ in range(2):
            self.slow_query_beside_others()

    def slow_query_beside_others(self):
        out = {}
        # Long enough for the checks below even under valgrind.
        slow_s = SLOW_S

        def slow():
            t0 = time.monotonic()
            r = requests.get(self.server.url("/storebed/slow?s=%g" % slow_s),
                             timeout=scaled(10) + slow_s)
            out["elapsed"], out["r"] = time.monotonic() - t0, r

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(scaled(0.3))
        for path in ("/healthz", "/hello"):
            t0 = time.monotonic()
            r = requests.get(self.server.url(path), timeout=scaled(5))
            self.assertEqual(r.status_code, 200)
            self.assertLess(time.monotonic() - t0, scaled(0.5), path)
        t0 = time.monotonic()
        self.assertEqual(self.db.rows("SELECT 7 AS x"), [{"x": 7}])
        self.assertLess(time.monotonic() - t0, scaled(0.5), "a query beside the slow one")
        self.assertTrue(t.is_alive(), "the slow query ended too early")
        t.join(scaled(10) + slow_s)
        self.assertEqual(out["r"].status_code, 200, out["r"].text)
        self.assertEqual(out["r"].json(), [{"slept": 0}])
        self.assertGreaterEqual(out["elapsed"], slow_s - 0.1)

    def test_query_timeout(self):
        t0 = time.monotonic()
        r = requests.get(self.server.url("/storebed/slow?s=%d" % (QUERY_TIMEOUT_MS // 1000 + 3)),
                         timeout=scaled(20))
        self.assertError(r, 504, ETIMEDOUT, "max_statement_time")
        self.assertLess(time.monotonic() - t0, QUERY_TIMEOUT_MS / 1000 + scaled(1.5))
        self.assertEqual(self.db.rows("SELECT 1 AS x"), [{"x": 1}])

    def test_statement_cache(self):
        # More distinct statements than a connection keeps, then again.
        for rnd in range(2):
            for n in range(80):
                self.assertEqual(self.db.rows("SELECT %d AS n, ? AS r" % n, [rnd]),
                                 [{"n": n, "r": rnd}])
        # A table changed under a kept statement: the new shape is seen.
        self.db.exec("CREATE TABLE q_shape (a INT)")
        self.db.exec("INSERT INTO q_shape VALUES (1)")
        for _ in range(6):
            self.assertEqual(self.db.rows("SELECT * FROM q_shape"), [{"a": 1}])
        self.assertEqual(self.db.exec("ALTER TABLE q_shape ADD COLUMN b VARCHAR(5) "
                                      "DEFAULT 'x'").status_code, 200)
        for _ in range(6):
            self.assertEqual(self.db.rows("SELECT * FROM q_shape"), [{"a": 1, "b": "x"}])

    # -- transactions --

    def tx(self, statements, **extra):
        body = {"statements": statements}
        body.update(extra)
        return self.db.post("tx", body, timeout=20)

    def test_tx_commit(self):
        self.db.exec("CREATE TABLE q_tx1 (id INT PRIMARY KEY)")
        r = self.tx([{"sql": "INSERT INTO q_tx1 VALUES (?)", "params": [1], "exec": True},
                     {"sql": "INSERT INTO q_tx1 VALUES (?)", "params": [2], "exec": True},
                     {"sql": "SELECT COUNT(*) AS c FROM q_tx1"}])
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["results"][2], [{"c": 2}])
        self.assertEqual(self.db.rows("SELECT id FROM q_tx1 ORDER BY id"),
                         [{"id": 1}, {"id": 2}])

    def test_tx_rollback(self):
        self.db.exec("CREATE TABLE q_tx2 (id INT PRIMARY KEY)")
        r = self.tx([{"sql": "INSERT INTO q_tx2 VALUES (?)", "params": [1], "exec": True},
                     {"sql": "SELECT COUNT(*) AS c FROM q_tx2"}], rollback=True)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["results"][1], [{"c": 1}], "seen inside the transaction")
        self.assertEqual(self.db.rows("SELECT id FROM q_tx2"), [])

    def test_tx_failed_statement_rolls_back(self):
        self.db.exec("CREATE TABLE q_tx3 (id INT PRIMARY KEY)")
        r = self.tx([{"sql": "INSERT INTO q_tx3 VALUES (?)", "params": [1], "exec": True},
                     {"sql": "INSERT INTO q_tx3 VALUES (?)", "params": [1], "exec": True}])
        body = self.assertError(r, 409, EDUPLICATE)
        self.assertEqual(body["at"], 1)
        self.assertEqual(self.db.rows("SELECT id FROM q_tx3"), [])

    def test_tx_idle_timeout(self):
        self.db.exec("CREATE TABLE q_tx4 (id INT PRIMARY KEY)")
        r = self.tx([{"sql": "INSERT INTO q_tx4 VALUES (?)", "params": [1], "exec": True}],
                    idle_ms=TX_TIMEOUT_MS * 3)
        body = self.assertError(r, 504, ETIMEDOUT, "idle")
        self.assertEqual(body["at"], 0)
        self.assertEqual(self.db.rows("SELECT id FROM q_tx4"), [])
        wait_until(lambda: "idle for more than" in self.server.stderr(), 2, "the log line")
        # The connection went back to the pool: everything still works.
        for _ in range(8):
            self.assertEqual(self.db.rows("SELECT 1 AS x"), [{"x": 1}])

    def test_many_concurrent_calls_share_the_pool(self):
        results = []

        def call(n):
            results.append(self.db.rows("SELECT ? AS n", [n]))

        threads = [threading.Thread(target=call, args=(n,)) for n in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(scaled(20))
        self.assertEqual(sorted(r[0]["n"] for r in results), list(range(32)))


class ConfigCheck(unittest.TestCase):
    def test_check_does_not_connect(self):
        """camid -t runs init: it must pass with no server to talk to."""
        d = tempfile.mkdtemp(prefix="cami-t-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "camid.conf")
        write(path, render_config([
            ("camid", {"workers": 1, "plugin_dir": PLUGIN_DIR}),
            ("listener.main", {"address": "127.0.0.1:1"}),
            ("plugin.store", {"module": "store", "socket": os.path.join(d, "no.sock"),
                              "pool_size": 2}),
            ("plugin.storebed", {"module": STOREBED})]))
        proc = run_camid(["-t", "-c", path])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("cannot connect", proc.stderr)
        # A value that makes no sense is refused, naming the key.
        write(path, render_config([
            ("camid", {"workers": 1, "plugin_dir": PLUGIN_DIR}),
            ("listener.main", {"address": "127.0.0.1:1"}),
            ("plugin.store", {"module": "store", "pool_size": 0})]))
        proc = run_camid(["-t", "-c", path])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("pool_size must be from 1", proc.stderr)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Migrations(unittest.TestCase):
    """Migration runs against a fresh database."""

    def setUp(self):
        DB.reset()
        self.dir = tempfile.mkdtemp(prefix="cami-mig-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        write(os.path.join(self.dir, "0001_create.sql"),
              "-- the first table\nCREATE TABLE mig_a (id INT PRIMARY KEY);\n"
              "INSERT INTO mig_a VALUES (1);\n")
        write(os.path.join(self.dir, "0002_more.sql"),
              "ALTER TABLE mig_a ADD COLUMN note VARCHAR(20) DEFAULT 'x;y';\n"
              "INSERT INTO mig_a (id) VALUES (2);\n")
        write(os.path.join(self.dir, "README"), "not a migration\n")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.running():
                s.stop_checked()

    def camid(self, migrate_on_start=True, bus=None):
        s = Camid(plugins=plugins({"migrate_on_start": "true" if migrate_on_start else "false"},
                                  {"migrations": self.dir}), bus=bus)
        self.servers.append(s)
        return s

    def recorded(self):
        """plugin\tversion\tname of every applied migration, by plugin."""
        if not DB.sql("SHOW TABLES LIKE 'schema_migrations'").strip():
            return []
        return DB.sql("SELECT plugin, version, name FROM schema_migrations "
                      "ORDER BY plugin, version").splitlines()[1:]

    def test_two_camids_apply_each_file_once(self):
        a, b = self.camid(), self.camid()
        ta = threading.Thread(target=a.start)
        tb = threading.Thread(target=b.start)
        ta.start()
        tb.start()
        ta.join(scaled(30))
        tb.join(scaled(30))
        self.assertTrue(a.running() and b.running())
        for s in (a, b):
            wait_until(lambda: "schema up to date" in s.stderr(), 10, "migrations of one camid")
        # the store's own built-in migrations, then storebed's folder
        self.assertEqual(self.recorded(), STORE_OWN + ["storebed\t1\t0001_create.sql",
                                                       "storebed\t2\t0002_more.sql"])
        self.assertEqual(DB.sql("SELECT id, note FROM mig_a ORDER BY id").splitlines()[1:],
                         ["1\tx;y", "2\tx;y"])
        applied = a.stderr().count("applied migration") + b.stderr().count("applied migration")
        self.assertEqual(applied, 2 + len(STORE_OWN))
        # A restart applies nothing.
        c = self.camid().start()
        wait_until(lambda: "migrations: 0 applied" in c.stderr(), 10, "a run with nothing to do")

    def test_edited_migration_refused_and_task(self):
        a = self.camid(migrate_on_start=False, bus={"tasks_in_names": "store."}).start()
        time.sleep(scaled(0.3))
        self.assertEqual(self.recorded(), [], "migrate_on_start = false applied something")
        r = run_camictl(a.config_path, ["task", "store.migrate", "{}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        applied = json.loads(r.stdout)["applied"]
        self.assertEqual([m for m in applied if m["plugin"] == "store"],
                         [{"plugin": "store", "version": int(v), "name": n}
                          for _, v, n in (line.split("\t") for line in STORE_OWN)])
        self.assertEqual({"applied": [m for m in applied if m["plugin"] != "store"]}, {"applied": [
            {"plugin": "storebed", "version": 1, "name": "0001_create.sql"},
            {"plugin": "storebed", "version": 2, "name": "0002_more.sql"}]})
        r = run_camictl(a.config_path, ["task", "store.migrate", "{}"])
        self.assertEqual(json.loads(r.stdout), {"applied": []})
        a.stop_checked()

        # An applied file changed: refused, naming it; nothing else applied.
        write(os.path.join(self.dir, "0001_create.sql"), "CREATE TABLE mig_a (id BIGINT);\n")
        write(os.path.join(self.dir, "0003_late.sql"), "CREATE TABLE mig_c (id INT);\n")
        b = self.camid(bus={"tasks_in_names": "store."}).start()
        wait_until(lambda: "migrations not applied" in b.stderr(), 10, "the refusal")
        self.assertIn("0001_create.sql was changed after it was applied", b.stderr())
        r = run_camictl(b.config_path, ["task", "store.migrate", "{}"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("0001_create.sql was changed", r.stderr)
        self.assertEqual(len(self.recorded()), 2 + len(STORE_OWN))
        self.assertEqual(b.stop_checked(), 0)


def mariadbd_pid():
    with open(os.path.join(DB.dir, "mariadbd.pid")) as f:
        return int(f.read().strip())


class StuckServer(StoreCase):
    """A server that stops answering mid-statement: the statement runs on
    the loop (its connection busy a moment ago, the statement prepared),
    so its read timeout is a loop timer there, and nothing else waits."""

    QUERY_TIMEOUT_MS = 1000
    # store_conn.c: the read timeout is the query timeout, rounded up to
    # seconds, plus 5 s of slack.
    READ_TIMEOUT_S = 1 + 5
    store_keys = {"query_timeout": QUERY_TIMEOUT_MS, "pool_size": 1}
    bus_keys = {"tasks_in_names": "store."}

    def stats(self):
        r = run_camictl(self.server.config_path, ["task", "store.stats", "{}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_stats(self):
        before = self.stats()
        self.assertEqual((before["pool_size"], before["waiting"], before["open_transactions"],
                          before["database_down"]), (1, 0, 0, False))
        for _ in range(4):
            self.assertEqual(self.db.rows("SELECT 4 AS x"), [{"x": 4}])
        after = self.stats()
        # The first prepares on a pool thread; the rest run on the loop.
        self.assertGreaterEqual(after["statements_on_pool"] - before["statements_on_pool"], 1)
        self.assertGreaterEqual(after["statements_on_loop"] - before["statements_on_loop"], 2)
        self.assertEqual(after["idle"], 1)
        r = run_camictl(self.server.config_path, ["task", "store.stats", "[1]"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("store.stats takes no arguments", r.stderr)

    def test_large_page_is_written_on_a_pool_thread(self):
        # The store's own resources: a 20-row page runs on the loop once its
        # statement is prepared; a 500-row one always on a pool thread
        # (store_fast.h: STORE_FAST_MAX_ROWS), where writing it holds no loop.
        # Rows on the page carry the total (an empty one counts on the pool).
        users = self.server.url("/api/v1/user/")
        wait_until(lambda: requests.get(users, timeout=10).status_code == 200, 20,
                   "the store's migrations")
        for i in range(3):
            r = requests.post(users, json={"username": "large-page-%d" % i}, timeout=10)
            self.assertEqual(r.status_code, 201, r.text)
        for limit, where in ((20, "statements_on_loop"), (500, "statements_on_pool")):
            with self.subTest(limit=limit):
                url = self.server.url("/api/v1/user/?limit=%d" % limit)
                r = requests.get(url, timeout=10)
                self.assertEqual(r.status_code, 200, r.text)
                before = self.stats()
                r = requests.get(url, timeout=10)
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.json()["meta"]["limit"], limit)
                after = self.stats()
                self.assertEqual(after[where] - before[where], 1, (before, after))

    def test_read_timeout_on_the_loop(self):
        for _ in range(3):
            self.assertEqual(self.db.rows("SELECT 5 AS x"), [{"x": 5}])
        on_loop = self.stats()["statements_on_loop"]
        pid = mariadbd_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            out = {}

            def stuck():
                t0 = time.monotonic()
                out["r"] = self.db.post("query", {"sql": "SELECT 5 AS x"}, timeout=30)
                out["elapsed"] = time.monotonic() - t0

            t = threading.Thread(target=stuck)
            t.start()
            time.sleep(scaled(0.5))
            t0 = time.monotonic()
            self.assertEqual(requests.get(self.server.url("/hello"),
                                          timeout=scaled(5)).status_code, 200)
            self.assertLess(time.monotonic() - t0, scaled(0.5), "the loop waited")
            t.join(30)
            self.assertFalse(t.is_alive())
        finally:
            os.kill(pid, signal.SIGCONT)
        self.assertError(out["r"], 504, ETIMEDOUT, "ran past the read timeout")
        self.assertEqual(self.stats()["statements_on_loop"], on_loop + 1)
        self.assertGreaterEqual(out["elapsed"], self.READ_TIMEOUT_S - 0.5)
        self.assertLess(out["elapsed"], self.READ_TIMEOUT_S + scaled(3))
        # The timed-out connection was closed; the next call opens another.
        wait_until(lambda: self.db.query("SELECT 6 AS x").status_code == 200, 10,
                   "the store to answer again")
        self.assertEqual(self.db.rows("SELECT 6 AS x"), [{"x": 6}])

    def test_killed_right_after_a_pool_statement(self):
        # A new statement text is prepared on a pool thread, so the loop has
        # no watch on the connection yet; killed now, the same statement
        # within the second runs on the loop and finds the link gone at
        # once: it runs again on a new connection, and the worker lives.
        for n in range(3):
            sql = "SELECT CONNECTION_ID() AS id, %d AS n" % n
            first = self.db.rows(sql)[0]["id"]
            DB.sql("KILL CONNECTION %d;" % first)
            again = self.db.rows(sql)
            self.assertEqual(again[0]["n"], n)
            self.assertNotEqual(again[0]["id"], first)
        self.assertEqual(requests.get(self.server.url("/hello"), timeout=scaled(5)).status_code,
                         200)
        self.assertNotIn("killed by signal", self.server.stderr())

    def test_idle_connection_killed_by_the_server(self):
        # Every call runs on the one connection, most of them on the loop.
        for _ in range(3):
            self.assertEqual(self.db.rows("SELECT 7 AS x"), [{"x": 7}])
        # pool_size 1: the one connection, last used on the loop
        ids = {self.db.rows("SELECT CONNECTION_ID() AS id")[0]["id"] for _ in range(3)}
        self.assertEqual(len(ids), 1)
        DB.sql("KILL CONNECTION %d;" % ids.pop())
        # The loop saw the idle socket close and dropped the connection;
        # the next call connects again, and nobody sees an error.
        time.sleep(scaled(0.3))
        for _ in range(3):
            self.assertEqual(self.db.rows("SELECT 7 AS x"), [{"x": 7}])


class ServerGoesAway(StoreCase):
    """Over TCP this time (the other cases use the unix socket)."""

    @classmethod
    def setUpClass(cls):
        cls.store_keys = {"socket": None, "host": "127.0.0.1", "port": DB.port}
        super().setUpClass()

    def test_down_then_back_without_restart(self):
        self.assertEqual(self.db.rows("SELECT 1 AS x"), [{"x": 1}])
        DB.stop()
        try:
            for _ in range(3):
                r = self.db.query("SELECT 1 AS x")
                self.assertError(r, 503, EDOWN, "cannot connect to MariaDB at 127.0.0.1:%d"
                                 % DB.port)
                self.assertEqual(r.headers.get("Retry-After"), "1")
            r = self.db.post("tx", {"statements": []})
            self.assertError(r, 503, EDOWN)
        finally:
            DB.start()
        wait_until(lambda: self.db.query("SELECT 1 AS x").status_code == 200, 10,
                   "the store to reconnect")
        self.assertEqual(self.db.rows("SELECT 2 AS x"), [{"x": 2}])
        self.assertIn("database reachable again", self.server.stderr())

    def test_restart_while_idle_is_invisible(self):
        # Every pooled connection has run (and kept) the statement.
        for _ in range(8):
            self.assertEqual(self.db.rows("SELECT 3 AS x"), [{"x": 3}])
        DB.stop()
        DB.start()
        # Idle connections are checked before use, so no call sees the restart.
        time.sleep(1.2)
        for _ in range(8):
            self.assertEqual(self.db.rows("SELECT 3 AS x"), [{"x": 3}])


if __name__ == "__main__":
    main()
