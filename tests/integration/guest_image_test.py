#!/usr/bin/python3
"""The test guest image (tests/guest/build-guest) without booting it: a
qcow2 whose disk has an MBR with one bootable FAT partition holding
syslinux, the kernel and an initramfs; the initramfs has busybox init, the
boot script, dropbear with every library it links, and the kernel modules
each after its dependencies. A second build comes from the cache."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

import guests


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw).stdout


class GuestImageTest(unittest.TestCase):
    def test_image(self):
        work = tempfile.mkdtemp(prefix="vmforge-guest-image-")
        self.addCleanup(subprocess.run, ["rm", "-rf", work])
        image = guests.build_image(os.path.join(work, "guest.qcow2"))
        self.assertIn(b"file format: qcow2", run("qemu-img", "info", image))
        raw = os.path.join(work, "disk.raw")
        run("qemu-img", "convert", "-O", "raw", image, raw)
        table = run("sfdisk", "--dump", raw, text=True)
        self.assertRegex(table, r"start=\s*2048,.*type=c, bootable")
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        files = run("mdir", "-a", "-b", "-i", raw + "@@1M", "::/", env=env,
                    text=True).split()
        for f in ("::/LDLINUX.SYS", "::/LDLINUX.C32", "::/SYSLINUX.CFG",
                  "::/VMLINUZ", "::/INITRD.GZ"):
            self.assertIn(f, [x.upper() for x in files])
        cfg = run("mtype", "-i", raw + "@@1M", "::/syslinux.cfg", env=env,
                  text=True)
        self.assertIn("console=ttyS0", cfg)
        initrd = os.path.join(work, "initrd.gz")
        run("mcopy", "-i", raw + "@@1M", "::/initrd.gz", initrd, env=env)
        root = os.path.join(work, "root")
        os.makedirs(root)
        subprocess.run("gzip -dc %s | cpio -id --quiet" % initrd, shell=True,
                       cwd=root, check=True)
        for f in ("init", "etc/rc", "etc/inittab", "bin/busybox",
                  "sbin/init", "sbin/udhcpc", "sbin/findfs", "sbin/acpid",
                  "usr/sbin/dropbear", "usr/bin/dropbearkey",
                  "lib64/ld-linux-x86-64.so.2", "lib/libtomcrypt.so.1",
                  "lib/libtommath.so.1", "lib/libgmp.so.10", "lib/libc.so.6",
                  "etc/acpi/PWRF/00000080"):
            self.assertTrue(os.path.lexists(os.path.join(root, f)), f)
        self.assertEqual(os.stat(os.path.join(root, "root")).st_mode & 0o777,
                         0o700)
        with open(os.path.join(root, "etc", "modules.order")) as f:
            order = f.read().split()
        for m in ("virtio_net", "virtio_blk", "virtio-rng", "ata_piix",
                  "sr_mod", "isofs", "button", "evdev"):
            self.assertIn(m, order)
        for m in order:
            with open(os.path.join(root, "lib", "modules", m + ".ko"),
                      "rb") as f:
                deps = [d for line in f.read().split(b"\0")
                        if line.startswith(b"depends=")
                        for d in line[8:].decode().split(",") if d]
            for d in deps:
                self.assertLess(order.index(d), order.index(m), (m, d))

        # Cached: the same bytes again, in seconds.
        t0 = time.time()
        again = guests.build_image(os.path.join(work, "again.qcow2"))
        self.assertLess(time.time() - t0, 20)
        self.assertEqual(run("cmp", image, again), b"")


if __name__ == "__main__":
    why = guests.missing_tools()
    if why:
        print("skipped: missing " + why + " (scripts/install-deps)")
        sys.exit(77)
    unittest.main(verbosity=2)
