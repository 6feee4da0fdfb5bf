#!/usr/bin/python3
"""Microversion rules against a real vmforged: 2.53's services and
hypervisors by uuid (stable across a restart), 2.88's hypervisor view,
2.75's strict server list query, 2.83's list filters, and the instance
actions of 2.51, 2.58, 2.62, 2.66 and 2.84."""
import sys
import time
import unittest

from daemon import ADMIN, RestartableDaemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
USER = "user-a:project-a"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
BOOL_ENUM = ("[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', "
             "'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', "
             "'Off', 'off', 'NO', 'No', 'no']")


def at(version):
    return {"OpenStack-API-Version": "compute " + version}


class MicroversionRulesTest(RestartableDaemon, unittest.TestCase):
    BINARY = BINARY
    HOSTS = 2

    def get(self, path, version, token=ADMIN):
        return call(self.v + path, headers=at(version), token=token)

    def fault(self, answer, status, message):
        code, _, body = answer
        self.assertEqual(code, status, body)
        self.assertEqual(next(iter(body.values()))["message"], message)

    def computes(self, version):
        status, _, body = self.get("/os-services?binary=nova-compute",
                                   version)
        self.assertEqual(status, 200, body)
        return {s["host"]: s for s in body["services"]}

    def put_service(self, sid, body, version="2.53", token=ADMIN):
        return call(self.v + "/os-services/" + sid, "PUT", body,
                    headers=at(version), token=token)

    def server_on_a_host(self):
        """A new server's id and the host it was placed on."""
        status, _, out = call(self.v + "/servers", "POST",
                              {"server": {"name": "on-a-host",
                                          "imageRef": IMAGE,
                                          "flavorRef": "1"}}, token=ADMIN)
        self.assertEqual(status, 202, out)
        sid = out["server"]["id"]
        for _ in range(300):
            _, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
            host = body["server"]["OS-EXT-SRV-ATTR:host"]
            if host:
                return sid, host
            time.sleep(0.05)
        self.fail("never placed: " + sid)

    def test_services_by_uuid_from_2_53(self):
        self.assertIsInstance(self.computes("2.52")["compute-1"]["id"], int)
        services = self.computes("2.53")
        sid = services["compute-1"]["id"]
        self.assertRegex(sid, "^[0-9a-f]{8}-[0-9a-f]{4}-")
        self.assertNotEqual(sid, services["compute-2"]["id"])
        status, _, body = self.put_service(
            sid, {"status": "disabled", "disabled_reason": "maintenance"})
        self.assertEqual(status, 200, body)
        s = body["service"]
        self.assertEqual((s["id"], s["host"], s["status"],
                          s["disabled_reason"], s["forced_down"]),
                         (sid, "compute-1", "disabled", "maintenance", False))
        for key in ("binary", "zone", "state", "updated_at"):
            self.assertIn(key, s)
        status, _, body = self.put_service(sid, {"forced_down": True,
                                                 "status": "enabled"})
        self.assertEqual(status, 200, body)
        s = body["service"]
        self.assertEqual((s["status"], s["disabled_reason"], s["forced_down"],
                          s["state"]), ("enabled", None, True, "down"))
        status, _, body = self.put_service(sid, {"forced_down": "no"})
        self.assertEqual(body["service"]["forced_down"], False)
        self.assertEqual(self.computes("2.53")["compute-1"]["state"], "up")

    def test_service_update_errors_from_2_53(self):
        sid = self.computes("2.53")["compute-2"]["id"]
        status, _, body = self.get("/os-services", "2.53")
        scheduler = [s for s in body["services"]
                     if s["binary"] == "nova-scheduler"][0]["id"]
        for target, body, version, status, message in [
                ("disable", {"host": "compute-2", "binary": "nova-compute"},
                 "2.53", 400, "Additional properties are not allowed "
                 "('binary', 'host' were unexpected)"),
                ("disable", {"status": "disabled"}, "2.53", 400,
                 "Invalid uuid disable"),
                (UNKNOWN, {"status": "disabled"}, "2.53", 404,
                 "Service %s could not be found." % UNKNOWN),
                (scheduler, {"status": "disabled"}, "2.53", 400,
                 "Updating a nova-scheduler service is not supported. Only "
                 "nova-compute services can be updated."),
                (sid, {"status": "enabled", "disabled_reason": "x"}, "2.53",
                 400, "Specifying 'disabled_reason' with status 'enabled' "
                 "is invalid."),
                (sid, {"disabled_reason": "x"}, "2.53", 400,
                 "No updates were requested. Fields 'status' or "
                 "'forced_down' should be specified."),
                (sid, {"status": "off"}, "2.53", 400,
                 "Invalid input for field/attribute status. Value: off. "
                 "'off' is not one of ['enabled', 'disabled']"),
                (sid, {"forced_down": "maybe"}, "2.53", 400,
                 "Invalid input for field/attribute forced_down. Value: "
                 "maybe. 'maybe' is not one of " + BOOL_ENUM),
                # Before 2.53 the path names the action.
                (sid, {"host": "compute-2", "binary": "nova-compute"},
                 "2.52", 404, "Unknown action")]:
            self.fault(self.put_service(target, body, version), status,
                       message)
        self.fault(self.put_service(sid, {"status": "disabled"},
                                    token="user-a:project-a"), 403,
                   "Policy doesn't allow os_compute_api:os-services:update "
                   "to be performed.")
        self.fault(self.get("/os-services?zone=nova", "2.75"), 400,
                   "Additional properties are not allowed ('zone' was "
                   "unexpected)")
        self.assertEqual(self.get("/os-services?zone=nova", "2.74")[0], 200)

    def test_hypervisors_by_uuid_from_2_53(self):
        _, _, body = self.get("/os-hypervisors", "2.52")
        self.assertEqual([h["id"] for h in body["hypervisors"]], [1, 2])
        _, _, body = self.get("/os-hypervisors/detail", "2.53")
        hyps = {h["hypervisor_hostname"]: h for h in body["hypervisors"]}
        hid = hyps["compute-1"]["id"]
        self.assertRegex(hid, "^[0-9a-f]{8}-")
        self.assertEqual(hyps["compute-1"]["service"]["id"],
                         self.computes("2.53")["compute-1"]["id"])
        status, _, body = self.get("/os-hypervisors/" + hid, "2.53")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["hypervisor"]["hypervisor_hostname"],
                         "compute-1")
        self.assertNotIn("servers", body["hypervisor"])
        self.fault(self.get("/os-hypervisors/1", "2.53"), 400,
                   "Invalid uuid 1")
        self.fault(self.get("/os-hypervisors/" + UNKNOWN, "2.53"), 404,
                   "Hypervisor with ID '%s' could not be found." % UNKNOWN)
        self.fault(self.get("/os-hypervisors/" + hid, "2.52"), 404,
                   "Hypervisor with ID '%s' could not be found." % hid)
        # with_servers lists what runs there; [] from 2.75 for none.
        server, host = self.server_on_a_host()
        other = ({"compute-1", "compute-2"} - {host}).pop()
        status, _, body = self.get(
            "/os-hypervisors/%s?with_servers=true" % hyps[host]["id"], "2.53")
        self.assertEqual(body["hypervisor"]["servers"],
                         [{"uuid": server, "name": "on-a-host"}])
        _, _, body = self.get("/os-hypervisors?with_servers=1", "2.75")
        servers = {h["hypervisor_hostname"]: h["servers"]
                   for h in body["hypervisors"]}
        self.assertEqual(servers, {host: [{"uuid": server,
                                           "name": "on-a-host"}],
                                   other: []})
        _, _, body = self.get("/os-hypervisors?with_servers=1", "2.74")
        self.assertNotIn("servers", [h for h in body["hypervisors"]
                                     if h["hypervisor_hostname"] == other][0])
        _, _, body = self.get(
            "/os-hypervisors?hypervisor_hostname_pattern=ute-2", "2.53")
        self.assertEqual([h["hypervisor_hostname"]
                          for h in body["hypervisors"]], ["compute-2"])
        _, _, body = self.get("/os-hypervisors?limit=1&marker=" + hid,
                              "2.53")
        self.assertEqual([h["hypervisor_hostname"]
                          for h in body["hypervisors"]], ["compute-2"])
        for query, status, message in [
                ("?hypervisor_hostname_pattern=nowhere", 404,
                 "No hypervisor matching 'nowhere' could be found."),
                ("?hypervisor_hostname_pattern=c&limit=1", 400,
                 "Paging over hypervisors with the "
                 "hypervisor_hostname_pattern query parameter is not "
                 "supported."),
                ("?marker=" + UNKNOWN, 400, "marker [%s] not found" % UNKNOWN),
                ("?with_servers=perhaps", 400,
                 "Invalid input for query parameters with_servers. Value: "
                 "perhaps. 'perhaps' is not one of " + BOOL_ENUM),
                ("?host=compute-1", 400, "Additional properties are not "
                 "allowed ('host' was unexpected)")]:
            self.fault(self.get("/os-hypervisors" + query, "2.53"), status,
                       message)
        # The search and servers routes end at 2.52.
        self.assertEqual(self.get("/os-hypervisors/compute/search",
                                  "2.52")[0], 200)
        for sub in ("search", "servers"):
            self.fault(self.get("/os-hypervisors/compute/" + sub, "2.53"),
                       404, "The resource could not be found.")

    def test_hypervisor_view_from_2_88(self):
        _, _, body = self.get("/os-hypervisors/detail", "2.87")
        self.assertIn("cpu_info", body["hypervisors"][0])
        self.assertNotIn("uptime", body["hypervisors"][0])
        _, _, body = self.get("/os-hypervisors/detail", "2.88")
        h = body["hypervisors"][0]
        self.assertEqual(set(h), {"id", "hypervisor_hostname", "state",
                                  "status", "hypervisor_type",
                                  "hypervisor_version", "host_ip", "service",
                                  "uptime"})
        self.assertIn(" up ", h["uptime"])
        _, _, body = self.get("/os-hypervisors/" + h["id"], "2.88")
        self.assertIn(" up ", body["hypervisor"]["uptime"])
        self.assertNotIn("vcpus", body["hypervisor"])
        self.assertEqual(self.get("/os-hypervisors/statistics", "2.87")[0],
                         200)
        self.assertEqual(self.get("/os-hypervisors/%s/uptime" % h["id"],
                                  "2.87")[0], 200)
        for path in ("/statistics", "/%s/uptime" % h["id"]):
            self.fault(self.get("/os-hypervisors" + path, "2.88"), 404,
                       "The resource could not be found.")

    def boot(self, name, token=USER, **extra):
        server = {"name": name, "imageRef": IMAGE, "flavorRef": "1"}
        server.update(extra)
        status, _, out = call(self.v + "/servers", "POST", {"server": server},
                              token=token)
        self.assertEqual(status, 202, out)
        sid = out["server"]["id"]
        for _ in range(300):
            _, _, body = call(self.v + "/servers/" + sid, token=token)
            s = body["server"]
            if s["status"] == "ACTIVE" and s["OS-EXT-STS:task_state"] is None:
                return sid
            time.sleep(0.05)
        self.fail("never ACTIVE: " + sid)

    def names(self, query, version, token=USER):
        status, _, body = self.get("/servers" + query, version, token=token)
        self.assertEqual(status, 200, body)
        return sorted(s["name"] for s in body["servers"])

    def test_server_list_query_from_2_75_and_filters_from_2_83(self):
        self.boot("lq-drive", config_drive=True)
        self.boot("lq-plain")
        self.fault(self.get("/servers?name=lq&foo=1", "2.75", token=USER), 400,
                   "Additional properties are not allowed ('foo' was "
                   "unexpected)")
        self.fault(self.get("/servers/detail?bar=1", "2.100", token=USER),
                   400, "Additional properties are not allowed ('bar' was "
                   "unexpected)")
        self.assertEqual(self.names("?name=lq&foo=1", "2.74"),
                         ["lq-drive", "lq-plain"])
        # A user's 2.83 filters are ignored before 2.83.
        self.assertEqual(self.names("?name=lq&config_drive=True", "2.82"),
                         ["lq-drive", "lq-plain"])
        self.assertEqual(self.names("?name=lq&config_drive=True", "2.83"),
                         ["lq-drive"])
        # Admins may use every filter at every version.
        self.assertEqual(self.names("?name=lq&config_drive=True", "2.1",
                                    token=ADMIN), ["lq-drive"])
        self.assertEqual(self.names("?name=lq&user_id=user-a&vm_state=active"
                                    "&power_state=1&progress=0", "2.83"),
                         ["lq-drive", "lq-plain"])
        for query in ("&user_id=user-b", "&vm_state=stopped",
                      "&task_state=deleting", "&availability_zone=^x",
                      "&key_name=.", "&terminated_at=.", "&power_state=4"):
            self.assertEqual(self.names("?name=lq" + query, "2.83"), [],
                             query)
        year = time.strftime("%Y", time.gmtime())
        self.assertEqual(self.names("?name=lq&created_at=^%s-" % year
                                    + "&launched_at=:", "2.83"),
                         ["lq-drive", "lq-plain"])
        self.fault(self.get("/servers?key_name=(", "2.83", token=USER), 400,
                   "Invalid regular expression: (")

    def test_instance_actions_from_2_51_to_2_84(self):
        sid = self.boot("actions")
        status, _, _ = call(self.v + "/servers/%s/action" % sid, "POST",
                            {"os-stop": None}, token=USER)
        self.assertEqual(status, 202)
        path = "/servers/%s/os-instance-actions" % sid
        _, _, body = self.get(path, "2.57", token=USER)
        actions = body["instanceActions"]
        self.assertEqual([a["action"] for a in actions], ["stop", "create"])
        self.assertNotIn("updated_at", actions[0])
        self.assertNotIn("links", body)
        _, _, body = self.get(path + "?limit=1", "2.58", token=USER)
        self.assertEqual([a["action"] for a in body["instanceActions"]],
                         ["stop"])
        stop = body["instanceActions"][0]
        self.assertIn("updated_at", stop)
        self.assertEqual(body["links"][0]["rel"], "next")
        self.assertIn("marker=" + stop["request_id"], body["links"][0]["href"])
        _, _, body = self.get(path + "?marker=" + stop["request_id"], "2.58",
                              token=USER)
        create = body["instanceActions"][0]
        self.assertEqual([a["action"] for a in body["instanceActions"]],
                         ["create"])
        _, _, body = self.get(path + "?changes-since=2100-01-01T00:00:00Z",
                              "2.58", token=USER)
        self.assertEqual(body["instanceActions"], [])
        _, _, body = self.get(path + "?changes-before=" + create["updated_at"],
                              "2.66", token=USER)
        self.assertEqual([a["action"] for a in body["instanceActions"]],
                         ["create"])
        for query, version, message in [
                ("?foo=1", "2.58", "Additional properties are not allowed "
                 "('foo' was unexpected)"),
                ("?changes-before=2000-01-01T00:00:00Z", "2.65",
                 "Additional properties are not allowed ('changes-before' "
                 "was unexpected)"),
                ("?marker=req-none", "2.58",
                 "Marker None could not be found."),
                ("?limit=-1", "2.58", "Invalid input for query parameters "
                 "limit. Value: -1. '-1' does not match '^[0-9]*$'"),
                ("?changes-since=yesterday", "2.58", "Invalid input for query "
                 "parameters changes-since. Value: yesterday. 'yesterday' is "
                 "not a 'date-time'"),
                ("?changes-since=2001-01-01T00:00:00Z"
                 "&changes-before=2000-01-01T00:00:00Z", "2.66",
                 "The value of changes-since must be less than or equal to "
                 "changes-before.")]:
            self.fault(self.get(path + query, version, token=USER), 400,
                       message)
        self.assertEqual(self.get(path + "?foo=1", "2.57", token=USER)[0],
                         200)
        one = path + "/" + create["request_id"]

        def events(version, token):
            """The action's events, the compute host's (the build) first."""
            _, _, body = self.get(one, version, token=token)
            found = body["instanceAction"].get("events")
            return found and sorted(
                found, key=lambda e: e["event"] !=
                "compute__do_build_and_run_instance")
        self.assertIsNone(events("2.50", USER))
        user = events("2.51", USER)[0]
        self.assertEqual(set(user), {"event", "start_time", "finish_time",
                                     "result"})
        user = events("2.62", USER)[0]
        self.assertEqual(len(user["hostId"]), 56)
        self.assertNotIn("host", user)
        admin = events("2.62", ADMIN)[0]
        self.assertTrue(admin["host"].startswith("compute-"))
        self.assertEqual(admin["hostId"], user["hostId"])
        self.assertIn("traceback", admin)
        self.assertNotIn("details", admin)
        self.assertIsNone(events("2.84", ADMIN)[0]["details"])
        self.assertNotIn("details", events("2.84", USER)[0])

    def test_uuids_and_status_survive_a_restart(self):
        services = self.computes("2.53")
        _, _, body = self.get("/os-hypervisors", "2.53")
        hyps = body["hypervisors"]
        sid = services["compute-2"]["id"]
        self.assertEqual(self.put_service(sid, {"status": "disabled"})[0],
                         200)
        self.assertEqual(self.d.stop(), 0)
        self.start()
        after = self.computes("2.53")
        self.assertEqual({h: s["id"] for h, s in after.items()},
                         {h: s["id"] for h, s in services.items()})
        self.assertEqual(after["compute-2"]["status"], "disabled")
        self.assertEqual(self.get("/os-hypervisors", "2.53")[2]["hypervisors"],
                         [dict(h, status="disabled")
                          if h["hypervisor_hostname"] == "compute-2" else h
                          for h in hyps])
        self.assertEqual(self.put_service(sid, {"status": "enabled"})[0], 200)


if __name__ == "__main__":
    unittest.main()
