#!/usr/bin/python3
"""Images against a real vmforged with the embedded catalog: a create's
image checks (Nova's _validate_flavor_image and vmforge's own, with Nova's
statuses and messages), the image proxy (/v2.1/images, until 2.35) and the
Glance-v2-shaped endpoint (/versions, /v2/images) on the API's own port."""
import os
import shutil
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

from daemon import Daemon, call

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "build/bin/vmforged"
CIRROS = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"
BIG_RAM = "11111111-1111-4111-8111-111111111111"
BIG_DISK = "22222222-2222-4222-8222-222222222222"
VMDK = "33333333-3333-4333-8333-333333333333"
QUEUED = "44444444-4444-4444-8444-444444444444"
BLANK = "55555555-5555-4555-8555-555555555555"
MISSING = "99999999-9999-4999-8999-999999999999"
MEMBER = "user-a:project-a"
ADMIN = "admin:project-a"

CONF = """
[image:%(cirros)s]
name = cirros-0.6.2-x86_64-disk
file = images/cirros.qcow2
[image:%(big_ram)s]
name = needs-ram
file = images/cirros.qcow2
min_ram = 100000
[image:%(big_disk)s]
name = needs-disk
file = images/cirros.qcow2
min_disk = 100
[image:%(vmdk)s]
name = a-vmdk
file = images/disk.vmdk
disk_format = vmdk
[image:%(queued)s]
name = no-data
file = images/missing.iso
disk_format = iso
[image:%(blank)s]
name = made-blank
file = images/blank.qcow2
""" % {"cirros": CIRROS, "big_ram": BIG_RAM, "big_disk": BIG_DISK,
       "vmdk": VMDK, "queued": QUEUED, "blank": BLANK}


def raw_get(url, token=MEMBER, headers=None):
    """GET answering (status, content type, body text): Glance's errors are
    plain text."""
    req = urllib.request.Request(url)
    if token:
        req.add_header("X-Auth-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


class ImagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="vmforge-images-")
        os.makedirs(os.path.join(cls.work, "images"))
        for name in ("cirros.qcow2", "disk.vmdk"):
            with open(os.path.join(cls.work, "images", name), "wb") as f:
                f.write(b"QFI\xfb a small image")
        conf = os.path.join(cls.work, "vmforge.conf")
        with open(conf, "w") as f:
            f.write(CONF)
        cls.d = Daemon(BINARY, "--config", conf, "--hosts", "2",
                       workdir=cls.work)
        cls.v = cls.d.url + "/v2.1"

    @classmethod
    def tearDownClass(cls):
        status = cls.d.stop()
        shutil.rmtree(cls.work, ignore_errors=True)
        assert status == 0

    def create(self, image, flavor="1", token=MEMBER):
        return call(self.v + "/servers", "POST", {"server": {
            "name": "vm", "imageRef": image, "flavorRef": flavor}},
            token=token)

    def assertRefused(self, result, code, message):
        status, _, body = result
        self.assertEqual(status, code, body)
        fault = list(body.values())[0]
        self.assertEqual(fault["code"], code)
        self.assertEqual(fault["message"], message)

    # -- creates ---------------------------------------------------------

    def test_a_good_image_is_accepted(self):
        status, _, body = self.create(CIRROS)
        self.assertEqual(status, 202, body)

    def test_an_image_the_service_does_not_have_is_nova_s_400(self):
        self.assertRefused(self.create(MISSING), 400,
                           "Can not find requested image")

    def test_an_image_without_data_is_not_active(self):
        self.assertRefused(self.create(QUEUED), 400,
                           "Image %s is not active." % QUEUED)

    def test_min_ram_and_min_disk_against_the_flavor(self):
        self.assertRefused(self.create(BIG_RAM), 400,
                           "Flavor's memory is too small for requested image.")
        self.assertRefused(
            self.create(BIG_DISK), 400,
            "Flavor's disk is smaller than the minimum size specified in "
            "image metadata. Flavor disk is 1073741824 bytes, minimum size "
            "is 107374182400 bytes.")
        # m1.large has the memory, not the disk; m1.xlarge both.
        self.assertRefused(
            self.create(BIG_DISK, flavor="4"), 400,
            "Flavor's disk is smaller than the minimum size specified in "
            "image metadata. Flavor disk is 85899345920 bytes, minimum size "
            "is 107374182400 bytes.")
        self.assertEqual(self.create(BIG_DISK, flavor="5")[0], 202)

    def test_a_disk_format_the_driver_cannot_boot_is_unacceptable(self):
        self.assertRefused(
            self.create(VMDK), 400,
            "Image %s is unacceptable: disk_format vmdk cannot be booted: "
            "vmforge boots qcow2, raw and ami images" % VMDK)

    def test_a_missing_qcow2_file_is_made_a_blank_disk(self):
        self.assertTrue(os.path.exists(
            os.path.join(self.work, "images", "blank.qcow2")))
        self.assertEqual(self.create(BLANK)[0], 202)
        _, _, body = call(self.v + "/images/" + BLANK)
        self.assertEqual(body["image"]["status"], "ACTIVE")
        self.assertGreater(body["image"]["OS-EXT-IMG-SIZE:size"], 0)

    def test_a_zero_disk_flavor_is_for_admins(self):
        status, _, body = call(self.v + "/flavors", "POST", {"flavor": {
            "name": "zero", "ram": 512, "vcpus": 1, "disk": 0,
            "id": "zero"}}, token=ADMIN)
        self.assertEqual(status, 200, body)
        self.assertRefused(
            self.create(CIRROS, flavor="zero"), 403,
            "Only volume-backed servers are allowed for flavors with zero "
            "disk.")
        self.assertEqual(self.create(CIRROS, flavor="zero", token=ADMIN)[0],
                         202)

    # -- the proxy --------------------------------------------------------

    def test_the_proxy_lists_as_glance_orders_and_nova_shows(self):
        status, _, body = call(self.v + "/images")
        self.assertEqual(status, 200, body)
        ids = [i["id"] for i in body["images"]]
        # Glance's order: created_at, then id, descending.
        self.assertEqual(ids, [CIRROS, BLANK, QUEUED, VMDK, BIG_DISK,
                               BIG_RAM])
        self.assertEqual(set(body["images"][0]), {"id", "name", "links"})
        _, _, body = call(self.v + "/images/detail")
        by_id = {i["id"]: i for i in body["images"]}
        self.assertEqual(by_id[CIRROS]["status"], "ACTIVE")
        self.assertEqual(by_id[CIRROS]["progress"], 100)
        self.assertEqual(by_id[CIRROS]["OS-EXT-IMG-SIZE:size"], 18)
        self.assertEqual(by_id[QUEUED]["status"], "SAVING")
        self.assertEqual(by_id[QUEUED]["progress"], 25)
        self.assertEqual(by_id[BIG_RAM]["minRam"], 100000)
        self.assertEqual(by_id[BIG_DISK]["minDisk"], 100)
        self.assertEqual(by_id[CIRROS]["metadata"], {})

    def test_the_proxy_filters_and_pages(self):
        _, _, body = call(self.v + "/images?name=needs-ram")
        self.assertEqual([i["id"] for i in body["images"]], [BIG_RAM])
        _, _, body = call(self.v + "/images/detail?status=SAVING")
        self.assertEqual(body["images"], [])  # Nova passes "saving" on
        _, _, body = call(self.v + "/images/detail?status=QUEUED")
        self.assertEqual([i["id"] for i in body["images"]], [QUEUED])
        _, _, body = call(self.v + "/images?minRam=100000")
        self.assertEqual([i["id"] for i in body["images"]], [BIG_RAM])
        _, _, body = call(self.v + "/images?limit=2")
        self.assertEqual(len(body["images"]), 2)
        self.assertEqual(body["images_links"][0]["rel"], "next")
        self.assertIn("marker=" + BLANK, body["images_links"][0]["href"])
        _, _, body = call(self.v + "/images?limit=2&marker=" + BLANK)
        self.assertEqual([i["id"] for i in body["images"]],
                         [QUEUED, VMDK])
        self.assertRefused(call(self.v + "/images?marker=nope"), 400,
                           "marker [nope] not found")

    def test_the_proxy_shows_one_and_404s_a_missing_one(self):
        status, _, body = call(self.v + "/images/" + CIRROS)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["image"]["name"], "cirros-0.6.2-x86_64-disk")
        self.assertEqual(body["image"]["links"][2]["href"],
                         self.d.url + "/images/" + CIRROS)
        self.assertRefused(call(self.v + "/images/" + MISSING), 404,
                           "Image not found.")
        # A configured image is not the API's to delete.
        self.assertRefused(call(self.v + "/images/" + CIRROS, "DELETE"), 403,
                           "You are not allowed to delete the image.")
        self.assertRefused(call(self.v + "/images/" + MISSING, "DELETE"), 404,
                           "Image not found.")
        # A blank id names nothing (Tempest's test_delete_image_blank_id).
        self.assertRefused(call(self.v + "/images/", "DELETE"), 404,
                           "The resource could not be found.")

    def test_the_proxy_is_gone_from_2_36(self):
        v235 = {"OpenStack-API-Version": "compute 2.35"}
        v236 = {"OpenStack-API-Version": "compute 2.36"}
        self.assertEqual(call(self.v + "/images", headers=v235)[0], 200)
        for path in ("/images", "/images/detail", "/images/" + CIRROS):
            self.assertRefused(call(self.v + path, headers=v236), 404,
                               "The resource could not be found.")

    # -- the Glance-shaped endpoint ----------------------------------------

    def test_glance_versions_need_no_token(self):
        for path in ("/versions", "/v2", "/v2/"):
            status, _, body = call(self.d.url + path, token=None)
            self.assertEqual(status, 200, path)
            self.assertEqual(body["versions"][0]["links"][0]["href"],
                             self.d.url + "/v2/")

    def test_glance_images_by_name_and_id(self):
        status, _, body = call(self.d.url + "/v2/images?name="
                               "cirros-0.6.2-x86_64-disk")
        self.assertEqual(status, 200, body)
        self.assertEqual([i["id"] for i in body["images"]], [CIRROS])
        self.assertEqual(body["first"],
                         "/v2/images?name=cirros-0.6.2-x86_64-disk")
        self.assertEqual(body["schema"], "/v2/schemas/images")
        img = body["images"][0]
        self.assertEqual(img["disk_format"], "qcow2")
        self.assertEqual(img["container_format"], "bare")
        self.assertEqual(img["status"], "active")
        self.assertEqual(img["visibility"], "public")
        self.assertEqual(len(img["os_hash_value"]), 128)
        status, _, body = call(self.d.url + "/v2/images/" + CIRROS)
        self.assertEqual(status, 200)
        self.assertEqual(body["name"], "cirros-0.6.2-x86_64-disk")
        self.assertEqual(body["self"], "/v2/images/" + CIRROS)
        status, _, body = call(self.d.url + "/v2/images/" + QUEUED)
        self.assertEqual(body["status"], "queued")
        self.assertIsNone(body["size"])
        _, _, body = call(self.d.url + "/v2/images?limit=1")
        self.assertEqual(len(body["images"]), 1)
        self.assertEqual(body["next"], "/v2/images?limit=1&marker=" + CIRROS)

    def test_glance_errors_are_glance_s(self):
        status, ctype, text = raw_get(self.d.url + "/v2/images/cirros")
        self.assertEqual(status, 404)
        self.assertTrue(ctype.startswith("text/plain"))
        self.assertEqual(text.split("\n\n")[:2],
                         ["404 Not Found", "No image found with ID cirros"])
        status, ctype, text = raw_get(self.d.url + "/v2/images/cirros",
                                      headers={"Accept": "application/json"})
        self.assertEqual(status, 404)
        self.assertIn('"title":"Not Found"', text)
        status, _, _ = raw_get(self.d.url + "/v2/images", token=None)
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
