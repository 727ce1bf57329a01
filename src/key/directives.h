#pragma once
// The `cargo:` / `cargo::` directives of a build script's stdout that decide when Cargo reruns it.
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

struct RerunDirectives {
  std::vector<std::string> changed_paths;  // rerun-if-changed, as written (relative to the package)
  std::vector<std::string> env_vars;       // rerun-if-env-changed
  bool any() const { return !changed_paths.empty() || !env_vars.empty(); }
};

RerunDirectives parse_rerun_directives(std::string_view stdout_text);

}  // namespace cratecache
