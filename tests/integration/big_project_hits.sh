#!/usr/bin/env bash
# Same as fresh_project_hits on the ~155-crate project (serde_derive, cc build scripts, many
# feature combinations): a copy elsewhere compiles no dependency and gets identical artifacts.
# The only test using tests/projects/big, because its cold build is slow.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

warm=$WORK/warm/big
ref=$WORK/refr/big
fresh=$WORK/second-copy/big
for d in "$warm" "$ref" "$fresh"; do copy_project big "$d"; done

step "cold build in $warm"
cached_build "$warm"
cold_misses=$(count_log miss)
assert_gt "$cold_misses" 140 "misses of the cold build"

step "build of a fresh copy in $fresh"
cached_build "$fresh"
assert_no_dep_compiles "fresh copy"
assert_eq "$cold_misses" "$(count_log hit)" "hits of the fresh copy (= misses of the cold build)"
out=$("$fresh/target/debug/big" --count 3) || fail "big exited non-zero"
[[ $out =~ ^\{\"x\":[0-9],\"y\":5\}\ true\ 2x2\ 5$ ]] || fail "unexpected output of big: $out"

step "byte-compare with an uncached reference build in $ref"
plain_cargo "$ref" build -q
compare_outputs "$fresh" "$ref" "$warm" debug 450 big

echo "PASS $TEST_NAME: $cold_misses units served from the cache"
