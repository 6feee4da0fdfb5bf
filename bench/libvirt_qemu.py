#!/usr/bin/python3
"""Time to ACTIVE of 1, 5 and 10 concurrent servers on a real libvirtd with
qemu under software emulation (TCG), through vmforged's HTTP API (make
bench). Baseline, same run: the same requests with libvirt's in-process
test:///default hypervisor, which costs no guest at all, so the difference
is qemu's and libvirtd's. Every round boots N servers at once, waits until
each is ACTIVE (polling the server list every 20 ms), deletes them and
waits until they are gone.

Usage: libvirt_qemu.py path/to/vmforged [--counts 1,5,10] [--rounds 3]
                       [--out results.md]
Needs root and the packages of scripts/install-deps; talks to 127.0.0.1
and its own libvirtd only."""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from daemon import Daemon, call  # noqa: E402
import libvirtd  # noqa: E402


def boot_round(api, n):
    """Seconds from the first POST to each server's ACTIVE."""
    t0 = time.time()
    ids = [api.create("bench-%d" % i) for i in range(n)]
    active = {}
    while len(active) < n:
        if time.time() - t0 > 300:
            raise RuntimeError("servers not ACTIVE after 300 s")
        _, _, body = call(api.v + "/servers/detail", token=libvirtd.ADMIN)
        for s in body["servers"]:
            if s["id"] in active or s["id"] not in ids:
                continue
            if s["status"] == "ACTIVE":
                active[s["id"]] = time.time() - t0
            elif s["status"] == "ERROR":
                raise RuntimeError("%s: %s" % (s["id"], s.get("fault")))
        time.sleep(0.02)
    for sid in ids:
        api.delete(sid)
    for sid in ids:
        api.wait(sid, "gone")
    return sorted(active.values())


def measure(binary, work, uri, counts, rounds, host_options=""):
    d = Daemon(binary, "--config",
               libvirtd.qemu_config(work, uri, host_options), workdir=work)
    try:
        api = libvirtd.Api(d)
        return {n: [boot_round(api, n) for _ in range(rounds)] for n in counts}
    except RuntimeError:
        print("\n".join(l for l in d.log_text().splitlines() if " api " not in l), file=sys.stderr)
        raise
    finally:
        d.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vmforged")
    ap.add_argument("--counts", default="1,5,10")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()
    why = libvirtd.available()
    if why:
        print("skipped: " + why)
        return 77
    counts = [int(c) for c in args.counts.split(",")]
    lv = libvirtd.Libvirtd()
    try:
        lv.warm_up()
        qemu = measure(args.vmforged, os.path.join(lv.dir, "qemu"), lv.uri,
                       counts, args.rounds)
        # The test node has 3 GiB: room for the largest round is given.
        test = measure(args.vmforged, os.path.join(lv.dir, "test"),
                       "test:///default", counts, args.rounds,
                       "memory_mb = 100000\n")
        if "vmforge-instances" in lv.virsh("pool-list", "--name"):
            lv.virsh("pool-destroy", "vmforge-instances")
    finally:
        lv.close()
    lines = ["| servers at once | qemu (TCG): all ACTIVE, median of %d | "
             "qemu: per server p50 / max | test:///default: all ACTIVE | "
             "qemu / test |" % args.rounds,
             "|---|---|---|---|---|"]
    for n in counts:
        q_all = statistics.median(r[-1] for r in qemu[n])
        t_all = statistics.median(r[-1] for r in test[n])
        per = sorted(t for r in qemu[n] for t in r)
        lines.append("| %d | %.2f s | %.2f / %.2f s | %.3f s | %.0f |" % (
            n, q_all, statistics.median(per), per[-1], t_all,
            q_all / t_all))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
