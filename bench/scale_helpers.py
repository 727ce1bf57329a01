#!/usr/bin/env python3
"""Helpers for bench/scale.sh (see docs/benchmarks.md, *Scale*).

  batch WORK NAME PREFIX FIRST COUNT     a directory registry of COUNT one-line crates, a CARGO_HOME
                                         using it and a project depending on all of them
  shapes WORK SHAPES DEPS POOL           a registry of POOL crates and SHAPES projects of DEPS of them
  records WORK STORE BIN FIRST COUNT JOBS  COUNT more recorded projects, each through one wrapper call
  replay BIN STORE N OUT UNIT...         time each recorded unit N times through the wrapper (hits)
  misses BIN STORE OUT UNIT...           each unit once: rustc alone, then through the wrapper (a miss)
  evict BIN STORE SCRATCH OUT UNIT...    each unit a miss in a fresh copy of the store, its size limit
                                         just under the store's size (the put starts the background trim)
  timecmd NAME REPS OUT CMD...           median wall ms and peak RSS of a command
  gchalf BIN STORE SCRATCH REPS OUT      `gc --max-size` half the size, in fresh copies of the store
  stubs WORK STORE COUNT SHAPES OUT      COUNT stub builds (fresh copies of the shapes), timed
  units RECORD_DIR PREFIX [N]            the (first N) recorded compiles of crates named PREFIX...
  copy_entries STORE TOTAL               TOTAL entries, by copying the store's under new names
  report RESULTS_DIR META                the Markdown report
"""
import collections
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_helpers  # noqa: E402  (load_unit: a recording of bench/record-wrapper.sh)

VERSION = "0.1.0"


def crate_dir(reg, name):
    return f"{reg}/{name}-{VERSION}"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_registry(reg, names):
    """A directory source: no index; Cargo reads every crate's manifest, and takes the package
    checksum from .cargo-checksum.json (files {}: nothing to verify) into Cargo.lock."""
    for i, name in enumerate(names):
        d = crate_dir(reg, name)
        write(f"{d}/Cargo.toml", f'[package]\nname = "{name}"\nversion = "{VERSION}"\nedition = "2021"\n')
        write(f"{d}/src/lib.rs", f"pub fn f() -> u32 {{ {i} }}\n")
        write(f"{d}/.cargo-checksum.json",
              json.dumps({"files": {}, "package": hashlib.sha256(name.encode()).hexdigest()}))


def make_home(home, reg):
    write(f"{home}/config.toml", '[source.crates-io]\nreplace-with = "gen"\n\n'
          f'[source.gen]\ndirectory = "{reg}"\n\n[net]\noffline = true\n')


def make_project(d, name, deps):
    lines = "".join(f'{n} = "{VERSION}"\n' for n in deps)
    write(f"{d}/Cargo.toml", f'[package]\nname = "{name}"\nversion = "{VERSION}"\nedition = "2021"\n\n'
          f"[dependencies]\n{lines}")
    write(f"{d}/src/lib.rs", "")


def cmd_batch(work, name, prefix, first, count):
    # Each batch has its own registry: a directory source of 10^4 crates costs every cargo run a
    # parse of 10^4 manifests.
    names = [f"{prefix}{i:06d}" for i in range(int(first), int(first) + int(count))]
    make_registry(f"{work}/reg/{name}", names)
    make_home(f"{work}/home/{name}", f"{work}/reg/{name}")
    make_project(f"{work}/proj/{name}", name, names)


def cmd_shapes(work, shapes, deps, pool):
    names = [f"w{i:04d}" for i in range(int(pool))]
    make_registry(f"{work}/reg/pool", names)
    make_home(f"{work}/home/pool", f"{work}/reg/pool")
    for s in range(int(shapes)):
        make_project(f"{work}/proj/shape{s:02d}", f"shape{s:02d}", sorted(random.Random(s).sample(names, int(deps))))


# --- timing -----------------------------------------------------------------------------------
# Wall ms; CPU ms (user + system, the process and the children it waited for: a detached trim is
# not counted, it is off the build's path); peak RSS in KiB; exit code.
Sample = collections.namedtuple("Sample", "ms cpu_ms rss_kib rc")


def run(argv, env, cwd=None, stdout=subprocess.DEVNULL):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    ms = (time.perf_counter() - t0) * 1000.0
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        sys.stderr.write(f"scale: {' '.join(argv[:3])}... exited {rc}: {err.decode(errors='replace')[-2000:]}\n")
    return Sample(ms, (usage.ru_utime + usage.ru_stime) * 1000.0, usage.ru_maxrss, rc)


def emit(out, pairs):
    with open(out, "a") as f:
        for k, v in pairs:
            f.write(f"{k}\t{v}\n")


def fmt_ms(values):
    return f"{statistics.median(values):.2f}" if values else "nan"


def medians(name, samples):
    """NAME_ms and NAME_cpu_ms: medians of the samples."""
    return [(f"{name}_ms", fmt_ms([x.ms for x in samples])), (f"{name}_cpu_ms", fmt_ms([x.cpu_ms for x in samples]))]


def unit_env(unit, store, log):
    env = dict(unit["env"], CRATECACHE_DIR=store, CRATECACHE_LOG=log)
    for k in ("CARGO_MAKEFLAGS", "MAKEFLAGS", "MFLAGS", "CRATECACHE_MAX_SIZE"):
        env.pop(k, None)  # the recording's jobserver fds are not open here
    return env


def last_outcome(log):
    rows = bench_helpers.read_log(log)
    return rows[-1][0] if rows else "none"


def cmd_replay(binary, store, reps, out, *unit_dirs):
    units = [bench_helpers.load_unit(d) for d in unit_dirs]
    log = out + ".hit.log"
    samples, outcomes = [], {}
    for u in units:  # untimed first pass: the stat cache and page cache are warm, as in a build
        run([binary] + u["argv"], unit_env(u, store, log), u["cwd"])
    for _ in range(int(reps)):
        for u in units:
            open(log, "w").close()
            samples.append(run([binary] + u["argv"], unit_env(u, store, log), u["cwd"]))
            o = last_outcome(log)
            outcomes[o] = outcomes.get(o, 0) + 1
    emit(out, medians("hit", samples) + [("hit_n", len(samples)),
               ("hit_outcomes", ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))])


def cmd_misses(binary, store, out, *unit_dirs):
    log = out + ".miss.log"
    rustc, miss, outcomes = [], [], {}
    for d in unit_dirs:  # rustc alone and the miss alternate: load from others hits both alike
        u = bench_helpers.load_unit(d)
        env = unit_env(u, store, log)
        rustc.append(run(u["argv"], env, u["cwd"]))
        open(log, "w").close()
        miss.append(run([binary] + u["argv"], env, u["cwd"]))
        o = last_outcome(log)
        outcomes[o] = outcomes.get(o, 0) + 1
    emit(out, medians("rustc", rustc) + medians("miss", miss) + [("miss_n", len(miss)),
               ("miss_outcomes", ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))])


def store_json(binary, store):
    r = subprocess.run([binary, "stats", "--json"], env=dict(os.environ, CRATECACHE_DIR=store),
                       capture_output=True, check=True)
    return json.loads(r.stdout)


def wait_for_trim(store, timeout_s=600):
    """The background trim holds the store's cleanup lock to its end (the child got it from the put)."""
    t0 = time.perf_counter()
    subprocess.run(["flock", "-w", str(timeout_s), os.path.join(store, "cleanup.lock"), "true"], check=False)
    return (time.perf_counter() - t0) * 1000.0


def cmd_evict(binary, store, scratch, out, *unit_dirs):
    log = out + ".evict.log"
    miss, trim_ms, trimmed, outcomes = [], [], [], {}
    for d in unit_dirs:
        u = bench_helpers.load_unit(d)
        copy = copy_store(store, scratch)
        before = store_json(binary, copy)
        env = unit_env(u, copy, log)
        env["CRATECACHE_MAX_SIZE"] = str(int(before["bytes"] * 0.999))
        open(log, "w").close()
        miss.append(run([binary] + u["argv"], env, u["cwd"]))
        trim_ms.append(wait_for_trim(copy))
        o = last_outcome(log)
        outcomes[o] = outcomes.get(o, 0) + 1
        after = store_json(binary, copy)
        trimmed.append(before["entries"] + 1 - after["entries"])
        shutil.rmtree(copy, ignore_errors=True)
    emit(out, medians("evict_miss", miss) + [("evict_n", len(miss)),
               ("evict_outcomes", ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))),
               ("evict_trim_ms", fmt_ms(trim_ms)),
               ("evict_trimmed", " ".join(str(t) for t in trimmed))])


def cmd_timecmd(name, reps, out, *argv):
    """The last run's stdout is kept in OUT.NAME.stdout."""
    samples = []
    for _ in range(int(reps)):
        with open(f"{out}.{name}.stdout", "w") as stdout:
            samples.append(run(list(argv), dict(os.environ), stdout=stdout))
    emit(out, summary(name, samples))


def summary(name, samples):
    return medians(name, samples) + [
        (f"{name}_samples", " ".join(f"{x.ms:.1f}" for x in samples)),
        (f"{name}_rss_kib", max(x.rss_kib for x in samples)),
        (f"{name}_rc", " ".join(map(str, sorted({x.rc for x in samples}))))]


def copy_store(store, scratch):
    copy = os.path.join(scratch, "store-copy")
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-a", store, copy], check=True)
    os.sync()  # the copy's writeback would otherwise run during what is timed next
    return copy


def cmd_gchalf(binary, store, scratch, reps, out):
    """`gc --max-size` half the store's size, each run in a fresh copy of it."""
    samples, left = [], []
    for _ in range(int(reps)):
        copy = copy_store(store, scratch)
        before = store_json(binary, copy)
        samples.append(run([binary, "gc", "--max-size", str(before["bytes"] // 2)], dict(os.environ, CRATECACHE_DIR=copy)))
        left.append(f"{before['entries']}->{store_json(binary, copy)['entries']}")
        shutil.rmtree(copy, ignore_errors=True)
    emit(out, summary("gc_half", samples) + [("gc_half_entries", " ".join(left))])


def cmd_stubs(work, store, count, shapes, out):
    """One `cargo build` of a fresh copy of each of COUNT shapes through the wrapper, under the
    store's warm/ (where builds make no project records, like warm's own stubs)."""
    binary = os.path.join(work, "bin", "cratecache")
    env = dict(os.environ, CARGO_HOME=f"{work}/home/pool", RUSTC_WRAPPER=binary, CRATECACHE_DIR=store)
    stub = os.path.join(store, "warm", "scale-stub")
    samples = []
    for s in range(int(count)):
        shutil.rmtree(stub, ignore_errors=True)
        shutil.copytree(f"{work}/proj/shape{s % int(shapes):02d}", stub, ignore=shutil.ignore_patterns("target"))
        samples.append(run(["cargo", "build", "-q", "--lib"], env, stub))
    shutil.rmtree(stub, ignore_errors=True)
    emit(out, summary("stub", samples))


def cmd_units(record_dir, prefix, limit=None):
    """The recorded compiles of crates named PREFIX..., by name (not Cargo's probes)."""
    found = []
    for d in os.listdir(record_dir):
        u = bench_helpers.load_unit(os.path.join(record_dir, d))
        argv = u["argv"]
        if "--crate-name" in argv:
            name = argv[argv.index("--crate-name") + 1]
            if name.startswith(prefix):
                found.append((name, os.path.join(record_dir, d)))
    for _, d in sorted(found)[:int(limit) if limit else None]:
        print(d)


def cmd_copy_entries(store, total):
    """Grows the store to TOTAL entries by copying its entries under new names (same bytes and
    mtimes; no manifest leads to them): what the walks of maintenance and trims see at that size,
    without building that many crates. Counters a store keeps do not see them."""
    entries = []
    for root, _, names in os.walk(os.path.join(store, "entries")):
        entries += [os.path.join(root, n) for n in names if n.endswith(".entry")]
    entries.sort()
    need, i = int(total) - len(entries), 0
    while need > 0:
        src = entries[i % len(entries)]
        digest = hashlib.sha256(f"{src}:{i}".encode()).hexdigest()
        dst = os.path.join(os.path.dirname(os.path.dirname(src)), digest[:2], digest + ".entry")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        i += 1
        need -= 1
    print(f"copied {i} entries")


# --- project records --------------------------------------------------------------------------
def shape_units(work):
    """The primary package's rustc call of each shape, recorded in its cargo build."""
    units = {}
    rec = f"{work}/rec/shapes"
    for d in sorted(os.listdir(rec)):
        u = bench_helpers.load_unit(os.path.join(rec, d))
        if u["env"].get("CARGO_PRIMARY_PACKAGE") and "--crate-name" in u["argv"]:
            units[u["env"]["CARGO_PKG_NAME"]] = u
    return [units[k] for k in sorted(units)]


def record_one(binary, store, unit, project):
    """The shape's member compile, as Cargo would run it in `project`: its own name, manifest,
    lock file and out-dir; the dependencies are the shape's built ones."""
    tdir, name = unit["cwd"], os.path.basename(project)
    tname = unit["env"]["CARGO_PKG_NAME"]
    for f in ("Cargo.toml", "Cargo.lock"):
        with open(os.path.join(tdir, f)) as src:
            write(os.path.join(project, f), src.read().replace(f'name = "{tname}"', f'name = "{name}"'))
    write(os.path.join(project, "src/lib.rs"), "")
    env = unit_env(unit, store, os.devnull)
    for k in ("PWD", "CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH"):
        env[k] = env[k].replace(tdir, project)
    env["CARGO_PKG_NAME"] = env["CARGO_CRATE_NAME"] = name
    argv = list(unit["argv"])
    for i in range(1, len(argv)):
        if argv[i - 1] == "--crate-name":
            argv[i] = name
        elif argv[i - 1] == "--out-dir":
            argv[i] = argv[i].replace(tdir, project)
            os.makedirs(argv[i], exist_ok=True)
    return run([binary] + argv, env, project).rc


def cmd_records(work, store, binary, first, count, jobs):
    units = shape_units(work)
    if not units:
        sys.exit("scale: no recorded member compile of the shapes")
    first, count = int(first), int(count)
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(int(jobs)) as pool:
        rcs = list(pool.map(lambda i: record_one(binary, store, units[i % len(units)], f"{work}/records/p{i:05d}"),
                            range(first, first + count)))
    failed = sum(1 for rc in rcs if rc != 0)
    print(f"{count} records in {time.perf_counter() - t0:.1f} s, {failed} failed")
    if failed:
        sys.exit(1)


# --- the report -------------------------------------------------------------------------------
def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def f2(v):
    return f"{fnum(v):.2f}"


def ratio(a, b):
    a, b = fnum(a), fnum(b)
    return a / b if b == b and b and a == a else float("nan")


def verdict(ok):
    return "**met**" if ok else "**not met**"


def warm_per_job(r, k):
    """warm's time per job (ms, wall and CPU), and its wall time beyond one stub build."""
    per = fnum(r.get("warm_ms")) / k
    return {"per": per, "per_cpu": fnum(r.get("warm_cpu_ms")) / k, "over": per - fnum(r.get("stub_ms"))}


def read_rows(results_dir, prefix, key):
    rows = [bench_helpers.read_kv(os.path.join(results_dir, f)) for f in os.listdir(results_dir)
            if f.startswith(prefix) and f.endswith(".tsv")]
    return sorted(rows, key=lambda r: int(r[key]))


def cmd_report(results_dir, meta_path):
    meta = bench_helpers.read_kv(meta_path)
    stores, records = read_rows(results_dir, "store-", "size"), read_rows(results_dir, "records-", "records")
    out = []
    w = out.append
    w(f"# cratecache scale benchmark, {meta.get('date', '?')}")
    w("")
    w(f"- cratecache: {meta.get('label') or 'commit `' + meta.get('commit', '?') + '`'}, binary sha256 "
      f"`{meta.get('binary_sha', '?')[:16]}` ({meta.get('binary_from', '?')})")
    w(f"- {meta.get('rustc', '?')}; {meta.get('cargo', '?')}; filesystem {meta.get('filesystem', '?')}")
    w(f"- machine: {meta.get('cpus', '?')} CPUs; load average at start {meta.get('load', '?')}, "
      f"at end {meta.get('load_end', '?')} (other work shares the machine: compare ratios within this run)")
    w(f"- command: `{meta.get('command', '?')}`; total time {meta.get('duration', '?')} s")
    w(f"- store built through `cargo build` with the wrapper: {meta.get('build_summary', '?')}")
    w("")
    w("## Store size")
    w("")
    w("Entries are one-line crates of generated directory registries, each built by `cargo build` through "
      "the wrapper (a miss, stored). *hit*: a recorded rustc command of a stored crate replayed through the "
      "wrapper; *miss*: a fresh crate's recorded command (never stored) through the wrapper, and *rustc* the "
      "same command without it; *miss, eviction active*: the same in a copy of the store whose `max_size` "
      "(CRATECACHE_MAX_SIZE) is just under its size, so the put starts the trim; *trim* is how long the "
      "store's cleanup lock stayed held after the build (the background trim). Milliseconds, medians: "
      "wall (CPU: user + system of the process and what it waited for; less sensitive to others' load).")
    w("")
    w("| entries | hit | rustc alone | miss | miss − rustc | miss, eviction active | trim (background) "
      "| trimmed entries | outcomes (hit / miss / evict) |")
    w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")

    def wc(r, k):
        return f"{f2(r.get(k + '_ms'))} ({f2(r.get(k + '_cpu_ms'))})"

    for r in stores:
        w(f"| {r.get('entries', '?')}{r.get('copied_note', '')} | {wc(r, 'hit')} | {wc(r, 'rustc')} | {wc(r, 'miss')} "
          f"| {fnum(r.get('miss_ms')) - fnum(r.get('rustc_ms')):.2f} "
          f"({fnum(r.get('miss_cpu_ms')) - fnum(r.get('rustc_cpu_ms')):.2f}) | {wc(r, 'evict_miss')} "
          f"| {r.get('evict_trim_ms')} | {r.get('evict_trimmed')} "
          f"| {r.get('hit_outcomes')} / {r.get('miss_outcomes')} / {r.get('evict_outcomes')} |")
    w("")
    cmds = [("stats", "stats"), ("stats_json", "stats --json"), ("gc", "gc (nothing to do)"),
            ("gc_half", "gc --max-size half"), ("verify", "verify"), ("report", "report --html")]
    w("Maintenance commands: wall ms (median), and in brackets ms per 1000 entries; CPU ms and peak RSS below.")
    w("")
    w("| entries | " + " | ".join(n for _, n in cmds) + " |")
    w("| ---: |" + " ---: |" * len(cmds))
    for r in stores:
        n = fnum(r.get("entries")) / 1000.0
        w(f"| {r.get('entries')} | " + " | ".join(
            f"{r.get(k + '_ms')} ({fnum(r.get(k + '_ms')) / n:.1f})" + ("" if r.get(k + "_rc", "0") == "0" else f" rc {r.get(k + '_rc')}")
            for k, _ in cmds) + " |")
    w("")
    w("| entries | " + " | ".join(f"{n}: CPU, RSS" for _, n in cmds) + " |")
    w("| ---: |" + " ---: |" * len(cmds))
    for r in stores:
        w(f"| {r.get('entries')} | " + " | ".join(
            f"{f2(r.get(k + '_cpu_ms'))} ms, {fnum(r.get(k + '_rss_kib')) / 1024:.1f} MiB" for k, _ in cmds) + " |")
    w("")
    if meta.get("copied_text"):
        w(meta["copied_text"])
        w("")
    if records:
        k = fnum(meta.get("warm_top"))
        jobs = [warm_per_job(r, k) for r in records]
        w("## Project records")
        w("")
        w(f"{meta.get('records_summary', '')} `warm --top {meta.get('warm_top', '?')} -j 1` builds the same "
          "stub projects at every count (all their dependencies hits); *stub build* is one `cargo build` of a "
          "fresh copy of a shape through the wrapper against the same store (median of as many as warm builds), "
          "and warm's *overhead per job* is its wall time per job beyond that. Wall ms (CPU ms: of warm or cargo "
          "and everything they waited for, their builds included; warm's builds use a scratch store beside this "
          "one, so CPU per job and per stub build are not the same work to the millisecond).")
        w("")
        w("| records | projects | projects RSS | warm | warm RSS | warm per job | stub build "
          "| overhead per job | overhead / first | warm: built / compiled / cached |")
        w("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for r, j in zip(records, jobs):
            w(f"| {r.get('records')} | {f2(r.get('projects_ms'))} ({f2(r.get('projects_cpu_ms'))}) "
              f"| {fnum(r.get('projects_rss_kib')) / 1024:.1f} MiB "
              f"| {fnum(r.get('warm_ms')):.0f} ({fnum(r.get('warm_cpu_ms')):.0f}) | {fnum(r.get('warm_rss_kib')) / 1024:.1f} MiB "
              f"| {j['per']:.0f} ({j['per_cpu']:.0f}) | {fnum(r.get('stub_ms')):.0f} ({fnum(r.get('stub_cpu_ms')):.0f}) "
              f"| {j['over']:.0f} | {ratio(j['over'], jobs[0]['over']):.2f} | {r.get('warm_summary', '?')} |")
        w("")
    w("## Targets")
    w("")
    if stores:
        first, last = stores[0], stores[-1]
        rm = ratio(last.get("evict_miss_ms"), first.get("evict_miss_ms"))
        w(f"- miss with eviction active at {last.get('entries')} entries / at {first.get('entries')}: "
          f"{rm:.2f} (target ≤ 1.2): {verdict(rm <= 1.2)}; in CPU time "
          f"{ratio(last.get('evict_miss_cpu_ms'), first.get('evict_miss_cpu_ms')):.2f}; plain miss: "
          f"{ratio(last.get('miss_ms'), first.get('miss_ms')):.2f}, hit: {ratio(last.get('hit_ms'), first.get('hit_ms')):.2f}")
        idle = [r.get("entries") for r in stores if "0" in r.get("evict_trimmed", "").split()]
        if idle:
            w(f"  - no trim started in some samples at {', '.join(idle)} entries: eviction was not active there")
        s = fnum(last.get("stats_ms"))
        w(f"- `stats` at {last.get('entries')} entries: {s:.1f} ms (target < 50 ms): {verdict(s < 50)}; "
          f"`stats --json` {fnum(last.get('stats_json_ms')):.1f} ms")
        for k, name in [("gc", "gc"), ("gc_half", "gc --max-size half"), ("verify", "verify"), ("report", "report --html")]:
            per = [fnum(r.get(k + "_ms")) / (fnum(r.get("entries")) / 1000.0) for r in stores]
            # Between consecutive sizes: what each 1000 more entries cost (start-up cost left out).
            slopes = [(fnum(b.get(k + "_ms")) - fnum(a.get(k + "_ms"))) / ((fnum(b.get("entries")) - fnum(a.get("entries"))) / 1000.0)
                      for a, b in zip(stores, stores[1:])]
            w(f"- `{name}` ms per 1000 entries: " + ", ".join(f"{p:.1f}" for p in per) +
              f"; per 1000 more entries between sizes: " + ", ".join(f"{x:.1f}" for x in slopes) +
              (f" (last / first {slopes[-1] / slopes[0]:.2f}: linear is about 1, more is worse than linear)"
               if len(slopes) > 1 and slopes[0] > 0 else ""))
    if records:
        first, last = records[0], records[-1]
        j0, j1 = warm_per_job(first, fnum(meta.get("warm_top"))), warm_per_job(last, fnum(meta.get("warm_top")))
        ro = ratio(j1["over"], j0["over"])
        w(f"- `warm` overhead per job at {last.get('records')} records / at {first.get('records')}: {ro:.2f} "
          f"({j0['over']:.0f} ms, {j1['over']:.0f} ms) (target ≤ 1.5): {verdict(ro <= 1.5)}; its whole time per job: "
          f"{ratio(j1['per'], j0['per']):.2f}, CPU {ratio(j1['per_cpu'], j0['per_cpu']):.2f} (the stub builds "
          "dominate it)")
        pm, prss = fnum(last.get("projects_ms")), fnum(last.get("projects_rss_kib")) / 1024
        w(f"- `projects` at {last.get('records')} records: {pm:.0f} ms, {prss:.1f} MiB (target < 1 s and "
          f"< 100 MB): {verdict(pm < 1000 and prss < 100)}")
    print("\n".join(out))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmds = {"batch": cmd_batch, "shapes": cmd_shapes, "records": cmd_records, "replay": cmd_replay,
            "misses": cmd_misses, "evict": cmd_evict, "timecmd": cmd_timecmd, "gchalf": cmd_gchalf,
            "stubs": cmd_stubs, "units": cmd_units, "copy_entries": cmd_copy_entries, "report": cmd_report}
    cmd = cmds.get(sys.argv[1])
    if not cmd:
        sys.exit(__doc__)
    cmd(*sys.argv[2:])


if __name__ == "__main__":
    main()
