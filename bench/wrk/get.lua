-- wrk: GET /v2.1/servers/{id} of one server (the URL given to wrk).
wrk.headers["X-Auth-Token"] = "bench:bench"

function done(summary, latency, requests)
  io.write(string.format(
    "wrk_result requests=%d seconds=%.3f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout))
end
