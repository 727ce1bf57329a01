#include "buildscript/directives.h"

namespace cratecache {

RerunDirectives parse_rerun_directives(std::string_view text) {
  RerunDirectives d;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Both the old single-colon and the newer double-colon syntax.
    if (line.rfind("cargo::", 0) == 0) {
      line.remove_prefix(7);
    } else if (line.rfind("cargo:", 0) == 0) {
      line.remove_prefix(6);
    } else {
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    std::string value(line.substr(eq + 1));
    if (key == "rerun-if-changed") d.changed_paths.push_back(value);
    if (key == "rerun-if-env-changed") d.env_vars.push_back(value);
  }
  return d;
}

}  // namespace cratecache
