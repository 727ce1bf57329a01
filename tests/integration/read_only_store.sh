#!/usr/bin/env bash
# A store this build cannot write to (a read-only mount, as a platform would give its tenants, or
# another user's directory) serves its hits and adds nothing: misses compile as without the cache
# and the store is left exactly as it was. Each miss says it was not stored, unless read_only says
# that is meant; read_only = true on a writable store does the same. The store is made read-only
# with a read-only bind mount in a private mount namespace (root and unshare needed): even root
# cannot write through it.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Every file with its size and mtime: a hit on a writable store touches its entry (LRU).
listing() { find "$1" -printf '%P %y %s %T@\n' | sort; }
warnings() { grep -c "^cratecache: " "$LAST_ERR" || true; }

step "warm the store with hello-hyper"
copy_project hello-hyper "$WORK/a/hello-hyper"
cached_build "$WORK/a/hello-hyper"
before=$(listing "$STORE")
cargo_shim ro-store "mount --bind \"$STORE\" \"$STORE\" && mount -o remount,bind,ro \"$STORE\""

step "a fresh copy is served from the read-only store"
copy_project hello-hyper "$WORK/b/hello-hyper"
PATH=$WORK/ro-store:$PATH cached_build "$WORK/b/hello-hyper"
assert_no_dep_compiles "fresh copy, read-only store"
assert_gt "$(count_log hit)" 30 "hits from the read-only store"
assert_eq 0 "$(warnings)" "warnings when all is served"
serve_check "$WORK/b/hello-hyper/target/debug/hello-hyper"

step "misses compile, are not stored, and say so"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # a registry crate, a path crate, its script and its run
copy_project synthetic/c-static "$WORK/b/c-static"
PATH=$WORK/ro-store:$PATH cached_build "$WORK/b/c-static"
misses=$(count_log miss)
assert_gt "$misses" 3 "misses on the read-only store"
assert_eq "$misses" "$(log_count miss '*' '*' read_only)" "misses on the read-only store marked read_only"
assert_eq "answer from C: 42" "$("$WORK/b/c-static/target/debug/c-static")" "program built on the read-only store"
assert_eq "$misses" "$(grep -c "not stored: cannot write to $STORE" "$LAST_ERR")" "a warning for each miss"

step "with CRATECACHE_READ_ONLY=1 the same misses are quiet"
copy_project synthetic/c-static "$WORK/c/c-static"
CRATECACHE_READ_ONLY=1 PATH=$WORK/ro-store:$PATH cached_build "$WORK/c/c-static"
assert_eq "$misses" "$(log_count miss '*' '*' read_only)" "misses with CRATECACHE_READ_ONLY=1"
assert_eq 0 "$(warnings)" "warnings with CRATECACHE_READ_ONLY=1"
[ "$before" = "$(listing "$STORE")" ] || fail "the read-only builds changed the store"

step "read_only = true on a writable store: the same, by choice"
echo 'read_only = true' >"$STORE/config.toml"
assert_eq True "$(stat read_only)" "stats --json read_only"
copy_project synthetic/c-static "$WORK/c2/c-static"
cached_build "$WORK/c2/c-static"
assert_eq "$misses" "$(log_count miss '*' '*' read_only)" "misses with read_only = true"
assert_eq 0 "$(warnings)" "warnings with read_only = true"
assert_eq "answer from C: 42" "$("$WORK/c2/c-static/target/debug/c-static")" "program built with read_only = true"
[ "$(find "$STORE/entries" -newer "$STORE/config.toml" -type f | wc -l)" = 0 ] || fail "read_only = true stored entries"
rm "$STORE/config.toml"

step "the same misses on the writable store are stored"
copy_project synthetic/c-static "$WORK/d/c-static"
cached_build "$WORK/d/c-static"
# One more than read-only: a script compiled on a miss gets its launcher only when its run can be stored.
assert_eq $((misses + 1)) "$(log_count miss '*' '*' '')" "stored misses"
copy_project synthetic/c-static "$WORK/e/c-static"
cached_build "$WORK/e/c-static"
assert_eq 0 "$(count_log miss)" "c-static again after storing"

echo "read_only_store: $(wc -l <<<"$before") store files untouched; hits served, $misses misses compiled and not stored"
