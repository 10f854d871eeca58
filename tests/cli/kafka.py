"""kafka.py - groundswell serve with a kafka:// source (issue 14;
docs/kafka.md), against librdkafka's mock cluster (build/tests/kafka_mock:
3 brokers on loopback, the topic with 8 partitions), every process started
and stopped here. Checks:
  - bad kafka:// URLs, a kafka source beside another one, a missing or bad
    --kafka-config: exit 2 with what was wrong;
  - one instance: its trends (the exact fields) and a tag's timeline equal
    the batch commands' over the same file; bad messages are reported with
    TOPIC[PARTITION]@OFFSET, counted and skipped; a second instance started
    after it stopped resumes from the states in Kafka (reads nothing again);
  - two and three instances in one group share the partitions (each reads
    some, none all) and each serves the answer of all the messages, its
    networks too (/network JSON and GEXF, /network?tag= equal 'network');
  - states larger than message.max.bytes (20,000 here) go in several
    records (state_records > states_published) and are read back whole;
  - fencing: the first state of every partition written again after the
    partitions changed hands (a zombie's late writes) is ignored by every
    instance (states_stale), whose answer stays the batch one;
  - Bluesky reposts produced round robin, so that most land in another
    partition than their original: two instances' trends, a tag's posts,
    reposts and timeline, the networks and reposts_unresolved equal the
    batch commands' (the partitions' waiting reposts are resolved when the
    states are merged);
  - kill -9 trials: three instances, one killed at a random point while the
    topic is read (restarted or not); once drained, every instance left
    equals the batch answer. GS_KAFKA_TRIALS sets how many (default 2;
    bench/kafka.sh runs 10 and more); the count that matched is printed.
"""

import http.client
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

import tap
from tap import BIN, ok

MOCK = os.path.join(os.environ.get("GS_TESTS", "build/tests"), "kafka_mock")
EXACT = ("tag", "start", "peak", "end", "status", "score", "posts", "accounts", "peak_accounts", "peak_posts")
procs = []


class Mock:
    """The mock cluster, with TOPIC (and TOPIC.gs-state) of 8 partitions."""

    def __init__(self, d, topic="posts", partitions=8):
        self.topic = topic
        self.p = subprocess.Popen([MOCK, "--partitions", str(partitions), topic], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=open(os.path.join(d, "mock.err"), "ab"),
                                  text=True)
        procs.append(self.p)
        self.errfile = os.path.join(d, "mock.err")
        self.boot = self.p.stdout.readline().strip()

    def health(self):
        """What a failed check says of the cluster: is it still running,
        and the end of its stderr."""
        with open(self.errfile, encoding="utf-8", errors="replace") as f:
            return f"mock {'running' if self.p.poll() is None else f'exited {self.p.returncode}'}: " + \
                f.read()[-600:]

    def produce(self, path, first=0, count=-1):
        self.p.stdin.write(f"produce {path} {first} {count}\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def replay_first(self):
        self.p.stdin.write("replay-first\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def url(self, group="g"):
        return f"kafka://{self.boot}/{self.topic}?group={group}"

    def stop(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.flush()
                self.p.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()


class Server:
    n = 0

    def __init__(self, d, *args):
        Server.n += 1
        self.portfile = os.path.join(d, f"srv{Server.n}.port")
        self.errfile = os.path.join(d, f"srv{Server.n}.err")
        self.p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile, *args],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=open(self.errfile, "ab"))
        procs.append(self.p)
        self.port = tap.wait_port(self.p, self.portfile, 30)

    def req(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def json(self, path):
        st, body = self.req(path)
        return st, json.loads(body or b"null")

    def stderr(self):
        with open(self.errfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def exact(trends):
    return [{k: t.get(k) for k in EXACT} for t in trends or []]


def answer(srv):
    """(posts counted, trends' exact fields) as srv serves them now."""
    try:
        st = srv.json("/api/groundswell/v1/stats")[1]
        tr = srv.json("/api/groundswell/v1/trends")[1]
        return st.get("posts"), exact(tr), st
    except (OSError, ValueError, http.client.HTTPException):
        return None, None, None


def converge(srvs, want_posts, want, limit=90):
    """Waits until every server's answer is the batch one; returns the
    servers whose answer is (all of them, or fewer at the deadline)."""
    deadline = time.time() + limit
    good = []
    while time.time() < deadline:
        good = [s for s in srvs if answer(s)[:2] == (want_posts, want)]
        if len(good) == len(srvs):
            break
        time.sleep(0.3)
    return good


# message.max.bytes: states go in many records (the split path)
CONF = "session.timeout.ms=6000\nheartbeat.interval.ms=500\n# a comment\n\nmessage.max.bytes=20000\n"


def networks(srv, data, tag):
    """The served networks that differ from the batch command's: [] when
    /network (JSON, GEXF) and /network?tag= equal 'network' over data."""
    bad = []
    for q, args in (("", ["--format", "json"]), ("?format=gexf", ["--format", "gexf"]),
                    ("?tag=" + tag, ["--format", "json", "--tag", tag])):
        try:
            stt, body = srv.req("/api/groundswell/v1/network" + q)
        except (OSError, http.client.HTTPException) as e:
            bad.append((q, str(e)))
            continue
        cli = tap.run("network", *args, data).stdout
        if "json" in args:
            a, b = json.loads(body or b"null"), json.loads(cli)
            for x in (a, b):  # an instance's own bad lines only
                if isinstance(x, dict):
                    x.get("summary", {}).pop("malformed", None)
            same = a == b
        else:
            same = body.decode() == cli
        if stt != 200 or not same:
            bad.append((q, stt, len(body), len(cli)))
    return bad


def trial(d, data, nlines, want_posts, want, seed):
    """Three instances; one killed with SIGKILL at a random point (and
    restarted half the time). True when all left equal the batch answer."""
    rnd = random.Random(seed)
    m = Mock(d)
    conf = os.path.join(d, "k.conf")
    args = ["--source", m.url(), "--kafka-config", conf, "--close-idle", "1s", "--kafka-publish", "200ms"]
    srvs = [Server(d, *args) for _ in range(3)]
    # the topic fills in ten steps while it is read, so that the kill
    # falls at a random point of the reading
    step = nlines // 10 + 1
    feeder = threading.Thread(target=lambda: [(m.produce(data, i * step, step), time.sleep(0.4))
                                              for i in range(10)])
    victim = rnd.randrange(3)
    deadline = time.time() + 30  # the group formed: 8 partitions owned
    while time.time() < deadline and sum((answer(s)[2] or {}).get("kafka", {}).get("owned", 0) for s in srvs) != 8:
        time.sleep(0.1)
    feeder.start()
    after = rnd.uniform(0.2, 4.5)
    time.sleep(after)
    read = (answer(srvs[victim])[2] or {}).get("lines")
    srvs[victim].stop(signal.SIGKILL)
    feeder.join()
    live = [s for i, s in enumerate(srvs) if i != victim]
    restarted = rnd.random() < 0.5
    if restarted:
        time.sleep(rnd.uniform(0, 3))
        live.append(Server(d, *args))
    good = converge(live, want_posts, want)
    why = "" if len(good) == len(live) else \
        f" (posts {[answer(s)[0] for s in live]}, batch {want_posts}; " + \
        f"stats {[(answer(s)[2] or {}).get('kafka') for s in live]})"
    for s in live:
        s.stop()
    m.stop()
    return len(good) == len(live), f"instance {victim + 1} killed {after:.1f} s into the feed, having read {read} messages, " + \
        ("restarted" if restarted else "not restarted") + why


def main(d):
    only_trials = os.environ.get("GS_KAFKA_ONLY_TRIALS") == "1"  # bench/kafka.sh
    # ---- usage ---------------------------------------------------------
    for url, what in [("kafka://", "no broker"), ("kafka://h:1", "no topic"), ("kafka://h:1/", "empty topic"),
                      ("kafka://h:1/a b", "a bad topic"), ("kafka://h:1/t?grp=x", "an unknown parameter")]:
        p = tap.run("serve", "--source", url, "--listen", "127.0.0.1:0", timeout=60)
        ok(p.returncode == 2 and "kafka source" in p.stderr, f"{what} in the URL: exit 2", p.stderr)
    p = tap.run("serve", "--source", "kafka://h:1/t", "--source", "x.jsonl", "--listen", "127.0.0.1:0",
                timeout=60)
    ok(p.returncode == 2 and "only source" in p.stderr, "a kafka source beside another: exit 2", p.stderr)
    p = tap.run("serve", "--source", "kafka://h:1/t", "--by-language", "--listen", "127.0.0.1:0", timeout=60)
    ok(p.returncode == 2 and "no --by-language" in p.stderr,
       "a kafka source with --by-language: exit 2 (the partitions' states hold no language)", p.stderr)
    p = tap.run("serve", "--source", "kafka://h:1/t", "--kafka-config", os.path.join(d, "nope"),
                "--listen", "127.0.0.1:0", timeout=60)
    ok(p.returncode == 2 and "cannot read" in p.stderr and "nope" in p.stderr,
       "a missing --kafka-config: exit 2", p.stderr)
    bad = os.path.join(d, "bad.conf")
    with open(bad, "w") as f:
        f.write("# tuning\nfetch.wait.max.ms=10\nno.such.property=1\n")
    p = tap.run("serve", "--source", "kafka://h:1/t", "--kafka-config", bad, "--listen", "127.0.0.1:0",
                timeout=60)
    ok(p.returncode == 2 and "bad.conf:3" in p.stderr and "no.such.property" in p.stderr,
       "an unknown property: exit 2, FILE:LINE and the property", p.stderr)

    # ---- the data and the batch answer -----------------------------------
    data = os.path.join(d, "posts.jsonl")
    g = tap.run("generate", "--seed", "4", "--hours", "48", "--rate", "0.2", "--malformed", "0.001",
                "--output", data)
    ok(g.returncode == 0, "generate exits 0", g.stderr)
    with open(data, "rb") as f:
        nlines = sum(1 for _ in f)
    rep = json.loads(tap.run("report", "--json", data).stdout)
    want_posts = rep["summary"]["posts"] if "summary" in rep else rep.get("posts")
    batch = [json.loads(l) for l in tap.run("trends", "--json", "--live", data).stdout.splitlines() if l.strip()]
    want = exact(batch)
    ok(len(want) >= 3 and want_posts, f"the batch answer: {len(want)} trends, {want_posts} posts")
    with open(os.path.join(d, "k.conf"), "w") as f:
        f.write(CONF)
    conf = os.path.join(d, "k.conf")

    if only_trials:
        return kill_trials(d, data, nlines, want_posts, want)
    if os.environ.get("GS_KAFKA_ONLY") == "deletes":  # one section, while working on it
        return deletes(d, conf)
    if os.environ.get("GS_KAFKA_ONLY") == "reposts":
        return bsky_reposts(d, conf)
    if os.environ.get("GS_KAFKA_ONLY") == "sealed":
        return sealed(d, data, nlines, want_posts, want, conf)

    # ---- one instance ---------------------------------------------------
    m = Mock(d)
    ok(m.boot.count(",") == 2, "the mock cluster has 3 brokers", m.boot)
    ok(m.produce(data) == f"produced {nlines}", f"{nlines} messages produced over 8 partitions")
    args = ["--source", m.url(), "--kafka-config", conf, "--close-idle", "1s"]
    s1 = Server(d, *args)
    ok(s1.port, "an instance starts", s1.stderr())
    good = converge([s1], want_posts, want)
    posts, tr, st = answer(s1)
    ok(good == [s1], "one instance: its trends equal 'trends --json --live' (exact fields), its posts the batch's",
       (posts, want_posts, tr, want))
    ok(st and st.get("lines") == nlines, "one instance read every message", st and st.get("lines"))
    tag = next((t["tag"] for t in batch), "metoo")
    cli = json.loads(tap.run("tag", "--json", tag, data).stdout)
    stt, served = s1.json(f"/api/groundswell/v1/tags/{tag}")
    same = stt == 200 and all(served.get(k) == cli.get(k) for k in ("posts", "accounts", "timeline") if k in cli)
    ok(same and "timeline" in cli, f"tags/{tag}: posts, accounts and timeline equal 'tag --json'",
       (stt, {k: served.get(k) for k in ("posts", "accounts")}, {k: cli.get(k) for k in ("posts", "accounts")}))
    err = s1.stderr()
    ok(f"{m.topic}[" in err and "]@" in err, "a bad message is reported as TOPIC[PARTITION]@OFFSET", err[-600:])
    ok(s1.stop() == 0, "SIGTERM: the instance publishes its states and exits 0")
    s2 = Server(d, *args)
    good = converge([s2], want_posts, want, 60)
    _, _, st = answer(s2)
    ok(good == [s2] and st.get("lines") == 0,
       "restarted: resumes from the states in Kafka, reads nothing again, same answer", st and st.get("lines"))
    s2.stop()
    m.stop()
    sealed(d, data, nlines, want_posts, want, conf)
    deletes(d, conf)
    bsky_reposts(d, conf)

    # ---- two and three instances in a group ---------------------------------
    for n in (2, 3):
        m = Mock(d)
        nargs = ["--source", m.url(), "--kafka-config", conf, "--close-idle", "1s", "--tag-network-edges", "1000000"]
        srvs = [Server(d, *nargs)]
        # the first owns every partition before the others join: the
        # partitions change hands (a new epoch) as they do
        deadline = time.time() + 30
        while time.time() < deadline and (answer(srvs[0])[2] or {}).get("kafka", {}).get("owned") != 8:
            time.sleep(0.1)
        srvs += [Server(d, *nargs) for _ in range(n - 1)]
        m.produce(data)
        good = converge(srvs, want_posts, want)
        lines = [answer(s)[2].get("lines") for s in srvs]
        ok(len(good) == n, f"{n} instances: each serves the answer of all the messages", lines)
        ok(sum(lines) >= nlines and all(0 < x < nlines for x in lines),
           f"{n} instances share the partitions (messages read: {lines})")
        ks = [answer(s)[2].get("kafka") or {} for s in srvs]
        owned = [k.get("owned") for k in ks]
        ok(all(k.get("partitions") == 8 and k.get("with_state") == 8 for k in ks) and sum(owned) == 8 and
           all(owned), f"/stats: {n} instances own {owned} of the 8 partitions, each holds 8 states", ks)
        bad = [networks(s, data, tag) for s in srvs]
        ok(bad == [[]] * n, f"{n} instances: /network (JSON, GEXF) and /network?tag={tag} equal 'network' over "
           "all the messages", bad)
        recs = [(k.get("state_records"), k.get("states_published")) for k in ks]
        ok(all(r > p > 0 for r, p in recs), f"{n} instances: states split into records of message.max.bytes "
           f"(records, states: {recs})")
        if n == 2:
            r = m.replay_first()
            ok(r.startswith("replayed ") and int(r.split()[1]) >= 8, f"a zombie's late writes: {r}")
            time.sleep(1.5)
            good = converge(srvs, want_posts, want, 30)
            stale = [(answer(s)[2] or {}).get("kafka", {}).get("states_stale") for s in srvs]
            ok(len(good) == n and all(x and x > 0 for x in stale),
               f"fencing: the states of an older epoch are ignored (stale records: {stale}), the answer stays",
               [answer(s)[:2] for s in srvs])
            bad = [networks(s, data, tag) for s in srvs]
            ok(bad == [[]] * n, "fencing: the networks stay", bad)
        t0 = time.time()
        rcs = [s.stop() for s in srvs]
        ok(rcs == [0] * n, f"{n} instances stop cleanly", (rcs, f"{time.time() - t0:.1f} s",
                                                           [s.stderr()[-1500:] for s in srvs]))
        m.stop()
    kill_trials(d, data, nlines, want_posts, want)


def state_topic(m):
    """Every record value of the state topic, as bytes, read with kcat."""
    p = subprocess.run(["kcat", "-C", "-b", m.boot, "-t", f"{m.topic}.gs-state", "-e", "-o", "beginning",
                        "-q", "-f", "%s\\n--gs-record--\\n"], capture_output=True, timeout=60)
    return [r for r in p.stdout.split(b"\n--gs-record--\n") if r]


def ids_in(ids, recs):
    """Which of ids (bytes of digits) appear in the records: every id
    inside a run of digits, found by the runs' substrings (one pass over
    the bytes, not one search an id)."""
    lens = {len(x) for x in ids}
    found = set()
    for run in re.findall(rb"[0-9]{%d,}" % min(lens or {1}), b"\x00".join(recs)):
        for n in lens:
            found.update(run[i:i + n] for i in range(len(run) - n + 1) if run[i:i + n] in ids)
    return sorted(found)


def sealed(d, data, nlines, want_posts, want, conf):
    """--pseudonymize-key-file: the states go to the topic sealed, holding
    no account id (the same states without a key do), the instances'
    answer is the batch's, and states written without the key are refused
    where there is one, and the other way round."""
    m = Mock(d)
    produced = m.produce(data)
    if produced != f"produced {nlines}":
        # once seen in CI: every broker refused connections from here on;
        # say what the cluster said, and try a new one
        print(f"# the mock cluster failed: {produced!r}, {m.health()!r}; a new one", flush=True)
        m.stop()
        m = Mock(d)
        produced = m.produce(data)
    ok(produced == f"produced {nlines}", f"under a key: {produced}", m.health())
    ids = set(re.findall(rb'"user":\{"id":\d+,"id_str":"(\d+)"', open(data, "rb").read()))
    key = os.path.join(d, "pseudo.key")
    with open(key, "w") as f:
        f.write("5f2b9c0e8d7a41f6b3e2c1d0a9f8e7d6c5b4a3928170f6e5d4c3b2a190807f6e\n")
    args = ["--source", m.url(), "--kafka-config", conf, "--close-idle", "1s"]
    s1 = Server(d, *args, "--pseudonymize-key-file", key)
    good = converge([s1], want_posts, want)
    ok(good == [s1], "under a key: the instance's trends and posts equal the batch's",
       (answer(s1)[:2], m.health(), s1.stderr()[-800:]))
    ok(s1.stop() == 0, "under a key: it stops, publishing its states")
    recs = state_topic(m)
    heads = [struct.unpack_from("<4sIII", r) for r in recs if len(r) >= 64]
    found = ids_in(ids, recs)
    ok(len(heads) >= 8 and all(h[0] == b"GSKP" and h[3] & 4 for h in heads) and
       all(r[64:68] == b"GSXK" for r in recs if len(r) >= 68 and struct.unpack_from("<I", r, 48)[0] == 0),
       f"under a key: the {len(recs)} state records are sealed (flag 4, 'GSXK')", heads[:3])
    ok(len(ids) > 100 and not found, f"under a key: the state topic holds none of the input's {len(ids)} account ids",
       (len(found), sorted(found)[:3]))
    s2 = Server(d, *args)  # no key: the sealed states are not taken
    deadline = time.time() + 60
    while time.time() < deadline and "has none" not in s2.stderr():
        time.sleep(0.2)
    err = s2.stderr()
    ok("sealed under a pseudonymisation key, and this instance has none" in err,
       "without the key: a sealed state is refused, said", err[-800:])
    good = converge([s2], want_posts, want)
    ok(good == [s2], "without the key: it counts the messages itself, the same answer", answer(s2)[:2])
    ok(s2.stop() == 0, "without the key: it stops, publishing plain states")
    plain = state_topic(m)
    found = ids_in(ids, plain)
    ok(found, f"(the plain states name {len(found)} account ids: the check above can see them)")
    sealed_ep, plain_ep = {}, {}
    for r in plain:
        if len(r) >= 64 and r[:4] == b"GSKP":
            part, flags = struct.unpack_from("<II", r, 8)
            ep = struct.unpack_from("<Q", r, 32)[0]
            mine = sealed_ep if flags & 4 else plain_ep
            mine[part] = max(mine.get(part, 0), ep) if mine is sealed_ep else min(mine.get(part, ep), ep)
    ok(plain_ep and all(plain_ep[p] > sealed_ep.get(p, 0) for p in plain_ep),
       "without the key: its claims pass the epochs of the sealed states it could not load (else its states "
       "read as replays of the sealed writer's)", (sealed_ep, plain_ep))
    s3 = Server(d, *args, "--pseudonymize-key-file", key)
    deadline = time.time() + 60
    while time.time() < deadline and "not sealed" not in s3.stderr():
        time.sleep(0.2)
    err = s3.stderr()
    ok("not sealed, and this instance takes only states sealed under its pseudonymisation key" in err,
       "with the key again: the plain states written since are refused, said", err[-800:])
    s3.stop()
    m.stop()


def deletes(d, conf):
    """Deletes through Kafka (issue 12 part 5): a Jetstream delete that
    comes in the partition of its post (as a producer keying by DID makes
    it) takes the post back from that partition's counts, so the served
    posts equal a batch run over the stream without the deleted posts; a
    delete in another partition is unresolved, said in /stats."""
    src = os.path.join(d, "js.jsonl")
    g = tap.run("generate", "--seed", "6", "--hours", "6", "--rate", "0.5", "--output-format", "jetstream",
                "--output", src)
    # the generator's own deletes left out (these are the test's), and its
    # reposts: a repost finds its original's tags only within a partition
    # (docs/kafka.md), which is not what this checks
    lines = [l for l in open(src, encoding="utf-8").read().splitlines()
             if '"operation":"delete"' not in l and '"app.bsky.feed.repost"' not in l]
    with open(src, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    rep = json.loads(tap.run("report", "--json", "--top", "3", src).stdout)
    top = rep["tags"][0]["tag"]

    def tags_of(o):
        c = o.get("commit") or {}
        if o.get("kind") != "commit" or c.get("operation") != "create" or \
                c.get("collection") != "app.bsky.feed.post":
            return []
        return [ft.get("tag", "").lower() for fc in c["record"].get("facets", []) for ft in fc["features"]]

    objs = [json.loads(l) for l in lines]
    chosen = [i for i, o in enumerate(objs) if top in tags_of(o)][:25]
    last_us = objs[-1]["time_us"]
    tail, want = [], list(chosen[:24])
    filler = json.dumps({"did": "did:plc:fillerfillerfillerfiller", "time_us": last_us, "kind": "identity",
                         "identity": {"did": "did:plc:fillerfillerfillerfiller", "handle": "filler.test", "seq": 1,
                                      "time": "2017-10-13T06:00:00.000Z"}})

    def delete(i):
        o = objs[i]
        return json.dumps({"did": o["did"], "time_us": last_us, "kind": "commit",
                           "commit": {"rev": "r", "operation": "delete", "collection": "app.bsky.feed.post",
                                      "rkey": o["commit"]["rkey"]}})
    while want:  # each delete at a line of its post's partition (line mod 8)
        at = len(lines) + len(tail)
        j = next((i for i in want if i % 8 == at % 8), None)
        if j is None:
            tail.append(filler)
        else:
            want.remove(j)
            tail.append(delete(j))
    stray = chosen[24]  # its delete in the next partition: unresolved
    while (len(lines) + len(tail)) % 8 != (stray + 1) % 8:
        tail.append(filler)
    tail.append(delete(stray))
    data = os.path.join(d, "js-deletes.jsonl")
    with open(data, "w", encoding="utf-8") as f:
        f.write("\n".join(lines + tail) + "\n")
    kept = os.path.join(d, "js-kept.jsonl")
    gone = set(chosen[:24])
    with open(kept, "w", encoding="utf-8") as f:
        f.write("\n".join(l for i, l in enumerate(lines) if i not in gone) + "\n")
    want_tag = json.loads(tap.run("tag", "--json", top, kept).stdout)
    ok(g.returncode == 0 and len(chosen) == 25 and want_tag.get("posts"),
       f"deletes: 24 posts of #{top} deleted in their partitions, one elsewhere ({len(lines + tail)} messages)")
    m = Mock(d)
    m.produce(data)
    s1 = Server(d, "--source", m.url(), "--kafka-config", conf, "--close-idle", "1s")
    total = len(lines) + len(tail)
    deadline = time.time() + 90
    st = {}
    while time.time() < deadline:
        st = answer(s1)[2] or {}
        if st.get("lines") == total and st.get("retracted", 0) + st.get("retractions_unresolved", 0) >= 25:
            break
        time.sleep(0.3)
    stt, served = {}, {}
    deadline = time.time() + 30
    while time.time() < deadline:  # the served view merges every few seconds
        stt, served = s1.json(f"/api/groundswell/v1/tags/{top}")
        if stt == 200 and served.get("posts") == want_tag["posts"]:
            break
        time.sleep(0.3)
    ok(st.get("retracted") == 24 and st.get("retractions_unresolved") == 1,
       "deletes: 24 retracted in their partitions, the one in another partition unresolved",
       {k: st.get(k) for k in ("lines", "retracted", "retractions_unresolved")})
    def counts(tl):  # what a delete takes back; distinct accounts cannot forget
        return [{k: b.get(k) for k in ("posts", "reposts", "replies") if k in b} for b in tl or []]
    ok(stt == 200 and served.get("posts") == want_tag["posts"] and want_tag.get("timeline") and
       counts(served.get("timeline")) == counts(want_tag.get("timeline")),
       f"deletes: #{top}'s posts and the posts of each bucket equal 'tag' over the stream without the deleted posts",
       (served.get("posts"), want_tag["posts"]))
    s1.stop()
    m.stop()


def bsky_reposts(d, conf):
    """Bluesky reposts name their original by URI; produced round robin,
    most land in another partition than their original, whose tags the
    partition never saw. The merged view resolves them: two instances
    serve what one batch run over the stream gives."""
    src = os.path.join(d, "js-reposts.jsonl")
    g = tap.run("generate", "--seed", "6", "--hours", "24", "--rate", "0.25", "--output-format", "jetstream",
                "--output", src)
    # deletes left out: in another partition than their post they are
    # unresolved (deletes() checks them), and batch runs do not retract
    lines = [l for l in open(src, encoding="utf-8").read().splitlines() if '"operation":"delete"' not in l]
    with open(src, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    at, apart = {}, 0
    for i, l in enumerate(lines):
        o = json.loads(l)
        c = o.get("commit") or {}
        if c.get("collection") == "app.bsky.feed.post":
            at[f"at://{o['did']}/app.bsky.feed.post/{c.get('rkey')}"] = i
        elif c.get("collection") == "app.bsky.feed.repost":
            j = at.get(((c.get("record") or {}).get("subject") or {}).get("uri"))
            apart += j is not None and j % 8 != i % 8
    rep = json.loads(tap.run("report", "--json", "--top", "3", src).stdout)
    summ = rep["summary"]
    top = rep["tags"][0]["tag"]
    want = exact([json.loads(l) for l in tap.run("trends", "--json", "--live", src).stdout.splitlines()
                   if l.strip()])
    ok(len(want) >= 3 and all(t["tag"] for t in want), f"bluesky reposts: the batch answer has {len(want)} trends")
    want_tag = json.loads(tap.run("tag", "--json", top, src).stdout)
    ok(g.returncode == 0 and apart > 100 and want_tag.get("reposts"),
       f"bluesky reposts: {apart} of the stream's reposts are in another partition than their original "
       f"({summ['reposts']} reposts, {summ['reposts_unresolved']} of posts before the stream)")
    m = Mock(d)
    m.produce(src)
    args = ["--source", m.url("gr"), "--kafka-config", conf, "--close-idle", "1s",
            "--tag-network-edges", "1000000"]
    srvs = [Server(d, *args), Server(d, *args)]
    good = converge(srvs, summ["posts"], want)
    ok(len(good) == 2, "bluesky reposts: 2 instances' trends (exact fields) equal 'trends --json --live'",
       [answer(s)[:2] for s in srvs])
    for n, srv in enumerate(srvs, 1):
        deadline = time.time() + 30
        while time.time() < deadline:
            stt, served = srv.json(f"/api/groundswell/v1/tags/{top}")
            st = answer(srv)[2] or {}
            if stt == 200 and served.get("reposts") == want_tag["reposts"]:
                break
            time.sleep(0.3)
        keys = ("posts", "reposts", "accounts", "timeline")
        ok(stt == 200 and all(served.get(k) == want_tag.get(k) for k in keys) and
           st.get("reposts_unresolved") == summ["reposts_unresolved"],
           f"bluesky reposts: instance {n}: #{top}'s posts, reposts, accounts and timeline equal 'tag --json', "
           f"reposts_unresolved {st.get('reposts_unresolved')} the batch's",
           ({k: served.get(k) for k in keys[:3]}, {k: want_tag.get(k) for k in keys[:3]},
            st.get("reposts_unresolved"), summ["reposts_unresolved"]))
        bad = networks(srv, src, top)
        ok(bad == [], f"bluesky reposts: instance {n}: /network (JSON, GEXF) and /network?tag={top} equal "
           "'network'", bad)
    for srv in srvs:
        srv.stop()
    m.stop()


def kill_trials(d, data, nlines, want_posts, want):
    trials = int(os.environ.get("GS_KAFKA_TRIALS", "2"))
    seed = int(os.environ.get("GS_KAFKA_SEED", str(random.randrange(10**6))))
    matched = 0
    for i in range(trials):
        good, restarted = trial(d, data, nlines, want_posts, want, seed + i)
        matched += good
        print(f"# trial {i + 1} (seed {seed + i}, {restarted}): "
              f"{'matched' if good else 'DIFFERED'}", flush=True)
    ok(matched == trials, f"kill -9 trials: {matched} of {trials} matched the batch answer (seed {seed})")


if __name__ == "__main__":
    if not os.path.exists(MOCK):
        tap.skip("kafka", f"{MOCK} not built (librdkafka-dev)")
        tap.done()
    with tempfile.TemporaryDirectory(prefix="gs-kafka-") as d:
        try:
            main(d)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    tap.done()
