#!/usr/bin/env bash
# A second copy of a project in another directory (fresh target dir) compiles no dependency:
# every dependency unit, proc-macros and build scripts included, is served from the cache, and the
# served artifacts equal, byte for byte, those of an uncached build at the warm-up project's path.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

warm=$WORK/warm/hello-hyper
fresh=$WORK/second-copy/hello-hyper
copy_project hello-hyper "$warm"
copy_project hello-hyper "$fresh"

step "uncached reference build at $warm (target dir then moved aside)"
reference_build "$warm"

step "cold build in $warm"
cached_build "$warm"
cold_misses=$(count_log miss)
assert_gt "$cold_misses" 40 "misses of the cold build"
assert_eq 0 "$(count_log hit)" "hits of the cold build"

step "build of a fresh copy in $fresh"
cached_build "$fresh"
assert_no_dep_compiles "fresh copy"
hits=$(count_log hit)
assert_eq "$cold_misses" "$hits" "hits of the fresh copy (= misses of the cold build)"
assert_gt "$(log_count hit '*' proc-macro)" 0 "proc-macro hits"
assert_gt "$(log_count hit '*' build-script)" 0 "build-script hits"
assert_gt "$(stat hits)" 0 "stats hits"

members=$(count_log not_cached workspace_member)

# With -vv Cargo caps dependencies' lints at `warn` instead of `allow`: still not members.
step "two more copies built with cargo build -vv"
copy_project hello-hyper "$WORK/vv-1/hello-hyper"
copy_project hello-hyper "$WORK/vv-2/hello-hyper"
cached_build "$WORK/vv-1/hello-hyper" -vv
assert_eq "$members" "$(count_log not_cached workspace_member)" "units taken for workspace members under -vv"
assert_gt "$(count_log miss)" 40 "misses of the first -vv build (lint cap is in the key)"
cached_build "$WORK/vv-2/hello-hyper" -vv
assert_no_dep_compiles "second -vv copy"

step "served binary answers a request"
serve_check "$fresh/target/debug/hello-hyper"

step "byte-compare with the uncached reference build"
compare_outputs_same_path "$fresh" "$warm" debug 120 hello-hyper

echo "PASS $TEST_NAME: $hits hits, 0 misses in the fresh copy"
