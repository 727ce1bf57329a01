// libFuzzer target: rustc dep-info parsing of arbitrary text.
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "key/dep_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto info = cratecache::parse_dep_info(std::string_view(reinterpret_cast<const char*>(data), size));
  // The header promises prerequisites without duplicates, none of them empty.
  std::unordered_set<std::string> seen;
  for (const auto& f : info.files) {
    if (f.empty() || !seen.insert(f).second) __builtin_trap();
  }
  return 0;
}
