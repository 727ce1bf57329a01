#!/usr/bin/env bash
# What a machine takes from the remote is checked: (a) entries tampered with on the server are
# detected and compiled instead (outputs equal an uncached build); (b) with require_signature, only
# entries and manifests signed by a trusted public key, at the required epoch, are used; (c) a
# read-only machine reads but never uploads. Each case has its own Redis; machines have their own stores and paths.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=servers.sh
source "$HERE/servers.sh"

# machine NAME [ENV=VALUE...]: NAME builds its own copy of hello-hyper into its own store with the
# given settings (remote, keys, policy), then waits for its uploads to finish.
machine() {
  local name=$1
  shift
  [ -d "$WORK/$name/hello-hyper" ] || copy_project hello-hyper "$WORK/$name/hello-hyper"
  (
    # shellcheck disable=SC2163 # the arguments are NAME=VALUE words
    [ $# = 0 ] || export "$@"
    export CRATECACHE_DIR=$WORK/$name/store
    # shellcheck disable=SC2086 # CARGO_ARGS: words for cargo, possibly none
    cached_build "$WORK/$name/hello-hyper" ${CARGO_ARGS:-}
    timeout 300 "$CRATECACHE_BIN" flush-uploads || fail "$name: flush-uploads"
  )
  echo "$name: $(count_log hit) hits, $(count_log miss) misses"
}
mstat() { CRATECACHE_DIR=$WORK/$1/store stat "$2"; }

# tamper_entries PORT: flips one byte in the middle of every cache entry on the Redis node and
# prints how many it changed. Manifests (JSON) stay intact, so that readers do reach the entries.
tamper_entries() {
  python3 - "$1" <<'PY'
import socket, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
rd = sock.makefile("rb")
def reply():  # RESP2, by hand: no client library needed
    line = rd.readline()[:-2]
    kind, rest = line[:1], line[1:]
    if kind == b"-":
        sys.exit(rest.decode())
    if kind == b"+":
        return rest
    if kind == b":":
        return int(rest)
    if kind == b"$":
        return None if int(rest) < 0 else rd.read(int(rest) + 2)[:-2]
    if kind == b"*":
        return [reply() for _ in range(int(rest))]
    sys.exit(f"bad reply {line!r}")
def cmd(*args):
    args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    return reply()
changed = 0
for key in cmd("KEYS", "*"):
    value = cmd("GET", key)
    if value.startswith(b"CRCACHE1"):  # the entry magic
        i = len(value) // 2
        cmd("SET", key, value[:i] + bytes([value[i] ^ 0xFF]) + value[i + 1:])
        changed += 1
print(changed)
PY
}

step "(b) signed entries"
# A builder holds the private key; readers hold public keys only (docs/remote.md).
"$CRATECACHE_BIN" keygen "$WORK/k1" >/dev/null || fail "keygen k1"
"$CRATECACHE_BIN" keygen "$WORK/k2" >/dev/null || fail "keygen k2"
required=CRATECACHE_REQUIRE_SIGNATURE=1
start_redis
machine sign-a CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_SIGNING_KEY="$WORK/k1"
units=$(count_log miss)
machine sign-b CRATECACHE_REMOTE="$REDIS_URL" "$required" CRATECACHE_TRUSTED_KEYS="$WORK/k2.pub,$WORK/k1.pub" \
  CRATECACHE_REMOTE_POLICY=read-only
assert_no_dep_compiles "B, trusting A's public key"
assert_eq "$units" "$(mstat sign-b remote_hits)" "B's remote_hits (trusted key)"
assert_eq 0 "$(mstat sign-b errors.bad_signature)" "B's errors.bad_signature (trusted key)"
# C trusts only k2: neither A's entries nor its manifests are taken.
machine sign-c CRATECACHE_REMOTE="$REDIS_URL" "$required" CRATECACHE_TRUSTED_KEYS="$WORK/k2.pub" \
  CRATECACHE_REMOTE_POLICY=read-only
assert_eq 0 "$(count_log hit)" "C's hits (other key)"
assert_eq 0 "$(mstat sign-c remote_hits)" "C's remote_hits (other key)"
assert_gt "$(mstat sign-c errors.bad_signature)" 0 "C's errors.bad_signature (other key)"
serve_check "$WORK/sign-c/hello-hyper/target/debug/hello-hyper"
# A builder that raised its epoch revokes what it signed before, for readers that require the new one.
machine sign-e CRATECACHE_REMOTE="$REDIS_URL" "$required" CRATECACHE_TRUSTED_KEYS="$WORK/k1.pub" \
  CRATECACHE_TRUSTED_EPOCH=2 CRATECACHE_REMOTE_POLICY=read-only
assert_eq 0 "$(count_log hit)" "E's hits (entries of an older epoch)"
assert_gt "$(mstat sign-e errors.bad_signature)" 0 "E's errors.bad_signature (older epoch)"

step "(b) signature required, remote filled by an unsigned writer"
start_redis
machine unsigned-a CRATECACHE_REMOTE="$REDIS_URL"
machine sign-d CRATECACHE_REMOTE="$REDIS_URL" "$required" CRATECACHE_TRUSTED_KEYS="$WORK/k1.pub"
assert_eq 0 "$(count_log hit)" "D's hits (unsigned remote)"
assert_eq 0 "$(mstat sign-d remote_hits)" "D's remote_hits (unsigned remote)"
assert_gt "$(mstat sign-d errors.bad_signature)" 0 "D's errors.bad_signature (unsigned remote)"
serve_check "$WORK/sign-d/hello-hyper/target/debug/hello-hyper"

step "(c) read-only machine"
start_redis
machine ro-a CRATECACHE_REMOTE="$REDIS_URL"
keys=$(redis_keys "$REDIS_PORT")
assert_gt "$keys" 0 "keys after A"
machine ro-b CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_no_dep_compiles "read-only B, what A built"
assert_gt "$(mstat ro-b remote_hits)" 0 "read-only B's remote_hits"
# New units, which a read-write machine would upload: nothing of the release profile is cached.
CARGO_ARGS=--release machine ro-b CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_gt "$(count_log miss)" 40 "read-only B's misses in release"
assert_eq 0 "$(mstat ro-b remote_uploads)" "read-only B's remote_uploads"
assert_eq "$keys" "$(redis_keys "$REDIS_PORT")" "keys after read-only B"

step "(a) entries tampered with on the server"
start_redis
# B will compile everything at its own path: the reference is an uncached build at that path.
copy_project hello-hyper "$WORK/tamper-b/hello-hyper"
reference_build "$WORK/tamper-b/hello-hyper"
machine tamper-a CRATECACHE_REMOTE="$REDIS_URL"
units=$(count_log miss)
changed=$(tamper_entries "$REDIS_PORT")
assert_eq "$units" "$changed" "entries tampered with (one per unit of A)"
machine tamper-b CRATECACHE_REMOTE="$REDIS_URL"
assert_eq 0 "$(count_log hit)" "hits of B on tampered entries"
assert_eq "$units" "$(mstat tamper-b errors.corrupt_entry)" "B's errors.corrupt_entry"
serve_check "$WORK/tamper-b/hello-hyper/target/debug/hello-hyper"
compare_outputs_same_path "$WORK/tamper-b/hello-hyper" "$WORK/tamper-b/hello-hyper" debug 120 hello-hyper

echo "PASS $TEST_NAME: tampered entries rejected, signatures enforced, read-only uploads nothing"
