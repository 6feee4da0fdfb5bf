#!/usr/bin/python3
"""os-getConsoleOutput against a real vmforged (fake driver): the fake
guest's boot log through raw HTTP and `openstack console log show`, Nova's
length semantics, 400 for a bad length, 409 for a server on no host
(shelved and offloaded), 404 for an unknown or deleted one."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

from daemon import Daemon, call, create_one

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
USER = "user-a:project-a"
ADMIN = "admin:project-a"


class ConsoleOutput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        f = tempfile.NamedTemporaryFile("w", prefix="vmforge-", suffix=".conf",
                                        delete=False)
        # An offload at once: a SHELVED_OFFLOADED server has no host.
        f.write("[DEFAULT]\nshelved_offload_time = 0\n")
        f.close()
        cls.conf = f.name
        cls.d = Daemon(BINARY, "--config", cls.conf)
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        os.unlink(cls.conf)
        assert code == 0

    def create(self, name):
        status, _, body = create_one(self.v, name)
        self.assertEqual(status, 202, body)
        return body["server"]["id"]

    def wait(self, sid, want, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
            if status == 200 and body["server"]["status"] == want \
                    and body["server"]["OS-EXT-STS:task_state"] is None:
                return body["server"]
            time.sleep(0.05)
        self.fail("server %s never reached %s" % (sid, want))

    def console(self, sid, length="absent"):
        arg = {} if length == "absent" else {"length": length}
        return call(self.v + "/servers/%s/action" % sid, "POST",
                    {"os-getConsoleOutput": arg}, token=USER)

    def cli(self, *args):
        out = subprocess.run(
            ["openstack", "--os-auth-type", "admin_token", "--os-token", USER,
             "--os-endpoint", self.v, *args],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_boot_log_and_lengths(self):
        sid = self.create("Console VM")
        self.wait(sid, "ACTIVE")
        status, _, body = self.console(sid)
        self.assertEqual(status, 200, body)
        log = body["output"]
        self.assertIn("Linux version", log)
        self.assertTrue(log.endswith("console-vm login: \n"), log)
        status, _, body = self.console(sid, None)
        self.assertEqual(body["output"], log)
        status, _, body = self.console(sid, -1)
        self.assertEqual(body["output"], log)
        status, _, body = self.console(sid, 0)
        self.assertEqual((status, body["output"]), (200, ""))
        # Nova's _tail_log: the piece after the last newline counts.
        status, _, body = self.console(sid, "2")
        self.assertEqual(body["output"], "console-vm login: \n")
        status, _, body = self.console(sid, -2)
        self.assertEqual(status, 400, body)
        status, _, body = self.console(sid, "ten")
        self.assertEqual(status, 400, body)
        # The openstack CLI end to end.
        self.assertIn("Linux version", self.cli("console", "log", "show", sid))
        last = self.cli("console", "log", "show", "--lines", "2", sid)
        self.assertIn("console-vm login:", last)
        self.assertNotIn("Linux version", last)

    def test_conflict_and_not_found(self):
        status, _, body = self.console("00000000-0000-0000-0000-000000000000")
        self.assertEqual(status, 404, body)
        sid = self.create("shelved")
        self.wait(sid, "ACTIVE")
        status, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                               {"shelve": None}, token=USER)
        self.assertEqual(status, 202, body)
        self.wait(sid, "SHELVED_OFFLOADED")
        status, _, body = self.console(sid)
        self.assertEqual(status, 409, body)
        self.assertEqual(body["conflictingRequest"]["message"],
                         "Instance %s is not ready" % sid)
        status, _, _ = call(self.v + "/servers/" + sid, "DELETE", token=USER)
        self.assertEqual(status, 204)
        deadline = time.time() + 30
        while time.time() < deadline:
            status, _, body = self.console(sid)
            if status == 404:
                break
            time.sleep(0.05)
        self.assertEqual(status, 404, body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
