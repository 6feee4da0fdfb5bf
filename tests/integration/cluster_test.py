#!/usr/bin/python3
"""Compute hosts in processes of their own, on loopback: one controller and
three `vmforged --role compute` processes (fake driver) build servers over
all three; a compute killed with -9 under load has its builds rescheduled
to the others, shows down within service_down_time, and takes builds again
once restarted; a controller killed with -9 under load is rejoined by every
compute by itself, and nothing acknowledged is lost or left in BUILD."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from collections import Counter

from cluster import Compute, hypervisors, services, wait_state, wait_until
from daemon import ADMIN, IMAGE, Burst, Daemon, all_servers, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
HOSTS = ["compute-1", "compute-2", "compute-3"]

# Heartbeats quick enough for a test; service_down_time short so that a
# dead host shows down within seconds (Nova's rule: 2.5 x report_interval
# at least).
CONFIG = """
[DEFAULT]
report_interval = 1
service_down_time = 4
graceful_shutdown_timeout = 5
[database]
connection = sqlite:///var/vmforge.db
[cluster]
port = {port}
heartbeat_interval = 0.5
connection_timeout = 2
rejoin_wait = 10
[quota]
instances = -1
cores = -1
ram = -1
[fake_driver]
latency_min_ms = 20
latency_max_ms = 200
state_path = var/fake-hypervisor
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="vmforge-cluster-")
        self.port = free_port()
        self.conf = os.path.join(self.work, "vmforge.conf")
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(port=self.port))
        self.controller = None
        self.computes = {}

    def tearDown(self):
        for c in self.computes.values():
            c.remove()
        if self.controller:
            self.controller.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def start_controller(self):
        self.controller = Daemon(BINARY, "--role", "controller", "--config",
                                 self.conf, workdir=self.work)
        self.assertEqual(self.controller.cluster_port, self.port)
        return self.controller.url + "/v2.1"

    def start_compute(self, name):
        old = self.computes.pop(name, None)
        if old:
            old.remove()
        self.computes[name] = Compute(BINARY, name, "127.0.0.1:%d" % self.port,
                                      self.conf)
        return self.computes[name]

    def start_cluster(self, hosts):
        """The controller, then a compute per host; waits until all joined."""
        v1 = self.start_controller()
        for name in hosts:
            self.start_compute(name)
        self.wait_up(v1, hosts)
        return v1

    def wait_up(self, v1, hosts):
        self.assertTrue(wait_until(
            lambda: all(services(v1).get(h, {}).get("state") == "up"
                        for h in hosts), 30),
            "not all of %s joined:\n%s" % (hosts, self.controller.log_text()))

    def settle(self, v1, timeout=120):
        deadline = time.time() + timeout
        while True:
            servers = all_servers(v1)
            busy = [s for s in servers
                    if s["status"] == "BUILD" or s["OS-EXT-STS:task_state"]]
            if not busy or time.time() > deadline:
                self.assertEqual(busy[:3], [], "%d servers still busy"
                                 % len(busy))
                return servers
            time.sleep(0.2)

    def check_accounts(self, v1, servers, up_hosts):
        """Each live host's usage is exactly what its ACTIVE servers hold."""
        on_host = Counter(s["OS-EXT-SRV-ATTR:host"] for s in servers
                          if s["status"] == "ACTIVE")
        hyps = hypervisors(v1)
        for host in up_hosts:
            self.assertEqual(hyps[host]["vcpus_used"], on_host[host],
                             "%s holds capacity no ACTIVE server has" % host)
            self.assertEqual(hyps[host]["running_vms"], on_host[host])

    def test_kill_9_of_a_compute_under_load(self):
        v1 = self.start_cluster(HOSTS)
        burst = Burst(v1, threads=12)
        wait_until(lambda: burst.count() >= 1000, 60)
        self.computes["compute-2"].kill()
        # Nova's rule: down once silent for service_down_time (4 s), seen
        # while the burst goes on (15 s of slack for a loaded machine).
        self.assertTrue(wait_state(v1, "compute-2", "down", 4 + 15),
                        "compute-2 still up after its kill")
        wait_until(lambda: burst.count() >= 3000, 120)
        burst.join()
        self.assertEqual(burst.refused, [])
        servers = self.settle(v1)
        self.assertEqual(len(servers), burst.count())
        hosts = Counter(s["OS-EXT-SRV-ATTR:host"] for s in servers
                        if s["status"] == "ACTIVE")
        for h in HOSTS:
            self.assertGreater(hosts[h], 0, "no server was built on " + h)
        errors = [s for s in servers if s["status"] == "ERROR"]
        # Every build interrupted on compute-2 went to another host.
        self.assertEqual(errors, [])
        self.check_accounts(v1, servers, ["compute-1", "compute-3"])

        # Back: it rejoins, and takes builds when the others are disabled.
        self.start_compute("compute-2")
        self.assertTrue(wait_state(v1, "compute-2", "up", 30))
        for h in ("compute-1", "compute-3"):
            status, _, body = call(v1 + "/os-services/disable", "PUT",
                                   {"host": h, "binary": "nova-compute"},
                                   token=ADMIN)
            self.assertEqual(status, 200, body)
        ids = []
        for i in range(5):
            status, _, body = call(v1 + "/servers", "POST", {"server": {
                "name": "after-%d" % i, "imageRef": IMAGE, "flavorRef": "1"}})
            self.assertEqual(status, 202, body)
            ids.append(body["server"]["id"])
        servers = {s["id"]: s for s in self.settle(v1)}
        for sid in ids:
            self.assertEqual(servers[sid]["status"], "ACTIVE")
            self.assertEqual(servers[sid]["OS-EXT-SRV-ATTR:host"], "compute-2")
        self.check_accounts(v1, list(servers.values()), HOSTS)

    def test_kill_9_of_the_controller_under_load(self):
        v1 = self.start_cluster(HOSTS)
        burst = Burst(v1, threads=12)
        wait_until(lambda: burst.count() >= 800, 60)
        self.controller.kill()
        burst.join()
        acked = list(burst.acked)
        self.controller = None
        v1 = self.start_controller()
        # Every compute rejoins by itself.
        self.wait_up(v1, HOSTS)
        for c in self.computes.values():
            self.assertIsNone(c.proc.poll(), c.name + " exited")
        servers = {s["id"]: s for s in self.settle(v1)}
        missing = [sid for sid in acked if sid not in servers]
        self.assertEqual(missing, [], "servers that got a 202 are gone")
        self.check_accounts(v1, list(servers.values()), HOSTS)

    def test_libvirt_test_driver_in_each_compute(self):
        """libvirt's test:///default hypervisor in each compute process:
        each has its own, as each machine has its own libvirtd."""
        # A real (blank) disk: each compute's image cache checks it with
        # qemu-img before the overlays are made on it.
        image = os.path.join(self.work, "tiny.qcow2")
        subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2",
                               image, "64M"])
        with open(self.conf, "a") as f:
            # The test hypervisor is small: memory given.
            f.write("[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n"
                    "[libvirt]\nconnection_uri = test:///default\n"
                    "[image:%s]\nname = tiny\nfile = %s\n" % (IMAGE, image))
            for h in HOSTS[:2]:
                f.write("[host:%s]\nmemory_mb = 100000\n" % h)
        v1 = self.start_cluster(HOSTS[:2])
        hyps = hypervisors(v1)
        self.assertEqual({hyps[h]["hypervisor_type"] for h in HOSTS[:2]},
                         {"TEST"})
        for i in range(40):
            status, _, body = call(v1 + "/servers", "POST", {"server": {
                "name": "lv-%d" % i, "imageRef": IMAGE, "flavorRef": "1"}})
            self.assertEqual(status, 202, body)
        servers = self.settle(v1)
        self.assertEqual(Counter(s["status"] for s in servers),
                         Counter({"ACTIVE": 40}))
        self.assertEqual({s["OS-EXT-SRV-ATTR:host"] for s in servers},
                         set(HOSTS[:2]))
        self.check_accounts(v1, servers, HOSTS[:2])
        # SIGTERM ends every process by itself, the controller first.
        self.assertEqual(self.controller.stop(), 0)
        for c in self.computes.values():
            self.assertEqual(c.stop(), 0, c.log_text())

    def test_console_output_from_a_compute_process(self):
        """os-getConsoleOutput crosses the cluster port: the controller's
        conductor delegates it to the compute process's manager, whose fake
        driver answers its boot log."""
        v1 = self.start_cluster(HOSTS[:1])
        status, _, body = call(v1 + "/servers", "POST", {"server": {
            "name": "remote-console", "imageRef": IMAGE, "flavorRef": "1"}})
        self.assertEqual(status, 202, body)
        sid = body["server"]["id"]
        servers = self.settle(v1)
        self.assertEqual([s["status"] for s in servers], ["ACTIVE"])
        status, _, body = call(v1 + "/servers/%s/action" % sid, "POST",
                               {"os-getConsoleOutput": {"length": 2}})
        self.assertEqual(status, 200, self.controller.log_text())
        self.assertEqual(body["output"], "remote-console login: \n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
