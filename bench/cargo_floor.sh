#!/usr/bin/env bash
# Cargo's own floor for a never-seen project: what a fresh copy's build costs when every unit is
# a process that does nothing (bench/null_wrapper.c hard-links its outputs from a finished build)
# and only the member compiles. `cc warm - cargo floor` is cratecache's part of a warm build;
# `cargo floor - new-code floor` is Cargo's (scheduling, fingerprints, a process per unit), which
# no cache can remove. With --members too, the member is linked as well: the floor of a project
# seen before. Usage: bench/cargo_floor.sh [--project big] [--repeat 5] [--work DIR] [--members]
# Env: CRATECACHE_BIN (default build/cratecache), used once to build the finished copy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
project=big repeat=5 work="" members=0
while [ $# -gt 0 ]; do
  case $1 in
    --project) project=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --members) members=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export PATH=$HOME/.cargo/bin:$PATH
export CARGO_HOME=$root/build/cargo-home
[ -d "$CARGO_HOME" ] || "$root/scripts/setup-corpus.sh" >/dev/null
bin=$(realpath "${CRATECACHE_BIN:-$root/build/cratecache}")
work=${work:-$(mktemp -d "${TMPDIR:-/tmp}/cargo-floor.XXXXXX")}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/null_wrapper" "$root/bench/null_wrapper.c"

finished=$work/finished saved=$work/saved
cp -r "$root/tests/projects/$project" "$finished"
(cd "$finished" && RUSTC_WRAPPER=$bin CRATECACHE_DIR=$work/store cargo build -q)
cp -a "$finished/target" "$saved"
# A served build-script run prints what the script printed, and runs nothing.
for s in "$saved"/debug/build/*/build_script_build-*; do
  case $s in *.d | *.cratecache-*) continue ;; esac
  rm -f "$s"
  printf '#!/bin/sh\ncat "$OUT_DIR/../output.saved"\n' >"$s"
  chmod +x "$s"
done
for o in "$saved"/debug/build/*/output; do cp "$o" "$o.saved"; done

member=$(echo "$project" | tr - _)
[ "$members" = 1 ] && member=""
times=()
for i in $(seq "$repeat"); do
  copy=$work/copy-$i
  cp -r "$root/tests/projects/$project" "$copy"
  cp "$finished/Cargo.lock" "$copy/"
  cp -al "$saved" "$copy/target"
  rm -rf "$copy/target/debug/.fingerprint"
  [ -n "$member" ] && rm -f "$copy/target/debug/deps/$member"-* "$copy/target/debug/$project"
  sync
  start=$(date +%s.%N)
  (cd "$copy" && NULL_WRAPPER_FROM=$saved NULL_WRAPPER_TO=$copy/target NULL_WRAPPER_MEMBER=$member \
    RUSTC_WRAPPER=$work/null_wrapper cargo build -q)
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
  rm -rf "$copy"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "cargo floor ($project dev, $([ "$members" = 1 ] && echo "member linked too" || echo "member compiled")): median $median s of ${times[*]}"
