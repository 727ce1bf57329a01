#!/usr/bin/env bash
# With cache_path_packages the project's own crates are stored too, incremental dev units included:
# a copy of a project seen before (another CI runner, a redeploy, a classroom's template) compiles
# nothing, and an edit compiles the member as usual. rustc's incremental state is not stored: a
# served member leaves the target dir's state as it was, and rustc checks whatever state it finds
# against the sources, so a later edit is compiled right even from a state of another version.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1

warm=$WORK/warm/hello-hyper
fresh=$WORK/second-copy/hello-hyper
copy_project hello-hyper "$warm"
copy_project hello-hyper "$fresh"
main=$fresh/src/main.rs

# member_outcome OUTCOME: wrapper log lines of the member (hello_hyper bin) with OUTCOME.
member_outcome() { log_count "$1" hello_hyper bin; }

step "uncached reference build at $warm (target dir then moved aside)"
reference_build "$warm"

step "cold build in $warm: every unit stored, the member too"
cached_build "$warm"
assert_eq 1 "$(member_outcome miss)" "member compiled and stored"
assert_eq 0 "$(count_log not_cached workspace_member)" "units left to the target dir as members"
compgen -G "$warm/target/debug/incremental/hello_hyper-*" >/dev/null ||
  fail "the member was not compiled incrementally (no incremental state in $warm)"

step "fresh copy in $fresh: nothing compiled"
cached_build "$fresh"
assert_no_dep_compiles "fresh copy"
assert_eq 1 "$(member_outcome hit)" "member served"
serve_check "$fresh/target/debug/hello-hyper"
# The served member embeds the warm-up root (debug info's compilation dir), as the reference does.
cmp "$fresh/target/debug/hello-hyper" "$warm.reference-target/debug/hello-hyper" ||
  fail "served member differs from the uncached reference build"
python3 "$HERE/compare_outputs.py" --cached "$fresh" --reference "$warm" --warm "$warm" \
  --reference-target "$warm.reference-target" --profile debug --min-files 120 --own hello-hyper \
  --include-own || fail "cached artifacts differ from the uncached reference"

step "touch src/main.rs: same content, served again"
touch "$main"
cached_build "$fresh"
assert_eq 1 "$(member_outcome hit)" "member served after touch"
assert_eq 0 "$(count_log miss)" "misses after touch"

step "edit: only the member is compiled, from no incremental state"
sed -i 's/hello from cratecache/hello from an edit/' "$main"
cached_build "$fresh"
assert_eq 1 "$(member_outcome miss)" "member compiled after the edit"
assert_eq 1 "$(count_log miss)" "misses after the edit"
serve_check "$fresh/target/debug/hello-hyper" "hello from an edit"

step "edit back: served from the first entry, rustc's state still that of the edit"
sed -i 's/hello from an edit/hello from cratecache/' "$main"
cached_build "$fresh"
assert_eq 1 "$(member_outcome hit)" "member served after the edit back"
serve_check "$fresh/target/debug/hello-hyper"
cmp "$fresh/target/debug/hello-hyper" "$warm.reference-target/debug/hello-hyper" ||
  fail "member served after the edit back differs from the reference"

step "a third text: rustc starts from the state of another version and must get it right"
sed -i 's/hello from cratecache/hello after a revert/' "$main"
cached_build "$fresh"
assert_eq 1 "$(member_outcome miss)" "member compiled for the third text"
serve_check "$fresh/target/debug/hello-hyper" "hello after a revert"

step "CARGO_INCREMENTAL=0 in another copy: a different unit (incremental is in the key)"
other=$WORK/non-incremental/hello-hyper
copy_project hello-hyper "$other"
CARGO_INCREMENTAL=0 cached_build "$other"
assert_eq 1 "$(member_outcome miss)" "non-incremental member compiled"
assert_eq 1 "$(count_log miss)" "misses of the non-incremental copy"
serve_check "$other/target/debug/hello-hyper"

step "without cache_path_packages the member is compiled, never served"
default=$WORK/default/hello-hyper
copy_project hello-hyper "$default"
CRATECACHE_CACHE_PATH_PACKAGES=0 cached_build "$default"
assert_eq 1 "$(log_count not_cached hello_hyper bin workspace_member)" "member left to the target dir"
assert_eq 0 "$(member_outcome hit)" "member served without the setting"
assert_no_dep_compiles "default copy"

echo "PASS $TEST_NAME: member served to a fresh copy byte for byte; edits compiled"
