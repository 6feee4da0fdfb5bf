#!/usr/bin/python3
"""vmforged behind a real Keystone with a real Glance in Keystone mode, as
an operator deploys Nova: ../shared/tempest-harness's Keystone, its
keystonemiddleware proxy in front of vmforged (auth_strategy = keystone)
and its Glance (IMAGE_SERVICE=glance, service user glance), all on free
loopback ports with a state directory of this test's own. The openstack
CLI (password auth, the catalog) drives everything:

- an image uploaded with `openstack image create` boots by name (the CLI
  resolves it in Glance, vmforge reads it with the user's token and its
  host downloads it)
- another project's private image is not found for a member (the user's
  token, not the service user's, decides what the API sees)
- `openstack server image create` makes a snapshot in Glance with Nova's
  properties, and a server boots from it
The harness's services are stopped by stop.sh (by PID); vmforged by PID."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.environ.get("TEMPEST_HARNESS",
                         os.path.join(HERE, "..", "..", "..", "shared",
                                      "tempest-harness"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def harness_usable():
    return os.path.exists(os.path.join(HARNESS, "start.sh")) and \
        subprocess.call(["/usr/bin/python3", "-c",
                         "import glance.cmd.api, keystone"], cwd="/",
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL) == 0


class KeystoneGlanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="vmforge-keystone-")
        cls.state = os.path.join(cls.work, "harness")
        os.makedirs(cls.state)
        ports = {k: free_port() for k in ("MEMCACHED_PORT", "KEYSTONE_PORT",
                                          "PROXY_PORT", "IMAGE_PORT")}
        cls.env = dict(os.environ, TEMPEST_HARNESS_STATE=cls.state,
                       IMAGE_SERVICE="glance",
                       **{k: str(v) for k, v in ports.items()})
        keystone = "http://127.0.0.1:%d/v3" % ports["KEYSTONE_PORT"]
        conf = os.path.join(cls.work, "vmforge.conf")
        with open(conf, "w") as f:
            f.write("""
[api]
auth_strategy = keystone
[glance]
api_servers = http://127.0.0.1:%d
auth_type = password
auth_url = %s
username = glance
password = glancepass
project_name = service
user_domain_name = Default
project_domain_name = Default
[host:compute-1]
[host:compute-2]
""" % (ports["IMAGE_PORT"], keystone))
        cls.d = Daemon(BINARY, "--config", conf, workdir=cls.work)
        cls.env["TARGET"] = cls.d.url
        try:
            cls.harness("setup.sh")
            cls.harness("start.sh", "all")
        except BaseException:
            cls.tearDownClass()
            raise
        cls.os_env = dict(cls.env)
        with open(os.path.join(cls.state, "admin-openrc")) as f:
            for line in f:
                if line.startswith("export "):
                    k, v = line[len("export "):].strip().split("=", 1)
                    cls.os_env[k] = v

    @classmethod
    def tearDownClass(cls):
        subprocess.call([os.path.join(HARNESS, "stop.sh"), "all"],
                        env=cls.env, stdout=subprocess.DEVNULL, cwd="/")
        cls.d.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def harness(cls, script, *args):
        # Not from this folder: its glance.py would shadow the package.
        out = subprocess.run([os.path.join(HARNESS, script), *args],
                             env=cls.env, capture_output=True, text=True,
                             timeout=600, cwd=cls.work)
        if out.returncode != 0:
            raise RuntimeError("%s %s: %s\n%s" % (script, args, out.stdout,
                                                  out.stderr))

    def os(self, *args, env=None, check=True):
        out = subprocess.run(["openstack", *args], env=env or self.os_env,
                             capture_output=True, text=True, timeout=300,
                             cwd=self.work)
        if check:
            self.assertEqual(out.returncode, 0, "openstack %s: %s\n%s" % (
                " ".join(args), out.stderr, self.d.log_text()[-2000:]))
        return out

    def value(self, *args, env=None):
        return self.os(*args, "-f", "value", env=env).stdout.strip() \
            .splitlines()[-1].strip()

    def base_of(self, image_id):
        return os.path.join(self.work, "var", "instances", "_base",
                            hashlib.sha1(image_id.encode()).hexdigest())

    def qcow2(self, name):
        path = os.path.join(self.work, name)
        subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2",
                               path, "64M"])
        return path

    def test_boot_by_name_snapshot_and_boot_from_it(self):
        image = self.value("image", "create", "--file", self.qcow2("k.qcow2"),
                           "--disk-format", "qcow2", "--container-format",
                           "bare", "--public", "ks-cirros", "-c", "id")
        sid = self.value("server", "create", "--flavor", "m1.tiny",
                         "--image", "ks-cirros", "--wait", "ks-vm", "-c", "id")
        self.assertEqual(self.value("server", "show", sid, "-c", "status"),
                         "ACTIVE")
        self.assertTrue(os.path.exists(self.base_of(image)))
        snap = self.value("server", "image", "create", "--name", "ks-snap",
                          "--wait", sid, "-c", "id")
        props = json.loads(self.os("image", "show", snap, "-f", "json")
                           .stdout)
        self.assertEqual(props["status"], "active")
        p = props.get("properties") or {}
        self.assertEqual(p.get("image_type"), "snapshot", props)
        self.assertEqual(p.get("instance_uuid"), sid, props)
        self.assertEqual(p.get("base_image_ref"), image, props)
        child = self.value("server", "create", "--flavor", "m1.tiny",
                           "--image", snap, "--wait", "ks-child", "-c", "id")
        self.assertEqual(self.value("server", "show", child, "-c", "status"),
                         "ACTIVE")
        self.os("server", "delete", "--wait", sid, child)

    def test_a_private_image_of_another_project_is_not_found(self):
        image = self.value("image", "create", "--file", self.qcow2("p.qcow2"),
                           "--disk-format", "qcow2", "--container-format",
                           "bare", "--private", "admin-only", "-c", "id")
        self.os("project", "create", "--or-show", "other")
        self.os("user", "create", "--or-show", "--project", "other",
                "--password", "otherpass", "other-user")
        self.os("role", "add", "--user", "other-user", "--project", "other",
                "member")
        env = dict(self.os_env, OS_USERNAME="other-user",
                   OS_PASSWORD="otherpass", OS_PROJECT_NAME="other")
        # Raw HTTP through the proxy: the CLI would look the image up in
        # Glance itself and stop before vmforge is asked.
        token = self.value("token", "issue", "-c", "id", env=env)
        status, _, body = call(
            "http://127.0.0.1:%s/v2.1/servers" % self.env["PROXY_PORT"],
            "POST", {"server": {"name": "not-mine", "imageRef": image,
                                "flavorRef": "1"}}, token=token)
        self.assertEqual(status, 400, body)
        self.assertEqual(body["badRequest"]["message"],
                         "Can not find requested image")


if __name__ == "__main__":
    if not harness_usable():
        print("no tempest harness, Keystone or Glance here")
        sys.exit(77)  # ctest: skipped
    unittest.main(verbosity=2)
