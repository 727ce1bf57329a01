#!/usr/bin/env bash
# Cargo's build layouts and directory settings: a fresh copy of a project in another directory
# compiles no dependency, and its served outputs equal an uncached build, whatever Cargo's layout
# (old; new, nightly's -Zbuild-dir-new-layout), a build dir apart from the target dir
# (CARGO_BUILD_BUILD_DIR), a target dir of another name and place shared by two projects
# (CARGO_TARGET_DIR), and vendored sources (`cargo vendor`) with the target dir outside the
# project. Each store is seeded once (one cold build per project and toolchain) and reused by
# every row of its layout. The roots these rely on are found as docs/key.md ("Roots") says.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

command -v rustup >/dev/null && rustup run nightly rustc -V >/dev/null 2>&1 ||
  fail "needs rustup's nightly toolchain (for -Zbuild-dir-new-layout)"

# nightly CMD...: CMD with rustup's nightly; this corpus needs every feature gate allowed.
nightly() { RUSTUP_TOOLCHAIN=nightly RUSTFLAGS=-Zallow-features= "$@"; }
# nightly_cargo CMD...: CMD with nightly's cargo driving the default rustc, as Cargo 1.100 does
# with its new default layout. big needs it: nightly's rustc cannot build its corpus (the build
# script of proc-macro-error 1.0.3 turns on a feature whose API has changed since).
default_rustc=$(rustup which rustc)
nightly_cargo() { RUSTUP_TOOLCHAIN=nightly RUSTC=$default_rustc "$@"; }

# compare_at CACHED CACHED_BUILD_DIR WARM MIN_FILES OWN [ARGS...]: the served dependency
# artifacts in CACHED_BUILD_DIR against the uncached reference_build of WARM (built at WARM's own
# path, so that paths embedded in artifacts agree); ARGS go to compare_outputs.py.
compare_at() {
  python3 "$HERE/compare_outputs.py" --cached "$1" --cached-target "$2" --warm "$3" --reference "$3" \
    --reference-target "$3.reference-target" --profile debug --min-files "$4" --own "$5" "${@:6}" ||
    fail "cached artifacts in $2 differ from the uncached reference"
}

# fresh_copy MIN_HITS NAME DIR [BUILD ARGS...]: a fresh copy of tests/projects/NAME at DIR built
# through the store: no dependency compiled, more than MIN_HITS units served.
fresh_copy() {
  local min_hits=$1 name=$2 dir=$3
  shift 3
  copy_project "$name" "$dir"
  cached_build "$dir" "$@"
  assert_no_dep_compiles "$name at $dir${CARGO_TARGET_DIR:+, target dir $CARGO_TARGET_DIR}${CARGO_BUILD_BUILD_DIR:+, build dir $CARGO_BUILD_BUILD_DIR}"
  assert_gt "$(count_log hit)" "$min_hits" "hits of $name at $dir"
}

hh=$WORK/seed/hello-hyper
big=$WORK/seed/big
copy_project hello-hyper "$hh"
copy_project big "$big"

step "old layout: an uncached reference, then one cold build of each project seeds the store"
reference_build "$hh"
cached_build "$hh"
assert_gt "$(count_log miss)" 40 "misses of the cold hello-hyper build"
cached_build "$big"
assert_gt "$(count_log miss)" 140 "misses of the cold big build"

# big's served artifacts in the default layout are byte-compared by big_project_hits.
step "old layout: a target dir not named target, outside both projects and shared by them"
shared=$WORK/shared/builds
CARGO_TARGET_DIR=$shared fresh_copy 140 big "$WORK/c1/big"
# Units big built alike are fresh for Cargo in the shared dir: it calls rustc for the others only.
CARGO_TARGET_DIR=$shared fresh_copy 10 hello-hyper "$WORK/c2/hello-hyper"
serve_check "$shared/debug/hello-hyper"
compare_at "$WORK/c2/hello-hyper" "$shared" "$hh" 120 hello-hyper --shared

step "old layout: a build dir apart from the target dir"
CARGO_BUILD_BUILD_DIR=$WORK/intermediate/hh fresh_copy 40 hello-hyper "$WORK/c3/hello-hyper"
serve_check "$WORK/c3/hello-hyper/target/debug/hello-hyper"
compare_at "$WORK/c3/hello-hyper" "$WORK/intermediate/hh" "$hh" 120 hello-hyper
CARGO_BUILD_BUILD_DIR=$WORK/intermediate/big fresh_copy 140 big "$WORK/c4/big"
[ -x "$WORK/c4/big/target/debug/big" ] || fail "big's binary is not in its target dir"

step "new layout (-Zbuild-dir-new-layout): its own store, seeded once per project"
export CRATECACHE_DIR=$WORK/store-new
nhh=$WORK/seed-new/hello-hyper
copy_project hello-hyper "$nhh"
nightly plain_cargo "$nhh" build -q -Zbuild-dir-new-layout || fail "uncached new-layout reference build failed"
mv "$nhh/target" "$nhh.reference-target"
[ -d "$nhh.reference-target/debug/build/hyper" ] || fail "nightly did not use the new layout"
nightly cached_build "$nhh" -Zbuild-dir-new-layout
assert_gt "$(count_log miss)" 40 "misses of the cold new-layout hello-hyper build"
copy_project big "$WORK/seed-new/big"
nightly_cargo cached_build "$WORK/seed-new/big" -Zbuild-dir-new-layout
assert_gt "$(count_log miss)" 140 "misses of the cold new-layout big build"

step "new layout: fresh copies, one of them in a target dir of another name"
nightly fresh_copy 40 hello-hyper "$WORK/n1/hello-hyper" -Zbuild-dir-new-layout
serve_check "$WORK/n1/hello-hyper/target/debug/hello-hyper"
compare_at "$WORK/n1/hello-hyper" "$WORK/n1/hello-hyper/target" "$nhh" 120 hello-hyper
CARGO_TARGET_DIR=$WORK/shared-new/out nightly_cargo fresh_copy 140 big "$WORK/n2/big" -Zbuild-dir-new-layout
[ -d "$WORK/shared-new/out/debug/build/serde" ] || fail "nightly's cargo did not use the new layout"
unset CRATECACHE_DIR

step "vendored sources, target dir outside the project: seeded once, then a copy elsewhere"
vendored_workspace() { # DIR: hello-hyper as a member two levels down, its sources vendored at the root
  copy_project hello-hyper "$1/apps/web"
  printf '[workspace]\nmembers = ["apps/web"]\nresolver = "2"\n' >"$1/Cargo.toml"
  (cd "$1" && CARGO_HOME=$(corpus_home) cargo vendor -q --respect-source-config vendor >/dev/null) || fail "cargo vendor in $1 failed"
  mkdir -p "$1/.cargo"
  printf '[source.crates-io]\nreplace-with = "vendored"\n[source.vendored]\ndirectory = "vendor"\n' \
    >"$1/.cargo/config.toml"
}
v1=$WORK/v1/ws
vendored_workspace "$v1"
export CRATECACHE_DIR=$WORK/store-vendored
CARGO_TARGET_DIR=$WORK/vt1 plain_cargo "$v1" build -q || fail "uncached vendored reference build failed"
mv "$WORK/vt1" "$v1.reference-target"
CARGO_TARGET_DIR=$WORK/vt1 cached_build "$v1"
assert_gt "$(count_log miss)" 40 "misses of the cold vendored build"
v2=$WORK/elsewhere/v2/ws
mkdir -p "$(dirname "$v2")"
cp -r "$v1" "$v2"
CARGO_TARGET_DIR=$WORK/vt2 cached_build "$v2"
assert_no_dep_compiles "vendored copy at $v2"
assert_gt "$(count_log hit)" 40 "hits of the vendored copy"
serve_check "$WORK/vt2/debug/hello-hyper"
compare_at "$v2" "$WORK/vt2" "$v1" 120 hello-hyper --reference-built-target "$WORK/vt1"

echo "PASS $TEST_NAME"
