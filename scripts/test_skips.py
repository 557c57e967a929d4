#!/usr/bin/env python3
# test_skips.py JUNIT_XML... - what did not run, and why.
#
# `make check` has ctest write a JUnit report per build (--output-junit)
# and ends with this list: a test that exits 77 (SKIP_RETURN_CODE) is
# reported by ctest as skipped, not passed, and says why in its output,
# one line starting "SKIP:" (unit tests, tests/unit/test_skip.h) or
# "skipped:" (shell tests).  A skipped test without such a line is listed
# with its last line of output.  Prints "skipped: N tests" and one line
# per test, "  BUILD/NAME: REASON"; exits 0 (listing is not judging).
import os
import re
import sys
import xml.etree.ElementTree as ET

REASON = re.compile(r"^\s*(?:SKIP|skipped)\s*:\s*(.+?)\s*$", re.IGNORECASE)


def reasons(out, message):
    lines = [l for l in (out or "").splitlines() if l.strip()]
    found = []
    for line in lines:
        m = REASON.match(line)
        if m and m.group(1) not in found:
            found.append(m.group(1))
    if found:
        return "; ".join(found)
    if lines:
        return "no reason given; last output: " + lines[-1].strip()
    return "no reason given (" + (message or "exit 77") + ")"


def main(paths):
    skipped = []
    for path in paths:
        build = os.path.basename(os.path.dirname(os.path.abspath(path)))
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            print(f"test_skips: {path}: {e}", file=sys.stderr)
            continue
        for case in root.iter("testcase"):
            skip = case.find("skipped")
            if skip is None and case.get("status") != "notrun":
                continue
            out = case.findtext("system-out")
            msg = skip.get("message") if skip is not None else None
            skipped.append((build, case.get("name"), reasons(out, msg)))
    print(f"skipped: {len(skipped)} test{'' if len(skipped) == 1 else 's'}")
    for build, name, why in skipped:
        print(f"  {build}/{name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
