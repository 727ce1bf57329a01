#!/usr/bin/env bash
# Cargo's dependency rule for build-script runs: a run's key covers what the build scripts of the
# libraries it links declared (rerun-if-env-changed, rerun-if-changed), transitively, since those
# libraries read it when the run calls them. Changing such a variable leaves every rlib as it was;
# the dependent's run must still rerun (miss) and write what a plain uncached build writes, hit
# again once the variable is back, and hit when nothing changed. The same for a proc-macro, whose
# code runs while its dependents compile.
#  - synthetic/script-closure: uses-gen's script calls gen (build-dependency), which reads
#    CRATECACHE_TEST_GEN, and gen-deep (gen's dependency), which reads CRATECACHE_TEST_GEN_DEEP;
#  - synthetic/macro-closure: envmacro expands to CRATECACHE_TEST_MACRO, which its script declares;
#  - zstd-bindings: Debian's zstd-sys, whose script runs bindgen, with BINDGEN_EXTRA_CLANG_ARGS.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

unset CRATECACHE_TEST_GEN CRATECACHE_TEST_GEN_DEEP CRATECACHE_TEST_MACRO BINDGEN_EXTRA_CLANG_ARGS LIBCLANG_PATH LLVM_CONFIG_PATH
summary=()

# fresh_copy PROJECT: prints the path of a new copy of tests/projects/PROJECT.
fresh_copy() {
  local dir
  dir=$(mktemp -d "$WORK/copy.XXXXXX")/$(basename "$1")
  copy_project "$1" "$dir"
  echo "$dir"
}

# run_outcome PKG: the outcomes of PKG's build-script runs in the last cached build.
run_outcome() {
  awk -F'\t' -v p="$1" '$2 == p && $3 == "build-script-run" { print $1 }' "$LAST_LOG" | paste -sd, -
}

# same_as_plain PROJECT CACHED PKG WHAT: a plain uncached build of a new copy of PROJECT (same
# environment) writes the same OUT_DIR for PKG as the cached copy CACHED, and its program prints
# the same.
same_as_plain() {
  local plain program
  plain=$(fresh_copy "$1")
  program=$(basename "$1")
  plain_cargo "$plain" build -q || fail "$4: uncached build failed"
  diff -r "$(out_dir "$plain" "$3")" "$(out_dir "$2" "$3")" >&2 ||
    fail "$4: $3's OUT_DIR differs from an uncached build's"
  assert_eq "$("$plain/target/debug/$program")" "$("$2/target/debug/$program")" \
    "$4: program output against an uncached build"
}

# build_expecting PROJECT PKG OUTCOME WHAT: a cached build of a fresh copy, where PKG's run has
# OUTCOME and nothing is compiled when OUTCOME is hit; prints the copy's path.
build_expecting() {
  local dir
  dir=$(fresh_copy "$1")
  cached_build "$dir"
  assert_eq "$3" "$(run_outcome "$2")" "$4: $2's build-script run"
  [ "$3" != hit ] || assert_no_dep_compiles "$4"
  echo "$dir"
}

step "script-closure: variables gen and gen-deep declare are inputs of uses-gen's run"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # cache the path packages (all of this project)
want() { echo "gen=$1 deep=$2"; }
seed=$(build_expecting synthetic/script-closure uses-gen miss "seed, both unset")
assert_eq "$(want unset unset)" "$("$seed/target/debug/script-closure")" "seed: output"
c=$(build_expecting synthetic/script-closure uses-gen hit "positive control, nothing changed")
assert_eq "$(want unset unset)" "$("$c/target/debug/script-closure")" "positive control: output"
c=$(CRATECACHE_TEST_GEN=B build_expecting synthetic/script-closure uses-gen miss "CRATECACHE_TEST_GEN=B")
assert_eq miss "$(run_outcome gen)" "CRATECACHE_TEST_GEN=B: gen's own run"
assert_eq "$(want B unset)" "$("$c/target/debug/script-closure")" "CRATECACHE_TEST_GEN=B: output"
CRATECACHE_TEST_GEN=B same_as_plain synthetic/script-closure "$c" uses-gen "CRATECACHE_TEST_GEN=B"
c=$(CRATECACHE_TEST_GEN=B build_expecting synthetic/script-closure uses-gen hit "CRATECACHE_TEST_GEN=B again")
assert_eq "$(want B unset)" "$("$c/target/debug/script-closure")" "CRATECACHE_TEST_GEN=B again: output"
c=$(CRATECACHE_TEST_GEN_DEEP=B build_expecting synthetic/script-closure uses-gen miss "CRATECACHE_TEST_GEN_DEEP=B")
assert_eq "$(want unset B)" "$("$c/target/debug/script-closure")" "CRATECACHE_TEST_GEN_DEEP=B: output"
CRATECACHE_TEST_GEN_DEEP=B same_as_plain synthetic/script-closure "$c" uses-gen "CRATECACHE_TEST_GEN_DEEP=B"
c=$(build_expecting synthetic/script-closure uses-gen hit "back to unset")
assert_eq "$(want unset unset)" "$("$c/target/debug/script-closure")" "back to unset: output"
diff -r "$(out_dir "$seed" uses-gen)" "$(out_dir "$c" uses-gen)" >&2 || fail "back to unset: OUT_DIR differs from the seed's"
# In one target dir, as Cargo reruns it: the closure is recomputed at each invocation.
CRATECACHE_TEST_GEN=C cached_build "$c"
assert_eq miss "$(run_outcome uses-gen)" "same target dir, CRATECACHE_TEST_GEN=C: uses-gen's run"
assert_eq "$(want C unset)" "$("$c/target/debug/script-closure")" "same target dir, CRATECACHE_TEST_GEN=C: output"
summary+=("script-closure: unset -> miss; same -> hit; gen's or gen-deep's variable changed -> miss, same as uncached; again -> hit; back -> hit")

step "macro-closure: a variable envmacro's script declares is an input of the compiles that expand it"
# The compile of the program is keyed on it too: the proc-macro reads it when it runs in rustc.
c=$(fresh_copy synthetic/macro-closure)
cached_build "$c"
assert_eq "macro=unset" "$("$c/target/debug/macro-closure")" "macro seed: output"
c=$(fresh_copy synthetic/macro-closure)
CRATECACHE_TEST_MACRO=B cached_build "$c"
assert_eq 1 "$(log_count miss macro_closure bin)" "CRATECACHE_TEST_MACRO=B: compiles of the program that miss"
assert_eq "macro=B" "$("$c/target/debug/macro-closure")" "CRATECACHE_TEST_MACRO=B: output"
plain=$(fresh_copy synthetic/macro-closure)
CRATECACHE_TEST_MACRO=B plain_cargo "$plain" build -q || fail "macro-closure: uncached build failed"
assert_eq "$("$plain/target/debug/macro-closure")" "$("$c/target/debug/macro-closure")" "CRATECACHE_TEST_MACRO=B: output against an uncached build"
c=$(fresh_copy synthetic/macro-closure)
cached_build "$c"
assert_no_dep_compiles "macro-closure back to unset"
assert_eq "macro=unset" "$("$c/target/debug/macro-closure")" "macro-closure back to unset: output"
unset CRATECACHE_CACHE_PATH_PACKAGES
summary+=("macro-closure: CRATECACHE_TEST_MACRO=B -> the program's compile misses, same as uncached; back -> all hits")

step "zstd-bindings: BINDGEN_EXTRA_CLANG_ARGS (declared by bindgen's script) is an input of zstd-sys's run"
extra=-DZSTD_STATIC_LINKING_ONLY # exposes the experimental part of zstd.h
seed=$(build_expecting zstd-bindings zstd-sys miss "zstd seed")
plain_lines=$(wc -l <"$(out_dir "$seed" zstd-sys)/bindings.rs")
c=$(build_expecting zstd-bindings zstd-sys hit "zstd positive control")
c=$(BINDGEN_EXTRA_CLANG_ARGS=$extra build_expecting zstd-bindings zstd-sys miss "BINDGEN_EXTRA_CLANG_ARGS=$extra")
extra_lines=$(wc -l <"$(out_dir "$c" zstd-sys)/bindings.rs")
assert_gt "$extra_lines" "$plain_lines" "bindings.rs lines with $extra (without: $plain_lines)"
BINDGEN_EXTRA_CLANG_ARGS=$extra same_as_plain zstd-bindings "$c" zstd-sys "BINDGEN_EXTRA_CLANG_ARGS=$extra"
c=$(build_expecting zstd-bindings zstd-sys hit "zstd back to unset")
diff -r "$(out_dir "$seed" zstd-sys)" "$(out_dir "$c" zstd-sys)" >&2 || fail "zstd back to unset: OUT_DIR differs"
summary+=("zstd-bindings: $extra -> miss ($plain_lines -> $extra_lines lines, same as uncached); same -> hit; back -> hit")

printf '  %s\n' "${summary[@]}"
echo "PASS $TEST_NAME: build-script runs key on what their build-dependencies' scripts declared"
