"""camid's command line: --version, -h, --plugin-info, and `-t` config and
plugin checks (file:line for config problems, found/needed for plugins).

Run: CAMI_TOP_BUILDDIR=BUILD /usr/bin/python3 tests/integration/test_cli.py
"""

import json
import os
import re
import shutil
import socket
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (BUILDDIR, HELLO_SO, PLUGIN_DIR, free_ports, main,  # noqa: E402
                     require_built, run_camid, test_plugin)


def _host_abi():
    """The ABI this tree's camid provides, read from the SDK header, so the
    tests follow a deliberate ABI bump instead of hard-coding it."""
    src = os.environ.get("CAMI_TOP_SRCDIR") or os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(src, "sdk", "include", "cami", "abi.h")) as f:
        text = f.read()
    major = re.search(r"#define CAMI_ABI_MAJOR (\d+)", text).group(1)
    minor = re.search(r"#define CAMI_ABI_MINOR (\d+)", text).group(1)
    return "%s.%s" % (major, minor)


HOST_ABI = _host_abi()


def setUpModule():
    require_built(*(test_plugin(n) for n in ("testbed_dup", "abi2", "abi1_99", "cycle_a",
                                             "cycle_b", "needs_missing")))


def line_of(text, needle):
    """1-based number of the only line of text containing needle."""
    found = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    assert len(found) == 1, (needle, found)
    return found[0]


class CheckCase(unittest.TestCase):
    """Writes configs into a temporary directory and runs camid -t on them."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="camid-cli-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.port = free_ports(1)[0]

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def config(self, plugins=None, http="", camid_extra="", extra=""):
        """A valid config (unless the extras break it). plugins: text of the
        [plugin.*] sections; default hello + testbed."""
        if plugins is None:
            plugins = ("[plugin.hello]\n\n"
                       "[plugin.testbed]\nmodule = %s\n" % test_plugin("testbed"))
        return ("# test config\n"
                "[camid]\n"
                "workers = 1\n"
                "plugin_dir = %s\n"
                "log_level = info\n"
                "%s"
                "\n[http]\n"
                "max_body_size = 65536\n"
                "%s"
                "\n[listener.main]\n"
                "address = 127.0.0.1:%d\n\n"
                "%s%s" % (PLUGIN_DIR, camid_extra, http, self.port, plugins, extra))

    def check(self, text, name="camid.conf"):
        path = self.write(name, text)
        return path, run_camid(["-t", "-c", path])

    def assertRefused(self, proc, *needles):
        self.assertEqual(proc.returncode, 1, "camid -t should exit 1\n--- stderr ---\n%s" %
                         proc.stderr)
        for needle in needles:
            if isinstance(needle, re.Pattern):
                self.assertRegex(proc.stderr, needle)
            else:
                self.assertIn(needle, proc.stderr)

    def assertAt(self, proc, path, line):
        """stderr points at path:line (path as given, absolute or relative)."""
        where = re.compile(r"(^|[\s/'\"])%s:%d\b" % (re.escape(os.path.basename(path)), line),
                           re.M)
        self.assertRegex(proc.stderr, where, "no %s:%d in the message" %
                         (os.path.basename(path), line))

    def assertNotListening(self):
        with socket.socket() as s:
            s.settimeout(1)
            self.assertNotEqual(s.connect_ex(("127.0.0.1", self.port)), 0,
                                "camid -t left something serving on the port")


class InfoTest(unittest.TestCase):
    def test_version(self):
        want = None
        with open(os.path.join(BUILDDIR, "Makefile")) as f:
            for ln in f:
                m = re.match(r"PACKAGE_VERSION = (\S+)$", ln)
                if m:
                    want = m.group(1)
        self.assertIsNotNone(want, "no PACKAGE_VERSION in the build's Makefile")
        proc = run_camid(["--version"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(want, proc.stdout)
        self.assertIn("camid", proc.stdout)

    def test_help(self):
        proc = run_camid(["-h"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for opt in ("-c", "-t", "--version", "--plugin-info", "-h"):
            self.assertIn(opt, proc.stdout)

    def test_unknown_option(self):
        proc = run_camid(["--no-such-option"])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("no-such-option", proc.stderr)

    def test_plugin_info_hello(self):
        proc = run_camid(["--plugin-info", HELLO_SO])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"\bhello\b")
        self.assertRegex(proc.stdout, r"(?i)abi\W+%s\b" % re.escape(HOST_ABI))

    def test_plugin_info_testbed(self):
        proc = run_camid(["--plugin-info", test_plugin("testbed")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout
        self.assertRegex(out, r"\btestbed\b")
        self.assertIn("1.0.0", out)                                  # version
        self.assertRegex(out, r"(?i)abi\W+%s\b" % re.escape(HOST_ABI))
        self.assertIn("Routes for camid's integration tests", out)   # description
        self.assertRegex(out, r"\bhello\b")                          # dependency
        self.assertIn("slow_max_ms", out)                            # schema key
        self.assertIn("60000", out)                                  # its default
        self.assertIn("Longest delay /tb/slow accepts", out)         # its doc

    def test_plugin_info_refuses_non_plugins(self):
        tmp = tempfile.mkdtemp(prefix="camid-cli-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        text = os.path.join(tmp, "notes.so")
        with open(text, "w") as f:
            f.write("not an ELF file\n")
        for path in (text, os.path.join(tmp, "missing.so")):
            with self.subTest(path=path):
                proc = run_camid(["--plugin-info", path])
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(os.path.basename(path), proc.stderr)


class RunTaskTest(CheckCase):
    """camid --run-task / --migrate: plugins started without listeners, one
    bus task run, its result printed, the plugins stopped."""

    def run_task(self, *args):
        path = self.write("camid.conf", self.config())
        return run_camid(["-c", path] + list(args), timeout=60)

    def test_result_on_stdout(self):
        proc = self.run_task("--run-task", "hello.greet", '{"name": "Ada"}')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), {"message": "Hello, Ada!"})

    def test_handler_error_exits_1(self):
        proc = self.run_task("--run-task", "hello.greet", "{}")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("task failed", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_unknown_task(self):
        proc = self.run_task("--run-task", "nobody.handles.this")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no plugin handles task 'nobody.handles.this'", proc.stderr)

    def test_bad_json_args(self):
        proc = self.run_task("--run-task", "hello.greet", "{bad")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("not JSON", proc.stderr)

    def test_migrate_without_store(self):
        proc = self.run_task("--migrate")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("store.migrate", proc.stderr)

    def test_refused_config_runs_nothing(self):
        path = self.write("camid.conf", self.config(camid_extra="bogus = 1\n"))
        proc = run_camid(["-c", path, "--run-task", "hello.greet", '{"name": "x"}'])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("unknown key 'bogus'", proc.stderr)
        self.assertEqual(proc.stdout, "")


class CheckTest(CheckCase):
    def test_good_config(self):
        path, proc = self.check(self.config())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotListening()

    def test_module_by_name_and_relative_path(self):
        # module = bare name (plugin_dir/NAME.so), and a path relative to the
        # config file's directory.
        shutil.copy(test_plugin("testbed"), os.path.join(self.dir, "tb.so"))
        plugins = "[plugin.hello]\nmodule = hello\n\n[plugin.testbed]\nmodule = ./tb.so\n"
        path, proc = self.check(self.config(plugins))
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_plugin_dir_relative_to_config(self):
        os.symlink(PLUGIN_DIR, os.path.join(self.dir, "plugs"))
        text = self.config().replace("plugin_dir = " + PLUGIN_DIR, "plugin_dir = plugs")
        sub = os.path.join(self.dir, "elsewhere")
        os.mkdir(sub)
        path = self.write("camid.conf", text)
        cwd = os.getcwd()
        os.chdir(sub)
        try:
            proc = run_camid(["-t", "-c", path])
        finally:
            os.chdir(cwd)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_typo_key_http(self):
        text = self.config(http="max_header_sise = 100\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "max_header_sise")
        self.assertAt(proc, path, line_of(text, "max_header_sise"))

    def test_typo_key_camid(self):
        text = self.config(camid_extra="log_levle = debug\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "log_levle")
        self.assertAt(proc, path, line_of(text, "log_levle"))

    def test_typo_key_plugin(self):
        plugins = ("[plugin.testbed]\nmodule = %s\nslow_max_mss = 5\n" % test_plugin("testbed"))
        text = self.config(plugins)
        path, proc = self.check(text)
        self.assertRefused(proc, "slow_max_mss", "testbed")
        self.assertAt(proc, path, line_of(text, "slow_max_mss"))

    def test_typo_key_listener(self):
        text = self.config(extra="\n[listener.second]\nadress = 127.0.0.1:1\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "adress")
        self.assertAt(proc, path, line_of(text, "adress"))

    def test_typo_in_included_file(self):
        self.write("conf.d/testbed.conf",
                   "# testbed\n[plugin.testbed]\nmodule = %s\nslow_max_mss = 5\n" %
                   test_plugin("testbed"))
        text = self.config(plugins="", camid_extra="include = conf.d/*.conf\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "slow_max_mss")
        self.assertAt(proc, os.path.join(self.dir, "conf.d/testbed.conf"), 4)

    def test_include_glob(self):
        self.write("conf.d/testbed.conf", "[plugin.testbed]\nmodule = %s\n" %
                   test_plugin("testbed"))
        self.write("conf.d/hello.conf", "[plugin.hello]\n")
        self.write("conf.d/ignored.txt", "this is not config\n")
        text = self.config(plugins="", camid_extra="include = conf.d/*.conf\n")
        path, proc = self.check(text)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_wrong_type_host_key(self):
        text = self.config(http="header_timeout = soon\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "header_timeout")
        self.assertAt(proc, path, line_of(text, "header_timeout"))

    def test_wrong_type_plugin_key(self):
        text = self.config(plugins="[plugin.testbed]\nmodule = %s\nslow_max_ms = later\n" %
                           test_plugin("testbed"))
        path, proc = self.check(text)
        self.assertRefused(proc, "slow_max_ms", "testbed")
        self.assertAt(proc, path, line_of(text, "slow_max_ms"))

    def test_bad_enum_values(self):
        for line in ("log_level = loud\n", "workers = none\n"):
            with self.subTest(line=line):
                text = self.config(camid_extra=line)
                path, proc = self.check(text)
                self.assertRefused(proc)
                self.assertAt(proc, path, line_of(text, line.strip()))

    def test_all_problems_reported(self):
        text = self.config(http="max_header_sise = 100\nbody_timout = 5\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "max_header_sise", "body_timout")
        self.assertAt(proc, path, line_of(text, "max_header_sise"))
        self.assertAt(proc, path, line_of(text, "body_timout"))

    def test_unknown_section(self):
        text = self.config(extra="\n[htpp]\nmax_body_size = 5\n")
        path, proc = self.check(text)
        self.assertRefused(proc, "htpp")
        self.assertAt(proc, path, line_of(text, "[htpp]"))

    def test_syntax_error(self):
        text = self.config(extra="\nthis line has no equals sign\n")
        path, proc = self.check(text)
        self.assertRefused(proc)
        self.assertAt(proc, path, line_of(text, "no equals sign"))

    def test_missing_config_file(self):
        path = os.path.join(self.dir, "absent.conf")
        proc = run_camid(["-t", "-c", path])
        self.assertRefused(proc, "absent.conf")

    def test_missing_module(self):
        plugins = "[plugin.ghost]\nmodule = %s/ghost.so\n" % self.dir
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "ghost")

    def test_descriptor_name_mismatch(self):
        plugins = "[plugin.other]\nmodule = %s\n" % test_plugin("testbed")
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "other", "testbed")

    def test_unknown_listener(self):
        plugins = "[plugin.hello]\nlisteners = main,nope\n"
        text = self.config(plugins)
        path, proc = self.check(text)
        self.assertRefused(proc, "nope")

    def test_other_abi_major(self):
        plugins = "[plugin.abi2]\nmodule = %s\n" % test_plugin("abi2")
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "abi2")
        lines = [ln for ln in proc.stderr.splitlines() if "abi2" in ln]
        # found 2.0, needed 1.x (however it is worded)
        self.assertTrue(any(re.search(r"\b2\.0\b", ln) and re.search(r"\b%s\b" % re.escape(HOST_ABI), ln)
                            for ln in lines),
                        "no found/needed ABI in:\n%s" % proc.stderr)

    def test_newer_abi_minor(self):
        plugins = "[plugin.abi1_99]\nmodule = %s\n" % test_plugin("abi1_99")
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "abi1_99")
        lines = [ln for ln in proc.stderr.splitlines() if "abi1_99" in ln]
        self.assertTrue(any(re.search(r"\b1\.99\b", ln) and re.search(r"\b%s\b" % re.escape(HOST_ABI), ln)
                            for ln in lines),
                        "no found/needed ABI in:\n%s" % proc.stderr)

    def test_duplicate_route(self):
        plugins = ("[plugin.testbed]\nmodule = %s\n\n[plugin.testbed_dup]\nmodule = %s\n" %
                   (test_plugin("testbed"), test_plugin("testbed_dup")))
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "testbed_dup", re.compile(r"\btestbed\b(?!_)"), "/tb/fail")

    def test_duplicate_route_on_separate_listeners_is_fine(self):
        # Routes clash only on a shared listener.
        plugins = ("[plugin.testbed]\nmodule = %s\nlisteners = main\n\n"
                   "[plugin.testbed_dup]\nmodule = %s\nlisteners = second\n" %
                   (test_plugin("testbed"), test_plugin("testbed_dup")))
        extra = "\n[listener.second]\naddress = 127.0.0.1:%d\n" % free_ports(1)[0]
        path, proc = self.check(self.config(plugins, extra=extra))
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_dependency_cycle(self):
        plugins = ("[plugin.cycle_a]\nmodule = %s\n\n[plugin.cycle_b]\nmodule = %s\n" %
                   (test_plugin("cycle_a"), test_plugin("cycle_b")))
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "cycle_a", "cycle_b")

    def test_missing_dependency(self):
        plugins = "[plugin.needs_missing]\nmodule = %s\n" % test_plugin("needs_missing")
        path, proc = self.check(self.config(plugins))
        self.assertRefused(proc, "needs_missing", "absent")

    def test_running_with_a_bad_config_fails(self):
        text = self.config(http="max_header_sise = 100\n")
        path = self.write("camid.conf", text)
        proc = run_camid(["-c", path], timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        self.assertAt(proc, path, line_of(text, "max_header_sise"))


if __name__ == "__main__":
    main()
