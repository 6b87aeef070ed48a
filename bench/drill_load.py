#!/usr/bin/env python3
"""Write load for the failover drill (bench/failover-drill).

N clients, each on its own keep-alive connection, create households through
the HTTP balancer for S seconds, one request at a time, as the organisations
whose tokens --token-file lists, in turn. Every answer is
recorded: the id of each acknowledged write (2xx with an id) goes to the
--acked file, one per line, as soon as it is answered. At the end a JSON
summary goes to stdout: counts per status, transport errors, the longest
time without any acknowledged write (and when it began), and the seconds
(since the start) at which each kind of failure was seen.

Standard library only. Loopback only: the URL must name 127.0.0.1.
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--acked", required=True)
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    if u.hostname != "127.0.0.1":
        raise SystemExit("drill_load: loopback only")
    # One token per line, each an organisation's: client n writes as the
    # organisation n modulo their number (each has its budget of requests
    # in flight, PREVEX_ORG_MAX_INFLIGHT).
    with open(a.token_file) as f:
        tokens = [t.strip() for t in f if t.strip()]

    lock = threading.Lock()
    acked_f = open(a.acked, "w", buffering=1)
    statuses = {}
    first_seen = {}
    last_seen = {}
    ok_times = []
    errors = {}
    t0 = time.monotonic()
    stop_at = t0 + a.seconds
    # Communes of the Essonne reference data, so that households spread.
    insee = ["91228", "91174", "91377", "91589", "91687", "91201"]

    def note(kind):
        t = round(time.monotonic() - t0, 2)
        with lock:
            statuses[kind] = statuses.get(kind, 0) + 1
            first_seen.setdefault(kind, t)
            last_seen[kind] = t

    def client(n):
        conn = None
        i = 0
        token = tokens[n % len(tokens)]
        while time.monotonic() < stop_at:
            i += 1
            body = json.dumps({
                "address": {"line": "%d rue de l'Exercice %d" % (i, n), "postcode": "91000",
                            "insee": insee[(n + i) % len(insee)]},
                "sector": "social",
            })
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                conn.request("POST", "/v1/households", body,
                             {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                if conn is not None:
                    conn.close()
                conn = None
                kind = "transport:" + type(e).__name__
                note(kind)
                with lock:
                    errors[kind] = str(e)[:200]
                time.sleep(0.05)
                continue
            now = time.monotonic() - t0
            if 200 <= r.status < 300:
                rid = None
                try:
                    rid = json.loads(data).get("id")
                except ValueError:
                    pass
                if rid:
                    with lock:
                        acked_f.write(rid + "\n")
                        ok_times.append(now)
                note(str(r.status) if rid else "%d-without-id" % r.status)
            else:
                note(str(r.status))
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acked_f.close()

    ok_times.sort()
    gaps = []
    prev = 0.0
    for t in ok_times + [a.seconds]:
        gaps.append((t - prev, prev))
        prev = t
    gaps.sort(reverse=True)
    elapsed = time.monotonic() - t0
    summary = {
        "clients": a.clients,
        "seconds": round(elapsed, 1),
        "acknowledged": len(ok_times),
        "writes_per_second": round(len(ok_times) / elapsed, 1),
        "statuses": dict(sorted(statuses.items())),
        "seen_from_to_s": {k: [first_seen[k], last_seen[k]]
                           for k in sorted(first_seen, key=lambda k: first_seen[k])},
        "transport_errors": errors,
        "longest_gaps_s": [{"gap": round(g, 2), "from": round(s, 2)} for g, s in gaps[:3]],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
