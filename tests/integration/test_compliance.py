#!/usr/bin/python3
"""The compliance plugin through a real camid (store + compliance + hello)
against a private MariaDB and the real bus, with Python ZeroMQ peers on its
partner endpoints:

- the five REST resources of the original medical-compliance service
  (medication plans, weight, heart rate, steps, blood pressure): shapes,
  types (64-bit ids and timestamps as strings), filters, ordering, writes,
  value ranges, duplicates;
- last_values for each kind, per person, with its errors;
- the weight rule: a reading 2 kg below the previous one (over the HTTP
  intake and through the resource) raises notification.create for the
  elderly person and the caregiver, named as the store knows them; 1.99 kg
  raises nothing; other people's readings do not count;
- the intake: a partner's measurement event is stored and judged;
  duplicates (HTTP and bus) are stored once and judged once; bad input is
  a 400 naming the field, or a refused event, and nothing is stored;
- the shipped etc/camid.conf loads with the plugin.

The test starts its own MariaDB with scripts/devdb in a temporary directory
on a free port and stops it at the end; hello is there for its task, which
tells a Python SUB that it has joined camid's PUB.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_compliance.py
"""

import itertools
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
import zmq  # noqa: E402

from harness import (PLUGIN_DIR, SRCDIR, DevDB, ServerTestCase, main, metric_values,  # noqa: E402
                     require_built, run_camid, scaled, wait_until)

STORE_SO = os.path.join(PLUGIN_DIR, "store.so")
COMPLIANCE_SO = os.path.join(PLUGIN_DIR, "compliance.so")
API = "/api/v1/"
CTX = zmq.Context()

KINDS = ("weight-measurements", "heartrate-measurements", "steps-measurements",
         "bloodpressure-measurements")
RESOURCES = ("medication-plans",) + KINDS

BUS = {"events_out_topics": "measurement.,notification.,hello.",
       "events_in_topics": "measurement.",
       "tasks_in_names": "hello."}

DB = None
# Every test weighs its own people: ids from a counter, far from the store's
# auto-increment ids.
_people = itertools.count(7000001)
# Readings of one person need distinct times; a day in 2016 onwards.
_clock = itertools.count(1474925274, 600)


def setUpModule():
    global DB
    require_built(STORE_SO, COMPLIANCE_SO)
    DB = DevDB().start()


def tearDownModule():
    if DB is not None:
        DB.destroy()


def person_id():
    return next(_people)


def when():
    return next(_clock)


def reading(user, value, kind="weight", ts=None, **extra):
    """An intake item."""
    item = {"user_id": user, "type": kind, "input_source": "withings",
            "timestamp": when() if ts is None else ts, "value": value}
    item.update(extra)
    return item


class ComplianceCase(ServerTestCase):
    """One camid for the file's tests; each test uses its own people."""

    @classmethod
    def setUpClass(cls):
        cls.server_options = {"plugins": {"hello": {}, "store": DB.store_config(),
                                          "compliance": {"listeners": "main"}},
                              "bus": BUS}
        super().setUpClass()
        # The store applies the migrations right after start (no gate):
        # wait until every table answers.
        wait_until(cls._all_answer, 20, "every resource to answer (migrations applied)",
                   interval=0.1)

    @classmethod
    def _all_answer(cls):
        for name in RESOURCES + ("user",):
            try:
                r = requests.get(cls.server.url(API + name + "/"), timeout=scaled(5))
            except requests.RequestException:
                return False
            if r.status_code != 200:
                return False
        return True

    # -- HTTP --
    def call(self, method, path, body=None, raw=None):
        kwargs = {"timeout": scaled(10), "allow_redirects": False}
        if raw is not None:
            kwargs["data"] = raw
            kwargs["headers"] = {"Content-Type": "application/json"}
        elif body is not None:
            kwargs["json"] = body
        return requests.request(method, self.server.url(path), **kwargs)

    def get(self, path, status=200):
        r = self.call("GET", path)
        self.assertEqual(r.status_code, status, "GET %s: %s" % (path, r.text))
        return r.json()

    def create(self, name, body):
        r = self.call("POST", API + name + "/", body)
        self.assertEqual(r.status_code, 201, "POST %s %r: %s" % (name, body, r.text))
        self.assertEqual(r.text, "")
        loc = r.headers["Location"]
        self.assertRegex(loc, r"^%s%s/[0-9]+/$" % (API, name))
        return loc

    def listing(self, name, query=""):
        return self.get(API + name + "/" + ("?" + query if query else ""))["objects"]

    def intake(self, body, status=201):
        r = self.call("POST", API + "insertion/measurements/", body)
        self.assertEqual(r.status_code, status, r.text)
        return r.json()

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

    # -- people in the store --
    def store_person(self, first_name, language="en", role="end_user"):
        uid = person_id()
        self.create("user", {"id": str(uid), "username": "u%d" % uid, "first_name": first_name,
                             "language": language, "role": role})
        return uid

    def care_link(self, caregiver, caretaker):
        self.create("caregiverprofile", {"user": str(caregiver), "caretaker": str(caretaker)})

    # -- the bus --
    def socket(self, kind, key):
        s = CTX.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(self.server.bus_endpoint(key))
        self.addCleanup(s.close)
        return s

    def joined_sub(self):
        """A SUB on events_out that camid's PUB already sends to: call
        hello.greet until its hello.greeted event arrives."""
        sub = self.socket(zmq.SUB, "events_out")
        for prefix in (b"hello.", b"measurement.", b"notification."):
            sub.setsockopt(zmq.SUBSCRIBE, prefix)
        dealer = self.socket(zmq.DEALER, "tasks_in")

        def heard():
            dealer.send_multipart([b"", b"hello.greet", b'{"name": "probe"}'])
            if not dealer.poll(int(scaled(2) * 1000)):
                return False
            dealer.recv_multipart()
            while sub.poll(int(scaled(0.1) * 1000)):
                if sub.recv_multipart()[0] == b"hello.greeted":
                    return True
            return False
        wait_until(heard, 10, "a Python SUB to hear camid's PUB (slow joiner)", interval=0)
        return sub

    def joined_pub(self):
        """A PUB on events_in that camid's SUB hears: publish a probe
        reading until it is stored (a resend is a duplicate, so this
        stores exactly one row)."""
        pub = self.socket(zmq.PUB, "events_in")
        probe_user = person_id()
        probe = reading(probe_user, 70.0)

        def heard():
            pub.send_multipart([b"measurement.weight", json.dumps(probe).encode()])
            time.sleep(0.05)
            return self.listing("weight-measurements", "user=%d" % probe_user)
        wait_until(heard, 10, "camid's SUB to hear a Python PUB (slow joiner)", interval=0.05)
        return pub

    def events(self, sub, user, n, timeout=5.0, topic=b"notification."):
        """The next n events on topics starting with `topic` about `user`
        (others are skipped: earlier tests' rules may still be running)."""
        found = []
        deadline = time.monotonic() + scaled(timeout)
        while len(found) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not sub.poll(int(left * 1000)):
                self.fail("got %d of %d %s events for user %s: %r" %
                          (len(found), n, topic, user, found))
            t, payload = sub.recv_multipart()
            body = json.loads(payload)
            if t.startswith(topic) and isinstance(body, dict) and body.get("user_id") == str(user):
                found.append((t.decode(), body))
        return found

    def assert_no_events(self, sub, user, wait=1.0, topic=b"notification."):
        deadline = time.monotonic() + scaled(wait)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sub.poll(int(left * 1000)):
                return
            t, payload = sub.recv_multipart()
            body = json.loads(payload)
            if t.startswith(topic) and isinstance(body, dict) and body.get("user_id") == str(user):
                self.fail("unexpected %s: %r" % (t.decode(), body))


class Resources(ComplianceCase):

    def test_medication_plans(self):
        body = self.get(API + "medication-plans/")
        self.assertEqual(set(body), {"meta", "objects"})
        self.assertEqual(set(body["meta"]), {"limit", "next", "offset", "previous",
                                             "total_count"})
        self.assertEqual(body["meta"]["limit"], 20)
        uri = self.create("medication-plans", {"name": "Aspirin 100 mg", "daily_dose": 1})
        plan = self.get(uri)
        self.assertEqual(set(plan), {"plan_id", "name", "daily_dose", "resource_uri"})
        self.assertIsInstance(plan["plan_id"], int)
        self.assertEqual(plan["resource_uri"], API + "medication-plans/%d/" % plan["plan_id"])
        self.assertEqual((plan["name"], plan["daily_dose"]), ("Aspirin 100 mg", 1))
        # The original's writes: PUT 204, PATCH 202, DELETE 204, then 404.
        r = self.call("PUT", uri, {"name": "Aspirin 100 mg", "daily_dose": 2})
        self.assertEqual(r.status_code, 204, r.text)
        r = self.call("PATCH", uri, {"daily_dose": 3})
        self.assertEqual(r.status_code, 202, r.text)
        self.assertEqual(self.get(uri)["daily_dose"], 3)
        other = self.create("medication-plans", {"name": "Metformin", "daily_dose": 2})
        names = [p["name"] for p in self.listing("medication-plans", "order_by=-name")]
        self.assertLess(names.index("Metformin"), names.index("Aspirin 100 mg"))
        self.assertEqual([p["resource_uri"] for p in
                          self.listing("medication-plans", "name__iexact=metformin")], [other])
        # Bad bodies: 400 naming the field; nothing written.
        self.assertError(self.call("POST", API + "medication-plans/", {"name": "x" * 1001,
                                                                     "daily_dose": 1}),
                         400, "name")
        self.assertError(self.call("POST", API + "medication-plans/", {"name": " ",
                                                                     "daily_dose": 1}),
                         400, "name")
        self.assertError(self.call("POST", API + "medication-plans/", {"name": "X",
                                                                     "daily_dose": "two"}),
                         400, "daily_dose")
        self.assertError(self.call("POST", API + "medication-plans/", {"name": "X"}), 400,
                         "daily_dose")
        self.assertEqual(self.call("DELETE", uri).status_code, 204)
        self.assertError(self.call("GET", uri), 404)
        schema = self.get(API + "medication-plans/schema/")
        self.assertLessEqual({"plan_id", "name", "daily_dose"}, set(schema["fields"]))

    def test_weight_resource_types_order_filters(self):
        user, other = person_id(), person_id()
        t0 = when()
        older = self.create("weight-measurements", {"user_id": str(user), "input_source":
                                                    "withings", "timestamp": str(t0),
                                                    "value": 81.5})
        newer = self.create("weight-measurements", {"user_id": user, "input_source": "withings",
                                                    "timestamp": t0 + 3600, "timezone":
                                                    "Europe/Bucharest", "value": 81.0})
        self.create("weight-measurements", {"user_id": other, "input_source": "withings",
                                            "timestamp": t0, "value": 60})
        obj = self.get(newer)
        self.assertEqual(set(obj), {"id", "user_id", "input_source", "measurement_unit",
                                    "timestamp", "timezone", "value", "resource_uri"})
        self.assertEqual(obj["user_id"], str(user))          # 64-bit: a string
        self.assertEqual(obj["timestamp"], str(t0 + 3600))   # 64-bit: a string
        self.assertIsInstance(obj["id"], int)
        self.assertEqual(obj["value"], 81.0)
        self.assertIsInstance(obj["value"], float)
        self.assertEqual((obj["measurement_unit"], obj["timezone"]), ("kg", "Europe/Bucharest"))
        self.assertEqual(self.get(older)["timezone"], "UTC")
        # newest first; ?user= (the app's filter) and ?user_id= name the same field
        mine = self.listing("weight-measurements", "user=%d" % user)
        self.assertEqual([o["resource_uri"] for o in mine], [newer, older])
        self.assertEqual(self.listing("weight-measurements", "user_id=%d" % user), mine)
        self.assertEqual([o["resource_uri"] for o in self.listing(
            "weight-measurements", "user=%d&order_by=value" % user)], [newer, older])
        self.assertEqual([o["resource_uri"] for o in self.listing(
            "weight-measurements", "user=%d&timestamp__gt=%d" % (user, t0))], [newer])
        self.assertEqual(len(self.listing("weight-measurements",
                                          "user__in=%d,%d" % (user, other))), 3)
        self.assertError(self.call("GET", API + "weight-measurements/?timezone=UTC"), 400,
                         words="does not allow filtering")
        self.assertError(self.call("GET", API + "weight-measurements/?order_by=timezone"), 400)
        # corrections
        self.assertEqual(self.call("PATCH", newer, {"value": 80.9}).status_code, 202)
        self.assertEqual(self.get(newer)["value"], 80.9)
        self.assertEqual(self.call("DELETE", older).status_code, 204)
        self.assertError(self.call("GET", older), 404)

    def test_every_kind_create_and_read(self):
        user = person_id()
        t = when()
        bodies = {
            "heartrate-measurements": {"user_id": str(user), "input_source": "cinch",
                                       "timestamp": str(t), "value": 72},
            "steps-measurements": {"user_id": str(user), "input_source": "fitbit",
                                   "start_timestamp": str(t), "end_timestamp": str(t + 3599),
                                   "value": 1234},
            "bloodpressure-measurements": {"user_id": str(user), "input_source": "withings",
                                           "timestamp": str(t), "systolic": 128,
                                           "diastolic": 82, "pulse": 66},
        }
        units = {"heartrate-measurements": "bpm", "steps-measurements": "steps",
                 "bloodpressure-measurements": "mmHg"}
        for name, body in bodies.items():
            with self.subTest(resource=name):
                uri = self.create(name, body)
                obj = self.get(uri)
                self.assertEqual(obj["user_id"], str(user))
                self.assertEqual(obj["measurement_unit"], units[name])
                for k, v in body.items():
                    self.assertEqual(obj[k], float(v) if isinstance(v, int) else v, k)
                self.assertEqual([o["resource_uri"] for o in
                                  self.listing(name, "user=%d" % user)], [uri])
                schema = self.get(API + name + "/schema/")
                self.assertIn("user_id", schema["fields"])
        # Blood pressure without a pulse: null.
        uri = self.create("bloodpressure-measurements", {
            "user_id": user, "input_source": "withings", "timestamp": t + 60,
            "systolic": 118, "diastolic": 76})
        self.assertIsNone(self.get(uri)["pulse"])
        # Steps newest first by their start.
        later = self.create("steps-measurements", {"user_id": user, "input_source": "fitbit",
                                                   "start_timestamp": t + 3600,
                                                   "end_timestamp": t + 7199, "value": 10})
        self.assertEqual(self.listing("steps-measurements", "user=%d" % user)[0]["resource_uri"],
                         later)

    def test_values_out_of_range_name_the_field(self):
        user, t = person_id(), when()
        cases = [
            ("weight-measurements", {"value": 900}, "value"),
            ("weight-measurements", {"value": -70}, "value"),
            ("weight-measurements", {"measurement_unit": "lb"}, "measurement_unit"),
            ("weight-measurements", {"timestamp": 1474925274000}, "timestamp"),
            ("weight-measurements", {"user_id": "0"}, "user_id"),
            ("weight-measurements", {"input_source": ""}, "input_source"),
            ("weight-measurements", {"input_source": "x" * 21}, "input_source"),
            ("weight-measurements", {"timezone": ""}, "timezone"),
            ("weight-measurements", {"value": "heavy"}, "value"),
            ("weight-measurements", {"colour": "red"}, "colour"),
            ("heartrate-measurements", {"value": 0}, "value"),
            ("heartrate-measurements", {"value": 301}, "value"),
        ]
        base = {"user_id": str(user), "input_source": "withings", "timestamp": t, "value": 70}
        for name, change, field in cases:
            with self.subTest(resource=name, change=change):
                body = dict(base, **change)
                self.assertError(self.call("POST", API + name + "/", body), 400, field)
        self.assertError(self.call("POST", API + "steps-measurements/", {
            "user_id": user, "input_source": "fitbit", "start_timestamp": t,
            "end_timestamp": t - 1, "value": 10}), 400, "end_timestamp")
        self.assertError(self.call("POST", API + "bloodpressure-measurements/", {
            "user_id": user, "input_source": "withings", "timestamp": t, "systolic": 80,
            "diastolic": 120}), 400, "diastolic")
        self.assertError(self.call("POST", API + "bloodpressure-measurements/", {
            "user_id": user, "input_source": "withings", "timestamp": t, "systolic": 120,
            "diastolic": 80, "pulse": 0}), 400, "pulse")
        for name in KINDS:
            self.assertEqual(self.listing(name, "user=%d" % user), [], name)

    def test_duplicate_post_is_409_and_stored_once(self):
        user, t = person_id(), when()
        body = {"user_id": str(user), "input_source": "withings", "timestamp": t, "value": 70}
        self.create("weight-measurements", body)
        self.assertError(self.call("POST", API + "weight-measurements/", body), 409)
        # another source at the same time is another reading
        self.create("weight-measurements", dict(body, input_source="manual"))
        self.assertEqual(len(self.listing("weight-measurements", "user=%d" % user)), 2)


class LastValues(ComplianceCase):

    def lv(self, path, query, status=200):
        r = self.call("GET", API + path + "?" + query)
        self.assertEqual(r.status_code, status, r.text)
        return r.json()

    def test_weight_and_heart_rate(self):
        user, other = person_id(), person_id()
        empty = self.lv("weight-measurements/last_values/", "user=%d" % user)
        self.assertEqual(empty, {"weight": {"amount": [], "data": [], "status": "ok",
                                            "threshold": 80}})
        t = when()
        items = [reading(user, v, ts=t + i * 60) for i, v in enumerate((80.0, 79.5, 77.0))]
        items.append(reading(other, 120.0, ts=t))
        self.intake(items)
        w = self.lv("weight-measurements/last_values/", "user=%d&r=0.42" % user)["weight"]
        self.assertEqual(w["amount"], [80.0, 79.5, 77.0])   # oldest first
        self.assertEqual([d["timestamp"] for d in w["data"]], [t, t + 60, t + 120])
        self.assertEqual([d["status"] for d in w["data"]], ["ok", "warning", "ok"])
        self.assertEqual(w["status"], "warning")
        self.assertAlmostEqual(w["threshold"], (80.0 + 79.5 + 77.0) / 3)
        self.intake([reading(user, v, "heart_rate", ts=t + i * 60)
                     for i, v in enumerate((55, 72, 110))])
        h = self.lv("heartrate-measurements/last_values/", "user=%d" % user)["heart_rate"]
        self.assertEqual(h["amount"], [55.0, 72.0, 110.0])
        self.assertEqual([d["status"] for d in h["data"]], ["warning", "ok", "warning"])
        self.assertEqual(h["status"], "ok")
        # Only the newest 20.
        self.intake([reading(other, 60 + i / 10.0, ts=t + 60 * i) for i in range(1, 25)])
        w = self.lv("weight-measurements/last_values/", "user=%d" % other)["weight"]
        self.assertEqual(len(w["amount"]), 20)
        self.assertEqual(w["amount"][-1], 62.4)

    def test_steps(self):
        user = person_id()
        now = int(time.time())
        today = now - now % 86400
        self.intake([reading(user, 400, "steps", ts=today + 1),
                     reading(user, 300, "steps", ts=today + 2),
                     reading(user, 5000, "steps", ts=today - 86400 * 2 + 10)])
        s = self.lv("steps-measurements/last_values/",
                    "user=%d&units=3&resolution=days" % user)["steps"]
        self.assertEqual(set(s), {"status", "amount", "data"})
        self.assertEqual(s["amount"], [5700.0])
        self.assertEqual([d["value"] for d in s["data"]], [5000.0, 0.0, 700.0])
        self.assertEqual([d["start_timestamp"] for d in s["data"]],
                         [today - 2 * 86400, today - 86400, today])
        for d in s["data"]:
            self.assertEqual(set(d), {"start_timestamp", "end_timestamp", "status", "value"})
        s = self.lv("steps-measurements/last_values/",
                    "user=%d&units=1&resolution=hours" % user)["steps"]
        self.assertEqual(len(s["data"]), 1)
        for query, field in (("user=%d&resolution=days" % user, "units"),
                             ("user=%d&units=0&resolution=days" % user, "units"),
                             ("user=%d&units=1001&resolution=days" % user, "units"),
                             ("user=%d&units=x&resolution=days" % user, "units"),
                             ("user=%d&units=3" % user, "resolution"),
                             ("user=%d&units=3&resolution=weeks" % user, "resolution"),
                             ("units=3&resolution=days", "user")):
            with self.subTest(query=query):
                self.assertError(self.call("GET", API + "steps-measurements/last_values/?" +
                                           query), 400, field)

    def test_blood_pressure_views(self):
        user, t = person_id(), when()
        self.intake([reading(user, {"systolic": 120, "diastolic": 80, "pulse": 64},
                             "blood_pressure", ts=t),
                     reading(user, {"systolic": 165, "diastolic": 95}, "blood_pressure",
                             ts=t + 60)])
        bp = self.lv("bloodpressure-measurements/last_values/", "user=%d" % user)
        self.assertEqual(bp["blood_pressure"]["amount"], ["120/80", "165/95"])
        self.assertEqual([d["status"] for d in bp["blood_pressure"]["data"]], ["ok", "alert"])
        self.assertIsNone(bp["blood_pressure"]["data"][1]["pulse"])
        sys_view = self.lv("bloodpressure-measurements/last_values/systolic/", "user=%d" % user)
        self.assertEqual(sys_view["systolic"]["amount"], [120.0, 165.0])
        pulse = self.lv("bloodpressure-measurements/last_values/pulse/", "user=%d" % user)
        self.assertEqual(pulse["pulse"]["amount"], [64.0])     # not measured: left out
        self.assertEqual(self.call("GET", API + "bloodpressure-measurements/last_values/"
                                   "heart/?user=%d" % user).status_code, 404)

    def test_user_is_required_and_checked(self):
        for path in ("weight-measurements", "heartrate-measurements",
                     "bloodpressure-measurements"):
            for query, words in (("", "required"), ("?user=", "required"),
                                 ("?user=abc", "person's id"), ("?user=-4", "person's id"),
                                 ("?user=0", "person's id"),
                                 ("?user=99999999999999999999", "person's id")):
                with self.subTest(path=path, query=query):
                    self.assertError(self.call("GET", API + path + "/last_values/" + query),
                                     400, "user", words)
        # The literal route wins over the resource's {pk}; no slash: a redirect.
        r = self.call("GET", API + "weight-measurements/last_values?user=1")
        self.assertEqual(r.status_code, 301)
        self.assertEqual(r.headers["Location"], API + "weight-measurements/last_values/?user=1")


class Rules(ComplianceCase):

    def family(self, language="en"):
        elderly = self.store_person("Ada", language)
        caregiver = self.store_person("Ioana", "en", "caregiver")
        self.care_link(caregiver, elderly)
        return elderly, caregiver

    def check_pair(self, events, user, caregiver, kind="weight", severity="medium"):
        by_recipient = {body["recipient_type"]: body for _, body in events}
        self.assertEqual(set(by_recipient), {"elderly", "caregiver"}, events)
        for topic, body in events:
            self.assertEqual(topic, "notification.create")
            self.assertEqual(body["user_id"], str(user))
            self.assertEqual(body["type"], kind)
            self.assertEqual(body["severity"], severity)
            self.assertIsInstance(body["timestamp"], int)
            self.assertTrue(body["message"])
        self.assertEqual(by_recipient["caregiver"]["caregiver_ids"],
                         [str(caregiver)] if caregiver else [])
        return by_recipient

    def test_weight_drop_over_http_notifies_elderly_and_caregiver(self):
        sub = self.joined_sub()
        elderly, caregiver = self.family()
        t = when()
        self.intake(reading(elderly, 80.0, ts=t))
        # the broadcast of the first reading; no rule fires without a previous one
        (topic, b), = self.events(sub, elderly, 1, topic=b"measurement.")
        self.assertEqual(topic, "measurement.weight")
        self.assertEqual(set(b), {"type", "user_id", "input_source", "measurement_unit",
                                  "timestamp", "timezone", "value", "id"})
        self.assertEqual((b["type"], b["user_id"], b["value"], b["timestamp"], b["timezone"]),
                         ("weight", str(elderly), 80.0, t, "UTC"))
        self.assert_no_events(sub, elderly, 0.5)
        self.intake(reading(elderly, 78.0, ts=t + 86400))
        pair = self.check_pair(self.events(sub, elderly, 2), elderly, caregiver)
        self.assertIn("Ada", pair["caregiver"]["message"])
        self.assertIn("2", pair["caregiver"]["message"])
        self.assertIn("decrease", pair["elderly"]["message"])
        self.assertEqual(pair["elderly"]["timestamp"], t + 86400)
        self.assert_no_events(sub, elderly, 0.5)

    def test_weight_through_the_resource_and_in_the_persons_language(self):
        sub = self.joined_sub()
        elderly, caregiver = self.family("ro")
        t = when()
        self.create("weight-measurements", {"user_id": str(elderly), "input_source": "withings",
                                            "timestamp": t, "value": 70.3})
        self.create("weight-measurements", {"user_id": str(elderly), "input_source": "withings",
                                            "timestamp": t + 600, "value": 72.3})
        pair = self.check_pair(self.events(sub, elderly, 2), elderly, caregiver)
        self.assertEqual(pair["elderly"]["language"], "ro")
        self.assertIn("Ada", pair["caregiver"]["message"])

    def test_a_199_kg_change_and_other_peoples_weights_raise_nothing(self):
        sub = self.joined_sub()
        elderly, _ = self.family()
        stranger = person_id()
        t = when()
        self.intake(reading(stranger, 120.0, ts=t))
        self.intake(reading(elderly, 80.0, ts=t + 1))      # 40 kg below the stranger
        self.intake(reading(elderly, 78.01, ts=t + 2))     # 1.99 kg below
        self.events(sub, elderly, 2, topic=b"measurement.")
        self.assert_no_events(sub, elderly, 1.5)

    def test_unknown_person_gets_neutral_texts(self):
        sub = self.joined_sub()
        user = person_id()                                  # not in the store
        t = when()
        self.intake([reading(user, 90.0, ts=t), reading(user, 93.0, ts=t + 60)])
        pair = self.check_pair(self.events(sub, user, 2), user, None)
        self.assertEqual(pair["caregiver"]["language"], "en")
        self.assertNotIn("None", pair["caregiver"]["message"])

    def test_heart_rate_and_blood_pressure_rules(self):
        sub = self.joined_sub()
        elderly, caregiver = self.family()
        self.intake(reading(elderly, 45, "heart_rate"))
        self.check_pair(self.events(sub, elderly, 2), elderly, caregiver, "heart", "high")
        self.intake(reading(elderly, {"systolic": 145, "diastolic": 85}, "blood_pressure"))
        self.check_pair(self.events(sub, elderly, 2), elderly, caregiver, "blood_pressure",
                        "medium")
        self.intake(reading(elderly, 75, "heart_rate"))
        self.intake(reading(elderly, {"systolic": 120, "diastolic": 80, "pulse": 70},
                            "blood_pressure"))
        self.assert_no_events(sub, elderly, 1.0)


    def test_steps_judge_a_day_when_the_next_one_starts(self):
        sub = self.joined_sub()
        elderly, caregiver = self.family()
        day = 1500000000 - 1500000000 % 86400
        self.intake([reading(elderly, 300, "steps", ts=day + 3600),
                     reading(elderly, 200, "steps", ts=day + 7200)])
        self.events(sub, elderly, 2, topic=b"measurement.")
        self.assert_no_events(sub, elderly, 0.5)           # the day is not over
        self.intake(reading(elderly, 50, "steps", ts=day + 86400 + 60))
        events = self.events(sub, elderly, 2)
        by_recipient = {b["recipient_type"]: b for _, b in events}
        self.assertEqual(by_recipient["caregiver"]["severity"], "high")
        self.assertEqual(by_recipient["elderly"]["severity"], "medium")
        for _, body in events:
            self.assertEqual(body["type"], "steps")
            self.assertEqual(body["measurement"]["value"], 500.0)   # the first day's total
            self.assertEqual(body["timestamp"], day + 86400 - 1)
        self.assertEqual(by_recipient["caregiver"]["caregiver_ids"], [str(caregiver)])
        # the second day's other readings do not judge the first day again
        self.intake(reading(elderly, 50, "steps", ts=day + 86400 + 120))
        self.assert_no_events(sub, elderly, 1.0)


class Intake(ComplianceCase):

    def test_http_list_duplicates_stored_once(self):
        sub = self.joined_sub()
        user, t = person_id(), when()
        items = [reading(user, 80.0, ts=t), reading(user, 64, "heart_rate", ts=t),
                 reading(user, 300, "steps", ts=t, end_timestamp=t + 59),
                 reading(user, {"systolic": 120, "diastolic": 80}, "blood_pressure", ts=t)]
        first = self.intake(items)
        self.assertEqual((first["stored"], first["duplicates"]), (4, 0))
        for item, entry, name in zip(items, first["measurements"], KINDS):
            self.assertEqual(entry["type"], item["type"])
            self.assertFalse(entry["duplicate"])
            self.assertEqual(self.get(entry["resource_uri"])["user_id"], str(user))
            self.assertEqual(entry["resource_uri"], API + "%s/%d/" % (name, entry["id"]))
        self.events(sub, user, 4, topic=b"measurement.")
        again = self.intake(items, 200)
        self.assertEqual((again["stored"], again["duplicates"]), (0, 4))
        self.assertTrue(all(e["duplicate"] for e in again["measurements"]))
        one = self.intake(items[0], 200)
        self.assertEqual((one["stored"], one["duplicates"]), (0, 1))
        for name in KINDS:
            self.assertEqual(len(self.listing(name, "user=%d" % user)), 1, name)
        # a duplicate is neither broadcast nor judged again
        self.assert_no_events(sub, user, 1.0, topic=b"")
        # the unslashed path is served too (a 301 would turn the POST into a GET)
        r = self.call("POST", API + "insertion/measurements", reading(user, 81.0))
        self.assertEqual(r.status_code, 201, r.text)

    def test_http_bad_input_is_400_and_stores_nothing(self):
        user, t = person_id(), when()
        good = reading(user, 80.0, ts=t)
        cases = [
            (dict(good, value=900), "value", None),
            (dict(good, value=-1), "value", None),
            (dict(good, value="80"), "value", None),
            (dict(good, user_id="ada"), "user_id", None),
            (dict(good, user_id=-3), "user_id", None),
            (dict(good, timestamp="yesterday"), "timestamp", None),
            (dict(good, timestamp=-1), "timestamp", None),
            (dict(good, type="pressure"), "type", None),
            (dict(good, input_source=7), "input_source", None),
            (dict(good, measurement_unit="lb"), "measurement_unit", None),
            (dict(good, extra=1), "extra", None),
            ({k: v for k, v in good.items() if k != "value"}, "value", None),
            (reading(user, 0, "heart_rate", ts=t), "value", None),
            (reading(user, 120, "blood_pressure", ts=t), "value", None),
            (reading(user, {"systolic": 120}, "blood_pressure", ts=t), "value.diastolic", None),
            (reading(user, 100, "steps", ts=t, end_timestamp=t - 1), "end_timestamp", None),
            ([good, dict(good, timestamp=t + 1, value=1000)], "value", 1),
        ]
        for body, field, index in cases:
            with self.subTest(body=body):
                err = self.assertError(self.call("POST", API + "insertion/measurements/", body),
                                       400, field)
                if index is not None:
                    self.assertEqual(err["index"], index)
        for raw, words in (("", "empty"), ("{bad", "measurement"), ("[]", "empty"),
                           ("42", "measurement"), ("[42]", "JSON object")):
            with self.subTest(raw=raw):
                self.assertError(self.call("POST", API + "insertion/measurements/", raw=raw),
                                 400, words=words)
        r = self.call("POST", API + "insertion/measurements/", [good] * 1001)
        self.assertError(r, 400, words="at most 1000")
        for name in KINDS:
            self.assertEqual(self.listing(name, "user=%d" % user), [], name)

    def test_partner_event_stored_and_judged_once(self):
        sub = self.joined_sub()
        pub = self.joined_pub()
        elderly = self.store_person("Ada")
        caregiver = self.store_person("Ioana", role="caregiver")
        self.care_link(caregiver, elderly)
        t = when()
        first = {"user_id": str(elderly), "input_source": "linkwatch", "timestamp": t,
                 "value": 82.0, "timezone": "Europe/Copenhagen"}
        pub.send_multipart([b"measurement.weight", json.dumps(first).encode()])
        wait_until(lambda: self.listing("weight-measurements", "user=%d" % elderly), 5,
                   "the partner's first weight to be stored")
        second = dict(first, timestamp=t + 600, value=79.5)
        pub.send_multipart([b"measurement.weight", json.dumps(second).encode()])
        events = self.events(sub, elderly, 2)
        self.assertEqual({b["recipient_type"] for _, b in events}, {"elderly", "caregiver"})
        rows = self.listing("weight-measurements", "user=%d" % elderly)
        self.assertEqual([(r["timestamp"], r["value"], r["input_source"], r["timezone"])
                          for r in rows],
                         [(str(t + 600), 79.5, "linkwatch", "Europe/Copenhagen"),
                          (str(t), 82.0, "linkwatch", "Europe/Copenhagen")])
        # The same event again: stored once, judged once.
        pub.send_multipart([b"measurement.weight", json.dumps(second).encode()])
        # A broadcast (it carries the row's id) is not stored again either.
        echo = dict(second, timestamp=t + 1200, id=rows[0]["id"])
        pub.send_multipart([b"measurement.weight", json.dumps(echo).encode()])
        self.assert_no_events(sub, elderly, 1.0)
        self.assertEqual(len(self.listing("weight-measurements", "user=%d" % elderly)), 2)

    def test_bad_partner_events_are_refused_and_counted(self):
        pub = self.joined_pub()
        user, t = person_id(), when()
        before = metric_values(self.server.port()).get("camid_bus_handler_errors_total", 0)
        bad = [
            (b"measurement.weight", {"user_id": user, "input_source": "x", "timestamp": t,
                                     "value": 900}),
            (b"measurement.weight", {"user_id": user, "input_source": "x", "timestamp": t,
                                     "value": 80, "type": "steps"}),
            (b"measurement.pulse", {"user_id": user, "input_source": "x", "timestamp": t,
                                    "value": 80}),
            (b"measurement.weight", {"user_id": user, "input_source": "x", "value": 80}),
            (b"measurement.weight", [1, 2, 3]),
        ]
        for topic, payload in bad:
            pub.send_multipart([topic, json.dumps(payload).encode()])
        wait_until(lambda: metric_values(self.server.port()).get(
            "camid_bus_handler_errors_total", 0) >= before + len(bad), 5,
            "the refused events to be counted")
        for name in KINDS:
            self.assertEqual(self.listing(name, "user=%d" % user), [], name)
        self.assertIn("measurement.weight refused, nothing stored: 'value': must be at most 400",
                      self.server.stderr())


class ShippedConfig(unittest.TestCase):
    """etc/camid.conf as shipped, with the built plugins: it loads."""

    def test_camid_conf_loads_with_compliance(self):
        tmp = tempfile.mkdtemp(prefix="camid-etc-")
        self.addCleanup(shutil.rmtree, tmp, True)
        shutil.copytree(os.path.join(SRCDIR, "etc"), os.path.join(tmp, "etc"))
        os.makedirs(os.path.join(tmp, "plugins"))
        os.symlink(PLUGIN_DIR, os.path.join(tmp, "plugins", ".libs"))
        proc = run_camid(["-t", "-c", os.path.join(tmp, "etc", "camid.conf")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("configuration OK", proc.stdout + proc.stderr)
        info = run_camid(["--plugin-info", COMPLIANCE_SO])
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn("dependencies: store", info.stdout)


if __name__ == "__main__":
    main()
