#!/usr/bin/env python3
"""Byte-compares dependency artifacts of a cache-served build with an uncached reference build.

Artifacts served from the cache were built in the warm-up project and may embed its absolute root
(OUT_DIR includes, debuginfo). The reference is built in a directory whose root has the same length
as the warm-up root, so a differing file is accepted only if it becomes identical after rewriting
the warm-up root (and, for files such as .d that were rewritten for the cached project, that
project's root) to the reference root. Anything else is a failure, as is comparing too few files.

Compared: target/<profile>/deps/* and build/<pkg>-<hash>/build[-_]script[-_]build* (the compiled
build scripts). Not compared: files Cargo writes itself (.fingerprint, incremental, build script
run outputs) and the project's own crates, which are built rather than cached.
"""
import argparse
import os
import sys


def norm(name):
    return name.replace("-", "_")


def is_own_dep_file(name, own):
    crate = name.split("-", 1)[0]
    return crate in own or (crate.startswith("lib") and crate[3:] in own)


def candidates(profile_dir, own):
    files = set()
    deps = os.path.join(profile_dir, "deps")
    for name in os.listdir(deps):
        if not is_own_dep_file(name, own) and os.path.isfile(os.path.join(deps, name)):
            files.add(os.path.join("deps", name))
    build = os.path.join(profile_dir, "build")
    for unit in os.listdir(build) if os.path.isdir(build) else []:
        if norm(unit.rsplit("-", 1)[0]) in own:
            continue
        for name in os.listdir(os.path.join(build, unit)):
            if name.startswith(("build-script-build", "build_script_build")):
                files.add(os.path.join("build", unit, name))
    return files


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cached", required=True, help="root of the cache-served project")
    p.add_argument("--reference", required=True, help="root of the uncached reference project")
    p.add_argument("--warm", required=True, help="root of the project that filled the cache")
    p.add_argument("--profile", default="debug")
    p.add_argument("--min-files", type=int, required=True)
    p.add_argument("--own", nargs="+", required=True, help="the project's own crate names")
    a = p.parse_args()
    if len(a.warm) != len(a.reference):
        sys.exit(f"warm root {a.warm!r} and reference root {a.reference!r} differ in length")
    own = {norm(o) for o in a.own}
    cached_dir = os.path.join(a.cached, "target", a.profile)
    ref_dir = os.path.join(a.reference, "target", a.profile)
    cached, ref = candidates(cached_dir, own), candidates(ref_dir, own)

    problems = [f"only in cached build: {f}" for f in sorted(cached - ref)]
    problems += [f"only in reference build: {f}" for f in sorted(ref - cached)]
    warm_b, cached_b, ref_b = (r.encode() for r in (a.warm, a.cached, a.reference))
    identical = rewritten = 0
    for rel in sorted(cached & ref):
        with open(os.path.join(cached_dir, rel), "rb") as f:
            got = f.read()
        with open(os.path.join(ref_dir, rel), "rb") as f:
            want = f.read()
        if got == want:
            identical += 1
            continue
        fixed = got.replace(warm_b, ref_b).replace(cached_b, ref_b)
        if fixed == want:
            rewritten += 1
            continue
        problems.append(f"differs: {rel} (cached {len(got)} bytes, reference {len(want)} bytes, "
                        f"first difference at offset {first_difference(fixed, want)})")

    compared = identical + rewritten
    print(f"compare_outputs: {compared} files compared: {identical} identical, "
          f"{rewritten} identical after path rewrite, {len(problems)} problems")
    for line in problems[:50]:
        print(f"  {line}", file=sys.stderr)
    if compared < a.min_files:
        problems.append(f"only {compared} files compared, expected at least {a.min_files}")
        print(f"  {problems[-1]}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
