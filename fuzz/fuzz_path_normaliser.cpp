// libFuzzer target: restore(normalise(text)) == text for any text without a placeholder in it.
// The first line of the input (if it is a plain absolute path) becomes an extra root, so that
// nested and overlapping roots are explored as well as the fixed realistic ones.
#include <cstdint>
#include <string>
#include <string_view>

#include "key/path_normaliser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.find("@@CRATECACHE:") != std::string_view::npos) return 0;  // placeholders don't round-trip
  cratecache::PathNormaliser n;
  n.add_root("/home/dev/proj/target", "TARGET");
  n.add_root("/home/dev/proj", "PROJECT");
  n.add_root("/home/dev/.cargo/registry/src/index.crates.io-6f17d22bba15001f", "REGISTRY");
  n.add_root("/home/dev/.rustup/toolchains/stable-x86_64-unknown-linux-gnu", "SYSROOT");
  size_t nl = input.find('\n');
  std::string_view first = input.substr(0, nl == std::string_view::npos ? 0 : nl);
  // Root paths with '@' could spell a token themselves; real roots are plain directories.
  if (!first.empty() && first[0] == '/' && first.find('@') == std::string_view::npos &&
      first.find('\0') == std::string_view::npos) {
    n.add_root(std::string(first), "EXTRA");
  }
  std::string normalised = n.normalise(input);
  if (n.restore(normalised) != input) __builtin_trap();
  return 0;
}
