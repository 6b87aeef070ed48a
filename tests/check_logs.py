#!/usr/bin/env python3
"""Fails when a log of the test run holds a personal value a test sent.

    check_logs.py REQUEST_LOG LOG[@OFFSET]...

REQUEST_LOG holds the bodies of the requests the api tests sent
(tests/api/http_client.c, record_request()). From each JSON body it takes
the values of the members that carry personal data: names, address lines,
contact details, free-text notes, reasons, reports and comments, and
incomes. Each LOG is a file or a folder of files (the servers' logs of the
run, PostgreSQL's); with @OFFSET only the bytes from OFFSET on are read (a
cluster's log that earlier runs wrote to). A value found in a log is a
leak: the script prints the member, the request that sent it, the log and
the line, and exits 1. Values too short or too common to mean anything
(under 8 characters, enum-like words, numbers under 6 digits) are left out,
so that a hit is a real one.

Standard library only: CI runs it with Debian's /usr/bin/python3.
"""
import json
import os
import re
import sys

# Members whose string values (and everything below them) are personal.
PERSONAL = {
    "line", "address_line", "holder_name", "landlord_name", "contact", "phone", "email",
    "vulnerability_notes", "note", "notes", "reason", "reasons", "inadmissible_reason",
    "summary", "text", "comment", "report", "agent", "subject", "outcome",
}
# Members personal only under one of these parents ("name" of a landlord
# who is a person, not of an organisation or a commission).
PERSONAL_UNDER = {"name": {"landlord", "holder"}}
# Integer members that are personal: incomes.
PERSONAL_NUMBERS = {"income_cents"}

MIN_TEXT = 8
MIN_DIGITS = 6
ENUM_LIKE = re.compile(r"^[a-z0-9_.:-]+$")
WORD = re.compile(r"\w{5,}")


RECORD = re.compile(rb"REQUEST (\S+) (\d+)\n([^\n]*)\n")


def read_requests(path):
    """Yields (method, target, body bytes) of each record."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        m = RECORD.match(data, pos)
        if m is None:
            raise ValueError(f"{path}: malformed record at byte {pos}")
        start = m.end()
        pos = start + int(m.group(2)) + 1
        yield m.group(1).decode("ascii"), m.group(3).decode("utf-8", "replace"), data[start:pos - 1]


def personal_values(node, path=(), inside=False):
    """Yields (member path, value) of the personal strings and numbers of node."""
    if isinstance(node, dict):
        for key, value in node.items():
            parent = path[-1] if path else None
            mine = inside or key in PERSONAL or parent in PERSONAL_UNDER.get(key, ())
            if key in PERSONAL_NUMBERS and isinstance(value, int) and not isinstance(value, bool):
                yield ".".join(path + (key,)), str(value)
            yield from personal_values(value, path + (key,), mine)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from personal_values(value, path + (str(i),), inside)
    elif inside and isinstance(node, str):
        yield ".".join(path), node


def meaningful(value):
    if value.isdigit():
        return len(value) >= MIN_DIGITS
    value = value.strip()
    return len(value) >= MIN_TEXT and not ENUM_LIKE.match(value)


def needles(value):
    """The forms a value may take in a log line: as sent, and escaped as JSON."""
    first = value.strip().splitlines()[0].strip() if value.strip() else ""
    forms = {first}
    escaped = json.dumps(first)[1:-1]
    forms.add(escaped)
    return {f for f in forms if f}


def collect(request_log):
    """{needle: (member, "METHOD target")} and {word: [needle]} for the search."""
    found = {}
    for method, target, body in read_requests(request_log):
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            continue
        for member, value in personal_values(doc):
            if not meaningful(value):
                continue
            for needle in needles(value):
                if meaningful(needle):
                    found.setdefault(needle, (member, f"{method} {target}"))
    anchors = {}
    for needle in found:
        words = WORD.findall(needle) or [needle]
        anchors.setdefault(max(words, key=len), []).append(needle)
    return found, anchors


def log_files(spec):
    path, _, offset = spec.rpartition("@") if "@" in spec else (spec, "", "0")
    if os.path.isdir(path):
        for top, _, names in os.walk(path):
            for name in sorted(names):
                yield os.path.join(top, name), 0
    elif os.path.exists(path):
        yield path, int(offset or 0)
    else:
        print(f"check_logs: {path}: no such log", file=sys.stderr)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    if not os.path.exists(argv[1]):
        print(f"check_logs: {argv[1]}: no request log (did the api tests run?)", file=sys.stderr)
        return 1
    found, anchors = collect(argv[1])
    leaks = files = size = 0
    for spec in argv[2:]:
        for path, offset in log_files(spec):
            files += 1
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
            size += len(data)
            for lineno, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                for word in set(WORD.findall(line)) & anchors.keys() | (set(line.split()) & anchors.keys()):
                    for needle in anchors[word]:
                        if needle in line:
                            member, request = found[needle]
                            leaks += 1
                            where = f"{path}:{lineno}" if offset == 0 else f"{path} (after byte {offset}), line {lineno}"
                            print(f"check_logs: {member} sent by {request} is in {where}: {needle!r}")
    print(f"check_logs: {len(found)} personal values looked for in {files} logs ({size} bytes): "
          f"{leaks} found")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
