#pragma once
// Cargo runs the build-script binary it asked rustc for. For a cached package, cratecache puts a
// small launcher at that path (the real binary beside it, as <name>.cratecache-real) so that the
// *run* goes through `cratecache build-script-run` and can be served from the store too.
#include <string>

namespace cratecache {

constexpr const char* kRealScriptSuffix = ".cratecache-real";

// `binary` is Cargo's path of the build-script binary. When rustc wrote it (or cratecache
// materialised it), it moves to <binary>.cratecache-real; when it is `deferred`, it is left in the
// store entry linked at <binary>.cratecache-entry (deferred_blob.h). Then writes the launcher.
void install_launcher(const std::string& binary, const std::string& cratecache_exe, bool deferred);

}  // namespace cratecache
