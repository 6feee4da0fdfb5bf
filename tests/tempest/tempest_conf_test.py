#!/usr/bin/python3
"""tempest_conf.py: the version document's range, its refusals, the file it
writes, and the range of a real vmforged (the document it parses is the
one make tempest reads).  tempest_conf_test.py VMFORGED"""
import configparser
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import tempest_conf  # noqa: E402
from daemon import Daemon  # noqa: E402

VMFORGED = None


def doc(**v21):
    entry = {"id": "v2.1", "status": "CURRENT", "min_version": "2.1",
             "version": "2.37"}
    entry.update(v21)
    return {"versions": [{"id": "v2.0", "min_version": "",
                          "version": ""}, entry]}


class VersionRange(unittest.TestCase):
    def test_reads_the_v21_entry(self):
        self.assertEqual(tempest_conf.version_range(doc()), ("2.1", "2.37"))
        self.assertEqual(tempest_conf.version_range(doc(version="2.100")),
                         ("2.1", "2.100"))

    def test_refuses_what_is_not_a_range(self):
        for bad in ({}, {"versions": {}}, {"versions": [{"id": "v2.0"}]},
                    doc(version=""), doc(version="2.037"),
                    doc(min_version=None), doc(version="3.1"),
                    doc(min_version="2.40", version="2.37"), []):
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    tempest_conf.version_range(bad)

    def test_render_appends_the_range_after_the_static_part(self):
        text = tempest_conf.render("[compute-feature-enabled]\nshelve = true",
                                   "2.1", "2.100")
        self.assertTrue(text.startswith("[compute-feature-enabled]\n"
                                        "shelve = true\n"))
        # The harness's own [compute] comes first in tempest.conf, so ours
        # must be a complete, last [compute] section.
        cp = configparser.ConfigParser(strict=False)
        cp.read_string("[compute]\nmax_microversion = 2.1\n" + text)
        self.assertEqual(cp["compute"]["min_microversion"], "2.1")
        self.assertEqual(cp["compute"]["max_microversion"], "2.100")
        self.assertEqual(cp["compute-feature-enabled"]["shelve"], "true")


class AgainstVmforged(unittest.TestCase):
    def test_main_writes_the_daemons_range(self):
        with Daemon(VMFORGED) as d, tempfile.TemporaryDirectory() as tmp:
            static = os.path.join(tmp, "static.conf")
            out = os.path.join(tmp, "extra.conf")
            with open(static, "w") as f:
                f.write("[compute-feature-enabled]\nsnapshot = true\n")
            url = f"http://127.0.0.1:{d.port}"
            self.assertEqual(tempest_conf.main(["x", url, static, out]), 0)
            lo, hi = tempest_conf.version_range(
                tempest_conf.fetch_document(url))
            with open(out) as f:
                text = f.read()
            self.assertIn(f"min_microversion = {lo}\n", text)
            self.assertIn(f"max_microversion = {hi}\n", text)
            self.assertEqual(lo, "2.1")
            self.assertGreaterEqual(int(hi.split(".")[1]), 37)

    def test_main_fails_on_no_daemon(self):
        with Daemon(VMFORGED) as d:
            port = d.port
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "extra.conf")
            self.assertEqual(tempest_conf.main(
                ["x", f"http://127.0.0.1:{port}", os.devnull, out]), 2)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    VMFORGED = sys.argv.pop(1)
    unittest.main()
