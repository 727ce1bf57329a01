#pragma once
// "a,,b" -> {"a", "b"}: the non-empty parts of a separated list (settings' key lists, a group
// list). args/, a sibling room, keeps its own for rustc's values.
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

inline std::vector<std::string> split_nonempty(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace cratecache
