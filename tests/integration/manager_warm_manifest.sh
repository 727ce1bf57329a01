#!/usr/bin/env bash
# warm --manifest: an operator manifest's [[project]] (no lockfile) and [[crate]] entries are built
# into the cache, so later builds of those dependencies compile nothing; a bad entry fails alone
# (exit 1, reported, its build log kept) while the other entries are still built.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bin=$CRATECACHE_BIN
ops=$WORK/ops # the operator's directory: manifests and the projects they point at
copy_project hello-hyper "$ops/hello-hyper"
copy_project hello-hyper "$WORK/fresh/hello-hyper"

# make_project DIR DEP...: a lib crate with the given dependency lines.
make_project() {
  mkdir -p "$1/src"
  : >"$1/src/lib.rs"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n' "$(basename "$1")" >"$1/Cargo.toml"
  printf '%s\n' "${@:2}" >>"$1/Cargo.toml"
}
crate_deps=('serde = { version = "=1.0.152", features = ["derive"] }' 'itoa = "=1.0.1"' 'memchr = "=2.5.0"')
regex_dep='regex = "=1.7.1"'

# warm_manifest FILE OUT: warm --manifest FILE, output to OUT; prints the exit code.
warm_manifest() {
  local rc=0
  CARGO_HOME=$(corpus_home) CRATECACHE_DIR=$STORE timeout "$BUILD_TIMEOUT" "$bin" warm --manifest "$1" \
    >"$2" 2>&1 || rc=$?
  tail -n 4 "$2" >&2
  echo "$rc"
}

step "warm a manifest: hello-hyper by relative path (no Cargo.lock) and 3 crates"
cat >"$ops/warm.toml" <<'TOML'
[[project]]
manifest = "hello-hyper/Cargo.toml"

[[crate]]
name = "serde"
version = "1.0.152"
features = ["derive"]

[[crate]]
name = "itoa"
version = "1.0.1"

[[crate]]
name = "memchr"
version = "2.5.0"
TOML
assert_eq 0 "$(warm_manifest "$ops/warm.toml" "$WORK/warm1.out")" "exit code of warm"
# (Some units are hits even in an empty store: the two stubs share them.)
read -r built failed compiled _ <<<"$(warm_summary "$WORK/warm1.out")"
assert_eq "2 0" "$built $failed" "projects built/failed"
assert_gt "$compiled" 40 "units compiled by warm"
[ ! -e "$ops/hello-hyper/target" ] || fail "warm built in the operator's project dir instead of a stub"

step "a fresh hello-hyper compiles no dependency"
cached_build "$WORK/fresh/hello-hyper"
assert_no_dep_compiles "fresh hello-hyper after warm"
assert_gt "$(count_log hit)" 40 "hits of the fresh hello-hyper"

step "a project with the [[crate]] dependencies compiles none of them"
make_project "$WORK/crates-user" "${crate_deps[@]}"
cached_build "$WORK/crates-user"
assert_no_dep_compiles "project using the warmed crates"
assert_gt "$(log_count hit serde_derive proc-macro)" 0 "serde_derive hit (the derive feature was warmed)"

step "a manifest with a bogus crate: warm exits 1, and still builds its project"
make_project "$ops/rx" "$regex_dep"
cat >"$ops/bogus.toml" <<'TOML'
[[project]]
manifest = "rx/Cargo.toml"

[[crate]]
name = "no-such-crate-cratecache"
version = "1.0.0"
TOML
assert_eq 1 "$(warm_manifest "$ops/bogus.toml" "$WORK/warm2.out")" "exit code of warm with a bogus crate"
read -r built failed compiled _ <<<"$(warm_summary "$WORK/warm2.out")"
assert_eq "1 1" "$built $failed" "projects built/failed"
assert_gt "$compiled" 0 "units compiled for rx (regex was not warmed yet)"
failed_line=$(grep '^failed: .*bogus.toml \[\[crate\]\]' "$WORK/warm2.out") ||
  fail "warm does not report the failed [[crate]] entry"
build_log=$(sed -n 's/.*, see \(.*\)$/\1/p' <<<"$failed_line")
grep -q no-such-crate-cratecache "$build_log" || fail "kept build log $build_log does not name the bogus crate"

step "rx, warmed despite the failure, compiles no dependency"
make_project "$WORK/rx" "$regex_dep"
cached_build "$WORK/rx"
assert_no_dep_compiles "rx after the failed warm"

echo "PASS $TEST_NAME: warm compiled $compiled units for rx and reported the bogus crate"
