#!/usr/bin/python3
"""The EXTRA_CONF that scripts/tempest hands the harness: the static part
(tests/tempest/extra.conf) followed by `[compute] min_microversion` and
`max_microversion` read from vmforged's version document (GET /), so that
Tempest runs every microversion test vmforged serves and no other. The
harness's tempest.conf has its own values before EXTRA_CONF; oslo.config
takes the last one of a file.

  tempest_conf.py URL STATIC OUT   (exit 2 when the document is unusable)
"""
import json
import re
import sys
import urllib.request

_VERSION = re.compile(r"^2\.(0|[1-9][0-9]*)$")


def version_range(document):
    """(min_version, version) of the v2.1 entry of a version document."""
    versions = document.get("versions") if isinstance(document, dict) else None
    if not isinstance(versions, list):
        raise ValueError("no 'versions' list in the version document")
    for v in versions:
        if isinstance(v, dict) and v.get("id") == "v2.1":
            lo, hi = v.get("min_version"), v.get("version")
            for name, value in (("min_version", lo), ("version", hi)):
                if not isinstance(value, str) or not _VERSION.match(value):
                    raise ValueError(f"v2.1 {name} {value!r} is not 2.N")
            if int(lo.split(".")[1]) > int(hi.split(".")[1]):
                raise ValueError(f"v2.1 min_version {lo} > version {hi}")
            return lo, hi
    raise ValueError("no v2.1 entry in the version document")


def render(static_text, lo, hi):
    """The static part, then the discovered range."""
    head = static_text if static_text.endswith("\n") else static_text + "\n"
    return (f"{head}\n# Discovered by tests/tempest/tempest_conf.py from "
            f"vmforged's GET /.\n[compute]\nmin_microversion = {lo}\n"
            f"max_microversion = {hi}\n")


def fetch_document(url, timeout=10):
    with urllib.request.urlopen(url.rstrip("/") + "/", timeout=timeout) as r:
        return json.load(r)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    url, static, out = argv[1:]
    try:
        lo, hi = version_range(fetch_document(url))
    except (OSError, ValueError) as e:
        print(f"tempest_conf: {url}/: {e}", file=sys.stderr)
        return 2
    with open(static, encoding="utf-8") as f:
        text = render(f.read(), lo, hi)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"microversions from vmforged: {lo} .. {hi}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
