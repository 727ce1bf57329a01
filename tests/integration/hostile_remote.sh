#!/usr/bin/env bash
# A hostile remote (anyone who runs or impersonates the server) can neither hang a build nor blow
# up its memory, nor send it elsewhere. Against each hostile server (hostile_servers.py: a Redis
# that trickles 1 byte/s; one announcing a 1 TB bulk and sending forever; one answering -MOVED to
# an unconfigured port; an HTTP server with Content-Length: 1 TB; one with an endless chunked body;
# and servers.sh's server that never answers, spoken to as Redis)
# a real cargo build of remote-small ends (under `timeout 300`, not a timed assertion) with the
# uncached build's output, errors.remote_get counted, and the peak RSS of the build's process tree
# under MAX_RSS_KB; the MOVED target is never contacted. Positive control: a real redis-server
# with --requirepass serves a second copy of the project (all dependencies remote hits), the
# password never shows in messages, and a wrong password is a counted fault.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=servers.sh
source "$HERE/servers.sh"

PROJECT=synthetic/remote-small
# Objects over 32 MiB are refused (the URL's max_object): an endless body costs at most that.
CAP='max_object=32M'
# rustc's own peak for this project is ~100-150 MB; a buffered endless body would be gigabytes.
MAX_RSS_KB=$((400 * 1024))
# shellcheck disable=SC2034 # read by cached_build: a hang fails the test
BUILD_TIMEOUT=300
export CRATECACHE_REMOTE_TIMEOUT_MS=2000 # stall limit 2 s (the trickle never stalls that long); deadline floor 12 s

step "reference: uncached build"
copy_project "$PROJECT" "$WORK/reference"
plain_cargo "$WORK/reference" build -q
EXPECTED=$("$WORK/reference/target/debug/remote-small")
[ -n "$EXPECTED" ] || fail "reference binary printed nothing"

# A cargo first on PATH that records the peak RSS of its process tree (rustc and every
# cratecache under it) in $RSS_FILE.
REAL_CARGO=$(command -v cargo)
mkdir -p "$WORK/bin"
cat >"$WORK/bin/cargo" <<EOS
#!/bin/sh
exec /usr/bin/time -f %M -o "\$RSS_FILE" "$REAL_CARGO" "\$@"
EOS
chmod +x "$WORK/bin/cargo"

# start_hostile MODE [WITNESS_FILE]: sets HOSTILE_PORT (and WITNESS_PORT for redis-moved).
start_hostile() {
  local mode=$1 log=$WORK/$1.server.log
  HOSTILE_PORT=$(free_port) WITNESS_PORT=$(free_port)
  python3 "$HERE/hostile_servers.py" "$mode" "$HOSTILE_PORT" "$WITNESS_PORT" "${2:-/dev/null}" >"$log" 2>&1 &
  local pid=$!
  at_exit "stop_server $pid"
  wait_ready "$mode server" "$pid" "$log" grep -q ready "$log"
}

# remote_build NAME URL: a cold build of a fresh copy into its own store with remote URL; sets
# BUILT (the project dir) and STORE_OF (its store). Waits for its uploads (bounded too).
remote_build() {
  local name=$1
  BUILT=$WORK/$name/project STORE_OF=$WORK/$name/store
  copy_project "$PROJECT" "$BUILT"
  RSS_FILE=$WORK/$name/rss PATH=$WORK/bin:$PATH CRATECACHE_DIR=$STORE_OF CRATECACHE_REMOTE=$2 cached_build "$BUILT"
  CRATECACHE_DIR=$STORE_OF CRATECACHE_REMOTE=$2 timeout 300 "$CRATECACHE_BIN" flush-uploads ||
    fail "$name: flush-uploads did not end"
}

# check_hostile NAME REASON: the build of remote_build NAME is correct, its remote faults were
# counted and explained by REASON, and its memory stayed bounded.
check_hostile() {
  local name=$1 reason=$2 gets rss
  assert_eq "$EXPECTED" "$("$BUILT/target/debug/remote-small")" "$name: output of the cached build"
  gets=$(CRATECACHE_DIR=$STORE_OF stat errors.remote_get)
  rss=$(tail -n 1 "$WORK/$name/rss")
  echo "$name: errors.remote_get=$gets, peak RSS ${rss} KB, remote_hits=$(CRATECACHE_DIR=$STORE_OF stat remote_hits)"
  assert_gt "$gets" 0 "$name: errors.remote_get"
  assert_eq 0 "$(CRATECACHE_DIR=$STORE_OF stat remote_hits)" "$name: remote_hits"
  grep -q "$reason" "$LAST_ERR" || { grep cratecache: "$LAST_ERR" | first_lines 5 >&2; fail "$name: no warning '$reason'"; }
  [ "$rss" -lt "$MAX_RSS_KB" ] || fail "$name: peak RSS $rss KB, over $MAX_RSS_KB KB"
}

step "Redis trickling 1 byte/s: cut by the request deadline"
start_hostile redis-trickle
remote_build trickle "redis://127.0.0.1:$HOSTILE_PORT"
check_hostile trickle "not done within the request deadline"

step "Redis that accepts and never answers: cut by the stall limit"
start_stall_server
remote_build redis-stall "redis://127.0.0.1:$STALL_PORT"
check_hostile redis-stall "stalled, nothing for 2000 ms"

step "Redis announcing a 1 TB bulk reply with an endless body: refused before the body"
start_hostile redis-huge
remote_build redis-huge "redis://127.0.0.1:$HOSTILE_PORT?$CAP"
check_hostile redis-huge "over the 33554432-byte object cap"

step "Redis answering -MOVED to an unconfigured node: a fault, no connection"
witness=$WORK/moved.witness
start_hostile redis-moved "$witness"
remote_build moved "redis://127.0.0.1:$HOSTILE_PORT"
check_hostile moved "not a configured node"
[ ! -s "$witness" ] || { cat "$witness" >&2; fail "moved: the redirection target was contacted"; }
# The witness listens: a client that followed the redirection would have been recorded.
exec 3<>"/dev/tcp/127.0.0.1/$WITNESS_PORT" && exec 3>&-
for _ in $(seq 50); do [ -s "$witness" ] && break; sleep 0.1; done
[ -s "$witness" ] || fail "moved: the witness records nothing (the check above proves nothing)"

step "HTTP with Content-Length: 1 TB: refused before the body"
start_hostile http-length
remote_build http-length "http://127.0.0.1:$HOSTILE_PORT/cache?$CAP"
check_hostile http-length "over the 33554432-byte object cap"

step "HTTP with an endless chunked body: stopped at the cap"
start_hostile http-chunked
remote_build http-chunked "http://127.0.0.1:$HOSTILE_PORT/cache?$CAP"
check_hostile http-chunked "over the 33554432-byte object cap"

step "positive control: redis-server with --requirepass serves machine B"
need_cmd redis-server redis-server redis-tools
PASSWORD=cc-$RANDOM-sekret
REDIS_PORT=$(free_port)
_redis_node "$WORK/redis-auth" "$REDIS_PORT" --requirepass "$PASSWORD"
remote_build machine-a "redis://:$PASSWORD@127.0.0.1:$REDIS_PORT"
assert_eq 0 "$(CRATECACHE_DIR=$STORE_OF stat errors.remote_get)" "machine A: errors.remote_get"
assert_eq 0 "$(CRATECACHE_DIR=$STORE_OF stat errors.remote_put)" "machine A: errors.remote_put"
keys=$(redis-cli -p "$REDIS_PORT" -a "$PASSWORD" --no-auth-warning dbsize)
assert_gt "$keys" 0 "objects on the password-protected redis"
remote_build machine-b "redis://default:$PASSWORD@127.0.0.1:$REDIS_PORT"
assert_no_dep_compiles "$BUILT"
hits=$(CRATECACHE_DIR=$STORE_OF stat remote_hits)
echo "machine B: remote_hits=$hits, $keys objects on redis"
assert_eq 3 "$hits" "machine B: remote hits (fnv, itoa, smallvec)"
assert_eq "$EXPECTED" "$("$BUILT/target/debug/remote-small")" "machine B: output"

step "wrong password: a counted fault, the password never shown"
remote_build wrong-auth "redis://:not-$PASSWORD@127.0.0.1:$REDIS_PORT"
check_hostile wrong-auth "AUTH refused"
! grep -rq -e "$PASSWORD" "$WORK"/{machine-a,machine-b,wrong-auth}/store "$WORK"/*.stderr "$WORK/last.log" ||
  fail "the Redis password appears in a message, log or the store"

echo "PASS $TEST_NAME: trickle, stall, huge bulk, MOVED elsewhere, huge Content-Length and endless chunked body all built correctly; AUTH positive control served $hits units"
