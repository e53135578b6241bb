"""camid's lifecycle and core routes: graceful shutdown on SIGTERM/SIGINT
with requests in flight, several listeners with a plugin bound to one,
/healthz, /metrics (format and counters), and where access logs go.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_lifecycle.py
"""

import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Camid, ProtocolError, RawConn, ReadTimeout, ServerTestCase,  # noqa: E402
                     assert_common_headers, build_request, main, require_built,
                     scaled, tail, test_plugin)


def setUpModule():
    require_built()


class ShutdownTest(unittest.TestCase):
    """Each test starts its own camid and ends it with a signal."""

    def start(self, **options):
        server = Camid(**options).start()
        self.addCleanup(server.kill)
        return server

    @staticmethod
    def warm_up(c):
        """A first request, so the worker is up and the next one is
        handled at once, also under valgrind."""
        r = c.request("GET", "/healthz")
        assert r.status == 200, r

    def drain_one(self, sig, target, ms):
        server = self.start()
        with RawConn(server.port(), timeout=ms / 1000 + 5) as c:
            self.warm_up(c)
            c.send(build_request("GET", target))
            time.sleep(0.3)         # in flight now; unscaled: it must not finish first
            signalled = time.monotonic()
            server.send_signal(sig)
            r = c.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertEqual(len(r.body), int(r.header("Content-Length")))
            self.assertGreaterEqual(time.monotonic() - signalled, ms / 1000 - 0.3 - 0.1,
                                    "answered before the handler could have finished")
            # The connection is closed once its request is done.
            self.assertEqual(c.read_eof(timeout=3), b"")
        rc = server.wait(scaled(5))
        self.assertIsNotNone(rc, "camid still running after draining")
        server.check_exit(rc)
        server.cleanup()
        return r

    def test_sigterm_drains_inflight_request(self):
        self.drain_one(signal.SIGTERM, "/hello/slow?ms=1500", 1500)

    def test_sigint_drains_inflight_request(self):
        self.drain_one(signal.SIGINT, "/hello/slow?ms=1500", 1500)

    def test_sigterm_drains_deferred_timer_request(self):
        r = self.drain_one(signal.SIGTERM, "/tb/slow?ms=1200", 1200)
        self.assertEqual(r.json(), {"ms": 1200})

    def test_no_new_requests_served_while_draining(self):
        server = self.start()
        port = server.port()
        with RawConn(port, timeout=10) as slow:
            self.warm_up(slow)
            slow.send(build_request("GET", "/hello/slow?ms=1500"))
            time.sleep(0.3)
            server.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            status = None
            try:
                with RawConn(port, timeout=5) as late:
                    late.try_send(build_request("GET", "/hello"))
                    status = late.read_response().status
            except (ConnectionError, ProtocolError, ReadTimeout, socket.timeout):
                pass        # refused, closed or left unanswered: not served
            self.assertFalse(status is not None and 200 <= status < 300,
                             "a new request was served during the drain")
            self.assertEqual(slow.read_response().status, 200)
        rc = server.wait(scaled(5))     # no second signal: that may mean "hurry"
        self.assertIsNotNone(rc, "camid still running after draining")
        server.check_exit(rc)
        server.cleanup()

    def test_idle_connections_do_not_delay_exit(self):
        server = self.start()
        idle = RawConn(server.port())
        used = RawConn(server.port())
        try:
            self.assertEqual(used.request("GET", "/hello").status, 200)
            start = time.monotonic()
            server.send_signal(signal.SIGTERM)
            rc = server.wait(scaled(3))
            self.assertIsNotNone(rc, "idle keep-alive connections held up the exit")
            self.assertLess(time.monotonic() - start, scaled(3))
            server.check_exit(rc)
            self.assertEqual(used.read_eof(timeout=2), b"")
            idle.read_eof(timeout=2)
        finally:
            idle.close()
            used.close()
        server.cleanup()

    def test_drain_timeout_bounds_the_exit(self):
        server = self.start(camid={"drain_timeout": 1000})
        with RawConn(server.port(), timeout=30) as c:
            self.warm_up(c)
            c.send(build_request("GET", "/tb/slow?ms=30000"))
            time.sleep(0.3)
            start = time.monotonic()
            server.send_signal(signal.SIGTERM)
            rc = server.wait(1.0 + scaled(1.5))
            self.assertIsNotNone(rc, "camid still running 1.5 s after drain_timeout")
            self.assertGreaterEqual(time.monotonic() - start, 1.0 - 0.1,
                                    "camid gave up before drain_timeout")
            server.check_exit(rc)
            # The abandoned request's connection is closed (with or without
            # an error response), never answered 200.
            try:
                data = c.read_eof(timeout=2)
            except ReadTimeout:
                self.fail("connection still open after camid exited")
            self.assertFalse(data.startswith(b"HTTP/1.1 200"), data)
        server.cleanup()

    def test_workers_auto(self):
        # One worker per core: every one of them serves and drains.
        server = self.start(camid={"workers": "auto"})
        conns = [RawConn(server.port()) for _ in range(8)]
        try:
            for c in conns:
                self.assertEqual(c.request("GET", "/hello").status, 200)
            conns[0].send(build_request("GET", "/hello/slow?ms=800"))
            time.sleep(0.3)
            server.send_signal(signal.SIGTERM)
            self.assertEqual(conns[0].read_response().status, 200)
            rc = server.wait(scaled(5))
            self.assertIsNotNone(rc, "camid still running after draining")
            server.check_exit(rc)
        finally:
            for c in conns:
                c.close()
        server.cleanup()

    def test_sigterm_right_after_start(self):
        server = self.start()
        server.check_exit(server.stop())
        server.cleanup()


class ListenersTest(ServerTestCase):
    """Two listeners; hello bound to `main` only, testbed to all."""

    server_options = {
        "listeners": ("main", "second"),
        "plugins": {"hello": {"listeners": "main"},
                    "testbed": {"module": test_plugin("testbed")}},
        "camid": {"access_log": "off"},
    }

    def test_bound_plugin_only_on_its_listener(self):
        with self.conn("main") as c:
            self.assertEqual(c.request("GET", "/hello").status, 200)
            self.assertEqual(c.request("GET", "/hello/bob").status, 200)
        with self.conn("second") as c:
            for target in ("/hello", "/hello/bob"):
                r = c.request("GET", target)
                self.assertEqual(r.status, 404, "%s served on the other listener" % target)
                assert_common_headers(self, r)

    def test_unbound_plugin_on_every_listener(self):
        for listener in ("main", "second"):
            with self.conn(listener) as c:
                self.assertEqual(c.request("GET", "/tb/items/").status, 200, listener)

    def test_core_routes_on_every_listener(self):
        for listener in ("main", "second"):
            with self.conn(listener) as c:
                self.assertEqual(c.request("GET", "/healthz").json(), {"status": "ok"})
                self.assertEqual(c.request("GET", "/metrics").status, 200)

    def test_metrics_name_the_listener(self):
        with self.conn("second") as c:
            for _ in range(2):
                self.assertEqual(c.request("GET", "/tb/items/").status, 200)
            with self.conn("main") as m:
                samples = parse_metrics(self, m.request("GET", "/metrics"))
        got = value(samples, "camid_http_requests_total", listener="second",
                    route="/tb/items/", method="GET", status="200", plugin="testbed")
        self.assertGreaterEqual(got, 2)


# ---------------------------------------------------------------------------
# Prometheus text format (version 0.0.4)

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?[ \t]+(\S+)([ \t]+-?\d+)?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')
FAMILIES = {
    "camid_http_requests_total": "counter",
    "camid_http_request_duration_seconds": "histogram",
    "camid_http_connections_open": "gauge",
    "camid_plugin_requests_total": "counter",
    "camid_plugin_failures_total": "counter",
}


def _labels(tc, text, line):
    labels, pos = {}, 0
    while pos < len(text):
        m = _LABEL.match(text, pos)
        tc.assertIsNotNone(m, "bad labels in %r" % line)
        tc.assertNotIn(m.group(1), labels, "repeated label in %r" % line)
        labels[m.group(1)] = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n"
                                    else e.group(1), m.group(2))
        pos = m.end()
    return labels


def parse_metrics(tc, resp):
    """Check a /metrics response and return [(name, labels, value)]."""
    tc.assertEqual(resp.status, 200, resp)
    ctype = resp.header("Content-Type") or ""
    tc.assertTrue(ctype.startswith("text/plain"), ctype)
    tc.assertIn("version=0.0.4", ctype)
    text = resp.body.decode("utf-8")
    tc.assertTrue(text.endswith("\n"), "exposition must end with a newline")
    types, samples = {}, []
    for line in text.split("\n")[:-1]:
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                tc.assertNotIn(parts[2], types, "TYPE twice for %s" % parts[2])
                tc.assertIn(parts[3], ("counter", "gauge", "histogram", "summary", "untyped"))
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        tc.assertIsNotNone(m, "bad sample line %r" % line)
        name = m.group(1)
        labels = _labels(tc, m.group(3) or "", line)
        val = float(m.group(4))     # accepts NaN, +Inf
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
                family = name[:-len(suffix)]
        tc.assertIn(family, types, "sample %s before its # TYPE" % name)
        samples.append((name, labels, val))
    for family, kind in FAMILIES.items():
        tc.assertEqual(types.get(family), kind, "%s should be a %s" % (family, kind))
    _check_histograms(tc, samples, types)
    return samples


def _check_histograms(tc, samples, types):
    for family, kind in types.items():
        if kind != "histogram":
            continue
        series = {}
        for name, labels, val in samples:
            if not name.startswith(family + "_"):
                continue
            key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
            if name == family + "_bucket":
                tc.assertIn("le", labels, "bucket without le")
                s["buckets"].append((float(labels["le"]), val))
            elif name == family + "_sum":
                s["sum"] = val
            elif name == family + "_count":
                s["count"] = val
        for key, s in series.items():
            tc.assertIsNotNone(s["sum"], "%s%r has no _sum" % (family, key))
            tc.assertIsNotNone(s["count"], "%s%r has no _count" % (family, key))
            buckets = sorted(s["buckets"])
            tc.assertTrue(buckets and buckets[-1][0] == float("inf"),
                          "%s%r has no le=\"+Inf\" bucket" % (family, key))
            counts = [c for _, c in buckets]
            tc.assertEqual(counts, sorted(counts), "%s%r buckets not cumulative" % (family, key))
            tc.assertEqual(buckets[-1][1], s["count"], "%s%r +Inf != _count" % (family, key))
            tc.assertGreaterEqual(s["sum"], 0)


def value(samples, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    return sum(v for n, ls, v in samples
               if n == name and all(ls.get(k) == want for k, want in labels.items()))


class CoreRoutesTest(ServerTestCase):
    server_options = {"camid": {"access_log": "off"}}

    def scrape(self):
        with self.conn() as c:
            return parse_metrics(self, c.request("GET", "/metrics"))

    def test_healthz(self):
        with self.conn() as c:
            r = c.request("GET", "/healthz")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json(), {"status": "ok"})
            self.assertEqual(r.header("Content-Type").split(";")[0], "application/json")
            assert_common_headers(self, r)
            c.send(build_request("HEAD", "/healthz"))
            head = c.read_response("HEAD")
            self.assertEqual(head.status, 200)
            self.assertEqual(head.header("Content-Length"), r.header("Content-Length"))

    def test_metrics_format(self):
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/hello").status, 200)
            r = c.request("GET", "/metrics")
            assert_common_headers(self, r)
            samples = parse_metrics(self, r)
        reqs = [ls for n, ls, _ in samples if n == "camid_http_requests_total"]
        self.assertTrue(reqs, "no camid_http_requests_total samples after a request")
        for ls in reqs:
            self.assertTrue({"listener", "route", "method", "status", "plugin"} <= set(ls), ls)
        self.assertTrue(any(n == "camid_http_request_duration_seconds_bucket"
                            for n, _, _ in samples), "no duration buckets after a request")

    def test_counters_move(self):
        before = self.scrape()
        hold = self.conn()      # a second open connection while scraping
        try:
            self.assertEqual(hold.request("GET", "/healthz").status, 200)
            with self.conn() as c:
                for _ in range(3):
                    self.assertEqual(c.request("GET", "/hello").status, 200)
                for _ in range(2):
                    self.assertEqual(c.request("GET", "/tb/fail").status, 500)
                self.assertEqual(c.request("GET", "/nope").status, 404)

            def delta(after, name, **labels):
                return value(after, name, **labels) - value(before, name, **labels)

            wanted = [
                (3, "camid_http_requests_total", dict(listener="main", route="/hello",
                                                      method="GET", status="200",
                                                      plugin="hello")),
                (2, "camid_http_requests_total", dict(listener="main", route="/tb/fail",
                                                      method="GET", status="500",
                                                      plugin="testbed")),
                (1, "camid_http_requests_total", dict(status="404")),
                (3, "camid_plugin_requests_total", dict(plugin="hello")),
                (2, "camid_plugin_requests_total", dict(plugin="testbed")),
                (2, "camid_plugin_failures_total", dict(plugin="testbed")),
                (0, "camid_plugin_failures_total", dict(plugin="hello")),
            ]
            # Counters may be updated once the response is written: poll.
            deadline = time.monotonic() + scaled(2)
            while True:
                after = self.scrape()
                got = [delta(after, name, **ls) for _, name, ls in wanted]
                if got == [w for w, _, _ in wanted] or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            for (want, name, ls), g in zip(wanted, got):
                self.assertEqual(g, want, "%s%r moved by %r" % (name, ls, g))
            self.assertGreaterEqual(delta(after, "camid_http_request_duration_seconds_count"), 6)
            self.assertGreater(delta(after, "camid_http_request_duration_seconds_sum"), 0)
            self.assertGreaterEqual(value(after, "camid_http_connections_open"), 2)
        finally:
            hold.close()

    def test_route_label_is_the_template(self):
        before = self.scrape()
        with self.conn() as c:
            for name in ("abc", "def"):
                self.assertEqual(c.request("GET", "/hello/" + name).status, 200)
            self.assertEqual(c.request("GET", "/no-such-path-12345").status, 404)
        deadline = time.monotonic() + scaled(2)
        while True:
            after = self.scrape()
            moved = (value(after, "camid_http_requests_total", route="/hello/{name}") -
                     value(before, "camid_http_requests_total", route="/hello/{name}"))
            if moved >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(moved, 2)
        routes = {ls.get("route") for n, ls, _ in after if n == "camid_http_requests_total"}
        self.assertNotIn("/hello/abc", routes, "raw paths as labels explode cardinality")
        self.assertFalse(any("no-such-path" in (r or "") for r in routes), routes)


class AccessLogTest(unittest.TestCase):
    def run_one(self, access_log):
        server = Camid(camid={"access_log": access_log}).start()
        self.addCleanup(server.kill)
        rid = "alog-%s-%d" % (re.sub(r"\W", "", access_log)[:8], os.getpid())
        with RawConn(server.port()) as c:
            self.assertEqual(c.request("GET", "/hello", [("X-Request-Id", rid)]).status, 200)
        server.check_exit(server.stop())
        return server, rid

    def test_access_log_off(self):
        server, rid = self.run_one("off")
        self.assertNotIn(rid, server.stdout())
        server.cleanup()

    def test_access_log_to_file(self):
        tmp = tempfile.mkdtemp(prefix="camid-alog-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        path = os.path.join(tmp, "access.log")
        server, rid = self.run_one(path)
        self.assertNotIn(rid, server.stdout())
        with open(path) as f:
            lines = [ln for ln in f if "rid=" + rid in ln]
        with open(path) as f:
            self.assertEqual(len(lines), 1, "access log file:\n%s" % tail(f.read()))
        self.assertIn('"GET /hello HTTP/1.1" 200', lines[0])
        server.cleanup()


if __name__ == "__main__":
    main()
