#!/usr/bin/env bash
# The command-line surface: --help, --version, stats (human and JSON), zero-stats,
# CRATECACHE_DISABLE, setup (idempotent, keeps the user's config) and `cargo cratecache`.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # the synthetic packages give the store something to hold
bin=$CRATECACHE_BIN

step "--help and --version"
help=$("$bin" --help) || fail "--help exited non-zero"
for cmd in stats zero-stats setup; do
  grep -q -- "$cmd" <<<"$help" || fail "--help does not mention '$cmd'"
done
want_version=$(sed -n 's/^project(cratecache VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
version=$("$bin" --version) || fail "--version exited non-zero"
grep -qF -- "$want_version" <<<"$version" || fail "--version '$version' lacks '$want_version'"

step "stats --json: shape, and zeros for an empty store"
CRATECACHE_DIR=$STORE "$bin" stats --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
for k in ("hits", "misses", "entries", "bytes", "time_saved_s"):
    assert isinstance(s.get(k), (int, float)), f"{k} is not a number: {s.get(k)!r}"
for k in ("not_cached", "errors"):
    assert isinstance(s.get(k), dict), f"{k} is not an object: {s.get(k)!r}"
assert s["hits"] == s["misses"] == s["entries"] == s["bytes"] == 0, f"empty store: {s}"
' || fail "stats --json is not as documented"

step "stats after a cold build and a cached one"
copy_project synthetic "$WORK/a"
cached_build "$WORK/a/app-pathdep"
assert_gt "$(stat misses)" 0 "misses after the cold build"
assert_gt "$(stat entries)" 0 "entries after the cold build"
assert_gt "$(stat bytes)" 0 "bytes after the cold build"
assert_gt "$(stat not_cached.print)" 0 "not_cached.print (cargo's probe)"
copy_project synthetic "$WORK/b"
cached_build "$WORK/b/app-pathdep"
assert_gt "$(stat hits)" 0 "hits after the second build"
python3 -c 'import sys; assert float(sys.argv[1]) >= 0' "$(stat time_saved_s)" ||
  fail "time_saved_s is negative"
human=$(CRATECACHE_DIR=$STORE "$bin" stats) || fail "stats exited non-zero"
grep -qi hit <<<"$human" || fail "human stats do not mention hits: $human"

step "zero-stats resets counters, keeps entries"
entries=$(stat entries)
CRATECACHE_DIR=$STORE "$bin" zero-stats || fail "zero-stats exited non-zero"
assert_eq 0 "$(stat hits)" "hits after zero-stats"
assert_eq 0 "$(stat misses)" "misses after zero-stats"
assert_eq "$entries" "$(stat entries)" "entries after zero-stats"

step "CRATECACHE_DISABLE=1 is a pure pass-through"
copy_project synthetic "$WORK/c"
CRATECACHE_DISABLE=1 cached_build "$WORK/c/app-pathdep"
assert_eq 0 "$(wc -l <"$LAST_LOG")" "log lines with CRATECACHE_DISABLE=1"
assert_eq 0 "$(stat hits)" "hits with CRATECACHE_DISABLE=1"
assert_eq 0 "$(stat misses)" "misses with CRATECACHE_DISABLE=1"
assert_eq "hello from util cfg-off debug" "$("$WORK/c/app-pathdep/target/debug/app-pathdep")" "output"

step "setup writes build.rustc-wrapper once and keeps the rest of the config"
home=$WORK/setup-home
mkdir -p "$home"
{ cat "$(corpus_home)/config.toml"; printf '\n[build]\njobs = 2\n'; } >"$home/config.toml"
CARGO_HOME=$home "$bin" setup || fail "setup exited non-zero"
CARGO_HOME=$home "$bin" setup || fail "second setup exited non-zero"
assert_eq 1 "$(grep -c 'rustc-wrapper' "$home/config.toml")" "rustc-wrapper lines after two setups"
python3 - "$home/config.toml" "$bin" <<'PY' || fail "config after setup: $(cat "$home/config.toml")"
import os, sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
assert c["build"]["jobs"] == 2, "lost build.jobs"
assert c["source"]["crates-io"]["replace-with"] == "debian", "lost the source replacement"
w = c["build"]["rustc-wrapper"]
assert os.path.realpath(w) == os.path.realpath(sys.argv[2]), f"rustc-wrapper = {w}"
PY
# Cargo now uses the wrapper without RUSTC_WRAPPER in the environment.
: >"$LAST_LOG"
copy_project synthetic "$WORK/d"
(cd "$WORK/d/app-pathdep" && CARGO_HOME=$home CRATECACHE_DIR=$STORE CRATECACHE_LOG=$LAST_LOG \
  timeout "$BUILD_TIMEOUT" cargo build -q) || fail "build with the setup config failed"
assert_gt "$(wc -l <"$LAST_LOG")" 0 "log lines of a build using the setup config"
fresh_home=$WORK/empty-home
CARGO_HOME=$fresh_home "$bin" setup || fail "setup without an existing config failed"
assert_eq 1 "$(grep -c 'rustc-wrapper' "$fresh_home/config.toml")" "rustc-wrapper in a new config"

step "cargo cratecache stats (cargo-cratecache on PATH)"
mkdir -p "$WORK/bin"
ln -s "$bin" "$WORK/bin/cargo-cratecache"
via_cargo=$(PATH=$WORK/bin:$PATH CARGO_HOME=$(corpus_home) CRATECACHE_DIR=$STORE \
  cargo cratecache stats --json) || fail "cargo cratecache stats --json failed"
direct=$(CRATECACHE_DIR=$STORE "$bin" stats --json)
python3 -c 'import json, sys; assert json.loads(sys.argv[1]) == json.loads(sys.argv[2])' \
  "$via_cargo" "$direct" || fail "cargo cratecache stats differs: $via_cargo vs $direct"
PATH=$WORK/bin:$PATH CARGO_HOME=$(corpus_home) CRATECACHE_DIR=$STORE cargo cratecache stats \
  >/dev/null || fail "cargo cratecache stats failed"

echo "PASS $TEST_NAME"
