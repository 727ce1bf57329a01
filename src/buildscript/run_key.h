#pragma once
// The input key of a build-script run (docs/build-scripts.md): the real script binary, the
// environment Cargo gives it (paths normalised), the rustc and C toolchain it may probe, and the
// package's identity. Files and variables named by rerun-if directives form the second level,
// in a manifest, as for compiles.
#include <string>
#include <vector>

#include "config/config.h"
#include "key/path_normaliser.h"
#include "key/stat_cache.h"

namespace cratecache {

struct RunKeyContext {
  std::string script_digest;
  std::string rustc_identity;  // of $RUSTC, which scripts may probe
  std::string manifest_dir;  // CARGO_MANIFEST_DIR, the script's working directory
  const PathNormaliser& normaliser;
  Config::EnvLookup env;
  std::vector<std::string> env_names;
  StatCache& digests;
};

bool is_keyed_build_env_var(const std::string& name);
// Throws std::runtime_error when an input cannot be read.
std::string compute_run_key(const RunKeyContext& ctx);

}  // namespace cratecache
