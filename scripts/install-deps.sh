#!/usr/bin/env bash
# Installs what building and testing cratecache needs from Debian's archive. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev libzstd-dev liblz4-dev libcurl4-openssl-dev libhiredis-dev libsqlite3-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libxxhash-dev
  libgtest-dev libbenchmark-dev curl python3 zstd lz4 util-linux mount gdb xfsprogs btrfs-progs e2fsprogs
)
"$(dirname "$0")/apt-install.sh" "${packages[@]}"
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "install-deps: no cargo found; installing Debian's cargo" >&2
  "$(dirname "$0")/apt-install.sh" cargo rustc
fi
# layout_matrix builds through Cargo's new build-dir layout, behind -Zbuild-dir-new-layout on nightly.
rustup=$(command -v rustup || echo "$HOME/.cargo/bin/rustup")
if [ -x "$rustup" ] && ! "$rustup" run nightly rustc -V >/dev/null 2>&1; then
  "$rustup" toolchain install nightly --profile minimal
fi
