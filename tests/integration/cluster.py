"""A vmforge cluster for tests: a controller (daemon.Daemon with --role
controller) and compute processes (`vmforged --role compute`), each
started by the test on loopback or inside a network namespace it names,
and stopped by its PID."""
import os
import subprocess
import tempfile
import time

from daemon import ADMIN, call, stop_process


class Compute:
    """One `vmforged --role compute --host NAME`; `netns`: run it inside
    that network namespace (the test made it)."""

    def __init__(self, binary, name, controller, config, *args, netns=None):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix="vmforge-%s-" % name,
                                               suffix=".log", delete=False)
        self.dir = tempfile.mkdtemp(prefix="vmforge-%s-" % name)
        cmd = [os.path.abspath(binary), "--role", "compute", "--host", name,
               "--controller", controller, "--config", config,
               "--metrics-port", "0", *args]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stderr=self.log,
                                     stdout=subprocess.DEVNULL)

    def log_text(self):
        with open(self.log.name) as f:
            return f.read()

    def wait_exit(self, timeout=20):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        return stop_process(self.proc)

    def remove(self):
        self.stop()
        if os.path.exists(self.log.name):
            os.unlink(self.log.name)
        subprocess.run(["rm", "-rf", self.dir], check=False)


def services(v1):
    status, _, body = call(v1 + "/os-services?binary=nova-compute",
                           token=ADMIN)
    assert status == 200, body
    return {s["host"]: s for s in body["services"]}


def hypervisors(v1):
    status, _, body = call(v1 + "/os-hypervisors/detail", token=ADMIN)
    assert status == 200, body
    return {h["hypervisor_hostname"]: h for h in body["hypervisors"]}


def wait_until(pred, timeout, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return pred()


def wait_state(v1, host, state, timeout):
    """Waits until os-services shows `host` in `state` ("up"/"down")."""
    return wait_until(lambda: services(v1).get(host, {}).get("state") == state,
                      timeout)
