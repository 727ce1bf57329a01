#!/usr/bin/env bash
# Tenants and a trusted builder sharing a Redis tier, as real unix users (issue 14; root only, else
# it skips). The builder signs what it publishes; tenant V, the victim, holds only the public key
# (read-only remote, signatures required, its own private store); tenant A, the attacker, can
# write Redis (anyone who can is an adversary) and has a key of its own. Each attack ends with V's
# build correct (the program's output, and its dependencies' artifacts byte-identical to an
# uncached build), within a bound (`timeout`), and the attempt counted in V's `stats --json`:
# forged, swapped (cross-crate) and rolled-back entries, unsigned and re-pointed manifests, `../`
# result keys (read and write variants), hostile servers run by A (trickle, endless body, MOVED
# elsewhere), manifest inputs A made a FIFO or a directory, and, for a reader that requires no
# signature, entries claiming setuid modes, a false SHA-256 or a 5 GiB blob. Steps are numbered as in issue 14's
# helper brief (2 and 7, the shared local store, are in tenants_local.sh).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=servers.sh
source "$HERE/servers.sh"
need_root_users

PROJECT=synthetic/remote-small # fnv, itoa, smallvec: three cacheable units
BOUND=300                      # seconds for any one build (a hang fails the test)
# shellcheck disable=SC2034 # read by tenant_world
BUILD_TIMEOUT=$BOUND

start_redis
tenant_world "$PROJECT" 6
as_user "$A" "$MU_BIN" keygen "$HA/sign" >/dev/null || fail "attacker's keygen"
mkdir -m 0755 "$WORK/keys"
cp "$HB/sign.pub" "$WORK/keys/builder.pub"
chmod 0644 "$WORK/keys/builder.pub"
# What every tenant build gets: the builder's public key only.
TENANT=(CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only CRATECACHE_REQUIRE_SIGNATURE=1
  CRATECACHE_TRUSTED_KEYS="$WORK/keys/builder.pub")

# The attacker's hands on Redis: redis-cli (binary-safe with --raw and -x), run as A.
cat >"$WORK/redis_tool.py" <<'PY'
import base64, hashlib, json, subprocess, sys
TRAILER = 6 + 32 + 8 + 64  # "CRSIG2", key id, epoch, signature (object_signature.h)
def cli(*args, data=None):
    return subprocess.run(["redis-cli", "-p", sys.argv[1], "--raw", *args], input=data, capture_output=True,
                          check=True, timeout=30).stdout
def keys():
    return cli("KEYS", "*").decode().split()
def get(k):
    return cli("GET", k)[:-1]  # --raw ends a reply with a newline
def put(k, v):
    if cli("-x", "SET", k, data=v) != b"OK\n":
        sys.exit(f"SET {k} failed")
def signed(v):
    return len(v) >= TRAILER and v[-TRAILER:-TRAILER + 6] == b"CRSIG2"
def unsigned(v):
    return v[:-TRAILER] if signed(v) else v
op, args = sys.argv[2], sys.argv[3:]
if op == "snapshot":  # FILE: every object
    json.dump({k: base64.b64encode(get(k)).decode() for k in keys()}, open(args[0], "w"))
elif op == "restore":  # FILE [entries]: puts the file's objects back (only entries with "entries")
    for k, v in json.load(open(args[0])).items():
        v = base64.b64decode(v)
        if len(args) < 2 or v.startswith(b"CRCACHE1"):
            put(k, v)
elif op == "signers":  # the signers' key ids (hex prefix) and epochs, one line each, sorted
    seen = set()
    for k in keys():
        v = get(k)
        t = v[-TRAILER:]
        seen.add(f"{t[6:14].hex()}@{int.from_bytes(t[38:46], 'little')}" if signed(v) else "unsigned")
    print("\n".join(sorted(seen)))
elif op == "copy":  # SRC DST: the object SRC served under the name DST
    put(args[1], get(args[0]))
elif op == "strip":  # NAME: the object without its signature
    put(args[0], unsigned(get(args[0])))
elif op == "repoint":  # NAME KEY [keep]: every candidate of a manifest leads to KEY; old trailer kept or not
    v = get(args[0])
    m = json.loads(unsigned(v))
    for c in m["candidates"]:
        c["key"] = args[1]
    put(args[0], json.dumps(m).encode() + (v[-TRAILER:] if len(args) > 2 and signed(v) else b""))
elif op == "input":  # NAME PATH: every candidate of a manifest also reads PATH (recorded as a file)
    v = get(args[0])
    m = json.loads(unsigned(v))
    for c in m["candidates"]:
        c["files"].append([args[1], 1, 1, 1, 1, "0" * 64])
    put(args[0], json.dumps(m).encode())
elif op == "load":  # NAME FILE: FILE's bytes as the object NAME
    put(args[0], open(args[1], "rb").read())
elif op == "save":  # NAME FILE: the object's bytes, unsigned, into FILE
    open(args[1], "wb").write(unsigned(get(args[0])))
elif op == "sethdr":  # NAME SUFFIX FIELD JSON: in an entry's header, FIELD of the blob named *SUFFIX
    # set to JSON; the header re-framed with a valid digest (entry.h), the blobs untouched
    v = unsigned(get(args[0]))
    size = int.from_bytes(v[8:12], "little")
    header = json.loads(v[12:12 + size])
    for b in header["blobs"]:
        if b["name"].endswith(args[1]):
            b[args[2]] = json.loads(args[3])
    text = json.dumps(header).encode()
    put(args[0], v[:8] + len(text).to_bytes(4, "little") + text + hashlib.sha256(text).digest() + v[12 + size + 32:])
elif op == "name":  # KEY: the Redis key of an entry whose result key is KEY (store.cpp, docs/remote.md)
    print("cratecache:" + hashlib.sha256(b"cratecache-remote-v1:" + args[0].encode()).hexdigest())
else:
    sys.exit(f"unknown op {op}")
PY
chmod 0644 "$WORK/redis_tool.py"
redis() { as_user "$A" /usr/bin/python3 "$WORK/redis_tool.py" "$REDIS_PORT" "$@" || fail "redis_tool $*"; }

# names CRATE: from the builder's store (every unit missed there once), CRATE's
# lib: its input key, result key, and Redis object names of its manifest (M_) and entry (E_).
names() {
  read -r INPUT_KEY RESULT_KEY < <(unit_keys "$HB/store" "$1")
  M_NAME=$(redis name "manifest/$INPUT_KEY")
  E_NAME=$(redis name "$RESULT_KEY")
}

# victim RUN SETTINGS...: V builds a fresh copy ($HV/RUN, RUN 3 characters) into a fresh store
# with SETTINGS; VSTORE is that store. vstat KEY reads its stats; correct WHAT checks the build.
victim() {
  local run=$1
  shift
  VDIR=$HV/$run/remote-small VSTORE=$HV/s-$run
  user_project "$V" "$PROJECT" "$VDIR"
  user_build "$V" "$VDIR" "$BOUND" CRATECACHE_DIR="$VSTORE" "$@"
  echo "victim $run: $(count_log hit) hits, $(count_log miss) misses in ${ELAPSED}s"
}
vstat() { user_stat "$V" "$VSTORE" "$1"; }
correct() { tenant_correct "$VDIR" "$1"; }

step "1. positive path: the builder publishes, the victim holding only the public key compiles no dependency"
user_project "$B" "$PROJECT" "$BDIR"
publish() { # publish STORE EPOCH: the builder builds $BDIR afresh into STORE and uploads, signed at EPOCH
  as_user "$B" rm -rf "$BDIR/target"
  user_build "$B" "$BDIR" "$BOUND" CRATECACHE_DIR="$1" CRATECACHE_REMOTE="$REDIS_URL" \
    CRATECACHE_REMOTE_POLICY=write-only CRATECACHE_SIGNING_KEY="$HB/sign" CRATECACHE_SIGNING_EPOCH="$2"
  as_user "$B" CRATECACHE_DIR="$1" timeout 120 "$MU_BIN" flush-uploads || fail "builder's flush-uploads"
}
publish "$HB/store" 1
assert_eq 3 "$(count_log miss)" "units the builder compiled"
redis snapshot "$HA/epoch1.json"
BUILDER_ID=$(redis signers)
[[ $BUILDER_ID =~ ^[0-9a-f]{16}@1$ ]] || fail "objects on Redis are not all signed by one key at epoch 1: $BUILDER_ID"
victim p01 "${TENANT[@]}"
assert_no_dep_compiles "victim served by the builder"
assert_eq 3 "$(vstat remote_hits)" "remote hits"
assert_eq 0 "$(vstat errors.bad_signature)" "errors.bad_signature"
correct "positive path"

step "3. forged: the attacker re-publishes the same units signed by its own key"
user_project "$A" "$PROJECT" "$HA/p00/remote-small"
user_build "$A" "$HA/p00/remote-small" "$BOUND" CRATECACHE_DIR="$HA/store" CRATECACHE_REMOTE="$REDIS_URL" \
  CRATECACHE_REMOTE_POLICY=write-only CRATECACHE_SIGNING_KEY="$HA/sign"
as_user "$A" CRATECACHE_DIR="$HA/store" timeout 120 "$MU_BIN" flush-uploads || fail "attacker's flush-uploads"
redis snapshot "$HA/forged.json"
ATTACKER_ID=$(redis signers)
# Same names (every object replaced), another signer: the attack reaches what the victim reads.
[[ $ATTACKER_ID =~ ^[0-9a-f]{16}@0$ && $ATTACKER_ID != "${BUILDER_ID%@*}@0" ]] ||
  fail "the attacker's upload did not replace every object: signers $ATTACKER_ID"
victim p02 "${TENANT[@]}"
assert_eq 0 "$(count_log hit)" "hits on forged manifests and entries"
assert_eq 0 "$(vstat remote_hits)" "remote hits on forged manifests and entries"
assert_gt "$(vstat errors.bad_signature)" 2 "errors.bad_signature (three forged manifests)"
correct "forged manifests and entries"
# The builder's manifests, the attacker's entries: now the entries' signatures are what is checked.
redis restore "$HA/epoch1.json"
redis restore "$HA/forged.json" entries
victim p03 "${TENANT[@]}"
assert_eq 0 "$(count_log hit)" "hits on forged entries"
assert_eq 3 "$(vstat errors.bad_signature)" "errors.bad_signature (three forged entries)"
correct "forged entries"

step "3. forged content: an itoa entry that prints 'pwned', under the builder's itoa name"
names fnv && FNV=$E_NAME FNV_M=$M_NAME
names itoa && ITOA=$E_NAME ITOA_M=$M_NAME
names smallvec && SMALLVEC=$E_NAME SMALLVEC_KEY=$RESULT_KEY
# A's itoa prints "pwned" and has the file names the victim's unit expects.
pwned_project "$A" "$HA/p01/remote-small"
user_build "$A" "$HA/p01/remote-small" "$BOUND" CRATECACHE_DIR="$HA/store-evil"
assert_eq "$PWNED" "$(as_user "$A" "$HA/p01/remote-small/target/debug/remote-small")" "A's program with its own itoa"
redis restore "$HA/epoch1.json"
redis load "$ITOA" "$(entry_of "$HA/store-evil" itoa)"
# Control: a reader that requires no signature is poisoned (this proves the case after it can fail).
victim p15 CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_eq "$PWNED" "$(as_user "$V" "$VDIR/target/debug/remote-small")" "control: A's itoa served without signatures"
victim p16 "${TENANT[@]}"
assert_eq 0 "$(log_count hit itoa)" "itoa hits on A's entry"
assert_eq 2 "$(log_count hit)" "hits of the intact fnv and smallvec"
assert_eq 1 "$(vstat errors.bad_signature)" "errors.bad_signature (A's itoa)"
correct "forged content"

step "4. swapped: each crate's signed entry served under another crate's name"
redis restore "$HA/epoch1.json"
# Rotated: itoa gets fnv's entry, fnv smallvec's, smallvec itoa's.
python3 - "$HA/epoch1.json" "$HA/swapped.json" "$FNV" "$ITOA" "$SMALLVEC" <<'PY'
import json, sys
snap, out, fnv, itoa, smallvec = sys.argv[1:]
s = json.load(open(snap))
json.dump({itoa: s[fnv], fnv: s[smallvec], smallvec: s[itoa]}, open(out, "w"))
PY
chmod 0644 "$HA/swapped.json"
redis restore "$HA/swapped.json"
victim p04 "${TENANT[@]}"
assert_eq 0 "$(count_log hit)" "hits on swapped entries"
assert_eq 3 "$(vstat errors.bad_signature)" "errors.bad_signature (three swapped entries)"
correct "swapped entries"
# A reader that requires no signature still refuses another crate's intact entry.
victim p05 CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_eq 0 "$(count_log hit)" "hits on swapped entries, no signature required"
assert_eq 3 "$(vstat errors.wrong_entry)" "errors.wrong_entry (no signature required)"
correct "swapped entries, no signature required"

step "4. rolled back: the builder revokes epoch 1, the attacker serves epoch 1 again"
redis restore "$HA/epoch1.json"
publish "$HB/store-epoch2" 2
assert_eq "${BUILDER_ID%@*}@2" "$(redis signers)" "signers after the republication at epoch 2"
victim p06 "${TENANT[@]}" CRATECACHE_TRUSTED_EPOCH=2
assert_no_dep_compiles "victim requiring epoch 2, before the rollback"
assert_eq 3 "$(vstat remote_hits)" "remote hits at epoch 2"
redis restore "$HA/epoch1.json"
assert_eq "$BUILDER_ID" "$(redis signers)" "signers after the rollback"
victim p07 "${TENANT[@]}" CRATECACHE_TRUSTED_EPOCH=2
assert_eq 0 "$(count_log hit)" "hits on rolled-back objects"
assert_eq 0 "$(vstat remote_hits)" "remote hits on rolled-back objects"
assert_gt "$(vstat errors.bad_signature)" 2 "errors.bad_signature (rolled-back manifests)"
correct "rolled-back objects"

step "5. manifests: one unsigned, one re-pointed at another crate's signed entry"
redis restore "$HA/epoch1.json"
redis strip "$ITOA_M"
redis repoint "$FNV_M" "$SMALLVEC_KEY" keep
victim p08 "${TENANT[@]}"
assert_eq 0 "$(log_count hit itoa)" "itoa hits through an unsigned manifest"
assert_eq 0 "$(log_count hit fnv)" "fnv hits through a re-pointed manifest"
assert_eq 1 "$(log_count hit smallvec)" "smallvec hits through its intact manifest (control)"
assert_eq 2 "$(vstat errors.bad_signature)" "errors.bad_signature (two manifests)"
correct "unsigned and re-pointed manifests"

step "6. ../ result keys: an attacker's world-readable file (read), a file under the victim's home (write)"
redis restore "$HA/epoch1.json"
# Read: the attacker's copy of itoa's entry, readable by all, named by a key that climbs out.
chmod 0711 "$HA"
redis save "$ITOA" "$HA/evil.entry"
chmod 0644 "$HA/evil.entry"
redis repoint "$ITOA_M" "../../../../../../../../..$HA/evil"
# Write: a key leading under the victim's home, and the builder's signed fnv entry under its name.
planted=../../../../../../../../..$HV/planted
redis repoint "$FNV_M" "$planted"
redis copy "$FNV" "$(redis name "$planted")"
touch "$WORK/before-keys"
for run in p09 p10; do
  if [ $run = p09 ]; then # no signature required: the keys themselves are what is refused
    victim $run CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
    assert_eq 2 "$(vstat errors.invalid_key)" "errors.invalid_key (two ../ keys)"
  else
    victim $run "${TENANT[@]}"
    assert_eq 2 "$(vstat errors.bad_signature)" "errors.bad_signature (two rewritten manifests)"
  fi
  assert_eq 0 "$(log_count hit itoa)" "$run: itoa hits through a ../ key"
  assert_eq 0 "$(log_count hit fnv)" "$run: fnv hits through a ../ key"
  outside=$(find "$HV" -mindepth 1 -newer "$WORK/before-keys" -not -path "$HV/s-p[0-9][0-9]*" \
    -not -path "$HV/p[0-9][0-9]*" -not -path "$HV/.cargo*" -not -path "$HV/build.log")
  [ -z "$outside" ] || fail "$run: files written outside the victim's store and project: $outside"
  correct "$run: ../ keys"
done

step "8. hostile servers run by the attacker: trickle, endless body, MOVED elsewhere (default limits)"
cp "$HERE/hostile_servers.py" "$HA/hostile_servers.py"
chmod 0644 "$HA/hostile_servers.py"
run=10
for mode in redis-trickle redis-huge redis-moved; do
  run=$((run + 1))
  port=$(free_port) witness_port=$(free_port)
  spawn_as "$A" /usr/bin/python3 "$HA/hostile_servers.py" "$mode" "$port" "$witness_port" "$HA/$mode.witness" \
    >"$WORK/$mode.log" 2>&1
  at_exit "stop_server $SPAWNED"
  wait_ready "$mode server" "$SPAWNED" "$WORK/$mode.log" grep -q ready "$WORK/$mode.log"
  victim "p$run" "${TENANT[@]}" CRATECACHE_REMOTE="redis://127.0.0.1:$port"
  # 30 s request deadline, then the circuit breaker: far below this, far above a normal build.
  [ "$ELAPSED" -lt 120 ] || fail "$mode: the victim's build took ${ELAPSED}s"
  assert_gt "$(vstat errors.remote_get)" 0 "$mode: errors.remote_get"
  assert_eq 0 "$(vstat remote_hits)" "$mode: remote hits"
  [ ! -s "$HA/$mode.witness" ] || fail "$mode: the redirection target was contacted"
  correct "$mode"
done

step "9. manifest inputs the attacker made a FIFO and a directory: a mismatch, never waited on"
redis restore "$HA/epoch1.json"
as_user "$A" mkfifo -m 0666 "$HA/fifo"
as_user "$A" mkdir -m 0755 "$HA/dir"
redis input "$ITOA_M" "$HA/fifo"
redis input "$FNV_M" "$HA/dir"
victim p14 CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only # unsigned manifests read
[ "$ELAPSED" -lt 60 ] || fail "FIFO and directory inputs: the victim's build took ${ELAPSED}s"
assert_eq 1 "$(log_count miss itoa)" "itoa misses (its manifest reads a FIFO)"
assert_eq 1 "$(log_count miss fnv)" "fnv misses (its manifest reads a directory)"
assert_eq 1 "$(log_count hit smallvec)" "smallvec hits (control)"
correct "FIFO and directory inputs"

# What an entry A made can do to a reader that requires no signature (docs/remote.md, bounded
# even then): its file modes are masked, and the SHA-256 it claims for a file is checked as the file
# is written (a claimed digest would key every dependent unit).
step "10. an entry claiming setuid modes: served with its modes masked to 0755"
redis restore "$HA/epoch1.json"
redis sethdr "$ITOA" .rlib mode 3583 # 06777
victim p17 CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_eq 1 "$(log_count hit itoa)" "itoa hits on the entry with setuid modes"
rlib=$(find "$VDIR/target/debug/deps" -name 'libitoa-*.rlib')
# Execute bits asked for: 0755, never setuid, setgid, sticky or writable by others.
assert_eq 755 "$(command stat -c %a "$rlib")" "mode of the served rlib"
correct "setuid modes"

step "11. an entry claiming another SHA-256 for its rlib: computed as written, a miss, counted"
redis restore "$HA/epoch1.json"
redis sethdr "$ITOA" .rlib sha256 "\"$(printf 'c%.0s' {1..64})\""
victim p18 CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
assert_eq 0 "$(log_count hit itoa)" "itoa hits on the entry with a false digest"
assert_eq 1 "$(vstat errors.corrupt_entry)" "errors.corrupt_entry (the false digest)"
assert_eq 2 "$(log_count hit)" "hits of the intact fnv and smallvec"
correct "claimed digest"

step "12. an entry declaring a 5 GiB rlib (a decompression bomb's header): refused before decoding"
redis restore "$HA/epoch1.json"
redis sethdr "$ITOA" .rlib size $((5 << 30))
victim p19 CRATECACHE_REMOTE="$REDIS_URL" CRATECACHE_REMOTE_POLICY=read-only
[ "$ELAPSED" -lt 60 ] || fail "the bomb's header: the victim's build took ${ELAPSED}s"
assert_eq 0 "$(log_count hit itoa)" "itoa hits on the entry declaring 5 GiB"
assert_eq 1 "$(vstat errors.corrupt_entry)" "errors.corrupt_entry (the declared size)"
correct "declared size"

echo "PASS $TEST_NAME: positive path (3 remote hits); forged, swapped, rolled-back entries, unsigned and re-pointed manifests, ../ keys: all refused, counted; FIFO/directory inputs and hostile servers bounded; setuid modes masked, false digests and 5 GiB blobs refused; victim's builds correct"
