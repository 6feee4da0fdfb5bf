#!/usr/bin/python3
"""A daemon that loses nothing: kill -9 during a burst of creates (several
times), SIGTERM under load, and a restart whose hypervisor changed while
vmforged was down. Every server that got a 202 must exist afterwards, none
may stay in BUILD, and the hypervisors' usage must equal what the ACTIVE
servers hold."""
import os
import shutil
import signal
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from daemon import ADMIN, Burst, Daemon, all_servers, call, create_one

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
V211 = {"X-OpenStack-Nova-API-Version": "2.11"}
TINY = {"vcpus": 1, "ram": 512, "disk": 1}

CONFIG = """
[DEFAULT]
graceful_shutdown_timeout = {grace}
[quota]
instances = -1
cores = -1
ram = -1
[fake_driver]
latency_min_ms = {lat_min}
latency_max_ms = {lat_max}
state_path = var/fake-hypervisor
"""


def write_config(workdir, grace=30, lat_min=5, lat_max=60, extra=""):
    path = os.path.join(workdir, "vmforge.conf")
    with open(path, "w") as f:
        f.write(CONFIG.format(grace=grace, lat_min=lat_min, lat_max=lat_max))
        f.write(extra)
    return path


def domain_files(workdir):
    """The fake hypervisor's domains: one file each (beside it, a folder
    <id>.d of the domain's boot log and config drive)."""
    root = os.path.join(workdir, "var", "fake-hypervisor")
    out = {}
    for host in os.listdir(root):
        for name in os.listdir(os.path.join(root, host)):
            path = os.path.join(root, host, name)
            if os.path.isfile(path):
                out[name] = path
    return out


class RestartTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="vmforge-restart-")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:  # a failed test leaves none running
            if d.proc.poll() is None:
                d.kill()
            d.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def start(self, conf, hosts=4):
        d = Daemon(BINARY, "--config", conf, "--hosts", str(hosts),
                   workdir=self.work)
        self.daemons.append(d)
        return d

    def settle(self, v1, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            servers = all_servers(v1)
            busy = [s for s in servers
                    if s["status"] == "BUILD" or s["OS-EXT-STS:task_state"]]
            if not busy:
                return servers
            time.sleep(0.2)
        self.fail("%d servers still busy, e.g. %s" % (len(busy), busy[0]))

    def check_nothing_lost(self, d, acked):
        """Every acknowledged server exists, none stays in BUILD, and the
        hypervisors hold exactly the ACTIVE servers."""
        v1 = d.url + "/v2.1"
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(
                lambda sid: call(v1 + "/servers/" + sid)[0], acked))
        missing = [sid for sid, code in zip(acked, codes) if code != 200]
        self.assertEqual(missing, [], "servers that got a 202 are gone")
        servers = self.settle(v1)
        active = [s for s in servers if s["status"] == "ACTIVE"]
        self.assertEqual(
            len(active) + len([s for s in servers if s["status"] == "ERROR"]),
            len(servers))
        _, _, body = call(v1 + "/os-hypervisors/statistics", token=ADMIN)
        stats = body["hypervisor_statistics"]
        self.assertEqual(stats["vcpus_used"], TINY["vcpus"] * len(active))
        self.assertEqual(stats["memory_mb_used"], TINY["ram"] * len(active))
        self.assertEqual(stats["local_gb_used"], TINY["disk"] * len(active))
        self.assertEqual(stats["running_vms"], len(active))
        domains = set(domain_files(self.work))
        ids = set(s["id"] for s in active)
        by_id = {s["id"]: s for s in servers}
        self.assertEqual(domains - ids, set(),
                         "domains of no ACTIVE server: %s" % [
                             by_id.get(i) for i in list(domains - ids)[:3]])
        self.assertEqual(ids - domains, set(), "ACTIVE servers without domain")
        return servers

    def test_kill_9_during_a_burst_loses_nothing(self):
        conf = write_config(self.work)
        acked = []
        total = 5000
        for kill_at in (1200, 2400, 3600, total):
            d = self.start(conf)
            self.check_nothing_lost(d, acked)
            burst = Burst(d.url + "/v2.1")
            while len(acked) + burst.count() < kill_at:
                time.sleep(0.01)
            if kill_at < total:
                d.kill()  # mid-burst: builds in flight, requests unanswered
                burst.join()
                acked += burst.acked
                d.stop()
                continue
            burst.join()
            acked += burst.acked
            servers = self.check_nothing_lost(d, acked)
            self.assertGreaterEqual(len(servers), total)
            errors = [s for s in servers if s["status"] == "ERROR"]
            print("%d servers acknowledged over 3 kills: %d ACTIVE, %d ERROR"
                  % (len(acked), len(servers) - len(errors), len(errors)))
            self.assertEqual(d.stop(), 0)

    def test_sigterm_under_load_drains_and_exits_0(self):
        # Slow builds, so the drain takes long enough to refuse creates.
        conf = write_config(self.work, grace=20, lat_min=300, lat_max=600)
        d = self.start(conf)
        burst = Burst(d.url + "/v2.1", threads=8)
        while burst.count() < 200:
            time.sleep(0.01)
        began = time.time()
        d.proc.send_signal(signal.SIGTERM)
        self.assertEqual(d.proc.wait(timeout=30), 0)
        took = time.time() - began
        burst.join()
        self.assertLess(took, 20 + 5)
        self.assertTrue(burst.refused, "no create was refused while draining")
        self.assertEqual(burst.refused[0]["serviceUnavailable"]["code"], 503)
        log = d.log_text()
        self.assertIn("stopping: no new builds", log)
        d.stop()
        # Drained: everything acknowledged is there and finished building.
        d = self.start(conf)
        servers = self.check_nothing_lost(d, burst.acked)
        self.assertEqual(len(servers), len(burst.acked))
        self.assertNotIn("scheduling it again", d.log_text())
        self.assertEqual(d.stop(), 0)

    def test_builds_still_running_at_the_timeout_resume_after_restart(self):
        # A hypervisor that never answers on compute-1: the builds placed
        # there cannot finish within graceful_shutdown_timeout.
        conf = write_config(self.work, grace=1, lat_min=0, lat_max=0,
                            extra="hang_on_hosts = compute-1\n")
        d = self.start(conf, hosts=2)
        v1 = d.url + "/v2.1"
        ids = [create_one(v1, "stuck-%d" % i)[2]["server"]["id"]
               for i in range(4)]
        began = time.time()
        d.proc.send_signal(signal.SIGTERM)
        self.assertEqual(d.proc.wait(timeout=15), 0)
        self.assertLess(time.time() - began, 10)
        self.assertIn("still in flight at the graceful_shutdown_timeout",
                      d.log_text())
        d.stop()
        # Resumed: the attempt on compute-1 counts as failed (Nova's
        # reschedule), the build goes to compute-2.
        conf = write_config(self.work, lat_min=0, lat_max=0)
        d = self.start(conf, hosts=2)
        self.assertIn("scheduling it again", d.log_text())
        servers = self.check_nothing_lost(d, ids)
        self.assertEqual([s["status"] for s in servers], ["ACTIVE"] * 4)
        self.assertEqual(set(s["OS-EXT-SRV-ATTR:host"] for s in servers),
                         {"compute-2"})
        self.assertEqual(d.stop(), 0)

    def test_second_signal_exits_at_once_and_loses_nothing(self):
        # Builds far slower than the test: the drain would take minutes.
        conf = write_config(self.work, grace=120, lat_min=60000,
                            lat_max=60000)
        d = self.start(conf)
        burst = Burst(d.url + "/v2.1", threads=8)
        while burst.count() < 300:
            time.sleep(0.01)
        d.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        began = time.time()
        d.proc.send_signal(signal.SIGTERM)
        self.assertEqual(d.proc.wait(timeout=10), 1)
        self.assertLess(time.time() - began, 5)
        burst.join()
        self.assertIn("again, exiting now", d.log_text())
        d.stop()
        # The next start resumes the builds; quick ones this time.
        conf = write_config(self.work, lat_min=0, lat_max=5)
        d = self.start(conf)
        self.check_nothing_lost(d, burst.acked)
        self.assertEqual(d.stop(), 0)

    def test_restart_corrects_states_from_the_hypervisor(self):
        conf = write_config(self.work, lat_min=0, lat_max=0)
        d = self.start(conf, hosts=2)
        v1 = d.url + "/v2.1"
        ids = [create_one(v1, "vm-%d" % i)[2]["server"]["id"] for i in range(4)]
        self.settle(v1)
        vanished, stopped, kept, shutoff = ids
        self.assertEqual(call(v1 + "/servers/%s/action" % shutoff, "POST",
                              {"os-stop": None})[0], 202)
        self.settle(v1)
        self.assertEqual(d.stop(), 0)
        # While vmforged is down: one guest's domain disappears, one guest
        # shuts down by itself, the stopped one is started behind our back,
        # and a domain nobody knows appears.
        files = domain_files(self.work)
        os.unlink(files[vanished])
        for sid, state in ((stopped, 4), (shutoff, 1)):
            with open(files[sid], "w") as f:
                f.write("%d\n" % state)
        stray = os.path.join(os.path.dirname(files[kept]),
                             "00000000-0000-4000-8000-000000000000")
        with open(stray, "w") as f:
            f.write("1\n")
        d = self.start(conf, hosts=2)
        v1 = d.url + "/v2.1"

        def show(sid):
            return call(v1 + "/servers/" + sid)[2]["server"]

        # Nova's power-state sync: a vanished domain is NOSTATE (and logged),
        # a guest that stopped stops its instance, a stopped instance found
        # running is powered off again, a stray domain is reaped.
        self.assertEqual((show(vanished)["status"],
                          show(vanished)["OS-EXT-STS:power_state"]), ("ACTIVE", 0))
        self.assertEqual((show(stopped)["status"],
                          show(stopped)["OS-EXT-STS:power_state"]), ("SHUTOFF", 4))
        self.assertEqual((show(kept)["status"],
                          show(kept)["OS-EXT-STS:power_state"]), ("ACTIVE", 1))
        self.assertEqual((show(shutoff)["status"],
                          show(shutoff)["OS-EXT-STS:power_state"]), ("SHUTOFF", 4))
        files = domain_files(self.work)
        with open(files[shutoff]) as f:
            self.assertEqual(f.read().strip(), "4")
        self.assertNotIn(os.path.basename(stray), files)
        self.assertIn("belongs to no instance", d.log_text())
        self.assertEqual(d.stop(), 0)

    def test_acknowledged_changes_survive_kill_9(self):
        """Every change a client was answered for is on disk when the answer
        leaves: keypairs, flavors, quotas, security groups, services,
        server edits, metadata, locks and deletes."""
        conf = write_config(self.work, lat_min=0, lat_max=0)
        d = self.start(conf, hosts=2)
        v1 = d.url + "/v2.1"

        def ok(expected, *args, **kw):
            status, _, body = call(*args, **kw)
            self.assertEqual(status, expected, body)
            return body

        ok(200, v1 + "/os-keypairs", "POST", {"keypair": {"name": "k1"}})
        ok(200, v1 + "/flavors", "POST", {"flavor": {
            "name": "f.custom", "id": "custom", "ram": 256, "vcpus": 1,
            "disk": 1}}, token=ADMIN)
        ok(202, v1 + "/flavors/2", "DELETE", token=ADMIN)
        ok(200, v1 + "/os-quota-sets/project-a", "PUT",
           {"quota_set": {"instances": 33}}, token=ADMIN)
        group = ok(200, v1 + "/os-security-groups", "POST", {
            "security_group": {"name": "web", "description": "w"}})
        ok(200, v1 + "/os-security-group-rules", "POST", {
            "security_group_rule": {
                "parent_group_id": group["security_group"]["id"],
                "ip_protocol": "tcp", "from_port": 22, "to_port": 22,
                "cidr": "0.0.0.0/0"}})
        ok(200, v1 + "/os-services/disable-log-reason", "PUT", {
            "host": "compute-2", "binary": "nova-compute",
            "disabled_reason": "maintenance"}, token=ADMIN)
        edited = create_one(v1, "before")[2]["server"]["id"]
        deleted = create_one(v1, "doomed")[2]["server"]["id"]
        self.settle(v1)
        ok(200, v1 + "/servers/" + edited, "PUT", {"server": {"name": "after"}})
        ok(200, v1 + "/servers/%s/metadata" % edited, "POST",
           {"metadata": {"k": "v"}})
        ok(202, v1 + "/servers/%s/action" % edited, "POST", {"lock": None})
        ok(204, v1 + "/servers/" + deleted, "DELETE")
        ok(200, v1 + "/os-services/force-down", "PUT", {
            "host": "compute-1", "binary": "nova-compute",
            "forced_down": True}, token=ADMIN, headers=V211)
        d.kill()
        d.stop()

        d = self.start(conf, hosts=2)
        v1 = d.url + "/v2.1"
        ok(200, v1 + "/os-keypairs/k1")
        flavors = [f["id"] for f in ok(200, v1 + "/flavors")["flavors"]]
        self.assertIn("custom", flavors)
        self.assertNotIn("2", flavors)
        quota = ok(200, v1 + "/os-quota-sets/project-a", token=ADMIN)
        self.assertEqual(quota["quota_set"]["instances"], 33)
        groups = ok(200, v1 + "/os-security-groups")["security_groups"]
        web = [g for g in groups if g["name"] == "web"]
        self.assertEqual(len(web), 1)
        self.assertEqual(len(web[0]["rules"]), 1)
        compute = ok(200, v1 + "/os-services?binary=nova-compute&host=compute-2",
                     token=ADMIN)["services"][-1]
        self.assertEqual((compute["status"], compute["disabled_reason"]),
                         ("disabled", "maintenance"))
        # Forced down until an operator says otherwise, heartbeats or not.
        compute = ok(200, v1 + "/os-services?host=compute-1", token=ADMIN,
                     headers=V211)["services"][-1]
        self.assertEqual((compute["forced_down"], compute["state"]),
                         (True, "down"))
        server = ok(200, v1 + "/servers/" + edited)["server"]
        self.assertEqual(server["name"], "after")
        self.assertEqual(server["metadata"], {"k": "v"})
        # The delete was acknowledged: right after the start it is either
        # done or being finished (task_state deleting), never undone.
        status, _, body = call(v1 + "/servers/" + deleted)
        if status == 200:
            self.assertEqual(body["server"]["OS-EXT-STS:task_state"],
                             "deleting")
        deadline = time.time() + 20
        while status != 404 and time.time() < deadline:
            time.sleep(0.05)
            status = call(v1 + "/servers/" + deleted)[0]
        self.assertEqual(status, 404)
        # The locked server refuses a member's delete after the restart.
        self.assertEqual(call(v1 + "/servers/" + edited, "DELETE")[0], 409)
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
