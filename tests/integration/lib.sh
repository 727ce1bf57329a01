# shellcheck shell=bash
# Shared helpers for the integration tests; each test script sources this file first.
# Env: CRATECACHE_BIN (required), CRATECACHE_SOURCE_DIR (default: this repo), KEEP_WORK=1 keeps
# the temp dir for debugging.
set -euo pipefail

: "${CRATECACHE_BIN:?set CRATECACHE_BIN to the cratecache binary}"
SRC=${CRATECACHE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_NAME=$(basename "$0" .sh)
HERE=$SRC/tests/integration

# Ambient settings would change what cargo does; every test controls these itself.
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_TARGET_DIR \
  CARGO_BUILD_TARGET_DIR CARGO_INCREMENTAL RUSTUP_TOOLCHAIN CRATECACHE_DIR CRATECACHE_LOG \
  CRATECACHE_DISABLE CRATECACHE_CACHE_PATH_PACKAGES

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cratecache-$TEST_NAME.XXXXXX")
STORE=$WORK/store          # default store for cached_build
LAST_LOG=$WORK/last.log    # wrapper log of the most recent cached_build
LAST_OUT=$WORK/last.stdout # cargo's stdout/stderr of the most recent cached_build
LAST_ERR=$WORK/last.stderr
BUILD_TIMEOUT=${BUILD_TIMEOUT:-600} # fail clearly before ctest's 1200 s kill

_cleanup_cmds=()
# Registers a command to run at exit (servers to kill, attributes to undo before rm -rf).
at_exit() { _cleanup_cmds+=("$1"); }
_cleanup() {
  local rc=$? c
  for c in "${_cleanup_cmds[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept work dir: $WORK" >&2; else rm -rf "$WORK"; fi
  return "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT # so the EXIT trap also runs when interrupted or killed by a timeout
trap 'exit 143' TERM

fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  exit 1
}

# has_match PATTERN: whether stdin has a line matching PATTERN. Reads all of it: `grep -q` stops at
# the first match, and the writer, killed by SIGPIPE, then fails the pipeline under pipefail.
has_match() { grep -ac -- "$1" >/dev/null; }
# first_lines [N]: the first N (1) lines of stdin, like `head -n N`, but reading all of it (as
# has_match, for the same reason).
first_lines() { awk -v n="${1:-1}" 'NR <= n'; }

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
  [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# assert_gt VALUE MIN WHAT
assert_gt() {
  [ "$1" -gt "$2" ] || fail "$3: expected > $2, got $1"
}

step() { echo "--- $*"; }

# Prints the CARGO_HOME of the offline corpus; set up once per test (the file marks it done).
corpus_home() {
  local home=$WORK/cargo-home
  [ -f "$home/config.toml" ] || "$SRC/scripts/setup-corpus.sh" "$home" >/dev/null
  echo "$home"
}

# copy_project NAME DEST: copies tests/projects/NAME (without build products) to DEST.
copy_project() {
  [ ! -e "$2" ] || fail "copy_project: $2 already exists"
  mkdir -p "$(dirname "$2")"
  cp -r "$SRC/tests/projects/$1" "$2"
  find "$2" -name target -type d -prune -exec rm -rf {} +
  find "$2" -name Cargo.lock -type f -exec rm -f {} +
}

# cargo_shim NAME SETUP: writes $WORK/NAME/cargo, a cargo that runs in a private mount namespace
# after the shell commands SETUP (mounts that only it sees; root and unshare needed). With
# $WORK/NAME first on PATH, cached_build uses it. SETUP must not contain single quotes.
cargo_shim() {
  [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || fail "$TEST_NAME needs root and unshare (util-linux)"
  mkdir -p "$WORK/$1"
  cat >"$WORK/$1/cargo" <<EOS
#!/bin/sh
exec unshare --mount --propagation private sh -c '$2 && exec "\$@"' sh "$(command -v cargo)" "\$@"
EOS
  chmod +x "$WORK/$1/cargo"
}

# plain_cargo DIR ARGS...: cargo without the wrapper (reference builds).
plain_cargo() {
  local dir=$1
  shift
  (cd "$dir" && CARGO_HOME=$(corpus_home) timeout "$BUILD_TIMEOUT" cargo "$@")
}

# cached_build DIR [CARGO BUILD ARGS...]: cargo build through the wrapper into $CRATECACHE_DIR
# (default $STORE), with a fresh $LAST_LOG. Fails the test if the build fails.
cached_build() {
  local dir=$1 rc=0
  shift
  : >"$LAST_LOG"
  (cd "$dir" && CARGO_HOME=$(corpus_home) RUSTC_WRAPPER=$CRATECACHE_BIN \
    CRATECACHE_DIR=${CRATECACHE_DIR:-$STORE} CRATECACHE_LOG=$LAST_LOG \
    timeout "$BUILD_TIMEOUT" cargo build "$@") >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 40 "$LAST_ERR" >&2
    fail "cached build in $dir (cargo build $*) exited $rc"
  fi
}

# out_dir ROOT PKG: the OUT_DIR of PKG's script run under ROOT's debug target.
out_dir() {
  local d
  d=$(find "$1/target/debug/build" -maxdepth 2 -path "*/$2-*/out" -type d)
  [ -n "$d" ] && [ "$(printf '%s\n' "$d" | wc -l)" = 1 ] || fail "expected one OUT_DIR of $2 in $1, got: ${d:-none}"
  echo "$d"
}

# log_count OUTCOME [CRATE] [KIND] [DETAIL]: lines of $LAST_LOG matching; '*' matches anything.
log_count() {
  awk -F'\t' -v o="$1" -v c="${2:-*}" -v k="${3:-*}" -v d="${4:-*}" '
    $1 == o && (c == "*" || $2 == c) && (k == "*" || $3 == k) && (d == "*" || $4 == d) { n++ }
    END { print n + 0 }' "$LAST_LOG"
}

# count_log OUTCOME [REASON]
count_log() { log_count "$1" '*' '*' "${2:-*}"; }

# Shows the log lines of one outcome (for failure messages).
show_log() { awk -F'\t' -v o="$1" '$1 == o' "$LAST_LOG" | first_lines 20; }

# "0 dependency compiles": no miss, and nothing left uncached except workspace members and
# cargo's queries that compile nothing (`--print ...`: print, `-vV`: info, a build script's probe).
assert_no_dep_compiles() {
  local misses others
  [ -s "$LAST_LOG" ] || fail "wrapper log is empty: was the wrapper used at all?"
  misses=$(count_log miss)
  others=$(awk -F'\t' '$1 == "not_cached" && $4 !~ /^(workspace_member|print|info|build_script_probe)$/' "$LAST_LOG")
  [ "$misses" = 0 ] || { show_log miss >&2; fail "$1: expected 0 misses, got $misses"; }
  [ -z "$others" ] || { echo "$others" >&2; fail "$1: dependency compiles were not cached"; }
}

# out_dir ROOT PKG: the OUT_DIR of PKG's script run under ROOT's debug target.
out_dir() {
  local d
  d=$(find "$1/target/debug/build" -maxdepth 2 -path "*/$2-*/out" -type d)
  [ -n "$d" ] && [ "$(printf '%s\n' "$d" | wc -l)" = 1 ] || fail "expected one OUT_DIR of $2 in $1, got: ${d:-none}"
  echo "$d"
}

# stat KEY: a number from `stats --json` of $CRATECACHE_DIR (default $STORE). KEY may be nested
# (errors.corrupt_entry); a missing kind inside an object counts as 0, a missing top key fails.
stat() {
  CRATECACHE_DIR=${CRATECACHE_DIR:-$STORE} "$CRATECACHE_BIN" stats --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
top, _, sub = sys.argv[1].partition(".")
if top not in v:
    sys.exit(f"stats --json has no key {top!r}")
v = v[top]
if sub:
    v = v.get(sub, 0)
print(v)' "$1"
}

# Number of entry files in $CRATECACHE_DIR (default $STORE).
entry_count() {
  find "${CRATECACHE_DIR:-$STORE}/entries" -name '*.entry' -type f 2>/dev/null | wc -l
}

# serve_check EXE [BODY]: runs hello-hyper on an ephemeral loopback port (it prints the bound
# address, so no port race) and checks that one request's response is BODY (default: the
# project's own greeting).
serve_check() {
  local out addr="" body pid i
  out=$(mktemp "$WORK/serve.XXXXXX") # a fresh file: a reused one may still show an old address
  "$1" 127.0.0.1:0 >"$out" 2>&1 &
  pid=$!
  at_exit "kill $pid"
  for i in $(seq 100); do
    addr=$(sed -n 's/^listening on //p' "$out")
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$addr" ] || { cat "$out" >&2; fail "server $1 did not start (tried $i times)"; }
  body=$(curl -sS --max-time 10 "http://$addr/") || {
    sleep 0.2
    kill -0 "$pid" 2>/dev/null || echo "(server $pid has exited)" >&2
    cat "$out" >&2
    fail "request to $addr ($1) failed"
  }
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  assert_eq "${2:-hello from cratecache}" "$body" "response of $1"
}

# compare_outputs CACHED_ROOT REF_ROOT WARM_ROOT PROFILE MIN_FILES OWN_CRATE...
# Byte-compares dependency artifacts of a cached build with an uncached reference build made at
# REF_ROOT (same length as WARM_ROOT); see compare_outputs.py.
compare_outputs() {
  python3 "$HERE/compare_outputs.py" --cached "$1" --reference "$2" --warm "$3" \
    --profile "$4" --min-files "$5" --own "${@:6}" || fail "cached artifacts differ from reference"
}

# reference_build DIR: an uncached build in DIR whose target dir is then moved to
# $DIR.reference-target, so that DIR can then be the warm-up project (compare_outputs_same_path).
reference_build() {
  plain_cargo "$1" build -q || fail "uncached reference build in $1 failed"
  mv "$1/target" "$1.reference-target"
}

# compare_outputs_same_path CACHED_ROOT WARM_ROOT PROFILE MIN_FILES OWN_CRATE...: like
# compare_outputs, against reference_build WARM_ROOT: exact even for crates that include! from
# OUT_DIR, whose artifacts hash the absolute path.
compare_outputs_same_path() {
  python3 "$HERE/compare_outputs.py" --cached "$1" --reference "$2" --warm "$2" \
    --reference-target "$2.reference-target" --profile "$3" --min-files "$4" --own "${@:5}" ||
    fail "cached artifacts differ from the uncached reference"
}

# stats_toolchains: one line "ID ENTRIES RELEASE" per toolchain of `stats --json` of
# $CRATECACHE_DIR (default $STORE); RELEASE ("1.63.0 x86_64-unknown-linux-gnu") comes last as it
# may hold spaces.
stats_toolchains() {
  CRATECACHE_DIR=${CRATECACHE_DIR:-$STORE} "$CRATECACHE_BIN" stats --json | python3 -c '
import json, sys
for t in json.load(sys.stdin)["toolchains"]:
    print(t["id"], t["entries"], t["release"] or "-")'
}

# Toolchain B: Debian's rustc 1.63 / cargo 1.65 (rustup's nightly cannot build the corpus).
# Installs them if missing.
DEB_RUSTC=/usr/bin/rustc
DEB_CARGO=/usr/bin/cargo
need_debian_toolchain() {
  [ -x "$DEB_RUSTC" ] && [ -x "$DEB_CARGO" ] && return 0
  step "installing Debian's rustc and cargo (toolchain B)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq rustc cargo >/dev/null; } ||
    fail "could not install Debian's rustc/cargo"
}

# cached_build_b DIR [ARGS...]: cached_build with toolchain B. Its cargo 1.65 cannot read a
# v4 Cargo.lock, so any lockfile is removed first and cargo resolves from the corpus.
cached_build_b() {
  need_debian_toolchain
  rm -f "$1/Cargo.lock"
  PATH=$(dirname "$DEB_CARGO"):$PATH RUSTC=$DEB_RUSTC cached_build "$@"
}

# warm_summary FILE: "BUILT FAILED COMPILED CACHED" from the last `warm:` line of warm's stdout.
warm_summary() {
  sed -n 's/^warm: \([0-9]*\) project(s) built, \([0-9]*\) failed; \([0-9]*\) units compiled, \([0-9]*\) already cached$/\1 \2 \3 \4/p' "$1" |
    tail -n 1 | grep . || fail "no 'warm:' summary line in $1"
}

# --- Real unix users (the multi-user suites, tenants_*.sh; root only) ---

# need_root_users: exits 0 with a SKIP line unless root (the suite creates and removes users);
# then makes $WORK traversable by them, copies cratecache and the libraries it loads from beside
# itself (remote plugin, trace preload) into $WORK/bin (0755: /root is 0700, so the other users
# could not run them where they are built) and sets MU_BIN to the copy. Every user builds with
# Debian's toolchain, which they can run.
need_root_users() {
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP $TEST_NAME: needs root (it creates and removes unix users)"
    exit 0
  fi
  need_debian_toolchain
  command -v setpriv >/dev/null && command -v useradd >/dev/null || fail "needs setpriv and useradd"
  chmod 0755 "$WORK"
  mkdir -m 0755 "$WORK/bin"
  local dir
  dir=$(dirname "$CRATECACHE_BIN")
  cp "$CRATECACHE_BIN" "$dir/libcratecache-remote.so" "$dir/libcratecache-trace.so" "$WORK/bin/"
  chmod 0755 "$WORK/bin"/*
  MU_BIN=$WORK/bin/cratecache
  corpus_home >/dev/null
}

# make_user VAR: creates the user cc<VAR><pid> (short: useradd limits names to 32 characters) with
# home $WORK/home-VAR (mode 0700, holding a CARGO_HOME with the corpus config) and sets $VAR to
# its name; removed at exit.
make_user() {
  local name=cc$1$$ home=$WORK/home-$1
  useradd -M -d "$home" -s /bin/sh -U "$name" || fail "useradd $name"
  # Whatever of it still runs (servers, lock holders, wrappers cut by a timeout) was started here.
  at_exit "pids=\$(pgrep -u $name) && kill -9 \$pids; sleep 0.2; userdel $name"
  mkdir -p "$home/.cargo"
  cp "$(corpus_home)/config.toml" "$home/.cargo/config.toml"
  chown -R "$name:$name" "$home"
  chmod 0700 "$home"
  printf -v "$1" '%s' "$name"
  USER_HOMES[$name]=$home
}
declare -A USER_HOMES=()
user_home() { echo "${USER_HOMES[$1]}"; }

# as_user USER CMD...: CMD as USER (its uid and group only), in a clean environment with
# Debian's toolchain first on PATH; NAME=VALUE words before CMD are passed to it (env).
as_user() {
  local user=$1 home
  shift
  home=$(user_home "$user")
  setpriv --reuid="$user" --regid="$user" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$home" CARGO_HOME="$home/.cargo" LANG=C.UTF-8 "$@"
}

# spawn_as USER CMD...: as_user in the background; SPAWNED is CMD's own pid (setpriv and env
# exec it), to kill or wait for.
spawn_as() {
  local user=$1 home
  shift
  home=$(user_home "$user")
  setpriv --reuid="$user" --regid="$user" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 "$@" &
  # shellcheck disable=SC2034 # for the caller
  SPAWNED=$!
}

# user_build USER DIR SECONDS [NAME=VALUE...] [-- CARGO ARGS...]: cargo build as USER in DIR through
# $MU_BIN, with the given settings, under `timeout SECONDS`; sets LAST_LOG (in USER's home, which
# count_log reads), ELAPSED (seconds) and BUILD_RC. Fails the test if the build fails or times out,
# unless ALLOW_FAIL=1.
user_build() {
  local user=$1 dir=$2 limit=$3 rc=0 start settings=() log
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do settings+=("$1"); shift; done
  [ $# = 0 ] || shift
  log=$(user_home "$user")/build.log
  as_user "$user" sh -c ': >"$1"' sh "$log"
  LAST_LOG=$log
  start=$(date +%s)
  (cd "$dir" && as_user "$user" RUSTC_WRAPPER="$MU_BIN" RUSTC=/usr/bin/rustc CRATECACHE_LOG="$log" \
    "${settings[@]}" timeout "$limit" cargo build "$@") >"$LAST_OUT" 2>"$LAST_ERR" || rc=$?
  # shellcheck disable=SC2034 # for the caller
  ELAPSED=$(($(date +%s) - start)) BUILD_RC=$rc
  if [ "$rc" != 0 ] && [ "${ALLOW_FAIL:-0}" != 1 ]; then
    tail -n 40 "$LAST_ERR" >&2
    fail "build as $user in $dir (cargo build $*) exited $rc after ${ELAPSED}s (124: over the ${limit}s bound)"
  fi
}

# user_stat USER STORE KEY: like stat, read as USER (so that root creates nothing in their store).
user_stat() {
  as_user "$1" CRATECACHE_DIR="$2" "$MU_BIN" stats --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
top, _, sub = sys.argv[1].partition(".")
if top not in v:
    sys.exit(f"stats --json has no key {top!r}")
v = v[top]
print(v.get(sub, 0) if sub else v)' "$3"
}

# user_project USER NAME DEST: copy_project, owned by USER (and DEST's parent dir).
user_project() {
  copy_project "$2" "$3"
  chown -R "$1:$1" "$(dirname "$3")"
}

# tenant_world PROJECT MIN_FILES: the cast of the multi-user suites: users B (the trusted builder,
# with the key pair $HB/sign), A (the attacker) and V (the victim), their homes HB, HA and HV;
# BDIR, where the builder builds PROJECT; REF, an uncached build of it by V at a path of the same
# length (compare_outputs), and EXPECTED, what its program prints. Copies built by tenant_correct's
# callers sit at HOME/RUN/NAME, RUN 3 characters.
tenant_world() {
  TENANT_PROJECT=$1 TENANT_BIN=$(basename "$1") TENANT_MIN_FILES=$2
  make_user B
  make_user A
  make_user V
  # shellcheck disable=SC2034 # for the sourcing suite
  HB=$(user_home "$B") HA=$(user_home "$A") HV=$(user_home "$V")
  as_user "$B" "$MU_BIN" keygen "$HB/sign" >/dev/null || fail "builder's keygen"
  BDIR=$HB/p00/$TENANT_BIN REF=$HV/r00/$TENANT_BIN
  step "reference: an uncached build as the victim"
  user_project "$V" "$1" "$REF"
  (cd "$REF" && as_user "$V" timeout "$BUILD_TIMEOUT" cargo build -q) || fail "uncached reference build"
  EXPECTED=$(as_user "$V" "$REF/target/debug/$TENANT_BIN")
  [ -n "$EXPECTED" ] || fail "the reference program printed nothing"
}

# tenant_correct DIR WHAT: the build in DIR prints what the reference prints, and its dependencies'
# artifacts are byte-identical to the reference's (those served from the builder's build too).
tenant_correct() {
  assert_eq "$EXPECTED" "$(as_user "$(command stat -c %U "$1")" "$1/target/debug/$TENANT_BIN")" "$2: program output"
  compare_outputs "$1" "$REF" "$BDIR" debug "$TENANT_MIN_FILES" "$TENANT_BIN"
}

# unit_keys STORE CRATE [KIND]: "INPUT_KEY RESULT_KEY" of CRATE's unit of KIND (default lib) in
# STORE (explain record, manifest).
unit_keys() {
  python3 - "$1" "$2" "${3:-lib}" <<'PY' || fail "no manifest of $2 in $1"
import json, sys
store, crate, kind = sys.argv[1:]
ik = json.load(open(f"{store}/explain/{crate}.{kind}.json"))["input_key"]
manifest = open(f"{store}/manifests/{ik[:2]}/{ik}.json", "rb").read()
# A signing store keeps the signature after each object: "CRSIG2" + 32 + 8 + 64 bytes.
if manifest[-110:-104] == b"CRSIG2":
    manifest = manifest[:-110]
print(ik, json.loads(manifest)["candidates"][0]["key"])
PY
}

# entry_of STORE CRATE [KIND]: the entry file of CRATE's unit of KIND (default lib) that STORE's
# manifest leads to.
entry_of() {
  local key path
  key=$(unit_keys "$1" "$2" "${3:-lib}") key=${key#* }
  path=$1/entries/${key%/*}/${key:17:2}/${key#*/}.entry
  [ -f "$path" ] || fail "no entry of $2 at $path"
  echo "$path"
}

# pwned_project USER DEST: $TENANT_PROJECT (remote-small) copied to DEST for USER, built against
# USER's own copy of the corpus in which itoa formats every number as "pwned" (PWNED is what the
# program then prints). Source replacement keeps the package id, so the itoa unit's files bear the
# names a clean build of the project expects; PWNED_ITOA is that itoa's source dir.
pwned_project() {
  local home reg
  home=$(user_home "$1") reg=$(user_home "$1")/registry
  # shellcheck disable=SC2034 # for the caller
  PWNED_ITOA=$reg/itoa-1.0.1 PWNED=$(printf 'a pwned\nb pwned\nc pwned')
  if [ ! -d "$reg" ]; then
    mkdir "$reg"
    ln -s /usr/share/cargo/registry/* "$reg/"
    rm "$PWNED_ITOA"
    cp -r /usr/share/cargo/registry/itoa-1.0.1 "$PWNED_ITOA"
    sed -i 's|^\(    pub fn format<I: Integer>(&mut self, i: I) -> &str {\)$|\1 if true { return "pwned"; }|' \
      "$PWNED_ITOA/src/lib.rs"
    grep -q pwned "$PWNED_ITOA/src/lib.rs" || fail "could not patch itoa"
    chown -R "$1:$1" "$reg"
  fi
  user_project "$1" "$TENANT_PROJECT" "$2"
  mkdir "$2/.cargo" # the project's config wins over CARGO_HOME's
  sed "s|/usr/share/cargo/registry|$reg|" "$home/.cargo/config.toml" >"$2/.cargo/config.toml"
  chown -R "$1:$1" "$2/.cargo"
}
