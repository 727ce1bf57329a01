#!/usr/bin/env bash
# Injected link directives, as real unix users (issue 14; root only, else it skips): tenant A, who
# can write the Redis tier, replaces the builder's build-script run of libz-sys with its own, whose
# output adds `cargo:rustc-link-search` to a directory of A's and links A's static library with
# `+whole-archive` (its constructor would run inside the victim's program). For victim V, who
# requires no signature, that replay is not authenticated: a link search path outside the package,
# OUT_DIR and the system's library dirs is refused (errors.corrupt_entry), the script runs, and the
# program is the one an uncached build makes. Control: the same entry in V's own store (which V's
# cratecache believes) is replayed and A's constructor runs: the attack is real.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=servers.sh
source "$HERE/servers.sh"
need_root_users

PROJECT=synthetic/zlib-version # libz-sys: a build script whose run prints link directives
BOUND=300
# shellcheck disable=SC2034 # read by tenant_world
BUILD_TIMEOUT=$BOUND
INJECTED="constructor of the attacker's library"

start_redis
tenant_world "$PROJECT" 3

step "the builder builds zlib-version and publishes it, signed"
user_project "$B" "$PROJECT" "$BDIR"
user_build "$B" "$BDIR" "$BOUND" CRATECACHE_DIR="$HB/store" CRATECACHE_REMOTE="$REDIS_URL" \
  CRATECACHE_REMOTE_POLICY=write-only CRATECACHE_SIGNING_KEY="$HB/sign"
as_user "$B" CRATECACHE_DIR="$HB/store" timeout 120 "$MU_BIN" flush-uploads || fail "builder's flush-uploads"
read -r _ RUN_KEY < <(unit_keys "$HB/store" libz-sys build-script-run)

step "A builds libz-sys from its own copy, whose build script injects A's static library"
# A's library where every user can read it (A's home is 0700).
EVIL=$WORK/evil
mkdir -m 0755 "$EVIL"
chown "$A:$A" "$EVIL"
as_user "$A" mkdir -p "$HA/registry"
cat >"$EVIL/evil.c" <<'C'
#include <stdio.h>
__attribute__((constructor)) static void injected(void) { puts("constructor of the attacker's library"); }
C
chown "$A:$A" "$EVIL/evil.c"
as_user "$A" sh -c "cd '$EVIL' && cc -c -fPIC evil.c -o evil.o && ar rcs libevil.a evil.o" || fail "A's library"
ln -s /usr/share/cargo/registry/* "$HA/registry/"
rm "$HA/registry/libz-sys-1.1.8"
cp -r /usr/share/cargo/registry/libz-sys-1.1.8 "$HA/registry/"
sed -i "s|^fn main() {|fn main() {\n    println!(\"cargo:rustc-link-search=native=$EVIL\");\n    println!(\"cargo:rustc-link-lib=static:+whole-archive,-bundle=evil\");|" \
  "$HA/registry/libz-sys-1.1.8/build.rs"
grep -q '=evil' "$HA/registry/libz-sys-1.1.8/build.rs" || fail "could not patch libz-sys's build script"
chown -R "$A:$A" "$HA/registry"
ADIR=$HA/p01/zlib-version
user_project "$A" "$PROJECT" "$ADIR"
mkdir "$ADIR/.cargo"
sed "s|/usr/share/cargo/registry|$HA/registry|" "$HA/.cargo/config.toml" >"$ADIR/.cargo/config.toml"
chown -R "$A:$A" "$ADIR/.cargo"
user_build "$A" "$ADIR" "$BOUND" CRATECACHE_DIR="$HA/store"
# (C's stdout is flushed at exit: the constructor's line comes last.)
assert_eq 1 "$(as_user "$A" "$ADIR/target/debug/zlib-version" | grep -c "$INJECTED")" "A's program runs A's constructor"
EVIL_RUN=$(entry_of "$HA/store" libz-sys build-script-run)

step "A puts its run under the builder's run of libz-sys on Redis"
object=cratecache:$(printf 'cratecache-remote-v1:%s' "$RUN_KEY" | sha256sum | cut -c1-64)
as_user "$A" sh -c "redis-cli -p '$REDIS_PORT' -x SET '$object' <'$EVIL_RUN'" | grep -q OK || fail "A's SET on Redis"

step "control: in V's own store (believed), A's run is replayed and A's constructor runs in V's program"
VDIR=$HV/p01/zlib-version
user_project "$V" "$PROJECT" "$VDIR"
own=$HV/own-store/entries/${RUN_KEY%/*}/${RUN_KEY:17:2}/${RUN_KEY#*/}.entry
user_build "$V" "$VDIR" "$BOUND" CRATECACHE_DIR="$HV/own-store" # fills V's store with the builder's
install -o "$V" -g "$V" -m 0644 "$EVIL_RUN" "$own"
as_user "$V" rm -rf "$VDIR/target"
ALLOW_FAIL=1 user_build "$V" "$VDIR" "$BOUND" CRATECACHE_DIR="$HV/own-store"
assert_eq 1 "$(log_count hit libz-sys build-script-run)" "control: the run replayed from V's own store"
assert_eq 1 "$(as_user "$V" "$VDIR/target/debug/zlib-version" | grep -c "$INJECTED")" \
  "control: A's constructor in V's program (the case below would prove nothing otherwise)"

step "V, no signature required, reads A's run from Redis: refused, the script runs, the program is clean"
VDIR=$HV/p02/zlib-version VSTORE=$HV/s-p02
user_project "$V" "$PROJECT" "$VDIR"
user_build "$V" "$VDIR" "$BOUND" CRATECACHE_DIR="$VSTORE" CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_eq 0 "$(log_count hit libz-sys build-script-run)" "hits on A's run"
assert_gt "$(user_stat "$V" "$VSTORE" errors.corrupt_entry)" 0 "errors.corrupt_entry (the link search path)"
tenant_correct "$VDIR" "injected link directives"
# Not laundered: a remote entry is kept in V's store as it arrives, which would make it V's own
# (believed) file; the refused one is removed there, and V's own run stored in its place.
kept=$VSTORE/entries/${RUN_KEY%/*}/${RUN_KEY:17:2}/${RUN_KEY#*/}.entry
if [ -f "$kept" ] && cmp -s "$kept" "$EVIL_RUN"; then fail "A's refused run was kept in V's store"; fi
as_user "$V" rm -rf "$VDIR/target"
user_build "$V" "$VDIR" "$BOUND" CRATECACHE_DIR="$VSTORE" CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_eq 0 "$(as_user "$V" "$VDIR/target/debug/zlib-version" | grep -c "$INJECTED")" "A's constructor in V's next build"

echo "PASS $TEST_NAME: A's link directives refused from an unauthenticated tier (replayed, and A's constructor ran, only from V's own store)"
