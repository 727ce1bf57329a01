#!/usr/bin/env bash
# By default path packages (the project and its path dependencies) are compiled, not cached: they
# change constantly and Cargo's incremental compilation serves them better. Editing a path
# dependency must rebuild it as usual.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

a=$WORK/a
copy_project synthetic "$a"
app=$a/app-pathdep

step "default build: path packages are workspace members"
cached_build "$app"
assert_eq 1 "$(log_count not_cached util lib workspace_member)" "util not_cached as workspace_member"
assert_eq 1 "$(log_count not_cached app_pathdep bin workspace_member)" \
  "app_pathdep not_cached as workspace_member"
assert_eq 0 "$(count_log miss)" "misses (nothing cacheable here)"
assert_eq 0 "$(count_log hit)" "hits"
assert_eq 0 "$(entry_count)" "store entries"
assert_eq "hello from util cfg-off debug" "$("$app/target/debug/app-pathdep")" "app output"

step "edit util's source and rebuild"
sed -i 's/hello from util/edited util/' "$app/util/src/lib.rs"
cached_build "$app"
assert_eq 1 "$(log_count not_cached util lib workspace_member)" "util recompiled after the edit"
assert_eq "edited util cfg-off debug" "$("$app/target/debug/app-pathdep")" "app output after edit"

echo "PASS $TEST_NAME: path packages compiled, not cached; edits picked up"
