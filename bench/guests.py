#!/usr/bin/python3
"""Real guests by hand, the baseline for vmforged's: N test guests
(tests/guest/build-guest) started at once with `virsh start` on a libvirtd
of this run's own, each on a NAT network of the run's own with a DHCP host
entry and a config drive carrying its hostname and an SSH key, defined as
vmforged's libvirt driver defines them (TCG, pc machine, 128 MiB, 32 MiB TB
cache, virtio disk/net/rng, IDE CD-ROM, serial console to a file). Times,
from each guest's `virsh start`: the start's return, its DHCP lease (the
guest's console marker), its first `ssh root@IP hostname` answer; and the
host RSS of its qemu. Everything made is removed at the end.

With --vmforged BINARY, the same guests through vmforged instead (its
libvirt driver on the same kind of libvirtd, a [network:NAME] of the run's
own): from each `POST /servers` (key_name, config_drive, the network) to
ACTIVE and to SSH answering.

Usage: guests.py [--counts 1,5,10] [--vcpus 1] [--timeout 300] [--out results.md]
                 [--image guest.qcow2] [--vmforged path/to/vmforged]
Exits 77 (skipped) where no libvirtd can run (not root, packages missing)."""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import guests  # noqa: E402
import libvirtd  # noqa: E402
from daemon import Daemon, call  # noqa: E402

BOOT_TIMEOUT = 300


class Guest:
    def __init__(self, lv, net, work, base, public_key, name, vcpus):
        self.lv, self.name = lv, name
        self.uuid = str(uuid.uuid4())
        d = os.path.join(work, name)
        os.makedirs(d)
        os.chmod(d, 0o755)
        self.console = os.path.join(d, "console.log")
        self.mac, self.ip = net.add_host(name)
        disk = guests.overlay(os.path.join(d, "disk"), base)
        iso = guests.config_drive(os.path.join(d, "disk.config"), name,
                                  public_key, self.uuid)
        xml = os.path.join(d, "domain.xml")
        with open(xml, "w") as f:
            f.write(guests.domain_xml(name, self.uuid, disk, iso, net.name,
                                      self.mac, self.console, vcpus=vcpus))
        lv.virsh("define", xml)
        self.times = {}
        self.error = None

    def boot(self, key):
        """virsh start, then the lease and SSH (run in a thread each)."""
        try:
            t0 = time.time()
            guests.start_domain(self.lv, self.name)
            self.times["start"] = time.time() - t0
            deadline = t0 + BOOT_TIMEOUT
            while not guests.console_has(self.console, guests.LEASE_MARKER):
                if time.time() > deadline:
                    raise RuntimeError("%s: no DHCP lease" % self.name)
                time.sleep(0.05)
            self.times["lease"] = time.time() - t0
            answer = guests.wait_ssh(self.ip, key, deadline)
            self.times["ssh"] = time.time() - t0
            if answer != self.name:
                raise RuntimeError("%s answered hostname %r" % (self.name, answer))
            self.rss_kib = guests.qemu_rss_kib(self.name)
        except Exception as e:  # reported by the round, never lost in a thread
            self.error = e

    def remove(self):
        if self.name in self.lv.domains():
            self.lv.virsh("destroy", self.name)
        if self.name in self.lv.domains("--all"):
            self.lv.virsh("undefine", self.name)


def boot_round(lv, net, work, base, key, public_key, n, vcpus):
    t0 = time.time()
    made = []
    try:
        for i in range(n):
            made.append(Guest(lv, net, work, base, public_key,
                              "guest-%d-%d" % (n, i), vcpus))
        define = time.time() - t0
        t1 = time.time()
        threads = [threading.Thread(target=g.boot, args=(key,)) for g in made]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for g in made:
            if g.error:
                raise RuntimeError("%s: %s\n%s" % (g.name, g.error, open(
                    g.console, errors="replace").read()[-3000:]))
        everyone = time.time() - t1
        shutdown = None
        if n == 1:
            # acpid in the guest: virDomainShutdown powers it off.
            t2 = time.time()
            lv.virsh("shutdown", made[0].name)
            while made[0].name in lv.domains():
                if time.time() - t2 > 60:
                    raise RuntimeError("virsh shutdown: guest still running")
                time.sleep(0.1)
            shutdown = time.time() - t2
        return {"n": n, "define": define, "all_ssh": everyone,
                "guests": [dict(g.times, rss=g.rss_kib) for g in made],
                "shutdown": shutdown}
    finally:
        for g in made:
            g.remove()


def table(rounds, vcpus):
    lines = ["| guests at once | define (all, s) | virsh start (p50, s) | "
             "DHCP lease (p50 / max, s) | SSH answering (p50 / max, s) | "
             "all answering (s) | qemu RSS per guest (MiB) |",
             "|---|---|---|---|---|---|---|"]
    for r in rounds:
        if "failed" in r:
            lines.append("| %d | did not finish: %s |" % (r["n"], r["failed"]))
            continue
        g = r["guests"]

        def col(k):
            return sorted(x[k] for x in g)
        lines.append("| %d | %.2f | %.2f | %.2f / %.2f | %.2f / %.2f | %.2f | "
                     "%.0f |" % (r["n"], r["define"],
                                 statistics.median(col("start")),
                                 statistics.median(col("lease")),
                                 col("lease")[-1],
                                 statistics.median(col("ssh")), col("ssh")[-1],
                                 r["all_ssh"],
                                 statistics.mean(col("rss")) / 1024))
    text = "\n".join(lines) + "\n"
    text += "\nGuests: %d vCPU, 128 MiB, TCG with a 32 MiB TB cache. " % vcpus
    for r in rounds:
        if r.get("shutdown") is not None:
            text += ("`virsh shutdown` (ACPI, the guest's acpid) to shut off: "
                     "%.2f s.\n" % r["shutdown"])
    return text


class Vmforged:
    """The servers' side of a vmforged round: a flavor of the guests' size
    and the key, through the API."""

    IMAGE = "5b0c9b7e-2f7a-4c1e-9e0b-6d1f3a2c4e5d"

    def __init__(self, binary, lv, work, base, public_key, vcpus):
        self.lv = lv
        os.makedirs(work)
        os.chmod(work, 0o755)
        self.net = guests.ConfiguredNetwork("guests", os.getpid())
        self.d = Daemon(binary, "--config", guests.vmforged_config(
            work, lv.uri, self.IMAGE, base, self.net), workdir=work)
        self.v = self.d.url + "/v2.1"
        self.flavor = self.call("/flavors", "POST", {"flavor": {
            "name": "guest", "ram": 128, "vcpus": vcpus, "disk": 1}})["flavor"]["id"]
        self.call("/os-keypairs", "POST", {"keypair": {
            "name": "bench", "public_key": public_key}})

    def call(self, path, method="GET", body=None, expect=(200, 202)):
        code, _, answer = call(self.v + path, method, body, token=libvirtd.ADMIN)
        if code not in expect:
            raise RuntimeError("%s %s: %s %s" % (method, path, code, answer))
        return answer

    def boot(self, name, key, times):
        t0 = time.time()
        sid = self.call("/servers", "POST", {"server": {
            "name": name, "imageRef": self.IMAGE, "flavorRef": self.flavor,
            "key_name": "bench", "config_drive": True,
            "networks": [{"uuid": self.net.id}]}})["server"]["id"]
        times["sid"] = sid
        while True:
            server = self.call("/servers/" + sid)["server"]
            if server["status"] == "ERROR":
                raise RuntimeError("%s: %s" % (name, server.get("fault")))
            if server["status"] == "ACTIVE":
                break
            if time.time() - t0 > BOOT_TIMEOUT:
                raise RuntimeError("%s not ACTIVE" % name)
            time.sleep(0.05)
        times["active"] = time.time() - t0
        ip = server["addresses"][self.net.name][0]["addr"]
        answer = guests.wait_ssh(ip, key, t0 + BOOT_TIMEOUT)
        times["ssh"] = time.time() - t0
        if answer != name:
            raise RuntimeError("%s answered hostname %r" % (name, answer))
        times["rss"] = guests.qemu_rss_kib(server["OS-EXT-SRV-ATTR:instance_name"])

    def round(self, key, n):
        times = [{} for _ in range(n)]
        errors = []

        def one(i):
            try:
                self.boot("vmf-%d-%d" % (n, i), key, times[i])
            except Exception as e:  # reported below, never lost in a thread
                errors.append(e)
        t0 = time.time()
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        everyone = time.time() - t0
        for t in times:
            if "sid" in t:
                self.call("/servers/" + t["sid"], "DELETE", expect=(204,))
        for t in times:
            while "sid" in t and call(self.v + "/servers/" + t["sid"],
                                      token=libvirtd.ADMIN)[0] != 404:
                if time.time() - t0 > 2 * BOOT_TIMEOUT:
                    raise RuntimeError("servers not deleted")
                time.sleep(0.1)
        if errors:
            raise RuntimeError("%s\n%s" % (errors[0], self.d.log_text()[-3000:]))
        return {"n": n, "all_ssh": everyone, "guests": times}

    def close(self):
        self.d.stop()
        self.net.close(self.lv)
        if "vmforge-instances" in self.lv.virsh("pool-list", "--name"):
            self.lv.virsh("pool-destroy", "vmforge-instances")


def vmforged_table(rounds):
    lines = ["| servers at once | POST to ACTIVE (p50 / max, s) | "
             "POST to SSH answering (p50 / max, s) | all answering (s) | "
             "qemu RSS per guest (MiB) |", "|---|---|---|---|---|"]
    for r in rounds:
        if "failed" in r:
            lines.append("| %d | did not finish: %s |" % (r["n"], r["failed"]))
            continue
        act = sorted(g["active"] for g in r["guests"])
        ssh = sorted(g["ssh"] for g in r["guests"])
        lines.append("| %d | %.2f / %.2f | %.2f / %.2f | %.2f | %.0f |" % (
            r["n"], statistics.median(act), act[-1], statistics.median(ssh),
            ssh[-1], r["all_ssh"],
            statistics.mean(g["rss"] for g in r["guests"]) / 1024))
    return "\n".join(lines) + "\n"


def run_rounds(boot, counts):
    """Each count's round, a failed one recorded as such (its first line)
    so the rounds before it still make the table."""
    rounds = []
    for n in counts:
        try:
            rounds.append(boot(n))
        except RuntimeError as e:
            print("round of %d: %s" % (n, e), file=sys.stderr)
            rounds.append({"n": n, "failed": str(e).splitlines()[0]})
        print(rounds[-1], file=sys.stderr)
    return rounds


def main():
    global BOOT_TIMEOUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="1,5,10")
    ap.add_argument("--vcpus", type=int, default=1)
    ap.add_argument("--image", help="the test guest (default: built, cached)")
    ap.add_argument("--vmforged", help="boot through this vmforged instead")
    ap.add_argument("--timeout", type=float, default=BOOT_TIMEOUT,
                    help="seconds a guest may take to answer SSH")
    ap.add_argument("--out")
    args = ap.parse_args()
    BOOT_TIMEOUT = args.timeout
    why = libvirtd.available() or guests.missing_tools()
    if why:
        print("skipped: " + why)
        return 77
    counts = [int(c) for c in args.counts.split(",")]
    lv = libvirtd.Libvirtd()
    made = None  # the network, or the vmforged, to close
    try:
        work = os.path.join(lv.dir, "guests")
        os.makedirs(work)
        base = args.image or guests.build_image(os.path.join(work, "guest.qcow2"))
        key, public_key = guests.keypair(tempfile.mkdtemp(dir=lv.dir))
        lv.warm_up()
        if args.vmforged:
            made = Vmforged(args.vmforged, lv, os.path.join(lv.dir, "vmforged"),
                            base, public_key, args.vcpus)
            rounds = run_rounds(lambda n: made.round(key, n), counts)
            text = vmforged_table(rounds)
        else:
            made = guests.Network(lv, str(os.getpid()))
            rounds = run_rounds(lambda n: boot_round(
                lv, made, work, base, key, public_key, n, args.vcpus), counts)
            text = table(rounds, args.vcpus)
    finally:
        if made is not None:
            made.close()
        lv.close()
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text)
    return 1 if any("failed" in r for r in rounds) else 0


if __name__ == "__main__":
    sys.exit(main())
