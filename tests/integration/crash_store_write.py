#!/usr/bin/env python3
"""Kills (-9) the wrapper at random points of a miss that stores an entry, over and over.

Driver of crash_store_write.sh. The unit is one rustc invocation recorded from Cargo (arguments,
working directory, environment), run through the wrapper; its entry is a few MB, so writing
it takes measurable time. Each iteration:

 1. removes the stored entry (sometimes its manifest too), so the next run misses and stores;
 2. starts the wrapper and SIGKILLs its process group (the wrapper and its rustc), either at a
    uniformly random time of the whole run, or once the entry's temp file appears, after a
    random part of the time a write takes (measured beforehand);
 3. checks the store: `cratecache verify` finds no bad entry, every file under entries/ and
    manifests/ is a complete one under its final name or a temp file, every manifest parses;
 4. runs the unit normally: it must hit or miss (not fail), with outputs byte-identical to
    the uncached rustc run's; after a miss, one more run must hit with the same outputs.

It runs at least --iterations times, and on (within --budget-s) until --min-in-write kills have
landed within the entry write. Leftover temp files are counted, not removed: the calling script
checks what gc does with them. Prints one summary line; exits non-zero with a message on the
first failure.
"""
import argparse
import ctypes
import json
import os
import random
import re
import select
import signal
import statistics
import subprocess
import sys
import time

TEMP = re.compile(r"\.tmp\.\d+\.\d+$")  # write_file_atomic's "<final name>.tmp.<pid>.<n>"
LIBC = ctypes.CDLL(None, use_errno=True)
RUN_TIMEOUT_S = 60  # a normal run takes well under a second: more means it hangs (a stale lock?)


def fail(msg):
    sys.exit(f"crash driver: {msg}")


def read_nul_list(path):
    with open(path, "rb") as f:
        return [x.decode() for x in f.read().split(b"\0") if x]


class Unit:
    def __init__(self, a):
        self.argv = [a.bin] + read_nul_list(a.capture + ".args")  # [cratecache, rustc, args...]
        with open(a.capture + ".cwd") as f:
            self.cwd = f.read().strip()
        env = dict(kv.split("=", 1) for kv in read_nul_list(a.capture + ".env"))
        for name in ("CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS"):  # Cargo's jobserver is gone
            env.pop(name, None)
        env["CRATECACHE_DIR"] = a.store
        self.log = os.path.join(a.work, "unit.log")
        env["CRATECACHE_LOG"] = self.log
        self.env = env
        self.out_dir = self.argv[self.argv.index("--out-dir") + 1]
        # The uncached run's outputs: Cargo's reference build of this very invocation.
        self.reference = {}
        for name in os.listdir(a.reference_deps):
            if name.startswith((a.crate + "-", "lib" + a.crate + "-")):
                with open(os.path.join(a.reference_deps, name), "rb") as f:
                    self.reference[name] = f.read()
        if len(self.reference) != 3:
            fail(f"expected .d, .rlib, .rmeta of {a.crate} in {a.reference_deps}: {sorted(self.reference)}")

    def start(self):
        open(self.log, "w").close()
        # Own process group: the kill takes rustc along, as a killed build's would go.
        return subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def run(self, what):
        """A normal run; returns its outcome (hit or miss) after checking its outputs."""
        for name in self.reference:
            remove(os.path.join(self.out_dir, name))
        p = self.start()
        try:
            rc = p.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            kill_group(p)
            fail(f"{what}: the wrapper ran for over {RUN_TIMEOUT_S} s")
        with open(self.log) as f:
            outcomes = [line.split("\t")[0] for line in f]
        if rc != 0 or outcomes not in (["hit"], ["miss"]):
            fail(f"{what}: exit code {rc}, logged outcomes {outcomes} (want one hit or miss)")
        for name, want in self.reference.items():
            with open(os.path.join(self.out_dir, name), "rb") as f:
                if f.read() != want:
                    fail(f"{what} ({outcomes[0]}): {name} differs from the uncached rustc output")
        return outcomes[0]


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def kill_group(p):
    """SIGKILLs p's process group and reaps all of it (this driver is their subreaper)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    while True:
        try:
            os.waitpid(-1, 0)  # orphaned rustc, reparented to us
        except ChildProcessError:
            return


class CreateWatch:
    """inotify IN_CREATE on a directory. A poll loop may not run for milliseconds on a busy machine;
    a sleeper woken by the kernel runs almost at once, so it catches a write lasting under 1 ms."""

    def __init__(self, directory):
        self.fd = LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or LIBC.inotify_add_watch(self.fd, directory.encode(), 0x100) < 0:
            fail(f"cannot watch {directory}: {os.strerror(ctypes.get_errno())}")

    def drain(self):
        while select.select([self.fd], [], [], 0)[0]:
            os.read(self.fd, 65536)

    def wait(self, proc):
        """Waits until a file is created or proc exits."""
        while proc.poll() is None and not select.select([self.fd], [], [], 0.01)[0]:
            pass


def temps_in(directory, prefix):
    try:
        return {n for n in os.listdir(directory) if n.startswith(prefix) and TEMP.search(n)}
    except FileNotFoundError:
        return set()


def check_store(bin_, store, what):
    v = subprocess.run([bin_, "verify"], env=dict(os.environ, CRATECACHE_DIR=store),
                       capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    if v.returncode != 0 or not re.search(r" entries checked, 0 bad$", v.stdout.strip()):
        fail(f"{what}: cratecache verify exited {v.returncode}: {v.stdout}{v.stderr}")
    for sub, final in (("entries", ".entry"), ("manifests", ".json")):
        for parent, _, names in os.walk(os.path.join(store, sub)):
            for n in names:
                path = os.path.join(parent, n)
                if TEMP.search(n):
                    continue
                if not n.endswith(final):
                    fail(f"{what}: unexpected file {path}")
                if final == ".json":
                    try:
                        with open(path) as f:
                            json.load(f)["candidates"]
                    except (ValueError, KeyError) as e:
                        fail(f"{what}: damaged manifest {path}: {e}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt in ("bin", "store", "capture", "reference-deps", "crate", "work"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--iterations", type=int, required=True, help="at least this many")
    p.add_argument("--min-in-write", type=int, required=True, help="kills within the entry write, at least")
    p.add_argument("--budget-s", type=float, required=True, help="time to reach --min-in-write")
    p.add_argument("--seed", type=int, required=True)
    a = p.parse_args()
    rng = random.Random(a.seed)
    # PR_SET_CHILD_SUBREAPER: a killed wrapper's rustc is reparented to us, so we can wait for it.
    if LIBC.prctl(36, 1, 0, 0, 0) != 0:
        fail("prctl(PR_SET_CHILD_SUBREAPER) failed")
    unit = Unit(a)

    if unit.run("first run") != "miss":
        fail("first run into an empty store did not miss")
    entries = [os.path.join(d, n) for d, _, ns in os.walk(os.path.join(a.store, "entries")) for n in ns]
    manifests = [os.path.join(d, n) for d, _, ns in os.walk(os.path.join(a.store, "manifests")) for n in ns]
    if len(entries) != 1 or len(manifests) != 1:
        fail(f"expected one entry and one manifest after the first run: {entries} {manifests}")
    entry, manifest = entries[0], manifests[0]
    entry_dir, entry_temp = os.path.dirname(entry), os.path.basename(entry) + ".tmp."

    # Timeline of a miss: when the entry's temp file appears, when it is renamed, when the wrapper
    # exits. The temp file may live under a millisecond: polls miss it in some runs.
    runs, writes, tails = [], [], []
    for _ in range(50):
        remove(entry)
        t0, seen, renamed = time.monotonic(), None, None
        proc = unit.start()
        while proc.poll() is None:
            if seen is None and temps_in(entry_dir, entry_temp):
                seen = time.monotonic() - t0
            if seen is not None and renamed is None and os.path.exists(entry):
                renamed = time.monotonic() - t0
        end = time.monotonic() - t0
        if proc.returncode != 0 or not os.path.exists(entry):
            fail(f"timing run: exit {proc.returncode}, entry stored: {os.path.exists(entry)}")
        runs.append(end)
        if renamed is not None:
            writes.append(renamed - seen)
            tails.append(end - renamed)
        if len(writes) == 3:
            break
    else:
        fail(f"the entry's write was seen in only {len(writes)} of 50 runs")
    run_s, write_s, tail_s = (statistics.median(x) for x in (runs, writes, tails))
    print(f"crash driver: a miss takes {run_s * 1000:.0f} ms: writing the entry {write_s * 1000:.1f} ms, "
          f"then {tail_s * 1000:.1f} ms to exit")

    watch = CreateWatch(entry_dir)
    killed = {"before the entry write": 0, "during the entry write": 0, "after the rename": 0}
    not_killed = 0
    outcomes = {"hit": 0, "miss": 0}
    start = time.monotonic()
    i = 0
    # On a busy machine the driver may wake up only after the write: then it goes on (up to the
    # time budget) until enough kills landed within the write.
    while i < a.iterations or (killed["during the entry write"] < a.min_in_write
                               and time.monotonic() - start < a.budget_s):
        what = f"iteration {i}"
        i += 1
        remove(entry)
        if rng.random() < 0.25:
            remove(manifest)  # also the first store of an input key, not only a re-store
        temps_before = temps_in(entry_dir, entry_temp)
        watch.drain()
        proc = unit.start()
        if rng.random() < 0.3:
            deadline = time.monotonic() + rng.uniform(0, run_s)
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
        else:
            watch.wait(proc)
            time.sleep(rng.uniform(0, write_s))  # or a bit later: the wake-up may be late
        if proc.poll() is not None:
            not_killed += 1
            if proc.returncode != 0:
                fail(f"{what}: the wrapper exited {proc.returncode} without being killed")
        else:
            kill_group(proc)
            if os.path.exists(entry):
                killed["after the rename"] += 1
            elif temps_in(entry_dir, entry_temp) - temps_before:
                killed["during the entry write"] += 1
            else:
                killed["before the entry write"] += 1
        check_store(a.bin, a.store, what)
        outcome = unit.run(f"{what}, run after the kill")
        outcomes[outcome] += 1
        if outcome == "miss" and unit.run(f"{what}, run after the miss") != "hit":
            fail(f"{what}: the entry stored by the run after the kill does not hit")

    temps = [os.path.join(d, n) for sub in ("entries", "manifests", "stat")
             for d, _, ns in os.walk(os.path.join(a.store, sub)) for n in ns if TEMP.search(n)]
    size = sum(os.path.getsize(t) for t in temps)
    print(f"crash driver: {i} iterations in {time.monotonic() - start:.0f} s, seed {a.seed}; "
          f"killed {sum(killed.values())} ({', '.join(f'{v} {k}' for k, v in killed.items())}), "
          f"{not_killed} finished first; runs after the kill: {outcomes['hit']} hits, "
          f"{outcomes['miss']} misses; "
          f"{len(temps)} temp files left ({size / 2**20:.1f} MiB)")
    # Enough kills must land inside the write, or this tested little.
    if killed["during the entry write"] < a.min_in_write:
        fail(f"only {killed['during the entry write']} kills during the entry write in {a.budget_s} s")


if __name__ == "__main__":
    main()
