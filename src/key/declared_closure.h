#pragma once
// The declared-inputs closure of a rustc unit (docs/build-scripts.md, "Dependency closure"): one
// digest over what the build-script runs it depends on declared with rerun-if directives — its own
// package's run (when Cargo set OUT_DIR) and, through their sidecars, every --extern's closure.
// A library can read such an input when it *runs*, inside a dependent's build script (bindgen
// reads BINDGEN_EXTRA_CLANG_ARGS), without its rlib changing; the run's key covers it this way.
//
// It is computed fresh at each invocation from the environment and files now, never taken from
// a store entry, and written beside the unit's outputs as <stem>.cratecache-closure, only when
// some declared input is in the closure ("" otherwise: the file is removed).
#include <string>

#include "args/rustc_args.h"
#include "util/env.h"
#include "key/path_normaliser.h"
#include "key/stat_cache.h"

namespace cratecache {

inline constexpr const char* kClosureSuffix = ".cratecache-closure";

struct ClosureContext {
  const RustcArgs& args;
  std::string cwd;  // rustc's working directory (relative --extern paths)
  const PathNormaliser& normaliser;
  EnvLookup env;
  StatCache& digests;
};

// The sidecar of the unit whose outputs are named `stem` (crate name + extra filename) in `dir`.
std::string closure_sidecar(const std::string& dir, const std::string& stem);
// The sidecar of the unit that wrote the crate file `extern_path` (lib<stem>.rlib, .rmeta, .so).
std::string extern_closure_sidecar(const std::string& extern_path);

// The closure digest recorded in `sidecar`: "" when there is none. Throws std::runtime_error when
// the file is damaged or says an input could not be read (the caller then does not cache).
std::string read_closure(const std::string& sidecar);

// What the proc-macros among the unit's externs (lib<stem>.so) declared: their code runs while the
// unit compiles, so its key covers their closures. "" when none has any; throws as read_closure.
std::string proc_macro_closure(const RustcArgs& args, const std::string& cwd);

// Computes the unit's closure now and writes (or removes) its sidecar. Never throws: an input
// that cannot be read is recorded as such, so that no run depending on it is cached.
void record_closure(const ClosureContext& ctx);

}  // namespace cratecache
