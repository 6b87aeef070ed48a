#!/usr/bin/env python3
"""Writes the operations of openapi/openapi.yaml as the JSON that the
bad-input sweep (tests/api/test_sweep.c) reads: for each operation its
method, path, path and query parameters, request media types, an example
body built from the schema and the body members with their types (one
such body per alternative when the body is oneOf several: the sweep pairs
them with the values of an enum path parameter, as /v1/imports/{id} does).

usage: openapi_ops.py openapi.yaml out.json
"""
import json
import re
import sys

import yaml

METHODS = ("get", "put", "post", "patch", "delete")
MAX_DEPTH = 3


def resolve(spec, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        parts = node["$ref"].lstrip("#/").split("/")
        node = spec
        for p in parts:
            node = node[p]
        seen += 1
    return node


def flatten(spec, schema):
    """One schema from $ref, allOf (merged) and oneOf/anyOf (the first)."""
    schema = resolve(spec, schema) or {}
    if "allOf" in schema:
        out = {k: v for k, v in schema.items() if k != "allOf"}
        props, required = dict(out.get("properties", {})), list(out.get("required", []))
        for part in schema["allOf"]:
            part = flatten(spec, part)
            for k, v in part.items():
                if k == "properties":
                    props.update(v)
                elif k == "required":
                    required += [r for r in v if r not in required]
                else:
                    out.setdefault(k, v)
        if props:
            out["properties"] = props
        if required:
            out["required"] = required
        return out
    for key in ("oneOf", "anyOf"):
        if key in schema and schema[key]:
            first = flatten(spec, schema[key][0])
            rest = {k: v for k, v in schema.items() if k != key}
            return {**first, **rest}
    return schema


def type_of(schema):
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t is None:
        t = "object" if "properties" in schema else "string"
    return t


def example_string(schema):
    fmt = schema.get("format", "")
    if fmt == "date":
        return "2026-03-02"
    if fmt == "date-time":
        return "2026-03-02T10:00:00Z"
    if fmt == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if fmt in ("uri", "url"):
        return "https://example.org/hook"
    if fmt == "email":
        return "a@example.org"
    m = re.fullmatch(r"\^\[0-9\]\{(\d+)\}\$", schema.get("pattern", ""))
    if m:
        return "1" * int(m.group(1))
    return "x" * max(1, int(schema.get("minLength", 1)))


def example(spec, schema, depth=0):
    schema = flatten(spec, schema)
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return next((e for e in schema["enum"] if e is not None), None)
    t = type_of(schema)
    if t == "object":
        if depth >= MAX_DEPTH:
            return {}
        return {k: example(spec, v, depth + 1) for k, v in schema.get("properties", {}).items()
                if not flatten(spec, v).get("readOnly")}
    if t == "array":
        if depth >= MAX_DEPTH or "items" not in schema:
            return []
        return [example(spec, schema["items"], depth + 1)]
    if t == "integer":
        return max(int(schema.get("minimum", 1)), 1) if "maximum" not in schema or schema["maximum"] >= 1 \
            else int(schema["maximum"])
    if t == "number":
        return 1
    if t == "boolean":
        return True
    return example_string(schema)


def members(spec, schema, prefix, out, depth=0):
    """Every member down to MAX_DEPTH as a path of names (0 for an array's
    first item), with its type."""
    schema = flatten(spec, schema)
    if depth >= MAX_DEPTH:
        return
    if type_of(schema) == "array" and "items" in schema:
        members(spec, schema["items"], prefix + [0], out, depth + 1)
        return
    if type_of(schema) != "object":
        return
    for name, sub in schema.get("properties", {}).items():
        sub = flatten(spec, sub)
        if sub.get("readOnly"):
            continue
        path = prefix + [name]
        out.append({"path": path, "type": type_of(sub), "format": sub.get("format", ""),
                    "enum": "enum" in sub})
        members(spec, sub, path, out, depth + 1)


def alternatives(spec, schema):
    """A body schema, or one per alternative when the body (or each of its
    items) is oneOf several."""
    schema = resolve(spec, schema)
    if "oneOf" in schema:
        return schema["oneOf"]
    if schema.get("type") == "array" and "oneOf" in resolve(spec, schema.get("items", {})):
        return [{**schema, "items": alt} for alt in resolve(spec, schema["items"])["oneOf"]]
    return [schema]


def param(spec, p):
    p = resolve(spec, p)
    s = flatten(spec, p.get("schema", {}))
    return {"name": p["name"], "in": p["in"], "required": bool(p.get("required")), "type": type_of(s),
            "format": s.get("format", ""), "enum": [e for e in s.get("enum", []) if isinstance(e, str)]}


def main():
    spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
    global_security = spec.get("security", [])
    ops = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [param(spec, p) for p in item.get("parameters", []) + op.get("parameters", [])]
            body = resolve(spec, op.get("requestBody")) or {}
            content = body.get("content", {})
            json_schema = content.get("application/json", {}).get("schema")
            bodies = []
            for alt in alternatives(spec, json_schema) if json_schema is not None else []:
                mem = []
                members(spec, alt, [], mem)
                bodies.append({"example": example(spec, alt), "members": mem})
            ops.append({
                "method": method.upper(),
                "path": path,
                "public": op.get("security", global_security) == [],
                "params": params,
                "content_types": list(content.keys()),
                "body_required": bool(body.get("required")),
                "bodies": bodies,
            })
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(ops, f, indent=1)


if __name__ == "__main__":
    main()
