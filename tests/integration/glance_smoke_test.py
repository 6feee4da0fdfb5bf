#!/usr/bin/python3
"""A private real Glance (tests/integration/glance.py) answering what
vmforge's Glance v2 client will ask: create, upload, show, download, list,
a queued, a deactivated and a deleted image, errors, and a stored file that
no longer matches its hash. Not registered in CMake yet (groundwork for
issue 13); run it as

    /usr/bin/python3 tests/integration/glance_smoke_test.py -v

GLANCE_SMOKE_RECORD=FILE writes every request and answer seen (status,
headers that matter, body) as JSON to FILE (docs/images.md's appendix).
Skips when python3-glance or qemu-img is not installed.

GlanceKeystone runs only when GLANCE_KEYSTONE_URL names a Keystone v3 (e.g.
the tempest harness's, started with
`TEMPEST_HARNESS_STATE=... IMAGE_SERVICE=glance KEYSTONE_PORT=... \
MEMCACHED_PORT=... ../shared/tempest-harness/setup.sh && .../start.sh keystone`,
which creates the service user glance/glancepass in project service):
GLANCE_KEYSTONE_ADMIN_PASSWORD (adminpass), GLANCE_SERVICE_PASSWORD
(glancepass), GLANCE_MEMCACHED (host:port, optional)."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glance  # noqa: E402

QEMU_IMG = shutil.which("qemu-img")
HEADERS = ("Content-Type", "Content-Length", "Content-MD5", "Location",
           "OpenStack-image-import-methods", "OpenStack-image-store-ids",
           "x-openstack-request-id", "Transfer-Encoding")
RECORD = []


def record(what, method, path, status, hdrs, body, request=None):
    shown = body
    if isinstance(body, bytes):
        shown = ("<%d bytes>" % len(body)) if len(body) > 2000 or \
            not body.isascii() else body.decode()
    RECORD.append({"what": what, "request": "%s %s" % (method, path),
                   "request_body": request, "status": status,
                   "headers": {k: hdrs[k] for k in HEADERS if hdrs.get(k)},
                   "body": shown})


@unittest.skipUnless(glance.available() and QEMU_IMG,
                     "python3-glance and qemu-img are needed")
class GlanceSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="glance-smoke-")
        cls.qcow2 = os.path.join(cls.tmp, "disk.qcow2")
        subprocess.check_call([QEMU_IMG, "create", "-q", "-f", "qcow2",
                               cls.qcow2, "64M"])
        cls.g = glance.Glance()
        print("\nglance-api: db_sync %.2fs, started (GET /versions answers) "
              "in %.2fs, pid %d, %s" % (cls.g.db_sync_seconds,
                                        cls.g.start_seconds, cls.g.proc.pid,
                                        cls.g.url), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.g.stop()
        assert cls.g.proc.poll() is not None
        assert not os.path.exists(cls.g.dir)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        out = os.environ.get("GLANCE_SMOKE_RECORD")
        if out:
            with open(out, "w") as f:
                json.dump(RECORD, f, indent=1)

    def call(self, what, path, method="GET", body=None, raw=None, **kw):
        status, hdrs, answer = self.g.call(path, method, body=body, raw=raw,
                                           **kw)
        record(what, method, path, status, hdrs, answer,
               body if raw is None else "<%d bytes>" % len(raw))
        return status, hdrs, answer

    def new_image(self, what, **extra):
        fields = {"name": "cirros-" + what, "disk_format": "qcow2",
                  "container_format": "bare", "min_ram": 512, "min_disk": 1,
                  "visibility": "public", "hw_disk_bus": "virtio"}
        fields.update(extra)
        status, hdrs, image = self.call("create (" + what + ")", "/v2/images",
                                        "POST", fields)
        self.assertEqual(status, 201, image)
        return image, hdrs

    def upload(self, image_id, what="upload"):
        with open(self.qcow2, "rb") as f:
            data = f.read()
        status, _, body = self.call(what, "/v2/images/%s/file" % image_id,
                                    "PUT", raw=data)
        self.assertEqual(status, 204, body)
        return data

    def test_versions(self):
        status, _, body = self.call("versions", "/versions")
        self.assertEqual(status, 200)
        self.assertIn("v2.0", [v["id"] for v in body["versions"]])
        status, _, body = self.call("versions at /", "/")
        self.assertEqual(status, 300)

    def test_create_upload_show_download_list_delete(self):
        image, hdrs = self.new_image("life")
        iid = image["id"]
        self.assertEqual(hdrs["Location"].rsplit("/", 1)[-1], iid)
        self.assertEqual(image["status"], "queued")
        for k in ("size", "checksum", "os_hash_algo", "os_hash_value",
                  "virtual_size"):
            self.assertIsNone(image[k], k)
        self.assertEqual((image["min_ram"], image["min_disk"]), (512, 1))
        self.assertEqual(image["hw_disk_bus"], "virtio")  # a property: top level
        self.assertEqual(image["file"], "/v2/images/%s/file" % iid)

        status, _, body = self.call("show (queued)", "/v2/images/" + iid)
        self.assertEqual((status, body["status"]), (200, "queued"))
        status, _, body = self.call("download (queued)",
                                    "/v2/images/%s/file" % iid)
        self.assertEqual(status, 204)
        self.assertIsNone(body)

        data = self.upload(iid)
        md5, sha512, size = glance.file_hashes(self.qcow2)
        status, _, body = self.call("show (active)", "/v2/images/" + iid)
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "active")
        self.assertEqual(body["size"], size)
        self.assertEqual(body["checksum"], md5)
        self.assertEqual(body["os_hash_algo"], "sha512")
        self.assertEqual(body["os_hash_value"], sha512)

        status, hdrs, got = self.call("download (active)",
                                      "/v2/images/%s/file" % iid)
        self.assertEqual(status, 200)
        self.assertEqual(got, data)
        self.assertEqual(hdrs["Content-Type"], "application/octet-stream")
        self.assertEqual(hdrs["Content-MD5"], md5)
        self.assertEqual(int(hdrs["Content-Length"]), size)

        status, _, _ = self.call("upload again (active)",
                                 "/v2/images/%s/file" % iid, "PUT", raw=data)
        self.assertEqual(status, 409)

        status, _, body = self.call("list", "/v2/images")
        self.assertEqual(status, 200)
        self.assertIn(iid, [i["id"] for i in body["images"]])
        status, _, body = self.call("list by name",
                                    "/v2/images?name=cirros-life")
        self.assertEqual([i["id"] for i in body["images"]], [iid])
        status, _, body = self.call("list, a page of 1",
                                    "/v2/images?limit=1&sort_key=name&sort_dir=asc")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["images"]), 1)
        self.assertIn("next", body)

        status, _, body = self.call("deactivate",
                                    "/v2/images/%s/actions/deactivate" % iid,
                                    "POST")
        self.assertEqual(status, 204)
        status, _, body = self.call("show (deactivated)", "/v2/images/" + iid)
        self.assertEqual(body["status"], "deactivated")
        status, _, body = self.call("download (deactivated, admin)",
                                    "/v2/images/%s/file" % iid)
        self.record_status = status
        status, _, _ = self.call("reactivate",
                                 "/v2/images/%s/actions/reactivate" % iid,
                                 "POST")
        self.assertEqual(status, 204)

        status, _, body = self.call("delete", "/v2/images/" + iid, "DELETE")
        self.assertEqual(status, 204)
        status, _, body = self.call("show (deleted)", "/v2/images/" + iid)
        self.assertEqual(status, 404)
        status, _, body = self.call("download (deleted)",
                                    "/v2/images/%s/file" % iid)
        self.assertEqual(status, 404)
        self.assertFalse(os.path.exists(self.g.stored_file(iid)))
        status, _, body = self.call("list (deleted not shown)", "/v2/images")
        self.assertNotIn(iid, [i["id"] for i in body["images"]])
        # an id is never reused
        status, _, body = self.call("create with a deleted id", "/v2/images",
                                    "POST", {"id": iid, "name": "again",
                                             "disk_format": "qcow2",
                                             "container_format": "bare"})
        self.assertEqual(status, 409)

    def test_errors(self):
        status, _, body = self.call("show (no such id)",
                                    "/v2/images/00000000-0000-0000-0000-000000000000")
        self.assertEqual(status, 404)
        status, _, body = self.call("show (not a uuid)", "/v2/images/cirros")
        self.assertEqual(status, 404)
        status, _, body = self.call("create (bad disk_format)", "/v2/images",
                                    "POST", {"name": "x", "disk_format": "exe",
                                             "container_format": "bare"})
        self.assertEqual(status, 400)
        status, _, body = self.call("create (min_ram a string)", "/v2/images",
                                    "POST", {"name": "x", "min_ram": "lots"})
        self.assertEqual(status, 400)
        status, _, body = self.call("create (given id)", "/v2/images", "POST",
                                    {"id": "11111111-2222-3333-4444-555555555555",
                                     "name": "fixed id", "disk_format": "raw",
                                     "container_format": "bare"})
        self.assertEqual(status, 201)
        self.assertEqual(body["id"], "11111111-2222-3333-4444-555555555555")

    def test_snapshot_shaped_image(self):
        """What Nova's snapshot creates: a queued image with the instance's
        properties, then its upload."""
        image, _ = self.new_image(
            "snap", visibility="private", image_type="snapshot",
            instance_uuid="6f0d3a1e-1111-4f8e-9d2a-0a0b0c0d0e0f",
            base_image_ref="11111111-2222-3333-4444-555555555555",
            user_id="user-a", owner_project_name="project-a")
        self.assertEqual(image["image_type"], "snapshot")
        self.upload(image["id"], "upload (snapshot)")
        status, _, body = self.call("patch (add property)",
                                    "/v2/images/" + image["id"], "PATCH",
                                    raw=json.dumps([{"op": "add",
                                                     "path": "/os_distro",
                                                     "value": "cirros"}]).encode(),
                                    content_type="application/openstack-images-v2.1-json-patch")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["os_distro"], "cirros")

    def test_corrupted_stored_file(self):
        """The file store's copy overwritten after the upload: Glance serves
        the new bytes with the record's (original) checksum and hash, and
        its Content-MD5 header is the record's, not the bytes'."""
        image, _ = self.new_image("corrupt")
        iid = image["id"]
        self.upload(iid)
        md5, sha512, size = glance.file_hashes(self.qcow2)
        bad = self.g.corrupt(iid)
        status, hdrs, got = self.call("download (corrupted, same size)",
                                      "/v2/images/%s/file" % iid)
        self.assertEqual(status, 200)
        self.assertEqual(got, bad)
        self.assertNotEqual(hashlib.md5(got).hexdigest(), md5)
        self.assertEqual(hdrs["Content-MD5"], md5)
        status, _, body = self.call("show (corrupted)", "/v2/images/" + iid)
        self.assertEqual((body["status"], body["checksum"],
                          body["os_hash_value"], body["size"]),
                         ("active", md5, sha512, size))

        # shorter than the record's size: the stream is what the store has
        # (Content-Length is the record's size, the body ends early)
        self.g.corrupt(iid, b"truncated")
        req = urllib.request.Request(self.g.url + "/v2/images/%s/file" % iid)
        got = b""
        err = None
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                length = int(r.headers["Content-Length"])
                got = r.read()
        except Exception as e:  # IncompleteRead: the body ended early
            err = e
            got = getattr(e, "partial", b"")
        RECORD.append({"what": "download (store file truncated)",
                       "request": "GET /v2/images/%s/file" % iid,
                       "result": "error %r, %d bytes" % (err, len(got))
                       if err else "Content-Length %d, %d bytes read"
                       % (length, len(got))})
        self.assertNotEqual(len(got), size)

        # the stored file gone: Glance Zed answers 204 No Content (as for a
        # queued image), not an error; the record stays active
        os.unlink(self.g.stored_file(iid))
        status, _, body = self.call("download (store file missing)",
                                    "/v2/images/%s/file" % iid)
        self.assertEqual(status, 204)
        status, _, body = self.call("show (store file missing)",
                                    "/v2/images/" + iid)
        self.assertEqual(body["status"], "active")

    def test_error_body_as_json(self):
        """Errors are text/plain unless the client asks for JSON."""
        status, hdrs, body = self.call(
            "show (no such id, Accept: application/json)",
            "/v2/images/00000000-0000-0000-0000-000000000000",
            headers={"Accept": "application/json"})
        self.assertEqual(status, 404)


KEYSTONE = os.environ.get("GLANCE_KEYSTONE_URL")


def ks_call(path, body=None, token=None, method=None):
    req = urllib.request.Request(
        KEYSTONE + path, method=method,
        data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def ks_token(user, password, project):
    status, hdrs, body = ks_call("/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"},
            "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
    assert status == 201, (status, body)
    return hdrs["X-Subject-Token"], body["token"]["project"]["id"]


@unittest.skipUnless(KEYSTONE and glance.available() and QEMU_IMG,
                     "GLANCE_KEYSTONE_URL, python3-glance, qemu-img")
class GlanceKeystone(unittest.TestCase):
    """[paste_deploy] flavor = keystone: the user's token decides."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="glance-ks-")
        cls.qcow2 = os.path.join(cls.tmp, "disk.qcow2")
        subprocess.check_call([QEMU_IMG, "create", "-q", "-f", "qcow2",
                               cls.qcow2, "64M"])
        cls.admin, _ = ks_token(
            "admin", os.environ.get("GLANCE_KEYSTONE_ADMIN_PASSWORD",
                                    "adminpass"), "admin")
        # a member in a project of its own
        status, _, body = ks_call("/projects", {"project": {
            "name": "glance-smoke", "domain_id": "default"}}, cls.admin)
        pid = body["project"]["id"] if status == 201 else ks_call(
            "/projects?name=glance-smoke", token=cls.admin)[2]["projects"][0]["id"]
        status, _, body = ks_call("/users", {"user": {
            "name": "glance-smoke", "password": "smokepass",
            "domain_id": "default"}}, cls.admin)
        uid = body["user"]["id"] if status == 201 else ks_call(
            "/users?name=glance-smoke", token=cls.admin)[2]["users"][0]["id"]
        rid = ks_call("/roles?name=member", token=cls.admin)[2]["roles"][0]["id"]
        ks_call("/projects/%s/users/%s/roles/%s" % (pid, uid, rid), None,
                cls.admin, "PUT")
        cls.member, cls.member_project = ks_token("glance-smoke", "smokepass",
                                                  "glance-smoke")
        cls.g = glance.Glance(
            auth="keystone", keystone_url=KEYSTONE,
            service_user=("glance", os.environ.get("GLANCE_SERVICE_PASSWORD",
                                                   "glancepass"), "service"),
            memcached=os.environ.get("GLANCE_MEMCACHED"))
        print("\nglance-api (keystone): started in %.2fs" % cls.g.start_seconds,
              file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.g.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def call(self, what, path, method="GET", body=None, token=None):
        status, hdrs, answer = self.g.call(path, method, body=body, token=token)
        record("keystone: " + what, method, path, status, hdrs, answer, body)
        return status, answer

    def test_tokens_and_visibility(self):
        self.assertEqual(self.call("no token", "/v2/images")[0], 401)
        self.assertEqual(self.call("bad token", "/v2/images",
                                   token="nope")[0], 401)
        mine = self.g.create_image(self.qcow2, token=self.member, name="mine",
                                   disk_format="qcow2",
                                   container_format="bare", min_ram=64)
        self.assertEqual((mine["status"], mine["owner"], mine["visibility"]),
                         ("active", self.member_project, "shared"))
        self.assertEqual(self.call("member creates a public image",
                                   "/v2/images", "POST",
                                   {"name": "p", "visibility": "public",
                                    "disk_format": "raw",
                                    "container_format": "bare"},
                                   token=self.member)[0], 403)
        priv = self.g.create_image(self.qcow2, token=self.admin,
                                   name="admin-private", disk_format="qcow2",
                                   container_format="bare",
                                   visibility="private")
        pub = self.g.create_image(self.qcow2, token=self.admin,
                                  name="admin-public", disk_format="qcow2",
                                  container_format="bare", visibility="public")
        status, body = self.call("member lists", "/v2/images",
                                 token=self.member)
        names = {i["name"] for i in body["images"]}
        self.assertIn("mine", names)
        self.assertIn("admin-public", names)
        self.assertNotIn("admin-private", names)
        self.assertEqual(self.call("member shows another's private image",
                                   "/v2/images/" + priv["id"],
                                   token=self.member)[0], 404)
        self.assertEqual(self.call("member downloads another's private image",
                                   "/v2/images/%s/file" % priv["id"],
                                   token=self.member)[0], 404)
        self.assertEqual(self.call("member downloads a public image",
                                   "/v2/images/%s/file" % pub["id"],
                                   token=self.member)[0], 200)
        self.call("admin deactivates", "/v2/images/%s/actions/deactivate"
                  % pub["id"], "POST", token=self.admin)
        self.assertEqual(self.call("member downloads a deactivated image",
                                   "/v2/images/%s/file" % pub["id"],
                                   token=self.member)[0], 403)
        self.assertEqual(self.call("member deletes admin's image",
                                   "/v2/images/" + pub["id"], "DELETE",
                                   token=self.member)[0], 403)


if __name__ == "__main__":
    unittest.main()
