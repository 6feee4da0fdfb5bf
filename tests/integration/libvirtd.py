"""A libvirtd of a test's own: the system daemon with the qemu driver,
listening on a socket in a temporary directory, started and stopped by its
PID. There is no systemd here, so virtlogd (which qemu domains need for
their logs) is started too unless one already serves its socket. Also a
vmforged configuration for it and a small Compute API client, shared by
the test and bench/libvirt_qemu.py."""
import grp
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from daemon import call

IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
ADMIN = "admin:project-a"

VIRTLOGD_SOCKET = "/run/libvirt/virtlogd-sock"


def available():
    """Why a real libvirtd cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root"
    for tool in ("libvirtd", "virtlogd", "virsh", "qemu-system-x86_64",
                 "qemu-img"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            return tool + " is not installed (scripts/install-deps)"
    return None


def _serving(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _read_pid(path, deadline):
    while time.time() < deadline:
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            time.sleep(0.05)
    raise RuntimeError("no pid in " + path)


def _stop(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def _kvm_for_group():
    """Debian's udev rule gives /dev/kvm to group kvm, mode 0660. Without
    udev (containers, CI machines) it stays root's alone, and libvirtd then
    probes qemu again on every call: its probe (as root) sees KVM, its
    check as the libvirt-qemu user does not, so every cached answer is
    outdated and a define takes seconds to minutes. Do what udev does."""
    try:
        st = os.stat("/dev/kvm")
    except FileNotFoundError:
        return
    if st.st_mode & 0o060 != 0o060:
        os.chown("/dev/kvm", -1, grp.getgrnam("kvm").gr_gid)
        os.chmod("/dev/kvm", 0o660)


def _sbin(tool):
    return shutil.which(tool) or "/usr/sbin/" + tool


class Libvirtd:
    def __init__(self):
        # The daemon runs guests as libvirt-qemu: disks and images in here
        # must be reachable by it.
        self.dir = tempfile.mkdtemp(prefix="vmforge-libvirtd-")
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, "libvirt-sock")
        self.uri = "qemu+unix:///system?socket=" + self.socket
        self.conf = os.path.join(self.dir, "libvirtd.conf")
        with open(self.conf, "w") as f:
            f.write('unix_sock_dir = "%s"\nauth_unix_rw = "none"\n'
                    'log_outputs = "3:file:%s/libvirtd.log"\n'
                    % (self.dir, self.dir))
        for d in ("/var/log/libvirt", "/var/run/libvirt"):
            os.makedirs(d, exist_ok=True)
        _kvm_for_group()
        self.pid = None
        self.virtlogd_pid = None
        if not _serving(VIRTLOGD_SOCKET):
            pidfile = os.path.join(self.dir, "virtlogd.pid")
            subprocess.run([_sbin("virtlogd"), "--daemon", "--pid-file",
                            pidfile], check=True)
            self.virtlogd_pid = _read_pid(pidfile, time.time() + 10)
        self.start()

    def start(self):
        pidfile = os.path.join(self.dir, "libvirtd.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        subprocess.run([_sbin("libvirtd"), "--daemon", "--pid-file", pidfile,
                        "--config", self.conf], check=True)
        deadline = time.time() + 30
        self.pid = _read_pid(pidfile, deadline)
        while not _serving(self.socket):
            if time.time() > deadline:
                raise RuntimeError("libvirtd did not listen on " + self.socket)
            time.sleep(0.05)

    def warm_up(self):
        """The daemon probes qemu's capabilities on first use (tens of
        seconds on a busy machine, cached afterwards); do it before
        anything is timed."""
        self.virsh("domcapabilities", "--virttype", "qemu", timeout=300)

    def stop(self):
        if self.pid is not None:
            _stop(self.pid)
            self.pid = None

    def virsh(self, *args, timeout=60):
        out = subprocess.run(["virsh", "-q", "-c", self.uri, *args],
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError("virsh %s: %s" % (" ".join(args), out.stderr))
        return out.stdout

    def domains(self, *flags):
        return set(self.virsh("list", "--name", *flags).split())

    def close(self):
        self.stop()
        if self.virtlogd_pid is not None:
            _stop(self.virtlogd_pid)
        shutil.rmtree(self.dir, ignore_errors=True)


def qemu_config(work, uri, host_options=""):
    """A one-host vmforged on `uri` with a tiny blank qcow2 image (the guest
    sits in its firmware, which is running enough)."""
    images = os.path.join(work, "images")
    os.makedirs(images)
    disk = os.path.join(images, "tiny.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk,
                             "64M"], check=True)
    return libvirt_config(work, uri, IMAGE, "tiny", disk,
                          host_options=host_options)


def libvirt_config(work, uri, image_id, image_name, image_file,
                   sections="", host_options="", shutdown_timeout=1):
    """A one-host vmforged's configuration on libvirt `uri` with qemu (TCG)
    and one image; `sections` go before the host's."""
    conf = os.path.join(work, "vmforge.conf")
    with open(conf, "w") as f:
        f.write("""
[DEFAULT]
compute_driver = libvirt.LibvirtDriver
instances_path = %s/instances
shutdown_timeout = %d
[libvirt]
connection_uri = %s
virt_type = qemu
[image:%s]
name = %s
file = %s
disk_format = qcow2
%s[host:compute-1]
""" % (work, shutdown_timeout, uri, image_id, image_name, image_file,
       sections) + host_options)
    return conf


class Api:
    def __init__(self, daemon):
        self.v = daemon.url + "/v2.1"

    def create(self, name):
        status, _, body = call(self.v + "/servers", "POST", {"server": {
            "name": name, "imageRef": IMAGE, "flavorRef": "1"}})
        assert status == 202, body
        return body["server"]["id"]

    def delete(self, sid):
        code, _, body = call(self.v + "/servers/" + sid, "DELETE")
        assert code == 204, body

    def show(self, sid):
        code, _, body = call(self.v + "/servers/" + sid, token=ADMIN)
        return body["server"] if code == 200 else None

    def wait(self, sid, status, timeout=120):
        deadline = time.time() + timeout
        server = None
        while time.time() < deadline:
            server = self.show(sid)
            if server is None and status == "gone":
                return None
            if server and server["status"] == status \
                    and server["OS-EXT-STS:task_state"] is None:
                return server
            if server and server["status"] == "ERROR":
                break
            time.sleep(0.05)
        raise AssertionError("%s never reached %s: %s" % (sid, status, server))

    def action(self, sid, action):
        code, _, body = call(self.v + "/servers/%s/action" % sid, "POST",
                             {action: None})
        assert code == 202, body

    def hypervisor(self):
        _, _, body = call(self.v + "/os-hypervisors/detail", token=ADMIN)
        return body["hypervisors"][-1]

    def service(self):
        _, _, body = call(self.v + "/os-services", token=ADMIN)
        return body["services"][-1]

    def wait_service(self, status, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            svc = self.service()
            if svc["status"] == status:
                return svc
            time.sleep(0.1)
        raise AssertionError("compute service never %s: %s" % (status, svc))
