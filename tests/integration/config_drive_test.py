#!/usr/bin/python3
"""The config drive end to end against a real vmforged (fake driver): a
server created with config_drive, a keypair and user_data gets an ISO
(state_path/<host>/<uuid>.d/disk.config) whose meta_data.json has its uuid,
hostname and public key and whose user_data is the decoded text; it is gone
after the delete.

The create's config_drive, key_data and user_data reach the driver through
the API and the store (issue 14's "net" part). Where this daemon's API does
not take them yet (its server view does not show config_drive "True"), the
test says so and exits 77, which ctest reports as skipped."""
import base64
import glob
import os
import subprocess
import sys
import time

from daemon import Daemon, call

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/bin/vmforged"
IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
USER = "user-a:project-a"
USER_DATA = "#!/bin/sh\necho hello from user_data\n"


def isoinfo(iso, path):
    return subprocess.run(["isoinfo", "-R", "-x", path, "-i", iso],
                          capture_output=True, check=True,
                          timeout=30).stdout.decode()


def wait_active(v, sid):
    deadline = time.time() + 30
    while time.time() < deadline:
        status, _, body = call(v + "/servers/" + sid, token=USER)
        assert status == 200, body
        if body["server"]["status"] == "ACTIVE":
            return body["server"]
        assert body["server"]["status"] != "ERROR", body
        time.sleep(0.05)
    raise AssertionError("server %s never became ACTIVE" % sid)


def main():
    import json
    with Daemon(BINARY) as d:
        v = d.url + "/v2.1"
        status, _, body = call(v + "/os-keypairs", "POST",
                               {"keypair": {"name": "cd-key"}}, token=USER)
        assert status == 200, body
        public_key = body["keypair"]["public_key"]
        status, _, body = call(v + "/servers", "POST", {"server": {
            "name": "Config Drive_VM", "imageRef": IMAGE, "flavorRef": "1",
            "key_name": "cd-key", "config_drive": True,
            "user_data": base64.b64encode(USER_DATA.encode()).decode()}},
            token=USER)
        assert status == 202, body
        sid = body["server"]["id"]
        server = wait_active(v, sid)
        if server["config_drive"] != "True":
            print("SKIP: this daemon's create does not take config_drive "
                  "yet (server view config_drive=%r); the config drive needs "
                  "the API and store part of issue 14" % server["config_drive"])
            return 77
        isos = glob.glob(os.path.join(d.dir, "var/fake-hypervisor/*",
                                      sid + ".d", "disk.config"))
        assert len(isos) == 1, isos
        md = json.loads(isoinfo(isos[0], "/openstack/latest/meta_data.json"))
        assert md["uuid"] == sid, md
        assert md["hostname"] == "config-drive-vm.novalocal", md
        assert md["public_keys"] == {"cd-key": public_key}, md
        assert md["keys"][0]["data"] == public_key, md
        assert isoinfo(isos[0], "/openstack/latest/user_data") == USER_DATA
        status, _, _ = call(v + "/servers/" + sid, "DELETE", token=USER)
        assert status == 204
        deadline = time.time() + 30
        while os.path.exists(isos[0]) and time.time() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(isos[0]), "the ISO outlived the delete"
    print("config drive: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
