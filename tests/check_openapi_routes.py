#!/usr/bin/env python3
"""Every route of api/routes.c is described in openapi/openapi.yaml, and
every operation described there is routed: the contract and the code agree.
Reads the YAML's two-space indentation directly, so it needs no module."""
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
routes = set(re.findall(r'\{ "([A-Z]+)", "([^"]+)", \w+,', open(f"{top}/api/routes.c", encoding="utf-8").read()))

documented = set()
in_paths = False
path = None
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
        documented.add((m.group(1).upper(), path))

missing = sorted(routes - documented)
extra = sorted(documented - routes)
for method, p in missing:
    print(f"not in openapi/openapi.yaml: {method} {p}")
for method, p in extra:
    print(f"described but not routed: {method} {p}")
print(f"{len(routes)} routes, {len(documented)} operations described")
sys.exit(1 if missing or extra else 0)
