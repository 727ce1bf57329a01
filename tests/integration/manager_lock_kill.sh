#!/usr/bin/env bash
# A build killed (-9) while it holds a single-flight lock does not stall a build waiting on that
# lock: the kernel drops the flock with its holder, so the waiter takes over at once and compiles
# the unit itself (well before CRATECACHE_LOCK_TIMEOUT), and its output is correct.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bin=$CRATECACHE_BIN
timeout_s=30

# make_project DIR: a bin that uses regex. All builds here are --release: optimising regex takes
# long enough (10+ s) to reliably catch its wrapper holding the lock and start a waiter.
make_project() {
  mkdir -p "$1/src"
  printf '[package]\nname = "lockkill"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nregex = "=1.7.1"\n' \
    >"$1/Cargo.toml"
  cat >"$1/src/main.rs" <<'RS'
fn main() {
    let re = regex::Regex::new(r"(\d+)-(\d+)").unwrap();
    println!("{}", re.replace("12-34", "$2-$1"));
}
RS
}
# Equal-length roots for compare_outputs: k1 is killed, w1 waits and survives, r1 is uncached.
for p in k1 w1 r1; do make_project "$WORK/$p/proj"; done

# bg_build NAME [ENV...]: cached build of $WORK/NAME/proj in the background, in its own process
# group (killed at exit, so orphans of the killed build do not outlive the test); sets BG_PID.
bg_build() {
  local name=$1
  shift
  (cd "$WORK/$name/proj" && exec setsid env CARGO_HOME="$(corpus_home)" RUSTC_WRAPPER="$bin" \
    CRATECACHE_DIR="$STORE" CRATECACHE_LOG="$WORK/$name.log" "$@" timeout "$BUILD_TIMEOUT" cargo build --release) \
    >"$WORK/$name.out" 2>&1 &
  BG_PID=$!
  at_exit "kill -9 -- -$BG_PID"
}

# wrapper_of NAME: pid of the cratecache wrapper compiling regex for $WORK/NAME (argv: cratecache
# path, rustc path, rustc args).
wrapper_of() { pgrep -f "^$bin [^ ]*rustc .*--crate-name regex .*$WORK/$1/" | first_lines; }

# held_lock PID: the single-flight lock file PID holds an flock on (from /proc/locks), if any.
held_lock() {
  local inode
  for inode in $(awk -v p="$1" '$2 == "FLOCK" && $5 == p { split($6, a, ":"); print a[3] }' /proc/locks); do
    find "$STORE/locks" -name '*.lock' -inum "$inode" 2>/dev/null
  done
}

# wait_for WHAT CMD...: polls CMD (0.1 s) until it prints something, up to 5 minutes.
wait_for() {
  local what=$1 out
  shift
  for _ in $(seq 3000); do
    out=$("$@") && [ -n "$out" ] && { echo "$out"; return; }
    sleep 0.1
  done
  fail "timed out waiting for $what"
}

corpus_home >/dev/null
step "uncached reference build in $WORK/r1 (timed: bounds the recovery below)"
start=$(date +%s.%N)
plain_cargo "$WORK/r1/proj" build -q --release
ref_s=$(echo "$(date +%s.%N) - $start" | bc)
echo "reference build: ${ref_s}s"

step "build k1 until its wrapper holds the lock of regex"
bg_build k1
k_pid=$BG_PID
k_wrapper=$(wait_for "k1's regex wrapper" wrapper_of k1)
lock=$(wait_for "k1's wrapper ($k_wrapper) to hold a lock" held_lock "$k_wrapper")
echo "wrapper $k_wrapper holds $lock"

step "build w1 (CRATECACHE_LOCK_TIMEOUT=$timeout_s) until its regex wrapper waits on that lock"
w_start=$(date +%s.%N)
bg_build w1 CRATECACHE_LOCK_TIMEOUT=$timeout_s
w_pid=$BG_PID
w_wrapper=$(wait_for "w1's regex wrapper" wrapper_of w1)
sleep 1 # let it reach the wait loop
[ "$(held_lock "$k_wrapper")" = "$lock" ] || fail "k1's wrapper no longer holds $lock: regex compiled too fast"
[ -z "$(held_lock "$w_wrapper")" ] || fail "w1's wrapper holds a lock while k1's does"

step "kill -9 k1's wrapper ($k_wrapper) and its cargo"
k_cargo=$(ps -o ppid= -p "$k_wrapper" | tr -d ' ')
kill -9 "$k_wrapper" "$k_cargo"
killed=$(date +%s.%N)
{ wait "$k_pid"; } 2>/dev/null || true # reap quietly (bash reports the kill otherwise)

step "w1's wrapper takes the lock at once"
taken=$(wait_for "w1's wrapper ($w_wrapper) to take the lock" held_lock "$w_wrapper")
takeover=$(echo "$(date +%s.%N) - $killed" | bc)
echo "w1's wrapper holds $taken ${takeover}s after the kill"
assert_eq "$lock" "$taken" "lock taken by w1's wrapper"
# The waiter retries every 100 ms at most; 5 s leaves room for a loaded machine, far below the
# 30 s it would sit out if the dead holder's lock outlived it.
[ "$(echo "$takeover < 5" | bc)" = 1 ] || fail "w1's wrapper took the lock only ${takeover}s after the kill"

step "w1 finishes"
w_rc=0
wait "$w_pid" || w_rc=$?
elapsed=$(echo "$(date +%s.%N) - $killed" | bc)
echo "w1 finished ${elapsed}s after the kill ($(echo "$(date +%s.%N) - $w_start" | bc)s in all), exit $w_rc"
[ "$w_rc" = 0 ] || { tail -n 30 "$WORK/w1.out" >&2; fail "w1's build exited $w_rc"; }
# After the kill w1 compiles only regex and the bin, a part of what the reference build did; k1's
# orphaned rustc still competes for the CPU meanwhile, hence twice the reference time (+10 s).
bound=$(echo "2 * $ref_s + 10" | bc)
[ "$(echo "$elapsed < $bound" | bc)" = 1 ] || fail "w1 took ${elapsed}s after the kill (bound ${bound}s)"
assert_eq 0 "$(stat errors.single_flight_timeout)" "stats errors.single_flight_timeout"
assert_gt "$(stat single_flight_waits)" 0 "stats single_flight_waits (w1 did wait on k1)"
LAST_LOG=$WORK/w1.log # read by log_count
assert_eq 1 "$(log_count miss regex lib)" "w1's regex compiles (k1 never stored it)"

step "w1's output is correct"
assert_eq "34-12" "$("$WORK/w1/proj/target/release/lockkill")" "w1's binary output"
compare_outputs "$WORK/w1/proj" "$WORK/r1/proj" "$WORK/k1/proj" release 8 lockkill

echo "PASS $TEST_NAME: w1 took the lock ${takeover}s and finished ${elapsed}s after its holder was killed"
