#!/usr/bin/env bash
# Code built for the host's own CPU (RUSTFLAGS -C target-cpu=native, CFLAGS -march=native) is
# served only to a machine with the same CPU; portable code is served whatever the CPU. "Another
# machine" is this one seen through another /proc/cpuinfo, bind-mounted in a private mount
# namespace (needs root and unshare). rustc itself still reads the CPU with cpuid, so the builds
# there succeed; what is checked is that nothing compiled for one CPU is offered to the other.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

export CRATECACHE_CACHE_PATH_PACKAGES=1 # cdep's script run and libraries are cached too
unset CC CFLAGS

# Another model, without one feature flag.
other_cpu=$WORK/cpuinfo
sed -E -e 's/^(model[[:space:]]*: ).*/\19999/' -e 's/ (avx2|sse4_2|asimd)( |$)/ /' /proc/cpuinfo >"$other_cpu"
! cmp -s /proc/cpuinfo "$other_cpu" || fail "could not make another CPU out of /proc/cpuinfo"
cargo_shim other-cpu "mount --bind \"$other_cpu\" /proc/cpuinfo"

n=0
# build [on-other-cpu] [VAR=VALUE...]: builds a fresh copy of c-static through the cache.
build() {
  local other=0
  if [ "${1:-}" = on-other-cpu ]; then
    other=1
    shift
  fi
  n=$((n + 1))
  copy_project synthetic/c-static "$WORK/p$n/c-static"
  (
    [ "$other" = 0 ] || PATH=$WORK/other-cpu:$PATH
    [ $# = 0 ] || export "$@"
    cached_build "$WORK/p$n/c-static"
  )
  assert_eq "answer from C: 42" "$("$WORK/p$n/c-static/target/debug/c-static")" "output of build $n"
}
hits() { count_log hit; }
misses() { count_log miss; }

native=(RUSTFLAGS="-C target-cpu=native" CFLAGS="-march=native")

step "native code: this CPU fills the store"
build "${native[@]}"
assert_eq 0 "$(hits)" "first native build: nothing to hit"
cached=$(misses)
assert_gt "$cached" 3 "units stored by the first native build"
step "native code: another copy on this CPU hits everything"
build "${native[@]}"
assert_eq 0 "$(misses)" "native build again on this CPU"
assert_eq "$cached" "$(hits)" "native build again on this CPU: hits"
step "native code: on another CPU nothing is served"
build on-other-cpu "${native[@]}"
assert_eq 0 "$(hits)" "native build on another CPU: hits"
assert_eq "$cached" "$(misses)" "native build on another CPU: misses"
step "native code: that CPU then has its own entries"
build on-other-cpu "${native[@]}"
assert_eq 0 "$(misses)" "native build again on the other CPU"

step "portable code is served to any CPU"
build
build on-other-cpu
assert_eq 0 "$(misses)" "portable build on another CPU"
assert_eq "$cached" "$(hits)" "portable build on another CPU: hits"

step "C flags for the host CPU key the script run, not portable rust code"
build CFLAGS="-march=native"
build on-other-cpu CFLAGS="-march=native"
assert_eq 1 "$(log_count miss cdep build-script-run)" "script run with -march=native on another CPU"
assert_eq 1 "$(log_count hit cc)" "the cc crate (portable) on another CPU"

echo "native_cpu: native units and runs keyed by CPU, portable ones shared ($cached units)"
