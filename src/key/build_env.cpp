#include "key/build_env.h"

namespace cratecache {
namespace {

// Variables the C/C++ toolchain and pkg-config read; build scripts (the cc crate, *-sys crates)
// pass them on or probe them.
constexpr const char* kToolPrefixes[] = {"CC",      "CXX",  "AR",   "RANLIB", "CFLAGS", "CXXFLAGS", "CPPFLAGS",
                                         "LDFLAGS", "TARGET_", "HOST_", "PKG_CONFIG", "CRATE_CC_"};
constexpr const char* kExact[] = {"TARGET",       "HOST",          "PROFILE",      "OPT_LEVEL",
                                  "DEBUG",        "OUT_DIR",       "RUSTC_LINKER", "LIBRARY_PATH",
                                  "CPATH",        "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "SOURCE_DATE_EPOCH",
                                  "RUSTC_BOOTSTRAP"};
// What Cargo sets for a build script. Other CARGO_* variables are the user's Cargo settings
// (CARGO_TARGET_DIR, CARGO_TERM_COLOR, ...), which the script inherits but does not use unless it
// says so with rerun-if-env-changed, which the manifest level records.
constexpr const char* kCargoPrefixes[] = {"CARGO_PKG_", "CARGO_FEATURE_", "CARGO_CFG_"};
constexpr const char* kCargoExact[] = {"CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_MANIFEST_LINKS",
                                       "CARGO_ENCODED_RUSTFLAGS", "CARGO_PRIMARY_PACKAGE"};

}  // namespace

bool is_keyed_build_env_var(const std::string& name) {
  for (const char* p : kCargoPrefixes) {
    if (name.rfind(p, 0) == 0) return true;
  }
  for (const char* e : kCargoExact) {
    if (name == e) return true;
  }
  if (name.rfind("DEP_", 0) == 0) return true;
  for (const char* e : kExact) {
    if (name == e) return true;
  }
  for (const char* p : kToolPrefixes) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

}  // namespace cratecache
