#!/usr/bin/env bash
# A package is immutable only when its checksum file proves it (docs/build-scripts.md): in a
# directory source like Debian's (`"files":{}`, a placeholder package value) an edited file in a
# package makes its build-script run miss, and the fresh copy built through the store equals a
# plain uncached one. Covers a script reading its package's file without declaring it (pkgread), a
# script without rerun-if directives (pkgwhole: the whole package is the input, an added file
# included), a real corpus crate whose script declares nothing (anyhow, copied from Debian's
# registry), a git dependency without directives (cached and served, an edit to its checkout
# misses), a path package without directives (pathdep, with cache_path_packages), and a package
# whose checksum file lists its files (provenpkg: stays immutable, no per-file inputs; Cargo itself
# refuses an edited listed file). Positive control: an unchanged fresh copy compiles nothing.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

src=$SRC/tests/projects/synthetic/package-inputs
vendor=$WORK/vendor
gitrepo=$WORK/gitdep
runs=(pkgread pkgwhole provenpkg gitdep anyhow pathdep)
export CRATECACHE_CACHE_PATH_PACKAGES=1 # pathdep's run is cached too

step "a directory source like Debian's, a git repository, a CARGO_HOME using them"
mkdir -p "$vendor"
cp -r "$src/vendor/." "$vendor/"
anyhow_src=$(find /usr/share/cargo/registry -maxdepth 1 -name 'anyhow-1.*' | sort -V | tail -n 1)
[ -n "$anyhow_src" ] || fail "no anyhow in /usr/share/cargo/registry (scripts/setup-corpus.sh installs it)"
cp -r "$anyhow_src" "$vendor/"
anyhow_dir=$vendor/$(basename "$anyhow_src")
grep -qF '"files":{}' "$anyhow_dir/.cargo-checksum.json" || fail "Debian's anyhow lists its files: not the case under test"
# provenpkg as `cargo vendor` writes a registry crate: every file with its SHA-256, a real package checksum.
(cd "$vendor/provenpkg" && python3 - <<'PY'
import hashlib, json, os
files = {}
for root, _, names in os.walk("."):
    for n in names:
        p = os.path.relpath(os.path.join(root, n), ".")
        files[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
json.dump({"package": hashlib.sha256(b"provenpkg-0.1.0").hexdigest(), "files": files},
          open(".cargo-checksum.json", "w"))
PY
)
cp -r "$src/gitdep" "$gitrepo"
git -C "$gitrepo" init -q
git -C "$gitrepo" add -A
git -C "$gitrepo" -c user.name=t -c user.email=t@t commit -qm gitdep
# corpus_home (lib.sh) takes an existing config.toml as the CARGO_HOME set up.
mkdir -p "$WORK/cargo-home"
cat >"$WORK/cargo-home/config.toml" <<CFG
[source.crates-io]
replace-with = "vendored"

[source.vendored]
directory = "$vendor"
CFG

# app_copy DIR: the test's project at DIR/app, depending on the git repository.
app_copy() {
  mkdir -p "$1"
  cp -r "$src/app" "$1/app"
  sed -i "s|@GITDEP_URL@|file://$gitrepo|" "$1/app/Cargo.toml"
  echo "$1/app"
}

# run_outcome PKG: the outcome logged for PKG's build-script run ("none" when it was not looked up).
run_outcome() {
  local o
  o=$(awk -F'\t' -v p="$1" '$2 == p && $3 == "build-script-run" { print $1 ($4 == "" ? "" : ":" $4) }' "$LAST_LOG")
  echo "${o:-none}"
}

# same_as_plain CACHED PLAIN PKG...: same program output, and the same OUT_DIR of each PKG's run.
same_as_plain() {
  local cached=$1 plain=$2 p
  shift 2
  assert_eq "$("$plain/target/debug/package-inputs")" "$("$cached/target/debug/package-inputs")" \
    "program output: cached vs plain build"
  for p in "$@"; do
    diff -r "$(out_dir "$plain" "$p")" "$(out_dir "$cached" "$p")" >&2 || fail "OUT_DIR of $p: cached vs plain build"
  done
}

step "seed the store"
seed=$(app_copy "$WORK/seed")
cached_build "$seed"
for p in "${runs[@]}"; do
  assert_eq miss "$(run_outcome "$p")" "seed: run of $p (stored, not refused)"
done
grep -qF "gitdep: gitdep message at the locked commit" <("$seed/target/debug/package-inputs") ||
  fail "seed: unexpected output: $("$seed/target/debug/package-inputs")"

step "what the stored manifests key on"
# Every second-level input (a candidate's files), one path a line, quoted.
inputs=$WORK/manifest-inputs
find "$STORE/manifests" -name '*.json' -exec python3 -c '
import json, sys
for path in sys.argv[1:]:
    for c in json.load(open(path))["candidates"]:
        for f in c["files"]:
            print(chr(34) + f[0] + chr(34))' {} + >"$inputs"
grep -qF "$vendor/pkgread/data.txt" "$inputs" || fail "pkgread's undeclared read of data.txt is not an input"
grep -qF "\"$vendor/pkgwhole\"" "$inputs" || fail "pkgwhole's package tree is not an input"
grep -qF "\"@@CRATECACHE:CARGO_HOME@@/git/checkouts/gitdep-" "$inputs" || fail "gitdep's checkout tree is not an input"
grep -qF "\"@@CRATECACHE:PROJECT@@/pathdep\"" "$inputs" || fail "pathdep's package tree is not an input"
# (Its compiles have inputs of their own: src/lib.rs, build.rs from rustc's dep-info.)
for input in "$vendor/provenpkg/data.txt" "\"$vendor/provenpkg\""; do
  ! grep -qF "$input" "$inputs" || fail "provenpkg is proven immutable, yet its run has the input $input"
done

step "positive control: a fresh copy, nothing changed"
fresh=$(app_copy "$WORK/fresh")
cached_build "$fresh"
assert_no_dep_compiles "unchanged fresh copy"
for p in "${runs[@]}"; do
  assert_eq hit "$(run_outcome "$p")" "unchanged fresh copy: run of $p"
done
assert_eq "$("$seed/target/debug/package-inputs")" "$("$fresh/target/debug/package-inputs")" "unchanged fresh copy: output"
for p in pkgread pkgwhole provenpkg gitdep pathdep; do
  diff -r "$(out_dir "$seed" "$p")" "$(out_dir "$fresh" "$p")" >&2 || fail "unchanged fresh copy: replayed OUT_DIR of $p"
done

step "edit files inside the packages: a fresh copy through the store and a plain one agree"
echo "pkgread data, edited" >"$vendor/pkgread/data.txt"
echo "added" >"$vendor/pkgwhole/templates/b.txt"
echo "edited by the test" >>"$anyhow_dir/README.md"
checkout=$(find "$WORK/cargo-home/git/checkouts" -path '*/gitdep-*/*/message.txt')
[ "$(printf '%s\n' "$checkout" | grep -c .)" = 1 ] || fail "expected one checkout of gitdep, got: ${checkout:-none}"
echo "gitdep message, edited in the checkout" >"$checkout"
edited=$(app_copy "$WORK/edited")
plain=$(app_copy "$WORK/plain")
for d in "$edited" "$plain"; do echo "pathdep note, edited" >"$d/pathdep/note.txt"; done
cached_build "$edited"
for p in pkgread pkgwhole anyhow gitdep pathdep; do
  assert_eq miss "$(run_outcome "$p")" "edited package: run of $p"
done
assert_eq hit "$(run_outcome provenpkg)" "unchanged proven package: run of provenpkg"
assert_eq 0 "$(log_count miss pkgread build-script)" "pkgread's build-script binary (build.rs unchanged)"
plain_cargo "$plain" build -q || fail "plain build of the edited packages failed"
same_as_plain "$edited" "$plain" pkgread pkgwhole gitdep pathdep
out=$("$edited/target/debug/package-inputs")
for want in "pkgread: pkgread data, edited" "pkgwhole: a.txt=hello,b.txt=added" "gitdep: gitdep message, edited in the checkout" \
  "pathdep: pathdep note, edited"; do
  grep -qxF "$want" <<<"$out" || fail "edited packages: '$want' not in the output: $out"
done

step "a file listed in a checksum file: Cargo verifies it, the cache never gets to serve"
echo "provenpkg data, edited" >"$vendor/provenpkg/data.txt"
proven=$(app_copy "$WORK/proven-edit")
rc=0
(cd "$proven" && CARGO_HOME=$(corpus_home) RUSTC_WRAPPER=$CRATECACHE_BIN CRATECACHE_DIR=$STORE \
  timeout "$BUILD_TIMEOUT" cargo build) >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "build with an edited listed file: exit $rc, expected Cargo's checksum error"
grep -qF "the listed checksum of" "$LAST_ERR" || { tail -n 20 "$LAST_ERR" >&2; fail "no checksum error from Cargo"; }

echo "PASS $TEST_NAME: edits inside unproven packages and a git checkout miss and equal a plain build; unchanged copies hit; a proven package stays immutable"
