#!/usr/bin/env bash
# A faulty remote never fails a build and costs little: (a) nothing listens on the remote's port,
# (b) the Redis remote dies in the middle of a build, (c) the server accepts and then never
# answers. Warnings are shown, errors counted, and the circuit breaker caps the failed attempts.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=servers.sh
source "$HERE/servers.sh"

# Failed remote reads before the breaker (3 in a row) opens, plus one in flight per cargo job.
MAX_FAILED_GETS=5
# Extra wall time allowed over a build without remote: a few connect/stall timeouts (the breaker
# stops the rest), plus half the baseline for load noise (other builds share the 2 cores).
extra_ms() { echo $((BASE_MS / 2 + 30000)); }
WARNING='cratecache: warning: remote cache unavailable'

now_ms() { date +%s%3N; }

# timed_build NAME [ENV=VALUE...]: a cold build of a fresh hello-hyper into store $WORK/NAME/store;
# sets ELAPSED_MS. The env assignments (the remote) apply to that build only.
timed_build() {
  local name=$1 t0
  shift
  copy_project hello-hyper "$WORK/$name/hello-hyper"
  t0=$(now_ms)
  (
    # shellcheck disable=SC2163 # the arguments are NAME=VALUE words
    [ $# = 0 ] || export "$@"
    CRATECACHE_DIR=$WORK/$name/store cached_build "$WORK/$name/hello-hyper"
  )
  ELAPSED_MS=$(($(now_ms) - t0))
  echo "$name: cold build took ${ELAPSED_MS} ms"
}

# check_faulty NAME: the build of timed_build NAME warned, stayed within the time and failure
# budgets, opened the breaker, and produced a working binary.
check_faulty() {
  local name=$1 store=$WORK/$1/store warnings gets
  CRATECACHE_DIR=$store timeout 120 "$CRATECACHE_BIN" flush-uploads || fail "$name: flush-uploads"
  warnings=$(grep -c "$WARNING" "$LAST_ERR" || true)
  gets=$(CRATECACHE_DIR=$store stat errors.remote_get)
  echo "$name: $warnings warnings, errors.remote_get=$gets," \
    "errors.remote_put=$(CRATECACHE_DIR=$store stat errors.remote_put)"
  assert_gt "$warnings" 0 "$name: warnings shown"
  assert_gt "$gets" 0 "$name: errors.remote_get"
  [ "$gets" -le "$MAX_FAILED_GETS" ] || fail "$name: $gets failed remote reads: breaker did not cap them"
  [ "$warnings" -le "$MAX_FAILED_GETS" ] || fail "$name: $warnings remote warnings (breaker?)"
  [ -f "$store/remote.breaker" ] || fail "$name: no $store/remote.breaker"
  # Cargo keeps a build script's stderr as an artifact and hides it: no place for our warnings.
  ! grep -l "cratecache:" "$WORK/$name"/hello-hyper/target/debug/build/*/stderr >&2 ||
    fail "$name: cratecache warnings went into build-script stderr files (listed above)"
  [ "$ELAPSED_MS" -le $((BASE_MS + $(extra_ms))) ] ||
    fail "$name: build took $ELAPSED_MS ms, without remote $BASE_MS ms"
  assert_eq 0 "$(CRATECACHE_DIR=$store stat remote_hits)" "$name: remote_hits"
  serve_check "$WORK/$name/hello-hyper/target/debug/hello-hyper"
}

step "(b) Redis killed during machine B's build"
start_redis
copy_project hello-hyper "$WORK/kill-a/hello-hyper"
copy_project hello-hyper "$WORK/kill-b/hello-hyper"
CRATECACHE_DIR=$WORK/kill-a/store CRATECACHE_REMOTE=$REDIS_URL cached_build "$WORK/kill-a/hello-hyper"
units=$(count_log miss)
CRATECACHE_DIR=$WORK/kill-a/store timeout 300 "$CRATECACHE_BIN" flush-uploads || fail "flush-uploads"
: >"$LAST_LOG" # A's lines must not count as B's progress
CRATECACHE_DIR=$WORK/kill-b/store CRATECACHE_REMOTE=$REDIS_URL cached_build "$WORK/kill-b/hello-hyper" &
build=$!
at_exit "kill $build"
# Kill once a few units were served, well before the last of them.
for i in $(seq 600); do
  [ "$(count_log hit)" -ge 3 ] && break
  running "$build" || break
  sleep 0.05
done
served=$(count_log hit)
{ kill -9 "$REDIS_PID" && wait "$REDIS_PID"; } 2>/dev/null || true # wait: no "Killed" notice
echo "killed redis after $served of $units units were served (poll $i)"
wait "$build" || fail "build of machine B failed after the remote died"
store=$WORK/kill-b/store
hits=$(count_log hit) misses=$(count_log miss)
echo "machine B: $hits hits, $misses misses, errors.remote_get=$(CRATECACHE_DIR=$store stat errors.remote_get)"
assert_gt "$hits" 0 "hits before the kill"
assert_gt "$misses" 0 "misses after the kill (else the kill came too late to test anything)"
assert_gt "$(CRATECACHE_DIR=$store stat errors.remote_get)" 0 "B's errors.remote_get"
serve_check "$WORK/kill-b/hello-hyper/target/debug/hello-hyper"

step "baseline: cold build without remote"
timed_build baseline
BASE_MS=$ELAPSED_MS

step "(a) remote on a closed port"
closed=$(free_port) # nothing listens there: connections are refused
timed_build closed CRATECACHE_REMOTE="redis://127.0.0.1:$closed"
check_faulty closed

step "(c) HTTP remote that accepts and never answers, 1 s I/O timeout"
start_stall_server
BUILD_TIMEOUT=300 timed_build stalled CRATECACHE_REMOTE="$STALL_URL" CRATECACHE_REMOTE_TIMEOUT_MS=1000
check_faulty stalled

echo "PASS $TEST_NAME: closed port, stalled server and a killed remote all built; baseline $BASE_MS ms"
