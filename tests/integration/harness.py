"""Shared helpers for camid's integration tests.

The tests start a real camid from the build tree on free ports, talk to it
over real sockets and stop it with a signal. They need core/camid,
plugins/.libs/hello.so and tests/plugins/.libs/testbed*.so in the build
directory, which is $CAMI_TOP_BUILDDIR (set by `make check`) or the current
directory. The bus's tests also use core/camictl and tests/plugins/.libs/
busbed.so; Camid(bus={...}) opens the [bus] endpoints on free ports.

Environment:
  CAMI_TOP_BUILDDIR     the build directory (default: cwd)
  CAMID_WRAPPER         a command camid runs under, e.g.
                        "valgrind --leak-check=full --error-exitcode=99";
                        its error reports fail the test that stopped camid
  CAMI_SANITIZERS=yes   camid is an ASan+UBSan build (set by make check)
  CAMI_TEST_TIME_SCALE  multiply every wait by this (default: 1, 2 under
                        sanitizers, 8 under valgrind)
  CAMI_TEST_KEEP=1      keep the temporary config and log directories

Only the standard library, python3-requests and (for the bus) python3-zmq
are used. Every socket
operation and every wait has a deadline, so a test fails rather than hangs.
"""

import atexit
import faulthandler
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

BUILDDIR = os.path.abspath(os.environ.get("CAMI_TOP_BUILDDIR") or os.getcwd())
CAMID = os.path.join(BUILDDIR, "core", "camid")
PLUGIN_DIR = os.path.join(BUILDDIR, "plugins", ".libs")
TEST_PLUGIN_DIR = os.path.join(BUILDDIR, "tests", "plugins", ".libs")
HELLO_SO = os.path.join(PLUGIN_DIR, "hello.so")
CAMICTL = os.path.join(BUILDDIR, "core", "camictl")
# The [bus] keys that name an endpoint camid binds (each gets a free port).
BUS_ENDPOINTS = ("events_out", "events_in", "tasks_in")

WRAPPER = shlex.split(os.environ.get("CAMID_WRAPPER", ""))
UNDER_VALGRIND = any(os.path.basename(w).startswith("valgrind") for w in WRAPPER)
SANITIZED = os.environ.get("CAMI_SANITIZERS") == "yes"


def _time_scale():
    env = os.environ.get("CAMI_TEST_TIME_SCALE")
    if env:
        return float(env)
    if UNDER_VALGRIND:
        return 8.0
    if SANITIZED:
        return 2.0
    return 1.0


TIME_SCALE = _time_scale()


def scaled(seconds):
    """A wait that grows with the slowdown of valgrind or the sanitizers."""
    return seconds * TIME_SCALE


def test_plugin(name):
    """Path of a test plugin built in tests/plugins/ (testbed, testbed_dup, ...)."""
    return os.path.join(TEST_PLUGIN_DIR, name + ".so")


def require_built(*paths):
    """Raise (an error, not a skip) when a build product is missing."""
    wanted = [CAMID, HELLO_SO, test_plugin("testbed")] + list(paths)
    missing = [p for p in wanted if not os.path.exists(p)]
    if missing:
        raise RuntimeError(
            "not built: %s (build with `make check`, or set CAMI_TOP_BUILDDIR "
            "to the build directory; it is %s)" % (", ".join(missing), BUILDDIR))


# ---------------------------------------------------------------------------
# Running camid

def _is_script(path):
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def camid_command(args):
    """The argv to run camid with args, under CAMID_WRAPPER if set.

    When core/camid is a libtool wrapper script, `libtool --mode=execute`
    makes the wrapper (valgrind) run the real binary, not the shell."""
    cmd = [CAMID] + list(args)
    if not WRAPPER:
        return cmd
    if _is_script(CAMID):
        return [os.path.join(BUILDDIR, "libtool"), "--mode=execute"] + WRAPPER + cmd
    return WRAPPER + cmd


def camid_env():
    env = dict(os.environ)
    if SANITIZED:
        # intercept_tls_get_addr=0: see CAMI_ASAN_OPTIONS in Makefile.am
        env.setdefault("ASAN_OPTIONS",
                       "detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


_MEMORY_ERROR_PATTERNS = [
    # valgrind; the summary is missing under -q, so match the reports too
    re.compile(r"==\d+== ERROR SUMMARY: [1-9]\d* errors"),
    re.compile(r"==\d+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised"
               r"|Syscall param|Mismatched free|Source and destination overlap"
               r"|Process terminating)"),
    re.compile(r"==\d+== .* are (definitely|possibly) lost in loss record"),
    re.compile(r"ERROR: AddressSanitizer"),
    re.compile(r"ERROR: LeakSanitizer"),
    re.compile(r"runtime error: "),                           # UBSan
]


def memory_errors(text):
    """Lines of a valgrind/ASan/UBSan report found in text (camid's stderr)."""
    found = []
    for line in text.splitlines():
        if any(p.search(line) for p in _MEMORY_ERROR_PATTERNS):
            found.append(line)
    return found


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def run_camid(args, timeout=20.0):
    """Run camid to completion (-t, --version, ...); a CompletedProcess with
    text stdout/stderr. A wrapper's memory error report raises."""
    try:
        proc = subprocess.run(camid_command(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              env=camid_env(), timeout=scaled(timeout))
    except subprocess.TimeoutExpired as e:
        raise AssertionError("camid %s did not exit within %.0fs" %
                             (" ".join(args), scaled(timeout))) from e
    errors = memory_errors(proc.stderr)
    if errors:
        raise AssertionError("camid %s: memory errors reported:\n%s\n--- stderr ---\n%s" %
                             (" ".join(args), "\n".join(errors), tail(proc.stderr, 80)))
    return proc


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (held together while picking,
    so they differ; another process may still take one before camid binds,
    which Camid.start() retries)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def render_config(sections):
    """INI text from [(section, {key: value}), ...]; values are str()ed."""
    out = ["# written by tests/integration/harness.py"]
    for name, keys in sections:
        out.append("")
        out.append("[%s]" % name)
        for k, v in keys.items():
            out.append("%s = %s" % (k, v))
    return "\n".join(out) + "\n"


def default_plugins():
    """hello (found in plugin_dir by its bare name) and testbed (by path)."""
    return {"hello": {}, "testbed": {"module": test_plugin("testbed")}}


class StartError(AssertionError):
    pass


_running = []


def _kill_leftovers():
    # Last resort when a test run dies with camid still up: kill the process
    # group the harness created for it (camid and any workers it forked).
    for server in list(_running):
        server.kill()


atexit.register(_kill_leftovers)


class Camid:
    """One camid process with a generated config.

    listeners: names; each gets a free port on 127.0.0.1.
    camid, http: extra keys for [camid] and [http].
    plugins: {name: {key: value}} for [plugin.NAME]; default hello+testbed.
    bus: None (no [bus] section) or {key: value} for [bus]; events_out,
         events_in and tasks_in get tcp://127.0.0.1:<free port> unless
         given (a value of None leaves the key out).
    extra: more config text appended as is.
    """

    def __init__(self, listeners=("main",), camid=None, http=None, plugins=None,
                 extra="", bus=None):
        self.listener_names = list(listeners)
        self.camid_keys = {"workers": 1, "plugin_dir": PLUGIN_DIR,
                           "log_level": "info", "access_log": "on"}
        self.camid_keys.update(camid or {})
        self.http_keys = dict(http or {})
        self.plugins = default_plugins() if plugins is None else plugins
        self.extra = extra
        self.bus_keys = None if bus is None else dict(bus)
        self.bus_ports = {}
        self.dir = tempfile.mkdtemp(prefix="camid-test-")
        self.config_path = os.path.join(self.dir, "camid.conf")
        self.stdout_path = os.path.join(self.dir, "stdout.log")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.ports = {}
        self.proc = None
        self.returncode = None

    # -- configuration --
    def config_text(self):
        sections = [("camid", self.camid_keys)]
        if self.http_keys:
            sections.append(("http", self.http_keys))
        for name in self.listener_names:
            sections.append(("listener." + name,
                             {"address": "127.0.0.1:%d" % self.ports[name]}))
        if self.bus_keys is not None:
            keys = {k: self.bus_endpoint(k) for k in self.bus_ports}
            keys.update((k, v) for k, v in self.bus_keys.items() if v is not None)
            sections.append(("bus", keys))
        for name, keys in self.plugins.items():
            sections.append(("plugin." + name, keys))
        return render_config(sections) + self.extra

    def port(self, listener="main"):
        return self.ports[listener]

    def bus_endpoint(self, key):
        """Where a partner connects to the [bus] endpoint key (events_out...)."""
        if key in (self.bus_keys or {}) and self.bus_keys[key] is not None:
            return self.bus_keys[key]
        return "tcp://127.0.0.1:%d" % self.bus_ports[key]

    def _bus_port_keys(self):
        if self.bus_keys is None:
            return []
        return [k for k in BUS_ENDPOINTS if k not in self.bus_keys]

    def url(self, path, listener="main"):
        return "http://127.0.0.1:%d%s" % (self.ports[listener], path)

    # -- process --
    def start(self, ready_timeout=10.0):
        last = None
        for _ in range(3):
            bus_keys = self._bus_port_keys()
            ports = free_ports(len(self.listener_names) + len(bus_keys))
            self.ports = dict(zip(self.listener_names, ports))
            self.bus_ports = dict(zip(bus_keys, ports[len(self.listener_names):]))
            with open(self.config_path, "w") as f:
                f.write(self.config_text())
            self._spawn()
            try:
                self._wait_ready(scaled(ready_timeout))
                return self
            except StartError as e:
                last = e
                if "in use" not in self.stderr():
                    raise
                self.kill()   # a port was taken between picking and binding
        raise last

    def _spawn(self):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            # Own session: a Ctrl-C of the test run does not reach camid, and
            # kill() can end camid and the workers it forked together.
            self.proc = subprocess.Popen(camid_command(["-c", self.config_path]),
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=camid_env(), start_new_session=True)
        self.returncode = None
        _running.append(self)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        # With several workers, worker 0 binds the bus's endpoints; it may
        # come up after another worker already serves HTTP.
        pending = set(self.ports.values()) | set(self.bus_ports.values())
        while pending:
            if self.proc.poll() is not None:
                self._forget()
                self.returncode = self.proc.returncode
                raise StartError("camid exited with %d before listening\n--- stderr ---\n%s" %
                                 (self.returncode, tail(self.stderr())))
            for port in list(pending):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    pending.discard(port)
                except OSError:
                    pass
            if not pending:
                break
            if time.monotonic() > deadline:
                self.kill()
                raise StartError("camid did not listen on %s within %.1fs\n--- stderr ---\n%s" %
                                 (sorted(pending), timeout, tail(self.stderr())))
            time.sleep(0.02)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        """Send sig to camid itself (not its process group), as an admin or
        systemd's main-PID kill would."""
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Wait for exit; returns the exit status or None on timeout."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._forget()
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Signal camid and wait for it; kills it (and fails) when it does not
        exit in time. Returns the exit status."""
        if self.proc is None:
            raise AssertionError("camid was never started")
        if self.proc.poll() is None:
            self.send_signal(sig)
        rc = self.wait(scaled(timeout))
        if rc is None:
            self.kill()
            raise AssertionError("camid did not exit within %.1fs of %s\n--- stderr ---\n%s" %
                                 (scaled(timeout), signal.Signals(sig).name, tail(self.stderr())))
        return rc

    def check_exit(self, rc=None):
        """Assert a clean exit: status 0 and no memory error report."""
        rc = self.returncode if rc is None else rc
        problems = []
        if rc != 0:
            problems.append("camid exited with status %r, expected 0" % (rc,))
        errors = memory_errors(self.stderr())
        if errors:
            problems.append("memory errors reported:\n" + "\n".join(errors))
        if problems:
            raise AssertionError("\n".join(problems) + "\n--- stderr (%s) ---\n%s" %
                                 (self.stderr_path, tail(self.stderr(), 80)))

    def stop_checked(self, sig=signal.SIGTERM, timeout=15.0):
        rc = self.stop(sig, timeout)
        self.check_exit(rc)
        self.cleanup()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._forget()

    def _forget(self):
        if self in _running:
            _running.remove(self)

    def cleanup(self):
        if os.environ.get("CAMI_TEST_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- output --
    def stdout(self):
        return _read_text(self.stdout_path)

    def stderr(self):
        return _read_text(self.stderr_path)

    def wait_for_stdout(self, predicate, timeout=3.0):
        """Poll camid's stdout until predicate(lines) returns a true value,
        which is returned; None on timeout."""
        deadline = time.monotonic() + scaled(timeout)
        while True:
            found = predicate(self.stdout().splitlines())
            if found or time.monotonic() > deadline:
                return found or None
            time.sleep(0.05)


def run_camictl(config_path, args, timeout=20.0):
    """Run core/camictl -c config_path ARGS...; a CompletedProcess with text
    stdout/stderr. A sanitizer report on its stderr raises."""
    try:
        proc = subprocess.run([CAMICTL, "-c", config_path] + list(args),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", env=camid_env(), timeout=scaled(timeout))
    except subprocess.TimeoutExpired as e:
        raise AssertionError("camictl %s did not exit within %.0fs" %
                             (" ".join(args), scaled(timeout))) from e
    errors = memory_errors(proc.stderr)
    if errors:
        raise AssertionError("camictl %s: memory errors reported:\n%s" %
                             (" ".join(args), "\n".join(errors)))
    return proc


_METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def metric_values(port, timeout=5.0):
    """{name: sum over its samples} from GET /metrics on 127.0.0.1:port."""
    with RawConn(port, timeout=timeout) as c:
        r = c.request("GET", "/metrics")
    if r.status != 200:
        raise AssertionError("GET /metrics: %r" % r)
    out = {}
    for line in r.body.decode("utf-8").splitlines():
        m = _METRIC_LINE.match(line)
        if m and not line.startswith("#"):
            out[m.group(1)] = out.get(m.group(1), 0) + float(m.group(3))
    return out


def wait_until(predicate, timeout, what, interval=0.02):
    """Poll predicate() until it returns a true value (returned) or the
    scaled timeout passes (AssertionError naming `what` and the last value)."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" %
                                 (scaled(timeout), what, value))
        time.sleep(interval)


def _read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


class ServerTestCase(unittest.TestCase):
    """Test case with one camid per class: set server_options (kwargs of
    Camid). A failing test prints the tail of camid's stderr; tearDownClass
    stops camid with SIGTERM and asserts status 0 and no memory errors."""

    server_options = {}
    server = None

    @classmethod
    def setUpClass(cls):
        require_built()
        cls.server = Camid(**cls.server_options).start()

    @classmethod
    def tearDownClass(cls):
        server, cls.server = cls.server, None
        if server is not None:
            server.stop_checked()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result is not None and self.server is not None and \
                len(result.failures) + len(result.errors) > before:
            sys.stderr.write("--- camid stderr after %s ---\n%s\n" %
                             (self.id(), tail(self.server.stderr())))
        return out

    def conn(self, listener="main", timeout=5.0):
        return RawConn(self.server.port(listener), timeout=timeout)


# ---------------------------------------------------------------------------
# A raw HTTP/1.1 client: sends any bytes, parses responses strictly.

class ProtocolError(AssertionError):
    """The server's bytes are not a well-framed HTTP/1.1 response."""


class ReadTimeout(AssertionError):
    """Nothing (more) arrived within the deadline."""


_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_STATUS_LINE = re.compile(rb"^HTTP/1\.([01]) ([1-9][0-9][0-9]) ([\t !-~\x80-\xff]*)$")
_FIELD_VALUE = re.compile(rb"^[\t !-~\x80-\xff]*$")


class Response:
    def __init__(self, version, status, reason, headers, body, head):
        self.version = version      # "HTTP/1.1"
        self.status = status        # int
        self.reason = reason        # str
        self.headers = headers      # [(name, value)] as received, str
        self.body = body            # bytes
        self.head = head            # raw status line + headers, bytes

    def header(self, name):
        """The value of a header that must appear at most once; None if absent."""
        values = self.header_all(name)
        if len(values) > 1:
            raise ProtocolError("header %s repeated: %r" % (name, values))
        return values[0] if values else None

    def header_all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n.lower() == name]

    def connection_tokens(self):
        tokens = set()
        for v in self.header_all("Connection"):
            tokens.update(t.strip().lower() for t in v.split(",") if t.strip())
        return tokens

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError("body is not JSON (%s): %r" % (e, self.body[:200])) from e

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.headers, self.body[:200])


class RawConn:
    """One TCP connection to camid. Every read has a deadline (default
    `timeout` seconds, scaled); a peer reset counts as end of stream, noted
    in self.reset."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.timeout = scaled(timeout)
        self.sock = socket.create_connection((host, port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()    # appended to and consumed from the front: O(1) each
        self.eof = False
        self.reset = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    # -- sending --
    def send(self, data):
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def try_send(self, data):
        """Send; returns False when the server has closed or stopped reading
        (reset, broken pipe or a full window until the deadline)."""
        try:
            self.send(data)
            return True
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            return False

    def send_in_pieces(self, data, size, delay):
        for i in range(0, len(data), size):
            self.send(data[i:i + size])
            if delay:
                time.sleep(delay)

    # -- receiving --
    def _deadline(self, timeout):
        return time.monotonic() + (self.timeout if timeout is None else scaled(timeout))

    def _fill(self, deadline):
        """Read more into buf. Returns False at end of stream."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReadTimeout("timed out waiting for data; have %r" % self.buf[:300])
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(262144)
        except socket.timeout:
            raise ReadTimeout("timed out waiting for data; have %r" % self.buf[:300]) from None
        except ConnectionResetError:
            self.reset = True
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def wait_readable(self, timeout):
        """True when data or end of stream arrives within timeout (unscaled
        seconds: callers pacing a slow client use exact times)."""
        if self.buf or self.eof:
            return True
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.reset = True
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        return True

    def _line(self, deadline, what):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                if i == 0 or self.buf[i - 1:i] != b"\r":
                    raise ProtocolError("%s ends in a bare LF: %r" % (what, self.buf[:i + 1]))
                line = bytes(self.buf[:i - 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > 65536:
                raise ProtocolError("%s longer than 64 KiB" % what)
            if not self._fill(deadline):
                raise ProtocolError("connection closed in the middle of %s: %r" %
                                    (what, self.buf[:300]))

    def _exact(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ProtocolError("connection closed after %d of %d body bytes" %
                                    (len(self.buf), n))
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_response(self, method="GET", timeout=None):
        """Read one response to a `method` request. Strict: CRLF line ends,
        a valid status line, token header names, no obs-fold, exactly one
        Content-Length (camid always sends one, 1xx and 204 aside: none), no
        Transfer-Encoding; the body is exactly Content-Length bytes (none for
        HEAD, 1xx, 204 and 304)."""
        deadline = self._deadline(timeout)
        if not self.buf and not self._fill(deadline):
            raise ProtocolError("connection closed before a response (reset=%s)" % self.reset)
        status_line = self._line(deadline, "the status line")
        m = _STATUS_LINE.match(status_line)
        if not m:
            raise ProtocolError("bad status line %r" % status_line)
        version = "HTTP/1." + m.group(1).decode()
        status = int(m.group(2))
        reason = m.group(3).decode("latin-1")
        head = [status_line]
        headers = []
        while True:
            line = self._line(deadline, "a header line")
            head.append(line)
            if line == b"":
                break
            if line[:1] in (b" ", b"\t"):
                raise ProtocolError("obsolete line folding: %r" % line)
            name, sep, value = line.partition(b":")
            if not sep or not _TOKEN.match(name):
                raise ProtocolError("bad header line %r" % line)
            value = value.strip(b" \t")
            if not _FIELD_VALUE.match(value):
                raise ProtocolError("control character in header %r" % line)
            headers.append((name.decode("ascii"), value.decode("latin-1")))
        resp = Response(version, status, reason, headers, b"", b"\r\n".join(head) + b"\r\n")
        if resp.header_all("Transfer-Encoding"):
            raise ProtocolError("camid sent Transfer-Encoding (it always frames with "
                                "Content-Length): %r" % headers)
        lengths = resp.header_all("Content-Length")
        if 100 <= status < 200 or status == 204:
            # RFC 9110 8.6: no Content-Length in 1xx and 204 answers
            if lengths:
                raise ProtocolError("Content-Length in a %d answer: %r" % (status, lengths))
            return resp
        if len(lengths) != 1 or not re.fullmatch(r"[0-9]+", lengths[0]):
            raise ProtocolError("need exactly one numeric Content-Length, got %r" % lengths)
        if method == "HEAD" or status == 304:
            return resp
        resp.body = self._exact(int(lengths[0]), deadline)
        return resp

    def read_final(self, method="GET", timeout=None):
        """Read responses until a non-1xx one; returns (final, [interim])."""
        interim = []
        while True:
            resp = self.read_response(method, timeout)
            if resp.status >= 200:
                return resp, interim
            interim.append(resp)

    def read_eof(self, timeout=None):
        """Read to end of stream; returns the bytes that came before it.
        Raises ReadTimeout when the connection stays open."""
        deadline = self._deadline(timeout)
        while self._fill(deadline):
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def assert_quiet(self, wait=0.2):
        """Nothing more arrives within `wait` seconds (scaled) and the
        connection is still open."""
        if self.buf:
            raise ProtocolError("unexpected extra bytes: %r" % self.buf[:300])
        try:
            more = self._fill(time.monotonic() + scaled(wait))
        except ReadTimeout:
            return
        if more:
            raise ProtocolError("unexpected extra bytes: %r" % self.buf[:300])
        raise ProtocolError("connection closed unexpectedly (reset=%s)" % self.reset)

    def request(self, method, target, headers=None, body=None, timeout=None):
        """Send one request and read its final response."""
        self.send(build_request(method, target, headers, body))
        return self.read_final(method, timeout)[0]


def build_request(method, target, headers=None, body=None, version="HTTP/1.1",
                  host=True):
    """Bytes of a request. headers: list of (name, value) or a dict. Adds
    Host (unless host=False or given) and Content-Length for a body unless a
    Transfer-Encoding or Content-Length is given."""
    if isinstance(headers, dict):
        headers = list(headers.items())
    headers = list(headers or [])
    names = {n.lower() for n, _ in headers}
    if host and "host" not in names:
        headers.insert(0, ("Host", "127.0.0.1"))
    if isinstance(body, str):
        body = body.encode()
    if body is not None and not names & {"content-length", "transfer-encoding"}:
        headers.append(("Content-Length", str(len(body))))
    lines = ["%s %s %s" % (method, target, version)]
    lines += ["%s: %s" % (n, v) for n, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def chunked(parts, extensions=None, trailers=None):
    """A chunked body from byte strings. extensions: per chunk (or for the
    last chunk at index len(parts)) text after the size, e.g. ';a=1'.
    trailers: list of (name, value)."""
    extensions = extensions or {}
    out = b""
    for i, p in enumerate(parts):
        if isinstance(p, str):
            p = p.encode()
        out += b"%x%s\r\n%s\r\n" % (len(p), extensions.get(i, "").encode(), p)
    out += b"0%s\r\n" % extensions.get(len(parts), "").encode()
    for n, v in trailers or []:
        out += ("%s: %s\r\n" % (n, v)).encode()
    return out + b"\r\n"


# ---------------------------------------------------------------------------
# Assertions shared by the test files

_IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
                          r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                          r"\d{4} \d\d:\d\d:\d\d GMT$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def assert_common_headers(tc, resp, method="GET"):
    """Date (IMF-fixdate, within a minute of now), Content-Length matching
    the body, Content-Type, X-Request-Id; JSON errors for 4xx/5xx."""
    import email.utils
    date = resp.header("Date")
    tc.assertIsNotNone(date, "no Date header: %r" % resp)
    tc.assertRegex(date, _IMF_FIXDATE)
    when = email.utils.parsedate_to_datetime(date).timestamp()
    tc.assertLess(abs(when - time.time()), 60 + scaled(5), "Date is off: %s" % date)
    length = resp.header("Content-Length")
    tc.assertIsNotNone(length, "no Content-Length: %r" % resp)
    if method != "HEAD":
        tc.assertEqual(int(length), len(resp.body))
    ctype = resp.header("Content-Type")
    tc.assertIsNotNone(ctype, "no Content-Type: %r" % resp)
    rid = resp.header("X-Request-Id")
    tc.assertIsNotNone(rid, "no X-Request-Id: %r" % resp)
    tc.assertRegex(rid, REQUEST_ID)
    if resp.status >= 400:
        assert_json_error(tc, resp, resp.status, method)


def assert_json_error(tc, resp, status, method="GET"):
    tc.assertEqual(resp.status, status, "expected %d: %r" % (status, resp))
    ctype = resp.header("Content-Type") or ""
    tc.assertEqual(ctype.split(";")[0].strip().lower(), "application/json",
                   "error without JSON Content-Type: %r" % resp)
    if method == "HEAD":
        return
    body = resp.json()
    tc.assertIsInstance(body, dict, resp)
    tc.assertIsInstance(body.get("error"), str, "no error message: %r" % resp)
    tc.assertTrue(body["error"], "empty error message: %r" % resp)


def _start_watchdog(seconds):
    # Every wait has its own deadline; this is the backstop for a bug in a
    # test. It kills the camids it started (atexit does not run on _exit).
    def fire():
        sys.stderr.write("watchdog: this test file ran over %.0fs; stopping\n" % seconds)
        faulthandler.dump_traceback(all_threads=True)
        _kill_leftovers()
        os._exit(3)
    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def main():
    """Run the calling module's tests; exit non-zero on failure."""
    sys.dont_write_bytecode = True
    _start_watchdog(scaled(120))
    unittest.main(module="__main__", verbosity=2)


# ---------------------------------------------------------------------------
# A private MariaDB for the store's tests (scripts/devdb in a temporary dir).

SRCDIR = os.path.abspath(os.environ.get("CAMI_TOP_SRCDIR") or
                         os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEVDB = os.path.join(SRCDIR, "scripts", "devdb")


class DevDB:
    """scripts/devdb on a data directory of its own and a free port.

    start()/stop() run the script (idempotent); env() its CAMI_DB_*
    values; store_config() the [plugin.store] keys that reach it; sql()
    runs statements through the mariadb client as the cami user."""

    def __init__(self):
        # Short: the socket path must fit in 107 bytes.
        self.dir = tempfile.mkdtemp(prefix="cami-db-", dir="/tmp")
        self.port = free_ports(1)[0]
        self.socket = os.path.join(self.dir, "mariadbd.sock")

    def _run(self, command, timeout=120.0):
        env = dict(os.environ, CAMI_DEVDB_DIR=self.dir, CAMI_DEVDB_PORT=str(self.port))
        proc = subprocess.run([DEVDB, command], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", env=env, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError("scripts/devdb %s failed (%d):\n%s%s" %
                                 (command, proc.returncode, proc.stdout, proc.stderr))
        return proc.stdout

    def start(self):
        self._run("start")
        return self

    def stop(self):
        self._run("stop")

    def reset(self):
        self._run("reset")

    def destroy(self):
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def env(self):
        out = {}
        for line in self._run("env").splitlines():
            m = re.match(r"^export (\w+)='(.*)'$", line)
            if m:
                out[m.group(1)] = m.group(2)
        return out

    def store_config(self, **extra):
        keys = {"socket": self.socket, "user": "cami", "password": "cami", "database": "cami"}
        keys.update(extra)
        return keys

    def sql(self, statements, timeout=30.0):
        """Run SQL text with the mariadb client; its tab-separated output."""
        proc = subprocess.run(["mariadb", "--no-defaults", "-S", self.socket, "-ucami",
                               "-pcami", "--batch", "cami"], input=statements,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError("mariadb: %s" % proc.stderr)
        return proc.stdout
