#!/usr/bin/env bash
# The main job: builds hello-hyper as two fresh projects in different directories through
# cratecache (cold, then warm), prints both times and the cache statistics.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
"$root/scripts/build.sh"
export CARGO_HOME
CARGO_HOME=$("$root/scripts/setup-corpus.sh")
work="$root/build/demo"
rm -rf "$work"
mkdir -p "$work/first" "$work/second/nested"
export CRATECACHE_DIR="$work/store" RUSTC_WRAPPER="$root/build/cratecache"

build() {
  cp -r "$root/tests/projects/hello-hyper" "$1"
  local start end
  start=$(date +%s.%N)
  (cd "$1" && cargo build --quiet)
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}

cold=$(build "$work/first/hello-hyper")
warm=$(build "$work/second/nested/hello-hyper")
echo "hello-hyper, fresh project, empty cache: ${cold} s"
echo "hello-hyper, fresh project, warm cache:  ${warm} s"
"$RUSTC_WRAPPER" stats
