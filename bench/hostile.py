"""The phases of bench/hostile.sh: python3 bench/hostile.py PID PORT TOKEN."""
import collections
import select
import socket
import sys
import threading
import time

pid, port, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
SIXTY_MB = 60 * 1000 * 1000


def status():
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def mb(field):
    return int(status()[field].split()[0]) / 1024


def reset_peak():
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def first_line(sock, timeout):
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except (socket.timeout, ConnectionError, OSError):
        return "no answer"
    if not data:
        return "closed"
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


def tokenless_upload(results):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/imports/acts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % SIXTY_MB)
    chunk = b"[" * 65536
    sent = 0
    s.setblocking(False)
    deadline = time.time() + 10
    answer = None
    while time.time() < deadline and sent < SIXTY_MB:
        r, w, _ = select.select([s], [s], [], 0.5)
        if r:
            answer = first_line(s, 1)
            break
        if w:
            try:
                sent += s.send(chunk)
            except OSError:
                break
    results.append((answer or "no answer", sent))
    s.close()


def slow_head(results, stop):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ")
    while not stop.is_set():
        try:
            s.send(b"a")
        except OSError:
            break
        r, _, _ = select.select([s], [], [], 1.0)
        if r:
            break
    results.append(first_line(s, 1))
    s.close()


def authenticated_drip(results):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/imports/acts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: %d\r\n\r\n" % (SIXTY_MB + 100))
    s.setblocking(False)
    chunk = b" " * 65536
    sent = 0
    answer = None
    deadline = time.time() + 60
    while sent < SIXTY_MB and time.time() < deadline:
        r, w, _ = select.select([s], [s], [], 0.5)
        if r:
            answer = first_line(s, 1)
            break
        if w:
            try:
                sent += s.send(chunk[: min(65536, SIXTY_MB - sent)])
            except OSError:
                break
    while answer is None and time.time() < deadline:
        try:
            s.send(b" ")
        except OSError:
            answer = "closed"
            break
        r, _, _ = select.select([s], [], [], 5)
        if r:
            answer = first_line(s, 1)
    results.append((answer or "no answer", sent))
    s.close()


def run(threads, sample_until):
    peak_rss = 0.0
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and time.time() < sample_until:
        peak_rss = max(peak_rss, mb("VmRSS"))
        time.sleep(0.1)
    for t in threads:
        t.join()
    return max(peak_rss, mb("VmHWM"))


print(f"RSS at rest: {mb('VmRSS'):.1f} MB")

reset_peak()
uploads, heads, stop = [], [], threading.Event()
threads = [threading.Thread(target=tokenless_upload, args=(uploads,)) for _ in range(500)]
threads += [threading.Thread(target=slow_head, args=(heads, stop)) for _ in range(500)]
threading.Timer(12, stop.set).start()
peak = run(threads, time.time() + 30)
print(f"1,000 hostile connections (500 tokenless 60 MB uploads, 500 slow heads): peak RSS {peak:.1f} MB, "
      f"after {mb('VmRSS'):.1f} MB")
print("  uploads:", dict(collections.Counter(a for a, _ in uploads)),
      f"body bytes the clients managed to send: max {max(s for _, s in uploads) / 1e6:.2f} MB")
print("  slow heads:", dict(collections.Counter(heads)))

time.sleep(2)
reset_peak()
drips = []
threads = [threading.Thread(target=authenticated_drip, args=(drips,)) for _ in range(24)]
peak = run(threads, time.time() + 70)
time.sleep(1)
print(f"24 authenticated 60 MB uploads then a byte every 5 s: peak RSS {peak:.1f} MB, after {mb('VmRSS'):.1f} MB")
print("  answers:", dict(collections.Counter(a for a, _ in drips)))
