#!/usr/bin/env bash
# `cratecache doctor` on real stores and keys: a private store a real build filled passes (exit 0,
# one "ok" line); a 0777 store, a 0644 signing key, a signing key in config.toml, require_signature
# without trusted keys and a rediss:// remote each fail (exit 1) with a line naming the path or
# setting and its fix. As root, also as another user: the builder's published store, read with
# signatures required, passes; read unsigned, or writable by that user, it does not.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # the synthetic packages give the store something to hold
bin=$CRATECACHE_BIN
# Only the settings each step gives.
unset CRATECACHE_READ_ONLY CRATECACHE_REMOTE CRATECACHE_REMOTE_POLICY CRATECACHE_SIGNING_KEY \
  CRATECACHE_TRUSTED_KEYS CRATECACHE_REQUIRE_SIGNATURE

# doctor [VAR=VALUE...]: runs doctor on $STORE (as the user AS names, if any); sets OUT (its
# stdout) and RC.
AS=()
doctor() {
  RC=0
  OUT=$("${AS[@]}" env CRATECACHE_DIR="$STORE" "$@" "$bin" doctor) || RC=$?
}

# expect_problem WHAT TEXT...: doctor exited 1 and one line of its output has every TEXT.
expect_problem() {
  local what=$1 line ok t
  shift
  assert_eq 1 "$RC" "doctor's exit code ($what); output: $OUT"
  line=$(grep '^problem: ' <<<"$OUT" | while IFS= read -r l; do
    ok=1
    for t in "$@"; do [[ $l == *"$t"* ]] || ok=0; done
    [ "$ok" = 0 ] || echo "$l"
  done)
  [ -n "$line" ] || fail "$what: no problem line with: $*; output:
$OUT"
}

expect_ok() {
  assert_eq 0 "$RC" "doctor's exit code ($1); output: $OUT"
  grep -q '^ok: ' <<<"$OUT" || fail "$1: no 'ok:' line: $OUT"
  ! grep -q '^problem: ' <<<"$OUT" || fail "$1: a problem line with exit 0: $OUT"
}

step "a private store a real build filled: no problem"
mkdir -m 700 "$STORE"
copy_project synthetic "$WORK/a"
cached_build "$WORK/a/app-pathdep"
assert_gt "$(entry_count)" 0 "entries after the build"
doctor
expect_ok "private store"
assert_eq 1 "$(wc -l <<<"$OUT")" "lines of a clean doctor run"

step "a 0777 store: writable by everyone"
chmod 777 "$STORE"
doctor
expect_problem "0777 store" "$STORE (CRATECACHE_DIR) is writable by group and others (mode 0777)" "chmod go-w $STORE"
# Its 0755 event log is now open to others too.
expect_problem "0777 store" "$STORE/events can be read by group and others" "chmod 700"
chmod 700 "$STORE"

step "the signing key: 0600 is fine (with a note), 0644 and config.toml are not"
mkdir -m 755 "$WORK/keys"
key=$WORK/keys/builder
"$bin" keygen "$key" >/dev/null
doctor CRATECACHE_SIGNING_KEY="$key"
expect_ok "a 0600 signing key"
grep -q "^note: signing key $key is readable by uid $(id -u)" <<<"$OUT" || fail "no note on who can read the key: $OUT"
chmod 644 "$key"
doctor CRATECACHE_SIGNING_KEY="$key"
expect_problem "0644 signing key" "signing key $key is open to group and others (mode 0644)" "chmod 600 $key"
chmod 600 "$key"
printf 'signing_key = "%s"\n' "$key" >"$STORE/config.toml"
doctor
expect_problem "signing key in config.toml" "signing_key is set in $STORE/config.toml" "CRATECACHE_SIGNING_KEY"
rm "$STORE/config.toml"
doctor CRATECACHE_SIGNING_KEY="$WORK/keys/missing"
expect_problem "missing signing key" "signing key $WORK/keys/missing" "cratecache keygen"

step "require_signature without trusted keys; a bad trusted key; bad remote URLs; a tenant writing the remote"
doctor CRATECACHE_REQUIRE_SIGNATURE=1
expect_problem "require_signature alone" "require_signature is on and trusted_keys" "every shared object is a miss"
doctor CRATECACHE_REQUIRE_SIGNATURE=1 CRATECACHE_TRUSTED_KEYS="$key"
expect_problem "a private key as trusted key" "is not a PEM Ed25519 public key"
doctor CRATECACHE_REMOTE=rediss://127.0.0.1:6380
expect_problem "rediss://" "CRATECACHE_REMOTE" "rediss://" "disabled"
# A setting from a config.toml others may have written reaches the terminal without its control characters.
printf 'remote = "evil\\u001b[2J://h"\n' >"$STORE/config.toml"
doctor
expect_problem "an escape in the remote URL" "unsupported remote scheme 'evil?[2J'"
! grep -q $'\x1b' <<<"$OUT" || fail "doctor printed an escape character"
rm "$STORE/config.toml"
doctor CRATECACHE_REMOTE=redis://127.0.0.1:6379 CRATECACHE_REQUIRE_SIGNATURE=1 CRATECACHE_TRUSTED_KEYS="$key.pub"
expect_problem "a tenant writing the remote" 'remote_policy = "read-only"'
doctor CRATECACHE_REMOTE=redis://127.0.0.1:6379 CRATECACHE_REMOTE_POLICY=read-only CRATECACHE_REQUIRE_SIGNATURE=1 \
  CRATECACHE_TRUSTED_KEYS="$key.pub"
expect_ok "a tenant of a fleet"

step "another user reading the builder's published store"
if [ "$(id -u)" != 0 ]; then
  echo "skipped: needs root (to run doctor as another user)"
  exit 0
fi
chmod 755 "$WORK" "$STORE"
for d in events explain warm; do [ ! -d "$STORE/$d" ] || chmod 700 "$STORE/$d"; done
AS=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent)
doctor CRATECACHE_REQUIRE_SIGNATURE=1 CRATECACHE_TRUSTED_KEYS="$key.pub"
expect_ok "a tenant reading the published store with signatures required"
doctor
expect_ok "a tenant reading it without signatures (only its owner can write it)"
chmod 777 "$STORE"
doctor CRATECACHE_REQUIRE_SIGNATURE=1 CRATECACHE_TRUSTED_KEYS="$key.pub"
expect_problem "a tenant writing the builder's store" "$STORE (CRATECACHE_DIR) is a shared writable store" "#setups"
chmod 755 "$STORE"
