#!/usr/bin/env bash
# Concurrent builds with overlapping dependencies into one empty store: single-flight makes each
# shared unit compile exactly once across all builds (the others wait, then hit), and what they
# get is byte-identical to an uncached build.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Shared crates are requested with the same features everywhere (and their transitive feature
# sets coincide, e.g. memchr gets `std` directly and via regex/aho-corasick), so each shared crate
# is one unit, one key.
declare -A deps=(
  [p1]='serde:derive regex itoa'
  [p2]='serde:derive rand memchr bytes'
  [p3]='regex anyhow bytes itoa'
  [p4]='rand anyhow serde:derive memchr'
)
declare -A version=([serde]=1.0.152 [regex]=1.7.1 [itoa]=1.0.1 [rand]=0.8.5 [memchr]=2.5.0
  [bytes]=1.2.1 [anyhow]=1.0.69)

# make_project DIR NAME: a lib crate depending on deps[NAME] (crate[:feature]).
make_project() {
  local d c
  mkdir -p "$1/src"
  printf '[package]\nname = "overlap-%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n' \
    "$2" >"$1/Cargo.toml"
  for d in ${deps[$2]}; do
    c=${d%%:*}
    if [ "$c" != "$d" ]; then
      echo "$c = { version = \"=${version[$c]}\", features = [\"${d#*:}\"] }"
    else
      echo "$c = \"=${version[$c]}\""
    fi >>"$1/Cargo.toml"
    echo "pub use $c;" >>"$1/src/lib.rs"
  done
}

# Roots of equal length, for compare_outputs; r1 is the uncached reference of p1.
for p in p1 p2 p3 p4; do make_project "$WORK/$p/proj" "$p"; done
make_project "$WORK/r1/proj" p1
corpus_home >/dev/null # set up once, before the concurrent builds race to do it

step "4 concurrent cached builds into one empty store"
pids=()
for p in p1 p2 p3 p4; do
  (LAST_LOG=$WORK/$p.log LAST_OUT=$WORK/$p.out LAST_ERR=$WORK/$p.err cached_build "$WORK/$p/proj") &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || fail "concurrent build p$((i + 1)) failed"
done

step "each unit compiled exactly once across the 4 logs"
for p in p1 p2 p3 p4; do
  LAST_LOG=$WORK/$p.log
  # Nothing left uncached but the project itself and cargo's probes: every dependency unit
  # is a hit or a miss, so the counts below cover all of them.
  others=$(awk -F'\t' '$1 == "not_cached" && $4 !~ /^(workspace_member|print|info|build_script_probe)$/' "$LAST_LOG")
  [ -z "$others" ] || { echo "$others" >&2; fail "$p: dependency units not cached"; }
done
logs=("$WORK"/p[1-4].log)
# A unit is (crate, kind): build-script compiles are logged under their package's name.
twice=$(awk -F'\t' '$1 == "miss" { n[$2 "\t" $3]++ }
  END { for (u in n) if (n[u] != 1) print n[u] "\t" u }' "${logs[@]}")
[ -z "$twice" ] || { echo "$twice" >&2; fail "units compiled more than once (count, crate, kind) above"; }
scripts=$(awk -F'\t' '$3 == "build-script-run" && ($1 == "miss" || $1 == "hit") { print $2 }' "${logs[@]}" |
  sort -u | wc -l)
assert_gt "$scripts" 2 "packages with a build script"
units=$(awk -F'\t' '$1 == "miss" || $1 == "hit" { print $2 "\t" $3 }' "${logs[@]}" | sort -u | wc -l)
misses=$(awk -F'\t' '$1 == "miss"' "${logs[@]}" | wc -l)
hits=$(awk -F'\t' '$1 == "hit"' "${logs[@]}" | wc -l)
assert_eq "$units" "$misses" "misses across the logs (= distinct dependency units)"
assert_gt "$hits" 20 "hits across the logs (shared units served to the other builds)"
waits=$(stat single_flight_waits)
assert_gt "$(($(stat hits) + waits))" 0 "stats hits + single_flight_waits"
assert_eq 0 "$(stat errors.single_flight_timeout)" "stats errors.single_flight_timeout"

step "byte-compare p1 with an uncached build"
plain_cargo "$WORK/r1/proj" build -q
# Each unit was compiled in one of the 4 roots, but these crates embed no project root (only the
# .d files do, adapted by cratecache to p1's root), so p2 can stand in as the "warm" root.
compare_outputs "$WORK/p1/proj" "$WORK/r1/proj" "$WORK/p2/proj" debug 30 overlap-p1

echo "PASS $TEST_NAME: $units units, each compiled once; $hits hits, $waits single-flight waits"
