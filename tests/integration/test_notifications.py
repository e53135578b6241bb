#!/usr/bin/python3
"""The notifications plugin through a real camid (store + compliance +
notifications) against a private MariaDB and the real bus, with a Python
ZeroMQ publisher on its partner endpoints and a local HTTP server as the
webhook receiver:

- a weight drop posted to compliance (two readings 2 kg apart, for people
  created through the store's /api/v1/user/) ends as two notifications at
  /api/v1/notifications/?limit=2 on the notifications listener, in the
  original's shape, as journal entries, and as two webhook deliveries
  carrying the same objects;
- the webhook receiver stopped while 100 notifications arrive and started
  again: 100 deliveries, each delivery id once;
- a redelivered notification.create is stored (and delivered) once; bad
  events are refused, counted, and store nothing;
- the resource: filters, a POST that is delivered and announced as
  notification.created, bad input as 400 JSON with nothing stored;
- device registration (get-or-create, 201), pushes to registered devices
  through the log adapter, and resend;
- the healthcheck: ok, and mysql failed while the database is stopped;
- camid killed while the receiver holds a delivery: the next camid sends it
  again after the lease, with the same delivery id;
- the shipped etc/camid.conf loads with the plugin.

The test starts its own MariaDB with scripts/devdb in a temporary directory
on a free port and stops it at the end.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_notifications.py
"""

import http.server
import itertools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
import zmq  # noqa: E402

from harness import (PLUGIN_DIR, SRCDIR, Camid, DevDB, ServerTestCase, free_ports,  # noqa: E402
                     main, metric_values, require_built, run_camid, scaled, wait_until)

STORE_SO = os.path.join(PLUGIN_DIR, "store.so")
COMPLIANCE_SO = os.path.join(PLUGIN_DIR, "compliance.so")
NOTIFICATIONS_SO = os.path.join(PLUGIN_DIR, "notifications.so")
API = "/api/v1/"
CTX = zmq.Context()
OBJECT_KEYS = {"description", "id", "message", "recipient_type", "resource_uri", "severity",
               "timestamp", "type", "user_id"}

BUS = {"events_out_topics": "notification.",
       "events_in_topics": "notification.,measurement."}

DB = None
# Every test has its own people: ids from a counter, far from the store's
# auto-increment ids and from the other test files' people.
_people = itertools.count(8000001)
# Notification times of the tests, in 2017 onwards; the weight test's are
# later than all of them, so they are the newest (?limit=2).
_clock = itertools.count(1500000000, 60)


def setUpModule():
    global DB
    require_built(STORE_SO, COMPLIANCE_SO, NOTIFICATIONS_SO)
    DB = DevDB().start()


def tearDownModule():
    if DB is not None:
        DB.destroy()


def person_id():
    return next(_people)


def when():
    return next(_clock)


def event(user, message, recipient="elderly", ts=None, **extra):
    """A notification.create payload, as compliance publishes it."""
    body = {"user_id": str(user), "recipient_type": recipient, "type": "heart",
            "severity": "high", "message": message, "description": "Please take action now!",
            "timestamp": when() if ts is None else ts, "language": "en",
            "measurement": {"type": "heart_rate", "unit": "bpm", "value": 50}}
    body.update(extra)
    return body


class Receiver:
    """The webhook's receiver: an HTTP server on a fixed port that can be
    stopped (connections are refused) and started again. It keeps every
    POST it answered: (delivery id, idempotency key, attempt, JSON body)."""

    def __init__(self):
        self.port = free_ports(1)[0]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.lock = threading.Lock()
        self.posts = []
        self.timing = []    # per post: [received, answered or None] (monotonic s)
        self.server = None
        self.thread = None
        # hold: the next POST is kept (got set) without an answer until
        # release is set, as a receiver in the middle of its work
        self.hold = False
        self.got = threading.Event()
        self.release = threading.Event()

    def start(self):
        receiver = self

        # HTTP/1.0: one connection per request, so a stopped receiver
        # takes nothing more (a kept-alive connection would outlive it).
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                entry = (self.headers.get("X-CAMI-Delivery"), self.headers.get("Idempotency-Key"),
                         self.headers.get("X-CAMI-Attempt"), self.path,
                         self.headers.get("Content-Type"), json.loads(body))
                with receiver.lock:
                    receiver.posts.append(entry)
                    timing = [time.monotonic(), None]
                    receiver.timing.append(timing)
                    hold, receiver.hold = receiver.hold, False
                if hold:
                    receiver.got.set()
                    receiver.release.wait(scaled(60))
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    timing[1] = time.monotonic()
                except OSError:
                    pass   # the sender is gone

            def log_message(self, *args):
                pass

        # A backlog for a burst of 100 sends: with socketserver's default of
        # 5, connects were dropped and retried, and a POST could wait there
        # past camid's webhook_timeout; camid then sent it again (attempt
        # n+1) while the receiver still read the abandoned attempt n.
        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256

        deadline = time.monotonic() + scaled(10)
        while True:
            try:
                self.server = Server(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(scaled(10))
            self.server = None

    def for_notifications(self, ids):
        with self.lock:
            return [p for p in self.posts if p[5].get("id") in ids]

    def for_user(self, user):
        with self.lock:
            return [p for p in self.posts if p[5].get("user_id") == str(user)]

    def repeats(self, user):
        """For each delivery id the user's POSTs carried more than once: its
        attempts, when each arrived and how long its answer took, to tell a
        late answer (at-least-once) from a second send of an answered one."""
        with self.lock:
            seen = {}
            for p, (got, answered) in zip(self.posts, self.timing):
                if p[5].get("user_id") == str(user):
                    seen.setdefault(p[0], []).append(
                        "attempt %s at %.3f, answered %s" % (
                            p[2], got, "never" if answered is None else
                            "after %.3f s" % (answered - got)))
            return {k: v for k, v in seen.items() if len(v) > 1}


class NotificationsCase(ServerTestCase):
    """One camid for the class; each test uses its own people."""

    receiver = None

    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.receiver.start()
        cls.server_options = {
            # two workers: both claim from the one delivery queue
            "camid": {"workers": 2},
            "listeners": ("main", "notifications"),
            "plugins": {
                "store": DB.store_config(),
                "compliance": {"listeners": "main"},
                "notifications": {"listeners": "notifications",
                                  "webhook_url": cls.receiver.url,
                                  # long enough that a loaded machine never makes
                                  # camid give up on a POST the receiver then reads
                                  # (that one would come twice: at least once)
                                  "webhook_timeout": int(scaled(20000)),
                                  # the lease only matters to the crash test (its own
                                  # camid); here it must outlast a loaded machine's
                                  # queue of 100 sends and their marks
                                  "lease": int(scaled(20000)) + 60000,
                                  "retry_base": 100, "retry_max": 800, "max_attempts": 1000,
                                  "poll_interval": 200,
                                  "healthcheck_timeout": int(scaled(2000))}},
            "bus": BUS}
        try:
            super().setUpClass()
            # The store applies the migrations right after start: wait
            # until the tables answer.
            wait_until(cls._all_answer, 30, "the resources to answer (migrations applied)",
                       interval=0.1)
        except BaseException:
            cls.receiver.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.receiver.stop()

    @classmethod
    def _all_answer(cls):
        try:
            for listener, name in (("notifications", "notifications"), ("main", "user"),
                                   ("main", "weight-measurements")):
                r = requests.get(cls.server.url(API + name + "/", listener), timeout=scaled(5))
                if r.status_code != 200:
                    return False
        except requests.RequestException:
            return False
        return True

    # -- HTTP --
    def call(self, method, path, body=None, raw=None, listener="notifications"):
        kwargs = {"timeout": scaled(10), "allow_redirects": False}
        if raw is not None:
            kwargs["data"] = raw
            kwargs["headers"] = {"Content-Type": "application/json"}
        elif body is not None:
            kwargs["json"] = body
        return requests.request(method, self.server.url(path, listener), **kwargs)

    def get(self, path, listener="notifications", status=200):
        r = self.call("GET", path, listener=listener)
        self.assertEqual(r.status_code, status, "GET %s: %s" % (path, r.text))
        return r.json()

    def create(self, name, body, listener="main"):
        r = self.call("POST", API + name + "/", body, listener=listener)
        self.assertEqual(r.status_code, 201, "POST %s %r: %s" % (name, body, r.text))
        return r

    def notifications(self, query):
        return self.get(API + "notifications/?" + query)

    def of_user(self, user, extra=""):
        return self.notifications("user_id=%d&limit=0%s" % (user, extra))

    def assertError(self, r, status, field=None, words=None):
        self.assertEqual(r.status_code, status, r.text)
        self.assertEqual(r.headers.get("Content-Type", "").split(";")[0], "application/json")
        body = r.json()
        self.assertIsInstance(body.get("error"), str, body)
        self.assertTrue(body["error"])
        if field is not None:
            self.assertEqual(body.get("field"), field, body)
        if words is not None:
            self.assertIn(words, body["error"])
        return body

    def assertShape(self, obj):
        self.assertEqual(set(obj), OBJECT_KEYS, obj)
        self.assertIsInstance(obj["id"], int)
        self.assertIsInstance(obj["user_id"], str)
        self.assertIsInstance(obj["timestamp"], str)
        self.assertEqual(obj["resource_uri"], "%snotifications/%d/" % (API, obj["id"]))

    def sql_count(self, query):
        out = DB.sql(query).split("\n")
        return int(out[1])

    # -- people in the store --
    def store_person(self, first_name, role="end_user"):
        uid = person_id()
        self.create("user", {"id": str(uid), "username": "n%d" % uid, "first_name": first_name,
                             "role": role})
        return uid

    def family(self):
        elderly = self.store_person("Ada")
        caregiver = self.store_person("Ioana", "caregiver")
        self.create("caregiverprofile", {"user": str(caregiver), "caretaker": str(elderly)})
        return elderly, caregiver

    # -- the bus --
    def socket(self, kind, key):
        s = CTX.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(self.server.bus_endpoint(key))
        self.addCleanup(s.close)
        return s

    def joined_pub(self):
        """A PUB on events_in that camid's SUB hears: publish a probe
        notification until it is stored (a resend is a duplicate)."""
        pub = self.socket(zmq.PUB, "events_in")
        probe_user = person_id()
        probe = event(probe_user, "probe")

        def heard():
            pub.send_multipart([b"notification.create", json.dumps(probe).encode()])
            time.sleep(0.05)
            return self.of_user(probe_user)["meta"]["total_count"] == 1
        wait_until(heard, 10, "camid's SUB to hear a Python PUB (slow joiner)", interval=0.05)
        return pub

    def publish(self, pub, payload):
        pub.send_multipart([b"notification.create",
                            payload if isinstance(payload, bytes) else
                            json.dumps(payload).encode()])


class Notifications(NotificationsCase):

    # -- the two demonstrations -----------------------------------------------

    def test_weight_drop_ends_as_two_notifications_and_webhook_deliveries(self):
        elderly, caregiver = self.family()
        t = 4100000000   # later than every other test's notifications
        for ts, kg in ((t, 80.0), (t + 600, 78.0)):
            self.create("weight-measurements", {"user_id": str(elderly), "input_source":
                                                "withings", "timestamp": ts, "value": kg})

        def two():
            body = self.notifications("limit=2")
            objs = [o for o in body["objects"] if o["user_id"] == str(elderly)]
            return body if len(objs) == 2 else None
        body = wait_until(two, 10, "the weight drop's two notifications")
        self.assertEqual(body["meta"]["limit"], 2)
        self.assertEqual(body["meta"]["offset"], 0)
        self.assertIsNone(body["meta"]["previous"])
        self.assertGreaterEqual(body["meta"]["total_count"], 2)
        objs = body["objects"]
        for o in objs:
            self.assertShape(o)
            self.assertEqual((o["type"], o["severity"], o["timestamp"]),
                             ("weight", "medium", str(t + 600)))
        by = {o["recipient_type"]: o for o in objs}
        self.assertEqual(set(by), {"elderly", "caregiver"})
        self.assertIn("Ada", by["caregiver"]["message"])
        self.assertIn("decrease", by["elderly"]["message"])
        # the app's poll
        app = self.notifications("recipient_type=elderly&limit=1&offset=0&r=0.5")
        self.assertEqual(app["objects"], [by["elderly"]])
        # the webhook got each notification, as GET shows it
        ids = {o["id"] for o in objs}
        posts = wait_until(lambda: len(self.receiver.for_notifications(ids)) == 2 and
                           self.receiver.for_notifications(ids), 10, "two webhook deliveries")
        for delivery, key, attempt, path, ctype, got in posts:
            self.assertEqual(path, "/hook")
            self.assertEqual(ctype, "application/json")
            self.assertEqual(key, delivery)
            self.assertEqual(attempt, "1")
            self.assertEqual(got, by[got["recipient_type"]])
        self.assertEqual(len({p[0] for p in posts}), 2)
        # the journal form: one entry per recipient, not acknowledged
        for person, recipient in ((elderly, "elderly"), (caregiver, "caregiver")):
            entries = self.get(API + "journal_entries/?user=%d" % person, "main")["objects"]
            self.assertEqual(len(entries), 1, entries)
            self.assertEqual(entries[0]["message"], by[recipient]["message"])
            self.assertIs(entries[0]["acknowledged"], False)
        entry = self.get(API + "journal_entries/?user=%d" % elderly, "main")["objects"][0]
        r = self.call("PATCH", entry["resource_uri"], {"acknowledged": True}, listener="main")
        self.assertEqual(r.status_code, 202, r.text)

    def test_webhook_down_then_back_delivers_each_once(self):
        pub = self.joined_pub()
        user = person_id()
        self.receiver.stop()
        try:
            t0 = when()
            for i in range(100):
                self.publish(pub, event(user, "reading %d" % i, ts=t0 + i))
            wait_until(lambda: self.of_user(user)["meta"]["total_count"] == 100, 30,
                       "100 notifications stored")
            tried = ("SELECT COUNT(*) FROM notification_delivery d JOIN notification n ON "
                     "n.id = d.notification_id WHERE n.user_id = %d AND d.attempts >= 2 AND "
                     "d.last_error LIKE '%%could not be reached%%'" % user)
            wait_until(lambda: self.sql_count(tried) == 100, 30,
                       "every delivery to fail at least twice while the receiver is down")
            self.assertEqual(self.receiver.for_user(user), [])
        finally:
            self.receiver.start()
        posts = wait_until(lambda: len(self.receiver.for_user(user)) >= 100 and
                           self.receiver.for_user(user), 60, "100 deliveries")
        time.sleep(scaled(1.5))  # anything late would be a duplicate
        posts = self.receiver.for_user(user)
        self.assertEqual(len(posts), 100, self.receiver.repeats(user))
        self.assertEqual(len({p[0] for p in posts}), 100, self.receiver.repeats(user))
        stored = {o["id"] for o in self.of_user(user)["objects"]}
        self.assertEqual({p[5]["id"] for p in posts}, stored)
        self.assertTrue(all(p[0] == p[1] and int(p[2]) >= 2 for p in posts))
        self.assertEqual(self.sql_count(
            "SELECT COUNT(*) FROM notification_delivery d JOIN notification n ON "
            "n.id = d.notification_id WHERE n.user_id = %d AND d.state = 'sent'" % user), 100)

    # -- the bus ----------------------------------------------------------------------

    def test_redelivered_event_is_stored_and_delivered_once(self):
        pub = self.joined_pub()
        user = person_id()
        again = event(user, "twice or more")
        for _ in range(5):
            self.publish(pub, again)
        barrier = event(user, "after them")
        self.publish(pub, barrier)
        wait_until(lambda: self.of_user(user)["meta"]["total_count"] >= 2, 10,
                   "both notifications stored")
        time.sleep(scaled(0.5))
        objs = self.of_user(user)["objects"]
        self.assertEqual(sorted(o["message"] for o in objs), ["after them", "twice or more"])
        wait_until(lambda: len(self.receiver.for_user(user)) >= 2, 10, "two deliveries")
        time.sleep(scaled(0.5))
        self.assertEqual(len(self.receiver.for_user(user)), 2)
        # the same content later (a replay) is still the same notification
        self.publish(pub, again)
        self.publish(pub, event(user, "a third"))
        wait_until(lambda: self.of_user(user)["meta"]["total_count"] >= 3, 10, "the third")
        time.sleep(scaled(0.3))
        self.assertEqual(self.of_user(user)["meta"]["total_count"], 3)

    def test_a_row_naming_an_adapter_in_another_case_is_left_alone(self):
        """The column's collation ignores case and trailing spaces; the queue
        must not claim 'LOG ' for its 'log' adapter (a worker once crashed on
        such a row): it stays queued and no worker dies."""
        pub = self.joined_pub()
        user = person_id()
        self.publish(pub, event(user, "for the odd row"))
        wait_until(lambda: self.of_user(user)["meta"]["total_count"] == 1, 10, "stored")
        nid = self.of_user(user)["objects"][0]["id"]
        DB.sql("INSERT INTO notification_delivery (notification_id, adapter, target_kind, "
               "payload, state, next_attempt_at, created_at, updated_at) VALUES (%d, 'LOG ', "
               "'webhook', '{}', 'queued', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
               "UTC_TIMESTAMP(3))" % nid)
        time.sleep(scaled(1.5))  # several poll intervals
        self.assertNotIn("killed by signal", self.server.stderr())
        self.assertEqual(self.sql_count(
            "SELECT COUNT(*) FROM notification_delivery WHERE notification_id = %d AND "
            "adapter = BINARY 'LOG ' AND state = 'queued' AND attempts = 0" % nid), 1)

    def test_bad_events_are_refused_counted_and_store_nothing(self):
        pub = self.joined_pub()
        user = person_id()
        before = metric_values(self.server.port("main")).get("camid_bus_handler_errors_total", 0)
        bad = [event(user, "x", recipient="doctor"),
               event(user, "x" * 513),
               event(user, "x", severity="urgent"),
               event(user, "x", ts=1500000000000),
               dict(event(user, "x"), user_id="somebody"),
               {"recipient_type": "elderly"},
               [1, 2, 3]]
        for payload in bad:
            self.publish(pub, payload)
        self.publish(pub, event(user, "the good one"))
        wait_until(lambda: self.of_user(user)["meta"]["total_count"] >= 1, 10,
                   "the good event stored")
        wait_until(lambda: metric_values(self.server.port("main"))
                   .get("camid_bus_handler_errors_total", 0) >= before + len(bad), 10,
                   "the refused events counted")
        self.assertEqual([o["message"] for o in self.of_user(user)["objects"]], ["the good one"])
        self.assertIn("notification.create event refused", self.server.stderr())

    def test_notification_created_announces_the_stored_object(self):
        sub = self.socket(zmq.SUB, "events_out")
        sub.setsockopt(zmq.SUBSCRIBE, b"notification.created")
        pub = self.joined_pub()
        user = person_id()

        def heard():
            probe = event(user, "probe %f" % time.monotonic())
            self.publish(pub, probe)
            deadline = time.monotonic() + scaled(1)
            while sub.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                topic, payload = sub.recv_multipart()
                body = json.loads(payload)
                if body.get("user_id") == str(user):
                    return topic, body
            return None
        topic, body = wait_until(heard, 10, "notification.created from camid's PUB", interval=0)
        self.assertEqual(topic, b"notification.created")
        self.assertShape(body)
        self.assertEqual(self.get(body["resource_uri"]), body)

    # -- the resource -----------------------------------------------------------------

    def test_resource_filters_and_a_post_that_is_delivered(self):
        user = person_id()
        t = when()
        body = {"user_id": str(user), "recipient_type": "caregiver", "type": "steps",
                "severity": "low", "timestamp": t, "message": "Well done!"}
        r = self.create("notifications", body, listener="notifications")
        self.assertEqual(r.text, "")
        loc = r.headers["Location"]
        self.assertRegex(loc, r"^%snotifications/[0-9]+/$" % API)
        obj = self.get(loc)
        self.assertShape(obj)
        self.assertEqual((obj["user_id"], obj["timestamp"], obj["description"]),
                         (str(user), str(t), ""))
        posts = wait_until(lambda: self.receiver.for_notifications({obj["id"]}), 10,
                           "the POSTed notification's delivery")
        self.assertEqual(posts[0][5], obj)
        self.create("notifications", dict(body, recipient_type="elderly", timestamp=t + 1),
                    listener="notifications")
        self.create("notifications", dict(body, timestamp=t + 2, severity="high"),
                    listener="notifications")
        times = [o["timestamp"] for o in self.of_user(user)["objects"]]
        self.assertEqual(times, [str(t + 2), str(t + 1), str(t)])  # newest first
        q = "user_id=%d&" % user
        self.assertEqual(len(self.notifications(q + "timestamp__gt=%d" % t)["objects"]), 2)
        self.assertEqual(len(self.notifications(q + "timestamp__gte=%d" % t)["objects"]), 3)
        self.assertEqual(len(self.notifications(q + "timestamp__lt=%d" % (t + 2))["objects"]), 2)
        self.assertEqual(len(self.notifications(q + "timestamp__lte=%d" % t)["objects"]), 1)
        self.assertEqual(len(self.notifications(q + "recipient_type=caregiver")["objects"]), 2)
        self.assertEqual(len(self.notifications(q + "recipient_type=elderly")["objects"]), 1)
        self.assertEqual(self.notifications(q + "limit=1")["meta"]["next"],
                         API + "notifications/?user_id=%d&limit=1&offset=1" % user)
        self.assertError(self.call("GET", API + "notifications/?message=x"), 400)
        self.assertError(self.call("GET", API + "notifications/?timestamp__gt=soon"), 400,
                         words="timestamp")

    def test_bad_input_is_400_and_stores_nothing(self):
        user = person_id()
        good = {"user_id": str(user), "recipient_type": "elderly", "type": "weight",
                "severity": "low", "timestamp": when(), "message": "hello"}
        url = API + "notifications/"
        cases = [(dict(good, recipient_type="doctor"), "recipient_type"),
                 (dict(good, message="x" * 513), "message"),
                 (dict(good, description="x" * 1025), "description"),
                 (dict(good, message="   "), "message"),
                 (dict(good, severity="urgent"), "severity"),
                 (dict(good, type="x" * 21), "type"),
                 (dict(good, timestamp=1500000000000), "timestamp"),
                 (dict(good, user_id="me"), "user_id"),
                 (dict(good, colour="red"), "colour")]
        for body, field in cases:
            self.assertError(self.call("POST", url, body), 400, field=field)
        for raw in ("{bad", "", "[1]", "null"):
            self.assertError(self.call("POST", url, raw=raw), 400)
        self.assertEqual(self.of_user(user)["meta"]["total_count"], 0)
        self.assertEqual(self.receiver.for_user(user), [])

    # -- devices ----------------------------------------------------------------------

    def test_device_registration_is_get_or_create(self):
        key = "mk-%d" % person_id()
        a = self.create("mobile-notification-key", {"mobile_key": key, "mobile_os": "ios",
                                                    "recipient_type": "caregiver"},
                        listener="notifications").json()
        b = self.create("mobile-notification-key", {"mobile_key": key, "mobile_os": "iOS",
                                                    "recipient_type": "caregiver"},
                        listener="notifications").json()
        self.assertEqual(a, b)
        self.assertEqual((a["mobile_key"], a["mobile_os"], a["recipient_type"]),
                         (key, "ios", "caregiver"))
        self.assertEqual(self.sql_count("SELECT COUNT(*) FROM notification_mobile_key WHERE "
                                        "mobile_key = '%s'" % key), 1)
        elderly, caregiver = self.family()
        token = "tok-%d" % caregiver
        sub = {"registration_id": token, "service_type": "APNS", "user_id": caregiver}
        a = self.create("push-notification-subscribe", sub, listener="notifications").json()
        b = self.create("push-notification-subscribe", dict(sub, user_id=str(caregiver)),
                        listener="notifications").json()
        self.assertEqual(a, b)
        self.assertEqual(a["user_id"], str(caregiver))
        devices = self.get(API + "pushnotificationdevice/?user=%d" % caregiver, "main")
        self.assertEqual([(d["id"], d["registration_id"], d["type"])
                          for d in devices["objects"]], [(a["id"], token, "APNS")])
        r = self.call("POST", API + "push-notification-subscribe/",
                      dict(sub, registration_id="tok-x", user_id=person_id()))
        self.assertError(r, 400, field="user_id", words="no person")
        for body, field in (({"mobile_os": "ios"}, "mobile_key"),
                            ({"mobile_key": "k", "mobile_os": "palm"}, "mobile_os"),
                            ({"mobile_key": "k", "mobile_os": "ios", "recipient_type": "x"},
                             "recipient_type")):
            self.assertError(self.call("POST", API + "mobile-notification-key/", body), 400,
                             field=field)
        self.assertError(self.call("POST", API + "push-notification-subscribe/",
                                   dict(sub, service_type="SMS")), 400, field="service_type")
        self.assertError(self.call("POST", API + "mobile-notification-key/", raw="{"), 400)
        # a caregiver notification about the elderly person reaches the
        # caregiver's phone through the log adapter
        r = self.create("notifications", {"user_id": str(elderly), "recipient_type":
                                          "caregiver", "type": "heart", "severity": "high",
                                          "timestamp": when(), "message": "Check on Ada"},
                        listener="notifications")
        nid = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        sent = ("SELECT COUNT(*) FROM notification_delivery WHERE notification_id = %d AND "
                "adapter = 'log' AND target_kind = 'device' AND target = '%s' AND "
                "state = 'sent'" % (nid, token))
        wait_until(lambda: self.sql_count(sent) == 1, 10, "the push to the caregiver's phone")
        self.assertIn("APNS device tok-", self.server.stderr())

    def test_resend_queues_the_newest_caregiver_notification_again(self):
        newest = self.notifications("recipient_type=caregiver&limit=1")["objects"]
        if not newest:
            user = person_id()
            self.create("notifications", {"user_id": str(user), "recipient_type": "caregiver",
                                          "type": "weight", "severity": "low",
                                          "timestamp": when(), "message": "first"},
                        listener="notifications")
            newest = self.notifications("recipient_type=caregiver&limit=1")["objects"]
        nid = newest[0]["id"]
        wait_until(lambda: self.receiver.for_notifications({nid}), 10, "its first delivery")
        before = {p[0] for p in self.receiver.for_notifications({nid})}
        self.assertEqual(self.get(API + "mobile-notification-key/resend/"), {})
        posts = wait_until(lambda: len(self.receiver.for_notifications({nid})) > len(before) and
                           self.receiver.for_notifications({nid}), 10, "the resent delivery")
        again = [p for p in posts if p[0] not in before]
        self.assertEqual(len(again), 1)
        self.assertEqual(again[0][5], newest[0])

    # -- health -----------------------------------------------------------------------

    def test_healthcheck_ok(self):
        r = self.call("GET", API + "healthcheck/")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json(), {"healthcheck": [{"message_queue": "ok", "mysql": "ok",
                                                     "status": "ok"}]})


class HealthcheckWhileTheDatabaseIsDown(ServerTestCase):
    """Its own camid: the database stops under it, then comes back."""

    @classmethod
    def setUpClass(cls):
        cls.server_options = {
            "listeners": ("notifications",),
            "plugins": {"store": DB.store_config(connect_timeout=int(scaled(1000))),
                        "notifications": {"listeners": "notifications",
                                          "healthcheck_timeout": int(scaled(3000))}}}
        super().setUpClass()

    def health(self):
        r = requests.get(self.server.url(API + "healthcheck/", "notifications"),
                         timeout=scaled(15))
        self.assertEqual(r.status_code, 200, r.text)   # the original's: 200 either way
        return r.json()["healthcheck"][0]

    def answers(self):
        try:
            return requests.get(self.server.url(API + "notifications/", "notifications"),
                                timeout=scaled(5)).status_code == 200
        except requests.RequestException:
            return False

    def test_mysql_failed_while_the_database_is_stopped(self):
        # the migrations run right after start: let them finish first
        wait_until(self.answers, 30, "the migrations to be applied", interval=0.1)
        wait_until(lambda: self.health()["status"] == "ok", 20, "a healthy start")
        DB.stop()
        try:
            self.assertEqual(self.health(), {"message_queue": "ok", "mysql": "failed",
                                             "status": "failed"})
        finally:
            DB.start()
        wait_until(lambda: self.health()["status"] == "ok", 30,
                   "ok again once the database is back")


class CrashBetweenSendAndMark(unittest.TestCase):
    """camid killed while the receiver holds a delivery (it has it, camid
    has not marked it): a new camid sends it again once the lease runs
    out, with the same delivery id, so the receiver can drop the copy."""

    def test_the_delivery_comes_again_with_the_same_id(self):
        receiver = Receiver()
        receiver.start()
        self.addCleanup(receiver.stop)
        self.addCleanup(receiver.release.set)
        timeout = int(scaled(3000))
        plugins = {"store": DB.store_config(),
                   "notifications": {"listeners": "notifications",
                                     "webhook_url": receiver.url, "webhook_timeout": timeout,
                                     "lease": timeout + 6000, "poll_interval": 200,
                                     "retry_base": 100, "retry_max": 500}}
        first = Camid(listeners=("notifications",), plugins=plugins).start()
        self.addCleanup(first.cleanup)
        self.addCleanup(first.kill)
        url = first.url(API + "notifications/", "notifications")
        wait_until(lambda: requests.get(url, timeout=scaled(5)).status_code == 200, 30,
                   "the migrations to be applied", interval=0.1)
        user = person_id()
        receiver.hold = True
        r = requests.post(url, json={"user_id": str(user), "recipient_type": "elderly",
                                     "type": "weight", "severity": "low", "timestamp": when(),
                                     "message": "held"}, timeout=scaled(10))
        self.assertEqual(r.status_code, 201, r.text)
        self.assertTrue(receiver.got.wait(scaled(10)), "the webhook POST did not arrive")
        first.kill()   # SIGKILL: no mark, the row stays "sending"
        receiver.release.set()
        state = ("SELECT CONCAT(d.state, ' ', d.attempts) FROM notification_delivery d JOIN "
                 "notification n ON n.id = d.notification_id WHERE n.user_id = %d" % user)
        self.assertEqual(DB.sql(state).split("\n")[1], "sending 1")
        second = Camid(listeners=("notifications",), plugins=plugins).start()
        self.addCleanup(second.cleanup)
        self.addCleanup(second.kill)
        posts = wait_until(lambda: len(receiver.for_user(user)) >= 2 and
                           receiver.for_user(user), 30, "the delivery sent again")
        (id1, _, attempt1, *_), (id2, key2, attempt2, *_) = posts
        self.assertEqual((id2, key2), (id1, id1))
        self.assertEqual((attempt1, attempt2), ("1", "2"))
        wait_until(lambda: DB.sql(state).split("\n")[1] == "sent 2", 10, "the row marked sent")
        time.sleep(scaled(0.5))
        self.assertEqual(len(receiver.for_user(user)), 2)
        second.stop_checked()


class ShippedConfig(unittest.TestCase):
    """etc/camid.conf as shipped, with the built plugins: it loads."""

    def test_camid_conf_loads_with_notifications(self):
        require_built(NOTIFICATIONS_SO)
        tmp = tempfile.mkdtemp(prefix="camid-etc-")
        self.addCleanup(shutil.rmtree, tmp, True)
        shutil.copytree(os.path.join(SRCDIR, "etc"), os.path.join(tmp, "etc"))
        os.makedirs(os.path.join(tmp, "plugins"))
        os.symlink(PLUGIN_DIR, os.path.join(tmp, "plugins", ".libs"))
        proc = run_camid(["-t", "-c", os.path.join(tmp, "etc", "camid.conf")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("configuration OK", proc.stdout + proc.stderr)
        info = run_camid(["--plugin-info", NOTIFICATIONS_SO])
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn("dependencies: store", info.stdout)
        self.assertIn("webhook_url", info.stdout)
        # a webhook URL camid cannot post to is refused, naming the key
        conf = os.path.join(tmp, "etc", "camid.d", "notifications.conf")
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace('webhook_url = ""', "webhook_url = ftp://example.org/"))
        proc = run_camid(["-t", "-c", os.path.join(tmp, "etc", "camid.conf")])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("webhook_url", proc.stderr)


if __name__ == "__main__":
    main()
