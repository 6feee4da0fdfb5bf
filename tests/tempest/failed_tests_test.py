#!/usr/bin/python3
"""failed_tests.py on a subunit stream written here as Tempest writes one:
ids longer than the harness's 150-character file names, setUpClass errors,
and the statuses the harness counts as passed or skipped."""
import io
import os
import sys
import unittest

import subunit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import failed_tests  # noqa: E402

LONG = ("tempest.api.compute.admin.test_instance_usage_audit_log_negative."
        "InstanceUsageAuditLogNegativeTestJSON."
        "test_get_instance_usage_audit_logs_with_invalid_time")


def stream(*tests):
    buf = io.BytesIO()
    out = subunit.StreamResultToBytes(buf)
    for tid, status in tests:
        out.status(test_id=tid, test_status="inprogress")
        if status != "inprogress":
            out.status(test_id=tid, test_status=status)
    buf.seek(0)
    return buf


class FailedIds(unittest.TestCase):
    def test_full_ids_of_what_failed(self):
        self.assertGreater(len(LONG), 150)
        ids = failed_tests.failed_ids(stream(
            (LONG + "[id-1,negative]", "fail"),
            ("tempest.a.test_b.C.test_ok[id-2]", "success"),
            ("tempest.a.test_b.C.test_skip", "skip"),
            ("tempest.a.test_b.C.test_xfail", "xfail"),
            ("tempest.a.test_b.C.test_ux", "uxsuccess"),
            ("tempest.a.test_b.C.test_hung", "inprogress"),
            ("setUpClass (tempest.a.test_d.E)", "fail"),
            ("tearDownClass (tempest.a.test_d.E)", "fail")))
        # Unfinished tests come last: the order is not part of it.
        self.assertCountEqual(ids, [LONG, "tempest.a.test_b.C.test_ux",
                                    "tempest.a.test_b.C.test_hung",
                                    "tempest.a.test_d.E"])

    def test_nothing_failed(self):
        self.assertEqual(failed_tests.failed_ids(stream(
            ("tempest.a.test_b.C.test_ok", "success"))), [])


if __name__ == "__main__":
    unittest.main()
