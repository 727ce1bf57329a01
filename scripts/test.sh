#!/usr/bin/env bash
# Runs every test: unit tests and the integration suites (real cargo builds over the corpus).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
"$root/scripts/build.sh"
"$root/scripts/setup-corpus.sh" >/dev/null
cd "$root/build"
ctest --output-on-failure "$@"
