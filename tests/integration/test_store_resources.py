#!/usr/bin/python3
"""The store's own REST resources (plugins/store/resources/*.json on the
tables of plugins/store/migrations/), through a real camid with the store
plugin against a private MariaDB: list shapes and list keys, creating each
kind, relations as URIs both ways, care links, measurements with JSON
value_info, filters and ordering, the journal's acknowledged flag, 64-bit
user ids that a JS double cannot hold, deletes, 404s and foreign keys.

The test starts its own MariaDB with scripts/devdb in a temporary directory
on a free port and stops it at the end; camid applies the store's
migrations when it starts.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_store_resources.py
"""

import itertools
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402

from harness import (PLUGIN_DIR, DevDB, ServerTestCase, main, require_built, scaled,  # noqa: E402
                     wait_until)

STORE_SO = os.path.join(PLUGIN_DIR, "store.so")
API = "/api/v1/"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
# 2^53 + 1: the first integer a JavaScript number (an IEEE double) cannot
# hold; JSON.parse would read it as ...992. The API sends it as a string.
BIG_ID = "9007199254740993"
BIG_ID_NEIGHBOUR = "9007199254740992"

# resource -> its list key
RESOURCES = {
    "user": "users",
    "enduserprofile": "objects",
    "caregiverprofile": "objects",
    "healthprofessionalprofile": "objects",
    "healthprofessionalpatient": "objects",
    "device": "devices",
    "deviceusage": "objects",
    "measurement": "measurements",
    "journal_entries": "objects",
    "pushnotificationdevice": "objects",
}
TABLES = {"store_user", "store_enduserprofile", "store_caregiverprofile",
          "store_healthprofessionalprofile", "store_healthprofessionalpatient", "store_device",
          "store_deviceusage", "store_measurement", "store_journalentry",
          "store_pushnotificationdevice"}

DB = None
_serial = itertools.count(1)


def setUpModule():
    global DB
    require_built(STORE_SO)
    DB = DevDB().start()


def tearDownModule():
    if DB is not None:
        DB.destroy()


def pk_of(uri):
    """The key at the end of "/api/v1/<name>/<pk>/"."""
    m = re.search(r"/([^/]+)/$", uri)
    if m is None:
        raise AssertionError("not an object URI: %r" % uri)
    return m.group(1)


class StoreResources(ServerTestCase):
    """One camid with the store for every test; each test makes its own
    people, so the tests do not depend on each other's rows."""

    @classmethod
    def setUpClass(cls):
        cls.server_options = {"plugins": {"store": DB.store_config()}}
        super().setUpClass()
        # Migrations run right after start, a table at a time; until they
        # are done a table may not exist yet (plugins/store/README.md: there
        # is no gate). Wait until every resource's list answers.
        wait_until(cls._all_answer, 20, "every resource to answer (migrations applied)",
                   interval=0.1)

    @classmethod
    def _all_answer(cls):
        for name in RESOURCES:
            try:
                r = requests.get(cls.server.url(API + name + "/"), timeout=scaled(5))
            except requests.RequestException:
                return False
            if r.status_code != 200:
                return False
        return True

    # -- HTTP helpers --
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

    def listing(self, name, query=""):
        body = self.get(API + name + "/" + ("?" + query if query else ""))
        return body[RESOURCES[name]]

    def create(self, name, body, status=201):
        """POST; returns the new object's path (from Location)."""
        r = self.call("POST", API + name + "/", body)
        self.assertEqual(r.status_code, status, "POST %s %r: %s" % (name, body, r.text))
        loc = r.headers.get("Location")
        self.assertIsNotNone(loc, "201 without Location")
        m = re.search(r"(/api/v1/%s/[^/]+/)$" % re.escape(name), loc)
        self.assertIsNotNone(m, "Location %r is not an object of %s" % (loc, name))
        return m.group(1)

    def assertError(self, r, status, field=None):
        """A JSON error answer; status may be a range (lo, hi)."""
        if isinstance(status, tuple):
            self.assertTrue(status[0] <= r.status_code <= status[1],
                            "expected %r: %d %s" % (status, r.status_code, r.text))
        else:
            self.assertEqual(r.status_code, status, r.text)
        self.assertEqual(r.headers.get("Content-Type", "").split(";")[0], "application/json")
        body = r.json()
        self.assertIsInstance(body.get("error"), str, body)
        self.assertTrue(body["error"])
        if field is not None:
            self.assertEqual(body.get("field"), field, body)
        return body

    def person(self, role="end_user", **fields):
        """A new user; returns its URI."""
        n = next(_serial)
        body = {"username": "person-%d" % n, "first_name": "P%d" % n, "role": role}
        body.update(fields)
        return self.create("user", body)

    # -- the schema and the list shapes --
    def test_tables_are_innodb_utf8mb4(self):
        rows = DB.sql("SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
                      "WHERE TABLE_SCHEMA = 'cami' AND TABLE_NAME LIKE 'store\\_%'")
        found = {}
        for line in rows.splitlines()[1:]:
            name, engine, collation = line.split("\t")
            found[name] = (engine, collation)
        self.assertLessEqual(TABLES, set(found))
        for name in TABLES:
            engine, collation = found[name]
            self.assertEqual(engine, "InnoDB", name)
            self.assertTrue(collation.startswith("utf8mb4_"), (name, collation))

    def test_list_shapes_and_schema(self):
        for name, key in RESOURCES.items():
            with self.subTest(resource=name):
                body = self.get(API + name + "/?r=0.123")   # the app's cache buster: ignored
                self.assertEqual(set(body), {"meta", key}, body)
                self.assertIsInstance(body[key], list)
                meta = body["meta"]
                self.assertEqual(set(meta), {"limit", "next", "offset", "previous",
                                             "total_count"})
                self.assertEqual((meta["limit"], meta["offset"], meta["previous"]), (20, 0, None))
                schema = self.get(API + name + "/schema/")
                self.assertIn("fields", schema)
                self.assertIn("id", schema["fields"])
        # Without the trailing slash: a redirect to it, as Django did.
        r = self.call("GET", API + "measurement")
        self.assertEqual(r.status_code, 301)
        self.assertEqual(r.headers["Location"], API + "measurement/")

    # -- users and 64-bit ids --
    def test_user_ids_are_64_bit_strings(self):
        uri = self.create("user", {"id": BIG_ID, "username": "withings-big",
                                   "first_name": "\u0218tefan", "language": "ro"})
        self.assertEqual(uri, API + "user/%s/" % BIG_ID)
        # A JSON number is taken exactly too (no detour through a double).
        uri2 = self.create("user", {"id": int(BIG_ID_NEIGHBOUR), "username": "withings-big-2"})
        self.assertEqual(uri2, API + "user/%s/" % BIG_ID_NEIGHBOUR)
        u = self.get(uri)
        self.assertEqual(u["id"], BIG_ID)
        self.assertEqual(u["resource_uri"], uri)
        self.assertEqual(u["first_name"], "\u0218tefan")
        self.assertEqual((u["role"], u["language"], u["is_active"]), ("end_user", "ro", True))
        self.assertEqual((u["last_name"], u["email"], u["gender"]), ("", None, None))
        self.assertRegex(u["date_joined"], DATETIME)
        # Filters tell ...992 from ...993.
        found = self.listing("user", "id=" + BIG_ID)
        self.assertEqual([x["id"] for x in found], [BIG_ID])
        found = self.listing("user", "id__in=%s,%s&order_by=-id" % (BIG_ID, BIG_ID_NEIGHBOUR))
        self.assertEqual([x["id"] for x in found], [BIG_ID, BIG_ID_NEIGHBOUR])
        # Relations carry the exact id.
        m = self.create("measurement", {"user": uri, "measurement_type": "weight",
                                        "unit_type": "kg", "timestamp": "1474925274",
                                        "value_info": {"value": 80.1}})
        self.assertEqual(self.get(m)["user"], uri)
        self.assertEqual([x["resource_uri"] for x in
                          self.listing("measurement", "user=" + BIG_ID)], [m])
        self.assertEqual(self.listing("measurement", "user=" + BIG_ID_NEIGHBOUR), [])
        # Outside 1 .. 2^63-1: refused, naming the field.
        for bad in ("9223372036854775808", "0", "-5", "12abc", 1.5):
            with self.subTest(id=bad):
                r = self.call("POST", API + "user/", {"id": bad, "username": "bad-%s" % bad})
                self.assertError(r, 400, "id")

    def test_user_auto_id_put_patch(self):
        uri = self.create("user", {"username": "auto-id"})
        self.assertRegex(pk_of(uri), r"^[0-9]+$")
        self.assertEqual(self.get(uri)["id"], pk_of(uri))
        # PUT on a free id creates the user with that id.
        path = API + "user/11262861/"
        r = self.call("PUT", path, {"username": "put-made", "first_name": "Jim",
                                    "role": "caregiver", "language": "dk"})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(self.get(path)["id"], "11262861")
        # PUT again replaces: what it leaves out returns to the default.
        r = self.call("PUT", path, {"username": "put-made", "first_name": "James"})
        self.assertEqual(r.status_code, 204, r.text)
        u = self.get(path)
        self.assertEqual((u["first_name"], u["role"], u["language"]),
                         ("James", "end_user", "en"))
        r = self.call("PATCH", path, {"language": "pl", "timezone": "Europe/Warsaw"})
        self.assertEqual(r.status_code, 202, r.text)
        u = self.get(path)
        self.assertEqual((u["first_name"], u["language"], u["timezone"]),
                         ("James", "pl", "Europe/Warsaw"))
        # Choices, and usernames unique without regard to case.
        self.assertError(self.call("PATCH", path, {"language": "de"}), 400, "language")
        self.assertError(self.call("PATCH", path, {"role": "admin"}), 400, "role")
        self.assertError(self.call("POST", API + "user/", {"username": "PUT-MADE"}), 409)
        self.assertError(self.call("POST", API + "user/", {"first_name": "no username"}), 400,
                         "username")
        # Filters and ordering the resource allows, and those it does not.
        self.assertEqual([x["id"] for x in self.listing("user", "username__iexact=Put-Made")],
                         ["11262861"])
        self.assertIn("11262861", [x["id"] for x in self.listing("user", "language__in=pl,ro")])
        self.assertError(self.call("GET", API + "user/?phone=1"), 400)
        self.assertError(self.call("GET", API + "user/?order_by=phone"), 400)

    # -- roles and care links --
    def test_care_links(self):
        elderly = self.person(first_name="Ada", language="ro")
        daughter = self.person("caregiver", first_name="Ioana", language="en")
        son = self.person("caregiver", first_name="Mihai")
        doctor = self.person("doctor", first_name="Dr. Pop")
        link = self.create("caregiverprofile", {"user": daughter, "caretaker": elderly,
                                                "relationship": "daughter"})
        obj = self.get(link)
        self.assertEqual((obj["user"], obj["caretaker"], obj["relationship"]),
                         (daughter, elderly, "daughter"))
        self.assertEqual(obj["resource_uri"], link)
        self.assertRegex(obj["created_at"], DATETIME)
        # A bare id is accepted as well as a URI.
        link2 = self.create("caregiverprofile", {"user": pk_of(son), "caretaker": pk_of(elderly)})
        self.assertEqual(self.get(link2)["user"], son)
        # Who cares for the elderly person, and whom the daughter cares for.
        cares = self.listing("caregiverprofile", "caretaker=" + pk_of(elderly))
        self.assertEqual(sorted(x["user"] for x in cares), sorted([daughter, son]))
        self.assertEqual([x["caretaker"] for x in
                          self.listing("caregiverprofile", "user=" + pk_of(daughter))], [elderly])
        # The same pair twice, a link to oneself, a link to nobody.
        self.assertError(self.call("POST", API + "caregiverprofile/",
                                   {"user": daughter, "caretaker": elderly}), 409)
        self.assertError(self.call("POST", API + "caregiverprofile/",
                                   {"user": daughter, "caretaker": daughter}), 400)
        self.assertError(self.call("POST", API + "caregiverprofile/",
                                   {"user": daughter, "caretaker": API + "user/424242424242/"}),
                         (400, 499))
        # A URI of another resource is not a user.
        self.assertError(self.call("POST", API + "caregiverprofile/",
                                   {"user": API + "device/1/", "caretaker": elderly}), 400,
                         "user")
        # Health professional and patient.
        prof = self.create("healthprofessionalprofile", {"user": doctor, "title": "Dr.",
                                                         "affiliation": "Spitalul Judetean",
                                                         "specialty": "cardiology"})
        self.assertEqual(self.get(prof)["user"], doctor)
        self.assertError(self.call("POST", API + "healthprofessionalprofile/", {"user": doctor}),
                         409)
        pat = self.create("healthprofessionalpatient", {"health_professional": doctor,
                                                        "patient": elderly})
        self.assertEqual(self.get(pat)["patient"], elderly)
        self.assertEqual([x["health_professional"] for x in
                          self.listing("healthprofessionalpatient", "patient=" + pk_of(elderly))],
                         [doctor])
        self.assertEqual([x["user"] for x in self.listing(
            "healthprofessionalprofile", "specialty__iexact=Cardiology&user=" + pk_of(doctor))],
            [doctor])
        # The end user's own profile: one per person, values checked.
        profile = self.create("enduserprofile", {"user": elderly, "marital_status": "widowed",
                                                 "age": 81, "height": 158})
        p = self.get(profile)
        self.assertEqual((p["user"], p["marital_status"], p["age"], p["height"]),
                         (elderly, "widowed", 81, 158))
        self.assertError(self.call("POST", API + "enduserprofile/", {"user": elderly}), 409)
        self.assertError(self.call("PATCH", profile, {"age": 151}), 400, "age")
        self.assertError(self.call("PATCH", profile, {"marital_status": "complicated"}), 400,
                         "marital_status")
        # Roles are a filter.
        roles = {x["resource_uri"]: x["role"] for x in self.listing(
            "user", "role__in=caregiver,doctor&limit=0")}
        self.assertEqual((roles[daughter], roles[son], roles[doctor]),
                         ("caregiver", "caregiver", "doctor"))
        self.assertNotIn(elderly, roles)

    # -- devices --
    def test_devices_and_usage(self):
        ada = self.person()
        r = self.call("POST", API + "device/", {"device_type": "weight", "manufacturer": "Withings",
                                               "model": "WS-50", "serial_number": "00:24:e4:aa",
                                               "device_identifier": "withings-7734"})
        self.assertEqual(r.status_code, 201, r.text)
        dev = r.json()    # return_data: the object comes back
        self.assertEqual(r.headers["Location"].rsplit(API, 1)[-1],
                         dev["resource_uri"].rsplit(API, 1)[-1])
        self.assertEqual((dev["device_type"], dev["model"], dev["activation_date"]),
                         ("weight", "WS-50", None))
        self.assertIsInstance(dev["id"], int)
        self.assertRegex(dev["created_at"], DATETIME)
        devices = self.get(API + "device/?device_type=weight&manufacturer__iexact=withings")
        self.assertIn(dev["resource_uri"], [d["resource_uri"] for d in devices["devices"]])
        self.assertError(self.call("POST", API + "device/", {"device_identifier": "withings-7734"}),
                         409)
        self.assertError(self.call("POST", API + "device/", {"device_type": "toaster"}), 400,
                         "device_type")
        access = {"access_token": "a" * 40, "refresh_token": "r-\u00e9", "expires_at": 1700000000,
                  "scope": ["user.metrics"], "userid": 11262861}
        use = self.create("deviceusage", {"user": ada, "device": dev["resource_uri"],
                                          "access_info": access,
                                          "uses_since": "2017-03-01T08:00:00"})
        u = self.get(use)
        self.assertEqual((u["user"], u["device"], u["access_info"], u["uses_since"]),
                         (ada, dev["resource_uri"], access, "2017-03-01T08:00:00"))
        self.assertEqual([x["resource_uri"] for x in
                          self.listing("deviceusage", "device=%d" % dev["id"])], [use])
        self.assertError(self.call("POST", API + "deviceusage/", {"user": ada,
                                                                 "device": dev["resource_uri"]}),
                         409)
        self.assertError(self.call("GET", API + "deviceusage/?access_info=x"), 400)
        # PATCH of the tokens only (a refresh).
        access["access_token"] = "b" * 40
        self.assertEqual(self.call("PATCH", use, {"access_info": access}).status_code, 202)
        self.assertEqual(self.get(use)["access_info"], access)
        # A device that is gone: its usages go with it.
        self.assertEqual(self.call("DELETE", dev["resource_uri"]).status_code, 204)
        self.get(use, 404)

    # -- measurements --
    def test_measurement_value_info_round_trips(self):
        ada = self.person()
        value = {"systolic": 120, "diastolic": 80, "pulse": 64.5,
                 "extra": {"arrhythmia": False, "readings": [1, 2.25, None, "x"]},
                 "note": "dup\u0103 mas\u0103 \U0001F48A"}
        r = self.call("POST", API + "measurement/", {
            "user": ada, "measurement_type": "blood_pressure", "unit_type": "mmhg",
            "timestamp": "1474925274", "timezone": "Europe/Bucharest", "value_info": value})
        self.assertEqual(r.status_code, 201, r.text)
        body = r.json()
        self.assertTrue(r.headers["Location"].endswith(body["resource_uri"]))
        for obj in (body, self.get(body["resource_uri"])):
            self.assertEqual(obj["value_info"], value)
            self.assertEqual(obj["timestamp"], "1474925274")   # bigint: a string
            self.assertEqual((obj["user"], obj["device"], obj["ok"]), (ada, None, None))
            self.assertEqual((obj["measurement_type"], obj["unit_type"], obj["timezone"]),
                             ("blood_pressure", "mmhg", "Europe/Bucharest"))
            self.assertIsInstance(obj["id"], int)
        # A plain number is JSON too.
        m = self.create("measurement", {"user": ada, "measurement_type": "steps",
                                        "unit_type": "steps", "timestamp": 1474925300,
                                        "value_info": 4512, "ok": True})
        self.assertEqual((self.get(m)["value_info"], self.get(m)["ok"]), (4512, True))
        # What the store refuses, and which field it names.
        good = {"user": ada, "measurement_type": "weight", "unit_type": "kg",
                "timestamp": "1474925274", "value_info": {"value": 70}}
        for field, value in (("measurement_type", "temperature"), ("unit_type", "stone"),
                             ("timestamp", "yesterday"), ("timestamp", -1),
                             ("value_info", None), ("user", None), ("device", "/api/v1/user/1/")):
            with self.subTest(field=field, value=value):
                self.assertError(self.call("POST", API + "measurement/",
                                           dict(good, **{field: value})), 400, field)
        missing = dict(good)
        del missing["value_info"]
        self.assertError(self.call("POST", API + "measurement/", missing), 400, "value_info")
        self.assertError(self.call("POST", API + "measurement/", raw="{\"user\": "), 400)

    def test_measurement_filters_and_order(self):
        ada, bob = self.person(), self.person()
        uid = pk_of(ada)
        made = {}
        for ts, kind, unit, v in ((1000, "weight", "kg", 80.0), (3000, "weight", "kg", 78.0),
                                  (2000, "pulse", "bpm", 64), (5000, "saturation", "percent", 97),
                                  (4000, "sleep", "seconds", 27000)):
            made[ts] = self.create("measurement", {"user": ada, "measurement_type": kind,
                                                   "unit_type": unit, "timestamp": str(ts),
                                                   "value_info": {"value": v}})
        self.create("measurement", {"user": bob, "measurement_type": "weight", "unit_type": "kg",
                                    "timestamp": "3500", "value_info": {"value": 90}})

        def stamps(query):
            return [int(x["timestamp"]) for x in self.listing("measurement", query)]

        # Newest first by default; order_by turns it round.
        self.assertEqual(stamps("user=" + uid), [5000, 4000, 3000, 2000, 1000])
        self.assertEqual(stamps("user=%s&order_by=timestamp" % uid), [1000, 2000, 3000, 4000, 5000])
        self.assertEqual(stamps("user=%s&measurement_type=weight" % uid), [3000, 1000])
        self.assertEqual(stamps("user=%s&measurement_type__in=weight,pulse" % uid),
                         [3000, 2000, 1000])
        self.assertEqual(stamps("user=%s&measurement_type__iexact=SLEEP" % uid), [4000])
        self.assertEqual(stamps("user=%s&timestamp__gte=2000&timestamp__lt=5000" % uid),
                         [4000, 3000, 2000])
        self.assertEqual(stamps("user__in=%s,%s&measurement_type=weight&timestamp__gt=2000"
                                % (uid, pk_of(bob))), [3500, 3000])
        self.assertEqual(stamps("user=%s&timestamp=3000" % uid), [3000])
        # Pages.
        body = self.get(API + "measurement/?user=%s&limit=2&offset=2" % uid)
        self.assertEqual([int(x["timestamp"]) for x in body["measurements"]], [3000, 2000])
        meta = body["meta"]
        self.assertEqual((meta["total_count"], meta["limit"], meta["offset"]), (5, 2, 2))
        self.assertIn("offset=4", meta["next"])
        self.assertIn("offset=0", meta["previous"])
        # Filters and orderings the resource does not declare.
        for query in ("timezone=UTC", "value_info=1", "unit_type__gt=a", "timestamp__in=1",
                      "order_by=unit_type", "order_by=value_info"):
            with self.subTest(query=query):
                self.assertError(self.call("GET", API + "measurement/?" + query), 400)
        self.assertError(self.call("GET", API + "measurement/?timestamp__gt=soon"), 400)

    # -- journal entries --
    def test_journal_entries(self):
        ada = self.person(first_name="Ada")
        daughter = self.person("caregiver")
        m = self.create("measurement", {"user": ada, "measurement_type": "weight",
                                        "unit_type": "kg", "timestamp": "1474925274",
                                        "value_info": {"value": 68.2}})
        mid = int(pk_of(m))
        r = self.call("POST", API + "journal_entries/", {
            "user": daughter, "type": "weight", "severity": "medium", "timestamp": "1474925300",
            "message": "Ada lost 2.1 kg", "description": "You can contact her and see what's wrong.",
            "reference_id": mid})
        self.assertEqual(r.status_code, 201, r.text)
        entry = r.json()
        self.assertEqual((entry["acknowledged"], entry["reference_id"], entry["user"],
                          entry["timestamp"]), (False, mid, daughter, "1474925300"))
        older = self.create("journal_entries", {
            "user": ada, "type": "weight", "severity": "medium", "timestamp": "1474925290",
            "message": "There's a decrease of 2.1 kg in your weight.",
            "description": "Please take your meals regularly.", "reference_id": mid})
        newer = self.create("journal_entries", {
            "user": ada, "type": "heart", "severity": "high", "timestamp": "1474929999",
            "message": "Hey Ada! Your heart rate is quite low: 52. \u2764"})
        self.assertEqual(self.get(newer)["description"], "")
        self.assertIsNone(self.get(newer)["reference_id"])
        # The app marks an entry as seen.
        r = self.call("PATCH", older, {"acknowledged": True})
        self.assertEqual(r.status_code, 202, r.text)
        self.assertIs(r.json()["acknowledged"], True)
        got = self.get(older)
        self.assertIs(got["acknowledged"], True)
        self.assertEqual(got["message"], "There's a decrease of 2.1 kg in your weight.")
        self.assertError(self.call("PATCH", older, {"acknowledged": "yes"}), 400, "acknowledged")
        # Newest first; filters by person, time, flag, type and what raised it.
        uid = pk_of(ada)
        listed = self.listing("journal_entries", "user=" + uid)
        self.assertEqual([x["resource_uri"] for x in listed], [newer, older])
        self.assertEqual([x["resource_uri"] for x in
                          self.listing("journal_entries", "user=%s&acknowledged=false" % uid)],
                         [newer])
        self.assertEqual([x["resource_uri"] for x in self.listing(
            "journal_entries", "user=%s&timestamp__gt=1474925290" % uid)], [newer])
        self.assertEqual([x["resource_uri"] for x in self.listing(
            "journal_entries", "reference_id=%d&order_by=timestamp" % mid)],
            [older, entry["resource_uri"]])
        self.assertEqual(len(self.listing("journal_entries",
                                          "user=%s&type__in=heart&severity=high" % uid)), 1)
        self.assertError(self.call("POST", API + "journal_entries/", {
            "user": ada, "type": "weight", "severity": "critical", "timestamp": "1",
            "message": "x"}), 400, "severity")
        self.assertError(self.call("POST", API + "journal_entries/", {
            "user": ada, "type": "weight", "severity": "low", "timestamp": "1",
            "message": "m" * 513}), 400, "message")
        self.assertEqual(self.call("DELETE", newer).status_code, 204)
        self.get(newer, 404)

    # -- push devices --
    def test_push_notification_devices(self):
        ada = self.person()
        token = "f" * 64
        r = self.call("POST", API + "pushnotificationdevice/", {
            "user": ada, "type": "APNS", "registration_id": token, "name": "Ada's iPhone",
            "other_info": {"app_version": "1.4"}})
        self.assertEqual(r.status_code, 201, r.text)
        dev = r.json()
        self.assertEqual((dev["active"], dev["user"], dev["other_info"], dev["device_id"]),
                         (True, ada, {"app_version": "1.4"}, None))
        fcm = self.create("pushnotificationdevice", {"user": ada, "type": "FCM",
                                                     "registration_id": "dGVzdA:APA91b" + "x" * 140,
                                                     "active": False})
        # The same token twice for one service is one device; tokens are
        # case-sensitive.
        self.assertError(self.call("POST", API + "pushnotificationdevice/",
                                   {"user": ada, "type": "APNS", "registration_id": token}), 409)
        self.create("pushnotificationdevice", {"user": ada, "type": "APNS",
                                               "registration_id": token.upper()})
        self.assertError(self.call("POST", API + "pushnotificationdevice/",
                                   {"user": ada, "type": "SMS", "registration_id": "1"}), 400,
                         "type")
        # Where to push: the person's active devices.
        active = self.listing("pushnotificationdevice", "user=%s&active=true" % pk_of(ada))
        self.assertEqual(sorted(x["registration_id"] for x in active), [token.upper(), token])
        self.assertEqual([x["resource_uri"] for x in self.listing(
            "pushnotificationdevice", "registration_id=" + token)], [dev["resource_uri"]])
        r = self.call("PATCH", fcm, {"active": True})
        self.assertEqual(r.status_code, 202, r.text)
        self.assertEqual(len(self.listing("pushnotificationdevice",
                                          "user=%s&active=1" % pk_of(ada))), 3)
        self.assertEqual(self.call("DELETE", dev["resource_uri"]).status_code, 204)
        self.get(dev["resource_uri"], 404)

    # -- deletes, 404s and foreign keys --
    def test_missing_objects_are_404(self):
        for name in RESOURCES:
            with self.subTest(resource=name):
                self.assertError(self.call("GET", API + name + "/424242424/"), 404)
                self.assertError(self.call("DELETE", API + name + "/424242424/"), 404)
                self.assertError(self.call("PATCH", API + name + "/424242424/", {}), 404)
                self.assertError(self.call("GET", API + name + "/abc/"), 404)

    def test_foreign_keys(self):
        # A measurement for nobody: the database refuses it, as a JSON 4xx.
        r = self.call("POST", API + "measurement/", {
            "user": API + "user/424242424242/", "measurement_type": "weight", "unit_type": "kg",
            "timestamp": "1", "value_info": {"value": 1}})
        self.assertError(r, (400, 499))
        self.assertEqual(self.listing("measurement", "user=424242424242"), [])
        r = self.call("POST", API + "deviceusage/", {"user": self.person(),
                                                    "device": API + "device/424242424/"})
        self.assertError(r, (400, 499))
        # Deleting a person with health data is refused; without it, the
        # person goes and so does what only described them.
        ada = self.person()
        carer = self.person("caregiver")
        link = self.create("caregiverprofile", {"user": carer, "caretaker": ada})
        profile = self.create("enduserprofile", {"user": ada})
        push = self.create("pushnotificationdevice", {"user": ada, "type": "GCM",
                                                      "registration_id": "fk-test-token"})
        m = self.create("measurement", {"user": ada, "measurement_type": "pulse",
                                        "unit_type": "bpm", "timestamp": "5",
                                        "value_info": {"value": 70}})
        j = self.create("journal_entries", {"user": ada, "type": "pulse", "severity": "low",
                                            "timestamp": "6", "message": "ok"})
        self.assertError(self.call("DELETE", ada), (400, 499))
        self.get(ada)
        self.assertEqual(self.call("DELETE", m).status_code, 204)
        self.assertError(self.call("DELETE", ada), (400, 499))
        self.assertEqual(self.call("DELETE", j).status_code, 204)
        self.assertEqual(self.call("DELETE", ada).status_code, 204)
        for gone in (ada, link, profile, push):
            self.get(gone, 404)
        self.get(carer)


if __name__ == "__main__":
    main()
