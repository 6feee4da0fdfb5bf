#!/usr/bin/python3
"""Raw HTTP cases against a real vmforged: every endpoint, Nova's errors,
project isolation, quota, pagination, actions."""
import base64
import hashlib
import json
import socket
import sys
import time
import unittest
import uuid

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"


class ComputeApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(BINARY, "--hosts", "3", "--debug")
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        assert cls.d.stop() == 0

    def create(self, name="vm", token="user-a:project-a", **extra):
        server = {"name": name, "imageRef": IMAGE, "flavorRef": "1"}
        server.update(extra)
        status, hdrs, body = call(self.v + "/servers", "POST",
                                  {"server": server}, token=token)
        self.assertEqual(status, 202, body)
        return body["server"]["id"], hdrs, body

    def wait(self, sid, status, token="user-a:project-a"):
        deadline = time.time() + 20
        while time.time() < deadline:
            code, _, body = call(self.v + "/servers/" + sid, token=token)
            if status is None and code == 404:
                return None
            if code == 200 and body["server"]["status"] == status \
                    and body["server"]["OS-EXT-STS:task_state"] is None:
                return body["server"]
            time.sleep(0.05)
        self.fail("server %s never reached %s" % (sid, status))

    def assertFault(self, result, code, name, message=None):
        status, _, body = result
        self.assertEqual(status, code, body)
        self.assertIn(name, body)
        self.assertEqual(body[name]["code"], code)
        if message is not None:
            self.assertEqual(body[name]["message"], message)

    def test_secrets_never_reach_the_log(self):
        secret_pass = "Pa55-never-logged"
        user_data = base64.b64encode(b"#cloud-config secret-user-data").decode()
        sid, _, body = self.create("secretive", adminPass=secret_pass,
                                   user_data=user_data)
        self.assertEqual(body["server"]["adminPass"], secret_pass)
        self.wait(sid, "ACTIVE")
        call(self.v + "/servers/" + sid, token="user-a:project-a",
             headers={"X-Auth-Token": "user-a:project-a",
                      "X-Service-Token": "service-token-never-logged"})
        log = self.d.log_text()
        self.assertIn("[req-", log)  # the access log is there, with context
        self.assertIn("user-a project-a] POST /v2.1/servers", log)
        for secret in (secret_pass, user_data, "secret-user-data",
                       "service-token-never-logged"):
            self.assertNotIn(secret, log)

    def test_version_documents_need_no_token(self):
        status, _, body = call(self.d.url + "/", token=None)
        self.assertEqual(status, 200)
        v21 = [v for v in body["versions"] if v["id"] == "v2.1"][0]
        self.assertEqual(v21["min_version"], "2.1")
        self.assertEqual(v21["version"], "2.100")
        status, _, body = call(self.d.url + "/v2.1/", token=None)
        self.assertEqual(body["version"]["id"], "v2.1")

    def test_no_token_is_401_with_keystone_body(self):
        status, hdrs, body = call(self.v + "/servers", token=None)
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["message"],
                         "The request you have made requires authentication.")
        self.assertIn("WWW-Authenticate", hdrs)

    def test_every_response_has_a_request_id_and_the_microversion(self):
        status, hdrs, _ = call(self.v + "/flavors")
        self.assertTrue(hdrs["x-openstack-request-id"].startswith("req-"))
        self.assertEqual(hdrs["OpenStack-API-Version"], "compute 2.1")
        self.assertEqual(hdrs["X-OpenStack-Nova-API-Version"], "2.1")
        _, hdrs, _ = call(self.v + "/flavors",
                          headers={"OpenStack-API-Version": "compute 2.19"})
        self.assertEqual(hdrs["OpenStack-API-Version"], "compute 2.19")
        _, hdrs, _ = call(self.v + "/flavors",
                          headers={"X-OpenStack-Nova-API-Version": "2.25"})
        self.assertEqual(hdrs["X-OpenStack-Nova-API-Version"], "2.25")
        _, hdrs, _ = call(self.v + "/flavors",
                          headers={"OpenStack-API-Version": "compute latest"})
        self.assertEqual(hdrs["OpenStack-API-Version"], "compute 2.100")

    def test_microversion_out_of_range_is_406_malformed_is_400(self):
        r = call(self.v + "/servers",
                 headers={"OpenStack-API-Version": "compute 2.999"})
        self.assertFault(r, 406, "computeFault")
        r = call(self.v + "/servers",
                 headers={"OpenStack-API-Version": "compute 2.x"})
        self.assertFault(r, 400, "badRequest")

    def test_create_show_update_delete(self):
        sid, hdrs, body = self.create("web", metadata={"hello": "world"},
                                      accessIPv4="1.1.1.1",
                                      accessIPv6="0000:0000::0001")
        server = body["server"]
        self.assertEqual(hdrs["Location"], self.v + "/servers/" + sid)
        self.assertEqual(len(server["adminPass"]), 12)
        self.assertEqual(server["OS-DCF:diskConfig"], "MANUAL")
        self.assertEqual(server["security_groups"], [{"name": "default"}])
        shown = self.wait(sid, "ACTIVE")
        self.assertEqual(shown["name"], "web")
        self.assertEqual(shown["metadata"], {"hello": "world"})
        self.assertEqual(shown["accessIPv4"], "1.1.1.1")
        self.assertEqual(shown["accessIPv6"], "::1")
        self.assertEqual(shown["image"]["id"], IMAGE)
        self.assertEqual(shown["flavor"]["id"], "1")
        self.assertEqual(shown["OS-EXT-STS:power_state"], 1)
        self.assertEqual(len(shown["hostId"]), 56)
        self.assertNotIn("OS-EXT-SRV-ATTR:host", shown)  # admin only
        status, _, body = call(self.v + "/servers/" + sid, "PUT",
                               {"server": {"name": "renamed"}})
        self.assertEqual(status, 200)
        self.assertEqual(body["server"]["name"], "renamed")
        r = call(self.v + "/servers/" + sid, "PUT", {"server": {"name": ""}})
        self.assertFault(r, 400, "badRequest")
        status, _, body = call(self.v + "/servers/" + sid, "DELETE")
        self.assertEqual(status, 204)
        self.assertIsNone(body)
        self.wait(sid, None)
        r = call(self.v + "/servers/" + sid)
        self.assertFault(r, 404, "itemNotFound",
                         "Instance %s could not be found." % sid)

    def test_admin_sees_host_attributes(self):
        sid, _, _ = self.create("adm", token="admin:project-a")
        shown = self.wait(sid, "ACTIVE", token="admin:project-a")
        self.assertTrue(shown["OS-EXT-SRV-ATTR:host"].startswith("compute-"))

    def test_create_validation(self):
        cases = [
            {"name": "", "imageRef": IMAGE, "flavorRef": "1"},
            {"name": 12345, "imageRef": IMAGE, "flavorRef": "1"},
            {"name": "a" * 256, "imageRef": IMAGE, "flavorRef": "1"},
            {"name": "x", "imageRef": "-1", "flavorRef": "1"},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "-1"},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "accessIPv4": "1.1.1.1.1.1"},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "accessIPv6": "notvalid"},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "networks": [{"fixed_ip": "10.0.1.1",
                           "uuid": "a-b-c-d-e-f-g-h-i-j"}]},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "key_name": "nope"},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "security_groups": [{"name": "does_not_exist"}]},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "min_count": 0},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "max_count": 2.5},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "min_count": 3, "max_count": 2},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "metadata": {"": "v"}},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1",
             "personality": [{"path": "/etc/motd", "contents": "not base64!"}]},
            {"name": "x", "imageRef": IMAGE, "flavorRef": "1", "bogus": 1},
        ]
        for server in cases:
            with self.subTest(server=server):
                r = call(self.v + "/servers", "POST", {"server": server})
                self.assertFault(r, 400, "badRequest")
        r = call(self.v + "/servers", "POST", raw=b"{not json")
        self.assertFault(r, 400, "badRequest", "Malformed request body")
        r = call(self.v + "/servers", "POST",
                 {"server": {"name": "x", "imageRef": IMAGE,
                             "flavorRef": "1"}},
                 headers={"OpenStack-API-Version": "compute 2.37"})
        self.assertFault(r, 400, "badRequest")  # networks required at 2.37

    def test_networks_none_at_2_37(self):
        status, _, body = call(
            self.v + "/servers", "POST",
            {"server": {"name": "n", "imageRef": IMAGE, "flavorRef": "1",
                        "networks": "none"}},
            headers={"OpenStack-API-Version": "compute 2.37"})
        self.assertEqual(status, 202, body)

    def test_projects_are_isolated(self):
        sid, _, _ = self.create("mine", token="alice:project-x")
        other = "bob:project-y"
        r = call(self.v + "/servers/" + sid, token=other)
        self.assertFault(r, 404, "itemNotFound")
        r = call(self.v + "/servers/" + sid, "DELETE", token=other)
        self.assertFault(r, 404, "itemNotFound")
        r = call(self.v + "/servers/" + sid + "/action", "POST",
                 {"os-stop": None}, token=other)
        self.assertFault(r, 404, "itemNotFound")
        _, _, body = call(self.v + "/servers", token=other)
        self.assertNotIn(sid, [s["id"] for s in body["servers"]])
        r = call(self.v + "/servers?all_tenants=1", token=other)
        self.assertFault(r, 403, "forbidden")
        _, _, body = call(self.v + "/servers?all_tenants=1",
                          token="admin:admin")
        self.assertIn(sid, [s["id"] for s in body["servers"]])
        # A project id in the URL must be the caller's.
        r = call(self.d.url + "/v2.1/project-x/servers", token=other)
        self.assertFault(r, 400, "badRequest")
        status, _, body = call(self.d.url + "/v2.1/project-x/servers/" + sid,
                               token="alice:project-x")
        self.assertEqual(status, 200)
        self.assertIn("/v2.1/project-x/servers/",
                      body["server"]["links"][0]["href"])

    def test_quota_exhaustion_is_403(self):
        token = "q:project-quota"
        ids = [self.create("q%d" % i, token=token)[0] for i in range(10)]
        r = call(self.v + "/servers", "POST",
                 {"server": {"name": "one-too-many", "imageRef": IMAGE,
                             "flavorRef": "1"}}, token=token)
        self.assertFault(r, 403, "forbidden",
                         "Quota exceeded for instances: Requested 1, but "
                         "already used 10 of 10 instances")
        _, _, body = call(self.v + "/limits", token=token)
        absolute = body["limits"]["absolute"]
        self.assertEqual(absolute["maxTotalInstances"], 10)
        self.assertEqual(absolute["totalInstancesUsed"], 10)
        self.assertEqual(absolute["totalCoresUsed"], 10)
        for sid in ids:
            call(self.v + "/servers/" + sid, "DELETE", token=token)

    def test_pagination_and_filters(self):
        token = "p:project-pages"
        ids = [self.create("page-%d" % i, token=token)[0] for i in range(5)]
        for sid in ids:
            self.wait(sid, "ACTIVE", token=token)
        _, _, body = call(self.v + "/servers?limit=2", token=token)
        self.assertEqual(len(body["servers"]), 2)
        nxt = body["servers_links"][0]
        self.assertEqual(nxt["rel"], "next")
        seen = [s["id"] for s in body["servers"]]
        while "servers_links" in body:
            _, _, body = call(body["servers_links"][0]["href"], token=token)
            seen += [s["id"] for s in body["servers"]]
        self.assertEqual(sorted(seen), sorted(ids))
        r = call(self.v + "/servers?marker=nope", token=token)
        self.assertFault(r, 400, "badRequest")
        r = call(self.v + "/servers?limit=-1", token=token)
        self.assertFault(r, 400, "badRequest")
        _, _, body = call(self.v + "/servers/detail?name=page-[34]",
                          token=token)
        self.assertEqual(sorted(s["name"] for s in body["servers"]),
                         ["page-3", "page-4"])
        _, _, body = call(self.v + "/servers?status=SHUTOFF", token=token)
        self.assertEqual(body["servers"], [])
        _, _, body = call(self.v + "/servers?status=ACTIVE", token=token)
        self.assertEqual(len(body["servers"]), 5)
        _, _, body = call(self.v + "/servers?changes-since=2999-01-01T00:00:00Z",
                          token=token)
        self.assertEqual(body["servers"], [])
        r = call(self.v + "/servers?changes-since=yesterday", token=token)
        self.assertFault(r, 400, "badRequest")

    def test_power_actions_follow_nova_state_rules(self):
        sid, _, _ = self.create("power")
        self.wait(sid, "ACTIVE")
        act = self.v + "/servers/%s/action" % sid
        r = call(act, "POST", {"os-start": None})
        self.assertFault(r, 409, "conflictingRequest",
                         "Cannot 'start' instance %s while it is in vm_state "
                         "active" % sid)
        self.assertEqual(call(act, "POST", {"os-stop": None})[0], 202)
        self.assertEqual(self.wait(sid, "SHUTOFF")["OS-EXT-STS:power_state"], 4)
        self.assertEqual(call(act, "POST", {"os-start": None})[0], 202)
        self.wait(sid, "ACTIVE")
        self.assertEqual(call(act, "POST", {"reboot": {"type": "HARD"}})[0], 202)
        self.wait(sid, "ACTIVE")
        r = call(act, "POST", {"reboot": {"type": "GENTLY"}})
        self.assertFault(r, 400, "badRequest")
        self.assertEqual(call(act, "POST", {"pause": None})[0], 202)
        self.wait(sid, "PAUSED")
        self.assertFault(call(act, "POST", {"pause": None}), 409,
                         "conflictingRequest")
        self.assertEqual(call(act, "POST", {"unpause": None})[0], 202)
        self.wait(sid, "ACTIVE")
        self.assertEqual(call(act, "POST", {"suspend": None})[0], 202)
        self.wait(sid, "SUSPENDED")
        self.assertEqual(call(act, "POST", {"resume": None})[0], 202)
        self.wait(sid, "ACTIVE")
        self.assertEqual(call(act, "POST", {"lock": None})[0], 202)
        self.assertFault(call(act, "POST", {"os-stop": None}), 409,
                         "conflictingRequest", "Instance %s is locked" % sid)
        self.assertFault(call(self.v + "/servers/" + sid, "DELETE"), 409,
                         "conflictingRequest")
        self.assertEqual(call(act, "POST", {"unlock": None})[0], 202)
        self.assertFault(call(act, "POST", {"explode": None}), 400,
                         "badRequest", "There is no such action: explode")
        r = call(self.v + "/servers/%s/action" % str(uuid.uuid4()), "POST",
                 {"os-stop": None})
        self.assertFault(r, 404, "itemNotFound")

    def test_flavors_images_limits(self):
        _, _, body = call(self.v + "/flavors/detail?minRam=4096")
        self.assertEqual([f["name"] for f in body["flavors"]],
                         ["m1.medium", "m1.large", "m1.xlarge"])
        _, _, body = call(self.v + "/flavors/1")
        self.assertEqual(body["flavor"]["vcpus"], 1)
        self.assertFault(call(self.v + "/flavors/99"), 404, "itemNotFound")
        _, _, body = call(self.v + "/flavors?limit=2&marker=1")
        self.assertEqual([f["id"] for f in body["flavors"]], ["2", "3"])
        _, _, body = call(self.v + "/images/detail")
        self.assertEqual(body["images"][0]["id"], IMAGE)
        self.assertEqual(body["images"][0]["status"], "ACTIVE")
        self.assertFault(call(self.v + "/images/nope"), 404, "itemNotFound")
        status, _, body = call(self.v + "/limits")
        self.assertEqual(status, 200)
        self.assertIn("maxTotalCores", body["limits"]["absolute"])

    def test_server_metadata(self):
        sid, _, _ = self.create("meta", metadata={"a": "1"})
        m = self.v + "/servers/%s/metadata" % sid
        self.assertEqual(call(m)[2], {"metadata": {"a": "1"}})
        status, _, body = call(m, "POST", {"metadata": {"b": "2"}})
        self.assertEqual(body, {"metadata": {"a": "1", "b": "2"}})
        status, _, body = call(m, "PUT", {"metadata": {"c": "3"}})
        self.assertEqual(body, {"metadata": {"c": "3"}})
        status, _, body = call(m + "/d", "PUT", {"meta": {"d": "4"}})
        self.assertEqual((status, body), (200, {"meta": {"d": "4"}}))
        self.assertEqual(call(m + "/d")[2], {"meta": {"d": "4"}})
        self.assertFault(call(m + "/d", "PUT", {"meta": {"e": "5"}}), 400,
                         "badRequest", "Request body and URI mismatch")
        self.assertFault(call(m + "/d", "PUT", {"meta": {"d": "1", "e": "2"}}),
                         400, "badRequest")
        self.assertFault(call(m, "POST", {"metadata": {"": "x"}}), 400,
                         "badRequest")
        too_many = {"k%d" % i: "v" for i in range(129)}
        self.assertFault(call(m, "PUT", {"metadata": too_many}), 403,
                         "forbidden")
        self.assertEqual(call(m + "/d", "DELETE")[0], 204)
        self.assertFault(call(m + "/d", "DELETE"), 404, "itemNotFound")
        self.assertFault(call(self.v + "/servers/%s/metadata" % uuid.uuid4()),
                         404, "itemNotFound")

    def test_keypairs(self):
        kp = self.v + "/os-keypairs"
        token = "k:project-keys"
        # An OpenSSH public key; Nova's fingerprint is the MD5 of its blob.
        blob = (b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01"
                b"\x00\x00\x00\x41\x00" + bytes(range(1, 65)))
        pub = "ssh-rsa " + base64.b64encode(blob).decode() + " me@host"
        fp = ":".join("%02x" % b for b in hashlib.md5(blob).digest())
        status, _, body = call(kp, "POST", {"keypair": {"name": "imported",
                                                        "public_key": pub}},
                               token=token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["keypair"]["fingerprint"], fp)
        self.assertNotIn("private_key", body["keypair"])
        status, _, body = call(kp, "POST", {"keypair": {"name": "made"}},
                               token=token,
                               headers={"OpenStack-API-Version": "compute 2.2"})
        self.assertEqual(status, 201)
        self.assertIn("BEGIN RSA PRIVATE KEY", body["keypair"]["private_key"])
        self.assertTrue(body["keypair"]["public_key"].startswith("ssh-rsa "))
        self.assertEqual(body["keypair"]["type"], "ssh")
        self.assertFault(call(kp, "POST", {"keypair": {"name": "made"}},
                              token=token), 409, "conflictingRequest")
        self.assertFault(call(kp, "POST", {"keypair": {"name": "bad",
                                                       "public_key": "junk"}},
                              token=token), 400, "badRequest")
        _, _, body = call(kp, token=token)
        self.assertEqual(sorted(k["keypair"]["name"] for k in body["keypairs"]),
                         ["imported", "made"])
        _, _, body = call(kp + "/imported", token=token)
        self.assertEqual(body["keypair"]["user_id"], "k")
        # Another user does not see them; key_name must be the caller's.
        self.assertFault(call(kp + "/imported", token="other:project-keys"),
                         404, "itemNotFound")
        sid, _, _ = self.create("keyed", token=token, key_name="imported")
        self.assertEqual(self.wait(sid, "ACTIVE", token=token)["key_name"],
                         "imported")
        self.assertFault(call(self.v + "/servers", "POST",
                              {"server": {"name": "x", "imageRef": IMAGE,
                                          "flavorRef": "1",
                                          "key_name": "imported"}},
                              token="other:project-keys"),
                         400, "badRequest", "Invalid key_name provided.")
        self.assertEqual(call(kp + "/made", "DELETE", token=token)[0], 202)
        self.assertFault(call(kp + "/made", "DELETE", token=token), 404,
                         "itemNotFound")

    def test_quota_sets_and_classes(self):
        admin = "admin:admin"
        qs = self.v + "/os-quota-sets/project-q2"
        _, _, body = call(qs, token=admin)
        self.assertEqual(body["quota_set"]["id"], "project-q2")
        self.assertEqual(body["quota_set"]["instances"], 10)
        self.assertIn("floating_ips", body["quota_set"])
        _, _, body = call(qs, token=admin,
                          headers={"OpenStack-API-Version": "compute 2.36"})
        self.assertNotIn("floating_ips", body["quota_set"])
        self.assertFault(call(qs, "PUT", {"quota_set": {"instances": 1}},
                              token="member:project-q2"), 403, "forbidden")
        status, _, body = call(qs, "PUT", {"quota_set": {"instances": 1,
                                                         "force": True}},
                               token=admin)
        self.assertEqual((status, body["quota_set"]["instances"]), (200, 1))
        self.assertFault(call(qs, "PUT", {"quota_set": {"bogus": 1}},
                              token=admin), 400, "badRequest")
        self.assertFault(call(qs, "PUT", {"quota_set": {"cores": -2}},
                              token=admin), 400, "badRequest")
        member = "member:project-q2"
        self.create("only-one", token=member)
        self.assertFault(call(self.v + "/servers", "POST",
                              {"server": {"name": "two", "imageRef": IMAGE,
                                          "flavorRef": "1"}}, token=member),
                         403, "forbidden")
        _, _, body = call(qs + "/detail", token=member)
        self.assertEqual(body["quota_set"]["instances"],
                         {"limit": 1, "in_use": 1, "reserved": 0})
        self.assertFault(call(self.v + "/os-quota-sets/project-other",
                              token=member), 403, "forbidden")
        self.assertEqual(call(qs, "DELETE", token=admin)[0], 202)
        _, _, body = call(qs, token=admin)
        self.assertEqual(body["quota_set"]["instances"], 10)
        qc = self.v + "/os-quota-class-sets/default"
        _, _, body = call(qc, token=admin)
        self.assertEqual(body["quota_class_set"]["id"], "default")
        status, _, body = call(qc, "PUT", {"quota_class_set": {"key_pairs": 7}},
                               token=admin)
        self.assertEqual(body["quota_class_set"]["key_pairs"], 7)
        _, _, body = call(qs + "/defaults", token=admin)
        self.assertEqual(body["quota_set"]["key_pairs"], 7)
        call(qc, "PUT", {"quota_class_set": {"key_pairs": 100}}, token=admin)

    def test_hypervisors_are_admin_only(self):
        admin = "admin:admin"
        hv = self.v + "/os-hypervisors"
        self.assertFault(call(hv), 403, "forbidden")
        _, _, body = call(hv, token=admin)
        self.assertEqual([h["hypervisor_hostname"] for h in body["hypervisors"]],
                         ["compute-1", "compute-2", "compute-3"])
        self.assertTrue(all(h["state"] == "up" for h in body["hypervisors"]))
        _, _, body = call(hv + "/detail", token=admin)
        self.assertEqual(body["hypervisors"][0]["vcpus"], 1000)
        self.assertIsInstance(body["hypervisors"][0]["cpu_info"], str)
        _, _, body = call(hv + "/1", token=admin,
                          headers={"OpenStack-API-Version": "compute 2.28"})
        self.assertIsInstance(body["hypervisor"]["cpu_info"], dict)
        _, _, stats = call(hv + "/statistics", token=admin)
        self.assertEqual(stats["hypervisor_statistics"]["count"], 3)
        _, _, body = call(hv + "/1/uptime", token=admin)
        self.assertIn(" up ", body["hypervisor"]["uptime"])
        _, _, body = call(hv + "/compute-2/search", token=admin)
        self.assertEqual(len(body["hypervisors"]), 1)
        self.assertFault(call(hv + "/nowhere/search", token=admin), 404,
                         "itemNotFound")
        self.assertFault(call(hv + "/99", token=admin), 404, "itemNotFound")

    def test_security_groups_before_2_36(self):
        token = "s:project-sg"
        sg = self.v + "/os-security-groups"
        status, _, body = call(sg, "POST", {"security_group": {
            "name": "web", "description": "http"}}, token=token)
        self.assertEqual(status, 200, body)
        gid = body["security_group"]["id"]
        status, _, body = call(self.v + "/os-security-group-rules", "POST",
                               {"security_group_rule": {
                                   "parent_group_id": gid,
                                   "ip_protocol": "tcp", "from_port": 80,
                                   "to_port": 80, "cidr": "0.0.0.0/0"}},
                               token=token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["security_group_rule"]["to_port"], 80)
        _, _, body = call(sg, token=token)
        self.assertEqual(sorted(g["name"] for g in body["security_groups"]),
                         ["default", "web"])
        self.create("guarded", token=token, security_groups=[{"name": "web"}])
        call(self.v + "/os-quota-sets/project-sg", "PUT",
             {"quota_set": {"security_groups": 2}}, token="admin:admin")
        self.assertFault(call(sg, "POST", {"security_group": {"name": "x"}},
                              token=token), 403, "forbidden")
        self.assertEqual(call(sg + "/%d" % gid, "DELETE", token=token)[0], 202)
        self.assertFault(call(sg, headers={"OpenStack-API-Version":
                                           "compute 2.36"}, token=token),
                         404, "itemNotFound")

    def test_instance_actions(self):
        sid, hdrs, _ = self.create("acted")
        create_req = hdrs["x-openstack-request-id"]
        self.wait(sid, "ACTIVE")
        status, hdrs, _ = call(self.v + "/servers/%s/action" % sid, "POST",
                               {"os-stop": None})
        stop_req = hdrs["x-openstack-request-id"]
        self.wait(sid, "SHUTOFF")
        ia = self.v + "/servers/%s/os-instance-actions" % sid
        _, _, body = call(ia)
        self.assertEqual([(a["action"], a["request_id"])
                          for a in body["instanceActions"]],
                         [("stop", stop_req), ("create", create_req)])
        _, _, body = call(ia + "/" + create_req)
        self.assertNotIn("events", body["instanceAction"])  # admin only
        _, _, body = call(ia + "/" + create_req, token="admin:project-a")
        events = body["instanceAction"]["events"]
        self.assertEqual([e["event"] for e in events],
                         ["conductor_schedule_and_build_instances",
                          "compute__do_build_and_run_instance"])
        self.assertTrue(all(e["result"] == "Success" for e in events))
        _, _, body = call(ia + "/" + stop_req, token="admin:project-a")
        self.assertEqual(body["instanceAction"]["events"][0]["event"],
                         "compute_stop_instance")
        self.assertFault(call(ia + "/req-nope"), 404, "itemNotFound")
        self.assertFault(call(ia, token="x:other"), 404, "itemNotFound")

    def test_flavor_manage_is_admin_only(self):
        fl = self.v + "/flavors"
        new = {"flavor": {"name": "custom", "ram": 256, "vcpus": 1,
                          "disk": 2, "id": "custom-1"}}
        self.assertFault(call(fl, "POST", new), 403, "forbidden")
        status, _, body = call(fl, "POST", new, token="admin:admin")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["flavor"]["ram"], 256)
        self.assertFault(call(fl, "POST", new, token="admin:admin"), 409,
                         "conflictingRequest")
        self.assertFault(call(fl, "POST", {"flavor": {"name": "x", "ram": 0,
                                                      "vcpus": 1, "disk": 1}},
                              token="admin:admin"), 400, "badRequest")
        sid, _, _ = self.create("custom-vm", flavorRef="custom-1")
        self.assertEqual(self.wait(sid, "ACTIVE")["flavor"]["id"], "custom-1")
        self.assertFault(call(fl + "/custom-1", "DELETE"), 403, "forbidden")
        self.assertEqual(call(fl + "/custom-1", "DELETE",
                              token="admin:admin")[0], 202)
        self.assertFault(call(fl + "/custom-1"), 404, "itemNotFound")

    def test_services_disable_keeps_the_scheduler_off_a_host(self):
        admin = "admin:admin"
        sv = self.v + "/os-services"
        self.assertFault(call(sv), 403, "forbidden")
        _, _, body = call(sv + "?binary=nova-compute", token=admin)
        self.assertEqual(len(body["services"]), 3)
        for h in ("compute-1", "compute-2"):
            status, _, body = call(sv + "/disable-log-reason", "PUT",
                                   {"host": h, "binary": "nova-compute",
                                    "disabled_reason": "maintenance"},
                                   token=admin)
            self.assertEqual(body["service"]["status"], "disabled")
        _, _, body = call(sv + "?host=compute-1", token=admin)
        self.assertEqual(body["services"][-1]["disabled_reason"],
                         "maintenance")
        sid, _, _ = self.create("placed", token="admin:project-a")
        shown = self.wait(sid, "ACTIVE", token="admin:project-a")
        self.assertEqual(shown["OS-EXT-SRV-ATTR:host"], "compute-3")
        for h in ("compute-1", "compute-2"):
            call(sv + "/enable", "PUT", {"host": h, "binary": "nova-compute"},
                 token=admin)
        _, _, body = call(sv + "?binary=nova-compute", token=admin)
        self.assertTrue(all(s["status"] == "enabled" for s in body["services"]))
        compute_1 = {"host": "compute-1", "binary": "nova-compute"}
        for action, body, code, name, message in [
                ("disable", {"host": "nowhere", "binary": "nova-compute"},
                 404, "itemNotFound",
                 "Could not find binary nova-compute on host nowhere."),
                ("disable-log-reason", compute_1, 400, "badRequest",
                 "Missing disabled reason field"),
                ("disable", {"host": "vmforge", "binary": "nova-conductor"},
                 400, "badRequest", "Updating a nova-conductor service is "
                 "not supported. Only nova-compute services can be updated."),
                ("reboot", compute_1, 404, "itemNotFound", "Unknown action")]:
            self.assertFault(call(sv + "/" + action, "PUT", body, token=admin),
                             code, name, message)

    def test_services_force_down_from_2_11(self):
        admin = "admin:project-forced"
        sv = self.v + "/os-services"
        fd = sv + "/force-down"
        v210 = {"X-OpenStack-Nova-API-Version": "2.10"}
        v211 = {"X-OpenStack-Nova-API-Version": "2.11"}

        def put(body, token=admin, headers=v211):
            return call(fd, "PUT", body, token=token, headers=headers)

        def computes(headers):
            _, _, body = call(sv + "?binary=nova-compute", token=admin,
                              headers=headers)
            return {s["host"]: s for s in body["services"]}

        def down(host, forced_down):
            return {"host": host, "binary": "nova-compute",
                    "forced_down": forced_down}

        # Before 2.11 there is no such action (Nova validates the body
        # first: forced_down is not in its 2.1 schema).
        self.assertFault(put({"host": "compute-1", "binary": "nova-compute"},
                             headers=v210), 404, "itemNotFound",
                         "Unknown action")
        self.assertFault(put(down("compute-1", True), headers=v210), 400,
                         "badRequest", "Additional properties are not "
                         "allowed ('forced_down' was unexpected)")
        booleans = ("[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', "
                    "'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', "
                    "'0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']")
        for body, message in [
                ({"binary": "nova-compute", "forced_down": True},
                 "'host' is a required property"),
                ({"host": "compute-1", "forced_down": True},
                 "'binary' is a required property"),
                ({"host": "compute-1", "binary": "nova-compute"},
                 "Missing forced_down field"),
                (down("compute-1", "maybe"),
                 "Invalid input for field/attribute forced_down. Value: "
                 "maybe. 'maybe' is not one of " + booleans),
                (down("compute-1", 1),
                 "Invalid input for field/attribute forced_down. Value: 1. "
                 "1 is not of type 'boolean', 'string'"),
                (down("compute 1", True),
                 "Invalid input for field/attribute host. Value: compute 1. "
                 "'compute 1' does not match '^[a-zA-Z0-9-._]*$'"),
                (dict(down("compute-1", True), extra=1),
                 "Additional properties are not allowed ('extra' was "
                 "unexpected)"),
                ({"host": "vmforge", "binary": "nova-scheduler",
                  "forced_down": True},
                 "Updating a nova-scheduler service is not supported. Only "
                 "nova-compute services can be updated.")]:
            self.assertFault(put(body), 400, "badRequest", message)
        self.assertFault(put(down("nowhere", True)), 404, "itemNotFound",
                         "Could not find binary nova-compute on host "
                         "nowhere.")
        self.assertFault(put(down("compute-1", True), token="user-a:project-a"),
                         403, "forbidden")
        self.assertFalse(any(s["forced_down"]
                             for s in computes(v211).values()))

        for h in ("compute-1", "compute-2"):
            status, _, body = put(down(h, True))
            self.assertEqual(status, 200, body)
            self.assertEqual(body, {"service": {
                "host": h, "binary": "nova-compute", "forced_down": True}})
        shown = computes(v211)
        for h in ("compute-1", "compute-2"):
            # Down at once, whatever its heartbeats; still enabled.
            self.assertEqual((shown[h]["forced_down"], shown[h]["state"],
                              shown[h]["status"]), (True, "down", "enabled"))
        self.assertEqual((shown["compute-3"]["forced_down"],
                          shown["compute-3"]["state"]), (False, "up"))
        self.assertTrue(all("forced_down" not in s
                            for s in computes(v210).values()))
        ids = [self.create("forced-%d" % i, token=admin)[0] for i in range(3)]
        for sid in ids:
            shown = self.wait(sid, "ACTIVE", token=admin)
            self.assertEqual(shown["OS-EXT-SRV-ATTR:host"], "compute-3")

        # Nova's boolean strings count as booleans, answered as one.
        for h in ("compute-1", "compute-2"):
            status, _, body = put(down(h, "false"))
            self.assertEqual((status, body["service"]["forced_down"]),
                             (200, False))
        shown = computes(v211)
        self.assertTrue(all((s["forced_down"], s["state"]) == (False, "up")
                            for s in shown.values()))
        for sid in ids:
            call(self.v + "/servers/" + sid, "DELETE", token=admin)

    def test_expect_100_continue_is_answered_before_the_body(self):
        body = json.dumps({"server": {"name": "expect", "imageRef": IMAGE,
                                      "flavorRef": "1"}}).encode()
        with socket.create_connection(("127.0.0.1", self.d.port),
                                      timeout=5) as s:
            s.sendall(("POST /v2.1/servers HTTP/1.1\r\nHost: x\r\n"
                       "X-Auth-Token: user-a:project-a\r\n"
                       "Content-Type: application/json\r\n"
                       "Expect: 100-continue\r\n"
                       "Content-Length: %d\r\n\r\n" % len(body)).encode())
            first = s.recv(4096)
            self.assertTrue(first.startswith(b"HTTP/1.1 100 Continue"), first)
            s.sendall(body)
            rest = s.recv(65536)
            self.assertTrue(rest.startswith(b"HTTP/1.1 202"), rest)

    def test_unknown_routes_methods_and_big_bodies(self):
        self.assertFault(call(self.v + "/nothing-here"), 404, "itemNotFound")
        self.assertFault(call(self.v + "/flavors", "DELETE"), 405, "badMethod")
        r = call(self.v + "/servers", "POST", raw=b"x" * (1024 * 1024 + 1))
        self.assertFault(r, 413, "overLimit")


if __name__ == "__main__":
    unittest.main(verbosity=2)
