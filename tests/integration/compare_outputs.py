#!/usr/bin/env python3
"""Byte-compares dependency artifacts of a cache-served build with an uncached reference build.

Artifacts served from the cache were built in the warm-up project and embed its absolute root.
The reference is built uncached either at a root of the same length as the warm-up root (--reference
ROOT), or at the warm-up root itself before the warm-up build, its target dir moved aside
(--reference-target). A differing file is accepted only if it becomes identical after rewriting the
warm-up root, and the cached project's own root (files such as .d that cratecache adapts), to the
reference root. Anything else is a failure, as is comparing too few files.
Crates that include! files from OUT_DIR also hash that absolute path into .rlib/.rmeta, which no
rewrite can fix: compare those against a reference built at the warm-up root.

Compared: target/<profile>/deps/*, and in build/<pkg>-<hash>/ the compiled build script
(build[-_]script[-_]build*) and what its run produced (out/**, output, stderr; cratecache may
replay these from the store); in Cargo's new layout, every unit's build/<pkg>/<META>/out/** and a
run's run/stdout and run/stderr. The build dirs may be elsewhere (--cached-target,
--reference-target); the cached build dir is rewritten to the reference's as well. A build script that cratecache replaced by its launcher is compared
through the real binary the launcher points at, decoded (by this script, with the lz4 or zstd tool) from
the store entry linked beside it when the binary was left in the store. Not compared: files Cargo writes itself
(.fingerprint, incremental, invoked.timestamp, root-output), cratecache's *.cratecache-closure records, and the project's own crates, which
are built rather than cached (unless --include-own: with cache_path_packages they are served too).
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys

LAUNCHER = b"#!/bin/sh\n# cratecache launcher"
REAL_SUFFIX = ".cratecache-real"
ENTRY_SUFFIX = ".cratecache-entry"
CLOSURE_SUFFIX = ".cratecache-closure"  # cratecache's record beside a unit's outputs, not an artifact


def blob_from_entry(path, name):
    """Blob `name` of a cratecache entry file, decoded independently of cratecache (see
    src/store/entry.h: magic, u32 header size, JSON header, 32-byte digest, payload)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"CRCACHE1":
        raise SystemExit(f"{path}: not a cratecache entry")
    (size,) = struct.unpack_from("<I", data, 8)
    header = json.loads(data[12:12 + size])
    payload = data[12 + size + 32:]
    tool = {"zstd": ["zstd", "-d", "-c", "-q"], "lz4": ["lz4", "-d", "-c", "-q"]}.get(header["compression"])
    if tool:
        payload = subprocess.run(tool, input=payload, stdout=subprocess.PIPE, check=True).stdout
    aligned = header["compression"] == "aligned"  # each blob at the next 4096-byte boundary of the file
    offset = 0
    for blob in header["blobs"]:
        if aligned:
            offset = -(-(12 + size + 32 + offset) // 4096) * 4096 - (12 + size + 32)
        if blob["name"] == name:
            return payload[offset:offset + blob["size"]]
        offset += blob["size"]
    raise SystemExit(f"{path}: no blob {name}")


def norm(name):
    return name.replace("-", "_")


def is_own_dep_file(name, own):
    crate = name.split("-", 1)[0]
    return crate in own or (crate.startswith("lib") and crate[3:] in own)


OLD_UNIT = re.compile(r"^(.+)-[0-9a-f]{16}$")  # build/<pkg>-<META> (old layout)
META = re.compile(r"^[0-9a-f]+$")  # build/<pkg>/<META> (new layout)


def files_under(profile_dir, rel):
    """Files below profile_dir/rel, without a launcher's real binary or entry beside it."""
    found = set()
    for parent, _, names in os.walk(os.path.join(profile_dir, rel)):
        found.update(os.path.relpath(os.path.join(parent, n), profile_dir) for n in names
                     if not n.endswith((REAL_SUFFIX, ENTRY_SUFFIX, CLOSURE_SUFFIX)))
    return found


def old_unit_files(profile_dir, unit):
    files = set()
    for name in os.listdir(os.path.join(profile_dir, "build", unit)):
        script = name.startswith(("build-script-build", "build_script_build"))
        if (script and not name.endswith((REAL_SUFFIX, ENTRY_SUFFIX, CLOSURE_SUFFIX))) or name in ("output", "stderr"):
            files.add(os.path.join("build", unit, name))
    return files | files_under(profile_dir, os.path.join("build", unit, "out"))


def new_unit_files(profile_dir, pkg):
    files = set()
    for meta in os.listdir(os.path.join(profile_dir, "build", pkg)):
        if not META.match(meta):
            continue
        unit = os.path.join("build", pkg, meta)
        files |= files_under(profile_dir, os.path.join(unit, "out"))
        files.update(os.path.join(unit, "run", n) for n in ("stdout", "stderr")
                     if os.path.isfile(os.path.join(profile_dir, unit, "run", n)))
    return files


def candidates(profile_dir, own):
    files = set()
    deps = os.path.join(profile_dir, "deps")
    for name in os.listdir(deps) if os.path.isdir(deps) else []:
        if name.endswith(CLOSURE_SUFFIX):
            continue
        if not is_own_dep_file(name, own) and os.path.isfile(os.path.join(deps, name)):
            files.add(os.path.join("deps", name))
    build = os.path.join(profile_dir, "build")
    for name in os.listdir(build) if os.path.isdir(build) else []:
        old = OLD_UNIT.match(name)
        if norm(old.group(1) if old else name) in own:
            continue
        files |= old_unit_files(profile_dir, name) if old else new_unit_files(profile_dir, name)
    return files


def read_artifact(path):
    """The file's bytes; for a cratecache launcher, the bytes of the real binary it runs."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(LAUNCHER):
        return data, False
    m = re.search(rb'real="\$\{0%/\*\}/([^"/]+)"', data)
    if not m:
        raise SystemExit(f"{path}: launcher without a recognisable real binary")
    real = os.path.join(os.path.dirname(path), m.group(1).decode())
    if not os.path.exists(real):
        binary = real[:-len(REAL_SUFFIX)]
        return blob_from_entry(binary + ENTRY_SUFFIX, os.path.basename(binary)), True
    with open(real, "rb") as f:
        return f.read(), True


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cached", required=True, help="root of the cache-served project")
    p.add_argument("--warm", required=True, help="root of the project that filled the cache")
    p.add_argument("--reference", required=True,
                   help="root the uncached reference was built at (same length as --warm)")
    p.add_argument("--cached-target", help="build dir of the cache-served project (default: CACHED/target)")
    p.add_argument("--reference-target", help="the reference's build dir now (default: REFERENCE/target)")
    p.add_argument("--reference-built-target",
                   help="the path the reference's build dir had when it was built (default: REFERENCE/target)")
    p.add_argument("--shared", action="store_true",
                   help="the cached build dir is shared with other projects: files only it has are theirs")
    p.add_argument("--profile", default="debug")
    p.add_argument("--min-files", type=int, required=True)
    p.add_argument("--own", nargs="+", required=True, help="the project's own crate names")
    p.add_argument("--include-own", action="store_true",
                   help="compare the own crates too (served from the cache with cache_path_packages)")
    a = p.parse_args()
    if len(a.warm) != len(a.reference):
        sys.exit(f"warm root {a.warm!r} and reference root {a.reference!r} differ in length")
    own = set() if a.include_own else {norm(o) for o in a.own}
    cached_target = a.cached_target or os.path.join(a.cached, "target")
    cached_dir = os.path.join(cached_target, a.profile)
    ref_target = a.reference_target or os.path.join(a.reference, "target")
    ref_dir = os.path.join(ref_target, a.profile)
    cached, ref = candidates(cached_dir, own), candidates(ref_dir, own)

    problems = [] if a.shared else [f"only in cached build: {f}" for f in sorted(cached - ref)]
    problems += [f"only in reference build: {f}" for f in sorted(ref - cached)]
    warm_b, cached_b, ref_b = (r.encode() for r in (a.warm, a.cached, a.reference))
    cached_target_b = cached_target.encode()
    ref_built_target_b = (a.reference_built_target or os.path.join(a.reference, "target")).encode()
    identical = rewritten = launchers = 0
    for rel in sorted(cached & ref):
        got, via_launcher = read_artifact(os.path.join(cached_dir, rel))
        launchers += via_launcher
        want, ref_launcher = read_artifact(os.path.join(ref_dir, rel))
        if ref_launcher:
            raise SystemExit(f"reference build is not uncached: {rel} is a cratecache launcher")
        if got == want:
            identical += 1
            continue
        fixed = got.replace(cached_target_b, ref_built_target_b).replace(warm_b, ref_b).replace(cached_b, ref_b)
        if fixed == want:
            rewritten += 1
            continue
        problems.append(f"differs: {rel} (cached {len(got)} bytes, reference {len(want)} bytes, "
                        f"first difference at offset {first_difference(fixed, want)})")

    compared = identical + rewritten
    print(f"compare_outputs: {compared} files compared: {identical} identical, "
          f"{rewritten} identical after path rewrite ({launchers} build scripts behind a launcher), "
          f"{len(problems)} problems")
    for line in problems[:50]:
        print(f"  {line}", file=sys.stderr)
    if compared < a.min_files:
        problems.append(f"only {compared} files compared, expected at least {a.min_files}")
        print(f"  {problems[-1]}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
