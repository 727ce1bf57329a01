#pragma once
// Messages for the user go to stderr with a `cratecache:` prefix; rustc's stdout stays clean.
// During a build-script run, stderr is the script's (Cargo saves it as an artifact and shows it
// only on failure), so warnings go to a file instead: see redirect_warnings.
#include <fmt/core.h>

#include <string>

namespace cratecache {

void print_warning(const std::string& message);
// From now on, append warnings to `path` rather than writing them to stderr.
void redirect_warnings(const std::string& path);

template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  print_warning(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace cratecache
