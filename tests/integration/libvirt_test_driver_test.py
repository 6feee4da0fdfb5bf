#!/usr/bin/python3
"""vmforged with compute_driver = libvirt.LibvirtDriver on libvirt's
in-process test:///default hypervisor, through the HTTP API: servers build
to ACTIVE on two hosts, power actions reach the domains, a missing image
file is a build failure with libvirt's reason, deletes leave nothing."""
import os
import shutil
import sys
import tempfile
import time
import unittest

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
MISSING = "3f8b5c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c"
ADMIN = "admin:project-a"


class LibvirtTestDriverTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="vmforge-libvirt-")
        os.makedirs(os.path.join(self.work, "images"))
        with open(os.path.join(self.work, "images", "tiny.qcow2"), "wb") as f:
            f.write(b"QFI\xfb")
        conf = os.path.join(self.work, "vmforge.conf")
        with open(conf, "w") as f:
            f.write("""
[DEFAULT]
compute_driver = libvirt.LibvirtDriver
[libvirt]
connection_uri = test:///default
[host:compute-1]
memory_mb = 100000
[host:compute-2]
memory_mb = 100000
[image:%s]
name = tiny
file = images/tiny.qcow2
[image:%s]
name = missing
file = images/missing.qcow2
""" % (IMAGE, MISSING))
        self.d = Daemon(BINARY, "--config", conf, workdir=self.work)
        self.v = self.d.url + "/v2.1"

    def tearDown(self):
        self.d.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def create(self, name, image=IMAGE):
        status, _, body = call(self.v + "/servers", "POST", {"server": {
            "name": name, "imageRef": image, "flavorRef": "1"}})
        self.assertEqual(status, 202, body)
        return body["server"]["id"]

    def wait(self, sid, status):
        deadline = time.time() + 30
        while time.time() < deadline:
            code, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
            if code == 200 and body["server"]["status"] == status \
                    and body["server"]["OS-EXT-STS:task_state"] is None:
                return body["server"]
            if status == "gone" and code == 404:
                return None
            time.sleep(0.05)
        self.fail("%s never reached %s: %s" % (sid, status, body))

    def test_servers_live_on_the_test_hypervisor(self):
        self.assertIn("libvirt test:///default", self.d.log_text())
        ids = [self.create("lv-%d" % i) for i in range(4)]
        servers = [self.wait(sid, "ACTIVE") for sid in ids]
        self.assertEqual({s["OS-EXT-SRV-ATTR:host"] for s in servers},
                         {"compute-1", "compute-2"})
        self.assertTrue(all(s["OS-EXT-SRV-ATTR:instance_name"]
                            .startswith("instance-") for s in servers))
        self.assertTrue(all(s["OS-EXT-STS:power_state"] == 1 for s in servers))
        sid = ids[0]
        for action, status, power in (("os-stop", "SHUTOFF", 4),
                                      ("os-start", "ACTIVE", 1),
                                      ("pause", "PAUSED", 3),
                                      ("unpause", "ACTIVE", 1),
                                      ("suspend", "SUSPENDED", 7),
                                      ("resume", "ACTIVE", 1)):
            code, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                                 {action: None})
            self.assertEqual(code, 202, body)
            self.assertEqual(self.wait(sid, status)["OS-EXT-STS:power_state"],
                             power, action)
        _, _, body = call(self.v + "/os-hypervisors/statistics", token=ADMIN)
        self.assertEqual(body["hypervisor_statistics"]["running_vms"], 4)
        _, _, body = call(self.v + "/os-hypervisors/detail", token=ADMIN)
        self.assertEqual({h["hypervisor_type"] for h in body["hypervisors"]},
                         {"TEST"})
        for sid in ids:
            self.assertEqual(call(self.v + "/servers/" + sid, "DELETE")[0], 204)
        for sid in ids:
            self.wait(sid, "gone")
        _, _, body = call(self.v + "/os-hypervisors/statistics", token=ADMIN)
        self.assertEqual(body["hypervisor_statistics"]["memory_mb_used"], 0)

    def test_a_missing_image_file_is_a_fault_without_reschedule(self):
        # The embedded catalog made the missing file a blank disk at start
        # (and the API accepts the image): gone again, the driver finds no
        # file.
        os.remove(os.path.join(self.work, "images", "missing.qcow2"))
        sid = self.create("no-image", image=MISSING)
        server = self.wait(sid, "ERROR")
        message = server["fault"]["message"]
        self.assertIn("missing.qcow2 not found", message)
        # Not retryable: no reschedule, so no "Exceeded maximum ..." fault.
        self.assertNotIn("Exceeded maximum", message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
