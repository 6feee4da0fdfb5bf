#!/usr/bin/python3
"""createImage and shelve against a REAL Glance (glance.py: a private
Glance Zed in noauth mode) and a real vmforged ([glance] api_servers, fake
driver, two hosts): the snapshot is made queued in Glance first, then
PATCHed with the driver's formats and properties and uploaded (PUT
.../file), active with Glance's own digests; a server boots from it; a
shelve's snapshot is uploaded to Glance and deleted from it by the
unshelve. Exit 77 (ctest: skipped) without python3-glance or qemu-img.

    /usr/bin/python3 tests/integration/snapshot_glance_test.py build/bin/vmforged
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import glance  # noqa: E402
from daemon import Daemon, call  # noqa: E402

BINARY = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1
                         else "build/bin/vmforged")
USER = "user-a:project-a"
ADMIN = "admin:project-a"


class SnapshotGlanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="snapshot-glance-")
        cls.g = glance.Glance()
        cls.g.__enter__()
        disk = os.path.join(cls.tmp, "disk.qcow2")
        subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2",
                               disk, "64M"])
        cls.image = cls.g.create_image(
            disk, name="cirros-glance", disk_format="qcow2",
            container_format="bare", visibility="public",
            hw_disk_bus="virtio")
        cls.conf = os.path.join(cls.tmp, "vmforge.conf")
        with open(cls.conf, "w") as f:
            f.write("[DEFAULT]\nshelved_offload_time = 0\n"
                    "[glance]\napi_servers = %s\n" % cls.g.url)
        cls.d = Daemon(BINARY, "--config", cls.conf, "--hosts", "2")
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.g.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0

    def create(self, name, image):
        status, _, body = call(self.v + "/servers", "POST",
                               {"server": {"name": name, "imageRef": image,
                                           "flavorRef": "1"}}, token=USER)
        self.assertEqual(status, 202, body)
        return body["server"]["id"]

    def wait(self, sid, status, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            code, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
            s = body["server"]
            if s["status"] == status and s["OS-EXT-STS:task_state"] is None:
                return s
            if s["status"] == "ERROR":
                self.fail("%s in ERROR: %s" % (sid, s.get("fault")))
            time.sleep(0.05)
        self.fail("%s never reached %s: %s" % (sid, status, s))

    def glance_image(self, image_id):
        status, _, body = self.g.call("/v2/images/" + image_id)
        return body if status == 200 else None

    def wait_active(self, image_id, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            img = self.glance_image(image_id)
            if img and img["status"] == "active":
                return img
            time.sleep(0.1)
        self.fail("image %s never active in Glance: %s"
                  % (image_id, self.glance_image(image_id)))

    def action(self, sid, body):
        return call(self.v + "/servers/%s/action" % sid, "POST", body,
                    token=USER)

    def test_snapshot_to_glance_and_boot_from_it(self):
        sid = self.create("g-origin", self.image["id"])
        self.wait(sid, "ACTIVE")
        status, hdrs, body = self.action(
            sid, {"createImage": {"name": "g-snap",
                                  "metadata": {"purpose": "test"}}})
        self.assertEqual(status, 202, body)
        # Nova's generate_image_url: Glance's endpoint.
        self.assertTrue(hdrs["Location"].startswith(self.g.url), hdrs)
        image_id = hdrs["Location"].rsplit("/", 1)[1]
        img = self.wait_active(image_id)
        self.assertEqual(img["name"], "g-snap")
        self.assertEqual(img["disk_format"], "qcow2")
        self.assertEqual(img["container_format"], "bare")
        self.assertEqual(img["visibility"], "private")
        for key, value in {"image_type": "snapshot", "instance_uuid": sid,
                           "user_id": "user-a",
                           "base_image_ref": self.image["id"],
                           "owner_id": "project-a",
                           "image_location": "snapshot",
                           "image_state": "available",
                           "hw_disk_bus": "virtio",
                           "purpose": "test"}.items():
            self.assertEqual(img.get(key), value, key)
        # Glance's own digests of what was uploaded; a real qcow2.
        self.assertGreater(img["size"], 0)
        self.assertEqual(len(img["os_hash_value"]), 128)
        stored = self.g.stored_file(image_id)
        with open(stored, "rb") as f:
            self.assertEqual(f.read(4), b"QFI\xfb")
        self.wait(sid, "ACTIVE")
        clone = self.create("g-clone", image_id)
        self.assertEqual(self.wait(clone, "ACTIVE")["image"]["id"], image_id)

    def test_shelve_uploads_to_glance_and_unshelve_deletes_it(self):
        sid = self.create("g-shelf", self.image["id"])
        self.wait(sid, "ACTIVE")
        self.assertEqual(self.action(sid, {"shelve": None})[0], 202)
        self.wait(sid, "SHELVED_OFFLOADED")
        status, _, body = self.g.call("/v2/images?name=g-shelf-shelved")
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["images"]), 1)
        snap = body["images"][0]
        self.assertEqual(snap["status"], "active")
        self.assertEqual(snap["instance_uuid"], sid)
        self.assertEqual(self.action(sid, {"unshelve": None})[0], 202)
        s = self.wait(sid, "ACTIVE")
        self.assertEqual(s["image"]["id"], self.image["id"])
        deadline = time.time() + 20
        while self.glance_image(snap["id"]) and time.time() < deadline:
            time.sleep(0.1)
        self.assertIsNone(self.glance_image(snap["id"]))


if __name__ == "__main__":
    # Not from tests/integration: `import glance` in Glance's own children
    # would find glance.py here before Glance's package.
    os.chdir(tempfile.gettempdir())
    if not glance.available() or not shutil.which("qemu-img"):
        print("snapshot_glance: skipped (python3-glance and qemu-img are "
              "needed: scripts/install-deps)")
        sys.exit(77)
    unittest.main()
