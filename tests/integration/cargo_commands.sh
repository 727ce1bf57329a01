#!/usr/bin/env bash
# Cargo's commands and settings beyond `cargo build`, over synthetic/app-cmds (anyhow, bytes, itoa):
# - `cargo check` after `cargo build`: a check unit is not served from the build's entry (its
#   `-C metadata` differs, and so does a full build's .rmeta); check units are stored on their own
#   and a fresh copy's check is served, its .rmeta files equal to a plain check's;
# - anyhow's build-script probe is counted as `build_script_probe`, not as a workspace member;
# - `split-debuginfo = "unpacked"` / `"packed"`: a copy at the same path compiles no dependency,
#   and its .dwo/.dwp files and binary equal an uncached build's there; gdb finds the debug info;
# - with cache_path_packages, `cargo test`'s harness units are served to a fresh copy and run;
#   clippy's members run unchanged (`workspace_wrapper`) while its dependencies are served;
# - a read-only out-dir: counted as `not_cached out_dir_unwritable` with a log line, and the build
#   fails as rustc's own (a read-only mount in a private namespace; root and unshare needed).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# cached_cargo DIR SUBCOMMAND [ARGS...]: like cached_build, for any cargo subcommand.
cached_cargo() {
  local dir=$1 rc=0
  shift
  : >"$LAST_LOG"
  (cd "$dir" && CARGO_HOME=$(corpus_home) RUSTC_WRAPPER=$CRATECACHE_BIN CRATECACHE_DIR=$STORE \
    CRATECACHE_LOG=$LAST_LOG timeout "$BUILD_TIMEOUT" cargo "$@") >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 40 "$LAST_ERR" >&2
    fail "cached cargo $* in $dir exited $rc"
  fi
}

# same_files DIR_A DIR_B GLOB WHAT MIN: files matching GLOB in DIR_A (at least MIN) are byte-equal
# to those of DIR_B, and both have the same set.
same_files() {
  local a=$1 b=$2 glob=$3 what=$4 min=$5 n=0 f
  diff <(cd "$a" && compgen -G "$glob" | sort) <(cd "$b" && compgen -G "$glob" | sort) ||
    fail "$what: the file sets differ"
  for f in $(cd "$a" && compgen -G "$glob"); do
    cmp -s "$a/$f" "$b/$f" || fail "$what: $f differs"
    n=$((n + 1))
  done
  [ "$n" -ge "$min" ] || fail "$what: only $n files matching $glob (expected >= $min)"
}

step "cargo build, then cargo check in the same project"
copy_project synthetic/app-cmds "$WORK/a/app"
cached_cargo "$WORK/a/app" build
assert_gt "$(log_count not_cached anyhow_build '*' build_script_probe)" 0 "anyhow's probe counted as such"
assert_eq 0 "$(log_count not_cached anyhow_build '*' workspace_member)" "anyhow's probe as a workspace member"
assert_gt "$(stat not_cached.build_script_probe)" 0 "stats of build_script_probe"
cached_cargo "$WORK/a/app" check
# The check units are other units for Cargo (`-C metadata` differs): stored now, not served.
assert_eq 3 "$(log_count miss '*' lib)" "check units of the libraries stored"

step "cargo check in a fresh copy: served, .rmeta equal to a plain check's"
copy_project synthetic/app-cmds "$WORK/b/app"
cached_cargo "$WORK/b/app" check
assert_no_dep_compiles "check of a fresh copy"
assert_eq 3 "$(log_count hit '*' lib)" "libraries served to the check"
copy_project synthetic/app-cmds "$WORK/c/app"
plain_cargo "$WORK/c/app" check -q
same_files "$WORK/b/app/target/debug/deps" "$WORK/c/app/target/debug/deps" 'lib[abi][nty]*.rmeta' "check metadata" 3

step "cache_path_packages: cargo test's harness units are stored, then served to a fresh copy"
export CRATECACHE_CACHE_PATH_PACKAGES=1
copy_project synthetic/app-cmds "$WORK/t/app" # its lib is stored too, for the harness units to link
cached_cargo "$WORK/t/app" test --no-run
assert_eq 1 "$(log_count miss render bin)" "integration test harness stored"
assert_gt "$(log_count miss app_cmds bin)" 1 "the lib's and the bin's test harness stored"
assert_eq 0 "$(count_log not_cached no_crate_type)" "harness units left uncached"
copy_project synthetic/app-cmds "$WORK/d/app"
cached_cargo "$WORK/d/app" test
assert_eq 0 "$(count_log miss)" "misses of cargo test in a fresh copy"
assert_eq 1 "$(log_count hit render bin)" "integration test harness served"
assert_gt "$(log_count hit app_cmds bin)" 1 "the lib's and the bin's test harness served"
assert_eq 2 "$(grep -c '^test result: ok. 1 passed' "$LAST_OUT")" "served test binaries ran their tests"

step "cargo clippy: members run unchanged (workspace_wrapper), dependencies served"
plain_cargo "$WORK/d/app" clippy --version >/dev/null 2>&1 || fail "cargo clippy is not installed (rustup component add clippy)"
cached_cargo "$WORK/d/app" clippy
assert_gt "$(count_log not_cached workspace_wrapper)" 0 "clippy members counted as workspace_wrapper"
assert_eq 0 "$(count_log not_cached multiple_inputs)" "clippy members as multiple_inputs"
assert_eq 0 "$(count_log miss)" "misses under clippy"
assert_eq 3 "$(log_count hit '*' lib)" "dependencies served to clippy"
unset CRATECACHE_CACHE_PATH_PACKAGES

# split_debuginfo_case MODE GLOB MIN: reference, seed and a fresh copy at the same path; then a
# copy elsewhere, keyed apart (its objects name their own .dwo paths).
split_debuginfo_case() {
  local mode=$1 glob=$2 min=$3 app=$WORK/split-$1/app
  # Members too (their binary's .dwo/.dwp files), not incremental (split_debuginfo_incremental).
  export CARGO_PROFILE_DEV_SPLIT_DEBUGINFO=$mode CARGO_INCREMENTAL=0 CRATECACHE_CACHE_PATH_PACKAGES=1
  step "split-debuginfo=$mode: uncached reference, then seed at the same path"
  copy_project synthetic/app-cmds "$app"
  plain_cargo "$app" build -q
  mv "$app/target" "$app.reference-target"
  cached_cargo "$app" build
  assert_eq 0 "$(count_log not_cached split_debuginfo)" "units not cached for split debug info"
  assert_eq 4 "$(log_count miss '*' lib)" "libraries stored"
  assert_eq 1 "$(log_count miss app_cmds bin)" "binary stored"

  step "split-debuginfo=$mode: a fresh copy at the same path compiles no dependency"
  rm -rf "$app"
  copy_project synthetic/app-cmds "$app"
  cached_cargo "$app" build
  assert_no_dep_compiles "fresh copy, split-debuginfo=$mode"
  assert_eq 1 "$(log_count hit app_cmds bin)" "binary served, split-debuginfo=$mode"
  same_files "$app/target/debug/deps" "$app.reference-target/debug/deps" "$glob" "split debug info" "$min"
  same_files "$app/target/debug/deps" "$app.reference-target/debug/deps" 'lib[abi][nty]*.rlib' "rlibs" 3
  cmp "$app/target/debug/app-cmds" "$app.reference-target/debug/app-cmds" ||
    fail "binary differs from the uncached reference (split-debuginfo=$mode)"
  assert_eq "rendered 1234" "$("$app/target/debug/app-cmds")" "program output"
  # gdb follows the skeleton units to the .dwo/.dwp files (it complains of any it cannot find).
  gdb_out=$(gdb -batch -ex 'ptype bytes::bytes::Bytes' "$app/target/debug/app-cmds" 2>&1)
  grep -q 'type = struct bytes::bytes::Bytes' <<<"$gdb_out" || fail "gdb: no type info (split-debuginfo=$mode)"
  ! grep -q 'Could not find DWO' <<<"$gdb_out" || fail "gdb misses split debug info: $gdb_out"

  step "split-debuginfo=$mode: a copy elsewhere is keyed apart"
  copy_project synthetic/app-cmds "$WORK/split-$mode-elsewhere/app"
  cached_cargo "$WORK/split-$mode-elsewhere/app" build
  assert_eq 4 "$(log_count miss '*' lib)" "libraries compiled in a copy elsewhere"
  unset CARGO_PROFILE_DEV_SPLIT_DEBUGINFO CARGO_INCREMENTAL CRATECACHE_CACHE_PATH_PACKAGES
}
split_debuginfo_case unpacked '*.rcgu.dwo' 5
split_debuginfo_case packed '*.dwp' 1 # the binary's; an rlib bundles its .dwo files

step "a read-only out-dir: counted and logged, the build fails as rustc's own"
copy_project synthetic/app-cmds "$WORK/e/app"
deps=$WORK/e/app/target/debug/deps
mkdir -p "$deps" # empty: Cargo has nothing to remove there, the wrapper is the first to write
cargo_shim ro-deps "mount --bind \"$deps\" \"$deps\" && mount -o remount,bind,ro \"$deps\""
: >"$LAST_LOG"
(cd "$WORK/e/app" && PATH=$WORK/ro-deps:$PATH CARGO_HOME=$(corpus_home) RUSTC_WRAPPER=$CRATECACHE_BIN \
  CRATECACHE_DIR=$STORE CRATECACHE_LOG=$LAST_LOG timeout "$BUILD_TIMEOUT" cargo build) >"$LAST_OUT" 2>"$LAST_ERR" &&
  fail "build into a read-only out-dir succeeded"
assert_gt "$(count_log not_cached out_dir_unwritable)" 0 "log lines of out_dir_unwritable"
assert_gt "$(stat not_cached.out_dir_unwritable)" 0 "stats of out_dir_unwritable"
assert_eq 0 "$(stat errors.lookup)" "lookup errors"
grep -q "Read-only file system" "$LAST_ERR" || fail "rustc's own error not shown"

echo "PASS $TEST_NAME"
