-- wrk against the Compute API. WRK_CREATE=1: POST /v2.1/servers (one
-- m1.tiny each) to the URL given; otherwise GET it. Prints one result line.
wrk.headers["X-Auth-Token"] = "bench:bench"
if os.getenv("WRK_CREATE") == "1" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"server": {"name": "wrk", "flavorRef": "1", ' ..
             '"imageRef": "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"}}'
end

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
