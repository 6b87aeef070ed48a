#!/usr/bin/env python3
"""A compressed peak day against a running `prevex serve` (bench/peak-day).

usage: peak_day.py CLIENTS_FILE PORT PHASE_SECONDS POSTMASTER_PID SERVER_PID OUT_JSON

Four phases of PHASE_SECONDS each, in the order of a day:
  night      the CAFs' nightly imports (POST /v1/imports/caf-signals, 500
             signals a batch), alone;
  morning    the bailiffs' morning batches (POST /v1/imports/acts, 200 new
             payment orders a batch) and a late CAF import while the
             portals open: the lists' p99 under this load is issue 17's
             measure;
  office     the portals' office hours alone: préfectures, départements,
             landlords, CAFs and social services list and read;
  evening    the mobile teams' sync (GET /v1/sync paged, POST /v1/sync with
             an intervention), the portals still open.
Closed loops (each worker sends its next request when the last one is
answered); per phase and endpoint: requests, throughput, p50, p99, non-2xx;
and the CPU seconds of every PostgreSQL process (the postmaster's children,
from /proc/<pid>/stat) and of prevex over the phase. 127.0.0.1 only.
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid

OFFICE_WORKERS, BAILIFF_WORKERS, CAF_WORKERS, SYNC_WORKERS = 12, 2, 1, 4
ACTS_PER_BATCH, SIGNALS_PER_BATCH = 200, 500
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[1])  # utime + stime, ppid


def postgres_cpu(postmaster):
    """CPU seconds of the postmaster and its children (the backends)."""
    total = cpu_ticks(postmaster)[0]
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            ticks, ppid = cpu_ticks(int(name))
        except (OSError, IndexError, ValueError):
            continue
        if ppid == postmaster:
            total += ticks
    return total / TICKS


class Client:
    """One keep-alive connection per worker."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def call(self, method, path, token, body=None, ctype="application/json", headers=None):
        h = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            h["Content-Type"] = ctype
        h.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 599, b""
        return 599, b""


def token(port, c):
    body = json.dumps({"grant_type": "client_credentials", "client_id": c["client_id"],
                       "client_secret": c["client_secret"]})
    status, data = Client(port).call("POST", "/v1/token", None, body)
    if status != 200:
        sys.exit(f"token for {c['org_name']}: {status} {data[:200]!r}")
    return json.loads(data)["access_token"]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []   # (phase, label, status, seconds, items)
        self.rejected = {}   # label -> [count, first result]

    def reject(self, label, result):
        with self.lock:
            r = self.rejected.setdefault(label, [0, result])
            r[0] += 1

    def add(self, phase, label, status, seconds, items=1):
        with self.lock:
            self.rows.append((phase, label, status, seconds, items))


def timed(rec, phase, client, label, method, path, tok, body=None, ctype="application/json", headers=None,
          batch=False):
    """One request; for an import batch, items counts the items created,
    updated or unchanged, and the rejected ones are noted."""
    t0 = time.perf_counter()
    status, data = client.call(method, path, tok, body, ctype, headers)
    secs, items = time.perf_counter() - t0, 1
    if batch:
        items = 0
        if status == 200:
            answer = json.loads(data)
            counts = answer.get("counts", {})
            items = counts.get("created", 0) + counts.get("updated", 0) + counts.get("unchanged", 0)
            for r in answer.get("results", []):
                if r.get("status") == "rejected":
                    rec.reject(label, r)
    rec.add(phase["name"], label, status, secs, items)
    return status, data


def main():
    clients_file, port, phase_s, postmaster, server, out = sys.argv[1:7]
    port, phase_s, postmaster, server = int(port), float(phase_s), int(postmaster), int(server)
    run = uuid.uuid4().hex[:8]
    clients = json.load(open(clients_file))
    by = {}   # (departement, kind) -> [client with token]
    for c in clients:
        c["dep"] = c.get("departement", "91")
        c["token"] = token(port, c)
        by.setdefault((c["dep"], c["kind"]), []).append(c)
    deps = sorted({c["dep"] for c in clients})

    # What each département's portals read: the préfecture's first page of
    # households gives ids to read and communes for the new files.
    prep = Client(port)
    households, communes = {}, {}
    for d in deps:
        pref = by[(d, "prefecture")][0]
        status, data = prep.call("GET", "/v1/households?limit=100", pref["token"])
        items = json.loads(data).get("items", []) if status == 200 else []
        households[d] = [h["id"] for h in items] or ["00000000-0000-4000-8000-000000000000"]
        communes[d] = sorted({(h["address"]["insee"], h["address"]["postcode"]) for h in items}) or [("91228", "91000")]
    cases = {}
    for c in clients:
        if c["kind"] == "association":
            status, data = prep.call("GET", "/v1/outreach/cases?limit=100", c["token"])
            cases[c["org_id"]] = [k["id"] for k in json.loads(data).get("items", [])] if status == 200 else []

    rec = Recorder()
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def next_n():
        with counter_lock:
            return next(counter)

    def office(phase, stop, rnd, cl):
        while not stop.is_set():
            d = rnd.choice(deps)
            kind = rnd.choice(["prefecture", "prefecture", "departement", "social_landlord", "private_landlord",
                               "caf", "social_service"])
            c = rnd.choice(by[(d, kind)])
            t = c["token"]
            x = rnd.random()
            if kind in ("prefecture", "departement"):
                if x < 0.35:
                    timed(rec, phase, cl, f"{kind} GET /v1/households/{{id}}", "GET",
                          f"/v1/households/{rnd.choice(households[d])}", t)
                elif x < 0.55:
                    timed(rec, phase, cl, f"{kind} GET /v1/households?limit=100", "GET", "/v1/households?limit=100", t)
                elif x < 0.75:
                    timed(rec, phase, cl, f"{kind} GET /v1/procedures?limit=100", "GET", "/v1/procedures?limit=100", t)
                elif x < 0.92:
                    timed(rec, phase, cl, f"{kind} GET /v1/referrals?limit=100", "GET", "/v1/referrals?limit=100", t)
                else:
                    timed(rec, phase, cl, f"{kind} GET /v1/stats/key-figures", "GET",
                          "/v1/stats/key-figures?year=2022", t)
            elif kind in ("social_landlord", "private_landlord"):
                if x < 0.6:
                    timed(rec, phase, cl, "landlord GET /v1/households?limit=100", "GET", "/v1/households?limit=100", t)
                else:
                    insee = rnd.choice(communes[d])[0]
                    timed(rec, phase, cl, "landlord GET /v1/households?commune=", "GET",
                          f"/v1/households?limit=100&commune={insee}", t)
            elif kind == "caf":
                if x < 0.6:
                    timed(rec, phase, cl, "caf GET /v1/households?limit=100", "GET", "/v1/households?limit=100", t)
                else:
                    timed(rec, phase, cl, "caf GET /v1/caf-signals?limit=100", "GET", "/v1/caf-signals?limit=100", t)
            else:
                if x < 0.5:
                    timed(rec, phase, cl, "social_service GET /v1/diagnostics?limit=100", "GET",
                          "/v1/diagnostics?limit=100", t)
                else:
                    timed(rec, phase, cl, "social_service GET /v1/referrals?limit=100", "GET",
                          "/v1/referrals?limit=100", t)

    def act(n, insee, postcode):
        return {"external_id": f"pd-{run}-{n}", "file_reference": f"PD-{run}-{n}", "kind": "payment_order",
                "date": "2026-12-01", "debt_cents": 120000 + n % 5000, "rent_cents": 60000, "months_unpaid": 2,
                "household": {"address": {"line": f"{1 + n % 180} allée des Données-Inventées",
                                          "postcode": postcode, "insee": insee},
                              "sector": "private", "rent_cents": 60000}}

    def signal(n, insee, postcode):
        return {"external_id": f"pdc-{run}-{n}", "caf_number": f"PD{run.upper()}{n:08d}",
                "address": {"line": f"{1 + n % 180} impasse du Jeu-d'Essai", "postcode": postcode, "insee": insee},
                "debt_cents": 90000 + n % 5000, "months_unpaid": 3, "benefit_status": "kept",
                "paid_to_landlord": False, "date": "2026-12-01"}

    def importer(kind, make, count, label, path, ndjson):
        """A worker posting batches of count new items of a département's
        organisation of kind, in that département's communes."""
        def work(phase, stop, rnd, cl):
            while not stop.is_set():
                d = rnd.choice(deps)
                items = [make(next_n(), *rnd.choice(communes[d])) for _ in range(count)]
                body = "".join(json.dumps(i) + "\n" for i in items) if ndjson else json.dumps(items)
                timed(rec, phase, cl, label, "POST", path, by[(d, kind)][0]["token"], body,
                      "application/x-ndjson" if ndjson else "application/json",
                      {"Idempotency-Key": f"pd-{run}-{next_n()}"}, True)
        work.__name__ = kind
        return work

    bailiff = importer("bailiff", act, ACTS_PER_BATCH, f"bailiff POST /v1/imports/acts ({ACTS_PER_BATCH} acts)",
                       "/v1/imports/acts", True)
    caf_import = importer("caf", signal, SIGNALS_PER_BATCH,
                          f"caf POST /v1/imports/caf-signals ({SIGNALS_PER_BATCH} signals)", "/v1/imports/caf-signals",
                          False)

    def sync(phase, stop, rnd, cl):
        teams = [c for c in clients if c["kind"] == "association"]
        while not stop.is_set():
            c = rnd.choice(teams)
            cursor, pages = "", 0
            while pages < 20:
                path = "/v1/sync?limit=200" + (f"&cursor={cursor}" if cursor else "")
                status, data = timed(rec, phase, cl, "association GET /v1/sync?limit=200", "GET", path, c["token"])
                if status != 200:
                    break
                page = json.loads(data)
                cursor, pages = page.get("next_cursor") or "", pages + 1
                if not page.get("has_more"):
                    break
            mine = cases.get(c["org_id"]) or []
            if mine:
                body = json.dumps({"changes": [{
                    "change_id": str(uuid.uuid4()), "entity": "outreach_intervention", "op": "create",
                    "id": str(uuid.uuid4()), "case_id": rnd.choice(mine),
                    "data": {"kind": "phone_call", "date": "2026-12-01", "agent": "Équipe mobile",
                             "outcome": "appel du soir"}}]})
                timed(rec, phase, cl, "association POST /v1/sync (1 intervention)", "POST", "/v1/sync", c["token"],
                      body)

    phases = [
        ("1 night: CAF imports", [(caf_import, CAF_WORKERS)]),
        # Issue 17's measure: the portals' lists while a CAF import and bailiffs' batches run.
        ("2 morning: bailiffs' batches + a CAF import + portals",
         [(bailiff, BAILIFF_WORKERS), (caf_import, CAF_WORKERS), (office, OFFICE_WORKERS)]),
        ("3 office hours: portals", [(office, OFFICE_WORKERS)]),
        ("4 evening: mobile sync + portals", [(sync, SYNC_WORKERS), (office, OFFICE_WORKERS // 3)]),
    ]
    summary = {"phases": [], "phase_seconds": phase_s, "departements": deps}
    for name, workers in phases:
        phase = {"name": name}
        stop = threading.Event()
        threads = []
        pg0, sv0, t0 = postgres_cpu(postmaster), cpu_ticks(server)[0] / TICKS, time.perf_counter()
        for fn, count in workers:
            for i in range(count):
                th = threading.Thread(target=fn, args=(phase, stop, random.Random(f"{name}{fn.__name__}{i}"),
                                                       Client(port)))
                th.start()
                threads.append(th)
        time.sleep(phase_s)
        stop.set()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        pg, sv = postgres_cpu(postmaster) - pg0, cpu_ticks(server)[0] / TICKS - sv0
        rows = [r for r in rec.rows if r[0] == name]
        eps = {}
        for _, label, status, secs, items in rows:
            e = eps.setdefault(label, {"lat": [], "errors": 0, "items": 0, "statuses": {}})
            e["lat"].append(secs)
            e["items"] += items
            e["statuses"][status] = e["statuses"].get(status, 0) + 1
            if not 200 <= status < 300:
                e["errors"] += 1
        endpoints = []
        for label, e in sorted(eps.items()):
            lat = sorted(e["lat"])
            endpoints.append({
                "endpoint": label, "requests": len(lat), "per_s": len(lat) / wall, "items_per_s": e["items"] / wall,
                "p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
                "errors": e["errors"], "statuses": {str(k): v for k, v in sorted(e["statuses"].items())}})
        summary["phases"].append({"phase": name, "seconds": wall, "requests": len(rows),
                                  "per_s": len(rows) / wall, "postgres_cpu_s": pg, "postgres_cores": pg / wall,
                                  "prevex_cpu_s": sv, "prevex_cores": sv / wall, "endpoints": endpoints})
    summary["rejected_items"] = {k: {"count": v[0], "first": v[1]} for k, v in rec.rejected.items()}
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
    for p in summary["phases"]:
        print(f"\n{p['phase']}: {p['requests']} requests in {p['seconds']:.1f} s = {p['per_s']:.1f}/s;"
              f" PostgreSQL {p['postgres_cpu_s']:.1f} CPU s ({p['postgres_cores']:.2f} cores),"
              f" prevex {p['prevex_cpu_s']:.1f} CPU s ({p['prevex_cores']:.2f} cores)")
        print(f"  {'endpoint':<52} {'req':>6} {'req/s':>7} {'items/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>7}")
        for e in p["endpoints"]:
            print(f"  {e['endpoint']:<52} {e['requests']:>6} {e['per_s']:>7.1f} {e['items_per_s']:>8.1f}"
                  f" {e['p50_ms']:>8.1f} {e['p99_ms']:>8.1f} {e['errors']:>7}"
                  + ("" if e["errors"] == 0 else f"  {e['statuses']}"))
    for label, r in summary["rejected_items"].items():
        print(f"\nrejected items of {label}: {r['count']}, the first: {json.dumps(r['first'])[:300]}")


if __name__ == "__main__":
    main()
