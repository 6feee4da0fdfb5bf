#!/usr/bin/python3
"""The markdown of run-bench.sh: the issue's targets against the same
run's baseline, one row per driver and scenario, the plots.
Usage: results_table.py DIR DRIVER... (DIR holds DRIVER-SCENARIO.json;
the plots are referenced as (PLOTS)-DRIVER-SCENARIO-*.png)."""
import json
import os
import sys

SCENARIOS = ["versions", "boot-and-delete", "burst", "steady", "read-mix"]
CALLS = ["POST /servers", "GET /servers/{id}", "DELETE /servers/{id}",
         "GET /servers", "GET /"]


def load(d, driver, scenario):
    path = os.path.join(d, "%s-%s.json" % (driver, scenario))
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def dist(x):
    if not x or not x["count"]:
        return ""
    return "%.1f / %.1f / %.1f / %.1f" % (x["p50_ms"], x["p90_ms"], x["p99_ms"],
                                          x["max_ms"])


def main():
    d, drivers = sys.argv[1], sys.argv[2:]
    r = {(dr, s): load(d, dr, s) for dr in drivers for s in SCENARIOS}
    lines = []
    floor, bd, burst = (r.get(("fake-0", s)) for s in
                        ("versions", "boot-and-delete", "burst"))
    if floor and bd and burst:
        fr, fp99 = floor["requests_per_s"], floor["calls"]["GET /"]["p99_ms"]
        post = bd["calls"].get("POST /servers", {}).get("p99_ms", float("nan"))
        lines += [
            "## Targets (fake driver, zero latency)", "",
            "| target | measured | baseline, same run | ratio | met |",
            "|---|---|---|---|---|",
            "| boot-and-delete >= 1,000 cycles/s | %.0f cycles/s | GET / %.0f req/s | "
            "%.3f cycles per GET / | %s |" % (
                bd["cycles_per_s"], fr, bd["cycles_per_s"] / fr,
                "yes" if bd["cycles_per_s"] >= 1000 else "**no**"),
            "| burst %d: all ACTIVE within 10 s | %.2f s | | | %s |" % (
                burst["parameters"]["count"], burst.get("all_active_s", float("nan")),
                "yes" if burst.get("all_active_s", 1e9) <= 10
                and burst["builds"] == burst["parameters"]["count"] else "**no**"),
            "| p99 POST <= 20 ms at 64 connections (boot-and-delete) | %.1f ms | "
            "GET / p99 %.1f ms | %.1f x | %s |" % (
                post, fp99, post / fp99, "yes" if post <= 20 else "**no**"),
            ""]
    lines += [
        "## Every run", "",
        "Latencies in ms, p50 / p90 / p99 / max; time to ACTIVE from the POST "
        "sent to the first poll that sees ACTIVE (so within one poll interval).", "",
        "| driver | scenario | s | req/s | cycles/s | builds/s | all ACTIVE s | "
        + " | ".join(CALLS) + " | time to ACTIVE | errors |",
        "|---|---|---|---|---|---|---|" + "---|" * len(CALLS) + "---|---|"]
    for (dr, s), x in r.items():
        if x is None:
            lines.append("| %s | %s | missing |%s" % (dr, s, " |" * (len(CALLS) + 8)))
            continue
        errors = ", ".join("%s: %d" % kv for kv in x["errors"]["by_kind"].items())
        lines.append("| %s | %s | %.1f | %.0f | %.0f | %.0f | %s | %s | %s | %s |" % (
            dr, s, x["seconds"], x["requests_per_s"], x["cycles_per_s"],
            x["builds_per_s"],
            "%.2f" % x["all_active_s"] if "all_active_s" in x else "",
            " | ".join(dist(x["calls"].get(c)) for c in CALLS),
            dist(x["time_to_active"]), errors or "0"))
    lines += ["", "## Plots", ""]
    for (dr, s), x in r.items():
        if x is not None and s != "versions":
            lines.append("%s, %s: ![latency CDF]((PLOTS)-%s-%s-latency.png) "
                         "![throughput and in flight]((PLOTS)-%s-%s-timeline.png)"
                         % (dr, s, dr, s, dr, s))
            lines.append("")
    print("\n".join(lines))


main()
