"""Real guests on a test's own libvirtd (libvirtd.py): the test guest image
(tests/guest/build-guest), a NAT network of the run's own (a bridge and a
/24 no interface or route of this machine uses, so parallel runs never
collide), OpenStack config drives, domains as vmforged defines them, and
waiting for a guest's SSH. Shared by tests/integration/guest_test.py and
bench/guests.py."""
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import time
import uuid

import libvirtd

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_GUEST = os.path.join(HERE, "..", "guest", "build-guest")
# The guest prints these on its serial console (tests/guest/rc).
LEASE_MARKER = "vmforge-guest: dhcp "
UP_MARKER = "vmforge-guest: up "
SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no",
               "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]


def missing_tools():
    """The host tools a guest run needs that are not installed, or None."""
    lacking = [t for t in ("genisoimage", "ssh", "ssh-keygen", "sfdisk",
                           "mkfs.fat", "mcopy", "syslinux", "cpio",
                           "apt-get", "dpkg-deb")
               if shutil.which(t) is None
               and not os.path.exists("/usr/sbin/" + t)
               and not os.path.exists("/sbin/" + t)]
    return " ".join(lacking) or None


def build_image(path, cache=None):
    """The test guest as a qcow2 at `path` (cached: seconds after the
    first build)."""
    args = [BUILD_GUEST] + (["--cache", cache] if cache else []) + [path]
    subprocess.run(args, check=True, timeout=900)
    return path


def free_subnet():
    """A 10.x.y.0/24 that no address or route here overlaps, picked from the
    PID so concurrent runs start apart."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True,
                          text=True).stdout.split()
    used += subprocess.run(["ip", "-4", "route"], capture_output=True,
                           text=True).stdout.split()
    taken = []
    for word in used:
        try:
            taken.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            pass
    pid = os.getpid()
    for step in range(2000):
        n = (pid + step * 7919) % 50000
        net = ipaddress.ip_network("10.%d.%d.0/24" % (100 + n // 250, n % 250))
        if not any(net.overlaps(t) for t in taken if t.prefixlen > 0):
            return net
    raise RuntimeError("no free 10.x.y.0/24 here")


def keypair(directory, name="id"):
    """An ed25519 key (private file mode 600) and its public line."""
    key = os.path.join(directory, name)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                    "vmforge-test", "-f", key], check=True)
    with open(key + ".pub") as f:
        return key, f.read().strip()


class Network:
    """A libvirt NAT network with DHCP on its own bridge and /24; guests get
    fixed addresses from host entries (MAC -> IP), as vmforged plugs them."""

    def __init__(self, lv, tag):
        self.lv = lv
        self.subnet = free_subnet()
        hosts = list(self.subnet.hosts())
        self.gateway = str(hosts[0])
        self.name = "vmforge-guests-%s" % tag
        # IFNAMSIZ: 15 characters at most.
        self.bridge = ("vmfg%s" % tag)[:15]
        self.next_host = 10
        xml = """<network>
  <name>%s</name>
  <forward mode='nat'/>
  <bridge name='%s' stp='off' delay='0'/>
  <ip address='%s' netmask='%s'>
    <dhcp><range start='%s' end='%s'/></dhcp>
  </ip>
</network>""" % (self.name, self.bridge, self.gateway, self.subnet.netmask,
                 hosts[199], hosts[-1])
        path = os.path.join(lv.dir, self.name + ".xml")
        with open(path, "w") as f:
            f.write(xml)
        lv.virsh("net-define", path)
        lv.virsh("net-start", self.name)

    def add_host(self, name):
        """A DHCP host entry for a new guest: (mac, ip)."""
        i = self.next_host
        self.next_host += 1
        ip = str(self.subnet.network_address + i)
        mac = "52:54:00:%02x:%02x:%02x" % (self.subnet.network_address.packed[1],
                                          self.subnet.network_address.packed[2], i)
        self.lv.virsh("net-update", self.name, "add", "ip-dhcp-host",
                      "<host mac='%s' name='%s' ip='%s'/>" % (mac, name, ip),
                      "--live", "--config")
        return mac, ip

    def close(self):
        if self.name in self.lv.virsh("net-list", "--all", "--name").split():
            if self.name in self.lv.virsh("net-list", "--name").split():
                self.lv.virsh("net-destroy", self.name)
            self.lv.virsh("net-undefine", self.name)


class ConfiguredNetwork:
    """A `[network:NAME]` for vmforged on a bridge and /24 of the run's own
    (vmforged's libvirt driver makes the libvirt network from it)."""

    def __init__(self, name, tag):
        self.name = name
        self.id = str(uuid.uuid4())
        self.subnet = free_subnet()
        self.gateway = str(self.subnet.network_address + 1)
        self.bridge = ("vmfgv%s" % tag)[:15]

    def section(self):
        return ("[network:%s]\nid = %s\ncidr = %s\ngateway = %s\n"
                "dns = %s\nbridge = %s\n" % (self.name, self.id, self.subnet,
                                            self.gateway, self.gateway,
                                            self.bridge))

    def libvirt_name(self, lv):
        """The libvirt network vmforged made on the bridge, or None."""
        for net in lv.virsh("net-list", "--all", "--name").split():
            if "'%s'" % self.bridge in lv.virsh("net-dumpxml", net):
                return net
        return None

    def close(self, lv):
        net = self.libvirt_name(lv)
        if net is not None:
            if net in lv.virsh("net-list", "--name").split():
                lv.virsh("net-destroy", net)
            lv.virsh("net-undefine", net)


def vmforged_config(work, uri, image_id, image, network):
    """A one-host vmforged on libvirtd `uri` with qemu (TCG), the test guest
    as image `guest` and `network`."""
    return libvirtd.libvirt_config(work, uri, image_id, "guest", image,
                                   sections=network.section(),
                                   shutdown_timeout=5)


def config_drive(path, hostname, public_key, uuid, user_data=None):
    """An OpenStack config drive (ISO 9660, label config-2) as Nova makes
    it, with meta_data.json's hostname, uuid and public_keys."""
    tree = path + ".d"
    latest = os.path.join(tree, "openstack", "latest")
    os.makedirs(latest)
    with open(os.path.join(latest, "meta_data.json"), "w") as f:
        json.dump({"uuid": uuid, "name": hostname, "hostname": hostname,
                   "public_keys": {"key": public_key + "\n"}}, f)
    if user_data is not None:
        with open(os.path.join(latest, "user_data"), "w") as f:
            f.write(user_data)
    subprocess.run(["genisoimage", "-o", path, "-ldots", "-allow-lowercase",
                    "-allow-multidot", "-l", "-quiet", "-J", "-r", "-V",
                    "config-2", tree], check=True, stderr=subprocess.DEVNULL)
    shutil.rmtree(tree)
    return path


def overlay(path, base):
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base,
                    "-F", "qcow2", path], check=True)
    return path


def domain_xml(name, uuid, disk, iso, network, mac, console, vcpus=1,
               memory_mib=128, tb_cache_mib=32):
    """A domain as vmforged's libvirt driver defines one on this machine:
    TCG on the pc machine (the cloud kernel has no AHCI: the config drive is
    an IDE CD-ROM), a bounded TB cache, virtio disk, net and rng, the serial
    console to a file."""
    return """<domain type='qemu'>
  <name>%(name)s</name>
  <uuid>%(uuid)s</uuid>
  <memory unit='MiB'>%(memory)d</memory>
  <vcpu>%(vcpus)d</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features>
    <acpi/>
    <tcg><tb-cache unit='MiB'>%(tb)d</tb-cache></tcg>
  </features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='%(disk)s'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='%(iso)s'/>
      <target dev='hdd' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <source network='%(network)s'/>
      <mac address='%(mac)s'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'><source path='%(console)s'/><target port='0'/></serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
</domain>""" % dict(name=name, uuid=uuid, memory=memory_mib, vcpus=vcpus,
                    tb=tb_cache_mib, disk=disk, iso=iso, network=network,
                    mac=mac, console=console)


def start_domain(lv, name, attempts=3):
    """virsh start, again after a second when libvirtd could not load the
    domain's cgroup device filter: with several qemus starting at once on
    a busy machine its BPF load fails now and then with EAGAIN
    ("failed to load cgroup BPF prog: Resource temporarily unavailable")."""
    for attempt in range(attempts):
        try:
            return lv.virsh("start", name)
        except RuntimeError as e:
            if "Resource temporarily unavailable" not in str(e) \
                    or attempt == attempts - 1:
                raise
            time.sleep(1)


def console_has(path, marker):
    try:
        with open(path, "rb") as f:
            return marker.encode() in f.read()
    except OSError:
        return False


def port_open(ip, port=22):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def ssh(ip, key, command, timeout=30):
    out = subprocess.run(["ssh", "-i", key, *SSH_OPTIONS, "root@" + ip,
                          command], capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("ssh %s %s: %s" % (ip, command, out.stderr.strip()))
    return out.stdout.strip()


def wait_ssh(ip, key, deadline, poll=0.1):
    """Until `ssh root@ip hostname` answers or `deadline` (time.time())
    passes; answers the hostname."""
    last = None
    while time.time() < deadline:
        if port_open(ip):
            try:
                return ssh(ip, key, "hostname", timeout=20)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                last = e
        time.sleep(poll)
    raise RuntimeError("no SSH answer from %s: %s" % (ip, last))


def qemu_rss_kib(name):
    """The resident memory of the qemu process of running domain `name`."""
    with open("/run/libvirt/qemu/%s.pid" % name) as f:
        pid = int(f.read().strip())
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %s" % name)
