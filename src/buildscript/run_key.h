#pragma once
// The input key of a build-script run (docs/build-scripts.md): the real script binary, the
// environment Cargo gives it (paths normalised), the rustc and C toolchain it may probe, the
// package's identity, and the host CPU when the flags ask for it (-march=native, ...). Files and
// variables named by rerun-if directives form the second level, in a manifest, as for compiles.
#include <functional>
#include <string>
#include <vector>

#include "util/env.h"
#include "key/build_env.h"
#include "key/host_cpu.h"
#include "key/key_inputs.h"
#include "key/path_normaliser.h"
#include "key/stat_cache.h"

namespace cratecache {

struct RunKeyContext {
  std::string script_digest;
  std::string rustc_identity;  // of $RUSTC, which scripts may probe
  std::string manifest_dir;  // CARGO_MANIFEST_DIR, the script's working directory
  const PathNormaliser& normaliser;
  EnvLookup env;
  std::vector<std::string> env_names;
  StatCache& digests;
  // The declared-inputs closure of the script binary (key/declared_closure.h); "" when empty.
  std::string declared_closure;
  // Asked only when the keyed environment names the host's CPU (RUSTFLAGS, CFLAGS, ...).
  std::function<std::string()> host_cpu = host_cpu_fingerprint;
};

// Throws std::runtime_error when an input cannot be read.
// With `record`, also lists the labelled inputs (for `cratecache explain`).
std::string compute_run_key(const RunKeyContext& ctx, KeyInputs* record = nullptr);

}  // namespace cratecache
