"""Kills the collector at many points and checks that nothing accepted
is lost or landed twice.

usage: crash.py FAULT_BINARY BINARY WORKDIR

Phase one runs the fault-injection build (fault.h) with COLLECTOR_FAULT
set to each kill point in turn, many times over; phase two kills the
ordinary build with SIGKILL at random moments.  After each phase, runs
without faults until one succeeds, then checks the lake and the spool:

- every batch that ever reached the spool is in the lake under its key;
- every object is whole (valid JSON, all its records), none is partial;
- no record is in the lake twice (a batch landed once, under one key);
- the spool holds nothing but its lock: no batches, no temporaries.

Prints "ok ..." / "FAIL ..." lines and "N passed, N failed".
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

POINTS = ["fetched", "renaming:1", "spooled", "renaming:2", "uploaded",
          "unspooled", "replayed", "renaming:3", "unspooled:2"]

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def spooled_keys(spool):
    keys = set()
    if not os.path.isdir(spool):
        return keys
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
            return True
    print("FAIL %s: the clean-up run failed: %d %s" % (phase, code, err))
    return False


def verify(phase, lake, spool, ever_spooled, records_per_batch):
    objects = {}
    partial = []
    for d, _, files in os.walk(lake):
        for f in files:
            path = os.path.join(d, f)
            key = os.path.relpath(path, os.path.join(lake, "datalake"))
            if f.startswith("."):
                partial.append(path)
                continue
            try:
                with open(path) as fh:
                    objects[key] = json.load(fh)
            except ValueError:
                partial.append(path)
    check(not partial, "%s: partial objects in the lake: %s" % (
        phase, partial[:3]))
    missing = sorted(ever_spooled - set(objects))
    check(not missing, "%s: spooled batches missing from the lake: %s" % (
        phase, missing[:3]))
    wrong = [k for k, v in objects.items()
             if len(v) not in records_per_batch]
    check(not wrong, "%s: objects with the wrong record count: %s" % (
        phase, wrong[:3]))
    seen = {}
    dups = 0
    for key, records in objects.items():
        for r in records:
            text = json.dumps(r, sort_keys=True)
            if text in seen and seen[text] != key:
                dups += 1
            seen[text] = key
    check(dups == 0, "%s: %d records landed twice" % (phase, dups))
    leftovers = [n for n in os.listdir(spool) if n != "lock"]
    check(not leftovers, "%s: spool leftovers: %s" % (phase, leftovers))
    return len(objects)


def fault_phase(binary, plain, work, rounds):
    lake, spool = os.path.join(work, "lake1"), os.path.join(work, "spool1")
    common = ["--project-url", "file://" + lake, "--spool-dir", spool]
    env = dict(os.environ)
    ever, kills = set(), 0
    for i in range(rounds):
        env["COLLECTOR_FAULT"] = POINTS[i % len(POINTS)]
        code, err = run([binary] + common + ["--seed", str(1000 + i),
                        "--max-size", "2", "--records", "20"], env)
        if code == -signal.SIGKILL:
            kills += 1
        elif code not in (0, 75):
            print("FAIL fault run %s exited %d: %s" % (
                env["COLLECTOR_FAULT"], code, err))
        ever |= spooled_keys(spool)
    del env["COLLECTOR_FAULT"]
    check(kills >= 200, "fault phase: only %d kills" % kills)
    drain(plain, common, env, "fault phase")
    n = verify("fault phase", lake, spool, ever, {40, 1})
    print("ok fault phase: %d kills at %d points, %d objects" % (
        kills, len(POINTS), n))


def random_phase(binary, work, rounds):
    lake, spool = os.path.join(work, "lake2"), os.path.join(work, "spool2")
    common = ["--project-url", "file://" + lake, "--spool-dir", spool]
    env = dict(os.environ)
    rng = random.Random(7)
    ever = set()
    for i in range(rounds):
        run([binary] + common + ["--seed", str(5000 + i), "--max-size", "20",
            "--records", "500"], env, kill_after=rng.uniform(0, 0.08))
        ever |= spooled_keys(spool)
    drain(binary, common, env, "random phase")
    n = verify("random phase", lake, spool, ever, {10000, 1})
    print("ok random phase: %d kills, %d objects" % (rounds, n))


def main():
    fault_binary, binary, work = sys.argv[1:4]
    fault_phase(fault_binary, binary, work, 320)
    random_phase(binary, work, 40)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
