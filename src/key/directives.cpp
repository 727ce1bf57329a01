#include "key/directives.h"

#include "util/lines.h"

namespace cratecache {

RerunDirectives parse_rerun_directives(std::string_view text) {
  RerunDirectives d;
  for_each_line(text, [&](std::string_view line) {
    // Both the old single-colon and the newer double-colon syntax.
    if (line.rfind("cargo::", 0) == 0) {
      line.remove_prefix(7);
    } else if (line.rfind("cargo:", 0) == 0) {
      line.remove_prefix(6);
    } else {
      return;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq);
    std::string value(line.substr(eq + 1));
    if (key == "rerun-if-changed") d.changed_paths.push_back(value);
    if (key == "rerun-if-env-changed") d.env_vars.push_back(value);
  });
  return d;
}

}  // namespace cratecache
