"""Starts a real vmforged on free loopback ports (the API's and the
metrics') for a test and stops it (by its PID) afterwards."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


def stop_process(proc, timeout=20):
    """SIGTERM, then SIGKILL after `timeout`; answers the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


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
                cluster = re.search(r"compute hosts join on \S*:(\d+)",
                                    text)
                self.cluster_port = int(cluster.group(1)) if cluster else None
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            # stop() removes the log.
            text = self.log_text()
            self.stop()
            raise RuntimeError("vmforged did not start:\n" + text)
        self.url = "http://127.0.0.1:%d" % self.port

    def log_text(self):
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        stop_process(self.proc)
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


IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
ADMIN = "admin:project-a"


def create_one(v1, name):
    return call(v1 + "/servers", "POST",
                {"server": {"name": name, "imageRef": IMAGE, "flavorRef": "1"}})


def create_server(v1, name, token="user-a:project-a"):
    """One server of the image and flavor 1; its id (asserting the 202)."""
    code, _, body = call(v1 + "/servers", "POST",
                         {"server": {"name": name, "imageRef": IMAGE,
                                     "flavorRef": "1"}}, token=token)
    assert code == 202, body
    return body["server"]["id"]


def wait_status(v1, sid, status, token="user-a:project-a"):
    """The server once it shows `status` with no task (20 s at most)."""
    deadline = time.time() + 20
    while time.time() < deadline:
        code, _, body = call(v1 + "/servers/" + sid, token=token)
        if code == 200 and body["server"]["status"] == status and \
                body["server"]["OS-EXT-STS:task_state"] is None:
            return body["server"]
        time.sleep(0.05)
    raise AssertionError("%s never reached %s" % (sid, status))


def openstack_cli(d, *args, token=ADMIN):
    """The openstack CLI against daemon `d` with an admin token; stdout."""
    out = subprocess.run(
        ["openstack", "--os-auth-type", "admin_token", "--os-token", token,
         "--os-endpoint", d.url + "/v2.1", *args],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, (args, out.stdout, out.stderr,
                                 d.log_text()[-2000:])
    return out.stdout


class Burst:
    """Threads creating servers until told to stop or the daemon goes away;
    `acked` holds every id a 202 named, `refused` every 503 body."""

    def __init__(self, v1, threads=16):
        self.v1 = v1
        self.acked = []
        self.refused = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.workers = [threading.Thread(target=self.run, args=(i,))
                        for i in range(threads)]
        for w in self.workers:
            w.start()

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                status, _, body = create_one(self.v1, "burst-%d-%d" % (n, i))
            except OSError:
                return  # the daemon is gone
            with self.lock:
                if status == 202:
                    self.acked.append(body["server"]["id"])
                elif status == 503:
                    self.refused.append(body)
                else:
                    raise AssertionError("create answered %d: %s" % (status, body))

    def count(self):
        with self.lock:
            return len(self.acked)

    def join(self):
        self.stop.set()
        for w in self.workers:
            w.join()


def all_servers(v1):
    out, marker = [], None
    while True:
        url = v1 + "/servers/detail?all_tenants=1&limit=1000"
        if marker:
            url += "&marker=" + marker
        status, _, body = call(url, token=ADMIN)
        assert status == 200, body
        page = body["servers"]
        out += page
        if len(page) < 1000:
            return out
        marker = page[-1]["id"]


class RestartableDaemon:
    """A test class's daemon of `HOSTS` fake hosts on a working directory of
    its own (with an images/ folder and `CONF` as its vmforge.conf), which
    `start()` again after a `d.stop()` runs on the same ./var. Mix in
    before unittest.TestCase; `BINARY` is the vmforged to run. `delete`
    deletes a server and waits until it is gone."""

    BINARY = "build/bin/vmforged"
    CONF = ""
    HOSTS = 2

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="vmforge-test-")
        os.makedirs(os.path.join(cls.work, "images"))
        cls.conf = os.path.join(cls.work, "vmforge.conf")
        with open(cls.conf, "w") as f:
            f.write(cls.CONF)
        cls.start()

    @classmethod
    def start(cls):
        cls.d = Daemon(cls.BINARY, "--config", cls.conf, "--hosts",
                       str(cls.HOSTS), workdir=cls.work)
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        status = cls.d.stop()
        shutil.rmtree(cls.work, ignore_errors=True)
        assert status == 0

    def delete(self, sid):
        """Deletes a server and waits (bounded) until it is gone."""
        self.assertEqual(call(self.v + "/servers/" + sid, "DELETE")[0], 204)
        for _ in range(400):
            if call(self.v + "/servers/" + sid)[0] == 404:
                return
            time.sleep(0.025)
        self.fail("server %s was not deleted" % sid)
