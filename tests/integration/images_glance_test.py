#!/usr/bin/python3
"""vmforged with a real Glance as its image service ([glance] api_servers):
a private Glance Zed on loopback (tests/integration/glance.py, noauth, file
store, SQLite), vmforged with the fake driver on two hosts, driven over raw
HTTP and the openstack CLI.

- an image uploaded to Glance boots by id and by name (the CLI resolves the
  name in Glance); its base file lands in instances_path/_base once
- 20 concurrent builds of a new image download it once
- a corrupted download (the stored file no longer matches its hash) fails
  the build on every host it is rescheduled to, and leaves no partial file
- min_ram / min_disk, a queued image, a deleted image: Nova's 400s
- shelve -> SHELVED_OFFLOADED with the host's usage freed -> unshelve onto
  the other host, its snapshot downloaded there from Glance
(snapshot_glance_test.py has createImage and the shelve's upload.)
Glance and vmforged are stopped by their PIDs; their directories removed."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from daemon import Daemon, call
import glance

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
ADMIN = "admin:project-a"
USER = "user-a:project-a"


def qcow2(path, size="64M"):
    subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2", path,
                           size])
    return path


def metric(metrics_url, name, **labels):
    """The sum of a metric's samples whose labels include `labels`."""
    with urllib.request.urlopen(metrics_url, timeout=10) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        m = re.match(r"^%s(\{([^}]*)\})? (\S+)$" % re.escape(name), line)
        if not m:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


class GlanceImagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = glance.Glance(auth="noauth")
        cls.work = tempfile.mkdtemp(prefix="vmforge-glance-")
        cls.file = qcow2(os.path.join(cls.work, "cirros.qcow2"))
        cls.image = cls.g.create_image(cls.file, name="cirros-glance",
                                       disk_format="qcow2",
                                       container_format="bare",
                                       visibility="public")
        conf = os.path.join(cls.work, "vmforge.conf")
        with open(conf, "w") as f:
            f.write("""
[DEFAULT]
compute_driver = fake.FakeDriver
[glance]
api_servers = %s
[quota]
instances = -1
cores = -1
ram = -1
[host:compute-1]
[host:compute-2]
""" % cls.g.url)
        try:
            cls.d = Daemon(BINARY, "--config", conf, workdir=cls.work)
        except BaseException:
            cls.g.stop()
            raise
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.g.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    # -- helpers ---------------------------------------------------------
    def create(self, name, image, flavor="1", token=USER, expect=202):
        status, _, body = call(self.v + "/servers", "POST", {"server": {
            "name": name, "imageRef": image, "flavorRef": flavor}},
            token=token)
        self.assertEqual(status, expect, body)
        return body["server"]["id"] if expect == 202 else body

    def server(self, sid, token=ADMIN):
        status, _, body = call(self.v + "/servers/" + sid, token=token,
                               headers={"X-OpenStack-Nova-API-Version": "2.1"})
        return body["server"] if status == 200 else None

    def wait(self, sid, *statuses, timeout=60):
        deadline = time.time() + timeout
        s = None
        while time.time() < deadline:
            s = self.server(sid)
            if s and s["status"] in statuses and \
                    not s.get("OS-EXT-STS:task_state"):
                return s
            time.sleep(0.05)
        self.fail("%s never reached %s: %s\n%s" % (
            sid, statuses, s, self.d.log_text()[-3000:]))

    def delete(self, *sids):
        for sid in sids:
            call(self.v + "/servers/" + sid, "DELETE", token=ADMIN)
        deadline = time.time() + 30
        while time.time() < deadline and any(self.server(s) for s in sids):
            time.sleep(0.05)

    def running_vms(self, host):
        status, _, body = call(self.v + "/os-hypervisors/detail", token=ADMIN)
        self.assertEqual(status, 200, body)
        for h in body["hypervisors"]:
            if h["hypervisor_hostname"] == host:
                return h["running_vms"]
        self.fail("no hypervisor %s" % host)

    def base_dir(self):
        return os.path.join(self.work, "var", "instances", "_base")

    def base_of(self, image_id):
        # Nova's imagecache.get_cache_fname: sha1 of the image id.
        return os.path.join(self.base_dir(),
                            hashlib.sha1(image_id.encode()).hexdigest())

    def new_image(self, name, **fields):
        path = qcow2(os.path.join(self.work, name + ".qcow2"))
        fields.setdefault("disk_format", "qcow2")
        fields.setdefault("container_format", "bare")
        fields.setdefault("visibility", "public")
        return self.g.create_image(path, name=name, **fields)

    def downloads_in_glance_log(self, image_id):
        return len(re.findall(r"GET /v2/images/%s/file" % image_id,
                              self.g.log_text()))

    # -- tests -----------------------------------------------------------
    def test_boot_by_id_puts_the_base_in_the_cache(self):
        sid = self.create("by-id", self.image["id"])
        s = self.wait(sid, "ACTIVE", "ERROR")
        self.assertEqual(s["status"], "ACTIVE", s)
        base = self.base_of(self.image["id"])
        self.assertTrue(os.path.exists(base), os.listdir(self.base_dir()))
        _, sha, size = glance.file_hashes(base)
        self.assertEqual(sha, self.image["os_hash_value"])
        self.assertEqual(size, self.image["size"])
        self.assertEqual([], [f for f in os.listdir(self.base_dir())
                              if f.endswith(".part")])
        self.delete(sid)

    def test_boot_by_name_through_the_openstack_cli(self):
        env = dict(os.environ, OS_IMAGE_ENDPOINT_OVERRIDE=self.g.url,
                   OS_IMAGE_API_VERSION="2")
        out = subprocess.run(
            ["openstack", "--os-auth-type", "admin_token", "--os-token",
             USER, "--os-endpoint", self.v, "server", "create", "--flavor",
             "m1.tiny", "--image", "cirros-glance", "--wait", "cli-by-name",
             "-f", "value", "-c", "id"],
            env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr + self.d.log_text()[-2000:])
        sid = out.stdout.strip().splitlines()[-1].strip()
        s = self.wait(sid, "ACTIVE")
        self.assertEqual(s["image"]["id"], self.image["id"])
        self.delete(sid)

    def test_twenty_concurrent_builds_download_once(self):
        img = self.new_image("burst-image")
        before = metric(self.d.metrics_url, "vmforge_image_download_bytes_total")
        ids, errors = [], []
        lock = threading.Lock()

        def one(i):
            try:
                sid = self.create("burst-%d" % i, img["id"])
                with lock:
                    ids.append(sid)
            except AssertionError as e:
                with lock:
                    errors.append(str(e))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for sid in ids:
            self.assertEqual(self.wait(sid, "ACTIVE", "ERROR")["status"],
                             "ACTIVE")
        # Once: both hosts of this process share instances_path/_base (and
        # its download lock), as compute hosts on a shared instances_path.
        hosts = {self.server(s)["OS-EXT-SRV-ATTR:host"] for s in ids}
        self.assertEqual(len(hosts), 2)
        self.assertEqual(self.downloads_in_glance_log(img["id"]), 1)
        self.assertEqual(metric(self.d.metrics_url,
                                "vmforge_image_download_bytes_total"),
                         before + img["size"])
        self.delete(*ids)

    def test_a_corrupted_download_fails_and_leaves_no_partial_file(self):
        img = self.new_image("corrupt-image")
        self.g.corrupt(img["id"])
        sid = self.create("corrupt", img["id"])
        s = self.wait(sid, "ERROR", "ACTIVE")
        self.assertEqual(s["status"], "ERROR")
        # Retried on the other host (both got the same bad bytes).
        self.assertEqual(self.downloads_in_glance_log(img["id"]), 2)
        self.assertFalse(os.path.exists(self.base_of(img["id"])))
        self.assertEqual([], [f for f in os.listdir(self.base_dir())
                              if f.startswith(self.base_of(img["id"])
                                              .rsplit("/", 1)[1])])
        self.assertGreaterEqual(metric(self.d.metrics_url,
                                       "vmforge_image_downloads_total",
                                       result="checksum_mismatch"), 2)
        self.delete(sid)

    def test_min_ram_and_min_disk(self):
        img = self.new_image("big-ram", min_ram=4096)
        body = self.create("low-ram", img["id"], expect=400)
        self.assertEqual(body["badRequest"]["message"],
                         "Flavor's memory is too small for requested image.")
        img = self.new_image("big-disk", min_disk=10)
        body = self.create("low-disk", img["id"], expect=400)
        self.assertIn("Flavor's disk is smaller than the minimum size",
                      body["badRequest"]["message"])

    def test_queued_and_deleted_images(self):
        status, _, queued = self.g.call("/v2/images", "POST", {
            "name": "queued", "disk_format": "qcow2",
            "container_format": "bare", "visibility": "public"})
        self.assertEqual(status, 201)
        body = self.create("queued", queued["id"], expect=400)
        self.assertEqual(body["badRequest"]["message"],
                         "Image %s is not active." % queued["id"])
        img = self.new_image("deleted")
        self.assertEqual(self.g.call("/v2/images/" + img["id"], "DELETE")[0],
                         204)
        body = self.create("deleted", img["id"], expect=400)
        self.assertEqual(body["badRequest"]["message"],
                         "Can not find requested image")

    def test_shelve_offloads_and_unshelve_lands_on_the_other_host(self):
        sid = self.create("to-shelve", self.image["id"])
        s = self.wait(sid, "ACTIVE")
        first = s["OS-EXT-SRV-ATTR:host"]
        used = self.running_vms(first)
        status, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                               {"shelve": None}, token=USER)
        self.assertEqual(status, 202, body)
        s = self.wait(sid, "SHELVED_OFFLOADED", "ERROR")
        self.assertEqual(s["status"], "SHELVED_OFFLOADED", s)
        self.assertIsNone(s["OS-EXT-SRV-ATTR:host"])
        self.assertEqual(self.running_vms(first), used - 1)
        # A second shelve is Nova's 409.
        status, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                               {"shelve": None}, token=USER)
        self.assertEqual(status, 409, body)
        # The first host disabled: unshelve must go to the other one.
        status, _, body = call(self.v + "/os-services/disable", "PUT",
                               {"host": first, "binary": "nova-compute"},
                               token=ADMIN)
        self.assertEqual(status, 200, body)
        try:
            status, _, body = call(self.v + "/servers/%s/action" % sid,
                                   "POST", {"unshelve": None}, token=USER)
            self.assertEqual(status, 202, body)
            s = self.wait(sid, "ACTIVE", "ERROR")
            self.assertEqual(s["status"], "ACTIVE", s)
            self.assertNotEqual(s["OS-EXT-SRV-ATTR:host"], first)
        finally:
            call(self.v + "/os-services/enable", "PUT",
                 {"host": first, "binary": "nova-compute"}, token=ADMIN)
        self.delete(sid)


if __name__ == "__main__":
    if not glance.available():
        print("python3-glance is not installed")
        sys.exit(77)  # ctest: skipped
    unittest.main(verbosity=2)
