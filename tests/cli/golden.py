"""Golden-data checks (TAP): report --json and stderr of each sample versus
the hand-checked expectations in tests/golden/expected.json."""
import json
import os
import subprocess

from tap import BIN, done, ok

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden")

expected = json.load(open(os.path.join(HERE, "expected.json"), encoding="utf-8"))
for name, exp in expected.items():
    if name.startswith("_"):
        continue
    path = os.path.join(HERE, name)
    p = subprocess.run([BIN, "report", "--json", "--top", "0", path],
                       capture_output=True, text=True)
    ok(p.returncode == 0, f"{name}: report exits 0", p.stderr)
    try:
        got = json.loads(p.stdout)
    except ValueError as e:
        ok(False, f"{name}: output is JSON", e)
        continue
    for k, v in exp.get("summary", {}).items():
        ok(got["summary"].get(k) == v, f"{name}: summary {k} = {v}",
           f"got {got['summary'].get(k)}")
    tags = {t["tag"]: t for t in got["tags"]}
    for tag, fields in exp.get("tags", {}).items():
        t = tags.get(tag)
        ok(t is not None, f"{name}: tag {tag} present", sorted(tags))
        if t is None:
            continue
        for k, v in fields.items():
            ok(t.get(k) == v, f"{name}: {tag} {k} = {v}", f"got {t.get(k)}")
    for tag in exp.get("absent", []):
        ok(tag not in tags, f"{name}: no tag {tag}")
    lines = [l for l in p.stderr.splitlines() if l.startswith(path + ":")]
    for e in exp.get("errors", []):
        ok(any(e in l for l in lines), f"{name}: reports '{e}'", p.stderr)
    ok(len(lines) == len(exp.get("errors", [])), f"{name}: no other errors", p.stderr)
    # the same through stdin, and under --strict the first error is fatal
    with open(path, "rb") as f:
        q = subprocess.run([BIN, "report", "--json", "--top", "0", "-"], stdin=f,
                           capture_output=True, text=True)
    ok(q.returncode == 0 and json.loads(q.stdout)["summary"] == got["summary"],
       f"{name}: stdin gives the same summary")
    if exp.get("errors"):
        s = subprocess.run([BIN, "report", "--strict", path], capture_output=True, text=True)
        ok(s.returncode == 3, f"{name}: --strict exits 3", s.returncode)

done()
