#!/usr/bin/python3
"""Host aggregates, availability zones, flavor extra specs and flavor
access against a real vmforged (--hosts 4, fake driver), driven by the
`openstack` CLI and raw HTTP: a zone aggregate's hosts take the servers
asked into its zone, a flavor whose extra spec names the aggregate's
metadata lands only there (AggregateInstanceExtraSpecsFilter on), a
private flavor is its projects', Nova's errors, and a restart keeps it
all."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from daemon import Daemon, IMAGE, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
ADMIN = "admin:project-a"
MEMBER_B = "user-b:project-b"
MEMBER_C = "user-c:project-c"
CONFIG = """[filter_scheduler]
enabled_filters = ComputeFilter, AvailabilityZoneFilter, RamFilter, \
CoreFilter, DiskFilter, AggregateInstanceExtraSpecsFilter
"""


class Aggregates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="vmforge-agg-")
        cls.conf = os.path.join(cls.work, "vmforge.conf")
        with open(cls.conf, "w") as f:
            f.write(CONFIG)
        cls.d = None
        cls.start()

    @classmethod
    def start(cls):
        cls.d = Daemon(BINARY, "--config", cls.conf, "--hosts", "4",
                       workdir=cls.work)
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        shutil.rmtree(cls.work, ignore_errors=True)
        assert code == 0

    def cli(self, *args, token=ADMIN):
        out = subprocess.run(
            ["openstack", "--os-auth-type", "admin_token", "--os-token", token,
             "--os-endpoint", self.v, *args],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def cli_json(self, *args, token=ADMIN):
        return json.loads(self.cli(*args, "-f", "json", token=token))

    def boot(self, name, flavor="1", zone=None, token=ADMIN):
        server = {"name": name, "imageRef": IMAGE, "flavorRef": flavor}
        if zone:
            server["availability_zone"] = zone
        status, _, body = call(self.v + "/servers", "POST", {"server": server},
                               token=token)
        self.assertEqual(status, 202, body)
        return body["server"]["id"]

    def active(self, sid, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
            if status == 200 and body["server"]["status"] in ("ACTIVE",
                                                              "ERROR"):
                self.assertEqual(body["server"]["status"], "ACTIVE", body)
                return body["server"]
            time.sleep(0.05)
        self.fail("server %s never became ACTIVE" % sid)

    def test_all(self):
        # -- aggregates and zones through the CLI
        agg = self.cli_json("aggregate", "create", "--zone", "az1", "agg1")
        self.assertEqual(agg["availability_zone"], "az1")
        for host in ("compute-1", "compute-2"):
            self.cli("aggregate", "add", "host", "agg1", host)
        self.cli("aggregate", "set", "--property", "ssd=true", "agg1")
        shown = self.cli_json("aggregate", "show", "agg1")
        self.assertEqual(sorted(shown["hosts"]), ["compute-1", "compute-2"])
        self.assertIn("ssd", str(shown["properties"]))
        zones = {z["Zone Name"]: z["Zone Status"]
                 for z in self.cli_json("availability", "zone", "list",
                                        "--compute")}
        # With the controller's internal zone (its services).
        self.assertEqual(zones, {"az1": "available", "nova": "available",
                                 "internal": "available"})
        # -- Nova's errors, raw
        agg_id = shown["id"]
        url = self.v + "/os-aggregates"
        status, _, body = call(url, "POST", {"aggregate": {"name": "agg1"}},
                               token=ADMIN)
        self.assertEqual(status, 409, body)
        self.assertEqual(body["conflictingRequest"]["message"],
                         "Aggregate agg1 already exists.")
        status, _, body = call(url + "/%d" % agg_id, "DELETE", token=ADMIN)
        self.assertEqual(status, 400, body)
        self.assertIn("Host aggregate is not empty",
                      body["badRequest"]["message"])
        status, _, body = call(url + "/%d/action" % agg_id, "POST",
                               {"add_host": {"host": "compute-9"}},
                               token=ADMIN)
        self.assertEqual(status, 404, body)
        self.assertEqual(body["itemNotFound"]["message"],
                         "Compute host compute-9 could not be found.")
        status, _, other = call(url, "POST", {"aggregate": {
            "name": "agg2", "availability_zone": "az2"}}, token=ADMIN)
        self.assertEqual(status, 200, other)
        self.assertNotIn("hosts", other["aggregate"])
        status, _, body = call(
            url + "/%d/action" % other["aggregate"]["id"], "POST",
            {"add_host": {"host": "compute-1"}}, token=ADMIN)
        self.assertEqual(status, 409, body)
        self.assertIn("One or more hosts already in availability zone(s) "
                      "['az1']", body["conflictingRequest"]["message"])
        status, _, body = call(url, token=MEMBER_B)
        self.assertEqual(status, 403, body)
        # -- a server asked into az1 lands on agg1's hosts and shows az1
        status, _, body = call(self.v + "/servers", "POST", {"server": {
            "name": "nowhere", "imageRef": IMAGE, "flavorRef": "1",
            "availability_zone": "az2"}}, token=ADMIN)
        self.assertEqual(status, 400, body)
        self.assertEqual(body["badRequest"]["message"],
                         "The requested availability zone is not available")
        for i in range(4):
            s = self.active(self.boot("in-az1-%d" % i, zone="az1"))
            self.assertIn(s["OS-EXT-SRV-ATTR:host"], ("compute-1",
                                                      "compute-2"))
        # -- a private flavor with the aggregate's extra spec
        made = self.cli_json(
            "flavor", "create", "--ram", "128", "--disk", "1", "--vcpus", "1",
            "--private", "--property",
            "aggregate_instance_extra_specs:ssd=true", "ssd.small")
        fid = made["id"]
        # The CLI's --project resolves the project in Keystone, which the
        # noauth daemon has none of: the action it then sends, raw.
        status, _, body = call(self.v + "/flavors/%s/action" % fid, "POST",
                               {"addTenantAccess": {"tenant": "project-b"}},
                               token=ADMIN)
        self.assertEqual(status, 200, body)
        self.cli("flavor", "set", "--property", "hw:cpu_policy=shared",
                 "ssd.small")
        shown = self.cli_json("flavor", "show", "ssd.small")
        self.assertIn("aggregate_instance_extra_specs:ssd",
                      str(shown["properties"]))
        self.assertIn("hw:cpu_policy", str(shown["properties"]))
        self.assertIn("project-b", str(shown["access_project_ids"]))
        status, _, body = call(self.v + "/flavors/%s/os-flavor-access" % fid,
                               token=ADMIN)
        self.assertEqual(body["flavor_access"],
                         [{"flavor_id": fid, "tenant_id": "project-b"}])
        # Visible to project-b, not to project-c; admins list private ones
        # only when they ask.
        def listed(token, query=""):
            _, _, body = call(self.v + "/flavors" + query, token=token)
            return {f["id"] for f in body["flavors"]}
        self.assertIn(fid, listed(MEMBER_B))
        self.assertNotIn(fid, listed(MEMBER_C))
        self.assertNotIn(fid, listed(ADMIN))
        self.assertEqual(listed(ADMIN, "?is_public=false"), {fid})
        self.assertIn(fid, listed(ADMIN, "?is_public=None"))
        status, _, body = call(self.v + "/flavors/" + fid, token=MEMBER_C)
        self.assertEqual(status, 404, body)
        # Nova's boolean takes its words too (Tempest sends "False").
        status, _, body = call(self.v + "/flavors", "POST", {"flavor": {
            "name": "words", "ram": 64, "vcpus": 1, "disk": 1, "id": 4242,
            "os-flavor-access:is_public": "False"}}, token=ADMIN)
        self.assertEqual(status, 200, body)
        self.assertFalse(body["flavor"]["os-flavor-access:is_public"])
        status, _, body = call(self.v + "/flavors", "POST", {"flavor": {
            "name": "bad", "ram": 64, "vcpus": 1, "disk": 1,
            "os-flavor-access:is_public": "maybe"}}, token=ADMIN)
        self.assertEqual(status, 400, body)
        self.assertIn("is not of type 'boolean'",
                      body["badRequest"]["message"])
        self.assertEqual(call(self.v + "/flavors/4242", "DELETE",
                              token=ADMIN)[0], 202)
        status, _, body = call(self.v + "/flavors/1/action", "POST",
                               {"addTenantAccess": {"tenant": "project-c"}},
                               token=ADMIN)
        self.assertEqual(status, 409, body)
        self.assertEqual(body["conflictingRequest"]["message"],
                         "Can not add access to a public flavor.")
        for i in range(4):
            s = self.active(self.boot("ssd-%d" % i, flavor=fid,
                                      token=MEMBER_B))
            self.assertIn(s["OS-EXT-SRV-ATTR:host"], ("compute-1",
                                                      "compute-2"))
        # -- a restart keeps aggregates, zones, extra specs and access
        self.__class__.d.stop()
        self.start()
        shown = self.cli_json("aggregate", "show", "agg1")
        self.assertEqual(sorted(shown["hosts"]), ["compute-1", "compute-2"])
        self.assertIn("ssd", str(shown["properties"]))
        props = self.cli_json("flavor", "show", fid)["properties"]
        self.assertIn("hw:cpu_policy", str(props))
        self.assertIn(fid, listed(MEMBER_B))
        self.assertNotIn(fid, listed(MEMBER_C))
        s = self.active(self.boot("after-restart", flavor=fid,
                                  token=MEMBER_B))
        self.assertIn(s["OS-EXT-SRV-ATTR:host"], ("compute-1", "compute-2"))
        zones = {z["Zone Name"]
                 for z in self.cli_json("availability", "zone", "list",
                                        "--compute")}
        self.assertEqual(zones, {"az1", "nova", "internal"})


if __name__ == "__main__":
    unittest.main()
