#!/usr/bin/env python3
"""Helpers for bench/bench.sh (see docs/benchmarks.md).

  median V...                          median of numbers, 2 decimals
  logsummary LOG                       summarise a CRATECACHE_LOG file (key<TAB>value lines)
  ccstats FILE                         summarise `cratecache stats --json` output
  scstats FILE                         summarise `sccache --show-stats --stats-format json` output
  replay RECORD_DIR WRAPPER REPS OUT   per-hit latency: replay recorded rustc invocations
  report RESULTS_DIR META              render the Markdown results from the per-run files
"""
import json
import os
import statistics
import subprocess
import sys
import time

PROBES = {"info", "print"}  # rustc probes Cargo makes (--print, -vV): not compilation units
BS_RUN = "build-script-run"  # log kind of a build-script execution (not a rustc invocation)


def median(values):
    return statistics.median(values) if values else float("nan")


def emit(pairs):
    for k, v in pairs:
        print(f"{k}\t{v}")


def read_log(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (4 - len(parts))
            rows.append(parts[:4])
    return rows


def cmd_logsummary(path):
    rows = read_log(path)
    hits = [r for r in rows if r[0] == "hit"]
    misses = [r for r in rows if r[0] == "miss"]
    not_cached = [r for r in rows if r[0] == "not_cached" and r[3] not in PROBES]
    reasons = {}
    for r in not_cached:
        reasons[r[3]] = reasons.get(r[3], 0) + 1
    emit([
        ("hits", len(hits)),
        ("misses", len(misses)),
        ("not_cached", len(not_cached)),
        ("not_cached_reasons", ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())) or "-"),
        ("miss_list", "; ".join(f"{r[1]} ({r[2]}){': ' + r[3] if r[3] else ''}" for r in misses) or "-"),
        ("not_cached_list", "; ".join(f"{r[1]} ({r[2]}): {r[3]}" for r in not_cached) or "-"),
        ("hit_kinds", ", ".join(f"{k}: {sum(1 for r in hits if r[2] == k)}" for k in sorted({r[2] for r in hits})) or "-"),
        # build-script runs served from the store: Cargo invoked the script, cratecache replayed OUT_DIR
        ("bs_replayed", sum(1 for r in hits if r[2] == BS_RUN)),
        ("bs_executed", sum(1 for r in rows if r[2] == BS_RUN and r[0] != "hit")),
    ])


def cmd_ccstats(path):
    with open(path) as f:
        doc = json.load(f)
    emit([("entries", doc.get("entries", 0)), ("bytes", doc.get("bytes", 0)), ("hits", doc.get("hits", 0)),
          ("misses", doc.get("misses", 0)), ("errors", json.dumps(doc.get("errors", {}), sort_keys=True)),
          ("time_saved_s", doc.get("time_saved_s", 0))])


def cmd_scstats(path):
    with open(path) as f:
        doc = json.load(f)
    s = doc.get("stats", {})
    hits = sum(s.get("cache_hits", {}).get("counts", {}).values())
    misses = sum(s.get("cache_misses", {}).get("counts", {}).values())
    emit([("hits", hits), ("misses", misses),
          ("not_cacheable", s.get("requests_not_cacheable", 0) + s.get("non_cacheable_compilations", 0)),
          ("requests", s.get("compile_requests", 0))])


def load_unit(d):
    def nul_list(name):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        return [x.decode() for x in data.split(b"\0") if x]

    env = {}
    for kv in nul_list("env"):
        k, _, v = kv.partition("=")
        env[k] = v
    for k in list(env):
        if k.startswith("BENCH_") or k in ("RUSTC_WRAPPER", "CRATECACHE_LOG"):
            del env[k]
    with open(os.path.join(d, "cwd")) as f:
        cwd = f.read().strip()
    return {"dir": d, "env": env, "cwd": cwd, "argv": nul_list("argv")}


def run_unit(wrapper, unit, log):
    env = dict(unit["env"], CRATECACHE_LOG=log)
    before = len(read_log(log))
    t0 = time.perf_counter()
    subprocess.run([wrapper] + unit["argv"], env=env, cwd=unit["cwd"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    dt = (time.perf_counter() - t0) * 1000.0
    new = read_log(log)[before:]
    return dt, (new[-1] if new else ["none", "?", "?", ""])


def cmd_replay(record_dir, wrapper, reps, out):
    """Every invocation recorded during a warm build is run again, directly, against the same warm
    store; each one that is a hit is then timed `reps` times (process spawn to exit, as Cargo sees it)."""
    reps = int(reps)
    log = out + ".log"
    if os.path.exists(log):
        os.remove(log)
    units = [load_unit(os.path.join(record_dir, d)) for d in sorted(os.listdir(record_dir))]
    hit_units, first_non_hits = [], []
    for u in units:  # first pass: learn each invocation's outcome (and warm the page cache)
        _, outcome = run_unit(wrapper, u, log)
        u["crate"], u["kind"] = outcome[1], outcome[2]
        if outcome[0] == "hit":
            hit_units.append(u)
        elif not (outcome[0] == "not_cached" and (outcome[3] in PROBES or outcome[3] == "workspace_member")):
            first_non_hits.append(f"{outcome[1]} ({outcome[2]}): {outcome[0]} {outcome[3]}".strip())
    timed_non_hits = 0
    for u in hit_units:
        u["ms"] = []
    for _ in range(reps):
        for u in hit_units:
            dt, outcome = run_unit(wrapper, u, log)
            if outcome[0] != "hit":
                timed_non_hits += 1
            u["ms"].append(dt)
    spawn = []
    for _ in range(50):
        t0 = time.perf_counter()
        subprocess.run(["/bin/true"], check=False)
        spawn.append((time.perf_counter() - t0) * 1000.0)
    per_unit = sorted(((median(u["ms"]), u["crate"], u["kind"]) for u in hit_units), reverse=True)
    with open(out + ".tsv", "w") as f:
        f.write("median_ms\tcrate\tkind\n")
        for ms, crate, kind in per_unit:
            f.write(f"{ms:.1f}\t{crate}\t{kind}\n")
    meds = sorted(ms for ms, _, _ in per_unit)
    p90 = meds[min(len(meds) - 1, int(round(0.9 * (len(meds) - 1))))] if meds else float("nan")
    emit([
        ("hit_units", len(hit_units)),
        ("hit_reps", reps),
        ("hit_median_ms", f"{median(meds):.1f}"),
        ("hit_p90_ms", f"{p90:.1f}"),
        ("hit_max_ms", f"{per_unit[0][0]:.1f}" if per_unit else "nan"),
        ("hit_max_crate", f"{per_unit[0][1]} ({per_unit[0][2]})" if per_unit else "-"),
        ("hit_sum_s", f"{sum(meds) / 1000.0:.2f}"),
        ("hit_slowest", "; ".join(f"{c} ({k}) {ms:.0f} ms" for ms, c, k in per_unit[:5]) or "-"),
        ("spawn_true_ms", f"{median(spawn):.2f}"),
        ("replay_non_hits", "; ".join(first_non_hits) or "-"),
        ("replay_timed_non_hits", timed_non_hits),
    ])


def cmd_timings(html_path, package):
    """Breakdown of one build from Cargo's --timings report (seconds since Cargo started)."""
    with open(html_path) as f:
        html = f.read()
    start = html.index("const UNIT_DATA =") + len("const UNIT_DATA =")
    end = html.index("\n];", start) + 2
    units = json.loads(html[start:end])
    total = None
    i = html.find("Total time:")
    if i >= 0:
        text = html[i:i + 200].split("<td>")[1].split("</td>")[0]  # "22.2s" or "1m 5.3s"
        total = 0.0
        for part in text.split():
            total += float(part[:-1]) * (60 if part.endswith("m") else 1)
    member = [u for u in units if u["name"] == package]
    deps = [u for u in units if u["name"] != package]
    runs = [u for u in deps if u.get("mode") == "run-custom-build"]
    compiles = [u for u in deps if u.get("mode") != "run-custom-build"]
    first = min((u["start"] for u in units), default=0.0)
    deps_end = max((u["start"] + u["duration"] for u in deps), default=first)
    member_end = max((u["start"] + u["duration"] for u in member), default=deps_end)
    emit([
        ("total", f"{total:.2f}" if total is not None else "nan"),
        ("first_start", f"{first:.2f}"),
        ("deps_end", f"{deps_end:.2f}"),
        ("dep_units", len(compiles)),
        ("dep_sum", f"{sum(u['duration'] for u in compiles):.2f}"),
        ("bs_runs", len(runs)),
        ("bs_sum", f"{sum(u['duration'] for u in runs):.2f}"),
        ("member_start", f"{min((u['start'] for u in member), default=deps_end):.2f}"),
        ("member_dur", f"{sum(u['duration'] for u in member):.2f}"),
        ("after", f"{(total - member_end) if total is not None else float('nan'):.2f}"),
    ])


# ---------------------------------------------------------------------------------------------
def read_kv(path):
    kv = {}
    with open(path) as f:
        for line in f:
            if "\t" in line:
                k, _, v = line.rstrip("\n").partition("\t")
                kv[k] = v
    return kv


def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def ratio(a, b):
    a, b = fnum(a), fnum(b)
    return f"{a / b:.2f}" if b and b == b and a == a else "n/a"


def mib(v):
    return f"{fnum(v) / 1048576:.0f} MiB"


PHASES = [("cargo_cold", "cargo cold"), ("sccache_cold", "sccache cold"), ("sccache_warm", "sccache warm"),
          ("cc_cold", "cratecache cold"), ("cc_warm", "cratecache warm"), ("floor", "touch floor"),
          ("newcode_floor", "new-code floor")]
# Also timed: the warm run with cache_path_packages (the workspace member served too).
ALL_PHASES = PHASES + [("cc_members", "cratecache warm, members cached")]


def bs_cell(r):
    """Build scripts Cargo invoked in the warm run, and how many of them really executed."""
    invoked = r.get("build_scripts_invoked")
    if invoked is None:
        return "?"
    executed = int(invoked) - int(r.get("ccw_bs_replayed", 0))
    return f"{executed} of {invoked}"


BUSY_MARK = 10  # % of the machine's CPU used by other processes above which a figure is marked *


def cell(r, key, suffix=""):
    """A median; marked * when other processes used > BUSY_MARK % of the machine during a sample."""
    other = [fnum(x) for x in r.get(f"{key}_other", "").split()]
    mark = "*" if any(o > BUSY_MARK for o in other) else ""
    return f"{fnum(r.get(key + suffix)):.2f}{mark}"


def cmd_report(results_dir, meta_path):
    meta = read_kv(meta_path)
    rows = [read_kv(os.path.join(results_dir, f)) for f in sorted(os.listdir(results_dir)) if f.endswith(".tsv")]
    order = {p: i for i, p in enumerate(meta.get("projects", "").split())}
    porder = {p: i for i, p in enumerate(meta.get("profiles", "").split())}
    rows.sort(key=lambda r: (order.get(r["project"], 99), porder.get(r["profile"], 99)))
    out = []
    w = out.append
    w(f"# cratecache benchmark, {meta.get('date', '?')}")
    w("")
    w(f"- cratecache: commit `{meta.get('commit', '?')}`{meta.get('dirty', '')}, binary sha256 "
      f"`{meta.get('binary_sha', '?')[:16]}` (snapshot taken at start, {meta.get('binary_mtime', '?')})")
    w(f"- {meta.get('rustc', '?')}; {meta.get('cargo', '?')}; {meta.get('sccache', '?')}; "
      f"cratecache store codec: {meta.get('compression', '?')}")
    w(f"- filesystem of projects, stores and targets: {meta.get('filesystem', '?')}")
    w(f"- machine: {meta.get('cpus', '?')} CPUs, {meta.get('kernel', '?')}; load average at start {meta.get('load', '?')}")
    w(f"- command: `{meta.get('command', '?')}`; cold phases x{meta.get('cold_repeat', '?')}, "
      f"warm/floor phases x{meta.get('repeat', '?')} (median shown); hit latency: {meta.get('hit_reps', '?')} "
      f"timed runs of every hit unit")
    if meta.get("duration"):
        w(f"- total benchmark time: {meta['duration']} s")
    w("")
    w("Wall-clock seconds. *touch floor* = `touch src/main.rs` and rebuild a fully built project (no wrapper); "
      "*new-code floor* = `cargo clean -p <member>` in it and rebuild (the member compiled from scratch, "
      "dependencies built). "
      "Warm runs build a fresh copy of the project in another directory against the store the cold run filled. "
      f"A `*` marks a median with a sample during which other processes (not this benchmark) used more than "
      f"{BUSY_MARK} % of the machine's CPU; the benchmark waits for an idle machine before each timed phase "
      "but cannot stop others from starting.")
    w("")
    w("| project / profile | " + " | ".join(name for _, name in PHASES) +
      " | cc warm / new-code floor | cc warm / touch floor | sccache warm / cc warm | cc cold / cargo cold "
      "| cc warm: hit / miss | cc warm: build scripts executed |")
    w("| --- |" + " ---: |" * (len(PHASES) + 6))
    for r in rows:
        w(f"| {r['project']} / {r['profile']} | " + " | ".join(cell(r, k) for k, _ in PHASES) +
          f" | {ratio(r.get('cc_warm'), r.get('newcode_floor'))}"
          f" | {ratio(r.get('cc_warm'), r.get('floor'))} | {ratio(r.get('sccache_warm'), r.get('cc_warm'))}"
          f" | {ratio(r.get('cc_cold'), r.get('cargo_cold'))} | {r.get('ccw_hits', '?')} / {r.get('ccw_misses', '?')}"
          f" | {bs_cell(r)} |")
    w("")
    w("With `cache_path_packages = true` the workspace member is stored too, so a copy of a project seen before "
      "(another CI runner, a redeploy, a classroom's template) compiles nothing; a project never seen still "
      "compiles its member, as in the table above. The store is the one above plus one untimed build that "
      "stored the member:")
    w("")
    w("| project / profile | cratecache warm, members cached | touch floor | members cached / touch floor "
      "| sccache warm / it | hit / miss |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        w(f"| {r['project']} / {r['profile']} | {cell(r, 'cc_members')} | {cell(r, 'floor')}"
          f" | {ratio(r.get('cc_members'), r.get('floor'))} | {ratio(r.get('sccache_warm'), r.get('cc_members'))}"
          f" | {r.get('ccm_hits', '?')} / {r.get('ccm_misses', '?')} |")
    w("")
    w("Details of the warm runs:")
    w("")
    w("| project / profile | cc warm: not cached | sccache warm: hit / miss | cc store after cold | sccache store "
      "| materialised in cc warm (deps + build) | cc hit latency median / p90 / max | sum of hit latencies "
      "| `/bin/true` spawn |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        w(f"| {r['project']} / {r['profile']} | {r.get('ccw_not_cached', '?')} ({r.get('ccw_not_cached_reasons', '-')})"
          f" | {r.get('scw_hits', '?')} / {r.get('scw_misses', '?')}"
          f" | {r.get('cc_store_entries', '?')} entries, {mib(r.get('cc_store_bytes'))}"
          f" | {mib(r.get('sc_store_bytes'))}"
          f" | {mib(r.get('materialised_bytes'))}"
          f" | {r.get('hit_median_ms', '?')} / {r.get('hit_p90_ms', '?')} / {r.get('hit_max_ms', '?')} ms"
          f" ({r.get('hit_units', '?')} units)"
          f" | {r.get('hit_sum_s', '?')} s | {r.get('spawn_true_ms', '?')} ms |")
    w("")
    w("Where the cratecache warm time goes: one more warm build of a fresh copy with `cargo build --timings` "
      "(untimed by the benchmark; seconds from Cargo's report), and the touch-floor rebuild with `--timings`:")
    w("")
    w("| project / profile | cc warm total | Cargo start to first unit | last dependency done | dependency units: count, sum of durations "
      "| build-script runs: count, sum | workspace member compile | after last unit | floor total | floor: member compile |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        w(f"| {r['project']} / {r['profile']} | {r.get('tw_total', '?')} | {r.get('tw_first_start', '?')}"
          f" | {r.get('tw_deps_end', '?')} | {r.get('tw_dep_units', '?')}, {r.get('tw_dep_sum', '?')}"
          f" | {r.get('tw_bs_runs', '?')}, {r.get('tw_bs_sum', '?')} | {r.get('tw_member_dur', '?')}"
          f" | {r.get('tw_after', '?')} | {r.get('tf_total', '?')} | {r.get('tf_member_dur', '?')} |")
    w("")
    w("CPU seconds (user + system) of each phase: everything Cargo ran, plus the sccache server's work "
      "(median; less sensitive to other load than wall time, but it does not show parallelism):")
    w("")
    w("| project / profile | " + " | ".join(name for _, name in ALL_PHASES) + " | cc warm / touch floor | sccache warm / cc warm |")
    w("| --- |" + " ---: |" * (len(ALL_PHASES) + 2))
    for r in rows:
        w(f"| {r['project']} / {r['profile']} | " + " | ".join(cell(r, k, "_cpu") for k, _ in ALL_PHASES) +
          f" | {ratio(r.get('cc_warm_cpu'), r.get('floor_cpu'))} | {ratio(r.get('sccache_warm_cpu'), r.get('cc_warm_cpu'))} |")
    w("")
    w("User and system CPU seconds (median) and bytes the build wrote (median): *written* is `write_bytes` "
      "of `/proc/<pid>/io` of the shell that ran and waited for Cargo (the kernel adds waited children's "
      "counters to the parent's), plus the sccache server's: page-cache bytes dirtied, i.e. sent towards "
      "the disk (a reflink or hard link writes none); *wchar* is bytes Cargo's process tree passed to write-like system calls (the sccache server's not included):")
    w("")
    w("| project / profile | " + " | ".join(f"{name}: user / sys / written (wchar)" for _, name in ALL_PHASES) + " |")
    w("| --- |" + " ---: |" * len(ALL_PHASES))
    for r in rows:
        w(f"| {r['project']} / {r['profile']} | " + " | ".join(
            f"{cell(r, k, '_usr')} / {cell(r, k, '_sys')} / {mib(r.get(k + '_wb'))} ({mib(r.get(k + '_wchar'))})"
            for k, _ in ALL_PHASES) + " |")
    w("")
    w("All samples: wall seconds (CPU seconds, % of the machine's CPU used by other processes):")
    w("")
    w("| project / profile | " + " | ".join(name for _, name in ALL_PHASES) + " |")
    w("| --- |" + " --- |" * len(ALL_PHASES))
    for r in rows:
        cells = []
        for k, _ in ALL_PHASES:
            vals = r.get(f"{k}_samples", "").split()
            cpus = r.get(f"{k}_cpu_samples", "").split()
            other = r.get(f"{k}_other", "").split()
            cells.append(", ".join(f"{v} ({c}, {o}%)" for v, c, o in zip(vals, cpus, other)) or "-")
        w(f"| {r['project']} / {r['profile']} | " + " | ".join(cells) + " |")
    w("")
    w("Units not served from the store in the cratecache warm runs, slowest hits, other observations:")
    w("")
    for r in rows:
        w(f"- **{r['project']} / {r['profile']}**")
        w(f"  - warm misses: {r.get('ccw_miss_list', '-')}")
        w(f"  - warm not cached: {r.get('ccw_not_cached_list', '-')}")
        w(f"  - warm hits by kind: {r.get('ccw_hit_kinds', '-')}")
        w(f"  - cold run: {r.get('ccc_misses', '?')} misses stored, {r.get('ccc_hits', '?')} hits, "
          f"not cached: {r.get('ccc_not_cached_reasons', '-')}; store errors: {r.get('cc_errors', '{}')}")
        w(f"  - sccache cold: {r.get('scc_hits', '?')} hits / {r.get('scc_misses', '?')} misses, "
          f"{r.get('scc_not_cacheable', '?')} not cacheable")
        w(f"  - slowest hits: {r.get('hit_slowest', '-')}")
        if r.get("replay_non_hits", "-") != "-" or r.get("replay_timed_non_hits", "0") != "0":
            w(f"  - hit-latency replay, invocations that were not hits: {r.get('replay_non_hits')}"
              f" (timed non-hits: {r.get('replay_timed_non_hits')})")
        if r.get("waited"):
            w(f"  - waited for the machine to become idle before phases: {r['waited']} s in total")
    print("\n".join(out))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "median":
        print(f"{median([float(a) for a in args]):.2f}")
    elif cmd == "logsummary":
        cmd_logsummary(*args)
    elif cmd == "ccstats":
        cmd_ccstats(*args)
    elif cmd == "scstats":
        cmd_scstats(*args)
    elif cmd == "replay":
        cmd_replay(*args)
    elif cmd == "timings":
        cmd_timings(*args)
    elif cmd == "report":
        cmd_report(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
