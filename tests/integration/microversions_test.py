#!/usr/bin/python3
"""Microversions 2.38 to 2.100 against a real vmforged: negotiation and its
headers, the server view at several versions, lock reasons, hostnames,
tags at create and their filters, scheduler hints, and the openstack CLI at
the version it negotiates."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
TOKEN = "user-a:project-a"


def at(version):
    return {"OpenStack-API-Version": "compute " + version}


class MicroversionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(BINARY, "--hosts", "2")
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        assert cls.d.stop() == 0

    def create(self, version, **extra):
        server = {"name": "mv-vm", "imageRef": IMAGE, "flavorRef": "1",
                  "networks": "auto"}
        server.update(extra.pop("server", {}))
        body = {"server": server}
        body.update(extra)
        status, _, out = call(self.v + "/servers", "POST", body,
                              headers=at(version))
        self.assertEqual(status, 202, out)
        return out["server"]["id"]

    def show(self, sid, version):
        status, hdrs, body = call(self.v + "/servers/" + sid,
                                  headers=at(version))
        self.assertEqual(status, 200, body)
        return hdrs, body["server"]

    def wait_active(self, sid):
        deadline = time.time() + 30
        while time.time() < deadline:
            _, s = self.show(sid, "2.1")
            if s["status"] == "ACTIVE" and s["OS-EXT-STS:task_state"] is None:
                return
            time.sleep(0.1)
        self.fail("never ACTIVE: " + sid)

    def test_negotiation_and_headers(self):
        for asked, served in (("2.1", "2.1"), ("2.37", "2.37"),
                              ("2.100", "2.100"), ("latest", "2.100"),
                              ("LATEST", "2.100")):
            status, hdrs, _ = call(self.v + "/flavors", headers=at(asked))
            self.assertEqual(status, 200, asked)
            self.assertEqual(hdrs["OpenStack-API-Version"],
                             "compute " + served)
            self.assertEqual(hdrs["X-OpenStack-Nova-API-Version"], served)
            self.assertIn("OpenStack-API-Version", hdrs["Vary"])
            self.assertTrue(hdrs["x-compute-request-id"].startswith("req-"))
            self.assertEqual(hdrs["x-compute-request-id"],
                             hdrs["x-openstack-request-id"])
        status, _, body = call(self.v + "/flavors", headers=at("2.101"))
        self.assertEqual(status, 406)
        self.assertEqual(body["computeFault"]["message"],
                         "Version 2.101 is not supported by the API. "
                         "Minimum is 2.1 and maximum is 2.100.")
        for bad in ("2.01", "02.1", "2.1.1"):
            status, hdrs, body = call(
                self.v + "/flavors",
                headers={"X-OpenStack-Nova-API-Version": bad})
            self.assertEqual(status, 400, bad)
            self.assertEqual(body["badRequest"]["message"],
                             "API Version String %s is of invalid format. "
                             "Must be of format MajorNum.MinorNum." % bad)
            self.assertIn("x-compute-request-id", hdrs)
        status, hdrs, body = call(self.d.url + "/v2.1/", token=None)
        self.assertEqual(body["version"]["version"], "2.100")
        self.assertIn("x-compute-request-id", hdrs)

    def test_server_view_by_version(self):
        sid = self.create("2.100", server={
            "hostname": "web-1", "tags": ["blue", "red"],
            "trusted_image_certificates": ["cert-1"]},
            **{"os:scheduler_hints": {"same_host": "x"}})
        self.wait_active(sid)
        _, s = self.show(sid, "2.1")
        self.assertIn("links", s["flavor"])
        self.assertNotIn("OS-EXT-SRV-ATTR:hostname", s)
        _, s = self.show(sid, "2.47")
        self.assertEqual(s["flavor"]["original_name"], "m1.tiny")
        self.assertEqual(s["flavor"]["swap"], 0)
        self.assertNotIn("id", s["flavor"])
        self.assertEqual(s["tags"], ["blue", "red"])
        _, s = self.show(sid, "2.73")
        self.assertIsNone(s["locked_reason"])
        self.assertEqual(s["trusted_image_certificates"], ["cert-1"])
        _, s = self.show(sid, "2.90")
        self.assertEqual(s["OS-EXT-SRV-ATTR:hostname"], "web-1")
        _, s = self.show(sid, "2.100")
        self.assertEqual(s["scheduler_hints"], {"same_host": ["x"]})
        self.assertIsNone(s["pinned_availability_zone"])
        self.assertIsInstance(s["image"]["properties"], dict)
        # 2.75: PUT answers the whole server; 2.90 renames the host.
        status, _, body = call(self.v + "/servers/" + sid, "PUT",
                               {"server": {"hostname": "web-2"}},
                               headers=at("2.90"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["server"]["OS-EXT-SRV-ATTR:hostname"], "web-2")
        self.assertIn("OS-EXT-STS:vm_state", body["server"])
        # Tag filters.
        for query, found in (("tags=blue,red", True), ("tags=blue,green", False),
                             ("tags-any=green,red", True),
                             ("not-tags=blue,red", False),
                             ("not-tags-any=green", True)):
            status, _, body = call(self.v + "/servers?" + query,
                                   headers=at("2.26"))
            self.assertEqual(status, 200)
            ids = [x["id"] for x in body["servers"]]
            self.assertEqual(sid in ids, found, query)
        # 2.38: an unknown status is refused.
        status, _, _ = call(self.v + "/servers?status=bogus",
                            headers=at("2.38"))
        self.assertEqual(status, 400)
        status, _, body = call(self.v + "/servers?status=bogus",
                               headers=at("2.37"))
        self.assertEqual((status, body["servers"]), (200, []))

    def test_lock_reason_and_filter(self):
        sid = self.create("2.73")
        self.wait_active(sid)
        status, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                               {"lock": {"locked_reason": "maintenance"}},
                               headers=at("2.73"))
        self.assertEqual(status, 202, body)
        _, s = self.show(sid, "2.73")
        self.assertEqual((s["locked"], s["locked_reason"]),
                         (True, "maintenance"))
        status, _, body = call(self.v + "/servers/detail?locked=true",
                               headers=at("2.73"))
        self.assertIn(sid, [x["id"] for x in body["servers"]])
        status, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                               {"lock": {"locked_reason": ""}},
                               headers=at("2.73"))
        self.assertEqual(status, 400)
        call(self.v + "/servers/%s/action" % sid, "POST", {"unlock": None},
             headers=at("2.73"))
        _, s = self.show(sid, "2.73")
        self.assertEqual((s["locked"], s["locked_reason"]), (False, None))

    def test_limits_by_version(self):
        def absolute(version):
            return call(self.v + "/limits", headers=at(version))[2][
                "limits"]["absolute"]
        self.assertIn("maxImageMeta", absolute("2.38"))
        self.assertNotIn("maxImageMeta", absolute("2.39"))
        self.assertIn("maxPersonality", absolute("2.56"))
        self.assertNotIn("maxPersonality", absolute("2.57"))
        self.assertNotIn("maxPersonalitySize", absolute("2.57"))

    def test_personality_is_gone_at_2_57(self):
        status, _, body = call(self.v + "/servers", "POST", {"server": {
            "name": "p", "imageRef": IMAGE, "flavorRef": "1",
            "networks": "auto",
            "personality": [{"path": "/f", "contents": "YQ=="}]}},
            headers=at("2.57"))
        self.assertEqual(status, 400)
        self.assertIn("'personality' was unexpected",
                      body["badRequest"]["message"])

    def test_reload_keeps_the_new_fields(self):
        workdir = tempfile.mkdtemp(prefix="vmforged-mv-")
        try:
            d = Daemon(BINARY, "--hosts", "1", workdir=workdir)
            v = d.url + "/v2.1"
            status, _, out = call(v + "/servers", "POST", {"server": {
                "name": "kept", "imageRef": IMAGE, "flavorRef": "1",
                "networks": "auto", "hostname": "kept-host",
                "tags": ["t1"]}}, headers=at("2.100"))
            self.assertEqual(status, 202, out)
            sid = out["server"]["id"]
            status, _, _ = call(v + "/servers/%s/action" % sid, "POST",
                                {"lock": {"locked_reason": "why"}},
                                headers=at("2.73"))
            self.assertEqual(status, 202)
            self.assertEqual(d.stop(), 0)
            d = Daemon(BINARY, "--hosts", "1", workdir=workdir)
            status, _, body = call(d.url + "/v2.1/servers/" + sid,
                                   headers=at("2.100"))
            self.assertEqual(d.stop(), 0)
            s = body["server"]
            self.assertEqual(s["OS-EXT-SRV-ATTR:hostname"], "kept-host")
            self.assertEqual(s["tags"], ["t1"])
            self.assertEqual(s["locked_reason"], "why")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def test_tags_api(self):
        sid = self.create("2.37")
        self.wait_active(sid)
        url = self.v + "/servers/%s/tags" % sid
        status, _, _ = call(url, headers=at("2.25"))
        self.assertEqual(status, 404)
        status, hdrs, _ = call(url + "/one", "PUT", headers=at("2.26"))
        self.assertEqual(status, 201)
        self.assertTrue(hdrs["Location"].endswith("/tags/one"))
        status, _, _ = call(url + "/one", "PUT", headers=at("2.26"))
        self.assertEqual(status, 204)
        status, _, body = call(url + "/a,b", "PUT", headers=at("2.26"))
        self.assertEqual(status, 400)
        self.assertIn("Tag 'a,b' is invalid", body["badRequest"]["message"])
        self.assertEqual(call(url + "/one", headers=at("2.26"))[0], 204)
        status, _, body = call(url + "/two", headers=at("2.26"))
        self.assertEqual(status, 404)
        self.assertEqual(body["itemNotFound"]["message"],
                         "Server %s has no tag 'two'" % sid)
        status, _, body = call(url, "PUT", {"tags": ["z", "y"]},
                               headers=at("2.26"))
        self.assertEqual((status, body), (200, {"tags": ["y", "z"]}))
        status, _, body = call(url + "/one", "DELETE", headers=at("2.26"))
        self.assertEqual(status, 404)
        self.assertEqual(body["itemNotFound"]["message"],
                         "Instance %s has no tag 'one'" % sid)
        self.assertEqual(call(url + "/y", "DELETE", headers=at("2.26"))[0],
                         204)
        self.assertEqual(call(url, headers=at("2.26"))[2], {"tags": ["z"]})
        self.assertEqual(call(url, "DELETE", headers=at("2.26"))[0], 204)
        self.assertEqual(call(url, headers=at("2.26"))[2], {"tags": []})

    def test_openstack_cli(self):
        base = ["openstack", "--os-auth-type", "admin_token", "--os-token",
                "demo:demo", "--os-endpoint", self.v]

        def cli(*args, version=None):
            extra = ["--os-compute-api-version", version] if version else []
            out = subprocess.run(base + extra + list(args),
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0,
                             "%s: %s" % (args, out.stderr[-2000:]))
            return out

        # The CLI's own choice: what it sends without being told.
        out = cli("--debug", "server", "list", "-f", "json")
        sent = [l for l in out.stderr.splitlines()
                if "X-OpenStack-Nova-API-Version:" in l
                or "OpenStack-API-Version: compute" in l]
        self.assertTrue(sent, "no microversion header in the CLI's log")
        out = cli("server", "create", "--flavor", "m1.tiny", "--image",
                  IMAGE, "--wait", "cli-mv", "-f", "json")
        sid = json.loads(out.stdout[out.stdout.index("{"):])["id"]
        self.assertEqual(
            json.loads(cli("server", "show", sid, "-f", "json").stdout)
            ["name"], "cli-mv")
        self.assertIn(sid, cli("server", "list", "-f", "value", "-c",
                               "ID").stdout)
        cli("server", "set", "--tag", "cli-tag", sid, version="2.26")
        cli("server", "lock", "--reason", "cli reason", sid, version="2.73")
        status, _, body = call(self.v + "/servers/" + sid, token="demo:demo",
                               headers=at("2.73"))
        self.assertEqual(status, 200, body)
        s = body["server"]
        self.assertEqual(s["tags"], ["cli-tag"])
        self.assertEqual((s["locked"], s["locked_reason"]),
                         (True, "cli reason"))
        # novaclient's highest, 2.92, is served too.
        shown = json.loads(cli("server", "show", sid, "-f", "json",
                               version="2.92").stdout)
        self.assertEqual(shown["id"], sid)


if __name__ == "__main__":
    unittest.main(verbosity=2)
