#!/usr/bin/env bash
# `cratecache explain` names the input that made a unit miss: a changed rerun-if-env-changed
# variable of a build-script run (its values never shown), a new rustc flag against the nearest
# stored key, a changed source file against the stored results of the same input key.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # the synthetic packages are path packages
unset CRATECACHE_TEST_FOO

explain() { CRATECACHE_DIR=$STORE "$CRATECACHE_BIN" explain "$@"; }
# expect_in TEXT NEEDLE WHAT
expect_in() { grep -qF -- "$2" <<<"$1" || { echo "$1" >&2; fail "$3: no '$2' in explain's output"; }; }

copy_project synthetic "$WORK/a"
copy_project synthetic "$WORK/b"
copy_project synthetic "$WORK/c"

step "a build-script run: a declared variable changed"
CRATECACHE_TEST_FOO=alpha-secret-value cached_build "$WORK/a/rerun-env"
CRATECACHE_TEST_FOO=beta-secret-value cached_build "$WORK/b/rerun-env"
assert_eq 1 "$(log_count miss envgen build-script-run)" "run of envgen with the new value misses"
out=$(explain envgen)
expect_in "$out" "env CRATECACHE_TEST_FOO changed" "envgen"
expect_in "$out" "script binary:" "envgen's key inputs"
if grep -q "secret-value" <<<"$out"; then fail "explain printed a variable's value"; fi

step "a rustc unit: a flag the store has not seen"
cached_build "$WORK/a/app-pathdep"
RUSTFLAGS="--cfg cratecache_test" cached_build "$WORK/b/app-pathdep"
assert_eq 1 "$(log_count miss util lib)" "util with a new --cfg misses"
out=$(explain util)
expect_in "$out" "new input key; the nearest stored one" "util"
expect_in "$out" "--cfg: now cratecache_test; stored (none)" "util's differing input"

step "a rustc unit: a source file changed under the same input key"
echo 'pub fn extra() {}' >>"$WORK/c/app-pathdep/util/src/lib.rs"
cached_build "$WORK/c/app-pathdep"
assert_eq 1 "$(log_count miss util lib)" "util with an edited source misses"
out=$(explain util)
expect_in "$out" "result 1: file util/src/lib.rs changed" "util's changed source"

step "the list of recent misses, and an unknown name"
out=$(explain)
expect_in "$out" "util (lib): file util/src/lib.rs changed" "list"
expect_in "$out" "envgen (build-script-run): env CRATECACHE_TEST_FOO changed" "list"
rc=0
explain no-such-crate >/dev/null 2>&1 || rc=$?
assert_eq 1 "$rc" "explain of a unit never missed"
echo "explain: env change, new flag, changed source, list: named"
