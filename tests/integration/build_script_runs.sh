#!/usr/bin/env bash
# Build-script runs of path packages (CRATECACHE_CACHE_PATH_PACKAGES=1) are cached and replayed to
# a copy of the project, and their inputs are honoured: a run reruns (miss) when a
# rerun-if-changed file, a rerun-if-env-changed variable, the C compiler or a file it read without
# declaring it changes, hits again once the input is back, and a failing run is never stored nor
# served.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export CRATECACHE_CACHE_PATH_PACKAGES=1 # cache them
unset CC CRATECACHE_TEST_FOO CRATECACHE_TEST_FAIL CRATECACHE_TEST_INPUT
a=$WORK/a # cold builds
b=$WORK/b # the same projects in another directory
copy_project synthetic "$a"
copy_project synthetic "$b"
summary=()

# expect_run OUTCOME PKG WHAT: the build had exactly one run of PKG's build script, with OUTCOME.
expect_run() {
  local runs
  runs=$(awk -F'\t' -v p="$2" '$2 == p && $3 == "build-script-run"' "$LAST_LOG")
  [ "$(printf '%s\n' "$runs" | grep -c .)" = 1 ] && [ "$(log_count "$1" "$2" build-script-run)" = 1 ] ||
    fail "$3: expected one '$1' build-script-run of $2; its log lines: ${runs:-none}"
}

# script_form ROOT PKG: "entry" while PKG's served build-script binary is left in the store (an
# entry linked beside the launcher), "real" once it is a file (compiled here, or extracted to run).
script_form() {
  local entries reals
  entries=$(find "$1/target/debug/build" -maxdepth 2 -path "*/$2-*/*.cratecache-entry" | wc -l)
  reals=$(find "$1/target/debug/build" -maxdepth 2 -path "*/$2-*/*.cratecache-real" | wc -l)
  case "$entries $reals" in
    "1 0") echo entry ;;
    "0 1") echo real ;;
    *) fail "$2 in $1: $entries entry links and $reals real binaries" ;;
  esac
}

# cold_then_copy APP PKG WANT: cold build in A misses the run, the copy in B hits it; both
# programs print WANT and the replayed OUT_DIR equals the one the script wrote.
cold_then_copy() {
  cached_build "$a/$1"
  expect_run miss "$2" "$1: cold build in A"
  assert_eq "$3" "$("$a/$1/target/debug/$1")" "$1: output in A"
  assert_eq real "$(script_form "$a/$1" "$2")" "$1: build-script binary compiled in A"
  cached_build "$b/$1"
  expect_run hit "$2" "$1: copy in B"
  assert_eq entry "$(script_form "$b/$1" "$2")" "$1: build-script binary served to B, left in the store"
  assert_eq "$3" "$("$b/$1/target/debug/$1")" "$1: output in B"
  diff -r "$(out_dir "$a/$1" "$2")" "$(out_dir "$b/$1" "$2")" >&2 || fail "$1: replayed OUT_DIR differs"
  summary+=("$1: miss in A, hit in B, same output")
}

# cached_build_fails DIR: cached_build whose cargo build must fail (not time out).
cached_build_fails() {
  local rc=0
  : >"$LAST_LOG"
  (cd "$1" && CARGO_HOME=$(corpus_home) RUSTC_WRAPPER=$CRATECACHE_BIN CRATECACHE_DIR=$STORE \
    CRATECACHE_LOG=$LAST_LOG timeout "$BUILD_TIMEOUT" cargo build) >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
  [ "$rc" != 0 ] || fail "cargo build in $1 succeeded; expected the build script to fail"
  [ "$rc" != 124 ] || fail "cargo build in $1 timed out"
}

step "rerun-file: data.txt is an input of filegen's run"
cold_then_copy rerun-file filegen "original data"
data=$b/rerun-file/filegen/data.txt
cp "$data" "$WORK/data.orig"
echo "edited data" >"$data"
cached_build "$b/rerun-file"
expect_run miss filegen "rerun-file: after editing data.txt"
assert_eq real "$(script_form "$b/rerun-file" filegen)" "rerun-file: build-script binary extracted to run"
assert_eq "edited data" "$("$b/rerun-file/target/debug/rerun-file")" "rerun-file: output after the edit"
cp "$WORK/data.orig" "$data"
cached_build "$b/rerun-file"
expect_run hit filegen "rerun-file: data.txt restored"
assert_eq "original data" "$("$b/rerun-file/target/debug/rerun-file")" "rerun-file: output restored"
summary+=("rerun-file: edit -> miss, restore -> hit")

step "rerun-env: CRATECACHE_TEST_FOO is an input of envgen's run"
export CRATECACHE_TEST_FOO=alpha
cold_then_copy rerun-env envgen alpha
CRATECACHE_TEST_FOO=beta cached_build "$b/rerun-env"
expect_run miss envgen "rerun-env: CRATECACHE_TEST_FOO=beta"
assert_eq beta "$("$b/rerun-env/target/debug/rerun-env")" "rerun-env: output with beta"
cached_build "$b/rerun-env"
expect_run hit envgen "rerun-env: CRATECACHE_TEST_FOO=alpha again"
assert_eq alpha "$("$b/rerun-env/target/debug/rerun-env")" "rerun-env: output with alpha again"
unset CRATECACHE_TEST_FOO
summary+=("rerun-env: new value -> miss, old value -> hit")

step "c-static: the C compiler is an input of cdep's run"
cold_then_copy c-static cdep "answer from C: 42"
mkdir -p "$WORK/bin"
wrapper=$WORK/bin/cc-wrapper
printf '#!/bin/sh\nexec gcc "$@"\n' >"$wrapper"
chmod +x "$wrapper"
CC=$wrapper cached_build "$b/c-static"
expect_run miss cdep "c-static: CC=wrapper"
assert_eq "answer from C: 42" "$("$b/c-static/target/debug/c-static")" "c-static: output with CC=wrapper"
grep -qF "CC = Some(\"$wrapper\")" "$(dirname "$(out_dir "$b/c-static" cdep)")/output" ||
  fail "c-static: the script run did not see CC=$wrapper"
cached_build "$b/c-static"
expect_run hit cdep "c-static: plain cc again"
assert_eq "answer from C: 42" "$("$b/c-static/target/debug/c-static")" "c-static: output with plain cc"
# Same CC value, other content: only the compiler's digest tells the runs apart (Cargo reruns the
# script in a fresh copy; B's target dir would consider it fresh).
printf '#!/bin/sh\n# another compiler, same path\nexec gcc "$@"\n' >"$wrapper"
copy_project synthetic/c-static "$WORK/c/c-static"
CC=$wrapper cached_build "$WORK/c/c-static"
expect_run miss cdep "c-static: CC=wrapper with new content, same path"
assert_eq "answer from C: 42" "$("$WORK/c/c-static/target/debug/c-static")" "c-static: output in C"
summary+=("c-static: CC=wrapper -> miss, plain -> hit, wrapper content changed -> miss")
# A header the C compiler reads is traced as an input of the run, though the script never names it
# (here forced in with -include; usually a system header found through pkg-config).
extra=$WORK/extra.h
for step_text in "1 miss" "2 miss" "1 hit"; do
  read -r version outcome <<<"$step_text"
  echo "#define CRATECACHE_EXTRA $version" >"$extra"
  copy_project synthetic/c-static "$WORK/h$version-$outcome/c-static"
  CFLAGS="-include $extra" cached_build "$WORK/h$version-$outcome/c-static"
  expect_run "$outcome" cdep "c-static: extra.h version $version"
  assert_eq "answer from C: 42" "$("$WORK/h$version-$outcome/c-static/target/debug/c-static")" "c-static with extra.h"
done
summary+=("c-static: a header read by the C compiler changed -> miss, restored -> hit")

step "undeclared-read: a file the script reads without declaring it is an input (traced)"
input=$WORK/undeclared-input.txt
echo "first text" >"$input"
export CRATECACHE_TEST_INPUT=$input
cold_then_copy undeclared-read readgen "first text"
echo "second text" >"$input"
copy_project synthetic/undeclared-read "$WORK/u2/undeclared-read"
cached_build "$WORK/u2/undeclared-read"
expect_run miss readgen "undeclared-read: the file changed"
assert_eq "second text" "$("$WORK/u2/undeclared-read/target/debug/undeclared-read")" "undeclared-read: new text"
echo "first text" >"$input"
copy_project synthetic/undeclared-read "$WORK/u3/undeclared-read"
cached_build "$WORK/u3/undeclared-read"
expect_run hit readgen "undeclared-read: the first text again"
assert_eq "first text" "$("$WORK/u3/undeclared-read/target/debug/undeclared-read")" "undeclared-read: first text"
unset CRATECACHE_TEST_INPUT
summary+=("undeclared-read: undeclared input changed -> miss, restored -> hit")

step "script-fails: a failing run is neither stored nor served"
cold_then_copy script-fails failscript "build script succeeded"
for attempt in 1 2; do
  entries=$(entry_count)
  failed=$(stat not_cached.script_failed)
  CRATECACHE_TEST_FAIL=1 cached_build_fails "$b/script-fails"
  grep -qF 'failed to run custom build command for `failscript' "$LAST_ERR" ||
    { tail -n 30 "$LAST_ERR" >&2; fail "failing run $attempt: no cargo error for failscript"; }
  grep -qF 'failscript: asked to fail by CRATECACHE_TEST_FAIL=1' "$LAST_ERR" ||
    { tail -n 30 "$LAST_ERR" >&2; fail "failing run $attempt: the panic message is not in cargo's output"; }
  expect_run not_cached failscript "failing run $attempt"
  assert_eq script_failed "$(awk -F'\t' '$2 == "failscript" && $3 == "build-script-run" { print $4 }' "$LAST_LOG")" \
    "failing run $attempt: not_cached reason"
  assert_eq "$((failed + 1))" "$(stat not_cached.script_failed)" "failing run $attempt: stats not_cached.script_failed"
  assert_eq "$entries" "$(entry_count)" "failing run $attempt: store entries (nothing stored)"
  cached_build "$b/script-fails"
  expect_run hit failscript "succeeding run after failing run $attempt"
  assert_eq "build script succeeded" "$("$b/script-fails/target/debug/script-fails")" \
    "script-fails: output after failing run $attempt"
done
summary+=("script-fails: fails twice (not_cached script_failed, nothing stored), unset -> hit")

printf '  %s\n' "${summary[@]}"
echo "PASS $TEST_NAME: build-script runs cached, replayed and invalidated by their inputs"
