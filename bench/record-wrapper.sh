#!/usr/bin/env bash
# RUSTC_WRAPPER shim used by bench.sh for the per-hit latency measurement: records each rustc
# invocation Cargo makes (working directory, full environment, argv) and then runs the real
# wrapper. Only used in an untimed build; bench_helpers.py replays the recordings.
# Env: BENCH_RECORD_DIR (where to record), BENCH_REAL_WRAPPER (the cratecache binary).
set -e
d=$(mktemp -d "$BENCH_RECORD_DIR/unit.XXXXXXXX")
pwd -P >"$d/cwd"
env -0 >"$d/env"
printf '%s\0' "$@" >"$d/argv"
exec "$BENCH_REAL_WRAPPER" "$@"
