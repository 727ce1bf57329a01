#!/usr/bin/env bash
# Installs the offline crate corpus (Debian's librust-*-dev packages) and writes a CARGO_HOME whose
# config replaces crates-io with that directory source. Idempotent.
# Usage: scripts/setup-corpus.sh [CARGO_HOME_DIR]   (default: build/cargo-home)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo_home=${1:-$root/build/cargo-home}
registry=/usr/share/cargo/registry

packages=(
  librust-hyper-dev librust-tokio-dev librust-serde-dev librust-serde-derive-dev
  librust-serde-json-dev librust-tracing-subscriber-dev librust-regex-dev librust-clap-dev
  librust-rand-dev librust-rayon-dev librust-image-dev librust-reqwest-dev librust-anyhow-dev
  librust-cc-dev librust-zstd-sys-dev librust-libz-sys-dev librust-prost-build-dev
)
"$root/scripts/apt-install.sh" "${packages[@]}"

mkdir -p "$cargo_home"
cat > "$cargo_home/config.toml" <<CFG
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$registry"

[net]
offline = true
CFG
echo "$cargo_home"
