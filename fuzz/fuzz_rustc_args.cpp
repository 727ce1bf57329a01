// libFuzzer target: NUL-separated argv for parse_rustc_args, which promises never to throw.
#include <cstdint>
#include <string>
#include <vector>

#include "args/rustc_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> argv;
  std::string current;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      argv.push_back(std::move(current));
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  if (!current.empty()) argv.push_back(std::move(current));

  auto parsed = cratecache::parse_rustc_args(argv);
  auto outputs = parsed.args.expected_outputs();
  (void)cratecache::unit_kind_name(parsed.args.unit_kind());
  (void)parsed.args.links();
  (void)parsed.args.codegen("opt-level");
  // A unit the cache accepts always writes its dep-info file, which the key is built from.
  if (!parsed.not_cacheable && outputs.empty()) __builtin_trap();
  return 0;
}
