"""camid's HTTP/1.1 server over real sockets: framing, keep-alive,
pipelining, chunked bodies, HEAD, 100-continue, limits, timeouts, errors,
headers, request ids and the access log.

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_http.py
"""

import os
import re
import sys
import socket
import time
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402

from harness import (REQUEST_ID, RawConn, ServerTestCase, assert_common_headers,  # noqa: E402
                     assert_json_error, build_request, chunked, main, scaled)

HELLO = {"message": "Hello, World!"}
MAX_BODY = 1048576      # the documented defaults, which HttpTest leaves unset
MAX_URL = 4096
MAX_HEADER = 8192


def tb_big_body(n):
    alphabet = bytes(range(ord("a"), ord("z") + 1))
    return (alphabet * (n // 26 + 1))[:n]


class HttpTest(ServerTestCase):
    """One camid with hello and testbed, default limits, access log on."""

    # keepalive_timeout starts when a response's last byte reaches the kernel;
    # a loaded machine (valgrind, parallel tests) can take longer than the
    # default 5 s to read an 8 MB response out of the socket buffers.
    # TimeoutTest checks keep-alive expiry with its own short values.
    server_options = {"http": {"keepalive_timeout": 60000}}

    def session(self):
        s = requests.Session()
        s.trust_env = False     # no proxies from the environment
        self.addCleanup(s.close)
        return s

    # -- routes and real clients --

    def test_hello_with_requests(self):
        s = self.session()
        r = s.get(self.server.url("/hello"), timeout=scaled(5))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), HELLO)
        self.assertEqual(r.headers["Content-Type"].split(";")[0], "application/json")
        r = s.get(self.server.url("/hello/J%C3%BCrgen%20X"), timeout=scaled(5))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"message": "Hello, J\u00fcrgen X!"})

    def test_post_echo_with_requests(self):
        doc = {"a": [1, 2.5, None, True], "b": {"c": "\u00e9\u6f22"}, "d": ""}
        r = self.session().post(self.server.url("/hello/echo"), json=doc, timeout=scaled(5))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), doc)

    def test_fd_watch(self):
        """ABI 1.2: a plugin's socket watched on the loop, writable then
        (after cami_fd_watch_set) readable; a regular file is refused."""
        for _ in range(3):
            r = self.session().get(self.server.url("/tb/fdwatch"), timeout=scaled(5))
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(r.json(), {"steps": ["writable", "readable"], "read": "x",
                                        "regular_file_refused": True})

    def test_header_echo(self):
        with self.conn() as c:
            r = c.request("GET", "/tb/hdr?x=1", [("X-One", "1"), ("x-two", " spaced  "),
                                                 ("X-One", "again")])
            self.assertEqual(r.status, 200, r)
            body = r.json()
            self.assertEqual(body["method"], "GET")
            self.assertEqual(body["target"], "/tb/hdr?x=1")
            pairs = [(n.lower(), v) for n, v in body["headers"]]
            self.assertIn(("x-one", "1"), pairs)
            self.assertIn(("x-one", "again"), pairs)
            self.assertIn(("x-two", "spaced"), pairs)   # OWS trimmed
            self.assertIn(("host", "127.0.0.1"), pairs)

    def test_large_response(self):
        n = 8 * 1024 * 1024 + 13
        with self.conn(timeout=20) as c:
            c.send(build_request("GET", "/tb/big?n=%d" % n) + build_request("GET", "/hello"))
            time.sleep(0.3)     # let camid fill the socket buffers and wait on us
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(len(r.body), n)
            self.assertEqual(r.body, tb_big_body(n))
            self.assertEqual(c.read_response().json(), HELLO)
            c.assert_quiet()

    # -- keep-alive and HTTP/1.0 --

    def test_keepalive_http11(self):
        with self.conn() as c:
            for name in ("a", "b", "c"):
                r = c.request("GET", "/hello/" + name)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json(), {"message": "Hello, %s!" % name})
                self.assertNotIn("close", r.connection_tokens())
            c.assert_quiet()

    def test_connection_close_http11(self):
        with self.conn() as c:
            r = c.request("GET", "/hello", [("Connection", "close")])
            self.assertEqual(r.status, 200)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_http10_closes_by_default(self):
        with self.conn() as c:
            c.send(b"GET /hello HTTP/1.0\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json(), HELLO)
            self.assertNotIn("keep-alive", r.connection_tokens())
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_http10_keepalive(self):
        with self.conn() as c:
            for _ in range(2):
                c.send(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                r = c.read_response()
                self.assertEqual(r.status, 200)
                # An HTTP/1.0 client only keeps the connection when told so.
                self.assertIn("keep-alive", r.connection_tokens(), r)
            c.assert_quiet()

    # -- pipelining --

    def test_pipelining_in_order(self):
        doc = b'{"n": 3}'
        with self.conn() as c:
            c.send(build_request("GET", "/hello") +
                   build_request("GET", "/hello/bob") +
                   build_request("POST", "/hello/echo", [("Content-Type", "application/json")],
                                 doc) +
                   build_request("GET", "/nope"))
            self.assertEqual(c.read_response().json(), HELLO)
            self.assertEqual(c.read_response().json(), {"message": "Hello, bob!"})
            self.assertEqual(c.read_response().json(), {"n": 3})
            self.assertEqual(c.read_response().status, 404)
            c.assert_quiet()

    def test_pipelining_deferred_first(self):
        # The second request finishes first inside camid; answers keep order.
        with self.conn() as c:
            start = time.monotonic()
            c.send(build_request("GET", "/tb/slow?ms=600", [("X-Request-Id", "p1")]) +
                   build_request("GET", "/tb/slow?ms=50", [("X-Request-Id", "p2")]) +
                   build_request("GET", "/hello/slow?ms=200", [("X-Request-Id", "p3")]) +
                   build_request("GET", "/hello", [("X-Request-Id", "p4")]))
            r1 = c.read_response()
            self.assertGreaterEqual(time.monotonic() - start, 0.6 - 0.05)
            rs = [r1] + [c.read_response() for _ in range(3)]
            self.assertEqual([r.header("X-Request-Id") for r in rs], ["p1", "p2", "p3", "p4"])
            self.assertEqual([r.status for r in rs], [200] * 4, rs)
            self.assertEqual(rs[0].json(), {"ms": 600})
            self.assertEqual(rs[1].json(), {"ms": 50})
            self.assertEqual(rs[3].json(), HELLO)
            c.assert_quiet()

    def test_pipelining_behind_deferred_past_the_kept_input(self):
        # camid keeps reading behind a deferred request up to 64 KiB, then
        # stops until it is answered: more than that still all comes back,
        # in order, none parsed early.
        n = 2000
        reqs = [build_request("GET", "/hello/p%d" % i) for i in range(n)]
        self.assertGreater(sum(map(len, reqs)), 64 * 1024)
        with self.conn() as c:
            c.send(build_request("GET", "/tb/slow?ms=300"))
            time.sleep(0.05)   # the first is pending before the rest arrives
            c.send(b"".join(reqs))
            self.assertEqual(c.read_response().json(), {"ms": 300})
            for i in range(n):
                self.assertEqual(c.read_response().json(), {"message": "Hello, p%d!" % i})
            c.assert_quiet()

    def test_half_close_behind_deferred_request(self):
        # Requests pipelined before the client's half-close are answered,
        # then the connection closes.
        with self.conn() as c:
            c.send(build_request("GET", "/tb/slow?ms=200") + build_request("GET", "/hello/a"))
            time.sleep(0.05)
            c.send(build_request("GET", "/tb/slow?ms=50") + build_request("GET", "/hello/b"))
            c.sock.shutdown(socket.SHUT_WR)
            self.assertEqual(c.read_response().json(), {"ms": 200})
            self.assertEqual(c.read_response().json(), {"message": "Hello, a!"})
            self.assertEqual(c.read_response().json(), {"ms": 50})
            self.assertEqual(c.read_response().json(), {"message": "Hello, b!"})
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_pipelining_split_writes(self):
        data = (build_request("GET", "/hello/one") +
                build_request("POST", "/tb/len", body=b"x" * 300) +
                build_request("GET", "/hello/two"))
        with self.conn() as c:
            c.send_in_pieces(data, 7, 0.002)
            self.assertEqual(c.read_response().json(), {"message": "Hello, one!"})
            self.assertEqual(c.read_response().json(), {"length": 300})
            self.assertEqual(c.read_response().json(), {"message": "Hello, two!"})
            c.assert_quiet()

    def test_pipelined_garbage_stops_the_connection(self):
        with self.conn() as c:
            c.send(build_request("GET", "/hello") + b"NOT HTTP AT ALL\r\n\r\n" +
                   build_request("GET", "/hello"))
            self.assertEqual(c.read_response().status, 200)
            assert_json_error(self, c.read_response(), 400)
            self.assertEqual(c.read_eof(timeout=2), b"", "answered after a 400")

    # -- chunked request bodies --

    def test_chunked_body(self):
        with self.conn() as c:
            r = c.request("POST", "/hello/echo",
                          [("Transfer-Encoding", "chunked"), ("Content-Type", "application/json")],
                          chunked([b'{"k":', b' "v', b'alue"', b"}"]))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"k": "value"})
            parts = [b"a" * 1, b"b" * 4096, b"c" * 70000, b"d" * 15]
            r = c.request("POST", "/tb/len", [("Transfer-Encoding", "chunked")], chunked(parts))
            self.assertEqual(r.json(), {"length": sum(map(len, parts))})
            c.assert_quiet()

    def test_chunked_extensions_and_trailers(self):
        body = chunked([b"hello ", b"world"],
                       extensions={0: ';name=value', 1: ';q="quoted; value"', 2: ";last"},
                       trailers=[("X-Trailer", "yes"), ("X-Sum", "11")])
        with self.conn() as c:
            r = c.request("POST", "/tb/len", [("Transfer-Encoding", "chunked"),
                                              ("Trailer", "X-Trailer, X-Sum")], body)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"length": 11})
            # The trailers were consumed as part of this request, not taken
            # as the start of the next one.
            self.assertEqual(c.request("GET", "/hello").json(), HELLO)
            c.assert_quiet()

    # Known limitation, kept visible: Debian 12's llhttp 8.1 refuses these
    # RFC 9112 7.1.1 forms (several extensions, BWS, quoted-pairs) with 400.
    # No common client sends them. When a newer llhttp accepts them this test
    # passes unexpectedly, which fails the suite: then remove the mark.
    @unittest.expectedFailure
    def test_chunked_extension_grammar(self):
        # RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name
        # [ BWS "=" BWS chunk-ext-val ] ), chunk-ext-val = token / quoted-string
        for ext in (';a=b;c', ';a=b;c="d"', '; a=b', ';a = b', ';a="b\\"c"', ';a="\\\\"'):
            with self.subTest(ext=ext), self.conn() as c:
                r = c.request("POST", "/tb/len", [("Transfer-Encoding", "chunked")],
                              chunked([b"abc"], extensions={0: ext}))
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json(), {"length": 3})

    def test_chunked_empty_body(self):
        with self.conn() as c:
            r = c.request("POST", "/tb/len", [("Transfer-Encoding", "chunked")], b"0\r\n\r\n")
            self.assertEqual(r.json(), {"length": 0})

    def test_chunked_split_writes(self):
        data = build_request("POST", "/tb/len", [("Transfer-Encoding", "chunked")],
                             chunked([b"x" * 100, b"y" * 3], extensions={0: ";a=b"}))
        with self.conn() as c:
            c.send_in_pieces(data, 3, 0.002)
            self.assertEqual(c.read_response().json(), {"length": 103})

    def test_chunked_malformed(self):
        for body in (b"zz\r\nabc\r\n0\r\n\r\n",          # size not hex
                     b"3\r\nabcXY0\r\n\r\n",               # no CRLF after the data
                     b"3\r\nabc0\r\n\r\n"):               # no CRLF at all
            with self.subTest(body=body), self.conn() as c:
                c.send(build_request("POST", "/tb/len", [("Transfer-Encoding", "chunked")], body))
                assert_json_error(self, c.read_response(), 400)
                self.assertEqual(c.read_eof(timeout=2), b"")

    # -- HEAD --

    def test_head(self):
        with self.conn() as c:
            get = c.request("GET", "/hello")
            c.send(build_request("HEAD", "/hello") + build_request("GET", "/hello/after"))
            head = c.read_response("HEAD")
            self.assertEqual(head.status, 200)
            self.assertEqual(head.header("Content-Length"), get.header("Content-Length"))
            self.assertEqual(head.header("Content-Type"), get.header("Content-Type"))
            assert_common_headers(self, head, "HEAD")
            # No body was sent: the next bytes are the next response.
            self.assertEqual(c.read_response().json(), {"message": "Hello, after!"})
            c.assert_quiet()

    def test_head_of_errors(self):
        with self.conn() as c:
            get = c.request("GET", "/nope")
            c.send(build_request("HEAD", "/nope") + build_request("GET", "/hello"))
            head = c.read_response("HEAD")
            self.assertEqual(head.status, 404)
            self.assertEqual(head.header("Content-Length"), get.header("Content-Length"))
            self.assertEqual(c.read_response().json(), HELLO)

    # -- Expect: 100-continue --

    def test_expect_100_continue(self):
        body = b'{"x": 1}'
        with self.conn() as c:
            c.send(build_request("POST", "/hello/echo",
                                 [("Expect", "100-continue"), ("Content-Length", str(len(body))),
                                  ("Content-Type", "application/json")]))
            interim = c.read_response("POST")
            self.assertEqual(interim.status, 100, "no 100 Continue before the body: %r" % interim)
            c.send(body)
            final, more = c.read_final("POST")
            self.assertEqual(more, [])
            self.assertEqual(final.status, 200)
            self.assertEqual(final.json(), {"x": 1})
            c.assert_quiet()

    def test_expect_100_continue_too_large(self):
        with self.conn() as c:
            c.send(build_request("POST", "/tb/len", [("Expect", "100-continue"),
                                                     ("Content-Length", str(MAX_BODY + 1))]))
            r = c.read_response("POST")
            self.assertNotEqual(r.status, 100, "100 Continue for a body over max_body_size")
            assert_json_error(self, r, 413)

    # -- limits --

    def test_header_size_limit(self):
        with self.conn() as c:
            r = c.request("GET", "/hello", [("X-Pad", "p" * (MAX_HEADER - 300))])
            self.assertEqual(r.status, 200, "a head under max_header_size refused: %r" % r)
        with self.conn() as c:
            c.send(build_request("GET", "/hello", [("X-Pad", "p" * (MAX_HEADER + 100))]))
            assert_json_error(self, c.read_response(), 431)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_header_size_limit_many_headers(self):
        headers = [("X-H%d" % i, "v" * 40) for i in range(MAX_HEADER // 40)]
        with self.conn() as c:
            c.send(build_request("GET", "/hello", headers))
            assert_json_error(self, c.read_response(), 431)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_url_length_limit(self):
        base = "/hello?pad="
        with self.conn() as c:
            r = c.request("GET", base + "u" * (MAX_URL - len(base)))
            self.assertEqual(r.status, 200, "a %d-byte URL refused: %r" % (MAX_URL, r))
        with self.conn() as c:
            c.send(build_request("GET", base + "u" * (MAX_URL + 1 - len(base))))
            assert_json_error(self, c.read_response(), 414)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_body_size_limit(self):
        with self.conn(timeout=10) as c:
            r = c.request("POST", "/tb/len", body=b"b" * MAX_BODY)
            self.assertEqual(r.json(), {"length": MAX_BODY})
        with self.conn() as c:
            # Refused from the Content-Length alone, before any body byte.
            c.send(build_request("POST", "/tb/len", [("Content-Length", str(MAX_BODY + 1))]))
            assert_json_error(self, c.read_response(), 413)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_chunked_body_size_limit(self):
        piece = b"c" * 65536
        with self.conn(timeout=10) as c:
            r = c.request("POST", "/tb/len", [("Transfer-Encoding", "chunked")],
                          chunked([piece] * (MAX_BODY // len(piece))))
            self.assertEqual(r.json(), {"length": MAX_BODY})
        with self.conn(timeout=10) as c:
            c.send(build_request("POST", "/tb/len", [("Transfer-Encoding", "chunked")]))
            body = chunked([piece] * (MAX_BODY // len(piece)) + [b"!"])
            c.try_send(body)    # camid may stop reading once over the limit
            assert_json_error(self, c.read_response(), 413)
            self.assertEqual(c.read_eof(timeout=2), b"")

    # -- malformed requests --

    def test_garbage_is_400(self):
        cases = [
            b"GARBAGE\r\n\r\n",
            b"\x00\x01\x02\x03\r\n\r\n",
            b"GET /hello HTTX/1.1\r\nHost: x\r\n\r\n",
            b"GET /hello HTTP/1.1\r\nNo colon here\r\n\r\n",
            b"GET /hello HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET /hello HTTP/1.1\r\n: empty name\r\n\r\n",
            b"GET /hello HTTP/1.1\r\nHost : x\r\n\r\n",     # RFC 9112 5.1: MUST 400
            b"GET\r\n\r\n",
        ]
        for data in cases:
            with self.subTest(data=data), self.conn() as c:
                c.send(data)
                r = c.read_response()
                assert_json_error(self, r, 400)
                assert_common_headers(self, r)
                self.assertEqual(c.read_eof(timeout=2), b"")

    def test_bad_content_length_is_400(self):
        cases = [
            [("Content-Length", "abc")],
            [("Content-Length", "-1")],
            [("Content-Length", "1 2")],
            [("Content-Length", "3"), ("Content-Length", "4")],
            [("Content-Length", "3"), ("Transfer-Encoding", "chunked")],
            [("Transfer-Encoding", "chunked"), ("Content-Length", "3")],
        ]
        for headers in cases:
            with self.subTest(headers=headers), self.conn() as c:
                c.send(build_request("POST", "/tb/len", headers) + b"abc")
                assert_json_error(self, c.read_response(), 400)
                self.assertEqual(c.read_eof(timeout=2), b"")

    # -- routing errors --

    def test_404(self):
        with self.conn() as c:
            r = c.request("GET", "/nope/nothing")
            assert_json_error(self, r, 404)
            assert_common_headers(self, r)
            self.assertEqual(c.request("GET", "/hello").status, 200)  # still open

    def test_405_with_allow(self):
        cases = [("DELETE", "/hello", {"GET", "HEAD"}),
                 ("POST", "/hello", {"GET", "HEAD"}),
                 ("PUT", "/hello/bob", {"GET", "HEAD"}),
                 ("GET", "/tb/len", {"POST"})]
        with self.conn() as c:
            for method, path, allow in cases:
                with self.subTest(method=method, path=path):
                    r = c.request(method, path, body=b"" if method in ("POST", "PUT") else None)
                    assert_json_error(self, r, 405)
                    assert_common_headers(self, r)
                    self.assertIsNotNone(r.header("Allow"), r)
                    got = {m.strip() for m in r.header("Allow").split(",")}
                    self.assertEqual(got, allow)

    def test_301_to_slashed_path(self):
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/tb/items/").json(), {"items": []})
            for target, location in (("/tb/items", "/tb/items/"),
                                     ("/tb/items?a=1&b=x%20y", "/tb/items/?a=1&b=x%20y")):
                with self.subTest(target=target):
                    r = c.request("GET", target)
                    self.assertEqual(r.status, 301, r)
                    assert_common_headers(self, r)
                    loc = r.header("Location")
                    self.assertIsNotNone(loc, r)
                    # Relative or absolute, it must lead to the slashed path
                    # with the query kept.
                    self.assertRegex(loc, r"^(http://[^/]+)?" + re.escape(location) + "$")

    def test_500_when_handler_fails(self):
        with self.conn() as c:
            r = c.request("GET", "/tb/fail")
            assert_json_error(self, r, 500)
            assert_common_headers(self, r)
            self.assertNotIn("partial", r.json(), "the failed handler's response leaked")
            self.assertEqual(c.request("GET", "/hello").json(), HELLO)

    def test_bad_query_is_400_not_500(self):
        with self.conn() as c:
            r = c.request("GET", "/tb/slow?ms=abc")
            assert_json_error(self, r, 400)

    # -- headers and request ids --

    def test_common_headers(self):
        with self.conn() as c:
            for method, target, status in (("GET", "/hello", 200), ("GET", "/nope", 404),
                                           ("DELETE", "/hello", 405), ("GET", "/tb/fail", 500),
                                           ("GET", "/tb/items", 301), ("GET", "/tb/big?n=0", 200)):
                with self.subTest(target=target):
                    r = c.request(method, target)
                    self.assertEqual(r.status, status, r)
                    assert_common_headers(self, r, method)

    def test_request_id_echo(self):
        good = ["abc", "A-Z.0_9:x", "x" * 64, "1"]
        bad = ["x" * 65, "has space", "semi;colon", "quote\"", "\u00e9t\u00e9"]
        with self.conn() as c:
            for rid in good:
                with self.subTest(rid=rid):
                    r = c.request("GET", "/hello", [("X-Request-Id", rid)])
                    self.assertEqual(r.header("X-Request-Id"), rid)
            seen = set()
            for rid in bad:
                with self.subTest(rid=rid):
                    c.send(build_request("GET", "/hello", [("X-Request-Id", rid)]))
                    r = c.read_response()
                    self.assertEqual(r.status, 200, r)
                    got = r.header("X-Request-Id")
                    self.assertNotEqual(got, rid)
                    self.assertRegex(got, REQUEST_ID)
                    seen.add(got)
            self.assertEqual(len(seen), len(bad), "generated ids repeat: %r" % seen)

    def test_request_id_generated_unique(self):
        with self.conn() as c:
            ids = [c.request("GET", "/hello").header("X-Request-Id") for _ in range(20)]
        with self.conn() as c:
            ids += [c.request("GET", "/nope").header("X-Request-Id") for _ in range(5)]
        for rid in ids:
            self.assertRegex(rid, REQUEST_ID)
        self.assertEqual(len(set(ids)), len(ids), ids)

    # -- access log --

    def test_access_log(self):
        stamp = "alog%d" % os.getpid()
        with self.conn() as c:
            c.send(build_request("GET", "/hello", [("X-Request-Id", stamp + "-a")]) +
                   build_request("GET", "/nope/x", [("X-Request-Id", stamp + "-b")]) +
                   build_request("POST", "/tb/len", [("X-Request-Id", stamp + "-c")],
                                 b"12345"))
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(c.read_response().status, 404)
            self.assertEqual(c.read_response().status, 200)

        def ours(lines):
            found = [ln for ln in lines if "rid=" + stamp in ln]
            return found if len(found) >= 3 else None

        lines = self.server.wait_for_stdout(ours)
        self.assertIsNotNone(lines, "no access log lines for %s on stdout:\n%s" %
                             (stamp, self.server.stdout()[-2000:]))
        self.assertEqual(len(lines), 3, lines)
        by_rid = {}
        for ln in lines:
            m = re.search(r"rid=(\S+)", ln)
            by_rid[m.group(1)] = ln
        a, b, cl = by_rid[stamp + "-a"], by_rid[stamp + "-b"], by_rid[stamp + "-c"]
        self.assertRegex(a, r'"GET /hello HTTP/1\.1" 200 %d \d+us ' % len(r.body))
        self.assertIn("plugin=hello", a)
        self.assertRegex(a, r"127\.0\.0\.1:\d+")
        self.assertRegex(a, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")
        self.assertRegex(b, r'"GET /nope/x HTTP/1\.1" 404 \d+ \d+us ')
        self.assertRegex(cl, r'"POST /tb/len HTTP/1\.1" 200 \d+ \d+us ')
        self.assertIn("plugin=testbed", cl)

    # -- a client that leaves --

    def test_client_leaves_during_deferred_request(self):
        c = RawConn(self.server.port())
        c.send(build_request("GET", "/tb/slow?ms=300") + build_request("GET", "/hello"))
        c.close()
        c = RawConn(self.server.port())
        c.send(build_request("GET", "/hello/slow?ms=300"))
        c.close()
        time.sleep(0.5)
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/healthz").status, 200)


class TimeoutTest(ServerTestCase):
    """Short timeouts, so a slow or idle client is cut off."""

    HEADER_MS = 2500
    BODY_MS = 1500
    KEEPALIVE_MS = 1500
    server_options = {"http": {"header_timeout": HEADER_MS, "body_timeout": BODY_MS,
                               "keepalive_timeout": KEEPALIVE_MS},
                      "camid": {"access_log": "off"}}

    def assertCutOffAfter(self, elapsed, timeout_ms):
        # Never early; late only by scheduling slack.
        self.assertGreaterEqual(elapsed, timeout_ms / 1000.0 - 0.1,
                                "closed before the timeout")
        self.assertLessEqual(elapsed, timeout_ms / 1000.0 + scaled(1.0),
                             "not closed within the timeout")

    def trickle(self, c, data, interval, limit):
        """Send one byte every `interval` s until camid answers or closes;
        returns the seconds until then. Fails after `limit` seconds."""
        start = time.monotonic()
        for i in range(len(data)):
            if not c.try_send(data[i:i + 1]):
                break
            if c.wait_readable(interval):
                break
            if time.monotonic() - start > limit:
                self.fail("still open after %.1fs of trickling" % limit)
        else:
            self.fail("trickle data ran out before camid reacted")
        if not c.buf and not c.eof:
            c.wait_readable(scaled(1.0))
        return time.monotonic() - start

    def test_slowloris_header(self):
        head = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
        with self.conn() as c:
            elapsed = self.trickle(c, head, 1.0, self.HEADER_MS / 1000 + scaled(3))
            self.assertCutOffAfter(elapsed, self.HEADER_MS)
            assert_json_error(self, c.read_response(), 408)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_idle_connection_without_a_request(self):
        with self.conn() as c:
            start = time.monotonic()
            data = c.read_eof(timeout=max(self.HEADER_MS, self.KEEPALIVE_MS) / 1000 + 2)
            elapsed = time.monotonic() - start
            self.assertGreaterEqual(elapsed, min(self.HEADER_MS, self.KEEPALIVE_MS) / 1000 - 0.1)
            self.assertLessEqual(elapsed, max(self.HEADER_MS, self.KEEPALIVE_MS) / 1000 +
                                 scaled(1.0))
            if data:    # a 408 is allowed here, silence too
                self.assertTrue(data.startswith(b"HTTP/1.1 408 "), data)

    def test_body_timeout_stalled(self):
        with self.conn() as c:
            c.send(build_request("POST", "/tb/len", [("Content-Length", "100")]) + b"x" * 10)
            start = time.monotonic()
            r = c.read_response(timeout=self.BODY_MS / 1000 + 3)
            self.assertCutOffAfter(time.monotonic() - start, self.BODY_MS)
            assert_json_error(self, r, 408)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_body_timeout_trickle(self):
        with self.conn() as c:
            c.send(build_request("POST", "/tb/len", [("Content-Length", "1000")]))
            elapsed = self.trickle(c, b"x" * 1000, 0.25, self.BODY_MS / 1000 + scaled(3))
            self.assertCutOffAfter(elapsed, self.BODY_MS)
            assert_json_error(self, c.read_response(), 408)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_body_timeout_chunked_trickle(self):
        with self.conn() as c:
            c.send(build_request("POST", "/tb/len", [("Transfer-Encoding", "chunked")]))
            elapsed = self.trickle(c, b"1\r\nx\r\n" * 200, 0.1, self.BODY_MS / 1000 + scaled(3))
            self.assertCutOffAfter(elapsed, self.BODY_MS)
            assert_json_error(self, c.read_response(), 408)
            self.assertEqual(c.read_eof(timeout=2), b"")

    def test_keepalive_idle_close(self):
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/hello").status, 200)
            time.sleep(self.KEEPALIVE_MS / 2000)
            self.assertEqual(c.request("GET", "/hello").status, 200,
                             "closed before keepalive_timeout")
            start = time.monotonic()
            data = c.read_eof(timeout=self.KEEPALIVE_MS / 1000 + 3)
            self.assertCutOffAfter(time.monotonic() - start, self.KEEPALIVE_MS)
            self.assertEqual(data, b"", "an idle keep-alive close is silent")

    def test_deferred_request_outlives_timeouts(self):
        ms = max(self.HEADER_MS, self.BODY_MS, self.KEEPALIVE_MS) + 500
        with self.conn() as c:
            c.send(build_request("GET", "/tb/slow?ms=%d" % ms) + build_request("GET", "/hello"))
            r = c.read_response(timeout=ms / 1000 + 3)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"ms": ms})
            self.assertEqual(c.read_response().json(), HELLO)


class HandlerTimeoutTest(ServerTestCase):
    """handler_timeout: a deferred request its plugin does not finish in time
    gets 504 and its connection closes; the plugin's late finish is harmless
    (checked by the server's own clean exit, under valgrind/ASan too)."""

    server_options = {"http": {"handler_timeout": 600}}

    def test_504_then_late_finish(self):
        with self.conn(timeout=10) as c:
            start = time.monotonic()
            c.send(build_request("GET", "/tb/slow?ms=%d" % int(scaled(2000)))
                   + build_request("GET", "/hello"))
            r = c.read_response()
            elapsed = time.monotonic() - start
            assert_json_error(self, r, 504)
            assert_common_headers(self, r)
            self.assertEqual(r.header("connection"), "close")
            self.assertGreaterEqual(elapsed, 0.5)
            self.assertLess(elapsed, scaled(2000) / 1000.0)
            # the pipelined request behind it is not served on this connection
            self.assertEqual(c.read_eof(timeout=5), b"")
        # the late finish arrives while other connections are served
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/hello").json(), HELLO)
        time.sleep(scaled(2000) / 1000.0)
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/hello").json(), HELLO)

    def test_finished_in_time_is_untouched(self):
        with self.conn() as c:
            r = c.request("GET", "/tb/slow?ms=100")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(c.request("GET", "/hello").json(), HELLO)


class MaxConnectionsTest(ServerTestCase):
    """max_connections = 2: a third connection gets 503 and is closed."""

    server_options = {"http": {"max_connections": 2}, "camid": {"access_log": "off"}}

    def test_503_over_max_connections(self):
        time.sleep(scaled(0.2))     # let camid see the readiness probes go
        first, second = self.conn(), self.conn()
        try:
            for c in (first, second):
                self.assertEqual(c.request("GET", "/hello").status, 200)
            with self.conn() as third:
                third.try_send(build_request("GET", "/hello"))
                r = third.read_response()
                assert_json_error(self, r, 503)
                assert_common_headers(self, r)
                self.assertEqual(third.read_eof(timeout=2), b"")
            # Both held connections are still served.
            self.assertEqual(first.request("GET", "/hello").status, 200)
            first.close()
            # With one slot free again, a new connection is served (camid may
            # need a moment to see the close).
            deadline = time.monotonic() + scaled(3)
            while True:
                with self.conn() as c:
                    c.try_send(build_request("GET", "/hello"))
                    status = c.read_response().status
                if status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(status, 200, "a freed connection slot was not reused")
        finally:
            first.close()
            second.close()


if __name__ == "__main__":
    main()
