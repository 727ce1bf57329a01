#!/usr/bin/env bash
# Same as fresh_project_hits on the ~155-crate project (serde_derive, cc build scripts, many
# feature combinations): a copy elsewhere compiles no dependency and gets identical artifacts.
# The only test using tests/projects/big, because its cold build is slow.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

warm=$WORK/warm/big
fresh=$WORK/second-copy/big
copy_project big "$warm"
copy_project big "$fresh"

step "uncached reference build at $warm (target dir then moved aside)"
reference_build "$warm"

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

step "byte-compare with the uncached reference build"
compare_outputs_same_path "$fresh" "$warm" debug 450 big

echo "PASS $TEST_NAME: $cold_misses units served from the cache"
