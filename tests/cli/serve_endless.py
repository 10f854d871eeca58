"""groundswell serve reading a source that never ends a line (TAP).

serve --source /dev/zero: the endless line is skipped in bounded time with
serve's write lock let go between reads, so /stats answers within a second
while the source is read, its too_long count grows (every --max-line bytes
of the line count once more), and SIGTERM stops the server within two
seconds. Before issue 16 the read held the lock forever: /stats never
answered and SIGTERM was not obeyed. The server binds 127.0.0.1 with port 0
and is killed at the end whatever happens.
"""
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time

import tap
from tap import BIN, ok


def stats(port, timeout):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", "/api/groundswell/v1/stats")
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def too_long(st):
    return sum(s.get("too_long", 0) for s in st.get("sources", []))


def main(d):
    portfile = os.path.join(d, "port")
    err = open(os.path.join(d, "err"), "wb")
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", portfile,
                          "--source", "/dev/zero", "--max-line", "64k"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        port = tap.wait_port(p, portfile)
        if not ok(port is not None, "serve --source /dev/zero starts"):
            return
        seen = []
        for i in range(3):
            t = time.time()
            try:
                code, st = stats(port, 5)
                took = time.time() - t
                seen.append(too_long(st))
            except (OSError, ValueError, http.client.HTTPException) as e:
                code, took = str(e), time.time() - t
            # 1 s: an answer that waits for a lock held while a whole
            # endless line is read never comes (the 5 s cap above)
            ok(code == 200 and took < 1.0, f"/stats answers within 1 s while /dev/zero is read ({i + 1})",
               f"status {code}, {took:.2f} s")
            time.sleep(0.3)  # /stats' view: republished every 250 ms while no line comes
        ok(len(seen) == 3 and seen[2] > seen[0] >= 0 and seen[1] >= seen[0],
           "its too_long count grows while the endless line is skipped", seen)
        t = time.time()
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(2)
            ok(True, f"SIGTERM stops it within 2 s ({time.time() - t:.2f} s)")
        except subprocess.TimeoutExpired:
            ok(False, "SIGTERM stops it within 2 s")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        err.close()


with tempfile.TemporaryDirectory() as d:
    main(d)
tap.done()
