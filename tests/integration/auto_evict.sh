#!/usr/bin/env bash
# Automatic eviction: builds that fill a store past max_size trim it in a detached child, never
# inline (the build does not wait for it), down to 90 % of max_size counting entries and manifests;
# a manifest goes with the last entry it names. Builds over the trimmed store still succeed:
# evicted units compile again, what is served is byte-identical to an uncached build, and the
# stats count no error.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bin=$CRATECACHE_BIN
for d in a b; do copy_project hello-hyper "$WORK/$d/hello-hyper"; done

# store_bytes: bytes of entries and manifests in $STORE.
store_bytes() { find "$STORE/entries" "$STORE/manifests" -type f \( -name '*.entry' -o -name '*.json' \) -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
# wait_trim: waits (at most 60 s) for a background trim, which holds cleanup.lock to its end. A trim
# lets the lock go to look at the size once more and may take it back for another pass: a waiter
# that got it in between waits again.
wait_trim() {
  for _ in 1 2; do
    timeout 60 flock "$STORE/cleanup.lock" true || fail "background trim still running after 60 s"
    sleep 0.5
  done
}
# orphan_manifests: manifests none of whose quoted "<toolchain>/<digest>" keys has an entry.
orphan_manifests() {
  find "$STORE/manifests" -name '*.json' -type f | while read -r m; do
    keep=0
    for k in $(grep -oE '"(none|[0-9a-f]{16})/[0-9a-f]{64}"' "$m" | tr -d '"'); do
      tc=${k%%/*} dg=${k#*/}
      [ -f "$STORE/entries/$tc/${dg:0:2}/$dg.entry" ] && keep=1
    done
    [ "$keep" = 1 ] || echo "$m"
  done
}

step "uncached reference build"
reference_build "$WORK/a/hello-hyper"

limit=$((16 << 20))
step "cold build of hello-hyper with max_size $limit (its entries: about 50 MiB)"
CRATECACHE_MAX_SIZE=$limit cached_build "$WORK/a/hello-hyper"
wait_trim
bytes=$(store_bytes)
echo "store after the build: $(entry_count) entries, $bytes bytes of entries and manifests; evicted $(stat evicted)"
assert_gt "$(stat evicted)" 0 "entries evicted during the build"
[ "$bytes" -le "$limit" ] || fail "store $bytes bytes > max_size $limit after the trim"
assert_gt "$(find "$STORE/manifests" -name '*.json' | wc -l)" 0 "manifests kept"
assert_eq "" "$(orphan_manifests)" "manifests left without any of their entries"

step "a fresh copy over the trimmed store: builds, some units hit, the evicted compile again"
CRATECACHE_MAX_SIZE=$limit cached_build "$WORK/b/hello-hyper"
wait_trim
assert_gt "$(count_log miss)" 0 "misses (evicted units)"
serve_check "$WORK/b/hello-hyper/target/debug/hello-hyper"
compare_outputs_same_path "$WORK/b/hello-hyper" "$WORK/a/hello-hyper" debug 100 hello-hyper
[ "$(store_bytes)" -le "$limit" ] || fail "store over max_size after the second build"
assert_eq "{}" "$(CRATECACHE_DIR=$STORE "$bin" stats --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["errors"])')" "stats errors"

echo "PASS $TEST_NAME: builds past max_size trimmed in the background to $(store_bytes) bytes (limit $limit)"
