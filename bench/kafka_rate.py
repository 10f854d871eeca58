"""kafka_rate.py - posts per second through Kafka (issue 14): a file's
lines produced into librdkafka's mock cluster (build/tests/kafka_mock,
PARTS partitions, zstd batches) before any instance starts, then 1 or 2
instances of "groundswell serve --source kafka://..." in one group read
them all; the time from the start to every message read (wall) and the
instances' CPU seconds (user+sys, /proc), beside "groundswell report" over
the same file. Usage: python3 bench/kafka_rate.py FILE [PARTS]
(GS_KAFKA_ARGS: more serve options, e.g. "--kafka-publish 10s").
"""
import json, os, subprocess, sys, tempfile, time, urllib.request

BIN = os.environ.get("GS_BIN", "build/groundswell")
MOCK = os.path.join(os.environ.get("GS_TESTS", "build/tests"), "kafka_mock")
data, parts = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 32
n = sum(1 for _ in open(data, "rb"))
tck = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tck


def lines(port):
    try:
        return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/groundswell/v1/stats", timeout=10))["lines"]
    except Exception:
        return 0


t = time.time()
r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S", BIN, "report", "--threads", "1", data],
                   capture_output=True, text=True)
e, u, s = map(float, r.stderr.strip().splitlines()[-1].split())
print(f"report --threads 1: {n} lines, {e:.1f} s wall, {u + s:.1f} s CPU: {n / (u + s):,.0f} lines/CPU-s")
with tempfile.TemporaryDirectory() as d:
    for inst in (1, 2):
        m = subprocess.Popen([MOCK, "--partitions", str(parts), "posts"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        boot = m.stdout.readline().strip()
        m.stdin.write(f"produce {data}\n"); m.stdin.flush()
        m.stdout.readline()
        conf = os.path.join(d, "k.conf")
        open(conf, "w").write("session.timeout.ms=6000\nheartbeat.interval.ms=500\n")
        srvs = []
        t0 = time.time()
        for i in range(inst):
            pf = os.path.join(d, f"p{inst}{i}")
            p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", pf, "--source",
                                  f"kafka://{boot}/posts?group=b", "--kafka-config", conf,
                                  *os.environ.get("GS_KAFKA_ARGS", "").split()],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            srvs.append((p, pf))
        ports = []
        for p, pf in srvs:
            while not os.path.exists(pf):
                time.sleep(0.05)
            ports.append(int(open(pf).read()))
        while sum(lines(pt) for pt in ports) < n and time.time() - t0 < 600:
            time.sleep(0.2)
        wall = time.time() - t0
        c = sum(cpu(p.pid) for p, _ in srvs)
        print(f"{inst} instance(s), {parts} partitions: {n} messages in {wall:.1f} s wall "
              f"(incl. joining the group), {c:.1f} s CPU: {n / c:,.0f} messages/CPU-s, {n / wall:,.0f}/s wall")
        for p, _ in srvs:
            p.terminate(); p.wait()
        m.stdin.write("quit\n"); m.stdin.flush(); m.wait()
