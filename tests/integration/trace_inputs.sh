#!/usr/bin/env bash
# What a build-script run looked for and did not find, and the programs it ran, are inputs of its
# key (the input trace, docs/build-scripts.md). For each class a store is seeded under one
# condition, a fresh copy with nothing changed hits (positive control), then the condition changes
# and a fresh copy built through the store must equal a plain uncached copy built under the same
# condition: OUT_DIR, the script's output and the program's output.
#   c-header:     a header appears in a dir on CPATH searched before the one it was found in
#   zlib-version: a zlib.pc appears in a dir on PKG_CONFIG_PATH (libz-sys's pkg-config probe)
#   tool-run:     a program of the same name appears earlier on PATH; another dir is put first on
#                 PATH; pyenv's shim runs another Python (PYENV_VERSION); a tool that looks for
#                 5000 paths leaves the run uncached (trace_too_large)
#   proto-gen:    prost-build's protoc found by `which` on PATH: another one appears earlier
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export CRATECACHE_CACHE_PATH_PACKAGES=1 # the synthetic scripts are path packages
unset CC CFLAGS CPATH C_INCLUDE_PATH PKG_CONFIG_PATH PYENV_VERSION
summary=()

# fresh NAME: prints the dir of a new copy of the synthetic project NAME.
fresh() {
  local dir
  dir=$(mktemp -d "$WORK/copy.XXXXXX")
  copy_project "synthetic/$1" "$dir/$1"
  echo "$dir/$1"
}

# run_outcome PKG: the outcome of the one build-script run of PKG in the last cached build.
run_outcome() {
  local lines
  lines=$(awk -F'\t' -v p="$1" '$2 == p && $3 == "build-script-run" { print $1 }' "$LAST_LOG")
  [ "$(printf '%s\n' "$lines" | grep -c .)" = 1 ] || fail "expected one build-script-run of $1, got: ${lines:-none}"
  echo "$lines"
}

# cached NAME PKG OUTCOME WHAT: builds a fresh copy of NAME through the store, expects OUTCOME
# for PKG's run; prints the copy's dir.
cached() {
  local dir
  dir=$(fresh "$1")
  cached_build "$dir"
  assert_eq "$3" "$(run_outcome "$2")" "$4: $2's build-script run"
  echo "$dir"
}

# same_as_plain NAME PKG DIR WHAT: DIR (a cached copy) equals a plain uncached copy built now.
same_as_plain() {
  local plain cached_run plain_run
  plain=$(fresh "$1")
  plain_cargo "$plain" build -q || fail "$4: plain build of $1"
  assert_eq "$("$plain/target/debug/$1")" "$("$3/target/debug/$1")" "$4: program output (plain vs cached)"
  cached_run=$(dirname "$(out_dir "$3" "$2")") # its out/ and the script's stdout, output
  plain_run=$(dirname "$(out_dir "$plain" "$2")")
  diff -r "$plain_run/out" "$cached_run/out" >&2 || fail "$4: OUT_DIR differs from the plain build's"
  diff <(sed "s|$plain|PROJECT|g" "$plain_run/output") <(sed "s|$3|PROJECT|g" "$cached_run/output") >&2 ||
    fail "$4: the script's output differs from the plain build's"
}

# seed_and_control NAME PKG WANT WHAT: seeds the store (miss) and checks that a fresh copy hits
# with the same output WANT.
seed_and_control() {
  local dir
  dir=$(cached "$1" "$2" miss "$4: seed")
  assert_eq "$3" "$("$dir/target/debug/$1")" "$4: seeded output"
  dir=$(cached "$1" "$2" hit "$4: nothing changed")
  assert_eq "$3" "$("$dir/target/debug/$1")" "$4: output of the control"
}

# changed NAME PKG WANT WHAT: after a change, a fresh copy misses and equals a plain copy, which prints WANT.
changed() {
  local dir
  dir=$(cached "$1" "$2" miss "$4")
  same_as_plain "$1" "$2" "$dir" "$4"
  assert_eq "$3" "$("$dir/target/debug/$1")" "$4: output"
  summary+=("$4: miss, same as plain")
}

step "c-header: a header appearing in a CPATH dir searched first"
mkdir -p "$WORK/inc-early" "$WORK/inc-late"
echo '#define CRATECACHE_CHOICE 1' >"$WORK/inc-late/cratecache_choice.h"
export CPATH=$WORK/inc-early:$WORK/inc-late
seed_and_control c-header hdep "choice from C: 1" "c-header"
echo '#define CRATECACHE_CHOICE 2' >"$WORK/inc-early/cratecache_choice.h"
changed c-header hdep "choice from C: 2" "c-header: header in the earlier CPATH dir"
unset CPATH

step "zlib-version: a zlib.pc appearing on PKG_CONFIG_PATH (libz-sys)"
mkdir -p "$WORK/pc" "$WORK/zlib-alt"
export PKG_CONFIG_PATH=$WORK/pc
system_zlib=$(pkg-config --modversion zlib) || fail "no system zlib.pc (zlib1g-dev)"
seed_and_control zlib-version libz-sys "zlib $system_zlib" "zlib-version"
echo 'const char* zlibVersion(void) { return "9.9.9-alt"; }' >"$WORK/zlib-alt/alt.c"
gcc -c -o "$WORK/zlib-alt/alt.o" "$WORK/zlib-alt/alt.c" && ar crs "$WORK/zlib-alt/libz.a" "$WORK/zlib-alt/alt.o"
cat >"$WORK/pc/zlib.pc" <<PC
Name: zlib
Description: another zlib
Version: 9.9.9
Libs: -L$WORK/zlib-alt -lz
Cflags: -I$WORK/zlib-alt
PC
changed zlib-version libz-sys "zlib 9.9.9-alt" "zlib-version: zlib.pc on PKG_CONFIG_PATH"
unset PKG_CONFIG_PATH

step "tool-run: the programs a script runs by name"
command -v pyenv >/dev/null || fail "needs pyenv with two Python versions"
mapfile -t pythons < <(pyenv versions --bare | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -V | tail -n 2)
[ "${#pythons[@]}" = 2 ] || fail "needs pyenv with two Python 3 versions, has: ${pythons[*]:-none}"
mkdir -p "$WORK/bin-early" "$WORK/bin-late" "$WORK/bin-first"
tool() { printf '#!/bin/sh\necho %s\n' "$2" >"$1/cratecache-test-tool" && chmod +x "$1/cratecache-test-tool"; }
tool "$WORK/bin-late" "late tool"
export PATH=$WORK/bin-early:$WORK/bin-late:$(pyenv root)/shims:$PATH PYENV_VERSION=${pythons[1]}
seed_and_control tool-run toolgen "$(printf 'tool: late tool\npython: Python %s' "${pythons[1]}")" "tool-run"
tool "$WORK/bin-early" "early tool"
changed tool-run toolgen "$(printf 'tool: early tool\npython: Python %s' "${pythons[1]}")" \
  "tool-run: the tool appears earlier on PATH"
tool "$WORK/bin-first" "first tool"
PATH=$WORK/bin-first:$PATH changed tool-run toolgen "$(printf 'tool: first tool\npython: Python %s' "${pythons[1]}")" \
  "tool-run: another dir first on PATH"
PYENV_VERSION=${pythons[0]} changed tool-run toolgen "$(printf 'tool: early tool\npython: Python %s' "${pythons[0]}")" \
  "tool-run: PYENV_VERSION=${pythons[0]} behind pyenv's shim"

step "proto-gen: another protoc first on PATH (prost-build)"
unset PROTOC PROTOC_INCLUDE
dir=$(cached proto-gen protogen miss "proto-gen: seed")
seeded=$("$dir/target/debug/proto-gen")
dir=$(cached proto-gen protogen hit "proto-gen: nothing changed")
assert_eq "$seeded" "$("$dir/target/debug/proto-gen")" "proto-gen: output of the control"
# A protoc that also compiles one more message into the package: the generated code differs.
mkdir -p "$WORK/proto-extra"
printf 'syntax = "proto3";\npackage cratecache.test;\nmessage Extra { bool flag = 1; }\n' \
  >"$WORK/proto-extra/extra.proto"
printf '#!/bin/sh\nexec /usr/bin/protoc "$@" --proto_path=%s %s/extra.proto\n' "$WORK/proto-extra" \
  "$WORK/proto-extra" >"$WORK/bin-early/protoc"
chmod +x "$WORK/bin-early/protoc"
dir=$(cached proto-gen protogen miss "proto-gen: another protoc earlier on PATH")
same_as_plain proto-gen protogen "$dir" "proto-gen: another protoc earlier on PATH"
[ "$seeded" != "$("$dir/target/debug/proto-gen")" ] || fail "proto-gen: the other protoc changed nothing"
summary+=("proto-gen: another protoc earlier on PATH: miss, same as plain")
rm "$WORK/bin-early/protoc"

step "tool-run: a run that looked for too many paths is not stored"
printf '#!/bin/sh\nfor i in $(seq 5000); do [ -e "/nonexistent/$i" ]; done\necho probing tool\n' \
  >"$WORK/bin-first/cratecache-test-tool"
dir=$(fresh tool-run)
PATH=$WORK/bin-first:$PATH cached_build "$dir"
assert_eq not_cached "$(run_outcome toolgen)" "probing tool: toolgen's run"
assert_eq trace_too_large "$(awk -F'\t' '$2 == "toolgen" && $3 == "build-script-run" { print $4 }' "$LAST_LOG")" "probing tool: reason"
assert_eq 1 "$(stat not_cached.trace_too_large)" "probing tool: stats not_cached.trace_too_large"
assert_eq "$(printf 'tool: probing tool\npython: Python %s' "${pythons[1]}")" "$("$dir/target/debug/tool-run")" \
  "probing tool: output of the uncached run"
summary+=("tool-run: 5000 paths looked for: not_cached trace_too_large")

printf '  %s\n' "${summary[@]}"
echo "PASS $TEST_NAME: what a run looked for and the programs it ran are inputs; nothing changed -> hits"
