#!/usr/bin/python3
"""/metrics of a real vmforged after builds: promtool accepts it, every
counter says exactly what was done, no label carries an instance id, and a
real Prometheus server scraping it (every second) answers the build count
through its query API."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12}")

# compute-1 (zone b) is the RAM weigher's favourite and fails every spawn;
# compute-3 is zone b's other host; compute-2 is alone in zone a. So each
# build in zone b is rescheduled exactly once, those in zone a never.
CONFIG = """
[filter_scheduler]
cpu_weight_multiplier = 0
disk_weight_multiplier = 0
[fake_driver]
fail_on_hosts = compute-1
[host:compute-1]
availability_zone = b
memory_mb = 800000
[host:compute-2]
availability_zone = a
memory_mb = 700000
[host:compute-3]
availability_zone = b
memory_mb = 600000
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read().decode()


def value(text, series):
    """The value of one series (name{labels} exactly as exposed)."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return None


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="vmforge-metrics-")
        conf = os.path.join(cls.work, "metrics.conf")
        with open(conf, "w") as f:
            f.write(CONFIG)
        cls.d = Daemon(BINARY, "--config", conf)
        v = cls.d.url + "/v2.1"
        ids = []
        for zone, count in (("a", 5), ("b", 2)):
            for i in range(count):
                status, _, body = call(v + "/servers", "POST", {"server": {
                    "name": "%s-%d" % (zone, i), "imageRef": IMAGE,
                    "flavorRef": "1", "availability_zone": zone}})
                assert status == 202, body
                ids.append(body["server"]["id"])
        deadline = time.time() + 30
        pending = set(ids)
        while pending and time.time() < deadline:
            for sid in list(pending):
                status, _, body = call(v + "/servers/" + sid)
                if status == 200 and body["server"]["status"] == "ACTIVE":
                    pending.discard(sid)
            time.sleep(0.05)
        assert not pending, "not ACTIVE: %s" % pending
        # Route templates: ids and the URL's project id never show.
        call(v + "/servers/%s/os-instance-actions" % ids[0])
        call(v + "/project-a/servers/detail")
        call(v + "/no-such-collection/x")
        call(v + "/servers", token=None)
        call(cls.d.url + "/", token=None)
        # The conductor counts a build after the store shows it ACTIVE.
        deadline = time.time() + 10
        while time.time() < deadline:
            cls.text = get(cls.d.metrics_url)
            if value(cls.text, 'vmforge_builds_total{result="active"}') == 7:
                break
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        assert cls.d.stop() == 0
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_promtool_accepts_the_exposition(self):
        out = subprocess.run(["promtool", "check", "metrics"],
                             input=self.text.encode(), capture_output=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0,
                         out.stdout.decode() + out.stderr.decode())

    def test_counters_match_the_scenario(self):
        t = self.text
        expect = {
            'vmforge_builds_total{result="active"}': 7,
            'vmforge_builds_total{result="error"}': 0,
            'vmforge_builds_total{result="deleted"}': 0,
            "vmforge_build_reschedules_total": 2,
            "vmforge_build_no_valid_host_total": 0,
            "vmforge_builds_in_flight": 0,
            "vmforge_build_duration_seconds_count": 7,
            'vmforge_build_stage_duration_seconds_count{stage="spawning"}': 9,
            "vmforge_scheduler_decision_duration_seconds_count": 7,
            'vmforge_instances{vm_state="active"}': 7,
            'vmforge_api_requests_total{method="POST",route="/v2.1/servers",'
            'status="202"}': 7,
            'vmforge_compute_host_vcpus_used{host="compute-2"}': 5,
            'vmforge_compute_host_vcpus_used{host="compute-3"}': 2,
            'vmforge_compute_host_up{host="compute-1"}': 1,
        }
        for series, want in expect.items():
            self.assertEqual(value(t, series), want, series)
        shows = value(t, 'vmforge_api_requests_total{method="GET",'
                         'route="/v2.1/servers/{id}",status="200"}')
        self.assertGreaterEqual(shows, 7)
        for route, status in (("/v2.1/servers/{id}/os-instance-actions", 200),
                              ("/v2.1/servers/detail", 200),
                              ("unmatched", 404), ("unrouted", 401),
                              ("/", 200)):
            self.assertEqual(value(t, 'vmforge_api_requests_total{method='
                                      '"GET",route="%s",status="%d"}'
                                      % (route, status)), 1, route)
        # The store committed (SQLite) and timed each commit.
        batches = value(t, "vmforge_store_write_batch_size_count")
        self.assertGreater(batches, 0)
        self.assertEqual(value(t, "vmforge_store_commit_duration_seconds_count"),
                         batches)
        self.assertGreaterEqual(value(t, "vmforge_store_write_batch_size_sum"),
                                batches)

    def test_no_label_carries_an_instance_id(self):
        for line in self.text.splitlines():
            if not line.startswith("#"):
                self.assertIsNone(UUID.search(line), line)

    def test_every_metric_is_documented(self):
        with open(os.path.join(ROOT, "docs", "metrics.md")) as f:
            doc = f.read()
        names = set(re.findall(r"^# TYPE (\S+)", self.text, re.M))
        self.assertTrue(names)
        for name in names:
            self.assertTrue(name.startswith("vmforge_"), name)
            self.assertIn("`%s`" % name, doc)

    def test_alert_rules_pass_promtool(self):
        out = subprocess.run(["promtool", "check", "rules", os.path.join(
            ROOT, "contrib", "prometheus", "alerts.yml")],
            capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0,
                         out.stdout.decode() + out.stderr.decode())

    def test_grafana_dashboard_queries_known_metrics(self):
        with open(os.path.join(ROOT, "contrib", "grafana",
                               "vmforge.json")) as f:
            board = json.load(f)
        with open(os.path.join(ROOT, "docs", "metrics.md")) as f:
            # Labelled families appear once they have a series (libvirt
            # errors): the documentation names them all.
            names = set(re.findall(r"^\| `(vmforge_\w+)`", f.read(), re.M))
        exprs = [t["expr"] for p in board["panels"] for t in p.get("targets",
                                                                   [])]
        self.assertGreaterEqual(len(exprs), 10)
        for e in exprs:
            for used in re.findall(r"vmforge_[a-z_]+", e):
                base = re.sub(r"_(bucket|count|sum)$", "", used)
                self.assertIn(base, names, e)

    def test_prometheus_scrapes_the_build_count(self):
        port = free_port()
        port_m = self.d.metrics_url.split(":")[2].split("/")[0]
        conf = os.path.join(self.work, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "rule_files:\n  - %s\n"
                    "scrape_configs:\n  - job_name: vmforge\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:%s']\n"
                    % (os.path.join(ROOT, "contrib", "prometheus",
                                    "alerts.yml"), port_m))
        log = open(os.path.join(self.work, "prometheus.log"), "w")
        prom = subprocess.Popen(
            ["prometheus", "--config.file=" + conf,
             "--storage.tsdb.path=" + os.path.join(self.work, "tsdb"),
             "--web.listen-address=127.0.0.1:%d" % port],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            query = "http://127.0.0.1:%d/api/v1/query?query=%s" % (
                port, urllib.parse.quote('vmforge_builds_total{result="active"}'))
            got = None
            deadline = time.time() + 60
            while time.time() < deadline and got is None:
                try:
                    res = json.loads(get(query, timeout=2))["data"]["result"]
                    if res:
                        got = res
                except (OSError, ValueError, KeyError):
                    pass
                if got is None:
                    time.sleep(0.5)
            self.assertIsNotNone(got, "Prometheus never had the series")
            self.assertEqual(len(got), 1)
            self.assertEqual(got[0]["metric"]["job"], "vmforge")
            self.assertEqual(float(got[0]["value"][1]), 7)
        finally:
            prom.send_signal(signal.SIGTERM)
            try:
                prom.wait(timeout=20)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
            log.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
