#pragma once
// Cargo runs the build-script binary it asked rustc for. For a cached package, cratecache puts a
// small launcher at that path (the real binary beside it, as <name>.cratecache-real) so that the
// *run* goes through `cratecache build-script-run` and can be served from the store too.
#include <string>

namespace cratecache {

constexpr const char* kRealScriptSuffix = ".cratecache-real";

// `binary` is where rustc wrote (or cratecache materialised) the real build-script binary.
// Moves it to <binary>.cratecache-real and writes the launcher at `binary`.
void install_launcher(const std::string& binary, const std::string& cratecache_exe);

// Path of the running cratecache executable.
std::string own_executable_path();

}  // namespace cratecache
