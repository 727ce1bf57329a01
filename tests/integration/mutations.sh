#!/usr/bin/env bash
# Every input that changes a unit's output must change its key (a miss, and the right output),
# while a mere change of target dir must not (a hit, and the right output). Each case first shows
# the unmutated build hits, so the miss is attributable to the mutation alone.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # the synthetic packages are path packages
export CARGO_INCREMENTAL=0 # incremental units are never cached
export CRATECACHE_TEST_VAR=one

n=0
# fresh_synthetic: a new copy of the synthetic packages (fresh target dirs), path in $syn.
fresh_synthetic() {
  n=$((n + 1))
  syn=$WORK/copy$n
  copy_project synthetic "$syn"
}
# expect OUTCOME CRATE WHAT: exactly one log line of CRATE's lib unit, with OUTCOME.
expect() {
  assert_eq 1 "$(log_count "$1" "$2" lib)" "$1 of $2 ($3)"
}

step "baseline: util cached, then hit from another copy"
fresh_synthetic
cached_build "$syn/app-pathdep"
expect miss util "cold"
fresh_synthetic
cached_build "$syn/app-pathdep"
expect hit util "unchanged copy"
assert_eq "hello from util cfg-off debug" "$("$syn/app-pathdep/target/debug/app-pathdep")" "output"

step "edit a path dependency's source (after a hit: Cargo must still notice)"
sed -i 's/hello from util/edited util/' "$syn/app-pathdep/util/src/lib.rs"
cached_build "$syn/app-pathdep"
expect miss util "edited source"
assert_eq "edited util cfg-off debug" "$("$syn/app-pathdep/target/debug/app-pathdep")" "output"

step "RUSTFLAGS --cfg cratecache_test"
fresh_synthetic
RUSTFLAGS="--cfg cratecache_test" cached_build "$syn/app-pathdep"
expect miss util "RUSTFLAGS"
assert_eq "hello from util cfg-on debug" "$("$syn/app-pathdep/target/debug/app-pathdep")" "output"

step "profile --release"
cached_build "$syn/app-pathdep" --release
expect miss util "release profile"
assert_eq "hello from util cfg-off release" "$("$syn/app-pathdep/target/release/app-pathdep")" \
  "output"

step "rustc: nightly instead of stable"
fresh_synthetic
RUSTUP_TOOLCHAIN=nightly cached_build "$syn/app-pathdep"
expect miss util "nightly rustc"
assert_eq "hello from util cfg-off debug" "$("$syn/app-pathdep/target/debug/app-pathdep")" "output"

step "env! variable value"
fresh_synthetic
cached_build "$syn/app-env"
expect miss envdep "CRATECACHE_TEST_VAR=one, cold"
fresh_synthetic
cached_build "$syn/app-env"
expect hit envdep "CRATECACHE_TEST_VAR=one, unchanged"
assert_eq one "$("$syn/app-env/target/debug/app-env")" "output"
# Same target dir: the served dep-info must still declare the env dependency for Cargo.
CRATECACHE_TEST_VAR=two cached_build "$syn/app-env"
expect miss envdep "CRATECACHE_TEST_VAR=two, after a hit"
assert_eq two "$("$syn/app-env/target/debug/app-env")" "output"
fresh_synthetic
CRATECACHE_TEST_VAR=three cached_build "$syn/app-env"
expect miss envdep "CRATECACHE_TEST_VAR=three, fresh copy"
assert_eq three "$("$syn/app-env/target/debug/app-env")" "output"

# Registry dependencies only from here on: the project's own crate goes back to not cached.
unset CRATECACHE_CACHE_PATH_PACKAGES

step "features: hello-hyper with an extra tokio feature (fs: hyper does not enable it)"
copy_project hello-hyper "$WORK/hh-a"
cached_build "$WORK/hh-a"
copy_project hello-hyper "$WORK/hh-b"
sed -i 's/"macros", "rt-multi-thread"/"macros", "rt-multi-thread", "fs"/' "$WORK/hh-b/Cargo.toml"
grep -q '"fs"' "$WORK/hh-b/Cargo.toml" || fail "could not add the tokio feature"
cached_build "$WORK/hh-b"
expect miss tokio "extra feature"
assert_gt "$(log_count hit bytes lib)" 0 "hits of bytes (features unchanged)"
serve_check "$WORK/hh-b/target/debug/hello-hyper"

step "CARGO_TARGET_DIR outside the project: path-normalised, so everything hits"
copy_project hello-hyper "$WORK/hh-c"
CARGO_TARGET_DIR=$WORK/elsewhere/tgt cached_build "$WORK/hh-c"
assert_no_dep_compiles "other target dir"
assert_gt "$(count_log hit)" 40 "hits with another target dir"
serve_check "$WORK/elsewhere/tgt/debug/hello-hyper"

echo "PASS $TEST_NAME: source, RUSTFLAGS, profile, rustc, env!, features change the key; target dir does not"
