#!/usr/bin/python3
"""Server groups against a real vmforged with 4 fake hosts
(docs/scheduler.md "Server groups"): os-server-groups over raw HTTP with
Nova's errors, the openstack CLI's `server group create/show/list/delete`
and `server create --hint group=`, anti-affinity members on distinct
hosts, affinity members on one, the server_group_members quota, a deleted
member leaving its group, and groups with their members kept across a
restart."""
import shutil
import subprocess
import sys
import threading
import time
import unittest

from daemon import Daemon, RestartableDaemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
MEMBER = "user-a:project-a"
ADMIN = "admin:project-a"
MISSING = "99999999-9999-4999-8999-999999999999"

# The image's file is missing: the embedded catalog makes it a blank qcow2
# (docs/images.md), which the fake driver boots.
CONF = """
[quota]
instances = -1
cores = -1
ram = -1
[image:%(image)s]
name = cirros
file = images/blank.qcow2
""" % {"image": IMAGE}


class ServerGroupsTest(RestartableDaemon, unittest.TestCase):
    BINARY = BINARY
    CONF = CONF
    HOSTS = 4

    def cli(self, *args):
        if shutil.which("openstack") is None:
            self.skipTest("python3-openstackclient is not installed")
        out = subprocess.run(
            ["openstack", "--os-auth-type", "admin_token", "--os-token",
             MEMBER, "--os-endpoint", self.v, *args],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def group(self, policy, name="g", version="2.1"):
        status, _, body = call(
            self.v + "/os-server-groups", "POST",
            {"server_group": {"name": name, "policies": [policy]}},
            headers={"X-OpenStack-Nova-API-Version": version})
        self.assertEqual(status, 200, body)
        return body["server_group"]

    def create(self, name, group, count=1, expect=202):
        status, _, body = call(
            self.v + "/servers", "POST",
            {"server": {"name": name, "imageRef": IMAGE, "flavorRef": "1",
                        "min_count": count, "max_count": count},
             "os:scheduler_hints": {"group": group}})
        self.assertEqual(status, expect, body)
        return body

    def servers(self, name):
        status, _, body = call(self.v + "/servers?name=^%s" % name)
        self.assertEqual(status, 200, body)
        return [s["id"] for s in body["servers"]]

    def host_of(self, sid):
        for _ in range(400):
            status, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
            self.assertEqual(status, 200, body)
            server = body["server"]
            if server["status"] in ("ACTIVE", "ERROR"):
                self.assertEqual(server["status"], "ACTIVE", server)
                return server["OS-EXT-SRV-ATTR:host"]
            time.sleep(0.025)
        self.fail("server %s stayed %s" % (sid, server["status"]))

    def show_group(self, gid, version="2.1", token=MEMBER):
        return call(self.v + "/os-server-groups/" + gid, token=token,
                    headers={"X-OpenStack-Nova-API-Version": version})

    def test_views_and_schema_errors(self):
        g = self.group("affinity", "plain")
        self.assertEqual(sorted(g), ["id", "members", "metadata", "name",
                                     "policies"])
        self.assertEqual((g["policies"], g["members"], g["metadata"]),
                         (["affinity"], [], {}))
        status, _, body = self.show_group(g["id"], "2.13")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["server_group"]["project_id"], "project-a")
        self.assertEqual(body["server_group"]["user_id"], "user-a")
        bad = [
            ({"server_group": {"name": "x", "policies": ["soft-affinity"]}},
             "2.1", "Invalid input for field/attribute 0. Value: "
                    "soft-affinity. 'soft-affinity' is not one of "
                    "['anti-affinity', 'affinity']"),
            ({"server_group": {"name": "x",
                               "policies": ["affinity", "anti-affinity"]}},
             "2.15", "is too long"),
            ({"server_group": {"name": "x", "policies": []}}, "2.1",
             "[] is too short"),
            ({"server_group": {"name": "x"}}, "2.1",
             "'policies' is a required property"),
            ({"server_group": {"name": "x", "policies": ["affinity"],
                               "rules": {}}}, "2.1",
             "Additional properties are not allowed ('rules' was "
             "unexpected)"),
            ({}, "2.1", "'server_group' is a required property"),
        ]
        for body, version, message in bad:
            status, _, answer = call(
                self.v + "/os-server-groups", "POST", body,
                headers={"X-OpenStack-Nova-API-Version": version})
            self.assertEqual(status, 400, answer)
            self.assertIn(message, answer["badRequest"]["message"])
        soft = self.group("soft-anti-affinity", "soft", "2.15")
        self.assertEqual(soft["policies"], ["soft-anti-affinity"])
        status, _, body = self.show_group(MISSING)
        self.assertEqual(status, 404, body)
        self.assertEqual(body["itemNotFound"]["message"],
                         "Instance group %s could not be found." % MISSING)
        # Another project's group is its own.
        status, _, body = self.show_group(g["id"], token="user-b:project-b")
        self.assertEqual(status, 403, body)
        status, _, body = call(self.v + "/os-server-groups",
                               token="user-b:project-b")
        self.assertEqual(body["server_groups"], [])
        status, _, body = call(self.v + "/os-server-groups?all_projects=1",
                               token="admin:project-b")
        self.assertIn(g["id"], [x["id"] for x in body["server_groups"]])
        status, _, body = call(self.v + "/os-server-groups?limit=x")
        self.assertEqual(status, 400, body)
        for gid in (g["id"], soft["id"]):
            self.assertEqual(call(self.v + "/os-server-groups/" + gid,
                                  "DELETE")[0], 204)

    def test_2_64_policy_and_rules_and_2_71_server_groups(self):
        # Served once the microversions reach 2.71 (helper "mv"'s work).
        _, _, root = call(self.v + "/")
        top = tuple(int(x) for x in root["version"]["version"].split("."))
        if top < (2, 71):
            self.skipTest("microversion 2.71 is not served yet")
        new = {"X-OpenStack-Nova-API-Version": "2.64"}
        status, _, body = call(
            self.v + "/os-server-groups", "POST",
            {"server_group": {"name": "two", "policy": "anti-affinity",
                              "rules": {"max_server_per_host": 2}}},
            headers=new)
        self.assertEqual(status, 200, body)
        g = body["server_group"]
        self.assertEqual(sorted(g), ["id", "members", "name", "policy",
                                     "project_id", "rules", "user_id"])
        self.assertEqual((g["policy"], g["rules"]),
                         ("anti-affinity", {"max_server_per_host": 2}))
        for body, message in [
                ({"server_group": {"name": "x", "policy": "affinity",
                                   "rules": {"max_server_per_host": 2}}},
                 "Only anti-affinity policy supports rules."),
                # jsonschema reports `required` before
                # additionalProperties, so the 2.64 body is whole.
                ({"server_group": {"name": "x", "policy": "affinity",
                                   "policies": ["affinity"]}},
                 "Additional properties are not allowed ('policies' was "
                 "unexpected)")]:
            status, _, answer = call(self.v + "/os-server-groups", "POST",
                                     body, headers=new)
            self.assertEqual(status, 400, answer)
            self.assertIn(message, answer["badRequest"]["message"])
        sid = self.create("ruled", g["id"])["server"]["id"]
        self.host_of(sid)
        status, _, body = call(
            self.v + "/servers/" + sid,
            headers={"X-OpenStack-Nova-API-Version": "2.71"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["server"]["server_groups"], [g["id"]])
        status, _, body = call(
            self.v + "/servers/" + sid,
            headers={"X-OpenStack-Nova-API-Version": "2.70"})
        self.assertNotIn("server_groups", body["server"])
        self.delete(sid)
        status, _, body = self.show_group(g["id"], "2.64")
        self.assertEqual(body["server_group"]["members"], [])
        call(self.v + "/os-server-groups/" + g["id"], "DELETE")

    def test_cli_anti_affinity_spreads_and_affinity_stacks(self):
        gid = self.cli("server", "group", "create", "--policy",
                       "anti-affinity", "-f", "value", "-c", "id",
                       "spread").strip()
        self.cli("server", "create", "--flavor", "m1.tiny", "--image", IMAGE,
                 "--hint", "group=" + gid, "--min", "3", "--max", "3",
                 "spread-vm")
        ids = self.servers("spread-vm")
        self.assertEqual(len(ids), 3)
        hosts = [self.host_of(sid) for sid in ids]
        self.assertEqual(len(set(hosts)), 3, hosts)
        shown = self.cli("server", "group", "show", gid, "-f", "value", "-c",
                         "members")
        for sid in ids:
            self.assertIn(sid, shown)
        self.assertIn(gid, self.cli("server", "group", "list", "-f", "value",
                                    "-c", "ID"))
        # A fifth member finds no host once four hosts hold one each.
        sid = self.create("spread-4th", gid)["server"]["id"]
        self.host_of(sid)
        sid = self.create("spread-5th", gid)["server"]["id"]
        for _ in range(400):
            status, _, body = call(self.v + "/servers/" + sid)
            if body["server"]["status"] == "ERROR":
                break
            time.sleep(0.025)
        self.assertEqual(body["server"]["status"], "ERROR", body)
        self.assertIn("No valid host", body["server"]["fault"]["message"])
        # A deleted member leaves the group; the group goes, its servers
        # stay.
        self.delete(sid)
        status, _, body = self.show_group(gid)
        self.assertNotIn(sid, body["server_group"]["members"])
        self.assertEqual(len(body["server_group"]["members"]), 4)
        self.cli("server", "group", "delete", gid)
        self.assertEqual(self.show_group(gid)[0], 404)
        for sid in ids:
            self.assertEqual(call(self.v + "/servers/" + sid)[0], 200)
            self.delete(sid)

        g = self.group("affinity", "stack")
        self.create("stack-vm", g["id"], count=3)
        hosts = {self.host_of(sid) for sid in self.servers("stack-vm")}
        self.assertEqual(len(hosts), 1, hosts)

    def test_ten_concurrent_creates_on_ten_hosts_are_distinct(self):
        # A daemon of its own, with 10 hosts: 10 creates at once, one each.
        with Daemon(BINARY, "--config", self.conf, "--hosts", "10") as d:
            v = d.url + "/v2.1"
            status, _, body = call(
                v + "/os-server-groups", "POST",
                {"server_group": {"name": "race",
                                  "policies": ["anti-affinity"]}})
            self.assertEqual(status, 200, body)
            gid = body["server_group"]["id"]
            answers = []

            def one(i):
                answers.append(call(
                    v + "/servers", "POST",
                    {"server": {"name": "race-%d" % i, "imageRef": IMAGE,
                                "flavorRef": "1"},
                     "os:scheduler_hints": {"group": gid}})[0])
            threads = [threading.Thread(target=one, args=(i,))
                       for i in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(answers, [202] * 10)
            hosts = {}
            for _ in range(400):
                _, _, body = call(v + "/servers/detail", token=ADMIN)
                done = [s for s in body["servers"]
                        if s["status"] in ("ACTIVE", "ERROR")]
                if len(done) == 10:
                    break
                time.sleep(0.025)
            for server in body["servers"]:
                self.assertEqual(server["status"], "ACTIVE", server)
                hosts[server["id"]] = server["OS-EXT-SRV-ATTR:host"]
            self.assertEqual(len(hosts), 10)
            self.assertEqual(len(set(hosts.values())), 10, hosts)

    def test_member_quota_and_unknown_group(self):
        body = self.create("nogroup", MISSING, expect=400)
        self.assertEqual(body["badRequest"]["message"],
                         "Instance group %s could not be found." % MISSING)
        status, _, body = call(self.v + "/servers", "POST",
                               {"server": {"name": "x", "imageRef": IMAGE,
                                           "flavorRef": "1"},
                                "os:scheduler_hints": {"group": "nope"}})
        self.assertEqual(status, 400, body)
        g = self.group("soft-affinity", "big", "2.15")
        body = self.create("big", g["id"], count=11, expect=403)
        self.assertEqual(body["forbidden"]["message"],
                         "Quota exceeded, too many servers in group")
        self.assertEqual(self.servers("big"), [])
        # server_groups: 10 a project, shown in the limits.
        status, _, limits = call(self.v + "/limits")
        used = limits["limits"]["absolute"]["totalServerGroupsUsed"]
        made = [self.group("affinity", "q%d" % i)["id"]
                for i in range(10 - used)]
        status, _, body = call(
            self.v + "/os-server-groups", "POST",
            {"server_group": {"name": "over", "policies": ["affinity"]}})
        self.assertEqual(status, 403, body)
        self.assertEqual(body["forbidden"]["message"],
                         "Quota exceeded, too many server groups.")
        for gid in made + [g["id"]]:
            call(self.v + "/os-server-groups/" + gid, "DELETE")

    def test_restart_keeps_groups_and_members(self):
        g = self.group("anti-affinity", "kept")
        self.create("kept-vm", g["id"], count=2)
        ids = self.servers("kept-vm")
        hosts = {self.host_of(sid) for sid in ids}
        self.assertEqual(len(hosts), 2)
        type(self).d.stop()
        type(self).start()
        status, _, body = self.show_group(g["id"], "2.13")
        self.assertEqual(status, 200, body)
        self.assertEqual(sorted(body["server_group"]["members"]),
                         sorted(ids))
        self.assertEqual(body["server_group"]["policies"], ["anti-affinity"])
        # The placed members still count: a third lands elsewhere.
        sid = self.create("kept-vm-3", g["id"])["server"]["id"]
        self.assertNotIn(self.host_of(sid), hosts)
        for sid in self.servers("kept-vm"):
            self.delete(sid)
        call(self.v + "/os-server-groups/" + g["id"], "DELETE")


if __name__ == "__main__":
    unittest.main(verbosity=2)
