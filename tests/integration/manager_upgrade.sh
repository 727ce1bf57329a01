#!/usr/bin/env bash
# Toolchain upgrade: a project built with toolchain A (rustup stable) is recorded; `warm
# --toolchain B` (Debian's rustc) builds its dependencies for B, so a fresh copy built with B
# compiles nothing, build-script runs included, and still works. A second warm has nothing to do.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need_debian_toolchain
bin=$CRATECACHE_BIN
a=$WORK/a/hello-hyper
fresh=$WORK/fresh-b/hello-hyper
copy_project hello-hyper "$a"
copy_project hello-hyper "$fresh"

step "build with toolchain A in $a"
cached_build "$a"
assert_gt "$(count_log miss)" 40 "misses of the cold toolchain-A build"

step "projects lists it"
CRATECACHE_DIR=$STORE "$bin" projects >"$WORK/projects.out" || fail "projects exited non-zero"
cat "$WORK/projects.out"
grep -qF "$a/Cargo.toml" "$WORK/projects.out" || fail "projects does not list $a/Cargo.toml"

warm_b() { # warm_b OUT: warms the recorded projects for toolchain B, stdout+stderr to OUT
  CARGO_HOME=$(corpus_home) CRATECACHE_DIR=$STORE timeout "$BUILD_TIMEOUT" "$bin" warm --toolchain "$DEB_RUSTC" >"$1" 2>&1 ||
    { cat "$1" >&2; fail "warm --toolchain $DEB_RUSTC exited non-zero"; }
  tail -n 3 "$1"
}

step "warm --toolchain $DEB_RUSTC"
warm_b "$WORK/warm1.out"
read -r built failed compiled _ <<<"$(warm_summary "$WORK/warm1.out")"
assert_eq "1 0" "$built $failed" "projects built/failed by the first warm"
assert_gt "$compiled" 40 "units compiled by the first warm (toolchain B starts cold)"
want=$( (rustc -V && "$DEB_RUSTC" -V) | cut -d' ' -f2 | sort | xargs)
assert_eq "$want" "$(stats_toolchains | cut -d' ' -f3 | sort | xargs)" "toolchain releases in the store"

step "second warm compiles nothing"
warm_b "$WORK/warm2.out"
read -r built failed compiled cached <<<"$(warm_summary "$WORK/warm2.out")"
assert_eq "1 0 0" "$built $failed $compiled" "projects built/failed, units compiled by the second warm"
assert_gt "$cached" 40 "units already cached in the second warm"

step "fresh copy built with toolchain B in $fresh"
cached_build_b "$fresh"
assert_no_dep_compiles "fresh toolchain-B copy"
assert_gt "$(count_log hit)" 40 "hits of the fresh toolchain-B copy"
assert_gt "$(log_count hit '*' build-script-run)" 0 "build-script-run hits"

step "served binary answers a request"
serve_check "$fresh/target/debug/hello-hyper"

echo "PASS $TEST_NAME: warm compiled $(warm_summary "$WORK/warm1.out" | cut -d' ' -f3) units;" \
  "fresh toolchain-B build: $(count_log hit) hits, 0 misses"
