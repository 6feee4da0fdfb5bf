#!/usr/bin/python3
"""vmforged on a real libvirtd with qemu under software emulation (TCG),
through the HTTP API: three servers boot and run in qemu, a guest destroyed
with virsh shows SHUTOFF through the API, a stop shuts the guest down, a
libvirtd that goes away takes the host out of scheduling until it is back,
and deletes leave no domain and no disk. Exits 77 (skipped) where no
libvirtd can run (not root, packages missing)."""
import os
import sys
import time
import unittest
import urllib.request

from daemon import Daemon
import libvirtd
from libvirtd import Api, qemu_config

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"


class LibvirtQemuTest(unittest.TestCase):
    def setUp(self):
        self.lv = libvirtd.Libvirtd()
        self.addCleanup(self.lv.close)
        self.lv.warm_up()
        self.work = self.lv.dir
        self.d = Daemon(BINARY, "--config",
                        qemu_config(self.work, self.lv.uri), workdir=self.work)
        self.addCleanup(self.cleanup)
        self.api = Api(self.d)
        self.names = set()

    def cleanup(self):
        self.d.stop()
        # Whatever a failed run left: guests outlive libvirtd.
        if self.lv.pid is None:
            self.lv.start()
        for name in self.lv.domains("--all") & self.names:
            if name in self.lv.domains():
                self.lv.virsh("destroy", name)
            self.lv.virsh("undefine", name, "--managed-save")
        # libvirtd keeps transient pools across its restarts.
        if "vmforge-instances" in self.lv.virsh("pool-list", "--name"):
            self.lv.virsh("pool-destroy", "vmforge-instances")

    def metric(self, series):
        with urllib.request.urlopen(self.d.metrics_url, timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(series + " "):
                    return float(line.split()[-1])
        self.fail("no %s in /metrics" % series)

    def boot(self, count):
        start = time.time()
        ids = [self.api.create("qemu-%d" % i) for i in range(count)]
        servers = [self.api.wait(sid, "ACTIVE") for sid in ids]
        took = time.time() - start
        for s in servers:
            self.names.add(s["OS-EXT-SRV-ATTR:instance_name"])
        return ids, servers, took

    def test_servers_run_in_qemu(self):
        ids, servers, took = self.boot(3)
        print("3 qemu servers ACTIVE in %.2f s" % took, file=sys.stderr)
        names = [s["OS-EXT-SRV-ATTR:instance_name"] for s in servers]
        self.assertTrue(set(names) <= self.lv.domains())  # running
        for s in servers:
            self.assertEqual(s["OS-EXT-STS:power_state"], 1)
            self.assertTrue(os.path.exists(os.path.join(
                self.work, "instances", s["id"], "console.log")))
        xml = self.lv.virsh("dumpxml", names[0])
        self.assertIn("type='qemu'", xml)
        self.assertIn(ids[0], xml)

        # A guest destroyed behind vmforge's back: libvirt's lifecycle event.
        self.lv.virsh("destroy", names[0])
        self.assertEqual(self.api.wait(ids[0], "SHUTOFF", 15)
                         ["OS-EXT-STS:power_state"], 4)
        self.api.action(ids[0], "os-start")
        self.api.wait(ids[0], "ACTIVE")
        self.assertIn(names[0], self.lv.domains())
        # A stop asks the guest first; one without an OS is destroyed
        # after shutdown_timeout.
        self.api.action(ids[1], "os-stop")
        self.api.wait(ids[1], "SHUTOFF")
        self.assertIn(names[1], self.lv.domains("--inactive"))

        # libvirtd goes away: the host leaves scheduling, as Nova shows it.
        self.lv.stop()
        svc = self.api.wait_service("disabled")
        self.assertTrue(svc["disabled_reason"].startswith(
            "AUTO: Connection to libvirt lost: "), svc)
        hyp = self.api.hypervisor()
        self.assertEqual((hyp["hypervisor_type"], hyp["status"],
                          hyp["service"]["disabled_reason"]),
                         ("QEMU", "disabled", svc["disabled_reason"]))
        self.assertEqual(self.metric('vmforge_compute_host_up{host="compute-1"}'), 0)
        lost = self.api.create("while-down")
        fault = self.api.wait(lost, "ERROR", 30)["fault"]["message"]
        self.assertIn("No valid host was found", fault)
        self.lv.start()
        self.assertIsNone(self.api.wait_service("enabled")["disabled_reason"])
        self.assertEqual(self.metric('vmforge_compute_host_up{host="compute-1"}'), 1)
        # The monitor's failed reconnects while libvirtd was away.
        self.assertGreaterEqual(
            self.metric('vmforge_libvirt_call_errors_total{call="connect"}'), 1)
        ids.append(lost)
        back = self.api.create("after")
        self.names.add(self.api.wait(back, "ACTIVE")
                       ["OS-EXT-SRV-ATTR:instance_name"])
        ids.append(back)
        # Guests outlived the daemon's restart.
        self.assertIn(names[2], self.lv.domains())

        for sid in ids:
            self.api.delete(sid)
        for sid in ids:
            self.api.wait(sid, "gone")
        self.assertFalse(self.lv.domains("--all") & self.names)
        self.assertNotIn(".qcow2", self.lv.virsh("vol-list",
                                                 "vmforge-instances"))
        # Disks and console logs alike; what stays is the image cache (its
        # base, unused but young, and its locks) and the catalog's
        # snapshot folder.
        self.assertEqual(sorted(os.listdir(os.path.join(self.work,
                                                        "instances"))),
                         ["_base", "_snapshots", "locks"])
        self.assertEqual(len(os.listdir(os.path.join(self.work, "instances",
                                                     "_base"))), 1)

    def test_snapshot_and_shelve_in_qemu(self):
        import json
        import subprocess
        from daemon import call
        ids, servers, _ = self.boot(1)
        sid, name = ids[0], servers[0]["OS-EXT-SRV-ATTR:instance_name"]
        status, hdrs, body = call(self.api.v + "/servers/%s/action" % sid,
                                  "POST", {"createImage": {"name": "q"}})
        self.assertEqual(status, 202, body)
        image_id = hdrs["Location"].rsplit("/", 1)[1]
        snapshots = os.path.join(self.work, "instances", "_snapshots")
        record = os.path.join(snapshots, image_id + ".json")
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(record):
                with open(record) as f:
                    if json.load(f)["status"] == "active":
                        break
            time.sleep(0.1)
        # Flattened: a standalone qcow2, no backing file.
        info = json.loads(subprocess.run(
            ["qemu-img", "info", "-U", "--output=json",
             os.path.join(snapshots, image_id)],
            check=True, capture_output=True, text=True).stdout)
        self.assertEqual(info["format"], "qcow2")
        self.assertNotIn("backing-filename", info)
        # The guest was paused for the copy and runs again.
        self.assertEqual(self.api.wait(sid, "ACTIVE")
                         ["OS-EXT-STS:power_state"], 1)
        self.assertIn(name, self.lv.domains())
        # Shelved and offloaded: no domain, no disk; unshelved from the
        # snapshot into qemu again.
        self.api.action(sid, "shelve")
        self.api.wait(sid, "SHELVED_OFFLOADED")
        self.assertNotIn(name, self.lv.domains("--all"))
        self.api.action(sid, "unshelve")
        back = self.api.wait(sid, "ACTIVE")
        self.names.add(back["OS-EXT-SRV-ATTR:instance_name"])
        self.assertIn(back["OS-EXT-SRV-ATTR:instance_name"], self.lv.domains())
        self.api.delete(sid)
        self.api.wait(sid, "gone")


if __name__ == "__main__":
    why = libvirtd.available()
    if why:
        print("skipped: " + why)
        sys.exit(77)
    unittest.main(verbosity=2)
