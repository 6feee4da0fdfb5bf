#!/usr/bin/python3
"""The failed tests of a harness run, one id a line, read from its
results.subunit: the harness's failures/*.txt names keep only the last 150
characters of an id, too few to match the known limitations or to rerun.
Failed as the harness counts it: fail, unexpected success, never finished;
a setUpClass/tearDownClass error names its class.

  failed_tests.py RESULTS.subunit
"""
import re
import sys

import subunit
import testtools

FAILED = {"fail", "uxsuccess", "inprogress"}
_FIXTURE = re.compile(r"^(?:setUpClass|tearDownClass) \((tempest\.[^)]*)\)$")


def failed_ids(stream):
    """Ids (without Tempest's [attr] suffix) of the failed tests, in order."""
    tests = []
    result = testtools.StreamToDict(tests.append)
    result.startTestRun()
    subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout").run(
        result)
    result.stopTestRun()
    out = []
    for t in tests:
        if t["status"] not in FAILED:
            continue
        tid = t["id"].split("[", 1)[0]
        m = _FIXTURE.match(tid)
        tid = m.group(1) if m else tid
        if tid not in out:
            out.append(tid)
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        for tid in failed_ids(f):
            print(tid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
