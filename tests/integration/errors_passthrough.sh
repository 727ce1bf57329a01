#!/usr/bin/env bash
# A crate that fails to compile fails identically with and without the wrapper: same exit code,
# same human stderr, same --message-format=json stdout; and a failed compile is never stored.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Incremental units are never cached; without this the wrapper would not even try to compile.
export CARGO_INCREMENTAL=0
copy_project synthetic "$WORK/p"
dir=$WORK/p/broken # every run uses this same path: diagnostics and JSON contain it

# run VARIANT FORMAT: builds from scratch, saving rc/stdout/stderr under $WORK/out/VARIANT.FORMAT.
run() {
  local variant=$1 format=$2 out=$WORK/out/$1.$2 rc=0 env=(CARGO_HOME="$(corpus_home)")
  mkdir -p "$WORK/out"
  rm -rf "$dir/target"
  case $variant in
    cached*) env+=(RUSTC_WRAPPER="$CRATECACHE_BIN" CRATECACHE_DIR="$STORE" CRATECACHE_LOG="$LAST_LOG") ;;&
    cached-path) env+=(CRATECACHE_CACHE_PATH_PACKAGES=1) ;;
  esac
  : >"$LAST_LOG"
  (cd "$dir" && env "${env[@]}" timeout "$BUILD_TIMEOUT" cargo build --message-format="$format") \
    >"$out.stdout" 2>"$out.stderr" || rc=$?
  echo "$rc" >"$out.rc"
  # Only the elapsed time may differ between runs.
  sed -i -E 's/ in [0-9.]+m?s$/ in <time>/' "$out.stderr"
}

# same VARIANT FORMAT: VARIANT's results equal the wrapper-less run's.
same() {
  local f
  for f in rc stdout stderr; do
    diff -u "$WORK/out/plain.$2.$f" "$WORK/out/$1.$2.$f" >&2 ||
      fail "$f of '$1' differs from plain cargo (--message-format=$2)"
  done
}

for format in human json; do
  step "--message-format=$format"
  run plain "$format"
  assert_eq 101 "$(cat "$WORK/out/plain.$format.rc")" "exit code of plain cargo"
  run cached "$format"
  same cached "$format"
  assert_eq 1 "$(log_count not_cached broken lib workspace_member)" "broken as workspace member"
  run cached-path "$format"
  same cached-path "$format"
  assert_eq 1 "$(log_count not_cached broken lib compile_error)" "broken: compile_error"
  assert_eq 0 "$(entry_count)" "store entries after failed compiles"
done
grep -q 'E0308' "$WORK/out/plain.human.stderr" || fail "the test crate did not fail with E0308"
grep -q '"reason":"compiler-message"' "$WORK/out/plain.json.stdout" || fail "no JSON diagnostics"

echo "PASS $TEST_NAME: exit code, stderr and JSON stdout identical with and without the wrapper"
