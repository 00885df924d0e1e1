"""Kills the collector at many points and checks that nothing accepted
is lost or landed twice.

usage: crash.py FAULT_BINARY BINARY WORKDIR

Runs against the fake Supabase Storage server (fake_supabase.py).  Phase
one runs the fault-injection build (fault.h) with COLLECTOR_FAULT set to
each kill point in turn, many times over; phase two kills the ordinary
build with SIGKILL at random moments while the store is slow to answer.
After each phase, runs without faults until one succeeds, then checks the
store and the spool:

- every batch that ever reached the spool is in the store under its key;
- every object is whole (valid JSON, all its records);
- no record is in the store twice (a batch landed once, under one key);
- the spool holds nothing but its lock: no batches, no temporaries.

Prints "FAIL ..." lines and "N passed, N failed".
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "service-key"
POINTS = ["fetched", "renaming:1", "spooled", "request-sent",
          "response-received", "uploaded", "unspooled", "replayed",
          "request-sent:2", "response-received:2", "unspooled:2"]

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


class Store:
    """A fake Supabase Storage server for one phase."""

    def __init__(self, work, name, *flags):
        port_file = os.path.join(work, name + ".port")
        self.log = open(os.path.join(work, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_supabase.py"),
             "--port-file", port_file, "--key", KEY] + list(flags),
            stdout=self.log, stderr=self.log)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:" + open(port_file).read().strip()

    def get(self, path):
        with urllib.request.urlopen(self.url + path) as r:
            return r.read()

    def objects(self):
        found = {}
        for o in json.loads(self.get("/__objects")):
            found[o["key"]] = self.get(
                "/__object/datalake/" + urllib.parse.quote(o["key"]))
        return found

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def spooled_keys(spool):
    keys = set()
    if os.path.isdir(spool):
        for name in os.listdir(spool):
            if name.endswith(".batch"):
                with open(os.path.join(spool, name), "rb") as f:
                    keys.add(json.loads(f.readline())["key"])
    return keys


def run(argv, env, kill_after=None):
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    if kill_after is not None:
        time.sleep(kill_after)
        p.send_signal(signal.SIGKILL)
    _, err = p.communicate()
    return p.returncode, err.decode(errors="replace")


def drain(binary, common, env, phase):
    for _ in range(5):
        code, err = run([binary] + common + ["--max-size", "1",
                                             "--records", "1"], env)
        if code == 0:
            return
    check(False, "%s: the clean-up run failed: %d %s" % (phase, code, err))


def verify(phase, store, spool, ever_spooled, sizes):
    objects = store.objects()
    missing = sorted(ever_spooled - set(objects))
    check(not missing, "%s: spooled batches missing from the store: %s" % (
        phase, missing[:3]))
    seen, dups, broken = {}, 0, []
    for key, data in objects.items():
        try:
            records = json.loads(data)
        except ValueError:
            broken.append(key)
            continue
        if len(records) not in sizes:
            broken.append(key)
        for r in records:
            text = json.dumps(r, sort_keys=True)
            if text in seen and seen[text] != key:
                dups += 1
            seen[text] = key
    check(not broken, "%s: partial or wrong objects: %s" % (
        phase, broken[:3]))
    check(dups == 0, "%s: %d records landed twice" % (phase, dups))
    leftovers = [n for n in os.listdir(spool) if n != "lock"]
    check(not leftovers, "%s: spool leftovers: %s" % (phase, leftovers))
    return len(objects)


def phase_env():
    env = dict(os.environ)
    env["COLLECTOR_PROJECT_KEY"] = KEY
    return env


def fault_phase(binary, plain, work, rounds):
    store = Store(work, "store1")
    spool = os.path.join(work, "spool1")
    common = ["--project-url", store.url, "--spool-dir", spool,
              "--retries", "0"]
    env = phase_env()
    ever, kills = set(), 0
    for i in range(rounds):
        env["COLLECTOR_FAULT"] = POINTS[i % len(POINTS)]
        code, err = run([binary] + common + ["--seed", str(1000 + i),
                        "--max-size", "2", "--records", "20"], env)
        if code == -signal.SIGKILL:
            kills += 1
        elif code != 0:
            check(False, "fault run %s exited %d: %s" % (
                env["COLLECTOR_FAULT"], code, err))
        ever |= spooled_keys(spool)
    del env["COLLECTOR_FAULT"]
    check(kills >= 200, "fault phase: only %d kills" % kills)
    drain(plain, common, env, "fault phase")
    n = verify("fault phase", store, spool, ever, {40, 1})
    store.close()
    print("fault phase: %d kills at %d points, %d objects" % (
        kills, len(POINTS), n))


def random_phase(binary, work, rounds):
    store = Store(work, "store2", "--delay", "150")
    spool = os.path.join(work, "spool2")
    common = ["--project-url", store.url, "--spool-dir", spool]
    env = phase_env()
    rng = random.Random(7)
    ever = set()
    for i in range(rounds):
        run([binary] + common + ["--seed", str(5000 + i), "--max-size", "4",
            "--records", "200"], env, kill_after=rng.uniform(0, 0.3))
        ever |= spooled_keys(spool)
    drain(binary, common, env, "random phase")
    n = verify("random phase", store, spool, ever, {800, 1})
    store.close()
    print("random phase: %d kills, %d objects" % (rounds, n))


def local_phase(binary, work, rounds):
    """A local lake has no spool: a killed run may lose its batch, but
    must leave nothing partial or hidden behind."""
    lake = os.path.join(work, "lake3")
    rng = random.Random(11)
    for i in range(rounds):
        run([binary, "--project-url", "file://" + lake, "--seed",
             str(9000 + i), "--max-size", "20", "--records", "1000"],
            dict(os.environ), kill_after=rng.uniform(0, 0.15))
    objects, bad = 0, []
    for d, _, files in os.walk(lake):
        for f in files:
            path = os.path.join(d, f)
            try:
                with open(path) as fh:
                    ok = len(json.load(fh)) == 20000 and f[0] != "."
            except ValueError:
                ok = False
            objects += 1
            if not ok:
                bad.append(path)
    check(not bad, "local phase: partial or hidden files: %s" % bad[:3])
    print("local phase: %d kills, %d whole objects" % (rounds, objects))


def main():
    fault_binary, binary, work = sys.argv[1:4]
    fault_phase(fault_binary, binary, work, 330)
    random_phase(binary, work, 40)
    local_phase(binary, work, 30)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
