#!/usr/bin/python3
"""vmforge-bench against servers that close connections: one that says so
(Connection: close) and one that closes a kept-alive connection without
a word, as a server's idle timeout does. Neither may cost an error: the
first connects again, the second sends the request again once."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BENCH = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforge-bench"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    announce = True  # Connection: close in the answer, or a silent close

    def do_GET(self):
        body = b'{"versions": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.announce:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass


class Silent(Handler):
    announce = False


class ClosedConnections(unittest.TestCase):
    def run_bench(self, handler):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "r.json")
                p = subprocess.run(
                    [BENCH, "versions", "--duration", "1", "--connections", "2",
                     "--concurrency", "2", "--json", out, "--endpoint",
                     "http://127.0.0.1:%d/v2.1" % server.server_address[1]],
                    capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                with open(out) as f:
                    r = json.load(f)
        finally:
            server.shutdown()
            server.server_close()
        self.assertEqual(r["errors"]["total"], 0, r["errors"])
        self.assertGreater(r["calls"]["GET /"]["statuses"]["200"], 10)

    def test_connection_close_is_followed(self):
        self.run_bench(Handler)

    def test_silently_closed_connection_is_retried_once(self):
        self.run_bench(Silent)


unittest.main()
