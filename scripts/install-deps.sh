#!/usr/bin/env bash
# Installs what building and testing cratecache needs from Debian's archive. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev libzstd-dev libcurl4-openssl-dev libhiredis-dev libsqlite3-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev libxxhash-dev
  libgtest-dev libbenchmark-dev curl python3
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "install-deps: no cargo found; installing Debian's cargo" >&2
  apt-get install -y -qq cargo rustc >/dev/null
fi
