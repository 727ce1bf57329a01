#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/fuzz_*.cpp) with clang into build-fuzz/ and runs each on a
# fresh copy of its seed corpus for SECONDS_PER_TARGET (default 20). Exits non-zero if any target
# crashes, leaks, times out or runs out of memory, printing the reproducer's path.
# Reproduce one: build-fuzz/<target> <reproducer>
# Inputs kept in fuzz/crashes/<target>/ are replayed first, as regression tests of found bugs.
set -euo pipefail
seconds=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"

"$root/scripts/install-deps.sh"
# libFuzzer and the sanitizer runtimes ship in libclang-rt-<major>-dev, matching clang's version.
command -v clang++ >/dev/null 2>&1 || "$root/scripts/apt-install.sh" clang
major=$(clang++ --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
"$root/scripts/apt-install.sh" "libclang-rt-$major-dev"

# RelWithDebInfo minus -DNDEBUG: optimised enough to fuzz fast, with assertions still checked.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCRATECACHE_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$build" --target fuzz_all

# Stack traces for UBSan reports too (ASan prints them anyway).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
for src in "$root"/fuzz/fuzz_*.cpp; do
  target=$(basename "$src" .cpp)
  work="$build/corpus/$target"
  crashes="$build/crashes/$target"
  rm -rf "$work" && mkdir -p "$work" "$crashes"
  if [ -d "$root/fuzz/corpus/$target" ]; then cp -r "$root/fuzz/corpus/$target/." "$work/"; fi
  if [ "$target" = fuzz_entry_decoder ]; then "$build/make_entry_seeds" "$work"; fi
  log="$build/$target.log"
  known=("$root/fuzz/crashes/$target"/*)
  if [ -e "${known[0]}" ] && ! "$build/$target" "${known[@]}" >"$log" 2>&1; then
    echo "fuzz: $target FAILED on a known reproducer in fuzz/crashes/$target/"
    { grep '^Running: ' "$log" | tail -1; grep -E 'runtime error|^SUMMARY' "$log" | head -3; } | sed 's/^/  /'
    failed+=("$target")
    continue
  fi
  dict=()
  if [ -f "$root/fuzz/$target.dict" ]; then dict=(-dict="$root/fuzz/$target.dict"); fi
  echo "fuzz: $target for ${seconds}s (log: $log)"
  if "$build/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="$crashes/" "$work" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done ' "$log" | tr '\n' ' ' | sed 's/^/  /'; echo
  else
    echo "fuzz: $target FAILED"
    grep -E '^==[0-9]+==ERROR|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/  /'
    grep -o 'Test unit written to .*' "$log" | sed 's/^Test unit written to /  reproducer: /'
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a finding"
