#pragma once
// The two-level key of a rustc unit (docs/key.md gives the reason for every input):
//  - the *input key*, computable before compiling: toolchain, normalised arguments, environment,
//    the content of every extern crate, native library and linker, and the host CPU for
//    target-cpu=native;
//  - the *result key* = input key + the source files rustc read and the env vars the crate
//    observed, both known only from dep-info. A manifest maps input key -> result keys.
#include <functional>
#include <string>
#include <vector>

#include "args/rustc_args.h"
#include "util/env.h"
#include "key/dep_info.h"
#include "key/host_cpu.h"
#include "key/key_inputs.h"
#include "key/path_normaliser.h"
#include "key/stat_cache.h"
#include "key/toolchain.h"

namespace cratecache {

struct KeyContext {
  const RustcArgs& args;
  const Toolchain& toolchain;
  const PathNormaliser& normaliser;
  std::string cwd;
  EnvLookup env;
  std::vector<std::string> env_names;  // names of all variables in the environment
  StatCache& digests;
  // Asked only for a unit built for the host's own CPU (-C target-cpu=native).
  std::function<std::string()> host_cpu = host_cpu_fingerprint;
  // What the proc-macros it loads read when they run, as their build scripts declared it
  // (key/declared_closure.h); "" when nothing.
  std::string proc_macro_closure{};
};

// Throws std::runtime_error when an input file cannot be read. With `record`, also lists the
// labelled inputs (for `cratecache explain`).
std::string compute_input_key(const KeyContext& ctx, KeyInputs* record = nullptr);

struct SourceDigest {
  std::string path;  // normalised
  std::string digest;
};

std::string compute_result_key(const std::string& input_key, const std::vector<SourceDigest>& sources,
                               const std::vector<EnvDep>& env);

// Is this environment variable part of the input key? (Cargo's per-unit variables, OUT_DIR, ...)
bool is_keyed_env_var(const std::string& name, bool links);

}  // namespace cratecache
