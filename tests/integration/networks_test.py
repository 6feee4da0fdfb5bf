#!/usr/bin/python3
"""Networks against a real vmforged with the fake driver (docs/networking.md):
a create's networks with Nova's errors, the addresses in a server's view,
/ips, os-interface and os-networks, addresses freed on delete, never handed
out twice across concurrent creates and a restart, and the openstack CLI's
--nic net-id=."""
import ipaddress
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

from daemon import RestartableDaemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
PRIVATE = "0c6a5f3e-8d1b-4c2a-9e7f-1a2b3c4d5e6f"
SMALL = "7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b"
MISSING = "99999999-9999-4999-8999-999999999999"
ADMIN = "admin:project-a"

# The image's file is missing: the embedded catalog makes it a blank qcow2
# (docs/images.md), which the fake driver boots. Quotas fit 25 servers.
CONF = """
[quota]
instances = -1
cores = -1
ram = -1
[image:%(image)s]
name = cirros
file = images/blank.qcow2
[network:private]
id = %(private)s
cidr = 10.42.0.0/24
[network:small]
id = %(small)s
cidr = 10.50.0.0/29
""" % {"image": IMAGE, "private": PRIVATE, "small": SMALL}


def on(net, fixed_ip=None):
    entry = {"uuid": net}
    if fixed_ip:
        entry["fixed_ip"] = fixed_ip
    return [entry]


class NetworksTest(RestartableDaemon, unittest.TestCase):
    BINARY = BINARY
    CONF = CONF
    HOSTS = 2

    def create(self, name, networks=None, version="2.1", expect=202):
        server = {"name": name, "imageRef": IMAGE, "flavorRef": "1"}
        if networks is not None:
            server["networks"] = networks
        status, _, body = call(self.v + "/servers", "POST", {"server": server},
                               headers={"X-OpenStack-Nova-API-Version":
                                        version})
        self.assertEqual(status, expect, body)
        return body

    def show(self, sid):
        status, _, body = call(self.v + "/servers/" + sid)
        self.assertEqual(status, 200, body)
        return body["server"]

    def wait(self, sid, statuses=("ACTIVE", "ERROR")):
        for _ in range(400):
            server = self.show(sid)
            if server["status"] in statuses:
                return server
            time.sleep(0.025)
        self.fail("server %s stayed %s" % (sid, server["status"]))

    def boot(self, name, networks):
        sid = self.create(name, networks)["server"]["id"]
        server = self.wait(sid)
        self.assertEqual(server["status"], "ACTIVE", server)
        return server

    def addresses(self):
        """Every fixed address of every server (admin, all projects)."""
        status, _, body = call(self.v + "/servers/detail?all_tenants=1",
                               token=ADMIN)
        self.assertEqual(status, 200, body)
        out = []
        for s in body["servers"]:
            for ips in s["addresses"].values():
                out += [ip["addr"] for ip in ips]
        return out

    def refused(self, body, code, message):
        fault = list(body.values())[0]
        self.assertEqual(fault["code"], code)
        self.assertEqual(fault["message"], message)

    # -- a create's networks --------------------------------------------

    def test_a_server_shows_its_fixed_address_as_nova_shows_ports(self):
        server = self.boot("one", on(PRIVATE))
        self.assertEqual(list(server["addresses"]), ["private"])
        (ip,) = server["addresses"]["private"]
        self.assertEqual(ip["version"], 4)
        self.assertEqual(ip["OS-EXT-IPS:type"], "fixed")
        self.assertTrue(ip["OS-EXT-IPS-MAC:mac_addr"].startswith("fa:16:3e:"))
        self.assertIn(ipaddress.ip_address(ip["addr"]),
                      ipaddress.ip_network("10.42.0.0/24"))
        self.assertNotEqual(ip["addr"], "10.42.0.1")  # the gateway
        sid = server["id"]
        status, _, ips = call(self.v + "/servers/%s/ips" % sid)
        self.assertEqual(status, 200)
        self.assertEqual(ips, {"addresses": {"private": [
            {"version": 4, "addr": ip["addr"]}]}})
        status, _, one = call(self.v + "/servers/%s/ips/private" % sid)
        self.assertEqual((status, one), (200, {"private": [
            {"version": 4, "addr": ip["addr"]}]}))
        status, _, body = call(self.v + "/servers/%s/ips/small" % sid)
        self.assertEqual(status, 404)
        self.refused(body, 404, "Instance is not a member of specified network")
        status, _, body = call(self.v + "/servers/%s/os-interface" % sid)
        self.assertEqual(status, 200, body)
        (port,) = body["interfaceAttachments"]
        self.assertEqual(port["port_state"], "ACTIVE")
        self.assertEqual(port["net_id"], PRIVATE)
        self.assertEqual(port["mac_addr"], ip["OS-EXT-IPS-MAC:mac_addr"])
        self.assertEqual(port["fixed_ips"][0]["ip_address"], ip["addr"])
        status, _, body = call(self.v + "/servers/%s/os-interface/%s"
                               % (sid, port["port_id"]))
        self.assertEqual((status, body), (200, {"interfaceAttachment": port}))
        status, _, body = call(self.v + "/servers/%s/os-interface" % sid,
                               "POST", {"interfaceAttachment": {
                                   "net_id": PRIVATE}})
        self.assertEqual(status, 501)
        self.refused(body, 501, "Network driver does not support this "
                                "function.")
        self.delete(sid)

    def test_a_requested_fixed_ip_is_honoured_and_freed_on_delete(self):
        server = self.boot("fixed", on(PRIVATE, "10.42.0.200"))
        self.assertEqual(server["addresses"]["private"][0]["addr"],
                         "10.42.0.200")
        # Taken: the second build aborts (Nova's FixedIpAlreadyInUse).
        sid = self.create("again", on(PRIVATE, "10.42.0.200"))["server"]["id"]
        failed = self.wait(sid)
        self.assertEqual(failed["status"], "ERROR")
        self.assertIn("Fixed IP address 10.42.0.200 is already in use",
                      failed["fault"]["message"])
        self.delete(sid)
        self.delete(server["id"])
        again = self.boot("after", on(PRIVATE, "10.42.0.200"))
        self.delete(again["id"])

    def test_nova_s_errors_for_networks_it_cannot_give(self):
        body = self.create("x", on(MISSING), expect=400)
        self.refused(body, 400, "Network %s could not be found." % MISSING)
        body = self.create("x", [{"port": MISSING}], expect=400)
        self.refused(body, 400, "Port %s could not be found." % MISSING)
        body = self.create("x", on(PRIVATE, "10.43.0.5"), expect=400)
        self.refused(body, 400, "Fixed IP address 10.43.0.5 is invalid.")
        # Two networks and none chosen (before 2.37, and "auto" after).
        msg = ("More than one possible network found. Specify network "
               "ID(s) to select which one(s) to connect to.")
        self.refused(self.create("x", expect=409), 409, msg)
        self.refused(self.create("x", "auto", "2.37", expect=409), 409, msg)
        sid = self.create("none", "none", "2.37")["server"]["id"]
        server = self.wait(sid)
        self.assertEqual((server["status"], server["addresses"]),
                         ("ACTIVE", {}))
        self.delete(sid)

    def test_os_networks_lists_the_configured_networks_until_2_36(self):
        status, _, body = call(self.v + "/os-networks")
        self.assertEqual(status, 200, body)
        nets = {n["label"]: n for n in body["networks"]}
        self.assertEqual(set(nets), {"private", "small"})
        self.assertEqual(nets["small"]["id"], SMALL)
        self.assertEqual(nets["small"]["cidr"], "10.50.0.0/29")
        self.assertEqual(nets["small"]["gateway"], "10.50.0.1")
        self.assertNotIn("bridge", nets["small"])
        status, _, body = call(self.v + "/os-networks/" + SMALL, token=ADMIN)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["network"]["bridge"], "vmf-small")
        status, _, body = call(self.v + "/os-networks/" + MISSING)
        self.assertEqual(status, 404)
        self.refused(body, 404, "Network not found")
        status, _, _ = call(self.v + "/os-networks",
                            headers={"X-OpenStack-Nova-API-Version": "2.36"})
        self.assertEqual(status, 404)

    def test_an_exhausted_network_aborts_the_build_with_nova_s_fault(self):
        # 10.50.0.0/29: .2 to .6 (the gateway is .1).
        ids = [self.create("s-%d" % i, on(SMALL))["server"]["id"]
               for i in range(6)]
        servers = [self.wait(sid) for sid in ids]
        active = [s for s in servers if s["status"] == "ACTIVE"]
        failed = [s for s in servers if s["status"] == "ERROR"]
        self.assertEqual((len(active), len(failed)), (5, 1))
        self.assertIn("No fixed IP addresses available for network: " + SMALL,
                      failed[0]["fault"]["message"])
        got = sorted(s["addresses"]["small"][0]["addr"] for s in active)
        self.assertEqual(got, ["10.50.0.%d" % i for i in range(2, 7)])
        # A delete frees its address for the next server.
        self.delete(active[0]["id"])
        self.delete(failed[0]["id"])
        again = self.boot("s-again", on(SMALL))
        self.assertEqual(again["addresses"]["small"][0]["addr"],
                         active[0]["addresses"]["small"][0]["addr"])
        for s in active[1:] + [again]:
            self.delete(s["id"])

    def test_zz_addresses_never_repeat_across_concurrent_creates_and_restart(self):
        ids, errors = [], []
        lock = threading.Lock()

        def one(i):
            try:
                sid = self.create("c-%d" % i, on(PRIVATE))["server"]["id"]
                with lock:
                    ids.append(sid)
            except AssertionError as e:
                with lock:
                    errors.append(e)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for sid in ids:
            self.assertEqual(self.wait(sid)["status"], "ACTIVE")
        before = self.addresses()
        self.assertEqual(len(before), 20)
        self.assertEqual(len(set(before)), 20)
        # A restart on the same database: the addresses stay taken.
        self.assertEqual(self.d.stop(), 0)
        type(self).start()
        self.assertEqual(sorted(self.addresses()), sorted(before))
        more = [self.create("r-%d" % i, on(PRIVATE))["server"]["id"]
                for i in range(5)]
        for sid in more:
            self.assertEqual(self.wait(sid)["status"], "ACTIVE")
        after = self.addresses()
        self.assertEqual(len(after), 25)
        self.assertEqual(len(set(after)), 25)
        for sid in ids + more:
            self.delete(sid)

    def test_neutron_s_networks_api_lists_them_for_clients(self):
        status, _, body = call(self.d.url + "/v2.0/networks?name=small")
        self.assertEqual(status, 200, body)
        (net,) = body["networks"]
        self.assertEqual((net["id"], net["status"], net["shared"]),
                         (SMALL, "ACTIVE", True))
        status, _, body = call(self.d.url + "/v2.0/networks/" + PRIVATE)
        self.assertEqual((status, body["network"]["name"]), (200, "private"))
        status, _, body = call(self.d.url + "/v2.0/networks/" + MISSING)
        self.assertEqual(status, 404)
        self.assertEqual(body["NeutronError"]["type"], "NetworkNotFound")
        status, _, _ = call(self.d.url + "/v2.0/networks", "POST", {})
        self.assertEqual(status, 405)

    def test_the_openstack_cli_creates_on_a_network_by_id(self):
        if shutil.which("openstack") is None:
            self.skipTest("python3-openstackclient is not installed")
        # The project of the test's own calls, which then see the server.
        cli = ["openstack", "--os-auth-type", "admin_token", "--os-token",
               "user-a:project-a", "--os-endpoint", self.v]
        # The client finds the network in Neutron: vmforge's Neutron-shaped
        # /v2.0/networks, through openstacksdk's endpoint override (read
        # only for the environment's cloud).
        env = dict(os.environ, OS_CLOUD="envvars",
                   OS_NETWORK_ENDPOINT_OVERRIDE=self.d.url + "/v2.0")
        out = subprocess.run(
            cli + ["server", "create", "--flavor", "m1.tiny", "--image",
                   IMAGE, "--nic", "net-id=" + PRIVATE, "--wait", "-f",
                   "value", "-c", "id", "cli-net"],
            capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(out.returncode, 0, out.stderr)
        sid = out.stdout.strip().splitlines()[-1].strip()
        out = subprocess.run(cli + ["server", "show", sid, "-f", "value",
                                    "-c", "addresses"],
                             capture_output=True, text=True, timeout=60,
                             env=env)
        self.assertEqual(out.returncode, 0, out.stderr)
        addr = self.show(sid)["addresses"]["private"][0]["addr"]
        self.assertIn("private", out.stdout)
        self.assertIn(addr, out.stdout)
        self.delete(sid)


if __name__ == "__main__":
    unittest.main(verbosity=2)
