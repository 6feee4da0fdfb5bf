#!/usr/bin/python3
"""createImage, shelve, shelveOffload and unshelve against a real vmforged
(fake driver, embedded image catalog, two hosts): the snapshot's record and
data on disk, a server booted from it, SHELVED_OFFLOADED with its host's
usage freed, an unshelve scheduled back to a host, Nova's 409s."""
import json
import os
import sys
import tempfile
import time
import unittest
import urllib.request

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
USER = "user-a:project-a"
ADMIN = "admin:project-a"


def config(text):
    f = tempfile.NamedTemporaryFile("w", prefix="vmforge-", suffix=".conf",
                                    delete=False)
    f.write(text)
    f.close()
    return f.name


class Base(unittest.TestCase):
    OFFLOAD_TIME = 0

    @classmethod
    def setUpClass(cls):
        cls.conf = config("[DEFAULT]\nshelved_offload_time = %d\n"
                          % cls.OFFLOAD_TIME)
        cls.d = Daemon(BINARY, "--config", cls.conf, "--hosts", "2")
        cls.v = cls.d.url + "/v2.1"
        cls.snapshots = os.path.join(cls.d.dir, "var/instances/_snapshots")

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        os.unlink(cls.conf)
        assert code == 0

    def create(self, name, image=IMAGE, token=USER):
        status, _, body = call(self.v + "/servers", "POST",
                               {"server": {"name": name, "imageRef": image,
                                           "flavorRef": "1"}}, token=token)
        self.assertEqual(status, 202, body)
        return body["server"]["id"]

    def server(self, sid, token=ADMIN):
        status, _, body = call(self.v + "/servers/" + sid, token=token)
        self.assertEqual(status, 200, body)
        return body["server"]

    def wait(self, sid, status, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.server(sid)
            if s["status"] == status and s["OS-EXT-STS:task_state"] is None:
                return s
            if s["status"] == "ERROR":
                self.fail("server %s in ERROR: %s" % (sid, s.get("fault")))
            time.sleep(0.05)
        self.fail("server %s never reached %s (last: %s/%s)"
                  % (sid, status, s["status"], s["OS-EXT-STS:task_state"]))

    def action(self, sid, body, token=USER, version=None):
        headers = {"OpenStack-API-Version": "compute " + version} \
            if version else None
        return call(self.v + "/servers/%s/action" % sid, "POST", body,
                    token=token, headers=headers)

    def record(self, image_id):
        path = os.path.join(self.snapshots, image_id + ".json")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    def wait_image(self, image_id, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rec = self.record(image_id)
            if rec and rec["status"] == "active":
                return rec
            time.sleep(0.05)
        self.fail("image %s never became active: %s"
                  % (image_id, self.record(image_id)))

    def hypervisor(self, host):
        status, _, body = call(self.v + "/os-hypervisors/detail", token=ADMIN)
        self.assertEqual(status, 200, body)
        return [h for h in body["hypervisors"]
                if h["hypervisor_hostname"] == host][0]

    def metric(self, name, labels=""):
        with urllib.request.urlopen(self.d.metrics_url, timeout=10) as r:
            text = r.read().decode()
        for line in text.splitlines():
            if line.startswith(name + labels + " ") or \
                    (not labels and line.startswith(name + " ")):
                return float(line.split()[-1])
        return None

    def actions(self, sid):
        status, _, body = call(self.v + "/servers/%s/os-instance-actions" % sid,
                               token=ADMIN)
        self.assertEqual(status, 200, body)
        return body["instanceActions"]

    def events(self, sid, request_id):
        status, _, body = call(self.v + "/servers/%s/os-instance-actions/%s"
                               % (sid, request_id), token=ADMIN)
        self.assertEqual(status, 200, body)
        return [(e["event"], e["result"])
                for e in body["instanceAction"]["events"]]

    def assertConflict(self, result, message):
        status, _, body = result
        self.assertEqual(status, 409, body)
        self.assertEqual(body["conflictingRequest"]["message"], message)


class SnapshotAndOffloadTest(Base):
    OFFLOAD_TIME = 0

    def test_create_image_uploads_the_disk_and_boots_again(self):
        sid = self.create("origin")
        self.wait(sid, "ACTIVE")
        status, hdrs, body = self.action(
            sid, {"createImage": {"name": "snap-1",
                                  "metadata": {"purpose": "test"}}})
        self.assertEqual(status, 202, body)
        self.assertIsNone(body)  # before 2.45: no body, a Location
        location = hdrs["Location"]
        self.assertIn("/images/", location)
        image_id = location.rsplit("/", 1)[1]
        rec = self.wait_image(image_id)
        self.assertEqual(rec["name"], "snap-1")
        self.assertEqual(rec["disk_format"], "qcow2")
        self.assertEqual(rec["container_format"], "bare")
        self.assertEqual(rec["visibility"], "private")
        self.assertEqual(rec["owner"], "project-a")
        props = rec["properties"]
        for key, value in {"image_type": "snapshot", "instance_uuid": sid,
                           "user_id": "user-a", "base_image_ref": IMAGE,
                           "owner_id": "project-a",
                           "image_location": "snapshot",
                           "image_state": "available",
                           "purpose": "test"}.items():
            self.assertEqual(props.get(key), value, key)
        with open(os.path.join(self.snapshots, image_id), "rb") as f:
            self.assertEqual(f.read(4), b"QFI\xfb")  # a qcow2
        self.assertEqual(rec["size"],
                         os.path.getsize(os.path.join(self.snapshots,
                                                      image_id)))
        # The server is as it was, its action recorded with the host's event.
        s = self.wait(sid, "ACTIVE")
        self.assertEqual(s["image"]["id"], IMAGE)
        acts = self.actions(sid)
        self.assertEqual(acts[0]["action"], "createImage")
        self.assertIn(("compute_snapshot_instance", "Success"),
                      self.events(sid, acts[0]["request_id"]))
        self.assertGreaterEqual(
            self.metric("vmforge_image_snapshot_uploads_total",
                        '{result="ok"}'), 1)
        self.assertGreater(
            self.metric("vmforge_image_snapshot_upload_bytes_total"), 0)
        # A server booted from the snapshot.
        clone = self.create("clone", image=image_id)
        c = self.wait(clone, "ACTIVE")
        self.assertEqual(c["image"]["id"], image_id)
        # Nova's answer for 2.37 (vmforge's highest) is still a Location.
        status, hdrs, body = self.action(
            sid, {"createImage": {"name": "snap-2"}}, version="2.37")
        self.assertEqual(status, 202, body)
        self.assertIsNone(body)
        self.wait_image(hdrs["Location"].rsplit("/", 1)[1])

    def test_create_image_errors_are_novas(self):
        sid = self.create("errors")
        self.wait(sid, "ACTIVE")
        for body in ({"createImage": {}}, {"createImage": {"name": ""}},
                     {"createImage": {"name": "x", "bogus": 1}},
                     {"createImage": {"name": "x", "metadata": {"k": 1}}},
                     {"createImage": "x"}):
            with self.subTest(body=body):
                status, _, out = self.action(sid, body)
                self.assertEqual(status, 400, out)
                self.assertIn("badRequest", out)
        status, _, out = self.action("00000000-0000-0000-0000-000000000000",
                                     {"createImage": {"name": "x"}})
        self.assertEqual(status, 404, out)
        too_many = {"k%d" % i: "v" for i in range(129)}
        status, _, out = self.action(sid, {"createImage": {
            "name": "x", "metadata": too_many}})
        self.assertEqual(status, 403, out)
        self.assertEqual(out["forbidden"]["message"],
                         "Image metadata limit exceeded")
        # A server still building refuses, and no image is made.
        before = set(os.listdir(self.snapshots))
        building = self.create("building")
        result = self.action(building, {"createImage": {"name": "x"}})
        if result[0] == 409:
            self.assertIn("Cannot 'createImage' instance %s while it is in "
                          % building, result[2]["conflictingRequest"]["message"])
            self.assertEqual(before, set(os.listdir(self.snapshots)))

    def test_shelve_offloads_frees_the_host_and_unshelve_schedules_again(self):
        sid = self.create("shelf")
        s = self.wait(sid, "ACTIVE")
        host = s["OS-EXT-SRV-ATTR:host"]
        used = self.hypervisor(host)["vcpus_used"]
        status, _, body = self.action(sid, {"shelve": None})
        self.assertEqual(status, 202, body)
        s = self.wait(sid, "SHELVED_OFFLOADED")
        self.assertIsNone(s["OS-EXT-SRV-ATTR:host"])
        self.assertEqual(s["OS-EXT-STS:vm_state"], "shelved_offloaded")
        self.assertEqual(s["image"]["id"], IMAGE)
        self.assertEqual(self.hypervisor(host)["vcpus_used"], used - 1)
        shelved = [r for r in (self.record(f[:-5])
                               for f in os.listdir(self.snapshots)
                               if f.endswith(".json"))
                   if r and r["properties"].get("instance_uuid") == sid]
        self.assertEqual(len(shelved), 1)
        self.assertEqual(shelved[0]["name"], "shelf-shelved")
        self.assertEqual(shelved[0]["status"], "active")
        snap = shelved[0]["id"]
        # Every wrong state is Nova's 409.
        self.assertConflict(
            self.action(sid, {"shelve": None}),
            "Cannot 'shelve' instance %s while it is in vm_state "
            "shelved_offloaded" % sid)
        self.assertConflict(
            self.action(sid, {"shelveOffload": None}),
            "Cannot 'shelveOffload' instance %s while it is in vm_state "
            "shelved_offloaded" % sid)
        self.assertConflict(
            self.action(sid, {"createImage": {"name": "x"}}),
            "Cannot 'createImage' instance %s while it is in vm_state "
            "shelved_offloaded" % sid)
        self.assertConflict(
            self.action(sid, {"os-start": None}),
            "Cannot 'start' instance %s while it is in vm_state "
            "shelved_offloaded" % sid)
        status, _, body = self.action(sid, {"unshelve": None})
        self.assertEqual(status, 202, body)
        s = self.wait(sid, "ACTIVE")
        self.assertIn(s["OS-EXT-SRV-ATTR:host"], ("compute-1", "compute-2"))
        self.assertEqual(s["image"]["id"], IMAGE)  # the original again
        self.assertEqual(s["OS-EXT-STS:power_state"], 1)
        # The shelved snapshot is gone.
        deadline = time.time() + 10
        while self.record(snap) is not None and time.time() < deadline:
            time.sleep(0.05)
        self.assertIsNone(self.record(snap))
        self.assertConflict(
            self.action(sid, {"unshelve": None}),
            "Cannot 'unshelve' instance %s while it is in vm_state active"
            % sid)
        acts = [a["action"] for a in self.actions(sid)]
        self.assertEqual(acts[:2], ["unshelve", "shelve"])
        unshelve = self.actions(sid)[0]["request_id"]
        self.assertIn(("compute_unshelve_instance", "Success"),
                      self.events(sid, unshelve))
        self.assertIn(("schedule_instances", "Success"),
                      self.events(sid, unshelve))
        shelve = self.actions(sid)[1]["request_id"]
        self.assertIn(("compute_shelve_instance", "Success"),
                      self.events(sid, shelve))

    def test_a_locked_server_refuses_shelve_to_its_owner(self):
        sid = self.create("locked")
        self.wait(sid, "ACTIVE")
        self.assertEqual(self.action(sid, {"lock": None})[0], 202)
        status, _, body = self.action(sid, {"shelve": None})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["conflictingRequest"]["message"],
                         "Instance %s is locked" % sid)
        # createImage does not check the lock (Nova).
        status, _, body = self.action(sid, {"createImage": {"name": "l"}})
        self.assertEqual(status, 202, body)
        self.wait(sid, "ACTIVE")

    def test_a_shelved_offloaded_server_can_be_deleted(self):
        sid = self.create("gone")
        self.wait(sid, "ACTIVE")
        self.assertEqual(self.action(sid, {"shelve": None})[0], 202)
        self.wait(sid, "SHELVED_OFFLOADED")
        status, _, _ = call(self.v + "/servers/" + sid, "DELETE", token=USER)
        self.assertEqual(status, 204)
        deadline = time.time() + 10
        while time.time() < deadline:
            if call(self.v + "/servers/" + sid, token=USER)[0] == 404:
                return
            time.sleep(0.05)
        self.fail("the shelved offloaded server was not deleted")


class ShelvedOnItsHostTest(Base):
    OFFLOAD_TIME = -1

    def test_shelve_keeps_the_host_until_shelve_offload(self):
        sid = self.create("kept")
        s = self.wait(sid, "ACTIVE")
        host = s["OS-EXT-SRV-ATTR:host"]
        used = self.hypervisor(host)["vcpus_used"]
        self.assertConflict(
            self.action(sid, {"shelveOffload": None}),
            "Cannot 'shelveOffload' instance %s while it is in vm_state "
            "active" % sid)
        self.assertEqual(self.action(sid, {"shelve": None})[0], 202)
        s = self.wait(sid, "SHELVED")
        self.assertEqual(s["OS-EXT-SRV-ATTR:host"], host)
        self.assertEqual(s["OS-EXT-STS:power_state"], 4)
        self.assertEqual(self.hypervisor(host)["vcpus_used"], used)
        self.assertConflict(
            self.action(sid, {"shelve": None}),
            "Cannot 'shelve' instance %s while it is in vm_state shelved"
            % sid)
        self.assertEqual(self.action(sid, {"shelveOffload": None})[0], 202)
        s = self.wait(sid, "SHELVED_OFFLOADED")
        self.assertIsNone(s["OS-EXT-SRV-ATTR:host"])
        self.assertEqual(self.hypervisor(host)["vcpus_used"], used - 1)
        self.assertEqual(self.action(sid, {"unshelve": None})[0], 202)
        self.wait(sid, "ACTIVE")

    def test_unshelve_of_a_shelved_server_powers_it_on_where_it_is(self):
        sid = self.create("here")
        s = self.wait(sid, "ACTIVE")
        host = s["OS-EXT-SRV-ATTR:host"]
        self.assertEqual(self.action(sid, {"shelve": None})[0], 202)
        self.wait(sid, "SHELVED")
        self.assertEqual(self.action(sid, {"unshelve": None})[0], 202)
        s = self.wait(sid, "ACTIVE")
        self.assertEqual(s["OS-EXT-SRV-ATTR:host"], host)
        self.assertEqual(s["OS-EXT-STS:power_state"], 1)
        self.assertIn(("compute_start_instance", "Success"),
                      self.events(sid, self.actions(sid)[0]["request_id"]))


class ClusterTest(Base):
    """A controller and two `vmforged --role compute` processes sharing one
    instances_path (the embedded catalog's snapshot directory): the
    operations cross the cluster port, each process's catalog sees the
    others' snapshots."""

    @classmethod
    def setUpClass(cls):
        import shutil
        import socket
        from cluster import Compute, services, wait_until
        cls.work = tempfile.mkdtemp(prefix="vmforge-snap-cluster-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cls.conf = config("[DEFAULT]\ninstances_path = %s/instances\n"
                          "report_interval = 1\n[cluster]\nport = %d\n"
                          % (cls.work, port))
        cls.d = Daemon(BINARY, "--role", "controller", "--config", cls.conf,
                       workdir=cls.work)
        cls.v = cls.d.url + "/v2.1"
        cls.snapshots = os.path.join(cls.work, "instances/_snapshots")
        cls.computes = [Compute(BINARY, name, "127.0.0.1:%d" % port, cls.conf)
                        for name in ("compute-1", "compute-2")]
        joined = wait_until(lambda: all(
            services(cls.v).get(h, {}).get("state") == "up"
            for h in ("compute-1", "compute-2")), 30)
        cls.cleanup = lambda: shutil.rmtree(cls.work, ignore_errors=True)
        assert joined, cls.d.log_text()

    @classmethod
    def tearDownClass(cls):
        for c in cls.computes:
            c.remove()
        super().tearDownClass()
        cls.cleanup()

    def test_snapshot_and_shelve_across_processes(self):
        sid = self.create("far")
        self.wait(sid, "ACTIVE")
        status, hdrs, body = self.action(sid, {"createImage": {"name": "far"}})
        self.assertEqual(status, 202, body)
        image_id = hdrs["Location"].rsplit("/", 1)[1]
        self.assertEqual(self.wait_image(image_id)["properties"]["image_type"],
                         "snapshot")
        clone = self.create("far-clone", image=image_id)
        self.wait(clone, "ACTIVE")
        self.assertEqual(self.action(sid, {"shelve": None})[0], 202)
        self.wait(sid, "SHELVED_OFFLOADED")
        self.assertEqual(self.action(sid, {"unshelve": None})[0], 202)
        s = self.wait(sid, "ACTIVE")
        self.assertIn(s["OS-EXT-SRV-ATTR:host"], ("compute-1", "compute-2"))


if __name__ == "__main__":
    unittest.main()
