#!/usr/bin/env bash
# Builds the unit tests with ASan+UBSan (gcc) into build-asan/ and runs them; any sanitizer report
# aborts the run and makes this script exit non-zero. Arguments go to unit_tests (--gtest_filter=...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-asan"

# gcc's sanitizer runtimes (libasan, libubsan) come with build-essential's libgcc-*-dev.
"$root/scripts/install-deps.sh"

# Also set for the build: gtest discovery runs unit_tests as a post-build step.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# RelWithDebInfo minus -DNDEBUG, so assertions are checked too.
cmake -S "$root" -B "$build" -G Ninja -DCRATECACHE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$build" --target unit_tests
cd "$build"
./tests/unit_tests "$@"
