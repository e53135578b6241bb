"""camid's message bus with real ZeroMQ peers (python3-zmq) and camictl:
events out to a Python SUB, events in from a Python PUB, tasks from REQ and
DEALER clients with every error code, bursts of 100,000 events (none may be
stranded by the edge-triggered ZMQ_FD), request/reply between plugins,
topic filters, high-water marks and several workers.

The plugins are hello (task hello.greet, event hello.greeted) and busbed
(tests/plugins/busbed.c: counts "bus." events, fails on purpose, slow and
nested tasks). Every wait has a deadline scaled for valgrind/sanitizers.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_bus.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zmq  # noqa: E402

from harness import (CAMICTL, Camid, RawConn, ServerTestCase, camid_env, free_ports,  # noqa: E402
                     main, metric_values, render_config, require_built, run_camictl, scaled,
                     test_plugin, wait_until)

BUSBED = test_plugin("busbed")
CTX = zmq.Context()

# A task slower than this times out; long enough for any honest task on a
# loaded machine, short enough to wait for.
TASK_TIMEOUT_MS = int(scaled(1.0) * 1000)

BUS_KEYS = {
    "events_out_topics": "hello.,bus.out.",
    "events_in_topics": "bus.,hello.",
    "tasks_in_names": "hello.,busbed.",
    "task_timeout": TASK_TIMEOUT_MS,
}


def bus_plugins():
    return {"hello": {}, "busbed": {"module": BUSBED}}


def dumps(value):
    return json.dumps(value).encode()


class BusCase(ServerTestCase):
    """A camid with hello and busbed and the three partner endpoints."""

    server_options = {"plugins": bus_plugins(), "bus": BUS_KEYS}

    @classmethod
    def setUpClass(cls):
        require_built(CAMICTL, BUSBED)
        cls.server = Camid(**cls.server_options).start()

    # -- sockets --

    def socket(self, kind, key, **options):
        """A socket connected to the [bus] endpoint key, closed after the test."""
        s = CTX.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        for name, value in options.items():
            s.setsockopt(getattr(zmq, name.upper()), value)
        s.connect(self.server.bus_endpoint(key))
        self.addCleanup(s.close)
        return s

    def recv(self, sock, timeout=5.0, what="a message"):
        if not sock.poll(int(scaled(timeout) * 1000)):
            self.fail("no %s within %.1fs" % (what, scaled(timeout)))
        return sock.recv_multipart()

    def assert_quiet(self, sock, wait=0.3):
        if sock.poll(int(scaled(wait) * 1000)):
            self.fail("unexpected message: %r" % (sock.recv_multipart(),))

    def drain(self, sock, quiet=0.2):
        while sock.poll(int(scaled(quiet) * 1000)):
            sock.recv_multipart()

    # -- tasks --

    def dealer(self):
        return self.socket(zmq.DEALER, "tasks_in")

    def call_on(self, sock, name, args, timeout=5.0):
        """A task through a DEALER, REQ-style: ("ok"|"error", parsed JSON)."""
        sock.send_multipart([b"", name.encode(), dumps(args)])
        reply = self.recv(sock, timeout, "a reply to " + name)
        self.assertEqual(len(reply), 3, reply)
        self.assertEqual(reply[0], b"", reply)
        return reply[1].decode(), json.loads(reply[2])

    def call(self, name, args, timeout=5.0):
        return self.call_on(self.dealer(), name, args, timeout)

    def assert_error_reply(self, frames, code, delimiter=True):
        """frames: a whole reply; it is ["error"][{"error": text, "code": code}]."""
        if delimiter:
            self.assertEqual(frames[0], b"", frames)
            frames = frames[1:]
        self.assertEqual(len(frames), 2, frames)
        self.assertEqual(frames[0], b"error", frames)
        body = json.loads(frames[1])
        self.assertEqual(set(body), {"error", "code"}, body)
        self.assertEqual(body["code"], code, body)
        self.assertTrue(body["error"], body)
        return body["error"]

    # -- busbed's counters and camid's metrics --

    def http_json(self, target, timeout=5.0):
        with RawConn(self.server.port(), timeout=timeout) as c:
            r = c.request("GET", target)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def count(self, topic):
        return self.http_json("/busbed/count?topic=" + topic)["count"]

    def wait_count(self, topic, n, timeout=10.0):
        """Wait until busbed counted n events on topic, and not more."""
        wait_until(lambda: self.count(topic) >= n, timeout,
                   "busbed to count %d events on %s" % (n, topic))
        self.assertEqual(self.count(topic), n)

    def metric(self, name):
        return metric_values(self.server.port()).get(name, 0)

    def wait_metric(self, name, at_least, timeout=5.0):
        wait_until(lambda: self.metric(name) >= at_least, timeout,
                   "%s to reach %d (it is %r)" % (name, at_least, self.metric(name)))
        return self.metric(name)

    # -- joining: ZeroMQ subscriptions take a moment to reach the publisher --

    def joined_pub(self, **options):
        """A Python PUB whose events camid's SUB receives: publish a probe
        until busbed has counted one."""
        options.setdefault("sndhwm", 0)
        pub = self.socket(zmq.PUB, "events_in", **options)
        before = self.count("bus.probe")

        def heard():
            pub.send_multipart([b"bus.probe", b"{}"])
            return self.count("bus.probe") > before
        wait_until(heard, 10, "camid's SUB to hear a Python PUB (slow joiner)", interval=0.05)
        return pub

    def joined_sub(self, prefix):
        """A Python SUB on events_out that camid's PUB sends to: greet until
        a hello.greeted arrives (the prefix must admit hello.greeted)."""
        sub = self.socket(zmq.SUB, "events_out")
        sub.setsockopt(zmq.SUBSCRIBE, prefix)
        d = self.dealer()

        def heard():
            self.assertEqual(self.call_on(d, "hello.greet", {"name": "probe"})[0], "ok")
            return sub.poll(int(scaled(0.1) * 1000)) != 0
        wait_until(heard, 10, "a Python SUB to hear camid's PUB (slow joiner)", interval=0)
        self.drain(sub)
        return sub


class BusTest(BusCase):

    # -- events out --

    def test_python_sub_receives_hello_greeted_after_a_task(self):
        sub = self.joined_sub(b"hello.")
        status, reply = self.call("hello.greet", {"name": "Ada"})
        self.assertEqual((status, reply), ("ok", {"message": "Hello, Ada!"}))
        frames = self.recv(sub, what="hello.greeted")
        self.assertEqual(len(frames), 2, frames)
        self.assertEqual(frames[0], b"hello.greeted")
        self.assertEqual(json.loads(frames[1]), reply)
        self.assert_quiet(sub)

    def test_events_out_filter(self):
        sub = self.joined_sub(b"")
        d = self.dealer()
        # bus.secret is not in events_out_topics: it stays in the process
        # (busbed counts it) and never reaches the partner.
        for topic in ("bus.secret", "bus.out.visible"):
            status, body = self.call_on(d, "busbed.publish", {"topic": topic, "payload": [topic]})
            self.assertEqual((status, body), ("ok", {"published": 1}))
        frames = self.recv(sub, what="bus.out.visible")
        # One publisher, one connection: a bus.secret sent out would have
        # arrived first.
        self.assertEqual(frames, [b"bus.out.visible", b'["bus.out.visible"]'])
        self.assert_quiet(sub)
        self.wait_count("bus.secret", 1)

    # -- tasks from REQ and DEALER --

    def test_req_calls_hello_greet(self):
        req = self.socket(zmq.REQ, "tasks_in")
        for name in ("Ada", "J\u00fcrgen \u6f22"):
            req.send_multipart([b"hello.greet", dumps({"name": name})])
            frames = self.recv(req, what="a reply")
            self.assertEqual(len(frames), 2, frames)
            self.assertEqual(frames[0], b"ok")
            self.assertEqual(json.loads(frames[1]), {"message": "Hello, %s!" % name})

    def test_dealer_calls_hello_greet(self):
        d = self.dealer()
        self.assertEqual(self.call_on(d, "hello.greet", {"name": "Ada"}),
                         ("ok", {"message": "Hello, Ada!"}))
        # Without the delimiter, the reply comes without it too.
        d.send_multipart([b"hello.greet", b'{"name": "Bob"}'])
        frames = self.recv(d, what="a reply")
        self.assertEqual(frames[0], b"ok")
        self.assertEqual(json.loads(frames[1]), {"message": "Hello, Bob!"})
        # Many outstanding on one connection: one reply each.
        names = ["n%d" % i for i in range(200)]
        for n in names:
            d.send_multipart([b"", b"hello.greet", dumps({"name": n})])
        got = []
        for _ in names:
            frames = self.recv(d, what="a reply")
            self.assertEqual(frames[:2], [b"", b"ok"])
            got.append(json.loads(frames[2])["message"])
        self.assertEqual(sorted(got), sorted("Hello, %s!" % n for n in names))
        self.assert_quiet(d)

    def test_any_json_value_as_args_and_result(self):
        d = self.dealer()
        for value in ([1, "two", None], "text", 42, None, {"nested": {"a": [True]}}):
            self.assertEqual(self.call_on(d, "busbed.echo", value), ("ok", value))

    # -- every error code, and exactly one reply for each request --

    def test_bad_request(self):
        d = self.dealer()
        cases = [
            [b""],                                   # the delimiter only
            [b"", b"hello.greet"],                   # 1 frame
            [b"", b"hello.greet", b"{}", b"{}"],     # 3 frames
            [b"", b"hello.greet", b"{bad"],          # args not JSON
            [b"", b"hello.greet", b'"\xff"'],        # not UTF-8
            [b"", b"bad name!", b"{}"],              # name characters
            [b"", b"x" * 256, b"{}"],                # name length
            [b"", b"", b"{}"],                       # empty name
        ]
        before = self.metric("camid_bus_tasks_refused_total")
        for frames in cases:
            d.send_multipart(frames)
            self.assert_error_reply(self.recv(d, what="a reply to %r" % frames[:3]),
                                    "bad_request")
        self.assert_quiet(d)
        req = self.socket(zmq.REQ, "tasks_in")
        req.send_multipart([b"hello.greet"])
        reply = self.recv(req, what="a reply")
        text = self.assert_error_reply(reply, "bad_request", delimiter=False)
        self.assertIn("2 frames", text)
        self.assertGreaterEqual(self.wait_metric("camid_bus_tasks_refused_total",
                                                 before + len(cases) + 1),
                                before + len(cases) + 1)
        # ... and camid still answers properly.
        self.assertEqual(self.call_on(d, "busbed.echo", {"ok": 1}), ("ok", {"ok": 1}))

    def test_not_allowed(self):
        d = self.dealer()
        d.send_multipart([b"", b"secret.task", b"{}"])
        text = self.assert_error_reply(self.recv(d), "not_allowed")
        self.assertIn("secret.task", text)
        self.assert_quiet(d)

    def test_unknown_task(self):
        d = self.dealer()
        d.send_multipart([b"", b"hello.nobody", b"{}"])
        text = self.assert_error_reply(self.recv(d), "unknown_task")
        self.assertIn("hello.nobody", text)

    def test_handler_failed(self):
        d = self.dealer()
        d.send_multipart([b"", b"busbed.fail", b"{}"])
        self.assertEqual(self.assert_error_reply(self.recv(d), "handler_failed"),
                         "busbed.fail was asked to fail")
        d.send_multipart([b"", b"hello.greet", b'{"name": 7}'])
        self.assertIn('"name"', self.assert_error_reply(self.recv(d), "handler_failed"))
        self.assert_quiet(d)

    def test_timeout(self):
        d = self.dealer()
        before = self.metric("camid_bus_tasks_timed_out_total")
        started = time.monotonic()
        d.send_multipart([b"", b"busbed.slow", dumps({"ms": 2 * TASK_TIMEOUT_MS})])
        text = self.assert_error_reply(self.recv(d, timeout=10), "timeout")
        self.assertIn("busbed.slow", text)
        self.assertGreaterEqual(time.monotonic() - started, TASK_TIMEOUT_MS / 1000.0 * 0.9)
        # The late answer is dropped: still one reply only.
        self.assert_quiet(d, wait=2 * TASK_TIMEOUT_MS / 1000.0 / scaled(1.0) + 0.5)
        self.assertEqual(self.metric("camid_bus_tasks_timed_out_total"), before + 1)

    # -- events in --

    def test_partner_events_reach_a_plugin(self):
        pub = self.joined_pub()
        for i in range(10):
            pub.send_multipart([b"bus.py", dumps({"i": i})])
        self.wait_count("bus.py", 10)

    def test_invalid_incoming_events_are_counted_and_dropped(self):
        pub = self.joined_pub()
        before = self.metric("camid_bus_events_in_invalid_total")
        bad = [
            [b"bus.inv"],                            # 1 frame
            [b"bus.inv", b"{}", b"{}"],              # 3 frames
            [b"bus.inv bad", b"{}"],                 # topic characters
            [b"bus." + b"x" * 300, b"{}"],           # topic length
            [b"bus.inv", b"{nope"],                  # not JSON
            [b"bus.inv", b'"\xff"'],                 # not UTF-8
            [b"bus.inv", b""],                       # empty payload
        ]
        for frames in bad:
            pub.send_multipart(frames)
        pub.send_multipart([b"bus.inv", b"{}"])      # after them, a good one
        self.wait_count("bus.inv", 1)
        self.assertEqual(self.wait_metric("camid_bus_events_in_invalid_total",
                                          before + len(bad)), before + len(bad))
        self.assertTrue(self.server.running())

    def test_failing_subscriber_does_not_stop_the_others(self):
        pub = self.joined_pub()
        before = self.metric("camid_bus_handler_errors_total")
        for i in range(50):
            pub.send_multipart([b"bus.fail", dumps(i)])
        self.wait_count("bus.fail", 50)
        self.assertEqual(self.wait_metric("camid_bus_handler_errors_total", before + 50),
                         before + 50)

    def test_burst_of_100000_partner_events(self):
        # ZMQ_FD is edge-triggered: a message left unread when camid goes
        # back to sleep would stay there. Every one must arrive. Sent in
        # chunks the high-water marks can hold, so nothing is dropped by
        # design.
        total, chunk = 100000, 10000
        pub = self.joined_pub(sndhwm=2 * chunk)
        before = self.metric("camid_bus_events_in_total")
        payload = b'{"reading": 71.5, "unit": "kg"}'
        for start in range(0, total, chunk):
            for _ in range(chunk):
                pub.send_multipart([b"bus.burst", payload])
            wait_until(lambda: self.count("bus.burst") >= start + chunk, 60,
                       "%d events counted" % (start + chunk), interval=0.05)
        self.assertEqual(self.count("bus.burst"), total)
        self.assertGreaterEqual(self.metric("camid_bus_events_in_total"), before + total)

    def test_burst_of_100000_local_events(self):
        body = self.http_json("/busbed/burst?n=100000", timeout=60)
        self.assertEqual(body["published"], 100000)
        self.wait_count("bus.local", 100000, timeout=60)

    # -- request/reply between plugins, inside the host --

    def test_request_reply_inside_the_host(self):
        d = self.dealer()
        call = lambda inner: self.call_on(d, "busbed.call", inner, timeout=10)  # noqa: E731
        self.assertEqual(call({"name": "busbed.echo", "args": {"x": [1]}, "timeout": 5000}),
                         ("ok", {"status": "CAMI_OK", "result": {"x": [1]}, "error": None}))
        self.assertEqual(call({"name": "hello.greet", "args": {"name": "Ada"}}),
                         ("ok", {"status": "CAMI_OK", "result": {"message": "Hello, Ada!"},
                                 "error": None}))
        status, body = call({"name": "busbed.fail", "args": {}})
        self.assertEqual((status, body["status"], body["error"]),
                         ("ok", "CAMI_EFAIL", "busbed.fail was asked to fail"))
        status, body = call({"name": "nobody.home", "args": {}})
        self.assertEqual((status, body["status"]), ("ok", "CAMI_ENOENT"))
        self.assertIn("nobody.home", body["error"])
        # A timeout of the caller's own, shorter than the host's default.
        started = time.monotonic()
        status, body = call({"name": "busbed.slow", "args": {"ms": 60000}, "timeout": 200})
        self.assertEqual((status, body["status"], body["result"]),
                         ("ok", "CAMI_ETIMEDOUT", None))
        self.assertIn("200 ms", body["error"])
        self.assertGreaterEqual(time.monotonic() - started, 0.19)
        # Names the host refuses at once: the plugin hears it from submit.
        status, body = call({"name": "bad name", "args": {}})
        self.assertEqual((status, body["status"]), ("ok", "CAMI_EINVAL"))

    # -- camictl --

    def camictl(self, *args):
        return run_camictl(self.server.config_path, args)

    def test_camictl_task(self):
        p = self.camictl("task", "hello.greet", '{"name":"Ada"}')
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (0, '{"message": "Hello, Ada!"}\n', ""))
        p = self.camictl("task", "hello.nobody", "{}")
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(json.loads(p.stderr)["code"], "unknown_task")
        p = self.camictl("task", "busbed.fail", "{}")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(json.loads(p.stderr), {"error": "busbed.fail was asked to fail",
                                                "code": "handler_failed"})
        p = self.camictl("--timeout", "30000", "task", "busbed.echo", "[1, 2.5, null]")
        self.assertEqual((p.returncode, p.stdout), (0, "[1, 2.5, null]\n"))

    def test_camictl_publish(self):
        p = self.camictl("publish", "bus.ctl", '{"x": 1}')
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))
        self.wait_count("bus.ctl", 1)
        p = self.camictl("publish", "nope.x", "{}")
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertIn("does not accept topic 'nope.x'", p.stderr)
        self.assertIn("'bus.'", p.stderr)
        self.assertIn("'hello.'", p.stderr)

    def test_camictl_refuses_bad_arguments(self):
        p = self.camictl("task", "hello.greet", '{"name": ')
        self.assertEqual(p.returncode, 2)
        self.assertIn("invalid JSON", p.stderr)
        self.assertIn("column", p.stderr)
        p = self.camictl("publish", "bad topic", "{}")
        self.assertEqual(p.returncode, 2)
        self.assertIn("not 1-255 characters", p.stderr)
        p = self.camictl("frobnicate", "a", "{}")
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", p.stderr)
        p = self.camictl("task", "hello.greet")
        self.assertEqual(p.returncode, 2)

    def test_metrics_count_tasks(self):
        before = self.metric("camid_bus_tasks_completed_total")
        self.assertEqual(self.call("busbed.echo", {})[0], "ok")
        self.assertGreaterEqual(self.wait_metric("camid_bus_tasks_completed_total", before + 1),
                                before + 1)


class BusyTest(BusCase):
    """max_pending_tasks = 2: a third task is refused with "busy"."""

    server_options = {"plugins": bus_plugins(),
                      "bus": dict(BUS_KEYS, max_pending_tasks=2,
                                  task_timeout=int(scaled(20.0) * 1000))}

    def test_busy(self):
        slow_ms = int(scaled(1.5) * 1000)
        d = self.dealer()
        before = self.metric("camid_bus_tasks_refused_total")
        # One connection keeps the order: the first two are pending when
        # the third arrives.
        for _ in range(2):
            d.send_multipart([b"", b"busbed.slow", dumps({"ms": slow_ms})])
        d.send_multipart([b"", b"busbed.echo", b"{}"])
        self.assertIn("too many", self.assert_error_reply(self.recv(d), "busy"))
        for _ in range(2):
            frames = self.recv(d, timeout=10, what="a slow reply")
            self.assertEqual(frames[:2], [b"", b"ok"])
        # Room again.
        self.assertEqual(self.call_on(d, "busbed.echo", 1), ("ok", 1))
        self.assertGreaterEqual(self.metric("camid_bus_tasks_refused_total"), before + 1)

    def test_busy_inside_the_host(self):
        # A slow task and busbed.call are the two pending tasks (one
        # connection keeps their order): the inner submit is refused with
        # CAMI_EBUSY, and no callback comes for it.
        d = self.dealer()
        d.send_multipart([b"", b"busbed.slow", dumps({"ms": int(scaled(1.5) * 1000)})])
        d.send_multipart([b"", b"busbed.call", dumps({"name": "busbed.echo", "args": {}})])
        replies = [self.recv(d, timeout=10, what="a reply") for _ in range(2)]
        self.assertEqual(sorted(json.loads(r[2]).get("status", "slept") for r in replies),
                         ["CAMI_EBUSY", "slept"])
        self.assertEqual([r[:2] for r in replies], [[b"", b"ok"]] * 2)
        self.assert_quiet(d)


class TwoWorkersTest(BusCase):
    """workers = 2: worker 0 owns the endpoints; the other forwards its
    outgoing events to it."""

    server_options = {"camid": {"workers": 2}, "plugins": bus_plugins(), "bus": BUS_KEYS}

    def test_task_and_events(self):
        self.assertEqual(self.call("hello.greet", {"name": "Ada"}),
                         ("ok", {"message": "Hello, Ada!"}))
        sub = self.joined_sub(b"")
        # New connections spread over both workers (SO_REUSEPORT); each
        # publishes one event for partners: all must arrive, whichever
        # worker published it.
        pids, sent = set(), 0
        out_before = self.metric("camid_bus_events_out_total")
        deadline = time.monotonic() + scaled(20)
        while len(pids) < 2 or sent < 10:
            self.assertLess(time.monotonic(), deadline, "only worker(s) %s answered" % pids)
            body = self.http_json("/busbed/burst?n=1&topic=bus.out.w%d" % sent)
            pids.add(body["pid"])
            sent += 1
        got = set()
        while len(got) < sent:
            frames = self.recv(sub, what="event %d of %d" % (len(got) + 1, sent))
            got.add(frames[0])
        self.assertEqual(got, {b"bus.out.w%d" % i for i in range(sent)})
        # Counted once each, whichever worker published it (summed over
        # workers, a forwarded event must not count twice). The count may
        # trail the event a moment (it is taken after the send): wait for
        # it, then check that nothing counts twice.
        wait_until(lambda: self.metric("camid_bus_events_out_total") - out_before >= sent, 5,
                   "every event counted")
        time.sleep(scaled(0.2))
        self.assertEqual(self.metric("camid_bus_events_out_total") - out_before, sent)
        # A partner's event reaches worker 0's busbed; ask worker 0 (it
        # handles partners' tasks) what it counted.
        pub = self.socket(zmq.PUB, "events_in")
        d = self.dealer()

        def counted():
            pub.send_multipart([b"bus.two", b"{}"])
            return self.call_on(d, "busbed.count", {"topic": "bus.two"})[1]["count"] > 0
        wait_until(counted, 10, "a partner's event counted by worker 0", interval=0.05)


class CamictlAloneTest(unittest.TestCase):
    """camictl against no camid, or against a Python stand-in."""

    def setUp(self):
        require_built(CAMICTL)
        self.dir = tempfile.mkdtemp(prefix="camictl-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def config(self, bus):
        path = os.path.join(self.dir, "camid.conf")
        with open(path, "w") as f:
            f.write(render_config([("camid", {"workers": 1})] +
                                  ([("bus", bus)] if bus is not None else [])))
        return path

    def test_usage_and_version(self):
        for args, rc, out in ((["-h"], 0, "Usage: camictl"), (["--version"], 0, "camictl "),
                              (["-t", "0", "task", "a", "{}"], 2, ""), ([], 2, "")):
            p = subprocess.run([CAMICTL] + args, capture_output=True, text=True,
                               env=camid_env(), timeout=scaled(10))
            self.assertEqual(p.returncode, rc, (args, p.stderr))
            self.assertTrue(p.stdout.startswith(out), (args, p.stdout))

    def test_no_bus_section(self):
        p = run_camictl(self.config(None), ["task", "hello.greet", "{}"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no [bus] tasks_in", p.stderr)
        p = run_camictl(os.path.join(self.dir, "missing.conf"), ["task", "a", "{}"])
        self.assertEqual(p.returncode, 2)

    def test_nobody_there(self):
        port, port2 = free_ports(2)
        path = self.config({"tasks_in": "tcp://127.0.0.1:%d" % port,
                            "events_in": "tcp://127.0.0.1:%d" % port2})
        p = run_camictl(path, ["--timeout", "300", "task", "hello.greet", "{}"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no reply from camid", p.stderr)
        self.assertIn("within 300 ms", p.stderr)
        p = run_camictl(path, ["--timeout", "300", "publish", "bus.x", "{}"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no camid listens", p.stderr)

    def test_wildcard_bind_address_and_wire_format(self):
        # camid binds tcp://*:PORT; camictl connects to 127.0.0.1:PORT and
        # speaks docs/BUS.md: ["", name, args] in, ["", "ok", result] back.
        port = free_ports(1)[0]
        router = CTX.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        router.bind("tcp://127.0.0.1:%d" % port)
        self.addCleanup(router.close)
        path = self.config({"tasks_in": "tcp://*:%d" % port})
        seen = []

        def serve():
            if router.poll(int(scaled(10) * 1000)):
                frames = router.recv_multipart()
                seen.append(frames[1:])
                router.send_multipart([frames[0], b"", b"ok", b'{"x":[1,"y"]}'])
        t = threading.Thread(target=serve)
        t.start()
        p = run_camictl(path, ["task", "stand.in", '{"a": 1}'])
        t.join()
        self.assertEqual(seen, [[b"", b"stand.in", b'{"a": 1}']])
        self.assertEqual((p.returncode, p.stdout), (0, '{"x": [1, "y"]}\n'))


if __name__ == "__main__":
    main()
