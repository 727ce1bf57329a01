#!/usr/bin/env bash
# A wrapper killed (-9) at any point of storing an entry never leaves a partial entry or manifest
# under its final name, and never breaks the next build. Builds are killed all the time (Ctrl-C,
# CI timeouts, the OOM killer); a torn entry that was later served would be a wrong artifact.
# crash_store_write.py kills the wrapper, with its rustc, during a miss of a unit whose entry is
# a few MB (at a random time of the run, or once the entry is being written), >= 200 times and
# >= 20 times within the entry write; after each kill `cratecache verify` is clean and the next
# run hits with the uncached rustc's bytes or misses and stores an entry that hits. Last, a real
# cargo build through the same store is correct, and the temp files the killed writers left do
# not pile up: `cratecache gc` reclaims old ones.
# CRASH_SEED repeats a run's random choices (what to kill when); CRASH_ITERATIONS (default 200).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # the unit is a path dependency
# The driver compares every run with the recorded uncached output; an incremental unit's bytes
# depend on the incremental state rustc finds, which the recorded run left behind.
export CARGO_INCREMENTAL=0
seed=${CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
iterations=${CRASH_ITERATIONS:-200}
echo "seed $seed (CRASH_SEED=$seed repeats the random choices)"

# blobcrate's rlib and rmeta both hold the 1 MiB blob: a 3 MiB entry, whose write can be caught
# (and each kill within it leaves up to that much in a temp file).
blob=$WORK/blobcrate
app=$WORK/app
mkdir -p "$blob/src" "$app/src"
head -c $((1 << 20)) /dev/urandom >"$blob/src/blob.bin"
printf '[package]\nname = "blobcrate"\nversion = "0.1.0"\nedition = "2021"\n' >"$blob/Cargo.toml"
echo 'pub static DATA: &[u8] = include_bytes!("blob.bin");' >"$blob/src/lib.rs"
printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n%s\n%s\n' \
  'blobcrate = { path = "../blobcrate" }' 'itoa = "=1.0.1"' >"$app/Cargo.toml"
cat >"$app/src/main.rs" <<'RS'
fn main() {
    let sum = blobcrate::DATA.iter().fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(b.into()));
    println!("{} {}", itoa::Buffer::new().format(blobcrate::DATA.len()), sum);
}
RS
want=$(python3 -c '
import sys
data, s = open(sys.argv[1], "rb").read(), 0
for b in data:
    s = (s * 31 + b) % 2**64
print(len(data), s)' "$blob/src/blob.bin")

# Records blobcrate's rustc invocation exactly as Cargo makes it (arguments, cwd, environment).
cat >"$WORK/capture.sh" <<'SH'
#!/bin/sh
case " $* " in *" --crate-name blobcrate "*)
  printf '%s\0' "$@" >"$CAPTURE.args"; pwd >"$CAPTURE.cwd"; env -0 >"$CAPTURE.env" ;;
esac
exec "$@"
SH
chmod +x "$WORK/capture.sh"

step "uncached reference build of $app, recording blobcrate's rustc invocation"
RUSTC_WRAPPER=$WORK/capture.sh CAPTURE=$WORK/blobcrate-rustc plain_cargo "$app" build -q ||
  fail "uncached reference build failed"
[ -s "$WORK/blobcrate-rustc.args" ] || fail "blobcrate's rustc invocation was not recorded"
assert_eq "$want" "$("$app/target/debug/app")" "output of the reference build"
mv "$app/target" "$app.reference-target" # compare_outputs_same_path's reference
mkdir -p "$app/target/debug/deps"         # the recorded --out-dir

step "at least $iterations kills of the wrapper while it stores blobcrate's entry"
python3 "$HERE/crash_store_write.py" --bin "$CRATECACHE_BIN" --store "$STORE" \
  --capture "$WORK/blobcrate-rustc" --reference-deps "$app.reference-target/debug/deps" \
  --crate blobcrate --work "$WORK" --iterations "$iterations" --min-in-write 20 --budget-s 150 \
  --seed "$seed" ||
  fail "crash loop failed (seed $seed)"

step "a real cargo build through the same store"
cached_build "$app"
assert_eq 1 "$(log_count hit blobcrate lib)" "hits of blobcrate (its entry is the crash loop's last)"
assert_eq "$want" "$("$app/target/debug/app")" "output of the cached build"
compare_outputs_same_path "$app" "$app" debug 6 app
CRATECACHE_DIR=$STORE "$CRATECACHE_BIN" verify || fail "cratecache verify after the cargo build"
errors=$(CRATECACHE_DIR=$STORE "$CRATECACHE_BIN" stats --json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["errors"])')
assert_eq "{}" "$errors" "stats errors"
# Runs are sequential here: a wait means a killed wrapper's lock outlived it.
assert_eq 0 "$(stat single_flight_waits)" "stats single_flight_waits"

step "gc reclaims the temp files killed writers left, not a write in progress"
temps=$(find "$STORE" -type f -name '*.tmp.*' | wc -l)
echo "$temps temp files left by killed writers"
# Older than any write in progress could be (cratecache gc keeps lock files for a day).
find "$STORE" -type f -name '*.tmp.*' -exec touch -d '2 days ago' {} +
# A write in progress: a fresh temp file of a live process (this shell).
live=$(find "$STORE/entries" -name '*.entry' -type f | first_lines).tmp.$$.0
echo partial >"$live"
CRATECACHE_DIR=$STORE "$CRATECACHE_BIN" gc >/dev/null || fail "cratecache gc failed"
[ -f "$live" ] || fail "gc removed $live, a temp file being written"
rm "$live"
left=$(find "$STORE" -type f -name '*.tmp.*')
[ -z "$left" ] || fail "gc left $(wc -l <<<"$left") of $temps stale temp files, e.g. $(head -n 1 <<<"$left")"

echo "PASS $TEST_NAME: crash loop clean (seed $seed), $temps temp files reclaimed by gc"
