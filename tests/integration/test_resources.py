#!/usr/bin/python3
"""The store's resource engine (resource_add in sdk/include/cami/store.h)
against a real MariaDB, checked path by path against the contract in the
header and, where the header is silent, against Tastypie 0.13 (what the
original CAMI clients were written against,
/work/shared/reference/cami-original-api.md section 2): list shape and meta,
limits and offsets, every filter op on every field type, ordering, detail,
writes and their status codes, validation errors, the hooks (validate,
written, scope), /schema/, trailing-slash redirects, 405s, injection
attempts, duplicate keys, the database going away, and spec checks at load.

camid loads store and resbed (tests/plugins/resbed.c: resources things,
kinds, catalog and memos on the tables of its migrations in
tests/plugins/resbed-migrations/). The test starts its own MariaDB with
scripts/devdb in a temporary directory and stops it at the end. Each test
empties the tables and loads what it needs with SQL through the mariadb
client, so the engine is checked against rows it did not write.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_resources.py
"""

import http.client
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (PLUGIN_DIR, SRCDIR, Camid, DevDB, main, render_config,  # noqa: E402
                     require_built, run_camid, scaled, tail, test_plugin, wait_until)

RESBED = test_plugin("resbed")
STORE_SO = os.path.join(PLUGIN_DIR, "store.so")
MIGRATIONS = os.path.join(SRCDIR, "tests", "plugins", "resbed-migrations")
BIG = "9007199254740993"        # 2^53 + 1: a double cannot hold it
BIG_MINUS = "9007199254740992"
THINGS = "/api/v1/things/"
KINDS = "/api/v1/kinds/"
MEMOS = "/api/v2/memos/"
CATALOG = "/api/v1/catalog/"

DB = None
SERVER = None
SEEDED_TABLES = None    # snapshot() of the seeded tables


def setUpModule():
    global DB, SERVER, SEEDED_TABLES
    require_built(RESBED, STORE_SO)
    DB = DevDB().start()
    # index_refresh: OrderingIndex sees an index created again within 1 s.
    SERVER = Camid(plugins={"store": DB.store_config(index_refresh=1000),
                            "resbed": {"module": RESBED, "migrations": MIGRATIONS}})
    try:
        SERVER.start()
        wait_until(lambda: "schema up to date" in SERVER.stderr(), 20, "resbed's migrations")
        sql(SEED)
        SEEDED_TABLES = snapshot()
    except BaseException:
        if SERVER.running():
            SERVER.kill()
        DB.destroy()
        raise


def tearDownModule():
    try:
        if SERVER is not None and SERVER.proc is not None:
            SERVER.stop_checked()
    finally:
        if DB is not None:
            DB.destroy()


# ---------------------------------------------------------------------------
# HTTP and SQL helpers

_NOBODY = object()


class Response:
    """status, header(name), body (bytes), json()."""

    def __init__(self, method, target, resp):
        self.method, self.target = method, target
        self.status = resp.status
        self.headers = resp.getheaders()
        self.body = resp.read()

    def header(self, name):
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError("%s %s: body is not JSON (%s): %r" %
                                 (self.method, self.target, e, self.body[:300])) from e

    def __repr__(self):
        return "<%s %s: %d %r %r>" % (self.method, self.target, self.status, self.headers,
                                       self.body[:300])


def call(method, target, body=_NOBODY, raw=None, headers=None):
    """One request on a fresh connection, the target sent exactly as given.
    body: JSON-encoded; raw: bytes sent as is."""
    hdrs = dict(headers or {})
    data = None
    if raw is not None:
        data = raw
        hdrs.setdefault("Content-Type", "application/json")
    elif body is not _NOBODY:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    if data is not None:
        hdrs["Content-Length"] = str(len(data))
    conn = http.client.HTTPConnection("127.0.0.1", SERVER.port(), timeout=scaled(10))
    try:
        conn.request(method, target, data, hdrs)
        return Response(method, target, conn.getresponse())
    finally:
        conn.close()


def get(target, headers=None):
    return call("GET", target, headers=headers)


def target(path, params=()):
    """path?query from a list of (name, value), percent-encoded."""
    if not params:
        return path
    return path + "?" + urllib.parse.urlencode(list(params))


def sql(statements):
    return DB.sql(statements)


def sql_rows(query):
    """Rows of a SELECT as dicts of strings ("NULL" for NULL)."""
    lines = sql(query).splitlines()
    if not lines:
        return []
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"))) for line in lines[1:]]


def sql_value(query):
    rows = sql_rows(query)
    return list(rows[0].values())[0] if rows else None


def snapshot():
    """Every row of the test tables, to check that nothing was written."""
    return sql("SELECT * FROM kinds ORDER BY id; SELECT * FROM things ORDER BY id; "
               "SELECT * FROM memos ORDER BY id;")


def clear_log():
    r = call("DELETE", "/resbed/log")
    assert r.status == 204, r


def hook_log():
    r = get("/resbed/log")
    assert r.status == 200, r
    return r.json()


def location_path(r):
    loc = r.header("Location")
    if loc is None:
        return None
    parts = urllib.parse.urlsplit(loc)
    return parts.path + ("?" + parts.query if parts.query else "")


def split_uri(uri):
    """A next/previous link as (path, {param: [values]})."""
    parts = urllib.parse.urlsplit(uri)
    return parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def sorted_everywhere(pairs_list):
    """object_pairs_hook: raises when an object's keys are not sorted."""
    keys = [k for k, _ in pairs_list]
    if keys != sorted(keys):
        raise AssertionError("keys not sorted: %r" % keys)
    return dict(pairs_list)


# ---------------------------------------------------------------------------
# Fixtures

SEED = """
DELETE FROM things; DELETE FROM memos; DELETE FROM kinds;
ALTER TABLE things AUTO_INCREMENT = 1; ALTER TABLE kinds AUTO_INCREMENT = 1;
ALTER TABLE memos AUTO_INCREMENT = 1;
INSERT INTO kinds (id, label) VALUES (1, 'Fruit'), (2, 'Tool'), (3, 'Other');
INSERT INTO things (id, name, code, size, count, user_id, ratio, notes, active, happened,
                    extra, kind_id, owner) VALUES
 (1, 'apple', 'A1', 'S', 5, 9, 0.5, 'red', 1, '2026-01-01 10:00:00', '{"a": 1}', 1, 'alice'),
 (2, 'Banana', 'B2', 'M', 10, 10, 1.5, NULL, 0, '2026-02-01 10:00:00', NULL, 1, 'bob'),
 (3, 'cherry', NULL, 'L', 0, 9007199254740993, NULL, 'x', 1, NULL, '[1, 2]', 2, 'alice'),
 (4, 'date', 'D4', 'M', 100, 9007199254740992, 99.5, NULL, 0, '2026-03-01 12:30:00', NULL,
  NULL, NULL),
 (5, 'Elder', NULL, 'S', 9, 18, 0, '', 1, '2026-01-01 10:00:00', NULL, 3, 'carol');
INSERT INTO memos (id, body, at) VALUES (1, 'first', '2026-01-02 00:00:00'),
 (2, 'second', '2026-01-03 00:00:00'), (9007199254740993, 'big', '2026-01-01 00:00:00');
ALTER TABLE memos AUTO_INCREMENT = 10;
ALTER TABLE things AUTO_INCREMENT = 10;
ALTER TABLE kinds AUTO_INCREMENT = 10;
"""


def thing(id, name, code, size, count, user_id, ratio, notes, active, happened, extra, kind,
          owner, touched=None):
    return {"id": id, "name": name, "code": code, "size": size, "count": count,
            "user_id": user_id, "ratio": ratio, "notes": notes, "active": active,
            "happened": happened, "extra": extra,
            "kind": None if kind is None else "%s%d/" % (KINDS, kind), "owner": owner,
            "touched": touched, "resource_uri": "%s%d/" % (THINGS, id)}


SEEDED = {
    1: thing(1, "apple", "A1", "S", 5, "9", 0.5, "red", True, "2026-01-01T10:00:00",
             {"a": 1}, 1, "alice"),
    2: thing(2, "Banana", "B2", "M", 10, "10", 1.5, None, False, "2026-02-01T10:00:00",
             None, 1, "bob"),
    3: thing(3, "cherry", None, "L", 0, BIG, None, "x", True, None, [1, 2], 2, "alice"),
    4: thing(4, "date", "D4", "M", 100, BIG_MINUS, 99.5, None, False, "2026-03-01T12:30:00",
             None, None, None),
    5: thing(5, "Elder", None, "S", 9, "18", 0, "", True, "2026-01-01T10:00:00", None, 3,
             "carol"),
}

MEMOS_SEEDED = {
    "1": {"id": "1", "body": "first", "at": "2026-01-02T00:00:00",
          "resource_uri": MEMOS + "1/"},
    "2": {"id": "2", "body": "second", "at": "2026-01-03T00:00:00",
          "resource_uri": MEMOS + "2/"},
    BIG: {"id": BIG, "body": "big", "at": "2026-01-01T00:00:00",
          "resource_uri": MEMOS + BIG + "/"},
}


class ResourceCase(unittest.TestCase):
    """Every test starts from the seeded tables and an empty hook log."""

    maxDiff = None

    def setUp(self):
        sql(SEED)
        clear_log()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result is not None and SERVER is not None and \
                len(result.failures) + len(result.errors) > before:
            sys.stderr.write("--- camid stderr after %s ---\n%s\n" %
                             (self.id(), tail(SERVER.stderr())))
        return out

    # -- assertions --

    def assertStatus(self, r, status):
        self.assertEqual(r.status, status, r)

    def assertJsonError(self, r, status, text=None):
        self.assertEqual(r.status, status, r)
        ctype = (r.header("Content-Type") or "").split(";")[0].strip().lower()
        self.assertEqual(ctype, "application/json", r)
        body = r.json()
        self.assertIsInstance(body, dict, r)
        self.assertIsInstance(body.get("error"), str, r)
        self.assertTrue(body["error"], r)
        if text is not None:
            self.assertEqual(r.json()["error"], text)
        return r.json()

    def assertBadBody(self, r, field=None, whole=False):
        """400 {"error": ..., "field": ...} naming the field at fault (checked
        when given); whole: the body as a whole is wrong (not a JSON object),
        so no field is named: {"error": ...} alone."""
        body = self.assertJsonError(r, 400)
        if whole:
            self.assertEqual(set(body), {"error"}, body)
            return body
        self.assertEqual(set(body), {"error", "field"}, body)
        if field is not None:
            self.assertEqual(body["field"], field, body)
        return body

    def list_of(self, path, params=(), headers=None):
        r = get(target(path, params), headers)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def ids(self, params=(), path=THINGS, headers=None, key="objects"):
        return [o["id"] for o in self.list_of(path, params, headers)[key]]

    def detail(self, id, path=THINGS, headers=None):
        r = get("%s%s/" % (path, id), headers)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def mark(self):
        """The tables and the written hook's log now, for assertNothingWritten."""
        return snapshot(), len(hook_log()["written"])

    def assertNothingWritten(self, before, what):
        tables, written = before
        self.assertEqual(snapshot(), tables, "%s changed the tables" % what)
        self.assertEqual(hook_log()["written"][written:], [], "%s: written hook called" % what)

    def post(self, body, path=THINGS, headers=None):
        """POST that must succeed: (Location path, response)."""
        r = call("POST", path, body, headers=headers)
        self.assertStatus(r, 201)
        loc = location_path(r)
        self.assertIsNotNone(loc, "no Location: %r" % r)
        self.assertTrue(loc.startswith(path), loc)
        return loc, r


# ---------------------------------------------------------------------------
# Lists: shape, meta, pages

class Lists(ResourceCase):
    def fill(self, n):
        """n more things, ids 10.., names t10.. (the seeded five stay)."""
        sql("INSERT INTO things (id, name, user_id) SELECT seq, CONCAT('t', seq), seq "
            "FROM seq_10_to_%d" % (9 + n))

    def test_shape_and_meta(self):
        r = get(THINGS)
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type").split(";")[0], "application/json")
        body = r.json()
        self.assertEqual(set(body), {"meta", "objects"})
        self.assertEqual(body["meta"], {"limit": 20, "next": None, "offset": 0,
                                        "previous": None, "total_count": 5})
        self.assertEqual(body["objects"], [SEEDED[i] for i in range(1, 6)])

    def test_keys_sorted_like_tastypie(self):
        sql("UPDATE things SET extra = '{\"z\": 1, \"a\": {\"y\": 2, \"b\": 3}}' WHERE id = 2")
        for path in (THINGS, THINGS + "1/", THINGS + "2/", MEMOS, MEMOS + "1/",
                     THINGS + "schema/", MEMOS + "schema/"):
            with self.subTest(path=path):
                r = get(path)
                self.assertStatus(r, 200)
                json.loads(r.body.decode(), object_pairs_hook=sorted_everywhere)

    def test_default_limit_next_previous(self):
        self.fill(25)   # 30 in all
        body = self.list_of(THINGS)
        self.assertEqual(len(body["objects"]), 20)
        meta = body["meta"]
        self.assertEqual((meta["limit"], meta["offset"], meta["total_count"]), (20, 0, 30))
        self.assertIsNone(meta["previous"])
        self.assertEqual(split_uri(meta["next"]), (THINGS, {"limit": ["20"], "offset": ["20"]}))
        body = self.list_of(THINGS, [("offset", "20")])
        self.assertEqual(len(body["objects"]), 10)
        self.assertEqual([o["id"] for o in body["objects"]], list(range(25, 35)))
        self.assertIsNone(body["meta"]["next"])
        self.assertEqual(split_uri(body["meta"]["previous"]),
                         (THINGS, {"limit": ["20"], "offset": ["0"]}))

    def test_links_keep_other_parameters(self):
        self.fill(25)
        params = [("r", "123"), ("limit", "5"), ("offset", "5"), ("order_by", "-count"),
                  ("order_by", "id"), ("size", "M")]
        body = self.list_of(THINGS, params)
        meta = body["meta"]
        # size=M: 2 and 4 seeded, every filled row (default 'M').
        self.assertEqual(meta["total_count"], 27)
        self.assertEqual((meta["limit"], meta["offset"]), (5, 5))
        kept = {"r": ["123"], "order_by": ["-count", "id"], "size": ["M"]}
        self.assertEqual(split_uri(meta["next"]),
                         (THINGS, dict(kept, limit=["5"], offset=["10"])))
        self.assertEqual(split_uri(meta["previous"]),
                         (THINGS, dict(kept, limit=["5"], offset=["0"])))
        # Following next gives the next page.
        nxt = self.list_of(meta["next"])
        self.assertEqual(nxt["meta"]["offset"], 10)
        ordered = self.ids([("order_by", "-count"), ("order_by", "id"), ("size", "M"),
                            ("limit", "0")])
        self.assertEqual([o["id"] for o in body["objects"]], ordered[5:10])
        self.assertEqual([o["id"] for o in nxt["objects"]], ordered[10:15])

    def test_limit_zero_and_cap(self):
        self.fill(1000)   # 1005 in all
        body = self.list_of(THINGS, [("limit", "0")])
        self.assertEqual(body["meta"]["limit"], 1000)
        self.assertEqual(len(body["objects"]), 1000)
        self.assertEqual(body["meta"]["total_count"], 1005)
        self.assertEqual(split_uri(body["meta"]["next"]),
                         (THINGS, {"limit": ["1000"], "offset": ["1000"]}))
        body = self.list_of(THINGS, [("limit", "5000")])
        self.assertEqual(body["meta"]["limit"], 1000)
        self.assertEqual(len(body["objects"]), 1000)
        body = self.list_of(THINGS, [("limit", "1000"), ("offset", "1000")])
        self.assertEqual(len(body["objects"]), 5)
        self.assertIsNone(body["meta"]["next"])

    def test_limit_and_offset_values(self):
        body = self.list_of(THINGS, [("limit", "2"), ("offset", "1")])
        self.assertEqual([o["id"] for o in body["objects"]], [2, 3])
        self.assertEqual(body["meta"]["limit"], 2)
        self.assertEqual(body["meta"]["offset"], 1)
        body = self.list_of(THINGS, [("offset", "100")])
        self.assertEqual(body["objects"], [])
        self.assertEqual(body["meta"]["total_count"], 5)
        self.assertIsNone(body["meta"]["next"])
        # The total rides in the page's rows (its filter's parameters bound
        # twice); a page past the end counts on its own, with the filter.
        for offset, objects in ((0, [1, 3, 5]), (2, [5]), (3, []), (50, [])):
            body = self.list_of(THINGS, [("active", "true"), ("name__in", "apple,cherry,Elder,date"),
                                         ("limit", "2"), ("offset", str(offset))])
            self.assertEqual([o["id"] for o in body["objects"]], objects[:2])
            self.assertEqual(body["meta"]["total_count"], 3, offset)

    def test_bad_limit_and_offset(self):
        self.assertJsonError(get(target(THINGS, [("limit", "x")])), 400,
                             "Invalid limit 'x' provided. Please provide a positive integer.")
        for bad in ("-1", "1.5", "", "1e3", "0x10", "ten"):
            r = get(target(THINGS, [("limit", bad)]))
            body = self.assertJsonError(r, 400)
            self.assertTrue(body["error"].startswith("Invalid limit '%s' provided." % bad),
                            body)
        for bad in ("x", "-1", "2.5", ""):
            r = get(target(THINGS, [("offset", bad)]))
            body = self.assertJsonError(r, 400)
            self.assertTrue(body["error"].startswith("Invalid offset '%s' provided." % bad),
                            body)

    def test_unknown_parameters_ignored(self):
        self.assertEqual(self.ids([("r", "123"), ("format", "json"), ("bogus", "x"),
                                   ("bogus__gt", "1"), ("_", "1")]), [1, 2, 3, 4, 5])

    def test_other_list_key_and_prefix(self):
        r = get(MEMOS)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(set(body), {"meta", "memos"})
        self.assertEqual(body["meta"], {"limit": 20, "next": None, "offset": 0,
                                        "previous": None, "total_count": 3})
        # default_order ["-at"]
        self.assertEqual(body["memos"], [MEMOS_SEEDED["2"], MEMOS_SEEDED["1"],
                                         MEMOS_SEEDED[BIG]])
        body = self.list_of(MEMOS, [("limit", "1"), ("offset", "1"), ("r", "7")])
        self.assertEqual(body["memos"], [MEMOS_SEEDED["1"]])
        self.assertEqual(split_uri(body["meta"]["next"]),
                         (MEMOS, {"limit": ["1"], "offset": ["2"], "r": ["7"]}))
        self.assertEqual(split_uri(body["meta"]["previous"]),
                         (MEMOS, {"limit": ["1"], "offset": ["0"], "r": ["7"]}))
        self.assertEqual(get("/api/v1/memos/").status, 404)

    def test_empty_table(self):
        sql("DELETE FROM things")
        self.assertEqual(self.list_of(THINGS), {
            "meta": {"limit": 20, "next": None, "offset": 0, "previous": None,
                     "total_count": 0}, "objects": []})


# ---------------------------------------------------------------------------
# Filters

class Filters(ResourceCase):
    def check(self, cases):
        for params, expected in cases:
            with self.subTest(params=params):
                body = self.list_of(THINGS, params)
                self.assertEqual([o["id"] for o in body["objects"]], expected)
                self.assertEqual(body["meta"]["total_count"], len(expected))

    def test_integer(self):
        self.check([
            ([("count", "5")], [1]),
            ([("count__exact", "10")], [2]),
            ([("count__in", "0,100")], [3, 4]),
            ([("count__in", "9")], [5]),
            ([("count__gt", "9")], [2, 4]),
            ([("count__gte", "9")], [2, 4, 5]),
            ([("count__lt", "9")], [1, 3]),
            ([("count__lte", "9")], [1, 3, 5]),
            ([("id", "2")], [2]),
            ([("id__in", "1,3,77")], [1, 3]),
            ([("id__gt", "3")], [4, 5]),
            ([("count", "6")], []),
        ])

    def test_bigint_exact_to_the_last_digit(self):
        # filter_name "user" names user_id in query strings.
        self.check([
            ([("user", "9")], [1]),
            ([("user", BIG)], [3]),
            ([("user__exact", BIG_MINUS)], [4]),
            ([("user__in", "9,10")], [1, 2]),
            ([("user__in", BIG + ",18")], [3, 5]),
            ([("user__gt", "10")], [3, 4, 5]),
            ([("user__gte", BIG)], [3]),
            ([("user__gt", BIG_MINUS)], [3]),
            ([("user__lt", "10")], [1]),
            ([("user__lte", "18")], [1, 2, 5]),
            ([("user__lt", BIG)], [1, 2, 4, 5]),
        ])

    def test_float(self):
        self.check([
            ([("ratio", "0.5")], [1]),
            ([("ratio__exact", "0")], [5]),
            ([("ratio__gt", "0.5")], [2, 4]),
            ([("ratio__gte", "0.5")], [1, 2, 4]),
            ([("ratio__lt", "1.5")], [1, 5]),
            ([("ratio__lte", "1.5")], [1, 2, 5]),
            ([("ratio__gt", "1")], [2, 4]),
        ])

    def test_string(self):
        self.check([
            ([("name", "apple")], [1]),
            ([("name__exact", "cherry")], [3]),
            ([("name__iexact", "BANANA")], [2]),
            ([("name__iexact", "elder")], [5]),
            ([("name__in", "apple,cherry")], [1, 3]),
            ([("name__in", "apple")], [1]),
            ([("name", "appl")], []),
            ([("size", "M")], [2, 4]),
            ([("size__in", "S,L")], [1, 3, 5]),
            ([("code", "A1")], [1]),
            ([("owner", "alice")], [1, 3]),
        ])

    def test_boolean(self):
        self.check([
            ([("active", "true")], [1, 3, 5]),
            ([("active", "false")], [2, 4]),
            ([("active__exact", "false")], [2, 4]),
        ])

    def test_datetime(self):
        self.check([
            ([("happened", "2026-01-01T10:00:00")], [1, 5]),
            ([("happened__exact", "2026-03-01T12:30:00")], [4]),
            ([("happened__gt", "2026-01-01T10:00:00")], [2, 4]),
            ([("happened__gte", "2026-01-01T10:00:00")], [1, 2, 4, 5]),
            ([("happened__lt", "2026-02-01T10:00:00")], [1, 5]),
            ([("happened__lte", "2026-02-01T10:00:00")], [1, 2, 5]),
            ([("happened__in", "2026-01-01T10:00:00,2026-03-01T12:30:00")], [1, 4, 5]),
        ])

    def test_related(self):
        self.check([
            ([("kind", "1")], [1, 2]),
            ([("kind__exact", "2")], [3]),
            ([("kind__in", "2,3")], [3, 5]),
        ])

    def test_combined(self):
        self.check([
            ([("size", "M"), ("active", "false")], [2, 4]),
            ([("count__gte", "5"), ("kind", "1")], [1, 2]),
            ([("count__gte", "5"), ("count__lte", "9")], [1, 5]),
            ([("name__in", "apple,date"), ("active", "true")], [1]),
        ])

    def test_field_that_does_not_allow_filtering(self):
        for name in ("notes", "extra", "touched"):
            for param in (name, name + "__exact"):
                with self.subTest(param=param):
                    self.assertJsonError(get(target(THINGS, [(param, "x")])), 400,
                                         "The '%s' field does not allow filtering." % name)
        self.assertJsonError(get(target(MEMOS, [("at", "2026-01-02T00:00:00")])), 400)

    def test_op_not_allowed_on_the_field(self):
        for param, value in (("name__gt", "a"), ("name__lte", "a"), ("ratio__in", "0.5"),
                             ("active__in", "true"), ("size__iexact", "m"),
                             ("kind__gt", "1"), ("owner__in", "alice"), ("code__iexact", "a1")):
            with self.subTest(param=param):
                field, op = param.split("__")
                self.assertJsonError(get(target(THINGS, [(param, value)])), 400,
                                     "'%s' is not an allowed filter on the '%s' field."
                                     % (op, field))

    def test_unknown_op_on_a_known_field(self):
        for param in ("name__regex", "count__bogus", "count__gt__lt", "id__"):
            with self.subTest(param=param):
                self.assertJsonError(get(target(THINGS, [(param, "1")])), 400)

    def test_bad_filter_values(self):
        for param, value in (("count", "abc"), ("count__in", "1,x"), ("count__gt", ""),
                             ("id", "1.5"), ("user", "abc"), ("user", "99999999999999999999"),
                             ("ratio__gt", "much"), ("happened", "yesterday"),
                             ("happened__gt", "2026-13-01T00:00:00"), ("kind", "x"),
                             ("active", "maybe")):
            with self.subTest(param=param, value=value):
                self.assertJsonError(get(target(THINGS, [(param, value)])), 400)


# ---------------------------------------------------------------------------
# Ordering

class Ordering(ResourceCase):
    def test_default_is_the_primary_key(self):
        sql("UPDATE things SET id = id + 10 WHERE id IN (1, 2)")   # 3 4 5 11 12
        self.assertEqual(self.ids(), [3, 4, 5, 11, 12])

    def test_orders(self):
        cases = [
            ([("order_by", "name")], [1, 2, 3, 4, 5]),
            ([("order_by", "-name")], [5, 4, 3, 2, 1]),
            ([("order_by", "-count")], [4, 2, 5, 1, 3]),
            ([("order_by", "count")], [3, 1, 5, 2, 4]),
            ([("order_by", "-id")], [5, 4, 3, 2, 1]),
            ([("order_by", "size"), ("order_by", "-count")], [3, 4, 2, 5, 1]),
            ([("order_by", "-size"), ("order_by", "count")], [1, 5, 2, 4, 3]),
            # Ties end with the primary key: 1 and 5 share a time.
            ([("order_by", "happened")], [3, 1, 5, 2, 4]),
            ([("order_by", "ratio")], [3, 5, 1, 2, 4]),
            ([("order_by", "count"), ("count__gt", "0"), ("limit", "2"), ("offset", "1")],
             [5, 2]),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                self.assertEqual(self.ids(params), expected)

    def test_memos_default_order_and_override(self):
        self.assertEqual(self.ids(path=MEMOS, key="memos"), ["2", "1", BIG])
        self.assertEqual(self.ids([("order_by", "at")], path=MEMOS, key="memos"),
                         [BIG, "1", "2"])
        self.assertEqual(self.ids([("order_by", "body")], path=MEMOS, key="memos"),
                         [BIG, "1", "2"])

    def test_not_allowed(self):
        for value in ("notes", "-notes", "extra", "owner", "touched", "code"):
            with self.subTest(order_by=value):
                self.assertJsonError(get(target(THINGS, [("order_by", value)])), 400,
                                     "The '%s' field does not allow ordering."
                                     % value.lstrip("-"))
        # One bad among good ones is still 400.
        self.assertJsonError(get(target(THINGS, [("order_by", "name"),
                                                 ("order_by", "notes")])), 400)

    def test_unknown_field(self):
        self.assertJsonError(get(target(THINGS, [("order_by", "bogus")])), 400,
                             "No matching 'bogus' field for ordering on.")
        for value in ("", "-", "--name", "name__gt"):
            with self.subTest(order_by=value):
                self.assertJsonError(get(target(THINGS, [("order_by", value)])), 400)


# ---------------------------------------------------------------------------
# Detail and routing

class OrderingIndex(ResourceCase):
    """An unfiltered page reads the index that orders it (things_count, from
    resbed's migration 0002) even where MariaDB would scan and sort a small
    table; an index dropped under the store costs nothing but a retry."""

    ROWS = 1000

    def setUp(self):
        super().setUp()
        sql("INSERT INTO things (id, name, user_id, count) SELECT seq, CONCAT('t', seq), seq, "
            "(seq * 7919) %% 997 FROM seq_10_to_%d; ANALYZE TABLE things;" % (9 + self.ROWS))

    def tearDown(self):
        if not sql_rows("SHOW INDEX FROM things WHERE Key_name = 'things_count'"):
            sql("CREATE INDEX things_count ON things (count)")

    @staticmethod
    def scan_reads():
        """Rows read by table scans on the server so far."""
        return int(sql_rows("SHOW GLOBAL STATUS LIKE 'Handler_read_rnd_next'")[0]["Value"])

    def page(self, params):
        """(ids, rows the server read by scans for it)."""
        before = self.scan_reads()
        ids = self.ids(params)
        return ids, self.scan_reads() - before

    def expected(self, order, limit, offset=0):
        return [int(r["id"]) for r in sql_rows(
            "SELECT id FROM things ORDER BY %s LIMIT %d OFFSET %d" % (order, limit, offset))]

    def assertServerWouldSort(self, order, limit):
        """The test's premise: MariaDB's own plan for the page scans and sorts
        the table (10.11 does for a table this small), so reading the index
        is the store's doing."""
        plan = sql_rows("EXPLAIN SELECT * FROM things ORDER BY %s LIMIT %d" % (order, limit))
        self.assertIn("filesort", plan[0]["Extra"], plan)

    def test_unfiltered_page_reads_the_index(self):
        params = [("order_by", "-count"), ("limit", "50")]
        want = self.expected("count DESC, id DESC", 50)
        self.assertServerWouldSort("count DESC, id DESC", 50)
        # The store may learn the table's indexes with this first page.
        self.assertEqual(self.page(params)[0], want)
        deadline = time.monotonic() + 10
        while True:
            ids, scanned = self.page(params)
            self.assertEqual(ids, want)
            if scanned < self.ROWS // 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertLess(scanned, self.ROWS // 2, "the page still scans the table")
        # Pages further on, ascending, and with the default order's key.
        self.assertEqual(self.ids([("order_by", "count"), ("limit", "20"), ("offset", "40")]),
                         self.expected("count, id", 20, 40))
        # A filtered page is the server's to plan; its rows are the same.
        self.assertEqual(self.ids([("order_by", "count"), ("count__gte", "500"), ("limit", "3")]),
                         [int(r["id"]) for r in sql_rows(
                             "SELECT id FROM things WHERE count >= 500 ORDER BY count, id "
                             "LIMIT 3")])

    def test_index_dropped_under_the_store(self):
        params = [("order_by", "count"), ("limit", "50")]
        want = self.expected("count, id", 50)
        self.assertServerWouldSort("count, id", 50)
        deadline = time.monotonic() + 10
        while self.page(params)[1] >= self.ROWS // 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        sql("DROP INDEX things_count ON things")
        # The hinted statement fails with 1176; the page runs again without.
        r = get(target(THINGS, params))
        self.assertStatus(r, 200)
        self.assertEqual([o["id"] for o in r.json()["objects"]], want)
        self.assertIn("the page runs without the index", SERVER.stderr())
        ids, scanned = self.page(params)
        self.assertEqual(ids, want)
        self.assertGreaterEqual(scanned, self.ROWS)
        # Back again: the store learns it anew (index_refresh is 1 s here).
        sql("CREATE INDEX things_count ON things (count)")
        deadline = time.monotonic() + 15
        while self.page(params)[1] >= self.ROWS // 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertLess(self.page(params)[1], self.ROWS // 2, "the index was not learnt again")


class Details(ResourceCase):
    def test_detail(self):
        for i in range(1, 6):
            r = get("%s%d/" % (THINGS, i))
            self.assertStatus(r, 200)
            self.assertEqual(r.json(), SEEDED[i])
        self.assertEqual(self.detail("2", path=KINDS),
                         {"id": 2, "label": "Tool", "resource_uri": KINDS + "2/"})
        self.assertEqual(self.detail("3", path=CATALOG),
                         {"id": 3, "label": "Other", "resource_uri": CATALOG + "3/"})

    def test_missing_and_bad_pks(self):
        for pk in ("999", "0", "-1", "abc", "1.0", "1e0", "%201", "1%20", "0x1", "+1",
                   "99999999999999999999999"):
            with self.subTest(pk=pk):
                self.assertJsonError(get("%s%s/" % (THINGS, pk)), 404)
        for pk in ("3", "9007199254740992", "x"):
            with self.subTest(memo=pk):
                self.assertJsonError(get("%s%s/" % (MEMOS, pk)), 404)

    def test_bigint_primary_key(self):
        self.assertEqual(self.detail(BIG, path=MEMOS), MEMOS_SEEDED[BIG])
        self.assertEqual(self.detail("1", path=MEMOS), MEMOS_SEEDED["1"])

    def test_trailing_slash_redirect(self):
        for path, to in (("/api/v1/things", THINGS), ("/api/v1/things/1", THINGS + "1/"),
                         ("/api/v1/things/schema", THINGS + "schema/"),
                         ("/api/v2/memos", MEMOS),
                         ("/api/v1/things?limit=1&r=2", THINGS + "?limit=1&r=2")):
            with self.subTest(path=path):
                r = get(path)
                self.assertStatus(r, 301)
                self.assertEqual(location_path(r), to)

    def test_methods_not_allowed(self):
        before = self.mark()
        for method, path in (("DELETE", THINGS), ("PUT", THINGS), ("PATCH", THINGS),
                             ("POST", THINGS + "1/"),
                             ("POST", CATALOG), ("PUT", CATALOG + "1/"),
                             ("PATCH", CATALOG + "1/"), ("DELETE", CATALOG + "1/"),
                             ("DELETE", CATALOG), ("POST", CATALOG + "1/"),
                             ("POST", THINGS + "schema/"), ("PUT", THINGS + "schema/"),
                             ("PATCH", THINGS + "schema/"), ("DELETE", THINGS + "schema/")):
            with self.subTest(method=method, path=path):
                body = {"label": "New"} if method != "DELETE" else _NOBODY
                r = call(method, path, body)
                self.assertJsonError(r, 405)
                allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
                self.assertIn("GET", allow)
                self.assertNotIn(method, allow)
        self.assertNothingWritten(before, "405s")
        # GET stays allowed.
        self.assertEqual(self.ids(path=CATALOG), [1, 2, 3])

    def test_schema(self):
        r = get(THINGS + "schema/")
        self.assertStatus(r, 200)
        s = r.json()
        fields = s["fields"]
        for name in ("id", "name", "code", "size", "count", "user_id", "ratio", "notes",
                     "active", "happened", "extra", "kind", "owner", "touched"):
            self.assertIn(name, fields)
        self.assertEqual(fields["name"]["help_text"], "what it is called")
        self.assertEqual(fields["id"]["help_text"], "the thing's number")
        for name, flag, value in (("id", "readonly", True), ("touched", "readonly", True),
                                  ("name", "readonly", False), ("ratio", "nullable", True),
                                  ("name", "nullable", False), ("code", "unique", True),
                                  ("name", "unique", False)):
            with self.subTest(field=name, flag=flag):
                self.assertIs(fields[name][flag], value)
        self.assertEqual(fields["size"]["default"], "M")
        self.assertEqual(fields["count"]["default"], 0)
        # Filters (Tastypie: "filtering", an op list or 1 for ALL).
        filtering = s["filtering"]
        self.assertEqual(sorted(filtering["name"]), ["exact", "iexact", "in"])
        self.assertIn("user", filtering)
        self.assertNotIn("notes", filtering)
        count = filtering["count"]
        self.assertIn(sorted(count) if isinstance(count, list) else count,
                      (1, "all", ["exact", "gt", "gte", "iexact", "in", "lt", "lte"]))
        self.assertEqual(sorted(s["ordering"]),
                         sorted(["id", "name", "count", "ratio", "happened", "size"]))
        self.assertEqual([m.lower() for m in s["allowed_list_http_methods"]], ["get", "post"])
        self.assertEqual(sorted(m.lower() for m in s["allowed_detail_http_methods"]),
                         ["delete", "get", "patch", "put"])
        self.assertEqual(s["default_limit"], 20)
        c = self.list_of(CATALOG + "schema/")
        self.assertEqual([m.lower() for m in c["allowed_list_http_methods"]], ["get"])
        self.assertEqual([m.lower() for m in c["allowed_detail_http_methods"]], ["get"])
        m = self.list_of(MEMOS + "schema/")
        self.assertEqual(set(m["fields"]) - {"resource_uri"}, {"id", "body", "at"})

    def test_late_resource_add_refused(self):
        r = call("POST", "/resbed/late", {})
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"rc": -77})
        self.assertEqual(get("/api/v1/late/").status, 404)


# ---------------------------------------------------------------------------
# Writes

NEW = {"name": "new", "user_id": BIG}
FULL = {"name": "full", "code": "F1", "size": "L", "count": 42, "user_id": "-9223372036854775808",
        "ratio": 12.25, "notes": "x'); DROP TABLE things; --", "active": False,
        "happened": "2026-11-27T21:30:00", "extra": {"z": [1, 2.5, "x", None, True, {"b": {}}],
                                                     "s": "h\u00e9\u2713"},
        "kind": KINDS + "2/", "owner": "dora"}


class Writes(ResourceCase):
    def test_post_minimal(self):
        loc, r = self.post(NEW)
        self.assertEqual(loc, THINGS + "10/")
        self.assertEqual(r.body, b"")
        self.assertEqual(sql_rows("SELECT name, code, size, count, user_id, ratio, notes, "
                                  "active, happened, extra, kind_id, owner, touched "
                                  "FROM things WHERE id = 10"),
                         [{"name": "new", "code": "NULL", "size": "M", "count": "0",
                           "user_id": BIG, "ratio": "NULL", "notes": "NULL", "active": "1",
                           "happened": "NULL", "extra": "NULL", "kind_id": "NULL",
                           "owner": "NULL", "touched": "POST"}])
        self.assertEqual(self.detail(10), thing(10, "new", None, "M", 0, BIG, None, None, True,
                                                None, None, None, None, "POST"))

    def test_post_every_field(self):
        loc, _ = self.post(FULL)
        got = get(loc).json()
        want = dict(FULL, id=10, resource_uri=THINGS + "10/", touched="POST")
        self.assertEqual(got, want)
        row = sql_rows("SELECT user_id, active, happened, extra, kind_id, notes FROM things "
                       "WHERE id = 10")[0]
        self.assertEqual(row["user_id"], "-9223372036854775808")
        self.assertEqual(row["active"], "0")
        self.assertEqual(row["happened"], "2026-11-27 21:30:00")
        self.assertEqual(json.loads(row["extra"]), FULL["extra"])
        self.assertEqual(row["kind_id"], "2")
        self.assertEqual(row["notes"], FULL["notes"])

    def test_post_related_as_id_or_uri_and_nulls(self):
        for kind, shown in ((3, KINDS + "3/"), (KINDS + "1/", KINDS + "1/"), (None, None)):
            with self.subTest(kind=kind):
                loc, _ = self.post(dict(NEW, kind=kind))
                self.assertEqual(get(loc).json()["kind"], shown)
        loc, _ = self.post(dict(NEW, code=None, ratio=None, notes=None, happened=None,
                                extra=None, kind=None, owner=None))
        obj = get(loc).json()
        for k in ("code", "ratio", "notes", "happened", "extra", "kind", "owner"):
            self.assertIsNone(obj[k], k)

    def test_json_field_round_trip(self):
        for value in ({"k": {"n": [1, {"m": None}]}, "e": []}, [1, "two", 3.5], "text", 42,
                      True, {"": ""}):
            with self.subTest(extra=value):
                loc, _ = self.post(dict(NEW, extra=value))
                self.assertEqual(get(loc).json()["extra"], value)
                pk = loc.rstrip("/").rsplit("/", 1)[1]
                self.assertEqual(json.loads(sql_value("SELECT extra FROM things WHERE id = %s"
                                                      % pk)), value)

    def test_boundaries_accepted(self):
        for body in (dict(NEW, count=0), dict(NEW, count=100), dict(NEW, ratio=0),
                     dict(NEW, ratio=100), dict(NEW, ratio=3), dict(NEW, name="\u00e9" * 20),
                     dict(NEW, notes="n" * 200), dict(NEW, user_id="9223372036854775807"),
                     dict(NEW, size="S"), dict(NEW, name="")):
            with self.subTest(body=body):
                loc, _ = self.post(body)
                obj = get(loc).json()
                for k, v in body.items():
                    self.assertEqual(obj[k], v, k)

    def test_put_replaces(self):
        r = call("PUT", THINGS + "1/", {"name": "replaced", "user_id": "77"})
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        # Omitted fields: defaults, or null; readonly touched set by the hook.
        self.assertEqual(self.detail(1), thing(1, "replaced", None, "M", 0, "77", None, None,
                                               True, None, None, None, None, "PUT"))
        r = call("PUT", THINGS + "2/", dict(FULL, code="P2"))
        self.assertStatus(r, 204)
        self.assertEqual(self.detail(2), dict(FULL, code="P2", id=2, touched="PUT",
                                              resource_uri=THINGS + "2/"))

    def test_put_creates_when_missing(self):
        r = call("PUT", THINGS + "777/", dict(NEW, name="made"))
        self.assertStatus(r, 201)
        if r.header("Location") is not None:
            self.assertEqual(location_path(r), THINGS + "777/")
        self.assertEqual(sql_value("SELECT name FROM things WHERE id = 777"), "made")
        self.assertEqual(self.detail(777)["name"], "made")

    def test_put_refuses_a_body_missing_required(self):
        before = self.mark()
        self.assertBadBody(call("PUT", THINGS + "1/", {"name": "x"}), "user_id")
        self.assertBadBody(call("PUT", THINGS + "1/", {"user_id": "5"}), "name")
        self.assertNothingWritten(before, "PUT without required fields")

    def test_patch_changes_only_what_was_sent(self):
        r = call("PATCH", THINGS + "1/", {"count": 7, "notes": None})
        self.assertStatus(r, 202)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.detail(1), dict(SEEDED[1], count=7, notes=None,
                                              touched="PATCH"))
        self.assertEqual(self.detail(2), SEEDED[2])
        r = call("PATCH", THINGS + "3/", {"user_id": BIG_MINUS, "kind": KINDS + "3/",
                                          "extra": {"p": 1}})
        self.assertStatus(r, 202)
        self.assertEqual(self.detail(3), dict(SEEDED[3], user_id=BIG_MINUS,
                                              kind=KINDS + "3/", extra={"p": 1},
                                              touched="PATCH"))

    def test_datetimes_with_utc_offsets_are_stored_in_utc(self):
        for sent, stored in (("2026-05-01T01:30:00+02:00", "2026-04-30 23:30:00"),
                             ("2026-05-01T22:00:00.250-0300", "2026-05-02 01:00:00"),
                             ("2026-05-01T10:00:00Z", "2026-05-01 10:00:00")):
            with self.subTest(sent=sent):
                self.assertStatus(call("PATCH", THINGS + "2/", {"happened": sent}), 202)
                self.assertEqual(sql_value("SELECT happened FROM things WHERE id = 2"), stored)
                self.assertEqual(self.detail(2)["happened"], stored.replace(" ", "T"))
        # A filter takes them too (the '+' percent-encoded, as in any query).
        self.assertEqual(self.ids([("happened", "2026-05-01T12:00:00+02:00")]), [2])
        before = self.mark()
        r = call("PATCH", THINGS + "2/", {"happened": "2026-05-01T10:00:00+25:00"})
        self.assertBadBody(r, "happened")
        self.assertNothingWritten(before, "a bad offset")

    def test_patch_missing_is_404(self):
        before = self.mark()
        self.assertJsonError(call("PATCH", THINGS + "999/", {"count": 1}), 404)
        self.assertJsonError(call("PATCH", THINGS + "abc/", {"count": 1}), 404)
        self.assertNothingWritten(before, "PATCH of a missing row")

    def test_delete(self):
        r = call("DELETE", THINGS + "2/")
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertJsonError(get(THINGS + "2/"), 404)
        self.assertEqual(sql_value("SELECT COUNT(*) FROM things WHERE id = 2"), "0")
        self.assertJsonError(call("DELETE", THINGS + "2/"), 404)
        self.assertJsonError(call("DELETE", THINGS + "abc/"), 404)
        self.assertEqual(self.ids(), [1, 3, 4, 5])

    def test_kinds_write(self):
        loc, r = self.post({"label": "New"}, path=KINDS)
        self.assertEqual(loc, KINDS + "10/")
        self.assertEqual(self.detail(10, path=KINDS),
                         {"id": 10, "label": "New", "resource_uri": KINDS + "10/"})
        self.assertBadBody(call("POST", KINDS, {"label": "x" * 41}), "label")

    # -- return_data --

    def test_return_data_writes_answer_the_object(self):
        # The seeded memo BIG holds the auto id: the next one is BIG + 1.
        new = str(int(BIG) + 1)
        uri = MEMOS + new + "/"
        r = call("POST", MEMOS, {"body": "hello", "at": "2026-05-01T08:00:00"})
        self.assertStatus(r, 201)
        self.assertEqual(location_path(r), uri)
        want = {"id": new, "body": "hello", "at": "2026-05-01T08:00:00", "resource_uri": uri}
        self.assertEqual(r.json(), want)
        self.assertEqual(self.detail(new, path=MEMOS), want)

        r = call("PUT", uri, {"body": "again", "at": "2026-05-02T08:00:00"})
        self.assertStatus(r, 202)
        want = dict(want, body="again", at="2026-05-02T08:00:00")
        self.assertEqual(r.json(), want)

        r = call("PATCH", uri, {"body": "patched"})
        self.assertStatus(r, 202)
        want = dict(want, body="patched")
        self.assertEqual(r.json(), want)
        self.assertEqual(self.detail(new, path=MEMOS), want)

        r = call("PUT", MEMOS + "77/", {"body": "made", "at": "2026-05-03T08:00:00"})
        self.assertStatus(r, 201)
        self.assertEqual(r.json(), {"id": "77", "body": "made", "at": "2026-05-03T08:00:00",
                                    "resource_uri": MEMOS + "77/"})
        self.assertEqual(sql_value("SELECT body FROM memos WHERE id = 77"), "made")

        r = call("DELETE", uri)
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertJsonError(get(uri), 404)

    def test_patch_big_primary_key(self):
        r = call("PATCH", MEMOS + BIG + "/", {"body": "still big"})
        self.assertStatus(r, 202)
        self.assertEqual(r.json()["id"], BIG)
        self.assertEqual(sql_value("SELECT body FROM memos WHERE id = %s" % BIG), "still big")
        self.assertEqual(sql_value("SELECT body FROM memos WHERE id = %s" % BIG_MINUS), None)

    # -- unique keys --

    def test_duplicate_unique_key_is_409(self):
        self.post(dict(NEW, code="DUP"))
        before = self.mark()
        self.assertJsonError(call("POST", THINGS, dict(NEW, code="DUP")), 409)
        self.assertJsonError(call("PATCH", THINGS + "1/", {"code": "DUP"}), 409)
        self.assertJsonError(call("PUT", THINGS + "2/", dict(NEW, code="DUP")), 409)
        self.assertJsonError(call("POST", KINDS, {"label": "Fruit"}), 409)
        self.assertNothingWritten(before, "duplicate keys")


# ---------------------------------------------------------------------------
# Validation: 400 {"error", "field"} and nothing written

class Validation(ResourceCase):
    def refused(self, method, path, body=_NOBODY, field=None, raw=None, whole=False):
        """400 {"error", "field"} (or {"error"} when whole) and the tables
        still as seeded."""
        before = (SEEDED_TABLES, 0)
        r = call(method, path, body, raw=raw)
        out = self.assertBadBody(r, field, whole)
        self.assertNothingWritten(before, "%s %s %r" % (method, path, body if raw is None else raw))
        return out

    def test_wrong_types(self):
        for field, value in (("count", "many"), ("count", [1]), ("count", {"n": 1}),
                             ("count", 1.5), ("count", True), ("user_id", "abc"),
                             ("user_id", "12.5"), ("user_id", [BIG]), ("ratio", "x"),
                             ("ratio", False), ("active", "yes"), ("active", "true"),
                             ("name", 5), ("name", ["a"]), ("notes", {"a": 1}),
                             ("happened", "yesterday"), ("happened", "2026-13-01T00:00:00"),
                             ("happened", "2026-02-30T00:00:00"), ("happened", 1474925274),
                             ("kind", "abc"), ("kind", THINGS + "1/"), ("kind", [1]),
                             ("kind", "/api/v2/kinds/1/"), ("kind", KINDS + "1"),
                             ("code", 7), ("size", 1)):
            with self.subTest(field=field, value=value):
                self.refused("POST", THINGS, dict(NEW, **{field: value}), field)

    def test_related_row_missing(self):
        before = self.mark()
        self.assertJsonError(call("POST", THINGS, dict(NEW, kind=999)), 400)
        self.assertJsonError(call("PATCH", THINGS + "1/", {"kind": KINDS + "999/"}), 400)
        self.assertNothingWritten(before, "a kind that does not exist")

    def test_missing_required(self):
        body = self.refused("POST", THINGS, {})
        self.assertIn(body["field"], ("name", "user_id"))
        self.refused("POST", THINGS, {"name": "x"}, "user_id")
        self.refused("POST", THINGS, {"user_id": "1"}, "name")
        self.refused("POST", MEMOS, {"body": "x"}, "at")

    def test_null_where_not_nullable(self):
        for field in ("name", "user_id", "count", "size", "active"):
            with self.subTest(field=field):
                self.refused("POST", THINGS, dict(NEW, **{field: None}), field)
                self.refused("PATCH", THINGS + "1/", {field: None}, field)

    def test_out_of_range(self):
        for field, value in (("count", 101), ("count", -1), ("count", 2 ** 31),
                             ("count", -2 ** 40), ("ratio", 100.5), ("ratio", -0.001),
                             ("user_id", "9223372036854775808"),
                             ("user_id", "-9223372036854775809"),
                             ("user_id", "99999999999999999999")):
            with self.subTest(field=field, value=value):
                self.refused("POST", THINGS, dict(NEW, **{field: value}), field)
        self.refused("PATCH", THINGS + "1/", {"count": 500}, "count")
        self.refused("PUT", THINGS + "1/", dict(NEW, count=500), "count")

    def test_too_long(self):
        for field, value in (("name", "n" * 21), ("name", "\u00e9" * 21), ("notes", "n" * 201),
                             ("code", "c" * 21), ("owner", "o" * 41)):
            with self.subTest(field=field, length=len(value)):
                self.refused("POST", THINGS, dict(NEW, **{field: value}), field)
        self.refused("PATCH", THINGS + "1/", {"name": "n" * 21}, "name")

    def test_not_in_choices(self):
        for value in ("XL", "s", "", " M"):
            with self.subTest(size=value):
                self.refused("POST", THINGS, dict(NEW, size=value), "size")
        self.refused("PATCH", THINGS + "1/", {"size": "XL"}, "size")

    def test_unknown_field(self):
        self.refused("POST", THINGS, dict(NEW, bogus=1), "bogus")
        self.refused("PATCH", THINGS + "1/", {"bogus": 1}, "bogus")
        self.refused("PUT", THINGS + "1/", dict(NEW, bogus=1), "bogus")
        self.refused("POST", THINGS, dict(NEW, **{"name`=1,`count": 1}), "name`=1,`count")
        # The query-string name of user_id is not a body field.
        self.refused("POST", MEMOS, {"body": "x", "at": "2026-01-01T00:00:00", "user": 1},
                     "user")

    def test_readonly_fields_are_not_written(self):
        # Tastypie ignores readonly fields in a body; refusing them is also
        # safe. Never may the client's value land in the table.
        for body in (dict(NEW, touched="hacked"), dict(NEW, id=555)):
            with self.subTest(body=body):
                sql(SEED)
                r = call("POST", THINGS, body)
                if r.status == 400:
                    self.assertBadBody(r, "touched" if "touched" in body else "id")
                else:
                    self.assertStatus(r, 201)
                    self.assertEqual(location_path(r), THINGS + "10/")
                    self.assertEqual(self.detail(10)["touched"], "POST")
                self.assertEqual(sql_value("SELECT COUNT(*) FROM things WHERE id = 555 "
                                           "OR touched = 'hacked'"), "0")

    def test_get_body_round_trip_accepted(self):
        """A client PUTs back what it got (resource_uri, id and readonly
        fields included), as Tastypie clients do."""
        obj = self.detail(1)
        obj["count"] = 6
        r = call("PUT", THINGS + "1/", obj)
        self.assertStatus(r, 204)
        self.assertEqual(self.detail(1), dict(SEEDED[1], count=6, touched="PUT"))

    def test_bad_bodies(self):
        for raw in ("{not json", "", "[1, 2]", "\"x\"", "5", "null", "{\"name\": \"a\",}",
                    "\xff\xfe"):
            for method, path in (("POST", THINGS), ("PUT", THINGS + "1/"),
                                 ("PATCH", THINGS + "1/")):
                with self.subTest(raw=raw, method=method):
                    self.refused(method, path, raw=raw.encode("latin-1"), whole=True)

    def test_validate_hook_refuses(self):
        body = self.refused("POST", THINGS, dict(NEW, name="forbidden"), "name")
        self.assertEqual(body["error"], "resbed refuses forbidden")
        self.refused("PATCH", THINGS + "1/", {"name": "forbidden"}, "name")
        self.refused("PUT", THINGS + "1/", dict(NEW, name="forbidden"), "name")
        body = self.refused("POST", MEMOS, {"body": "forbidden", "at": "2026-01-01T00:00:00"},
                            "body")
        self.assertEqual(body, {"error": "resbed refuses forbidden", "field": "body"})

    def test_store_checks_come_before_validate(self):
        self.refused("POST", THINGS, dict(NEW, count=101), "count")
        self.assertEqual(hook_log()["validate"], [], "validate ran on a body the store refused")


# ---------------------------------------------------------------------------
# Hooks

class Hooks(ResourceCase):
    def test_validate_sees_method_and_fields(self):
        self.assertStatus(call("POST", THINGS, dict(NEW, kind=KINDS + "2/")), 201)
        self.assertStatus(call("PUT", THINGS + "1/", NEW), 204)
        self.assertStatus(call("PATCH", THINGS + "2/", {"count": 8}), 202)
        log = hook_log()["validate"]
        self.assertEqual([(e["resource"], e["method"]) for e in log],
                         [("things", "POST"), ("things", "PUT"), ("things", "PATCH")])
        # 64-bit integers as integers (the hook refuses anything else).
        self.assertEqual(log[0]["object"]["user_id"], int(BIG))
        self.assertEqual(log[0]["object"]["name"], "new")
        self.assertNotIn("touched", log[0]["object"])
        # PATCH: only the fields sent.
        self.assertEqual(log[2]["object"], {"count": 8})

    def test_written_sees_every_write(self):
        r = call("POST", THINGS, NEW)
        self.assertStatus(r, 201)
        # Called before the answer was sent: no wait needed.
        entries = hook_log()["written"]
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["resource"], "things")
        self.assertEqual(entries[0]["method"], "POST")
        self.assertEqual(entries[0]["object"], self.detail(10))

        self.assertStatus(call("PUT", THINGS + "10/", dict(NEW, count=3)), 204)
        self.assertStatus(call("PUT", THINGS + "20/", dict(NEW, count=4)), 201)
        self.assertStatus(call("PATCH", THINGS + "10/", {"count": 9}), 202)
        as_it_was = self.detail(1)
        self.assertStatus(call("DELETE", THINGS + "1/"), 204)
        self.assertStatus(call("POST", KINDS, {"label": "Hook"}), 201)
        self.assertStatus(call("POST", MEMOS, {"body": "m", "at": "2026-01-01T00:00:00"}), 201)
        entries = hook_log()["written"]
        self.assertEqual([(e["resource"], e["method"]) for e in entries],
                         [("things", "POST"), ("things", "PUT"), ("things", "PUT"),
                          ("things", "PATCH"), ("things", "DELETE"), ("kinds", "POST"),
                          ("memos", "POST")])
        self.assertEqual(entries[1]["object"]["count"], 3)
        self.assertEqual(entries[2]["object"], self.detail(20))
        self.assertEqual(entries[3]["object"], self.detail(10))
        self.assertEqual(entries[4]["object"], as_it_was)
        self.assertEqual(entries[5]["object"], self.detail(10, path=KINDS))
        self.assertEqual(entries[6]["object"], self.detail(str(int(BIG) + 1), path=MEMOS))

    def test_failed_writes_are_not_written(self):
        call("POST", THINGS, dict(NEW, count=-5))
        call("POST", THINGS, dict(NEW, name="forbidden"))
        call("PATCH", THINGS + "99/", {"count": 1})
        call("DELETE", THINGS + "99/")
        call("POST", THINGS, dict(NEW, code="A1"))
        self.assertEqual(hook_log()["written"], [])

    def test_scope_limits_reads(self):
        alice = {"X-Owner": "alice"}
        body = self.list_of(THINGS, headers=alice)
        self.assertEqual([o["id"] for o in body["objects"]], [1, 3])
        self.assertEqual(body["meta"]["total_count"], 2)
        self.assertEqual(self.ids([("size", "S")], headers=alice), [1])
        self.assertEqual(self.ids([("owner", "bob")], headers=alice), [])
        self.assertEqual(self.ids(headers={"X-Owner": "nobody"}), [])
        self.assertEqual(self.detail(1, headers=alice), SEEDED[1])
        self.assertJsonError(get(THINGS + "2/", alice), 404)
        self.assertJsonError(get(THINGS + "4/", alice), 404)
        self.assertEqual(self.ids(), [1, 2, 3, 4, 5])

    def test_scope_limits_writes(self):
        alice = {"X-Owner": "alice"}
        before = self.mark()
        self.assertJsonError(call("PATCH", THINGS + "2/", {"count": 1}, headers=alice), 404)
        self.assertJsonError(call("DELETE", THINGS + "2/", headers=alice), 404)
        r = call("PUT", THINGS + "2/", dict(NEW, owner="alice"), headers=alice)
        self.assertIn(r.status, (400, 403, 404, 409), r)
        self.assertBadBody(call("POST", THINGS, dict(NEW, owner="bob"), headers=alice), "owner")
        self.assertBadBody(call("PATCH", THINGS + "1/", {"owner": "bob"}, headers=alice),
                           "owner")
        self.assertBadBody(call("PUT", THINGS + "1/", dict(NEW, owner="bob"), headers=alice),
                           "owner")
        self.assertBadBody(call("PATCH", THINGS + "1/", {"owner": None}, headers=alice),
                           "owner")
        self.assertNothingWritten(before, "writes out of scope")
        # In scope: allowed.
        self.assertStatus(call("PATCH", THINGS + "1/", {"count": 1}, headers=alice), 202)
        loc, _ = self.post(dict(NEW, owner="alice"), headers=alice)
        self.assertEqual(get(loc).json()["owner"], "alice")
        self.assertStatus(call("DELETE", THINGS + "3/", headers=alice), 204)
        # PUT creating a row: in the scope only.
        self.assertBadBody(call("PUT", THINGS + "888/", dict(NEW, owner="bob"), headers=alice),
                           "owner")
        self.assertEqual(sql_value("SELECT COUNT(*) FROM things WHERE id = 888"), "0")
        r = call("PUT", THINGS + "888/", NEW, headers=alice)
        if r.status == 201:
            self.assertEqual(self.detail(888)["owner"], "alice")
        else:
            self.assertBadBody(r, "owner")
        self.assertStatus(call("PUT", THINGS + "889/", dict(NEW, owner="alice"), headers=alice),
                          201)
        self.assertEqual(self.detail(889, headers=alice)["owner"], "alice")

    def test_scope_post_without_owner_stays_in_scope(self):
        r = call("POST", THINGS, NEW, headers={"X-Owner": "alice"})
        if r.status == 201:
            self.assertEqual(get(location_path(r)).json()["owner"], "alice")
        else:
            self.assertBadBody(r, "owner")
        self.assertEqual(sql_value("SELECT COUNT(*) FROM things WHERE owner IS NULL "
                                   "OR owner <> 'alice'"), "3")

    def test_scope_deny_is_403(self):
        deny = {"X-Owner": "deny"}
        before = self.mark()
        for method, path, body in (("GET", THINGS, _NOBODY), ("GET", THINGS + "1/", _NOBODY),
                                   ("GET", THINGS + "999/", _NOBODY),
                                   ("POST", THINGS, NEW), ("PUT", THINGS + "1/", NEW),
                                   ("PUT", THINGS + "999/", NEW),
                                   ("PATCH", THINGS + "1/", {"count": 1}),
                                   ("DELETE", THINGS + "1/", _NOBODY)):
            with self.subTest(method=method, path=path):
                self.assertJsonError(call(method, path, body, headers=deny), 403)
        self.assertNothingWritten(before, "denied requests")
        self.assertEqual(hook_log()["validate"], [], "validate ran for a denied request")

    def test_scope_runs_for_every_request_of_an_owned_resource(self):
        def calls():
            return hook_log()["scope"].get("things", 0)

        steps = [("GET", THINGS, _NOBODY), ("GET", THINGS + "1/", _NOBODY),
                 ("POST", THINGS, NEW), ("PUT", THINGS + "1/", NEW),
                 ("PATCH", THINGS + "1/", {"count": 2}), ("DELETE", THINGS + "1/", _NOBODY)]
        for method, path, body in steps:
            with self.subTest(method=method, path=path):
                n = calls()
                self.assertLess(call(method, path, body).status, 300)
                self.assertGreater(calls(), n)

    def test_scope_never_runs_without_an_owner_field(self):
        deny = {"X-Owner": "deny"}
        self.assertEqual(self.ids(path=MEMOS, key="memos", headers=deny), ["2", "1", BIG])
        self.assertEqual(self.detail("1", path=MEMOS, headers=deny), MEMOS_SEEDED["1"])
        self.assertStatus(call("PATCH", MEMOS + "1/", {"body": "ok"}, headers=deny), 202)
        self.assertNotIn("memos", hook_log()["scope"])


# ---------------------------------------------------------------------------
# Injection attempts: 400 or harmless, and the tables intact

class Injection(ResourceCase):
    def assertIntact(self):
        tables = sql("SHOW TABLES").split()
        for t in ("things", "kinds", "memos"):
            self.assertIn(t, tables)
        self.assertEqual(sql_value("SELECT COUNT(*) FROM things"), "5")

    def raw_get(self, query):
        """GET things with a query string given as is (percent-encoded by
        the caller)."""
        return get(THINGS + "?" + query)

    def test_filter_values(self):
        for params in ([("name", "' OR 1=1 --")], [("name", "apple' OR '1'='1")],
                       [("name__iexact", "appl_")],
                       [("name__in", "apple','x")], [("name__iexact", "%")],
                       [("name", "\\")], [("name__in", ")) OR 1=1 --")],
                       [("owner", "alice' -- ")]):
            with self.subTest(params=params):
                r = get(target(THINGS, params))
                self.assertIn(r.status, (200, 400), r)
                if r.status == 200:
                    self.assertEqual(r.json()["objects"], [])
        for params in ([("count", "1 OR 1=1")], [("id__gt", "0) OR (1=1")],
                       [("user", "9 OR 1=1")], [("count__in", "1) OR (1=1")],
                       [("happened", "2026-01-01T10:00:00' OR '1'='1")]):
            with self.subTest(params=params):
                self.assertJsonError(get(target(THINGS, params)), 400)
        self.assertIntact()

    def test_filter_names(self):
        for query in ("name%3BDROP%20TABLE%20things=1", "name%60=1", "1=1",
                      "name__exact%3BDROP=1", "count__gt%20OR%201=1", "%60things%60.name=apple"):
            with self.subTest(query=query):
                r = self.raw_get(query)
                self.assertIn(r.status, (200, 400), r)
                if r.status == 200:
                    self.assertEqual(len(r.json()["objects"]), 5)
        self.assertIntact()

    def test_order_by(self):
        for value in ("id;DROP TABLE things", "id; DROP TABLE things --", "name`",
                      "(SELECT 1)", "id DESC", "1", "-id,name", "RAND()", "name ASC; --"):
            with self.subTest(order_by=value):
                r = get(target(THINGS, [("order_by", value)]))
                self.assertIn(r.status, (200, 400), r)
                if r.status == 200:
                    self.assertEqual(len(r.json()["objects"]), 5)
        self.assertIntact()

    def test_limit_offset(self):
        for name in ("limit", "offset"):
            for value in ("1;DROP TABLE things", "1 OR 1=1", "1,1"):
                with self.subTest(name=name, value=value):
                    self.assertJsonError(get(target(THINGS, [(name, value)])), 400)
        self.assertIntact()

    def test_primary_key(self):
        for pk in ("1;DROP%20TABLE%20things", "1%20OR%201=1", "1'--", "1%27%20OR%20%271%27=%271",
                   "(1)", "1%3BDROP%20TABLE%20things"):
            for method in ("GET", "DELETE", "PATCH"):
                with self.subTest(pk=pk, method=method):
                    body = {"count": 1} if method == "PATCH" else _NOBODY
                    self.assertJsonError(call(method, "%s%s/" % (THINGS, pk), body), 404)
        self.assertIntact()
        self.assertEqual(self.detail(1), SEEDED[1])

    def test_values_stored_verbatim(self):
        evil = "x'); DROP TABLE things; --"
        r = call("POST", THINGS, dict(NEW, notes=evil, name="a'b\"c\\d"))
        self.assertStatus(r, 201)
        self.assertEqual(sql_value("SELECT COUNT(*) FROM things"), "6")
        obj = get(location_path(r)).json()
        self.assertEqual((obj["notes"], obj["name"]), (evil, "a'b\"c\\d"))
        self.assertEqual(self.ids([("name", "a'b\"c\\d")]), [10])


# ---------------------------------------------------------------------------
# The database goes away and comes back

class DatabaseDown(ResourceCase):
    def test_503_then_back(self):
        self.assertEqual(len(self.ids()), 5)
        DB.stop()
        try:
            for method, path, body in (("GET", THINGS, _NOBODY), ("GET", THINGS + "1/", _NOBODY),
                                       ("POST", THINGS, NEW),
                                       ("PATCH", THINGS + "1/", {"count": 1}),
                                       ("DELETE", THINGS + "1/", _NOBODY),
                                       ("GET", MEMOS, _NOBODY)):
                with self.subTest(method=method, path=path):
                    r = call(method, path, body)
                    self.assertJsonError(r, 503)
                    retry = r.header("Retry-After")
                    self.assertIsNotNone(retry, r)
                    self.assertRegex(retry, r"^[0-9]+$")
        finally:
            DB.start()
        wait_until(lambda: get(THINGS).status == 200, 10, "the store to reconnect")
        self.assertEqual(self.ids(), [1, 2, 3, 4, 5])
        self.assertStatus(call("POST", THINGS, NEW), 201)


# ---------------------------------------------------------------------------
# Spec checks at load time (camid -t runs init without a database)

class SpecChecks(unittest.TestCase):
    def check(self, spec):
        """camid -t with resbed adding `spec`; (exit status, stderr)."""
        d = tempfile.mkdtemp(prefix="cami-res-")
        self.addCleanup(shutil.rmtree, d, True)
        spec_path = os.path.join(d, "spec.json")
        with open(spec_path, "w") as f:
            f.write(spec if isinstance(spec, str) else json.dumps(spec))
        path = os.path.join(d, "camid.conf")
        with open(path, "w") as f:
            f.write(render_config([
                ("camid", {"workers": 1, "plugin_dir": PLUGIN_DIR}),
                ("listener.main", {"address": "127.0.0.1:1"}),
                ("plugin.store", {"module": "store", "socket": os.path.join(d, "no.sock"),
                                  "pool_size": 2}),
                ("plugin.resbed", {"module": RESBED, "migrations": MIGRATIONS,
                                   "extra_spec": spec_path})]))
        proc = run_camid(["-t", "-c", path])
        return proc.returncode, proc.stderr

    GOOD = {"name": "extra", "table": "kinds",
            "fields": {"id": {"type": "integer", "readonly": True},
                       "label": {"type": "string", "max_length": 40}}}

    def variant(self, **changes):
        spec = json.loads(json.dumps(self.GOOD))
        for k, v in changes.items():
            if v is None:
                del spec[k]
            else:
                spec[k] = v
        return spec

    def field_variant(self, field, **changes):
        spec = self.variant()
        spec["fields"][field].update(changes)
        for k, v in changes.items():
            if v is None:
                del spec["fields"][field][k]
        return spec

    def test_good_spec_loads(self):
        rc, err = self.check(self.GOOD)
        self.assertEqual(rc, 0, err)

    def test_wrong_specs_are_refused_naming_the_member(self):
        # (spec, words: the engine's error line names one of them)
        cases = [
            (self.variant(tabel="kinds"), ("tabel",)),
            (self.variant(name="Bad Name"), ("name",)),
            (self.variant(name=None), ("name",)),
            (self.variant(table=None), ("table",)),
            (self.variant(table="kinds; DROP TABLE things"), ("table",)),
            (self.variant(fields=None), ("fields",)),
            (self.variant(fields={}), ("fields", "primary_key", "id")),
            (self.variant(prefix="api"), ("prefix",)),
            (self.variant(primary_key="label"), ("primary_key",)),
            (self.variant(primary_key="nope"), ("primary_key", "nope")),
            (self.variant(ordering=["nope"]), ("ordering", "nope")),
            (self.variant(default_order=["-nope"]), ("default_order", "nope")),
            (self.variant(owner="nope"), ("owner", "nope")),
            (self.variant(list_methods=["GET", "FETCH"]), ("list_methods", "FETCH")),
            (self.variant(detail_methods="GET"), ("detail_methods",)),
            (self.variant(return_data="yes"), ("return_data",)),
            (self.field_variant("label", type="strng"), ("strng", "'type'")),
            (self.field_variant("label", type=None), ("type",)),
            (self.field_variant("label", maxlength=4), ("maxlength",)),
            (self.field_variant("label", column="a b"), ("column",)),
            (self.field_variant("label", filters=["regex"]), ("regex",)),
            (self.field_variant("label", filters="some"), ("filters",)),
            (self.field_variant("label", type="related"), ("resource",)),
            (self.field_variant("label", max_length=-1), ("max_length",)),
            (self.field_variant("id", min=10, max=1), ("min", "max")),
        ]
        for spec, words in cases:
            with self.subTest(spec=spec):
                rc, err = self.check(spec)
                self.assertNotEqual(rc, 0, err)
                self.assertIn("resource_add(extra_spec) returned -22", err)
                # Error lines other than resbed's own "returned" line.
                lines = [line for line in err.splitlines() if " error " in line and
                         "resource_add(extra_spec) returned" not in line]
                self.assertTrue(any(w in line for w in words for line in lines),
                                "no error line names %s:\n%s" % (" or ".join(words), err))

    def test_taken_route_is_eexist(self):
        rc, err = self.check(self.variant(name="things"))
        self.assertNotEqual(rc, 0, err)
        self.assertIn("resource_add(extra_spec) returned -17", err)
        # Another prefix is another route.
        rc, err = self.check(self.variant(name="things", prefix="/api/v3/"))
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    main()
