#!/usr/bin/python3
"""The libvirt driver's networking on a REAL libvirtd with qemu (TCG): starts
a private libvirtd (libvirtd.py), picks a bridge name and a /24 that no
network of this machine uses (tests run in parallel under ctest -j2, and
the bridge lives in the host's namespace), then runs the hidden Catch2 case
of tests/unit/drivers/libvirt/libvirt_live_test.cpp

    UNIT_TESTS "[libvirt-live]"

which spawns guests with a vif through the driver and checks the NAT
network, its DHCP host entries (and dnsmasq's files), the domains'
interfaces, and that destroy removes the entries. Afterwards the libvirt
network is checked empty through virsh, then destroyed and undefined
(net.ipv4.ip_forward and libvirt's LIBVIRT_* iptables chains stay: deleting
the chains breaks the next network start of a libvirtd). Exit 77 (ctest:
skipped) where no libvirtd can run.

    /usr/bin/python3 tests/integration/libvirt_network_test.py build/bin/unit_tests
"""
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libvirtd  # noqa: E402

UNIT_TESTS = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                             else "build/bin/unit_tests")


def used_prefixes():
    """The first three octets of every IPv4 address and route here."""
    out = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True,
                         text=True).stdout
    out += subprocess.run(["ip", "-4", "route"], capture_output=True,
                          text=True).stdout
    used = set()
    for word in out.split():
        parts = word.split("/")[0].split(".")
        if len(parts) == 4 and all(p.isdigit() for p in parts):
            used.add(".".join(parts[:3]))
    return used


def free_subnet():
    used = used_prefixes()
    for _ in range(200):
        prefix = "10.%d.%d" % (random.randint(200, 254), random.randint(0, 255))
        if prefix not in used:
            return prefix + ".0/24"
    raise RuntimeError("no free 10.x.y.0/24 here")


def free_bridge():
    for _ in range(100):
        name = "vmft%06x" % random.getrandbits(24)
        if not os.path.exists("/sys/class/net/" + name):
            return name
    raise RuntimeError("no free bridge name")


def main():
    why = libvirtd.available()
    if why:
        print("skipped: " + why)
        return 77
    lv = libvirtd.Libvirtd()
    bridge = free_bridge()
    try:
        lv.warm_up()
        base = os.path.join(lv.dir, "base.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", base,
                        "64M"], check=True)
        env = dict(os.environ, LIBVIRT_LIVE_URI=lv.uri,
                   LIBVIRT_LIVE_DIR=lv.dir, LIBVIRT_LIVE_BRIDGE=bridge,
                   LIBVIRT_LIVE_CIDR=free_subnet())
        rc = subprocess.call([UNIT_TESTS, "[libvirt-live]"], env=env)
        if rc == 0:
            xml = lv.virsh("net-dumpxml", bridge)
            if "<host " in xml:
                print("DHCP host entries left after destroy:\n" + xml)
                rc = 1
        return rc
    finally:
        # Whatever a failed run left: domains, then the network and its
        # bridge, then the daemon.
        for name in lv.domains("--all"):
            if name.startswith("instance-live"):
                subprocess.run(["virsh", "-q", "-c", lv.uri, "destroy", name],
                               capture_output=True)
                subprocess.run(["virsh", "-q", "-c", lv.uri, "undefine",
                                name], capture_output=True)
        for cmd in ("net-destroy", "net-undefine"):
            subprocess.run(["virsh", "-q", "-c", lv.uri, cmd, bridge],
                           capture_output=True)
        if "vmforge-instances" in lv.virsh("pool-list", "--name"):
            lv.virsh("pool-destroy", "vmforge-instances")
        lv.close()
        # What libvirt 9.0 leaves of a destroyed network: its run directory
        # and dnsmasq's pid file (written as nobody).
        run = "/run/libvirt/network/" + bridge
        shutil.rmtree(run, ignore_errors=True)
        if os.path.exists(run + ".pid"):
            os.unlink(run + ".pid")


if __name__ == "__main__":
    sys.exit(main())
