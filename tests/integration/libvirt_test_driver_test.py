#!/usr/bin/python3
"""vmforged with compute_driver = libvirt.LibvirtDriver on libvirt's
in-process test:///default hypervisor, through the HTTP API: servers build
to ACTIVE on two hosts on their image's base file in each host's cache,
power actions reach the domains, an image file that is not what its
disk_format says is a build failure without reschedule, deletes leave
nothing."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
LIAR = "3f8b5c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c"
ADMIN = "admin:project-a"


class LibvirtTestDriverTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="vmforge-libvirt-")
        os.makedirs(os.path.join(self.work, "images"))
        subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2",
                               os.path.join(self.work, "images",
                                            "tiny.qcow2"), "64M"])
        # Raw bytes said to be qcow2: qemu-img reads them as raw.
        with open(os.path.join(self.work, "images", "liar.qcow2"), "wb") as f:
            f.write(b"\0" * 65536)
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
name = liar
file = images/liar.qcow2
""" % (IMAGE, LIAR))
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

    def test_an_image_qemu_img_refuses_is_a_fault_without_reschedule(self):
        sid = self.create("liar", image=LIAR)
        server = self.wait(sid, "ERROR")
        message = server["fault"]["message"]
        self.assertIn("Image %s is unacceptable: its disk_format is qcow2 "
                      "but qemu-img reads it as raw" % LIAR, message)
        # Not retryable (Nova's ImageUnacceptable): no reschedule, so no
        # "Exceeded maximum ..." fault.
        self.assertNotIn("Exceeded maximum", message)
        base = os.path.join(self.work, "var", "instances", "_base")
        self.assertEqual(os.listdir(base) if os.path.isdir(base) else [], [])

    def test_overlays_are_made_on_the_base_file(self):
        sid = self.create("on-base")
        self.wait(sid, "ACTIVE")
        base = os.path.join(self.work, "var", "instances", "_base",
                            hashlib.sha1(IMAGE.encode()).hexdigest())
        self.assertTrue(os.path.isfile(base))
        self.assertEqual(open(base, "rb").read(),
                         open(os.path.join(self.work, "images", "tiny.qcow2"),
                              "rb").read())
        self.assertEqual(call(self.v + "/servers/" + sid, "DELETE")[0], 204)
        self.wait(sid, "gone")


if __name__ == "__main__":
    unittest.main(verbosity=2)
