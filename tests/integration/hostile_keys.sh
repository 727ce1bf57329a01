#!/usr/bin/env bash
# Result keys come from manifests, which a tenant of a shared store or a remote may have written:
# a key that is not the store's own shape ("../" and the like) never becomes a path; the unit
# compiles instead, correctly, and it is counted. A bad remote setting costs the remote tier only:
# the local tier still serves, and it is counted.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export CRATECACHE_CACHE_PATH_PACKAGES=1 # the synthetic packages are path packages

copy_project synthetic "$WORK/a"
copy_project synthetic "$WORK/b"
copy_project synthetic "$WORK/c"
want="hello from util cfg-off debug"

step "a manifest re-pointed at ../ keys"
cached_build "$WORK/a/app-pathdep"
input_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["input_key"])' "$STORE/explain/util.lib.json")
manifest=$STORE/manifests/${input_key:0:2}/$input_key.json
[ -f "$manifest" ] || fail "no manifest for util's input key $input_key"
# The attacker's entry: a copy of util's real one, placed outside the store.
mkdir -p "$WORK/outside"
cp "$(find "$STORE/entries" -name '*.entry' | first_lines)" "$WORK/outside/evil.entry"
python3 - "$manifest" "$WORK/outside/evil" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for c in m["candidates"]:
    c["key"] = "../../../../../../.." + sys.argv[2]
json.dump(m, open(sys.argv[1], "w"))
PY
cached_build "$WORK/b/app-pathdep"
assert_eq 1 "$(log_count miss util lib)" "util with a re-pointed manifest compiles"
assert_eq "$want" "$("$WORK/b/app-pathdep/target/debug/app-pathdep")" "output"
assert_gt "$(stat errors.invalid_key)" 0 "errors.invalid_key"

step "a bad remote setting: the local tier still serves"
CRATECACHE_REMOTE=foo cached_build "$WORK/c/app-pathdep"
assert_eq 1 "$(log_count hit util lib)" "util served from the local tier"
assert_eq 0 "$(count_log miss)" "misses with a bad remote setting"
assert_gt "$(stat errors.remote_config)" 0 "errors.remote_config"
grep -q "remote cache disabled, bad setting" "$LAST_ERR" || fail "no warning about the bad remote setting"
assert_eq "$want" "$("$WORK/c/app-pathdep/target/debug/app-pathdep")" "output"
echo "hostile keys: ../ key refused (compiled, counted); bad remote: local hits, counted"
