#!/usr/bin/python3
"""vmforge's Glance v2 client (images/glance_image_service) against a REAL
Glance: starts a private Glance Zed in noauth mode (glance.py), makes the
images the hidden Catch2 cases of tests/unit/images/glance_live_test.cpp
read (an active qcow2 made with qemu-img, a corrupted one, a truncated one,
one whose stored file vanished, a queued one, more images of one name than
Glance's page), then runs

    UNIT_TESTS "[glance-live]"

with them in the environment. Exit 77 (ctest: skipped) when python3-glance
or qemu-img is missing.

    /usr/bin/python3 tests/integration/glance_client_test.py build/bin/unit_tests
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glance  # noqa: E402

UNIT_TESTS = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                             else "build/bin/unit_tests")
QEMU_IMG = shutil.which("qemu-img")
LIST_NAME = "live-list"
LIST_COUNT = 5  # Glance's page is 2 here: three pages, two next links


def create(g, **fields):
    status, _, image = g.call("/v2/images", "POST", fields)
    if status != 201:
        raise RuntimeError("create: %d %s" % (status, image))
    return image


def main():
    # Not from tests/integration: `python3 -c "import glance..."` would find
    # glance.py there before Glance's package.
    os.chdir(tempfile.gettempdir())
    if not glance.available() or not QEMU_IMG:
        print("glance_client: skipped (python3-glance and qemu-img are "
              "needed: scripts/install-deps)")
        return 77
    if not os.access(UNIT_TESTS, os.X_OK):
        print("glance_client: no %s (build first)" % UNIT_TESTS)
        return 1
    tmp = tempfile.mkdtemp(prefix="glance-client-")
    try:
        qcow2 = os.path.join(tmp, "disk.qcow2")
        subprocess.check_call([QEMU_IMG, "create", "-q", "-f", "qcow2", qcow2,
                               "64M"])
        conf = {"DEFAULT": {"limit_param_default": "2"}}
        with glance.Glance(extra_conf=conf) as g:
            print("glance-api %s: db_sync %.1fs, started in %.1fs"
                  % (g.url, g.db_sync_seconds, g.start_seconds), flush=True)
            fields = {"disk_format": "qcow2", "container_format": "bare",
                      "visibility": "public", "min_ram": 512, "min_disk": 1,
                      "hw_disk_bus": "virtio"}
            active = g.create_image(qcow2, name="live-active", **fields)
            corrupt = g.create_image(qcow2, name="live-corrupt", **fields)
            g.corrupt(corrupt["id"])
            short = g.create_image(qcow2, name="live-short", **fields)
            with open(g.stored_file(short["id"]), "rb") as f:
                data = f.read()
            g.corrupt(short["id"], data[:len(data) // 2])
            vanished = g.create_image(qcow2, name="live-vanished", **fields)
            os.remove(g.stored_file(vanished["id"]))
            queued = create(g, name="live-queued", disk_format="qcow2",
                            container_format="bare", visibility="public")
            for _ in range(LIST_COUNT):
                create(g, name=LIST_NAME, disk_format="raw",
                       container_format="bare", visibility="public")
            env = dict(os.environ,
                       GLANCE_URL=g.url,
                       GLANCE_IMAGE_FILE=qcow2,
                       GLANCE_ACTIVE_ID=active["id"],
                       GLANCE_CORRUPT_ID=corrupt["id"],
                       GLANCE_SHORT_ID=short["id"],
                       GLANCE_VANISHED_ID=vanished["id"],
                       GLANCE_QUEUED_ID=queued["id"],
                       GLANCE_LIST_NAME=LIST_NAME,
                       GLANCE_LIST_COUNT=str(LIST_COUNT))
            rc = subprocess.call([UNIT_TESTS, "[glance-live]"], env=env,
                                 timeout=150)
            if rc != 0:
                print("---- glance-api log (tail) ----")
                print(g.log_text()[-6000:])
            return 1 if rc else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
