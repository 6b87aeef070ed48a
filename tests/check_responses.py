#!/usr/bin/env python3
"""Checks every response the api tests received against the OpenAPI description.

    check_responses.py openapi.yaml EXCHANGE_LOG...

Each log holds the exchanges tests/api/http_client.c recorded (see
record_exchange() there). For each one whose path and method the
description knows, the status must be one of the operation's responses (or
a 4XX/5XX/default range it declares), the Content-Type one of that
response's media types, the body valid against its schema (JSON Schema
2020-12, formats checked), and the headers the response requires present.
The same body for the same schema is validated once (and counted as often
as it came), on every core.
Exchanges on paths the description does not know (the hostile tests' probes)
are counted, not checked. Prints one line per kind of violation, with a
count and the first example, and exits 1 when there is any.
"""
import hashlib
import json
import multiprocessing
import os
import re
import sys
import warnings
from collections import OrderedDict

import yaml

warnings.filterwarnings("ignore", category=DeprecationWarning)
import jsonschema  # noqa: E402  (after the filter: RefResolver is deprecated in newer releases)

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def read_exchanges(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        head = data[pos:end].decode("ascii").split(" ")
        if len(head) != 5 or head[0] != "EXCHANGE":
            raise ValueError(f"{path}: malformed record at byte {pos}")
        method, status, nheaders, nbody = head[1], int(head[2]), int(head[3]), int(head[4])
        pos = end + 1
        end = data.index(b"\n", pos)
        target = data[pos:end].decode("utf-8", "replace")
        pos = end + 1
        headers = {}
        for _ in range(nheaders):
            end = data.index(b"\n", pos)
            name, _, value = data[pos:end].decode("latin-1").partition(": ")
            headers.setdefault(name.lower(), value)
            pos = end + 1
        body = data[pos:pos + nbody]
        pos += nbody + 1
        yield method, target, status, headers, body


def compile_paths(spec):
    out = []
    for template, item in spec.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        # Literal segments win over parameters: /v1/outreach/summary before /v1/outreach/{id}.
        literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
        out.append((re.compile(pattern), literal, template, item))
    out.sort(key=lambda t: -t[1])
    return out


def find_operation(paths, method, target):
    path = target.split("?", 1)[0]
    for pattern, _, template, item in paths:
        if pattern.match(path):
            op = item.get(method.lower())
            if op is None and method == "HEAD":
                op = item.get("get")
            return template, op
    return None, None


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref {ref}")
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def response_for(spec, op, status):
    responses = op.get("responses", {})
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key, resolve(spec, responses[key])
    return None, None


def media_type(value):
    return value.split(";", 1)[0].strip().lower() if value else ""


class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.paths = compile_paths(spec)
        self.resolver = jsonschema.RefResolver.from_schema(spec)
        self.format_checker = jsonschema.FormatChecker()
        self.validators = {}
        self.bodies = {}
        self.violations = OrderedDict()
        self.checked = 0
        self.unknown = 0

    def violation(self, key, example):
        entry = self.violations.setdefault(key, [0, example])
        entry[0] += 1

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        v = self.validators.get(key)
        if v is None:
            v = jsonschema.Draft202012Validator(schema, resolver=self.resolver, format_checker=self.format_checker)
            self.validators[key] = v
        return v

    def check(self, method, target, status, headers, body):
        template, op = find_operation(self.paths, method, target)
        if template is None:
            self.unknown += 1
            return
        if op is None:
            # A method the path does not have: the spec's 405 is not per
            # operation; the server's answer is checked by the sweep.
            self.unknown += 1
            return
        self.checked += 1
        where = f"{method} {template}"
        key, response = response_for(self.spec, op, status)
        if response is None:
            self.violation((where, status, "status not described"), target)
            return
        for name, header in (response.get("headers") or {}).items():
            header = resolve(self.spec, header)
            if header.get("required") and name.lower() not in headers:
                self.violation((where, status, f"required header {name} missing"), target)
        content = response.get("content")
        if not content:
            if body and method != "HEAD":
                self.violation((where, status, "a body where the spec describes none"), target)
            return
        if method == "HEAD":
            return
        mt = media_type(headers.get("content-type"))
        if mt not in content:
            self.violation((where, status, f"Content-Type {mt or '(none)'} not in {sorted(content)}"), target)
            return
        schema = content[mt].get("schema")
        if schema is None or not (mt.endswith("json")):
            return
        # The same body against the same schema is judged once; the bodies
        # are judged after the walk, on every core (validate_bodies()).
        key = (json.dumps(schema, sort_keys=True), hashlib.sha1(body).digest())
        job = self.bodies.get(key)
        if job is None:
            self.bodies[key] = [schema, body, where, status, target, 1]
        else:
            job[5] += 1

    def validate_bodies(self):
        global _worker_checker
        _worker_checker = self
        jobs = [(schema, body, where, status, target) for schema, body, where, status, target, _ in
                self.bodies.values()]
        repeats = [job[5] for job in self.bodies.values()]
        processes = max(1, min(os.cpu_count() or 1, 8))
        if processes > 1 and len(jobs) > 1000:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                results = pool.map(_validate_job, jobs, chunksize=64)
        else:
            results = [_validate_job(job) for job in jobs]
        for found, times in zip(results, repeats):
            for key, target in found:
                for _ in range(times):
                    self.violation(key, target)

    def body_violations(self, schema, body, where, status):
        """The violations of one body, as (key, example) pairs."""
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return [((where, status, "body is not JSON"), None)]
        out = []
        errors = sorted(self.validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:3]:
            at = "/" + "/".join(str(p) for p in e.absolute_path)
            at = re.sub(r"/\d+(?=/|$)", "/*", at)
            message = e.message if len(e.message) < 160 else e.message[:157] + "..."
            if e.validator in ("enum", "type", "format", "pattern"):
                # Group by where and what, not by the value that failed.
                message = re.sub(r"^.*? (is not one of|is not of type|is not a|does not match)", r"\1", message)
            out.append(((where, status, f"{at}: {message}"), None))
        return out


# The checker the pool's workers inherit (fork) from validate_bodies().
_worker_checker = None


def _validate_job(job):
    schema, body, where, status, target = job
    return [(key, target) for key, _ in _worker_checker.body_violations(schema, body, where, status)]


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    checker = Checker(spec)
    for log in argv[2:]:
        for exchange in read_exchanges(log):
            checker.check(*exchange)
    checker.validate_bodies()
    for (where, status, what), (count, example) in checker.violations.items():
        print(f"{where} -> {status}: {what} ({count}x, e.g. {example})")
    total = sum(c for c, _ in checker.violations.values())
    print(f"check_responses: {checker.checked} responses checked, {checker.unknown} on undocumented paths "
          f"or methods, {total} violations of {len(checker.violations)} kinds")
    return 1 if checker.violations or checker.checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
