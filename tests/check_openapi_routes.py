#!/usr/bin/env python3
"""Every route of api/routes.c is described in openapi/openapi.yaml, and
every operation described there is routed: the contract and the code agree.
Every route that is not ROUTE_PUBLIC documents 429, which its
organisation's budget of requests in flight can answer (api/budget.c),
and every one that reads a case (not ROUTE_NO_CASE) documents 403, which
a kind that reads no case (national) gets on it (api/router.c).
Reads the YAML's two-space indentation directly, so it needs no module."""
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
table = re.findall(r'\{ "([A-Z]+)", "([^"]+)", \w+, ([^}]*)\}', open(f"{top}/api/routes.c", encoding="utf-8").read())
routes = {(method, p) for method, p, _ in table}
budgeted = {(method, p) for method, p, flags in table if "ROUTE_PUBLIC" not in flags}
case_reading = budgeted - \
    {(method, p) for method, p, flags in table if "ROUTE_NO_CASE" in flags}

documented = set()
with_429 = set()
with_403 = set()
# Every JSON body a client sends or reads is a named schema (a $ref), so
# that generated clients name its type.
inline = []
media = None
pending_schema = None
in_paths = False
path = None
operation = None
for line in open(f"{top}/openapi/openapi.yaml", encoding="utf-8"):
    if re.match(r"^paths:\s*$", line):
        in_paths = True
        continue
    if in_paths and re.match(r"^\S", line):
        break
    if not in_paths:
        continue
    m = re.match(r"^  (/\S*?):\s*$", line) or re.match(r"^  '(/\S*?)':\s*$", line)
    if m:
        path = m.group(1)
        continue
    m = re.match(r"^    (get|put|post|patch|delete|head|options):\s*$", line)
    if m and path is not None:
        operation = (m.group(1).upper(), path)
        documented.add(operation)
        continue
    if operation is not None and re.match(r"^        '429':\s*$", line):
        with_429.add(operation)
    if operation is not None and re.match(r"^        '403':\s*$", line):
        with_403.add(operation)
    if pending_schema is not None:
        if not line.strip().startswith("$ref:"):
            inline.append(pending_schema)
        pending_schema = None
    m = re.match(r"^( {10}| {12})(\S+):\s*$", line)
    if m:
        media = m.group(2)
    if operation is not None and media is not None and media.startswith("application/json") and \
            re.match(r"^( {12}| {14})schema:\s*$", line):
        pending_schema = (operation, media)

missing = sorted(routes - documented)
extra = sorted(documented - routes)
for method, p in missing:
    print(f"not in openapi/openapi.yaml: {method} {p}")
for method, p in extra:
    print(f"described but not routed: {method} {p}")
no_429 = sorted((budgeted & documented) - with_429)
for method, p in no_429:
    print(f"authenticated but without a 429 response: {method} {p}")
no_403 = sorted((case_reading & documented) - with_403)
for method, p in no_403:
    print(f"reads a case but without a 403 response: {method} {p}")
for (method, p), m in inline:
    print(f"a {m} schema that is not a named one ($ref): {method} {p}")
print(f"{len(routes)} routes, {len(documented)} operations described")
sys.exit(1 if missing or extra or no_429 or no_403 or inline else 0)
