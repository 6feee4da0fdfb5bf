#!/usr/bin/python3
"""The per-host image cache in the real daemon, with the fake driver and
the embedded catalog (docs/images.md section 5): twenty concurrent creates
of one image make one base file in instances_path/_base and one download
(the two hosts share the directory: the second finds the base under the
lock), the fake hypervisor's domains are on that base, the metrics count
the download, misses, waits and hits; a restart keeps the base."""
import hashlib
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from daemon import ADMIN, IMAGE, Daemon, all_servers, call, create_one

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
BASE = hashlib.sha1(IMAGE.encode()).hexdigest()
CONF = """
[DEFAULT]
instances_path = var/instances
[quota]
instances = -1
cores = -1
ram = -1
[database]
connection = sqlite:///var/vmforge.db
[fake_driver]
state_path = var/fake-hypervisor
latency_min_ms = 50
latency_max_ms = 50
"""


def metric_samples(url):
    """{(name, frozenset(labels)): value} of a /metrics page."""
    with urllib.request.urlopen(url, timeout=10) as resp:
        text = resp.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(\w+)(?:\{(.*)\})? (\S+)$', line)
        if not m:
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def total(samples, name, **labels):
    """The sum of `name` over every series carrying `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items()
               if n == name and want <= set(ls))


class ImageCacheTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="vmforge-image-cache-")
        self.conf = os.path.join(self.work, "vmforge.conf")
        with open(self.conf, "w") as f:
            f.write(CONF)
        self.d = None

    def tearDown(self):
        if self.d:
            self.d.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def start(self):
        self.d = Daemon(BINARY, "--config", self.conf, workdir=self.work)
        self.v1 = self.d.url + "/v2.1"

    def settle(self, ids, status="ACTIVE", timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            servers = {s["id"]: s for s in all_servers(self.v1)}
            if all(i in servers and servers[i]["status"] == status
                   and servers[i]["OS-EXT-STS:task_state"] is None
                   for i in ids):
                return [servers[i] for i in ids]
            time.sleep(0.1)
        self.fail("servers did not reach %s: %s" % (status, [
            (s["id"], s["status"], s.get("fault"))
            for s in all_servers(self.v1)]))

    def create_concurrently(self, n):
        ids, errors, lock = [], [], threading.Lock()

        def one(i):
            status, _, body = create_one(self.v1, "cache-%d" % i)
            with lock:
                if status == 202:
                    ids.append(body["server"]["id"])
                else:
                    errors.append((status, body))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        return ids

    def base_dir(self):
        return os.path.join(self.work, "var", "instances", "_base")

    def test_twenty_concurrent_builds_of_one_image_download_it_once(self):
        self.start()
        ids = self.create_concurrently(20)
        servers = self.settle(ids)
        self.assertEqual(len(servers), 20)
        hosts = {s["OS-EXT-SRV-ATTR:host"] for s in servers}
        # One base file, nothing partial.
        self.assertEqual(os.listdir(self.base_dir()), [BASE])
        base = os.path.join(self.base_dir(), BASE)
        image_file = os.path.join(self.work, "var", "images", "cirros.qcow2")
        with open(base, "rb") as a, open(image_file, "rb") as b:
            self.assertEqual(a.read(), b.read())
        # The fake hypervisor's domains were given that base.
        for s in servers:
            state = os.path.join(self.work, "var", "fake-hypervisor",
                                 s["OS-EXT-SRV-ATTR:host"], s["id"])
            with open(state) as f:
                lines = f.read().splitlines()
            self.assertEqual(lines[1], os.path.abspath(base))
        m = metric_samples(self.d.metrics_url)
        self.assertEqual(total(m, "vmforge_image_downloads_total",
                               result="ok"), 1)
        self.assertEqual(total(m, "vmforge_image_downloads_total"), 1)
        self.assertEqual(total(m, "vmforge_image_download_bytes_total"),
                         os.path.getsize(base))
        self.assertEqual(total(m, "vmforge_image_download_seconds_count"), 1)
        misses = total(m, "vmforge_image_cache_requests_total", result="miss")
        waits = total(m, "vmforge_image_cache_requests_total", result="wait")
        hits = total(m, "vmforge_image_cache_requests_total", result="hit")
        # One miss per host that built (the second finds the base the
        # first downloaded), every other request waited or hit.
        self.assertEqual(misses, len(hosts))
        self.assertEqual(misses + waits + hits, 20)
        self.assertEqual(total(m, "vmforge_image_cache_bases"), len(hosts))
        self.assertEqual(self.d.log_text().count(" downloaded: "), 1)
        for sid in ids:
            self.assertEqual(call(self.v1 + "/servers/" + sid, "DELETE")[0],
                             204)
        deadline = time.time() + 60
        while all_servers(self.v1) and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(all_servers(self.v1), [])
        _, _, body = call(self.v1 + "/os-hypervisors/statistics", token=ADMIN)
        self.assertEqual(body["hypervisor_statistics"]["running_vms"], 0)
        # Unused, but young: the base stays for the next build.
        self.assertEqual(os.listdir(self.base_dir()), [BASE])

    def test_a_restart_keeps_the_base_and_removes_leftovers(self):
        self.start()
        ids = self.create_concurrently(2)
        self.settle(ids)
        self.assertEqual(self.d.stop(), 0)
        # A download a killed process left behind.
        stale = os.path.join(self.base_dir(), "0" * 40 + ".part")
        with open(stale, "wb") as f:
            f.write(b"half an image")
        self.start()
        self.assertFalse(os.path.exists(stale))
        ids = self.create_concurrently(2)
        self.settle(ids)
        m = metric_samples(self.d.metrics_url)
        self.assertEqual(total(m, "vmforge_image_downloads_total"), 0)
        self.assertEqual(total(m, "vmforge_image_cache_requests_total",
                               result="miss"), 0)
        self.assertEqual(total(m, "vmforge_image_cache_requests_total",
                               result="hit"), 2)
        self.assertEqual(os.listdir(self.base_dir()), [BASE])


if __name__ == "__main__":
    unittest.main(verbosity=2)
