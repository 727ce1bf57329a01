#!/usr/bin/env bash
# gc: `--max-size` evicts least recently used entries first (entry mtime = last use, refreshed by
# hits) down to the limit; `--drop-toolchains-unused-for` removes the entries of exactly the
# toolchains whose last use is older than that.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need_debian_toolchain
bin=$CRATECACHE_BIN
for d in a b c; do copy_project hello-hyper "$WORK/$d/hello-hyper"; done

run_gc() { # run_gc ARGS...: gc of $STORE, output shown and kept in $WORK/gc.out
  CRATECACHE_DIR=$STORE "$bin" gc "$@" >"$WORK/gc.out" 2>&1 || { cat "$WORK/gc.out" >&2; fail "gc $* exited non-zero"; }
  cat "$WORK/gc.out"
}
# entry_sizes: "SIZE PATH" of every entry, in key (= random) order.
entry_sizes() { find "$STORE/entries" -name '*.entry' -type f -printf '%s %p\n' | sort -k2; }

step "fill the store from hello-hyper (toolchain A)"
cached_build "$WORK/a/hello-hyper"
total=$(stat bytes)
assert_eq "$(entry_sizes | awk '{ s += $1 } END { print s + 0 }')" "$total" "stats bytes (= sum of entry sizes)"
assert_gt "$(entry_count)" 40 "entries after the cold build"

step "hits mark entries used: age all, build a fresh copy, none is old any more"
find "$STORE/entries" -name '*.entry' -exec touch -d '30 days ago' {} +
cached_build "$WORK/b/hello-hyper"
assert_no_dep_compiles "fresh copy"
assert_eq 0 "$(find "$STORE/entries" -name '*.entry' -mmin +60 | wc -l)" "entries left old after being hit"

step "age entries up to 3/4 of the bytes to distinct times (days old, a minute apart)"
now=$(date +%s)
entry_sizes | awk -v t="$total" '{ s += $1; if (s - $1 < t * 3 / 4) print }' >"$WORK/aged"
i=0
while read -r _ path; do
  touch -d "@$((now - 86400 - i * 60))" "$path" # later in the list = older
  i=$((i + 1))
done <"$WORK/aged"
# Expected victims: the oldest aged entries (list read backwards) until the rest fits the limit.
limit=$((total / 2))
tac "$WORK/aged" | awk -v t="$total" -v l="$limit" 't > l { print $2; t -= $1 }' | sort >"$WORK/expected"
assert_gt "$(wc -l <"$WORK/expected")" 0 "entries expected to go"

step "gc --max-size $limit (half of $total bytes)"
entry_sizes >"$WORK/before"
run_gc --max-size "$limit"
entry_sizes >"$WORK/after"
comm -23 <(awk '{ print $2 }' "$WORK/before" | sort) <(awk '{ print $2 }' "$WORK/after" | sort) >"$WORK/gone"
cmp -s "$WORK/gone" "$WORK/expected" || {
  diff "$WORK/gone" "$WORK/expected" >&2
  fail "evicted entries (<) are not the least recently used ones (>)"
}
bytes=$(stat bytes)
[ "$bytes" -le "$limit" ] || fail "stats bytes $bytes > limit $limit after gc"
assert_eq "$(awk '{ s += $1 } END { print s + 0 }' "$WORK/after")" "$bytes" "stats bytes after gc"
assert_eq "$(wc -l <"$WORK/after")" "$(stat entries)" "stats entries after gc"

step "entries of a second toolchain (Debian's rustc)"
cached_build_b "$WORK/c/hello-hyper"
assert_gt "$(count_log miss)" 40 "toolchain-B misses"
stats_toolchains
# toolchain_id RUSTC: id of the store's toolchain whose release is RUSTC's.
toolchain_id() { stats_toolchains | awk -v r="$("$1" -V | cut -d' ' -f2)" '$3 == r { print $1 }'; }
id_a=$(toolchain_id rustc)
id_b=$(toolchain_id "$DEB_RUSTC")
if [ -z "$id_a" ] || [ -z "$id_b" ] || [ "$id_a" = "$id_b" ]; then
  fail "toolchains A ($id_a) and B ($id_b) not both in stats"
fi
entries_b=$(find "$STORE/entries/$id_b" -name '*.entry' | wc -l)
release_b=$("$DEB_RUSTC" -V | cut -d' ' -f2)

# projects_of RELEASE: how many project records `projects` lists built by that toolchain release.
projects_of() { CRATECACHE_DIR=$STORE "$bin" projects | awk -v r="$1" '$4 == r' | wc -l; }
release_a=$(rustc -V | cut -d' ' -f2)
assert_eq 2 "$(projects_of "$release_a")" "records of toolchain A (a and b)"
assert_eq 1 "$(projects_of "$release_b")" "records of toolchain B (c)"

step "age toolchain A's last use ($id_a) to 40 days; gc --drop-toolchains-unused-for 30"
touch -d '40 days ago' "$STORE/toolchains/$id_a.used"
run_gc --drop-toolchains-unused-for 30
grep -q "removed 2 project records" "$WORK/gc.out" || fail "gc did not say it removed toolchain A's 2 records"
assert_eq 0 "$(projects_of "$release_a")" "records of toolchain A after dropping it"
assert_eq 1 "$(projects_of "$release_b")" "records of toolchain B after dropping A"
[ ! -e "$STORE/entries/$id_a" ] || fail "entries of toolchain A ($id_a) are still there"
assert_eq "$entries_b" "$(find "$STORE/entries/$id_b" -name '*.entry' | wc -l)" "entries of toolchain B after gc"
assert_eq "$id_b $entries_b $release_b" "$(stats_toolchains | cut -d' ' -f1-3)" "stats toolchains after gc"
assert_eq "$entries_b" "$(stat entries)" "stats entries after gc"

echo "PASS $TEST_NAME: evicted the $(wc -l <"$WORK/gone") least recently used entries; dropped toolchain A and its project records only"
