// libFuzzer target: the cargo:/cargo:: rerun directives of a build script's stdout.
#include <cstdint>
#include <string_view>

#include "key/directives.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto d = cratecache::parse_rerun_directives(std::string_view(reinterpret_cast<const char*>(data), size));
  // Values come from single lines, so none may contain a newline.
  for (const auto& v : d.changed_paths) if (v.find('\n') != std::string::npos) __builtin_trap();
  for (const auto& v : d.env_vars) if (v.find('\n') != std::string::npos) __builtin_trap();
  return 0;
}
