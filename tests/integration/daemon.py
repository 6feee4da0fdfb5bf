"""Starts a real vmforged on free loopback ports (the API's and the
metrics') for a test and stops it (by its PID) afterwards."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


class Daemon:
    """`workdir`: run there (and keep it) instead of in a new temporary
    directory, so a test can restart on the same ./var."""

    def __init__(self, binary, *args, workdir=None):
        self.log = tempfile.NamedTemporaryFile(prefix="vmforged-", suffix=".log",
                                               delete=False)
        # Its own working directory: ./var (database, fake hypervisor).
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="vmforged-")
        self.proc = subprocess.Popen([os.path.abspath(binary), "--port", "0",
                                      "--metrics-port", "0", *args],
                                     cwd=self.dir,
                                     stderr=self.log, stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        self.port = None
        while time.time() < deadline and self.port is None:
            with open(self.log.name) as f:
                text = f.read()
            m = re.search(r"Compute API on http://[^:]+:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                self.metrics_url = re.search(
                    r"metrics on (http://\S+/metrics)", text).group(1)
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError("vmforged did not start:\n" + self.log_text())
        self.url = "http://127.0.0.1:%d" % self.port

    def log_text(self):
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.path.exists(self.log.name):
            os.unlink(self.log.name)
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode

    def kill(self):
        """SIGKILL: no shutdown code runs."""
        self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def call(url, method="GET", body=None, token="user-a:project-a",
         headers=None, raw=None):
    """One HTTP request; returns (status, headers, parsed JSON or None)."""
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if token is not None:
        req.add_header("X-Auth-Token", token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, hdrs, text = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read()
    return status, hdrs, (json.loads(text) if text else None)
