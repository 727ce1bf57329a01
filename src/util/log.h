#pragma once
// Messages for the user go to stderr with a `cratecache:` prefix; rustc's stdout stays clean.
#include <fmt/core.h>

#include <string>

namespace cratecache {

void print_warning(const std::string& message);

template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  print_warning(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace cratecache
