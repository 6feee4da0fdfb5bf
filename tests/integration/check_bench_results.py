#!/usr/bin/python3
"""Checks a vmforge-bench results file: the fields are there and sane for
its scenario, no errors, and the PNGs exist when gnuplot does (the
figures themselves are not judged).
Usage: check_bench_results.py RESULTS.json [PLOT_PREFIX]"""
import json
import shutil
import sys

CALLS = {
    "versions": ["GET /"],
    "boot-and-delete": ["POST /servers", "GET /servers/{id}", "DELETE /servers/{id}"],
    "steady": ["POST /servers", "GET /servers/{id}", "DELETE /servers/{id}"],
    "read-mix": ["POST /servers", "GET /servers/{id}", "DELETE /servers/{id}",
                 "GET /servers"],
    "burst": ["POST /servers", "GET /servers/{id}"],
}


def check(cond, what):
    if not cond:
        print("bad results: " + what)
        sys.exit(1)


def check_distribution(name, d):
    check(d["count"] > 0, name + ": no samples")
    check(0 <= d["p50_ms"] <= d["p90_ms"] <= d["p99_ms"] <= d["max_ms"],
          name + ": percentiles out of order: %s" % d)
    check(0 <= d["mean_ms"] <= d["max_ms"], name + ": mean")


def main():
    with open(sys.argv[1]) as f:
        r = json.load(f)
    scenario = r["scenario"]
    check(r["tool"] == "vmforge-bench", "tool")
    check(r["seconds"] > 0 and r["requests"] > 0, "no run")
    check(abs(r["requests_per_s"] - r["requests"] / r["seconds"]) < 1e-6 * r["requests"],
          "requests_per_s")
    check(r["errors"]["total"] == 0, "errors: %s" % r["errors"])
    check(sorted(r["calls"]) == sorted(CALLS[scenario]),
          "calls %s, expected %s" % (sorted(r["calls"]), CALLS[scenario]))
    answered = 0
    for name, d in r["calls"].items():
        check_distribution(name, d)
        check(sum(d["statuses"].values()) == d["count"], name + ": statuses")
        answered += d["count"]
    check(answered == r["requests"], "requests != the calls' answers")
    if scenario != "versions":
        check(r["builds"] > 0 and r["builds_per_s"] > 0, "no builds")
        check_distribution("time_to_active", r["time_to_active"])
        check(r["time_to_active"]["count"] == r["builds"], "time_to_active count")
    if scenario == "burst":
        check(r["builds"] == r["parameters"]["count"], "burst: not all ACTIVE")
        check(0 < r["all_active_s"] <= r["seconds"] + 1e-6, "all_active_s")
    elif scenario != "versions":
        check(r["cycles"] > 0 and r["cycles_per_s"] > 0, "no cycles")
        check_distribution("cycle_time", r["cycle_time"])
    check(len(r["timeline"]) >= 2, "timeline")
    check(all(a["t"] <= b["t"] for a, b in zip(r["timeline"], r["timeline"][1:])),
          "timeline not in time order")
    if len(sys.argv) > 2 and shutil.which("gnuplot"):
        for kind in ("latency", "timeline"):
            with open("%s-%s.png" % (sys.argv[2], kind), "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", kind + ": not a PNG")
    print("%s: %d requests, %.0f/s, results well formed" % (
        scenario, r["requests"], r["requests_per_s"]))


main()
