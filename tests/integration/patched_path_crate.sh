#!/usr/bin/env bash
# A [patch]ed path crate under a registry crate (itoa under serde_json). The path crate's crate
# hash depends on where the project is (rustc rejects, with E0460, a serde_json compiled against
# another directory's itoa), so by default the registry crates above it are keyed on its bytes and
# compile again in a fresh copy, correctly; with cache_path_packages the path crate itself is
# served, and then everything above it hits.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

itoa_src=$(find /usr/share/cargo/registry -maxdepth 1 -name 'itoa-1.*' | sort -V | tail -n 1)
[ -n "$itoa_src" ] || fail "Debian's itoa 1.x is not installed (scripts/setup-corpus.sh)"
# new_copy DIR: the project with itoa copied in as its patch.
new_copy() {
  copy_project patched "$1"
  mkdir -p "$1/vendor"
  cp -r "$itoa_src" "$1/vendor/itoa"
  rm -f "$1/vendor/itoa/.cargo-checksum.json"
}
want='[12345,678]'

step "default: serde_json compiles again against this directory's itoa"
new_copy "$WORK/a"
new_copy "$WORK/b"
cached_build "$WORK/a"
cached_build "$WORK/b"
assert_eq 1 "$(log_count not_cached itoa lib workspace_member)" "the patched itoa is a path package"
assert_eq 1 "$(log_count miss serde_json lib)" "serde_json keyed on this copy's itoa"
assert_eq 1 "$(log_count hit serde lib)" "serde, below nothing patched, is served"
assert_eq "$want" "$("$WORK/b/target/debug/patched")" "output of the fresh copy"

step "cache_path_packages: the patched itoa is served, and everything above it"
export CRATECACHE_CACHE_PATH_PACKAGES=1
new_copy "$WORK/c"
new_copy "$WORK/d"
CRATECACHE_DIR=$WORK/store2 cached_build "$WORK/c"
CRATECACHE_DIR=$WORK/store2 cached_build "$WORK/d"
assert_eq 1 "$(log_count hit itoa lib)" "the patched itoa served"
assert_eq 1 "$(log_count hit serde_json lib)" "serde_json served"
assert_eq 0 "$(count_log miss)" "misses in the fresh copy"
assert_eq "$want" "$("$WORK/d/target/debug/patched")" "output of the served copy"
echo "patched path crate: default recompiles above it (correct output); cache_path_packages serves all"
